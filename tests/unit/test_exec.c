/* test_exec.c - unit tests of src/node/exec.c: nothing a command prints
 * is cut silently; a hung command is killed with what it started. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/common/sbuf.h"
#include "../../src/common/util.h"
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

/* Whether process pid is gone (or dead, waiting to be reaped). */
static int
dead(long pid)
{
	char path[64], st[512];
	FILE *f;
	char *p;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(st, 1, sizeof(st) - 1, f);
	fclose(f);
	st[n] = '\0';
	/* "pid (comm) S ...": the state after the last ')' */
	return (p = strrchr(st, ')')) != NULL && (p[2] == 'Z' || p[2] == 'X');
}

/* A command that hangs, and that started another that hangs as well: at
 * the timeout both are killed, and the error says so. */
static void
test_hung_is_killed(void **state)
{
	char tmp[] = "/tmp/test_exec.XXXXXX", cmd[200], out[256], *s;
	char *argv[] = { "sh", "-c", cmd, NULL };
	long pid;
	int i;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "sleep 600 & echo $! >%s/pid; wait", tmp);
	assert_int_equal(run_cmd(argv, 300, out, sizeof(out)), -1);
	assert_string_equal(out, "sh: no answer within 300 ms, killed");
	snprintf(cmd, sizeof(cmd), "%s/pid", tmp);
	assert_non_null(s = file_read(cmd, 64, NULL));
	pid = strtol(s, NULL, 10);
	free(s);
	assert_true(pid > 0);
	for (i = 0; i < 100 && !dead(pid); i++)
		usleep(10000);
	assert_true(dead(pid));
	unlink(cmd);
	rmdir(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut_is_said),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_hung_is_killed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
