/*
 * sync.c - the account-sync rule and its diagnostics.
 *
 * The description names the first missing piece in the order a gateway
 * delivers them, so "waiting for X" is always the thing that is late.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/sync.h"

void
ib_sync_init(ib_sync *s, bool require_download_end, int quiet_ms)
{
	memset(s, 0, sizeof(*s));
	s->require_download_end = require_download_end;
	s->quiet_ns = (int64_t)quiet_ms * 1000000LL;
}

void
ib_sync_reset(ib_sync *s, int64_t now_ns, bool need_reconcile)
{
	bool req = s->require_download_end;
	int64_t quiet = s->quiet_ns;

	memset(s, 0, sizeof(*s));
	s->require_download_end = req;
	s->quiet_ns = quiet;
	s->since_ns = now_ns;
	s->need_reconcile = need_reconcile;
}

static int
account_index(const ib_sync *s, const char *account)
{
	for (int i = 0; i < s->naccounts; i++)
		if (strcmp(s->accounts[i], account) == 0)
			return i;
	return -1;
}

void
ib_sync_accounts(ib_sync *s, const char *list)
{
	const char *p = list;

	s->naccounts = 0;
	while (*p && s->naccounts < IB_MAX_ACCOUNTS) {
		size_t n = strcspn(p, ",");
		if (n > 0 && n < sizeof(s->accounts[0])) {
			memcpy(s->accounts[s->naccounts], p, n);
			s->accounts[s->naccounts][n] = '\0';
			s->naccounts++;
		}
		p += n;
		if (*p == ',')
			p++;
	}
	s->have_accounts = true;
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
	int i = account_index(s, account);

	if (i >= 0) {
		if (s->first_value_ns[i] == 0)
			s->first_value_ns[i] = now_ns;
		s->last_value_ns[i] = now_ns;
	}
	return i;
}

int
ib_sync_download_end(ib_sync *s, const char *account)
{
	int i = account_index(s, account);

	if (i >= 0)
		s->download_end[i] = true;
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

int
ib_sync_pending_account(const ib_sync *s)
{
	for (int i = 0; i < s->naccounts; i++)
		if (!s->download_end[i])
			return i;
	return -1;
}

bool
ib_sync_complete(ib_sync *s, int64_t now_ns)
{
	if (!s->have_accounts || !s->have_next_id || s->naccounts == 0)
		return false;
	for (int i = 0; i < s->naccounts; i++) {
		if (s->download_end[i])
			continue;
		/* Fallback for gateways that never send acctDownloadEnd: values came, then silence. */
		if (!s->require_download_end && s->first_value_ns[i] != 0 &&
		    now_ns - s->last_value_ns[i] >= s->quiet_ns) {
			s->download_end[i] = true;
			s->download_by_quiet[i] = true;
			continue;
		}
		return false;
	}
	if (!s->position_end)
		return false;
	if (s->need_reconcile && (!s->open_orders_end || !s->executions_end))
		return false;
	return true;
}

/* A bounded string builder: appends what fits, always NUL-terminated. */
struct sb {
	char *buf;
	size_t cap, len;
};

static void __attribute__((format(printf, 2, 3)))
sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		b->len = b->len + (size_t)n < b->cap ? b->len + (size_t)n : b->cap - 1;
}

/* The missing pieces, in delivery order; names as the IB API spells them. */
static int
missing_pieces(const ib_sync *s, const char *out[], const char *acct[], int max)
{
	int n = 0;

	if (!s->have_accounts && n < max)
		acct[n] = NULL, out[n++] = "managedAccounts";
	if (!s->have_next_id && n < max)
		acct[n] = NULL, out[n++] = "nextValidId";
	for (int i = 0; i < s->naccounts && n < max; i++)
		if (!s->download_end[i])
			acct[n] = s->accounts[i], out[n++] = "acctDownloadEnd";
	if (!s->position_end && n < max)
		acct[n] = NULL, out[n++] = "positionEnd";
	if (s->need_reconcile && !s->open_orders_end && n < max)
		acct[n] = NULL, out[n++] = "openOrderEnd";
	if (s->need_reconcile && !s->executions_end && n < max)
		acct[n] = NULL, out[n++] = "execDetailsEnd";
	return n;
}

void
ib_sync_describe(const ib_sync *s, int64_t now_ns, char *buf, size_t cap)
{
	struct sb b = { buf, cap, 0 };
	const char *miss[IB_MAX_ACCOUNTS + 6], *acct[IB_MAX_ACCOUNTS + 6];
	int n = missing_pieces(s, miss, acct, IB_MAX_ACCOUNTS + 6);

	buf[0] = '\0';
	if (s->have_accounts) {
		sb_add(&b, "have managedAccounts [");
		for (int i = 0; i < s->naccounts; i++)
			sb_add(&b, "%s%s", i ? "," : "", s->accounts[i]);
		sb_add(&b, "]");
	}
	if (s->have_next_id)
		sb_add(&b, "%snextValidId %d", b.len ? ", " : "have ", s->next_id);
	for (int i = 0; i < s->naccounts; i++)
		if (s->download_end[i])
			sb_add(&b, "%s%s for %s", b.len ? ", " : "have ",
			       s->download_by_quiet[i] ? "quiet-period download end" : "acctDownloadEnd", s->accounts[i]);
	if (s->position_end)
		sb_add(&b, "%spositionEnd", b.len ? ", " : "have ");
	if (n == 0) {
		sb_add(&b, "%scomplete", b.len ? ", " : "");
		return;
	}
	sb_add(&b, "%swaiting for ", b.len ? ", " : "");
	for (int i = 0; i < n; i++) {
		sb_add(&b, "%s%s", i ? " and " : "", miss[i]);
		if (acct[i])
			sb_add(&b, " for %s", acct[i]);
	}
	sb_add(&b, " since %.1f s", (double)(now_ns - s->since_ns) / 1e9);
}

void
ib_sync_json(const ib_sync *s, int64_t now_ns, char *buf, size_t cap)
{
	struct sb b = { buf, cap, 0 };
	const char *miss[IB_MAX_ACCOUNTS + 6], *acct[IB_MAX_ACCOUNTS + 6];
	int n = missing_pieces(s, miss, acct, IB_MAX_ACCOUNTS + 6);

	buf[0] = '\0';
	sb_add(&b, "{\"managedAccounts\":[");
	for (int i = 0; i < s->naccounts; i++)
		sb_add(&b, "%s\"%s\"", i ? "," : "", s->accounts[i]);
	sb_add(&b, "],\"nextValidId\":");
	if (s->have_next_id)
		sb_add(&b, "%d", s->next_id);
	else
		sb_add(&b, "null");
	sb_add(&b, ",\"missing\":[");
	for (int i = 0; i < n; i++) {
		if (acct[i])
			sb_add(&b, "%s\"%s:%s\"", i ? "," : "", miss[i], acct[i]);
		else
			sb_add(&b, "%s\"%s\"", i ? "," : "", miss[i]);
	}
	sb_add(&b, "],\"waiting_s\":%.3f}", (double)(now_ns - s->since_ns) / 1e9);
}
