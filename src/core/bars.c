/*
 * bars.c - bar series through the pipeline: the requests that open them
 * (network thread, at every connect), the bars from the network thread's
 * events to the strategies (on_bar) and the publisher (P:bars:<name>), and
 * the warm-ups the sync gate waits for (account thread).
 *
 * Bars travel as account events, not market data: never coalesced, never
 * dropped, in order with the gate.  So a warm-up's historical bars are in
 * every strategy's event ring before the gate-open event that its
 * historicalDataEnd allowed: on_bar sees them all before on_start.
 *
 * Each series remembers the start time of the last bar it delivered.  A
 * bar older than that (the history served again after a reconnect) is
 * skipped and counted; one with the same start is a revision of it
 * (keepUpToDate) and carries the next update number.  So a strategy never
 * sees a bar twice as new, and the stream id <start ms>-<update> only grows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "ibpipe/log.h"
#include "util/str.h"

_Static_assert(IB_CFG_MAX_BARS <= IB_SYNC_MAX_BARS, "the gate can wait for every configured series");

#define IB_BARS_WARMUP_MAX 50000 /* history bars a configuration may bring before the gate opens */

struct ib_bar_track {
	int slot;               /* the configured contract (contracts.h) it shares its key with, -1 none */
	bool have;
	int64_t last_time;
	uint32_t update;
	uint64_t skipped;       /* older bars served again (after a reconnect) */
};

/* ---- setup and the SDK's create()-time request ---- */

int
ib_strategy_want_bars(ib_strategy_ctx *ctx, const char *item)
{
	ib_pipeline *p = ctx->p;
	char err[320];
	int before = p->cfg.nbars;

	if (p->acct.bars != NULL) {
		ib_log(IB_LL_ERROR, "strategy", "strategy %d: bars are asked for in create(), not later (%s)", ctx->index,
		       item ? item : "(null)");
		return IB_EINVAL;
	}
	if (item == NULL || ib_bar_list_add(item, p->cfg.bars, IB_CFG_MAX_BARS, &p->cfg.nbars, err, sizeof(err)) != IB_OK) {
		ib_log(IB_LL_ERROR, "strategy", "strategy %d: %s", ctx->index, item ? err : "bars: NULL item");
		return IB_EINVAL;
	}
	if (p->cfg.nbars > before)
		return before;
	/* the same series again (configured, or another strategy's): its index */
	ib_bar_cfg b;
	ib_bar_spec_parse(item, strlen(item), &b, NULL, 0);
	for (int i = 0; i < p->cfg.nbars; i++)
		if (strcmp(p->cfg.bars[i].name, b.name) == 0)
			return i;
	return IB_EINVAL;
}

const char *
ib_strategy_bar_name(const ib_strategy_ctx *ctx, int32_t series)
{
	return series >= 0 && series < ctx->p->cfg.nbars ? ctx->p->cfg.bars[series].name : NULL;
}

/* At most how many bars a warm-up brings: its duration over its bar size, on the wall clock (IB serves
   fewer outside trading hours, never more). */
static int64_t
warmup_bars(const ib_bar_cfg *b)
{
	char *unit = NULL;
	long n = strtol(b->duration, &unit, 10);
	int64_t secs;

	switch (unit && unit[0] == ' ' ? unit[1] : '?') {
	case 'S': secs = n; break;
	case 'D': secs = (int64_t)n * 86400; break;
	case 'W': secs = (int64_t)n * 604800; break;
	case 'M': secs = (int64_t)n * 2678400; break; /* 31 days */
	case 'Y': secs = (int64_t)n * 31622400; break; /* 366 days */
	default: return 0;
	}
	return b->bar_secs > 0 ? (secs + b->bar_secs - 1) / b->bar_secs : 0;
}

