/*
 * test_status.c - `ibpipe status` as a real process against the test
 * redis-server, reading what a real publisher wrote: the human view, the
 * --json object (checked by a JSON parser), environment defaults, an
 * unreachable Redis, and --wait-ready released only by the READY event.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "publish/publish.h"
#include "core/wake.h"
#include "ibpipe/ib.h"
#include "util/str.h"
#include "testutil.h"
#include "util/clock.h"

static int seq;

static ib_pub *
start_pub(char *prefix, size_t cap, ib_quote_table *q, const ib_stats *s)
{
	ib_pub_config cfg;
	ib_pub *p;

	snprintf(prefix, cap, "s%d_%d", (int)getpid(), ++seq);
	ib_pub_config_defaults(&cfg);
	snprintf(cfg.url, sizeof(cfg.url), "redis://127.0.0.1:%d", tu_redis_port());
	ib_strlcpy(cfg.prefix, prefix, sizeof(cfg.prefix));
	cfg.health_interval_ms = 100;
	p = ib_pub_create(&cfg, q, s);
	if (p && ib_pub_start(p) != IB_OK) {
		ib_pub_free(p);
		return NULL;
	}
	return p;
}

static void
post_sync(ib_pub *p, enum ib_sync_state st, const char *detail)
{
	ib_pub_event ev = { .kind = IB_PUB_SYNC };
	ev.u.sync.state = st;
	ib_strlcpy(ev.u.sync.detail, detail, sizeof(ev.u.sync.detail));
	CU_ASSERT_TRUE(ib_pub_post(p, &ev));
}

static void
post_state(ib_pub *p)
{
	ib_pub_event ev = { .kind = IB_PUB_ACCOUNTS };

	ev.u.accounts.n = 2;
	ib_strlcpy(ev.u.accounts.ids[0], "DU111111", sizeof(ev.u.accounts.ids[0]));
	ib_strlcpy(ev.u.accounts.ids[1], "DU222222", sizeof(ev.u.accounts.ids[1]));
	ib_pub_post(p, &ev);
	ev = (ib_pub_event){ .kind = IB_PUB_CONN };
	ev.u.conn.connected = 1;
	ev.u.conn.server_version = 178;
	ev.u.conn.client_id = 9;
	ib_pub_post(p, &ev);
	ev = (ib_pub_event){ .kind = IB_PUB_ACCT_VALUE };
	ib_strlcpy(ev.u.acct_value.account, "DU111111", sizeof(ev.u.acct_value.account));
	ib_strlcpy(ev.u.acct_value.key, "NetLiquidation", sizeof(ev.u.acct_value.key));
	ib_strlcpy(ev.u.acct_value.currency, "USD", sizeof(ev.u.acct_value.currency));
	ib_strlcpy(ev.u.acct_value.value, "1234567.89", sizeof(ev.u.acct_value.value));
	ib_pub_post(p, &ev);
	ib_strlcpy(ev.u.acct_value.account, "DU222222", sizeof(ev.u.acct_value.account));
	ib_strlcpy(ev.u.acct_value.currency, "BASE", sizeof(ev.u.acct_value.currency));
	ib_strlcpy(ev.u.acct_value.value, "50000", sizeof(ev.u.acct_value.value));
	ib_pub_post(p, &ev);
	for (int i = 0; i < 3; i++) {
		ev = (ib_pub_event){ .kind = IB_PUB_POSITION };
		ib_strlcpy(ev.u.position.account, "DU111111", sizeof(ev.u.position.account));
		ev.u.position.con_id = 100 + i;
		ib_strlcpy(ev.u.position.symbol, "X", sizeof(ev.u.position.symbol));
		ev.u.position.position = 10;
		ib_pub_post(p, &ev);
	}
}

static int
run_status(char *out, size_t cap, const char *prefix, const char *extra1, const char *extra2)
{
	char url[64];
	char *argv[10];
	int n = 0;

	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_redis_port());
	argv[n++] = (char *)tu_bin("ibpipe");
	argv[n++] = "status";
	argv[n++] = "--redis-url";
	argv[n++] = url;
	argv[n++] = "--redis-prefix";
	argv[n++] = (char *)prefix;
	if (extra1)
		argv[n++] = (char *)extra1;
	if (extra2)
		argv[n++] = (char *)extra2;
	argv[n] = NULL;
	return tu_run(argv, out, cap, 10000);
}

/* Until Redis holds the ready state and a health record written after the CONN event (connected). */
static bool
wait_ready_in_redis(const char *prefix)
{
	char out[8192];
	long long deadline = tu_now_ms() + 10000;

	do {
		if (run_status(out, sizeof(out), prefix, "--json", NULL) == 0 && strstr(out, "\"sync\":\"ready\"") &&
		    strstr(out, "\"pid\":") && strstr(out, "\"connected\":1"))
			return true;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return false;
}

static bool
valid_json(const char *text)
{
	char *argv[] = { "/usr/bin/python3", "-c", "import json,sys; o=json.loads(sys.argv[1]); assert isinstance(o, dict)",
			 (char *)text, NULL };
	char out[256];

	if (access(argv[0], X_OK) != 0)
		return true; /* no python: the substring checks still run */
	return tu_run(argv, out, sizeof(out), 10000) == 0;
}

static void
test_status_views(void)
{
	static ib_quote_table q; /* large: static */
	ib_stats *s = calloc(1, sizeof(*s));
	char P[32], out[16384];
	ib_pub *p;
	int st;

	CU_ASSERT_FATAL(s != NULL);
	q.n = 2;
	ib_quote_set_name(&q, 0, "AAPL");
	ib_quote_set_name(&q, 1, "MSFT");
	ib_quote_data d = { .bid = 189.5, .ask = 189.6, .last = 189.55, .recv_mono_ns = ib_now_mono_ns(),
			    .updated_ns = ib_now_real_ns(), .version = 1 };
	ib_quote_write(&q, 0, &d);
	s->net.msgs_in = 777;
	s->acct.dropped = 0;
	p = start_pub(P, sizeof(P), &q, s);
	CU_ASSERT_FATAL(p != NULL);
	post_state(p);
	post_sync(p, IB_SYNC_READY, "{}");
	CU_ASSERT_TRUE_FATAL(wait_ready_in_redis(P));

	st = run_status(out, sizeof(out), P, NULL, NULL);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "sync      ready"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "accounts  2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DU111111     NetLiquidation 1234567.89 USD  positions 3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DU222222     NetLiquidation 50000 BASE  positions 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "quotes    1")); /* MSFT never ticked */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "AAPL"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "189.5"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "189.55"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "connected yes (server 178, client 9)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "msgs 777"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "dropped 0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "staleness p50"));
	if (CU_get_number_of_failures() > 0)
		fprintf(stderr, "\n%s\n", out);

	st = run_status(out, sizeof(out), P, "--json", NULL);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_EQUAL(out[0], '{');
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "}\n"));
	CU_ASSERT_PTR_EQUAL(strchr(out, '\n'), out + strlen(out) - 1); /* one line */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sync\":\"ready\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sync_detail\":{}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"id\":\"DU111111\",\"net_liquidation\":1234567.89,\"currency\":\"USD\","
					   "\"positions\":3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"symbol\":\"AAPL\",\"bid\":189.5,\"ask\":189.6,\"last\":189.55,\"age_s\":"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"msgs_in\":777"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"connected\":1"));
	CU_ASSERT_TRUE(valid_json(out));

	/* the environment supplies the defaults */
	{
		char url[64];
		char *argv[] = { (char *)tu_bin("ibpipe"), "status", "--json", NULL };
		snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_redis_port());
		setenv("IBPIPE_REDIS_URL", url, 1);
		setenv("IBPIPE_REDIS_PREFIX", P, 1);
		st = tu_run(argv, out, sizeof(out), 10000);
		unsetenv("IBPIPE_REDIS_URL");
		unsetenv("IBPIPE_REDIS_PREFIX");
		CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"id\":\"DU111111\""));
	}
	ib_pub_free(p);
	free(s);
}

