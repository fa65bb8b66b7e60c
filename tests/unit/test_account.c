/* test_account.c - unit tests of src/node/account.c: the OS accounts a
 * node makes under its host root.  A name or a UID the system already has
 * is never taken over, a new account leaves no half behind, and only the
 * lines of the account change.  Removing one stops every process of its
 * uid and no other, and removes its home without following a symbolic
 * link, not even a directory swapped for one while the home is removed.
 *
 * The accounts here take a uid of their own (uid_base()), far above the
 * ones the e2e clusters give, since removal kills every process of it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/node/node.h"

#define PASSWD	"root:x:0:0:root:/root:/bin/bash\n" \
		"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" \
		"www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
#define GROUP	"root:x:0:\ndaemon:x:1:\nwww-data:x:33:\n"

/* Two uids no one else on this machine has: this test's, by its pid. */
static int
uid_base(void)
{
	return 1999000000 + (int)(getpid() % 400000) * 2;
}

/*
 * The race of a removal with the account's user: armed, the first removal
 * of a file named "hf-v..." swaps the directory swap_dir (walked, since
 * that file is in it) for a symbolic link to swap_to before it is done:
 * a walk by path is now elsewhere.  The test's unlink() and unlinkat()
 * stand in for libc's.
 */
static int swap_armed;
static char swap_dir[700], swap_to[700];

static void
swap_hook(const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char moved[800];

	if (!swap_armed || strncmp(base, "hf-v", 4) != 0)
		return;
	swap_armed = 0;
	snprintf(moved, sizeof(moved), "%s.moved", swap_dir);
	assert_int_equal(rename(swap_dir, moved), 0);
	assert_int_equal(symlink(swap_to, swap_dir), 0);
}

int
unlink(const char *path)
{
	swap_hook(path);
	return (int)syscall(SYS_unlink, path);
}

int
unlinkat(int dfd, const char *name, int flags)
{
	if (flags == 0)
		swap_hook(name);
	return (int)syscall(SYS_unlinkat, dfd, name, flags);
}

static void
put(const char *dir, const char *name)
{
	char path[800];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", name);
	assert_int_equal(fclose(f), 0);
}

static int
exists(const char *dir, const char *name)
{
	char path[800];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return lstat(path, &st) == 0;
}

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
	char err[256], *pw, *gr, path[700], line[300];
	struct stat st;
	json_t *j;
	int uid = uid_base();

	(void)state;
	j = account_of("alice", uid, "Alice Liddell");
	assert_int_equal(account_apply(a, j, 0, err, sizeof(err)), 0);
	pw = slurp(a, "/etc/passwd");
	gr = slurp(a, "/etc/group");
	assert_non_null(strstr(pw, PASSWD));	/* the others untouched */
	snprintf(line, sizeof(line), "alice:x:%d:%d:Alice Liddell:"
	    "/var/www/alice:/usr/sbin/nologin\n", uid, uid);
	assert_non_null(strstr(pw, line));
	snprintf(line, sizeof(line), "alice:x:%d:www-data\n", uid);
	assert_non_null(strstr(gr, line));
	free(pw);
	free(gr);
	snprintf(path, sizeof(path), "%s/var/www/alice/data", a->conf.root);
	assert_int_equal(stat(path, &st), 0);
	if (geteuid() == 0)
		assert_int_equal(st.st_uid, uid);
	/* the same account again, with a new full name: replaced, once */
	json_decref(j);
	j = account_of("alice", uid, "Alice L.");
	assert_int_equal(account_apply(a, j, 1, err, sizeof(err)), 0);
	pw = slurp(a, "/etc/passwd");
	assert_null(strstr(pw, "Alice Liddell"));
	assert_non_null(strstr(pw, ":Alice L.:"));
	snprintf(line, sizeof(line), "alice:x:%d:%d:Alice L.:/var/www/alice:"
	    "/usr/sbin/nologin", uid, uid);
	assert_ptr_equal(strstr(pw, "alice:"), strrchr(pw, '\n') -
	    strlen(line));
	free(pw);
	/* removed: lines, crontab and home gone, the others kept */
	snprintf(path, sizeof(path), "%s/var/spool/cron/crontabs",
	    a->conf.root);
	assert_int_equal(mkdirs(path, 0730), 0);
	put(path, "alice");
	put(path, "bob");
	assert_int_equal(account_remove(a, "alice", (uid_t)uid, err,
	    sizeof(err)), 0);
	assert_false(exists(path, "alice"));
	assert_true(exists(path, "bob"));
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

/* Makes alice with a home for the tests of removal; her data dir in
 * data. */
static struct node_agent *
alice_new(char *data, size_t datalen)
{
	struct node_agent *a = agent_new();
	char err[256];
	json_t *j;

	j = account_of("alice", uid_base(), "Alice");
	assert_int_equal(account_apply(a, j, 0, err, sizeof(err)), 0);
	json_decref(j);
	snprintf(data, datalen, "%s/var/www/alice/data", a->conf.root);
	return a;
}

/* A symbolic link in the home to a directory or a file outside is
 * removed as a link; what it points to stays. */
