/*
 * source.c — where the bytes of a document come from: a plain file, bytes in
 * memory, or the single XML entry of a zip read with libarchive.
 *
 * Zips are recognised by their content ("PK\3\4"), not their name. They are
 * read through their central directory (libarchive's seekable zip reader), as
 * unzip does: entries whose sizes follow the data (general-purpose bit 3, how
 * SIECLE writes its exports) are read like any other, and a truncated archive,
 * which has lost its central directory, is refused before anything is inflated.
 * A first pass over the directory checks every entry name and picks the XML
 * entry; a second opening streams that entry, counting the inflated bytes
 * against the size and ratio limits (zip bombs). Nothing is written to disk.
 */
#include "internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The ratio limit applies once this much is inflated: small files may compress well. */
#define RATIO_FLOOR ((uint64_t)16 << 20)
#define ARCHIVE_BLOCK (64 * 1024)

typedef enum source_kind { SOURCE_FILE, SOURCE_MEMORY, SOURCE_ZIP } source_kind;

struct xml_source {
    xml_options opts;
    source_kind kind;
    char *name;        /* for messages */
    char *path;        /* zip on disk: reopened for the second pass */
    int fd;            /* SOURCE_FILE */
    const unsigned char *mem; /* SOURCE_MEMORY, or a zip in memory */
    size_t mem_len;
    size_t mem_pos;
    struct archive *ar; /* SOURCE_ZIP, positioned on the XML entry */
    int64_t entry_start; /* raw archive offset when the entry's data began */
    uint64_t done;
    uint64_t total;
};

/* -------------------------------------------------------------- options */

void xml_options_resolve(xml_options *dst, const xml_options *opts)
{
    const xml_options defaults = XML_OPTIONS_INIT;
    *dst = opts ? *opts : defaults;
    if (dst->max_text_size == 0) {
        dst->max_text_size = defaults.max_text_size;
    }
    if (dst->max_attr_size == 0) {
        dst->max_attr_size = defaults.max_attr_size;
    }
    if (dst->max_record_size == 0) {
        dst->max_record_size = defaults.max_record_size;
    }
    if (dst->max_depth == 0) {
        dst->max_depth = defaults.max_depth;
    }
    if (dst->max_depth > 256) {
        dst->max_depth = 256;
    }
    if (dst->buffer_size == 0) {
        dst->buffer_size = defaults.buffer_size;
    }
    if (dst->buffer_size < 4096) {
        dst->buffer_size = 4096;
    }
    if (dst->buffer_size > ((size_t)16 << 20)) {
        dst->buffer_size = (size_t)16 << 20;
    }
}

void xml_format_size(char *out, size_t out_size, uint64_t bytes)
{
    const uint64_t kib = 1024, mib = kib << 10, gib = mib << 10;
    int rc;
    if (bytes >= gib && bytes % gib == 0) {
        rc = util_snprintf(out, out_size, _("%llu Gio"), (unsigned long long)(bytes / gib));
    } else if (bytes >= mib && bytes % mib == 0) {
        rc = util_snprintf(out, out_size, _("%llu Mio"), (unsigned long long)(bytes / mib));
    } else if (bytes >= kib && bytes % kib == 0) {
        rc = util_snprintf(out, out_size, _("%llu Kio"), (unsigned long long)(bytes / kib));
    } else {
        rc = util_snprintf(out, out_size, _("%llu octets"), (unsigned long long)bytes);
    }
    if (rc < 0 && out_size > 0) {
        out[0] = '\0';
    }
}

/* ---------------------------------------------------------------- names */

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* An entry name that would escape an extraction directory: "..", absolute, drive letter. */
static bool entry_name_unsafe(const char *name)
{
    if (name[0] == '/' || name[0] == '\\') {
        return true;
    }
    if (((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')) &&
        name[1] == ':') {
        return true;
    }
    const char *p = name;
    for (;;) {
        size_t n = strcspn(p, "/\\");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            return true;
        }
        if (p[n] == '\0') {
            return false;
        }
        p += n + 1;
    }
}

/* macOS metadata (__MACOSX/, ._x.xml) and hidden files are not candidates. */
static bool entry_name_ignored(const char *name)
{
    if (strncmp(name, "__MACOSX/", 9) == 0 || strstr(name, "/__MACOSX/") != NULL) {
        return true;
    }
    return base_name(name)[0] == '.';
}

/* Entry name for messages: valid UTF-8 kept, anything else replaced by '?', bounded. */
static void entry_display(char *out, size_t out_size, const char *name)
{
    size_t n = strlen(name);
    if (n >= out_size) {
        n = out_size - 1;
    }
    memcpy(out, name, n);
    out[n] = '\0';
    if (!util_utf8_valid(out, n)) {
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)out[i] >= 0x80) {
                out[i] = '?';
            }
        }
    }
}

