/*
 * reader.c — expat behind relais's record interface.
 *
 * The caller registers absolute element paths; while parsing, a bit mask per
 * open element says which paths are still possible below it, so elements
 * outside every path cost a few instructions. An element at a registered path
 * becomes the root of a record: it and its descendants are built as xml_node
 * trees in an arena (no malloc per node) and handed to the callback when the
 * element ends; the arena is then reset. Memory is bounded by the largest
 * record, which itself is bounded (max_record_size).
 *
 * Safety rules enforced here (the encoding stage, encoding.c, runs before
 * expat; the zip limits are in source.c):
 *   - a DOCTYPE is refused at its start, before any declaration of its internal
 *     subset is read, so no entity can ever be declared (billion laughs,
 *     external entities): expat never sees one, and never loads anything;
 *     with allow_doctype, only an external identifier is tolerated, unread;
 *   - nesting depth, text per element, attribute values and the size of one
 *     markup token (a tag with its attributes, a comment) that expat must hold
 *     in memory are bounded; the last is measured after each chunk as the bytes
 *     expat received but could not yet consume.
 */
#include "internal.h"

#include <expat.h>
#include <string.h>

#define MAX_PATHS 64
#define NAME_KEEP 64
#define HEAD_MIN 1024
#define INDEX_MIN_CHILDREN 8
#define TOKEN_SLACK ((size_t)64 << 10)

struct xml_node {
    const char *name;
    const char *text;
    size_t text_len;
    size_t text_start; /* while building: offset of this element's text in reader->text */
    xml_node *parent;
    xml_node *first;
    xml_node *last;
    xml_node *next;
    xml_attr *attrs;
    xml_node **index; /* open addressing by name, first child of each name; wide nodes only */
    uint32_t hash;
    uint32_t name_len;
    uint32_t n_attrs;
    uint32_t n_children;
    uint32_t index_mask;
    unsigned long line;
};

typedef struct path_def {
    char *buf; /* the path with '/' replaced by NUL; segs point into it */
    const char **segs;
    unsigned n_segs;
    xml_record_fn fn;
    void *payload;
} path_def;

/* One open element, whether or not it is part of a record. */
typedef struct frame {
    uint64_t mask;     /* registered paths still possible below this element */
    size_t text_count; /* bytes of its current text node */
    unsigned long line;
    xml_node *node;   /* inside a record: its node */
    const char *name; /* the node's name, or name_buf (cut) outside records */
    char name_buf[NAME_KEEP];
} frame;

struct xml_reader {
    xml_options opts;
    path_def paths[MAX_PATHS];
    unsigned n_paths;
    xml_record_fn root_fn;
    void *root_payload;

    unsigned char *raw;  /* buffer_size bytes read from the source */
    unsigned char *conv; /* transcoded text, 3 * buffer_size */
    frame *frames;       /* [1..max_depth] */
    util_arena *arena;
    unsigned char *bump; /* free part of the arena block that nodes are cut from */
    unsigned char *bump_end;
    util_buf text; /* texts of the open elements of a record, innermost last */
    char *file;
    const char *encoding;

    /* per parse; frames[0] stands for the document around the root */
    XML_Parser parser;
    xml_decoder dec;
    unsigned depth;
    xml_node *record;
    unsigned record_path;
    bool seen_root;
    bool failed;
    int rc;
};

static const char empty_text[] = "";

/* ---------------------------------------------------------------- nodes */

/* FNV-1a over a NUL-terminated name; also its length. */
static uint32_t name_hash(const char *s, size_t *len)
{
    uint32_t h = 2166136261u;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        h = (h ^ *p++) * 16777619u;
    }
    *len = (size_t)(p - (const unsigned char *)s);
    return h;
}

const char *xml_node_name(const xml_node *n)
{
    return n->name;
}

const char *xml_node_text(const xml_node *n)
{
    return n->text;
}

size_t xml_node_text_len(const xml_node *n)
{
    return n->text_len;
}

unsigned long xml_node_line(const xml_node *n)
{
    return n->line;
}

const xml_node *xml_node_parent(const xml_node *n)
{
    return n->parent;
}

size_t xml_node_attr_count(const xml_node *n)
{
    return n->n_attrs;
}

const xml_attr *xml_node_attr_at(const xml_node *n, size_t i)
{
    return i < n->n_attrs ? &n->attrs[i] : NULL;
}

