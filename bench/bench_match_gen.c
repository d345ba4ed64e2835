/*
 * bench_match_gen.c — identity matching measured on `relais gen` output: the
 * hub's persons are read from the generated SIECLE and STS-Web exports of
 * every establishment (students still at school with their class and
 * postcode, guardians with their children, phones, e-mail and address, staff),
 * the partner lists from partner_<NAME>.csv, the answers from
 * partner_<NAME>_truth.csv. The engine runs on the whole académie at once;
 * each partner person is matched within its establishment (the partner lists
 * are per establishment), or, with --pooled, against every establishment.
 *
 *   bench_match_gen DIR PARTNER [--threads T] [--pooled]
 *
 * Prints one line: persons on each side, precision, recall, F1, persons sent
 * to review, false merges of twins and homonyms, time of reading and of
 * matching, peak RSS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "match/match.h"
#include "xml/xml.h"

#define NONE UINT32_MAX

typedef struct hubgen {
    match_list *hub;
    uint32_t estab;
    util_map *by_key;    /* "cat\x1fsiecle id" → hub index */
    util_map *addr_cp;   /* ADRESSE_ID → postcode (arena string) */
    util_map *addr_line; /* ADRESSE_ID → first line */
    util_map *class_of;  /* ELEVE_ID → class code */
    uint32_t *addr_of;   /* per hub person: index into addr_ids */
    const char **addr_ids;
    size_t n_addr, cap_addr;
    struct link {
        const char *student, *guardian;
    } * links;
    size_t n_links, cap_links;
    util_buf key;
} hubgen;

static const char *keep(hubgen *g, const char *s)
{
    return s && s[0] ? match_list_str(g->hub, s, strlen(s)) : NULL;
}

static const char *map_key(hubgen *g, char cat, const char *id)
{
    util_buf_reset(&g->key);
    util_buf_printf(&g->key, "%c\x1f%s", cat, id ? id : "");
    return util_buf_cstr(&g->key);
}

static uint32_t new_person(hubgen *g, match_category cat, const char *id, char kc)
{
    uint32_t i;
    if (match_list_add(&i, g->hub) < 0) {
        exit(1);
    }
    match_person *p = &g->hub->persons[i];
    p->category = (uint8_t)cat;
    p->id = keep(g, id);
    p->relais_id = (int64_t)i + 1;
    p->estab = g->estab;
    map_key(g, kc, id);
    util_map_put(g->by_key, g->key.data, g->key.len, i);
    return i;
}

static void remember_address(hubgen *g, uint32_t person, const char *addr_id)
{
    if (addr_id == NULL || addr_id[0] == '\0') {
        return;
    }
    if (g->n_addr == g->cap_addr) {
        g->cap_addr = g->cap_addr ? g->cap_addr * 2 : 4096;
        g->addr_ids = realloc(g->addr_ids, g->cap_addr * sizeof *g->addr_ids);
        g->addr_of = realloc(g->addr_of, g->cap_addr * sizeof *g->addr_of);
    }
    g->addr_ids[g->n_addr] = keep(g, addr_id);
    g->addr_of[g->n_addr++] = person;
}

static const char *iso(hubgen *g, const char *fr)
{
    util_date d;
    if (fr == NULL || !util_date_parse(fr, strlen(fr), &d)) {
        return NULL;
    }
    char out[11];
    util_date_iso(&d, out);
    return keep(g, out);
}

