# pandoc's man output made clean for mandoc and groff alike (cmake -P,
# -DIN=pandoc output -DOUT=page); run by cmake/MailauthMan.cmake.
#  - pandoc 2.17 sets code in \f[V] (inline) and \f[C] (blocks), fonts it
#    defines with groff's .ftr, which mandoc does not know (it warns and
#    drops the font): both become \f[CR], constant-width roman, which
#    mandoc and groff (on a terminal: roman) both have. pandoc 3 writes
#    \f[CR] itself.
#  - a .PP right after .SH or .SS starts no new paragraph (the heading
#    did); mandoc warns about it, groff ignores it: it goes.
#  - no hyphenation (.nh for pandoc's .hy): groff would break option and
#    field names at their hyphens ("--head-" "ers"), which then read and
#    paste wrong.
file(READ "${IN}" text)
string(REPLACE "\\f[V]" "\\f[CR]" text "${text}")
string(REPLACE "\\f[C]" "\\f[CR]" text "${text}")
string(REGEX REPLACE "(\n\\.S[HS][^\n]*)\n\\.PP\n" "\\1\n" text "${text}")
string(REGEX REPLACE "\n\\.hy\n" "\n.nh\n" text "${text}")
file(WRITE "${OUT}" "${text}")
file(REMOVE "${IN}")
