/*
 * fuzz_spec.c - the contract spec parser on arbitrary bytes, and its
 * invariant: whatever parses prints (ib_spec_format and ib_spec_key) into
 * IB_SPEC_BUF bytes and the print parses back to the very same contract.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/contract_spec.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ib_contract a, b;
	char err[256], out[IB_SPEC_BUF], key[IB_SPEC_BUF];
	int n;

	if (ib_spec_parse((const char *)data, size, &a, err, sizeof(err)) != IB_OK) {
		if (memchr(err, '\0', sizeof(err)) == NULL || strncmp(err, "contract spec \"", 15) != 0)
			abort();
		return 0;
	}
	n = ib_spec_format(&a, out, sizeof(out));
	if (n <= 0 || (size_t)n != strlen(out))
		abort();
	if (ib_spec_parse(out, (size_t)n, &b, err, sizeof(err)) != IB_OK || !ib_contract_equal(&a, &b))
		abort();
	if (ib_spec_key(&a, key, sizeof(key)) <= 0)
		abort();
	return 0;
}
