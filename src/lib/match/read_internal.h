/*
 * read_internal.h — shared by the partner list readers (read.c: CSV and ENT;
 * aaf.c: AAF person files): the reading state that spans several files, so that
 * links between files (an AAF student and its guardians) are resolved once
 * everything is read.
 */
#ifndef RELAIS_MATCH_READ_INTERNAL_H
#define RELAIS_MATCH_READ_INTERNAL_H

#include "match_internal.h"

typedef struct reader {
    match_list *l;
    const match_read_options *opt;
    const char *file;                  /* current file, for messages */
    util_map *ids[MATCH_N_CATEGORIES]; /* partner id → index */
    /* children given by partner ids (CSV), resolved at the end */
    struct pending_children {
        uint32_t guardian;
        const char *ids; /* '|'-separated */
        unsigned long line;
    } * pend;
    size_t n_pend, cap_pend;
    /* AAF: person jointure → index; guardian–student links; structures → UAI */
    util_map *jointures;
    util_map *structures; /* structure jointure → UAI (string in the list arena) */
    struct aaf_link {
        const char *guardian, *student; /* jointures */
    } * aaf_links;
    size_t n_aaf_links, cap_aaf_links;
    struct aaf_struct {
        uint32_t person;
        const char *structure;
    } * aaf_structs;
    size_t n_aaf_structs, cap_aaf_structs;
    size_t n_delta; /* modifyRequest / deleteRequest seen */
    util_buf msg;
} reader;

int match_reader_init(reader *r, const match_read_options *opt);
void match_reader_free(reader *r);
void match_reader_warn(reader *r, unsigned long line, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/** Register the id of person `index` in its category; false (warning given) when taken. */
bool match_reader_register(reader *r, uint32_t index, unsigned long line);

/** AAF: one file (XML or zip), the person files of a directory, or a document in memory. */
int match_read_aaf_file(reader *r, const char *path);
int match_read_aaf_dir(reader *r, const char *dir);
int match_read_aaf_memory(reader *r, const char *data, size_t len);
/** AAF: resolve links and structures once every file is read. */
int match_aaf_finish(reader *r);

#endif
