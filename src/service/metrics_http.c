/*
 * metrics_http.c - the metrics / health listener on libmicrohttpd.
 *
 *   /metrics  Prometheus text (metrics_text.c)
 *   /healthz  200 while every watched thread makes progress, gateway up or not;
 *             503 with the reason (the hung thread, or a supervisor that stopped)
 *   /readyz   200 while the sync gate is open; 503 with what it waits for
 *
 * libmicrohttpd runs one internal polling thread; a handler copies the
 * supervisor's snapshot (its own mutex) and formats into a buffer owned by
 * that thread.  It binds to loopback unless told otherwise: the endpoints
 * carry no secrets but a trading box should not serve the world.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "service/metrics.h"
#include "util/clock.h"
#include "util/http_listen.h"

#define PAGE_CAP (64 * 1024)
#define SNAPSHOT_MAX_AGE_NS 3000000000LL  /* the supervisor ticks 4x a second: 3 s old means it is stuck */

struct ib_metrics {
	struct MHD_Daemon *d;
	ib_pipeline *p;
	ib_supervisor *sv;
	int port;
	ib_sv_snapshot snap;       /* handler scratch: one polling thread, one request at a time */
	char page[PAGE_CAP];
};

static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
text(struct MHD_Connection *c, unsigned code, const char *body)
{
	return reply(c, code, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result
healthz(struct ib_metrics *m, struct MHD_Connection *c)
{
	const ib_sv_snapshot *s = &m->snap;
	int64_t age = ib_now_mono_ns() - s->taken_mono_ns;

	if (s->taken_mono_ns == 0 || age > SNAPSHOT_MAX_AGE_NS) {
		snprintf(m->page, sizeof(m->page), "unhealthy: the supervisor thread has not checked the threads for %.1f s\n",
			 s->taken_mono_ns ? ib_ns_to_s(age) : 0.0);
		return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, m->page);
	}
	if (!s->healthy) {
		snprintf(m->page, sizeof(m->page), "unhealthy: %s (limit %.1f s)\n", s->reason, s->hang_s);
		return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, m->page);
	}
	snprintf(m->page, sizeof(m->page), "ok: every thread makes progress; gateway %s, gate %s\n",
		 s->connected ? "connected" : "disconnected (reconnecting)", s->gate_open ? "open" : "closed");
	return text(c, MHD_HTTP_OK, m->page);
}

static enum MHD_Result
readyz(struct ib_metrics *m, struct MHD_Connection *c)
{
	/* the gate itself, not the snapshot: readiness flips the moment the account thread moves it */
	if (ib_pipeline_gate_open(m->p))
		return text(c, MHD_HTTP_OK, "ready: gate open\n");
	snprintf(m->page, sizeof(m->page), "not ready: gate closed; %s%s\n",
		 m->snap.connected ? "" : "gateway not connected; ", m->snap.waiting);
	return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, m->page);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method, const char *version,
       const char *upload, size_t *upload_len, void **req)
{
	struct ib_metrics *m = cls;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	ib_supervisor_snapshot(m->sv, &m->snap);
	if (strcmp(url, "/metrics") == 0) {
		size_t n = ib_metrics_render(m->page, sizeof(m->page), m->p, m->sv, &m->snap);
		return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", m->page, n);
	}
	if (strcmp(url, "/healthz") == 0)
		return healthz(m, c);
	if (strcmp(url, "/readyz") == 0)
		return readyz(m, c);
	return text(c, MHD_HTTP_NOT_FOUND, "not found: /metrics, /healthz, /readyz\n");
}

ib_metrics *
ib_metrics_start(const ib_config *cfg, ib_pipeline *p, ib_supervisor *sv, char *err, size_t errlen)
{
	ib_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->p = p;
	m->sv = sv;
	const struct ib_http_listen l = { .host = cfg->metrics_host, .port = cfg->metrics_port, .max_connections = 16,
					  .timeout_s = 10, .what = "metrics_listen", .tag = "metrics", .handle = handle,
					  .cls = m };
	if ((m->d = ib_http_listen(&l, &m->port, err, errlen)) == NULL) {
		free(m);
		return NULL;
	}
	ib_log(IB_LL_INFO, "metrics", "listening on http://%s%s%s:%d (/metrics /healthz /readyz)",
	       strchr(cfg->metrics_host, ':') ? "[" : "", cfg->metrics_host, strchr(cfg->metrics_host, ':') ? "]" : "",
	       m->port);
	return m;
}

int
ib_metrics_port(const ib_metrics *m)
{
	return m->port;
}

void
ib_metrics_stop(ib_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}
