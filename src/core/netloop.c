/*
 * netloop.c - the network thread: owns the socket, the framer and the
 * decoder; routes every message into a ring; writes paced requests.
 *
 * Invariants: account, order and connection events are never dropped (a
 * full ring stops reading the socket until there is room); market data is
 * coalesced per instrument and field when its ring is full, and every
 * overwritten update is counted in md_coalesced; the socket is closed on
 * every path out of a connection; a gateway that stops reading (bytes
 * unacknowledged for write_stall_ms) ends the session like a disconnect,
 * so the reconnect reconciles the orders sent into it.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sockios.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "codec/encode.h"
#include "codec/msg.h"
#include "core/contracts.h"
#include "core/hist_pacer.h"
#include "core/net.h"
#include "core/pipeline_state.h"
#include "util/str.h"
#include "util/clock.h"

#define READ_BUF (8u << 20)
#define OUT_BUF (1u << 20)
#define HEALTHY_SESSION_NS 10000000000LL /* a session this long (or one that synced) resets the backoff */
#define STALL_CHECK_NS 100000000LL /* look at the send queue at most this often: no syscall per message */

struct net {
	ib_pipeline *p;
	int fd;
	int server_version;
	int client_id;
	bool conflict;           /* the gateway said 326: client id in use */
	ib_framer framer;
	ib_enc enc;
	char *outbuf;
	size_t out_off;          /* bytes of enc already written */
	int64_t *sent_ns;        /* pacing: send times of the last pacing_per_s requests */
	uint32_t sent_n, sent_head;
	ib_hist_pacer *hp;       /* historical requests wait here for IB's pacing rules */
	bool md_signal, acct_signal;
	int backoff_ms;
	/* write-stall watch, per session */
	uint64_t bytes_sent;     /* written to the socket */
	uint64_t last_acked;     /* bytes_sent - SIOCOUTQ at the last look */
	int64_t stall_check_ns, stall_since_ns;
	bool write_stalled;
	uint32_t sessions;       /* connections made so far: the next one's number is this + 1 */
	bool exec_long_said, exec_empty_said; /* execId cut / empty logged, once per connection */
};

static int
stopping(const ib_pipeline *p)
{
	return ck_pr_load_int(&p->stop);
}

static bool
stopping_arg(const void *p)
{
	return stopping(p) != 0;
}

/*
 * The key orders.c de-duplicates executions by (IB re-sends them for
 * reqExecutions after a reconnect): FNV-1a of the whole execId as it came,
 * never 0.  Hashed here, not from the event's copy, because the copy is cut
 * to IB_EXEC_ID_LEN - 1 bytes and two fills differing only past that would
 * be one.  An empty execId gets 0: "cannot be de-duplicated".
 */
static uint64_t
exec_id_hash(struct net *n, int32_t order_id, ib_str id)
{
	if (id.len == 0) {
		IB_STAT_INC(n->p->stats.net.exec_ids_bad);
		if (!n->exec_empty_said) {
			n->exec_empty_said = true;
			ib_log(IB_LL_WARN, "net", "execution for order %d has an empty execId: it cannot be told from a "
			       "re-send, so every such execution is published, a re-sent one too (exec_ids_bad counts "
			       "them; said once a connection)", (int)order_id);
		}
		return 0;
	}
	if (id.len >= IB_EXEC_ID_LEN) {
		IB_STAT_INC(n->p->stats.net.exec_ids_bad);
		if (!n->exec_long_said) {
			n->exec_long_said = true;
			ib_log(IB_LL_WARN, "net", "execution for order %d: execId of %u bytes is longer than %d: "
			       "published cut, de-duplicated by the whole id (exec_ids_bad counts them; said once a "
			       "connection): %.*s", (int)order_id, (unsigned)id.len, IB_EXEC_ID_LEN - 1,
			       (int)(id.len < 256 ? id.len : 256), id.p);
		}
	}
	uint64_t h = ib_fnv1a64(id.p, id.len);
	return h ? h : 1;
}

/* ---- acct ring: never drop ---- */

static void
acct_push(struct net *n, struct ib_acct_event *e)
{
	ib_pipeline *p = n->p;
	ib_ring_waiter w = { .wake = &p->acct.wake, .stopped = stopping_arg, .arg = p };

	e->seq = ++p->net.acct_seq_pushed;
	e->md_before = p->net.md_seq_pushed;
	bool pushed = ib_ring_push_wait_spsc_acct(&p->acct.ring, p->acct.buf, e, &w);
	if (w.waits)
		IB_STAT_INC(p->stats.net.stalls);
	if (!pushed)
		return;
	n->acct_signal = true;
}

/* ---- md ring: coalesce under backpressure ---- */

/* Where an instrument's pending update of each kind waits: one slot per field that can be folded. */
enum md_slot {
	MD_SLOT_BID, MD_SLOT_ASK, MD_SLOT_LAST, MD_SLOT_HIGH, MD_SLOT_LOW, MD_SLOT_CLOSE, MD_SLOT_OTHER_PRICE,
	MD_SLOT_BID_SIZE, MD_SLOT_ASK_SIZE, MD_SLOT_LAST_SIZE, MD_SLOT_VOLUME, MD_SLOT_OTHER,
	/* option computations: one per tick type kept, the model's in two parts (an event holds four values) */
	MD_SLOT_OPT_BID, MD_SLOT_OPT_ASK, MD_SLOT_OPT_LAST, MD_SLOT_OPT_MODEL, MD_SLOT_OPT_GREEKS,
	MD_NSLOTS
};
_Static_assert(MD_NSLOTS == IB_MD_SLOTS, "md_pending holds IB_MD_SLOTS per instrument: one per enum md_slot");

static enum md_slot
md_slot(const struct ib_md_event *e)
{
	if (e->kind == IB_MD_PRICE) {
		switch (e->field) {
		case IB_TICK_BID: case IB_TICK_DELAYED_BID: return MD_SLOT_BID;
		case IB_TICK_ASK: case IB_TICK_DELAYED_ASK: return MD_SLOT_ASK;
		case IB_TICK_LAST: case IB_TICK_DELAYED_LAST: return MD_SLOT_LAST;
		case IB_TICK_HIGH: return MD_SLOT_HIGH;
		case IB_TICK_LOW: return MD_SLOT_LOW;
		case IB_TICK_CLOSE: return MD_SLOT_CLOSE;
		default: return MD_SLOT_OTHER_PRICE;
		}
	}
	if (e->kind == IB_MD_SIZE) {
		switch (e->field) {
		case IB_TICK_BID_SIZE: case IB_TICK_DELAYED_BID_SIZE: return MD_SLOT_BID_SIZE;
		case IB_TICK_ASK_SIZE: case IB_TICK_DELAYED_ASK_SIZE: return MD_SLOT_ASK_SIZE;
		case IB_TICK_LAST_SIZE: case IB_TICK_DELAYED_LAST_SIZE: return MD_SLOT_LAST_SIZE;
		case IB_TICK_VOLUME: case IB_TICK_DELAYED_VOLUME: return MD_SLOT_VOLUME;
		default: return MD_SLOT_OTHER;
		}
	}
	if (e->kind == IB_MD_OPTION_GREEKS)
		return MD_SLOT_OPT_GREEKS;
	if (e->kind == IB_MD_OPTION) {
		switch (e->field) {
		case IB_TICK_BID_OPTION: case IB_TICK_DELAYED_BID_OPTION: return MD_SLOT_OPT_BID;
		case IB_TICK_ASK_OPTION: case IB_TICK_DELAYED_ASK_OPTION: return MD_SLOT_OPT_ASK;
		case IB_TICK_LAST_OPTION: case IB_TICK_DELAYED_LAST_OPTION: return MD_SLOT_OPT_LAST;
		default: return MD_SLOT_OPT_MODEL;
		}
	}
	return MD_SLOT_OTHER;
}

