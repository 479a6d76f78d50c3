/*
 * test_vectors.c - every line of every file under shared/protocol/vectors
 * decodes, and the fields that matter have the values the line carries.
 * A new vector file is covered automatically: every line must decode.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/msg.h"
#include "testutil.h"

#define SV 173 /* the recorded sessions' server version */

typedef void (*check_fn)(const ib_msg *m, int line);

/* Convert one vector line ('|' = NUL) in place; returns its length. */
static size_t
to_payload(char *line)
{
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (line[i] == '|')
			line[i] = '\0';
	return n;
}

static int
decode_file(const char *name, check_fn check, int *lines)
{
	char path[512];
	FILE *f;
	static char line[1 << 20];
	int bad = 0, n = 0;

	snprintf(path, sizeof(path), "%s/protocol/vectors/%s", tu_shared(), name);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		size_t len = to_payload(line);
		ib_msg m;
		ib_decode_err de;
		if (strcmp(name, "handshake.txt") == 0) {
			int v;
			ib_str t;
			if (ib_handshake_reply_parse(line, len, &v, &t) != IB_OK || v != 173 || t.len < 10)
				bad++;
		} else if (ib_msg_decode(line, len, SV, &m, &de) != IB_OK) {
			fprintf(stderr, "\n  %s line %d: %s\n", name, n + 1, de.errstr);
			bad++;
		} else if (check) {
			check(&m, n);
		}
		n++;
	}
	fclose(f);
	*lines = n;
	return bad;
}

static bool
eq(ib_str s, const char *c)
{
	return ib_str_eq(s, c);
}

static void
chk_tick_price(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->id, IB_IN_TICK_PRICE);
	CU_ASSERT_EQUAL(m->u.tick_price.req_id, 9001);
	CU_ASSERT_EQUAL(m->u.tick_price.tick_type, 1);
	CU_ASSERT_EQUAL(m->u.tick_price.price, 185.50);
	CU_ASSERT_EQUAL(m->u.tick_price.size, 100);
	CU_ASSERT_EQUAL(m->u.tick_price.attr_mask, 7);
}

static void
chk_tick_size(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->u.tick_size.req_id, 9001);
	CU_ASSERT_EQUAL(m->u.tick_size.tick_type, 0);
	CU_ASSERT_EQUAL(m->u.tick_size.size, 150);
}

static void
chk_tick_string(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->u.tick_string.tick_type, 45);
	CU_ASSERT(eq(m->u.tick_string.value, "2023-03-13 09:30:00"));
}

static void
chk_tick_generic(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->u.tick_generic.tick_type, 23);
	CU_ASSERT_EQUAL(m->u.tick_generic.value, 20.5);
}

static void
chk_order_status(const ib_msg *m, int line)
{
	static const char *st[] = { "PreSubmitted", "Filled", "Submitted", "Cancelled" };
	CU_ASSERT(eq(m->u.order_status.status, st[line]));
	if (line == 1) {
		CU_ASSERT_EQUAL(m->u.order_status.filled, 100);
		CU_ASSERT_EQUAL(m->u.order_status.remaining, 0);
		CU_ASSERT_EQUAL(m->u.order_status.avg_fill_price, 201.94);
		CU_ASSERT_EQUAL(m->u.order_status.perm_id, 600745656);
	}
}

static void
chk_error(const ib_msg *m, int line)
{
	static const int codes[] = { 2104, 2107, 2158, 202, 321 };
	CU_ASSERT_EQUAL(m->u.error.code, codes[line]);
	CU_ASSERT_EQUAL(m->u.error.req_id, line < 3 ? -1 : line == 3 ? 41 : 9001);
	if (line == 0)
		CU_ASSERT(eq(m->u.error.message, "Market data farm connection is OK:usfarm"));
	CU_ASSERT_EQUAL(m->u.error.advanced_json.len, 0);
}

static void
chk_open_order(const ib_msg *m, int line)
{
	static const char *st[] = { "PreSubmitted", "Filled", "Submitted", "Submitted" };
	const ib_open_order *o = &m->u.open_order;
	CU_ASSERT(eq(o->status, st[line]));
	CU_ASSERT(eq(o->action, "BUY"));
	if (line == 0) {
		CU_ASSERT_EQUAL(o->order_id, 5);
		CU_ASSERT(eq(o->contract.symbol, "AAPL"));
		CU_ASSERT_EQUAL(o->total_qty, 100);
		CU_ASSERT(eq(o->order_type, "MKT"));
		CU_ASSERT(eq(o->account, "DU1234567"));
		CU_ASSERT_EQUAL(o->perm_id, 600745656);
	}
	if (line == 2) {
		CU_ASSERT(eq(o->order_type, "LMT"));
		CU_ASSERT_EQUAL(o->lmt_price, 5800.0);
		CU_ASSERT(eq(o->contract.sec_type, "FUT"));
	}
	if (line == 3)
		CU_ASSERT_EQUAL(o->contract.strike, 5800);
}

static void
chk_position(const ib_msg *m, int line)
{
	const ib_position *p = &m->u.position;
	if (line == 0) {
		CU_ASSERT(eq(p->account, "ACCOUNT_ID"));
		CU_ASSERT_EQUAL(p->contract.con_id, 265598);
		CU_ASSERT(eq(p->contract.symbol, "AAPL"));
		CU_ASSERT(eq(p->contract.exchange, "NASDAQ"));
		CU_ASSERT_EQUAL(p->position, -110);
		CU_ASSERT_EQUAL(p->avg_cost, 201.8829709);
	}
	if (line == 2) {
		CU_ASSERT(eq(p->contract.symbol, "TSLA"));
		CU_ASSERT_EQUAL(p->position, 500);
	}
}

