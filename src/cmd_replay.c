/* cmd_replay.c - `ibpipe replay` (placeholder until its module lands). */
#include <stdio.h>

#include "ibpipe/cmd.h"

int
ib_cmd_replay(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ibpipe replay: not implemented yet\n");
	return 2;
}
