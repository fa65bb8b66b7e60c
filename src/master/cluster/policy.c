/* policy.c - the cluster policy (DESIGN.md §2), read from and written to
 * the store; its fields, grammars and defaults are dt_policy's. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/util.h"
#include "../../common/valid.h"

#define POLICY_FIELDS_MAX	16
#include "../master.h"

/* The fields, their grammars and defaults are dt_policy's (types.c). */
static const char *
pget(struct master *m, const struct field *f, char *buf, size_t len)
{
	if (store_policy_get(m->st, f->name, buf, len) != 0)
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
	const struct field *f;
	char buf[64];

	for (f = dt_policy.fields; f->name; f++) {
		const char *v = pget(m, f, buf, sizeof(buf));

		if (v == NULL || (f->flags & F_SECRET))
			continue;
		if (strcmp(f->name, "placement") == 0)
			snprintf(p->placement, sizeof(p->placement), "%s", v);
		else {
			int n = atoi(v);

			if (strcmp(f->name, "min_ready_percent") == 0)
				p->min_ready_percent = n;
			else if (strcmp(f->name, "node_timeout_ms") == 0)
				p->node_timeout_ms = n;
			else if (strcmp(f->name, "heartbeat_interval_ms") == 0)
				p->heartbeat_interval_ms = n;
			else if (strcmp(f->name, "heartbeat_misses") == 0)
				p->heartbeat_misses = n;
			else if (strcmp(f->name, "join_token_ttl_s") == 0)
				p->join_token_ttl_s = n;
			else if (strcmp(f->name, "actionlog_days") == 0)
				p->actionlog_days = n;
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
	const struct field *f;
	char buf[64];

	for (f = dt_policy.fields; f->name; f++)
		if (!(f->flags & F_SECRET))
			reply_set(r, f->name, pget(m, f, buf, sizeof(buf)));
}

int
policy_update(struct master *m, const struct reqparams *p, struct reply *r)
{
	const char *keys[POLICY_FIELDS_MAX], *vals[POLICY_FIELDS_MAX];
	const struct field *f;
	char err[VALID_ERR_MAX], out[FIELD_OUTMAX], hash[65];
	size_t n = 0;

	/* Every field is checked before any is written. */
	for (f = dt_policy.fields; f->name && n < POLICY_FIELDS_MAX; f++) {
		const char *v = params_get(p, f->name);

		if (v == NULL)
			continue;
		if (f->check(f->name, v, out, err) == -1) {
			reply_error(r, "value", f->name, "%s", err);
			return -1;
		}
		keys[n] = f->name;
		vals[n] = v;
		/* a secret (the scrape token) is kept as its hash only */
		if ((f->flags & F_SECRET) && *v) {
			secret_hash(v, hash);
			vals[n] = hash;
		}
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
