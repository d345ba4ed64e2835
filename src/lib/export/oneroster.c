/*
 * oneroster.c — a OneRoster 1.2 bulk CSV package of one establishment and
 * year (docs/formats/oneroster.md): manifest, orgs, academicSessions,
 * courses, classes, users, roles, enrollments and demographics, zipped at
 * the root as the specification asks, so that international tools (LMS,
 * rostering services) can read a French establishment.
 *
 * Mapping: the establishment is the school org; the school year the session;
 * each division is a homeroom class (of a course per MEF); each teaching
 * service (subject × division or group) a scheduled class (of a course per
 * subject); students, teachers, the principal and guardians are users with
 * their roles; enrolments follow divisions, groups and services.
 * sourcedIds derive from relais' stable internal ids, so they survive
 * re-imports and the next package keeps them.
 */
#include "export.h"

#include <string.h>

#define SEP ','

typedef struct roster {
    const scope_snapshot *snap;
    util_arena *a;
    char now[21];
    char today[11];
    char school[16];  /* org sourcedId */
    char session[32]; /* academic session sourcedId */
    util_buf orgs, sessions, courses, classes, users, roles, enrollments, demographics;
    size_t n_users;
    snap_groups enrol_by_student, enrol_by_division, enrol_by_group, links_by_student,
        links_by_guardian, teachers_by_service;
} roster;

static const char *idf(roster *r, const char *prefix, int64_t id)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%s-%lld", prefix, (long long)id);
    return util_arena_strdup(r->a, tmp);
}

static void row(util_buf *b, const char *const *values, size_t n)
{
    util_csv_row(b, values, n, SEP);
}

/* US grade of a French MEF (collège 6e–3e = 06–09, lycée 2nde–Tle = 10–12), or NULL. */
static const char *grade_of_mef(const char *mef)
{
    static const struct {
        const char *prefix, *grade;
    } map[] = {{"100", "06"}, {"101", "07"}, {"102", "08"}, {"103", "09"},
               {"200", "10"}, {"201", "11"}, {"202", "12"}};
    for (size_t i = 0; mef && i < UTIL_ARRAY_LEN(map); i++) {
        if (strncmp(mef, map[i].prefix, 3) == 0) {
            return map[i].grade;
        }
    }
    return NULL;
}

static const char *first_mef(roster *r, const char *mefs)
{
    if (mefs == NULL) {
        return NULL;
    }
    size_t n = strcspn(mefs, " ");
    return util_arena_strndup(r->a, mefs, n);
}

static const char *subject_title(const scope_snapshot *snap, const char *code)
{
    const snap_kind *k = &snap->k[RELAIS_KIND_SUBJECT];
    for (size_t i = 0; i < k->n; i++) {
        if (util_streq(k->recs[i]->text[RELAIS_SUBJECT_CODE_MATIERE], code)) {
            const char *t = k->recs[i]->text[RELAIS_SUBJECT_LIBELLE_EDITION];
            if (t == NULL) {
                t = k->recs[i]->text[RELAIS_SUBJECT_LIBELLE_LONG];
            }
            return t ? t : code;
        }
    }
    return code;
}

