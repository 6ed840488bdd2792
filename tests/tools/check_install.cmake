# ctest "install" (cmake -P): the installed tree is usable on its own.
#   -DBUILD_DIR -DWORK_DIR -DTOOLS_DIR -DCC -DPKG_CONFIG -DSAN_FLAGS -DGENERATOR
#   -DLDD -DDEMO_DIR -DBINDIR -DSBINDIR -DMANDIR -DMAN_PAGES (comma-separated)
# 1. cmake --install BUILD_DIR --prefix WORK_DIR/prefix; the expected files are there,
#    the man pages among them.
# 2. Every installed program (a glob of BINDIR and SBINDIR, so programs added
#    later are covered) runs WITHOUT LD_LIBRARY_PATH, finding the prefix's
#    libmailauth (ldd says so) through its relative RPATH: mailauth-check on
#    the demo message and zone, mailauth-sign keygen and a signature with
#    that key, mailauth-milter -n with a configuration using that key, any
#    other program --help.
# 3. tools/install_smoke.c compiled with
#    cc -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags --libs mailauth)
#    (PKG_CONFIG_PATH = the prefix only) and run with LD_LIBRARY_PATH.
# 4. The same program linked with $(pkg-config --static --libs mailauth):
#    fully static (-static) in a plain build; in a sanitizer build (no
#    static ASan) against libmailauth.a with the other libraries as listed.
#    It must link, run, and not load libmailauth.so.
# 5. tools/consumer/: find_package(mailauth) with CMAKE_PREFIX_PATH = the prefix,
#    shared and static targets built and run.
foreach(var BUILD_DIR WORK_DIR TOOLS_DIR CC PKG_CONFIG GENERATOR LDD DEMO_DIR BINDIR SBINDIR
        MANDIR)
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

# An install directory: relative ones are under the prefix.
function(installed_dir var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "${prefix}/${dir}" PARENT_SCOPE)
  endif()
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
installed_dir(mandir "${MANDIR}")
string(REPLACE "," ";" man_pages "${MAN_PAGES}")
foreach(page IN LISTS man_pages)
  string(REGEX REPLACE "^.*\\.([1-8])$" "\\1" section "${page}")
  if(NOT EXISTS "${mandir}/man${section}/${page}")
    message(FATAL_ERROR "install: man page ${mandir}/man${section}/${page} is missing")
  endif()
endforeach()

# 2. The installed programs, with no LD_LIBRARY_PATH.
unset(ENV{LD_LIBRARY_PATH})
installed_dir(bindir "${BINDIR}")
installed_dir(sbindir "${SBINDIR}")
file(GLOB programs LIST_DIRECTORIES false "${bindir}/*" "${sbindir}/*")
# mailauth-sign first: its key serves the milter's check.
list(FILTER programs EXCLUDE REGEX "/mailauth-sign$")
if(EXISTS "${bindir}/mailauth-sign")
  list(PREPEND programs "${bindir}/mailauth-sign")
endif()
get_filename_component(real_libdir "${libdir}" REALPATH)
set(demo_args --zone "${DEMO_DIR}/example.zone" --ip 198.51.100.17
    --helo out1.mailer.example.net --mail-from alice@example.org
    --authserv-id mx.example.net --now 1700000000)
