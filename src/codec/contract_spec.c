/*
 * contract_spec.c - contract spec parser and printer, and the instrument key
 * (grammar: docs/contracts.md; API: contract_spec.h).
 *
 * Invariant: whatever ib_spec_parse accepts, ib_spec_format prints into
 * IB_SPEC_BUF bytes and parses back to the same contract (tests/fuzz/
 * fuzz_spec.c checks exactly that).  The parser therefore accepts only what
 * the printer can reproduce: strikes below 10^7 with at most 8 decimals (15
 * significant digits, so text -> double -> text is exact), and in every field
 * none of the characters the grammar reserves (: @ / =).  No allocation, no
 * locale, no state.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "codec/contract_spec.h"
#include "codec/wire.h"
#include "util/str.h"

/* secTypes the grammar knows, with the positional fields they take and their default exchange. */
enum pos_kind { POS_NONE, POS_EXPIRY, POS_OPTION };

static const struct sectype {
	const char *name;
	enum pos_kind pos;
	const char *exchange; /* default, or NULL: must be given */
} sectypes[] = {
	{ "STK", POS_NONE, "SMART" },     { "FUT", POS_EXPIRY, NULL },    { "CASH", POS_NONE, "IDEALPRO" },
	{ "OPT", POS_OPTION, "SMART" },   { "FOP", POS_OPTION, NULL },    { "IND", POS_NONE, NULL },
	{ "CFD", POS_NONE, "SMART" },     { "CRYPTO", POS_NONE, NULL },   { "CMDTY", POS_NONE, NULL },
};
#define NSECTYPES (sizeof(sectypes) / sizeof(sectypes[0]))
#define SECTYPE_LIST "STK FUT CASH OPT FOP IND CFD CRYPTO CMDTY"

#define STRIKE_MAX 1e7
#define STRIKE_DECIMALS 8

/* A parse in progress: the text, and where the error goes. */
typedef struct spec_ctx {
	const char *text;
	size_t len;
	char *err;
	size_t errcap;
} spec_ctx;

/* "contract spec \"<text>\": <reason>", the text shown printable and cut at 48 characters. */
static int
fail(const spec_ctx *x, const char *fmt, ...)
{
	char shown[64];
	size_t n = 0;
	va_list ap;
	int k;

	if (x->err == NULL || x->errcap == 0)
		return IB_EINVAL;
	for (size_t i = 0; i < x->len && n < 48; i++) {
		unsigned char ch = (unsigned char)x->text[i];
		shown[n++] = ch >= 0x20 && ch < 0x7f && ch != '"' ? (char)ch : '?';
	}
	if (x->len > 48)
		memcpy(shown + n, "...", 3), n += 3;
	shown[n] = '\0';
	k = snprintf(x->err, x->errcap, "contract spec \"%s\": ", shown);
	if (k < 0 || (size_t)k >= x->errcap)
		return IB_EINVAL;
	va_start(ap, fmt);
	vsnprintf(x->err + k, x->errcap - (size_t)k, fmt, ap);
	va_end(ap);
	return IB_EINVAL;
}

/* A view of part of the spec. */
typedef struct span {
	const char *p;
	size_t n;
} span;

static bool
span_ieq(span s, const char *lit)
{
	size_t n = strlen(lit);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (toupper((unsigned char)s.p[i]) != lit[i])
			return false;
	return true;
}

