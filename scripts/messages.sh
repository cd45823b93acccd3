#!/bin/sh
# Update the message catalogs from the code: extract every _()/ngettext()/N_() string
# into simlib.pot, merge it into each language's .po (new strings arrive untranslated,
# tests/test_i18n.py fails until they are translated), then compile the .mo files
# (python -m simlib.i18n)
# that ship with the package. Run from the project root: sh scripts/messages.sh
set -e
PYBABEL="${PYBABEL:-pybabel}"
LOCALE=src/simlib/locale
"$PYBABEL" extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output \
  --project simlib --omit-header -o "$LOCALE/simlib.pot" .
"$PYBABEL" update -i "$LOCALE/simlib.pot" -d "$LOCALE" -D simlib --no-fuzzy-matching --ignore-obsolete
${PYTHON:-python} -m simlib.i18n
