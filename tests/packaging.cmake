# Packaging tests (included by tests/CMakeLists.txt):
#   symbols  the shared library exports only mailauth_* (never mailauth__*) and
#            has a versioned SONAME;
#   install  `cmake --install` into a scratch prefix; every installed program
#            runs from there without LD_LIBRARY_PATH; programs built with
#            pkg-config (shared, and --static), and a find_package(mailauth)
#            project, all against the installed tree only, link and run
#            (tools/check_install.cmake).
set(MAILAUTH_TEST_ENV
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1"
    "UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")

find_program(MAILAUTH_NM NAMES nm)
find_program(MAILAUTH_READELF NAMES readelf)
if(MAILAUTH_NM AND MAILAUTH_READELF)
  add_test(NAME symbols COMMAND ${CMAKE_COMMAND}
           -DLIB=$<TARGET_FILE:mailauth> -DNM=${MAILAUTH_NM} -DREADELF=${MAILAUTH_READELF}
           -DSONAME=libmailauth.so.${MAILAUTH_SOVERSION}
           -P ${CMAKE_CURRENT_LIST_DIR}/tools/check_symbols.cmake)
endif()

find_program(MAILAUTH_PKG_CONFIG NAMES pkg-config pkgconf)
find_program(MAILAUTH_LDD NAMES ldd)
if(MAILAUTH_PKG_CONFIG AND MAILAUTH_LDD)
  set(MAILAUTH_TEST_SAN_FLAGS "")
  if(MAILAUTH_SANITIZE)
    # The installed library needs the sanitizer runtimes: build the consumers alike.
    set(MAILAUTH_TEST_SAN_FLAGS "-fsanitize=address,undefined -fno-omit-frame-pointer")
  endif()
  # The man pages the build makes (cmake/MailauthMan.cmake), by file name.
  get_property(_install_man_pages GLOBAL PROPERTY MAILAUTH_MAN_PAGES)
  list(TRANSFORM _install_man_pages REPLACE "^.*/" "")
  string(REPLACE ";" "," _install_man_pages "${_install_man_pages}")
  add_test(NAME install COMMAND ${CMAKE_COMMAND}
           -DBUILD_DIR=${PROJECT_BINARY_DIR}
           -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/install-test
           -DTOOLS_DIR=${CMAKE_CURRENT_LIST_DIR}/tools
           -DCC=${CMAKE_C_COMPILER}
           -DPKG_CONFIG=${MAILAUTH_PKG_CONFIG}
           -DSAN_FLAGS=${MAILAUTH_TEST_SAN_FLAGS}
           -DGENERATOR=${CMAKE_GENERATOR}
           -DLDD=${MAILAUTH_LDD}
           -DDEMO_DIR=${PROJECT_SOURCE_DIR}/examples/demo
           -DBINDIR=${CMAKE_INSTALL_BINDIR} -DSBINDIR=${CMAKE_INSTALL_SBINDIR}
           -DMANDIR=${CMAKE_INSTALL_MANDIR} "-DMAN_PAGES=${_install_man_pages}"
           -P ${CMAKE_CURRENT_LIST_DIR}/tools/check_install.cmake)
  set_tests_properties(install PROPERTIES ENVIRONMENT "${MAILAUTH_TEST_ENV}" TIMEOUT 600)
endif()

# build_without_tests: -DMAILAUTH_BUILD_TESTS=OFF configures with cmocka
# hidden from pkg-config, and nothing that build compiles includes it
# (tools/check_no_cmocka.cmake).
if(MAILAUTH_PKG_CONFIG)
  add_test(NAME build_without_tests COMMAND ${CMAKE_COMMAND}
           -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
           -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/no-cmocka-test
           -DPKG_CONFIG=${MAILAUTH_PKG_CONFIG} -DCC=${CMAKE_C_COMPILER}
           -DGENERATOR=${CMAKE_GENERATOR}
           -P ${CMAKE_CURRENT_LIST_DIR}/tools/check_no_cmocka.cmake)
  set_tests_properties(build_without_tests PROPERTIES TIMEOUT 300)
endif()
