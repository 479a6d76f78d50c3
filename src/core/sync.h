/*
 * sync.h - when is the account data complete?  The rule of the gate.
 *
 * Complete means: managedAccounts arrived and named at least one account
 * and no more than IB_MAX_ACCOUNTS, nextValidId arrived, every listed
 * account's initial download ended (acctDownloadEnd, or -- when configured
 * for gateways that stop sending it -- a quiet period after its first value),
 * positionEnd arrived, after a reconnect the open orders and executions
 * were reconciled (openOrderEnd, execDetailsEnd), and every configured
 * contract that needs reqContractDetails was resolved on this connection
 * (core/contracts.h; named "contract:<spec>" in the detail while it is not).
 *
 * The list may change at any time (a new managedAccounts): accounts that stay
 * keep what they have, new ones start incomplete, gone ones are forgotten.
 * So "complete" always speaks of the list as it is now.  ib_sync_describe and
 * ib_sync_json say exactly which piece is missing and for how long.  Pure
 * logic, no threads: the account thread owns one.
 */
#ifndef IBPIPE_SYNC_H
#define IBPIPE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ibpipe/account.h"
#include "util/json.h"

/* Configured contracts that must be resolved before the gate opens (core/contracts.h). */
#define IB_MAX_CONTRACTS 128
#define IB_SYNC_SPEC_LEN 96      /* a spec as configured (IB_CFG_SYMBOL_LEN), with its NUL */
#define IB_SYNC_WHY_LEN 256      /* why a contract did not resolve */
#define IB_SYNC_MAX_BARS 128     /* bar warm-ups the gate can wait for (IB_CFG_MAX_BARS) */

/* The JSON detail at its largest: every account listed and missing, each id escaped at its worst,
   every contract missing with why, and every warm-up (a bar series' name: printable ASCII, at most
   256 escaped). */
#define IB_SYNC_JSON_MAX (IB_MAX_ACCOUNTS * (2 * (IB_ACCOUNT_ID_LEN - 1) * IB_JSON_ESC_MAX + 32) + \
			  IB_MAX_CONTRACTS * ((2 * IB_SYNC_SPEC_LEN + IB_SYNC_WHY_LEN) * IB_JSON_ESC_MAX + 32) + 1024 + \
			  IB_SYNC_MAX_BARS * 256)

enum ib_sync_list_error {
	IB_SYNC_LIST_OK = 0,
	IB_SYNC_LIST_TOO_MANY,    /* more than IB_MAX_ACCOUNTS ids */
	IB_SYNC_LIST_ID_TOO_LONG, /* an id of IB_ACCOUNT_ID_LEN bytes or more */
	IB_SYNC_LIST_TOO_LONG,    /* the text did not fit IB_ACCOUNT_LIST_MAX (set by the caller) */
};

typedef struct ib_sync_acct {
	char id[IB_ACCOUNT_ID_LEN];
	bool download_end, by_quiet;
	bool is_new;                 /* added by the latest list change */
	int64_t first_value_ns, last_value_ns;
} ib_sync_acct;

/* What a new managedAccounts list changed. */
typedef struct ib_sync_change {
	int added, removed, duplicates;
	bool first;                  /* the first list of this connection */
	bool changed;                /* membership differs from the previous list */
} ib_sync_change;

