/*
 * bar_spec.c - parsing one `bars` item (bar_spec.h has the grammar).  The
 * trailing fields are recognised by their shape, right to left: a
 * what-to-show is upper-case letters and '_', a duration digits and one of
 * S D W M Y, a size digits and a lower-case unit; whatever is left is the
 * contract spec, parsed by codec/contract_spec.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/bar_spec.h"
#include "util/str.h"

static const struct {
	const char *tok, *ib;
	int secs;
} sizes[] = {
	{ "5s", "5 secs", 5 }, { "10s", "10 secs", 10 }, { "15s", "15 secs", 15 }, { "30s", "30 secs", 30 },
	{ "1min", "1 min", 60 }, { "2min", "2 mins", 120 }, { "3min", "3 mins", 180 }, { "5min", "5 mins", 300 },
	{ "10min", "10 mins", 600 }, { "15min", "15 mins", 900 }, { "20min", "20 mins", 1200 },
	{ "30min", "30 mins", 1800 }, { "1h", "1 hour", 3600 }, { "2h", "2 hours", 7200 }, { "3h", "3 hours", 10800 },
	{ "4h", "4 hours", 14400 }, { "8h", "8 hours", 28800 }, { "1d", "1 day", 86400 }, { "1w", "1 week", 604800 },
	{ "1mo", "1 month", 2592000 },
};

static const char *whats[] = { "TRADES", "MIDPOINT", "BID", "ASK", "BID_ASK", "ADJUSTED_LAST", "HISTORICAL_VOLATILITY",
			       "OPTION_IMPLIED_VOLATILITY", "FEE_RATE", "SCHEDULE", "AGGTRADES" };

static int
fail(char *err, size_t cap, const char *text, size_t len, const char *why)
{
	if (err && cap)
		snprintf(err, cap, "bars item \"%.*s\": %s", (int)(len > 200 ? 200 : len), text, why);
	return IB_EINVAL;
}

/* The last ':'-field of [text, text+*len): its start, and *len cut before its colon; NULL if there is no colon. */
static const char *
last_field(const char *text, size_t *len, size_t *flen)
{
	for (size_t i = *len; i > 0; i--)
		if (text[i - 1] == ':') {
			*flen = *len - i;
			*len = i - 1;
			return text + i;
		}
	return NULL;
}

static bool
is_what(const char *f, size_t n)
{
	for (size_t i = 0; i < sizeof(whats) / sizeof(whats[0]); i++)
		if (strlen(whats[i]) == n && memcmp(whats[i], f, n) == 0)
			return true;
	return false;
}

/* "2D", "3600S" -> "2 D"; false if f is not a duration. */
static bool
duration(const char *f, size_t n, char *out, size_t cap)
{
	size_t d = 0;
	long v = 0;

	while (d < n && f[d] >= '0' && f[d] <= '9' && d < 7)
		v = v * 10 + (f[d++] - '0');
	if (d == 0 || d + 1 != n || v <= 0 || !strchr("SDWMY", f[d]))
		return false;
	snprintf(out, cap, "%ld %c", v, f[d]);
	return true;
}

static int
size_index(const char *f, size_t n)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (strlen(sizes[i].tok) == n && memcmp(sizes[i].tok, f, n) == 0)
			return (int)i;
	return -1;
}

int
ib_bar_spec_parse(const char *text, size_t len, ib_bar_cfg *out, char *err, size_t errcap)
{
	size_t rest = len, n;
	const char *f;
	char why[IB_SPEC_BUF + 64];
	int si;

	memset(out, 0, sizeof(*out));
	if ((f = last_field(text, &rest, &n)) != NULL && is_what(f, n)) {
		memcpy(out->what, f, n);
		f = last_field(text, &rest, &n);
	}
	if (f != NULL && duration(f, n, out->duration, sizeof(out->duration))) {
		out->warmup = true;
		f = last_field(text, &rest, &n);
	}
	if (f == NULL || (si = size_index(f, n)) < 0)
		return fail(err, errcap, text, len,
			    "expected CONTRACT:SIZE[:DURATION][:WHAT] with SIZE one of 5s 10s 15s 30s 1min 2min 3min 5min "
			    "10min 15min 20min 30min 1h 2h 3h 4h 8h 1d 1w 1mo (AAPL:5s, AAPL:1min:2D)");
	ib_strlcpy(out->size_tok, sizes[si].tok, sizeof(out->size_tok));
	ib_strlcpy(out->bar_size, sizes[si].ib, sizeof(out->bar_size));
	out->bar_secs = sizes[si].secs;
	if (!out->warmup && sizes[si].secs != 5)
		return fail(err, errcap, text, len,
			    "bars other than 5s need a history duration to start from (AAPL:1min:1D); live-only bars "
			    "are IB's real-time 5s bars");
	out->realtime = !out->warmup;
	if (rest == 0)
		return fail(err, errcap, text, len, "no contract before the bar size");
	if (ib_spec_parse(text, rest, &out->contract, why, sizeof(why)) != IB_OK)
		return fail(err, errcap, text, len, why);
	if (ib_spec_key(&out->contract, out->key, sizeof(out->key)) < 0)
		return fail(err, errcap, text, len, "the contract has no instrument key");
	const char *def = strcmp(out->contract.sec_type, "CASH") == 0 ? "MIDPOINT" : "TRADES";
	if (out->what[0] == '\0')
		ib_strlcpy(out->what, def, sizeof(out->what));
	if (out->realtime && strcmp(out->what, "TRADES") != 0 && strcmp(out->what, "MIDPOINT") != 0 &&
	    strcmp(out->what, "BID") != 0 && strcmp(out->what, "ASK") != 0)
		return fail(err, errcap, text, len, "real-time bars show TRADES, MIDPOINT, BID or ASK");
	/* the name says what it shows when that is not the default: AAPL:1min and AAPL:1min:MIDPOINT are two */
	bool other = strcmp(out->what, def) != 0;
	snprintf(out->name, sizeof(out->name), "%s:%s%s%s", out->key, out->size_tok, other ? ":" : "", other ? out->what : "");
	return IB_OK;
}

