/*
 * test_readiness.c - "ready" means the account data is there: the account
 * list changing during a sync and after it, more than 16 (and 1,000, and
 * too many) accounts, hostile account ids in every JSON we write, a detail
 * that stays current, a killed ibpipe, a gateway that never answers, data
 * for accounts that are not managed.  Real ibsim, redis-server and ibpipe
 * processes on loopback; every wait is for an event (a log line, a Redis
 * value), with a deadline.
 */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json_valid.h"
#include "testutil.h"

/* ---- helpers ---- */

/* ibsim with sim_args, then (after `before` control commands) ibpipe with the recorder strategy; the shared
   test Redis, r->c connected to it. */
static int
rig_start(struct tu_stack *r, const char *const *sim_args, const char *const *before, const char *const *args)
{
	const struct tu_opts o = { .strategy = "recorder", .args = args, .sim_args = sim_args, .sim_control = before,
				   .redis = TU_REDIS_SHARED, .connect = true };

	return tu_stack_start(r, &o);
}

static void
control(const struct tu_stack *r, const char *cmd)
{
	const char *const one[] = { cmd, NULL };

	CU_ASSERT_EQUAL(tu_control_all(r->sim.ctl, one), 0);
}

static long long
rint_cmd(redisContext *c, const char *fmt, const char *a, const char *b)
{
	redisReply *rep = b ? redisCommand(c, fmt, a, b) : redisCommand(c, fmt, a);
	long long v = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;

	if (rep)
		freeReplyObject(rep);
	return v;
}

static char *
hget(redisContext *c, const char *k, const char *field, char *out, size_t cap)
{
	return tu_rhget(c, k, field, out, cap);
}

/* The account's NetLiquidation in Redis, "" when it has none. */
static const char *
netliq(const struct tu_stack *r, const char *acct)
{
	static char v[64];
	char k[160];

	snprintf(k, sizeof(k), "%s:account:{%s}", r->prefix, acct);
	return hget(r->c, k, "NetLiquidation:USD", v, sizeof(v));
}

/* The recorder's start line number n (1-based) into out; 0 or -1. */
static int
start_line(const struct tu_stack *r, int n, char *out, size_t cap)
{
	char needle[48];

	snprintf(needle, sizeof(needle), "\"cb\":\"start\",\"n\":%d,", n);
	if (tu_wait_for_text(tu_slog(&r->ib, 0), needle, 10000) != 0)
		return -1;
	return tu_last_line(tu_slog(&r->ib, 0), needle, out, cap);
}

/* ---- 1: the list changes ---- */

static void
test_list_changes_during_sync(void)
{
	const char *sim[] = { "--accounts", "DUA,DUB", NULL };
	const char *before[] = { "account-delay-one DUB 600000", NULL };
	struct tu_stack r;
	char line[4096];

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, before, NULL), 0);
	/* DUA downloaded, DUB held: the gateway now lists DUC,DUB */
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(r.ib.log, "requested account updates for DUB", 15000), 0);
	control(&r, "accounts DUC,DUB");
	const char *want[] = { "\"managedAccounts\":[\"DUC\",\"DUB\"]", "\"acctDownloadEnd:DUB\"", "\"acctDownloadEnd:DUC\"",
			       NULL };
	CU_ASSERT_EQUAL(tu_rwait_holds(r.c, tu_key(&r, "sync:detail"), want, 10000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "managed accounts changed", 5000), 0);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "SCARD %s", tu_key(&r, "accounts"), NULL), 2);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "SISMEMBER %s %s", tu_key(&r, "accounts"), "DUC"), 1);
	char *st = tu_rget_alloc(r.c, tu_key(&r, "sync"));
	CU_ASSERT_STRING_EQUAL(st, "syncing");
	free(st);
	/* DUB comes: ready only once DUC came too */
	control(&r, "account-delay-one DUB 0");
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	CU_ASSERT(netliq(&r, "DUC")[0] != '\0');
	CU_ASSERT(netliq(&r, "DUB")[0] != '\0');
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "account download complete for DUC"), 1);
	CU_ASSERT_EQUAL(start_line(&r, 1, line, sizeof(line)), 0);
	CU_ASSERT(strstr(line, "\"id\":\"DUC\"") != NULL && strstr(line, "\"id\":\"DUB\"") != NULL);
	CU_ASSERT(strstr(line, "\"id\":\"DUA\"") == NULL);
	CU_ASSERT(strstr(line, "\"NetLiquidation\":\"\"") == NULL); /* every account in the snapshot has its data */
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

