/*
 * stall.c - "stall": one deliberate fault.  Strategy
 * $IB_STALL_INDEX (default 0) is the trader (runs $IB_TRADER_SCRIPT) and
 * blocks inside on_quote for $IB_STALL_MS (default 3000) ms, once, when
 * its $IB_STALL_AFTER-th quote (default 1) arrives; the others are
 * recorders (they place no orders: two threads placing at the same instant
 * may hand the gateway ids out of order).  All write JSON lines to
 * $IB_STRATEGY_LOG.<index>.  It is how the fault tests show that a
 * callback that does not return in time holds up nobody else: the network
 * thread keeps reading, the other strategies keep getting quotes, its
 * market data is coalesced, and every order and account event waits for
 * it and arrives afterwards.
 *
 * It counts quotes, order updates and account updates and logs them with
 * the stall ("stall: strategy 0 sleeping ... (2 order updates, 0 account
 * updates so far)"), the wake-up, and at stop, so a test can tell what
 * reached it before, during and after the stall.  The sleep gives way to a
 * shutdown: it is taken in slices and ends early when the pipeline stops.
 *
 * For tests that must hold at any speed (a sanitizer build, a loaded
 * machine), two more settings tie the stall to events instead of time:
 *   IB_STALL_ON_ORDER=1   stall in the on_quote in which the trader placed an
 *                         order (script "WAIT 1; BUY ..."): every update of
 *                         that order then arrives during the stall
 *   IB_STALL_UNTIL=PATH   stall until PATH exists (IB_STALL_MS is then only
 *                         a cap), so the test ends the stall when it has
 *                         seen what it waits for
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <ibpipe/sdk.h>

#define NS_PER_MS 1000000LL

/* The strategies we delegate to (trader.c, recorder.c): linked together with this file, as a
   plugin built from several files would be; these declarations are all it knows of them. */
extern const ib_strategy_vtable ib_strategy_trader_vt;
extern const ib_strategy_vtable ib_strategy_recorder_vt;

#define SLICE_MS 10

struct stall {
	const ib_strategy_vtable *vt;  /* trader (the stalling one) or recorder: what we delegate to */
	void *inner;
	int stall_ms, after, index;
	bool on_order;             /* IB_STALL_ON_ORDER */
	const char *until;         /* IB_STALL_UNTIL, NULL: stall_ms */
	bool stalled;
	uint64_t quotes, orders, accounts;
};

static int
env_int(const char *name, int dflt)
{
	const char *v = getenv(name);

	char *end;
	long n = v && *v ? strtol(v, &end, 10) : 0;

	return v && *v && *end == '\0' && n >= 0 && n <= 3600000 ? (int)n : dflt;
}

static void *
stall_create(ib_strategy_ctx *ctx)
{
	struct stall *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->stall_ms = env_int("IB_STALL_MS", 3000);
	s->after = env_int("IB_STALL_AFTER", 1);
	s->index = env_int("IB_STALL_INDEX", 0);
	s->on_order = env_int("IB_STALL_ON_ORDER", 0) != 0;
	s->until = getenv("IB_STALL_UNTIL");
	if (s->until != NULL && *s->until == '\0')
		s->until = NULL;
	s->vt = ib_strategy_index(ctx) == s->index ? &ib_strategy_trader_vt : &ib_strategy_recorder_vt;
	s->inner = s->vt->create(ctx);
	if (s->inner == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void
stall_on_start(void *self, ib_strategy_ctx *ctx, const ib_accounts *a)
{
	struct stall *s = self;

	s->vt->on_start(s->inner, ctx, a);
}

static void
stall_on_pause(void *self, ib_strategy_ctx *ctx, const char *reason)
{
	struct stall *s = self;

	s->vt->on_pause(s->inner, ctx, reason);
}

/* Block the strategy thread for ms (or until the file exists), in slices, unless the pipeline stops meanwhile. */
static void
block(ib_strategy_ctx *ctx, int ms, const char *file)
{
	int64_t until = ib_strategy_mono_ns() + (int64_t)ms * NS_PER_MS;

	while (!ib_strategy_stopping(ctx) && ib_strategy_mono_ns() < until && (file == NULL || access(file, F_OK) != 0)) {
		struct timespec ts = { 0, SLICE_MS * NS_PER_MS };
		nanosleep(&ts, NULL);
	}
}

static void
stall_on_quote(void *self, ib_strategy_ctx *ctx, uint32_t inst, const ib_quote_data *q)
{
	struct stall *s = self;

	uint64_t placed = ib_strategy_orders_placed(ctx);

	s->quotes++;
	s->vt->on_quote(s->inner, ctx, inst, q);
	if (s->stalled || ib_strategy_index(ctx) != s->index || s->quotes < (uint64_t)s->after)
		return;
	if (s->on_order && ib_strategy_orders_placed(ctx) == placed)
		return; /* not the callback that placed the order */
	s->stalled = true;
	int64_t t0 = ib_strategy_mono_ns();
	ib_log(IB_LL_WARN, "strategy",
	       "stall: strategy %d sleeping %d ms in on_quote after %llu quotes (%llu order updates, %llu account "
	       "updates so far) at %lld",
	       ib_strategy_index(ctx), s->stall_ms, (unsigned long long)s->quotes, (unsigned long long)s->orders,
	       (unsigned long long)s->accounts, (long long)t0);
	block(ctx, s->stall_ms, s->until);
	int64_t t1 = ib_strategy_mono_ns();
	ib_log(IB_LL_WARN, "strategy", "stall: strategy %d awake after %.0f ms at %lld", ib_strategy_index(ctx),
	       (double)(t1 - t0) / NS_PER_MS, (long long)t1);
}

static void
stall_on_account(void *self, ib_strategy_ctx *ctx, const ib_account_update *u)
{
	struct stall *s = self;

	s->accounts++;
	s->vt->on_account(s->inner, ctx, u);
}

static void
stall_on_order(void *self, ib_strategy_ctx *ctx, const ib_order_update *u)
{
	struct stall *s = self;

	s->orders++;
	s->vt->on_order(s->inner, ctx, u);
}

static void
stall_on_error(void *self, ib_strategy_ctx *ctx, int32_t id, int code, const char *text)
{
	struct stall *s = self;

	s->vt->on_error(s->inner, ctx, id, code, text);
}

static void
stall_on_stop(void *self, ib_strategy_ctx *ctx)
{
	struct stall *s = self;

	ib_log(IB_LL_INFO, "strategy", "stall: strategy %d stop: %llu quotes, %llu order updates, %llu account updates",
	       ib_strategy_index(ctx), (unsigned long long)s->quotes, (unsigned long long)s->orders,
	       (unsigned long long)s->accounts);
	s->vt->on_stop(s->inner, ctx);
}

static void
stall_destroy(void *self)
{
	struct stall *s = self;

	if (s)
		s->vt->destroy(s->inner);
	free(s);
}

static const ib_strategy_vtable stall_vt = {
	.name = "stall",
	.create = stall_create,
	.on_start = stall_on_start,
	.on_pause = stall_on_pause,
	.on_quote = stall_on_quote,
	.on_account = stall_on_account,
	.on_order = stall_on_order,
	.on_error = stall_on_error,
	.on_stop = stall_on_stop,
	.destroy = stall_destroy,
};

IB_SDK_PLUGIN(stall_vt)
