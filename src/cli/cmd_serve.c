/*
 * cmd_serve.c — `relais serve --listen ADDR:PORT`: the sync server. Glues the
 * http module (threads, limits, rate limiting, access log) to the feed
 * service (routes, keys, cursors, pulls) and runs until SIGINT or SIGTERM
 * (or --exit-after seconds, for demos and tests).
 */
#include "cli.h"

#include <relais/store.h>

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed/feed.h"
#include "http/http.h"

static const cli_option serve_options[] = {
    {"listen", 'l', "ADRESSE:PORT",
     N_("adresse et port d'écoute (défaut 127.0.0.1:8080 ; port 0 : un port libre)")},
    {"base", 0, "CHEMIN", N_("chemin de base des URL (défaut /SAPO_API)")},
    {"threads", 't', "N", N_("nombre de fils de traitement (défaut 4)")},
    {"batch-size", 0, "N", N_("éléments par lot du flux (défaut 1000)")},
    {"max-failures", 0, "N",
     N_("tentatives échouées tolérées par adresse avant blocage (défaut 10)")},
    {"failure-window", 0, "SECONDES",
     N_("durée pour regagner toutes les tentatives (défaut 60)")},
    {"trusted-proxy", 0, "ADRESSE",
     N_("adresse du mandataire inverse (nginx) dont l'en-tête X-Real-IP est cru")},
    {"port-file", 0, "FICHIER", N_("écrire le port d'écoute dans ce fichier")},
    {"quiet", 'q', NULL, N_("pas de journal des requêtes (les erreurs restent affichées)")},
    {"exit-after", 0, "SECONDES", N_("s'arrêter seul après ce délai (démonstrations, tests)")},
    {NULL, 0, NULL, NULL},
};

static void on_done(void *worker, void *arg, bool completed)
{
    feed_response *fr = arg;
    feed_response_done(worker, fr, completed);
    feed_response_free(fr);
    util_free(fr);
}

static void handler(http_response *hr, void *worker, const http_request *req, void *payload)
{
    (void)payload;
    feed_response *fr = util_malloc(sizeof *fr);
    if (fr == NULL) {
        hr->status = 503;
        return;
    }
    feed_request q = {
        .method = req->method,
        .path = req->path,
        .ack = http_request_arg(req, "ack"),
        .format = http_request_arg(req, "format"),
        .uptodate = http_request_arg(req, "uptodate"),
        .accept = http_request_header(req, "Accept"),
    };
    feed_handle(fr, worker, &q);
    hr->status = fr->status;
    hr->content_type = fr->content_type;
    hr->body_len = fr->body.len;
    hr->body = util_buf_steal(&fr->body);
    for (size_t i = 0; i < fr->n_headers && i < HTTP_MAX_HEADERS; i++) {
        hr->headers[i].name = fr->headers[i].name;
        memcpy(hr->headers[i].value, fr->headers[i].value, sizeof hr->headers[i].value);
        hr->n_headers++;
    }
    snprintf(hr->log_path, sizeof hr->log_path, "%s", fr->log_path);
    snprintf(hr->log_note, sizeof hr->log_note, "%s", fr->log_note);
    hr->auth_failure = fr->auth_failure;
    /* The feed response lives until the server has sent it (implicit acknowledgement). */
    hr->on_done = on_done;
    hr->done_arg = fr;
    hr->confirm_delivery = fr->track; /* a batch: acknowledged only once the client has it */
}

static int worker_new(void **out, void *payload)
{
    feed_worker *w = NULL;
    int rc = feed_worker_new(&w, payload);
    *out = w;
    return rc;
}

static void worker_free(void *w)
{
    feed_worker_free(w);
}

static bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    int64_t v;
    if (s == NULL || !util_parse_int64(s, strlen(s), &v) || v < min || v > max) {
        return false;
    }
    *out = (unsigned)v;
    return true;
}

