/*
 * wake.c - the futex operations ck_ec needs, and the wait strategies
 * (block, spin, hybrid) on top of them.  Runs on whichever thread waits.
 */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ck_pr.h>

#include "core/wake.h"
#include "util/clock.h"

static int
wake_gettime(const struct ck_ec_ops *ops, struct timespec *out)
{
	(void)ops;
	return clock_gettime(CLOCK_MONOTONIC, out);
}

static void
wake_wait32(const struct ck_ec_wait_state *st, const uint32_t *addr, uint32_t expected,
	    const struct timespec *deadline)
{
	struct timespec now, rel, *relp = NULL;

	(void)st;
	if (deadline != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		rel.tv_sec = deadline->tv_sec - now.tv_sec;
		rel.tv_nsec = deadline->tv_nsec - now.tv_nsec;
		if (rel.tv_nsec < 0) {
			rel.tv_sec--;
			rel.tv_nsec += IB_NS_PER_S;
		}
		if (rel.tv_sec < 0)
			return;
		relp = &rel;
	}
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, expected, relp, NULL, 0);
}

static void
wake_wake32(const struct ck_ec_ops *ops, const uint32_t *addr)
{
	(void)ops;
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

/*
 * block parks at once.  ck_ec spins busy_loop_iter polls twice before its
 * futex (once before flagging the count, once after), each poll an x86
 * `pause`, and a pause is ~24 ns on this project's AMD EPYC (Zen 5): 200
 * polls were ~10 us of CPU on every park, and on a shared core ~10 us
 * before the thread just woken could run.  Spinning is what `hybrid` is
 * for, bounded in time rather than in pauses.  (0 means ck_ec's default of
 * 100, so 1 is the least.)
 *
 * initial_wait_ns: ck_ec sleeps in steps of 2 ms, 16 ms, 128 ms, ...
 * (a guard against the wake-up a single-producer count can lose), each
 * step a timer and a wake-up of an idle thread.  This mode is
 * multi-producer: the producer's fetch-and-add sees the sleeper's flag, so
 * no wake-up is lost, and one sleep lasts to the caller's deadline
 * (until_deadline clamps the step to it).
 */
static const struct ck_ec_ops wake_ops = {
	.gettime = wake_gettime,
	.wait32 = wake_wait32,
	.wake32 = wake_wake32,
	.busy_loop_iter = 1,
	.initial_wait_ns = 1000000000u,
};

const struct ck_ec_mode ib_wake_mode = { .ops = &wake_ops, .single_producer = false };

/* ck_ec's predicate: no step of its back-off sleeps past the caller's deadline (st->data). */
static int
until_deadline(const struct ck_ec_wait_state *st, struct timespec *step)
{
	const struct timespec *d = st->data;

	if (step->tv_sec > d->tv_sec || (step->tv_sec == d->tv_sec && step->tv_nsec > d->tv_nsec))
		*step = *d;
	return 0;
}

void
ib_wake_wait(ib_wake *w, uint32_t snap, int timeout_ms)
{
	struct timespec deadline;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * IB_NS_PER_MS;
	if (deadline.tv_nsec >= IB_NS_PER_S) {
		deadline.tv_sec++;
		deadline.tv_nsec -= IB_NS_PER_S;
	}
	ck_ec32_wait_pred(&w->ec, &ib_wake_mode, snap, until_deadline, &deadline, &deadline);
}

/* Polls between two looks at the clock and the stop flag: a vDSO clock read is ~20 ns, a poll ~1. */
#define SPIN_CHECK_EVERY 64

/* Spin until the count moves past snap (true), or *stop is set or until_ns passes (false). */
static bool
spin_until(const ib_wake *w, uint32_t snap, const int *stop, int64_t until_ns)
{
	for (unsigned i = 1;; i++) {
		if (ib_wake_snapshot(w) != snap)
			return true;
		if (i % SPIN_CHECK_EVERY == 0 &&
		    ((stop != NULL && ck_pr_load_int(stop)) || ib_now_mono_ns() >= until_ns))
			return false;
		ck_pr_stall(); /* x86 pause: yields the core's pipeline to its sibling hyperthread */
	}
}

void
ib_wake_wait_as(ib_wake *w, uint32_t snap, int timeout_ms, const ib_wait_policy *pol)
{
	if (pol == NULL || pol->mode == IB_WAIT_BLOCK) {
		ib_wake_wait(w, snap, timeout_ms);
		return;
	}
	int64_t now = ib_now_mono_ns(), deadline = now + (int64_t)timeout_ms * IB_NS_PER_MS;
	if (pol->mode == IB_WAIT_SPIN) {
		spin_until(w, snap, pol->stop, deadline);
		return;
	}
	int64_t spin_end = pol->spin_ns < deadline - now ? now + pol->spin_ns : deadline;
	if (spin_until(w, snap, pol->stop, spin_end) || (pol->stop != NULL && ck_pr_load_int(pol->stop)))
		return;
	int64_t left = deadline - ib_now_mono_ns();
	if (left > 0)
		ib_wake_wait(w, snap, (int)((left + IB_NS_PER_MS - 1) / IB_NS_PER_MS));
}
