/* fuzz_record.c - the recording reader on arbitrary files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_scratch.h"
#include "record/replay.h"
#include "codec/wire.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_scratch_path("record");
	ib_rec_reader r;
	int64_t ts;
	const char *p;
	uint32_t len;
	FILE *f;

	f = fopen(path, "wb");
	if (f == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (ib_rec_open(&r, path) != IB_OK)
		return 0;
	while (ib_rec_next(&r, &ts, &p, &len) == IB_OK)
		;
	ib_rec_close(&r);
	return 0;
}
