/*
 * store.c — the importer's scratch storage: a temporary file of parsed
 * records ("protos", one per XML record, values already converted) read back
 * in order or at an offset, and the compact id tables (sorted pairs, sparse
 * bitmaps) that stand in for maps of records. This is what keeps memory
 * bounded by the largest record whatever the size of the export.
 *
 * Proto encoding (host byte order, never persisted beyond the run):
 *   u32 length of what follows, u8 type, u8 number of values, u16 0, u32 line,
 *   then per value: u8 slot, u32 length, the bytes, a NUL.
 */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STMP_MEMORY ((size_t)1 << 20)
#define READ_CHUNK ((size_t)256 << 10)

struct stmp {
    int fd;           /* -1 while everything is in memory */
    uint64_t flushed; /* bytes in the file */
    util_buf pending; /* bytes after `flushed` */
};

int stmp_new(stmp **out)
{
    *out = NULL;
    stmp *t = util_calloc(1, sizeof *t);
    if (t == NULL) {
        return RELAIS_ENOMEM;
    }
    t->fd = -1;
    *out = t;
    return 0;
}

void stmp_free(stmp *t)
{
    if (t == NULL) {
        return;
    }
    if (t->fd >= 0) {
        close(t->fd);
    }
    util_buf_free(&t->pending);
    util_free(t);
}

static int open_tmp(stmp *t)
{
    const char *dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = "/tmp";
    }
#ifdef O_TMPFILE
    t->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (t->fd >= 0) {
        return 0;
    }
#endif
    char path[4096];
    if (util_snprintf(path, sizeof path, "%s/relais-siecle.XXXXXX", dir) < 0) {
        relais_error_set("%s", _("impossible de créer un fichier temporaire"));
        return RELAIS_EIO;
    }
    t->fd = mkstemp(path);
    if (t->fd < 0) {
        relais_error_set(_("impossible de créer un fichier temporaire dans %s : %s"), dir,
                         strerror(errno));
        return RELAIS_EIO;
    }
    unlink(path);
    return 0;
}

static int flush_pending(stmp *t)
{
    if (t->pending.len == 0) {
        return 0;
    }
    if (t->fd < 0) {
        int rc = open_tmp(t);
        if (rc < 0) {
            return rc;
        }
    }
    const char *p = t->pending.data;
    size_t left = t->pending.len;
    while (left > 0) {
        ssize_t n = pwrite(t->fd, p, left, (off_t)t->flushed);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            relais_error_set(_("écriture du fichier temporaire impossible : %s"),
                             strerror(errno));
            return RELAIS_EIO;
        }
        p += n;
        left -= (size_t)n;
        t->flushed += (uint64_t)n;
    }
    t->pending.len = 0;
    return 0;
}

int stmp_append(stmp *t, const void *data, size_t len)
{
    if (t->pending.len + len > STMP_MEMORY && t->pending.len > 0) {
        int rc = flush_pending(t);
        if (rc < 0) {
            return rc;
        }
    }
    return util_buf_append(&t->pending, data, len);
}

uint64_t stmp_size(const stmp *t)
{
    return t->flushed + t->pending.len;
}