static int on_eleve(const xml_node *n, void *payload)
{
    hubgen *g = payload;
    if (xml_node_child_text(n, "DATE_SORTIE") && xml_node_child_text(n, "DATE_SORTIE")[0]) {
        return 0; /* left the school: deactivated in the hub */
    }
    uint32_t i = new_person(g, MATCH_STUDENT, xml_node_attr(n, "ELEVE_ID"), 'S');
    match_person *p = &g->hub->persons[i];
    p->nom = keep(g, xml_node_child_text(n, "NOM_DE_FAMILLE"));
    p->nom_usage = keep(g, xml_node_child_text(n, "NOM_USAGE"));
    char prenoms[256];
    const char *p1 = xml_node_child_text(n, "PRENOM"), *p2 = xml_node_child_text(n, "PRENOM2"),
               *p3 = xml_node_child_text(n, "PRENOM3");
    snprintf(prenoms, sizeof prenoms, "%s%s%s%s%s", p1 ? p1 : "", p2 && p2[0] ? ", " : "",
             p2 ? p2 : "", p3 && p3[0] ? ", " : "", p3 ? p3 : "");
    p->prenoms = keep(g, prenoms);
    p->date_naissance = iso(g, xml_node_child_text(n, "DATE_NAISS"));
    const char *sexe = xml_node_child_text(n, "CODE_SEXE");
    p->sexe = sexe && sexe[0] == '1' ? 'M' : sexe && sexe[0] == '2' ? 'F' : 0;
    p->ine = keep(g, xml_node_child_text(n, "ID_NATIONAL"));
    remember_address(g, i, xml_node_child_text(n, "ADRESSE_ID"));
    return 0;
}

static int on_structures(const xml_node *n, void *payload)
{
    hubgen *g = payload;
    for (const xml_node *s = xml_node_child(n, "STRUCTURE"); s; s = xml_node_next_named(s)) {
        const char *type = xml_node_child_text(s, "TYPE_STRUCTURE");
        if (type && type[0] == 'D') {
            const char *code = keep(g, xml_node_child_text(s, "CODE_STRUCTURE"));
            const char *id = xml_node_attr(n, "ELEVE_ID");
            util_map_put(g->class_of, id, strlen(id), (int64_t)(intptr_t)code);
        }
    }
    return 0;
}

static int on_adresse(const xml_node *n, void *payload)
{
    hubgen *g = payload;
    const char *id = xml_node_attr(n, "ADRESSE_ID");
    if (id == NULL) {
        return 0;
    }
    const char *cp = keep(g, xml_node_child_text(n, "CODE_POSTAL"));
    const char *l1 = keep(g, xml_node_child_text(n, "LIGNE1_ADRESSE"));
    util_map_put(g->addr_cp, id, strlen(id), (int64_t)(intptr_t)cp);
    util_map_put(g->addr_line, id, strlen(id), (int64_t)(intptr_t)l1);
    return 0;
}

static int on_personne(const xml_node *n, void *payload)
{
    hubgen *g = payload;
    uint32_t i = new_person(g, MATCH_GUARDIAN, xml_node_attr(n, "PERSONNE_ID"), 'G');
    match_person *p = &g->hub->persons[i];
    p->nom = keep(g, xml_node_child_text(n, "NOM_DE_FAMILLE"));
    p->nom_usage = keep(g, xml_node_child_text(n, "NOM_USAGE"));
    p->prenoms = keep(g, xml_node_child_text(n, "PRENOM"));
    const char *civ = xml_node_child_text(n, "LC_CIVILITE");
    p->sexe = civ && strcmp(civ, "M.") == 0 ? 'M' : civ && civ[0] ? 'F' : 0;
    char phones[128];
    const char *t1 = xml_node_child_text(n, "TEL_PORTABLE"),
               *t2 = xml_node_child_text(n, "TEL_PERSONNEL"),
               *t3 = xml_node_child_text(n, "TEL_PROFESSIONNEL");
    snprintf(phones, sizeof phones, "%s|%s|%s", t1 ? t1 : "", t2 ? t2 : "", t3 ? t3 : "");
    p->phones = keep(g, phones);
    p->email = keep(g, xml_node_child_text(n, "MEL"));
    remember_address(g, i, xml_node_child_text(n, "ADRESSE_ID"));
    return 0;
}

