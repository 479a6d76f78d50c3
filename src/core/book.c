/*
 * book.c - order-book maintenance by row position, as IB sends depth.
 *
 * Rows are moved word by word with relaxed atomic loads and stores rather
 * than memmove: readers copy the book concurrently under the sequence, and a
 * plain store racing their loads would be undefined behaviour even though
 * the sequence makes them retry.  On x86 these are ordinary moves.  They are
 * the compiler's __atomic builtins, not ck_pr, so ThreadSanitizer sees them.
 */
#include <string.h>

#include <ck_pr.h>

#include "ibpipe/ib.h"
#include "ibpipe/book.h"

static inline void
put_row(ib_book_level *lv, double price, double size)
{
	__atomic_store(&lv->price, &price, __ATOMIC_RELAXED);
	__atomic_store(&lv->size, &size, __ATOMIC_RELAXED);
}

static inline void
copy_row(ib_book_level *dst, const ib_book_level *src)
{
	double price, size;

	__atomic_load(&src->price, &price, __ATOMIC_RELAXED);
	__atomic_load(&src->size, &size, __ATOMIC_RELAXED);
	put_row(dst, price, size);
}

void
ib_book_init(ib_book *b, int rows)
{
	memset(b, 0, sizeof(*b));
	ck_sequence_init(&b->seq);
	b->max_rows = rows > 0 && rows <= IB_BOOK_ROWS ? rows : IB_BOOK_ROWS;
}

int
ib_book_apply(ib_book *b, int pos, int op, int side, double price, double size)
{
	ib_book_level *lv;
	int *count, n;

	if (side == 1) {
		lv = b->bid;
		count = &b->nbid;
	} else if (side == 0) {
		lv = b->ask;
		count = &b->nask;
	} else {
		return IB_EINVAL;
	}
	n = *count;
	if (pos < 0 || pos >= b->max_rows || op < 0 || op > 2 || pos > n || (op == 2 && pos == n))
		return IB_EINVAL;
	ck_sequence_write_begin(&b->seq);
	switch (op) {
	case 0: /* insert: rows at and below pos move down; the last falls off a full book */
		if (n == b->max_rows)
			n--;
		for (int k = n; k > pos; k--)
			copy_row(&lv[k], &lv[k - 1]);
		put_row(&lv[pos], price, size);
		n++;
		break;
	case 1: /* update in place; IB also uses it to fill the next empty row */
		put_row(&lv[pos], price, size);
		if (pos == n)
			n++;
		break;
	default: /* delete */
		for (int k = pos; k < n - 1; k++)
			copy_row(&lv[k], &lv[k + 1]);
		n--;
		break;
	}
	__atomic_store_n(count, n, __ATOMIC_RELAXED);
	__atomic_store_n(&b->version, b->version + 1, __ATOMIC_RELAXED);
	ck_sequence_write_end(&b->seq);
	return IB_OK;
}

void
ib_book_clear(ib_book *b)
{
	ck_sequence_write_begin(&b->seq);
	__atomic_store_n(&b->nbid, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b->nask, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&b->version, b->version + 1, __ATOMIC_RELAXED);
	ck_sequence_write_end(&b->seq);
}

void
ib_book_read(const ib_book *b, ib_book *out)
{
	unsigned int v;

	do {
		v = ck_sequence_read_begin(&b->seq);
		out->max_rows = b->max_rows;
		out->nbid = __atomic_load_n(&b->nbid, __ATOMIC_RELAXED);
		out->nask = __atomic_load_n(&b->nask, __ATOMIC_RELAXED);
		out->version = __atomic_load_n(&b->version, __ATOMIC_RELAXED);
		out->recv_mono_ns = __atomic_load_n(&b->recv_mono_ns, __ATOMIC_RELAXED);
		for (int k = 0; k < out->nbid; k++)
			copy_row(&out->bid[k], &b->bid[k]);
		for (int k = 0; k < out->nask; k++)
			copy_row(&out->ask[k], &b->ask[k]);
	} while (ck_sequence_read_retry(&b->seq, v));
}
