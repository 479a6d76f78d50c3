/*
 * test_sim_contracts.c - ibsim beyond US stocks, as a process over loopback
 * (simclient, which checks every frame's field count): contract details for
 * FUT (several expiries), CASH, OPT (a chain), IND and the ambiguous AMBIG,
 * error 200; real-time bars from the walk; historical bars for a range and
 * keepUpToDate; the historical pacing rules answered with error 162; P&L
 * and pnlSingle equal to ibsim's own numbers (control `pnl`).  Requests are
 * built from contract specs (codec/contract_spec.h), as ibpipe will.
 *
 * simclient's functions come from test_sim.c's unit (it compiles
 * simclient.c in); each test starts its own ibsim on ephemeral ports.
 */
#include <CUnit/CUnit.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "codec/contract_spec.h"
#include "codec/encode.h"
#include "simclient.h"
#include "testutil.h"
#include "util/str.h"

#define WAIT_MS 10000 /* a deadline for what must come, not a speed requirement */

/* Stop ibsim, which must exit cleanly. */
static void
down(struct tu_sim *p)
{
	if (p->pid > 0)
		CU_ASSERT(tu_exited_ok(tu_sim_stop(p)));
}

static void
strict_ok(const simclient *c)
{
	CU_ASSERT_EQUAL(c->strict_violations, 0);
	if (c->strict_violations)
		fprintf(stderr, "\n    strict: %d frames off, last: %s\n", c->strict_violations, c->last_violation);
}

/* A request for a spec's contract. */
static int
spec(const char *text, ib_contract *k)
{
	char err[160];
	int rc = ib_spec_parse(text, strlen(text), k, err, sizeof(err));

	if (rc != IB_OK)
		fprintf(stderr, "\n    %s\n", err);
	return rc;
}

static int
req_details(simclient *c, int32_t req_id, const char *text)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_CONTRACT_DATA;
	r.u.contract_data.req_id = req_id;
	if (spec(text, &r.u.contract_data.contract) != IB_OK)
		return -1;
	return sc_send(c, &r);
}

/* Read a request's contractData up to its end; copies of what the checks need.  Count, or -1. */
struct got {
	int32_t con_id;
	char expiry[24], month[12], multiplier[12], sec_type[8], local[32], right[4];
	double min_tick, strike;
	bool hours;
};

static int
read_details(simclient *c, int32_t req_id, struct got *g, int max)
{
	int n = 0;

	for (;;) {
		if (sc_next(c, WAIT_MS) != IB_OK)
			return -1;
		if (c->id == IB_IN_CONTRACT_DATA_END && c->msg.u.req_end.req_id == req_id)
			return n;
		if (c->id == IB_IN_ERROR && c->msg.u.error.req_id == req_id)
			return -(int)c->msg.u.error.code;
		if (c->id != IB_IN_CONTRACT_DATA || c->decode_rc != IB_OK || c->msg.u.contract_data.req_id != req_id)
			continue;
		if (n < max) {
			const ib_contract_data *d = &c->msg.u.contract_data;
			struct got *x = &g[n];
			x->con_id = d->contract.con_id;
			ib_str_copy(x->expiry, sizeof(x->expiry), d->contract.last_trade_date);
			ib_str_copy(x->month, sizeof(x->month), d->contract_month);
			ib_str_copy(x->multiplier, sizeof(x->multiplier), d->contract.multiplier);
			ib_str_copy(x->sec_type, sizeof(x->sec_type), d->contract.sec_type);
			ib_str_copy(x->local, sizeof(x->local), d->contract.local_symbol);
			ib_str_copy(x->right, sizeof(x->right), d->contract.right);
			x->min_tick = d->min_tick;
			x->strike = d->contract.strike;
			x->hours = d->trading_hours.len > 20 && d->time_zone_id.len > 0;
		}
		n++;
	}
}

