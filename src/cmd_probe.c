/* cmd_probe.c - `ibpipe probe` (placeholder until its module lands). */
#include <stdio.h>

#include "ibpipe/cmd.h"

int
ib_cmd_probe(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ibpipe probe: not implemented yet\n");
	return 2;
}
