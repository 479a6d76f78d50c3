/*
 * req_decode.c - the server side of requests: what ibsim reads.  The
 * inverse of msg_encode.c, field for field, at the same server version;
 * placeOrder keeps the fields ibpipe's order carries and skips the rest by
 * position (it reads the official clients' frames the same way, since the
 * layout is the same).
 */
#include <stdio.h>
#include <string.h>

#include "ibpipe/req.h"

#define F(call)                                                                                                      \
	do {                                                                                                         \
		if ((call) != IB_OK)                                                                                 \
			goto fail;                                                                                   \
	} while (0)

static int
get_cstr(ib_fields *c, char *dst, size_t cap)
{
	ib_str s;
	int rc = ib_fields_str(c, &s);

	if (rc == IB_OK)
		ib_str_copy(dst, cap, s);
	return rc;
}

static int
get_dbl_unset(ib_fields *c, double *v)
{
	ib_str peek;
	ib_fields save = *c;

	if (ib_fields_str(&save, &peek) == IB_OK && peek.len == 0) {
		*c = save;
		*v = IB_UNSET_DOUBLE;
		return IB_OK;
	}
	return ib_fields_f64(c, v);
}

static int
get_contract(ib_fields *c, ib_contract *k, bool primary)
{
	memset(k, 0, sizeof(*k));
	if (ib_fields_i32(c, &k->con_id) || get_cstr(c, k->symbol, sizeof(k->symbol)) ||
	    get_cstr(c, k->sec_type, sizeof(k->sec_type)) || get_cstr(c, k->last_trade_date, sizeof(k->last_trade_date)) ||
	    ib_fields_f64(c, &k->strike) || get_cstr(c, k->right, sizeof(k->right)) ||
	    get_cstr(c, k->multiplier, sizeof(k->multiplier)) || get_cstr(c, k->exchange, sizeof(k->exchange)))
		return c->err;
	if (primary && get_cstr(c, k->primary_exchange, sizeof(k->primary_exchange)))
		return c->err;
	if (get_cstr(c, k->currency, sizeof(k->currency)) || get_cstr(c, k->local_symbol, sizeof(k->local_symbol)) ||
	    get_cstr(c, k->trading_class, sizeof(k->trading_class)))
		return c->err;
	return IB_OK;
}

static int
get_place_order(ib_fields *c, ib_req *r)
{
	ib_order *o = &r->u.place_order.order;
	int32_t i32;
	bool b;

	ib_order_init(o);
	if (ib_fields_i32(c, &r->u.place_order.order_id) || get_contract(c, &r->u.place_order.contract, true) ||
	    ib_fields_skip(c, 2) || get_cstr(c, o->action, sizeof(o->action)) || ib_fields_f64(c, &o->total_qty) ||
	    get_cstr(c, o->order_type, sizeof(o->order_type)) || get_dbl_unset(c, &o->lmt_price) ||
	    get_dbl_unset(c, &o->aux_price) || get_cstr(c, o->tif, sizeof(o->tif)) || ib_fields_skip(c, 1) ||
	    get_cstr(c, o->account, sizeof(o->account)) || ib_fields_skip(c, 2) ||
	    get_cstr(c, o->order_ref, sizeof(o->order_ref)) || ib_fields_bool(c, &b))
		return c->err;
	o->transmit = b;
	o->order_id = r->u.place_order.order_id;
	/* parentId blockOrder sweepToFill displaySize triggerMethod */
	if (ib_fields_i32(c, &i32) || ib_fields_skip(c, 4) || ib_fields_bool(c, &o->outside_rth))
		return c->err;
	/* hidden and the long tail: present, but nothing ibsim acts on */
	if (ib_fields_skip(c, 1))
		return c->err;
	return IB_OK;
}

