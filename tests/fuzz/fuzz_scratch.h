/*
 * fuzz_scratch.h - the one scratch file a fuzz target writes its input to
 * (for code that reads a path), named once per process and removed when the
 * fuzzer exits (libFuzzer ends with exit()), so a run leaves nothing in /tmp.
 */
#ifndef IBPIPE_FUZZ_SCRATCH_H
#define IBPIPE_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char fuzz_scratch[64];

static void
fuzz_scratch_remove(void)
{
	unlink(fuzz_scratch);
}

/* "/tmp/ibpipe-fuzz-<what>-<pid>", made on the first call. */
static char *
fuzz_scratch_path(const char *what)
{
	if (!fuzz_scratch[0]) {
		snprintf(fuzz_scratch, sizeof(fuzz_scratch), "/tmp/ibpipe-fuzz-%s-%d", what, (int)getpid());
		atexit(fuzz_scratch_remove);
	}
	return fuzz_scratch;
}

#endif
