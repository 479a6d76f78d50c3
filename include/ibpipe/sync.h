/*
 * sync.h - when is the account data complete?  The rule of the gate.
 *
 * Complete means: managedAccounts arrived, nextValidId arrived, every managed
 * account's initial download ended (acctDownloadEnd, or -- when configured
 * for gateways that stop sending it -- a quiet period after its first value),
 * positionEnd arrived, and after a reconnect the open orders and executions
 * were reconciled (openOrderEnd, execDetailsEnd).  ib_sync_describe says
 * exactly which piece is missing and for how long.  Pure logic, no threads.
 */
#ifndef IBPIPE_SYNC_H
#define IBPIPE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account.h"

typedef struct ib_sync {
	int64_t since_ns;           /* connection up (monotonic) */
	bool have_accounts;
	int naccounts;
	char accounts[IB_MAX_ACCOUNTS][24];
	bool have_next_id;
	int32_t next_id;
	bool download_end[IB_MAX_ACCOUNTS];
	bool download_by_quiet[IB_MAX_ACCOUNTS];
	int64_t first_value_ns[IB_MAX_ACCOUNTS], last_value_ns[IB_MAX_ACCOUNTS];
	bool position_end;
	bool need_reconcile;        /* after a reconnect: open orders + executions */
	bool open_orders_end, executions_end;
	/* policy */
	bool require_download_end;
	int64_t quiet_ns;
} ib_sync;

void ib_sync_init(ib_sync *s, bool require_download_end, int quiet_ms);
void ib_sync_reset(ib_sync *s, int64_t now_ns, bool need_reconcile);
/* Feeding; return the account index touched or -1. */
void ib_sync_accounts(ib_sync *s, const char *comma_list);
void ib_sync_next_id(ib_sync *s, int32_t id);
int ib_sync_value(ib_sync *s, const char *account, int64_t now_ns);
int ib_sync_download_end(ib_sync *s, const char *account);
void ib_sync_position_end(ib_sync *s);
void ib_sync_open_orders_end(ib_sync *s);
void ib_sync_executions_end(ib_sync *s);
/* Applies the quiet-period fallback; true when everything is in. */
bool ib_sync_complete(ib_sync *s, int64_t now_ns);
/* Index of the first account whose download is not finished, or -1. */
int ib_sync_pending_account(const ib_sync *s);
/* "have managedAccounts [DU1], nextValidId 1, waiting for acctDownloadEnd for DU1 since 3.0 s" */
void ib_sync_describe(const ib_sync *s, int64_t now_ns, char *buf, size_t cap);
/* The same as a JSON object: {"managedAccounts":[..],"nextValidId":N,"missing":[..],"waiting_s":x} */
void ib_sync_json(const ib_sync *s, int64_t now_ns, char *buf, size_t cap);

#endif
