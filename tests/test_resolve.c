/*
 * test_resolve.c - contract specs resolved with reqContractDetails as part
 * of sync, end to end: a futures + FX + option configuration that syncs and
 * quotes under keys that survive a restart, delayed data, the front month
 * chosen and logged, an ambiguous spec refused with its candidates, an
 * unknown one (error 200) named, the gate held while a contract is not
 * resolved (ibsim's contract-delay) -- also after a reconnect -- and the conId
 * cache.  Real ibsim, redis-server and ibpipe processes on loopback; every
 * wait is for an event (a log line, a Redis value) with a deadline.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json_valid.h"
#include "testutil.h"
#include "util/expiry.h"

#define WAIT_MS 20000

/* ibsim's n-th expiry from today, every `step` months: computed by the code ibsim lists them with. */
static void
sim_expiry(int n, int step, char ymd[12], char ym[8])
{
	ib_expiry_nth(time(NULL), n, step, ymd, 12, ym, 8);
}

/* ---- the rig ---- */

/* ibsim, the shared test Redis (r->c connected to it); ibpipe comes with ib_up. */
static int
sim_up(struct tu_stack *r, const char *const *sim_args)
{
	const struct tu_opts o = { .sim_args = sim_args, .redis = TU_REDIS_SHARED, .connect = true };

	return tu_stack_sim_start(r, &o);
}

/* ibpipe with the recorder strategy on symbols; state: an earlier run's state directory, so that a restart finds
   its conId cache (NULL: a fresh one, r->ib.dir). */
static int
ib_up(struct tu_stack *r, const char *state, const char *symbols, const char *const *args)
{
	struct tu_opts o = { .strategy = "recorder", .symbols = symbols, .args = args };
	const char *all[16];
	int n = 0;

	if (state) { /* a later --state-dir wins */
		for (int i = 0; args && args[i] && n < 12; i++)
			all[n++] = args[i];
		all[n++] = "--state-dir";
		all[n++] = state;
		all[n] = NULL;
		o.args = all;
	}
	return tu_ibpipe_start(&r->ib, r->sim.port, &o, r->url, r->prefix);
}

static void
control(const struct tu_stack *r, const char *cmd)
{
	const char *const one[] = { cmd, NULL };

	CU_ASSERT_EQUAL(tu_control_all(r->sim.ctl, one), 0);
}

/* Until GET k holds needle: 0, or -1 at the deadline. */
static int
rwait_has(redisContext *c, const char *k, const char *needle, int timeout_ms)
{
	const char *const one[] = { needle, NULL };

	return tu_rwait_holds(c, k, one, timeout_ms);
}

/* HGET k f as a number (-1 absent). */
static double
hnum(redisContext *c, const char *k, const char *f)
{
	char v[64];

	return tu_rhget(c, k, f, v, sizeof(v))[0] ? strtod(v, NULL) : -1;
}

/* Until the quote of `name` exists with a bid and an ask: 0 or -1. */
static int
quote_wait(const struct tu_stack *r, const char *name, int timeout_ms)
{
	char k[200];
	long long deadline = tu_now_ms() + timeout_ms;

	snprintf(k, sizeof(k), "quote:%s", name);
	do {
		if (hnum(r->c, tu_key(r, k), "bid") > 0 && hnum(r->c, tu_key(r, k), "ask") > 0)
			return 0;
		tu_sleep_ms(20);
	} while (tu_now_ms() < deadline);
	return -1;
}

static bool
detail_valid(const struct tu_stack *r)
{
	char *d = tu_rget_alloc(r->c, tu_key(r, "sync:detail"));
	bool ok = d[0] && json_valid(d, strlen(d));

	if (!ok)
		fprintf(stderr, "\n      invalid P:sync:detail: %s", d);
	free(d);
	return ok;
}

/* ---- a futures + FX + option configuration ---- */

