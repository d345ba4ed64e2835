/*
 * bench_match.c — quality and speed of identity matching on generated data
 * with ground truth.
 *
 * `relais gen --partner` (the generator issue) was not on main when this was
 * written, so this program generates its own hub and partner lists with the
 * same noise model: households (students, their guardians, twins, siblings),
 * staff, Zipf-distributed French names with accents, particles and compound
 * names; on the partner side accents dropped and upper case, typing errors,
 * only the first of several first names, usage instead of birth name,
 * day/month swaps, one-digit date errors, guardians without birth date,
 * missing sex / postcode / contacts, persons on one side only, homonyms and
 * "twins" of hub persons that are not in the hub, duplicated guardians.
 *
 *   bench_match [--size N] [--noise low|medium|high] [--threads T] [--seed S]
 *
 * prints one line: size, noise, precision, recall, F1, review count and
 * share, false merges of twins/homonyms, time, peak RSS.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "match/match.h"
#include "text/text.h"

/* ------------------------------------------------------------------ rng */

static uint64_t rng_state = 0x2545F4914F6CDD1DULL;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double unif(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static bool chance(double p)
{
    return unif() < p;
}

static size_t below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* Zipf-like rank over n items: P(r) ∝ 1 / (r + offset). Inverse-CDF on the continuous form. */
static size_t zipf(size_t n, double offset)
{
    double u = unif();
    double a = log(offset), b = log((double)n + offset);
    double r = exp(a + u * (b - a)) - offset;
    size_t k = (size_t)r;
    return k < n ? k : n - 1;
}

/* ---------------------------------------------------------------- names */

static const char *const real_surnames[] = {
    "Martin",    "Bernard",   "Thomas",         "Petit",       "Robert",     "Richard",
    "Durand",    "Dubois",    "Moreau",         "Laurent",     "Simon",      "Michel",
    "Lefèvre",   "Leroy",     "Roux",           "David",       "Bertrand",   "Morel",
    "Fournier",  "Girard",    "Bonnet",         "Dupont",      "Lambert",    "Fontaine",
    "Rousseau",  "Vincent",   "Muller",         "Lefebvre",    "Faure",      "André",
    "Mercier",   "Blanc",     "Guérin",         "Boyer",       "Garnier",    "Chevalier",
    "François",  "Legrand",   "Gauthier",       "Garcia",      "Perrin",     "Robin",
    "Clément",   "Morin",     "Nicolas",        "Henry",       "Roussel",    "Mathieu",
    "Gautier",   "Masson",    "Marchand",       "Duval",       "Denis",      "Dumont",
    "Marie",     "Lemaire",   "Noël",           "Meyer",       "Dufour",     "Meunier",
    "Brun",      "Blanchard", "Giraud",         "Joly",        "Rivière",    "Lucas",
    "Brunet",    "Gaillard",  "Barbier",        "Arnaud",      "Martinez",   "Gérard",
    "Roche",     "Renard",    "Schmitt",        "Roy",         "Leroux",     "Colin",
    "Vidal",     "Caron",     "Picard",         "Roger",       "Fabre",      "Aubert",
    "Lemoine",   "Renaud",    "Dumas",          "Lacroix",     "Olivier",    "Philippe",
    "Bourgeois", "Pierre",    "Benoît",         "Rey",         "Leclerc",    "Payet",
    "Rolland",   "Leclercq",  "Guillaume",      "Lecomte",     "Lopez",      "Jean",
    "Dupuy",     "Guillot",   "Hubert",         "Berger",      "Carpentier", "Sanchez",
    "Dupuis",    "Moulin",    "Louis",          "Deschamps",   "Huet",       "Vasseur",
    "Perez",     "Boucher",   "Fleury",         "Royer",       "Klein",      "Jacquet",
    "Adam",      "Paris",     "Poirier",        "Marty",       "Aubry",      "Guyot",
    "Carré",     "Charles",   "Renault",        "Charpentier", "Ménard",     "Maillard",
    "Baron",     "Bertin",    "Bailly",         "Hervé",       "Schneider",  "Fernandez",
    "Le Gall",   "Collet",    "Léger",          "Bouvier",     "Julien",     "Prévost",
    "Millet",    "Perrot",    "Daniel",         "Le Roux",     "Cousin",     "Germain",
    "Breton",    "Besson",    "Langlois",       "Rémy",        "Le Goff",    "Pelletier",
    "Lévêque",   "Perrier",   "Leblanc",        "Barré",       "Lebrun",     "Marchal",
    "Weber",     "Mallet",    "Hamon",          "Boulanger",   "Jacob",      "Monnier",
    "Michaud",   "Rodriguez", "Guichard",       "Gillet",      "Étienne",    "Grondin",
    "Poulain",   "Tessier",   "Chevallier",     "Collin",      "Chauvin",    "Da Silva",
    "Bouchet",   "Gay",       "Lemaître",       "Bénard",      "Maréchal",   "Humbert",
    "Reynaud",   "Antoine",   "Hoarau",         "Perret",      "Barthélemy", "Cordier",
    "Pichon",    "Lejeune",   "Gilbert",        "Lamy",        "Delaunay",   "Pasquier",
    "Carlier",   "Laporte",   "De La Fontaine", "D'Almeida",   "Dos Santos", "Lœuillet",
    "N'Diaye",   "Van Damme", "Saint-Martin",   "Le Bihan",    "Kervella",   "Œhmichen",
    "Ben Ali",   "El Amrani", "Nguyen",
};

static const char *const girls[] = {
    "Emma",     "Léa",       "Chloé",    "Manon",     "Inès",      "Jade",      "Louise",
    "Zoé",      "Lina",      "Camille",  "Léna",      "Alice",     "Sarah",     "Anna",
    "Juliette", "Lucie",     "Rose",     "Ambre",     "Mila",      "Eva",       "Romane",
    "Clara",    "Lola",      "Mia",      "Julia",     "Anaïs",     "Margaux",   "Nina",
    "Léonie",   "Agathe",    "Maëlys",   "Charlotte", "Elsa",      "Victoria",  "Lou",
    "Iris",     "Capucine",  "Apolline", "Jeanne",    "Louna",     "Mathilde",  "Océane",
    "Noémie",   "Zélie",     "Héloïse",  "Adèle",     "Gabrielle", "Éloïse",    "Salomé",
    "Marie",    "Laura",     "Pauline",  "Emmy",      "Lisa",      "Yasmine",   "Aya",
    "Maya",     "Valentine", "Margot",   "Constance", "Lya",       "Lilou",     "Giulia",
    "Nour",     "Elena",     "Luna",     "Alix",      "Maëlle",    "Marie-Lou", "Anne-Sophie",
    "Élise",    "Suzanne",   "Justine",  "Morgane",   "Célia",     "Émilie",    "Fatoumata",
    "Aïcha",    "Inaya",     "Théa",     "Olivia",    "Athénaïs",  "Bérénice",  "Clémence",
};
static const char *const boys[] = {
    "Gabriel",  "Léo",      "Raphaël", "Louis",    "Lucas",         "Adam",         "Arthur",
    "Hugo",     "Jules",    "Maël",    "Nathan",   "Ethan",         "Paul",         "Sacha",
    "Tom",      "Noah",     "Théo",    "Mathis",   "Timéo",         "Enzo",         "Aaron",
    "Nolan",    "Mohamed",  "Rayan",   "Axel",     "Léon",          "Antoine",      "Victor",
    "Martin",   "Baptiste", "Clément", "Maxime",   "Alexandre",     "Valentin",     "Thomas",
    "Noé",      "Eden",     "Naël",    "Gaspard",  "Robin",         "Samuel",       "Evan",
    "Yanis",    "Mathéo",   "Isaac",   "Simon",    "Milo",          "Liam",         "Tiago",
    "Augustin", "Côme",     "Lenny",   "Marius",   "Kylian",        "Ibrahim",      "Ilyes",
    "Amir",     "Malo",     "Oscar",   "Jean",     "Pierre",        "Gaël",         "Quentin",
    "Romain",   "Benjamin", "Florian", "Corentin", "Jean-Baptiste", "Pierre-Louis", "Loïc",
    "Joachim",  "Anatole",  "Noël",    "Mathias",  "Titouan",       "Eliott",       "Sohan",
    "Wassim",   "Esteban",  "Ruben",   "Kaïs",     "Élie",
};
static const char *const women[] = {
    "Nathalie",     "Isabelle",  "Sylvie",  "Catherine", "Christine", "Sandrine",     "Véronique",
    "Valérie",      "Stéphanie", "Céline",  "Laurence",  "Virginie",  "Sophie",       "Aurélie",
    "Caroline",     "Émilie",    "Julie",   "Élodie",    "Karine",    "Marie",        "Anne",
    "Florence",     "Delphine",  "Corinne", "Hélène",    "Patricia",  "Marie-Claire", "Anne-Sophie",
    "Marie-Hélène", "Martine",   "Nadia",   "Fatima",    "Séverine",  "Audrey",       "Mélanie",
    "Sabrina",      "Laetitia",  "Cécile",  "Agnès",     "Claire",    "Estelle",      "Magali",
    "Myriam",       "Ludivine",  "Jessica", "Vanessa",   "Amandine",  "Chantal",      "Pascale",
    "Dominique",    "Claude",    "Camille", "Françoise", "Béatrice",  "Gaëlle",       "Noëlle",
    "Maryse",       "Sonia",     "Samia",   "Khadija",   "Rachida",   "Ingrid",       "Coralie",
    "Adeline",      "Angélique",
};
static const char *const men[] = {
    "Philippe",      "Christophe",  "Stéphane",      "Laurent",     "Frédéric", "Nicolas",
    "Olivier",       "Sébastien",   "Thierry",       "Pascal",      "Éric",     "David",
    "Julien",        "Jérôme",      "Franck",        "Patrick",     "Vincent",  "Cédric",
    "Arnaud",        "Jean-Pierre", "Jean-Marc",     "Jean-Luc",    "François", "Emmanuel",
    "Didier",        "Bruno",       "Guillaume",     "Mathieu",     "Fabrice",  "Hervé",
    "Alain",         "Gilles",      "Yannick",       "Benoît",      "Lionel",   "Xavier",
    "Ludovic",       "Damien",      "Mickaël",       "Anthony",     "Karim",    "Rachid",
    "Mohamed",       "Samir",       "Denis",         "Joël",        "Michel",   "Gérard",
    "Régis",         "Loïc",        "Dominique",     "Claude",      "Camille",  "Jean",
    "Pierre",        "Yves",        "Serge",         "Marc",        "Raphaël",  "Grégory",
    "Jean-François", "Jean-Michel", "Jean-Philippe", "Pierre-Yves", "Noël",
};

typedef struct pool {
    char **v;
    size_t n;
} pool;

static pool surnames;

static void make_surnames(size_t n_synthetic)
{
    static const char *const a[] = {
        "ber", "mar", "du", "le", "ro", "bou", "cha", "ga", "fa",  "pe",  "ri",  "mo",  "la", "ta",
        "ca",  "gi",  "de", "va", "ni", "sa",  "ker", "go", "bra", "tri", "pla", "che", "vi", "jo"};
    static const char *const b[] = {"",    "ran", "lo",  "mi",  "ter", "bal", "ven", "dou",
                                    "cor", "pin", "sel", "nel", "gar", "vil", "mon", "ra"};
    static const char *const c[] = {"ard",  "ier", "on",   "et", "ot",  "and", "in",  "eau",
                                    "aud",  "oux", "elle", "ez", "ac",  "ou",  "y",   "ais",
                                    "ègue", "ès",  "ès",   "é",  "ion", "ic",  "eix", "ec"};
    size_t nreal = sizeof real_surnames / sizeof *real_surnames;
    surnames.v = malloc((nreal + n_synthetic) * sizeof *surnames.v);
    for (size_t i = 0; i < nreal; i++) {
        surnames.v[surnames.n++] = strdup(real_surnames[i]);
    }
    /* Deterministic distinct synthetic names: mixed-radix enumeration, then a 4th syllable. */
    size_t na = sizeof a / sizeof *a, nb = sizeof b / sizeof *b, nc = sizeof c / sizeof *c;
    for (size_t k = 0; surnames.n < nreal + n_synthetic; k++) {
        size_t x = k;
        char buf[64];
        size_t i = x % na;
        x /= na;
        size_t j = x % nb;
        x /= nb;
        size_t m = x % nc;
        x /= nc;
        const char *extra = x == 0 ? "" : a[(x - 1) % na];
        if (x > na) {
            break;
        }
        snprintf(buf, sizeof buf, "%s%s%s%s", a[i], b[j], extra, c[m]);
        buf[0] = (char)(buf[0] - 'a' + 'A');
        surnames.v[surnames.n++] = strdup(buf);
    }
}

static const char *pick_surname(void)
{
    return surnames.v[zipf(surnames.n, 25.0)];
}

static const char *pick(const char *const *list, size_t n)
{
    return list[zipf(n, 12.0)];
}

#define PICK(list) pick(list, sizeof list / sizeof *list)

/* ---------------------------------------------------------- noise model */

typedef struct noise {
    const char *name;
    double upper_no_accents, typo_surname, typo_first, first_only, swap, date_typo;
    double hub_only, partner_only, dup_guardian, trap;
    double guardian_date, sex, postcode, phone, email, ine, both_names;
} noise;

static const noise levels[] = {
    {"low", 0.5, 0.01, 0.01, 0.3, 0.005, 0.005, 0.03, 0.02, 0.002, 0.3, 0.6, 0.8, 0.8, 0.6, 0.5,
     0.3, 0.5},
    {"medium", 0.7, 0.03, 0.03, 0.5, 0.01, 0.01, 0.05, 0.05, 0.005, 0.3, 0.3, 0.7, 0.6, 0.4, 0.4,
     0.1, 0.3},
    {"high", 0.9, 0.06, 0.06, 0.7, 0.02, 0.02, 0.10, 0.08, 0.01, 0.3, 0.0, 0.5, 0.4, 0.2, 0.2, 0.0,
     0.1},
};

/* Upper case without accents, as many programs export names: "LEFEVRE", "JEAN PIERRE". */
static char *shout(match_list *l, const char *s)
{
    util_buf b = UTIL_BUF_INIT;
    text_fold(&b, s, strlen(s));
    for (size_t i = 0; i < b.len; i++) {
        if (b.data[i] >= 'a' && b.data[i] <= 'z') {
            b.data[i] = (char)(b.data[i] - 'a' + 'A');
        }
    }
    char *r = (char *)match_list_str(l, b.data ? b.data : "", b.len);
    util_buf_free(&b);
    return r;
}

/* One typing error at an ASCII letter (never the first character). */
static const char *typo(match_list *l, const char *s)
{
    size_t len = strlen(s);
    char buf[128];
    if (len < 3 || len >= sizeof buf - 2) {
        return s;
    }
    size_t pos = 0;
    for (int tries = 0; tries < 10; tries++) {
        size_t p = 1 + below(len - 1);
        unsigned char ch = (unsigned char)s[p];
        if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') {
            pos = p;
            break;
        }
    }
    if (pos == 0) {
        return s;
    }
    bool upper = s[pos] >= 'A' && s[pos] <= 'Z';
    char letter = (char)((upper ? 'A' : 'a') + below(26));
    memcpy(buf, s, len + 1);
    switch (below(4)) {
    case 0: /* substitution */ buf[pos] = letter; break;
    case 1: /* deletion */ memmove(buf + pos, buf + pos + 1, len - pos); break;
    case 2: /* insertion */
        memmove(buf + pos + 1, buf + pos, len - pos + 1);
        buf[pos] = letter;
        break;
    default: /* transposition with the next letter */
        if (pos + 1 < len && (unsigned char)buf[pos + 1] < 0x80) {
            char t = buf[pos];
            buf[pos] = buf[pos + 1];
            buf[pos + 1] = t;
        } else {
            buf[pos] = letter;
        }
    }
    return match_list_str(l, buf, strlen(buf));
}

