/*
 * supervisor.c - the supervisor thread: heartbeats in, READY / STATUS /
 * WATCHDOG out to systemd, and the health snapshot /healthz and /metrics serve.
 *
 * It runs beside the pipeline and never takes part in it: it reads the
 * heartbeat counters with plain atomic loads, and takes the pipeline's
 * diagnostics mutex and the publisher's stats mutex a few times a second,
 * as the progress line does.  Whoever reads the snapshot takes only this
 * file's mutex.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/wake.h"
#include "ibpipe/ib.h"
#include "util/str.h"
#include "ibpipe/log.h"
#include "service/sdnotify.h"
#include "service/supervisor.h"
#include "util/clock.h"

#define TICK_MAX_MS 250

const char *const ib_sv_thread_name[IB_SV_NTHREADS] = { "network", "market-data", "account", "publisher" };

struct ib_supervisor {
	ib_pipeline *p;
	ib_pub *pub;
	ib_sdnotify sd;
	pthread_t th;
	bool started;
	ib_wake wake;
	int stop;                      /* ck_pr */
	int64_t hang_ns;
	const ib_heartbeat *hb[IB_SV_NTHREADS];
	uint64_t last_beats[IB_SV_NTHREADS];
	int64_t last_move[IB_SV_NTHREADS];
	char status[640];              /* the STATUS= last sent */
	bool sd_failed_logged;
	int64_t rate_ns;               /* msgs_per_s: when and at what count it was last taken */
	uint64_t rate_msgs;

	pthread_mutex_t mu;            /* guards snap */
	ib_sv_snapshot snap;
	ib_sv_snapshot work;           /* the supervisor's own copy being filled (too big for its stack) */
};

int64_t
ib_supervisor_hang_ns(const ib_config *cfg)
{
	/* The network thread blocks in connect and then in the handshake, each up to connect_timeout_ms;
	   every other wait in a watched loop is a second or less. */
	int64_t ns = (2LL * cfg->connect_timeout_ms + 2000) * IB_NS_PER_MS;
	return ns < 5000 * IB_NS_PER_MS ? 5000 * IB_NS_PER_MS : ns;
}

static void
sd_send(ib_supervisor *s, const char *msg)
{
	if (ib_sdnotify_send(&s->sd, msg) != 0 && !s->sd_failed_logged) {
		ib_log(IB_LL_WARN, "supervisor", "sd_notify to $NOTIFY_SOCKET failed (%.40s...): %m", msg);
		s->sd_failed_logged = true;
	}
}

/* Heartbeats -> healthy / reason, logging each transition once. */
static void
check_threads(ib_supervisor *s, ib_sv_snapshot *w, int64_t now)
{
	bool was_healthy = s->snap.healthy;
	size_t rl = 0;

	w->healthy = true;
	w->reason[0] = '\0';
	w->hang_s = ib_ns_to_s(s->hang_ns);
	for (int t = 0; t < IB_SV_NTHREADS; t++) {
		w->watched[t] = s->hb[t] != NULL;
		if (!w->watched[t])
			continue;
		uint64_t b = ib_heartbeat_read(s->hb[t]);
		if (b != s->last_beats[t] || s->last_move[t] == 0) {
			s->last_beats[t] = b;
			s->last_move[t] = now;
		}
		w->idle_s[t] = ib_ns_to_s(now - s->last_move[t]);
		if (now - s->last_move[t] > s->hang_ns) {
			w->healthy = false;
			rl += (size_t)snprintf(w->reason + rl, rl < sizeof(w->reason) ? sizeof(w->reason) - rl : 0,
					       "%s%s thread: no progress for %.1f s", rl ? "; " : "", ib_sv_thread_name[t],
					       w->idle_s[t]);
			if (rl >= sizeof(w->reason))
				rl = sizeof(w->reason) - 1;
		}
	}
	if (was_healthy && !w->healthy)
		ib_log(IB_LL_ERROR, "supervisor", "%s (limit %.1f s): /healthz fails and the systemd watchdog is no "
		       "longer pinged", w->reason, w->hang_s);
	else if (!was_healthy && w->healthy && s->snap.ready_sent)
		ib_log(IB_LL_WARN, "supervisor", "every thread makes progress again");
}

