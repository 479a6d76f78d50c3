/*
 * cmd.h - the subcommands of bin/ibpipe.  Each returns the process exit code.
 */
#ifndef IBPIPE_CMD_H
#define IBPIPE_CMD_H

int ib_cmd_run(int argc, char **argv);
int ib_cmd_probe(int argc, char **argv);
int ib_cmd_dump(int argc, char **argv);
int ib_cmd_status(int argc, char **argv);
int ib_cmd_replay(int argc, char **argv);
int ib_cmd_web(int argc, char **argv);

#endif
