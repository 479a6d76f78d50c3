/*
 * main.c - bin/ibbench: one program, one question per subcommand.
 *   ibbench ring|e2e|... [--quick] [--json FILE] [subcommand options]
 * Figures go to stdout as a table and, with --json, one JSON object per
 * line to FILE (tools/bench.sh assembles them into bench/results/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "bench_decode.h"
#include "bench_publish.h"

static FILE *json_out;
static const char *current;

void
bench_result(const char *name, const char *unit, double value)
{
	if (json_out) {
		fprintf(json_out, "{\"bench\":\"%s\",\"name\":\"%s\",\"unit\":\"%s\",\"value\":%.6g}\n", current, name, unit,
			value);
		fflush(json_out);
	}
}

double
bench_thread_cpu_s(pthread_t th)
{
	clockid_t cid;
	struct timespec ts;

	if (pthread_getcpuclockid(th, &cid) != 0 || clock_gettime(cid, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *
bench_arg(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

bool
bench_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

bool
bench_quick(int argc, char **argv)
{
	return bench_flag(argc, argv, "--quick") || getenv("IBBENCH_QUICK") != NULL;
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} benches[] = {
	{ "decode", bench_decode, "framer + decoder on one core vs a memchr-per-field loop" },
	{ "ring", bench_ring, "ck_ring handoff between two threads, batch 1/16/256" },
	{ "publish", bench_publish, "Redis publisher: commands/s, quote writes/s, staleness" },
	{ "e2e", bench_e2e, "ibsim --blast over loopback through the whole pipeline" },
	{ "floor", bench_floor, "what one wake-up costs here: a paced recv(), a futex handoff" },
};

int
main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(argc < 2 ? stderr : stdout, "usage: ibbench <bench> [--quick] [--json FILE] [options]\n");
		for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
			fprintf(argc < 2 ? stderr : stdout, "  %-8s %s\n", benches[i].name, benches[i].help);
		return argc < 2 ? 2 : 0;
	}
	for (int i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], "--json") == 0) {
			json_out = fopen(argv[i + 1], "a");
			if (!json_out) {
				perror(argv[i + 1]);
				return 2;
			}
		}
	for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		if (strcmp(argv[1], benches[i].name) == 0) {
			current = benches[i].name;
			int rc = benches[i].fn(argc - 1, argv + 1);
			if (json_out)
				fclose(json_out);
			return rc;
		}
	fprintf(stderr, "ibbench: unknown bench '%s'\n", argv[1]);
	return 2;
}
