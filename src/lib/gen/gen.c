/*
 * gen.c — `relais gen` orchestration: validates the options, plans the
 * académie from the seed (collèges and lycées of realistic sizes summing to
 * the requested number of students, fictitious UAIs with a valid key, primary
 * schools feeding the collèges), then builds and writes each establishment on
 * a small pool of threads. Each establishment has its own PRNG stream derived
 * from (seed, index), so thread scheduling never changes a byte.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>

static const gen_noise_rates noise_table[3] = {
    /* accents typo  first  usage  swap   gbirth partner hub    twice */
    {0.05, 0.01, 0.10, 0.10, 0.005, 0.20, 0.01, 0.01, 0.002},
    {0.20, 0.03, 0.40, 0.30, 0.02, 0.50, 0.03, 0.03, 0.01},
    {0.50, 0.08, 0.80, 0.60, 0.05, 0.80, 0.06, 0.06, 0.02},
};

const gen_noise_rates *gen_noise_rates_get(int level)
{
    return level >= 0 && level < 3 ? &noise_table[level] : NULL;
}

bool gen_noise_parse(int *out, const char *s)
{
    static const char *const names[3][2] = {
        {"low", "faible"}, {"medium", "moyen"}, {"high", "fort"}};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i][0]) == 0 || strcmp(s, names[i][1]) == 0) {
            *out = i;
            return true;
        }
    }
    return false;
}

const char *gen_denom_princ(int type)
{
    return type == GEN_COLLEGE ? "COLLEGE" : (type == GEN_LYCEE ? "LYCEE GENERAL" : "ECOLE ELEMENTAIRE PUBLIQUE");
}

const char *gen_sigle(int type)
{
    return type == GEN_COLLEGE ? "CLG" : (type == GEN_LYCEE ? "LYC" : "E.E.PU");
}

const char *gen_nature(int type)
{
    return type == GEN_COLLEGE ? "340" : (type == GEN_LYCEE ? "300" : "151");
}

const gen_estab_info *gen_info_find(const gen_ctx *c, const char *uai)
{
    for (int i = 0; i < c->n_infos; i++) {
        if (strcmp(c->infos[i].uai, uai) == 0) {
            return &c->infos[i];
        }
    }
    return NULL;
}

static const char *const school_names[] = {
    "JEAN MOULIN",     "VICTOR HUGO",       "LES TILLEULS",      "JULES FERRY",
    "PABLO PICASSO",   "GEORGE SAND",       "MARIE CURIE",       "LOUIS PASTEUR",
    "JEAN JAURÈS",     "SIMONE VEIL",       "ALBERT CAMUS",      "JACQUES PRÉVERT",
    "SAINT-EXUPÉRY",   "LÉONARD DE VINCI",  "COLETTE",           "HONORÉ DE BALZAC",
    "JEAN MACÉ",       "LOUISE MICHEL",     "OLYMPE DE GOUGES",  "CLAUDE DEBUSSY",
    "ÉMILE ZOLA",      "LES CHÊNES",        "LE VAL D'AZERGUES", "ANDRÉ MALRAUX",
    "GASTON BACHELARD", "AMPÈRE",           "LA CÔTIÈRE",        "JEAN DE LA FONTAINE",
    "CHARLES PÉGUY",   "PIERRE BROSSOLETTE", "LUCIE AUBRAC",     "ÉLISE RIVET",
};

typedef struct run {
    gen_ctx ctx;
    gen_estab_info *infos;
    int *n_target;
    int64_t *id_base;
    int *type;
    int n_estab;
    int n_primary;
    atomic_int next;
    pthread_mutex_t lock;
    int rc;
    char error[1024];
    gen_report report;
    long *row_students, *row_divisions, *row_groups, *row_teachers;
} run;

static int make_dir(const char *path)
{
    if (mkdir(path, 0777) != 0 && errno != EEXIST) {
        relais_error_set(_("%s : création du répertoire impossible (%s)"), path, strerror(errno));
        return RELAIS_EIO;
    }
    if (!util_is_dir(path)) {
        relais_error_set(_("%s : n'est pas un répertoire"), path);
        return RELAIS_EIO;
    }
    return 0;
}

