/*
 * test_redis.c - the Redis contract, end to end: bin/ibpipe against
 * bin/ibsim with a real redis-server.  Keys and their content, the
 * readiness contract (status --wait-ready), the orders stream exactly once,
 * and a Redis restart in the middle of a run.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

/* ibsim + ibpipe publishing to Redis: the shared test server, or a private one the test may restart. */
static int
start_run(struct tu_stack *r, enum tu_redis_mode redis, const char *prefix, const char *const sim_extra[],
	  const char *strategy, const char *script)
{
	const struct tu_opts o = { .sim_args = sim_extra, .strategy = strategy, .script = script, .prefix = prefix,
				   .redis = redis };

	return tu_stack_start(r, &o);
}

static void
stop_run(struct tu_stack *r)
{
	CU_ASSERT(tu_exited_ok(tu_stack_stop(r)));
}

static void
test_every_key(void)
{
	struct tu_stack r;
	char v[512];
	const char *key;
	redisContext *c = tu_rconn(tu_redis_port());

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(start_run(&r, TU_REDIS_SHARED, NULL, NULL, "trader", "BUY AAPL 10 MKT"), 0);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, tu_key(&r, "sync"), "ready", 10000), 0);
	/* quotes, the order's fill (4 statuses and the execution on the stream) and a health refresh */
	CU_ASSERT(TU_UNTIL(strcmp(tu_rhget(c, tu_key(&r, "order:1"), "status", v, sizeof(v)), "Filled") == 0 &&
				   tu_rint(c, "XLEN %s", tu_key(&r, "stream:orders")) >= 5 &&
				   atof(tu_rhget(c, tu_key(&r, "quote:AAPL"), "bid", v, sizeof(v))) > 0 &&
				   atof(tu_rhget(c, tu_key(&r, "quote:AAPL"), "ask", v, sizeof(v))) > 0 &&
				   atoll(tu_rhget(c, tu_key(&r, "health"), "msgs_in", v, sizeof(v))) > 10,
			   15000));

	CU_ASSERT_EQUAL(tu_rint(c, "SCARD %s", tu_key(&r, "accounts")), 1);
	key = tu_key(&r, "account:{DU111111}");
	CU_ASSERT(atof(tu_rhget(c, key, "NetLiquidation:USD", v, sizeof(v))) > 900000);
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "AccountReady", v, sizeof(v)), "true");
	CU_ASSERT(strlen(tu_rhget(c, key, "CashBalance:BASE", v, sizeof(v))) > 0);
	CU_ASSERT(atoll(tu_rhget(c, key, "updated_at", v, sizeof(v))) > 0);
	key = tu_key(&r, "positions:{DU111111}");
	CU_ASSERT(tu_rint(c, "HLEN %s", key) >= 2);
	redisReply *pos = redisCommand(c, "HVALS %s", key);
	CU_ASSERT(pos && pos->elements >= 2 && strstr(pos->element[0]->str, "\"position\":") &&
		  strstr(pos->element[0]->str, "\"avgCost\":"));
	if (pos)
		freeReplyObject(pos);
	key = tu_key(&r, "quote:AAPL");
	CU_ASSERT(atof(tu_rhget(c, key, "bid", v, sizeof(v))) > 0);
	CU_ASSERT(atof(tu_rhget(c, key, "ask", v, sizeof(v))) > 0);
	CU_ASSERT(atoll(tu_rhget(c, key, "updated_at", v, sizeof(v))) > 1000000000000000000LL);
	key = tu_key(&r, "order:1");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "status", v, sizeof(v)), "Filled");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "filled", v, sizeof(v)), "10");
	/* PendingSubmit, PreSubmitted, Submitted, Filled + one execution, each once */
	redisReply *st = redisCommand(c, "XRANGE %s - +", tu_key(&r, "stream:orders"));
	int fills = 0, execs = 0, statuses = 0;
	for (size_t i = 0; st && i < st->elements; i++) {
		redisReply *f = st->element[i]->element[1];
		const char *kind = "", *status = "";
		for (size_t k = 0; k + 1 < f->elements; k += 2) {
			if (strcmp(f->element[k]->str, "kind") == 0)
				kind = f->element[k + 1]->str;
			if (strcmp(f->element[k]->str, "status") == 0)
				status = f->element[k + 1]->str;
		}
		if (strcmp(kind, "exec") == 0)
			execs++;
		else
			statuses++;
		if (strcmp(status, "Filled") == 0)
			fills++;
	}
	if (st)
		freeReplyObject(st);
	CU_ASSERT_EQUAL(fills, 1);
	CU_ASSERT_EQUAL(execs, 1);
	CU_ASSERT_EQUAL(statuses, 4);
	key = tu_key(&r, "health");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "connected", v, sizeof(v)), "1");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "dropped", v, sizeof(v)), "0");
	CU_ASSERT(atoll(tu_rhget(c, key, "msgs_in", v, sizeof(v))) > 10);
	long long ttl = tu_rint(c, "TTL %s", key);
	CU_ASSERT(ttl > 0 && ttl <= 5);
	stop_run(&r);
	CU_ASSERT_STRING_EQUAL(tu_rget(c, tu_key(&r, "sync"), v, sizeof(v)), "disconnected");
	redisFree(c);
}