static void
test_list_changes_after_ready(void)
{
	const char *sim[] = { "--accounts", "DUA,DUB", NULL };
	struct tu_stack r;
	char line[4096];

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	/* DUB (the last one subscribed) goes, DUC comes and is slow */
	control(&r, "account-delay-one DUC 600000");
	control(&r, "accounts DUA,DUC");
	CU_ASSERT_EQUAL(tu_rwait(r.c, tu_key(&r, "sync"), "syncing", 10000), 0);
	const char *want[] = { "\"acctDownloadEnd:DUC\"", NULL };
	CU_ASSERT_EQUAL(tu_rwait_holds(r.c, tu_key(&r, "sync:detail"), want, 10000), 0);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "SCARD %s", tu_key(&r, "accounts"), NULL), 2);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "SISMEMBER %s %s", tu_key(&r, "accounts"), "DUB"), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "managed accounts changed", 5000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "cancelled account updates for DUB", 5000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&r.ib, 0), "\"cb\":\"pause\"", 5000), 0);
	control(&r, "account-delay-one DUC 0");
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	CU_ASSERT(netliq(&r, "DUC")[0] != '\0');
	CU_ASSERT_EQUAL(start_line(&r, 2, line, sizeof(line)), 0);
	CU_ASSERT(strstr(line, "\"id\":\"DUC\"") != NULL && strstr(line, "\"id\":\"DUB\"") == NULL);
	CU_ASSERT(strstr(line, "\"NetLiquidation\":\"\"") == NULL);
	/* an unchanged list (another order, a duplicate) closes nothing */
	control(&r, "accounts DUC,DUA,DUC");
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "managed accounts again, unchanged: 2", 5000), 0);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "managed accounts changed:"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "gate open"), 2);
}

/* Until P:health's uptime_s is at least secs (past a sync deadline); the uptime seen. */
static int
wait_uptime(const struct tu_stack *r, int secs)
{
	char v[32];
	long long deadline = tu_now_ms() + 15000;
	int up;

	while ((up = atoi(hget(r->c, tu_key(r, "health"), "uptime_s", v, sizeof(v)))) < secs && tu_now_ms() < deadline)
		tu_sleep_ms(50);
	return up;
}

/* Until ibpipe's log says "gate open" n times (or "sync timeout" once); the count seen. */
static int
wait_gate_opens(const struct tu_stack *r, int n)
{
	long long deadline = tu_now_ms() + 15000;

	while (tu_count_in_file(r->ib.log, "gate open") < n && tu_count_in_file(r->ib.log, "sync timeout") == 0 &&
	       tu_now_ms() < deadline)
		tu_sleep_ms(20);
	return tu_count_in_file(r->ib.log, "gate open");
}

static void
test_list_change_long_after_ready_is_no_timeout(void)
{
	const char *sim[] = { "--accounts", "DUA", NULL };
	const char *args[] = { "--sync-timeout", "2", "--on-sync-timeout", "exit", NULL };
	struct tu_stack r;
	long long deadline;

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, args), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	/* until the first sync deadline is long past */
	CU_ASSERT(wait_uptime(&r, 3) >= 3);
	control(&r, "account-delay-one DUB 300");
	control(&r, "accounts DUA,DUB");
	/* a new wait with its own deadline: the gate closed, then open again, not a sync timeout.
	   Read from the log, not from P:sync: its 300 ms of "syncing" can pass between two polls of
	   a loaded machine. */
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "gate     closed: managed accounts changed", 10000), 0);
	CU_ASSERT_EQUAL(wait_gate_opens(&r, 2), 2);
	/* DUB's data reaches Redis before the new "ready" (an old "ready" may still be there) */
	deadline = tu_now_ms() + 15000;
	while (netliq(&r, "DUB")[0] == '\0' && tu_now_ms() < deadline)
		tu_sleep_ms(20);
	CU_ASSERT(netliq(&r, "DUB")[0] != '\0');
	CU_ASSERT_EQUAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "sync timeout"), 0);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/*
 * The deadline of the sync that opened the gate ends with it.  Left armed, the
 * first close after it (a disconnect, a shutdown) was a sync timeout at once:
 * with --on-sync-timeout exit, a gateway blip hours after ready ended the
 * trader with exit 3, and so did SIGTERM.
 */