int
ib_bars_setup(ib_pipeline *p, char *err, size_t errlen)
{
	const char *names[IB_SYNC_MAX_BARS];
	int64_t total = 0, most = 0;
	int big = -1;

	/*
	 * The warm-up waits in each strategy's event ring and its overflow until the gate opens
	 * (1024 + 65536 events, shared with account and order events that must never be lost):
	 * refuse a configuration whose history could not fit, rather than lose events at sync.
	 */
	for (int i = 0; i < p->cfg.nbars; i++) {
		int64_t n = p->cfg.bars[i].warmup ? warmup_bars(&p->cfg.bars[i]) : 0;
		total += n;
		if (n > most)
			most = n, big = i;
	}
	if (total > IB_BARS_WARMUP_MAX) {
		snprintf(err, errlen, "bars: the warm-ups come to up to %lld bars (%s of %s alone up to %lld), more than the "
			 "%d a strategy holds before the gate opens: shorten a duration or use larger bars",
			 (long long)total, p->cfg.bars[big].name, p->cfg.bars[big].duration, (long long)most,
			 IB_BARS_WARMUP_MAX);
		return -1;
	}

	p->acct.bars = calloc((size_t)(p->cfg.nbars > 0 ? p->cfg.nbars : 1), sizeof(*p->acct.bars));
	if (p->acct.bars == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int i = 0; i < p->cfg.nbars; i++) {
		names[i] = p->cfg.bars[i].warmup ? p->cfg.bars[i].name : NULL;
		p->acct.bars[i].slot = -1;
		for (int k = 0; p->contracts && k < p->contracts->n; k++) {
			char key[IB_SPEC_BUF];
			if (ib_spec_key(&p->contracts->slot[k].want, key, sizeof(key)) >= 0 &&
			    strcmp(key, p->cfg.bars[i].key) == 0)
				p->acct.bars[i].slot = k;
		}
	}
	ib_sync_set_bars(&p->acct.sync, names, p->cfg.nbars);
	return 0;
}

void
ib_bars_free(ib_pipeline *p)
{
	free(p->acct.bars);
	p->acct.bars = NULL;
}

/* ---- network thread: open every series ---- */

/*
 * A series of a contract configured in `symbols` (a spec IB must resolve) goes
 * out once that contract resolved on this connection, with the resolved
 * contract (a front month means what the quotes mean): resolve.c calls this
 * with the instrument.  Any other series goes out as written, at connect.
 */
void
ib_pipeline_subscribe_bars(ib_pipeline *p, int64_t only)
{
	ib_req r;

	for (int i = 0; i < p->cfg.nbars; i++) {
		const ib_bar_cfg *b = &p->cfg.bars[i];
		int k = p->acct.bars[i].slot;
		const struct ib_contract_slot *s = k >= 0 ? &p->contracts->slot[k] : NULL;
		ib_contract c = b->contract;
		if (s ? !s->ok || (only >= 0 && s->instrument != (uint32_t)only) : only >= 0)
			continue;
		if (s)
			c = s->r.contract;
		memset(&r, 0, sizeof(r));
		if (b->realtime) {
			r.id = IB_OUT_REQ_REAL_TIME_BARS;
			r.u.realtime_bars.req_id = IB_REQID_BARS + i;
			r.u.realtime_bars.contract = c;
			r.u.realtime_bars.bar_size = 5;
			ib_strlcpy(r.u.realtime_bars.what_to_show, b->what, sizeof(r.u.realtime_bars.what_to_show));
		} else {
			/* through the historical pacer (netloop.c): queued, never refused with 162 */
			r.id = IB_OUT_REQ_HISTORICAL_DATA;
			r.u.historical_data.req_id = IB_REQID_BARS + i;
			r.u.historical_data.contract = c;
			ib_strlcpy(r.u.historical_data.bar_size, b->bar_size, sizeof(r.u.historical_data.bar_size));
			ib_strlcpy(r.u.historical_data.duration, b->duration, sizeof(r.u.historical_data.duration));
			ib_strlcpy(r.u.historical_data.what_to_show, b->what, sizeof(r.u.historical_data.what_to_show));
			r.u.historical_data.format_date = 2; /* epoch seconds: no time zone to guess */
			r.u.historical_data.keep_up_to_date = true;
		}
		ib_pipeline_send(p, &r, -1);
	}
}

/* ---- account thread ---- */

