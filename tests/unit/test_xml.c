/*
 * test_xml.c — the xml module: sources (plain files, the real SIECLE zip,
 * zips built here with libarchive), encodings and their contradictions, the
 * safety limits (DTD, entities, depth, text, tokens, zip bombs), the record
 * API and its accessors, the helpers, and allocation failures.
 */
#include "testutil.h"
#include "util/util.h"
#include "xml/xml.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOMENCLATURE_XML "formats/samples/siecle/Nomenclature_0750680G_2019.xml"
#define NOMENCLATURE_ZIP "formats/samples/siecle/ExportXML_Nomenclature_0750680G_2019.zip"

/* ------------------------------------------------------------- helpers */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *len)
{
    char *data = NULL;
    assert_int_equal(util_file_read(&data, len, path), 0);
    return data;
}

typedef struct zip_item {
    const char *name;
    const char *data; /* NULL: a directory */
    size_t len;
    bool size_unknown; /* let libarchive write a data descriptor (bit 3) */
} zip_item;

static void make_zip(const char *path, const zip_item *items, size_t n)
{
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, items[i].name);
        if (items[i].data == NULL) {
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            if (!items[i].size_unknown) {
                archive_entry_set_size(e, (la_int64_t)items[i].len);
            }
        }
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (items[i].data) {
            assert_int_equal(archive_write_data(a, items[i].data, items[i].len),
                             (la_ssize_t)items[i].len);
        }
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

/* A deterministic text dump of a record, to compare parses. */
static void dump_node(util_buf *b, const xml_node *n)
{
    util_buf_printf(b, "<%s@%lu", xml_node_name(n), xml_node_line(n));
    for (size_t i = 0; i < xml_node_attr_count(n); i++) {
        const xml_attr *a = xml_node_attr_at(n, i);
        util_buf_printf(b, " %s=%s", a->name, a->value);
    }
    util_buf_printf(b, "[%s]", xml_node_text(n));
    for (const xml_node *c = xml_node_first_child(n); c; c = xml_node_next_sibling(c)) {
        dump_node(b, c);
    }
    util_buf_puts(b, ">\n");
}

typedef struct collector {
    util_buf dump;
    size_t n_records;
    int stop_after; /* return 42 after this many records (0: never) */
} collector;

static int collect(const xml_node *n, void *payload)
{
    collector *c = payload;
    dump_node(&c->dump, n);
    c->n_records++;
    if (c->stop_after && c->n_records == (size_t)c->stop_after) {
        return 42;
    }
    return 0;
}

/* Parse a document in memory, collecting the records at `path`. */
static int parse_mem(collector *c, const char *path, const void *doc, size_t len,
                     const xml_options *opts)
{
    xml_reader *r = NULL;
    xml_source *src = NULL;
    assert_int_equal(xml_reader_new(&r, opts), 0);
    if (path) {
        assert_int_equal(xml_reader_on_record(r, path, collect, c), 0);
    }
    int rc = xml_source_open_memory(&src, "doc.xml", doc, len, opts);
    if (rc == 0) {
        rc = xml_reader_parse(r, src);
    }
    xml_source_free(src);
    xml_reader_free(r);
    return rc;
}

static int parse_str(collector *c, const char *path, const char *doc)
{
    return parse_mem(c, path, doc, strlen(doc), NULL);
}

static int parse_file(collector *c, const char *path, const char *file, const xml_options *opts)
{
    xml_reader *r = NULL;
    assert_int_equal(xml_reader_new(&r, opts), 0);
    if (path) {
        assert_int_equal(xml_reader_on_record(r, path, collect, c), 0);
    }
    int rc = xml_reader_parse_file(r, file);
    xml_reader_free(r);
    return rc;
}

static void collector_free(collector *c)
{
    util_buf_free(&c->dump);
}

static void assert_error_contains(const char *needle)
{
    const char *msg = relais_error_last();
    if (strstr(msg, needle) == NULL) {
        fail_msg("message « %s » does not contain « %s »", msg, needle);
    }
}

/* ----------------------------------------------------- real SIECLE files */

typedef struct nomenclature {
    collector mefs;
    char uaj[16];
    char year[8];
    char root[32];
    char version[8];
    const char *libelle_2nde;
} nomenclature;

static int nomenclature_root(const xml_node *n, void *payload)
{
    nomenclature *st = payload;
    snprintf(st->root, sizeof st->root, "%s", xml_node_name(n));
    const char *v = xml_node_attr(n, "VERSION");
    snprintf(st->version, sizeof st->version, "%s", v ? v : "");
    return 0;
}

static int nomenclature_params(const xml_node *n, void *payload)
{
    nomenclature *st = payload;
    snprintf(st->uaj, sizeof st->uaj, "%s", xml_node_child_text(n, "UAJ"));
    snprintf(st->year, sizeof st->year, "%s", xml_node_child_text(n, "ANNEE_SCOLAIRE"));
    return 0;
}

static int nomenclature_mef(const xml_node *n, void *payload)
{
    nomenclature *st = payload;
    const char *code = xml_node_attr(n, "CODE_MEF");
    if (code && strcmp(code, "20010018110") == 0 &&
        strcmp(xml_node_child_text(n, "LIBELLE_EDITION"), "2nde générale et technologique") == 0) {
        st->libelle_2nde = "ok";
    }
    return collect(n, &st->mefs);
}

static void parse_nomenclature(nomenclature *st, const char *path)
{
    memset(st, 0, sizeof *st);
    xml_reader *r = NULL;
    assert_int_equal(xml_reader_new(&r, NULL), 0);
    assert_int_equal(xml_reader_on_root(r, nomenclature_root, st), 0);
    assert_int_equal(xml_reader_on_record(r, "/*/PARAMETRES", nomenclature_params, st), 0);
    assert_int_equal(
        xml_reader_on_record(r, "/BEE_NOMENCLATURES/DONNEES/MEFS/MEF", nomenclature_mef, st), 0);
    assert_int_equal(xml_reader_on_record(r, "/BEE_NOMENCLATURES/DONNEES/MATIERES/MATIERE",
                                          collect, &st->mefs),
                     0);
    int rc = xml_reader_parse_file(r, path);
    if (rc != 0) {
        fail_msg("%s: %s", path, relais_error_last());
    }
    assert_string_equal(xml_reader_encoding(r), "ISO-8859-15");
    xml_reader_free(r);
}

