/*
 * registry.c - the one table of built-in strategies (registry.h).  A new
 * built-in is one line here plus its file in src/strategies/ (a plugin
 * linked in: builtin.h); --help, the configuration check and the error
 * messages pick it up from this table.  Constant data, read by any thread.
 */
#include <stdio.h>
#include <string.h>

#include "loader/builtin.h"
#include "loader/registry.h"

static const ib_strategy_entry registry[] = {
	{ "example", ibpipe_builtin_example,
	  "logs accounts, offers 1 share when a mid strays 20 bp from its average (a demo of the API)" },
	{ "recorder", ibpipe_builtin_recorder, "writes every callback as a JSON line to $IB_STRATEGY_LOG.<index>" },
	{ "trader", ibpipe_builtin_trader, "runs the order script in $IB_TRADER_SCRIPT, logging like recorder" },
	{ "bench", ibpipe_builtin_bench, "counts market data and measures its latency (make bench)" },
	{ "stall", ibpipe_builtin_stall, "fault test: one trader blocks inside on_quote, the others record" },
};

const ib_strategy_entry *
ib_strategy_registry(size_t *n)
{
	*n = sizeof(registry) / sizeof(registry[0]);
	return registry;
}

const ib_strategy_vtable *
ib_strategy_find(const char *name)
{
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (strcmp(registry[i].name, name) == 0)
			return registry[i].entry()->vt;
	return NULL;
}

const char *
ib_strategy_names(char *buf, size_t cap)
{
	size_t len = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]) && len < cap; i++) {
		int n = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", registry[i].name);
		if (n < 0)
			break;
		len += (size_t)n;
	}
	return buf;
}

void
ib_strategy_print_help(void *file)
{
	FILE *f = file;

	fprintf(f, "\n  built-in strategies (--strategy NAME):\n");
	for (size_t i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		fprintf(f, "    %-10s %s\n", registry[i].name, registry[i].about);
}
