/*
 * test_publish.c - the Redis publisher against real redis-servers: every key
 * it writes, the ready ordering, quote coalescing, the order stream written
 * exactly once (also while its connection is killed over and over), health,
 * and a Redis outage (SIGKILL, restart, full snapshot).  Each test uses its
 * own key prefix, so they never see each other's keys.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ibpipe/account.h"
#include "publish/publish.h"
#include "config/redis_url.h"
#include "core/wake.h"
#include "ibpipe/ib.h"
#include "util/str.h"
#include "testutil.h"
#include "util/clock.h"

static int prefix_seq;

/* Flags shared between a test and its helper threads. */
#define FLAG_GET(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define FLAG_SET(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

static void
new_prefix(char *out, size_t cap)
{
	snprintf(out, cap, "t%d_%d", (int)getpid(), ++prefix_seq);
}

static redisContext *
rconn(int port)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);

	if (c && c->err) {
		redisFree(c);
		return NULL;
	}
	if (c)
		redisSetTimeout(c, tv);
	return c;
}

/* A command with a string reply, copied; "" for nil / error / no connection. */
static char *
rstr(redisContext *c, char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	out[0] = '\0';
	if (c == NULL)
		return out;
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
		ib_strlcpy(out, r->str, cap);
	if (r)
		freeReplyObject(r);
	return out;
}

static long long
rnum(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;
	long long v = -999;

	if (c == NULL)
		return v;
	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r && r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	if (r)
		freeReplyObject(r);
	return v;
}

static bool
wait_str(redisContext *c, const char *want, int ms, const char *fmt, const char *k)
{
	char buf[256];
	long long deadline = tu_now_ms() + ms;

	do {
		if (strcmp(rstr(c, buf, sizeof(buf), fmt, k), want) == 0)
			return true;
		tu_sleep_ms(5);
	} while (tu_now_ms() < deadline);
	return false;
}

static ib_pub *
mkpub(const char *url, const char *prefix, const char *password, ib_quote_table *q, const ib_stats *s, int health_ms)
{
	ib_pub_config cfg;
	ib_pub *p;

	ib_pub_config_defaults(&cfg);
	ib_strlcpy(cfg.url, url, sizeof(cfg.url));
	ib_strlcpy(cfg.prefix, prefix, sizeof(cfg.prefix));
	if (password)
		ib_strlcpy(cfg.password, password, sizeof(cfg.password));
	cfg.health_interval_ms = health_ms;
	cfg.health_ttl_s = 3;
	p = ib_pub_create(&cfg, q, s);
	if (p && ib_pub_start(p) != IB_OK) {
		ib_pub_free(p);
		p = NULL;
	}
	return p;
}

static const char *
local_url(int port)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "redis://127.0.0.1:%d", port);
	return buf;
}

/* ---- event helpers ---- */

static void
post_conn(ib_pub *p, int up, int sv, int cid)
{
	ib_pub_event ev = { .kind = IB_PUB_CONN };
	ev.u.conn.connected = up;
	ev.u.conn.server_version = sv;
	ev.u.conn.client_id = cid;
	CU_ASSERT_TRUE(ib_pub_post(p, &ev));
}

static void
post_accounts(ib_pub *p, int n, const char *const *ids)
{
	ib_pub_event ev = { .kind = IB_PUB_ACCOUNTS };
	ev.u.accounts.n = n;
	for (int i = 0; i < n; i++)
		ib_strlcpy(ev.u.accounts.ids[i], ids[i], sizeof(ev.u.accounts.ids[i]));
	CU_ASSERT_TRUE(ib_pub_post(p, &ev));
}

static bool
post_value(ib_pub *p, const char *acct, const char *key, const char *cur, const char *val)
{
	ib_pub_event ev = { .kind = IB_PUB_ACCT_VALUE };
	ib_strlcpy(ev.u.acct_value.account, acct, sizeof(ev.u.acct_value.account));
	ib_strlcpy(ev.u.acct_value.key, key, sizeof(ev.u.acct_value.key));
	ib_strlcpy(ev.u.acct_value.currency, cur, sizeof(ev.u.acct_value.currency));
	ib_strlcpy(ev.u.acct_value.value, val, sizeof(ev.u.acct_value.value));
	return ib_pub_post(p, &ev);
}

static void
post_position(ib_pub *p, const char *acct, int con_id, const char *sym, double pos, double avg)
{
	ib_pub_event ev = { .kind = IB_PUB_POSITION };
	ib_strlcpy(ev.u.position.account, acct, sizeof(ev.u.position.account));
	ev.u.position.con_id = con_id;
	ib_strlcpy(ev.u.position.symbol, sym, sizeof(ev.u.position.symbol));
	ib_strlcpy(ev.u.position.sec_type, "STK", sizeof(ev.u.position.sec_type));
	ib_strlcpy(ev.u.position.exchange, "NASDAQ", sizeof(ev.u.position.exchange));
	ib_strlcpy(ev.u.position.currency, "USD", sizeof(ev.u.position.currency));
	ev.u.position.position = pos;
	ev.u.position.avg_cost = avg;
	ev.u.position.market_price = 151;
	ev.u.position.market_value = pos * 151;
	ev.u.position.unrealized_pnl = 75.5;
	ev.u.position.realized_pnl = 1.7976931348623157e308; /* unset: IB_UNSET_DOUBLE */
	CU_ASSERT_TRUE(ib_pub_post(p, &ev));
}

static bool
post_order(ib_pub *p, int id, const char *status, double filled, double qty)
{
	ib_pub_event ev = { .kind = IB_PUB_ORDER };
	ev.u.order.order_id = id;
	ev.u.order.perm_id = 1000000 + id;
	ib_strlcpy(ev.u.order.account, "DU1", sizeof(ev.u.order.account));
	ib_strlcpy(ev.u.order.symbol, "AAPL", sizeof(ev.u.order.symbol));
	ib_strlcpy(ev.u.order.action, "BUY", sizeof(ev.u.order.action));
	ib_strlcpy(ev.u.order.order_type, "LMT", sizeof(ev.u.order.order_type));
	ib_strlcpy(ev.u.order.tif, "DAY", sizeof(ev.u.order.tif));
	ib_strlcpy(ev.u.order.status, status, sizeof(ev.u.order.status));
	ev.u.order.total_qty = qty;
	ev.u.order.lmt_price = 150.5;
	ev.u.order.aux_price = 1.7976931348623157e308;
	ev.u.order.filled = filled;
	ev.u.order.remaining = qty - filled;
	ev.u.order.avg_fill_price = filled > 0 ? 150.25 : 0;
	ev.u.order.ts_ns = ib_now_real_ns();
	return ib_pub_post(p, &ev);
}

static bool
post_exec(ib_pub *p, int order_id, const char *exec_id, double shares)
{
	ib_pub_event ev = { .kind = IB_PUB_EXEC };
	ev.u.exec.order_id = order_id;
	ib_strlcpy(ev.u.exec.exec_id, exec_id, sizeof(ev.u.exec.exec_id));
	ib_strlcpy(ev.u.exec.account, "DU1", sizeof(ev.u.exec.account));
	ib_strlcpy(ev.u.exec.symbol, "AAPL", sizeof(ev.u.exec.symbol));
	ib_strlcpy(ev.u.exec.side, "BOT", sizeof(ev.u.exec.side));
	ib_strlcpy(ev.u.exec.time, "20240102 10:00:00", sizeof(ev.u.exec.time));
	ev.u.exec.shares = shares;
	ev.u.exec.price = 150.25;
	ev.u.exec.cum_qty = shares;
	ev.u.exec.avg_price = 150.25;
	ev.u.exec.ts_ns = ib_now_real_ns();
	return ib_pub_post(p, &ev);
}

static bool
post_sync(ib_pub *p, enum ib_sync_state st, const char *detail)
{
	ib_pub_event ev = { .kind = IB_PUB_SYNC };
	ev.u.sync.state = st;
	ib_strlcpy(ev.u.sync.detail, detail, sizeof(ev.u.sync.detail));
	return ib_pub_post(p, &ev);
}