/* ------------------------------------------------------------------ zip */

static int zip_open_archive(struct archive **out, xml_source *src)
{
    *out = NULL;
    struct archive *a = archive_read_new();
    if (a == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    int r = archive_read_support_format_zip_seekable(a);
    if (r == ARCHIVE_OK) {
        r = src->path ? archive_read_open_filename(a, src->path, ARCHIVE_BLOCK)
                      : archive_read_open_memory(a, src->mem, src->mem_len);
    }
    if (r != ARCHIVE_OK) {
        relais_error_set(_("%s : archive zip illisible, tronquée ou corrompue (%s)"), src->name,
                         archive_error_string(a) ? archive_error_string(a) : "?");
        archive_read_free(a);
        return RELAIS_EINVALID;
    }
    *out = a;
    return 0;
}

static const char *entry_pathname(struct archive_entry *e)
{
    const char *name = archive_entry_pathname_utf8(e);
    if (name == NULL) {
        name = archive_entry_pathname(e);
    }
    return name ? name : "";
}

/*
 * First pass: check every entry name and find the single XML entry. Sets
 * *index (position in the directory) and the display name.
 */
static int zip_scan(xml_source *src, long *index, char *entry, size_t entry_size)
{
    struct archive *a = NULL;
    int rc = zip_open_archive(&a, src);
    if (rc < 0) {
        return rc;
    }
    long n_xml = 0;
    char other[256] = "";
    struct archive_entry *e;
    int r;
    for (long i = 0; (r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN;
         i++) {
        const char *name = entry_pathname(e);
        char shown[256];
        entry_display(shown, sizeof shown, name);
        if (entry_name_unsafe(name)) {
            relais_error_set(_("%s : entrée d'archive au chemin dangereux « %s » (chemin absolu ou "
                               "« .. ») : archive refusée"),
                             src->name, shown);
            rc = RELAIS_EINVALID;
            goto done;
        }
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFDIR || type == AE_IFLNK || entry_name_ignored(name) ||
            !ends_with_ci(name, ".xml")) {
            continue;
        }
        if (n_xml++ == 0) {
            *index = i;
            entry_display(entry, entry_size, shown);
        } else if (other[0] == '\0') {
            entry_display(other, sizeof other, shown);
        }
    }
    if (r != ARCHIVE_EOF) {
        relais_error_set(_("%s : archive zip tronquée ou corrompue (%s)"), src->name,
                         archive_error_string(a) ? archive_error_string(a) : "?");
        rc = RELAIS_EINVALID;
        goto done;
    }
    if (n_xml == 0) {
        relais_error_set(_("%s : l'archive ne contient aucun fichier XML"), src->name);
        rc = RELAIS_EINVALID;
    } else if (n_xml > 1) {
        relais_error_set(_("%s : l'archive contient %ld fichiers XML (%s, %s…) : une seule "
                           "exportation par archive est attendue"),
                         src->name, n_xml, entry, other);
        rc = RELAIS_EINVALID;
    }
done:
    archive_read_free(a);
    return rc;
}

/* Second pass: position a fresh reader on entry `index`. */
static int zip_open_entry(xml_source *src, long index)
{
    int rc = zip_open_archive(&src->ar, src);
    if (rc < 0) {
        return rc;
    }
    struct archive_entry *e = NULL;
    for (long i = 0; i <= index; i++) {
        int r = archive_read_next_header(src->ar, &e);
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            relais_error_set(_("%s : archive zip tronquée ou corrompue (%s)"), src->name,
                             archive_error_string(src->ar) ? archive_error_string(src->ar) : "?");
            return RELAIS_EINVALID;
        }
    }
    if (archive_entry_is_encrypted(e)) {
        relais_error_set(_("%s : entrée chiffrée : archive refusée"), src->name);
        return RELAIS_EINVALID;
    }
    if (archive_entry_size_is_set(e)) {
        uint64_t size = (uint64_t)archive_entry_size(e);
        if (src->opts.max_inflated_size && size > src->opts.max_inflated_size) {
            char limit[32];
            xml_format_size(limit, sizeof limit, src->opts.max_inflated_size);
            relais_error_set(_("%s : contenu décompressé annoncé de %llu octets, plus que la "
                               "limite de %s (bombe zip ?)"),
                             src->name, (unsigned long long)size, limit);
            return RELAIS_EINVALID;
        }
        src->total = size;
    }
    src->entry_start = archive_filter_bytes(src->ar, -1);
    return 0;
}

