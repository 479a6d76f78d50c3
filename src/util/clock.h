/*
 * clock.h - the clocks and time units: every "now" ibpipe reads comes from
 * here, and every unit conversion names its factor instead of spelling
 * 1000000000LL.  Any thread; no allocation, one vDSO call per reading.
 */
#ifndef IBPIPE_CLOCK_H
#define IBPIPE_CLOCK_H

#include <stdint.h>
#include <time.h>

#define IB_NS_PER_US 1000LL
#define IB_NS_PER_MS 1000000LL
#define IB_NS_PER_S 1000000000LL
#define IB_US_PER_MS 1000LL
#define IB_US_PER_S 1000000LL
#define IB_MS_PER_S 1000LL

/* Conversions for display and config values: a double of seconds <-> integer nanoseconds. */
static inline double
ib_ns_to_s(double ns)
{
	return ns / 1e9;
}

static inline int64_t
ib_s_to_ns(double s)
{
	return (int64_t)(s * 1e9);
}

/* Nanoseconds on clk (CLOCK_MONOTONIC for intervals and deadlines, CLOCK_REALTIME for timestamps). */
int64_t ib_now_ns(clockid_t clk);
int64_t ib_now_mono_ns(void);
int64_t ib_now_real_ns(void);

/* ns as a struct timespec (ns >= 0), for nanosleep and absolute deadlines. */
static inline struct timespec
ib_timespec_from_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / IB_NS_PER_S), (long)(ns % IB_NS_PER_S) };
	return ts;
}

/* Sleep about ns (a signal may end it early: every caller re-checks what it waits for). */
void ib_nap_ns(int64_t ns);

#endif
