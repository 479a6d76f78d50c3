/*
 * publish.c - the Redis publisher thread.
 *
 * Events are drained into a bounded mirror of the state they describe and
 * marked dirty; once per cycle everything dirty is written in one pipelined
 * batch (appended commands, then all replies), each account inside
 * MULTI/EXEC.  Quotes are not events: the publisher reads the shared quote
 * table and writes an instrument only when its version moved, so it writes
 * the latest value and never queues stale ones.
 *
 * Redis down: events keep flowing into the mirror, so the pipeline never
 * waits on Redis.  On reconnect everything is marked dirty and written as a
 * full snapshot.  Order-stream entries carry their own ids (ms-seq), kept
 * in a FIFO until Redis acknowledged them; a resend after a lost reply is
 * refused by Redis as an old id, which is how "exactly once" survives a
 * connection dying mid-batch.
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/latency.h"
#include "ibpipe/log.h"
#include "ibpipe/publish.h"
#include "ibpipe/redis_url.h"
#include "ibpipe/ring.h"
#include "ibpipe/wake.h"
#include "ibpipe/wire.h"

#define EV_RING 8192
#define MAX_ACCTS 16
#define MAX_VALUES 512
#define MAX_POS 512
#define MAX_ORDERS 8192
#define STREAM_CAP 16384

IB_RING_DEFINE(pubev, ib_pub_event)

struct kv {
	char field[64];
	char value[64];
	bool dirty;
};

struct pos {
	int32_t con_id;
	char json[320];
	bool dirty;
};

struct acct {
	char id[24];
	int nvalues, npos;
	struct kv values[MAX_VALUES];
	struct pos pos[MAX_POS];
	bool dirty;
	int64_t updated_ns;
};

struct order {
	int32_t id;
	char fields[12][2][64];
	int nfields;
	bool dirty;
};

struct entry {
	char id[32];
	char kind[8];
	char body[400]; /* JSON */
};

struct ib_pub {
	ib_pub_config cfg;
	ib_quote_table *quotes;
	const ib_stats *stats;
	struct ck_ring ring;
	ib_pub_event *ev_buf;
	ib_wake wake;
	pthread_t th;
	int stop;
	bool started;

	redisContext *rc;
	int64_t next_connect_ns, backoff_ms;
	bool need_snapshot;
	bool ever_connected;

	/* mirror */
	int sync_state;
	char sync_detail[480];
	bool sync_dirty;
	int naccts;
	struct acct *accts;
	bool accounts_dirty;
	struct order *orders;
	int norders_used;
	int32_t conn[3];
	struct entry *stream;
	uint64_t s_head, s_tail;
	int64_t last_stream_ms;
	uint32_t stream_seq;
	uint64_t *quote_version;

	/* health */
	int64_t next_health_ns, last_health_ns;
	uint64_t last_msgs;

	/* stats (read by other threads through ck_pr) */
	ib_pub_stats st;
	ib_hist stale;
	pthread_mutex_t st_mu; /* stats snapshot only; not on any message path */
};

const char *
ib_sync_state_name(enum ib_sync_state s)
{
	switch (s) {
	case IB_SYNC_READY: return "ready";
	case IB_SYNC_SYNCING: return "syncing";
	default: return "disconnected";
	}
}

void
ib_pub_config_defaults(ib_pub_config *c)
{
	memset(c, 0, sizeof(*c));
	ib_strlcpy(c->url, "redis://127.0.0.1:6379", sizeof(c->url));
	ib_strlcpy(c->prefix, "ibpipe", sizeof(c->prefix));
	c->health_interval_ms = 1000;
	c->health_ttl_s = 5;
	c->stream_maxlen = 10000;
	c->quote_interval_us = 1000;
}

