/* cmd_status.c - `ibpipe status` (placeholder until its module lands). */
#include <stdio.h>

#include "ibpipe/cmd.h"

int
ib_cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ibpipe status: not implemented yet\n");
	return 2;
}
