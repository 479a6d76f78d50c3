/*
 * publish_mirror.c - the publisher's bounded mirror of published state and
 * its order-stream FIFO (see publish_mirror.h for the invariants).
 *
 * Lookups are open-addressing hashes over fixed tables, so absorbing an
 * event costs a hash and a copy, never an allocation; an unchanged account
 * value is not marked dirty, so the periodic re-sends of a gateway cost no
 * Redis writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "util/str.h"
#include "publish/publish_mirror.h"
#include "util/bits.h"

#define VIDX_MASK (2 * PM_MAX_VALUES - 1)
#define PIDX_MASK (2 * PM_MAX_POSITIONS - 1)
#define OIDX_MASK (2 * PM_MAX_ORDERS - 1)
/* the index tables probe with & *IDX_MASK: twice each capacity is a power of two */
_Static_assert(IB_IS_POW2(PM_MAX_VALUES), "PM_MAX_VALUES is a power of two");
_Static_assert(IB_IS_POW2(PM_MAX_POSITIONS), "PM_MAX_POSITIONS is a power of two");
_Static_assert(IB_IS_POW2(PM_MAX_ORDERS), "PM_MAX_ORDERS is a power of two");

/*
 * Copy a fixed char array from an event: bounded by the array, so a
 * producer that filled it to the brim without a NUL cannot make us read on.
 */
#define FIELD_COPY(dst, src) ib_strnlcpy((dst), sizeof(dst), (src), sizeof(src))

static uint32_t
hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static uint32_t
hash_i32(int32_t v)
{
	uint32_t h = (uint32_t)v * 2654435761u;
	return h ^ (h >> 15);
}

int
pm_sid_cmp(struct pm_sid a, struct pm_sid b)
{
	if (a.ms != b.ms)
		return a.ms < b.ms ? -1 : 1;
	if (a.seq != b.seq)
		return a.seq < b.seq ? -1 : 1;
	return 0;
}

