/*
 * test_config_hostile.c - the config file reader on what is not a config
 * file (/dev/zero, NUL bytes, binary, endless lines, no final newline, a
 * directory), and values the parser used to refuse or misread: IB's own
 * symbols with a space ("BRK B") and redis://user@host.
 *
 * Files are written in a tu_tmpdir directory (removed when the tests pass).
 */
#include <CUnit/CUnit.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/config.h"
#include "ibpipe/ib.h"
#include "config/redis_url.h"
#include "testutil.h"

static char dir[128];

static int
suite_init(void)
{
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
	return dir[0] ? 0 : -1;
}

/* A file of exactly these bytes (NULs included). */
static const char *
bytes_file(const char *name, const void *p, size_t n)
{
	static char path[4][256];
	static unsigned k;
	char *out = path[k++ % 4];
	FILE *f;

	snprintf(out, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(out, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(p, 1, n, f), n);
	fclose(f);
	return out;
}

/*
 * Load path in a child process, so a reader that never ends (the old one
 * on /dev/zero spun forever) fails this test instead of hanging the suite.
 * Returns the child's load result (0 / 1), or -1 when it did not finish.
 */
static int
load_in_child(const char *path, char *err, size_t errlen)
{
	int fds[2], status;
	pid_t pid;
	ssize_t n;

	CU_ASSERT_FATAL(pipe(fds) == 0);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		ib_config c;
		char e[512] = "";
		close(fds[0]);
		ib_config_defaults(&c);
		int rc = ib_config_load_file(&c, path, e, sizeof(e));
		if (write(fds[1], e, strlen(e) + 1) < 0)
			_exit(3);
		_exit(rc == 0 ? 0 : 1);
	}
	close(fds[1]);
	status = tu_wait(pid, 20000); /* a deadline for a hang, not a speed requirement */
	if (status == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(fds[0]);
		return -1;
	}
	n = read(fds[0], err, errlen - 1);
	err[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_dev_zero_ends_with_an_error(void)
{
	char err[512];

	CU_ASSERT_EQUAL(load_in_child("/dev/zero", err, sizeof(err)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/dev/zero:1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "control character (0x00)"));
}

static void
test_nul_in_a_line_names_the_line(void)
{
	static const char text[] = "host = 10.0.0.1\nport = 4\0" "003\nclient_id = 7\n";
	const char *p = bytes_file("nul.conf", text, sizeof(text) - 1);
	char err[512];
	ib_config c;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nul.conf:2:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "0x00"));
	CU_ASSERT_EQUAL(c.port, 4002); /* not the cut "4" */
	/* a NUL even in a comment: the file is not text */
	static const char comment[] = "# note \0 here\nport = 4100\n";
	p = bytes_file("nul-comment.conf", comment, sizeof(comment) - 1);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":1:"));
}

static void
test_binary_and_control_bytes(void)
{
	char bin[256], err[512];
	ib_config c;

	for (int i = 0; i < 256; i++)
		bin[i] = (char)(255 - i);
	const char *p = bytes_file("bin.conf", bin, sizeof(bin));
	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bin.conf:"));
	static const char ctl[] = "state_dir = /var/lib/x\x01y\n";
	p = bytes_file("ctl.conf", ctl, sizeof(ctl) - 1);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ctl.conf:1:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "0x01"));
	/* tabs and CRLF line ends are text */
	static const char ok[] = "port\t=\t4100\r\nhost = h\r\n";
	p = bytes_file("crlf.conf", ok, sizeof(ok) - 1);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.port, 4100);
	CU_ASSERT_STRING_EQUAL(c.host, "h");
}

static void
test_long_lines_and_big_files(void)
{
	size_t n = 100000;
	char *big = malloc(n), err[512];
	ib_config c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, 'A', n);
	memcpy(big, "symbols = ", 10); /* NOLINT(bugprone-not-null-terminated-result): file bytes, not a C string */
	const char *p = bytes_file("long.conf", big, n);
	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "long.conf:1: line longer than"));
	free(big);
	/* 2 MiB of comments: refused at the size limit, not read to the end */
	n = 2u << 20;
	big = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (size_t i = 0; i < n; i += 8)
		memcpy(big + i, "# noise\n", 8); /* NOLINT(bugprone-not-null-terminated-result): file bytes, not a string */
	p = bytes_file("big.conf", big, n);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than"));
	free(big);
}

static void
test_last_line_without_newline(void)
{
	static const char text[] = "host = h2\nport = 4101";
	const char *p = bytes_file("nonl.conf", text, sizeof(text) - 1);
	char err[512];
	ib_config c;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.port, 4101);
	/* a directory is not a file: a read error naming it */
	CU_ASSERT_EQUAL(load_in_child(dir, err, sizeof(err)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, dir));
}

static void
test_symbol_with_a_space(void)
{
	char err[512];
	ib_config c;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "BRK B, AAPL,BF B", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.nsymbols, 3);
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "BRK B");
	CU_ASSERT_STRING_EQUAL(c.symbols[2], "BF B");
	CU_ASSERT_EQUAL(ib_config_set(&c, "depth", "BRK B:5", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.depth[0].symbol, "BRK B");
	/* what is still not a symbol */
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "BRK  B", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "brk b", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(ib_config_set(&c, "symbols", "BRK\tB", err, sizeof(err)), -1);
	/* printed, it loads back the same */
	static const char text[] = "symbols = BRK B,AAPL\n";
	const char *p = bytes_file("brk.conf", text, sizeof(text) - 1);
	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_load_file(&c, p, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.nsymbols, 2);
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "BRK B");
}

static void
test_redis_url_with_a_user(void)
{
	char err[512];
	ib_redis_url u;
	ib_config c;

	ib_config_defaults(&c);
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_url", "redis://ibpipe@127.0.0.1:6380/1", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.redis_url, "redis://ibpipe@127.0.0.1:6380/1");
	CU_ASSERT_EQUAL(ib_redis_url_parse(c.redis_url, &u, err, sizeof(err)), IB_OK);
	CU_ASSERT_STRING_EQUAL(u.user, "ibpipe");
	CU_ASSERT_STRING_EQUAL(u.password, "");
	CU_ASSERT_STRING_EQUAL(u.host, "127.0.0.1");
	CU_ASSERT_EQUAL(u.port, 6380);
	/* a password in the URL is still refused, with or without a user */
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_url", "redis://ibpipe:pw@h", err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(ib_config_set(&c, "redis_url", "redis://:pw@h", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NULL(strstr(err, "pw@"));
}

void
test_config_hostile_register(void)
{
	CU_pSuite s = CU_add_suite("config_hostile", suite_init, NULL);

	CU_add_test(s, "--config /dev/zero ends with an error", test_dev_zero_ends_with_an_error);
	CU_add_test(s, "a NUL byte names its line", test_nul_in_a_line_names_the_line);
	CU_add_test(s, "binary and control bytes", test_binary_and_control_bytes);
	CU_add_test(s, "long lines and big files", test_long_lines_and_big_files);
	CU_add_test(s, "last line without newline; a directory", test_last_line_without_newline);
	CU_add_test(s, "IB symbols with a space (BRK B)", test_symbol_with_a_space);
	CU_add_test(s, "redis://user@host", test_redis_url_with_a_user);
}
