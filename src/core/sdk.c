/*
 * sdk.c - the parts of the strategy SDK (include/ibpipe/strategy.h) that
 * are not placing orders or reading quotes: the periodic timer, the clocks,
 * the gate and kill-switch state.  ib_sdk_run_timer runs on the strategy's
 * own thread; the state reads are single atomic loads, any thread.
 */
#include <ck_pr.h>

#include "core/gate.h"
#include "core/pipeline_state.h"
#include "ibpipe/strategy.h"
#include "util/clock.h"

int
ib_strategy_set_timer(ib_strategy_ctx *ctx, int64_t interval_ms)
{
	if (interval_ms < 0 || interval_ms > 86400000)
		return IB_EINVAL;
	ctx->timer_ns = interval_ms * 1000000LL;
	ctx->timer_next_ns = ib_now_mono_ns() + ctx->timer_ns;
	return IB_OK;
}

int
ib_sdk_run_timer(ib_strategy_ctx *ctx, bool open)
{
	if (ctx->timer_ns <= 0 || ctx->vt->on_timer == NULL)
		return 100;
	int64_t now = ib_now_mono_ns();
	if (now >= ctx->timer_next_ns) {
		/* one call however late: a stalled strategy is not paid back with a burst */
		ctx->timer_next_ns = now + ctx->timer_ns;
		if (open)
			ctx->vt->on_timer(ctx->self, ctx, now);
		now = ib_now_mono_ns();
	}
	int64_t left = (ctx->timer_next_ns - now) / 1000000 + 1;
	return left < 100 ? (int)left : 100;
}

bool
ib_strategy_gate_open(const ib_strategy_ctx *ctx)
{
	return ib_gate_is_open(&ctx->p->gate);
}

bool
ib_strategy_halted(const ib_strategy_ctx *ctx)
{
	return ck_pr_load_int(&ctx->p->risk.halted) != 0;
}

int64_t
ib_strategy_mono_ns(void)
{
	return ib_now_mono_ns();
}

int64_t
ib_strategy_wall_ns(void)
{
	return ib_now_real_ns();
}