static int zip_read(size_t *n_read, xml_source *src, void *buf, size_t cap)
{
    la_ssize_t n = archive_read_data(src->ar, buf, cap);
    if (n < 0) {
        relais_error_set(_("%s : archive zip tronquée ou corrompue (%s)"), src->name,
                         archive_error_string(src->ar) ? archive_error_string(src->ar) : "?");
        return RELAIS_EINVALID;
    }
    uint64_t done = src->done + (uint64_t)n;
    char limit[32];
    if (src->opts.max_inflated_size && done > src->opts.max_inflated_size) {
        xml_format_size(limit, sizeof limit, src->opts.max_inflated_size);
        relais_error_set(_("%s : contenu décompressé de plus de %s (bombe zip ?) : archive "
                           "refusée"),
                         src->name, limit);
        return RELAIS_EINVALID;
    }
    if (src->opts.max_ratio && done > RATIO_FLOOR) {
        /* Raw bytes consumed since the entry began; libarchive's read-ahead makes this an
           overestimate of the compressed size, so the ratio is never overstated. */
        int64_t packed = archive_filter_bytes(src->ar, -1) - src->entry_start;
        if (packed < 1) {
            packed = 1;
        }
        if (done / (uint64_t)packed > src->opts.max_ratio) {
            relais_error_set(_("%s : taux de compression supérieur à %u pour 1 (bombe zip ?) : "
                               "archive refusée"),
                             src->name, src->opts.max_ratio);
            return RELAIS_EINVALID;
        }
    }
    src->done = done;
    *n_read = (size_t)n;
    return 0;
}

/* --------------------------------------------------------------- opening */

static bool is_zip_magic(const unsigned char *m, size_t n)
{
    return n >= 4 && m[0] == 'P' && m[1] == 'K' &&
           ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6) || (m[2] == 7 && m[3] == 8));
}

