/*
 * bench_decode.c - `ibbench decode`: how many inbound messages per second
 * one core turns from framed bytes into typed structs.
 *
 * For each mix a buffer of realistic framed messages is built once (ticks:
 * bid/ask/last prices and sizes over a few tickers, as a market-data feed
 * alternates them; account: account values and portfolio lines; order:
 * orderStatus, openOrder, execDetails; depth: updateMktDepth, updateMktDepthL2
 * and tick-by-tick BidAsk / AllLast, as a book feed interleaves them).  Each pass hands the whole buffer
 * to an ib_framer and runs ib_framer_next + ib_msg_decode over every frame.
 * The baseline runs the same framer over the same buffer but splits each
 * frame's fields with memchr and parses numbers with strtol/strtod -- the
 * loop one writes first.  Both store what they parse, and both are checked
 * once before timing (every frame decodes, counts match).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_decode.h"
#include "codec/msg.h"
#include "codec/wire.h"

#define MSGS_PER_MIX 4096
#define MAX_FRAME_TEXT 2048

struct buf {
	char *p;
	size_t len, cap;
	int msgs;
};

/*
 * CPU time of this thread, not wall time: the question is what one core
 * does, and on a shared machine wall time would charge us for the other
 * processes' slices.
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Append one frame given as '|'-separated text. */
static void
add(struct buf *b, const char *bars)
{
	size_t n = strlen(bars);

	if (b->len + n + 4 > b->cap) {
		b->cap = (b->cap + n + 4) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL) {
			fprintf(stderr, "ibbench decode: out of memory\n");
			exit(1);
		}
	}
	ib_be32_put(b->p + b->len, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		b->p[b->len + 4 + i] = bars[i] == '|' ? '\0' : bars[i];
	b->len += n + 4;
	b->msgs++;
}

/* ---- the mixes ---- */

/* A feed over 8 tickers: each update is a price and then its size, as the gateway sends them. */
static void
build_tick(struct buf *b)
{
	static const int price_type[] = { IB_TICK_BID, IB_TICK_ASK, IB_TICK_LAST };
	static const int size_type[] = { IB_TICK_BID_SIZE, IB_TICK_ASK_SIZE, IB_TICK_LAST_SIZE };
	char t[128];
	unsigned seed = 12345;

	for (int i = 0; b->msgs < MSGS_PER_MIX; i++) {
		int ticker = 1001 + i % 8, k = (i / 8) % 3;
		seed = seed * 1103515245u + 12345u;
		double px = 100.0 + (ticker - 1000) * 23.17 + (double)(seed >> 16 & 255) * 0.01;
		int size = 100 * (int)(1 + (seed >> 8 & 31));
		snprintf(t, sizeof(t), "1|6|%d|%d|%.2f|%d|%u|", ticker, price_type[k], px, size, (seed >> 4) & 1);
		add(b, t);
		snprintf(t, sizeof(t), "2|6|%d|%d|%d|", ticker, size_type[k], size);
		add(b, t);
	}
}

static void
build_account(struct buf *b)
{
	static const char *const keys[] = { "NetLiquidation", "TotalCashValue", "BuyingPower", "GrossPositionValue",
					    "AvailableFunds", "ExcessLiquidity", "MaintMarginReq", "UnrealizedPnL" };
	static const char *const syms[] = { "AAPL", "MSFT", "TSLA", "NVDA", "AMZN", "SPY" };
	char t[512];

	for (int i = 0; b->msgs < MSGS_PER_MIX; i++) {
		snprintf(t, sizeof(t), "6|2|%s|%.2f|USD|DU1234567|", keys[i % 8], 246447.83 + i * 1.25);
		add(b, t);
		int s = i % 6;
		double px = 150.0 + s * 31.7 + (i % 100) * 0.01;
		snprintf(t, sizeof(t),
			 "7|8|%d|%s|STK||0.0|||NASDAQ|USD|%s|NMS|%d|%.2f|%.2f|%.4f|%.2f|0.0|DU1234567|", 265598 + s * 1111,
			 syms[s], syms[s], 100 + s * 10, px, px * (100 + s * 10), px - 1.2345, 1.2 * (100 + s * 10));
		add(b, t);
	}
}

