/*
 * test_order_types.c - every order type through the whole pipeline against
 * ibsim (trader strategy -> risk -> encoder -> ibsim -> order state machine
 * -> Redis), each one's life as ibsim's rules say; a bracket whose stop
 * fires and whose take-profit OCA then cancels; risk refusals in contract
 * terms.  Prices are pinned with ibsim's `price` control, so every trigger
 * and fill price is known; each case trades its own symbol, so the cases
 * of one run do not move each other's market.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/str.h"
#include "testutil.h"

#define WAIT_MS 15000

/*
 * Redis, then ibsim with the symbols' prices pinned (100.00 / 100.02), then
 * ibpipe running script, subscribed to quotes of ib_syms (NULL: AAPL,MSFT); pin: one more price
 * command (NULL: none).
 */
#define MAX_PINS 32 /* symbols one start pins: the lives' and a few more */

static int
start(struct tu_stack *e, const char *syms, const char *ib_syms, const char *script, const char *const *args,
      const char *pin)
{
	const char *sim_args[] = { "--symbols", syms, NULL };
	char cmds[MAX_PINS][96];
	const char *pins[MAX_PINS + 2];
	const char *p = syms;
	int n = 0;

	for (; *p && n < MAX_PINS; n++) {
		size_t len = strcspn(p, ",");
		snprintf(cmds[n], sizeof(cmds[n]), "price %.*s 100.00 100.02", (int)len, p);
		pins[n] = cmds[n];
		p += len + (p[len] == ',');
	}
	if (*p)
		return -1; /* more symbols than MAX_PINS */
	if (pin)
		pins[n++] = pin;
	pins[n] = NULL;
	const struct tu_opts o = { .strategy = "trader", .script = script, .args = args, .symbols = ib_syms,
				   .sim_args = sim_args, .sim_control = pins, .redis = TU_REDIS_PRIVATE };
	return tu_stack_start(e, &o);
}

static const char *
okey(const struct tu_stack *e, int id)
{
	char name[32];

	snprintf(name, sizeof(name), "order:%d", id);
	return tu_key(e, name);
}

static bool
status_is(redisContext *c, const struct tu_stack *e, int id, const char *want)
{
	char v[64];

	return strcmp(tu_rhget(c, okey(e, id), "status", v, sizeof(v)), want) == 0;
}

static double
order_num(redisContext *c, const struct tu_stack *e, int id, const char *field)
{
	char v[64];

	return atof(tu_rhget(c, okey(e, id), field, v, sizeof(v)));
}

static void
ctl(const struct tu_stack *e, const char *cmd)
{
	char out[256];

	CU_ASSERT_EQUAL(tu_control(e->sim.ctl, cmd, out, sizeof(out)), 0);
	CU_ASSERT_NSTRING_EQUAL(out, "ok", 2);
}

/* One order's life: placed, Submitted, then moved (price commands, an auction) to its end. */
struct life {
	const char *name, *sym, *step;
	const char *moves[3];    /* control commands once it is Submitted, in order */
	const char *end;         /* final status */
	double filled, avg;      /* avg 0: no fill */
};

/*
 * Every pinned quote starts at 100.00 / 100.02 (mid 100.01).  A buy fills at
 * the ask, a sell at the bid; a stop triggers on a quote through it.
 */
