/*
 * misc.c — process measurements used by reports and benchmarks.
 */
#include "util.h"

#include <string.h>
#include <time.h>

long util_peak_rss_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL) {
        return 0;
    }
    char line[256];
    long kib = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            char *p = line + 6;
            while (*p == ' ' || *p == '\t') {
                p++;
            }
            int64_t v = 0;
            size_t n = strspn(p, "0123456789");
            if (util_parse_int64(p, n, &v)) {
                kib = (long)v;
            }
            break;
        }
    }
    fclose(f);
    return kib;
}

double util_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