static void
test_disconnect_long_after_ready_is_no_timeout(void)
{
	const char *sim[] = { "--accounts", "DUA", NULL };
	const char *args[] = { "--sync-timeout", "3", "--on-sync-timeout", "exit", "--reconnect-min-ms", "100",
			       "--reconnect-max-ms", "300", NULL };
	struct tu_stack r;

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, args), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	/* until the first sync's deadline is long past */
	CU_ASSERT(wait_uptime(&r, 4) >= 4);
	control(&r, "drop");
	/* reconnected and synced again: the second gate open */
	CU_ASSERT_EQUAL(wait_gate_opens(&r, 2), 2);
	CU_ASSERT_EQUAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	/* and a shutdown is no timeout either: exit 0 */
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "sync timeout"), 0);
}

/* ---- 2: many accounts ---- */

static void
many_accounts(int n, int timeout_ms)
{
	char count[16], acct[16];
	static char line[1 << 18];
	const char *sim[] = { "--account-count", count, NULL };
	struct tu_stack r;
	int missing = 0;

	snprintf(count, sizeof(count), "%d", n);
	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", timeout_ms), 0);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "SCARD %s", tu_key(&r, "accounts"), NULL), n);
	for (int i = 1; i <= n; i++) {
		snprintf(acct, sizeof(acct), "DU%07d", i);
		missing += netliq(&r, acct)[0] == '\0';
	}
	CU_ASSERT_EQUAL(missing, 0);
	CU_ASSERT_EQUAL(start_line(&r, 1, line, sizeof(line)), 0);
	int ids = 0;
	for (const char *p = line; (p = strstr(p, "\"id\":")) != NULL; p++)
		ids++;
	CU_ASSERT_EQUAL(ids, n);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

static void
test_twenty_accounts(void)
{
	many_accounts(20, 20000);
}

static void
test_thousand_accounts(void)
{
	many_accounts(1000, 120000);
}

static void
test_past_the_limit_never_ready(void)
{
	const char *sim[] = { "--account-count", "1025", NULL };
	struct tu_stack r;

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, NULL), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "managedAccounts refused", 15000), 0);
	/* everything else comes in: the list itself is all that is missing, and stays so */
	const char *want[] = { "\"missing\":[\"managedAccounts:more than 1024 accounts (1025 listed)\"]", NULL };
	CU_ASSERT_EQUAL(tu_rwait_holds(r.c, tu_key(&r, "sync:detail"), want, 120000), 0);
	char *st = tu_rget_alloc(r.c, tu_key(&r, "sync"));
	CU_ASSERT_STRING_EQUAL(st, "syncing");
	free(st);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&r.ib, 0), "\"cb\":\"start\""), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "gate open"), 0);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* ---- 3: any bytes, any length: valid JSON ---- */

static void
hex(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)s[i]);
	out[2 * n] = '\0';
}

