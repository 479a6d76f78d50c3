/*
 * command_settle.c - the open orders of the command stream, until the
 * journal knows their fate (command_settle.h says how).  Command reader
 * thread only; commands are rare, so the list grows with realloc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/redis_keys.h"
#include "ibpipe/log.h"
#include "service/command_settle.h"
#include "util/clock.h"
#include "util/str.h"

#define POLL_MS 200

struct open_order {
	ib_cmd_open o;
	bool earlier;        /* accepted by an earlier run: the gateway is asked about it */
};

struct ib_cmd_settle {
	ib_pipeline *p;
	ib_cmd_journal *j;
	char prefix[32];
	ib_cmd_lost_fn lost;
	void *lost_arg;
	struct open_order *v;
	size_t n, cap;
	int64_t next_poll_ns;
	bool asking;         /* a check is with the account thread */
	ib_cmd_open asked[IB_ORDER_CHECK_MAX];
	int nasked;
};

static bool
add(ib_cmd_settle *s, const ib_cmd_open *o, bool earlier)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct open_order *v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL) {
			/* not followed in this run: the next start checks it */
			ib_log(IB_LL_ERROR, "commands", "out of memory: order %d (%s) not followed until the next start",
			       o->order_id, o->cmd_id);
			return false;
		}
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n].o = *o;
	s->v[s->n++].earlier = earlier;
	return true;
}

static void
remove_at(ib_cmd_settle *s, size_t i)
{
	s->v[i] = s->v[--s->n];
}

static struct open_order *
by_cmd_id(ib_cmd_settle *s, const char *cmd_id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].o.cmd_id, cmd_id) == 0)
			return &s->v[i];
	return NULL;
}

ib_cmd_settle *
ib_cmd_settle_new(ib_pipeline *p, ib_cmd_journal *j, const char *prefix, ib_cmd_lost_fn lost, void *arg)
{
	ib_cmd_settle *s = calloc(1, sizeof(*s));
	size_t n = ib_cmd_journal_unsettled(j, NULL, 0);
	ib_cmd_open *all = calloc(n ? n : 1, sizeof(*all));

	if (s == NULL || all == NULL) {
		free(s);
		free(all);
		return NULL;
	}
	s->p = p;
	s->j = j;
	ib_strlcpy(s->prefix, prefix, sizeof(s->prefix));
	s->lost = lost;
	s->lost_arg = arg;
	n = ib_cmd_journal_unsettled(j, all, n);
	for (size_t i = 0; i < n; i++)
		add(s, &all[i], true);
	free(all);
	if (n)
		ib_log(IB_LL_INFO, "commands",
		       "%zu accepted order(s) of an earlier run with no known fate: checked with the gateway once synced", n);
	return s;
}

void
ib_cmd_settle_free(ib_cmd_settle *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s);
}

void
ib_cmd_settle_track(ib_cmd_settle *s, const char *cmd_id, int32_t order_id)
{
	ib_cmd_open o = { .order_id = order_id };

	ib_strlcpy(o.cmd_id, cmd_id, sizeof(o.cmd_id));
	add(s, &o, false);
}

size_t
ib_cmd_settle_open(const ib_cmd_settle *s)
{
	return s->n;
}

static void
settle(ib_cmd_settle *s, size_t i, const char *why)
{
	if (ib_cmd_journal_settle(s->j, s->v[i].o.cmd_id) != 0) {
		ib_log(IB_LL_ERROR, "commands", "cannot settle %s in the journal: %s -- kept open", s->v[i].o.cmd_id,
		       strerror(errno));
		return;
	}
	ib_log(IB_LL_DEBUG, "commands", "order %d (%s) settled: %s", s->v[i].o.order_id, s->v[i].o.cmd_id, why);
	remove_at(s, i);
}

