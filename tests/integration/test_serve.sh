#!/bin/sh
# test_serve.sh — `relais serve` end to end on 127.0.0.1:0: the first full
# sync, incremental batches, explicit acknowledgements and retries, imports
# running while a partner polls, bad and revoked keys, rate limiting,
# malformed URLs and oversize requests, settings (sync off, URL size), the
# record of pulls, keys never in the log. The server is stopped at the end.
. "$(dirname "$0")/lib.sh"

HUBFILL="$RELAIS_BUILD_DIR/hubfill"
PARTNER="python3 $RELAIS_SOURCE_DIR/tests/integration/feed_partner.py"
A=0123456C
B=0999999Z
C=0111111A
pid=""

stop_server() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT INT TERM

# status URL [curl options…]: the HTTP status of a GET (body in .body, headers in .hdr).
status() {
    u=$1
    shift
    curl -s -o "$WORK/.body" -D "$WORK/.hdr" -w '%{http_code}' --max-time 30 "$@" "$u"
}

# failing URL [curl options…]: like status, for requests meant to fail, each from its own
# address (through the trusted proxy), so that the test's own address is never held back.
# (A file counts them: the function runs in a command substitution.)
echo 0 >"$WORK/.nfail"
failing() {
    nfail=$(($(cat "$WORK/.nfail") + 1))
    echo $nfail >"$WORK/.nfail"
    status "$@" -H "X-Real-IP: 10.0.$((nfail / 200)).$((nfail % 200 + 1))"
}

header() { # header NAME: its value in the last response
    tr -d '\r' <"$WORK/.hdr" | sed -n "s/^$1: //Ip" | head -n 1
}

# The hub: two establishments of one organisation, a third of another.
expect_status 0 "$RELAIS" --db hub.db init --year 2025
"$HUBFILL" --db hub.db --uai $A --students 30 --quiet >/dev/null
"$HUBFILL" --db hub.db --uai $B --students 10 --quiet >/dev/null
"$HUBFILL" --db hub.db --uai $C --students 5 --quiet >/dev/null
expect_status 0 "$RELAIS" --db hub.db org add ASREC --uai $A,$B
expect_status 0 "$RELAIS" --db hub.db org add AUTRE --uai $C
expect_status 3 "$RELAIS" --db hub.db org add TROP --uai $A
contains "$WORK/.err" "ASREC"
expect_status 0 "$RELAIS" --db hub.db keys new --org ASREC --json
KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$WORK/.out")
expect_status 0 "$RELAIS" --db hub.db keys new --org AUTRE --json
OTHER_KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$WORK/.out")
echo "$KEY" | grep -Eq '^[0-9A-F]{32}$' || fail "clé mal formée : $KEY"
sqlite3 hub.db 'SELECT hash FROM sync_key' | grep -q "$KEY" && fail "clé conservée en clair"

"$RELAIS" --db hub.db serve --listen 127.0.0.1:0 --port-file port --batch-size 50 \
    --max-failures 5 --failure-window 600 --trusted-proxy 127.0.0.1 --exit-after 600 \
    >server.out 2>server.log &
pid=$!
i=0
while [ ! -s port ] && [ $i -lt 200 ]; do
    kill -0 $pid 2>/dev/null || { cat server.log >&2; fail "le serveur s'est arrêté"; }
    sleep 0.1
    i=$((i + 1))
done
[ -s port ] || fail "pas de port"
PORT=$(cat port)
echo "serveur sur le port $PORT"
BASE=http://127.0.0.1:$PORT/SAPO_API
URL=$BASE/SYNCH/${B}_$A/$KEY

