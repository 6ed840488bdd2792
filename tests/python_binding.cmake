# python_binding (included by tests/CMakeLists.txt): the ctypes binding in
# examples/python, its unittest suite run by the Debian interpreter
# (/usr/bin/python3, standard library only) against the shared library built
# here; its dicts are compared with mailauth-check --json on the same input.
#
# Under MAILAUTH_SANITIZE the library is ASan-instrumented but python3 is not:
# the ASan runtime must come first in the process, so it is preloaded, and
# leak detection is off (the interpreter itself leaks at exit).
find_program(MAILAUTH_SYSTEM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
# A ThreadSanitizer library cannot be loaded into an uninstrumented python3.
if(MAILAUTH_SYSTEM_PYTHON AND TARGET mailauth-check AND NOT MAILAUTH_TSAN)
  set(MAILAUTH_PYTHON_ENV
      "MAILAUTH_LIBRARY=$<TARGET_FILE:mailauth>"
      "MAILAUTH_CHECK=$<TARGET_FILE:mailauth-check>"
      "PYTHONDONTWRITEBYTECODE=1")
  set(MAILAUTH_PYTHON_OK TRUE)
  if(MAILAUTH_SANITIZE)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE MAILAUTH_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(IS_ABSOLUTE "${MAILAUTH_LIBASAN}" AND EXISTS "${MAILAUTH_LIBASAN}")
      list(APPEND MAILAUTH_PYTHON_ENV "LD_PRELOAD=${MAILAUTH_LIBASAN}"
           "ASAN_OPTIONS=detect_leaks=0:halt_on_error=1"
           "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
    else()
      message(STATUS "python_binding: no shared ASan runtime from ${CMAKE_C_COMPILER}; test left out")
      set(MAILAUTH_PYTHON_OK FALSE)
    endif()
  endif()
  if(MAILAUTH_PYTHON_OK)
    add_test(NAME python_binding
             COMMAND ${MAILAUTH_SYSTEM_PYTHON} -m unittest discover -s tests -v
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/examples/python)
    # A case unittest skips (dkimpy not importable) makes the whole run
    # skipped rather than passed; a failure still fails ("FAILED (...)").
    set_tests_properties(python_binding PROPERTIES ENVIRONMENT "${MAILAUTH_PYTHON_ENV}"
                         TIMEOUT 120 SKIP_REGULAR_EXPRESSION "\nOK \\(skipped=[0-9]+\\)")
  endif()
endif()
