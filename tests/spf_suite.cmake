# openspf RFC 7208 suite: tests/tools/openspf2case.py converts the YAML read
# in place from ${MAILAUTH_TESTDATA_DIR} into a case file in the build tree
# (fixture spf_suite_data), which the spf_suite test (tests/test_spf_suite.c)
# then runs. Both skip (exit 77) when the suite folder is absent.
find_program(MAILAUTH_SPF_PYTHON3 NAMES python3)
set(_spf_suite_yml "${MAILAUTH_TESTDATA_DIR}/spf/openspf-rfc7208/rfc7208-tests.yml")
set(_spf_suite_case "${PROJECT_BINARY_DIR}/tests/spf_suite/rfc7208.case")
if(MAILAUTH_SPF_PYTHON3)
  add_test(NAME spf_suite_convert
           COMMAND ${MAILAUTH_SPF_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/tools/openspf2case.py
                   ${_spf_suite_yml} ${_spf_suite_case})
else()
  add_test(NAME spf_suite_convert
           COMMAND ${CMAKE_COMMAND} -E echo "python3 not found: cannot convert the SPF suite")
  set_tests_properties(spf_suite_convert PROPERTIES WILL_FAIL TRUE)
endif()
set_tests_properties(spf_suite_convert PROPERTIES FIXTURES_SETUP spf_suite_data
                     SKIP_RETURN_CODE 77)
if(TEST spf_suite)
  set_tests_properties(spf_suite PROPERTIES FIXTURES_REQUIRED spf_suite_data)
endif()
