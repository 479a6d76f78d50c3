/*
 * sim_blast.c - load generation: N tickPrice messages to one client, as
 * fast as its socket takes them (--blast N), or paced (--blast-rate R).
 *
 * The frames are encoded once, when the blast starts, into a template that
 * cycles over the client's subscriptions (bid, ask, last for each); the
 * template is then written straight to the socket in batches of up to
 * BATCH_BYTES, wrapping around until N frames have gone.  Nothing is
 * allocated or encoded per message.
 *
 * --stamp: every frame's size field is an IB_STAMP_DIGITS-digit decimal
 * integer.  Just before a batch is first handed to send(), the stamp of
 * the current CLOCK_MONOTONIC time (ib_stamp_encode, ibpipe/stamp.h: a
 * value in a reserved range, recognisable whatever the uptime) is written
 * into the size field of every frame of that batch, in place.  A batch is written to the end
 * before the template is touched again, so a stamp never changes under a
 * frame that is half sent.
 *
 * The writer is shared with depth blasts (sim_depth_blast.c), whose
 * template units are book operations of one or more frames: batches are cut
 * at unit boundaries, and msgs_out counts a unit's frames (msg_end) once its
 * last byte is written.  One blast at a
 * time per client; a depth blast pending behind a tickPrice blast waits.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ibpipe/log.h"
#include "ibpipe/stamp.h"
#include "sim/sim.h"
#include "util/clock.h"

#define BATCH_BYTES (128u << 10)
#define MIN_TEMPLATE_FRAMES 4096    /* enough for full batches with one subscription */
#define MAX_FRAME_BYTES 80          /* a tickPrice with a 15-digit stamp as its size is under 60 */
#define BLOCKED_RETRY_NS 10000000LL /* a depth blast waiting for another one's books looks again */
/* Each round of the template moves every price a cent, over PRICE_STEPS cents, and the template
   is whole cycles: a frame always differs from the one before it on the same line, even in one
   batch under one stamp and across the template's wrap (src/strategies/bench.c tells frames apart
   by that). */
#define PRICE_STEPS 5

void
sim_blast_free(struct sim_client *c)
{
	if (!c->blast)
		return;
	free(c->blast->buf);
	free(c->blast->frame_end);
	free(c->blast->stamp_off);
	free(c->blast->msg_end);
	free(c->blast->depth_end);
	free(c->blast->ops);
	free(c->blast);
	c->blast = NULL;
}

void
sim_blast_arm(struct sim *s, struct sim_client *c, int64_t frames)
{
	(void)s;
	if (c->blast) {
		c->blast->total += frames; /* running: just send more */
		return;
	}
	c->blast_pending += frames;
	c->blast_arm_ns = ib_now_mono_ns();
}

