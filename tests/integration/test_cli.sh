#!/bin/sh
# test_cli.sh — the command frame, `relais init` and `relais status`: golden
# outputs, upgrade of an older hub, exit statuses, English through LANG.
. "$(dirname "$0")/lib.sh"

# Usage errors: status 2.
expect_status 2 "$RELAIS"
expect_status 2 "$RELAIS" nosuchcommand
expect_status 2 "$RELAIS" init --nosuchoption
expect_status 2 "$RELAIS" init --year 20x5
expect_status 2 "$RELAIS" --db new.db init
contains "$WORK/.err" "--year"
[ ! -e new.db ] || [ "$(sqlite3 new.db 'SELECT count(*) FROM setting')" = 0 ] || fail "init sans --year a écrit"

# Help is generated from the option tables.
expect_status 0 "$RELAIS" init --help
contains "$WORK/.out" "--year AAAA"
contains "$WORK/.out" "--db CHEMIN"
expect_status 0 "$RELAIS" manpage
contains "$WORK/.out" ".SH COMMANDES"

# A command on a missing hub: refused, status 3, nothing created.
expect_status 3 "$RELAIS" --db missing.db status
contains "$WORK/.err" "relais init"
[ ! -e missing.db ] || fail "status a créé une base"

# init creates, then is idempotent, then changes the year.
expect_status 0 "$RELAIS" --db hub.db init --year 2025
golden cli/init-create.txt "$WORK/.out"
expect_status 0 "$RELAIS" --db hub.db init
golden cli/init-again.txt "$WORK/.out"
RELAIS_DB=hub.db expect_status 0 "$RELAIS" init --year 2025-2026 --json
golden cli/init-again.json "$WORK/.out"
expect_status 0 "$RELAIS" status --db hub.db --json
golden cli/status-empty.json "$WORK/.out"

# Upgrade of a hub made by the first schema version, with its data kept.
sqlite3 old.db < "$RELAIS_SOURCE_DIR/src/lib/store/schema/sqlite/001_hub.sql"
sqlite3 old.db "PRAGMA user_version = 1;
  INSERT INTO setting VALUES ('current_year', '2024');
  INSERT INTO establishment (uai, name, type, sector, created_at)
    VALUES ('0999999Z', 'COLLEGE DE DEMONSTRATION', 'CLG', 'PU', '2024-09-01T08:00:00Z');
  INSERT INTO scope (establishment_id, year, student_start, student_end) VALUES (1, 2024, '2024-09-02', '2025-07-05');
  INSERT INTO run (command, status, started_at, finished_at, sources, summary)
    VALUES ('import siecle', 'applied', '2024-09-03T17:00:00Z', '2024-09-03T17:00:02Z', '[]', '{}');
  INSERT INTO run_scope VALUES (1, 1, '{}');"
expect_status 0 "$RELAIS" --db old.db init
golden cli/init-upgrade.txt "$WORK/.out"
[ "$(sqlite3 old.db 'PRAGMA user_version')" -ge 2 ] || fail "schéma non mis à jour"
expect_status 0 "$RELAIS" --db old.db status --json
golden cli/status-upgraded.json "$WORK/.out"
expect_status 0 "$RELAIS" --db old.db status --uai 0999999z
golden cli/status-upgraded.txt "$WORK/.out"
expect_status 3 "$RELAIS" --db old.db status --uai 0123456A
contains "$WORK/.err" "0123456A"

# A newer hub than the program: refused, untouched.
sqlite3 old.db "PRAGMA user_version = 999"
before=$(md5sum old.db)
expect_status 3 "$RELAIS" --db old.db status
contains "$WORK/.err" "v999"
[ "$before" = "$(md5sum old.db)" ] || fail "base plus récente modifiée"

# English through LANG.
LANG=en_US.UTF-8 expect_status 0 "$RELAIS" --db hub.db init
contains "$WORK/.out" "Database already up to date"
LANG=en_GB.UTF-8 expect_status 2 "$RELAIS" nosuchcommand
contains "$WORK/.err" "unknown command"
echo "test_cli : OK"
