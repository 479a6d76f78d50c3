/*
 * test_book.c - order-book maintenance by position against an expected book.
 */
#include <CUnit/CUnit.h>

#include "ibpipe/ib.h"
#include "ibpipe/mktdata.h"

enum { INS, UPD, DEL };
enum { ASK, BID };

static void
test_scripted_sequence(void)
{
	ib_book b;

	ib_book_init(&b, 5);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, INS, BID, 100.00, 10), IB_OK);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 1, INS, BID, 99.99, 20), IB_OK);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, INS, BID, 100.01, 5), IB_OK); /* new best: others shift down */
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, INS, ASK, 100.05, 7), IB_OK);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 1, UPD, ASK, 100.06, 9), IB_OK); /* update one past the end appends */
	CU_ASSERT_EQUAL(ib_book_apply(&b, 1, UPD, BID, 100.00, 15), IB_OK);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, DEL, BID, 0, 0), IB_OK);

	CU_ASSERT_EQUAL(b.nbid, 2);
	CU_ASSERT_EQUAL(b.bid[0].price, 100.00);
	CU_ASSERT_EQUAL(b.bid[0].size, 15);
	CU_ASSERT_EQUAL(b.bid[1].price, 99.99);
	CU_ASSERT_EQUAL(b.bid[1].size, 20);
	CU_ASSERT_EQUAL(b.nask, 2);
	CU_ASSERT_EQUAL(b.ask[0].price, 100.05);
	CU_ASSERT_EQUAL(b.ask[1].price, 100.06);
	CU_ASSERT_EQUAL(b.ask[1].size, 9);
	CU_ASSERT_EQUAL(b.version, 7);
}

static void
test_out_of_range_is_refused(void)
{
	ib_book b;

	ib_book_init(&b, 3);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, DEL, BID, 0, 0), IB_EINVAL);   /* delete on an empty side */
	CU_ASSERT_EQUAL(ib_book_apply(&b, 2, INS, ASK, 1, 1), IB_EINVAL);   /* gap */
	CU_ASSERT_EQUAL(ib_book_apply(&b, 3, INS, ASK, 1, 1), IB_EINVAL);   /* beyond rows */
	CU_ASSERT_EQUAL(ib_book_apply(&b, -1, UPD, ASK, 1, 1), IB_EINVAL);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, 7, ASK, 1, 1), IB_EINVAL);     /* unknown operation */
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, INS, 2, 1, 1), IB_EINVAL);     /* unknown side */
	CU_ASSERT_EQUAL(b.nask + b.nbid, 0);
	CU_ASSERT_EQUAL(b.version, 0);
}

static void
test_full_book_drops_the_last_row(void)
{
	ib_book b;

	ib_book_init(&b, 3);
	for (int i = 0; i < 3; i++)
		ib_book_apply(&b, i, INS, ASK, 10 + i, 1);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, INS, ASK, 9, 1), IB_OK);
	CU_ASSERT_EQUAL(b.nask, 3);
	CU_ASSERT_EQUAL(b.ask[0].price, 9);
	CU_ASSERT_EQUAL(b.ask[2].price, 11);
}

void
test_book_register(void)
{
	CU_pSuite s = CU_add_suite("book", NULL, NULL);
	CU_add_test(s, "scripted inserts, updates, deletes on both sides", test_scripted_sequence);
	CU_add_test(s, "operations on positions that do not exist are refused", test_out_of_range_is_refused);
	CU_add_test(s, "insert into a full book drops the last row", test_full_book_drops_the_last_row);
}
