/*
 * sts.h — the face of the sts module: the STS-Web export for timetable
 * software (`sts_emp_<UAI>_<YEAR>.xml`, root STS_EDT) turned into a plan
 * (`relais import sts`), and the small helpers other importers of the STS
 * family share (the timetable importer reads the same codes): an in-memory
 * index of the stored records of one kind, value normalisation, the crosswalk
 * presence rule of docs/internals/sources.md.
 *
 * What is read and how each element maps onto the model: docs/sts-import.md.
 * Nothing here writes to the store: everything goes into the caller's plan,
 * which the CLI reports and applies (or not, with --dry-run).
 */
#ifndef RELAIS_STS_H
#define RELAIS_STS_H

#include <relais/change.h>
#include <relais/model.h>
#include <relais/store.h>

#include "util/util.h"

/* ------------------------------------------------------------- import */

/** Options of an STS import; start from STS_IMPORT_OPTIONS_INIT. */
typedef struct sts_import_options {
    const char *path; /**< the STS_EDT file (XML, or a zip holding it) */
    int year;         /**< the school year the hub works on: the file must be of that year */
    const char *uai;  /**< when set, the file must be of this establishment (and a new one is
                           accepted in a hub that already has others) */
    const char *date; /**< ISO date of deactivations; NULL = today */
} sts_import_options;

#define STS_IMPORT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        NULL, 0, NULL, NULL                                                                        \
    }

/** What the file was, for the command's title and tests. */
typedef struct sts_import_info {
    char uai[9];
    int year;
    int64_t scope_ref; /**< the plan's scope (negative when created by the plan) */
    size_t n_staff, n_divisions, n_groups, n_services, n_subjects;
} sts_import_info;

/**
 * Read the STS_EDT export `opts->path` and describe in `plan` what brings the
 * hub in line with it: nomenclatures (subjects, MEFs, course modalities, …),
 * staff with their disciplines, divisions, groups with their divisions,
 * services with their teachers, and the crosswalk entries of application
 * "sts"; what STS-Web no longer lists is deactivated (shared objects only when
 * no other source lists them any more).
 *
 * Returns 0 (the plan may hold warnings); RELAIS_EINVALID for a file that is
 * not a well-formed STS_EDT export (message with file, line and element; an
 * EDT_STS file is refused as "wrong direction"); RELAIS_EREFUSED when the
 * file's UAI or year disagree with the hub or the options; RELAIS_EIO,
 * RELAIS_EDB, RELAIS_ENOMEM. On error the plan must be discarded.
 */
int sts_import_plan(sts_import_info *info, relais_plan *plan, relais_store *s,
                    const sts_import_options *opts);

/* ---------------------------------------------------- record index */

/**
 * The stored records of one kind in one scope, held in memory and found by
 * natural key or id, with a "seen" mark per record so that an importer can
 * deactivate what its input no longer lists.
 */
typedef struct sts_index sts_index;

/**
 * Load the records of `kind` in `scope_id` selected by `which` (RELAIS_ACTIVE,
 * RELAIS_ANY…). A scope_id <= 0 (a scope the plan will create) gives an empty
 * index. Free with sts_index_free.
 */
int sts_index_load(sts_index **out, relais_store *s, relais_kind kind, int64_t scope_id,
                   unsigned which);
void sts_index_free(sts_index *ix);
/** The stored record with the natural key of `probe` (refs must be ids), NULL when none. */
const relais_record *sts_index_find(sts_index *ix, const relais_record *probe);
/** The stored record with internal id `id`, NULL when none. */
const relais_record *sts_index_get(const sts_index *ix, int64_t id);
size_t sts_index_count(const sts_index *ix);
const relais_record *sts_index_at(const sts_index *ix, size_t i);
/** Mark the record with id `id` as seen by the input. */
void sts_index_mark(sts_index *ix, int64_t id);
bool sts_index_seen(const sts_index *ix, size_t i);
/** Was the record with id `id` marked seen? */
bool sts_index_seen_id(const sts_index *ix, int64_t id);

/* -------------------------------------------------------- crosswalk */

/** Provenances of xref records (docs/internals/sources.md). */
#define STS_PROVENANCE_IMPORT "import" /* the application listed the object in a full export */
#define STS_PROVENANCE_AUTO "auto"     /* a correspondence found by automatic matching */
#define STS_PROVENANCE_MANUAL "manual" /* a correspondence chosen with `relais map set` */

/** Does this xref say that its application lists the object (not a correspondence)? */
bool sts_xref_is_presence(const relais_record *xref);

/* ------------------------------------------------ value normalisation */

/** Is `uai` 7 digits and a letter (upper-case)? */
bool sts_uai_valid(const char *uai);
/**
 * Normalise a decimal "2.50", "2,5", "18" into `out` ("2.50", "2.5", "18"): a
 * comma becomes a dot; false when not a non-negative decimal.
 */
bool sts_decimal_norm(char *out, size_t cap, const char *s);
/** "true"/"false", "1"/"0", "oui"/"non", "O"/"N" → "1"/"0"; NULL when not a boolean. */
const char *sts_bool_norm(const char *s);
/** "YYYY-MM-DD" or "DD/MM/YYYY" → ISO in out[11]; false when not a valid date. */
bool sts_date_norm(char out[11], const char *s);

#endif
