/*
 * publish.c - the Redis publisher thread: events into a mirror, batches out.
 *
 * Producers post events into an MPSC ring; the thread drains them into the
 * bounded mirror (publish_mirror.c), marking what changed.  One batch at a
 * time is in flight: everything dirty, the quotes whose version moved since
 * they were last written, and health when due, encoded as RESP into one
 * buffer and written with one send; then its replies are read.  While a
 * batch waits, new events keep being drained (the socket is polled with a
 * 1 ms timeout), so a slow or dead Redis never stalls a producer: the
 * mirror simply absorbs and the next batch carries the latest state.
 *
 * Ordering: a batch writes accounts (each inside MULTI/EXEC) and orders
 * before the sync state, and sync is held back while any of them is still
 * dirty, so a reader that sees "ready" finds the account data that came
 * before it.  Quotes are read from the shared table, never queued: a quote
 * is written when its version moved since the last write, with its latest
 * value, so a burst of updates costs one write (coalescing by construction).
 *
 * Redis down: the connection is non-blocking end to end (connect included),
 * retried with backoff 100 ms .. 2 s.  On every (re)connect: AUTH, SELECT,
 * then a probe of the order stream (last id, and which waiting entries are
 * already there: a reply lost with the connection), then a full snapshot.
 * Any error on the connection frees the hiredis context (they cannot be
 * reused after one).
 *
 * Steady state allocates nothing per event or quote: commands are encoded
 * into a buffer that only grows, and replies are parsed with reply
 * functions that record type and error text instead of building objects
 * (hiredis' own objects are used only for the probe after a connect).
 */
#include <errno.h>
#include <float.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/json.h"
#include "util/latency.h"
#include "ibpipe/log.h"
#include "publish/publish.h"
#include "config/redis_sentinel.h"
#include "config/redis_url.h"
#include "core/ring.h"
#include "core/wake.h"
#include "config/redis_keys.h"
#include "util/str.h"
#include "publish/publish_bars.h"
#include "publish/publish_mirror.h"
#include "util/clock.h"
#include "util/bits.h"

#define EV_RING 4096             /* events; power of two */
_Static_assert(IB_IS_POW2(EV_RING), "ck_ring masks its index: EV_RING is a power of two");
#define SOFT_CMDS 8192           /* state commands per batch; the rest goes in the next */
#define MAX_QUOTES 8192          /* quote writes per batch */
#define QUOTE_IDLE_MAX_NS (8 * IB_NS_PER_MS) /* the longest quote scan cadence of an idle feed */
#define MAX_CMDS (SOFT_CMDS + MAX_QUOTES + IB_MAX_BOOKS + 64)
#define IO_TIMEOUT_NS (5000 * IB_NS_PER_MS)      /* a batch without all replies by then: connection dead */
#define CONNECT_TIMEOUT_NS (2000 * IB_NS_PER_MS)
#define STOP_FLUSH_NS (2000 * IB_NS_PER_MS)      /* ib_pub_stop waits at most this for the last batch */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000
#define BACKOFF_MAX_HA_MS 500    /* with sentinels: a failover is over in seconds, ask often */
#define VERSION_WORD (offsetof(ib_quote_data, version) / sizeof(uint64_t))

IB_RING_DEFINE(pubev, ib_pub_event)

enum conn_state { C_DOWN, C_CONNECTING, C_PROBING, C_UP };
enum cmd_tag { T_PLAIN, T_XADD, T_EXEC, T_AUTH, T_SELECT, T_XINFO, T_XRANGE, T_ROLE, T_SAUTH, T_SMASTER, T_XBAR };

struct resp {
	char *buf;
	size_t len, cap;
	bool oom;
	bool bad;                /* a command got more or fewer arguments than it announced */
	int args_left;
};

struct qsent {
	uint32_t inst;
	uint64_t ver;
	int64_t recv;
};

struct batch {
	struct resp r;
	uint32_t ncmd, nreplied;
	size_t woff;
	bool inflight;
	int64_t deadline;
	uint32_t nx, xnext;      /* XADDs in this batch; the next one to be answered */
	uint64_t bfirst;         /* the bars FIFO position of this batch's first bar */
	uint32_t bnext;          /* bar XADDs answered so far */
	uint32_t nq;
	uint8_t tag[MAX_CMDS];
	uint64_t xpos[SOFT_CMDS + 64];
	struct qsent q[MAX_QUOTES];
};

/* What the counting reply functions saw of the reply being read. */
struct rstate {
	int type;
	int nerr;
	char msg[160];
};

struct ib_pub {
	ib_pub_config cfg;
	ib_redis_url url;
	char desc[300];          /* where Redis is, for logs: never the password */
	/*
	 * With sentinels (ha): every connect first asks them, one after the
	 * other, for the master's address (asking), then connects there and
	 * checks ROLE in the probe.  Any loss asks again: that follows a failover.
	 */
	bool ha;
	ib_sentinels sentinels;
	int sidx;                /* the sentinel being asked */
	bool asking;             /* p->c is a connection to sentinel sidx */
	bool resolved;           /* mhost:mport is the master a sentinel named for this connect */
	char mhost[256];
	int mport;
	int backoff_max_ms;
	char src[32];            /* this process, in each stream entry */
	ib_quote_table *quotes;
	const ib_book_table *books;
	const ib_greeks *greeks;        /* [quotes->n] option computations, or NULL */
	const ib_stats *stats;

	struct ck_ring ring;
	ib_pub_event *ring_buf;
	ib_wake wake;
	pthread_t th;
	ib_heartbeat hb;         /* one beat per loop of the publisher thread (heartbeat.h) */
	_Atomic uint64_t cmd_acked; /* publisher thread: the latest command result's seq Redis holds */
	bool started;
	int stopping;

	/* publisher thread only from here */
	redisContext *c;
	enum conn_state state;
	redisReplyObjectFunctions *default_fn;
	int64_t next_try_ns, conn_deadline, lost_ns;
	int backoff_ms;
	bool ever_up, down_logged;
	struct pm_sid probe_last;
	struct rstate rs;
	struct batch *b;
	char rbuf[65536];

	struct pm_mirror m;
	pb_fifo bars;            /* bars on their way to P:bars:<name> */
	uint64_t *wver;          /* version written to the current connection, per instrument */
	uint64_t *aver;          /* version acknowledged by any connection */
	uint32_t qcursor;
	uint64_t bver[IB_MAX_BOOKS]; /* book version written to the current connection */
	ib_book bcopy;
	char bjson[8192];
	int64_t next_quote_ns, next_health_ns, last_health_ns;
	int64_t quote_wait_ns;   /* the quote scan's current cadence: quote_interval_us, longer while idle */
	uint64_t last_msgs;
	int64_t start_real_ns;
	bool final_scan;
	ib_hist stale;           /* since start */
	ib_hist stale_win;       /* since the last health write */
	void (*lat_read)(const void *arg, ib_hist *out); /* or NULL: no latency_* in P:health */
	const void *lat_arg;
	ib_hist lat_now, lat_prev, lat_win; /* the whole-run copy now, at the last health write, the difference */
	ib_pub_stats st;
	ib_pub_counts cnt;

	/* what other threads read, under mu */
	pthread_mutex_t mu;
	ib_pub_stats st_pub;
	ib_pub_counts cnt_pub;
	ib_hist stale_pub;       /* stale as of the last health write, for /metrics */
};

const char *
ib_sync_state_name(enum ib_sync_state s)
{
	switch (s) {
	case IB_SYNC_READY:
		return "ready";
	case IB_SYNC_SYNCING:
		return "syncing";
	default:
		return "disconnected";
	}
}

void
ib_pub_config_defaults(ib_pub_config *c)
{
	memset(c, 0, sizeof(*c));
	ib_strlcpy(c->url, IB_REDIS_DEFAULT_URL, sizeof(c->url));
	ib_strlcpy(c->prefix, IB_REDIS_DEFAULT_PREFIX, sizeof(c->prefix));
	c->health_interval_ms = IB_REDIS_HEALTH_INTERVAL_MS;
	c->health_ttl_s = IB_REDIS_HEALTH_TTL_S;
	c->stream_maxlen = IB_REDIS_STREAM_MAXLEN;
	c->bars_maxlen = IB_REDIS_BARS_MAXLEN;
	c->quote_interval_us = IB_REDIS_QUOTE_INTERVAL_US;
	c->book_levels = IB_REDIS_BOOK_LEVELS;
}

/* ---- RESP encoding into the batch buffer (grows, never shrinks) ---- */

static bool
resp_room(struct resp *r, size_t n)
{
	size_t cap;
	char *nb;

	if (r->len + n <= r->cap)
		return true;
	if (r->oom)
		return false;
	for (cap = r->cap ? r->cap : (size_t)1 << 18; cap < r->len + n; cap *= 2)
		;
	if ((nb = realloc(r->buf, cap)) == NULL) {
		r->oom = true;
		return false;
	}
	r->buf = nb;
	r->cap = cap;
	return true;
}

static size_t
fmt_u64(char *out, uint64_t v)
{
	char t[24];
	size_t n = 0, k = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[k++] = t[--n];
	out[k] = '\0';
	return k;
}

static size_t
fmt_i64(char *out, int64_t v)
{
	if (v < 0) {
		out[0] = '-';
		return 1 + fmt_u64(out + 1, (uint64_t)0 - (uint64_t)v);
	}
	return fmt_u64(out, (uint64_t)v);
}

/*
 * Decimal text that reads back to the same double; "" for unset (DBL_MAX)
 * and non-finite.  Prices are decimals with a few places, so the fast path
 * looks for the fewest places k with m / 10^k == v exactly (both sides
 * correctly rounded, so strtod of the text gives v back); anything else
 * falls back to the shortest of %.15g / %.17g that reads back.  printf's float formatting was the publisher's
 * largest cost before this.
 */