/* Push what was coalesced, oldest instrument first, while there is room. */
static void
md_flush_pending(struct net *n)
{
	ib_pipeline *p = n->p;
	uint32_t done = 0;

	while (done < p->net.nmd_dirty) {
		uint32_t inst = p->net.md_dirty[done];
		for (int s = 0; s < IB_MD_SLOTS; s++) {
			size_t k = (size_t)inst * IB_MD_SLOTS + (size_t)s;
			if (!p->net.md_pending_used[k])
				continue;
			if (!ib_ring_push_spsc_md(&p->md.ring, p->md.buf, &p->net.md_pending[k]))
				goto out;
			p->net.md_seq_pushed++;
			p->net.md_pending_used[k] = 0;
			n->md_signal = true;
		}
		p->net.md_dirty_flag[inst] = 0;
		done++;
	}
out:
	if (done > 0) {
		memmove(p->net.md_dirty, p->net.md_dirty + done, (p->net.nmd_dirty - done) * sizeof(uint32_t));
		p->net.nmd_dirty -= done;
	}
}

static void
md_push(struct net *n, struct ib_md_event *e)
{
	ib_pipeline *p = n->p;
	int64_t inst = (int64_t)e->req_id - IB_REQID_MKT;

	IB_STAT_INC(p->stats.net.md_in);
	e->acct_before = p->net.acct_seq_pushed;
	if (inst < 0 || inst >= (int64_t)p->quotes->n) {
		/* not one of our subscriptions (or tick-by-tick/depth ids): deliver, never coalesce */
		inst = -1;
	} else if (p->net.md_dirty_flag[inst]) {
		goto coalesce; /* keep per-instrument order: behind what is already waiting */
	}
	if (ib_ring_push_spsc_md(&p->md.ring, p->md.buf, e)) {
		p->net.md_seq_pushed++;
		n->md_signal = true;
		return;
	}
	if (inst < 0 || p->cfg.md_lossless) {
		/* depth and tick-by-tick (and every tick in lossless mode): wait for room like account data */
		ib_ring_waiter w = { .wake = &p->md.wake, .stopped = stopping_arg, .arg = p };
		bool pushed = ib_ring_push_wait_spsc_md(&p->md.ring, p->md.buf, e, &w);
		p->net.md_seq_pushed += pushed;
		n->md_signal = true;
		return;
	}
coalesce: {
	size_t k = (size_t)inst * IB_MD_SLOTS + (size_t)md_slot(e);
	if (p->net.md_pending_used[k])
		IB_STAT_INC(p->stats.net.md_coalesced);
	p->net.md_pending[k] = *e;
	p->net.md_pending_used[k] = 1;
	if (!p->net.md_dirty_flag[inst]) {
		p->net.md_dirty_flag[inst] = 1;
		p->net.md_dirty[p->net.nmd_dirty++] = (uint32_t)inst;
	}
}
}

/* ---- routing ---- */

static void
copy_contract(ib_ae_contract *dst, const ib_contract_view *c)
{
	dst->con_id = c->con_id;
	ib_str_copy(dst->symbol, sizeof(dst->symbol), c->symbol);
	ib_str_copy(dst->sec_type, sizeof(dst->sec_type), c->sec_type);
	ib_str_copy(dst->exchange, sizeof(dst->exchange), c->exchange.len ? c->exchange : c->primary_exchange);
	ib_str_copy(dst->currency, sizeof(dst->currency), c->currency);
}

/* managedAccounts, in parts when the list is longer than one event */
static void
route_managed_accts(struct net *n, ib_str list, int64_t now)
{
	struct ib_acct_event e = { .kind = IB_AE_MANAGED_ACCTS, .recv_ns = now };
	ib_ae_managed_accts *m = &e.u.managed_accts;
	const size_t part = sizeof(m->list) - 1;

	while (list.len > part) {
		memcpy(m->list, list.p, part);
		m->list[part] = '\0';
		m->more = true;
		acct_push(n, &e);
		m->part++;
		list.p += part;
		list.len -= (uint32_t)part;
	}
	m->more = false;
	ib_str_copy(m->list, sizeof(m->list), list);
	IB_STAT_INC(n->p->stats.net.acct_in);
	acct_push(n, &e);
}

static void on_error_msg(struct net *n, const ib_error *er, int64_t now);

/* ---- bars: account events, never coalesced (bars.c) ---- */

static void
route_bar(struct net *n, int32_t req_id, int32_t kind, const ib_bar *b, int64_t time, int64_t now)
{
	struct ib_acct_event e = { .kind = IB_AE_BAR, .recv_ns = now };
	ib_bar_data *d = &e.u.bar;

	d->req_id = req_id;
	d->kind = kind;
	d->time = time;
	d->open = b->open, d->high = b->high, d->low = b->low, d->close = b->close;
	d->volume = b->volume, d->wap = b->wap, d->count = b->count;
	d->recv_mono_ns = now;
	IB_STAT_INC(n->p->stats.net.acct_in);
	acct_push(n, &e);
}

static void
route_bar_end(struct net *n, int32_t req_id, int64_t now)
{
	struct ib_acct_event e = { .kind = IB_AE_BAR_END, .recv_ns = now };

	e.u.bar.req_id = req_id;
	acct_push(n, &e);
}

/* historicalData: every bar; before server version 196 it also is the history's end. */
static void
route_history(struct net *n, const ib_historical_data *h, int64_t now)
{
	ib_bar_iter it;
	ib_bar b;

	ib_bars_begin(h, &it);
	while (ib_bars_next(&it, &b))
		route_bar(n, h->req_id, IB_BAR_HISTORICAL, &b, ib_bar_time(b.time.p, b.time.len), now);
	if (n->server_version < IB_SV_HISTORICAL_DATA_END)
		route_bar_end(n, h->req_id, now);
}

