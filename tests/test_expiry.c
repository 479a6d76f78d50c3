/*
 * test_expiry.c - the expiry calendar ibsim lists its futures and options
 * on (util/expiry.c), against dates worked out by hand: third Fridays,
 * the expiry day itself still listed, the day after rolling on, quarterly
 * months, a year boundary.  The integration tests trust it to say what
 * ibsim lists, so it is checked here on its own.
 */
#include <CUnit/CUnit.h>
#include <time.h>

#include "util/expiry.h"

/* y-m-d at hh:00 UTC */
static time_t
utc(int y, int m, int d, int hh)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = hh };

	return timegm(&tm);
}

static void
test_third_friday(void)
{
	CU_ASSERT_EQUAL(ib_expiry_third_friday(2027, 1), 15);  /* the 1st a Friday */
	CU_ASSERT_EQUAL(ib_expiry_third_friday(2026, 8), 21);  /* the 1st a Saturday: the latest it can be */
	CU_ASSERT_EQUAL(ib_expiry_third_friday(2026, 12), 18); /* the 1st a Tuesday */
	CU_ASSERT_EQUAL(ib_expiry_third_friday(2026, 2), 20);
}

static void
test_nth_expiry(void)
{
	char ymd[12], ym[8];

	ib_expiry_nth(utc(2026, 12, 7, 10), 0, 1, ymd, sizeof(ymd), ym, sizeof(ym));
	CU_ASSERT_STRING_EQUAL(ymd, "20261218");
	CU_ASSERT_STRING_EQUAL(ym, "202612");
	ib_expiry_nth(utc(2026, 12, 7, 10), 1, 1, ymd, sizeof(ymd), ym, sizeof(ym));
	CU_ASSERT_STRING_EQUAL(ymd, "20270115");
	CU_ASSERT_STRING_EQUAL(ym, "202701");
	/* quarterly: March, June, September, December */
	ib_expiry_nth(utc(2026, 12, 7, 10), 0, 3, ymd, sizeof(ymd), ym, sizeof(ym));
	CU_ASSERT_STRING_EQUAL(ymd, "20261218");
	ib_expiry_nth(utc(2026, 12, 7, 10), 2, 3, ymd, sizeof(ymd), ym, sizeof(ym));
	CU_ASSERT_STRING_EQUAL(ymd, "20270618");
	CU_ASSERT_STRING_EQUAL(ym, "202706");
	ib_expiry_nth(utc(2026, 11, 25, 10), 0, 3, ymd, sizeof(ymd), NULL, 0);
	CU_ASSERT_STRING_EQUAL(ymd, "20261218");
	ib_expiry_nth(utc(2027, 1, 31, 10), 0, 3, ymd, sizeof(ymd), NULL, 0);
	CU_ASSERT_STRING_EQUAL(ymd, "20270319");
}

static void
test_expiry_day_then_roll(void)
{
	char ymd[12];

	/* the expiry day is listed to its end (UTC) */
	ib_expiry_nth(utc(2026, 12, 18, 23), 0, 1, ymd, sizeof(ymd), NULL, 0);
	CU_ASSERT_STRING_EQUAL(ymd, "20261218");
	/* the day after: the next month, and for quarterlies the next quarter, across the year */
	ib_expiry_nth(utc(2026, 12, 19, 0), 0, 1, ymd, sizeof(ymd), NULL, 0);
	CU_ASSERT_STRING_EQUAL(ymd, "20270115");
	ib_expiry_nth(utc(2026, 12, 19, 0), 0, 3, ymd, sizeof(ymd), NULL, 0);
	CU_ASSERT_STRING_EQUAL(ymd, "20270319");
}

void
test_expiry_register(void)
{
	CU_pSuite s = CU_add_suite("expiry", NULL, NULL);
	CU_add_test(s, "the third Friday of a month", test_third_friday);
	CU_add_test(s, "the n-th monthly and quarterly expiry from a day", test_nth_expiry);
	CU_add_test(s, "the expiry day is still listed, the next day rolls on", test_expiry_day_then_roll);
}
