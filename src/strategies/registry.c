/*
 * registry.c - the one table of built-in strategies (registry.h).  A new
 * built-in is one line here plus its file; --help, the configuration check
 * and the error messages pick it up from this table.  Constant data, read by
 * any thread.
 */
#include <stdio.h>
#include <string.h>

#include "strategies/builtin.h"
#include "strategies/registry.h"

static const ib_strategy_entry registry[] = {
	{ "example", &ib_strategy_example_vt,
	  "logs accounts, offers 1 share when a mid strays 20 bp from its average (a demo of the API)" },
	{ "recorder", &ib_strategy_recorder_vt, "writes every callback as a JSON line to $IB_STRATEGY_LOG.<index>" },
	{ "trader", &ib_strategy_trader_vt, "runs the order script in $IB_TRADER_SCRIPT, logging like recorder" },
	{ "bench", &ib_strategy_bench_vt, "counts market data and measures its latency (make bench)" },
	{ "stall", &ib_strategy_stall_vt, "fault test: one trader blocks inside on_quote, the others record" },
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
			return registry[i].vt;
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