/* bid and ask of one HSET (one HMGET): two HGETs could pair an old bid with a newer, lower ask. */
static void
bid_ask(const struct tu_stack *r, const char *k, double *bid, double *ask)
{
	redisReply *rep = redisCommand(r->c, "HMGET %s bid ask", tu_key(r, k));

	*bid = *ask = 0;
	if (rep && rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->str && rep->element[1]->str)
		*bid = strtod(rep->element[0]->str, NULL), *ask = strtod(rep->element[1]->str, NULL);
	freeReplyObject(rep);
}

static void
check_quotes(const struct tu_stack *r, const char *fut_key, double fut_lo, double fut_hi, const char *opt_key)
{
	char k[200];
	double bid, ask;

	CU_ASSERT_EQUAL(quote_wait(r, fut_key, WAIT_MS), 0);
	snprintf(k, sizeof(k), "quote:%s", fut_key);
	bid_ask(r, k, &bid, &ask);
	CU_ASSERT(bid > fut_lo && bid < fut_hi && ask >= bid); /* near ibsim's price, on its walk */
	CU_ASSERT_EQUAL(quote_wait(r, "CASH:EUR.USD@IDEALPRO", WAIT_MS), 0);
	bid_ask(r, "quote:CASH:EUR.USD@IDEALPRO", &bid, &ask);
	CU_ASSERT(bid > 0.9 && bid < 1.3 && ask >= bid);
	/* FX: no last from IB, so no last fields at all; the mid is the bid/ask mid (both read in one
	   HSET, so consistent) */
	{
		redisReply *rep = redisCommand(r->c, "HMGET %s bid ask mid last last_size last_time",
					       tu_key(r, "quote:CASH:EUR.USD@IDEALPRO"));
		CU_ASSERT_FATAL(rep != NULL && rep->type == REDIS_REPLY_ARRAY && rep->elements == 6);
		CU_ASSERT_FATAL(rep->element[0]->type == REDIS_REPLY_STRING && rep->element[1]->type == REDIS_REPLY_STRING &&
				rep->element[2]->type == REDIS_REPLY_STRING);
		double b = strtod(rep->element[0]->str, NULL), a = strtod(rep->element[1]->str, NULL);
		double mid = strtod(rep->element[2]->str, NULL);
		CU_ASSERT_DOUBLE_EQUAL(mid, (a + b) / 2, 1e-9);
		for (int f = 3; f < 6; f++)
			CU_ASSERT_EQUAL(rep->element[f]->type, REDIS_REPLY_NIL);
		freeReplyObject(rep);
	}
	CU_ASSERT_EQUAL(quote_wait(r, opt_key, WAIT_MS), 0);
	snprintf(k, sizeof(k), "quote:%s", opt_key);
	bid_ask(r, k, &bid, &ask);
	CU_ASSERT(bid > 0 && bid < 100 && ask >= bid); /* the 540 call: a few dollars of premium */
}

