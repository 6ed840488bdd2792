# mailauth-sign with several keys (included by tests/CMakeLists.txt):
#   sign_multi  `dkim` with an RSA and an Ed25519 --key: two signatures made
#               in one pass over a message read once from a pipe, in --key
#               order, each the field a one-key run makes; --dns-record
#               prints one line per key; mailauth-check and dkimpy verify
#               both over those lines; unclear pairings exit 64.
find_program(MAILAUTH_BASH NAMES bash)
# dkimpy is Debian's python3-dkim, importable by /usr/bin/python3.
set(_sign_multi_py "")
find_program(MAILAUTH_PYTHON3 NAMES python3)
foreach(py /usr/bin/python3 ${MAILAUTH_PYTHON3})
  if(NOT _sign_multi_py AND EXISTS "${py}")
    set(_sign_multi_py "${py}")
  endif()
endforeach()
if(TARGET mailauth-sign AND TARGET mailauth-check AND MAILAUTH_BASH AND _sign_multi_py)
  add_test(NAME sign_multi COMMAND ${MAILAUTH_BASH} ${CMAKE_CURRENT_LIST_DIR}/tools/sign_multi_test.sh
           $<TARGET_FILE:mailauth-sign> $<TARGET_FILE:mailauth-check>
           ${CMAKE_CURRENT_LIST_DIR}/data/dkim_sign ${_sign_multi_py}
           ${CMAKE_CURRENT_LIST_DIR}/interop/dkim_verify_dkimpy.py)
  set_tests_properties(sign_multi PROPERTIES TIMEOUT 120 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