static int on_responsable(const xml_node *n, void *payload)
{
    hubgen *g = payload;
    if (g->n_links == g->cap_links) {
        g->cap_links = g->cap_links ? g->cap_links * 2 : 4096;
        g->links = realloc(g->links, g->cap_links * sizeof *g->links);
    }
    g->links[g->n_links++] = (struct link){keep(g, xml_node_child_text(n, "ELEVE_ID")),
                                           keep(g, xml_node_child_text(n, "PERSONNE_ID"))};
    return 0;
}

static int on_individu(const xml_node *n, void *payload)
{
    hubgen *g = payload;
    const char *fonction = xml_node_child_text(n, "FONCTION");
    uint32_t i =
        new_person(g, fonction && strcmp(fonction, "ENS") == 0 ? MATCH_TEACHER : MATCH_STAFF,
                   xml_node_attr(n, "ID"), 'T');
    match_person *p = &g->hub->persons[i];
    p->nom = keep(g, xml_node_child_text(n, "NOM_PATRONYMIQUE"));
    p->nom_usage = keep(g, xml_node_child_text(n, "NOM_USAGE"));
    p->prenoms = keep(g, xml_node_child_text(n, "PRENOM"));
    p->date_naissance = iso(g, xml_node_child_text(n, "DATE_NAISSANCE"));
    const char *sexe = xml_node_child_text(n, "SEXE");
    p->sexe = sexe && sexe[0] == '1' ? 'M' : sexe && sexe[0] == '2' ? 'F' : 0;
    return 0;
}

static void parse(const char *path, const char *const *paths, xml_record_fn const *fns, size_t n,
                  hubgen *g)
{
    xml_reader *r;
    if (xml_reader_new(&r, NULL) < 0) {
        exit(1);
    }
    for (size_t i = 0; i < n; i++) {
        xml_reader_on_record(r, paths[i], fns[i], g);
    }
    if (xml_reader_parse_file(r, path) < 0) {
        fprintf(stderr, "%s: %s\n", path, relais_error_last());
        exit(1);
    }
    xml_reader_free(r);
}

