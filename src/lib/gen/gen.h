/*
 * gen.h — the face of the gen module: synthetic establishments and académies
 * (`relais gen`). From a seed it writes, per establishment, the SIECLE BEE
 * exports (Eleves, Responsables, Structures, Nomenclature zips), the STS-Web
 * export (sts_emp_<UAI>_<YEAR>.xml), the timetable upload (emp_sts_<UAI>_<YEAR>.xml),
 * and on request a partner identity list with its ground truth and a list of
 * injected defects. Everything is fictitious; the same options give
 * byte-identical files. Layout and rates: docs/gen.md.
 */
#ifndef RELAIS_GEN_H
#define RELAIS_GEN_H

#include <stdbool.h>
#include <stdint.h>

/** Noise levels of the partner list (rates in docs/gen.md and gen_noise_rates_get). */
enum { GEN_NOISE_LOW = 0, GEN_NOISE_MEDIUM = 1, GEN_NOISE_HIGH = 2 };

/** Generation options; start from GEN_OPTIONS_INIT. */
typedef struct gen_options {
    const char *out_dir;   /**< created if missing; one sub-directory per UAI */
    uint64_t seed;         /**< same seed (and options) → byte-identical files */
    int n_establishments;  /**< 1 … 9999 */
    long n_students;       /**< total across establishments, ≥ n_establishments */
    int year;              /**< school year label (2024 = 2024-2025) */
    const char *partner;   /**< partner name ([a-z0-9_-]) or NULL for no partner list */
    int noise;             /**< GEN_NOISE_* */
    bool defects;          /**< inject the defects of docs/gen.md §Défauts */
    int threads;           /**< worker threads; 0 = 2 */
} gen_options;

#define GEN_OPTIONS_INIT {NULL, 1, 1, 600, 2024, NULL, GEN_NOISE_MEDIUM, false, 0}

/** What a run produced (sums over establishments). */
typedef struct gen_report {
    int n_establishments;
    int n_colleges, n_lycees;
    long n_students, n_leavers, n_guardians, n_teachers, n_staff;
    long n_divisions, n_groups, n_courses;
    long n_partner_rows;
    long n_files;
    uint64_t bytes_written;
} gen_report;

/** Rates of each kind of partner noise at one level (probabilities per eligible person). */
typedef struct gen_noise_rates {
    double accents_dropped;   /**< names written without accents (and œ → oe) */
    double typo;              /**< one typing error in the surname or first name */
    double first_name_only;   /**< persons with several first names: only the first kept */
    double usage_name;        /**< persons with a usage name: it replaces the birth name */
    double day_month_swapped; /**< birth dates with day ≤ 12: day and month swapped */
    double guardian_no_birth; /**< guardians whose birth date the partner does not hold */
    double partner_only;      /**< extra persons known to the partner only (per hub person) */
    double hub_only;          /**< hub persons missing from the partner list */
    double guardian_twice;    /**< guardians entered twice under two partner ids */
} gen_noise_rates;

/** The rates of level GEN_NOISE_* (NULL for an unknown level). Static storage. */
const gen_noise_rates *gen_noise_rates_get(int level);

/** Parse "low" / "medium" / "high" (also faible/moyen/fort). */
bool gen_noise_parse(int *out, const char *s);

/**
 * Write the académie described by opts under opts->out_dir.
 * Returns 0, RELAIS_EINVALID (bad options), RELAIS_EIO (a file could not be
 * written) or RELAIS_ENOMEM; the message is in relais_error_last(). On error
 * the directory may hold the establishments finished before it.
 */
int gen_run(gen_report *out, const gen_options *opts);

/** The check letter of a 7-digit UAI number: "ABCDEFGHJKLMNPRSTUVWXYZ"[n mod 23]. */
char gen_uai_key(long number);

/** Is `uai` 7 digits followed by its check letter? */
bool gen_uai_valid(const char *uai);

#endif
