/* cache.c - small caches of what every request of the API reads: a
 * session's user, and the node holding a user's role.  Each entry lives a
 * short time (a second), so a change made elsewhere is seen at the latest
 * that much later; the changes that matter at once (logout, suspension,
 * deletion, placement, node edits) clear the cache themselves.
 *
 * Few entries, looked up by comparing keys: the caches hold the callers
 * of the last second, not the whole store. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "master.h"

#define MCACHE_SLOTS	128
#define MCACHE_KEY	160
#define MCACHE_VAL	2048

struct mslot {
	char	 key[MCACHE_KEY];
	char	 val[MCACHE_VAL];
	size_t	 len;
	int64_t	 expires;	/* mono ms; 0: empty */
};

struct mcache {
	pthread_mutex_t	 mtx;
	struct mslot	 slot[MCACHE_SLOTS];
	size_t		 next;	/* the slot to take when all are live */
	uint64_t	 gen;	/* bumped by every clear */
};

struct mcache *
mcache_new(void)
{
	struct mcache *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->mtx, NULL);
	return c;
}

void
mcache_free(struct mcache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->mtx);
	free(c);
}

int
mcache_get(struct mcache *c, const char *key, void *val, size_t len)
{
	int64_t now = mono_ms();
	size_t i;
	int rc = -1;

	pthread_mutex_lock(&c->mtx);
	for (i = 0; i < MCACHE_SLOTS; i++) {
		struct mslot *s = &c->slot[i];

		if (s->expires > now && s->len == len &&
		    strcmp(s->key, key) == 0) {
			memcpy(val, s->val, len);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&c->mtx);
	return rc;
}

uint64_t
mcache_gen(struct mcache *c)
{
	uint64_t g;

	pthread_mutex_lock(&c->mtx);
	g = c->gen;
	pthread_mutex_unlock(&c->mtx);
	return g;
}

void
mcache_put(struct mcache *c, const char *key, const void *val, size_t len,
    int64_t ttl_ms, uint64_t gen)
{
	int64_t now = mono_ms();
	struct mslot *s = NULL;
	size_t i;

	if (len > MCACHE_VAL || strlen(key) >= MCACHE_KEY)
		return;
	pthread_mutex_lock(&c->mtx);
	if (c->gen != gen) {
		/* cleared since the value was read: it may be stale */
		pthread_mutex_unlock(&c->mtx);
		return;
	}
	for (i = 0; i < MCACHE_SLOTS; i++)
		if (c->slot[i].expires <= now ||
		    strcmp(c->slot[i].key, key) == 0) {
			s = &c->slot[i];
			break;
		}
	if (s == NULL) {
		s = &c->slot[c->next];
		c->next = (c->next + 1) % MCACHE_SLOTS;
	}
	strlcpy_hf(s->key, key, sizeof(s->key));
	memcpy(s->val, val, len);
	s->len = len;
	s->expires = now + ttl_ms;
	pthread_mutex_unlock(&c->mtx);
}

void
mcache_clear(struct mcache *c)
{
	size_t i;

	pthread_mutex_lock(&c->mtx);
	for (i = 0; i < MCACHE_SLOTS; i++)
		c->slot[i].expires = 0;
	c->gen++;
	pthread_mutex_unlock(&c->mtx);
}

void
master_caches_clear(struct master *m)
{
	mcache_clear(m->sessions);
	mcache_clear(m->routes);
}
