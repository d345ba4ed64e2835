/*
 * elegroupe.c — the student–group links export for SIECLE BEE (synchronization
 * n°5): the zip to deposit, named and built exactly as elegroupe.md §1 and §3
 * require, and the report SIECLE's night batch will write, predicted now in
 * SIECLE's own terms (§5).
 */
#include "export.h"

#include <string.h>
#include <time.h>

#include "elegroupe/elegroupe.h"

static const char *fr_date(char out[11], const char *iso)
{
    if (iso == NULL) {
        return _("vide");
    }
    util_iso_to_fr(iso, out);
    return out;
}

static const char *outcome_word(elegroupe_outcome o)
{
    switch (o) {
    case ELEGROUPE_COMPLETE: return _("complet");
    case ELEGROUPE_PARTIAL: return _("partiel (PAR)");
    default: return _("rejeté (REJ)");
    }
}

/* SIECLE's "Identifiants" column: "<ELEVE_ID> / <ID_PRV_ELE>", 0 when unknown. */
static void siecle_ids(char out[64], const elegroupe_student_verdict *sv)
{
    const char *eleve = sv->found && sv->found->eleve_id ? sv->found->eleve_id : "0";
    const char *prv = sv->found && sv->found->id_prv ? sv->found->id_prv : "0";
    snprintf(out, 64, "%s / %s", eleve, prv);
}

static void report(util_buf *b, const elegroupe_file *f, const elegroupe_verdict *v,
                   const char *base)
{
    char d1[11], d2[11];
    util_buf_printf(b, _("Rapport prévisionnel de l'import des liens élève-groupe du fichier %s.xml\n"),
                    base);
    util_buf_printf(b, _("Établissement %s, année %d-%d, calculé par relais avant le dépôt.\n\n"),
                    f->uai, f->year, f->year + 1);
    util_buf_printf(b, _("Élèves lus : %zu\n"), v->n_read);
    util_buf_printf(b, _("Importés complètement : %zu\n"), v->n_complete);
    util_buf_printf(b, _("Importés partiellement (anomalies) : %zu\n"), v->n_partial);
    util_buf_printf(b, _("Rejetés : %zu\n"), v->n_rejected);
    util_buf_printf(b, _("Absents (élèves de SIECLE hors du fichier, qui perdront leurs groupes) : "
                         "%zu\n"),
                    v->n_absent);
    for (int section = 0; section < 2; section++) {
        elegroupe_outcome wanted = section == 0 ? ELEGROUPE_REJECTED : ELEGROUPE_PARTIAL;
        util_buf_printf(b, "\n%s\n", section == 0
                                         ? _("Section 1 — liens élève-groupe rejetés (REJ)")
                                         : _("Section 2 — liens élève-groupe importés avec "
                                             "anomalies (PAR)"));
        size_t n = 0;
        for (size_t i = 0; i < v->n_students; i++) {
            const elegroupe_student_verdict *sv = &v->students[i];
            if (sv->outcome != wanted) {
                continue;
            }
            char ids[64];
            siecle_ids(ids, sv);
            util_buf_printf(b, "  %s %s — %s — %s\n",
                            sv->sent->nom_de_famille ? sv->sent->nom_de_famille : "?",
                            sv->sent->prenom ? sv->sent->prenom : "", ids,
                            outcome_word(sv->outcome));
            for (size_t k = 0; k < sv->n_anomalies; k++) {
                const elegroupe_anomaly *an = &sv->anomalies[k];
                util_buf_printf(b, "      %s : %s", an->code, an->params);
                if (an->old_value || an->new_value) {
                    util_buf_printf(b, _(" (le %s devient %s)"), fr_date(d1, an->old_value),
                                    fr_date(d2, an->new_value));
                }
                util_buf_putc(b, '\n');
            }
            n++;
        }
        if (n == 0) {
            util_buf_printf(b, "  %s\n", _("Aucun résultat."));
        }
        util_buf_printf(b, _("  Nombre : %zu\n"), n);
    }
    util_buf_printf(b, "\n%s\n", _("Élèves absents du fichier"));
    for (size_t i = 0; i < v->n_absent; i++) {
        const elegroupe_siecle_student *s = v->absent[i];
        util_buf_printf(b, "  %s %s — %s / %s%s\n", s->nom_de_famille ? s->nom_de_famille : "?",
                        s->prenom ? s->prenom : "", s->eleve_id ? s->eleve_id : "0",
                        s->id_prv ? s->id_prv : "0",
                        s->date_sortie ? _(" (sorti)") : "");
    }
    if (v->n_absent == 0) {
        util_buf_printf(b, "  %s\n", _("Aucun."));
    }
}

int export_elegroupe(export_result *res, const scope_snapshot *snap, const char *out_dir,
                     util_arena *arena, struct elegroupe_verdict **verdict_out)
{
    elegroupe_file *file;
    int rc = elegroupe_file_from_snapshot(&file, snap, arena, "RELAIS");
    if (rc < 0) {
        return rc;
    }
    if (file->n_students == 0) {
        relais_error_set(_("aucun lien élève-groupe à envoyer pour %s : le dépôt effacerait tous "
                           "les groupes dans SIECLE"),
                         snap->scope->uai);
        return RELAIS_EREFUSED;
    }
    elegroupe_state *state;
    rc = elegroupe_state_from_snapshot(&state, snap, arena);
    elegroupe_verdict *verdict = NULL;
    if (rc == 0) {
        rc = elegroupe_judge(&verdict, arena, file, state, NULL);
    }
    util_buf xml = UTIL_BUF_INIT, txt = UTIL_BUF_INIT;
    if (rc == 0) {
        rc = elegroupe_write_xml(&xml, file);
    }
    char base[40], name[64];
    if (rc == 0) {
        char now[21];
        util_now_iso(now);
        struct tm tm = {0};
        time_t t = strptime(now, "%Y-%m-%dT%H:%M:%SZ", &tm) ? timegm(&tm) : time(NULL);
        struct tm local;
        localtime_r(&t, &local);
        elegroupe_base_name(base, file->uai, file->year, &local);
        /* The zip and the XML inside it bear the same base name (deposit check 4). */
        char xml_name[64];
        snprintf(xml_name, sizeof xml_name, "%s.xml", base);
        snprintf(name, sizeof name, "%s.zip", base);
        export_zip_entry entry = {xml_name, xml.data, xml.len};
        rc = export_write_zip(res, out_dir, name, &entry, 1, file->n_students);
    }
    if (rc == 0) {
        report(&txt, file, verdict, base);
        snprintf(name, sizeof name, "%s_rapport.txt", base);
        rc = txt.failed ? RELAIS_ENOMEM
                        : export_write_file(res, out_dir, name, txt.data, txt.len, verdict->n_read);
    }
    res->n_persons = file->n_students;
    util_buf_free(&xml);
    util_buf_free(&txt);
    if (rc == 0 && verdict_out) {
        *verdict_out = verdict;
    }
    return rc;
}