const char *xml_node_attr(const xml_node *n, const char *name)
{
    for (uint32_t i = 0; i < n->n_attrs; i++) {
        if (strcmp(n->attrs[i].name, name) == 0) {
            return n->attrs[i].value;
        }
    }
    return NULL;
}

size_t xml_node_child_count(const xml_node *n)
{
    return n->n_children;
}

const xml_node *xml_node_first_child(const xml_node *n)
{
    return n->first;
}

const xml_node *xml_node_next_sibling(const xml_node *n)
{
    return n->next;
}

static bool same_name(const xml_node *c, uint32_t hash, const char *name, size_t len)
{
    return c->hash == hash && c->name_len == len && memcmp(c->name, name, len) == 0;
}

static const xml_node *child_by_name(const xml_node *n, const char *name, size_t len,
                                     uint32_t hash)
{
    if (n->index) {
        for (uint32_t i = hash & n->index_mask;; i = (i + 1) & n->index_mask) {
            const xml_node *c = n->index[i];
            if (c == NULL || same_name(c, hash, name, len)) {
                return c;
            }
        }
    }
    for (const xml_node *c = n->first; c; c = c->next) {
        if (same_name(c, hash, name, len)) {
            return c;
        }
    }
    return NULL;
}

const xml_node *xml_node_child(const xml_node *n, const char *name)
{
    size_t len;
    uint32_t hash = name_hash(name, &len);
    return child_by_name(n, name, len, hash);
}

const xml_node *xml_node_next_named(const xml_node *n)
{
    for (const xml_node *s = n->next; s; s = s->next) {
        if (same_name(s, n->hash, n->name, n->name_len)) {
            return s;
        }
    }
    return NULL;
}

const char *xml_node_child_text(const xml_node *n, const char *name)
{
    const xml_node *c = xml_node_child(n, name);
    return c ? c->text : NULL;
}

const xml_node *xml_node_find(const xml_node *n, const char *path)
{
    while (n && *path) {
        const char *slash = strchr(path, '/');
        size_t len = slash ? (size_t)(slash - path) : strlen(path);
        uint32_t h = 2166136261u;
        for (size_t i = 0; i < len; i++) {
            h = (h ^ (unsigned char)path[i]) * 16777619u;
        }
        n = child_by_name(n, path, len, h);
        path += len;
        if (*path == '/') {
            path++;
        }
    }
    return n;
}

/* ---------------------------------------------------------------- errors */

static void stop(xml_reader *r, int rc)
{
    if (!r->failed) {
        r->failed = true;
        r->rc = rc;
    }
    XML_StopParser(r->parser, XML_FALSE);
}

/* Report bad input at `line`, inside `element` when not NULL, and stop. */
__attribute__((format(printf, 4, 5))) static void fail_at(xml_reader *r, unsigned long line,
                                                          const char *element, const char *fmt,
                                                          ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        msg[0] = '\0';
    }
    if (element) {
        relais_error_set(_("%s:%lu : élément %s : %s"), r->file, line, element, msg);
    } else {
        relais_error_set(_("%s:%lu : %s"), r->file, line, msg);
    }
    stop(r, RELAIS_EINVALID);
}

static void fail_nomem(xml_reader *r)
{
    relais_error_set("%s", _("mémoire insuffisante"));
    stop(r, RELAIS_ENOMEM);
}

static unsigned long current_line(const xml_reader *r)
{
    return (unsigned long)XML_GetCurrentLineNumber(r->parser);
}

static const char *current_element(const xml_reader *r)
{
    return r->depth > 0 ? r->frames[r->depth].name : NULL;
}

/* -------------------------------------------------------------- building */

#define BUMP_BLOCK ((size_t)32 << 10)

/* Record memory: small pieces cut from arena blocks here, inline, 8-byte aligned. */
static inline void *record_alloc(xml_reader *r, size_t size)
{
    size = (size + 7) & ~(size_t)7;
    if ((size_t)(r->bump_end - r->bump) < size) {
        size_t block = size > BUMP_BLOCK ? size : BUMP_BLOCK;
        unsigned char *p = util_arena_alloc(r->arena, block);
        if (p == NULL) {
            return NULL;
        }
        r->bump = p;
        r->bump_end = p + block;
    }
    void *p = r->bump;
    r->bump += size;
    return p;
}

