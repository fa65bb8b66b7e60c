/* util.h - small helpers shared by every program: files, time, tokens. */
#ifndef HF_UTIL_H
#define HF_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Out of memory, the one convention of the tree (Redis's zmalloc): running
 * out of memory is not an error a caller handles.  Memory is taken through
 * these x-allocators, which call fatal() when the system refuses and so
 * never return NULL (a size of 0 gets a valid pointer too); callers do not
 * test what they return.  jansson allocates through xmalloc as well
 * (util_init_alloc() at start), so a jansson constructor that returns NULL
 * means bad arguments, not a lack of memory.  What the network feeds is
 * capped before it is allocated (sbuf, file_read, params), so a refusal
 * for size stays an error the caller sees.  Memory from them is freed with
 * free().  The other libraries (libcurl, GnuTLS, SQLite, libmicrohttpd)
 * allocate for themselves and report a failure as any other of theirs.
 */
void	*xmalloc(size_t);
void	*xcalloc(size_t nmemb, size_t size);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Makes jansson allocate through xmalloc; once, before any thread. */
void	 util_init_alloc(void);

/* Milliseconds since an arbitrary point (CLOCK_MONOTONIC). */
int64_t	 mono_ms(void);
/* Seconds since the epoch. */
int64_t	 wall_s(void);
/* Milliseconds since the epoch. */
int64_t	 wall_ms(void);
struct timespec;
/* The CLOCK_REALTIME time ms from now, for pthread_cond_timedwait(). */
void	 deadline_in(int64_t ms, struct timespec *);
/* A fault-injection point for the tests: sleeps as many milliseconds as
 * the environment variable name says, when it is set. */
void	 test_pause(const char *name);

/* Reads a whole file of at most max bytes into a NUL-terminated buffer that
 * the caller frees; returns NULL with errno set on failure. */
char	*file_read(const char *path, size_t max, size_t *lenp);
/* Writes data to path through a temporary file in the same directory, with
 * fsync and rename, so readers see the old or the new file, never half of
 * one.  Returns 0, or -1 with errno set. */
int	 file_write_atomic(const char *path, const void *data, size_t len,
	    mode_t mode);
/* The same, with the fsync only when sync is set: for files derived from
 * a store that is the truth (rendered configuration), which a crash may
 * leave old but never half-written. */
int	 file_write_atomic2(const char *path, const void *data, size_t len,
	    mode_t mode, int sync);
/* Sets a file's times 10 seconds back (Postfix's tools wait until a main.cf
 * they read is a second old). */
void	 file_date_back(const char *path);
/* mkdir -p with the given mode for the directories it creates; 0 or -1. */
int	 mkdirs(const char *path, mode_t mode);
/* rm -rf: removes path and everything under it with tree_walk(), as
 * much as it can: a symbolic link is removed, never followed (path itself
 * too), and no other file system is entered, so a tree its owner changes
 * meanwhile cannot make it remove anything outside.  A tree deeper than
 * WALK_MAX_DEPTH is removed WALK_MAX_DEPTH levels at a time, the deeper
 * part moved up to the top between rounds.  0, or -1 with errno of the
 * first failure; a path that is not there is none.  Only path's own
 * directory is trusted: it must not be writable by others. */
int	 rmtree(const char *path);

/*
 * The walk of a tree that others may change while it is walked (a user's
 * home, walked as root).  It goes down one name at a time from an open
 * directory (fstatat with AT_SYMLINK_NOFOLLOW, openat with O_NOFOLLOW,
 * never a path), so no path grows past PATH_MAX and no symbolic link is
 * followed, not even one swapped in for a directory between two looks:
 * the directory opened must be the one looked at (device and inode).  It
 * does not enter another file system (a mount point is passed over).  It
 * holds a descriptor for each level, max_depth at most below the top.
 *
 * fn is called for every entry below the top, with the open directory
 * that holds it and its name there (what to give the *at() calls) and its
 * lstat, what being one of:
 *   WALK_FILE      anything but a directory
 *   WALK_DIR       a directory, before what is in it
 *   WALK_DIR_POST  a directory after what is in it, when it was walked
 *   WALK_DEEP      a directory max_depth down, not walked (too_deep)
 * fn may remove or rename the entry it is given.
 */
#define WALK_MAX_DEPTH	256
enum { WALK_FILE, WALK_DIR, WALK_DIR_POST, WALK_DEEP };
struct stat;
struct tree_walk {
	/* set by the caller */
	void		(*fn)(struct tree_walk *, int dfd, const char *name,
			    const struct stat *, int what);
	void		 *arg;
	int		  max_depth;	/* levels below the top */
	const int	 *stop;		/* NULL, or set to stop early */
	/* set by the walk */
	dev_t		  dev;		/* the top's file system */
	int		  topfd;	/* the top, open while it is walked */
	int		  incomplete;	/* something was not seen */
	int		  too_deep;	/* a level past max_depth was not */
	uint64_t	  seen;		/* entries, for the stop check */
};
/* Walks the directory path with w (its caller's members set), its lstat
 * in top when not NULL.  0, or -1 with errno when path is not a directory
 * to walk (ENOTDIR for a symbolic link); w->incomplete says whether
 * something could not be seen (a directory moved away or swapped while
 * walked, one too deep, a read that failed, a stop). */
int	 tree_walk(const char *path, struct tree_walk *w, struct stat *top);

/* Fills out with 2*nbytes hex digits of fresh randomness and a NUL. */
void	 rand_hex(char *out, size_t nbytes);
/* Hex of the BLAKE2b-256 of s, for storing secrets we only compare: out must
 * hold 65 bytes. */
void	 secret_hash(const char *s, char out[65]);

/*
 * A fault-injection point for the end-to-end tests.  When the environment
 * names a file in HOSTFLEET_TEST_STOP_FILE and that file holds name (one
 * line), the file is removed, "test point NAME reached" is logged and the
 * calling thread waits there up to 60 seconds, long enough for the test to
 * kill the process at that step.  Without the variable it does nothing.
 */
void	 test_point(const char *name);

/* Copies at most size-1 bytes and NUL-terminates; returns strlen(src). */
size_t	 strlcpy_hf(char *dst, const char *src, size_t size);

#endif
