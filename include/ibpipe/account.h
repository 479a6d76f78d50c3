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
#include <stdint.h>

#include "quote.h"

#define IB_MAX_ACCOUNTS 16
#define IB_MAX_ACCT_VALUES 256
#define IB_MAX_POSITIONS 256

typedef struct ib_acct_kv {
	char key[48];
	char currency[8];
	char value[64];
} ib_acct_kv;

typedef struct ib_pos {
	int32_t con_id;
	char symbol[IB_SYMBOL_LEN], sec_type[8], exchange[16], currency[8];
	double position, avg_cost;
	double market_price, market_value, unrealized_pnl, realized_pnl;
} ib_pos;

typedef struct ib_account {
	char id[24];
	char update_time[16];
	int nvalues;
	ib_acct_kv values[IB_MAX_ACCT_VALUES];
	int npositions;
	ib_pos positions[IB_MAX_POSITIONS];
} ib_account;

typedef struct ib_accounts {
	int n;
	int32_t next_order_id;
	ib_account a[IB_MAX_ACCOUNTS];
} ib_accounts;

/* Lookups on a snapshot; NULL when absent.  currency NULL or "" matches an empty currency. */
const char *ib_account_value(const ib_account *a, const char *key, const char *currency);
const ib_pos *ib_account_position(const ib_account *a, const char *symbol);
const ib_account *ib_accounts_find(const ib_accounts *s, const char *id);

/* Mutators used by the account thread (and tests).  -1 when a table is full. */
ib_account *ib_accounts_add(ib_accounts *s, const char *id);
int ib_account_set_value(ib_account *a, const char *key, const char *currency, const char *value);
ib_pos *ib_account_upsert_position(ib_account *a, int32_t con_id);

#endif