static void
test_contract_details_every_sectype(void)
{
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	struct got g[8];
	int n;

	TU_REQUIRE(tu_sim_start(&p, NULL) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);

	/* futures: several expiries, nearest first, one month each */
	TU_REQUIRE(req_details(&c, 1, "FUT:ES@CME") == 0);
	n = read_details(&c, 1, g, 8);
	CU_ASSERT_EQUAL(n, 3);
	for (int i = 0; i < n && i < 8; i++) {
		CU_ASSERT_STRING_EQUAL(g[i].sec_type, "FUT");
		CU_ASSERT_STRING_EQUAL(g[i].multiplier, "50");
		CU_ASSERT_EQUAL(g[i].min_tick, 0.25);
		CU_ASSERT_EQUAL(strlen(g[i].expiry), 8);
		CU_ASSERT_EQUAL(strncmp(g[i].expiry, g[i].month, 6), 0);
		CU_ASSERT_TRUE(g[i].hours);
		if (i > 0)
			CU_ASSERT_TRUE(strcmp(g[i - 1].expiry, g[i].expiry) < 0);
	}
	/* one of them by its month */
	if (n == 3) {
		char one[40];
		struct got h[2];
		snprintf(one, sizeof(one), "FUT:ES@CME:%s", g[1].month);
		TU_REQUIRE(req_details(&c, 2, one) == 0);
		CU_ASSERT_EQUAL(read_details(&c, 2, h, 2), 1);
		CU_ASSERT_EQUAL(h[0].con_id, g[1].con_id);
	}
	/* FX: the pair, on IDEALPRO, with its own tick */
	TU_REQUIRE(req_details(&c, 3, "CASH:EUR.USD@IDEALPRO") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 3, g, 8), 1);
	CU_ASSERT_EQUAL(g[0].con_id, 12087792);
	CU_ASSERT_STRING_EQUAL(g[0].local, "EUR.USD");
	CU_ASSERT_EQUAL(g[0].min_tick, 0.00005);
	/* options: one of the chain, and the call and put of a strike */
	{
		ib_req r;
		memset(&r, 0, sizeof(r));
		r.id = IB_OUT_REQ_CONTRACT_DATA;
		r.u.contract_data.req_id = 5;
		TU_REQUIRE(spec("OPT:SPY@SMART:20990101:540:C", &r.u.contract_data.contract) == IB_OK);
		r.u.contract_data.contract.last_trade_date[0] = '\0'; /* the whole chain at 540 C */
		TU_REQUIRE(sc_send(&c, &r) == 0);
		CU_ASSERT_EQUAL(read_details(&c, 5, g, 8), 1);
		CU_ASSERT_STRING_EQUAL(g[0].right, "C");
		CU_ASSERT_EQUAL(g[0].strike, 540);
		CU_ASSERT_STRING_EQUAL(g[0].multiplier, "100");
		r.u.contract_data.req_id = 6;
		r.u.contract_data.contract.right[0] = '\0';
		TU_REQUIRE(sc_send(&c, &r) == 0);
		CU_ASSERT_EQUAL(read_details(&c, 6, g, 8), 2);
		r.u.contract_data.req_id = 7;
		r.u.contract_data.contract.strike = 0;
		TU_REQUIRE(sc_send(&c, &r) == 0);
		CU_ASSERT_EQUAL(read_details(&c, 7, g, 8), 6); /* the small chain */
	}
	/* an index */
	TU_REQUIRE(req_details(&c, 8, "IND:SPX@CBOE") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 8, g, 8), 1);
	CU_ASSERT_EQUAL(g[0].con_id, 416904);
	/* the ambiguous stock: two listings */
	TU_REQUIRE(req_details(&c, 9, "AMBIG") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 9, g, 8), 2);
	CU_ASSERT_NOT_EQUAL(g[0].con_id, g[1].con_id);
	/* by conId: a stock and a future */
	TU_REQUIRE(req_details(&c, 10, "conid:265598") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 10, g, 8), 1);
	CU_ASSERT_STRING_EQUAL(g[0].sec_type, "STK");
	TU_REQUIRE(req_details(&c, 11, "conid:495512552") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 11, g, 8), 1);
	CU_ASSERT_STRING_EQUAL(g[0].sec_type, "FUT");
	/* unknown: error 200 on the request's id */
	TU_REQUIRE(req_details(&c, 12, "FUT:ZZ@CME") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 12, g, 8), -IB_ERR_NO_SECURITY);
	TU_REQUIRE(req_details(&c, 13, "CASH:EUR.CHF") == 0);
	CU_ASSERT_EQUAL(read_details(&c, 13, g, 8), -IB_ERR_NO_SECURITY);
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

static int
req_rt_bars(simclient *c, int32_t req_id, const char *text, const char *what, int size)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_REAL_TIME_BARS;
	r.u.realtime_bars.req_id = req_id;
	r.u.realtime_bars.bar_size = size;
	ib_strlcpy(r.u.realtime_bars.what_to_show, what, sizeof(r.u.realtime_bars.what_to_show));
	if (spec(text, &r.u.realtime_bars.contract) != IB_OK)
		return -1;
	return sc_send(c, &r);
}

static int
cancel(simclient *c, int32_t id, int32_t req_id)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.u.cancel.req_id = req_id;
	return sc_send(c, &r);
}

/*
 * After this, nothing the server sends was generated before the requests
 * sent so far were handled (it answers in order): a cancel is in effect.
 */
static int
fence(simclient *c)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_CURRENT_TIME;
	if (sc_send(c, &r) != 0)
		return -1;
	return sc_wait(c, IB_IN_CURRENT_TIME, WAIT_MS);
}

/* Skip to the next message of this id and request: IB_OK or what sc_next said. */
static int
wait_req(simclient *c, int32_t id, int32_t req_id)
{
	for (;;) {
		int rc = sc_next(c, WAIT_MS);
		if (rc != IB_OK)
			return rc;
		if (c->id == id && c->decode_rc == IB_OK) {
			int32_t got = id == IB_IN_REAL_TIME_BAR	       ? c->msg.u.realtime_bar.req_id
				      : id == IB_IN_HISTORICAL_DATA_UPDATE ? c->msg.u.historical_update.req_id
				      : id == IB_IN_HISTORICAL_DATA	       ? c->msg.u.historical_data.req_id
				      : id == IB_IN_PNL		       ? c->msg.u.pnl.req_id
				      : id == IB_IN_PNL_SINGLE	       ? c->msg.u.pnl_single.req_id
				      : id == IB_IN_ERROR		       ? c->msg.u.error.req_id
									       : -1;
			if (got == req_id)
				return IB_OK;
		}
	}
}

static void
test_realtime_bars(void)
{
	static const char *const opts[] = { "--rtbar-ms", "100", "--tick-rate", "0", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	int64_t t0 = 0;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	TU_REQUIRE(req_rt_bars(&c, 21, "CASH:EUR.USD@IDEALPRO", "MIDPOINT", 5) == 0);
	TU_REQUIRE(req_rt_bars(&c, 22, "FUT:ES@CME:local=ESZZ", "TRADES", 5) == 0); /* no such local symbol */
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 22) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, IB_ERR_NO_SECURITY);
	TU_REQUIRE(req_rt_bars(&c, 23, "AAPL", "TRADES", 10) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 23) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, 321);
	TU_REQUIRE(req_rt_bars(&c, 24, "AAPL", "TRADES", 5) == 0);
	for (int i = 0; i < 3; i++) {
		const ib_bar *b;
		TU_REQUIRE(wait_req(&c, IB_IN_REAL_TIME_BAR, 21) == IB_OK);
		b = &c.msg.u.realtime_bar.bar;
		CU_ASSERT_TRUE(b->low <= b->open && b->open <= b->high && b->low <= b->close && b->close <= b->high);
		CU_ASSERT_TRUE(b->open > 1.0 && b->open < 1.2); /* EUR.USD from 1.0855 */
		CU_ASSERT_EQUAL(b->volume, -1);                 /* MIDPOINT bars have no volume */
		CU_ASSERT_EQUAL(b->count, -1);
		CU_ASSERT_TRUE(c.msg.u.realtime_bar.time >= t0);
		t0 = c.msg.u.realtime_bar.time;
		TU_REQUIRE(wait_req(&c, IB_IN_REAL_TIME_BAR, 24) == IB_OK);
		CU_ASSERT_TRUE(c.msg.u.realtime_bar.bar.volume > 0 && c.msg.u.realtime_bar.bar.count == 5);
	}
	/* cancelled: the other one goes on, this one stops (three more bars of the other, none of it) */
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_REAL_TIME_BARS, 21) == 0);
	TU_REQUIRE(fence(&c) == IB_OK);
	for (int i = 0; i < 3; i++) {
		TU_REQUIRE(sc_wait(&c, IB_IN_REAL_TIME_BAR, WAIT_MS) == IB_OK);
		CU_ASSERT_EQUAL(c.msg.u.realtime_bar.req_id, 24);
	}
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