int
ib_req_decode(const char *payload, size_t len, int sv, ib_req *r, int *err_field)
{
	ib_fields c;
	int32_t ver;

	memset(r, 0, sizeof(*r));
	ib_fields_init(&c, payload, len);
	F(ib_fields_i32(&c, &r->id));
	switch (r->id) {
	case IB_OUT_START_API:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.start_api.client_id));
		if (!ib_fields_done(&c))
			F(get_cstr(&c, r->u.start_api.capabilities, sizeof(r->u.start_api.capabilities)));
		break;
	case IB_OUT_REQ_MKT_DATA:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.mkt_data.req_id));
		F(get_contract(&c, &r->u.mkt_data.contract, true));
		{
			bool dn;
			F(ib_fields_bool(&c, &dn));
			if (dn)
				F(ib_fields_skip(&c, 3));
		}
		F(get_cstr(&c, r->u.mkt_data.generic_ticks, sizeof(r->u.mkt_data.generic_ticks)));
		F(ib_fields_bool(&c, &r->u.mkt_data.snapshot));
		F(ib_fields_bool(&c, &r->u.mkt_data.regulatory_snapshot));
		break;
	case IB_OUT_CANCEL_MKT_DATA:
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.cancel.req_id));
		break;
	case IB_OUT_CANCEL_TICK_BY_TICK:
		F(ib_fields_i32(&c, &r->u.cancel.req_id));
		break;
	case IB_OUT_PLACE_ORDER:
		F(get_place_order(&c, r));
		break;
	case IB_OUT_CANCEL_ORDER:
		if (sv < IB_SV_CME_TAGGING_FIELDS)
			F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.cancel_order.order_id));
		if (sv >= IB_SV_MANUAL_ORDER_TIME)
			F(get_cstr(&c, r->u.cancel_order.manual_cancel_time, sizeof(r->u.cancel_order.manual_cancel_time)));
		break;
	case IB_OUT_REQ_OPEN_ORDERS:
	case IB_OUT_REQ_MANAGED_ACCTS:
	case IB_OUT_REQ_CURRENT_TIME:
	case IB_OUT_REQ_POSITIONS:
	case IB_OUT_CANCEL_POSITIONS:
		F(ib_fields_i32(&c, &ver));
		break;
	case IB_OUT_REQ_ACCT_DATA:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_bool(&c, &r->u.acct_data.subscribe));
		F(get_cstr(&c, r->u.acct_data.account, sizeof(r->u.acct_data.account)));
		break;
	case IB_OUT_REQ_EXECUTIONS: {
		ib_exec_filter *f = &r->u.executions.filter;
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.executions.req_id));
		F(ib_fields_i32(&c, &f->client_id));
		F(get_cstr(&c, f->account, sizeof(f->account)));
		F(get_cstr(&c, f->time, sizeof(f->time)));
		F(get_cstr(&c, f->symbol, sizeof(f->symbol)));
		F(get_cstr(&c, f->sec_type, sizeof(f->sec_type)));
		F(get_cstr(&c, f->exchange, sizeof(f->exchange)));
		F(get_cstr(&c, f->side, sizeof(f->side)));
		break;
	}
	case IB_OUT_REQ_IDS:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.ids.num_ids));
		break;
	case IB_OUT_REQ_CONTRACT_DATA:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.contract_data.req_id));
		F(get_contract(&c, &r->u.contract_data.contract, true));
		F(ib_fields_bool(&c, &r->u.contract_data.include_expired));
		F(ib_fields_skip(&c, 2));
		break;
	case IB_OUT_REQ_MKT_DEPTH:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.mkt_depth.req_id));
		F(get_contract(&c, &r->u.mkt_depth.contract, true));
		F(ib_fields_i32(&c, &r->u.mkt_depth.num_rows));
		F(ib_fields_bool(&c, &r->u.mkt_depth.is_smart));
		break;
	case IB_OUT_CANCEL_MKT_DEPTH:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.cancel_mkt_depth.req_id));
		F(ib_fields_bool(&c, &r->u.cancel_mkt_depth.is_smart));
		break;
	case IB_OUT_REQ_MARKET_DATA_TYPE:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.market_data_type.type));
		break;
	case IB_OUT_REQ_ACCOUNT_SUMMARY:
		F(ib_fields_i32(&c, &ver));
		F(ib_fields_i32(&c, &r->u.account_summary.req_id));
		F(get_cstr(&c, r->u.account_summary.group, sizeof(r->u.account_summary.group)));
		F(get_cstr(&c, r->u.account_summary.tags, sizeof(r->u.account_summary.tags)));
		break;
	case IB_OUT_REQ_TICK_BY_TICK:
		F(ib_fields_i32(&c, &r->u.tick_by_tick.req_id));
		F(get_contract(&c, &r->u.tick_by_tick.contract, true));
		F(get_cstr(&c, r->u.tick_by_tick.tick_type, sizeof(r->u.tick_by_tick.tick_type)));
		F(ib_fields_i32(&c, &r->u.tick_by_tick.number_of_ticks));
		F(ib_fields_bool(&c, &r->u.tick_by_tick.ignore_size));
		break;
	default:
		if (err_field)
			*err_field = 0;
		return IB_EUNKNOWN;
	}
	return IB_OK;
fail:
	if (err_field)
		*err_field = c.err_idx;
	return c.err != IB_OK ? c.err : IB_EFIELD;
}

int
ib_handshake_request_parse(const char *p, size_t len, int *min_version, int *max_version)
{
	char buf[128];
	int lo, hi, n = 0;

	if (len == 0 || len >= sizeof(buf))
		return IB_EINVAL;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (sscanf(buf, "v%d..%d%n", &lo, &hi, &n) != 2 || (buf[n] != '\0' && buf[n] != ' ') || lo <= 0 || hi < lo)
		return IB_EINVAL;
	*min_version = lo;
	*max_version = hi;
	return IB_OK;
}
