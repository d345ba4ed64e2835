/*
 * store.c — the storage interface of relais (include/relais/store.h).
 *
 * Owns every SQL query of the hub, written once for all backends, on top of
 * the driver interface (driver.h). Also owns schema migrations: the numbered
 * files of schema/<backend>/ are embedded in the binary and applied in order
 * when a hub is opened, each in its own transaction; then the catalogue of the
 * model (model.h) is checked against the tables, so that code and schema can
 * never silently disagree.
 */
#include <relais/store.h>

#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "store_internal.h"
#include "util/util.h"

/* Statements prepared once per store and reused. */
enum {
    ST_SETTING_GET,
    ST_SETTING_SET,
    ST_ETAB_FIND,
    ST_ETAB_INSERT,
    ST_ETAB_UPDATE,
    ST_SCOPE_FIND,
    ST_SCOPE_GET,
    ST_SCOPE_INSERT,
    ST_SCOPE_CALENDAR,
    ST_ENTITY_INSERT,
    ST_ENTITY_KIND,
    ST_ENTITY_ACTIVE,
    ST_ENTITY_TOUCH,
    ST_ENTITY_UPDATED,
    ST_RUN_INSERT,
    ST_RUN_FINISH,
    ST_RUN_GET,
    ST_RUN_LAST,
    ST_RUN_LAST_SCOPE,
    ST_RUN_SCOPE_ADD,
    ST_CHANGE_APPEND,
    ST_CHANGE_LAST,
    ST_COUNT_,
};

typedef struct kind_statements {
    store_stmt *find;
    store_stmt *get;
    store_stmt *insert;
    store_stmt *insert_many; /* BATCH rows with their ids (relais_store_record_insert_many) */
    size_t batch;            /* rows per insert_many */
    store_stmt **set_field;  /* one per field, prepared on first use */
} kind_statements;

/* Rows per multi-row INSERT: one statement per batch costs far less than one per row. */
#define ENTITY_BATCH 64
#define CHANGE_BATCH 64
#define MAX_BATCH_PARAMS 30000

struct relais_store {
    const store_driver *drv;
    store_db *db;
    char *location;
    int version;
    int version_at_open;
    bool in_transaction;
    store_stmt *st[ST_COUNT_];
    kind_statements kinds[RELAIS_KIND_COUNT];
    /* Statements of the other files of the module (store_internal.h), keyed by their SQL. */
    struct {
        const void *key;
        store_stmt *st;
    } cached[STORE_CACHED_MAX];
    size_t n_cached;
    store_stmt *entity_many, *entity_one; /* entity rows with explicit ids */
    store_stmt *change_many;
};

static const char *const fixed_sql[ST_COUNT_] = {
    [ST_SETTING_GET] = "SELECT value FROM setting WHERE key = ?",
    [ST_SETTING_SET] = "INSERT INTO setting (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_ETAB_FIND] = "SELECT " STORE_ETAB_COLUMNS " FROM establishment WHERE uai = ?",
    [ST_ETAB_INSERT] = "INSERT INTO establishment (uai, name, type, sector, created_at) "
                       "VALUES (?, ?, ?, ?, ?)",
    [ST_ETAB_UPDATE] = "UPDATE establishment SET name = ?, type = ?, sector = ? WHERE id = ?",
    [ST_SCOPE_FIND] = "SELECT s.id, s.establishment_id, e.uai, s.year, s.student_start, "
                      "s.student_end, s.staff_start, s.staff_end FROM scope s "
                      "JOIN establishment e ON e.id = s.establishment_id "
                      "WHERE e.uai = ? AND s.year = ?",
    [ST_SCOPE_GET] = "SELECT s.id, s.establishment_id, e.uai, s.year, s.student_start, "
                     "s.student_end, s.staff_start, s.staff_end FROM scope s "
                     "JOIN establishment e ON e.id = s.establishment_id WHERE s.id = ?",
    [ST_SCOPE_INSERT] = "INSERT INTO scope (establishment_id, year) VALUES (?, ?)",
    [ST_SCOPE_CALENDAR] = "UPDATE scope SET student_start = ?, student_end = ?, "
                          "staff_start = ?, staff_end = ? WHERE id = ?",
    [ST_ENTITY_INSERT] = "INSERT INTO entity (kind, scope_id, is_active, created_run, "
                         "updated_run, last_seen_run) VALUES (?, ?, 1, ?, ?, ?)",
    [ST_ENTITY_KIND] = "SELECT kind FROM entity WHERE id = ?",
    [ST_ENTITY_ACTIVE] = "UPDATE entity SET is_active = ?, deactivated_on = ?, updated_run = ?, "
                         "last_seen_run = COALESCE(?, last_seen_run) WHERE id = ?",
    [ST_ENTITY_TOUCH] = "UPDATE entity SET last_seen_run = ? WHERE id = ?",
    [ST_ENTITY_UPDATED] = "UPDATE entity SET updated_run = ?, last_seen_run = ? WHERE id = ?",
    [ST_RUN_INSERT] = "INSERT INTO run (command, status, started_at, sources) "
                      "VALUES (?, ?, ?, ?)",
    [ST_RUN_FINISH] = "UPDATE run SET status = ?, summary = ?, finished_at = ? WHERE id = ?",
    [ST_RUN_GET] = "SELECT " STORE_RUN_COLUMNS " FROM run r WHERE r.id = ?",
    [ST_RUN_LAST] = "SELECT " STORE_RUN_COLUMNS " FROM run r ORDER BY r.id DESC LIMIT 1",
    [ST_RUN_LAST_SCOPE] = "SELECT " STORE_RUN_COLUMNS " FROM run_scope rs "
                          "JOIN run r ON r.id = rs.run_id "
                          "WHERE rs.scope_id = ? ORDER BY r.id DESC LIMIT 1",
    [ST_RUN_SCOPE_ADD] = "INSERT INTO run_scope (run_id, scope_id, summary) VALUES (?, ?, ?) "
                         "ON CONFLICT (run_id, scope_id) DO UPDATE SET summary = excluded.summary",
    [ST_CHANGE_APPEND] = "INSERT INTO change (run_id, scope_id, kind, entity_id, op, data) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
    [ST_CHANGE_LAST] = "SELECT COALESCE(MAX(seq), 0) FROM change",
};

/*
 * Inserts whose new key is wanted: the driver returns it (SQLite: the last
 * rowid, cheaper than RETURNING, which makes SQLite materialise a result
 * table for every row; PostgreSQL: RETURNING <column>).
 */
static const char *const insert_key[ST_COUNT_] = {
    [ST_ETAB_INSERT] = "id",   [ST_SCOPE_INSERT] = "id",     [ST_ENTITY_INSERT] = "id",
    [ST_RUN_INSERT] = "id",    [ST_CHANGE_APPEND] = "seq",
};

/* ------------------------------------------------------------ helpers */