static int
series_of(const ib_pipeline *p, int32_t req_id)
{
	int64_t i = (int64_t)req_id - IB_REQID_BARS;

	return i >= 0 && i < p->cfg.nbars ? (int)i : -1;
}

void
ib_bars_on_event(ib_pipeline *p, const struct ib_acct_event *e)
{
	int s = series_of(p, e->u.bar.req_id);

	if (e->kind == IB_AE_BAR_END) {
		if (s < 0)
			return;
		ib_log(IB_LL_INFO, "bars", "%s: history in (%s of %s bars, %llu served again skipped)", p->cfg.bars[s].name,
		       p->cfg.bars[s].duration, p->cfg.bars[s].bar_size, (unsigned long long)p->acct.bars[s].skipped);
		ib_sync_bars_end(&p->acct.sync, s);
		return;
	}
	if (e->u.bar.time <= 0) {
		/* a time we could not read: no place in the series, no stream id */
		IB_STAT_INC(p->stats.acct.bars_bad);
		ib_log(IB_LL_WARN, "bars", "a bar for request %d with an unreadable time: skipped (counted in bars_bad)",
		       e->u.bar.req_id);
		return;
	}
	struct ib_se_event ev = { .kind = IB_SE_BAR };
	ev.u.bar = e->u.bar;
	ev.u.bar.series = s;
	if (s >= 0) {
		struct ib_bar_track *t = &p->acct.bars[s];
		if (t->have && ev.u.bar.time < t->last_time) {
			t->skipped++;
			return; /* history served again: delivered before */
		}
		if (t->have && ev.u.bar.time == t->last_time) {
			ev.u.bar.update = ++t->update;
		} else {
			t->have = true;
			t->last_time = ev.u.bar.time;
			t->update = ev.u.bar.update = 0;
		}
		ib_pub_event pe = { .kind = IB_PUB_BAR };
		ib_strlcpy(pe.u.bar.name, p->cfg.bars[s].name, sizeof(pe.u.bar.name));
		pe.u.bar.b = ev.u.bar;
		ib_pipeline_publish(p, &pe);
	}
	IB_STAT_INC(p->stats.acct.bars);
	ib_account_to_strategies(p, &ev);
}

bool
ib_bars_on_error(ib_pipeline *p, int32_t req_id, int32_t code, const char *text)
{
	int s = series_of(p, req_id);

	if (s < 0)
		return false;
	ib_log(IB_LL_ERROR, "bars", "%s: the gateway refused its %s request: error %d: %s%s", p->cfg.bars[s].name,
	       p->cfg.bars[s].realtime ? "real-time bars" : "historical data", code, text,
	       p->cfg.bars[s].warmup && !p->acct.sync.bar_end[s] ? " (the gate waits for its history)" : "");
	return true;
}

/* ---- network thread: a bar's time ---- */

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at p as a number; -1 if any is not a digit. */
static int64_t
digits(const char *p, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

int64_t
ib_bar_time(const char *p, uint32_t len)
{
	int64_t y, mo, d, h = 0, mi = 0, s = 0;
	uint32_t k;

	if (len == 0)
		return 0;
	if (len != 8 && len <= 12 && digits(p, (int)len) >= 0)
		return digits(p, (int)len); /* epoch seconds (formatDate 2, realtimeBar) */
	if (len < 8 || (y = digits(p, 4)) < 0 || (mo = digits(p + 4, 2)) < 1 || mo > 12 || (d = digits(p + 6, 2)) < 1 ||
	    d > 31)
		return 0;
	if (len > 8) {
		/* "yyyymmdd hh:mm:ss", one or two spaces (or '-'), then maybe a zone, taken as UTC */
		for (k = 8; k < len && (p[k] == ' ' || p[k] == '-'); k++)
			;
		if (k == 8 || len - k < 8 || p[k + 2] != ':' || p[k + 5] != ':' || (h = digits(p + k, 2)) < 0 || h > 23 ||
		    (mi = digits(p + k + 3, 2)) < 0 || mi > 59 || (s = digits(p + k + 6, 2)) < 0 || s > 60)
			return 0;
	}
	return days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
}
