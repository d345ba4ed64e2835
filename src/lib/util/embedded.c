/*
 * embedded.c — lookup in the table of files embedded at build time
 * (generated/embedded.c, made by cmake/embed.cmake).
 */
#include "util.h"

#include <string.h>

typedef struct embedded_file {
    const char *path;
    const unsigned char *data;
    size_t size;
} embedded_file;

extern const embedded_file relais_embedded_files[];

const unsigned char *util_embedded(const char *path, size_t *size)
{
    for (const embedded_file *f = relais_embedded_files; f->path; f++) {
        if (strcmp(f->path, path) == 0) {
            if (size) {
                *size = f->size;
            }
            return f->data;
        }
    }
    return NULL;
}

const char *util_embedded_next(size_t *pos)
{
    const embedded_file *f = &relais_embedded_files[*pos];
    if (f->path == NULL) {
        return NULL;
    }
    (*pos)++;
    return f->path;
}
