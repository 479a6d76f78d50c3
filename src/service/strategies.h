/*
 * strategies.h - what each strategy thread runs, from the configuration:
 * `strategy` for `strategies` threads, or the `strategies` list
 * ("momentum.so x2, example"), each item a built-in of the registry or a
 * plugin loaded with dlopen (strategies/plugin.c).  Main thread, before the
 * pipeline is built.
 */
#ifndef IBPIPE_SERVICE_STRATEGIES_H
#define IBPIPE_SERVICE_STRATEGIES_H

#include <stddef.h>

#include "config/config.h"
#include "ibpipe/strategy.h"

/* vts[0..cfg->strategies-1] set; IB_OK, or IB_EINVAL with the reason (name, plugin and why) in err. */
int ib_strategies_resolve(const ib_config *cfg, const ib_strategy_vtable **vts, char *err, size_t cap);

#endif