static void
set_quote(ib_quote_table *t, uint32_t i, double bid, double ask, double last)
{
	ib_quote_data q;

	ib_quote_peek(t, i, &q);
	q.bid = bid;
	q.ask = ask;
	q.last = last;
	q.bid_size = 100;
	q.ask_size = 200;
	q.last_size = 5;
	q.volume = 123456789012.0;
	q.recv_mono_ns = ib_now_mono_ns();
	q.updated_ns = ib_now_real_ns();
	q.version++;
	ib_quote_write(t, i, &q);
}

static ib_quote_table *
mkquotes(int n, const char *const *syms)
{
	ib_quote_table *t = calloc(1, sizeof(*t));

	for (int i = 0; t && i < n; i++)
		ib_quote_set_name(t, (uint32_t)i, syms[i]);
	if (t)
		t->n = (uint32_t)n;
	return t;
}

/* ---- tests ---- */

static void
test_every_key(void)
{
	static const char *const accts[] = { "DU1", "DU2" };
	static const char *const syms[] = { "AAPL", "MSFT", "ESZ4", "EDGE", "CASH:EUR.USD@IDEALPRO" };
	int port = tu_redis_port();
	char P[32], buf[512], k[128];
	redisContext *c = rconn(port), *sub = rconn(port);
	ib_quote_table *q = mkquotes(5, syms);
	ib_stats *s = calloc(1, sizeof(*s));
	ib_pub *p;
	redisReply *r;

	CU_ASSERT_FATAL(port > 0 && c && sub && q && s);
	new_prefix(P, sizeof(P));
	s->net.msgs_in = 1234;
	s->net.md_coalesced = 5;
	s->md.fanout_coalesced = 7;
	s->net.last_msg_ns = 42;
	s->start_ns = (uint64_t)(ib_now_real_ns() - 10000000000LL);
	set_quote(q, 0, 189.5, 189.6, 189.55);
	set_quote(q, 1, 410.01, 410.02, 410);
	/* numbers that must read back exactly, and the unset marker */
	set_quote(q, 3, 0.00001234, 1e-10, -2.5);
	{ /* never a trade (FX): bid, ask and mid, and no last fields at all */
		ib_quote_data fx;
		ib_quote_peek(q, 4, &fx);
		fx.bid = 1.1;
		fx.ask = 1.2;
		fx.mid = 1.15;
		fx.version++;
		ib_quote_write(q, 4, &fx);
	}
	{
		ib_quote_data d;
		ib_quote_peek(q, 3, &d);
		d.volume = 1e20;
		d.bid_size = 1.7976931348623157e308;
		d.ask_size = 0.1 + 0.2;
		d.last_size = 1234567.891;
		d.version++;
		ib_quote_write(q, 3, &d);
	}
	/* ESZ4 never ticks: it must not be written */
	r = redisCommand(sub, "SUBSCRIBE %s:events", P);
	freeReplyObject(r);

	p = mkpub(local_url(port), P, NULL, q, s, 100);
	CU_ASSERT_FATAL(p != NULL);
	post_conn(p, 1, 178, 7);
	post_accounts(p, 2, accts);
	CU_ASSERT_TRUE(post_value(p, "DU1", "NetLiquidation", "USD", "100000.5"));
	CU_ASSERT_TRUE(post_value(p, "DU1", "AccountType", "", "INDIVIDUAL"));
	CU_ASSERT_TRUE(post_value(p, "DU2", "NetLiquidation", "BASE", "5000"));
	post_position(p, "DU1", 265598, "AAPL", 100, 150.25);
	post_position(p, "DU1", 272093, "MSFT", -5, 400);
	CU_ASSERT_TRUE(post_order(p, 11, "Submitted", 0, 100));
	CU_ASSERT_TRUE(post_order(p, 11, "Filled", 100, 100));
	CU_ASSERT_TRUE(post_exec(p, 11, "0001.01", 100));
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_SYNCING, "{\"missing\":[\"positionEnd\"]}"));
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{\"have\":[\"x\"]}"));

	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "GET %s:sync:detail", P), "{\"have\":[\"x\"]}");
	CU_ASSERT_EQUAL(rnum(c, "SCARD %s:accounts", P), 2);
	CU_ASSERT_EQUAL(rnum(c, "SISMEMBER %s:accounts DU1", P), 1);
	CU_ASSERT_EQUAL(rnum(c, "SISMEMBER %s:accounts DU2", P), 1);
	snprintf(k, sizeof(k), "%s:account:{DU1}", P);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s NetLiquidation:USD", k), "100000.5");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s AccountType", k), "INDIVIDUAL");
	CU_ASSERT_TRUE(atoll(rstr(c, buf, sizeof(buf), "HGET %s updated_at", k)) > 1600000000000000000LL);
	CU_ASSERT_EQUAL(rnum(c, "HLEN %s", k), 3);
	snprintf(k, sizeof(k), "%s:account:{DU2}", P);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s NetLiquidation:BASE", k), "5000");
	snprintf(k, sizeof(k), "%s:positions:{DU1}", P);
	CU_ASSERT_EQUAL(rnum(c, "HLEN %s", k), 2);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s 265598", k),
			       "{\"symbol\":\"AAPL\",\"secType\":\"STK\",\"exchange\":\"NASDAQ\",\"currency\":\"USD\","
			       "\"position\":100,\"avgCost\":150.25,\"marketPrice\":151,\"marketValue\":15100,"
			       "\"unrealizedPNL\":75.5,\"realizedPNL\":null}");
	CU_ASSERT_PTR_NOT_NULL(strstr(rstr(c, buf, sizeof(buf), "HGET %s 272093", k), "\"position\":-5,"));

	snprintf(k, sizeof(k), "%s:quote:AAPL", P);
	CU_ASSERT_TRUE(wait_str(c, "189.5", 10000, "HGET %s bid", k));
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s ask", k), "189.6");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s last", k), "189.55");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s bid_size", k), "100");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s ask_size", k), "200");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s last_size", k), "5");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s volume", k), "123456789012");
	CU_ASSERT_TRUE(atoll(rstr(c, buf, sizeof(buf), "HGET %s updated_at", k)) > 1600000000000000000LL);
	snprintf(k, sizeof(k), "%s:quote:MSFT", P);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s bid", k), "410.01");
	CU_ASSERT_EQUAL(rnum(c, "EXISTS %s:quote:ESZ4", P), 0);
	snprintf(k, sizeof(k), "%s:quote:EDGE", P);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s bid", k), "0.00001234");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s ask", k), "1e-10");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s last", k), "-2.5");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s volume", k), "1e+20");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s bid_size", k), "");
	CU_ASSERT_EQUAL(strtod(rstr(c, buf, sizeof(buf), "HGET %s ask_size", k), NULL), 0.1 + 0.2);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s last_size", k), "1234567.891");
	snprintf(k, sizeof(k), "%s:quote:CASH:EUR.USD@IDEALPRO", P);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s mid", k), "1.15");
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s last", k), 0);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s last_size", k), 0);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s last_time", k), 0);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s bid_size", k), 1);

	snprintf(k, sizeof(k), "%s:order:11", P);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s status", k), "Filled");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s filled", k), "100");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s remaining", k), "0");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s avg_fill_price", k), "150.25");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s symbol", k), "AAPL");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s action", k), "BUY");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s qty", k), "100");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s type", k), "LMT");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s lmt", k), "150.5");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s reason", k), "");
	CU_ASSERT_TRUE(atoll(rstr(c, buf, sizeof(buf), "HGET %s updated_at", k)) > 1600000000000000000LL);

	/* the stream: two status changes and one execution, in order */
	r = redisCommand(c, "XRANGE %s:stream:orders - +", P);
	CU_ASSERT_FATAL(r != NULL && r->type == REDIS_REPLY_ARRAY);
	CU_ASSERT_EQUAL(r->elements, 3);
	if (r->elements == 3) {
		const char *want_kind[] = { "status", "status", "exec" };
		for (int i = 0; i < 3; i++) {
			redisReply *f = r->element[i]->element[1];
			CU_ASSERT_STRING_EQUAL(f->element[0]->str, "kind");
			CU_ASSERT_STRING_EQUAL(f->element[1]->str, want_kind[i]);
		}
		redisReply *f = r->element[1]->element[1];
		bool saw_filled = false;
		for (size_t i = 0; i + 1 < f->elements; i += 2)
			if (strcmp(f->element[i]->str, "status") == 0)
				saw_filled = strcmp(f->element[i + 1]->str, "Filled") == 0;
		CU_ASSERT_TRUE(saw_filled);
	}
	freeReplyObject(r);

	/* PUBLISH on every sync change: the last one is the ready message */
	{
		char last[600] = "";
		long long deadline = tu_now_ms() + 2000;
		while (strstr(last, "ready") == NULL && tu_now_ms() < deadline) {
			if (redisGetReply(sub, (void **)&r) != REDIS_OK)
				break;
			if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 && r->element[2]->type == REDIS_REPLY_STRING)
				ib_strlcpy(last, r->element[2]->str, sizeof(last));
			freeReplyObject(r);
		}
		CU_ASSERT_STRING_EQUAL(last, "{\"sync\":\"ready\",\"detail\":{\"have\":[\"x\"]}}");
	}

	/* health, with a TTL, from ib_stats and the CONN event */
	snprintf(k, sizeof(k), "%s:health", P);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	CU_ASSERT_TRUE(wait_str(c, buf, 2000, "HGET %s pid", k));
	CU_ASSERT_TRUE(wait_str(c, "178", 10000, "HGET %s server_version", k)); /* a refresh after the CONN event */
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s connected", k), "1");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s server_version", k), "178");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s client_id", k), "7");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s msgs_in", k), "1234");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s coalesced", k), "12");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s dropped", k), "0");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s last_msg_at", k), "42");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s redis_reconnects", k), "0");
	CU_ASSERT_TRUE(atoi(rstr(c, buf, sizeof(buf), "HGET %s uptime_s", k)) >= 9);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s msgs_per_s", k), 1);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s staleness_p50_us", k), 1);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s staleness_p99_us", k), 1);
	long long ttl = rnum(c, "TTL %s", k);
	CU_ASSERT_TRUE(ttl > 0 && ttl <= 3);

	/*
	 * msgs_per_s is the rate of net.msgs_in between two refreshes: 1000 every >= 5 ms (at most 200 k/s)
	 * until a refresh shows it (however slowly the machine runs this loop, the next refresh does).
	 */
	double rate = 0;
	for (long long end = tu_now_ms() + 20000; rate <= 20000 && tu_now_ms() < end;) {
		IB_STAT_ADD(s->net.msgs_in, 1000);
		tu_sleep_ms(5);
		rate = atof(rstr(c, buf, sizeof(buf), "HGET %s msgs_per_s", k));
	}
	CU_ASSERT_TRUE(rate > 20000 && rate < 400000);

	ib_pub_stats st;
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.connected, 1);
	CU_ASSERT_TRUE(st.quote_writes >= 2);
	CU_ASSERT_EQUAL(st.snapshots, 1);
	CU_ASSERT_EQUAL(st.reconnects, 0);
	CU_ASSERT_EQUAL(st.pending_dropped, 0);
	CU_ASSERT_TRUE(st.commands > 10 && st.batches >= 1);
	CU_ASSERT_TRUE(st.staleness_p99_us > 0);
	ib_pub_stop(p);
	CU_ASSERT_FALSE(post_value(p, "DU1", "After", "", "stop")); /* refused once stop began */
	ib_pub_free(p);
	redisFree(sub);
	redisFree(c);
	free(q);
	free(s);
}

