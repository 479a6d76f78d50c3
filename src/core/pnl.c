/*
 * pnl.c - P&L subscriptions and what they report (pnl.h).
 *
 * Subscriptions live per connection: reqPnL for each managed account when
 * the gate opens, reqPnLSingle for each open position then and whenever
 * one opens later; cancelPnLSingle when a position closes (its last numbers
 * stay where they were published).  Request id IB_REQID_PNL + slot names
 * the subscription, so an answer or an error finds it in O(1).  Requests
 * trickle out at IB_PNL_REQ_PER_S (ib_pnl_tick): a thousand accounts' P&L
 * must not queue a minute of requests ahead of the strategies' orders in
 * the paced out ring.
 *
 * The numbers: IB sends DBL_MAX (and sometimes other non-finite values)
 * for "unset"; they become NAN here, null in JSON and "" in a Redis hash,
 * never "inf".  The shared table holds one entry per (account, conId)
 * (conId 0: the account), appended and never moved, indexed by a hash
 * whose slots are published with release stores; each entry's numbers are
 * seqlocked.  Writer: the account thread.  Readers: the SDK, any thread.
 */
#include <ck_pr.h>
#include <ck_sequence.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "core/pipeline_state.h"
#include "core/pnl.h"
#include "util/clock.h"
#include "util/str.h"

#define INDEX_CAP (2 * IB_PNL_MAX_ENTRIES)   /* power of two */
#define SUB_INDEX_CAP (2 * IB_PNL_MAX_SUBS)

struct entry {
	char account[IB_ACCOUNT_ID_LEN];
	int32_t con_id;
	ck_sequence_t seq;
	uint64_t v[6];           /* daily, unrealized, realized, position, value (double bits), updated_ns */
};

struct sub {
	bool used;
	bool pending;            /* reserved, its request not sent yet (ib_pnl_tick sends it) */
	char account[IB_ACCOUNT_ID_LEN];
	int32_t con_id;          /* 0: the account's reqPnL */
};

struct ib_pnl_table {
	/* shared: readers probe idx (acquire) and read entries under their seqlock */
	uint32_t idx[INDEX_CAP]; /* entry + 1, 0 empty */
	struct entry e[IB_PNL_MAX_ENTRIES];
	uint32_t n;
	/* account thread only */
	struct sub subs[IB_PNL_MAX_SUBS];
	uint16_t sidx[SUB_INDEX_CAP]; /* sub slot + 1 by (account, conId), 0 empty; rebuilt when slots free */
	uint16_t fifo[IB_PNL_MAX_SUBS]; /* slots waiting to send, in order (a stale one is skipped) */
	uint32_t fifo_head, fifo_tail;
	int64_t next_send_ns;
	bool started;            /* the gate opened on this connection: positions subscribe as they open */
	bool full_logged, error_logged;
};

static uint32_t
key_hash(const char *account, int32_t con_id)
{
	return (ib_account_hash(account) ^ ((uint32_t)con_id * 2654435761u)) * 2246822519u;
}

int
ib_pnl_init(ib_pipeline *p)
{
	p->pnl = calloc(1, sizeof(*p->pnl));
	if (p->pnl == NULL)
		return IB_ENOSPC;
	for (int i = 0; i < IB_PNL_MAX_ENTRIES; i++)
		ck_sequence_init(&p->pnl->e[i].seq);
	return IB_OK;
}

void
ib_pnl_free(ib_pipeline *p)
{
	free(p->pnl);
	p->pnl = NULL;
}

/* ---- the shared table ---- */

static const struct entry *
entry_find(const struct ib_pnl_table *t, const char *account, int32_t con_id)
{
	uint32_t h = key_hash(account, con_id);

	for (uint32_t i = 0; i < INDEX_CAP; i++) {
		uint32_t s = __atomic_load_n(&t->idx[(h + i) & (INDEX_CAP - 1)], __ATOMIC_ACQUIRE);
		if (s == 0)
			return NULL;
		const struct entry *e = &t->e[s - 1];
		if (e->con_id == con_id && strcmp(e->account, account) == 0)
			return e;
	}
	return NULL;
}