static void test_xml__nomenclature_zip_and_xml(void **state)
{
    (void)state;
    nomenclature plain, zipped;
    parse_nomenclature(&plain, test_shared_path(NOMENCLATURE_XML));
    parse_nomenclature(&zipped, test_shared_path(NOMENCLATURE_ZIP));
    assert_string_equal(plain.root, "BEE_NOMENCLATURES");
    assert_string_equal(plain.version, "3.1");
    assert_string_equal(plain.uaj, "0750680G");
    assert_string_equal(plain.year, "2019");
    assert_int_equal(plain.mefs.n_records, 29 + 108);
    assert_non_null(plain.libelle_2nde);
    /* Same records, same lines, byte for byte, from the zip (bit 3 data descriptor). */
    assert_int_equal(zipped.mefs.n_records, plain.mefs.n_records);
    assert_string_equal(zipped.mefs.dump.data, plain.mefs.dump.data);
    assert_string_equal(zipped.uaj, "0750680G");
    collector_free(&plain.mefs);
    collector_free(&zipped.mefs);

    xml_source *src = NULL;
    assert_int_equal(xml_source_open(&src, test_shared_path(NOMENCLATURE_ZIP), NULL), 0);
    assert_true(xml_source_is_zip(src));
    assert_string_equal(xml_source_name(src),
                        "ExportXML_Nomenclature_0750680G_2019.zip:Nomenclature.xml");
    uint64_t done, total;
    xml_source_progress(src, &done, &total);
    assert_int_equal(total, 269168);
    xml_source_free(src);
}

static int eleve_names(const xml_node *n, void *payload)
{
    util_buf *b = payload;
    util_buf_printf(b, "%s %s|", xml_node_attr(n, "ELEVE_ID"), xml_node_child_text(n, "PRENOM"));
    return 0;
}

static void test_xml__constructed_eleves_latin9(void **state)
{
    (void)state;
    util_buf b = UTIL_BUF_INIT;
    xml_reader *r = NULL;
    assert_int_equal(xml_reader_new(&r, NULL), 0);
    assert_int_equal(
        xml_reader_on_record(r, "/BEE_ELEVES/DONNEES/ELEVES/ELEVE", eleve_names, &b), 0);
    assert_int_equal(xml_reader_parse_file(
                         r, test_shared_path("formats/samples/siecle/constructed_ElevesAvecAdresses.xml")),
                     0);
    assert_non_null(strstr(b.data, "900001 Zoé|"));
    assert_non_null(strstr(b.data, "Jean-Noël|"));
    assert_non_null(strstr(b.data, "Cœlia|"));
    xml_reader_free(r);
    util_buf_free(&b);
}

static void test_xml__malformed_sts_sample(void **state)
{
    (void)state;
    collector c = {UTIL_BUF_INIT, 0, 0};
    int rc = parse_file(
        &c, "/EDT_STS/PARAMETRES",
        test_shared_path("formats/samples/sts/open-ent-edt_parsing-error-case_emp_sts.malformed.xml"),
        NULL);
    assert_int_equal(rc, RELAIS_EINVALID);
    assert_error_contains("open-ent-edt_parsing-error-case_emp_sts.malformed.xml:82 : ");
    assert_error_contains("élément HORAIRE");
    assert_error_contains("</DONNEES>");
    assert_error_contains("ligne 26");
    /* The records before the error were delivered; the caller discards them on error. */
    assert_int_equal(c.n_records, 1);
    collector_free(&c);
}

/* ------------------------------------------------------------- encodings */

static void test_xml__latin9_characters(void **state)
{
    (void)state;
    const char doc[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n"
                       "<R><E>c\xBDur \xA4 \xBE \xBC \xA6\xA8\xB4\xB8 \xE9t\xE9</E></R>";
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&c, "/R/E", doc), 0);
    assert_string_equal(c.dump.data, "<E@2[cœur € Ÿ Œ ŠšŽž été]>\n");
    collector_free(&c);

    /* The same bytes declared ISO-8859-1 are Latin-1: ½ ¤ ¾. */
    const char doc1[] = "<?xml version='1.0' encoding='iso-8859-1'?><R><E>\xBD\xA4\xBE</E></R>";
    collector c1 = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&c1, "/R/E", doc1), 0);
    assert_string_equal(c1.dump.data, "<E@1[½¤¾]>\n");
    collector_free(&c1);
}

static void test_xml__windows1252(void **state)
{
    (void)state;
    const char doc[] = "<?xml version=\"1.0\" encoding=\"windows-1252\"?>"
                       "<R><E>l\x92\xE9t\xE9 \x80 \x9C</E></R>";
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&c, "/R/E", doc), 0);
    assert_string_equal(c.dump.data, "<E@1[l’été € œ]>\n");
    collector_free(&c);

    /* An undefined windows-1252 byte. */
    collector c2 = {UTIL_BUF_INIT, 0, 0};
    const char bad[] = "<?xml version=\"1.0\" encoding=\"CP1252\"?>\n<R>\n<E>\x81</E></R>";
    assert_int_equal(parse_str(&c2, "/R/E", bad), RELAIS_EINVALID);
    assert_error_contains("doc.xml:3 : octet 0x81 non défini en windows-1252");
    collector_free(&c2);

    /* A Latin-9 file with a windows-1252 apostrophe: a C1 control in Latin-9. */
    collector c3 = {UTIL_BUF_INIT, 0, 0};
    const char c1[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<R>\n\n<E>l\x92\xE9t\xE9</E></R>";
    assert_int_equal(parse_str(&c3, "/R/E", c1), RELAIS_EINVALID);
    assert_error_contains("doc.xml:4 : octet 0x92");
    assert_error_contains("windows-1252");
    collector_free(&c3);
}

static void test_xml__utf8_with_and_without_bom(void **state)
{
    (void)state;
    const char *docs[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><R><E>Zoé œ €</E></R>",
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?><R><E>Zoé œ €</E></R>",
        "<R><E>Zoé œ €</E></R>",
        "\xEF\xBB\xBF<R><E>Zoé œ €</E></R>",
        /* BOM > declaration: a UTF-8 BOM wins over a Latin-9 label. */
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><R><E>Zoé œ €</E></R>",
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(docs); i++) {
        collector c = {UTIL_BUF_INIT, 0, 0};
        int rc = parse_str(&c, "/R/E", docs[i]);
        if (rc != 0) {
            fail_msg("doc %zu: %s", i, relais_error_last());
        }
        assert_string_equal(c.dump.data, "<E@1[Zoé œ €]>\n");
        collector_free(&c);
    }
}

