/*
 * main.c - bin/ibpipe: dispatch to a subcommand.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} commands[] = {
	{ "run", ib_cmd_run, "connect to a gateway and run the trading pipeline" },
	{ "probe", ib_cmd_probe, "connect, wait for full account sync, print JSON, exit 0/1" },
	{ "status", ib_cmd_status, "print the state ibpipe published to Redis" },
	{ "dump", ib_cmd_dump, "decode a raw inbound byte stream or recording to JSON lines" },
	{ "replay", ib_cmd_replay, "feed a recording through the pipeline" },
	{ "web", ib_cmd_web, "serve a live dashboard of what ibpipe published to Redis" },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: ibpipe <command> [options]   (ibpipe <command> --help for details)\n\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n  --version  print version and git sha\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("ibpipe %s (%s)\n", IB_VERSION, IB_GIT_SHA);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ibpipe: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