static void
route(struct net *n, const ib_msg *m, int64_t now)
{
	struct ib_md_event md;
	struct ib_acct_event e;

	switch (m->id) {
	case IB_IN_TICK_PRICE:
		md = (struct ib_md_event){ .kind = IB_MD_PRICE, .req_id = m->u.tick_price.req_id,
					   .field = m->u.tick_price.tick_type, .a = m->u.tick_price.price,
					   .b = m->u.tick_price.size, .recv_ns = now };
		md_push(n, &md);
		return;
	case IB_IN_TICK_SIZE:
		md = (struct ib_md_event){ .kind = IB_MD_SIZE, .req_id = m->u.tick_size.req_id,
					   .field = m->u.tick_size.tick_type, .a = m->u.tick_size.size, .recv_ns = now };
		md_push(n, &md);
		return;
	case IB_IN_TICK_GENERIC:
		md = (struct ib_md_event){ .kind = IB_MD_GENERIC, .req_id = m->u.tick_generic.req_id,
					   .field = m->u.tick_generic.tick_type, .a = m->u.tick_generic.value,
					   .recv_ns = now };
		md_push(n, &md);
		return;
	case IB_IN_TICK_OPTION_COMPUTATION: {
		const ib_tick_option *o = &m->u.tick_option;
		bool model = o->tick_type == IB_TICK_MODEL_OPTION || o->tick_type == IB_TICK_DELAYED_MODEL_OPTION;
		if (!model && (o->tick_type < IB_TICK_BID_OPTION || o->tick_type > IB_TICK_LAST_OPTION) &&
		    (o->tick_type < IB_TICK_DELAYED_BID_OPTION || o->tick_type > IB_TICK_DELAYED_LAST_OPTION)) {
			IB_STAT_INC(n->p->stats.net.unknown_ids); /* e.g. 53, a custom computation: not kept */
			return;
		}
		md = (struct ib_md_event){ .kind = IB_MD_OPTION, .req_id = o->req_id, .field = o->tick_type,
					   .a = o->implied_vol, .b = o->delta, .c = o->opt_price, .d = o->und_price,
					   .recv_ns = now };
		md_push(n, &md);
		if (model) {
			md = (struct ib_md_event){ .kind = IB_MD_OPTION_GREEKS, .req_id = o->req_id, .field = o->tick_type,
						   .a = o->gamma, .b = o->vega, .c = o->theta, .d = o->pv_dividend,
						   .recv_ns = now };
			md_push(n, &md);
		}
		return;
	}
	case IB_IN_TICK_BY_TICK: {
		const ib_tick_by_tick *t = &m->u.tick_by_tick;
		md = (struct ib_md_event){ .req_id = t->req_id, .field = t->type, .recv_ns = now };
		if (t->type == IB_TBT_BID_ASK) {
			md.kind = IB_MD_TBT_BIDASK;
			md.a = t->bid_price, md.b = t->ask_price, md.c = t->bid_size, md.d = t->ask_size;
		} else if (t->type == IB_TBT_MIDPOINT) {
			md.kind = IB_MD_TBT_MID;
			md.a = t->mid_point;
		} else {
			md.kind = IB_MD_TBT_TRADE;
			md.a = t->price, md.b = t->size, md.c = (double)t->time;
		}
		md_push(n, &md);
		return;
	}
	case IB_IN_MKT_DEPTH:
	case IB_IN_MKT_DEPTH_L2: {
		const ib_mkt_depth *d = &m->u.mkt_depth;
		md = (struct ib_md_event){ .kind = IB_MD_DEPTH, .req_id = d->req_id, .field = d->position,
					   .operation = (uint8_t)d->operation, .side = (uint8_t)d->side, .a = d->price,
					   .b = d->size, .recv_ns = now };
		md_push(n, &md);
		return;
	}
	case IB_IN_CONTRACT_DATA:
	case IB_IN_CONTRACT_DATA_END:
		/* a configured contract being resolved (resolve.c); any other request's are not ours */
		if (ib_resolve_on_msg(n->p, m, &e) == IB_RESOLVE_EVENT) {
			e.recv_ns = now;
			IB_STAT_INC(n->p->stats.net.acct_in);
			acct_push(n, &e);
		}
		return;
	case IB_IN_HISTORICAL_DATA:
		route_history(n, &m->u.historical_data, now);
		return;
	case IB_IN_HISTORICAL_DATA_UPDATE:
		route_bar(n, m->u.historical_update.req_id, IB_BAR_UPDATE, &m->u.historical_update.bar,
			  ib_bar_time(m->u.historical_update.bar.time.p, m->u.historical_update.bar.time.len), now);
		return;
	case IB_IN_REAL_TIME_BAR:
		route_bar(n, m->u.realtime_bar.req_id, IB_BAR_REALTIME, &m->u.realtime_bar.bar, m->u.realtime_bar.time, now);
		return;
	case IB_IN_HISTORICAL_DATA_END:
		route_bar_end(n, m->u.historical_end.req_id, now);
		return;
	case IB_IN_TICK_STRING:
	case IB_IN_TICK_REQ_PARAMS:
	case IB_IN_MARKET_DATA_TYPE:
	case IB_IN_ACCOUNT_SUMMARY:
	case IB_IN_ACCOUNT_SUMMARY_END:
	case IB_IN_ACCOUNT_UPDATE_MULTI:
	case IB_IN_ACCOUNT_UPDATE_MULTI_END:
		return; /* decoded and counted; nothing downstream needs them yet */
	case IB_IN_ERROR:
		on_error_msg(n, &m->u.error, now);
		return;
	default:
		break;
	}

	memset(&e, 0, sizeof(e));
	e.recv_ns = now;
	switch (m->id) {
	case IB_IN_MANAGED_ACCTS:
		route_managed_accts(n, m->u.managed_accts.list, now);
		return;
	case IB_IN_NEXT_VALID_ID:
		e.kind = IB_AE_NEXT_ID;
		e.u.next_id.order_id = m->u.next_valid_id.order_id;
		break;
	case IB_IN_ACCT_VALUE: {
		const ib_acct_value *v = &m->u.acct_value;
		ib_account_update *u = &e.u.acct_value;
		e.kind = IB_AE_ACCT_VALUE;
		ib_str_copy(u->account, sizeof(u->account), v->account);
		ib_str_copy(u->key, sizeof(u->key), v->key);
		ib_str_copy(u->currency, sizeof(u->currency), v->currency);
		ib_str_copy(u->value, sizeof(u->value), v->value);
		break;
	}
	case IB_IN_PORTFOLIO_VALUE: {
		const ib_portfolio_value *pv = &m->u.portfolio_value;
		ib_ae_portfolio *u = &e.u.portfolio;
		e.kind = IB_AE_PORTFOLIO;
		ib_str_copy(u->account, sizeof(u->account), pv->account);
		copy_contract(&u->contract, &pv->contract);
		u->position = pv->position, u->average_cost = pv->average_cost, u->market_price = pv->market_price;
		u->market_value = pv->market_value, u->unrealized_pnl = pv->unrealized_pnl;
		u->realized_pnl = pv->realized_pnl;
		break;
	}
	case IB_IN_ACCT_UPDATE_TIME:
		e.kind = IB_AE_ACCT_TIME;
		ib_str_copy(e.u.acct_time.time, sizeof(e.u.acct_time.time), m->u.acct_update_time.time);
		break;
	case IB_IN_ACCT_DOWNLOAD_END:
		e.kind = IB_AE_DOWNLOAD_END;
		ib_str_copy(e.u.download_end.account, sizeof(e.u.download_end.account), m->u.acct_download_end.account);
		break;
	case IB_IN_POSITION: {
		const ib_position *ps = &m->u.position;
		ib_ae_position *u = &e.u.position;
		e.kind = IB_AE_POSITION;
		ib_str_copy(u->account, sizeof(u->account), ps->account);
		copy_contract(&u->contract, &ps->contract);
		u->position = ps->position, u->avg_cost = ps->avg_cost;
		break;
	}
	case IB_IN_POSITION_END:
		e.kind = IB_AE_POSITION_END;
		break;
	case IB_IN_ORDER_STATUS: {
		const ib_order_status *os = &m->u.order_status;
		ib_ae_order_status *u = &e.u.order_status;
		e.kind = IB_AE_ORDER_STATUS;
		u->order_id = os->order_id;
		u->perm_id = os->perm_id;
		u->parent_id = os->parent_id;
		ib_str_copy(u->status, sizeof(u->status), os->status);
		u->filled = os->filled, u->remaining = os->remaining;
		u->avg_fill_price = os->avg_fill_price, u->last_fill_price = os->last_fill_price;
		break;
	}
	case IB_IN_OPEN_ORDER: {
		const ib_open_order *oo = &m->u.open_order;
		ib_ae_open_order *u = &e.u.open_order;
		e.kind = IB_AE_OPEN_ORDER;
		u->order_id = oo->order_id;
		u->perm_id = oo->perm_id;
		ib_str_copy(u->status, sizeof(u->status), oo->status);
		copy_contract(&u->order.contract, &oo->contract);
		ib_str_copy(u->order.account, sizeof(u->order.account), oo->account);
		ib_str_copy(u->order.action, sizeof(u->order.action), oo->action);
		ib_str_copy(u->order.order_type, sizeof(u->order.order_type), oo->order_type);
		ib_str_copy(u->order.tif, sizeof(u->order.tif), oo->tif);
		u->order.total_qty = oo->total_qty, u->order.lmt_price = oo->lmt_price;
		u->order.aux_price = oo->aux_price;
		u->order.parent_id = oo->parent_id;
		ib_str_copy(u->order.oca_group, sizeof(u->order.oca_group), oo->oca_group);
		break;
	}
	case IB_IN_OPEN_ORDER_END:
		e.kind = IB_AE_OPEN_ORDER_END;
		break;
	case IB_IN_EXEC_DETAILS: {
		const ib_exec_details *x = &m->u.exec_details;
		ib_ae_exec *u = &e.u.exec;
		e.kind = IB_AE_EXEC;
		u->order_id = x->order_id, u->req_id = x->req_id;
		copy_contract(&u->contract, &x->contract);
		ib_str_copy(u->account, sizeof(u->account), x->account);
		ib_str_copy(u->side, sizeof(u->side), x->side);
		ib_str_copy(u->exec_id, sizeof(u->exec_id), x->exec_id);
		u->exec_hash = exec_id_hash(n, x->order_id, x->exec_id);
		ib_str_copy(u->time, sizeof(u->time), x->time);
		u->shares = x->shares, u->price = x->price, u->cum_qty = x->cum_qty, u->avg_price = x->avg_price;
		break;
	}
	case IB_IN_EXEC_DETAILS_END:
		e.kind = IB_AE_EXEC_END;
		e.u.exec_end.req_id = m->u.req_end.req_id;
		break;
	case IB_IN_CURRENT_TIME:
		e.kind = IB_AE_CURRENT_TIME;
		e.u.current_time.time = m->u.current_time.time;
		break;
	case IB_IN_PNL:
		e.kind = IB_AE_PNL;
		e.u.pnl = (ib_ae_pnl){ .req_id = m->u.pnl.req_id, .daily = m->u.pnl.daily,
				       .unrealized = m->u.pnl.unrealized, .realized = m->u.pnl.realized,
				       .position = IB_UNSET_DOUBLE, .value = IB_UNSET_DOUBLE };
		break;
	case IB_IN_PNL_SINGLE: {
		const ib_pnl_single *ps = &m->u.pnl_single;
		e.kind = IB_AE_PNL;
		e.u.pnl = (ib_ae_pnl){ .req_id = ps->req_id, .single = true, .position = ps->position, .daily = ps->daily,
				       .unrealized = ps->unrealized, .realized = ps->realized, .value = ps->value };
		break;
	}
	default:
		IB_STAT_INC(n->p->stats.net.unknown_ids);
		return;
	}
	if (e.kind == IB_AE_ORDER_STATUS || e.kind == IB_AE_OPEN_ORDER || e.kind == IB_AE_EXEC ||
	    e.kind == IB_AE_OPEN_ORDER_END || e.kind == IB_AE_EXEC_END)
		IB_STAT_INC(n->p->stats.net.order_in);
	else
		IB_STAT_INC(n->p->stats.net.acct_in);
	acct_push(n, &e);
}

