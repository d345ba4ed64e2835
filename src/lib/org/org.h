/*
 * org.h — the face of the org module: organisations (groups of
 * establishments sharing a partner feed), the data categories a feed
 * carries, and sync keys.
 *
 * A sync key is 32 upper-case hexadecimal characters (128 random bits from
 * libsodium). The hub keeps only a hash of it (BLAKE2b-256) and its last four
 * characters; the key itself is shown once, when made. Checking a key against
 * the organisation's valid keys compares hashes in constant time. Every failure
 * of org_authenticate is the same RELAIS_ENOTFOUND, without detail, so that a
 * caller cannot tell an unknown establishment from a wrong or revoked key.
 */
#ifndef RELAIS_ORG_H
#define RELAIS_ORG_H

#include <relais/store.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ORG_KEY_LEN 32       /* characters of a sync key */
#define ORG_HASH_HEX_LEN 64  /* characters of a stored key hash */
#define ORG_MAX_UAIS 6       /* establishments one URL may name at most */
#define ORG_DEFAULT_MAX_UAIS 3

/*
 * The data categories a partner feed may carry, as in the partner's settings
 * (civilité, provenance, niveau, classe, lien de parenté, régime, matière,
 * périscolaire, profession, statut, MEF). X(ENUM, name, French label); the
 * labels are listed again in org.c for translation.
 */
#define ORG_CATEGORIES(X)                                                                        \
    X(CIVILITE, "civilite", "civilité")                                                          \
    X(PROVENANCE, "provenance", "provenance")                                                    \
    X(NIVEAU, "niveau", "niveau")                                                                \
    X(CLASSE, "classe", "classe")                                                                \
    X(LIEN_PARENTE, "lien_parente", "lien de parenté")                                           \
    X(REGIME, "regime", "régime")                                                                \
    X(MATIERE, "matiere", "matière")                                                             \
    X(PERISCOLAIRE, "periscolaire", "périscolaire")                                              \
    X(PROFESSION, "profession", "profession")                                                    \
    X(STATUT, "statut", "statut")                                                                \
    X(MEF, "mef", "MEF")

typedef enum org_category {
#define ORG_CAT_ENUM(e, name, label) ORG_CAT_##e,
    ORG_CATEGORIES(ORG_CAT_ENUM)
#undef ORG_CAT_ENUM
        ORG_CAT_COUNT
} org_category;

#define ORG_CAT_BIT(c) (1u << (c))
#define ORG_CAT_ALL ((1u << ORG_CAT_COUNT) - 1)

/** Stable name of a category ("lien_parente"); NULL when out of range. */
const char *org_category_name(org_category c);
/** French label of a category (translated). */
const char *org_category_label(org_category c);
/**
 * Parse "all", "none" or a comma-separated list of names into a bit mask.
 * RELAIS_EINVALID (message names the unknown word) on an unknown name.
 */
int org_categories_parse(unsigned *mask, const char *text);
/** Canonical comma-separated list of a mask ("" for none), into out. */
int org_categories_format(char *out, size_t size, unsigned mask);

/**
 * Parse a list of UAIs "0123456A,0999999Z" (commas) or "0123456A_0999999Z"
 * (underscores, as in a feed URL): each 7 digits and a letter, upper-cased,
 * sorted, without duplicates. At most `max` entries. RELAIS_EINVALID otherwise.
 */
int org_parse_uais(char uais[][9], size_t *n, const char *text, char sep, size_t max);
/** Join sorted UAIs with "_" (the feed's name for that set). */
int org_join_uais(char *out, size_t size, char uais[][9], size_t n);

/**
 * Create organisation `name` and attach the establishments (which must exist
 * in the hub and belong to no other organisation), in one transaction.
 */
int org_add(int64_t *id, relais_store *s, const char *name, char uais[][9], size_t n);
/** Replace the establishments of an organisation (same rules), in one transaction. */
int org_set_establishments(relais_store *s, int64_t org_id, char uais[][9], size_t n);

/** Is `key` (len bytes) a well-formed sync key (32 hexadecimal characters, any case)? */
bool org_key_well_formed(const char *key, size_t len);
/** Hex hash of a key as stored (the key is upper-cased first). */
void org_key_hash(char hex[ORG_HASH_HEX_LEN + 1], const char *key, size_t len);

/**
 * Make a new key for the organisation. key receives it (shown once, never
 * stored). replaces: the key it replaces (0: none).
 */
int org_key_new(char key[ORG_KEY_LEN + 1], int64_t *key_id, relais_store *s, int64_t org_id,
                int64_t replaces);
/**
 * Rotate: in one transaction, make a new key, revoke `old_id` (0: the
 * organisation's only valid key; RELAIS_EINVALID when it has several) and give
 * its feed cursors to the new key, so the partner continues where it was.
 */
int org_key_rotate(char key[ORG_KEY_LEN + 1], int64_t *key_id, int64_t *revoked_id,
                   relais_store *s, int64_t org_id, int64_t old_id);
/** Revoke key `key_id` of the organisation (0: every valid key); *n = keys revoked. */
int org_key_revoke(size_t *n, relais_store *s, int64_t org_id, int64_t key_id);

/** What a successful authentication knows. */
typedef struct org_auth {
    int64_t org_id;
    int64_t key_id;
    relais_organisation *org;               /* in the caller's arena */
    relais_establishment *etabs[ORG_MAX_UAIS]; /* in the order of the UAIs given */
} org_auth;

/**
 * Check that every UAI belongs to one organisation and that `key` is one of
 * its valid keys (constant-time comparison of hashes). RELAIS_ENOTFOUND, with
 * no detail, for any mismatch; other codes for store failures.
 */
int org_authenticate(org_auth *out, relais_store *s, struct util_arena *arena, char uais[][9],
                     size_t n, const char *key, size_t key_len);

#endif