static void test_xml__utf8_resaved_as_latin9_refused(void **state)
{
    (void)state;
    /* "é" written as UTF-8 (C3 A9) in a file declaring ISO-8859-15: refused at once. */
    const char doc[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<R>\n<E>Zo\xC3\xA9</E></R>";
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&c, "/R/E", doc), RELAIS_EINVALID);
    assert_error_contains("doc.xml:3 : le fichier se déclare en ISO-8859-15 mais contient du texte "
                          "UTF-8 (« é » s'y lirait « Ã© »)");
    assert_int_equal(c.n_records, 0);
    collector_free(&c);

    /* œ in UTF-8 (C5 93), € (E2 82 AC): also decisive. */
    const char *decisive[] = {
        "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?><R><E>c\xC5\x93ur</E></R>",
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><R><E>5 \xE2\x82\xAC</E></R>",
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(decisive); i++) {
        collector d = {UTIL_BUF_INIT, 0, 0};
        assert_int_equal(parse_str(&d, "/R/E", decisive[i]), RELAIS_EINVALID);
        assert_error_contains("mais contient du texte UTF-8");
        collector_free(&d);
    }

    /* A pair that is both valid UTF-8 and plausible Latin-9 ("É" + no-break space): the
       file is refused only when nothing else in it is Latin. */
    const char weak_only[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<R>\n"
                             "<E>CIT\xC9\xA0</E>\n<E>X</E></R>";
    collector w = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&w, "/R/E", weak_only), RELAIS_EINVALID);
    assert_error_contains("doc.xml:3 : le fichier se déclare en ISO-8859-15 mais tous ses");
    collector_free(&w);

    const char weak_and_latin[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<R>\n"
                                  "<E>CIT\xC9\xA0</E>\n<E>\xE9t\xE9</E></R>";
    collector wl = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&wl, "/R/E", weak_and_latin), 0);
    /* Only ASCII white space is trimmed: the no-break space stays. */
    assert_string_equal(wl.dump.data, "<E@3[CITÉ\xC2\xA0]>\n<E@4[été]>\n");
    collector_free(&wl);
}

static void test_xml__invalid_utf8_refused(void **state)
{
    (void)state;
    /* Latin-9 bytes without declaration (UTF-8 by default) and with encoding="UTF-8". */
    const char *docs[] = {
        "<R>\n<E>ok</E>\n<E>Zo\xE9</E></R>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><R>\n<E>ok</E>\n<E>Zo\xE9</E></R>",
        "\xEF\xBB\xBF<R>\n<E>ok</E>\n<E>Zo\xE9</E></R>",
        "<R>\n<E>ok</E>\n<E>\xC0\xAF overlong</E></R>",
        "<R>\n<E>ok</E>\n<E>\xED\xA0\x80 surrogate</E></R>",
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(docs); i++) {
        collector c = {UTIL_BUF_INIT, 0, 0};
        assert_int_equal(parse_str(&c, "/R/E", docs[i]), RELAIS_EINVALID);
        assert_error_contains("doc.xml:3 : octet 0x");
        assert_error_contains("invalide en UTF-8");
        collector_free(&c);
    }
    collector t = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&t, NULL, "<R>\n<E>Zo\xC3"), RELAIS_EINVALID);
    assert_error_contains("séquence UTF-8 incomplète");
    collector_free(&t);

    /* US-ASCII declared, é present. */
    collector a = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(
        parse_str(&a, NULL, "<?xml version=\"1.0\" encoding=\"US-ASCII\"?>\n<R>Zo\xC3\xA9</R>"),
        RELAIS_EINVALID);
    assert_error_contains("doc.xml:2 : octet 0xC3 alors que le fichier se déclare en US-ASCII");
    collector_free(&a);
}

static void test_xml__unknown_encodings_refused(void **state)
{
    (void)state;
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_str(&c, NULL, "<?xml version=\"1.0\" encoding=\"KOI8-R\"?><R/>"),
                     RELAIS_EINVALID);
    assert_error_contains("doc.xml:1 : encodage « KOI8-R » inconnu");
    assert_int_equal(parse_str(&c, NULL, "<?xml version=\"1.0\" encoding=\"UTF-16\"?><R/>"),
                     RELAIS_EINVALID);
    assert_error_contains("encodage UTF-16 non pris en charge");
    const char utf16le[] = "\xFF\xFE<\0R\0/\0>\0";
    assert_int_equal(parse_mem(&c, NULL, utf16le, sizeof utf16le - 1, NULL), RELAIS_EINVALID);
    assert_error_contains("UTF-16 non pris en charge");
    const char utf16_nobom[] = "<\0?\0x\0m\0l\0";
    assert_int_equal(parse_mem(&c, NULL, utf16_nobom, sizeof utf16_nobom - 1, NULL),
                     RELAIS_EINVALID);
    assert_error_contains("UTF-16 non pris en charge");
    /* Known aliases are accepted. */
    assert_int_equal(parse_str(&c, NULL, "<?xml version=\"1.0\" encoding=\"latin9\"?><R/>"), 0);
    assert_int_equal(parse_str(&c, NULL, "<?xml version=\"1.0\" encoding=\"utf8\"?><R/>"), 0);
    collector_free(&c);
}

