/*
 * expiry.c - third-Friday expiries, counted from a given day (expiry.h).
 * ibsim lists its catalogue with it and the tests predict that catalogue
 * with it.  Pure, any thread.
 */
#include <stdio.h>

#include "util/expiry.h"

int
ib_expiry_third_friday(int y, int m)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = 1, .tm_hour = 12 };
	time_t t = timegm(&tm);

	gmtime_r(&t, &tm);
	return 1 + (5 - tm.tm_wday + 7) % 7 + 14;
}

static void
month_add(int *y, int *m, int k)
{
	int n = (*y * 12 + (*m - 1)) + k;

	*y = n / 12;
	*m = n % 12 + 1;
}

void
ib_expiry_nth(time_t now, int n, int step, char *ymd, size_t ymd_cap, char *ym, size_t ym_cap)
{
	struct tm tm;
	int y, m, d;

	gmtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 1;
	d = tm.tm_mday;
	/* the first listed month whose expiry has not passed; a later month is whole (d = 0) */
	while (m % step != 0 || d > ib_expiry_third_friday(y, m)) {
		month_add(&y, &m, 1);
		d = 0;
	}
	month_add(&y, &m, n * step);
	snprintf(ymd, ymd_cap, "%04d%02d%02d", y, m, ib_expiry_third_friday(y, m));
	if (ym)
		snprintf(ym, ym_cap, "%04d%02d", y, m);
}
