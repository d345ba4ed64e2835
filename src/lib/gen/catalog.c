/*
 * catalog.c — the fixed reference data of the generator: subjects (codes and
 * labels of the 2019 real Nomenclature where it has them, marked [I] in
 * docs/gen.md where it does not), levels with their MEFs and weekly
 * programmes, and small helpers. The other code lists of Nomenclature.xml are
 * copied from the real export (data/siecle/nomenclature-listes.xml).
 */
#include "internal.h"

#include <string.h>

const gen_subject gen_subjects[] = {
    {"020700", "FRANC", "FRANCAIS", "FRANCAIS", "Français", "FR", "L0202", "LETTRES MODERNES"},
    {"061300", "MATHS", "MATHEMATIQUES", "MATHEMATIQUES", "Mathématiques", "MAT", "L1300",
     "MATHEMATIQUES"},
    {"030201", "AGL1", "ANGLAIS LV1", "ANGLAIS LV1", "Anglais lv1", "ANG", "L0422", "ANGLAIS"},
    {"030602", "ESP2", "ESPAGNOL LV2", "ESPAGNOL LV2", "Espagnol lv2", "ESP", "L0426", "ESPAGNOL"},
    {"030102", "ALL2", "ALLEMAND LV2", "ALLEMAND LV2", "Allemand lv2", "ALL", "L0421", "ALLEMAND"},
    {"030902", "ITA2", "ITALIEN LV2", "ITALIEN LV2", "Italien lv2", "ITA", "L0429", "ITALIEN"},
    {"043700", "HI-GE", "HISTOIRE-GEOGRAPHIE", "HISTOIRE-GEOGRAPHIE", "Histoire-géographie", "HG",
     "L1000", "HISTOIRE GEOGRAPHIE"},
    {"043800", "EMC", "ENS. MORAL & CIVIQUE", "ENSEIGNEMENT MORAL ET CIVIQUE",
     "Enseignement moral et civique", "EMC", "L1000", "HISTOIRE GEOGRAPHIE"},
    {"062900", "SVT", "SCIENCES VIE & TERRE", "SCIENCES DE LA VIE ET DE LA TERRE",
     "Sciences de la vie et de la terre", "SVT", "L1600", "SCIENCES VIE ET TERRE"},
    {"062300", "PH-CH", "PHYSIQUE-CHIMIE", "PHYSIQUE-CHIMIE", "Physique-chimie", "PC", "L1500",
     "PHYSIQUE CHIMIE"},
    {"070200", "TECHN", "TECHNOLOGIE", "TECHNOLOGIE", "Technologie", "TEC", "L1400",
     "TECHNOLOGIE"},
    {"090100", "A-PLA", "ARTS PLASTIQUES", "ARTS PLASTIQUES", "Arts plastiques", "APL", "L1800",
     "ARTS PLASTIQUES"},
    {"083100", "EDMUS", "EDUCATION MUSICALE", "EDUCATION MUSICALE", "Éducation musicale", "MUS",
     "L1700", "EDUCATION MUSICALE"},
    {"100100", "EPS", "ED.PHYSIQUE & SPORT.", "EDUCATION PHYSIQUE ET SPORTIVE",
     "Education physique et sportive", "EPS", "L1900", "EDUCATION PHYSIQUE SPORTIVE"},
    {"020300", "LCALA", "LCA LATIN", "LANGUES ET CULTURES DE L'ANTIQUITE LATIN",
     "Langues et cultures de l'Antiquité LATIN", "LAT", "L0201", "LETTRES CLASSIQUES"},
    {"050700", "SES", "SC. ECONO.& SOCIALES", "SCIENCES ECONOMIQUES ET SOCIALES",
     "Sciences économiques et sociales", "SES", "L8011", "SC ECONOMIQUES ET SOCIALES"},
    {"074600", "SNTEC", "SC.NUMERIQ.TECHNOL.", "SCIENCES NUMERIQUES ET TECHNOLOGIE",
     "Sciences numériques et technologie", "SNT", "L1400", "TECHNOLOGIE"},
    {"065300", "G-SCI", "ENSEIGN.SCIENTIFIQUE", "ENSEIGNEMENT SCIENTIFIQUE",
     "Enseignement scientifique", "ESC", "L1500", "PHYSIQUE CHIMIE"},
    {"043900", "HGGSP", "HIST.GEO.GEOPOL.S.P.", "HISTOIRE-GEOGRAPHIE GEOPOLITIQUE & SC.POLITIQUES",
     "Histoire-géographie, géopolitique et sciences politiques", "HGG", "L1000",
     "HISTOIRE GEOGRAPHIE"},
    {"074700", "NSINF", "NUMERIQUE SC.INFORM.", "NUMERIQUE ET SCIENCES INFORMATIQUES",
     "Numérique et sciences informatiques", "NSI", "L8510", "INFORMATIQUE"},
    {"067300", "SC-IG", "SCIENCES INGENIEUR", "SCIENCES DE L'INGENIEUR", "Sciences de l'ingénieur",
     "SI", "L1414", "SCIENCES INDUSTRIELLES INGENIEUR"},
    {"010300", "PHILO", "PHILOSOPHIE", "PHILOSOPHIE", "Philosophie", "PHI", "L0100",
     "PHILOSOPHIE"},
};
const size_t gen_n_subjects = UTIL_ARRAY_LEN(gen_subjects);

enum {
    S_FR, S_MA, S_AN, S_ES, S_AL, S_IT, S_HG, S_EMC, S_SVT, S_PC, S_TEC, S_APL, S_MUS, S_EPS,
    S_LAT, S_SES, S_SNT, S_ESC, S_HGG, S_NSI, S_SI, S_PHI
};