static void
hist_req(ib_req *r, int32_t req_id, const char *end, const char *bar, const char *dur, const char *what, int fmt,
	 bool keep)
{
	memset(r, 0, sizeof(*r));
	r->id = IB_OUT_REQ_HISTORICAL_DATA;
	r->u.historical_data.req_id = req_id;
	ib_strlcpy(r->u.historical_data.end_date_time, end, sizeof(r->u.historical_data.end_date_time));
	ib_strlcpy(r->u.historical_data.bar_size, bar, sizeof(r->u.historical_data.bar_size));
	ib_strlcpy(r->u.historical_data.duration, dur, sizeof(r->u.historical_data.duration));
	ib_strlcpy(r->u.historical_data.what_to_show, what, sizeof(r->u.historical_data.what_to_show));
	r->u.historical_data.format_date = fmt;
	r->u.historical_data.keep_up_to_date = keep;
}

static void
test_historical_bars(void)
{
	static const char *const opts[] = { "--rtbar-ms", "100", "--tick-rate", "0", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	ib_bar_iter it;
	ib_bar b;
	ib_req r;
	int n = 0;
	double prev = 0;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	/* a range: 30 one-minute bars ending at a given time, in order, consistent */
	hist_req(&r, 31, "20260105 16:00:00 US/Eastern", "1 min", "1800 S", "TRADES", 1, false);
	TU_REQUIRE(spec("AAPL", &r.u.historical_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_HISTORICAL_DATA, 31) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.historical_data.count, 30);
	CU_ASSERT_TRUE(ib_str_eq(c.msg.u.historical_data.start, "20260105  15:30:00"));
	CU_ASSERT_TRUE(ib_str_eq(c.msg.u.historical_data.end, "20260105  16:00:00"));
	ib_bars_begin(&c.msg.u.historical_data, &it);
	while (ib_bars_next(&it, &b)) {
		char want[24];
		snprintf(want, sizeof(want), "20260105 15:%02d:00", 30 + n);
		CU_ASSERT_TRUE(ib_str_eq(b.time, want));
		CU_ASSERT_TRUE(b.low <= fmin(b.open, b.close) && b.high >= fmax(b.open, b.close));
		CU_ASSERT_TRUE(b.volume > 0 && b.count > 0 && b.wap >= b.low && b.wap <= b.high);
		if (n > 0)
			CU_ASSERT_EQUAL(b.open, prev); /* each bar opens where the last closed */
		prev = b.close;
		n++;
	}
	CU_ASSERT_EQUAL(n, 30);
	/* a future's daily MIDPOINT bars, epoch dates */
	hist_req(&r, 32, "", "1 day", "5 D", "MIDPOINT", 2, false);
	TU_REQUIRE(spec("FUT:NQ@CME", &r.u.historical_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0); /* two NQ expiries: ambiguous, refused like an unknown one */
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 32) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, IB_ERR_NO_SECURITY);
	hist_req(&r, 33, "", "1 day", "5 D", "MIDPOINT", 2, false);
	TU_REQUIRE(spec("CASH:EUR.USD", &r.u.historical_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_HISTORICAL_DATA, 33) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.historical_data.count, 5);
	ib_bars_begin(&c.msg.u.historical_data, &it);
	while (ib_bars_next(&it, &b)) {
		int64_t t;
		CU_ASSERT_EQUAL(ib_parse_i64(b.time.p, b.time.len, &t), IB_OK);
		CU_ASSERT_EQUAL(t % 86400, 0);
		CU_ASSERT_EQUAL(b.volume, -1);
	}
	/* keepUpToDate: the history, then updates of the bar in progress; cancel stops them */
	hist_req(&r, 34, "", "1 min", "300 S", "TRADES", 1, true);
	TU_REQUIRE(spec("IND:SPX@CBOE", &r.u.historical_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_HISTORICAL_DATA, 34) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.historical_data.count, 5);
	for (int i = 0; i < 2; i++) {
		TU_REQUIRE(wait_req(&c, IB_IN_HISTORICAL_DATA_UPDATE, 34) == IB_OK);
		CU_ASSERT_EQUAL(c.msg.u.historical_update.bar.count, -1);
		CU_ASSERT_TRUE(c.msg.u.historical_update.bar.close > 5000);
		CU_ASSERT_EQUAL(c.msg.u.historical_update.bar.time.len, 17);
	}
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_HISTORICAL_DATA, 34) == 0);
	/* refusals: keepUpToDate with an end, a bar size IB does not have, too many bars */
	hist_req(&r, 35, "20260105 16:00:00", "1 min", "300 S", "TRADES", 1, true);
	TU_REQUIRE(spec("AAPL", &r.u.historical_data.contract) == IB_OK);
	{
		/* the encoder refuses this one itself; send what another client might */
		ib_enc e;
		char buf[512];
		ib_enc_init(&e, buf, sizeof(buf), c.sv, false);
		r.u.historical_data.keep_up_to_date = false;
		TU_REQUIRE(ib_enc_req(&e, &r) == IB_OK);
		/* keepUpToDate is the frame's second-to-last field: flip it to 1 */
		TU_REQUIRE(buf[e.len - 3] == '0');
		buf[e.len - 3] = '1';
		TU_REQUIRE(sc_send_raw(&c, buf, e.len) == 0);
	}
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 35) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, 321);
	hist_req(&r, 36, "", "7 mins", "300 S", "TRADES", 1, false);
	TU_REQUIRE(spec("AAPL", &r.u.historical_data.contract) == IB_OK);
	ib_strlcpy(r.u.historical_data.bar_size, "1 fortnight", sizeof(r.u.historical_data.bar_size));
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 36) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, 321);
	hist_req(&r, 37, "", "1 secs", "1 D", "TRADES", 1, false);
	TU_REQUIRE(spec("MSFT", &r.u.historical_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 37) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, IB_ERR_HIST_PACING);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.field[4], "86400 bars"));
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

