/*
 * test_wait.c - the wait strategies (wait_* settings, core/wake.h): with
 * every thread blocking, spinning or hybrid, a real ibsim's paced blast
 * reaches the strategy whole and the pipeline then stops cleanly; and a
 * spinning bin/ibpipe exits cleanly on SIGTERM and SIGINT.  The
 * pipeline runs in this process, so `make tsan test` and `make asan test`
 * see every one of its threads; ibsim is a real process on loopback.
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipeline.h"
#include "testutil.h"
#include "ibpipe/stamp.h"
#include "util/str.h"

#define BLAST 20000

/* The strategy: counts the quotes a blast frame made (each carries a send stamp), and its stop. */
struct counter {
	atomic_ulong stamped, unstamped;
	atomic_bool stopped;
};

static void *
counter_create(ib_strategy_ctx *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct counter));
}

static void
counter_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct counter *c = self;
	int64_t t;

	(void)ctx, (void)inst;
	if (ib_stamp_decode(q->bid_size, 0, &t) || ib_stamp_decode(q->ask_size, 0, &t) ||
	    ib_stamp_decode(q->last_size, 0, &t))
		atomic_fetch_add(&c->stamped, 1);
	else
		atomic_fetch_add(&c->unstamped, 1);
}

static void
counter_on_stop(void *self, ib_strategy_ctx *ctx)
{
	(void)ctx;
	atomic_store(&((struct counter *)self)->stopped, true);
}

static void
counter_destroy(void *self)
{
	free(self);
}

static const ib_strategy_vtable counter_vt = {
	.name = "counter",
	.create = counter_create,
	.on_quote = counter_on_quote,
	.on_stop = counter_on_stop,
	.destroy = counter_destroy,
};

/*
 * One symbol, and ibsim's own feed off (--tick-rate 0): its snapshot ticks answer the
 * subscription, so they are on the wire before any blast frame, and every quote a blast frame
 * makes carries a stamp.  md_lossless: nothing is folded, each frame is its own on_quote.
 */
static void
run_mode(const char *mode)
{
	const char *sim_args[] = { "--tick-rate", "0", "--stamp", "--blast-rate", "50000", "--account-delay-ms", "0",
				   NULL };
	struct tu_sim s;
	ib_config cfg;
	char err[256], reply[128], cmd[32];

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	tu_lossless_config(&cfg, s.port);
	CU_ASSERT_EQUAL_FATAL(ib_config_set(&cfg, "wait", mode, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(ib_config_set(&cfg, "wait_spin_us", "20", err, sizeof(err)), 0);
	ib_strlcpy(cfg.symbols[0], "AAPL", IB_SYMBOL_LEN);
	cfg.nsymbols = 1;

	ib_pipeline *p = ib_pipeline_create(&cfg, &counter_vt, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(ib_pipeline_start(p), IB_OK);
	struct counter *c = ib_pipeline_strategy_self(p, 0);
	CU_ASSERT(TU_UNTIL(ib_pipeline_gate_open(p), 20000));
	/* "blast N to 1" once the subscription is there (its snapshot is queued ahead of the blast) */
	snprintf(cmd, sizeof(cmd), "blast %d", BLAST);
	CU_ASSERT(TU_UNTIL(tu_control(s.ctl, cmd, reply, sizeof(reply)) == 0 && strstr(reply, " to 1") != NULL, 20000));
	CU_ASSERT(TU_UNTIL(atomic_load(&c->stamped) >= BLAST, 60000));
	CU_ASSERT_EQUAL(atomic_load(&c->stamped), BLAST);
	CU_ASSERT_EQUAL(IB_STAT_GET(ib_pipeline_stats(p)->net.md_coalesced), 0);

	/* SIGINT/SIGTERM's path: every thread, spinning or parked, sees the stop and leaves */
	ib_pipeline_request_stop(p);
	CU_ASSERT_EQUAL(ib_pipeline_join(p), 0);
	CU_ASSERT_TRUE(atomic_load(&c->stopped));
	CU_ASSERT_EQUAL(atomic_load(&c->stamped), BLAST); /* and nothing was delivered twice */
	if (atomic_load(&c->stamped) != BLAST)
		fprintf(stderr, "\n    wait=%s: %lu of %d blast frames reached the strategy\n", mode,
			(unsigned long)atomic_load(&c->stamped), BLAST);
	ib_pipeline_free(p);
	tu_sim_stop(&s);
}

/* bin/ibpipe with every thread spinning or hybrid, mid-blast: the signal is a clean exit (status 0). */
static void
signal_stops(const char *mode, int sig)
{
	const char *sim_args[] = { "--blast", "50000000", "--blast-rate", "100000", NULL };
	const char *args[] = { "--wait", mode, NULL };
	const struct tu_opts o = { .args = args, .strategy = "recorder", .symbols = "AAPL,MSFT", .fast_reconnect = true };
	struct tu_sim s;
	struct tu_ibpipe t;

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	CU_ASSERT_EQUAL_FATAL(tu_ibpipe_start(&t, s.port, &o, NULL, NULL), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&t, 0), "\"cb\":\"quote\"", 20000), 0); /* quotes flowing */
	/* tu_stop SIGKILLs after the bound: a thread that missed the stop fails tu_exited_ok */
	CU_ASSERT(tu_exited_ok(tu_stop(t.pid, sig, 10000)));
	tu_sim_stop(&s);
}

static void
test_signals(void)
{
	signal_stops("spin", SIGTERM);
	signal_stops("spin", SIGINT);
	signal_stops("hybrid", SIGTERM);
}

static void
test_block(void)
{
	run_mode("block");
}

static void
test_spin(void)
{
	run_mode("spin");
}

static void
test_hybrid(void)
{
	run_mode("hybrid");
}

void
test_wait_register(void)
{
	CU_pSuite s = CU_add_suite("wait", NULL, NULL);
	CU_add_test(s, "wait = block: a paced blast arrives whole, then a clean stop", test_block);
	CU_add_test(s, "wait = spin: a paced blast arrives whole, then a clean stop", test_spin);
	CU_add_test(s, "wait = hybrid: a paced blast arrives whole, then a clean stop", test_hybrid);
	CU_add_test(s, "bin/ibpipe spinning or hybrid: SIGTERM and SIGINT mid-blast exit cleanly", test_signals);
}
