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

/* ibsim with sim_args, and a pipeline in this process (no strategy, AAPL) posting to sink; not started. */
static ib_pipeline *
create_pipeline(struct tu_sim *s, const char *const *sim_args, const ib_pub_sink *sink)
{
	ib_config cfg;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(tu_sim_start(s, sim_args), 0);
	tu_lossless_config(&cfg, s->port);
	cfg.strategies = 0;
	ib_strlcpy(cfg.symbols[0], "AAPL", IB_SYMBOL_LEN);
	cfg.nsymbols = 1;
	ib_pipeline *p = ib_pipeline_create(&cfg, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ib_pipeline_set_sink(p, sink);
	return p;
}

static void
test_ready_after_open_closed_before_down(void)
{
	const char *const sim_args[] = { "--account-delay-ms", "0", NULL };
	struct watch w = { 0 };
	struct tu_sim s;
	char reply[128];

	ib_pipeline *p = create_pipeline(&s, sim_args, &(ib_pub_sink){ .arg = &w, .post = post, .post_sync = post_sync,
									 .post_accounts = post_accounts });
	w.p = p;
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

/*
 * The account thread can lag the network thread.  Here the sink holds it at
 * the first account value of the first connection while that connection's
 * whole download and positionEnd come in; then ibsim restarts and ibpipe
 * connects again.  Released, the account thread finishes the first
 * connection's sync with the second one up: that must not open the gate
 * (its data belongs to a session that ended).  "ready" comes only after the
 * second connection's own sync.
 */
struct lag {
	ib_pipeline *p;
	atomic_bool held, release;
	atomic_int conn_ups;               /* IB_PUB_CONN up, as the account thread posts them */
	atomic_int download_ends, position_ends, account_lists; /* frames, as the network thread reads them */
	atomic_int readies, stale_readies; /* ready posts; of those, before the second connection's conn up */
};

static bool
lag_post(void *arg, const ib_pub_event *ev)
{
	struct lag *l = arg;

	if (ev->kind == IB_PUB_CONN && ev->u.conn.connected)
		atomic_fetch_add(&l->conn_ups, 1);
	if (ev->kind == IB_PUB_ACCT_VALUE && !atomic_exchange(&l->held, true))
		while (!atomic_load(&l->release))
			tu_sleep_ms(1);
	return true;
}

static bool
lag_post_sync(void *arg, int32_t state, const char *detail, size_t len)
{
	struct lag *l = arg;

	(void)detail, (void)len;
	if (state == IB_SYNC_READY) {
		atomic_fetch_add(&l->stale_readies, atomic_load(&l->conn_ups) < 2);
		atomic_fetch_add(&l->readies, 1);
	}
	return true;
}

/* The message id of a frame: its first field. */
static void
lag_tap(void *arg, const char *frame, uint32_t len, int64_t recv_mono_ns)
{
	struct lag *l = arg;

	(void)recv_mono_ns;
	if (len >= 3 && memcmp(frame, "54", 3) == 0)
		atomic_fetch_add(&l->download_ends, 1);
	else if (len >= 3 && memcmp(frame, "62", 3) == 0)
		atomic_fetch_add(&l->position_ends, 1);
	else if (len >= 3 && memcmp(frame, "15", 3) == 0)
		atomic_fetch_add(&l->account_lists, 1);
}

static void
test_lagging_download_of_a_gone_session(void)
{
	const char *const sim_args[] = { "--account-delay-ms", "0", "--tick-rate", "0", NULL };
	struct lag l = { 0 };
	struct tu_sim s;
	char reply[128];

	ib_pipeline *p = create_pipeline(&s, sim_args, &(ib_pub_sink){ .arg = &l, .post = lag_post,
									 .post_sync = lag_post_sync,
									 .post_accounts = post_accounts });
	l.p = p;
	ib_pipeline_set_frame_tap(p, lag_tap, &l);
	CU_ASSERT_EQUAL_FATAL(ib_pipeline_start(p), IB_OK);
	/* the first connection's download and positions are all read, its account thread held */
	CU_ASSERT(TU_UNTIL(atomic_load(&l.held) && atomic_load(&l.download_ends) == 1 &&
				   atomic_load(&l.position_ends) == 1, 20000));
	CU_ASSERT_EQUAL(tu_control(s.ctl, "restart 300", reply, sizeof(reply)), 0);
	/* the second connection is up: its account list has come in */
	CU_ASSERT(TU_UNTIL(atomic_load(&l.account_lists) == 2, 20000));
	atomic_store(&l.release, true);
	CU_ASSERT(TU_UNTIL(atomic_load(&l.readies) >= 1, 20000));
	ib_pipeline_request_stop(p);
	CU_ASSERT_EQUAL(ib_pipeline_join(p), 0);
	printf("\n    ready posts: %d, %d of them before the second connection's conn up\n", atomic_load(&l.readies),
	       atomic_load(&l.stale_readies));
	CU_ASSERT_EQUAL(atomic_load(&l.stale_readies), 0);
	ib_pipeline_free(p);
	tu_sim_stop(&s);
}

void
test_gate_order_register(void)
{
	CU_pSuite s = CU_add_suite("gate_order", NULL, NULL);

	CU_add_test(s, "the sink hears ready only once the gate is open, and closed before it hears otherwise",
		    test_ready_after_open_closed_before_down);
	CU_add_test(s, "a download finished after its connection has gone opens no gate",
		    test_lagging_download_of_a_gone_session);
}