static size_t
fmt_num(char *out, double v)
{
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8 };
	double a = fabs(v);

	if (!isfinite(v) || v == DBL_MAX || v == -DBL_MAX) {
		out[0] = '\0';
		return 0;
	}
	if (v == 0)
		return fmt_u64(out, 0);
	if (a < 1e15 && v == (double)(int64_t)v)
		return fmt_i64(out, (int64_t)v);
	if (a < 1e9 && a >= 1e-8) {
		for (int k = 1; k <= 8; k++) {
			int64_t m = llround(a * p10[k]);
			if ((double)m / p10[k] != a)
				continue;
			char digits[24];
			size_t n = fmt_u64(digits, (uint64_t)m), o = 0;
			if (v < 0)
				out[o++] = '-';
			if (n <= (size_t)k) { /* 0.00ddd */
				out[o++] = '0';
				out[o++] = '.';
				for (size_t z = n; z < (size_t)k; z++)
					out[o++] = '0';
				memcpy(out + o, digits, n);
				o += n;
			} else {
				memcpy(out + o, digits, n - (size_t)k);
				o += n - (size_t)k;
				out[o++] = '.';
				memcpy(out + o, digits + n - (size_t)k, (size_t)k);
				o += (size_t)k;
			}
			out[o] = '\0';
			return o;
		}
	}
	/* 15 digits read back exactly for anything that came as decimal text; else 17 */
	size_t n = (size_t)snprintf(out, 32, "%.15g", v);
	if (strtod(out, NULL) != v)
		n = (size_t)snprintf(out, 32, "%.17g", v);
	return n;
}

static void
put_len(struct resp *r, char c, size_t n)
{
	r->buf[r->len++] = c;
	r->len += fmt_u64(r->buf + r->len, n);
	r->buf[r->len++] = '\r';
	r->buf[r->len++] = '\n';
}

static void
cmd(ib_pub *p, int argc, enum cmd_tag tag)
{
	struct batch *b = p->b;

	if (b->ncmd >= MAX_CMDS) {
		b->r.oom = true; /* cannot happen with the per-part limits; refuse rather than overrun */
		return;
	}
	if (b->r.args_left != 0)
		b->r.bad = true;
	b->r.args_left = argc;
	if (!resp_room(&b->r, 24))
		return;
	put_len(&b->r, '*', (size_t)argc);
	b->tag[b->ncmd++] = (uint8_t)tag;
}

static void
arg(ib_pub *p, const char *s, size_t n)
{
	struct resp *r = &p->b->r;

	if (--r->args_left < 0)
		r->bad = true;
	if (!resp_room(r, n + 24))
		return;
	put_len(r, '$', n);
	memcpy(r->buf + r->len, s, n);
	r->len += n;
	r->buf[r->len++] = '\r';
	r->buf[r->len++] = '\n';
}

static void
arg_s(ib_pub *p, const char *s)
{
	arg(p, s, strlen(s));
}

/* A fixed-size char array field of an event: bounded even if not terminated. */
#define arg_f(p, field) arg((p), (field), strnlen((field), sizeof(field)))

static void
arg_num(ib_pub *p, double v)
{
	char t[40];
	size_t n = fmt_num(t, v);
	arg(p, t, n);
}

static void
arg_i64(ib_pub *p, int64_t v)
{
	char t[24];
	size_t n = fmt_i64(t, v);
	arg(p, t, n);
}

/* ---- small JSON writer for the few values stored as JSON ---- */

struct sbuf {
	char *p;
	size_t len, cap;
};

static void
sb_raw(struct sbuf *s, const char *t, size_t n)
{
	if (s->len + n >= s->cap)
		n = s->cap - s->len - 1;
	memcpy(s->p + s->len, t, n);
	s->len += n;
	s->p[s->len] = '\0';
}

static void
sb_put(void *ctx, const char *p, size_t n)
{
	sb_raw(ctx, p, n);
}

/* A JSON string of at most max bytes of t, through the one JSON string writer (json.c). */
static void
sb_str(struct sbuf *s, const char *t, size_t max)
{
	sb_raw(s, "\"", 1);
	ib_json_escape(t, strnlen(t, max), sb_put, s);
	sb_raw(s, "\"", 1);
}

static void
sb_num(struct sbuf *s, double v)
{
	char t[40];
	size_t n = fmt_num(t, v);
	if (n == 0)
		sb_raw(s, "null", 4);
	else
		sb_raw(s, t, n);
}

static void
sb_kv_str(struct sbuf *s, const char *k, const char *v, size_t max)
{
	sb_raw(s, k, strlen(k));
	sb_str(s, v, max);
}

static void
sb_kv_num(struct sbuf *s, const char *k, double v)
{
	sb_raw(s, k, strlen(k));
	sb_num(s, v);
}

static size_t
position_json(char *out, size_t cap, const pm_pos_data *d)
{
	struct sbuf s = { out, 0, cap };

	out[0] = '\0';
	sb_kv_str(&s, "{\"symbol\":", d->symbol, sizeof(d->symbol));
	sb_kv_str(&s, ",\"secType\":", d->sec_type, sizeof(d->sec_type));
	sb_kv_str(&s, ",\"exchange\":", d->exchange, sizeof(d->exchange));
	sb_kv_str(&s, ",\"currency\":", d->currency, sizeof(d->currency));
	sb_kv_num(&s, ",\"position\":", d->position);
	sb_kv_num(&s, ",\"avgCost\":", d->avg_cost);
	sb_kv_num(&s, ",\"marketPrice\":", d->market_price);
	sb_kv_num(&s, ",\"marketValue\":", d->market_value);
	sb_kv_num(&s, ",\"unrealizedPNL\":", d->unrealized_pnl);
	sb_kv_num(&s, ",\"realizedPNL\":", d->realized_pnl);
	if (d->has_pnl) {
		/* reqPnLSingle's numbers; null where the gateway sent none */
		sb_kv_num(&s, ",\"pnl\":{\"daily\":", d->pnl_daily);
		sb_kv_num(&s, ",\"unrealized\":", d->pnl_unrealized);
		sb_kv_num(&s, ",\"realized\":", d->pnl_realized);
		sb_kv_num(&s, ",\"value\":", d->pnl_value);
		sb_raw(&s, "}", 1);
	}
	sb_raw(&s, "}", 1);
	return s.len;
}

/* The gate's detail is a JSON object; anything else is carried as a string. */
static size_t
detail_json(char *out, size_t cap, const char *detail)
{
	struct sbuf s = { out, 0, cap };

	out[0] = '\0';
	if (detail[0] == '\0')
		sb_raw(&s, "{}", 2);
	else if (detail[0] == '{')
		sb_raw(&s, detail, strlen(detail));
	else
		sb_str(&s, detail, strlen(detail));
	return s.len;
}

/* ---- what goes into a batch ---- */

static void
write_accounts_set(ib_pub *p)
{
	struct pm_mirror *m = &p->m;
	char k[96];
	int n = 0;

	if (!m->accounts_dirty)
		return;
	for (int i = 0; i < m->naccts; i++)
		n += m->acct[i].in_set;
	ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_ACCOUNTS);
	/* replace the set atomically: a reader never sees it empty */
	cmd(p, 1, T_PLAIN);
	arg_s(p, "MULTI");
	cmd(p, 2, T_PLAIN);
	arg_s(p, "DEL");
	arg_s(p, k);
	if (n > 0) {
		cmd(p, 2 + n, T_PLAIN);
		arg_s(p, "SADD");
		arg_s(p, k);
		for (int i = 0; i < m->naccts; i++)
			if (m->acct[i].in_set)
				arg_s(p, m->acct[i].id);
	}
	cmd(p, 1, T_EXEC);
	arg_s(p, "EXEC");
	m->accounts_dirty = false;
}

/* One account, values and positions, as one MULTI/EXEC: readers see it whole. */
static void
write_account(ib_pub *p, int i)
{
	struct pm_account *a = &p->m.acct[i];
	char k[128], pk[128], nk[128], json[1024];

	ib_key_account(k, sizeof(k), p->cfg.prefix, a->id);
	ib_key_positions(pk, sizeof(pk), p->cfg.prefix, a->id);
	ib_key_pnl(nk, sizeof(nk), p->cfg.prefix, a->id);
	cmd(p, 1, T_PLAIN);
	arg_s(p, "MULTI");
	if (a->full) {
		cmd(p, 2, T_PLAIN);
		arg_s(p, "DEL");
		arg_s(p, k);
	}
	if (a->ndv > 0 || a->updated_ns) {
		cmd(p, 2 + 2 * a->ndv + 2, T_PLAIN);
		arg_s(p, "HSET");
		arg_s(p, k);
		for (uint16_t j = 0; j < a->ndv; j++) {
			arg_s(p, a->val[a->dv[j]].field);
			arg_s(p, a->val[a->dv[j]].value);
		}
		arg_s(p, "updated_at");
		arg_i64(p, a->updated_ns);
	}
	if (a->full) {
		cmd(p, 2, T_PLAIN);
		arg_s(p, "DEL");
		arg_s(p, pk);
	}
	if (a->ndp > 0) {
		cmd(p, 2 + 2 * a->ndp, T_PLAIN);
		arg_s(p, "HSET");
		arg_s(p, pk);
		for (uint16_t j = 0; j < a->ndp; j++) {
			const pm_pos_data *d = &a->pos[a->dp[j]];
			arg_i64(p, d->con_id);
			arg(p, json, position_json(json, sizeof(json), d));
		}
	}
	if (a->full) {
		cmd(p, 2, T_PLAIN);
		arg_s(p, "DEL");
		arg_s(p, nk);
	}
	if (a->pnl_dirty) {
		/* the whole hash each time: three numbers, "" where the gateway sent none */
		cmd(p, 10, T_PLAIN);
		arg_s(p, "HSET");
		arg_s(p, nk);
		arg_s(p, "daily");
		arg_num(p, a->pnl_daily);
		arg_s(p, "unrealized");
		arg_num(p, a->pnl_unrealized);
		arg_s(p, "realized");
		arg_num(p, a->pnl_realized);
		arg_s(p, "updated_at");
		arg_i64(p, a->pnl_ns);
	}
	cmd(p, 1, T_EXEC);
	arg_s(p, "EXEC");
	pm_account_clean(&p->m, i);
}