ib_pub *
ib_pub_create(const ib_pub_config *cfg, ib_quote_table *quotes, const ib_stats *stats)
{
	ib_pub *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->cfg = *cfg;
	if (p->cfg.health_interval_ms <= 0)
		p->cfg.health_interval_ms = 1000;
	if (p->cfg.health_ttl_s <= 0)
		p->cfg.health_ttl_s = 5;
	if (p->cfg.stream_maxlen <= 0)
		p->cfg.stream_maxlen = 10000;
	if (p->cfg.quote_interval_us <= 0)
		p->cfg.quote_interval_us = 1000;
	p->quotes = quotes;
	p->stats = stats;
	p->ev_buf = calloc(EV_RING, sizeof(*p->ev_buf));
	p->accts = calloc(MAX_ACCTS, sizeof(*p->accts));
	p->orders = calloc(MAX_ORDERS, sizeof(*p->orders));
	p->stream = calloc(STREAM_CAP, sizeof(*p->stream));
	p->quote_version = calloc(IB_MAX_INSTRUMENTS, sizeof(uint64_t));
	if (!p->ev_buf || !p->accts || !p->orders || !p->stream || !p->quote_version) {
		ib_pub_free(p);
		return NULL;
	}
	ck_ring_init(&p->ring, EV_RING);
	ib_wake_init(&p->wake);
	pthread_mutex_init(&p->st_mu, NULL);
	p->backoff_ms = 100;
	p->need_snapshot = true;
	return p;
}

bool
ib_pub_post(ib_pub *p, const ib_pub_event *ev)
{
	while (!ib_ring_push_mpsc_pubev(&p->ring, p->ev_buf, ev)) {
		if (ck_pr_load_int(&p->stop))
			return false;
		struct timespec ts = { 0, 50000 };
		nanosleep(&ts, NULL);
	}
	return true;
}

/* ---- mirror ---- */

static struct acct *
acct_get(ib_pub *p, const char *id)
{
	for (int i = 0; i < p->naccts; i++)
		if (strcmp(p->accts[i].id, id) == 0)
			return &p->accts[i];
	if (p->naccts >= MAX_ACCTS)
		return NULL;
	struct acct *a = &p->accts[p->naccts++];
	ib_strlcpy(a->id, id, sizeof(a->id));
	p->accounts_dirty = true;
	return a;
}

static void
mirror_value(ib_pub *p, const ib_pub_event *ev)
{
	struct acct *a = acct_get(p, ev->u.acct_value.account);
	char field[64];
	struct kv *kv = NULL;

	if (a == NULL)
		return;
	if (ev->u.acct_value.currency[0])
		snprintf(field, sizeof(field), "%s:%s", ev->u.acct_value.key, ev->u.acct_value.currency);
	else
		ib_strlcpy(field, ev->u.acct_value.key, sizeof(field));
	for (int i = 0; i < a->nvalues && !kv; i++)
		if (strcmp(a->values[i].field, field) == 0)
			kv = &a->values[i];
	if (kv == NULL) {
		if (a->nvalues >= MAX_VALUES) {
			ib_log(IB_LL_ERROR, "redis", "account %s: more than %d values, %s not published", a->id, MAX_VALUES, field);
			return;
		}
		kv = &a->values[a->nvalues++];
		ib_strlcpy(kv->field, field, sizeof(kv->field));
	}
	ib_strlcpy(kv->value, ev->u.acct_value.value, sizeof(kv->value));
	kv->dirty = a->dirty = true;
	a->updated_ns = ib_now_real_ns();
}

