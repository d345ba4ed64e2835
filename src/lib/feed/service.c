/*
 * service.c — the feed as a service: a request (method, path, query, Accept)
 * becomes a response (status, headers, body), whatever carries it.
 *
 * Owns the routes under the base path, authentication through org.h (every
 * failure is the same bare 404), the "one pull at a time per feed" rule (a
 * slot per key × UAIs × year, held from building a batch until the server has
 * finished sending it, so that the next call of the same partner sees whether
 * it left completely), and the record of every pull: pulls are queued in
 * memory and written by one thread with its own connection, in one
 * transaction per second, so that polls stay read-only and fast. That thread
 * also notes deliveries. Its connection does not wait for the disk at commit:
 * a power cut may lose the last pull records and delivery notes — a lost
 * delivery note only means that the batch is sent again.
 */
#include "feed/feed.h"
#include "match/match.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX 100000 /* pulls waiting to be written; more are dropped */
#define PULL_BATCH 2048  /* pulls written per transaction */

typedef struct queued_pull {
    int64_t org_id, key_id;
    char uais[ORG_MAX_UAIS * 9 + 1];
    char at[21];
    int status;
    const char *phase; /* static string */
    int64_t batch, n;
} queued_pull;

/* A batch sent (or not): noted in the cursor by the recorder, then the feed's slot is freed. */
typedef struct delivery {
    int64_t cursor_id, batch, delivery;
    bool completed;
    bool holds_slot;
    char slot[96];
} delivery;

struct feed_service {
    char *db_path;
    char *base;
    size_t base_len;
    size_t batch_size;
    unsigned wait_ms, flush_ms;
    pthread_mutex_t mu;
    pthread_cond_t slot_cv;
    /* feeds being pulled now */
    char (*slots)[96];
    size_t n_slots, cap_slots;
    /* pull recorder, which also notes deliveries (implicit acknowledgements) */
    pthread_cond_t flush_cv;
    queued_pull *queue;
    size_t n_queue, cap_queue;
    delivery *deliveries;
    size_t n_deliveries, cap_deliveries;
    size_t dropped;
    bool stop;
    bool has_thread;
    pthread_t thread;
};

/*
 * Counting the students of an establishment reads every one of them; the
 * advised polling interval does not need to be exact to the second, so each
 * worker keeps the count of a feed for POLL_CACHE_S seconds.
 */
#define POLL_CACHE_S 60.0
#define POLL_CACHE_SLOTS 64

typedef struct poll_cache {
    char feed[ORG_MAX_UAIS * 9 + 16];
    int minutes;
    double at;
} poll_cache;

struct feed_worker {
    feed_service *svc;
    relais_store *s;
    util_arena *a;
    poll_cache poll[POLL_CACHE_SLOTS];
};

static int poll_minutes(feed_worker *w, const feed_target *t)
{
    char feed[sizeof w->poll[0].feed];
    snprintf(feed, sizeof feed, "%d:%s", t->year, t->joined);
    poll_cache *slot = &w->poll[util_hash(feed, strlen(feed)) % POLL_CACHE_SLOTS];
    double now = util_monotonic();
    if (strcmp(slot->feed, feed) == 0 && now - slot->at < POLL_CACHE_S) {
        return slot->minutes;
    }
    size_t n = 0;
    if (feed_count_students(&n, w->s, t) < 0) {
        return 0; /* feed_pull counts again and reports the error */
    }
    snprintf(slot->feed, sizeof slot->feed, "%s", feed);
    slot->minutes = feed_poll_minutes(n);
    slot->at = now;
    return slot->minutes;
}

/* ------------------------------------------------------------ recorder */

