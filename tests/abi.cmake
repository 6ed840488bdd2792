# ABI tests (included by tests/CMakeLists.txt):
#   abi        test_abi: every public enumerator has its pinned number and its
#              name function the pinned token (tests/data/abi/enums.txt; the C
#              table below is generated from it at configure time);
#   abi_enums  the public headers list exactly the pinned enumerators, each
#              with an explicit number, and no __COUNT sentinel.
# The ABI of the shared library as a whole (functions, structs) is compared
# with its stored baseline by scripts/abi-check (abigail-tools).
set(MAILAUTH_ABI_ENUMS "${CMAKE_CURRENT_LIST_DIR}/data/abi/enums.txt")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${MAILAUTH_ABI_ENUMS}")
file(STRINGS "${MAILAUTH_ABI_ENUMS}" abi_lines)
set(abi_inc "/* Generated from tests/data/abi/enums.txt by tests/abi.cmake. */\n")
set(abi_type "")
foreach(line IN LISTS abi_lines)
  if(line MATCHES "^type ([a-z_0-9]+) ([a-z_0-9]+)$")
    if(abi_type)
      string(APPEND abi_inc "ABI_TYPE(${abi_type}, ${abi_fn})\n")
    endif()
    set(abi_type "${CMAKE_MATCH_1}")
    set(abi_fn "${CMAKE_MATCH_2}")
  elseif(line MATCHES "^(MAILAUTH_[A-Z0-9_]+) ([0-9]+) ([^ ]+)$")
    string(APPEND abi_inc
           "ABI_ENUM(${abi_type}, ${abi_fn}, ${CMAKE_MATCH_1}, ${CMAKE_MATCH_2}, \"${CMAKE_MATCH_3}\")\n")
  elseif(NOT line MATCHES "^(#.*)?$")
    message(FATAL_ERROR "${MAILAUTH_ABI_ENUMS}: cannot read '${line}'")
  endif()
endforeach()
if(abi_type)
  string(APPEND abi_inc "ABI_TYPE(${abi_type}, ${abi_fn})\n")
endif()
file(CONFIGURE OUTPUT "${CMAKE_CURRENT_BINARY_DIR}/abi/abi_enums.inc" CONTENT "${abi_inc}")
target_include_directories(test_abi PRIVATE "${CMAKE_CURRENT_BINARY_DIR}/abi")

find_program(MAILAUTH_ABI_PYTHON3 NAMES python3)
if(MAILAUTH_ABI_PYTHON3)
  add_test(NAME abi_enums COMMAND ${MAILAUTH_ABI_PYTHON3}
           ${CMAKE_CURRENT_LIST_DIR}/tools/abi_enums.py check
           ${PROJECT_SOURCE_DIR}/include/mailauth ${MAILAUTH_ABI_ENUMS})
endif()
