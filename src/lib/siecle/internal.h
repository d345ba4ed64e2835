/*
 * internal.h — what the files of the siecle module share: the input files and
 * their grouping by establishment, the temporary store of parsed records
 * ("protos"), compact id tables, and the per-establishment planning context.
 *
 * How an import runs (siecle.c):
 *   1. inputs.c  — expand paths, read each file's root and PARAMETRES, group the
 *                  files by UAJ, refuse what may not be imported;
 *   2. parse.c   — read each file once (xml module), converting every record to
 *                  a proto in a temporary file: values already checked and in
 *                  relais form, warnings about values emitted; the small facts
 *                  the cross-file checks need are kept in memory;
 *   3. inputs.c  — cross-file checks (a structure a student references exists);
 *   4. plan_*.c  — per establishment, replay the protos in dependency order
 *                  (Communs, Nomenclature and reference data, Structures, Eleves,
 *                  Responsables), joining what the XML gives apart (addresses,
 *                  scholarships) and planning creations, updates, deactivations.
 * Memory holds ids and small maps, never records: the record of the moment
 * lives in an arena reset after it.
 */
#ifndef RELAIS_SIECLE_INTERNAL_H
#define RELAIS_SIECLE_INTERNAL_H

#include "siecle.h"

#include <pthread.h>

#include "util/util.h"
#include "xml/xml.h"

/* ------------------------------------------------------------ file types */

/* In processing order. */
typedef enum sf_type {
    SF_COMMUN,
    SF_NOMENCLATURE,
    SF_ETABLISSEMENTS,
    SF_ETAB_ELEVES,
    SF_GEOGRAPHIQUE,
    SF_STRUCTURES,
    SF_ELEVES,
    SF_RESPONSABLES,
    SF_COUNT
} sf_type;

/** Human name of a file type ("Élèves"), translated. */
const char *siecle_type_label(sf_type t);

/* ---------------------------------------------------- temporary storage */

/*
 * One temporary file (unlinked at creation) receiving appended bytes, read
 * back sequentially or at an offset. Stays in memory while under 1 MiB.
 */
typedef struct stmp stmp;
int stmp_new(stmp **out);
void stmp_free(stmp *t);
int stmp_append(stmp *t, const void *data, size_t len);
uint64_t stmp_size(const stmp *t);
int stmp_pread(stmp *t, void *data, size_t len, uint64_t off);

/* A part of a stmp: the protos of one file. */
typedef struct seg {
    uint64_t start, end;
} seg;

/* Proto types. */
enum {
    P_STUDENT = 1,
    P_ENROL,
    P_OPTION,
    P_ADDRESS,
    P_BOURSE,
    P_GUARDIAN,
    P_LINK,
    P_DIVISION,
    P_GROUP,
    P_GROUP_DIVISION,
    P_MEF,
    P_SUBJECT,
    P_PROGRAMME,
    P_MANDATORY,
    P_NOMENCLATURE,
    P_WARNING, /* a warning found while reading: slots 0 code, 1 ids, 2 message, 3 severity, 4 kind */
};

/* Proto slots beyond field indices. */
enum {
    X_ELEVE_ID = 200,   /* reference to a student (ELEVE_ID) */
    X_PERSONNE_ID,      /* reference to a person */
    X_CODE_STRUCTURE,   /* enrolment: structure code */
    X_TYPE_STRUCTURE,   /* enrolment: D or G */
    X_GROUP,            /* group_division: group code */
    X_DIVISION,         /* group_division: division code */
    X_KEY,              /* side records: key (ADRESSE_ID, ELEVE_ID) */
    X_CODES,            /* scholarships: CODE_BOURSE list */
    X_LEFT_ON,          /* student: DATE_SORTIE as given when invalid */
    X_KEEP = 255,       /* value = one byte: a field whose stored value must be kept */
};

#define PROTO_SLOTS 256

/* Builder of one proto. */
typedef struct proto_builder {
    uint8_t type;
    uint32_t line;
    const char *v[PROTO_SLOTS];
    uint32_t len[PROTO_SLOTS];
    uint8_t used[PROTO_SLOTS];
    unsigned n_used;
    uint8_t keep[PROTO_SLOTS];
    unsigned n_keep;
    util_buf out;
} proto_builder;

