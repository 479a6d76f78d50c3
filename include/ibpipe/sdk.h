/*
 * sdk.h - the strategy SDK: everything a strategy built outside ibpipe may
 * use, and the versioned entry point through which ibpipe loads it.
 *
 *   cc -shared -fPIC $(pkg-config --cflags ibpipe) mine.c -o mine.so
 *   ibpipe run --strategy ./mine.so
 *
 * A plugin defines one ib_strategy_vtable (strategy.h: the callbacks and
 * the functions it may call, each saying which thread may call it) and
 * exports it with IB_SDK_PLUGIN(vtable).  That macro defines the one entry
 * symbol, ibpipe_strategy_plugin(), returning a descriptor with the ABI
 * version and the struct sizes the plugin was compiled with.
 *
 * Versioning: ibpipe refuses a plugin of another ABI major version (exit 2,
 * naming both).  A minor version only appends: new callbacks go at the end
 * of ib_strategy_vtable, new functions are added, no struct a plugin holds
 * changes size.  ibpipe copies a plugin's vtable by the size the plugin
 * declares, so the callbacks an older plugin does not know are NULL, which
 * every callback may be.
 *
 * Functions the executable exports to plugins are exactly those declared
 * in the SDK headers (mk/sdk.syms; `nm -D --defined-only bin/ibpipe`).
 */
#ifndef IBPIPE_SDK_H
#define IBPIPE_SDK_H

#include <stdint.h>

#include "hist.h"
#include "ib.h"
#include "log.h"
#include "stamp.h"
#include "strategy.h"

/*
 * 1.0: the vtable (on_timer last), strategy.h's functions, accounts, books, orders, logging.
 * 1.1: brackets (ib_strategy_place_bracket), P&L (ib_strategy_pnl, ib_strategy_position_pnl).
 * 1.2: on_bar, ib_strategy_want_bars, ib_strategy_bar_name (bar.h).
 * 1.3: hist.h, a latency histogram (ib_hist_add inline; ib_hist_merge, ib_hist_quantile
 *      exported), and stamp.h, ibsim's send stamps (inline), so a strategy can measure
 *      itself as the built-in "bench" does.
 * 1.4: option computations: ib_strategy_option_greeks and ib_option_greeks (quote.h);
 *      ib_quote_data is unchanged.
 */
#define IB_SDK_ABI_MAJOR 1
#define IB_SDK_ABI_MINOR 4

/* The entry symbol's name, as dlsym looks it up. */
#define IB_SDK_ENTRY "ibpipe_strategy_plugin"

typedef struct ib_sdk_plugin {
	uint32_t abi_major, abi_minor;  /* IB_SDK_ABI_* the plugin was compiled with */
	uint32_t vtable_size;           /* sizeof(ib_strategy_vtable) there */
	uint32_t quote_size, book_size, order_size, contract_size, accounts_size;
	const ib_strategy_vtable *vt;   /* vt->name names it in logs and errors */
} ib_sdk_plugin;

/* What a plugin exports (IB_SDK_PLUGIN defines it); called once, from the main thread. */
const ib_sdk_plugin *ibpipe_strategy_plugin(void);

/* Exported even from a plugin built with -fvisibility=hidden. */
#define IB_SDK_PLUGIN(vtable)                                                      \
	__attribute__((visibility("default"))) const ib_sdk_plugin *ibpipe_strategy_plugin(void) \
	{                                                                              \
		static const ib_sdk_plugin d = {                                           \
			IB_SDK_ABI_MAJOR, IB_SDK_ABI_MINOR, (uint32_t)sizeof(ib_strategy_vtable), \
			(uint32_t)sizeof(ib_quote_data), (uint32_t)sizeof(ib_book),            \
			(uint32_t)sizeof(ib_order), (uint32_t)sizeof(ib_contract),            \
			(uint32_t)sizeof(ib_accounts), &(vtable) };                            \
		return &d;                                                                 \
	}

#endif