static bool
span_eq(span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static const struct sectype *
sectype_of(const char *name, size_t n)
{
	for (size_t i = 0; i < NSECTYPES; i++)
		if (strlen(sectypes[i].name) == n && memcmp(sectypes[i].name, name, n) == 0)
			return &sectypes[i];
	return NULL;
}

static const struct sectype *
sectype_span(span s)
{
	for (size_t i = 0; i < NSECTYPES; i++)
		if (span_ieq(s, sectypes[i].name))
			return &sectypes[i];
	return NULL;
}

static bool
is_upper_alnum(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/*
 * Copy s into dst upper-cased, if it fits and every character is in the
 * class: 's' symbol (A-Z 0-9 . and single inner blanks, as IB's "BRK B"),
 * 'x' exchange (A-Z 0-9 .), 'c' currency (three letters).
 */
static bool
take_upper(span s, char cls, char *dst, size_t cap)
{
	if (s.n == 0 || s.n >= cap || (cls == 'c' && s.n != 3))
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char ch = (char)toupper((unsigned char)s.p[i]);
		bool ok = is_upper_alnum(ch) || (ch == '.' && cls != 'c');

		if (cls == 'c')
			ok = ch >= 'A' && ch <= 'Z';
		if (cls == 's' && ch == ' ')
			ok = i > 0 && i + 1 < s.n && s.p[i + 1] != ' ';
		if (!ok)
			return false;
		dst[i] = ch;
	}
	dst[s.n] = '\0';
	return true;
}

/* tradingClass / localSymbol: kept as written; printable, none of : @ / = ; blanks inside only. */
static bool
take_free(span s, char *dst, size_t cap)
{
	if (s.n == 0 || s.n >= cap || s.p[0] == ' ' || s.p[s.n - 1] == ' ')
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] < 0x20 || s.p[i] > 0x7e || strchr(":@/=", s.p[i]))
			return false;
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
	return true;
}

static bool
all_digits(span s)
{
	for (size_t i = 0; i < s.n; i++)
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
	return s.n > 0;
}

/* YYYYMM or YYYYMMDD with a real month and day. */
static bool
valid_expiry(span s)
{
	int month, day;

	if ((s.n != 6 && s.n != 8) || !all_digits(s))
		return false;
	month = (s.p[4] - '0') * 10 + (s.p[5] - '0');
	if (month < 1 || month > 12)
		return false;
	if (s.n == 8) {
		day = (s.p[6] - '0') * 10 + (s.p[7] - '0');
		if (day < 1 || day > 31)
			return false;
	}
	return true;
}

/* Digits, optionally a point and up to `decimals` digits; integer part at most `intdigits`. */
static bool
plain_decimal(span s, size_t intdigits, size_t decimals)
{
	const char *dot = memchr(s.p, '.', s.n);
	span ip = { s.p, dot ? (size_t)(dot - s.p) : s.n };
	span fp = { dot ? dot + 1 : s.p + s.n, dot ? s.n - ip.n - 1 : 0 };

	if (!all_digits(ip) || ip.n > intdigits)
		return false;
	if (dot && (!all_digits(fp) || fp.n > decimals))
		return false;
	return true;
}

static int
take_strike(const spec_ctx *x, span s, double *out)
{
	double v;

	if (!plain_decimal(s, 7, STRIKE_DECIMALS) || ib_parse_f64(s.p, s.n, &v) != IB_OK)
		return fail(x, "strike \"%.*s\" is not a price (digits, at most 7 before and %d after the point)",
			    (int)s.n, s.p, STRIKE_DECIMALS);
	if (!(v > 0))
		return fail(x, "strike must be above 0");
	*out = v;
	return IB_OK;
}

static int
take_right(const spec_ctx *x, span s, char *dst, size_t cap)
{
	if (span_ieq(s, "C") || span_ieq(s, "CALL"))
		ib_strlcpy(dst, "C", cap);
	else if (span_ieq(s, "P") || span_ieq(s, "PUT"))
		ib_strlcpy(dst, "P", cap);
	else
		return fail(x, "right \"%.*s\" is not C, P, CALL or PUT", (int)s.n, s.p);
	return IB_OK;
}

/* A multiplier: a positive plain number, kept as text as IB sends it. */
static bool
valid_mult(span s, size_t cap)
{
	bool nonzero = false;

	if (s.n >= cap || !plain_decimal(s, cap, cap))
		return false;
	for (size_t i = 0; i < s.n; i++)
		nonzero |= s.p[i] >= '1' && s.p[i] <= '9';
	return nonzero;
}