static void
write_order(ib_pub *p, const pm_order_data *d)
{
	char k[96];

	ib_key_order(k, sizeof(k), p->cfg.prefix, d->order_id);
	cmd(p, 2 + 2 * 18, T_PLAIN);
	arg_s(p, "HSET");
	arg_s(p, k);
	arg_s(p, "status");
	arg_f(p, d->status);
	arg_s(p, "filled");
	arg_num(p, d->filled);
	arg_s(p, "remaining");
	arg_num(p, d->remaining);
	arg_s(p, "avg_fill_price");
	arg_num(p, d->avg_fill_price);
	arg_s(p, "last_fill_price");
	arg_num(p, d->last_fill_price);
	arg_s(p, "symbol");
	arg_f(p, d->symbol);
	arg_s(p, "action");
	arg_f(p, d->action);
	arg_s(p, "qty");
	arg_num(p, d->total_qty);
	arg_s(p, "type");
	arg_f(p, d->order_type);
	arg_s(p, "lmt");
	arg_num(p, d->lmt_price);
	arg_s(p, "aux");
	arg_num(p, d->aux_price);
	arg_s(p, "tif");
	arg_f(p, d->tif);
	arg_s(p, "account");
	arg_f(p, d->account);
	arg_s(p, "perm_id");
	arg_i64(p, d->perm_id);
	arg_s(p, "parent_id");
	arg_i64(p, d->parent_id);
	arg_s(p, "oca_group");
	arg_f(p, d->oca_group);
	arg_s(p, "reason");
	arg_f(p, d->reason);
	arg_s(p, "updated_at");
	arg_i64(p, d->ts_ns);
}

/* XADD k MAXLEN ~ maxlen id kind <kind> src <us>, announcing `fields` field/value pairs in all. */
static void
xadd_head(ib_pub *p, const char *k, const char *maxlen, const char *id, size_t n, int fields, const char *kind)
{
	cmd(p, 6 + 2 * fields, T_XADD);
	arg_s(p, "XADD");
	arg_s(p, k);
	arg_s(p, "MAXLEN");
	arg_s(p, "~");
	arg_s(p, maxlen);
	arg(p, id, n);
	arg_s(p, "kind");
	arg_s(p, kind);
	arg_s(p, "src");
	arg_s(p, p->src);
}

static void
write_xadd(ib_pub *p, const struct pm_entry *e, const char *k, const char *maxlen)
{
	char id[48];
	size_t n = fmt_u64(id, e->id.ms);

	id[n++] = '-';
	n += fmt_u64(id + n, e->id.seq);
	if (e->kind == PM_ENTRY_CMD) {
		const pm_cmd_data *c = &e->u.c;
		xadd_head(p, k, maxlen, id, n, 9, "cmd");
		arg_s(p, "cmd_id");
		arg_f(p, c->cmd_id);
		arg_s(p, "cmd");
		arg_f(p, c->cmd);
		arg_s(p, "result");
		arg_f(p, c->result);
		arg_s(p, "order_id");
		arg_i64(p, c->order_id);
		arg_s(p, "reason");
		arg_f(p, c->reason);
		arg_s(p, "repeat");
		arg_i64(p, c->repeat);
		arg_s(p, "ts");
		arg_i64(p, c->ts_ns);
	} else if (e->kind == PM_ENTRY_EXEC) {
		const pm_exec_data *x = &e->u.x;
		xadd_head(p, k, maxlen, id, n, 13, "exec");
		arg_s(p, "order_id");
		arg_i64(p, x->order_id);
		arg_s(p, "exec_id");
		arg_f(p, x->exec_id);
		arg_s(p, "account");
		arg_f(p, x->account);
		arg_s(p, "symbol");
		arg_f(p, x->symbol);
		arg_s(p, "side");
		arg_f(p, x->side);
		arg_s(p, "shares");
		arg_num(p, x->shares);
		arg_s(p, "price");
		arg_num(p, x->price);
		arg_s(p, "cum_qty");
		arg_num(p, x->cum_qty);
		arg_s(p, "avg_price");
		arg_num(p, x->avg_price);
		arg_s(p, "time");
		arg_f(p, x->time);
		arg_s(p, "ts");
		arg_i64(p, x->ts_ns);
	} else {
		const pm_order_data *o = &e->u.o;
		xadd_head(p, k, maxlen, id, n, 20, "status");
		arg_s(p, "order_id");
		arg_i64(p, o->order_id);
		arg_s(p, "perm_id");
		arg_i64(p, o->perm_id);
		arg_s(p, "account");
		arg_f(p, o->account);
		arg_s(p, "symbol");
		arg_f(p, o->symbol);
		arg_s(p, "action");
		arg_f(p, o->action);
		arg_s(p, "type");
		arg_f(p, o->order_type);
		arg_s(p, "tif");
		arg_f(p, o->tif);
		arg_s(p, "parent_id");
		arg_i64(p, o->parent_id);
		arg_s(p, "oca_group");
		arg_f(p, o->oca_group);
		arg_s(p, "qty");
		arg_num(p, o->total_qty);
		arg_s(p, "lmt");
		arg_num(p, o->lmt_price);
		arg_s(p, "status");
		arg_f(p, o->status);
		arg_s(p, "filled");
		arg_num(p, o->filled);
		arg_s(p, "remaining");
		arg_num(p, o->remaining);
		arg_s(p, "avg_fill_price");
		arg_num(p, o->avg_fill_price);
		arg_s(p, "last_fill_price");
		arg_num(p, o->last_fill_price);
		arg_s(p, "reason");
		arg_f(p, o->reason);
		arg_s(p, "ts");
		arg_i64(p, o->ts_ns);
	}
}

static void
write_sync(ib_pub *p)
{
	struct pm_mirror *m = &p->m;
	char k[96], ttl[16];
	const char *name = ib_sync_state_name((enum ib_sync_state)m->sync_state);
	size_t dn = detail_json(m->sync_out, PM_SYNC_OUT_MAX, m->sync_detail);
	/* the detail is built whole (ib_json); the event message goes around it */
	ib_json ev;

	/* both keys expire with P:health: a killed ibpipe cannot leave "ready" behind */
	fmt_i64(ttl, p->cfg.health_ttl_s);
	if (m->sync_state != IB_SYNC_READY) {
		/*
		 * Leaving ready deletes the key before setting the new state.  A Redis
		 * out of memory refuses the SET (it may grow memory) but takes the DEL,
		 * and an absent key reads as not ready: "ready" must not stay behind
		 * because the write that withdraws it was refused.
		 */
		ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_SYNC);
		cmd(p, 2, T_PLAIN);
		arg_s(p, "DEL");
		arg_s(p, k);
	}
	ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_SYNC_DETAIL);
	cmd(p, 5, T_PLAIN);
	arg_s(p, "SET");
	arg_s(p, k);
	arg(p, m->sync_out, dn);
	arg_s(p, "EX");
	arg_s(p, ttl);
	ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_SYNC);
	cmd(p, 5, T_PLAIN);
	arg_s(p, "SET");
	arg_s(p, k);
	arg_s(p, name);
	arg_s(p, "EX");
	arg_s(p, ttl);
	ib_json_init(&ev, m->sync_out, PM_SYNC_OUT_MAX);
	ib_json_raw(&ev, "{\"sync\":");
	ib_json_str(&ev, name);
	ib_json_raw(&ev, ",\"detail\":");
	ib_json_raw(&ev, m->sync_detail[0] == '{' ? m->sync_detail : "{}");
	ib_json_raw(&ev, "}");
	ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_EVENTS);
	cmd(p, 3, T_PLAIN);
	arg_s(p, "PUBLISH");
	arg_s(p, k);
	arg(p, m->sync_out, ev.len);
	m->sync_dirty = false;
}

/* Accounts, orders, sync, then the stream: the order the ready contract needs. */
static void
write_state(ib_pub *p)
{
	struct pm_mirror *m = &p->m;
	struct pm_orders *os = m->orders;
	struct pm_stream *st = &m->st;
	struct batch *b = p->b;

	/* Stopping: ibpipe is going away, whatever the account thread said last.  Its own
	   "disconnected" can be lost on the way (an account ring full at shutdown), and then
	   "ready" would outlive the process by the TTL. */
	if (ck_pr_load_int(&p->stopping) && m->sync_state == IB_SYNC_READY) {
		m->sync_state = IB_SYNC_DISCONNECTED;
		m->sync_dirty = true;
	}
	/* Leaving "ready" is written first (the data that follows no longer matches it); "ready"
	   itself last, below, after the data it vouches for. */
	if (m->sync_dirty && m->sync_state != IB_SYNC_READY)
		write_sync(p);
	write_accounts_set(p);
	for (int i = 0; i < m->naccts && b->ncmd < SOFT_CMDS; i++)
		if (m->acct[i].dirty)
			write_account(p, i);
	while (os->ndirty > 0 && b->ncmd < SOFT_CMDS) {
		struct pm_order *o = &os->o[os->dirty[--os->ndirty]];
		write_order(p, &o->d);
		o->dirty = false;
	}
	/*
	 * Sync only once every account and order change before it is in this
	 * batch or an earlier one; the stream is history and may follow.
	 */
	if (m->sync_dirty && m->acct_dirty == 0 && os->ndirty == 0)
		write_sync(p);
	if (st->sent < st->tail && b->ncmd < SOFT_CMDS) {
		char k[96], maxlen[24];
		uint64_t pos;
		ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_ORDERS_STREAM);
		fmt_i64(maxlen, p->cfg.stream_maxlen);
		for (pos = st->sent; pos < st->tail && b->ncmd < SOFT_CMDS; pos++) {
			const struct pm_entry *e = &st->e[pos % PM_STREAM_CAP];
			if (e->acked)
				continue; /* found in Redis after a reconnect */
			write_xadd(p, e, k, maxlen);
			b->xpos[b->nx++] = pos;
		}
		st->sent = pos;
	}
}