static void
test_status_not_ready_and_unreachable(void)
{
	char P[32], out[8192], url[64];
	ib_pub *p = start_pub(P, sizeof(P), NULL, NULL);
	int st;

	CU_ASSERT_FATAL(p != NULL);
	post_sync(p, IB_SYNC_SYNCING, "{\"missing\":[\"positionEnd\"]}");
	long long deadline = tu_now_ms() + 3000;
	do {
		st = run_status(out, sizeof(out), P, NULL, NULL);
	} while (!strstr(out, "syncing") && tu_now_ms() < deadline && (tu_sleep_ms(20), 1));
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "sync      syncing  {\"missing\":[\"positionEnd\"]}"));
	st = run_status(out, sizeof(out), P, "--json", NULL);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"sync\":\"syncing\",\"sync_detail\":{\"missing\":[\"positionEnd\"]}"));
	CU_ASSERT_TRUE(valid_json(out));
	ib_pub_free(p);

	/* nothing listens there */
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_free_port());
	char *argv[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", url, NULL };
	st = tu_run(argv, out, sizeof(out), 10000);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT_STRING_EQUAL(out, "");

	char *bad[] = { (char *)tu_bin("ibpipe"), "status", "--bogus", NULL };
	st = tu_run(bad, out, sizeof(out), 10000);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	char *help[] = { (char *)tu_bin("ibpipe"), "status", "--help", NULL };
	st = tu_run(help, out, sizeof(out), 10000);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--wait-ready"));
}