int stmp_pread(stmp *t, void *data, size_t len, uint64_t off)
{
    if (off + len > stmp_size(t)) {
        relais_error_set("%s", _("fichier temporaire tronqué"));
        return RELAIS_EIO;
    }
    char *d = data;
    while (len > 0 && off < t->flushed) {
        size_t want = (size_t)UTIL_MIN((uint64_t)len, t->flushed - off);
        ssize_t n = pread(t->fd, d, want, (off_t)off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            relais_error_set(_("lecture du fichier temporaire impossible : %s"), strerror(errno));
            return RELAIS_EIO;
        }
        d += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    if (len > 0) {
        memcpy(d, t->pending.data + (off - t->flushed), len);
    }
    return 0;
}

/* ---------------------------------------------------------------- protos */

void pb_begin(proto_builder *b, uint8_t type, unsigned long line)
{
    for (unsigned i = 0; i < b->n_used; i++) {
        b->v[b->used[i]] = NULL;
    }
    b->n_used = 0;
    b->n_keep = 0;
    b->type = type;
    b->line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
}

void pb_set(proto_builder *b, unsigned slot, const char *v, size_t len, bool override)
{
    if (slot >= X_KEEP || v == NULL) {
        return;
    }
    if (b->v[slot] == NULL) {
        b->used[b->n_used++] = (uint8_t)slot;
    } else if (!override) {
        return;
    }
    b->v[slot] = v;
    b->len[slot] = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

bool pb_has(const proto_builder *b, unsigned slot)
{
    return slot < X_KEEP && b->v[slot] != NULL;
}

void pb_keep(proto_builder *b, unsigned field)
{
    if (b->n_keep < UTIL_ARRAY_LEN(b->keep)) {
        b->keep[b->n_keep++] = (uint8_t)field;
    }
}

int pb_end(proto_builder *b, stmp *t, uint64_t *offset)
{
    util_buf *o = &b->out;
    o->len = 0;
    uint32_t zero = 0;
    uint8_t head[4] = {b->type, (uint8_t)(b->n_used + b->n_keep), 0, 0};
    util_buf_append(o, &zero, sizeof zero);
    util_buf_append(o, head, sizeof head);
    util_buf_append(o, &b->line, sizeof b->line);
    for (unsigned i = 0; i < b->n_used; i++) {
        uint8_t slot = b->used[i];
        uint32_t len = b->len[slot];
        util_buf_append(o, &slot, 1);
        util_buf_append(o, &len, sizeof len);
        util_buf_append(o, b->v[slot], len);
        util_buf_putc(o, '\0');
    }
    for (unsigned i = 0; i < b->n_keep; i++) {
        uint8_t slot = X_KEEP;
        uint32_t len = 1;
        util_buf_append(o, &slot, 1);
        util_buf_append(o, &len, sizeof len);
        util_buf_append(o, &b->keep[i], 1);
        util_buf_putc(o, '\0');
    }
    if (o->failed) {
        return RELAIS_ENOMEM;
    }
    uint32_t total = (uint32_t)(o->len - sizeof total);
    memcpy(o->data, &total, sizeof total);
    if (offset) {
        *offset = stmp_size(t);
    }
    return stmp_append(t, o->data, o->len);
}

void pb_free(proto_builder *b)
{
    util_buf_free(&b->out);
}

/* Decode a record body (after its length) held in buf. */
static int decode(proto *p, char *buf, size_t len)
{
    for (unsigned i = 0; i < p->n_used; i++) {
        p->v[p->used[i]] = NULL;
    }
    p->n_used = 0;
    p->n_keep = 0;
    if (len < 8) {
        goto bad;
    }
    p->type = (uint8_t)buf[0];
    unsigned n = (uint8_t)buf[1];
    memcpy(&p->line, buf + 4, sizeof p->line);
    size_t at = 8;
    for (unsigned i = 0; i < n; i++) {
        if (at + 5 > len) {
            goto bad;
        }
        uint8_t slot = (uint8_t)buf[at];
        uint32_t vlen;
        memcpy(&vlen, buf + at + 1, sizeof vlen);
        at += 5;
        if (at + vlen + 1 > len) {
            goto bad;
        }
        if (slot == X_KEEP) {
            p->keep[p->n_keep++] = (uint8_t)buf[at];
        } else {
            if (p->v[slot] == NULL) {
                p->used[p->n_used++] = slot;
            }
            p->v[slot] = buf + at;
            p->len[slot] = vlen;
        }
        at += vlen + 1;
    }
    return 0;
bad:
    relais_error_set("%s", _("fichier temporaire corrompu"));
    return RELAIS_EIO;
}

int preader_open(proto_reader *r, stmp *t, seg s)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    r->pos = s.start;
    r->end = s.end;
    r->buf_cap = READ_CHUNK;
    r->buf = util_malloc(r->buf_cap);
    return r->buf ? 0 : RELAIS_ENOMEM;
}

/* Make n bytes available at buf + buf_at. */
static int fill(proto_reader *r, size_t n)
{
    if (r->buf_len - r->buf_at >= n) {
        return 0;
    }
    size_t have = r->buf_len - r->buf_at;
    memmove(r->buf, r->buf + r->buf_at, have);
    r->buf_len = have;
    r->buf_at = 0;
    if (n > r->buf_cap) {
        char *nb = util_realloc(r->buf, n);
        if (nb == NULL) {
            return RELAIS_ENOMEM;
        }
        r->buf = nb;
        r->buf_cap = n;
    }
    size_t want = (size_t)UTIL_MIN((uint64_t)(r->buf_cap - r->buf_len), r->end - r->pos);
    if (want + have < n) {
        relais_error_set("%s", _("fichier temporaire tronqué"));
        return RELAIS_EIO;
    }
    int rc = stmp_pread(r->t, r->buf + r->buf_len, want, r->pos);
    if (rc < 0) {
        return rc;
    }
    r->pos += want;
    r->buf_len += want;
    return 0;
}

int preader_next(proto_reader *r, proto *p)
{
    if (r->buf_at == r->buf_len && r->pos >= r->end) {
        return 0;
    }
    int rc = fill(r, sizeof(uint32_t));
    if (rc < 0) {
        return rc;
    }
    uint32_t len;
    memcpy(&len, r->buf + r->buf_at, sizeof len);
    rc = fill(r, sizeof len + (size_t)len);
    if (rc < 0) {
        return rc;
    }
    char *body = r->buf + r->buf_at + sizeof len;
    r->buf_at += sizeof len + (size_t)len;
    rc = decode(p, body, len);
    return rc < 0 ? rc : 1;
}

uint64_t preader_offset(const proto_reader *r)
{
    return r->pos - (uint64_t)(r->buf_len - r->buf_at);
}

void preader_close(proto_reader *r)
{
    util_free(r->buf);
    util_buf_free(&r->rec);
    memset(r, 0, sizeof *r);
}

int proto_read_at(proto *p, util_buf *scratch, stmp *t, uint64_t offset)
{
    uint32_t len;
    int rc = stmp_pread(t, &len, sizeof len, offset);
    if (rc < 0) {
        return rc;
    }
    scratch->len = 0;
    rc = util_buf_grow(scratch, len + 1);
    if (rc < 0) {
        return rc;
    }
    rc = stmp_pread(t, scratch->data, len, offset + sizeof len);
    if (rc < 0) {
        return rc;
    }
    return decode(p, scratch->data, len);
}

/* --------------------------------------------------------------- id tables */

int kvarr_push(kvarr *k, int64_t key, int64_t val)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 1024;
        kv64 *na = util_realloc(k->a, cap * sizeof *na);
        if (na == NULL) {
            return RELAIS_ENOMEM;
        }
        k->a = na;
        k->cap = cap;
    }
    k->a[k->n++] = (kv64){key, val};
    k->sorted = false;
    return 0;
}