/* Waiting bars, oldest first, each with its own id (publish_bars.h: why that makes it exactly once). */
static void
write_bars(ib_pub *p)
{
	static const char *kinds[] = { "?", "hist", "update", "rt" };
	pb_fifo *f = &p->bars;
	struct batch *b = p->b;
	char name[IB_BAR_NAME_LEN + 8], k[IB_BAR_NAME_LEN + 48], maxlen[24], id[48];

	fmt_i64(maxlen, p->cfg.bars_maxlen);
	b->bfirst = f->sent;
	for (; f->sent < f->tail && b->ncmd < SOFT_CMDS; f->sent++) {
		const pb_bar *e = &f->e[f->sent % PB_CAP];
		const ib_bar_data *d = &e->b;
		snprintf(name, sizeof(name), "%s%s", IB_KEY_BARS, e->name);
		ib_key(k, sizeof(k), p->cfg.prefix, name);
		cmd(p, 26, T_XBAR);
		arg_s(p, "XADD");
		arg_s(p, k);
		arg_s(p, "MAXLEN");
		arg_s(p, "~");
		arg_s(p, maxlen);
		arg(p, id, pb_id(e, id));
		arg_s(p, "kind");
		arg_s(p, kinds[d->kind >= 1 && d->kind <= 3 ? d->kind : 0]);
		arg_s(p, "time");
		arg_i64(p, d->time);
		arg_s(p, "update");
		arg_i64(p, d->update);
		arg_s(p, "open");
		arg_num(p, d->open);
		arg_s(p, "high");
		arg_num(p, d->high);
		arg_s(p, "low");
		arg_num(p, d->low);
		arg_s(p, "close");
		arg_num(p, d->close);
		arg_s(p, "volume");
		arg_num(p, d->volume);
		arg_s(p, "wap");
		arg_num(p, d->wap);
		arg_s(p, "count");
		arg_i64(p, d->count);
	}
}

/* The 14 HSET arguments of an option's model values (unset: "", which also clears an older value). */
static void
greek_args(ib_pub *p, const ib_option_greeks *g)
{
	arg_s(p, "iv");
	arg_num(p, g->iv);
	arg_s(p, "delta");
	arg_num(p, g->delta);
	arg_s(p, "gamma");
	arg_num(p, g->gamma);
	arg_s(p, "vega");
	arg_num(p, g->vega);
	arg_s(p, "theta");
	arg_num(p, g->theta);
	arg_s(p, "und_price");
	arg_num(p, g->und_price);
	arg_s(p, "opt_price");
	arg_num(p, g->opt_price);
}

static void
write_quotes(ib_pub *p)
{
	const ib_quote_table *t = p->quotes;
	struct batch *b = p->b;
	uint32_t n = t->n, i = p->qcursor < t->n ? p->qcursor : 0;
	char k[64 + IB_INSTR_NAME_LEN], upd[24];
	size_t kp = ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_QUOTE);

	/* round robin from where the last full batch stopped, so no instrument starves */
	for (uint32_t seen = 0; seen < n && b->nq < MAX_QUOTES; seen++, i = i + 1 == n ? 0 : i + 1) {
		ib_quote_data q;
		/* one atomic word tells whether the seqlocked copy is worth taking */
		if (ck_pr_load_64(&t->q[i].w[VERSION_WORD]) == p->wver[i])
			continue;
		ib_quote_read(t, i, &q);
		p->wver[i] = q.version;
		const char *name = ib_quote_name(t, i); /* named before its first tick: "" never ticks */
		size_t sl = strnlen(name, IB_INSTR_NAME_LEN);
		if (sl == 0)
			continue;
		if (kp + sl >= sizeof(k))
			sl = sizeof(k) - kp - 1;
		memcpy(k + kp, name, sl);
		ib_option_greeks g = { .version = 0 };
		if (p->greeks)
			ib_greeks_read(&p->greeks[i], &g);
		/* No trade yet (FX never has one: IB sends it no last): no last fields rather than a
		   last of 0, which reads as a price.  A trade, once seen, keeps them in the hash. */
		bool traded = q.last != 0 || q.last_size != 0 || q.last_time != 0;
		cmd(p, (traded ? 22 : 16) + (g.version ? 14 : 0), T_PLAIN);
		arg_s(p, "HSET");
		arg(p, k, kp + sl);
		arg_s(p, "bid");
		arg_num(p, q.bid);
		arg_s(p, "ask");
		arg_num(p, q.ask);
		arg_s(p, "bid_size");
		arg_num(p, q.bid_size);
		arg_s(p, "ask_size");
		arg_num(p, q.ask_size);
		arg_s(p, "volume");
		arg_num(p, q.volume);
		arg_s(p, "mid");
		arg_num(p, q.mid);
		if (traded) {
			arg_s(p, "last");
			arg_num(p, q.last);
			arg_s(p, "last_size");
			arg_num(p, q.last_size);
			arg_s(p, "last_time");
			arg(p, upd, fmt_i64(upd, q.last_time));
		}
		arg_s(p, "updated_at");
		arg(p, upd, fmt_i64(upd, q.updated_ns));
		if (g.version) /* an option IB has computed: its model; "" for what it has not */
			greek_args(p, &g);
		b->q[b->nq++] = (struct qsent){ i, q.version, q.recv_mono_ns };
	}
	p->qcursor = i;
}

static void
book_side_json(struct sbuf *sb, const char *name, const ib_book_level *lv, int n)
{
	sb_raw(sb, name, strlen(name));
	for (int k = 0; k < n; k++) {
		sb_raw(sb, k ? ",[" : "[", k ? 2 : 1);
		sb_num(sb, lv[k].price);
		sb_raw(sb, ",", 1);
		sb_num(sb, lv[k].size);
		sb_raw(sb, "]", 1);
	}
	sb_raw(sb, "]", 1);
}

/* P:book:SYM, one compact JSON value per changed book: the top book_levels rows of each side. */
static void
write_books(ib_pub *p)
{
	const ib_book_table *t = p->books;
	char k[64 + IB_INSTR_NAME_LEN], num[24];

	for (int d = 0; d < t->n; d++) {
		/* the instrument key (a contract's once resolved), else the depth symbol as configured */
		const char *name = p->quotes ? ib_quote_name(p->quotes, t->instrument[d]) : "";
		if (!name[0])
			name = t->symbol[d];
		if (!name[0] || ck_pr_load_64(&t->book[d].version) == p->bver[d])
			continue;
		ib_book_read(&t->book[d], &p->bcopy);
		p->bver[d] = p->bcopy.version;
		int levels = p->cfg.book_levels;
		struct sbuf sb = { p->bjson, 0, sizeof(p->bjson) };
		book_side_json(&sb, "{\"bids\":[", p->bcopy.bid, p->bcopy.nbid < levels ? p->bcopy.nbid : levels);
		book_side_json(&sb, ",\"asks\":[", p->bcopy.ask, p->bcopy.nask < levels ? p->bcopy.nask : levels);
		sb_raw(&sb, ",\"version\":", 11);
		sb_raw(&sb, num, fmt_u64(num, p->bcopy.version));
		sb_raw(&sb, ",\"updated_at\":", 14);
		sb_raw(&sb, num, fmt_i64(num, ib_now_real_ns()));
		sb_raw(&sb, "}", 1);
		cmd(p, 3, T_PLAIN);
		arg_s(p, "SET");
		arg(p, k, ib_key_book(k, sizeof(k), p->cfg.prefix, name));
		arg(p, sb.p, sb.len);
		p->cnt.book_writes++;
	}
}

static void
arg_us(ib_pub *p, const ib_hist *h, double q)
{
	char t[32];

	if (h->count == 0) {
		arg(p, "", 0);
		return;
	}
	arg(p, t, (size_t)snprintf(t, sizeof(t), "%.1f", (double)ib_hist_quantile(h, q) / 1e3));
}

/*
 * The samples since the last health write: whole-run copy now minus the one then (each bucket of a
 * whole-run histogram only grows, so the difference is never negative), so the writers never reset.
 */
static void
latency_window(ib_pub *p)
{
	ib_hist *now = &p->lat_now, *prev = &p->lat_prev, *w = &p->lat_win;

	p->lat_read(p->lat_arg, now);
	w->count = 0;
	for (unsigned b = 0; b < IB_HIST_BUCKETS; b++) {
		w->b[b] = now->b[b] >= prev->b[b] ? now->b[b] - prev->b[b] : 0;
		w->count += w->b[b];
	}
	w->sum = now->sum - prev->sum;
	w->max = now->max; /* the run's: a window's own is not kept */
	*prev = *now;
}

