/*
 * test_json.c - the one JSON string writer (src/util/json.c): escapes, invalid
 * UTF-8, control characters, the bounded builder; checked with the
 * independent validator in json_valid.h.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "json_valid.h"

static const char *
quoted(const char *s, size_t n)
{
	static char buf[4096];
	ib_json j;

	ib_json_init(&j, buf, sizeof(buf));
	ib_json_strn(&j, s, n);
	return buf;
}

static void
test_escapes(void)
{
	CU_ASSERT_STRING_EQUAL(quoted("plain DU123", 11), "\"plain DU123\"");
	CU_ASSERT_STRING_EQUAL(quoted("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	CU_ASSERT_STRING_EQUAL(quoted("l1\nl2\r\t\b\f", 9), "\"l1\\nl2\\r\\t\\b\\f\"");
	CU_ASSERT_STRING_EQUAL(quoted("\x01\x1f\x7f", 3), "\"\\u0001\\u001f\\u007f\"");
	CU_ASSERT_STRING_EQUAL(quoted("nul\0in", 6), "\"nul\\u0000in\"");
}

static void
test_utf8(void)
{
	/* valid sequences pass unchanged: 2, 3 and 4 bytes */
	CU_ASSERT_STRING_EQUAL(quoted("\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xb0", 9), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xb0\"");
	/* invalid bytes become U+FFFD, one per byte that starts nothing valid */
	CU_ASSERT_STRING_EQUAL(quoted("\xff", 1), "\"\\ufffd\"");
	CU_ASSERT_STRING_EQUAL(quoted("a\xc3(", 3), "\"a\\ufffd(\"");               /* truncated 2-byte */
	CU_ASSERT_STRING_EQUAL(quoted("\xc0\xaf", 2), "\"\\ufffd\\ufffd\"");        /* overlong '/' */
	CU_ASSERT_STRING_EQUAL(quoted("\xed\xa0\x80", 3), "\"\\ufffd\\ufffd\\ufffd\""); /* surrogate */
	CU_ASSERT_STRING_EQUAL(quoted("\xf4\x90\x80\x80", 4), "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
	CU_ASSERT_STRING_EQUAL(quoted("\xe2\x82", 2), "\"\\ufffd\\ufffd\"");        /* cut at the end */
}

static void
test_every_byte_pair_is_valid(void)
{
	/* every 1- and 2-byte input and a set of 3-byte ones come out as valid JSON */
	char in[3];
	for (int a = 0; a < 256; a++) {
		in[0] = (char)a;
		const char *q = quoted(in, 1);
		CU_ASSERT(json_valid(q, strlen(q)));
		for (int b = 0; b < 256; b++) {
			in[1] = (char)b;
			q = quoted(in, 2);
			if (!json_valid(q, strlen(q)))
				CU_FAIL("2-byte input gave invalid JSON");
			in[2] = (char)(a ^ b);
			q = quoted(in, 3);
			if (!json_valid(q, strlen(q)))
				CU_FAIL("3-byte input gave invalid JSON");
		}
	}
	/* the length function agrees with the writer */
	CU_ASSERT_EQUAL(ib_json_escaped_len("a\"\xff\n", 4), strlen(quoted("a\"\xff\n", 4)) - 2);
}

static void
test_builder_never_cuts(void)
{
	char buf[16];
	ib_json j;

	ib_json_init(&j, buf, sizeof(buf));
	ib_json_raw(&j, "[");
	ib_json_str(&j, "0123456789");  /* 12 bytes: fits (1 + 12 + NUL <= 16) */
	CU_ASSERT_FALSE(j.overflow);
	ib_json_raw(&j, ",");
	ib_json_str(&j, "x");           /* would need 3 more: refused whole */
	CU_ASSERT_TRUE(j.overflow);
	CU_ASSERT_STRING_EQUAL(buf, "[\"0123456789\",");
	ib_json_raw(&j, "]");           /* nothing after an overflow */
	CU_ASSERT_EQUAL(j.len, strlen(buf));
	ib_json_init(&j, buf, sizeof(buf));
	ib_json_printf(&j, "%d", 123456789);
	ib_json_printf(&j, "%d", 1234567);
	CU_ASSERT_TRUE(j.overflow);
	CU_ASSERT_STRING_EQUAL(buf, "123456789");
}

static void
test_stream(void)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	CU_ASSERT_FATAL(f != NULL);
	ib_json_fputs(f, "q\"\xfe", 3);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(out, "q\\\"\\ufffd");
	free(out);
}

void
test_json_register(void)
{
	CU_pSuite s = CU_add_suite("json", NULL, NULL);
	CU_add_test(s, "escapes quotes, backslashes and control characters", test_escapes);
	CU_add_test(s, "valid UTF-8 passes, invalid bytes become U+FFFD", test_utf8);
	CU_add_test(s, "every 1-3 byte input gives valid JSON", test_every_byte_pair_is_valid);
	CU_add_test(s, "the builder adds pieces whole or not at all", test_builder_never_cuts);
	CU_add_test(s, "the stream form escapes the same way", test_stream);
}
