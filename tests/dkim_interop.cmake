# DKIM signing tests that drive mailauth-sign (included by tests/CMakeLists.txt):
#   sign_cli           the CLI against its contract (options, output, exit codes);
#   dkim_sign_interop_{dkimpy,maildkim}  messages signed by mailauth-sign
#                      verified by dkimpy (Debian python3-dkim) and by
#                      Mail::DKIM (libmail-dkim-perl), DNS from a zone file;
#   dkim_verify_interop_{dkimpy,maildkim}  the other way: messages signed by
#                      dkimpy and by Mail::DKIM, verified by mailauth-check
#                      --json; as signed and altered.
# One test per other implementation, so that a missing one shows as
# skipped (exit 77) rather than as a pass of the other half.
if(TARGET mailauth-sign)
  set(_env
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1"
      "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  find_program(MAILAUTH_BASH NAMES bash)
  if(MAILAUTH_BASH)
    add_test(NAME sign_cli COMMAND ${MAILAUTH_BASH} ${CMAKE_CURRENT_LIST_DIR}/tools/sign_cli_test.sh
             $<TARGET_FILE:mailauth-sign> ${CMAKE_CURRENT_LIST_DIR}/data/dkim_sign)
    set_tests_properties(sign_cli PROPERTIES TIMEOUT 120 ENVIRONMENT "${_env}")
  endif()

  # dkimpy comes from Debian's python3-dkim, i.e. /usr/bin/python3's
  # dist-packages: prefer an interpreter that can import it.
  set(MAILAUTH_DKIM_PYTHON "")
  find_program(MAILAUTH_PYTHON3 NAMES python3)
  foreach(py /usr/bin/python3 ${MAILAUTH_PYTHON3})
    if(NOT MAILAUTH_DKIM_PYTHON AND EXISTS "${py}")
      execute_process(COMMAND "${py}" -c "import dkim"
                      RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
      if(_rc EQUAL 0)
        set(MAILAUTH_DKIM_PYTHON "${py}")
      endif()
    endif()
  endforeach()
  if(NOT MAILAUTH_DKIM_PYTHON)
    set(MAILAUTH_DKIM_PYTHON "${MAILAUTH_PYTHON3}")
  endif()
  find_program(MAILAUTH_PERL NAMES perl)
  if(NOT MAILAUTH_PERL)
    set(MAILAUTH_PERL perl)
  endif()

  foreach(_oracle dkimpy maildkim)
    set(_sign_t dkim_sign_interop_${_oracle})
    set(_verify_t dkim_verify_interop_${_oracle})
    if(MAILAUTH_DKIM_PYTHON)
      add_test(NAME ${_sign_t}
               COMMAND ${MAILAUTH_DKIM_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/interop/dkim_sign_interop.py
                       --only ${_oracle} $<TARGET_FILE:mailauth-sign>
                       ${CMAKE_CURRENT_LIST_DIR}/data/dkim_sign ${MAILAUTH_PERL})
    else()
      add_test(NAME ${_sign_t} COMMAND ${CMAKE_COMMAND} -E echo "SKIP: python3 not found")
      set_tests_properties(${_sign_t} PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: python3 not found")
    endif()
    set_tests_properties(${_sign_t} PROPERTIES
                         SKIP_RETURN_CODE 77 TIMEOUT 600 ENVIRONMENT "${_env}")

    if(TARGET mailauth-check)
      if(MAILAUTH_DKIM_PYTHON)
        add_test(NAME ${_verify_t}
                 COMMAND ${MAILAUTH_DKIM_PYTHON}
                         ${CMAKE_CURRENT_LIST_DIR}/interop/dkim_verify_interop.py
                         --only ${_oracle} $<TARGET_FILE:mailauth-check>
                         $<TARGET_FILE:mailauth-sign> ${CMAKE_CURRENT_LIST_DIR}/data/dkim_sign
                         ${MAILAUTH_PERL})
      else()
        add_test(NAME ${_verify_t} COMMAND ${CMAKE_COMMAND} -E echo "SKIP: python3 not found")
        set_tests_properties(${_verify_t} PROPERTIES
                             SKIP_REGULAR_EXPRESSION "SKIP: python3 not found")
      endif()
      set_tests_properties(${_verify_t} PROPERTIES
                           SKIP_RETURN_CODE 77 TIMEOUT 600 ENVIRONMENT "${_env}")
    endif()
  endforeach()
endif()
