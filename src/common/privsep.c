/* privsep.c - see privsep.h. */
#include "privsep.h"

#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

extern char **environ;

/* 1 with uid and gid when the system has user name, 0 when not. */
static int
user_lookup(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 1;
}

/* Runs useradd(8) for system user name; its exit status, or -1. */
static int
user_add(const char *name)
{
	char *const argv[] = { "useradd", "--system", "--user-group",
	    "--no-create-home", "--home-dir", "/nonexistent", "--shell",
	    "/usr/sbin/nologin", "--comment", "hostfleet", (char *)name,
	    NULL };
	pid_t pid;
	int st;

	if (posix_spawn(&pid, "/usr/sbin/useradd", NULL, NULL, argv,
	    environ) != 0)
		return -1;
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
priv_user(const char *name, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	int i, rc = -1;

	/* agents started together race for the lock of /etc/passwd: the
	 * loser finds the user the winner made */
	for (i = 0; i < 10; i++) {
		if (user_lookup(name, uid, gid))
			break;
		if (i == 0)
			log_info("making system user \"%s\"", name);
		else
			usleep(100000);	/* useradd holds /etc/passwd */
		rc = user_add(name);
	}
	if (!user_lookup(name, uid, gid)) {
		snprintf(err, errlen, "system user \"%s\": missing, and "
		    "useradd failed (status %d)", name, rc);
		return -1;
	}
	if (*uid == 0 || *gid == 0) {
		snprintf(err, errlen, "system user \"%s\": has uid or gid 0",
		    name);
		return -1;
	}
	return 0;
}

static uid_t	chown_uid;
static gid_t	chown_gid;

static int
chown_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return lchown(path, chown_uid, chown_gid) == -1 ? -1 : 0;
}

int
priv_chown_tree(const char *path, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	/* nftw has no argument for its callback; this runs at start-up
	 * only, before any thread */
	chown_uid = uid;
	chown_gid = gid;
	if (nftw(path, chown_one, 16, FTW_PHYS) != 0) {
		snprintf(err, errlen, "cannot give \"%s\" to uid %ld: %s",
		    path, (long)uid, strerror(errno));
		return -1;
	}
	return 0;
}

int
priv_drop(uid_t uid, gid_t gid, const char *chroot_dir, char *err,
    size_t errlen)
{
	uid_t ru, eu, su;

	if (chroot_dir != NULL && (chroot(chroot_dir) == -1 ||
	    chdir("/") == -1)) {
		snprintf(err, errlen, "chroot \"%s\": %s", chroot_dir,
		    strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot become uid %ld: %s", (long)uid,
		    strerror(errno));
		return -1;
	}
	if (getresuid(&ru, &eu, &su) == -1 || ru != uid || eu != uid ||
	    su != uid || setuid(0) != -1) {
		snprintf(err, errlen, "uid %ld: root can still be taken back",
		    (long)uid);
		return -1;
	}
#if defined(__SANITIZE_ADDRESS__)
	/* LeakSanitizer traces the process's threads from a task of its own
	 * at exit, which the kernel refuses for a process that changed its
	 * uid unless it is dumpable again; builds without sanitizers keep
	 * the kernel's "not dumpable" */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}

int
priv_noexec(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int rc;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	/* no_new_privs is libseccomp's default (SCMP_FLTATR_CTL_NNP) */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(execve), 0)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
	    SCMP_SYS(execveat), 0)) < 0 ||
	    (rc = seccomp_load(ctx)) < 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, errlen, "seccomp: no_new_privs is not set");
		return -1;
	}
	return 0;
}
