/*
 * encoding.c — the encoding stage between a source and expat.
 *
 * Why not let expat decode: expat knows UTF-8, UTF-16, ISO-8859-1 and ASCII but
 * not ISO-8859-15, the real encoding of SIECLE and STS-Web files, and it cannot
 * tell that a file declared ISO-8859-15 was re-saved as UTF-8 (it would import
 * "Ã©" for "é"). One pass here over every byte does both jobs: it decodes the
 * Latin encodings to UTF-8 (expat is always told "UTF-8") and gathers the
 * evidence that the bytes contradict the declared encoding. Newlines are copied
 * unchanged, so expat's line numbers are the file's.
 *
 * The choice: a byte order mark wins, then the XML declaration's label, then
 * UTF-8 (the XML default). Rules for refusing a file are in docs/internals/xml.md
 * ("Encodings"); in short:
 *   - declared (or defaulted) UTF-8: any byte that is not well-formed UTF-8;
 *   - declared ISO-8859-15 / ISO-8859-1 / windows-1252: a well-formed UTF-8
 *     sequence of 3-4 bytes, or of 2 bytes encoding U+0080..U+017F (what French
 *     text re-saved as UTF-8 is made of: "é" = C3 A9, "œ" = C5 93, "€" = E2 82 AC)
 *     refuses the file at once; other well-formed 2-byte sequences (rare but
 *     possible Latin pairs such as "É" + no-break space) refuse it at the end
 *     only if no byte >= 0x80 of the file is genuinely Latin;
 *   - ISO-8859-15: a C1 control byte (0x80..0x9F) outside such a sequence (the
 *     file is windows-1252); windows-1252: its five undefined bytes;
 *   - US-ASCII: any byte >= 0x80.
 */
#include "internal.h"

#include <string.h>

#define HIGH_BITS 0x8080808080808080ULL
#define ONE_BYTES 0x0101010101010101ULL

static const char *const label_utf8 = "UTF-8";

/* Code points of windows-1252 bytes 0x80..0x9F; 0 = undefined. */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

/* The code point of byte b (>= 0x80) in encoding enc; 0 when undefined. */
static uint32_t latin_code_point(xml_encoding enc, unsigned char b)
{
    if (enc == XML_ENC_CP1252) {
        return b < 0xA0 ? cp1252_c1[b - 0x80] : b;
    }
    switch (b) {
    case 0xA4: return 0x20AC; /* € */
    case 0xA6: return 0x0160; /* Š */
    case 0xA8: return 0x0161; /* š */
    case 0xB4: return 0x017D; /* Ž */
    case 0xB8: return 0x017E; /* ž */
    case 0xBC: return 0x0152; /* Œ */
    case 0xBD: return 0x0153; /* œ */
    case 0xBE: return 0x0178; /* Ÿ */
    default: return b;
    }
}

/* Write cp (< 0x10000) as UTF-8; returns the length. */
static size_t put_utf8(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Number of '\n' in p[0..n), eight bytes at a time. */
static unsigned long count_newlines(const unsigned char *p, size_t n)
{
    const uint64_t nl = 0x0AULL * ONE_BYTES;
    const uint64_t low7 = ~HIGH_BITS;
    unsigned long count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t x = w ^ nl;
        /* 0x80 in each byte of x that is zero, 0 elsewhere; no carry crosses bytes. */
        uint64_t z = ~(((x & low7) + low7) | x | low7);
        count += (unsigned long)(((z >> 7) * ONE_BYTES) >> 56);
    }
    for (; i < n; i++) {
        count += p[i] == '\n';
    }
    return count;
}

/* Line numbers inside one chunk, counted lazily and only forward. */
typedef struct line_cursor {
    const unsigned char *in;
    size_t pos;
    unsigned long line;
} line_cursor;

static unsigned long line_at(line_cursor *c, size_t off)
{
    if (off < c->pos) { /* never happens with the callers below; stay correct anyway */
        return c->line - count_newlines(c->in + off, c->pos - off);
    }
    c->line += count_newlines(c->in + c->pos, off - c->pos);
    c->pos = off;
    return c->line;
}

