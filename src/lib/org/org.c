/*
 * org.c — organisations, data categories and sync keys (org.h).
 *
 * Keys come from libsodium's CSPRNG; the hub stores BLAKE2b-256 of the key
 * (a fast hash is right here: the key has 128 random bits, so there is
 * nothing to brute-force, and the server checks a key on every poll).
 */
#include "org/org.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* ------------------------------------------------------------ categories */

static const char *const cat_names[ORG_CAT_COUNT] = {
#define ORG_CAT_NAME(e, name, label) name,
    ORG_CATEGORIES(ORG_CAT_NAME)
#undef ORG_CAT_NAME
};

/* Listed again (not through the X-macro) so that xgettext sees every label. */
static const char *const cat_labels[] = {
    N_("civilité"),     N_("provenance"), N_("niveau"),       N_("classe"),
    N_("lien de parenté"), N_("régime"), N_("matière"),     N_("périscolaire"),
    N_("profession"),   N_("statut"),     N_("MEF"),
};
_Static_assert(UTIL_ARRAY_LEN(cat_labels) == ORG_CAT_COUNT, "one label per category");

const char *org_category_name(org_category c)
{
    return (unsigned)c < ORG_CAT_COUNT ? cat_names[c] : NULL;
}

const char *org_category_label(org_category c)
{
    return (unsigned)c < ORG_CAT_COUNT ? _(cat_labels[c]) : "";
}

int org_categories_parse(unsigned *mask, const char *text)
{
    *mask = 0;
    if (strcmp(text, "all") == 0) {
        *mask = ORG_CAT_ALL;
        return 0;
    }
    if (strcmp(text, "none") == 0 || text[0] == '\0') {
        return 0;
    }
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, ",");
        size_t tlen = len;
        const char *word = util_trim(p, &tlen);
        bool found = false;
        for (int c = 0; c < ORG_CAT_COUNT; c++) {
            if (strlen(cat_names[c]) == tlen && strncmp(cat_names[c], word, tlen) == 0) {
                *mask |= ORG_CAT_BIT(c);
                found = true;
            }
        }
        if (!found) {
            relais_error_set(_("catégorie inconnue : « %.*s » (attendu : all, none, ou parmi "
                               "civilite, provenance, niveau, classe, lien_parente, regime, "
                               "matiere, periscolaire, profession, statut, mef)"),
                             (int)tlen, word);
            return RELAIS_EINVALID;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    return 0;
}

int org_categories_format(char *out, size_t size, unsigned mask)
{
    util_buf b = UTIL_BUF_INIT;
    for (int c = 0; c < ORG_CAT_COUNT; c++) {
        if (mask & ORG_CAT_BIT(c)) {
            if (b.len) {
                util_buf_putc(&b, ',');
            }
            util_buf_puts(&b, cat_names[c]);
        }
    }
    int rc = b.failed ? RELAIS_ENOMEM : util_snprintf(out, size, "%s", util_buf_cstr(&b));
    util_buf_free(&b);
    return rc;
}

/* ----------------------------------------------------------------- UAIs */