static void
test_hostile_ids_give_valid_json(void)
{
	static const char list[] = "q\"uote,back\\slash,new\nline,\xff\xfe" "bad,ctl\x01x,DU0000001,DU0000002,DU0000003,"
				   "DU0000004,DU0000005,DU0000006,DU0000007,DU0000008,DU0000009,DU0000010,DU0000011,DU0000012";
	char cmd[512] = "accounts-hex ";
	const char *before[] = { cmd, NULL };
	const char *sim[] = { "--account-delay-ms", "600000", NULL };
	struct tu_stack r;
	redisContext *sub = tu_rconn(tu_redis_port());
	redisReply *rep;
	int events = 0, valid = 0;

	CU_ASSERT_FATAL(sub != NULL);
	hex(list, sizeof(list) - 1, cmd + strlen(cmd));
	/* listen to P:events before ibpipe starts */
	memset(&r, 0, sizeof(r));
	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, before, NULL), 0);
	rep = redisCommand(sub, "SUBSCRIBE %s", tu_key(&r, "events"));
	CU_ASSERT(rep != NULL);
	freeReplyObject(rep);
	const char *want[] = { "\"acctDownloadEnd:DU0000012\"", "\"q\\\"uote\"", "\"new\\nline\"", "\"\\ufffd\\ufffdbad\"",
			       "\"ctl\\u0001x\"", NULL };
	CU_ASSERT_EQUAL(tu_rwait_holds(r.c, tu_key(&r, "sync:detail"), want, 15000), 0);
	char *d = tu_rget_alloc(r.c, tu_key(&r, "sync:detail"));
	CU_ASSERT(strlen(d) > 479);
	CU_ASSERT(json_valid(d, strlen(d)));
	free(d);
	/* every event so far, up to one that names the twelfth id */
	struct timeval tv = { 5, 0 };
	redisSetTimeout(sub, tv);
	bool seen12 = false;
	while (!seen12 && redisGetReply(sub, (void **)&rep) == REDIS_OK) {
		if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 3 && rep->element[2]->type == REDIS_REPLY_STRING) {
			events++;
			valid += json_valid(rep->element[2]->str, rep->element[2]->len);
			seen12 = strstr(rep->element[2]->str, "DU0000012") != NULL;
		}
		freeReplyObject(rep);
	}
	CU_ASSERT(seen12);
	CU_ASSERT(events > 0);
	CU_ASSERT_EQUAL(valid, events);
	redisFree(sub);
	/* ibpipe status --json */
	static char out[1 << 16];
	char *const argv[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", r.url, "--redis-prefix", r.prefix,
			       "--json", NULL };
	int st = tu_run(argv, out, sizeof(out), 10000);
	CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(json_valid(out, strlen(out) - (strlen(out) && out[strlen(out) - 1] == '\n')));
	CU_ASSERT(strstr(out, "\"q\\\"uote\"") != NULL);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* ---- 4: a detail that stays current ---- */

static void
test_detail_current_during_slow_sync(void)
{
	const char *sim[] = { "--account-delay-ms", "600000", NULL };
	struct tu_stack r;
	long long deadline;
	double waited = 0;
	char *d = NULL;

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, NULL), 0);
	/* a detail at least 1.5 s into the wait (a refresh every second), naming exactly what is missing */
	deadline = tu_now_ms() + 10000;
	do {
		free(d);
		d = tu_rget_alloc(r.c, tu_key(&r, "sync:detail"));
		const char *w = strstr(d, "\"waiting_s\":");
		waited = w ? strtod(w + 12, NULL) : 0;
		if (waited < 1.5)
			tu_sleep_ms(50);
	} while (waited < 1.5 && tu_now_ms() < deadline);
	CU_ASSERT(waited >= 1.5);
	CU_ASSERT(strstr(d, "\"missing\":[\"acctDownloadEnd:DU111111\",\"positionEnd\"]") != NULL);
	if (!strstr(d, "\"missing\":[\"acctDownloadEnd:DU111111\",\"positionEnd\"]"))
		fprintf(stderr, "\n      detail: %s", d);
	free(d);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* ---- 5: a killed ibpipe leaves no "ready" ---- */

static void
test_kill9_leaves_no_ready(void)
{
	const char *sim[] = { NULL };
	struct tu_stack r;
	long long deadline;

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	CU_ASSERT(rint_cmd(r.c, "TTL %s", tu_key(&r, "sync"), NULL) > 0);
	kill(r.ib.pid, SIGKILL);
	tu_wait(r.ib.pid, 5000);
	r.ib.pid = 0;
	/* gone within the health TTL (5 s) */
	deadline = tu_now_ms() + 10000;
	while (rint_cmd(r.c, "EXISTS %s", tu_key(&r, "sync"), NULL) != 0 && tu_now_ms() < deadline)
		tu_sleep_ms(50);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "EXISTS %s", tu_key(&r, "sync"), NULL), 0);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "EXISTS %s", tu_key(&r, "health"), NULL), 0);
	/* a "ready" without a live health entry is not ready for `status --wait-ready` */
	CU_ASSERT_EQUAL(tu_rcmd(r.c, "SET %s ready", tu_key(&r, "sync")), 0);
	char out[4096];
	char *const argv[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", r.url, "--redis-prefix", r.prefix,
			       "--wait-ready", "--timeout", "1", NULL };
	int st = tu_run(argv, out, sizeof(out), 10000);
	CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1);
	tu_rcmd(r.c, "DEL %s", tu_key(&r, "sync"));
	tu_stack_stop(&r);
}

/* ---- 6: a gateway that never answers ---- */

/* A loopback listener: accept_close closes each connection at once (a failed handshake), else never
   accepts (a silent gateway: the kernel completes the TCP handshake, nobody answers). */
