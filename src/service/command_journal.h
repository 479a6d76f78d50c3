/*
 * command_journal.h - every command's first result, on disk in state_dir,
 * so a cmd_id is executed once whatever restarts (ibpipe, Redis, both).
 *
 * One line per command, appended and fdatasync'd before anything is sent
 * for it (for an order: after its id is taken, before it enters the out
 * ring).  A crash can leave a last line cut short: that command had sent
 * nothing, so the line is dropped on load and the file cut back to it.
 * Loaded whole at start into a hash table.  Used by the command reader's
 * thread only.
 */
#ifndef IBPIPE_COMMAND_JOURNAL_H
#define IBPIPE_COMMAND_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/command_parse.h"

typedef struct ib_cmd_result {
	char cmd[12];       /* place, modify, ... */
	char result[12];    /* accepted | refused | lost (an accepted order not at the gateway after a restart) */
	int32_t order_id;   /* 0: none */
	char reason[160];
} ib_cmd_result;

typedef struct ib_cmd_journal ib_cmd_journal;

/* Open (create) path and load it.  NULL with why on failure. */
ib_cmd_journal *ib_cmd_journal_open(const char *path, char *why, size_t cap);
void ib_cmd_journal_close(ib_cmd_journal *j);
/* The first result filed under cmd_id: true and *out, or false. */
bool ib_cmd_journal_find(const ib_cmd_journal *j, const char *cmd_id, ib_cmd_result *out);
/* File r under cmd_id, durably (written and fdatasync'd): 0, or -1 with errno. */
int ib_cmd_journal_add(ib_cmd_journal *j, const char *cmd_id, const ib_cmd_result *r);
/* Its accepted order's fate is known (the gateway had it, or its final state was published): on
   file (written, not fdatasync'd: after a machine crash the order is only checked again), so no
   restart checks it again.  0 (also when settled before), or -1 with errno. */
int ib_cmd_journal_settle(ib_cmd_journal *j, const char *cmd_id);
/* A new answer for cmd_id, from now on its only one (a lost order), settled.  0, or -1 with errno. */
int ib_cmd_journal_replace(ib_cmd_journal *j, const char *cmd_id, const ib_cmd_result *r);
typedef struct ib_cmd_open {
	char cmd_id[IB_CMD_ID_MAX + 1];
	int32_t order_id;
} ib_cmd_open;
/* The accepted places not settled (in no order), up to cap; how many there are in all. */
size_t ib_cmd_journal_unsettled(const ib_cmd_journal *j, ib_cmd_open *out, size_t cap);
/*
 * Keep the newest `keep` commands and every older accepted order whose fate is not known yet;
 * drop the rest (their cmd_ids are forgotten: a repeat runs as a new command).  Written to
 * PATH.tmp, fdatasync'd, renamed over the journal, the directory fsync'd: a failure or a crash
 * at any point leaves the old journal whole.  keep 0: keep everything.  0 with *dropped, or -1
 * with errno (the journal in use is unchanged unless the directory sync failed after the rename).
 */
int ib_cmd_journal_compact(ib_cmd_journal *j, size_t keep, size_t *dropped);
/* fn(arg, result) for every accepted place (in no order). */
void ib_cmd_journal_each_order(const ib_cmd_journal *j, void (*fn)(void *, const ib_cmd_result *), void *arg);
/* Commands on file. */
size_t ib_cmd_journal_count(const ib_cmd_journal *j);
/* The order ids of accepted places (in no order), up to cap; how many there are in all. */
size_t ib_cmd_journal_orders(const ib_cmd_journal *j, int32_t *ids, size_t cap);

#endif
