/*
 * sim_bars.c - bars: reqRealTimeBars (a bar every --rtbar-ms, 5 s as at IB,
 * made of walk steps of the instrument), reqHistoricalData (the bars of the
 * requested range, ending at the current price, and with keepUpToDate a
 * historicalDataUpdate every period after), their cancels, and IB's
 * historical-data pacing rules, enforced with error 162 the way a strict
 * gateway does:
 *   - more than 60 requests in any 10 minutes;
 *   - an identical request within 15 s;
 *   - six or more requests for the same contract and tick type within 2 s
 * (windows times --hist-pacing-scale).  Only requests that were served count
 * (stats: total_hist served, total_hist_paced refused with 162).
 *
 * Subscriptions live in one fixed table; a client's go with it (the feed's
 * client_gone).  Runs on ibsim's one thread; no allocation after init.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/clock.h"

#define MAX_BAR_SUBS 256
#define MAX_BARS 1000           /* bars in one historicalData; more is refused with 162 */
#define PACE_KEEP 64            /* served requests remembered per client (the 10-minute rule needs 60) */
#define PACE_WINDOW_NS 600000000000LL
#define PACE_IDENTICAL_NS 15000000000LL
#define PACE_BURST_NS 2000000000LL
#define PACE_MAX_WINDOW 60
#define PACE_MAX_BURST 5        /* "six or more ... within two seconds" is a violation */
#define WALK_STEPS 5            /* walk steps per real-time bar */
#define ERR_VALIDATE 321        /* IB's "Error validating request" */

struct bar_sub {
	int16_t slot;
	bool history;           /* a keepUpToDate historical request; else real-time bars */
	bool trades;            /* TRADES: volume, WAP and count; else -1 as IB sends for quotes */
	int32_t req_id, instr;
	int32_t format_date;
	int64_t bar_secs;       /* keepUpToDate: the bar size */
};

struct pace_rec {
	int64_t t;
	uint64_t ident;         /* the whole request */
	uint64_t burst;         /* contract and tick type */
};

/* A client's served historical requests, newest at head - 1. */
struct pace_log {
	struct pace_rec r[PACE_KEEP];
	int n, head;            /* head: the next slot to write */
};

struct sim_bars {
	struct bar_sub subs[MAX_BAR_SUBS];
	int nsubs;
	int64_t next_ns;
	struct pace_log pace[SIM_MAX_CLIENTS];
	sim_enc_bar bars[MAX_BARS];
	char times[MAX_BARS][24];
};

int
sim_bars_init(struct sim *s)
{
	s->bars = calloc(1, sizeof(*s->bars));
	return s->bars ? 0 : -1;
}

static uint64_t
mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t
mix_str(uint64_t h, const char *p, size_t cap)
{
	for (size_t i = 0; i < cap && p[i]; i++)
		h = mix(h, (unsigned char)p[i]);
	return mix(h, 0xff);
}

/* [0, 1) from a hash */
static double
unit(uint64_t h)
{
	return (double)(h >> 11) / 9007199254740992.0;
}

static double
on_grid(double v, double tick)
{
	return round(round(v / tick) * tick * 1e10) / 1e10;
}

static double
wall_now_s(void)
{
	return ib_ns_to_s(ib_now_real_ns());
}

static void
fmt_time(char *out, size_t cap, int64_t t, int format_date, bool daily, bool two_spaces)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (format_date == 2) {
		snprintf(out, cap, "%lld", (long long)t);
		return;
	}
	gmtime_r(&tt, &tm);
	if (daily)
		strftime(out, cap, "%Y%m%d", &tm);
	else
		strftime(out, cap, two_spaces ? "%Y%m%d  %H:%M:%S" : "%Y%m%d %H:%M:%S", &tm);
}

/* ---- the pacing rules ---- */

