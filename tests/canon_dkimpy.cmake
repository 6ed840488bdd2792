# canon_dkimpy (included by tests/CMakeLists.txt): the canonicalization case
# files of tests/data/canon/ against dkimpy (Debian python3-dkim), so their
# expected texts and stored body hashes stay those of an independent
# implementation. Exit 77 = skipped (dkimpy not importable).
set(MAILAUTH_CANON_PYTHON "")
find_program(MAILAUTH_PYTHON3 NAMES python3)
foreach(py /usr/bin/python3 ${MAILAUTH_PYTHON3})
  if(NOT MAILAUTH_CANON_PYTHON AND EXISTS "${py}")
    execute_process(COMMAND "${py}" -c "import dkim"
                    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
    if(_rc EQUAL 0)
      set(MAILAUTH_CANON_PYTHON "${py}")
    endif()
  endif()
endforeach()
if(NOT MAILAUTH_CANON_PYTHON)
  set(MAILAUTH_CANON_PYTHON "${MAILAUTH_PYTHON3}")
endif()
if(MAILAUTH_CANON_PYTHON)
  add_test(NAME canon_dkimpy
           COMMAND ${MAILAUTH_CANON_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/tools/canon_dkimpy.py
                   ${CMAKE_CURRENT_LIST_DIR}/data/canon)
  set_tests_properties(canon_dkimpy PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
else()
  add_test(NAME canon_dkimpy COMMAND ${CMAKE_COMMAND} -E echo "SKIP: python3 not found")
  set_tests_properties(canon_dkimpy PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: python3 not found")
endif()
