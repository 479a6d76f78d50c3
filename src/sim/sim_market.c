/*
 * sim_market.c - quotes that move, the ticks they make, order books,
 * orders that fill against them, and the blast.
 *
 * Ticks: every 10 ms the loop spends the budget tick_rate/100 messages on
 * random subscriptions: a random-walk step, then bid/ask (tickPrice with
 * size) or last + volume.  Blast: pre-encoded tickPrice frames cycled over
 * a client's subscriptions, written as fast as the socket takes them (or
 * paced), each stamped with its send time when --stamp is on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ibpipe/ib.h"
#include "sim.h"

static const struct {
	const char *name;
	double px;
} defaults[] = {
	{ "AAPL", 187.25 }, { "MSFT", 415.50 }, { "NVDA", 124.80 }, { "TSLA", 248.10 }, { "AMZN", 186.40 },
	{ "GOOGL", 171.20 }, { "META", 505.30 }, { "AMD", 158.70 },  { "INTC", 31.20 },  { "NFLX", 648.90 },
	{ "ORCL", 141.60 },  { "IBM", 183.10 },  { "CSCO", 47.90 },  { "QCOM", 168.40 }, { "AVGO", 1450.0 },
	{ "ADBE", 512.70 },  { "CRM", 262.30 },  { "PYPL", 63.40 },  { "UBER", 71.80 },  { "SHOP", 76.50 },
	{ "JPM", 199.60 },   { "BAC", 38.90 },   { "XOM", 117.30 },  { "CVX", 157.20 },  { "KO", 62.40 },
	{ "PEP", 171.90 },   { "WMT", 67.80 },   { "DIS", 101.20 },  { "SPY", 542.10 },  { "QQQ", 468.30 },
};

void
sim_market_init(struct sim *s, const char *symbols)
{
	s->nsym = 0;
	if (symbols && *symbols) {
		char buf[1 << 17];
		char *save = NULL;
		ib_strlcpy(buf, symbols, sizeof(buf));
		for (char *t = strtok_r(buf, ",", &save); t && s->nsym < SIM_MAX_SYMBOLS; t = strtok_r(NULL, ",", &save)) {
			struct sim_symbol *y = &s->sym[s->nsym];
			ib_strlcpy(y->name, t, sizeof(y->name));
			double px = 50 + (double)(s->nsym * 37 % 400);
			for (size_t k = 0; k < sizeof(defaults) / sizeof(defaults[0]); k++)
				if (strcmp(defaults[k].name, t) == 0)
					px = defaults[k].px;
			y->last = px;
			s->nsym++;
		}
	} else {
		for (size_t k = 0; k < sizeof(defaults) / sizeof(defaults[0]); k++) {
			ib_strlcpy(s->sym[s->nsym].name, defaults[k].name, sizeof(s->sym[0].name));
			s->sym[s->nsym++].last = defaults[k].px;
		}
	}
	for (int i = 0; i < s->nsym; i++) {
		struct sim_symbol *y = &s->sym[i];
		y->con_id = 265598 + i * 1009;
		y->bid = round((y->last - 0.01) * 100) / 100;
		y->ask = round((y->last + 0.01) * 100) / 100;
		y->volume = 100000;
	}
}

static void
walk(struct sim *s, struct sim_symbol *y)
{
	double step = (sim_rand(s) - 0.5) * y->last * 0.0004;
	double mid = round((y->last + step) * 100) / 100;
	if (mid < 1)
		mid = 1;
	double half = 0.01 * (1 + (int)(sim_rand(s) * 3));
	y->bid = round((mid - half) * 100) / 100;
	y->ask = round((mid + half) * 100) / 100;
	y->last = sim_rand(s) < 0.5 ? y->bid : y->ask;
	y->volume += 100;
}

static void
tick_price(struct sim_client *c, int32_t req, int type, double px, double size)
{
	char r[16], t[8], p[32], z[32];
	snprintf(r, sizeof(r), "%d", req);
	snprintf(t, sizeof(t), "%d", type);
	snprintf(p, sizeof(p), "%.2f", px);
	snprintf(z, sizeof(z), "%g", size);
	const char *f[] = { "1", "6", r, t, p, z, "0" };
	sim_frame(c, f, 7);
}

static void
tick_size(struct sim_client *c, int32_t req, int type, double size)
{
	char r[16], t[8], z[32];
	snprintf(r, sizeof(r), "%d", req);
	snprintf(t, sizeof(t), "%d", type);
	snprintf(z, sizeof(z), "%g", size);
	const char *f[] = { "2", "6", r, t, z };
	sim_frame(c, f, 5);
}

static void
depth_op(struct sim_client *c, int32_t req, int pos, int op, int side, double px, double size)
{
	char r[16], po[8], o[4], sd[4], p[32], z[32];
	snprintf(r, sizeof(r), "%d", req);
	snprintf(po, sizeof(po), "%d", pos);
	snprintf(o, sizeof(o), "%d", op);
	snprintf(sd, sizeof(sd), "%d", side);
	snprintf(p, sizeof(p), "%.2f", px);
	snprintf(z, sizeof(z), "%g", size);
	const char *f[] = { "12", "1", r, po, o, sd, p, z };
	sim_frame(c, f, 8);
}

static void
tbt(struct sim *s, struct sim_client *c, const struct sim_sub *sub)
{
	const struct sim_symbol *y = &s->sym[sub->sym];
	char r[16], ty[4], tm[24], a[32], b[32], d[32], e[32];
	snprintf(r, sizeof(r), "%d", sub->req_id);
	snprintf(ty, sizeof(ty), "%d", sub->tbt_type);
	snprintf(tm, sizeof(tm), "%lld", (long long)time(NULL));
	if (sub->tbt_type == IB_TBT_BID_ASK) {
		snprintf(a, sizeof(a), "%.2f", y->bid);
		snprintf(b, sizeof(b), "%.2f", y->ask);
		snprintf(d, sizeof(d), "%d", 100 * (1 + (int)(sim_rand(s) * 9)));
		snprintf(e, sizeof(e), "%d", 100 * (1 + (int)(sim_rand(s) * 9)));
		const char *f[] = { "99", r, ty, tm, a, b, d, e, "0" };
		sim_frame(c, f, 9);
	} else if (sub->tbt_type == IB_TBT_MIDPOINT) {
		snprintf(a, sizeof(a), "%.3f", (y->bid + y->ask) / 2);
		const char *f[] = { "99", r, ty, tm, a };
		sim_frame(c, f, 5);
	} else {
		snprintf(a, sizeof(a), "%.2f", y->last);
		snprintf(b, sizeof(b), "%d", 100);
		const char *f[] = { "99", r, ty, tm, a, b, "0", "NASDAQ", "" };
		sim_frame(c, f, 9);
	}
}

/* First messages of a subscription: tickReqParams and a full quote; a full book for depth. */
void
sim_send_sub_start(struct sim *s, struct sim_client *c, const struct sim_sub *sub)
{
	const struct sim_symbol *y = &s->sym[sub->sym];
	char r[16];

	snprintf(r, sizeof(r), "%d", sub->req_id);
	if (sub->kind == 0) {
		const char *f[] = { "81", r, "0.01", "9c0001", "3" };
		sim_frame(c, f, 5);
		tick_price(c, sub->req_id, IB_TICK_BID, y->bid, 300);
		tick_price(c, sub->req_id, IB_TICK_ASK, y->ask, 200);
		tick_price(c, sub->req_id, IB_TICK_LAST, y->last, 100);
		tick_size(c, sub->req_id, IB_TICK_VOLUME, y->volume);
	} else if (sub->kind == 2) {
		for (int i = 0; i < sub->rows; i++) {
			depth_op(c, sub->req_id, i, 0, 1, y->bid - 0.01 * i, 100 * (i + 1));
			depth_op(c, sub->req_id, i, 0, 0, y->ask + 0.01 * i, 100 * (i + 1));
		}
	}
}