/* ---------------------------------------------------------- generation */

typedef struct truth {
    uint32_t *of;     /* partner index → hub index or UINT32_MAX */
    uint8_t *is_dup;  /* partner duplicate of another partner record */
    uint8_t *is_trap; /* partner person not in the hub, homonym or twin of a hub person */
} truth;

typedef struct gen {
    match_list *hub, *partner;
    const noise *nz;
    size_t target;
    uint32_t *p2h;
    size_t cap_t;
    uint8_t *dup, *trap;
    size_t n_postcodes;
} gen;

static void iso_date(char out[11], int y, int m, int d)
{
    /* the generator only makes years 1900-2099, months 1-12, days 1-28 */
    snprintf(out, 11, "%04d-%02d-%02d", (y % 10000 + 10000) % 10000, (m % 100 + 100) % 100,
             (d % 100 + 100) % 100);
}

static void random_date(char out[11], int y0, int y1)
{
    int y = y0 + (int)below((size_t)(y1 - y0 + 1));
    int m = 1 + (int)below(12);
    int d = 1 + (int)below(28);
    iso_date(out, y, m, d);
}

static const char *postcode(gen *g, match_list *l)
{
    char buf[8];
    size_t k = zipf(g->n_postcodes, 50.0);
    snprintf(buf, sizeof buf, "%05zu", 1000 + k * 13 % 95000);
    return match_list_str(l, buf, 5);
}

