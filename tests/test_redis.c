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

static int prefix_seq;

struct run {
	pid_t sim, ibpipe;
	int port, ctl, redis_port;
	char prefix[32], url[64], log[256], simlog[256];
};

static redisContext *
rconn(int port)
{
	struct timeval tv = { 2, 0 };
	redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
	if (c && c->err) {
		redisFree(c);
		return NULL;
	}
	return c;
}

static char *
hget(redisContext *c, const char *key, const char *field, char *out, size_t cap)
{
	redisReply *r = redisCommand(c, "HGET %s %s", key, field);
	out[0] = '\0';
	if (r && r->type == REDIS_REPLY_STRING)
		snprintf(out, cap, "%s", r->str);
	if (r)
		freeReplyObject(r);
	return out;
}

static char *
get(redisContext *c, const char *key, char *out, size_t cap)
{
	redisReply *r = redisCommand(c, "GET %s", key);
	out[0] = '\0';
	if (r && r->type == REDIS_REPLY_STRING)
		snprintf(out, cap, "%s", r->str);
	if (r)
		freeReplyObject(r);
	return out;
}

static long long
intcmd(redisContext *c, const char *fmt, const char *key)
{
	redisReply *r = redisCommand(c, fmt, key);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
	if (r)
		freeReplyObject(r);
	return v;
}

static int
start_run(struct run *r, int redis_port, const char *const sim_extra[], const char *const extra[])
{
	char port[16], ctl[16];
	char *sargv[32];
	char *argv[48];
	int n = 0;
	const char *dir = tu_tmpdir();

	memset(r, 0, sizeof(*r));
	r->redis_port = redis_port;
	snprintf(r->prefix, sizeof(r->prefix), "rt%d_%d", (int)getpid(), ++prefix_seq);
	snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d", redis_port);
	snprintf(r->log, sizeof(r->log), "%s/ibpipe.log", dir);
	snprintf(r->simlog, sizeof(r->simlog), "%s/ibsim.log", dir);
	r->port = tu_free_port();
	r->ctl = tu_free_port();
	snprintf(port, sizeof(port), "%d", r->port);
	snprintf(ctl, sizeof(ctl), "%d", r->ctl);
	sargv[n++] = (char *)tu_bin("ibsim");
	sargv[n++] = "--port";
	sargv[n++] = port;
	sargv[n++] = "--control-port";
	sargv[n++] = ctl;
	for (int i = 0; sim_extra && sim_extra[i]; i++)
		sargv[n++] = (char *)sim_extra[i];
	sargv[n] = NULL;
	r->sim = tu_spawn(sargv, r->simlog);
	if (tu_wait_port(r->port, 5000) != 0)
		return -1;
	n = 0;
	argv[n++] = (char *)tu_bin("ibpipe");
	argv[n++] = "run";
	argv[n++] = "--port";
	argv[n++] = port;
	argv[n++] = "--redis-url";
	argv[n++] = r->url;
	argv[n++] = "--redis-prefix";
	argv[n++] = r->prefix;
	argv[n++] = "--state-dir";
	argv[n++] = (char *)dir;
	argv[n++] = "--symbols";
	argv[n++] = "AAPL,MSFT";
	for (int i = 0; extra && extra[i]; i++)
		argv[n++] = (char *)extra[i];
	argv[n] = NULL;
	r->ibpipe = tu_spawn(argv, r->log);
	return 0;
}

