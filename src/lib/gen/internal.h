/*
 * internal.h — shared between the files of the gen module only (other modules
 * include gen.h). It holds the PRNG, the name tables, the text and output
 * helpers (Latin-9 XML writer, zip container) and the in-memory model of one
 * establishment, which is built once and then written file by file.
 *
 * Memory: one establishment's model lives in an arena freed before the next
 * one, so memory depends on the largest establishment, never on the académie.
 */
#ifndef RELAIS_GEN_INTERNAL_H
#define RELAIS_GEN_INTERNAL_H

#include "gen/gen.h"
#include "util/util.h"

#include <stdio.h>
#include <zlib.h>

/* ------------------------------------------------------------------ PRNG */

/* xoshiro256** seeded through splitmix64: fast, good quality, and ours, so
 * output never depends on the C library's rand(). */
typedef struct gen_rng {
    uint64_t s[4];
} gen_rng;

uint64_t gen_splitmix64(uint64_t *state);
void gen_rng_seed(gen_rng *r, uint64_t seed);
uint64_t gen_rng_next(gen_rng *r);
/** Uniform in [0, n) (n > 0). */
uint64_t gen_rng_below(gen_rng *r, uint64_t n);
/** Uniform in [lo, hi]. */
int gen_rng_range(gen_rng *r, int lo, int hi);
/** Uniform double in [0, 1). */
double gen_rng_unit(gen_rng *r);
bool gen_rng_chance(gen_rng *r, double p);
/** Approximately normal (mean, sd) via the sum of uniforms. */
double gen_rng_normal(gen_rng *r, double mean, double sd);
/** Index drawn from cumulative weights cum[0..n) (cum[n-1] = total). */
size_t gen_rng_pick_cum(gen_rng *r, const uint64_t *cum, size_t n);
/** Shuffle an array of n ints. */
void gen_rng_shuffle(gen_rng *r, int *a, size_t n);

/* ----------------------------------------------------------- name tables */

enum { GEN_GEN_STUDENT = 0, GEN_GEN_ADULT = 1 };

typedef struct gen_wtable {
    const char **items;
    uint64_t *cum;
    size_t n;
} gen_wtable;

typedef struct gen_names {
    gen_wtable first[2][3]; /* [generation][sex 1|2] */
    gen_wtable surnames;
    gen_wtable roots, endings, particles;
    gen_wtable streets;     /* "rue Victor Hugo" */
    gen_wtable communes;    /* index into commune arrays */
    const char **commune_insee, **commune_cp, **commune_name;
    util_arena *arena;
} gen_names;

/** Load the embedded data/names and data/places tables. */
int gen_names_load(gen_names **out);
void gen_names_free(gen_names *n);
const char *gen_pick(gen_rng *r, const gen_wtable *t);

/* ------------------------------------------------------------------ text */

