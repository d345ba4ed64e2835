/*
 * csv.c — writing CSV as spreadsheets and partner applications read it
 * (RFC 4180 quoting, CRLF line ends).
 */
#include "util.h"

#include <string.h>

void util_csv_field(util_buf *b, const char *value, char sep)
{
    if (value == NULL) {
        return;
    }
    size_t len = strlen(value);
    bool quote = len > 0 && (value[0] == ' ' || value[len - 1] == ' ');
    for (size_t i = 0; i < len && !quote; i++) {
        quote = value[i] == sep || value[i] == '"' || value[i] == '\n' || value[i] == '\r';
    }
    if (!quote) {
        util_buf_append(b, value, len);
        return;
    }
    util_buf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (value[i] == '"') {
            util_buf_putc(b, '"');
        }
        util_buf_putc(b, value[i]);
    }
    util_buf_putc(b, '"');
}

void util_csv_row(util_buf *b, const char *const *values, size_t n, char sep)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            util_buf_putc(b, sep);
        }
        util_csv_field(b, values[i], sep);
    }
    util_buf_puts(b, "\r\n");
}
