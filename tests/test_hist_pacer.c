/*
 * test_hist_pacer.c - the historical pacer's rules with an injected clock:
 * the 10-minute window, identical requests, the per-contract burst, the
 * queue (FIFO, one contract's wait not holding another's, cancel, full),
 * scaling, and a long random run checked by an independent judge that
 * applies IB's rules exactly as ibsim does (no guard): no violation.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist_pacer.h"

#define S 1000000000LL

static ib_req
hreq(int32_t id, const char *sym, const char *bar, const char *dur, const char *what)
{
	ib_req r;

	memset(&r, 0, sizeof(r));
	r.id = IB_OUT_REQ_HISTORICAL_DATA;
	r.u.historical_data.req_id = id;
	ib_contract_stock(&r.u.historical_data.contract, sym);
	snprintf(r.u.historical_data.bar_size, sizeof(r.u.historical_data.bar_size), "%s", bar);
	snprintf(r.u.historical_data.duration, sizeof(r.u.historical_data.duration), "%s", dur);
	snprintf(r.u.historical_data.what_to_show, sizeof(r.u.historical_data.what_to_show), "%s", what);
	r.u.historical_data.format_date = 2;
	return r;
}

static void
test_window(void)
{
	ib_hist_pacer *hp = calloc(1, sizeof(*hp));
	const char *why;
	char sym[16];

	ib_hist_pacer_init(hp, 1);
	/* 60 requests for 60 contracts, one a second: each may go at once */
	for (int i = 0; i < 60; i++) {
		snprintf(sym, sizeof(sym), "S%d", i);
		ib_req r = hreq(i, sym, "1 min", "1 D", "TRADES");
		CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&r), ib_hist_pacer_burst(&r), i * S, &why), 0);
		ib_hist_pacer_sent(hp, ib_hist_pacer_ident(&r), ib_hist_pacer_burst(&r), i * S);
	}
	/* the 61st, at 100 s: waits until the first (sent at 0) is 10 min (+ guard) old */
	ib_req r = hreq(60, "NEW", "1 min", "1 D", "TRADES");
	int64_t w = ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&r), ib_hist_pacer_burst(&r), 100 * S, &why);
	CU_ASSERT_EQUAL(w, 600 * S + IB_HP_GUARD_NS - 100 * S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "10 minutes"));
	CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&r), ib_hist_pacer_burst(&r), 100 * S + w, NULL), 0);
	free(hp);
}

static void
test_identical(void)
{
	ib_hist_pacer *hp = calloc(1, sizeof(*hp));
	ib_req a = hreq(1, "AAPL", "1 min", "1 D", "TRADES"), b = hreq(2, "AAPL", "1 min", "1 D", "TRADES");
	ib_req c = hreq(3, "AAPL", "5 mins", "1 D", "TRADES"), d = hreq(4, "AAPL", "1 min", "1 D", "MIDPOINT");
	const char *why;

	ib_hist_pacer_init(hp, 1);
	/* the request id is not part of the identity; bar size and what to show are */
	CU_ASSERT_EQUAL(ib_hist_pacer_ident(&a), ib_hist_pacer_ident(&b));
	CU_ASSERT_NOT_EQUAL(ib_hist_pacer_ident(&a), ib_hist_pacer_ident(&c));
	CU_ASSERT_NOT_EQUAL(ib_hist_pacer_ident(&a), ib_hist_pacer_ident(&d));
	CU_ASSERT_EQUAL(ib_hist_pacer_burst(&a), ib_hist_pacer_burst(&c));
	CU_ASSERT_NOT_EQUAL(ib_hist_pacer_burst(&a), ib_hist_pacer_burst(&d));
	ib_hist_pacer_sent(hp, ib_hist_pacer_ident(&a), ib_hist_pacer_burst(&a), 10 * S);
	CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&b), ib_hist_pacer_burst(&b), 20 * S, &why),
			15 * S + IB_HP_GUARD_NS - 10 * S);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "identical"));
	CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&c), ib_hist_pacer_burst(&c), 20 * S, NULL), 0);
	CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&b), ib_hist_pacer_burst(&b), 25 * S + IB_HP_GUARD_NS, NULL), 0);
	free(hp);
}

