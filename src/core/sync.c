/*
 * sync.c - the account-sync rule and its diagnostics (account thread).
 *
 * The description names the first missing piece in the order a gateway
 * delivers them, so "waiting for X" is always the thing that is late.  A
 * new account list keeps the state of the accounts that stay and starts the
 * new ones from nothing: complete always means the list as it is now.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/sync.h"
#include "util/clock.h"
#include "util/bits.h"

#define IDX_MASK (2 * IB_MAX_ACCOUNTS - 1)
_Static_assert(IB_IS_POW2(IB_MAX_ACCOUNTS), "the account index probes with & IDX_MASK");

void
ib_sync_init(ib_sync *s, bool require_download_end, int quiet_ms)
{
	memset(s, 0, sizeof(*s));
	s->require_download_end = require_download_end;
	s->quiet_ns = (int64_t)quiet_ms * IB_NS_PER_MS;
}

void
ib_sync_set_contracts(ib_sync *s, int n, const char *specs, size_t stride)
{
	s->ncontracts = n < IB_MAX_CONTRACTS ? n : IB_MAX_CONTRACTS;
	for (int k = 0; k < s->ncontracts; k++) {
		snprintf(s->contract_spec[k], sizeof(s->contract_spec[k]), "%s", specs + (size_t)k * stride);
		s->contract_ok[k] = false;
		s->contract_why[k][0] = '\0';
	}
}

void
ib_sync_contract(ib_sync *s, int k, bool ok, const char *why)
{
	if (k < 0 || k >= s->ncontracts)
		return;
	s->contract_ok[k] = ok;
	snprintf(s->contract_why[k], sizeof(s->contract_why[k]), "%s", ok || !why ? "" : why);
}

int
ib_sync_pending_contract(const ib_sync *s)
{
	for (int k = 0; k < s->ncontracts; k++)
		if (!s->contract_ok[k])
			return k;
	return -1;
}

void
ib_sync_reset(ib_sync *s, int64_t now_ns, bool need_reconcile)
{
	bool req = s->require_download_end;
	int64_t quiet = s->quiet_ns;
	int ncontracts = s->ncontracts;

	/* everything but the policy and the contracts' specs (a new connection resolves them again) */
	memset(s, 0, offsetof(ib_sync, ncontracts));
	s->ncontracts = ncontracts;
	memset(s->contract_ok, 0, sizeof(s->contract_ok));
	memset(s->contract_why, 0, sizeof(s->contract_why));
	memset(s->bar_end, 0, sizeof(s->bar_end)); /* bars: names kept, each history requested and waited for again */
	s->require_download_end = req;
	s->quiet_ns = quiet;
	s->since_ns = now_ns;
	s->need_reconcile = need_reconcile;
}

void
ib_sync_restart(ib_sync *s, int64_t now_ns)
{
	for (int i = 0; i < s->naccounts; i++) {
		ib_sync_acct *a = &s->acct[i];
		a->download_end = a->by_quiet = a->is_new = false;
		a->first_value_ns = a->last_value_ns = 0;
	}
	s->since_ns = now_ns;
	s->position_end = s->open_orders_end = s->executions_end = false;
	s->need_reconcile = true;
}

/* The index position holding id, or the empty one where it would go (the index is at most half full). */
static uint32_t
idx_probe(const ib_sync *s, const char *id)
{
	uint32_t h = ib_account_hash(id) & IDX_MASK;

	while (s->idx[h] != 0 && strcmp(s->acct[s->idx[h] - 1].id, id) != 0)
		h = (h + 1) & IDX_MASK;
	return h;
}

int
ib_sync_find(const ib_sync *s, const char *account)
{
	return (int)s->idx[idx_probe(s, account)] - 1;
}

/* The previous list's slot for id, or -1 (prev and pidx are acct and idx as they were). */
static int
prev_index(const ib_sync *s, const char *id)
{
	uint32_t h = ib_account_hash(id) & IDX_MASK;

	for (; s->pidx[h] != 0; h = (h + 1) & IDX_MASK)
		if (strcmp(s->prev[s->pidx[h] - 1].id, id) == 0)
			return s->pidx[h] - 1;
	return -1;
}

