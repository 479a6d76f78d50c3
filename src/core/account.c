/*
 * account.c - the account thread: the only writer of account state and of
 * the sync gate.
 *
 * It consumes account, order and connection events in the order the
 * network thread read them, so a disconnect is always seen after the last
 * data of that connection.  It subscribes account updates one account at a
 * time (a gateway serves one reqAccountUpdates subscription at a time and
 * some stop sending acctDownloadEnd when asked in parallel), opens the gate
 * when the sync rule says complete, and closes it on disconnect or 1100.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "core/pnl.h"
#include "util/str.h"
#include "util/clock.h"

/* The network thread's latest connection failure, for the detail (account thread). */
static void
take_conn_error(ib_pipeline *p)
{
	if (!p->acct.sync.down)
		return;
	pthread_mutex_lock(&p->diag.mu);
	ib_strlcpy(p->acct.sync.conn_error, p->net.conn_error, sizeof(p->acct.sync.conn_error));
	pthread_mutex_unlock(&p->diag.mu);
}

static void
publish_sync(ib_pipeline *p, enum ib_sync_state st)
{
	take_conn_error(p);
	size_t n = ib_sync_json(&p->acct.sync, ib_now_mono_ns(), p->acct.sync_json, IB_SYNC_JSON_MAX);

	if (p->sink.post_sync)
		p->sink.post_sync(p->sink.arg, st, p->acct.sync_json, n);
}

static void
update_diag(ib_pipeline *p)
{
	int64_t now = ib_now_mono_ns();
	char text[sizeof(p->diag.text)];
	take_conn_error(p);
	size_t n = ib_sync_json(&p->acct.sync, now, p->acct.sync_json, IB_SYNC_JSON_MAX);

	ib_sync_describe(&p->acct.sync, now, text, sizeof(text));
	pthread_mutex_lock(&p->diag.mu);
	memcpy(p->diag.text, text, sizeof(text));
	memcpy(p->diag.json, p->acct.sync_json, n + 1);
	pthread_mutex_unlock(&p->diag.mu);
}

/* P:accounts: the list as it is now (any length, in parts). */
static void
publish_accounts(ib_pipeline *p)
{
	if (p->sink.post_accounts)
		p->sink.post_accounts(p->sink.arg, p->acct.sync.acct[0].id, sizeof(p->acct.sync.acct[0]), p->acct.sync.naccounts);
}

/* Release orders this strategy's reads of the snapshot before the decrement; acquire orders
   every other strategy's reads before the free by whoever drops the last reference. */
void
ib_snapshot_release(struct ib_snapshot *s)
{
	if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		free(s);
}

void
ib_account_to_strategy(ib_pipeline *p, int i, const struct ib_se_event *ev)
{
	struct ib_strategy_ctx *c = &p->strat[i];

	/* Keep order: once something waits in the overflow, everything queues behind it. */
	if (c->se_ofl_head == c->se_ofl_tail && ib_ring_push_spsc_se(&c->se_ring, c->se_buf, ev)) {
		ib_wake_signal(&c->wake);
		return;
	}
	if (c->se_ofl_tail - c->se_ofl_head >= c->se_ofl_cap) {
		/* A strategy that has not read 64k events is stuck; say so once per overflow. */
		IB_STAT_INC(p->stats.acct.dropped);
		ib_log(IB_LL_ERROR, "account", "strategy %d is not consuming: event overflow full, event lost", i);
		return;
	}
	c->se_overflow[c->se_ofl_tail++ % c->se_ofl_cap] = *ev;
}

void
ib_account_to_strategies(ib_pipeline *p, const struct ib_se_event *ev)
{
	for (int i = 0; i < p->nstrat; i++)
		ib_account_to_strategy(p, i, ev);
}

static void
drain_overflow(ib_pipeline *p)
{
	for (int i = 0; i < p->nstrat; i++) {
		struct ib_strategy_ctx *c = &p->strat[i];
		bool pushed = false;
		while (c->se_ofl_head != c->se_ofl_tail &&
		       ib_ring_push_spsc_se(&c->se_ring, c->se_buf, &c->se_overflow[c->se_ofl_head % c->se_ofl_cap])) {
			c->se_ofl_head++;
			pushed = true;
		}
		if (pushed)
			ib_wake_signal(&c->wake);
	}
}