/* Account thread: the entry of (account, conId), made if new; NULL when the table is full. */
static struct entry *
entry_get(ib_pipeline *p, const char *account, int32_t con_id)
{
	struct ib_pnl_table *t = p->pnl;
	struct entry *e = (struct entry *)entry_find(t, account, con_id);
	uint32_t h = key_hash(account, con_id), i;

	if (e)
		return e;
	if (t->n == IB_PNL_MAX_ENTRIES)
		return NULL;
	e = &t->e[t->n];
	ib_strlcpy(e->account, account, sizeof(e->account));
	e->con_id = con_id;
	for (i = 0; __atomic_load_n(&t->idx[(h + i) & (INDEX_CAP - 1)], __ATOMIC_RELAXED) != 0; i++)
		;
	/* the entry's key is written before the slot that names it is published */
	__atomic_store_n(&t->idx[(h + i) & (INDEX_CAP - 1)], ++t->n, __ATOMIC_RELEASE);
	return e;
}

static uint64_t
bits_of(double v)
{
	uint64_t b;

	/* unset (DBL_MAX) or not a number a person could use: NAN, which JSON writes as null */
	if (!isfinite(v) || fabs(v) >= IB_UNSET_DOUBLE)
		v = NAN;
	memcpy(&b, &v, sizeof(b));
	return b;
}

static double
double_of(uint64_t b)
{
	double v;

	memcpy(&v, &b, sizeof(v));
	return v;
}

/* Store the numbers; true when any of them changed. */
static bool
entry_set(struct entry *e, const ib_ae_pnl *x)
{
	uint64_t nv[5] = { bits_of(x->daily), bits_of(x->unrealized), bits_of(x->realized),
			   bits_of(x->single ? x->position : NAN), bits_of(x->single ? x->value : NAN) };
	bool changed = e->v[5] == 0;

	for (int i = 0; i < 5; i++)
		changed |= e->v[i] != nv[i];
	ck_sequence_write_begin(&e->seq);
	for (int i = 0; i < 5; i++)
		__atomic_store_n(&e->v[i], nv[i], __ATOMIC_RELAXED);
	__atomic_store_n(&e->v[5], (uint64_t)ib_now_real_ns(), __ATOMIC_RELAXED);
	ck_sequence_write_end(&e->seq);
	return changed;
}

static bool
entry_read(const struct entry *e, ib_pnl_values *out)
{
	uint64_t v[6];
	unsigned int s;

	do {
		s = ck_sequence_read_begin(&e->seq);
		for (int i = 0; i < 6; i++)
			v[i] = __atomic_load_n(&e->v[i], __ATOMIC_RELAXED);
	} while (ck_sequence_read_retry(&e->seq, s));
	if (v[5] == 0)
		return false;
	out->daily = double_of(v[0]);
	out->unrealized = double_of(v[1]);
	out->realized = double_of(v[2]);
	out->position = double_of(v[3]);
	out->value = double_of(v[4]);
	out->updated_ns = (int64_t)v[5];
	return true;
}

static int
read_pnl(const ib_pipeline *p, const char *account, int32_t con_id, ib_pnl_values *out)
{
	const struct entry *e = account && p->pnl ? entry_find(p->pnl, account, con_id) : NULL;

	if (e == NULL || !entry_read(e, out))
		return IB_EINVAL;
	return IB_OK;
}

int
ib_strategy_pnl(const ib_strategy_ctx *ctx, const char *account, ib_pnl_values *out)
{
	return read_pnl(ctx->p, account, 0, out);
}

int
ib_strategy_position_pnl(const ib_strategy_ctx *ctx, const char *account, int32_t con_id, ib_pnl_values *out)
{
	if (con_id <= 0)
		return IB_EINVAL;
	return read_pnl(ctx->p, account, con_id, out);
}

bool
ib_pnl_of_position(const ib_pipeline *p, const char *account, int32_t con_id, ib_pnl_values *out)
{
	return con_id > 0 && read_pnl(p, account, con_id, out) == IB_OK;
}

/* ---- subscriptions (account thread) ---- */