/* Send one historical request for `text`, duration d seconds; 0 served, else the error code. */
static int
hist_once(simclient *c, int32_t req_id, const char *text, int d)
{
	char dur[16];
	ib_req r;

	snprintf(dur, sizeof(dur), "%d S", d);
	hist_req(&r, req_id, "", "1 min", dur, "TRADES", 1, false);
	if (spec(text, &r.u.historical_data.contract) != IB_OK || sc_send(c, &r) != 0)
		return -1;
	for (;;) {
		if (sc_next(c, WAIT_MS) != IB_OK)
			return -1;
		if (c->id == IB_IN_HISTORICAL_DATA && c->msg.u.historical_data.req_id == req_id)
			return 0;
		if (c->id == IB_IN_ERROR && c->msg.u.error.req_id == req_id)
			return c->msg.u.error.code;
	}
}

/* Real windows times 10 (2 s -> 20 s ...): the rules are met however slow this machine is today. */
static void
test_historical_pacing(void)
{
	static const char *const opts[] = { "--hist-pacing-scale", "10", NULL };
	static const char *const stocks[] = { "AAPL", "MSFT", "NVDA", "TSLA", "AMZN", "GOOGL", "META", "AMD",
					      "INTC", "NFLX", "ORCL", "IBM", "CSCO", "QCOM", "AVGO", "ADBE",
					      "CRM", "PYPL", "UBER", "SHOP", "JPM", "BAC", "XOM", "CVX",
					      "KO", "PEP", "WMT", "DIS", "SPY", "QQQ" };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 }, c2 = { .fd = -1 };
	int served = 0, rc;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	TU_REQUIRE(sc_connect(&c2, p.port, 2) == 0);
	/* identical within 15 s */
	CU_ASSERT_EQUAL(hist_once(&c, 100, "AAPL", 600), 0);
	CU_ASSERT_EQUAL(hist_once(&c, 101, "AAPL", 600), IB_ERR_HIST_PACING);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.field[4], "identical"));
	/* five for one contract in 2 s are fine, the sixth is not */
	for (int i = 1; i < 5; i++)
		CU_ASSERT_EQUAL(hist_once(&c, 101 + i, "AAPL", 600 + 60 * i), 0);
	CU_ASSERT_EQUAL(hist_once(&c, 110, "AAPL", 1200), IB_ERR_HIST_PACING);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.field[4], "six or more"));
	/* another client has its own count */
	CU_ASSERT_EQUAL(hist_once(&c2, 110, "AAPL", 1200), 0);
	/* sixty in ten minutes, the sixty-first refused: 5 served so far, 55 more over the other stocks */
	served = 5;
	for (int i = 0; served < 60; i++) {
		rc = hist_once(&c, 200 + i, stocks[1 + i % 29], 60 * (1 + i / 29));
		CU_ASSERT_EQUAL(rc, 0);
		if (rc != 0)
			break;
		served++;
	}
	CU_ASSERT_EQUAL(served, 60);
	CU_ASSERT_EQUAL(hist_once(&c, 300, "IND:SPX@CBOE", 60), IB_ERR_HIST_PACING);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.field[4], "60 requests within 10 minutes"));
	strict_ok(&c);
	strict_ok(&c2);
out:
	sc_close(&c);
	sc_close(&c2);
	down(&p);
}

/* Pacing windows shrink with --hist-pacing-scale: an identical request is served again once the window passed. */
static void
test_historical_pacing_scale(void)
{
	static const char *const opts[] = { "--hist-pacing-scale", "0.002", NULL }; /* 15 s -> 30 ms */
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	int rc = IB_ERR_HIST_PACING;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	CU_ASSERT_EQUAL(hist_once(&c, 1, "AAPL", 600), 0);
	/* identical again until served: refused while inside 30 ms, then served (bounded by WAIT_MS overall) */
	for (int i = 2; i < 10000 && rc == IB_ERR_HIST_PACING; i++)
		rc = hist_once(&c, i, "AAPL", 600);
	CU_ASSERT_EQUAL(rc, 0);
out:
	sc_close(&c);
	down(&p);
}

/* A number after "key": in the control reply. */
static double
json_num(const char *from, const char *key)
{
	char k[64];
	const char *q;

	snprintf(k, sizeof(k), "\"%s\":", key);
	q = from ? strstr(from, k) : NULL;
	return q ? atof(q + strlen(k)) : NAN;
}