static void
book_reset(struct net *n, int32_t req_id)
{
	struct ib_md_event e = { .kind = IB_MD_BOOK_RESET, .req_id = req_id };

	md_push(n, &e);
}

/* Quotes, tick-by-tick and depth; a book starts empty: IB sends its rows again as inserts. */
static void
subscribe_market_data(struct net *n)
{
	ib_pipeline_subscribe_quotes(n->p);
	for (int d = 0; d < n->p->cfg.ndepth; d++)
		book_reset(n, IB_REQID_DEPTH + d);
	ib_pipeline_subscribe_feeds(n->p, -1);
	ib_pipeline_subscribe_bars(n->p, -1);
}

static void
on_error_msg(struct net *n, const ib_error *er, int64_t now)
{
	struct ib_acct_event e = { .kind = IB_AE_NOTICE, .recv_ns = now };
	const char *text = e.u.notice.text;

	e.u.notice.req_id = er->req_id;
	e.u.notice.code = er->code;
	ib_str_copy(e.u.notice.text, sizeof(e.u.notice.text), er->message);
	switch (ib_resolve_on_error(n->p, er->req_id, er->code, text, &e)) {
	case IB_RESOLVE_EVENT: /* the refusal of a configured contract (logged there, naming the spec) */
		e.recv_ns = now;
		IB_STAT_INC(n->p->stats.net.acct_in);
		acct_push(n, &e);
		return;
	case IB_RESOLVE_HANDLED:
		return;
	default:
		break;
	}
	if (er->code == IB_ERR_CLIENT_ID_IN_USE) {
		n->conflict = true;
		ib_log(IB_LL_ERROR, "net", "gateway says client id %d is already in use (error 326)", n->client_id);
	} else if (IB_ERR_IS_INFO(er->code)) {
		ib_log(IB_LL_INFO, "net", "gateway notice %d: %s", er->code, text);
	} else if (er->code == IB_ERR_CONN_LOST || er->code == IB_ERR_CONN_RESTORED ||
		   er->code == IB_ERR_CONN_RESTORED_LOST) {
		ib_log(IB_LL_WARN, "net", "gateway connectivity %d: %s", er->code, text);
	} else {
		ib_log(IB_LL_WARN, "net", "gateway error %d (req %d): %s", er->code, er->req_id, text);
	}
	IB_STAT_INC(n->p->stats.net.acct_in);
	acct_push(n, &e);
	if (er->code == IB_ERR_CONN_RESTORED_LOST)
		subscribe_market_data(n); /* data lost: every market-data subscription is made again */
	if (er->code == IB_ERR_DEPTH_RESET && er->req_id >= IB_REQID_DEPTH &&
	    er->req_id < IB_REQID_DEPTH + n->p->cfg.ndepth) {
		book_reset(n, er->req_id); /* IB resends the rows as inserts after this */
	}
}