/* P:order:ID's status for every open order, in one round trip; false when the connection failed. */
static bool
poll_statuses(ib_cmd_settle *s, redisContext *c)
{
	char key[96];
	size_t sent = 0;

	for (size_t i = 0; i < s->n; i++, sent++) {
		ib_key_order(key, sizeof(key), s->prefix, s->v[i].o.order_id);
		if (redisAppendCommand(c, "HGET %s status", key) != REDIS_OK)
			return false;
	}
	/* replies in order; settling moves the last entry into i, so walk the replies by saved ids */
	int32_t *ids = malloc(sent * sizeof(*ids) + 1);
	if (ids == NULL) {
		for (size_t i = 0; i < sent; i++) { /* drain the replies all the same */
			redisReply *r = NULL;
			if (redisGetReply(c, (void **)&r) != REDIS_OK)
				return false;
			freeReplyObject(r);
		}
		return true;
	}
	for (size_t i = 0; i < sent; i++)
		ids[i] = s->v[i].o.order_id;
	bool ok = true;
	for (size_t i = 0; i < sent; i++) {
		redisReply *r = NULL;
		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			ok = false;
			break;
		}
		/* PendingSubmit is what ibpipe says of an order it sent: the gateway has not spoken yet */
		if (r->type == REDIS_REPLY_STRING && r->len > 0 && strcmp(r->str, "PendingSubmit") != 0)
			for (size_t k = 0; k < s->n; k++)
				if (s->v[k].o.order_id == ids[i]) {
					settle(s, k, r->str);
					break;
				}
		freeReplyObject(r);
	}
	free(ids);
	return ok;
}

/* The account thread's answer about the orders asked: settled, or lost. */
static void
take_answer(ib_cmd_settle *s, const bool *known, int n)
{
	int there = 0, lost = 0;

	for (int i = 0; i < n; i++) {
		struct open_order *v = by_cmd_id(s, s->asked[i].cmd_id);
		if (v == NULL)
			continue; /* settled by its status meanwhile */
		if (known[i]) {
			settle(s, (size_t)(v - s->v), "the gateway has it");
			there++;
			continue;
		}
		ib_cmd_result res = { .order_id = v->o.order_id };
		ib_strlcpy(res.cmd, "place", sizeof(res.cmd));
		ib_strlcpy(res.result, "lost", sizeof(res.result));
		ib_strlcpy(res.reason, IB_CMD_LOST_REASON, sizeof(res.reason));
		ib_log(IB_LL_WARN, "commands",
		       "order %d (%s) was accepted by an earlier run but the gateway does not have it: lost (the "
		       "answer to its cmd_id is now 'lost'; it is never sent)", v->o.order_id, v->o.cmd_id);
		/* published first, then filed: a crash between repeats the check, whose answer is the same */
		if (!s->lost(s->lost_arg, v->o.cmd_id, &res))
			continue; /* Redis is away: asked again later */
		if (ib_cmd_journal_replace(s->j, v->o.cmd_id, &res) != 0) {
			ib_log(IB_LL_ERROR, "commands", "cannot file %s as lost: %s", v->o.cmd_id, strerror(errno));
			continue;
		}
		remove_at(s, (size_t)(v - s->v));
		lost++;
	}
	ib_log(IB_LL_INFO, "commands", "orders of an earlier run checked with the gateway: %d there, %d lost", there, lost);
}

static void
ask(ib_cmd_settle *s)
{
	int n = 0;

	for (size_t i = 0; i < s->n && n < IB_ORDER_CHECK_MAX; i++)
		if (s->v[i].earlier)
			s->asked[n++] = s->v[i].o;
	if (n == 0)
		return;
	int32_t ids[IB_ORDER_CHECK_MAX];
	for (int i = 0; i < n; i++)
		ids[i] = s->asked[i].order_id;
	s->asking = ib_pipeline_check_orders(s->p, ids, n);
	s->nasked = s->asking ? n : 0;
}

bool
ib_cmd_settle_step(ib_cmd_settle *s, redisContext *c)
{
	int64_t now = ib_now_mono_ns();

	if (s->n > 0 && now >= s->next_poll_ns) {
		s->next_poll_ns = now + (int64_t)POLL_MS * IB_NS_PER_MS;
		if (!poll_statuses(s, c))
			return false;
	}
	if (s->asking) {
		bool known[IB_ORDER_CHECK_MAX];
		int n = ib_pipeline_checked_orders(s->p, known);
		if (n < 0)
			return true;
		s->asking = false;
		take_answer(s, known, n < s->nasked ? n : s->nasked);
	}
	ask(s);
	return true;
}
