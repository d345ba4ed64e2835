/*
 * rules_sts.c — the timetable's upload to STS-Web (EDT_STS), checked before it
 * is made: group codes STS-Web refuses, courses that cannot be exported,
 * timetable items without a correspondence, groups with a grading service
 * that STS-Web does not have.
 */
#include "check_internal.h"

#include <string.h>

static bool sts_code_char_ok(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == ' ' || ch == '.' || ch == '_' || ch == '-';
}

bool check_sts_group_code_valid(const char *code)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)code; *p; p++) {
        if (!sts_code_char_ok(*p)) {
            return false;
        }
        n++;
    }
    return n > 0 && n <= 8;
}

void check_sts_group_code_shorten(char out[9], const char *code)
{
    /* Accented Latin letters become their base letter; other characters are dropped. */
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)code;
    while (*p && n < 8) {
        if (p[0] == 0xC3 && p[1]) {
            static const char base[64] = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
            unsigned char c2 = p[1];
            char b = c2 >= 0x80 && c2 <= 0xBF ? base[c2 - 0x80] : 0;
            if (b && sts_code_char_ok((unsigned char)b)) {
                out[n++] = b;
            }
            p += 2;
            continue;
        }
        if (sts_code_char_ok(*p)) {
            out[n++] = (char)*p;
        }
        p++;
    }
    while (n > 0 && out[n - 1] == ' ') {
        n--;
    }
    out[n] = '\0';
}

static int group_codes(check_ctx *c)
{
    const scope_snapshot *snap = c->snap;
    const snap_kind *gk = &snap->k[RELAIS_KIND_GROUP];
    int rc = 0;
    for (size_t i = 0; i < gk->n && rc == 0; i++) {
        const relais_record *g = gk->recs[i];
        const char *code = g->text[RELAIS_GROUP_CODE];
        /* Groups STS-Web already has keep their code; new ones come from the timetable. */
        if (!g->is_active || snapshot_xref(snap, g->id, "sts") || code == NULL ||
            check_sts_group_code_valid(code)) {
            continue;
        }
        char shortened[9];
        check_sts_group_code_shorten(shortened, code);
        rc = check_emit(c, "STS_CODE_GROUPE_INVALIDE", g, NULL,
                        _("le groupe « %s » (%zu caractères) deviendrait « %s » dans STS-Web"),
                        code, util_utf8_length(code), shortened);
    }
    /*
     * The upload sends the timetable's own group names (xrefs "edt"), whatever
     * hub group they correspond to: one matched to STS-Web's group by its label
     * is still sent under its long name. Skip a name the loop above reported.
     */
    const snap_kind *xk = &snap->k[RELAIS_KIND_XREF];
    for (size_t i = 0; i < xk->n && rc == 0; i++) {
        const relais_record *x = xk->recs[i];
        const char *local = x->text[RELAIS_XREF_EXTERNAL_ID];
        if (!x->is_active || !util_streq(x->text[RELAIS_XREF_APPLICATION], "edt") ||
            !util_streq(x->text[RELAIS_XREF_CATEGORY], "group") || local == NULL ||
            check_sts_group_code_valid(local)) {
            continue;
        }
        const relais_record *g = snapshot_get(snap, RELAIS_KIND_GROUP, x->ref[RELAIS_XREF_ENTITY]);
        if (g && g->is_active && !snapshot_xref(snap, g->id, "sts") &&
            util_streq(g->text[RELAIS_GROUP_CODE], local)) {
            continue;
        }
        char shortened[9];
        check_sts_group_code_shorten(shortened, local);
        rc = check_emit(c, "STS_CODE_GROUPE_INVALIDE", x, NULL,
                        _("le groupe « %s » (%zu caractères) deviendrait « %s » dans STS-Web"),
                        local, util_utf8_length(local), shortened);
    }
    return rc;
}

