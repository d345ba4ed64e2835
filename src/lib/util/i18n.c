/*
 * i18n.c — message language. relais speaks French by default: the strings in
 * the source are French. When the environment asks for English (LANGUAGE,
 * LC_ALL, LC_MESSAGES or LANG starting with "en", in gettext's order of
 * precedence) messages go through the "relais" gettext catalogue (po/en.po).
 *
 * Only LC_MESSAGES and LC_CTYPE are taken from the environment: LC_NUMERIC
 * stays "C" so that JSON and XML numbers always use a dot.
 *
 * A machine may lack the en_US locale; gettext ignores LANGUAGE only in the
 * plain "C" locale, so we fall back to the built-in C.UTF-8 and name the
 * language through LANGUAGE.
 */
#include "util.h"

#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEXT_DOMAIN "relais"

static const char *current_lang = "fr";

static const char *env_language(void)
{
    const char *names[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(names); i++) {
        const char *v = getenv(names[i]);
        if (v && v[0]) {
            return v;
        }
    }
    return "";
}

static void bind_catalogue(void)
{
    const char *dir = getenv("RELAIS_LOCALEDIR");
    char path[PATH_MAX];
    if (dir == NULL || dir[0] == '\0') {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n <= 0) {
            return;
        }
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash == NULL) {
            return;
        }
        *slash = '\0';
        /* Build tree (build/locale) first, then an installed prefix (bin/../share/locale). */
        if (util_snprintf(path, sizeof path, "%s/locale", exe) == 0 && util_is_dir(path)) {
            dir = path;
        } else if (util_snprintf(path, sizeof path, "%s/../share/locale", exe) == 0) {
            dir = path;
        } else {
            return;
        }
    }
    bindtextdomain(TEXT_DOMAIN, dir);
    bind_textdomain_codeset(TEXT_DOMAIN, "UTF-8");
}

const char *util_i18n_init(void)
{
    const char *lang = env_language();
    current_lang = strncmp(lang, "en", 2) == 0 ? "en" : "fr";
    if (strcmp(current_lang, "en") == 0) {
        if (setlocale(LC_MESSAGES, "") == NULL || strcmp(setlocale(LC_MESSAGES, NULL), "C") == 0) {
            setlocale(LC_MESSAGES, "C.UTF-8");
        }
        setenv("LANGUAGE", "en", 1);
        bind_catalogue();
    }
    if (setlocale(LC_CTYPE, "") == NULL) {
        setlocale(LC_CTYPE, "C.UTF-8");
    }
    return current_lang;
}

const char *util_i18n_lang(void)
{
    return current_lang;
}

const char *util_gettext(const char *msgid)
{
    if (current_lang[0] == 'f') {
        return msgid;
    }
    return dgettext(TEXT_DOMAIN, msgid);
}
