/*
 * hist_pacer.c - IB's historical-data pacing rules, kept by queueing
 * (hist_pacer.h says which rules and why five).  Owned by the network
 * thread; no allocation, no locks, the clock comes in as an argument.
 */
#include <stdint.h>
#include <string.h>

#include "core/hist_pacer.h"
#include "ibpipe/log.h"
#include "util/clock.h"

void
ib_hist_pacer_init(ib_hist_pacer *hp, double scale)
{
	memset(hp, 0, sizeof(*hp));
	if (!(scale > 0))
		scale = 1;
	hp->window_ns = (int64_t)((double)IB_HP_WINDOW_NS * scale) + IB_HP_GUARD_NS;
	hp->identical_ns = (int64_t)((double)IB_HP_IDENTICAL_NS * scale) + IB_HP_GUARD_NS;
	hp->burst_ns = (int64_t)((double)IB_HP_BURST_NS * scale) + IB_HP_GUARD_NS;
}

/* FNV-1a over a string field (up to its NUL, at most cap bytes), then a separator. */
static uint64_t
mix_str(uint64_t h, const char *s, size_t cap)
{
	for (size_t i = 0; i < cap && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

static uint64_t
mix_u64(uint64_t h, uint64_t v)
{
	for (int i = 0; i < 8; i++, v >>= 8)
		h = (h ^ (v & 0xff)) * 0x100000001b3ull;
	return h;
}

#define MIX(h, field) mix_str((h), (field), sizeof(field))

/* The contract as IB identifies it for pacing: every field that names it. */
static uint64_t
contract_key(const ib_contract *c)
{
	uint64_t h = mix_u64(0xcbf29ce484222325ull, (uint64_t)(uint32_t)c->con_id);
	double strike = c->strike;
	uint64_t sbits;

	h = MIX(h, c->symbol);
	h = MIX(h, c->sec_type);
	h = MIX(h, c->last_trade_date);
	memcpy(&sbits, &strike, sizeof(sbits));
	h = mix_u64(h, sbits);
	h = MIX(h, c->right);
	h = MIX(h, c->multiplier);
	h = MIX(h, c->exchange);
	h = MIX(h, c->primary_exchange);
	h = MIX(h, c->currency);
	h = MIX(h, c->local_symbol);
	return MIX(h, c->trading_class);
}

uint64_t
ib_hist_pacer_burst(const ib_req *r)
{
	return MIX(contract_key(&r->u.historical_data.contract), r->u.historical_data.what_to_show);
}

uint64_t
ib_hist_pacer_ident(const ib_req *r)
{
	const __typeof__(r->u.historical_data) *q = &r->u.historical_data;
	uint64_t h = ib_hist_pacer_burst(r);

	h = MIX(h, q->end_date_time);
	h = MIX(h, q->bar_size);
	h = MIX(h, q->duration);
	return mix_u64(h, (uint64_t)q->use_rth * 4 + (uint64_t)q->keep_up_to_date * 2 + (uint64_t)q->include_expired);
}

static const ib_hp_sent *
sent_at(const ib_hist_pacer *hp, int k) /* k = 0: the oldest remembered send */
{
	return &hp->sent[(hp->head - hp->nsent + k + IB_HP_KEEP) % IB_HP_KEEP];
}

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

int64_t
ib_hist_pacer_wait(const ib_hist_pacer *hp, uint64_t ident, uint64_t burst, int64_t now, const char **why)
{
	int64_t wait = 0, w;
	int in_window = 0, in_burst = 0;
	const char *rule = NULL;

	/* counts first: the sends are in time order, oldest first */
	for (int k = 0; k < hp->nsent; k++) {
		const ib_hp_sent *s = sent_at(hp, k);
		if (now - s->t < hp->window_ns)
			in_window++;
		if (s->burst == burst && now - s->t < hp->burst_ns)
			in_burst++;
		if (s->ident == ident && (w = s->t + hp->identical_ns - now) > wait) {
			wait = w;
			rule = "an identical request within 15 s";
		}
	}
	/* a full window: wait until enough of its oldest sends have aged out to leave room for one */
	for (int k = 0, seen = 0, over = in_window - (IB_HP_MAX_WINDOW - 1); over > 0 && k < hp->nsent; k++) {
		const ib_hp_sent *s = sent_at(hp, k);
		if (now - s->t >= hp->window_ns)
			continue;
		if (++seen == over) {
			if ((w = s->t + hp->window_ns - now) > wait) {
				wait = w;
				rule = "60 requests in 10 minutes";
			}
			break;
		}
	}
	for (int k = 0, seen = 0, over = in_burst - (IB_HP_MAX_BURST - 1); over > 0 && k < hp->nsent; k++) {
		const ib_hp_sent *s = sent_at(hp, k);
		if (s->burst != burst || now - s->t >= hp->burst_ns)
			continue;
		if (++seen == over) {
			if ((w = s->t + hp->burst_ns - now) > wait) {
				wait = w;
				rule = "5 requests for this contract in 2 s";
			}
			break;
		}
	}
	if (why)
		*why = rule;
	return max64(wait, 0);
}

void
ib_hist_pacer_sent(ib_hist_pacer *hp, uint64_t ident, uint64_t burst, int64_t now)
{
	hp->sent[hp->head] = (ib_hp_sent){ now, ident, burst };
	hp->head = (hp->head + 1) % IB_HP_KEEP;
	if (hp->nsent < IB_HP_KEEP)
		hp->nsent++;
}

bool
ib_hist_pacer_offer(ib_hist_pacer *hp, const ib_req *r, int32_t owner, int64_t now)
{
	(void)now;
	if (hp->nq == IB_HP_QUEUE) {
		hp->refused++;
		ib_log(IB_LL_ERROR, "pacer", "historical request %d refused: %d requests already wait for IB's pacing "
		       "rules", r->u.historical_data.req_id, IB_HP_QUEUE);
		return false;
	}
	hp->q[hp->nq++] = (ib_hp_item){ .req = *r, .owner = owner, .ident = ib_hist_pacer_ident(r),
					.burst = ib_hist_pacer_burst(r) };
	hp->queued++;
	hp->recheck_ns = 0;
	return true;
}

static void
remove_at(ib_hist_pacer *hp, int i)
{
	memmove(&hp->q[i], &hp->q[i + 1], (size_t)(hp->nq - i - 1) * sizeof(hp->q[0]));
	hp->nq--;
}

bool
ib_hist_pacer_cancel(ib_hist_pacer *hp, int32_t req_id)
{
	for (int i = 0; i < hp->nq; i++)
		if (hp->q[i].req.u.historical_data.req_id == req_id) {
			remove_at(hp, i);
			hp->recheck_ns = 0;
			return true;
		}
	return false;
}

bool
ib_hist_pacer_next(ib_hist_pacer *hp, int64_t now, ib_req *out, int32_t *owner, int64_t *wait_ns)
{
	int64_t soonest = INT64_MAX;

	/* the scan is nq x IB_HP_KEEP: not again on every wake-up of a busy network thread */
	if (hp->nq > 0 && now < hp->recheck_ns) {
		*wait_ns = hp->recheck_ns - now;
		return false;
	}
	/*
	 * The oldest request that may go: one held by a rule of its own contract (identical,
	 * burst) does not hold up another contract's; the 10-minute rule holds every one alike.
	 */
	for (int i = 0; i < hp->nq; i++) {
		ib_hp_item *it = &hp->q[i];
		const char *why = NULL;
		int64_t w = ib_hist_pacer_wait(hp, it->ident, it->burst, now, &why);
		if (w == 0) {
			*out = it->req;
			*owner = it->owner;
			ib_hist_pacer_sent(hp, it->ident, it->burst, now);
			remove_at(hp, i);
			hp->recheck_ns = 0;
			return true;
		}
		if (it->told != why) {
			const __typeof__(it->req.u.historical_data) *q = &it->req.u.historical_data;
			hp->waited += it->told == NULL;
			it->told = why;
			ib_log(IB_LL_INFO, "pacer", "historical request %d (%s %s %s) waits %.1f s: %s (IB's pacing rules; "
			       "%d queued)", q->req_id, q->contract.symbol, q->bar_size, q->duration, ib_ns_to_s(w), why,
			       hp->nq);
		}
		if (w < soonest)
			soonest = w;
	}
	*wait_ns = soonest;
	hp->recheck_ns = soonest == INT64_MAX ? 0 : now + soonest;
	return false;
}

void
ib_hist_pacer_clear_queue(ib_hist_pacer *hp)
{
	hp->nq = 0;
	hp->recheck_ns = 0;
}