/* NULL when the request may be served (and it is then remembered), else why not. */
static const char *
pace_check(struct sim *s, const struct sim_client *c, uint64_t ident, uint64_t burst, int64_t now)
{
	struct pace_log *p = &s->bars->pace[c->slot];
	double k = s->o.pacing_scale;
	int in_window = 0, in_burst = 0;

	for (int i = 0; i < p->n; i++) {
		const struct pace_rec *r = &p->r[i];
		int64_t age = now - r->t;
		if (age < (int64_t)(PACE_WINDOW_NS * k))
			in_window++;
		if (r->ident == ident && age < (int64_t)(PACE_IDENTICAL_NS * k))
			return "an identical request within 15 seconds";
		if (r->burst == burst && age < (int64_t)(PACE_BURST_NS * k))
			in_burst++;
	}
	if (in_window >= PACE_MAX_WINDOW)
		return "more than 60 requests within 10 minutes";
	if (in_burst >= PACE_MAX_BURST)
		return "six or more requests for the same contract and tick type within 2 seconds";
	p->r[p->head] = (struct pace_rec){ now, ident, burst };
	p->head = (p->head + 1) % PACE_KEEP;
	if (p->n < PACE_KEEP)
		p->n++;
	return NULL;
}

/* ---- request parsing ---- */

/* A positive decimal of at most `max` at *p, moving *p past it; -1 if there is none. */
static long
take_num(const char **p, long max)
{
	char *end;
	long v;

	if (**p < '0' || **p > '9')
		return -1;
	v = strtol(*p, &end, 10);
	*p = end;
	return v > 0 && v <= max ? v : -1;
}

/* "5 secs", "1 min", "2 hours", "1 day", "1 week", "1 month" -> seconds; 0 if not a bar size. */
static int64_t
bar_seconds(const char *v)
{
	static const struct { const char *unit; int64_t secs; } units[] = {
		{ "sec", 1 }, { "secs", 1 }, { "min", 60 }, { "mins", 60 }, { "hour", 3600 }, { "hours", 3600 },
		{ "day", 86400 }, { "days", 86400 }, { "week", 604800 }, { "weeks", 604800 }, { "month", 2592000 },
		{ "months", 2592000 },
	};
	const char *p = v;
	long n = take_num(&p, 3600);

	if (n < 0 || *p++ != ' ')
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(p, units[i].unit) == 0)
			return n * units[i].secs;
	return 0;
}

/* "3600 S", "2 D", "1 W", "1 M", "1 Y" -> seconds; 0 if not a duration. */
static int64_t
duration_seconds(const char *v)
{
	const char *p = v;
	long n = take_num(&p, 100000);

	if (n < 0 || p[0] != ' ' || !p[1] || p[2])
		return 0;
	switch (p[1]) {
	case 'S': return n;
	case 'D': return (int64_t)n * 86400;
	case 'W': return (int64_t)n * 604800;
	case 'M': return (int64_t)n * 2592000;
	case 'Y': return (int64_t)n * 31536000;
	}
	return 0;
}

