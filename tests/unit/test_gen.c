/*
 * test_gen.c — the generator (`relais gen`): equal seeds give identical bytes
 * (whatever the number of threads), the SIECLE files are well-formed
 * ISO-8859-15 XML (parsed with expat) in zips made like SIECLE's, divisions
 * hold 24 to 35 current students, each student has 1–2 legal guardians and at
 * most 4 guardians and contacts, partner noise stays within its stated rates
 * at each level, and the ground truth points at ids that exist.
 */
#include "testutil.h"
#include "gen/gen.h"
#include "util/util.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <expat.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static char *dup_dir(const char *name)
{
    return util_strdup(test_tmpdir(name));
}

static void generate(const char *dir, uint64_t seed, int k, long n, const char *partner,
                     int noise, bool defects, int threads)
{
    gen_options o = GEN_OPTIONS_INIT;
    o.out_dir = dir;
    o.seed = seed;
    o.n_establishments = k;
    o.n_students = n;
    o.partner = partner;
    o.noise = noise;
    o.defects = defects;
    o.threads = threads;
    gen_report rep;
    int rc = gen_run(&rep, &o);
    if (rc != 0) {
        fail_msg("gen_run: %s", relais_error_last());
    }
    assert_int_equal(rep.n_establishments, k);
    assert_int_equal(rep.n_students, n);
}

/* Sub-directories (UAIs) of dir, sorted. */
static int list_dir(const char *dir, char names[][256], int max, bool dirs)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < max) {
        if (de->d_name[0] == '.') {
            continue;
        }
        bool is_dir = util_is_dir(test_path_join(dir, de->d_name));
        if (is_dir == dirs) {
            snprintf(names[n++], 256, "%s", de->d_name);
        }
    }
    closedir(d);
    qsort(names, (size_t)n, 256, (int (*)(const void *, const void *))strcmp);
    return n;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fail_msg("cannot open %s", path);
    }
    util_buf b = UTIL_BUF_INIT;
    char chunk[65536];
    size_t r;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0) {
        util_buf_append(&b, chunk, r);
    }
    fclose(f);
    util_buf_putc(&b, '\0');
    *len = b.len - 1;
    return util_buf_steal(&b);
}

static void path2(char *out, size_t size, const char *a, const char *b)
{
    int n = snprintf(out, size, "%s/%s", a, b);
    assert_true(n > 0 && (size_t)n < size);
}

/* The single entry of a zip, with its name. */
static char *unzip_one(const char *path, size_t *len, char *name, size_t name_size)
{
    struct archive *a = archive_read_new();
    archive_read_support_format_zip(a);
    assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    struct archive_entry *e;
    assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_OK);
    snprintf(name, name_size, "%s", archive_entry_pathname(e));
    util_buf b = UTIL_BUF_INIT;
    char chunk[65536];
    la_ssize_t r;
    while ((r = archive_read_data(a, chunk, sizeof chunk)) > 0) {
        util_buf_append(&b, chunk, (size_t)r);
    }
    assert_true(r == 0);
    assert_int_equal(archive_read_next_header(a, &e), ARCHIVE_EOF);
    archive_read_free(a);
    *len = b.len;
    return util_buf_steal(&b);
}

/* --------------------------------------------------- a tiny XML walker */

typedef struct walk {
    int depth;
    char stack[32][48];
    util_buf text;
    void (*on_start)(struct walk *, const char *name, const char **attrs);
    void (*on_end)(struct walk *, const char *name, const char *text);
    void *payload;
} walk;

static int latin9_encoding(void *data, const XML_Char *name, XML_Encoding *info)
{
    (void)data;
    if (strcmp(name, "ISO-8859-15") != 0) {
        return XML_STATUS_ERROR;
    }
    for (int i = 0; i < 256; i++) {
        info->map[i] = i;
    }
    info->map[0xA4] = 0x20AC;
    info->map[0xA6] = 0x160;
    info->map[0xA8] = 0x161;
    info->map[0xB4] = 0x17D;
    info->map[0xB8] = 0x17E;
    info->map[0xBC] = 0x152;
    info->map[0xBD] = 0x153;
    info->map[0xBE] = 0x178;
    info->data = NULL;
    info->convert = NULL;
    info->release = NULL;
    return XML_STATUS_OK;
}