static void
emit(struct sim *s, struct sim_client *c, struct sim_sub *sub)
{
	const struct sim_symbol *y = &s->sym[sub->sym];

	if (sub->kind == 1) {
		tbt(s, c, sub);
		return;
	}
	if (sub->kind == 2) {
		/* a size change at a random row, or a level replaced: delete + insert keeps rows in order */
		int side = sim_rand(s) < 0.5, row = (int)(sim_rand(s) * sub->rows);
		double px = side ? y->bid - 0.01 * row : y->ask + 0.01 * row;
		if (sim_rand(s) < 0.7) {
			depth_op(c, sub->req_id, row, 1, side, px, 100 * (1 + (int)(sim_rand(s) * 20)));
		} else {
			depth_op(c, sub->req_id, row, 2, side, 0, 0);
			depth_op(c, sub->req_id, row, 0, side, px, 100 * (1 + (int)(sim_rand(s) * 20)));
		}
		return;
	}
	if (sim_rand(s) < 0.7) {
		tick_price(c, sub->req_id, IB_TICK_BID, y->bid, 100 * (1 + (int)(sim_rand(s) * 9)));
		tick_price(c, sub->req_id, IB_TICK_ASK, y->ask, 100 * (1 + (int)(sim_rand(s) * 9)));
	} else {
		tick_price(c, sub->req_id, IB_TICK_LAST, y->last, 100);
		tick_size(c, sub->req_id, IB_TICK_VOLUME, y->volume);
	}
}