static void
request_account_updates(ib_pipeline *p, int idx)
{
	ib_req r = { .id = IB_OUT_REQ_ACCT_DATA };

	r.u.acct_data.subscribe = true;
	ib_strlcpy(r.u.acct_data.account, p->acct.sync.acct[idx].id, sizeof(r.u.acct_data.account));
	ib_strlcpy(p->acct.sub, p->acct.sync.acct[idx].id, sizeof(p->acct.sub));
	ib_pipeline_send(p, &r, -1);
	ib_log(IB_LL_INFO, "account", "requested account updates for %s", p->acct.sync.acct[idx].id);
}

/*
 * One subscription at a time: ask for the next account whose download has
 * not ended, unless the one we asked for last is still downloading.
 */
static void
request_next_account(ib_pipeline *p)
{
	int next = ib_sync_pending_account(&p->acct.sync);
	int cur = p->acct.sub[0] ? ib_sync_find(&p->acct.sync, p->acct.sub) : -1;

	if (next < 0 || (cur >= 0 && !p->acct.sync.acct[cur].download_end))
		return;
	if (cur == next)
		return;
	request_account_updates(p, next);
}

static void
open_gate(ib_pipeline *p)
{
	/* the head and the listed accounts only: a thousand-account table is mostly empty */
	struct ib_snapshot *snap = malloc(offsetof(struct ib_snapshot, a) + ib_accounts_used_size(&p->acct.accounts));
	int64_t now = ib_now_mono_ns();

	if (snap == NULL) {
		ib_log(IB_LL_ERROR, "account", "out of memory for the account snapshot; gate stays closed");
		return;
	}
	memcpy(&snap->a, &p->acct.accounts, ib_accounts_used_size(&p->acct.accounts));
	snap->a.next_order_id = ck_pr_load_32((uint32_t *)&p->ids.next);
	atomic_init(&snap->refs, p->nstrat);
	pthread_mutex_lock(&p->diag.mu);
	p->diag.synced_ns = now - p->diag.connect_start_ns;
	p->diag.gate_opened_real_ns = ib_now_real_ns();
	pthread_mutex_unlock(&p->diag.mu);
	update_diag(p);
	ib_log(IB_LL_INFO, "gate", "sync complete after %.3f s: %d account(s), nextValidId %d -- gate open",
	       ib_ns_to_s((now - p->diag.connect_start_ns)), p->acct.accounts.n, snap->a.next_order_id);
	if (p->nstrat == 0) {
		free(snap);
	} else {
		/* the snapshot is in every strategy's ring before the gate opens: a strategy that wakes at
		   the gate finds its on_start first */
		struct ib_se_event ev = { .kind = IB_SE_GATE_OPEN };
		ev.u.gate_open.snap = snap;
		ib_account_to_strategies(p, &ev);
	}
	/* The strategies own snap now (refs; the last one frees it).  The analyzer loses it in the
	   by-value ring copy and reports a leak here. */
	ib_gate_open(&p->gate); /* NOLINT(clang-analyzer-unix.Malloc) */
	/*
	 * Then Redis, never before: a service that acts on sync=ready (a command on the stream) must
	 * find the gate open.  Posted the other way round, a command could beat the open and be
	 * refused "not synced" (a loaded CI run did, 9 ms after the log line).  Everything the
	 * account thread posted before this is in Redis no later than sync=ready.
	 */
	publish_sync(p, IB_SYNC_READY);
	p->acct.sync_deadline_ns = 0; /* no wait, no deadline: close_gate arms the next one */
	ib_pnl_gate_open(p);
}

static void
close_gate(ib_pipeline *p, const char *reason)
{
	bool was_open = ib_gate_is_open(&p->gate);

	ib_gate_close(&p->gate);
	if (was_open) {
		struct ib_se_event ev = { .kind = IB_SE_GATE_CLOSED };
		/* a new wait starts: its deadline runs from now (the one of the sync that opened the gate
		   was disarmed then; left armed, a disconnect or a shutdown hours later timed out at once) */
		p->acct.sync_deadline_ns = ib_now_mono_ns() + ib_s_to_ns(p->cfg.sync_timeout_s);
		p->acct.sync_timeout_reported = false;
		ib_strlcpy(ev.u.gate_closed.reason, reason, sizeof(ev.u.gate_closed.reason));
		ib_account_to_strategies(p, &ev);
		ib_log(IB_LL_WARN, "gate", "closed: %s", reason);
	}
}