static void
test_burst(void)
{
	ib_hist_pacer *hp = calloc(1, sizeof(*hp));
	static const char *bars[] = { "1 min", "2 mins", "3 mins", "5 mins", "10 mins", "15 mins" };
	const char *why;

	ib_hist_pacer_init(hp, 1);
	for (int i = 0; i < 5; i++) {
		ib_req r = hreq(i, "AAPL", bars[i], "1 D", "TRADES");
		CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&r), ib_hist_pacer_burst(&r), i * 100000000LL, NULL), 0);
		ib_hist_pacer_sent(hp, ib_hist_pacer_ident(&r), ib_hist_pacer_burst(&r), i * 100000000LL);
	}
	/* the sixth for AAPL TRADES within 2 s waits for the first to leave the window */
	ib_req six = hreq(5, "AAPL", bars[5], "1 D", "TRADES");
	int64_t w = ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&six), ib_hist_pacer_burst(&six), 500000000LL, &why);
	CU_ASSERT_EQUAL(w, 2 * S + IB_HP_GUARD_NS - 500000000LL);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "2 s"));
	/* another contract, or the same contract's MIDPOINT, is not held */
	ib_req other = hreq(6, "MSFT", bars[5], "1 D", "TRADES"), mid = hreq(7, "AAPL", bars[5], "1 D", "MIDPOINT");
	CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&other), ib_hist_pacer_burst(&other), 500000000LL, NULL), 0);
	CU_ASSERT_EQUAL(ib_hist_pacer_wait(hp, ib_hist_pacer_ident(&mid), ib_hist_pacer_burst(&mid), 500000000LL, NULL), 0);
	free(hp);
}

static void
test_queue(void)
{
	ib_hist_pacer *hp = calloc(1, sizeof(*hp));
	static const char *bars[] = { "1 min", "2 mins", "3 mins", "5 mins", "10 mins", "15 mins", "20 mins" };
	ib_req out;
	int32_t owner;
	int64_t wait;

	ib_hist_pacer_init(hp, 1);
	CU_ASSERT_FALSE(ib_hist_pacer_next(hp, 0, &out, &owner, &wait));
	CU_ASSERT_EQUAL(wait, INT64_MAX);
	/* seven for AAPL, then one for MSFT: five AAPL go, then MSFT overtakes the two held AAPL */
	for (int i = 0; i < 7; i++) {
		ib_req r = hreq(i, "AAPL", bars[i], "1 D", "TRADES");
		CU_ASSERT_TRUE(ib_hist_pacer_offer(hp, &r, 3, 0));
	}
	ib_req m = hreq(100, "MSFT", "1 min", "1 D", "TRADES");
	CU_ASSERT_TRUE(ib_hist_pacer_offer(hp, &m, -1, 0));
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_TRUE_FATAL(ib_hist_pacer_next(hp, 0, &out, &owner, &wait));
		CU_ASSERT_EQUAL(out.u.historical_data.req_id, i); /* FIFO */
		CU_ASSERT_EQUAL(owner, 3);
	}
	CU_ASSERT_TRUE_FATAL(ib_hist_pacer_next(hp, 0, &out, &owner, &wait));
	CU_ASSERT_EQUAL(out.u.historical_data.req_id, 100);
	CU_ASSERT_EQUAL(owner, -1);
	CU_ASSERT_FALSE(ib_hist_pacer_next(hp, 0, &out, &owner, &wait));
	CU_ASSERT_EQUAL(wait, 2 * S + IB_HP_GUARD_NS);
	CU_ASSERT_EQUAL(hp->waited, 2); /* each held request logged its wait once */
	CU_ASSERT_FALSE(ib_hist_pacer_next(hp, 1 * S, &out, &owner, &wait)); /* asked early: the same answer */
	CU_ASSERT_EQUAL(wait, 1 * S + IB_HP_GUARD_NS);
	/* a cancel takes a held request out */
	CU_ASSERT_TRUE(ib_hist_pacer_cancel(hp, 5));
	CU_ASSERT_FALSE(ib_hist_pacer_cancel(hp, 5));
	CU_ASSERT_TRUE_FATAL(ib_hist_pacer_next(hp, wait + 1 * S, &out, &owner, &wait));
	CU_ASSERT_EQUAL(out.u.historical_data.req_id, 6);
	CU_ASSERT_EQUAL(hp->nq, 0);
	/* full: refused and counted, never grown */
	for (int i = 0; i < IB_HP_QUEUE; i++) {
		ib_req r = hreq(1000 + i, "X", "1 min", "1 D", "TRADES");
		CU_ASSERT_TRUE(ib_hist_pacer_offer(hp, &r, -1, 0));
	}
	CU_ASSERT_FALSE(ib_hist_pacer_offer(hp, &m, -1, 0));
	CU_ASSERT_EQUAL(hp->refused, 1);
	ib_hist_pacer_clear_queue(hp);
	CU_ASSERT_EQUAL(hp->nq, 0);
	free(hp);
}

