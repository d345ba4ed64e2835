/*
 * export.h — the face of the export module: the files each application
 * imports, written from one scope of the hub.
 *
 *   identifiants  the identifier crosswalk (CSV) and the mail-merge file that
 *                 hands each person their ENT and partner logins;
 *   oneroster     a OneRoster 1.2 bulk CSV package (zip);
 *   elegroupe     the student–group links file for SIECLE BEE (zip + XML) and
 *                 its predicted report in SIECLE's terms;
 *   sts           the timetable upload to STS-Web (EDT_STS).
 *
 * Files are written atomically (temporary name, then rename): a failed export
 * never leaves a half-written file. Whether an export may be written at all
 * (the checks of its kind) is decided by the caller (`relais export`).
 */
#ifndef RELAIS_EXPORT_H
#define RELAIS_EXPORT_H

#include "snapshot/snapshot.h"
#include "util/util.h"

#define EXPORT_MAX_FILES 8

typedef struct export_file {
    char path[4096];
    size_t rows; /* data rows (persons, links, …) */
    size_t bytes;
} export_file;

typedef struct export_result {
    export_file files[EXPORT_MAX_FILES];
    size_t n_files;
    size_t n_persons;
    size_t n_without_identifier; /* identifiants: persons lacking an account somewhere */
} export_result;

/** The identifier crosswalk and the mail-merge file (docs/formats/identifiants.md). */
int export_identifiants(export_result *res, const scope_snapshot *snap, const char *out_dir);

/** A OneRoster 1.2 bulk CSV package (docs/formats/oneroster.md). */
int export_oneroster(export_result *res, const scope_snapshot *snap, const char *out_dir);

struct elegroupe_verdict;
/**
 * The student–group links file for SIECLE BEE: <UAI>ELEGROUPE<AAAA><AAMMJJhhmmss>.zip
 * holding the same-named XML, and <base>_rapport.txt, the report SIECLE will
 * produce, predicted by the judge (read, complete, partial with the forced
 * values, rejected, absent). *verdict (may be NULL) receives that prediction,
 * allocated in `arena`.
 */
int export_elegroupe(export_result *res, const scope_snapshot *snap, const char *out_dir,
                     util_arena *arena, struct elegroupe_verdict **verdict);

/** A group code the STS-Web upload had to change, and what it became. */
typedef struct export_rename {
    const char *from, *to;
} export_rename;

/** What the timetable upload left out or changed. */
typedef struct export_sts_info {
    size_t n_services, n_courses;
    size_t n_unmatched;       /* courses left out: subject, teacher or structure unmatched */
    size_t n_without_service; /* courses of several structures (no single service) left out */
    export_rename *renames;   /* group codes shortened for STS-Web */
    size_t n_renames;
} export_sts_info;

/**
 * The timetable upload to STS-Web, emp_sts_<UAI>_<AAAA>.xml (EDT_STS, sts-web.md
 * §B): the services the timetable gives each division and group, with their
 * teachers (STS ids) and their courses, the alternations and opening hours.
 * Only matched items are uploaded (STS-Web requires it); group codes STS-Web
 * would refuse are shortened (unique, ≤ 8 characters) and reported in *info
 * (allocated in `arena`).
 */
int export_sts(export_result *res, const scope_snapshot *snap, const char *out_dir,
               util_arena *arena, export_sts_info *info);

/* Shared by the writers. */

/** Write `len` bytes to out_dir/name atomically and record it in res. */
int export_write_file(export_result *res, const char *out_dir, const char *name,
                      const void *data, size_t len, size_t rows);

/** A zip of in-memory files, written atomically to out_dir/name. */
typedef struct export_zip_entry {
    const char *name;
    const void *data;
    size_t len;
} export_zip_entry;
int export_write_zip(export_result *res, const char *out_dir, const char *name,
                     const export_zip_entry *entries, size_t n, size_t rows);

#endif
