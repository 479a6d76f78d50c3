/*
 * command_parse.c - checking a command entry field by field.  Strict on
 * purpose: an order built from a misspelt field (lmt_price for lmt) must be
 * refused, not sent without it.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "codec/contract_spec.h"
#include "codec/wire.h"
#include "service/command_parse.h"
#include "util/str.h"

enum field { F_CMD_ID, F_CMD, F_ORDER_ID, F_SYMBOL, F_ACTION, F_QTY, F_TYPE, F_LMT, F_AUX, F_TIF, F_ACCOUNT,
	     F_SEC_TYPE, F_EXCHANGE, F_CURRENCY, F_CONTRACT, F_SCOPE, F_TRAIL_PCT, F_TRAIL_STOP, F_GOOD_TILL,
	     F_OUTSIDE_RTH, F_PRIORITY, F_TAKE_PROFIT, F_STOP_LOSS, F_OCA_GROUP, F_OCA_TYPE, F_N };

static const char *const field_names[F_N] = { "cmd_id",  "cmd",      "order_id", "symbol",   "action",
					      "qty",     "type",     "lmt",      "aux",      "tif",
					      "account", "sec_type", "exchange", "currency", "contract",
					      "scope", "trail_pct", "trail_stop", "good_till", "outside_rth",
					      "priority", "take_profit", "stop_loss", "oca_group", "oca_type" };

/* Fields an op takes, as bits; cmd and cmd_id always. */
#define B(f) (1u << (f))
#define ORDER_FIELDS                                                                                          \
	(B(F_SYMBOL) | B(F_ACTION) | B(F_QTY) | B(F_TYPE) | B(F_LMT) | B(F_AUX) | B(F_TIF) | B(F_ACCOUNT) |   \
	 B(F_SEC_TYPE) | B(F_EXCHANGE) | B(F_CURRENCY) | B(F_CONTRACT) | B(F_TRAIL_PCT) | B(F_TRAIL_STOP) |    \
	 B(F_GOOD_TILL) | B(F_OUTSIDE_RTH) | B(F_PRIORITY) | B(F_OCA_GROUP) | B(F_OCA_TYPE))
#define BRACKET_FIELDS (B(F_TAKE_PROFIT) | B(F_STOP_LOSS))
#define STOCK_FIELDS (B(F_SYMBOL) | B(F_SEC_TYPE) | B(F_EXCHANGE) | B(F_CURRENCY))

static const struct {
	const char *name;
	unsigned takes, needs;
} ops[] = {
	[IB_CMD_PLACE] = { "place", ORDER_FIELDS | BRACKET_FIELDS, B(F_ACTION) | B(F_QTY) | B(F_TYPE) },
	[IB_CMD_MODIFY] = { "modify", ORDER_FIELDS | B(F_ORDER_ID), B(F_ORDER_ID) | B(F_ACTION) | B(F_QTY) | B(F_TYPE) },
	[IB_CMD_CANCEL] = { "cancel", B(F_ORDER_ID), B(F_ORDER_ID) },
	[IB_CMD_CANCEL_ALL] = { "cancel_all", B(F_SCOPE), 0 },
	[IB_CMD_HALT] = { "halt", 0, 0 },
	[IB_CMD_RESUME] = { "resume", 0, 0 },
};
#define NOPS ((int)(sizeof(ops) / sizeof(ops[0])))

const char *
ib_command_op_name(int op)
{
	return op > 0 && op < NOPS ? ops[op].name : "?";
}

static bool
eq(ib_cmd_str v, const char *s)
{
	return v.n == strlen(s) && memcmp(v.s, s, v.n) == 0;
}

static bool
one_of(ib_cmd_str v, const char *const *set)
{
	for (; *set; set++)
		if (eq(v, *set))
			return true;
	return false;
}

/* At most 32 bytes of v for a reason, unprintable bytes as '?'. */
static const char *
show(ib_cmd_str v, char *buf, size_t cap)
{
	size_t max = cap - 4 < 32 ? cap - 4 : 32, n = v.n < max ? v.n : max; /* room for "..." */

	for (size_t i = 0; i < n; i++)
		buf[i] = v.s[i] >= 0x20 && v.s[i] < 0x7f ? v.s[i] : '?';
	ib_strlcpy(buf + n, n < v.n ? "..." : "", cap - n);
	return buf;
}

/* Letters, digits and a few separators: ids, symbols ("BRK B"), exchanges, accounts. */
static bool
token(ib_cmd_str v, size_t max, const char *extra)
{
	if (v.n == 0 || v.n > max)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		char ch = v.s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      (ch != '\0' && strchr(extra, ch) != NULL)))
			return false;
	}
	return true;
}