/*
 * The connection whose download this thread has handled is the one up now.
 * This thread can lag the network thread: it may finish a download whose
 * connection has gone, the next one already up ("connected" again).  Data
 * of a session that ended must not open the gate.
 */
static bool
session_live(const ib_pipeline *p)
{
	uint32_t live = ck_pr_load_32((uint32_t *)&p->net.live_session);

	return live != 0 && live == p->acct.session;
}

static void
check_sync(ib_pipeline *p)
{
	int64_t now = ib_now_mono_ns();

	if (ib_gate_is_open(&p->gate))
		return;
	if (!p->acct.ib_lost && session_live(p) && ib_sync_complete(&p->acct.sync, now)) {
		open_gate(p);
		return;
	}
	/* shutting down is no sync timeout (its exit code would be 3, not 0) */
	if (!p->acct.sync_timeout_reported && p->acct.sync_deadline_ns && now >= p->acct.sync_deadline_ns &&
	    !ck_pr_load_int(&p->stop)) {
		char text[512];
		ib_sync_describe(&p->acct.sync, now, text, sizeof(text));
		p->acct.sync_timeout_reported = true;
		update_diag(p);
		publish_sync(p, IB_SYNC_SYNCING);
		if (p->cfg.on_sync_timeout == IB_TIMEOUT_EXIT) {
			ib_log(IB_LL_ERROR, "gate", "sync timeout (%.1f s): %s -- exiting", p->cfg.sync_timeout_s, text);
			p->exit_code = 3;
			ib_pipeline_request_stop(p);
		} else {
			ib_log(IB_LL_ERROR, "gate", "sync timeout (%.1f s): %s -- still waiting", p->cfg.sync_timeout_s,
			       text);
		}
	}
}

static void
post_value(ib_pipeline *p, const ib_account_update *v)
{
	ib_pub_event ev = { .kind = IB_PUB_ACCT_VALUE };
	const char *cur = v->currency;

	ev.u.acct_value = *v;
	ib_pipeline_publish(p, &ev);
	if (strcmp(v->key, "NetLiquidation") == 0 && (cur[0] == '\0' || strcmp(cur, "USD") == 0 || strcmp(cur, "BASE") == 0)) {
		pthread_mutex_lock(&p->diag.mu);
		snprintf(p->diag.accounts, sizeof(p->diag.accounts), "%s NetLiq %s %s", v->account, v->value, cur);
		pthread_mutex_unlock(&p->diag.mu);
	}
	if (ib_gate_is_open(&p->gate)) {
		struct ib_se_event se = { .kind = IB_SE_ACCOUNT };
		se.u.account = *v;
		ib_account_to_strategies(p, &se);
	}
}

void
ib_account_post_position(ib_pipeline *p, const char *acct, const ib_pos *pos)
{
	ib_pub_event ev = { .kind = IB_PUB_POSITION };
	ib_pnl_values pnl;

	ib_strlcpy(ev.u.position.account, acct, sizeof(ev.u.position.account));
	ev.u.position.con_id = pos->con_id;
	memcpy(ev.u.position.symbol, pos->symbol, sizeof(ev.u.position.symbol));
	memcpy(ev.u.position.sec_type, pos->sec_type, sizeof(ev.u.position.sec_type));
	memcpy(ev.u.position.exchange, pos->exchange, sizeof(ev.u.position.exchange));
	memcpy(ev.u.position.currency, pos->currency, sizeof(ev.u.position.currency));
	ev.u.position.position = pos->position;
	ev.u.position.avg_cost = pos->avg_cost;
	ev.u.position.market_price = pos->market_price;
	ev.u.position.market_value = pos->market_value;
	ev.u.position.unrealized_pnl = pos->unrealized_pnl;
	ev.u.position.realized_pnl = pos->realized_pnl;
	if ((ev.u.position.has_pnl = ib_pnl_of_position(p, acct, pos->con_id, &pnl))) {
		ev.u.position.pnl_daily = pnl.daily, ev.u.position.pnl_unrealized = pnl.unrealized;
		ev.u.position.pnl_realized = pnl.realized, ev.u.position.pnl_value = pnl.value;
	}
	ib_pipeline_publish(p, &ev);
}

