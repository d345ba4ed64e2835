/*
 * file.c — whole-file helpers for small files (configuration, golden data)
 * and atomic writes (exports must never leave a half-written file behind).
 */
#include "util.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int util_file_read(char **out, size_t *len, const char *path)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        relais_error_set(_("%s : lecture impossible (%s)"), path, strerror(errno));
        return errno == ENOENT ? RELAIS_ENOTFOUND : RELAIS_EIO;
    }
    util_buf b = UTIL_BUF_INIT;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = util_buf_append(&b, chunk, n);
        if (rc < 0) {
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        relais_error_set(_("%s : lecture impossible"), path);
        rc = RELAIS_EIO;
    }
    fclose(f);
    if (rc < 0) {
        util_buf_free(&b);
        return rc;
    }
    *len = b.len;
    *out = util_buf_steal(&b);
    return 0;
}

int util_file_write_atomic(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    if (util_snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
        relais_error_set(_("%s : chemin trop long"), path);
        return RELAIS_EINVALID;
    }
    FILE *f = fopen(tmp, "wb");
    if (f == NULL) {
        relais_error_set(_("%s : écriture impossible (%s)"), path, strerror(errno));
        return RELAIS_EIO;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        relais_error_set(_("%s : écriture impossible (%s)"), path, strerror(errno));
        unlink(tmp);
        return RELAIS_EIO;
    }
    return 0;
}

bool util_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
