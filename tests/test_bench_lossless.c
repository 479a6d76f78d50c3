/*
 * test_bench_lossless.c - the bench strategy's send->strategy samples in
 * lossless mode (`ibbench e2e --lossless`, issue 20: "measure every message,
 * including the ones coalescing would merge"): over a real ibsim's paced,
 * stamped blast on three instruments, with md_lossless, every blast frame is
 * exactly one sample, nothing is coalesced, and ibsim's own unstamped ticks
 * after the blast (which still carry the last blast stamps in their other
 * fields) are not samples.  The pipeline runs in this process, so `make tsan
 * test` sees the harness's reads of the strategy's counter.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "core/pipeline.h"
#include "loader/registry.h"
#include "strategies/bench.h"
#include "testutil.h"
#include "util/str.h"

#define BLAST 20000
#define AFTER 10 /* ibsim's own ticks read after the blast, that must not be samples */

static const char *const symbols[] = { "AAPL", "MSFT", "IBM" };
#define NSYM ((int)(sizeof(symbols) / sizeof(symbols[0])))

static uint64_t
measured(const struct ib_bench_strategy *b)
{
	return __atomic_load_n(&b->measured, __ATOMIC_RELAXED);
}

/* One blast of BLAST frames, paced at rate frames/s (NULL: as fast as the socket takes them). */
static void
blast(const char *rate)
{
	/* ibsim's own feed stays on (200 ticks/s): it pauses for the blast and resumes after it */
	const char *sim_args[] = { "--stamp", "--account-delay-ms", "0", rate ? "--blast-rate" : NULL, rate, NULL };
	const ib_strategy_vtable *vt = ib_strategy_find("bench");
	struct tu_sim s;
	ib_config cfg;
	char err[256], reply[4096], cmd[32], subs[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(vt);
	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	tu_lossless_config(&cfg, s.port);
	for (int i = 0; i < NSYM; i++)
		ib_strlcpy(cfg.symbols[i], symbols[i], IB_SYMBOL_LEN);
	cfg.nsymbols = NSYM;

	ib_pipeline *p = ib_pipeline_create(&cfg, vt, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(ib_pipeline_start(p), IB_OK);
	struct ib_bench_strategy *b = ib_pipeline_strategy_self(p, 0);
	CU_ASSERT(TU_UNTIL(ib_pipeline_gate_open(p), 20000));
	/* every line subscribed, so the blast's template cycles over all three */
	snprintf(subs, sizeof(subs), "\"subscriptions\":%d", NSYM);
	CU_ASSERT(TU_UNTIL(tu_control(s.ctl, "stats", reply, sizeof(reply)) == 0 && strstr(reply, subs) != NULL, 20000));
	snprintf(cmd, sizeof(cmd), "blast %d", BLAST);
	CU_ASSERT(TU_UNTIL(tu_control(s.ctl, cmd, reply, sizeof(reply)) == 0 && strstr(reply, " to 1") != NULL, 20000));
	CU_ASSERT(TU_UNTIL(measured(b) >= BLAST, 60000));
	/* then ibsim's own ticks again, each a quote whose sizes are the last blast stamps */
	uint64_t md = IB_STAT_GET(ib_pipeline_stats(p)->md.quotes);
	CU_ASSERT(TU_UNTIL(IB_STAT_GET(ib_pipeline_stats(p)->md.quotes) >= md + AFTER, 20000));
	CU_ASSERT_EQUAL(IB_STAT_GET(ib_pipeline_stats(p)->net.md_coalesced), 0);
	CU_ASSERT_EQUAL(ib_stats_coalesced(ib_pipeline_stats(p)), 0);

	ib_pipeline_request_stop(p);
	CU_ASSERT_EQUAL(ib_pipeline_join(p), 0);
	/* joined: the strategy's fields are ours to read */
	CU_ASSERT_EQUAL(b->end_to_end.count, BLAST);
	CU_ASSERT(b->unstamped >= AFTER); /* the snapshots and the ticks after the blast */
	CU_ASSERT_EQUAL(b->quotes, b->end_to_end.count + b->unstamped);
	CU_ASSERT(b->internal.count >= BLAST);
	if (b->end_to_end.count != BLAST)
		fprintf(stderr, "\n    rate %s: %llu samples for %d blast frames (%llu quotes, %llu not samples)\n",
			rate ? rate : "unpaced", (unsigned long long)b->end_to_end.count, BLAST, (unsigned long long)b->quotes,
			(unsigned long long)b->unstamped);
	ib_pipeline_free(p);
	tu_sim_stop(&s);
}

/* What `ibbench e2e --lossless --rate R` runs. */
static void
test_paced(void)
{
	blast("50000");
}

/*
 * Flat out, ibsim's batches (one stamp each) are large and split over socket reads: the frames
 * after the split repeat a stamp already measured and still count (they move their own pair).
 */
static void
test_unpaced(void)
{
	blast(NULL);
}

void
test_bench_lossless_register(void)
{
	CU_pSuite s = CU_add_suite("bench_lossless", NULL, NULL);
	CU_add_test(s, "bench strategy, md_lossless, paced blast: every frame is one send->strategy sample, 0 coalesced",
		    test_paced);
	CU_add_test(s, "bench strategy, md_lossless, unpaced blast (batches split over reads): every frame a sample",
		    test_unpaced);
}
