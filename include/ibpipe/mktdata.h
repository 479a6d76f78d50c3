/*
 * mktdata.h - the order book kept per market-depth subscription.
 *
 * IB sends depth as operations on row positions: insert at position (rows
 * below shift down), update in place, delete at position (rows below shift
 * up).  Capacity is fixed (IB_BOOK_ROWS); an operation on a position that
 * does not exist is refused with IB_EINVAL and counted by the caller.
 */
#ifndef IBPIPE_MKTDATA_H
#define IBPIPE_MKTDATA_H

#include <stdint.h>

#define IB_BOOK_ROWS 64

typedef struct ib_book_level {
	double price, size;
} ib_book_level;

typedef struct ib_book {
	int max_rows;
	int nbid, nask;
	ib_book_level bid[IB_BOOK_ROWS], ask[IB_BOOK_ROWS];
	uint64_t version;
} ib_book;

void ib_book_init(ib_book *b, int rows);
/* operation: 0 insert, 1 update, 2 delete; side: 0 ask, 1 bid. */
int ib_book_apply(ib_book *b, int position, int operation, int side, double price, double size);

#endif