#define DIV(s, h) {s, h, GEN_K_DIV, 'S'}
#define LV2(h) {S_ES, h, GEN_K_LV2, 'O'}
#define LAT(h) {S_LAT, h, GEN_K_LATIN, 'F'}
#define SPE(s, h) {s, h, GEN_K_SPE, 'O'}

static const gen_prog prog6[] = {DIV(S_FR, 9),  DIV(S_MA, 9),  DIV(S_AN, 8),  DIV(S_HG, 6),
                                 DIV(S_SVT, 3), DIV(S_PC, 2),  DIV(S_TEC, 3), DIV(S_APL, 2),
                                 DIV(S_MUS, 2), DIV(S_EPS, 8)};
static const gen_prog prog5[] = {DIV(S_FR, 9),  DIV(S_MA, 7),  DIV(S_AN, 6),  LV2(5),
                                 DIV(S_HG, 6),  DIV(S_SVT, 3), DIV(S_PC, 3),  DIV(S_TEC, 3),
                                 DIV(S_APL, 2), DIV(S_MUS, 2), DIV(S_EPS, 6), LAT(2)};
static const gen_prog prog4[] = {DIV(S_FR, 9),  DIV(S_MA, 7),  DIV(S_AN, 6),  LV2(5),
                                 DIV(S_HG, 6),  DIV(S_SVT, 3), DIV(S_PC, 3),  DIV(S_TEC, 3),
                                 DIV(S_APL, 2), DIV(S_MUS, 2), DIV(S_EPS, 6), LAT(4)};
static const gen_prog prog3[] = {DIV(S_FR, 8),  DIV(S_MA, 7),  DIV(S_AN, 6),  LV2(5),
                                 DIV(S_HG, 7),  DIV(S_SVT, 3), DIV(S_PC, 3),  DIV(S_TEC, 3),
                                 DIV(S_APL, 2), DIV(S_MUS, 2), DIV(S_EPS, 6), LAT(4)};
static const gen_prog prog2[] = {DIV(S_FR, 8),  DIV(S_HG, 6),  DIV(S_AN, 6),  LV2(5),
                                 DIV(S_SES, 3), DIV(S_MA, 8),  DIV(S_PC, 6),  DIV(S_SVT, 3),
                                 DIV(S_EPS, 4), DIV(S_EMC, 1), DIV(S_SNT, 3), LAT(6)};
static const gen_prog prog1[] = {DIV(S_FR, 8),  DIV(S_HG, 6),  DIV(S_AN, 5),  LV2(4),
                                 DIV(S_EPS, 4), DIV(S_EMC, 1), DIV(S_ESC, 4), SPE(S_MA, 8),
                                 SPE(S_PC, 8),  SPE(S_SVT, 8), SPE(S_SES, 8), SPE(S_HGG, 8),
                                 SPE(S_NSI, 8), SPE(S_SI, 8)};
static const gen_prog progT[] = {DIV(S_PHI, 8), DIV(S_HG, 6),   DIV(S_AN, 4),   LV2(4),
                                 DIV(S_EPS, 4), DIV(S_EMC, 1),  DIV(S_ESC, 4),  SPE(S_MA, 12),
                                 SPE(S_PC, 12), SPE(S_SVT, 12), SPE(S_SES, 12), SPE(S_HGG, 12),
                                 SPE(S_NSI, 12)};

#define P(a) a, UTIL_ARRAY_LEN(a)
const gen_level gen_levels[] = {
    {"10010012110", "6EME", "6EME", "6ème", "21110010012", "2111", "6", "6EME", 11, 0, P(prog6),
     NULL},
    {"10110001110", "5G", "5EME", "5ème", "21120010001", "2112", "5", "5EME", 12, 0, P(prog5),
     "10010012110"},
    {"10210001110", "4G", "4EME", "4ème", "21150010001", "2115", "4", "4EME", 13, 0, P(prog4),
     "10110001110"},
    {"10310019110", "3EME", "3EME", "3ème", "21160010019", "2116", "3", "3EME", 14, 0, P(prog3),
     "10210001110"},
    {"20010018110", "2-GT", "2NDE GENERALE ET TECHNOLOGIQUE", "2nde générale et technologique",
     "22111410018", "2211", "2", "2NDE", 15, 0, P(prog2), "10310019110"},
    {"20110019110", "1G", "PREMIERE GENERALE", "Première générale", "22121810019", "2212", "1",
     "1ERE", 16, 3, P(prog1), "20010018110"},
    {"20210019110", "TG", "TERMINALE GENERALE", "Terminale générale", "22131810019", "2213", "T",
     "TERM", 17, 2, P(progT), "20110019110"},
};
const size_t gen_n_levels = UTIL_ARRAY_LEN(gen_levels);

int gen_subject_index(const char *gestion)
{
    for (size_t i = 0; i < gen_n_subjects; i++) {
        if (strcmp(gen_subjects[i].gestion, gestion) == 0) {
            return (int)i;
        }
    }
    return -1;
}

void gen_hhmm(int half, char out[5])
{
    unsigned minutes = (8u * 60u + (unsigned)half * 30u) % 1440u;
    snprintf(out, 5, "%02u%02u", (minutes / 60u) % 24u, minutes % 60u);
}

char gen_uai_key(long number)
{
    static const char letters[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    return letters[number % 23];
}

bool gen_uai_valid(const char *uai)
{
    if (uai == NULL || strlen(uai) != 8) {
        return false;
    }
    long n = 0;
    for (int i = 0; i < 7; i++) {
        if (uai[i] < '0' || uai[i] > '9') {
            return false;
        }
        n = n * 10 + (uai[i] - '0');
    }
    return gen_uai_key(n) == uai[7];
}
