/*
 * wake.c - the futex operations ck_ec needs.
 */
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

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

static const struct ck_ec_ops wake_ops = {
	.gettime = wake_gettime,
	.wait32 = wake_wait32,
	.wake32 = wake_wake32,
	.busy_loop_iter = 200,
	.initial_wait_ns = 0,
};

const struct ck_ec_mode ib_wake_mode = { .ops = &wake_ops, .single_producer = false };

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
	ck_ec32_wait(&w->ec, &ib_wake_mode, snap, &deadline);
}
