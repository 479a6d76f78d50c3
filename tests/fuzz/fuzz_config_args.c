/*
 * fuzz_config_args.c - the whole configuration path (file < environment <
 * flags, ib_config_from_args) on hostile inputs: files with NULs and other
 * control bytes, huge lines, no final newline, a megabyte of repetition,
 * include-like lines, IBPIPE_* variables and flags in any combination.
 *
 * Input: byte 0 = shape (bits 0-2: repeat the file 16^n times, capped a
 * little past the 1 MiB limit; bit 3: name the file with IBPIPE_CONFIG
 * instead of --config; bit 4: drop the final newline), bytes 1-2 = file
 * length (LE), the file, then NUL-separated tokens: "E:NAME=VALUE" sets
 * IBPIPE_NAME, anything else is an argv word.
 *
 * Invariants checked (a violation aborts, which libFuzzer reports):
 * - an error is a non-empty message; one from the file names the file;
 * - a file that loads holds no NUL or other control byte, no line past the
 *   limit and is no larger than the limit (nothing was silently cut);
 * - the Redis password (always set, a canary) never reaches a message or
 *   the printed config.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_scratch.h"
#include "config/config.h"

#define MAX_TOKENS 24
#define FILE_LIMIT (1u << 20)
#define LINE_LIMIT 8190
#define CANARY "canary-PW-9d1f"

extern char **environ;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static void
clear_env(void)
{
	for (int guard = 0; guard < 1000; guard++) {
		char **e;
		for (e = environ; e && *e; e++)
			if (strncmp(*e, "IBPIPE_", 7) == 0)
				break;
		if (e == NULL || *e == NULL)
			return;
		char *name = strndup(*e, strcspn(*e, "="));
		if (name == NULL)
			abort();
		unsetenv(name);
		free(name);
	}
	check(0, "an IBPIPE_ variable that cannot be unset");
}

/* Paths a fuzzer might invent that would block a read (ttys, FIFOs, /proc/kmsg) go to our file. */
static const char *
safe_word(const char *w, const char *path)
{
	static const char *ok[] = { "/dev/zero", "/dev/null", "/dev/urandom", "/etc/passwd", "/etc", "/tmp" };

	if (strstr(w, "/dev/") == NULL && strstr(w, "/proc/") == NULL && strstr(w, "/sys/") == NULL &&
	    strstr(w, "/run/") == NULL)
		return w;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		const char *v = strchr(w, '=') ? strchr(w, '=') + 1 : w;
		if (strcmp(v, ok[i]) == 0)
			return w;
	}
	return path;
}

/* What the loader promises about a file it accepted. */
static void
check_accepted_file(const char *p, size_t n)
{
	size_t line = 0;

	check(n <= FILE_LIMIT, "a file over the size limit was accepted");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (ch == '\n') {
			line = 0;
			continue;
		}
		check(!(ch < 0x20 && ch != '\t' && ch != '\r'), "a file with a NUL or control byte was accepted");
		check(++line <= LINE_LIMIT, "a line over the length limit was accepted");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = fuzz_scratch_path("args");
	static char words[MAX_TOKENS][512];
	static ib_config c;
	char err[600], *argv[MAX_TOKENS + 2], *rest[8], *printed = NULL;
	size_t flen, fsize = 0, plen = 0;
	int argc = 0, nrest = 0, rc;
	FILE *f;

	if (size < 3)
		return 0;
	flen = (size_t)data[1] | (size_t)data[2] << 8;
	if (flen > size - 3)
		flen = size - 3;

	/* the file, blown up on request */
	size_t reps = (size_t)1 << (4 * (data[0] & 7));
	if (flen == 0)
		reps = 1;
	else if (reps > (FILE_LIMIT + 4096) / flen + 1)
		reps = (FILE_LIMIT + 4096) / flen + 1;
	char *file = malloc(flen * reps + 1);
	if (file == NULL)
		return 0;
	for (size_t r = 0; r < reps; r++)
		memcpy(file + fsize, data + 3, flen), fsize += flen;
	if ((data[0] & 16) && fsize && file[fsize - 1] == '\n')
		fsize--;
	if ((f = fopen(path, "w")) == NULL) {
		free(file);
		return 0;
	}
	fwrite(file, 1, fsize, f);
	fclose(f);

	/* the file alone first: what it accepts it must really hold */
	ib_config_defaults(&c);
	err[0] = '\0';
	if (ib_config_load_file(&c, path, err, sizeof(err)) == 0)
		check_accepted_file(file, fsize);
	else
		check(strncmp(err, path, strlen(path)) == 0, "a file error does not name the file");
	free(file);

	/* then everything together */
	clear_env();
	setenv("IBPIPE_REDIS_PASSWORD", CANARY, 1);
	argv[argc++] = (char *)"ibpipe";
	if (data[0] & 8)
		setenv("IBPIPE_CONFIG", path, 1);
	else
		argv[argc++] = (char *)"--config", argv[argc++] = path;
	const uint8_t *p = data + 3 + flen, *end = data + size;
	for (int t = 0; p < end && t < MAX_TOKENS - 3; t++) {
		const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
		size_t n = (size_t)((nul ? nul : end) - p);
		if (n >= sizeof(words[t]))
			n = sizeof(words[t]) - 1;
		memcpy(words[t], p, n);
		words[t][n] = '\0';
		p = nul ? nul + 1 : end;
		if (strncmp(words[t], "E:", 2) == 0) {
			char name[600], *eq = strchr(words[t] + 2, '=');
			if (eq == NULL || eq == words[t] + 2)
				continue;
			snprintf(name, sizeof(name), "IBPIPE_%.*s", (int)(eq - words[t] - 2), words[t] + 2);
			if (strcmp(name, "IBPIPE_REDIS_PASSWORD") != 0)
				setenv(name, safe_word(eq + 1, path), 1);
			continue;
		}
		argv[argc++] = (char *)safe_word(words[t], path);
	}
	argv[argc] = NULL;
	err[0] = '\0';
	rc = ib_config_from_args(&c, argc - 1, argv + 1, rest, 8, &nrest, err, sizeof(err));
	check(rc == 0 || rc == -1, "from_args returned something else than 0 / -1");
	check(rc == 0 || err[0] != '\0', "an error without a message");
	/* (unless the input itself spelt it: errors quote the offending text) */
	bool spelt = memmem(data, size, CANARY, strlen(CANARY)) != NULL;
	check(spelt || strstr(err, CANARY) == NULL, "the password reached an error message");
	check(nrest >= 0 && nrest <= 8, "more rest words than room");
	if (rc == 0) {
		f = open_memstream(&printed, &plen);
		if (f) {
			ib_config_print(&c, f);
			fclose(f);
			check(spelt || printed == NULL || strstr(printed, CANARY) == NULL,
			      "the password reached the printed config");
			free(printed);
		}
	}
	clear_env();
	return 0;
}