# --- First full sync, by hand "until the error": batches of 50, then 204.
expected=$(sqlite3 hub.db "SELECT count(*) FROM entity e JOIN scope s ON s.id = e.scope_id
  JOIN establishment t ON t.id = s.establishment_id WHERE e.is_active = 1 AND t.uai IN ('$A','$B')")
n=0
items=0
while :; do
    st=$(status "$URL")
    [ "$st" = 204 ] && break
    [ "$st" = 200 ] || { cat "$WORK/.body" >&2; fail "synchro complète : statut $st"; }
    [ "$(header X-Relais-Phase)" = full ] || fail "phase $(header X-Relais-Phase)"
    [ "$(header X-Relais-Poll-Interval)" = 3600 ] || fail "intervalle $(header X-Relais-Poll-Interval)"
    [ "$(header X-Relais-Batch)" = $((n + 1)) ] || fail "lot $(header X-Relais-Batch)"
    grep -q '^<feed version="1" status="batch"' "$WORK/.body" || fail "document XML"
    items=$((items + $(header X-Relais-Items)))
    n=$((n + 1))
    [ $n -lt 100 ] || fail "synchro sans fin"
done
[ "$items" = "$expected" ] || fail "image complète : $items éléments, attendu $expected"
[ $n -ge 5 ] || fail "trop peu de lots : $n"
[ "$(header X-Relais-Status)" = up-to-date ] || fail "pas à jour"
[ "$(status "$URL?uptodate=200")" = 200 ] || fail "uptodate=200"
contains "$WORK/.body" 'status="up-to-date"'
[ "$(status "$URL?format=json")" = 204 ] || fail "204 en JSON"

# --- Incremental: 3 students renamed → one JSON batch of 3 updates.
"$HUBFILL" --db hub.db --uai $A --students 30 --rename 3 --variant -INC --quiet >/dev/null
[ "$(status "$URL" -H 'Accept: application/json')" = 200 ] || fail "incrément"
[ "$(header X-Relais-Phase)" = changes ] || fail "phase changes"
python3 - "$WORK/.body" <<'EOF' || fail "lot JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["status"] == "batch" and d["phase"] == "changes" and d["items_count"] == 3, d
assert all(i["op"] == "update" and i["fields"]["nom_de_famille"].endswith("-INC") for i in d["items"])
assert all(i["fields"]["eleve_id"] for i in d["items"])
EOF
[ "$(status "$URL")" = 204 ] || fail "à jour après l'incrément"

# --- Explicit acknowledgements: a lost answer is sent again, the same.
last=$(header X-Relais-Batch)
"$HUBFILL" --db hub.db --uai $B --students 10 --rename 10 --variant -ACK --quiet >/dev/null
[ "$(status "$URL?ack=$last")" = 200 ] || fail "ack"
next=$(header X-Relais-Batch)
[ "$next" = $((last + 1)) ] || fail "lot suivant $next"
cp "$WORK/.body" first.xml
[ "$(status "$URL?ack=$last")" = 200 ] || fail "nouvel essai"
[ "$(header X-Relais-Batch)" = "$next" ] || fail "le nouvel essai n'a pas renvoyé le même lot"
cmp -s first.xml "$WORK/.body" || fail "le lot renvoyé diffère"
[ "$(status "$URL?ack=$((next + 5))")" = 400 ] || fail "ack inconnu"
[ "$(status "$URL?ack=abc")" = 400 ] || fail "ack invalide"
[ "$(status "$URL?ack=$next")" = 204 ] || fail "ack du dernier lot"

# --- Imports while a partner polls: a second key, its own cursor, polled during imports.
expect_status 0 "$RELAIS" --db hub.db keys new --org ASREC --json
KEY2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$WORK/.out")
URL2=$BASE/SYNCH/${A}_$B/$KEY2
(
    for v in $(seq 1 24); do
        "$HUBFILL" --db hub.db --uai $A --students $((30 - v % 7)) --rename $((v % 30)) \
            --variant "-V$v" --quiet >/dev/null || exit 1
        sleep 0.1
    done
) &
imports=$!
polls=0
while kill -0 $imports 2>/dev/null && [ $polls -lt 500 ]; do
    $PARTNER "$URL2" partner.json --max-calls=2 >/dev/null || fail "partenaire pendant les imports"
    polls=$((polls + 1))
done
wait $imports || fail "imports concurrents"
[ $polls -ge 3 ] || fail "trop peu de relevés pendant les imports ($polls)"
$PARTNER "$URL2" partner.json --ack >partner.out || fail "partenaire (fin)"
contains partner.out "status=204"
sqlite3 -separator ' ' hub.db "SELECT s.id, s.nom_de_famille FROM student s
  JOIN entity e ON e.id = s.id JOIN scope sc ON sc.id = s.scope_id
  JOIN establishment t ON t.id = sc.establishment_id
  WHERE e.is_active = 1 AND t.uai IN ('$A','$B') ORDER BY s.id" >hub.txt
python3 - partner.json hub.txt <<'EOF' || fail "le partenaire diffère du hub"
import json, sys
st = json.load(open(sys.argv[1]))["students"]
mine = sorted((int(k), v["nom_de_famille"]) for k, v in st.items())
hub = [(int(l.split(" ", 1)[0]), l.split(" ", 1)[1].strip()) for l in open(sys.argv[2]) if l.strip()]
assert mine == hub, (len(mine), len(hub), [x for x in mine if x not in hub][:5], [x for x in hub if x not in mine][:5])
EOF
echo "imports concurrents : $polls relevés, partenaire identique au hub"
# The first partner catches up too, explicitly.
[ "$(status "$URL?ack=$next")" = 200 ] || fail "rattrapage"

# --- Bad keys, revoked keys, other organisation: bare 404s.
WRONG=00000000000000000000000000000000
[ "$(failing "$BASE/SYNCH/$A/$WRONG")" = 404 ] || fail "clé inconnue"
[ ! -s "$WORK/.body" ] || fail "un 404 avec un corps"
[ "$(failing "$BASE/SYNCH/$C/$KEY")" = 404 ] || fail "établissement d'une autre organisation"
[ "$(failing "$BASE/SYNCH/${A}_$C/$OTHER_KEY")" = 404 ] || fail "organisations mêlées"
[ "$(status "$BASE/SYNCH/$C/$OTHER_KEY")" = 200 ] || fail "l'autre organisation"
expect_status 0 "$RELAIS" --db hub.db keys list --org ASREC --json
contains "$WORK/.out" '"valid": true'
id2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["keys"][-1]["id"])' "$WORK/.out")
expect_status 0 "$RELAIS" --db hub.db keys revoke --org ASREC --id "$id2"
[ "$(failing "$URL2")" = 404 ] || fail "clé révoquée acceptée"
# Rotation: the new key continues where the old one was (up to date, no new full picture).
expect_status 0 "$RELAIS" --db hub.db keys rotate --org AUTRE --json
NEW_OTHER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$WORK/.out")
[ "$(failing "$BASE/SYNCH/$C/$OTHER_KEY")" = 404 ] || fail "ancienne clé après rotation"
[ "$(status "$BASE/SYNCH/$C/$NEW_OTHER")" = 204 ] || fail "nouvelle clé : reprise"
[ "$(header X-Relais-Batch)" = 1 ] || fail "rotation : nouvelle image complète"

