/* test_params.c - unit tests of src/common/params.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/common/params.h"

/* Adds a NUL-terminated pair. */
static int
add(struct reqparams *p, const char *k, const char *v)
{
	return params_add(p, k, strlen(k), v, v ? strlen(v) : 0);
}

/* Asserts that adding the pair fails with a message naming why. */
static void
refused(const char *k, size_t klen, const char *v, size_t vlen,
    const char *why)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(params_add(&p, k, klen, v, vlen), -1);
	assert_int_equal(p.n, 0);
	assert_non_null(strstr(p.err, why));
	assert_non_null(strstr(p.err, "parameter \""));
	assert_null(strchr(p.err, '\n'));
	params_release(&p);
}

/* ---- keys ---- */

static void
test_key_grammar_ok(void **state)
{
	struct reqparams p;
	char k64[PARAM_KEY_MAX + 1];

	params_init(&p);
	assert_int_equal(add(&p, "func", "user"), 0);
	assert_int_equal(add(&p, "a", "1"), 0);
	assert_int_equal(add(&p, "x.y-z_0", "2"), 0);
	assert_int_equal(add(&p, "JSONdata", "3"), 0);	/* A-Z allowed */
	assert_int_equal(add(&p, "-._", "4"), 0);
	memset(k64, 'k', PARAM_KEY_MAX);
	k64[PARAM_KEY_MAX] = '\0';
	assert_int_equal(add(&p, k64, "5"), 0);
	assert_int_equal(p.n, 6);
	assert_string_equal(p.err, "");
	assert_string_equal(params_get(&p, "x.y-z_0"), "2");
	assert_string_equal(params_get(&p, k64), "5");
	params_release(&p);
	assert_int_equal(p.n, 0);
	assert_null(p.v);
}

