/*
 * sim_account.c - the managed accounts: cash, positions and the values a
 * gateway derives from them, the account download (reqAccountUpdates),
 * positions (reqPositions), account summaries, and the pushes that follow
 * a fill.
 *
 * Invariant: nothing about an account reaches a client before
 * c->data_at_ns (the handshake time plus --account-delay-ms and jitter):
 * requests made earlier are remembered and answered by
 * sim_account_timers when that time comes, as a slow gateway would.
 * Account values are always computed from cash and positions at the
 * moment they are sent, so a download and a later push agree.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/str.h"
#include "util/clock.h"

#define START_CASH 1000000.0

int
sim_account_find(const struct sim *s, const char *id)
{
	for (int i = 0; i < s->nacct; i++)
		if (strcmp(s->acct[i].id, id) == 0)
			return i;
	return -1;
}

static void
add_position(struct sim *s, struct sim_account *a, int32_t instr, double qty, double cost_factor)
{
	const struct sim_instr *in = &s->instr[instr];
	double avg = round(in->last * cost_factor * 100) / 100;

	for (int i = 0; i < a->npos; i++)
		if (a->pos[i].instr == instr)
			return;
	a->pos[a->npos++] = (struct sim_position){ instr, qty, avg };
	a->cash -= qty * avg;
}

int
sim_account_add(struct sim *s, const char *id)
{
	int i = sim_account_find(s, id);
	struct sim_account *a;

	if (i >= 0)
		return i;
	if (s->nacct == SIM_MAX_ACCOUNTS)
		return -1;
	i = s->nacct++;
	a = &s->acct[i];
	memset(a, 0, sizeof(*a));
	ib_strlcpy(a->id, id, sizeof(a->id));
	/* cash plus a couple of holdings each: one in profit, one at a loss */
	a->cash = START_CASH;
	add_position(s, a, (2 * i) % s->nstocks, 100.0 * (i % 8 + 1), 0.95);
	add_position(s, a, (2 * i + 1) % s->nstocks, 50.0 * (i % 8 + 1), 1.03);
	return i;
}

int
sim_account_init(struct sim *s, const char *list, char *err, size_t errcap)
{
	static char gen[SIM_LIST_CAP];

	if (s->o.account_count > 0) {
		sim_account_list_generate(s->o.account_count, gen, sizeof(gen));
		list = gen;
	}
	if (sim_account_list_set(s, list, !s->o.accounts_any, err, errcap) < 0)
		return -1;
	if (s->nlist == 0) {
		snprintf(err, errcap, "--accounts: no account given");
		return -1;
	}
	return 0;
}

/* ---- what a gateway reports ---- */

struct acct_figures {
	double cash, stock_value, gross, unrealized, realized, netliq, init_margin, maint_margin;
};

static void
figures(const struct sim *s, const struct sim_account *a, struct acct_figures *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < a->npos; i++) {
		const struct sim_position *p = &a->pos[i];
		double px = s->instr[p->instr].last;
		f->stock_value += p->qty * px;
		f->gross += fabs(p->qty) * px;
		f->unrealized += p->qty * (px - p->avg_cost);
	}
	f->cash = a->cash;
	f->realized = a->realized;
	f->netliq = f->cash + f->stock_value;
	f->init_margin = 0.25 * f->gross;
	f->maint_margin = 0.25 * f->gross;
}

static void
value(struct sim_client *c, const char *acct, const char *key, const char *cur, double v)
{
	char b[40];

	snprintf(b, sizeof(b), "%.2f", v);
	sim_enc_acct_value(&c->out, key, b, cur, acct);
}

/* All account values, in the gateway's (alphabetical) order; BASE and USD where IB sends both. */
static void
send_values(struct sim *s, struct sim_client *c, int ai)
{
	const struct sim_account *a = &s->acct[ai];
	struct acct_figures f;

	figures(s, a, &f);
	sim_enc_acct_value(&c->out, "AccountCode", a->id, "", a->id);
	sim_enc_acct_value(&c->out, "AccountReady", "true", "", a->id);
	sim_enc_acct_value(&c->out, "AccountType", "INDIVIDUAL", "", a->id);
	value(c, a->id, "AvailableFunds", "USD", f.netliq - f.init_margin);
	value(c, a->id, "BuyingPower", "USD", 4 * (f.netliq - f.init_margin));
	value(c, a->id, "CashBalance", "BASE", f.cash);
	value(c, a->id, "CashBalance", "USD", f.cash);
	sim_enc_acct_value(&c->out, "Currency", "BASE", "BASE", a->id);
	sim_enc_acct_value(&c->out, "Currency", "USD", "USD", a->id);
	value(c, a->id, "EquityWithLoanValue", "USD", f.netliq);
	value(c, a->id, "ExcessLiquidity", "USD", f.netliq - f.maint_margin);
	sim_enc_acct_value(&c->out, "ExchangeRate", "1.00", "BASE", a->id);
	sim_enc_acct_value(&c->out, "ExchangeRate", "1.00", "USD", a->id);
	value(c, a->id, "GrossPositionValue", "USD", f.gross);
	value(c, a->id, "InitMarginReq", "USD", f.init_margin);
	value(c, a->id, "MaintMarginReq", "USD", f.maint_margin);
	value(c, a->id, "NetLiquidation", "USD", f.netliq);
	value(c, a->id, "NetLiquidationByCurrency", "BASE", f.netliq);
	value(c, a->id, "NetLiquidationByCurrency", "USD", f.netliq);
	value(c, a->id, "RealizedPnL", "BASE", f.realized);
	value(c, a->id, "RealizedPnL", "USD", f.realized);
	value(c, a->id, "StockMarketValue", "BASE", f.stock_value);
	value(c, a->id, "StockMarketValue", "USD", f.stock_value);
	value(c, a->id, "TotalCashBalance", "BASE", f.cash);
	value(c, a->id, "TotalCashBalance", "USD", f.cash);
	value(c, a->id, "TotalCashValue", "USD", f.cash);
	value(c, a->id, "UnrealizedPnL", "BASE", f.unrealized);
	value(c, a->id, "UnrealizedPnL", "USD", f.unrealized);
}