static void XMLCALL x_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    walk *w = ud;
    if (w->depth < 32) {
        snprintf(w->stack[w->depth], 48, "%s", name);
    }
    w->depth++;
    util_buf_reset(&w->text);
    if (w->on_start) {
        w->on_start(w, name, attrs);
    }
}

static void XMLCALL x_end(void *ud, const XML_Char *name)
{
    walk *w = ud;
    w->depth--;
    if (w->on_end) {
        w->on_end(w, name, util_buf_cstr(&w->text));
    }
    util_buf_reset(&w->text);
}

static void XMLCALL x_text(void *ud, const XML_Char *s, int len)
{
    walk *w = ud;
    util_buf_append(&w->text, s, (size_t)len);
}

/* Parse `data` (ISO-8859-15 XML) with expat; fails the test when not well-formed. */
static void walk_xml(const char *data, size_t len, walk *w, const char *what)
{
    XML_Parser p = XML_ParserCreate(NULL);
    XML_SetUnknownEncodingHandler(p, latin9_encoding, NULL);
    XML_SetUserData(p, w);
    XML_SetElementHandler(p, x_start, x_end);
    XML_SetCharacterDataHandler(p, x_text);
    if (XML_Parse(p, data, (int)len, 1) != XML_STATUS_OK) {
        fail_msg("%s:%lu: %s", what, (unsigned long)XML_GetCurrentLineNumber(p),
                 XML_ErrorString(XML_GetErrorCode(p)));
    }
    XML_ParserFree(p);
    util_buf_free(&w->text);
}

static const char *attr(const char **attrs, const char *name)
{
    for (int i = 0; attrs[i]; i += 2) {
        if (strcmp(attrs[i], name) == 0) {
            return attrs[i + 1];
        }
    }
    return NULL;
}

/* ------------------------------------------------------------- tests */

static void test_gen__uai_key(void **state)
{
    (void)state;
    assert_int_equal(gen_uai_key(750680), 'G');
    assert_true(gen_uai_valid("0750680G"));
    assert_false(gen_uai_valid("0750680H"));
    assert_false(gen_uai_valid("0999999Z")); /* the samples' placeholder has no valid key */
    assert_false(gen_uai_valid("075068G"));
}

static void test_gen__options_refused(void **state)
{
    (void)state;
    gen_options o = GEN_OPTIONS_INIT;
    gen_report rep;
    assert_int_equal(gen_run(&rep, &o), RELAIS_EINVALID); /* no --out */
    o.out_dir = "/nonexistent/relais";
    o.n_establishments = 0;
    assert_int_equal(gen_run(&rep, &o), RELAIS_EINVALID);
    o.n_establishments = 1;
    o.n_students = 100000;
    assert_int_equal(gen_run(&rep, &o), RELAIS_EINVALID); /* too big for one establishment */
    o.n_students = 300;
    o.partner = "Bad Name";
    assert_int_equal(gen_run(&rep, &o), RELAIS_EINVALID);
    int level;
    assert_true(gen_noise_parse(&level, "high"));
    assert_int_equal(level, GEN_NOISE_HIGH);
    assert_false(gen_noise_parse(&level, "extreme"));
}