static void
read_gate(ib_supervisor *s, ib_sv_snapshot *w)
{
	ib_pipeline *p = s->p;
	char text[512];

	ib_pipeline_times t;

	w->gate_open = ib_pipeline_gate_open(p);
	w->gate_opens = ib_pipeline_gate_opens(p);
	w->connected = ck_pr_load_32((const uint32_t *)&ib_pipeline_stats(p)->net.connected) != 0;
	ib_pipeline_diag(p, text, sizeof(text), NULL, 0);
	/* "... waiting for X since 3.2 s": the time moves every tick; STATUS= changes when the pieces do */
	char *since = strstr(text, " since ");
	if (since)
		*since = '\0';
	ib_strlcpy(w->waiting, text, sizeof(w->waiting));
	ib_pipeline_get_times(p, &t);
	w->last_sync_s = ib_ns_to_s(t.synced_ns);
	w->gate_opened_real_ns = t.gate_opened_real_ns;
	ib_pipeline_md_latency(p, &w->md_latency);
	ib_pipeline_strategy_latency(p, &w->strategy_latency);
	w->have_pub = s->pub != NULL;
	if (s->pub) {
		ib_pub_get_stats(s->pub, &w->pub);
		ib_pub_get_counts(s->pub, &w->pub_counts);
		ib_pub_get_staleness(s->pub, &w->staleness);
	}
}

static void
send_status(ib_supervisor *s, const ib_sv_snapshot *w)
{
	char st[sizeof(s->status)];
	const ib_config *c = ib_pipeline_config(s->p);

	if (w->gate_open)
		snprintf(st, sizeof(st), "STATUS=%sgate open: synced with %s:%d in %.3f s",
			 w->healthy ? "" : "HUNG ", c->host, c->port, w->last_sync_s);
	else
		snprintf(st, sizeof(st), "STATUS=%sgate closed: %s%s", w->healthy ? "" : "HUNG ",
			 w->connected ? "" : "gateway not connected, reconnecting; ", w->waiting);
	if (!w->healthy) {
		size_t l = strlen(st);
		snprintf(st + l, sizeof(st) - l, " -- %s", w->reason);
	}
	if (strcmp(st, s->status) == 0)
		return;
	ib_strlcpy(s->status, st, sizeof(s->status));
	sd_send(s, st);
}

static void *
supervisor_thread(void *arg)
{
	ib_supervisor *s = arg;
	ib_sv_snapshot *w = &s->work;
	int64_t next_ping = 0;
	int tick_ms = TICK_MAX_MS;

	if (s->sd.watchdog_usec > 0 && s->sd.watchdog_usec / 4000 < tick_ms)
		tick_ms = s->sd.watchdog_usec / 4000 > 10 ? (int)(s->sd.watchdog_usec / 4000) : 10;
	while (!ck_pr_load_int(&s->stop)) {
		uint32_t snap = ib_wake_snapshot(&s->wake);
		int64_t now = ib_now_mono_ns();

		pthread_mutex_lock(&s->mu);
		*w = s->snap;
		pthread_mutex_unlock(&s->mu);
		w->taken_mono_ns = now;
		check_threads(s, w, now);
		read_gate(s, w);
		if (now - s->rate_ns >= 1000 * IB_NS_PER_MS) {
			uint64_t m = IB_STAT_GET(ib_pipeline_stats(s->p)->net.msgs_in);
			w->msgs_per_s = s->rate_ns ? (double)(m - s->rate_msgs) * IB_NS_PER_S / (double)(now - s->rate_ns) : 0;
			s->rate_ns = now;
			s->rate_msgs = m;
		}
		if (!w->ready_sent) {
			/* ready = configured, threads started, and each watched thread has gone round its loop */
			bool all = true;
			for (int t = 0; t < IB_SV_NTHREADS; t++)
				all &= s->hb[t] == NULL || ib_heartbeat_read(s->hb[t]) > 0;
			if (all) {
				sd_send(s, "READY=1");
				w->ready_sent = true;
				ib_log(IB_LL_INFO, "supervisor", "ready: threads running%s%s", s->sd.fd >= 0 ?
				       ", READY=1 sent to systemd" : "", s->sd.watchdog_usec ? ", watchdog on" : "");
			}
		}
		if (w->ready_sent)
			send_status(s, w);
		if (w->ready_sent && w->healthy && s->sd.watchdog_usec > 0 && now >= next_ping) {
			sd_send(s, "WATCHDOG=1");
			w->watchdog_pings++;
			next_ping = now + s->sd.watchdog_usec * 1000 / 2;
		}
		pthread_mutex_lock(&s->mu);
		s->snap = *w;
		pthread_mutex_unlock(&s->mu);
		ib_wake_wait(&s->wake, snap, tick_ms);
	}
	return NULL;
}

