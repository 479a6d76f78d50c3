/*
 * web_server.c - the dashboard's HTTP side on libmicrohttpd:
 *
 *   /  /app.js  /style.css   the page (web_assets.c)
 *   /api/state               the latest picture, one JSON object
 *   /events                  the pictures as Server-Sent Events
 *
 * One libmicrohttpd polling thread serves every connection.  An event
 * stream never blocks it: when a client has sent the latest picture its
 * connection is suspended (MHD_suspend_connection, from the content
 * reader), and web_server_publish, on the hub thread, resumes it when the
 * next picture is there.  A slow client skips pictures rather than queueing
 * them: it finishes the one it is sending, then takes the newest.
 *
 * The lock guards the client list, the current frame and every frame's
 * reference count.  libmicrohttpd is never called with it held, so its own
 * locks and ours cannot cross.  A suspended connection cannot be closed by
 * libmicrohttpd, so resuming one outside the lock is safe: it is freed only
 * after it has been resumed and has ended.  Stopping resumes every stream
 * first (libmicrohttpd forbids stopping with suspended connections) and
 * lets them end, then stops the daemon, which closes every socket.
 */
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "util/http_listen.h"
#include "web/web.h"
#include "web/web_assets.h"
#include "web/web_frame.h"

#define MAX_STREAMS 32          /* event streams at once; a dashboard has a handful of viewers */
#define MAX_CONNECTIONS 64
#define CONNECTION_TIMEOUT_S 30 /* idle keep-alive connections; a stream is never idle for long */
#define STREAM_BLOCK 32768
#define STOP_WAIT_MS 2000       /* for the streams to end before the daemon closes what is left */

static const char sse_head[] = "retry: 1000\ndata: ";
static const char sse_tail[] = "\n\n";

struct sse_client {
	struct ib_web *w;
	struct MHD_Connection *conn;
	web_frame *f;            /* the picture being sent, or NULL */
	size_t off;              /* bytes of f sent */
	uint64_t seen;           /* the version of f */
	bool suspended;
	struct sse_client *prev, *next;
};

struct ib_web {
	struct MHD_Daemon *d;
	web_hub *hub;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t gone;     /* a stream ended */
	web_frame *frame;        /* the latest picture (one reference held here) */
	uint64_t version;
	struct sse_client *clients;
	int nclients;
	bool stopping;
};

web_frame *
web_frame_new(const char *json, size_t n)
{
	size_t hl = sizeof(sse_head) - 1, tl = sizeof(sse_tail) - 1;
	web_frame *f = malloc(sizeof(*f) + hl + n + tl);

	if (f == NULL)
		return NULL;
	f->refs = 1;
	memcpy(f->data, sse_head, hl);
	memcpy(f->data + hl, json, n);
	memcpy(f->data + hl + n, sse_tail, tl);
	f->json_off = hl;
	f->json_len = n;
	f->len = hl + n + tl;
	return f;
}

/* With w->mu held. */
static void
frame_unref(web_frame *f)
{
	if (f && --f->refs == 0)
		free(f);
}

void
web_server_publish(struct ib_web *w, web_frame *f)
{
	struct MHD_Connection *wake[MAX_STREAMS];
	int n = 0;

	pthread_mutex_lock(&w->mu);
	frame_unref(w->frame);
	w->frame = f;
	w->version++;
	for (struct sse_client *c = w->clients; c; c = c->next)
		if (c->suspended && n < MAX_STREAMS) {
			c->suspended = false;
			wake[n++] = c->conn;
		}
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < n; i++)
		MHD_resume_connection(wake[i]);
}

/* libmicrohttpd's thread: the next bytes of this client's stream, or suspend until there are some. */
static ssize_t
sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_client *c = cls;
	struct ib_web *w = c->w;
	size_t n;

	(void)pos;
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	if (c->f && c->off == c->f->len) {
		frame_unref(c->f);
		c->f = NULL;
	}
	if (c->f == NULL && w->frame && w->version != c->seen) {
		c->f = w->frame;
		c->f->refs++;
		c->off = 0;
		c->seen = w->version;
	}
	if (c->f == NULL) {
		/* the only safe place to suspend is here (or the access handler); 0 then means "later" */
		c->suspended = true;
		MHD_suspend_connection(c->conn);
		pthread_mutex_unlock(&w->mu);
		return 0;
	}
	n = c->f->len - c->off < max ? c->f->len - c->off : max;
	memcpy(buf, c->f->data + c->off, n);
	c->off += n;
	pthread_mutex_unlock(&w->mu);
	return (ssize_t)n;
}