static int uai_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int org_parse_uais(char uais[][9], size_t *n, const char *text, char sep, size_t max)
{
    *n = 0;
    const char *p = text;
    if (*p == '\0') {
        relais_error_set("%s", _("aucun UAI"));
        return RELAIS_EINVALID;
    }
    for (;;) {
        const char *end = strchr(p, sep);
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (*n == max) {
            relais_error_set(_("trop d'établissements (%zu au plus)"), max);
            return RELAIS_EINVALID;
        }
        bool ok = len == 8;
        for (size_t i = 0; ok && i < 7; i++) {
            ok = p[i] >= '0' && p[i] <= '9';
        }
        char letter = ok ? p[7] : 0;
        if (letter >= 'a' && letter <= 'z') {
            letter = (char)(letter - 'a' + 'A');
        }
        if (!ok || letter < 'A' || letter > 'Z') {
            relais_error_set(_("UAI invalide : « %.*s » (7 chiffres et une lettre attendus)"),
                             (int)UTIL_MIN(len, 32), p);
            return RELAIS_EINVALID;
        }
        memcpy(uais[*n], p, 7);
        uais[*n][7] = letter;
        uais[*n][8] = '\0';
        (*n)++;
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    qsort(uais, *n, sizeof uais[0], uai_cmp);
    for (size_t i = 1; i < *n; i++) {
        if (strcmp(uais[i - 1], uais[i]) == 0) {
            relais_error_set(_("UAI en double : %s"), uais[i]);
            return RELAIS_EINVALID;
        }
    }
    return 0;
}

int org_join_uais(char *out, size_t size, char uais[][9], size_t n)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (pos + 9 + 1 > size) {
            return RELAIS_EINVALID;
        }
        if (i) {
            out[pos++] = '_';
        }
        memcpy(out + pos, uais[i], 8);
        pos += 8;
    }
    if (pos >= size) {
        return RELAIS_EINVALID;
    }
    out[pos] = '\0';
    return 0;
}

/* ---------------------------------------------------------- organisations */

typedef struct detach_ctx {
    relais_store *s;
    char (*keep)[9];
    size_t n_keep;
} detach_ctx;

static int detach_others(const relais_establishment *e, void *payload)
{
    detach_ctx *c = payload;
    for (size_t i = 0; i < c->n_keep; i++) {
        if (strcmp(c->keep[i], e->uai) == 0) {
            return 0;
        }
    }
    return relais_store_establishment_set_org(c->s, e->id, 0);
}

/* Attach each UAI to org_id; they must exist and belong to no other organisation. */
static int attach(relais_store *s, int64_t org_id, char uais[][9], size_t n)
{
    util_arena *a = NULL;
    int rc = util_arena_new(&a, 1024);
    for (size_t i = 0; i < n && rc == 0; i++) {
        relais_establishment *e;
        util_arena_reset(a);
        rc = relais_store_establishment_find(&e, s, a, uais[i]);
        if (rc == RELAIS_ENOTFOUND) {
            relais_error_set(_("établissement %s inconnu du hub : importez ses données d'abord"),
                             uais[i]);
            break;
        }
        if (rc == 0 && e->organisation_id > 0 && e->organisation_id != org_id) {
            relais_organisation *other = NULL;
            if (relais_store_org_get(&other, s, a, e->organisation_id) == 0) {
                relais_error_set(_("l'établissement %s appartient déjà à l'organisation « %s »"),
                                 uais[i], other->name);
            }
            rc = RELAIS_ECONFLICT;
        }
        if (rc == 0) {
            rc = relais_store_establishment_set_org(s, e->id, org_id);
        }
    }
    util_arena_free(a);
    return rc;
}

static int finish_txn(relais_store *s, int rc)
{
    if (rc == 0) {
        return relais_store_commit(s);
    }
    relais_store_rollback(s);
    return rc;
}

int org_add(int64_t *id, relais_store *s, const char *name, char uais[][9], size_t n)
{
    if (util_str_empty(name) || strlen(name) > 100) {
        relais_error_set("%s", _("nom d'organisation vide ou trop long (100 caractères au plus)"));
        return RELAIS_EINVALID;
    }
    int rc = relais_store_begin(s);
    if (rc < 0) {
        return rc;
    }
    rc = relais_store_org_insert(id, s, name);
    if (rc == 0) {
        rc = attach(s, *id, uais, n);
    }
    return finish_txn(s, rc);
}

int org_set_establishments(relais_store *s, int64_t org_id, char uais[][9], size_t n)
{
    int rc = relais_store_begin(s);
    if (rc < 0) {
        return rc;
    }
    detach_ctx c = {s, uais, n};
    rc = relais_store_org_establishments(s, org_id, detach_others, &c);
    if (rc == 0) {
        rc = attach(s, org_id, uais, n);
    }
    return finish_txn(s, rc);
}