static int courses(check_ctx *c)
{
    const snap_kind *ck = &c->snap->k[RELAIS_KIND_COURSE];
    int rc = 0;
    for (size_t i = 0; i < ck->n && rc == 0; i++) {
        const relais_record *co = ck->recs[i];
        if (!co->is_active) {
            continue;
        }
        const char *subject = co->text[RELAIS_COURSE_CODE_MATIERE];
        char when[64];
        snprintf(when, sizeof when, "%s %s", co->text[RELAIS_COURSE_JOUR] ? co->text[RELAIS_COURSE_JOUR] : "?",
                 co->text[RELAIS_COURSE_HEURE_DEBUT] ? co->text[RELAIS_COURSE_HEURE_DEBUT] : "?");
        if (util_str_empty(co->text[RELAIS_COURSE_ENSEIGNANTS])) {
            rc = check_emit(c, "STS_COURS_SANS_ENSEIGNANT", co, when,
                            _("cours de %s (%s) sans enseignant : non exportable"),
                            subject ? subject : "?", co->text[RELAIS_COURSE_STRUCTURES]
                                                         ? co->text[RELAIS_COURSE_STRUCTURES]
                                                         : "?");
        }
        if (rc == 0 && util_str_empty(co->text[RELAIS_COURSE_STRUCTURES])) {
            rc = check_emit(c, "STS_COURS_SANS_CLASSE", co, when,
                            _("cours de %s sans classe ni groupe : non exportable"),
                            subject ? subject : "?");
        }
    }
    return rc;
}

static int unmatched(check_ctx *c)
{
    const snap_kind *xk = &c->snap->k[RELAIS_KIND_XREF];
    int rc = 0;
    for (size_t i = 0; i < xk->n && rc == 0; i++) {
        const relais_record *x = xk->recs[i];
        if (!x->is_active || !util_streq(x->text[RELAIS_XREF_APPLICATION], "edt") ||
            x->ref[RELAIS_XREF_ENTITY] > 0) {
            continue;
        }
        rc = check_emit(c, "STS_NON_APPARIE", x, NULL,
                        _("%s « %s » de l'emploi du temps sans correspondance dans STS-Web ni "
                          "SIECLE"),
                        x->text[RELAIS_XREF_CATEGORY] ? x->text[RELAIS_XREF_CATEGORY] : "?",
                        x->text[RELAIS_XREF_EXTERNAL_ID] ? x->text[RELAIS_XREF_EXTERNAL_ID] : "?");
    }
    return rc;
}

static int grading_services(check_ctx *c)
{
    const scope_snapshot *snap = c->snap;
    if (!snapshot_has_source(snap, "sts", "service")) {
        return 0; /* no STS-Web export yet: nothing to compare with */
    }
    const snap_kind *sk = &snap->k[RELAIS_KIND_SERVICE];
    int rc = 0;
    for (size_t i = 0; i < sk->n && rc == 0; i++) {
        const relais_record *sv = sk->recs[i];
        int64_t g = sv->ref[RELAIS_SERVICE_GROUP];
        if (!sv->is_active || g <= 0 || snapshot_xref(snap, sv->id, "edt") == NULL) {
            continue;
        }
        bool in_sts = false;
        for (size_t k = 0; k < sk->n && !in_sts; k++) {
            const relais_record *o = sk->recs[k];
            in_sts = o->is_active && o->ref[RELAIS_SERVICE_GROUP] == g &&
                     util_streq(o->text[RELAIS_SERVICE_CODE_MATIERE],
                                sv->text[RELAIS_SERVICE_CODE_MATIERE]) &&
                     snapshot_xref(snap, o->id, "sts") != NULL;
        }
        if (!in_sts) {
            const relais_record *group = snapshot_get(snap, RELAIS_KIND_GROUP, g);
            rc = check_emit(c, "STS_GROUPE_NOTE_SANS_SERVICE", sv, NULL,
                            _("le groupe %s a un service de %s dans l'emploi du temps mais pas dans "
                              "STS-Web"),
                            group ? group->text[RELAIS_GROUP_CODE] : "?",
                            sv->text[RELAIS_SERVICE_CODE_MATIERE]);
        }
    }
    return rc;
}

int check_rules_sts(check_ctx *c)
{
    int rc = group_codes(c);
    if (rc == 0) {
        rc = courses(c);
    }
    if (rc == 0) {
        rc = unmatched(c);
    }
    if (rc == 0) {
        rc = grading_services(c);
    }
    return rc;
}
