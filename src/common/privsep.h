/* privsep.h - giving up root: the system users hostfleet's processes run
 * as, and the one-way steps that leave a process unprivileged.
 *
 * The master drops to PRIV_USER_MASTER when started as root; the node
 * agent's network process (src/node/netproc.c) drops to PRIV_USER_NET in
 * an empty chroot and cannot execute programs.  Each user is a system
 * user of its own, so that neither process can signal or trace the other,
 * and is made at first start when the system lacks it (a package's
 * postinst would make it the same way). */
#ifndef HF_PRIVSEP_H
#define HF_PRIVSEP_H

#include <sys/types.h>

#define PRIV_USER_MASTER	"hostfleet"
#define PRIV_USER_NET		"hostfleet-net"

/* The uid and gid of system user name, made with useradd(8) (a group of
 * its own, no home, no shell) when the system has none: only as root and
 * before any thread exists.  0, or -1 with err. */
int	 priv_user(const char *name, uid_t *uid, gid_t *gid, char *err,
	    size_t errlen);

/* Gives path and everything under it (never following a symbolic link) to
 * uid:gid.  0, or -1 with err. */
int	 priv_chown_tree(const char *path, uid_t uid, gid_t gid, char *err,
	    size_t errlen);

/* Becomes uid:gid for good, with no supplementary groups, first changing
 * root to chroot_dir when it is not NULL (and the working directory to
 * the new /).  Checks that root cannot be taken back.  0, or -1 with err. */
int	 priv_drop(uid_t uid, gid_t gid, const char *chroot_dir, char *err,
	    size_t errlen);

/* Sets no_new_privs and loads a seccomp filter that fails execve(2) and
 * execveat(2) with EPERM, for the process's every thread to come: call it
 * while the process has a single thread.  0, or -1 with err. */
int	 priv_noexec(char *err, size_t errlen);

#endif