/* Texts and multibyte characters across read-buffer boundaries, in every encoding. */
static void test_xml__text_split_across_buffers(void **state)
{
    (void)state;
    const char *decls[] = {"<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n",
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"};
    for (size_t k = 0; k < 2; k++) {
        util_buf doc = UTIL_BUF_INIT, expected = UTIL_BUF_INIT;
        util_buf_puts(&doc, decls[k]);
        util_buf_puts(&doc, "<R>\n");
        unsigned long line = 3;
        for (int i = 0; i < 3000; i++) {
            /* varying lengths so that boundaries fall everywhere */
            util_buf_puts(&doc, "  <E>  ");
            util_buf_puts(&expected, "<E@");
            util_buf_printf(&expected, "%lu[", line++);
            for (int j = 0; j < i % 37; j++) {
                util_buf_puts(&doc, k == 0 ? "\xE9\xBD" : "é\xC5\x93");
                util_buf_puts(&expected, "éœ");
            }
            util_buf_printf(&doc, " &amp; %d", i);
            util_buf_printf(&expected, i % 37 ? " & %d" : "& %d", i);
            util_buf_puts(&doc, "  </E>\n");
            util_buf_puts(&expected, "]>\n");
        }
        util_buf_puts(&doc, "</R>\n");
        xml_options small = XML_OPTIONS_INIT;
        small.buffer_size = 4096;
        collector c = {UTIL_BUF_INIT, 0, 0};
        int rc = parse_mem(&c, "/R/E", doc.data, doc.len, &small);
        if (rc != 0) {
            fail_msg("%s", relais_error_last());
        }
        assert_int_equal(c.n_records, 3000);
        assert_string_equal(c.dump.data, expected.data);
        collector_free(&c);
        util_buf_free(&doc);
        util_buf_free(&expected);
    }
}

/* ---------------------------------------------------------------- safety */

static void test_xml__doctype_and_entities_refused(void **state)
{
    (void)state;
    const char laughs[] = "<?xml version=\"1.0\"?>\n"
                          "<!DOCTYPE lolz [\n"
                          " <!ENTITY lol \"lol\">\n"
                          " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
                          " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
                          " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
                          "]>\n<lolz>&lol3;</lolz>";
    const char passwd[] = "<?xml version=\"1.0\"?>\n"
                          "<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
                          "<r>&xxe;</r>";
    const char external[] = "<?xml version=\"1.0\"?>\n"
                            "<!DOCTYPE r SYSTEM \"http://127.0.0.1:1/evil.dtd\">\n<r>&x;</r>";
    xml_options allow = XML_OPTIONS_INIT;
    allow.allow_doctype = true;
    collector c = {UTIL_BUF_INIT, 0, 0};

    assert_int_equal(parse_str(&c, "/lolz", laughs), RELAIS_EINVALID);
    assert_error_contains("doc.xml:2 : déclaration de type de document (DOCTYPE lolz) refusée");
    assert_int_equal(parse_mem(&c, "/lolz", laughs, strlen(laughs), &allow), RELAIS_EINVALID);
    assert_error_contains("DOCTYPE lolz avec des déclarations internes refusé");

    assert_int_equal(parse_str(&c, "/r", passwd), RELAIS_EINVALID);
    assert_error_contains("DOCTYPE r");
    assert_null(strstr(relais_error_last(), "root:"));
    assert_int_equal(parse_mem(&c, "/r", passwd, strlen(passwd), &allow), RELAIS_EINVALID);

    assert_int_equal(parse_str(&c, "/r", external), RELAIS_EINVALID);
    /* allowed external DTD: never read, and an entity it would define stays unknown, in
       text as in attribute values */
    assert_int_equal(parse_mem(&c, "/r", external, strlen(external), &allow), RELAIS_EINVALID);
    assert_error_contains("doc.xml:3 : élément r : référence à une entité non définie");
    const char external_attr[] = "<?xml version=\"1.0\"?>\n<!-- c -->\n"
                                 "<!DOCTYPE r SYSTEM 'a>b.dtd'>\n<r a=\"&x;\"/>";
    assert_int_equal(parse_mem(&c, "/r", external_attr, strlen(external_attr), &allow),
                     RELAIS_EINVALID);
    assert_error_contains("doc.xml:4 : ");
    assert_error_contains("référence à une entité non définie");
    const char external_ok[] = "<!DOCTYPE r PUBLIC \"-//x//y\" \"y.dtd\">\n<r a=\"&amp;\"/>";
    assert_int_equal(parse_mem(&c, "/r", external_ok, strlen(external_ok), &allow), 0);
    assert_string_equal(c.dump.data, "<r@2 a=&[]>\n");
    assert_int_equal(c.n_records, 1);
    const char glued[] = "<!DOCTYPEr SYSTEM \"y.dtd\"><r/>";
    assert_int_equal(parse_mem(&c, "/r", glued, strlen(glued), &allow), RELAIS_EINVALID);

    /* Undefined entity without DOCTYPE. */
    assert_int_equal(parse_str(&c, "/r", "<r>\n&nope;</r>"), RELAIS_EINVALID);
    assert_error_contains("doc.xml:2 : élément r : référence à une entité non définie");
    collector_free(&c);

    /* AAF files carry an external DOCTYPE: readable with allow_doctype only. */
    const char *aaf = test_shared_path("formats/samples/aaf/entcore_ENT_Complet_20200101_Eleve_0000.xml");
    collector a = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_file(&a, "/ficAlimMENESR/addRequest", aaf, NULL), RELAIS_EINVALID);
    assert_int_equal(parse_file(&a, "/ficAlimMENESR/addRequest", aaf, &allow), 0);
    assert_true(a.n_records > 0);
    collector_free(&a);
}

static void test_xml__depth_bomb(void **state)
{
    (void)state;
    util_buf doc = UTIL_BUF_INIT;
    for (int i = 0; i < 100000; i++) {
        util_buf_puts(&doc, "<a>\n");
    }
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_mem(&c, "/a/a", doc.data, doc.len, NULL), RELAIS_EINVALID);
    assert_error_contains("doc.xml:65 : élément a : imbrication de plus de 64 éléments");
    collector_free(&c);
    util_buf_free(&doc);
}

static void write_big_text(const char *path, const char *head, const char *tail, size_t mib)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    char block[65536];
    memset(block, 'x', sizeof block);
    for (size_t i = 0; i < mib * 16; i++) {
        assert_int_equal(fwrite(block, 1, sizeof block, f), sizeof block);
    }
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

