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
	const char *stray;
	int rc = ib_cmd_settings("run", argc, argv, run_usage, &cfg, &stray);

	if (rc >= 0)
		return rc;
	if (stray) {
		fprintf(stderr, "ibpipe run: unexpected argument '%s'\n", stray);
		return 2;
	}
	return ib_app_run(&cfg, IB_APP_RUN, NULL, NULL);
}
