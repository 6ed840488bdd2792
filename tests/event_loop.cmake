# event_loop (included by tests/CMakeLists.txt): examples/event-loop, an
# MTA-shaped poll() loop, verifies 1,200 messages in flight at once through
# one c-ares resolver against dnsmasq on 127.0.0.1, directly and through a
# proxy that delays every query; every verdict is checked, and each distinct
# question must reach the server once (tests/tools/event_loop_test.py).
# Skipped (77) without dnsmasq (Debian dnsmasq-base, installed by scripts/test).
if(TARGET mailauth-example-event-loop-mta AND TARGET mailauth-sign AND EXISTS /usr/bin/python3)
  add_executable(event_loop_sign ${CMAKE_CURRENT_LIST_DIR}/tools/event_loop_sign.c)
  target_link_libraries(event_loop_sign PRIVATE mailauth)
  target_compile_options(event_loop_sign PRIVATE ${MAILAUTH_WARNINGS})
  target_compile_definitions(event_loop_sign PRIVATE _POSIX_C_SOURCE=200809L)
  add_test(NAME event_loop COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/tools/event_loop_test.py
           $<TARGET_FILE:mailauth-example-event-loop-mta> $<TARGET_FILE:event_loop_sign>
           $<TARGET_FILE:mailauth-sign> ${CMAKE_CURRENT_LIST_DIR}/data/dkim_sign)
  set_tests_properties(event_loop PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 ENVIRONMENT
    "ASAN_OPTIONS=detect_leaks=1:halt_on_error=1;UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1")
elseif(TARGET mailauth-example-event-loop-mta AND TARGET mailauth-sign)
  add_test(NAME event_loop COMMAND ${CMAKE_COMMAND} -E echo "SKIP: /usr/bin/python3 not found")
  set_tests_properties(event_loop PROPERTIES SKIP_REGULAR_EXPRESSION "SKIP: /usr/bin/python3")
endif()