static void load_estab(hubgen *g, const char *dir, const char *uai, int year)
{
    char path[1024];
    size_t first = g->hub->n;
    g->n_addr = 0;
    g->n_links = 0;
    util_map_free(g->class_of);
    util_map_free(g->addr_cp);
    util_map_free(g->addr_line);
    util_map_new(&g->class_of);
    util_map_new(&g->addr_cp);
    util_map_new(&g->addr_line);
    snprintf(path, sizeof path, "%s/%s/ExportXML_ElevesAvecAdresses.zip", dir, uai);
    const char *ep[] = {"/BEE_ELEVES/DONNEES/ELEVES/ELEVE",
                        "/BEE_ELEVES/DONNEES/STRUCTURES/STRUCTURES_ELEVE",
                        "/BEE_ELEVES/DONNEES/ADRESSES/ADRESSE"};
    xml_record_fn ef[] = {on_eleve, on_structures, on_adresse};
    parse(path, ep, ef, 3, g);
    snprintf(path, sizeof path, "%s/%s/ExportXML_ResponsablesAvecAdresses.zip", dir, uai);
    const char *rp[] = {"/BEE_RESPONSABLES/DONNEES/PERSONNES/PERSONNE",
                        "/BEE_RESPONSABLES/DONNEES/RESPONSABLES/RESPONSABLE_ELEVE",
                        "/BEE_RESPONSABLES/DONNEES/ADRESSES/ADRESSE"};
    xml_record_fn rf[] = {on_personne, on_responsable, on_adresse};
    parse(path, rp, rf, 3, g);
    snprintf(path, sizeof path, "%s/%s/sts_emp_%s_%d.xml", dir, uai, uai, year);
    const char *sp[] = {"/STS_EDT/DONNEES/INDIVIDUS/INDIVIDU"};
    xml_record_fn sf[] = {on_individu};
    parse(path, sp, sf, 1, g);
    /* addresses, classes, children */
    for (size_t i = 0; i < g->n_addr; i++) {
        int64_t v;
        match_person *p = &g->hub->persons[g->addr_of[i]];
        if (util_map_get(g->addr_cp, g->addr_ids[i], strlen(g->addr_ids[i]), &v)) {
            p->code_postal = (const char *)(intptr_t)v;
        }
        if (p->category == MATCH_GUARDIAN &&
            util_map_get(g->addr_line, g->addr_ids[i], strlen(g->addr_ids[i]), &v)) {
            p->adresse = (const char *)(intptr_t)v;
        }
    }
    for (size_t i = first; i < g->hub->n; i++) {
        match_person *p = &g->hub->persons[i];
        int64_t v;
        if (p->category == MATCH_STUDENT && util_map_get(g->class_of, p->id, strlen(p->id), &v)) {
            p->classe = (const char *)(intptr_t)v;
        }
    }
    size_t n = g->hub->n - first;
    uint32_t *count = calloc(n + 1, sizeof *count);
    uint32_t **kids = calloc(n + 1, sizeof *kids);
    for (size_t i = 0; i < g->n_links; i++) {
        int64_t s, p;
        const char *ks = map_key(g, 'S', g->links[i].student);
        if (!util_map_get(g->by_key, ks, strlen(ks), &s)) {
            continue;
        }
        const char *kg = map_key(g, 'G', g->links[i].guardian);
        if (!util_map_get(g->by_key, kg, strlen(kg), &p)) {
            continue;
        }
        size_t k = (size_t)p - first;
        kids[k] = realloc(kids[k], (count[k] + 1) * sizeof **kids);
        kids[k][count[k]++] = (uint32_t)s;
    }
    for (size_t k = 0; k < n; k++) {
        if (count[k]) {
            match_list_set_children(g->hub, (uint32_t)(first + k), kids[k], count[k]);
        }
        free(kids[k]);
    }
    free(kids);
    free(count);
}

/* Next line of a NUL-terminated buffer (cut in place), NULL at the end. */
static char *next_line(char **cursor)
{
    char *line = *cursor;
    if (line == NULL || *line == '\0') {
        return NULL;
    }
    char *nl = strchr(line, '\n');
    if (nl) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = line + strlen(line);
    }
    return line;
}

/* ------------------------------------------------------------ truth */

typedef struct truth {
    uint32_t *of;    /* partner index → hub index or NONE */
    uint8_t *second; /* second entry of a guardian (doublon) */
    size_t n_expected;
} truth;

static char cat_key(const char *categorie)
{
    return strcmp(categorie, "eleve") == 0         ? 'S'
           : strcmp(categorie, "responsable") == 0 ? 'G'
                                                   : 'T';
}

