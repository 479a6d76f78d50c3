/*
 * cmd_run.c - `ibpipe run`: the trader daemon.
 *
 * All threads are created with SIGINT/SIGTERM/SIGUSR1/SIGUSR2 blocked; the
 * main thread takes them with sigtimedwait, so no handler ever runs inside
 * a pipeline thread.  Once a quarter second the main thread also checks the
 * run time, the Redis kill switch and draws the progress line.
 */
#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "config/config.h"
#include "service/control.h"
#include "ibpipe/log.h"
#include "core/pipeline.h"
#include "publish/publish.h"
#include "loader/registry.h"

static void
run_usage(void)
{
	printf("usage: ibpipe run [--config FILE] [--key value ...]\n\n"
	       "Connects to an IB Gateway / TWS, waits for full account sync, runs the strategies\n"
	       "and publishes state to Redis.  Signals: SIGINT/SIGTERM stop cleanly, SIGUSR1 halts\n"
	       "new orders (kill switch), SIGUSR2 resumes.  Settings (file key, IBPIPE_<KEY>, --key):\n\n");
	ib_config_usage(stdout);
	ib_strategy_print_help(stdout);
}

int
ib_cmd_run(int argc, char **argv)
{
	ib_config cfg;
	char err[512];
	char *rest[8];
	int nrest = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			run_usage();
			return 0;
		}
	if (ib_config_from_args(&cfg, argc - 1, argv + 1, rest, 8, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe run: %s\n", err);
		return 2;
	}
	if (nrest > 0) {
		fprintf(stderr, "ibpipe run: unexpected argument '%s'\n", rest[0]);
		return 2;
	}
	return ib_app_run(&cfg, IB_APP_RUN, NULL, NULL);
}
