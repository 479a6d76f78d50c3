/*
 * book.c - order-book maintenance by row position, as IB sends depth.
 *
 * Rows are moved word by word with ck_pr loads and stores rather than
 * memmove: readers copy the book concurrently under the sequence, and a
 * plain store racing their loads would be undefined behaviour even though
 * the sequence makes them retry.  On x86 these are ordinary moves.
 */
#include <string.h>

#include <ck_pr.h>

#include "ibpipe/ib.h"
#include "ibpipe/mktdata.h"

static inline void
put_row(ib_book_level *lv, double price, double size)
{
	ck_pr_store_double(&lv->price, price);
	ck_pr_store_double(&lv->size, size);
}

static inline void
copy_row(ib_book_level *dst, const ib_book_level *src)
{
	ck_pr_store_double(&dst->price, ck_pr_load_double(&src->price));
	ck_pr_store_double(&dst->size, ck_pr_load_double(&src->size));
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
	ck_pr_store_int(count, n);
	ck_pr_store_64(&b->version, b->version + 1);
	ck_sequence_write_end(&b->seq);
	return IB_OK;
}

void
ib_book_clear(ib_book *b)
{
	ck_sequence_write_begin(&b->seq);
	ck_pr_store_int(&b->nbid, 0);
	ck_pr_store_int(&b->nask, 0);
	ck_pr_store_64(&b->version, b->version + 1);
	ck_sequence_write_end(&b->seq);
}

void
ib_book_read(const ib_book *b, ib_book *out)
{
	unsigned int v;

	do {
		v = ck_sequence_read_begin(&b->seq);
		out->max_rows = b->max_rows;
		out->nbid = ck_pr_load_int(&b->nbid);
		out->nask = ck_pr_load_int(&b->nask);
		out->version = ck_pr_load_64(&b->version);
		out->recv_mono_ns = (int64_t)ck_pr_load_64((const uint64_t *)&b->recv_mono_ns);
		for (int k = 0; k < out->nbid; k++)
			copy_row(&out->bid[k], &b->bid[k]);
		for (int k = 0; k < out->nask; k++)
			copy_row(&out->ask[k], &b->ask[k]);
	} while (ck_sequence_read_retry(&b->seq, v));
}