static int
sub_find(const struct ib_pnl_table *t, const char *account, int32_t con_id)
{
	uint32_t h = key_hash(account, con_id);

	for (uint32_t i = 0; i < SUB_INDEX_CAP; i++) {
		uint16_t s = t->sidx[(h + i) & (SUB_INDEX_CAP - 1)];
		if (s == 0)
			return -1;
		const struct sub *x = &t->subs[s - 1];
		if (x->used && x->con_id == con_id && strcmp(x->account, account) == 0)
			return s - 1;
	}
	return -1;
}

static void
sub_index(struct ib_pnl_table *t, int slot)
{
	uint32_t h = key_hash(t->subs[slot].account, t->subs[slot].con_id), i;

	for (i = 0; t->sidx[(h + i) & (SUB_INDEX_CAP - 1)] != 0; i++)
		;
	t->sidx[(h + i) & (SUB_INDEX_CAP - 1)] = (uint16_t)(slot + 1);
}

/* Open addressing without tombstones: a freed slot rebuilds the index (rare: a position closed). */
static void
sub_free(struct ib_pnl_table *t, int slot)
{
	t->subs[slot].used = false;
	memset(t->sidx, 0, sizeof(t->sidx));
	for (int i = 0; i < IB_PNL_MAX_SUBS; i++)
		if (t->subs[i].used)
			sub_index(t, i);
}

static void
subscribe(ib_pipeline *p, const char *account, int32_t con_id)
{
	struct ib_pnl_table *t = p->pnl;
	int slot;

	if (sub_find(t, account, con_id) >= 0)
		return;
	for (slot = 0; slot < IB_PNL_MAX_SUBS && t->subs[slot].used; slot++)
		;
	if (slot == IB_PNL_MAX_SUBS) {
		if (!t->full_logged)
			ib_log(IB_LL_WARN, "pnl", "%d P&L subscriptions at once: %s %d not subscribed (said once)",
			       IB_PNL_MAX_SUBS, account, (int)con_id);
		t->full_logged = true;
		return;
	}
	t->subs[slot].used = t->subs[slot].pending = true;
	ib_strlcpy(t->subs[slot].account, account, sizeof(t->subs[slot].account));
	t->subs[slot].con_id = con_id;
	sub_index(t, slot);
	/* a slot is in the FIFO at most once while pending, and at most IB_PNL_MAX_SUBS are used: it never overflows */
	t->fifo[t->fifo_tail++ % IB_PNL_MAX_SUBS] = (uint16_t)slot;
}

void
ib_pnl_tick(ib_pipeline *p, int64_t now)
{
	struct ib_pnl_table *t = p->pnl;
	int budget = 1;

	if (t->fifo_head == t->fifo_tail || now < t->next_send_ns)
		return;
	while (budget > 0 && t->fifo_head != t->fifo_tail) {
		int slot = t->fifo[t->fifo_head++ % IB_PNL_MAX_SUBS];
		struct sub *x = &t->subs[slot];
		if (!x->used || !x->pending)
			continue; /* cancelled before it was sent */
		x->pending = false;
		ib_req r = { .id = x->con_id ? IB_OUT_REQ_PNL_SINGLE : IB_OUT_REQ_PNL };
		r.u.pnl.req_id = IB_REQID_PNL + slot;
		ib_strlcpy(r.u.pnl.account, x->account, sizeof(r.u.pnl.account));
		r.u.pnl.con_id = x->con_id;
		ib_pipeline_send(p, &r, -1);
		budget--;
	}
	t->next_send_ns = now + IB_NS_PER_S / IB_PNL_REQ_PER_S;
}

static void
unsubscribe(ib_pipeline *p, int slot)
{
	ib_req r = { .id = p->pnl->subs[slot].con_id ? IB_OUT_CANCEL_PNL_SINGLE : IB_OUT_CANCEL_PNL };

	if (p->pnl->subs[slot].pending) {
		sub_free(p->pnl, slot); /* never asked: nothing to cancel */
		return;
	}
	r.u.cancel.req_id = IB_REQID_PNL + slot;
	ib_pipeline_send(p, &r, -1);
	ib_log(IB_LL_INFO, "pnl", "position %s %d closed: its P&L subscription cancelled", p->pnl->subs[slot].account,
	       (int)p->pnl->subs[slot].con_id);
	sub_free(p->pnl, slot);
}

