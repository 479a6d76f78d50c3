/*
 * sim_mktdata.c - instruments and the market data they make: the symbol
 * table, a random walk per instrument, reqMktData subscriptions and the
 * ticks sent to them at --tick-rate, contract details, and the dispatch to
 * other feeds (tick-by-tick and depth, sim_depth.c) through struct sim_feed:
 * their requests, and every walk step and trade, so their books follow the
 * same market.
 *
 * Invariants: an instrument's index never changes once loaded (feeds key
 * their own per-instrument state by it); bid < ask always, on a cent grid;
 * subscriptions live in one dense array, so a random one is picked in O(1)
 * and the rate applies across all clients.  A client that is blasting gets
 * no ordinary ticks (the blast is its load).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/str.h"
#include "util/clock.h"

#define TICK_PERIOD_MAX_NS 10000000LL /* ticks are generated at least every 10 ms */
#define TICK_PERIOD_MIN_NS IB_NS_PER_MS

static const struct {
	const char *symbol, *primary, *name, *industry;
	int32_t con_id; /* IB's conId for the names where we know it; synthetic otherwise */
	double price;
} builtin[] = {
	{ "AAPL", "NASDAQ", "APPLE INC", "Technology", 265598, 187.25 },
	{ "MSFT", "NASDAQ", "MICROSOFT CORP", "Technology", 272093, 415.50 },
	{ "NVDA", "NASDAQ", "NVIDIA CORP", "Technology", 4815747, 124.80 },
	{ "TSLA", "NASDAQ", "TESLA INC", "Consumer, Cyclical", 76792991, 248.10 },
	{ "AMZN", "NASDAQ", "AMAZON.COM INC", "Communications", 3691937, 186.40 },
	{ "GOOGL", "NASDAQ", "ALPHABET INC-CL A", "Communications", 208813719, 171.20 },
	{ "META", "NASDAQ", "META PLATFORMS INC-CLASS A", "Communications", 107113386, 505.30 },
	{ "AMD", "NASDAQ", "ADVANCED MICRO DEVICES", "Technology", 4391, 158.70 },
	{ "INTC", "NASDAQ", "INTEL CORP", "Technology", 270639, 31.20 },
	{ "NFLX", "NASDAQ", "NETFLIX INC", "Communications", 15124833, 648.90 },
	{ "ORCL", "NYSE", "ORACLE CORP", "Technology", 900000011, 141.60 },
	{ "IBM", "NYSE", "INTL BUSINESS MACHINES CORP", "Technology", 8314, 183.10 },
	{ "CSCO", "NASDAQ", "CISCO SYSTEMS INC", "Communications", 900000013, 47.90 },
	{ "QCOM", "NASDAQ", "QUALCOMM INC", "Technology", 900000014, 168.40 },
	{ "AVGO", "NASDAQ", "BROADCOM INC", "Technology", 900000015, 1450.00 },
	{ "ADBE", "NASDAQ", "ADOBE INC", "Technology", 900000016, 512.70 },
	{ "CRM", "NYSE", "SALESFORCE INC", "Technology", 900000017, 262.30 },
	{ "PYPL", "NASDAQ", "PAYPAL HOLDINGS INC", "Financial", 900000018, 63.40 },
	{ "UBER", "NYSE", "UBER TECHNOLOGIES INC", "Technology", 900000019, 71.80 },
	{ "SHOP", "NYSE", "SHOPIFY INC - CLASS A", "Communications", 900000020, 76.50 },
	{ "JPM", "NYSE", "JPMORGAN CHASE & CO", "Financial", 900000021, 199.60 },
	{ "BAC", "NYSE", "BANK OF AMERICA CORP", "Financial", 900000022, 38.90 },
	{ "XOM", "NYSE", "EXXON MOBIL CORP", "Energy", 900000023, 117.30 },
	{ "CVX", "NYSE", "CHEVRON CORP", "Energy", 900000024, 157.20 },
	{ "KO", "NYSE", "COCA-COLA CO/THE", "Consumer, Non-cyclical", 900000025, 62.40 },
	{ "PEP", "NASDAQ", "PEPSICO INC", "Consumer, Non-cyclical", 900000026, 171.90 },
	{ "WMT", "NYSE", "WALMART INC", "Consumer, Non-cyclical", 900000027, 67.80 },
	{ "DIS", "NYSE", "WALT DISNEY CO/THE", "Communications", 900000028, 101.20 },
	{ "SPY", "ARCA", "SPDR S&P 500 ETF TRUST", "Funds", 756733, 542.10 },
	{ "QQQ", "NASDAQ", "INVESCO QQQ TRUST SERIES 1", "Funds", 320227571, 468.30 },
};
#define NBUILTIN ((int)(sizeof(builtin) / sizeof(builtin[0])))

