# ctest "install" (cmake -P): the installed tree is usable on its own.
#   -DBUILD_DIR -DWORK_DIR -DTOOLS_DIR -DCC -DPKG_CONFIG -DSAN_FLAGS -DGENERATOR
# 1. cmake --install BUILD_DIR --prefix WORK_DIR/prefix; the expected files are there.
# 2. tools/install_smoke.c compiled with
#    cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags --libs mailauth)
#    (PKG_CONFIG_PATH = the prefix only) and run with LD_LIBRARY_PATH.
# 3. tools/consumer/: find_package(mailauth) with CMAKE_PREFIX_PATH = the prefix,
#    shared and static targets built and run.
# 4. The installed mailauth-check runs.
foreach(var BUILD_DIR WORK_DIR TOOLS_DIR CC PKG_CONFIG GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_install.cmake: -D${var}=... missing")
  endif()
endforeach()
separate_arguments(san UNIX_COMMAND "${SAN_FLAGS}")

function(run_checked what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}):\n${ARGN}\n${out}\n${err}")
  endif()
  set(run_out "${out}" PARENT_SCOPE)
endfunction()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# 1. Install, and find where GNUInstallDirs put things.
run_checked("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
file(GLOB_RECURSE pcfiles "${prefix}/*/mailauth.pc")
file(GLOB_RECURSE sonames "${prefix}/*/libmailauth.so.[0-9]")
file(GLOB_RECURSE statics "${prefix}/*/libmailauth.a")
file(GLOB_RECURSE configs "${prefix}/*/mailauthConfig.cmake")
foreach(need pcfiles sonames statics configs)
  list(LENGTH ${need} n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "install: expected one ${need}, found: '${${need}}'")
  endif()
endforeach()
foreach(f include/mailauth/mailauth.h include/mailauth/export.h bin/mailauth-check)
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "install: ${prefix}/${f} is missing")
  endif()
endforeach()
get_filename_component(pcdir "${pcfiles}" DIRECTORY)
get_filename_component(libdir "${sonames}" DIRECTORY)
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
set(ENV{LD_LIBRARY_PATH} "${libdir}")

# 2. pkg-config consumer, strict flags. The .pc file must describe where the
#    tree was installed (it is relocatable: paths relative to ${pcfiledir}).
foreach(var includedir libdir)
  run_checked("pkg-config --variable=${var}" ${PKG_CONFIG} --variable=${var} mailauth)
  string(STRIP "${run_out}" got)
  get_filename_component(got "${got}" REALPATH)
  if(var STREQUAL "includedir")
    get_filename_component(want "${prefix}/include" REALPATH)
  else()
    get_filename_component(want "${libdir}" REALPATH)
  endif()
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "mailauth.pc: ${var} is '${got}', want '${want}'")
  endif()
endforeach()
run_checked("pkg-config" ${PKG_CONFIG} --cflags --libs mailauth)
separate_arguments(pcflags UNIX_COMMAND "${run_out}")
run_checked("compile with pkg-config" ${CC} -std=c11 -Wall -Wextra -Werror -pedantic ${san}
            "${TOOLS_DIR}/install_smoke.c" -o "${WORK_DIR}/smoke_pkgconfig" ${pcflags})
run_checked("run the pkg-config smoke program" "${WORK_DIR}/smoke_pkgconfig")
message(STATUS "pkg-config: ${run_out}")

# 3. CMake consumer.
run_checked("configure the find_package consumer" ${CMAKE_COMMAND} -G "${GENERATOR}"
            -S "${TOOLS_DIR}/consumer" -B "${WORK_DIR}/consumer"
            "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${CC}"
            "-DCMAKE_C_FLAGS=${SAN_FLAGS}" "-DSMOKE_SOURCE=${TOOLS_DIR}/install_smoke.c")
run_checked("build the find_package consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run_checked("run the shared consumer" "${WORK_DIR}/consumer/consumer_shared")
run_checked("run the static consumer" "${WORK_DIR}/consumer/consumer_static")

# 4. The installed tool.
run_checked("installed mailauth-check" "${prefix}/bin/mailauth-check" --version)
message(STATUS "install: ${run_out}")