/* Start a UTF-8 sequence with lead byte c; false if c cannot lead one. */
static bool seq_start(xml_decoder *d, unsigned char c)
{
    d->lo = 0x80;
    d->hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        d->need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        d->need = 2;
        if (c == 0xE0) {
            d->lo = 0xA0; /* no overlong forms */
        } else if (c == 0xED) {
            d->hi = 0x9F; /* no surrogates */
        }
    } else if (c >= 0xF0 && c <= 0xF4) {
        d->need = 3;
        if (c == 0xF0) {
            d->lo = 0x90;
        } else if (c == 0xF4) {
            d->hi = 0x8F; /* nothing above U+10FFFF */
        }
    } else {
        return false;
    }
    d->seq[0] = c;
    d->seq_len = 1;
    return true;
}

/* ----------------------------------------------------------- declaration */

typedef struct label_entry {
    const char *name;
    xml_encoding enc;
    const char *canonical;
} label_entry;

static const label_entry known_labels[] = {
    {"UTF-8", XML_ENC_UTF8, "UTF-8"},
    {"UTF8", XML_ENC_UTF8, "UTF-8"},
    {"ISO-8859-15", XML_ENC_LATIN9, "ISO-8859-15"},
    {"ISO8859-15", XML_ENC_LATIN9, "ISO-8859-15"},
    {"ISO_8859-15", XML_ENC_LATIN9, "ISO-8859-15"},
    {"ISO885915", XML_ENC_LATIN9, "ISO-8859-15"},
    {"LATIN-9", XML_ENC_LATIN9, "ISO-8859-15"},
    {"LATIN9", XML_ENC_LATIN9, "ISO-8859-15"},
    {"ISO-8859-1", XML_ENC_CP1252, "ISO-8859-1"},
    {"ISO8859-1", XML_ENC_CP1252, "ISO-8859-1"},
    {"ISO_8859-1", XML_ENC_CP1252, "ISO-8859-1"},
    {"ISO88591", XML_ENC_CP1252, "ISO-8859-1"},
    {"LATIN-1", XML_ENC_CP1252, "ISO-8859-1"},
    {"LATIN1", XML_ENC_CP1252, "ISO-8859-1"},
    {"WINDOWS-1252", XML_ENC_CP1252, "windows-1252"},
    {"CP1252", XML_ENC_CP1252, "windows-1252"},
    {"US-ASCII", XML_ENC_ASCII, "US-ASCII"},
    {"ASCII", XML_ENC_ASCII, "US-ASCII"},
};

static bool is_xml_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool label_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == ':';
}

/*
 * Find encoding="..." in an XML declaration at the start of p. Returns true and
 * the label (upper-cased, printable, cut to label_size - 1) when there is one.
 * A malformed declaration yields false: expat reports it.
 */
static bool declared_label(char *label, size_t label_size, const unsigned char *p, size_t len)
{
    if (len < 6 || memcmp(p, "<?xml", 5) != 0 || !is_xml_space(p[5])) {
        return false;
    }
    size_t i = 5;
    while (i < len) {
        while (i < len && is_xml_space(p[i])) {
            i++;
        }
        if (i >= len || p[i] == '?') {
            return false;
        }
        size_t name = i;
        while (i < len && p[i] >= 'a' && p[i] <= 'z') {
            i++;
        }
        size_t name_len = i - name;
        while (i < len && is_xml_space(p[i])) {
            i++;
        }
        if (name_len == 0 || i >= len || p[i] != '=') {
            return false;
        }
        i++;
        while (i < len && is_xml_space(p[i])) {
            i++;
        }
        if (i >= len || (p[i] != '"' && p[i] != '\'')) {
            return false;
        }
        unsigned char quote = p[i++];
        size_t value = i;
        while (i < len && p[i] != quote && p[i] != '<' && p[i] != '>') {
            i++;
        }
        if (i >= len || p[i] != quote) {
            return false;
        }
        if (name_len == 8 && memcmp(p + name, "encoding", 8) == 0) {
            size_t n = 0;
            for (size_t k = value; k < i && n + 1 < label_size; k++) {
                unsigned char c = p[k];
                c = (c >= 'a' && c <= 'z') ? (unsigned char)(c - 32) : c;
                label[n++] = label_char(c) ? (char)c : '?';
            }
            label[n] = '\0';
            return true;
        }
        i++;
    }
    return false;
}

