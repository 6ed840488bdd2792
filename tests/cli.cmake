# Command-line tests (included by tests/CMakeLists.txt):
#   cli       mailauth-check against its contract (options, verdicts, JSON, exit codes);
#   examples  the bundled demo and the API examples of examples/api/.
find_program(MAILAUTH_BASH NAMES bash)
find_program(MAILAUTH_PYTHON3 NAMES python3)
if(TARGET mailauth-check AND MAILAUTH_BASH AND MAILAUTH_PYTHON3)
  add_test(NAME cli COMMAND ${MAILAUTH_BASH} ${CMAKE_CURRENT_LIST_DIR}/tools/cli_test.sh
           $<TARGET_FILE:mailauth-check> ${CMAKE_CURRENT_LIST_DIR}/data/cli)
  set_tests_properties(cli PROPERTIES TIMEOUT 300 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  if(TARGET mailauth-example-verify AND TARGET mailauth-example-event-loop)
    add_test(NAME examples COMMAND ${MAILAUTH_BASH}
             ${CMAKE_CURRENT_LIST_DIR}/tools/examples_test.sh
             $<TARGET_FILE:mailauth-check> $<TARGET_FILE:mailauth-example-verify>
             $<TARGET_FILE:mailauth-example-event-loop> ${PROJECT_SOURCE_DIR}/examples/demo)
    set_tests_properties(examples PROPERTIES TIMEOUT 120 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endif()
endif()
