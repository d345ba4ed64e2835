/*
 * http.h — the face of the http module: a small HTTP server on
 * libmicrohttpd (a pool of threads, each handling its own connections), with
 * what every route needs and none should write twice:
 *
 *  - limits: URL length, header memory, no request bodies, connection counts
 *    and timeouts;
 *  - a rate limit on failed attempts per client address (a token bucket:
 *    `max_failures` in a burst, then one more every window/max_failures
 *    seconds; meanwhile the address gets 429 with Retry-After);
 *  - one worker context per server thread (made by worker_new in that thread,
 *    freed at stop), so that a handler can keep a store connection per thread;
 *  - an access log line per request, written by the server with the path the
 *    handler chose to show (routes carrying secrets leave them out), and a
 *    last scrub of anything that looks like a key.
 *
 * TLS is the reverse proxy's job (docs/internals/serve.md); behind a proxy,
 * `trusted_proxy` names its address so that X-Real-IP gives the client's.
 */
#ifndef RELAIS_HTTP_H
#define RELAIS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct http_server http_server;

/** What a handler sees of a request. Strings are valid during the call. */
typedef struct http_request {
    const char *method;
    const char *path;   /* decoded path, without the query string */
    const char *client; /* client address (from the proxy when trusted) */
    void *impl;
} http_request;

/** Query parameter `name` of the request, or NULL. */
const char *http_request_arg(const http_request *req, const char *name);
/** Header `name` of the request (case-insensitive), or NULL. */
const char *http_request_header(const http_request *req, const char *name);

#define HTTP_MAX_HEADERS 10

typedef struct http_response {
    int status;
    const char *content_type;
    char *body; /* util_malloc'd, owned by the server once returned; may be NULL */
    size_t body_len;
    struct {
        const char *name;
        char value[64];
    } headers[HTTP_MAX_HEADERS];
    size_t n_headers;
    char log_path[160]; /* what the access log shows of the path ("" = nothing) */
    char log_note[128];
    bool auth_failure; /* a failed attempt: counts against the client's address */
    /*
     * Called once the response is sent or abandoned. `completed`: every byte
     * was written — or, with confirm_delivery, acknowledged by the client's
     * TCP stack (the server watches the socket's unacknowledged bytes, up to
     * two minutes, in its drain thread: on_done then runs in that thread, not
     * in the worker's).
     */
    void (*on_done)(void *worker, void *done_arg, bool completed);
    void *done_arg;
    bool confirm_delivery;
} http_response;

/** Fill resp (status and content at least). A handler never fails: errors are statuses. */
typedef void (*http_handler)(http_response *resp, void *worker, const http_request *req,
                             void *payload);

typedef struct http_options {
    const char *listen;         /* "127.0.0.1:8080", "[::1]:0", ":8080" */
    unsigned threads;           /* worker threads (default 4) */
    size_t max_url;             /* longest path + query accepted (default 1024) → 414 */
    size_t memory_limit;        /* per connection, bounds headers (default 16 KiB) */
    unsigned max_connections;   /* default 1024 */
    unsigned max_per_ip;        /* default 64 */
    unsigned timeout_s;         /* idle connection timeout (default 30) */
    unsigned max_failures;      /* failed attempts in a burst per address (default 10) */
    unsigned failure_window_s;  /* refill of the whole burst (default 60) */
    const char *trusted_proxy;  /* address of the reverse proxy, or NULL */
    FILE *log;                  /* access and error log (NULL: none) */
    bool access_log;            /* one line per request */
    http_handler handler;
    void *payload;
    int (*worker_new)(void **worker, void *payload);
    void (*worker_free)(void *worker);
} http_options;

#define HTTP_OPTIONS_INIT {NULL, 4, 1024, 16 * 1024, 1024, 64, 30, 10, 60, NULL, NULL, true, \
                           NULL, NULL, NULL, NULL}

/** Bind, listen and start the threads. */
int http_server_start(http_server **out, const http_options *o);
/** The port actually bound (useful with port 0). */
int http_server_port(const http_server *srv);
/** Stop accepting, finish the requests in progress, free every worker. Accepts NULL. */
void http_server_stop(http_server *srv);

/** Replace every run of 16 or more hexadecimal characters by "…" (in place). */
void http_scrub_secrets(char *s);

#endif
