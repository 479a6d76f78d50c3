/*
 * test_record_full.c - a recording when the disk fills up: it stops at the
 * first failed write, says what the file really holds, the file stays
 * readable to its last whole frame, and `ibpipe replay` fails on a torn file.
 *
 * The full disk is real, for one process: ibpipe runs under a file-size
 * limit (RLIMIT_FSIZE via `ulimit -f`, SIGXFSZ ignored), so the kernel cuts
 * a write short and then refuses the next one with EFBIG, exactly where a
 * full filesystem cuts it short and refuses with ENOSPC.  It needs no mount
 * and no privileges, so it runs the same as root on CI and as a user.
 * Temp directories: tu_tmpdir's (removed when the test passed).
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ibpipe/ib.h"
#include "record/replay.h"
#include "testutil.h"

#define LIMIT_BLOCKS 400 /* ulimit -f counts 512-byte blocks: 200 KiB */

/* Frames in a recording until its end; *rc is how the reading stopped. */
static long long
count_frames(const char *path, int *rc)
{
	ib_rec_reader r;
	int64_t ts;
	const char *p;
	uint32_t len;
	long long n = 0;

	*rc = ib_rec_open(&r, path);
	if (*rc != IB_OK)
		return -1;
	while ((*rc = ib_rec_next(&r, &ts, &p, &len)) == IB_OK)
		n++;
	ib_rec_close(&r);
	return n;
}

/* `ibpipe replay FILE` with stderr in out; the wait status. */
static int
replay(const char *dir, const char *file, char *out, size_t cap)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "%s replay '%s' --no-redis --strategies 0 --state-dir '%s' --log-level warn 2>&1",
		 tu_bin("ibpipe"), file, dir);
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	return tu_run(argv, out, cap, 30000);
}

static void
test_disk_full_stops_the_recording(void)
{
	const char *dir = tu_tmpdir();
	const char *blast[] = { "--blast", "2000000", NULL };
	struct tu_sim sim;
	char rec[200], log[200], port[16], line[600], out[4096];
	struct stat st;
	unsigned long long held = 0, bytes = 0;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(rec, sizeof(rec), "%s/session.ibrec", dir);
	snprintf(log, sizeof(log), "%s/ibpipe.log", dir);
	CU_ASSERT_EQUAL_FATAL(tu_sim_start(&sim, blast), 0);
	snprintf(port, sizeof(port), "%d", sim.port);
	char script[100];
	snprintf(script, sizeof(script), "trap '' XFSZ; ulimit -f %d; exec \"$@\"", LIMIT_BLOCKS);
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", script,
			 (char *)"sh", (char *)tu_bin("ibpipe"), (char *)"run", (char *)"--port", port, (char *)"--no-redis",
			 (char *)"--readonly", (char *)"--strategies", (char *)"0", (char *)"--symbols", (char *)"AAPL,MSFT",
			 (char *)"--state-dir", (char *)dir, (char *)"--record", rec, NULL };
	pid_t pid = tu_spawn(argv, log);
	CU_ASSERT_FATAL(pid > 0);
	CU_ASSERT_EQUAL(tu_wait_for_text(log, "recording stopped", 30000), 0);
	CU_ASSERT_TRUE(tu_exited_ok(tu_stop(pid, SIGTERM, 10000))); /* trading goes on: a clean stop */
	tu_sim_stop(&sim);

	/* what the log says the file holds is what it holds, and it reads to its end */
	CU_ASSERT_EQUAL_FATAL(tu_last_line(log, "recording stopped", line, sizeof(line)), 0);
	const char *h = strstr(line, "the file holds ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(sscanf(h, "the file holds %llu whole frames (%llu bytes)", &held, &bytes), 2);
	CU_ASSERT_EQUAL_FATAL(stat(rec, &st), 0);
	CU_ASSERT_EQUAL((unsigned long long)st.st_size, bytes);
	CU_ASSERT((unsigned long long)st.st_size <= LIMIT_BLOCKS * 512ULL);
	CU_ASSERT(held > 100);
	CU_ASSERT_EQUAL(count_frames(rec, &rc), (long long)held);
	CU_ASSERT_EQUAL(rc, IB_ECLOSED); /* a clean end, no torn frame */
	/* the summary at exit says the same, and how much was not recorded */
	CU_ASSERT_EQUAL(tu_last_line(log, "before the write failed", line, sizeof(line)), 0);
	char want[120];
	snprintf(want, sizeof(want), "recorded %llu frames, %llu bytes", held, bytes);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "later frames not recorded"));

	/* the cut file replays whole */
	int s = replay(dir, rec, out, sizeof(out));
	CU_ASSERT_TRUE(tu_exited_ok(s));
	if (!tu_exited_ok(s))
		fprintf(stderr, "\n  replay of the cut file: %s\n", out);

	/* a torn one (a crash mid-write, an older ibpipe) fails the replay, saying why */
	CU_ASSERT_EQUAL(truncate(rec, st.st_size - 5), 0);
	CU_ASSERT_EQUAL(count_frames(rec, &rc), (long long)held - 1);
	CU_ASSERT_EQUAL(rc, IB_ETRUNC);
	s = replay(dir, rec, out, sizeof(out));
	CU_ASSERT_FALSE(tu_exited_ok(s));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "truncated"));
	snprintf(want, sizeof(want), "after %llu whole frames", held - 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
}

void
test_record_full_register(void)
{
	CU_pSuite s = CU_add_suite("record_full", NULL, NULL);

	CU_add_test(s, "disk full: recording stops, the file reads to its last whole frame, replay fails on a tear",
		    test_disk_full_stops_the_recording);
}