/* "conid:<id>[@EXCH]" */
static int
parse_conid(const spec_ctx *x, span rest, ib_contract *k)
{
	const char *at = memchr(rest.p, '@', rest.n);
	span id = { rest.p, at ? (size_t)(at - rest.p) : rest.n };
	int64_t v;

	if (!all_digits(id) || id.n > 10 || ib_parse_i64(id.p, id.n, &v) != IB_OK || v < 1 || v > INT32_MAX)
		return fail(x, "conid \"%.*s\" is not a contract id (1..%d)", (int)id.n, id.p, INT32_MAX);
	k->con_id = (int32_t)v;
	if (at) {
		span ex = { at + 1, rest.n - id.n - 1 };
		if (!take_upper(ex, 'x', k->exchange, sizeof(k->exchange)))
			return fail(x, "exchange \"%.*s\" is not 1..%zu of A-Z 0-9 .", (int)ex.n, ex.p,
				    sizeof(k->exchange) - 1);
	}
	return IB_OK;
}

/* SYMBOL[@EXCH[/PRIMARY]] */
static int
parse_head(const spec_ctx *x, span h, const struct sectype *st, ib_contract *k)
{
	const char *at = memchr(h.p, '@', h.n);
	span sym = { h.p, at ? (size_t)(at - h.p) : h.n };

	if (st->pos == POS_NONE && strcmp(st->name, "CASH") == 0) {
		/* EUR.USD: base currency as the symbol, quote currency as the currency */
		span base = { sym.p, 3 }, quote = { sym.p + 4, 3 };
		if (sym.n != 7 || sym.p[3] != '.' || !take_upper(base, 'c', k->symbol, sizeof(k->symbol)) ||
		    !take_upper(quote, 'c', k->currency, sizeof(k->currency)))
			return fail(x, "CASH wants a currency pair such as EUR.USD, not \"%.*s\"", (int)sym.n, sym.p);
	} else if (!take_upper(sym, 's', k->symbol, sizeof(k->symbol))) {
		return fail(x, "symbol \"%.*s\" is not 1..%zu of A-Z 0-9 . and single inner blanks", (int)sym.n,
			    sym.p, sizeof(k->symbol) - 1);
	}
	if (at) {
		const char *end = h.p + h.n;
		const char *slash = memchr(at + 1, '/', (size_t)(end - at - 1));
		span ex = { at + 1, (size_t)((slash ? slash : end) - at - 1) };

		if (!take_upper(ex, 'x', k->exchange, sizeof(k->exchange)))
			return fail(x, "exchange \"%.*s\" is not 1..%zu of A-Z 0-9 .", (int)ex.n, ex.p,
				    sizeof(k->exchange) - 1);
		if (slash) {
			span pe = { slash + 1, (size_t)(end - slash - 1) };
			if (!take_upper(pe, 'x', k->primary_exchange, sizeof(k->primary_exchange)))
				return fail(x, "primary exchange \"%.*s\" is not 1..%zu of A-Z 0-9 .", (int)pe.n,
					    pe.p, sizeof(k->primary_exchange) - 1);
		}
	} else if (st->exchange) {
		ib_strlcpy(k->exchange, st->exchange, sizeof(k->exchange));
	} else {
		return fail(x, "%s needs an exchange, as in %s:%s@%s", st->name, st->name, k->symbol,
			    strcmp(st->name, "IND") == 0 ? "CBOE" : "CME");
	}
	return IB_OK;
}

static int
parse_positional(const spec_ctx *x, const struct sectype *st, span *pos, int npos, ib_contract *k)
{
	int want = st->pos == POS_OPTION ? 3 : st->pos == POS_EXPIRY ? 1 : 0;

	if (npos > want || (st->pos == POS_OPTION && npos < want)) {
		if (st->pos == POS_OPTION)
			return fail(x, "%s wants expiry:strike:right after the symbol, as in OPT:SPY@SMART:20261218:500:C",
				    st->name);
		if (st->pos == POS_EXPIRY)
			return fail(x, "FUT takes one field after the symbol, the expiry (YYYYMM or YYYYMMDD)");
		return fail(x, "%s takes no field after the symbol, found \"%.*s\"", st->name, (int)pos[0].n,
			    pos[0].p);
	}
	if (npos >= 1) {
		if (!valid_expiry(pos[0]))
			return fail(x, "expiry \"%.*s\" is not YYYYMM or YYYYMMDD", (int)pos[0].n, pos[0].p);
		memcpy(k->last_trade_date, pos[0].p, pos[0].n);
		k->last_trade_date[pos[0].n] = '\0';
	}
	if (npos == 3) {
		if (take_strike(x, pos[1], &k->strike) != IB_OK || take_right(x, pos[2], k->right, sizeof(k->right)))
			return IB_EINVAL;
	}
	return IB_OK;
}

