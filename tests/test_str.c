/*
 * test_str.c - the truncating copies (util/str.h, ib_str_copy): always
 * NUL-terminated, never past the buffer, and a cut never splits a UTF-8
 * character, so valid UTF-8 from the gateway stays valid when shortened.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "codec/wire.h"
#include "util/str.h"

static void
test_cut_between_characters(void)
{
	/* ASCII: where it falls */
	CU_ASSERT_EQUAL(ib_utf8_cut("abcdef", 3), 3);
	/* a 2-, 3- and 4-byte character across the cut: before it */
	CU_ASSERT_EQUAL(ib_utf8_cut("ab\xc3\xa9", 3), 2);
	CU_ASSERT_EQUAL(ib_utf8_cut("a\xe2\x82\xac", 2), 1);
	CU_ASSERT_EQUAL(ib_utf8_cut("a\xe2\x82\xac", 3), 1);
	CU_ASSERT_EQUAL(ib_utf8_cut("\xf0\x9f\x98\x80x", 1), 0);
	CU_ASSERT_EQUAL(ib_utf8_cut("\xf0\x9f\x98\x80x", 3), 0);
	CU_ASSERT_EQUAL(ib_utf8_cut("\xf0\x9f\x98\x80x", 4), 4);
	/* a whole character just before the cut: kept */
	CU_ASSERT_EQUAL(ib_utf8_cut("\xc3\xa9\xc3\xa9", 2), 2);
	/* bytes that are not UTF-8 (stray continuation bytes): where it falls */
	CU_ASSERT_EQUAL(ib_utf8_cut("a\x80\x80\x80\x80", 3), 3);
	CU_ASSERT_EQUAL(ib_utf8_cut("\x80\x80\x80\x80\x80", 4), 4);
}

static void
test_copies_keep_whole_characters(void)
{
	char d[4];
	static const char e3[] = "\xc3\xa9\xc3\xa9\xc3\xa9"; /* 3 x U+00E9, 6 bytes */

	CU_ASSERT_EQUAL(ib_strlcpy(d, "ab\xc3\xa9", sizeof(d)), 4);
	CU_ASSERT_STRING_EQUAL(d, "ab");
	CU_ASSERT_EQUAL(ib_strlcpy(d, e3, sizeof(d)), 6);
	CU_ASSERT_STRING_EQUAL(d, "\xc3\xa9");
	CU_ASSERT_EQUAL(ib_strlcpy(d, "abcdef", sizeof(d)), 6);
	CU_ASSERT_STRING_EQUAL(d, "abc");
	CU_ASSERT_EQUAL(ib_strlcpy(d, "abc", sizeof(d)), 3);
	CU_ASSERT_STRING_EQUAL(d, "abc");

	CU_ASSERT_EQUAL(ib_strnlcpy(d, sizeof(d), e3, sizeof(e3) - 1), 2);
	CU_ASSERT_STRING_EQUAL(d, "\xc3\xa9");
	CU_ASSERT_EQUAL(ib_strnlcpy(d, sizeof(d), "a\xe2\x82\xac", 4), 1);
	CU_ASSERT_STRING_EQUAL(d, "a");

	ib_str_copy(d, sizeof(d), (ib_str){ e3, 6 });
	CU_ASSERT_STRING_EQUAL(d, "\xc3\xa9");
	ib_str_copy(d, sizeof(d), (ib_str){ "x\xf0\x9f\x98\x80", 5 });
	CU_ASSERT_STRING_EQUAL(d, "x");
}

/* A view that fills the buffer exactly is copied whole, without reading the byte after it. */
static void
test_exact_fit_reads_nothing_past_the_view(void)
{
	char d[4], *p = malloc(3);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	p[0] = 'a', p[1] = (char)0xc3, p[2] = (char)0xa9; /* no NUL after it: ASan would see a read past it */
	ib_str_copy(d, sizeof(d), (ib_str){ p, 3 });
	CU_ASSERT_STRING_EQUAL(d, "a\xc3\xa9");
	free(p);
}

void
test_str_register(void)
{
	CU_pSuite s = CU_add_suite("str", NULL, NULL);
	CU_add_test(s, "a cut falls between UTF-8 characters, bytes that are not UTF-8 where they fall",
		    test_cut_between_characters);
	CU_add_test(s, "ib_strlcpy, ib_strnlcpy, ib_str_copy keep whole characters", test_copies_keep_whole_characters);
	CU_add_test(s, "an exact fit reads nothing past the view", test_exact_fit_reads_nothing_past_the_view);
}
