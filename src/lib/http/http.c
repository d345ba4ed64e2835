/*
 * http.c — the HTTP server of relais on libmicrohttpd (http.h).
 *
 * libmicrohttpd runs a pool of threads; each accepts and serves its own
 * connections, so a handler runs in one of a fixed set of threads and keeps
 * its per-thread context (a store connection) in a thread-local pointer, made
 * on first use. Per request, the state (response kept until completion,
 * timings) hangs on libmicrohttpd's request pointer and is finished in the
 * completion callback, which tells whether every byte was sent — the feed
 * needs that for implicit acknowledgements.
 */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/util.h"

/* ------------------------------------------------------------ rate limit */

#define LIMIT_SLOTS 4096

typedef struct limit_entry {
    char addr[48]; /* "" = free */
    double tokens;
    double last;
} limit_entry;

typedef struct limiter {
    pthread_mutex_t mu;
    limit_entry *slots;
    size_t used;
    double capacity;
    double refill; /* tokens per second */
} limiter;

static limit_entry *limit_find(limiter *l, const char *addr, bool create, double now)
{
    uint64_t h = util_hash(addr, strlen(addr));
    limit_entry *victim = NULL;
    for (size_t i = 0; i < 32; i++) {
        limit_entry *e = &l->slots[(h + i) % LIMIT_SLOTS];
        if (e->addr[0] && strcmp(e->addr, addr) == 0) {
            return e;
        }
        /* A free slot, or one whose bucket refilled completely, can be (re)used. */
        if (victim == NULL &&
            (e->addr[0] == '\0' || e->tokens + (now - e->last) * l->refill >= l->capacity)) {
            victim = e;
        }
    }
    if (!create) {
        return NULL;
    }
    if (victim == NULL) {
        victim = &l->slots[h % LIMIT_SLOTS]; /* table under attack: forget the oldest here */
    }
    snprintf(victim->addr, sizeof victim->addr, "%s", addr);
    victim->tokens = l->capacity;
    victim->last = now;
    return victim;
}

static void limit_refill(limiter *l, limit_entry *e, double now)
{
    e->tokens = UTIL_MIN(l->capacity, e->tokens + (now - e->last) * l->refill);
    e->last = now;
}

