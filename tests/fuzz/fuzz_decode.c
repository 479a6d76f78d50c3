/* fuzz_decode.c - every message id's decoder, at several server versions, plus JSON output. */
#include <stdint.h>

#include "codec/msg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int versions[] = { 157, 166, 173, 176, 194, 200 };
	static char json[1 << 16];
	ib_msg m;
	ib_decode_err de;

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (ib_msg_decode((const char *)data, size, versions[i], &m, &de) == IB_OK)
			ib_msg_to_json(&m, json, sizeof(json));
	return 0;
}
