/*
 * test_sync_list.c - the sync rule when the account list changes, is long,
 * repeats itself, is empty or is hostile; the detail JSON for any of them.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sync.h"
#include "json_valid.h"

#define S(x) ((int64_t)(x) * 1000000000LL)

static ib_sync s;

/* Everything but the accounts' downloads. */
static void
start(const char *list)
{
	ib_sync_init(&s, true, 3000);
	ib_sync_reset(&s, S(1), false);
	ib_sync_accounts(&s, list);
	ib_sync_next_id(&s, 1);
	ib_sync_position_end(&s);
}

static void
test_changed_list_needs_the_new_accounts(void)
{
	ib_sync_change c;

	/* the sequence: DUA,DUB; DUA downloads; the list becomes DUC,DUB */
	start("DUA,DUB");
	ib_sync_download_end(&s, "DUA");
	c = ib_sync_accounts(&s, "DUC,DUB");
	CU_ASSERT_TRUE(c.changed);
	CU_ASSERT_EQUAL(c.added, 1);
	CU_ASSERT_EQUAL(c.removed, 1);
	CU_ASSERT_EQUAL(s.naccounts, 2);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	ib_sync_download_end(&s, "DUB");
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2))); /* DUC has not downloaded */
	CU_ASSERT_EQUAL(ib_sync_pending_account(&s), 0);
	CU_ASSERT_TRUE(s.acct[0].is_new);
	ib_sync_download_end(&s, "DUA"); /* gone: changes nothing */
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	ib_sync_download_end(&s, "DUC");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(2)));

	/* after completion: a new account makes it incomplete again; those that stay keep their download */
	c = ib_sync_accounts(&s, "DUB,DUC,DUD");
	CU_ASSERT_EQUAL(c.added, 1);
	CU_ASSERT_EQUAL(c.removed, 0);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(3)));
	CU_ASSERT_EQUAL(ib_sync_pending_account(&s), 2);
	ib_sync_download_end(&s, "DUD");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(3)));

	/* the same list again (another order): no change */
	c = ib_sync_accounts(&s, "DUD,DUB,DUC");
	CU_ASSERT_FALSE(c.changed);
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(3)));

	/* a removal only: still complete, the gone one is named */
	c = ib_sync_accounts(&s, "DUD");
	CU_ASSERT_TRUE(c.changed);
	CU_ASSERT_EQUAL(c.removed, 2);
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(3)));
	CU_ASSERT_EQUAL(ib_sync_find(&s, "DUB"), -1);
}

static void
test_empty_and_duplicate_lists(void)
{
	ib_sync_change c;
	char json[512];

	start("");
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	ib_sync_json(&s, S(2), json, sizeof(json));
	CU_ASSERT(strstr(json, "\"managedAccounts:empty list\"") != NULL);
	start(",,,");
	CU_ASSERT_EQUAL(s.naccounts, 0);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));

	start("DUA,DUA,,DUB,DUA");
	CU_ASSERT_EQUAL(s.naccounts, 2);
	ib_sync_download_end(&s, "DUA");
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	ib_sync_download_end(&s, "DUB");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(2)));
	c = ib_sync_accounts(&s, "DUB,DUB");
	CU_ASSERT_EQUAL(c.duplicates, 1);
	CU_ASSERT_EQUAL(s.naccounts, 1);
	/* an empty list after a good one: never complete */
	ib_sync_accounts(&s, "");
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
}

/* "U0,U1,...": n ids */
static char *
many(int n, int width)
{
	char *list = malloc((size_t)n * (size_t)(width + 2) + 1);
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(list + len, "%s%0*d", i ? "," : "", width, i);
	return list;
}

static void
test_many_accounts(void)
{
	char *list;

	/* 20: all of them count (16 used to be kept, silently) */
	list = many(20, 8);
	start(list);
	free(list);
	CU_ASSERT_EQUAL(s.naccounts, 20);
	for (int i = 0; i < 19; i++)
		ib_sync_download_end(&s, s.acct[i].id);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	CU_ASSERT_EQUAL(ib_sync_pending_account(&s), 19);
	ib_sync_download_end(&s, "00000019");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(2)));

	/* the limit: every one counts */
	list = many(IB_MAX_ACCOUNTS, 8);
	start(list);
	free(list);
	CU_ASSERT_EQUAL(s.naccounts, IB_MAX_ACCOUNTS);
	CU_ASSERT_EQUAL(s.list_error, IB_SYNC_LIST_OK);
	for (int i = 0; i < IB_MAX_ACCOUNTS; i++) {
		CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
		ib_sync_download_end(&s, s.acct[i].id);
	}
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(2)));

	/* one past it: refused, never complete, and the detail says why */
	list = many(IB_MAX_ACCOUNTS + 1, 8);
	start(list);
	free(list);
	CU_ASSERT_EQUAL(s.list_error, IB_SYNC_LIST_TOO_MANY);
	CU_ASSERT_EQUAL(s.list_ids, IB_MAX_ACCOUNTS + 1);
	for (int i = 0; i < s.naccounts; i++)
		ib_sync_download_end(&s, s.acct[i].id);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	char json[512], text[512];
	ib_sync_describe(&s, S(2), text, sizeof(text));
	CU_ASSERT(strstr(text, "more than 1024 accounts (1025 listed)") != NULL);

	/* an id too long to keep: refused too, not dropped */
	start("DUA,ABCDEFGHIJKLMNOPQRSTUVWXYZ");
	ib_sync_download_end(&s, "DUA");
	CU_ASSERT_EQUAL(s.list_error, IB_SYNC_LIST_ID_TOO_LONG);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
	ib_sync_json(&s, S(2), json, sizeof(json));
	CU_ASSERT(strstr(json, "managedAccounts:an account id longer than 23 bytes") != NULL);
	/* the caller could not hold the text */
	start("DUA");
	ib_sync_list_too_long(&s);
	ib_sync_download_end(&s, "DUA");
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(2)));
}

