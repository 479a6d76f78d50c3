/*
 * test_bars.c - the decoder on issue #17's inbound messages beyond the real
 * frames of tests/vectors: historicalData's bar list (counts that lie, bars
 * cut short, junk in a price), historicalDataEnd and the layout without
 * start/end from server version 196, IB's "no value" DBL_MAX in pnl, every
 * prefix of each message failing, and the JSON of each being valid.
 */
#include <CUnit/CUnit.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/msg.h"
#include "json_valid.h"

/* "a|b|" -> a heap buffer of exactly its length with NULs (ASan sees any over-read). */
static char *
frame(const char *pipes, size_t *len)
{
	size_t n = strlen(pipes);
	char *p = malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		p[i] = pipes[i] == '|' ? '\0' : pipes[i];
	*len = n;
	return p;
}

static int
decode(const char *pipes, int sv, ib_msg *m, ib_decode_err *err)
{
	size_t n;
	char *p = frame(pipes, &n);
	int rc = ib_msg_decode(p, n, sv, m, err);

	free(p);
	return rc;
}

/* Decodes at sv; every strict prefix fails; its JSON is valid.  The frame stays alive for the caller's checks. */
static char *
decode_exact(const char *pipes, int sv, ib_msg *m)
{
	size_t n, k;
	char *p = frame(pipes, &n), json[8192];
	ib_msg tmp;
	int rc, j;

	for (k = 0; k < n; k++) {
		char *q = malloc(k ? k : 1);
		memcpy(q, p, k);
		rc = ib_msg_decode(q, k, sv, &tmp, NULL);
		free(q);
		if (rc == IB_OK)
			break;
	}
	CU_ASSERT_EQUAL(k, n); /* no prefix decoded */
	CU_ASSERT_EQUAL_FATAL(ib_msg_decode(p, n, sv, m, NULL), IB_OK);
	j = ib_msg_to_json(m, json, sizeof(json));
	CU_ASSERT_TRUE(j > 0 && json_valid(json, (size_t)j));
	return p;
}

static void
test_historical_data_bars(void)
{
	ib_msg m;
	ib_bar_iter it;
	ib_bar b;
	char *p;

	p = decode_exact("17|7|20260105 09:30:00|20260105 10:30:00|3|20260105 09:30:00|100.5|101|99.75|100.25|1200|100.3|"
			 "42|20260105 09:31:00|100.25|100.5|-1|100|0|-1|-1|20260105 09:32:00|1e2|1E2|100|100|1.5|100|1|",
			 176, &m);
	CU_ASSERT_EQUAL(m.id, IB_IN_HISTORICAL_DATA);
	CU_ASSERT_EQUAL(m.u.historical_data.req_id, 7);
	CU_ASSERT_EQUAL(m.u.historical_data.count, 3);
	ib_bars_begin(&m.u.historical_data, &it);
	CU_ASSERT_TRUE(ib_bars_next(&it, &b));
	CU_ASSERT_TRUE(ib_str_eq(b.time, "20260105 09:30:00"));
	CU_ASSERT_EQUAL(b.close, 100.25);
	CU_ASSERT_EQUAL(b.count, 42);
	CU_ASSERT_TRUE(ib_bars_next(&it, &b));
	CU_ASSERT_EQUAL(b.low, -1);
	CU_ASSERT_EQUAL(b.volume, 0);
	CU_ASSERT_EQUAL(b.wap, -1);
	CU_ASSERT_EQUAL(b.count, -1);
	CU_ASSERT_TRUE(ib_bars_next(&it, &b));
	CU_ASSERT_EQUAL(b.open, 100);
	CU_ASSERT_EQUAL(b.high, 100);
	CU_ASSERT_FALSE(ib_bars_next(&it, &b));
	free(p);

	/* no bars */
	p = decode_exact("17|7|a|b|0|", 176, &m);
	ib_bars_begin(&m.u.historical_data, &it);
	CU_ASSERT_FALSE(ib_bars_next(&it, &b));
	free(p);

	/* from 196: no start/end here, historicalDataEnd carries them */
	p = decode_exact("17|8|1|1767605400|1|2|0.5|1.5|10|1.25|3|", 196, &m);
	CU_ASSERT_EQUAL(m.u.historical_data.count, 1);
	CU_ASSERT_EQUAL(m.u.historical_data.start.len, 0);
	ib_bars_begin(&m.u.historical_data, &it);
	CU_ASSERT_TRUE(ib_bars_next(&it, &b));
	CU_ASSERT_TRUE(ib_str_eq(b.time, "1767605400"));
	free(p);
	p = decode_exact("108|8|20260105 09:30:00|20260105 10:30:00|", 196, &m);
	CU_ASSERT_EQUAL(m.id, IB_IN_HISTORICAL_DATA_END);
	CU_ASSERT_TRUE(ib_str_eq(m.u.historical_end.end, "20260105 10:30:00"));
	free(p);

	/* a zeroed iterator yields nothing */
	memset(&it, 0, sizeof(it));
	CU_ASSERT_FALSE(ib_bars_next(&it, &b));
}

