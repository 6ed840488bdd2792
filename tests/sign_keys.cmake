# mailauth-sign's keys (included by tests/CMakeLists.txt):
#   sign_keys  `keygen` and `dkim --dns-record`: the record's owner in
#              A-labels, domain and selector checked as signing checks them,
#              the key file mode 0600 and never overwritten, TXT strings of
#              at most 255 octets, and a made key's signature verified by
#              mailauth-check with the printed line as its zone.
find_program(MAILAUTH_BASH NAMES bash)
if(TARGET mailauth-sign AND TARGET mailauth-check AND MAILAUTH_BASH)
  add_test(NAME sign_keys COMMAND ${MAILAUTH_BASH} ${CMAKE_CURRENT_LIST_DIR}/tools/sign_keys_test.sh
           $<TARGET_FILE:mailauth-sign> $<TARGET_FILE:mailauth-check>
           ${CMAKE_CURRENT_LIST_DIR}/data/dkim_sign)
  set_tests_properties(sign_keys PROPERTIES TIMEOUT 120 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
