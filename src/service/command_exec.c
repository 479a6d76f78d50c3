/*
 * command_exec.c - place, modify, cancel, cancel_all, halt, resume.
 *
 * Gates, in the order a caller hears of them: readonly (nothing is sent on a
 * readonly connection, so say so instead of letting the encoder refuse it
 * later), the sync gate ("not synced": refused, never queued), then for
 * orders the kill switch and the risk limits, exactly as a strategy's order
 * (place.c).  Cancels pass a halted kill switch: they only take risk off.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "util/str.h"
#include "core/place.h"
#include "core/risk.h"
#include "service/command_exec.h"
#include "util/clock.h"

#define CANCEL_ALL_MAX 4096

static void
result(ib_cmd_result *res, const ib_command *c, const char *what, int32_t order_id, const char *reason)
{
	memset(res, 0, sizeof(*res));
	ib_strlcpy(res->cmd, ib_command_op_name(c->op), sizeof(res->cmd));
	ib_strlcpy(res->result, what, sizeof(res->result));
	res->order_id = order_id;
	ib_strlcpy(res->reason, reason, sizeof(res->reason));
}

/* File res; when the disk refuses, the result says so (and nothing was sent for it). */
static bool
file(ib_cmd_exec *x, const char *cmd_id, ib_cmd_result *res)
{
	if (ib_cmd_journal_add(x->journal, cmd_id, res) == 0)
		return true;
	int e = errno;
	ib_log(IB_LL_ERROR, "commands", "cannot file command %s in the journal: %s -- nothing sent for it", cmd_id,
	       strerror(e));
	char why[160];
	snprintf(why, sizeof(why), "journal: %s (nothing sent; fix state_dir)", strerror(e));
	ib_strlcpy(res->result, "refused", sizeof(res->result));
	res->order_id = 0;
	ib_strlcpy(res->reason, why, sizeof(res->reason));
	return false;
}

void
ib_cmd_refuse(ib_cmd_exec *x, const char *cmd_id, const char *cmd, const char *reason, ib_cmd_result *res)
{
	memset(res, 0, sizeof(*res));
	ib_strlcpy(res->cmd, cmd, sizeof(res->cmd));
	ib_strlcpy(res->result, "refused", sizeof(res->result));
	ib_strlcpy(res->reason, reason, sizeof(res->reason));
	if (cmd_id[0])
		file(x, cmd_id, res);
}

/* Readonly and the sync gate: "" when both let c through. */
static const char *
closed_gate(const ib_cmd_exec *x)
{
	if (ib_pipeline_config(x->p)->readonly)
		return "readonly";
	if (!ib_pipeline_gate_open(x->p))
		return "not synced";
	return "";
}

struct hook_arg {
	ib_cmd_exec *x;
	const ib_command *c;
	ib_cmd_result *res;
	bool filed;
};

/* A bracket's answer names its exits' ids: they follow the entry's (ib_place_orders). */
static void
bracket_reason(const ib_command *c, int32_t id, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "bracket:");

	if (c->take_profit > 0)
		n += snprintf(buf + n, cap - (size_t)n, " take_profit order %d", ++id);
	if (c->stop_loss > 0)
		snprintf(buf + n, cap - (size_t)n, "%s stop_loss order %d", c->take_profit > 0 ? "," : "", ++id);
}

/* Between taking the order id and queueing the order: on disk first, or not sent at all. */
static bool
file_order(void *arg, int32_t order_id)
{
	struct hook_arg *h = arg;
	char reason[96] = "";

	if (h->c->op == IB_CMD_PLACE && (h->c->take_profit > 0 || h->c->stop_loss > 0))
		bracket_reason(h->c, order_id, reason, sizeof(reason));
	result(h->res, h->c, "accepted", order_id, reason);
	h->filed = file(h->x, h->c->cmd_id, h->res);
	if (h->filed && h->x->announce)
		h->x->announce(h->x->announce_arg, h->c->cmd_id, h->res);
	return h->filed;
}

static int
orders_last_second(const ib_cmd_exec *x, int64_t now)
{
	int n = 0;

	for (uint32_t i = 0; i < x->times_cap; i++)
		if (x->order_times[i] && now - x->order_times[i] < IB_NS_PER_S)
			n++;
	return n;
}

