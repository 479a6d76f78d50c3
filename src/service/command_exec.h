/*
 * command_exec.h - doing what a command says, through the gates a
 * strategy's order passes (core/place.h), and filing its result in the
 * journal before anything leaves for the gateway.  The command reader's
 * thread only.
 */
#ifndef IBPIPE_COMMAND_EXEC_H
#define IBPIPE_COMMAND_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pipeline.h"
#include "service/command_journal.h"
#include "service/command_parse.h"

typedef struct ib_cmd_exec {
	ib_pipeline *p;
	ib_cmd_journal *journal;
	int64_t *order_times;        /* ring of the command stream's order times: max_orders_per_s */
	uint32_t times_cap, times_head;
	/* an accepted order's result, filed and about to be queued: published now, so it comes
	   before the order's own entries on P:stream:orders (commands.c) */
	void (*announce)(void *arg, const char *cmd_id, const ib_cmd_result *res);
	void *announce_arg;
	/* cancel_all: false when the order is known to be final (commands.c reads P:order:ID) */
	bool (*order_live)(void *arg, int32_t order_id);
	void *live_arg;
} ib_cmd_exec;

enum ib_cmd_outcome {
	IB_CMD_DONE,   /* *res is the result, filed in the journal (or not fileable: reason says why) */
	IB_CMD_RETRY,  /* nothing done and nothing filed (stopping): leave the command for the next start */
};

/* Execute c, which the journal does not hold yet. */
enum ib_cmd_outcome ib_cmd_execute(ib_cmd_exec *x, const ib_command *c, ib_cmd_result *res);
/* File a refusal (a malformed command under a usable cmd_id). */
void ib_cmd_refuse(ib_cmd_exec *x, const char *cmd_id, const char *cmd, const char *reason, ib_cmd_result *res);

#endif