static void
build_order(struct buf *b)
{
	/* an AAPL MKT order as a 173 gateway sends it (tests/vectors/openOrder.txt) */
	static const char open_order[] =
		"5|%d|265598|AAPL|STK||0|?||SMART|USD|AAPL|NMS|BUY|100|MKT|0.0|0.0|DAY||DU1234567||0||100|%d|0|0|0||"
		"600745656.0/DU1234567/100||||||||||0||-1|0||||||2147483647|0|0|0||3|0|0||0|0||0|None||0||||?|0|0||0|0||"
		"||||0|0|0|2147483647|2147483647|||0||IB|0|0||0|0|%s|1.7976931348623157E308|1.7976931348623157E308|"
		"1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|"
		"1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308||||||0|0|0|None|"
		"1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|1.7976931348623157E308|"
		"1.7976931348623157E308|1.7976931348623157E308|0||||0|1|0|0|0|||0||100|0.02|||";
	static const char *const status[] = { "PreSubmitted", "Submitted", "Filled" };
	char t[MAX_FRAME_TEXT];

	for (int i = 0; b->msgs < MSGS_PER_MIX; i++) {
		int id = 5 + i, perm = 600745656 + i;
		double filled = (i % 3) * 50.0;
		snprintf(t, sizeof(t), "3|%d|%s|%.0f|%.0f|%s|%d|0|%s|100||0|", id, status[i % 3], filled, 100 - filled,
			 filled > 0 ? "201.94" : "0", perm, filled > 0 ? "201.94" : "0");
		add(b, t);
		snprintf(t, sizeof(t), open_order, id, perm, status[i % 3]);
		add(b, t);
		snprintf(t, sizeof(t),
			 "11|-1|%d|265598|AAPL|STK||0.0|||IEX|USD|AAPL|NMS|0000e0d5.67fe667b.%02x.01|20250415  19:38:31|"
			 "DU1234567|IEX|BOT|50|201.94|%d|100|0|%.0f|201.94|||||2|",
			 id, i & 255, perm, filled + 50);
		add(b, t);
	}
}

/* A book feed over 4 tickers: L1 and L2 depth operations, and the tick-by-tick they imply. */
static void
build_depth(struct buf *b)
{
	char t[160];
	unsigned seed = 777;

	for (int i = 0; b->msgs < MSGS_PER_MIX; i++) {
		int req = 200000 + i % 4, pos = i % 10, side = (i / 4) & 1;
		seed = seed * 1103515245u + 12345u;
		double px = 150.0 + (i % 4) * 41.3 + (side ? -0.01 : 0.01) * (pos + 1);
		int size = 100 * (int)(1 + (seed >> 8 & 31));
		switch (i % 8) {
		case 0: case 1: case 2: case 3:
			snprintf(t, sizeof(t), "12|1|%d|%d|%d|%d|%.2f|%d|", req, pos, (int)(seed >> 4) % 3, side, px, size);
			break;
		case 4: case 5:
			snprintf(t, sizeof(t), "13|1|%d|%d|NSDQ|%d|%d|%.2f|%d|1|", req, pos, (int)(seed >> 4) % 3, side, px,
				 size);
			break;
		case 6:
			snprintf(t, sizeof(t), "99|%d|3|1678745793|%.2f|%.2f|%d|%d|0|", 100000 + i % 4, px - 0.01, px + 0.01,
				 size, size + 100);
			break;
		default:
			snprintf(t, sizeof(t), "99|%d|2|1678745793|%.2f|%d|0|NASDAQ|Regular|", 100000 + i % 4, px, size);
			break;
		}
		add(b, t);
	}
}

static const struct mix {
	const char *name;
	void (*build)(struct buf *);
} mixes[] = {
	{ "tick", build_tick },
	{ "account", build_account },
	{ "order", build_order },
	{ "depth", build_depth },
};

/* ---- the two decoders ---- */

/*
 * Put the whole buffer in front of the framer again.  The bytes fed once
 * are still in f's buffer: reset rewinds head and tail, wptr on an empty
 * framer returns the start without moving anything, commit re-exposes them.
 */
static void
rewind_framer(ib_framer *f, size_t len)
{
	size_t avail;

	ib_framer_reset(f);
	(void)ib_framer_wptr(f, &avail);
	ib_framer_commit(f, len);
}

static volatile uint64_t sink; /* what both loops parsed, so neither is dead code */

/* Our decoder: returns messages decoded OK in `passes` passes. */
static uint64_t __attribute__((noinline))
decode_passes(ib_framer *f, size_t len, int sv, long passes)
{
	uint64_t ok = 0, s = 0;
	ib_frame fr;
	ib_msg m;

	for (long i = 0; i < passes; i++) {
		rewind_framer(f, len);
		while (ib_framer_next(f, &fr) == IB_OK) {
			if (ib_msg_decode(fr.p, fr.len, sv, &m, NULL) == IB_OK) {
				ok++;
				s += (uint64_t)m.id + (uint64_t)m.u.tick_price.req_id;
			}
		}
	}
	sink += s;
	return ok;
}

