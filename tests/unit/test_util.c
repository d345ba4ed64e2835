/*
 * test_util.c — the util module: dates, integers, UTF-8, maps, id sets,
 * JSON writer, spool, arena, allocation failure injection.
 */
#include "testutil.h"
#include "util/util.h"

#include <string.h>

static void test_util__date_parse_strict(void **state)
{
    (void)state;
    util_date d;
    assert_true(util_date_parse("03/02/2011", 10, &d));
    assert_int_equal(d.year, 2011);
    assert_int_equal(d.month, 2);
    assert_int_equal(d.day, 3);
    assert_true(util_date_parse("2011-02-03", 10, &d));
    assert_int_equal(d.day, 3);
    assert_true(util_date_parse("29/02/2024", 10, &d));
    assert_false(util_date_parse("29/02/2023", 10, &d));
    assert_false(util_date_parse("31/02/2020", 10, &d));
    assert_false(util_date_parse("31/04/2020", 10, &d));
    assert_false(util_date_parse("3/2/2011", 8, &d));
    assert_false(util_date_parse("aa/bb/cccc", 10, &d));
    assert_false(util_date_parse("00/01/2020", 10, &d));
    char iso[11], fr[11];
    assert_true(util_date_parse(" 31/12/9999 ", 12, &d));
    util_date_iso(&d, iso);
    util_date_fr(&d, fr);
    assert_string_equal(iso, "9999-12-31");
    assert_string_equal(fr, "31/12/9999");
}

static void test_util__date_days_round_trip(void **state)
{
    (void)state;
    util_date d = {1970, 1, 1};
    assert_int_equal(util_date_days(&d), 0);
    d = (util_date){2024, 3, 1};
    int64_t n = util_date_days(&d);
    util_date back;
    util_date_from_days(n - 1, &back);
    assert_int_equal(back.month, 2);
    assert_int_equal(back.day, 29);
    for (int64_t k = -800000; k < 3000000; k += 977) {
        util_date x;
        util_date_from_days(k, &x);
        assert_int_equal(util_date_days(&x), k);
    }
}

static void test_util__parse_int64(void **state)
{
    (void)state;
    int64_t v;
    assert_true(util_parse_int64("123", 3, &v));
    assert_int_equal(v, 123);
    assert_true(util_parse_int64("-9223372036854775808", 20, &v));
    assert_true(v == INT64_MIN);
    assert_false(util_parse_int64("9223372036854775808", 19, &v));
    assert_false(util_parse_int64("12a", 3, &v));
    assert_false(util_parse_int64("", 0, &v));
    assert_false(util_parse_int64("-", 1, &v));
}

