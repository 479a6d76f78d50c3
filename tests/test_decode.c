/*
 * test_decode.c - the decoder at its edges: truncated and malformed
 * frames, numbers at and past their limits, version gates, openOrder's
 * variable groups, JSON output byte for byte, and `ibpipe dump` as a real
 * process on files of frames.
 *
 * Frames are written with '|' for NUL and decoded from heap copies of
 * exactly their length, so the sanitizer builds catch any read past one.
 */
#include <CUnit/CUnit.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "codec/msg.h"
#include "testutil.h"

#define SV 173

/* ---- frames ---- */

typedef struct frame {
	char *p;
	size_t len;
} frame;

/* Bit-identical doubles: -0.0 differs from 0.0, and a NaN equals the same NaN. */
static bool
same_bits(double a, double b)
{
	uint64_t x, y;

	memcpy(&x, &a, sizeof(x));
	memcpy(&y, &b, sizeof(y));
	return x == y;
}

/* "a|b|" -> heap bytes "a\0b\0", exactly that long. */
static frame
fr(const char *bars)
{
	frame f = { malloc(strlen(bars) + 1), strlen(bars) };

	CU_ASSERT_PTR_NOT_NULL_FATAL(f.p);
	for (size_t i = 0; i < f.len; i++)
		f.p[i] = bars[i] == '|' ? '\0' : bars[i];
	return f;
}

/* The first `len` bytes of f, in a buffer of exactly that size. */
static frame
prefix(frame f, size_t len)
{
	frame g = { malloc(len ? len : 1), len };

	CU_ASSERT_PTR_NOT_NULL_FATAL(g.p);
	memcpy(g.p, f.p, len);
	return g;
}

static int
dec(frame f, int sv, ib_msg *m, ib_decode_err *de)
{
	memset(de, 0, sizeof(*de));
	return ib_msg_decode(f.p, f.len, sv, m, de);
}

/* Decode a '|' frame and free it; for checks that do not look at strings. */
static int
dec_bars(const char *bars, int sv, ib_msg *m, ib_decode_err *de)
{
	frame f = fr(bars);
	int rc = dec(f, sv, m, de);

	free(f.p);
	return rc;
}

/* Frame number `index` (from 0) of a vector file, as its '|' text; malloc'd. */
static char *
vector_line(const char *file, int index)
{
	char path[512], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TU_VECTORS, file);
	f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (index-- == 0)
			break;
	}
	fclose(f);
	CU_ASSERT_FATAL(index < 0);
	return line;
}

/* A frame as an editable list of fields (index 0 = the id). */
typedef struct fields {
	char *text; /* owns the original strings */
	const char *f[512];
	int n;
} fields;

static void
fl_parse(fields *l, char *bars)
{
	char *p = bars;

	l->text = bars;
	l->n = 0;
	while (*p) {
		char *bar = strchr(p, '|');
		CU_ASSERT_PTR_NOT_NULL_FATAL(bar);
		*bar = '\0';
		l->f[l->n++] = p;
		p = bar + 1;
	}
}

static void
fl_set(fields *l, int at, const char *v)
{
	CU_ASSERT_FATAL(at < l->n);
	l->f[at] = v;
}

/* Insert k values after field `at`. */
static void
fl_insert(fields *l, int at, int k, const char *const *v)
{
	CU_ASSERT_FATAL(l->n + k <= 512);
	memmove(&l->f[at + 1 + k], &l->f[at + 1], sizeof(l->f[0]) * (size_t)(l->n - at - 1));
	for (int i = 0; i < k; i++)
		l->f[at + 1 + i] = v[i];
	l->n += k;
}

static frame
fl_frame(const fields *l)
{
	size_t len = 0;
	frame f;

	for (int i = 0; i < l->n; i++)
		len += strlen(l->f[i]) + 1;
	f.p = malloc(len);
	f.len = len;
	CU_ASSERT_PTR_NOT_NULL_FATAL(f.p);
	len = 0;
	for (int i = 0; i < l->n; i++) {
		size_t k = strlen(l->f[i]) + 1;
		memcpy(f.p + len, l->f[i], k);
		len += k;
	}
	return f;
}

static int
nuls(const char *p, size_t len)
{
	int k = 0;

	for (size_t i = 0; i < len; i++)
		k += p[i] == '\0';
	return k;
}

/* ---- numbers: the inline fast paths agree with wire.c bit for bit ---- */

/*
 * Ticks take a fast path that wants the frame's last byte to be a NUL.  A
 * surplus partial field (no NUL) is ignored by the general decoder but
 * turns the fast path away: decoding both shows the two agree.
 */
static int
dec_bars_both_paths(const char *bars, int sv, ib_msg *m, ib_decode_err *de)
{
	char slow_bars[256];
	ib_msg m2;
	ib_decode_err de2;
	int rc = dec_bars(bars, sv, m, de);

	snprintf(slow_bars, sizeof(slow_bars), "%sxyz", bars);
	int rc2 = dec_bars(slow_bars, sv, &m2, &de2);
	CU_ASSERT_EQUAL(rc, rc2);
	if (rc == IB_OK && rc2 == IB_OK) {
		CU_ASSERT_EQUAL(m->id, m2.id);
		/* field by field: the structs' padding is not part of the result */
		if (m->id == IB_IN_TICK_PRICE) {
			const ib_tick_price *a = &m->u.tick_price, *b = &m2.u.tick_price;
			CU_ASSERT(a->req_id == b->req_id && a->tick_type == b->tick_type && a->attr_mask == b->attr_mask);
			CU_ASSERT(same_bits(a->price, b->price));
			CU_ASSERT(same_bits(a->size, b->size));
		}
		if (m->id == IB_IN_TICK_SIZE) {
			const ib_tick_size *a = &m->u.tick_size, *b = &m2.u.tick_size;
			CU_ASSERT(a->req_id == b->req_id && a->tick_type == b->tick_type);
			CU_ASSERT(same_bits(a->size, b->size));
		}
	} else {
		CU_ASSERT_EQUAL(de->field, de2.field);
		CU_ASSERT_STRING_EQUAL(de->errstr, de2.errstr);
	}
	return rc;
}

