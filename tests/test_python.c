/*
 * test_python.c - examples/python/ibpipe_client.py, the first consumer in another language, run
 * as a process (Debian's /usr/bin/python3 with python3-redis) against real bin/ibsim + bin/ibpipe
 * --commands + a private redis-server.  It is started while ibpipe is still syncing (ibsim holds
 * the account download back), so its readiness wait is exercised; then what it printed is checked
 * against Redis and ibsim: the account's NetLiquidation, positions, quotes, and an order placed
 * through the command stream that filled, once.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static void
test_python_client(void)
{
	struct tu_stack e;
	const char *args[] = { "--commands", "--strategies", "0", NULL };
	const char *sim[] = { "--account-delay-ms", "1500", NULL };
	const struct tu_opts o = { .args = args, .sim_args = sim, .redis = TU_REDIS_PRIVATE };
	static char out[16384];
	char v[64];

	CU_ASSERT_EQUAL_FATAL(tu_stack_start(&e, &o), 0);
	char *argv[] = { "/usr/bin/python3", "examples/python/ibpipe_client.py", "--redis-url", e.url, "--prefix",
			 e.prefix, "--symbols", "AAPL,MSFT", "--buy", "AAPL", "10", "--timeout", "60", NULL };
	int st = tu_run(argv, out, sizeof(out), 90000);
	if (!tu_exited_ok(st))
		fprintf(stderr, "\n  the client said:\n%s\n", out);
	CU_ASSERT(tu_exited_ok(st));

	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* ready first, and only once ibpipe was */
	CU_ASSERT_EQUAL(strncmp(out, "sync: ready\n", 12), 0);
	CU_ASSERT_STRING_EQUAL(tu_rget(c, tu_key(&e, "sync"), v, sizeof(v)), "ready");
	/* the account as Redis has it (ibsim moves NetLiquidation with prices: the value is the one read then) */
	const char *acct = strstr(out, "account DU111111: NetLiquidation ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(acct);
	CU_ASSERT(strtod(acct + strlen("account DU111111: NetLiquidation "), NULL) > 0);
	CU_ASSERT_PTR_NULL(strstr(out, "None"));
	CU_ASSERT(tu_rhget(c, tu_key(&e, "account:{DU111111}"), "NetLiquidation:USD", v, sizeof(v))[0] != '\0');
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "position DU111111 AAPL: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "quote AAPL: bid "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "quote MSFT: bid "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ": accepted, order id 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "order 1: Filled filled 10 @ "));
	CU_ASSERT_EQUAL(tu_sim_stat(&e.sim, "total_orders"), 1);
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

void
test_python_register(void)
{
	CU_pSuite s = CU_add_suite("python", NULL, NULL);

	CU_add_test(s, "examples/python: waits for ready, prints state, places an order and sees it fill",
		    test_python_client);
}