ib_sync_change
ib_sync_accounts(ib_sync *s, const char *list)
{
	ib_sync_change c = { .first = !s->have_accounts };
	const char *p = list;

	/* the current list becomes prev; acct is rebuilt from the text */
	memcpy(s->prev, s->acct, (size_t)s->naccounts * sizeof(s->acct[0]));
	s->nprev = s->naccounts;
	s->naccounts = 0;
	s->list_ids = 0;
	s->list_error = IB_SYNC_LIST_OK;
	memcpy(s->pidx, s->idx, sizeof(s->idx));
	memset(s->idx, 0, sizeof(s->idx));
	while (*p) {
		size_t n = strcspn(p, ",");
		char id[IB_ACCOUNT_ID_LEN];
		uint32_t h;
		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(id)) {
			s->list_error = IB_SYNC_LIST_ID_TOO_LONG;
			s->list_ids++;
		} else {
			memcpy(id, p, n);
			id[n] = '\0';
			h = idx_probe(s, id);
			if (s->idx[h] != 0) {
				c.duplicates++;
			} else if (s->naccounts >= IB_MAX_ACCOUNTS) {
				/* keep counting (for the message), keep nothing */
				if (s->list_error == IB_SYNC_LIST_OK)
					s->list_error = IB_SYNC_LIST_TOO_MANY;
				s->list_ids++;
			} else {
				ib_sync_acct *a = &s->acct[s->naccounts++];
				int old = prev_index(s, id);
				s->list_ids++;
				if (old >= 0) {
					*a = s->prev[old];
					a->is_new = false;
				} else {
					memset(a, 0, sizeof(*a));
					memcpy(a->id, id, n + 1);
					a->is_new = true;
					c.added++;
				}
				s->idx[h] = (uint16_t)s->naccounts;
			}
		}
		p += n;
	}
	for (int i = 0; i < s->nprev; i++) {
		s->gone[i] = ib_sync_find(s, s->prev[i].id) < 0;
		c.removed += s->gone[i];
	}
	c.changed = c.added > 0 || c.removed > 0;
	s->have_accounts = true;
	return c;
}

void
ib_sync_list_too_long(ib_sync *s)
{
	s->list_error = IB_SYNC_LIST_TOO_LONG;
}

void
ib_sync_next_id(ib_sync *s, int32_t id)
{
	s->have_next_id = true;
	s->next_id = id;
}

int
ib_sync_value(ib_sync *s, const char *account, int64_t now_ns)
{
	int i = ib_sync_find(s, account);

	if (i >= 0) {
		if (s->acct[i].first_value_ns == 0)
			s->acct[i].first_value_ns = now_ns;
		s->acct[i].last_value_ns = now_ns;
	}
	return i;
}

int
ib_sync_download_end(ib_sync *s, const char *account)
{
	int i = ib_sync_find(s, account);

	if (i >= 0)
		s->acct[i].download_end = true;
	return i;
}

void
ib_sync_position_end(ib_sync *s)
{
	s->position_end = true;
}

void
ib_sync_open_orders_end(ib_sync *s)
{
	s->open_orders_end = true;
}

void
ib_sync_executions_end(ib_sync *s)
{
	s->executions_end = true;
}

void
ib_sync_set_bars(ib_sync *s, const char *const *names, int n)
{
	s->nbars = n < IB_SYNC_MAX_BARS ? n : IB_SYNC_MAX_BARS;
	for (int i = 0; i < s->nbars; i++) {
		s->bar_name[i] = names[i];
		s->bar_end[i] = names[i] == NULL; /* NULL: no warm-up to wait for */
	}
}

void
ib_sync_bars_end(ib_sync *s, int i)
{
	if (i >= 0 && i < s->nbars)
		s->bar_end[i] = true;
}

int
ib_sync_pending_account(const ib_sync *s)
{
	for (int i = 0; i < s->naccounts; i++)
		if (!s->acct[i].download_end)
			return i;
	return -1;
}

