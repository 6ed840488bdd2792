# ctest "milter_config": mailauth-milter's configuration file and -n
# (docs/mailauth-milter.conf.5.md): a good file passes, each kind of mistake
# exits 78 naming its line. Keys are made by openssl at run time.
find_program(MAILAUTH_BASH NAMES bash)
find_program(MAILAUTH_OPENSSL NAMES openssl)
if(TARGET mailauth-milter AND MAILAUTH_BASH AND MAILAUTH_OPENSSL)
  add_test(NAME milter_config COMMAND ${MAILAUTH_BASH}
           ${CMAKE_CURRENT_LIST_DIR}/tools/milter_config_test.sh
           $<TARGET_FILE:mailauth-milter> ${PROJECT_SOURCE_DIR}/examples/mailauth-milter
           ${MAILAUTH_OPENSSL})
  set_tests_properties(milter_config PROPERTIES TIMEOUT 120 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