/* Compare every file of two generated trees byte for byte. */
static void assert_same_tree(const char *a, const char *b)
{
    static char d1[64][256], d2[64][256], f1[32][256], f2[32][256];
    int n1 = list_dir(a, d1, 64, true), n2 = list_dir(b, d2, 64, true);
    assert_int_equal(n1, n2);
    for (int i = 0; i < n1; i++) {
        assert_string_equal(d1[i], d2[i]);
        char pa[2048], pb[2048];
        path2(pa, sizeof pa, a, d1[i]);
        path2(pb, sizeof pb, b, d2[i]);
        int m1 = list_dir(pa, f1, 32, false), m2 = list_dir(pb, f2, 32, false);
        assert_int_equal(m1, m2);
        assert_true(m1 >= 6);
        for (int j = 0; j < m1; j++) {
            assert_string_equal(f1[j], f2[j]);
            size_t l1, l2;
            char *x = read_all(test_path_join(pa, f1[j]), &l1);
            char *y = read_all(test_path_join(pb, f2[j]), &l2);
            if (l1 != l2 || memcmp(x, y, l1) != 0) {
                fail_msg("%s/%s differs (hash %016llx vs %016llx)", d1[i], f1[j],
                         (unsigned long long)util_hash(x, l1),
                         (unsigned long long)util_hash(y, l2));
            }
            util_free(x);
            util_free(y);
        }
    }
    size_t l1, l2;
    char *x = read_all(test_path_join(a, "etablissements.tsv"), &l1);
    char *y = read_all(test_path_join(b, "etablissements.tsv"), &l2);
    assert_true(l1 == l2 && memcmp(x, y, l1) == 0);
    util_free(x);
    util_free(y);
}

static void test_gen__same_seed_same_bytes(void **state)
{
    (void)state;
    char *a = dup_dir("gen_seed_a"), *b = dup_dir("gen_seed_b"), *c = dup_dir("gen_seed_c");
    generate(a, 42, 3, 1500, "agate", GEN_NOISE_MEDIUM, true, 1);
    generate(b, 42, 3, 1500, "agate", GEN_NOISE_MEDIUM, true, 3);
    assert_same_tree(a, b);
    /* Another seed gives other people. */
    generate(c, 43, 3, 1500, "agate", GEN_NOISE_MEDIUM, true, 2);
    size_t l1, l2;
    char *x = read_all(test_path_join(a, "etablissements.tsv"), &l1);
    char *y = read_all(test_path_join(c, "etablissements.tsv"), &l2);
    assert_false(l1 == l2 && memcmp(x, y, l1) == 0);
    util_free(x);
    util_free(y);
    util_free(a);
    util_free(b);
    util_free(c);
}

/* Zip container exactly like SIECLE's: version 2.0, flags 0x0808, no extra field. */
static void check_zip_layout(const char *path, const char *entry)
{
    size_t len;
    unsigned char *z = (unsigned char *)read_all(path, &len);
    assert_true(len > 100);
    assert_memory_equal(z, "PK\003\004", 4);
    assert_int_equal(z[4] | z[5] << 8, 20);
    assert_int_equal(z[6] | z[7] << 8, 0x0808);
    assert_int_equal(z[8] | z[9] << 8, 8);
    assert_int_equal(z[26] | z[27] << 8, strlen(entry));
    assert_int_equal(z[28] | z[29] << 8, 0);
    assert_memory_equal(z + 30, entry, strlen(entry));
    /* End of central directory: one entry; central header made by 2.0 / MS-DOS. */
    const unsigned char *eocd = z + len - 22;
    assert_memory_equal(eocd, "PK\005\006", 4);
    assert_int_equal(eocd[8] | eocd[9] << 8, 1);
    size_t cd = (size_t)(eocd[16] | eocd[17] << 8 | eocd[18] << 16 | (size_t)eocd[19] << 24);
    assert_memory_equal(z + cd, "PK\001\002", 4);
    assert_int_equal(z[cd + 4] | z[cd + 5] << 8, 20);
    assert_memory_equal(z + cd - 16, "PK\007\010", 4); /* data descriptor */
    util_free(z);
}

typedef struct counts {
    long elements;
    long oe_bytes;
} counts;

