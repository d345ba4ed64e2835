/*
 * plan_ref.c — planning the reference data: the code lists of Nomenclature
 * (MEF, subjects, programmes, mandatory options and every other list), of
 * Communs, Etablissements and Geographique, and the structures (divisions,
 * groups and the divisions each group draws from) of Structures.
 *
 * Objects another application also provides (MEF, subjects, divisions,
 * groups) follow docs/internals/sources.md: SIECLE's presence is its
 * crosswalk entry; the object is deactivated only when no importing source
 * lists it any more.
 */
#include "internal.h"

#include <string.h>

/* The standard lists of Nomenclature: swept even when a new export no longer has the block. */
static const char *const nomenclature_lists[] = {
    "code_modalite_elect", "code_regime",       "code_parente",    "niveau_responsabilite",
    "code_bourse",         "code_profession",   "code_provenance", "code_motif_sortie",
    "code_statut",         "code_contrat",      "code_type_etab",  "code_civilite",
    "code_modalite_cours", NULL,
};

typedef struct list_cover {
    util_map *lists;
} list_cover;

static bool list_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)c;
    list_cover *lc = payload;
    const char *list = r->text[RELAIS_NOMENCLATURE_LIST];
    return list && util_map_get(lc->lists, list, strlen(list), NULL);
}

/* MEF, subjects, divisions, groups: deactivated only when no other source lists them. */
static bool shared_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)payload;
    return !idbits_has(c->others, r->id);
}

static const char *key_text(gctx *c, const relais_record *r)
{
    return relais_record_key(r, c->run->arena);
}

static int dup_warning(gctx *c, const sfile *f, const proto *p, relais_kind kind,
                       const char *key)
{
    /* The key fields joined by ", " for people (the stored key uses U+001F). */
    char *shown = util_arena_strdup(c->run->arena, key);
    if (shown == NULL) {
        return RELAIS_ENOMEM;
    }
    util_buf b = UTIL_BUF_INIT;
    for (const char *k = shown; *k; k++) {
        if (*k == '\x1f') {
            util_buf_puts(&b, ", ");
        } else {
            util_buf_putc(&b, *k);
        }
    }
    int rc = b.failed ? RELAIS_ENOMEM
                      : siecle_warn(c, RELAIS_SEVERITY_WARNING, "CODE_EN_DOUBLE", f, p->line,
                                    kind, util_buf_cstr(&b),
                                    _("%s « %s » déjà donné plus haut dans le fichier : ignoré"),
                                    _(relais_kind_get(kind)->label), util_buf_cstr(&b));
    util_buf_free(&b);
    return rc < 0 ? rc : relais_plan_count(c->run->plan, c->scope, kind, RELAIS_COUNT_IGNORED, 1);
}

int siecle_plan_nomenclature(gctx *c, sfile *f)
{
    siecle_run *run = c->run;
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    list_cover lc = {NULL};
    int rc = util_map_new(&lc.lists);
    if (rc == 0) {
        rc = preader_open(&rd, f->store_main, f->main);
    } else {
        return rc;
    }
    bool is_nomenclature = f->type == SF_NOMENCLATURE;
    for (size_t i = 0; is_nomenclature && nomenclature_lists[i] && rc == 0; i++) {
        rc = util_map_put(lc.lists, nomenclature_lists[i], strlen(nomenclature_lists[i]), 1);
    }
    while (rc == 0) {
        rc = preader_next(&rd, &p);
        if (rc <= 0) {
            break;
        }
        rc = 0;
        util_arena_reset(run->arena);
        relais_kind kind;
        switch (p.type) {
        case P_MEF: kind = RELAIS_KIND_MEF; break;
        case P_SUBJECT: kind = RELAIS_KIND_SUBJECT; break;
        case P_PROGRAMME: kind = RELAIS_KIND_PROGRAMME; break;
        case P_MANDATORY: kind = RELAIS_KIND_MANDATORY_OPTION; break;
        case P_NOMENCLATURE: kind = RELAIS_KIND_NOMENCLATURE; break;
        default: continue;
        }
        relais_record *r = siecle_record(c, kind, &p);
        if (r == NULL) {
            rc = RELAIS_ENOMEM;
            break;
        }
        const char *key = key_text(c, r);
        if (key == NULL) {
            rc = RELAIS_ENOMEM;
            break;
        }
        if (siecle_key_dup(c, kind, key)) {
            rc = dup_warning(c, f, &p, kind, key);
            continue;
        }
        int64_t ref;
        rc = siecle_upsert(&ref, NULL, c, r, RELAIS_FG_ALL, &p, true);
        if (rc < 0) {
            break;
        }
        if (kind == RELAIS_KIND_MEF) {
            rc = siecle_code_add(c, "mef", r->text[RELAIS_MEF_CODE_MEF]);
            if (rc == 0) {
                rc = siecle_xref(c, "siecle", "mef", r->text[RELAIS_MEF_CODE_MEF], ref);
            }
        } else if (kind == RELAIS_KIND_SUBJECT) {
            rc = siecle_code_add(c, "subject", r->text[RELAIS_SUBJECT_CODE_MATIERE]);
            if (rc == 0) {
                rc = siecle_xref(c, "siecle", "subject", r->text[RELAIS_SUBJECT_CODE_MATIERE],
                                 ref);
            }
        } else if (kind == RELAIS_KIND_NOMENCLATURE) {
            const char *list = r->text[RELAIS_NOMENCLATURE_LIST];
            rc = siecle_code_add(c, list, r->text[RELAIS_NOMENCLATURE_CODE]);
            if (rc == 0) {
                rc = util_map_put(lc.lists, list, strlen(list), 1);
            }
        }
    }
    preader_close(&rd);
    const char *date = siecle_absent_date(c, f);
    if (rc == 0 && is_nomenclature) {
        rc = siecle_load_others(c);
        if (rc == 0) {
            rc = siecle_sweep(c, RELAIS_KIND_MEF, date, shared_filter, NULL);
        }
        if (rc == 0) {
            rc = siecle_sweep(c, RELAIS_KIND_SUBJECT, date, shared_filter, NULL);
        }
        if (rc == 0) {
            rc = siecle_sweep(c, RELAIS_KIND_PROGRAMME, date, NULL, NULL);
        }
        if (rc == 0) {
            rc = siecle_sweep(c, RELAIS_KIND_MANDATORY_OPTION, date, NULL, NULL);
        }
    }
    if (rc == 0 && util_map_count(lc.lists) > 0) {
        rc = siecle_sweep(c, RELAIS_KIND_NOMENCLATURE, date, list_filter, &lc);
    }
    util_map_free(lc.lists);
    return rc;
}

