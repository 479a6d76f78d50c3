/*
 * sim_client.c - one client connection as a gateway sees it: handshake,
 * startApi, then requests.  Account data waits for the configured delay
 * after the handshake, which is the very failure ibpipe exists to survive.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/ib.h"
#include "ibpipe/log.h"
#include "sim.h"

int
sim_find_symbol(const struct sim *s, const char *name)
{
	for (int i = 0; i < s->nsym; i++)
		if (strcmp(s->sym[i].name, name) == 0)
			return i;
	return -1;
}

int
sim_account_index(const struct sim *s, const char *id)
{
	for (int i = 0; i < s->nacct; i++)
		if (strcmp(s->acct[i].id, id) == 0)
			return i;
	return -1;
}

static void
on_start_api(struct sim *s, struct sim_client *c, int32_t client_id)
{
	for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
		struct sim_client *o = s->clients[i];
		if (o && o != c && o->state == 2 && o->client_id == client_id) {
			sim_send_error(c, -1, IB_ERR_CLIENT_ID_IN_USE,
				       "Unable to connect as the client id is already in use. Retry with a unique client id.");
			c->closing = true;
			return;
		}
	}
	c->client_id = client_id;
	c->state = 2;
	for (int i = 0; i < s->norders; i++)
		if (s->orders[i].owner_id == client_id)
			s->orders[i].client = sim_client_index(s, c);
	c->next_valid_id = s->next_order_id;
	sim_send_managed_accounts(s, c);
	sim_send_next_id(c, c->next_valid_id);
	sim_send_error(c, -1, IB_ERR_FARM_OK, "Market data farm connection is OK:usfarm");
	sim_send_error(c, -1, IB_ERR_HMDS_OK, "HMDS data farm connection is OK:ushmds");
	sim_send_error(c, -1, IB_ERR_SECDEF_OK, "Sec-def data farm connection is OK:secdefil");
}

static void
add_sub(struct sim *s, struct sim_client *c, int32_t req_id, int sym, int kind, int tbt, int rows)
{
	if (c->nsubs >= SIM_MAX_SUBS)
		return;
	struct sim_sub *sub = &c->subs[c->nsubs++];
	sub->req_id = req_id;
	sub->sym = sym;
	sub->kind = kind;
	sub->tbt_type = tbt;
	sub->rows = rows;
	sim_send_sub_start(s, c, sub);
	if (kind == 0 && s->o.blast > 0 && !c->blast_armed) {
		/* blast once the subscriptions have settled: 100 ms after the last one */
		c->blast_left = s->o.blast;
	}
	if (kind == 0 && s->o.blast > 0)
		c->blast_arm_ns = sim_now() + 100000000LL;
}

static void
del_sub(struct sim_client *c, int32_t req_id)
{
	for (int i = 0; i < c->nsubs; i++)
		if (c->subs[i].req_id == req_id) {
			c->subs[i] = c->subs[--c->nsubs];
			return;
		}
}

static int
tbt_type(const char *t)
{
	if (strcmp(t, "Last") == 0)
		return IB_TBT_LAST;
	if (strcmp(t, "AllLast") == 0)
		return IB_TBT_ALL_LAST;
	if (strcmp(t, "BidAsk") == 0)
		return IB_TBT_BID_ASK;
	if (strcmp(t, "MidPoint") == 0)
		return IB_TBT_MIDPOINT;
	return 0;
}