static int stmt(store_stmt **out, relais_store *s, int which)
{
    if (s->st[which] == NULL) {
        int rc = insert_key[which]
                     ? s->drv->prepare_insert(&s->st[which], s->db, fixed_sql[which],
                                              insert_key[which])
                     : s->drv->prepare(&s->st[which], s->db, fixed_sql[which]);
        if (rc < 0) {
            return rc;
        }
    }
    *out = s->st[which];
    return 0;
}

int store_bind_text(relais_store *s, store_stmt *st, int idx, const char *v)
{
    return s->drv->bind_text(st, idx, v, v ? strlen(v) : 0);
}

int store_bind_opt_id(relais_store *s, store_stmt *st, int idx, int64_t v)
{
    return v > 0 ? s->drv->bind_int64(st, idx, v) : s->drv->bind_null(st, idx);
}

const char *store_col_text(relais_store *s, store_stmt *st, int col, util_arena *arena)
{
    size_t len;
    const char *t = s->drv->column_text(st, col, &len);
    return t ? util_arena_strndup(arena, t, len) : NULL;
}

int store_step_done(relais_store *s, store_stmt *st)
{
    int rc = s->drv->step(st);
    s->drv->reset(st);
    return rc < 0 ? rc : 0;
}

int store_step_insert(int64_t *out, relais_store *s, store_stmt *st)
{
    int rc = s->drv->step_insert(st, out);
    s->drv->reset(st);
    return rc;
}

/* ---------------------------------------------------------- migrations */

typedef struct migration {
    int version;
    const char *path;
} migration;

static int migration_cmp(const void *a, const void *b)
{
    const migration *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

/* Embedded migrations of a driver, sorted by number. Returns the count. */
static size_t list_migrations(const store_driver *drv, migration *out, size_t max)
{
    size_t n = 0, pos = 0, plen = strlen(drv->schema_prefix);
    const char *path;
    while ((path = util_embedded_next(&pos)) != NULL && n < max) {
        if (strncmp(path, drv->schema_prefix, plen) != 0) {
            continue;
        }
        const char *base = path + plen;
        size_t digits = strspn(base, "0123456789");
        int64_t v;
        if (digits == 0 || !util_parse_int64(base, digits, &v)) {
            continue;
        }
        out[n++] = (migration){(int)v, path};
    }
    qsort(out, n, sizeof *out, migration_cmp);
    return n;
}

int relais_store_schema_latest(void)
{
    migration m[256];
    size_t n = list_migrations(&store_sqlite_driver, m, UTIL_ARRAY_LEN(m));
    return n ? m[n - 1].version : 0;
}

static int migrate(relais_store *s, int target, bool allowed)
{
    migration m[256];
    size_t n = list_migrations(s->drv, m, UTIL_ARRAY_LEN(m));
    int latest = n ? m[n - 1].version : 0;
    if (s->version > latest) {
        relais_error_set(_("la base %s est au schéma v%d, plus récent que ce programme (v%d) : "
                           "mettez relais à jour"),
                         s->location, s->version, latest);
        return RELAIS_EDB;
    }
    if (target <= 0 || target > latest) {
        target = latest;
    }
    if (s->version < target && !allowed) {
        relais_error_set(_("la base %s est au schéma v%d ; « relais init » la met à jour (v%d)"),
                         s->location, s->version, target);
        return RELAIS_ECONFLICT;
    }
    for (size_t i = 0; i < n; i++) {
        if (m[i].version <= s->version || m[i].version > target) {
            continue;
        }
        const char *sql = (const char *)util_embedded(m[i].path, NULL);
        int rc = s->drv->begin_write(s->db);
        if (rc == 0) {
            rc = s->drv->exec(s->db, sql);
        }
        if (rc == 0) {
            rc = s->drv->set_schema_version(s->db, m[i].version);
        }
        if (rc == 0) {
            rc = s->drv->commit(s->db);
        }
        if (rc < 0) {
            s->drv->rollback(s->db);
            relais_error_prefix(_("migration %s"), m[i].path);
            return rc;
        }
        s->version = m[i].version;
    }
    return 0;
}

/* The tables must have one column per field of the catalogue. */
static int check_catalogue(relais_store *s)
{
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        const relais_kind_info *ki = relais_kind_get((relais_kind)k);
        for (size_t f = 0; f < ki->n_fields; f++) {
            bool has;
            int rc = s->drv->has_column(s->db, ki->table, ki->fields[f].name, &has);
            if (rc < 0) {
                return rc;
            }
            if (!has) {
                relais_error_set(_("schéma incohérent : la table %s n'a pas de colonne %s"),
                                 ki->table, ki->fields[f].name);
                return RELAIS_EDB;
            }
        }
    }
    return 0;
}

/* A database made by something else must not get our tables added to it. */
static int check_is_relais(relais_store *s)
{
    if (s->version > 0) {
        bool has;
        int rc = s->drv->has_column(s->db, "setting", "key", &has);
        if (rc < 0) {
            return rc;
        }
        if (!has) {
            relais_error_set(_("%s n'est pas une base relais"), s->location);
            return RELAIS_EDB;
        }
        return 0;
    }
    bool empty;
    int rc = s->drv->is_empty(s->db, &empty);
    if (rc < 0) {
        return rc;
    }
    if (!empty) {
        relais_error_set(_("%s contient déjà des tables : ce n'est pas une base relais"),
                         s->location);
        return RELAIS_EDB;
    }
    return 0;
}

/* Test hook (not in the public header): open and migrate only up to `target`. */
int store_open_at_version(relais_store **out, const char *location, unsigned flags, int target);