static void read_truth(truth *t, hubgen *g, const match_list *pl, size_t first_p, const char *path,
                       util_map *pids)
{
    char *data;
    size_t len;
    if (util_file_read(&data, &len, path) < 0) {
        fprintf(stderr, "%s: %s\n", path, relais_error_last());
        exit(1);
    }
    char *cursor = data;
    bool header = true;
    for (char *line; (line = next_line(&cursor)) != NULL;) {
        if (header) {
            header = false;
            continue;
        }
        char *f[4] = {line, NULL, NULL, NULL};
        for (int k = 1; k < 4; k++) {
            char *sc = f[k - 1] ? strchr(f[k - 1], ';') : NULL;
            if (sc) {
                *sc = '\0';
                f[k] = sc + 1;
            }
        }
        if (f[1] == NULL || f[1][0] == '\0') {
            continue; /* hub person missing from the list */
        }
        int64_t pi, hi;
        util_buf_reset(&g->key);
        util_buf_printf(&g->key, "%c\x1f%s", cat_key(f[0]), f[1]);
        if (!util_map_get(pids, g->key.data, g->key.len, &pi)) {
            continue;
        }
        pi += (int64_t)first_p;
        if (f[2] && f[2][0]) {
            const char *k = map_key(g, cat_key(f[0]), f[2]);
            if (util_map_get(g->by_key, k, strlen(k), &hi)) {
                t->of[pi] = (uint32_t)hi;
                bool dup = f[3] && strstr(f[3], "doublon");
                t->second[pi] = dup;
                t->n_expected += !dup;
            }
        }
    }
    (void)pl;
    util_free(data);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_match_gen DIR PARTNER [--threads T] [--pooled]\n");
        return 2;
    }
    const char *dir = argv[1], *partner = argv[2];
    unsigned threads = 2;
    bool pooled = false;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--pooled") == 0) {
            pooled = true;
        }
    }
    double t0 = util_monotonic();
    char path[1024];
    snprintf(path, sizeof path, "%s/etablissements.tsv", dir);
    char *tsv;
    size_t tsv_len;
    if (util_file_read(&tsv, &tsv_len, path) < 0) {
        fprintf(stderr, "%s: %s\n", path, relais_error_last());
        return 1;
    }
    hubgen g = {.key = UTIL_BUF_INIT};
    match_list_new(&g.hub);
    util_map_new(&g.by_key);
    match_list *pl;
    match_list_new(&pl);
    size_t cap_t = 1 << 16;
    truth t = {malloc(cap_t * sizeof *t.of), malloc(cap_t), 0};
    int year = 2024;
    char *cursor = tsv;
    bool header = true;
    for (char *line; (line = next_line(&cursor)) != NULL;) {
        if (header) {
            header = false;
            continue;
        }
        char uai[16];
        snprintf(uai, sizeof uai, "%.8s", line);
        uint32_t e;
        match_list_add_estab(&e, g.hub, uai, (int64_t)e + 1);
        g.estab = e;
        for (year = 2020; year < 2040; year++) {
            snprintf(path, sizeof path, "%s/%s/sts_emp_%s_%d.xml", dir, uai, uai, year);
            FILE *f = fopen(path, "rb");
            if (f) {
                fclose(f);
                break;
            }
        }
        load_estab(&g, dir, uai, year);
        /* the partner list of this establishment, appended to the académie's */
        snprintf(path, sizeof path, "%s/%s/partner_%s.csv", dir, uai, partner);
        match_list *one;
        if (match_read_file(&one, NULL, path, NULL) < 0) {
            fprintf(stderr, "%s: %s\n", path, relais_error_last());
            return 1;
        }
        size_t first_p = pl->n;
        util_map *pids;
        util_map_new(&pids);
        for (size_t i = 0; i < one->n; i++) {
            uint32_t k;
            match_list_add(&k, pl);
            match_person *p = &pl->persons[k];
            *p = one->persons[i];
            /* strings and children live in one's arena: copy them into pl's */
            p->id = match_list_str(pl, p->id, strlen(p->id));
            const char **fields[] = {&p->nom,   &p->nom_usage, &p->prenoms, &p->date_naissance,
                                     &p->ine,   &p->email,     &p->phones,  &p->code_postal,
                                     &p->classe};
            for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
                if (*fields[f]) {
                    *fields[f] = match_list_str(pl, *fields[f], strlen(*fields[f]));
                }
            }
            uint32_t kids[16];
            uint32_t nk = p->n_children < 16 ? p->n_children : 16;
            for (uint32_t c = 0; c < nk; c++) {
                kids[c] = (uint32_t)first_p + p->children[c];
            }
            p->children = NULL;
            p->n_children = 0;
            match_list_set_children(pl, k, kids, nk);
            p->estab = pooled ? MATCH_ANY_ESTAB : e;
            util_buf_reset(&g.key);
            util_buf_printf(&g.key, "%c\x1f%s",
                            p->category == MATCH_STUDENT    ? 'S'
                            : p->category == MATCH_GUARDIAN ? 'G'
                                                            : 'T',
                            p->id);
            util_map_put(pids, g.key.data, g.key.len, (int64_t)i);
        }
        if (pl->n > cap_t) {
            while (cap_t < pl->n) {
                cap_t *= 2;
            }
            t.of = realloc(t.of, cap_t * sizeof *t.of);
            t.second = realloc(t.second, cap_t);
        }
        for (size_t i = first_p; i < pl->n; i++) {
            t.of[i] = NONE;
            t.second[i] = 0;
        }
        snprintf(path, sizeof path, "%s/%s/partner_%s_truth.csv", dir, uai, partner);
        read_truth(&t, &g, pl, first_p, path, pids);
        util_map_free(pids);
        match_list_free(one);
    }
    double t1 = util_monotonic();
    match_options opt = MATCH_OPTIONS_INIT;
    opt.threads = threads;
    match_result *r;
    if (match_run(&r, pl, g.hub, NULL, 0, NULL, 0, &opt) < 0) {
        fprintf(stderr, "match_run: %s\n", relais_error_last());
        return 1;
    }
    double t2 = util_monotonic();
    size_t tp = 0, fp = 0, review = 0, twins = 0;
    for (size_t p = 0; p < pl->n; p++) {
        review += r->partner_outcome[p] == MATCH_OUT_REVIEW;
    }
    for (size_t i = 0; i < r->n_links; i++) {
        const match_link *l = &r->links[i];
        if (l->decision == MATCH_REVIEW) {
            continue;
        }
        if (t.of[l->partner] == l->hub) {
            tp += !t.second[l->partner];
            continue;
        }
        fp++;
        const match_person *a = &pl->persons[l->partner], *b = &g.hub->persons[l->hub];
        if (getenv("BENCH_VERBOSE")) {
            fprintf(stderr, "FP %.1f %s|%s|%s|%s vs %s|%s|%s|%s\n", l->score, a->nom,
                    a->nom_usage ? a->nom_usage : "", a->prenoms,
                    a->date_naissance ? a->date_naissance : "-", b->nom,
                    b->nom_usage ? b->nom_usage : "", b->prenoms,
                    b->date_naissance ? b->date_naissance : "-");
        }
        if (t.of[l->partner] != NONE) {
            const match_person *tr = &g.hub->persons[t.of[l->partner]];
            bool same_name = util_streq(tr->nom, b->nom);
            twins += same_name && (util_streq(tr->date_naissance, b->date_naissance) ||
                                   util_streq(tr->prenoms, b->prenoms));
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double precision = tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
    double recall = t.n_expected ? (double)tp / (double)t.n_expected : 1.0;
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    printf(
        "relais gen : hub %zu × partenaire %zu (%zu établissements%s) : précision %.4f (%zu faux "
        "liens)  rappel %.4f  F1 %.4f  à vérifier %zu (%.2f %%)  fusions jumeaux/homonymes %zu  "
        "paires évaluées %zu  "
        "lecture %.1f s  rapprochement %.1f s (%u threads, CPU total %.1f s)  RSS max %.0f Mio\n",
        g.hub->n, pl->n, g.hub->n_estabs, pooled ? ", sans UAI" : "", precision, fp, recall, f1,
        review, 100.0 * (double)review / (double)(pl->n ? pl->n : 1), twins, r->n_pairs_scored,
        t1 - t0, t2 - t1, threads, cpu, (double)util_peak_rss_kib() / 1024.0);
    match_result_free(r);
    match_list_free(pl);
    match_list_free(g.hub);
    util_map_free(g.by_key);
    util_map_free(g.class_of);
    util_map_free(g.addr_cp);
    util_map_free(g.addr_line);
    util_buf_free(&g.key);
    free(g.addr_ids);
    free(g.addr_of);
    free(g.links);
    free(t.of);
    free(t.second);
    util_free(tsv);
    return 0;
}
