/*
 * strategy_list.h - the shapes of the `strategies` list and of `param`
 * values (strategy_list.c): "momentum.so x2, example" and
 * "momentum.window=20".  Which names exist is not known here (the registry
 * and the plugin loader decide, before the pipeline is built).  Pure
 * functions: any thread.
 */
#ifndef IBPIPE_CONFIG_STRATEGY_LIST_H
#define IBPIPE_CONFIG_STRATEGY_LIST_H

#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"

typedef struct ib_strategy_item {
	char name[IB_CFG_STRATEGY_LEN];  /* a built-in's name or a plugin's path */
	int count;                       /* threads running it (xN; 1 without) */
} ib_strategy_item;

/* A strategy value is a plugin's path when it holds a '/' or ends in ".so". */
bool ib_strategy_value_is_path(const char *v);
/* A built-in's name [A-Za-z0-9_-]{1,31} or a plugin's path; 0, or -1 with why in w. */
int ib_strategy_value_check(const char *v, char *w, size_t cap);
/*
 * "NAME [xN], NAME [xN], ..." into items (at most max); returns how many,
 * or -1 with why in w.  The counts sum to at most 64.
 */
int ib_strategy_list_parse(const char *v, ib_strategy_item *items, int max, char *w, size_t cap);
/* One "STRATEGY.KEY=VALUE" into *out; 0, or -1 with why in w. */
int ib_param_parse(const char *v, ib_cfg_param *out, char *w, size_t cap);

#endif