static void
test_numbers_agree_with_wire(void)
{
	static const char *const dbl[] = {
		"185.50", "0", "0.0", "-1", "-0", "1.7976931348623157E308", "201.8829709", "123456789012345",
		"1234567890123456", "12345678901234567890", "0.000000000000001", "0.1234567890123456", ".5", "5.",
		"00012.5000", "-3895.375", "1e3", "2.5E-3", "Infinity", "-Infinity", "abc", "1.2.3", "--1", "1-",
		"+1", "0x10", "1,5", "-", ".", "9007199254740993", "0.30000000000000004",
	};
	static const char *const ints[] = {
		"0", "-1", "7", "2147483647", "-2147483648", "2147483648", "-2147483649", "123456789", "1234567890",
		"-", "1.0", "+5", " 5", "007", "99999999999999999999", "x",
	};
	char bars[128];
	ib_msg m;
	ib_decode_err de;

	for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
		double want = 0;
		int want_rc = ib_parse_f64(dbl[i], strlen(dbl[i]), &want);
		snprintf(bars, sizeof(bars), "1|6|1001|1|%s|300|0|", dbl[i]);
		int rc = dec_bars_both_paths(bars, SV, &m, &de);
		CU_ASSERT_EQUAL(rc, want_rc == IB_OK ? IB_OK : IB_ENUM);
		if (rc == IB_OK && want_rc == IB_OK && !same_bits(m.u.tick_price.price, want)) {
			fprintf(stderr, "\n  price %s: decoded %.17g, wire.c %.17g\n", dbl[i], m.u.tick_price.price, want);
			CU_FAIL("decoded double differs from ib_parse_f64");
		}
		if (rc != IB_OK)
			CU_ASSERT_EQUAL(de.field, 4);
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int64_t want = 0;
		int want_rc = ib_parse_i64(ints[i], strlen(ints[i]), &want);
		bool fits = want_rc == IB_OK && want >= INT32_MIN && want <= INT32_MAX;
		snprintf(bars, sizeof(bars), "1|6|%s|1|187.25|300|0|", ints[i]);
		int rc = dec_bars_both_paths(bars, SV, &m, &de);
		CU_ASSERT_EQUAL(rc, fits ? IB_OK : IB_ENUM);
		if (rc == IB_OK && fits)
			CU_ASSERT_EQUAL(m.u.tick_price.req_id, want);
		if (rc != IB_OK)
			CU_ASSERT_EQUAL(de.field, 2);
	}
	for (size_t i = 0; i < sizeof(dbl) / sizeof(dbl[0]); i++) {
		snprintf(bars, sizeof(bars), "2|6|1001|0|%s|", dbl[i]);
		dec_bars_both_paths(bars, SV, &m, &de);
	}
	/* empty numeric fields read as 0 */
	CU_ASSERT_EQUAL_FATAL(dec_bars_both_paths("1|6||1|||0|", SV, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.tick_price.req_id, 0);
	CU_ASSERT_EQUAL(m.u.tick_price.price, 0);
	CU_ASSERT_EQUAL(m.u.tick_price.size, 0);
	/* Java's unset double is DBL_MAX exactly */
	CU_ASSERT_EQUAL_FATAL(dec_bars("1|6|1|1|1.7976931348623157E308|0|0|", SV, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.tick_price.price, DBL_MAX);
}

/* ---- truncation: every prefix of real frames ---- */

static void
check_prefixes(const char *bars, int sv, int optional_tail)
{
	frame f = fr(bars);
	ib_msg m;
	ib_decode_err de;
	int32_t id;
	int total = nuls(f.p, f.len);
	int required = total - optional_tail;

	CU_ASSERT_EQUAL_FATAL(dec(f, sv, &m, &de), IB_OK);
	id = m.id;
	for (size_t len = 0; len < f.len; len++) {
		frame g = prefix(f, len);
		int complete = nuls(g.p, g.len); /* a field cut short counts as missing */
		int rc = dec(g, sv, &m, &de);
		if (complete >= required) {
			CU_ASSERT_EQUAL(rc, IB_OK);
		} else {
			if (rc != IB_EFIELD || de.field != complete) {
				fprintf(stderr, "\n  id %d cut at %zu bytes (%d fields): rc %d field %d: %s\n", id, len, complete,
					rc, de.field, de.errstr);
				CU_FAIL("a truncated frame must fail at its first missing field");
			}
			CU_ASSERT_EQUAL(de.msg_id, complete > 0 ? id : 0);
		}
		free(g.p);
	}
	free(f.p);
}

static void
test_every_prefix_fails(void)
{
	static const char *const frames[] = {
		"1|6|1001|1|187.25|300|0|",
		"2|6|1001|0|300|",
		"45|2|9001|23|20.5|",
		"46|2|9001|45|1678740829|",
		"99|9001|1|1678740829|3895.25|7|2|NASDAQ|Regular|",
		"99|9001|2|1678740829|3895.25|7|0|ARCA|T|",
		"99|9001|3|1678745793|3895.50|3896.00|9|11|3|",
		"99|9001|4|1678740829|3895.375|",
		"12|1|9001|1|1|1|4028.50|200|",
		"13|1|9000|0|OVERNIGHT|0|1|235.84|300|1|",
		"81|1001|0.01|9c0001|3|",
		"58|1|1001|3|",
		"6|2|NetLiquidation|246447.83|USD|DU1234567|",
		"7|8|265598|AAPL|STK||0|||NASDAQ|USD|AAPL|NMS|100|187.25|18725|150.1|3715|0|DU1234567|",
		"8|1|14:32|",
		"54|1|DU1234567|",
		"63|1|9000|DU1234567|NetLiquidation|246447.83|USD|",
		"73|1|9000|DU1234567||CashBalance|94629.71|USD|",
		"74|1|9000|",
		"53|1|",
	};
	static const struct {
		const char *file;
		int index;
	} vectors[] = {
		{ "openOrder.txt", 0 }, { "openOrder.txt", 3 },     { "orderStatus.txt", 1 }, { "execDetails.txt", 1 },
		{ "contractData.txt", 0 }, { "contractData.txt", 3 }, { "position.txt", 0 },  { "currentTime.txt", 0 },
		{ "managedAccounts.txt", 2 }, { "nextValidId.txt", 0 }, { "tickOptionComputation.txt", 0 },
	};

	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++)
		check_prefixes(frames[i], SV, 0);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char *line = vector_line(vectors[i].file, vectors[i].index);
		check_prefixes(line, SV, 0);
		free(line);
	}
	/* errMsg's JSON is optional only while it is the last field */
	check_prefixes("4|2|-1|2104|Market data farm connection is OK:usfarm||", SV, 1);
	check_prefixes("4|2|-1|2104|Market data farm connection is OK:usfarm|", IB_SV_ADVANCED_ORDER_REJECT - 1, 0);
	check_prefixes("4|-1|2104|Market data farm connection is OK:usfarm||1752606307000|", IB_SV_ERROR_TIME, 0);
}