static void
test_detail_json_any_bytes_any_size(void)
{
	static char json[IB_SYNC_JSON_MAX];
	char *list = malloc(IB_ACCOUNT_LIST_MAX + 1);
	size_t len = 0, n;

	/* hostile ids */
	start("a\"b,c\\d,e\nf,\xff\xfe,\xc3(,\x01,ok\xe2\x82\xac");
	CU_ASSERT_EQUAL(s.naccounts, 7);
	n = ib_sync_json(&s, S(2), json, sizeof(json));
	CU_ASSERT_EQUAL(n, strlen(json));
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strstr(json, "\"a\\\"b\"") != NULL);
	CU_ASSERT(strstr(json, "\"acctDownloadEnd:e\\nf\"") != NULL);
	CU_ASSERT(strstr(json, "\"\\ufffd\\ufffd\"") != NULL);

	/* twelve ordinary ids waiting: the detail used to be cut at 479 bytes */
	start("DU0000001,DU0000002,DU0000003,DU0000004,DU0000005,DU0000006,DU0000007,DU0000008,DU0000009,DU0000010,"
	      "DU0000011,DU0000012");
	n = ib_sync_json(&s, S(2), json, sizeof(json));
	CU_ASSERT(n > 479);
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strstr(json, "\"acctDownloadEnd:DU0000012\"") != NULL);

	/* the worst case: the limit of ids at the longest length, every byte escaped six-fold */
	for (int i = 0; i < IB_MAX_ACCOUNTS; i++) {
		if (i)
			list[len++] = ',';
		for (int k = 0; k < IB_ACCOUNT_ID_LEN - 5; k++)
			list[len++] = '\x01';
		len += (size_t)sprintf(list + len, "%04d", i);
	}
	list[len] = '\0';
	start(list);
	free(list);
	CU_ASSERT_EQUAL(s.naccounts, IB_MAX_ACCOUNTS);
	CU_ASSERT_EQUAL(s.list_error, IB_SYNC_LIST_OK);
	n = ib_sync_json(&s, S(2), json, sizeof(json));
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strncmp(json, "{\"managedAccounts\"", 18) == 0);
	/* too small a buffer: still valid JSON, saying so */
	n = ib_sync_json(&s, S(2), json, 400);
	CU_ASSERT(json_valid(json, n));
	CU_ASSERT(strncmp(json, "{\"error\"", 8) == 0);
}

static void
test_restart_keeps_list(void)
{
	start("DUA,DUB");
	ib_sync_download_end(&s, "DUA");
	ib_sync_download_end(&s, "DUB");
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(2)));
	ib_sync_restart(&s, S(5));
	CU_ASSERT_EQUAL(s.naccounts, 2);
	CU_ASSERT_FALSE(ib_sync_complete(&s, S(5)));
	ib_sync_download_end(&s, "DUA");
	ib_sync_download_end(&s, "DUB");
	ib_sync_position_end(&s);
	ib_sync_open_orders_end(&s);
	ib_sync_executions_end(&s);
	CU_ASSERT_TRUE(ib_sync_complete(&s, S(5)));
}

void
test_sync_list_register(void)
{
	CU_pSuite su = CU_add_suite("sync_list", NULL, NULL);
	CU_add_test(su, "a changed list needs its new accounts, keeps the rest", test_changed_list_needs_the_new_accounts);
	CU_add_test(su, "empty lists never complete, duplicates count once", test_empty_and_duplicate_lists);
	CU_add_test(su, "20 and 1024 accounts count; 1025 or a long id is refused", test_many_accounts);
	CU_add_test(su, "detail JSON is valid for any bytes and the limit of ids", test_detail_json_any_bytes_any_size);
	CU_add_test(su, "a restart keeps the list and needs everything again", test_restart_keeps_list);
}
