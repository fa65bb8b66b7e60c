/* test_sbuf.c - unit tests of src/common/sbuf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../src/common/sbuf.h"

static void
test_empty_is_empty_string(void **state)
{
	struct sbuf b;

	sbuf_init(&b, 16);
	assert_int_equal(b.len, 0);
	assert_string_equal(sbuf_str(&b), "");
	sbuf_release(&b);
	assert_null(b.buf);
	assert_int_equal(b.cap, 16);
}

static void
test_add_and_nul_terminated(void **state)
{
	struct sbuf b;

	sbuf_init(&b, 64);
	assert_int_equal(sbuf_add(&b, "abc", 3), 0);
	assert_int_equal(sbuf_adds(&b, "def"), 0);
	assert_int_equal(sbuf_addc(&b, 'g'), 0);
	assert_int_equal(b.len, 7);
	assert_string_equal(sbuf_str(&b), "abcdefg");
	assert_int_equal(b.buf[b.len], '\0');
	/* Binary bytes, including NUL, are kept and counted. */
	assert_int_equal(sbuf_add(&b, "x\0y", 3), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.buf, "abcdefgx\0y", 10);
	assert_int_equal(b.buf[10], '\0');
	sbuf_release(&b);
}

static void
test_cap_exact_fits(void **state)
{
	struct sbuf b;

	sbuf_init(&b, 8);
	assert_int_equal(sbuf_adds(&b, "12345678"), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(sbuf_str(&b), "12345678");
	/* Not one more byte; an empty add does not pass the cap. */
	assert_int_equal(sbuf_addc(&b, 'x'), -1);
	assert_int_equal(sbuf_add(&b, "", 0), 0);
	assert_int_equal(b.len, 8);
	assert_string_equal(sbuf_str(&b), "12345678");
	sbuf_release(&b);
}

static void
test_cap_refusal_leaves_buffer(void **state)
{
	struct sbuf b;
	char big[100];

	memset(big, 'z', sizeof(big));
	sbuf_init(&b, 10);
	assert_int_equal(sbuf_adds(&b, "hello"), 0);
	assert_int_equal(sbuf_add(&b, big, 6), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(sbuf_str(&b), "hello");
	assert_int_equal(sbuf_adds(&b, "world!"), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(sbuf_str(&b), "hello");
	assert_int_equal(sbuf_printf(&b, "%s", "123456"), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(sbuf_str(&b), "hello");
	/* A huge length must not wrap around the cap check. */
	assert_int_equal(sbuf_add(&b, big, SIZE_MAX - 2), -1);
	assert_int_equal(b.len, 5);
	assert_string_equal(sbuf_str(&b), "hello");
	/* What still fits goes in. */
	assert_int_equal(sbuf_adds(&b, "world"), 0);
	assert_string_equal(sbuf_str(&b), "helloworld");
	assert_int_equal(sbuf_addc(&b, '!'), -1);
	assert_string_equal(sbuf_str(&b), "helloworld");
	sbuf_release(&b);
}

static void
test_cap_zero(void **state)
{
	struct sbuf b;

	sbuf_init(&b, 0);
	assert_int_equal(sbuf_addc(&b, 'a'), -1);
	assert_int_equal(b.len, 0);
	assert_string_equal(sbuf_str(&b), "");
	sbuf_release(&b);
}

static void
test_grow_many(void **state)
{
	struct sbuf b;
	size_t i;

	sbuf_init(&b, 100000);
	for (i = 0; i < 100000; i++)
		assert_int_equal(sbuf_addc(&b, (char)('a' + i % 26)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.alloc <= 100001);
	assert_int_equal(strlen(b.buf), 100000);
	for (i = 0; i < 100000; i++)
		assert_int_equal(b.buf[i], 'a' + i % 26);
	assert_int_equal(sbuf_addc(&b, 'x'), -1);
	assert_int_equal(b.len, 100000);
	sbuf_release(&b);
}

static void
test_printf(void **state)
{
	struct sbuf b;

	sbuf_init(&b, 64);
	assert_int_equal(sbuf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(sbuf_str(&b), "42-x");
	assert_int_equal(sbuf_printf(&b, "[%05.1f]", 3.14159), 0);
	assert_string_equal(sbuf_str(&b), "42-x[003.1]");
	assert_int_equal(sbuf_printf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 11);
	sbuf_release(&b);

	/* printf exactly up to the cap. */
	sbuf_init(&b, 6);
	assert_int_equal(sbuf_printf(&b, "%s", "abc"), 0);
	assert_int_equal(sbuf_printf(&b, "%d", 123), 0);
	assert_string_equal(sbuf_str(&b), "abc123");
	assert_int_equal(sbuf_printf(&b, "%c", 'z'), -1);
	assert_string_equal(sbuf_str(&b), "abc123");
	sbuf_release(&b);
}

static void
test_printf_long(void **state)
{
	struct sbuf b;
	char *s;

	s = malloc(5001);
	memset(s, 'q', 5000);
	s[5000] = '\0';
	sbuf_init(&b, 1 << 20);
	assert_int_equal(sbuf_printf(&b, "<%s>", s), 0);
	assert_int_equal(b.len, 5002);
	assert_int_equal(b.buf[0], '<');
	assert_int_equal(b.buf[5001], '>');
	assert_int_equal(b.buf[5002], '\0');
	sbuf_release(&b);
	free(s);
}

static void
test_reset(void **state)
{
	struct sbuf b;

	sbuf_init(&b, 8);
	sbuf_reset(&b);
	assert_string_equal(sbuf_str(&b), "");
	assert_int_equal(sbuf_adds(&b, "12345678"), 0);
	sbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(sbuf_str(&b), "");
	/* The cap counts what is in the buffer now. */
	assert_int_equal(sbuf_adds(&b, "abcdefgh"), 0);
	assert_string_equal(sbuf_str(&b), "abcdefgh");
	sbuf_release(&b);
}

static void
test_detach(void **state)
{
	struct sbuf b;
	size_t len = 99;
	char *p;

	sbuf_init(&b, 32);
	assert_int_equal(sbuf_adds(&b, "owned"), 0);
	p = sbuf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 5);
	assert_string_equal(p, "owned");
	/* The buffer is empty again, keeps its cap, and is usable. */
	assert_null(b.buf);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 32);
	assert_string_equal(sbuf_str(&b), "");
	assert_int_equal(sbuf_adds(&b, "again"), 0);
	assert_string_equal(sbuf_str(&b), "again");
	assert_ptr_not_equal(b.buf, p);
	free(p);
	sbuf_release(&b);

	/* Detaching an empty buffer yields an empty string to free. */
	sbuf_init(&b, 32);
	p = sbuf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_string_equal(p, "");
	free(p);

	/* lenp may be NULL. */
	assert_int_equal(sbuf_adds(&b, "z"), 0);
	p = sbuf_detach(&b, NULL);
	assert_string_equal(p, "z");
	free(p);
	sbuf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_is_empty_string),
		cmocka_unit_test(test_add_and_nul_terminated),
		cmocka_unit_test(test_cap_exact_fits),
		cmocka_unit_test(test_cap_refusal_leaves_buffer),
		cmocka_unit_test(test_cap_zero),
		cmocka_unit_test(test_grow_many),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_printf_long),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_detach),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