static void
mirror_position(ib_pub *p, const ib_pub_event *ev)
{
	struct acct *a = acct_get(p, ev->u.position.account);
	struct pos *ps = NULL;

	if (a == NULL)
		return;
	for (int i = 0; i < a->npos && !ps; i++)
		if (a->pos[i].con_id == ev->u.position.con_id)
			ps = &a->pos[i];
	if (ps == NULL) {
		if (a->npos >= MAX_POS)
			return;
		ps = &a->pos[a->npos++];
		ps->con_id = ev->u.position.con_id;
	}
	snprintf(ps->json, sizeof(ps->json),
		 "{\"symbol\":\"%s\",\"secType\":\"%s\",\"exchange\":\"%s\",\"currency\":\"%s\",\"position\":%.10g,"
		 "\"avgCost\":%.10g,\"marketPrice\":%.10g,\"marketValue\":%.10g,\"unrealizedPNL\":%.10g,\"realizedPNL\":%.10g}",
		 ev->u.position.symbol, ev->u.position.sec_type, ev->u.position.exchange, ev->u.position.currency,
		 ev->u.position.position, ev->u.position.avg_cost, ev->u.position.market_price, ev->u.position.market_value,
		 ev->u.position.unrealized_pnl, ev->u.position.realized_pnl);
	ps->dirty = a->dirty = true;
	a->updated_ns = ib_now_real_ns();
}

static struct order *
order_get(ib_pub *p, int32_t id)
{
	uint32_t h = (uint32_t)id * 2654435761u;

	for (uint32_t i = 0; i < MAX_ORDERS; i++) {
		struct order *o = &p->orders[(h + i) & (MAX_ORDERS - 1)];
		if (o->id == id)
			return o;
		if (o->id == 0) {
			if (p->norders_used >= MAX_ORDERS * 3 / 4)
				return NULL;
			o->id = id;
			p->norders_used++;
			return o;
		}
	}
	return NULL;
}

static void
ofield(struct order *o, const char *k, const char *fmt, ...)
{
	va_list ap;

	if (o->nfields >= 12)
		return;
	ib_strlcpy(o->fields[o->nfields][0], k, 64);
	va_start(ap, fmt);
	vsnprintf(o->fields[o->nfields][1], 64, fmt, ap);
	va_end(ap);
	o->nfields++;
}

static void
stream_push(ib_pub *p, const char *kind, const char *body)
{
	int64_t ms = ib_now_real_ns() / 1000000;
	struct entry *e;

	if (p->s_tail - p->s_head >= STREAM_CAP) {
		pthread_mutex_lock(&p->st_mu);
		p->st.pending_dropped++;
		pthread_mutex_unlock(&p->st_mu);
		ib_log(IB_LL_ERROR, "redis", "order stream buffer full while Redis is away: entry dropped (%llu)",
		       (unsigned long long)p->st.pending_dropped);
		return;
	}
	if (ms <= p->last_stream_ms) {
		ms = p->last_stream_ms;
		p->stream_seq++;
	} else {
		p->last_stream_ms = ms;
		p->stream_seq = 0;
	}
	e = &p->stream[p->s_tail++ % STREAM_CAP];
	snprintf(e->id, sizeof(e->id), "%lld-%u", (long long)ms, p->stream_seq);
	ib_strlcpy(e->kind, kind, sizeof(e->kind));
	ib_strlcpy(e->body, body, sizeof(e->body));
}

static void
mirror_order(ib_pub *p, const ib_pub_event *ev)
{
	struct order *o = order_get(p, ev->u.order.order_id);
#define u (&ev->u.order)
	char body[400];

	if (o) {
		o->nfields = 0;
		ofield(o, "status", "%s", u->status);
		ofield(o, "symbol", "%s", u->symbol);
		ofield(o, "action", "%s", u->action);
		ofield(o, "qty", "%.10g", u->total_qty);
		ofield(o, "type", "%s", u->order_type);
		ofield(o, "lmt", "%.10g", u->lmt_price == IB_UNSET_DOUBLE ? 0 : u->lmt_price);
		ofield(o, "filled", "%.10g", u->filled);
		ofield(o, "remaining", "%.10g", u->remaining);
		ofield(o, "avg_fill_price", "%.10g", u->avg_fill_price);
		ofield(o, "account", "%s", u->account);
		ofield(o, "reason", "%.63s", u->reason);
		ofield(o, "updated_at", "%lld", (long long)u->ts_ns);
		o->dirty = true;
	}
	snprintf(body, sizeof(body),
		 "{\"orderId\":%d,\"status\":\"%s\",\"symbol\":\"%s\",\"action\":\"%s\",\"qty\":%.10g,\"filled\":%.10g,"
		 "\"remaining\":%.10g,\"avgFillPrice\":%.10g,\"reason\":\"%.100s\"}",
		 u->order_id, u->status, u->symbol, u->action, u->total_qty, u->filled, u->remaining, u->avg_fill_price,
		 u->reason);
	stream_push(p, "status", body);
#undef u
}