/* ---- reading ---- */

/*
 * Decode and route every whole frame the framer holds.  Returns IB_EAGAIN
 * when it needs more bytes, IB_EEMPTY after skipping an empty frame (call
 * again), or a stream error that ends the connection.
 */
static int
route_buffered(struct net *n, int64_t now)
{
	ib_pipeline *p = n->p;
	ib_frame fr;
	int rc;

	while ((rc = ib_framer_next(&n->framer, &fr)) == IB_OK) {
		ib_msg m;
		ib_decode_err de;
		if (p->net.tap)
			p->net.tap(p->net.tap_arg, fr.p, fr.len, now);
		rc = ib_msg_decode(fr.p, fr.len, n->server_version, &m, &de);
		if (rc == IB_OK) {
			/* counted once routed: replay takes msgs_in reaching the frames it sent to mean
			   every message is in a ring */
			route(n, &m, now);
			IB_STAT_INC(p->stats.net.msgs_in);
		} else if (rc == IB_EUNKNOWN) {
			IB_STAT_INC(p->stats.net.unknown_ids);
		} else {
			IB_STAT_INC(p->stats.net.frames_bad);
			ib_log(IB_LL_WARN, "net", "bad frame (id %d, field %d): %s -- skipped", de.msg_id, de.field,
			       de.errstr);
		}
	}
	if (rc == IB_EEMPTY) {
		IB_STAT_INC(p->stats.net.frames_bad);
		ib_log(IB_LL_WARN, "net", "empty frame from gateway -- skipped");
	} else if (rc != IB_EAGAIN) {
		ib_log(IB_LL_ERROR, "net", "stream error: %s -- reconnecting", n->framer.errstr);
	}
	return rc;
}

/* Returns IB_OK, or an error that ends the connection. */
static int
read_and_route(struct net *n)
{
	ib_pipeline *p = n->p;
	int64_t now = ib_now_mono_ns();
	size_t total = 0;

	for (;;) {
		size_t avail;
		char *w = ib_framer_wptr(&n->framer, &avail);
		ssize_t r = recv(n->fd, w, avail, 0);
		if (r == 0) {
			size_t part = ib_framer_pending(&n->framer);
			if (part > 0)
				ib_log(IB_LL_WARN, "net", "gateway closed the connection inside a frame: %zu bytes of an "
				       "incomplete frame discarded", part);
			return IB_ECLOSED;
		}
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			ib_log(IB_LL_WARN, "net", "reading from the gateway: %s", strerror(errno));
			return IB_EIO;
		}
		ib_framer_commit(&n->framer, (size_t)r);
		IB_STAT_ADD(p->stats.net.bytes_in, (uint64_t)r);
		total += (size_t)r;

		int rc = route_buffered(n, now);
		if (rc == IB_EEMPTY)
			continue;
		if (rc != IB_EAGAIN)
			return rc;
		ck_pr_store_64(&p->stats.net.last_msg_ns, (uint64_t)ib_now_real_ns());
		/* A short read took all the socket held: what comes next, poll reports.  Reading on
		   until EAGAIN cost one more system call per batch -- at paced rates, per message. */
		if ((size_t)r < avail)
			break;
		/* Bound one burst so outbound requests and flushing get their turn. */
		if (total >= READ_BUF)
			break;
		now = ib_now_mono_ns();
	}
	return IB_OK;
}

/* ---- writing ---- */

static bool
pacing_allows(struct net *n, int64_t now, int *wait_ms)
{
	uint32_t cap = (uint32_t)n->p->cfg.pacing_per_s;

	if (n->sent_n < cap)
		return true;
	/* the oldest of the last `cap` sends must be a second old */
	int64_t oldest = n->sent_ns[n->sent_head];
	if (now - oldest >= IB_NS_PER_S)
		return true;
	*wait_ms = (int)((oldest + IB_NS_PER_S - now) / IB_NS_PER_MS) + 1;
	return false;
}

static void
pacing_record(struct net *n, int64_t now)
{
	uint32_t cap = (uint32_t)n->p->cfg.pacing_per_s;

	n->sent_ns[n->sent_head] = now;
	n->sent_head = (n->sent_head + 1) % cap;
	if (n->sent_n < cap)
		n->sent_n++;
}

static void
refuse(struct net *n, const struct ib_out_slot *s, int status, const char *why)
{
	struct ib_acct_event e = { .kind = IB_AE_REFUSED };
	ib_ae_refused *u = &e.u.refused;

	u->order_id = s->req.id == IB_OUT_PLACE_ORDER ? s->req.u.place_order.order_id : s->req.u.cancel_order.order_id;
	u->strategy = s->strategy;
	u->status = status;
	ib_strlcpy(u->reason, why, sizeof(u->reason));
	IB_STAT_INC(n->p->stats.net.reqs_refused);
	acct_push(n, &e);
}

