/* cmd_run.c - `ibpipe run` (placeholder until its module lands). */
#include <stdio.h>

#include "ibpipe/cmd.h"

int
ib_cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ibpipe run: not implemented yet\n");
	return 2;
}
