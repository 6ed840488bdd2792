# ctest "milter_history_sqlite" / "milter_history_postgresql": mailauth-milter
# with `history` set, over the milter protocol (the Python client of
# milter_protocol_test.py): the rows in the store, then `mailauth-report
# generate` over it. SQLite also: a store gone at run time (mail flows, the
# error is counted), SIGHUP to another store, SIGTERM flushing the queue.
# PostgreSQL: a throwaway server from tests/report/pg_run.sh (skipped, 77,
# without the server binaries).
find_program(MAILAUTH_PYTHON3 NAMES python3)
find_program(MAILAUTH_OPENSSL NAMES openssl)
find_program(MAILAUTH_SH NAMES sh)
if(TARGET mailauth-milter AND TARGET mailauth-check AND TARGET mailauth-report
   AND TARGET mailauth_report AND MAILAUTH_PYTHON3 AND MAILAUTH_OPENSSL)
  set(_args ${CMAKE_CURRENT_LIST_DIR}/tools/milter_history_test.py
      $<TARGET_FILE:mailauth-milter> $<TARGET_FILE:mailauth-check>
      ${PROJECT_SOURCE_DIR}/examples/demo ${MAILAUTH_OPENSSL} $<TARGET_FILE:mailauth-report>)
  add_test(NAME milter_history_sqlite COMMAND ${MAILAUTH_PYTHON3} ${_args} sqlite)
  add_test(NAME milter_history_postgresql COMMAND ${MAILAUTH_SH}
           ${CMAKE_CURRENT_LIST_DIR}/report/pg_run.sh ${MAILAUTH_PYTHON3} ${_args} postgresql)
  set_tests_properties(milter_history_sqlite milter_history_postgresql PROPERTIES
    TIMEOUT 180 SKIP_RETURN_CODE 77 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  unset(_args)
endif()
