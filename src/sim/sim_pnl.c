/*
 * sim_pnl.c - reqPnL and reqPnLSingle: P&L from the simulated accounts'
 * positions valued at the instruments' marks (their mid), sent when
 * subscribed and every --pnl-ms after, as IB pushes it about once a second.
 *
 * Per position: unrealized = (mark - avgCost) * qty * multiplier, value =
 * qty * mark * multiplier.  Per account: unrealized is the positions' sum
 * and realized the account's realized P&L net of commissions (what
 * sim_account_fill books).  daily = unrealized + realized: the simulated
 * day starts when ibsim does.  A position's realized P&L is not tracked
 * apart from its account's, so pnlSingle reports it unset (DBL_MAX, as IB
 * does for a value it does not have): clients must cope with that.  The control
 * command `pnl ACCOUNT` prints the same numbers, so a test can compare what
 * a client stored with what ibsim holds.  Runs on ibsim's one thread.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "sim/sim.h"
#include "util/clock.h"

#define MAX_PNL_SUBS 256
#define ERR_VALIDATE 321

struct pnl_sub {
	int16_t slot;
	bool single;
	int32_t req_id, acct, con_id;
};

struct sim_pnl {
	struct pnl_sub subs[MAX_PNL_SUBS];
	int nsubs;
	int64_t next_ns;
};

struct pnl_numbers {
	double pos, daily, unrealized, realized, value;
};

int
sim_pnl_init(struct sim *s)
{
	s->pnl = calloc(1, sizeof(*s->pnl));
	return s->pnl ? 0 : -1;
}

static void
position_pnl(const struct sim *s, const struct sim_position *p, struct pnl_numbers *n)
{
	const struct sim_instr *in = &s->instr[p->instr];
	double mark = sim_instr_mark(in), mult = sim_instr_multiplier(in);

	n->pos = p->qty;
	n->unrealized = round((mark - p->avg_cost) * p->qty * mult * 100) / 100;
	n->realized = DBL_MAX;
	n->daily = n->unrealized;
	n->value = round(p->qty * mark * mult * 100) / 100;
}

static void
account_pnl(const struct sim *s, int acct, struct pnl_numbers *n)
{
	const struct sim_account *a = &s->acct[acct];

	memset(n, 0, sizeof(*n));
	for (int i = 0; i < a->npos; i++) {
		struct pnl_numbers p;
		position_pnl(s, &a->pos[i], &p);
		n->unrealized += p.unrealized;
		n->value += p.value;
	}
	n->unrealized = round(n->unrealized * 100) / 100;
	n->realized = round(a->realized * 100) / 100;
	n->daily = round((n->unrealized + n->realized) * 100) / 100;
}

/* conId's position in the account; zeros when there is none (as IB reports a flat one). */
static void
single_pnl(const struct sim *s, int acct, int32_t con_id, struct pnl_numbers *n)
{
	const struct sim_account *a = &s->acct[acct];

	memset(n, 0, sizeof(*n));
	for (int i = 0; i < a->npos; i++)
		if (s->instr[a->pos[i].instr].con_id == con_id) {
			position_pnl(s, &a->pos[i], n);
			return;
		}
}

static void
send(struct sim *s, struct sim_client *c, const struct pnl_sub *x)
{
	struct pnl_numbers n;

	if (x->single) {
		single_pnl(s, x->acct, x->con_id, &n);
		sim_enc_pnl_single(&c->out, x->req_id, n.pos, n.daily, n.unrealized, n.realized, n.value);
	} else {
		account_pnl(s, x->acct, &n);
		sim_enc_pnl(&c->out, x->req_id, n.daily, n.unrealized, n.realized);
	}
}

static void
start(struct sim *s, struct sim_client *c, const ib_req *r, bool single)
{
	struct sim_pnl *p = s->pnl;
	int32_t req = r->u.pnl.req_id;
	int acct = sim_account_find(s, r->u.pnl.account);
	char why[96];

	if (acct < 0) {
		snprintf(why, sizeof(why), "Error validating request: account '%.24s' is not managed here", r->u.pnl.account);
		sim_send_error(s, c, req, ERR_VALIDATE, why);
		return;
	}
	for (int i = 0; i < p->nsubs; i++)
		if (p->subs[i].slot == c->slot && p->subs[i].req_id == req) {
			sim_send_error(s, c, req, ERR_VALIDATE, "Error validating request: duplicate ticker id");
			return;
		}
	if (p->nsubs == MAX_PNL_SUBS) {
		sim_send_error(s, c, req, ERR_VALIDATE, "Error validating request: too many P&L subscriptions");
		return;
	}
	p->subs[p->nsubs] = (struct pnl_sub){ (int16_t)c->slot, single, req, acct, single ? r->u.pnl.con_id : 0 };
	send(s, c, &p->subs[p->nsubs++]);
	if (p->next_ns == 0)
		p->next_ns = ib_now_mono_ns() + (int64_t)s->o.pnl_ms * IB_NS_PER_MS;
}

