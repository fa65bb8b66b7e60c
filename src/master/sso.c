/* sso.c - single sign-on keys, as ISPmanager's billing integrations use
 * them: an administrator's session.newkey makes a key for a user, and
 * func=auth&username=NAME&key=KEY logs that user in once.
 *
 * A key lives SSO_KEY_TTL_S seconds and dies at its first use; only its
 * hash is kept, in the master's memory (a restart ends every key, which
 * costs a billing system one more redirect at most). */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "../common/params.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

#define SSO_KEY_TTL_S	120
#define SSO_KEYS	256

static struct {
	char	 name[64];
	char	 hash[65];
	int64_t	 expires;
} keys[SSO_KEYS];
static pthread_mutex_t keys_mtx = PTHREAD_MUTEX_INITIALIZER;

/* Keeps the hash of key for name: in the slot of the same key given
 * again (a key opens one login however often it is given), else of one
 * expired, else of the one that expires first (a flood of keys ends the
 * oldest). */
static void
key_put(const char *name, const char *key, int64_t now)
{
	char h[65];
	int i, slot = 0, same = -1;

	secret_hash(key, h);
	pthread_mutex_lock(&keys_mtx);
	for (i = 0; i < SSO_KEYS && same == -1; i++)
		if (keys[i].expires > now && strcmp(keys[i].name, name) == 0 &&
		    sodium_memcmp(keys[i].hash, h, 64) == 0)
			same = i;
	for (i = 0; i < SSO_KEYS && same == -1; i++) {
		if (keys[i].expires <= now) {
			slot = i;
			break;
		}
		if (keys[i].expires < keys[slot].expires)
			slot = i;
	}
	if (same != -1)
		slot = same;
	strlcpy_hf(keys[slot].name, name, sizeof(keys[slot].name));
	memcpy(keys[slot].hash, h, sizeof(h));
	sodium_memzero(h, sizeof(h));
	keys[slot].expires = now + SSO_KEY_TTL_S;
	pthread_mutex_unlock(&keys_mtx);
}

int
sso_key_take(const char *name, const char *key)
{
	char h[65];
	int64_t now = wall_s();
	int i, rc = -1;

	secret_hash(key, h);
	pthread_mutex_lock(&keys_mtx);
	for (i = 0; i < SSO_KEYS && rc == -1; i++)
		if (keys[i].expires > now &&
		    sodium_memcmp(keys[i].hash, h, 64) == 0 &&
		    strcmp(keys[i].name, name) == 0) {
			memset(&keys[i], 0, sizeof(keys[i]));
			rc = 0;
		}
	pthread_mutex_unlock(&keys_mtx);
	sodium_memzero(h, sizeof(h));
	return rc;
}

/*
 * session.newkey: username (an active account) and key, the caller's (the
 * way billing systems send it) or, when not given, a new random one that
 * the answer carries.
 */
void
api_session_newkey(struct api_ctx *c)
{
	const char *name, *key = params_get(c->p, "key");
	char made[65], q[VALID_ERR_MAX];
	struct user u;

	made[0] = '\0';
	if ((name = params_get(c->p, "username")) == NULL || *name == '\0') {
		reply_error(&c->r, "empty", "username", "field \"username\" is "
		    "required");
		return;
	}
	if (store_user_get(c->m->st, name, &u) != 0 || !u.active) {
		valid_quote(name, q, sizeof(q));
		reply_error(&c->r, "missing", "username", "no active user "
		    "\"%s\"", q);
		return;
	}
	if (key == NULL || *key == '\0') {
		rand_hex(made, 32);
		key = made;
	}
	key_put(u.name, key, wall_s());
	reply_ok(&c->r);
	reply_set(&c->r, "key", key);
	sodium_memzero(made, sizeof(made));
}