void pb_begin(proto_builder *b, uint8_t type, unsigned long line);
/** Set a slot (value borrowed until pb_end); `override` false keeps an earlier value. */
void pb_set(proto_builder *b, unsigned slot, const char *v, size_t len, bool override);
bool pb_has(const proto_builder *b, unsigned slot);
void pb_keep(proto_builder *b, unsigned field);
/** Serialise and append to t; *offset (may be NULL) receives its position. */
int pb_end(proto_builder *b, stmp *t, uint64_t *offset);
void pb_free(proto_builder *b);

/* A decoded proto; values point into the reader's buffer until the next read. */
typedef struct proto {
    uint8_t type;
    uint32_t line;
    const char *v[PROTO_SLOTS];
    uint32_t len[PROTO_SLOTS];
    uint8_t used[PROTO_SLOTS];
    unsigned n_used;
    uint8_t keep[PROTO_SLOTS];
    unsigned n_keep;
} proto;

typedef struct proto_reader {
    stmp *t;
    uint64_t pos, end;
    char *buf;
    size_t buf_len, buf_at, buf_cap;
    util_buf rec;
} proto_reader;

int preader_open(proto_reader *r, stmp *t, seg s);
/** 1 and *p filled; 0 at the end; < 0 on error. */
int preader_next(proto_reader *r, proto *p);
/** Offset in the store of the proto preader_next returns next. */
uint64_t preader_offset(const proto_reader *r);
void preader_close(proto_reader *r);
/** Read the proto at `offset` (side records). `scratch` holds its values. */
int proto_read_at(proto *p, util_buf *scratch, stmp *t, uint64_t offset);

/* --------------------------------------------------------------- id tables */

/* A growable array of (key, value) pairs, sorted once, searched by key. */
typedef struct kv64 {
    int64_t key;
    int64_t val;
} kv64;

typedef struct kvarr {
    kv64 *a;
    size_t n, cap;
    bool sorted;
} kvarr;

int kvarr_push(kvarr *k, int64_t key, int64_t val);
void kvarr_sort(kvarr *k);
/** First pair with `key` (the array must be sorted), NULL when none. */
kv64 *kvarr_find(const kvarr *k, int64_t key);
void kvarr_free(kvarr *k);

/* A set of internal ids as a sparse bitmap (8 KiB per 65,536 ids in use). */
typedef struct idbits idbits;
int idbits_new(idbits **out);
void idbits_free(idbits *s);
int idbits_set(idbits *s, int64_t id);
bool idbits_has(const idbits *s, int64_t id);

/** s1 s2 s3 s4 (NULL ones skipped) concatenated in the arena; NULL on ENOMEM. */
const char *siecle_cat(util_arena *a, const char *s1, const char *s2, const char *s3,
                       const char *s4);

/* A map key "a\x1fb" without allocation when short. Free `heap` when done. */
typedef struct siecle_key_buf {
    char small[192];
    const char *data;
    size_t len;
    util_buf heap;
} siecle_key_buf;

int siecle_key(siecle_key_buf *k, const char *a, const char *b);

/** An INE (11 characters, digits and letters) packed in 57 bits; false when not that shape. */
bool siecle_ine_pack(const char *s, size_t len, int64_t *out);
/** A SIECLE integer id ("900001"): digits only, at most 18. */
bool siecle_id_parse(const char *s, size_t len, int64_t *out);

/* ----------------------------------------------------------------- files */

struct sgroup;

typedef struct sfile {
    char *path;  /* as found */
    char *name;  /* for messages ("Eleves.xml", "ExportXML_Eleves.zip:Eleves.xml") */
    char *label; /* in warnings: the name, after the UAJ when several establishments are read */
    sf_type type;
    char *root, *version;
    char uaj[16];
    unsigned long uaj_line, year_line, params_line;
    int year;
    bool has_params, has_uaj, has_year;
    char date_export[11]; /* ISO, "" when absent */
    char *horodatage;
    const char *encoding;
    bool is_zip;
    bool foreign; /* found in a directory, not a SIECLE export: skipped */
    struct sgroup *group;
    /* filled by parse.c */
    stmp *store_main, *store_side; /* where its protos are (one pair per reading thread) */
    seg main, side;
    size_t ignored[RELAIS_KIND_COUNT]; /* records refused while reading */
    int parse_rc;
    char *parse_error;
    bool has_addresses;      /* an ADRESSES block with addresses (the "Avec" variant) */
    uint64_t n_records, bytes;
    util_map *reported;      /* element names already reported as unknown */
    util_map *struct_refs;   /* Eleves: "D\x1fcode" / "G\x1fcode" → first line referencing it */
    util_map *struct_defs;   /* Structures: "D\x1fcode" / "G\x1fcode" defined */
    stmp *store_warn;        /* its warnings, as P_WARNING protos */
    seg warn;
    /* while its establishment is planned (siecle_side_index) */
    kvarr side_index;        /* ADRESSE_ID → offset of the address in the side store */
    kvarr bourse_index;      /* ELEVE_ID → offset of a scholarship record */
    /* Communs: establishment identity and calendar */
    char *etab_name, *etab_type, *etab_sector;
    char cal[4][11]; /* student start/end, staff start/end (ISO, "" unknown) */
} sfile;

