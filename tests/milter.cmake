# milter_postfix (included by tests/CMakeLists.txt): mailauth-milter behind a
# real, private Postfix instance (Debian's postfix; its own config, queue and
# data folders under a temporary folder, free loopback ports, never the
# system instance), relaying to an SMTP sink in the script. Checks verdicts,
# removal of forged Authentication-Results, DMARC rejects, signing, ARC
# sealing, SIGHUP reloads, 1,000 messages over 50 sessions and a killed
# milter (docs/milter.md, "The end-to-end test"). Needs root and the Postfix binaries
# (exit 77 = skipped otherwise); dkimpy (python3-dkim) checks signatures.
if(TARGET mailauth-milter)
  if(EXISTS /usr/bin/python3)
    set(_milter_python /usr/bin/python3)
  else()
    find_program(_milter_python NAMES python3)
  endif()
  add_test(NAME milter_postfix
           COMMAND ${_milter_python} ${CMAKE_CURRENT_LIST_DIR}/milter/milter_postfix.py
                   $<TARGET_FILE:mailauth-milter>)
  set_tests_properties(milter_postfix PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
