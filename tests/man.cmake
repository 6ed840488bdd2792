# man (included by tests/CMakeLists.txt): every man page generated from
# docs/*.[1-8].md (cmake/MailauthMan.cmake) is checked by
# tools/check_man.cmake: its .TH names the page and its section, `mandoc -T
# lint` finds nothing at level WARNING or above, and `man -l` formats it
# with exit 0 and nothing on stderr. Registered when the pages are built
# (MAILAUTH_BUILD_MAN, pandoc found).
get_property(_man_pages GLOBAL PROPERTY MAILAUTH_MAN_PAGES)
if(_man_pages)
  find_program(MAILAUTH_MANDOC NAMES mandoc)
  find_program(MAILAUTH_MAN NAMES man)
  if(MAILAUTH_MANDOC AND MAILAUTH_MAN)
    string(REPLACE ";" "," _man_list "${_man_pages}")
    add_test(NAME man COMMAND ${CMAKE_COMMAND} "-DPAGES=${_man_list}"
             "-DMANDOC=${MAILAUTH_MANDOC}" "-DMAN=${MAILAUTH_MAN}"
             -P ${CMAKE_CURRENT_LIST_DIR}/tools/check_man.cmake)
    set_tests_properties(man PROPERTIES TIMEOUT 120)
  else()
    add_test(NAME man COMMAND ${CMAKE_COMMAND} -E echo "SKIP: mandoc or man not found")
    set_tests_properties(man PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: mandoc or man not found")
  endif()
endif()

# man_options: each program's help text and its page source name the same
# options (tools/man_options_test.sh). Needs no pandoc: it reads docs/*.md.
find_program(MAILAUTH_BASH NAMES bash)
if(MAILAUTH_BASH AND TARGET mailauth-check AND TARGET mailauth-sign)
  set(_man_opt_args
      $<TARGET_FILE:mailauth-check> --help ${PROJECT_SOURCE_DIR}/docs/mailauth-check.1.md
      $<TARGET_FILE:mailauth-sign> --help ${PROJECT_SOURCE_DIR}/docs/mailauth-sign.1.md)
  if(TARGET mailauth-milter)
    add_test(NAME milter_conf_keys COMMAND ${MAILAUTH_BASH}
             ${CMAKE_CURRENT_LIST_DIR}/tools/milter_conf_keys_test.sh ${PROJECT_SOURCE_DIR})
    list(APPEND _man_opt_args
         $<TARGET_FILE:mailauth-milter> -h ${PROJECT_SOURCE_DIR}/docs/mailauth-milter.8.md)
  endif()
  if(TARGET mailauth-report)
    list(APPEND _man_opt_args
         $<TARGET_FILE:mailauth-report> --help ${PROJECT_SOURCE_DIR}/docs/mailauth-report.1.md)
  endif()
  add_test(NAME man_options COMMAND ${MAILAUTH_BASH}
           ${CMAKE_CURRENT_LIST_DIR}/tools/man_options_test.sh ${_man_opt_args})
  set_tests_properties(man_options PROPERTIES TIMEOUT 60 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
