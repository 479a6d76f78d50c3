/*
 * registry.h - the built-in strategies by name: one table, from which the
 * --help text, the configuration check and every "no such strategy" error
 * are printed, so the list of names is written once.
 *
 * The caller (service/, cli/, bench, tests) resolves the configured name to
 * a vtable and hands that to ib_pipeline_create: core/ runs whatever vtable
 * it is given and never includes this folder.  The built-ins themselves
 * (src/strategies/) include nothing but the SDK: this table reaches them
 * through their entry functions (builtin.h), as plugin.c reaches a plugin's,
 * so the include graph stays one way (loader -> include/ibpipe;
 * strategies -> include/ibpipe only).  Read-only data: any thread.
 */
#ifndef IBPIPE_LOADER_REGISTRY_H
#define IBPIPE_LOADER_REGISTRY_H

#include <stddef.h>

#include "ibpipe/sdk.h"

typedef struct ib_strategy_entry {
	const char *name;              /* what `strategy` / --strategy names */
	const ib_sdk_plugin *(*entry)(void);  /* its descriptor, as a plugin's (builtin.h) */
	const char *about;             /* one line for --help */
} ib_strategy_entry;

/* The table, in --help order; n set to its length. */
const ib_strategy_entry *ib_strategy_registry(size_t *n);
/* The built-in strategy of that name (its descriptor's vtable), NULL if none. */
const ib_strategy_vtable *ib_strategy_find(const char *name);
/* "example, recorder, ..." into buf (truncated to cap); returns buf, for error messages. */
const char *ib_strategy_names(char *buf, size_t cap);
/* The table as --help shows it, one "    name  about" line each, to f (a FILE *). */
void ib_strategy_print_help(void *f);

#endif
