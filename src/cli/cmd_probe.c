/*
 * cmd_probe.c - `ibpipe probe`: connect, wait for full account sync (event
 * driven, bounded by --sync-timeout), print one JSON verdict, disconnect
 * cleanly, exit 0 (synced) or 1.  For scripts, health checks and systemd.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"
#include "service/control.h"

int
ib_cmd_probe(int argc, char **argv)
{
	ib_config cfg;
	char err[512];
	char *rest[8];
	int nrest = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: ibpipe probe [--host H] [--port P] [--client-id N] [--sync-timeout S]\n\n"
			       "Connects readonly, waits for managedAccounts, nextValidId, every account's download\n"
			       "end and positionEnd, prints {\"ok\":true|false, server_version, managedAccounts,\n"
			       "nextValidId, handshake_ms, sync_ms, missing[], waiting_s} and exits 0 when synced,\n"
			       "1 otherwise.  It never publishes to Redis and never subscribes market data.\n");
			return 0;
		}
	if (ib_config_from_args(&cfg, argc - 1, argv + 1, rest, 8, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe probe: %s\n", err);
		return 2;
	}
	return ib_app_run(&cfg, IB_APP_PROBE, NULL, NULL);
}
