#!/bin/sh
# test_i18n.sh — every user-facing message of the sources has an English
# translation in po/en/*.po, and none is fuzzy.
. "$(dirname "$0")/lib.sh"
src=$RELAIS_SOURCE_DIR
files=$(cd "$src" && find src include -name '*.c' -o -name '*.h' | sort)
(cd "$src" && xgettext --from-code=UTF-8 --language=C -k_ -kN_ -kX:4 --no-location \
    -o "$WORK/all.pot" $files)
sh "$src/scripts/po-merge.sh" "$WORK/en.po" "$src"/po/en/*.po
if ! msgcmp --use-untranslated "$WORK/en.po" "$WORK/all.pot" 2>"$WORK/missing"; then
    cat "$WORK/missing" >&2
    fail "messages sans traduction anglaise : lancez scripts/po-update.sh puis traduisez po/en/"
fi
stats=$(msgfmt --statistics -o /dev/null "$WORK/en.po" 2>&1)
case "$stats" in
*untranslated* | *fuzzy*) fail "po/en : $stats" ;;
esac
echo "test_i18n : OK ($stats)"