static void deadline_in(struct timespec *ts, unsigned ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Write a batch of pulls in one transaction (with the key and establishment dates). */
static int write_pulls(relais_store *s, const queued_pull *q, size_t n)
{
    int rc = relais_store_begin(s);
    for (size_t i = 0; i < n && rc == 0; i++) {
        relais_pull p = {
            .organisation_id = q[i].org_id,
            .key_id = q[i].key_id,
            .uais = q[i].uais,
            .at = q[i].at,
            .status = q[i].status,
            .phase = q[i].phase,
            .batch = q[i].batch,
            .n_changes = q[i].n,
        };
        rc = relais_store_pull_insert(s, &p);
        /* The latest pull of a burst is enough for "last used" and "last sync". */
        bool last_of_feed = true;
        for (size_t k = i + 1; k < n && last_of_feed; k++) {
            last_of_feed = q[k].key_id != q[i].key_id || strcmp(q[k].uais, q[i].uais) != 0;
        }
        if (rc == 0 && last_of_feed) {
            rc = relais_store_key_used(s, q[i].key_id, q[i].at);
        }
        if (rc == 0 && last_of_feed && (q[i].status == 200 || q[i].status == 204)) {
            const char *u = q[i].uais;
            while (rc == 0 && *u) {
                char one[9];
                memcpy(one, u, 8);
                one[8] = '\0';
                rc = relais_store_establishment_synced(s, one, q[i].at);
                u += u[8] == '_' ? 9 : 8;
            }
        }
    }
    if (rc == 0) {
        return relais_store_commit(s);
    }
    relais_store_rollback(s);
    return rc;
}

static void slot_release(feed_service *svc, const char *name);

/* Note the deliveries in the cursors (each its own short transaction), then free their slots. */
static void write_deliveries(feed_service *svc, relais_store *s, delivery *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s && d[i].completed) {
            /* A failure only means the batch is sent again: never lost. */
            (void)feed_delivered(s, d[i].cursor_id, d[i].batch, d[i].delivery);
        }
        if (d[i].holds_slot) {
            slot_release(svc, d[i].slot);
        }
    }
}

static void *recorder(void *arg)
{
    feed_service *svc = arg;
    relais_store *s = NULL;
    if (relais_store_open(&s, svc->db_path, RELAIS_STORE_NO_MIGRATE) < 0) {
        s = NULL; /* pulls are then dropped (counted); deliveries still free their slots */
    } else if (relais_store_relax_durability(s) < 0) {
        /* Still correct, only slower: every note waits for the disk. */
        relais_error_clear();
    }
    queued_pull *batch = NULL;
    size_t cap = 0;
    delivery *dels = NULL;
    size_t cap_dels = 0;
    double last_flush = util_monotonic();
    pthread_mutex_lock(&svc->mu);
    for (;;) {
        double wait_s = svc->flush_ms / 1000.0 - (util_monotonic() - last_flush);
        if (!svc->stop && svc->n_queue < 1024 && svc->n_deliveries == 0 && wait_s > 0) {
            struct timespec ts;
            deadline_in(&ts, (unsigned)(wait_s * 1000) + 1);
            pthread_cond_timedwait(&svc->flush_cv, &svc->mu, &ts);
        }
        /* Deliveries first: a partner may be waiting for its slot. */
        size_t nd = svc->n_deliveries;
        if (nd > cap_dels) {
            delivery *nl = util_realloc(dels, nd * sizeof *nl);
            if (nl) {
                dels = nl;
                cap_dels = nd;
            }
        }
        nd = UTIL_MIN(nd, cap_dels);
        if (nd > 0) {
            memcpy(dels, svc->deliveries, nd * sizeof *dels);
            memmove(svc->deliveries, svc->deliveries + nd,
                    (svc->n_deliveries - nd) * sizeof *dels);
            svc->n_deliveries -= nd;
        }
        size_t n = 0;
        bool due = svc->stop || svc->n_queue >= 1024 ||
                   util_monotonic() - last_flush >= svc->flush_ms / 1000.0;
        if (due) {
            /* At most PULL_BATCH per transaction: a backlog is written in several. */
            n = UTIL_MIN(svc->n_queue, (size_t)PULL_BATCH);
            if (n > cap) {
                queued_pull *nb = util_realloc(batch, n * sizeof *nb);
                if (nb) {
                    batch = nb;
                    cap = n;
                }
            }
            n = UTIL_MIN(n, cap); /* out of memory: write what fits, keep the rest */
            if (n > 0) {
                memcpy(batch, svc->queue, n * sizeof *batch);
                memmove(svc->queue, svc->queue + n, (svc->n_queue - n) * sizeof *batch);
                svc->n_queue -= n;
            }
        }
        bool stopping = svc->stop && svc->n_queue == 0 && svc->n_deliveries == 0;
        pthread_mutex_unlock(&svc->mu);
        write_deliveries(svc, s, dels, nd);
        if (due) {
            last_flush = util_monotonic();
            if (n > 0 && (s == NULL || write_pulls(s, batch, n) < 0)) {
                pthread_mutex_lock(&svc->mu);
                svc->dropped += n;
                pthread_mutex_unlock(&svc->mu);
            }
        }
        pthread_mutex_lock(&svc->mu);
        if (stopping) {
            break;
        }
    }
    pthread_mutex_unlock(&svc->mu);
    util_free(batch);
    util_free(dels);
    relais_store_close(s);
    return NULL;
}