/* ---- the symbol table ---- */

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int32_t
sim_md_find(const struct sim *s, const char *symbol)
{
	for (uint32_t h = hash(symbol) & (SIM_INSTR_HASH - 1);; h = (h + 1) & (SIM_INSTR_HASH - 1)) {
		int32_t i = s->instr_hash[h];
		if (i == 0)
			return -1;
		if (strcmp(s->instr[i - 1].symbol, symbol) == 0)
			return i - 1;
	}
}

static double
cents(double v)
{
	return round(v * 100) / 100;
}

/* v on the grid of `tick` (0.01 for stocks: same as cents). */
static double
grid(double v, double tick)
{
	return tick == 0.01 ? cents(v) : round(v / tick) * tick;
}

static int
add_instr(struct sim *s, const char *sym, size_t n, char *err, size_t errcap)
{
	struct sim_instr *in;
	char name[24];
	int b;

	if (n == 0 || n >= sizeof(name)) {
		snprintf(err, errcap, "--symbols: '%.*s' is not a symbol (1..%zu characters)", (int)n, sym, sizeof(name) - 1);
		return -1;
	}
	memcpy(name, sym, n);
	name[n] = '\0';
	if (sim_md_find(s, name) >= 0)
		return 0;
	if (s->ninstr == SIM_MAX_INSTR) {
		snprintf(err, errcap, "--symbols: more than %d symbols", SIM_MAX_INSTR);
		return -1;
	}
	in = &s->instr[s->ninstr];
	memset(in, 0, sizeof(*in));
	ib_strlcpy(in->symbol, name, sizeof(in->symbol));
	for (b = 0; b < NBUILTIN && strcmp(builtin[b].symbol, name) != 0; b++)
		;
	if (b < NBUILTIN) {
		ib_strlcpy(in->primary, builtin[b].primary, sizeof(in->primary));
		in->long_name = builtin[b].name;
		in->industry = builtin[b].industry;
		in->con_id = builtin[b].con_id;
		in->last = builtin[b].price;
	} else {
		/* an unknown name gets a plausible made-up listing */
		ib_strlcpy(in->primary, "NASDAQ", sizeof(in->primary));
		in->long_name = "IBSIM SIMULATED INC";
		in->industry = "Technology";
		in->con_id = 800000000 + s->ninstr;
		in->last = cents(20 + (double)(hash(name) % 48000) / 100.0);
	}
	in->bid = cents(in->last - 0.01);
	in->ask = cents(in->last + 0.01);
	in->bid_size = 300;
	in->ask_size = 200;
	in->last_size = 100;
	in->volume = 1000000 + (double)(hash(name) % 9000000);
	in->open = in->high = in->low = in->close = in->last;
	in->tick = 0.01;
	for (uint32_t h = hash(name) & (SIM_INSTR_HASH - 1);; h = (h + 1) & (SIM_INSTR_HASH - 1))
		if (s->instr_hash[h] == 0) {
			s->instr_hash[h] = ++s->ninstr;
			break;
		}
	return 0;
}