static void
test_scale(void)
{
	ib_hist_pacer *hp = calloc(1, sizeof(*hp));

	ib_hist_pacer_init(hp, 0.01);
	CU_ASSERT_EQUAL(hp->window_ns, 6 * S + IB_HP_GUARD_NS);
	CU_ASSERT_EQUAL(hp->identical_ns, 150000000LL + IB_HP_GUARD_NS);
	CU_ASSERT_EQUAL(hp->burst_ns, 20000000LL + IB_HP_GUARD_NS);
	ib_hist_pacer_init(hp, 0); /* nonsense scales are IB's own */
	CU_ASSERT_EQUAL(hp->window_ns, 600 * S + IB_HP_GUARD_NS);
	free(hp);
}

/* ---- the judge: IB's rules as a strict gateway applies them (sim_bars.c), no guard ---- */

struct judged {
	int64_t t;
	uint64_t ident, burst;
};

static const char *
judge(const struct judged *log, int n, const struct judged *r, double scale)
{
	int in_window = 0, in_burst = 0;

	for (int i = 0; i < n; i++) {
		int64_t age = r->t - log[i].t;
		if (age < (int64_t)(600 * S * scale))
			in_window++;
		if (log[i].ident == r->ident && age < (int64_t)(15 * S * scale))
			return "identical";
		if (log[i].burst == r->burst && age < (int64_t)(2 * S * scale))
			in_burst++;
	}
	if (in_window >= 60)
		return "window";
	if (in_burst >= 5)
		return "burst";
	return NULL;
}

static void
test_random_run_never_violates(void)
{
	static const char *syms[] = { "AAPL", "MSFT", "NVDA" };
	static const char *bars[] = { "1 min", "5 mins", "1 hour" };
	static const char *durs[] = { "1 D", "2 D" };
	ib_hist_pacer *hp = calloc(1, sizeof(*hp));
	struct judged *log = calloc(2000, sizeof(*log));
	int nlog = 0, offered = 0, id = 0;
	int64_t now = 0, last = 0;
	unsigned seed = 17;

	ib_hist_pacer_init(hp, 1);
	/* 400 requests from 3 x 3 x 2 shapes (many identical), arriving in bursts; time jumps to the next due */
	while (nlog < 400) {
		while (offered < 400 && hp->nq < 40) {
			ib_req r = hreq(id++, syms[rand_r(&seed) % 3], bars[rand_r(&seed) % 3], durs[rand_r(&seed) % 2], "TRADES");
			CU_ASSERT_TRUE(ib_hist_pacer_offer(hp, &r, -1, now));
			offered++;
		}
		ib_req out;
		int32_t owner;
		int64_t wait;
		if (ib_hist_pacer_next(hp, now, &out, &owner, &wait)) {
			struct judged j = { now, ib_hist_pacer_ident(&out), ib_hist_pacer_burst(&out) };
			const char *bad = judge(log, nlog, &j, 1);
			CU_ASSERT_PTR_NULL(bad);
			if (bad)
				printf("\nviolation (%s) at send %d, t=%lld\n", bad, nlog, (long long)now);
			log[nlog++] = j;
			last = now;
			now += rand_r(&seed) % 3 * 1000000LL; /* sometimes the same instant */
		} else {
			CU_ASSERT_FATAL(wait > 0 && wait < INT64_MAX);
			now += wait;
		}
	}
	/* and it is not needlessly slow: 400 requests need 6 full windows (60 each), not much more */
	CU_ASSERT(last < 7LL * 600 * S);
	free(log);
	free(hp);
}

void
test_hist_pacer_register(void)
{
	CU_pSuite s = CU_add_suite("hist_pacer", NULL, NULL);
	CU_add_test(s, "60 requests in 10 minutes, the 61st waits for the first to age out", test_window);
	CU_add_test(s, "an identical request waits 15 s; the identity is the whole request", test_identical);
	CU_add_test(s, "five per contract and what-to-show in 2 s, the sixth waits", test_burst);
	CU_add_test(s, "queue: FIFO, one contract's wait does not hold another's, cancel, full", test_queue);
	CU_add_test(s, "windows scale, the guard does not", test_scale);
	CU_add_test(s, "400 random requests: a strict judge finds no violation", test_random_run_never_violates);
}
