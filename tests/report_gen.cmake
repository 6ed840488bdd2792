# libmailauth-report: generating and sending aggregate reports, failure
# reports (tests/report/). Linked with the report library's static variant.
if(TARGET mailauth_report_static)
  pkg_check_modules(RG_CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  set(_rg_dir ${CMAKE_CURRENT_SOURCE_DIR}/report)
  foreach(name report_gen report_fail report_send)
    if(NOT EXISTS ${_rg_dir}/test_${name}.c)
      continue()
    endif()
    # report_send drives the mailauth-report tool: not without the examples.
    if(name STREQUAL "report_send" AND NOT TARGET mailauth-report)
      continue()
    endif()
    add_executable(test_${name} ${_rg_dir}/test_${name}.c ${_rg_dir}/report_gen_support.c)
    target_link_libraries(test_${name} PRIVATE mailauth_report_static PkgConfig::RG_CMOCKA)
    target_compile_options(test_${name} PRIVATE ${MAILAUTH_WARNINGS})
    target_compile_definitions(test_${name} PRIVATE _POSIX_C_SOURCE=200809L
      MAILAUTH_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data"
      MAILAUTH_TESTDATA_DIR="${MAILAUTH_TESTDATA_DIR}")
    if(name STREQUAL "report_send")
      target_compile_definitions(test_${name} PRIVATE
        MAILAUTH_REPORT_TOOL="$<TARGET_FILE:mailauth-report>")
      add_dependencies(test_${name} mailauth-report)
    endif()
    add_test(NAME ${name} COMMAND test_${name})
    if(name STREQUAL "report_send")
      # the same run over a PostgreSQL store (a server of its own; 77 without one)
      add_test(NAME report_send_postgresql COMMAND sh ${_rg_dir}/pg_run.sh
               $<TARGET_FILE:test_${name}> postgresql)
      set_tests_properties(report_send_postgresql PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT
        "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
    endif()
    set_tests_properties(${name} PROPERTIES ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
      SKIP_RETURN_CODE 77)
  endforeach()
endif()

# The documents against the RFC 9990 schema (xmllint), the messages through
# Python's email package and dkimpy, the failure report against RFC 9991's example.
if(TARGET test_report_gen AND TARGET test_report_fail)
  set(_rg_data ${MAILAUTH_TESTDATA_DIR}/dmarc-reports)
  add_test(NAME report_gen_schema COMMAND sh ${_rg_dir}/run_checks.sh schema
           $<TARGET_FILE:test_report_gen> ${_rg_data}/schema/dmarc-xml-0.2.xsd)
  add_test(NAME report_gen_mime COMMAND sh ${_rg_dir}/run_checks.sh aggregate-mime
           $<TARGET_FILE:test_report_gen>)
  add_test(NAME report_fail_mime COMMAND sh ${_rg_dir}/run_checks.sh failure-mime
           $<TARGET_FILE:test_report_fail>)
  add_test(NAME report_fail_rfc_example COMMAND sh ${_rg_dir}/run_checks.sh failure-example
           $<TARGET_FILE:test_report_fail>
           ${_rg_data}/samples/ietf-failure-draft/draft-ietf-dmarc-failure-reporting-24-example.eml)
  set_tests_properties(report_gen_schema report_gen_mime report_fail_mime report_fail_rfc_example
    PROPERTIES SKIP_RETURN_CODE 77 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
