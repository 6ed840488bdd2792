# example_custom_resolver (included by tests/CMakeLists.txt): runs
# examples/custom-resolver, whose own code answers mailauth's DNS questions
# late and out of order, and checks its verdicts and counters.
find_program(MAILAUTH_BASH NAMES bash)
if(TARGET mailauth-example-custom-resolver AND MAILAUTH_BASH)
  add_test(NAME example_custom_resolver COMMAND ${MAILAUTH_BASH}
           ${CMAKE_CURRENT_LIST_DIR}/tools/custom_resolver_test.sh
           $<TARGET_FILE:mailauth-example-custom-resolver>)
  set_tests_properties(example_custom_resolver PROPERTIES TIMEOUT 60 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