static const char *phone(match_list *l)
{
    char buf[24];
    snprintf(buf, sizeof buf, "06%08llu", (unsigned long long)(rnd() % 100000000ULL));
    return match_list_str(l, buf, strlen(buf));
}

static void ensure(gen *g)
{
    if (g->partner->n + 4 >= g->cap_t) {
        size_t cap = g->cap_t ? g->cap_t * 2 : 1 << 16;
        g->p2h = realloc(g->p2h, cap * sizeof *g->p2h);
        g->dup = realloc(g->dup, cap);
        g->trap = realloc(g->trap, cap);
        g->cap_t = cap;
    }
}

/* Partner copy of hub person h, with noise. Returns the partner index. */
static uint32_t partner_copy(gen *g, uint32_t h)
{
    const noise *nz = g->nz;
    ensure(g);
    match_list *pl = g->partner;
    uint32_t p;
    match_list_add(&p, pl);
    match_person *hp = &g->hub->persons[h];
    match_person *pp = &pl->persons[p];
    char id[24];
    snprintf(id, sizeof id, "P%u", p);
    pp->id = match_list_str(pl, id, strlen(id));
    pp->category = hp->category;
    /* names */
    const char *nom = hp->nom, *usage = hp->nom_usage;
    if (usage && !chance(nz->both_names)) {
        nom = chance(0.7) ? usage : hp->nom; /* one name only: usually the usage name */
        usage = NULL;
    }
    const char *prenoms = hp->prenoms;
    char first[128];
    if (chance(nz->first_only)) {
        const char *comma = strchr(prenoms, ',');
        if (comma) {
            snprintf(first, sizeof first, "%.*s", (int)(comma - prenoms), prenoms);
            prenoms = first;
        }
    }
    if (chance(nz->upper_no_accents)) {
        nom = shout(pl, nom);
        usage = usage ? shout(pl, usage) : NULL;
        prenoms = shout(pl, prenoms);
    } else {
        prenoms = match_list_str(pl, prenoms, strlen(prenoms));
    }
    if (chance(nz->typo_surname)) {
        nom = typo(pl, nom);
    }
    if (chance(nz->typo_first)) {
        prenoms = typo(pl, prenoms);
    }
    pp->nom = nom;
    pp->nom_usage = usage;
    pp->prenoms = prenoms;
    /* birth date */
    const char *date = hp->date_naissance;
    if (date && hp->category == MATCH_GUARDIAN && !chance(nz->guardian_date)) {
        date = NULL;
    }
    if (date) {
        int y = (int)strtol(date, NULL, 10), m = (int)strtol(date + 5, NULL, 10);
        int d = (int)strtol(date + 8, NULL, 10);
        char buf[11];
        if (d <= 12 && d != m && chance(nz->swap)) {
            iso_date(buf, y, d, m);
            date = match_list_str(pl, buf, 10);
        } else if (chance(nz->date_typo)) {
            int which = (int)below(3);
            if (which == 0) {
                d = d % 10 == 9 ? d - 1 : d + 1;
            } else if (which == 1) {
                y += chance(0.5) ? 1 : -1;
            } else {
                m = m == 1 ? 7 : m == 7 ? 1 : m % 10 == 9 ? m - 1 : m + 1;
                if (m > 12) {
                    m = 10;
                }
            }
            if (d > 28) {
                d = 28;
            }
            iso_date(buf, y, m, d);
            date = match_list_str(pl, buf, 10);
        }
    }
    pp->date_naissance = date;
    pp->sexe = chance(nz->sex) ? hp->sexe : 0;
    pp->code_postal = hp->code_postal && chance(nz->postcode) ? hp->code_postal : NULL;
    if (hp->phones && chance(nz->phone)) {
        char buf[32];
        const char *ph = hp->phones;
        if (chance(0.3)) { /* +33 6 12 34 56 78 */
            snprintf(buf, sizeof buf, "+33 %c %.2s %.2s %.2s %.2s", ph[1], ph + 2, ph + 4, ph + 6,
                     ph + 8);
            pp->phones = match_list_str(pl, buf, strlen(buf));
        } else {
            pp->phones = hp->phones;
        }
    }
    if (hp->email && chance(nz->email)) {
        pp->email = chance(0.1) ? "ancienne.adresse@example.org" : hp->email;
    }
    if (hp->ine && chance(nz->ine)) {
        pp->ine = hp->ine;
    }
    g->p2h[p] = h;
    g->dup[p] = 0;
    g->trap[p] = 0;
    return p;
}