int store_open_at_version(relais_store **out, const char *location, unsigned flags, int target)
{
    *out = NULL;
    if (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0) {
        relais_error_set(_("le stockage PostgreSQL n'est pas encore disponible dans cette version "
                           "(%s) : utilisez un fichier SQLite"),
                         "postgresql://");
        return RELAIS_EINVALID;
    }
    relais_store *s = util_calloc(1, sizeof *s);
    if (s == NULL) {
        return RELAIS_ENOMEM;
    }
    s->drv = &store_sqlite_driver;
    s->location = util_strdup(location);
    int rc = s->location ? 0 : RELAIS_ENOMEM;
    bool created = false;
    if (rc == 0) {
        rc = s->drv->open(&s->db, location, (flags & RELAIS_STORE_CREATE) != 0, &created);
    }
    if (rc == 0) {
        rc = s->drv->schema_version(s->db, &s->version);
    }
    if (rc == 0) {
        s->version_at_open = s->version;
        rc = check_is_relais(s);
    }
    if (rc == 0) {
        rc = migrate(s, target, !(flags & RELAIS_STORE_NO_MIGRATE) || created);
    }
    if (rc == 0 && s->version == relais_store_schema_latest()) {
        rc = check_catalogue(s);
    }
    if (rc < 0) {
        relais_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int relais_store_open(relais_store **out, const char *location, unsigned flags)
{
    return store_open_at_version(out, location, flags, 0);
}

void relais_store_close(relais_store *s)
{
    if (s == NULL) {
        return;
    }
    for (int i = 0; i < ST_COUNT_; i++) {
        if (s->st[i]) {
            s->drv->finalize(s->st[i]);
        }
    }
    for (size_t i = 0; i < s->n_cached; i++) {
        s->drv->finalize(s->cached[i].st);
    }
    for (int k = 0; k < RELAIS_KIND_COUNT; k++) {
        kind_statements *ks = &s->kinds[k];
        s->drv->finalize(ks->find);
        s->drv->finalize(ks->get);
        s->drv->finalize(ks->insert);
        s->drv->finalize(ks->insert_many);
        if (ks->set_field) {
            const relais_kind_info *ki = relais_kind_get((relais_kind)k);
            for (size_t f = 0; f < ki->n_fields; f++) {
                s->drv->finalize(ks->set_field[f]);
            }
            util_free(ks->set_field);
        }
    }
    s->drv->finalize(s->entity_many);
    s->drv->finalize(s->entity_one);
    s->drv->finalize(s->change_many);
    if (s->db) {
        s->drv->close(s->db);
    }
    util_free(s->location);
    util_free(s);
}

int relais_store_schema_version(const relais_store *s)
{
    return s->version;
}

int relais_store_schema_version_at_open(const relais_store *s)
{
    return s->version_at_open;
}

const char *relais_store_backend(const relais_store *s)
{
    return s->drv->name;
}

const char *relais_store_location(const relais_store *s)
{
    return s->location;
}

/* -------------------------------------------------------- transactions */

int relais_store_begin(relais_store *s)
{
    if (s->in_transaction) {
        relais_error_set("%s", _("transaction déjà ouverte"));
        return RELAIS_ECONFLICT;
    }
    int rc = s->drv->begin_write(s->db);
    if (rc == 0) {
        s->in_transaction = true;
    }
    return rc;
}

int relais_store_begin_read(relais_store *s)
{
    if (s->in_transaction) {
        relais_error_set("%s", _("transaction déjà ouverte"));
        return RELAIS_ECONFLICT;
    }
    int rc = s->drv->begin_read(s->db);
    if (rc == 0) {
        s->in_transaction = true;
    }
    return rc;
}

int relais_store_commit(relais_store *s)
{
    int rc = s->drv->commit(s->db);
    if (rc < 0) {
        s->drv->rollback(s->db);
    }
    s->in_transaction = false;
    return rc;
}

int relais_store_end_read(relais_store *s)
{
    return relais_store_commit(s);
}

int relais_store_rollback(relais_store *s)
{
    s->in_transaction = false;
    return s->drv->rollback(s->db);
}

bool relais_store_in_transaction(const relais_store *s)
{
    return s->in_transaction;
}

/* ------------------------------------------------------------ settings */

int relais_store_setting_get(const char **out, relais_store *s, util_arena *arena,
                             const char *key)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_SETTING_GET);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, key);
    rc = s->drv->step(st);
    if (rc == 1) {
        *out = store_col_text(s, st, 0, arena);
        rc = *out ? 0 : RELAIS_ENOMEM;
    } else if (rc == 0) {
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_setting_set(relais_store *s, const char *key, const char *value)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_SETTING_SET);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, key);
    store_bind_text(s, st, 2, value);
    return store_step_done(s, st);
}

int relais_store_current_year(int *year, relais_store *s)
{
    util_arena *a;
    int rc = util_arena_new(&a, 256);
    if (rc < 0) {
        return rc;
    }
    const char *v;
    rc = relais_store_setting_get(&v, s, a, "current_year");
    int64_t y;
    if (rc == 0) {
        if (util_parse_int64(v, strlen(v), &y)) {
            *year = (int)y;
        } else {
            relais_error_set(_("année courante invalide dans la base : %s"), v);
            rc = RELAIS_EDB;
        }
    } else if (rc == RELAIS_ENOTFOUND) {
        relais_error_set("%s", _("aucune année scolaire courante : lancez « relais init --year AAAA »"));
    }
    util_arena_free(a);
    return rc;
}

/* ------------------------------------------------------ establishments */

int store_read_establishment(relais_establishment **out, relais_store *s, store_stmt *st,
                             util_arena *arena)
{
    relais_establishment *e = util_arena_alloc(arena, sizeof *e);
    if (e == NULL) {
        return RELAIS_ENOMEM;
    }
    e->id = s->drv->column_int64(st, 0);
    e->uai = store_col_text(s, st, 1, arena);
    e->name = store_col_text(s, st, 2, arena);
    e->type = store_col_text(s, st, 3, arena);
    e->sector = store_col_text(s, st, 4, arena);
    e->organisation_id = s->drv->column_int64(st, 5);
    e->sync_enabled = s->drv->column_int64(st, 6) != 0;
    e->billing_enabled = s->drv->column_int64(st, 7) != 0;
    e->last_sync_at = store_col_text(s, st, 8, arena);
    *out = e;
    return e->uai ? 0 : RELAIS_ENOMEM;
}

/* UAIs are stored with an upper-case check letter. */
void store_normalise_uai(char out[9], const char *uai)
{
    size_t i = 0;
    for (; uai[i] && i < 8; i++) {
        char c = uai[i];
        out[i] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    out[i] = '\0';
}

int relais_store_establishment_find(relais_establishment **out, relais_store *s,
                                    util_arena *arena, const char *uai)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_ETAB_FIND);
    if (rc < 0) {
        return rc;
    }
    char norm[9];
    store_normalise_uai(norm, uai);
    store_bind_text(s, st, 1, norm);
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = store_read_establishment(out, s, st, arena);
    } else if (rc == 0) {
        relais_error_set(_("établissement %s inconnu du hub"), norm);
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_establishment_foreach(relais_store *s, relais_establishment_cb cb, void *payload)
{
    store_stmt *st;
    int rc = s->drv->prepare(&st, s->db,
                             "SELECT " STORE_ETAB_COLUMNS " FROM establishment ORDER BY uai");
    if (rc < 0) {
        return rc;
    }
    util_arena *a = NULL;
    rc = util_arena_new(&a, 1024);
    while (rc == 0 && (rc = s->drv->step(st)) == 1) {
        relais_establishment *e;
        util_arena_reset(a);
        rc = store_read_establishment(&e, s, st, a);
        if (rc == 0) {
            rc = cb(e, payload);
        }
    }
    util_arena_free(a);
    s->drv->finalize(st);
    return rc;
}

int relais_store_establishment_count(size_t *n, relais_store *s)
{
    store_stmt *st;
    int rc = s->drv->prepare(&st, s->db, "SELECT count(*) FROM establishment");
    if (rc < 0) {
        return rc;
    }
    rc = s->drv->step(st);
    if (rc == 1) {
        *n = (size_t)s->drv->column_int64(st, 0);
        rc = 0;
    }
    s->drv->finalize(st);
    return rc;
}

int relais_store_establishment_insert(int64_t *id, relais_store *s, const char *uai,
                                      const char *name, const char *type, const char *sector)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_ETAB_INSERT);
    if (rc < 0) {
        return rc;
    }
    char norm[9], now[21];
    store_normalise_uai(norm, uai);
    util_now_iso(now);
    store_bind_text(s, st, 1, norm);
    store_bind_text(s, st, 2, name);
    store_bind_text(s, st, 3, type);
    store_bind_text(s, st, 4, sector);
    store_bind_text(s, st, 5, now);
    return store_step_insert(id, s, st);
}

