/*
 * test_command_parse.c - the command stream's pure parts: an entry's fields checked and turned
 * into an order (command_parse.c), and the journal of first results (command_journal.c) across
 * a close and reopen, a torn last line, and hostile reasons.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/command_journal.h"
#include "service/command_parse.h"
#include "testutil.h"

/* Parse "f v f v ..." (space separated) into c; why gets the reason. */
static int
parse(const char *text, ib_command *c, char *why, size_t cap)
{
	static char buf[1024];
	ib_cmd_str kv[64];
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save)) {
		for (char *q = t; *q; q++) /* '~' stands for a space inside a value: "STP~LMT" */
			*q = *q == '~' ? ' ' : *q;
		kv[n++] = (ib_cmd_str){ t, strlen(t) };
	}
	return ib_command_parse(kv, n, c, why, cap);
}

static void
test_valid(void)
{
	ib_command c;
	char why[200];

	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id a-1 symbol AAPL action BUY qty 100 type LMT lmt 187.5", &c, why,
				    sizeof(why)),
			      0);
	CU_ASSERT_EQUAL(c.op, IB_CMD_PLACE);
	CU_ASSERT_STRING_EQUAL(c.cmd_id, "a-1");
	CU_ASSERT_STRING_EQUAL(c.contract.symbol, "AAPL");
	CU_ASSERT_STRING_EQUAL(c.contract.sec_type, "STK");
	CU_ASSERT_STRING_EQUAL(c.contract.exchange, "SMART");
	CU_ASSERT_STRING_EQUAL(c.contract.currency, "USD");
	CU_ASSERT_STRING_EQUAL(c.order.action, "BUY");
	CU_ASSERT_STRING_EQUAL(c.order.order_type, "LMT");
	CU_ASSERT_STRING_EQUAL(c.order.tif, "DAY");
	CU_ASSERT_DOUBLE_EQUAL(c.order.total_qty, 100, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.order.lmt_price, 187.5, 0);
	CU_ASSERT_EQUAL(parse("cmd place cmd_id s symbol MSFT action SELL qty 5 type STP aux 400 tif GTC exchange ISLAND "
			      "account DU111111",
			      &c, why, sizeof(why)),
			0);
	CU_ASSERT_DOUBLE_EQUAL(c.order.aux_price, 400, 0);
	CU_ASSERT_STRING_EQUAL(c.contract.exchange, "ISLAND");
	CU_ASSERT_STRING_EQUAL(c.order.account, "DU111111");
	CU_ASSERT_EQUAL(parse("cmd place cmd_id f contract FUT:ES@CME:202612 action BUY qty 1 type MKT", &c, why,
			      sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(c.contract.sec_type, "FUT");
	CU_ASSERT_STRING_EQUAL(c.contract.symbol, "ES");
	CU_ASSERT_STRING_EQUAL(c.contract.exchange, "CME");
	CU_ASSERT_STRING_EQUAL(c.contract.last_trade_date, "202612");
	CU_ASSERT_EQUAL(parse("cmd place cmd_id o contract OPT:SPY:20261218:500:C action SELL qty 2 type LMT lmt 3.5", &c,
			      why, sizeof(why)),
			0);
	CU_ASSERT_STRING_EQUAL(c.contract.right, "C");
	CU_ASSERT_DOUBLE_EQUAL(c.contract.strike, 500, 0);
	CU_ASSERT_EQUAL(parse("cmd modify cmd_id m order_id 12 symbol AAPL action BUY qty 1 type MKT", &c, why, sizeof(why)),
			0);
	CU_ASSERT_EQUAL(c.order_id, 12);
	CU_ASSERT_EQUAL(c.order.order_id, 12);
	CU_ASSERT_EQUAL(parse("cmd cancel cmd_id x:1 order_id 7", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.op, IB_CMD_CANCEL);
	CU_ASSERT_EQUAL(parse("cmd_id h cmd halt", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(c.op, IB_CMD_HALT);
	CU_ASSERT_EQUAL(parse("cmd resume cmd_id r", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(parse("cmd cancel_all cmd_id all", &c, why, sizeof(why)), 0);
	CU_ASSERT_FALSE(c.scope_all);
	CU_ASSERT_EQUAL(parse("cmd cancel_all cmd_id all scope commands", &c, why, sizeof(why)), 0);
	CU_ASSERT_FALSE(c.scope_all);
	CU_ASSERT_EQUAL(parse("cmd cancel_all cmd_id all scope all", &c, why, sizeof(why)), 0);
	CU_ASSERT_TRUE(c.scope_all);

	/* the order types and terms the codec encodes (req.h) */
	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id t symbol AAPL action SELL qty 10 type STP~LMT aux 99 lmt 98.5 "
				    "tif GTD good_till 20261218~16:00:00~US/Eastern outside_rth 1",
				    &c, why, sizeof(why)),
			      0);
	CU_ASSERT_STRING_EQUAL(c.order.order_type, "STP LMT");
	CU_ASSERT_DOUBLE_EQUAL(c.order.aux_price, 99, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.order.lmt_price, 98.5, 1e-9);
	CU_ASSERT_STRING_EQUAL(c.order.tif, "GTD");
	CU_ASSERT_STRING_EQUAL(c.order.good_till_date, "20261218 16:00:00 US/Eastern");
	CU_ASSERT_TRUE(c.order.outside_rth);
	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id t symbol AAPL action SELL qty 10 type TRAIL trail_pct 1.5 "
				    "trail_stop 180",
				    &c, why, sizeof(why)),
			      0);
	CU_ASSERT_DOUBLE_EQUAL(c.order.trailing_percent, 1.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.order.trail_stop_price, 180, 1e-9);
	CU_ASSERT_EQUAL(parse("cmd place cmd_id t symbol AAPL action SELL qty 10 type TRAIL aux 0.5", &c, why, sizeof(why)),
			0);
	CU_ASSERT_EQUAL(parse("cmd place cmd_id t symbol AAPL action BUY qty 10 type MOC", &c, why, sizeof(why)), 0);
	CU_ASSERT_EQUAL(parse("cmd place cmd_id t symbol AAPL action BUY qty 10 type LOC lmt 5 tif FOK", &c, why,
			      sizeof(why)),
			0);
	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id t symbol AAPL action BUY qty 10 type LMT lmt 5 priority Urgent "
				    "tif OPG",
				    &c, why, sizeof(why)),
			      0);
	CU_ASSERT_STRING_EQUAL(c.order.algo_strategy, "Adaptive");
	CU_ASSERT_EQUAL(c.order.algo_param_count, 1);
	CU_ASSERT_STRING_EQUAL(c.order.algo_params[0].tag, "adaptivePriority");
	CU_ASSERT_STRING_EQUAL(c.order.algo_params[0].value, "Urgent");
	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id t symbol AAPL action BUY qty 10 type LMT lmt 100 take_profit 110 "
				    "stop_loss 95",
				    &c, why, sizeof(why)),
			      0);
	CU_ASSERT_DOUBLE_EQUAL(c.take_profit, 110, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(c.stop_loss, 95, 1e-9);
	CU_ASSERT_EQUAL(parse("cmd place cmd_id t symbol AAPL action SELL qty 10 type MKT stop_loss 110", &c, why,
			      sizeof(why)),
			0);
	CU_ASSERT_DOUBLE_EQUAL(c.take_profit, 0, 1e-9);
	CU_ASSERT_STRING_EQUAL(c.order.oca_group, "");
	CU_ASSERT_EQUAL(c.order.oca_type, 0);
	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id t symbol AAPL action BUY qty 10 type LMT lmt 100 oca_group "
				    "breakout-7",
				    &c, why, sizeof(why)),
			      0);
	CU_ASSERT_STRING_EQUAL(c.order.oca_group, "breakout-7");
	CU_ASSERT_EQUAL(c.order.oca_type, 1);
	CU_ASSERT_EQUAL_FATAL(parse("cmd place cmd_id t symbol AAPL action BUY qty 10 type MKT oca_group g oca_type 3", &c,
				    why, sizeof(why)),
			      0);
	CU_ASSERT_EQUAL(c.order.oca_type, 3);
}

