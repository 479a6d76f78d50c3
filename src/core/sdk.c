/*
 * sdk.c - the parts of the strategy SDK (include/ibpipe/strategy.h) that
 * are not placing orders or reading quotes: the periodic timer, the clocks,
 * the gate and kill-switch state, the parameters.  ib_sdk_run_timer runs on the strategy's
 * own thread; the state reads are single atomic loads, any thread.
 */
#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gate.h"
#include "core/pipeline_state.h"
#include "ibpipe/log.h"
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

/* clock_gettime directly, not through util/clock.c: a strategy may read the clock on every
   callback, and a plugin already pays a PLT jump to get here. */
int64_t
ib_strategy_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * IB_NS_PER_S + ts.tv_nsec;
}

int64_t
ib_strategy_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * IB_NS_PER_S + ts.tv_nsec;
}

/* ---- parameters (`param` STRATEGY.KEY=VALUE, config file < env < flags) ---- */

static const char *
param_find(ib_strategy_ctx *ctx, const char *key)
{
	ib_pipeline *p = ctx->p;
	const char *name = ctx->vt->name ? ctx->vt->name : "";

	for (int i = 0; i < p->cfg.nparams; i++)
		if (strcmp(p->cfg.params[i].strategy, name) == 0 && strcmp(p->cfg.params[i].key, key) == 0) {
			if (p->creating)   /* only create() marks: other threads read, never write */
				p->param_read[i] = true;
			return p->cfg.params[i].value;
		}
	return NULL;
}

static void
param_bad(ib_strategy_ctx *ctx, const char *key, const char *v, const char *want)
{
	ib_pipeline *p = ctx->p;

	if (p->creating && p->param_err[0] == '\0')
		snprintf(p->param_err, sizeof(p->param_err), "strategy %s: parameter %s.%s = '%s': %s",
			 ctx->vt->name ? ctx->vt->name : "?", ctx->vt->name ? ctx->vt->name : "?", key, v, want);
	ib_log(IB_LL_ERROR, "strategy", "parameter %s.%s = '%s': %s", ctx->vt->name ? ctx->vt->name : "?", key, v, want);
}

int64_t
ib_strategy_param_int(ib_strategy_ctx *ctx, const char *key, int64_t def)
{
	const char *v = param_find(ctx, key);
	char *end;

	if (v == NULL)
		return def;
	errno = 0;
	long long x = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno == ERANGE) {
		param_bad(ctx, key, v, "expected an integer");
		return def;
	}
	return x;
}

double
ib_strategy_param_double(ib_strategy_ctx *ctx, const char *key, double def)
{
	const char *v = param_find(ctx, key);
	char *end;

	if (v == NULL)
		return def;
	errno = 0;
	double x = strtod(v, &end);
	if (*v == '\0' || *end != '\0' || errno == ERANGE || !isfinite(x)) {
		param_bad(ctx, key, v, "expected a finite number");
		return def;
	}
	return x;
}

const char *
ib_strategy_param_str(ib_strategy_ctx *ctx, const char *key, const char *def)
{
	const char *v = param_find(ctx, key);

	return v ? v : def;
}

int
ib_sdk_check_params(const ib_pipeline *p, char *err, size_t errlen)
{
	for (int i = 0; i < p->cfg.nparams; i++) {
		if (p->param_read[i])
			continue;
		const ib_cfg_param *q = &p->cfg.params[i];
		bool known = false;
		for (int s = 0; s < p->nstrat; s++)
			known |= p->strat[s].vt->name && strcmp(p->strat[s].vt->name, q->strategy) == 0;
		snprintf(err, errlen, "unknown parameter %s.%s=%s: %s", q->strategy, q->key, q->value,
			 known ? "that strategy reads no such key in create()" : "no strategy of that name runs");
		return -1;
	}
	return 0;
}