/* A reader that sees ready must find every account value posted before it. */
struct watcher {
	int port;
	const char *prefix;
	int naccts, nvals;
	int stop;
	int saw_ready, complete, checks;
};

static void *
watch_ready(void *arg)
{
	struct watcher *w = arg;
	redisContext *c = rconn(w->port);
	char buf[64];

	while (c && !FLAG_GET(w->stop)) {
		if (strcmp(rstr(c, buf, sizeof(buf), "GET %s:sync", w->prefix), "ready") != 0)
			continue;
		int complete = 1;
		for (int a = 0; a < w->naccts; a++)
			if (rnum(c, "HLEN %s:account:{A%d}", w->prefix, a) != w->nvals + 1)
				complete = 0;
		w->complete = complete;
		w->checks++;
		FLAG_SET(w->saw_ready, 1);
		break;
	}
	if (c)
		redisFree(c);
	return NULL;
}

static void
test_ready_ordering(void)
{
	int port = tu_redis_port();

	for (int round = 0; round < 3; round++) {
		char P[32], acct[16], key[32], val[32];
		struct watcher w = { .port = port, .prefix = P, .naccts = 3, .nvals = 500 };
		pthread_t th;
		ib_pub *p;

		new_prefix(P, sizeof(P));
		p = mkpub(local_url(port), P, NULL, NULL, NULL, 1000);
		CU_ASSERT_FATAL(p != NULL);
		tu_sleep_ms(20);
		pthread_create(&th, NULL, watch_ready, &w);
		post_sync(p, IB_SYNC_SYNCING, "{}");
		for (int i = 0; i < w.nvals; i++)
			for (int a = 0; a < w.naccts; a++) {
				snprintf(acct, sizeof(acct), "A%d", a);
				snprintf(key, sizeof(key), "Key%d", i);
				snprintf(val, sizeof(val), "%d.%d", i, a);
				post_value(p, acct, key, "USD", val);
			}
		post_sync(p, IB_SYNC_READY, "{}");
		long long deadline = tu_now_ms() + 3000;
		while (!FLAG_GET(w.saw_ready) && tu_now_ms() < deadline)
			tu_sleep_ms(2);
		FLAG_SET(w.stop, 1);
		pthread_join(th, NULL);
		CU_ASSERT_TRUE(w.saw_ready);
		CU_ASSERT_TRUE(w.complete);
		ib_pub_free(p);
	}
}

/*
 * "ready" vouches for this session's account data only.  A position closed
 * or a value dropped while ibpipe was away is never sent again -- the new
 * download just does not name it -- so nothing of an earlier process's or an
 * earlier gateway session's may stay in Redis beside "ready".
 */
static void
test_ready_vouches_for_this_session_only(void)
{
	static const char *const one[] = { "DU1" };
	int port = tu_redis_port();
	char P[32], buf[64], k[128], pk[128];
	redisContext *c = rconn(port);
	ib_pub *p;

	CU_ASSERT_FATAL(port > 0 && c);
	new_prefix(P, sizeof(P));
	snprintf(k, sizeof(k), "%s:account:{DU1}", P);
	snprintf(pk, sizeof(pk), "%s:positions:{DU1}", P);
	/* what an earlier process left: a position since closed, a value no longer sent */
	CU_ASSERT_EQUAL(rnum(c, "HSET %s 999 {}", pk), 1);
	CU_ASSERT_EQUAL(rnum(c, "HSET %s OldKey 1", k), 1);

	p = mkpub(local_url(port), P, NULL, NULL, NULL, 100);
	CU_ASSERT_FATAL(p != NULL);
	/* connected to Redis before the account is known, as when a gateway is slower than Redis */
	CU_ASSERT_TRUE(TU_UNTIL(rnum(c, "EXISTS %s:health", P) == 1, 10000));
	post_conn(p, 1, 176, 7);
	post_accounts(p, 1, one);
	CU_ASSERT_TRUE(post_value(p, "DU1", "NetLiquidation", "USD", "100"));
	CU_ASSERT_TRUE(post_value(p, "DU1", "AccountType", "", "INDIVIDUAL"));
	post_position(p, "DU1", 265598, "AAPL", 100, 150.25);
	post_position(p, "DU1", 272093, "MSFT", 5, 400);
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s 999", pk), 0);
	CU_ASSERT_EQUAL(rnum(c, "HLEN %s", pk), 2);
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s OldKey", k), 0);

	/* the gateway goes; the next session holds IBM only and sends no AccountType */
	post_conn(p, 0, 0, 0);
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_DISCONNECTED, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "disconnected", 10000, "GET %s:sync", P));
	post_conn(p, 1, 176, 7);
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_SYNCING, "{}"));
	post_accounts(p, 1, one);
	CU_ASSERT_TRUE(post_value(p, "DU1", "NetLiquidation", "USD", "200"));
	post_position(p, "DU1", 8314, "IBM", 10, 130);
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	CU_ASSERT_EQUAL(rnum(c, "HLEN %s", pk), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(rstr(c, buf, sizeof(buf), "HGET %s 8314", pk), "\"symbol\":\"IBM\""));
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s NetLiquidation:USD", k), "200");
	CU_ASSERT_EQUAL(rnum(c, "HEXISTS %s AccountType", k), 0);
	ib_pub_free(p);
	redisFree(c);
}