static void
write_health(ib_pub *p, int64_t now)
{
	ib_stats *s = (ib_stats *)p->stats; /* read only, through ck_pr loads */
	struct pm_mirror *m = &p->m;
	char k[96], ttl[16];
	uint64_t msgs = s ? IB_STAT_GET(s->net.msgs_in) : 0;
	int64_t real = ib_now_real_ns();
	int64_t start = s && s->start_ns ? (int64_t)s->start_ns : p->start_real_ns;
	int fields = 9 + (s ? 23 : 0) + (p->lat_read ? 4 : 0); /* s: msgs_in, msgs_per_s and counters[] below */

	/*
	 * The hash and the three TTLs as one MULTI/EXEC.  A Redis that refuses
	 * writes (out of memory) refuses an HSET but would take a bare EXPIRE,
	 * which kept a stale P:health and "ready" alive for as long as it refused
	 * everything else; inside MULTI it discards all of it, so both expire.
	 */
	cmd(p, 1, T_PLAIN);
	arg_s(p, "MULTI");
	ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_HEALTH);
	cmd(p, 2 + 2 * fields, T_PLAIN);
	arg_s(p, "HSET");
	arg_s(p, k);
	arg_s(p, "connected");
	arg_i64(p, m->have_conn ? m->conn_connected : s ? (int64_t)ck_pr_load_32(&s->net.connected) : 0);
	arg_s(p, "server_version");
	arg_i64(p, m->have_conn ? m->conn_server_version : s ? (int32_t)ck_pr_load_32((uint32_t *)&s->net.server_version) : 0);
	arg_s(p, "client_id");
	arg_i64(p, m->have_conn ? m->conn_client_id : s ? (int32_t)ck_pr_load_32((uint32_t *)&s->net.client_id) : 0);
	arg_s(p, "redis_reconnects");
	arg_i64(p, (int64_t)p->st.reconnects);
	arg_s(p, "uptime_s");
	arg_i64(p, (real - start) / IB_NS_PER_S);
	arg_s(p, "pid");
	arg_i64(p, (int64_t)getpid());
	arg_s(p, "staleness_p50_us");
	arg_us(p, &p->stale_win, 0.5);
	arg_s(p, "staleness_p99_us");
	arg_us(p, &p->stale_win, 0.99);
	arg_s(p, "redis_errors");
	arg_i64(p, (int64_t)p->cnt.redis_errors);
	if (p->lat_read) { /* frame read -> strategy callback, the samples since the last write ("" none) */
		latency_window(p);
		arg_s(p, "latency_samples");
		arg_i64(p, (int64_t)p->lat_win.count);
		arg_s(p, "latency_p50_us");
		arg_us(p, &p->lat_win, 0.5);
		arg_s(p, "latency_p99_us");
		arg_us(p, &p->lat_win, 0.99);
		arg_s(p, "latency_p999_us");
		arg_us(p, &p->lat_win, 0.999);
	}
	if (s) {
		double dt = p->last_health_ns ? ib_ns_to_s(now - p->last_health_ns) : 0;
		char rate[32];
		arg_s(p, "msgs_in");
		arg_i64(p, (int64_t)msgs);
		arg_s(p, "msgs_per_s");
		arg(p, rate, (size_t)snprintf(rate, sizeof(rate), "%.0f", dt > 0 ? (double)(msgs - p->last_msgs) / dt : 0.0));
		/*
		 * The balances a reader can check: md_in = md_processed + md_coalesced_net;
		 * msgs_in = md_in + acct_in + order_in (+ the few routed nowhere), bad and
		 * unknown frames not in it.
		 */
		const struct { const char *name; uint64_t v; } counters[] = {
			{ "coalesced", ib_stats_coalesced(s) },
			{ "md_in", IB_STAT_GET(s->net.md_in) },
			{ "md_processed", IB_STAT_GET(s->md.quotes) },
			{ "md_greeks", IB_STAT_GET(s->md.greeks) }, /* of md_processed: option computations (a model one is two) */
			{ "md_coalesced_net", IB_STAT_GET(s->net.md_coalesced) },
			{ "acct_in", IB_STAT_GET(s->net.acct_in) },
			{ "order_in", IB_STAT_GET(s->net.order_in) },
			{ "frames_bad", IB_STAT_GET(s->net.frames_bad) },
			{ "unknown_ids", IB_STAT_GET(s->net.unknown_ids) },
			{ "book_errors", IB_STAT_GET(s->md.book_errors) },
			{ "dropped", IB_STAT_GET(s->acct.dropped) },
			{ "acct_unmanaged", IB_STAT_GET(s->acct.unmanaged) },
			{ "download_end_unknown", IB_STAT_GET(s->acct.download_end_unknown) },
			{ "orders_untracked", IB_STAT_GET(s->acct.orders_untracked) },
			{ "exec_ids_bad", IB_STAT_GET(s->net.exec_ids_bad) },
			{ "write_stalls", IB_STAT_GET(s->net.write_stalls) },
			{ "cmd_in", IB_STAT_GET(s->cmd.in) },
			{ "cmd_refused", IB_STAT_GET(s->cmd.refused) },
			{ "cmd_malformed", IB_STAT_GET(s->cmd.malformed) },
			{ "cmd_repeats", IB_STAT_GET(s->cmd.repeats) },
			{ "last_msg_at", IB_STAT_GET(s->net.last_msg_ns) },
		};
		for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
			arg_s(p, counters[i].name);
			arg_i64(p, (int64_t)counters[i].v);
		}
	}
	cmd(p, 3, T_PLAIN);
	arg_s(p, "EXPIRE");
	arg_s(p, k);
	fmt_i64(ttl, p->cfg.health_ttl_s);
	arg_s(p, ttl);
	/* the sync keys live exactly as long as health: "ready" never outlives this process */
	for (int i = 0; i < 2; i++) {
		ib_key(k, sizeof(k), p->cfg.prefix, i ? IB_KEY_SYNC_DETAIL : IB_KEY_SYNC);
		cmd(p, 3, T_PLAIN);
		arg_s(p, "EXPIRE");
		arg_s(p, k);
		arg_s(p, ttl);
	}
	cmd(p, 1, T_EXEC);
	arg_s(p, "EXEC");
	p->last_msgs = msgs;
	p->last_health_ns = now;
	memset(&p->stale_win, 0, sizeof(p->stale_win));
	/* once a second: a metrics scrape reads this copy, never the histogram being written */
	pthread_mutex_lock(&p->mu);
	p->stale_pub = p->stale;
	pthread_mutex_unlock(&p->mu);
}

static void
batch_reset(struct batch *b)
{
	b->r.len = 0;
	b->r.oom = b->r.bad = false;
	b->r.args_left = 0;
	b->ncmd = b->nreplied = b->nx = b->xnext = b->nq = b->bnext = 0;
	b->woff = 0;
	b->inflight = false;
}

/* ---- statistics shared with other threads ---- */

static void
stats_publish(ib_pub *p)
{
	struct pm_stream *st = &p->m.st;

	p->st.connected = p->state == C_UP;
	p->st.pending_dropped = st->dropped;
	p->st.staleness_p50_us = (double)ib_hist_quantile(&p->stale, 0.5) / 1e3;
	p->st.staleness_p99_us = (double)ib_hist_quantile(&p->stale, 0.99) / 1e3;
	p->cnt.events = p->m.events;
	p->cnt.mirror_full = p->m.full;
	p->cnt.stream_waiting = st->tail - st->ack;
	p->cnt.bars_written = p->bars.written + p->bars.again;
	p->cnt.bars_dropped = p->bars.dropped;
	pthread_mutex_lock(&p->mu);
	p->st_pub = p->st;
	p->cnt_pub = p->cnt;
	pthread_mutex_unlock(&p->mu);
}

/* ---- the connection ---- */

/*
 * Sentinel sidx failed us (down, refused AUTH, does not know the master):
 * true when there is another one to ask now; false when all were asked, and
 * the caller backs off as for any failed connect.
 */
static bool
ask_next(ib_pub *p, const char *why, int64_t now)
{
	ib_log(IB_LL_DEBUG, "redis", "sentinel %s:%d: %s", p->sentinels.s[p->sidx].host, p->sentinels.s[p->sidx].port,
	       why);
	if (p->c) {
		redisFree(p->c);
		p->c = NULL;
	}
	batch_reset(p->b);
	memset(&p->rs, 0, sizeof(p->rs));
	p->asking = false;
	p->sidx = (p->sidx + 1) % p->sentinels.n;
	if (p->sidx == 0)
		return false;
	p->state = C_DOWN;
	p->next_try_ns = now;
	return true;
}

static void
conn_fail(ib_pub *p, const char *why_in, int64_t now)
{
	char why[160];
	bool was_up = p->state == C_UP;

	ib_strlcpy(why, why_in && *why_in ? why_in : "unknown error", sizeof(why));
	if (p->asking && ask_next(p, why, now))
		return;
	p->resolved = false; /* the next connect asks the sentinels again */
	if (p->c) {
		redisFree(p->c);
		p->c = NULL;
	}
	batch_reset(p->b);
	memset(&p->rs, 0, sizeof(p->rs));
	pm_stream_unsend(&p->m.st);
	pb_unsend(&p->bars);
	if (was_up) {
		/*
		 * Lost again soon after the last loss: Redis takes connections but
		 * refuses what we write (OOM, MISCONF, READONLY).  Reaching C_UP reset
		 * the backoff, so grow it from the time between the two losses, or
		 * we would reconnect and rewrite a snapshot every 100 ms for as long
		 * as writes are refused.
		 */
		int64_t since_ms = (now - p->lost_ns) / IB_NS_PER_MS;
		if (p->lost_ns && since_ms < 2 * (int64_t)p->backoff_max_ms) {
			int64_t grown = since_ms * 2;
			p->backoff_ms = grown < BACKOFF_MIN_MS ? BACKOFF_MIN_MS
					: grown > p->backoff_max_ms ? p->backoff_max_ms : (int)grown;
		}
		ib_log(IB_LL_WARN, "redis", "connection to %s lost: %s -- keeping state in memory, reconnecting", p->desc,
		       why);
		p->lost_ns = now;
		p->down_logged = true;
	} else if (!p->down_logged) {
		ib_log(IB_LL_WARN, "redis", "cannot connect to %s: %s -- retrying every %.1f..%.0f s", p->desc, why,
		       BACKOFF_MIN_MS / 1e3, p->backoff_max_ms / 1e3);
		p->down_logged = true;
		if (!p->ever_up)
			p->lost_ns = now;
	}
	p->state = C_DOWN;
	p->next_try_ns = now + (int64_t)p->backoff_ms * IB_NS_PER_MS;
	p->backoff_ms = p->backoff_ms * 2 > p->backoff_max_ms ? p->backoff_max_ms : p->backoff_ms * 2;
	stats_publish(p);
}

static void send_batch(ib_pub *p, int64_t now);

static void
start_connect(ib_pub *p, int64_t now)
{
	redisContext *c;

	p->asking = p->ha && !p->resolved;
	if (p->asking)
		c = redisConnectNonBlock(p->sentinels.s[p->sidx].host, p->sentinels.s[p->sidx].port);
	else if (p->ha)
		c = redisConnectNonBlock(p->mhost, p->mport);
	else
		c = p->url.unix_socket ? redisConnectUnixNonBlock(p->url.host) : redisConnectNonBlock(p->url.host, p->url.port);

	if (c == NULL) {
		conn_fail(p, "out of memory", now);
		return;
	}
	p->c = c;
	if (c->err) {
		conn_fail(p, c->errstr, now);
		return;
	}
	if (p->ha || !p->url.unix_socket)
		redisEnableKeepAlive(c);
	p->default_fn = c->reader->fn;
	c->reader->privdata = p;
	p->state = C_CONNECTING;
	p->conn_deadline = now + CONNECT_TIMEOUT_NS;
}