static void
test_key_grammar_refused(void **state)
{
	char k65[PARAM_KEY_MAX + 2];
	static const char *const bad[] = {
		"a b", "a=b", "a&b", "a;b", "a\"b", "a'b", "a<b", "a/b",
		"a\\b", "a\nb", "a\tb", "a\rb", "a[]", "a{b}", "a%20",
		"a+b", "a:b", "\xc3\xa9t\xc3\xa9", "a\x7f", "a\x01",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(bad[i], strlen(bad[i]), "v", 1, "invalid name");
	/* empty */
	refused("", 0, "v", 1, "invalid name");
	/* NUL inside the key */
	refused("ab\0cd", 5, "v", 1, "invalid name");
	/* too long */
	memset(k65, 'k', PARAM_KEY_MAX + 1);
	k65[PARAM_KEY_MAX + 1] = '\0';
	refused(k65, PARAM_KEY_MAX + 1, "v", 1, "invalid name");
}

static void
test_key_uses_klen_not_nul(void **state)
{
	struct reqparams p;

	/* Only klen bytes of the key count. */
	params_init(&p);
	assert_int_equal(params_add(&p, "name=junk", 4, "v", 1), 0);
	assert_string_equal(params_get(&p, "name"), "v");
	assert_null(params_get(&p, "name=junk"));
	params_release(&p);
}

static void
test_err_key_sanitised(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(params_add(&p, "a\"b\nc<d>", 8, "v", 1), -1);
	/* The message keeps only printable ASCII of the key, without quotes
	 * or control characters. */
	assert_null(strchr(p.errkey, '"'));
	assert_null(strchr(p.errkey, '\n'));
	assert_null(strchr(p.err, '\n'));
	assert_string_equal(p.errkey, "abc<d>");
	assert_string_equal(p.err, "parameter \"abc<d>\": invalid name");
	params_release(&p);
}

static void
test_first_error_kept(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(add(&p, "bad key", "v"), -1);
	assert_int_equal(add(&p, "good", "\x01"), -1);
	assert_string_equal(p.err, "parameter \"badkey\": invalid name");
	assert_string_equal(p.errkey, "badkey");
	/* A later good pair is still accepted. */
	assert_int_equal(add(&p, "ok", "1"), 0);
	assert_string_equal(p.err, "parameter \"badkey\": invalid name");
	params_release(&p);
}

/* ---- values ---- */

static void
test_value_cap(void **state)
{
	struct reqparams p;
	char *v;

	v = malloc(PARAM_VALUE_MAX + 2);
	memset(v, 'v', PARAM_VALUE_MAX + 1);
	v[PARAM_VALUE_MAX + 1] = '\0';
	params_init(&p);
	assert_int_equal(params_add(&p, "big", 3, v, PARAM_VALUE_MAX), 0);
	assert_int_equal(strlen(params_get(&p, "big")), PARAM_VALUE_MAX);
	assert_int_equal(p.v[0].vlen, PARAM_VALUE_MAX);
	params_release(&p);
	refused("big", 3, v, PARAM_VALUE_MAX + 1, "value too long");
	free(v);
}

static void
test_value_nul(void **state)
{
	refused("k", 1, "a\0b", 3, "NUL byte in value");
	refused("k", 1, "\0", 1, "NUL byte in value");
}

static void
test_value_controls(void **state)
{
	struct reqparams p;
	char v[2];
	int c;

	for (c = 1; c < 0x20; c++) {
		v[0] = (char)c;
		v[1] = '\0';
		params_init(&p);
		if (c == '\t' || c == '\n' || c == '\r') {
			assert_int_equal(params_add(&p, "k", 1, v, 1), 0);
			assert_string_equal(params_get(&p, "k"), v);
		} else {
			assert_int_equal(params_add(&p, "k", 1, v, 1), -1);
			assert_non_null(strstr(p.err, "control character"));
		}
		params_release(&p);
	}
	refused("k", 1, "a\x7f", 2, "control character");
	refused("k", 1, "\x1b[31m", 5, "control character");
}

static void
test_value_tab_newline_allowed(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(add(&p, "text", "line1\nline2\r\n\tx"), 0);
	assert_string_equal(params_get(&p, "text"), "line1\nline2\r\n\tx");
	params_release(&p);
}

static void
test_value_null_and_empty(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(params_add(&p, "flag", 4, NULL, 123), 0);
	assert_string_equal(params_get(&p, "flag"), "");
	assert_int_equal(p.v[0].vlen, 0);
	assert_int_equal(add(&p, "empty", ""), 0);
	assert_string_equal(params_get(&p, "empty"), "");
	params_release(&p);
}

static void
test_value_binary_length_respected(void **state)
{
	struct reqparams p;

	/* Only vlen bytes are copied, and the copy is NUL-terminated. */
	params_init(&p);
	assert_int_equal(params_add(&p, "k", 1, "abcdef", 3), 0);
	assert_string_equal(params_get(&p, "k"), "abc");
	assert_int_equal(p.v[0].vlen, 3);
	params_release(&p);
}

static void
test_value_utf8(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(add(&p, "a", "caf\xc3\xa9"), 0);		/* é */
	assert_int_equal(add(&p, "b", "\xe2\x82\xac"), 0);		/* € */
	assert_int_equal(add(&p, "c", "\xf0\x9f\x98\x80"), 0);	/* 😀 */
	assert_int_equal(add(&p, "d", "\xf4\x8f\xbf\xbf"), 0);	/* U+10FFFF */
	assert_int_equal(add(&p, "e", "\xc2\x85"), 0);		/* U+0085 */
	assert_int_equal(p.n, 5);
	params_release(&p);

	refused("k", 1, "\xff", 1, "not valid UTF-8");
	refused("k", 1, "\xc3", 1, "not valid UTF-8");		/* truncated */
	refused("k", 1, "a\xc3", 2, "not valid UTF-8");
	refused("k", 1, "\xe2\x82", 2, "not valid UTF-8");
	refused("k", 1, "\x80", 1, "not valid UTF-8");		/* lone cont. */
	refused("k", 1, "\xc3\x28", 2, "not valid UTF-8");	/* bad cont. */
	refused("k", 1, "\xf8\x88\x80\x80\x80", 5, "not valid UTF-8");
}

static void
test_value_overlong(void **state)
{
	refused("k", 1, "\xc0\xaf", 2, "not valid UTF-8");	/* '/' */
	refused("k", 1, "\xc1\xbf", 2, "not valid UTF-8");
	refused("k", 1, "\xc0\x80", 2, "not valid UTF-8");	/* NUL */
	refused("k", 1, "\xe0\x80\xaf", 3, "not valid UTF-8");
	refused("k", 1, "\xe0\x9f\xbf", 3, "not valid UTF-8");
	refused("k", 1, "\xf0\x80\x80\xaf", 4, "not valid UTF-8");
	refused("k", 1, "\xf0\x8f\xbf\xbf", 4, "not valid UTF-8");
}

static void
test_value_surrogates(void **state)
{
	refused("k", 1, "\xed\xa0\x80", 3, "not valid UTF-8");	/* D800 */
	refused("k", 1, "\xed\xbf\xbf", 3, "not valid UTF-8");	/* DFFF */
	refused("k", 1, "\xed\xa0\xbd\xed\xb8\x80", 6, "not valid UTF-8");
	/* above U+10FFFF */
	refused("k", 1, "\xf4\x90\x80\x80", 4, "not valid UTF-8");
	refused("k", 1, "\xf7\xbf\xbf\xbf", 4, "not valid UTF-8");
}

/* ---- counts and repeats ---- */

static void
test_too_many(void **state)
{
	struct reqparams p;
	char k[16];
	int i;

	params_init(&p);
	for (i = 0; i < PARAM_MAX_COUNT; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(add(&p, k, "v"), 0);
	}
	assert_int_equal(p.n, PARAM_MAX_COUNT);
	assert_int_equal(add(&p, "one_more", "v"), -1);
	assert_non_null(strstr(p.err, "too many parameters"));
	assert_int_equal(p.n, PARAM_MAX_COUNT);
	assert_null(params_get(&p, "one_more"));
	/* Replacing an existing key is still allowed at the limit. */
	assert_int_equal(add(&p, "k7", "new"), 0);
	assert_string_equal(params_get(&p, "k7"), "new");
	assert_int_equal(p.n, PARAM_MAX_COUNT);
	params_release(&p);
}

static void
test_repeat_replaces(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_int_equal(add(&p, "name", "first"), 0);
	assert_int_equal(add(&p, "other", "x"), 0);
	assert_int_equal(add(&p, "name", "second"), 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(params_get(&p, "name"), "second");
	assert_int_equal(add(&p, "name", ""), 0);
	assert_string_equal(params_get(&p, "name"), "");
	assert_int_equal(p.n, 2);
	/* A refused repeat leaves the earlier value. */
	assert_int_equal(add(&p, "other", "\x01"), -1);
	assert_string_equal(params_get(&p, "other"), "x");
	/* Keys are case-sensitive. */
	assert_int_equal(add(&p, "Name", "upper"), 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(params_get(&p, "name"), "");
	assert_string_equal(params_get(&p, "Name"), "upper");
	params_release(&p);
}

/* ---- get ---- */

static void
test_get(void **state)
{
	struct reqparams p;

	params_init(&p);
	assert_null(params_get(&p, "x"));
	assert_string_equal(params_get_def(&p, "x", "dflt"), "dflt");
	assert_int_equal(add(&p, "x", "val"), 0);
	assert_int_equal(add(&p, "e", ""), 0);
	assert_string_equal(params_get(&p, "x"), "val");
	assert_string_equal(params_get_def(&p, "x", "dflt"), "val");
	/* empty counts as absent for _def */
	assert_string_equal(params_get(&p, "e"), "");
	assert_string_equal(params_get_def(&p, "e", "dflt"), "dflt");
	assert_null(params_get_def(&p, "e", NULL));
	assert_null(params_get(&p, "X"));
	assert_null(params_get(&p, "xx"));
	assert_null(params_get(&p, ""));
	params_release(&p);
}

/* ---- utf8_valid ---- */

static void
test_utf8_valid(void **state)
{
	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid("plain ascii", 11));
	assert_true(utf8_valid("\x7f", 1));
	assert_true(utf8_valid("\xc2\x80", 2));		/* U+0080 */
	assert_true(utf8_valid("\xdf\xbf", 2));		/* U+07FF */
	assert_true(utf8_valid("\xe0\xa0\x80", 3));		/* U+0800 */
	assert_true(utf8_valid("\xed\x9f\xbf", 3));		/* U+D7FF */
	assert_true(utf8_valid("\xee\x80\x80", 3));		/* U+E000 */
	assert_true(utf8_valid("\xef\xbf\xbd", 3));		/* U+FFFD */
	assert_true(utf8_valid("\xf0\x90\x80\x80", 4));	/* U+10000 */
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));	/* U+10FFFF */
	/* NUL is valid UTF-8 (params refuses it separately). */
	assert_true(utf8_valid("a\0b", 3));
	/* only len bytes are looked at */
	assert_true(utf8_valid("ab\xff", 2));
	assert_false(utf8_valid("ab\xff", 3));

	assert_false(utf8_valid("\x80", 1));
	assert_false(utf8_valid("\xbf", 1));
	assert_false(utf8_valid("\xc2", 1));
	assert_false(utf8_valid("\xc2\x41", 2));
	assert_false(utf8_valid("\xc0\x80", 2));
	assert_false(utf8_valid("\xc1\xbf", 2));
	assert_false(utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(utf8_valid("\xe0\xa0", 2));
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	assert_false(utf8_valid("\xed\xbf\xbf", 3));
	assert_false(utf8_valid("\xf0\x8f\xbf\xbf", 4));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid("\xf0\x90\x80", 3));
	assert_false(utf8_valid("\xf5\x80\x80\x80", 4));
	assert_false(utf8_valid("\xf8\x88\x80\x80\x80", 5));
	assert_false(utf8_valid("\xfc\x84\x80\x80\x80\x80", 6));
	assert_false(utf8_valid("\xfe", 1));
	assert_false(utf8_valid("\xff", 1));
	/* a truncated sequence at the end of len, with more bytes after */
	assert_false(utf8_valid("\xe2\x82\xac", 2));
}

