/*
 * test_replay.c - `ibpipe replay` arguments: --speed takes a number >= 0 or
 * max; anything else is a usage error that names the flag (exit 2), not a
 * silent replay at full speed.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

static int
replay_speed(const char *speed, char *out, size_t cap)
{
	char cmd[512];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	snprintf(cmd, sizeof(cmd), "%s replay /nonexistent/session.ibrec --no-redis --speed '%s' 2>&1",
		 tu_bin("ibpipe"), speed);
	return tu_run(argv, out, cap, 10000);
}

static void
test_speed_is_checked(void)
{
	static const char *const bad[] = { "fast", "", "2x", "-1", "nan" };
	static const char *const good[] = { "max", "0", "1", "10", "2.5" };
	char out[4096];
	int st;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		st = replay_speed(bad[i], out, sizeof(out));
		CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "--speed"));
	}
	/* a good speed gets past the flags: the missing recording is the error */
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		st = replay_speed(good[i], out, sizeof(out));
		CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) != 0);
		CU_ASSERT_PTR_NULL(strstr(out, "--speed"));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "/nonexistent/session.ibrec"));
	}
}

void
test_replay_register(void)
{
	CU_pSuite s = CU_add_suite("replay", NULL, NULL);
	CU_add_test(s, "--speed: a number >= 0 or max, else exit 2", test_speed_is_checked);
}