static void
on_request(struct sim *s, struct sim_client *c, const ib_req *r)
{
	char v[32];
	int sym;

	switch (r->id) {
	case IB_OUT_START_API:
		break;
	case IB_OUT_REQ_ACCT_DATA:
		c->want_acct_updates = r->u.acct_data.subscribe;
		ib_strlcpy(c->acct_sub, c->want_acct_updates ? r->u.acct_data.account : "", sizeof(c->acct_sub));
		if (!c->want_acct_updates)
			c->acct_live[0] = '\0';
		if (c->want_acct_updates && sim_account_index(s, c->acct_sub) < 0)
			sim_send_error(c, -1, 321, "Error validating request: unknown account");
		break;
	case IB_OUT_REQ_POSITIONS:
		c->want_positions = true;
		break;
	case IB_OUT_CANCEL_POSITIONS:
		c->want_positions = c->positions_live = false;
		break;
	case IB_OUT_REQ_IDS:
		sim_send_next_id(c, s->next_order_id > c->next_valid_id ? s->next_order_id : c->next_valid_id);
		break;
	case IB_OUT_REQ_CURRENT_TIME: {
		const char *f[] = { "49", "1", (snprintf(v, sizeof(v), "%lld", (long long)time(NULL)), v) };
		sim_frame(c, f, 3);
		break;
	}
	case IB_OUT_REQ_MANAGED_ACCTS:
		sim_send_managed_accounts(s, c);
		break;
	case IB_OUT_REQ_MARKET_DATA_TYPE: {
		char t[8];
		snprintf(t, sizeof(t), "%d", r->u.market_data_type.type);
		const char *f[] = { "58", "1", "-1", t };
		sim_frame(c, f, 4);
		break;
	}
	case IB_OUT_REQ_CONTRACT_DATA:
		sym = sim_find_symbol(s, r->u.contract_data.contract.symbol);
		if (sym < 0)
			sim_send_error(c, r->u.contract_data.req_id, IB_ERR_NO_SECURITY,
				       "No security definition has been found for the request");
		else
			sim_send_contract(s, c, r->u.contract_data.req_id, sym);
		break;
	case IB_OUT_REQ_MKT_DATA:
		sym = sim_find_symbol(s, r->u.mkt_data.contract.symbol);
		if (sym < 0)
			sim_send_error(c, r->u.mkt_data.req_id, IB_ERR_NO_SECURITY,
				       "No security definition has been found for the request");
		else
			add_sub(s, c, r->u.mkt_data.req_id, sym, 0, 0, 0);
		break;
	case IB_OUT_CANCEL_MKT_DATA:
	case IB_OUT_CANCEL_TICK_BY_TICK:
		del_sub(c, r->u.cancel.req_id);
		break;
	case IB_OUT_REQ_TICK_BY_TICK: {
		int n = 0;
		for (int i = 0; i < c->nsubs; i++)
			n += c->subs[i].kind == 1;
		sym = sim_find_symbol(s, r->u.tick_by_tick.contract.symbol);
		if (sym < 0 || !tbt_type(r->u.tick_by_tick.tick_type))
			sim_send_error(c, r->u.tick_by_tick.req_id, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		else if (n >= 3)
			sim_send_error(c, r->u.tick_by_tick.req_id, IB_ERR_MAX_TBT, "Max number of tick-by-tick requests has been reached.");
		else
			add_sub(s, c, r->u.tick_by_tick.req_id, sym, 1, tbt_type(r->u.tick_by_tick.tick_type), 0);
		break;
	}
	case IB_OUT_REQ_MKT_DEPTH: {
		int n = 0;
		for (int i = 0; i < c->nsubs; i++)
			n += c->subs[i].kind == 2;
		sym = sim_find_symbol(s, r->u.mkt_depth.contract.symbol);
		if (sym < 0)
			sim_send_error(c, r->u.mkt_depth.req_id, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		else if (n >= 3)
			sim_send_error(c, r->u.mkt_depth.req_id, IB_ERR_DEPTH_LIMIT, "Max number of market depth requests has been reached");
		else
			add_sub(s, c, r->u.mkt_depth.req_id, sym, 2, 0, r->u.mkt_depth.num_rows > 0 ? r->u.mkt_depth.num_rows : 5);
		break;
	}
	case IB_OUT_CANCEL_MKT_DEPTH:
		del_sub(c, r->u.cancel_mkt_depth.req_id);
		break;
	case IB_OUT_PLACE_ORDER:
		c->order_frames++;
		sim_order_place(s, c, r);
		break;
	case IB_OUT_CANCEL_ORDER:
		c->order_frames++;
		sim_order_cancel(s, c, r->u.cancel_order.order_id);
		break;
	case IB_OUT_REQ_OPEN_ORDERS:
		for (int i = 0; i < s->norders; i++)
			if (s->orders[i].live && s->orders[i].owner_id == c->client_id) {
				sim_send_open_order(s, c, &s->orders[i]);
				sim_send_order_status(c, &s->orders[i], 0);
			}
		{
			const char *f[] = { "53", "1" };
			sim_frame(c, f, 2);
		}
		break;
	case IB_OUT_REQ_EXECUTIONS:
		for (int i = 0; i < s->norders; i++) {
			const struct sim_order *o = &s->orders[i];
			if (o->filled > 0 && o->owner_id == c->client_id)
				sim_send_exec(s, c, o, r->u.executions.req_id, o->filled, o->avg, (int64_t)o->id << 8);
		}
		{
			char rid[16];
			const char *f[] = { "55", "1", (snprintf(rid, sizeof(rid), "%d", r->u.executions.req_id), rid) };
			sim_frame(c, f, 3);
		}
		break;
	default:
		break;
	}
}

static void
on_frame(struct sim *s, struct sim_client *c, const char *p, uint32_t len)
{
	ib_req r;
	int field = 0, rc;

	c->msgs_in++;
	if (c->state == 0) {
		int lo, hi;
		if (ib_handshake_request_parse(p, len, &lo, &hi) != IB_OK || lo > s->o.server_version) {
			c->closing = true;
			return;
		}
		c->server_version = hi < s->o.server_version ? hi : s->o.server_version;
		char ver[16], when[48];
		time_t now = time(NULL);
		struct tm tm;
		gmtime_r(&now, &tm);
		strftime(when, sizeof(when), "%Y%m%d %H:%M:%S UTC", &tm);
		snprintf(ver, sizeof(ver), "%d", c->server_version);
		const char *f[] = { ver, when };
		sim_frame(c, f, 2);
		c->state = 1;
		return;
	}
	rc = ib_req_decode(p, len, c->server_version, &r, &field);
	if (rc != IB_OK) {
		if (rc != IB_EUNKNOWN)
			c->errors++;
		return; /* a gateway ignores what it does not know */
	}
	if (c->state == 1) {
		if (r.id == IB_OUT_START_API)
			on_start_api(s, c, r.u.start_api.client_id);
		return;
	}
	on_request(s, c, &r);
}

void
sim_client_input(struct sim *s, struct sim_client *c)
{
	ib_frame fr;
	int rc;

	/* the handshake's "API\0" precedes the first frame */
	if (c->state == 0 && ib_framer_pending(&c->in) >= 4 && memcmp(c->in.buf + c->in.head, "API", 4) == 0)
		c->in.head += 4;
	while (!c->closing && (rc = ib_framer_next(&c->in, &fr)) == IB_OK)
		on_frame(s, c, fr.p, fr.len);
}

void
sim_client_timers(struct sim *s, struct sim_client *c, int64_t now)
{
	if (c->state != 2 || now < c->download_at_ns)
		return;
	if (c->want_positions) {
		sim_send_positions(s, c);
		c->want_positions = false;
		c->positions_live = true; /* updates follow as positions change */
		c->download_at_ns = 0;
	}
	if (c->want_acct_updates && c->acct_sub[0]) {
		int a = sim_account_index(s, c->acct_sub);
		if (a >= 0) {
			sim_send_account_download(s, c, a);
			if (!s->o.no_download_end) {
				const char *f[] = { "54", "1", c->acct_sub };
				sim_frame(c, f, 3);
			}
		}
		ib_strlcpy(c->acct_live, c->acct_sub, sizeof(c->acct_live));
		c->acct_sub[0] = '\0'; /* the subscription stays; this was the initial download */
	}
}
