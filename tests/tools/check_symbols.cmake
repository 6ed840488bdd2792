# ctest "symbols" (cmake -P): the ABI surface of the shared library.
#   -DLIB=path/to/libmailauth.so -DNM=nm -DREADELF=readelf
# Every dynamic symbol the library defines must be public API: "mailauth_"
# and not "mailauth__" (internal cross-file names, hidden by lib/mailauth.map).
# The SONAME must carry the ABI version: libmailauth.so.N.
foreach(var LIB NM READELF)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_symbols.cmake: -D${var}=... missing")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --defined-only ${LIB}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -D failed on ${LIB}: ${err}")
endif()

string(REPLACE "\n" ";" lines "${out}")
set(bad "")
set(count 0)
set(has_version FALSE)
foreach(line IN LISTS lines)
  # "ADDRESS TYPE NAME[@@VERSION]"; ADDRESS may be blank for some types.
  if(NOT line MATCHES "^[0-9a-fA-F ]* ([A-Za-z]) ([^ @]+)(@@?[^ ]+)?$")
    continue()
  endif()
  set(type "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(type STREQUAL "A")
    continue() # the version node itself (MAILAUTH_0)
  endif()
  if(name MATCHES "^mailauth__" OR NOT name MATCHES "^mailauth_")
    list(APPEND bad "${type} ${name}")
  else()
    math(EXPR count "${count} + 1")
  endif()
  if(name STREQUAL "mailauth_version")
    set(has_version TRUE)
  endif()
endforeach()

if(bad)
  string(REPLACE ";" "\n  " bad "${bad}")
  message(FATAL_ERROR "symbols outside the public API exported by ${LIB}:\n  ${bad}")
endif()
if(NOT has_version)
  message(FATAL_ERROR "mailauth_version is not exported by ${LIB} (${count} symbols)")
endif()

execute_process(COMMAND ${READELF} -d ${LIB} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d failed on ${LIB}")
endif()
if(NOT dyn MATCHES "\\(SONAME\\)[^\n]*\\[(libmailauth\\.so\\.[0-9]+)\\]")
  message(FATAL_ERROR "no versioned SONAME (libmailauth.so.N) in ${LIB}:\n${dyn}")
endif()
message(STATUS "symbols: ${count} exported functions, all mailauth_*; SONAME ${CMAKE_MATCH_1}")
