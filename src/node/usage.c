/* usage.c - how much disk each user's data takes on this node.
 *
 * Everything a user has on a node lives in their home, /var/www/NAME under
 * the host root: the sites' document roots and the Maildirs (the web
 * server's logs are kept apart, in /var/www/httpd-logs).  A
 * thread measures every home the node made, one after another, every
 * usage_interval_s seconds, and keeps the figures for the stats answer;
 * the master adds them up across nodes to hold the user to their disk
 * limit (limit_quota).
 *
 * The home belongs to the user, so the walk trusts nothing in it: it never
 * follows a symbolic link, never leaves the home's file system, and counts
 * a file with several hard links once. */
#include <errno.h>
#include <fts.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../common/log.h"
#include "../common/util.h"
#include "node.h"

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

/* Adds the node to the set; 1 when it was there already, -1 on no
 * memory. */
static int
seen(void **set, const struct stat *sb)
{
	struct inode *k, **p;

	if ((k = malloc(sizeof(*k))) == NULL)
		return -1;
	k->dev = sb->st_dev;
	k->ino = sb->st_ino;
	if ((p = tsearch(k, set, inode_cmp)) == NULL) {
		free(k);
		return -1;
	}
	if (*p != k) {
		free(k);
		return 1;
	}
	return 0;
}

int
usage_measure(const char *dir, uint64_t *bytes, uint64_t *files)
{
	char *paths[] = { (char *)dir, NULL };
	void *links = NULL;
	FTS *fts;
	FTSENT *e;
	int rc = 0, s, saved;

	*bytes = 0;
	if (files)
		*files = 0;
	if ((fts = fts_open(paths, FTS_PHYSICAL | FTS_XDEV | FTS_NOCHDIR,
	    NULL)) == NULL)
		return -1;
	while ((e = fts_read(fts)) != NULL) {
		if (e->fts_level == 0 && e->fts_info != FTS_D &&
		    e->fts_info != FTS_DP) {
			/* the home itself must be a directory */
			errno = e->fts_info == FTS_NS || e->fts_info ==
			    FTS_ERR || e->fts_info == FTS_DNR ?
			    e->fts_errno : ENOTDIR;
			rc = -1;
			break;
		}
		switch (e->fts_info) {
		case FTS_DP:		/* a directory, seen on the way in */
			continue;
		case FTS_DNR:
		case FTS_ERR:
		case FTS_NS:
			/* gone meanwhile is fine; anything else is not */
			if (e->fts_errno != ENOENT) {
				errno = e->fts_errno;
				rc = -1;
			}
			continue;
		default:
			break;
		}
		if (e->fts_statp->st_nlink > 1 && e->fts_info != FTS_D) {
			if ((s = seen(&links, e->fts_statp)) == -1) {
				errno = ENOMEM;
				rc = -1;
				break;
			}
			if (s == 1)
				continue;
		}
		*bytes += (uint64_t)e->fts_statp->st_blocks * 512;
		if (files && e->fts_info != FTS_D)
			(*files)++;
	}
	if (e == NULL && errno != 0 && rc == 0)
		rc = -1;
	saved = errno;
	fts_close(fts);
	tdestroy(links, free);
	errno = saved;
	return rc;
}

/* One round: every account the node made, measured. */
static void
usage_round(struct node_agent *a)
{
	json_t *items, *it, *m = json_object();
	char dir[1024];
	uint64_t b;
	size_t i;
	int64_t t0 = mono_ms();

	if (nstore_ud_list(a->st, "account", NULL, NULL, &items) == -1) {
		json_decref(m);
		return;
	}
	json_array_foreach(items, i, it) {
		const char *name = json_string_value(json_object_get(it,
		    "name"));

		if (name == NULL)
			continue;
		/* the name passed valid_username: no '/', no ".." */
		snprintf(dir, sizeof(dir), "%s/var/www/%s", a->conf.root, name);
		/* a walk that failed part way counts what it saw */
		if (usage_measure(dir, &b, NULL) == -1 && errno != ENOENT)
			log_warn("usage: %s", dir);
		json_object_set_new(m, name, json_integer((json_int_t)b));
	}
	json_decref(items);
	pthread_mutex_lock(&a->usage_mtx);
	json_decref(a->usage);
	a->usage = m;
	a->usage_at = wall_s();
	pthread_mutex_unlock(&a->usage_mtx);
	log_debug("usage: %zu homes measured in %lld ms",
	    json_object_size(m), (long long)(mono_ms() - t0));
}

static void *
usage_loop(void *arg)
{
	struct node_agent *a = arg;
	struct timespec until;
	int stop = 0;

	while (!stop) {
		usage_round(a);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += a->conf.usage_interval_s;
		pthread_mutex_lock(&a->usage_mtx);
		while (!a->usage_stop && pthread_cond_timedwait(&a->usage_cv,
		    &a->usage_mtx, &until) == 0)
			;
		stop = a->usage_stop;
		pthread_mutex_unlock(&a->usage_mtx);
	}
	return NULL;
}

void
usage_start(struct node_agent *a)
{
	pthread_mutex_init(&a->usage_mtx, NULL);
	pthread_cond_init(&a->usage_cv, NULL);
	if (pthread_create(&a->usage_thr, NULL, usage_loop, a) != 0)
		fatal("pthread_create");
}

void
usage_stop(struct node_agent *a)
{
	pthread_mutex_lock(&a->usage_mtx);
	a->usage_stop = 1;
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
	j = a->usage ? json_deep_copy(a->usage) : json_object();
	*at = a->usage_at;
	pthread_mutex_unlock(&a->usage_mtx);
	return j;
}