static void
test_wait_ready_released_by_gate(void)
{
	struct tu_stack r;
	char rport[64], out[256], prefix[32];
	const char *slow[] = { "--account-delay-ms", "3000", NULL };

	snprintf(prefix, sizeof(prefix), "rt%d_wait", (int)getpid());
	snprintf(rport, sizeof(rport), "redis://127.0.0.1:%d", tu_redis_port());
	char *argv[] = { (char *)tu_bin("ibpipe"), "status", "--redis-url", rport, "--redis-prefix", prefix, "--wait-ready",
			 "--timeout", "15", NULL };
	int p[2];
	CU_ASSERT_EQUAL_FATAL(pipe(p), 0);
	long long t0 = tu_now_ms();
	pid_t waiter = fork();
	if (waiter == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	CU_ASSERT_EQUAL_FATAL(start_run(&r, TU_REDIS_SHARED, prefix, slow, NULL, NULL), 0);
	/* connected and the account requested, the download 3 s away: the waiter is still blocked */
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "requested account updates for DU111111", 10000), 0);
	CU_ASSERT_EQUAL(waitpid(waiter, NULL, WNOHANG), 0);
	int st = tu_wait(waiter, 10000);
	long long took = tu_now_ms() - t0;
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(took >= 2900);
	ssize_t n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	CU_ASSERT(strstr(out, "ready") != NULL);
	close(p[0]);
	stop_run(&r);
}

static void
test_redis_restart_loses_nothing(void)
{
	struct tu_stack r;
	char v[256];
	const char *key;

	/* an order while Redis is up, a wait, then two more while it is down */
	CU_ASSERT_EQUAL_FATAL(start_run(&r, TU_REDIS_PRIVATE, NULL, NULL, "trader",
					"BUY AAPL 5 MKT; WAIT 2500; BUY MSFT 7 MKT; SELL AAPL 5 MKT"),
			      0);
	redisContext *c = tu_rconn(r.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(tu_rwait(c, tu_key(&r, "sync"), "ready", 10000), 0);
	CU_ASSERT_FATAL(TU_UNTIL(strcmp(tu_rhget(c, tu_key(&r, "order:1"), "status", v, sizeof(v)), "Filled") == 0, 10000));
	redisFree(c);
	tu_redis_stop(&r.redis, SIGKILL);
	/* the later orders fill while Redis is away (the script waits 2.5 s before them) */
	CU_ASSERT(TU_UNTIL(tu_count_in_file(tu_slog(&r.ib, 0), "\"id\":3,\"symbol\":\"AAPL\",\"status\":\"Filled\"") > 0,
			   15000));
	CU_ASSERT_EQUAL_FATAL(tu_redis_start(&r.redis, r.redis_port, r.redis.dir, NULL), 0);
	c = tu_rconn(r.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	key = tu_key(&r, "order:3");
	/* every key comes back once the publisher has reconnected (it retries every 0.25-1 s) */
	CU_ASSERT(TU_UNTIL(strcmp(tu_rhget(c, key, "status", v, sizeof(v)), "Filled") == 0, 15000));
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "status", v, sizeof(v)), "Filled");
	CU_ASSERT_STRING_EQUAL(tu_rget(c, tu_key(&r, "sync"), v, sizeof(v)), "ready");
	CU_ASSERT(strlen(tu_rhget(c, tu_key(&r, "account:{DU111111}"), "NetLiquidation:USD", v, sizeof(v))) > 0);
	CU_ASSERT(strlen(tu_rhget(c, tu_key(&r, "quote:MSFT"), "bid", v, sizeof(v))) > 0);
	/* the new server started empty; the publisher writes the whole order history it holds, each entry
	   once: 3 orders x (4 statuses + 1 execution), the one from before the kill included */
	key = tu_key(&r, "stream:orders");
	long long xlen = tu_rint(c, "XLEN %s", key);
	if (xlen != 15) {
		redisReply *x = redisCommand(c, "XRANGE %s - +", key);
		for (size_t i = 0; x && i < x->elements; i++) {
			redisReply *f = x->element[i]->element[1];
			printf("\n      stream:");
			for (size_t k = 0; k + 1 < f->elements; k += 2)
				if (!strcmp(f->element[k]->str, "kind") || !strcmp(f->element[k]->str, "order_id") ||
				    !strcmp(f->element[k]->str, "status") || !strcmp(f->element[k]->str, "filled"))
					printf(" %s=%s", f->element[k]->str, f->element[k + 1]->str);
		}
		if (x)
			freeReplyObject(x);
	}
	CU_ASSERT_EQUAL(xlen, 15);
	key = tu_key(&r, "health");
	/* the next health refresh (once a second) counts the reconnect */
	CU_ASSERT(TU_UNTIL(atoi(tu_rhget(c, key, "redis_reconnects", v, sizeof(v))) >= 1, 10000));
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, key, "dropped", v, sizeof(v)), "0");
	redisFree(c);
	stop_run(&r);
}

void
test_redis_register(void)
{
	CU_pSuite s = CU_add_suite("redis", NULL, NULL);
	CU_add_test(s, "every published key holds the expected data", test_every_key);
	CU_add_test(s, "status --wait-ready is released only when the gate opens", test_wait_ready_released_by_gate);
	CU_add_test(s, "Redis killed and restarted: every key back, no order event lost", test_redis_restart_loses_nothing);
}