static void count_start(walk *w, const char *name, const char **attrs)
{
    (void)name;
    (void)attrs;
    ((counts *)w->payload)->elements++;
}

static void test_gen__latin9_wellformed_zips(void **state)
{
    (void)state;
    char *dir = dup_dir("gen_xml");
    generate(dir, 7, 2, 3000, NULL, 0, false, 2);
    static char uais[8][256];
    int n = list_dir(dir, uais, 8, true);
    assert_int_equal(n, 2);
    static const char *const zips[][2] = {
        {"ExportXML_ElevesAvecAdresses.zip", "ElevesAvecAdresses.xml"},
        {"ExportXML_ResponsablesAvecAdresses.zip", "ResponsablesAvecAdresses.xml"},
        {"ExportXML_Structures.zip", "Structures.xml"},
        {"ExportXML_Nomenclature.zip", "Nomenclature.xml"}};
    long oe = 0;
    for (int i = 0; i < n; i++) {
        assert_true(gen_uai_valid(uais[i]));
        char ed[2048];
        path2(ed, sizeof ed, dir, uais[i]);
        for (size_t z = 0; z < UTIL_ARRAY_LEN(zips); z++) {
            const char *path = test_path_join(ed, zips[z][0]);
            check_zip_layout(path, zips[z][1]);
            size_t len;
            char name[256];
            char *xml = unzip_one(path, &len, name, sizeof name);
            assert_string_equal(name, zips[z][1]);
            const char *decl = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n";
            assert_memory_equal(xml, decl, strlen(decl));
            for (size_t k = 0; k < len; k++) {
                oe += (unsigned char)xml[k] == 0xBD;
            }
            /* No UTF-8 leaked through: Ã followed by a continuation byte would be mojibake. */
            for (size_t k = 0; k + 1 < len; k++) {
                if ((unsigned char)xml[k] == 0xC3 && ((unsigned char)xml[k + 1] & 0xC0) == 0x80) {
                    fail_msg("%s: UTF-8 sequence at byte %zu", name, k);
                }
            }
            counts c = {0, 0};
            walk w = {.on_start = count_start, .payload = &c};
            walk_xml(xml, len, &w, name);
            assert_true(c.elements > 10);
            if (strstr(xml, "<PARAMETRES>") == NULL || strstr(xml, uais[i]) == NULL) {
                fail_msg("%s: no PARAMETRES with the UAJ", name);
            }
            util_free(xml);
        }
        static const char *const plain[] = {"sts_emp_%s_2024.xml", "emp_sts_%s_2024.xml"};
        for (size_t z = 0; z < UTIL_ARRAY_LEN(plain); z++) {
            char fname[128];
            snprintf(fname, sizeof fname, plain[z], uais[i]);
            size_t len;
            char *xml = read_all(test_path_join(ed, fname), &len);
            counts c = {0, 0};
            walk w = {.on_start = count_start, .payload = &c};
            walk_xml(xml, len, &w, fname);
            assert_true(c.elements > 100);
            util_free(xml);
        }
    }
    assert_true(oe > 0); /* œ is one Latin-9 byte, 0xBD */
    util_free(dir);
}

/* ---- class sizes and guardians, read back from the files ---- */

#define MAXS 8192

typedef struct census {
    long ids[MAXS];
    bool left[MAXS];
    char div[MAXS][16];
    int legal[MAXS], total[MAXS];
    int n;
    long cur_id;
    int cur_niveau;
    bool in_struct;
    char cur_code[16];
} census;

static int census_find(census *c, long id)
{
    for (int i = 0; i < c->n; i++) {
        if (c->ids[i] == id) {
            return i;
        }
    }
    return -1;
}

static void eleves_start(walk *w, const char *name, const char **attrs)
{
    census *c = w->payload;
    if (strcmp(name, "ELEVE") == 0 && c->n < MAXS) {
        c->ids[c->n] = strtol(attr(attrs, "ELEVE_ID"), NULL, 10);
        c->left[c->n] = false;
        c->div[c->n][0] = '\0';
        c->n++;
    } else if (strcmp(name, "STRUCTURES_ELEVE") == 0) {
        c->cur_id = strtol(attr(attrs, "ELEVE_ID"), NULL, 10);
    }
}