/* ---- malformed ---- */

static void
test_non_numeric_names_field(void)
{
	ib_msg m;
	ib_decode_err de;

	CU_ASSERT_EQUAL(dec_bars("1|6|1001|1|18x.25|300|0|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.msg_id, IB_IN_TICK_PRICE);
	CU_ASSERT_EQUAL(de.field, 4);
	CU_ASSERT_STRING_EQUAL(de.errstr, "tickPrice: field 4 (price): not a number");

	CU_ASSERT_EQUAL(dec_bars("1|6|abc|1|187.25|300|0|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_STRING_EQUAL(de.errstr, "tickPrice: field 2 (tickerId): not a number");

	CU_ASSERT_EQUAL(dec_bars("2|6|1001|0|3OO|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_STRING_EQUAL(de.errstr, "tickSize: field 4 (size): not a number");

	CU_ASSERT_EQUAL(dec_bars("3|5|Filled|1o0|0|201.94|600745656|0|201.94|100||0|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.msg_id, IB_IN_ORDER_STATUS);
	CU_ASSERT_STRING_EQUAL(de.errstr, "orderStatus: field 3 (filled): not a number");

	CU_ASSERT_EQUAL(dec_bars("1|6|1001|1|187.25|300|", SV, &m, &de), IB_EFIELD);
	CU_ASSERT_STRING_EQUAL(de.errstr, "tickPrice: field 6 (attrMask): missing");

	CU_ASSERT_EQUAL(dec_bars("x1|6|1001|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.msg_id, 0);
	CU_ASSERT_EQUAL(de.field, 0);

	CU_ASSERT_EQUAL(dec_bars("99|9001|7|1678740829|1|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.field, 2);
	CU_ASSERT_STRING_EQUAL(de.errstr, "tickByTick: field 2 (tickType): unknown tick-by-tick type");

	/* openOrder: junk deep in the frame is named too */
	char *line = vector_line("openOrder.txt", 0);
	fields l;
	fl_parse(&l, line);
	fl_set(&l, 79, "x");
	frame f = fl_frame(&l);
	CU_ASSERT_EQUAL(dec(f, SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.field, 79);
	CU_ASSERT_STRING_EQUAL(de.errstr, "openOrder: field 79 (comboLegsCount): not a number");
	free(f.p);
	fl_set(&l, 79, "99999999");
	f = fl_frame(&l);
	CU_ASSERT_EQUAL(dec(f, SV, &m, &de), IB_ENUM);
	CU_ASSERT_STRING_EQUAL(de.errstr, "openOrder: field 79 (comboLegsCount): count out of range");
	free(f.p);
	free(line);

	/* a NULL err is allowed */
	frame g = fr("1|6|abc|");
	CU_ASSERT_EQUAL(ib_msg_decode(g.p, g.len, SV, &m, NULL), IB_ENUM);
	free(g.p);
}

static void
test_unknown_and_empty(void)
{
	static const char *const skipped[] = { "57|1|9001|", "59|1|0001f4e5.58bbad52.01.01|1.0|USD|||",
					       "71|1|", "84|9001|1|", "93|26|1|", "100|5|1|2|" };
	ib_msg m;
	ib_decode_err de;

	CU_ASSERT_EQUAL(dec_bars("777|1|2|", SV, &m, &de), IB_EUNKNOWN);
	CU_ASSERT_EQUAL(de.msg_id, 777);
	CU_ASSERT_EQUAL(de.field, -1);
	CU_ASSERT_STRING_EQUAL(de.errstr, "unknown message id 777");
	CU_ASSERT_EQUAL(dec_bars("0|", SV, &m, &de), IB_EUNKNOWN);
	CU_ASSERT_EQUAL(dec_bars("-5|", SV, &m, &de), IB_EUNKNOWN);
	for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
		CU_ASSERT_EQUAL(dec_bars(skipped[i], SV, &m, &de), IB_EUNKNOWN);
		CU_ASSERT_PTR_NOT_NULL(ib_msg_name(de.msg_id));
		CU_ASSERT_PTR_NOT_NULL(strstr(de.errstr, "not decoded, skipped"));
	}
	dec_bars("59|1|x|", SV, &m, &de);
	CU_ASSERT_STRING_EQUAL(de.errstr, "commissionReport (59): not decoded, skipped");

	/* empty payload, and a payload whose only field has no NUL */
	char one = '1';
	CU_ASSERT_EQUAL(ib_msg_decode(&one, 0, SV, &m, &de), IB_EFIELD);
	CU_ASSERT_EQUAL(de.msg_id, 0);
	CU_ASSERT_EQUAL(de.field, 0);
	CU_ASSERT_EQUAL(ib_msg_decode(&one, 1, SV, &m, &de), IB_EFIELD);
	CU_ASSERT_EQUAL(de.field, 0);
}

/* IB's "not computed" markers and values no JSON can hold read as unset; hostile frames fail by name. */
static void
test_option_computation(void)
{
	ib_msg m;
	ib_decode_err de;
	char json[1024];

	CU_ASSERT_EQUAL_FATAL(dec_bars("21|7|10|0|-1|-2|-1|-1|-2|-2|-2|-1|", SV, &m, &de), IB_OK);
	const ib_tick_option *o = &m.u.tick_option;
	CU_ASSERT_EQUAL(o->req_id, 7);
	CU_ASSERT_EQUAL(o->tick_type, 10);
	CU_ASSERT_EQUAL(o->implied_vol, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->delta, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->opt_price, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->pv_dividend, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->gamma, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->vega, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->theta, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->und_price, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(ib_msg_to_json(&m, json, sizeof(json)) > 0, true);
	CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"impliedVol\":null,\"delta\":null"));

	/* a put's delta is negative and valid; any other negative iv is "not computed"; inf and nan never pass */
	CU_ASSERT_EQUAL_FATAL(dec_bars("21|7|83|1|-0.5|-0.4|inf|nan|1e999|-1e999|-2.0|101.5|", SV, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(o->tick_type, 83);
	CU_ASSERT_EQUAL(o->implied_vol, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->delta, -0.4);
	CU_ASSERT_EQUAL(o->opt_price, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->pv_dividend, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->gamma, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->vega, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->theta, IB_UNSET_DOUBLE);
	CU_ASSERT_EQUAL(o->und_price, 101.5);

	/* short and junk frames: an error naming the field, never a read past the frame */
	CU_ASSERT_EQUAL(dec_bars("21|7|13|0|0.2|0.5|", SV, &m, &de), IB_EFIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(de.errstr, "optPrice"));
	CU_ASSERT_EQUAL(dec_bars("21|7|13|x|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_PTR_NOT_NULL(strstr(de.errstr, "tickAttrib"));
	CU_ASSERT_EQUAL(dec_bars("21|", SV, &m, &de), IB_EFIELD);
	CU_ASSERT_PTR_NOT_NULL(strstr(de.errstr, "tickerId"));
}

static void
test_overflow_is_enum(void)
{
	ib_msg m;
	ib_decode_err de;

	CU_ASSERT_EQUAL(dec_bars("1|6|2147483648|1|187.25|300|0|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(dec_bars("1|6|-2147483649|1|187.25|300|0|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(dec_bars("1|6|1001|1|187.25|300|4294967296|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.field, 6);
	CU_ASSERT_EQUAL_FATAL(dec_bars("1|6|2147483647|1|187.25|300|0|", SV, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.tick_price.req_id, IB_UNSET_INT);
	CU_ASSERT_EQUAL_FATAL(dec_bars("1|6|-2147483648|1|187.25|300|0|", SV, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.tick_price.req_id, INT32_MIN);

	CU_ASSERT_EQUAL(dec_bars("3|5|Filled|100|0|201.94|9223372036854775808|0|201.94|100||0|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.field, 6);
	CU_ASSERT_EQUAL_FATAL(dec_bars("3|5|Filled|100|0|201.94|9223372036854775807|0|201.94|100||0|", SV, &m, &de),
			      IB_OK);
	CU_ASSERT_EQUAL(m.u.order_status.perm_id, IB_UNSET_LONG);
	CU_ASSERT_EQUAL(dec_bars("49|1|99999999999999999999|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(dec_bars("49|1|-9223372036854775809|", SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL_FATAL(dec_bars("49|1|-9223372036854775808|", SV, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.current_time.time, INT64_MIN);
}

/* ---- version gates ---- */

static void
test_error_layouts(void)
{
	ib_msg m;
	ib_decode_err de;
	frame f;

	f = fr("4|-1|2104|Market data farm connection is OK:usfarm|{\"r\":1}|1752606307000|");
	CU_ASSERT_EQUAL_FATAL(dec(f, IB_SV_ERROR_TIME, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.error.req_id, -1);
	CU_ASSERT_EQUAL(m.u.error.code, IB_ERR_FARM_OK);
	CU_ASSERT(ib_str_eq(m.u.error.advanced_json, "{\"r\":1}"));
	CU_ASSERT_EQUAL(m.u.error.error_time_ms, 1752606307000LL);
	free(f.p);

	/* at 194 the time is the last field and required */
	CU_ASSERT_EQUAL(dec_bars("4|-1|2104|farm OK||", IB_SV_ERROR_TIME, &m, &de), IB_EFIELD);
	CU_ASSERT_STRING_EQUAL(de.errstr, "errMsg: field 5 (errorTime): missing");

	f = fr("4|2|201|201|Order rejected|{\"reason\":\"x\"}|");
	CU_ASSERT_EQUAL_FATAL(dec(f, SV, &m, &de), IB_OK);
	CU_ASSERT(ib_str_eq(m.u.error.advanced_json, "{\"reason\":\"x\"}"));
	CU_ASSERT_EQUAL(m.u.error.error_time_ms, 0);
	free(f.p);

	/* before 166 there is no JSON: a following field is surplus */
	f = fr("4|2|-1|2104|farm OK|{\"x\":1}|");
	CU_ASSERT_EQUAL_FATAL(dec(f, IB_CLIENT_MIN, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.error.advanced_json.len, 0);
	CU_ASSERT(ib_str_eq(m.u.error.message, "farm OK"));
	free(f.p);
}

static void
test_exec_details_gates(void)
{
	char *line = vector_line("execDetails.txt", 0);
	char bars[1024];
	ib_msg m;
	ib_decode_err de;

	/* 178 adds pendingPriceRevision, 198 submitter */
	CU_ASSERT_EQUAL(dec_bars(line, IB_SV_PENDING_PRICE_REVISION, &m, &de), IB_EFIELD);
	CU_ASSERT_STRING_EQUAL(de.errstr, "execDetails: field 31 (pendingPriceRevision): missing");
	snprintf(bars, sizeof(bars), "%s1|", line);
	CU_ASSERT_EQUAL(dec_bars(bars, IB_SV_PENDING_PRICE_REVISION, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.exec_details.last_liquidity, 2);
	CU_ASSERT_EQUAL(dec_bars(bars, IB_SV_SUBMITTER, &m, &de), IB_EFIELD);
	snprintf(bars, sizeof(bars), "%s1|trader@example|", line);
	CU_ASSERT_EQUAL(dec_bars(bars, IB_SV_SUBMITTER, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(dec_bars(bars, SV, &m, &de), IB_OK); /* surplus at 173 */
	free(line);
}

static void
test_contract_data_gates(void)
{
	/* 157..163: a version field, mdSizeMultiplier after minTick, sizeMinTick (163) in place of the size rules */
	static const char at163[] =
		"10|8|9000|ES|FUT|20250620 08:30 US/Central|0||CME|USD|ESM5|ES|ES|620731015|0.25|1|50|ACTIVETIM,AD|"
		"CME,QBALGO|1|11004968|E-mini S&P 500||202506||||US/Central|20250521:1700-20250522:1600|"
		"20250522:0830-20250522:1600|||2|ISIN|X1|CUSIP|X2|2147483647|ES|IND|67,67|20250620||1|";
	/* 186: lastTradeDate after the expiry (182) and an ineligibility list at the end */
	static const char at186[] =
		"10|9000|ES|FUT|20250620 08:30 US/Central|20250620|0||CME|USD|ESM5|ES|ES|620731015|0.25|50|ACTIVETIM,AD|"
		"CME,QBALGO|1|11004968|E-mini S&P 500||202506||||US/Central|20250521:1700-20250522:1600|"
		"20250522:0830-20250522:1600|||0|2147483647|ES|IND|67,67|20250620||1|1|1|1|X|not eligible|";
	ib_msg m;
	ib_decode_err de;
	frame f;

	f = fr(at163);
	CU_ASSERT_EQUAL_FATAL(dec(f, IB_SV_SIZE_RULES - 1, &m, &de), IB_OK);
	CU_ASSERT_EQUAL(m.u.contract_data.req_id, 9000);
	CU_ASSERT_EQUAL(m.u.contract_data.contract.con_id, 620731015);
	CU_ASSERT_EQUAL(m.u.contract_data.min_tick, 0.25);
	CU_ASSERT(ib_str_eq(m.u.contract_data.contract.multiplier, "50"));
	CU_ASSERT(ib_str_eq(m.u.contract_data.long_name, "E-mini S&P 500"));
	free(f.p);
	check_prefixes(at163, IB_SV_SIZE_RULES - 1, 0);

	f = fr(at186);
	CU_ASSERT_EQUAL_FATAL(dec(f, 186, &m, &de), IB_OK);
	CU_ASSERT(ib_str_eq(m.u.contract_data.contract.last_trade_date, "20250620 08:30 US/Central"));
	CU_ASSERT(ib_str_eq(m.u.contract_data.contract.exchange, "CME"));
	CU_ASSERT_EQUAL(m.u.contract_data.contract.con_id, 620731015);
	free(f.p);
	check_prefixes(at186, 186, 0);
}

/* ---- openOrder: the variable groups move status; walking them must find it ---- */

static void
test_open_order_groups(void)
{
	static const char *const conditions[] = { "1", "a", "1", "187.5", "265598", "SMART", "2", /* price */
						  "5", "o", "STK", "SMART", "AAPL",                 /* execution */
						  "0", "0" };
	static const char *const peg_bench[] = { "756733", "0", "0.5", "1.0", "ISLAND" };
	static const char *const algo[] = { "1", "adaptivePriority", "Normal" };
	static const char *const dn_contract[] = { "265598", "0.5", "187.0" };
	static const char *const hedge[] = { "0.5" };
	static const char *const scale[] = { "0.01", "60", "0.1", "0", "2147483647", "2147483647", "0" };
	static const char *const smart[] = { "NonGuaranteed", "1" };
	static const char *const order_legs[] = { "1.5", "2.5" };
	static const char *const legs[] = { "265598", "1", "BUY", "SMART", "0", "0", "", "-1" };
	char *line = vector_line("openOrder.txt", 0);
	fields l;
	ib_msg m;
	ib_decode_err de;
	frame f;

	/* field indexes in the 173 vector (0 = id); edit from the end so earlier ones stay put */
	fl_parse(&l, line);
	CU_ASSERT_FATAL(l.n > 94 && strcmp(l.f[94], "PreSubmitted") == 0);
	fl_set(&l, 111, "2");
	fl_insert(&l, 111, 14, conditions);
	fl_insert(&l, 110, 5, peg_bench); /* after randomizePrice, for orderType PEG BENCH */
	fl_set(&l, 91, "Adaptive");
	fl_insert(&l, 91, 3, algo);
	fl_set(&l, 90, "1");
	fl_insert(&l, 90, 3, dn_contract);
	fl_set(&l, 85, "D");
	fl_insert(&l, 85, 1, hedge);
	fl_set(&l, 84, "0.05");
	fl_insert(&l, 84, 7, scale);
	fl_set(&l, 81, "1");
	fl_insert(&l, 81, 2, smart);
	fl_set(&l, 80, "2");
	fl_insert(&l, 80, 2, order_legs);
	fl_set(&l, 79, "1");
	fl_insert(&l, 79, 8, legs);
	fl_set(&l, 15, "PEG BENCH");

	f = fl_frame(&l);
	CU_ASSERT_EQUAL_FATAL(dec(f, SV, &m, &de), IB_OK);
	CU_ASSERT(ib_str_eq(m.u.open_order.status, "PreSubmitted"));
	CU_ASSERT(ib_str_eq(m.u.open_order.order_type, "PEG BENCH"));
	CU_ASSERT_EQUAL(m.u.open_order.order_id, 5);
	free(f.p);
	/* every field is accounted for: each prefix fails where it ends */
	{
		frame g = fl_frame(&l);
		char *bars = malloc(g.len + 1);
		for (size_t i = 0; i < g.len; i++)
			bars[i] = g.p[i] ? g.p[i] : '|';
		bars[g.len] = '\0';
		check_prefixes(bars, SV, 0);
		free(bars);
		free(g.p);
	}

	/* an order condition of a type the client does not know stops the walk there */
	/* conditionsCount (111) moved by the inserts before it; the first type follows it */
	int type_at = 111 + 8 + 2 + 2 + 7 + 1 + 3 + 3 + 5 + 1;
	CU_ASSERT_FATAL(strcmp(l.f[type_at - 1], "2") == 0 && strcmp(l.f[type_at], "1") == 0);
	fl_set(&l, type_at, "2");
	f = fl_frame(&l);
	CU_ASSERT_EQUAL(dec(f, SV, &m, &de), IB_ENUM);
	CU_ASSERT_EQUAL(de.field, type_at);
	CU_ASSERT_PTR_NOT_NULL(strstr(de.errstr, "unknown condition type"));
	free(f.p);
	free(line);
}

/* ---- JSON ---- */

static void
json_of(const char *bars, int sv, const char *want)
{
	frame f = fr(bars);
	ib_msg m;
	ib_decode_err de;
	char buf[4096];

	CU_ASSERT_EQUAL_FATAL(dec(f, sv, &m, &de), IB_OK);
	int n = ib_msg_to_json(&m, buf, sizeof(buf));
	CU_ASSERT_EQUAL(n, (int)strlen(want));
	if (n < 0 || strcmp(buf, want) != 0) {
		fprintf(stderr, "\n  got  %s\n  want %s\n", n < 0 ? "(error)" : buf, want);
		CU_FAIL("JSON differs");
	}
	free(f.p);
}

static void
test_json_exact(void)
{
	json_of("1|6|1001|1|187.25|300|0|", SV,
		"{\"id\":1,\"name\":\"tickPrice\",\"tickerId\":1001,\"field\":1,\"price\":187.25,\"size\":300,\"attrMask\":0}");
	json_of("2|6|1001|0|300|", SV, "{\"id\":2,\"name\":\"tickSize\",\"tickerId\":1001,\"field\":0,\"size\":300}");
	json_of("3|5|Filled|100|0|201.94|600745656|0|201.94|100||1.7976931348623157E308|", SV,
		"{\"id\":3,\"name\":\"orderStatus\",\"orderId\":5,\"status\":\"Filled\",\"filled\":100,\"remaining\":0,"
		"\"avgFillPrice\":201.94,\"permId\":600745656,\"parentId\":0,\"lastFillPrice\":201.94,\"clientId\":100,"
		"\"whyHeld\":\"\",\"mktCapPrice\":null}");
	/* quote, backslash, a control byte, valid UTF-8 (e-acute), a stray byte */
	json_of("4|2|7|201|say \"no\" \\ tab\there \xc3\xa9 \xff||", SV,
		"{\"id\":4,\"name\":\"errMsg\",\"reqId\":7,\"errorCode\":201,"
		"\"errorString\":\"say \\\"no\\\" \\\\ tab\\there \xc3\xa9 \\ufffd\",\"advancedOrderRejectJson\":\"\","
		"\"errorTime\":0}");
	json_of("15|1|DU1,DU2,|", SV,
		"{\"id\":15,\"name\":\"managedAccounts\",\"accountsList\":\"DU1,DU2,\",\"accounts\":[\"DU1\",\"DU2\"]}");
	json_of("99|9001|3|1678745793|3895.50|3896.00|9|11|3|", SV,
		"{\"id\":99,\"name\":\"tickByTick\",\"reqId\":9001,\"tickType\":3,\"time\":1678745793,\"bidPrice\":3895.5,"
		"\"askPrice\":3896,\"bidSize\":9,\"askSize\":11,\"attrMask\":3}");
	json_of("61|3|DU1234567|76792991|TSLA|STK||0.0|||NASDAQ|USD|TSLA|NMS|500|196.77|", SV,
		"{\"id\":61,\"name\":\"position\",\"account\":\"DU1234567\",\"contract\":{\"conId\":76792991,"
		"\"symbol\":\"TSLA\",\"secType\":\"STK\",\"lastTradeDateOrContractMonth\":\"\",\"strike\":0,\"right\":\"\","
		"\"multiplier\":\"\",\"exchange\":\"NASDAQ\",\"primaryExchange\":\"\",\"currency\":\"USD\","
		"\"localSymbol\":\"TSLA\",\"tradingClass\":\"NMS\"},\"position\":500,\"avgCost\":196.77}");
	json_of("13|1|9000|0|OVERNIGHT|0|1|235.84|300|1|", SV,
		"{\"id\":13,\"name\":\"updateMktDepthL2\",\"tickerId\":9000,\"position\":0,\"marketMaker\":\"OVERNIGHT\","
		"\"operation\":0,\"side\":1,\"price\":235.84,\"size\":300,\"isSmartDepth\":true}");
	json_of("53|1|", SV, "{\"id\":53,\"name\":\"openOrderEnd\"}");
	json_of("64|1|9000|", SV, "{\"id\":64,\"name\":\"accountSummaryEnd\",\"reqId\":9000}");
}

static void
test_json_doubles_and_space(void)
{
	ib_msg m = { .id = IB_IN_TICK_SIZE };
	char buf[256];
	static const struct {
		double v;
		const char *want;
	} cases[] = {
		{ 0.1, "0.1" }, { 1.0 / 3.0, "0.33333333333333331" }, { 1e21, "1e+21" }, { -0.0, "-0" },
		{ 123456789012345678.0, "1.2345678901234568e+17" }, { DBL_MAX, "null" }, { 5e-324, "4.94065645841247e-324" },
	};

	m.u.tick_size.req_id = 1;
	m.u.tick_size.tick_type = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[128];
		m.u.tick_size.size = cases[i].v;
		snprintf(want, sizeof(want), "{\"id\":2,\"name\":\"tickSize\",\"tickerId\":1,\"field\":0,\"size\":%s}",
			 cases[i].want);
		CU_ASSERT_EQUAL(ib_msg_to_json(&m, buf, sizeof(buf)), (int)strlen(want));
		CU_ASSERT_STRING_EQUAL(buf, want);
	}
	/* exactly enough room works; one byte less is IB_ENOSPC with an empty buffer */
	m.u.tick_size.size = 300;
	int n = ib_msg_to_json(&m, buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	char small[256];
	CU_ASSERT_EQUAL(ib_msg_to_json(&m, small, (size_t)n + 1), n);
	CU_ASSERT_STRING_EQUAL(small, buf);
	CU_ASSERT_EQUAL(ib_msg_to_json(&m, small, (size_t)n), IB_ENOSPC);
	CU_ASSERT_EQUAL(small[0], '\0');
	CU_ASSERT_EQUAL(ib_msg_to_json(&m, small, 0), IB_ENOSPC);
}

/* ---- ibpipe dump, as a process ---- */

static size_t
put_frame(char *out, const char *bars)
{
	size_t n = strlen(bars);

	out[0] = (char)(n >> 24);
	out[1] = (char)(n >> 16);
	out[2] = (char)(n >> 8);
	out[3] = (char)n;
	for (size_t i = 0; i < n; i++)
		out[4 + i] = bars[i] == '|' ? '\0' : bars[i];
	return n + 4;
}

static void
write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* Run a shell command line; returns the exit status, or -1. */
static int
run_sh(const char *cmd, char *out, size_t cap)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int st = tu_run(argv, out, cap, 5000);

	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
run_dump(const char *args, char *out, size_t cap)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "%s dump %s 2>/dev/null", tu_bin("ibpipe"), args);
	return run_sh(cmd, out, cap);
}

static void
test_dump_stream(void)
{
	const char *dir = tu_tmpdir();
	char path[256], args[512], out[8192], data[4096];
	size_t n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/frames.bin", dir);
	n += put_frame(data + n, "1|6|1001|1|187.25|300|0|");
	n += put_frame(data + n, "1|6|abc|1|187.25|300|0|");
	n += put_frame(data + n, "59|1|x|");
	memset(data + n, 0, 4), n += 4; /* a length-0 frame */
	n += put_frame(data + n, "4|2|-1|2104|farm \"OK\"||");
	write_file(path, data, n);

	static const char want[] =
		"{\"id\":1,\"name\":\"tickPrice\",\"tickerId\":1001,\"field\":1,\"price\":187.25,\"size\":300,\"attrMask\":0}\n"
		"{\"frame\":1,\"id\":1,\"name\":\"tickPrice\",\"field\":2,\"length\":23,"
		"\"error\":\"tickPrice: field 2 (tickerId): not a number\"}\n"
		"{\"frame\":2,\"id\":59,\"name\":\"commissionReport\",\"length\":7,"
		"\"error\":\"commissionReport (59): not decoded, skipped\"}\n"
		"{\"frame\":3,\"error\":\"frame of length 0\"}\n"
		"{\"id\":4,\"name\":\"errMsg\",\"reqId\":-1,\"errorCode\":2104,\"errorString\":\"farm \\\"OK\\\"\","
		"\"advancedOrderRejectJson\":\"\",\"errorTime\":0}\n";
	CU_ASSERT_EQUAL(run_dump(path, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* the same through stdin */
	snprintf(args, sizeof(args), "- < %s", path);
	CU_ASSERT_EQUAL(run_dump(args, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, want);

	/* cut inside the last frame: the frames before it, then an error line, exit 1 */
	write_file(path, data, n - 3);
	CU_ASSERT_EQUAL(run_dump(path, out, sizeof(out)), 1);
	char *last = strstr(out, "{\"frame\":4,\"error\":\"stream ends inside a frame (");
	CU_ASSERT_PTR_NOT_NULL(last);
	CU_ASSERT(strncmp(out, want, 100) == 0);

	/* a length above 16 MiB - 1 is fatal at once */
	n = put_frame(data, "1|6|1001|1|187.25|300|0|");
	static const unsigned char len_16m[4] = { 0x01, 0x00, 0x00, 0x00 }; /* big-endian 1 << 24 */
	memcpy(data + n, len_16m, sizeof(len_16m));
	write_file(path, data, n + 4 + 32);
	CU_ASSERT_EQUAL(run_dump(path, out, sizeof(out)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "}\n{\"frame\":1,\"error\":\"frame length 16777216 above limit 16777215\"}\n"));

	/* --server-version picks the layout */
	n = put_frame(data, "4|-1|2104|farm OK||1752606307000|");
	write_file(path, data, n);
	snprintf(args, sizeof(args), "--server-version 194 %s", path);
	CU_ASSERT_EQUAL(run_dump(args, out, sizeof(out)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"errorTime\":1752606307000}"));
	CU_ASSERT_EQUAL(run_dump(path, out, sizeof(out)), 0); /* at 176 the same bytes are another layout */
	CU_ASSERT_PTR_NULL(strstr(out, "1752606307000"));
}

static void
test_dump_recording_and_usage(void)
{
	const char *dir = tu_tmpdir();
	char path[256], out[8192], data[512];
	size_t n = 16;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/session.rec", dir);
	/* header: magic, format 1, server version 194 (little-endian), then ts u64, len u32, payload */
	static const char header[16] = "IBPREC\0\0\x01\0\0\0\xc2\0\0\0"; /* 16 bytes, no NUL after */
	memcpy(data, header, sizeof(header));
	static const char tick[] = "2\0006\0001001\0000\000300\0";
	static const char err[] = "4\000-1\0002104\000farm OK\000\0001752606307000\0";
	const struct {
		const char *p;
		size_t len;
	} recs[] = { { tick, sizeof(tick) - 1 }, { err, sizeof(err) - 1 } };
	for (size_t i = 0; i < 2; i++) {
		memset(data + n, 0, 8);
		data[n] = (char)(i + 1);
		data[n + 8] = (char)recs[i].len;
		memset(data + n + 9, 0, 3);
		memcpy(data + n + 12, recs[i].p, recs[i].len);
		n += 12 + recs[i].len;
	}
	write_file(path, data, n);
	CU_ASSERT_EQUAL(run_dump(path, out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "{\"id\":2,\"name\":\"tickSize\",\"tickerId\":1001,\"field\":0,\"size\":300}\n"
				    "{\"id\":4,\"name\":\"errMsg\",\"reqId\":-1,\"errorCode\":2104,\"errorString\":\"farm OK\","
				    "\"advancedOrderRejectJson\":\"\",\"errorTime\":1752606307000}\n");
	write_file(path, data, n - 2);
	CU_ASSERT_EQUAL(run_dump(path, out, sizeof(out)), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"error\":\"record 1: truncated payload\"}"));

	CU_ASSERT_EQUAL(run_dump("--help", out, sizeof(out)), 0);
	CU_ASSERT(strncmp(out, "usage: ibpipe dump", 18) == 0);
	CU_ASSERT_EQUAL(run_dump("--bogus", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run_dump("--server-version abc x", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run_dump("--server-version 201 x", out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(run_dump("/nonexistent/file", out, sizeof(out)), 1);
}

void
test_decode_register(void)
{
	CU_pSuite s = CU_add_suite("decode", NULL, NULL);
	CU_add_test(s, "inline number parsing agrees with wire.c bit for bit", test_numbers_agree_with_wire);
	CU_add_test(s, "every prefix of real frames fails at its first missing field", test_every_prefix_fails);
	CU_add_test(s, "a non-numeric field is IB_ENUM naming message and field", test_non_numeric_names_field);
	CU_add_test(s, "unknown and skipped ids are IB_EUNKNOWN; empty payloads fail", test_unknown_and_empty);
	CU_add_test(s, "numbers past int32/int64 are IB_ENUM; the limits decode", test_overflow_is_enum);
	CU_add_test(s, "tickOptionComputation: unset markers, inf/nan, short and junk frames", test_option_computation);
	CU_add_test(s, "errMsg layouts at 157, 173 and 194", test_error_layouts);
	CU_add_test(s, "execDetails extras at 178 and 198", test_exec_details_gates);
	CU_add_test(s, "contractData layouts at 163 and 186", test_contract_data_gates);
	CU_add_test(s, "openOrder walks combo legs, algo, conditions, peg bench to status", test_open_order_groups);
	CU_add_test(s, "JSON of messages, byte for byte", test_json_exact);
	CU_add_test(s, "JSON doubles round-trip; IB_ENOSPC when it does not fit", test_json_doubles_and_space);
	CU_add_test(s, "ibpipe dump: good, bad, unknown, empty, truncated, oversized frames", test_dump_stream);
	CU_add_test(s, "ibpipe dump: recordings, usage errors", test_dump_recording_and_usage);
}