int
sim_md_init(struct sim *s, const char *symbols, char *err, size_t errcap)
{
	s->instr = calloc(SIM_MAX_INSTR, sizeof(*s->instr));
	s->instr_hash = calloc(SIM_INSTR_HASH, sizeof(*s->instr_hash));
	s->subs = calloc(SIM_MAX_SUBS, sizeof(*s->subs));
	if (!s->instr || !s->instr_hash || !s->subs) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	if (!symbols) {
		for (int b = 0; b < NBUILTIN; b++)
			if (add_instr(s, builtin[b].symbol, strlen(builtin[b].symbol), err, errcap) != 0)
				return -1;
		return 0;
	}
	for (const char *p = symbols; *p;) {
		size_t n = strcspn(p, ",");
		if (add_instr(s, p, n, err, errcap) != 0)
			return -1;
		p += n + (p[n] == ',');
	}
	if (s->ninstr == 0) {
		snprintf(err, errcap, "--symbols: no symbol given");
		return -1;
	}
	return 0;
}

void
sim_md_contract(const struct sim *s, int32_t instr, const char *exchange, sim_k *k)
{
	const struct sim_instr *in = &s->instr[instr];
	const struct sim_contract *d = in->k;

	memset(k, 0, sizeof(*k));
	if (d) {
		/* a contract of sim_contracts.c: it trades where it is listed */
		k->con_id = d->con_id;
		k->symbol = d->symbol;
		k->sec_type = d->sec_type;
		k->exchange = d->exchange;
		k->primary = d->primary;
		k->currency = d->currency;
		k->local_symbol = d->local_symbol;
		k->trading_class = d->trading_class;
		k->last_trade_date = d->expiry[0] ? d->expiry : NULL;
		k->strike = d->strike;
		k->right = d->right[0] ? d->right : NULL;
		k->multiplier = d->multiplier[0] ? d->multiplier : NULL;
		if (strcmp(d->sec_type, "STK") == 0 && exchange && exchange[0])
			k->exchange = exchange;
		return;
	}
	k->con_id = in->con_id;
	k->symbol = in->symbol;
	k->sec_type = "STK";
	k->exchange = exchange && exchange[0] ? exchange : in->primary;
	k->primary = in->primary;
	k->currency = "USD";
	k->local_symbol = in->symbol;
	k->trading_class = "NMS";
}

/*
 * The instrument a request's contract names: a US stock by symbol, else by
 * conId; anything else (FUT, CASH, OPT, IND, a stock of sim_contracts.c)
 * only when it names exactly one contract.
 */
int32_t
sim_md_lookup(const struct sim *s, const ib_contract *k)
{
	int32_t i = -1;

	if ((!k->sec_type[0] || strcmp(k->sec_type, "STK") == 0) && (!k->currency[0] || strcmp(k->currency, "USD") == 0)) {
		if (k->symbol[0])
			i = sim_md_find(s, k->symbol);
		for (int j = 0; i < 0 && !k->symbol[0] && k->con_id > 0 && j < s->ninstr; j++)
			if (s->instr[j].con_id == k->con_id)
				i = j;
	}
	return i >= 0 ? i : sim_contracts_lookup(s, k);
}

/* ---- the random walk ---- */

void
sim_md_walk(struct sim *s, int32_t instr)
{
	struct sim_instr *in = &s->instr[instr];
	double tick = in->tick > 0 ? in->tick : 0.01;
	double mid = (in->bid + in->ask) / 2;
	double step = (sim_rand(s) - 0.5) * 2 * fmax(tick, mid * 0.0003);
	double half = tick * (1 + (int)(sim_rand(s) * 2));

	if (in->pinned)
		return; /* a test drives this price (control `price`) */
	mid = fmax(100 * tick, mid + step);
	in->bid = grid(mid - half, tick);
	in->ask = grid(in->bid + 2 * half, tick);
	in->bid_size = 100 * (1 + (int)(sim_rand(s) * 20));
	in->ask_size = 100 * (1 + (int)(sim_rand(s) * 20));
	if (in->bid > in->high)
		in->high = in->bid;
	if (in->ask < in->low)
		in->low = in->ask;
}

static void
trade(struct sim *s, struct sim_instr *in)
{
	in->last = sim_rand(s) < 0.5 ? in->bid : in->ask;
	in->last_size = 100 * (1 + (int)(sim_rand(s) * 5));
	in->volume += in->last_size;
	if (in->last > in->high)
		in->high = in->last;
	if (in->last < in->low)
		in->low = in->last;
}

/* ---- ticks ---- */