static void test_xml__huge_text_node(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("xml_huge_text"));
    const char *path = test_path_join(dir, "Eleves.xml");
    write_big_text(path,
                   "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<BEE_ELEVES>\n<ELEVES>\n"
                   "<ELEVE>\n<NOM_DE_FAMILLE>",
                   "</NOM_DE_FAMILLE></ELEVE></ELEVES></BEE_ELEVES>\n", 50);
    long rss_before = util_peak_rss_kib();
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_file(&c, "/BEE_ELEVES/ELEVES/ELEVE", path, NULL), RELAIS_EINVALID);
    assert_error_contains("Eleves.xml:5 : élément NOM_DE_FAMILLE : texte trop long (plus de 1 Mio)");
    /* Refused without holding the text: the peak grew by far less than 50 MB. */
    long rss_after = util_peak_rss_kib();
    assert_true(rss_after - rss_before < 16 * 1024);
    assert_int_equal(c.n_records, 0);

    /* Outside any registered record too: the limit does not depend on the caller. */
    assert_int_equal(parse_file(&c, "/OTHER", path, NULL), RELAIS_EINVALID);
    assert_error_contains("texte trop long");
    collector_free(&c);

    /* A 5 MB attribute and a 5 MB comment: expat would have to hold them whole. */
    const char *attr = test_path_join(dir, "attr.xml");
    write_big_text(attr, "<R>\n<E A=\"", "\"/></R>", 5);
    assert_int_equal(parse_file(&c, "/R/E", attr, NULL), RELAIS_EINVALID);
    assert_error_contains("attr.xml:2 : élément R : balise, commentaire ou instruction de plus de");
    const char *comment = test_path_join(dir, "comment.xml");
    write_big_text(comment, "<R>\n<!--", "--></R>", 5);
    assert_int_equal(parse_file(&c, "/R/E", comment, NULL), RELAIS_EINVALID);
    assert_error_contains("balise, commentaire ou instruction de plus de");

    /* Smaller limits from the options, with their own message. */
    xml_options small = XML_OPTIONS_INIT;
    small.max_attr_size = 10;
    assert_int_equal(parse_mem(&c, "/R", "<R A=\"0123456789A\"/>", 20, &small), RELAIS_EINVALID);
    assert_error_contains("élément R : attribut A trop long (plus de 10 octets)");
    collector_free(&c);
}

static void test_xml__record_size_bounded(void **state)
{
    (void)state;
    util_buf doc = UTIL_BUF_INIT;
    util_buf_puts(&doc, "<R><BIG>");
    for (int i = 0; i < 20000; i++) {
        util_buf_puts(&doc, "<C A=\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">xxxxxxxxxxxxxxxx</C>");
    }
    util_buf_puts(&doc, "</BIG></R>");
    xml_options small = XML_OPTIONS_INIT;
    small.max_record_size = 256 * 1024;
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_mem(&c, "/R/BIG", doc.data, doc.len, &small), RELAIS_EINVALID);
    assert_error_contains("élément BIG : enregistrement trop gros (plus de 256 Kio en mémoire)");
    /* Not registered: no tree is built, nothing to bound. */
    assert_int_equal(parse_mem(&c, "/R/OTHER", doc.data, doc.len, &small), 0);
    collector_free(&c);
    util_buf_free(&doc);
}

static void test_xml__truncated_empty_binary(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("xml_truncated"));
    size_t len;
    char *full = read_all(test_shared_path(NOMENCLATURE_XML), &len);
    /* Cut inside line 1000. */
    size_t cut = 0;
    int lines = 1;
    while (lines < 1000) {
        lines += full[cut++] == '\n';
    }
    cut += 5;
    const char *path = test_path_join(dir, "Nomenclature.xml");
    write_file(path, full, cut);
    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_file(&c, "/BEE_NOMENCLATURES/DONNEES/MEFS/MEF", path, NULL),
                     RELAIS_EINVALID);
    assert_error_contains("Nomenclature.xml:1000 : ");
    assert_error_contains("fichier tronqué");
    util_free(full);

    const char *empty = test_path_join(dir, "empty.xml");
    write_file(empty, "", 0);
    assert_int_equal(parse_file(&c, NULL, empty, NULL), RELAIS_EINVALID);
    assert_error_contains("empty.xml : fichier vide");

    const char *blank = test_path_join(dir, "blank.xml");
    write_file(blank, "\n\n  \n", 5);
    assert_int_equal(parse_file(&c, NULL, blank, NULL), RELAIS_EINVALID);
    assert_error_contains("blank.xml:4 : aucun élément XML");

    const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const char *bin = test_path_join(dir, "photo.xml");
    write_file(bin, png, sizeof png - 1);
    assert_int_equal(parse_file(&c, NULL, bin, NULL), RELAIS_EINVALID);
    assert_error_contains("photo.xml:1 : ce n'est pas un fichier XML");

    const char nul[] = "<R>\n<E>a\0b</E></R>";
    assert_int_equal(parse_mem(&c, NULL, nul, sizeof nul - 1, NULL), RELAIS_EINVALID);
    assert_error_contains("doc.xml:2 : élément E : XML mal formé");

    assert_int_equal(parse_str(&c, NULL, "<R></R><S/>"), RELAIS_EINVALID);
    assert_error_contains("contenu après la fin de l'élément racine");

    const char *missing = test_path_join(dir, "missing.xml");
    assert_int_equal(parse_file(&c, NULL, missing, NULL), RELAIS_ENOTFOUND);
    assert_int_equal(parse_file(&c, NULL, dir, NULL), RELAIS_EINVALID);
    collector_free(&c);
}

/* ------------------------------------------------------------------ zips */

static const char small_doc[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n"
                                "<BEE_ELEVES VERSION=\"3.0\">\n  <E>C\xBDlia</E>\n</BEE_ELEVES>\n";

static void test_xml__zip_corrupt_and_truncated(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("xml_zip_corrupt"));
    size_t len;
    char *zip = read_all(test_shared_path(NOMENCLATURE_ZIP), &len);
    collector c = {UTIL_BUF_INIT, 0, 0};

    const char *truncated = test_path_join(dir, "truncated.zip");
    write_file(truncated, zip, len / 2);
    assert_int_equal(parse_file(&c, "/BEE_NOMENCLATURES/DONNEES/MEFS/MEF", truncated, NULL),
                     RELAIS_EINVALID);
    assert_error_contains("truncated.zip : archive zip illisible, tronquée ou corrompue");
    assert_int_equal(c.n_records, 0);

    /* Deflate data overwritten: inflating fails. */
    char *bad = util_malloc(len);
    assert_non_null(bad);
    memcpy(bad, zip, len);
    memset(bad + 100, 0xFF, 64);
    const char *corrupt = test_path_join(dir, "corrupt.zip");
    write_file(corrupt, bad, len);
    assert_int_equal(parse_file(&c, "/BEE_NOMENCLATURES/DONNEES/MEFS/MEF", corrupt, NULL),
                     RELAIS_EINVALID);
    assert_error_contains("corrupt.zip:Nomenclature.xml : archive zip tronquée ou corrompue");

    /* CRC-32 of the data descriptor and of the central directory changed: the inflated
       bytes are not those that were zipped. */
    memcpy(bad, zip, len);
    char *dd = memmem(bad, len, "PK\7\10", 4);
    char *cd = memmem(bad, len, "PK\1\2", 4);
    assert_non_null(dd);
    assert_non_null(cd);
    dd[4] = (char)(dd[4] ^ 0xFF);
    cd[16] = (char)(cd[16] ^ 0xFF);
    const char *crc = test_path_join(dir, "crc.zip");
    write_file(crc, bad, len);
    assert_int_equal(parse_file(&c, "/BEE_NOMENCLATURES/DONNEES/MEFS/MEF", crc, NULL),
                     RELAIS_EINVALID);
    assert_error_contains("crc.zip:Nomenclature.xml : archive zip tronquée ou corrompue (ZIP bad CRC");
    util_free(bad);
    util_free(zip);

    const char *junk = test_path_join(dir, "junk.zip");
    write_file(junk, "PK\3\4garbage", 11);
    assert_int_equal(parse_file(&c, NULL, junk, NULL), RELAIS_EINVALID);
    assert_error_contains("junk.zip : archive zip illisible");
    collector_free(&c);
}

