# ARC suites (ValiMail validation + signing YAML, its known-issues list, the
# Stalwart ARC messages): tests/tools/arcsuite2case.py converts them, read
# in place from ${MAILAUTH_TESTDATA_DIR}, into one case file in the build
# tree (fixture arc_suite_data), which the arc and arc_seal_conformance
# tests (tests/test_arc.c, tests/test_arc_seal.c) then run. All skip (exit
# 77) when the test data is absent. The converter needs python3-yaml.
find_program(MAILAUTH_ARC_PYTHON3 NAMES python3)
set(_arc_suite_case "${PROJECT_BINARY_DIR}/tests/arc_suite/arc.case")
if(MAILAUTH_ARC_PYTHON3)
  add_test(NAME arc_suite_convert
           COMMAND ${MAILAUTH_ARC_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/tools/arcsuite2case.py
                   ${MAILAUTH_TESTDATA_DIR} ${_arc_suite_case})
else()
  add_test(NAME arc_suite_convert
           COMMAND ${CMAKE_COMMAND} -E echo "python3 not found: cannot convert the ARC suites")
  set_tests_properties(arc_suite_convert PROPERTIES WILL_FAIL TRUE)
endif()
set_tests_properties(arc_suite_convert PROPERTIES FIXTURES_SETUP arc_suite_data
                     SKIP_RETURN_CODE 77)
foreach(_arc_test arc arc_seal_conformance)
  if(TEST ${_arc_test})
    set_tests_properties(${_arc_test} PROPERTIES FIXTURES_REQUIRED arc_suite_data)
  endif()
endforeach()