int xml_decoder_init(xml_decoder *d, size_t *skip, const char *file, const unsigned char *head,
                     size_t len)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->line = 1;
    d->enc = XML_ENC_UTF8;
    d->label = label_utf8;
    *skip = 0;

    if (len >= 4 && ((head[0] == 0 && head[1] == 0 && head[2] == 0xFE && head[3] == 0xFF) ||
                     (head[0] == 0xFF && head[1] == 0xFE && head[2] == 0 && head[3] == 0))) {
        relais_error_set(_("%s:1 : encodage UTF-32 non pris en charge : réenregistrer le fichier "
                           "en UTF-8 ou en ISO-8859-15"),
                         file);
        return RELAIS_EINVALID;
    }
    if ((len >= 2 && ((head[0] == 0xFE && head[1] == 0xFF) || (head[0] == 0xFF && head[1] == 0xFE))) ||
        (len >= 2 && ((head[0] == 0 && head[1] == '<') || (head[0] == '<' && head[1] == 0)))) {
        relais_error_set(_("%s:1 : encodage UTF-16 non pris en charge : réenregistrer le fichier "
                           "en UTF-8 ou en ISO-8859-15"),
                         file);
        return RELAIS_EINVALID;
    }
    if (len >= 3 && head[0] == 0xEF && head[1] == 0xBB && head[2] == 0xBF) {
        d->from_bom = true;
        *skip = 3;
    }
    const unsigned char *p = head + *skip;
    size_t n = len - *skip;

    /* A document starts with '<' (after optional white space): anything else is
       not XML, typically a binary, CSV or PDF file given by mistake. */
    size_t first = 0;
    while (first < n && is_xml_space(p[first])) {
        first++;
    }
    if (first < n && p[first] != '<') {
        relais_error_set(_("%s:%lu : ce n'est pas un fichier XML (il commence par l'octet 0x%02X "
                           "au lieu de « < » : fichier binaire, tableur ou texte ?)"),
                         file, 1 + count_newlines(p, first), p[first]);
        return RELAIS_EINVALID;
    }
    if (d->from_bom) {
        return 0; /* the BOM wins over any declared label */
    }

    char label[48];
    if (!declared_label(label, sizeof label, p, n)) {
        return 0; /* no declaration or no encoding in it: UTF-8 */
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(known_labels); i++) {
        if (strcmp(label, known_labels[i].name) == 0) {
            d->enc = known_labels[i].enc;
            d->label = known_labels[i].canonical;
            return 0;
        }
    }
    if (strncmp(label, "UTF-16", 6) == 0 || strncmp(label, "UTF16", 5) == 0 ||
        strncmp(label, "UCS-2", 5) == 0 || strncmp(label, "UTF-32", 6) == 0) {
        relais_error_set(_("%s:1 : encodage %s non pris en charge : réenregistrer le fichier en "
                           "UTF-8 ou en ISO-8859-15"),
                         file, label);
        return RELAIS_EINVALID;
    }
    relais_error_set(_("%s:1 : encodage « %s » inconnu ou non pris en charge (acceptés : UTF-8, "
                       "ISO-8859-15, ISO-8859-1, windows-1252, US-ASCII)"),
                     file, label);
    return RELAIS_EINVALID;
}

size_t xml_decoder_max_output(const xml_decoder *d, size_t len)
{
    return d->enc == XML_ENC_LATIN9 || d->enc == XML_ENC_CP1252 ? 3 * len : len;
}

/* ------------------------------------------------------------------ UTF-8 */

static int utf8_error(const xml_decoder *d, unsigned long line, unsigned char c)
{
    relais_error_set(_("%s:%lu : octet 0x%02X invalide en UTF-8 : le fichier n'est pas en UTF-8 "
                       "(sans déclaration d'encodage, avec encoding=\"UTF-8\" ou une marque BOM, "
                       "il doit l'être ; un fichier en ISO-8859-15 doit le déclarer : "
                       "<?xml version=\"1.0\" encoding=\"ISO-8859-15\"?>)"),
                     d->file, line, c);
    return RELAIS_EINVALID;
}

