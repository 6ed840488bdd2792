# ctest "milter_protocol": mailauth-milter over the milter protocol on the
# loopback (an MTA-side client in Python), with the demo zone and keys made
# by openssl: verification, forged fields, DMARC reject, signing and
# sealing checked by mailauth-check, /metrics, SIGHUP and SIGTERM.
find_program(MAILAUTH_PYTHON3 NAMES python3)
find_program(MAILAUTH_OPENSSL NAMES openssl)
if(TARGET mailauth-milter AND TARGET mailauth-check AND MAILAUTH_PYTHON3 AND MAILAUTH_OPENSSL)
  add_test(NAME milter_protocol COMMAND ${MAILAUTH_PYTHON3}
           ${CMAKE_CURRENT_LIST_DIR}/tools/milter_protocol_test.py
           $<TARGET_FILE:mailauth-milter> $<TARGET_FILE:mailauth-check>
           ${PROJECT_SOURCE_DIR}/examples/demo ${MAILAUTH_OPENSSL})
  set_tests_properties(milter_protocol PROPERTIES TIMEOUT 180 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
endif()