/* AUTH, SELECT, and what the order stream holds: answered with hiredis' own reply objects. */
static void
start_probe(ib_pub *p, int64_t now)
{
	struct pm_stream *st = &p->m.st;
	const char *pw = p->cfg.password[0] ? p->cfg.password : p->url.password;
	char k[96];

	batch_reset(p->b);
	if (pw[0] || p->url.user[0]) { /* a user alone: AUTH user "" (an ACL nopass user takes any) */
		cmd(p, p->url.user[0] ? 3 : 2, T_AUTH);
		arg_s(p, "AUTH");
		if (p->url.user[0])
			arg_s(p, p->url.user);
		arg_s(p, pw);
	}
	if (p->url.db) {
		cmd(p, 2, T_SELECT);
		arg_s(p, "SELECT");
		arg_i64(p, p->url.db);
	}
	if (p->ha) { /* the sentinel may not have heard of a failover yet: the node must agree it is the master */
		cmd(p, 1, T_ROLE);
		arg_s(p, "ROLE");
	}
	ib_key(k, sizeof(k), p->cfg.prefix, IB_KEY_ORDERS_STREAM);
	cmd(p, 3, T_XINFO);
	arg_s(p, "XINFO");
	arg_s(p, "STREAM");
	arg_s(p, k);
	p->probe_last = (struct pm_sid){ 0, 0 };
	/* entries handed to the last connection may be there: its replies were lost with it */
	uint64_t first = st->ack;
	while (first < st->tail && st->e[first % PM_STREAM_CAP].acked)
		first++;
	if (first < st->tail) {
		char from[48], count[24];
		const struct pm_sid *id = &st->e[first % PM_STREAM_CAP].id;
		size_t n = fmt_u64(from, id->ms);
		from[n++] = '-';
		n += fmt_u64(from + n, id->seq);
		fmt_u64(count, st->tail - first + 64);
		cmd(p, 6, T_XRANGE);
		arg_s(p, "XRANGE");
		arg_s(p, k);
		arg(p, from, n);
		arg_s(p, "+");
		arg_s(p, "COUNT");
		arg_s(p, count);
	}
	p->c->reader->fn = p->default_fn;
	p->state = C_PROBING;
	send_batch(p, now);
}

/* To sentinel sidx: [AUTH sentinel-password] SENTINEL get-master-addr-by-name <master>. */
static void
start_ask(ib_pub *p, int64_t now)
{
	batch_reset(p->b);
	if (p->cfg.sentinel_password[0]) {
		cmd(p, 2, T_SAUTH);
		arg_s(p, "AUTH");
		arg_s(p, p->cfg.sentinel_password);
	}
	cmd(p, 3, T_SMASTER);
	arg_s(p, "SENTINEL");
	arg_s(p, "get-master-addr-by-name");
	arg_s(p, p->cfg.master);
	p->c->reader->fn = p->default_fn;
	p->state = C_PROBING;
	send_batch(p, now);
}

static void
check_connect(ib_pub *p, int64_t now)
{
	struct pollfd pfd = { .fd = p->c->fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (poll(&pfd, 1, 0) == 0) {
		if (now > p->conn_deadline)
			conn_fail(p, "connect timed out", now);
		return;
	}
	if (getsockopt(p->c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err) {
		conn_fail(p, strerror(err), now);
		return;
	}
	if (p->asking)
		start_ask(p, now);
	else
		start_probe(p, now);
}

/*
 * An error that says the server takes no writes at the moment (memory, disk,
 * replicas, a script or function holding it, loading, auth), rather than
 * refusing one command.  The batch it answers is lost, and the mirror has
 * already cleaned what that batch carried: the connection must be given up
 * so that the reconnect rewrites everything (a full snapshot) once writes
 * are taken again.  A MULTI/EXEC discarded for such a reason counts too.
 */
static bool
is_fatal(const char *msg)
{
	static const char *const fatal[] = { "NOAUTH", "WRONGPASS", "READONLY", "MISCONF", "OOM",
					     "LOADING", "MASTERDOWN", "BUSY", "NOREPLICAS" };
	static const char execabort[] = "EXECABORT Transaction discarded because of: ";

	if (strncmp(msg, execabort, sizeof(execabort) - 1) == 0)
		msg += sizeof(execabort) - 1;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++) {
		size_t n = strlen(fatal[i]);
		/* the whole first word: BUSY, not BUSYKEY */
		if (strncmp(msg, fatal[i], n) == 0 && (msg[n] == ' ' || msg[n] == '\0'))
			return true;
	}
	return false;
}

static void
probe_xinfo(ib_pub *p, const redisReply *r)
{
	if (r->type == REDIS_REPLY_ERROR) {
		if (strstr(r->str, "no such key") == NULL)
			ib_log(IB_LL_ERROR, "redis", "%s:" IB_KEY_ORDERS_STREAM ": %s -- order stream entries will be refused",
			       p->cfg.prefix, r->str);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i + 1 < r->elements; i += 2) {
		const redisReply *f = r->element[i], *v = r->element[i + 1];
		if (f->type == REDIS_REPLY_STRING && strcmp(f->str, "last-generated-id") == 0 &&
		    v->type == REDIS_REPLY_STRING)
			pm_sid_parse(v->str, v->len, &p->probe_last);
	}
}

/* A command result Redis holds: the command reader may acknowledge the command (commands.c). */
static void
cmd_acked(ib_pub *p, const struct pm_entry *e)
{
	if (e->kind == PM_ENTRY_CMD && e->u.c.seq > atomic_load_explicit(&p->cmd_acked, memory_order_relaxed))
		atomic_store_explicit(&p->cmd_acked, e->u.c.seq, memory_order_release);
}

uint64_t
ib_pub_cmd_acked(ib_pub *p)
{
	return atomic_load_explicit(&p->cmd_acked, memory_order_acquire);
}

/* Entries of ours already in Redis: acknowledged, whatever happened to their replies. */
static void
probe_xrange(ib_pub *p, const redisReply *r)
{
	struct pm_stream *st = &p->m.st;
	uint64_t cursor = st->ack;

	if (r->type != REDIS_REPLY_ARRAY)
		return;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i], *fields;
		struct pm_sid id;
		bool ours = false;
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[0]->type != REDIS_REPLY_STRING ||
		    !pm_sid_parse(e->element[0]->str, e->element[0]->len, &id))
			continue;
		fields = e->element[1];
		for (size_t f = 0; fields->type == REDIS_REPLY_ARRAY && f + 1 < fields->elements; f += 2)
			if (fields->element[f]->type == REDIS_REPLY_STRING && strcmp(fields->element[f]->str, "src") == 0 &&
			    fields->element[f + 1]->type == REDIS_REPLY_STRING)
				ours = strcmp(fields->element[f + 1]->str, p->src) == 0;
		cursor = pm_stream_find(st, cursor, id);
		if (ours && cursor < st->tail && pm_sid_cmp(st->e[cursor % PM_STREAM_CAP].id, id) == 0) {
			st->e[cursor % PM_STREAM_CAP].acked = 1;
			cmd_acked(p, &st->e[cursor % PM_STREAM_CAP]);
			p->cnt.stream_written++;
			p->cnt.stream_found++;
		}
	}
}

/* false: the connection was given up */
static bool
on_probe_reply(ib_pub *p, redisReply *r, enum cmd_tag tag, int64_t now)
{
	char why[200];

	if (r->type == REDIS_REPLY_ERROR && (tag == T_AUTH || tag == T_SELECT || is_fatal(r->str))) {
		snprintf(why, sizeof(why), "%s refused: %s", tag == T_AUTH ? "AUTH" : tag == T_SELECT ? "SELECT" : "probe",
			 r->str);
		freeReplyObject(r);
		conn_fail(p, why, now);
		return false;
	}
	if (tag == T_SAUTH && r->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof(why), "sentinel refused AUTH: %s", r->str);
		freeReplyObject(r);
		conn_fail(p, why, now); /* asking: the next sentinel */
		return false;
	}
	if (tag == T_SMASTER) {
		char err[160];
		bool ok = ib_sentinel_addr_reply(r, p->mhost, sizeof(p->mhost), &p->mport, err, sizeof(err));
		freeReplyObject(r);
		if (!ok) {
			conn_fail(p, err, now);
			return false;
		}
		return true;
	}
	if (tag == T_ROLE && !ib_redis_role_is_master(r)) {
		if (r->type == REDIS_REPLY_ERROR) /* NOPERM: the user needs +role (deploy/redis/acl.sh) */
			snprintf(why, sizeof(why), "%s: ROLE refused: %s", p->desc, r->str);
		else
			snprintf(why, sizeof(why), "%s is not the master (ROLE says %s): asking the sentinels again",
				 p->desc, r->type == REDIS_REPLY_ARRAY && r->elements && r->element[0]->str ? r->element[0]->str : "?");
		freeReplyObject(r);
		conn_fail(p, why, now);
		return false;
	}
	if (tag == T_XINFO)
		probe_xinfo(p, r);
	else if (tag == T_XRANGE)
		probe_xrange(p, r);
	freeReplyObject(r);
	return true;
}

/* A sentinel named the master: connect there now. */
static void
ask_done(ib_pub *p, int64_t now)
{
	char was[sizeof(p->desc)];

	redisFree(p->c);
	p->c = NULL;
	batch_reset(p->b);
	p->asking = false;
	p->resolved = true;
	ib_strlcpy(was, p->desc, sizeof(was));
	snprintf(p->desc, sizeof(p->desc), strchr(p->mhost, ':') ? "master %s at [%s]:%d" : "master %s at %s:%d",
		 p->cfg.master, p->mhost, p->mport);
	if (strcmp(was, p->desc) != 0)
		ib_log(IB_LL_INFO, "redis", "sentinel %s:%d names %s", p->sentinels.s[p->sidx].host,
		       p->sentinels.s[p->sidx].port, p->desc);
	start_connect(p, now);
}

