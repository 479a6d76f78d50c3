/*
 * sim_contracts.c - what ibsim trades beside US stocks, and reqContractDetails
 * for everything: futures with several expiries (ES, NQ quarterly; CL
 * monthly), FX pairs on IDEALPRO, a small SPY option chain, two indices,
 * and one deliberately ambiguous stock (AMBIG, listed twice in USD), so a
 * client's resolver meets every case it must handle: one answer, several
 * expiries to pick the front month from, several listings to refuse, and
 * error 200.
 *
 * Each contract is also an instrument (s->instr, after the stocks, not in
 * the symbol hash), so the walk, market data, bars and P&L treat it like any
 * other.  Expiries are computed from today's date at start (third Fridays),
 * so the catalogue never goes stale.  Runs on ibsim's one thread.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/clock.h"
#include "util/expiry.h"
#include "util/str.h"

#define FUT_ORDER_TYPES                                                                                              \
	"ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,BENCHPX,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,"   \
	"GTC,GTD,GTT,HID,ICE,IOC,LIT,LMT,LTH,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,PEGBENCH,SCALE,SCALERST,SNAPMID,SNAPMKT,"  \
	"SNAPREL,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF"
#define CASH_ORDER_TYPES                                                                                             \
	"ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASHQTY,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,FOK,"  \
	"GAT,GTC,GTD,GTT,HID,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,RELPCTOFS,SCALE,SCALERST,STP,STPLMT,TRAIL,TRAILLIT,"  \
	"TRAILLMT,TRAILMIT,WHATIF"
#define OPT_ORDER_TYPES                                                                                              \
	"ACTIVETIM,AD,ADJUST,ALERT,ALLOC,AVGCOST,BASKET,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,DIS,GAT,GTC,GTD,"   \
	"GTT,HID,IOC,LIT,LMT,MIT,MKT,MTL,NGCOMB,NONALGO,OCA,OPG,PEGBENCH,SCALE,SCALERST,SNAPMID,SNAPMKT,SNAPREL,STP,"  \
	"STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,VOLAT,WHATIF"

/* ---- dates ---- */

static void
ymd_of(time_t t, int *y, int *m, int *d)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	*y = tm.tm_year + 1900;
	*m = tm.tm_mon + 1;
	*d = tm.tm_mday;
}

static const char month_code[] = "FGHJKMNQUVXZ";

/* ---- the catalogue ---- */

static struct sim_contract *
add(struct sim *s, const char *sec_type, const char *symbol, const char *exchange, const char *currency,
    int32_t con_id, double price, double min_tick)
{
	struct sim_contract *d;

	if (s->ncontracts == SIM_MAX_CONTRACTS)
		return NULL;
	d = &s->contracts[s->ncontracts++];
	memset(d, 0, sizeof(*d));
	ib_strlcpy(d->sec_type, sec_type, sizeof(d->sec_type));
	ib_strlcpy(d->symbol, symbol, sizeof(d->symbol));
	ib_strlcpy(d->exchange, exchange, sizeof(d->exchange));
	ib_strlcpy(d->currency, currency, sizeof(d->currency));
	ib_strlcpy(d->local_symbol, symbol, sizeof(d->local_symbol));
	ib_strlcpy(d->trading_class, symbol, sizeof(d->trading_class));
	d->con_id = con_id;
	d->price = price;
	d->min_tick = min_tick;
	d->time_zone = "US/Eastern";
	d->order_types = FUT_ORDER_TYPES;
	d->strike = 0;
	return d;
}