static void
send_portfolio(struct sim *s, struct sim_client *c, int ai, const struct sim_position *p)
{
	const struct sim_instr *in = &s->instr[p->instr];
	sim_k k;

	sim_md_contract(s, p->instr, "", &k);
	sim_enc_portfolio_value(&c->out, &k, p->qty, in->last, round(p->qty * in->last * 100) / 100, p->avg_cost,
				round(p->qty * (in->last - p->avg_cost) * 100) / 100, 0, s->acct[ai].id);
}

static void
send_update_time(struct sim_client *c)
{
	char hhmm[8];

	sim_utc_time(hhmm, sizeof(hhmm), "%H:%M");
	sim_enc_acct_update_time(&c->out, hhmm);
}

static void
send_download(struct sim *s, struct sim_client *c, int ai)
{
	const struct sim_account *a = &s->acct[ai];

	send_values(s, c, ai);
	for (int i = 0; i < a->npos; i++)
		send_portfolio(s, c, ai, &a->pos[i]);
	send_update_time(c);
	if (!s->o.no_download_end)
		sim_enc_acct_download_end(&c->out, a->id);
}

static void
send_position(struct sim *s, struct sim_client *c, int ai, const struct sim_position *p)
{
	sim_k k;

	sim_md_contract(s, p->instr, "", &k);
	sim_enc_position(&c->out, s->acct[ai].id, &k, p->qty, p->avg_cost);
}

static void
send_positions(struct sim *s, struct sim_client *c)
{
	for (int li = 0; li < s->nlist; li++) {
		int ai = s->list[li];
		for (int i = 0; i < s->acct[ai].npos; i++)
			send_position(s, c, ai, &s->acct[ai].pos[i]);
	}
	sim_enc_position_end(&c->out);
}

