/* usage.c - how much disk each user's data takes on this node.
 *
 * Everything the panel makes for a user on a node lives in their home,
 * /var/www/NAME under the host root: the sites' document roots and the
 * Maildirs (the web server's logs are kept apart, in /var/www/httpd-logs).
 * A thread measures every home the node made, one after another, every
 * usage_interval_s seconds, keeps the figures for the stats answer and in
 * the state dir (so that a restarted node does not report its users as
 * empty), and the master adds them up across nodes to hold each user to
 * their disk limit (limit_quota).
 *
 * The home belongs to the user, who can change it while it is walked, so
 * the walk trusts nothing in it: it is tree_walk() (util.h), the walk that
 * removes a home too, which goes down one name at a time from an open
 * directory (openat with O_NOFOLLOW, never a path), so no path grows past
 * PATH_MAX and no symbolic link is followed, not even one swapped in for
 * a directory between two looks (the directory opened must be the one
 * looked at).  It stays on the home's file system; the count takes a file
 * with several hard links once.  It is bounded: USAGE_MAX_DEPTH levels
 * (each holds a descriptor) and USAGE_MAX_LINKS remembered hard-linked files,
 * past which further links are counted every time — too much, never too
 * little.  A walk that could not see everything (a level too deep, a
 * directory moved away while walked) is incomplete, and the node then
 * keeps the larger of its figure and the last one: a user cannot lower
 * their figure by racing the walk. */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "node.h"

struct usage {
	uint64_t	 bytes;
	uint64_t	 files;
	void		*links;		/* tsearch set of struct inode */
	size_t		 nlinks;
};

struct inode {
	dev_t	dev;
	ino_t	ino;
};

