/*
 * commands.h - orders from other services: the reader of P:stream:commands.
 *
 * Its own thread and its own Redis connection: XREADGROUP (group and
 * consumer "ibpipe") blocking at most half a second, so it sees a stop.
 * Each command: answered from the journal if its cmd_id was seen before,
 * else executed (command_exec.h); the result goes to P:stream:orders
 * through the publisher (kind cmd) and to the hash P:commands:results
 * (cmd_id -> JSON); only once Redis holds the stream entry is the command
 * acknowledged (XACK, with the HSET).  At start, and after Redis comes
 * back, the commands read but never acknowledged come first: the journal
 * answers those that ran, so nothing is sent twice.
 */
#ifndef IBPIPE_COMMANDS_H
#define IBPIPE_COMMANDS_H

#include <stddef.h>

#include "config/config.h"
#include "core/pipeline.h"
#include "publish/publish.h"

typedef struct ib_commands ib_commands;

/* Open the journal in state_dir and start the thread; NULL with err (the journal is unusable). */
ib_commands *ib_commands_start(const ib_config *cfg, ib_pipeline *p, ib_pub *pub, char *err, size_t cap);
/* Stop and join the thread, close everything.  NULL is fine. */
void ib_commands_stop(ib_commands *c);

#endif