static void
test_historical_data_hostile(void)
{
	ib_msg m;
	ib_decode_err err;

	/* a count the frame does not hold: missing field, named */
	CU_ASSERT_EQUAL(decode("17|7|a|b|2|d|1|2|3|4|5|6|7|", 176, &m, &err), IB_EFIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "historicalData"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "bar date"));
	/* a huge or negative count costs nothing and is refused */
	CU_ASSERT_EQUAL(decode("17|7|a|b|2147483647|d|1|2|3|4|5|6|7|", 176, &m, &err), IB_ENUM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "itemCount"));
	CU_ASSERT_EQUAL(decode("17|7|a|b|-1|", 176, &m, &err), IB_ENUM);
	CU_ASSERT_EQUAL(decode("17|7|a|b|x|", 176, &m, &err), IB_ENUM);
	/* junk in a price, in the second bar */
	CU_ASSERT_EQUAL(decode("17|7|a|b|2|d|1|2|3|4|5|6|7|d|1|2|x3|4|5|6|7|", 176, &m, &err), IB_ENUM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "bar low"));
	CU_ASSERT_EQUAL(err.field, 16); /* 0 id, 1 reqId, 2-3 start end, 4 count, 5-12 bar one, 13 date 14 open 15 high 16 low */
	CU_ASSERT_EQUAL(decode("17|7|a|b|1|d|1|2|3|4|5|6|7.5|", 176, &m, &err), IB_ENUM); /* barCount is an int */
	/* the other bar messages */
	CU_ASSERT_EQUAL(decode("90|1|-1|t|1|2|3|4|5|", 176, &m, &err), IB_EFIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "volume"));
	CU_ASSERT_EQUAL(decode("50|3|1|notatime|1|2|3|4|5|6|7|", 176, &m, &err), IB_ENUM);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "realtimeBar"));
	CU_ASSERT_EQUAL(decode("95|1|100|1|2|3|", 176, &m, &err), IB_EFIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.errstr, "value"));
}

static void
test_update_realtime_pnl(void)
{
	ib_msg m;
	char *p, json[1024];

	p = decode_exact("90|9|-1|20260105 09:35:00|100.5|100.75|101|100.25|100.6|321.5|", 176, &m);
	CU_ASSERT_EQUAL(m.u.historical_update.req_id, 9);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.count, -1);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.open, 100.5);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.close, 100.75);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.high, 101);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.low, 100.25);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.wap, 100.6);
	CU_ASSERT_EQUAL(m.u.historical_update.bar.volume, 321.5);
	free(p);

	p = decode_exact("50|3|4|1767605400|1.5|2|1|1.25|-1|-1|-1|", 176, &m);
	CU_ASSERT_EQUAL(m.u.realtime_bar.time, 1767605400);
	CU_ASSERT_TRUE(ib_str_eq(m.u.realtime_bar.bar.time, "1767605400"));
	CU_ASSERT_EQUAL(m.u.realtime_bar.bar.volume, -1);
	free(p);

	/* IB's "no value" is Java's Double.MAX_VALUE: it decodes to IB_UNSET_DOUBLE and prints as null */
	p = decode_exact("94|5|-12.5|1.7976931348623157E308|0|", 176, &m);
	CU_ASSERT_EQUAL(m.u.pnl.daily, -12.5);
	CU_ASSERT_EQUAL(m.u.pnl.unrealized, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(m.u.pnl.realized, 0);
	CU_ASSERT_TRUE(ib_msg_to_json(&m, json, sizeof(json)) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"unrealizedPnL\":null"));
	free(p);

	p = decode_exact("95|6|-100|1|2|3|-15000.25|", 176, &m);
	CU_ASSERT_EQUAL(m.u.pnl_single.position, -100);
	CU_ASSERT_EQUAL(m.u.pnl_single.value, -15000.25);
	free(p);

	CU_ASSERT_STRING_EQUAL(ib_msg_name(IB_IN_HISTORICAL_DATA), "historicalData");
	CU_ASSERT_STRING_EQUAL(ib_msg_name(IB_IN_HISTORICAL_DATA_UPDATE), "historicalDataUpdate");
	CU_ASSERT_STRING_EQUAL(ib_msg_name(IB_IN_REAL_TIME_BAR), "realtimeBar");
	CU_ASSERT_STRING_EQUAL(ib_msg_name(IB_IN_PNL), "pnl");
	CU_ASSERT_STRING_EQUAL(ib_msg_name(IB_IN_PNL_SINGLE), "pnlSingle");
}

/* Bars' JSON when the buffer is too small: IB_ENOSPC, never a cut object. */
static void
test_bars_json_space(void)
{
	ib_msg m;
	char *p, json[64];

	p = decode_exact("17|7|a|b|2|d|1|2|3|4|5|6|7|e|1|2|3|4|5|6|7|", 176, &m);
	CU_ASSERT_EQUAL(ib_msg_to_json(&m, json, sizeof(json)), IB_ENOSPC);
	CU_ASSERT_EQUAL(json[0], '\0');
	free(p);
}

void
test_bars_register(void)
{
	CU_pSuite s = CU_add_suite("bars", NULL, NULL);
	CU_add_test(s, "historicalData: bars walked from the frame, exactly count", test_historical_data_bars);
	CU_add_test(s, "historicalData: lying counts, short bars, junk are named errors", test_historical_data_hostile);
	CU_add_test(s, "historicalDataUpdate, realtimeBar, pnl, pnlSingle", test_update_realtime_pnl);
	CU_add_test(s, "bars JSON that does not fit is IB_ENOSPC", test_bars_json_space);
}
