/*
 * resolve.c - contract resolution on the network thread: reqContractDetails
 * for every configured contract spec on each connection, the answers
 * turned into one contract or a refusal, the market-data subscription sent
 * once a contract is resolved, and the outcome handed to the account thread
 * (IB_AE_CONTRACT), which keeps the gate closed until all are resolved.
 *
 * Rare messages (a few per spec per connection): logging and a few copies
 * here cost nothing on the market-data path.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/contracts.h"
#include "core/pipeline_state.h"
#include "ibpipe/log.h"
#include "util/clock.h"
#include "util/str.h"

static void
today_utc(char out[12])
{
	time_t now = (time_t)(ib_now_real_ns() / IB_NS_PER_S);
	struct tm tm;

	gmtime_r(&now, &tm);
	snprintf(out, 12, "%04d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void
ib_resolve_request_all(ib_pipeline *p)
{
	ib_contract_table *t = p->contracts;

	if (t == NULL || t->n == 0)
		return;
	today_utc(t->today);
	for (int k = 0; k < t->n; k++) {
		struct ib_contract_slot *s = &t->slot[k];
		ib_req r = { .id = IB_OUT_REQ_CONTRACT_DATA };
		s->asked = true;
		s->done = s->ok = false;
		ib_contracts_begin(s);
		r.u.contract_data.req_id = IB_REQID_CONTRACT + k;
		r.u.contract_data.contract = s->want;
		ib_pipeline_send(p, &r, -1);
	}
	ib_log(IB_LL_INFO, "contracts", "resolving %d contract spec(s) with reqContractDetails before quoting them", t->n);
}

static struct ib_contract_slot *
slot_of(ib_pipeline *p, int32_t req_id, int *k)
{
	ib_contract_table *t = p->contracts;

	if (t == NULL || req_id < IB_REQID_CONTRACT || req_id >= IB_REQID_CONTRACT + t->n)
		return NULL;
	*k = req_id - IB_REQID_CONTRACT;
	return &t->slot[*k];
}

/* Another configured instrument already filed under key (a bare stock, or a resolved contract)? */
static int
key_taken(const ib_pipeline *p, const struct ib_contract_slot *s, const char *key)
{
	for (uint32_t i = 0; i < p->quotes->n && i < IB_CFG_MAX_SYMBOLS; i++)
		if (i != s->instrument && strcmp(ib_quote_name(p->quotes, i), key) == 0)
			return (int)i;
	return -1;
}

static void
subscribe(ib_pipeline *p, const struct ib_contract_slot *s)
{
	ib_req r = { .id = IB_OUT_REQ_MKT_DATA };

	if (s->instrument < p->nquote_subs) {
		r.u.mkt_data.req_id = IB_REQID_MKT + (int32_t)s->instrument;
		r.u.mkt_data.contract = s->r.contract;
		ib_pipeline_send(p, &r, -1);
	}
	ib_pipeline_subscribe_feeds(p, s->instrument); /* its tick-by-tick and depth lines, if any */
	ib_pipeline_subscribe_bars(p, s->instrument);  /* and its bar series (bars.c) */
}

/* The first resolution in this run: the contract becomes the instrument's, for good. */
static int
adopt(ib_pipeline *p, struct ib_contract_slot *s, char *why, size_t cap)
{
	const ib_resolved_contract *c = &s->cand;
	int other = key_taken(p, s, c->key);

	if (other >= 0) {
		/* two configured symbols for one instrument (docs/contracts.md): name both, with their conIds */
		const ib_contract_table *t = p->contracts;
		int k = other < IB_CFG_MAX_SYMBOLS ? t->of_instrument[other] : -1;
		char theirs[32] = "";
		if (k >= 0)
			snprintf(theirs, sizeof(theirs), ", conId %d", (int)t->slot[k].r.contract.con_id);
		snprintf(why, cap, "its instrument key %s is already configured as \"%s\"%s (conId %d here)", c->key,
			 p->cfg.symbols[other], theirs, (int)c->contract.con_id);
		return IB_CT_DUPLICATE;
	}
	s->r = *c;
	/* FX named by conId (conid:12087797) learns it is FX only now: before its first tick, which comes
	   behind the reqMktData sent below, through the md ring */
	if (strcmp(s->r.contract.sec_type, "CASH") == 0)
		p->contracts->mid_from_bbo[s->instrument] = true;
	ib_quote_set_name(p->quotes, s->instrument, s->r.key);
	atomic_store_explicit(&s->ready, true, memory_order_release);
	if (s->front_month)
		ib_log(IB_LL_INFO, "contracts", "%s: front month is %s, expiry %.8s (conId %d), of %d listed", s->spec,
		       c->contract.local_symbol, c->contract.last_trade_date, (int)c->contract.con_id, s->ncand);
	ib_log(IB_LL_INFO, "contracts",
	       "%s resolved: conId %d, local symbol %s, trading class %s, multiplier %g, min tick %g, time zone %s "
	       "-- key %s", s->spec, (int)c->contract.con_id, c->contract.local_symbol, c->contract.trading_class,
	       c->multiplier, c->min_tick, c->time_zone[0] ? c->time_zone : "?", c->key);
	if (s->cached_con_id > 0 && s->cached_con_id != c->contract.con_id)
		ib_log(IB_LL_WARN, "contracts",
		       "%s now resolves to conId %d (%s), not conId %d as on the last run: a front month that rolled, "
		       "or a contract IB re-listed", s->spec, (int)c->contract.con_id, c->contract.local_symbol,
		       (int)s->cached_con_id);
	return IB_CT_RESOLVED;
}