bool
pm_sid_parse(const char *s, size_t n, struct pm_sid *out)
{
	uint64_t v[2] = { 0, 0 };
	int part = 0;
	size_t digits = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-' && part == 0 && digits > 0) {
			part = 1;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 19) {
			v[part] = v[part] * 10 + (uint64_t)(s[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	if (part != 1 || digits == 0)
		return false;
	out->ms = v[0];
	out->seq = v[1];
	return true;
}

int
pm_init(struct pm_mirror *m, uint64_t retain)
{
	memset(m, 0, sizeof(*m));
	m->acct = calloc(PM_MAX_ACCOUNTS, sizeof(*m->acct));
	m->orders = calloc(1, sizeof(*m->orders));
	m->st.e = calloc(PM_STREAM_CAP, sizeof(*m->st.e));
	m->sync_detail = calloc(1, IB_SYNC_JSON_MAX + 1);
	m->sync_asm = calloc(1, IB_SYNC_JSON_MAX + 1);
	m->sync_out = calloc(1, PM_SYNC_OUT_MAX);
	m->next_ids = calloc(PM_MAX_ACCOUNTS, sizeof(*m->next_ids));
	if (!m->acct || !m->orders || !m->st.e || !m->sync_detail || !m->sync_asm || !m->sync_out || !m->next_ids) {
		pm_free(m);
		return IB_EFULL;
	}
	m->st.retain = retain < PM_STREAM_CAP ? retain : PM_STREAM_CAP;
	return IB_OK;
}

void
pm_free(struct pm_mirror *m)
{
	free(m->acct);
	free(m->orders);
	free(m->st.e);
	free(m->sync_detail);
	free(m->sync_asm);
	free(m->sync_out);
	free(m->next_ids);
	m->next_ids = NULL;
	m->sync_detail = m->sync_asm = m->sync_out = NULL;
	m->acct = NULL;
	m->orders = NULL;
	m->st.e = NULL;
}

/* ---- accounts ---- */

static void
mark_dirty(struct pm_mirror *m, int i)
{
	if (!m->acct[i].dirty) {
		m->acct[i].dirty = true;
		m->acct_dirty++;
	}
}

static int
acct_find(struct pm_mirror *m, const char *id, bool create)
{
	for (int i = 0; i < m->naccts; i++)
		if (strcmp(m->acct[i].id, id) == 0)
			return i;
	if (!create || id[0] == '\0')
		return -1;
	if (m->naccts >= PM_MAX_ACCOUNTS) {
		m->full++;
		ib_log(IB_LL_ERROR, "redis", "more than %d accounts: %s is not published", PM_MAX_ACCOUNTS, id);
		return -1;
	}
	int i = m->naccts++;
	ib_strlcpy(m->acct[i].id, id, sizeof(m->acct[0].id));
	/* what Redis holds for it is an earlier process's: the first write replaces it */
	m->acct[i].full = true;
	mark_dirty(m, i);
	return i;
}

/*
 * A new session with the gateway: the account thread has cleared its own
 * tables and the download starts again from nothing.  What the mirror holds
 * is the last session's, and a position closed or a value dropped while
 * ibpipe was away is never sent again (the new download just does not name
 * it), so each account starts empty and its next write replaces its hashes.
 * "ready" waits for that write like any other account change.
 */
static void
accounts_new_session(struct pm_mirror *m)
{
	for (int i = 0; i < m->naccts; i++) {
		struct pm_account *a = &m->acct[i];
		a->nval = a->npos = a->ndv = a->ndp = 0;
		memset(a->vidx, 0, sizeof(a->vidx));
		memset(a->pidx, 0, sizeof(a->pidx));
		memset(a->vdirty, 0, sizeof(a->vdirty));
		memset(a->pdirty, 0, sizeof(a->pdirty));
		a->has_pnl = a->pnl_dirty = false;
		a->updated_ns = 0;
		a->full = true;
		mark_dirty(m, i);
	}
}

/* An account that receives data belongs in P:accounts even before the list names it. */
static struct pm_account *
acct_for_data(struct pm_mirror *m, const char *id, int *idx)
{
	int i = acct_find(m, id, true);

	if (i < 0)
		return NULL;
	if (!m->acct[i].in_set) {
		m->acct[i].in_set = true;
		m->accounts_dirty = true;
	}
	*idx = i;
	return &m->acct[i];
}

/*
 * Accounts the list no longer names, with nothing left to write, leave the
 * mirror: it holds the current list's accounts, not every id ever seen.
 * Kept, they filled its PM_MAX_ACCOUNTS slots over list changes, and an
 * account listed after that was never published while "ready" was.
 * The last slot moves into the freed one (the order means nothing: P:accounts
 * is a set) and is cleared for the next account acct_find creates there.
 */
static void
drop_unlisted(struct pm_mirror *m)
{
	for (int i = m->naccts - 1; i >= 0; i--) {
		if (m->acct[i].in_set || m->acct[i].dirty)
			continue;
		int last = --m->naccts;
		if (i != last)
			m->acct[i] = m->acct[last];
		memset(&m->acct[last], 0, sizeof(m->acct[last]));
	}
}

/*
 * One part of the list; the set changes when the last part is in.  The ids
 * wait in next_ids until then: the accounts the new list drops leave the
 * mirror before the ones it adds are created, so a full mirror of an old
 * list never keeps out an account of the new one.
 */
static void
set_accounts(struct pm_mirror *m, const ib_pub_event *ev)
{
	int n = ev->u.accounts.n < IB_PUB_MAX_ACCOUNTS ? ev->u.accounts.n : IB_PUB_MAX_ACCOUNTS;

	if (ev->u.accounts.part == 0)
		m->nnext = 0;
	for (int k = 0; k < n; k++) {
		if (m->nnext >= PM_MAX_ACCOUNTS) {
			m->full++;
			ib_log(IB_LL_ERROR, "redis", "more than %d accounts listed: the rest are not published",
			       PM_MAX_ACCOUNTS);
			break;
		}
		FIELD_COPY(m->next_ids[m->nnext], ev->u.accounts.ids[k]);
		m->nnext += m->next_ids[m->nnext][0] != '\0';
	}
	if (ev->u.accounts.more)
		return;
	for (int i = 0; i < m->naccts; i++)
		m->acct[i].in_set = false;
	for (int k = 0; k < m->nnext; k++) {
		int i = acct_find(m, m->next_ids[k], false);
		if (i >= 0)
			m->acct[i].in_set = true;
	}
	drop_unlisted(m);
	for (int k = 0; k < m->nnext; k++) {
		int i = acct_find(m, m->next_ids[k], true);
		if (i >= 0)
			m->acct[i].in_set = true;
	}
	m->accounts_dirty = true;
}

/* One part of the detail; the state and the detail change together when the last part is in. */
static void
set_sync(struct pm_mirror *m, const ib_pub_event *ev)
{
	size_t n = strnlen(ev->u.sync.detail, sizeof(ev->u.sync.detail));

	if (ev->u.sync.part == 0) {
		m->sync_asm_len = 0;
		m->sync_asm_over = false;
	}
	if (m->sync_asm_len + n > IB_SYNC_JSON_MAX)
		m->sync_asm_over = true;
	else
		memcpy(m->sync_asm + m->sync_asm_len, ev->u.sync.detail, n), m->sync_asm_len += n;
	if (ev->u.sync.more)
		return;
	if (m->sync_asm_over) {
		m->full++;
		ib_log(IB_LL_ERROR, "redis", "sync detail longer than %d bytes: not published", IB_SYNC_JSON_MAX);
		snprintf(m->sync_detail, IB_SYNC_JSON_MAX, "{\"error\":\"detail longer than %d bytes\"}", IB_SYNC_JSON_MAX);
	} else {
		memcpy(m->sync_detail, m->sync_asm, m->sync_asm_len);
		m->sync_detail[m->sync_asm_len] = '\0';
	}
	m->sync_state = ev->u.sync.state;
	m->sync_dirty = true;
}

static void
absorb_value(struct pm_mirror *m, const ib_pub_event *ev, int64_t now)
{
	char field[64], acct[IB_ACCOUNT_ID_LEN], value[64];
	struct pm_account *a;
	uint32_t h;
	int ai;
	uint16_t slot = 0;

	FIELD_COPY(acct, ev->u.acct_value.account);
	if ((a = acct_for_data(m, acct, &ai)) == NULL)
		return;
	{
		char key[48], cur[8];
		FIELD_COPY(key, ev->u.acct_value.key);
		FIELD_COPY(cur, ev->u.acct_value.currency);
		if (cur[0])
			snprintf(field, sizeof(field), "%s:%s", key, cur);
		else
			ib_strlcpy(field, key, sizeof(field));
	}
	if (field[0] == '\0')
		return;
	FIELD_COPY(value, ev->u.acct_value.value);
	h = hash_str(field);
	for (uint32_t i = 0; i <= VIDX_MASK; i++) {
		uint16_t s = a->vidx[(h + i) & VIDX_MASK];
		if (s == 0) {
			if (a->nval >= PM_MAX_VALUES) {
				m->full++;
				ib_log(IB_LL_ERROR, "redis", "account %s: more than %d values, %s is not published", a->id,
				       PM_MAX_VALUES, field);
				return;
			}
			slot = a->nval++;
			a->vidx[(h + i) & VIDX_MASK] = (uint16_t)(slot + 1);
			ib_strlcpy(a->val[slot].field, field, sizeof(a->val[slot].field));
			a->val[slot].value[0] = '\0';
			break;
		}
		if (strcmp(a->val[s - 1].field, field) == 0) {
			slot = (uint16_t)(s - 1);
			if (strcmp(a->val[slot].value, value) == 0)
				return; /* a re-send of what Redis already has */
			break;
		}
	}
	ib_strlcpy(a->val[slot].value, value, sizeof(a->val[slot].value));
	a->updated_ns = now;
	if (!a->vdirty[slot]) {
		a->vdirty[slot] = 1;
		a->dv[a->ndv++] = slot;
	}
	mark_dirty(m, ai);
}

static void
absorb_position(struct pm_mirror *m, const ib_pub_event *ev, int64_t now)
{
	char acct[IB_ACCOUNT_ID_LEN];
	struct pm_account *a;
	int32_t con = ev->u.position.con_id;
	uint32_t h = hash_i32(con);
	uint16_t slot = 0;
	int ai;

	FIELD_COPY(acct, ev->u.position.account);
	if ((a = acct_for_data(m, acct, &ai)) == NULL)
		return;
	for (uint32_t i = 0; i <= PIDX_MASK; i++) {
		uint16_t s = a->pidx[(h + i) & PIDX_MASK];
		if (s == 0) {
			if (a->npos >= PM_MAX_POSITIONS) {
				m->full++;
				ib_log(IB_LL_ERROR, "redis", "account %s: more than %d positions, conId %d is not published",
				       a->id, PM_MAX_POSITIONS, con);
				return;
			}
			slot = a->npos++;
			a->pidx[(h + i) & PIDX_MASK] = (uint16_t)(slot + 1);
			break;
		}
		if (a->pos[s - 1].con_id == con) {
			slot = (uint16_t)(s - 1);
			break;
		}
	}
	a->pos[slot] = ev->u.position;
	a->updated_ns = now;
	if (!a->pdirty[slot]) {
		a->pdirty[slot] = 1;
		a->dp[a->ndp++] = slot;
	}
	mark_dirty(m, ai);
}

static void
absorb_pnl(struct pm_mirror *m, const ib_pub_event *ev)
{
	char acct[IB_ACCOUNT_ID_LEN];
	struct pm_account *a;
	int ai;

	FIELD_COPY(acct, ev->u.pnl.account);
	if ((a = acct_for_data(m, acct, &ai)) == NULL)
		return;
	a->has_pnl = a->pnl_dirty = true;
	a->pnl_daily = ev->u.pnl.daily;
	a->pnl_unrealized = ev->u.pnl.unrealized;
	a->pnl_realized = ev->u.pnl.realized;
	a->pnl_ns = ev->u.pnl.ts_ns;
	mark_dirty(m, ai);
}

/* ---- orders ---- */

static bool
is_terminal(const char *st)
{
	return strcmp(st, "Filled") == 0 || strcmp(st, "Cancelled") == 0 || strcmp(st, "ApiCancelled") == 0 ||
	       strcmp(st, "Inactive") == 0 || strcmp(st, "Rejected") == 0;
}

/* Remove slot+1 value `v` at table position i (backward-shift deletion keeps probes intact). */
static void
oidx_remove(struct pm_orders *os, uint32_t i)
{
	uint32_t j = i;

	os->idx[i] = 0;
	for (;;) {
		j = (j + 1) & OIDX_MASK;
		if (os->idx[j] == 0)
			return;
		uint32_t home = hash_i32(os->o[os->idx[j] - 1].d.order_id) & OIDX_MASK;
		/* move j back to i unless its home lies cyclically in (i, j] */
		bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			os->idx[i] = os->idx[j];
			os->idx[j] = 0;
			i = j;
		}
	}
}

/* Evict the least recently changed final order that Redis already has. */
static int
order_evict(struct pm_orders *os)
{
	int best = -1;

	for (uint32_t k = 0; k < os->n; k++) {
		struct pm_order *o = &os->o[k];
		if (o->dirty || !is_terminal(o->d.status))
			continue;
		if (best < 0 || o->touched < os->o[best].touched)
			best = (int)k;
	}
	if (best < 0)
		return -1;
	uint32_t h = hash_i32(os->o[best].d.order_id);
	for (uint32_t i = 0; i <= OIDX_MASK; i++) {
		uint32_t pos = (h + i) & OIDX_MASK;
		if (os->idx[pos] == (uint16_t)(best + 1)) {
			oidx_remove(os, pos);
			break;
		}
	}
	return best;
}

static void
absorb_order(struct pm_mirror *m, const ib_pub_event *ev)
{
	struct pm_orders *os = m->orders;
	int32_t id = ev->u.order.order_id;
	uint32_t h = hash_i32(id);
	int slot = -1;

	for (uint32_t i = 0; i <= OIDX_MASK; i++) {
		uint32_t pos = (h + i) & OIDX_MASK;
		uint16_t s = os->idx[pos];
		if (s == 0) {
			if (os->n < PM_MAX_ORDERS) {
				slot = (int)os->n++;
			} else if ((slot = order_evict(os)) < 0) {
				m->full++;
				ib_log(IB_LL_ERROR, "redis", "%d live orders: order %d is not mirrored (its stream entry is)",
				       PM_MAX_ORDERS, id);
				return;
			} else {
				/* eviction may have shifted entries: find the free position again */
				for (uint32_t k = 0; k <= OIDX_MASK; k++)
					if (os->idx[(h + k) & OIDX_MASK] == 0) {
						pos = (h + k) & OIDX_MASK;
						break;
					}
			}
			os->idx[pos] = (uint16_t)(slot + 1);
			os->o[slot].dirty = false;
			break;
		}
		if (os->o[s - 1].d.order_id == id) {
			slot = s - 1;
			break;
		}
	}
	if (slot < 0)
		return;
	os->o[slot].d = ev->u.order;
	os->o[slot].touched = m->events;
	if (!os->o[slot].dirty) {
		os->o[slot].dirty = true;
		os->dirty[os->ndirty++] = (uint16_t)slot;
	}
}

/* ---- the order stream ---- */

static void
stream_push(struct pm_mirror *m, int kind, const ib_pub_event *ev, int64_t now)
{
	struct pm_stream *s = &m->st;
	struct pm_entry *e;
	uint64_t ms = now > 0 ? (uint64_t)now / 1000000u : 0;

	if (s->tail - s->hist == PM_STREAM_CAP) {
		if (s->hist < s->ack) {
			s->hist++; /* forget the oldest acknowledged entry */
		} else {
			/* the same text each time, so the logger folds a long outage into one line a second */
			s->dropped++;
			ib_log(IB_LL_ERROR, "redis", "order stream: %d entries wait for Redis; new entries are dropped",
			       PM_STREAM_CAP);
			return;
		}
	}
	e = &s->e[s->tail % PM_STREAM_CAP];
	/* ids grow strictly even when the clock steps back */
	if (ms > s->last.ms)
		s->last = (struct pm_sid){ ms, 0 };
	else
		s->last.seq++;
	e->id = s->last;
	e->kind = (uint8_t)kind;
	e->acked = 0;
	if (kind == PM_ENTRY_EXEC)
		e->u.x = ev->u.exec;
	else if (kind == PM_ENTRY_CMD)
		e->u.c = ev->u.cmd;
	else
		e->u.o = ev->u.order;
	s->tail++;
}

static void
stream_advance(struct pm_stream *s)
{
	while (s->ack < s->tail && s->e[s->ack % PM_STREAM_CAP].acked)
		s->ack++;
	if (s->sent < s->ack)
		s->sent = s->ack;
	while (s->ack - s->hist > s->retain)
		s->hist++;
}

void
pm_stream_acked(struct pm_stream *s, uint64_t pos)
{
	s->e[pos % PM_STREAM_CAP].acked = 1;
	stream_advance(s);
}

void
pm_stream_unsend(struct pm_stream *s)
{
	s->sent = s->ack;
}

uint64_t
pm_stream_find(const struct pm_stream *s, uint64_t from, struct pm_sid id)
{
	while (from < s->tail && pm_sid_cmp(s->e[from % PM_STREAM_CAP].id, id) < 0)
		from++;
	return from;
}

uint64_t
pm_stream_reconcile(struct pm_stream *s, struct pm_sid last)
{
	uint64_t k, n = 0;
	struct pm_sid prev = last;

	stream_advance(s);
	/* acknowledged entries newer than anything Redis has: it lost them (restart, old RDB) */
	for (k = s->ack; k > s->hist && pm_sid_cmp(s->e[(k - 1) % PM_STREAM_CAP].id, last) > 0; k--)
		;
	for (uint64_t j = k; j < s->ack; j++)
		s->e[j % PM_STREAM_CAP].acked = 0;
	s->ack = s->sent = k;
	/* Redis refuses ids at or below its last one: waiting entries move above it, in order */
	for (uint64_t j = s->ack; j < s->tail; j++) {
		struct pm_entry *e = &s->e[j % PM_STREAM_CAP];
		if (e->acked)
			continue;
		if (pm_sid_cmp(e->id, prev) <= 0)
			e->id = (struct pm_sid){ prev.ms, prev.seq + 1 };
		prev = e->id;
		n++;
	}
	if (pm_sid_cmp(prev, s->last) > 0)
		s->last = prev;
	return n;
}

/* ---- events ---- */

void
pm_absorb(struct pm_mirror *m, const ib_pub_event *ev, int64_t now_real_ns)
{
	m->events++;
	switch (ev->kind) {
	case IB_PUB_SYNC:
		set_sync(m, ev);
		break;
	case IB_PUB_ACCOUNTS:
		set_accounts(m, ev);
		break;
	case IB_PUB_ACCT_VALUE:
		absorb_value(m, ev, now_real_ns);
		break;
	case IB_PUB_POSITION:
		absorb_position(m, ev, now_real_ns);
		break;
	case IB_PUB_ORDER:
		absorb_order(m, ev);
		stream_push(m, PM_ENTRY_STATUS, ev, now_real_ns);
		break;
	case IB_PUB_EXEC:
		stream_push(m, PM_ENTRY_EXEC, ev, now_real_ns);
		break;
	case IB_PUB_CMD:
		stream_push(m, PM_ENTRY_CMD, ev, now_real_ns);
		break;
	case IB_PUB_PNL:
		absorb_pnl(m, ev);
		break;
	case IB_PUB_CONN:
		if (ev->u.conn.connected)
			accounts_new_session(m);
		m->have_conn = true;
		m->conn_connected = ev->u.conn.connected;
		m->conn_server_version = ev->u.conn.server_version;
		m->conn_client_id = ev->u.conn.client_id;
		break;
	default:
		ib_log(IB_LL_WARN, "redis", "unknown publisher event kind %d ignored", (int)ev->kind);
	}
}

void
pm_mark_all_dirty(struct pm_mirror *m)
{
	struct pm_orders *os = m->orders;

	m->sync_dirty = true;
	m->accounts_dirty = true;
	for (int i = 0; i < m->naccts; i++) {
		struct pm_account *a = &m->acct[i];
		a->full = true;
		a->ndv = a->nval;
		for (uint16_t k = 0; k < a->nval; k++) {
			a->vdirty[k] = 1;
			a->dv[k] = k;
		}
		a->pnl_dirty = a->has_pnl;
		a->ndp = a->npos;
		for (uint16_t k = 0; k < a->npos; k++) {
			a->pdirty[k] = 1;
			a->dp[k] = k;
		}
		mark_dirty(m, i);
	}
	os->ndirty = 0;
	for (uint32_t k = 0; k < os->n; k++) {
		os->o[k].dirty = true;
		os->dirty[os->ndirty++] = (uint16_t)k;
	}
}

bool
pm_dirty(const struct pm_mirror *m)
{
	return m->sync_dirty || m->accounts_dirty || m->acct_dirty || m->orders->ndirty || m->st.sent < m->st.tail;
}

void
pm_account_clean(struct pm_mirror *m, int i)
{
	struct pm_account *a = &m->acct[i];

	for (uint16_t k = 0; k < a->ndv; k++)
		a->vdirty[a->dv[k]] = 0;
	for (uint16_t k = 0; k < a->ndp; k++)
		a->pdirty[a->dp[k]] = 0;
	a->ndv = a->ndp = 0;
	a->full = false;
	a->pnl_dirty = false;
	if (a->dirty) {
		a->dirty = false;
		m->acct_dirty--;
	}
}