/* ---- elid_split ---- */

static void
test_elid_split_basic(void **state)
{
	char *buf = NULL, *items[8];
	int n;

	n = elid_split("a, b, c", &buf, items, 8);
	assert_int_equal(n, 3);
	assert_string_equal(items[0], "a");
	assert_string_equal(items[1], "b");
	assert_string_equal(items[2], "c");
	free(buf);

	n = elid_split("single", &buf, items, 8);
	assert_int_equal(n, 1);
	assert_string_equal(items[0], "single");
	free(buf);
}

static void
test_elid_split_comma_only(void **state)
{
	char *buf = NULL, *items[8];
	int n;

	/* A bare comma is part of an item. */
	n = elid_split("a,b", &buf, items, 8);
	assert_int_equal(n, 1);
	assert_string_equal(items[0], "a,b");
	free(buf);

	n = elid_split("v=spf1 a,mx, other", &buf, items, 8);
	assert_int_equal(n, 2);
	assert_string_equal(items[0], "v=spf1 a,mx");
	assert_string_equal(items[1], "other");
	free(buf);

	/* " ," is not the separator either */
	n = elid_split("a ,b", &buf, items, 8);
	assert_int_equal(n, 1);
	assert_string_equal(items[0], "a ,b");
	free(buf);
}

