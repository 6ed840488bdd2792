# interop_opendmarc (included by tests/CMakeLists.txt): our DMARC in RFC 7489
# mode against OpenDMARC (Debian libopendmarc-dev) on the scenarios of
# tests/data/dmarc/, built only when the library and its header are found
# (skipped otherwise). Exit 77 = skipped (no Public Suffix List file).
find_path(MAILAUTH_OPENDMARC_INCLUDE opendmarc/dmarc.h)
find_library(MAILAUTH_OPENDMARC_LIB opendmarc)
if(MAILAUTH_OPENDMARC_INCLUDE AND MAILAUTH_OPENDMARC_LIB)
  add_executable(dmarc_opendmarc ${CMAKE_CURRENT_LIST_DIR}/interop/dmarc_opendmarc.c)
  target_include_directories(dmarc_opendmarc SYSTEM PRIVATE ${MAILAUTH_OPENDMARC_INCLUDE})
  # OpenDMARC's header needs u_char (BSD types) beyond POSIX.
  target_compile_definitions(dmarc_opendmarc PRIVATE _DEFAULT_SOURCE)
  target_compile_options(dmarc_opendmarc PRIVATE ${MAILAUTH_WARNINGS})
  target_link_libraries(dmarc_opendmarc PRIVATE mailauth_test_support ${MAILAUTH_OPENDMARC_LIB})
  add_test(NAME interop_opendmarc
           COMMAND dmarc_opendmarc ${CMAKE_CURRENT_LIST_DIR}/data/dmarc
                   /usr/share/publicsuffix/public_suffix_list.dat)
  set_tests_properties(interop_opendmarc PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
else()
  # Registered anyway, so that the missing oracle shows as a skipped test.
  message(STATUS "libopendmarc not found: interop_opendmarc is not built")
  add_test(NAME interop_opendmarc
           COMMAND ${CMAKE_COMMAND} -E echo "SKIP: libopendmarc (libopendmarc-dev) not found")
  set_tests_properties(interop_opendmarc PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: libopendmarc")
endif()
