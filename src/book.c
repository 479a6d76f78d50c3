/*
 * book.c - order-book maintenance by row position, as IB sends depth.
 */
#include <string.h>

#include "ibpipe/ib.h"
#include "ibpipe/mktdata.h"

void
ib_book_init(ib_book *b, int rows)
{
	memset(b, 0, sizeof(*b));
	b->max_rows = rows > 0 && rows <= IB_BOOK_ROWS ? rows : IB_BOOK_ROWS;
}

int
ib_book_apply(ib_book *b, int pos, int op, int side, double price, double size)
{
	ib_book_level *lv;
	int *n;

	if (side == 1) {
		lv = b->bid;
		n = &b->nbid;
	} else if (side == 0) {
		lv = b->ask;
		n = &b->nask;
	} else {
		return IB_EINVAL;
	}
	if (pos < 0 || pos >= b->max_rows)
		return IB_EINVAL;
	switch (op) {
	case 0: /* insert: rows at and below pos move down; the last falls off a full book */
		if (pos > *n)
			return IB_EINVAL;
		if (*n == b->max_rows)
			(*n)--;
		memmove(&lv[pos + 1], &lv[pos], (size_t)(*n - pos) * sizeof(*lv));
		lv[pos] = (ib_book_level){ price, size };
		(*n)++;
		break;
	case 1: /* update in place; IB also uses it to fill the next empty row */
		if (pos > *n)
			return IB_EINVAL;
		lv[pos] = (ib_book_level){ price, size };
		if (pos == *n)
			(*n)++;
		break;
	case 2:
		if (pos >= *n)
			return IB_EINVAL;
		memmove(&lv[pos], &lv[pos + 1], (size_t)(*n - pos - 1) * sizeof(*lv));
		(*n)--;
		break;
	default:
		return IB_EINVAL;
	}
	b->version++;
	return IB_OK;
}
