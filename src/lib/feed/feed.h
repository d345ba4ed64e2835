/*
 * feed.h — the face of the feed module: the partner feed of an organisation
 * (`GET {base}/SYNCH/{UAI1_UAI2…}/{key}`), independent of HTTP.
 *
 * Two levels:
 *  - feed_pull: the protocol on one store — the next batch for one partner
 *    (a key) and one set of establishments, with cursors, acknowledgements,
 *    the full picture first, XML or JSON. Tests drive it directly.
 *  - feed_service / feed_worker / feed_handle: a request (method, path,
 *    query, Accept) to a response (status, headers, body), with routing,
 *    authentication (org.h), one pull at a time per partner feed, and the
 *    record of every pull. The HTTP module carries it; each server thread has
 *    its own feed_worker (its own store connection: SQLite connections are not
 *    shared between threads).
 *
 * The format is documented in docs/formats/feed.md, the protocol in
 * docs/internals/serve.md.
 */
#ifndef RELAIS_FEED_H
#define RELAIS_FEED_H

#include <relais/store.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "org/org.h"
#include "util/util.h"

#define FEED_FORMAT_VERSION 1
#define FEED_DEFAULT_BATCH 1000
#define FEED_MAX_BATCH 100000

/* ----------------------------------------------------------- categories */

/** Is kind `k` sent at all with these categories (xref never is)? */
bool feed_kind_sent(relais_kind k, unsigned categories);
/** Is field `f` of kind `k` sent with these categories? */
bool feed_field_sent(relais_kind k, size_t f, unsigned categories);

/* ------------------------------------------------------------ protocol */

/** One feed: a partner (key) and a set of establishments, for the hub's current year. */
typedef struct feed_target {
    char uais[ORG_MAX_UAIS][9]; /* sorted */
    size_t n;
    char joined[ORG_MAX_UAIS * 9 + 1]; /* "UAI1_UAI2" */
    int year;
    int64_t org_id;
    int64_t key_id;
    unsigned categories;
    bool up_to_date_body;                   /* the organisation wants 200 + status */
    int64_t scope_ids[ORG_MAX_UAIS];        /* 0: no data for that year yet */
    const char *names[ORG_MAX_UAIS];        /* establishment names (may be NULL) */
    bool billing[ORG_MAX_UAIS];
} feed_target;

/**
 * Fill a target from an authentication (org.h) and the hub: current year,
 * scopes, categories. Strings live in arena.
 */
int feed_target_resolve(feed_target *t, relais_store *s, util_arena *arena, const org_auth *auth,
                        char uais[][9], size_t n);

typedef enum feed_format { FEED_XML, FEED_JSON } feed_format;

typedef struct feed_pull_opts {
    feed_format format;
    size_t batch_size;    /* items per batch (FEED_DEFAULT_BATCH when 0) */
    bool has_ack;         /* explicit acknowledgement given (?ack=N) */
    int64_t ack;          /* the last batch the partner applied */
    bool up_to_date_body; /* answer "up to date" with 200 and a body instead of 204 */
    bool fast_only;       /* only the read-only check: status 0 when a write is needed */
    int poll_minutes;     /* advised interval when known (cached by the caller); 0: count */
} feed_pull_opts;

typedef struct feed_result {
    int status;          /* 200 (batch, or up to date with a body) or 204 */
    bool up_to_date;
    int64_t cursor_id;
    int64_t batch;       /* batch number (the last one handed out when up to date) */
    int64_t delivery;    /* times this batch was sent (1 the first time) */
    bool full;           /* the batch belongs to the full picture */
    bool more;           /* the batch was cut at the size limit: call again */
    size_t n_items;
    int poll_minutes;    /* advised polling interval */
    util_buf body;       /* XML or JSON; empty for 204 */
} feed_result;

/**
 * The next answer for this feed: acknowledge the pending batch when the
 * request does (explicitly with ack, or implicitly when the batch was sent
 * completely — feed_delivered), then hand out the next batch; or send the
 * pending one again; or say "up to date". Reads and writes happen in
 * transactions of their own. RELAIS_EINVALID for an acknowledgement of a batch
 * that was never handed out.
 */
int feed_pull(feed_result *out, relais_store *s, const feed_target *t, const feed_pull_opts *o);
void feed_result_free(feed_result *r);

/** Note that delivery n° `delivery` of batch `batch` was sent completely (implicit ack). */
int feed_delivered(relais_store *s, int64_t cursor_id, int64_t batch, int64_t delivery);

/** Append XML-escaped text (characters XML 1.0 forbids and bad UTF-8 become U+FFFD). */
void feed_xml_escape(util_buf *b, const char *s, size_t len);

/** The advised polling interval in minutes for a number of students (60, 30 or 15). */
int feed_poll_minutes(size_t n_students);
/** Active students of the target's establishments (for the polling interval). */
int feed_count_students(size_t *n, relais_store *s, const feed_target *t);

/* ------------------------------------------------------------- service */

typedef struct feed_service_config {
    const char *db_path;
    const char *base;      /* "/SAPO_API": no trailing slash */
    size_t batch_size;
    unsigned wait_ms;      /* how long a pull waits for another pull of the same feed */
    unsigned flush_ms;     /* pulls are written to the hub at least this often */
} feed_service_config;

typedef struct feed_service feed_service;
typedef struct feed_worker feed_worker;

/** Start the service: the pull recorder runs in a thread with its own store connection. */
int feed_service_new(feed_service **out, const feed_service_config *cfg);
/** Stop: write the pulls not yet recorded, then free. Workers must be freed before. */
void feed_service_free(feed_service *svc);

/** A worker: its own store connection. Create and use it in one thread. */
int feed_worker_new(feed_worker **out, feed_service *svc);
void feed_worker_free(feed_worker *w);

typedef struct feed_request {
    const char *method;
    const char *path;     /* without the query string */
    const char *ack;      /* query parameter "ack", or NULL */
    const char *format;   /* query parameter "format" ("xml", "json"), or NULL */
    const char *uptodate; /* query parameter "uptodate" ("200", "204"), or NULL */
    const char *accept;   /* Accept header, or NULL */
} feed_request;

#define FEED_MAX_HEADERS 8

typedef struct feed_response {
    int status;
    const char *content_type;
    util_buf body;
    struct {
        const char *name;
        char value[64];
    } headers[FEED_MAX_HEADERS];
    size_t n_headers;
    char log_path[128]; /* the path with the key left out */
    char log_note[96];  /* "org=3 batch=4 items=1000" */
    bool auth_failure;  /* counts against the client's address */
    /* Completion (internal): set when the answer is a batch to acknowledge. */
    bool track;
    bool holds_slot;
    char slot[96];
    int64_t cursor_id, batch, delivery;
} feed_response;

/** Handle one request; the response is always filled (errors become statuses). */
void feed_handle(feed_response *resp, feed_worker *w, const feed_request *req);
/**
 * After the response was sent (completed: the client has every byte) or
 * abandoned: has the delivery noted for implicit acknowledgement, then lets the
 * next pull of the same feed proceed. Call exactly once per handled request,
 * from any thread (it does not use the worker's store: the service's recorder
 * thread writes the delivery, then frees the feed's slot).
 */
void feed_response_done(feed_worker *w, feed_response *resp, bool completed);
void feed_response_free(feed_response *resp);

#endif