typedef struct fam {
    uint32_t hub_kids[4], hub_parents[2];
    size_t n_kids, n_parents;
} fam;

static uint32_t add_hub_person(gen *g, match_category cat, const char *nom, const char *usage,
                               const char *prenoms, const char *date, char sexe)
{
    match_list *h = g->hub;
    uint32_t i;
    match_list_add(&i, h);
    match_person *p = &h->persons[i];
    char id[24];
    snprintf(id, sizeof id, "H%u", i);
    p->id = match_list_str(h, id, strlen(id));
    p->relais_id = (int64_t)i + 1;
    p->estab = 0;
    p->category = (uint8_t)cat;
    p->nom = nom;
    p->nom_usage = usage;
    p->prenoms = match_list_str(h, prenoms, strlen(prenoms));
    p->date_naissance = date ? match_list_str(h, date, strlen(date)) : NULL;
    p->sexe = sexe;
    return i;
}

static void first_names(char *out, size_t size, bool girl, bool child)
{
    const char *a = child ? (girl ? PICK(girls) : PICK(boys)) : (girl ? PICK(women) : PICK(men));
    if (child && chance(0.6)) {
        const char *b = girl ? PICK(girls) : PICK(boys);
        if (strcmp(a, b) != 0) {
            if (chance(0.4)) {
                const char *c = girl ? PICK(women) : PICK(men);
                snprintf(out, size, "%s, %s, %s", a, b, c);
            } else {
                snprintf(out, size, "%s, %s", a, b);
            }
            return;
        }
    }
    snprintf(out, size, "%s", a);
}