struct fake_gw {
	int fd, port;
	bool accept_close;
	int stop;
	pthread_t th;
};

static void *
fake_gw_run(void *arg)
{
	struct fake_gw *g = arg;

	while (!__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd p = { .fd = g->fd, .events = POLLIN };
		if (poll(&p, 1, 50) == 1) {
			int c = accept(g->fd, NULL, NULL);
			if (c >= 0)
				close(c);
		}
	}
	return NULL;
}

static int
fake_gw_start(struct fake_gw *g, bool accept_close)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(g, 0, sizeof(*g));
	g->accept_close = accept_close;
	g->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->fd < 0 || bind(g->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(g->fd, 16) != 0 ||
	    getsockname(g->fd, (struct sockaddr *)&a, &len) != 0)
		return -1;
	g->port = ntohs(a.sin_port);
	if (accept_close && pthread_create(&g->th, NULL, fake_gw_run, g) != 0)
		return -1;
	return 0;
}

static void
fake_gw_stop(struct fake_gw *g)
{
	if (g->accept_close) {
		__atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
		pthread_join(g->th, NULL);
	}
	close(g->fd);
}

/* ibpipe probe against port; its JSON into out, the wall time it took into *ms; its wait status. */
static int
probe(int port, const char *timeout_s, char *out, size_t cap, long long *ms)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	/* a connect timeout far from every sync timeout asked here, so that which one ended the
	   probe shows even when a loaded machine is slow to start it */
	char *const argv[] = { (char *)tu_bin("ibpipe"), "probe", "--port", p, "--sync-timeout", (char *)timeout_s,
			       "--connect-timeout-ms", "20000", NULL };
	long long t0 = tu_now_ms();
	int st = tu_run(argv, out, cap, 30000);

	*ms = tu_now_ms() - t0;
	return st;
}

static double
waiting_s(const char *json)
{
	const char *w = strstr(json, "\"waiting_s\":");
	return w ? strtod(w + 12, NULL) : -1;
}

static void
test_probe_names_the_real_cause(void)
{
	char out[8192];
	long long ms;
	int st;
	struct fake_gw g;

	/* refused: nothing listens (a port we bound and closed) */
	CU_ASSERT_EQUAL_FATAL(fake_gw_start(&g, false), 0);
	int closed = g.port;
	fake_gw_stop(&g);
	st = probe(closed, "2", out, sizeof(out), &ms);
	CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT(json_valid(out, strcspn(out, "\n")));
	CU_ASSERT(strstr(out, "\"connection:connect refused") != NULL);
	CU_ASSERT(waiting_s(out) >= 1.5 && waiting_s(out) <= 3.0); /* the wait, not the machine's uptime */
	if (!strstr(out, "connect refused") || waiting_s(out) > 3.0)
		fprintf(stderr, "\n      probe (refused): %s", out);

	/* the handshake fails: every connection is closed at once */
	CU_ASSERT_EQUAL_FATAL(fake_gw_start(&g, true), 0);
	st = probe(g.port, "2", out, sizeof(out), &ms);
	fake_gw_stop(&g);
	CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT(json_valid(out, strcspn(out, "\n")));
	CU_ASSERT(strstr(out, "\"connection:handshake failed") != NULL);
	if (!strstr(out, "handshake failed"))
		fprintf(stderr, "\n      probe (handshake): %s", out);

	/* silent: 3 s asked, 3 s taken (not the 20 s connect timeout) */
	CU_ASSERT_EQUAL_FATAL(fake_gw_start(&g, false), 0);
	st = probe(g.port, "3", out, sizeof(out), &ms);
	fake_gw_stop(&g);
	CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT(strstr(out, "\"connection:handshake") != NULL);
	CU_ASSERT(ms >= 3000 && ms < 15000);
	CU_ASSERT(waiting_s(out) >= 2.5 && waiting_s(out) <= 3.5);
	if (ms >= 15000 || !strstr(out, "\"connection:handshake"))
		fprintf(stderr, "\n      probe (silent) %lld ms: %s", ms, out);
}

