/*
 * siecle.h — the face of the siecle module: the importer of SIECLE "Base
 * Élèves Établissement" XML exports (Eleves, Responsables, Structures,
 * Nomenclature, Communs, Etablissements, Geographique), plain or in the
 * ministry's zips, for one establishment or a whole académie.
 *
 * The importer never writes: it reads the files, checks that they may be
 * imported (known root, PARAMETRES, establishment of the hub, school year,
 * consistency of the files given together), then describes in a relais_plan
 * what the hub should become — the report ("bilan") and, once applied by the
 * caller, the change. Semantics, warnings and options are documented in
 * docs/siecle-import.md.
 */
#ifndef RELAIS_SIECLE_H
#define RELAIS_SIECLE_H

#include <relais/change.h>
#include <relais/store.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xml_options;

/** Phases reported to the progress function. */
typedef enum siecle_phase {
    SIECLE_PHASE_READ, /* reading one file: done/total are bytes of XML (total 0: unknown) */
    SIECLE_PHASE_PLAN, /* preparing the plan: done/total are files */
} siecle_phase;

/**
 * Called now and then during long runs (at most a few times per second), for
 * a progress indication. `file` is the file being read (NULL while planning).
 */
typedef void (*siecle_progress_fn)(siecle_phase phase, const char *file, uint64_t done,
                                   uint64_t total, void *payload);

/**
 * Import options: the choices school-life software offers when it imports
 * SIECLE (all on by default), plus the safety switches. Start from
 * SIECLE_OPTIONS_INIT.
 */
typedef struct siecle_options {
    bool new_students; /**< create students the hub does not know yet */
    bool identity;     /**< update the identity of known students (names, birth, INE…) */
    bool contact;      /**< update their contact details (phones, e-mail, address) */
    bool guardians;    /**< import guardians and student–guardian links */
    bool schooling;    /**< update current schooling: MEF, régime, status, divisions, options */
    bool previous;     /**< update previous schooling (SCOLARITE_AN_DERNIER) */
    bool groups;       /**< feed teaching groups (and group memberships) from SIECLE */
    bool ignore_left;  /**< ignore students who left before `ignore_left_before` */
    /** "DD/MM/YYYY" or "YYYY-MM-DD"; NULL: the students' start date of the school year. */
    const char *ignore_left_before;
    /** School year the files must carry; 0: the hub's current year. */
    int year;
    /** Create establishments the hub does not know (always allowed on an empty hub). */
    bool new_uai;
    /** Files read in parallel by this many threads; 0: one per processor, at most 4. */
    unsigned threads;
    /** Limits of the XML reader; NULL: the defaults. */
    const struct xml_options *xml;
    siecle_progress_fn progress;
    void *progress_payload;
} siecle_options;

#define SIECLE_OPTIONS_INIT                                                                        \
    {                                                                                              \
        .new_students = true, .identity = true, .contact = true, .guardians = true,              \
        .schooling = true, .previous = true, .groups = true, .ignore_left = true,                \
        .ignore_left_before = NULL, .year = 0, .new_uai = false, .threads = 0, .xml = NULL,        \
        .progress = NULL,                                                                          \
        .progress_payload = NULL                                                                   \
    }

/**
 * Read the SIECLE exports at `paths` (XML files, ExportXML_*.zip, or
 * directories holding them; files are recognised by their root element, never
 * by their name) and add to `plan` everything needed to bring the hub `s` in
 * line with them: scopes, creations, updates, deactivations, restorations,
 * counters and warnings. Files of several establishments are grouped by UAJ,
 * one scope each.
 *
 * Every refusal comes before any record is planned. Returns 0;
 * RELAIS_EREFUSED (unknown establishment, wrong school year, inconsistent
 * files), RELAIS_EINVALID (not a SIECLE export, malformed or hostile XML or
 * zip), RELAIS_ENOTFOUND / RELAIS_EIO (unreadable path), RELAIS_EDB or
 * RELAIS_ENOMEM — with a French message naming the file, line and element.
 * On error the plan must be discarded (it may hold part of the work).
 */
int siecle_plan_import(relais_plan *plan, relais_store *s, const char *const *paths,
                       size_t n_paths, const siecle_options *opts);

#endif
