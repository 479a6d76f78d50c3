/*
 * test_order_state.c - the order state machine against what a real gateway
 * sends: warnings about an order (399, 404) are not its end, so an order
 * warned before its first status and then filled ends Filled everywhere
 * (P:order:ID, P:stream:orders, the strategy).  Real bin/ibsim + bin/ibpipe
 * + a private redis-server; every wait is for the event itself.
 */
#include <CUnit/CUnit.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define WAIT_MS 15000

static const char *
hex(const char *s, char *out)
{
	char *o = out;

	for (; *s; s++)
		o += sprintf(o, "%02x", (unsigned char)*s);
	*o = '\0';
	return out;
}

/* XADD P:stream:commands * with the fields given (NULL-terminated), as a sender would. */
static int
send_cmd(redisContext *c, const struct tu_stack *e, const char *const *kv)
{
	const char *argv[40] = { "XADD", tu_key(e, "stream:commands"), "*" };
	size_t lens[40];
	int n = 3;

	for (; *kv && n < 40; kv++)
		argv[n++] = *kv;
	for (int i = 0; i < n; i++)
		lens[i] = strlen(argv[i]);
	redisReply *r = redisCommandArgv(c, n, argv, lens);
	int ok = r && r->type == REDIS_REPLY_STRING ? 0 : -1;
	if (r)
		freeReplyObject(r);
	return ok;
}

static const char *
field(const redisReply *f, const char *name)
{
	for (size_t i = 0; f->type == REDIS_REPLY_ARRAY && i + 1 < f->elements; i += 2)
		if (strcmp(f->element[i]->str, name) == 0)
			return f->element[i + 1]->str;
	return "";
}

/*
 * P:stream:orders, read whole: the order id of cmd_id's result (0: none yet), and into
 * statuses the statuses order_id went through, space-separated.
 */
static long
orders_stream(redisContext *c, const struct tu_stack *e, const char *cmd_id, long order_id, char *statuses,
	      size_t cap)
{
	redisReply *r = redisCommand(c, "XRANGE %s - +", tu_key(e, "stream:orders"));
	long found = 0;
	size_t n = 0;

	if (cap)
		statuses[0] = '\0';
	for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *f = r->element[i]->element[1];
		if (cmd_id && strcmp(field(f, "kind"), "cmd") == 0 && strcmp(field(f, "cmd_id"), cmd_id) == 0 &&
		    strcmp(field(f, "result"), "accepted") == 0)
			found = atol(field(f, "order_id"));
		if (order_id && strcmp(field(f, "kind"), "status") == 0 && atol(field(f, "order_id")) == order_id &&
		    n < cap)
			n += (size_t)snprintf(statuses + n, cap - n, "%s%s", n ? " " : "", field(f, "status"));
	}
	if (r)
		freeReplyObject(r);
	return found;
}

static bool
status_is(redisContext *c, const struct tu_stack *e, long id, const char *want)
{
	char key[32], v[64];

	snprintf(key, sizeof(key), "order:%ld", id);
	return strcmp(tu_rhget(c, tu_key(e, key), "status", v, sizeof(v)), want) == 0;
}

/*
 * ibsim drops the order (ignore-orders 1), so it stays PendingSubmit; the gateway then warns
 * about it: 399 (not at the exchange until the open) and 404 (held while shares are located).
 * The order is then sent again (a modify; ibsim has never heard of it, so takes it as new) and
 * fills.  Before the fix the 399 made it Rejected, a final state, and the fill was dropped.
 */