static const struct life lives[] = {
	{ "MKT", "OTA", "ORDER BUY OTA 10 type=MKT", { NULL }, "Filled", 10, 100.02 },
	{ "LMT Adaptive outsideRth", "OTB", "ORDER BUY OTB 10 type=LMT lmt=100.05 adaptive=Urgent rth=1", { NULL },
	  "Filled", 10, 100.02 },
	{ "STP: rests, triggers when the ask reaches it", "OTC", "ORDER BUY OTC 10 type=STP aux=100.50",
	  { "price OTC 100.60 100.62" }, "Filled", 10, 100.62 },
	{ "STP LMT: triggers, fills inside its limit", "OTD", "ORDER SELL OTD 10 type=STP_LMT aux=99.50 lmt=99.40",
	  { "price OTD 99.45 99.47" }, "Filled", 10, 99.45 },
	/* first stop 99.50; the bid rises to 101.00 and drags it to 100.50; 100.40 then fires it (a fixed stop would not) */
	{ "TRAIL by amount", "OTE", "ORDER SELL OTE 10 type=TRAIL aux=0.50 tif=GTC",
	  { "price OTE 101.00 101.02", "price OTE 100.40 100.42" }, "Filled", 10, 100.40 },
	/* 1%: first stop 99.00; at 110.00 it is 108.90; 108.80 fires it */
	{ "TRAIL by percent", "OTF", "ORDER SELL OTF 10 type=TRAIL pct=1 tif=GTC",
	  { "price OTF 110.00 110.02", "price OTF 108.80 108.82" }, "Filled", 10, 108.80 },
	{ "MOC: fills at the simulated close (the mid)", "OTG", "ORDER BUY OTG 10 type=MOC", { "close" }, "Filled", 10,
	  100.01 },
	/* the same close (the case before) */
	{ "LOC: the close is above its limit, cancelled", "OTH", "ORDER BUY OTH 10 type=LOC lmt=99.00", { NULL },
	  "Cancelled", 0, 0 },
	{ "OPG: fills at the simulated open", "OTI", "ORDER BUY OTI 10 type=MKT tif=OPG", { "open" }, "Filled", 10,
	  100.01 },
	/* ibsim fills 900 in slices of 300: IOC takes the first, the rest is cancelled; FOK all or nothing */
	{ "IOC: the rest cancelled", "OTJ", "ORDER BUY OTJ 900 type=MKT tif=IOC", { NULL }, "Cancelled", 300, 100.02 },
	{ "IOC: nothing at its limit, cancelled", "OTK", "ORDER BUY OTK 10 type=LMT lmt=90 tif=IOC", { NULL },
	  "Cancelled", 0, 0 },
	{ "FOK: all at once", "OTL", "ORDER BUY OTL 900 type=MKT tif=FOK", { NULL }, "Filled", 900, 100.02 },
	{ "FOK: not all, nothing", "OTM", "ORDER BUY OTM 10 type=LMT lmt=90 tif=FOK", { NULL }, "Cancelled", 0, 0 },
	{ "GTD: cancelled when due", "OTN", NULL, { NULL }, "Cancelled", 0, 0 },
};
#define NLIVES (int)(sizeof(lives) / sizeof(lives[0]))

static void
test_each_type_lives(void)
{
	struct tu_stack e;
	char script[4096] = "", syms[256] = "AAPL,MSFT", gtd[160], when[32];
	time_t due = time(NULL) + 3;
	struct tm tm;

	/* GTD: good till three seconds from now (ibsim reads the time as UTC) */
	gmtime_r(&due, &tm);
	strftime(when, sizeof(when), "%Y%m%d-%H:%M:%S", &tm);
	snprintf(gtd, sizeof(gtd), "ORDER BUY OTN 10 type=LMT lmt=90 tif=GTD gtd=%s", when);
	for (int i = 0; i < NLIVES; i++) {
		snprintf(script + strlen(script), sizeof(script) - strlen(script), "%s; ", lives[i].step ? lives[i].step : gtd);
		snprintf(syms + strlen(syms), sizeof(syms) - strlen(syms), ",%s", lives[i].sym);
	}
	CU_ASSERT_EQUAL_FATAL(start(&e, syms, NULL, script, NULL, NULL), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* order n is the n-th step (trader places them in order, ids from 1 at a fresh ibsim) */
	for (int i = 0; i < NLIVES; i++) {
		const struct life *l = &lives[i];
		int id = i + 1;
		char sym[32];
		printf("\n    %-45s", l->name);
		CU_ASSERT(TU_UNTIL(status_is(c, &e, id, "Submitted") || status_is(c, &e, id, l->end), WAIT_MS));
		CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, id), "symbol", sym, sizeof(sym)), l->sym);
		for (int k = 0; k < 3 && l->moves[k]; k++) {
			/* pinned: nothing happens to it before the market moves */
			CU_ASSERT(status_is(c, &e, id, "Submitted"));
			ctl(&e, l->moves[k]);
		}
		CU_ASSERT(TU_UNTIL(status_is(c, &e, id, l->end), WAIT_MS));
		CU_ASSERT_DOUBLE_EQUAL(order_num(c, &e, id, "filled"), l->filled, 1e-9);
		if (l->avg > 0)
			CU_ASSERT_DOUBLE_EQUAL(order_num(c, &e, id, "avg_fill_price"), l->avg, 1e-9);
	}
	/* each went through its states once: no PartiallyFilled for FOK, one Cancelled for IOC after its fill */
	CU_ASSERT(tu_count_in_file(tu_slog(&e.ib, 0), "\"id\":12,\"symbol\":\"OTL\",\"status\":\"PartiallyFilled\"") == 0);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&e.ib, 0), "\"id\":10,\"symbol\":\"OTJ\",\"status\":\"Cancelled\",\"filled\":300"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&e.ib, 0), "\"cb\":\"error\",\"id\":0"), 0); /* no refusal */
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

