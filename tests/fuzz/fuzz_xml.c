/*
 * fuzz_xml.c — libFuzzer entry point for the xml module (`make fuzz`).
 *
 * Any bytes go through the whole reading path: source (plain document or zip,
 * recognised by content), encoding stage, expat, record building; every record
 * is walked with the accessors. Limits are smaller than the defaults so that
 * each input stays fast, and the read buffer is the smallest (4 KiB) so that
 * texts and characters often straddle chunks. Invariant checked: a failure
 * always leaves a message.
 */
#include "util/util.h"
#include "xml/xml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const xml_node *n)
{
    size_t count = 1 + xml_node_text_len(n) + strlen(xml_node_name(n));
    for (size_t i = 0; i < xml_node_attr_count(n); i++) {
        const xml_attr *a = xml_node_attr_at(n, i);
        count += a->value_len;
        if (xml_node_attr(n, a->name) == NULL) {
            abort(); /* an attribute listed must be found by name */
        }
    }
    for (const xml_node *c = xml_node_first_child(n); c; c = xml_node_next_sibling(c)) {
        if (xml_node_parent(c) != n || xml_node_child(n, xml_node_name(c)) == NULL) {
            abort();
        }
        const xml_node *same = xml_node_next_named(c);
        if (same && strcmp(xml_node_name(same), xml_node_name(c)) != 0) {
            abort();
        }
        count += walk(c);
    }
    return count;
}

static int on_node(const xml_node *n, void *payload)
{
    size_t *total = payload;
    *total += walk(n);
    (void)xml_node_find(n, "PARAMETRES/UAJ");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    xml_options opts = XML_OPTIONS_INIT;
    opts.max_inflated_size = (uint64_t)8 << 20;
    opts.max_text_size = (size_t)64 << 10;
    opts.max_attr_size = (size_t)64 << 10;
    opts.max_record_size = (size_t)4 << 20;
    opts.buffer_size = 4096;
    opts.allow_doctype = size % 2 == 1; /* both ways, without spending input bytes */

    xml_reader *r = NULL;
    xml_source *src = NULL;
    size_t total = 0;
    if (xml_reader_new(&r, &opts) < 0) {
        return 0;
    }
    xml_reader_on_root(r, on_node, &total);
    xml_reader_on_record(r, "/*/PARAMETRES", on_node, &total);
    xml_reader_on_record(r, "/*/DONNEES/*/*", on_node, &total);
    xml_reader_on_record(r, "/*/*/*", on_node, &total);
    int rc = xml_source_open_memory(&src, "fuzz.xml", data, size, &opts);
    if (rc == 0) {
        rc = xml_reader_parse(r, src);
    }
    if (rc < 0 && relais_error_last()[0] == '\0') {
        abort(); /* every error explains itself */
    }
    xml_source_free(src);
    xml_reader_free(r);
    return 0;
}