bool
ib_sync_complete(ib_sync *s, int64_t now_ns)
{
	if (!s->have_accounts || !s->have_next_id || s->naccounts == 0 || s->list_error != IB_SYNC_LIST_OK)
		return false;
	for (int i = 0; i < s->naccounts; i++) {
		ib_sync_acct *a = &s->acct[i];
		if (a->download_end)
			continue;
		/* Fallback for gateways that never send acctDownloadEnd: values came, then silence. */
		if (!s->require_download_end && a->first_value_ns != 0 && now_ns - a->last_value_ns >= s->quiet_ns) {
			a->download_end = true;
			a->by_quiet = true;
			continue;
		}
		return false;
	}
	if (!s->position_end)
		return false;
	if (s->need_reconcile && (!s->open_orders_end || !s->executions_end))
		return false;
	if (ib_sync_pending_contract(s) >= 0)
		return false;
	for (int i = 0; i < s->nbars; i++)
		if (!s->bar_end[i] && s->bar_name[i])
			return false;
	return true;
}

/* Why the list itself is not usable, or NULL. */
static const char *
list_problem(const ib_sync *s, char *buf, size_t cap)
{
	switch (s->list_error) {
	case IB_SYNC_LIST_TOO_MANY:
		snprintf(buf, cap, "more than %d accounts (%d listed)", IB_MAX_ACCOUNTS, s->list_ids);
		return buf;
	case IB_SYNC_LIST_ID_TOO_LONG:
		snprintf(buf, cap, "an account id longer than %d bytes", IB_ACCOUNT_ID_LEN - 1);
		return buf;
	case IB_SYNC_LIST_TOO_LONG:
		snprintf(buf, cap, "list longer than %zu bytes", IB_ACCOUNT_LIST_MAX);
		return buf;
	}
	if (s->have_accounts && s->naccounts == 0)
		return "empty list";
	return NULL;
}

/* Calls f for each missing piece in delivery order; names as the IB API spells them. */
typedef void missing_fn(void *ctx, int k, const char *what, const char *acct, const char *why);

static int
missing_pieces(const ib_sync *s, missing_fn *f, void *ctx)
{
	char buf[96];
	const char *why = list_problem(s, buf, sizeof(buf));
	int n = 0;

	if (s->down)
		f(ctx, n++, "connection", NULL, s->conn_error[0] ? s->conn_error : "not connected yet");
	if (!s->have_accounts || why)
		f(ctx, n++, "managedAccounts", NULL, why);
	if (!s->have_next_id)
		f(ctx, n++, "nextValidId", NULL, NULL);
	for (int i = 0; i < s->naccounts; i++)
		if (!s->acct[i].download_end)
			f(ctx, n++, "acctDownloadEnd", s->acct[i].id, NULL);
	if (!s->position_end)
		f(ctx, n++, "positionEnd", NULL, NULL);
	if (s->need_reconcile && !s->open_orders_end)
		f(ctx, n++, "openOrderEnd", NULL, NULL);
	if (s->need_reconcile && !s->executions_end)
		f(ctx, n++, "execDetailsEnd", NULL, NULL);
	/* "contract:FUT:ES@CME": the spec as configured, so the reader can find it in the config */
	for (int k = 0; k < s->ncontracts; k++)
		if (!s->contract_ok[k])
			f(ctx, n++, "contract", s->contract_spec[k], s->contract_why[k][0] ? s->contract_why[k] : NULL);
	for (int i = 0; i < s->nbars; i++)
		if (!s->bar_end[i] && s->bar_name[i])
			f(ctx, n++, "bars", NULL, s->bar_name[i]);
	return n;
}

static void
count_missing(void *ctx, int k, const char *what, const char *acct, const char *why)
{
	(void)ctx, (void)k, (void)what, (void)acct, (void)why;
}

/* Human text for logs: at most this many account ids per list, then a count. */
#define DESCRIBE_IDS 8

struct desc {
	ib_json b;                  /* used as a plain bounded text builder here */
	int ids;                    /* missing account ids written so far */
	int cut;                    /* ... and not written */
};

static void
describe_missing(void *ctx, int k, const char *what, const char *acct, const char *why)
{
	struct desc *d = ctx;

	if (acct && d->ids >= DESCRIBE_IDS) {
		d->cut++;
		return;
	}
	if (strcmp(what, "contract") == 0) { /* "contract FUT:ES@CME (unknown to IB ...)" */
		ib_json_printf(&d->b, "%scontract %s", k ? " and " : "", acct);
		if (why)
			ib_json_printf(&d->b, " (%s)", why);
		d->ids++;
		return;
	}
	ib_json_printf(&d->b, "%s%s", k ? " and " : "", what);
	if (why)
		ib_json_printf(&d->b, " (%s)", why);
	if (acct) {
		ib_json_printf(&d->b, " for %s", acct);
		d->ids++;
	}
}