/* Delayed data (reqMarketDataType 3 or 4) uses its own tick ids. */
static int32_t
tick_id(const struct sim_client *c, int32_t t)
{
	if (c->md_type < 3)
		return t;
	switch (t) {
	case IB_TICK_BID: return IB_TICK_DELAYED_BID;
	case IB_TICK_ASK: return IB_TICK_DELAYED_ASK;
	case IB_TICK_LAST: return IB_TICK_DELAYED_LAST;
	case IB_TICK_BID_SIZE: return IB_TICK_DELAYED_BID_SIZE;
	case IB_TICK_ASK_SIZE: return IB_TICK_DELAYED_ASK_SIZE;
	case IB_TICK_LAST_SIZE: return IB_TICK_DELAYED_LAST_SIZE;
	case IB_TICK_VOLUME: return IB_TICK_DELAYED_VOLUME;
	case IB_TICK_HIGH: return 72;
	case IB_TICK_LOW: return 73;
	case IB_TICK_CLOSE: return 75;
	case IB_TICK_OPEN: return 76;
	case IB_TICK_LAST_TIMESTAMP: return 88;
	}
	return t;
}

static void
last_timestamp(struct sim_client *c, int32_t req)
{
	char ts[24];

	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	sim_enc_tick_string(&c->out, req, tick_id(c, IB_TICK_LAST_TIMESTAMP), ts);
}

/* IDEALPRO FX has bid and ask but no last, no volume (IB sends none for CASH). */
static bool
quotes_only(const struct sim_instr *in)
{
	return in->k && strcmp(in->k->sec_type, "CASH") == 0;
}

/* What a gateway sends first on a new line: the whole current picture. */
static void
send_snapshot(const struct sim *s, struct sim_client *c, int32_t req, const struct sim_instr *in)
{
	sim_enc_tick_req_params(&c->out, req, 0.01, "9c0001", 3);
	if (c->md_type_set)
		sim_enc_market_data_type(&c->out, req, c->md_type);
	sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_BID), in->bid, in->bid_size, 1);
	sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_ASK), in->ask, in->ask_size, 1);
	if (!quotes_only(in)) {
		sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_LAST), in->last, in->last_size, 0);
		sim_enc_tick_size(&c->out, req, tick_id(c, IB_TICK_VOLUME), in->volume);
	}
	sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_HIGH), in->high, 0, 0);
	sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_LOW), in->low, 0, 0);
	sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_CLOSE), in->close, 0, 0);
	sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_OPEN), in->open, 0, 0);
	last_timestamp(c, req);
	if (sim_opt_is_option(in))
		sim_opt_send(s, c, req, in);
}

static void feeds_on_move(struct sim *s, int32_t instr, int64_t now, bool traded);

enum { EV_QUOTE, EV_SIZE, EV_TRADE };

/* One event on one subscription; returns the messages it took. */
static int
send_event(const struct sim *s, struct sim_client *c, int32_t req, const struct sim_instr *in, int ev, int which)
{
	switch (ev) {
	case EV_QUOTE:
		sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_BID), in->bid, in->bid_size, 1);
		sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_ASK), in->ask, in->ask_size, 1);
		/* an option's quote comes with IB's computations from its underlying */
		return 2 + (sim_opt_is_option(in) ? sim_opt_send(s, c, req, in) : 0);
	case EV_SIZE: {
		static const int32_t sizes[] = { IB_TICK_BID_SIZE, IB_TICK_ASK_SIZE, IB_TICK_LAST_SIZE };
		const double v[] = { in->bid_size, in->ask_size, in->last_size };
		int w = quotes_only(in) ? which % 2 : which; /* no last size where nothing trades */
		sim_enc_tick_size(&c->out, req, tick_id(c, sizes[w]), v[w]);
		return 1;
	}
	default:
		if (quotes_only(in)) { /* FX does not trade on IDEALPRO: a quote instead */
			sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_BID), in->bid, in->bid_size, 1);
			sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_ASK), in->ask, in->ask_size, 1);
			return 2;
		}
		sim_enc_tick_price(&c->out, req, tick_id(c, IB_TICK_LAST), in->last, in->last_size, 0);
		sim_enc_tick_size(&c->out, req, tick_id(c, IB_TICK_VOLUME), in->volume);
		last_timestamp(c, req);
		return 3;
	}
}

