/* auth.c - password hashing with Argon2id (libsodium). */
#include <errno.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "master.h"

/*
 * Each Argon2id hash takes crypto_pwhash_MEMLIMIT_INTERACTIVE (64 MiB) for
 * its run: at most AUTH_HASHES run at once, so that a burst of logins
 * costs time, never the master's memory.  A hash waits for a slot at most
 * AUTH_HASH_WAIT_S, then the login is answered "busy".
 */
#define AUTH_HASHES		4
#define AUTH_HASH_WAIT_S	10

static sem_t hash_slots;
static pthread_once_t hash_once = PTHREAD_ONCE_INIT;

static void
hash_init(void)
{
	sem_init(&hash_slots, 0, AUTH_HASHES);
}

/* 0 with a slot taken, or -1 when none came free in time. */
static int
slot_take(void)
{
	struct timespec ts;

	pthread_once(&hash_once, hash_init);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += AUTH_HASH_WAIT_S;
	while (sem_timedwait(&hash_slots, &ts) == -1)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
auth_hash_password(const char *pw, char out[160])
{
	int rc;

	if (slot_take() == -1)
		return -1;
	rc = crypto_pwhash_str_alg(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13)
	    == 0 ? 0 : -1;
	sem_post(&hash_slots);
	return rc;
}

int
auth_check_password(const char *hash, const char *pw)
{
	int rc;

	if (slot_take() == -1)
		return AUTH_BUSY;
	rc = crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0 ? 0 : -1;
	sem_post(&hash_slots);
	return rc;
}

/*
 * The session cookie, as ISPmanager's panel sets it: func=auth answers
 * the new session in a cookie named by the path (ispmgrses5, dnsmgrses5),
 * and a later call that carries only the cookie is that session's.  It is
 * never readable by scripts nor sent by other sites or over plain HTTP.
 */
const char *
auth_cookie_get(const struct api_ctx *c)
{
	const char *v;

	if (c->cookie == NULL ||
	    (v = http_req_cookie(c->http, c->cookie)) == NULL || *v == '\0')
		return NULL;
	return v;
}

void
auth_cookie_set(struct api_ctx *c, const char *id)
{
	if (c->cookie == NULL)
		return;
	snprintf(c->set_cookie, sizeof(c->set_cookie), "Set-Cookie: %s=%s; "
	    "Path=/; %sHttpOnly; Secure; SameSite=Strict", c->cookie,
	    id ? id : "", id ? "" : "Max-Age=0; ");
}

/*
 * A short memory of verified logins, so that clients that send authinfo=
 * with every call (billing modules, ACME hooks, scripts) do not pay for an
 * Argon2id verification each time.  An entry is keyed by a keyed BLAKE2b of
 * name and password (the key is random per process), lives a minute, and
 * counts only while the account still has the password hash it was
 * verified against, so a changed password or a removed account ends it.
 */
#include <pthread.h>

#include "../common/util.h"

#define ACACHE_N	64
#define ACACHE_TTL_S	60

static struct {
	unsigned char	 key[32];
	char		 name[64];
	char		 pwhash[160];
	int64_t		 expires;
} acache[ACACHE_N];
static unsigned char acache_salt[crypto_generichash_KEYBYTES];
static pthread_mutex_t acache_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t acache_once = PTHREAD_ONCE_INIT;

static void
acache_init(void)
{
	randombytes_buf(acache_salt, sizeof(acache_salt));
}

static void
acache_key(const char *name, const char *pw, unsigned char out[32])
{
	crypto_generichash_state st;

	pthread_once(&acache_once, acache_init);
	crypto_generichash_init(&st, acache_salt, sizeof(acache_salt), 32);
	crypto_generichash_update(&st, (const unsigned char *)name,
	    strlen(name) + 1);
	crypto_generichash_update(&st, (const unsigned char *)pw, strlen(pw));
	crypto_generichash_final(&st, out, 32);
}

/* 1 when name/pw were verified against pwhash within the last minute. */
int
auth_cache_hit(const char *name, const char *pw, const char *pwhash)
{
	unsigned char k[32];
	int64_t now = wall_s();
	int i, hit = 0;

	acache_key(name, pw, k);
	pthread_mutex_lock(&acache_mtx);
	for (i = 0; i < ACACHE_N && !hit; i++)
		hit = acache[i].expires > now &&
		    sodium_memcmp(acache[i].key, k, 32) == 0 &&
		    strcmp(acache[i].name, name) == 0 &&
		    strcmp(acache[i].pwhash, pwhash) == 0;
	pthread_mutex_unlock(&acache_mtx);
	sodium_memzero(k, sizeof(k));
	return hit;
}

void
auth_cache_put(const char *name, const char *pw, const char *pwhash)
{
	int i, slot = 0;

	pthread_mutex_lock(&acache_mtx);
	for (i = 1; i < ACACHE_N; i++)
		if (acache[i].expires < acache[slot].expires)
			slot = i;
	acache_key(name, pw, acache[slot].key);
	strlcpy_hf(acache[slot].name, name, sizeof(acache[slot].name));
	strlcpy_hf(acache[slot].pwhash, pwhash, sizeof(acache[slot].pwhash));
	acache[slot].expires = wall_s() + ACACHE_TTL_S;
	pthread_mutex_unlock(&acache_mtx);
}
