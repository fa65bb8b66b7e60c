/* util.c - see util.h. */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n ? n : 1)) == NULL)
		fatal("malloc %zu bytes", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		fatal("calloc %zu * %zu bytes", nmemb, size);
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p;

	if ((p = realloc(old, n ? n : 1)) == NULL)
		fatal("realloc %zu bytes", n);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	if ((p = strndup(s, n)) == NULL)
		fatal("strndup");
	return p;
}

void
util_init_alloc(void)
{
	json_set_alloc_funcs(xmalloc, free);
}

int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
file_date_back(const char *path)
{
	struct timespec ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= 10;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
}

void
deadline_in(int64_t ms, struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

void
test_pause(const char *name)
{
	const char *ms;

	if ((ms = getenv(name)) != NULL)
		usleep((useconds_t)atoi(ms) * 1000);
}

int64_t
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
wall_s(void)
{
	return (int64_t)time(NULL);
}

char *
file_read(const char *path, size_t max, size_t *lenp)
{
	char *buf = NULL;
	size_t len = 0, alloc = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (alloc - len < 4096) {
			alloc = alloc ? alloc * 2 : 8192;
			buf = xrealloc(buf, alloc + 1);
		}
		n = read(fd, buf + len, alloc - len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	if (buf == NULL)
		buf = xmalloc(1);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
fail:
	n = errno;
	close(fd);
	free(buf);
	errno = (int)n;
	return NULL;
}

int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return file_write_atomic2(path, data, len, mode, 1);
}

int
file_write_atomic2(const char *path, const void *data, size_t len,
    mode_t mode, int sync)
{
	char tmp[PATH_MAX];
	const char *p = data;
	ssize_t n;
	int fd, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path,
	    (long)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    mode)) == -1)
		return -1;
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += n;
		len -= (size_t)n;
	}
	if (fchmod(fd, mode) == -1 || (sync && fsync(fd) == -1))
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	unlink(tmp);
	errno = saved;
	return -1;
}

int
mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	if (strlcpy_hf(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Walks what is in the open directory dfd, which it closes. */
static void
walk_dir(struct tree_walk *w, int dfd, int depth)
{
	struct dirent *de;
	struct stat sb, sd;
	DIR *d;
	int fd;

	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		w->incomplete = 1;
		return;
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				w->incomplete = 1;
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((++w->seen & 4095) == 0 && w->stop &&
		    __atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
			w->incomplete = 1;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &sb,
		    AT_SYMLINK_NOFOLLOW) == -1) {
			/* a file gone meanwhile is no loss; a directory gone
			 * was moved, and is not seen this time */
			if (errno != ENOENT || de->d_type == DT_DIR ||
			    de->d_type == DT_UNKNOWN)
				w->incomplete = 1;
			continue;
		}
		if (sb.st_dev != w->dev)	/* a mount point: not ours */
			continue;
		if (!S_ISDIR(sb.st_mode)) {
			w->fn(w, dirfd(d), de->d_name, &sb, WALK_FILE);
			continue;
		}
		w->fn(w, dirfd(d), de->d_name, &sb, WALK_DIR);
		if (depth + 1 >= w->max_depth) {
			w->incomplete = w->too_deep = 1;
			w->fn(w, dirfd(d), de->d_name, &sb, WALK_DEEP);
			continue;
		}
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC);
		if (fd == -1) {
			w->incomplete = 1;
			continue;
		}
		/* the directory opened must be the one looked at: not one
		 * swapped in meanwhile, nor one mounted over it */
		if (fstat(fd, &sd) == -1 || sd.st_dev != sb.st_dev ||
		    sd.st_ino != sb.st_ino) {
			close(fd);
			w->incomplete = 1;
			continue;
		}
		walk_dir(w, fd, depth + 1);
		w->fn(w, dirfd(d), de->d_name, &sb, WALK_DIR_POST);
	}
	closedir(d);
}