# --- Malformed URLs and requests.
[ "$(failing "$BASE/SYNCH/12/$KEY")" = 400 ] || fail "UAI mal formé"
[ "$(failing "$BASE/SYNCH/${A}_$A/$KEY")" = 400 ] || fail "UAI en double"
[ "$(failing "$BASE/SYNCH/$A")" = 404 ] || fail "sans clé"
[ "$(failing "$BASE/SYNCH/$A/$KEY/plus")" = 404 ] || fail "segment de trop"
[ "$(failing "http://127.0.0.1:$PORT/ailleurs")" = 404 ] || fail "hors de la base"
[ "$(failing "$BASE/SYNCH/$A/$KEY" -X DELETE)" = 405 ] || fail "méthode"
[ "$(failing "$URL" -X POST --data-binary 'x=1')" = 413 ] || fail "corps accepté"
long=$(python3 -c 'print("A" * 3000)')
[ "$(failing "$BASE/SYNCH/$A/$long")" = 414 ] || fail "URL trop longue"
big=$(python3 -c 'print("b" * 40000)')
st=$(failing "$URL" -H "X-Big: $big")
case "$st" in 413 | 431 | 400) ;; *) fail "en-têtes énormes : $st" ;; esac

# --- Settings: synchronisation off, establishments per URL.
expect_status 0 "$RELAIS" --db hub.db org set ASREC --etab $B --sync off
[ "$(status "$URL?ack=$next")" = 403 ] || fail "synchro désactivée"
contains "$WORK/.body" "$B"
expect_status 0 "$RELAIS" --db hub.db org set ASREC --sync on --max-uais 1
[ "$(failing "$URL")" = 400 ] || fail "trop d'établissements"
expect_status 0 "$RELAIS" --db hub.db org set ASREC --max-uais 3 --etab $A --billing on
expect_status 0 "$RELAIS" --db hub.db org list ASREC --json
contains "$WORK/.out" '"billing": true'
# The identity-matching file of the organisation's partner, built by relais match.
sqlite3 -separator ';' hub.db "SELECT 'eleve', 'P' || s.eleve_id, s.nom_de_famille, s.prenom,
      substr(s.date_naiss, 9, 2) || '/' || substr(s.date_naiss, 6, 2) || '/' || substr(s.date_naiss, 1, 4)
    FROM student s JOIN scope sc ON sc.id = s.scope_id JOIN establishment e ON e.id = sc.establishment_id
    WHERE e.uai = '$A' LIMIT 20" >rows.csv
{ echo 'categorie;id;nom;prenom;date_naissance'; cat rows.csv; } >partner.csv
expect_status 0 "$RELAIS" --db hub.db match --partner demo --uai "$A" partner.csv
expect_status 0 "$RELAIS" --db hub.db org set ASREC --partner demo
[ "$(status "$BASE/RAPPROCHEMENT/$A/$KEY")" = 200 ] || fail "rapprochement"
contains "$WORK/.body" '<RAPPROCHEMENT version="1" partenaire="demo"'
contains "$WORK/.body" "<ETABLISSEMENT uai=\"$A\">"
first=$(head -1 rows.csv | cut -d';' -f2)
contains "$WORK/.body" "id=\"$first\""
[ "$(status "$BASE/RAPPROCHEMENT/$A/$KEY?format=csv")" = 200 ] || fail "rapprochement en CSV"
contains "$WORK/.body" "uai;categorie;id;relais_id"
[ "$(failing "$BASE/RAPPROCHEMENT/$A/$WRONG")" = 404 ] || fail "rapprochement, mauvaise clé"

