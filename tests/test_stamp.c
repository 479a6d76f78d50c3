/*
 * test_stamp.c - ibsim's --stamp encoding (ibpipe/stamp.h): a stamp is
 * told from a real size by construction, on a machine booted a second ago
 * as on one up for years, and decodes to its exact send time.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "util/stamp.h"

static void
test_stamp_round_trip(void)
{
	/* send times: just booted (the case the old `size >= 1e12` rule missed), 17 minutes,
	   a day, past the modulus, years */
	static const int64_t sent[] = { 0, 1000, 5000000000LL, 999999999999LL, 1000000000000LL, 86400000000000LL,
					IB_STAMP_MOD - 1, IB_STAMP_MOD, IB_STAMP_MOD + 7, 3LL * 365 * 86400000000000LL };
	static const int64_t age[] = { 0, 1, 25000, 3000000000LL, 3600000000000LL, IB_STAMP_MOD - 1 };

	for (size_t i = 0; i < sizeof(sent) / sizeof(sent[0]); i++) {
		int64_t v = ib_stamp_encode(sent[i]);
		char txt[32];

		CU_ASSERT_EQUAL(snprintf(txt, sizeof(txt), "%0*lld", IB_STAMP_DIGITS, (long long)v), IB_STAMP_DIGITS);
		for (size_t j = 0; j < sizeof(age) / sizeof(age[0]); j++) {
			int64_t got = -1;
			CU_ASSERT_TRUE(ib_stamp_decode((double)v, sent[i] + age[j], &got));
			CU_ASSERT_EQUAL(got, sent[i]);
		}
	}
}

static void
test_real_sizes_are_not_stamps(void)
{
	static const double sizes[] = { 0, 1, 100, 1e6, 1e12, 5e12, 899999999999999.0, 1e15, 1e18, -9e14,
					900000000000000.5 };
	int64_t t = 12345;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CU_ASSERT_FALSE(ib_stamp_decode(sizes[i], 1000000000LL, &t));
		CU_ASSERT_EQUAL(t, 12345); /* untouched */
	}
}

void
test_stamp_register(void)
{
	CU_pSuite s = CU_add_suite("stamp", NULL, NULL);
	CU_add_test(s, "a send stamp decodes to its send time, whatever the uptime", test_stamp_round_trip);
	CU_add_test(s, "real sizes are never taken for stamps", test_real_sizes_are_not_stamps);
}
