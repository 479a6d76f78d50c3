/*
 * test_hostile_numbers.c - numbers no JSON can hold, from the gateway.
 *
 * The wire parser takes a price or a quantity as strtod does, so a gateway
 * (or anything between it and us) can send Infinity, NaN or 1e999.  A live
 * session's recording is patched so that every other tickPrice carries one
 * of those and two orderStatus frames are added for an order of nobody's
 * (900): Submitted with filled=Infinity, then Filled 100.  `ibpipe replay`
 * feeds it to the recorder strategy, which writes every quote.  Every line it
 * writes must still be JSON, and the order must still reach Filled: a filled
 * count of Infinity made every later status look older, and froze the order.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ibpipe/ib.h"
#include "json_valid.h"
#include "record/record.h"
#include "record/replay.h"
#include "testutil.h"

#define TAIL_FRAMES 800 /* frames recorded after the gate opened, at least: the patched part */

static const char *const hostile[] = { "Infinity", "NaN", "1e999", "-Infinity" };

/* A payload of NUL-terminated fields from '|'-separated text (no field holds '|'); its length. */
static uint32_t
fields(char *out, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < n; i++)
		out[i] = text[i] == '|' ? '\0' : text[i];
	return (uint32_t)n;
}

/* A tickPrice (1|version|tickerId|tickType|price|size|attrMask) with its price replaced; its length. */
static uint32_t
tick_with_price(char *out, const char *p, uint32_t len, const char *price)
{
	uint32_t o = 0;
	int field = 0;

	for (uint32_t i = 0; i < len; field++) {
		size_t n = strnlen(p + i, len - i);
		const char *f = field == 4 ? price : p + i;
		size_t fn = field == 4 ? strlen(price) : n;
		memcpy(out + o, f, fn);
		o += (uint32_t)fn;
		out[o++] = '\0';
		i += (uint32_t)n + 1;
	}
	return o;
}

/* A live session against ibsim, recorded until TAIL_FRAMES frames past the gate; 0 or -1. */
static int
record_live(const char *rec)
{
	const char *args[] = { "--record", rec, NULL };
	struct tu_opts o = { .args = args, .strategy = "recorder", .symbols = "AAPL,MSFT", .redis = TU_REDIS_OFF };
	struct tu_stack s;
	long long at_gate;
	int ok;

	if (tu_stack_start(&s, &o) != 0) {
		tu_stack_stop(&s);
		return -1;
	}
	ok = tu_stack_ready(&s, 30000) == 0 && (at_gate = tu_sim_stat(&s.sim, "total_msgs_out")) > 0 &&
	     TU_UNTIL(tu_sim_stat(&s.sim, "total_msgs_out") > at_gate + TAIL_FRAMES, 30000);
	return tu_exited_ok(tu_stack_stop(&s)) && ok ? 0 : -1;
}

/*
 * rec, copied to out with every other tickPrice of the last TAIL_FRAMES frames carrying a hostile
 * price, and order 900's two statuses among them (the second 200 frames before the end, so that
 * the replay is still running when it arrives).  The number of hostile frames, or -1.
 */