/*
 * A publisher that stops leaves no "ready" behind, even when the account
 * thread's own "disconnected" never reached it: it withdraws ready itself
 * in its last batch, rather than leaving it to the TTL.
 */
static void
test_stop_withdraws_ready(void)
{
	int port = tu_redis_port();
	char P[32], buf[32];
	redisContext *c = rconn(port);
	ib_pub *p;

	CU_ASSERT_FATAL(port > 0 && c);
	new_prefix(P, sizeof(P));
	p = mkpub(local_url(port), P, NULL, NULL, NULL, 100);
	CU_ASSERT_FATAL(p != NULL);
	post_conn(p, 1, 176, 7);
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	ib_pub_stop(p); /* returns after its last batch */
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "GET %s:sync", P), "disconnected");
	ib_pub_free(p);
	redisFree(c);
}

/* A list of n ids "<stem><i>" in parts, as the account thread posts a long one. */
static void
post_account_list(ib_pub *p, int n, const char *stem)
{
	for (int part = 0, i = 0; i < n || part == 0; part++) {
		ib_pub_event ev = { .kind = IB_PUB_ACCOUNTS };
		ev.u.accounts.part = part;
		for (; i < n && ev.u.accounts.n < IB_PUB_MAX_ACCOUNTS; i++)
			snprintf(ev.u.accounts.ids[ev.u.accounts.n++], sizeof(ev.u.accounts.ids[0]), "%s%d", stem, i);
		ev.u.accounts.more = i < n;
		CU_ASSERT_TRUE(ib_pub_post(p, &ev));
	}
}

/*
 * The mirror holds the current list's accounts, not every id ever seen:
 * after a list of 1,024 (the most ibpipe takes), the next list's account
 * is published before "ready" like any other.
 */
static void
test_account_list_turnover(void)
{
	int port = tu_redis_port();
	char P[32], k[96];
	redisContext *c = rconn(port);
	ib_pub *p;

	CU_ASSERT_FATAL(port > 0 && c);
	new_prefix(P, sizeof(P));
	p = mkpub(local_url(port), P, NULL, NULL, NULL, 100);
	CU_ASSERT_FATAL(p != NULL);
	post_conn(p, 1, 176, 7);
	post_account_list(p, IB_MAX_ACCOUNTS, "A");
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	CU_ASSERT_EQUAL(rnum(c, "SCARD %s:accounts", P), IB_MAX_ACCOUNTS);

	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_SYNCING, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "syncing", 10000, "GET %s:sync", P));
	post_account_list(p, 1, "B");
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{}"));
	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	CU_ASSERT_EQUAL(rnum(c, "SCARD %s:accounts", P), 1);
	CU_ASSERT_EQUAL(rnum(c, "SISMEMBER %s:accounts B0", P), 1);
	/* and its data is kept, not "not published" */
	CU_ASSERT_TRUE(post_value(p, "B0", "NetLiquidation", "USD", "7"));
	snprintf(k, sizeof(k), "%s:account:{B0}", P);
	CU_ASSERT_TRUE(wait_str(c, "7", 10000, "HGET %s NetLiquidation:USD", k));
	ib_pub_free(p);
	redisFree(c);
}

static void
test_quote_coalescing(void)
{
	static const char *const syms[] = { "FAST" };
	int port = tu_redis_port();
	char P[32], buf[64], k[96];
	redisContext *c = rconn(port);
	ib_quote_table *q = mkquotes(1, syms);
	ib_pub *p;
	ib_pub_stats st;
	ib_pub_counts cnt;

	CU_ASSERT_FATAL(c && q);
	new_prefix(P, sizeof(P));
	p = mkpub(local_url(port), P, NULL, q, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	snprintf(k, sizeof(k), "%s:quote:FAST", P);
	for (int i = 1; i <= 10000; i++)
		set_quote(q, 0, i, i + 0.5, i + 0.25);
	CU_ASSERT_TRUE(wait_str(c, "10000", 10000, "HGET %s bid", k));
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s ask", k), "10000.5");
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s last", k), "10000.25");
	/* the writer has accounted for every version: written or folded */
	CU_ASSERT_TRUE(TU_UNTIL((ib_pub_get_stats(p, &st), ib_pub_get_counts(p, &cnt),
				 st.quote_writes + cnt.quote_coalesced == 10000),
				10000));
	CU_ASSERT_TRUE(st.quote_writes >= 1 && st.quote_writes < 1000);
	CU_ASSERT_EQUAL(st.quote_writes + cnt.quote_coalesced, 10000);
	/* nothing changes: nothing is written */
	uint64_t before = st.quote_writes;
	tu_sleep_ms(30);
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.quote_writes, before);
	ib_pub_free(p);
	redisFree(c);
	free(q);
}

/* Kills the publisher's connections (not its own) while orders stream in. */
struct killer {
	int port;
	int stop;
	int kills, ready;
};

static void *
kill_clients(void *arg)
{
	struct killer *k = arg;
	redisContext *c = NULL;

	for (int i = 0; i < 100 && c == NULL; i++)
		if ((c = rconn(k->port)) == NULL)
			tu_sleep_ms(5);
	k->ready = c != NULL;
	while (c && !FLAG_GET(k->stop)) {
		long long n = rnum(c, "CLIENT KILL TYPE normal SKIPME yes");
		if (n > 0)
			k->kills += (int)n;
		tu_sleep_ms(2 + rand() % 15);
	}
	if (c)
		redisFree(c);
	return NULL;
}

/* Every entry of the stream once: status entries by order_id, exec entries by exec_id. */
static int
check_stream(redisContext *c, const char *P, int norders, int nexecs, int filled_offset, int *dups)
{
	redisReply *r = redisCommand(c, "XRANGE %s:stream:orders - +", P);
	unsigned char *seen = calloc((size_t)norders + (size_t)nexecs + 2, 1);
	int n = 0;

	*dups = 0;
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		redisReply *f = r->element[i]->element[1];
		const char *kind = "", *oid = "", *xid = "", *status = "";
		for (size_t j = 0; j + 1 < f->elements; j += 2) {
			if (strcmp(f->element[j]->str, "kind") == 0)
				kind = f->element[j + 1]->str;
			else if (strcmp(f->element[j]->str, "order_id") == 0)
				oid = f->element[j + 1]->str;
			else if (strcmp(f->element[j]->str, "exec_id") == 0)
				xid = f->element[j + 1]->str;
			else if (strcmp(f->element[j]->str, "status") == 0)
				status = f->element[j + 1]->str;
		}
		int idx = strcmp(kind, "exec") == 0 ? norders + atoi(xid)
			  : atoi(oid) + (strcmp(status, "Filled") == 0 ? filled_offset : 0);
		if (idx >= 1 && idx <= norders + nexecs) {
			if (seen[idx])
				(*dups)++;
			else
				n++;
			seen[idx] = 1;
		}
	}
	if (r)
		freeReplyObject(r);
	free(seen);
	return n;
}

