/*
 * test_gate_order.c - the sink (the Redis publisher) never hears of the
 * sync gate ahead of the gate itself.  When it is told "ready" the gate is
 * open in the process, so a service that acts on P:sync=ready (a command
 * on the stream) finds it open; when it is told anything else after that,
 * the gate is already closed.  The pipeline runs in this process with a
 * sink that looks at the gate on every sync post (the account thread makes
 * them); ibsim is a real process on loopback, and its restart closes the
 * gate and opens it again.
 */
#include <CUnit/CUnit.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/pipeline.h"
#include "testutil.h"
#include "util/str.h"

struct watch {
	ib_pipeline *p;
	atomic_int readies, ready_while_closed; /* "ready" posts; of those, with the gate still closed */
	atomic_int downs, down_while_open;      /* other posts after a ready; of those, with the gate open */
	atomic_bool was_ready;
};

static bool
post(void *arg, const ib_pub_event *ev)
{
	(void)arg, (void)ev;
	return true;
}

static bool
post_sync(void *arg, int32_t state, const char *detail, size_t len)
{
	struct watch *w = arg;
	bool open = ib_pipeline_gate_open(w->p);

	(void)detail, (void)len;
	if (state == IB_SYNC_READY) {
		atomic_fetch_add(&w->ready_while_closed, !open);
		atomic_store(&w->was_ready, true);
		atomic_fetch_add(&w->readies, 1);
	} else if (atomic_exchange(&w->was_ready, false)) {
		atomic_fetch_add(&w->down_while_open, open);
		atomic_fetch_add(&w->downs, 1);
	}
	return true;
}

static bool
post_accounts(void *arg, const char *ids, size_t stride, int n)
{
	(void)arg, (void)ids, (void)stride, (void)n;
	return true;
}

static void
test_ready_after_open_closed_before_down(void)
{
	const char *sim_args[] = { "--account-delay-ms", "0", NULL };
	struct watch w = { 0 };
	struct tu_sim s;
	ib_config cfg;
	char err[256], reply[128];

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&s, sim_args), 0);
	tu_lossless_config(&cfg, s.port);
	cfg.strategies = 0;
	ib_strlcpy(cfg.symbols[0], "AAPL", IB_SYMBOL_LEN);
	cfg.nsymbols = 1;
	ib_pipeline *p = ib_pipeline_create(&cfg, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	w.p = p;
	ib_pipeline_set_sink(p, &(ib_pub_sink){ .arg = &w, .post = post, .post_sync = post_sync,
						.post_accounts = post_accounts });
	CU_ASSERT_EQUAL_FATAL(ib_pipeline_start(p), IB_OK);
	CU_ASSERT(TU_UNTIL(atomic_load(&w.readies) == 1, 20000));
	/* the gateway restarts: the gate closes, and opens again once ibpipe has synced anew */
	CU_ASSERT_EQUAL(tu_control(s.ctl, "restart 300", reply, sizeof(reply)), 0);
	CU_ASSERT(TU_UNTIL(atomic_load(&w.readies) == 2, 20000));
	ib_pipeline_request_stop(p);
	CU_ASSERT_EQUAL(ib_pipeline_join(p), 0);
	printf("\n    sync posts: %d ready (%d with the gate closed), %d not ready after one (%d with it open)\n",
	       atomic_load(&w.readies), atomic_load(&w.ready_while_closed), atomic_load(&w.downs),
	       atomic_load(&w.down_while_open));
	CU_ASSERT_EQUAL(atomic_load(&w.ready_while_closed), 0);
	CU_ASSERT(atomic_load(&w.downs) >= 2); /* the restart, and the stop */
	CU_ASSERT_EQUAL(atomic_load(&w.down_while_open), 0);
	ib_pipeline_free(p);
	tu_sim_stop(&s);
}

void
test_gate_order_register(void)
{
	CU_pSuite s = CU_add_suite("gate_order", NULL, NULL);

	CU_add_test(s, "the sink hears ready only once the gate is open, and closed before it hears otherwise",
		    test_ready_after_open_closed_before_down);
}
