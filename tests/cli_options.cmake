# mailauth-check's later options (included by tests/CMakeLists.txt):
#   cli_options  --exit-code, --from-headers, mbox and Maildir input, JSON
#                dmarc.reason, --verbose, --lint, master-file zones (offline);
#   cli_record   --record-zone against dnsmasq, then the same run replayed
#                from the recorded file (skipped, 77, without dnsmasq).
find_program(MAILAUTH_BASH NAMES bash)
if(TARGET mailauth-check AND MAILAUTH_BASH AND EXISTS /usr/bin/python3)
  add_test(NAME cli_options COMMAND ${MAILAUTH_BASH}
           ${CMAKE_CURRENT_LIST_DIR}/tools/cli_options_test.sh
           $<TARGET_FILE:mailauth-check> ${CMAKE_CURRENT_LIST_DIR}/data/cli)
  add_test(NAME cli_record COMMAND /usr/bin/python3
           ${CMAKE_CURRENT_LIST_DIR}/tools/cli_record_test.py
           $<TARGET_FILE:mailauth-check> ${CMAKE_CURRENT_LIST_DIR}/data/cli)
  set_tests_properties(cli_options cli_record PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
    ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