int relais_store_establishment_update(relais_store *s, int64_t id, const char *name,
                                      const char *type, const char *sector)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_ETAB_UPDATE);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, name);
    store_bind_text(s, st, 2, type);
    store_bind_text(s, st, 3, sector);
    s->drv->bind_int64(st, 4, id);
    return store_step_done(s, st);
}

/* -------------------------------------------------------------- scopes */

static int read_scope(relais_scope **out, relais_store *s, store_stmt *st, util_arena *arena)
{
    relais_scope *sc = util_arena_alloc(arena, sizeof *sc);
    if (sc == NULL) {
        return RELAIS_ENOMEM;
    }
    sc->id = s->drv->column_int64(st, 0);
    sc->establishment_id = s->drv->column_int64(st, 1);
    sc->uai = store_col_text(s, st, 2, arena);
    sc->year = (int)s->drv->column_int64(st, 3);
    sc->calendar.student_start = store_col_text(s, st, 4, arena);
    sc->calendar.student_end = store_col_text(s, st, 5, arena);
    sc->calendar.staff_start = store_col_text(s, st, 6, arena);
    sc->calendar.staff_end = store_col_text(s, st, 7, arena);
    *out = sc;
    return sc->uai ? 0 : RELAIS_ENOMEM;
}

int relais_store_scope_find(relais_scope **out, relais_store *s, util_arena *arena,
                            const char *uai, int year)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_SCOPE_FIND);
    if (rc < 0) {
        return rc;
    }
    char norm[9];
    store_normalise_uai(norm, uai);
    store_bind_text(s, st, 1, norm);
    s->drv->bind_int64(st, 2, year);
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = read_scope(out, s, st, arena);
    } else if (rc == 0) {
        relais_error_set(_("l'établissement %s n'a pas de données pour l'année %d-%d"), norm, year,
                         year + 1);
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_scope_get(relais_scope **out, relais_store *s, util_arena *arena,
                           int64_t scope_id)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_SCOPE_GET);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, scope_id);
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = read_scope(out, s, st, arena);
    } else if (rc == 0) {
        relais_error_set(_("périmètre %lld inconnu"), (long long)scope_id);
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_scope_insert(int64_t *id, relais_store *s, int64_t establishment_id, int year)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_SCOPE_INSERT);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, establishment_id);
    s->drv->bind_int64(st, 2, year);
    return store_step_insert(id, s, st);
}

int relais_store_scope_set_calendar(relais_store *s, int64_t scope_id, const relais_calendar *c)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_SCOPE_CALENDAR);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, c->student_start);
    store_bind_text(s, st, 2, c->student_end);
    store_bind_text(s, st, 3, c->staff_start);
    store_bind_text(s, st, 4, c->staff_end);
    s->drv->bind_int64(st, 5, scope_id);
    return store_step_done(s, st);
}

/* ------------------------------------------------------------- records */

/* "t.id, t.scope_id, e.is_active, e.deactivated_on, t.<field>…" */
int store_append_select(util_buf *b, const relais_kind_info *ki)
{
    util_buf_puts(b, "SELECT t.id, t.scope_id, e.is_active, e.deactivated_on");
    for (size_t f = 0; f < ki->n_fields; f++) {
        util_buf_printf(b, ", t.%s", ki->fields[f].name);
    }
    util_buf_printf(b, " FROM %s t JOIN entity e ON e.id = t.id", ki->table);
    return b->failed ? RELAIS_ENOMEM : 0;
}

#define SELECT_FIXED_COLUMNS 4

int store_prepare_built(store_stmt **out, relais_store *s, util_buf *b)
{
    if (b->failed) {
        util_buf_free(b);
        return RELAIS_ENOMEM;
    }
    int rc = s->drv->prepare(out, s->db, util_buf_cstr(b));
    util_buf_free(b);
    return rc;
}

static int kind_find_stmt(store_stmt **out, relais_store *s, const relais_kind_info *ki)
{
    kind_statements *ks = &s->kinds[ki->kind];
    if (ks->find == NULL) {
        util_buf b = UTIL_BUF_INIT;
        store_append_select(&b, ki);
        util_buf_puts(&b, " WHERE t.scope_id = ?");
        for (size_t i = 0; i < ki->n_key; i++) {
            const relais_field *f = &ki->fields[ki->key[i]];
            if (f->type == RELAIS_FT_REF) {
                util_buf_printf(&b, " AND COALESCE(t.%s, 0) = ?", f->name);
            } else {
                util_buf_printf(&b, " AND t.%s = ?", f->name);
            }
        }
        int rc = store_prepare_built(&ks->find, s, &b);
        if (rc < 0) {
            return rc;
        }
    }
    *out = ks->find;
    return 0;
}

static int kind_get_stmt(store_stmt **out, relais_store *s, const relais_kind_info *ki)
{
    kind_statements *ks = &s->kinds[ki->kind];
    if (ks->get == NULL) {
        util_buf b = UTIL_BUF_INIT;
        store_append_select(&b, ki);
        util_buf_puts(&b, " WHERE t.id = ?");
        int rc = store_prepare_built(&ks->get, s, &b);
        if (rc < 0) {
            return rc;
        }
    }
    *out = ks->get;
    return 0;
}

/* Build a record from the current row of a statement made by append_select. */
int store_read_record(relais_record **out, relais_store *s, store_stmt *st,
                      const relais_kind_info *ki, util_arena *arena)
{
    relais_record *r = relais_record_new(arena, ki->kind);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    r->id = s->drv->column_int64(st, 0);
    r->scope_id = s->drv->column_int64(st, 1);
    r->is_active = s->drv->column_int64(st, 2) != 0;
    r->deactivated_on = store_col_text(s, st, 3, arena);
    for (size_t f = 0; f < ki->n_fields; f++) {
        int col = (int)f + SELECT_FIXED_COLUMNS;
        if (ki->fields[f].type == RELAIS_FT_REF) {
            r->ref[f] = s->drv->column_is_null(st, col) ? 0 : s->drv->column_int64(st, col);
        } else {
            size_t len;
            const char *t = s->drv->column_text(st, col, &len);
            if (t) {
                r->text[f] = util_arena_strndup(arena, t, len);
                if (r->text[f] == NULL) {
                    return RELAIS_ENOMEM;
                }
            }
        }
    }
    *out = r;
    return 0;
}