/* Encode the template over the client's current subscriptions. */
static struct sim_blast *
build(struct sim *s, struct sim_client *c, int64_t total)
{
	struct sim_blast *b = calloc(1, sizeof(*b));
	int nsub = 0, per_round, rounds, n;
	int32_t *req = NULL, *instr = NULL;
	sim_out o;

	if (!b)
		return NULL;
	req = malloc(sizeof(*req) * (size_t)c->nsubs);
	instr = malloc(sizeof(*instr) * (size_t)c->nsubs);
	if (!req || !instr)
		goto fail;
	for (int i = 0; i < s->nsubs && nsub < c->nsubs; i++)
		if (s->subs[i].slot == c->slot) {
			req[nsub] = s->subs[i].req_id;
			instr[nsub++] = s->subs[i].instr;
		}
	if (nsub == 0)
		goto fail;
	per_round = 3 * nsub;
	rounds = (MIN_TEMPLATE_FRAMES + per_round - 1) / per_round;
	rounds += (PRICE_STEPS - rounds % PRICE_STEPS) % PRICE_STEPS; /* whole cycles: the wrap moves prices too */
	n = per_round * rounds;
	b->buf = malloc((size_t)n * MAX_FRAME_BYTES);
	b->frame_end = malloc(sizeof(*b->frame_end) * (size_t)n);
	b->stamp_off = malloc(sizeof(*b->stamp_off) * (size_t)n);
	if (!b->buf || !b->frame_end || !b->stamp_off)
		goto fail;
	sim_out_init(&o, b->buf, (size_t)n * MAX_FRAME_BYTES, c->out.sv);
	for (int i = 0; i < n; i++) {
		int round = i / per_round, k = i % per_round, sub = k % nsub, type = k / nsub;
		const struct sim_instr *in = &s->instr[instr[sub]];
		/* each round moves the prices a cent, so consumers see changes, not repeats */
		double off = 0.01 * (round % PRICE_STEPS), px = type == 0 ? in->bid + off : type == 1 ? in->ask + off : in->last + off;
		/* whole cents, as a gateway sends them: 440.96 + 0.01 is 440.9699999999999 in binary,
		   and 16 digits would send every fourth frame down the decoder's strtod path */
		px = nearbyint(px * 100) / 100;
		int32_t tt = type == 0 ? IB_TICK_BID : type == 1 ? IB_TICK_ASK : IB_TICK_LAST;
		size_t so = 0;
		int rc = s->o.stamp ? sim_enc_tick_price_fixed(&o, req[sub], tt, px, 0, IB_STAMP_DIGITS, &so)
				    : sim_enc_tick_price(&o, req[sub], tt, px, 100 * (1 + (i % 7)), type < 2);
		if (rc != IB_OK)
			goto fail;
		b->frame_end[i] = (uint32_t)o.len;
		b->stamp_off[i] = (uint32_t)so;
	}
	b->len = o.len;
	b->nframes = n;
	b->total = total;
	free(req);
	free(instr);
	return b;
fail:
	free(req);
	free(instr);
	if (b) {
		free(b->buf);
		free(b->frame_end);
		free(b->stamp_off);
		free(b);
	}
	return NULL;
}

static void
started(const struct sim *s, struct sim_blast *b, int64_t now)
{
	b->start_ns = b->next_ns = now;
	b->rate = s->o.blast_rate;
	b->wakeups0 = s->wakeups;
	b->timer_wakeups0 = s->timer_wakeups;
}

static void
start_depth(struct sim *s, struct sim_client *c, int64_t now)
{
	bool blocked;

	c->blast = sim_depth_blast_build(s, c, c->depth_blast_pending, &blocked);
	if (!c->blast) {
		if (blocked) {
			c->depth_blast_arm_ns = now + BLOCKED_RETRY_NS;
			return;
		}
		c->depth_blast_pending = 0;
		return;
	}
	c->depth_blast_pending = 0;
	c->depth_blast_done = true;
	started(s, c->blast, now);
}

void
sim_blast_poll(struct sim *s, struct sim_client *c, int64_t now)
{
	if (c->blast)
		return;
	if (c->depth_blast_pending > 0 && now >= c->depth_blast_arm_ns && c->ndepth > 0 &&
	    !(c->blast_pending > 0 && c->nsubs > 0 && now >= c->blast_arm_ns)) {
		start_depth(s, c, now);
		return;
	}
	if (c->blast_pending <= 0 || now < c->blast_arm_ns || c->nsubs == 0)
		return;
	c->blast = build(s, c, c->blast_pending);
	c->blast_pending = 0;
	c->blast_done = true;
	if (!c->blast) {
		ib_log(IB_LL_ERROR, "ibsim", "client %d: blast: out of memory", c->client_id);
		return;
	}
	started(s, c->blast, now);
	ib_log(IB_LL_INFO, "ibsim", "client %d: blasting %lld msgs over %d subscriptions%s", c->client_id,
	       (long long)c->blast->total, c->nsubs, s->o.stamp ? ", stamped" : "");
}

int64_t
sim_blast_next_deadline(const struct sim_client *c)
{
	if (c->state != SIM_CS_READY)
		return INT64_MAX;
	if (!c->blast) {
		int64_t t = c->blast_pending > 0 && c->nsubs > 0 ? c->blast_arm_ns : INT64_MAX;
		if (c->depth_blast_pending > 0 && c->ndepth > 0 && c->depth_blast_arm_ns < t)
			t = c->depth_blast_arm_ns;
		return t;
	}
	/* unpaced blasts and blocked sockets are driven by EPOLLOUT; paced ones by the clock */
	if (c->blast->rate <= 0 || c->epollout || c->blast->batch_off < c->blast->batch_end)
		return INT64_MAX;
	return c->blast->next_ns;
}