static int feed_utf8(xml_decoder *d, const unsigned char *in, size_t len)
{
    line_cursor lc = {in, 0, d->line};
    size_t i = 0;
    while (i < len) {
        if (d->need == 0) {
            while (i + 8 <= len) {
                uint64_t w;
                memcpy(&w, in + i, 8);
                if (w & HIGH_BITS) {
                    break;
                }
                i += 8;
            }
            while (i < len && in[i] < 0x80) {
                i++;
            }
            if (i >= len) {
                break;
            }
            if (!seq_start(d, in[i])) {
                return utf8_error(d, line_at(&lc, i), in[i]);
            }
            i++;
            continue;
        }
        unsigned char c = in[i];
        if (c < d->lo || c > d->hi) {
            return utf8_error(d, line_at(&lc, i), c);
        }
        d->need--;
        d->lo = 0x80;
        d->hi = 0xBF;
        i++;
    }
    d->line = line_at(&lc, len);
    return 0;
}

static int feed_ascii(xml_decoder *d, const unsigned char *in, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (in[i] >= 0x80) {
            relais_error_set(_("%s:%lu : octet 0x%02X alors que le fichier se déclare en US-ASCII : "
                               "corriger sa déclaration d'encodage"),
                             d->file, d->line + count_newlines(in, i), in[i]);
            return RELAIS_EINVALID;
        }
    }
    d->line += count_newlines(in, len);
    return 0;
}

/* ---------------------------------------------------------------- Latin */

/*
 * Bytes >= 0x80 that turned out not to be UTF-8: genuine text of the declared
 * encoding. Returns the index of a byte the encoding refuses, or -1.
 */
static long latin_bytes(xml_decoder *d, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        d->n_latin++;
        if (latin_code_point(d->enc, b[i]) == 0 || (d->enc == XML_ENC_LATIN9 && b[i] < 0xA0)) {
            return (long)i;
        }
    }
    return -1;
}

static int latin_error(const xml_decoder *d, unsigned char b, unsigned long line)
{
    if (d->enc == XML_ENC_LATIN9) {
        relais_error_set(_("%s:%lu : octet 0x%02X : caractère de contrôle invisible en %s ; le "
                           "fichier est sans doute en windows-1252 (apostrophe ou guillemet "
                           "typographique ?) : corriger sa déclaration d'encodage"),
                         d->file, line, b, d->label);
    } else {
        relais_error_set(_("%s:%lu : octet 0x%02X non défini en %s"), d->file, line, b, d->label);
    }
    return RELAIS_EINVALID;
}

/* What the bytes of a UTF-8 sequence look like when read in the declared encoding. */
static void as_latin(char *out, size_t out_size, xml_encoding enc, const unsigned char *b,
                     size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < out_size; i++) {
        uint32_t cp = latin_code_point(enc, b[i]);
        if (cp == 0 || (cp >= 0x80 && cp < 0xA0)) {
            cp = 0xFFFD; /* invisible or undefined: show a replacement character */
        }
        o += put_utf8((unsigned char *)out + o, cp);
    }
    out[o] = '\0';
}

static int utf8_evidence_error(const xml_decoder *d, const unsigned char *seq, size_t n,
                               unsigned long line, bool all)
{
    char utf8[8], latin[16];
    memcpy(utf8, seq, n);
    utf8[n] = '\0';
    as_latin(latin, sizeof latin, d->enc, seq, n);
    if (all) {
        relais_error_set(_("%s:%lu : le fichier se déclare en %s mais tous ses caractères non ASCII "
                           "sont du texte UTF-8 (« %s » s'y lirait « %s ») : corriger sa "
                           "déclaration (encoding=\"UTF-8\") ou le réenregistrer en %s"),
                         d->file, line, d->label, utf8, latin, d->label);
    } else {
        relais_error_set(_("%s:%lu : le fichier se déclare en %s mais contient du texte UTF-8 "
                           "(« %s » s'y lirait « %s ») : il a sans doute été réenregistré en "
                           "UTF-8 ; corriger sa déclaration (encoding=\"UTF-8\") ou le "
                           "réenregistrer en %s"),
                         d->file, line, d->label, utf8, latin, d->label);
    }
    return RELAIS_EINVALID;
}

