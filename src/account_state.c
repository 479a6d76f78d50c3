/*
 * account_state.c - the account tables and their lookups.  Fixed
 * capacities, linear scans: an account has a few hundred values at most and
 * this runs off the hot path.
 */
#include <stdio.h>
#include <string.h>

#include "ibpipe/account.h"

static int
streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

const char *
ib_account_value(const ib_account *a, const char *key, const char *currency)
{
	for (int i = 0; i < a->nvalues; i++)
		if (strcmp(a->values[i].key, key) == 0 && streq(a->values[i].currency, currency))
			return a->values[i].value;
	return NULL;
}

const ib_pos *
ib_account_position(const ib_account *a, const char *symbol)
{
	for (int i = 0; i < a->npositions; i++)
		if (strcmp(a->positions[i].symbol, symbol) == 0)
			return &a->positions[i];
	return NULL;
}

const ib_account *
ib_accounts_find(const ib_accounts *s, const char *id)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->a[i].id, id) == 0)
			return &s->a[i];
	return NULL;
}

ib_account *
ib_accounts_add(ib_accounts *s, const char *id)
{
	ib_account *a = (ib_account *)ib_accounts_find(s, id);

	if (a != NULL)
		return a;
	if (s->n >= IB_MAX_ACCOUNTS)
		return NULL;
	a = &s->a[s->n++];
	memset(a, 0, sizeof(*a));
	snprintf(a->id, sizeof(a->id), "%s", id);
	return a;
}

int
ib_account_set_value(ib_account *a, const char *key, const char *currency, const char *value)
{
	ib_acct_kv *kv = NULL;

	for (int i = 0; i < a->nvalues && kv == NULL; i++)
		if (strcmp(a->values[i].key, key) == 0 && streq(a->values[i].currency, currency))
			kv = &a->values[i];
	if (kv == NULL) {
		if (a->nvalues >= IB_MAX_ACCT_VALUES)
			return -1;
		kv = &a->values[a->nvalues++];
		snprintf(kv->key, sizeof(kv->key), "%s", key);
		snprintf(kv->currency, sizeof(kv->currency), "%s", currency ? currency : "");
	}
	snprintf(kv->value, sizeof(kv->value), "%s", value);
	return 0;
}

ib_pos *
ib_account_upsert_position(ib_account *a, int32_t con_id)
{
	for (int i = 0; i < a->npositions; i++)
		if (a->positions[i].con_id == con_id)
			return &a->positions[i];
	if (a->npositions >= IB_MAX_POSITIONS)
		return NULL;
	ib_pos *p = &a->positions[a->npositions++];
	memset(p, 0, sizeof(*p));
	p->con_id = con_id;
	return p;
}