static void family(gen *g)
{
    match_list *h = g->hub;
    const char *father_name = pick_surname();
    const char *mother_name = pick_surname();
    bool married = chance(0.6);
    const char *pc = postcode(g, h);
    fam f = {0};
    /* guardians */
    int n_par = chance(0.85) ? 2 : 1;
    for (int k = 0; k < n_par; k++) {
        bool woman = (k == 0) ? chance(0.5) : !(h->persons[f.hub_parents[0]].sexe == 'F');
        char prenoms[128], date[11];
        first_names(prenoms, sizeof prenoms, woman, false);
        random_date(date, 1962, 1992);
        const char *nom = woman ? mother_name : father_name;
        const char *usage = woman && married ? father_name : NULL;
        uint32_t i = add_hub_person(g, MATCH_GUARDIAN, nom, usage, prenoms,
                                    chance(0.5) ? date : NULL, woman ? 'F' : 'M');
        match_person *p = &h->persons[i];
        p->code_postal = pc;
        p->phones = chance(0.9) ? phone(h) : NULL;
        if (chance(0.7)) {
            char mail[96];
            snprintf(mail, sizeof mail, "parent%u@example.fr", i);
            p->email = match_list_str(h, mail, strlen(mail));
        }
        f.hub_parents[f.n_parents++] = i;
    }
    /* children */
    double r = unif();
    int n_kids = r < 0.45 ? 1 : r < 0.85 ? 2 : 3;
    bool twins = n_kids >= 2 && chance(0.04);
    char twin_date[11] = "";
    const char *kid_name = chance(0.85) ? father_name : chance(0.5) ? mother_name : NULL;
    char compound[128];
    if (kid_name == NULL) {
        snprintf(compound, sizeof compound, "%s %s", father_name, mother_name);
        kid_name = match_list_str(h, compound, strlen(compound));
    }
    for (int k = 0; k < n_kids; k++) {
        bool girl = chance(0.49);
        char prenoms[128], date[11];
        first_names(prenoms, sizeof prenoms, girl, true);
        if (twins && k == 1) {
            memcpy(date, twin_date, sizeof date);
            /* twins never share the first given name */
            const match_person *t = &h->persons[f.hub_kids[0]];
            size_t lt = strcspn(t->prenoms, ",");
            while (strncmp(prenoms, t->prenoms, lt) == 0) {
                first_names(prenoms, sizeof prenoms, girl, true);
            }
        } else {
            random_date(date, 2007, 2019);
            memcpy(twin_date, date, sizeof date);
        }
        uint32_t i =
            add_hub_person(g, MATCH_STUDENT, kid_name, NULL, prenoms, date, girl ? 'F' : 'M');
        match_person *p = &h->persons[i];
        char ine[16];
        snprintf(ine, sizeof ine, "%09llu%c%c", (unsigned long long)(rnd() % 1000000000ULL),
                 (char)('A' + below(26)), (char)('A' + below(26)));
        p->ine = match_list_str(h, ine, strlen(ine));
        p->code_postal = pc;
        f.hub_kids[f.n_kids++] = i;
    }
    for (size_t k = 0; k < f.n_parents; k++) {
        match_list_set_children(h, f.hub_parents[k], f.hub_kids, f.n_kids);
    }
    /* the partner's view of the family */
    uint32_t pk[4], npk = 0;
    for (size_t k = 0; k < f.n_kids; k++) {
        if (!chance(g->nz->hub_only)) {
            pk[npk++] = partner_copy(g, f.hub_kids[k]);
        }
    }
    for (size_t k = 0; k < f.n_parents; k++) {
        if (chance(g->nz->hub_only)) {
            continue;
        }
        uint32_t p = partner_copy(g, f.hub_parents[k]);
        match_list_set_children(g->partner, p, pk, npk);
        if (npk > 1 && chance(g->nz->dup_guardian)) {
            /* the partner recorded this parent once per child */
            uint32_t q = partner_copy(g, f.hub_parents[k]);
            g->partner->persons[q].nom = g->partner->persons[p].nom;
            g->partner->persons[q].prenoms = g->partner->persons[p].prenoms;
            g->dup[q] = 1;
            match_list_set_children(g->partner, p, pk, 1);
            match_list_set_children(g->partner, q, pk + 1, npk - 1);
        }
    }
}

