/* fuzz_record.c - the recording reader on arbitrary files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ibpipe/replay.h"
#include "ibpipe/wire.h"

static char path[64];

/* The scratch file goes when the fuzzer exits (libFuzzer ends with exit()). */
static void
remove_file(void)
{
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ib_rec_reader r;
	int64_t ts;
	const char *p;
	uint32_t len;
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/ibpipe-fuzz-record-%d", (int)getpid());
		atexit(remove_file);
	}
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