static void
test_futures_fx_option_sync_and_quote(void)
{
	static const char *const sim_args[] = { "--tick-rate", "2000", NULL };
	struct tu_stack r;
	char nq_ymd[12], nq_ym[8], opt_ymd[12], opt_ym[8], syms[256], fut_key[64], opt_key[64], want[160];
	char *cache = NULL, path[300], state[128];

	sim_expiry(1, 3, nq_ymd, nq_ym);  /* NQ's second quarterly: a month spec, not the front */
	sim_expiry(1, 1, opt_ymd, opt_ym); /* ibsim's SPY chain */
	snprintf(syms, sizeof(syms), "AAPL,FUT:NQ@CME:%s,CASH:EUR.USD@IDEALPRO,OPT:SPY@SMART:%s:540:C,IND:SPX@CBOE", nq_ym,
		 opt_ymd);
	snprintf(fut_key, sizeof(fut_key), "FUT:NQ@CME:%s", nq_ymd);
	snprintf(opt_key, sizeof(opt_key), "OPT:SPY@SMART:%s:540:C", opt_ymd);
	TU_REQUIRE(sim_up(&r, sim_args) == 0);
	TU_REQUIRE(ib_up(&r, NULL, syms, NULL) == 0);
	snprintf(state, sizeof(state), "%s", r.ib.dir);
	TU_REQUIRE(tu_rwait(r.c, tu_key(&r, "sync"), "ready", WAIT_MS) == 0);
	CU_ASSERT(detail_valid(&r));
	/* each spec resolved and logged with what IB said */
	snprintf(want, sizeof(want), "FUT:NQ@CME:%s resolved: conId 563947734, local symbol NQ", nq_ym);
	CU_ASSERT(tu_count_in_file(r.ib.log, want) == 1);
	CU_ASSERT(tu_count_in_file(r.ib.log, "multiplier 20, min tick 0.25") == 1);
	CU_ASSERT(tu_count_in_file(r.ib.log, "CASH:EUR.USD@IDEALPRO resolved: conId 12087792") == 1);
	CU_ASSERT(tu_count_in_file(r.ib.log, "IND:SPX@CBOE resolved: conId 416904") == 1);
	check_quotes(&r, fut_key, 15000, 25000, opt_key); /* NQ near 19500 */
	CU_ASSERT_EQUAL(quote_wait(&r, "AAPL", WAIT_MS), 0); /* a bare stock as before */
	/* the strategy sees the instrument keys as its symbols */
	snprintf(want, sizeof(want), "\"symbol\":\"%s\"", fut_key);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&r.ib, 0), want, WAIT_MS), 0);
	/* the cache: one line per spec with its conId and key */
	snprintf(path, sizeof(path), "%s/contracts-127.0.0.1-%d-1", state, r.sim.port);
	CU_ASSERT_EQUAL(tu_wait_for_text(path, "IND:SPX@CBOE\t416904\tIND:SPX@CBOE", WAIT_MS), 0);
	cache = tu_read_file(path, NULL);
	CU_ASSERT(cache && strstr(cache, "CASH:EUR.USD@IDEALPRO\t12087792\tCASH:EUR.USD@IDEALPRO\n"));
	free(cache);
	/* a restart: the same keys, freshly written (the old hashes are deleted first) */
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&r.ib)));
	{
		char k1[200], k2[200];
		snprintf(k1, sizeof(k1), "quote:%s", fut_key);
		snprintf(k2, sizeof(k2), "quote:%s", opt_key);
		CU_ASSERT_EQUAL(tu_rcmd(r.c, "DEL %s %s %s %s", tu_key(&r, "quote:CASH:EUR.USD@IDEALPRO"), tu_key(&r, k1),
					tu_key(&r, k2), tu_key(&r, "sync")), 0);
	}
	TU_REQUIRE(ib_up(&r, state, syms, NULL) == 0);
	TU_REQUIRE(tu_rwait(r.c, tu_key(&r, "sync"), "ready", WAIT_MS) == 0);
	check_quotes(&r, fut_key, 15000, 25000, opt_key);
	CU_ASSERT(tu_count_in_file(r.ib.log, "not conId") == 0); /* the cache agreed: no conId changed */
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* Delayed data (market_data_type 3): IB's delayed tick ids fill the same quotes. */
static void
test_delayed_data(void)
{
	static const char *const sim_args[] = { "--tick-rate", "2000", NULL };
	static const char *const args[] = { "--market-data-type", "3", NULL };
	struct tu_stack r;
	char ymd[12], ym[8], syms[160], fut_key[64], opt_key[64];

	sim_expiry(0, 3, ymd, ym);
	snprintf(fut_key, sizeof(fut_key), "FUT:ES@CME:%s", ymd);
	sim_expiry(1, 1, ymd, ym);
	snprintf(opt_key, sizeof(opt_key), "OPT:SPY@SMART:%s:540:C", ymd);
	snprintf(syms, sizeof(syms), "FUT:ES@CME,CASH:EUR.USD@IDEALPRO,%s,conid:12087797", opt_key);
	TU_REQUIRE(sim_up(&r, sim_args) == 0);
	TU_REQUIRE(ib_up(&r, NULL, syms, args) == 0);
	TU_REQUIRE(tu_rwait(r.c, tu_key(&r, "sync"), "ready", WAIT_MS) == 0);
	check_quotes(&r, fut_key, 4000, 8000, opt_key); /* ES near 5450 */
	/* FX named by conId: keyed as the pair, with its mid too */
	CU_ASSERT_EQUAL(quote_wait(&r, "CASH:GBP.USD@IDEALPRO", WAIT_MS), 0);
	CU_ASSERT(TU_UNTIL(hnum(r.c, tu_key(&r, "quote:CASH:GBP.USD@IDEALPRO"), "mid") > 1, WAIT_MS));
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* Tick-by-tick and depth on a contract spec: they open once it resolved, under its key. */
static void
test_tbt_and_depth_on_a_spec(void)
{
	static const char *const args[] = { "--tbt", "FUT:ES@CME:BidAsk", "--depth", "FUT:ES@CME:5", NULL };
	struct tu_stack r;
	char ymd[12], ym[8], k[160], state[128];
	int rc;

	sim_expiry(0, 3, ymd, ym);
	TU_REQUIRE(sim_up(&r, NULL) == 0);
	TU_REQUIRE(ib_up(&r, NULL, "AAPL,FUT:ES@CME", args) == 0);
	snprintf(state, sizeof(state), "%s", r.ib.dir);
	TU_REQUIRE(tu_rwait(r.c, tu_key(&r, "sync"), "ready", WAIT_MS) == 0);
	snprintf(k, sizeof(k), "book:FUT:ES@CME:%s", ymd);
	CU_ASSERT_EQUAL(rwait_has(r.c, tu_key(&r, k), "\"bids\":[[", WAIT_MS), 0);
	CU_ASSERT_EQUAL(rwait_has(r.c, tu_key(&r, k), "\"asks\":[[", WAIT_MS), 0);
	snprintf(k, sizeof(k), "FUT:ES@CME:%s", ymd);
	CU_ASSERT_EQUAL(quote_wait(&r, k, WAIT_MS), 0);
	CU_ASSERT(tu_exited_ok(tu_ibpipe_stop(&r.ib)));
	/* a feed on a spec that is not among symbols: refused at start, exit 2, naming it */
	TU_REQUIRE(ib_up(&r, state, "AAPL", args) == 0);
	rc = tu_wait(r.ib.pid, WAIT_MS);
	r.ib.pid = 0;
	CU_ASSERT(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
	CU_ASSERT(tu_count_in_file(r.ib.log, "contract spec FUT:ES@CME is not among `symbols`") == 1);
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* ---- the front month ---- */

static void
test_front_month_chosen_and_logged(void)
{
	struct tu_stack r;
	char ymd[12], ym[8], want[160], k[160];

	sim_expiry(0, 3, ymd, ym); /* ibsim lists three quarterlies from the nearest unexpired one */
	TU_REQUIRE(sim_up(&r, NULL) == 0);
	TU_REQUIRE(ib_up(&r, NULL, "FUT:ES@CME", NULL) == 0);
	TU_REQUIRE(tu_rwait(r.c, tu_key(&r, "sync"), "ready", WAIT_MS) == 0);
	snprintf(want, sizeof(want), "FUT:ES@CME: front month is ES%c%c, expiry %s (conId 495512551), of 3 listed",
		 "FGHJKMNQUVXZ"[atoi(ym + 4) - 1], ym[3], ymd);
	CU_ASSERT(tu_count_in_file(r.ib.log, want) == 1);
	snprintf(k, sizeof(k), "FUT:ES@CME:%s", ymd);
	CU_ASSERT_EQUAL(quote_wait(&r, k, WAIT_MS), 0);
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* ---- refusals: the gate stays closed, the spec is named ---- */

/*
 * Everything of the account sync is in (the download ended) and only the
 * contract holds the gate: P:sync is not ready and the detail names exactly
 * "contract:<spec>" with why.
 */
static void
check_refused(struct tu_stack *r, const char *spec, const char *why_part)
{
	char want[200], *d;

	snprintf(want, sizeof(want), "contract spec \"%s\": %s", spec, why_part);
	CU_ASSERT_EQUAL(tu_wait_for_text(r->ib.log, want, WAIT_MS), 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(r->ib.log, "account download complete for DU111111", WAIT_MS), 0);
	snprintf(want, sizeof(want), "\"missing\":[\"contract:%s\"]", spec);
	CU_ASSERT_EQUAL(rwait_has(r->c, tu_key(r, "sync:detail"), want, WAIT_MS), 0);
	d = tu_rget_alloc(r->c, tu_key(r, "sync:detail"));
	CU_ASSERT(strstr(d, "\"contract_errors\":{") != NULL);
	CU_ASSERT(strstr(d, why_part) != NULL);
	free(d);
	CU_ASSERT(detail_valid(r));
	d = tu_rget_alloc(r->c, tu_key(r, "sync"));
	CU_ASSERT_STRING_EQUAL(d, "syncing");
	free(d);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&r->ib, 0), "\"cb\":\"start\""), 0);
}

static void
test_ambiguous_spec_refused_with_candidates(void)
{
	struct tu_stack r;

	TU_REQUIRE(sim_up(&r, NULL) == 0);
	TU_REQUIRE(ib_up(&r, NULL, "AAPL,STK:AMBIG", NULL) == 0);
	check_refused(&r, "STK:AMBIG", "ambiguous: 2 contracts match (AMBIG (conId 700000001, NYSE, class AMBIG), "
				       "AMBIG (conId 700000002, ARCA, class AMBIG.W))");
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

static void
test_unknown_spec_named(void)
{
	struct tu_stack r;

	TU_REQUIRE(sim_up(&r, NULL) == 0);
	TU_REQUIRE(ib_up(&r, NULL, "AAPL,FUT:XX@CME:202612,CASH:EUR.USD", NULL) == 0);
	check_refused(&r, "FUT:XX@CME:202612", "unknown to IB (error 200: No security definition");
	/* the one that resolved is quoted; the unknown one has no key at all */
	CU_ASSERT_EQUAL(quote_wait(&r, "CASH:EUR.USD@IDEALPRO", WAIT_MS), 0);
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* Two configured symbols that are one instrument: the second is refused, naming the first and both conIds. */
static void
test_two_specs_one_instrument(void)
{
	struct tu_stack r;
	char ymd[12], ym[8], syms[96], spec[48], why[200], start[96];

	sim_expiry(0, 3, ymd, ym);
	snprintf(spec, sizeof(spec), "FUT:ES@CME:%s", ym);
	snprintf(syms, sizeof(syms), "FUT:ES@CME,%s", spec);
	snprintf(why, sizeof(why), "its instrument key FUT:ES@CME:%s is already configured as \"FUT:ES@CME\", conId "
		 "495512551 (conId 495512551 here)", ymd);
	TU_REQUIRE(sim_up(&r, NULL) == 0);
	TU_REQUIRE(ib_up(&r, NULL, syms, NULL) == 0);
	snprintf(start, sizeof(start), "its instrument key FUT:ES@CME:%s is already configured as ", ymd);
	check_refused(&r, spec, start); /* up to the quotes, which the detail escapes */
	CU_ASSERT(tu_count_in_file(r.ib.log, why) == 1);
out:
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

/* ---- the gate waits for resolution, on every connection ---- */

/* With contract details held by ibsim: the account sync completes, the gate does not open, and the
   detail names the contracts; released, the gate opens after the contracts resolved. */
static void
check_held_then_released(struct tu_stack *r, int download_no)
{
	char *d;

	CU_ASSERT_EQUAL(tu_wait_for_text(r->ib.log, "resolving 2 contract spec(s)", WAIT_MS), 0);
	long long deadline = tu_now_ms() + WAIT_MS;
	while (tu_count_in_file(r->ib.log, "account download complete for DU111111") < download_no &&
	       tu_now_ms() < deadline)
		tu_sleep_ms(20);
	CU_ASSERT_EQUAL(tu_count_in_file(r->ib.log, "account download complete for DU111111"), download_no);
	CU_ASSERT_EQUAL(rwait_has(r->c, tu_key(r, "sync:detail"),
				  "\"missing\":[\"contract:FUT:ES@CME\",\"contract:CASH:EUR.USD@IDEALPRO\"]", WAIT_MS), 0);
	d = tu_rget_alloc(r->c, tu_key(r, "sync"));
	CU_ASSERT_STRING_EQUAL(d, "syncing");
	free(d);
	CU_ASSERT(detail_valid(r));
	control(r, "contract-delay 0");
	CU_ASSERT_EQUAL(tu_rwait(r->c, tu_key(r, "sync"), "ready", WAIT_MS), 0);
}

static void
test_gate_waits_for_resolution(void)
{
	static const char *const sim_args[] = { "--contract-delay-ms", "3600000", NULL };
	static const char *const args[] = { "--reconnect-min-ms", "100", "--reconnect-max-ms", "300", NULL };
	struct tu_stack r;
	char *log = NULL, *res, *open;

	TU_REQUIRE(sim_up(&r, sim_args) == 0);
	TU_REQUIRE(ib_up(&r, NULL, "AAPL,FUT:ES@CME,CASH:EUR.USD@IDEALPRO", args) == 0);
	check_held_then_released(&r, 1);
	CU_ASSERT_EQUAL(tu_wait_for_text(tu_slog(&r.ib, 0), "\"cb\":\"start\"", WAIT_MS), 0);
	/* in the log: both resolved before the gate opened */
	log = tu_read_file(r.ib.log, NULL);
	TU_REQUIRE(log != NULL);
	res = strstr(log, "CASH:EUR.USD@IDEALPRO resolved");
	open = strstr(log, "gate open");
	CU_ASSERT(res != NULL && open != NULL && res < open);
	/* a reconnect re-arms it: held again, the gate stays closed until they resolve again */
	control(&r, "contract-delay 3600000");
	control(&r, "drop");
	CU_ASSERT_EQUAL(tu_wait_for_text(r.ib.log, "closed: ", WAIT_MS), 0);
	check_held_then_released(&r, 2);
	CU_ASSERT_EQUAL(quote_wait(&r, "CASH:EUR.USD@IDEALPRO", WAIT_MS), 0);
out:
	free(log);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&r)));
}

void
test_resolve_register(void)
{
	CU_pSuite s = CU_add_suite("resolve: contract specs resolved as part of sync (ibsim)", NULL, NULL);

	CU_add_test(s, "futures + FX + option: sync, quotes under stable keys, conId cache, restart",
		    test_futures_fx_option_sync_and_quote);
	CU_add_test(s, "delayed data (market_data_type 3) for FUT, CASH, OPT", test_delayed_data);
	CU_add_test(s, "front month: nearest unexpired chosen and logged", test_front_month_chosen_and_logged);
	CU_add_test(s, "tick-by-tick and depth on a spec: P:book:<key>; not among symbols: exit 2", test_tbt_and_depth_on_a_spec);
	CU_add_test(s, "ambiguous spec refused with its candidates, gate closed",
		    test_ambiguous_spec_refused_with_candidates);
	CU_add_test(s, "unknown spec (error 200) named, gate closed", test_unknown_spec_named);
	CU_add_test(s, "two specs for one instrument: the second refused naming both conIds", test_two_specs_one_instrument);
	CU_add_test(s, "gate closed while a contract is unresolved, re-armed by a reconnect",
		    test_gate_waits_for_resolution);
}