int
tree_walk(const char *path, struct tree_walk *w, struct stat *top)
{
	struct stat sb;
	int fd, e;

	w->incomplete = w->too_deep = 0;
	w->seen = 0;
	w->topfd = -1;
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		/* a link or a file there is not walked */
		if (errno == ELOOP)
			errno = ENOTDIR;
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (top)
		*top = sb;
	w->dev = sb.st_dev;
	w->topfd = fd;
	walk_dir(w, fd, 0);
	w->topfd = -1;
	return 0;
}

struct rm {
	int		err;	/* the first failure */
	int		done;	/* entries removed or moved up this round */
	unsigned	seq;	/* for the names of what is moved up */
};

static void
rm_note(struct rm *rm, int rc)
{
	if (rc == 0)
		rm->done++;
	else if (errno != ENOENT && rm->err == 0)
		rm->err = errno;
}

/* Removes an entry; a directory too deep for this round goes to the top,
 * under a name that takes no other's place, for the next one. */
static void
rm_one(struct tree_walk *w, int dfd, const char *name, const struct stat *sb,
    int what)
{
	struct rm *rm = w->arg;
	char to[64];
	int i, rc = -1;

	(void)sb;
	switch (what) {
	case WALK_FILE:
		rm_note(rm, unlinkat(dfd, name, 0));
		break;
	case WALK_DIR_POST:
		rm_note(rm, unlinkat(dfd, name, AT_REMOVEDIR));
		break;
	case WALK_DEEP:
		for (i = 0; i < 100; i++) {
			snprintf(to, sizeof(to), ".hf-deep.%ld.%u",
			    (long)getpid(), rm->seq++);
			if ((rc = renameat2(dfd, name, w->topfd, to,
			    RENAME_NOREPLACE)) == 0 || errno != EEXIST)
				break;
		}
		rm_note(rm, rc);
		break;
	}
}

/* The most rounds rmtree() makes: one each WALK_MAX_DEPTH levels, and
 * another for what changed while it was walked. */
#define RM_MAX_ROUNDS	1000

int
rmtree(const char *path)
{
	struct tree_walk w;
	struct rm rm;
	int round;

	memset(&w, 0, sizeof(w));
	memset(&rm, 0, sizeof(rm));
	w.fn = rm_one;
	w.arg = &rm;
	w.max_depth = WALK_MAX_DEPTH;
	for (round = 0; round < RM_MAX_ROUNDS; round++) {
		rm.err = rm.done = 0;
		if (tree_walk(path, &w, NULL) == -1) {
			if (errno == ENOENT)
				return 0;
			/* a link or a file: removed itself */
			if (errno == ENOTDIR && unlink(path) == 0)
				return 0;
			return errno == ENOENT ? 0 : -1;
		}
		if (rmdir(path) == 0)
			return 0;
		if (errno == ENOENT)
			return 0;
		if (rm.err == 0)
			rm.err = errno;
		/* another round only while the last one got somewhere: a
		 * level too deep moved up, a directory swapped meanwhile */
		if (rm.done == 0)
			break;
	}
	errno = rm.err;
	return -1;
}

void
rand_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	randombytes_buf(raw, nbytes);
	sodium_bin2hex(out, nbytes * 2 + 1, raw, nbytes);
	sodium_memzero(raw, sizeof(raw));
}

void
secret_hash(const char *s, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)s, strlen(s),
	    NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

size_t
strlcpy_hf(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;
		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

void
test_point(const char *name)
{
	const char *path = getenv("HOSTFLEET_TEST_STOP_FILE");
	char *want;
	size_t len;
	int i;

	if (path == NULL || (want = file_read(path, 256, &len)) == NULL)
		return;
	want[strcspn(want, "\n")] = '\0';
	if (strcmp(want, name) != 0 || unlink(path) == -1) {
		free(want);
		return;
	}
	free(want);
	log_warnx("test point %s reached", name);
	for (i = 0; i < 600; i++)
		usleep(100000);
}
