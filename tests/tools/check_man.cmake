# ctest "man" (cmake -P): -DPAGES=page,page,... -DMANDOC=mandoc -DMAN=man
# For each generated man page:
# 1. the .TH line names it: title = the file name without the section, in
#    upper case; section = the file's ("mailauth-sign.1": MAILAUTH-SIGN, 1);
# 2. `mandoc -T lint -W warning` prints nothing and exits 0. The levels that
#    fail are WARNING, ERROR and UNSUPP: each means the page renders wrong or
#    loses text somewhere (a font or escape not known, a macro skipped, a
#    table broken, no date). STYLE messages are printed as notes and do not
#    fail: they are about the roff source's looks (line length, redundant
#    macros), and that source is pandoc's output, not ours to write by hand;
#    the markdown is.
# 3. `man -l PAGE` (man-db and groff, as a user reads it) exits 0 with
#    nothing on stderr (groff's warnings) and prints the NAME section.
# tests/man.cmake registers a skip instead when mandoc or man is missing.
foreach(var MANDOC MAN)
  if(NOT ${var})
    message(FATAL_ERROR "check_man.cmake: -D${var}=... missing")
  endif()
endforeach()
if(NOT DEFINED PAGES OR PAGES STREQUAL "")
  message(FATAL_ERROR "check_man.cmake: -DPAGES=... missing")
endif()
string(REPLACE "," ";" pages "${PAGES}")
set(failed "")
set(ENV{MANWIDTH} 80)
set(ENV{MANPAGER} cat)
set(ENV{PAGER} cat)
foreach(page IN LISTS pages)
  get_filename_component(file "${page}" NAME)
  if(NOT EXISTS "${page}")
    list(APPEND failed "${file}: not generated")
    continue()
  endif()
  # 1. .TH
  string(REGEX REPLACE "\\.([1-8])$" "" name "${file}")
  string(REGEX REPLACE "^.*\\.([1-8])$" "\\1" section "${file}")
  string(TOUPPER "${name}" title)
  file(STRINGS "${page}" th REGEX "^\\.TH ")
  if(NOT th MATCHES "^\\.TH \"?${title}\"? \"?${section}\"? \"?[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]\"?")
    list(APPEND failed "${file}: .TH is '${th}', want title ${title}, section ${section} and a date")
  endif()
  # 2. mandoc
  execute_process(COMMAND ${MANDOC} -T lint -W warning "${page}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT "${out}${err}" STREQUAL "")
    list(APPEND failed "${file}: mandoc -T lint (exit ${rc}):\n${out}${err}")
  endif()
  execute_process(COMMAND ${MANDOC} -T lint -W style "${page}"
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX MATCHALL "[^\n]*STYLE:[^\n]*" notes "${out}${err}")
  if(notes)
    string(REPLACE ";" "\n" notes "${notes}")
    message(STATUS "${file}: mandoc style notes (not failing):\n${notes}")
  endif()
  # 3. man -l
  execute_process(COMMAND ${MAN} -l "${page}"
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "" OR NOT out MATCHES "\nNAME\n")
    list(APPEND failed "${file}: man -l (exit ${rc}):\n${err}")
  endif()
  message(STATUS "${file}: checked")
endforeach()
if(failed)
  string(REPLACE ";" "\n" failed "${failed}")
  message(FATAL_ERROR "man pages:\n${failed}")
endif()
