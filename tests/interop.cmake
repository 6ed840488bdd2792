# Interop tests (included by tests/CMakeLists.txt):
#   interop_pyspf  our SPF against pyspf (Debian python3-spf) on generated
#                  scenarios, both fed the same DNS data;
#   spf_stalwart   the Stalwart mail-auth SPF scenarios through mailauth-check.
# Both drive the CLI, so they exist only when it is built. Exit 77 = skipped
# (pyspf not importable, Stalwart data absent); the scripts say why.
if(TARGET mailauth-check)
  # pyspf comes from Debian's python3-spf, i.e. /usr/bin/python3's
  # dist-packages: prefer an interpreter that can import it.
  set(MAILAUTH_INTEROP_PYTHON "")
  find_program(MAILAUTH_PYTHON3 NAMES python3)
  foreach(py /usr/bin/python3 ${MAILAUTH_PYTHON3})
    if(NOT MAILAUTH_INTEROP_PYTHON AND EXISTS "${py}")
      execute_process(COMMAND "${py}" -c "import spf"
                      RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
      if(_rc EQUAL 0)
        set(MAILAUTH_INTEROP_PYTHON "${py}")
      endif()
    endif()
  endforeach()
  if(NOT MAILAUTH_INTEROP_PYTHON)
    set(MAILAUTH_INTEROP_PYTHON "${MAILAUTH_PYTHON3}")
  endif()

  set(_env
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1"
      "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  if(MAILAUTH_INTEROP_PYTHON)
    add_test(NAME interop_pyspf
             COMMAND ${MAILAUTH_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/interop/spf_pyspf.py
                     $<TARGET_FILE:mailauth-check>)
    add_test(NAME spf_stalwart
             COMMAND ${MAILAUTH_INTEROP_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/interop/stalwart_spf.py
                     $<TARGET_FILE:mailauth-check> ${MAILAUTH_TESTDATA_DIR})
  else()
    # No interpreter at all: register the tests anyway so the skip is visible.
    foreach(t interop_pyspf spf_stalwart)
      add_test(NAME ${t} COMMAND ${CMAKE_COMMAND} -E echo "SKIP: python3 not found")
      set_tests_properties(${t} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: python3 not found")
    endforeach()
  endif()
  set_tests_properties(interop_pyspf spf_stalwart PROPERTIES
                       SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT "${_env}")
endif()
