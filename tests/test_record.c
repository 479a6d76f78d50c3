/*
 * test_record.c - the recorder keeps every frame it was handed, up to the
 * last one before ib_record_close, and the reader gives them back in order.
 *
 * The writer thread used to check its stop flag after finding the chunk
 * ring empty; a close that shipped the last chunk in between lost it, so a
 * replay ended a few frames short of the live run (one of the causes of the
 * depth replay divergence).  Frames stamped 101 ms apart make every frame
 * ship a chunk, which keeps the writer busy at the moment close is called.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "ibpipe/ib.h"
#include "record/record.h"
#include "record/replay.h"
#include "testutil.h"

#define ROUNDS 300

#define FRAMES 6

static void
test_last_chunk_is_written(void)
{
	char path[300], err[256];
	int lost_rounds = 0;

	snprintf(path, sizeof(path), "%s/r.ibrec", tu_tmpdir());
	for (int round = 0; round < ROUNDS; round++) {
		ib_recorder *r = ib_record_open(path, 176, err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		for (int i = 0; i < FRAMES; i++) {
			char frame[32];
			int n = snprintf(frame, sizeof(frame), "frame %d.%d", round, i);
			ib_record_frame(r, frame, (uint32_t)n + 1, (int64_t)i * 101000000LL);
		}
		ib_record_close(r);

		ib_rec_reader rd;
		int64_t ts;
		const char *payload;
		uint32_t len;
		int got = 0, rc;
		CU_ASSERT_EQUAL_FATAL(ib_rec_open(&rd, path), IB_OK);
		while ((rc = ib_rec_next(&rd, &ts, &payload, &len)) == IB_OK) {
			char want[32];
			snprintf(want, sizeof(want), "frame %d.%d", round, got);
			CU_ASSERT_STRING_EQUAL(payload, want);
			CU_ASSERT_EQUAL(ts, (int64_t)got * 101000000LL);
			got++;
		}
		CU_ASSERT_EQUAL(rc, IB_ECLOSED);
		ib_rec_close(&rd);
		if (got != FRAMES)
			lost_rounds++;
	}
	if (lost_rounds)
		printf("\n      %d of %d recordings lost their last frames", lost_rounds, ROUNDS);
	CU_ASSERT_EQUAL(lost_rounds, 0);
}

void
test_record_register(void)
{
	CU_pSuite s = CU_add_suite("record", NULL, NULL);

	CU_add_test(s, "every frame up to the close is in the file, in order", test_last_chunk_is_written);
}
