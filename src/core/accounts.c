/*
 * accounts.c - the account tables and their lookups.  Fixed
 * capacities; accounts are found through a hash index (there may be a
 * thousand), values and positions by linear scan (an account has a few
 * hundred at most, and this runs off the hot path).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/account.h"
#include "util/bits.h"

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

uint32_t
ib_account_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *c = (const unsigned char *)id; *c; c++)
		h = (h ^ *c) * 16777619u;
	return h;
}

#define IDX_MASK (2 * IB_MAX_ACCOUNTS - 1)
_Static_assert(IB_IS_POW2(IB_MAX_ACCOUNTS), "the account index probes with & IDX_MASK");

/* The index position holding id, or the empty one where it would go. */
static uint32_t
idx_probe(const ib_accounts *s, const char *id)
{
	uint32_t h = ib_account_hash(id) & IDX_MASK;

	/* at most half full: an empty slot is always found */
	while (s->idx[h] != 0 && strcmp(s->a[s->idx[h] - 1].id, id) != 0)
		h = (h + 1) & IDX_MASK;
	return h;
}

static void
idx_rebuild(ib_accounts *s)
{
	memset(s->idx, 0, sizeof(s->idx));
	for (int i = 0; i < s->n; i++)
		s->idx[idx_probe(s, s->a[i].id)] = (uint16_t)(i + 1);
}

const ib_account *
ib_accounts_find(const ib_accounts *s, const char *id)
{
	uint16_t v = s->idx[idx_probe(s, id)];

	return v ? &s->a[v - 1] : NULL;
}

ib_account *
ib_accounts_add(ib_accounts *s, const char *id)
{
	uint32_t h = idx_probe(s, id);
	ib_account *a;

	if (s->idx[h] != 0)
		return &s->a[s->idx[h] - 1];
	if (s->n >= IB_MAX_ACCOUNTS)
		return NULL;
	a = &s->a[s->n++];
	/* only the fields in use are reset: a fresh account costs no page faults on its tables */
	a->nvalues = a->npositions = 0;
	a->update_time[0] = '\0';
	snprintf(a->id, sizeof(a->id), "%s", id);
	s->idx[h] = (uint16_t)s->n;
	return a;
}

void
ib_accounts_remove(ib_accounts *s, const char *id)
{
	uint16_t v = s->idx[idx_probe(s, id)];

	if (v == 0)
		return;
	if (v != s->n) {
		/* copy the last account over the removed one: only its used entries */
		ib_account *dst = &s->a[v - 1], *src = &s->a[s->n - 1];
		memcpy(dst->id, src->id, sizeof(dst->id));
		memcpy(dst->update_time, src->update_time, sizeof(dst->update_time));
		dst->nvalues = src->nvalues;
		memcpy(dst->values, src->values, (size_t)src->nvalues * sizeof(src->values[0]));
		dst->npositions = src->npositions;
		memcpy(dst->positions, src->positions, (size_t)src->npositions * sizeof(src->positions[0]));
	}
	s->n--;
	idx_rebuild(s);
}

void
ib_accounts_clear(ib_accounts *s)
{
	s->n = 0;
	memset(s->idx, 0, sizeof(s->idx));
}

size_t
ib_accounts_used_size(const ib_accounts *s)
{
	return offsetof(ib_accounts, a) + (size_t)s->n * sizeof(s->a[0]);
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