/* parent fills, the stop-loss fires, OCA cancels the take-profit; Redis shows the family */
static void
test_bracket_stop_fires_oca_cancels(void)
{
	struct tu_stack e;
	char v[64];

	CU_ASSERT_EQUAL_FATAL(start(&e, "AAPL,MSFT,BRK", NULL, "BRACKET BUY BRK 10 tp=101.00 sl=99.50", NULL, NULL), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	/* the parent (MKT) fills at the ask; then the children are live at ibsim */
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 1, "Filled"), WAIT_MS));
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 2, "Submitted") && status_is(c, &e, 3, "Submitted"), WAIT_MS));
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 2), "parent_id", v, sizeof(v)), "1");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 3), "parent_id", v, sizeof(v)), "1");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 1), "parent_id", v, sizeof(v)), "0");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 2), "oca_group", v, sizeof(v)), "ibpipe-bracket-1");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 3), "oca_group", v, sizeof(v)), "ibpipe-bracket-1");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 2), "type", v, sizeof(v)), "LMT");
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 3), "type", v, sizeof(v)), "STP");
	/* the market falls through the stop */
	ctl(&e, "price BRK 99.40 99.42");
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 3, "Filled"), WAIT_MS));
	CU_ASSERT_DOUBLE_EQUAL(order_num(c, &e, 3, "avg_fill_price"), 99.40, 1e-9);
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 2, "Cancelled"), WAIT_MS));
	CU_ASSERT(strstr(tu_rhget(c, okey(&e, 2), "reason", v, sizeof(v)), "OCA") != NULL);
	CU_ASSERT_DOUBLE_EQUAL(order_num(c, &e, 2, "filled"), 0, 0);
	/* the stream carries the family too: every child entry names its parent and group */
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(&e, "stream:orders"));
	int children = 0;
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *f = r->element[i]->element[1];
		bool child = false, grouped = false;
		for (size_t k = 0; k + 1 < f->elements; k += 2) {
			child |= strcmp(f->element[k]->str, "parent_id") == 0 && strcmp(f->element[k + 1]->str, "1") == 0;
			grouped |= strcmp(f->element[k]->str, "oca_group") == 0 &&
				   strcmp(f->element[k + 1]->str, "ibpipe-bracket-1") == 0;
		}
		CU_ASSERT(child == grouped);
		children += child;
	}
	CU_ASSERT(children >= 4); /* PendingSubmit, Submitted, and the end of each child */
	if (r)
		freeReplyObject(r);
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

/* A bracket placed by an earlier run: a new ibpipe learns its family from the gateway's openOrder. */
static void
test_bracket_family_from_open_orders(void)
{
	struct tu_stack e;
	const char *none[] = { "--strategies", "0", NULL };
	const struct tu_opts later = { .args = none };
	char v[64];

	CU_ASSERT_EQUAL_FATAL(start(&e, "AAPL,MSFT,BRX", NULL, "BRACKET BUY BRX 10 tp=101.00 sl=99.50", NULL, NULL), 0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 2, "Submitted") && status_is(c, &e, 3, "Submitted"), WAIT_MS));
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&e.ib)));
	/* the same client id, a fresh Redis prefix: all it knows of orders 2 and 3 is what the gateway says */
	snprintf(e.prefix + strlen(e.prefix), sizeof(e.prefix) - strlen(e.prefix), "b");
	CU_ASSERT_EQUAL_FATAL(tu_ibpipe_start(&e.ib, e.sim.port, &later, e.url, e.prefix), 0);
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 2, "Submitted") && status_is(c, &e, 3, "Submitted"), WAIT_MS));
	for (int id = 2; id <= 3; id++) {
		CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, id), "parent_id", v, sizeof(v)), "1");
		CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, id), "oca_group", v, sizeof(v)), "ibpipe-bracket-1");
	}
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

