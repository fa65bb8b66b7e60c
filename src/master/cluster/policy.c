/* policy.c - the cluster policy (DESIGN.md §2): its fields, their ranges
 * and defaults, read from and written to the store. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/valid.h"
#include "../master.h"

static const char *const placements[] = { "lowest_score", NULL };

/* One row per field: integer fields have a range; placement is a word. */
static const struct pfield {
	const char	*key;
	const char	*def;
	int64_t		 min, max;
	const char *const *words;
	const char	*doc;
} pfields[] = {
	{ "min_ready_percent", "50", 0, 99, NULL,
	  "a distributed query runs only when more than this share of its "
	  "targets is ready" },
	{ "placement", "lowest_score", 0, 0, placements,
	  "how a user's node is chosen: lowest users/weight/free resource" },
	{ "node_timeout_ms", "5000", 50, 600000, NULL,
	  "how long the master waits for one node's answer" },
	{ "heartbeat_interval_ms", "5000", 100, 3600000, NULL,
	  "how often the master polls every node's stats" },
	{ "heartbeat_misses", "3", 1, 1000, NULL,
	  "missed polls before a node is unavailable" },
	{ "join_token_ttl_s", "3600", 1, 604800, NULL,
	  "default lifetime of a join token" },
};

static const char *
pget(struct master *m, const struct pfield *f, char *buf, size_t len)
{
	if (store_policy_get(m->st, f->key, buf, len) != 0)
		return f->def;
	return buf;
}

/* The policy as last read from the store: every call of every thread
 * reads it (the proxy on each request), and only policy_update() changes
 * it, so it is read from the store once and again after each update. */
static pthread_mutex_t cache_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct policy cache;
static struct store *cache_of;		/* NULL: stale */

static void
policy_read(struct master *m, struct policy *p)
{
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(pfields) / sizeof(pfields[0]); i++) {
		const struct pfield *f = &pfields[i];
		const char *v = pget(m, f, buf, sizeof(buf));

		if (strcmp(f->key, "placement") == 0)
			snprintf(p->placement, sizeof(p->placement), "%s", v);
		else {
			int n = atoi(v);

			if (strcmp(f->key, "min_ready_percent") == 0)
				p->min_ready_percent = n;
			else if (strcmp(f->key, "node_timeout_ms") == 0)
				p->node_timeout_ms = n;
			else if (strcmp(f->key, "heartbeat_interval_ms") == 0)
				p->heartbeat_interval_ms = n;
			else if (strcmp(f->key, "heartbeat_misses") == 0)
				p->heartbeat_misses = n;
			else if (strcmp(f->key, "join_token_ttl_s") == 0)
				p->join_token_ttl_s = n;
		}
	}
}

void
policy_load(struct master *m, struct policy *p)
{
	pthread_mutex_lock(&cache_mtx);
	if (cache_of != m->st) {
		policy_read(m, &cache);
		cache_of = m->st;
	}
	*p = cache;
	pthread_mutex_unlock(&cache_mtx);
}

static void
policy_stale(void)
{
	pthread_mutex_lock(&cache_mtx);
	cache_of = NULL;
	pthread_mutex_unlock(&cache_mtx);
}

void
policy_show(struct master *m, struct reply *r)
{
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof(pfields) / sizeof(pfields[0]); i++)
		reply_set(r, pfields[i].key, pget(m, &pfields[i], buf,
		    sizeof(buf)));
}

int
policy_update(struct master *m, const struct reqparams *p, struct reply *r)
{
	const char *keys[sizeof(pfields) / sizeof(pfields[0])];
	const char *vals[sizeof(pfields) / sizeof(pfields[0])];
	char err[VALID_ERR_MAX];
	size_t i, n = 0;

	/* Every field is checked before any is written. */
	for (i = 0; i < sizeof(pfields) / sizeof(pfields[0]); i++) {
		const struct pfield *f = &pfields[i];
		const char *v = params_get(p, f->key);

		if (v == NULL)
			continue;
		if (f->words ? valid_enum(f->key, v, f->words, err) :
		    valid_int(f->key, v, f->min, f->max, NULL, err)) {
			reply_error(r, "value", f->key, "%s", err);
			return -1;
		}
		keys[n] = f->key;
		vals[n] = v;
		n++;
	}
	if (n && store_policy_set(m->st, keys, vals, n) == -1) {
		policy_stale();
		reply_error(r, "internal", "policy", "cannot store policy");
		return -1;
	}
	policy_stale();
	return 0;
}
