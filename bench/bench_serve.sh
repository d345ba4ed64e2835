#!/bin/sh
# bench_serve.sh — the sync server on loopback, bounded in time:
#  1. a first full sync of a 3,000-student establishment (with its ~4,500
#     guardians, links, divisions and enrolments), fetched batch after batch
#     with curl until "up to date", as a partner does by hand; goal < 1 s;
#  2. up-to-date polls with wrk (2 threads, 16 connections, 10 s); goal
#     ≥ 5,000 requests/s with p99 < 20 ms on 2 cores.
# The server gets 2 cores (taskset when the machine has 4 or more; otherwise
# wrk shares them). Figures are printed; nothing is asserted.
set -eu
: "${RELAIS:?}" "${RELAIS_BUILD_DIR:?}" "${RELAIS_BENCH_DIR:?}"
DIR="$RELAIS_BENCH_DIR/serve"
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    return 0
}
trap cleanup EXIT INT TERM

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

pin_server="" pin_client=""
if [ "$(nproc)" -ge 4 ] && command -v taskset >/dev/null; then
    pin_server="taskset -c 0,1" pin_client="taskset -c 2,3"
    cores="serveur sur 2 cœurs dédiés, wrk sur 2 autres"
else
    cores="$(nproc) cœurs partagés entre le serveur et wrk"
fi

"$RELAIS" --db hub.db init --year 2025 >/dev/null
t0=$(now)
"$RELAIS_BUILD_DIR/hubfill" --db hub.db --uai 0123456C --students 3000 --quiet >/dev/null
t1=$(now)
"$RELAIS" --db hub.db org add BENCH --uai 0123456C >/dev/null
KEY=$("$RELAIS" --db hub.db keys new --org BENCH --json | sed -n 's/.*"key": "\([0-9A-F]*\)".*/\1/p')
records=$(sqlite3 hub.db "SELECT count(*) FROM entity WHERE is_active = 1")
printf 'hub : 3000 élèves, %s enregistrements actifs, rempli en %.2f s (plans)\n' \
    "$records" "$(elapsed "$t0" "$t1")"

# shellcheck disable=SC2086
$pin_server "$RELAIS" --db hub.db serve --listen 127.0.0.1:0 --port-file port --threads 2 \
    --quiet --exit-after 120 >server.out 2>server.log &
pid=$!
i=0
while [ ! -s port ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat port)
URL="http://127.0.0.1:$PORT/SAPO_API/SYNCH/0123456C/$KEY"

# 1. First full sync (XML, batches of 1000, implicit acknowledgements).
batches=0 bytes=0
t0=$(now)
while [ $batches -lt 1000 ]; do
    set -- $(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$URL")
    [ "$1" = 204 ] && break
    [ "$1" = 200 ] || { echo "statut $1" >&2; exit 1; }
    batches=$((batches + 1))
    bytes=$((bytes + $2))
done
t1=$(now)
full=$(elapsed "$t0" "$t1")
printf 'synchro complète : %.3f s — %d lots, %s éléments, %.1f Mo XML (objectif < 1 s)\n' \
    "$full" "$batches" "$records" "$(echo "$bytes / 1048576" | bc -l)"

# 2. Up-to-date polls.
# shellcheck disable=SC2086
$pin_client wrk -t2 -c16 -d10s --latency "$URL" >wrk.txt
rps=$(sed -n 's/^Requests\/sec: *//p' wrk.txt)
p99=$(sed -n 's/^ *99% *//p' wrk.txt)
p50=$(sed -n 's/^ *50% *//p' wrk.txt)
errors=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' wrk.txt)
printf 'relevé à jour (204) : %s req/s, p50 %s, p99 %s%s — %s (objectif ≥ 5000 req/s, p99 < 20 ms)\n' \
    "$rps" "$p50" "$p99" "${errors:+, $errors réponses non 2xx}" "$cores"
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
printf 'relevés enregistrés : %s\n' "$(sqlite3 hub.db 'SELECT count(*) FROM pull')"
