# python_binding (included by tests/CMakeLists.txt): the Python package in
# bindings/python, its pytest suite run by the Debian interpreter
# (/usr/bin/python3 with python3-pytest) against the shared library built
# here (MAILAUTH_LIBRARY), the package imported from its source folder. Its
# dicts and messages are compared with mailauth-check --json and
# mailauth-sign on the same input; test_install.py also runs
# `pip install --no-build-isolation --target` into a scratch folder.
#
# Under MAILAUTH_SANITIZE the library is ASan-instrumented but python3 is not:
# the ASan runtime must come first in the process, so it is preloaded, and
# leak detection is off (the interpreter itself leaks at exit).
find_program(MAILAUTH_SYSTEM_PYTHON NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
# A ThreadSanitizer library cannot be loaded into an uninstrumented python3.
if(MAILAUTH_SYSTEM_PYTHON AND TARGET mailauth-check AND TARGET mailauth-sign
   AND NOT MAILAUTH_TSAN)
  set(MAILAUTH_PYTHON_ENV
      "MAILAUTH_LIBRARY=$<TARGET_FILE:mailauth>"
      "MAILAUTH_CHECK=$<TARGET_FILE:mailauth-check>"
      "MAILAUTH_SIGN=$<TARGET_FILE:mailauth-sign>"
      "PYTHONPATH=${PROJECT_SOURCE_DIR}/bindings/python/src"
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
    # -p no:cacheprovider: no .pytest_cache in the source tree; the pip
    # test builds from a copy in pytest's own temporary folder.
    add_test(NAME python_binding
             COMMAND ${MAILAUTH_SYSTEM_PYTHON} -m pytest -p no:cacheprovider -rs -q
                     --basetemp=${CMAKE_CURRENT_BINARY_DIR}/python-tmp tests
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/bindings/python)
    # A case pytest skips (dkimpy not importable) makes the whole run skipped
    # rather than passed; a failure still fails (its summary line starts
    # with "N failed", which this does not match).
    set_tests_properties(python_binding PROPERTIES ENVIRONMENT "${MAILAUTH_PYTHON_ENV}"
                         TIMEOUT 300
                         SKIP_REGULAR_EXPRESSION "(^|\n)[0-9]+ passed, [0-9]+ skipped in ")
  endif()
endif()