/* How many clients are subscribed to P:events. */
static long long
pubsub_subscribers(redisContext *c, const char *P)
{
	redisReply *r = redisCommand(c, "PUBSUB NUMSUB %s:events", P);
	long long n = r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 && r->element[1]->type == REDIS_REPLY_INTEGER
			      ? r->element[1]->integer
			      : -1;

	if (r)
		freeReplyObject(r);
	return n;
}

static void
test_status_wait_ready(void)
{
	char P[32], url[64], logpath[256];
	const char *dir = tu_tmpdir();
	ib_pub *p = start_pub(P, sizeof(P), NULL, NULL);
	pid_t pid;
	int st;

	redisContext *c = tu_rconn(tu_redis_port());
	char key[64];

	CU_ASSERT_FATAL(p != NULL && dir != NULL && c != NULL);
	snprintf(key, sizeof(key), "%s:sync", P);
	post_sync(p, IB_SYNC_SYNCING, "{\"missing\":[\"acctDownloadEnd\"]}");
	CU_ASSERT_EQUAL(tu_rwait(c, key, "syncing", 10000), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_redis_port());
	snprintf(logpath, sizeof(logpath), "%s/status.log", dir);
	{
		char *argv[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", url, "--redis-prefix", P,
				 "--wait-ready", "--timeout", "10", NULL };
		pid = tu_spawn(argv, logpath);
	}
	CU_ASSERT_FATAL(pid > 0);
	/* it has subscribed to P:events and read "syncing": still waiting, not ready yet */
	CU_ASSERT(TU_UNTIL(pubsub_subscribers(c, P) >= 1, 10000));
	CU_ASSERT_EQUAL(waitpid(pid, &st, WNOHANG), 0);
	post_sync(p, IB_SYNC_READY, "{}");
	st = tu_wait(pid, 10000); /* released by the READY event (a failure bound, not a speed check) */
	CU_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, "sync      ready"), 1);
	if (st == -1)
		tu_stop(pid, SIGKILL, 1000);

	/* not ready in time: exit 1, saying what the state was */
	post_sync(p, IB_SYNC_SYNCING, "{\"missing\":[\"nextValidId\"]}");
	CU_ASSERT_EQUAL(tu_rwait(c, key, "syncing", 10000), 0);
	snprintf(logpath, sizeof(logpath), "%s/status2.log", dir);
	long long t0;
	{
		char *argv[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", url, "--redis-prefix", P,
				 "--wait-ready", "--timeout", "1", NULL };
		t0 = tu_now_ms();
		pid = tu_spawn(argv, logpath);
	}
	st = tu_wait(pid, 10000);
	CU_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 1);
	CU_ASSERT_TRUE(tu_now_ms() - t0 >= 900);
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, "not ready after 1 s"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(logpath, "syncing -- {\"missing\":[\"nextValidId\"]}"), 1);
	if (st == -1)
		tu_stop(pid, SIGKILL, 1000);
	ib_pub_free(p);
	redisFree(c);
}

void
test_status_register(void)
{
	CU_pSuite s = CU_add_suite("status", NULL, NULL);

	if (tu_redis_port() <= 0) {
		fprintf(stderr, "status: no test redis (run under tools/with-redis.sh)\n");
		return;
	}
	CU_add_test(s, "human and json views", test_status_views);
	CU_add_test(s, "not ready, unreachable, usage", test_status_not_ready_and_unreachable);
	CU_add_test(s, "--wait-ready waits for the READY event", test_status_wait_ready);
}