static void
add_futures(struct sim *s, const char *symbol, const char *exchange, const char *name, int32_t con_id0,
	    int32_t under, int n, int step, double price, double tick, const char *mult)
{
	for (int i = 0; i < n; i++) {
		struct sim_contract *d = add(s, "FUT", symbol, exchange, "USD", con_id0 + i, price + i * 10 * tick, tick);
		int m;

		if (!d)
			return;
		ib_expiry_nth(time(NULL), i, step, d->expiry, sizeof(d->expiry), d->month, sizeof(d->month));
		m = (d->month[4] - '0') * 10 + (d->month[5] - '0');
		snprintf(d->local_symbol, sizeof(d->local_symbol), "%s%c%c", symbol, month_code[m - 1], d->month[3]);
		ib_strlcpy(d->multiplier, mult, sizeof(d->multiplier));
		d->long_name = name;
		d->under_con_id = under;
		d->under_symbol = symbol;
		d->under_sec_type = "IND";
		d->time_zone = "US/Central";
		d->exchanges = strcmp(exchange, "CME") == 0 ? "CME,QBALGO" : exchange;
	}
}

static void
add_fx(struct sim *s, const char *base, const char *quote, int32_t con_id, double price, double tick, const char *name)
{
	struct sim_contract *d = add(s, "CASH", base, "IDEALPRO", quote, con_id, price, tick);

	if (!d)
		return;
	snprintf(d->local_symbol, sizeof(d->local_symbol), "%s.%s", base, quote);
	ib_strlcpy(d->trading_class, d->local_symbol, sizeof(d->trading_class));
	d->long_name = name;
	d->order_types = CASH_ORDER_TYPES;
	d->exchanges = "IDEALPRO";
}

static void
add_options(struct sim *s, double under_price)
{
	static const double strikes[] = { 530, 540, 550 };
	char ymd[12], ym[8];

	ib_expiry_nth(time(NULL), 1, 1, ymd, sizeof(ymd), ym, sizeof(ym));
	for (size_t i = 0; i < sizeof(strikes) / sizeof(strikes[0]); i++)
		for (int r = 0; r < 2; r++) {
			double intrinsic = r == 0 ? under_price - strikes[i] : strikes[i] - under_price;
			struct sim_contract *d = add(s, "OPT", "SPY", "SMART", "USD", 710000000 + (int32_t)i * 2 + r,
						     round((fmax(0, intrinsic) + 3.5) * 100) / 100, 0.01);
			if (!d)
				return;
			ib_strlcpy(d->expiry, ymd, sizeof(d->expiry));
			ib_strlcpy(d->month, ym, sizeof(d->month));
			d->strike = strikes[i];
			d->right[0] = r == 0 ? 'C' : 'P';
			ib_strlcpy(d->multiplier, "100", sizeof(d->multiplier));
			/* OCC: root padded to 6, yymmdd, right, strike x 1000 in 8 digits */
			snprintf(d->local_symbol, sizeof(d->local_symbol), "SPY   %s%c%08d", ymd + 2, d->right[0],
				 (int)(strikes[i] * 1000));
			d->long_name = "SPDR S&P 500 ETF TRUST";
			d->under_con_id = 756733;
			d->under_symbol = "SPY";
			d->under_sec_type = "STK";
			d->order_types = OPT_ORDER_TYPES;
			d->exchanges = "SMART,AMEX,CBOE,PHLX,PSE,ISE,BOX,BATS,NASDAQOM,CBOE2,NASDAQBX,MIAX,GEMINI,EDGX";
		}
}