static void
copy(char *dst, size_t cap, ib_cmd_str v)
{
	size_t n = v.n < cap - 1 ? v.n : cap - 1;

	memcpy(dst, v.s, n);
	dst[n] = '\0';
}

/* A positive finite decimal up to 1e9 (quantities, prices). */
static int
number(ib_cmd_str v, const char *name, double *out, char *why, size_t cap)
{
	char b[40];

	if (ib_parse_f64(v.s, v.n, out) != IB_OK || !isfinite(*out) || v.n == 0)
		return snprintf(why, cap, "bad number in '%s': '%s'", name, show(v, b, sizeof(b))), -1;
	if (!(*out > 0) || *out > 1e9)
		return snprintf(why, cap, "'%s' must be above 0 and at most 1e9: '%s'", name, show(v, b, sizeof(b))), -1;
	return 0;
}

/* contract: any contract spec (docs/contracts.md) but a future's unresolved front month. */
static int
contract_spec(ib_cmd_str v, ib_contract *c, char *why, size_t cap)
{
	if (ib_spec_parse(v.s, v.n, c, why, cap) != IB_OK)
		return -1;
	if (ib_spec_is_front_month(c))
		return snprintf(why, cap, "contract: a future needs its contract month here (FUT:ES@CME:202612)"), -1;
	return 0;
}

static int
stock(const ib_cmd_str *val, const bool *have, ib_command *c, char *why, size_t cap)
{
	char b[40];

	if (!token(val[F_SYMBOL], sizeof(c->contract.symbol) - 1, " ._-"))
		return snprintf(why, cap, "bad symbol: '%s'", show(val[F_SYMBOL], b, sizeof(b))), -1;
	ib_contract_stock(&c->contract, "");
	copy(c->contract.symbol, sizeof(c->contract.symbol), val[F_SYMBOL]);
	if (have[F_SEC_TYPE] && !eq(val[F_SEC_TYPE], "STK"))
		return snprintf(why, cap, "sec_type: only STK is supported: '%s'", show(val[F_SEC_TYPE], b, sizeof(b))), -1;
	if (have[F_EXCHANGE]) {
		if (!token(val[F_EXCHANGE], sizeof(c->contract.exchange) - 1, "._-"))
			return snprintf(why, cap, "bad exchange: '%s'", show(val[F_EXCHANGE], b, sizeof(b))), -1;
		copy(c->contract.exchange, sizeof(c->contract.exchange), val[F_EXCHANGE]);
	}
	if (have[F_CURRENCY]) {
		if (!token(val[F_CURRENCY], 3, ""))
			return snprintf(why, cap, "bad currency: '%s'", show(val[F_CURRENCY], b, sizeof(b))), -1;
		copy(c->contract.currency, sizeof(c->contract.currency), val[F_CURRENCY]);
	}
	return 0;
}

/* The prices each type needs (risk.c checks the same before anything is sent). */
static int
type_prices(const ib_cmd_str *val, const bool *have, ib_command *c, char *why, size_t cap)
{
	ib_cmd_str t = val[F_TYPE];
	bool lmt = eq(t, "LMT") || eq(t, "LOC") || eq(t, "STP LMT"), stop = eq(t, "STP") || eq(t, "STP LMT");
	bool trail = eq(t, "TRAIL");
	char b[40];

	if (lmt && !have[F_LMT])
		return snprintf(why, cap, "missing field 'lmt' (type %s)", show(t, b, sizeof(b))), -1;
	if (stop && !have[F_AUX])
		return snprintf(why, cap, "missing field 'aux' (the stop price of type %s)", show(t, b, sizeof(b))), -1;
	if (trail && have[F_AUX] == have[F_TRAIL_PCT])
		return snprintf(why, cap, "type TRAIL needs 'aux' (the trailing amount) or 'trail_pct', one of them"), -1;
	if (!trail && (have[F_TRAIL_PCT] || have[F_TRAIL_STOP]))
		return snprintf(why, cap, "'%s' is for type TRAIL", have[F_TRAIL_PCT] ? "trail_pct" : "trail_stop"), -1;
	if (have[F_LMT] && number(val[F_LMT], "lmt", &c->order.lmt_price, why, cap) != 0)
		return -1;
	if (have[F_AUX] && number(val[F_AUX], "aux", &c->order.aux_price, why, cap) != 0)
		return -1;
	if (have[F_TRAIL_PCT]) {
		if (number(val[F_TRAIL_PCT], "trail_pct", &c->order.trailing_percent, why, cap) != 0)
			return -1;
		if (c->order.trailing_percent >= 100)
			return snprintf(why, cap, "'trail_pct' must be below 100: '%s'", show(val[F_TRAIL_PCT], b, sizeof(b))),
			       -1;
	}
	if (have[F_TRAIL_STOP] && number(val[F_TRAIL_STOP], "trail_stop", &c->order.trail_stop_price, why, cap) != 0)
		return -1;
	return 0;
}

