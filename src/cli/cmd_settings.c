/*
 * cmd_settings.c - the start of a subcommand that takes nothing but
 * settings (run, probe): --help anywhere prints its usage, otherwise the
 * configuration is read from the file, the environment and the flags.
 * Main thread, before anything is started.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

int
ib_cmd_settings(const char *name, int argc, char **argv, void (*usage)(void), ib_config *cfg, const char **stray)
{
	char err[512];
	char *rest[8];
	int nrest = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage();
			return 0;
		}
	if (ib_config_from_args(cfg, argc - 1, argv + 1, rest, 8, &nrest, err, sizeof(err)) != 0) {
		fprintf(stderr, "ibpipe %s: %s\n", name, err);
		return 2;
	}
	if (stray)
		*stray = nrest > 0 ? rest[0] : NULL;
	return -1;
}
