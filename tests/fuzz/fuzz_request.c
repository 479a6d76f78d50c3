/* fuzz_request.c - ibsim's request decoder; what decodes must re-encode. */
#include <stdint.h>
#include <stdlib.h>

#include "codec/encode.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[1 << 16];
	ib_req r;
	ib_enc e;
	int field;

	if (ib_req_decode((const char *)data, size, 176, &r, &field) == IB_OK) {
		ib_enc_init(&e, buf, sizeof(buf), 176, false);
		ib_enc_req(&e, &r);
	}
	return 0;
}