typedef struct sgroup {
    char uai[9];
    int year;
    sfile *f[SF_COUNT];
    int64_t scope_ref;
    bool scope_is_new; /* the plan creates the establishment or the year */
} sgroup;

/* ------------------------------------------------------------------- run */

/* What one reading thread owns: its temporary stores and scratch memory. */
typedef struct sworker {
    stmp *main, *side, *warn;
    proto_builder pb, wpb; /* records; warnings (found while a record is being built) */
    util_arena *arena;
} sworker;

int sworker_init(sworker *w);
void sworker_free(sworker *w);

typedef struct siecle_run {
    relais_plan *plan;
    relais_store *store;
    siecle_options o;
    xml_options xo;
    sfile *files;
    size_t n_files;
    sgroup *groups;
    size_t n_groups;
    sworker *workers;
    size_t n_workers;
    util_arena *arena; /* scratch of one record while planning */
    int hub_year;
    char today[11];
    int64_t today_days;
    double last_progress;
    pthread_mutex_t progress_lock;
} siecle_run;

/* inputs.c */
int siecle_collect_inputs(siecle_run *run, const char *const *paths, size_t n_paths);
int siecle_check_groups(siecle_run *run);
int siecle_check_consistency(siecle_run *run, const sgroup *g);
void siecle_files_free(siecle_run *run);

/* parse.c */
/** Read file f into worker w's stores. Thread-safe for distinct files and workers. */
int siecle_parse_file(siecle_run *run, sworker *w, sfile *f);
/** Add the warnings and counters found while reading f to the plan. */
int siecle_parse_report(siecle_run *run, sfile *f);
/** Index f's addresses and scholarships by id (kept while its establishment is planned). */
int siecle_side_index(sfile *f);
void siecle_side_index_free(sfile *f);
/** Progress report (rate-limited). */
void siecle_progress(siecle_run *run, siecle_phase phase, const char *file, uint64_t done,
                     uint64_t total);

/* ---------------------------------------------------- per-group planning */

/* Status of a student of this import. */
enum {
    ST_PRESENT = 1, /* in the establishment now */
    ST_LEFT,        /* left during the year: kept, inactive */
    ST_IGNORED,     /* not imported (left before the date, new with --no-new-students) */
    ST_REFUSED,     /* refused (duplicate, invalid) */
};

typedef struct student_ent {
    int64_t eleve_id;
    int64_t ref;       /* stored id, negative ref, or 0 when not imported */
    uint32_t line;
    int32_t left_days; /* day number of DATE_SORTIE when left */
    uint8_t status;
    uint8_t flags;
    uint8_t n_legal; /* legal guardians linked by this import */
} student_ent;

#define SE_DUP_ID 1  /* ELEVE_ID given twice in the file */
#define SE_DUP_INE 2 /* INE shared with another student of the file */
#define SE_HAS_DIV 4 /* enrolled in a division by this import */

typedef struct gctx {
    siecle_run *run;
    sgroup *g;
    int64_t scope;
    bool stored[RELAIS_KIND_COUNT]; /* anything stored of that kind in the scope? */
    idbits *seen;    /* stored records seen by this import (never swept) */
    idbits *protect; /* stored records whose dependants are left alone (refused input) */
    idbits *deact;   /* stored records this plan deactivates */
    idbits *others;  /* entities another importing source (sts, edt) lists */
    bool others_loaded;
    util_map *codes;  /* "list\x1fcode" of known code lists */
    util_map *lists;  /* lists with at least one known code */
    util_map *keys;   /* "kind\x1fkey" planned in this import (duplicates) */
    util_map *structs; /* "D\x1fcode" / "G\x1fcode" → ref */
    student_ent *students;
    size_t n_students, cap_students;
    bool students_sorted;
    kvarr guardians; /* PERSONNE_ID → ref */
    int64_t ignore_before_days; /* students who left before: ignored; INT64_MIN when off */
} gctx;

