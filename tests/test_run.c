/*
 * test_run.c - `make run` as a newcomer sees it: tools/run.sh with
 * RUN_SECONDS=10 reaches sync, shows quotes flowing, prints the published
 * state, and leaves nothing running (no listener on the ports it used).
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static int
port_after(const char *out, const char *needle)
{
	const char *p = strstr(out, needle);
	return p ? atoi(p + strlen(needle)) : 0;
}

static void
test_make_run(void)
{
	static char out[1 << 20];
	char *argv[] = { "/bin/sh", "-c", "RUN_SECONDS=10 tools/run.sh 2>&1", NULL };

	int st = tu_run(argv, out, sizeof(out), 60000);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT(strstr(out, "gate OPEN") != NULL);          /* the progress line saw the gate open */
	CU_ASSERT(strstr(out, "waiting for acctDownloadEnd") != NULL); /* ... after waiting for the delayed download */
	const char *status = strstr(out, "what ibpipe published to Redis");
	CU_ASSERT_PTR_NOT_NULL_FATAL(status);                 /* ibpipe status, taken while it ran */
	CU_ASSERT(strstr(status, "ready") != NULL);
	CU_ASSERT(strstr(status, "AAPL") != NULL);
	CU_ASSERT(strstr(status, "NetLiquidation") != NULL);
	const char *q = strstr(out, " quotes |");
	int quotes = 0;
	for (const char *p = out; (p = strstr(p, "msg/s | ")) != NULL; p++)
		quotes = atoi(p + 8);
	CU_ASSERT(q != NULL && quotes > 0);
	int sim = port_after(out, "ibsim on 127.0.0.1:"), redis = port_after(out, "redis on 127.0.0.1:");
	CU_ASSERT(sim > 0 && redis > 0);
	/* run.sh has stopped both: their listening sockets go once they have exited */
	CU_ASSERT(TU_UNTIL(tu_count_tcp_state(sim, "LISTEN") == 0 && tu_count_tcp_state(redis, "LISTEN") == 0, 10000));
	CU_ASSERT_EQUAL(tu_count_tcp_state(sim, "LISTEN"), 0);
	CU_ASSERT_EQUAL(tu_count_tcp_state(redis, "LISTEN"), 0);
	CU_ASSERT_EQUAL(tu_count_tcp_state(sim, "CLOSE_WAIT"), 0);
}

void
test_run_register(void)
{
	CU_pSuite s = CU_add_suite("run", NULL, NULL);
	CU_add_test(s, "make run: sync reached, quotes flowing, nothing left running", test_make_run);
}