static void
test_pnl_matches_ibsim(void)
{
	static const char *const opts[] = { "--tick-rate", "0", "--pnl-ms", "50", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	char out[2048], cmd[64], *aapl;
	ib_req r;
	ib_contract es;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	/* buy two of the front ES future: a position with a multiplier */
	TU_REQUIRE(spec("FUT:ES@CME", &es) == IB_OK);
	{
		ib_req q;
		struct got g[4];
		memset(&q, 0, sizeof(q));
		memset(g, 0, sizeof(g));
		q.id = IB_OUT_REQ_CONTRACT_DATA;
		q.u.contract_data.req_id = 40;
		q.u.contract_data.contract = es;
		TU_REQUIRE(sc_send(&c, &q) == 0);
		TU_REQUIRE(read_details(&c, 40, g, 4) == 3);
		memset(&es, 0, sizeof(es));
		es.con_id = g[0].con_id;
		ib_strlcpy(es.exchange, "CME", sizeof(es.exchange));
	}
	sc_req_order(&r, c.next_valid_id, "BUY", 2, "MKT", IB_UNSET_DOUBLE);
	r.u.place_order.contract = es;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	for (;;) {
		TU_REQUIRE(sc_wait(&c, IB_IN_ORDER_STATUS, WAIT_MS) == IB_OK);
		if (ib_str_eq(c.msg.u.order_status.status, "Filled"))
			break;
	}
	/* account P&L and the two positions' (AAPL from the start, ES just bought) */
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_PNL;
	r.u.pnl.req_id = 41;
	ib_strlcpy(r.u.pnl.account, "DU111111", sizeof(r.u.pnl.account));
	TU_REQUIRE(sc_send(&c, &r) == 0);
	r.id = IB_OUT_REQ_PNL_SINGLE;
	r.u.pnl.req_id = 42;
	r.u.pnl.con_id = 265598;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	r.u.pnl.req_id = 43;
	r.u.pnl.con_id = es.con_id;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	r.u.pnl.req_id = 44;
	ib_strlcpy(r.u.pnl.account, "DU999999", sizeof(r.u.pnl.account));
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_ERROR, 44) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.code, 321);
	/* with no ticks the marks stand still: what the client gets is what ibsim holds */
	TU_REQUIRE(tu_control(p.ctl, "pnl DU111111", out, sizeof(out)) == 0);
	TU_REQUIRE(strncmp(out, "ok pnl {", 8) == 0);
	TU_REQUIRE(wait_req(&c, IB_IN_PNL, 41) == IB_OK);
	CU_ASSERT_DOUBLE_EQUAL(c.msg.u.pnl.daily, json_num(out, "daily"), 0.005);
	CU_ASSERT_DOUBLE_EQUAL(c.msg.u.pnl.unrealized, json_num(out, "unrealized"), 0.005);
	CU_ASSERT_DOUBLE_EQUAL(c.msg.u.pnl.realized, json_num(out, "realized"), 0.005);
	CU_ASSERT_TRUE(c.msg.u.pnl.realized < 0); /* the future's commission */
	snprintf(cmd, sizeof(cmd), "\"conId\":%d", 265598);
	aapl = strstr(out, cmd);
	TU_REQUIRE(aapl != NULL);
	TU_REQUIRE(wait_req(&c, IB_IN_PNL_SINGLE, 42) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.pnl_single.position, json_num(aapl, "pos"));
	CU_ASSERT_DOUBLE_EQUAL(c.msg.u.pnl_single.unrealized, json_num(aapl, "unrealized"), 0.005);
	CU_ASSERT_DOUBLE_EQUAL(c.msg.u.pnl_single.value, json_num(aapl, "value"), 0.005);
	CU_ASSERT_TRUE(c.msg.u.pnl_single.unrealized > 0); /* bought at 95% of the price */
	CU_ASSERT_EQUAL(c.msg.u.pnl_single.realized, IB_UNSET_DOUBLE); /* not tracked per position: unset, as IB says it */
	snprintf(cmd, sizeof(cmd), "\"conId\":%d", es.con_id);
	aapl = strstr(out, cmd);
	TU_REQUIRE(aapl != NULL);
	TU_REQUIRE(wait_req(&c, IB_IN_PNL_SINGLE, 43) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.pnl_single.position, 2);
	CU_ASSERT_DOUBLE_EQUAL(c.msg.u.pnl_single.value, json_num(aapl, "value"), 0.005);
	CU_ASSERT_TRUE(c.msg.u.pnl_single.value > 2 * 50 * 5000); /* two contracts of 50 x ~5450 */
	/* updates keep coming until cancelled */
	TU_REQUIRE(wait_req(&c, IB_IN_PNL, 41) == IB_OK);
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_PNL, 41) == 0);
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_PNL_SINGLE, 42) == 0);
	TU_REQUIRE(fence(&c) == IB_OK);
	for (int i = 0; i < 3; i++) {
		TU_REQUIRE(sc_next(&c, WAIT_MS) == IB_OK);
		CU_ASSERT(c.id != IB_IN_PNL && !(c.id == IB_IN_PNL_SINGLE && c.msg.u.pnl_single.req_id != 43));
	}
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

/* FX quotes: bid and ask, never a last or a volume; delayed ids when delayed data is asked for. */
static void
test_fx_market_data(void)
{
	static const char *const opts[] = { "--tick-rate", "2000", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	int bids = 0, asks = 0, lasts = 0, delayed = 0;
	ib_req r;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_MKT_DATA;
	r.u.mkt_data.req_id = 81;
	TU_REQUIRE(spec("CASH:EUR.USD@IDEALPRO", &r.u.mkt_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0);
	while (bids + asks < 60) {
		TU_REQUIRE(sc_next(&c, WAIT_MS) == IB_OK);
		if (c.id == IB_IN_TICK_PRICE && c.msg.u.tick_price.req_id == 81) {
			int t = c.msg.u.tick_price.tick_type;
			bids += t == IB_TICK_BID;
			asks += t == IB_TICK_ASK;
			lasts += t == IB_TICK_LAST;
			if (t == IB_TICK_BID || t == IB_TICK_ASK)
				CU_ASSERT(c.msg.u.tick_price.price > 1.0 && c.msg.u.tick_price.price < 1.2);
		}
		if (c.id == IB_IN_TICK_SIZE && c.msg.u.tick_size.req_id == 81)
			lasts += c.msg.u.tick_size.tick_type == IB_TICK_LAST_SIZE ||
				 c.msg.u.tick_size.tick_type == IB_TICK_VOLUME;
	}
	CU_ASSERT_EQUAL(lasts, 0);
	CU_ASSERT(bids > 0 && asks > 0);
	/* delayed: the delayed bid/ask ids (66, 67), still no last (68) */
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_MKT_DATA, 81) == 0);
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_MARKET_DATA_TYPE;
	r.u.market_data_type.type = 3;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_MKT_DATA;
	r.u.mkt_data.req_id = 82;
	TU_REQUIRE(spec("CASH:GBP.USD", &r.u.mkt_data.contract) == IB_OK);
	TU_REQUIRE(sc_send(&c, &r) == 0);
	while (delayed < 40) {
		TU_REQUIRE(sc_next(&c, WAIT_MS) == IB_OK);
		if (c.id == IB_IN_TICK_PRICE && c.msg.u.tick_price.req_id == 82) {
			int t = c.msg.u.tick_price.tick_type;
			delayed += t == IB_TICK_DELAYED_BID || t == IB_TICK_DELAYED_ASK;
			CU_ASSERT(t != IB_TICK_BID && t != IB_TICK_ASK && t != IB_TICK_DELAYED_LAST);
		}
	}
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

/* An option line: IB's computations (bid 10, ask 11, model 13) from SPY's walk; 80, 81, 83 delayed. */
static void
opt_line(simclient *c, int32_t req, const char *text)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_MKT_DATA;
	r.u.mkt_data.req_id = req;
	TU_REQUIRE(spec(text, &r.u.mkt_data.contract) == IB_OK);
	r.u.mkt_data.contract.last_trade_date[0] = '\0'; /* the chain's one expiry */
	TU_REQUIRE(sc_send(c, &r) == 0);
out:
	return;
}

