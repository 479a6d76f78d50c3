/*
 * test_log.c - what ib_log writes to stderr: the text line layout, JSON
 * that a strict parser accepts (escapes, UTF-8 repair), one line per call
 * whatever the message holds, and the rate limiter (identical messages
 * within a second fold into one line with a count, reported once the
 * second is over or when the slot is reused).
 *
 * stderr is redirected to a temporary file around each capture; the
 * limiter's state is process-wide, so every test logs text of its own.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ibpipe/log.h"
#include "testutil.h"

static FILE *cap_file;
static int cap_saved = -1;

static void
capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(cap_file);
	cap_saved = dup(STDERR_FILENO);
	dup2(fileno(cap_file), STDERR_FILENO);
}

/* Everything written since capture_begin, malloc'd and NUL-terminated. */
static char *
capture_end(void)
{
	long n;
	char *buf;

	fflush(stderr);
	dup2(cap_saved, STDERR_FILENO);
	close(cap_saved);
	fseek(cap_file, 0, SEEK_END);
	n = ftell(cap_file);
	n = n < 0 ? 0 : n;
	buf = calloc(1, (size_t)n + 1);
	rewind(cap_file);
	if (n > 0 && fread(buf, 1, (size_t)n, cap_file) != (size_t)n)
		buf[0] = '\0';
	fclose(cap_file);
	return buf;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* The line containing needle, copied into out; false if none. */
static bool
line_with(const char *text, const char *needle, char *out, size_t cap)
{
	const char *p = strstr(text, needle), *s, *e;

	if (p == NULL)
		return false;
	for (s = p; s > text && s[-1] != '\n'; s--)
		;
	e = strchr(p, '\n');
	e = e ? e : p + strlen(p);
	snprintf(out, cap, "%.*s", (int)(e - s), s);
	return true;
}

/* ---- a strict parser for the flat objects ib_log writes ---- */

struct jfield {
	char key[32];
	char str[2048]; /* decoded string value */
	long long num;
	bool is_num;
};

static void
put_utf8(char **o, unsigned cp)
{
	if (cp < 0x80) {
		*(*o)++ = (char)cp;
	} else if (cp < 0x800) {
		*(*o)++ = (char)(0xC0 | cp >> 6);
		*(*o)++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*(*o)++ = (char)(0xE0 | cp >> 12);
		*(*o)++ = (char)(0x80 | ((cp >> 6) & 0x3F));
		*(*o)++ = (char)(0x80 | (cp & 0x3F));
	}
}

/* Parse a JSON string at *p (at the quote) into out; false on anything JSON forbids. */
static bool
jstring(const char **p, char *out, size_t cap)
{
	const char *s = *p;
	char *o = out, *end = out + cap - 4;

	if (*s++ != '"')
		return false;
	while (*s != '"') {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || o >= end)
			return false; /* raw control characters are not allowed inside strings */
		if (ch != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u': {
			unsigned cp;
			if (sscanf(s + 1, "%4x", &cp) != 1 || strspn(s + 1, "0123456789abcdefABCDEF") < 4)
				return false;
			put_utf8(&o, cp);
			s += 4;
			break;
		}
		default: return false;
		}
		s++;
	}
	*o = '\0';
	*p = s + 1;
	return true;
}

/* Parse one line `{"k":"v"|N,...}` into fields; returns the count or -1. */
static int
jobject(const char *line, struct jfield *f, int max)
{
	const char *p = line;
	int n = 0;

	if (*p++ != '{')
		return -1;
	while (n < max) {
		if (!jstring(&p, f[n].key, sizeof(f[n].key)) || *p++ != ':')
			return -1;
		f[n].is_num = *p != '"';
		if (f[n].is_num) {
			char *e;
			f[n].num = strtoll(p, &e, 10);
			if (e == p)
				return -1;
			p = e;
		} else if (!jstring(&p, f[n].str, sizeof(f[n].str))) {
			return -1;
		}
		n++;
		if (*p == '}')
			return p[1] == '\0' ? n : -1;
		if (*p++ != ',')
			return -1;
	}
	return -1;
}

