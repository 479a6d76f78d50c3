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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "ibpipe/pipeline.h"

static void
publish_sync(ib_pipeline *p, enum ib_sync_state st)
{
	ib_pub_event ev = { .kind = IB_PUB_SYNC };
	int64_t now = ib_now_mono_ns();

	ev.u.sync.state = st;
	ib_sync_json(&p->sync, now, ev.u.sync.detail, sizeof(ev.u.sync.detail));
	ib_pipeline_publish(p, &ev);
}

static void
update_diag(ib_pipeline *p)
{
	int64_t now = ib_now_mono_ns();
	char text[512], json[512];

	ib_sync_describe(&p->sync, now, text, sizeof(text));
	ib_sync_json(&p->sync, now, json, sizeof(json));
	pthread_mutex_lock(&p->diag_mu);
	memcpy(p->diag_text, text, sizeof(text));
	memcpy(p->diag_json, json, sizeof(json));
	pthread_mutex_unlock(&p->diag_mu);
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
	ib_strlcpy(r.u.acct_data.account, p->sync.accounts[idx], sizeof(r.u.acct_data.account));
	p->pending_acct_sub = idx;
	ib_pipeline_send(p, &r, -1);
	ib_log(IB_LL_INFO, "account", "requested account updates for %s", p->sync.accounts[idx]);
}

static void
open_gate(ib_pipeline *p)
{
	struct ib_snapshot *snap = malloc(sizeof(*snap));
	int64_t now = ib_now_mono_ns();

	if (snap == NULL) {
		ib_log(IB_LL_ERROR, "account", "out of memory for the account snapshot; gate stays closed");
		return;
	}
	snap->a = p->accounts;
	snap->a.next_order_id = ck_pr_load_32((uint32_t *)&p->next_order_id);
	atomic_init(&snap->refs, p->nstrat);
	pthread_mutex_lock(&p->diag_mu);
	p->synced_ns = now - p->connect_start_ns;
	pthread_mutex_unlock(&p->diag_mu);
	update_diag(p);
	/* Everything the account thread posted before this is in Redis no later than sync=ready. */
	publish_sync(p, IB_SYNC_READY);
	ib_log(IB_LL_INFO, "gate", "sync complete after %.3f s: %d account(s), nextValidId %d -- gate open",
	       (double)(now - p->connect_start_ns) / 1e9, p->accounts.n, snap->a.next_order_id);
	if (p->nstrat == 0) {
		free(snap);
	} else {
		/* the snapshot is in every strategy's ring before the gate opens: a strategy that wakes at
		   the gate finds its on_start first */
		struct ib_se_event ev = { .kind = IB_SE_GATE, .i0 = 1 };
		ev.u.snap = snap;
		ib_account_to_strategies(p, &ev);
	}
	/* The strategies own snap now (refs; the last one frees it).  The analyzer loses it in the
	   by-value ring copy and reports a leak here. */
	ib_gate_open(&p->gate); /* NOLINT(clang-analyzer-unix.Malloc) */
}

static void
close_gate(ib_pipeline *p, const char *reason)
{
	bool was_open = ib_gate_is_open(&p->gate);

	ib_gate_close(&p->gate);
	if (was_open) {
		struct ib_se_event ev = { .kind = IB_SE_GATE, .i0 = 0 };
		ib_strlcpy(ev.u.text, reason, sizeof(ev.u.text));
		ib_account_to_strategies(p, &ev);
		ib_log(IB_LL_WARN, "gate", "closed: %s", reason);
	}
}