void
ib_sync_describe(const ib_sync *s, int64_t now_ns, char *buf, size_t cap)
{
	struct desc d = { 0 };
	ib_json *b = &d.b;
	int shown = 0;

	ib_json_init(b, buf, cap);
	if (s->have_accounts) {
		ib_json_raw(b, "have managedAccounts [");
		for (int i = 0; i < s->naccounts && i < DESCRIBE_IDS; i++)
			ib_json_printf(b, "%s%s", i ? "," : "", s->acct[i].id);
		if (s->naccounts > DESCRIBE_IDS)
			ib_json_printf(b, ",... %d in all", s->naccounts);
		ib_json_raw(b, "]");
	}
	if (s->have_next_id)
		ib_json_printf(b, "%snextValidId %d", b->len ? ", " : "have ", s->next_id);
	for (int i = 0; i < s->naccounts; i++) {
		if (!s->acct[i].download_end)
			continue;
		if (shown++ < DESCRIBE_IDS)
			ib_json_printf(b, "%s%s for %s", b->len ? ", " : "have ",
				       s->acct[i].by_quiet ? "quiet-period download end" : "acctDownloadEnd", s->acct[i].id);
	}
	if (shown > DESCRIBE_IDS)
		ib_json_printf(b, ", ... %d accounts downloaded in all", shown);
	if (s->position_end)
		ib_json_printf(b, "%spositionEnd", b->len ? ", " : "have ");
	if (missing_pieces(s, count_missing, NULL) == 0) {
		ib_json_printf(b, "%scomplete", b->len ? ", " : "");
		return;
	}
	ib_json_printf(b, "%swaiting for ", b->len ? ", " : "");
	missing_pieces(s, describe_missing, &d);
	if (d.cut)
		ib_json_printf(b, " and %d more accounts or contracts", d.cut);
	ib_json_printf(b, " since %.1f s", ib_ns_to_s(now_ns - s->since_ns));
}

static void
json_missing(void *ctx, int k, const char *what, const char *acct, const char *why)
{
	ib_json *j = ctx;
	char item[160];

	if (k)
		ib_json_raw(j, ",");
	if (acct == NULL && why == NULL) {
		ib_json_str(j, what);
		return;
	}
	/* "acctDownloadEnd:<id>" or "managedAccounts:<why>", the id escaped with the rest */
	snprintf(item, sizeof(item), "%s:%s", what, acct ? acct : why);
	ib_json_str(j, item);
}

size_t
ib_sync_json(const ib_sync *s, int64_t now_ns, char *buf, size_t cap)
{
	ib_json j;

	ib_json_init(&j, buf, cap);
	ib_json_raw(&j, "{\"managedAccounts\":[");
	for (int i = 0; i < s->naccounts; i++) {
		if (i)
			ib_json_raw(&j, ",");
		ib_json_str(&j, s->acct[i].id);
	}
	ib_json_raw(&j, "],\"nextValidId\":");
	if (s->have_next_id)
		ib_json_printf(&j, "%d", s->next_id);
	else
		ib_json_raw(&j, "null");
	ib_json_raw(&j, ",\"missing\":[");
	missing_pieces(s, json_missing, &j);
	ib_json_raw(&j, "]");
	int shown = 0;
	for (int k = 0; k < s->ncontracts; k++) {
		if (s->contract_ok[k] || !s->contract_why[k][0])
			continue;
		ib_json_raw(&j, shown++ ? "," : ",\"contract_errors\":{");
		ib_json_str(&j, s->contract_spec[k]);
		ib_json_raw(&j, ":");
		ib_json_str(&j, s->contract_why[k]);
	}
	ib_json_printf(&j, "%s,\"waiting_s\":%.3f}", shown ? "}" : "", ib_ns_to_s(now_ns - s->since_ns));
	if (j.overflow) {
		/* a caller's buffer too small for this list: say so in valid JSON rather than cut it */
		ib_json_init(&j, buf, cap);
		ib_json_printf(&j, "{\"error\":\"detail larger than %zu bytes\",\"accounts\":%d}", cap, s->naccounts);
	}
	return j.len;
}