static void
start_pnl(struct sim *s, struct sim_client *c, const ib_req *r)
{
	start(s, c, r, false);
}

static void
start_single(struct sim *s, struct sim_client *c, const ib_req *r)
{
	start(s, c, r, true);
}

static void
remove_where(struct sim *s, int slot, int32_t req_id, int single)
{
	struct sim_pnl *p = s->pnl;

	for (int i = 0; i < p->nsubs;) {
		const struct pnl_sub *x = &p->subs[i];
		if (x->slot == slot && (req_id < 0 || x->req_id == req_id) && (single < 0 || x->single == (single == 1)))
			p->subs[i] = p->subs[--p->nsubs];
		else
			i++;
	}
}

static void
cancel_pnl(struct sim *s, struct sim_client *c, const ib_req *r)
{
	remove_where(s, c->slot, r->u.cancel.req_id, 0);
}

static void
cancel_single(struct sim *s, struct sim_client *c, const ib_req *r)
{
	remove_where(s, c->slot, r->u.cancel.req_id, 1);
}

static void
client_gone(struct sim *s, struct sim_client *c)
{
	remove_where(s, c->slot, -1, -1);
}

const struct sim_feed sim_feed_pnl = {
	.name = "pnl", .start_id = IB_OUT_REQ_PNL, .cancel_id = IB_OUT_CANCEL_PNL,
	.start = start_pnl, .cancel = cancel_pnl, .client_gone = client_gone,
};

const struct sim_feed sim_feed_pnl_single = {
	.name = "pnl single", .start_id = IB_OUT_REQ_PNL_SINGLE, .cancel_id = IB_OUT_CANCEL_PNL_SINGLE,
	.start = start_single, .cancel = cancel_single, .client_gone = NULL, /* the account feed's hook clears both */
};

void
sim_pnl_step(struct sim *s, int64_t now)
{
	struct sim_pnl *p = s->pnl;

	if (p->next_ns == 0 || now < p->next_ns)
		return;
	p->next_ns = p->nsubs ? now + (int64_t)s->o.pnl_ms * IB_NS_PER_MS : 0;
	for (int i = 0; i < p->nsubs; i++) {
		struct sim_client *c = s->clients[p->subs[i].slot];
		if (c && !c->dead && c->state == SIM_CS_READY)
			send(s, c, &p->subs[i]);
	}
}

int64_t
sim_pnl_next_deadline(const struct sim *s)
{
	return s->pnl->nsubs && s->pnl->next_ns ? s->pnl->next_ns : INT64_MAX;
}

int
sim_pnl_json(struct sim *s, const char *account, char *out, size_t cap)
{
	int acct = sim_account_find(s, account);
	const struct sim_account *a;
	struct pnl_numbers n;
	size_t o;
	int k;

	if (acct < 0)
		return -1;
	a = &s->acct[acct];
	account_pnl(s, acct, &n);
	k = snprintf(out, cap, "{\"daily\":%.2f,\"unrealized\":%.2f,\"realized\":%.2f,\"positions\":[", n.daily,
		     n.unrealized, n.realized);
	if (k < 0 || (size_t)k >= cap)
		return -1;
	o = (size_t)k;
	for (int i = 0; i < a->npos && o < cap; i++) {
		struct pnl_numbers p;
		position_pnl(s, &a->pos[i], &p);
		k = snprintf(out + o, cap - o, "%s{\"conId\":%d,\"pos\":%.10g,\"unrealized\":%.2f,\"value\":%.2f}",
			     i ? "," : "", (int)s->instr[a->pos[i].instr].con_id, p.pos, p.unrealized, p.value);
		if (k < 0 || (size_t)k >= cap - o)
			return -1;
		o += (size_t)k;
	}
	if (cap - o < 3)
		return -1;
	memcpy(out + o, "]}", 3);
	return (int)(o + 2);
}
