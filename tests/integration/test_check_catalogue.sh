#!/bin/sh
# test_check_catalogue.sh — docs/rules.md is exactly the catalogue the program
# carries (regenerate with: build/relais check --rules > docs/rules.md), and
# `relais check` behaves on an empty hub.
. "$(dirname "$0")/lib.sh"
"$RELAIS" check --rules >"$WORK/rules.md"
diff -u "$RELAIS_SOURCE_DIR/docs/rules.md" "$WORK/rules.md" >&2 ||
    fail "docs/rules.md n'est plus à jour : build/relais check --rules > docs/rules.md"
expect_status 3 "$RELAIS" --db missing.db check
expect_status 0 "$RELAIS" --db hub.db init --year 2025
expect_status 0 "$RELAIS" --db hub.db check --json
contains "$WORK/.out" '"establishments": 0'
expect_status 3 "$RELAIS" --db hub.db check --uai 0999999Z
expect_status 2 "$RELAIS" --db hub.db check --limit x
echo "test_check_catalogue : OK"