typedef struct ib_sync {
	int64_t since_ns;           /* connection up, or down, or the start (monotonic) */
	bool down;                  /* no session with the gateway (set by the owner): named first in the detail */
	char conn_error[128];       /* why the last attempt failed, "" none: named in the detail */
	bool have_accounts;
	int naccounts;
	int list_error;             /* enum ib_sync_list_error of the latest list; never complete unless OK */
	int list_ids;               /* distinct ids in the latest list, counted past the limit */
	ib_sync_acct acct[IB_MAX_ACCOUNTS];
	uint16_t idx[2 * IB_MAX_ACCOUNTS]; /* id hash -> slot + 1 */
	/* the list before the latest change; gone[i] says prev[i] is no longer listed */
	int nprev;
	ib_sync_acct prev[IB_MAX_ACCOUNTS];
	uint16_t pidx[2 * IB_MAX_ACCOUNTS]; /* prev's index, while a new list is read */
	bool gone[IB_MAX_ACCOUNTS];
	bool have_next_id;
	int32_t next_id;
	bool position_end;
	bool need_reconcile;        /* after a reconnect: open orders + executions */
	bool open_orders_end, executions_end;
	/* configured contracts: specs fixed at start (kept by reset); resolved again on every connection */
	int ncontracts;
	char contract_spec[IB_MAX_CONTRACTS][IB_SYNC_SPEC_LEN];
	bool contract_ok[IB_MAX_CONTRACTS];
	char contract_why[IB_MAX_CONTRACTS][IB_SYNC_WHY_LEN]; /* "" while pending, else why it failed */
	/* bar warm-ups (core/bars.c): history whose historicalDataEnd the gate waits for; names kept by
	   reset, ends cleared (a new connection requests them again) */
	int nbars;
	const char *bar_name[IB_SYNC_MAX_BARS]; /* "AAPL:1min", owned by the caller */
	bool bar_end[IB_SYNC_MAX_BARS];
	/* policy */
	bool require_download_end;
	int64_t quiet_ns;
} ib_sync;

void ib_sync_init(ib_sync *s, bool require_download_end, int quiet_ms);
/* The contracts that must resolve (after init; kept across resets): n specs, IB_SYNC_SPEC_LEN apart. */
void ib_sync_set_contracts(ib_sync *s, int n, const char *specs, size_t stride);
/* Contract k resolved (ok), or failed with why (not resolved; named with why in the detail). */
void ib_sync_contract(ib_sync *s, int k, bool ok, const char *why);
/* Index of the first contract not resolved, or -1. */
int ib_sync_pending_contract(const ib_sync *s);
/* A new connection: nothing known (every contract is resolved again). */
void ib_sync_reset(ib_sync *s, int64_t now_ns, bool need_reconcile);
/* Sync again on the same connection (IB came back): the list, nextValidId and the resolved contracts stay,
   the rest is redone. */
void ib_sync_restart(ib_sync *s, int64_t now_ns);
/* A managedAccounts list (comma separated, empties skipped, duplicates dropped). */
ib_sync_change ib_sync_accounts(ib_sync *s, const char *comma_list);
/* The caller could not hold the whole list text: never complete until a list that fits. */
void ib_sync_list_too_long(ib_sync *s);
void ib_sync_next_id(ib_sync *s, int32_t id);
/* Feeding; return the account index touched or -1 when the account is not listed. */
int ib_sync_find(const ib_sync *s, const char *account);
int ib_sync_value(ib_sync *s, const char *account, int64_t now_ns);
int ib_sync_download_end(ib_sync *s, const char *account);
void ib_sync_position_end(ib_sync *s);
void ib_sync_open_orders_end(ib_sync *s);
void ib_sync_executions_end(ib_sync *s);
/* The warm-ups to wait for (names outlive s), and one's history being all in. */
void ib_sync_set_bars(ib_sync *s, const char *const *names, int n);
void ib_sync_bars_end(ib_sync *s, int i);
/* Applies the quiet-period fallback; true when everything is in. */
bool ib_sync_complete(ib_sync *s, int64_t now_ns);
/* Index of the first account whose download is not finished, or -1. */
int ib_sync_pending_account(const ib_sync *s);
/* "have managedAccounts [DU1], nextValidId 1, waiting for acctDownloadEnd for DU1 since 3.0 s"
   (for logs: long lists are cut to their first accounts and a count) */
void ib_sync_describe(const ib_sync *s, int64_t now_ns, char *buf, size_t cap);
/* The same as a JSON object: {"managedAccounts":[..],"nextValidId":N,"missing":[..],"waiting_s":x}
   and, when a contract failed, "contract_errors":{"<spec>":"<why>",..},
   complete and valid for any ids when cap >= IB_SYNC_JSON_MAX.  Returns its length. */
size_t ib_sync_json(const ib_sync *s, int64_t now_ns, char *buf, size_t cap);

#endif