static void
test_remove_links_out(void **state)
{
	char data[700], out[700], path[800], err[256];
	struct node_agent *a = alice_new(data, sizeof(data));

	(void)state;
	snprintf(out, sizeof(out), "%s/outside", a->conf.root);
	assert_int_equal(mkdir(out, 0755), 0);
	put(out, "canary");
	snprintf(path, sizeof(path), "%s/to-dir", data);
	assert_int_equal(symlink(out, path), 0);
	snprintf(path, sizeof(path), "%s/to-file", data);
	snprintf(err, sizeof(err), "%s/canary", out);
	assert_int_equal(symlink(err, path), 0);
	assert_int_equal(account_remove(a, "alice", (uid_t)uid_base(), err,
	    sizeof(err)), 0);
	assert_true(exists(out, "canary"));
	snprintf(path, sizeof(path), "%s/var/www/alice", a->conf.root);
	assert_false(exists(path, ""));
	agent_free(a);
}

/* A directory of the home swapped for a link to outside while the
 * removal is in it: what is outside stays, and the home still goes. */
static void
test_remove_swapped_dir(void **state)
{
	char data[700], out[700], path[800], err[256];
	struct node_agent *a = alice_new(data, sizeof(data));
	int rc;

	(void)state;
	snprintf(out, sizeof(out), "%s/outside", a->conf.root);
	assert_int_equal(mkdir(out, 0755), 0);
	put(out, "hf-v1");
	put(out, "hf-v2");
	snprintf(swap_dir, sizeof(swap_dir), "%s/site", data);
	assert_int_equal(mkdir(swap_dir, 0755), 0);
	put(swap_dir, "hf-v1");
	put(swap_dir, "hf-v2");
	strlcpy_hf(swap_to, out, sizeof(swap_to));
	swap_armed = 1;
	rc = account_remove(a, "alice", (uid_t)uid_base(), err, sizeof(err));
	assert_int_equal(swap_armed, 0);	/* the race did happen */
	assert_true(exists(out, "hf-v1"));
	assert_true(exists(out, "hf-v2"));
	assert_int_equal(rc, 0);
	snprintf(path, sizeof(path), "%s/var/www/alice", a->conf.root);
	assert_false(exists(path, ""));
	agent_free(a);
}

/* A home deeper than the walk goes at once is removed all the same. */
static void
test_remove_deep(void **state)
{
	char data[700], path[800], err[256];
	struct node_agent *a = alice_new(data, sizeof(data));
	int fd, i, nfd;

	(void)state;
	assert_true((fd = open(data, O_RDONLY | O_DIRECTORY)) >= 0);
	for (i = 0; i < WALK_MAX_DEPTH * 2 + 10; i++) {
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		assert_true((nfd = openat(fd, "d", O_RDONLY |
		    O_DIRECTORY)) >= 0);
		close(fd);
		fd = nfd;
	}
	assert_true((nfd = openat(fd, "f", O_WRONLY | O_CREAT, 0644)) >= 0);
	close(nfd);
	close(fd);
	assert_int_equal(account_remove(a, "alice", (uid_t)uid_base(), err,
	    sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/var/www/alice", a->conf.root);
	assert_false(exists(path, ""));
	agent_free(a);
}

/* A sleep(1) running as uid, started for good when this returns. */
static pid_t
sleeper(int uid)
{
	int p[2], e = 0;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* a pipe of the test's output is not held open */
		dup2(null, 1);
		dup2(null, 2);
		if (setresgid((gid_t)uid, (gid_t)uid, (gid_t)uid) == 0 &&
		    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) == 0)
			execlp("sleep", "sleep", "1000", (char *)NULL);
		e = errno;
		(void)!write(p[1], &e, sizeof(e));
		_exit(127);
	}
	close(p[1]);
	/* the pipe closes at the exec: the process runs as uid by then */
	assert_int_equal(read(p[0], &e, sizeof(e)), 0);
	close(p[0]);
	return pid;
}

/* The sleepers of test_remove_kills, which its teardown ends when a
 * failed check left them (our children: the pids are not reused). */
static pid_t sleepers[2];

static int
sleepers_end(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 2; i++)
		if (sleepers[i] > 0) {
			kill(sleepers[i], SIGKILL);
			waitpid(sleepers[i], NULL, 0);
			sleepers[i] = 0;
		}
	return 0;
}

/* Every process of the account is killed before its home goes; one of
 * another uid is not. */
static void
test_remove_kills(void **state)
{
	char data[700], err[256];
	struct node_agent *a;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();		/* cmocka says SKIPPED: needs root */
	a = alice_new(data, sizeof(data));
	sleepers[0] = sleeper(uid_base());
	sleepers[1] = sleeper(uid_base() + 1);
	assert_int_equal(account_remove(a, "alice", (uid_t)uid_base(), err,
	    sizeof(err)), 0);
	/* dead by now: only the zombie is left for us to take */
	assert_int_equal(waitpid(sleepers[0], &status, WNOHANG), sleepers[0]);
	sleepers[0] = 0;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	/* the other runs on */
	assert_int_equal(waitpid(sleepers[1], &status, WNOHANG), 0);
	assert_int_equal(kill(sleepers[1], 0), 0);
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
		cmocka_unit_test(test_remove_links_out),
		cmocka_unit_test(test_remove_swapped_dir),
		cmocka_unit_test(test_remove_deep),
		cmocka_unit_test_teardown(test_remove_kills, sleepers_end),
		cmocka_unit_test(test_system_accounts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
