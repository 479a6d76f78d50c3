/*
 * command_parse.h - one entry of P:stream:commands, checked and turned into
 * an order, a cancel or a kill-switch change.  Pure: no I/O, any thread.
 *
 * An entry is field/value pairs (README "Sending orders from other services"):
 *   cmd_id   1..64 of [A-Za-z0-9._:-], chosen by the sender, answered once
 *   cmd      place | modify | cancel | cancel_all | halt | resume
 *   place:   symbol action(BUY|SELL) qty type(LMT|MKT|STP|STP LMT|TRAIL|MOC|LOC) [lmt] [aux]
 *            [trail_pct] [trail_stop] [tif(DAY|GTC|IOC|FOK|GTD|OPG)] [good_till] [outside_rth]
 *            [priority(Patient|Normal|Urgent): IB's Adaptive algo] [account]
 *            [sec_type(STK) exchange(SMART) currency(USD)]
 *            [take_profit] [stop_loss]: a bracket (the entry and its exits, one OCA group)
 *            or, for any instrument, contract (a contract spec, docs/contracts.md) instead
 *            of symbol and the three after it
 *   modify:  order_id and every field of place (IB replaces the whole order)
 *   cancel:  order_id
 *   cancel_all: [scope(commands|all)]: the command stream's orders (default), or every
 *            open order at the gateway, whoever placed it (reqGlobalCancel)
 * Anything else is refused with a reason: a missing, repeated or unknown
 * field, a value over IB_CMD_VALUE_MAX bytes, a number that is not one.
 */
#ifndef IBPIPE_COMMAND_PARSE_H
#define IBPIPE_COMMAND_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ibpipe/req.h"

#define IB_CMD_ID_MAX 64
#define IB_CMD_VALUE_MAX 256

enum ib_cmd_op { IB_CMD_PLACE = 1, IB_CMD_MODIFY, IB_CMD_CANCEL, IB_CMD_CANCEL_ALL, IB_CMD_HALT, IB_CMD_RESUME };

typedef struct ib_command {
	char cmd_id[IB_CMD_ID_MAX + 1]; /* "" when missing or unusable: nothing can be filed under it */
	int op;                          /* enum ib_cmd_op, 0 unknown */
	char op_name[12];                /* as sent (cut), for the answer */
	int32_t order_id;                /* modify, cancel */
	ib_contract contract;            /* place, modify */
	ib_order order;
	bool scope_all;                  /* cancel_all scope=all: every open order at the gateway */
	double take_profit, stop_loss;   /* place: a bracket's exits (0: none) */
} ib_command;

/* One field or value: bytes and their length (stream values are binary). */
typedef struct ib_cmd_str {
	const char *s;
	size_t n;
} ib_cmd_str;

/* kv holds n items, field, value, field, value...  0, or -1 with the reason in why. */
int ib_command_parse(const ib_cmd_str *kv, size_t n, ib_command *c, char *why, size_t cap);
const char *ib_command_op_name(int op);

#endif