/* The stream's response is gone: its connection ended (the client left, or we are stopping). */
static void
sse_free(void *cls)
{
	struct sse_client *c = cls;
	struct ib_web *w = c->w;

	pthread_mutex_lock(&w->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nclients--;
	frame_unref(c->f);
	pthread_cond_broadcast(&w->gone);
	pthread_mutex_unlock(&w->mu);
	free(c);
}

static enum MHD_Result
queue(struct MHD_Connection *conn, unsigned code, struct MHD_Response *r, const char *type)
{
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* the page loads nothing from anywhere else: no CDN, no inline script */
	MHD_add_response_header(r, "Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
	rc = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
text(struct MHD_Connection *conn, unsigned code, const char *body)
{
	return queue(conn, code,
		     MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY),
		     "text/plain; charset=utf-8");
}

static enum MHD_Result
events(struct ib_web *w, struct MHD_Connection *conn)
{
	struct sse_client *c = calloc(1, sizeof(*c));
	struct MHD_Response *r;

	if (c == NULL)
		return MHD_NO;
	c->w = w;
	c->conn = conn;
	pthread_mutex_lock(&w->mu);
	if (w->nclients >= MAX_STREAMS || w->stopping) {
		pthread_mutex_unlock(&w->mu);
		free(c);
		return text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "too many event streams\n");
	}
	c->next = w->clients;
	if (w->clients)
		w->clients->prev = c;
	w->clients = c;
	w->nclients++;
	pthread_mutex_unlock(&w->mu);
	/* from here on sse_free owns c: libmicrohttpd calls it when the response is destroyed */
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, sse_read, c, sse_free);
	if (r == NULL) {
		sse_free(c);
		return MHD_NO;
	}
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	return queue(conn, MHD_HTTP_OK, r, "text/event-stream; charset=utf-8");
}

static enum MHD_Result
state(struct ib_web *w, struct MHD_Connection *conn)
{
	struct MHD_Response *r = NULL;

	pthread_mutex_lock(&w->mu);
	if (w->frame)
		r = MHD_create_response_from_buffer(w->frame->json_len, w->frame->data + w->frame->json_off,
						    MHD_RESPMEM_MUST_COPY);
	pthread_mutex_unlock(&w->mu);
	if (r == NULL)
		return text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no picture yet: the first Redis read is under way\n");
	return queue(conn, MHD_HTTP_OK, r, "application/json");
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
       const char *upload, size_t *upload_len, void **req)
{
	struct ib_web *w = cls;
	const struct web_asset *a;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/events") == 0)
		return events(w, conn);
	if (strcmp(url, "/api/state") == 0)
		return state(w, conn);
	if ((a = web_asset_find(url)) != NULL)
		return queue(conn, MHD_HTTP_OK,
			     MHD_create_response_from_buffer((size_t)(a->end - a->start), (void *)a->start,
							     MHD_RESPMEM_PERSISTENT),
			     a->type);
	return text(conn, MHD_HTTP_NOT_FOUND, "not found: /, /events, /api/state\n");
}

/* The daemon on cfg's address, serving w; its port in w->port.  NULL with err set. */
static struct MHD_Daemon *
listen_on(struct ib_web *w, const ib_web_config *cfg, char *err, size_t errlen)
{
	const struct ib_http_listen l = { .host = cfg->host, .port = cfg->port, .flags = MHD_ALLOW_SUSPEND_RESUME,
					  .max_connections = MAX_CONNECTIONS, .timeout_s = CONNECTION_TIMEOUT_S,
					  .what = "--listen", .tag = "web", .handle = handle, .cls = w };

	return ib_http_listen(&l, &w->port, err, errlen);
}

ib_web *
ib_web_start(const ib_web_config *cfg, char *err, size_t errlen)
{
	ib_web *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->gone, NULL);
	/* the hub first: a stream that connects at once then waits for its first picture, not for a hub */
	if ((w->hub = web_hub_start(cfg, w, err, errlen)) == NULL || (w->d = listen_on(w, cfg, err, errlen)) == NULL) {
		web_hub_stop(w->hub);
		pthread_mutex_lock(&w->mu);
		frame_unref(w->frame);
		pthread_mutex_unlock(&w->mu);
		pthread_cond_destroy(&w->gone);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	ib_log(IB_LL_INFO, "web", "dashboard on http://%s%s%s:%d/", strchr(cfg->host, ':') ? "[" : "", cfg->host,
	       strchr(cfg->host, ':') ? "]" : "", w->port);
	return w;
}

int
ib_web_port(const ib_web *w)
{
	return w->port;
}

void
ib_web_stop(ib_web *w)
{
	struct MHD_Connection *wake[MAX_STREAMS];
	struct timespec until;
	int n = 0;

	if (w == NULL)
		return;
	web_hub_stop(w->hub); /* no more pictures, so no resume races the ones below */
	pthread_mutex_lock(&w->mu);
	w->stopping = true;   /* from now on sse_read ends a stream instead of suspending it */
	for (struct sse_client *c = w->clients; c; c = c->next)
		if (c->suspended && n < MAX_STREAMS) {
			c->suspended = false;
			wake[n++] = c->conn;
		}
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < n; i++)
		MHD_resume_connection(wake[i]);
	/* let the streams end on their own (a clean end of stream); the daemon closes any left after this */
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STOP_WAIT_MS / 1000;
	pthread_mutex_lock(&w->mu);
	while (w->nclients > 0)
		if (pthread_cond_timedwait(&w->gone, &w->mu, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&w->mu);
	MHD_stop_daemon(w->d);
	pthread_mutex_lock(&w->mu);
	frame_unref(w->frame);
	w->frame = NULL;
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&w->gone);
	pthread_mutex_destroy(&w->mu);
	free(w);
}
