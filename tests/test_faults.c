/*
 * test_faults.c - gateway-side faults through ibsim's control port: IB
 * connectivity lost and restored (1100/1102), a malformed frame inside the
 * tick stream, a stalled gateway, and the Redis kill switch.  ibpipe stays
 * up, says what happened, and its counters balance.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

struct fx {
	pid_t sim, ibpipe;
	int port, ctl;
	char dir[128], log[256], strat[256], prefix[32], url[64];
};

static int
fx_start(struct fx *f, const char *script, bool redis)
{
	char port[16], ctl[16], simlog[300];
	static int seq;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "%s", tu_tmpdir());
	snprintf(f->log, sizeof(f->log), "%s/ibpipe.log", f->dir);
	snprintf(f->strat, sizeof(f->strat), "%s/strategy", f->dir);
	snprintf(simlog, sizeof(simlog), "%s/ibsim.log", f->dir);
	snprintf(f->prefix, sizeof(f->prefix), "fx%d_%d", (int)getpid(), ++seq);
	snprintf(f->url, sizeof(f->url), "redis://127.0.0.1:%d", tu_redis_port());
	f->port = tu_free_port();
	f->ctl = tu_free_port();
	snprintf(port, sizeof(port), "%d", f->port);
	snprintf(ctl, sizeof(ctl), "%d", f->ctl);
	char *sargv[] = { (char *)tu_bin("ibsim"), "--port", port, "--control-port", ctl, "--tick-rate", "500", NULL };
	f->sim = tu_spawn(sargv, simlog);
	if (tu_wait_port(f->port, 5000) != 0 || tu_wait_port(f->ctl, 5000) != 0)
		return -1;
	char *argv[] = { (char *)tu_bin("ibpipe"), "run", "--port", port, "--state-dir", f->dir, "--strategy", "trader",
			 "--symbols", "AAPL,MSFT", redis ? "--redis-url" : "--no-redis", redis ? f->url : NULL,
			 "--redis-prefix", f->prefix, NULL };
	setenv("IB_STRATEGY_LOG", f->strat, 1);
	setenv("IB_TRADER_SCRIPT", script, 1);
	f->ibpipe = tu_spawn(argv, f->log);
	unsetenv("IB_TRADER_SCRIPT");
	unsetenv("IB_STRATEGY_LOG");
	return 0;
}

static const char *
fx_slog(const struct fx *f)
{
	static char p[300];
	snprintf(p, sizeof(p), "%s.0", f->strat);
	return p;
}

static void
fx_stop(struct fx *f)
{
	int st = tu_stop(f->ibpipe, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tu_stop(f->sim, SIGTERM, 3000);
}

static void
test_connectivity_lost_and_restored(void)
{
	struct fx f;
	char out[256];

	CU_ASSERT_EQUAL_FATAL(fx_start(&f, "", false), 0);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(fx_slog(&f), "\"cb\":\"start\"", 8000), 0);
	CU_ASSERT_EQUAL(tu_control(f.ctl, "notice 1100", out, sizeof(out)), 0);
	/* 1100: IB is away, the account data may be stale: strategies pause */
	CU_ASSERT_EQUAL(tu_wait_for_text(fx_slog(&f), "\"cb\":\"pause\"", 3000), 0);
	CU_ASSERT_EQUAL(tu_control(f.ctl, "notice 1102", out, sizeof(out)), 0);
	/* 1102: restored; ibpipe resyncs accounts, positions, orders and reopens */
	CU_ASSERT_EQUAL(tu_wait_for_text(fx_slog(&f), "\"n\":2", 5000), 0);
	CU_ASSERT(tu_count_in_file(f.log, "1100") >= 1);
	fx_stop(&f);
}

static void
test_malformed_frame_in_stream(void)
{
	struct fx f;
	char out[256];

	CU_ASSERT_EQUAL_FATAL(fx_start(&f, "", false), 0);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(fx_slog(&f), "\"cb\":\"start\"", 8000), 0);
	CU_ASSERT_EQUAL(tu_control(f.ctl, "malformed", out, sizeof(out)), 0);
	/* logged with message id and field, skipped; the connection and the gate stay up */
	CU_ASSERT_EQUAL(tu_wait_for_text(f.log, "bad frame (id 1, field 4)", 3000), 0);
	tu_sleep_ms(500);
	CU_ASSERT_EQUAL(tu_count_in_file(fx_slog(&f), "\"cb\":\"pause\""), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(f.log, "disconnected"), 0);
	int st = tu_stop(f.ibpipe, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(tu_count_in_file(f.log, "1 bad frames") == 1);
	tu_stop(f.sim, SIGTERM, 3000);
}

static void
test_stalled_gateway(void)
{
	struct fx f;
	char out[256];

	CU_ASSERT_EQUAL_FATAL(fx_start(&f, "", false), 0);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(fx_slog(&f), "\"cb\":\"start\"", 8000), 0);
	CU_ASSERT_EQUAL(tu_control(f.ctl, "stall 2000", out, sizeof(out)), 0);
	tu_sleep_ms(2500);
	/* a quiet socket is not a dead one: no reconnect, no pause */
	CU_ASSERT_EQUAL(tu_count_in_file(f.log, "disconnected"), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(fx_slog(&f), "\"cb\":\"pause\""), 0);
	fx_stop(&f);
}

static void
test_redis_kill_switch(void)
{
	struct fx f;
	char key[96];
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", tu_redis_port(), tv);

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(fx_start(&f, "WAIT 2000; BUY AAPL 1 MKT", true), 0);
	CU_ASSERT_EQUAL_FATAL(tu_wait_for_text(fx_slog(&f), "\"cb\":\"start\"", 8000), 0);
	snprintf(key, sizeof(key), "%s:control", f.prefix);
	long long t0 = tu_now_ms();
	redisReply *r = redisCommand(c, "SET %s halt", key);
	if (r)
		freeReplyObject(r);
	CU_ASSERT_EQUAL(tu_wait_for_text(f.log, "kill switch", 1500), 0);
	CU_ASSERT(tu_now_ms() - t0 < 1000); /* halted within one second */
	CU_ASSERT_EQUAL(tu_wait_for_text(fx_slog(&f), "\"code\":-100", 4000), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(fx_slog(&f), "\"status\":\"Filled\""), 0);
	r = redisCommand(c, "DEL %s", key);
	if (r)
		freeReplyObject(r);
	redisFree(c);
	fx_stop(&f);
}

void
test_faults_register(void)
{
	CU_pSuite s = CU_add_suite("faults", NULL, NULL);
	CU_add_test(s, "1100 pauses strategies, 1102 resyncs and reopens", test_connectivity_lost_and_restored);
	CU_add_test(s, "a malformed frame in the tick stream is logged, counted and skipped", test_malformed_frame_in_stream);
	CU_add_test(s, "a gateway stalled for 2 s is waited for, not reconnected", test_stalled_gateway);
	CU_add_test(s, "Redis kill switch halts new orders within one second", test_redis_kill_switch);
}