static void header(roster *r)
{
    static const char *const orgs[] = {"sourcedId", "status", "dateLastModified", "name",
                                       "type", "identifier", "parentSourcedId"};
    static const char *const sessions[] = {"sourcedId", "status", "dateLastModified", "title",
                                           "type", "startDate", "endDate", "parentSourcedId",
                                           "schoolYear"};
    static const char *const courses[] = {"sourcedId", "status", "dateLastModified",
                                          "schoolYearSourcedId", "title", "courseCode", "grades",
                                          "orgSourcedId", "subjects", "subjectCodes"};
    static const char *const classes[] = {"sourcedId", "status", "dateLastModified", "title",
                                          "grades", "courseSourcedId", "classCode", "classType",
                                          "location", "schoolSourcedId", "termSourcedIds",
                                          "subjects", "subjectCodes", "periods"};
    static const char *const users[] = {
        "sourcedId", "status", "dateLastModified", "enabledUser", "username", "userIds",
        "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone",
        "agentSourcedIds", "grades", "password", "userMasterIdentifier", "resourceSourcedIds",
        "preferredGivenName", "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId",
        "pronouns"};
    static const char *const roles[] = {"sourcedId", "status", "dateLastModified",
                                        "userSourcedId", "roleType", "role", "beginDate",
                                        "endDate", "orgSourcedId", "userProfileSourcedId"};
    static const char *const enrollments[] = {"sourcedId", "status", "dateLastModified",
                                              "classSourcedId", "schoolSourcedId", "userSourcedId",
                                              "role", "primary", "beginDate", "endDate"};
    static const char *const demographics[] = {
        "sourcedId", "status", "dateLastModified", "birthDate", "sex",
        "americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity", "countryOfBirthCode", "stateOfBirthAbbreviation",
        "cityOfBirth", "publicSchoolResidenceStatus"};
    row(&r->orgs, orgs, UTIL_ARRAY_LEN(orgs));
    row(&r->sessions, sessions, UTIL_ARRAY_LEN(sessions));
    row(&r->courses, courses, UTIL_ARRAY_LEN(courses));
    row(&r->classes, classes, UTIL_ARRAY_LEN(classes));
    row(&r->users, users, UTIL_ARRAY_LEN(users));
    row(&r->roles, roles, UTIL_ARRAY_LEN(roles));
    row(&r->enrollments, enrollments, UTIL_ARRAY_LEN(enrollments));
    row(&r->demographics, demographics, UTIL_ARRAY_LEN(demographics));
}

static void org_and_session(roster *r)
{
    const relais_scope *sc = r->snap->scope;
    char start[16], end[16], school_year[16];
    snprintf(start, sizeof start, "%s",
             sc->calendar.student_start ? sc->calendar.student_start : "");
    snprintf(end, sizeof end, "%s", sc->calendar.student_end ? sc->calendar.student_end : "");
    if (start[0] == '\0') {
        snprintf(start, sizeof start, "%04d-09-01", sc->year % 10000);
    }
    if (end[0] == '\0') {
        snprintf(end, sizeof end, "%04d-07-05", (sc->year + 1) % 10000);
    }
    /* OneRoster names a school year by the calendar year it ends in. */
    snprintf(school_year, sizeof school_year, "%d", sc->year + 1);
    char title[32];
    snprintf(title, sizeof title, "%d-%d", sc->year, sc->year + 1);
    const char *o[] = {r->school, "active", r->now, sc->uai, "school", sc->uai, NULL};
    row(&r->orgs, o, UTIL_ARRAY_LEN(o));
    const char *s[] = {r->session, "active", r->now, title, "schoolYear", start, end, NULL,
                       school_year};
    row(&r->sessions, s, UTIL_ARRAY_LEN(s));
}

static void enrollment(roster *r, const char *cls, const char *user, const char *role,
                       const char *primary, const char *begin, const char *end)
{
    char id[160];
    snprintf(id, sizeof id, "%s-%s", cls, user);
    const char *e[] = {id, "active", r->now, cls, r->school, user, role, primary, begin, end};
    row(&r->enrollments, e, UTIL_ARRAY_LEN(e));
}