static void
note_sent(struct net *n, const struct ib_out_slot *s)
{
	struct ib_acct_event e = { 0 };

	if (s->req.id == IB_OUT_PLACE_ORDER) {
		const ib_contract *c = &s->req.u.place_order.contract;
		const ib_order *o = &s->req.u.place_order.order;
		ib_ae_placed *u = &e.u.placed;
		e.kind = IB_AE_PLACED;
		u->order_id = s->req.u.place_order.order_id;
		u->strategy = s->strategy;
		u->order.contract.con_id = c->con_id;
		ib_strlcpy(u->order.contract.symbol, c->symbol, sizeof(u->order.contract.symbol));
		ib_strlcpy(u->order.contract.sec_type, c->sec_type, sizeof(u->order.contract.sec_type));
		ib_strlcpy(u->order.contract.currency, c->currency, sizeof(u->order.contract.currency));
		ib_strlcpy(u->order.account, o->account, sizeof(u->order.account));
		ib_strlcpy(u->order.action, o->action, sizeof(u->order.action));
		ib_strlcpy(u->order.order_type, o->order_type, sizeof(u->order.order_type));
		ib_strlcpy(u->order.tif, o->tif, sizeof(u->order.tif));
		u->order.total_qty = o->total_qty, u->order.lmt_price = o->lmt_price, u->order.aux_price = o->aux_price;
		u->order.parent_id = o->parent_id;
		ib_strlcpy(u->order.oca_group, o->oca_group, sizeof(u->order.oca_group));
	} else if (s->req.id == IB_OUT_CANCEL_ORDER) {
		e.kind = IB_AE_CANCEL_SENT;
		e.u.cancel_sent.order_id = s->req.u.cancel_order.order_id;
	} else {
		return;
	}
	e.recv_ns = ib_now_mono_ns();
	acct_push(n, &e);
}

/*
 * The next request to write: a historical one the pacer releases first, then
 * the out ring's.  A reqHistoricalData from the ring joins the pacer's queue
 * (it never blocks what follows it: orders go on); a cancel of one still
 * queued just takes it out.  false when nothing may go; *wait_ms is then
 * shortened to when the pacer will release one.
 */
static bool
next_request(struct net *n, int64_t now, struct ib_out_slot *s, int *wait_ms)
{
	ib_pipeline *p = n->p;
	int64_t hw = INT64_MAX;

	for (;;) {
		if (ib_hist_pacer_next(n->hp, now, &s->req, &s->strategy, &hw))
			return true;
		if (!ib_ring_pop_out(&p->net.out_ring, p->net.out_buf, s))
			break;
		if (s->req.id == IB_OUT_REQ_HISTORICAL_DATA) {
			ib_hist_pacer_offer(n->hp, &s->req, s->strategy, now);
			continue;
		}
		if (s->req.id == IB_OUT_CANCEL_HISTORICAL_DATA && ib_hist_pacer_cancel(n->hp, s->req.u.cancel.req_id))
			continue;
		return true;
	}
	if (hw != INT64_MAX && hw / IB_NS_PER_MS + 1 < *wait_ms)
		*wait_ms = (int)(hw / IB_NS_PER_MS) + 1;
	return false;
}

/* Encode paced requests from the out ring and write what the socket takes. */
static int
flush_out(struct net *n, int *wait_ms)
{
	ib_pipeline *p = n->p;
	struct ib_out_slot s;
	int64_t now = ib_now_mono_ns();

	*wait_ms = 100;
	while (n->out_off == n->enc.len) {
		if (!pacing_allows(n, now, wait_ms))
			break;
		if (!next_request(n, now, &s, wait_ms))
			break;
		ib_enc_reset(&n->enc);
		n->out_off = 0;
		int rc = ib_enc_req(&n->enc, &s.req);
		if (rc == IB_EREADONLY) {
			refuse(n, &s, rc, "readonly: order messages are refused by the encoder");
			continue;
		}
		if (rc != IB_OK) {
			ib_log(IB_LL_ERROR, "net", "cannot encode request %d: %s", s.req.id, ib_strerror(rc));
			continue;
		}
		pacing_record(n, now);
		IB_STAT_INC(p->stats.net.reqs_out);
		note_sent(n, &s);
		while (n->out_off < n->enc.len) {
			ssize_t w = send(n->fd, n->enc.buf + n->out_off, n->enc.len - n->out_off, MSG_NOSIGNAL);
			if (w > 0) {
				n->out_off += (size_t)w;
				n->bytes_sent += (uint64_t)w;
				continue;
			}
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				return IB_EAGAIN;
			return IB_EIO;
		}
	}
	if (n->out_off < n->enc.len) {
		ssize_t w = send(n->fd, n->enc.buf + n->out_off, n->enc.len - n->out_off, MSG_NOSIGNAL);
		if (w > 0)
			n->out_off += (size_t)w, n->bytes_sent += (uint64_t)w;
		else if (w < 0 && errno != EAGAIN && errno != EINTR)
			return IB_EIO;
		if (n->out_off < n->enc.len)
			return IB_EAGAIN;
	}
	return IB_OK;
}

/* Requests queued for a connection that is gone: orders are refused, the rest dropped. */
static void
discard_out(struct net *n)
{
	struct ib_out_slot s;

	while (ib_ring_pop_out(&n->p->net.out_ring, n->p->net.out_buf, &s))
		if (ib_req_is_order(s.req.id))
			refuse(n, &s, IB_ECLOSED, "disconnected before the order could be sent");
	ib_hist_pacer_clear_queue(n->hp); /* the next session requests again */
	ib_enc_reset(&n->enc);
	n->out_off = 0;
}

/* ---- connection lifecycle ---- */

static void
subscribe_all(struct net *n)
{
	ib_pipeline *p = n->p;
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_MARKET_DATA_TYPE;
	r.u.market_data_type.type = p->cfg.market_data_type;
	ib_pipeline_send(p, &r, -1);
	ib_pipeline_request_reconcile(p);
	ib_resolve_request_all(p); /* contract specs: quoted once resolved (resolve.c) */
	subscribe_market_data(n);
}

/* Sleep up to ms, waking early on stop (the eventfd). */
static void
nap(struct net *n, int ms)
{
	struct pollfd pfd = { .fd = n->p->net.out_efd, .events = POLLIN };
	int64_t until = ib_now_mono_ns() + (int64_t)ms * IB_NS_PER_MS;

	while (!stopping(n->p)) {
		ib_heartbeat_beat(&n->p->net.hb); /* the reconnect backoff is this thread's loop too */
		int64_t left = until - ib_now_mono_ns();
		if (left <= 0)
			return;
		poll(&pfd, 1, (int)(left / IB_NS_PER_MS) + 1);
		if (pfd.revents & POLLIN) {
			uint64_t v;
			if (read(n->p->net.out_efd, &v, sizeof(v)) < 0) {
				/* nothing to do: the counter was drained by someone else */
			}
		}
	}
}

/* Why the gateway is not there, for P:sync:detail and probe ("connect refused: ..."). */
static void
conn_error(ib_pipeline *p, const char *what, const char *detail)
{
	pthread_mutex_lock(&p->diag.mu);
	snprintf(p->net.conn_error, sizeof(p->net.conn_error), "%s: %s", what, detail);
	pthread_mutex_unlock(&p->diag.mu);
}