static void
test_option_market_data(void)
{
	static const char *const opts[] = { "--tick-rate", "2000", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	int model = 0, bid = 0, ask = 0, puts = 0, delayed = 0;
	double model_iv = 0, bid_iv = 0, ask_iv = 0;
	ib_req r;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	opt_line(&c, 91, "OPT:SPY@SMART:20990101:540:C");
	opt_line(&c, 92, "OPT:SPY@SMART:20990101:540:P");
	while (model < 5 || bid == 0 || ask == 0 || puts == 0) {
		TU_REQUIRE(sc_next(&c, WAIT_MS) == IB_OK);
		if (c.id != IB_IN_TICK_OPTION_COMPUTATION)
			continue;
		const ib_tick_option *o = &c.msg.u.tick_option;
		CU_ASSERT_EQUAL_FATAL(c.decode_rc, IB_OK);
		CU_ASSERT(o->und_price > 400 && o->und_price < 700); /* SPY's walk, near 542 */
		CU_ASSERT(o->gamma > 0 && o->vega > 0 && o->theta < 0 && o->opt_price > 0);
		CU_ASSERT_EQUAL(o->pv_dividend, 0);
		if (o->req_id == 92) {
			CU_ASSERT(o->delta > -1 && o->delta < 0);
			puts++;
			continue;
		}
		CU_ASSERT(o->delta > 0 && o->delta < 1);
		CU_ASSERT(o->opt_price >= o->und_price - 540 - 1e-9); /* a call is worth its intrinsic value */
		if (o->tick_type == 13)
			model++, model_iv = o->implied_vol;
		else if (o->tick_type == 10)
			bid++, bid_iv = o->implied_vol;
		else if (o->tick_type == 11)
			ask++, ask_iv = o->implied_vol;
		else
			CU_FAIL("a live line sent a tick type other than 10, 11, 13");
	}
	CU_ASSERT(model_iv > 0.15 && model_iv < 0.5);
	CU_ASSERT(bid_iv < ask_iv);
	/* delayed data: the delayed ids */
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_MKT_DATA, 91) == 0);
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_MKT_DATA, 92) == 0);
	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_MARKET_DATA_TYPE;
	r.u.market_data_type.type = 3;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	opt_line(&c, 93, "OPT:SPY@SMART:20990101:550:C");
	while (delayed < 3) {
		TU_REQUIRE(sc_next(&c, WAIT_MS) == IB_OK);
		if (c.id == IB_IN_TICK_OPTION_COMPUTATION && c.msg.u.tick_option.req_id == 93) {
			int t = c.msg.u.tick_option.tick_type;
			CU_ASSERT(t == 80 || t == 81 || t == 83);
			delayed++;
		}
	}
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

/* ---- order types ---- */

static void
order(ib_req *r, int32_t id, const char *action, double qty, const char *type, double lmt, double aux, const char *tif)
{
	sc_req_order(r, id, action, qty, type, IB_UNSET_DOUBLE);
	r->u.place_order.order.lmt_price = lmt;
	r->u.place_order.order.aux_price = aux;
	ib_strlcpy(r->u.place_order.order.tif, tif, sizeof(r->u.place_order.order.tif));
}

/* The status of order `id` as its orderStatus frames go, until it is `want` (IB_OK) or ends otherwise. */
static int
until_status(simclient *c, int32_t id, const char *want, double *filled)
{
	for (;;) {
		int rc = sc_next(c, WAIT_MS);
		const ib_order_status *st = &c->msg.u.order_status;
		if (rc != IB_OK)
			return rc;
		if (c->id != IB_IN_ORDER_STATUS || st->order_id != id)
			continue;
		if (filled)
			*filled = st->filled;
		if (ib_str_eq(st->status, want))
			return IB_OK;
		if (ib_str_eq(st->status, "Filled") || ib_str_eq(st->status, "Cancelled"))
			return IB_EINVAL; /* ended some other way */
	}
}

/* AAPL's quote now (reqMktData, then cancelled so the walk runs for resting orders). */
static int
quote(simclient *c, double *bid, double *ask)
{
	ib_req r;

	*bid = *ask = 0;
	sc_req_mkt_data(&r, 77, "AAPL");
	if (sc_send(c, &r) != 0)
		return -1;
	while (*bid == 0 || *ask == 0) {
		if (sc_wait(c, IB_IN_TICK_PRICE, WAIT_MS) != IB_OK)
			return -1;
		if (c->msg.u.tick_price.tick_type == IB_TICK_BID)
			*bid = c->msg.u.tick_price.price;
		if (c->msg.u.tick_price.tick_type == IB_TICK_ASK)
			*ask = c->msg.u.tick_price.price;
	}
	return cancel(c, IB_OUT_CANCEL_MKT_DATA, 77);
}

static int
ctl_ok(const struct tu_sim *p, const char *cmd)
{
	char out[256];

	return tu_control(p->ctl, cmd, out, sizeof(out)) == 0 && strncmp(out, "ok", 2) == 0 ? 0 : -1;
}