static int
patch(const char *rec, const char *out)
{
	ib_rec_reader r;
	ib_recorder *w;
	char err[256], buf[4096];
	const char *p;
	uint32_t len;
	int64_t ts;
	uint64_t total = 0, i = 0, ticks = 0;
	int n = 0;

	if (ib_rec_open(&r, rec) != IB_OK)
		return -1;
	while (ib_rec_next(&r, &ts, &p, &len) == IB_OK)
		total++;
	ib_rec_close(&r);
	if (total < TAIL_FRAMES || ib_rec_open(&r, rec) != IB_OK)
		return -1;
	if ((w = ib_record_open(out, r.server_version, err, sizeof(err))) == NULL) {
		ib_rec_close(&r);
		return -1;
	}
	for (; ib_rec_next(&r, &ts, &p, &len) == IB_OK; i++) {
		bool tail = i >= total - TAIL_FRAMES, tick = len > 2 && memcmp(p, "1\0", 2) == 0;
		if (i == total - 500)
			ib_record_frame(w, buf, fields(buf, "3|900|Submitted|Infinity|Infinity|0|0|0|0|0||0|"), ts);
		if (i == total - 200)
			ib_record_frame(w, buf, fields(buf, "3|900|Filled|100|0|187.25|0|0|187.25|0||0|"), ts);
		if (tail && tick && ticks++ % 2 == 0 && len < sizeof(buf) - 16)
			ib_record_frame(w, buf, tick_with_price(buf, p, len, hostile[n++ % 4]), ts);
		else
			ib_record_frame(w, p, len, ts);
	}
	ib_record_close(w);
	ib_rec_close(&r);
	return n;
}

/* A recording with hostile numbers, replayed to the recorder strategy: its log, read whole (free it), or NULL. */
static char *
hostile_replay(void)
{
	const char *dir = tu_tmpdir();
	char rec[300], patched[300], strat[300], slog[320], out[4096];

	snprintf(rec, sizeof(rec), "%s/live.ibrec", dir);
	snprintf(patched, sizeof(patched), "%s/hostile.ibrec", dir);
	snprintf(strat, sizeof(strat), "%s/strategy", dir);
	snprintf(slog, sizeof(slog), "%s.0", strat);
	CU_ASSERT_EQUAL_FATAL(record_live(rec), 0);
	CU_ASSERT_FATAL(patch(rec, patched) > 50);

	/* speed 1: the recorded pace, so the gate opens as early in the replay as it did live */
	char *argv[] = { (char *)tu_bin("ibpipe"), "replay", patched, "--speed", "1", "--no-redis", "--strategy",
			 "recorder", "--symbols", "AAPL,MSFT", "--state-dir", (char *)dir, "--log-level", "warn", NULL };
	setenv("IB_STRATEGY_LOG", strat, 1);
	setenv("IB_RECORDER_ALL", "1", 1);
	int st = tu_run(argv, out, sizeof(out), 120000);
	unsetenv("IB_RECORDER_ALL");
	unsetenv("IB_STRATEGY_LOG");
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return tu_read_file(slog, NULL);
}

/* Every line of the recorder's log is one JSON text, and the hostile numbers are in it (as null). */
static void
test_recorder_lines_stay_json(void)
{
	char *text = hostile_replay();
	int lines = 0, bad = 0, nulls = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (!json_valid(p, n) && bad++ < 3)
			fprintf(stderr, "\n      line %d not JSON: %.*s", lines + 1, (int)(n > 200 ? 200 : n), p);
		const char *nl = memmem(p, n, ":null", 5);
		nulls += nl != NULL;
		lines++;
		p += n + (p[n] == '\n');
	}
	free(text);
	CU_ASSERT(lines > 100);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(nulls > 10); /* the hostile prices reached the strategy */
}

/*
 * Order 900's Submitted with filled=Infinity does not hold the order back: its fill count is
 * unknown (0 still), and the Filled that follows reaches the strategy.
 */
static void
test_infinite_fill_does_not_freeze_the_order(void)
{
	char *text = hostile_replay();

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":900,\"symbol\":\"\",\"status\":\"Submitted\",\"filled\":0,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"id\":900,\"symbol\":\"\",\"status\":\"Filled\",\"filled\":100,\"remaining\":0}"));
	free(text);
}

void
test_hostile_numbers_register(void)
{
	CU_pSuite s = CU_add_suite("hostile_numbers", NULL, NULL);
	CU_add_test(s, "Infinity / NaN / 1e999 from the gateway: every recorder line is JSON",
		    test_recorder_lines_stay_json);
	CU_add_test(s, "an orderStatus with filled=Infinity does not freeze the order",
		    test_infinite_fill_does_not_freeze_the_order);
}