static void
check_sync(ib_pipeline *p)
{
	int64_t now = ib_now_mono_ns();

	if (ib_gate_is_open(&p->gate) || p->ib_lost || !ck_pr_load_32((uint32_t *)&p->stats.net.connected))
		return;
	if (ib_sync_complete(&p->sync, now)) {
		open_gate(p);
		return;
	}
	if (!p->sync_timeout_reported && p->sync_deadline_ns && now >= p->sync_deadline_ns) {
		char text[512];
		ib_sync_describe(&p->sync, now, text, sizeof(text));
		p->sync_timeout_reported = true;
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
post_value(ib_pipeline *p, const char *acct, const char *key, const char *cur, const char *value)
{
	ib_pub_event ev = { .kind = IB_PUB_ACCT_VALUE };

	ib_strlcpy(ev.u.acct_value.account, acct, sizeof(ev.u.acct_value.account));
	ib_strlcpy(ev.u.acct_value.key, key, sizeof(ev.u.acct_value.key));
	ib_strlcpy(ev.u.acct_value.currency, cur, sizeof(ev.u.acct_value.currency));
	ib_strlcpy(ev.u.acct_value.value, value, sizeof(ev.u.acct_value.value));
	ib_pipeline_publish(p, &ev);
	if (strcmp(key, "NetLiquidation") == 0 && (cur[0] == '\0' || strcmp(cur, "USD") == 0 || strcmp(cur, "BASE") == 0)) {
		pthread_mutex_lock(&p->diag_mu);
		snprintf(p->diag_accounts, sizeof(p->diag_accounts), "%s NetLiq %s %s", acct, value, cur);
		pthread_mutex_unlock(&p->diag_mu);
	}
	if (ib_gate_is_open(&p->gate)) {
		struct ib_se_event se = { .kind = IB_SE_ACCOUNT };
		memcpy(se.u.account.account, ev.u.acct_value.account, sizeof(se.u.account.account));
		memcpy(se.u.account.key, ev.u.acct_value.key, sizeof(se.u.account.key));
		memcpy(se.u.account.currency, ev.u.acct_value.currency, sizeof(se.u.account.currency));
		memcpy(se.u.account.value, ev.u.acct_value.value, sizeof(se.u.account.value));
		ib_account_to_strategies(p, &se);
	}
}

static void
post_position(ib_pipeline *p, const char *acct, const ib_pos *pos)
{
	ib_pub_event ev = { .kind = IB_PUB_POSITION };

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
	ib_pipeline_publish(p, &ev);
}

static ib_pos *
position_for(ib_pipeline *p, const struct ib_acct_event *e, ib_account **acct_out)
{
	ib_account *a = ib_accounts_add(&p->accounts, e->s0);
	ib_pos *pos;

	*acct_out = a;
	if (a == NULL || (pos = ib_account_upsert_position(a, e->con_id)) == NULL) {
		IB_STAT_INC(p->stats.acct.dropped);
		ib_log(IB_LL_ERROR, "account", "position table full for %s: %s not kept", e->s0, e->symbol);
		return NULL;
	}
	memcpy(pos->symbol, e->symbol, sizeof(pos->symbol));
	memcpy(pos->sec_type, e->sec_type, sizeof(pos->sec_type));
	if (e->exchange[0])
		memcpy(pos->exchange, e->exchange, sizeof(pos->exchange));
	memcpy(pos->currency, e->currency, sizeof(pos->currency));
	return pos;
}

static void
on_conn_up(ib_pipeline *p, const struct ib_acct_event *e)
{
	ib_pub_event ev = { .kind = IB_PUB_CONN };
	int64_t now = ib_now_mono_ns();

	ib_sync_reset(&p->sync, now, p->ever_connected);
	p->ib_lost = false;
	memset(&p->accounts, 0, sizeof(p->accounts));
	p->pending_acct_sub = -1;
	p->sync_timeout_reported = false;
	p->sync_deadline_ns = now + (int64_t)(p->cfg.sync_timeout_s * 1e9);
	pthread_mutex_lock(&p->diag_mu);
	p->connect_start_ns = now - p->handshake_ns;
	p->synced_ns = 0;
	pthread_mutex_unlock(&p->diag_mu);
	p->ever_connected = true;
	ev.u.conn.connected = 1;
	ev.u.conn.server_version = e->i0;
	ev.u.conn.client_id = e->i1;
	ib_pipeline_publish(p, &ev);
	update_diag(p);
	publish_sync(p, IB_SYNC_SYNCING);
}

static void
on_notice(ib_pipeline *p, const struct ib_acct_event *e)
{
	switch (e->i1) {
	case IB_ERR_CONN_LOST:
		/* the gateway is up but IB is not: hold the gate until 1101/1102, then resync (the account
		   list and order ids are kept for that) */
		p->ib_lost = true;
		close_gate(p, "gateway lost connectivity to IB (1100)");
		update_diag(p);
		publish_sync(p, IB_SYNC_SYNCING);
		return;
	case IB_ERR_CONN_RESTORED:
	case IB_ERR_CONN_RESTORED_LOST: {
		/* Account data may have moved while IB was away: sync again, as after a reconnect. */
		int64_t now = ib_now_mono_ns();
		p->ib_lost = false;
		close_gate(p, "gateway connectivity restored: resyncing");
		char list[512] = "";
		for (int i = 0; i < p->sync.naccounts; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? "," : "", p->sync.accounts[i]);
		int32_t next = p->sync.next_id;
		bool had_next = p->sync.have_next_id;
		ib_sync_reset(&p->sync, now, true);
		p->sync_deadline_ns = now + (int64_t)(p->cfg.sync_timeout_s * 1e9);
		p->sync_timeout_reported = false;
		if (list[0])
			ib_sync_accounts(&p->sync, list);
		if (had_next)
			ib_sync_next_id(&p->sync, next);
		ib_pipeline_request_reconcile(p);
		if (p->sync.naccounts > 0)
			request_account_updates(p, 0);
		update_diag(p);
		publish_sync(p, IB_SYNC_SYNCING);
		return;
	}
	default:
		ib_orders_on_event(p, e);
	}
}

static void
handle(ib_pipeline *p, const struct ib_acct_event *e)
{
	int64_t now = ib_now_mono_ns();
	ib_account *a;
	ib_pos *pos;

	switch (e->kind) {
	case IB_AE_CONN_UP:
		on_conn_up(p, e);
		break;
	case IB_AE_CONN_DOWN: {
		ib_pub_event ev = { .kind = IB_PUB_CONN };
		close_gate(p, e->text[0] ? e->text : "disconnected");
		ib_sync_reset(&p->sync, now, true);
		update_diag(p);
		publish_sync(p, IB_SYNC_DISCONNECTED);
		ib_pipeline_publish(p, &ev);
		break;
	}
	case IB_AE_NOTICE:
		on_notice(p, e);
		break;
	case IB_AE_MANAGED_ACCTS: {
		ib_pub_event ev = { .kind = IB_PUB_ACCOUNTS };
		ib_sync_accounts(&p->sync, e->text);
		for (int i = 0; i < p->sync.naccounts && i < IB_MAX_ACCOUNTS; i++) {
			ib_accounts_add(&p->accounts, p->sync.accounts[i]);
			if (i < IB_PUB_MAX_ACCOUNTS)
				snprintf(ev.u.accounts.ids[ev.u.accounts.n++], sizeof(ev.u.accounts.ids[0]), "%s",
					 p->sync.accounts[i]);
		}
		ib_pipeline_publish(p, &ev);
		if (p->sync.naccounts > 0 && p->pending_acct_sub < 0)
			request_account_updates(p, 0);
		break;
	}
	case IB_AE_NEXT_ID:
		ib_sync_next_id(&p->sync, e->i0);
		ib_pipeline_seen_order_id(p, e->i0);
		p->accounts.next_order_id = ck_pr_load_32((uint32_t *)&p->next_order_id);
		break;
	case IB_AE_ACCT_VALUE:
		ib_sync_value(&p->sync, e->s0, now);
		if ((a = ib_accounts_add(&p->accounts, e->s0)) == NULL || ib_account_set_value(a, e->s1, e->s2, e->s3) < 0) {
			IB_STAT_INC(p->stats.acct.dropped);
			ib_log(IB_LL_ERROR, "account", "value table full for %s: %s not kept", e->s0, e->s1);
		}
		IB_STAT_INC(p->stats.acct.values);
		post_value(p, e->s0, e->s1, e->s2, e->s3);
		break;
	case IB_AE_PORTFOLIO:
		ib_sync_value(&p->sync, e->s0, now);
		if ((pos = position_for(p, e, &a)) != NULL) {
			pos->position = e->d0, pos->avg_cost = e->d1, pos->market_price = e->d2;
			pos->market_value = e->d3, pos->unrealized_pnl = e->d4, pos->realized_pnl = e->d5;
			post_position(p, a->id, pos);
		}
		IB_STAT_INC(p->stats.acct.positions);
		break;
	case IB_AE_POSITION:
		if ((pos = position_for(p, e, &a)) != NULL) {
			pos->position = e->d0, pos->avg_cost = e->d1;
			post_position(p, a->id, pos);
		}
		IB_STAT_INC(p->stats.acct.positions);
		break;
	case IB_AE_ACCT_TIME:
		if (p->pending_acct_sub >= 0 && (a = ib_accounts_add(&p->accounts, p->sync.accounts[p->pending_acct_sub])))
			ib_strlcpy(a->update_time, e->s3, sizeof(a->update_time));
		break;
	case IB_AE_DOWNLOAD_END: {
		int idx = ib_sync_download_end(&p->sync, e->s0);
		ib_log(IB_LL_INFO, "account", "account download complete for %s", e->s0);
		int next = ib_sync_pending_account(&p->sync);
		if (idx >= 0 && next >= 0 && next != p->pending_acct_sub)
			request_account_updates(p, next);
		break;
	}
	case IB_AE_POSITION_END:
		ib_sync_position_end(&p->sync);
		break;
	case IB_AE_OPEN_ORDER_END:
		ib_sync_open_orders_end(&p->sync);
		ib_orders_on_event(p, e);
		break;
	case IB_AE_EXEC_END:
		ib_sync_executions_end(&p->sync);
		ib_orders_on_event(p, e);
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
	int64_t last_diag = 0;

	p->pending_acct_sub = -1;
	for (;;) {
		uint32_t snap = ib_wake_snapshot(&p->acct_wake);
		int n = 0;
		while (n < 1024 && ib_ring_pop_acct(&p->acct_ring, p->acct_buf, &e)) {
			handle(p, &e);
			n++;
			if (p->cfg.md_lossless) {
				/* lossless: the gate moves at a fixed point of the stream, which the market-data
				   thread waits for (acct_seq_done), so a replay sees what the live run saw */
				check_sync(p);
				ck_pr_store_64(&p->acct_seq_done, e.seq);
			}
		}
		drain_overflow(p);
		check_sync(p);
		int64_t now = ib_now_mono_ns();
		if (n > 0 || now - last_diag > 500000000LL) {
			if (!ib_gate_is_open(&p->gate))
				update_diag(p);
			if (now - last_diag > 1000000000LL && !ib_gate_is_open(&p->gate) &&
			    ck_pr_load_32((uint32_t *)&p->stats.net.connected))
				publish_sync(p, IB_SYNC_SYNCING);
			last_diag = now;
		}
		if (n > 0)
			continue;
		/* The network thread is the producer: once it is gone and the ring is empty, we are done. */
		if (ck_pr_load_int(&p->stop) && !ck_pr_load_8((uint8_t *)&p->net_started))
			break;
		ib_wake_wait(&p->acct_wake, snap, 100);
	}
	close_gate(p, "shutting down");
	return NULL;
}