int
sim_contracts_init(struct sim *s)
{
	struct sim_contract *d;
	int32_t spy = sim_md_find(s, "SPY");

	s->nstocks = s->ninstr;
	s->contracts = calloc(SIM_MAX_CONTRACTS, sizeof(*s->contracts));
	if (!s->contracts)
		return -1;
	/* one symbol, two listings in USD: a spec naming it by symbol alone is ambiguous */
	for (int i = 0; i < 2; i++) {
		d = add(s, "STK", "AMBIG", "SMART", "USD", 700000001 + i, 25.0 + i, 0.01);
		ib_strlcpy(d->primary, i == 0 ? "NYSE" : "ARCA", sizeof(d->primary));
		ib_strlcpy(d->trading_class, i == 0 ? "AMBIG" : "AMBIG.W", sizeof(d->trading_class));
		d->long_name = i == 0 ? "IBSIM AMBIGUOUS ORDINARY" : "IBSIM AMBIGUOUS WHEN-ISSUED";
		d->order_types = NULL; /* a stock's */
	}
	add_futures(s, "ES", "CME", "E-mini S&P 500", 495512551, 11004968, 3, 3, 5450.25, 0.25, "50");
	add_futures(s, "NQ", "CME", "E-mini NASDAQ 100", 563947733, 11004958, 2, 3, 19500.5, 0.25, "20");
	add_futures(s, "CL", "NYMEX", "Light Sweet Crude Oil", 212921504, 17340715, 3, 1, 72.45, 0.01, "1000");
	add_fx(s, "EUR", "USD", 12087792, 1.0855, 0.00005, "European Monetary Union Euro");
	add_fx(s, "GBP", "USD", 12087797, 1.2705, 0.00005, "British pound");
	add_fx(s, "USD", "JPY", 15016059, 151.25, 0.005, "US dollar");
	add_options(s, spy >= 0 ? s->instr[spy].last : 542.10);
	d = add(s, "IND", "SPX", "CBOE", "USD", 416904, 5420.55, 0.01);
	d->long_name = "S&P 500 Stock Index";
	d = add(s, "IND", "NDX", "NASDAQ", "USD", 416843, 19480.25, 0.01);
	d->long_name = "NASDAQ 100 Stock Index";
	for (int i = 0; i < s->ncontracts; i++) {
		struct sim_instr *in;

		d = &s->contracts[i];
		if (!d->primary[0])
			ib_strlcpy(d->primary, strcmp(d->exchange, "SMART") == 0 ? "" : d->exchange, sizeof(d->primary));
		if (s->ninstr == SIM_MAX_INSTR)
			return -1;
		d->instr = s->ninstr;
		in = &s->instr[s->ninstr++];
		memset(in, 0, sizeof(*in));
		ib_strlcpy(in->symbol, d->local_symbol, sizeof(in->symbol));
		ib_strlcpy(in->primary, d->primary[0] ? d->primary : d->exchange, sizeof(in->primary));
		in->long_name = d->long_name;
		in->industry = "";
		in->con_id = d->con_id;
		in->tick = d->min_tick;
		in->k = d;
		in->last = d->price;
		in->bid = round((d->price - d->min_tick) * 1e10) / 1e10;
		in->ask = round((d->price + d->min_tick) * 1e10) / 1e10;
		in->bid_size = in->ask_size = 10;
		in->last_size = 1;
		in->volume = 100000;
		in->open = in->high = in->low = in->close = d->price;
	}
	return 0;
}

/* ---- matching ---- */

static bool
str_is(const char *want, const char *have)
{
	return !want[0] || strcmp(want, have) == 0;
}

/* A request's contract against one of ours: every field the request sets must agree. */
static bool
matches(const struct sim_contract *d, const ib_contract *q)
{
	size_t n = strnlen(q->last_trade_date, sizeof(q->last_trade_date));

	if (q->con_id > 0)
		return d->con_id == q->con_id;
	if (!q->symbol[0] || strcmp(q->symbol, d->symbol) != 0 || !str_is(q->sec_type, d->sec_type))
		return false;
	if (q->exchange[0] && strcmp(q->exchange, d->exchange) != 0 && strcmp(q->exchange, d->primary) != 0)
		return false;
	if (!str_is(q->primary_exchange, d->primary) || !str_is(q->currency, d->currency))
		return false;
	if (n && strncmp(d->expiry, q->last_trade_date, n) != 0)
		return false;
	if (q->strike != 0 && q->strike != IB_UNSET_DOUBLE && fabs(q->strike - d->strike) > 1e-9)
		return false;
	if (q->right[0] && q->right[0] != '?' && q->right[0] != d->right[0])
		return false;
	if (q->multiplier[0] && strtod(q->multiplier, NULL) != strtod(d->multiplier, NULL))
		return false;
	return str_is(q->local_symbol, d->local_symbol) && str_is(q->trading_class, d->trading_class);
}