static void record_pull(feed_service *svc, const feed_target *t, int status, const char *phase,
                        int64_t batch, int64_t n)
{
    queued_pull q = {.org_id = t->org_id, .key_id = t->key_id, .status = status,
                     .phase = phase, .batch = batch, .n = n};
    memcpy(q.uais, t->joined, sizeof q.uais);
    util_now_iso(q.at);
    pthread_mutex_lock(&svc->mu);
    if (svc->n_queue == svc->cap_queue && svc->cap_queue < QUEUE_MAX) {
        size_t cap = svc->cap_queue ? svc->cap_queue * 2 : 256;
        queued_pull *nq = util_realloc(svc->queue, cap * sizeof *nq);
        if (nq) {
            svc->queue = nq;
            svc->cap_queue = cap;
        }
    }
    if (svc->n_queue < svc->cap_queue) {
        svc->queue[svc->n_queue++] = q;
        if (svc->n_queue >= 1024) {
            pthread_cond_signal(&svc->flush_cv);
        }
    } else {
        svc->dropped++;
    }
    pthread_mutex_unlock(&svc->mu);
}

/* ------------------------------------------------------------- service */

int feed_service_new(feed_service **out, const feed_service_config *cfg)
{
    *out = NULL;
    feed_service *svc = util_calloc(1, sizeof *svc);
    if (svc == NULL) {
        return RELAIS_ENOMEM;
    }
    svc->db_path = util_strdup(cfg->db_path);
    svc->base = util_strdup(cfg->base ? cfg->base : "/SAPO_API");
    if (svc->db_path == NULL || svc->base == NULL) {
        util_free(svc->db_path);
        util_free(svc->base);
        util_free(svc);
        return RELAIS_ENOMEM;
    }
    svc->base_len = strlen(svc->base);
    while (svc->base_len > 0 && svc->base[svc->base_len - 1] == '/') {
        svc->base[--svc->base_len] = '\0';
    }
    svc->batch_size = cfg->batch_size ? cfg->batch_size : FEED_DEFAULT_BATCH;
    svc->wait_ms = cfg->wait_ms ? cfg->wait_ms : 10000;
    svc->flush_ms = cfg->flush_ms ? cfg->flush_ms : 1000;
    pthread_mutex_init(&svc->mu, NULL);
    pthread_cond_init(&svc->slot_cv, NULL);
    pthread_cond_init(&svc->flush_cv, NULL);
    if (pthread_create(&svc->thread, NULL, recorder, svc) != 0) {
        relais_error_set("%s", _("impossible de démarrer l'enregistrement des synchronisations"));
        feed_service_free(svc);
        return RELAIS_EIO;
    }
    svc->has_thread = true;
    *out = svc;
    return 0;
}

void feed_service_free(feed_service *svc)
{
    if (svc == NULL) {
        return;
    }
    if (svc->has_thread) {
        pthread_mutex_lock(&svc->mu);
        svc->stop = true;
        pthread_cond_signal(&svc->flush_cv);
        pthread_mutex_unlock(&svc->mu);
        pthread_join(svc->thread, NULL);
    }
    pthread_mutex_destroy(&svc->mu);
    pthread_cond_destroy(&svc->slot_cv);
    pthread_cond_destroy(&svc->flush_cv);
    util_free(svc->queue);
    util_free(svc->deliveries);
    util_free(svc->slots);
    util_free(svc->db_path);
    util_free(svc->base);
    util_free(svc);
}

