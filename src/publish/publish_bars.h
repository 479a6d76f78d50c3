/*
 * publish_bars.h - internal to the Redis publisher: the bars waiting for
 * Redis, in the order the account thread posted them.
 *
 * Each bar goes to P:bars:<name> with an explicit id, <bar start ms>-<update>,
 * which only grows per series (core/bars.c sees to it).  That makes writing
 * it again harmless: Redis refuses an id it already passed ("equal or
 * smaller"), and that refusal is taken as "already there".  So a bar whose
 * reply was lost with a connection is re-sent on the next one and lands
 * once.  What is guaranteed: every bar posted while the FIFO has room
 * (PB_CAP bars: an outage of PB_CAP bars' worth) is in Redis exactly once,
 * in order, as long as Redis keeps its data; bars beyond that are dropped
 * oldest first and counted (`bars_dropped`), and a Redis that restarted
 * empty does not get the bars acknowledged before (unlike P:stream:orders,
 * whose history is re-added: bars are market data, the gateway has them).
 * Publisher thread only; the FIFO is allocated once.
 */
#ifndef IBPIPE_PUBLISH_BARS_H
#define IBPIPE_PUBLISH_BARS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pub_event.h"

#define PB_CAP 65536            /* bars kept until Redis acknowledges them (zero pages until used); power of two */

typedef __typeof__(((ib_pub_event *)0)->u.bar) pb_bar;

/* Positions only grow (slot = pos % PB_CAP): [ack, sent) in flight, [sent, tail) waiting. */
typedef struct pb_fifo {
	pb_bar *e;
	uint64_t ack, sent, tail;
	uint64_t written, again, refused, dropped; /* acknowledged; "already there"; other refusals; no room */
} pb_fifo;

int pb_init(pb_fifo *f);
void pb_free(pb_fifo *f);
/* A bar posted; when full the oldest waiting one is dropped (counted, logged once per outage). */
void pb_push(pb_fifo *f, const pb_bar *b);
/* The connection is gone: what was sent and not acknowledged goes again. */
void pb_unsend(pb_fifo *f);
/* The reply for the bar at pos (sent in a batch, in order): ok, or Redis' error text. */
void pb_reply(pb_fifo *f, uint64_t pos, bool ok, const char *err);
/* The stream id of a bar, "<ms>-<update>", into out (>= 48 bytes); its length. */
size_t pb_id(const pb_bar *b, char *out);

#endif
