/*
 * date.c — calendar dates as relais uses them: strict parsing of SIECLE's
 * JJ/MM/AAAA and of ISO dates (31/02/2020 is an error, not 2 March), day
 * arithmetic, and an overridable "today" so that tests are reproducible.
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

bool util_date_valid(int year, int month, int day)
{
    static const int days_in[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) {
        return false;
    }
    int max = days_in[month - 1];
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && leap) {
        max = 29;
    }
    return day <= max;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

bool util_date_parse(const char *s, size_t len, util_date *out)
{
    s = util_trim(s, &len);
    util_date d;
    if (len == 10 && s[2] == '/' && s[5] == '/') {
        if (!digits(s, 2, &d.day) || !digits(s + 3, 2, &d.month) || !digits(s + 6, 4, &d.year)) {
            return false;
        }
    } else if (len == 10 && s[4] == '-' && s[7] == '-') {
        if (!digits(s, 4, &d.year) || !digits(s + 5, 2, &d.month) || !digits(s + 8, 2, &d.day)) {
            return false;
        }
    } else {
        return false;
    }
    if (!util_date_valid(d.year, d.month, d.day)) {
        return false;
    }
    *out = d;
    return true;
}

/* Write n decimal digits of v (0 <= v < 10^n). */
static void put_digits(char *out, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void util_date_iso(const util_date *d, char out[11])
{
    put_digits(out, (unsigned)d->year % 10000, 4);
    out[4] = '-';
    put_digits(out + 5, (unsigned)d->month % 100, 2);
    out[7] = '-';
    put_digits(out + 8, (unsigned)d->day % 100, 2);
    out[10] = '\0';
}

void util_date_fr(const util_date *d, char out[11])
{
    put_digits(out, (unsigned)d->day % 100, 2);
    out[2] = '/';
    put_digits(out + 3, (unsigned)d->month % 100, 2);
    out[5] = '/';
    put_digits(out + 6, (unsigned)d->year % 10000, 4);
    out[10] = '\0';
}

void util_iso_to_fr(const char *iso, char out[11])
{
    util_date d;
    if (iso && util_date_parse(iso, strlen(iso), &d)) {
        util_date_fr(&d, out);
    } else {
        snprintf(out, 11, "%s", iso ? iso : "");
    }
}

/* Days from civil, after Howard Hinnant's public-domain algorithm description. */
int64_t util_date_days(const util_date *d)
{
    int64_t y = d->year - (d->month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d->month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void util_date_from_days(int64_t z, util_date *out)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    out->year = (int)(y + (m <= 2));
    out->month = (int)m;
    out->day = (int)d;
}

void util_date_today(util_date *out)
{
    const char *fixed = getenv("RELAIS_TODAY");
    if (fixed && util_date_parse(fixed, strlen(fixed), out)) {
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    out->year = tm.tm_year + 1900;
    out->month = tm.tm_mon + 1;
    out->day = tm.tm_mday;
}

void util_now_iso(char out[21])
{
    const char *fixed = getenv("RELAIS_NOW");
    if (fixed && strlen(fixed) == 20) {
        memcpy(out, fixed, 21);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void util_timestamp_display(const char *iso, char out[32])
{
    struct tm tm = {0};
    const char *end = iso ? strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    if (end == NULL || *end != '\0') {
        snprintf(out, 32, "%s", iso ? iso : "");
        return;
    }
    time_t t = timegm(&tm);
    struct tm local;
    localtime_r(&t, &local);
    strftime(out, 32, "%d/%m/%Y %H:%M", &local);
}
