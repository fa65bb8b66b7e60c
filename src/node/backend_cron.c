/* backend_cron.c - system cron jobs as one file in cron.d.  cron has no
 * checker of its own: every field passed sysdata.c's grammar before the file
 * was rendered, and cron notices the new file by the directory's mtime,
 * which the rename changes.
 *
 * Debian's cron also skips, with only a line in syslog, a file in cron.d
 * that is not owned by root, is writable by group or others, has more than
 * one link or is not a regular file ("WRONG FILE OWNER", "INSECURE MODE",
 * "WRONG INODE INFO"); its name must be letters, digits, '_' and '-' only.
 * The check refuses to install such a file, and verify reports a live file
 * that became one, so the master pushes it again (written afresh: root's,
 * mode 0644). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "node.h"

/*
 * Whether cron would read the file at path: 0, or -1 with the reason in
 * err.  lstat: a symbolic link put in its place is not the file we wrote.
 */
static int
cron_readable(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) == -1) {
		snprintf(err, errlen, "scheduler: \"%s\": %s", path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "scheduler: \"%s\": not a regular file, "
		    "cron would skip it", path);
		return -1;
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen, "scheduler: \"%s\": owned by uid %ld, "
		    "cron reads only root's files in cron.d (is the node "
		    "running as root?)", path, (long)st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(err, errlen, "scheduler: \"%s\": mode %04o is writable "
		    "by group or others, cron would skip it", path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, "scheduler: \"%s\": %ld links, cron "
		    "would skip it", path, (long)st.st_nlink);
		return -1;
	}
	return 0;
}

static int
cron_check(struct btx *tx, char *err, size_t errlen)
{
	return cron_readable(sdfile_staged(tx), err, errlen);
}

/* The live file is still one cron reads (its content is apply.c's to
 * compare). */
static int
cron_verify(struct node_agent *a, const json_t *items)
{
	char live[PATH_MAX], err[PATH_MAX + 128];
	const struct dtype *t = sd_type("scheduler");

	(void)items;
	snprintf(live, sizeof(live), "%s/%s", a->conf.root, t->path);
	return cron_readable(live, err, sizeof(err)) == 0;
}

/* cron notices the new file by itself: nothing to activate */
const struct backend backend_cron = {
	"scheduler", 0, sdfile_render, cron_check, sdfile_install,
	sdfile_none, sdfile_rollback, cron_verify,
};