int relais_store_record_find(relais_record **out, relais_store *s, util_arena *arena,
                             const relais_record *probe)
{
    const relais_kind_info *ki = relais_kind_get(probe->kind);
    store_stmt *st;
    int rc = kind_find_stmt(&st, s, ki);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, probe->scope_id);
    for (size_t i = 0; i < ki->n_key; i++) {
        size_t f = ki->key[i];
        if (ki->fields[f].type == RELAIS_FT_REF) {
            s->drv->bind_int64(st, (int)i + 2, probe->ref[f] > 0 ? probe->ref[f] : 0);
        } else {
            store_bind_text(s, st, (int)i + 2, probe->text[f]);
        }
    }
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = store_read_record(out, s, st, ki, arena);
    } else if (rc == 0) {
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_record_get(relais_record **out, relais_store *s, util_arena *arena,
                            relais_kind kind, int64_t id)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    store_stmt *st;
    int rc = kind_get_stmt(&st, s, ki);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, id);
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = store_read_record(out, s, st, ki, arena);
    } else if (rc == 0) {
        relais_error_set(_("enregistrement %s %lld introuvable"), ki->name, (long long)id);
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_entity_kind(relais_kind *kind, relais_store *s, int64_t id)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_ENTITY_KIND);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, id);
    rc = s->drv->step(st);
    if (rc == 1) {
        const char *name = s->drv->column_text(st, 0, NULL);
        int k = name ? relais_kind_by_name(name) : -1;
        if (k < 0) {
            relais_error_set(_("entité %lld de type inconnu"), (long long)id);
            rc = RELAIS_EDB;
        } else {
            *kind = (relais_kind)k;
            rc = 0;
        }
    } else if (rc == 0) {
        relais_error_set(_("entité %lld introuvable"), (long long)id);
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_record_foreach(relais_store *s, relais_kind kind, int64_t scope_id,
                                unsigned which, relais_record_cb cb, void *payload)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    if ((which & RELAIS_ANY) == 0) {
        return 0;
    }
    util_buf b = UTIL_BUF_INIT;
    store_append_select(&b, ki);
    util_buf_puts(&b, scope_id > 0 ? " WHERE t.scope_id = ?" : " WHERE ? = 0");
    if (which == RELAIS_ACTIVE) {
        util_buf_puts(&b, " AND e.is_active = 1");
    } else if (which == RELAIS_INACTIVE) {
        util_buf_puts(&b, " AND e.is_active = 0");
    }
    util_buf_puts(&b, " ORDER BY t.id");
    store_stmt *st;
    int rc = store_prepare_built(&st, s, &b);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, scope_id > 0 ? scope_id : 0);
    util_arena *a = NULL;
    rc = util_arena_new(&a, 16 * 1024);
    while (rc == 0 && (rc = s->drv->step(st)) == 1) {
        relais_record *r;
        util_arena_reset(a);
        rc = store_read_record(&r, s, st, ki, a);
        if (rc == 0) {
            rc = cb(r, payload);
        }
    }
    util_arena_free(a);
    s->drv->finalize(st);
    return rc;
}

int relais_store_record_count(size_t *active, size_t *inactive, relais_store *s, relais_kind kind,
                              int64_t scope_id)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    /* Cached: the feed counts students on every poll (advised polling interval). */
    static const char *const by_scope = "SELECT is_active, count(*) FROM entity WHERE "
                                        "scope_id = ? AND kind = ? GROUP BY is_active";
    static const char *const all = "SELECT is_active, count(*) FROM entity WHERE "
                                   "? = 0 AND kind = ? GROUP BY is_active";
    store_stmt *st;
    int rc = store_cached(&st, s, scope_id > 0 ? by_scope : all);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, scope_id > 0 ? scope_id : 0);
    store_bind_text(s, st, 2, ki->name);
    size_t a = 0, i = 0;
    while ((rc = s->drv->step(st)) == 1) {
        size_t n = (size_t)s->drv->column_int64(st, 1);
        if (s->drv->column_int64(st, 0)) {
            a = n;
        } else {
            i = n;
        }
    }
    s->drv->reset(st);
    if (rc < 0) {
        return rc;
    }
    if (active) {
        *active = a;
    }
    if (inactive) {
        *inactive = i;
    }
    return 0;
}

int relais_store_record_any(bool *any, relais_store *s, relais_kind kind, int64_t scope_id)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL) {
        return RELAIS_EINVALID;
    }
    static const char *const sql =
        "SELECT EXISTS (SELECT 1 FROM entity WHERE scope_id = ? AND kind = ?)";
    store_stmt *st;
    int rc = store_cached(&st, s, sql);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, scope_id);
    store_bind_text(s, st, 2, ki->name);
    rc = s->drv->step(st);
    *any = rc == 1 && s->drv->column_int64(st, 0) != 0;
    s->drv->reset(st);
    return rc < 0 ? rc : 0;
}

static int bind_field(relais_store *s, store_stmt *st, int idx, const relais_field *f,
                      const char *text, int64_t ref)
{
    if (f->type == RELAIS_FT_REF) {
        return store_bind_opt_id(s, st, idx, ref);
    }
    return store_bind_text(s, st, idx, text);
}

int relais_store_record_insert(int64_t *id, relais_store *s, const relais_record *r,
                               int64_t run_id)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    for (size_t i = 0; i < ki->n_key; i++) {
        const relais_field *f = &ki->fields[ki->key[i]];
        if (f->type != RELAIS_FT_REF && util_str_empty(r->text[ki->key[i]])) {
            relais_error_set(_("%s : la clé %s est vide"), ki->name, f->name);
            return RELAIS_EINVALID;
        }
        if (f->type == RELAIS_FT_REF && r->ref[ki->key[i]] < 0) {
            relais_error_set(_("%s : référence %s non résolue"), ki->name, f->name);
            return RELAIS_EINVALID;
        }
    }
    store_stmt *st;
    int rc = stmt(&st, s, ST_ENTITY_INSERT);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, ki->name);
    s->drv->bind_int64(st, 2, r->scope_id);
    store_bind_opt_id(s, st, 3, run_id);
    store_bind_opt_id(s, st, 4, run_id);
    store_bind_opt_id(s, st, 5, run_id);
    int64_t new_id = 0;
    rc = store_step_insert(&new_id, s, st);
    if (rc < 0) {
        return rc;
    }
    kind_statements *ks = &s->kinds[r->kind];
    if (ks->insert == NULL) {
        util_buf b = UTIL_BUF_INIT;
        util_buf_printf(&b, "INSERT INTO %s (id, scope_id", ki->table);
        for (size_t f = 0; f < ki->n_fields; f++) {
            util_buf_printf(&b, ", %s", ki->fields[f].name);
        }
        util_buf_puts(&b, ") VALUES (?, ?");
        for (size_t f = 0; f < ki->n_fields; f++) {
            util_buf_puts(&b, ", ?");
        }
        util_buf_puts(&b, ")");
        rc = store_prepare_built(&ks->insert, s, &b);
        if (rc < 0) {
            return rc;
        }
    }
    st = ks->insert;
    s->drv->bind_int64(st, 1, new_id);
    s->drv->bind_int64(st, 2, r->scope_id);
    for (size_t f = 0; f < ki->n_fields; f++) {
        bind_field(s, st, (int)f + 3, &ki->fields[f], r->text[f], r->ref[f]);
    }
    rc = store_step_done(s, st);
    if (rc == RELAIS_ECONFLICT) {
        relais_error_prefix(_("%s en double"), ki->name);
    }
    if (rc == 0 && !r->is_active) {
        rc = relais_store_record_set_active(s, new_id, false, r->deactivated_on, run_id);
    }
    if (rc == 0) {
        *id = new_id;
    }
    return rc;
}