/* Homeroom classes (divisions) and their courses (one per MEF). */
static void divisions(roster *r)
{
    const scope_snapshot *snap = r->snap;
    const snap_kind *dk = &snap->k[RELAIS_KIND_DIVISION];
    util_map *courses_done;
    if (util_map_new(&courses_done) < 0) {
        return;
    }
    for (size_t i = 0; i < dk->n; i++) {
        const relais_record *d = dk->recs[i];
        if (!d->is_active) {
            continue;
        }
        util_arena_reset(r->a);
        const char *mef = first_mef(r, d->text[RELAIS_DIVISION_MEFS]);
        const char *grade = grade_of_mef(mef);
        char course[64];
        snprintf(course, sizeof course, "course-mef-%s", mef ? mef : "sans");
        if (!util_map_get(courses_done, course, strlen(course), NULL)) {
            util_map_put(courses_done, course, strlen(course), 1);
            const relais_record *m = NULL;
            for (size_t k = 0; k < snap->k[RELAIS_KIND_MEF].n && mef; k++) {
                if (util_streq(snap->k[RELAIS_KIND_MEF].recs[k]->text[RELAIS_MEF_CODE_MEF], mef)) {
                    m = snap->k[RELAIS_KIND_MEF].recs[k];
                }
            }
            const char *title = m && m->text[RELAIS_MEF_LIBELLE_LONG] ? m->text[RELAIS_MEF_LIBELLE_LONG]
                                : mef                                 ? mef
                                                                      : _("classe");
            const char *c[] = {course, "active", r->now, r->session, title, mef, grade, r->school,
                               NULL, NULL};
            row(&r->courses, c, UTIL_ARRAY_LEN(c));
        }
        const char *cls = idf(r, "div", d->id);
        const char *title = d->text[RELAIS_DIVISION_LIBELLE_LONG] ? d->text[RELAIS_DIVISION_LIBELLE_LONG]
                                                                  : d->text[RELAIS_DIVISION_CODE];
        const char *c[] = {cls,        "active", r->now, title,  grade, course, d->text[RELAIS_DIVISION_CODE],
                           "homeroom", NULL,     r->school, r->session, NULL, NULL, NULL};
        row(&r->classes, c, UTIL_ARRAY_LEN(c));
        const size_t *items;
        size_t n = snapshot_group_get(&r->enrol_by_division, d->id, &items);
        for (size_t k = 0; k < n; k++) {
            const relais_record *e = snap->k[RELAIS_KIND_ENROLMENT].recs[items[k]];
            const relais_record *st =
                snapshot_get(snap, RELAIS_KIND_STUDENT, e->ref[RELAIS_ENROLMENT_STUDENT]);
            if (st && snapshot_student_present(st, r->today)) {
                enrollment(r, cls, idf(r, "user", st->id), "student", "false",
                           e->text[RELAIS_ENROLMENT_DATE_DEBUT], e->text[RELAIS_ENROLMENT_DATE_FIN]);
            }
        }
    }
    util_map_free(courses_done);
}

/* Students of a service's class: those of its division, or of its group. */
static void service_students(roster *r, const char *cls, const relais_record *sv)
{
    const scope_snapshot *snap = r->snap;
    int64_t d = sv->ref[RELAIS_SERVICE_DIVISION], g = sv->ref[RELAIS_SERVICE_GROUP];
    const size_t *items;
    size_t n = d > 0 ? snapshot_group_get(&r->enrol_by_division, d, &items)
                     : snapshot_group_get(&r->enrol_by_group, g, &items);
    for (size_t k = 0; k < n; k++) {
        const relais_record *e = snap->k[RELAIS_KIND_ENROLMENT].recs[items[k]];
        const relais_record *st =
            snapshot_get(snap, RELAIS_KIND_STUDENT, e->ref[RELAIS_ENROLMENT_STUDENT]);
        if (st && snapshot_student_present(st, r->today)) {
            enrollment(r, cls, idf(r, "user", st->id), "student", "false",
                       e->text[RELAIS_ENROLMENT_DATE_DEBUT], e->text[RELAIS_ENROLMENT_DATE_FIN]);
        }
    }
}

/* Scheduled classes (teaching services) and their courses (one per subject). */
static void services(roster *r)
{
    const scope_snapshot *snap = r->snap;
    const snap_kind *sk = &snap->k[RELAIS_KIND_SERVICE];
    util_map *courses_done;
    if (util_map_new(&courses_done) < 0) {
        return;
    }
    for (size_t i = 0; i < sk->n; i++) {
        const relais_record *sv = sk->recs[i];
        if (!sv->is_active) {
            continue;
        }
        util_arena_reset(r->a);
        const char *subject = sv->text[RELAIS_SERVICE_CODE_MATIERE];
        const char *title = subject_title(snap, subject);
        char course[64];
        snprintf(course, sizeof course, "course-%s", subject ? subject : "sans");
        if (!util_map_get(courses_done, course, strlen(course), NULL)) {
            util_map_put(courses_done, course, strlen(course), 1);
            const char *c[] = {course, "active", r->now, r->session, title, subject, NULL,
                               r->school, title, subject};
            row(&r->courses, c, UTIL_ARRAY_LEN(c));
        }
        const relais_record *d = snapshot_get(snap, RELAIS_KIND_DIVISION, sv->ref[RELAIS_SERVICE_DIVISION]);
        const relais_record *g = snapshot_get(snap, RELAIS_KIND_GROUP, sv->ref[RELAIS_SERVICE_GROUP]);
        const char *structure = d ? d->text[RELAIS_DIVISION_CODE] : g ? g->text[RELAIS_GROUP_CODE] : "?";
        char class_title[256], code[64];
        snprintf(class_title, sizeof class_title, "%s %s", title ? title : "", structure);
        snprintf(code, sizeof code, "%s-%s", structure, subject ? subject : "");
        const char *grade = grade_of_mef(first_mef(r, d ? d->text[RELAIS_DIVISION_MEFS]
                                                        : g ? g->text[RELAIS_GROUP_MEFS] : NULL));
        const char *cls = idf(r, "svc", sv->id);
        const char *c[] = {cls,         "active", r->now,  class_title, grade, course, code,
                           "scheduled", NULL,     r->school, r->session, title, subject, NULL};
        row(&r->classes, c, UTIL_ARRAY_LEN(c));
        service_students(r, cls, sv);
        const size_t *items;
        size_t n = snapshot_group_get(&r->teachers_by_service, sv->id, &items);
        for (size_t k = 0; k < n; k++) {
            const relais_record *st = snap->k[RELAIS_KIND_SERVICE_TEACHER].recs[items[k]];
            const relais_record *t =
                snapshot_get(snap, RELAIS_KIND_STAFF, st->ref[RELAIS_SERVICE_TEACHER_STAFF]);
            if (t && t->is_active) {
                enrollment(r, cls, idf(r, "user", t->id), "teacher", k == 0 ? "true" : "false",
                           NULL, NULL);
            }
        }
    }
    util_map_free(courses_done);
}

