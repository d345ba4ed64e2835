/*
 * files.c — writing export files atomically: plain files and zips (libarchive,
 * deflate, fixed entry times so that the same hub gives the same bytes).
 */
#include "export.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int record(export_result *res, const char *path, size_t rows, size_t bytes)
{
    if (res->n_files >= EXPORT_MAX_FILES) {
        relais_error_set("%s", _("trop de fichiers pour un export"));
        return RELAIS_EINVALID;
    }
    export_file *f = &res->files[res->n_files++];
    snprintf(f->path, sizeof f->path, "%s", path);
    f->rows = rows;
    f->bytes = bytes;
    return 0;
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        relais_error_set(_("%s : création du dossier impossible (%s)"), dir, strerror(errno));
        return RELAIS_EIO;
    }
    if (!util_is_dir(dir)) {
        relais_error_set(_("%s n'est pas un dossier"), dir);
        return RELAIS_EINVALID;
    }
    return 0;
}

int export_write_file(export_result *res, const char *out_dir, const char *name,
                      const void *data, size_t len, size_t rows)
{
    char path[4096];
    if (util_snprintf(path, sizeof path, "%s/%s", out_dir, name) < 0) {
        relais_error_set(_("%s : chemin trop long"), out_dir);
        return RELAIS_EINVALID;
    }
    int rc = make_dir(out_dir);
    if (rc == 0) {
        rc = util_file_write_atomic(path, data, len);
    }
    return rc < 0 ? rc : record(res, path, rows, len);
}

/* The entry time of every zip entry: the export time, so files show a real date. */
static time_t entry_time(void)
{
    char now[21];
    util_now_iso(now);
    struct tm tm = {0};
    if (strptime(now, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) {
        return time(NULL);
    }
    return timegm(&tm);
}

int export_write_zip(export_result *res, const char *out_dir, const char *name,
                     const export_zip_entry *entries, size_t n, size_t rows)
{
    char path[4096], tmp[4200];
    if (util_snprintf(path, sizeof path, "%s/%s", out_dir, name) < 0 ||
        util_snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        relais_error_set(_("%s : chemin trop long"), out_dir);
        return RELAIS_EINVALID;
    }
    int rc = make_dir(out_dir);
    if (rc < 0) {
        return rc;
    }
    struct archive *a = archive_write_new();
    if (a == NULL) {
        return RELAIS_ENOMEM;
    }
    time_t when = entry_time();
    bool ok = archive_write_set_format_zip(a) == ARCHIVE_OK &&
              archive_write_zip_set_compression_deflate(a) == ARCHIVE_OK &&
              archive_write_open_filename(a, tmp) == ARCHIVE_OK;
    for (size_t i = 0; ok && i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        if (e == NULL) {
            ok = false;
            break;
        }
        archive_entry_set_pathname(e, entries[i].name);
        archive_entry_set_size(e, (la_int64_t)entries[i].len);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, when, 0);
        ok = archive_write_header(a, e) == ARCHIVE_OK &&
             (entries[i].len == 0 ||
              archive_write_data(a, entries[i].data, entries[i].len) == (la_ssize_t)entries[i].len);
        archive_entry_free(e);
    }
    if (!ok) {
        relais_error_set(_("%s : écriture du zip impossible (%s)"), path,
                         archive_error_string(a) ? archive_error_string(a) : "?");
    }
    ok = archive_write_close(a) == ARCHIVE_OK && ok;
    archive_write_free(a);
    struct stat st;
    if (!ok || stat(tmp, &st) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        if (ok) {
            relais_error_set(_("%s : écriture impossible (%s)"), path, strerror(errno));
        }
        return RELAIS_EIO;
    }
    return record(res, path, rows, (size_t)st.st_size);
}
