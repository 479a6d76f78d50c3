/*
 * book.h - the order book kept per market-depth subscription, shared by
 * reference like the quote table.
 *
 * IB sends depth as operations on row positions: insert at position (rows
 * below shift down), update in place, delete at position (rows below shift
 * up).  Capacity is fixed (IB_BOOK_ROWS); an operation on a position that
 * does not exist is refused with IB_EINVAL and counted by the caller.
 *
 * One writer (the market-data thread) applies operations inside a
 * ck_sequence write section, storing every word with ck_pr; any other
 * thread takes a consistent copy with ib_book_read, which never blocks the
 * writer.  A strategy's on_book and the Redis publisher both read this way,
 * so neither can see half an insert.
 */
#ifndef IBPIPE_MKTDATA_H
#define IBPIPE_MKTDATA_H

#include <ck_sequence.h>
#include <stdint.h>

#include "quote.h"

#define IB_BOOK_ROWS 64
#define IB_MAX_BOOKS 64 /* depth subscriptions; equals IB_CFG_MAX_SUBS */

typedef struct ib_book_level {
	double price, size;
} ib_book_level;

typedef struct ib_book {
	ck_sequence_t seq;
	int max_rows;
	int nbid, nask;
	uint64_t version;       /* operations applied */
	int64_t recv_mono_ns;   /* when the latest operation's frame was read (stored just before it) */
	ib_book_level bid[IB_BOOK_ROWS], ask[IB_BOOK_ROWS];
} ib_book;

/* Every depth subscription's book; the list is fixed before threads start. */
typedef struct ib_book_table {
	int n;
	uint32_t instrument[IB_MAX_BOOKS];      /* index in the quote table */
	char symbol[IB_MAX_BOOKS][IB_SYMBOL_LEN];
	ib_book book[IB_MAX_BOOKS];
} ib_book_table;

void ib_book_init(ib_book *b, int rows);
/* Only the single writer.  operation: 0 insert, 1 update, 2 delete; side: 0 ask, 1 bid. */
int ib_book_apply(ib_book *b, int position, int operation, int side, double price, double size);
/* Only the single writer: empty both sides (a new subscription, IB's error 317). */
void ib_book_clear(ib_book *b);
/* A consistent copy of the live rows (and counts, version); any thread. */
void ib_book_read(const ib_book *b, ib_book *out);

#endif