static int kv_cmp(const void *a, const void *b)
{
    const kv64 *x = a, *y = b;
    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return (x->val > y->val) - (x->val < y->val);
}

void kvarr_sort(kvarr *k)
{
    if (!k->sorted && k->n > 1) {
        qsort(k->a, k->n, sizeof *k->a, kv_cmp);
    }
    k->sorted = true;
}

kv64 *kvarr_find(const kvarr *k, int64_t key)
{
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (k->a[mid].key < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < k->n && k->a[lo].key == key ? &k->a[lo] : NULL;
}

void kvarr_free(kvarr *k)
{
    util_free(k->a);
    memset(k, 0, sizeof *k);
}

/* Sparse bitmap: a sorted directory of 65,536-bit pages. */
#define PAGE_BITS 16
#define PAGE_WORDS ((1u << PAGE_BITS) / 64)

typedef struct idpage {
    int64_t base; /* id >> PAGE_BITS */
    uint64_t *words;
} idpage;

struct idbits {
    idpage *pages;
    size_t n, cap;
    size_t last; /* page of the last access: ids come in runs */
};

int idbits_new(idbits **out)
{
    *out = util_calloc(1, sizeof **out);
    return *out ? 0 : RELAIS_ENOMEM;
}

void idbits_free(idbits *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        util_free(s->pages[i].words);
    }
    util_free(s->pages);
    util_free(s);
}