static int
connect_once(struct net *n)
{
	ib_pipeline *p = n->p;
	char err[256];
	int64_t t0 = ib_now_mono_ns();

	n->conflict = false;
	n->write_stalled = false;
	n->exec_long_said = n->exec_empty_said = false;
	n->bytes_sent = n->last_acked = 0;
	n->stall_check_ns = n->stall_since_ns = 0;
	n->fd = ib_net_connect(p->cfg.host, p->cfg.port, p->cfg.connect_timeout_ms, err, sizeof(err));
	if (n->fd < 0) {
		ib_log(IB_LL_WARN, "net", "%s", err);
		/* the cause comes back as text (errno is gone by now): refused is the common one */
		conn_error(p, strstr(err, strerror(ECONNREFUSED)) ? "connect refused" : "connect failed", err);
		return IB_EIO;
	}
	ib_framer_reset(&n->framer);
	/* A retry keeps the last attempt's failure as the reason until it ends itself: "pending"
	   over it would hide why the gateway is not there, and a probe whose time runs out during
	   a retry would name no cause.  (Only this thread writes conn_error.) */
	if (p->net.conn_error[0] == '\0') {
		char where[96];
		snprintf(where, sizeof(where), "no reply yet from %s:%d", p->cfg.host, p->cfg.port);
		conn_error(p, "handshake pending", where);
	}
	int rc = ib_net_handshake(n->fd, &n->framer, n->client_id, p->cfg.connect_timeout_ms, &n->server_version,
				  err, sizeof(err));
	if (rc != IB_OK) {
		/* an I/O error's cause (a reset, most often) is still in errno: name it */
		int why = errno;
		if (rc == IB_EIO && why != 0)
			ib_log(IB_LL_WARN, "net", "%s:%d: %s (%s)", p->cfg.host, p->cfg.port, err, strerror(why));
		else
			ib_log(IB_LL_WARN, "net", "%s:%d: %s", p->cfg.host, p->cfg.port, err);
		conn_error(p, "handshake failed", err);
		ib_net_close(n->fd);
		n->fd = -1;
		return rc;
	}
	pthread_mutex_lock(&p->diag.mu);
	p->diag.handshake_ns = ib_now_mono_ns() - t0;
	p->net.conn_error[0] = '\0';
	pthread_mutex_unlock(&p->diag.mu);
	ib_enc_init(&n->enc, n->outbuf, OUT_BUF, n->server_version, p->cfg.readonly);
	n->out_off = 0;
	ck_pr_store_32((uint32_t *)&p->stats.net.connected, 1);
	ck_pr_store_32(&p->net.live_session, ++n->sessions);
	ck_pr_store_32((uint32_t *)&p->stats.net.server_version, (uint32_t)n->server_version);
	ck_pr_store_32((uint32_t *)&p->stats.net.client_id, (uint32_t)n->client_id);
	ib_log(IB_LL_INFO, "net", "connected to %s:%d, server version %d, client id %d%s", p->cfg.host, p->cfg.port,
	       n->server_version, n->client_id, p->cfg.readonly ? ", readonly" : "");

	struct ib_acct_event e = { .kind = IB_AE_CONN_UP, .recv_ns = ib_now_mono_ns() };
	e.u.conn_up.server_version = n->server_version;
	e.u.conn_up.client_id = n->client_id;
	e.u.conn_up.session = n->sessions;
	acct_push(n, &e);
	ib_wake_signal(&p->acct.wake);
	subscribe_all(n);
	return IB_OK;
}

static void
disconnect(struct net *n, const char *reason)
{
	ib_pipeline *p = n->p;

	if (n->fd < 0)
		return;
	ib_net_close(n->fd);
	n->fd = -1;
	ck_pr_store_32((uint32_t *)&p->stats.net.connected, 0);
	ck_pr_store_32(&p->net.live_session, 0);
	discard_out(n);
	struct ib_acct_event e = { .kind = IB_AE_CONN_DOWN, .recv_ns = ib_now_mono_ns() };
	ib_strlcpy(e.u.conn_down.reason, reason, sizeof(e.u.conn_down.reason));
	acct_push(n, &e);
	ib_wake_signal(&p->acct.wake);
	ib_log(stopping(p) ? IB_LL_INFO : IB_LL_WARN, "net", "disconnected: %s", reason);
}

/*
 * A gateway that stops reading: its receive window shuts, and what we
 * wrote stays in our send queue unacknowledged (SIOCOUTQ).  True once the
 * acknowledged count has not moved for write_stall_ms while bytes wait.
 * One ioctl per STALL_CHECK_NS at most, whatever the message rate.
 */
static bool
write_stall(struct net *n, int64_t now)
{
	int outq = 0;

	if (now - n->stall_check_ns < STALL_CHECK_NS)
		return false;
	n->stall_check_ns = now;
	if (ioctl(n->fd, SIOCOUTQ, &outq) != 0)
		return false;
	uint64_t acked = (uint64_t)outq < n->bytes_sent ? n->bytes_sent - (uint64_t)outq : 0;
	if (outq <= 0 || acked != n->last_acked) { /* nothing waiting, or the gateway took some */
		n->last_acked = acked;
		n->stall_since_ns = 0;
		return false;
	}
	if (n->stall_since_ns == 0)
		n->stall_since_ns = now;
	if (now - n->stall_since_ns < (int64_t)n->p->cfg.write_stall_ms * IB_NS_PER_MS)
		return false;
	IB_STAT_INC(n->p->stats.net.write_stalls);
	n->write_stalled = true;
	ib_log(IB_LL_ERROR, "net",
	       "write stall: %d bytes to the gateway unacknowledged for %lld ms (it stopped reading) -- reconnecting, "
	       "then reconciling the orders", outq, (long long)((now - n->stall_since_ns) / IB_NS_PER_MS));
	return true;
}

/* Flush coalesced market data and wake the threads that were handed work. */
static void
signal_consumers(struct net *n)
{
	ib_pipeline *p = n->p;

	if (p->net.nmd_dirty)
		md_flush_pending(n);
	if (n->md_signal) {
		ib_wake_signal(&p->md.wake);
		n->md_signal = false;
	}
	if (n->acct_signal) {
		ib_wake_signal(&p->acct.wake);
		n->acct_signal = false;
	}
}

/*
 * wait_net = spin or hybrid: read the socket without waiting (recv returns
 * EAGAIN at once when it is empty) instead of sleeping in poll -- spin for
 * ever, hybrid until wait_spin_us have passed without data (*last_data: when
 * bytes last came).  Returns IB_OK (look again), IB_EAGAIN when the spin is
 * over (poll now), or an error that ends the session.
 */