static void eleves_end(walk *w, const char *name, const char *text)
{
    census *c = w->payload;
    if (strcmp(name, "DATE_SORTIE") == 0 && c->n > 0) {
        c->left[c->n - 1] = true;
    } else if (strcmp(name, "CODE_STRUCTURE") == 0 && w->depth >= 5 &&
               strcmp(w->stack[w->depth - 1], "STRUCTURE") == 0) {
        snprintf(c->cur_code, sizeof c->cur_code, "%s", text);
    } else if (strcmp(name, "TYPE_STRUCTURE") == 0 && strcmp(text, "D") == 0) {
        int i = census_find(c, c->cur_id);
        assert_true(i >= 0);
        snprintf(c->div[i], sizeof c->div[i], "%s", c->cur_code);
    }
}

static void resp_end(walk *w, const char *name, const char *text)
{
    census *c = w->payload;
    if (strcmp(name, "ELEVE_ID") == 0) {
        c->cur_id = strtol(text, NULL, 10);
    } else if (strcmp(name, "NIVEAU_RESPONSABILITE") == 0) {
        c->cur_niveau = (int)strtol(text, NULL, 10);
    } else if (strcmp(name, "RESPONSABLE_ELEVE") == 0) {
        int i = census_find(c, c->cur_id);
        assert_true(i >= 0); /* every link points at a student of the Eleves file */
        c->total[i]++;
        c->legal[i] += c->cur_niveau == 1;
    }
}

static void census_load(census *c, const char *edir)
{
    memset(c, 0, sizeof *c);
    size_t len;
    char name[128];
    char *xml = unzip_one(test_path_join(edir, "ExportXML_ElevesAvecAdresses.zip"), &len, name,
                          sizeof name);
    walk w = {.on_start = eleves_start, .on_end = eleves_end, .payload = c};
    walk_xml(xml, len, &w, name);
    util_free(xml);
    xml = unzip_one(test_path_join(edir, "ExportXML_ResponsablesAvecAdresses.zip"), &len, name,
                    sizeof name);
    walk w2 = {.on_end = resp_end, .payload = c};
    walk_xml(xml, len, &w2, name);
    util_free(xml);
}

static void test_gen__class_sizes_and_guardians(void **state)
{
    (void)state;
    char *dir = dup_dir("gen_sizes");
    generate(dir, 11, 6, 7000, NULL, 0, false, 2);
    static char uais[16][256];
    int n = list_dir(dir, uais, 16, true);
    assert_int_equal(n, 6);
    census *c = util_calloc(1, sizeof *c);
    long students = 0;
    for (int i = 0; i < n; i++) {
        char ed[2048];
        path2(ed, sizeof ed, dir, uais[i]);
        census_load(c, ed);
        students += c->n;
        /* Current students per division (leavers are still listed in theirs). */
        util_map *m;
        assert_int_equal(util_map_new(&m), 0);
        for (int k = 0; k < c->n; k++) {
            if (c->div[k][0] && !c->left[k]) {
                int64_t v = 0;
                util_map_get(m, c->div[k], strlen(c->div[k]), &v);
                util_map_put(m, c->div[k], strlen(c->div[k]), v + 1);
            }
            if (c->legal[k] < 1 || c->legal[k] > 2 || c->total[k] > 4) {
                fail_msg("%s: student %ld has %d legal guardians, %d in all", uais[i], c->ids[k],
                         c->legal[k], c->total[k]);
            }
        }
        size_t pos = 0;
        const char *key;
        size_t key_len;
        int64_t v;
        int n_div = 0;
        while (util_map_next(m, &pos, &key, &key_len, &v)) {
            if (v < 24 || v > 35) {
                fail_msg("%s: division %.*s has %lld students", uais[i], (int)key_len, key,
                         (long long)v);
            }
            n_div++;
        }
        assert_true(n_div >= 4);
        util_map_free(m);
    }
    assert_int_equal(students, 7000);
    util_free(c);
    util_free(dir);
}

