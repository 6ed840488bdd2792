# mailauth-report import and summary --store (tests/report/cli_import_test.sh)
# on SQLite and on a PostgreSQL server of the test's own (pg_run.sh;
# skipped when the server binaries are not installed). The corpus part reads
# ${MAILAUTH_TESTDATA_DIR}: skipped without it.
if(TARGET mailauth_report_static AND TARGET mailauth-report)
  find_program(MAILAUTH_BASH_FOR_IMPORT NAMES bash)
  find_program(MAILAUTH_PYTHON3_FOR_IMPORT NAMES python3)
  if(MAILAUTH_BASH_FOR_IMPORT AND MAILAUTH_PYTHON3_FOR_IMPORT)
    set(_imp_script ${CMAKE_CURRENT_LIST_DIR}/report/cli_import_test.sh)
    set(_imp_args $<TARGET_FILE:mailauth-report> ${CMAKE_CURRENT_LIST_DIR}/data/report
                  ${MAILAUTH_TESTDATA_DIR})
    add_test(NAME report_import_cli_sqlite
             COMMAND ${MAILAUTH_BASH_FOR_IMPORT} ${_imp_script} ${_imp_args} sqlite)
    add_test(NAME report_import_cli_postgresql
             COMMAND ${MAILAUTH_BASH_FOR_IMPORT} ${CMAKE_CURRENT_LIST_DIR}/report/pg_run.sh
                     ${MAILAUTH_BASH_FOR_IMPORT} ${_imp_script} ${_imp_args} postgresql)
    set_tests_properties(report_import_cli_sqlite report_import_cli_postgresql PROPERTIES
      TIMEOUT 180 SKIP_RETURN_CODE 77 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endif()
endif()
