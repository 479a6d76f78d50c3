/*
 * strategy_list.c - parses the `strategies` list and `param` values
 * (strategy_list.h).  Configuration time, main thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/strategy_list.h"
#include "util/str.h"

#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

bool
ib_strategy_value_is_path(const char *v)
{
	size_t n = strlen(v);

	return strchr(v, '/') != NULL || (n > 3 && strcmp(v + n - 3, ".so") == 0);
}

int
ib_strategy_value_check(const char *v, char *w, size_t cap)
{
	size_t n = strlen(v);

	if (n == 0 || n >= IB_CFG_STRATEGY_LEN ||
	    (!ib_strategy_value_is_path(v) && (n > 31 || strspn(v, NAME_CHARS) != n))) {
		snprintf(w, cap, "'%s': expected a strategy name [A-Za-z0-9_-]{1,31} or a plugin path (with '/' or ending in .so)", v);
		return -1;
	}
	if (strchr(v, ','))
		return snprintf(w, cap, "'%s': a strategy path may not hold a comma", v), -1;
	return 0;
}

int
ib_strategy_list_parse(const char *v, ib_strategy_item *items, int max, char *w, size_t cap)
{
	int n = 0, total = 0;
	const char *p = v;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len > 0 && isspace((unsigned char)*p))
			p++, len--;
		while (len > 0 && isspace((unsigned char)p[len - 1]))
			len--;
		if (len == 0 || len >= IB_CFG_STRATEGY_LEN)
			return snprintf(w, cap, "'%s': expected NAME [xN], NAME [xN], ... (an item is empty or too long)", v), -1;
		if (n == max)
			return snprintf(w, cap, "'%s': more than %d items", v, max), -1;
		char item[IB_CFG_STRATEGY_LEN];
		memcpy(item, p, len);
		item[len] = '\0';
		int count = 1;
		/* a trailing " xN": N threads of it */
		char *sp = strrchr(item, ' ');
		if (sp && sp[1] == 'x' && sp[2] && strspn(sp + 2, "0123456789") == strlen(sp + 2)) {
			count = (int)strtol(sp + 2, NULL, 10);   /* digits only, checked above */
			if (count < 1 || count > 64)
				return snprintf(w, cap, "'%s': %s: the count is 1-64", v, sp + 1), -1;
			*sp = '\0';
			for (char *t = sp; t > item && isspace((unsigned char)t[-1]);)
				*--t = '\0';
		}
		if (ib_strategy_value_check(item, w, cap) != 0)
			return -1;
		total += count;
		if (total > 64)
			return snprintf(w, cap, "'%s': more than 64 strategy threads", v), -1;
		ib_strlcpy(items[n].name, item, sizeof(items[n].name));
		items[n].count = count;
		n++;
		if (end == NULL)
			return n;
		p = end + 1;
	}
}

int
ib_param_parse(const char *v, ib_cfg_param *out, char *w, size_t cap)
{
	const char *dot = strchr(v, '.'), *eq = strchr(v, '=');

	if (dot == NULL || eq == NULL || dot > eq || dot == v || eq == dot + 1)
		return snprintf(w, cap, "'%s': expected STRATEGY.KEY=VALUE (momentum.window=20)", v), -1;
	size_t ns = (size_t)(dot - v), nk = (size_t)(eq - dot - 1);
	if (ns >= sizeof(out->strategy) || nk >= sizeof(out->key) || strlen(eq + 1) >= sizeof(out->value))
		return snprintf(w, cap, "'%s': strategy up to %zu, key up to %zu, value up to %zu bytes", v,
				sizeof(out->strategy) - 1, sizeof(out->key) - 1, sizeof(out->value) - 1), -1;
	if (strspn(v, NAME_CHARS) != ns || strspn(dot + 1, NAME_CHARS) != nk)
		return snprintf(w, cap, "'%s': the strategy and key are [A-Za-z0-9_-]", v), -1;
	memcpy(out->strategy, v, ns);
	out->strategy[ns] = '\0';
	memcpy(out->key, dot + 1, nk);
	out->key[nk] = '\0';
	ib_strlcpy(out->value, eq + 1, sizeof(out->value));
	return 0;
}
