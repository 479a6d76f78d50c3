/*
 * bench_codec.c - `ibbench decode`: framer + decoder on one core, for tick,
 * account and order mixes, against a plain memchr-per-field loop (strtol /
 * strtod per number) over the same buffer.  --iterations N decodes the
 * tick buffer N times and stops (for callgrind's instructions/message).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ibpipe/msg.h"
#include "ibpipe/wake.h"

static size_t
put(char *buf, size_t off, const char *payload, size_t len)
{
	ib_be32_put(buf + off, (uint32_t)len);
	memcpy(buf + off + 4, payload, len);
	return off + 4 + len;
}

/* A realistic mix: alternating tickPrice/tickSize over 50 tickers. */
static size_t
build(char *buf, size_t cap, const char *mix, int *nmsgs)
{
	size_t off = 0;
	int n = 0;
	char p[512];

	while (off + 600 < cap) {
		int len;
		if (strcmp(mix, "tick") == 0) {
			if (n % 2 == 0)
				len = snprintf(p, sizeof(p), "1|6|%d|%d|%.2f|%d|0|", 1000 + n % 50, 1 + (n % 3),
					       187.25 + (n % 100) * 0.01, 100 * (1 + n % 7));
			else
				len = snprintf(p, sizeof(p), "2|6|%d|%d|%d|", 1000 + n % 50, n % 4 == 1 ? 0 : 3, 100 * (1 + n % 9));
		} else if (strcmp(mix, "account") == 0) {
			if (n % 4 != 3)
				len = snprintf(p, sizeof(p), "6|2|NetLiquidation|%.2f|USD|DU111111|", 1000000.0 + n);
			else
				len = snprintf(p, sizeof(p), "7|8|265598|AAPL|STK||0|||NASDAQ|USD|AAPL|NMS|100|187.25|18725|"
							     "177.9|935|0|DU111111|");
		} else {
			len = snprintf(p, sizeof(p), "3|%d|Submitted|%d|%d|187.25|600745656|0|187.25|1||0|", n, n % 100,
				       100 - n % 100);
		}
		for (int i = 0; i < len; i++)
			if (p[i] == '|')
				p[i] = '\0';
		off = put(buf, off, p, (size_t)len);
		n++;
	}
	*nmsgs = n;
	return off;
}

static uint64_t sink;

static int
decode_all(ib_framer *f, const char *buf, size_t len)
{
	ib_frame fr;
	ib_msg m;
	int n = 0;

	ib_framer_reset(f);
	ib_framer_feed(f, buf, len);
	while (ib_framer_next(f, &fr) == IB_OK) {
		if (ib_msg_decode(fr.p, fr.len, 176, &m, NULL) == IB_OK)
			sink += (uint64_t)m.id;
		n++;
	}
	return n;
}

/* The baseline: what a straightforward decoder does -- find each field with memchr, then parse it. */
static int
baseline_all(const char *buf, size_t len)
{
	size_t off = 0;
	int n = 0;

	while (off + 4 <= len) {
		uint32_t fl = ib_be32_get(buf + off);
		const char *p = buf + off + 4, *end = p + fl;
		while (p < end) {
			const char *z = memchr(p, '\0', (size_t)(end - p));
			if (!z)
				break;
			if (*p == '-' || (*p >= '0' && *p <= '9')) {
				if (memchr(p, '.', (size_t)(z - p)))
					sink += (uint64_t)strtod(p, NULL);
				else
					sink += (uint64_t)strtol(p, NULL, 10);
			}
			p = z + 1;
		}
		off += 4 + fl;
		n++;
	}
	return n;
}

static double
rate(int (*fn)(ib_framer *, const char *, size_t), ib_framer *f, const char *buf, size_t len, bool base)
{
	int64_t t0 = ib_now_mono_ns(), t;
	uint64_t msgs = 0;

	do {
		msgs += (uint64_t)(base ? baseline_all(buf, len) : fn(f, buf, len));
		t = ib_now_mono_ns();
	} while (t - t0 < 700000000LL);
	return (double)msgs / ((double)(t - t0) / 1e9);
}

int
bench_codec(int argc, char **argv)
{
	static const char *mixes[] = { "tick", "account", "order" };
	size_t cap = 8u << 20;
	char *buf = malloc(cap);
	ib_framer f;
	long iterations = 0;

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--iterations") == 0)
			iterations = atol(argv[i + 1]);
	if (!buf || ib_framer_init(&f, cap + IB_MAX_FRAME + 8, 0) != IB_OK)
		return 1;
	if (iterations > 0) {
		int n;
		size_t len = build(buf, 1u << 20, "tick", &n);
		for (long i = 0; i < iterations; i++)
			decode_all(&f, buf, len);
		printf("decoded %ld x %d tick messages\n", iterations, n);
		ib_framer_free(&f);
		free(buf);
		return 0;
	}
	printf("%-10s %14s %9s %16s %7s\n", "mix", "msgs/s", "ns/msg", "memchr baseline", "ratio");
	for (size_t k = 0; k < sizeof(mixes) / sizeof(mixes[0]); k++) {
		int n;
		size_t len = build(buf, cap, mixes[k], &n);
		double best = 0, base = 0;
		for (int rep = 0; rep < 3; rep++) {
			double r = rate(decode_all, &f, buf, len, false), b = rate(NULL, &f, buf, len, true);
			best = r > best ? r : best;
			base = b > base ? b : base;
		}
		printf("%-10s %14.0f %9.1f %16.0f %7.2f\n", mixes[k], best, 1e9 / best, base, best / base);
		char name[64];
		snprintf(name, sizeof(name), "decode_%s", mixes[k]);
		bench_result(name, "msgs_per_s", best);
		snprintf(name, sizeof(name), "decode_%s_memchr_baseline", mixes[k]);
		bench_result(name, "msgs_per_s", base);
		snprintf(name, sizeof(name), "decode_%s_ratio_to_memchr", mixes[k]);
		bench_result(name, "ratio", best / base);
	}
	ib_framer_free(&f);
	free(buf);
	return 0;
}
