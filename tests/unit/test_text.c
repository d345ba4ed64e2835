/*
 * test_text.c — the text module: folding of a table of tricky French names,
 * surname keys (particles, compact and core forms), edit distances,
 * Jaro–Winkler, masculine/feminine pairs and typo closeness.
 */
#include "testutil.h"

#include <string.h>

#include "text/text.h"

static const struct {
    const char *in, *folded;
} fold_table[] = {
    {"Élodie", "elodie"},
    {"CHLOÉ", "chloe"},
    {"Zoë", "zoe"},
    {"Anaïs", "anais"},
    {"Maël", "mael"},
    {"Jérôme", "jerome"},
    {"François", "francois"},
    {"LŒUF", "loeuf"},
    {"Lœtitia", "loetitia"},
    {"Cæcilia", "caecilia"},
    {"Strauß", "strauss"},
    {"Øster", "oster"},
    {"Łukasz", "lukasz"},
    {"Jean-Pierre", "jean pierre"},
    {"Jean‑Pierre", "jean pierre"},     /* non-breaking hyphen U+2011 */
    {"Marie – Claire", "marie claire"}, /* en dash with spaces */
    {"D'ALMEIDA", "d almeida"},
    {"d’Artagnan", "d artagnan"}, /* typographic apostrophe */
    {"O'Neill", "o neill"},
    {"  de   la  FONTAINE ", "de la fontaine"},
    {"Saint-Exupéry", "saint exupery"},
    {"N'Diaye", "n diaye"},
    {"MÜLLER", "muller"},
    {"Nuñez", "nunez"},
    {"Çelik", "celik"},
    {"Ştefan", "stefan"},
    {"Dvořák", "dvorak"},
    {"ﬁlle", "fille"},                 /* ligature fi, compatibility decomposition */
    {"Ｍａｒｔｉｎ", "martin"},        /* full-width letters */
    {"Jean\xc2\xa0Paul", "jean paul"}, /* no-break space */
    {"M. DUPONT", "m dupont"},
    {"Dupont\xff", "dupont"}, /* invalid byte dropped */
    {"---", ""},
    {"", ""},
    {"Jean_Marc", "jean marc"},
    {"Louis XIV", "louis xiv"},
    {"Ἀλέξανδρος", "αλεξανδροσ"}, /* Greek: case-folded, marks removed (final sigma folds to σ) */
};

static void test_text__fold_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(fold_table); i++) {
        util_buf b = UTIL_BUF_INIT;
        assert_int_equal(text_fold(&b, fold_table[i].in, strlen(fold_table[i].in)), 0);
        if (strcmp(util_buf_cstr(&b), fold_table[i].folded) != 0) {
            fail_msg("fold(%s) = \"%s\", expected \"%s\"", fold_table[i].in, util_buf_cstr(&b),
                     fold_table[i].folded);
        }
        util_buf_free(&b);
    }
}

static void test_text__fold_appends_and_arena(void **state)
{
    (void)state;
    util_buf b = UTIL_BUF_INIT;
    util_buf_puts(&b, "x:");
    assert_int_equal(text_fold(&b, "Éa", 3), 0);
    assert_string_equal(util_buf_cstr(&b), "x:ea");
    util_buf_free(&b);
    util_arena *a;
    assert_int_equal(util_arena_new(&a, 0), 0);
    size_t len = 0;
    const char *s = text_fold_arena(a, "Hélène-Marie", strlen("Hélène-Marie"), &len);
    assert_string_equal(s, "helene marie");
    assert_int_equal(len, 12);
    util_arena_free(a);
}

/* Two spellings of one surname share a key; different families do not. */
static const struct {
    const char *a, *b;
    bool same;
} key_table[] = {
    {"De La Fontaine", "DELAFONTAINE", true}, /* compact */
    {"de la Fontaine", "La Fontaine", true},  /* core */
    {"d'Artagnan", "Dartagnan", true},
    {"D’ARTAGNAN", "Artagnan", true},
    {"Van der Berg", "VANDERBERG", true},
    {"Saint-Martin", "St Martin", true},
    {"Sainte-Marie", "STE MARIE", true},
    {"Le Goff", "LEGOFF", true},
    {"Le Goff", "Goff", true},
    {"LŒUILLET", "Loeuillet", true},
    {"Martin", "Martin-Dupont", false},
    {"Le", "La", false}, /* only particles: kept as they are */
    {"Dupont", "Dupond", false},
    {"Leroy", "Le Roi", false},
};

static bool share_key(const char *x, const char *y)
{
    util_buf fx = UTIL_BUF_INIT, fy = UTIL_BUF_INIT;
    util_buf cx = UTIL_BUF_INIT, ox = UTIL_BUF_INIT, cy = UTIL_BUF_INIT, oy = UTIL_BUF_INIT;
    assert_int_equal(text_fold(&fx, x, strlen(x)), 0);
    assert_int_equal(text_fold(&fy, y, strlen(y)), 0);
    assert_int_equal(text_name_keys(&cx, &ox, fx.data, fx.len), 0);
    assert_int_equal(text_name_keys(&cy, &oy, fy.data, fy.len), 0);
    bool same = strcmp(util_buf_cstr(&cx), util_buf_cstr(&cy)) == 0 ||
                strcmp(util_buf_cstr(&ox), util_buf_cstr(&oy)) == 0;
    util_buf_free(&fx);
    util_buf_free(&fy);
    util_buf_free(&cx);
    util_buf_free(&ox);
    util_buf_free(&cy);
    util_buf_free(&oy);
    return same;
}

