/*
 * test_affinity.c - cpu_net / cpu_md / cpu_account / cpu_strategy pin the
 * pipeline's threads (core/affinity.c), strategy i on cpu_strategy + i;
 * a CPU the system refuses leaves the thread running unpinned.
 */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pipeline.h"
#include "testutil.h"
#include "util/str.h"

static void *
nothing_create(ib_strategy_ctx *ctx)
{
	(void)ctx;
	return calloc(1, 1); /* NULL would say create() failed */
}

static void
nothing_destroy(void *self)
{
	free(self);
}

static const ib_strategy_vtable nothing_vt = { .name = "nothing", .create = nothing_create, .destroy = nothing_destroy };

/* Only cpu in th's mask: that cpu; more than one: -1. */
static int
pinned_to(pthread_t th)
{
	cpu_set_t set;
	int cpu = -1;

	CU_ASSERT_EQUAL_FATAL(pthread_getaffinity_np(th, sizeof(set), &set), 0);
	if (CPU_COUNT(&set) != 1)
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	return cpu;
}

/* A pipeline with two strategies and no gateway (the network thread keeps retrying a closed port). */
static ib_pipeline *
start(int cpu_net, int cpu_md, int cpu_acct, int cpu_strat)
{
	ib_config cfg;
	char err[256];

	ib_config_defaults(&cfg);
	ib_strlcpy(cfg.host, "127.0.0.1", sizeof(cfg.host));
	cfg.port = tu_free_port();
	cfg.redis = false;
	cfg.readonly = true;
	cfg.strategies = 2;
	cfg.cpu_net = cpu_net, cfg.cpu_md = cpu_md, cfg.cpu_account = cpu_acct, cfg.cpu_strategy = cpu_strat;
	ib_strlcpy(cfg.state_dir, tu_tmpdir(), sizeof(cfg.state_dir));
	ib_pipeline *p = ib_pipeline_create(&cfg, &nothing_vt, err, sizeof(err));
	if (p == NULL)
		fprintf(stderr, "\n    ib_pipeline_create: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(ib_pipeline_start(p), IB_OK);
	return p;
}

static void
stop(ib_pipeline *p)
{
	ib_pipeline_request_stop(p);
	CU_ASSERT_EQUAL(ib_pipeline_join(p), 0);
	ib_pipeline_free(p);
}

static void
test_threads_pinned(void)
{
	cpu_set_t mine;
	int lo = -1, hi = -1;
	pthread_t th;

	/* CPUs this process may use (a container's cpuset need not start at 0) */
	CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &mine)) {
			lo = lo < 0 ? i : lo;
			hi = i;
		}
	/* strategies on lo and lo + 1: only where lo + 1 is ours too */
	int strat = CPU_ISSET(lo + 1, &mine) ? lo : -1;
	ib_pipeline *p = start(hi, lo, hi, strat);

	CU_ASSERT_TRUE(ib_pipeline_thread_id(p, IB_PT_NET, &th));
	CU_ASSERT_EQUAL(pinned_to(th), hi);
	CU_ASSERT_TRUE(ib_pipeline_thread_id(p, IB_PT_MD, &th));
	CU_ASSERT_EQUAL(pinned_to(th), lo);
	CU_ASSERT_TRUE(ib_pipeline_thread_id(p, IB_PT_ACCT, &th));
	CU_ASSERT_EQUAL(pinned_to(th), hi);
	if (strat >= 0) {
		CU_ASSERT_TRUE(ib_pipeline_strategy_thread(p, 0, &th));
		CU_ASSERT_EQUAL(pinned_to(th), lo);
		CU_ASSERT_TRUE(ib_pipeline_strategy_thread(p, 1, &th));
		CU_ASSERT_EQUAL(pinned_to(th), lo + 1);
	}
	stop(p);
}

static void
test_unpinned_by_default_and_on_refusal(void)
{
	cpu_set_t mine;
	int missing = -1;
	pthread_t th;

	CU_ASSERT_EQUAL_FATAL(sched_getaffinity(0, sizeof(mine), &mine), 0);
	for (int i = CPU_SETSIZE - 1; i >= 0 && missing < 0; i--)
		if (!CPU_ISSET(i, &mine))
			missing = i; /* a CPU this process may not use: the pin is refused */
	ib_pipeline *p = start(-1, missing, -1, -1);
	CU_ASSERT_TRUE(ib_pipeline_thread_id(p, IB_PT_NET, &th));
	if (CPU_COUNT(&mine) > 1)
		CU_ASSERT_EQUAL(pinned_to(th), -1);
	CU_ASSERT_TRUE(ib_pipeline_thread_id(p, IB_PT_MD, &th));
	if (CPU_COUNT(&mine) > 1)
		CU_ASSERT_EQUAL(pinned_to(th), -1); /* refused: runs where it may, and the pipeline runs */
	stop(p);
}

void
test_affinity_register(void)
{
	CU_pSuite s = CU_add_suite("affinity", NULL, NULL);
	CU_add_test(s, "cpu_* pin each thread, strategy i on cpu_strategy + i", test_threads_pinned);
	CU_add_test(s, "unpinned by default; a refused CPU leaves the thread unpinned", test_unpinned_by_default_and_on_refusal);
}
