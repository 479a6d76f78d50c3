/*
 * cmd.h - the subcommands of bin/ibpipe.  Each returns the process exit code.
 */
#ifndef IBPIPE_CMD_H
#define IBPIPE_CMD_H

#include "config/config.h"

int ib_cmd_run(int argc, char **argv);
int ib_cmd_probe(int argc, char **argv);
int ib_cmd_dump(int argc, char **argv);
int ib_cmd_status(int argc, char **argv);
int ib_cmd_replay(int argc, char **argv);
int ib_cmd_web(int argc, char **argv);

/*
 * What run and probe start with: usage() when an argument is --help or -h
 * (returns 0), else cfg from the settings file, the environment and argv
 * (a bad setting: "ibpipe NAME: why" on stderr, returns 2).  Returns -1
 * when cfg is ready; *stray (if not NULL): the first word that is no
 * setting, or NULL.
 */
int ib_cmd_settings(const char *name, int argc, char **argv, void (*usage)(void), ib_config *cfg, const char **stray);

#endif
