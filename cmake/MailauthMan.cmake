# Man pages: every docs/NAME.N.md (N = 1..8; pandoc markdown whose title
# block is "% NAME(N) mailauth | Section name") becomes NAME.N in
# ${PROJECT_BINARY_DIR}/man/ at build time, installed into
# ${CMAKE_INSTALL_MANDIR}/manN. Pages are found by a glob: a new page is a
# new file in docs/, nothing to add here.
#
# pandoc -s -f markdown-smart -t man (no "smart" punctuation: --key stays
# two hyphens, not an en dash), then cmake/man_fixup.cmake (pandoc 2.17,
# Debian 12's, writes fonts and paragraphs that mandoc and groff take
# differently; see there). The .TH date is the release date of this version in CHANGELOG.md,
# so that the pages of a release do not change with the day they are built.
#
# Sets the global property MAILAUTH_MAN_PAGES (the generated files), which
# tests/man.cmake checks with mandoc -T lint and man -l.
function(mailauth_add_man_pages)
  if(NOT MAILAUTH_BUILD_MAN)
    return()
  endif()
  if(NOT MAILAUTH_PANDOC)
    message(STATUS "Man pages skipped: pandoc not found (Debian: pandoc)")
    return()
  endif()
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/docs/*.[1-8].md")
  set(date "")
  file(STRINGS "${PROJECT_SOURCE_DIR}/CHANGELOG.md" release
       REGEX "^## ${PROJECT_VERSION} .* [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$")
  if(release)
    string(REGEX MATCH "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$" date "${release}")
  else()
    # An unreleased version: the build date (SOURCE_DATE_EPOCH when set).
    string(TIMESTAMP date "%Y-%m-%d" UTC)
  endif()
  file(MAKE_DIRECTORY "${PROJECT_BINARY_DIR}/man")
  set(outputs "")
  foreach(src IN LISTS sources)
    get_filename_component(file "${src}" NAME)
    string(REGEX REPLACE "\\.md$" "" page "${file}")
    string(REGEX REPLACE "^.*\\.([1-8])$" "\\1" section "${page}")
    set(out "${PROJECT_BINARY_DIR}/man/${page}")
    add_custom_command(OUTPUT "${out}"
      COMMAND ${MAILAUTH_PANDOC} -s -f markdown-smart -t man -V "date=${date}"
              -V "footer=mailauth ${PROJECT_VERSION}" -o "${out}.pandoc" "${src}"
      COMMAND ${CMAKE_COMMAND} -DIN=${out}.pandoc -DOUT=${out}
              -P "${PROJECT_SOURCE_DIR}/cmake/man_fixup.cmake"
      DEPENDS "${src}" "${PROJECT_SOURCE_DIR}/cmake/man_fixup.cmake"
      COMMENT "Man page ${page}" VERBATIM)
    install(FILES "${out}" DESTINATION "${CMAKE_INSTALL_MANDIR}/man${section}")
    list(APPEND outputs "${out}")
  endforeach()
  add_custom_target(man ALL DEPENDS ${outputs})
  set_property(GLOBAL PROPERTY MAILAUTH_MAN_PAGES "${outputs}")
  list(LENGTH outputs n)
  message(STATUS "Man pages: ${n} from docs/*.[1-8].md")
endfunction()