static void staff(gen *g)
{
    match_list *h = g->hub;
    bool woman = chance(0.6);
    char prenoms[128], date[11];
    first_names(prenoms, sizeof prenoms, woman, false);
    random_date(date, 1960, 1999);
    uint32_t i = add_hub_person(g, chance(0.75) ? MATCH_TEACHER : MATCH_STAFF, pick_surname(), NULL,
                                prenoms, date, woman ? 'F' : 'M');
    match_person *p = &h->persons[i];
    if (chance(0.8)) {
        char mail[96];
        snprintf(mail, sizeof mail, "agent%u@ac-exemple.fr", i);
        p->email = match_list_str(h, mail, strlen(mail));
    }
    if (!chance(g->nz->hub_only)) {
        partner_copy(g, i);
    }
}

/* A partner person absent from the hub; sometimes a homonym or a twin of a hub person. */
static void partner_only(gen *g)
{
    match_list *pl = g->partner;
    ensure(g);
    uint32_t p;
    match_list_add(&p, pl);
    match_person *pp = &pl->persons[p];
    char id[24];
    snprintf(id, sizeof id, "X%u", p);
    pp->id = match_list_str(pl, id, strlen(id));
    g->p2h[p] = UINT32_MAX;
    g->dup[p] = 0;
    g->trap[p] = 0;
    uint32_t h = (uint32_t)below(g->hub->n);
    const match_person *hp = &g->hub->persons[h];
    pp->category = hp->category;
    char date[11], prenoms[128];
    bool woman = hp->sexe == 'F';
    bool child = hp->category == MATCH_STUDENT;
    if (chance(g->nz->trap) && hp->date_naissance) {
        g->trap[p] = 1;
        if (chance(0.5)) { /* homonym: same names, another birth date */
            pp->nom = hp->nom;
            pp->nom_usage = hp->nom_usage;
            pp->prenoms = hp->prenoms;
            random_date(date, child ? 2007 : 1962, child ? 2019 : 1992);
            pp->date_naissance = match_list_str(pl, date, 10);
        } else { /* twin: same surname and birth date, another first name */
            pp->nom = hp->nom;
            pp->date_naissance = hp->date_naissance;
            size_t lt = strcspn(hp->prenoms, ",");
            do {
                first_names(prenoms, sizeof prenoms, woman, child);
            } while (strncmp(prenoms, hp->prenoms, lt) == 0);
            pp->prenoms = match_list_str(pl, prenoms, strlen(prenoms));
        }
        pp->sexe = hp->sexe;
        return;
    }
    pp->nom = pick_surname();
    first_names(prenoms, sizeof prenoms, woman, child);
    pp->prenoms = match_list_str(pl, prenoms, strlen(prenoms));
    if (child || hp->category != MATCH_GUARDIAN || chance(g->nz->guardian_date)) {
        random_date(date, child ? 2007 : 1962, child ? 2019 : 1992);
        pp->date_naissance = match_list_str(pl, date, 10);
    }
    pp->sexe = woman ? 'F' : 'M';
}