static void
test_stream_exactly_once(void)
{
	int port = tu_redis_port();
	char P[32], xid[16];
	redisContext *c;
	struct killer k = { .port = port };
	pthread_t th;
	ib_pub *p;
	ib_pub_stats st;
	int norders = 3000, nexecs = 600, dups = 0, got = 0;

	new_prefix(P, sizeof(P));
	p = mkpub(local_url(port), P, NULL, NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	pthread_create(&th, NULL, kill_clients, &k);
	for (int i = 1; i <= norders; i++) {
		CU_ASSERT_TRUE(post_order(p, i, "Submitted", 0, 10));
		if (i % 5 == 0) {
			snprintf(xid, sizeof(xid), "%d", i / 5);
			CU_ASSERT_TRUE(post_exec(p, i, xid, 10));
		}
		if (i % 5 == 0)
			tu_sleep_ms(1);
	}
	tu_sleep_ms(200);
	FLAG_SET(k.stop, 1);
	pthread_join(th, NULL);
	c = rconn(port);
	CU_ASSERT_FATAL(c != NULL);
	/* until every entry is in Redis and the publisher has heard so (nothing waiting for a reply) */
	ib_pub_counts done;
	CU_ASSERT_TRUE(TU_UNTIL((ib_pub_get_counts(p, &done), done.stream_waiting == 0 &&
				 check_stream(c, P, norders, nexecs, 0, &dups) == norders + nexecs),
				30000));
	got = check_stream(c, P, norders, nexecs, 0, &dups);
	ib_pub_get_stats(p, &st);
	{
		ib_pub_counts cnt;
		ib_pub_get_counts(p, &cnt);
		fprintf(stderr, "[%d connections killed, %llu reconnects, %llu entries found written after a lost reply] ",
			k.kills, (unsigned long long)st.reconnects, (unsigned long long)cnt.stream_found);
		CU_ASSERT_EQUAL(cnt.stream_written, (uint64_t)(norders + nexecs));
		CU_ASSERT_EQUAL(cnt.stream_waiting, 0);
	}
	CU_ASSERT_EQUAL(got, norders + nexecs);
	CU_ASSERT_EQUAL(dups, 0);
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), norders + nexecs);
	CU_ASSERT_TRUE(k.ready);
	CU_ASSERT_TRUE(k.kills >= 1);
	CU_ASSERT_TRUE(st.reconnects >= 1);
	CU_ASSERT_EQUAL(st.pending_dropped, 0);
	/* the last order state survives all that too */
	CU_ASSERT_EQUAL(rnum(c, "EXISTS %s:order:%d", P, norders), 1);
	ib_pub_free(p);
	/* stopping wrote nothing twice either */
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), norders + nexecs);
	redisFree(c);
}

/*
 * A loopback proxy that can swallow Redis' replies: requests still reach
 * Redis (and are applied) but the publisher never hears back, then the
 * connection is closed.  Exactly the case where a blind resend would
 * duplicate stream entries.
 */
struct proxy {
	int lfd, port, rport;
	int drop, stop;
	int conns;
	int dropped_port;  /* FLAG_*: our local port towards Redis on the connection that lost replies */
	int dropped_closed; /* FLAG_*: and that connection is closed */
	pthread_t th;
};

static bool
write_all(int fd, const char *b, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, b, (size_t)n);
		if (w <= 0)
			return false;
		b += w;
		n -= w;
	}
	return true;
}

static void *
proxy_main(void *arg)
{
	struct proxy *x = arg;
	char buf[65536];

	while (!FLAG_GET(x->stop)) {
		struct pollfd lp = { .fd = x->lfd, .events = POLLIN };
		if (poll(&lp, 1, 20) <= 0)
			continue;
		int cfd = accept(x->lfd, NULL, NULL);
		if (cfd < 0)
			continue;
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)x->rport),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int sfd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(sfd, (struct sockaddr *)&a, sizeof(a)) != 0) {
			close(cfd);
			close(sfd);
			continue;
		}
		x->conns++;
		long long drop_since = 0;
		while (!FLAG_GET(x->stop)) {
			struct pollfd pf[2] = { { .fd = cfd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
			poll(pf, 2, 10);
			if (pf[0].revents) {
				ssize_t n = read(cfd, buf, sizeof(buf));
				if (n <= 0 || !write_all(sfd, buf, n))
					break;
			}
			if (pf[1].revents) {
				ssize_t n = read(sfd, buf, sizeof(buf));
				if (n <= 0)
					break;
				int drop = FLAG_GET(x->drop);
				if (!drop && !write_all(cfd, buf, n))
					break;
				if (drop && drop_since == 0) {
					struct sockaddr_in me = { 0 }; /* set by getsockname; zeroed for clang-analyzer, which cannot tell */
					socklen_t mlen = sizeof(me);
					drop_since = tu_now_ms();
					if (getsockname(sfd, (struct sockaddr *)&me, &mlen) == 0)
						FLAG_SET(x->dropped_port, ntohs(me.sin_port));
				}
			}
			if (drop_since && tu_now_ms() - drop_since > 150)
				break;
		}
		close(cfd);
		close(sfd);
		if (drop_since)
			FLAG_SET(x->dropped_closed, 1);
	}
	return NULL;
}

static int
proxy_start(struct proxy *x, int rport)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int one = 1;

	memset(x, 0, sizeof(*x));
	x->rport = rport;
	x->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(x->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(x->lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(x->lfd, 4) != 0 ||
	    getsockname(x->lfd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	x->port = ntohs(a.sin_port);
	return pthread_create(&x->th, NULL, proxy_main, x) == 0 ? 0 : -1;
}

static void
proxy_stop(struct proxy *x)
{
	FLAG_SET(x->stop, 1);
	pthread_join(x->th, NULL);
	close(x->lfd);
}

/* Is a client connected from 127.0.0.1:port?  (CLIENT LIST's addr= field) */
static bool
redis_has_client_port(redisContext *c, int port)
{
	char needle[40];
	redisReply *r = redisCommand(c, "CLIENT LIST");
	bool found;

	snprintf(needle, sizeof(needle), "addr=127.0.0.1:%d ", port);
	found = r == NULL || r->type != REDIS_REPLY_STRING || strstr(r->str, needle) != NULL;
	if (r)
		freeReplyObject(r);
	return found;
}

static void
test_stream_lost_replies(void)
{
	int port = tu_redis_port(), dups = 0;
	char P[32], xid[16];
	redisContext *c = rconn(port);
	struct proxy x;
	ib_pub *p;
	ib_pub_stats st;
	ib_pub_counts cnt;

	CU_ASSERT_FATAL(c != NULL && proxy_start(&x, port) == 0);
	new_prefix(P, sizeof(P));
	p = mkpub(local_url(x.port), P, NULL, NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	post_order(p, 1, "Submitted", 0, 10);
	long long deadline = tu_now_ms() + 10000;
	while (rnum(c, "XLEN %s:stream:orders", P) != 1 && tu_now_ms() < deadline)
		tu_sleep_ms(5);
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), 1);
	do { /* and the publisher has heard that it is */
		ib_pub_get_counts(p, &cnt);
		tu_sleep_ms(2);
	} while (cnt.stream_written != 1 && tu_now_ms() < deadline);
	/* from here Redis applies what it gets, and its replies vanish */
	FLAG_SET(x.drop, 1);
	for (int i = 2; i <= 100; i++)
		post_order(p, i, "Submitted", 0, 10);
	for (int i = 1; i <= 20; i++) {
		snprintf(xid, sizeof(xid), "%d", i);
		post_exec(p, i, xid, 1);
	}
	/* the publisher has every entry (written or waiting for a reply that will not come); what was in
	   flight when replies started vanishing was applied, the rest waits */
	CU_ASSERT_TRUE(TU_UNTIL((ib_pub_get_counts(p, &cnt), cnt.stream_written + cnt.stream_waiting >= 120), 10000));
	/* What Redis applied is known only once it has read the last byte the proxy forwarded on that
	   connection: the proxy closes it, and Redis drops a client only after running every command it
	   had read from it.  Counting earlier raced the proxy's forwarding on a loaded machine. */
	CU_ASSERT_TRUE(TU_UNTIL(FLAG_GET(x.dropped_closed), 10000));
	CU_ASSERT_TRUE(TU_UNTIL(!redis_has_client_port(c, FLAG_GET(x.dropped_port)), 10000));
	long long applied = rnum(c, "XLEN %s:stream:orders", P);
	CU_ASSERT_TRUE(applied >= 1 && applied <= 120);
	FLAG_SET(x.drop, 0);
	deadline = tu_now_ms() + 15000;
	do {
		ib_pub_get_counts(p, &cnt);
		tu_sleep_ms(10);
	} while (cnt.stream_waiting > 0 && tu_now_ms() < deadline);
	CU_ASSERT_TRUE(TU_UNTIL(check_stream(c, P, 100, 20, 0, &dups) == 120, 10000));
	ib_pub_get_stats(p, &st);
	ib_pub_get_counts(p, &cnt);
	CU_ASSERT_EQUAL(check_stream(c, P, 100, 20, 0, &dups), 120);
	CU_ASSERT_EQUAL(dups, 0);
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), 120);
	fprintf(stderr, "[%lld applied without a reply, %llu found after reconnect] ", applied - 1,
		(unsigned long long)cnt.stream_found);
	CU_ASSERT_EQUAL(cnt.stream_found, (uint64_t)(applied - 1));
	CU_ASSERT_EQUAL(cnt.stream_written, 120);
	CU_ASSERT_EQUAL(cnt.stream_waiting, 0);
	CU_ASSERT_TRUE(st.reconnects >= 1);
	CU_ASSERT_TRUE(x.conns >= 2);
	/* new entries after all that carry on normally */
	post_order(p, 101, "Submitted", 0, 10);
	deadline = tu_now_ms() + 2000;
	while (rnum(c, "XLEN %s:stream:orders", P) != 121 && tu_now_ms() < deadline)
		tu_sleep_ms(5);
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), 121);
	ib_pub_free(p);
	proxy_stop(&x);
	redisFree(c);
}

