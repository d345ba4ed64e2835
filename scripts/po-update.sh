#!/bin/sh
# po-update.sh — refresh po/<lang>/<module>.po from the sources (xgettext +
# msgmerge), one file per module (src/lib/<module>, src/cli, include/relais).
# New messages appear untranslated; tests/integration/test_i18n.sh fails until
# they are translated.
set -eu
cd "$(dirname "$0")/.."
langs=$(ls -d po/*/ 2>/dev/null | xargs -n1 basename)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

extract() { # module files...
    module=$1
    shift
    # -kX:4 picks the French labels of the kind X-macros in include/relais/model.h.
    xgettext --from-code=UTF-8 --language=C -k_ -kN_ -kX:4 --add-comments=TRANSLATORS \
        --no-location --sort-output --package-name=relais -o "$tmp/$module.pot" "$@" 2>/dev/null || true
    [ -s "$tmp/$module.pot" ] || return 0
    for lang in $langs; do
        po="po/$lang/$module.po"
        if [ ! -f "$tmp/compendium-$lang.po" ]; then
            # Every translation of the language, whatever its module: a message that moves
            # from one module to another keeps its translation.
            sh scripts/po-merge.sh "$tmp/compendium-$lang.po" po/"$lang"/*.po
        fi
        if [ -f "$po" ]; then
            msgmerge --quiet --update --backup=none --no-fuzzy-matching --sort-output \
                --compendium="$tmp/compendium-$lang.po" "$po" "$tmp/$module.pot"
        else
            # Untranslated copy of the template (msginit would copy French into English),
            # with a clean header.
            {
                printf '# %s messages of relais (the source strings are French).\n' "$lang"
                printf 'msgid ""\nmsgstr ""\n"Project-Id-Version: relais\\n"\n'
                printf '"Language: %s\\n"\n"MIME-Version: 1.0\\n"\n' "$lang"
                printf '"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
                sed -n '/^$/,$p' "$tmp/$module.pot"
            } >"$po"
            msgmerge --quiet --update --backup=none --no-fuzzy-matching --sort-output \
                --compendium="$tmp/compendium-$lang.po" "$po" "$tmp/$module.pot"
        fi
        msgattrib --no-obsolete --output-file="$po" "$po"
    done
}

for dir in src/lib/*/; do
    module=$(basename "$dir")
    files=$(find "$dir" -name '*.c' -o -name '*.h' | sort)
    [ "$module" = model ] && files="$files include/relais/model.h"
    # shellcheck disable=SC2086
    extract "$module" $files
done
# shellcheck disable=SC2046
extract cli $(find src/cli -name '*.c' -o -name '*.h' | sort)
echo "po/ à jour ; traduisez les entrées vides (msgstr \"\") puis reconstruisez."