/* Is `tag` in the comma-separated `tags`?  "All" matches everything, as does an empty list. */
static bool
tag_wanted(const char *tags, const char *tag)
{
	size_t n = strlen(tag);

	if (!tags[0] || strcmp(tags, "All") == 0)
		return true;
	for (const char *p = tags; *p;) {
		size_t k = strcspn(p, ",");
		if (k == n && strncmp(p, tag, n) == 0)
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

static void
send_summary(struct sim *s, struct sim_client *c)
{
	for (int li = 0; li < s->nlist; li++) {
		int ai = s->list[li];
		const char *id = s->acct[ai].id;
		struct acct_figures f;
		char b[40];

		figures(s, &s->acct[ai], &f);
		const struct { const char *tag; double v; } tags[] = {
			{ "NetLiquidation", f.netliq },
			{ "TotalCashValue", f.cash },
			{ "GrossPositionValue", f.gross },
			{ "BuyingPower", 4 * (f.netliq - f.init_margin) },
			{ "AvailableFunds", f.netliq - f.init_margin },
			{ "ExcessLiquidity", f.netliq - f.maint_margin },
			{ "InitMarginReq", f.init_margin },
			{ "MaintMarginReq", f.maint_margin },
			{ "EquityWithLoanValue", f.netliq },
		};
		if (tag_wanted(c->summary_tags, "AccountType"))
			sim_enc_account_summary(&c->out, c->summary_req, id, "AccountType", "INDIVIDUAL", "");
		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
			if (!tag_wanted(c->summary_tags, tags[i].tag))
				continue;
			snprintf(b, sizeof(b), "%.2f", tags[i].v);
			sim_enc_account_summary(&c->out, c->summary_req, id, tags[i].tag, b, "USD");
		}
	}
	sim_enc_account_summary_end(&c->out, c->summary_req);
}

/* ---- requests and timers ---- */

void
sim_account_request(struct sim *s, struct sim_client *c, const ib_req *r)
{
	switch (r->id) {
	case IB_OUT_REQ_ACCT_DATA: {
		const char *want = r->u.acct_data.account;
		int ai = want[0] ? sim_account_find(s, want) : s->nlist ? s->list[0] : -1;
		char msg[96];
		if (!r->u.acct_data.subscribe) {
			c->acct = -1;
			c->acct_owed = false;
			break;
		}
		if (ai < 0 || !s->acct[ai].listed) {
			snprintf(msg, sizeof(msg), "Error validating request: account '%s' is not managed here", want);
			sim_send_error(s, c, -1, IB_ERR_VALIDATING_REQUEST, msg);
			break;
		}
		/* one account per subscription: a new one replaces the old, and is downloaded afresh */
		c->acct = ai;
		c->acct_owed = true;
		c->acct_due_ns = ib_now_mono_ns() + (int64_t)s->acct[ai].download_delay_ms * IB_NS_PER_MS;
		break;
	}
	case IB_OUT_REQ_POSITIONS:
		c->pos_owed = true;
		break;
	case IB_OUT_CANCEL_POSITIONS:
		c->pos_owed = c->pos_live = false;
		break;
	case IB_OUT_REQ_ACCOUNT_SUMMARY:
		c->summary_req = r->u.account_summary.req_id;
		ib_strlcpy(c->summary_tags, r->u.account_summary.tags, sizeof(c->summary_tags));
		break;
	case IB_OUT_CANCEL_ACCOUNT_SUMMARY:
		if (c->summary_req == r->u.cancel.req_id)
			c->summary_req = -1;
		break;
	}
}

int64_t
sim_account_next_deadline(const struct sim_client *c)
{
	int64_t t = INT64_MAX;

	if (c->state != SIM_CS_READY)
		return t;
	if (c->pos_owed || c->summary_req >= 0)
		t = c->data_at_ns;
	if (c->acct_owed) {
		int64_t a = c->acct_due_ns > c->data_at_ns ? c->acct_due_ns : c->data_at_ns;
		t = a < t ? a : t;
	}
	return t;
}

void
sim_account_timers(struct sim *s, struct sim_client *c, int64_t now)
{
	if (now < c->data_at_ns)
		return;
	if (c->acct_owed && c->acct >= 0 && now >= c->acct_due_ns) {
		send_download(s, c, c->acct);
		c->acct_owed = false; /* the subscription stays: fills are pushed from now on */
	}
	if (c->pos_owed) {
		send_positions(s, c);
		c->pos_owed = false;
		c->pos_live = true;
	}
	if (c->summary_req >= 0) {
		send_summary(s, c);
		c->summary_req = -1; /* a snapshot; IB would refresh every 3 minutes */
	}
}

/* ---- fills ---- */

static struct sim_position *
position_of(struct sim_account *a, int32_t instr)
{
	for (int i = 0; i < a->npos; i++)
		if (a->pos[i].instr == instr)
			return &a->pos[i];
	if (a->npos == SIM_MAX_POSITIONS)
		return NULL;
	a->pos[a->npos] = (struct sim_position){ instr, 0, 0 };
	return &a->pos[a->npos++];
}

void
sim_account_fill(struct sim *s, int ai, int32_t instr, double sq, double price, double commission, double *realized)
{
	struct sim_account *a = &s->acct[ai];
	struct sim_position *p = position_of(a, instr);
	double pnl = 0;
	bool closed_some = false;

	a->cash -= sq * price + commission;
	a->commissions += commission;
	if (p) {
		if (p->qty == 0 || (p->qty > 0) == (sq > 0)) {
			/* opening or adding: the average cost moves */
			p->avg_cost = (p->avg_cost * fabs(p->qty) + price * fabs(sq)) / (fabs(p->qty) + fabs(sq));
			p->qty += sq;
		} else {
			/* reducing (maybe through zero): realize what is closed */
			double closed = fmin(fabs(sq), fabs(p->qty));
			pnl = (price - p->avg_cost) * closed * (p->qty > 0 ? 1 : -1);
			closed_some = true;
			p->qty += sq;
			if (fabs(p->qty) < 1e-9)
				p->qty = 0;
			else if ((p->qty > 0) == (sq > 0))
				p->avg_cost = price; /* flipped: the rest opened at this price */
		}
		a->realized += pnl - commission;
	}
	/* IB reports realized P&L (net of commission) only for fills that close something */
	if (realized)
		*realized = closed_some ? pnl - commission : DBL_MAX;
	/* push what changed to whoever follows it */
	SIM_FOREACH_CLIENT(s, c) {
		if (c->state != SIM_CS_READY)
			continue;
		if (c->acct == ai && !c->acct_owed) {
			send_values(s, c, ai);
			if (p)
				send_portfolio(s, c, ai, p);
			send_update_time(c);
		}
		if (c->pos_live && !c->pos_owed && p)
			send_position(s, c, ai, p);
		sim_client_ok(s, c);
	}
}