static int do_establishment(run *R, int index)
{
    const gen_options *o = R->ctx.opts;
    gen_estab e;
    memset(&e, 0, sizeof e);
    e.index = index;
    e.info = &R->infos[index];
    memcpy(e.uai, R->infos[index].uai, sizeof e.uai);
    e.type = R->type[index];
    e.n_target = R->n_target[index];
    e.id_base = R->id_base[index];
    /* Previous schools: primary schools for a collège, collèges for a lycée. */
    gen_rng fr;
    gen_rng_seed(&fr, o->seed ^ (0xfeedULL + (uint64_t)index * 0x9E3779B97F4A7C15ULL));
    for (int k = 0; k < 3; k++) {
        int pick = -1;
        if (e.type == GEN_COLLEGE) {
            pick = R->n_estab + (int)gen_rng_below(&fr, (uint64_t)R->n_primary);
        } else {
            int tries = 0;
            while (tries++ < 20) {
                int cand = (int)gen_rng_below(&fr, (uint64_t)R->n_estab);
                if (R->type[cand] == GEN_COLLEGE) {
                    pick = cand;
                    break;
                }
            }
        }
        if (pick >= 0) {
            e.feeder_uai[e.n_feeders++] = R->infos[pick].uai;
        }
    }
    gen_rng rng;
    uint64_t st = o->seed;
    uint64_t mix = gen_splitmix64(&st) ^ ((uint64_t)index * 0xD1B54A32D192ED03ULL);
    gen_rng_seed(&rng, mix);
    char dir[4096];
    int rc = 0;
    if (util_snprintf(dir, sizeof dir, "%s/%s", o->out_dir, e.uai) < 0) {
        relais_error_set(_("%s : chemin trop long"), o->out_dir);
        return RELAIS_EINVALID;
    }
    uint64_t bytes = 0;
    long n_rows = 0;
    int n_files = 0;
    if ((rc = make_dir(dir)) < 0 || (rc = gen_model_build(&e, &R->ctx, &rng)) < 0) {
        goto done;
    }
    if (o->defects && (rc = gen_apply_defects(&e, &R->ctx, &rng)) < 0) {
        goto done;
    }
    if ((rc = gen_write_eleves(&e, &R->ctx, dir, &bytes)) < 0 ||
        (rc = gen_write_responsables(&e, &R->ctx, dir, &bytes)) < 0 ||
        (rc = gen_write_structures(&e, &R->ctx, dir, &bytes)) < 0 ||
        (rc = gen_write_nomenclature(&e, &R->ctx, dir, &bytes)) < 0 ||
        (rc = gen_write_sts(&e, &R->ctx, dir, &bytes)) < 0 ||
        (rc = gen_write_edt(&e, &R->ctx, dir, &bytes)) < 0) {
        goto done;
    }
    n_files = 6;
    if (o->partner) {
        gen_rng pr;
        gen_rng_seed(&pr, mix ^ 0x5851F42D4C957F2DULL);
        if ((rc = gen_write_partner(&e, &R->ctx, &pr, dir, &bytes, &n_rows)) < 0) {
            goto done;
        }
        n_files += 2;
    }
    if (o->defects) {
        if ((rc = gen_write_defects(&e, dir, &bytes)) < 0) {
            goto done;
        }
        n_files++;
    }
    {
        long leavers = 0, courses = 0, staff = 0;
        for (int i = 0; i < e.n_students; i++) {
            leavers += e.students[i].has_sortie;
        }
        for (int i = 0; i < e.n_services; i++) {
            courses += e.services[i].n_courses;
        }
        for (int t = 0; t < e.n_teachers; t++) {
            staff += e.teachers[t].subject < 0;
        }
        pthread_mutex_lock(&R->lock);
        gen_report *rep = &R->report;
        rep->n_establishments++;
        rep->n_colleges += e.type == GEN_COLLEGE;
        rep->n_lycees += e.type == GEN_LYCEE;
        rep->n_students += e.n_students;
        rep->n_leavers += leavers;
        rep->n_guardians += e.n_guardians;
        rep->n_teachers += e.n_teachers - staff;
        rep->n_staff += staff;
        rep->n_divisions += e.n_divisions;
        rep->n_groups += e.n_groups;
        rep->n_courses += courses;
        rep->n_partner_rows += n_rows;
        rep->n_files += n_files;
        rep->bytes_written += bytes;
        pthread_mutex_unlock(&R->lock);
        R->row_students[index] = e.n_students;
        R->row_divisions[index] = e.n_divisions;
        R->row_groups[index] = e.n_groups;
        R->row_teachers[index] = e.n_teachers - staff;
    }
done:
    if (rc < 0) {
        relais_error_prefix("%s", e.uai);
    }
    gen_model_free(&e);
    return rc;
}