/* ":key=value" qualifiers; seen[] catches repeats. */
static int
parse_qualifier(const spec_ctx *x, span q, const struct sectype *st, ib_contract *k, bool seen[4])
{
	const char *eq = memchr(q.p, '=', q.n);
	span key = { q.p, (size_t)(eq - q.p) }, v = { eq + 1, q.n - key.n - 1 };
	static const char *const keys[4] = { "CCY", "MULT", "CLASS", "LOCAL" };
	int i;
	bool ok;

	for (i = 0; i < 4 && !span_ieq(key, keys[i]); i++)
		;
	if (i == 4)
		return fail(x, "unknown qualifier \"%.*s\" (ccy, mult, class, local)", (int)key.n, key.p);
	if (seen[i])
		return fail(x, "%.*s given twice", (int)key.n, key.p);
	seen[i] = true;
	switch (i) {
	case 0:
		if (strcmp(st->name, "CASH") == 0)
			return fail(x, "a CASH pair names its currency (EUR.USD): no ccy=");
		ok = take_upper(v, 'c', k->currency, sizeof(k->currency));
		return ok ? IB_OK : fail(x, "ccy \"%.*s\" is not a three-letter currency", (int)v.n, v.p);
	case 1:
		if (!valid_mult(v, sizeof(k->multiplier)))
			return fail(x, "mult \"%.*s\" is not a positive number of at most %zu characters", (int)v.n,
				    v.p, sizeof(k->multiplier) - 1);
		memcpy(k->multiplier, v.p, v.n);
		k->multiplier[v.n] = '\0';
		return IB_OK;
	case 2:
		ok = take_free(v, k->trading_class, sizeof(k->trading_class));
		return ok ? IB_OK : fail(x, "class \"%.*s\" is not 1..%zu printable characters", (int)v.n, v.p,
					 sizeof(k->trading_class) - 1);
	default:
		ok = take_free(v, k->local_symbol, sizeof(k->local_symbol));
		return ok ? IB_OK : fail(x, "local \"%.*s\" is not 1..%zu printable characters", (int)v.n, v.p,
					 sizeof(k->local_symbol) - 1);
	}
}

int
ib_spec_parse(const char *text, size_t len, ib_contract *k, char *errstr, size_t errcap)
{
	spec_ctx x = { text, len, errstr, errcap };
	span seg[8];
	int nseg = 0, first = 0, npos = 0;
	const struct sectype *st;
	bool seen[4] = { false, false, false, false };

	memset(k, 0, sizeof(*k));
	k->strike = IB_UNSET_DOUBLE;
	if (errstr && errcap)
		errstr[0] = '\0';
	if (len == 0)
		return fail(&x, "empty");
	if (len > IB_SPEC_MAX)
		return fail(&x, "longer than %d characters", IB_SPEC_MAX);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
			return fail(&x, "byte %zu is not a printable ASCII character", i);
	if (text[0] == ' ' || text[len - 1] == ' ')
		return fail(&x, "starts or ends with a blank");
	if (len > 6 && span_ieq((span){ text, 6 }, "CONID:"))
		return parse_conid(&x, (span){ text + 6, len - 6 }, k);
	/* split on ':' */
	for (const char *p = text, *end = text + len; nseg < 8;) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		seg[nseg++] = (span){ p, (size_t)((c ? c : end) - p) };
		if (!c)
			break;
		p = c + 1;
		if (nseg == 8)
			return fail(&x, "more than 8 ':'-separated parts");
	}
	for (int i = 0; i < nseg; i++)
		if (seg[i].n == 0)
			return fail(&x, "part %d is empty (a doubled or trailing ':')", i + 1);
	st = nseg > 1 ? sectype_span(seg[0]) : NULL;
	if (st) {
		ib_strlcpy(k->sec_type, st->name, sizeof(k->sec_type));
		first = 1;
	} else {
		/* no secType: a stock, unless the first part looks like a mistyped secType */
		if (nseg > 1 && !memchr(seg[0].p, '@', seg[0].n) && !memchr(seg[1].p, '=', seg[1].n))
			return fail(&x, "unknown secType \"%.*s\" (" SECTYPE_LIST ")", (int)seg[0].n, seg[0].p);
		st = &sectypes[0];
		ib_strlcpy(k->sec_type, "STK", sizeof(k->sec_type));
	}
	if (nseg <= first)
		return fail(&x, "no symbol after the secType");
	if (parse_head(&x, seg[first], st, k) != IB_OK)
		return IB_EINVAL;
	for (int i = first + 1; i < nseg; i++) {
		if (memchr(seg[i].p, '=', seg[i].n)) {
			if (parse_qualifier(&x, seg[i], st, k, seen) != IB_OK)
				return IB_EINVAL;
		} else if (seen[0] || seen[1] || seen[2] || seen[3]) {
			return fail(&x, "\"%.*s\" comes after a key=value qualifier; qualifiers go last", (int)seg[i].n,
				    seg[i].p);
		} else {
			npos++;
		}
	}
	if (parse_positional(&x, st, seg + first + 1, npos, k) != IB_OK)
		return IB_EINVAL;
	if (k->currency[0] == '\0')
		ib_strlcpy(k->currency, "USD", sizeof(k->currency));
	return IB_OK;
}