static void test_xml__zip_entry_rules(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("xml_zip_rules"));
    size_t doc_len = strlen(small_doc);
    collector c = {UTIL_BUF_INIT, 0, 0};

    const char *evil = test_path_join(dir, "evil.zip");
    zip_item evil_items[] = {{"Eleves.xml", small_doc, doc_len, false},
                             {"../evil.xml", small_doc, doc_len, false}};
    make_zip(evil, evil_items, 2);
    assert_int_equal(parse_file(&c, "/BEE_ELEVES/E", evil, NULL), RELAIS_EINVALID);
    assert_error_contains("evil.zip : entrée d'archive au chemin dangereux « ../evil.xml »");

    const char *absolute = test_path_join(dir, "absolute.zip");
    zip_item abs_items[] = {{"/tmp/Eleves.xml", small_doc, doc_len, false}};
    make_zip(absolute, abs_items, 1);
    assert_int_equal(parse_file(&c, "/BEE_ELEVES/E", absolute, NULL), RELAIS_EINVALID);
    assert_error_contains("chemin dangereux « /tmp/Eleves.xml »");

    const char *two = test_path_join(dir, "two.zip");
    zip_item two_items[] = {{"Eleves.xml", small_doc, doc_len, false},
                            {"Responsables.XML", small_doc, doc_len, false}};
    make_zip(two, two_items, 2);
    assert_int_equal(parse_file(&c, "/BEE_ELEVES/E", two, NULL), RELAIS_EINVALID);
    assert_error_contains("two.zip : l'archive contient 2 fichiers XML (Eleves.xml, Responsables.XML");

    const char *none = test_path_join(dir, "none.zip");
    zip_item none_items[] = {{"lisezmoi.txt", "bonjour", 7, false}};
    make_zip(none, none_items, 1);
    assert_int_equal(parse_file(&c, "/BEE_ELEVES/E", none, NULL), RELAIS_EINVALID);
    assert_error_contains("none.zip : l'archive ne contient aucun fichier XML");

    /* Re-zipped on macOS: __MACOSX/ metadata and hidden files are ignored; sizes after
       the data (bit 3) in every entry. */
    const char *mac = test_path_join(dir, "ExportXML_Eleves.zip");
    zip_item mac_items[] = {{"export/", NULL, 0, false},
                            {"export/Eleves.xml", small_doc, doc_len, true},
                            {"__MACOSX/", NULL, 0, false},
                            {"__MACOSX/export/._Eleves.xml", "\0\5\26\7junk", 9, true},
                            {"export/.DS_Store.xml", "junk", 4, true}};
    make_zip(mac, mac_items, UTIL_ARRAY_LEN(mac_items));
    int rc = parse_file(&c, "/BEE_ELEVES/E", mac, NULL);
    if (rc != 0) {
        fail_msg("%s", relais_error_last());
    }
    assert_string_equal(c.dump.data, "<E@3[Cœlia]>\n");
    char *root = NULL;
    assert_int_equal(xml_peek_root(&root, mac, NULL), 0);
    assert_string_equal(root, "BEE_ELEVES");
    util_free(root);
    xml_source *src = NULL;
    assert_int_equal(xml_source_open(&src, mac, NULL), 0);
    assert_string_equal(xml_source_name(src), "ExportXML_Eleves.zip:export/Eleves.xml");
    xml_source_free(src);
    collector_free(&c);
}

static void test_xml__zip_bomb(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("xml_zip_bomb"));
    /* 64 MiB of well-formed XML that deflates about 1000 to 1. */
    size_t total = (size_t)64 << 20;
    char *doc = util_malloc(total);
    assert_non_null(doc);
    memcpy(doc, "<R>", 3);
    for (size_t i = 3; i + 4 <= total - 4; i += 4) {
        memcpy(doc + i, "<a/>", 4);
    }
    memcpy(doc + total - 4, "</R>", 4);
    const char *bomb = test_path_join(dir, "bomb.zip");
    zip_item items[] = {{"bomb.xml", doc, total, false}};
    make_zip(bomb, items, 1);
    util_free(doc);
    struct stat st;
    assert_int_equal(stat(bomb, &st), 0);
    assert_true(st.st_size < 1 << 20);

    collector c = {UTIL_BUF_INIT, 0, 0};
    assert_int_equal(parse_file(&c, NULL, bomb, NULL), RELAIS_EINVALID);
    assert_error_contains("bomb.zip:bomb.xml : taux de compression supérieur à 200 pour 1");

    /* Absolute cap (small here to keep the test fast): refused from the directory's size. */
    xml_options capped = XML_OPTIONS_INIT;
    capped.max_inflated_size = (uint64_t)32 << 20;
    capped.max_ratio = 0;
    assert_int_equal(parse_file(&c, NULL, bomb, &capped), RELAIS_EINVALID);
    assert_error_contains("bomb.zip : contenu décompressé annoncé de 67108864 octets, plus que "
                          "la limite de 32 Mio");

    /* Without a declared size (data descriptor), the cap applies while inflating. */
    const char *stream = test_path_join(dir, "stream.zip");
    util_buf big = UTIL_BUF_INIT;
    util_buf_puts(&big, "<R>");
    for (int i = 0; i < 300000; i++) {
        util_buf_puts(&big, "<a/>");
    }
    util_buf_puts(&big, "</R>");
    zip_item sitems[] = {{"stream.xml", big.data, big.len, true}};
    make_zip(stream, sitems, 1);
    capped.max_inflated_size = 256 << 10;
    assert_int_equal(parse_file(&c, NULL, stream, &capped), RELAIS_EINVALID);
    /* libarchive learns the size from the central directory even for bit-3 entries */
    assert_error_contains("la limite de 256 Kio");
    capped.max_inflated_size = 0;
    assert_int_equal(parse_file(&c, NULL, stream, &capped), 0);
    util_buf_free(&big);
    collector_free(&c);
}