static void test_text__surname_keys(void **state)
{
    (void)state;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(key_table); i++) {
        if (share_key(key_table[i].a, key_table[i].b) != key_table[i].same) {
            fail_msg("%s / %s: expected %s", key_table[i].a, key_table[i].b,
                     key_table[i].same ? "same key" : "different keys");
        }
    }
    util_buf c = UTIL_BUF_INIT, o = UTIL_BUF_INIT;
    assert_int_equal(text_name_keys(&c, &o, "de la tour", 10), 0);
    assert_string_equal(util_buf_cstr(&c), "delatour");
    assert_string_equal(util_buf_cstr(&o), "tour");
    util_buf_free(&c);
    util_buf_free(&o);
    assert_true(text_is_particle("van", 3));
    assert_false(text_is_particle("martin", 6));
}

static void test_text__split(void **state)
{
    (void)state;
    text_slice t[4];
    assert_int_equal(text_split(t, 4, " jean  pierre marie ", 20), 3);
    assert_int_equal(t[1].len, 6);
    assert_memory_equal(t[1].s, "pierre", 6);
    assert_int_equal(text_split(t, 2, "a b c", 5), 2);
    assert_int_equal(text_split(t, 4, "", 0), 0);
}

static unsigned dl(const char *a, const char *b, unsigned max)
{
    return text_damerau(a, strlen(a), b, strlen(b), max);
}

static void test_text__damerau(void **state)
{
    (void)state;
    assert_int_equal(dl("martin", "martin", 2), 0);
    assert_int_equal(dl("martin", "marin", 2), 1);   /* deletion */
    assert_int_equal(dl("martin", "matrin", 2), 1);  /* transposition */
    assert_int_equal(dl("martin", "marten", 2), 1);  /* substitution */
    assert_int_equal(dl("martin", "martins", 2), 1); /* insertion */
    assert_int_equal(dl("dupont", "dupond", 2), 1);
    assert_int_equal(dl("bernard", "renard", 3), 2);
    assert_int_equal(dl("abc", "xyzabc", 2), 3); /* bounded: max + 1 */
    assert_int_equal(dl("", "abc", 5), 3);
    assert_int_equal(dl("ca", "abc", 5), 3); /* OSA, not unrestricted Damerau */
}

static void test_text__jaro_winkler(void **state)
{
    (void)state;
    double v = text_jaro_winkler("martha", 6, "marhta", 6);
    assert_true(v > 0.960 && v < 0.962); /* the textbook value 0.961 */
    v = text_jaro_winkler("dixon", 5, "dicksonx", 8);
    assert_true(v > 0.812 && v < 0.814);
    assert_true(text_jaro_winkler("abc", 3, "abc", 3) == 1.0);
    assert_true(text_jaro_winkler("abc", 3, "xyz", 3) == 0.0);
    assert_true(text_jaro_winkler("", 0, "x", 1) == 0.0);
}

static void test_text__gendered_and_typos(void **state)
{
    (void)state;
    static const char *const gendered[][2] = {
        {"louis", "louise"},
        {"jean", "jeanne"},
        {"daniel", "danielle"},
        {"pascal", "pascale"},
        {"francois", "francoise"},
        {"frederic", "frederique"},
        {"lea", "leo"},
        {"alexandre", "alexandra"},
        {"julie", "julia"},
        {"antoine", "antoinette"},
        {"yves", "yvette"},
        {"paul", "paula"},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(gendered); i++) {
        const char *a = gendered[i][0], *b = gendered[i][1];
        if (!text_gendered_variant(a, strlen(a), b, strlen(b)) ||
            !text_gendered_variant(b, strlen(b), a, strlen(a))) {
            fail_msg("%s / %s should be masculine/feminine forms", a, b);
        }
    }
    assert_false(text_gendered_variant("martin", 6, "marine", 6));
    assert_true(text_gendered_variant("anne", 4, "anna", 4)); /* anna/anne: two names */
    assert_true(text_typo_close("nathalie", 8, "natahlie", 8));
    assert_true(text_typo_close("dupont", 6, "dupond", 6));
    assert_true(text_typo_close("christophe", 10, "cristophe", 9));
    assert_false(text_typo_close("christophe", 10, "cristofe", 8)); /* three edits */
    assert_false(text_typo_close("leo", 3, "lea", 3));     /* too short for a typing error */
    assert_true(text_typo_close("leroy", 5, "leroye", 6)); /* surnames have no gender */
    assert_false(text_typo_close("dupont", 6, "durand", 6));
    assert_true(text_known_first_name("lea", 3));
    assert_true(text_known_first_name("zoe", 3));
    assert_false(text_known_first_name("leaa", 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text__fold_table),
        cmocka_unit_test(test_text__fold_appends_and_arena),
        cmocka_unit_test(test_text__surname_keys),
        cmocka_unit_test(test_text__split),
        cmocka_unit_test(test_text__damerau),
        cmocka_unit_test(test_text__jaro_winkler),
        cmocka_unit_test(test_text__gendered_and_typos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
