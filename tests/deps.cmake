# deps (included by tests/CMakeLists.txt): tests/tools/deps.py reads the
# library's objects with nm (and the compiler's dependency files) and fails
# on a cycle between files of lib/, on a module that uses one it may not
# (the allowed direction is listed in the script), or on a header of such a
# module. Known exceptions are listed in the script, each with its reason.
find_program(MAILAUTH_DEPS_PYTHON3 NAMES python3)
if(MAILAUTH_DEPS_PYTHON3)
  if(CMAKE_NM)
    set(MAILAUTH_DEPS_NM ${CMAKE_NM})
  else()
    set(MAILAUTH_DEPS_NM nm)
  endif()
  add_test(NAME deps COMMAND ${MAILAUTH_DEPS_PYTHON3} ${CMAKE_CURRENT_LIST_DIR}/tools/deps.py
           --nm ${MAILAUTH_DEPS_NM} --src ${PROJECT_SOURCE_DIR}
           ${PROJECT_BINARY_DIR}/CMakeFiles/mailauth_obj.dir)
endif()