/* ---- printing ---- */

typedef struct out_buf {
	char *p;
	size_t n, cap;
	bool full;
} out_buf;

static void
put(out_buf *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->full)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->p + o->n, o->cap - o->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->cap - o->n)
		o->full = true;
	else
		o->n += (size_t)k;
}

/* A field of a contract, for re-validation with the parser's own rules. */
static span
field(const char *arr, size_t cap)
{
	return (span){ arr, strnlen(arr, cap) };
}
#define FIELD(arr) field((arr), sizeof(arr))

/* The same check the parser made, on the printed form (which must be the stored form). */
static bool
printable_as(span s, char cls, size_t cap)
{
	char tmp[32];

	if (cap > sizeof(tmp) || !take_upper(s, cls, tmp, cap))
		return false;
	return memcmp(tmp, s.p, s.n) == 0; /* lower case would read back upper */
}

/* Shortest %.Nf (N <= 8) that reads back exactly; the parser's strike rules guarantee one exists. */
static bool
format_strike(double v, char *out, size_t cap)
{
	if (!(v > 0 && v < STRIKE_MAX))
		return false;
	for (int prec = 0; prec <= STRIKE_DECIMALS; prec++) {
		double back;
		int n = snprintf(out, cap, "%.*f", prec, v);

		if (n <= 0 || (size_t)n >= cap)
			return false;
		for (char *p = out; *p; p++)
			if (*p == ',') /* a decimal-comma locale */
				*p = '.';
		if (ib_parse_f64(out, (size_t)n, &back) == IB_OK && back == v)
			return true;
	}
	return false;
}

