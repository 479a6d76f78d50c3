/*
 * test_bar_spec.c - the `bars` setting: items parsed from the right (so a
 * contract spec keeps its colons), sizes and durations in IB's words, the
 * name each series is filed under, duplicates, refusals that name the item,
 * printing back; and the network thread's reading of a bar's time.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "config/bar_spec.h"
#include "config/config.h"
#include "core/pipeline_state.h"

static void
test_items(void)
{
	ib_bar_cfg b;
	char err[256];

	CU_ASSERT_EQUAL_FATAL(ib_bar_spec_parse("AAPL:5s", 7, &b, err, sizeof(err)), IB_OK);
	CU_ASSERT_TRUE(b.realtime);
	CU_ASSERT_FALSE(b.warmup);
	CU_ASSERT_STRING_EQUAL(b.contract.symbol, "AAPL");
	CU_ASSERT_STRING_EQUAL(b.name, "AAPL:5s");
	CU_ASSERT_STRING_EQUAL(b.what, "TRADES");

	const char *fut = "FUT:ES@CME:202603:1min:2D";
	CU_ASSERT_EQUAL_FATAL(ib_bar_spec_parse(fut, strlen(fut), &b, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(b.contract.sec_type, "FUT");
	CU_ASSERT_STRING_EQUAL(b.contract.last_trade_date, "202603");
	CU_ASSERT_STRING_EQUAL(b.bar_size, "1 min");
	CU_ASSERT_STRING_EQUAL(b.duration, "2 D");
	CU_ASSERT_TRUE(b.warmup);
	CU_ASSERT_FALSE(b.realtime);
	CU_ASSERT_EQUAL(b.bar_secs, 60);
	CU_ASSERT_STRING_EQUAL(b.name, "FUT:ES@CME:202603:1min");

	const char *fx = "CASH:EUR.USD@IDEALPRO:5min:1D";
	CU_ASSERT_EQUAL_FATAL(ib_bar_spec_parse(fx, strlen(fx), &b, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(b.what, "MIDPOINT"); /* FX has no trades */
	CU_ASSERT_STRING_EQUAL(b.name, "CASH:EUR.USD@IDEALPRO:5min");

	const char *opt = "OPT:SPY@SMART:20261218:500:C:1h:1W:MIDPOINT";
	CU_ASSERT_EQUAL_FATAL(ib_bar_spec_parse(opt, strlen(opt), &b, err, sizeof(err)), IB_OK);
	CU_ASSERT_EQUAL(b.contract.strike, 500);
	CU_ASSERT_STRING_EQUAL(b.contract.right, "C");
	CU_ASSERT_STRING_EQUAL(b.bar_size, "1 hour");
	CU_ASSERT_STRING_EQUAL(b.duration, "1 W");
	CU_ASSERT_STRING_EQUAL(b.name, "OPT:SPY@SMART:20261218:500:C:1h:MIDPOINT"); /* not the default: named */

	/* refusals name the item and say what is wrong */
	CU_ASSERT_EQUAL(ib_bar_spec_parse("AAPL", 4, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "\"AAPL\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "SIZE"));
	CU_ASSERT_EQUAL(ib_bar_spec_parse("AAPL:7min:1D", 12, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_bar_spec_parse("AAPL:1min", 9, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "history duration"));
	CU_ASSERT_EQUAL(ib_bar_spec_parse(":5s", 3, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_bar_spec_parse("FUT:ES:1min:1D", 14, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "exchange")); /* the contract spec's own reason */
	CU_ASSERT_EQUAL(ib_bar_spec_parse("AAPL:5s:BID_ASK", 15, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_bar_spec_parse("AAPL:1min:0D", 12, &b, err, sizeof(err)), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_bar_spec_parse("AAPL:1min:2d", 12, &b, err, sizeof(err)), IB_EINVAL); /* IB's units are upper case */
}

static void
test_config_key(void)
{
	ib_config *c = calloc(1, sizeof(*c));
	char err[256], shown[1024];

	ib_config_defaults(c);
	CU_ASSERT_EQUAL(c->nbars, 0);
	CU_ASSERT_EQUAL(c->hist_pacing_scale, 1);
	CU_ASSERT_EQUAL(ib_config_set(c, "bars", " AAPL:5s , MSFT:1min:2D,AAPL:5s, AAPL:1min:1D:MIDPOINT", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c->nbars, 3); /* the second AAPL:5s is the same series */
	CU_ASSERT_STRING_EQUAL(c->bars[2].name, "AAPL:1min:MIDPOINT");
	/* all or nothing */
	CU_ASSERT_EQUAL(ib_config_set(c, "bars", "AAPL:5s,BAD", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bars"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "BAD"));
	CU_ASSERT_EQUAL(c->nbars, 3);
	/* printed back, it loads to the same */
	ib_bar_list_show(c->bars, c->nbars, shown, sizeof(shown));
	CU_ASSERT_STRING_EQUAL(shown, "AAPL:5s:TRADES,MSFT:1min:2D:TRADES,AAPL:1min:1D:MIDPOINT");
	CU_ASSERT_EQUAL(ib_config_set(c, "bars", shown, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c->nbars, 3);
	CU_ASSERT_STRING_EQUAL(c->bars[1].duration, "2 D");
	CU_ASSERT_EQUAL(ib_config_set(c, "hist_pacing_scale", "0.01", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ib_config_set(c, "hist_pacing_scale", "2", err, sizeof(err)), -1); /* never laxer than IB */
	CU_ASSERT_EQUAL(ib_config_set(c, "redis_bars_maxlen", "500", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c->redis_bars_maxlen, 500);
	free(c);
}

static void
test_bar_time(void)
{
	CU_ASSERT_EQUAL(ib_bar_time("1767605400", 10), 1767605400);
	CU_ASSERT_EQUAL(ib_bar_time("20260105", 8), 1767571200);           /* a daily bar: its date, 00:00 UTC */
	CU_ASSERT_EQUAL(ib_bar_time("20260105 09:30:00", 17), 1767605400);
	CU_ASSERT_EQUAL(ib_bar_time("20260105  09:30:00", 18), 1767605400); /* IB's two spaces */
	CU_ASSERT_EQUAL(ib_bar_time("20260105 09:30:00 US/Eastern", 28), 1767605400); /* the zone: taken as UTC */
	CU_ASSERT_EQUAL(ib_bar_time("20000229 00:00:00", 17), 951782400);
	/* not a time: 0 (the bar is then skipped and counted) */
	CU_ASSERT_EQUAL(ib_bar_time("", 0), 0);
	CU_ASSERT_EQUAL(ib_bar_time("2026010", 7) , 2026010); /* digits: epoch seconds, as sent */
	CU_ASSERT_EQUAL(ib_bar_time("20261305", 8), 0);
	CU_ASSERT_EQUAL(ib_bar_time("20260105 9:30:00", 16), 0);
	CU_ASSERT_EQUAL(ib_bar_time("20260105 25:30:00", 17), 0);
	CU_ASSERT_EQUAL(ib_bar_time("x0260105", 8), 0);
	CU_ASSERT_EQUAL(ib_bar_time("1767605400123456", 16), 0);
}

void
test_bar_spec_register(void)
{
	CU_pSuite s = CU_add_suite("bar_spec", NULL, NULL);
	CU_add_test(s, "items: contract spec, size, duration, what; names; refusals", test_items);
	CU_add_test(s, "the bars key: a list, duplicates, all or nothing, printed back", test_config_key);
	CU_add_test(s, "a bar's time as IB sends it", test_bar_time);
}