static void
refused(const char *text, const char *cmd_id, const char *reason)
{
	ib_command c;
	char why[200];

	CU_ASSERT_EQUAL(parse(text, &c, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(c.cmd_id, cmd_id);
	if (strcmp(why, reason) != 0) {
		fprintf(stderr, "\n  '%s': '%s', expected '%s'\n", text, why, reason);
		CU_FAIL("reason");
	}
}

static void
test_refused(void)
{
	refused("cmd place symbol AAPL", "", "missing field 'cmd_id'");
	refused("cmd_id a", "a", "missing field 'cmd'");
	refused("cmd fire cmd_id a", "a", "unknown cmd 'fire' (place, modify, cancel, cancel_all, halt, resume)");
	refused("cmd place cmd_id a symbol AAPL action BUY type MKT", "a", "missing field 'qty'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type LMT", "a", "missing field 'lmt' (type LMT)");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type STP", "a",
		"missing field 'aux' (the stop price of type STP)");
	refused("cmd place cmd_id a symbol AAPL action HOLD qty 1 type MKT", "a", "action must be BUY or SELL: 'HOLD'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 0 type MKT", "a", "'qty' must be above 0 and at most 1e9: '0'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1e10 type MKT", "a",
		"'qty' must be above 0 and at most 1e9: '1e10'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty inf type MKT", "a", "bad number in 'qty': 'inf'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT tif FOO", "a",
		"tif must be DAY, GTC, IOC, FOK, GTD or OPG: 'FOO'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT sec_type OPT", "a",
		"sec_type: only STK is supported: 'OPT'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT qty 2", "a", "field 'qty' given twice");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT colour red", "a", "unknown field 'colour'");
	refused("cmd cancel cmd_id a order_id 7 symbol AAPL", "a", "cmd cancel takes no field 'symbol'");
	refused("cmd cancel cmd_id a order_id -7", "a", "bad order_id: '-7'");
	refused("cmd cancel cmd_id a order_id 99999999999", "a", "bad order_id: '99999999999'");
	refused("cmd halt cmd_id a odd", "a", "odd number of items in the entry");
	refused("cmd place cmd_id a action BUY qty 1 type MKT", "a", "missing field 'symbol' (or 'contract')");
	refused("cmd place cmd_id a contract AAPL symbol AAPL action BUY qty 1 type MKT", "a",
		"give contract or symbol, not both ('symbol' with 'contract')");
	refused("cmd place cmd_id a contract FUT:ES@CME action BUY qty 1 type MKT", "a",
		"contract: a future needs its contract month here (FUT:ES@CME:202612)");
	refused("cmd place cmd_id a contract FUT:ES action BUY qty 1 type MKT", "a",
		"contract spec \"FUT:ES\": FUT needs an exchange, as in FUT:ES@CME");
	refused("cmd cancel_all cmd_id a scope everything", "a", "scope must be commands or all: 'everything'");
	refused("cmd cancel cmd_id a order_id 7 scope all", "a", "cmd cancel takes no field 'scope'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type PEG", "a",
		"type must be LMT, MKT, STP, STP LMT, TRAIL, MOC or LOC: 'PEG'");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type TRAIL", "a",
		"type TRAIL needs 'aux' (the trailing amount) or 'trail_pct', one of them");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type TRAIL aux 1 trail_pct 2", "a",
		"type TRAIL needs 'aux' (the trailing amount) or 'trail_pct', one of them");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type TRAIL trail_pct 100", "a",
		"'trail_pct' must be below 100: '100'");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type LMT lmt 5 trail_pct 2", "a",
		"'trail_pct' is for type TRAIL");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type LOC", "a", "missing field 'lmt' (type LOC)");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type STP_LMT lmt 5 aux 5", "a",
		"type must be LMT, MKT, STP, STP LMT, TRAIL, MOC or LOC: 'STP_LMT'");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type STP\001LMT lmt 5", "a",
		"type must be LMT, MKT, STP, STP LMT, TRAIL, MOC or LOC: 'STP?LMT'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT tif GTD", "a",
		"missing field 'good_till' (tif GTD: yyyymmdd hh:mm:ss [zone])");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT good_till 20260105", "a",
		"'good_till' is for tif GTD");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type STP aux 5 tif OPG", "a",
		"tif OPG is for types MKT and LMT");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT outside_rth yes", "a",
		"outside_rth must be 0, 1, false or true: 'yes'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT priority Fast", "a",
		"priority must be Patient, Normal or Urgent: 'Fast'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type STP aux 5 priority Urgent", "a",
		"priority (IB's Adaptive algo) is for types MKT and LMT");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type LMT lmt 10 take_profit 9", "a",
		"take_profit 9 must be above the limit 10 for a BUY");
	refused("cmd place cmd_id a symbol AAPL action SELL qty 1 type LMT lmt 10 stop_loss 9", "a",
		"stop_loss 9 must be above the limit 10 for a SELL");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT take_profit 9 stop_loss 11", "a",
		"take_profit 9 must be above stop_loss 11 for a BUY");
	refused("cmd modify cmd_id a order_id 7 symbol AAPL action BUY qty 1 type MKT stop_loss 9", "a",
		"cmd modify takes no field 'stop_loss'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT oca_type 1", "a", "'oca_type' needs 'oca_group'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT oca_group g oca_type 4", "a",
		"oca_type must be 1 (cancel the others), 2 (reduce, with block) or 3 (reduce): '4'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT oca_group a/b", "a",
		"bad oca_group (1-23 of A-Z a-z 0-9 . _ : -): 'a/b'");
	refused("cmd place cmd_id a symbol AAPL action BUY qty 1 type MKT oca_group g stop_loss 1", "a",
		"'oca_group' is not for a bracket (its exits have their own group)");
	refused("cmd halt cmd_id has/slash", "", "cmd_id must be 1 to 64 of A-Z a-z 0-9 . _ : -: 'has/slash'");
}