static void
stop_run(struct run *r)
{
	int st = tu_stop(r->ibpipe, SIGTERM, 5000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tu_stop(r->sim, SIGTERM, 3000);
}

static int
wait_key(redisContext *c, const char *key, const char *want, int ms)
{
	char v[64];
	long long deadline = tu_now_ms() + ms;
	do {
		if (strcmp(get(c, key, v, sizeof(v)), want) == 0)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}

static void
test_every_key(void)
{
	struct run r;
	char key[128], v[512];
	redisContext *c = rconn(tu_redis_port());
	const char *trade[] = { "--strategy", "trader", NULL };

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	setenv("IB_TRADER_SCRIPT", "BUY AAPL 10 MKT", 1);
	CU_ASSERT_EQUAL_FATAL(start_run(&r, tu_redis_port(), NULL, trade), 0);
	unsetenv("IB_TRADER_SCRIPT");
	snprintf(key, sizeof(key), "%s:sync", r.prefix);
	CU_ASSERT_EQUAL_FATAL(wait_key(c, key, "ready", 8000), 0);
	tu_sleep_ms(1500); /* quotes, the order's fill and a health refresh */

	snprintf(key, sizeof(key), "%s:accounts", r.prefix);
	CU_ASSERT_EQUAL(intcmd(c, "SCARD %s", key), 1);
	snprintf(key, sizeof(key), "%s:account:{DU111111}", r.prefix);
	CU_ASSERT(atof(hget(c, key, "NetLiquidation:USD", v, sizeof(v))) > 900000);
	CU_ASSERT_STRING_EQUAL(hget(c, key, "AccountReady", v, sizeof(v)), "true");
	CU_ASSERT(strlen(hget(c, key, "CashBalance:BASE", v, sizeof(v))) > 0);
	CU_ASSERT(atoll(hget(c, key, "updated_at", v, sizeof(v))) > 0);
	snprintf(key, sizeof(key), "%s:positions:{DU111111}", r.prefix);
	CU_ASSERT(intcmd(c, "HLEN %s", key) >= 2);
	redisReply *pos = redisCommand(c, "HVALS %s", key);
	CU_ASSERT(pos && pos->elements >= 2 && strstr(pos->element[0]->str, "\"position\":") &&
		  strstr(pos->element[0]->str, "\"avgCost\":"));
	if (pos)
		freeReplyObject(pos);
	snprintf(key, sizeof(key), "%s:quote:AAPL", r.prefix);
	CU_ASSERT(atof(hget(c, key, "bid", v, sizeof(v))) > 0);
	CU_ASSERT(atof(hget(c, key, "ask", v, sizeof(v))) > 0);
	CU_ASSERT(atoll(hget(c, key, "updated_at", v, sizeof(v))) > 1000000000000000000LL);
	snprintf(key, sizeof(key), "%s:order:1", r.prefix);
	CU_ASSERT_STRING_EQUAL(hget(c, key, "status", v, sizeof(v)), "Filled");
	CU_ASSERT_STRING_EQUAL(hget(c, key, "filled", v, sizeof(v)), "10");
	snprintf(key, sizeof(key), "%s:stream:orders", r.prefix);
	/* PendingSubmit, PreSubmitted, Submitted, Filled + one execution, each once */
	redisReply *st = redisCommand(c, "XRANGE %s - +", key);
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
	snprintf(key, sizeof(key), "%s:health", r.prefix);
	CU_ASSERT_STRING_EQUAL(hget(c, key, "connected", v, sizeof(v)), "1");
	CU_ASSERT_STRING_EQUAL(hget(c, key, "dropped", v, sizeof(v)), "0");
	CU_ASSERT(atoll(hget(c, key, "msgs_in", v, sizeof(v))) > 10);
	long long ttl = intcmd(c, "TTL %s", key);
	CU_ASSERT(ttl > 0 && ttl <= 5);
	stop_run(&r);
	snprintf(key, sizeof(key), "%s:sync", r.prefix);
	CU_ASSERT_STRING_EQUAL(get(c, key, v, sizeof(v)), "disconnected");
	redisFree(c);
}

static void
test_wait_ready_released_by_gate(void)
{
	struct run r;
	char rport[64], out[256], prefix[32];
	const char *slow[] = { "--account-delay-ms", "3000", NULL };

	snprintf(prefix, sizeof(prefix), "rt%d_%d", (int)getpid(), prefix_seq + 1);
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
	CU_ASSERT_EQUAL_FATAL(start_run(&r, tu_redis_port(), slow, NULL), 0);
	CU_ASSERT_STRING_EQUAL(r.prefix, prefix);
	tu_sleep_ms(2000);
	CU_ASSERT_EQUAL(waitpid(waiter, NULL, WNOHANG), 0); /* still blocked while the download is delayed */
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

static pid_t
own_redis(int port, const char *dir)
{
	char p[16];
	snprintf(p, sizeof(p), "%d", port);
	char *argv[] = { "/usr/bin/redis-server", "--port", p, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			 "--dir", (char *)dir, NULL };
	pid_t pid = tu_spawn(argv, NULL);
	tu_wait_port(port, 5000);
	return pid;
}

static void
test_redis_restart_loses_nothing(void)
{
	struct run r;
	char key[128], v[256];
	int port = tu_free_port();
	const char *dir = tu_tmpdir();
	pid_t redis = own_redis(port, dir);
	const char *trade[] = { "--strategy", "trader", NULL };

	redisContext *c = rconn(port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* an order while Redis is up, a wait, then two more while it is down */
	setenv("IB_TRADER_SCRIPT", "BUY AAPL 5 MKT; WAIT 2500; BUY MSFT 7 MKT; SELL AAPL 5 MKT", 1);
	CU_ASSERT_EQUAL_FATAL(start_run(&r, port, NULL, trade), 0);
	unsetenv("IB_TRADER_SCRIPT");
	snprintf(key, sizeof(key), "%s:sync", r.prefix);
	CU_ASSERT_EQUAL_FATAL(wait_key(c, key, "ready", 8000), 0);
	tu_sleep_ms(500);
	redisFree(c);
	kill(redis, SIGKILL);
	waitpid(redis, NULL, 0);
	tu_sleep_ms(3500); /* the later orders fill while Redis is away */
	redis = own_redis(port, dir);
	long long restarted = tu_now_ms();
	c = rconn(port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	snprintf(key, sizeof(key), "%s:order:3", r.prefix);
	while (tu_now_ms() - restarted < 2000 && strcmp(hget(c, key, "status", v, sizeof(v)), "Filled") != 0)
		tu_sleep_ms(20);
	CU_ASSERT(tu_now_ms() - restarted < 2000); /* every key back within 2 s of the restart */
	CU_ASSERT_STRING_EQUAL(hget(c, key, "status", v, sizeof(v)), "Filled");
	snprintf(key, sizeof(key), "%s:sync", r.prefix);
	CU_ASSERT_STRING_EQUAL(get(c, key, v, sizeof(v)), "ready");
	snprintf(key, sizeof(key), "%s:account:{DU111111}", r.prefix);
	CU_ASSERT(strlen(hget(c, key, "NetLiquidation:USD", v, sizeof(v))) > 0);
	snprintf(key, sizeof(key), "%s:quote:MSFT", r.prefix);
	CU_ASSERT(strlen(hget(c, key, "bid", v, sizeof(v))) > 0);
	/* the new server started empty; the publisher writes the whole order history it holds, each entry
	   once: 3 orders x (4 statuses + 1 execution), the one from before the kill included */
	snprintf(key, sizeof(key), "%s:stream:orders", r.prefix);
	long long xlen = intcmd(c, "XLEN %s", key);
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
	snprintf(key, sizeof(key), "%s:health", r.prefix);
	tu_sleep_ms(1100);
	CU_ASSERT(atoi(hget(c, key, "redis_reconnects", v, sizeof(v))) >= 1);
	CU_ASSERT_STRING_EQUAL(hget(c, key, "dropped", v, sizeof(v)), "0");
	redisFree(c);
	stop_run(&r);
	tu_stop(redis, SIGTERM, 3000);
}

void
test_redis_register(void)
{
	CU_pSuite s = CU_add_suite("redis", NULL, NULL);
	CU_add_test(s, "every published key holds the expected data", test_every_key);
	CU_add_test(s, "status --wait-ready is released only when the gate opens", test_wait_ready_released_by_gate);
	CU_add_test(s, "Redis killed and restarted: keys back within 2 s, no order event lost", test_redis_restart_loses_nothing);
}
