/*
 * clock.c - clock readings and naps (clock.h).  Any thread.
 */
#include "util/clock.h"

int64_t
ib_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * IB_NS_PER_S + ts.tv_nsec;
}

int64_t
ib_now_mono_ns(void)
{
	return ib_now_ns(CLOCK_MONOTONIC);
}

int64_t
ib_now_real_ns(void)
{
	return ib_now_ns(CLOCK_REALTIME);
}

void
ib_nap_ns(int64_t ns)
{
	struct timespec ts = ib_timespec_from_ns(ns);

	nanosleep(&ts, NULL);
}
