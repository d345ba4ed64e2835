/*
 * test_org.c — organisations, categories, UAI lists and sync keys: parsing,
 * key format and hashing, what the hub keeps of a key (a hash and a hint,
 * never the key), establishments of one organisation only.
 */
#include "testutil.h"

#include <relais/change.h>
#include <relais/store.h>

#include <string.h>

#include "org/org.h"
#include "util/util.h"

static void test_org__categories(void **state)
{
    (void)state;
    unsigned m;
    assert_int_equal(org_categories_parse(&m, "all"), 0);
    assert_int_equal(m, ORG_CAT_ALL);
    assert_int_equal(org_categories_parse(&m, "none"), 0);
    assert_int_equal(m, 0);
    assert_int_equal(org_categories_parse(&m, "mef, lien_parente,civilite"), 0);
    assert_int_equal(m, ORG_CAT_BIT(ORG_CAT_MEF) | ORG_CAT_BIT(ORG_CAT_LIEN_PARENTE) |
                            ORG_CAT_BIT(ORG_CAT_CIVILITE));
    char text[256];
    assert_int_equal(org_categories_format(text, sizeof text, m), 0);
    assert_string_equal(text, "civilite,lien_parente,mef");
    assert_int_equal(org_categories_parse(&m, "civilite,couleur"), RELAIS_EINVALID);
    assert_non_null(strstr(relais_error_last(), "couleur"));
}

static void test_org__uai_lists(void **state)
{
    (void)state;
    char u[6][9];
    size_t n;
    assert_int_equal(org_parse_uais(u, &n, "0999999z_0123456A", '_', 6), 0);
    assert_int_equal(n, 2);
    assert_string_equal(u[0], "0123456A");
    assert_string_equal(u[1], "0999999Z");
    char joined[64];
    assert_int_equal(org_join_uais(joined, sizeof joined, u, n), 0);
    assert_string_equal(joined, "0123456A_0999999Z");
    assert_int_equal(org_parse_uais(u, &n, "0123456A,0123456a", ',', 6), RELAIS_EINVALID);
    assert_int_equal(org_parse_uais(u, &n, "123456A", '_', 6), RELAIS_EINVALID);
    assert_int_equal(org_parse_uais(u, &n, "0123456A_", '_', 6), RELAIS_EINVALID);
    assert_int_equal(org_parse_uais(u, &n, "", '_', 6), RELAIS_EINVALID);
    assert_int_equal(org_parse_uais(u, &n, "0000001A_0000002A_0000003A_0000004A", '_', 3),
                     RELAIS_EINVALID);
}

static void test_org__key_format_and_hash(void **state)
{
    (void)state;
    assert_true(org_key_well_formed("05785662A3B942D7B36A2E1021AAD868", 32));
    assert_true(org_key_well_formed("05785662a3b942d7b36a2e1021aad868", 32));
    assert_false(org_key_well_formed("05785662A3B942D7B36A2E1021AAD86", 31));
    assert_false(org_key_well_formed("05785662A3B942D7B36A2E1021AAD86G", 32));
    char h1[ORG_HASH_HEX_LEN + 1], h2[ORG_HASH_HEX_LEN + 1];
    org_key_hash(h1, "05785662A3B942D7B36A2E1021AAD868", 32);
    org_key_hash(h2, "05785662a3b942d7b36a2e1021aad868", 32);
    assert_string_equal(h1, h2);
    assert_int_equal(strlen(h1), 64);
}

typedef struct key_seen {
    int n;
    char hash[ORG_HASH_HEX_LEN + 1];
    char hint[8];
} key_seen;

static int see_key(const relais_sync_key *k, void *payload)
{
    key_seen *s = payload;
    s->n++;
    snprintf(s->hash, sizeof s->hash, "%s", k->hash);
    snprintf(s->hint, sizeof s->hint, "%s", k->hint);
    return 0;
}

static void add_establishment(relais_store *s, const char *uai)
{
    relais_plan *p;
    assert_int_equal(relais_plan_new(&p, s, "test"), 0);
    relais_scope_spec spec = {.uai = uai, .year = 2025, .name = "ETAB"};
    int64_t scope;
    assert_int_equal(relais_plan_scope(&scope, p, &spec), 0);
    assert_int_equal(relais_plan_apply(NULL, p), 0);
    relais_plan_free(p);
}