/* ---- counting reply functions: no objects, just what the batch needs to know ---- */

static void *
rs_note(const redisReadTask *t, int type, const char *s, size_t n)
{
	ib_pub *p = t->privdata;
	struct rstate *rs = &p->rs;

	if (type == REDIS_REPLY_ERROR && rs->nerr++ == 0) {
		size_t k = n < sizeof(rs->msg) - 1 ? n : sizeof(rs->msg) - 1;
		memcpy(rs->msg, s, k);
		rs->msg[k] = '\0';
	}
	if (t->parent == NULL)
		rs->type = type;
	return rs;
}

static void *
rs_string(const redisReadTask *t, char *s, size_t n)
{
	return rs_note(t, t->type, s, n);
}

static void *
rs_array(const redisReadTask *t, int n)
{
	(void)n;
	return rs_note(t, REDIS_REPLY_ARRAY, NULL, 0);
}

static void *
rs_integer(const redisReadTask *t, long long v)
{
	(void)v;
	return rs_note(t, REDIS_REPLY_INTEGER, NULL, 0);
}

static void *
rs_nil(const redisReadTask *t)
{
	return rs_note(t, REDIS_REPLY_NIL, NULL, 0);
}

static void
rs_free(void *o)
{
	(void)o;
}

static redisReplyObjectFunctions count_fns = { rs_string, rs_array, rs_integer, rs_nil, rs_free };

static void
probe_done(ib_pub *p, int64_t now)
{
	uint64_t n = pm_stream_reconcile(&p->m.st, p->probe_last);

	p->c->reader->fn = &count_fns;
	batch_reset(p->b);
	p->state = C_UP;
	p->backoff_ms = BACKOFF_MIN_MS;
	pm_mark_all_dirty(&p->m);
	memset(p->wver, 0, IB_MAX_INSTRUMENTS * sizeof(uint64_t));
	memset(p->bver, 0, sizeof(p->bver));
	p->next_quote_ns = p->next_health_ns = 0;
	p->quote_wait_ns = 0; /* a new connection: the first scans at the full cadence */
	p->st.snapshots++;
	if (p->ever_up) {
		p->st.reconnects++;
		ib_log(IB_LL_INFO, "redis", "reconnected to %s after %.1f s: writing a full snapshot (%llu stream entries)",
		       p->desc, ib_ns_to_s(now - p->lost_ns), (unsigned long long)n);
	} else {
		ib_log(IB_LL_INFO, "redis", "connected to %s: writing a full snapshot", p->desc);
	}
	p->ever_up = true;
	p->down_logged = false;
	stats_publish(p);
}

/* false: the connection was given up */
static bool
on_reply(ib_pub *p, enum cmd_tag tag, int64_t now)
{
	struct rstate *rs = &p->rs;
	struct batch *b = p->b;
	bool ok = rs->nerr == 0;

	if (tag == T_XBAR) {
		if (!ok && is_fatal(rs->msg)) {
			char why[200];
			snprintf(why, sizeof(why), "Redis refuses writes: %s", rs->msg);
			p->cnt.redis_errors++;
			conn_fail(p, why, now); /* re-sent, from this one, on the next connection */
			return false;
		}
		pb_reply(&p->bars, b->bfirst + b->bnext++, ok, rs->msg);
		p->cnt.redis_errors += !ok && !strstr(rs->msg, "equal or smaller");
	} else if (tag == T_XADD) {
		uint64_t pos = b->xpos[b->xnext++];
		if (ok && rs->type == REDIS_REPLY_STRING) {
			cmd_acked(p, &p->m.st.e[pos % PM_STREAM_CAP]);
			pm_stream_acked(&p->m.st, pos);
			p->cnt.stream_written++;
		} else {
			/* refused (an id Redis already passed, a wrong type): re-probe on a fresh connection */
			char why[200];
			snprintf(why, sizeof(why), "XADD refused: %s", rs->msg);
			p->cnt.redis_errors++;
			conn_fail(p, why, now);
			return false;
		}
	} else if (!ok) {
		p->cnt.redis_errors++;
		if (is_fatal(rs->msg)) {
			char why[200];
			snprintf(why, sizeof(why), "Redis refuses writes: %s", rs->msg);
			conn_fail(p, why, now);
			return false;
		}
		ib_log(IB_LL_WARN, "redis", "%s refused: %s", tag == T_EXEC ? "MULTI/EXEC" : "command", rs->msg);
	}
	rs->nerr = 0;
	rs->type = 0;
	return true;
}

static void
batch_done(ib_pub *p, int64_t now)
{
	struct batch *b = p->b;

	for (uint32_t i = 0; i < b->nq; i++) {
		const struct qsent *q = &b->q[i];
		/* a snapshot rewrite of a value Redis had before is not a new arrival */
		if (q->ver <= p->aver[q->inst])
			continue;
		p->cnt.quote_coalesced += q->ver - p->aver[q->inst] - 1;
		p->aver[q->inst] = q->ver;
		if (q->recv > 0 && now > q->recv) {
			ib_hist_add(&p->stale, (uint64_t)(now - q->recv));
			ib_hist_add(&p->stale_win, (uint64_t)(now - q->recv));
		}
	}
	p->st.batches++;
	p->st.quote_writes += b->nq;
	batch_reset(b);
	stats_publish(p);
}