/*
 * The entry and its exits (IB's bracket): the exits take the other side of the entry's quantity,
 * wait for the entry to fill (parent_id), and share an OCA group, so one filling cancels the
 * other.  All but the last go with transmit = false: the gateway holds the chain until it is whole.
 */
static int
bracket_orders(const ib_command *c, const ib_order *entry, ib_order *o)
{
	const char *side = strcmp(entry->action, "BUY") == 0 ? "SELL" : "BUY";
	int n = 1;

	o[0] = *entry;
	for (int leg = 0; leg < 2; leg++) {
		double px = leg == 0 ? c->take_profit : c->stop_loss;
		if (!(px > 0))
			continue;
		ib_order *e = &o[n++];
		ib_order_init(e);
		ib_strlcpy(e->action, side, sizeof(e->action));
		ib_strlcpy(e->order_type, leg == 0 ? "LMT" : "STP", sizeof(e->order_type));
		if (leg == 0)
			e->lmt_price = px;
		else
			e->aux_price = px;
		e->total_qty = entry->total_qty;
		ib_strlcpy(e->tif, entry->tif[0] && strcmp(entry->tif, "OPG") != 0 ? entry->tif : "DAY", sizeof(e->tif));
		ib_strlcpy(e->account, entry->account, sizeof(e->account));
		ib_strlcpy(e->order_ref, entry->order_ref, sizeof(e->order_ref));
		e->oca_type = 1; /* the group: ib_place_orders names it after the entry */
		e->outside_rth = entry->outside_rth;
		e->parent_id = IB_PARENT_FIRST;
	}
	for (int i = 0; i < n; i++)
		o[i].transmit = i == n - 1;
	return n;
}

static enum ib_cmd_outcome
place(ib_cmd_exec *x, const ib_command *c, ib_cmd_result *res)
{
	int64_t now = ib_now_mono_ns();
	struct hook_arg h = { .x = x, .c = c, .res = res };
	const ib_place how = { .owner = IB_OWNER_COMMANDS,
			       .orders_last_s = orders_last_second(x, now),
			       .modify = c->op == IB_CMD_MODIFY,
			       .hook = file_order,
			       .hook_arg = &h };
	ib_order o = c->order;
	char why[160], reason[160];

	memset(res, 0, sizeof(*res));
	/* the cmd_id as orderRef (when it fits), so the order names its command in TWS and in the
	   gateway's reports (a modify, under its own cmd_id, sends none) */
	if (c->op == IB_CMD_PLACE && strlen(c->cmd_id) < sizeof(o.order_ref))
		ib_strlcpy(o.order_ref, c->cmd_id, sizeof(o.order_ref));
	int rc;
	if (c->op == IB_CMD_PLACE && (c->take_profit > 0 || c->stop_loss > 0)) {
		ib_order legs[IB_PLACE_MAX];
		rc = ib_place_orders(x->p, &how, &c->contract, legs, bracket_orders(c, &o, legs), why, sizeof(why));
	} else {
		rc = ib_place_order(x->p, &how, &c->contract, &o, why, sizeof(why));
	}
	if (rc == IB_OK) {
		x->order_times[x->times_head++ % x->times_cap] = now;
		return IB_CMD_DONE;
	}
	if (rc == IB_ECLOSED) {
		/* filed and not queued (stopping): the answer stands, as after a crash at that point */
		if (h.filed || res->result[0]) /* res->result alone: the journal refused it */
			return IB_CMD_DONE;
		if (ib_pipeline_stopping(x->p))
			return IB_CMD_RETRY;
	}
	if (rc == IB_RISK_GATE_CLOSED)
		snprintf(reason, sizeof(reason), "not synced");
	else if (rc <= IB_RISK_HALTED && rc > IB_RISK_HALTED - IB_RISK_NCODES)
		snprintf(reason, sizeof(reason), "%s: %s", ib_risk_name(rc), why);
	else
		snprintf(reason, sizeof(reason), "%s", why); /* no order id (state_dir) */
	result(res, c, "refused", c->op == IB_CMD_MODIFY ? c->order_id : 0, reason);
	file(x, c->cmd_id, res);
	return IB_CMD_DONE;
}

static bool
send_cancel(ib_cmd_exec *x, int32_t order_id)
{
	ib_req r = { .id = IB_OUT_CANCEL_ORDER };

	r.u.cancel_order.order_id = order_id;
	return ib_pipeline_send(x->p, &r, IB_OWNER_COMMANDS);
}