/*
 * The baseline's field plans, one letter per field after the id: i int
 * (strtol), l long (strtoll), d double (strtod), s string view, v skipped
 * version; '*' = the rest as string views.  Same fields as ib_msg_decode
 * reads at 176, except openOrder past permId, whose groups need logic the
 * naive loop does not have (it only splits them).
 */
static const char *
plan(long id)
{
	switch (id) {
	case IB_IN_TICK_PRICE: return "viiddi";
	case IB_IN_TICK_SIZE: return "viid";
	case IB_IN_ORDER_STATUS: return "isdddlidisd";
	case IB_IN_OPEN_ORDER: return "iisssdsssssssdsddssssisil*";
	case IB_IN_ACCT_VALUE: return "vssss";
	case IB_IN_PORTFOLIO_VALUE: return "visssdssssssdddddds";
	case IB_IN_EXEC_DETAILS: return "iiisssdsssssssssssddliiddssssi";
	case IB_IN_MKT_DEPTH: return "viiiidd";
	case IB_IN_MKT_DEPTH_L2: return "viisiiddi";
	case IB_IN_TICK_BY_TICK: return "iil*"; /* the rest depends on the type: fields as views */
	}
	return "*";
}

union val {
	long i;
	long long l;
	double d;
	struct {
		const char *p;
		size_t n;
	} s;
};