static int
inode_cmp(const void *a, const void *b)
{
	const struct inode *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* 1 when a file with several links was counted already; past the cap, or
 * when tsearch is short of memory, 0: counted again. */
static int
counted(struct usage *u, const struct stat *sb)
{
	struct inode *k, **p;

	if (u->nlinks >= USAGE_MAX_LINKS)
		return 0;
	k = xmalloc(sizeof(*k));
	k->dev = sb->st_dev;
	k->ino = sb->st_ino;
	if ((p = tsearch(k, &u->links, inode_cmp)) == NULL) {
		free(k);
		return 0;
	}
	if (*p != k) {
		free(k);
		return 1;
	}
	u->nlinks++;
	return 0;
}

/* Counts one entry of the walk (tree_walk() in util.c). */
static void
count(struct tree_walk *w, int dfd, const char *name, const struct stat *sb,
    int what)
{
	struct usage *u = w->arg;

	(void)dfd;
	(void)name;
	if (what == WALK_FILE) {
		u->files++;
		if (sb->st_nlink > 1 && counted(u, sb))
			return;
	} else if (what != WALK_DIR)
		return;
	u->bytes += (uint64_t)sb->st_blocks * 512;
}

static int
measure(const char *dir, const int *stop, uint64_t *bytes, uint64_t *files,
    int *too_deep)
{
	struct tree_walk w;
	struct usage u;
	struct stat sb;
	int rc;

	*bytes = 0;
	if (files)
		*files = 0;
	if (too_deep)
		*too_deep = 0;
	memset(&w, 0, sizeof(w));
	memset(&u, 0, sizeof(u));
	w.fn = count;
	w.arg = &u;
	w.max_depth = USAGE_MAX_DEPTH;
	w.stop = stop;
	/* a home replaced by a link or a file is not walked */
	rc = tree_walk(dir, &w, &sb);
	tdestroy(u.links, free);
	if (rc == -1)
		return -1;
	*bytes = u.bytes + (uint64_t)sb.st_blocks * 512;
	if (files)
		*files = u.files;
	if (too_deep)
		*too_deep = w.too_deep;
	return w.incomplete;
}

int
usage_measure(const char *dir, uint64_t *bytes, uint64_t *files)
{
	return measure(dir, NULL, bytes, files, NULL);
}

/* The figures kept across restarts: {"at": T, "usage": {...}}. */
static void
usage_save(struct node_agent *a, json_t *m, int64_t at)
{
	char path[NODE_PATH_MAX], *s;
	json_t *j = json_pack("{s:I,s:O}", "at", (json_int_t)at, "usage", m);

	snprintf(path, sizeof(path), "%s/usage.json", a->conf.state_dir);
	if ((s = json_dumps(j, JSON_COMPACT)) == NULL ||
	    file_write_atomic(path, s, strlen(s), 0600) == -1)
		log_warn("usage: cannot keep the figures in \"%s\"", path);
	free(s);
	json_decref(j);
}

static void
usage_load(struct node_agent *a)
{
	char path[NODE_PATH_MAX];
	json_t *j, *m;

	snprintf(path, sizeof(path), "%s/usage.json", a->conf.state_dir);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return;
	m = json_object_get(j, "usage");
	if (json_is_object(m)) {
		a->usage = json_incref(m);
		a->usage_at = json_integer_value(json_object_get(j, "at"));
	}
	json_decref(j);
}

/* One round: every account the node made, measured. */
static void
usage_round(struct node_agent *a)
{
	json_t *items, *it, *m = json_object(), *last;
	char dir[1024];
	uint64_t b;
	size_t i;
	int64_t t0 = mono_ms(), prev, at;
	int rc, deep;

	if (nstore_ud_list(a->st, "account", NULL, NULL, &items) == -1) {
		json_decref(m);
		return;
	}
	pthread_mutex_lock(&a->usage_mtx);
	last = json_incref(a->usage);
	pthread_mutex_unlock(&a->usage_mtx);
	json_array_foreach(items, i, it) {
		const char *name = json_string_value(json_object_get(it,
		    "name"));

		if (name == NULL)
			continue;
		if (__atomic_load_n(&a->usage_stop, __ATOMIC_RELAXED))
			break;
		/* the name passed valid_username: no '/', no ".." */
		snprintf(dir, sizeof(dir), "%s/var/www/%s", a->conf.root, name);
		rc = measure(dir, &a->usage_stop, &b, NULL, &deep);
		if (rc == -1 && errno != ENOENT)
			log_warn("usage: %s", dir);
		prev = json_integer_value(json_object_get(last, name));
		if (rc == 1 && prev > 0 && (uint64_t)prev > b)
			b = (uint64_t)prev;
		if (deep)
			log_warnx("usage: the home of \"%s\" goes deeper than "
			    "%d directories; what is below is not counted",
			    name, USAGE_MAX_DEPTH);
		json_object_set_new(m, name, json_integer((json_int_t)b));
	}
	json_decref(items);
	json_decref(last);
	if (__atomic_load_n(&a->usage_stop, __ATOMIC_RELAXED)) {
		json_decref(m);
		return;
	}
	at = wall_s();
	usage_save(a, m, at);
	pthread_mutex_lock(&a->usage_mtx);
	json_decref(a->usage);
	a->usage = m;
	a->usage_at = at;
	pthread_mutex_unlock(&a->usage_mtx);
	log_debug("usage: %zu homes measured in %lld ms",
	    json_object_size(m), (long long)(mono_ms() - t0));
}

/* Waits ms or until stopped; 1 when stopped. */
static int
usage_wait(struct node_agent *a, int64_t ms)
{
	struct timespec until;
	int stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&a->usage_mtx);
	while (!a->usage_stop && pthread_cond_timedwait(&a->usage_cv,
	    &a->usage_mtx, &until) == 0)
		;
	stop = a->usage_stop;
	pthread_mutex_unlock(&a->usage_mtx);
	return stop;
}

static void *
usage_loop(void *arg)
{
	struct node_agent *a = arg;
	const char *delay;

	/* a fault-injection point for the tests: the first round late */
	if ((delay = getenv("HOSTFLEET_TEST_USAGE_DELAY_MS")) != NULL &&
	    usage_wait(a, atoi(delay)))
		return NULL;
	do
		usage_round(a);
	while (!usage_wait(a, (int64_t)a->conf.usage_interval_s * 1000));
	return NULL;
}

void
usage_start(struct node_agent *a)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&a->usage_mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->usage_cv, &ca);
	pthread_condattr_destroy(&ca);
	usage_load(a);
	if (pthread_create(&a->usage_thr, NULL, usage_loop, a) != 0)
		fatal("pthread_create");
}

void
usage_stop(struct node_agent *a)
{
	pthread_mutex_lock(&a->usage_mtx);
	__atomic_store_n(&a->usage_stop, 1, __ATOMIC_RELAXED);
	pthread_cond_signal(&a->usage_cv);
	pthread_mutex_unlock(&a->usage_mtx);
	pthread_join(a->usage_thr, NULL);
	json_decref(a->usage);
	a->usage = NULL;
}

json_t *
usage_json(struct node_agent *a, int64_t *at)
{
	json_t *j;

	pthread_mutex_lock(&a->usage_mtx);
	/* a published map is never changed, only replaced: shared */
	j = a->usage ? json_incref(a->usage) : json_object();
	*at = a->usage_at;
	pthread_mutex_unlock(&a->usage_mtx);
	return j;
}