/* Line of the pending sequence's lead byte: in this chunk at seq_off, or carried. */
static unsigned long seq_line(const xml_decoder *d, line_cursor *lc, bool here, size_t off)
{
    return here ? line_at(lc, off) : d->seq_line;
}

static int feed_latin(xml_decoder *d, const unsigned char *in, size_t len, unsigned char *out,
                      size_t *out_len)
{
    line_cursor lc = {in, 0, d->line};
    unsigned char *o = out;
    size_t seq_off = 0; /* offset of the pending sequence's lead byte in this chunk */
    bool seq_here = false;
    for (size_t i = 0; i < len; i++) {
        if (d->need == 0) {
            while (i + 8 <= len) {
                uint64_t w;
                memcpy(&w, in + i, 8);
                if (w & HIGH_BITS) {
                    break;
                }
                memcpy(o, &w, 8);
                o += 8;
                i += 8;
            }
            if (i >= len) {
                break;
            }
        }
        unsigned char c = in[i];
        if (c < 0x80) {
            *o++ = c;
        } else {
            uint32_t cp = latin_code_point(d->enc, c);
            o += put_utf8(o, cp ? cp : c); /* an undefined byte is refused below */
        }

        if (d->need > 0) {
            if (c >= d->lo && c <= d->hi) {
                d->seq[d->seq_len++] = c;
                d->lo = 0x80;
                d->hi = 0xBF;
                if (--d->need == 0) {
                    /* A complete, well-formed UTF-8 sequence. */
                    bool strong = d->seq_len >= 3 || d->seq[0] <= 0xC5;
                    if (strong) {
                        return utf8_evidence_error(d, d->seq, d->seq_len,
                                                   seq_line(d, &lc, seq_here, seq_off), false);
                    }
                    if (d->n_utf8_weak++ == 0) {
                        d->weak_line = seq_line(d, &lc, seq_here, seq_off);
                        memcpy(d->weak_seq, d->seq, d->seq_len);
                        d->weak_len = d->seq_len;
                    }
                    d->seq_len = 0;
                }
                continue;
            }
            /* The sequence broke: its bytes were Latin text; c starts afresh. */
            d->need = 0;
            long bad = latin_bytes(d, d->seq, d->seq_len);
            if (bad >= 0) {
                return latin_error(d, d->seq[bad], seq_line(d, &lc, seq_here, seq_off));
            }
            d->seq_len = 0;
        }
        if (c < 0x80) {
            continue;
        }
        if (seq_start(d, c)) {
            seq_off = i;
            seq_here = true;
            continue;
        }
        if (latin_bytes(d, &c, 1) >= 0) {
            return latin_error(d, c, line_at(&lc, i));
        }
    }
    if (d->need > 0 && seq_here) {
        d->seq_line = line_at(&lc, seq_off); /* the sequence goes on in the next chunk */
    }
    d->line = line_at(&lc, len);
    *out_len = (size_t)(o - out);
    return 0;
}

int xml_decoder_feed(xml_decoder *d, const unsigned char **out_ptr, size_t *out_len,
                     const unsigned char *in, size_t len, unsigned char *out)
{
    if (d->enc == XML_ENC_UTF8 || d->enc == XML_ENC_ASCII) {
        *out_ptr = in; /* already UTF-8: checked in place, never copied */
        *out_len = len;
        return d->enc == XML_ENC_UTF8 ? feed_utf8(d, in, len) : feed_ascii(d, in, len);
    }
    *out_ptr = out;
    *out_len = 0;
    return feed_latin(d, in, len, out, out_len);
}

int xml_decoder_finish(xml_decoder *d)
{
    if (d->need > 0) {
        if (d->enc == XML_ENC_UTF8) {
            relais_error_set(_("%s:%lu : séquence UTF-8 incomplète en fin de fichier"), d->file,
                             d->line);
            return RELAIS_EINVALID;
        }
        d->need = 0;
        long bad = latin_bytes(d, d->seq, d->seq_len);
        if (bad >= 0) {
            return latin_error(d, d->seq[bad], d->seq_line);
        }
        d->seq_len = 0;
    }
    if (d->n_utf8_weak > 0 && d->n_latin == 0) {
        return utf8_evidence_error(d, d->weak_seq, d->weak_len, d->weak_line, true);
    }
    return 0;
}