/* Seconds the address must wait (0: it may proceed). */
static unsigned limit_wait(limiter *l, const char *addr)
{
    double now = util_monotonic();
    unsigned wait = 0;
    pthread_mutex_lock(&l->mu);
    limit_entry *e = limit_find(l, addr, false, now);
    if (e) {
        limit_refill(l, e, now);
        if (e->tokens < 1.0) {
            wait = (unsigned)ceil((1.0 - e->tokens) / l->refill);
            wait = wait ? wait : 1;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return wait;
}

static void limit_fail(limiter *l, const char *addr)
{
    double now = util_monotonic();
    pthread_mutex_lock(&l->mu);
    limit_entry *e = limit_find(l, addr, true, now);
    limit_refill(l, e, now);
    e->tokens = UTIL_MAX(0.0, e->tokens - 1.0);
    pthread_mutex_unlock(&l->mu);
}

/* ---------------------------------------------------------------- server */

typedef struct worker_node {
    void *worker;
    struct worker_node *next;
} worker_node;

/* A response waiting for the client's TCP stack to acknowledge its last byte. */
typedef struct drain_job {
    int fd; /* a duplicate of the connection's socket */
    double deadline;
    void (*on_done)(void *worker, void *done_arg, bool completed);
    void *worker;
    void *done_arg;
    struct drain_job *next;
} drain_job;

#define DRAIN_TIMEOUT_S 120.0
#define DRAIN_POLL_NS 2000000L /* 2 ms */

struct http_server {
    http_options o;
    struct MHD_Daemon *daemon;
    int fd;
    int port;
    limiter lim;
    pthread_mutex_t mu;
    worker_node *workers;
    pthread_mutex_t log_mu;
    /* drain thread */
    pthread_mutex_t drain_mu;
    pthread_cond_t drain_cv;
    drain_job *drain;
    bool drain_stop;
    bool has_drain_thread;
    pthread_t drain_thread;
};

typedef struct req_state {
    http_response resp;
    bool handled;
    bool pending_413;
    double t0;
    char client[48];
    char method[12];
    void *worker;
    size_t sent;
} req_state;

static _Thread_local http_server *tl_server;
static _Thread_local void *tl_worker;

void http_scrub_secrets(char *s)
{
    char *w = s;
    for (char *p = s; *p;) {
        size_t n = 0;
        while (p[n] && ((p[n] >= '0' && p[n] <= '9') || (p[n] >= 'a' && p[n] <= 'f') ||
                        (p[n] >= 'A' && p[n] <= 'F'))) {
            n++;
        }
        if (n >= 16) {
            memcpy(w, "…", strlen("…")); /* 3 bytes, never longer than the run */
            w += strlen("…");
            p += n;
        } else if (n > 0) {
            memmove(w, p, n);
            w += n;
            p += n;
        } else {
            *w++ = *p++;
        }
    }
    *w = '\0';
}

static void log_line(http_server *srv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_line(http_server *srv, const char *fmt, ...)
{
    if (srv->o.log == NULL) {
        return;
    }
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    http_scrub_secrets(line);
    char now[21];
    util_now_iso(now);
    pthread_mutex_lock(&srv->log_mu);
    fprintf(srv->o.log, "%s %s\n", now, line);
    fflush(srv->o.log);
    pthread_mutex_unlock(&srv->log_mu);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
    http_server *srv = cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t len = strlen(msg);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r')) {
        msg[--len] = '\0';
    }
    log_line(srv, "microhttpd: %s", msg);
}

/* The worker of the calling thread, made on its first request. */
static int worker_for_thread(void **out, http_server *srv)
{
    if (tl_server == srv) {
        *out = tl_worker;
        return 0;
    }
    void *w = NULL;
    if (srv->o.worker_new && srv->o.worker_new(&w, srv->o.payload) < 0) {
        log_line(srv, "%s : %s", _("ouverture du contexte de travail impossible"),
                 relais_error_last());
        return -1;
    }
    worker_node *node = util_malloc(sizeof *node);
    if (node == NULL) {
        if (srv->o.worker_free) {
            srv->o.worker_free(w);
        }
        return -1;
    }
    node->worker = w;
    pthread_mutex_lock(&srv->mu);
    node->next = srv->workers;
    srv->workers = node;
    pthread_mutex_unlock(&srv->mu);
    tl_server = srv;
    tl_worker = w;
    *out = w;
    return 0;
}

static void client_address(http_server *srv, struct MHD_Connection *c, char out[48])
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) {
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 48);
        } else if (sa->sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                      48);
        }
    }
    if (srv->o.trusted_proxy && strcmp(out, srv->o.trusted_proxy) == 0) {
        const char *real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
        unsigned char buf[16];
        if (real && (inet_pton(AF_INET, real, buf) == 1 || inet_pton(AF_INET6, real, buf) == 1)) {
            snprintf(out, 48, "%s", real);
        }
    }
}

const char *http_request_arg(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->impl, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_header(const http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->impl, MHD_HEADER_KIND, name);
}

static enum MHD_Result queue(struct MHD_Connection *c, req_state *st)
{
    http_response *r = &st->resp;
    struct MHD_Response *mr;
    if (r->body && r->body_len > 0) {
        mr = MHD_create_response_from_buffer_with_free_callback(r->body_len, r->body, util_free);
    } else {
        util_free(r->body);
        mr = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    r->body = NULL; /* libmicrohttpd owns it now (or it was freed) */
    if (mr == NULL) {
        return MHD_NO;
    }
    st->sent = r->body_len;
    if (r->content_type && r->status != 204) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    }
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff");
    for (size_t i = 0; i < r->n_headers; i++) {
        MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value);
    }
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

static void plain(http_response *r, int status, const char *text)
{
    r->status = status;
    r->content_type = "text/plain; charset=utf-8";
    r->body = util_strdup(text);
    r->body_len = r->body ? strlen(r->body) : 0;
}