static void record_reset(xml_reader *r)
{
    util_arena_reset(r->arena);
    r->bump = r->bump_end = NULL;
    r->text.len = 0;
}

static xml_node *node_new(xml_reader *r, const char *name, const char **atts, unsigned long line,
                          xml_node *parent)
{
    if (util_arena_bytes(r->arena) > r->opts.max_record_size) {
        char limit[32];
        xml_format_size(limit, sizeof limit, r->opts.max_record_size);
        fail_at(r, line, r->record ? r->record->name : name,
                _("enregistrement trop gros (plus de %s en mémoire)"), limit);
        return NULL;
    }
    size_t len;
    uint32_t hash = name_hash(name, &len);
    xml_node *n = record_alloc(r, sizeof *n + len + 1);
    if (n == NULL) {
        fail_nomem(r);
        return NULL;
    }
    char *copy = (char *)(n + 1);
    memcpy(copy, name, len + 1);
    n->name = copy;
    n->text = empty_text;
    n->text_len = 0;
    n->text_start = r->text.len;
    n->parent = parent;
    n->first = n->last = n->next = NULL;
    n->attrs = NULL;
    n->index = NULL;
    n->hash = hash;
    n->name_len = (uint32_t)len;
    n->n_attrs = 0;
    n->n_children = 0;
    n->index_mask = 0;
    n->line = line;
    uint32_t n_attrs = 0;
    while (atts[2 * n_attrs]) {
        n_attrs++;
    }
    if (n_attrs > 0) {
        n->attrs = record_alloc(r, n_attrs * sizeof *n->attrs);
        if (n->attrs == NULL) {
            fail_nomem(r);
            return NULL;
        }
        for (uint32_t i = 0; i < n_attrs; i++) {
            size_t klen = strlen(atts[2 * i]), vlen = strlen(atts[2 * i + 1]);
            char *p = record_alloc(r, klen + vlen + 2);
            if (p == NULL) {
                fail_nomem(r);
                return NULL;
            }
            memcpy(p, atts[2 * i], klen + 1);
            memcpy(p + klen + 1, atts[2 * i + 1], vlen + 1);
            n->attrs[i].name = p;
            n->attrs[i].value = p + klen + 1;
            n->attrs[i].value_len = vlen;
        }
        n->n_attrs = n_attrs;
    }
    if (parent) {
        if (parent->last) {
            parent->last->next = n;
        } else {
            parent->first = n;
        }
        parent->last = n;
        parent->n_children++;
    }
    return n;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

/* The element ends: keep its trimmed text, index its children when it has many. */
static int node_finish(xml_reader *r, xml_node *n)
{
    size_t start = n->text_start;
    size_t end = r->text.len;
    while (end > start && is_space(r->text.data[end - 1])) {
        end--;
    }
    if (end > start) {
        char *t = record_alloc(r, end - start + 1);
        if (t == NULL) {
            return RELAIS_ENOMEM;
        }
        memcpy(t, r->text.data + start, end - start);
        t[end - start] = '\0';
        n->text = t;
        n->text_len = end - start;
    }
    r->text.len = start;
    if (n->n_children >= INDEX_MIN_CHILDREN) {
        uint32_t size = 16;
        while (size < 2 * n->n_children) {
            size *= 2;
        }
        xml_node **index = record_alloc(r, size * sizeof *index);
        if (index == NULL) {
            return RELAIS_ENOMEM;
        }
        memset(index, 0, size * sizeof *index);
        for (xml_node *c = n->first; c; c = c->next) {
            uint32_t i = c->hash & (size - 1);
            while (index[i] && !same_name(index[i], c->hash, c->name, c->name_len)) {
                i = (i + 1) & (size - 1);
            }
            if (index[i] == NULL) {
                index[i] = c;
            }
        }
        n->index = index;
        n->index_mask = size - 1;
    }
    return 0;
}

/* ------------------------------------------------------------- handlers */

/* Keep the element's name for messages (cut to NAME_KEEP - 1 bytes). */
static void frame_keep_name(frame *f, const char *name)
{
    size_t len = strlen(name);
    if (len >= NAME_KEEP) {
        len = NAME_KEEP - 1;
        while (len > 0 && ((unsigned char)name[len] & 0xC0) == 0x80) {
            len--; /* never cut a UTF-8 character */
        }
    }
    memcpy(f->name_buf, name, len);
    f->name_buf[len] = '\0';
    f->name = f->name_buf;
}

static bool attrs_too_long(xml_reader *r, const XML_Char *name, const XML_Char **atts,
                           unsigned long line)
{
    for (size_t i = 0; atts[i]; i += 2) {
        if (strlen(atts[i + 1]) > r->opts.max_attr_size) {
            char limit[32];
            xml_format_size(limit, sizeof limit, r->opts.max_attr_size);
            fail_at(r, line, name, _("attribut %s trop long (plus de %s)"), atts[i], limit);
            return true;
        }
    }
    return false;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xml_reader *r = ud;
    if (r->failed) {
        return;
    }
    unsigned long line = current_line(r);
    unsigned d = r->depth + 1;
    if (d > r->opts.max_depth) {
        fail_at(r, line, name, _("imbrication de plus de %u éléments"), r->opts.max_depth);
        return;
    }
    if (attrs_too_long(r, name, atts, line)) {
        return;
    }
    r->frames[d - 1].text_count = 0; /* the parent's next text is a new text node */
    r->depth = d;
    frame *f = &r->frames[d];
    f->line = line;
    f->text_count = 0;
    f->mask = 0;
    f->node = NULL;

    if (r->record) { /* inside a record: its node names the frame, no copy */
        f->node = node_new(r, name, atts, line, r->frames[d - 1].node);
        if (f->node) {
            f->name = f->node->name;
        } else {
            frame_keep_name(f, name);
        }
        return;
    }
    frame_keep_name(f, name);
    if (d == 1) {
        r->seen_root = true;
        if (r->root_fn) {
            xml_node *root = node_new(r, name, atts, line, NULL);
            if (root == NULL) {
                return;
            }
            int rc = r->root_fn(root, r->root_payload);
            record_reset(r);
            if (rc != 0) {
                stop(r, rc);
                return;
            }
        }
    }
    uint64_t candidates = d == 1 ? (r->n_paths == 64 ? ~0ULL : (1ULL << r->n_paths) - 1)
                                 : r->frames[d - 1].mask;
    uint64_t mask = 0;
    for (unsigned i = 0; candidates; i++, candidates >>= 1) {
        if (!(candidates & 1)) {
            continue;
        }
        const path_def *p = &r->paths[i];
        const char *seg = p->segs[d - 1];
        if (!(seg[0] == '*' && seg[1] == '\0') && strcmp(seg, name) != 0) {
            continue;
        }
        if (p->n_segs == d) { /* first registered path wins */
            f->node = node_new(r, name, atts, line, NULL);
            if (f->node) {
                r->record = f->node;
                r->record_path = i;
            }
            return;
        }
        mask |= 1ULL << i;
    }
    f->mask = mask;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    xml_reader *r = ud;
    if (r->failed || r->depth == 0) {
        return;
    }
    xml_node *n = r->frames[r->depth].node;
    r->depth--;
    r->frames[r->depth].text_count = 0;
    if (n == NULL) {
        return;
    }
    if (node_finish(r, n) < 0) {
        fail_nomem(r);
        return;
    }
    if (n == r->record) {
        const path_def *p = &r->paths[r->record_path];
        int rc = p->fn(n, p->payload);
        r->record = NULL;
        record_reset(r);
        if (rc != 0) {
            stop(r, rc);
        }
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xml_reader *r = ud;
    if (r->failed || r->depth == 0) {
        return;
    }
    frame *f = &r->frames[r->depth];
    f->text_count += (size_t)len;
    if (f->text_count > r->opts.max_text_size) {
        char limit[32];
        xml_format_size(limit, sizeof limit, r->opts.max_text_size);
        fail_at(r, f->line, f->name, _("texte trop long (plus de %s)"), limit);
        return;
    }
    xml_node *n = f->node;
    if (n == NULL) {
        return;
    }
    if (r->text.len == n->text_start) { /* nothing kept yet: drop leading white space */
        while (len > 0 && is_space(*s)) {
            s++;
            len--;
        }
        if (len == 0) {
            return;
        }
    }
    if (r->text.len + (size_t)len > r->opts.max_record_size) {
        char limit[32];
        xml_format_size(limit, sizeof limit, r->opts.max_record_size);
        fail_at(r, f->line, r->record->name, _("enregistrement trop gros (plus de %s en mémoire)"),
                limit);
        return;
    }
    if (util_buf_append(&r->text, s, (size_t)len) < 0) {
        fail_nomem(r);
    }
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    (void)sysid;
    (void)pubid;
    xml_reader *r = ud;
    if (r->failed) {
        return;
    }
    /* With allow_doctype, an acceptable DOCTYPE was blanked before expat saw it
       (blank_external_doctype): any DOCTYPE that reaches expat is refused. */
    if (r->opts.allow_doctype && has_internal_subset) {
        fail_at(r, current_line(r), NULL,
                _("DOCTYPE %s avec des déclarations internes refusé (les entités sont interdites)"),
                name);
    } else {
        fail_at(r, current_line(r), NULL,
                _("déclaration de type de document (DOCTYPE %s) refusée : relais ne lit ni DTD ni "
                  "entités"),
                name);
    }
}

/* Index just past `end` searched from p[i], or 0 when absent. */
static size_t skip_past(const unsigned char *p, size_t len, size_t i, const char *end)
{
    size_t n = strlen(end);
    for (; i + n <= len; i++) {
        if (memcmp(p + i, end, n) == 0) {
            return i + n;
        }
    }
    return 0;
}

/*
 * allow_doctype: replace a prolog's `<!DOCTYPE name SYSTEM "x.dtd">` (external
 * identifier only) by spaces, newlines kept. Expat then parses the document as
 * one without DTD, where an undefined entity is always an error; told of an
 * external subset it would instead drop undefined entities from attribute
 * values without a word. An internal subset is left for on_doctype to refuse.
 */
static void blank_external_doctype(unsigned char *p, size_t len)
{
    size_t i = 0;
    for (;;) {
        while (i < len && is_space((char)p[i])) {
            i++;
        }
        if (i + 4 <= len && memcmp(p + i, "<!--", 4) == 0) {
            i = skip_past(p, len, i + 4, "-->");
        } else if (i + 2 <= len && memcmp(p + i, "<?", 2) == 0) {
            i = skip_past(p, len, i + 2, "?>");
        } else {
            break;
        }
        if (i == 0) {
            return;
        }
    }
    if (i + 10 > len || memcmp(p + i, "<!DOCTYPE", 9) != 0 || !is_space((char)p[i + 9])) {
        return;
    }
    unsigned char quote = 0;
    for (size_t j = i + 9; j < len; j++) {
        unsigned char c = p[j];
        if (quote) {
            quote = c == quote ? 0 : quote;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '[' || c == '<') {
            return;
        } else if (c == '>') {
            for (size_t k = i; k <= j; k++) {
                p[k] = p[k] == '\n' || p[k] == '\r' ? p[k] : ' '; /* lines unchanged */
            }
            return;
        }
    }
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param,
                                   const XML_Char *value, int value_length, const XML_Char *base,
                                   const XML_Char *sysid, const XML_Char *pubid,
                                   const XML_Char *notation)
{
    (void)is_param;
    (void)value;
    (void)value_length;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    xml_reader *r = ud;
    if (!r->failed) {
        fail_at(r, current_line(r), NULL, _("déclaration d'entité %s refusée"), name);
    }
}

static void XMLCALL on_skipped_entity(void *ud, const XML_Char *name, int is_param)
{
    (void)is_param;
    xml_reader *r = ud;
    if (!r->failed) {
        fail_at(r, current_line(r), current_element(r), _("entité &%s; inconnue"), name);
    }
}

/* The name of the closing tag at the error position, from expat's input context. */
static void closing_tag_name(char *out, size_t out_size, XML_Parser p)
{
    int offset = 0, size = 0;
    const char *ctx = XML_GetInputContext(p, &offset, &size);
    out[0] = '\0';
    if (ctx == NULL || offset < 0 || offset >= size) {
        return;
    }
    /* expat points at the name, after "</"; accept the tag's start as well */
    if (offset + 2 <= size && ctx[offset] == '<' && ctx[offset + 1] == '/') {
        offset += 2;
    } else if (offset < 2 || ctx[offset - 2] != '<' || ctx[offset - 1] != '/') {
        return;
    }
    size_t n = 0;
    for (int i = offset; i < size && n + 1 < out_size; i++) {
        char c = ctx[i];
        if (c == '>' || is_space(c)) {
            break;
        }
        out[n++] = c;
    }
    while (n > 0 && offset + (int)n < size && ((unsigned char)ctx[offset + (int)n] & 0xC0) == 0x80) {
        n--; /* cut at a character boundary */
    }
    out[n] = '\0';
}

/* Turn expat's error into our message; returns the code. */
static int expat_error(xml_reader *r, bool final)
{
    if (r->failed) {
        return r->rc;
    }
    enum XML_Error code = XML_GetErrorCode(r->parser);
    unsigned long line = current_line(r);
    const char *element = current_element(r);
    unsigned long open_line = r->depth > 0 ? r->frames[r->depth].line : 0;
    char closing[NAME_KEEP];
    switch (code) {
    case XML_ERROR_NO_MEMORY: fail_nomem(r); return r->rc;
    case XML_ERROR_NO_ELEMENTS:
    case XML_ERROR_UNCLOSED_TOKEN:
    case XML_ERROR_UNCLOSED_CDATA_SECTION:
    case XML_ERROR_PARTIAL_CHAR:
        if (final && element) {
            fail_at(r, line, element,
                    _("fichier tronqué : l'élément ouvert ligne %lu n'est pas fermé"), open_line);
        } else if (final && !r->seen_root) {
            fail_at(r, line, NULL, "%s", _("aucun élément XML : fichier vide ou tronqué"));
        } else {
            fail_at(r, line, element, "%s", _("fichier tronqué ou balise non terminée"));
        }
        break;
    case XML_ERROR_TAG_MISMATCH:
        closing_tag_name(closing, sizeof closing, r->parser);
        fail_at(r, line, element,
                _("balise fermante </%s> alors que cet élément, ouvert ligne %lu, n'est pas "
                  "fermé"),
                closing[0] ? closing : "?", open_line);
        break;
    case XML_ERROR_INVALID_TOKEN:
        fail_at(r, line, element, "%s",
                _("XML mal formé : caractère interdit ou balise invalide (fichier binaire ?)"));
        break;
    case XML_ERROR_SYNTAX: fail_at(r, line, element, "%s", _("XML mal formé : erreur de syntaxe")); break;
    case XML_ERROR_DUPLICATE_ATTRIBUTE:
        fail_at(r, line, element, "%s", _("attribut en double"));
        break;
    case XML_ERROR_JUNK_AFTER_DOC_ELEMENT:
        fail_at(r, line, NULL, "%s", _("contenu après la fin de l'élément racine"));
        break;
    case XML_ERROR_UNDEFINED_ENTITY:
        fail_at(r, line, element, "%s", _("référence à une entité non définie"));
        break;
    case XML_ERROR_BAD_CHAR_REF:
        fail_at(r, line, element, "%s", _("référence de caractère invalide"));
        break;
    case XML_ERROR_MISPLACED_XML_PI:
        fail_at(r, line, NULL, "%s",
                _("déclaration XML mal placée : elle doit ouvrir le fichier"));
        break;
    case XML_ERROR_XML_DECL: fail_at(r, line, NULL, "%s", _("déclaration XML mal formée")); break;
    default:
        fail_at(r, line, element, _("XML mal formé (%s)"), XML_ErrorString(code));
        break;
    }
    return r->rc;
}

/* ---------------------------------------------------------------- public */

int xml_reader_new(xml_reader **out, const xml_options *opts)
{
    *out = NULL;
    xml_reader *r = util_calloc(1, sizeof *r);
    if (r == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    xml_options_resolve(&r->opts, opts);
    r->encoding = "UTF-8";
    int rc = util_arena_new(&r->arena, 64 * 1024);
    if (rc == 0) {
        r->raw = util_malloc(r->opts.buffer_size);
        r->conv = util_malloc(3 * r->opts.buffer_size);
        r->frames = util_calloc(r->opts.max_depth + 1, sizeof *r->frames);
        r->file = util_strdup("");
        if (r->raw == NULL || r->conv == NULL || r->frames == NULL || r->file == NULL) {
            rc = RELAIS_ENOMEM;
        }
    }
    if (rc < 0) {
        relais_error_set("%s", _("mémoire insuffisante"));
        xml_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void xml_reader_free(xml_reader *r)
{
    if (r == NULL) {
        return;
    }
    for (unsigned i = 0; i < r->n_paths; i++) {
        util_free(r->paths[i].buf);
        util_free(r->paths[i].segs);
    }
    util_arena_free(r->arena);
    util_buf_free(&r->text);
    util_free(r->raw);
    util_free(r->conv);
    util_free(r->frames);
    util_free(r->file);
    util_free(r);
}

int xml_reader_on_root(xml_reader *r, xml_record_fn fn, void *payload)
{
    r->root_fn = fn;
    r->root_payload = payload;
    return 0;
}

int xml_reader_on_record(xml_reader *r, const char *path, xml_record_fn fn, void *payload)
{
    if (r->n_paths >= MAX_PATHS) {
        relais_error_set(_("plus de %d chemins d'éléments enregistrés"), MAX_PATHS);
        return RELAIS_EINVALID;
    }
    if (path == NULL || path[0] != '/' || path[1] == '\0' || fn == NULL) {
        relais_error_set(_("chemin d'élément invalide « %s » (attendu : /RACINE/A/B)"),
                         path ? path : "");
        return RELAIS_EINVALID;
    }
    path_def p = {0};
    p.buf = util_strdup(path + 1);
    if (p.buf == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    unsigned n = 1;
    for (const char *c = p.buf; *c; c++) {
        n += *c == '/';
    }
    p.segs = util_calloc(n, sizeof *p.segs);
    if (p.segs == NULL) {
        util_free(p.buf);
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    char *seg = p.buf;
    for (unsigned i = 0; i < n; i++) {
        char *slash = strchr(seg, '/');
        if (slash) {
            *slash = '\0';
        }
        if (seg[0] == '\0') {
            util_free(p.buf);
            util_free(p.segs);
            relais_error_set(_("chemin d'élément invalide « %s » (attendu : /RACINE/A/B)"), path);
            return RELAIS_EINVALID;
        }
        p.segs[i] = seg;
        seg = slash ? slash + 1 : seg + strlen(seg);
    }
    if (n > r->opts.max_depth) {
        util_free(p.buf);
        util_free(p.segs);
        relais_error_set(_("chemin d'élément « %s » plus profond que la limite de %u"), path,
                         r->opts.max_depth);
        return RELAIS_EINVALID;
    }
    p.n_segs = n;
    p.fn = fn;
    p.payload = payload;
    r->paths[r->n_paths++] = p;
    return 0;
}

const char *xml_reader_file(const xml_reader *r)
{
    return r->file;
}

const char *xml_reader_encoding(const xml_reader *r)
{
    return r->encoding;
}

static const XML_Memory_Handling_Suite memory_suite = {util_malloc, util_realloc, util_free};

static int parser_setup(xml_reader *r)
{
    r->parser = XML_ParserCreate_MM("UTF-8", &memory_suite, NULL);
    if (r->parser == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    XML_SetUserData(r->parser, r);
    XML_SetElementHandler(r->parser, on_start, on_end);
    XML_SetCharacterDataHandler(r->parser, on_text);
    XML_SetStartDoctypeDeclHandler(r->parser, on_doctype);
    XML_SetEntityDeclHandler(r->parser, on_entity_decl);
    XML_SetSkippedEntityHandler(r->parser, on_skipped_entity);
    if (!XML_SetParamEntityParsing(r->parser, XML_PARAM_ENTITY_PARSING_NEVER)) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    return 0;
}

/* Give one UTF-8 chunk to expat, then check what it had to keep (one unfinished token). */
static int parse_chunk(xml_reader *r, const unsigned char *data, size_t len, uint64_t *fed)
{
    while (len > 0) {
        int n = len > (1u << 30) ? 1 << 30 : (int)len;
        if (XML_Parse(r->parser, (const char *)data, n, XML_FALSE) != XML_STATUS_OK) {
            return expat_error(r, false);
        }
        data += n;
        len -= (size_t)n;
        *fed += (uint64_t)n;
    }
    XML_Index at = XML_GetCurrentByteIndex(r->parser);
    size_t limit = UTIL_MAX(r->opts.max_text_size, r->opts.max_attr_size) + TOKEN_SLACK;
    if (at >= 0 && *fed - (uint64_t)at > limit) {
        char shown[32];
        xml_format_size(shown, sizeof shown, limit);
        fail_at(r, current_line(r), current_element(r),
                _("balise, commentaire ou instruction de plus de %s"), shown);
        return r->rc;
    }
    return 0;
}

int xml_reader_parse(xml_reader *r, xml_source *src)
{
    int rc = 0;
    char *file = util_strdup(xml_source_name(src));
    if (file == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    util_free(r->file);
    r->file = file;
    r->encoding = "UTF-8";
    r->depth = 0;
    r->record = NULL;
    r->seen_root = false;
    r->failed = false;
    r->rc = 0;
    record_reset(r);
    rc = parser_setup(r);
    if (rc < 0) {
        goto done;
    }

    size_t have = 0;
    bool eof = false;
    while (have < HEAD_MIN && !eof) {
        size_t n;
        rc = xml_source_read(&n, src, r->raw + have, r->opts.buffer_size - have);
        if (rc < 0) {
            goto done;
        }
        eof = n == 0;
        have += n;
    }
    if (have == 0) {
        relais_error_set(_("%s : fichier vide"), r->file);
        rc = RELAIS_EINVALID;
        goto done;
    }
    size_t skip;
    rc = xml_decoder_init(&r->dec, &skip, r->file, r->raw, have);
    if (rc < 0) {
        goto done;
    }
    r->encoding = r->dec.label;

    uint64_t fed = 0;
    const unsigned char *chunk = r->raw + skip;
    size_t chunk_len = have - skip;
    for (;;) {
        const unsigned char *utf8;
        size_t utf8_len;
        rc = xml_decoder_feed(&r->dec, &utf8, &utf8_len, chunk, chunk_len, r->conv);
        if (rc < 0) {
            goto done;
        }
        if (fed == 0 && r->opts.allow_doctype) {
            /* the first chunk, in one of our buffers */
            blank_external_doctype(utf8 == r->conv ? r->conv : r->raw + skip, utf8_len);
        }
        rc = parse_chunk(r, utf8, utf8_len, &fed);
        if (rc != 0) {
            goto done;
        }
        if (eof) {
            break;
        }
        rc = xml_source_read(&chunk_len, src, r->raw, r->opts.buffer_size);
        if (rc < 0) {
            goto done;
        }
        chunk = r->raw;
        eof = chunk_len == 0;
    }
    rc = xml_decoder_finish(&r->dec);
    if (rc < 0) {
        goto done;
    }
    if (XML_Parse(r->parser, NULL, 0, XML_TRUE) != XML_STATUS_OK) {
        rc = expat_error(r, true);
        goto done;
    }
    rc = r->failed ? r->rc : 0;
done:
    if (r->parser) {
        XML_ParserFree(r->parser);
        r->parser = NULL;
    }
    record_reset(r);
    r->record = NULL;
    return rc;
}

int xml_reader_parse_file(xml_reader *r, const char *path)
{
    xml_source *src = NULL;
    int rc = xml_source_open(&src, path, &r->opts);
    if (rc == 0) {
        rc = xml_reader_parse(r, src);
    }
    xml_source_free(src);
    return rc;
}

/* ---------------------------------------------------------------- peek */

typedef struct peek_state {
    char *name;
} peek_state;

#define PEEK_DONE 1

static int peek_root(const xml_node *root, void *payload)
{
    peek_state *st = payload;
    st->name = util_strdup(xml_node_name(root));
    if (st->name == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    return PEEK_DONE;
}

int xml_peek_root(char **out, const char *path, const xml_options *opts)
{
    *out = NULL;
    xml_options o;
    xml_options_resolve(&o, opts);
    o.buffer_size = 16 * 1024; /* the root is near the top: read little */
    xml_reader *r = NULL;
    int rc = xml_reader_new(&r, &o);
    if (rc < 0) {
        return rc;
    }
    peek_state st = {NULL};
    xml_reader_on_root(r, peek_root, &st);
    rc = xml_reader_parse_file(r, path);
    if (rc == PEEK_DONE) {
        *out = st.name;
        rc = 0;
    } else {
        util_free(st.name);
        if (rc == 0) { /* a document always has a root: unreachable, kept safe */
            relais_error_set(_("%s : aucun élément racine"), xml_reader_file(r));
            rc = RELAIS_EINVALID;
        }
    }
    xml_reader_free(r);
    return rc;
}