/* Binary bytes and a long value: refused, the reason printable and short. */
static void
test_hostile_bytes(void)
{
	static char big[4096];
	ib_command c;
	char why[200];
	ib_cmd_str kv[] = { { "cmd", 3 }, { "place", 5 },          { "cmd_id", 6 }, { "b", 1 },
			    { "symbol", 6 }, { "A\0\xff\n", 4 }, { "action", 6 }, { "BUY", 3 },
			    { "qty", 3 }, { "1", 1 },            { "type", 4 },   { "MKT", 3 } };

	CU_ASSERT_EQUAL(ib_command_parse(kv, 12, &c, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "bad symbol: 'A?\?\?'");
	memset(big, 'x', sizeof(big));
	kv[5] = (ib_cmd_str){ big, sizeof(big) };
	CU_ASSERT_EQUAL(ib_command_parse(kv, 12, &c, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "field 'symbol' is 4096 bytes (at most 256)");
	kv[5] = (ib_cmd_str){ big, 256 };
	CU_ASSERT_EQUAL(ib_command_parse(kv, 12, &c, why, sizeof(why)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "bad symbol: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'"));
	kv[0] = (ib_cmd_str){ "cmd\0", 4 };
	CU_ASSERT_EQUAL(ib_command_parse(kv, 12, &c, why, sizeof(why)), -1);
	CU_ASSERT_STRING_EQUAL(why, "unknown field 'cmd?'");
}

static void
test_journal(void)
{
	char path[256], why[200];
	ib_cmd_result r = { .cmd = "place", .result = "accepted", .order_id = 7 }, got;
	int32_t ids[8];

	snprintf(path, sizeof(path), "%s/commands.journal", tu_tmpdir());
	ib_cmd_journal *j = ib_cmd_journal_open(path, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_FALSE(ib_cmd_journal_find(j, "a", &got));
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "a", &r), 0);
	ib_cmd_result bad = { .cmd = "place", .result = "refused" };
	snprintf(bad.reason, sizeof(bad.reason), "tab\there\nnewline");
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "b", &bad), 0);
	for (int i = 0; i < 3000; i++) { /* past the first table size: it grows */
		char id[16];
		snprintf(id, sizeof(id), "n%d", i);
		CU_ASSERT_EQUAL(ib_cmd_journal_add(j, id, &bad), 0);
	}
	ib_cmd_journal_close(j);

	/* a crash in the middle of an append: the torn line is cut, the rest kept */
	int fd = open(path, O_WRONLY | O_APPEND);
	CU_ASSERT(fd >= 0 && write(fd, "c\tplace\taccep", 13) == 13);
	close(fd);
	j = ib_cmd_journal_open(path, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(ib_cmd_journal_count(j), 3002);
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "a", &got));
	CU_ASSERT_STRING_EQUAL(got.result, "accepted");
	CU_ASSERT_EQUAL(got.order_id, 7);
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "b", &got));
	CU_ASSERT_STRING_EQUAL(got.reason, "tab here newline");
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "n2999", &got));
	CU_ASSERT_FALSE(ib_cmd_journal_find(j, "c", &got));
	CU_ASSERT_EQUAL(ib_cmd_journal_orders(j, ids, 8), 1);
	CU_ASSERT_EQUAL(ids[0], 7);
	/* appends after the cut start on a line of their own */
	r.order_id = 8;
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "c", &r), 0);
	ib_cmd_journal_close(j);
	j = ib_cmd_journal_open(path, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "c", &got));
	CU_ASSERT_EQUAL(got.order_id, 8);
	CU_ASSERT_EQUAL(ib_cmd_journal_count(j), 3003);
	ib_cmd_journal_close(j);
	/* an unusable place says why */
	CU_ASSERT_PTR_NULL(ib_cmd_journal_open("/nonexistent-dir/x.journal", why, sizeof(why)));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "No such file or directory"));
}

