# lib.sh — shared helpers of the integration tests (sourced, POSIX sh).
# $RELAIS is the binary under test, $RELAIS_SOURCE_DIR the source tree.
set -eu

: "${RELAIS:?RELAIS must point at the relais binary}"
: "${RELAIS_SOURCE_DIR:?}"
GOLDEN="$RELAIS_SOURCE_DIR/tests/golden"
SAMPLES="$RELAIS_SOURCE_DIR/tests/data/samples"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/relais-it.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM
cd "$WORK"

# Reproducible clocks and language.
export RELAIS_NOW=2025-10-01T08:00:00Z RELAIS_TODAY=2025-10-01 LANG=C.UTF-8 TZ=Europe/Paris
unset LANGUAGE LC_ALL LC_MESSAGES RELAIS_DB 2>/dev/null || true

fail() {
    echo "ÉCHEC : $*" >&2
    exit 1
}

# expect_status N cmd... : run cmd, check its exit status.
expect_status() {
    want=$1
    shift
    set +e
    "$@" >"$WORK/.out" 2>"$WORK/.err"
    got=$?
    set -e
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; cat "$WORK/.out" >&2
        echo "--- stderr" >&2; cat "$WORK/.err" >&2
        fail "$* : statut $got, attendu $want"
    fi
}

# golden NAME FILE : compare FILE with tests/golden/NAME (UPDATE_GOLDEN=1 rewrites it).
golden() {
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        cp "$2" "$GOLDEN/$1"
        return 0
    fi
    diff -u "$GOLDEN/$1" "$2" >&2 || fail "sortie différente de tests/golden/$1"
}

# contains FILE TEXT : FILE contains TEXT.
contains() {
    grep -F -q -- "$2" "$1" || { cat "$1" >&2; fail "« $2 » absent de $1"; }
}