/* ---- outage: our own redis-server, killed and restarted on the same port ---- */

/* redis-server with a password on *port (0: a free one, set on return), files in dir; its pid or -1. */
static pid_t
start_redis(int *port, const char *dir)
{
	static const char *const pw[] = { "--requirepass", "s3cr3t-pw", NULL };
	struct tu_redis r;

	if (tu_redis_start(&r, *port, dir, pw) != 0)
		return -1;
	*port = r.port;
	return r.pid;
}

static redisContext *
rconn_auth(int port)
{
	redisContext *c = rconn(port);
	redisReply *r;

	if (c == NULL)
		return NULL;
	r = redisCommand(c, "AUTH s3cr3t-pw");
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		if (r)
			freeReplyObject(r);
		redisFree(c);
		return NULL;
	}
	freeReplyObject(r);
	return c;
}

/* Everything the mirror holds is in Redis (the full snapshot); 0 when not yet. */
static int
outage_complete(int port, const char *P, int *stream_dups)
{
	redisContext *c = rconn_auth(port);
	char buf[128], k[96];
	int ok = 1, dups = 0;

	if (c == NULL)
		return 0;
	snprintf(k, sizeof(k), "%s:account:{DU1}", P);
	ok &= rnum(c, "HLEN %s", k) == 41; /* 40 values + updated_at */
	ok &= strcmp(rstr(c, buf, sizeof(buf), "HGET %s Key0:USD", k), "changed") == 0;
	ok &= strcmp(rstr(c, buf, sizeof(buf), "HGET %s Key39:USD", k), "39") == 0;
	ok &= rnum(c, "HLEN %s:positions:{DU1}", P) == 5;
	ok &= rnum(c, "SISMEMBER %s:accounts DU1", P) == 1;
	for (int i = 1; i <= 20; i++)
		ok &= strcmp(rstr(c, buf, sizeof(buf), "HGET %s:order:%d status", P, i), i <= 5 ? "Filled" : "Submitted") == 0;
	ok &= strcmp(rstr(c, buf, sizeof(buf), "GET %s:sync", P), "ready") == 0;
	ok &= strcmp(rstr(c, buf, sizeof(buf), "GET %s:sync:detail", P), "{\"round\":2}") == 0;
	ok &= strcmp(rstr(c, buf, sizeof(buf), "HGET %s:quote:AAPL bid", P), "201") == 0;
	ok &= rnum(c, "EXISTS %s:health", P) == 1;
	/* 10 + 10 + 5 status entries, 3 + 3 executions */
	ok &= check_stream(c, P, 25, 6, 20, &dups) == 31;
	ok &= rnum(c, "XLEN %s:stream:orders", P) == 31;
	*stream_dups += dups;
	redisFree(c);
	return ok;
}

static void
test_outage_snapshot(void)
{
	static const char *const accts[] = { "DU1" };
	static const char *const syms[] = { "AAPL" };
	int port = 0, dups = 0;
	const char *dir = tu_tmpdir();
	char P[32], url[96], key[32], val[32], logpath[256], xid[16];
	ib_quote_table *q = mkquotes(1, syms);
	pid_t rpid;
	ib_pub *p;
	ib_pub_stats st;
	int saved_err, logfd;

	CU_ASSERT_FATAL(dir && q);
	rpid = start_redis(&port, dir);
	CU_ASSERT_FATAL(rpid > 0);
	new_prefix(P, sizeof(P));
	snprintf(url, sizeof(url), "redis://:s3cr3t-pw@127.0.0.1:%d", port);
	/* the publisher logs to stderr: keep it, to check what it said (and did not) */
	snprintf(logpath, sizeof(logpath), "%s/pub.log", dir);
	fflush(stderr);
	saved_err = dup(2);
	logfd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	dup2(logfd, 2);

	p = mkpub(url, P, NULL, q, NULL, 200);
	CU_ASSERT_FATAL(p != NULL);
	post_conn(p, 1, 178, 1);
	post_accounts(p, 1, accts);
	for (int i = 0; i < 20; i++) {
		snprintf(key, sizeof(key), "Key%d", i);
		snprintf(val, sizeof(val), "%d", i);
		post_value(p, "DU1", key, "USD", val);
	}
	for (int i = 0; i < 5; i++)
		post_position(p, "DU1", 1000 + i, "AAPL", i, 10);
	for (int i = 1; i <= 10; i++)
		post_order(p, i, "Submitted", 0, 10);
	for (int i = 1; i <= 3; i++) {
		snprintf(xid, sizeof(xid), "%d", i);
		post_exec(p, i, xid, 1);
	}
	set_quote(q, 0, 200, 200.5, 200.25);
	post_sync(p, IB_SYNC_READY, "{\"round\":1}");
	{
		redisContext *c = rconn_auth(port);
		CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
		long long deadline = tu_now_ms() + 2000;
		while (rnum(c, "XLEN %s:stream:orders", P) != 13 && tu_now_ms() < deadline)
			tu_sleep_ms(5);
		CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), 13);
		if (c)
			redisFree(c);
	}

	/* Redis dies; the pipeline keeps posting and must not wait for it */
	tu_stop(rpid, SIGKILL, 2000);
	long long t0 = tu_now_ms();
	for (int i = 20; i < 40; i++) {
		snprintf(key, sizeof(key), "Key%d", i);
		snprintf(val, sizeof(val), "%d", i);
		CU_ASSERT_TRUE(post_value(p, "DU1", key, "USD", val));
	}
	CU_ASSERT_TRUE(post_value(p, "DU1", "Key0", "USD", "changed"));
	for (int i = 11; i <= 20; i++)
		CU_ASSERT_TRUE(post_order(p, i, "Submitted", 0, 10));
	for (int i = 1; i <= 5; i++)
		CU_ASSERT_TRUE(post_order(p, i, "Filled", 10, 10));
	for (int i = 4; i <= 6; i++) {
		snprintf(xid, sizeof(xid), "%d", i);
		CU_ASSERT_TRUE(post_exec(p, i, xid, 1));
	}
	/* enough more to overflow the event ring many times over: the mirror absorbs them */
	for (int i = 0; i < 20000; i++)
		CU_ASSERT_TRUE(post_value(p, "DU1", "Key1", "USD", (i & 1) ? "1" : "x"));
	set_quote(q, 0, 201, 201.5, 201.25);
	post_sync(p, IB_SYNC_SYNCING, "{\"round\":2}");
	post_sync(p, IB_SYNC_READY, "{\"round\":2}");
	/* posting never waits for Redis: a producer that blocked per event would take minutes (a failure bound) */
	CU_ASSERT_TRUE(tu_now_ms() - t0 < 20000);
	CU_ASSERT_TRUE(TU_UNTIL((ib_pub_get_stats(p, &st), st.connected == 0), 10000));
	CU_ASSERT_EQUAL(st.connected, 0);

	rpid = start_redis(&port, dir);
	CU_ASSERT_FATAL(rpid > 0);
	long long t1 = tu_now_ms(), done = -1;
	/* the whole state back after the restart (30 s: a failure bound, not a speed check) */
	while (tu_now_ms() - t1 < 30000) {
		if (outage_complete(port, P, &dups)) {
			done = tu_now_ms() - t1;
			break;
		}
		tu_sleep_ms(20);
	}
	CU_ASSERT_TRUE(done >= 0);
	CU_ASSERT_EQUAL(dups, 0);
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.connected, 1);
	CU_ASSERT_EQUAL(st.reconnects, 1);
	CU_ASSERT_EQUAL(st.snapshots, 2);
	CU_ASSERT_EQUAL(st.pending_dropped, 0);
	ib_pub_free(p);

	fflush(stderr);
	dup2(saved_err, 2);
	close(saved_err);
	close(logfd);
	fprintf(stderr, "[all keys back %lld ms after the restart] ", done);
	/* one line per state change, never the password */
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, "s3cr3t-pw"), 0);
	snprintf(key, sizeof(key), "connected to 127.0.0.1:%d: ", port);
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, key), 1);
	snprintf(key, sizeof(key), "127.0.0.1:%d lost", port);
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, key), 1);
	snprintf(key, sizeof(key), "reconnected to 127.0.0.1:%d after", port);
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, key), 1);
	if (done < 0 || CU_get_number_of_failures() > 0) {
		char *log = tu_read_file(logpath, NULL);
		fprintf(stderr, "publisher log %s:\n%s\n", logpath, log ? log : "(none)");
		free(log);
	}
	tu_stop(rpid, SIGKILL, 2000);
	free(q);
}

