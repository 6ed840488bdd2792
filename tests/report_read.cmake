# libmailauth-report's reader (included by tests/CMakeLists.txt), registered
# only when the report library is built: the cmocka files
# tests/report/test_report_read*.c, each ctest <name> (and <name>_conformance
# for the corpus cases, skipped without the test data), and the
# command-line test of `mailauth-report parse` and `summary`.
if(TARGET mailauth_report_static)
  file(GLOB MAILAUTH_REPORT_READ_TESTS CONFIGURE_DEPENDS
       "${CMAKE_CURRENT_LIST_DIR}/report/test_report_read*.c")
  foreach(src ${MAILAUTH_REPORT_READ_TESTS})
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "^test_" "" module ${name})
    add_executable(${name} ${src} ${CMAKE_CURRENT_LIST_DIR}/report/read_collect.c)
    target_link_libraries(${name} PRIVATE mailauth_test_support mailauth_report_static)
    target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_LIST_DIR}/report)
    target_compile_options(${name} PRIVATE ${MAILAUTH_WARNINGS})
    add_test(NAME ${module} COMMAND ${name})
    set(_registrations ${module})
    file(STRINGS "${src}" _conformance REGEX "testdata_select\\(")
    if(_conformance)
      add_test(NAME ${module}_conformance COMMAND ${name} conformance)
      list(APPEND _registrations ${module}_conformance)
    endif()
    set_tests_properties(${_registrations} PROPERTIES ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1"
      SKIP_RETURN_CODE 77 TIMEOUT 600)
  endforeach()

  find_program(MAILAUTH_BASH NAMES bash)
  find_program(MAILAUTH_PYTHON3 NAMES python3)
  if(TARGET mailauth-report AND MAILAUTH_BASH AND MAILAUTH_PYTHON3)
    add_test(NAME report_read_cli COMMAND ${MAILAUTH_BASH}
             ${CMAKE_CURRENT_LIST_DIR}/report/cli_read_test.sh
             $<TARGET_FILE:mailauth-report> ${CMAKE_CURRENT_LIST_DIR}/data/report)
    set_tests_properties(report_read_cli PROPERTIES TIMEOUT 120 ENVIRONMENT
      "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
  endif()
endif()
