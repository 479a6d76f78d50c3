/* cmd_dump.c - `ibpipe dump` (placeholder until its module lands). */
#include <stdio.h>

#include "ibpipe/cmd.h"

int
ib_cmd_dump(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "ibpipe dump: not implemented yet\n");
	return 2;
}