/* The contract's position over every account moved by delta (the risk check's max_position reads it). */
static void
conpos_add(ib_pipeline *p, const ib_ae_contract *c, double delta)
{
	struct ib_risk_state *r = &p->risk;
	uint32_t n = r->nconpos, i;
	double v;

	for (i = 0; i < n; i++)
		if (c->con_id > 0 ? r->conpos[i].con_id == c->con_id
				  : strcmp(r->conpos[i].symbol, c->symbol) == 0 && strcmp(r->conpos[i].sec_type, c->sec_type) == 0)
			break;
	if (i == n) {
		if (delta == 0)
			return;
		if (n == IB_MAX_CONTRACT_POS) {
			IB_STAT_INC(p->stats.acct.dropped);
			ib_log(IB_LL_ERROR, "account", "contract position table full: %s not kept for max_position", c->symbol);
			return;
		}
		r->conpos[n].con_id = c->con_id;
		ib_strlcpy(r->conpos[n].symbol, c->symbol, sizeof(r->conpos[n].symbol));
		ib_strlcpy(r->conpos[n].sec_type, c->sec_type[0] ? c->sec_type : "STK", sizeof(r->conpos[n].sec_type));
		/* __atomic, not ck_pr: ThreadSanitizer sees these (quote.h says why) */
		__atomic_store_n(&r->nconpos, n + 1, __ATOMIC_RELEASE);
	}
	uint64_t bits = __atomic_load_n(&r->conpos[i].pos_bits, __ATOMIC_RELAXED);
	memcpy(&v, &bits, sizeof(v));
	v += delta;
	memcpy(&bits, &v, sizeof(bits));
	__atomic_store_n(&r->conpos[i].pos_bits, bits, __ATOMIC_RELAXED);
}

static ib_pos *
position_for(ib_pipeline *p, const char *account, const ib_ae_contract *c, ib_account **acct_out)
{
	ib_account *a = ib_accounts_add(&p->acct.accounts, account);
	ib_pos *pos;

	*acct_out = a;
	if (a == NULL || (pos = ib_account_upsert_position(a, c->con_id)) == NULL) {
		IB_STAT_INC(p->stats.acct.dropped);
		ib_log(IB_LL_ERROR, "account", "position table full for %s: %s not kept", account, c->symbol);
		return NULL;
	}
	memcpy(pos->symbol, c->symbol, sizeof(pos->symbol));
	memcpy(pos->sec_type, c->sec_type, sizeof(pos->sec_type));
	if (c->exchange[0])
		memcpy(pos->exchange, c->exchange, sizeof(pos->exchange));
	memcpy(pos->currency, c->currency, sizeof(pos->currency));
	return pos;
}

static void
on_conn_up(ib_pipeline *p, const ib_ae_conn_up *up)
{
	ib_pub_event ev = { .kind = IB_PUB_CONN };
	int64_t now = ib_now_mono_ns();

	ib_sync_reset(&p->acct.sync, now, p->acct.ever_connected);
	p->acct.sync.down = false;
	p->acct.ib_lost = false;
	p->acct.session = up->session;
	ib_accounts_clear(&p->acct.accounts);
	ib_pnl_conn_up(p);
	/* the positions come again from zero with the new download */
	for (uint32_t i = 0; i < p->risk.nconpos; i++)
		__atomic_store_n(&p->risk.conpos[i].pos_bits, 0, __ATOMIC_RELAXED);
	p->acct.sub[0] = '\0';
	p->acct.list_len = 0;
	p->acct.unmanaged_logged = p->acct.unknown_end_logged = false;
	p->acct.sync_timeout_reported = false;
	p->acct.sync_deadline_ns = now + ib_s_to_ns(p->cfg.sync_timeout_s);
	pthread_mutex_lock(&p->diag.mu);
	p->diag.connect_start_ns = now - p->diag.handshake_ns;
	p->diag.synced_ns = 0;
	pthread_mutex_unlock(&p->diag.mu);
	p->acct.ever_connected = true;
	ev.u.conn.connected = 1;
	ev.u.conn.server_version = up->server_version;
	ev.u.conn.client_id = up->client_id;
	ib_pipeline_publish(p, &ev);
	update_diag(p);
	publish_sync(p, IB_SYNC_SYNCING);
}