static const char *username(roster *r, const relais_record *p)
{
    const relais_record *ent = snapshot_xref(r->snap, p->id, "ent");
    return ent ? ent->text[RELAIS_XREF_EXTERNAL_ID] : idf(r, "relais", p->id);
}

static void user(roster *r, const relais_record *p, const char *role, const char *identifier,
                 const char *agents, const char *grade, const char *user_ids)
{
    const char *uid = idf(r, "user", p->id);
    int fu = relais_field_index(p->kind, "nom_usage");
    int fb = relais_field_index(p->kind, "nom_de_famille");
    if (fb < 0) {
        fb = relais_field_index(p->kind, "nom_patronymique");
    }
    int fp = relais_field_index(p->kind, "prenom");
    int fp2 = relais_field_index(p->kind, "prenom2");
    int fm = relais_field_index(p->kind, "mel");
    int ft = relais_field_index(p->kind, "tel_portable");
    const char *family = fb >= 0 && p->text[fb] ? p->text[fb] : fu >= 0 ? p->text[fu] : NULL;
    const char *preferred_family = fu >= 0 && p->text[fu] && !util_streq(p->text[fu], family)
                                       ? p->text[fu]
                                       : NULL;
    const char *u[] = {uid,
                       "active",
                       r->now,
                       "true",
                       username(r, p),
                       user_ids,
                       fp >= 0 ? p->text[fp] : NULL,
                       family,
                       fp2 >= 0 ? p->text[fp2] : NULL,
                       identifier,
                       fm >= 0 ? p->text[fm] : NULL,
                       NULL,
                       ft >= 0 ? p->text[ft] : NULL,
                       agents,
                       grade,
                       NULL,
                       NULL,
                       NULL,
                       NULL,
                       NULL,
                       preferred_family,
                       r->school,
                       NULL};
    row(&r->users, u, UTIL_ARRAY_LEN(u));
    const char *ro[] = {idf(r, "role", p->id), "active", r->now, uid, "primary", role, NULL, NULL,
                        r->school, NULL};
    row(&r->roles, ro, UTIL_ARRAY_LEN(ro));
    r->n_users++;
}

/* "user-1,user-2": the users at the other end of student–guardian links. */
static const char *agents_of(roster *r, const snap_groups *links, int64_t id, size_t other_field,
                             bool students)
{
    const size_t *items;
    size_t n = snapshot_group_get(links, id, &items);
    util_buf b = UTIL_BUF_INIT;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const relais_record *l = r->snap->k[RELAIS_KIND_STUDENT_GUARDIAN].recs[items[i]];
        int64_t other = l->ref[other_field];
        const relais_record *o = snapshot_get(
            r->snap, students ? RELAIS_KIND_STUDENT : RELAIS_KIND_GUARDIAN, other);
        if (o == NULL || !o->is_active ||
            (students && !snapshot_student_present(o, r->today))) {
            continue;
        }
        util_buf_printf(&b, "%suser-%lld", k++ ? "," : "", (long long)other);
    }
    const char *out = k ? util_arena_strndup(r->a, util_buf_cstr(&b), b.len) : NULL;
    util_buf_free(&b);
    return out;
}