/** A record of `kind` from the field slots of a proto (values borrowed from it). */
relais_record *siecle_record(gctx *c, relais_kind kind, const proto *p);
/** The student of ELEVE_ID among c->students (sorted), NULL when absent. */
student_ent *siecle_student_find(gctx *c, int64_t eleve_id);

/** Deactivation date for records absent from file f: its export date, else today. */
const char *siecle_absent_date(gctx *c, const sfile *f);

/**
 * Plan one incoming record: find the stored one by its key (unless nothing of
 * that kind is stored, or a key ref is new), then update it on `groups` — the
 * fields in `keep` and those SIECLE does not carry keep their stored value —
 * or create it (unless !may_create: counted ignored, *ref = 0).
 * in->is_active false makes the record end inactive (deactivated_on set).
 * *old_out (may be NULL) receives the stored record, in the run arena.
 */
int siecle_upsert(int64_t *ref, relais_record **old_out, gctx *c, relais_record *in,
                  unsigned groups, const proto *p, bool may_create);
/** The crosswalk entry (application, category, external id) → entity. */
int siecle_xref(gctx *c, const char *application, const char *category, const char *ext_id,
                int64_t entity);
/** Has this key of `kind` already been planned by this import? Records it otherwise. */
bool siecle_key_dup(gctx *c, relais_kind kind, const char *key);

typedef bool (*sweep_filter)(gctx *c, const relais_record *r, void *payload);
/** Deactivate, on `date`, stored active records of `kind` not seen, accepted by `filter`. */
int siecle_sweep(gctx *c, relais_kind kind, const char *date, sweep_filter filter,
                 void *payload);
/** Load the set of entities listed by another importing source (sts, edt). */
int siecle_load_others(gctx *c);

/** Is `code` known in list `list`? Unknown lists (nothing known) say true. */
bool siecle_code_known(gctx *c, const char *list, const char *code);
int siecle_code_add(gctx *c, const char *list, const char *code);
/** Load the code lists of the scope from the hub (when the files bring none). */
int siecle_codes_load(gctx *c);
/** Warn CODE_INCONNU / MEF_INCONNU when a proto value is not in its list. */
int siecle_check_code(gctx *c, const sfile *f, const proto *p, unsigned slot, const char *list,
                      relais_kind kind, const char *ids);

/* plan_ref.c */
int siecle_plan_communs(gctx *c);
int siecle_plan_nomenclature(gctx *c, sfile *f);
int siecle_plan_structures(gctx *c);
/** The division or group `code` (D/G): from this import, the hub, or created minimal. */
int siecle_structure_ref(int64_t *ref, gctx *c, const sfile *f, unsigned long line, bool group,
                         const char *code);

/* plan_eleves.c */
int siecle_plan_eleves(gctx *c);

/* Joining what SIECLE gives apart: addresses and scholarships, read back from the side store. */
typedef struct joins {
    proto addr;
    util_buf addr_buf;
    proto bourse;
    util_buf bourse_buf;
    int addr_field[13]; /* address slot → field of the kind */
} joins;

void siecle_joins_init(joins *j, relais_kind kind);
void siecle_joins_free(joins *j);
/**
 * Fill the address fields of r from the ADRESSE its ADRESSE_ID names. Without
 * an ADRESSES block (the "Sans adresses" export), the stored address is kept
 * (its fields are added to p's keep list).
 */
int siecle_join_address(gctx *c, const sfile *f, joins *j, relais_record *r, proto *p,
                        const char *ids);
/** A record refused by this import: its stored version and its dependants stay as they are. */
int siecle_protect(gctx *c, relais_kind kind, unsigned key_field, const char *key);

/* plan_resp.c */
int siecle_plan_responsables(gctx *c);

/* siecle.c */
/* The numeric id in a proto's slot. */
bool siecle_proto_id(const proto *p, unsigned slot, int64_t *id);
/* One record of `kind` left out of the plan: counted as ignored in the report. */
int siecle_count_ignored(gctx *c, relais_kind kind);
/* "AAAA-MM-JJ" of a day number, in the run's arena (NULL when out of memory). */
const char *siecle_iso_of_days(gctx *c, int64_t days);
int siecle_warn(gctx *c, relais_severity sev, const char *code, const sfile *f,
                unsigned long line, relais_kind kind, const char *ids, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

#endif