static void
on_notice(ib_pipeline *p, const struct ib_acct_event *e)
{
	switch (e->u.notice.code) {
	case IB_ERR_CONN_LOST:
		/* the gateway is up but IB is not: hold the gate until 1101/1102, then resync (the account
		   list and order ids are kept for that) */
		p->acct.ib_lost = true;
		close_gate(p, "gateway lost connectivity to IB (1100)");
		update_diag(p);
		publish_sync(p, IB_SYNC_SYNCING);
		return;
	case IB_ERR_CONN_RESTORED:
	case IB_ERR_CONN_RESTORED_LOST: {
		/* Account data may have moved while IB was away: sync again, as after a reconnect. */
		int64_t now = ib_now_mono_ns();
		p->acct.ib_lost = false;
		close_gate(p, "gateway connectivity restored: resyncing");
		ib_sync_restart(&p->acct.sync, now);
		p->acct.sync_deadline_ns = now + ib_s_to_ns(p->cfg.sync_timeout_s);
		p->acct.sync_timeout_reported = false;
		ib_pipeline_request_reconcile(p);
		p->acct.sub[0] = '\0';
		request_next_account(p);
		update_diag(p);
		publish_sync(p, IB_SYNC_SYNCING);
		return;
	}
	default:
		if (!ib_pnl_on_notice(p, &e->u.notice) &&
		    !ib_bars_on_error(p, e->u.notice.req_id, e->u.notice.code, e->u.notice.text))
			ib_orders_on_event(p, e);
	}
}

/* Data for an account the gateway did not list: not kept, not published (no Redis keys), counted. */
static bool
unmanaged(ib_pipeline *p, const char *account)
{
	/* before the first list nothing is known yet: keep it (the list comes first from a gateway) */
	if (!p->acct.sync.have_accounts || ib_sync_find(&p->acct.sync, account) >= 0)
		return false;
	IB_STAT_INC(p->stats.acct.unmanaged);
	if (!p->acct.unmanaged_logged)
		ib_log(IB_LL_WARN, "account",
		       "data for %s, which is not a managed account: not kept or published (counted in acct_unmanaged, "
		       "said once per connection)", account);
	p->acct.unmanaged_logged = true;
	return true;
}

/* Up to a few ids of one side of a list change, for the log line. */
static void
change_ids(const ib_sync *s, bool added, char *buf, size_t cap)
{
	ib_json b;
	int n = 0, shown = 0;

	ib_json_init(&b, buf, cap);
	if (added) {
		for (int i = 0; i < s->naccounts; i++)
			if (s->acct[i].is_new && n++ < 5)
				ib_json_printf(&b, "%s%s", shown++ ? "," : "", s->acct[i].id);
	} else {
		for (int i = 0; i < s->nprev; i++)
			if (s->gone[i] && n++ < 5)
				ib_json_printf(&b, "%s%s", shown++ ? "," : "", s->prev[i].id);
	}
	if (n > shown)
		ib_json_printf(&b, ",... %d in all", n);
}

/*
 * A new managedAccounts list, whole.  The accounts that stay keep what they
 * have; new ones must download before the gate (re)opens; the subscription
 * to one that is gone is cancelled.  Any change closes an open gate: the
 * strategies get a fresh snapshot when it opens again.
 */
