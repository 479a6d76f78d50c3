/*
 * expiry.h - the expiry calendar of ibsim's futures and options: an expiry
 * is the third Friday of its month, listed every `step` months.  One home
 * for it, so the tests compute exactly the expiries ibsim lists.  Pure
 * functions of the time they are given (UTC), any thread.
 */
#ifndef IBPIPE_EXPIRY_H
#define IBPIPE_EXPIRY_H

#include <stddef.h>
#include <time.h>

/* The day of the month of the third Friday of year y, month m (1-12). */
int ib_expiry_third_friday(int y, int m);

/*
 * The n-th expiry (n = 0: the nearest one not yet past) on or after the UTC
 * day of `now`, in the months divisible by `step` (1 monthly, 3 quarterly),
 * counted every `step` months: "YYYYMMDD" into ymd, "YYYYMM" into ym (ym
 * may be NULL).
 */
void ib_expiry_nth(time_t now, int n, int step, char *ymd, size_t ymd_cap, char *ym, size_t ym_cap);

#endif