static void add_header(http_response *r, const char *name, unsigned value)
{
    if (r->n_headers < HTTP_MAX_HEADERS) {
        r->headers[r->n_headers].name = name;
        snprintf(r->headers[r->n_headers].value, sizeof r->headers[0].value, "%u", value);
        r->n_headers++;
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)version;
    (void)upload_data;
    http_server *srv = cls;
    req_state *st = *req_cls;
    if (st == NULL) {
        st = util_calloc(1, sizeof *st);
        if (st == NULL) {
            return MHD_NO;
        }
        st->t0 = util_monotonic();
        snprintf(st->method, sizeof st->method, "%s", method);
        client_address(srv, c, st->client);
        *req_cls = st;
        /* Refuse a body before it is read. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_TRANSFER_ENCODING);
        if ((cl && strcmp(cl, "0") != 0) || te) {
            plain(&st->resp, 413, _("corps de requête refusé"));
            st->handled = true;
            snprintf(st->resp.log_path, sizeof st->resp.log_path, "…");
            return queue(c, st);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0; /* a body without Content-Length: refused at the end */
        if (!st->handled) {
            plain(&st->resp, 413, _("corps de requête refusé"));
            snprintf(st->resp.log_path, sizeof st->resp.log_path, "…");
            st->handled = true;
            st->pending_413 = true;
        }
        return MHD_YES;
    }
    if (st->pending_413) {
        st->pending_413 = false;
        return queue(c, st);
    }
    if (st->handled) {
        return MHD_YES;
    }
    st->handled = true;
    http_response *r = &st->resp;
    unsigned wait = limit_wait(&srv->lim, st->client);
    if (wait > 0) {
        plain(r, 429, _("trop de tentatives échouées depuis cette adresse : réessayez plus tard"));
        add_header(r, "Retry-After", wait);
        snprintf(r->log_path, sizeof r->log_path, "…");
        return queue(c, st);
    }
    if (strlen(url) > srv->o.max_url) {
        plain(r, 414, _("URL trop longue"));
        r->auth_failure = true;
        snprintf(r->log_path, sizeof r->log_path, "…");
    } else if (worker_for_thread(&st->worker, srv) < 0) {
        plain(r, 503, _("service momentanément indisponible"));
    } else {
        http_request req = {.method = method, .path = url, .client = st->client, .impl = c};
        srv->o.handler(r, st->worker, &req, srv->o.payload);
    }
    if (r->auth_failure) {
        limit_fail(&srv->lim, st->client);
    }
    enum MHD_Result ret = queue(c, st);
    if (ret != MHD_YES && r->on_done) {
        r->on_done(st->worker, r->done_arg, false);
        r->on_done = NULL;
    }
    return ret;
}

/*
 * Has the peer acknowledged every byte written to this socket? 1 yes, 0 not
 * yet, -1 never will. An error (reset, timeout) is in SO_ERROR until read, and
 * it is read at every look. A socket that reached TIME_WAIT or finished
 * LAST_ACK shows TCP_CLOSE with no error: both mean our FIN, hence every byte
 * before it, was acknowledged.
 */
static int drain_state(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        return -1;
    }
    struct tcp_info ti;
    len = sizeof ti;
    int outq = 0;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0 ||
        ioctl(fd, SIOCOUTQ, &outq) != 0) {
        return -1;
    }
    if (ti.tcpi_state == TCP_CLOSE) {
        return outq == 0 ? 1 : -1;
    }
    return outq == 0 ? 1 : 0;
}