static bool
gets_ticks(const struct sim_client *c)
{
	return c && !c->dead && c->state == SIM_CS_READY && !c->blast && c->blast_pending == 0;
}

static int64_t
tick_period(const struct sim *s)
{
	int64_t p = s->o.tick_rate > 0 ? (int64_t)(IB_NS_PER_S / s->o.tick_rate) : TICK_PERIOD_MAX_NS;

	return p < TICK_PERIOD_MIN_NS ? TICK_PERIOD_MIN_NS : p > TICK_PERIOD_MAX_NS ? TICK_PERIOD_MAX_NS : p;
}

/*
 * Some client with reqMktData subscriptions gets ticks.  While none does
 * (each is blasting or about to), the feed sets no deadline: a tickPrice
 * blast is driven by its socket alone.  Clients, not subscriptions, are
 * scanned: at most SIM_MAX_CLIENTS.
 */
static bool
ticking(const struct sim *s)
{
	for (int i = 0; i < SIM_MAX_CLIENTS; i++)
		if (s->clients[i] && s->clients[i]->nsubs > 0 && gets_ticks(s->clients[i]))
			return true;
	return false;
}

int64_t
sim_md_next_deadline(const struct sim *s)
{
	if (s->o.tick_rate <= 0 || !ticking(s))
		return INT64_MAX;
	return s->tick_last_ns + tick_period(s);
}

void
sim_md_step(struct sim *s, int64_t now)
{
	int tries = 0;

	if (s->o.tick_rate <= 0 || !ticking(s)) {
		/* no credit for the time nobody could be sent a tick: no burst when a blast ends */
		s->tick_last_ns = now;
		s->tick_credit = 0;
		return;
	}
	if (now < s->tick_last_ns + tick_period(s))
		return;
	s->tick_credit += s->o.tick_rate * ib_ns_to_s(now - s->tick_last_ns);
	/* after a stall or a busy spell, do not make up for lost time in one burst */
	if (s->tick_credit > s->o.tick_rate * 0.05 + 4)
		s->tick_credit = s->o.tick_rate * 0.05 + 4;
	s->tick_last_ns = now;
	while (s->tick_credit >= 1 && s->nsubs > 0 && tries < 64) {
		const struct sim_sub *pick = &s->subs[(int)(sim_rand(s) * s->nsubs)];
		struct sim_instr *in = &s->instr[pick->instr];
		double r = sim_rand(s);
		int ev = r < 0.5 ? EV_QUOTE : r < 0.7 ? EV_SIZE : EV_TRADE, which = (int)(sim_rand(s) * 3), sent = 0;

		if (!gets_ticks(s->clients[pick->slot])) {
			tries++;
			continue;
		}
		tries = 0;
		sim_md_walk(s, pick->instr);
		if (ev == EV_TRADE)
			trade(s, in);
		/* everyone on this instrument sees the same move */
		for (int i = 0; i < s->nsubs; i++) {
			struct sim_client *c = s->clients[s->subs[i].slot];
			if (s->subs[i].instr != pick->instr || !gets_ticks(c))
				continue;
			sent += send_event(s, c, s->subs[i].req_id, in, ev, which);
			if (in->nsubs == 1)
				break;
		}
		s->tick_credit -= sent > 0 ? sent : 1;
		feeds_on_move(s, pick->instr, now, ev == EV_TRADE);
	}
}

/* ---- other feeds: tick-by-tick and depth ---- */

/* The feeds besides reqMktData (sim_depth.c). */
static const struct sim_feed *const feeds[] = { &sim_feed_tbt, &sim_feed_depth, &sim_feed_rtbars, &sim_feed_history,
					       &sim_feed_pnl, &sim_feed_pnl_single };
#define NFEEDS ((int)(sizeof(feeds) / sizeof(feeds[0])))

