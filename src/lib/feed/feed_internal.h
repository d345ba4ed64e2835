/*
 * feed_internal.h — what the files of the feed module share: the renderer of
 * batches (XML or JSON) used by pull.c. Private to the module; its face is
 * feed.h.
 */
#ifndef RELAIS_FEED_INTERNAL_H
#define RELAIS_FEED_INTERNAL_H

#include "feed/feed.h"

/* Renders items into a buffer; the document around them is written at the end. */
typedef struct feed_render {
    feed_format format;
    util_buf items;
    size_t n_items;
    bool in_item;
    bool has_fields;
} feed_render;

/* Start an item: op "full", "create", "update", "deactivate" or "restore". seq 0: none. */
void render_item_begin(feed_render *r, const char *op, const char *kind, int64_t id,
                       const char *uai, int64_t seq, const char *date);
/* One field: text (NULL = absent), or a reference (is_ref, ref 0 = absent). */
void render_field(feed_render *r, const char *name, const char *text, bool is_ref, int64_t ref);
void render_item_end(feed_render *r, const char *kind);

/* What the document says about itself. */
typedef struct feed_doc {
    bool up_to_date;
    int64_t batch;
    bool full;
    bool more;
    int poll_minutes;
} feed_doc;

/* Write the whole document (header, establishments, items, end) into out. */
int render_document(util_buf *out, feed_render *r, const feed_target *t, const feed_doc *d);
void render_free(feed_render *r);

#endif