static void *drain_main(void *arg)
{
    http_server *srv = arg;
    pthread_mutex_lock(&srv->drain_mu);
    for (;;) {
        while (srv->drain == NULL && !srv->drain_stop) {
            pthread_cond_wait(&srv->drain_cv, &srv->drain_mu);
        }
        if (srv->drain == NULL && srv->drain_stop) {
            break;
        }
        /* Take the list, look at every job without the lock, put back the waiting ones. */
        drain_job *jobs = srv->drain;
        srv->drain = NULL;
        bool stopping = srv->drain_stop;
        pthread_mutex_unlock(&srv->drain_mu);
        drain_job *waiting = NULL;
        double now = util_monotonic();
        while (jobs) {
            drain_job *j = jobs;
            jobs = j->next;
            int state = drain_state(j->fd);
            if (state == 0 && !stopping && now < j->deadline) {
                j->next = waiting;
                waiting = j;
                continue;
            }
            close(j->fd);
            j->on_done(j->worker, j->done_arg, state == 1);
            util_free(j);
        }
        pthread_mutex_lock(&srv->drain_mu);
        if (waiting) {
            drain_job *last = waiting;
            while (last->next) {
                last = last->next;
            }
            last->next = srv->drain;
            srv->drain = waiting;
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += DRAIN_POLL_NS;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&srv->drain_cv, &srv->drain_mu, &ts);
        }
    }
    pthread_mutex_unlock(&srv->drain_mu);
    return NULL;
}

/* Hand a completed response to the drain thread; false when it cannot (caller decides now). */
static bool drain_later(http_server *srv, struct MHD_Connection *c, req_state *st)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL || !srv->has_drain_thread) {
        return false;
    }
    drain_job *j = util_calloc(1, sizeof *j);
    if (j == NULL) {
        return false;
    }
    j->fd = fcntl(ci->connect_fd, F_DUPFD_CLOEXEC, 0);
    if (j->fd < 0) {
        util_free(j);
        return false;
    }
    j->deadline = util_monotonic() + DRAIN_TIMEOUT_S;
    j->on_done = st->resp.on_done;
    j->worker = st->worker;
    j->done_arg = st->resp.done_arg;
    pthread_mutex_lock(&srv->drain_mu);
    j->next = srv->drain;
    srv->drain = j;
    pthread_cond_signal(&srv->drain_cv);
    pthread_mutex_unlock(&srv->drain_mu);
    return true;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    http_server *srv = cls;
    req_state *st = *req_cls;
    if (st == NULL) {
        return;
    }
    *req_cls = NULL;
    http_response *r = &st->resp;
    bool completed = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    if (r->on_done && !(completed && r->confirm_delivery && drain_later(srv, c, st))) {
        r->on_done(st->worker, r->done_arg, completed);
    }
    if (srv->o.access_log && st->handled) {
        log_line(srv, "%s %s %s %d %zu %.1fms%s%s%s", st->client, st->method,
                 r->log_path[0] ? r->log_path : "…", r->status, st->sent,
                 (util_monotonic() - st->t0) * 1000.0, completed ? "" : " aborted",
                 r->log_note[0] ? " " : "", r->log_note);
    }
    util_free(r->body);
    util_free(st);
}