/* tif, good_till, outside_rth, priority (IB's Adaptive algo). */
static int
order_extras(const ib_cmd_str *val, const bool *have, ib_command *c, char *why, size_t cap)
{
	static const char *const tifs[] = { "DAY", "GTC", "IOC", "FOK", "GTD", "OPG", NULL },
			     *const flags[] = { "0", "1", "false", "true", NULL },
			     *const priorities[] = { "Patient", "Normal", "Urgent", NULL };
	bool market_or_limit = eq(val[F_TYPE], "MKT") || eq(val[F_TYPE], "LMT");
	char b[40];

	if (have[F_TIF]) {
		if (!one_of(val[F_TIF], tifs))
			return snprintf(why, cap, "tif must be DAY, GTC, IOC, FOK, GTD or OPG: '%s'",
					show(val[F_TIF], b, sizeof(b))),
			       -1;
		copy(c->order.tif, sizeof(c->order.tif), val[F_TIF]);
	}
	if (eq(val[F_TIF], "GTD") != have[F_GOOD_TILL])
		return snprintf(why, cap, have[F_GOOD_TILL] ? "'good_till' is for tif GTD"
							 : "missing field 'good_till' (tif GTD: yyyymmdd hh:mm:ss [zone])"),
		       -1;
	if (have[F_GOOD_TILL]) {
		/* "20260105 16:00:00 US/Eastern": IB reads it, ibpipe only keeps it printable and short */
		if (!token(val[F_GOOD_TILL], sizeof(c->order.good_till_date) - 1, " :/_-"))
			return snprintf(why, cap, "bad good_till: '%s'", show(val[F_GOOD_TILL], b, sizeof(b))), -1;
		copy(c->order.good_till_date, sizeof(c->order.good_till_date), val[F_GOOD_TILL]);
	}
	if (eq(val[F_TIF], "OPG") && !market_or_limit)
		return snprintf(why, cap, "tif OPG is for types MKT and LMT"), -1;
	if (have[F_OUTSIDE_RTH]) {
		if (!one_of(val[F_OUTSIDE_RTH], flags))
			return snprintf(why, cap, "outside_rth must be 0, 1, false or true: '%s'",
					show(val[F_OUTSIDE_RTH], b, sizeof(b))),
			       -1;
		c->order.outside_rth = eq(val[F_OUTSIDE_RTH], "1") || eq(val[F_OUTSIDE_RTH], "true");
	}
	if (have[F_PRIORITY]) {
		if (!one_of(val[F_PRIORITY], priorities))
			return snprintf(why, cap, "priority must be Patient, Normal or Urgent: '%s'",
					show(val[F_PRIORITY], b, sizeof(b))),
			       -1;
		if (!market_or_limit)
			return snprintf(why, cap, "priority (IB's Adaptive algo) is for types MKT and LMT"), -1;
		ib_strlcpy(c->order.algo_strategy, "Adaptive", sizeof(c->order.algo_strategy));
		ib_strlcpy(c->order.algo_params[0].tag, "adaptivePriority", sizeof(c->order.algo_params[0].tag));
		copy(c->order.algo_params[0].value, sizeof(c->order.algo_params[0].value), val[F_PRIORITY]);
		c->order.algo_param_count = 1;
	}
	return 0;
}

/*
 * oca_group / oca_type: any set of orders placed with one group is IB's One-Cancels-All (a fill
 * cancels the others, or with type 2 / 3 reduces them).  Not on a bracket, whose exits already
 * have their own group and whose entry must not be cancelled by a sibling.
 */
