/*
 * pipeline.c - building, starting and stopping the threads and rings.
 *
 * Everything is allocated here, once, before any thread starts; nothing on
 * a message path allocates.  Shutdown: set stop, wake everyone; the network
 * thread closes the socket and exits; the account and market-data threads
 * drain what it produced and exit; strategies get on_stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "core/affinity.h"
#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "core/place.h"
#include "core/pnl.h"
#include "util/str.h"
#include "util/clock.h"

#define HWM_BLOCK 1000


/* ---- order-id high-water mark ---- */

static int32_t
hwm_load(ib_pipeline *p)
{
	FILE *f = fopen(p->ids.path, "r");
	char line[32], *end = NULL;
	long v = 0;

	if (f == NULL)
		return 0;
	if (fgets(line, sizeof(line), f) != NULL)
		v = strtol(line, &end, 10);
	if (end == line)
		v = 0; /* not a number: start from the gateway's id */
	fclose(f);
	return v > 0 && v < INT32_MAX ? (int32_t)v : 0;
}

/*
 * Write v to a temporary file, fsync it, rename it over the mark, fsync the
 * directory.  0, or -1 with errno set: any failed step means the block is
 * not reserved on disk, so its ids must not be handed out.
 */
static int
hwm_store(ib_pipeline *p, int32_t v)
{
	char tmp[320];
	FILE *f;
	int rc = 0, e = 0, dfd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", p->ids.path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	if (fprintf(f, "%d\n", v) < 0 || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1, e = errno;
	if (fclose(f) != 0 && rc == 0)
		rc = -1, e = errno;
	if (rc == 0 && rename(tmp, p->ids.path) != 0)
		rc = -1, e = errno;
	if (rc != 0) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	/* the rename itself is durable only once the directory is synced */
	if ((dfd = open(p->ids.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if (fsync(dfd) != 0 && errno != EINVAL) /* EINVAL: this filesystem has no directory fsync */
		rc = -1, e = errno;
	close(dfd);
	errno = e;
	return rc;
}

/* The next order id, or -1 once the mark could not be stored: no id is safe past what is on disk. */
int32_t
ib_pipeline_next_order_id(ib_pipeline *p)
{
	int32_t id;

	pthread_mutex_lock(&p->ids.mu);
	if (p->ids.failed) {
		pthread_mutex_unlock(&p->ids.mu);
		return -1;
	}
	id = ck_pr_faa_32((uint32_t *)&p->ids.next, 1);
	if (id + 1 >= p->ids.reserved) {
		/* reserve a block on disk before handing out ids from it: a crash can skip ids, never reuse them */
		if (p->ids.path[0] && hwm_store(p, id + 1 + HWM_BLOCK) != 0) {
			p->ids.failed = true;
			ck_pr_faa_64(&p->ids.store_failures, 1);
			ib_log(IB_LL_ERROR, "orders",
			       "cannot store the order-id high-water mark %s: %s -- order placement stopped (an id "
			       "not reserved on disk could be reused after a restart); fix state_dir and restart",
			       p->ids.path, strerror(errno));
			pthread_mutex_unlock(&p->ids.mu);
			return -1;
		}
		p->ids.reserved = id + 1 + HWM_BLOCK;
	}
	pthread_mutex_unlock(&p->ids.mu);
	return id;
}

bool
ib_pipeline_orders_stopped(ib_pipeline *p)
{
	pthread_mutex_lock(&p->ids.mu);
	bool stopped = p->ids.failed;
	pthread_mutex_unlock(&p->ids.mu);
	return stopped;
}

void
ib_pipeline_seen_order_id(ib_pipeline *p, int32_t next_valid)
{
	pthread_mutex_lock(&p->ids.mu);
	int32_t cur = ck_pr_load_32((uint32_t *)&p->ids.next);
	if (next_valid > cur)
		ck_pr_store_32((uint32_t *)&p->ids.next, (uint32_t)next_valid);
	else if (next_valid < cur)
		ib_log(IB_LL_WARN, "orders",
		       "gateway's nextValidId %d is below ids already used (next %d): keeping ours so no id is reused",
		       next_valid, cur);
	pthread_mutex_unlock(&p->ids.mu);
}

/*
 * The state directory must hold the mark across restarts: created if
 * missing (not its parents), a directory, and (trading) written to now, so
 * a problem shows at start rather than at the first order.  0, or -1 with why.
 */
static int
hwm_init(ib_pipeline *p, char *why, size_t cap)
{
	const char *dir = p->cfg.state_dir[0] ? p->cfg.state_dir : ".";
	struct stat st;

	ib_strlcpy(p->ids.dir, dir, sizeof(p->ids.dir));
	snprintf(p->ids.path, sizeof(p->ids.path), "%s/order-id-%s-%d-%d", dir, p->cfg.host, p->cfg.port,
		 p->cfg.client_id);
	p->ids.reserved = hwm_load(p);
	p->ids.next = p->ids.reserved;
	int bad = 0;
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		bad = errno;
	else if (stat(dir, &st) != 0)
		bad = errno;
	else if (!S_ISDIR(st.st_mode))
		bad = ENOTDIR;
	else if (!p->cfg.readonly && hwm_store(p, p->ids.reserved) != 0) /* readonly: nothing to write, ever */
		bad = errno;
	if (bad) {
		snprintf(why, cap, "state_dir %s: %s (%s)", dir, strerror(bad), strerrorname_np(bad));
		p->ids.path[0] = '\0';
		return -1;
	}
	return 0;
}

/* ---- queues ---- */

static bool
pipeline_stopping(const void *p)
{
	return ck_pr_load_int(&((const ib_pipeline *)p)->stop) != 0;
}

bool
ib_pipeline_send(ib_pipeline *p, const ib_req *r, int strategy)
{
	struct ib_out_slot s;
	uint64_t one = 1;

	s.req = *r;
	s.strategy = strategy;
	/* no wake: the network thread polls out_efd, written below */
	ib_ring_waiter w = { .stopped = pipeline_stopping, .arg = p };
	if (!ib_ring_push_wait_mpsc_out(&p->net.out_ring, p->net.out_buf, &s, &w))
		return false;
	if (write(p->net.out_efd, &one, sizeof(one)) < 0) {
		/* the counter saturates only if nobody reads it; the ring is polled anyway */
	}
	return true;
}

bool
ib_pipeline_send_new_order(ib_pipeline *p, ib_req *r, int strategy)
{
	return ib_pipeline_send_new_order_hook(p, r, strategy, NULL, NULL);
}

bool
ib_pipeline_send_new_order_hook(ib_pipeline *p, ib_req *r, int strategy, bool (*hook)(void *, int32_t), void *arg)
{
	bool ok;

	/*
	 * IB wants a client's new order ids in increasing order: taking the id
	 * and queueing the order is one step, or two strategies placing at once
	 * could queue id 8 before 7, and the gateway refuses 7 (103).  Orders
	 * are rare; a mutex here costs nothing on the market-data path.
	 */
	pthread_mutex_lock(&p->ids.place_mu);
	r->u.place_order.order_id = ib_pipeline_next_order_id(p);
	r->u.place_order.order.order_id = r->u.place_order.order_id;
	if (r->u.place_order.order_id < 0)
		ck_pr_faa_64(&p->ids.refused_no_id, 1);
	ok = r->u.place_order.order_id >= 0 && (!hook || hook(arg, r->u.place_order.order_id)) &&
	     ib_pipeline_send(p, r, strategy);
	pthread_mutex_unlock(&p->ids.place_mu);
	return ok;
}

bool
ib_pipeline_send_new_orders_hook(ib_pipeline *p, ib_req *r, int n, int strategy, bool (*hook)(void *, int32_t),
				 void *arg)
{
	bool ok = true;

	/* under the one lock: the ids are consecutive (every new id is taken under it), and no other
	   placer's order comes between the parent and its children in the out ring */
	pthread_mutex_lock(&p->ids.place_mu);
	for (int i = 0; i < n && ok; i++) {
		r[i].u.place_order.order_id = ib_pipeline_next_order_id(p);
		r[i].u.place_order.order.order_id = r[i].u.place_order.order_id;
		ok = r[i].u.place_order.order_id >= 0 &&
		     (i == 0 || r[i].u.place_order.order_id == r[i - 1].u.place_order.order_id + 1);
	}
	if (!ok)
		ck_pr_faa_64(&p->ids.refused_no_id, 1);
	for (int i = 1; i < n && ok; i++) {
		ib_order *o = &r[i].u.place_order.order;
		if (o->parent_id != IB_PARENT_FIRST)
			continue;
		o->parent_id = r[0].u.place_order.order_id;
		if (!o->oca_group[0]) /* the exits cancel each other: a group named after the entry */
			snprintf(o->oca_group, sizeof(o->oca_group), "ibpipe-bracket-%d", (int)o->parent_id);
	}
	ok = ok && (!hook || hook(arg, r[0].u.place_order.order_id));
	for (int i = 0; i < n && ok; i++)
		ok = ib_pipeline_send(p, &r[i], strategy);
	pthread_mutex_unlock(&p->ids.place_mu);
	return ok;
}

void
ib_pipeline_request_reconcile(ib_pipeline *p)
{
	ib_req r = { .id = IB_OUT_REQ_POSITIONS };

	ib_pipeline_send(p, &r, -1);
	r = (ib_req){ .id = IB_OUT_REQ_OPEN_ORDERS };
	ib_pipeline_send(p, &r, -1);
	r = (ib_req){ .id = IB_OUT_REQ_EXECUTIONS };
	r.u.executions.req_id = IB_REQID_EXEC;
	ib_pipeline_send(p, &r, -1);
}

void
ib_pipeline_subscribe_quotes(ib_pipeline *p)
{
	for (uint32_t i = 0; i < p->nquote_subs; i++) {
		ib_req r = { .id = IB_OUT_REQ_MKT_DATA };
		r.u.mkt_data.req_id = IB_REQID_MKT + (int32_t)i;
		if (!ib_resolve_mkt_contract(p, i, &r.u.mkt_data.contract))
			continue; /* a contract spec not resolved on this connection yet: subscribed when it is */
		ib_pipeline_send(p, &r, -1);
	}
}

void
ib_pipeline_publish(ib_pipeline *p, const ib_pub_event *ev)
{
	if (p->sink.post)
		p->sink.post(p->sink.arg, ev);
}

/* ---- life cycle ---- */

ib_pipeline *
ib_pipeline_create(const ib_config *cfg, const ib_strategy_vtable *vt, char *err, size_t errlen)
{
	const ib_strategy_vtable *vts[IB_MAX_STRATEGIES];

	for (int i = 0; i < IB_MAX_STRATEGIES; i++)
		vts[i] = vt;
	return ib_pipeline_create_mixed(cfg, vts, err, errlen);
}

ib_pipeline *
ib_pipeline_create_mixed(const ib_config *cfg, const ib_strategy_vtable *const *vts, char *err, size_t errlen)
{
	ib_pipeline *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	p->net.out_efd = -1;
	pthread_mutex_init(&p->ids.mu, NULL);
	pthread_mutex_init(&p->ids.place_mu, NULL);
	pthread_mutex_init(&p->diag.mu, NULL);
	ib_gate_init(&p->gate);
	ib_wake_init(&p->md.wake);
	ib_wake_init(&p->acct.wake);
	ib_sync_init(&p->acct.sync, cfg->require_download_end, cfg->download_quiet_ms);
	p->stats.start_ns = (uint64_t)ib_now_real_ns();
	snprintf(p->diag.text, sizeof(p->diag.text), "connecting to %s:%d", cfg->host, cfg->port);
	p->diag.json = calloc(1, IB_SYNC_JSON_MAX);
	p->acct.sync_json = calloc(1, IB_SYNC_JSON_MAX);
	if (p->diag.json)
		snprintf(p->diag.json, IB_SYNC_JSON_MAX, "{\"missing\":[\"connection\"]}");
	if (p->cfg.pacing_per_s < 1)
		p->cfg.pacing_per_s = 1;

	p->quotes = calloc(1, sizeof(*p->quotes));
	p->contracts = calloc(1, sizeof(*p->contracts));
	p->risk.conpos = calloc(IB_MAX_CONTRACT_POS, sizeof(*p->risk.conpos));
	p->md.buf = ib_ring_alloc(&p->md.ring, IB_MD_RING_SIZE, sizeof(*p->md.buf));
	p->acct.buf = ib_ring_alloc(&p->acct.ring, IB_ACCT_RING_SIZE, sizeof(*p->acct.buf));
	p->net.out_buf = ib_ring_alloc(&p->net.out_ring, IB_OUT_RING_SIZE, sizeof(*p->net.out_buf));
	p->net.out_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!p->diag.json || !p->acct.sync_json || !p->quotes || !p->contracts || !p->risk.conpos || !p->md.buf || !p->acct.buf || !p->net.out_buf || p->net.out_efd < 0 ||
	    ib_orders_init(p) != IB_OK || ib_pnl_init(p) != IB_OK) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* IB_CFG_MAX_SYMBOLS < IB_MAX_INSTRUMENTS: the rest of the table is for tbt/depth-only symbols.
	   Bare stocks are named now; a contract spec once it resolved (core/contracts.h). */
	if (ib_contracts_setup(p->contracts, cfg, p->quotes, err, errlen) != 0)
		goto fail;
	ib_sync_set_contracts(&p->acct.sync, p->contracts->n, p->contracts->slot[0].spec, sizeof(p->contracts->slot[0]));
	p->quotes->n = (uint32_t)(cfg->nsymbols < IB_CFG_MAX_SYMBOLS ? cfg->nsymbols : IB_CFG_MAX_SYMBOLS);

	p->nstrat = cfg->strategies < IB_MAX_STRATEGIES ? cfg->strategies : IB_MAX_STRATEGIES;
	for (int i = 0; i < p->nstrat; i++)
		if (vts[i] == NULL) {
			snprintf(err, errlen, "strategy: none given for %d strategy threads", cfg->strategies);
			goto fail;
		}
	uint32_t rate_cap = cfg->risk.max_orders_per_s > 0 ? (uint32_t)cfg->risk.max_orders_per_s : 1;
	for (int i = 0; i < p->nstrat; i++) {
		ib_strategy_ctx *c = &p->strat[i];
		c->p = p;
		c->index = i;
		c->vt = vts[i];
		ib_wake_init(&c->wake);
		c->sq_buf = ib_ring_alloc(&c->sq_ring, IB_SQ_RING_SIZE, sizeof(*c->sq_buf));
		c->se_buf = ib_ring_alloc(&c->se_ring, IB_SE_RING_SIZE, sizeof(*c->se_buf));
		c->pending = calloc(IB_MAX_INSTRUMENTS, 1);
		c->pending_list = calloc(IB_MAX_INSTRUMENTS, sizeof(uint32_t));
		c->se_ofl_cap = 65536;
		c->se_overflow = calloc(c->se_ofl_cap, sizeof(*c->se_overflow));
		c->order_times_cap = rate_cap;
		c->order_times = calloc(rate_cap, sizeof(int64_t));
		if (!c->sq_buf || !c->se_buf || !c->pending || !c->pending_list || !c->se_overflow || !c->order_times) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		c->book_copy = calloc(1, sizeof(*c->book_copy));
		if (!c->book_copy) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		p->creating = true;
		c->self = c->vt->create ? c->vt->create(c) : NULL;
		p->creating = false;
		if (p->param_err[0]) {
			snprintf(err, errlen, "%s", p->param_err);
			goto fail;
		}
		if (c->vt->create && c->self == NULL) {   /* create() says it failed by returning NULL */
			snprintf(err, errlen, "strategy %s #%d: create() failed", c->vt->name ? c->vt->name : "?", i);
			goto fail;
		}
	}
	if (p->nstrat > 0 && ib_sdk_check_params(p, err, errlen) != 0)
		goto fail;
	/* after create(): strategies may add tbt/depth subscriptions and bar series there */
	if (ib_pipeline_setup_feeds(p, err, errlen) != 0 || ib_bars_setup(p, err, errlen) != 0)
		goto fail;
	size_t ninst = p->quotes->n ? p->quotes->n : 1;
	p->net.md_pending = calloc(ninst * IB_MD_SLOTS, sizeof(*p->net.md_pending));
	p->net.md_pending_used = calloc(ninst * IB_MD_SLOTS, 1);
	p->net.md_dirty = calloc(ninst, sizeof(uint32_t));
	p->net.md_dirty_flag = calloc(ninst, 1);
	p->greeks = aligned_alloc(_Alignof(ib_greeks), ninst * sizeof(*p->greeks)); /* a cache line each */
	if (p->greeks)
		memset(p->greeks, 0, ninst * sizeof(*p->greeks));
	if (!p->net.md_pending || !p->net.md_pending_used || !p->net.md_dirty || !p->net.md_dirty_flag || !p->greeks) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	char why[400];
	if (hwm_init(p, why, sizeof(why)) != 0) {
		if (!cfg->readonly) { /* a reused order id is a rejected order, or worse: refuse to trade */
			snprintf(err, errlen, "%s: order ids could repeat after a restart; fix it or run --readonly", why);
			goto fail;
		}
		ib_log(IB_LL_WARN, "orders", "%s: readonly, so no order id is needed; continuing", why);
	}
	return p;
fail:
	ib_pipeline_free(p);
	return NULL;
}

int
ib_pipeline_start(ib_pipeline *p)
{
	if (pthread_create(&p->acct.th, NULL, ib_account_thread, p) != 0)
		return IB_EIO;
	p->acct.started = true;
	ib_thread_place(p->acct.th, "ibpipe-account", p->cfg.cpu_account); /* top -H, /proc/PID/task/TID/comm */
	if (pthread_create(&p->md.th, NULL, ib_mktdata_thread, p) != 0) {
		atomic_store(&p->md.done, true); /* the account thread waits for it at shutdown */
		return IB_EIO;
	}
	p->md.started = true;
	ib_thread_place(p->md.th, "ibpipe-mktdata", p->cfg.cpu_md);
	for (int i = 0; i < p->nstrat; i++) {
		char name[16];
		if (pthread_create(&p->strat[i].thread, NULL, ib_strategy_thread, &p->strat[i]) != 0)
			return IB_EIO;
		snprintf(name, sizeof(name), "ibpipe-strat%d", i);
		ib_thread_place(p->strat[i].thread, name, p->cfg.cpu_strategy < 0 ? -1 : p->cfg.cpu_strategy + i);
	}
	ck_pr_store_8((uint8_t *)&p->net.started, 1);
	if (pthread_create(&p->net.th, NULL, ib_net_thread, p) != 0) {
		ck_pr_store_8((uint8_t *)&p->net.started, 0);
		return IB_EIO;
	}
	ib_thread_place(p->net.th, "ibpipe-network", p->cfg.cpu_net);
	return IB_OK;
}

void
ib_pipeline_request_stop(ib_pipeline *p)
{
	uint64_t one = 1;

	ck_pr_store_int(&p->stop, 1);
	if (p->net.out_efd >= 0 && write(p->net.out_efd, &one, sizeof(one)) < 0) {
		/* only fails if the counter is saturated, which also wakes the poller */
	}
	ib_wake_signal(&p->md.wake);
	ib_wake_signal(&p->acct.wake);
	for (int i = 0; i < p->nstrat; i++)
		ib_wake_signal(&p->strat[i].wake);
}

int
ib_pipeline_join(ib_pipeline *p)
{
	if (ck_pr_load_8((uint8_t *)&p->net.started)) {
		pthread_join(p->net.th, NULL);
		ck_pr_store_8((uint8_t *)&p->net.started, 0);
	}
	ib_wake_signal(&p->acct.wake);
	ib_wake_signal(&p->md.wake);
	if (p->acct.started) {
		pthread_join(p->acct.th, NULL);
		p->acct.started = false;
	}
	if (p->md.started) {
		pthread_join(p->md.th, NULL);
		p->md.started = false;
	}
	for (int i = 0; i < p->nstrat; i++) {
		ib_wake_signal(&p->strat[i].wake);
		if (p->strat[i].thread) {
			pthread_join(p->strat[i].thread, NULL);
			p->strat[i].thread = 0;
		}
	}
	return p->exit_code;
}

void
ib_pipeline_free(ib_pipeline *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nstrat; i++) {
		ib_strategy_ctx *c = &p->strat[i];
		struct ib_se_event se;
		/* snapshots still queued (shutdown raced a gate opening) are released here */
		while (c->se_buf && ib_ring_pop_se(&c->se_ring, c->se_buf, &se))
			if (se.kind == IB_SE_GATE_OPEN)
				ib_snapshot_release(se.u.gate_open.snap);
		for (; c->se_overflow && c->se_ofl_head != c->se_ofl_tail; c->se_ofl_head++) {
			se = c->se_overflow[c->se_ofl_head % c->se_ofl_cap];
			if (se.kind == IB_SE_GATE_OPEN)
				ib_snapshot_release(se.u.gate_open.snap);
		}
		if (c->vt && c->vt->destroy && c->self)
			c->vt->destroy(c->self);
		free(c->sq_buf);
		free(c->se_buf);
		free(c->pending);
		free(c->pending_list);
		free(c->se_overflow);
		free(c->order_times);
		free(c->book_copy);
	}
	ib_orders_free(p);
	ib_bars_free(p);
	free(p->books);
	free(p->diag.json);
	free(p->acct.sync_json);
	free(p->inst_book);
	free(p->quotes);
	free(p->contracts);
	free(p->risk.conpos);
	ib_pnl_free(p);
	free(p->md.buf);
	free(p->acct.buf);
	free(p->net.out_buf);
	free(p->net.md_pending);
	free(p->greeks);
	free(p->net.md_pending_used);
	free(p->net.md_dirty);
	free(p->net.md_dirty_flag);
	if (p->net.out_efd >= 0)
		close(p->net.out_efd);
	pthread_mutex_destroy(&p->ids.mu);
	pthread_mutex_destroy(&p->ids.place_mu);
	pthread_mutex_destroy(&p->diag.mu);
	free(p);
}