/* "host:port", "[v6]:port" or ":port" → a listening socket. */
static int listen_on(int *fd_out, int *port_out, const char *listen_spec)
{
    char host[256];
    const char *port;
    const char *colon = strrchr(listen_spec, ':');
    if (colon == NULL) {
        relais_error_set(_("adresse d'écoute invalide : « %s » (ADRESSE:PORT attendu)"),
                         listen_spec);
        return RELAIS_EINVALID;
    }
    size_t hlen = (size_t)(colon - listen_spec);
    const char *h = listen_spec;
    if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen >= sizeof host) {
        relais_error_set(_("adresse d'écoute invalide : « %s »"), listen_spec);
        return RELAIS_EINVALID;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    port = colon + 1;
    int64_t pnum;
    if (!util_parse_int64(port, strlen(port), &pnum) || pnum < 0 || pnum > 65535) {
        relais_error_set(_("port invalide : « %s »"), port);
        return RELAIS_EINVALID;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(hlen ? host : NULL, port, &hints, &ai);
    if (gai != 0) {
        relais_error_set(_("adresse d'écoute invalide : « %s » (%s)"), listen_spec,
                         gai_strerror(gai));
        return RELAIS_EINVALID;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        relais_error_set(_("impossible d'écouter sur %s : %s"), listen_spec, strerror(err));
        return RELAIS_EIO;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        relais_error_set(_("impossible d'écouter sur %s : %s"), listen_spec, strerror(errno));
        close(fd);
        return RELAIS_EIO;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int p = -1;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
        p = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    }
    *fd_out = fd;
    *port_out = p;
    return 0;
}

int http_server_start(http_server **out, const http_options *o)
{
    *out = NULL;
    http_server *srv = util_calloc(1, sizeof *srv);
    if (srv == NULL) {
        return RELAIS_ENOMEM;
    }
    srv->o = *o;
    srv->fd = -1;
    if (srv->o.threads == 0) {
        srv->o.threads = 4;
    }
    if (srv->o.max_failures == 0) {
        srv->o.max_failures = 10;
    }
    if (srv->o.failure_window_s == 0) {
        srv->o.failure_window_s = 60;
    }
    pthread_mutex_init(&srv->mu, NULL);
    pthread_mutex_init(&srv->log_mu, NULL);
    pthread_mutex_init(&srv->lim.mu, NULL);
    pthread_mutex_init(&srv->drain_mu, NULL);
    pthread_cond_init(&srv->drain_cv, NULL);
    srv->lim.capacity = srv->o.max_failures;
    srv->lim.refill = (double)srv->o.max_failures / srv->o.failure_window_s;
    srv->lim.slots = util_calloc(LIMIT_SLOTS, sizeof *srv->lim.slots);
    int rc = srv->lim.slots ? 0 : RELAIS_ENOMEM;
    if (rc == 0) {
        rc = listen_on(&srv->fd, &srv->port, o->listen ? o->listen : "127.0.0.1:8080");
    }
    if (rc == 0) {
        if (pthread_create(&srv->drain_thread, NULL, drain_main, srv) != 0) {
            relais_error_set("%s", _("le serveur HTTP n'a pas pu démarrer"));
            rc = RELAIS_EIO;
        } else {
            srv->has_drain_thread = true;
        }
    }
    if (rc == 0) {
        srv->daemon = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL,
            on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv,
            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)srv->fd,
            MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)srv->o.threads,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)srv->o.memory_limit,
            MHD_OPTION_CONNECTION_LIMIT, (unsigned int)srv->o.max_connections,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)srv->o.max_per_ip,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)srv->o.timeout_s,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_END);
        if (srv->daemon == NULL) {
            relais_error_set("%s", _("le serveur HTTP n'a pas pu démarrer"));
            rc = RELAIS_EIO;
        }
    }
    if (rc < 0) {
        http_server_stop(srv);
        return rc;
    }
    *out = srv;
    return 0;
}

int http_server_port(const http_server *srv)
{
    return srv->port;
}

void http_server_stop(http_server *srv)
{
    if (srv == NULL) {
        return;
    }
    if (srv->daemon) {
        MHD_stop_daemon(srv->daemon); /* joins the threads and closes the listening socket */
    } else if (srv->fd >= 0) {
        close(srv->fd);
    }
    if (srv->has_drain_thread) {
        /* Deliveries still unconfirmed are reported as not completed: sent again later. */
        pthread_mutex_lock(&srv->drain_mu);
        srv->drain_stop = true;
        pthread_cond_signal(&srv->drain_cv);
        pthread_mutex_unlock(&srv->drain_mu);
        pthread_join(srv->drain_thread, NULL);
    }
    for (worker_node *n = srv->workers; n;) {
        worker_node *next = n->next;
        if (srv->o.worker_free && n->worker) {
            srv->o.worker_free(n->worker);
        }
        util_free(n);
        n = next;
    }
    util_free(srv->lim.slots);
    pthread_mutex_destroy(&srv->lim.mu);
    pthread_mutex_destroy(&srv->mu);
    pthread_mutex_destroy(&srv->log_mu);
    pthread_mutex_destroy(&srv->drain_mu);
    pthread_cond_destroy(&srv->drain_cv);
    util_free(srv);
}