/** Upper-case French letters of UTF-8 `s` (é → É, œ → Œ, ß kept) into the arena. */
char *gen_upper(util_arena *a, const char *s);
/** Remove accents: é → e, œ → oe, æ → ae, ç → c … (UTF-8 in, ASCII-ish out). */
char *gen_strip_accents(util_arena *a, const char *s);
/** Does s contain a non-ASCII byte? */
bool gen_has_non_ascii(const char *s);
/** Arena printf. */
char *gen_aprintf(util_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* --------------------------------------------------------------- outputs */

/*
 * A byte sink: a plain file, or the single deflated entry of a zip made like
 * SIECLE's (version 2.0, flags 0x0808: data descriptor + UTF-8 name, no extra
 * field, DOS time = export time). Writes are buffered; errors are sticky and
 * reported by gen_out_close.
 */
typedef struct gen_out {
    FILE *f;
    char *path, *tmp_path;
    bool is_zip;
    z_stream z;
    bool z_init;
    uint32_t crc;
    uint64_t raw_size, file_size;
    char *entry_name;
    uint16_t dos_time, dos_date;
    unsigned char *zbuf;
    util_buf buf;
    bool failed;
    int rc;
} gen_out;

/** Open a plain output file (written to path.tmp, renamed on close). */
int gen_out_open_file(gen_out *o, const char *path);
/** Open a zip at path whose single entry is `entry`, stamped with the given local time. */
int gen_out_open_zip(gen_out *o, const char *path, const char *entry, const util_date *d, int hh,
                     int mm, int ss);
void gen_out_write(gen_out *o, const char *data, size_t len);
void gen_out_puts(gen_out *o, const char *s);
void gen_out_printf(gen_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Finish and rename into place; *bytes gets the file size. Returns 0 or a RELAIS_E* code. */
int gen_out_close(gen_out *o, uint64_t *bytes);
/** Abandon: remove the temporary file. */
void gen_out_abort(gen_out *o);

/*
 * Streaming XML in ISO-8859-15 on top of a gen_out. Text is given in UTF-8 and
 * converted at this edge; characters outside Latin-9 become '?', as SIECLE
 * does. Elements are indented by `indent` spaces per level.
 */
typedef struct gen_xml {
    gen_out *out;
    int depth;
    int indent;
    const char *stack[32];
} gen_xml;

void gen_xml_init(gen_xml *x, gen_out *out, int indent);
void gen_xml_decl(gen_xml *x);
/** <name> or <name a="v" …> with attrs as NULL-terminated name/value pairs. */
void gen_xml_open(gen_xml *x, const char *name, const char *const *attrs);
void gen_xml_open1(gen_xml *x, const char *name, const char *attr, const char *value);
void gen_xml_close(gen_xml *x);
/** <name>text</name> (text NULL: element omitted; "" : <name></name>). */
void gen_xml_leaf(gen_xml *x, const char *name, const char *text);
void gen_xml_leaff(gen_xml *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** <name/> */
void gen_xml_empty(gen_xml *x, const char *name);
/** <name a="v"/> */
void gen_xml_empty1(gen_xml *x, const char *name, const char *attr, const char *value);
/** Append UTF-8 text converted to Latin-9 and XML-escaped. */
void gen_xml_text(gen_out *o, const char *s, bool attr);
/** Append UTF-8 markup converted to Latin-9, unescaped (embedded XML fragments). */
void gen_xml_raw(gen_out *o, const char *s, size_t len);

/* ------------------------------------------------------------ the model */

enum { GEN_COLLEGE = 0, GEN_LYCEE = 1 };

/* Subjects (static table in catalog.c). */
typedef struct gen_subject {
    const char *code;      /* CODE_MATIERE (6 digits) */
    const char *gestion;   /* CODE_GESTION */
    const char *court, *long_, *edition;
    const char *short3;    /* short tag for group codes (≤ 3 chars) */
    const char *discipline, *discipline_label; /* STS DISCIPLINE@CODE of its teachers */
} gen_subject;

enum { GEN_K_DIV = 0, GEN_K_LV2, GEN_K_LATIN, GEN_K_SPE };

typedef struct gen_prog {
    int subject; /* index in gen_subjects */
    int hours2;  /* weekly hours × 2 */
    int kind;    /* GEN_K_* */
    char modalite; /* S, O, F */
} gen_prog;

typedef struct gen_level {
    const char *mef, *formation, *libelle, *edition, *mefstat11, *mefstat4;
    const char *tag;     /* "6", "5", … "2", "1", "T" */
    const char *label;   /* for division labels: "6EME", "2NDE", "1ERE", "TERM" */
    int age;             /* age reached during the calendar year of the rentrée */
    int n_spe;           /* specialties per student (lycée 1re 3, Tle 2) */
    const gen_prog *prog;
    size_t n_prog;
    const char *prev_mef; /* MEF of the usual previous year (NULL: primary school / collège) */
} gen_level;

extern const gen_subject gen_subjects[];
extern const size_t gen_n_subjects;
extern const gen_level gen_levels[];   /* 0..3 collège 6e..3e, 4..6 lycée 2nde..Tle */
extern const size_t gen_n_levels;
int gen_subject_index(const char *gestion);

/* What every establishment knows of the others (previous schools of its students). */
typedef struct gen_estab_info {
    char uai[9];
    int type;             /* GEN_COLLEGE, GEN_LYCEE, or 2 for a primary school */
    const char *denom_compl;
    int commune;
    unsigned street_number;
    const char *street;
} gen_estab_info;

typedef struct gen_address {
    int64_t id;
    const char *l1, *l2, *l3, *l4;
    const char *cp, *insee, *commune, *dept;
    const char *foreign_city; /* non-NULL: abroad */
    const char *pays, *ll_pays;
} gen_address;

typedef struct gen_guardian {
    int64_t id;           /* PERSONNE_ID */
    int sexe;
    const char *nom, *nom_usage, *prenom; /* as in SIECLE */
    util_date birth;      /* known to the partner only (SIECLE has none) */
    int address;          /* index, -1 none */
    const char *tel_perso, *tel_port, *tel_pro, *mel;
    int profession;
    bool accepte_sms, communication;
    int n_children;       /* links with niveau 1–2 */
    int family;
    int dup_of;           /* defects: index of the person this one duplicates, -1 */
} gen_guardian;

typedef struct gen_link {
    int student, guardian;
    int niveau;           /* 1 legal, 2 in charge, 3 contact */
    int parente;          /* CODE_PARENTE */
    bool paie, percoit, heberge, prioritaire;
} gen_link;

#define GEN_MAX_GROUPS 8
#define GEN_MAX_OPTIONS 6
#define GEN_GROUP_DIVS 48 /* a level of a large lycée has up to ~40 divisions */

typedef struct gen_student {
    int64_t eleve_id;
    int elenoet;          /* 0: none */
    char ine[12];         /* "" : none */
    char ine_bea[12];
    const char *nom, *nom_usage, *prenom[3];
    int n_prenoms;
    int sexe;
    util_date birth;
    int level, division;  /* division -1: not placed */
    int groups[GEN_MAX_GROUPS];
    int n_groups;
    int options[GEN_MAX_OPTIONS]; /* subject indices */
    char opt_modalite[GEN_MAX_OPTIONS];
    int n_options;
    util_date entree;
    bool has_sortie;
    util_date sortie;
    const char *motif_sortie;
    int regime;
    bool doublement, transport, sms;
    int address;
    const char *pays_naiss, *ville_naiss, *dept_naiss, *commune_naiss, *nationalite;
    const char *tel_port, *mel;
    int provenance;
    int prev_division;    /* for SCOLARITE_AN_DERNIER: index in prev names, -1 none */
    const char *prev_structure, *prev_rne, *prev_mef;
    int family;
    int lv2;              /* subject index or -1 */
    bool latin;
    int spe[3];
    util_date modification;
} gen_student;

typedef struct gen_division {
    char code[9];
    char libelle[21];
    int level;
    int n_students;       /* placed, current (leavers excluded) */
    int n_total;
    int pp;               /* professeur principal (teacher index) */
    bool empty_defect;
} gen_division;

typedef struct gen_group {
    char code[12];        /* may exceed 8 only for the long-code defect */
    char libelle[33];
    int level;
    int subject;
    int kind;
    int divs[GEN_GROUP_DIVS];
    int n_divs;
    int div_count[GEN_GROUP_DIVS]; /* students per division (EFFECTIF_PREVU) */
    int n_students;
    int barrette;         /* simultaneous groups share a barrette id */
} gen_group;

typedef struct gen_course {
    int day, start, len;  /* day 1..5, start in half-hours from 08:00, len in half-hours */
} gen_course;

/* A teaching service: one subject for one division or group, one teacher. */
typedef struct gen_service {
    int subject;
    bool is_group;
    int structure;        /* division or group index */
    int hours2;
    int teacher;
    int barrette;         /* -1 for a plain division course */
    gen_course *courses;
    int n_courses;
    int n_unplaced;
} gen_service;

typedef struct gen_teacher {
    int64_t id;           /* STS INDIVIDU@ID */
    int sexe;
    const char *nom, *nom_usage, *prenom;
    util_date birth;
    int subject;          /* -1 for staff */
    const char *fonction; /* ENS, DIR, EDU, DOC */
    const char *grade;
    int hours2;           /* assigned weekly hours × 2 */
    int capacity2;
    char room[8];
    uint32_t busy[6];     /* half-hour bitmap per day (1..5) */
} gen_teacher;

typedef struct gen_defect {
    const char *code;
    char detail[160];
} gen_defect;

typedef struct gen_estab {
    int index;
    char uai[9];
    int type;             /* GEN_COLLEGE / GEN_LYCEE */
    const gen_estab_info *info;
    int n_target;         /* students to generate (current, placed or not) */
    int64_t id_base;      /* ids of this establishment start here */
    const char *feeder_uai[4]; /* previous schools (primary schools, collèges) */
    int n_feeders;
    bool ita_offered, latin_offered;
    /* model */
    gen_student *students;  int n_students;
    gen_guardian *guardians; int n_guardians; int cap_guardians;
    gen_link *links; int n_links; int cap_links;
    gen_address *addresses; int n_addresses; int cap_addresses;
    gen_division *divisions; int n_divisions;
    gen_group *groups; int n_groups; int cap_groups;
    gen_teacher *teachers; int n_teachers; int cap_teachers;
    gen_service *services; int n_services; int cap_services;
    gen_defect defects[16]; int n_defects;
    int n_families;
    int n_barrettes;
    uint32_t div_busy_cap;
    uint32_t (*div_busy)[6];
    util_arena *arena;
} gen_estab;

/* The whole run: options, dates, name tables. Read-only while workers run. */
typedef struct gen_ctx {
    const gen_options *opts;
    const gen_names *names;
    util_date rentree, export_date;
    int export_h, export_m, export_s;
    util_date year_end;
    const gen_estab_info *infos; /* establishments, then primary schools */
    int n_infos;
} gen_ctx;

/** The info of `uai` (NULL when unknown). */
const gen_estab_info *gen_info_find(const gen_ctx *c, const char *uai);
/** Establishment display names: DENOM_PRINC ("COLLEGE"), SIGLE ("CLG"), nature ("340"). */
const char *gen_denom_princ(int type);
const char *gen_sigle(int type);
const char *gen_nature(int type);

/** Build the model of establishment e (rng seeded for it). */
int gen_model_build(gen_estab *e, const gen_ctx *c, gen_rng *r);
void gen_model_free(gen_estab *e);

/** Writers: each writes one file into dir and adds its size to *bytes. */
int gen_write_eleves(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes);
int gen_write_responsables(const gen_estab *e, const gen_ctx *c, const char *dir,
                           uint64_t *bytes);
int gen_write_structures(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes);
int gen_write_nomenclature(const gen_estab *e, const gen_ctx *c, const char *dir,
                           uint64_t *bytes);
int gen_write_sts(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes);
int gen_write_edt(const gen_estab *e, const gen_ctx *c, const char *dir, uint64_t *bytes);
int gen_write_partner(const gen_estab *e, const gen_ctx *c, gen_rng *r, const char *dir,
                      uint64_t *bytes, long *n_rows);
int gen_write_defects(const gen_estab *e, const char *dir, uint64_t *bytes);
/** --defects: inject the documented defects into a built model. */
int gen_apply_defects(gen_estab *e, const gen_ctx *c, gen_rng *r);

/** Half-hour index → "HHMM". */
void gen_hhmm(int half, char out[5]);

#endif
