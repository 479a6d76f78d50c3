/*
 * ring.h - typed lock-free rings: Concurrency Kit's ck_ring, by value.
 *
 * IB_RING_DEFINE(name, struct type) declares, on top of CK_RING_PROTOTYPE:
 *   ib_ring_push_spsc_<name>(ring, buf, &v)   single producer
 *   ib_ring_push_mpsc_<name>(ring, buf, &v)   any number of producers
 *   ib_ring_pop_<name>(ring, buf, &out)       the single consumer
 *   ib_ring_peek_<name>(ring, buf, k)          ... or its k-th unread slot in place,
 *   ib_ring_release_<name>(ring, n)            and n of them given back at once
 *   ib_ring_consumed_<name>(ring, &held)       (one more read in place: released by
 *                                              IB_RING_RELEASE_EVERY)
 *   ib_ring_push_wait_spsc_<name>(ring, buf, &v, &waiter), and _mpsc_:
 *       push, and back off while the ring is full (ib_ring_waiter below)
 * Slots are copied by value (no pointers, no allocation).  A ring of N slots
 * holds N-1 items (ck_ring's full test), N a power of two.
 *
 * ck_pr's x86 loads and stores are inline assembly that ThreadSanitizer
 * cannot see, so under TSan the ring would look like unsynchronised slot
 * copies.  The annotations below tell TSan what the fences already
 * guarantee: a producer's slot write happens before the consumer's read
 * (release on p_tail), and the consumer's read happens before the slot is
 * reused (release on c_head).  They compile to nothing otherwise.  Each
 * release sits before the store that publishes, each acquire after the load
 * that observed it -- otherwise TSan could miss the edge and report a race
 * that is not there.  That is why the consumer's side is written out here
 * (ck_ring's own dequeue copies the slot and stores c_head in one call,
 * leaving no place for the release between them): peek and release are
 * ck_ring's single-consumer dequeue cut in two, and pop is the two of them.
 *
 * A consumer that reads in place gives its slots back IB_RING_RELEASE_EVERY
 * at a time: c_head is a line the producer reads on every push, and a store
 * to it per event moved that line between cores once a message when the
 * two threads run on different CPUs.  64 is far below every ring's size, so
 * a producer waiting for room is not kept waiting by it in practice.
 */
#ifndef IBPIPE_RING_H
#define IBPIPE_RING_H

#include <assert.h>
#include <ck_ring.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/wake.h"
#include "util/clock.h"
#include "util/bits.h"

#if defined(__SANITIZE_THREAD__)
#define IB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define IB_TSAN 1
#endif
#endif

#ifdef IB_TSAN
#include <sanitizer/tsan_interface.h>
#define IB_TSAN_RELEASE(a) __tsan_release((void *)(a))
#define IB_TSAN_ACQUIRE(a) __tsan_acquire((void *)(a))
#else
#define IB_TSAN_RELEASE(a) ((void)(a))
#define IB_TSAN_ACQUIRE(a) ((void)(a))
#endif

/*
 * What a producer does while a ring is full (the consumer is behind): wake
 * the consumer so it drains, give up if the producer must stop, spin a
 * little (the consumer is usually a few hundred ns from making room), then
 * nap.  One policy for every ring, so no site invents its own nap.
 */
#define IB_RING_SPINS 64
#define IB_RING_NAP_NS (20 * IB_NS_PER_US)

typedef struct ib_ring_waiter {
	ib_wake *wake;                     /* the consumer's, signalled before each wait (NULL: it polls) */
	bool (*stopped)(const void *arg);  /* true: give up, the item is not pushed (NULL: never give up) */
	const void *arg;                   /* for stopped */
	unsigned waits;                    /* out: how many times the ring was found full */
} ib_ring_waiter;

/*
 * One wait on a full ring (or on any other thread catching up): false if
 * the waiter must stop now, else true after a spin or a nap.
 */
bool ib_ring_backoff(ib_ring_waiter *w);

/*
 * ck_ring_enqueue_commit_mpsc, but yielding.  A multi-producer commit waits
 * for every earlier ticket to be committed first.  ck_ring's spins for
 * ever, so a producer preempted between its reserve and its commit held
 * every other producer spinning for whole scheduler slices -- with more
 * producers than CPUs, a convoy that brought a three-producer test down to
 * a few items a millisecond here.  After ~1.5 us of spinning (64 pauses),
 * the CPU goes to whoever holds the earlier ticket.
 */
static inline void
ib_ring_commit_mpsc(struct ck_ring *r, unsigned int ticket)
{
	for (unsigned spins = 0; ck_pr_load_uint(&r->p_tail) != ticket; spins++) {
		if (spins < 64)
			ck_pr_stall();
		else
			sched_yield();
	}
	ck_pr_fence_store();
	ck_pr_store_uint(&r->p_tail, ticket + 1);
}

#define IB_RING_RELEASE_EVERY 64