/* ------------------------------------------------------------ structures */

static int struct_key(util_buf *b, bool group, const char *code)
{
    b->len = 0;
    util_buf_printf(b, "%c\x1f%s", group ? 'G' : 'D', code);
    return b->failed ? RELAIS_ENOMEM : 0;
}

static int remember_structure(gctx *c, bool group, const char *code, int64_t ref)
{
    util_buf b = UTIL_BUF_INIT;
    int rc = struct_key(&b, group, code);
    if (rc == 0) {
        rc = util_map_put(c->structs, b.data, b.len, ref);
    }
    util_buf_free(&b);
    return rc;
}

static bool find_structure(gctx *c, bool group, const char *code, int64_t *ref)
{
    util_buf b = UTIL_BUF_INIT;
    bool found = struct_key(&b, group, code) == 0 && util_map_get(c->structs, b.data, b.len, ref);
    util_buf_free(&b);
    return found;
}

/* MEF codes of a division or group (space-separated, no spaces inside a MEF code). */
static int check_mefs(gctx *c, const sfile *f, const proto *p, unsigned slot, relais_kind kind,
                      const char *ids)
{
    const char *v = p->v[slot];
    if (v == NULL) {
        return 0;
    }
    int rc = 0;
    while (*v && rc == 0) {
        const char *sp = strchr(v, ' ');
        size_t len = sp ? (size_t)(sp - v) : strlen(v);
        char code[32];
        if (len < sizeof code) {
            memcpy(code, v, len);
            code[len] = '\0';
            if (!siecle_code_known(c, "mef", code)) {
                rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "MEF_INCONNU", f, p->line, kind, ids,
                                 _("MEF %s absent des nomenclatures"), code);
            }
        }
        v += len;
        while (*v == ' ') {
            v++;
        }
    }
    return rc;
}

/* A group_division whose group this Structures lists, or whose group goes away. */
static bool group_division_filter(gctx *c, const relais_record *r, void *payload)
{
    (void)payload;
    int64_t gid = r->ref[RELAIS_GROUP_DIVISION_GROUP];
    return idbits_has(c->seen, gid) || idbits_has(c->deact, gid);
}