/* Write what the socket takes, read what arrived, handle complete replies. */
static void
io_progress(ib_pub *p, int64_t now)
{
	struct batch *b = p->b;
	redisContext *c = p->c;

	if (b->woff < b->r.len) {
		ssize_t n = send(c->fd, b->r.buf + b->woff, b->r.len - b->woff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			b->woff += (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			conn_fail(p, strerror(errno), now);
			return;
		}
	}
	for (;;) {
		while (b->nreplied < b->ncmd) {
			void *r = NULL;
			enum cmd_tag tag = (enum cmd_tag)b->tag[b->nreplied];
			if (redisGetReplyFromReader(c, &r) != REDIS_OK) {
				conn_fail(p, c->errstr, now);
				return;
			}
			if (r == NULL)
				break;
			b->nreplied++;
			if (p->state == C_PROBING ? !on_probe_reply(p, r, tag, now) : !on_reply(p, tag, now))
				return;
		}
		if (b->nreplied == b->ncmd) {
			int64_t done = ib_now_mono_ns();
			if (p->state == C_PROBING && p->asking) {
				ask_done(p, done);
			} else if (p->state == C_PROBING) {
				probe_done(p, done);
			} else {
				batch_done(p, done);
			}
			return;
		}
		ssize_t n = read(c->fd, p->rbuf, sizeof(p->rbuf));
		if (n > 0) {
			if (redisReaderFeed(c->reader, p->rbuf, (size_t)n) != REDIS_OK) {
				conn_fail(p, c->reader->errstr, now);
				return;
			}
			continue;
		}
		if (n == 0) {
			conn_fail(p, "Redis closed the connection", now);
			return;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			conn_fail(p, strerror(errno), now);
			return;
		}
		break;
	}
	if (now > b->deadline)
		conn_fail(p, "no reply within 5 s", now);
}

static void
send_batch(ib_pub *p, int64_t now)
{
	struct batch *b = p->b;

	if (b->r.args_left != 0 || b->r.bad) {
		ib_log(IB_LL_ERROR, "redis", "internal error: a command's argument count is wrong; batch not sent");
		conn_fail(p, "malformed batch", now);
		return;
	}
	if (b->r.oom) {
		/* the buffer could not grow: give this connection up, the snapshot after reconnect retries */
		conn_fail(p, "out of memory building a batch", now);
		return;
	}
	b->inflight = true;
	b->deadline = now + IO_TIMEOUT_NS;
	p->st.commands += b->ncmd;
	io_progress(p, now);
}

static bool
build_batch(ib_pub *p, int64_t now, bool stopping)
{
	batch_reset(p->b);
	write_state(p);
	write_bars(p);
	if (p->quotes && (now >= p->next_quote_ns || stopping)) {
		int64_t every = (int64_t)p->cfg.quote_interval_us * 1000;
		size_t before = p->b->ncmd;
		write_quotes(p);
		if (p->books)
			write_books(p);
		/*
		 * A scan that found nothing new waits twice as long for the next, up to QUOTE_IDLE_MAX_NS:
		 * an idle feed costs 125 wake-ups a second instead of 1,000 (the default configuration idles
		 * under 1 % of a core; issue 20), and the first tick after a quiet spell reaches Redis at
		 * most that much later.  Any change brings the cadence straight back.
		 */
		if (p->b->ncmd != before || p->quote_wait_ns < every)
			p->quote_wait_ns = every;
		else if (p->quote_wait_ns < QUOTE_IDLE_MAX_NS)
			p->quote_wait_ns = p->quote_wait_ns * 2 < QUOTE_IDLE_MAX_NS ? p->quote_wait_ns * 2 : QUOTE_IDLE_MAX_NS;
		p->next_quote_ns = now + p->quote_wait_ns;
		if (stopping)
			p->final_scan = true;
	}
	if (now >= p->next_health_ns) {
		write_health(p, now);
		p->next_health_ns = now + (int64_t)p->cfg.health_interval_ms * IB_NS_PER_MS;
	}
	return p->b->ncmd > 0;
}

/* ---- the thread ---- */

static bool
drain(ib_pub *p)
{
	ib_pub_event ev;
	int64_t now = ib_now_real_ns();
	unsigned n = 0;

	while (ib_ring_pop_pubev(&p->ring, p->ring_buf, &ev)) {
		if (ev.kind == IB_PUB_BAR)
			pb_push(&p->bars, &ev.u.bar);
		else
			pm_absorb(&p->m, &ev, now);
		if ((++n & 255) == 0)
			now = ib_now_real_ns();
	}
	return n > 0;
}

static void
step(ib_pub *p, int64_t now, bool stopping)
{
	switch (p->state) {
	case C_DOWN:
		if (now >= p->next_try_ns)
			start_connect(p, now);
		break;
	case C_CONNECTING:
		check_connect(p, now);
		break;
	case C_PROBING:
		io_progress(p, now);
		break;
	case C_UP:
		break;
	}
	if (p->state == C_UP && p->b->inflight)
		io_progress(p, now);
	if (p->state == C_UP && !p->b->inflight && build_batch(p, now, stopping))
		send_batch(p, now);
}

static void
wait_for_work(ib_pub *p, uint32_t snap, int64_t now, bool stopping)
{
	int64_t until;

	if (p->state == C_CONNECTING || p->state == C_PROBING || (p->state == C_UP && p->b->inflight)) {
		struct pollfd pfd = { .fd = p->c->fd, .events = POLLIN };
		if (p->state == C_CONNECTING || p->b->woff < p->b->r.len)
			pfd.events |= POLLOUT;
		/* 1 ms at most: events keep draining into the mirror while Redis thinks */
		poll(&pfd, 1, 1);
		return;
	}
	if (p->state == C_DOWN) {
		until = p->next_try_ns;
	} else {
		until = p->next_health_ns;
		if (p->quotes && p->quotes->n && p->next_quote_ns < until)
			until = p->next_quote_ns;
		if (pm_dirty(&p->m))
			until = now;
	}
	if (stopping && until > now + IB_NS_PER_MS)
		until = now + IB_NS_PER_MS;
	if (until <= now)
		return;
	/*
	 * ck_ec's timed wait overshoots short deadlines (a 1 ms wait takes ~2 ms),
	 * so the quote cadence sleeps precisely and the producers' wake only
	 * shortens the long idle waits.
	 */
	if (until - now <= 2 * IB_NS_PER_MS) {
		struct timespec ts = { 0, (long)(until - now) };
		nanosleep(&ts, NULL);
	} else {
		int64_t ms = (until - now) / IB_NS_PER_MS;
		ib_wake_wait(&p->wake, snap, ms > 1000 ? 1000 : (int)ms);
	}
}

/*
 * The loop below ended with data the mirror still holds (Redis down, or the
 * flush deadline passed): it dies with the process.  Say what, once, so that
 * nobody takes Redis for the whole story: an order Filled here may still be
 * Submitted there.  Stream entries and bars count from the last acknowledged
 * one (those in flight were never confirmed); orders and accounts are those
 * changed since their last write (one in a batch a lost connection took is
 * not among them: the next connection would have rewritten everything).
 */
static void
report_unwritten(ib_pub *p)
{
	const struct pm_mirror *m = &p->m;
	unsigned long long orders = m->orders->ndirty, accts = m->acct_dirty, entries = m->st.tail - m->st.ack,
			   bars = p->bars.tail - p->bars.ack;

	p->cnt.unwritten = orders + accts + entries + bars;
	if (p->cnt.unwritten == 0)
		return;
	ib_log(IB_LL_ERROR, "redis",
	       "stopped with %s: never written to %s: orders %llu, accounts %llu, stream entries %llu, bars %llu -- "
	       "lost with this process (Redis may show an order's earlier status, not its final one)",
	       p->state == C_DOWN ? "Redis down" : "the flush unfinished", p->desc, orders, accts, entries,
	       bars);
}

static void *
pub_thread(void *arg)
{
	ib_pub *p = arg;
	int64_t stop_deadline = 0;

	for (;;) {
		uint32_t snap = ib_wake_snapshot(&p->wake);
		bool stopping = ck_pr_load_int(&p->stopping) != 0;
		ib_heartbeat_beat(&p->hb);
		bool got = drain(p);
		int64_t now = ib_now_mono_ns();

		if (stopping && stop_deadline == 0)
			stop_deadline = now + STOP_FLUSH_NS;
		step(p, now, stopping);
		if (got)
			stats_publish(p);
		if (stopping) {
			bool flushed = p->state == C_UP && !p->b->inflight && !pm_dirty(&p->m) &&
				       (p->quotes == NULL || p->final_scan);
			if (flushed || p->state == C_DOWN || now >= stop_deadline)
				break;
		}
		wait_for_work(p, snap, now, stopping);
	}
	report_unwritten(p);
	if (p->c) {
		redisFree(p->c);
		p->c = NULL;
	}
	p->state = C_DOWN;
	stats_publish(p);
	return NULL;
}

/* ---- API ---- */

ib_pub *
ib_pub_create(const ib_pub_config *cfg, ib_quote_table *quotes, const ib_stats *stats)
{
	char err[160];
	ib_pub *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->cfg = *cfg;
	if (p->cfg.health_interval_ms <= 0)
		p->cfg.health_interval_ms = IB_REDIS_HEALTH_INTERVAL_MS;
	if (p->cfg.health_ttl_s <= 0)
		p->cfg.health_ttl_s = IB_REDIS_HEALTH_TTL_S;
	if (p->cfg.stream_maxlen <= 0)
		p->cfg.stream_maxlen = IB_REDIS_STREAM_MAXLEN;
	if (p->cfg.bars_maxlen <= 0)
		p->cfg.bars_maxlen = IB_REDIS_BARS_MAXLEN;
	if (p->cfg.quote_interval_us <= 0)
		p->cfg.quote_interval_us = IB_REDIS_QUOTE_INTERVAL_US;
	if (p->cfg.book_levels <= 0 || p->cfg.book_levels > IB_BOOK_ROWS)
		p->cfg.book_levels = IB_REDIS_BOOK_LEVELS;
	if (p->cfg.prefix[0] == '\0')
		ib_strlcpy(p->cfg.prefix, IB_REDIS_DEFAULT_PREFIX, sizeof(p->cfg.prefix));
	pthread_mutex_init(&p->mu, NULL);
	if (ib_redis_url_parse(p->cfg.url, &p->url, err, sizeof(err)) != IB_OK) {
		ib_log(IB_LL_ERROR, "redis", "%s", err);
		free(p);
		return NULL;
	}
	ib_redis_url_describe(&p->url, p->desc, sizeof(p->desc));
	p->backoff_max_ms = BACKOFF_MAX_MS;
	if (p->cfg.sentinels[0]) {
		if (ib_sentinels_parse(p->cfg.sentinels, &p->sentinels, err, sizeof(err)) != IB_OK ||
		    ib_sentinel_master_name_check(p->cfg.master, err, sizeof(err)) != IB_OK || p->url.unix_socket) {
			ib_log(IB_LL_ERROR, "redis", "%s", p->url.unix_socket ? "with sentinels the URL must be redis://" : err);
			free(p);
			return NULL;
		}
		p->ha = true;
		p->backoff_max_ms = BACKOFF_MAX_HA_MS;
		snprintf(p->desc, sizeof(p->desc), "master %s (via %d sentinels)", p->cfg.master, p->sentinels.n);
	}
	p->quotes = quotes;
	p->stats = stats;
	p->start_real_ns = ib_now_real_ns();
	snprintf(p->src, sizeof(p->src), "%d-%llx", (int)getpid(), (unsigned long long)p->start_real_ns);
	p->backoff_ms = BACKOFF_MIN_MS;
	p->ring_buf = ib_ring_alloc(&p->ring, EV_RING, sizeof(*p->ring_buf));
	p->b = calloc(1, sizeof(*p->b));
	p->wver = calloc(IB_MAX_INSTRUMENTS, sizeof(uint64_t));
	p->aver = calloc(IB_MAX_INSTRUMENTS, sizeof(uint64_t));
	if (!p->ring_buf || !p->b || !p->wver || !p->aver || pm_init(&p->m, (uint64_t)p->cfg.stream_maxlen) != IB_OK ||
	    pb_init(&p->bars) != 0) {
		ib_pub_free(p);
		return NULL;
	}
	ib_wake_init(&p->wake);
	return p;
}

void
ib_pub_set_books(ib_pub *p, const ib_book_table *books)
{
	p->books = books;
}

void
ib_pub_set_greeks(ib_pub *p, const ib_greeks *greeks)
{
	p->greeks = greeks;
}

void
ib_pub_set_latency(ib_pub *p, void (*read)(const void *arg, ib_hist *out), const void *arg)
{
	p->lat_read = read;
	p->lat_arg = arg;
}


int
ib_pub_start(ib_pub *p)
{
	if (p->started)
		return IB_OK;
	if (pthread_create(&p->th, NULL, pub_thread, p) != 0)
		return IB_EIO;
	pthread_setname_np(p->th, "ibpipe-publish");
	p->started = true;
	return IB_OK;
}

static bool
pub_stopping(const void *p)
{
	return ck_pr_load_int(&((const ib_pub *)p)->stopping) != 0;
}

bool
ib_pub_post(ib_pub *p, const ib_pub_event *ev)
{
	/* full: the publisher is behind by EV_RING events; it never waits on Redis to drain */
	ib_ring_waiter w = { .wake = &p->wake, .stopped = pub_stopping, .arg = p };

	if (pub_stopping(p) || !ib_ring_push_wait_mpsc_pubev(&p->ring, p->ring_buf, ev, &w))
		return false;
	ib_wake_signal(&p->wake);
	return true;
}

void
ib_pub_stop(ib_pub *p)
{
	if (p == NULL)
		return;
	ck_pr_store_int(&p->stopping, 1);
	if (!p->started)
		return;
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
	if (p->c)
		redisFree(p->c);
	if (p->b)
		free(p->b->r.buf);
	free(p->b);
	free(p->ring_buf);
	free(p->wver);
	free(p->aver);
	pm_free(&p->m);
	pb_free(&p->bars);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void
ib_pub_get_stats(ib_pub *p, ib_pub_stats *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->st_pub;
	pthread_mutex_unlock(&p->mu);
}

void
ib_pub_get_counts(ib_pub *p, ib_pub_counts *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->cnt_pub;
	pthread_mutex_unlock(&p->mu);
}

const ib_heartbeat *
ib_pub_heartbeat(const ib_pub *p)
{
	return &p->hb;
}

pthread_t
ib_pub_thread(const ib_pub *p)
{
	return p->th;
}

void
ib_pub_get_staleness(ib_pub *p, ib_hist *out)
{
	pthread_mutex_lock(&p->mu);
	*out = p->stale_pub;
	pthread_mutex_unlock(&p->mu);
}