/* The request for slot k ended: decide, subscribe if resolved, tell the account thread. */
static void
finish(ib_pipeline *p, struct ib_contract_slot *s, int k, int outcome, char *why, size_t cap,
       struct ib_acct_event *e)
{
	if (outcome == IB_CT_RESOLVED) {
		if (!atomic_load_explicit(&s->ready, memory_order_relaxed)) { /* only this thread stores it */
			outcome = adopt(p, s, why, cap);
		} else if (s->cand.contract.con_id != s->r.contract.con_id) {
			snprintf(why, cap, "now resolves to conId %d (%s), not conId %d (%s) as earlier in this run: "
				 "restart ibpipe to quote and trade the new contract", (int)s->cand.contract.con_id,
				 s->cand.contract.local_symbol, (int)s->r.contract.con_id, s->r.contract.local_symbol);
			outcome = IB_CT_CHANGED;
		}
	}
	s->done = true;
	s->ok = outcome == IB_CT_RESOLVED;
	if (s->ok)
		subscribe(p, s);
	else
		ib_log(IB_LL_ERROR, "contracts", "contract spec \"%s\": %s -- not quoted, and the sync gate stays closed "
		       "until it resolves", s->spec, why);
	memset(e, 0, sizeof(*e));
	e->kind = IB_AE_CONTRACT;
	e->u.contract.slot = k;
	e->u.contract.outcome = outcome;
	e->u.contract.con_id = s->ok ? s->r.contract.con_id : 0;
	ib_strlcpy(e->u.contract.why, s->ok ? "" : why, sizeof(e->u.contract.why));
}

int
ib_resolve_on_msg(ib_pipeline *p, const ib_msg *m, struct ib_acct_event *e)
{
	struct ib_contract_slot *s;
	char why[IB_AE_TEXT_LEN];
	int k = 0;

	if (m->id == IB_IN_CONTRACT_DATA) {
		if ((s = slot_of(p, m->u.contract_data.req_id, &k)) == NULL)
			return IB_RESOLVE_NOT_OURS;
		if (s->asked && !s->done)
			ib_contracts_candidate(s, &m->u.contract_data, p->contracts->today);
		return IB_RESOLVE_HANDLED;
	}
	if (m->id != IB_IN_CONTRACT_DATA_END || (s = slot_of(p, m->u.req_end.req_id, &k)) == NULL)
		return IB_RESOLVE_NOT_OURS;
	if (!s->asked || s->done)
		return IB_RESOLVE_HANDLED;
	finish(p, s, k, ib_contracts_choose(s, why, sizeof(why)), why, sizeof(why), e);
	return IB_RESOLVE_EVENT;
}

int
ib_resolve_on_error(ib_pipeline *p, int32_t req_id, int32_t code, const char *text, struct ib_acct_event *e)
{
	struct ib_contract_slot *s;
	char why[IB_AE_TEXT_LEN];
	int k = 0;

	if ((s = slot_of(p, req_id, &k)) == NULL)
		return IB_RESOLVE_NOT_OURS;
	if (!s->asked || s->done)
		return IB_RESOLVE_HANDLED;
	if (code == IB_ERR_NO_SECURITY) {
		snprintf(why, sizeof(why), "unknown to IB (error 200: %s)", text);
		finish(p, s, k, IB_CT_UNKNOWN, why, sizeof(why), e);
	} else {
		snprintf(why, sizeof(why), "gateway error %d: %s", (int)code, text);
		finish(p, s, k, IB_CT_ERROR, why, sizeof(why), e);
	}
	return IB_RESOLVE_EVENT;
}

bool
ib_resolve_mkt_contract(ib_pipeline *p, uint32_t instrument, ib_contract *out)
{
	const ib_contract_table *t = p->contracts;
	int k = t && instrument < IB_CFG_MAX_SYMBOLS ? t->of_instrument[instrument] : -1;

	if (k < 0) {
		ib_contract_stock(out, ib_quote_name(p->quotes, instrument));
		return true;
	}
	if (!t->slot[k].ok) /* subscribed by finish() when it resolves */
		return false;
	*out = t->slot[k].r.contract;
	return true;
}