const char *
sim_blast_loop_summary(const struct sim *s, const struct sim_blast *b, char *buf, size_t cap)
{
	snprintf(buf, cap, "loop woken %llu times, %llu by the timer; socket full %llu times, EPOLLOUT %llu times",
		 (unsigned long long)(s->wakeups - b->wakeups0),
		 (unsigned long long)(s->timer_wakeups - b->timer_wakeups0), (unsigned long long)b->full,
		 (unsigned long long)b->epollout);
	return buf;
}

static void
finish(struct sim *s, struct sim_client *c)
{
	struct sim_blast *b = c->blast;
	double secs = ib_ns_to_s(ib_now_mono_ns() - b->start_ns);
	char loop[160];

	if (b->kind == SIM_BLAST_DEPTH) {
		sim_depth_blast_finish(s, c, secs);
	} else {
		printf("ibsim: blast %lld msgs in %.3f s = %.0f msgs/s (client %d); %s\n", (long long)b->queued, secs,
		       secs > 0 ? (double)b->queued / secs : 0.0, c->client_id,
		       sim_blast_loop_summary(s, b, loop, sizeof(loop)));
		fflush(stdout);
	}
	sim_blast_free(c);
}

/* Pick the next batch: frames from b->pos, at most BATCH_BYTES, at most what is due. */
static bool
next_batch(struct sim *s, struct sim_client *c, int64_t now)
{
	struct sim_blast *b = c->blast;
	int64_t left = b->total - b->queued, due = left;
	size_t start = b->pos ? b->frame_end[b->pos - 1] : 0;
	int k = 0;

	if (b->rate > 0) {
		due = (int64_t)((double)(now - b->start_ns) * b->rate / IB_NS_PER_S) + 1 - b->queued;
		if (due <= 0)
			return false;
		if (due > left)
			due = left;
	}
	while (k < due && b->pos + k < b->nframes && b->frame_end[b->pos + k] - start <= BATCH_BYTES)
		k++;
	if (k == 0)
		k = 1;
	if (s->o.stamp && b->stamp_off) {
		char st[IB_STAMP_DIGITS + 2];
		snprintf(st, sizeof(st), "%0*lld", IB_STAMP_DIGITS, (long long)ib_stamp_encode(ib_now_mono_ns()));
		for (int i = 0; i < k; i++)
			memcpy(b->buf + b->stamp_off[b->pos + i], st, IB_STAMP_DIGITS);
	}
	b->batch_off = start;
	b->batch_end = b->frame_end[b->pos + k - 1];
	b->batch_unit = b->pos;
	b->batch_units_end = b->pos + k;
	b->pos = (b->pos + k) % b->nframes;
	b->queued += k;
	if (b->rate > 0)
		b->next_ns = b->start_ns + (int64_t)((double)b->queued * IB_NS_PER_S / b->rate);
	return true;
}

void
sim_blast_count_written(struct sim_client *c)
{
	struct sim_blast *b = c->blast;

	for (; b->batch_unit < b->batch_units_end && b->frame_end[b->batch_unit] <= b->batch_off; b->batch_unit++) {
		int u = b->batch_unit;
		c->n.msgs_out += b->msg_end ? b->msg_end[u] - (u ? b->msg_end[u - 1] : 0) : 1;
	}
}

int
sim_blast_write(struct sim *s, struct sim_client *c)
{
	struct sim_blast *b = c->blast;
	bool progress = false;

	for (;;) {
		if (b->batch_off == b->batch_end) {
			if (b->queued == b->total) {
				finish(s, c);
				return progress ? 1 : 2;
			}
			/* buffered frames (order replies, notices) go between batches */
			if (c->out_off < c->out.len)
				return progress ? 1 : 2;
			/* stamped here, right before its first send() */
			if (!next_batch(s, c, ib_now_mono_ns()))
				return progress ? 1 : 2;
		}
		ssize_t w = send(c->fd, b->buf + b->batch_off, b->batch_end - b->batch_off, MSG_NOSIGNAL);
		if (w > 0) {
			b->batch_off += (size_t)w;
			progress = true;
			sim_blast_count_written(c);
			if (b->batch_off == b->batch_end)
				b->batch_off = b->batch_end = 0;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		return w < 0 && errno == EAGAIN ? 0 : -1;
	}
}