/* "" (now), "yyyymmdd hh:mm:ss[ zone]" or "yyyymmdd-hh:mm:ss" (zone ignored: UTC) -> epoch s; -1 if not. */
static int64_t
end_time(const char *v)
{
	/* digit offsets of yyyymmdd?hh:mm:ss */
	static const struct { int at, len; } f[] = { { 0, 4 }, { 4, 2 }, { 6, 2 }, { 9, 2 }, { 12, 2 }, { 15, 2 } };
	int x[6];
	struct tm tm;

	if (!v[0])
		return (int64_t)wall_now_s();
	if (strnlen(v, 17) < 17 || (v[8] != ' ' && v[8] != '-') || v[11] != ':' || v[14] != ':' ||
	    (v[17] != '\0' && v[17] != ' '))
		return -1;
	for (int i = 0; i < 6; i++) {
		x[i] = 0;
		for (int j = 0; j < f[i].len; j++) {
			char ch = v[f[i].at + j];
			if (ch < '0' || ch > '9')
				return -1;
			x[i] = x[i] * 10 + (ch - '0');
		}
	}
	if (x[1] < 1 || x[1] > 12 || x[2] < 1 || x[2] > 31 || x[3] > 23 || x[4] > 59 || x[5] > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = x[0] - 1900;
	tm.tm_mon = x[1] - 1;
	tm.tm_mday = x[2];
	tm.tm_hour = x[3];
	tm.tm_min = x[4];
	tm.tm_sec = x[5];
	return (int64_t)timegm(&tm);
}

/* ---- historical bars ---- */

/*
 * n bars of `secs` ending at `end`, walking back from the current price:
 * the last close is the instrument's mark now, every earlier bar's close is
 * the next one's open.  Steps come from a hash of (conId, bar start), so
 * the same range asked twice has the same shape.
 */
static void
make_history(struct sim *s, const struct sim_instr *in, int64_t end, int64_t secs, int n, int format_date,
	     bool trades)
{
	struct sim_bars *b = s->bars;
	double tick = in->tick > 0 ? in->tick : 0.01, px = sim_instr_mark(in);
	int64_t first = end - secs * n;

	for (int i = n - 1; i >= 0; i--) {
		int64_t t0 = first + secs * i;
		uint64_t h = mix(mix(0x51b5, (uint64_t)in->con_id), (uint64_t)t0);
		double move = (unit(h) - 0.5) * 2 * fmax(tick, px * 0.002 * sqrt((double)secs / 60));
		double close = on_grid(px, tick), open = on_grid(fmax(10 * tick, px - move), tick);
		double hi = fmax(open, close) + tick * floor(unit(mix(h, 1)) * 4);
		double lo = fmin(open, close) - tick * floor(unit(mix(h, 2)) * 4);
		sim_enc_bar *bar = &b->bars[i];

		fmt_time(b->times[i], sizeof(b->times[i]), t0, format_date, secs >= 86400, false);
		*bar = (sim_enc_bar){ .time = b->times[i], .epoch = t0, .open = open, .high = on_grid(hi, tick),
				      .low = on_grid(fmax(tick, lo), tick), .close = close };
		if (trades) {
			bar->volume = 100 * (1 + floor(unit(mix(h, 3)) * 50));
			bar->wap = on_grid((open + close + bar->high + bar->low) / 4, tick / 100);
			bar->count = (int32_t)(bar->volume / 100);
		} else {
			bar->volume = bar->wap = -1;
			bar->count = -1;
		}
		px = open;
	}
}

static int
add_sub(struct sim *s, struct sim_client *c, int32_t req_id, int32_t instr, bool history, bool trades)
{
	struct sim_bars *b = s->bars;

	for (int i = 0; i < b->nsubs; i++)
		if (b->subs[i].slot == c->slot && b->subs[i].req_id == req_id)
			return -1;
	if (b->nsubs == MAX_BAR_SUBS)
		return -1;
	b->subs[b->nsubs++] = (struct bar_sub){ .slot = (int16_t)c->slot, .history = history, .trades = trades,
						.req_id = req_id, .instr = instr, .format_date = 1 };
	if (b->next_ns == 0)
		b->next_ns = ib_now_mono_ns() + (int64_t)s->o.rtbar_ms * IB_NS_PER_MS;
	return b->nsubs - 1;
}

static void
history_start(struct sim *s, struct sim_client *c, const ib_req *r)
{
	const __typeof__(r->u.historical_data) *q = &r->u.historical_data;
	int32_t req = q->req_id, instr = sim_md_lookup(s, &q->contract);
	int64_t secs = bar_seconds(q->bar_size), dur = duration_seconds(q->duration), end = end_time(q->end_date_time);
	bool trades = strcmp(q->what_to_show, "TRADES") == 0;
	char start_s[32], end_s[32], why[160];
	uint64_t ident, burst;
	const char *violation;
	int64_t n;

	if (instr < 0) {
		sim_send_error(s, c, req, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		return;
	}
	if (secs == 0 || dur == 0 || end < 0 || !q->what_to_show[0] || (q->keep_up_to_date && q->end_date_time[0])) {
		snprintf(why, sizeof(why), "Error validating request.-'bP' : cause - bar size '%.16s', duration '%.16s', "
			 "end '%.24s' or whatToShow '%.24s' is invalid", q->bar_size, q->duration, q->end_date_time,
			 q->what_to_show);
		sim_send_error(s, c, req, ERR_VALIDATE, why);
		return;
	}
	ident = mix_str(mix_str(mix_str(mix_str(mix((uint64_t)instr, (uint64_t)q->use_rth * 2 + q->keep_up_to_date),
						q->end_date_time, sizeof(q->end_date_time)),
					q->bar_size, sizeof(q->bar_size)),
				q->duration, sizeof(q->duration)),
			q->what_to_show, sizeof(q->what_to_show));
	burst = mix_str((uint64_t)instr, q->what_to_show, sizeof(q->what_to_show));
	if ((violation = pace_check(s, c, ident, burst, ib_now_mono_ns())) != NULL) {
		snprintf(why, sizeof(why), "Historical Market Data Service error message:Historical data request pacing "
			 "violation (%s)", violation);
		ib_log(IB_LL_INFO, "ibsim", "client %d: historical request %d refused: %s", c->client_id, req, violation);
		c->n.hist_paced++;
		sim_send_error(s, c, req, IB_ERR_HIST_PACING, why);
		return;
	}
	c->n.hist++;
	n = (dur + secs - 1) / secs;
	if (n > MAX_BARS) {
		snprintf(why, sizeof(why), "Historical Market Data Service error message:requested %lld bars, at most %d",
			 (long long)n, MAX_BARS);
		sim_send_error(s, c, req, IB_ERR_HIST_PACING, why);
		return;
	}
	if (secs <= 86400)
		end -= end % secs; /* bars start on their size's grid */
	make_history(s, &s->instr[instr], end, secs, (int)n, q->format_date, trades);
	fmt_time(start_s, sizeof(start_s), end - secs * n, 1, false, true);
	fmt_time(end_s, sizeof(end_s), end, 1, false, true);
	sim_enc_historical_data(&c->out, req, start_s, end_s, s->bars->bars, (int)n);
	if (q->keep_up_to_date) {
		int i = add_sub(s, c, req, instr, true, trades);
		if (i >= 0) {
			s->bars->subs[i].format_date = q->format_date;
			s->bars->subs[i].bar_secs = secs;
		}
	}
}

static void
rt_start(struct sim *s, struct sim_client *c, const ib_req *r)
{
	int32_t req = r->u.realtime_bars.req_id, instr = sim_md_lookup(s, &r->u.realtime_bars.contract);

	if (instr < 0) {
		sim_send_error(s, c, req, IB_ERR_NO_SECURITY, "No security definition has been found for the request");
		return;
	}
	if (r->u.realtime_bars.bar_size != 5) {
		sim_send_error(s, c, req, ERR_VALIDATE, "Error validating request.-'bP' : cause - only 5 second bars");
		return;
	}
	if (add_sub(s, c, req, instr, false, strcmp(r->u.realtime_bars.what_to_show, "TRADES") == 0) < 0)
		sim_send_error(s, c, req, ERR_VALIDATE, "Error validating request: duplicate ticker id or too many bars");
}

static void
remove_where(struct sim *s, int slot, int32_t req_id, int history)
{
	struct sim_bars *b = s->bars;

	for (int i = 0; i < b->nsubs;) {
		const struct bar_sub *x = &b->subs[i];
		if (x->slot == slot && (req_id < 0 || x->req_id == req_id) && (history < 0 || x->history == (history == 1)))
			b->subs[i] = b->subs[--b->nsubs];
		else
			i++;
	}
}

static void
rt_cancel(struct sim *s, struct sim_client *c, const ib_req *r)
{
	remove_where(s, c->slot, r->u.cancel.req_id, 0);
}

static void
history_cancel(struct sim *s, struct sim_client *c, const ib_req *r)
{
	remove_where(s, c->slot, r->u.cancel.req_id, 1);
}

static void
client_gone(struct sim *s, struct sim_client *c)
{
	remove_where(s, c->slot, -1, -1);
	s->bars->pace[c->slot].n = 0;
	s->bars->pace[c->slot].head = 0;
}

const struct sim_feed sim_feed_rtbars = {
	.name = "realtime bars", .start_id = IB_OUT_REQ_REAL_TIME_BARS, .cancel_id = IB_OUT_CANCEL_REAL_TIME_BARS,
	.start = rt_start, .cancel = rt_cancel, .client_gone = client_gone,
};

const struct sim_feed sim_feed_history = {
	.name = "historical data", .start_id = IB_OUT_REQ_HISTORICAL_DATA, .cancel_id = IB_OUT_CANCEL_HISTORICAL_DATA,
	.start = history_start, .cancel = history_cancel, .client_gone = NULL, /* rtbars' hook clears both */
};

/* ---- the period: one walked bar per instrument with subscribers ---- */

static void
walk_bar(struct sim *s, int32_t instr, sim_enc_bar *bar)
{
	struct sim_instr *in = &s->instr[instr];
	double px = sim_instr_mark(in), vol = 0, pv = 0;

	bar->open = bar->high = bar->low = px;
	for (int k = 0; k < WALK_STEPS; k++) {
		double size = 1 + floor(sim_rand(s) * 10);
		sim_md_walk(s, instr);
		px = sim_instr_mark(in);
		bar->high = fmax(bar->high, px);
		bar->low = fmin(bar->low, px);
		vol += size;
		pv += px * size;
	}
	bar->close = px;
	bar->volume = vol;
	bar->wap = round(pv / vol * 1e6) / 1e6;
	bar->count = WALK_STEPS;
}

void
sim_bars_step(struct sim *s, int64_t now)
{
	struct sim_bars *b = s->bars;
	int32_t done[MAX_BAR_SUBS];
	sim_enc_bar made[MAX_BAR_SUBS];
	int ndone = 0;
	double wall = wall_now_s();
	int64_t period_s = s->o.rtbar_ms >= 1000 ? s->o.rtbar_ms / 1000 : 1;
	int64_t start = (int64_t)wall - period_s;

	if (b->next_ns == 0 || now < b->next_ns)
		return;
	b->next_ns = b->nsubs ? now + (int64_t)s->o.rtbar_ms * IB_NS_PER_MS : 0;
	for (int i = 0; i < b->nsubs; i++) {
		const struct bar_sub *x = &b->subs[i];
		struct sim_client *c = s->clients[x->slot];
		char t[24];
		sim_enc_bar bar;
		int j;

		if (!c || c->dead || c->state != SIM_CS_READY)
			continue;
		for (j = 0; j < ndone && done[j] != x->instr; j++)
			;
		if (j == ndone) {
			walk_bar(s, x->instr, &made[j]);
			done[ndone++] = x->instr;
		}
		bar = made[j];
		if (!x->trades) {
			bar.volume = bar.wap = -1;
			bar.count = -1;
		}
		if (x->history) {
			int64_t t0 = start - start % (x->bar_secs > 0 ? x->bar_secs : 1);
			fmt_time(t, sizeof(t), t0, x->format_date, x->bar_secs >= 86400, false);
			bar.time = t;
			bar.count = -1;
			sim_enc_historical_update(&c->out, x->req_id, &bar);
		} else {
			bar.epoch = start;
			sim_enc_realtime_bar(&c->out, x->req_id, &bar);
		}
	}
}

int64_t
sim_bars_next_deadline(const struct sim *s)
{
	return s->bars->nsubs ? s->bars->next_ns : INT64_MAX;
}