/* What became of accepted orders: settled ('+'), replaced by "lost" ('='), across a reopen. */
static void
test_journal_settle(void)
{
	char path[256], why[200];
	ib_cmd_result r = { .cmd = "place", .result = "accepted", .order_id = 7 }, got;
	ib_cmd_open open_[4];
	int32_t ids[8];

	snprintf(path, sizeof(path), "%s/settle.journal", tu_tmpdir());
	ib_cmd_journal *j = ib_cmd_journal_open(path, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "a", &r), 0);
	r.order_id = 8;
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "b", &r), 0);
	ib_cmd_result cxl = { .cmd = "cancel", .result = "accepted", .order_id = 7 };
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "c", &cxl), 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_unsettled(j, open_, 4), 2); /* places only */
	CU_ASSERT_EQUAL(ib_cmd_journal_settle(j, "a"), 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_settle(j, "a"), 0); /* again: nothing more on file */
	CU_ASSERT_EQUAL(ib_cmd_journal_settle(j, "zz"), -1);
	ib_cmd_result lost = { .cmd = "place", .result = "lost", .order_id = 8, .reason = "not at\tthe gateway" };
	CU_ASSERT_EQUAL(ib_cmd_journal_replace(j, "b", &lost), 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_unsettled(j, open_, 4), 0);
	ib_cmd_journal_close(j);
	CU_ASSERT_EQUAL(tu_count_in_file(path, "+a"), 1);

	j = ib_cmd_journal_open(path, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(ib_cmd_journal_count(j), 3);
	CU_ASSERT_EQUAL(ib_cmd_journal_unsettled(j, open_, 4), 0);
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "a", &got));
	CU_ASSERT_STRING_EQUAL(got.result, "accepted");
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "b", &got)); /* the answer is "lost" from now on */
	CU_ASSERT_STRING_EQUAL(got.result, "lost");
	CU_ASSERT_STRING_EQUAL(got.reason, "not at the gateway");
	CU_ASSERT_EQUAL(got.order_id, 8);
	/* cancel_all's list: the lost one is not an order */
	CU_ASSERT_EQUAL(ib_cmd_journal_orders(j, ids, 8), 1);
	CU_ASSERT_EQUAL(ids[0], 7);
	r.order_id = 9;
	CU_ASSERT_EQUAL(ib_cmd_journal_add(j, "d", &r), 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_unsettled(j, open_, 4), 1);
	CU_ASSERT_STRING_EQUAL(open_[0].cmd_id, "d");
	CU_ASSERT_EQUAL(open_[0].order_id, 9);
	ib_cmd_journal_close(j);
}

