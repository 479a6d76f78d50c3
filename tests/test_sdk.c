/*
 * test_sdk.c - the strategy SDK out of tree, as part of make test:
 * tools/sdk-test.sh stages `make install`, builds each example with only
 * pkg-config pointing into the stage, checks the refusals (exit 2 and their
 * messages) and runs plugins placing orders against ibsim with a private
 * redis-server.  The Makefile hands it the variant under test (SDK_VARIANT,
 * SDK_CFLAGS: `make asan test` runs the plugins under ASan too); the script
 * is also CI's and `make sdk-test`'s.  About 10 s.
 */
#include <CUnit/CUnit.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"

static void
test_sdk_out_of_tree(void)
{
	static char out[1 << 16];
	char cmd[PATH_MAX + 256], ibpipe[PATH_MAX];
	const char *variant = getenv("SDK_VARIANT");

	if (realpath(tu_bin("ibpipe"), ibpipe) == NULL) {
		CU_FAIL("no ibpipe binary");
		return;
	}
	/* run from a test that make started: the inner make must not look for the outer one's jobserver */
	snprintf(cmd, sizeof(cmd), "unset MAKEFLAGS MFLAGS MAKELEVEL; SDK_IBPIPE='%s' SDK_VARIANT='%s' tools/sdk-test.sh 2>&1",
		 ibpipe, variant && *variant ? variant : "release");
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int st = tu_run(argv, out, sizeof(out), 300000);
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		fprintf(stderr, "sdk-test failed:\n%s\n", out);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "3 examples built from the staged install"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "refusals exit 2"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "all filled in P:stream:orders"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "in one process, filled"));
}

void
test_sdk_register(void)
{
	CU_pSuite s = CU_add_suite("sdk", NULL, NULL);
	CU_add_test(s, "examples built from a staged install, refusals, plugins trading against ibsim",
		    test_sdk_out_of_tree);
}