static int
spin_read(struct net *n, int64_t spin_ns, int64_t *last_data)
{
	ib_pipeline *p = n->p;
	uint64_t before = IB_STAT_GET(p->stats.net.bytes_in);
	int64_t now = ib_now_mono_ns();

	if (spin_ns != INT64_MAX && now - *last_data >= spin_ns)
		return IB_EAGAIN;
	int rc = read_and_route(n);
	signal_consumers(n);
	if (rc != IB_OK)
		return rc;
	if (IB_STAT_GET(p->stats.net.bytes_in) != before)
		*last_data = now;
	else
		ck_pr_stall();
	return write_stall(n, now) ? IB_ETIMEDOUT : IB_OK;
}

/* One connected session: poll, read, route, write.  Returns why it ended. */
static int
session(struct net *n)
{
	ib_pipeline *p = n->p;
	int rc;
	const enum ib_wait_mode mode = p->cfg.wait_net;
	const int64_t spin_ns = mode == IB_WAIT_SPIN ? INT64_MAX : (int64_t)p->cfg.wait_spin_us * IB_NS_PER_US;
	int64_t last_data = ib_now_mono_ns();

	/* The handshake's reads may have taken frames that came right behind the
	   version reply; the socket will not poll readable for them again. */
	while ((rc = route_buffered(n, ib_now_mono_ns())) == IB_EEMPTY)
		;
	if (rc != IB_EAGAIN)
		return rc;
	signal_consumers(n);
	while (!stopping(p)) {
		int wait_ms = 100;
		ib_heartbeat_beat(&p->net.hb);
		int wrc = flush_out(n, &wait_ms);
		if (wrc == IB_EIO)
			return IB_EIO;
		if (mode != IB_WAIT_BLOCK && wrc != IB_EAGAIN) { /* a write waiting for room is poll's job */
			rc = spin_read(n, spin_ns, &last_data);
			if (rc == IB_OK)
				continue;
			if (rc != IB_EAGAIN)
				return rc;
		}
		if (p->net.nmd_dirty)
			wait_ms = 0;
		struct pollfd pfd[2] = {
			{ .fd = n->fd, .events = POLLIN | (wrc == IB_EAGAIN ? POLLOUT : 0) },
			{ .fd = p->net.out_efd, .events = POLLIN },
		};
		if (poll(pfd, 2, wait_ms) < 0 && errno != EINTR)
			return IB_EIO;
		if (write_stall(n, ib_now_mono_ns()))
			return IB_ETIMEDOUT;
		if (pfd[1].revents & POLLIN) {
			uint64_t v;
			if (read(p->net.out_efd, &v, sizeof(v)) < 0) {
				/* drained concurrently; the ring is checked anyway */
			}
		}
		if (p->net.nmd_dirty)
			md_flush_pending(n);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			rc = read_and_route(n);
			signal_consumers(n);
			if (rc != IB_OK)
				return rc;
			last_data = ib_now_mono_ns(); /* hybrid: spin again after data */
		}
	}
	return IB_OK;
}

static int
jitter(int ms)
{
	return ms / 2 + (int)(random() % (ms / 2 + 1));
}

void *
ib_net_thread(void *arg)
{
	ib_pipeline *p = arg;
	struct net n = { .p = p, .fd = -1, .client_id = p->cfg.client_id, .backoff_ms = p->cfg.reconnect_min_ms };

	srandom((unsigned)ib_now_mono_ns());
	n.outbuf = malloc(OUT_BUF);
	n.sent_ns = calloc((size_t)p->cfg.pacing_per_s, sizeof(int64_t));
	n.hp = malloc(sizeof(*n.hp));
	if (n.hp)
		ib_hist_pacer_init(n.hp, p->cfg.hist_pacing_scale);
	if (!n.outbuf || !n.sent_ns || !n.hp || ib_framer_init(&n.framer, (size_t)IB_MAX_FRAME + 4 + READ_BUF, 0) != IB_OK) {
		ib_log(IB_LL_ERROR, "net", "out of memory");
		p->exit_code = 1;
		ib_pipeline_request_stop(p);
		goto out;
	}
	ib_enc_init(&n.enc, n.outbuf, OUT_BUF, IB_CLIENT_MAX, p->cfg.readonly);

	while (!stopping(p)) {
		ib_heartbeat_beat(&p->net.hb);
		if (connect_once(&n) != IB_OK) {
			int d = jitter(n.backoff_ms);
			ib_log(IB_LL_INFO, "net", "retrying in %d ms", d);
			nap(&n, d);
			n.backoff_ms = n.backoff_ms * 2 > p->cfg.reconnect_max_ms ? p->cfg.reconnect_max_ms : n.backoff_ms * 2;
			continue;
		}
		int64_t t0 = ib_now_mono_ns();
		uint32_t gen0 = ib_gate_generation(&p->gate);
		int rc = session(&n);
		if (stopping(p)) {
			disconnect(&n, "shutting down");
			break;
		}
		disconnect(&n, n.conflict ? "client id in use" : n.write_stalled ? "write stall: the gateway stopped reading"
										  : ib_strerror(rc));
		IB_STAT_INC(p->stats.net.reconnects);
		if (n.conflict) {
			if (n.client_id < p->cfg.client_id_max) {
				n.client_id++;
				ib_log(IB_LL_WARN, "net", "retrying with client id %d", n.client_id);
				continue;
			}
			ib_log(IB_LL_ERROR, "net",
			       "client id %d is in use and --client-id-range is exhausted (%d-%d): another client holds it; "
			       "pick another id or restart the gateway",
			       n.client_id, p->cfg.client_id, p->cfg.client_id_max);
			p->exit_code = 4;
			ib_pipeline_request_stop(p);
			break;
		}
		/*
		 * Only a session that proved the gateway healthy (the gate opened, or it
		 * lasted HEALTHY_SESSION_NS) starts the backoff over: one that drops every
		 * session right after a good handshake must not be hit twice a second.
		 */
		int64_t lasted = ib_now_mono_ns() - t0;
		bool healthy = ib_gate_generation(&p->gate) != gen0 || lasted >= HEALTHY_SESSION_NS;
		if (healthy)
			n.backoff_ms = p->cfg.reconnect_min_ms;
		int d = jitter(n.backoff_ms);
		if (!healthy)
			ib_log(IB_LL_WARN, "net", "the session ended after %lld ms, before syncing: reconnecting in %d ms "
			       "(backoff %d ms)", (long long)(lasted / IB_NS_PER_MS), d, n.backoff_ms);
		nap(&n, d);
		if (!healthy)
			n.backoff_ms = n.backoff_ms * 2 > p->cfg.reconnect_max_ms ? p->cfg.reconnect_max_ms : n.backoff_ms * 2;
	}
out:
	disconnect(&n, "shutting down");
	ib_framer_free(&n.framer);
	free(n.outbuf);
	free(n.sent_ns);
	free(n.hp);
	return NULL;
}
