/* fuzz_framer.c - the framer under arbitrary bytes and arbitrary chunking, then the decoder on every frame. */
#include <stdint.h>
#include <stdlib.h>

#include "codec/msg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ib_framer f;
	static int ready;
	ib_frame fr;
	ib_msg m;
	ib_decode_err de;

	if (!ready) {
		if (ib_framer_init(&f, (1u << 16) + 8, 1u << 16) != IB_OK)
			abort();
		ready = 1;
	}
	ib_framer_reset(&f);
	/* the first byte picks the chunk size, so every split of the stream is explored */
	size_t chunk = size ? (size_t)(data[0] % 17) + 1 : 1;
	for (size_t off = 1; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		if (ib_framer_feed(&f, data + off, n) != IB_OK)
			return 0;
		int rc;
		while ((rc = ib_framer_next(&f, &fr)) == IB_OK || rc == IB_EEMPTY)
			if (rc == IB_OK)
				ib_msg_decode(fr.p, fr.len, 176, &m, &de);
		if (rc == IB_ETOOBIG)
			return 0;
	}
	return 0;
}