set(inst_key "${WORK_DIR}/inst-ed25519.pem")
foreach(prog IN LISTS programs)
  get_filename_component(name "${prog}" NAME)
  # The libmailauth it loads is the prefix's (a system-wide one would do too).
  execute_process(COMMAND ${LDD} "${prog}" OUTPUT_VARIABLE ldd_out ERROR_VARIABLE ldd_err)
  string(REGEX MATCH "libmailauth\\.so\\.[0-9]+ => ([^ \n]+)" hit "${ldd_out}")
  if(hit AND CMAKE_MATCH_1 STREQUAL "not")
    message(FATAL_ERROR "install: ${name} does not find libmailauth (RPATH?):\n${ldd_out}")
  elseif(hit)
    get_filename_component(loaded "${CMAKE_MATCH_1}" DIRECTORY)
    get_filename_component(loaded "${loaded}" REALPATH)
    if(NOT loaded STREQUAL real_libdir)
      message(FATAL_ERROR "install: ${name} loads libmailauth from '${CMAKE_MATCH_1}', "
                          "not from ${libdir} (RPATH?):\n${ldd_out}")
    endif()
  elseif(ldd_out MATCHES "libmailauth")
    message(FATAL_ERROR "install: ${name} does not find libmailauth:\n${ldd_out}")
  endif()
  if(name STREQUAL "mailauth-check")
    run_checked("installed ${name} on the demo message" "${prog}" ${demo_args}
                "${DEMO_DIR}/message.eml")
    if(NOT run_out MATCHES "dkim=pass" OR NOT run_out MATCHES "dmarc=pass")
      message(FATAL_ERROR "install: ${name} on the demo message:\n${run_out}")
    endif()
  elseif(name STREQUAL "mailauth-sign")
    run_checked("installed ${name} keygen" "${prog}" keygen --algorithm ed25519-sha256
                --domain example.org --selector inst --out "${inst_key}")
    if(NOT run_out MATCHES "^inst\\._domainkey\\.example\\.org\\. TXT \"v=DKIM1; k=ed25519; p=")
      message(FATAL_ERROR "install: ${name} keygen printed:\n${run_out}")
    endif()
    run_checked("installed ${name} dkim" "${prog}" dkim --key "${inst_key}" --domain example.org
                --selector inst "${DEMO_DIR}/message.eml")
    if(NOT run_out MATCHES "^DKIM-Signature: v=1; a=ed25519-sha256;")
      message(FATAL_ERROR "install: ${name} dkim printed:\n${run_out}")
    endif()
  elseif(name STREQUAL "mailauth-milter")
    # -n: check the configuration and keys, exit 0 when good (78 when not).
    file(WRITE "${WORK_DIR}/milter.conf"
         "socket = unix:${WORK_DIR}/milter.sock\n"
         "authserv_id = mx.example.net\n"
         "dns = zone:${DEMO_DIR}/example.zone\n"
         "sign = example.org inst ${inst_key}\n")
    run_checked("installed ${name} -n" "${prog}" -c "${WORK_DIR}/milter.conf" -n)
  else()
    run_checked("installed ${name} --help" "${prog}" --help)
  endif()
  message(STATUS "install: ${name} runs from the prefix")
endforeach()
if(NOT programs)
  message(STATUS "install: no programs installed")
endif()
set(ENV{PKG_CONFIG_PATH} "${pcdir}")
set(ENV{LD_LIBRARY_PATH} "${libdir}")

# 3. pkg-config consumer, strict flags. The .pc file must describe where the
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

# 4. pkg-config --static: what a static link needs, in an order that links.
run_checked("pkg-config --static" ${PKG_CONFIG} --cflags --static --libs mailauth)
separate_arguments(pcstatic UNIX_COMMAND "${run_out}")
if(san)
  # ASan has no static runtime: libmailauth.a, the others as listed.
  list(TRANSFORM pcstatic REPLACE "^-lmailauth$" "-l:libmailauth.a")
  set(static_mode "libmailauth.a")
else()
  list(PREPEND pcstatic -static)
  set(static_mode "-static")
endif()
run_checked("link with pkg-config --static (${static_mode})" ${CC} -std=c11 -Wall -Wextra
            -Werror -pedantic ${san} "${TOOLS_DIR}/install_smoke.c"
            -o "${WORK_DIR}/smoke_static" ${pcstatic})
unset(ENV{LD_LIBRARY_PATH})
run_checked("run the pkg-config --static smoke program" "${WORK_DIR}/smoke_static")
execute_process(COMMAND ${LDD} "${WORK_DIR}/smoke_static" OUTPUT_VARIABLE ldd_out
                ERROR_VARIABLE ldd_err)
if(ldd_out MATCHES "libmailauth")
  message(FATAL_ERROR "the pkg-config --static program loads libmailauth.so:\n${ldd_out}")
endif()
set(ENV{LD_LIBRARY_PATH} "${libdir}")
message(STATUS "pkg-config --static (${static_mode}): ${pcstatic}")

# 5. CMake consumer.
run_checked("configure the find_package consumer" ${CMAKE_COMMAND} -G "${GENERATOR}"
            -S "${TOOLS_DIR}/consumer" -B "${WORK_DIR}/consumer"
            "-DCMAKE_PREFIX_PATH=${prefix}" "-DCMAKE_C_COMPILER=${CC}"
            "-DCMAKE_C_FLAGS=${SAN_FLAGS}" "-DSMOKE_SOURCE=${TOOLS_DIR}/install_smoke.c")
run_checked("build the find_package consumer" ${CMAKE_COMMAND} --build "${WORK_DIR}/consumer")
run_checked("run the shared consumer" "${WORK_DIR}/consumer/consumer_shared")
run_checked("run the static consumer" "${WORK_DIR}/consumer/consumer_static")