void
ib_pnl_conn_up(ib_pipeline *p)
{
	struct ib_pnl_table *t = p->pnl;

	memset(t->subs, 0, sizeof(t->subs));
	memset(t->sidx, 0, sizeof(t->sidx));
	t->fifo_head = t->fifo_tail = 0;
	t->started = false;
	t->full_logged = t->error_logged = false;
}

void
ib_pnl_gate_open(ib_pipeline *p)
{
	const ib_accounts *s = &p->acct.accounts;
	int npos = 0;

	if (!p->cfg.pnl)
		return;
	p->pnl->started = true;
	for (int i = 0; i < s->n; i++) {
		subscribe(p, s->a[i].id, 0);
		for (int k = 0; k < s->a[i].npositions; k++)
			if (s->a[i].positions[k].position != 0 && s->a[i].positions[k].con_id > 0) {
				subscribe(p, s->a[i].id, s->a[i].positions[k].con_id);
				npos++;
			}
	}
	ib_log(IB_LL_INFO, "pnl", "P&L: subscribing %d account(s) and %d position(s), %d requests a second", s->n, npos,
	       IB_PNL_REQ_PER_S);
}

void
ib_pnl_position(ib_pipeline *p, const char *account, const ib_pos *pos)
{
	int slot;

	if (!p->cfg.pnl || !p->pnl->started || pos->con_id <= 0)
		return;
	if (pos->position != 0)
		subscribe(p, account, pos->con_id);
	else if ((slot = sub_find(p->pnl, account, pos->con_id)) >= 0)
		unsubscribe(p, slot);
}

static void
post_account_pnl(ib_pipeline *p, const char *account, const struct entry *e)
{
	ib_pub_event ev = { .kind = IB_PUB_PNL };
	ib_pnl_values v;

	if (!entry_read(e, &v))
		return;
	ib_strlcpy(ev.u.pnl.account, account, sizeof(ev.u.pnl.account));
	ev.u.pnl.daily = v.daily;
	ev.u.pnl.unrealized = v.unrealized;
	ev.u.pnl.realized = v.realized;
	ev.u.pnl.ts_ns = v.updated_ns;
	ib_pipeline_publish(p, &ev);
}

void
ib_pnl_on_event(ib_pipeline *p, const ib_ae_pnl *x)
{
	struct ib_pnl_table *t = p->pnl;
	int64_t slot = (int64_t)x->req_id - IB_REQID_PNL;
	const struct sub *s;
	struct entry *e;

	if (slot < 0 || slot >= IB_PNL_MAX_SUBS || !(s = &t->subs[slot])->used || (s->con_id != 0) != x->single)
		return; /* a straggler of a cancelled subscription */
	if ((e = entry_get(p, s->account, s->con_id)) == NULL) {
		if (!t->full_logged)
			ib_log(IB_LL_WARN, "pnl", "P&L table full (%d): %s %d not kept (said once)", IB_PNL_MAX_ENTRIES,
			       s->account, (int)s->con_id);
		t->full_logged = true;
		return;
	}
	if (!entry_set(e, x))
		return;
	if (!x->single) {
		post_account_pnl(p, s->account, e);
		return;
	}
	/* the position's record carries its P&L: post it again */
	const ib_account *a = ib_accounts_find(&p->acct.accounts, s->account);
	for (int i = 0; a && i < a->npositions; i++)
		if (a->positions[i].con_id == s->con_id)
			ib_account_post_position(p, a->id, &a->positions[i]);
}

bool
ib_pnl_on_notice(ib_pipeline *p, const ib_ae_notice *n)
{
	struct ib_pnl_table *t = p->pnl;
	int64_t slot = (int64_t)n->req_id - IB_REQID_PNL;

	if (slot < 0 || slot >= IB_PNL_MAX_SUBS)
		return false;
	if (t->subs[slot].used && !IB_ERR_IS_INFO(n->code)) {
		/* said once per connection: a gateway without P&L permissions answers every request alike */
		ib_log(t->error_logged ? IB_LL_DEBUG : IB_LL_WARN, "pnl", "P&L request for %s %d refused: %d %s",
		       t->subs[slot].account, (int)t->subs[slot].con_id, (int)n->code, n->text);
		t->error_logged = true;
		sub_free(t, (int)slot);
	}
	return true;
}
