# ctest "alloc_symbols" (cmake -P): the build-time half of the allocator
# promise (docs/allocator.md; the run-time half is tests/test_alloc_balance.c).
#   -DLIB=path/to/libmailauth.a -DNM=nm
# Only lib/util/alloc.c (the default allocator, used when the caller gives
# none) may call the C library's allocation functions; every other object
# of the library allocates through mailauth__malloc() and friends, with the
# ctx allocator. OpenSSL's, c-ares' and libpsl's own allocation functions
# are refused too: memory they hand back must be released with their free
# functions (idn2_free, ares_free_data, ...), never allocated by us.
foreach(var LIB NM)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_alloc_symbols.cmake: -D${var}=... missing")
  endif()
endforeach()

execute_process(COMMAND ${NM} -A --undefined-only ${LIB}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nm -A failed on ${LIB}: ${err}")
endif()

set(libc_alloc "malloc|calloc|realloc|reallocarray|free|strdup|strndup|aligned_alloc|posix_memalign|memalign|valloc|pvalloc|asprintf|vasprintf|getline|getdelim|open_memstream|realpath|scandir|wcsdup")
set(dep_alloc "CRYPTO_malloc|CRYPTO_zalloc|CRYPTO_realloc|CRYPTO_clear_realloc|CRYPTO_strdup|CRYPTO_strndup|CRYPTO_memdup|CRYPTO_secure_malloc|CRYPTO_secure_zalloc|ares_malloc|ares_realloc")
string(REPLACE "\n" ";" lines "${out}")
set(bad "")
set(objects 0)
set(default_found FALSE)
foreach(line IN LISTS lines)
  # "ARCHIVE:OBJECT:                 U NAME[@VERSION]"
  if(NOT line MATCHES "^[^:]*:([^:]+):[ ]+U ([^ @]+)")
    continue()
  endif()
  set(obj "${CMAKE_MATCH_1}")
  set(name "${CMAKE_MATCH_2}")
  if(NOT name MATCHES "^(${libc_alloc}|${dep_alloc})$")
    continue()
  endif()
  if(obj MATCHES "^alloc\\.c\\.o(bj)?$" AND name MATCHES "^(${libc_alloc})$")
    set(default_found TRUE)
  else()
    list(APPEND bad "${obj}: ${name}")
  endif()
endforeach()

if(NOT default_found)
  message(FATAL_ERROR "alloc.c.o does not refer to malloc: wrong library or nm output (${LIB})")
endif()
if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "objects allocating outside the ctx allocator:\n  ${text}")
endif()
message(STATUS "only alloc.c.o calls the C library allocator")