/* The field named key; a missing one fails the test and reads as empty. */
static const struct jfield *
jget(const struct jfield *f, int n, const char *key)
{
	static struct jfield none;

	for (int i = 0; i < n; i++)
		if (strcmp(f[i].key, key) == 0)
			return &f[i];
	CU_FAIL("field missing from the JSON line");
	return &none;
}

/* ---- tests ---- */

static void
test_text_line(void)
{
	char *out, line[1200];
	int y, mo, d, h, mi, s, ms;
	char tail[200];

	ib_log_setup(IB_LL_INFO, IB_LOG_TEXT);
	capture_begin();
	ib_log(IB_LL_INFO, "net", "text-line hello %d", 42);
	ib_log(IB_LL_DEBUG, "net", "text-line below the level");
	ib_log(IB_LL_WARN, "net", "text-line two\nlines\tand \x01 bell");
	out = capture_end();

	CU_ASSERT_FATAL(line_with(out, "text-line hello", line, sizeof(line)));
	CU_ASSERT_EQUAL(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ %199[^\n]", &y, &mo, &d, &h, &mi, &s, &ms, tail), 8);
	CU_ASSERT(y >= 2024 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31);
	CU_ASSERT_STRING_EQUAL(tail, "info  net      text-line hello 42");
	CU_ASSERT_EQUAL(count(out, "below the level"), 0);
	/* a message with a newline is still one line, its control characters visible */
	CU_ASSERT_FATAL(line_with(out, "text-line two", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "warn  net      text-line two\\nlines\tand \\x01 bell"));
	CU_ASSERT_EQUAL(count(out, "\n"), 2);
	free(out);
}

static void
test_json_escaping(void)
{
	struct jfield f[8];
	char *out, line[4096];
	int n;

	ib_log_setup(IB_LL_DEBUG, IB_LOG_JSON);
	capture_begin();
	/* quote, backslash, newline, tab, a control byte, valid UTF-8, a stray Latin-1 byte */
	ib_log(IB_LL_ERROR, "acct\"x", "json-esc \"q\" back\\slash\nnl\ttab\x02 caf\xc3\xa9 bad\xff end");
	ib_log(IB_LL_DEBUG, "md", "json-esc plain");
	out = capture_end();
	ib_log_setup(IB_LL_INFO, IB_LOG_TEXT);

	CU_ASSERT_EQUAL(count(out, "\n"), 2); /* one line per call */
	CU_ASSERT_FATAL(line_with(out, "json-esc \\\"q", line, sizeof(line)));
	n = jobject(line, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(f[0].key, "ts");
	CU_ASSERT_EQUAL(strlen(jget(f, n, "ts")->str), 24); /* 2025-01-02T03:04:05.678Z */
	CU_ASSERT_EQUAL(jget(f, n, "ts")->str[23], 'Z');
	CU_ASSERT_STRING_EQUAL(jget(f, n, "level")->str, "error");
	CU_ASSERT_STRING_EQUAL(jget(f, n, "component")->str, "acct\"x");
	CU_ASSERT_STRING_EQUAL(jget(f, n, "msg")->str,
			       "json-esc \"q\" back\\slash\nnl\ttab\x02 caf\xc3\xa9 bad\xef\xbf\xbd end");
	CU_ASSERT_FATAL(line_with(out, "json-esc plain", line, sizeof(line)));
	n = jobject(line, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT_STRING_EQUAL(jget(f, n, "level")->str, "debug");
	free(out);
}

/* A storm of one error is one line, then one count line once the second is over. */
static void
test_rate_limit_folds_and_reports(void)
{
	unsigned long before = ib_log_suppressed();
	char *out, line[1200];

	ib_log_setup(IB_LL_INFO, IB_LOG_TEXT);
	capture_begin();
	for (int i = 0; i < 100; i++) {
		ib_log(IB_LL_ERROR, "net", "rl-storm error 1100: connectivity lost");
		if (i % 10 == 0)
			ib_log(IB_LL_ERROR, "net", "rl-other %d", i); /* different text: never folded */
	}
	ib_log(IB_LL_ERROR, "acct", "rl-storm error 1100: connectivity lost"); /* other component */
	out = capture_end();
	CU_ASSERT_EQUAL(count(out, "net      rl-storm"), 1);
	CU_ASSERT_EQUAL(count(out, "acct     rl-storm"), 1);
	CU_ASSERT_EQUAL(count(out, "rl-other"), 10);
	CU_ASSERT_EQUAL(count(out, "repeated"), 0); /* the window is still open */
	CU_ASSERT_EQUAL(ib_log_suppressed() - before, 99);
	free(out);

	tu_sleep_ms(1100);
	capture_begin();
	ib_log(IB_LL_INFO, "main", "rl-unrelated"); /* any call reports folds whose second is over */
	ib_log(IB_LL_ERROR, "net", "rl-storm error 1100: connectivity lost");
	out = capture_end();
	CU_ASSERT_FATAL(line_with(out, "repeated", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "error net      rl-storm error 1100: connectivity lost (repeated 99 more times)"));
	CU_ASSERT_EQUAL(count(out, "(repeated"), 1);
	/* the count comes before the unrelated line, and the next occurrence prints plainly */
	CU_ASSERT(strstr(out, "(repeated 99") < strstr(out, "rl-unrelated"));
	CU_ASSERT_EQUAL(count(out, "rl-storm error 1100: connectivity lost\n"), 1);
	free(out);
}

/* Reusing the oldest of the 16 slots reports its pending count first; nothing is lost. */
static void
test_rate_limit_eviction_reports(void)
{
	char *out, line[1200];

	ib_log_setup(IB_LL_INFO, IB_LOG_JSON);
	capture_begin();
	ib_log(IB_LL_WARN, "md", "ev-first");
	ib_log(IB_LL_WARN, "md", "ev-first");
	ib_log(IB_LL_WARN, "md", "ev-first");
	for (int i = 0; i < 16; i++)
		ib_log(IB_LL_WARN, "md", "ev-fill %d", i);
	out = capture_end();
	ib_log_setup(IB_LL_INFO, IB_LOG_TEXT);

	CU_ASSERT_EQUAL(count(out, "\"msg\":\"ev-first\""), 2); /* the first line and the count line */
	CU_ASSERT_FATAL(line_with(out, "\"repeated\"", line, sizeof(line)));
	struct jfield f[8];
	int n = jobject(line, f, 8);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_STRING_EQUAL(jget(f, n, "msg")->str, "ev-first");
	CU_ASSERT_STRING_EQUAL(jget(f, n, "level")->str, "warn");
	CU_ASSERT_TRUE(jget(f, n, "repeated")->is_num);
	CU_ASSERT_EQUAL(jget(f, n, "repeated")->num, 2);
	CU_ASSERT_EQUAL(count(out, "ev-fill"), 16);
	free(out);
}

/* The count of a storm that is the last thing logged reaches stderr at exit. */
static void
test_rate_limit_reported_at_exit(void)
{
	char path[128], *text;
	pid_t pid;

	const char *dir = tu_tmpdir();

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/exit.log", dir);
	fflush(NULL);
	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		FILE *f = freopen(path, "w", stderr);
		(void)f;
		for (int i = 0; i < 5; i++)
			ib_log(IB_LL_ERROR, "net", "exit-storm");
		exit(0); /* atexit handlers run */
	}
	CU_ASSERT_NOT_EQUAL(tu_wait(pid, 5000), -1);
	text = tu_read_file(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(count(text, "exit-storm"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "exit-storm (repeated 4 more times)"));
	free(text);
	unlink(path);
	rmdir(dir);
}

static void *
storm_thread(void *arg)
{
	int id = *(const int *)arg;

	for (int i = 0; i < 500; i++) {
		ib_log(IB_LL_ERROR, "net", "mt-same storm");
		ib_log(IB_LL_WARN, "md", "mt-distinct thread %d line %d \"quoted\"", id, i);
	}
	return NULL;
}

/*
 * Four threads at once: every line whole and valid JSON, and the shared
 * storm folded although 2000 one-off lines pass through the 16 slots
 * meanwhile (the storm is the most recently seen, so it keeps its slot).
 * Printed + folded occurrences must add up exactly, however long a slow
 * (sanitizer) build takes.
 */
static void
test_threads(void)
{
	pthread_t th[4];
	static const int ids[4] = { 0, 1, 2, 3 };
	unsigned long before = ib_log_suppressed();
	char *out, *line, *save = NULL;
	int lines = 0, bad = 0, plain = 0;
	long long folded = 0;

	ib_log_setup(IB_LL_INFO, IB_LOG_JSON);
	capture_begin();
	long long t0 = tu_now_ms();
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, storm_thread, (void *)&ids[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	long long storm_s = (tu_now_ms() - t0) / 1000 + 1; /* the seconds the storm touched */
	tu_sleep_ms(1050); /* the fold window is one second of the clock: its end is the event */
	ib_log(IB_LL_INFO, "main", "mt-after"); /* reports the storm's count */
	out = capture_end();
	ib_log_setup(IB_LL_INFO, IB_LOG_TEXT);

	CU_ASSERT_EQUAL(count(out, "mt-distinct"), 2000); /* never folded into each other */
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct jfield f[8];
		int n = jobject(line, f, 8);
		lines++;
		bad += n < 4;
		if (n >= 4 && strcmp(jget(f, n, "msg")->str, "mt-same storm") == 0) {
			if (n == 5)
				folded += jget(f, n, "repeated")->num;
			else
				plain++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(plain + folded, 2000);
	CU_ASSERT_EQUAL((long long)(ib_log_suppressed() - before), folded);
	/* one per elapsed second, not one per eviction (however long a loaded machine took for the storm) */
	CU_ASSERT(plain >= 1 && plain <= storm_s + 4);
	if (plain > storm_s + 4)
		fprintf(stderr, "\n  storm printed %d times\n", plain);
	free(out);
}

/*
 * Each line reaches stderr in one write: a reader of the log file (a test
 * waiting for a line, a log shipper) never sees half a line.  A packet-mode
 * pipe (O_DIRECT) keeps every write(2) a packet of its own, and read(2)
 * returns one packet, so a line written piece by piece reads back as its
 * first piece.  Non-blocking: written a byte at a time, a line is more
 * packets than the pipe holds, and the pieces that do not fit are dropped
 * rather than blocking the test.
 */
static void
test_one_write_per_line(void)
{
	int pfd[2], saved;
	char buf[8192];
	ssize_t n;
	enum ib_log_format formats[] = { IB_LOG_TEXT, IB_LOG_JSON };

	for (int i = 0; i < 2; i++) {
		CU_ASSERT_EQUAL_FATAL(pipe2(pfd, O_DIRECT | O_NONBLOCK), 0);
		fflush(stderr);
		saved = dup(STDERR_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		ib_log_setup(IB_LL_INFO, formats[i]);
		ib_log(IB_LL_WARN, "onewrite", "a line in one piece %d (with \n a newline) at %lld", i, 12345678LL);
		ib_log_setup(IB_LL_INFO, IB_LOG_TEXT);
		dup2(saved, STDERR_FILENO);
		close(saved);
		close(pfd[1]);
		n = read(pfd[0], buf, sizeof(buf) - 1);
		close(pfd[0]);
		CU_ASSERT_FATAL(n > 0);
		buf[n] = '\0';
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "onewrite"));
		CU_ASSERT_PTR_NOT_NULL(strstr(buf, "at 12345678"));
		CU_ASSERT_EQUAL(buf[n - 1], '\n');
		CU_ASSERT_PTR_EQUAL(strchr(buf, '\n'), buf + n - 1);
		if (buf[n - 1] != '\n')
			fprintf(stderr, "\n  first write: '%s'\n", buf);
	}
}

void
test_log_register(void)
{
	CU_pSuite s = CU_add_suite("log", NULL, NULL);

	CU_add_test(s, "text line", test_text_line);
	CU_add_test(s, "json escaping", test_json_escaping);
	CU_add_test(s, "rate limit folds and reports", test_rate_limit_folds_and_reports);
	CU_add_test(s, "rate limit eviction reports", test_rate_limit_eviction_reports);
	CU_add_test(s, "rate limit reported at exit", test_rate_limit_reported_at_exit);
	CU_add_test(s, "threads", test_threads);
	CU_add_test(s, "one write per line", test_one_write_per_line);
}