int siecle_plan_structures(gctx *c)
{
    siecle_run *run = c->run;
    sfile *f = c->g->f[SF_STRUCTURES];
    bool groups = run->o.groups;
    proto_reader rd;
    proto p;
    memset(&p, 0, sizeof p);
    int rc = preader_open(&rd, f->store_main, f->main);
    while (rc == 0) {
        rc = preader_next(&rd, &p);
        if (rc <= 0) {
            break;
        }
        rc = 0;
        util_arena_reset(run->arena);
        if (p.type == P_DIVISION || p.type == P_GROUP) {
            bool group = p.type == P_GROUP;
            relais_kind kind = group ? RELAIS_KIND_GROUP : RELAIS_KIND_DIVISION;
            if (group && !groups) {
                rc = relais_plan_count(run->plan, c->scope, kind, RELAIS_COUNT_IGNORED, 1);
                continue;
            }
            relais_record *r = siecle_record(c, kind, &p);
            if (r == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            const char *code = r->text[RELAIS_DIVISION_CODE];
            const char *ids = util_arena_strdup(run->arena, code);
            if (ids == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            if (siecle_key_dup(c, kind, code)) {
                rc = dup_warning(c, f, &p, kind, code);
                continue;
            }
            rc = check_mefs(c, f, &p, group ? RELAIS_GROUP_MEFS : RELAIS_DIVISION_MEFS, kind,
                            ids);
            int64_t ref = 0;
            if (rc == 0) {
                rc = siecle_upsert(&ref, NULL, c, r, RELAIS_FG_ALL, &p, true);
            }
            if (rc == 0) {
                rc = remember_structure(c, group, code, ref);
            }
            if (rc == 0) {
                rc = siecle_xref(c, "siecle", group ? "group" : "division", code, ref);
            }
        } else if (p.type == P_GROUP_DIVISION) {
            if (!groups) {
                rc = relais_plan_count(run->plan, c->scope, RELAIS_KIND_GROUP_DIVISION,
                                       RELAIS_COUNT_IGNORED, 1);
                continue;
            }
            const char *gcode = p.v[X_GROUP], *dcode = p.v[X_DIVISION];
            int64_t gref = 0, dref = 0;
            if (!find_structure(c, true, gcode, &gref) || gref == 0) {
                continue; /* the group itself was refused */
            }
            if (!find_structure(c, false, dcode, &dref) || dref == 0) {
                rc = siecle_warn(c, RELAIS_SEVERITY_WARNING, "STRUCTURE_INCONNUE", f, p.line,
                                 RELAIS_KIND_GROUP_DIVISION, gcode,
                                 _("le groupe %s est rattaché à la division « %s » qui n'est pas "
                                   "dans le fichier : rattachement ignoré"),
                                 gcode, dcode);
                if (rc == 0) {
                    rc = relais_plan_count(run->plan, c->scope, RELAIS_KIND_GROUP_DIVISION,
                                           RELAIS_COUNT_IGNORED, 1);
                }
                continue;
            }
            relais_record *r = relais_record_new(run->arena, RELAIS_KIND_GROUP_DIVISION);
            if (r == NULL) {
                rc = RELAIS_ENOMEM;
                break;
            }
            r->ref[RELAIS_GROUP_DIVISION_GROUP] = gref;
            r->ref[RELAIS_GROUP_DIVISION_DIVISION] = dref;
            char key[48];
            snprintf(key, sizeof key, "%lld/%lld", (long long)gref, (long long)dref);
            if (siecle_key_dup(c, RELAIS_KIND_GROUP_DIVISION, key)) {
                continue;
            }
            int64_t ref;
            rc = siecle_upsert(&ref, NULL, c, r, RELAIS_FG_ALL, &p, true);
        }
    }
    preader_close(&rd);
    const char *date = siecle_absent_date(c, f);
    if (rc == 0) {
        rc = siecle_load_others(c);
    }
    if (rc == 0) {
        rc = siecle_sweep(c, RELAIS_KIND_DIVISION, date, shared_filter, NULL);
    }
    if (rc == 0 && groups) {
        rc = siecle_sweep(c, RELAIS_KIND_GROUP, date, shared_filter, NULL);
    }
    if (rc == 0 && groups) {
        rc = siecle_sweep(c, RELAIS_KIND_GROUP_DIVISION, date, group_division_filter, NULL);
    }
    return rc;
}

int siecle_structure_ref(int64_t *ref, gctx *c, const sfile *f, unsigned long line, bool group,
                         const char *code)
{
    *ref = 0;
    if (find_structure(c, group, code, ref)) {
        return 0;
    }
    siecle_run *run = c->run;
    relais_kind kind = group ? RELAIS_KIND_GROUP : RELAIS_KIND_DIVISION;
    int rc = 0;
    if (c->g->f[SF_STRUCTURES]) {
        /* Structures is given: the consistency check saw every code; only a refused one is
         * missing. */
        return remember_structure(c, group, code, 0);
    }
    /* No Structures in this import: the hub's, else a minimal one SIECLE will complete. */
    relais_record *probe = relais_record_new(run->arena, kind);
    if (probe == NULL) {
        return RELAIS_ENOMEM;
    }
    probe->scope_id = c->scope;
    probe->text[RELAIS_DIVISION_CODE] = code;
    relais_record *old = NULL;
    if (c->stored[kind]) {
        rc = relais_store_record_find(&old, run->store, run->arena, probe);
        if (rc == RELAIS_ENOTFOUND) {
            old = NULL;
            rc = 0;
        }
    }
    if (rc == 0 && old) {
        *ref = old->id;
    } else if (rc == 0) {
        rc = relais_plan_create(ref, run->plan, probe);
        if (rc == 0) {
            rc = siecle_warn(c, RELAIS_SEVERITY_INFO, "STRUCTURE_CREEE", f, line, kind, code,
                             group ? _("groupe %s inconnu du hub : créé avec son seul code "
                                       "(importez Structures pour son libellé)")
                                   : _("division %s inconnue du hub : créée avec son seul code "
                                       "(importez Structures pour son libellé)"),
                             code);
        }
        if (rc == 0) {
            rc = siecle_xref(c, "siecle", group ? "group" : "division", code, *ref);
        }
    }
    if (rc == 0) {
        rc = remember_structure(c, group, code, *ref);
    }
    return rc;
}

int siecle_plan_communs(gctx *c)
{
    return siecle_plan_nomenclature(c, c->g->f[SF_COMMUN]);
}
