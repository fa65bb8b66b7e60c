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
struct timespec;
/* The CLOCK_REALTIME time ms from now, for pthread_cond_timedwait(). */
void	 deadline_in(int64_t ms, struct timespec *);

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
/* rm -rf: removes path and everything under it, links not followed, as
 * much as it can.  0, or -1 with errno of the first failure; a path that
 * is not there is none. */
int	 rmtree(const char *path);

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
