# ctest "build_without_tests" (cmake -P): -DMAILAUTH_BUILD_TESTS=OFF needs
# no cmocka. -DSOURCE_DIR -DWORK_DIR -DPKG_CONFIG -DCC -DGENERATOR
# 1. A pkg-config folder with every .pc file of this machine but cmocka.pc
#    (PKG_CONFIG_LIBDIR), so cmocka cannot be found.
# 2. The project configured there with -DMAILAUTH_BUILD_TESTS=OFF must succeed.
# 3. No source file that build compiles includes <cmocka.h> (the header is
#    installed here, so a compile would not show it).
foreach(var SOURCE_DIR WORK_DIR PKG_CONFIG CC GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_no_cmocka.cmake: -D${var}=... missing")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/pc")

execute_process(COMMAND ${PKG_CONFIG} --variable=pc_path pkg-config
                OUTPUT_VARIABLE pc_path OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR pc_path STREQUAL "")
  message(FATAL_ERROR "pkg-config --variable=pc_path pkg-config failed (${rc})")
endif()
string(REPLACE ":" ";" pc_dirs "${pc_path}")
set(linked 0)
foreach(dir IN LISTS pc_dirs)
  file(GLOB pcs "${dir}/*.pc")
  foreach(pc IN LISTS pcs)
    get_filename_component(name "${pc}" NAME)
    if(NOT name STREQUAL "cmocka.pc" AND NOT EXISTS "${WORK_DIR}/pc/${name}")
      file(CREATE_LINK "${pc}" "${WORK_DIR}/pc/${name}" SYMBOLIC)
      math(EXPR linked "${linked} + 1")
    endif()
  endforeach()
endforeach()
set(ENV{PKG_CONFIG_LIBDIR} "${WORK_DIR}/pc")
unset(ENV{PKG_CONFIG_PATH})
execute_process(COMMAND ${PKG_CONFIG} --exists cmocka RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "cmocka is still visible to pkg-config through ${WORK_DIR}/pc")
endif()

execute_process(COMMAND ${CMAKE_COMMAND} -G "${GENERATOR}" -S "${SOURCE_DIR}"
                -B "${WORK_DIR}/build" "-DCMAKE_C_COMPILER=${CC}" -DMAILAUTH_BUILD_TESTS=OFF
                -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure with -DMAILAUTH_BUILD_TESTS=OFF and no cmocka failed:\n"
                      "${out}\n${err}")
endif()

file(READ "${WORK_DIR}/build/compile_commands.json" cc_json)
string(REGEX MATCHALL "\"file\": \"[^\"]+\"" entries "${cc_json}")
list(LENGTH entries n)
if(n EQUAL 0)
  message(FATAL_ERROR "the build without tests compiles nothing?")
endif()
set(bad "")
foreach(e IN LISTS entries)
  string(REGEX REPLACE "^\"file\": \"([^\"]+)\"$" "\\1" src "${e}")
  file(STRINGS "${src}" hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]cmocka")
  if(hits)
    list(APPEND bad "${src}")
  endif()
endforeach()
if(bad)
  message(FATAL_ERROR "built without tests, these include cmocka: ${bad}")
endif()
message(STATUS "no cmocka (${linked} other .pc files visible): configured, ${n} sources, none includes cmocka")