static void
on_accounts_list(ib_pipeline *p)
{
	ib_sync_change c = ib_sync_accounts(&p->acct.sync, p->acct.list);
	char added[160], removed[160];

	if (p->acct.list_over)
		ib_sync_list_too_long(&p->acct.sync);
	/* the table holds the listed accounts only (and any that got data before the first list) */
	for (int i = p->acct.accounts.n - 1; i >= 0; i--)
		if (ib_sync_find(&p->acct.sync, p->acct.accounts.a[i].id) < 0)
			ib_accounts_remove(&p->acct.accounts, p->acct.accounts.a[i].id);
	for (int i = 0; i < p->acct.sync.naccounts; i++)
		ib_accounts_add(&p->acct.accounts, p->acct.sync.acct[i].id);
	if (p->acct.sub[0] && ib_sync_find(&p->acct.sync, p->acct.sub) < 0) {
		ib_req r = { .id = IB_OUT_REQ_ACCT_DATA };
		r.u.acct_data.subscribe = false;
		ib_strlcpy(r.u.acct_data.account, p->acct.sub, sizeof(r.u.acct_data.account));
		ib_pipeline_send(p, &r, -1);
		ib_log(IB_LL_INFO, "account", "cancelled account updates for %s: no longer managed", p->acct.sub);
		p->acct.sub[0] = '\0';
	}
	change_ids(&p->acct.sync, true, added, sizeof(added));
	change_ids(&p->acct.sync, false, removed, sizeof(removed));
	if (p->acct.sync.list_error != IB_SYNC_LIST_OK || p->acct.sync.naccounts == 0) {
		char text[512];
		ib_sync_describe(&p->acct.sync, ib_now_mono_ns(), text, sizeof(text));
		ib_log(IB_LL_ERROR, "account", "managedAccounts refused (%d account(s) usable): %s -- never ready on this list",
		       p->acct.sync.naccounts, text);
	} else if (c.first) {
		ib_log(IB_LL_INFO, "account", "managed accounts: %d", p->acct.sync.naccounts);
	} else if (c.changed) {
		ib_log(IB_LL_WARN, "account", "managed accounts changed: %d account(s), added %d [%s], removed %d [%s]%s",
		       p->acct.sync.naccounts, c.added, added, c.removed, removed,
		       ib_gate_is_open(&p->gate) ? " -- closing the gate until every listed account is complete" : "");
	} else {
		ib_log(IB_LL_INFO, "account", "managed accounts again, unchanged: %d", p->acct.sync.naccounts);
	}
	if (c.duplicates)
		ib_log(IB_LL_WARN, "account", "managedAccounts names %d account(s) more than once: counted once",
		       c.duplicates);
	if ((c.changed || p->acct.sync.list_error != IB_SYNC_LIST_OK) && ib_gate_is_open(&p->gate)) {
		/* a new wait starts now: the detail counts from here, and so does the sync deadline (else
		   a change hours after ready would be a sync timeout at once) */
		int64_t now = ib_now_mono_ns();
		close_gate(p, "managed accounts changed"); /* arms the deadline */
		p->acct.sync.since_ns = now;
		/* "syncing" reaches Redis before the new list does: no reader sees the new list beside
		   the old "ready" */
		publish_sync(p, IB_SYNC_SYNCING);
	}
	publish_accounts(p);
	request_next_account(p);
	update_diag(p);
	if (!ib_gate_is_open(&p->gate))
		publish_sync(p, IB_SYNC_SYNCING);
}

/*
 * A configured contract resolved, or was refused (resolve.c logged why).  The
 * gate waits for all of them; a refusal is in the detail at once, and once
 * all are resolved their conIds go to the cache (contracts.h says what for).
 */
static void
on_contract(ib_pipeline *p, const ib_ae_contract_res *c)
{
	bool ok = c->outcome == IB_CT_RESOLVED;

	ib_sync_contract(&p->acct.sync, c->slot, ok, c->why);
	if (!ok) {
		update_diag(p);
		publish_sync(p, IB_SYNC_SYNCING);
		return;
	}
	if (ib_sync_pending_contract(&p->acct.sync) < 0 && ib_contracts_store_cache(p->contracts) != 0)
		ib_log(IB_LL_WARN, "contracts", "cannot write the conId cache %s: %s (resolution does not need it)",
		       p->contracts->cache_path, strerror(errno));
}

/* managedAccounts comes in parts when long (netloop.c). */
static void
on_accounts_part(ib_pipeline *p, const ib_ae_managed_accts *m)
{
	size_t n = strnlen(m->list, sizeof(m->list));

	if (m->part == 0) {
		p->acct.list_len = 0;
		p->acct.list_over = false;
	}
	if (p->acct.list_len + n > IB_ACCOUNT_LIST_MAX)
		p->acct.list_over = true;
	else
		memcpy(p->acct.list + p->acct.list_len, m->list, n), p->acct.list_len += n;
	p->acct.list[p->acct.list_len] = '\0';
	if (!m->more)
		on_accounts_list(p);
}

