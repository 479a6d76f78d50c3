/*
 * test_pub_stop.c - a clean stop with Redis down says what Redis never got.
 *
 * The publisher keeps everything in memory while Redis is away and writes it
 * when Redis is back; a stop before that loses it with the process.  It used
 * to stop without a word (the exit line's "dropped" counts something else),
 * so an operator would take Redis' picture -- an order still Submitted there,
 * Filled at the gateway -- for the whole story.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/*
 * ibpipe with Redis on a loopback port nobody listens on; the trader buys, the order fills, then
 * SIGTERM: one ERROR line names what was never written (the order, its stream entries, the
 * account), and the exit line counts it.
 */
static void
test_stop_with_redis_down_names_the_unwritten(void)
{
	const struct tu_opts o = { .strategy = "trader", .script = "BUY MSFT 100 MKT", .symbols = "AAPL,MSFT",
				   .redis = TU_REDIS_OFF };
	struct tu_stack s;
	char url[64], line[1024];
	const char *needle = "never written to ";

	CU_ASSERT_EQUAL_FATAL(tu_stack_sim_start(&s, &o), 0);
	snprintf(url, sizeof(url), "redis://127.0.0.1:%d", tu_free_port());
	CU_ASSERT_EQUAL_FATAL(tu_ibpipe_start(&s.ib, s.sim.port, &o, url, s.prefix), 0);
	CU_ASSERT_EQUAL(tu_stack_ready(&s, 30000), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&s.ib, 0), "\"id\":1,\"symbol\":\"MSFT\",\"status\":\"Filled\"", 20000), 0);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&s)));

	CU_ASSERT_EQUAL(tu_last_line(s.ib.log, needle, line, sizeof(line)), 0);
	CU_ASSERT_EQUAL(tu_count_in_file(s.ib.log, needle), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, " error redis "));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "stopped with Redis down"));
	CU_ASSERT(tu_log_number(s.ib.log, needle, "orders ") >= 1);
	CU_ASSERT(tu_log_number(s.ib.log, needle, "accounts ") >= 1);
	CU_ASSERT(tu_log_number(s.ib.log, needle, "stream entries ") >= 2); /* PendingSubmit ... Filled */
	CU_ASSERT_EQUAL(tu_log_number(s.ib.log, needle, "bars "), 0);
	CU_ASSERT(tu_log_number(s.ib.log, "stopped: ", "redis_unwritten ") >= 4);
}

void
test_pub_stop_register(void)
{
	CU_pSuite s = CU_add_suite("pub_stop", NULL, NULL);
	CU_add_test(s, "a stop with Redis down logs what Redis never got", test_stop_with_redis_down_names_the_unwritten);
}