# --- Rate limiting per client address (through the trusted proxy's X-Real-IP).
for i in 1 2 3 4 5; do
    [ "$(status "$BASE/SYNCH/$A/$WRONG" -H 'X-Real-IP: 10.9.9.9')" = 404 ] || fail "échec $i"
done
[ "$(status "$BASE/SYNCH/$A/$WRONG" -H 'X-Real-IP: 10.9.9.9')" = 429 ] || fail "pas de limite"
[ -n "$(header Retry-After)" ] || fail "Retry-After"
[ "$(status "$URL?ack=$next" -H 'X-Real-IP: 10.9.9.9')" = 429 ] || fail "bonne clé depuis une adresse bloquée"
st=$(status "$URL?ack=$next" -H 'X-Real-IP: 10.1.1.1')
case "$st" in 200 | 204) ;; *) fail "une autre adresse est bloquée : $st" ;; esac

# --- Stop; every pull recorded; the key never in the log.
stop_server
wait $pid || fail "arrêt du serveur : statut $?"
pid=""
contains server.out "arrêté"
grep -q "$KEY" server.log && fail "clé dans le journal"
grep -q "$OTHER_KEY" server.log && fail "clé dans le journal"
grep -q "GET /SAPO_API/SYNCH/${A}_$B/… 200" server.log || fail "journal des requêtes"
pulls=$(sqlite3 hub.db "SELECT count(*) FROM pull WHERE organisation_id = 1")
[ "$pulls" -ge $((n + polls)) ] || fail "relevés enregistrés : $pulls"
[ "$(sqlite3 hub.db "SELECT count(*) FROM pull WHERE n_changes > 0")" -ge "$n" ] || fail "relevés sans changements"
[ -n "$(sqlite3 hub.db "SELECT last_sync_at FROM establishment WHERE uai = '$A'")" ] || fail "date de synchro"
[ -n "$(sqlite3 hub.db "SELECT last_used_at FROM sync_key WHERE id = 1")" ] || fail "clé utilisée"
expect_status 0 "$RELAIS" --db hub.db org pulls ASREC --limit 5 --json
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/.out")" = 5 ] ||
    fail "org pulls"
expect_status 0 "$RELAIS" --db hub.db org pulls ASREC
contains "$WORK/.out" "${A}_$B"
echo "test_serve : OK ($n lots pour l'image complète, $pulls relevés)"