void
sim_market_tick(struct sim *s, int64_t now)
{
	if (now < s->next_tick_ns)
		return;
	s->next_tick_ns = now + 10000000LL;
	double budget = s->o.tick_rate / 100.0;
	int n = (int)budget + (sim_rand(s) < budget - (int)budget);
	for (int k = 0; k < n; k++) {
		/* pick a random subscription over all running clients */
		int total = 0;
		for (int i = 0; i < SIM_MAX_CLIENTS; i++)
			if (s->clients[i] && s->clients[i]->state == 2 && s->clients[i]->blast_left == 0)
				total += s->clients[i]->nsubs;
		if (total == 0)
			return;
		int pick = (int)(sim_rand(s) * total);
		for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
			struct sim_client *c = s->clients[i];
			if (!c || c->state != 2 || c->blast_left != 0)
				continue;
			if (pick < c->nsubs) {
				struct sim_sub *sub = &c->subs[pick];
				walk(s, &s->sym[sub->sym]);
				emit(s, c, sub);
				break;
			}
			pick -= c->nsubs;
		}
	}
}

/* ---- blast ---- */

#define BLAST_FRAMES 2048
#define STAMP_W 16

struct blast_buf {
	char *buf;
	size_t len;
	size_t stamp_off[BLAST_FRAMES];
	int nframes;
};

static struct blast_buf bb;

static void
blast_build(struct sim *s, struct sim_client *c)
{
	size_t cap = BLAST_FRAMES * 64;

	free(bb.buf);
	bb.buf = malloc(cap);
	bb.len = 0;
	bb.nframes = 0;
	for (int i = 0; i < BLAST_FRAMES && c->nsubs > 0; i++) {
		const struct sim_sub *sub = &c->subs[i % c->nsubs];
		const struct sim_symbol *y = &s->sym[sub->sym];
		char payload[64];
		int type = i % 3 == 0 ? IB_TICK_BID : i % 3 == 1 ? IB_TICK_ASK : IB_TICK_LAST;
		double px = type == IB_TICK_BID ? y->bid : type == IB_TICK_ASK ? y->ask : y->last;
		int n = snprintf(payload, sizeof(payload), "1%c6%c%d%c%d%c%.2f%c", 0, 0, sub->req_id, 0, type, 0, px, 0);
		/* size: a fixed-width number so a stamp can be written in place */
		bb.stamp_off[bb.nframes] = bb.len + 4 + (size_t)n;
		n += snprintf(payload + n, sizeof(payload) - (size_t)n, "%0*d%c0%c", STAMP_W, 100, 0, 0);
		ib_be32_put(bb.buf + bb.len, (uint32_t)n);
		memcpy(bb.buf + bb.len + 4, payload, (size_t)n);
		bb.len += 4 + (size_t)n;
		bb.nframes++;
	}
}

