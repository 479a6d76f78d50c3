/*
 * test_state_dir.c - the order-id high-water mark's directory.  An unusable
 * state_dir (missing parent, not a directory, read-only) refuses a trading
 * start with exit 2 naming the directory and the errno; readonly goes on
 * with a warning; a mark that cannot be stored later (the rename fails)
 * stops order placement instead of handing out ids that are not on disk.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/pipeline_state.h"
#include "testutil.h"

static ib_pipeline *
pipeline_in(const char *state_dir, bool readonly, char *err, size_t errlen)
{
	ib_config c;

	ib_config_defaults(&c);
	c.strategies = 0;
	c.redis = false;
	c.readonly = readonly;
	snprintf(c.state_dir, sizeof(c.state_dir), "%s", state_dir);
	err[0] = '\0';
	return ib_pipeline_create(&c, NULL, err, errlen); /* no strategy threads */
}

static void
test_create_refuses_an_unusable_dir(void)
{
	const char *dir = tu_tmpdir();
	char file[300], missing[300], err[600];
	FILE *f;

	snprintf(file, sizeof(file), "%s/plain-file", dir);
	snprintf(missing, sizeof(missing), "%s/no/such", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(file, "w"));
	fclose(f);
	CU_ASSERT_PTR_NULL(pipeline_in(file, false, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, file));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ENOTDIR"));
	CU_ASSERT_PTR_NULL(pipeline_in(missing, false, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, missing));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ENOENT"));
	/* readonly places no order: it may go on */
	ib_pipeline *p = pipeline_in(missing, true, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(p);
	ib_pipeline_free(p);
	/* a usable one is created (one level) and holds the mark at once */
	char fresh[300];
	snprintf(fresh, sizeof(fresh), "%s/state", dir);
	p = pipeline_in(fresh, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	struct stat st;
	CU_ASSERT_EQUAL(stat(p->ids.path, &st), 0);
	ib_pipeline_free(p);
}

static void
test_a_failed_rename_stops_placement(void)
{
	const char *dir = tu_tmpdir();
	char err[600], sub[400];
	int32_t id = 0;
	int n = 0;

	ib_pipeline *p = pipeline_in(dir, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ib_pipeline_seen_order_id(p, 1);
	CU_ASSERT_EQUAL(ib_pipeline_next_order_id(p), 1); /* the first block is reserved on disk */
	/* the mark's name becomes a non-empty directory: the next rename over it fails (EISDIR) */
	CU_ASSERT_EQUAL_FATAL(unlink(p->ids.path), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(p->ids.path, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/x", p->ids.path);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
	/* the ids of the reserved block are still handed out, none past it */
	while ((id = ib_pipeline_next_order_id(p)) > 0 && n < 5000)
		n++;
	CU_ASSERT_EQUAL(id, -1);
	CU_ASSERT(n >= 900 && n <= 1000);
	CU_ASSERT_EQUAL(ib_pipeline_next_order_id(p), -1); /* and it stays stopped */
	ib_req r = { .id = IB_OUT_PLACE_ORDER };
	CU_ASSERT_FALSE(ib_pipeline_send_new_order(p, &r, 0));
	ib_pipeline_free(p); /* the directories go with tu_tmpdir's cleanup */
}

/*
 * A mark that cannot be stored (a directory at its name, after start): counted, logged naming the file, and every
 * new order refused from then on with its own reason, IB_ENOORDERID, not a generic "closed".
 */
static void
test_a_failed_mark_is_counted_and_named(void)
{
	const char *dir = tu_tmpdir();
	char err[600], logpath[400], sub[400], line[2048];
	int32_t id = 0;
	int n = 0;

	ib_pipeline *p = pipeline_in(dir, false, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	ib_pipeline_seen_order_id(p, 1);
	CU_ASSERT_FALSE(ib_pipeline_orders_stopped(p));
	CU_ASSERT_EQUAL(ck_pr_load_64(&p->ids.store_failures), 0);
	CU_ASSERT_EQUAL_FATAL(unlink(p->ids.path), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(p->ids.path, 0700), 0);
	snprintf(sub, sizeof(sub), "%s/x", p->ids.path);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);

	/* stderr to a file while the block runs out, to read the log line back */
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	FILE *logf = fopen(logpath, "w+");
	CU_ASSERT_PTR_NOT_NULL_FATAL(logf);
	dup2(fileno(logf), STDERR_FILENO);
	while ((id = ib_pipeline_next_order_id(p)) > 0 && n < 5000)
		n++;
	ib_req r = { .id = IB_OUT_PLACE_ORDER };
	bool sent = ib_pipeline_send_new_order(p, &r, 0);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);

	CU_ASSERT_EQUAL(id, -1);
	CU_ASSERT_FALSE(sent);
	CU_ASSERT_TRUE(ib_pipeline_orders_stopped(p));
	CU_ASSERT_EQUAL(ck_pr_load_64(&p->ids.store_failures), 1); /* the first failure stops it: tried once */
	CU_ASSERT_EQUAL(ck_pr_load_64(&p->ids.refused_no_id), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(ib_strerror(IB_ENOORDERID), "order-id mark"));
	rewind(logf);
	bool named = false;
	while (fgets(line, sizeof(line), logf) != NULL)
		named |= strstr(line, p->ids.path) != NULL && strstr(line, "order placement stopped") != NULL;
	CU_ASSERT_TRUE(named);
	fclose(logf);
	unlink(logpath);
	ib_pipeline_free(p);
}

/* `ibpipe run` with this state_dir against a closed port; exit status, stderr+log in out. */
static int
run_with(const char *state_dir, bool readonly, char *out, size_t cap)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd),
		 "%s run --port 1 --no-redis --strategies 0 --state-dir '%s' %s --run-seconds 0.3 --log-level info 2>&1",
		 tu_bin("ibpipe"), state_dir, readonly ? "--readonly" : "");
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	int st = tu_run(argv, out, cap, 20000);
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void
test_run_exits_2_naming_the_dir(void)
{
	const char *dir = tu_tmpdir();
	char file[300], out[8192], ro[300];
	FILE *f;

	snprintf(file, sizeof(file), "%s/not-a-dir", dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f = fopen(file, "w"));
	fclose(f);
	CU_ASSERT_EQUAL(run_with(file, false, out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, file));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ENOTDIR"));
	CU_ASSERT_EQUAL(run_with("/nonexistent-ibpipe/state", false, out, sizeof(out)), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "/nonexistent-ibpipe/state"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ENOENT"));
	/* readonly: a warning, then the run goes on to its end */
	CU_ASSERT_EQUAL(run_with("/nonexistent-ibpipe/state", true, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "readonly, so no order id is needed"));

	/* read-only: root writes through permission bits, so a read-only mount (where mounting is allowed) */
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(ro, 0755), 0);
	bool mounted = false;
	if (geteuid() == 0) {
		mounted = mount("tmpfs", ro, "tmpfs", MS_RDONLY, "size=64k") == 0;
	} else {
		CU_ASSERT_EQUAL(chmod(ro, 0555), 0);
	}
	if (geteuid() != 0 || mounted) {
		CU_ASSERT_EQUAL(run_with(ro, false, out, sizeof(out)), 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, ro));
		CU_ASSERT(strstr(out, "EROFS") != NULL || strstr(out, "EACCES") != NULL);
	} else {
		printf("\n    (read-only case skipped: this root may not mount a tmpfs)");
	}
	if (mounted) {
		CU_ASSERT_EQUAL(umount(ro), 0);
	} else {
		chmod(ro, 0755);
	}
}

void
test_state_dir_register(void)
{
	CU_pSuite s = CU_add_suite("state_dir", NULL, NULL);

	CU_add_test(s, "an unusable state_dir: no pipeline for trading, readonly goes on", test_create_refuses_an_unusable_dir);
	CU_add_test(s, "a failed rename of the mark stops order placement", test_a_failed_rename_stops_placement);
	CU_add_test(s, "a failed mark is counted, logged naming the file, and refuses orders with IB_ENOORDERID",
		    test_a_failed_mark_is_counted_and_named);
	CU_add_test(s, "ibpipe run exits 2 naming the directory and the errno", test_run_exits_2_naming_the_dir);
}
