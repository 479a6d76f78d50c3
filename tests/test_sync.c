/*
 * test_sync.c - the sync rule and its diagnostics.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "core/sync.h"

#define S(x) ((int64_t)(x) * 1000000000LL)

static void
test_complete_needs_every_piece(void)
{
	ib_sync s;
	char buf[512];

	ib_sync_init(&s, true, 3000);
	ib_sync_reset(&s, S(100), false);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(100)));
	ib_sync_accounts(&s, "DU111111,DU222222,");
	CU_ASSERT_EQUAL(s.naccounts, 2);
	ib_sync_next_id(&s, 7);
	ib_sync_value(&s, "DU111111", S(101));
	ib_sync_download_end(&s, "DU111111");
	ib_sync_position_end(&s);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(130)));
	ib_sync_describe(&s, S(130), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "have managedAccounts [DU111111,DU222222], nextValidId 7, acctDownloadEnd for "
				    "DU111111, positionEnd, waiting for acctDownloadEnd for DU222222 since 30.0 s");
	CU_ASSERT_EQUAL(ib_sync_pending_account(&s), 1);
	ib_sync_download_end(&s, "DU222222");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(131)));
	ib_sync_describe(&s, S(131), buf, sizeof(buf));
	CU_ASSERT(strstr(buf, "complete") != NULL);
}

static void
test_diagnostics_name_what_is_missing(void)
{
	ib_sync s;
	char buf[512];

	ib_sync_init(&s, true, 3000);
	ib_sync_reset(&s, 0, false);
	ib_sync_describe(&s, S(30), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "waiting for managedAccounts and nextValidId and positionEnd since 30.0 s");
	ib_sync_accounts(&s, "DU111111");
	ib_sync_next_id(&s, 1);
	ib_sync_describe(&s, S(30), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "have managedAccounts [DU111111], nextValidId 1, waiting for acctDownloadEnd for "
				    "DU111111 and positionEnd since 30.0 s");
	ib_sync_json(&s, S(30), buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "{\"managedAccounts\":[\"DU111111\"],\"nextValidId\":1,\"missing\":"
				    "[\"acctDownloadEnd:DU111111\",\"positionEnd\"],\"waiting_s\":30.000}");
}

static void
test_quiet_period_fallback(void)
{
	ib_sync s;

	/* gateways that never send acctDownloadEnd: accepted only when configured, after silence */
	ib_sync_init(&s, false, 3000);
	ib_sync_reset(&s, 0, false);
	ib_sync_accounts(&s, "DU1");
	ib_sync_next_id(&s, 1);
	ib_sync_position_end(&s);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(10))); /* no value yet: no quiet period either */
	ib_sync_value(&s, "DU1", S(10));
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(12)));
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(13)));
	CU_ASSERT_TRUE(s.acct[0].by_quiet);

	ib_sync_init(&s, true, 3000);
	ib_sync_reset(&s, 0, false);
	ib_sync_accounts(&s, "DU1");
	ib_sync_next_id(&s, 1);
	ib_sync_position_end(&s);
	ib_sync_value(&s, "DU1", S(10));
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(100))); /* required: silence is not enough */
}

static void
test_reconnect_needs_reconciliation(void)
{
	ib_sync s;

	ib_sync_init(&s, true, 3000);
	ib_sync_reset(&s, 0, true);
	ib_sync_accounts(&s, "DU1");
	ib_sync_next_id(&s, 1);
	ib_sync_download_end(&s, "DU1");
	ib_sync_position_end(&s);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(1)));
	ib_sync_open_orders_end(&s);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(1)));
	ib_sync_executions_end(&s);
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(1)));
}

void
test_sync_register(void)
{
	CU_pSuite s = CU_add_suite("sync", NULL, NULL);
	CU_add_test(s, "complete needs every piece", test_complete_needs_every_piece);
	CU_add_test(s, "diagnostics name what is missing", test_diagnostics_name_what_is_missing);
	CU_add_test(s, "quiet-period fallback only when configured", test_quiet_period_fallback);
	CU_add_test(s, "after reconnect open orders and executions are reconciled", test_reconnect_needs_reconciliation);
}