static void *worker(void *arg)
{
    run *R = arg;
    for (;;) {
        pthread_mutex_lock(&R->lock);
        bool stop = R->rc < 0;
        pthread_mutex_unlock(&R->lock);
        if (stop) {
            break;
        }
        int i = atomic_fetch_add(&R->next, 1);
        if (i >= R->n_estab) {
            break;
        }
        int rc = do_establishment(R, i);
        if (rc < 0) {
            pthread_mutex_lock(&R->lock);
            if (R->rc == 0) {
                R->rc = rc;
                snprintf(R->error, sizeof R->error, "%s", relais_error_last());
            }
            pthread_mutex_unlock(&R->lock);
            break;
        }
    }
    return NULL;
}

static bool partner_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-')) {
            return false;
        }
    }
    return true;
}

/* Plan types and sizes of the establishments (sum = n_students exactly). */
static int plan(run *R, gen_rng *r)
{
    const gen_options *o = R->ctx.opts;
    int K = o->n_establishments;
    double *raw = util_calloc((size_t)K, sizeof *raw);
    if (raw == NULL) {
        return RELAIS_ENOMEM;
    }
    double mean = (double)o->n_students / K;
    double tot = 0;
    for (int i = 0; i < K; i++) {
        int type;
        if (K == 1) {
            type = mean > 1100 ? GEN_LYCEE : GEN_COLLEGE;
        } else if (i == 0) {
            type = GEN_COLLEGE;
        } else if (i == 1) {
            type = GEN_LYCEE;
        } else {
            type = gen_rng_chance(r, 0.64) ? GEN_COLLEGE : GEN_LYCEE;
        }
        R->type[i] = type;
        double center = type == GEN_COLLEGE ? 520 : 1150;
        double v = gen_rng_normal(r, center, center * 0.3);
        double lo = type == GEN_COLLEGE ? 150 : 350, hi = type == GEN_COLLEGE ? 1000 : 2400;
        raw[i] = v < lo ? lo : (v > hi ? hi : v);
        tot += raw[i];
    }
    long given = 0;
    for (int i = 0; i < K; i++) {
        R->n_target[i] = (int)((double)o->n_students * raw[i] / tot);
        if (R->n_target[i] < 1) {
            R->n_target[i] = 1;
        }
        given += R->n_target[i];
    }
    for (int i = 0; given < o->n_students; i = (i + 1) % K) {
        R->n_target[i]++;
        given++;
    }
    for (int i = 0; given > o->n_students; i = (i + 1) % K) {
        if (R->n_target[i] > 1) {
            R->n_target[i]--;
            given--;
        }
    }
    util_free(raw);
    /* Ids: ranges proportional to the students before, so they never overlap. */
    int64_t cum = 0;
    for (int i = 0; i < K; i++) {
        R->id_base[i] = cum * 4 + (int64_t)i * 64;
        cum += R->n_target[i];
    }
    /* UAIs: département 099 (no such département, so no real establishment). */
    long number = 990000 + (long)gen_rng_below(r, 200);
    long step = 7000 / K;
    if (step < 1) {
        step = 1;
    }
    if (step > 6) {
        step = 6;
    }
    const gen_names *n = R->ctx.names;
    for (int i = 0; i < K + R->n_primary; i++) {
        gen_estab_info *in = &R->infos[i];
        if (i == K) {
            number = 998000;
        }
        number += i < K ? 1 + (long)gen_rng_below(r, (uint64_t)step) : 1;
        snprintf(in->uai, sizeof in->uai, "%07u%c", (unsigned)(number % 10000000),
                 gen_uai_key(number));
        in->type = i < K ? R->type[i] : 2;
        in->denom_compl = school_names[gen_rng_below(r, UTIL_ARRAY_LEN(school_names))];
        in->commune = (int)gen_rng_pick_cum(r, n->communes.cum, n->communes.n);
        in->street_number = (unsigned)gen_rng_range(r, 1, 90);
        in->street = gen_upper(n->arena, gen_pick(r, &n->streets));
        if (in->street == NULL) {
            return RELAIS_ENOMEM;
        }
    }
    return 0;
}

