# The history store of libmailauth-report (tests/report/): each program
# runs on SQLite (report_store*_sqlite) and on a PostgreSQL server that
# tests/report/pg_run.sh starts for it (report_store*_postgresql; skipped
# when the server binaries are not installed).
if(TARGET mailauth_report_static)
  find_package(Threads REQUIRED)
  find_program(MAILAUTH_SH NAMES sh)
  add_library(report_store_fixture STATIC ${CMAKE_CURRENT_LIST_DIR}/report/store_fixture.c)
  target_link_libraries(report_store_fixture PUBLIC mailauth_report_static PkgConfig::CMOCKA)
  target_compile_options(report_store_fixture PRIVATE ${MAILAUTH_WARNINGS})
  target_compile_definitions(report_store_fixture PUBLIC _POSIX_C_SOURCE=200809L)
  foreach(name report_store report_store_books report_store_conc)
    add_executable(test_${name} ${CMAKE_CURRENT_LIST_DIR}/report/test_${name}.c)
    target_link_libraries(test_${name} PRIVATE report_store_fixture Threads::Threads)
    target_compile_options(test_${name} PRIVATE ${MAILAUTH_WARNINGS})
    add_test(NAME ${name}_sqlite COMMAND test_${name} sqlite)
    add_test(NAME ${name}_postgresql COMMAND ${MAILAUTH_SH}
             ${CMAKE_CURRENT_LIST_DIR}/report/pg_run.sh $<TARGET_FILE:test_${name}> postgresql)
    set_tests_properties(${name}_sqlite ${name}_postgresql PROPERTIES TIMEOUT 180
      SKIP_RETURN_CODE 77 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endforeach()
  # mailauth-check --history on both back ends
  find_program(MAILAUTH_PYTHON3_FOR_STORE NAMES python3)
  if(TARGET mailauth-check AND MAILAUTH_PYTHON3_FOR_STORE)
    add_test(NAME report_store_check_sqlite COMMAND ${MAILAUTH_SH}
             ${CMAKE_CURRENT_LIST_DIR}/report/check_history.sh $<TARGET_FILE:mailauth-check>
             ${CMAKE_CURRENT_LIST_DIR}/data/report_store sqlite)
    add_test(NAME report_store_check_postgresql COMMAND ${MAILAUTH_SH}
             ${CMAKE_CURRENT_LIST_DIR}/report/pg_run.sh ${MAILAUTH_SH}
             ${CMAKE_CURRENT_LIST_DIR}/report/check_history.sh $<TARGET_FILE:mailauth-check>
             ${CMAKE_CURRENT_LIST_DIR}/data/report_store postgresql)
    set_tests_properties(report_store_check_sqlite report_store_check_postgresql PROPERTIES
      TIMEOUT 120 SKIP_RETURN_CODE 77 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endif()
  # the record of a real evaluation (SQLite only: the store part is above)
  add_executable(test_report_store_eval ${CMAKE_CURRENT_LIST_DIR}/report/test_report_store_eval.c)
  target_link_libraries(test_report_store_eval PRIVATE report_store_fixture)
  target_compile_options(test_report_store_eval PRIVATE ${MAILAUTH_WARNINGS})
  add_test(NAME report_store_eval COMMAND test_report_store_eval)
  set_tests_properties(report_store_eval PROPERTIES ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