static void
chk_managed(const ib_msg *m, int line)
{
	ib_str list = m->u.managed_accts.list, a;
	int n = 0;
	while (ib_accounts_next(&list, &a)) {
		if (line == 2)
			CU_ASSERT(eq(a, n == 0 ? "DU1234567" : "DU7654321"));
		n++;
	}
	CU_ASSERT_EQUAL(n, line == 2 ? 2 : 1);
}

static void
chk_next_id(const ib_msg *m, int line)
{
	CU_ASSERT_EQUAL(m->u.next_valid_id.order_id, line == 0 ? 5 : 1);
}

static void
chk_exec(const ib_msg *m, int line)
{
	const ib_exec_details *x = &m->u.exec_details;
	if (line == 0) {
		CU_ASSERT_EQUAL(x->req_id, -1);
		CU_ASSERT_EQUAL(x->order_id, 5);
		CU_ASSERT(eq(x->exec_id, "0000e0d5.67fe667b.01.01"));
		CU_ASSERT(eq(x->side, "BOT"));
		CU_ASSERT_EQUAL(x->shares, 100);
		CU_ASSERT_EQUAL(x->price, 201.94);
		CU_ASSERT_EQUAL(x->last_liquidity, 2);
	}
}

static void
chk_tbt(const ib_msg *m, int line)
{
	const ib_tick_by_tick *t = &m->u.tick_by_tick;
	if (line == 0) {
		CU_ASSERT_EQUAL(t->type, IB_TBT_LAST);
		CU_ASSERT_EQUAL(t->price, 3895.25);
		CU_ASSERT_EQUAL(t->size, 7);
		CU_ASSERT(eq(t->exchange, "NASDAQ"));
	}
	if (line == 2) {
		CU_ASSERT_EQUAL(t->type, IB_TBT_BID_ASK);
		CU_ASSERT_EQUAL(t->bid_price, 3895.50);
		CU_ASSERT_EQUAL(t->ask_price, 3896.00);
		CU_ASSERT_EQUAL(t->bid_size, 9);
		CU_ASSERT_EQUAL(t->ask_size, 11);
	}
	if (line == 3)
		CU_ASSERT_EQUAL(t->mid_point, 3895.375);
}

static void
chk_depth(const ib_msg *m, int line)
{
	const ib_mkt_depth *d = &m->u.mkt_depth;
	if (line == 0) {
		CU_ASSERT_EQUAL(m->id, IB_IN_MKT_DEPTH);
		CU_ASSERT_EQUAL(d->price, 4028.75);
		CU_ASSERT_EQUAL(d->operation, 0);
		CU_ASSERT_EQUAL(d->side, 0);
	}
	if (line == 4) {
		CU_ASSERT_EQUAL(m->id, IB_IN_MKT_DEPTH_L2);
		CU_ASSERT(eq(d->market_maker, "OVERNIGHT"));
		CU_ASSERT_EQUAL(d->side, 1);
		CU_ASSERT(d->is_smart);
	}
}

static void
chk_contract(const ib_msg *m, int line)
{
	(void)line;
	CU_ASSERT_EQUAL(m->u.contract_data.min_tick, line == 3 ? 0.25 : 0.01);
	if (line == 0) {
		CU_ASSERT(eq(m->u.contract_data.contract.symbol, "AAPL"));
		CU_ASSERT_EQUAL(m->u.contract_data.contract.con_id, 265598);
	}
}

static void
chk_summary(const ib_msg *m, int line)
{
	static const char *tags[] = { "GrossPositionValue", "NetLiquidation", "TotalCashValue" };
	CU_ASSERT(eq(m->u.account_summary.tag, tags[line]));
	if (line == 1)
		CU_ASSERT(eq(m->u.account_summary.value, "246447.83"));
}

static const struct {
	const char *file;
	check_fn check;
} checked[] = {
	{ "tickPrice.txt", chk_tick_price },     { "tickSize.txt", chk_tick_size },
	{ "tickString.txt", chk_tick_string },   { "tickGeneric.txt", chk_tick_generic },
	{ "orderStatus.txt", chk_order_status }, { "error.txt", chk_error },
	{ "openOrder.txt", chk_open_order },     { "position.txt", chk_position },
	{ "managedAccounts.txt", chk_managed },  { "nextValidId.txt", chk_next_id },
	{ "execDetails.txt", chk_exec },         { "tickByTick.txt", chk_tbt },
	{ "marketDepth.txt", chk_depth },        { "contractData.txt", chk_contract },
	{ "accountSummary.txt", chk_summary },
};

static void
test_every_vector_decodes(void)
{
	char dir[512];
	DIR *d;
	struct dirent *de;
	int files = 0, lines = 0;

	snprintf(dir, sizeof(dir), "%s/protocol/vectors", tu_shared());
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
			continue;
		check_fn fn = NULL;
		for (size_t i = 0; i < sizeof(checked) / sizeof(checked[0]); i++)
			if (strcmp(checked[i].file, de->d_name) == 0)
				fn = checked[i].check;
		int nl = 0;
		int bad = decode_file(de->d_name, fn, &nl);
		CU_ASSERT_EQUAL(bad, 0);
		CU_ASSERT(nl > 0);
		files++;
		lines += nl;
	}
	closedir(d);
	CU_ASSERT(files >= 23);
	CU_ASSERT(lines >= 58); /* 58 frames when this was written */
}

void
test_vectors_register(void)
{
	CU_pSuite s = CU_add_suite("vectors", NULL, NULL);
	CU_add_test(s, "every line of every vector file decodes with the right fields", test_every_vector_decodes);
}