int relais_store_record_set_field(relais_store *s, relais_kind kind, int64_t id, size_t field,
                                  const char *text, int64_t ref, int64_t run_id)
{
    const relais_kind_info *ki = relais_kind_get(kind);
    if (ki == NULL || field >= ki->n_fields) {
        relais_error_set("%s", _("champ inconnu"));
        return RELAIS_EINVALID;
    }
    kind_statements *ks = &s->kinds[kind];
    if (ks->set_field == NULL) {
        ks->set_field = util_calloc(ki->n_fields, sizeof *ks->set_field);
        if (ks->set_field == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    int rc;
    if (ks->set_field[field] == NULL) {
        util_buf b = UTIL_BUF_INIT;
        util_buf_printf(&b, "UPDATE %s SET %s = ? WHERE id = ?", ki->table, ki->fields[field].name);
        rc = store_prepare_built(&ks->set_field[field], s, &b);
        if (rc < 0) {
            return rc;
        }
    }
    store_stmt *st = ks->set_field[field];
    bind_field(s, st, 1, &ki->fields[field], text, ref);
    s->drv->bind_int64(st, 2, id);
    rc = store_step_done(s, st);
    if (rc < 0) {
        return rc;
    }
    rc = stmt(&st, s, ST_ENTITY_UPDATED);
    if (rc < 0) {
        return rc;
    }
    store_bind_opt_id(s, st, 1, run_id);
    store_bind_opt_id(s, st, 2, run_id);
    s->drv->bind_int64(st, 3, id);
    return store_step_done(s, st);
}

int relais_store_record_set_active(relais_store *s, int64_t id, bool active, const char *date,
                                   int64_t run_id)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_ENTITY_ACTIVE);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, active ? 1 : 0);
    store_bind_text(s, st, 2, active ? NULL : date);
    store_bind_opt_id(s, st, 3, run_id);
    /* A restored record was seen by this run; a deactivated one keeps its last sighting. */
    store_bind_opt_id(s, st, 4, active ? run_id : 0);
    s->drv->bind_int64(st, 5, id);
    return store_step_done(s, st);
}

int relais_store_record_touch(relais_store *s, int64_t id, int64_t run_id)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_ENTITY_TOUCH);
    if (rc < 0) {
        return rc;
    }
    store_bind_opt_id(s, st, 1, run_id);
    s->drv->bind_int64(st, 2, id);
    return store_step_done(s, st);
}

/* ------------------------------------------------------- batched writes */

int relais_store_defer_constraints(relais_store *s)
{
    return s->drv->defer_constraints(s->db);
}

int relais_store_set_cache(relais_store *s, size_t bytes)
{
    return s->drv->set_cache(s->db, bytes);
}

int relais_store_entity_next_id(int64_t *next, relais_store *s)
{
    return s->drv->next_entity_id(s->db, next);
}

/* "INSERT INTO t (cols) VALUES (?, …), (?, …)…" with `rows` groups of `per_row` "?". */
static int prepare_rows(store_stmt **out, relais_store *s, const char *head, const char *row,
                        size_t rows)
{
    util_buf b = UTIL_BUF_INIT;
    util_buf_puts(&b, head);
    for (size_t i = 0; i < rows; i++) {
        util_buf_puts(&b, i ? ", " : " VALUES ");
        util_buf_puts(&b, row);
    }
    return store_prepare_built(out, s, &b);
}

static const char entity_head[] = "INSERT INTO entity (id, kind, scope_id, is_active, "
                                  "deactivated_on, created_run, updated_run, last_seen_run)";
static const char entity_row[] = "(?, ?, ?, ?, ?, ?, ?, ?)";

static void bind_entity(relais_store *s, store_stmt *st, int base, const relais_record *r,
                        int64_t run_id)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    s->drv->bind_int64(st, base + 1, r->id);
    store_bind_text(s, st, base + 2, ki->name);
    s->drv->bind_int64(st, base + 3, r->scope_id);
    s->drv->bind_int64(st, base + 4, r->is_active ? 1 : 0);
    store_bind_text(s, st, base + 5, r->is_active ? NULL : r->deactivated_on);
    store_bind_opt_id(s, st, base + 6, run_id);
    store_bind_opt_id(s, st, base + 7, run_id);
    store_bind_opt_id(s, st, base + 8, run_id);
}

static int check_insertable(const relais_record *r)
{
    const relais_kind_info *ki = relais_kind_get(r->kind);
    if (r->id <= 0) {
        relais_error_set(_("%s : identifiant à attribuer absent"), ki->name);
        return RELAIS_EINVALID;
    }
    for (size_t i = 0; i < ki->n_key; i++) {
        const relais_field *f = &ki->fields[ki->key[i]];
        if (f->type != RELAIS_FT_REF && util_str_empty(r->text[ki->key[i]])) {
            relais_error_set(_("%s : la clé %s est vide"), ki->name, f->name);
            return RELAIS_EINVALID;
        }
        if (f->type == RELAIS_FT_REF && r->ref[ki->key[i]] < 0) {
            relais_error_set(_("%s : référence %s non résolue"), ki->name, f->name);
            return RELAIS_EINVALID;
        }
    }
    return 0;
}

static int insert_entities(relais_store *s, const relais_record *const *recs, size_t n,
                           int64_t run_id)
{
    int rc = 0;
    size_t i = 0;
    if (n >= ENTITY_BATCH && s->entity_many == NULL) {
        rc = prepare_rows(&s->entity_many, s, entity_head, entity_row, ENTITY_BATCH);
    }
    for (; rc == 0 && n - i >= ENTITY_BATCH; i += ENTITY_BATCH) {
        for (size_t k = 0; k < ENTITY_BATCH; k++) {
            bind_entity(s, s->entity_many, (int)k * 8, recs[i + k], run_id);
        }
        rc = store_step_done(s, s->entity_many);
    }
    if (rc == 0 && i < n && s->entity_one == NULL) {
        rc = prepare_rows(&s->entity_one, s, entity_head, entity_row, 1);
    }
    for (; rc == 0 && i < n; i++) {
        bind_entity(s, s->entity_one, 0, recs[i], run_id);
        rc = store_step_done(s, s->entity_one);
    }
    if (rc == RELAIS_ECONFLICT) {
        relais_error_prefix("%s", _("identifiant d'entité déjà pris"));
    }
    return rc;
}

