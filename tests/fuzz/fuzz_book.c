/*
 * fuzz_book.c - depth operations as a gateway could send them, wrong ones
 * included: every 8 bytes are one operation (position, operation, side,
 * rows, price, size).  The book must refuse what does not fit and keep its
 * invariants: counts within 0..max_rows, a consistent copy equal to the
 * book, the version counting applied operations only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ibpipe/ib.h"
#include "ibpipe/book.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ib_book b, copy;
	uint64_t applied = 0;

	ib_book_init(&b, size ? data[0] % (IB_BOOK_ROWS + 2) : 0); /* 0 and > IB_BOOK_ROWS mean the maximum */
	for (size_t off = 1; off + 8 <= size; off += 8) {
		const uint8_t *d = data + off;
		int pos = d[0] < 128 ? (int)d[0] : (int)d[0] - 256, op = d[1] % 5 - 1, side = d[2] % 4 - 1;
		double price = (double)(d[3] | d[4] << 8) / 100.0, size_ = (double)(d[5] | d[6] << 8);
		if (d[7] == 0xff)
			ib_book_clear(&b), applied++;
		else if (ib_book_apply(&b, pos, op, side, price, size_) == IB_OK)
			applied++;
		if (b.nbid < 0 || b.nbid > b.max_rows || b.nask < 0 || b.nask > b.max_rows || b.version != applied)
			abort();
	}
	ib_book_read(&b, &copy);
	if (copy.nbid != b.nbid || copy.nask != b.nask || copy.version != b.version ||
	    memcmp(copy.bid, b.bid, (size_t)b.nbid * sizeof(b.bid[0])) != 0 ||
	    memcmp(copy.ask, b.ask, (size_t)b.nask * sizeof(b.ask[0])) != 0)
		abort();
	return 0;
}