static void
test_wrong_password(void)
{
	int port = 0;
	const char *dir = tu_tmpdir();
	char url[96];
	pid_t rpid = start_redis(&port, dir);
	ib_pub *p;
	ib_pub_stats st;

	CU_ASSERT_FATAL(rpid > 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", port);
	p = mkpub(url, "wrongpw", "not-it", NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT_TRUE(post_sync(p, IB_SYNC_READY, "{}"));
	tu_sleep_ms(300);
	ib_pub_get_stats(p, &st);
	CU_ASSERT_EQUAL(st.connected, 0);
	CU_ASSERT_EQUAL(st.snapshots, 0);
	ib_pub_free(p);
	tu_stop(rpid, SIGKILL, 2000);
}

static void
test_url_parse(void)
{
	ib_redis_url u;
	char err[160], d[300];

	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://127.0.0.1:6380/2", &u, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(u.host, "127.0.0.1");
	CU_ASSERT_EQUAL(u.port, 6380);
	CU_ASSERT_EQUAL(u.db, 2);
	CU_ASSERT_STRING_EQUAL(u.password, "");
	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://:p%40ss@w/rd@localhost", &u, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(u.password, "p@ss@w/rd");
	CU_ASSERT_STRING_EQUAL(u.host, "localhost");
	CU_ASSERT_EQUAL(u.port, 6379);
	ib_redis_url_describe(&u, d, sizeof(d));
	CU_ASSERT_STRING_EQUAL(d, "localhost:6379");
	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://user:pw@[::1]:7000", &u, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(u.user, "user");
	CU_ASSERT_STRING_EQUAL(u.host, "::1");
	CU_ASSERT_EQUAL(u.port, 7000);
	CU_ASSERT_EQUAL(ib_redis_url_parse("unix:/run/redis.sock", &u, err, sizeof(err)), IB_OK);
	CU_ASSERT_TRUE(u.unix_socket);
	CU_ASSERT_STRING_EQUAL(u.host, "/run/redis.sock");
	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://h:0", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://h:6379x", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://h/db", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_redis_url_parse("http://h", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_redis_url_parse("rediss://h", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_redis_url_parse("unix:relative", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_redis_url_parse("redis://:secret@", &u, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NULL(strstr(err, "secret"));
}

/* Redis on a unix socket, and a publisher that stops with nothing to say. */
static void
test_unix_socket(void)
{
	const char *dir = tu_tmpdir();
	char sock[200], url[256], portbuf[] = "0", buf[64];
	char *argv[] = { "/usr/bin/redis-server", "--port", portbuf, "--unixsocket", sock, "--save", "", "--appendonly",
			 "no", "--dir", (char *)dir, NULL };
	pid_t rpid;
	redisContext *c = NULL;
	ib_pub *p;

	CU_ASSERT_FATAL(dir != NULL);
	snprintf(sock, sizeof(sock), "%s/redis.sock", dir);
	rpid = tu_spawn(argv, NULL);
	for (int i = 0; i < 150 && c == NULL; i++) {
		struct timeval tv = { 1, 0 };
		c = redisConnectUnixWithTimeout(sock, tv);
		if (c && c->err) {
			redisFree(c);
			c = NULL;
			tu_sleep_ms(20);
		}
	}
	CU_ASSERT_FATAL(c != NULL);
	snprintf(url, sizeof(url), "unix:%s", sock);
	p = mkpub(url, "ux", NULL, NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	post_sync(p, IB_SYNC_SYNCING, "{\"x\":1}");
	long long deadline = tu_now_ms() + 2000;
	while (strcmp(rstr(c, buf, sizeof(buf), "GET ux:sync"), "syncing") != 0 && tu_now_ms() < deadline)
		tu_sleep_ms(5);
	CU_ASSERT_STRING_EQUAL(buf, "syncing");
	ib_pub_free(p);
	redisFree(c);
	tu_stop(rpid, SIGKILL, 2000);
}

/*
 * P:health's latency_*: a whole-run histogram source that gains 100 samples of 10 us and one of
 * 1 ms per health write (for its first `feeds` reads), so every window holds exactly those 101
 * samples if the window is right, and a growing count if it is not.  The publisher thread is its
 * only user.
 */
struct lat_src {
	ib_hist h;
	int reads, feeds;
};

static void
lat_read(const void *arg, ib_hist *out)
{
	struct lat_src *l = (struct lat_src *)arg;

	if (__atomic_fetch_add(&l->reads, 1, __ATOMIC_RELAXED) < l->feeds) {
		for (int i = 0; i < 100; i++)
			ib_hist_add(&l->h, 10000);
		ib_hist_add(&l->h, 1000000);
	}
	*out = l->h;
}

static void
test_health_latency_window(void)
{
	int port = tu_redis_port();
	char P[32], k[64], buf[64];
	redisContext *c = rconn(port);
	struct lat_src *src = calloc(1, sizeof(*src));
	ib_pub_config cfg;
	ib_pub *p;

	CU_ASSERT_FATAL(port > 0 && c && src);
	new_prefix(P, sizeof(P));
	snprintf(k, sizeof(k), "%s:health", P);
	src->feeds = 1000000; /* every read feeds, until set below */
	ib_pub_config_defaults(&cfg);
	ib_strlcpy(cfg.url, local_url(port), sizeof(cfg.url));
	ib_strlcpy(cfg.prefix, P, sizeof(cfg.prefix));
	cfg.health_interval_ms = 20;
	cfg.health_ttl_s = 3;
	p = ib_pub_create(&cfg, NULL, NULL);
	CU_ASSERT_FATAL(p != NULL);
	ib_pub_set_latency(p, lat_read, src);
	CU_ASSERT_FATAL(ib_pub_start(p) == IB_OK);
	/* several windows: each shows its own 101 samples, never the run's */
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_TRUE(wait_str(c, "101", 10000, "HGET %s latency_samples", k));
		/* two more health writes: a count that accumulated would show it */
		int r = __atomic_load_n(&src->reads, __ATOMIC_RELAXED);
		CU_ASSERT_TRUE(TU_UNTIL(__atomic_load_n(&src->reads, __ATOMIC_RELAXED) >= r + 2, 10000));
	}
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s latency_samples", k), "101");
	double p50 = atof(rstr(c, buf, sizeof(buf), "HGET %s latency_p50_us", k));
	double p99 = atof(rstr(c, buf, sizeof(buf), "HGET %s latency_p99_us", k));
	double p999 = atof(rstr(c, buf, sizeof(buf), "HGET %s latency_p999_us", k));
	CU_ASSERT(p50 >= 10 && p50 <= 10 * 1.0625); /* a bucket is within 1/16 of its values */
	CU_ASSERT(p99 >= 10 && p99 <= 10 * 1.0625); /* the 100th of 101 */
	CU_ASSERT(p999 >= 1000 && p999 <= 1000 * 1.0625);
	ib_pub_free(p); /* the publisher thread is gone: src is ours again */

	/* no new samples in a window: 0 and no quantiles, not the last window's */
	src->reads = 0;
	src->feeds = 0;
	p = ib_pub_create(&cfg, NULL, NULL);
	CU_ASSERT_FATAL(p != NULL);
	ib_pub_set_latency(p, lat_read, src);
	CU_ASSERT_FATAL(ib_pub_start(p) == IB_OK);
	CU_ASSERT_TRUE(wait_str(c, "0", 10000, "HGET %s latency_samples", k));
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s latency_p99_us", k), "");
	ib_pub_free(p);
	free(src);
	redisFree(c);
}

static uint64_t
wait_events(ib_pub *p, uint64_t n)
{
	ib_pub_counts cnt;
	long long deadline = tu_now_ms() + 5000;

	do {
		ib_pub_get_counts(p, &cnt);
		if (cnt.events >= n)
			break;
		tu_sleep_ms(5);
	} while (tu_now_ms() < deadline);
	return cnt.events;
}

/* Fixed capacities: what does not fit is counted, never allocated. */
static void
test_mirror_bounds(void)
{
	int port = tu_redis_port();
	char P[32], acct[16], key[32], buf[64];
	redisContext *c = rconn(port);
	ib_pub *p;
	ib_pub_counts cnt;
	uint64_t posted = 0;

	CU_ASSERT_FATAL(c != NULL);
	new_prefix(P, sizeof(P));
	p = mkpub(local_url(port), P, NULL, NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	for (int a = 0; a <= IB_MAX_ACCOUNTS; a++, posted++) { /* one account too many */
		snprintf(acct, sizeof(acct), "A%d", a);
		post_value(p, acct, "K", "", "1");
	}
	for (int i = 0; i <= 512; i++, posted++) { /* A0 already has K: K0..K512 is two too many */
		snprintf(key, sizeof(key), "K%d", i);
		post_value(p, "A0", key, "", "v");
	}
	/* 8192 final orders fill the order mirror; the next evicts the least recent */
	for (int i = 1; i <= 8192; i++, posted++)
		post_order(p, i, "Filled", 10, 10);
	long long deadline = tu_now_ms() + 5000; /* only orders Redis has can be evicted */
	while (rnum(c, "XLEN %s:stream:orders", P) != 8192 && tu_now_ms() < deadline)
		tu_sleep_ms(10);
	post_order(p, 8193, "Submitted", 0, 10);
	post_order(p, 1, "Filled", 10, 10); /* order 1 was evicted: it comes back, evicting order 2 */
	posted += 2;
	CU_ASSERT_EQUAL(wait_events(p, posted), posted);
	ib_pub_get_counts(p, &cnt);
	CU_ASSERT_EQUAL(cnt.mirror_full, 1 + 2);
	deadline = tu_now_ms() + 3000;
	while (rnum(c, "XLEN %s:stream:orders", P) != 8194 && tu_now_ms() < deadline)
		tu_sleep_ms(10);
	CU_ASSERT_EQUAL(rnum(c, "SCARD %s:accounts", P), IB_MAX_ACCOUNTS);
	CU_ASSERT_EQUAL(rnum(c, "EXISTS %s:account:{A%d}", P, IB_MAX_ACCOUNTS), 0);
	CU_ASSERT_EQUAL(rnum(c, "HLEN %s:account:{A0}", P), 512 + 1);
	CU_ASSERT_STRING_EQUAL(rstr(c, buf, sizeof(buf), "HGET %s:order:8193 status", P), "Submitted");
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), 8194);
	ib_pub_free(p);

	/* the order stream while Redis is away: 65536 entries wait, the rest are counted */
	p = mkpub("redis://127.0.0.1:1", "nowhere", NULL, NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	for (int i = 0; i < 65536 + 10; i++)
		CU_ASSERT_FATAL(post_order(p, 1 + i % 100, "Submitted", 0, 10));
	CU_ASSERT_EQUAL(wait_events(p, 65546), 65546);
	ib_pub_stats st;
	ib_pub_get_stats(p, &st);
	ib_pub_get_counts(p, &cnt);
	CU_ASSERT_EQUAL(st.pending_dropped, 10);
	CU_ASSERT_EQUAL(cnt.stream_waiting, 65536);
	CU_ASSERT_EQUAL(st.connected, 0);
	ib_pub_free(p);
	redisFree(c);
}

/* A Redis that hangs (SIGSTOP) must not hold up a producer either. */
static void
test_hung_redis(void)
{
	static const char *const accts[] = { "DU1" };
	int port = 0;
	const char *dir = tu_tmpdir();
	char P[32], url[96], key[32], val[32];
	pid_t rpid = start_redis(&port, dir);
	ib_pub *p;

	CU_ASSERT_FATAL(rpid > 0);
	new_prefix(P, sizeof(P));
	snprintf(url, sizeof(url), "redis://:s3cr3t-pw@127.0.0.1:%d", port);
	p = mkpub(url, P, NULL, NULL, NULL, 1000);
	CU_ASSERT_FATAL(p != NULL);
	post_accounts(p, 1, accts);
	post_sync(p, IB_SYNC_SYNCING, "{}");
	redisContext *c = rconn_auth(port);
	CU_ASSERT_TRUE(wait_str(c, "syncing", 10000, "GET %s:sync", P));
	kill(rpid, SIGSTOP);
	/* five event rings' worth, while a batch waits on a Redis that will not answer */
	long long t0 = tu_now_ms();
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "Key%d", i % 300);
		snprintf(val, sizeof(val), "%d", i);
		CU_ASSERT_TRUE(post_value(p, "DU1", key, "USD", val));
		if (i % 500 == 0)
			post_order(p, i / 500 + 1, "Submitted", 0, 1);
	}
	post_sync(p, IB_SYNC_READY, "{}");
	long long took = tu_now_ms() - t0;
	CU_ASSERT_TRUE(took < 20000); /* not held up by the hung server (a failure bound, not a speed check) */
	tu_sleep_ms(200); /* the hang goes on while the publisher has a batch out */
	kill(rpid, SIGCONT);
	/* the batch that waited completes; the next carries the latest of everything */
	CU_ASSERT_TRUE(wait_str(c, "ready", 10000, "GET %s:sync", P));
	CU_ASSERT_EQUAL(rnum(c, "HLEN %s:account:{DU1}", P), 301);
	CU_ASSERT_STRING_EQUAL(rstr(c, val, sizeof(val), "HGET %s:account:{DU1} Key299:USD", P), "19799");
	CU_ASSERT_EQUAL(rnum(c, "XLEN %s:stream:orders", P), 40);
	ib_pub_free(p);
	redisFree(c);
	tu_stop(rpid, SIGKILL, 2000);
}

