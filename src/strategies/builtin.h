/*
 * builtin.h - the vtables of the built-in strategies, one per file of
 * src/strategies/.  Only registry.c (the table of names) and strategies
 * that delegate to another one (stall.c) use them; everyone else finds a
 * strategy by name through registry.h.
 */
#ifndef IBPIPE_STRATEGIES_BUILTIN_H
#define IBPIPE_STRATEGIES_BUILTIN_H

#include "ibpipe/strategy.h"

extern const ib_strategy_vtable ib_strategy_example_vt;
extern const ib_strategy_vtable ib_strategy_recorder_vt;
extern const ib_strategy_vtable ib_strategy_trader_vt;
extern const ib_strategy_vtable ib_strategy_bench_vt;
extern const ib_strategy_vtable ib_strategy_stall_vt;

#endif
