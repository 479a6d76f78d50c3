/* fuzz_handshake.c - both sides of the handshake: the server's reply and the client's version range. */
#include <stdint.h>

#include "codec/msg.h"
#include "codec/encode.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int v, lo, hi;
	ib_str t;

	ib_handshake_reply_parse((const char *)data, size, &v, &t);
	ib_handshake_request_parse((const char *)data, size, &lo, &hi);
	return 0;
}