#define IB_RING_PUSH_WAIT(name, type, mode)                                                \
	static inline bool ib_ring_push_wait_##mode##_##name(struct ck_ring *r, struct type *buf, \
							     const struct type *v,         \
							     ib_ring_waiter *w)            \
	{                                                                                  \
		while (!ib_ring_push_##mode##_##name(r, buf, v))                           \
			if (!ib_ring_backoff(w))                                           \
				return false;                                              \
		return true;                                                               \
	}

#define IB_RING_DEFINE(name, type)                                                         \
	CK_RING_PROTOTYPE(name, type)                                                      \
	static inline bool ib_ring_push_spsc_##name(struct ck_ring *r, struct type *buf,   \
						    const struct type *v)                  \
	{                                                                                  \
		struct type *slot;                                                         \
		slot = ck_ring_enqueue_reserve_spsc_##name(r, buf);                        \
		if (slot == NULL)                                                          \
			return false;                                                      \
		IB_TSAN_ACQUIRE(&r->c_head);                                               \
		*slot = *v;                                                                \
		IB_TSAN_RELEASE(&r->p_tail);                                               \
		ck_ring_enqueue_commit_spsc(r);                                            \
		return true;                                                               \
	}                                                                                  \
	static inline bool ib_ring_push_mpsc_##name(struct ck_ring *r, struct type *buf,   \
						    const struct type *v)                  \
	{                                                                                  \
		struct type *slot;                                                         \
		unsigned int ticket;                                                       \
		slot = ck_ring_enqueue_reserve_mpsc_##name(r, buf, &ticket);               \
		if (slot == NULL)                                                          \
			return false;                                                      \
		IB_TSAN_ACQUIRE(&r->c_head);                                               \
		*slot = *v;                                                                \
		IB_TSAN_RELEASE(&r->p_tail);                                               \
		ib_ring_commit_mpsc(r, ticket);                                            \
		return true;                                                               \
	}                                                                                  \
	static inline const struct type *ib_ring_peek_##name(struct ck_ring *r,            \
							     const struct type *buf,       \
							     unsigned int k)               \
	{                                                                                  \
		unsigned int consumer = ck_pr_load_uint(&r->c_head);                       \
		if (ck_pr_load_uint(&r->p_tail) - consumer <= k)                           \
			return NULL;                                                       \
		ck_pr_fence_load();        /* the slot is read after p_tail showed it */  \
		IB_TSAN_ACQUIRE(&r->p_tail);                                               \
		return &buf[(consumer + k) & r->mask];                                     \
	}                                                                                  \
	static inline void ib_ring_release_##name(struct ck_ring *r, unsigned int n)       \
	{                                                                                  \
		if (n == 0)                                                                \
			return;                                                            \
		IB_TSAN_RELEASE(&r->c_head);                                               \
		ck_pr_fence_release();     /* the slots were read before they are reused */ \
		ck_pr_store_uint(&r->c_head, ck_pr_load_uint(&r->c_head) + n);             \
	}                                                                                  \
	/* One more slot read in place (*held of them so far): give back every           \
	   IB_RING_RELEASE_EVERY at once; the caller releases what is left when done */   \
	static inline void ib_ring_consumed_##name(struct ck_ring *r, unsigned int *held)  \
	{                                                                                  \
		if (++*held == IB_RING_RELEASE_EVERY) {                                    \
			ib_ring_release_##name(r, *held);                                  \
			*held = 0;                                                         \
		}                                                                          \
	}                                                                                  \
	static inline bool ib_ring_pop_##name(struct ck_ring *r, struct type *buf,         \
					      struct type *out)                            \
	{                                                                                  \
		const struct type *slot = ib_ring_peek_##name(r, buf, 0);                  \
		if (slot == NULL)                                                          \
			return false;                                                      \
		*out = *slot;                                                              \
		ib_ring_release_##name(r, 1);                                              \
		return true;                                                               \
	}                                                                                  \
	IB_RING_PUSH_WAIT(name, type, spsc)                                                \
	IB_RING_PUSH_WAIT(name, type, mpsc)

/*
 * The slots of a ring, every page written once now: calloc'd memory is only
 * mapped when first touched, so a ring would otherwise fault a page in on
 * the hot path each time its head reaches new memory, and the process's RSS
 * would creep up (by a ring's size at most) for as long as that takes --
 * looking like a leak in a soak.  NULL when out of memory.
 */
static inline void *
ib_ring_alloc(struct ck_ring *r, unsigned size, size_t slot)
{
	assert(IB_IS_POW2(size)); /* ck_ring masks its index */
	char *buf = calloc(size, slot);

	if (buf == NULL)
		return NULL;
	for (size_t off = 0; off < (size_t)size * slot; off += 4096)
		((volatile char *)buf)[off] = 0;
	ck_ring_init(r, size);
	return buf;
}

#endif
