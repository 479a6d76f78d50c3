/*
 * builtin.h - the entry functions of the built-in strategies.  Each file of
 * src/strategies/ is written exactly like a plugin: it includes only the SDK
 * (and libc) and ends with IB_SDK_PLUGIN(vtable), which defines
 * ibpipe_strategy_plugin().  The Makefile compiles src/strategies/NAME.c
 * with -Dibpipe_strategy_plugin=ibpipe_builtin_NAME, so that several such
 * entry functions live in one executable; these are they.  Only the
 * registry (registry.c) calls them.
 */
#ifndef IBPIPE_LOADER_BUILTIN_H
#define IBPIPE_LOADER_BUILTIN_H

#include "ibpipe/sdk.h"

const ib_sdk_plugin *ibpipe_builtin_example(void);
const ib_sdk_plugin *ibpipe_builtin_recorder(void);
const ib_sdk_plugin *ibpipe_builtin_trader(void);
const ib_sdk_plugin *ibpipe_builtin_bench(void);
const ib_sdk_plugin *ibpipe_builtin_stall(void);

#endif