/* One frame, the plain way; returns fields parsed, -1 if the frame ran short. */
static int
baseline_frame(const char *p, size_t len, union val *v, int cap)
{
	const char *end = p + len, *nul;
	const char *pl;
	int n = 0;

	if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
		return -1;
	long id = strtol(p, NULL, 10);
	p = nul + 1;
	for (pl = plan(id); *pl && n < cap; pl++) {
		if (*pl == '*') {
			while (p < end && (nul = memchr(p, '\0', (size_t)(end - p))) != NULL) {
				if (n < cap) {
					v[n].s.p = p;
					v[n].s.n = (size_t)(nul - p);
					n++;
				}
				p = nul + 1;
			}
			break;
		}
		if (p >= end || (nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return -1;
		switch (*pl) {
		case 'i': v[n].i = strtol(p, NULL, 10); break;
		case 'l': v[n].l = strtoll(p, NULL, 10); break;
		case 'd': v[n].d = strtod(p, NULL); break;
		case 's': v[n].s.p = p, v[n].s.n = (size_t)(nul - p); break;
		default: break;
		}
		n++;
		p = nul + 1;
	}
	return n;
}

static uint64_t __attribute__((noinline))
baseline_passes(ib_framer *f, size_t len, long passes)
{
	uint64_t ok = 0, s = 0;
	union val v[256];
	ib_frame fr;

	for (long i = 0; i < passes; i++) {
		rewind_framer(f, len);
		while (ib_framer_next(f, &fr) == IB_OK) {
			int n = baseline_frame(fr.p, fr.len, v, 256);
			if (n > 0) {
				ok++;
				s += (uint64_t)n + (uint64_t)v[0].i;
			}
		}
	}
	sink += s;
	return ok;
}

/* ---- measuring ---- */

struct rate {
	double msgs_per_s;
	uint64_t msgs;
};

#define SLICES 5

/*
 * The best of SLICES slices of seconds/SLICES each (or exactly `iters`
 * passes, once): on a shared machine a neighbour on the sibling hyperthread
 * or a cache flush costs a slice, not the figure.
 */
static struct rate
measure(bool baseline, ib_framer *f, const struct buf *b, int sv, double seconds, long iters)
{
	struct rate best = { 0, 0 };

	/* warm caches and branch predictors */
	baseline ? baseline_passes(f, b->len, 1) : decode_passes(f, b->len, sv, 1);
	for (int slice = 0; slice < (iters > 0 ? 1 : SLICES); slice++) {
		uint64_t msgs = 0;
		double t0 = now_s(), t;
		do {
			long k = iters > 0 ? iters : 8;
			msgs += baseline ? baseline_passes(f, b->len, k) : decode_passes(f, b->len, sv, k);
			t = now_s();
		} while (iters <= 0 && t - t0 < seconds / SLICES);
		double r = (double)msgs / (t - t0);
		if (r > best.msgs_per_s) {
			best.msgs_per_s = r;
			best.msgs = msgs;
		}
	}
	return best;
}

static void
report(const char *mix, const char *what, double v, const char *unit)
{
	char name[96];

	snprintf(name, sizeof(name), "decode_%s_%s", mix, what);
	bench_result(name, unit, v);
}

int
bench_decode(int argc, char **argv)
{
	double seconds = bench_quick(argc, argv) ? 0.2 : 1.0;
	long iters = 0;
	int sv = IB_CLIENT_MAX;
	bool baseline = true, want[sizeof(mixes) / sizeof(mixes[0])] = { false }, any = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		/* argv[i] is not NULL for i < argc; the analyzer doubts it once `&& v` below has tested argv[i + 1] */
		if (strcmp(a, "--help") == 0) { /* NOLINT(clang-analyzer-core.NonNullParamChecker) */
			printf("usage: ibbench decode [--mix tick|account|order|depth]... [--seconds S] [--iters N]\n"
			       "                      [--no-baseline] [--server-version N] [--quick] [--json FILE]\n");
			return 0;
		} else if (strcmp(a, "--mix") == 0 && v) {
			bool found = false;
			for (size_t k = 0; k < sizeof(mixes) / sizeof(mixes[0]); k++)
				if (strcmp(mixes[k].name, v) == 0)
					want[k] = any = found = true;
			if (!found) {
				fprintf(stderr, "ibbench decode: unknown mix %s\n", v);
				return 2;
			}
			i++;
		} else if (strcmp(a, "--seconds") == 0 && v) {
			seconds = atof(argv[++i]);
		} else if (strcmp(a, "--iters") == 0 && v) {
			iters = atol(argv[++i]);
		} else if (strcmp(a, "--server-version") == 0 && v) {
			sv = atoi(argv[++i]);
		} else if (strcmp(a, "--no-baseline") == 0) {
			baseline = false;
		} else if (strcmp(a, "--json") == 0 && v) {
			i++; /* the dispatcher's */
		} else if (strcmp(a, "--quick") != 0) {
			fprintf(stderr, "ibbench decode: unknown option %s\n", a);
			return 2;
		}
	}

	printf("%-8s %6s %12s %8s %14s %8s\n", "mix", "B/msg", "msgs/s", "ns/msg", "baseline msg/s", "ratio");
	for (size_t k = 0; k < sizeof(mixes) / sizeof(mixes[0]); k++) {
		struct buf b = { 0 };
		ib_framer f;
		ib_frame fr;
		ib_msg m;
		ib_decode_err de;
		int good = 0;

		if (any && !want[k])
			continue;
		mixes[k].build(&b);
		if (ib_framer_init(&f, b.len + (1u << 16) + 4, 1u << 16) != IB_OK ||
		    ib_framer_feed(&f, b.p, b.len) != IB_OK) {
			fprintf(stderr, "ibbench decode: framer setup failed\n");
			return 1;
		}
		/* every frame must decode, or the rate means nothing */
		rewind_framer(&f, b.len);
		while (ib_framer_next(&f, &fr) == IB_OK) {
			if (ib_msg_decode(fr.p, fr.len, sv, &m, &de) != IB_OK) {
				fprintf(stderr, "ibbench decode: %s mix: %s\n", mixes[k].name, de.errstr);
				return 1;
			}
			good++;
		}
		if (good != b.msgs) {
			fprintf(stderr, "ibbench decode: %s mix: %d of %d frames\n", mixes[k].name, good, b.msgs);
			return 1;
		}

		struct rate ours = measure(false, &f, &b, sv, seconds, iters);
		struct rate base = { 0, 0 };
		if (baseline)
			base = measure(true, &f, &b, sv, seconds, iters);
		double ratio = base.msgs_per_s > 0 ? ours.msgs_per_s / base.msgs_per_s : 0;

		printf("%-8s %6.0f %11.2fM %8.1f", mixes[k].name, (double)(b.len - 4 * (size_t)b.msgs) / b.msgs,
		       ours.msgs_per_s / 1e6, 1e9 / ours.msgs_per_s);
		if (baseline)
			printf(" %13.2fM %7.2fx\n", base.msgs_per_s / 1e6, ratio);
		else
			printf(" %14s %8s\n", "-", "-");
		report(mixes[k].name, "msgs_per_s", ours.msgs_per_s, "msgs_per_s");
		report(mixes[k].name, "ns_per_msg", 1e9 / ours.msgs_per_s, "ns");
		if (baseline) {
			report(mixes[k].name, "baseline_msgs_per_s", base.msgs_per_s, "msgs_per_s");
			report(mixes[k].name, "ratio", ratio, "x");
		}
		ib_framer_free(&f);
		free(b.p);
	}
	printf("(best of %d slices, per CPU-second of one thread, framer included; baseline: memchr per field,\n"
	       " strtol/strtod)\n", SLICES);
	fflush(stdout);
	return 0;
}