int32_t
sim_contracts_lookup(const struct sim *s, const ib_contract *k)
{
	int32_t found = -1;
	int n = 0;

	for (int i = 0; i < s->ncontracts; i++)
		if (matches(&s->contracts[i], k)) {
			found = s->contracts[i].instr;
			n++;
		}
	return n == 1 ? found : -1;
}

/* The mid, on a 1e-8 grid: the mid of two prices on a tick grid, without binary noise (1.0855, not 1.0855000000000001). */
double
sim_instr_mark(const struct sim_instr *in)
{
	return round((in->bid + in->ask) / 2 * 1e8) / 1e8;
}

double
sim_instr_multiplier(const struct sim_instr *in)
{
	double m = in->k && in->k->multiplier[0] ? strtod(in->k->multiplier, NULL) : 1;

	return m > 0 ? m : 1;
}

/* ---- reqContractDetails ---- */

static uint32_t
fnv(const char *p)
{
	uint32_t h = 2166136261u;

	while (*p)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	return h;
}

/* "20260105:1700-20260106:1600;..." for today and tomorrow, open..close in the contract's zone. */
static void
hours(char *out, size_t cap, const char *open, const char *close, bool overnight)
{
	char d0[12], d1[12], d2[12];
	time_t t = time(NULL);
	int y, m, d;

	ymd_of(t, &y, &m, &d);
	snprintf(d0, sizeof(d0), "%04d%02d%02d", y, m, d);
	ymd_of(t + 86400, &y, &m, &d);
	snprintf(d1, sizeof(d1), "%04d%02d%02d", y, m, d);
	ymd_of(t + (time_t)2 * 86400, &y, &m, &d);
	snprintf(d2, sizeof(d2), "%04d%02d%02d", y, m, d);
	if (overnight)
		snprintf(out, cap, "%s:%s-%s:%s;%s:%s-%s:%s", d0, open, d1, close, d1, open, d2, close);
	else
		snprintf(out, cap, "%s:%s-%s:%s;%s:%s-%s:%s", d0, open, d0, close, d1, open, d1, close);
}

static void
send_one(struct sim *s, struct sim_client *c, int32_t req, int32_t instr)
{
	const struct sim_instr *in = &s->instr[instr];
	const struct sim_contract *d = in->k;
	char isin[16], th[96], lh[96];
	sim_enc_details e;
	sim_k k;

	sim_md_contract(s, instr, "SMART", &k);
	snprintf(isin, sizeof(isin), "US%09d0", (int)(fnv(k.local_symbol) % 1000000000u));
	e = (sim_enc_details){ .market_name = "NMS", .long_name = in->long_name, .industry = in->industry,
			       .category = in->industry, .subcategory = in->industry, .isin = isin, .min_tick = 0.01 };
	if (d && strcmp(d->sec_type, "STK") != 0) {
		bool fx = strcmp(d->sec_type, "CASH") == 0, fut = strcmp(d->sec_type, "FUT") == 0;
		hours(th, sizeof(th), fx ? "1715" : fut ? "1700" : "0930", fx ? "1700" : "1600", fx || fut);
		hours(lh, sizeof(lh), fx ? "1715" : "0930", fx ? "1700" : "1600", fx);
		e.market_name = d->trading_class;
		e.industry = e.category = e.subcategory = "";
		e.min_tick = d->min_tick;
		e.under_con_id = d->under_con_id;
		e.contract_month = d->month;
		e.time_zone = d->time_zone;
		e.trading_hours = th;
		e.liquid_hours = lh;
		e.under_symbol = d->under_symbol;
		e.under_sec_type = d->under_sec_type;
		e.real_expiration = d->expiry;
		e.stock_type = "";
		e.order_types = d->order_types;
		e.valid_exchanges = d->exchanges ? d->exchanges : d->exchange;
		e.min_size = e.size_increment = e.suggested_size_increment = "1";
	} else if (d) {
		e.long_name = d->long_name;
		e.industry = e.category = e.subcategory = "Financial";
	}
	sim_enc_contract_data(&c->out, req, &k, &e);
}