void
sim_blast(struct sim *s, struct sim_client *c, int64_t now)
{
	if (c->blast_left <= 0 || c->state != 2 || c->nsubs == 0 || now < c->blast_arm_ns)
		return;
	if (!c->blast_armed) {
		blast_build(s, c);
		c->blast_armed = true;
		c->blast_start_ns = now;
		c->blast_sent = 0;
	}
	/* fill the output buffer with copies of the pre-encoded batch; when paced, only what is due */
	while (c->blast_left > 0 && c->out_len + bb.len <= SIM_OUT_CAP / 2) {
		int frames = bb.nframes;
		if (s->o.blast_rate > 0) {
			int64_t due = (int64_t)((double)(now - c->blast_start_ns) / 1e9 * s->o.blast_rate) - c->blast_sent;
			if (due <= 0)
				break;
			if (due < frames)
				frames = (int)due;
		}
		if (c->blast_left < frames)
			frames = (int)c->blast_left;
		size_t len = bb.len;
		if (frames < bb.nframes) {
			size_t off = 0;
			for (int i = 0; i < frames; i++)
				off += 4 + ib_be32_get(bb.buf + off);
			len = off;
		}
		if (s->o.stamp) {
			char st[STAMP_W + 1];
			snprintf(st, sizeof(st), "%0*lld", STAMP_W, (long long)sim_now());
			for (int i = 0; i < frames; i++)
				memcpy(bb.buf + bb.stamp_off[i], st, STAMP_W);
		}
		memcpy(c->out + c->out_len, bb.buf, len);
		c->out_len += len;
		c->msgs_out += (uint64_t)frames;
		c->blast_left -= frames;
		c->blast_sent += frames;
		if (s->o.blast_rate > 0)
			break;
	}
	if (c->blast_left == 0) {
		double secs = (double)(sim_now() - c->blast_start_ns) / 1e9;
		printf("ibsim: blast %lld msgs in %.3f s = %.0f msgs/s (client %d)\n", (long long)c->blast_sent, secs,
		       secs > 0 ? (double)c->blast_sent / secs : 0, c->client_id);
		fflush(stdout);
		c->blast_left = -1; /* done; ordinary ticks resume */
	}
}

/* ---- orders ---- */

static struct sim_position *
position(struct sim_account *a, int sym)
{
	for (int i = 0; i < a->npos; i++)
		if (a->pos[i].sym == sym)
			return &a->pos[i];
	if (a->npos >= 64)
		return NULL;
	a->pos[a->npos] = (struct sim_position){ sym, 0, 0 };
	return &a->pos[a->npos++];
}

static void
push_account_updates(struct sim *s, int acct, int sym)
{
	for (int i = 0; i < SIM_MAX_CLIENTS; i++) {
		struct sim_client *c = s->clients[i];
		if (!c || c->state != 2)
			continue;
		if (strcmp(c->acct_live, s->acct[acct].id) == 0) {
			sim_send_account_download(s, c, acct);
		}
		if (c->positions_live) {
			struct sim_position *p = position(&s->acct[acct], sym);
			char b[3][32];
			const struct sim_symbol *y = &s->sym[sym];
			if (!p)
				continue;
			const char *f[] = { "61", "3", s->acct[acct].id, (snprintf(b[0], 32, "%d", y->con_id), b[0]), y->name,
					    "STK", "", "0", "", "", "NASDAQ", "USD", y->name, "NMS",
					    (snprintf(b[1], 32, "%g", p->qty), b[1]), (snprintf(b[2], 32, "%.4f", p->avg_cost), b[2]) };
			sim_frame(c, f, 16);
		}
	}
}

static void
fill(struct sim *s, struct sim_order *o, double qty, double px)
{
	struct sim_client *c = o->client >= 0 ? s->clients[o->client] : NULL;
	struct sim_account *a = &s->acct[o->acct];
	struct sim_position *p = position(a, o->sym);
	double signed_qty = strcmp(o->action, "BUY") == 0 ? qty : -qty;

	o->avg = (o->avg * o->filled + px * qty) / (o->filled + qty);
	o->filled += qty;
	if (p) {
		if ((p->qty >= 0) == (signed_qty >= 0) && p->qty + signed_qty != 0)
			p->avg_cost = (p->avg_cost * fabs(p->qty) + px * qty) / (fabs(p->qty) + qty);
		else
			a->realized += (px - p->avg_cost) * (p->qty > 0 ? qty : -qty);
		p->qty += signed_qty;
	}
	a->cash -= signed_qty * px;
	ib_strlcpy(o->status, o->filled >= o->qty ? "Filled" : "Submitted", sizeof(o->status));
	o->live = o->filled < o->qty;
	if (c) {
		sim_send_exec(s, c, o, -1, qty, px, ++s->next_exec);
		sim_send_order_status(c, o, px);
		if (!o->live)
			sim_send_open_order(s, c, o);
	}
	push_account_updates(s, o->acct, o->sym);
}

static double
fill_price(const struct sim *s, const struct sim_order *o)
{
	const struct sim_symbol *y = &s->sym[o->sym];
	bool buy = strcmp(o->action, "BUY") == 0;
	double touch = buy ? y->ask : y->bid;

	if (strcmp(o->type, "MKT") == 0)
		return touch;
	if (strcmp(o->type, "LMT") == 0)
		return (buy ? o->lmt >= touch : o->lmt <= touch) ? touch : 0;
	if (strcmp(o->type, "STP") == 0)
		return (buy ? y->last >= o->aux : y->last <= o->aux) ? touch : 0;
	return 0;
}