static void test_org__organisations_and_keys(void **state)
{
    (void)state;
    relais_store *s;
    const char *path = test_path_join(test_tmpdir("org"), "hub.db");
    assert_int_equal(relais_store_open(&s, path, RELAIS_STORE_CREATE), 0);
    add_establishment(s, "0123456A");
    add_establishment(s, "0999999Z");
    char one[2][9] = {"0123456A", "0777777B"};
    int64_t id;
    /* An unknown establishment: refused, nothing created. */
    assert_int_equal(org_add(&id, s, "OGEC A", one, 2), RELAIS_ENOTFOUND);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    relais_organisation *o;
    assert_int_equal(relais_store_org_find(&o, s, a, "OGEC A"), RELAIS_ENOTFOUND);
    assert_int_equal(org_add(&id, s, "OGEC A", one, 1), 0);
    assert_int_equal(relais_store_org_find(&o, s, a, "OGEC A"), 0);
    assert_int_equal(o->max_uais, 3);
    assert_int_equal(o->up_to_date_status, 204);
    /* One organisation per establishment. */
    int64_t id2;
    assert_int_equal(org_add(&id2, s, "OGEC B", one, 1), RELAIS_ECONFLICT);
    assert_int_equal(org_add(&id2, s, "OGEC A", one, 0), RELAIS_ECONFLICT); /* same name */
    /* The key is not kept: only its hash and last four characters. */
    char key[ORG_KEY_LEN + 1];
    int64_t key_id;
    assert_int_equal(org_key_new(key, &key_id, s, id, 0), 0);
    assert_true(org_key_well_formed(key, strlen(key)));
    for (size_t i = 0; i < ORG_KEY_LEN; i++) {
        assert_true((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'A' && key[i] <= 'F'));
    }
    key_seen seen = {0};
    assert_int_equal(relais_store_key_foreach(s, id, true, see_key, &seen), 0);
    assert_int_equal(seen.n, 1);
    char expect[ORG_HASH_HEX_LEN + 1];
    org_key_hash(expect, key, ORG_KEY_LEN);
    assert_string_equal(seen.hash, expect);
    assert_string_equal(seen.hint, key + 28);
    assert_null(strstr(seen.hash, key));
    /* Two valid keys: rotation must say which. */
    char key2[ORG_KEY_LEN + 1], key3[ORG_KEY_LEN + 1];
    int64_t key2_id, key3_id, revoked;
    assert_int_equal(org_key_new(key2, &key2_id, s, id, 0), 0);
    assert_true(strcmp(key, key2) != 0);
    assert_int_equal(org_key_rotate(key3, &key3_id, &revoked, s, id, 0), RELAIS_EINVALID);
    assert_int_equal(org_key_rotate(key3, &key3_id, &revoked, s, id, key2_id), 0);
    assert_int_equal(revoked, key2_id);
    size_t n;
    assert_int_equal(org_key_revoke(&n, s, id, key2_id), RELAIS_ENOTFOUND); /* already */
    assert_int_equal(org_key_revoke(&n, s, id, 0), 0);
    assert_int_equal(n, 2);
    seen.n = 0;
    assert_int_equal(relais_store_key_foreach(s, id, true, see_key, &seen), 0);
    assert_int_equal(seen.n, 0);
    /* Replacing the establishments detaches the others. */
    char two[1][9] = {"0999999Z"};
    assert_int_equal(org_set_establishments(s, id, two, 1), 0);
    relais_establishment *e;
    assert_int_equal(relais_store_establishment_find(&e, s, a, "0123456A"), 0);
    assert_int_equal(e->organisation_id, 0);
    assert_int_equal(relais_store_establishment_find(&e, s, a, "0999999Z"), 0);
    assert_int_equal(e->organisation_id, id);
    assert_true(e->sync_enabled);
    assert_false(e->billing_enabled);
    assert_int_equal(relais_store_establishment_set_switches(s, e->id, 0, 1), 0);
    assert_int_equal(relais_store_establishment_find(&e, s, a, "0999999Z"), 0);
    assert_false(e->sync_enabled);
    assert_true(e->billing_enabled);
    util_arena_free(a);
    relais_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org__categories),
        cmocka_unit_test(test_org__uai_lists),
        cmocka_unit_test(test_org__key_format_and_hash),
        cmocka_unit_test(test_org__organisations_and_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
