# ARC interop with dkimpy (included by tests/CMakeLists.txt):
#   arc_interop  chains of 1-3 hops sealed by dkimpy's arc_sign validated by
#                mailauth's validator (tests/interop/arc_validate.c, a small
#                tool over lib/arc), chains sealed by `mailauth-sign arc`
#                validated by dkimpy's arc_verify, mixed chains, and tampered
#                copies that both must fail. Exit 77 = skipped (dkimpy or
#                authres not importable).
if(TARGET mailauth-sign)
  add_executable(arc_validate ${CMAKE_CURRENT_LIST_DIR}/interop/arc_validate.c)
  target_link_libraries(arc_validate PRIVATE mailauth_test_support)
  target_compile_options(arc_validate PRIVATE ${MAILAUTH_WARNINGS})

  # dkimpy is Debian's python3-dkim (/usr/bin/python3's dist-packages).
  set(_arc_python "")
  find_program(MAILAUTH_PYTHON3 NAMES python3)
  foreach(py /usr/bin/python3 ${MAILAUTH_PYTHON3})
    if(NOT _arc_python AND EXISTS "${py}")
      execute_process(COMMAND "${py}" -c "import dkim, authres"
                      RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
      if(_rc EQUAL 0)
        set(_arc_python "${py}")
      endif()
    endif()
  endforeach()
  if(NOT _arc_python)
    set(_arc_python "${MAILAUTH_PYTHON3}")
  endif()
  if(_arc_python)
    add_test(NAME arc_interop
             COMMAND ${_arc_python} ${CMAKE_CURRENT_LIST_DIR}/interop/arc_interop.py
                     $<TARGET_FILE:mailauth-sign> $<TARGET_FILE:arc_validate>
                     ${CMAKE_CURRENT_LIST_DIR}/data/keys)
    set_tests_properties(arc_interop PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  else()
    add_test(NAME arc_interop COMMAND ${CMAKE_COMMAND} -E echo "SKIP: python3 not found")
    set_tests_properties(arc_interop PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: python3 not found")
  endif()
endif()

# The `mailauth-sign arc` contract (options, output, exit codes).
if(TARGET mailauth-sign)
  find_program(MAILAUTH_BASH NAMES bash)
  if(MAILAUTH_BASH)
    add_test(NAME arc_cli
             COMMAND ${MAILAUTH_BASH} ${CMAKE_CURRENT_LIST_DIR}/tools/arc_cli_test.sh
                     $<TARGET_FILE:mailauth-sign> $<TARGET_FILE:arc_validate>
                     ${CMAKE_CURRENT_LIST_DIR}/data/keys)
    set_tests_properties(arc_cli PROPERTIES TIMEOUT 300 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endif()
endif()