static void test_util__utf8_valid(void **state)
{
    (void)state;
    assert_true(util_utf8_valid("Zoé Chloë œ", strlen("Zoé Chloë œ")));
    assert_false(util_utf8_valid("Zo\xe9", 3));          /* Latin-1 é */
    assert_false(util_utf8_valid("\xc3", 1));            /* truncated */
    assert_false(util_utf8_valid("\xc0\xaf", 2));        /* overlong */
    assert_false(util_utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
    assert_true(util_utf8_valid("\xf0\x9f\x98\x80", 4)); /* emoji */
}

static void test_util__map_and_idset(void **state)
{
    (void)state;
    util_map *m;
    assert_int_equal(util_map_new(&m), 0);
    char key[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(util_map_put(m, key, strlen(key), i * 3), 0);
    }
    assert_int_equal(util_map_count(m), 10000);
    int64_t v;
    assert_true(util_map_get(m, "k4242", 5, &v));
    assert_int_equal(v, 4242 * 3);
    assert_false(util_map_get(m, "nope", 4, &v));
    util_map_put(m, "k1", 2, -1);
    assert_true(util_map_get(m, "k1", 2, &v));
    assert_int_equal(v, -1);
    util_map_free(m);

    util_idset *s;
    assert_int_equal(util_idset_new(&s), 0);
    for (int64_t i = -50; i < 5000; i++) {
        assert_int_equal(util_idset_add(s, i * 7), 0);
    }
    util_idset_add(s, 7);
    assert_int_equal(util_idset_count(s), 5050);
    assert_true(util_idset_has(s, 0));
    assert_true(util_idset_has(s, -350));
    assert_false(util_idset_has(s, 8));
    util_idset_free(s);
}

static void test_util__json_writer(void **state)
{
    (void)state;
    util_buf b = UTIL_BUF_INIT;
    util_json j;
    util_json_init_buf(&j, &b, false);
    util_json_object_begin(&j);
    util_json_kv_string(&j, "nom", "L'\"ESSAI\"\n");
    util_json_kv_int(&j, "n", -3);
    util_json_key(&j, "liste");
    util_json_array_begin(&j);
    util_json_int(&j, 1);
    util_json_string(&j, "Zo\xe9");
    util_json_null(&j);
    util_json_array_end(&j);
    util_json_key(&j, "vide");
    util_json_object_begin(&j);
    util_json_object_end(&j);
    util_json_object_end(&j);
    assert_string_equal(util_buf_cstr(&b), "{\"nom\":\"L'\\\"ESSAI\\\"\\n\",\"n\":-3,"
                                           "\"liste\":[1,\"Zo\xEF\xBF\xBD\",null],\"vide\":{}}");
    util_buf_free(&b);
}

static void test_util__spool_spills_to_file(void **state)
{
    (void)state;
    util_spool *s;
    assert_int_equal(util_spool_new(&s, 1000), 0);
    for (uint32_t i = 0; i < 5000; i++) {
        assert_int_equal(util_spool_write(s, &i, sizeof i), 0);
    }
    assert_int_equal(util_spool_size(s), 20000);
    util_spool_cursor c;
    assert_int_equal(util_spool_cursor_open(&c, s), 0);
    for (uint32_t i = 0; i < 5000; i++) {
        uint32_t v;
        assert_int_equal(util_spool_cursor_read(&c, &v, sizeof v), 0);
        assert_int_equal(v, i);
    }
    uint32_t v;
    assert_int_equal(util_spool_cursor_read(&c, &v, sizeof v), RELAIS_ENOTFOUND);
    /* Written after the cursor opened: readable once published and the limit raised. */
    for (uint32_t i = 5000; i < 80000; i++) {
        assert_int_equal(util_spool_write(s, &i, sizeof i), 0);
    }
    assert_int_equal(util_spool_cursor_read(&c, &v, sizeof v), RELAIS_ENOTFOUND);
    assert_int_equal(util_spool_publish(s, true, &c.limit), 0);
    assert_int_equal(c.limit, 320000);
    for (uint32_t i = 5000; i < 80000; i++) {
        assert_int_equal(util_spool_cursor_read(&c, &v, sizeof v), 0);
        assert_int_equal(v, i);
    }
    uint16_t half;
    c.limit -= 2; /* a limit inside a value: the read is cut */
    c.pos -= 4;
    assert_int_equal(util_spool_cursor_read(&c, &v, sizeof v), RELAIS_EIO);
    assert_int_equal(util_spool_cursor_read(&c, &half, sizeof half), 0);
    util_spool_cursor_close(&c);
    /* A small spool read from memory. */
    util_spool *m;
    assert_int_equal(util_spool_new(&m, 1000), 0);
    assert_int_equal(util_spool_write(m, "abc", 3), 0);
    char abc[3];
    assert_int_equal(util_spool_cursor_open(&c, m), 0);
    assert_int_equal(util_spool_cursor_read(&c, abc, 3), 0);
    assert_memory_equal(abc, "abc", 3);
    assert_int_equal(util_spool_cursor_read(&c, abc, 1), RELAIS_ENOTFOUND);
    util_spool_cursor_close(&c);
    util_spool_free(m);
    util_spool_free(s);
}

static void test_util__arena_and_alloc_failure(void **state)
{
    (void)state;
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 128), 0);
    for (int i = 0; i < 1000; i++) {
        char *p = util_arena_strdup(a, "quelque chose");
        assert_non_null(p);
        assert_string_equal(p, "quelque chose");
    }
    char *big = util_arena_alloc(a, 10000);
    assert_non_null(big);
    util_arena_reset(a);
    assert_non_null(util_arena_alloc(a, 16));
    util_arena_free(a);

    util_alloc_fail_after(0);
    util_map *m = NULL;
    assert_int_equal(util_map_new(&m), RELAIS_ENOMEM);
    assert_null(m);
    util_alloc_fail_after(1);
    assert_int_equal(util_map_new(&m), RELAIS_ENOMEM);
    util_alloc_fail_after(-1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__date_parse_strict),
        cmocka_unit_test(test_util__date_days_round_trip),
        cmocka_unit_test(test_util__parse_int64),
        cmocka_unit_test(test_util__utf8_valid),
        cmocka_unit_test(test_util__map_and_idset),
        cmocka_unit_test(test_util__json_writer),
        cmocka_unit_test(test_util__spool_spills_to_file),
        cmocka_unit_test(test_util__arena_and_alloc_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