static void
test_warnings_then_fill(void)
{
	const char *const ctl[] = { "ignore-orders 1", NULL };
	const char *const args[] = { "--commands", NULL };
	const struct tu_opts o = { .args = args, .sim_control = ctl, .strategy = "trader", .script = "",
				   .redis = TU_REDIS_PRIVATE };
	struct tu_stack e;
	redisContext *c = NULL;
	char out[256], cmd[1024], h[800], id_s[16], seen[256], want[128];
	long id;

	CU_ASSERT_EQUAL_FATAL(tu_stack_start(&e, &o), 0);
	TU_REQUIRE(tu_stack_ready(&e, WAIT_MS) == 0);
	TU_REQUIRE((c = tu_rconn(e.redis_port)) != NULL);
	const char *const place[] = { "cmd", "place", "cmd_id", "warned-1", "symbol", "AAPL", "action", "BUY",
				      "qty", "10", "type", "LMT", "lmt", "100000", NULL };
	TU_REQUIRE(send_cmd(c, &e, place) == 0);
	TU_REQUIRE(TU_UNTIL((id = orders_stream(c, &e, "warned-1", 0, NULL, 0)) > 0, WAIT_MS));
	TU_REQUIRE(TU_UNTIL(tu_sim_stat(&e.sim, "orders_ignored") == 1 && status_is(c, &e, id, "PendingSubmit"),
			    WAIT_MS));

	snprintf(cmd, sizeof(cmd), "error-hex %ld 399 %s", id,
		 hex("Order Message:\nBUY 10 AAPL NASDAQ.NMS\nWarning: your order will not be placed at the exchange "
		     "until 2026-12-08 09:30:00 US/Eastern", h));
	TU_REQUIRE(tu_control(e.sim.ctl, cmd, out, sizeof(out)) == 0 && strncmp(out, "ok", 2) == 0);
	snprintf(cmd, sizeof(cmd), "error-hex %ld 404 %s", id,
		 hex("Order held while securities are located.", h));
	TU_REQUIRE(tu_control(e.sim.ctl, cmd, out, sizeof(out)) == 0 && strncmp(out, "ok", 2) == 0);
	/* the same connection carries the warnings and then the modify's answers, in that order */
	snprintf(id_s, sizeof(id_s), "%ld", id);
	const char *const modify[] = { "cmd", "modify", "cmd_id", "warned-1-mod", "order_id", id_s, "symbol", "AAPL",
				       "action", "BUY", "qty", "10", "type", "LMT", "lmt", "100000", NULL };
	TU_REQUIRE(send_cmd(c, &e, modify) == 0);
	CU_ASSERT(TU_UNTIL(status_is(c, &e, id, "Filled"), WAIT_MS));
	char key[32], v[64];
	snprintf(key, sizeof(key), "order:%ld", id);
	CU_ASSERT_EQUAL(atof(tu_rhget(c, tu_key(&e, key), "filled", v, sizeof(v))), 10);
	/* the stream: never Rejected, ends Filled */
	orders_stream(c, &e, NULL, id, seen, sizeof(seen));
	CU_ASSERT_PTR_NULL(strstr(seen, "Rejected"));
	CU_ASSERT_PTR_NOT_NULL(strstr(seen, "PendingSubmit"));
	CU_ASSERT(strlen(seen) >= 6 && strcmp(seen + strlen(seen) - 6, "Filled") == 0);
	/* the strategy: Filled, never Rejected */
	snprintf(want, sizeof(want), "\"cb\":\"order\",\"id\":%ld,\"symbol\":\"AAPL\",\"status\":\"Filled\"", id);
	CU_ASSERT(tu_wait_for_text(tu_slog(&e.ib, 0), want, WAIT_MS) == 0);
	snprintf(want, sizeof(want), "\"id\":%ld,\"symbol\":\"AAPL\",\"status\":\"Rejected\"", id);
	CU_ASSERT_EQUAL(tu_count_in_file(tu_slog(&e.ib, 0), want), 0);
	/* both warnings logged as such, naming the status they left alone */
	snprintf(want, sizeof(want), "order %ld: warning 399, status PendingSubmit kept", id);
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, want), 1);
	snprintf(want, sizeof(want), "order %ld: warning 404, status PendingSubmit kept", id);
	CU_ASSERT_EQUAL(tu_count_in_file(e.ib.log, want), 1);
out:
	if (c)
		redisFree(c);
	CU_ASSERT(tu_exited_ok(tu_stack_stop(&e)));
}

void
test_order_state_register(void)
{
	CU_pSuite s = CU_add_suite("order_warnings", NULL, NULL);
	CU_add_test(s, "399 and 404 before the first status are warnings: the order still fills", test_warnings_then_fill);
}
