/* test_suffix.c - unit tests of src/common/suffix.c: the Public Suffix
 * List as Debian ships it, a list of one's own, and no list at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/common/suffix.h"
#include "../../src/common/valid.h"

/* suffix_check's answer for name, its message checked: one printable
 * line that begins with the field and quotes the name. */
static int
check_name(const char *name)
{
	char err[VALID_ERR_MAX] = "", want[300];
	int rc;

	rc = suffix_check("name", name, err);
	if (rc == 0) {
		assert_string_equal(err, "");
		return 0;
	}
	snprintf(want, sizeof(want), "name \"%s\": ", name);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("message \"%s\" does not begin with [%s]", err, want);
	assert_null(strchr(err, '\n'));
	return rc;
}

/* The list of the system (libpsl's and Debian's publicsuffix): the ICANN
 * section, its wildcards and exceptions, the private section. */
static void
test_debian_list(void **state)
{
	char err[256] = "";
	static const char *const public[] = {
		"com", "uk", "co.uk", "github.io", "s3.amazonaws.com",
		"blogspot.com", "x.ck", "anything.kawasaki.jp", "xn--p1ai",
		NULL,
	};
	static const char *const private[] = {
		"example.co.uk", "bob.com", "shop.bob.com", "alice.github.io",
		"www.ck", "city.kawasaki.jp", "xn--80aswg.xn--p1ai",
		"example.com", NULL,
	};
	size_t i;

	if (suffix_load(NULL, err, sizeof(err)) != 0)
		fail_msg("the system's list: %s (install publicsuffix)", err);
	for (i = 0; public[i]; i++)
		if (check_name(public[i]) != SUFFIX_PUBLIC)
			fail_msg("\"%s\" taken for a name of one's own",
			    public[i]);
	for (i = 0; private[i]; i++)
		if (check_name(private[i]) != 0)
			fail_msg("\"%s\" taken for a public suffix",
			    private[i]);
	suffix_free();
}

/* A list from a file, and lists that are none. */
static void
test_file(void **state)
{
	char dir[] = "/tmp/hf-test-suffix-XXXXXX", path[128], err[256] = "";
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/list.dat", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("// ===BEGIN ICANN DOMAINS===\nuk\nco.uk\ncom\n"
	    "// ===END ICANN DOMAINS===\n"
	    "// ===BEGIN PRIVATE DOMAINS===\nhosting.example.com\n"
	    "// ===END PRIVATE DOMAINS===\n", f);
	fclose(f);
	assert_int_equal(suffix_load(path, err, sizeof(err)), 0);
	assert_int_equal(check_name("co.uk"), SUFFIX_PUBLIC);
	assert_int_equal(check_name("hosting.example.com"), SUFFIX_PUBLIC);
	assert_int_equal(check_name("a.hosting.example.com"), 0);
	assert_int_equal(check_name("example.com"), 0);
	/* github.io is not in this list */
	assert_int_equal(check_name("github.io"), 0);

	/* a list that does not know co.uk is refused, and the one loaded
	 * before is gone: nothing is accepted then */
	assert_non_null(f = fopen(path, "w"));
	fputs("com\n", f);
	fclose(f);
	assert_int_equal(suffix_load(path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "empty or not one"));
	assert_int_equal(check_name("example.com"), SUFFIX_UNLOADED);
	unlink(path);
	rmdir(dir);
}

/* No list: every name is refused, with a message that says why. */
static void
test_unloaded(void **state)
{
	char err[256] = "";

	assert_int_equal(suffix_load("/nonexistent/public_suffix_list.dat",
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/public_suffix_list.dat"));
	assert_int_equal(check_name("example.com"), SUFFIX_UNLOADED);
	err[0] = '\0';
	suffix_check("name", "example.com", err);
	assert_non_null(strstr(err, "not loaded"));
	suffix_free();
	assert_int_equal(check_name("co.uk"), SUFFIX_UNLOADED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_list),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_unloaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