static void
feeds_on_move(struct sim *s, int32_t instr, int64_t now, bool traded)
{
	for (int f = 0; f < NFEEDS; f++)
		if (feeds[f]->on_move)
			feeds[f]->on_move(s, instr, now);
	for (int f = 0; traded && f < NFEEDS; f++)
		if (feeds[f]->on_trade)
			feeds[f]->on_trade(s, instr, now);
}

static bool
feeds_request(struct sim *s, struct sim_client *c, const ib_req *r)
{
	for (int f = 0; f < NFEEDS; f++) {
		if (r->id == feeds[f]->start_id && feeds[f]->start) {
			feeds[f]->start(s, c, r);
			return true;
		}
		if (r->id == feeds[f]->cancel_id) {
			if (feeds[f]->cancel)
				feeds[f]->cancel(s, c, r);
			return true;
		}
	}
	return false;
}

/* ---- subscriptions ---- */

static int
find_sub(const struct sim *s, const struct sim_client *c, int32_t req_id)
{
	for (int i = 0; i < s->nsubs; i++)
		if (s->subs[i].slot == c->slot && s->subs[i].req_id == req_id)
			return i;
	return -1;
}

static void
remove_sub(struct sim *s, int i)
{
	struct sim_client *c = s->clients[s->subs[i].slot];

	s->instr[s->subs[i].instr].nsubs--;
	if (c)
		c->nsubs--;
	s->subs[i] = s->subs[--s->nsubs];
}

void
sim_md_client_gone(struct sim *s, struct sim_client *c)
{
	for (int i = 0; i < s->nsubs;)
		if (s->subs[i].slot == c->slot)
			remove_sub(s, i);
		else
			i++;
	for (int f = 0; f < NFEEDS; f++)
		if (feeds[f]->client_gone)
			feeds[f]->client_gone(s, c);
}

static void
mkt_data(struct sim *s, struct sim_client *c, const ib_req *r)
{
	int32_t req = r->u.mkt_data.req_id, instr = sim_md_lookup(s, &r->u.mkt_data.contract);

	if (instr < 0) {
		sim_send_error(s, c, req, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		return;
	}
	if (r->u.mkt_data.snapshot || r->u.mkt_data.regulatory_snapshot) {
		send_snapshot(s, c, req, &s->instr[instr]);
		sim_enc_tick_snapshot_end(&c->out, req);
		return;
	}
	if (find_sub(s, c, req) >= 0) {
		sim_send_error(s, c, req, IB_ERR_PROCESSING_REQUEST, "Error processing request:-'bW' : cause - Duplicate ticker id");
		return;
	}
	if (s->nsubs == SIM_MAX_SUBS) {
		sim_send_error(s, c, req, IB_ERR_MAX_TICKERS, "Max number of tickers has been reached");
		return;
	}
	s->subs[s->nsubs++] = (struct sim_sub){ (int16_t)c->slot, req, instr };
	s->instr[instr].nsubs++;
	c->nsubs++;
	send_snapshot(s, c, req, &s->instr[instr]);
	if (s->o.blast > 0 && !c->blast_done) {
		/* blast once the subscriptions have settled: each new one pushes the start back */
		c->blast_pending = s->o.blast;
		c->blast_arm_ns = ib_now_mono_ns() + SIM_BLAST_SETTLE_NS;
	}
}

void
sim_md_request(struct sim *s, struct sim_client *c, const ib_req *r)
{
	int i;

	switch (r->id) {
	case IB_OUT_REQ_MKT_DATA:
		mkt_data(s, c, r);
		break;
	case IB_OUT_CANCEL_MKT_DATA:
		if ((i = find_sub(s, c, r->u.cancel.req_id)) >= 0)
			remove_sub(s, i);
		break;
	case IB_OUT_REQ_MARKET_DATA_TYPE:
		c->md_type = r->u.market_data_type.type;
		c->md_type_set = true;
		sim_enc_market_data_type(&c->out, -1, c->md_type);
		break;
	case IB_OUT_REQ_CONTRACT_DATA:
		sim_contracts_details(s, c, r);
		break;
	default:
		if (!feeds_request(s, c, r))
			ib_log(IB_LL_INFO, "ibsim", "client %d: request %d is not simulated; ignored", c->client_id, r->id);
		break;
	}
}
