/*
 * web_hub.c - the dashboard's one Redis reader, on its own thread: it
 * SUBSCRIBEs to P:events and renders a new picture (web_state.c) the moment
 * an event arrives and otherwise every refresh_ms (4 Hz), and hands each to
 * the server.  Sync changes and disconnects come as events; fills, quotes
 * and health are caught by the refresh, so anything shows within
 * refresh_ms plus one Redis round trip.
 *
 * Subscribed first, read second (the readiness rule): a change between the
 * two arrives as a message.  When Redis cannot be read the picture says why,
 * and the hub reconnects once a second through ib_redis_open, the connect
 * of every other Redis client of ibpipe: with redis_sentinels it asks them
 * for the master each time, so a failover is followed like any lost
 * connection.  An eventfd wakes it to stop.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "config/redis_url.h"
#include "web/web.h"
#include "web/web_frame.h"
#include "web/web_state.h"
#include "config/redis_keys.h"
#include "util/clock.h"

#define REDIS_TIMEOUT_MS 1000
#define RETRY_MS 1000
#define EVENT_CAP 4096

struct web_hub {
	ib_web_config cfg;
	struct ib_web *w;
	pthread_t th;
	int wake_fd;
	atomic_bool stop;
	char at[300];            /* where Redis is, for the page and the log */
	/* hub thread only */
	redisContext *c, *sub;
	char err[300];
	char event[EVENT_CAP];
	bool have_event;
	int64_t event_ms;
	uint64_t seq;
};

static int64_t
clock_ms(clockid_t id)
{
	return ib_now_ns(id) / IB_NS_PER_MS;
}

static void
drop_redis(web_hub *h, const char *why)
{
	if (h->c != NULL || h->sub != NULL)
		ib_log(IB_LL_WARN, "web", "Redis at %s: %s; reconnecting", h->at, why);
	if (h->c)
		redisFree(h->c);
	if (h->sub)
		redisFree(h->sub);
	h->c = h->sub = NULL;
	if (why != h->err)
		snprintf(h->err, sizeof(h->err), "%s", why);
}

static void
publish(web_hub *h)
{
	struct web_meta m = {
		.prefix = h->cfg.prefix,
		.redis_at = h->at,
		.redis_err = h->c ? NULL : h->err,
		.event = h->have_event ? h->event : NULL,
		.event_ms = h->event_ms,
		.now_ms = clock_ms(CLOCK_REALTIME),
		.seq = ++h->seq,
		.orders_tail = h->cfg.orders_tail,
	};
	char *json = NULL, err[256], why[300];
	size_t n = 0;
	web_frame *f;

	if (web_state_render(h->c, &m, &json, &n, err, sizeof(err)) != 0) {
		snprintf(why, sizeof(why), "reading failed: %s", err);
		drop_redis(h, why);
		return;
	}
	f = web_frame_new(json, n);
	free(json);
	if (f != NULL)
		web_server_publish(h->w, f);
}

static redisContext *
open_redis(web_hub *h)
{
	ib_redis_where where = { h->cfg.redis_url, h->cfg.redis_sentinels, h->cfg.redis_master, h->cfg.redis_password };

	return ib_redis_open(&where, REDIS_TIMEOUT_MS, h->err, sizeof(h->err));
}

static bool
connect_redis(web_hub *h)
{
	redisReply *r;
	bool ok;

	if ((h->c = open_redis(h)) == NULL)
		return false;
	h->sub = open_redis(h);
	if (h->sub == NULL) {
		redisFree(h->c);
		h->c = NULL;
		return false;
	}
	r = redisCommand(h->sub, "SUBSCRIBE %s:" IB_KEY_EVENTS, h->cfg.prefix);
	ok = r && r->type == REDIS_REPLY_ARRAY;
	if (!ok) {
		snprintf(h->err, sizeof(h->err), "SUBSCRIBE %s:" IB_KEY_EVENTS ": %s", h->cfg.prefix,
			 r && r->type == REDIS_REPLY_ERROR ? r->str : h->sub->errstr[0] ? h->sub->errstr : "refused");
		redisFree(h->c);
		redisFree(h->sub);
		h->c = h->sub = NULL;
	}
	if (r)
		freeReplyObject(r);
	if (ok && h->cfg.redis_sentinels[0]) /* where the sentinels sent us */
		snprintf(h->at, sizeof(h->at), strchr(h->c->tcp.host, ':') ? "master %s at [%s]:%d" : "master %s at %s:%d",
			 h->cfg.redis_master, h->c->tcp.host, h->c->tcp.port);
	if (ok)
		ib_log(IB_LL_INFO, "web", "reading Redis at %s, prefix %s", h->at, h->cfg.prefix);
	return ok;
}