static int
oca(const ib_cmd_str *val, const bool *have, ib_command *c, char *why, size_t cap)
{
	static const char *const types[] = { "1", "2", "3", NULL };
	char b[40];

	if (!have[F_OCA_GROUP])
		return have[F_OCA_TYPE] ? (snprintf(why, cap, "'oca_type' needs 'oca_group'"), -1) : 0;
	if (have[F_TAKE_PROFIT] || have[F_STOP_LOSS])
		return snprintf(why, cap, "'oca_group' is not for a bracket (its exits have their own group)"), -1;
	if (!token(val[F_OCA_GROUP], sizeof(c->order.oca_group) - 1, "._:-"))
		return snprintf(why, cap, "bad oca_group (1-%zu of A-Z a-z 0-9 . _ : -): '%s'", sizeof(c->order.oca_group) - 1,
				show(val[F_OCA_GROUP], b, sizeof(b))),
		       -1;
	copy(c->order.oca_group, sizeof(c->order.oca_group), val[F_OCA_GROUP]);
	c->order.oca_type = 1; /* IB's CANCEL_WITH_BLOCK, what a trader means by OCA */
	if (have[F_OCA_TYPE]) {
		if (!one_of(val[F_OCA_TYPE], types))
			return snprintf(why, cap, "oca_type must be 1 (cancel the others), 2 (reduce, with block) or 3 "
						  "(reduce): '%s'",
					show(val[F_OCA_TYPE], b, sizeof(b))),
			       -1;
		c->order.oca_type = val[F_OCA_TYPE].s[0] - '0';
	}
	return 0;
}

/* take_profit / stop_loss: the exits of a bracket, on the far side of the entry's price. */
static int
bracket(const ib_cmd_str *val, const bool *have, ib_command *c, char *why, size_t cap)
{
	bool buy = strcmp(c->order.action, "BUY") == 0;
	double entry = c->order.lmt_price != IB_UNSET_DOUBLE ? c->order.lmt_price : 0;

	if (have[F_TAKE_PROFIT] && number(val[F_TAKE_PROFIT], "take_profit", &c->take_profit, why, cap) != 0)
		return -1;
	if (have[F_STOP_LOSS] && number(val[F_STOP_LOSS], "stop_loss", &c->stop_loss, why, cap) != 0)
		return -1;
	if (c->take_profit > 0 && c->stop_loss > 0 && (buy ? c->take_profit <= c->stop_loss : c->take_profit >= c->stop_loss))
		return snprintf(why, cap, "take_profit %g must be %s stop_loss %g for a %s", c->take_profit,
				buy ? "above" : "below", c->stop_loss, c->order.action),
		       -1;
	if (entry > 0 && c->take_profit > 0 && (buy ? c->take_profit <= entry : c->take_profit >= entry))
		return snprintf(why, cap, "take_profit %g must be %s the limit %g for a %s", c->take_profit,
				buy ? "above" : "below", entry, c->order.action),
		       -1;
	if (entry > 0 && c->stop_loss > 0 && (buy ? c->stop_loss >= entry : c->stop_loss <= entry))
		return snprintf(why, cap, "stop_loss %g must be %s the limit %g for a %s", c->stop_loss,
				buy ? "below" : "above", entry, c->order.action),
		       -1;
	return 0;
}

static int
order_fields(const ib_cmd_str *val, const bool *have, ib_command *c, char *why, size_t cap)
{
	static const char *const actions[] = { "BUY", "SELL", NULL },
			     *const types[] = { "LMT", "MKT", "STP", "STP LMT", "TRAIL", "MOC", "LOC", NULL };
	char b[40];

	if (have[F_CONTRACT]) {
		for (int f = F_SYMBOL; f < F_N; f++)
			if (f != F_CONTRACT && have[f] && (STOCK_FIELDS & B(f)))
				return snprintf(why, cap, "give contract or symbol, not both ('%s' with 'contract')",
						field_names[f]),
				       -1;
		if (contract_spec(val[F_CONTRACT], &c->contract, why, cap) != 0)
			return -1;
	} else if (!have[F_SYMBOL]) {
		return snprintf(why, cap, "missing field 'symbol' (or 'contract')"), -1;
	} else if (stock(val, have, c, why, cap) != 0) {
		return -1;
	}
	ib_order_init(&c->order);
	if (!one_of(val[F_ACTION], actions))
		return snprintf(why, cap, "action must be BUY or SELL: '%s'", show(val[F_ACTION], b, sizeof(b))), -1;
	copy(c->order.action, sizeof(c->order.action), val[F_ACTION]);
	if (!one_of(val[F_TYPE], types))
		return snprintf(why, cap, "type must be LMT, MKT, STP, STP LMT, TRAIL, MOC or LOC: '%s'",
				show(val[F_TYPE], b, sizeof(b))),
		       -1;
	copy(c->order.order_type, sizeof(c->order.order_type), val[F_TYPE]);
	if (number(val[F_QTY], "qty", &c->order.total_qty, why, cap) != 0)
		return -1;
	if (type_prices(val, have, c, why, cap) != 0 || order_extras(val, have, c, why, cap) != 0 ||
	    bracket(val, have, c, why, cap) != 0 || oca(val, have, c, why, cap) != 0)
		return -1;
	if (have[F_ACCOUNT]) {
		if (!token(val[F_ACCOUNT], sizeof(c->order.account) - 1, "._-"))
			return snprintf(why, cap, "bad account: '%s'", show(val[F_ACCOUNT], b, sizeof(b))), -1;
		copy(c->order.account, sizeof(c->order.account), val[F_ACCOUNT]);
	}
	return 0;
}

