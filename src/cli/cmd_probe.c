/*
 * cmd_probe.c - `ibpipe probe`: connect, wait for full account sync (event
 * driven, bounded by --sync-timeout), print one JSON verdict, disconnect
 * cleanly, exit 0 (synced) or 1.  For scripts, health checks and systemd.
 */
#include <stdio.h>

#include "cli/cmd.h"
#include "service/control.h"

static void
probe_usage(void)
{
	printf("usage: ibpipe probe [--host H] [--port P] [--client-id N] [--sync-timeout S]\n\n"
	       "Connects readonly, waits for managedAccounts, nextValidId, every account's download\n"
	       "end and positionEnd, prints {\"ok\":true|false, server_version, managedAccounts,\n"
	       "nextValidId, handshake_ms, sync_ms, missing[], waiting_s} and exits 0 when synced,\n"
	       "1 otherwise.  It never publishes to Redis and never subscribes market data.\n");
}

int
ib_cmd_probe(int argc, char **argv)
{
	ib_config cfg;
	int rc = ib_cmd_settings("probe", argc, argv, probe_usage, &cfg, NULL);

	return rc >= 0 ? rc : ib_app_run(&cfg, IB_APP_PROBE, NULL, NULL);
}