static int run_serve(cli_ctx *ctx, cli_args *args)
{
    http_options ho = HTTP_OPTIONS_INIT;
    feed_service_config fc = {.db_path = ctx->db_path, .base = "/SAPO_API"};
    ho.listen = cli_value(args, "listen") ? cli_value(args, "listen") : "127.0.0.1:8080";
    const char *base = cli_value(args, "base");
    if (base) {
        if (base[0] != '/' || strlen(base) > 64 || strchr(base, '?') || strstr(base, "//")) {
            return cli_usage_error(ctx, _("chemin de base invalide : « %s » (ex. /SAPO_API)"), base);
        }
        fc.base = base;
    }
    unsigned threads = 4, batch = FEED_DEFAULT_BATCH, failures = 10, window = 60, exit_after = 0;
    if (cli_value(args, "threads") && !parse_uint(cli_value(args, "threads"), 1, 256, &threads)) {
        return cli_usage_error(ctx, "%s", _("--threads : nombre entre 1 et 256 attendu"));
    }
    if (cli_value(args, "batch-size") &&
        !parse_uint(cli_value(args, "batch-size"), 1, FEED_MAX_BATCH, &batch)) {
        return cli_usage_error(ctx, _("--batch-size : nombre entre 1 et %d attendu"),
                               FEED_MAX_BATCH);
    }
    if (cli_value(args, "max-failures") &&
        !parse_uint(cli_value(args, "max-failures"), 1, 1000000, &failures)) {
        return cli_usage_error(ctx, "%s", _("--max-failures : nombre positif attendu"));
    }
    if (cli_value(args, "failure-window") &&
        !parse_uint(cli_value(args, "failure-window"), 1, 86400, &window)) {
        return cli_usage_error(ctx, "%s", _("--failure-window : secondes (1 à 86400) attendues"));
    }
    if (cli_value(args, "exit-after") &&
        !parse_uint(cli_value(args, "exit-after"), 1, 86400 * 365, &exit_after)) {
        return cli_usage_error(ctx, "%s", _("--exit-after : secondes attendues"));
    }
    if (args->n_pos > 0) {
        return cli_usage_error(ctx, _("argument inattendu : %s"), args->pos[0]);
    }
    /* Open once in this thread: checks the hub and brings its schema up to date. */
    relais_store *s = NULL;
    int rc = cli_open_store(ctx, &s, true);
    int year = 0;
    if (rc == 0) {
        rc = relais_store_current_year(&year, s);
    }
    relais_store_close(s);
    if (rc < 0) {
        return cli_fail(ctx, rc);
    }

    /* Signals are taken by this thread only: block them before any thread starts. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    fc.batch_size = batch;
    feed_service *svc = NULL;
    rc = feed_service_new(&svc, &fc);
    http_server *srv = NULL;
    if (rc == 0) {
        ho.threads = threads;
        ho.max_failures = failures;
        ho.failure_window_s = window;
        ho.trusted_proxy = cli_value(args, "trusted-proxy");
        ho.log = ctx->err;
        ho.access_log = !cli_flag(args, "quiet");
        ho.handler = handler;
        ho.payload = svc;
        ho.worker_new = worker_new;
        ho.worker_free = worker_free;
        rc = http_server_start(&srv, &ho);
    }
    if (rc == 0 && cli_value(args, "port-file")) {
        char port[16];
        snprintf(port, sizeof port, "%d\n", http_server_port(srv));
        rc = util_file_write_atomic(cli_value(args, "port-file"), port, strlen(port));
    }
    if (rc < 0) {
        http_server_stop(srv);
        feed_service_free(svc);
        return cli_fail(ctx, rc);
    }
    fprintf(ctx->out, _("relais serve : à l'écoute sur le port %d, flux %s/SYNCH/UAI[_UAI…]/CLÉ "
                        "(hub %s, année %d-%d)\n"),
            http_server_port(srv), fc.base, ctx->db_path, year, year + 1);
    fflush(ctx->out);

    time_t stop_at = exit_after ? time(NULL) + (time_t)exit_after : 0;
    for (;;) {
        struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
        int sig = sigtimedwait(&sigs, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            break;
        }
        if (stop_at && time(NULL) >= stop_at) {
            break;
        }
    }
    http_server_stop(srv);
    feed_service_free(svc);
    fprintf(ctx->out, "%s\n", _("relais serve : arrêté"));
    return CLI_EXIT_OK;
}

const cli_command cli_cmd_serve = {
    .name = "serve",
    .summary = N_("servir le flux de synchronisation des partenaires (HTTP)"),
    .usage = "[--listen ADRESSE:PORT] [options]",
    .description = N_("Sert GET {base}/SYNCH/{UAI1_UAI2…}/{clé} : les changements depuis le "
                      "dernier lot acquitté par ce partenaire, par lots (XML, ou JSON avec "
                      "« Accept: application/json »), en commençant par l'image complète ; 204 "
                      "quand tout est à jour. Le chiffrement TLS est confié à un mandataire "
                      "inverse (voir docs/internals/serve.md). S'arrête sur SIGINT ou SIGTERM."),
    .options = serve_options,
    .uses_db = true,
    .run = run_serve,
};