/* The whole file, NUL-terminated, in buf; its length, -1 on error. */
static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap - 1, f) : 0;

	if (f == NULL)
		return -1;
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

/* Trimmed to the newest N and the open orders, atomically; a failed compaction leaves it whole. */
static void
test_journal_compact(void)
{
	char path[256], tmp[264], why[200], before[8192], after[8192], id[16];
	ib_cmd_result r = { .cmd = "place", .result = "accepted" }, got;
	size_t dropped;

	snprintf(path, sizeof(path), "%s/compact.journal", tu_tmpdir());
	ib_cmd_journal *j = ib_cmd_journal_open(path, why, sizeof(why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	for (int i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "c%d", i);
		r.order_id = 100 + i;
		CU_ASSERT_EQUAL(ib_cmd_journal_add(j, id, &r), 0);
		if (i != 1 && i != 8) /* c1 (old) and c8 (new) stay open */
			CU_ASSERT_EQUAL(ib_cmd_journal_settle(j, id), 0);
	}
	ib_cmd_result lost = { .cmd = "place", .result = "lost", .order_id = 109, .reason = "gone" };
	CU_ASSERT_EQUAL(ib_cmd_journal_replace(j, "c9", &lost), 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_compact(j, 0, &dropped), 0); /* 0: keep all */
	CU_ASSERT_EQUAL(dropped, 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_compact(j, 20, &dropped), 0);
	CU_ASSERT_EQUAL(dropped, 0);

	/* a failure before the rename (the temporary file cannot be made): the journal is untouched */
	CU_ASSERT(slurp(path, before, sizeof(before)) > 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	CU_ASSERT_EQUAL_FATAL(mkdir(tmp, 0700), 0);
	CU_ASSERT_EQUAL(ib_cmd_journal_compact(j, 3, &dropped), -1);
	CU_ASSERT(slurp(path, after, sizeof(after)) > 0);
	CU_ASSERT_STRING_EQUAL(before, after);
	CU_ASSERT_EQUAL(ib_cmd_journal_count(j), 10);
	CU_ASSERT_TRUE(ib_cmd_journal_find(j, "c0", &got));
	CU_ASSERT_EQUAL(rmdir(tmp), 0);

	/* the newest 3 (c7, c8, c9) and the open c1 */
	CU_ASSERT_EQUAL(ib_cmd_journal_compact(j, 3, &dropped), 0);
	CU_ASSERT_EQUAL(dropped, 6);
	CU_ASSERT_EQUAL(access(tmp, F_OK), -1);
	for (int pass = 0; pass < 2; pass++) { /* as compacted, then as the next start loads it */
		CU_ASSERT_EQUAL(ib_cmd_journal_count(j), 4);
		CU_ASSERT_FALSE(ib_cmd_journal_find(j, "c0", &got));
		CU_ASSERT_FALSE(ib_cmd_journal_find(j, "c6", &got));
		CU_ASSERT_TRUE(ib_cmd_journal_find(j, "c1", &got));
		CU_ASSERT_EQUAL(got.order_id, 101);
		CU_ASSERT_TRUE(ib_cmd_journal_find(j, "c9", &got));
		CU_ASSERT_STRING_EQUAL(got.result, "lost");
		ib_cmd_open open_[4];
		CU_ASSERT_EQUAL(ib_cmd_journal_unsettled(j, open_, 4), 2); /* c1 and c8, still open */
		/* appends go to the new file */
		snprintf(id, sizeof(id), "n%d", pass);
		CU_ASSERT_EQUAL(ib_cmd_journal_add(j, id, &r), 0);
		CU_ASSERT_EQUAL(ib_cmd_journal_settle(j, id), 0);
		ib_cmd_journal_close(j);
		j = ib_cmd_journal_open(path, why, sizeof(why));
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_TRUE(ib_cmd_journal_find(j, id, &got));
		CU_ASSERT_EQUAL(ib_cmd_journal_compact(j, 3, &dropped), 0); /* n0 pushes c7 out; c8 stays: open */
	}
	CU_ASSERT(slurp(path, after, sizeof(after)) > 0);
	CU_ASSERT_PTR_NULL(strstr(after, "c0\t"));
	ib_cmd_journal_close(j);
}

void
test_command_parse_register(void)
{
	CU_pSuite s = CU_add_suite("command_parse", NULL, NULL);

	CU_add_test(s, "valid commands become orders, cancels, kill-switch changes", test_valid);
	CU_add_test(s, "each malformed entry is refused with a reason naming the field", test_refused);
	CU_add_test(s, "binary bytes and long values: refused, reasons printable", test_hostile_bytes);
	CU_add_test(s, "journal: first results across reopen, a torn last line, hostile reasons", test_journal);
	CU_add_test(s, "journal: orders settled or lost, across reopen", test_journal_settle);
	CU_add_test(s, "journal: compacted to the newest N and open orders; a failed compaction leaves it whole",
		    test_journal_compact);
}
