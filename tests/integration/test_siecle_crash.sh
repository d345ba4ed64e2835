#!/bin/sh
# test_siecle_crash.sh — crash consistency: an import of a large generated set
# killed (SIGKILL) while it writes leaves the hub exactly as it was, and the
# next run imports everything.
. "$(dirname "$0")/lib.sh"
. "$RELAIS_SOURCE_DIR/tests/integration/siecle_lib.sh"

R=$RELAIS
if ! "$R" --help | grep -q "^  gen "; then
    echo "test_siecle_crash : relais gen absent, test sauté"
    exit 0
fi
export RELAIS_DB=hub.db
expect_status 0 "$R" init --year 2025
expect_status 0 "$R" gen --out small --seed 3 --establishments 1 --students 200 --year 2025
expect_status 0 "$R" import siecle small
expect_status 0 "$R" gen --out big --seed 4 --establishments 8 --students 12000 --year 2025
before=$(hub_sum hub.db)
expect_status 0 "$R" status --json
cp "$WORK/.out" status-before.json

# Start the import, kill it once it is writing (the WAL grows), well before the end.
"$R" import siecle --new-uai big >import.out 2>import.err &
pid=$!
wal_size() {
    if [ -f hub.db-wal ]; then wc -c <hub.db-wal; else echo 0; fi
}
wal0=$(wal_size)
i=0
killed=false
while [ $i -lt 2400 ]; do
    if ! kill -0 $pid 2>/dev/null; then
        break
    fi
    wal=$(wal_size)
    if [ "$wal" -gt $((wal0 + 2000000)) ]; then
        kill -9 $pid
        killed=true
        break
    fi
    sleep 0.05
    i=$((i + 1))
done
wait $pid 2>/dev/null || true
$killed || { cat import.out import.err >&2; fail "l'import s'est terminé avant d'être interrompu : augmentez les données"; }

# The hub is exactly as before, and usable.
[ "$(hub_sum hub.db)" = "$before" ] || fail "l'import interrompu a laissé des traces"
expect_status 0 "$R" status --json
diff -u status-before.json "$WORK/.out" >&2 || fail "l'état du hub a changé"
[ "$(sqlite3 hub.db 'PRAGMA integrity_check')" = ok ] || fail "base abîmée"

# The next run works and imports everything.
expect_status 0 "$R" import siecle --json --new-uai big
[ "$(count "$WORK/.out" student created)" = 12000 ] || fail "le second import n'a pas tout créé"
expect_status 0 "$R" import siecle --json --new-uai big
[ "$(json "$WORK/.out" "d['changes']")" = 0 ] || fail "après reprise, le réimport change des choses"
echo "test_siecle_crash : OK"
