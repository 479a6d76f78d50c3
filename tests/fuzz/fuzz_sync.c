/*
 * fuzz_sync.c - the account-list / sync state machine driven by arbitrary
 * message sequences: managedAccounts lists that change at any point (with
 * duplicates, empty entries, hostile bytes, over-long ids, more than
 * IB_MAX_ACCOUNTS ids), nextValidId, account values, download ends for
 * listed and unlisted accounts, positionEnd, the reconcile ends, resets,
 * restarts and the passing of time.
 *
 * After every step it checks, against an independent model of the rule:
 *   - never complete while a listed account is incomplete, or the list is
 *     missing, empty or refused, or any other piece is missing (safety);
 *   - complete as soon as the model says everything is in (liveness);
 *   - ib_sync_json is valid JSON, never cut, and names something missing
 *     whenever the state is not complete.
 * The first byte picks the policy (download end required, or a quiet period).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../json_valid.h"
#include "core/sync.h"

#define NAMES 12
#define MODEL_MAX (IB_MAX_ACCOUNTS + 8)
#define QUIET_MS 3000

/* The account names a step can use: ordinary, hostile, and one too long to accept. */
static const char *const names[NAMES] = {
	"DUA", "DUB", "DUC", "DUD", "DU1234567", "F7654321", "a\"b\\c", "new\nline",
	"\xff\xfe\xc3(", "\xe2\x82\xac\xf0\x9f\x92\xb0", "Z2345678901234567890123", /* 23 bytes: the longest kept */
	"X23456789012345678901234",                                                /* 24 bytes: refused */
};

struct macct {
	char id[32];
	bool done;               /* download ended (acctDownloadEnd, or the quiet period) */
	int64_t first, last;     /* value times, 0 none */
};

/* The model: what the rule says, kept apart from ib_sync's own bookkeeping. */
static struct model {
	bool have_list, list_ok, have_next, pos_end, reconcile, oo_end, ex_end;
	int n;
	struct macct a[MODEL_MAX];
} m, old;

static ib_sync s;
static char list[IB_ACCOUNT_LIST_MAX + 64];
static char json[IB_SYNC_JSON_MAX];

/* The model's own index (a list may hold a thousand ids): slot + 1 by a simple string hash. */
#define MH 4096
static uint16_t mh[MH], oh[MH];

static unsigned
mhash(const char *id)
{
	unsigned h = 5381;

	while (*id)
		h = h * 33 + (unsigned char)*id++;
	return h % MH;
}

static int
hfind(const uint16_t *tab, const struct model *md, const char *id)
{
	for (unsigned h = mhash(id); tab[h]; h = (h + 1) % MH)
		if (strcmp(md->a[tab[h] - 1].id, id) == 0)
			return tab[h] - 1;
	return -1;
}

static void
hadd(uint16_t *tab, const char *id, int slot)
{
	unsigned h = mhash(id);

	while (tab[h])
		h = (h + 1) % MH;
	tab[h] = (uint16_t)(slot + 1);
}

static int
model_find(const struct model *md, const char *id)
{
	return hfind(md == &m ? mh : oh, md, id);
}

/* Apply a list to the model: ids that stay keep their state, new ones start from nothing. */
static void
model_list(const char *text)
{
	const char *p = text;
	int ids = 0;
	bool too_long = false;

	old.n = m.n;
	memcpy(old.a, m.a, (size_t)m.n * sizeof(m.a[0]));
	memcpy(oh, mh, sizeof(mh));
	memset(mh, 0, sizeof(mh));
	m.n = 0;
	while (*p) {
		size_t k = strcspn(p, ",");
		char id[64];
		if (k > 0 && k < sizeof(id)) {
			memcpy(id, p, k);
			id[k] = '\0';
			if (k >= IB_ACCOUNT_ID_LEN) {
				too_long = true;
			} else if (model_find(&m, id) < 0) {
				ids++;
				if (m.n < MODEL_MAX) {
					int o = model_find(&old, id);
					struct macct *a = &m.a[m.n++];
					if (o >= 0)
						*a = old.a[o];
					else
						memset(a, 0, sizeof(*a)), memcpy(a->id, id, k + 1);
					hadd(mh, id, m.n - 1);
				}
			}
		} else if (k >= sizeof(id)) {
			too_long = true;
		}
		p += k;
		if (*p == ',')
			p++;
	}
	m.have_list = true;
	m.list_ok = !too_long && ids >= 1 && ids <= IB_MAX_ACCOUNTS;
}

/* The model's verdict, applying the quiet period the way the rule does: in list order, up to the first
   account still waiting. */