/* ---- partner noise and ground truth ---- */

typedef struct truth_stats {
    long rows, hub_rows, partner_only, hub_only, hub_total;
    long tags[16];
    long guardian_rows, guardian_dups;
} truth_stats;

static const char *const tag_names[] = {"accents",  "faute_frappe", "premier_prenom",
                                        "nom_usage", "jour_mois",    "sans_date",
                                        "doublon",  "partenaire_seul"};

static void read_truth(const char *path, truth_stats *t)
{
    size_t len;
    char *data = read_all(path, &len);
    char *save = NULL;
    char *line = strtok_r(data, "\n", &save);
    assert_string_equal(line, "categorie;partner_id;siecle_id;bruit");
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *f[4] = {NULL, NULL, NULL, NULL};
        int nf = 0;
        char *p = line;
        while (nf < 4) {
            f[nf++] = p;
            char *semi = strchr(p, ';');
            if (semi == NULL) {
                break;
            }
            *semi = '\0';
            p = semi + 1;
        }
        assert_int_equal(nf, 4);
        if (f[1][0] == '\0') {
            assert_string_equal(f[3], "hub_seul");
            assert_true(f[2][0] != '\0');
            t->hub_only++;
            t->hub_total++;
            continue;
        }
        t->rows++;
        bool partner_only = f[2][0] == '\0';
        if (partner_only) {
            assert_string_equal(f[3], "partenaire_seul");
            t->partner_only++;
        } else {
            t->hub_rows++;
            t->hub_total++;
        }
        if (strcmp(f[0], "responsable") == 0 && !partner_only) {
            t->guardian_rows++;
        }
        for (size_t k = 0; k < UTIL_ARRAY_LEN(tag_names); k++) {
            const char *h = strstr(f[3], tag_names[k]);
            size_t tl = strlen(tag_names[k]);
            if (h && (h[tl] == '\0' || h[tl] == ',')) {
                t->tags[k]++;
            }
        }
    }
    util_free(data);
}

static void assert_rate(const char *what, long hits, long n, double p)
{
    assert_true(n > 200);
    double obs = (double)hits / (double)n;
    double tol = 4.0 * sqrt(p * (1 - p) / (double)n) + 0.003;
    if (fabs(obs - p) > tol) {
        fail_msg("%s: observed %.4f over %ld, expected %.4f ± %.4f", what, obs, n, p, tol);
    }
}

static void test_gen__noise_rates(void **state)
{
    (void)state;
    double prev_typo = -1;
    for (int level = GEN_NOISE_LOW; level <= GEN_NOISE_HIGH; level++) {
        char name[32];
        snprintf(name, sizeof name, "gen_noise_%d", level);
        char *dir = dup_dir(name);
        generate(dir, 5, 4, 6000, "agate", level, false, 2);
        const gen_noise_rates *q = gen_noise_rates_get(level);
        static char uais[8][256];
        int n = list_dir(dir, uais, 8, true);
        truth_stats t;
        memset(&t, 0, sizeof t);
        for (int i = 0; i < n; i++) {
            char ed[2048];
            path2(ed, sizeof ed, dir, uais[i]);
            read_truth(test_path_join(ed, "partner_agate_truth.csv"), &t);
        }
        /* The duplicate of a guardian is itself a hub row: its base is the guardians listed once. */
        long base_guardians = t.guardian_rows - t.tags[6];
        assert_rate("faute_frappe", t.tags[1], t.hub_rows, q->typo);
        assert_rate("hub_seul", t.hub_only, t.hub_total, q->hub_only);
        assert_rate("partenaire_seul", t.partner_only, t.hub_rows - t.tags[6], q->partner_only);
        assert_rate("doublon", t.tags[6], base_guardians, q->guardian_twice);
        assert_rate("sans_date", t.tags[5], t.guardian_rows, q->guardian_no_birth);
        /* Rates that apply to a subset only are bounded by their rate over all rows. */
        assert_true(t.tags[0] <= (long)(t.hub_rows * q->accents_dropped * 1.2) + 20);
        assert_true(t.tags[0] > 0);
        assert_true(t.tags[2] <= (long)(t.hub_rows * q->first_name_only * 1.2) + 20);
        assert_true(t.tags[2] > 0);
        assert_true(t.tags[3] <= (long)(t.hub_rows * q->usage_name * 1.2) + 20);
        assert_true(t.tags[4] <= (long)(t.hub_rows * q->day_month_swapped * 1.2) + 20);
        double typo = (double)t.tags[1] / (double)t.hub_rows;
        assert_true(typo > prev_typo);
        prev_typo = typo;
        util_free(dir);
    }
}