static void
test_elid_split_trim_and_empty(void **state)
{
	char *buf = NULL, *items[8];
	int n;

	n = elid_split("  a  ,   b\t, \tc \t", &buf, items, 8);
	assert_int_equal(n, 3);
	assert_string_equal(items[0], "a");
	assert_string_equal(items[1], "b");
	assert_string_equal(items[2], "c");
	free(buf);

	n = elid_split("a, , ,   , b, ", &buf, items, 8);
	assert_int_equal(n, 2);
	assert_string_equal(items[0], "a");
	assert_string_equal(items[1], "b");
	free(buf);

	n = elid_split("", &buf, items, 8);
	assert_int_equal(n, 0);
	free(buf);

	n = elid_split(" , ,  ", &buf, items, 8);
	assert_int_equal(n, 0);
	free(buf);

	/* Inner spaces are kept. */
	n = elid_split("x y, z", &buf, items, 8);
	assert_int_equal(n, 2);
	assert_string_equal(items[0], "x y");
	free(buf);
}

static void
test_elid_split_points_into_buf(void **state)
{
	const char *src = "one, two";
	char *buf = NULL, *items[2];
	int n;

	n = elid_split(src, &buf, items, 2);
	assert_int_equal(n, 2);
	assert_non_null(buf);
	assert_ptr_not_equal(buf, src);
	assert_true(items[0] >= buf && items[0] < buf + strlen(src));
	assert_true(items[1] >= buf && items[1] < buf + strlen(src));
	/* the source is untouched */
	assert_string_equal(src, "one, two");
	free(buf);
}

static void
test_elid_split_max(void **state)
{
	char *buf = NULL, *items[3];
	int n;

	n = elid_split("a, b, c", &buf, items, 3);
	assert_int_equal(n, 3);
	free(buf);

	n = elid_split("a, b, c, d", &buf, items, 3);
	assert_int_equal(n, -1);
	free(buf);

	/* Empty items do not count towards max. */
	n = elid_split("a, , b, , c, ", &buf, items, 3);
	assert_int_equal(n, 3);
	free(buf);

	n = elid_split("a", &buf, items, 0);
	assert_int_equal(n, -1);
	free(buf);

	n = elid_split("", &buf, items, 0);
	assert_int_equal(n, 0);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_grammar_ok),
		cmocka_unit_test(test_key_grammar_refused),
		cmocka_unit_test(test_key_uses_klen_not_nul),
		cmocka_unit_test(test_err_key_sanitised),
		cmocka_unit_test(test_first_error_kept),
		cmocka_unit_test(test_value_cap),
		cmocka_unit_test(test_value_nul),
		cmocka_unit_test(test_value_controls),
		cmocka_unit_test(test_value_tab_newline_allowed),
		cmocka_unit_test(test_value_null_and_empty),
		cmocka_unit_test(test_value_binary_length_respected),
		cmocka_unit_test(test_value_utf8),
		cmocka_unit_test(test_value_overlong),
		cmocka_unit_test(test_value_surrogates),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_repeat_replaces),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_elid_split_basic),
		cmocka_unit_test(test_elid_split_comma_only),
		cmocka_unit_test(test_elid_split_trim_and_empty),
		cmocka_unit_test(test_elid_split_points_into_buf),
		cmocka_unit_test(test_elid_split_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
