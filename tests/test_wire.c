/*
 * test_wire.c - framer and field scanner.
 */
#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "codec/wire.h"

static size_t
frame(char *out, const char *payload, size_t len)
{
	ib_be32_put(out, (uint32_t)len);
	memcpy(out + 4, payload, len);
	return len + 4;
}

static void
test_framer_byte_at_a_time(void)
{
	static const char p1[] = "1\0" "6\0" "1001\0" "1\0" "187.25\0" "300\0" "0";
	static const char p2[] = "9\0" "1\0" "42";
	char stream[128];
	size_t n = frame(stream, p1, sizeof(p1));
	n += frame(stream + n, p2, sizeof(p2));
	ib_framer f;
	ib_frame fr;
	int got = 0;

	CU_ASSERT_EQUAL_FATAL(ib_framer_init(&f, 1 << 25, 0), IB_OK);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(ib_framer_feed(&f, stream + i, 1), IB_OK);
		while (ib_framer_next(&f, &fr) == IB_OK) {
			CU_ASSERT_EQUAL(fr.len, got == 0 ? sizeof(p1) : sizeof(p2));
			CU_ASSERT(memcmp(fr.p, got == 0 ? p1 : p2, fr.len) == 0);
			got++;
		}
	}
	CU_ASSERT_EQUAL(got, 2);
	CU_ASSERT_EQUAL(ib_framer_next(&f, &fr), IB_EAGAIN);
	ib_framer_free(&f);
}

static void
test_framer_limits(void)
{
	ib_framer f;
	ib_frame fr;
	char hdr[4];

	CU_ASSERT_EQUAL_FATAL(ib_framer_init(&f, 1 << 25, 0), IB_OK);
	ib_be32_put(hdr, 0);
	ib_framer_feed(&f, hdr, 4);
	CU_ASSERT_EQUAL(ib_framer_next(&f, &fr), IB_EEMPTY);
	ib_be32_put(hdr, IB_MAX_FRAME + 1);
	ib_framer_feed(&f, hdr, 4);
	CU_ASSERT_EQUAL(ib_framer_next(&f, &fr), IB_ETOOBIG);
	CU_ASSERT(strstr(f.errstr, "above limit") != NULL);
	ib_framer_free(&f);
}

static void
test_fields_numbers(void)
{
	static const char p[] = "-42\0" "\0" "187.25\0" "1.7976931348623157E308\0" "x1\0" "0.1\0" "Infinity\0" "12";
	ib_fields c;
	int32_t i;
	double d;

	ib_fields_init(&c, p, sizeof(p) - 1);
	CU_ASSERT_EQUAL(ib_fields_i32(&c, &i), IB_OK);
	CU_ASSERT_EQUAL(i, -42);
	CU_ASSERT_EQUAL(ib_fields_i32(&c, &i), IB_OK);
	CU_ASSERT_EQUAL(i, 0);
	CU_ASSERT_EQUAL(ib_fields_f64(&c, &d), IB_OK);
	CU_ASSERT_EQUAL(d, 187.25);
	CU_ASSERT_EQUAL(ib_fields_f64(&c, &d), IB_OK);
	CU_ASSERT_EQUAL(d, DBL_MAX);
	CU_ASSERT_EQUAL(ib_fields_i32(&c, &i), IB_ENUM);
	CU_ASSERT_EQUAL(c.err_idx, 4);
	CU_ASSERT_EQUAL(ib_fields_skip(&c, 1), IB_OK);
	CU_ASSERT_EQUAL(ib_fields_f64(&c, &d), IB_OK);
	CU_ASSERT_EQUAL(d, 0.1);
	CU_ASSERT_EQUAL(ib_fields_f64(&c, &d), IB_OK);
	CU_ASSERT(isinf(d));
	/* "12" has no terminating NUL: it is not a field. */
	CU_ASSERT_EQUAL(ib_fields_i32(&c, &i), IB_EFIELD);
}

static void
test_parse_exactness(void)
{
	static const char *cases[] = { "201.8829709", "0.01", "3895.375", "-110", "246447.83", "1e3", "123456789012345678901" };
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		double d;
		CU_ASSERT_EQUAL(ib_parse_f64(cases[k], strlen(cases[k]), &d), IB_OK);
		CU_ASSERT_EQUAL(d, strtod(cases[k], NULL));
	}
	int64_t v;
	CU_ASSERT_EQUAL(ib_parse_i64("9223372036854775807", 19, &v), IB_OK);
	CU_ASSERT_EQUAL(v, INT64_MAX);
	CU_ASSERT_EQUAL(ib_parse_i64("9223372036854775808", 19, &v), IB_ENUM);
	CU_ASSERT_EQUAL(ib_parse_i64("-", 1, &v), IB_ENUM);
}

void
test_wire_register(void)
{
	CU_pSuite s = CU_add_suite("wire", NULL, NULL);
	CU_add_test(s, "framer accepts one byte at a time", test_framer_byte_at_a_time);
	CU_add_test(s, "framer rejects length 0 and oversized", test_framer_limits);
	CU_add_test(s, "fields parse numbers and flag bad ones", test_fields_numbers);
	CU_add_test(s, "double parsing is exact", test_parse_exactness);
}