static void
handle(ib_pipeline *p, const struct ib_acct_event *e)
{
	int64_t now = ib_now_mono_ns();
	ib_account *a;
	ib_pos *pos;

	switch (e->kind) {
	case IB_AE_CONN_UP:
		on_conn_up(p, &e->u.conn_up);
		break;
	case IB_AE_CONN_DOWN: {
		ib_pub_event ev = { .kind = IB_PUB_CONN };
		close_gate(p, e->u.conn_down.reason[0] ? e->u.conn_down.reason : "disconnected");
		ib_orders_on_event(p, e); /* live orders wait for the reconcile to confirm them */
		ib_sync_reset(&p->acct.sync, now, true);
		p->acct.sync.down = true;
		update_diag(p);
		publish_sync(p, IB_SYNC_DISCONNECTED);
		ib_pipeline_publish(p, &ev);
		break;
	}
	case IB_AE_NOTICE:
		on_notice(p, e);
		break;
	case IB_AE_MANAGED_ACCTS:
		on_accounts_part(p, &e->u.managed_accts);
		break;
	case IB_AE_NEXT_ID:
		ib_sync_next_id(&p->acct.sync, e->u.next_id.order_id);
		ib_pipeline_seen_order_id(p, e->u.next_id.order_id);
		p->acct.accounts.next_order_id = ck_pr_load_32((uint32_t *)&p->ids.next);
		break;
	case IB_AE_ACCT_VALUE: {
		const ib_account_update *v = &e->u.acct_value;
		if (unmanaged(p, v->account))
			break;
		ib_sync_value(&p->acct.sync, v->account, now);
		if ((a = ib_accounts_add(&p->acct.accounts, v->account)) == NULL ||
		    ib_account_set_value(a, v->key, v->currency, v->value) < 0) {
			IB_STAT_INC(p->stats.acct.dropped);
			ib_log(IB_LL_ERROR, "account", "value table full for %s: %s not kept", v->account, v->key);
		}
		IB_STAT_INC(p->stats.acct.values);
		post_value(p, v);
		break;
	}
	case IB_AE_PORTFOLIO: {
		const ib_ae_portfolio *pf = &e->u.portfolio;
		if (unmanaged(p, pf->account))
			break;
		ib_sync_value(&p->acct.sync, pf->account, now);
		if ((pos = position_for(p, pf->account, &pf->contract, &a)) != NULL) {
			conpos_add(p, &pf->contract, pf->position - pos->position);
			pos->position = pf->position, pos->avg_cost = pf->average_cost, pos->market_price = pf->market_price;
			pos->market_value = pf->market_value, pos->unrealized_pnl = pf->unrealized_pnl;
			pos->realized_pnl = pf->realized_pnl;
			ib_account_post_position(p, a->id, pos);
			ib_pnl_position(p, a->id, pos);
		}
		IB_STAT_INC(p->stats.acct.positions);
		break;
	}
	case IB_AE_POSITION: {
		const ib_ae_position *ps = &e->u.position;
		if (unmanaged(p, ps->account))
			break;
		if ((pos = position_for(p, ps->account, &ps->contract, &a)) != NULL) {
			conpos_add(p, &ps->contract, ps->position - pos->position);
			pos->position = ps->position, pos->avg_cost = ps->avg_cost;
			ib_account_post_position(p, a->id, pos);
			ib_pnl_position(p, a->id, pos);
		}
		IB_STAT_INC(p->stats.acct.positions);
		break;
	}
	case IB_AE_ACCT_TIME:
		if (p->acct.sub[0] && ib_sync_find(&p->acct.sync, p->acct.sub) >= 0 &&
		    (a = ib_accounts_add(&p->acct.accounts, p->acct.sub)))
			ib_strlcpy(a->update_time, e->u.acct_time.time, sizeof(a->update_time));
		break;
	case IB_AE_DOWNLOAD_END:
		if (ib_sync_download_end(&p->acct.sync, e->u.download_end.account) < 0) {
			IB_STAT_INC(p->stats.acct.download_end_unknown);
			if (!p->acct.unknown_end_logged)
				ib_log(IB_LL_WARN, "account",
				       "acctDownloadEnd for %s, which is not a managed account: ignored (counted in "
				       "download_end_unknown, said once per connection)", e->u.download_end.account);
			p->acct.unknown_end_logged = true;
			break;
		}
		ib_log(IB_LL_INFO, "account", "account download complete for %s", e->u.download_end.account);
		request_next_account(p);
		break;
	case IB_AE_POSITION_END:
		ib_sync_position_end(&p->acct.sync);
		break;
	case IB_AE_CONTRACT:
		on_contract(p, &e->u.contract);
		break;
	case IB_AE_OPEN_ORDER_END:
		ib_sync_open_orders_end(&p->acct.sync);
		ib_orders_on_event(p, e);
		break;
	case IB_AE_EXEC_END:
		ib_sync_executions_end(&p->acct.sync);
		ib_orders_on_event(p, e);
		break;
	case IB_AE_PNL:
		ib_pnl_on_event(p, &e->u.pnl);
		break;
	case IB_AE_BAR:
	case IB_AE_BAR_END:
		ib_bars_on_event(p, e);
		break;
	default:
		ib_orders_on_event(p, e);
		break;
	}
}