int feed_worker_new(feed_worker **out, feed_service *svc)
{
    *out = NULL;
    feed_worker *w = util_calloc(1, sizeof *w);
    if (w == NULL) {
        return RELAIS_ENOMEM;
    }
    w->svc = svc;
    int rc = relais_store_open(&w->s, svc->db_path, RELAIS_STORE_NO_MIGRATE);
    if (rc == 0) {
        rc = util_arena_new(&w->a, 16 * 1024);
    }
    if (rc < 0) {
        feed_worker_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void feed_worker_free(feed_worker *w)
{
    if (w == NULL) {
        return;
    }
    relais_store_close(w->s);
    util_arena_free(w->a);
    util_free(w);
}

/* ---------------------------------------------------------------- slots */

static bool slot_acquire(feed_service *svc, const char *name)
{
    struct timespec ts;
    deadline_in(&ts, svc->wait_ms);
    pthread_mutex_lock(&svc->mu);
    bool ok = true;
    for (;;) {
        bool busy = false;
        for (size_t i = 0; i < svc->n_slots && !busy; i++) {
            busy = strcmp(svc->slots[i], name) == 0;
        }
        if (!busy) {
            break;
        }
        if (pthread_cond_timedwait(&svc->slot_cv, &svc->mu, &ts) == ETIMEDOUT) {
            ok = false;
            break;
        }
    }
    if (ok && svc->n_slots == svc->cap_slots) {
        size_t cap = svc->cap_slots ? svc->cap_slots * 2 : 16;
        char(*ns)[96] = util_realloc(svc->slots, cap * sizeof *ns);
        if (ns == NULL) {
            ok = false;
        } else {
            svc->slots = ns;
            svc->cap_slots = cap;
        }
    }
    if (ok) {
        snprintf(svc->slots[svc->n_slots++], sizeof svc->slots[0], "%s", name);
    }
    pthread_mutex_unlock(&svc->mu);
    return ok;
}

static void slot_release(feed_service *svc, const char *name)
{
    pthread_mutex_lock(&svc->mu);
    for (size_t i = 0; i < svc->n_slots; i++) {
        if (strcmp(svc->slots[i], name) == 0) {
            memmove(svc->slots[i], svc->slots[svc->n_slots - 1], sizeof svc->slots[0]);
            svc->n_slots--;
            break;
        }
    }
    pthread_cond_broadcast(&svc->slot_cv);
    pthread_mutex_unlock(&svc->mu);
}

/* ------------------------------------------------------------- responses */

static void add_header(feed_response *r, const char *name, const char *fmt, long long v)
{
    if (r->n_headers < FEED_MAX_HEADERS) {
        r->headers[r->n_headers].name = name;
        snprintf(r->headers[r->n_headers].value, sizeof r->headers[0].value, fmt, v);
        r->n_headers++;
    }
}

static void add_header_str(feed_response *r, const char *name, const char *value)
{
    if (r->n_headers < FEED_MAX_HEADERS) {
        r->headers[r->n_headers].name = name;
        snprintf(r->headers[r->n_headers].value, sizeof r->headers[0].value, "%s", value);
        r->n_headers++;
    }
}

static void text_answer(feed_response *r, int status, const char *message)
{
    r->status = status;
    r->content_type = "text/plain; charset=utf-8";
    util_buf_reset(&r->body);
    if (message) {
        util_buf_puts(&r->body, message);
        util_buf_putc(&r->body, '\n');
    }
}

/* A bare 404: nothing says whether the key, the UAIs or the path was wrong. */
static void not_found(feed_response *r)
{
    text_answer(r, 404, NULL);
    r->auth_failure = true;
}

static bool wants_json(const feed_request *req)
{
    if (req->format) {
        return strcmp(req->format, "json") == 0;
    }
    return req->accept && strstr(req->accept, "application/json") != NULL;
}

/* ---------------------------------------------------------------- routes */

typedef enum route { ROUTE_NONE, ROUTE_SYNCH, ROUTE_MATCH } route;

/*
 * "{base}/SYNCH/{uais}/{key}" or "{base}/RAPPROCHEMENT/{uais}/{key}" (one
 * trailing slash allowed). *uais and *key point into path.
 */
static route parse_route(const feed_service *svc, const char *path, const char **uais,
                         size_t *uais_len, const char **key, size_t *key_len)
{
    if (strncmp(path, svc->base, svc->base_len) != 0 || path[svc->base_len] != '/') {
        return ROUTE_NONE;
    }
    const char *p = path + svc->base_len + 1;
    route r;
    if (strncmp(p, "SYNCH/", 6) == 0) {
        r = ROUTE_SYNCH;
        p += 6;
    } else if (strncmp(p, "RAPPROCHEMENT/", 14) == 0) {
        r = ROUTE_MATCH;
        p += 14;
    } else {
        return ROUTE_NONE;
    }
    const char *slash = strchr(p, '/');
    if (slash == NULL || slash == p) {
        return ROUTE_NONE;
    }
    *uais = p;
    *uais_len = (size_t)(slash - p);
    *key = slash + 1;
    *key_len = strlen(*key);
    if (*key_len > 0 && (*key)[*key_len - 1] == '/') {
        (*key_len)--;
    }
    if (*key_len == 0 || memchr(*key, '/', *key_len) != NULL) {
        return ROUTE_NONE;
    }
    return r;
}

/* The path for the log: base and route, the UAIs when well-formed, never the key. */
static void log_path(feed_response *resp, const feed_service *svc, route r, const char *uais,
                     bool uais_ok)
{
    const char *name = r == ROUTE_SYNCH ? "SYNCH" : r == ROUTE_MATCH ? "RAPPROCHEMENT" : NULL;
    if (name == NULL) {
        snprintf(resp->log_path, sizeof resp->log_path, "%s/…", svc->base);
    } else {
        snprintf(resp->log_path, sizeof resp->log_path, "%s/%s/%s/…", svc->base, name,
                 uais_ok ? uais : "…");
    }
}

/*
 * The identity-matching file ("rapprochement d'identités") of the
 * organisation's partner application for the establishments of the URL: the
 * crosswalk relais match built, as the partner loads it to attach the hub's
 * identifiers to its records (docs/formats/rapprochement.md). XML by default,
 * CSV with ?format=csv or Accept: text/csv.
 */
static void serve_match(feed_response *resp, feed_worker *w, const feed_request *req,
                        const feed_target *t, const org_auth *auth)
{
    feed_service *svc = w->svc;
    bool csv = util_streq(req->format, "csv") ||
               (req->format == NULL && req->accept && strstr(req->accept, "text/csv"));
    const char *partner = auth->org->partner ? auth->org->partner : auth->org->name;
    const char *uais[ORG_MAX_UAIS];
    for (size_t i = 0; i < t->n; i++) {
        uais[i] = t->uais[i];
    }
    util_buf_reset(&resp->body);
    int rc = match_export_write(&resp->body, w->s, partner, t->year, uais, t->n,
                                csv ? MATCH_EXPORT_CSV : MATCH_EXPORT_XML);
    if (rc < 0) {
        text_answer(resp, 500, _("erreur interne du serveur"));
        snprintf(resp->log_note, sizeof resp->log_note, "error=%s", relais_error_name(rc));
        record_pull(svc, t, 500, "match", 0, 0);
        return;
    }
    resp->status = 200;
    resp->content_type = csv ? "text/csv; charset=utf-8" : "application/xml; charset=utf-8";
    /* The name partners know: "<UAI1_UAI2>_<AAAA>_<MM>_<JJ>_<hh>_<mm>.XML". */
    char now[21], disposition[64];
    util_now_iso(now);
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%.*s_%.4s_%.2s_%.2s_%.2s_%.2s.%s\"",
             (int)(t->n * 9 - 1), t->joined, now, now + 5, now + 8, now + 11, now + 14,
             csv ? "csv" : "XML");
    add_header_str(resp, "Content-Disposition", disposition);
    snprintf(resp->log_note, sizeof resp->log_note, "org=%lld match bytes=%zu",
             (long long)t->org_id, resp->body.len);
    record_pull(svc, t, 200, "match", 0, 0);
}

static void serve_synch(feed_response *resp, feed_worker *w, const feed_request *req,
                        const feed_target *t)
{
    feed_service *svc = w->svc;
    feed_pull_opts o = {
        .format = wants_json(req) ? FEED_JSON : FEED_XML,
        .batch_size = svc->batch_size,
        .up_to_date_body = t->up_to_date_body,
        .fast_only = true,
        .poll_minutes = poll_minutes(w, t),
    };
    if (req->uptodate) {
        o.up_to_date_body = strcmp(req->uptodate, "200") == 0;
    }
    if (req->ack) {
        if (!util_parse_int64(req->ack, strlen(req->ack), &o.ack) || o.ack < 0) {
            text_answer(resp, 400, _("paramètre ack invalide (numéro de lot attendu)"));
            record_pull(svc, t, 400, NULL, 0, 0);
            return;
        }
        o.has_ack = true;
    }
    feed_result res;
    int rc = feed_pull(&res, w->s, t, &o);
    if (rc == 0 && res.status == 0) {
        /* A batch to acknowledge or build: one pull at a time for this feed. */
        snprintf(resp->slot, sizeof resp->slot, "%lld:%s:%d", (long long)t->key_id, t->joined,
                 t->year);
        if (!slot_acquire(svc, resp->slot)) {
            text_answer(resp, 503, _("synchronisation déjà en cours pour ces établissements : "
                                     "réessayez dans un instant"));
            add_header(resp, "Retry-After", "%lld", 5);
            record_pull(svc, t, 503, NULL, 0, 0);
            return;
        }
        resp->holds_slot = true;
        o.fast_only = false;
        feed_result_free(&res);
        rc = feed_pull(&res, w->s, t, &o);
    }
    if (rc == RELAIS_EINVALID) {
        text_answer(resp, 400, relais_error_last());
        record_pull(svc, t, 400, NULL, 0, 0);
        return;
    }
    if (rc < 0) {
        text_answer(resp, 500, _("erreur interne du serveur"));
        snprintf(resp->log_note, sizeof resp->log_note, "error=%s", relais_error_name(rc));
        return;
    }
    resp->status = res.status;
    resp->body = res.body; /* moved */
    res.body = (util_buf)UTIL_BUF_INIT;
    resp->content_type = o.format == FEED_JSON ? "application/json; charset=utf-8"
                                               : "application/xml; charset=utf-8";
    add_header(resp, "X-Relais-Poll-Interval", "%lld", (long long)res.poll_minutes * 60);
    add_header(resp, "X-Relais-Batch", "%lld", (long long)res.batch);
    if (res.up_to_date) {
        add_header_str(resp, "X-Relais-Status", "up-to-date");
    } else {
        add_header_str(resp, "X-Relais-Status", "batch");
        add_header_str(resp, "X-Relais-Phase", res.full ? "full" : "changes");
        add_header(resp, "X-Relais-Items", "%lld", (long long)res.n_items);
        add_header(resp, "X-Relais-More", "%lld", res.more ? 1 : 0);
        resp->track = true;
        resp->cursor_id = res.cursor_id;
        resp->batch = res.batch;
        resp->delivery = res.delivery;
    }
    snprintf(resp->log_note, sizeof resp->log_note, "org=%lld batch=%lld items=%zu%s",
             (long long)t->org_id, (long long)res.batch, res.n_items,
             res.up_to_date ? " up-to-date" : res.delivery > 1 ? " resent" : "");
    record_pull(svc, t, res.status, res.up_to_date ? NULL : res.full ? "full" : "changes",
                res.batch, (int64_t)res.n_items);
    feed_result_free(&res);
}

void feed_handle(feed_response *resp, feed_worker *w, const feed_request *req)
{
    memset(resp, 0, sizeof *resp);
    feed_service *svc = w->svc;
    const char *uais_text = NULL, *key = NULL;
    size_t uais_len = 0, key_len = 0;
    route r = parse_route(svc, req->path, &uais_text, &uais_len, &key, &key_len);
    char uais_copy[64] = "";
    char uais[ORG_MAX_UAIS][9];
    size_t n = 0;
    bool uais_ok = false;
    if (r != ROUTE_NONE && uais_len < sizeof uais_copy) {
        memcpy(uais_copy, uais_text, uais_len);
        uais_copy[uais_len] = '\0';
        uais_ok = org_parse_uais(uais, &n, uais_copy, '_', ORG_MAX_UAIS) == 0;
    }
    log_path(resp, svc, r, uais_copy, uais_ok);
    if (r == ROUTE_NONE) {
        not_found(resp);
        return;
    }
    if (strcmp(req->method, "GET") != 0) {
        text_answer(resp, 405, _("seule la méthode GET est acceptée"));
        add_header_str(resp, "Allow", "GET");
        return;
    }
    if (!uais_ok) {
        text_answer(resp, 400, _("liste d'UAI invalide dans l'URL (UAI1_UAI2…, 7 chiffres et "
                                 "une lettre chacun, 6 au plus)"));
        resp->auth_failure = true;
        return;
    }
    util_arena_reset(w->a);
    org_auth auth;
    int rc = org_authenticate(&auth, w->s, w->a, uais, n, key, key_len);
    if (rc == RELAIS_ENOTFOUND) {
        not_found(resp);
        return;
    }
    feed_target t;
    if (rc == 0) {
        rc = feed_target_resolve(&t, w->s, w->a, &auth, uais, n);
    }
    if (rc < 0) {
        text_answer(resp, 500, _("erreur interne du serveur"));
        snprintf(resp->log_note, sizeof resp->log_note, "error=%s", relais_error_name(rc));
        return;
    }
    if ((int)n > auth.org->max_uais) {
        util_buf msg = UTIL_BUF_INIT;
        util_buf_printf(&msg, _("trop d'établissements dans l'URL : %d au plus pour cette "
                                "organisation"),
                        auth.org->max_uais);
        text_answer(resp, 400, util_buf_cstr(&msg));
        util_buf_free(&msg);
        record_pull(svc, &t, 400, NULL, 0, 0);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!auth.etabs[i]->sync_enabled) {
            util_buf msg = UTIL_BUF_INIT;
            util_buf_printf(&msg, _("synchronisation désactivée pour l'établissement %s"),
                            uais[i]);
            text_answer(resp, 403, util_buf_cstr(&msg));
            util_buf_free(&msg);
            record_pull(svc, &t, 403, NULL, 0, 0);
            return;
        }
    }
    snprintf(resp->log_note, sizeof resp->log_note, "org=%lld", (long long)t.org_id);
    if (r == ROUTE_MATCH) {
        serve_match(resp, w, req, &t, &auth);
        return;
    }
    serve_synch(resp, w, req, &t);
}