/* Index of the page with `base`, or where it would go (*found false). */
static size_t page_find(const idbits *s, int64_t base, bool *found)
{
    if (s->last < s->n && s->pages[s->last].base == base) {
        *found = true;
        return s->last;
    }
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->pages[mid].base < base) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    *found = lo < s->n && s->pages[lo].base == base;
    return lo;
}

int idbits_set(idbits *s, int64_t id)
{
    if (id <= 0) {
        return 0;
    }
    int64_t base = id >> PAGE_BITS;
    bool found;
    size_t i = page_find(s, base, &found);
    if (!found) {
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 16;
            idpage *np = util_realloc(s->pages, cap * sizeof *np);
            if (np == NULL) {
                return RELAIS_ENOMEM;
            }
            s->pages = np;
            s->cap = cap;
        }
        uint64_t *words = util_calloc(PAGE_WORDS, sizeof *words);
        if (words == NULL) {
            return RELAIS_ENOMEM;
        }
        memmove(&s->pages[i + 1], &s->pages[i], (s->n - i) * sizeof *s->pages);
        s->pages[i] = (idpage){base, words};
        s->n++;
    }
    s->last = i;
    uint64_t bit = (uint64_t)id & ((1u << PAGE_BITS) - 1);
    s->pages[i].words[bit / 64] |= 1ULL << (bit % 64);
    return 0;
}

bool idbits_has(const idbits *s, int64_t id)
{
    if (s == NULL || id <= 0) {
        return false;
    }
    bool found;
    size_t i = page_find(s, id >> PAGE_BITS, &found);
    if (!found) {
        return false;
    }
    uint64_t bit = (uint64_t)id & ((1u << PAGE_BITS) - 1);
    return (s->pages[i].words[bit / 64] >> (bit % 64)) & 1;
}

/* ----------------------------------------------------------------- strings */

const char *siecle_cat(util_arena *a, const char *s1, const char *s2, const char *s3,
                       const char *s4)
{
    const char *parts[4] = {s1, s2, s3, s4};
    size_t lens[4], total = 0;
    for (int i = 0; i < 4; i++) {
        lens[i] = parts[i] ? strlen(parts[i]) : 0;
        total += lens[i];
    }
    char *out = util_arena_alloc(a, total + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        memcpy(out + at, parts[i] ? parts[i] : "", lens[i]);
        at += lens[i];
    }
    out[at] = '\0';
    return out;
}

int siecle_key(siecle_key_buf *k, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    k->len = la + 1 + lb;
    k->data = k->small;
    if (k->len >= sizeof k->small) {
        k->heap.len = 0;
        util_buf_append(&k->heap, a, la);
        util_buf_putc(&k->heap, '\x1f');
        util_buf_append(&k->heap, b, lb);
        if (k->heap.failed) {
            return RELAIS_ENOMEM;
        }
        k->data = k->heap.data;
        return 0;
    }
    memcpy(k->small, a, la);
    k->small[la] = '\x1f';
    memcpy(k->small + la + 1, b, lb);
    k->small[k->len] = '\0';
    return 0;
}

/* ------------------------------------------------------------ identifiers */

bool siecle_ine_pack(const char *s, size_t len, int64_t *out)
{
    if (len != 11) {
        return false;
    }
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        unsigned d;
        if (ch >= '0' && ch <= '9') {
            d = ch - '0';
        } else if (ch >= 'A' && ch <= 'Z') {
            d = ch - 'A' + 10;
        } else if (ch >= 'a' && ch <= 'z') {
            d = ch - 'a' + 10;
        } else {
            return false;
        }
        v = v * 36 + d; /* 36^11 < 2^57 */
    }
    *out = (int64_t)v;
    return true;
}

bool siecle_id_parse(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 18) {
        return false;
    }
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}