static void
mirror_exec(ib_pub *p, const ib_pub_event *ev)
{
	char body[400];

	snprintf(body, sizeof(body),
		 "{\"orderId\":%d,\"execId\":\"%s\",\"account\":\"%s\",\"symbol\":\"%s\",\"side\":\"%s\",\"shares\":%.10g,"
		 "\"price\":%.10g,\"cumQty\":%.10g,\"avgPrice\":%.10g,\"time\":\"%s\"}",
		 ev->u.exec.order_id, ev->u.exec.exec_id, ev->u.exec.account, ev->u.exec.symbol, ev->u.exec.side,
		 ev->u.exec.shares, ev->u.exec.price, ev->u.exec.cum_qty, ev->u.exec.avg_price, ev->u.exec.time);
	stream_push(p, "exec", body);
}

static void
absorb(ib_pub *p, const ib_pub_event *ev)
{
	switch (ev->kind) {
	case IB_PUB_SYNC:
		p->sync_state = ev->u.sync.state;
		ib_strlcpy(p->sync_detail, ev->u.sync.detail, sizeof(p->sync_detail));
		p->sync_dirty = true;
		break;
	case IB_PUB_ACCOUNTS:
		for (int i = 0; i < ev->u.accounts.n; i++)
			acct_get(p, ev->u.accounts.ids[i]);
		p->accounts_dirty = true;
		break;
	case IB_PUB_ACCT_VALUE:
		mirror_value(p, ev);
		break;
	case IB_PUB_POSITION:
		mirror_position(p, ev);
		break;
	case IB_PUB_ORDER:
		mirror_order(p, ev);
		break;
	case IB_PUB_EXEC:
		mirror_exec(p, ev);
		break;
	case IB_PUB_CONN:
		p->conn[0] = ev->u.conn.connected;
		p->conn[1] = ev->u.conn.server_version;
		p->conn[2] = ev->u.conn.client_id;
		break;
	}
}

static void
mark_all_dirty(ib_pub *p)
{
	p->sync_dirty = p->accounts_dirty = true;
	for (int i = 0; i < p->naccts; i++) {
		struct acct *a = &p->accts[i];
		a->dirty = true;
		for (int k = 0; k < a->nvalues; k++)
			a->values[k].dirty = true;
		for (int k = 0; k < a->npos; k++)
			a->pos[k].dirty = true;
	}
	for (int i = 0; i < MAX_ORDERS; i++)
		if (p->orders[i].id)
			p->orders[i].dirty = true;
	memset(p->quote_version, 0, IB_MAX_INSTRUMENTS * sizeof(uint64_t));
	p->next_health_ns = 0;
}

/* ---- writing ---- */

struct batch {
	int cmds;
	int xadds;               /* XADD replies to match against the FIFO head */
	uint32_t quotes[4096];   /* instruments written in this batch, for staleness */
	int64_t quote_recv[4096];
	int nquotes;
};

static void
cmd(ib_pub *p, struct batch *b, int argc, const char **argv, const size_t *lens)
{
	redisAppendCommandArgv(p->rc, argc, argv, lens);
	b->cmds++;
}

#define MAXARGS 1100

