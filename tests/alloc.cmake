# Allocator test (included by tests/CMakeLists.txt):
#   alloc_symbols  no object of the library but lib/util/alloc.c (the default
#                  allocator) calls malloc & co.; the run-time check is the
#                  cmocka test alloc_balance (tests/test_alloc_balance.c).
find_program(MAILAUTH_NM NAMES nm)
if(MAILAUTH_NM)
  add_test(NAME alloc_symbols COMMAND ${CMAKE_COMMAND}
           -DLIB=$<TARGET_FILE:mailauth_static> -DNM=${MAILAUTH_NM}
           -P ${CMAKE_CURRENT_LIST_DIR}/tools/check_alloc_symbols.cmake)
endif()