static void
test_order_types_stops_and_auctions(void)
{
	static const char *const opts[] = { "--tick-rate", "0", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	double bid, ask, filled = -1;
	int32_t id;
	ib_req r;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	TU_REQUIRE(quote(&c, &bid, &ask) == 0);
	id = c.next_valid_id;
	/* STP LMT: the stop (above the bid) triggers at once, the limit (far below) fills */
	order(&r, id, "SELL", 10, "STP LMT", bid - 20, bid + 1, "DAY");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Filled", &filled), IB_OK);
	CU_ASSERT_EQUAL(filled, 10);
	/* ... and one whose limit the market is nowhere near rests after its trigger */
	order(&r, ++id, "SELL", 10, "STP LMT", bid + 50, bid + 1, "GTC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Submitted", NULL), IB_OK);
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_ORDER, id) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Cancelled", NULL), IB_OK);
	/* TRAIL by amount and by percent: the stop follows the walk up and triggers on the way down */
	order(&r, ++id, "SELL", 5, "TRAIL", IB_UNSET_DOUBLE, 0.05, "GTC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(sc_wait(&c, IB_IN_OPEN_ORDER, WAIT_MS) == IB_OK);
	CU_ASSERT(ib_str_eq(c.msg.u.open_order.order_type, "TRAIL") && c.msg.u.open_order.aux_price == 0.05);
	CU_ASSERT_EQUAL(until_status(&c, id, "Filled", &filled), IB_OK);
	order(&r, ++id, "BUY", 5, "TRAIL", IB_UNSET_DOUBLE, IB_UNSET_DOUBLE, "GTC");
	r.u.place_order.order.trailing_percent = 0.04;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Filled", &filled), IB_OK);
	/* refused: TRAIL with neither, an unknown type, an unknown TIF, OPG on a stop */
	order(&r, ++id, "SELL", 5, "TRAIL", IB_UNSET_DOUBLE, IB_UNSET_DOUBLE, "GTC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(sc_wait_error(&c, IB_ERR_ORDER_REJECTED, WAIT_MS) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.req_id, id);
	order(&r, ++id, "SELL", 5, "MIT", IB_UNSET_DOUBLE, bid, "GTC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(sc_wait_error(&c, IB_ERR_ORDER_REJECTED, WAIT_MS) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.req_id, id);
	order(&r, ++id, "SELL", 5, "STP", IB_UNSET_DOUBLE, bid - 10, "OPG");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	TU_REQUIRE(sc_wait_error(&c, IB_ERR_ORDER_REJECTED, WAIT_MS) == IB_OK);
	CU_ASSERT_EQUAL(c.msg.u.error.req_id, id);
	/* MOC and LOC rest until the simulated close; a LOC whose limit the close misses is cancelled */
	order(&r, ++id, "BUY", 7, "MOC", IB_UNSET_DOUBLE, IB_UNSET_DOUBLE, "DAY");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Submitted", NULL), IB_OK);
	order(&r, ++id, "BUY", 7, "LOC", bid + 20, IB_UNSET_DOUBLE, "DAY");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Submitted", NULL), IB_OK);
	order(&r, ++id, "BUY", 7, "LOC", 1.0, IB_UNSET_DOUBLE, "DAY");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Submitted", NULL), IB_OK);
	/* OPG waits for the open */
	order(&r, ++id, "BUY", 3, "MKT", IB_UNSET_DOUBLE, IB_UNSET_DOUBLE, "OPG");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Submitted", NULL), IB_OK);
	TU_REQUIRE(ctl_ok(&p, "close") == 0);
	CU_ASSERT_EQUAL(until_status(&c, id - 3, "Filled", &filled), IB_OK);
	CU_ASSERT_EQUAL(filled, 7);
	CU_ASSERT_EQUAL(until_status(&c, id - 2, "Filled", NULL), IB_OK);
	CU_ASSERT_EQUAL(until_status(&c, id - 1, "Cancelled", NULL), IB_OK);
	TU_REQUIRE(ctl_ok(&p, "open") == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Filled", &filled), IB_OK);
	CU_ASSERT_EQUAL(filled, 3);
	/* GTD: gone when its date has passed, resting while it has not */
	order(&r, ++id, "BUY", 1, "LMT", 1.0, IB_UNSET_DOUBLE, "GTD");
	strcpy(r.u.place_order.order.good_till_date, "20200101 00:00:00 UTC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Cancelled", NULL), IB_OK);
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

static void
test_order_types_ioc_fok(void)
{
	static const char *const opts[] = { "--tick-rate", "0", "--partial-fill-above", "500", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	double bid, ask, filled = -1;
	int execs = 0;
	int32_t id;
	ib_req r;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	TU_REQUIRE(quote(&c, &bid, &ask) == 0);
	id = c.next_valid_id;
	/* IOC above the slice size: one slice fills, the rest is cancelled */
	order(&r, id, "BUY", 900, "LMT", ask + 5, IB_UNSET_DOUBLE, "IOC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Cancelled", &filled), IB_OK);
	CU_ASSERT_EQUAL(filled, 300);
	/* IOC that cannot trade: cancelled, nothing filled */
	order(&r, ++id, "BUY", 100, "LMT", 1.0, IB_UNSET_DOUBLE, "IOC");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Cancelled", &filled), IB_OK);
	CU_ASSERT_EQUAL(filled, 0);
	/* FOK: all of it in one execution, or nothing */
	order(&r, ++id, "BUY", 900, "LMT", ask + 5, IB_UNSET_DOUBLE, "FOK");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	for (;;) {
		TU_REQUIRE(sc_next(&c, WAIT_MS) == IB_OK);
		if (c.id == IB_IN_EXEC_DETAILS && c.msg.u.exec_details.order_id == id) {
			execs++;
			CU_ASSERT_EQUAL(c.msg.u.exec_details.shares, 900);
		}
		if (c.id == IB_IN_ORDER_STATUS && c.msg.u.order_status.order_id == id &&
		    ib_str_eq(c.msg.u.order_status.status, "Filled"))
			break;
	}
	CU_ASSERT_EQUAL(execs, 1);
	order(&r, ++id, "SELL", 900, "LMT", bid + 50, IB_UNSET_DOUBLE, "FOK");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Cancelled", &filled), IB_OK);
	CU_ASSERT_EQUAL(filled, 0);
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

/*
 * A bracket: nothing trades before the last child transmits; the parent
 * fills; the stop-loss (stop above the market, so it fires at once) fills;
 * the take-profit in the same OCA group is then cancelled.  And a parent
 * cancelled takes its children with it.
 */
static void
test_order_types_bracket_and_oca(void)
{
	static const char *const opts[] = { "--tick-rate", "0", NULL };
	struct tu_sim p = { 0 };
	simclient c = { .fd = -1 };
	double bid, ask;
	int32_t parent, tp, sl, id;
	bool parent_filled = false, sl_filled = false, tp_cancelled = false, order_ok = true;
	ib_req r;

	TU_REQUIRE(tu_sim_start(&p, opts) == 0);
	TU_REQUIRE(sc_connect(&c, p.port, 1) == 0);
	TU_REQUIRE(quote(&c, &bid, &ask) == 0);
	parent = c.next_valid_id;
	tp = parent + 1;
	sl = parent + 2;
	order(&r, parent, "BUY", 100, "LMT", ask + 1, IB_UNSET_DOUBLE, "DAY");
	r.u.place_order.order.transmit = false;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	order(&r, tp, "SELL", 100, "LMT", ask + 100, IB_UNSET_DOUBLE, "GTC");
	r.u.place_order.order.parent_id = parent;
	r.u.place_order.order.transmit = false;
	strcpy(r.u.place_order.order.oca_group, "bracket-1");
	r.u.place_order.order.oca_type = 1;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	/* nothing goes live before the last child: for 300 ms (many lifecycle steps) the parent stays put */
	TU_REQUIRE(fence(&c) == IB_OK);
	while (sc_next(&c, 300) == IB_OK)
		if (c.id == IB_IN_ORDER_STATUS && c.msg.u.order_status.order_id == parent)
			CU_ASSERT(ib_str_eq(c.msg.u.order_status.status, "PreSubmitted"));
	order(&r, sl, "SELL", 100, "STP", IB_UNSET_DOUBLE, bid + 50, "GTC");
	r.u.place_order.order.parent_id = parent;
	strcpy(r.u.place_order.order.oca_group, "bracket-1");
	r.u.place_order.order.oca_type = 1;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	while (!(parent_filled && sl_filled && tp_cancelled)) {
		const ib_order_status *st = &c.msg.u.order_status;
		TU_REQUIRE(sc_wait(&c, IB_IN_ORDER_STATUS, WAIT_MS) == IB_OK);
		if (st->order_id == parent && ib_str_eq(st->status, "Filled"))
			parent_filled = true;
		if (st->order_id == sl && ib_str_eq(st->status, "Filled")) {
			order_ok &= parent_filled;
			sl_filled = true;
			CU_ASSERT_EQUAL(st->parent_id, parent);
		}
		if (st->order_id == tp && ib_str_eq(st->status, "Cancelled")) {
			order_ok &= sl_filled;
			tp_cancelled = true;
		}
		if (st->order_id == tp && ib_str_eq(st->status, "Filled"))
			CU_FAIL("the take-profit filled");
	}
	CU_ASSERT_TRUE(order_ok); /* parent, then stop-loss, then the OCA cancel */
	/* a parent cancelled before it fills takes its child with it */
	id = sl + 1;
	order(&r, id, "BUY", 100, "LMT", 1.0, IB_UNSET_DOUBLE, "DAY");
	r.u.place_order.order.transmit = false;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	order(&r, id + 1, "SELL", 100, "LMT", ask + 100, IB_UNSET_DOUBLE, "GTC");
	r.u.place_order.order.parent_id = id;
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id, "Submitted", NULL), IB_OK);
	TU_REQUIRE(cancel(&c, IB_OUT_CANCEL_ORDER, id) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id + 1, "Cancelled", NULL), IB_OK);
	/* an OCA group without a bracket: the marketable one fills, the other is cancelled */
	order(&r, id + 2, "BUY", 10, "LMT", 1.0, IB_UNSET_DOUBLE, "GTC");
	strcpy(r.u.place_order.order.oca_group, "either");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	order(&r, id + 3, "BUY", 10, "LMT", ask + 5, IB_UNSET_DOUBLE, "GTC");
	strcpy(r.u.place_order.order.oca_group, "either");
	TU_REQUIRE(sc_send(&c, &r) == 0);
	CU_ASSERT_EQUAL(until_status(&c, id + 2, "Cancelled", NULL), IB_OK);
	strict_ok(&c);
out:
	sc_close(&c);
	down(&p);
}

void
test_sim_contracts_register(void)
{
	CU_pSuite s = CU_add_suite("sim_contracts", NULL, NULL);
	CU_add_test(s, "contract details: FUT expiries, CASH, OPT chain, IND, AMBIG, conId, error 200",
		    test_contract_details_every_sectype);
	CU_add_test(s, "real-time bars from the walk, per request, until cancelled", test_realtime_bars);
	CU_add_test(s, "historical bars for a range, keepUpToDate, refusals", test_historical_bars);
	CU_add_test(s, "historical pacing: identical 15 s, six in 2 s, 60 in 10 min -> 162", test_historical_pacing);
	CU_add_test(s, "historical pacing windows scale (--hist-pacing-scale)", test_historical_pacing_scale);
	CU_add_test(s, "P&L and pnlSingle equal ibsim's own numbers", test_pnl_matches_ibsim);
	CU_add_test(s, "FX quotes: bid/ask without last or volume, delayed ids too", test_fx_market_data);
	CU_add_test(s, "options: tickOptionComputation bid/ask/model from SPY's walk, delayed ids too",
		    test_option_market_data);
	CU_add_test(s, "orders: STP LMT, TRAIL, MOC/LOC at the close, OPG, GTD, refusals",
		    test_order_types_stops_and_auctions);
	CU_add_test(s, "orders: IOC cancels the rest, FOK all or nothing", test_order_types_ioc_fok);
	CU_add_test(s, "orders: bracket held until the last child, stop fires, OCA cancels; parent cancel",
		    test_order_types_bracket_and_oca);
}