void
sim_orders_work(struct sim *s, int64_t now)
{
	for (int i = 0; i < s->norders; i++) {
		struct sim_order *o = &s->orders[i];
		if (!o->live || now < o->next_fill_ns)
			continue;
		double px = fill_price(s, o);
		if (px <= 0)
			continue;
		double left = o->qty - o->filled;
		double slice = o->qty > s->o.partial_fill_above ? ceil(o->qty / 3) : left;
		fill(s, o, slice < left ? slice : left, px);
		o->next_fill_ns = now + 50000000LL;
	}
}

void
sim_order_place(struct sim *s, struct sim_client *c, const ib_req *r)
{
	const ib_order *in = &r->u.place_order.order;
	int32_t id = r->u.place_order.order_id;
	struct sim_order *o = NULL;
	int ci = sim_client_index(s, c);

	for (int i = 0; i < s->norders; i++)
		if (s->orders[i].id == id && s->orders[i].owner_id == c->client_id)
			o = &s->orders[i];
	if (o == NULL && id < c->next_valid_id) {
		sim_send_error(c, id, IB_ERR_DUP_ORDER_ID, "Duplicate order id");
		return;
	}
	int sym = sim_find_symbol(s, r->u.place_order.contract.symbol);
	if (sym < 0) {
		sim_send_error(c, id, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		return;
	}
	if (in->total_qty <= 0 || (strcmp(in->action, "BUY") && strcmp(in->action, "SELL"))) {
		sim_send_error(c, id, IB_ERR_ORDER_REJECTED, "Order rejected - reason:invalid quantity or action");
		return;
	}
	if (o == NULL) {
		if (s->norders >= SIM_MAX_ORDERS) {
			sim_send_error(c, id, IB_ERR_ORDER_REJECTED, "Order rejected - reason:simulator order table full");
			return;
		}
		o = &s->orders[s->norders++];
		memset(o, 0, sizeof(*o));
		o->id = id;
		o->client = ci;
		o->owner_id = c->client_id;
		o->perm_id = 1000000000LL + s->norders;
		c->orders++;
		if (id >= c->next_valid_id)
			c->next_valid_id = id + 1;
		if (id >= s->next_order_id)
			s->next_order_id = id + 1;
	} else if (!o->live) {
		sim_send_error(c, id, 104, "Can't modify a filled order");
		return;
	}
	o->sym = sym;
	o->acct = in->account[0] && sim_account_index(s, in->account) >= 0 ? sim_account_index(s, in->account) : 0;
	ib_strlcpy(o->action, in->action, sizeof(o->action));
	ib_strlcpy(o->type, in->order_type, sizeof(o->type));
	ib_strlcpy(o->tif, in->tif[0] ? in->tif : "DAY", sizeof(o->tif));
	o->qty = in->total_qty;
	o->lmt = in->lmt_price == IB_UNSET_DOUBLE ? 0 : in->lmt_price;
	o->aux = in->aux_price == IB_UNSET_DOUBLE ? 0 : in->aux_price;
	o->live = true;
	o->next_fill_ns = sim_now() + 20000000LL;
	ib_strlcpy(o->status, "PreSubmitted", sizeof(o->status));
	sim_send_open_order(s, c, o);
	sim_send_order_status(c, o, 0);
	ib_strlcpy(o->status, "Submitted", sizeof(o->status));
	sim_send_open_order(s, c, o);
	sim_send_order_status(c, o, 0);
}

void
sim_order_cancel(struct sim *s, struct sim_client *c, int32_t id)
{
	for (int i = 0; i < s->norders; i++) {
		struct sim_order *o = &s->orders[i];
		if (o->id != id || o->owner_id != c->client_id)
			continue;
		if (!o->live) {
			sim_send_error(c, id, 10148, "OrderId that needs to be cancelled can not be cancelled, state: Filled.");
			return;
		}
		o->live = false;
		ib_strlcpy(o->status, "Cancelled", sizeof(o->status));
		sim_send_order_status(c, o, 0);
		sim_send_error(c, id, IB_ERR_ORDER_CANCELLED, "Order Canceled - reason:");
		return;
	}
	sim_send_error(c, id, 135, "Can't find order with id");
}