static void users(roster *r)
{
    const scope_snapshot *snap = r->snap;
    const snap_kind *sk = &snap->k[RELAIS_KIND_STUDENT];
    for (size_t i = 0; i < sk->n; i++) {
        const relais_record *s = sk->recs[i];
        if (!snapshot_student_present(s, r->today)) {
            continue;
        }
        util_arena_reset(r->a);
        char ids[64];
        snprintf(ids, sizeof ids, "{SIECLE:%s}", s->text[RELAIS_STUDENT_ELEVE_ID]);
        user(r, s, "student", s->text[RELAIS_STUDENT_INE],
             agents_of(r, &r->links_by_student, s->id, RELAIS_STUDENT_GUARDIAN_GUARDIAN, false),
             grade_of_mef(s->text[RELAIS_STUDENT_CODE_MEF]), util_arena_strdup(r->a, ids));
        const char *sex = util_streq(s->text[RELAIS_STUDENT_CODE_SEXE], "1")   ? "male"
                          : util_streq(s->text[RELAIS_STUDENT_CODE_SEXE], "2") ? "female"
                                                                              : NULL;
        const char *city = s->text[RELAIS_STUDENT_VILLE_NAISS];
        const char *d[] = {idf(r, "user", s->id), "active", r->now, s->text[RELAIS_STUDENT_DATE_NAISS],
                           sex, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, city, NULL};
        row(&r->demographics, d, UTIL_ARRAY_LEN(d));
    }
    const snap_kind *gk = &snap->k[RELAIS_KIND_GUARDIAN];
    for (size_t i = 0; i < gk->n; i++) {
        const relais_record *g = gk->recs[i];
        if (!g->is_active) {
            continue;
        }
        util_arena_reset(r->a);
        const char *children =
            agents_of(r, &r->links_by_guardian, g->id, RELAIS_STUDENT_GUARDIAN_STUDENT, true);
        if (children == NULL) {
            continue; /* a guardian of no student still at school */
        }
        /* Mothers and fathers are "parent", other guardians "guardian". */
        const size_t *items;
        bool parent = false;
        size_t n = snapshot_group_get(&r->links_by_guardian, g->id, &items);
        for (size_t k = 0; k < n; k++) {
            const char *code =
                snap->k[RELAIS_KIND_STUDENT_GUARDIAN].recs[items[k]]->text[RELAIS_STUDENT_GUARDIAN_CODE_PARENTE];
            parent = parent || util_streq(code, "10") || util_streq(code, "20");
        }
        char ids[64];
        snprintf(ids, sizeof ids, "{SIECLE:%s}", g->text[RELAIS_GUARDIAN_PERSONNE_ID]);
        user(r, g, parent ? "parent" : "guardian", NULL, children, NULL,
             util_arena_strdup(r->a, ids));
    }
    const snap_kind *tk = &snap->k[RELAIS_KIND_STAFF];
    for (size_t i = 0; i < tk->n; i++) {
        const relais_record *t = tk->recs[i];
        const char *fonction = t->text[RELAIS_STAFF_FONCTION];
        /* Teachers, and the head (DIR) as principal; other staff have no LMS role. */
        const char *role = util_streq(fonction, "ENS")   ? "teacher"
                           : util_streq(fonction, "DIR") ? "principal"
                                                         : NULL;
        if (!t->is_active || role == NULL) {
            continue;
        }
        util_arena_reset(r->a);
        char ids[64];
        snprintf(ids, sizeof ids, "{STS:%s}", t->text[RELAIS_STAFF_STS_ID]);
        user(r, t, role, NULL, NULL, NULL, util_arena_strdup(r->a, ids));
    }
}