static int
format(const ib_contract *c, char *out, size_t cap, bool key)
{
	out_buf o = { out, 0, cap, cap == 0 };
	span sym = FIELD(c->symbol), ex = FIELD(c->exchange), pe = FIELD(c->primary_exchange);
	span ccy = FIELD(c->currency), exp = FIELD(c->last_trade_date);
	span mult = FIELD(c->multiplier), cls = FIELD(c->trading_class), loc = FIELD(c->local_symbol);
	span stn = FIELD(c->sec_type);
	const struct sectype *st = sectype_of(stn.p, stn.n);
	bool cash, usd, bare;
	char strike[32], tmp[32];

	if (cap > 0)
		out[0] = '\0';
	/* contractData may say "20250620 08:30 US/Central" (date, last trade time, zone): the date is the expiry */
	if (exp.n > 8 && (exp.p[8] == ' ' || exp.p[8] == '-') && all_digits((span){ exp.p, 8 }))
		exp.n = 8;
	if (stn.n == 0 && sym.n == 0 && c->con_id > 0) {
		put(&o, "conid:%d", (int)c->con_id);
		if (ex.n && !key) {
			if (!printable_as(ex, 'x', sizeof(c->exchange)))
				return IB_EINVAL;
			put(&o, "@%.*s", (int)ex.n, ex.p);
		}
		return o.full ? IB_ENOSPC : (int)o.n;
	}
	if (!st)
		return IB_EINVAL;
	cash = strcmp(st->name, "CASH") == 0;
	if (ex.n == 0 && st->exchange)
		ex = (span){ st->exchange, strlen(st->exchange) };
	if (ex.n == 0 || !printable_as(ex, 'x', sizeof(c->exchange)))
		return IB_EINVAL;
	if (cash ? !printable_as(sym, 'c', 4) || !printable_as(ccy, 'c', 4)
		 : !printable_as(sym, 's', sizeof(c->symbol)))
		return IB_EINVAL;
	if (ccy.n && !cash && !printable_as(ccy, 'c', 4))
		return IB_EINVAL;
	if (pe.n && !printable_as(pe, 'x', sizeof(c->primary_exchange)))
		return IB_EINVAL;
	if (exp.n && (st->pos == POS_NONE || !valid_expiry(exp)))
		return IB_EINVAL;
	if (st->pos == POS_OPTION &&
	    (!exp.n || !format_strike(c->strike, strike, sizeof(strike))))
		return IB_EINVAL;
	if (mult.n && !valid_mult(mult, sizeof(c->multiplier)))
		return IB_EINVAL;
	if ((cls.n && !take_free(cls, tmp, sizeof(c->trading_class))) ||
	    (loc.n && !take_free(loc, tmp, sizeof(c->local_symbol))))
		return IB_EINVAL;
	usd = ccy.n == 0 || (ccy.n == 3 && memcmp(ccy.p, "USD", 3) == 0);
	if (key)
		pe.n = mult.n = cls.n = loc.n = 0;
	bare = st == &sectypes[0] && span_eq(ex, "SMART") && pe.n == 0 && usd && !mult.n && !cls.n && !loc.n;
	if (bare) {
		put(&o, "%.*s", (int)sym.n, sym.p);
		return o.full ? IB_ENOSPC : (int)o.n;
	}
	put(&o, "%s:", st->name);
	if (cash)
		put(&o, "%.*s.%.*s", (int)sym.n, sym.p, (int)ccy.n, ccy.p);
	else
		put(&o, "%.*s", (int)sym.n, sym.p);
	put(&o, "@%.*s", (int)ex.n, ex.p);
	if (pe.n)
		put(&o, "/%.*s", (int)pe.n, pe.p);
	if (exp.n)
		put(&o, ":%.*s", (int)exp.n, exp.p);
	if (st->pos == POS_OPTION) {
		span r = FIELD(c->right);
		if (!span_eq(r, "C") && !span_eq(r, "P") && !span_eq(r, "CALL") && !span_eq(r, "PUT"))
			return IB_EINVAL;
		put(&o, ":%s:%c", strike, c->right[0]);
	}
	if (!cash && !usd)
		put(&o, ":ccy=%.*s", (int)ccy.n, ccy.p);
	if (mult.n)
		put(&o, ":mult=%.*s", (int)mult.n, mult.p);
	if (cls.n)
		put(&o, ":class=%.*s", (int)cls.n, cls.p);
	if (loc.n)
		put(&o, ":local=%.*s", (int)loc.n, loc.p);
	return o.full ? IB_ENOSPC : (int)o.n;
}

int
ib_spec_format(const ib_contract *c, char *out, size_t cap)
{
	return format(c, out, cap, false);
}

int
ib_spec_key(const ib_contract *c, char *out, size_t cap)
{
	return format(c, out, cap, true);
}

bool
ib_spec_is_front_month(const ib_contract *c)
{
	return strncmp(c->sec_type, "FUT", sizeof(c->sec_type)) == 0 && c->last_trade_date[0] == '\0';
}

#define SAME(f) (strncmp(a->f, b->f, sizeof(a->f)) == 0)

bool
ib_contract_equal(const ib_contract *a, const ib_contract *b)
{
	return a->con_id == b->con_id && a->strike == b->strike && SAME(symbol) && SAME(sec_type) &&
	       SAME(last_trade_date) && SAME(right) && SAME(multiplier) && SAME(exchange) && SAME(primary_exchange) &&
	       SAME(currency) && SAME(local_symbol) && SAME(trading_class);
}