/* Refused before anything is encoded: nothing of it reaches ibsim. */
static void
test_risk_in_contract_terms(void)
{
	struct tu_stack e;
	char out[4096];
	const char *args[] = { "--max-notional", "250000", "--price-collar-ticks", "5", "--max-open-orders", "2", NULL };
	/* once RSK's quote is there (the collar's mid): ES at 5000 x 2 x 50 = 500000 > 250000; 9 ticks from mid > 5; a bracket of 3 > 2 open orders, whole;
	   then an order inside every limit, which fills: the refusals were the limits, not a dead path */
	const char *script = "QUOTE RSK; ORDER BUY ES 2 type=LMT lmt=5000 sectype=FUT exch=CME expiry=202603 mult=50; "
			     "ORDER BUY RSK 1 type=LMT lmt=100.10; "
			     "BRACKET BUY RSK 1 type=LMT lmt=100.02 tp=100.05 sl=99.98; "
			     "ORDER BUY RSK 1 type=LMT lmt=100.05";

	CU_ASSERT_EQUAL_FATAL(start(&e, "AAPL,MSFT,RSK", "AAPL,MSFT,RSK", script, args, NULL), 0);
	const char *sl = tu_slog(&e.ib, 0);
	CU_ASSERT(tu_wait_for_text(sl, "\"id\":1,\"symbol\":\"RSK\",\"status\":\"Filled\"", WAIT_MS) == 0);
	CU_ASSERT_EQUAL(tu_count_in_file(sl, "\"code\":-103,\"text\":\"notional 500000.00 (2 x 5000 x multiplier 50)"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(sl, "\"code\":-106,\"text\":\"limit 100.1000 is 9.0 ticks of 0.01"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(sl, "\"code\":-104,\"text\":\"leg 3 (SELL STP)"), 1);
	/* one order reached ibsim: the one that filled */
	CU_ASSERT_EQUAL(tu_control(e.sim.ctl, "stats", out, sizeof(out)), 0);
	CU_ASSERT(strstr(out, "\"order_frames\":1,") != NULL);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

/*
 * A configured future: its terms are IB's, from the resolved contract (the
 * order names only its conId): multiplier 50, min tick 0.25, its own quote.
 */
static void
test_resolved_future_terms(void)
{
	struct tu_stack e;
	char v[64];
	const char *args[] = { "--max-notional", "300000", "--price-collar-ticks", "4", NULL };
	/* mid 5450.125: 5451.50 is 5.5 ticks; 2 x 5450.25 x 50 = 545025; 1 x 5450.25 x 50 = 272512.5 fills */
	const char *script = "QUOTE FUT:ES@CME; "
			     "ORDER BUY ES 1 type=LMT lmt=5451.50 sectype=FUT exch=CME conid=495512551; "
			     "ORDER BUY ES 2 type=LMT lmt=5450.25 sectype=FUT exch=CME conid=495512551; "
			     "ORDER BUY ES 1 type=LMT lmt=5450.25 sectype=FUT exch=CME conid=495512551";

	CU_ASSERT_EQUAL_FATAL(start(&e, "AAPL,MSFT", "AAPL,MSFT,FUT:ES@CME", script, args,
				    "price conid:495512551 5450.00 5450.25"),
			      0);
	redisContext *c = tu_rconn(e.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(TU_UNTIL(status_is(c, &e, 1, "Filled"), WAIT_MS));
	CU_ASSERT_STRING_EQUAL(tu_rhget(c, okey(&e, 1), "symbol", v, sizeof(v)), "ES");
	CU_ASSERT_DOUBLE_EQUAL(order_num(c, &e, 1, "avg_fill_price"), 5450.25, 1e-9);
	const char *sl = tu_slog(&e.ib, 0);
	CU_ASSERT_EQUAL(tu_count_in_file(sl, "\"code\":-106,\"text\":\"limit 5451.5000 is 5.5 ticks of 0.25"), 1);
	CU_ASSERT_EQUAL(tu_count_in_file(sl, "\"code\":-103,\"text\":\"notional 545025.00 (2 x 5450.25 x multiplier 50)"), 1);
	redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

void
test_order_types_register(void)
{
	CU_pSuite s = CU_add_suite("order_types", NULL, NULL);
	CU_add_test(s, "each order type's life at ibsim, to its end", test_each_type_lives);
	CU_add_test(s, "a bracket: the stop fires, OCA cancels the take-profit", test_bracket_stop_fires_oca_cancels);
	CU_add_test(s, "a new ibpipe learns a live bracket's parent and OCA group from openOrder",
		    test_bracket_family_from_open_orders);
	CU_add_test(s, "risk in contract terms: multiplier, ticks, a bracket whole", test_risk_in_contract_terms);
	CU_add_test(s, "a configured future's terms come from its resolved contract", test_resolved_future_terms);
}
