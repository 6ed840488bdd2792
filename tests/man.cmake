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