static void manifest(util_buf *b)
{
    static const char *const files[][2] = {
        {"file.academicSessions", "bulk"}, {"file.categories", "absent"},
        {"file.classes", "bulk"},          {"file.classResources", "absent"},
        {"file.courses", "bulk"},          {"file.courseResources", "absent"},
        {"file.demographics", "bulk"},     {"file.enrollments", "bulk"},
        {"file.lineItemLearningObjectiveIds", "absent"},
        {"file.lineItems", "absent"},      {"file.lineItemScoreScales", "absent"},
        {"file.orgs", "bulk"},             {"file.resources", "absent"},
        {"file.resultLearningObjectiveIds", "absent"},
        {"file.results", "absent"},        {"file.resultScoreScales", "absent"},
        {"file.roles", "bulk"},            {"file.scoreScales", "absent"},
        {"file.userProfiles", "absent"},   {"file.userResources", "absent"},
        {"file.users", "bulk"},
    };
    const char *head[] = {"propertyName", "value"};
    util_csv_row(b, head, 2, SEP);
    const char *v1[] = {"manifest.version", "1.0"};
    const char *v2[] = {"oneroster.version", "1.2"};
    util_csv_row(b, v1, 2, SEP);
    util_csv_row(b, v2, 2, SEP);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(files); i++) {
        util_csv_row(b, files[i], 2, SEP);
    }
    const char *s1[] = {"source.systemName", "relais"};
    const char *s2[] = {"source.systemCode", "relais " RELAIS_VERSION};
    util_csv_row(b, s1, 2, SEP);
    util_csv_row(b, s2, 2, SEP);
}

int export_oneroster(export_result *res, const scope_snapshot *snap, const char *out_dir)
{
    roster r = {.snap = snap};
    util_now_iso(r.now);
    util_date today;
    util_date_today(&today);
    util_date_iso(&today, r.today);
    snprintf(r.school, sizeof r.school, "%s", snap->scope->uai);
    snprintf(r.session, sizeof r.session, "annee-%d", snap->scope->year);
    int rc = util_arena_new(&r.a, 64 * 1024);
    struct {
        snap_groups *g;
        relais_kind kind;
        size_t field;
    } groups[] = {
        {&r.enrol_by_student, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_STUDENT},
        {&r.enrol_by_division, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_DIVISION},
        {&r.enrol_by_group, RELAIS_KIND_ENROLMENT, RELAIS_ENROLMENT_GROUP},
        {&r.links_by_student, RELAIS_KIND_STUDENT_GUARDIAN, RELAIS_STUDENT_GUARDIAN_STUDENT},
        {&r.links_by_guardian, RELAIS_KIND_STUDENT_GUARDIAN, RELAIS_STUDENT_GUARDIAN_GUARDIAN},
        {&r.teachers_by_service, RELAIS_KIND_SERVICE_TEACHER, RELAIS_SERVICE_TEACHER_SERVICE},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(groups) && rc == 0; i++) {
        rc = snapshot_group(groups[i].g, snap, groups[i].kind, groups[i].field, true);
    }
    util_buf man = UTIL_BUF_INIT;
    if (rc == 0) {
        header(&r);
        org_and_session(&r);
        divisions(&r);
        services(&r);
        users(&r);
        manifest(&man);
        util_buf *all[] = {&r.orgs, &r.sessions, &r.courses, &r.classes, &r.users, &r.roles,
                           &r.enrollments, &r.demographics, &man};
        for (size_t i = 0; i < UTIL_ARRAY_LEN(all); i++) {
            if (all[i]->failed) {
                rc = RELAIS_ENOMEM;
            }
        }
    }
    if (rc == 0) {
        export_zip_entry entries[] = {
            {"manifest.csv", man.data, man.len},
            {"orgs.csv", r.orgs.data, r.orgs.len},
            {"academicSessions.csv", r.sessions.data, r.sessions.len},
            {"courses.csv", r.courses.data, r.courses.len},
            {"classes.csv", r.classes.data, r.classes.len},
            {"users.csv", r.users.data, r.users.len},
            {"roles.csv", r.roles.data, r.roles.len},
            {"enrollments.csv", r.enrollments.data, r.enrollments.len},
            {"demographics.csv", r.demographics.data, r.demographics.len},
        };
        char name[96];
        snprintf(name, sizeof name, "OneRoster_%s_%d.zip", snap->scope->uai, snap->scope->year);
        rc = export_write_zip(res, out_dir, name, entries, UTIL_ARRAY_LEN(entries), r.n_users);
        res->n_persons = r.n_users;
    }
    util_buf *all[] = {&r.orgs, &r.sessions, &r.courses, &r.classes, &r.users, &r.roles,
                       &r.enrollments, &r.demographics, &man};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all); i++) {
        util_buf_free(all[i]);
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(groups); i++) {
        snapshot_groups_free(groups[i].g);
    }
    util_arena_free(r.a);
    return rc;
}