/* ------------------------------------------------------------------ keys */

static int sodium_ready(void)
{
    if (sodium_init() < 0) {
        relais_error_set("%s", _("libsodium n'a pas pu s'initialiser"));
        return RELAIS_EIO;
    }
    return 0;
}

bool org_key_well_formed(const char *key, size_t len)
{
    if (len != ORG_KEY_LEN) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

void org_key_hash(char hex[ORG_HASH_HEX_LEN + 1], const char *key, size_t len)
{
    unsigned char upper[ORG_KEY_LEN];
    unsigned char digest[32];
    size_t n = UTIL_MIN(len, sizeof upper);
    for (size_t i = 0; i < n; i++) {
        char c = key[i];
        upper[i] = (unsigned char)((c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c);
    }
    crypto_generichash(digest, sizeof digest, upper, n, NULL, 0);
    sodium_bin2hex(hex, ORG_HASH_HEX_LEN + 1, digest, sizeof digest);
    sodium_memzero(upper, sizeof upper);
}

/* A fresh key: 16 random bytes as 32 upper-case hexadecimal characters. */
static void make_key(char key[ORG_KEY_LEN + 1])
{
    unsigned char raw[ORG_KEY_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < sizeof raw; i++) {
        key[2 * i] = digits[raw[i] >> 4];
        key[2 * i + 1] = digits[raw[i] & 15];
    }
    key[ORG_KEY_LEN] = '\0';
    sodium_memzero(raw, sizeof raw);
}

static int insert_key(char key[ORG_KEY_LEN + 1], int64_t *key_id, relais_store *s, int64_t org_id,
                      int64_t replaces)
{
    char hash[ORG_HASH_HEX_LEN + 1];
    make_key(key);
    org_key_hash(hash, key, ORG_KEY_LEN);
    return relais_store_key_insert(key_id, s, org_id, hash, key + ORG_KEY_LEN - 4, replaces);
}

int org_key_new(char key[ORG_KEY_LEN + 1], int64_t *key_id, relais_store *s, int64_t org_id,
                int64_t replaces)
{
    int rc = sodium_ready();
    if (rc < 0) {
        return rc;
    }
    rc = insert_key(key, key_id, s, org_id, replaces);
    if (rc < 0) {
        sodium_memzero(key, ORG_KEY_LEN + 1);
    }
    return rc;
}

typedef struct valid_keys {
    int64_t ids[64];
    size_t n;
} valid_keys;

static int collect_key(const relais_sync_key *k, void *payload)
{
    valid_keys *v = payload;
    if (v->n < UTIL_ARRAY_LEN(v->ids)) {
        v->ids[v->n++] = k->id;
    }
    return 0;
}

int org_key_rotate(char key[ORG_KEY_LEN + 1], int64_t *key_id, int64_t *revoked_id,
                   relais_store *s, int64_t org_id, int64_t old_id)
{
    int rc = sodium_ready();
    if (rc < 0) {
        return rc;
    }
    rc = relais_store_begin(s);
    if (rc < 0) {
        return rc;
    }
    valid_keys v = {.n = 0};
    rc = relais_store_key_foreach(s, org_id, true, collect_key, &v);
    if (rc == 0 && old_id == 0) {
        if (v.n == 1) {
            old_id = v.ids[0];
        } else {
            relais_error_set("%s", v.n == 0 ? _("l'organisation n'a aucune clé valide : créez-en une "
                                                "avec « relais keys new »")
                                            : _("l'organisation a plusieurs clés valides : "
                                                "précisez laquelle avec --id"));
            rc = v.n == 0 ? RELAIS_ENOTFOUND : RELAIS_EINVALID;
        }
    } else if (rc == 0) {
        bool found = false;
        for (size_t i = 0; i < v.n; i++) {
            found = found || v.ids[i] == old_id;
        }
        if (!found) {
            relais_error_set(_("clé n°%lld inconnue ou déjà révoquée pour cette organisation"),
                             (long long)old_id);
            rc = RELAIS_ENOTFOUND;
        }
    }
    if (rc == 0) {
        rc = insert_key(key, key_id, s, org_id, old_id);
    }
    if (rc == 0) {
        rc = relais_store_key_revoke(s, old_id);
    }
    if (rc == 0) {
        rc = relais_store_cursor_move_key(s, old_id, *key_id);
    }
    if (rc == 0) {
        *revoked_id = old_id;
    }
    rc = finish_txn(s, rc);
    if (rc < 0) {
        sodium_memzero(key, ORG_KEY_LEN + 1);
    }
    return rc;
}

int org_key_revoke(size_t *n, relais_store *s, int64_t org_id, int64_t key_id)
{
    *n = 0;
    int rc = relais_store_begin(s);
    if (rc < 0) {
        return rc;
    }
    valid_keys v = {.n = 0};
    rc = relais_store_key_foreach(s, org_id, true, collect_key, &v);
    for (size_t i = 0; i < v.n && rc == 0; i++) {
        if (key_id == 0 || v.ids[i] == key_id) {
            rc = relais_store_key_revoke(s, v.ids[i]);
            (*n)++;
        }
    }
    if (rc == 0 && key_id != 0 && *n == 0) {
        relais_error_set(_("clé n°%lld inconnue ou déjà révoquée pour cette organisation"),
                         (long long)key_id);
        rc = RELAIS_ENOTFOUND;
    }
    return finish_txn(s, rc);
}

/* ----------------------------------------------------------- authenticate */

typedef struct key_match {
    char hash[ORG_HASH_HEX_LEN + 1];
    int64_t key_id;
} key_match;

static int match_key(const relais_sync_key *k, void *payload)
{
    key_match *m = payload;
    /* Every valid key is compared, whatever the outcome of the previous ones. */
    if (strlen(k->hash) == ORG_HASH_HEX_LEN &&
        sodium_memcmp(k->hash, m->hash, ORG_HASH_HEX_LEN) == 0) {
        m->key_id = k->id;
    }
    return 0;
}

int org_authenticate(org_auth *out, relais_store *s, util_arena *arena, char uais[][9], size_t n,
                     const char *key, size_t key_len)
{
    memset(out, 0, sizeof *out);
    if (sodium_ready() < 0) {
        return RELAIS_EIO;
    }
    /* Hash first, whatever the key looks like, so that the work done does not
     * depend on how wrong the request is. */
    key_match m = {.key_id = 0};
    org_key_hash(m.hash, key, key_len);
    bool ok = org_key_well_formed(key, key_len) && n > 0 && n <= ORG_MAX_UAIS;
    int64_t org_id = 0;
    int rc = 0;
    for (size_t i = 0; i < n && ok; i++) {
        relais_establishment *e = NULL;
        rc = relais_store_establishment_find(&e, s, arena, uais[i]);
        if (rc == RELAIS_ENOTFOUND) {
            rc = 0;
            ok = false;
            break;
        }
        if (rc < 0) {
            return rc;
        }
        if (e->organisation_id <= 0 || (org_id && e->organisation_id != org_id)) {
            ok = false;
        }
        org_id = e->organisation_id;
        out->etabs[i] = e;
    }
    if (ok) {
        rc = relais_store_key_foreach(s, org_id, true, match_key, &m);
        if (rc < 0) {
            return rc;
        }
        ok = m.key_id > 0;
    }
    if (ok) {
        rc = relais_store_org_get(&out->org, s, arena, org_id);
        if (rc < 0) {
            return rc;
        }
    }
    if (!ok) {
        relais_error_clear();
        return RELAIS_ENOTFOUND;
    }
    out->org_id = org_id;
    out->key_id = m.key_id;
    return 0;
}
