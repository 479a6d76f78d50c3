/*
 * test_keys.c - the Redis key schema (config/redis_keys.h) spells the names the
 * README documents: readers in other languages depend on them.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "config/config.h"
#include "config/redis_keys.h"
#include "publish/publish.h"

static void
test_names_are_the_documented_ones(void)
{
	char k[64];

	CU_ASSERT_EQUAL(ib_key(k, sizeof(k), "P", IB_KEY_SYNC), 6);
	CU_ASSERT_STRING_EQUAL(k, "P:sync");
	ib_key(k, sizeof(k), "P", IB_KEY_SYNC_DETAIL);
	CU_ASSERT_STRING_EQUAL(k, "P:sync:detail");
	ib_key(k, sizeof(k), "P", IB_KEY_ACCOUNTS);
	CU_ASSERT_STRING_EQUAL(k, "P:accounts");
	ib_key(k, sizeof(k), "P", IB_KEY_HEALTH);
	CU_ASSERT_STRING_EQUAL(k, "P:health");
	ib_key(k, sizeof(k), "P", IB_KEY_EVENTS);
	CU_ASSERT_STRING_EQUAL(k, "P:events");
	ib_key(k, sizeof(k), "P", IB_KEY_ORDERS_STREAM);
	CU_ASSERT_STRING_EQUAL(k, "P:stream:orders");
	ib_key(k, sizeof(k), "P", IB_KEY_COMMANDS_STREAM);
	CU_ASSERT_STRING_EQUAL(k, "P:stream:commands");
	ib_key(k, sizeof(k), "P", IB_KEY_COMMAND_RESULTS);
	CU_ASSERT_STRING_EQUAL(k, "P:commands:results");
	ib_key(k, sizeof(k), "P", IB_KEY_CONTROL);
	CU_ASSERT_STRING_EQUAL(k, "P:control");
	ib_key_account(k, sizeof(k), "P", "DU1");
	CU_ASSERT_STRING_EQUAL(k, "P:account:{DU1}");
	ib_key_positions(k, sizeof(k), "P", "DU1");
	CU_ASSERT_STRING_EQUAL(k, "P:positions:{DU1}");
	ib_key_quote(k, sizeof(k), "P", "AAPL");
	CU_ASSERT_STRING_EQUAL(k, "P:quote:AAPL");
	ib_key_book(k, sizeof(k), "P", "AAPL");
	CU_ASSERT_STRING_EQUAL(k, "P:book:AAPL");
	CU_ASSERT_EQUAL(ib_key_order(k, sizeof(k), "P", 42), 10);
	CU_ASSERT_STRING_EQUAL(k, "P:order:42");
	/* a key that does not fit is cut, and its full length says so */
	CU_ASSERT_EQUAL(ib_key_account(k, 8, "P", "DU1"), 15);
	CU_ASSERT_STRING_EQUAL(k, "P:accou");
	/* a SCAN pattern escapes the prefix's glob characters */
	CU_ASSERT_EQUAL(ib_key_scan_pattern(k, sizeof(k), "ib", IB_KEY_QUOTE), 10);
	CU_ASSERT_STRING_EQUAL(k, "ib:quote:*");
	ib_key_scan_pattern(k, sizeof(k), "a*b?[c]\\d", IB_KEY_BOOK);
	CU_ASSERT_STRING_EQUAL(k, "a\\*b\\?\\[c\\]\\\\d:book:*");
	CU_ASSERT_EQUAL(ib_key_scan_pattern(k, 8, "ib", IB_KEY_QUOTE), 0);
	CU_ASSERT_STRING_EQUAL(k, "");
}

/* The config and the publisher start from the same Redis defaults. */
static void
test_one_set_of_defaults(void)
{
	ib_config c;
	ib_pub_config pc;

	ib_config_defaults(&c);
	ib_pub_config_defaults(&pc);
	CU_ASSERT_STRING_EQUAL(c.redis_url, "redis://127.0.0.1:6379");
	CU_ASSERT_STRING_EQUAL(pc.url, c.redis_url);
	CU_ASSERT_STRING_EQUAL(c.redis_prefix, "ibpipe");
	CU_ASSERT_STRING_EQUAL(pc.prefix, c.redis_prefix);
	CU_ASSERT_EQUAL(pc.book_levels, c.redis_book_levels);
	CU_ASSERT_EQUAL(pc.health_ttl_s, 5);
}

void
test_keys_register(void)
{
	CU_pSuite s = CU_add_suite("keys", NULL, NULL);

	CU_add_test(s, "key names are the documented ones", test_names_are_the_documented_ones);
	CU_add_test(s, "config and publisher share the Redis defaults", test_one_set_of_defaults);
}