static int write_manifest(run *R, uint64_t *bytes)
{
    const gen_options *o = R->ctx.opts;
    char path[4096];
    if (util_snprintf(path, sizeof path, "%s/etablissements.tsv", o->out_dir) < 0) {
        relais_error_set(_("%s : chemin trop long"), o->out_dir);
        return RELAIS_EINVALID;
    }
    gen_out out;
    int rc = gen_out_open_file(&out, path);
    if (rc < 0) {
        gen_out_abort(&out);
        return rc;
    }
    gen_out_puts(&out, "uai\ttype\tnom\tcommune\televes\tdivisions\tgroupes\tenseignants\n");
    for (int i = 0; i < R->n_estab; i++) {
        const gen_estab_info *in = &R->infos[i];
        gen_out_printf(&out, "%s\t%s\t%s %s\t%s\t%ld\t%ld\t%ld\t%ld\n", in->uai,
                       in->type == GEN_COLLEGE ? "college" : "lycee", gen_denom_princ(in->type),
                       in->denom_compl, R->ctx.names->commune_name[in->commune],
                       R->row_students[i], R->row_divisions[i], R->row_groups[i],
                       R->row_teachers[i]);
    }
    return gen_out_close(&out, bytes);
}

int gen_run(gen_report *out, const gen_options *o)
{
    memset(out, 0, sizeof *out);
    if (o->out_dir == NULL || o->out_dir[0] == '\0') {
        relais_error_set("%s", _("répertoire de sortie manquant (--out)"));
        return RELAIS_EINVALID;
    }
    if (o->n_establishments < 1 || o->n_establishments > 7000) {
        relais_error_set(_("nombre d'établissements invalide : %d (1 à 7000)"),
                         o->n_establishments);
        return RELAIS_EINVALID;
    }
    if (o->n_students < o->n_establishments || o->n_students > 20000000) {
        relais_error_set(_("nombre d'élèves invalide : %ld (au moins un par établissement, au "
                           "plus 20 000 000)"),
                         o->n_students);
        return RELAIS_EINVALID;
    }
    if (o->n_students / o->n_establishments > 2500) {
        relais_error_set("%s", _("plus de 2 500 élèves par établissement en moyenne : augmentez "
                                 "--establishments"));
        return RELAIS_EINVALID;
    }
    if (o->year < 2000 || o->year > 2100) {
        relais_error_set(_("année scolaire invalide : %d"), o->year);
        return RELAIS_EINVALID;
    }
    if (o->partner && !partner_name_ok(o->partner)) {
        relais_error_set(_("nom de partenaire invalide « %s » (lettres minuscules, chiffres, _ "
                           "et -, 32 au plus)"),
                         o->partner);
        return RELAIS_EINVALID;
    }
    if (gen_noise_rates_get(o->noise) == NULL) {
        relais_error_set("%s", _("niveau de bruit invalide"));
        return RELAIS_EINVALID;
    }
    run *R = util_calloc(1, sizeof *R);
    gen_names *names = NULL;
    int rc = 0;
    if (R == NULL) {
        relais_error_set("%s", _("mémoire insuffisante"));
        return RELAIS_ENOMEM;
    }
    pthread_mutex_init(&R->lock, NULL);
    int K = o->n_establishments;
    R->n_estab = K;
    R->n_primary = K * 2 < 1999 ? (K * 2 < 3 ? 3 : K * 2) : 1999;
    R->infos = util_calloc((size_t)(K + R->n_primary), sizeof *R->infos);
    R->n_target = util_calloc((size_t)K, sizeof *R->n_target);
    R->id_base = util_calloc((size_t)K, sizeof *R->id_base);
    R->type = util_calloc((size_t)K, sizeof *R->type);
    R->row_students = util_calloc((size_t)K, sizeof(long));
    R->row_divisions = util_calloc((size_t)K, sizeof(long));
    R->row_groups = util_calloc((size_t)K, sizeof(long));
    R->row_teachers = util_calloc((size_t)K, sizeof(long));
    if (!R->infos || !R->n_target || !R->id_base || !R->type || !R->row_students ||
        !R->row_divisions || !R->row_groups || !R->row_teachers) {
        relais_error_set("%s", _("mémoire insuffisante"));
        rc = RELAIS_ENOMEM;
        goto done;
    }
    if ((rc = gen_names_load(&names)) < 0) {
        goto done;
    }
    R->ctx.opts = o;
    R->ctx.names = names;
    R->ctx.infos = R->infos;
    R->ctx.n_infos = K + R->n_primary;
    {
        gen_rng r;
        gen_rng_seed(&r, o->seed);
        /* Rentrée: first Monday of September; export 4 to 8 weeks later, working hours. */
        util_date sep1 = {o->year, 9, 1};
        int64_t d = util_date_days(&sep1);
        while (((d + 3) % 7 + 7) % 7 != 0) {
            d++;
        }
        util_date_from_days(d, &R->ctx.rentree);
        int64_t ex = d + 28 + (int64_t)gen_rng_below(&r, 29);
        while (((ex + 3) % 7 + 7) % 7 >= 5) {
            ex++;
        }
        util_date_from_days(ex, &R->ctx.export_date);
        R->ctx.export_h = gen_rng_range(&r, 8, 18);
        R->ctx.export_m = gen_rng_range(&r, 0, 59);
        R->ctx.export_s = gen_rng_range(&r, 0, 59) & ~1; /* DOS time has 2 s resolution */
        R->ctx.year_end = (util_date){o->year + 1, 7, 4};
        if ((rc = plan(R, &r)) < 0) {
            if (rc == RELAIS_ENOMEM) {
                relais_error_set("%s", _("mémoire insuffisante"));
            }
            goto done;
        }
    }
    if ((rc = make_dir(o->out_dir)) < 0) {
        goto done;
    }
    {
        int nt = o->threads > 0 ? o->threads : 2;
        if (nt > 64) {
            nt = 64;
        }
        if (nt > K) {
            nt = K;
        }
        pthread_t th[64];
        int started = 0;
        for (int i = 0; i < nt; i++) {
            if (pthread_create(&th[i], NULL, worker, R) == 0) {
                started++;
            } else {
                break;
            }
        }
        if (started == 0) {
            worker(R);
        }
        for (int i = 0; i < started; i++) {
            pthread_join(th[i], NULL);
        }
    }
    if (R->rc < 0) {
        rc = R->rc;
        relais_error_set("%s", R->error);
        goto done;
    }
    {
        uint64_t b = 0;
        if ((rc = write_manifest(R, &b)) < 0) {
            goto done;
        }
        R->report.bytes_written += b;
        R->report.n_files++;
    }
    *out = R->report;
done:
    gen_names_free(names);
    util_free(R->infos);
    util_free(R->n_target);
    util_free(R->id_base);
    util_free(R->type);
    util_free(R->row_students);
    util_free(R->row_divisions);
    util_free(R->row_groups);
    util_free(R->row_teachers);
    pthread_mutex_destroy(&R->lock);
    util_free(R);
    return rc;
}