/* Every partner id of the truth is in the partner list once, and each SIECLE / STS id exists. */
static void test_gen__ground_truth_consistent(void **state)
{
    (void)state;
    char *dir = dup_dir("gen_truth");
    generate(dir, 9, 2, 1600, "pronote", GEN_NOISE_HIGH, false, 2);
    static char uais[8][256];
    int n = list_dir(dir, uais, 8, true);
    for (int i = 0; i < n; i++) {
        char ed[2048];
        path2(ed, sizeof ed, dir, uais[i]);
        size_t len, tlen, slen, rlen;
        char *csv = read_all(test_path_join(ed, "partner_pronote.csv"), &len);
        char *truth = read_all(test_path_join(ed, "partner_pronote_truth.csv"), &tlen);
        char sts_name[128];
        snprintf(sts_name, sizeof sts_name, "sts_emp_%.8s_2024.xml", uais[i]);
        char *sts = read_all(test_path_join(ed, sts_name), &slen);
        char zname[128];
        char *resp = unzip_one(test_path_join(ed, "ExportXML_ResponsablesAvecAdresses.zip"),
                               &rlen, zname, sizeof zname);
        size_t elen;
        char *ele = unzip_one(test_path_join(ed, "ExportXML_ElevesAvecAdresses.zip"), &elen,
                              zname, sizeof zname);
        assert_true(strncmp(csv, "categorie;id;nom;prenom;date_naissance;nom_usage;sexe;ine;"
                                 "email;telephone;code_postal;enfants;classe\n",
                            100) == 0);
        long rows = 0;
        for (char *p = strchr(csv, '\n') + 1; *p; p = strchr(p, '\n') + 1) {
            rows++;
        }
        long truth_rows = 0;
        char *save = NULL;
        char *line = strtok_r(truth, "\n", &save);
        while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
            char cat[16], pid[32], sid[32];
            char *a = strchr(line, ';'), *b = a ? strchr(a + 1, ';') : NULL;
            assert_non_null(b);
            snprintf(cat, sizeof cat, "%.*s", (int)(a - line), line);
            snprintf(pid, sizeof pid, "%.*s", (int)(b - a - 1), a + 1);
            char *c2 = strchr(b + 1, ';');
            snprintf(sid, sizeof sid, "%.*s", (int)(c2 - b - 1), b + 1);
            if (pid[0]) {
                truth_rows++;
                char needle[64];
                snprintf(needle, sizeof needle, "\n%s;%s;", cat, pid);
                char *hit = strstr(csv, needle);
                assert_non_null(hit);
                assert_null(strstr(hit + 1, needle)); /* partner ids are unique */
            }
            if (!sid[0]) {
                continue;
            }
            char needle[96];
            if (strcmp(cat, "eleve") == 0) {
                snprintf(needle, sizeof needle, "ELEVE_ID=\"%s\"", sid);
                assert_non_null(strstr(ele, needle));
            } else if (strcmp(cat, "responsable") == 0) {
                snprintf(needle, sizeof needle, "PERSONNE_ID=\"%s\"", sid);
                assert_non_null(strstr(resp, needle));
            } else {
                snprintf(needle, sizeof needle, "<INDIVIDU ID=\"%s\"", sid);
                assert_non_null(strstr(sts, needle));
            }
        }
        assert_int_equal(truth_rows, rows);
        util_free(csv);
        util_free(truth);
        util_free(sts);
        util_free(resp);
        util_free(ele);
    }
    util_free(dir);
}