static void bind_kind_row(relais_store *s, store_stmt *st, int base, const relais_kind_info *ki,
                          const relais_record *r)
{
    s->drv->bind_int64(st, base + 1, r->id);
    s->drv->bind_int64(st, base + 2, r->scope_id);
    for (size_t f = 0; f < ki->n_fields; f++) {
        bind_field(s, st, base + (int)f + 3, &ki->fields[f], r->text[f], r->ref[f]);
    }
}

static int kind_insert_stmt(store_stmt **out, relais_store *s, const relais_kind_info *ki,
                            size_t rows)
{
    util_buf head = UTIL_BUF_INIT, row = UTIL_BUF_INIT;
    util_buf_printf(&head, "INSERT INTO %s (id, scope_id", ki->table);
    util_buf_puts(&row, "(?, ?");
    for (size_t f = 0; f < ki->n_fields; f++) {
        util_buf_printf(&head, ", %s", ki->fields[f].name);
        util_buf_puts(&row, ", ?");
    }
    util_buf_puts(&head, ")");
    util_buf_puts(&row, ")");
    int rc = head.failed || row.failed
                 ? RELAIS_ENOMEM
                 : prepare_rows(out, s, util_buf_cstr(&head), util_buf_cstr(&row), rows);
    util_buf_free(&head);
    util_buf_free(&row);
    return rc;
}

/* The kind rows of n records of one kind. */
static int insert_kind_rows(relais_store *s, const relais_kind_info *ki,
                            const relais_record *const *recs, size_t n)
{
    kind_statements *ks = &s->kinds[ki->kind];
    if (ks->batch == 0) {
        ks->batch = UTIL_MIN((size_t)64, MAX_BATCH_PARAMS / (ki->n_fields + 2));
    }
    int rc = 0;
    size_t i = 0;
    if (n >= ks->batch && ks->insert_many == NULL) {
        rc = kind_insert_stmt(&ks->insert_many, s, ki, ks->batch);
    }
    size_t one_by_one = 0; /* rows of a failed batch, retried alone to name the culprit */
    for (; rc == 0 && n - i >= ks->batch; i += ks->batch) {
        for (size_t k = 0; k < ks->batch; k++) {
            bind_kind_row(s, ks->insert_many, (int)(k * (ki->n_fields + 2)), ki, recs[i + k]);
        }
        rc = store_step_done(s, ks->insert_many);
        if (rc == RELAIS_ECONFLICT) {
            rc = 0; /* the statement was rolled back alone */
            one_by_one = ks->batch;
            break;
        }
    }
    if (rc == 0 && i < n && ks->insert == NULL) {
        rc = kind_insert_stmt(&ks->insert, s, ki, 1);
    }
    for (; rc == 0 && i < n; i++) {
        bind_kind_row(s, ks->insert, 0, ki, recs[i]);
        rc = store_step_done(s, ks->insert);
        if (rc == RELAIS_ECONFLICT) {
            util_arena *a = NULL;
            const char *label = NULL;
            if (util_arena_new(&a, 1024) == 0) {
                label = relais_record_label(recs[i], a);
            }
            relais_error_prefix(_("%s en double"), label ? label : ki->name);
            util_arena_free(a);
        }
        if (one_by_one > 0 && --one_by_one == 0 && rc == 0 && n - (i + 1) >= ks->batch) {
            return insert_kind_rows(s, ki, recs + i + 1, n - (i + 1));
        }
    }
    return rc;
}

int relais_store_record_insert_many(relais_store *s, const relais_record *const *recs, size_t n,
                                    int64_t run_id)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = check_insertable(recs[i]);
    }
    if (rc == 0) {
        rc = insert_entities(s, recs, n, run_id);
    }
    /* Kind rows, kind by kind, each in the given order. */
    const relais_record **by_kind = rc == 0 ? util_malloc(n * sizeof *by_kind) : NULL;
    if (rc == 0 && by_kind == NULL && n > 0) {
        rc = RELAIS_ENOMEM;
    }
    size_t at = 0;
    for (int k = 0; k < RELAIS_KIND_COUNT && rc == 0; k++) {
        size_t start = at;
        for (size_t i = 0; i < n; i++) {
            if (recs[i]->kind == (relais_kind)k) {
                by_kind[at++] = recs[i];
            }
        }
        if (at > start) {
            rc = insert_kind_rows(s, relais_kind_get((relais_kind)k), by_kind + start,
                                  at - start);
        }
    }
    util_free(by_kind);
    return rc;
}

static void bind_change(relais_store *s, store_stmt *st, int base, const relais_change *c)
{
    s->drv->bind_int64(st, base + 1, c->run_id);
    store_bind_opt_id(s, st, base + 2, c->scope_id);
    store_bind_text(s, st, base + 3, c->kind);
    s->drv->bind_int64(st, base + 4, c->entity_id);
    store_bind_text(s, st, base + 5, c->op);
    store_bind_text(s, st, base + 6, c->data);
}

int relais_store_change_append_many(relais_store *s, const relais_change *c, size_t n)
{
    static const char head[] = "INSERT INTO change (run_id, scope_id, kind, entity_id, op, data)";
    int rc = 0;
    size_t i = 0;
    if (n >= CHANGE_BATCH && s->change_many == NULL) {
        rc = prepare_rows(&s->change_many, s, head, "(?, ?, ?, ?, ?, ?)", CHANGE_BATCH);
    }
    for (; rc == 0 && n - i >= CHANGE_BATCH; i += CHANGE_BATCH) {
        for (size_t k = 0; k < CHANGE_BATCH; k++) {
            bind_change(s, s->change_many, (int)k * 6, &c[i + k]);
        }
        rc = store_step_done(s, s->change_many);
    }
    for (; rc == 0 && i < n; i++) {
        rc = relais_store_change_append(NULL, s, &c[i]);
    }
    return rc;
}

/* -------------------------------------------------------------- journal */

int store_read_run(relais_run **out, relais_store *s, store_stmt *st, util_arena *arena)
{
    relais_run *r = util_arena_alloc(arena, sizeof *r);
    if (r == NULL) {
        return RELAIS_ENOMEM;
    }
    r->id = s->drv->column_int64(st, 0);
    r->command = store_col_text(s, st, 1, arena);
    r->status = store_col_text(s, st, 2, arena);
    r->started_at = store_col_text(s, st, 3, arena);
    r->finished_at = store_col_text(s, st, 4, arena);
    r->sources = store_col_text(s, st, 5, arena);
    r->summary = store_col_text(s, st, 6, arena);
    r->reason = store_col_text(s, st, 7, arena);
    r->approved_at = store_col_text(s, st, 8, arena);
    r->reverts = s->drv->column_int64(st, 9);
    r->reverted_by = s->drv->column_int64(st, 10);
    *out = r;
    return 0;
}