void *
ib_account_thread(void *arg)
{
	ib_pipeline *p = arg;
	struct ib_acct_event e;
	int64_t last_diag = 0, last_pub = 0;
	const ib_wait_policy wait = { p->cfg.wait_account, (int64_t)p->cfg.wait_spin_us * IB_NS_PER_US, &p->stop };

	/* before any connection: waiting since now, for the connection; and the sync deadline runs
	   from the start, so --on-sync-timeout exit fires while the gateway is down too */
	p->acct.sync.since_ns = ib_now_mono_ns();
	p->acct.sync.down = true;
	p->acct.sync_deadline_ns = p->acct.sync.since_ns + ib_s_to_ns(p->cfg.sync_timeout_s);
	for (;;) {
		uint32_t snap = ib_wake_snapshot(&p->acct.wake);
		int n = 0;
		ib_heartbeat_beat(&p->acct.hb);
		while (n < 1024 && ib_ring_pop_acct(&p->acct.ring, p->acct.buf, &e)) {
			/* lossless: the market data read before this event is handled first, so a gate that
			   closes here (a disconnect, 1100, shutting down) cuts off no tick read before it */
			while (p->cfg.md_lossless && atomic_load_explicit(&p->md.seq_done, memory_order_acquire) < e.md_before &&
			       !atomic_load_explicit(&p->md.done, memory_order_acquire))
				ib_wake_wait(&p->acct.wake, ib_wake_snapshot(&p->acct.wake), 1);
			handle(p, &e);
			n++;
			if (p->cfg.md_lossless) {
				/* lossless: the gate moves at a fixed point of the stream, which the market-data
				   thread waits for (acct_seq_done), so a replay sees what the live run saw */
				check_sync(p);
				__atomic_store_n(&p->acct.seq_done, e.seq, __ATOMIC_RELEASE);
			}
		}
		drain_overflow(p);
		ib_pnl_tick(p, ib_now_mono_ns());
		check_sync(p);
		ib_orders_answer_check(p);
		int64_t now = ib_now_mono_ns();
		/* the diagnostics five times a second, P:sync:detail once a second while syncing: each on its
		   own clock (one clock reset every half second never let the second one fire) */
		if (n > 0 || now - last_diag > 200000000LL) {
			if (!ib_gate_is_open(&p->gate))
				update_diag(p);
			last_diag = now;
		}
		if (now - last_pub >= IB_NS_PER_S) {
			if (!ib_gate_is_open(&p->gate) && ck_pr_load_32((uint32_t *)&p->stats.net.connected))
				publish_sync(p, IB_SYNC_SYNCING);
			last_pub = now;
		}
		if (n > 0)
			continue;
		/* The network thread is the producer: once it is gone and the ring is empty, we are done. */
		if (ck_pr_load_int(&p->stop) && !ck_pr_load_8((uint8_t *)&p->net.started))
			break;
		ib_wake_wait_as(&p->acct.wake, snap, 100, &wait);
	}
	atomic_store_explicit(&p->acct.left, true, memory_order_release);
	/* lossless: the market data read before the stop still goes out behind an open gate */
	while (p->cfg.md_lossless && !atomic_load_explicit(&p->md.done, memory_order_acquire))
		ib_wake_wait(&p->acct.wake, ib_wake_snapshot(&p->acct.wake), 10);
	close_gate(p, "shutting down");
	atomic_store_explicit(&p->acct.done, true, memory_order_release);
	for (int i = 0; i < p->nstrat; i++)
		ib_wake_signal(&p->strat[i].wake);
	return NULL;
}