/* ------------------------------------------------------------ record API */

typedef struct wide {
    int n;
    bool ok;
} wide;

static int check_wide(const xml_node *n, void *payload)
{
    wide *w = payload;
    w->n++;
    assert_int_equal(xml_node_child_count(n), 62);
    char name[16];
    for (int i = 59; i >= 0; i--) {
        snprintf(name, sizeof name, "F%02d", i);
        const xml_node *c = xml_node_child(n, name);
        assert_non_null(c);
        assert_string_equal(xml_node_name(c), name);
        char value[16];
        snprintf(value, sizeof value, "%d", i * 10);
        assert_string_equal(xml_node_text(c), value);
        assert_ptr_equal(xml_node_parent(c), n);
    }
    assert_null(xml_node_child(n, "ABSENT"));
    assert_null(xml_node_child_text(n, "ABSENT"));
    /* Repeated children: first by name, then the next ones. */
    const xml_node *opt = xml_node_child(n, "OPTION");
    assert_non_null(opt);
    assert_string_equal(xml_node_attr(opt, "NUM"), "1");
    opt = xml_node_next_named(opt);
    assert_non_null(opt);
    assert_string_equal(xml_node_attr(opt, "NUM"), "2");
    assert_string_equal(xml_node_child_text(opt, "CODE"), "AGL1");
    assert_null(xml_node_next_named(opt));
    assert_string_equal(xml_node_text(xml_node_find(n, "OPTION/CODE")), "ESP2");
    assert_null(xml_node_find(n, "OPTION/NOPE"));
    assert_string_equal(xml_node_attr(n, "ID"), "7");
    assert_null(xml_node_attr(n, "NOPE"));
    assert_int_equal(xml_node_attr_count(n), 2);
    assert_string_equal(xml_node_attr_at(n, 1)->name, "B");
    assert_int_equal(xml_node_attr_at(n, 1)->value_len, 5);
    assert_null(xml_node_attr_at(n, 2));
    assert_int_equal(xml_node_text_len(n), 0);
    assert_string_equal(xml_node_text(n), "");
    w->ok = true;
    return 0;
}

static void test_xml__wide_record_accessors(void **state)
{
    (void)state;
    util_buf doc = UTIL_BUF_INIT;
    util_buf_puts(&doc, "<R>\n  <ELEVE ID=\"7\" B=\"&lt;&amp;&gt;&quot;'\">\n");
    for (int i = 0; i < 60; i++) {
        util_buf_printf(&doc, "    <F%02d>\n      %d\n    </F%02d>\n", i, i * 10, i);
    }
    util_buf_puts(&doc, "    <OPTION NUM=\"1\"><CODE>ESP2</CODE></OPTION>\n");
    util_buf_puts(&doc, "    <OPTION NUM=\"2\"><CODE><![CDATA[AGL1]]></CODE></OPTION>\n");
    util_buf_puts(&doc, "  </ELEVE>\n</R>\n");
    wide w = {0, false};
    xml_reader *r = NULL;
    xml_source *src = NULL;
    assert_int_equal(xml_reader_new(&r, NULL), 0);
    assert_int_equal(xml_reader_on_record(r, "/R/ELEVE", check_wide, &w), 0);
    assert_int_equal(xml_source_open_memory(&src, "w.xml", doc.data, doc.len, NULL), 0);
    assert_int_equal(xml_reader_parse(r, src), 0);
    assert_int_equal(w.n, 1);
    assert_true(w.ok);
    assert_string_equal(xml_reader_file(r), "w.xml");
    xml_source_free(src);
    xml_reader_free(r);
    util_buf_free(&doc);
}

static void test_xml__text_trim_and_mixed(void **state)
{
    (void)state;
    collector c = {UTIL_BUF_INIT, 0, 0};
    const char doc[] = "<R>\n<E>\n  PARIS 17E  ARRONDISSEMENT \t\n</E>"
                       "<E>a<b/> <!-- c --> d </E><E/><E></E><E> &#x153; &#233; </E></R>";
    assert_int_equal(parse_str(&c, "/R/E", doc), 0);
    assert_string_equal(c.dump.data, "<E@2[PARIS 17E  ARRONDISSEMENT]>\n"
                                     "<E@4[a  d]<b@4[]>\n>\n"
                                     "<E@4[]>\n<E@4[]>\n<E@4[œ é]>\n");
    collector_free(&c);
}

typedef struct root_check {
    int calls;
    bool refuse;
} root_check;

static int check_root(const xml_node *n, void *payload)
{
    root_check *rc = payload;
    rc->calls++;
    assert_null(xml_node_first_child(n));
    assert_int_equal(xml_node_line(n), 2);
    if (rc->refuse && strcmp(xml_node_name(n), "BEE_ELEVES") != 0) {
        relais_error_set("racine %s inattendue", xml_node_name(n));
        return RELAIS_EREFUSED;
    }
    return 0;
}