void feed_response_done(feed_worker *w, feed_response *resp, bool completed)
{
    feed_service *svc = w->svc;
    if (resp->track) {
        /*
         * Possibly called from the HTTP server's drain thread: the worker's
         * store is not ours to use here. The recorder thread notes the delivery,
         * then frees the slot, so the partner's next call sees it.
         */
        delivery d = {.cursor_id = resp->cursor_id, .batch = resp->batch,
                      .delivery = resp->delivery, .completed = completed,
                      .holds_slot = resp->holds_slot};
        memcpy(d.slot, resp->slot, sizeof d.slot);
        bool queued = false;
        pthread_mutex_lock(&svc->mu);
        if (svc->n_deliveries == svc->cap_deliveries) {
            size_t cap = svc->cap_deliveries ? svc->cap_deliveries * 2 : 16;
            delivery *nd = util_realloc(svc->deliveries, cap * sizeof *nd);
            if (nd) {
                svc->deliveries = nd;
                svc->cap_deliveries = cap;
            }
        }
        if (svc->n_deliveries < svc->cap_deliveries) {
            svc->deliveries[svc->n_deliveries++] = d;
            pthread_cond_signal(&svc->flush_cv);
            queued = true;
        }
        pthread_mutex_unlock(&svc->mu);
        if (queued) {
            resp->track = false;
            resp->holds_slot = false;
            return;
        }
        resp->track = false; /* out of memory: the batch will be sent again */
    }
    if (resp->holds_slot) {
        slot_release(svc, resp->slot);
        resp->holds_slot = false;
    }
}

void feed_response_free(feed_response *resp)
{
    util_buf_free(&resp->body);
}