int relais_store_run_last(relais_run **out, relais_store *s, util_arena *arena, int64_t scope_id)
{
    store_stmt *st;
    int rc = stmt(&st, s, scope_id > 0 ? ST_RUN_LAST_SCOPE : ST_RUN_LAST);
    if (rc < 0) {
        return rc;
    }
    if (scope_id > 0) {
        s->drv->bind_int64(st, 1, scope_id);
    }
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = store_read_run(out, s, st, arena);
    } else if (rc == 0) {
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_run_get(relais_run **out, relais_store *s, util_arena *arena, int64_t run_id)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_RUN_GET);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, run_id);
    rc = s->drv->step(st);
    if (rc == 1) {
        rc = store_read_run(out, s, st, arena);
    } else if (rc == 0) {
        relais_error_set(_("exécution %lld introuvable"), (long long)run_id);
        rc = RELAIS_ENOTFOUND;
    }
    s->drv->reset(st);
    return rc;
}

int relais_store_run_insert(int64_t *id, relais_store *s, const char *command, const char *status,
                            const char *started_at, const char *sources)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_RUN_INSERT);
    if (rc < 0) {
        return rc;
    }
    store_bind_text(s, st, 1, command);
    store_bind_text(s, st, 2, status);
    store_bind_text(s, st, 3, started_at);
    store_bind_text(s, st, 4, sources);
    return store_step_insert(id, s, st);
}

int relais_store_run_finish(relais_store *s, int64_t run_id, const char *status,
                            const char *summary)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_RUN_FINISH);
    if (rc < 0) {
        return rc;
    }
    char now[21];
    util_now_iso(now);
    store_bind_text(s, st, 1, status);
    store_bind_text(s, st, 2, summary);
    store_bind_text(s, st, 3, now);
    s->drv->bind_int64(st, 4, run_id);
    return store_step_done(s, st);
}

int relais_store_run_scope_add(relais_store *s, int64_t run_id, int64_t scope_id,
                               const char *summary)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_RUN_SCOPE_ADD);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, run_id);
    s->drv->bind_int64(st, 2, scope_id);
    store_bind_text(s, st, 3, summary);
    return store_step_done(s, st);
}

int relais_store_change_append(int64_t *seq, relais_store *s, const relais_change *c)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_CHANGE_APPEND);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, c->run_id);
    store_bind_opt_id(s, st, 2, c->scope_id);
    store_bind_text(s, st, 3, c->kind);
    s->drv->bind_int64(st, 4, c->entity_id);
    store_bind_text(s, st, 5, c->op);
    store_bind_text(s, st, 6, c->data);
    int64_t v = 0;
    rc = store_step_insert(&v, s, st);
    if (rc == 0 && seq) {
        *seq = v;
    }
    return rc;
}

static int foreach_change_rows(relais_store *s, store_stmt *st, relais_change_cb cb, void *payload)
{
    int rc;
    while ((rc = s->drv->step(st)) == 1) {
        relais_change c = {
            .seq = s->drv->column_int64(st, 0),
            .run_id = s->drv->column_int64(st, 1),
            .scope_id = s->drv->column_int64(st, 2),
            .kind = s->drv->column_text(st, 3, NULL),
            .entity_id = s->drv->column_int64(st, 4),
            .op = s->drv->column_text(st, 5, NULL),
            .data = s->drv->column_text(st, 6, NULL),
        };
        rc = cb(&c, payload);
        if (rc != 0) {
            break;
        }
    }
    s->drv->finalize(st);
    return rc;
}

int relais_store_change_foreach_run(relais_store *s, int64_t run_id, relais_change_cb cb,
                                    void *payload)
{
    store_stmt *st;
    int rc = s->drv->prepare(&st, s->db,
                             "SELECT seq, run_id, COALESCE(scope_id, 0), kind, entity_id, op, data "
                             "FROM change WHERE run_id = ? ORDER BY seq");
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, run_id);
    return foreach_change_rows(s, st, cb, payload);
}

int relais_store_change_foreach(relais_store *s, int64_t after_seq, int64_t scope_id, size_t limit,
                                relais_change_cb cb, void *payload)
{
    util_buf b = UTIL_BUF_INIT;
    util_buf_puts(&b, "SELECT seq, run_id, COALESCE(scope_id, 0), kind, entity_id, op, data "
                      "FROM change WHERE seq > ?");
    util_buf_puts(&b, scope_id > 0 ? " AND scope_id = ?" : " AND ? = 0");
    util_buf_puts(&b, " ORDER BY seq");
    if (limit > 0) {
        util_buf_printf(&b, " LIMIT %zu", limit);
    }
    store_stmt *st;
    int rc = store_prepare_built(&st, s, &b);
    if (rc < 0) {
        return rc;
    }
    s->drv->bind_int64(st, 1, after_seq);
    s->drv->bind_int64(st, 2, scope_id > 0 ? scope_id : 0);
    return foreach_change_rows(s, st, cb, payload);
}

int relais_store_change_last_seq(int64_t *seq, relais_store *s)
{
    store_stmt *st;
    int rc = stmt(&st, s, ST_CHANGE_LAST);
    if (rc < 0) {
        return rc;
    }
    rc = s->drv->step(st);
    if (rc == 1) {
        *seq = s->drv->column_int64(st, 0);
        rc = 0;
    }
    s->drv->reset(st);
    return rc;
}

/* ------------------------------------------ internal (store_internal.h) */

const store_driver *store_drv(const relais_store *s)
{
    return s->drv;
}

store_db *store_handle(relais_store *s)
{
    return s->db;
}

bool store_cached_find(store_stmt **out, relais_store *s, const void *key)
{
    for (size_t i = 0; i < s->n_cached; i++) {
        if (s->cached[i].key == key) {
            *out = s->cached[i].st;
            return true;
        }
    }
    return false;
}

/* Prepare `sql` (an insert generating `key_column` when not NULL) and keep it under `key`. */
static int cache_prepared(store_stmt **out, relais_store *s, const void *key, const char *sql,
                          const char *key_column)
{
    if (s->n_cached == STORE_CACHED_MAX) {
        /* Never expected (a fixed set of statements): fail rather than grow without bound. */
        relais_error_set("%s", _("trop de requêtes préparées"));
        return RELAIS_EDB;
    }
    store_stmt *st;
    int rc = key_column ? s->drv->prepare_insert(&st, s->db, sql, key_column)
                        : s->drv->prepare(&st, s->db, sql);
    if (rc < 0) {
        return rc;
    }
    s->cached[s->n_cached].key = key;
    s->cached[s->n_cached].st = st;
    s->n_cached++;
    *out = st;
    return 0;
}

int store_cached_add(store_stmt **out, relais_store *s, const void *key, const char *sql)
{
    return cache_prepared(out, s, key, sql, NULL);
}

int store_cached(store_stmt **out, relais_store *s, const char *sql)
{
    if (store_cached_find(out, s, sql)) {
        return 0;
    }
    return cache_prepared(out, s, sql, sql, NULL);
}

int store_cached_insert(store_stmt **out, relais_store *s, const char *sql)
{
    if (store_cached_find(out, s, sql)) {
        return 0;
    }
    return cache_prepared(out, s, sql, sql, "id");
}