/* scope=all: IB's own "cancel everything" (TWS's panic button), for this ibpipe's strategies' orders,
   other clients' and TWS's too. */
static enum ib_cmd_outcome
global_cancel(ib_cmd_exec *x, const ib_command *c, ib_cmd_result *res)
{
	ib_req r = { .id = IB_OUT_REQ_GLOBAL_CANCEL };

	result(res, c, "accepted", 0, "global cancel sent: every open order at the gateway, whoever placed it");
	if (file(x, c->cmd_id, res))
		ib_pipeline_send(x->p, &r, IB_OWNER_COMMANDS);
	return IB_CMD_DONE;
}

struct id_list {
	int32_t *ids;
	size_t n;
};

/* The id after `label` in a bracket's reason (bracket_reason wrote it), 0 if none. */
static int32_t
leg_id(const char *reason, const char *label)
{
	const char *at = strstr(reason, label);
	char *end;
	long id = at ? strtol(at + strlen(label), &end, 10) : 0;

	return at && end != at + strlen(label) && id > 0 && id <= INT32_MAX ? (int32_t)id : 0;
}

/* An accepted place's orders: its own, and a bracket's exits. */
static void
collect(void *arg, const ib_cmd_result *r)
{
	struct id_list *l = arg;
	int32_t ids[3] = { r->order_id, 0, 0 };

	if (strncmp(r->reason, "bracket:", 8) == 0) {
		ids[1] = leg_id(r->reason, "take_profit order ");
		ids[2] = leg_id(r->reason, "stop_loss order ");
	}
	for (int i = 0; i < 3; i++)
		if (ids[i] > 0 && l->n < CANCEL_ALL_MAX)
			l->ids[l->n++] = ids[i];
}

static enum ib_cmd_outcome
cancel_all(ib_cmd_exec *x, const ib_command *c, ib_cmd_result *res)
{
	static int32_t ids[CANCEL_ALL_MAX]; /* this thread only */
	struct id_list l = { ids, 0 };
	size_t n, live = 0;
	char reason[160];

	ib_cmd_journal_each_order(x->journal, collect, &l);
	n = l.n;
	for (size_t i = 0; i < n; i++)
		if (!x->order_live || x->order_live(x->live_arg, ids[i]))
			ids[live++] = ids[i];
	snprintf(reason, sizeof(reason), "%zu cancel(s) sent", live);
	result(res, c, "accepted", 0, reason);
	if (!file(x, c->cmd_id, res))
		return IB_CMD_DONE;
	for (size_t i = 0; i < live; i++)
		send_cancel(x, ids[i]);
	return IB_CMD_DONE;
}

static void
set_halted(ib_cmd_exec *x, const ib_command *c, bool on)
{
	ib_pipeline_halt(x->p, on);
	ib_log(IB_LL_WARN, "control", "command %s: kill switch %s -- %s", c->cmd_id, on ? "on" : "off",
	       on ? "no new orders" : "orders allowed");
}

enum ib_cmd_outcome
ib_cmd_execute(ib_cmd_exec *x, const ib_command *c, ib_cmd_result *res)
{
	const char *gate = closed_gate(x);

	if (c->op == IB_CMD_HALT || c->op == IB_CMD_RESUME) {
		/* filed first: a halt the journal lost could be answered differently after a restart */
		result(res, c, "accepted", 0, "");
		if (file(x, c->cmd_id, res))
			set_halted(x, c, c->op == IB_CMD_HALT);
		return IB_CMD_DONE;
	}
	if (gate[0]) {
		result(res, c, "refused", c->order_id, gate);
		file(x, c->cmd_id, res);
		return IB_CMD_DONE;
	}
	switch (c->op) {
	case IB_CMD_PLACE:
	case IB_CMD_MODIFY:
		return place(x, c, res);
	case IB_CMD_CANCEL:
		result(res, c, "accepted", c->order_id, "");
		if (file(x, c->cmd_id, res))
			send_cancel(x, c->order_id);
		return IB_CMD_DONE;
	case IB_CMD_CANCEL_ALL:
		return c->scope_all ? global_cancel(x, c, res) : cancel_all(x, c, res);
	default:
		result(res, c, "refused", 0, "unknown cmd");
		return IB_CMD_DONE;
	}
}
