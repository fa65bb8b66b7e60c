/* test_account.c - unit tests of src/node/account.c: the OS accounts a
 * node makes under its host root.  A name or a UID the system already has
 * is never taken over, a new account leaves no half behind, and only the
 * lines of the account change. */
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

#define PASSWD	"root:x:0:0:root:/root:/bin/bash\n" \
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" \
		"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
#define GROUP	"root:x:0:\ndaemon:x:1:\nwww-data:x:33:\n"

static struct node_agent *
agent_new(void)
{
	struct node_agent *a = calloc(1, sizeof(*a));
	char path[600];

	assert_non_null(a);
	strcpy(a->conf.root, "/tmp/hf-account.XXXXXX");
	assert_non_null(mkdtemp(a->conf.root));
	snprintf(path, sizeof(path), "%s/etc", a->conf.root);
	assert_int_equal(mkdirs(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd", a->conf.root);
	assert_int_equal(file_write_atomic(path, PASSWD, strlen(PASSWD),
	    0644), 0);
	snprintf(path, sizeof(path), "%s/etc/group", a->conf.root);
	assert_int_equal(file_write_atomic(path, GROUP, strlen(GROUP), 0644),
	    0);
	return a;
}

static char *
slurp(struct node_agent *a, const char *rel)
{
	char path[600];
	char *s;

	snprintf(path, sizeof(path), "%s%s", a->conf.root, rel);
	s = file_read(path, 1 << 20, NULL);
	assert_non_null(s);
	return s;
}

static void
agent_free(struct node_agent *a)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", a->conf.root);
	assert_int_equal(system(cmd), 0);
	free(a);
}

static json_t *
account_of(const char *name, int uid, const char *full)
{
	return json_pack("{s:s,s:i,s:i,s:s,s:b}", "name", name, "uid", uid,
	    "gid", uid, "fullname", full, "active", 1);
}

static void
test_check(void **state)
{
	char err[256];
	json_t *j;

	(void)state;
	j = account_of("alice", 2000, "Alice");
	assert_int_equal(account_check(j, err, sizeof(err)), 0);
	json_decref(j);
	j = account_of("Alice", 2000, "Alice");	/* not a valid user name */
	assert_int_equal(account_check(j, err, sizeof(err)), -1);
	json_decref(j);
	j = account_of("alice", 0, "Alice");	/* a system UID */
	assert_int_equal(account_check(j, err, sizeof(err)), -1);
	json_decref(j);
	j = account_of("alice", 2000, "A:B");	/* breaks the passwd line */
	assert_int_equal(account_check(j, err, sizeof(err)), -1);
	json_decref(j);
	j = account_of("alice", 2000, "A\nroot::0:0::/:/bin/sh");
	assert_int_equal(account_check(j, err, sizeof(err)), -1);
	json_decref(j);
	/* the master's account version: a number from 0 up, when given */
	j = account_of("alice", 2000, "Alice");
	json_object_set_new(j, "ver", json_integer(7));
	assert_int_equal(account_check(j, err, sizeof(err)), 0);
	json_object_set_new(j, "ver", json_integer(-1));
	assert_int_equal(account_check(j, err, sizeof(err)), -1);
	json_object_set_new(j, "ver", json_string("7"));
	assert_int_equal(account_check(j, err, sizeof(err)), -1);
	json_decref(j);
}

static void
test_apply_remove(void **state)
{
	struct node_agent *a = agent_new();
	char err[256], *pw, *gr, path[700];
	struct stat st;
	json_t *j;

	(void)state;
	j = account_of("alice", 2000, "Alice Liddell");
	assert_int_equal(account_apply(a, j, 0, err, sizeof(err)), 0);
	pw = slurp(a, "/etc/passwd");
	gr = slurp(a, "/etc/group");
	assert_non_null(strstr(pw, PASSWD));	/* the others untouched */
	assert_non_null(strstr(pw, "alice:x:2000:2000:Alice Liddell:"
	    "/var/www/alice:/usr/sbin/nologin\n"));
	assert_non_null(strstr(gr, "alice:x:2000:www-data\n"));
	free(pw);
	free(gr);
	snprintf(path, sizeof(path), "%s/var/www/alice/data", a->conf.root);
	assert_int_equal(stat(path, &st), 0);
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, 2000);
	/* the same account again, with a new full name: replaced, once */
	json_decref(j);
	j = account_of("alice", 2000, "Alice L.");
	assert_int_equal(account_apply(a, j, 1, err, sizeof(err)), 0);
	pw = slurp(a, "/etc/passwd");
	assert_null(strstr(pw, "Alice Liddell"));
	assert_non_null(strstr(pw, ":Alice L.:"));
	assert_ptr_equal(strstr(pw, "alice:"), strrchr(pw, '\n') -
	    strlen("alice:x:2000:2000:Alice L.:/var/www/alice:"
	    "/usr/sbin/nologin"));
	free(pw);
	/* removed: lines and home gone, the others kept */
	assert_int_equal(account_remove(a, "alice", err, sizeof(err)), 0);
	pw = slurp(a, "/etc/passwd");
	assert_string_equal(pw, PASSWD);
	free(pw);
	gr = slurp(a, "/etc/group");
	assert_string_equal(gr, GROUP);
	free(gr);
	snprintf(path, sizeof(path), "%s/var/www/alice", a->conf.root);
	assert_int_equal(stat(path, &st), -1);
	json_decref(j);
	agent_free(a);
}

/* A name or an id of the system is never taken over. */
static void
test_system_accounts(void **state)
{
	struct node_agent *a = agent_new();
	char err[256], *pw, *gr;
	json_t *j;

	(void)state;
	j = account_of("daemon", 2000, "not the daemon");
	assert_int_equal(account_apply(a, j, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "account of the system"));
	json_decref(j);
	/* a group of the system by that name: the passwd line it would have
	 * made is taken back */
	{
		char path[600];
		const char *g = GROUP "carol:x:1500:\n";

		snprintf(path, sizeof(path), "%s/etc/group", a->conf.root);
		assert_int_equal(file_write_atomic(path, g, strlen(g), 0644),
		    0);
	}
	j = account_of("carol", 2001, "Carol");
	assert_int_equal(account_apply(a, j, 0, err, sizeof(err)), -1);
	json_decref(j);
	pw = slurp(a, "/etc/passwd");
	assert_string_equal(pw, PASSWD);
	free(pw);
	/* a UID another account has */
	j = account_of("erin", 33, "Erin");
	assert_int_equal(account_apply(a, j, 0, err, sizeof(err)), -1);
	json_decref(j);
	pw = slurp(a, "/etc/passwd");
	gr = slurp(a, "/etc/group");
	assert_string_equal(pw, PASSWD);
	assert_non_null(strstr(gr, GROUP));
	assert_null(strstr(gr, "erin"));
	free(pw);
	free(gr);
	agent_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_apply_remove),
		cmocka_unit_test(test_system_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
