/* test_backup.c - `hostfleet master backup` and `restore` on a state dir
 * of files and a store (src/master/backup.c), and the paths a backup may
 * hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/master/master.h"

static void
test_paths(void **state)
{
	(void)state;
	assert_true(backup_path_ok("ca.key"));
	assert_true(backup_path_ok("ssh/id_ed25519"));
	assert_true(backup_path_ok("repo-gnupg/pubring.kbx~"));
	assert_true(backup_path_ok("repo/pool/main/h/hostfleet_1.0+1_amd64.deb"));
	assert_false(backup_path_ok(""));
	assert_false(backup_path_ok("/etc/passwd"));
	assert_false(backup_path_ok("../x"));
	assert_false(backup_path_ok("ssh/../../x"));
	assert_false(backup_path_ok("ssh//x"));
	assert_false(backup_path_ok("ssh/"));
	assert_false(backup_path_ok("./ca.key"));
	assert_false(backup_path_ok("a b"));
	assert_false(backup_path_ok("a\nb"));
	assert_false(backup_path_ok("master.db"));
	assert_false(backup_path_ok("master.db-wal"));
	assert_false(backup_path_ok("local.key"));
	assert_false(backup_path_ok("repo-work/x"));
	/* only at the top: a file of that name below is another */
	assert_true(backup_path_ok("repo/local.key"));
}

static int
run(const char *what, const char *state, const char *file)
{
	char *argv[] = { (char *)what, (char *)"-s", (char *)state,
	    (char *)file, NULL };

	optind = 0;
	return master_backup_main(file ? 4 : 3, argv);
}

static void
put(const char *dir, const char *name, const char *data, mode_t mode)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_write_atomic(path, data, strlen(data), mode), 0);
}

static void
same(const char *a, const char *b, const char *name, mode_t mode)
{
	char pa[512], pb[512], *da, *db;
	struct stat st;
	size_t la, lb;

	snprintf(pa, sizeof(pa), "%s/%s", a, name);
	snprintf(pb, sizeof(pb), "%s/%s", b, name);
	assert_non_null(da = file_read(pa, 1 << 20, &la));
	assert_non_null(db = file_read(pb, 1 << 20, &lb));
	assert_int_equal(la, lb);
	assert_memory_equal(da, db, la);
	assert_int_equal(stat(pb, &st), 0);
	assert_int_equal(st.st_mode & 0777, mode);
	free(da);
	free(db);
}

static void
test_roundtrip(void **state)
{
	char dir[] = "/tmp/hf-test-backup-XXXXXX";
	char st[256], st2[256], file[256], path[512], err[256];
	struct store *s;
	struct user u;
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(st, sizeof(st), "%s/state", dir);
	snprintf(st2, sizeof(st2), "%s/new/state", dir);
	snprintf(file, sizeof(file), "%s/backup.db", dir);
	assert_int_equal(mkdir(st, 0700), 0);
	snprintf(path, sizeof(path), "%s/master.db", st);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_user_add(s, "admin", "admin", "hash", NULL), 0);
	put(st, "ca.key", "the CA key\n", 0600);
	put(st, "ca.pem", "the CA\n", 0644);
	put(st, "local.key", "not kept\n", 0600);
	put(st, "api.url", "https://x\n", 0644);
	snprintf(path, sizeof(path), "%s/ssh", st);
	assert_int_equal(mkdir(path, 0700), 0);
	put(st, "ssh/id_ed25519", "", 0600);
	snprintf(path, sizeof(path), "%s/repo-work", st);
	assert_int_equal(mkdir(path, 0755), 0);
	put(st, "repo-work/tmp", "not kept\n", 0644);

	/* while the store is open, as a running master has it */
	assert_int_equal(run("backup", st, file), 0);
	store_close(s);
	assert_int_equal(stat(file, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(run("restore", st2, file), 0);
	same(st, st2, "ca.key", 0600);
	same(st, st2, "ca.pem", 0644);
	same(st, st2, "ssh/id_ed25519", 0600);
	snprintf(path, sizeof(path), "%s/ssh", st2);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/local.key", st2);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/api.url", st2);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/repo-work", st2);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/master.db", st2);
	assert_non_null(s = store_open(path, err, sizeof(err)));
	assert_int_equal(store_user_get(s, "admin", &u), 0);
	assert_string_equal(u.pwhash, "hash");
	store_close(s);

	/* a backup whose rows lack a kind (its table made by hand, without
	 * the constraints) is refused, and nothing is left */
	{
		char bad[300], cp[600], st3[300];
		sqlite3 *db;

		snprintf(bad, sizeof(bad), "%s/bad.db", dir);
		snprintf(cp, sizeof(cp), "cp %s %s", file, bad);
		assert_int_equal(system(cp), 0);
		assert_int_equal(sqlite3_open(bad, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "ALTER TABLE "
		    "hostfleet_backup_file RENAME TO old; CREATE TABLE "
		    "hostfleet_backup_file (path, kind, mode, data); INSERT "
		    "INTO hostfleet_backup_file SELECT path, NULL, mode, data "
		    "FROM old; DROP TABLE old", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		snprintf(st3, sizeof(st3), "%s/new3/state", dir);
		assert_int_equal(run("restore", st3, bad), 1);
		assert_int_equal(access(st3, F_OK), -1);
	}
	/* a state dir in use is refused, and left as it is */
	assert_int_equal(run("restore", st, file), 1);
	same(st2, st, "ca.key", 0600);
	/* no backup of no master; nothing written */
	snprintf(path, sizeof(path), "%s/none", dir);
	snprintf(file, sizeof(file), "%s/nothing.db", dir);
	assert_int_equal(run("backup", path, file), 1);
	assert_int_equal(access(file, F_OK), -1);
	/* a store that is no backup is refused */
	snprintf(path, sizeof(path), "%s/state/master.db", dir);
	snprintf(file, sizeof(file), "%s/new2", dir);
	assert_int_equal(run("restore", file, path), 1);
	assert_int_equal(access(file, F_OK), -1);
	/* usage */
	assert_int_equal(run("backup", st, NULL), 2);
	assert_int_equal(rmtree(dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