ib_supervisor *
ib_supervisor_create(ib_pipeline *p, ib_pub *pub, char *err, size_t errlen)
{
	ib_supervisor *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->p = p;
	s->pub = pub;
	s->hang_ns = ib_supervisor_hang_ns(ib_pipeline_config(p));
	s->hb[IB_SV_NET] = ib_pipeline_heartbeat(p, IB_PT_NET);
	s->hb[IB_SV_MD] = ib_pipeline_heartbeat(p, IB_PT_MD);
	s->hb[IB_SV_ACCT] = ib_pipeline_heartbeat(p, IB_PT_ACCT);
	s->hb[IB_SV_PUB] = pub ? ib_pub_heartbeat(pub) : NULL;
	s->snap.healthy = true;
	ib_wake_init(&s->wake);
	pthread_mutex_init(&s->mu, NULL);
	ib_sdnotify_open(&s->sd);
	if (s->sd.err[0])
		ib_log(IB_LL_WARN, "supervisor", "%s: not notifying systemd", s->sd.err);
	/* a snapshot that says "not checked yet" until the thread's first tick */
	s->snap.taken_mono_ns = 0;
	(void)err;
	(void)errlen;
	return s;
}

int
ib_supervisor_start(ib_supervisor *s, char *err, size_t errlen)
{
	if (pthread_create(&s->th, NULL, supervisor_thread, s) != 0) {
		snprintf(err, errlen, "cannot start the supervisor thread");
		return IB_EIO;
	}
	s->started = true;
	pthread_setname_np(s->th, "ibpipe-super");
	return IB_OK;
}

void
ib_supervisor_stop(ib_supervisor *s)
{
	if (s == NULL)
		return;
	ck_pr_store_int(&s->stop, 1);
	ib_wake_signal(&s->wake);
	if (s->started) {
		pthread_join(s->th, NULL);
		ib_sdnotify_send(&s->sd, "STOPPING=1\nSTATUS=shutting down");
	}
	ib_sdnotify_close(&s->sd);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void
ib_supervisor_snapshot(ib_supervisor *s, ib_sv_snapshot *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->snap;
	pthread_mutex_unlock(&s->mu);
}

bool
ib_supervisor_thread_id(ib_supervisor *s, enum ib_sv_thread t, pthread_t *out)
{
	ib_pipeline *p = s->p;

	switch (t) {
	case IB_SV_NET:
		return ib_pipeline_thread_id(p, IB_PT_NET, out);
	case IB_SV_MD:
		return ib_pipeline_thread_id(p, IB_PT_MD, out);
	case IB_SV_ACCT:
		return ib_pipeline_thread_id(p, IB_PT_ACCT, out);
	case IB_SV_PUB:
		if (s->pub == NULL)
			return false;
		*out = ib_pub_thread(s->pub);
		return true;
	default:
		return false;
	}
}