static void
write_account(ib_pub *p, struct batch *b, struct acct *a)
{
	static const char *argv[MAXARGS];
	static size_t lens[MAXARGS];
	char key[128], updated[32];
	int n;
	const char *multi = "MULTI", *exec = "EXEC";

	cmd(p, b, 1, &multi, NULL);
	snprintf(key, sizeof(key), "%s:account:{%s}", p->cfg.prefix, a->id);
	argv[0] = "HSET";
	argv[1] = key;
	n = 2;
	for (int i = 0; i < a->nvalues && n < MAXARGS - 4; i++) {
		if (!a->values[i].dirty)
			continue;
		argv[n++] = a->values[i].field;
		argv[n++] = a->values[i].value;
		a->values[i].dirty = false;
	}
	snprintf(updated, sizeof(updated), "%lld", (long long)a->updated_ns);
	argv[n++] = "updated_at";
	argv[n++] = updated;
	for (int i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	cmd(p, b, n, argv, lens);

	char pkey[128], ids[MAX_POS][16];
	snprintf(pkey, sizeof(pkey), "%s:positions:{%s}", p->cfg.prefix, a->id);
	argv[0] = "HSET";
	argv[1] = pkey;
	n = 2;
	for (int i = 0; i < a->npos && n < MAXARGS - 2; i++) {
		if (!a->pos[i].dirty)
			continue;
		snprintf(ids[i], sizeof(ids[i]), "%d", a->pos[i].con_id);
		argv[n++] = ids[i];
		argv[n++] = a->pos[i].json;
		a->pos[i].dirty = false;
	}
	if (n > 2) {
		for (int i = 0; i < n; i++)
			lens[i] = strlen(argv[i]);
		cmd(p, b, n, argv, lens);
	}
	cmd(p, b, 1, &exec, NULL);
	a->dirty = false;
}

static void
write_state(ib_pub *p, struct batch *b)
{
	char key[128], key2[128];

	if (p->accounts_dirty && p->naccts > 0) {
		const char *argv[2 + MAX_ACCTS];
		snprintf(key, sizeof(key), "%s:accounts", p->cfg.prefix);
		argv[0] = "SADD";
		argv[1] = key;
		for (int i = 0; i < p->naccts; i++)
			argv[2 + i] = p->accts[i].id;
		cmd(p, b, 2 + p->naccts, argv, NULL);
		p->accounts_dirty = false;
	}
	for (int i = 0; i < p->naccts; i++)
		if (p->accts[i].dirty)
			write_account(p, b, &p->accts[i]);
	for (int i = 0; i < MAX_ORDERS; i++) {
		struct order *o = &p->orders[i];
		if (!o->id || !o->dirty)
			continue;
		const char *argv[2 + 24];
		char okey[96];
		snprintf(okey, sizeof(okey), "%s:order:%d", p->cfg.prefix, o->id);
		argv[0] = "HSET";
		argv[1] = okey;
		for (int k = 0; k < o->nfields; k++) {
			argv[2 + 2 * k] = o->fields[k][0];
			argv[3 + 2 * k] = o->fields[k][1];
		}
		cmd(p, b, 2 + 2 * o->nfields, argv, NULL);
		o->dirty = false;
	}
	/* stream entries: everything not yet acknowledged, in order */
	snprintf(key, sizeof(key), "%s:stream:orders", p->cfg.prefix);
	char maxlen[16];
	snprintf(maxlen, sizeof(maxlen), "%d", p->cfg.stream_maxlen);
	for (uint64_t s = p->s_head; s < p->s_tail && b->xadds < 4096; s++) {
		struct entry *e = &p->stream[s % STREAM_CAP];
		const char *argv[] = { "XADD", key, "MAXLEN", "~", maxlen, e->id, "kind", e->kind, "data", e->body };
		cmd(p, b, 10, argv, NULL);
		b->xadds++;
	}
	if (p->sync_dirty) {
		char ev[700];
		snprintf(key, sizeof(key), "%s:sync", p->cfg.prefix);
		snprintf(key2, sizeof(key2), "%s:sync:detail", p->cfg.prefix);
		const char *st = ib_sync_state_name((enum ib_sync_state)p->sync_state);
		const char *a1[] = { "SET", key, st };
		const char *a2[] = { "SET", key2, p->sync_detail[0] ? p->sync_detail : "{}" };
		snprintf(ev, sizeof(ev), "{\"sync\":\"%s\",\"detail\":%s}", st, p->sync_detail[0] ? p->sync_detail : "{}");
		snprintf(key, sizeof(key), "%s:events", p->cfg.prefix);
		const char *a3[] = { "PUBLISH", key, ev };
		cmd(p, b, 3, a2, NULL);
		snprintf(key, sizeof(key), "%s:sync", p->cfg.prefix);
		cmd(p, b, 3, a1, NULL);
		snprintf(key, sizeof(key), "%s:events", p->cfg.prefix);
		cmd(p, b, 3, a3, NULL);
		p->sync_dirty = false;
	}
}

static void
write_quotes(ib_pub *p, struct batch *b)
{
	if (p->quotes == NULL)
		return;
	uint32_t n = p->quotes->n; /* fixed before any thread started */
	for (uint32_t i = 0; i < n && b->nquotes < 4096; i++) {
		ib_quote_data q;
		ib_quote_read(p->quotes, i, &q);
		if (q.version == p->quote_version[i])
			continue;
		p->quote_version[i] = q.version;
		char key[96], v[7][32], upd[32];
		snprintf(key, sizeof(key), "%s:quote:%s", p->cfg.prefix, p->quotes->symbol[i]);
		snprintf(v[0], 32, "%.10g", q.bid);
		snprintf(v[1], 32, "%.10g", q.ask);
		snprintf(v[2], 32, "%.10g", q.last);
		snprintf(v[3], 32, "%.10g", q.bid_size);
		snprintf(v[4], 32, "%.10g", q.ask_size);
		snprintf(v[5], 32, "%.10g", q.last_size);
		snprintf(v[6], 32, "%.10g", q.volume);
		snprintf(upd, sizeof(upd), "%lld", (long long)q.updated_ns);
		const char *argv[] = { "HSET", key, "bid", v[0], "ask", v[1], "last", v[2], "bid_size", v[3], "ask_size",
				       v[4], "last_size", v[5], "volume", v[6], "updated_at", upd };
		cmd(p, b, 18, argv, NULL);
		b->quote_recv[b->nquotes] = q.recv_mono_ns;
		b->quotes[b->nquotes++] = i;
	}
}

static void
write_health(ib_pub *p, struct batch *b, int64_t now)
{
	char key[96], f[13][32];
	const ib_stats *s = p->stats;

	if (now < p->next_health_ns)
		return;
	uint64_t msgs = s ? IB_STAT_GET(((ib_stats *)s)->net.msgs_in) : 0;
	double dt = p->last_health_ns ? (double)(now - p->last_health_ns) / 1e9 : 0;
	double rate = dt > 0 ? (double)(msgs - p->last_msgs) / dt : 0;
	p->last_msgs = msgs;
	p->last_health_ns = now;
	p->next_health_ns = now + (int64_t)p->cfg.health_interval_ms * 1000000LL;
	ib_stats *ms = (ib_stats *)s;
	snprintf(f[0], 32, "%d", s ? (int)ck_pr_load_32((uint32_t *)&ms->net.connected) : p->conn[0]);
	snprintf(f[1], 32, "%d", s ? (int)ck_pr_load_32((uint32_t *)&ms->net.server_version) : p->conn[1]);
	snprintf(f[2], 32, "%d", s ? (int)ck_pr_load_32((uint32_t *)&ms->net.client_id) : p->conn[2]);
	snprintf(f[3], 32, "%llu", (unsigned long long)msgs);
	snprintf(f[4], 32, "%.0f", rate);
	snprintf(f[5], 32, "%llu", s ? (unsigned long long)(IB_STAT_GET(ms->net.md_coalesced) + IB_STAT_GET(ms->md.fanout_coalesced)) : 0ull);
	snprintf(f[6], 32, "%llu", s ? (unsigned long long)IB_STAT_GET(ms->acct.dropped) : 0ull);
	pthread_mutex_lock(&p->st_mu);
	snprintf(f[7], 32, "%llu", (unsigned long long)p->st.reconnects);
	pthread_mutex_unlock(&p->st_mu);
	snprintf(f[8], 32, "%llu", s ? (unsigned long long)IB_STAT_GET(ms->net.last_msg_ns) : 0ull);
	snprintf(f[9], 32, "%.0f", s ? (double)(ib_now_real_ns() - (int64_t)s->start_ns) / 1e9 : 0.0);
	snprintf(f[10], 32, "%d", (int)getpid());
	snprintf(f[11], 32, "%.1f", (double)ib_hist_quantile(&p->stale, 0.5) / 1e3);
	snprintf(f[12], 32, "%.1f", (double)ib_hist_quantile(&p->stale, 0.99) / 1e3);
	snprintf(key, sizeof(key), "%s:health", p->cfg.prefix);
	const char *argv[] = { "HSET", key, "connected", f[0], "server_version", f[1], "client_id", f[2], "msgs_in", f[3],
			       "msgs_per_s", f[4], "coalesced", f[5], "dropped", f[6], "redis_reconnects", f[7],
			       "last_msg_at", f[8], "uptime_s", f[9], "pid", f[10], "staleness_p50_us", f[11],
			       "staleness_p99_us", f[12] };
	cmd(p, b, (int)(sizeof(argv) / sizeof(argv[0])), argv, NULL);
	char ttl[16];
	snprintf(ttl, sizeof(ttl), "%d", p->cfg.health_ttl_s);
	const char *ex[] = { "EXPIRE", key, ttl };
	cmd(p, b, 3, ex, NULL);
}

static void
disconnect_redis(ib_pub *p, const char *why)
{
	if (p->rc) {
		ib_log(IB_LL_WARN, "redis", "connection lost: %s -- will reconnect and write a full snapshot", why);
		redisFree(p->rc);
		p->rc = NULL;
	}
	ck_pr_store_32(&p->st.connected, 0);
	p->need_snapshot = true;
	p->next_connect_ns = ib_now_mono_ns() + p->backoff_ms * 1000000LL;
	p->backoff_ms = p->backoff_ms * 2 > 2000 ? 2000 : p->backoff_ms * 2;
}

static void
try_connect(ib_pub *p)
{
	int64_t now = ib_now_mono_ns();

	if (p->rc || now < p->next_connect_ns)
		return;
	p->rc = ib_redis_connect_url(p->cfg.url, p->cfg.password, 1000);
	if (p->rc == NULL) {
		p->next_connect_ns = now + p->backoff_ms * 1000000LL;
		p->backoff_ms = p->backoff_ms * 2 > 2000 ? 2000 : p->backoff_ms * 2;
		return;
	}
	pthread_mutex_lock(&p->st_mu);
	if (p->ever_connected)
		p->st.reconnects++;
	pthread_mutex_unlock(&p->st_mu);
	p->ever_connected = true;
	ib_log(IB_LL_INFO, "redis", "connected to %s; writing a full snapshot", p->cfg.url);
	ck_pr_store_32(&p->st.connected, 1);
	p->backoff_ms = 100;
	if (p->need_snapshot) {
		mark_all_dirty(p);
		pthread_mutex_lock(&p->st_mu);
		p->st.snapshots++;
		pthread_mutex_unlock(&p->st_mu);
		p->need_snapshot = false;
	}
}

static void
flush(ib_pub *p)
{
	struct batch b;
	int64_t now = ib_now_mono_ns();

	if (p->rc == NULL)
		return;
	b.cmds = b.xadds = b.nquotes = 0;
	write_state(p, &b);
	write_quotes(p, &b);
	write_health(p, &b, now);
	if (b.cmds == 0)
		return;
	for (int i = 0; i < b.cmds; i++) {
		redisReply *r = NULL;
		if (redisGetReply(p->rc, (void **)&r) != REDIS_OK || r == NULL) {
			disconnect_redis(p, p->rc && p->rc->errstr[0] ? p->rc->errstr : "no reply");
			return;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			/* an XADD id at or below the stream top: it was written before a lost reply */
			bool old_id = strstr(r->str, "equal or smaller") != NULL;
			if (!old_id)
				ib_log(IB_LL_WARN, "redis", "command refused: %s", r->str);
			if (strncmp(r->str, "NOAUTH", 6) == 0 || strncmp(r->str, "MISCONF", 7) == 0 ||
			    strncmp(r->str, "OOM", 3) == 0 || strncmp(r->str, "READONLY", 8) == 0) {
				freeReplyObject(r);
				disconnect_redis(p, "Redis refuses writes");
				return;
			}
		}
		freeReplyObject(r);
	}
	/* all replies are in: the batch's stream entries are acknowledged */
	p->s_head += (uint64_t)b.xadds;
	int64_t done = ib_now_mono_ns();
	for (int i = 0; i < b.nquotes; i++)
		if (b.quote_recv[i] > 0 && done > b.quote_recv[i])
			ib_hist_add(&p->stale, (uint64_t)(done - b.quote_recv[i]));
	pthread_mutex_lock(&p->st_mu);
	p->st.commands += (uint64_t)b.cmds;
	p->st.batches++;
	p->st.quote_writes += (uint64_t)b.nquotes;
	p->st.staleness_p50_us = (double)ib_hist_quantile(&p->stale, 0.5) / 1e3;
	p->st.staleness_p99_us = (double)ib_hist_quantile(&p->stale, 0.99) / 1e3;
	pthread_mutex_unlock(&p->st_mu);
}

static void *
run(void *arg)
{
	ib_pub *p = arg;
	ib_pub_event ev;

	for (;;) {
		uint32_t snap = ib_wake_snapshot(&p->wake);
		int n = 0;
		while (n < 4096 && ib_ring_pop_pubev(&p->ring, p->ev_buf, &ev)) {
			absorb(p, &ev);
			n++;
		}
		try_connect(p);
		flush(p);
		if (ck_pr_load_int(&p->stop) && ck_ring_size(&p->ring) == 0)
			break;
		if (n == 0)
			ib_wake_wait(&p->wake, snap, p->cfg.quote_interval_us >= 1000 ? p->cfg.quote_interval_us / 1000 : 1);
	}
	/* last flush of what is dirty, if Redis is there */
	flush(p);
	return NULL;
}

int
ib_pub_start(ib_pub *p)
{
	if (pthread_create(&p->th, NULL, run, p) != 0)
		return IB_EIO;
	p->started = true;
	return IB_OK;
}

void
ib_pub_stop(ib_pub *p)
{
	if (p == NULL || !p->started)
		return;
	ck_pr_store_int(&p->stop, 1);
	ib_wake_signal(&p->wake);
	pthread_join(p->th, NULL);
	p->started = false;
}

void
ib_pub_free(ib_pub *p)
{
	if (p == NULL)
		return;
	ib_pub_stop(p);
	if (p->rc)
		redisFree(p->rc);
	free(p->ev_buf);
	free(p->accts);
	free(p->orders);
	free(p->stream);
	free(p->quote_version);
	pthread_mutex_destroy(&p->st_mu);
	free(p);
}

void
ib_pub_get_stats(ib_pub *p, ib_pub_stats *out)
{
	pthread_mutex_lock(&p->st_mu);
	*out = p->st;
	pthread_mutex_unlock(&p->st_mu);
	out->connected = ck_pr_load_32(&p->st.connected);
}