/* The same series: the same name (contract key, size, what to show); another duration does not make another. */
static bool
same_series(const ib_bar_cfg *a, const ib_bar_cfg *b)
{
	return strcmp(a->name, b->name) == 0;
}

int
ib_bar_list_add(const char *item, ib_bar_cfg *out, int max, int *n, char *err, size_t errcap)
{
	ib_bar_cfg b;

	if (ib_bar_spec_parse(item, strlen(item), &b, err, errcap) != IB_OK)
		return IB_EINVAL;
	for (int i = 0; i < *n; i++)
		if (same_series(&out[i], &b))
			return IB_OK;
	if (*n >= max) {
		if (err && errcap)
			snprintf(err, errcap, "more than %d bar series (adding %s)", max, b.name);
		return IB_EINVAL;
	}
	out[(*n)++] = b;
	return IB_OK;
}

int
ib_bar_list_parse(const char *v, ib_bar_cfg *out, int max, int *n, char *err, size_t errcap)
{
	ib_bar_cfg *tmp = calloc((size_t)(max > 0 ? max : 1), sizeof(*tmp)); /* parse aside, then commit */
	char item[IB_SPEC_MAX + 64];
	int k = 0;

	if (tmp == NULL) {
		if (err && errcap)
			snprintf(err, errcap, "out of memory");
		return IB_EINVAL;
	}
	while (*v) {
		size_t len = strcspn(v, ","), a = 0, z = len;
		while (a < z && (v[a] == ' ' || v[a] == '\t'))
			a++;
		while (z > a && (v[z - 1] == ' ' || v[z - 1] == '\t'))
			z--;
		if (z > a) {
			if (z - a >= sizeof(item)) {
				if (err && errcap)
					snprintf(err, errcap, "bars item \"%.40s...\": longer than %zu characters", v + a,
						 sizeof(item) - 1);
				free(tmp);
				return IB_EINVAL;
			}
			memcpy(item, v + a, z - a);
			item[z - a] = '\0';
			if (ib_bar_list_add(item, tmp, max, &k, err, errcap) != IB_OK) {
				free(tmp);
				return IB_EINVAL;
			}
		}
		v += len + (v[len] == ',');
	}
	memcpy(out, tmp, sizeof(tmp[0]) * (size_t)k);
	*n = k;
	free(tmp);
	return IB_OK;
}

void
ib_bar_list_show(const ib_bar_cfg *b, int n, char *out, size_t cap)
{
	size_t o = 0;
	char spec[IB_SPEC_BUF], dur[16];

	out[0] = '\0';
	for (int i = 0; i < n && o + 1 < cap; i++) {
		if (ib_spec_format(&b[i].contract, spec, sizeof(spec)) < 0)
			ib_strlcpy(spec, b[i].key, sizeof(spec));
		size_t d = strcspn(b[i].duration, " ");
		/* "2 D" was written 2D */
		snprintf(dur, sizeof(dur), "%.*s%s", (int)d, b[i].duration, b[i].duration[d] ? b[i].duration + d + 1 : "");
		o += (size_t)snprintf(out + o, cap - o, "%s%s:%s%s%s:%s", i ? "," : "", spec, b[i].size_tok,
				      b[i].warmup ? ":" : "", dur, b[i].what);
		if (o >= cap)
			break;
	}
}