static int source_new(xml_source **out, const char *name, const xml_options *opts)
{
    xml_source *src = util_calloc(1, sizeof *src);
    if (src == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    xml_options_resolve(&src->opts, opts);
    src->fd = -1;
    src->name = util_strdup(name);
    if (src->name == NULL) {
        util_free(src);
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    *out = src;
    return 0;
}

/* The source is a zip: pick its entry and rename the source "archive.zip:entry.xml". */
static int zip_setup(xml_source *src)
{
    long index = -1;
    char entry[256];
    int rc = zip_scan(src, &index, entry, sizeof entry);
    if (rc < 0) {
        return rc;
    }
    rc = zip_open_entry(src, index);
    if (rc < 0) {
        return rc;
    }
    util_buf b = UTIL_BUF_INIT;
    if (util_buf_printf(&b, "%s:%s", src->name, entry) < 0) {
        util_buf_free(&b);
        return RELAIS_ENOMEM;
    }
    util_free(src->name);
    src->name = util_buf_steal(&b);
    src->kind = SOURCE_ZIP;
    return 0;
}

int xml_source_open(xml_source **out, const char *path, const xml_options *opts)
{
    *out = NULL;
    xml_source *src = NULL;
    int rc = source_new(&src, base_name(path), opts);
    if (rc < 0) {
        return rc;
    }
    src->kind = SOURCE_FILE;
    src->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (src->fd < 0) {
        int err = errno;
        relais_error_set(_("%s : ouverture impossible (%s)"), path, strerror(err));
        rc = err == ENOENT ? RELAIS_ENOTFOUND : RELAIS_EIO;
        goto done;
    }
    struct stat st;
    if (fstat(src->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        relais_error_set(_("%s : ce n'est pas un fichier ordinaire"), path);
        rc = RELAIS_EINVALID;
        goto done;
    }
    src->total = (uint64_t)st.st_size;
    unsigned char magic[4];
    ssize_t n = pread(src->fd, magic, sizeof magic, 0);
    if (n < 0) {
        relais_error_set(_("%s : lecture impossible (%s)"), path, strerror(errno));
        rc = RELAIS_EIO;
        goto done;
    }
    if (is_zip_magic(magic, (size_t)n)) {
        close(src->fd);
        src->fd = -1;
        src->total = 0;
        src->path = util_strdup(path);
        if (src->path == NULL) {
            relais_error_set("%s", _("mémoire insuffisante"));
            rc = RELAIS_ENOMEM;
            goto done;
        }
        rc = zip_setup(src);
    }
done:
    if (rc < 0) {
        xml_source_free(src);
        return rc;
    }
    *out = src;
    return 0;
}

int xml_source_open_memory(xml_source **out, const char *name, const void *data, size_t len,
                           const xml_options *opts)
{
    *out = NULL;
    xml_source *src = NULL;
    int rc = source_new(&src, name, opts);
    if (rc < 0) {
        return rc;
    }
    src->kind = SOURCE_MEMORY;
    src->mem = data;
    src->mem_len = len;
    src->total = len;
    if (is_zip_magic(src->mem, len)) {
        src->total = 0;
        rc = zip_setup(src);
    }
    if (rc < 0) {
        xml_source_free(src);
        return rc;
    }
    *out = src;
    return 0;
}

void xml_source_free(xml_source *src)
{
    if (src == NULL) {
        return;
    }
    if (src->ar) {
        archive_read_free(src->ar);
    }
    if (src->fd >= 0) {
        close(src->fd);
    }
    util_free(src->name);
    util_free(src->path);
    util_free(src);
}

const char *xml_source_name(const xml_source *src)
{
    return src->name;
}

bool xml_source_is_zip(const xml_source *src)
{
    return src->kind == SOURCE_ZIP;
}

int xml_source_read(size_t *n_read, xml_source *src, void *buf, size_t cap)
{
    *n_read = 0;
    switch (src->kind) {
    case SOURCE_ZIP: return zip_read(n_read, src, buf, cap);
    case SOURCE_MEMORY: {
        size_t n = UTIL_MIN(cap, src->mem_len - src->mem_pos);
        memcpy(buf, src->mem + src->mem_pos, n);
        src->mem_pos += n;
        src->done += n;
        *n_read = n;
        return 0;
    }
    case SOURCE_FILE:
        for (;;) {
            ssize_t n = read(src->fd, buf, cap);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                relais_error_set(_("%s : lecture impossible (%s)"), src->name, strerror(errno));
                return RELAIS_EIO;
            }
            src->done += (uint64_t)n;
            *n_read = (size_t)n;
            return 0;
        }
    }
    return RELAIS_EINVALID;
}

void xml_source_progress(const xml_source *src, uint64_t *done, uint64_t *total)
{
    *done = src->done;
    *total = src->total;
}

/* ------------------------------------------------------------ directory */

static int compare_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int xml_dir_list(char ***out, size_t *n_out, const char *dir)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (d == NULL) {
        int err = errno;
        relais_error_set(_("%s : lecture du répertoire impossible (%s)"), dir, strerror(err));
        return err == ENOENT ? RELAIS_ENOTFOUND : RELAIS_EIO;
    }
    char **list = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (name[0] == '.' || !(ends_with_ci(name, ".xml") || ends_with_ci(name, ".zip"))) {
            continue;
        }
        util_buf b = UTIL_BUF_INIT;
        size_t dir_len = strlen(dir);
        bool has_slash = dir_len > 0 && dir[dir_len - 1] == '/';
        if (util_buf_printf(&b, "%s%s%s", dir, has_slash ? "" : "/", name) < 0) {
            util_buf_free(&b);
            rc = RELAIS_ENOMEM;
            goto done;
        }
        struct stat st;
        if (stat(b.data, &st) != 0 || !S_ISREG(st.st_mode)) {
            util_buf_free(&b);
            continue;
        }
        if (n == cap) {
            size_t new_cap = cap ? 2 * cap : 16;
            char **grown = util_realloc(list, new_cap * sizeof *list);
            if (grown == NULL) {
                util_buf_free(&b);
                relais_error_set("%s", _("mémoire insuffisante"));
                rc = RELAIS_ENOMEM;
                goto done;
            }
            list = grown;
            cap = new_cap;
        }
        list[n++] = util_buf_steal(&b);
    }
    if (n > 1) {
        qsort(list, n, sizeof *list, compare_paths);
    }
done:
    closedir(d);
    if (rc < 0) {
        xml_dir_list_free(list, n);
        return rc;
    }
    *out = list;
    *n_out = n;
    return 0;
}

void xml_dir_list_free(char **list, size_t n)
{
    if (list == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        util_free(list[i]);
    }
    util_free(list);
}