/* Sort the pairs into val[field]. */
static int
collect(const ib_cmd_str *kv, size_t n, ib_cmd_str *val, bool *have, char *why, size_t cap)
{
	char b[40];

	if (n % 2 != 0)
		return snprintf(why, cap, "odd number of items in the entry"), -1;
	for (size_t i = 0; i < n; i += 2) {
		int f = 0;
		while (f < F_N && !eq(kv[i], field_names[f]))
			f++;
		if (f == F_N)
			return snprintf(why, cap, "unknown field '%s'", show(kv[i], b, sizeof(b))), -1;
		if (have[f])
			return snprintf(why, cap, "field '%s' given twice", field_names[f]), -1;
		if (kv[i + 1].n > IB_CMD_VALUE_MAX)
			return snprintf(why, cap, "field '%s' is %zu bytes (at most %d)", field_names[f], kv[i + 1].n,
					IB_CMD_VALUE_MAX),
			       -1;
		have[f] = true;
		val[f] = kv[i + 1];
	}
	return 0;
}

int
ib_command_parse(const ib_cmd_str *kv, size_t n, ib_command *c, char *why, size_t cap)
{
	ib_cmd_str val[F_N] = { 0 };
	bool have[F_N] = { 0 };
	char b[40];

	memset(c, 0, sizeof(*c));
	/* the cmd_id first, whatever else is wrong: the refusal is then filed under it */
	for (size_t i = 0; i + 1 < n; i += 2)
		if (eq(kv[i], "cmd_id") && token(kv[i + 1], IB_CMD_ID_MAX, "._:-"))
			copy(c->cmd_id, sizeof(c->cmd_id), kv[i + 1]);
	if (collect(kv, n, val, have, why, cap) != 0)
		return -1;
	if (!have[F_CMD_ID])
		return snprintf(why, cap, "missing field 'cmd_id'"), -1;
	if (c->cmd_id[0] == '\0')
		return snprintf(why, cap, "cmd_id must be 1 to %d of A-Z a-z 0-9 . _ : -: '%s'", IB_CMD_ID_MAX,
				show(val[F_CMD_ID], b, sizeof(b))),
		       -1;
	if (!have[F_CMD])
		return snprintf(why, cap, "missing field 'cmd'"), -1;
	copy(c->op_name, sizeof(c->op_name), val[F_CMD]);
	for (int op = 1; op < NOPS; op++)
		if (eq(val[F_CMD], ops[op].name))
			c->op = op;
	if (c->op == 0)
		return snprintf(why, cap, "unknown cmd '%s' (place, modify, cancel, cancel_all, halt, resume)",
				show(val[F_CMD], b, sizeof(b))),
		       -1;
	for (int f = F_ORDER_ID; f < F_N; f++) {
		if (have[f] && !(ops[c->op].takes & B(f)))
			return snprintf(why, cap, "cmd %s takes no field '%s'", ops[c->op].name, field_names[f]), -1;
		if (!have[f] && (ops[c->op].needs & B(f)))
			return snprintf(why, cap, "missing field '%s'", field_names[f]), -1;
	}
	if (have[F_ORDER_ID]) {
		int64_t id;
		if (ib_parse_i64(val[F_ORDER_ID].s, val[F_ORDER_ID].n, &id) != IB_OK || val[F_ORDER_ID].n == 0 || id <= 0 ||
		    id > INT32_MAX)
			return snprintf(why, cap, "bad order_id: '%s'", show(val[F_ORDER_ID], b, sizeof(b))), -1;
		c->order_id = (int32_t)id;
	}
	if (have[F_SCOPE]) {
		static const char *const scopes[] = { "commands", "all", NULL };
		if (!one_of(val[F_SCOPE], scopes))
			return snprintf(why, cap, "scope must be commands or all: '%s'", show(val[F_SCOPE], b, sizeof(b))), -1;
		c->scope_all = eq(val[F_SCOPE], "all");
	}
	if ((ops[c->op].takes & B(F_ACTION)) && order_fields(val, have, c, why, cap) != 0)
		return -1;
	c->order.order_id = c->order_id;
	return 0;
}
