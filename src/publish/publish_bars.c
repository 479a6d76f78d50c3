/*
 * publish_bars.c - the publisher's FIFO of bars on their way to
 * P:bars:<name> (publish_bars.h says what it guarantees).  Publisher
 * thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/log.h"
#include "publish/publish_bars.h"
#include "util/bits.h"

_Static_assert(IB_IS_POW2(PB_CAP), "PB_CAP is a power of two");

int
pb_init(pb_fifo *f)
{
	memset(f, 0, sizeof(*f));
	f->e = calloc(PB_CAP, sizeof(*f->e));
	return f->e ? 0 : -1;
}

void
pb_free(pb_fifo *f)
{
	free(f->e);
	f->e = NULL;
}

void
pb_push(pb_fifo *f, const pb_bar *b)
{
	if (f->tail - f->ack == PB_CAP) {
		if (f->dropped++ == 0 || f->dropped % PB_CAP == 0)
			ib_log(IB_LL_ERROR, "redis", "bars: %d wait for Redis; the oldest are dropped (%llu so far)", PB_CAP,
			       (unsigned long long)f->dropped);
		f->ack++;
		if (f->sent < f->ack)
			f->sent = f->ack;
	}
	f->e[f->tail++ % PB_CAP] = *b;
}

void
pb_unsend(pb_fifo *f)
{
	f->sent = f->ack;
}

void
pb_reply(pb_fifo *f, uint64_t pos, bool ok, const char *err)
{
	if (pos < f->ack)
		return; /* dropped for room while in flight */
	if (ok) {
		f->written++;
	} else if (err && strstr(err, "equal or smaller")) {
		f->again++; /* written before, its reply lost with a connection */
	} else {
		f->refused++;
		ib_log(IB_LL_WARN, "redis", "bar for %s refused: %s", f->e[pos % PB_CAP].name, err ? err : "?");
	}
	f->ack = pos + 1;
}

size_t
pb_id(const pb_bar *b, char *out)
{
	int n = snprintf(out, 48, "%lld-%u", (long long)b->b.time * 1000, b->b.update);
	return n > 0 ? (size_t)n : 0;
}