/* Keep a P:events message; true if r was one. */
static bool
take_event(web_hub *h, const redisReply *r)
{
	const redisReply *t;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 || r->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(r->element[0]->str, "message") != 0)
		return false;
	t = r->element[2];
	if (t->type != REDIS_REPLY_STRING)
		return false;
	/* cut at a byte boundary is fine: json.c turns a torn UTF-8 sequence into U+FFFD */
	size_t n = t->len < sizeof(h->event) - 1 ? t->len : sizeof(h->event) - 1;
	memcpy(h->event, t->str, n);
	h->event[n] = '\0';
	h->have_event = true;
	h->event_ms = clock_ms(CLOCK_REALTIME);
	return true;
}

/* Wait up to ms for an event: 1 one came, 0 timeout or woken, -1 the subscription failed. */
static int
wait_event(web_hub *h, int ms)
{
	struct pollfd pfd[2] = { { .fd = h->wake_fd, .events = POLLIN }, { .fd = h->sub->fd, .events = POLLIN } };
	void *r = NULL;
	int got = 0, pr;

	if (redisGetReplyFromReader(h->sub, &r) != REDIS_OK)
		return -1;
	if (r == NULL) {
		pr = poll(pfd, 2, ms);
		if (pr < 0)
			return errno == EINTR ? 0 : -1;
		if (pr == 0 || !(pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			return 0;
		if (redisBufferRead(h->sub) != REDIS_OK)
			return -1;
	}
	/* everything that arrived: several events in one read are one refresh */
	for (;;) {
		if (r == NULL && redisGetReplyFromReader(h->sub, &r) != REDIS_OK)
			return -1;
		if (r == NULL)
			break;
		if (take_event(h, r))
			got = 1;
		freeReplyObject(r);
		r = NULL;
	}
	return got;
}

static void
pause_ms(web_hub *h, int ms)
{
	struct pollfd pfd = { .fd = h->wake_fd, .events = POLLIN };

	(void)poll(&pfd, 1, ms);
}

static void *
hub_main(void *arg)
{
	web_hub *h = arg;
	int64_t next = 0;

	pthread_setname_np(pthread_self(), "web-hub");
	while (!atomic_load(&h->stop)) {
		if (h->c == NULL) {
			if (!connect_redis(h)) {
				publish(h); /* the page says Redis is unreachable, and why */
				pause_ms(h, RETRY_MS);
				continue;
			}
			next = 0;
		}
		int64_t now = clock_ms(CLOCK_MONOTONIC);
		int got = wait_event(h, next > now ? (int)(next - now) : 0);
		if (got < 0) {
			char why[300];
			snprintf(why, sizeof(why), "subscription lost: %s", h->sub->errstr[0] ? h->sub->errstr : "closed");
			drop_redis(h, why);
			continue;
		}
		if (got == 1 || clock_ms(CLOCK_MONOTONIC) >= next) {
			publish(h);
			next = clock_ms(CLOCK_MONOTONIC) + h->cfg.refresh_ms;
		}
		if (h->c == NULL) {
			/* reading failed (an error reply, NOPERM ...): show why, and do not hammer Redis */
			publish(h);
			pause_ms(h, RETRY_MS);
		}
	}
	if (h->c)
		redisFree(h->c);
	if (h->sub)
		redisFree(h->sub);
	h->c = h->sub = NULL;
	return NULL;
}

web_hub *
web_hub_start(const ib_web_config *cfg, struct ib_web *w, char *err, size_t errlen)
{
	web_hub *h = calloc(1, sizeof(*h));
	ib_redis_url u;

	if (h == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->cfg = *cfg;
	h->w = w;
	if (ib_redis_url_parse(cfg->redis_url, &u, err, errlen) != 0) {
		free(h);
		return NULL;
	}
	ib_redis_url_describe(&u, h->at, sizeof(h->at));
	memset(&u, 0, sizeof(u)); /* it may hold a password */
	atomic_init(&h->stop, false);
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (h->wake_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(h);
		return NULL;
	}
	int rc = pthread_create(&h->th, NULL, hub_main, h);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		close(h->wake_fd);
		free(h);
		return NULL;
	}
	return h;
}

void
web_hub_stop(web_hub *h)
{
	uint64_t one = 1;

	if (h == NULL)
		return;
	atomic_store(&h->stop, true);
	if (write(h->wake_fd, &one, sizeof(one)) < 0)
		ib_log(IB_LL_WARN, "web", "waking the hub: %s", strerror(errno));
	pthread_join(h->th, NULL);
	close(h->wake_fd);
	memset(h->cfg.redis_password, 0, sizeof(h->cfg.redis_password));
	free(h);
}