/* Shuffle the partner list (its order must not help), keeping children indices right. */
static void shuffle_partner(gen *g)
{
    match_list *pl = g->partner;
    size_t n = pl->n;
    uint32_t *perm = malloc(n * sizeof *perm), *inv = malloc(n * sizeof *inv);
    for (size_t i = 0; i < n; i++) {
        perm[i] = (uint32_t)i;
    }
    for (size_t i = n; i > 1; i--) {
        size_t j = below(i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        inv[perm[i]] = (uint32_t)i;
    }
    match_person *np = malloc(n * sizeof *np);
    uint32_t *nt = malloc(n * sizeof *nt);
    uint8_t *nd = malloc(n), *ntr = malloc(n);
    for (size_t i = 0; i < n; i++) {
        np[i] = pl->persons[perm[i]];
        nt[i] = g->p2h[perm[i]];
        nd[i] = g->dup[perm[i]];
        ntr[i] = g->trap[perm[i]];
    }
    /* children arrays live in the arena, one per person: rewrite them in place */
    for (size_t i = 0; i < n; i++) {
        if (np[i].n_children) {
            uint32_t tmp[8];
            uint32_t nc = np[i].n_children < 8 ? np[i].n_children : 8;
            for (uint32_t k = 0; k < nc; k++) {
                tmp[k] = inv[np[i].children[k]];
            }
            memcpy(np[i].children, tmp, nc * sizeof *tmp);
        }
    }
    memcpy(pl->persons, np, n * sizeof *np);
    memcpy(g->p2h, nt, n * sizeof *nt);
    memcpy(g->dup, nd, n);
    memcpy(g->trap, ntr, n);
    free(perm);
    free(inv);
    free(np);
    free(nt);
    free(nd);
    free(ntr);
}

int main(int argc, char **argv)
{
    size_t size = 100000;
    const noise *nz = &levels[1];
    unsigned threads = 2;
    uint64_t seed = 42;
    bool verbose = false;
    double auto_threshold = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            size = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--noise") == 0 && i + 1 < argc) {
            i++;
            for (size_t k = 0; k < sizeof levels / sizeof *levels; k++) {
                if (strcmp(argv[i], levels[k].name) == 0) {
                    nz = &levels[k];
                }
            }
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            threads = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--auto") == 0 && i + 1 < argc) {
            auto_threshold = strtod(argv[++i], NULL);
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else {
            fprintf(stderr, "usage: bench_match [--size N] [--noise low|medium|high] "
                            "[--threads T] [--seed S] [--verbose]\n");
            return 2;
        }
    }
    rng_state ^= seed * 0x9e3779b97f4a7c15ULL;
    double t0 = util_monotonic();
    make_surnames(size < 200000 ? 20000 : 80000);
    gen g = {.nz = nz, .target = size, .n_postcodes = 6000};
    match_list_new(&g.hub);
    match_list_new(&g.partner);
    uint32_t e0;
    match_list_add_estab(&e0, g.hub, "0999999Z", 1);
    while (g.hub->n < size) {
        if (chance(0.05)) {
            staff(&g);
        } else {
            family(&g);
        }
        while (chance(nz->partner_only / (1.0 - nz->partner_only) * 0.5) && g.hub->n > 0) {
            partner_only(&g);
        }
    }
    shuffle_partner(&g);
    double t1 = util_monotonic();

    match_options opt = MATCH_OPTIONS_INIT;
    opt.threads = threads;
    if (auto_threshold > 0) {
        opt.auto_threshold = auto_threshold;
    }
    match_result *r = NULL;
    int rc = match_run(&r, g.partner, g.hub, NULL, 0, NULL, 0, &opt);
    double t2 = util_monotonic();
    if (rc < 0) {
        fprintf(stderr, "match_run: %s\n", relais_error_last());
        return 1;
    }
    size_t tp = 0, fp = 0, expected = 0, review = 0, trap_merges = 0;
    for (size_t p = 0; p < g.partner->n; p++) {
        if (g.p2h[p] != UINT32_MAX && !g.dup[p]) {
            expected++;
        }
        if (r->partner_outcome[p] == MATCH_OUT_REVIEW) {
            review++;
        }
    }
    size_t by_reason[MATCH_N_REASONS] = {0};
    for (size_t i = 0; i < r->n_links; i++) {
        const match_link *x = &r->links[i];
        if (x->decision == MATCH_REVIEW) {
            continue;
        }
        if (g.p2h[x->partner] == x->hub) {
            if (!g.dup[x->partner]) {
                tp++;
            }
        } else {
            fp++;
            trap_merges += g.trap[x->partner];
            if (verbose && fp <= 15) {
                const match_person *a = &g.partner->persons[x->partner];
                const match_person *b = &g.hub->persons[x->hub];
                fprintf(stderr, "FP %.1f %s|%s|%s|%s  vs  %s|%s|%s|%s (truth %d)\n", x->score,
                        a->nom, a->nom_usage ? a->nom_usage : "", a->prenoms,
                        a->date_naissance ? a->date_naissance : "-", b->nom,
                        b->nom_usage ? b->nom_usage : "", b->prenoms,
                        b->date_naissance ? b->date_naissance : "-", (int)g.p2h[x->partner]);
            }
        }
    }
    if (verbose) {
        size_t shown = 0;
        for (size_t p = 0; p < g.partner->n && shown < 15; p++) {
            if (g.p2h[p] != UINT32_MAX && !g.dup[p] && r->partner_outcome[p] != MATCH_OUT_MATCHED) {
                const match_person *a = &g.partner->persons[p];
                const match_person *b = &g.hub->persons[g.p2h[p]];
                fprintf(stderr, "MISS[%s] %s|%s|%s|%s  vs  %s|%s|%s|%s\n",
                        r->partner_outcome[p] == MATCH_OUT_REVIEW ? "review" : "none", a->nom,
                        a->nom_usage ? a->nom_usage : "", a->prenoms,
                        a->date_naissance ? a->date_naissance : "-", b->nom,
                        b->nom_usage ? b->nom_usage : "", b->prenoms,
                        b->date_naissance ? b->date_naissance : "-");
                shown++;
            }
        }
        for (size_t i = 0; i < r->n_links; i++) {
            if (r->links[i].decision == MATCH_REVIEW) {
                for (unsigned b = 0; b < MATCH_N_REASONS; b++) {
                    by_reason[b] += (r->links[i].reasons >> b) & 1;
                }
            }
        }
        for (unsigned b = 0; b < MATCH_N_REASONS; b++) {
            if (by_reason[b]) {
                fprintf(stderr, "review reason %s: %zu\n", match_reason_code(b), by_reason[b]);
            }
        }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    double precision = tp + fp ? (double)tp / (double)(tp + fp) : 1.0;
    double recall = expected ? (double)tp / (double)expected : 1.0;
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    printf("hub %zu × partenaire %zu, bruit %-6s : précision %.4f (%zu faux liens)  rappel %.4f  "
           "F1 %.4f  à vérifier %zu (%.2f %%)  fusions jumeaux/homonymes %zu  paires évaluées %zu  "
           "génération %.1f s  rapprochement %.1f s (%u threads, CPU total %.1f s)  "
           "RSS max %.0f Mio\n",
           g.hub->n, g.partner->n, nz->name, precision, fp, recall, f1, review,
           100.0 * (double)review / (double)g.partner->n, trap_merges, r->n_pairs_scored, t1 - t0,
           t2 - t1, threads, cpu, (double)util_peak_rss_kib() / 1024.0);
    match_result_free(r);
    match_list_free(g.hub);
    match_list_free(g.partner);
    free(g.p2h);
    free(g.dup);
    free(g.trap);
    for (size_t i = 0; i < surnames.n; i++) {
        free(surnames.v[i]);
    }
    free(surnames.v);
    return 0;
}