/* Requests held by --contract-delay-ms: the client is named by slot and connection time, so an
   answer never goes to a later connection in the same slot. */
#define SIM_MAX_HELD 256
struct sim_held_details {
	int slot;
	int64_t connected_ns, due_ns;
	ib_req req;
};

static void answer(struct sim *s, struct sim_client *c, const ib_req *r);

void
sim_contracts_details(struct sim *s, struct sim_client *c, const ib_req *r)
{
	struct sim_held_details *h;

	if (s->o.contract_delay_ms <= 0) {
		answer(s, c, r);
		return;
	}
	if (s->held == NULL && (s->held = calloc(SIM_MAX_HELD, sizeof(*s->held))) == NULL) {
		answer(s, c, r);
		return;
	}
	if (s->nheld == SIM_MAX_HELD) {
		ib_log(IB_LL_WARN, "ibsim", "client %d: more than %d contract details requests held: answered now",
		       c->client_id, SIM_MAX_HELD);
		answer(s, c, r);
		return;
	}
	h = &s->held[s->nheld++];
	h->slot = c->slot;
	h->connected_ns = c->connected_ns;
	h->due_ns = ib_now_mono_ns() + (int64_t)s->o.contract_delay_ms * IB_NS_PER_MS;
	h->req = *r;
}

void
sim_contracts_step(struct sim *s, int64_t now)
{
	int kept = 0;

	for (int i = 0; i < s->nheld; i++) {
		struct sim_held_details *h = &s->held[i];
		struct sim_client *c = s->clients[h->slot];
		if (now < h->due_ns) {
			s->held[kept++] = *h;
			continue;
		}
		if (c && !c->dead && c->connected_ns == h->connected_ns)
			answer(s, c, &h->req); /* else the client left: nobody to answer */
	}
	s->nheld = kept;
}

int
sim_contracts_set_delay(struct sim *s, int ms)
{
	int64_t due = ib_now_mono_ns() + (int64_t)ms * IB_NS_PER_MS;

	s->o.contract_delay_ms = ms;
	for (int i = 0; i < s->nheld; i++)
		s->held[i].due_ns = due;
	return s->nheld;
}

int64_t
sim_contracts_next_deadline(const struct sim *s)
{
	int64_t t = INT64_MAX;

	for (int i = 0; i < s->nheld; i++)
		if (s->held[i].due_ns < t)
			t = s->held[i].due_ns;
	return t;
}

static void
answer(struct sim *s, struct sim_client *c, const ib_req *r)
{
	const ib_contract *q = &r->u.contract_data.contract;
	int32_t req = r->u.contract_data.req_id, stock = -1;
	int n = 0;

	/* a US stock of the symbol table, as before */
	if ((!q->sec_type[0] || strcmp(q->sec_type, "STK") == 0) && (!q->currency[0] || strcmp(q->currency, "USD") == 0)) {
		if (q->symbol[0])
			stock = sim_md_find(s, q->symbol);
		for (int j = 0; stock < 0 && !q->symbol[0] && q->con_id > 0 && j < s->nstocks; j++)
			if (s->instr[j].con_id == q->con_id)
				stock = j;
	}
	if (stock >= 0) {
		send_one(s, c, req, stock);
		n++;
	}
	for (int i = 0; i < s->ncontracts; i++)
		if (matches(&s->contracts[i], q)) {
			send_one(s, c, req, s->contracts[i].instr);
			n++;
		}
	if (n == 0) {
		sim_send_error(s, c, req, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		return;
	}
	ib_log(IB_LL_DEBUG, "ibsim", "client %d: contract details %d: %d contract(s)", c->client_id, req, n);
	sim_enc_contract_data_end(&c->out, req);
}