static void test_xml__callbacks_stop_and_paths(void **state)
{
    (void)state;
    const char doc[] = "<?xml version=\"1.0\"?>\n<BEE_RESPONSABLES V=\"2\">"
                       "<PARAMETRES><UAJ>0999999Z</UAJ></PARAMETRES>"
                       "<DONNEES><PERSONNES><PERSONNE ID=\"1\"/><PERSONNE ID=\"2\"/>"
                       "<PERSONNE ID=\"3\"/></PERSONNES></DONNEES></BEE_RESPONSABLES>";
    /* A callback's non-zero value stops the parse and is returned. */
    collector c = {UTIL_BUF_INIT, 0, 2};
    assert_int_equal(parse_str(&c, "/BEE_RESPONSABLES/DONNEES/PERSONNES/PERSONNE", doc), 42);
    assert_int_equal(c.n_records, 2);
    collector_free(&c);

    /* Wildcards; an element inside a record is not delivered separately. */
    collector w = {UTIL_BUF_INIT, 0, 0};
    xml_reader *r = NULL;
    assert_int_equal(xml_reader_new(&r, NULL), 0);
    assert_int_equal(xml_reader_on_record(r, "/*/PARAMETRES", collect, &w), 0);
    assert_int_equal(xml_reader_on_record(r, "/*/DONNEES/*", collect, &w), 0);
    assert_int_equal(xml_reader_on_record(r, "/*/DONNEES/PERSONNES/PERSONNE", collect, &w), 0);
    assert_int_equal(xml_reader_on_record(r, "relative/path", collect, &w), RELAIS_EINVALID);
    assert_int_equal(xml_reader_on_record(r, "/A//B", collect, &w), RELAIS_EINVALID);
    assert_int_equal(xml_reader_on_record(r, "/", collect, &w), RELAIS_EINVALID);
    root_check rc = {0, true};
    assert_int_equal(xml_reader_on_root(r, check_root, &rc), 0);
    xml_source *src = NULL;
    assert_int_equal(xml_source_open_memory(&src, "r.xml", doc, strlen(doc), NULL), 0);
    assert_int_equal(xml_reader_parse(r, src), RELAIS_EREFUSED);
    assert_string_equal(relais_error_last(), "racine BEE_RESPONSABLES inattendue");
    assert_int_equal(w.n_records, 0);
    xml_source_free(src);
    rc.refuse = false;
    assert_int_equal(xml_source_open_memory(&src, "r.xml", doc, strlen(doc), NULL), 0);
    assert_int_equal(xml_reader_parse(r, src), 0);
    assert_int_equal(rc.calls, 2);
    assert_string_equal(w.dump.data, "<PARAMETRES@2[]<UAJ@2[0999999Z]>\n>\n"
                                     "<PERSONNES@2[]<PERSONNE@2 ID=1[]>\n<PERSONNE@2 ID=2[]>\n"
                                     "<PERSONNE@2 ID=3[]>\n>\n");
    xml_source_free(src);
    xml_reader_free(r);
    collector_free(&w);
}

/* --------------------------------------------------------------- helpers */

static void test_xml__dir_list_and_peek(void **state)
{
    (void)state;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", test_tmpdir("xml_dir"));
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/d.xml", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file(test_path_join(dir, "b.xml"), small_doc, strlen(small_doc));
    write_file(test_path_join(dir, "c.txt"), "x", 1);
    write_file(test_path_join(dir, ".hidden.xml"), "x", 1);
    write_file(test_path_join(dir, "a.ZIP"), "x", 1);
    write_file(test_path_join(dir, "B.xml"), small_doc, strlen(small_doc));
    char **list = NULL;
    size_t n = 0;
    assert_int_equal(xml_dir_list(&list, &n, dir), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0], test_path_join(dir, "B.xml"));
    assert_string_equal(list[1], test_path_join(dir, "a.ZIP"));
    assert_string_equal(list[2], test_path_join(dir, "b.xml"));
    xml_dir_list_free(list, n);
    char slashed[4200];
    snprintf(slashed, sizeof slashed, "%s/", dir);
    assert_int_equal(xml_dir_list(&list, &n, slashed), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0], test_path_join(dir, "B.xml"));
    xml_dir_list_free(list, n);
    assert_int_equal(xml_dir_list(&list, &n, test_path_join(dir, "nope")), RELAIS_ENOTFOUND);

    char *root = NULL;
    assert_int_equal(xml_peek_root(&root, test_path_join(dir, "b.xml"), NULL), 0);
    assert_string_equal(root, "BEE_ELEVES");
    util_free(root);
    assert_int_equal(xml_peek_root(&root, test_shared_path(NOMENCLATURE_ZIP), NULL), 0);
    assert_string_equal(root, "BEE_NOMENCLATURES");
    util_free(root);
    assert_int_equal(xml_peek_root(&root, test_path_join(dir, "a.ZIP"), NULL), RELAIS_EINVALID);
    assert_null(root);
}

static void test_xml__allocation_failures(void **state)
{
    (void)state;
    const char doc[] = "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>\n<R><E A=\"1\">\xE9t\xE9<F/>"
                       "<G>x</G><G>y</G><G>z</G><G>x</G><G>y</G><G>z</G><G>x</G><G>y</G></E></R>";
    bool succeeded = false;
    for (long n = 0; n < 200 && !succeeded; n++) {
        collector c = {UTIL_BUF_INIT, 0, 0};
        xml_reader *r = NULL;
        xml_source *src = NULL;
        util_alloc_fail_after(n);
        int rc = xml_reader_new(&r, NULL);
        if (rc == 0) {
            rc = xml_reader_on_record(r, "/R/E", collect, &c);
        }
        if (rc == 0) {
            rc = xml_source_open_memory(&src, "doc.xml", doc, sizeof doc - 1, NULL);
        }
        if (rc == 0) {
            rc = xml_reader_parse(r, src);
        }
        util_alloc_fail_after(-1);
        if (rc == 0) {
            succeeded = true;
            assert_int_equal(c.n_records, 1);
        } else {
            assert_int_equal(rc, RELAIS_ENOMEM);
        }
        xml_source_free(src);
        xml_reader_free(r);
        collector_free(&c);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml__huge_text_node), /* first: measures the peak RSS */
        cmocka_unit_test(test_xml__nomenclature_zip_and_xml),
        cmocka_unit_test(test_xml__constructed_eleves_latin9),
        cmocka_unit_test(test_xml__malformed_sts_sample),
        cmocka_unit_test(test_xml__latin9_characters),
        cmocka_unit_test(test_xml__windows1252),
        cmocka_unit_test(test_xml__utf8_with_and_without_bom),
        cmocka_unit_test(test_xml__utf8_resaved_as_latin9_refused),
        cmocka_unit_test(test_xml__invalid_utf8_refused),
        cmocka_unit_test(test_xml__unknown_encodings_refused),
        cmocka_unit_test(test_xml__text_split_across_buffers),
        cmocka_unit_test(test_xml__doctype_and_entities_refused),
        cmocka_unit_test(test_xml__depth_bomb),
        cmocka_unit_test(test_xml__record_size_bounded),
        cmocka_unit_test(test_xml__truncated_empty_binary),
        cmocka_unit_test(test_xml__zip_corrupt_and_truncated),
        cmocka_unit_test(test_xml__zip_entry_rules),
        cmocka_unit_test(test_xml__zip_bomb),
        cmocka_unit_test(test_xml__wide_record_accessors),
        cmocka_unit_test(test_xml__text_trim_and_mixed),
        cmocka_unit_test(test_xml__callbacks_stop_and_paths),
        cmocka_unit_test(test_xml__dir_list_and_peek),
        cmocka_unit_test(test_xml__allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
