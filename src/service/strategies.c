/*
 * strategies.c - resolves the configured strategies to vtables
 * (strategies.h): built-ins by name, plugins by path.  Main thread, once.
 */
#include <stdio.h>
#include <string.h>

#include "config/strategy_list.h"
#include "service/strategies.h"
#include "loader/plugin.h"
#include "loader/registry.h"

/* Plugins' vtables: the strategy threads read them until exit. */
static ib_strategy_vtable plugin_vts[64];
static char plugin_paths[64][IB_CFG_STRATEGY_LEN];
static int nplugins;

static const ib_strategy_vtable *
resolve_one(const char *name, char *err, size_t cap)
{
	if (ib_plugin_is_path(name)) {
		for (int i = 0; i < nplugins; i++)   /* "x.so x2" or x.so twice: one load */
			if (strcmp(plugin_paths[i], name) == 0)
				return &plugin_vts[i];
		if (nplugins == 64) {
			snprintf(err, cap, "plugin %s: more than 64 plugins", name);
			return NULL;
		}
		if (ib_plugin_load(name, &plugin_vts[nplugins], err, cap) != IB_OK)
			return NULL;
		snprintf(plugin_paths[nplugins], sizeof(plugin_paths[nplugins]), "%s", name);
		return &plugin_vts[nplugins++];
	}
	const ib_strategy_vtable *vt = ib_strategy_find(name);
	if (vt == NULL) {
		char names[256];
		snprintf(err, cap, "no built-in strategy named '%s' (%s; a plugin is a path: ./%s.so)", name,
			 ib_strategy_names(names, sizeof(names)), name);
	}
	return vt;
}

int
ib_strategies_resolve(const ib_config *cfg, const ib_strategy_vtable **vts, char *err, size_t cap)
{
	ib_strategy_item items[64];
	int n = 0;

	memset(items, 0, sizeof(items));

	if (cfg->strategy_list[0]) {
		n = ib_strategy_list_parse(cfg->strategy_list, items, 64, err, cap);
		if (n < 0)
			return IB_EINVAL;
	} else if (cfg->strategies > 0) {
		snprintf(items[0].name, sizeof(items[0].name), "%s", cfg->strategy);
		items[0].count = cfg->strategies;
		n = 1;
	}
	int k = 0;
	for (int i = 0; i < n; i++) {
		const ib_strategy_vtable *vt = resolve_one(items[i].name, err, cap);
		if (vt == NULL)
			return IB_EINVAL;
		for (int j = 0; j < items[i].count && k < 64; j++)
			vts[k++] = vt;
	}
	return IB_OK;
}
