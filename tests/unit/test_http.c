/*
 * test_http.c — the HTTP server on 127.0.0.1:0 with a trivial handler, spoken
 * to over raw sockets: one worker per server thread, limits (URL length,
 * request bodies, header size), the rate limit on failed attempts, and the
 * scrubbing of secrets from log lines.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"
#include "util/util.h"

typedef struct counters {
    pthread_mutex_t mu;
    int workers_made, workers_freed, done_completed;
} counters;

static counters cnt = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};

static int worker_new(void **out, void *payload)
{
    (void)payload;
    pthread_mutex_lock(&cnt.mu);
    cnt.workers_made++;
    pthread_mutex_unlock(&cnt.mu);
    *out = util_strdup("worker");
    return *out ? 0 : RELAIS_ENOMEM;
}

static void worker_free(void *w)
{
    pthread_mutex_lock(&cnt.mu);
    cnt.workers_freed++;
    pthread_mutex_unlock(&cnt.mu);
    util_free(w);
}

static void on_done(void *worker, void *arg, bool completed)
{
    (void)arg;
    assert_string_equal(worker, "worker");
    pthread_mutex_lock(&cnt.mu);
    cnt.done_completed += completed;
    pthread_mutex_unlock(&cnt.mu);
}

/* "/ok" → 200 "bonjour"; anything else → 404 counted as a failed attempt. */
static void handler(http_response *r, void *worker, const http_request *req, void *payload)
{
    (void)payload;
    assert_string_equal(worker, "worker");
    snprintf(r->log_path, sizeof r->log_path, "%s", req->path);
    if (strcmp(req->path, "/ok") == 0) {
        r->status = 200;
        r->content_type = "text/plain";
        r->body = util_strdup("bonjour");
        r->body_len = 7;
        r->on_done = on_done;
        r->confirm_delivery = true; /* on_done from the drain thread, once acknowledged */
        const char *who = http_request_arg(req, "who");
        if (who) {
            r->headers[0].name = "X-Who";
            snprintf(r->headers[0].value, sizeof r->headers[0].value, "%s", who);
            r->n_headers = 1;
        }
    } else {
        r->status = 404;
        r->auth_failure = true;
    }
}

/* Send a raw request, return the status code (0 on failure); body into out if given. */
static int request(int port, const char *raw, char *out, size_t out_size)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    size_t len = strlen(raw), sent = 0;
    while (sent < len) {
        ssize_t n = send(fd, raw + sent, len - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            break;
        }
        sent += (size_t)n;
    }
    char buf[8192];
    size_t got = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
        if (got == sizeof buf - 1) {
            break;
        }
    }
    close(fd);
    buf[got] = '\0';
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
        return 0;
    }
    if (out) {
        snprintf(out, out_size, "%s", buf);
    }
    return status;
}

static void test_http__server(void **state)
{
    (void)state;
    char log_path[512];
    snprintf(log_path, sizeof log_path, "%s", test_path_join(test_tmpdir("http"), "access.log"));
    FILE *log = fopen(log_path, "w+");
    assert_non_null(log);
    http_options o = HTTP_OPTIONS_INIT;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.max_url = 64;
    o.max_failures = 3;
    o.failure_window_s = 3600;
    o.log = log;
    o.handler = handler;
    o.worker_new = worker_new;
    o.worker_free = worker_free;
    http_server *srv;
    assert_int_equal(http_server_start(&srv, &o), 0);
    int port = http_server_port(srv);
    assert_true(port > 0);
    char resp[8192];
    assert_int_equal(request(port, "GET /ok?who=moi HTTP/1.0\r\n\r\n", resp, sizeof resp), 200);
    assert_non_null(strstr(resp, "bonjour"));
    assert_non_null(strstr(resp, "X-Who: moi"));
    assert_non_null(strstr(resp, "Cache-Control: no-store"));
    for (int i = 0; i < 10; i++) {
        assert_int_equal(request(port, "GET /ok HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                 NULL, 0),
                         200);
    }
    /* A body is refused. */
    assert_int_equal(request(port,
                             "POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                             "Connection: close\r\n\r\nhello",
                             NULL, 0),
                     413);
    /* Headers beyond the memory limit: refused by libmicrohttpd. */
    char big[40000];
    int off = snprintf(big, sizeof big, "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(big + off, 'a', 30000);
    snprintf(big + off + 30000, sizeof big - (size_t)off - 30000, "\r\n\r\n");
    int st = request(port, big, NULL, 0);
    assert_true(st == 431 || st == 413 || st == 414 || st == 400 || st == 0);
    /* A long URL: 414 (a failed attempt). Then failures until the address is held back. */
    char longurl[256];
    snprintf(longurl, sizeof longurl, "GET /%0100d HTTP/1.0\r\n\r\n", 0);
    assert_int_equal(request(port, longurl, NULL, 0), 414);
    assert_int_equal(request(port, "GET /nope HTTP/1.0\r\n\r\n", NULL, 0), 404);
    assert_int_equal(request(port, "GET /nope HTTP/1.0\r\n\r\n", NULL, 0), 404);
    assert_int_equal(request(port, "GET /nope HTTP/1.0\r\n\r\n", resp, sizeof resp), 429);
    assert_non_null(strstr(resp, "Retry-After:"));
    assert_int_equal(request(port, "GET /ok HTTP/1.0\r\n\r\n", NULL, 0), 429);
    http_server_stop(srv);
    assert_true(cnt.workers_made >= 1 && cnt.workers_made <= 2);
    assert_int_equal(cnt.workers_made, cnt.workers_freed);
    assert_int_equal(cnt.done_completed, 11);
    /* The access log has a line per request and nothing secret. */
    fflush(log);
    rewind(log);
    char line[1024];
    int lines = 0;
    while (fgets(line, sizeof line, log)) {
        lines += strstr(line, " GET ") != NULL;
    }
    assert_true(lines >= 15);
    fclose(log);
}

static void test_http__scrub(void **state)
{
    (void)state;
    char s[] = "GET /SAPO_API/SYNCH/0123456C/05785662A3B942D7B36A2E1021AAD868 200 ack=12 "
               "deadbeefdeadbeef";
    http_scrub_secrets(s);
    assert_string_equal(s, "GET /SAPO_API/SYNCH/0123456C/… 200 ack=12 …");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http__server),
        cmocka_unit_test(test_http__scrub),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
