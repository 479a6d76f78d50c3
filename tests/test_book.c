/*
 * test_book.c - order-book maintenance by position against an expected book.
 */
#include <CUnit/CUnit.h>
#include <ck_pr.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ibpipe/ib.h"
#include "ibpipe/book.h"

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

static void
test_clear_empties_both_sides(void)
{
	ib_book b, copy;

	ib_book_init(&b, 5);
	ib_book_apply(&b, 0, INS, BID, 10, 1);
	ib_book_apply(&b, 0, INS, ASK, 11, 1);
	ib_book_clear(&b);
	ib_book_read(&b, &copy);
	CU_ASSERT_EQUAL(copy.nbid + copy.nask, 0);
	CU_ASSERT_EQUAL(copy.version, 3);
	CU_ASSERT_EQUAL(ib_book_apply(&b, 0, DEL, BID, 0, 0), IB_EINVAL);
}

/*
 * The writer only ever inserts a new best bid one cent above the last or
 * deletes the best, so in every consistent book the bids are consecutive
 * cents.  A reader that could see half an operation would see a gap or a
 * repeat.
 */
struct race {
	ib_book book;
	int stop;
	long torn, reads;
	atomic_long reads_seen; /* the writer goes on until the reader has read this often */
};

static void *
race_writer(void *arg)
{
	struct race *r = arg;
	double top = 100.00;

	/* 200,000 operations, and more until the reader has read 1,000 times: on a loaded machine the
	   writer could be done before the reader first ran, and the test would check nothing */
	for (long i = 0; i < 200000 || atomic_load(&r->reads_seen) < 1000; i++) {
		if (i % 7 == 6 && r->book.nbid > 1) {
			ib_book_apply(&r->book, 0, DEL, BID, 0, 0);
			top -= 0.01;
		} else {
			top += 0.01;
			ib_book_apply(&r->book, 0, INS, BID, top, (double)i);
		}
	}
	ck_pr_store_int(&r->stop, 1);
	return NULL;
}

static void
test_concurrent_reads_are_consistent(void)
{
	struct race r = { 0 };
	pthread_t th;
	ib_book copy = { 0 }; /* read at the end even if the writer finished before the first read */

	ib_book_init(&r.book, 8);
	pthread_create(&th, NULL, race_writer, &r);
	while (!ck_pr_load_int(&r.stop)) {
		ib_book_read(&r.book, &copy);
		for (int k = 1; k < copy.nbid; k++)
			if (copy.bid[k - 1].price - copy.bid[k].price < 0.005 || copy.bid[k - 1].price - copy.bid[k].price > 0.015)
				r.torn++;
		r.reads++;
		atomic_store(&r.reads_seen, r.reads);
	}
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(r.torn, 0);
	CU_ASSERT_TRUE(r.reads > 0);
	CU_ASSERT_EQUAL(copy.version <= r.book.version, 1);
}

void
test_book_register(void)
{
	CU_pSuite s = CU_add_suite("book", NULL, NULL);
	CU_add_test(s, "scripted inserts, updates, deletes on both sides", test_scripted_sequence);
	CU_add_test(s, "operations on positions that do not exist are refused", test_out_of_range_is_refused);
	CU_add_test(s, "insert into a full book drops the last row", test_full_book_drops_the_last_row);
	CU_add_test(s, "clear empties both sides", test_clear_empties_both_sides);
	CU_add_test(s, "a reader never sees half an operation", test_concurrent_reads_are_consistent);
}
