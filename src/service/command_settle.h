/*
 * command_settle.h - what became of the command stream's accepted orders
 * (command reader thread).
 *
 * The journal files an order's answer before the order enters the out
 * ring, so a crash can leave an order answered "accepted" that never
 * reached the gateway's socket.  Every accepted order stays open here until
 * its fate is known, then is settled in the journal:
 *   - ibpipe published a status for it other than PendingSubmit (the
 *     gateway spoke of it, or it was refused or swept as final): P:order:ID,
 *     read every POLL_MS;
 *   - after a restart, the orders of an earlier run still open are put to
 *     the gateway once this run's first reconcile is complete (open orders
 *     and executions, ib_pipeline_check_orders): the gateway had it -> settled,
 *     its statuses come as for any order; it did not -> the answer becomes
 *     "lost" (P:stream:orders kind=cmd, P:commands:results, the journal), so
 *     a repeat of its cmd_id is answered "lost" and nothing is sent again.
 */
#ifndef IBPIPE_COMMAND_SETTLE_H
#define IBPIPE_COMMAND_SETTLE_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pipeline.h"
#include "service/command_journal.h"

#define IB_CMD_LOST_REASON "not at the gateway after restart"

typedef struct ib_cmd_settle ib_cmd_settle;

/* Publish a lost order's answer (stream entry and results hash); false to try again later. */
typedef bool (*ib_cmd_lost_fn)(void *arg, const char *cmd_id, const ib_cmd_result *res);

/* The journal's open orders (all of an earlier run) taken on; NULL when out of memory. */
ib_cmd_settle *ib_cmd_settle_new(ib_pipeline *p, ib_cmd_journal *j, const char *prefix, ib_cmd_lost_fn lost,
				 void *arg);
void ib_cmd_settle_free(ib_cmd_settle *s);
/* An order this run accepted. */
void ib_cmd_settle_track(ib_cmd_settle *s, const char *cmd_id, int32_t order_id);
/* Read statuses (when due), hand the earlier run's open orders to the gateway check, act on its answer;
   false when the Redis connection failed (drop it). */
bool ib_cmd_settle_step(ib_cmd_settle *s, redisContext *c);
/* Orders still open (for the log and tests). */
size_t ib_cmd_settle_open(const ib_cmd_settle *s);

#endif
