/*
 * quote.h - the latest quote per instrument, shared by reference.
 *
 * One writer (the market-data thread) updates a quote inside a ck_sequence
 * write section; readers (Redis publisher, progress line) copy it with the
 * read_begin/read_retry loop and never block the writer.  Every field is a
 * 64-bit word moved with relaxed atomic loads and stores, the correct way to
 * build a seqlock (a torn plain copy would be a data race); __atomic rather
 * than ck_pr so that ThreadSanitizer sees them (ck_pr's x86 moves are inline
 * assembly it cannot see) and would report any plain access that races.
 * `version` grows by one per applied update, so a reader that remembers the
 * version it last saw knows whether there is something new: this is how the
 * publisher coalesces (it only ever writes the latest value).
 *
 * The instrument list (n) is fixed before any thread starts.  An
 * instrument's name is its instrument key (docs/contracts.md): a US stock's
 * symbol, set before the threads start, or, for a contract that must be
 * resolved first (a future, an FX pair, ...), the key of the resolved
 * contract, written once by the network thread when IB first describes it
 * and published by `named` (release).  Read it with ib_quote_name.
 */
#ifndef IBPIPE_QUOTE_H
#define IBPIPE_QUOTE_H

#include <ck_pr.h>
#include <ck_sequence.h>
#include <stdint.h>
#include <string.h>

#include "ib.h"

#define IB_MAX_INSTRUMENTS 16384 /* power of two */
/* An instrument key with its NUL: the longest key of any contract the spec grammar accepts is 82 bytes. */
#define IB_INSTR_NAME_LEN 96

typedef struct ib_quote_data {
	double bid, ask, last;
	double bid_size, ask_size, last_size, volume;
	double mid;             /* tick-by-tick MidPoint */
	int64_t last_time;      /* tick-by-tick: exchange time of the last trade, epoch s */
	int64_t recv_mono_ns;   /* CLOCK_MONOTONIC when the latest tick arrived */
	int64_t updated_ns;     /* CLOCK_REALTIME of the latest tick (published as updated_at) */
	uint64_t version;
} ib_quote_data;

#define IB_QUOTE_WORDS (sizeof(ib_quote_data) / sizeof(uint64_t))

typedef struct ib_quote {
	ck_sequence_t seq;
	uint64_t w[IB_QUOTE_WORDS];
} __attribute__((aligned(64))) ib_quote;

typedef struct ib_quote_table {
	uint32_t n;             /* instruments in use, fixed before threads start */
	char symbol[IB_MAX_INSTRUMENTS][IB_INSTR_NAME_LEN]; /* the key; valid once named[i] */
	uint8_t named[IB_MAX_INSTRUMENTS];  /* __atomic: symbol[i] is written (and never changes again) */
	ib_quote q[IB_MAX_INSTRUMENTS];
} ib_quote_table;

/* Instrument i's key, or "" while its contract is not resolved yet; any thread. */
static inline const char *
ib_quote_name(const ib_quote_table *t, uint32_t i)
{
	return __atomic_load_n(&t->named[i], __ATOMIC_ACQUIRE) ? t->symbol[i] : "";
}

/* Name instrument i, once: before the threads start, or by the one thread that resolves it. */
static inline void
ib_quote_set_name(ib_quote_table *t, uint32_t i, const char *key)
{
	/* strlen, not strnlen: this header is built into plugins with plain -std=c11, which has no strnlen
	   (POSIX); key is a C string, cut to the column */
	size_t n = strlen(key);

	if (n > IB_INSTR_NAME_LEN - 1)
		n = IB_INSTR_NAME_LEN - 1;
	memcpy(t->symbol[i], key, n);
	t->symbol[i][n] = '\0';
	__atomic_store_n(&t->named[i], 1, __ATOMIC_RELEASE);
}

/* Copy quote i consistently; safe from any thread. */
static inline void
ib_quote_read(const ib_quote_table *t, uint32_t i, ib_quote_data *out)
{
	uint64_t w[IB_QUOTE_WORDS];
	unsigned int v;

	do {
		v = ck_sequence_read_begin(&t->q[i].seq);
		for (size_t k = 0; k < IB_QUOTE_WORDS; k++)
			w[k] = __atomic_load_n(&t->q[i].w[k], __ATOMIC_RELAXED);
	} while (ck_sequence_read_retry(&t->q[i].seq, v));
	memcpy(out, w, sizeof(*out));
}

