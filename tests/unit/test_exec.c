/* test_exec.c - unit tests of src/node/exec.c: nothing a command prints
 * is cut silently. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../../src/common/sbuf.h"
#include "../../src/node/backend.h"

static char *const big[] = { "sh", "-c", "head -c 100000 /dev/zero | "
    "tr '\\0' a; printf end", NULL };

static void
test_cut_is_said(void **state)
{
	char out[100];

	(void)state;
	/* 100003 bytes into 100: 66 kept, the rest counted */
	assert_int_equal(run_cmd(big, 10000, out, sizeof(out)), 0);
	assert_non_null(strstr(out, " [99937 bytes cut]"));
	assert_int_equal(strspn(out, "a"), 66);
	assert_int_equal(run_cmd_tail(big, 10000, out, sizeof(out)), 0);
	assert_int_equal(strncmp(out, "[99937 bytes cut] aaa", 21), 0);
	assert_string_equal(out + strlen(out) - 3, "end");
	/* what fits is whole, one line */
	{
		char *const small[] = { "printf", "a\\nb", NULL };

		assert_int_equal(run_cmd(small, 10000, out, sizeof(out)), 0);
		assert_string_equal(out, "a b");
	}
}

static void
test_all(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b, 1u << 20);
	assert_int_equal(run_cmd_all(big, 10000, &b), 0);
	assert_int_equal(b.len, 100003);
	assert_string_equal(sbuf_str(&b) + b.len - 3, "end");
	sbuf_release(&b);
	/* past the cap: a failure that says so, never a part */
	sbuf_init(&b, 4096);
	assert_int_equal(run_cmd_all(big, 10000, &b), -1);
	assert_non_null(strstr(sbuf_str(&b), "more than 4096 bytes"));
	sbuf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_is_said),
		cmocka_unit_test(test_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
