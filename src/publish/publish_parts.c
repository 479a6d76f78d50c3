/*
 * publish_parts.c - values larger than one publisher ring slot (the account
 * list, the sync detail) posted as parts; the publisher applies each whole
 * at its last part (publish.h).  Called by the account thread only, so the
 * parts of one value are never interleaved with another's.
 */
#include <string.h>

#include "publish/publish.h"

bool
ib_pub_post_sync(ib_pub *p, int32_t state, const char *detail, size_t len)
{
	ib_pub_event ev = { .kind = IB_PUB_SYNC };
	size_t off = 0;

	ev.u.sync.state = state;
	do {
		size_t n = len - off < sizeof(ev.u.sync.detail) - 1 ? len - off : sizeof(ev.u.sync.detail) - 1;
		memcpy(ev.u.sync.detail, detail + off, n);
		ev.u.sync.detail[n] = '\0';
		off += n;
		ev.u.sync.more = off < len;
		if (!ib_pub_post(p, &ev))
			return false;
		ev.u.sync.part++;
	} while (off < len);
	return true;
}

bool
ib_pub_post_accounts(ib_pub *p, const char *ids, size_t stride, int n)
{
	ib_pub_event ev = { .kind = IB_PUB_ACCOUNTS };
	int k = 0;

	do {
		int m = n - k < IB_PUB_MAX_ACCOUNTS ? n - k : IB_PUB_MAX_ACCOUNTS;
		memset(ev.u.accounts.ids, 0, sizeof(ev.u.accounts.ids));
		for (int i = 0; i < m; i++)
			strncpy(ev.u.accounts.ids[i], ids + (size_t)(k + i) * stride, sizeof(ev.u.accounts.ids[0]) - 1);
		ev.u.accounts.n = m;
		k += m;
		ev.u.accounts.more = k < n;
		if (!ib_pub_post(p, &ev))
			return false;
		ev.u.accounts.part++;
	} while (k < n);
	return true;
}

/* ---- the publisher as the pipeline's sink (core/pub_event.h) ---- */

static bool
sink_post(void *arg, const ib_pub_event *ev)
{
	return ib_pub_post(arg, ev);
}

static bool
sink_post_sync(void *arg, int32_t state, const char *detail, size_t len)
{
	return ib_pub_post_sync(arg, state, detail, len);
}

static bool
sink_post_accounts(void *arg, const char *ids, size_t stride, int n)
{
	return ib_pub_post_accounts(arg, ids, stride, n);
}

void
ib_pub_as_sink(ib_pub *p, ib_pub_sink *out)
{
	out->arg = p;
	out->post = sink_post;
	out->post_sync = sink_post_sync;
	out->post_accounts = sink_post_accounts;
}