/*
 * Only the single writer may call this.  Four stores a turn: the atomic
 * stores are never merged or unrolled by the compiler, and at one a turn
 * the loop's own count and branch were half of the market-data thread's
 * cost of a tick (callgrind).
 */
static inline void
ib_quote_write(ib_quote_table *t, uint32_t i, const ib_quote_data *in)
{
	uint64_t w[IB_QUOTE_WORDS];
	uint64_t *dst = t->q[i].w;

	_Static_assert(IB_QUOTE_WORDS % 4 == 0, "ib_quote_write stores four words a turn");
	memcpy(w, in, sizeof(w));
	ck_sequence_write_begin(&t->q[i].seq);
	for (size_t k = 0; k < IB_QUOTE_WORDS; k += 4) {
		__atomic_store_n(&dst[k], w[k], __ATOMIC_RELAXED);
		__atomic_store_n(&dst[k + 1], w[k + 1], __ATOMIC_RELAXED);
		__atomic_store_n(&dst[k + 2], w[k + 2], __ATOMIC_RELAXED);
		__atomic_store_n(&dst[k + 3], w[k + 3], __ATOMIC_RELAXED);
	}
	ck_sequence_write_end(&t->q[i].seq);
}

/*
 * The writer's own view needs no sequence and no atomic loads: it is the
 * only thread that stores to the quote, and its plain reads race with no
 * store (other threads only read).  Writer thread only.
 */
static inline void
ib_quote_peek(const ib_quote_table *t, uint32_t i, ib_quote_data *out)
{
	memcpy(out, t->q[i].w, sizeof(*out));
}

/*
 * SDK ABI 1.4: an option's computations, from IB's tickOptionComputation.
 * The model ones (tick type 13, delayed 83) fill iv .. und_price; the bid,
 * ask and last ones (10, 11, 12; delayed 80-82) only their implied
 * volatility.  A value IB has not computed (it sends -1 or -2), or has not
 * sent yet, is IB_UNSET_DOUBLE, never NaN.  version is 0 until the first
 * computation arrives and grows by one per one applied.  vega is per
 * volatility point and theta per day, as IB sends them.
 */
typedef struct ib_option_greeks {
	double iv, delta, gamma, vega, theta;
	double opt_price;       /* the model's option price */
	double pv_dividend;     /* present value of dividends to expiry */
	double und_price;       /* the underlying price the model used */
	double bid_iv, ask_iv, last_iv;
	int64_t recv_mono_ns;   /* CLOCK_MONOTONIC when the latest computation arrived */
	int64_t updated_ns;     /* CLOCK_REALTIME of the latest computation */
	uint64_t version;
} ib_option_greeks;

#define IB_GREEKS_WORDS (sizeof(ib_option_greeks) / sizeof(uint64_t))

/* One instrument's computations, seqlocked as ib_quote is: one writer (market data), any reader. */
typedef struct ib_greeks {
	ck_sequence_t seq;
	uint64_t w[IB_GREEKS_WORDS];
} __attribute__((aligned(64))) ib_greeks;

static inline void
ib_greeks_read(const ib_greeks *g, ib_option_greeks *out)
{
	uint64_t w[IB_GREEKS_WORDS];
	unsigned int v;

	do {
		v = ck_sequence_read_begin(&g->seq);
		for (size_t k = 0; k < IB_GREEKS_WORDS; k++)
			w[k] = __atomic_load_n(&g->w[k], __ATOMIC_RELAXED);
	} while (ck_sequence_read_retry(&g->seq, v));
	memcpy(out, w, sizeof(*out));
}

/* Only the single writer may call this. */
static inline void
ib_greeks_write(ib_greeks *g, const ib_option_greeks *in)
{
	uint64_t w[IB_GREEKS_WORDS];

	memcpy(w, in, sizeof(w));
	ck_sequence_write_begin(&g->seq);
	for (size_t k = 0; k < IB_GREEKS_WORDS; k++)
		__atomic_store_n(&g->w[k], w[k], __ATOMIC_RELAXED);
	ck_sequence_write_end(&g->seq);
}

#endif
