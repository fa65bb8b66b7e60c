/* test_renew.c - unit tests of src/node/renew.c: cert_recover() finishes a
 * renewal of the node certificate that a stop cut short after both new
 * files were written, and drops one cut short before, so that node.key
 * and node.pem are always a pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/node/node.h"

static struct node_conf conf;

static void
put(const char *name, const char *data)
{
	char path[NODE_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", conf.state_dir, name);
	assert_int_equal(file_write_atomic(path, data, strlen(data), 0600), 0);
}

/* The file's content, or "-" when there is none. */
static const char *
get(const char *name)
{
	static char buf[4][64];
	static int n;
	char path[NODE_PATH_MAX], *s;

	snprintf(path, sizeof(path), "%s/%s", conf.state_dir, name);
	n = (n + 1) % 4;
	if ((s = file_read(path, 1024, NULL)) == NULL)
		return "-";
	snprintf(buf[n], sizeof(buf[n]), "%s", s);
	free(s);
	return buf[n];
}

static int
setup(void **state)
{
	(void)state;
	memset(&conf, 0, sizeof(conf));
	strcpy(conf.state_dir, "/tmp/hf-test-renew-XXXXXX");
	if (mkdtemp(conf.state_dir) == NULL)
		return -1;
	put("node.key", "key1");
	put("node.pem", "pem1");
	return 0;
}

static int
teardown(void **state)
{
	const char *names[] = { "node.key", "node.pem", "node.key.new",
	    "node.pem.new" };
	char path[NODE_PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", conf.state_dir,
		    names[i]);
		unlink(path);
	}
	return rmdir(conf.state_dir);
}

static void
assert_pair(const char *key, const char *pem)
{
	assert_string_equal(get("node.key"), key);
	assert_string_equal(get("node.pem"), pem);
	assert_string_equal(get("node.key.new"), "-");
	assert_string_equal(get("node.pem.new"), "-");
}

static void
test_nothing_to_do(void **state)
{
	(void)state;
	cert_recover(&conf);
	assert_pair("key1", "pem1");
}

/* stopped after writing the new key only: the old pair stays */
static void
test_key_only_dropped(void **state)
{
	(void)state;
	put("node.key.new", "key2");
	cert_recover(&conf);
	assert_pair("key1", "pem1");
}

/* stopped after writing both: the new pair goes into place */
static void
test_both_written_finished(void **state)
{
	(void)state;
	put("node.key.new", "key2");
	put("node.pem.new", "pem2");
	cert_recover(&conf);
	assert_pair("key2", "pem2");
}

/* stopped after the key's rename: the certificate follows it */
static void
test_key_renamed_finished(void **state)
{
	(void)state;
	put("node.key", "key2");
	put("node.pem.new", "pem2");
	cert_recover(&conf);
	assert_pair("key2", "pem2");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nothing_to_do, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_only_dropped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_both_written_finished,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_renamed_finished,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