static void
test_sync_timeout_exit_while_gateway_down(void)
{
	struct fake_gw g;
	char p[16], log[300];

	CU_ASSERT_EQUAL_FATAL(fake_gw_start(&g, false), 0);
	snprintf(p, sizeof(p), "%d", g.port);
	fake_gw_stop(&g); /* refused from now on */
	snprintf(log, sizeof(log), "%s/ibpipe.log", tu_tmpdir());
	char *const argv[] = { (char *)tu_bin("ibpipe"), "run", "--port", p, "--no-redis", "--sync-timeout", "2",
			       "--on-sync-timeout", "exit", "--state-dir", (char *)tu_tmpdir(), NULL };
	long long t0 = tu_now_ms();
	pid_t pid = tu_spawn(argv, log);
	int st = tu_wait(pid, 10000);
	long long ms = tu_now_ms() - t0;

	if (st < 0)
		tu_stop(pid, SIGKILL, 1000);
	CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 3);
	CU_ASSERT(ms >= 2000 && ms < 5000);
	CU_ASSERT(tu_count_in_file(log, "sync timeout") >= 1);
	CU_ASSERT(tu_count_in_file(log, "connect refused") >= 1);
}

/* ---- 10: accounts that are not managed ---- */

static void
test_unmanaged_accounts_leave_no_keys(void)
{
	const char *sim[] = { "--accounts", "DUA", NULL };
	struct tu_stack r;
	char v[64];
	long long deadline;

	CU_ASSERT_EQUAL_FATAL(rig_start(&r, sim, NULL, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(r.c, tu_key(&r, "sync"), "ready", 15000), 0);
	for (int i = 0; i < 2; i++) {
		control(&r, "send-value DUX");
		control(&r, "send-download-end DUX");
	}
	/* counted (health refreshes every second) */
	deadline = tu_now_ms() + 10000;
	while ((atoi(hget(r.c, tu_key(&r, "health"), "acct_unmanaged", v, sizeof(v))) < 2 ||
		atoi(hget(r.c, tu_key(&r, "health"), "download_end_unknown", v, sizeof(v))) < 2) &&
	       tu_now_ms() < deadline)
		tu_sleep_ms(50);
	CU_ASSERT_EQUAL(atoi(hget(r.c, tu_key(&r, "health"), "acct_unmanaged", v, sizeof(v))), 2);
	CU_ASSERT_EQUAL(atoi(hget(r.c, tu_key(&r, "health"), "download_end_unknown", v, sizeof(v))), 2);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "EXISTS %s", tu_key(&r, "account:{DUX}"), NULL), 0);
	CU_ASSERT_EQUAL(rint_cmd(r.c, "SISMEMBER %s %s", tu_key(&r, "accounts"), "DUX"), 0);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "download complete for DUX"), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "data for DUX, which is not a managed account"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(r.ib.log, "acctDownloadEnd for DUX, which is not a managed account"), 1);
}

void
test_readiness_register(void)
{
	CU_pSuite s = CU_add_suite("readiness", NULL, NULL);
	CU_add_test(s, "the list changes during the sync: ready only with the new account's data",
		    test_list_changes_during_sync);
	CU_add_test(s, "the list changes after ready: the gate closes until the new account is in",
		    test_list_changes_after_ready);
	CU_add_test(s, "a list change long after ready waits anew, it is no sync timeout",
		    test_list_change_long_after_ready_is_no_timeout);
	CU_add_test(s, "a disconnect and a shutdown long after ready are no sync timeout",
		    test_disconnect_long_after_ready_is_no_timeout);
	CU_add_test(s, "20 accounts: every one requested, published and in the snapshot", test_twenty_accounts);
	CU_add_test(s, "1,000 accounts: every one requested, published and in the snapshot", test_thousand_accounts);
	CU_add_test(s, "1,025 accounts: a loud error and never ready", test_past_the_limit_never_ready);
	CU_add_test(s, "hostile account ids: detail, events and status --json are valid JSON",
		    test_hostile_ids_give_valid_json);
	CU_add_test(s, "the detail stays current during a slow sync", test_detail_current_during_slow_sync);
	CU_add_test(s, "kill -9 leaves no ready behind; --wait-ready needs a live health", test_kill9_leaves_no_ready);
	CU_add_test(s, "probe names the real cause and keeps to its timeout", test_probe_names_the_real_cause);
	CU_add_test(s, "--on-sync-timeout exit fires while the gateway is down", test_sync_timeout_exit_while_gateway_down);
	CU_add_test(s, "data for unmanaged accounts makes no keys; unknown download ends are counted",
		    test_unmanaged_accounts_leave_no_keys);
}
