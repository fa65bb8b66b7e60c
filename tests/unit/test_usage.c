/* test_usage.c - unit tests of src/node/usage.c: the disk a user's home
 * takes.  The walk counts the blocks files take, never follows a symbolic
 * link (to a file or to a directory, inside or out of the home), counts a
 * file with several hard links once, reaches files far past PATH_MAX,
 * says when it could not go deep enough, and tells a missing home
 * apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/node/node.h"

#define MiB	(1024 * 1024)

static char top[64];

/* Writes n MiB of non-zero bytes (no holes) to dir/name. */
static void
put(const char *dir, const char *name, int n)
{
	char path[512], buf[65536];
	int fd, i;

	memset(buf, 'x', sizeof(buf));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (i = 0; i < n * (MiB / (int)sizeof(buf)); i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(fsync(fd), 0);
	close(fd);
}

static int
setup(void **state)
{
	(void)state;
	strcpy(top, "/tmp/hf-usage.XXXXXX");
	assert_non_null(mkdtemp(top));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

/* Bytes of dir, with the files counted. */
static uint64_t
measure(const char *dir, uint64_t *files)
{
	uint64_t b = 0;

	assert_int_equal(usage_measure(dir, &b, files), 0);
	return b;
}

static void
test_counts_blocks(void **state)
{
	char home[128], sub[160];
	uint64_t files, b0, b;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", top);
	assert_int_equal(mkdirs(home, 0755), 0);
	b0 = measure(home, &files);
	assert_int_equal(files, 0);
	assert_true(b0 < 64 * 1024);		/* the directory itself */
	snprintf(sub, sizeof(sub), "%s/a/b/c", home);
	assert_int_equal(mkdirs(sub, 0755), 0);
	put(home, "one", 1);
	put(sub, "two", 2);
	b = measure(home, &files);
	assert_int_equal(files, 2);
	assert_true(b >= 3u * MiB);
	assert_true(b < 3u * MiB + 256 * 1024);
}

static void
test_links(void **state)
{
	char home[128], out[128], path[256], target[256];
	uint64_t files, b;

	(void)state;
	snprintf(home, sizeof(home), "%s/home", top);
	snprintf(out, sizeof(out), "%s/outside", top);
	assert_int_equal(mkdirs(home, 0755), 0);
	assert_int_equal(mkdirs(out, 0755), 0);
	put(home, "mine", 1);
	put(out, "theirs", 4);
	/* symbolic links: to a file out of the home, to a directory out of
	 * it, to the file system's root, to itself, dangling */
	snprintf(target, sizeof(target), "%s/theirs", out);
	snprintf(path, sizeof(path), "%s/to-file", home);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/to-dir", home);
	assert_int_equal(symlink(out, path), 0);
	snprintf(path, sizeof(path), "%s/to-root", home);
	assert_int_equal(symlink("/", path), 0);
	snprintf(path, sizeof(path), "%s/loop", home);
	assert_int_equal(symlink(path, path), 0);
	snprintf(path, sizeof(path), "%s/dangling", home);
	assert_int_equal(symlink("/nonexistent/x", path), 0);
	/* a hard link of the user's file, three times */
	snprintf(target, sizeof(target), "%s/mine", home);
	snprintf(path, sizeof(path), "%s/mine2", home);
	assert_int_equal(link(target, path), 0);
	snprintf(path, sizeof(path), "%s/mine3", home);
	assert_int_equal(link(target, path), 0);
	b = measure(home, &files);
	assert_true(b >= 1u * MiB);
	assert_true(b < 1u * MiB + 256 * 1024);
	/* every name is an entry: 5 symbolic links, 3 of one file */
	assert_int_equal(files, 8);
}

/* Goes down n directories named 200 bytes long from dir; the deepest is
 * left open in *fd (the path is far past PATH_MAX). */
static void
chain(const char *dir, int n, int *fd)
{
	char name[201];
	int d, nd, i;

	memset(name, 'd', 200);
	name[200] = '\0';
	d = open(dir, O_RDONLY | O_DIRECTORY);
	assert_true(d >= 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(mkdirat(d, name, 0755), 0);
		nd = openat(d, name, O_RDONLY | O_DIRECTORY);
		assert_true(nd >= 0);
		close(d);
		d = nd;
	}
	*fd = d;
}

/* Writes n MiB into a new file name of the open directory d. */
static void
put_at(int d, const char *name, int n)
{
	char buf[65536];
	int fd, i;

	memset(buf, 'y', sizeof(buf));
	fd = openat(d, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	for (i = 0; i < n * (MiB / (int)sizeof(buf)); i++)
		assert_int_equal(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
}

static void
test_deep(void **state)
{
	char home[128];
	uint64_t b, files;
	int d;

	(void)state;
	/* 40 levels of 200 bytes: 8,000 bytes of path, a file at the bottom
	 * that a walk by paths would not reach */
	snprintf(home, sizeof(home), "%s/deep", top);
	assert_int_equal(mkdirs(home, 0755), 0);
	chain(home, 40, &d);
	put_at(d, "bottom", 2);
	close(d);
	assert_int_equal(usage_measure(home, &b, &files), 0);
	assert_int_equal(files, 1);
	assert_true(b >= 2u * MiB);
	/* deeper than the walk goes: incomplete, what is above counted */
	snprintf(home, sizeof(home), "%s/deeper", top);
	assert_int_equal(mkdirs(home, 0755), 0);
	put(home, "top", 1);
	chain(home, USAGE_MAX_DEPTH + 5, &d);
	put_at(d, "bottom", 8);
	close(d);
	assert_int_equal(usage_measure(home, &b, &files), 1);
	assert_int_equal(files, 1);
	/* the top file and the directories, not the 8 MiB at the bottom */
	assert_true(b >= 1u * MiB && b < 5u * MiB);
}

static void
test_missing_and_not_a_dir(void **state)
{
	char path[128];
	uint64_t b = 7;

	(void)state;
	snprintf(path, sizeof(path), "%s/nohome", top);
	errno = 0;
	assert_int_equal(usage_measure(path, &b, NULL), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(b, 0);
	/* a home replaced by a file or a link is not measured through */
	put(top, "file", 1);
	snprintf(path, sizeof(path), "%s/file", top);
	assert_int_equal(usage_measure(path, &b, NULL), -1);
	assert_int_equal(errno, ENOTDIR);
	snprintf(path, sizeof(path), "%s/homelink", top);
	assert_int_equal(symlink("/usr", path), 0);
	assert_int_equal(usage_measure(path, &b, NULL), -1);
	assert_int_equal(errno, ENOTDIR);
	assert_int_equal(b, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_blocks, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_and_not_a_dir,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