static bool
model_complete(int64_t now, bool need_end)
{
	if (!m.have_list || !m.list_ok || !m.have_next)
		return false;
	for (int i = 0; i < m.n; i++) {
		struct macct *a = &m.a[i];
		if (a->done)
			continue;
		if (!need_end && a->first != 0 && now - a->last >= (int64_t)QUIET_MS * 1000000) {
			a->done = true;
			continue;
		}
		return false;
	}
	return m.pos_end && (!m.reconcile || (m.oo_end && m.ex_end));
}

static void
fail(const char *why, int step)
{
	fprintf(stderr, "fuzz_sync: step %d: %s\n", step, why);
	abort();
}

/* A list text from the input: up to 31 picks of names (duplicates and empties allowed), or a huge one. */
static size_t
build_list(const uint8_t *d, size_t left)
{
	size_t used = 1, len = 0;
	unsigned k = left ? d[0] : 0;

	list[0] = '\0';
	if (k == 0xff || k == 0xfe) {
		/* 0xff: one more than the limit; 0xfe: exactly the limit */
		int count = k == 0xff ? IB_MAX_ACCOUNTS + 1 : IB_MAX_ACCOUNTS;
		for (int i = 0; i < count; i++)
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%sU%d", i ? "," : "", i);
		return used;
	}
	k %= 32;
	for (unsigned i = 0; i < k && used < left; i++, used++) {
		uint8_t b = d[used];
		const char *nm = b & 0x80 ? "" : names[b % NAMES]; /* empty entries: ",," */
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", nm);
	}
	return used;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t now = 1000000000LL;
	bool need_end = size && (data[0] & 1);
	int step = 0;

	if (size == 0)
		return 0;
	ib_sync_init(&s, need_end, QUIET_MS);
	ib_sync_reset(&s, now, false);
	memset(&m, 0, sizeof(m));
	memset(mh, 0, sizeof(mh));
	for (size_t off = 1; off < size; step++) {
		uint8_t op = data[off++] % 11, arg = off < size ? data[off] : 0;
		const char *nm = names[arg % NAMES];
		switch (op) {
		case 0:
			off += build_list(data + off, size - off);
			ib_sync_accounts(&s, list);
			model_list(list);
			break;
		case 1:
			off++;
			ib_sync_next_id(&s, arg);
			m.have_next = true;
			break;
		case 2: {
			off++;
			int i = model_find(&m, nm);
			ib_sync_value(&s, nm, now);
			if (i >= 0 && m.have_list) {
				if (m.a[i].first == 0)
					m.a[i].first = now;
				m.a[i].last = now;
			}
			break;
		}
		case 3: {
			off++;
			int i = model_find(&m, nm);
			ib_sync_download_end(&s, nm);
			if (i >= 0 && m.have_list)
				m.a[i].done = true;
			break;
		}
		case 4: ib_sync_position_end(&s), m.pos_end = true; break;
		case 5: ib_sync_open_orders_end(&s), m.oo_end = true; break;
		case 6: ib_sync_executions_end(&s), m.ex_end = true; break;
		case 7: off++, now += (int64_t)arg * 100000000LL; break; /* up to 25.5 s */
		case 8:
			off++;
			ib_sync_reset(&s, now, arg & 1);
			memset(&m, 0, sizeof(m));
			memset(mh, 0, sizeof(mh));
			m.reconcile = arg & 1;
			break;
		case 9:
			ib_sync_restart(&s, now);
			for (int i = 0; i < m.n; i++)
				m.a[i].done = false, m.a[i].first = m.a[i].last = 0;
			m.pos_end = m.oo_end = m.ex_end = false;
			m.reconcile = true;
			break;
		default: { /* a value for an unlisted name: must change nothing */
			char odd[32];
			snprintf(odd, sizeof(odd), "NOT%u", arg);
			off++;
			if (ib_sync_value(&s, odd, now) >= 0 || ib_sync_download_end(&s, odd) >= 0)
				fail("an unlisted account was found", step);
		}
		}
		bool model = model_complete(now, need_end);
		bool got = ib_sync_complete(&s, now);
		if (got && !model)
			fail("complete while the model says something is missing", step);
		if (model && !got)
			fail("not complete although everything is in", step);
		/* the invariant stated directly on the state, whatever the model says */
		if (got) {
			if (m.n == 0 || !m.list_ok)
				fail("complete on an empty or refused list", step);
			for (int i = 0; i < s.naccounts; i++)
				if (!s.acct[i].download_end)
					fail("complete with a listed account incomplete", step);
		}
		size_t n = ib_sync_json(&s, now, json, sizeof(json));
		if (n != strlen(json) || !json_valid(json, n))
			fail("ib_sync_json is not valid JSON", step);
		if (strncmp(json, "{\"error\"", 8) == 0)
			fail("ib_sync_json did not fit IB_SYNC_JSON_MAX", step);
		if (!got && strstr(json, "\"missing\":[]") != NULL)
			fail("not complete, yet nothing is named missing", step);
	}
	return 0;
}
