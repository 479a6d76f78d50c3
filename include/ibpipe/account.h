/*
 * account.h - what ibpipe knows about the managed accounts.
 *
 * The account thread is the only writer of this state.  Strategies get a
 * consistent copy (ib_accounts) when the sync gate opens, and changes after
 * that as events.
 */
#ifndef IBPIPE_ACCOUNT_H
#define IBPIPE_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ib.h"
#include "quote.h"

/*
 * Managed accounts: advisors and funds have hundreds.  Every table that holds
 * accounts is sized from this (zeroed pages cost nothing until used); a list
 * longer than this is refused loudly and the gate never opens on it.
 */
#define IB_MAX_ACCOUNTS 1024
/* Longest managedAccounts text kept: every id at its longest, with its comma. */
#define IB_ACCOUNT_LIST_MAX ((size_t)IB_MAX_ACCOUNTS * IB_ACCOUNT_ID_LEN)
#define IB_MAX_ACCT_VALUES 256
#define IB_MAX_POSITIONS 256
/* Widths of what is kept of an account value and a position (bytes, with the NUL). */
#define IB_ACCT_KEY_LEN 48
#define IB_ACCT_VALUE_LEN 64
#define IB_ACCT_TIME_LEN 16      /* accountTime, "15:30" */
#define IB_CURRENCY_LEN 8
#define IB_SEC_TYPE_LEN 8
#define IB_EXCHANGE_LEN 16

typedef struct ib_acct_kv {
	char key[IB_ACCT_KEY_LEN];
	char currency[IB_CURRENCY_LEN];
	char value[IB_ACCT_VALUE_LEN];
} ib_acct_kv;

/* One account value as it changes (the account thread's event, a strategy's on_account). */
typedef struct ib_account_update {
	char account[IB_ACCOUNT_ID_LEN];
	char key[IB_ACCT_KEY_LEN];
	char currency[IB_CURRENCY_LEN];
	char value[IB_ACCT_VALUE_LEN];
} ib_account_update;

typedef struct ib_pos {
	int32_t con_id;
	char symbol[IB_SYMBOL_LEN], sec_type[IB_SEC_TYPE_LEN], exchange[IB_EXCHANGE_LEN], currency[IB_CURRENCY_LEN];
	double position, avg_cost;
	double market_price, market_value, unrealized_pnl, realized_pnl;
} ib_pos;

typedef struct ib_account {
	char id[IB_ACCOUNT_ID_LEN];
	char update_time[IB_ACCT_TIME_LEN];
	int nvalues;
	ib_acct_kv values[IB_MAX_ACCT_VALUES];
	int npositions;
	ib_pos positions[IB_MAX_POSITIONS];
} ib_account;

/* a[] is last: a snapshot copies the head and the first n accounts only. */
typedef struct ib_accounts {
	int n;
	int32_t next_order_id;
	uint16_t idx[2 * IB_MAX_ACCOUNTS]; /* open addressing by id hash: slot + 1, 0 empty */
	ib_account a[IB_MAX_ACCOUNTS];
} ib_accounts;

/*
 * P&L as the gateway reports it (reqPnL per account, reqPnLSingle per
 * position; SDK ABI 1.1).  A value the gateway has not given (it sends
 * DBL_MAX for "unset") is NAN: test with isnan().
 */
typedef struct ib_pnl_values {
	double daily, unrealized, realized;
	double position, value;  /* per position only; NAN for an account */
	int64_t updated_ns;      /* CLOCK_REALTIME of the gateway's last report */
} ib_pnl_values;

/* Lookups on a snapshot; NULL when absent.  currency NULL or "" matches an empty currency. */
const char *ib_account_value(const ib_account *a, const char *key, const char *currency);
const ib_pos *ib_account_position(const ib_account *a, const char *symbol);
const ib_account *ib_accounts_find(const ib_accounts *s, const char *id);

/* Mutators used by the account thread (and tests).  -1 when a table is full. */
ib_account *ib_accounts_add(ib_accounts *s, const char *id);
/* Forget account id (its slot is refilled by the last one). */
void ib_accounts_remove(ib_accounts *s, const char *id);
/* Empty the table without touching the accounts' pages. */
void ib_accounts_clear(ib_accounts *s);
/* Bytes of s that hold data: the head and the first n accounts. */
size_t ib_accounts_used_size(const ib_accounts *s);
/* FNV-1a of an account id, for the tables' indexes. */
uint32_t ib_account_hash(const char *id);
int ib_account_set_value(ib_account *a, const char *key, const char *currency, const char *value);
ib_pos *ib_account_upsert_position(ib_account *a, int32_t con_id);

#endif
