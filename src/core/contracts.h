/*
 * contracts.h - the configured contracts that IB must describe before they
 * are quoted or traded, and what it said about them: the resolved contract
 * table.
 *
 * A `symbols` item that is a contract spec (FUT:ES@CME, CASH:EUR.USD@IDEALPRO,
 * conid:265598 ...; a bare stock symbol is not one) gets a slot.  On every
 * connection the network thread asks reqContractDetails for each slot
 * (resolve.c), picks the one contract the spec means (the front month for a
 * FUT without expiry; several candidates otherwise are refused, naming
 * them), and only then subscribes its market data.  The account thread
 * learns each outcome through an IB_AE_CONTRACT event and keeps the gate
 * closed until every slot resolved on this connection (sync.h).
 *
 * Who writes what: the specs, the want contracts and the instrument map are
 * set before the threads start.  A slot's `r` is written once, by the
 * network thread, the first time the contract resolves, and published by
 * `ready` (release); it never changes after, so any thread may read it with
 * ib_pipeline_contract.  A later connection must resolve the spec to the
 * same conId or the slot stays unresolved (the gate stays closed) until a
 * restart: strategies were told about one contract and must not find
 * another behind the same instrument.
 *
 * The conId cache (state_dir/contracts-HOST-PORT-CLIENTID) keeps the conId
 * each spec resolved to on the last run, so a restart can say that a spec
 * now means another contract (a front month rolled, a contract re-listed).
 * It never stands in for resolution: the gate waits for IB's answer on
 * every connection.
 */
#ifndef IBPIPE_CONTRACTS_H
#define IBPIPE_CONTRACTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "codec/msg.h"
#include "config/config.h"
#include "core/sync.h"
#include "ibpipe/quote.h"
#include "ibpipe/req.h"

#define IB_REQID_CONTRACT 500000   /* slot k asks reqContractDetails as IB_REQID_CONTRACT + k */
#define IB_CONTRACT_HOURS_LEN 256  /* trading / liquid hours, as IB sends them (cut to this) */
#define IB_CONTRACT_CANDS_LEN 200  /* the candidates of an ambiguous spec, for the refusal */

/* Everything IB said about a resolved contract that the pipeline uses. */
typedef struct ib_resolved_contract {
	ib_contract contract;       /* to subscribe and order with: IB's fields, conId set, the spec's exchange */
	char key[IB_INSTR_NAME_LEN]; /* instrument key: P:quote:<key>, the SDK's symbol */
	double multiplier;          /* 1 when IB gives none (stocks, FX, indices) */
	double min_tick;
	char time_zone[32];
	char trading_hours[IB_CONTRACT_HOURS_LEN];
	char liquid_hours[IB_CONTRACT_HOURS_LEN];
	char long_name[64];
} ib_resolved_contract;

/* What one reqContractDetails came to (the state an IB_AE_CONTRACT event carries). */
enum ib_contract_outcome {
	IB_CT_RESOLVED = 1,
	IB_CT_UNKNOWN,      /* error 200, or no contractData at all */
	IB_CT_AMBIGUOUS,    /* several candidates, none chosen */
	IB_CT_CHANGED,      /* resolved to another conId than earlier in this run */
	IB_CT_DUPLICATE,    /* same instrument key as another configured contract */
	IB_CT_ERROR,        /* another gateway error for the request */
};

struct ib_contract_slot {
	/* before the threads start */
	char spec[IB_SYNC_SPEC_LEN]; /* canonical, as in the config */
	ib_contract want;           /* parsed: what reqContractDetails asks */
	uint32_t instrument;
	bool front_month;
	int32_t cached_con_id;      /* the last run's conId from the cache, 0 none */
	/* network thread: the request of this connection */
	bool asked, done, ok;       /* ok: resolved on this connection (subscribe it) */
	int ncand;
	bool kept;                  /* cand holds one */
	bool tie;                   /* front month: two candidates share the nearest expiry */
	ib_resolved_contract cand;  /* the candidate kept so far */
	char cands[IB_CONTRACT_CANDS_LEN]; /* "ESH7 (conId 1), ..." */
	/* written once by the network thread, published by ready */
	ib_resolved_contract r;
	atomic_bool ready;
	/* account thread: the conId last written to the cache */
	int32_t stored_con_id;
};

typedef struct ib_contract_table {
	int n;
	struct ib_contract_slot slot[IB_MAX_CONTRACTS];
	int16_t of_instrument[IB_CFG_MAX_SYMBOLS]; /* configured instrument -> slot, -1 a bare stock */
	bool mid_from_bbo[IB_CFG_MAX_SYMBOLS];     /* FX: IB sends no last; the mid is (bid + ask) / 2 (set at
	                                               start, or for a conid: spec when it resolves, before its ticks) */
	char today[12];             /* network thread: YYYYMMDD (UTC) of the latest requests, for front months */
	char cache_path[320];       /* "" no cache */
	char cache_dir[256];
} ib_contract_table;

/*
 * Main thread, before the threads start: a slot for every spec among the
 * configured symbols (instrument i = symbols[i]); bare stocks are named in
 * the quote table at once.  Loads the conId cache from state_dir.
 * 0, or -1 with err (more than IB_MAX_CONTRACTS specs).
 */
int ib_contracts_setup(ib_contract_table *t, const ib_config *cfg, ib_quote_table *q, char *err, size_t cap);

/* Pure choice over one request's candidates (network thread; unit-tested). */
void ib_contracts_begin(struct ib_contract_slot *s);
/* One contractData: kept, or counted as another candidate.  today: YYYYMMDD (UTC) for the front month. */
void ib_contracts_candidate(struct ib_contract_slot *s, const ib_contract_data *cd, const char *today);
/* contractDataEnd: the outcome, with why (for a refusal) and the chosen contract in s->cand. */
int ib_contracts_choose(struct ib_contract_slot *s, char *why, size_t cap);

/* Account thread: write the cache if a conId differs from what it holds.  0, or -1 with errno. */
int ib_contracts_store_cache(ib_contract_table *t);

struct ib_pipeline;
/*
 * Resolved contract of configured instrument i: true with *out filled, or
 * false for a bare stock (never resolved: SMART/USD by symbol) and for a
 * contract not resolved yet.  Any thread; *out never changes once given.
 */
bool ib_pipeline_contract(const struct ib_pipeline *p, uint32_t instrument, ib_resolved_contract *out);

/* resolve.c, network thread. */
/* A new connection: reqContractDetails for every slot. */
void ib_resolve_request_all(struct ib_pipeline *p);
enum { IB_RESOLVE_NOT_OURS, IB_RESOLVE_HANDLED, IB_RESOLVE_EVENT /* push *e to the account thread */ };
struct ib_acct_event;
/* contractData / contractDataEnd. */
int ib_resolve_on_msg(struct ib_pipeline *p, const ib_msg *m, struct ib_acct_event *e);
/* A gateway error: one of ours when it answers a resolution request (then logged here). */
int ib_resolve_on_error(struct ib_pipeline *p, int32_t req_id, int32_t code, const char *text, struct ib_acct_event *e);
/* Instrument i's contract for reqMktData on this connection: false while it must wait for resolution. */
bool ib_resolve_mkt_contract(struct ib_pipeline *p, uint32_t instrument, ib_contract *out);

#endif