void
test_publish_register(void)
{
	CU_pSuite s = CU_add_suite("publish", NULL, NULL);

	CU_add_test(s, "redis url forms", test_url_parse);
	if (tu_redis_port() <= 0) {
		fprintf(stderr, "publish: no test redis (run under tools/with-redis.sh)\n");
		return;
	}
	CU_add_test(s, "every key written", test_every_key);
	CU_add_test(s, "P:health latency: the quantiles of each interval's samples", test_health_latency_window);
	CU_add_test(s, "ready only after the account data", test_ready_ordering);
	CU_add_test(s, "ready vouches for this session's account data only", test_ready_vouches_for_this_session_only);
	CU_add_test(s, "a stopping publisher withdraws ready itself", test_stop_withdraws_ready);
	CU_add_test(s, "after 1,024 accounts, the next list's account is published before ready",
		    test_account_list_turnover);
	CU_add_test(s, "quotes coalesce", test_quote_coalescing);
	CU_add_test(s, "order stream exactly once under connection kills", test_stream_exactly_once);
	CU_add_test(s, "order stream exactly once when replies are lost", test_stream_lost_replies);
	CU_add_test(s, "outage: kill, restart, full snapshot", test_outage_snapshot);
	CU_add_test(s, "hung redis: producers never wait for it", test_hung_redis);
	CU_add_test(s, "mirror bounds are counted", test_mirror_bounds);
	CU_add_test(s, "wrong password: no connection, no crash", test_wrong_password);
	CU_add_test(s, "unix socket", test_unix_socket);
}