static void test_gen__defects_listed(void **state)
{
    (void)state;
    char *dir = dup_dir("gen_defects");
    generate(dir, 3, 2, 1500, NULL, 0, true, 1);
    static char uais[8][256];
    int n = list_dir(dir, uais, 8, true);
    static const char *const codes[] = {"groupe_ancienne_division", "responsables_sans_adresse",
                                        "responsable_en_double", "eleve_sans_responsable_legal",
                                        "libelle_division_different", "code_groupe_trop_long",
                                        "division_sans_eleve"};
    static const char *const rules[] = {"ENT_GROUPE_ANCIENNE_DIVISION", "PREP_ADRESSES_MANQUANTES",
                                        "ENT_RESPONSABLE_EN_DOUBLE",
                                        "PREP_ELEVE_SANS_RESPONSABLE_LEGAL",
                                        "PREP_LIBELLE_DIVISION", "STS_CODE_GROUPE_INVALIDE",
                                        "PREP_DIVISION_VIDE"};
    for (int i = 0; i < n; i++) {
        char ed[2048];
        path2(ed, sizeof ed, dir, uais[i]);
        size_t len;
        char *tsv = read_all(test_path_join(ed, "defects.tsv"), &len);
        for (size_t k = 0; k < UTIL_ARRAY_LEN(codes); k++) {
            char needle[64];
            snprintf(needle, sizeof needle, "\n%s\t%s\t", codes[k], rules[k]);
            if (strstr(tsv, needle) == NULL) {
                fail_msg("%s: defect %s not injected", uais[i], codes[k]);
            }
        }
        /* The empty division is in Structures.xml, with no student in Eleves. */
        const char *z = strstr(tsv, "\ndivision_sans_eleve\tPREP_DIVISION_VIDE\t") +
                        strlen("\ndivision_sans_eleve\tPREP_DIVISION_VIDE\t");
        char code[16];
        snprintf(code, sizeof code, "%.*s", (int)strcspn(z, "\n"), z);
        size_t sl, el;
        char zname[64];
        char *st = unzip_one(test_path_join(ed, "ExportXML_Structures.zip"), &sl, zname,
                             sizeof zname);
        char *el_xml = unzip_one(test_path_join(ed, "ExportXML_ElevesAvecAdresses.zip"), &el,
                                 zname, sizeof zname);
        char needle[64];
        snprintf(needle, sizeof needle, "<DIVISION CODE_STRUCTURE=\"%s\">", code);
        assert_non_null(strstr(st, needle));
        snprintf(needle, sizeof needle, "<CODE_STRUCTURE>%s</CODE_STRUCTURE>", code);
        assert_null(strstr(el_xml, needle));
        util_free(st);
        util_free(el_xml);
        util_free(tsv);
    }
    util_free(dir);
}

int main(void)
{
    util_i18n_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen__uai_key),
        cmocka_unit_test(test_gen__options_refused),
        cmocka_unit_test(test_gen__same_seed_same_bytes),
        cmocka_unit_test(test_gen__latin9_wellformed_zips),
        cmocka_unit_test(test_gen__class_sizes_and_guardians),
        cmocka_unit_test(test_gen__noise_rates),
        cmocka_unit_test(test_gen__ground_truth_consistent),
        cmocka_unit_test(test_gen__defects_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
