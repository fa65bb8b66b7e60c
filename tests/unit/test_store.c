/* test_store.c - unit tests of the master's store (src/master/store*.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/master/store.h"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

static void
rm_dir(const char *dir)
{
	static const char *const files[] = {
		"state.db", "state.db-wal", "state.db-shm", "stderr.log",
	};
	char p[256];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

/*
 * Opens path with stderr sent to a file, and returns what was logged
 * (malloc'd) in *logp.
 */
static struct store *
open_logged(const char *dir, const char *path, char *err, size_t errlen,
    char **logp)
{
	char lpath[256];
	struct store *s;
	int fd, saved;
	FILE *f;
	long n;

	snprintf(lpath, sizeof(lpath), "%s/stderr.log", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(lpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	close(fd);
	s = store_open(path, err, errlen);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fopen(lpath, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*logp = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(*logp, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return s;
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256] = "", *log;

	strcpy(fx->dir, "/tmp/hf-test-store-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "%s/state.db", fx->dir);
	/* the migration log lines go to a file, not the test's output */
	fx->s = open_logged(fx->dir, fx->path, err, sizeof(err), &log);
	free(log);
	if (fx->s == NULL) {
		print_error("store_open: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->s);
	rm_dir(fx->dir);
	free(fx);
	return 0;
}

static int64_t
add_user(struct store *s, const char *name, const char *level)
{
	int64_t id = 0;

	assert_int_equal(store_user_add(s, name, level, "$argon2id$hash", &id),
	    0);
	assert_true(id > 0);
	return id;
}

static int64_t
add_node(struct store *s, const char *name, const char *addr)
{
	struct node n;

	memset(&n, 0, sizeof(n));
	strcpy(n.name, name);
	strcpy(n.addr, addr);
	n.port = 1501;
	n.ssh_port = 22;
	strcpy(n.roles, "web");
	n.weight = 100;
	assert_int_equal(store_node_insert(s, &n), 0);
	assert_true(n.id > 0);
	return n.id;
}

/* ---- users ---- */

static void
test_users(void **state)
{
	struct fx *fx = *state;
	struct user u;
	int64_t id, id2 = 0;
	int n = -1;

	id = add_user(fx->s, "alice", "admin");
	memset(&u, 0, sizeof(u));
	assert_int_equal(store_user_get(fx->s, "alice", &u), 0);
	assert_int_equal(u.id, id);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.level, "admin");
	assert_int_equal(u.active, 1);
	assert_string_equal(u.pwhash, "$argon2id$hash");

	memset(&u, 0, sizeof(u));
	assert_int_equal(store_user_get_id(fx->s, id, &u), 0);
	assert_string_equal(u.name, "alice");

	assert_int_equal(store_user_add(fx->s, "alice", "user", "x", &id2),
	    STORE_EXISTS);
	assert_int_equal(id2, 0);
	assert_int_equal(store_user_get(fx->s, "alice", &u), 0);
	assert_string_equal(u.level, "admin");

	assert_int_equal(store_user_get(fx->s, "bob", &u), STORE_NOTFOUND);
	assert_int_equal(store_user_get(fx->s, "Alice", &u), STORE_NOTFOUND);
	assert_int_equal(store_user_get_id(fx->s, id + 100, &u),
	    STORE_NOTFOUND);

	/* a name with SQL in it is only data */
	add_user(fx->s, "x'); DROP TABLE user; --", "user");
	assert_int_equal(store_user_get(fx->s, "x'); DROP TABLE user; --",
	    &u), 0);
	assert_int_equal(store_user_count(fx->s, "admin", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_user_count(fx->s, "user", &n), 0);
	assert_int_equal(n, 1);
	add_user(fx->s, "carol", "admin");
	assert_int_equal(store_user_count(fx->s, "admin", &n), 0);
	assert_int_equal(n, 2);
	/* idp may be NULL */
	assert_int_equal(store_user_add(fx->s, "dave", "user", "h", NULL), 0);
}

/* ---- sessions ---- */

static void
test_sessions(void **state)
{
	struct fx *fx = *state;
	struct user u;
	int64_t uid;

	uid = add_user(fx->s, "sam", "user");
	assert_int_equal(store_session_add(fx->s, "h1", uid, "192.0.2.1",
	    1000), 0);
	assert_int_equal(store_session_add(fx->s, "h1", uid, "192.0.2.1",
	    1000), STORE_EXISTS);

	memset(&u, 0, sizeof(u));
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.1", 1001,
	    3600, &u), 0);
	assert_int_equal(u.id, uid);
	assert_string_equal(u.name, "sam");
	assert_string_equal(u.level, "user");

	/* from another address: not found, and the session is kept */
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.2", 1002,
	    3600, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.10", 1002,
	    3600, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "h1", "", 1002, 3600, &u),
	    STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.1", 1003,
	    3600, &u), 0);

	/* unknown */
	assert_int_equal(store_session_use(fx->s, "nope", "192.0.2.1", 1003,
	    3600, &u), STORE_NOTFOUND);

	/* use keeps it alive: 1010 marks it used, 1010+3599 is in time */
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.1", 1010,
	    3600, &u), 0);
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.1",
	    1010 + 3599, 3600, &u), 0);
	/* idle for more than idle_s: expired, and deleted */
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.1",
	    1010 + 3599 + 3601, 3600, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "h1", "192.0.2.1",
	    1010 + 3599 + 3602, 1000000000, &u), STORE_NOTFOUND);
	/* the last use counts to the second: a use one second later moves
	 * the timeout by a second */
	assert_int_equal(store_session_add(fx->s, "h4", uid, "192.0.2.1",
	    9000), 0);
	assert_int_equal(store_session_use(fx->s, "h4", "192.0.2.1", 9001,
	    3, &u), 0);
	assert_int_equal(store_session_use(fx->s, "h4", "192.0.2.1", 9004,
	    3, &u), 0);
	assert_int_equal(store_session_use(fx->s, "h4", "192.0.2.1", 9008,
	    3, &u), STORE_NOTFOUND);

	/* delete */
	assert_int_equal(store_session_add(fx->s, "h2", uid, "2001:db8::1",
	    5000), 0);
	assert_int_equal(store_session_use(fx->s, "h2", "2001:db8::1", 5001,
	    3600, &u), 0);
	assert_int_equal(store_session_delete(fx->s, "h2"), 0);
	assert_int_equal(store_session_use(fx->s, "h2", "2001:db8::1", 5002,
	    3600, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_delete(fx->s, "h2"), 0);
}

static void
test_session_expired_from_other_addr(void **state)
{
	struct fx *fx = *state;
	struct user u;
	int64_t uid;

	uid = add_user(fx->s, "eve", "user");
	assert_int_equal(store_session_add(fx->s, "h3", uid, "192.0.2.1",
	    100), 0);
	/* an expired session is refused whatever the address */
	assert_int_equal(store_session_use(fx->s, "h3", "192.0.2.9", 100 + 61,
	    60, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "h3", "192.0.2.1", 100 + 62,
	    1000000, &u), STORE_NOTFOUND);
}

/* ---- failed logins ---- */

/* The test's throttle: from the third failure, 10 s between attempts. */
static int64_t
wait10(int count, void *arg)
{
	(void)arg;
	return count >= 3 ? 10 : 0;
}

static void
test_login_failures(void **state)
{
	struct fx *fx = *state;
	struct user u;
	int64_t wait = -1, uid;

	/* every attempt is counted before its password is checked */
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1000,
	    wait10, NULL, 1, &wait), 0);
	assert_int_equal(wait, 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1010,
	    wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1020,
	    wait10, NULL, 1, &wait), 0);
	/* the fourth at once is refused, and says how long to wait */
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1025,
	    wait10, NULL, 1, &wait), STORE_LIMIT);
	assert_int_equal(wait, 5);
	/* a look without reserve counts nothing */
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1030,
	    wait10, NULL, 0, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1030,
	    wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1031,
	    wait10, NULL, 0, &wait), STORE_LIMIT);
	assert_int_equal(wait, 9);

	/* per address */
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.8", 1031,
	    wait10, NULL, 1, &wait), 0);

	/* 900 s after the last failure the count still holds (this attempt
	 * is the fifth, and the next at once waits); 901 s after, it starts
	 * over: three pass at once, the fourth waits */
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1030 + 900,
	    wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7", 1030 + 901,
	    wait10, NULL, 1, &wait), STORE_LIMIT);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7",
	    1030 + 900 + 901, wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7",
	    1030 + 900 + 901, wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7",
	    1030 + 900 + 901, wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7",
	    1030 + 900 + 901, wait10, NULL, 1, &wait), STORE_LIMIT);

	/* a good login resets */
	assert_int_equal(store_login_ok(fx->s, "192.0.2.7"), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.7",
	    1030 + 900 + 901, wait10, NULL, 0, &wait), 0);
	assert_int_equal(store_login_ok(fx->s, "198.51.100.1"), 0);

	/* purge: failures quiet for 15 minutes and idle sessions go */
	uid = add_user(fx->s, "pat", "user");
	assert_int_equal(store_session_add(fx->s, "p1", uid, "192.0.2.1",
	    1000), 0);
	assert_int_equal(store_session_add(fx->s, "p2", uid, "192.0.2.1",
	    1500), 0);
	assert_int_equal(store_login_purge(fx->s, 2100, 1000), 0);
	assert_int_equal(store_session_use(fx->s, "p1", "192.0.2.1", 2100,
	    1000000, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "p2", "192.0.2.1", 2100,
	    1000000, &u), 0);
	/* 192.0.2.8's row is gone with its 15 minutes: a look at 1031 sees
	 * no failure (the count would otherwise hold, as above) */
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_login_reserve(fx->s, "192.0.2.9", 1031,
		    wait10, NULL, 1, &wait), 0);
	assert_int_equal(store_login_purge(fx->s, 1031 + 901, 1000000), 0);
	assert_int_equal(store_login_reserve(fx->s, "192.0.2.9", 1031,
	    wait10, NULL, 0, &wait), 0);

	/* a user's other sessions end */
	assert_int_equal(store_session_add(fx->s, "p3", uid, "192.0.2.1",
	    2100), 0);
	assert_int_equal(store_session_end_user(fx->s, uid, "p3"), 0);
	assert_int_equal(store_session_use(fx->s, "p2", "192.0.2.1", 2101,
	    1000000, &u), STORE_NOTFOUND);
	assert_int_equal(store_session_use(fx->s, "p3", "192.0.2.1", 2101,
	    1000000, &u), 0);
	assert_int_equal(store_session_end_user(fx->s, uid, NULL), 0);
	assert_int_equal(store_session_use(fx->s, "p3", "192.0.2.1", 2102,
	    1000000, &u), STORE_NOTFOUND);
}

/* ---- nodes ---- */

static void
test_nodes(void **state)
{
	struct fx *fx = *state;
	struct node n, g, *v;
	size_t cnt;
	int64_t id1, id2;

	memset(&n, 0, sizeof(n));
	strcpy(n.name, "web1");
	strcpy(n.addr, "10.0.0.1");
	n.port = 1501;
	n.ssh_port = 2222;
	strcpy(n.roles, "web,dns");
	n.maintenance = 1;
	n.userlocked = 1;
	n.weight = 50;
	n.is_local = 1;
	strcpy(n.comment, "rack \"4\"; <top>");
	assert_int_equal(store_node_insert(fx->s, &n), 0);
	id1 = n.id;
	assert_true(id1 > 0);

	memset(&g, 0x5a, sizeof(g));
	assert_int_equal(store_node_get(fx->s, id1, &g), 0);
	assert_int_equal(g.id, id1);
	assert_string_equal(g.name, "web1");
	assert_string_equal(g.addr, "10.0.0.1");
	assert_int_equal(g.port, 1501);
	assert_int_equal(g.ssh_port, 2222);
	assert_string_equal(g.roles, "web,dns");
	assert_int_equal(g.maintenance, 1);
	assert_int_equal(g.userlocked, 1);
	assert_int_equal(g.weight, 50);
	assert_int_equal(g.is_local, 1);
	assert_string_equal(g.comment, "rack \"4\"; <top>");
	assert_string_equal(g.status, "installing");
	assert_int_equal(g.joined, 0);
	assert_int_equal(g.last_seen, 0);
	assert_int_equal(g.misses, 0);
	assert_true(g.created > 0);
	assert_null(g.stats);
	store_node_free(&g);

	/* duplicate name, duplicate address */
	strcpy(n.addr, "10.0.0.2");
	assert_int_equal(store_node_insert(fx->s, &n), STORE_EXISTS);
	strcpy(n.name, "web2");
	strcpy(n.addr, "10.0.0.1");
	assert_int_equal(store_node_insert(fx->s, &n), STORE_EXISTS);
	strcpy(n.addr, "10.0.0.2");
	assert_int_equal(store_node_insert(fx->s, &n), 0);
	id2 = n.id;
	assert_true(id2 != id1);

	/* update */
	assert_int_equal(store_node_get(fx->s, id2, &g), 0);
	strcpy(g.comment, "changed");
	g.weight = 7;
	strcpy(g.roles, "mail");
	assert_int_equal(store_node_update(fx->s, &g), 0);
	store_node_free(&g);
	assert_int_equal(store_node_get(fx->s, id2, &g), 0);
	assert_string_equal(g.comment, "changed");
	assert_int_equal(g.weight, 7);
	assert_string_equal(g.roles, "mail");
	/* update onto another node's name or address */
	strcpy(g.name, "web1");
	assert_int_equal(store_node_update(fx->s, &g), STORE_EXISTS);
	strcpy(g.name, "web2");
	strcpy(g.addr, "10.0.0.1");
	assert_int_equal(store_node_update(fx->s, &g), STORE_EXISTS);
	store_node_free(&g);
	assert_int_equal(store_node_get(fx->s, id2, &g), 0);
	assert_string_equal(g.name, "web2");
	assert_string_equal(g.addr, "10.0.0.2");
	/* update of an absent node */
	g.id = id2 + 1000;
	assert_int_equal(store_node_update(fx->s, &g), STORE_NOTFOUND);
	store_node_free(&g);

	/* list in id order */
	assert_int_equal(store_node_list(fx->s, &v, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(v[0].id, id1);
	assert_string_equal(v[0].name, "web1");
	assert_int_equal(v[1].id, id2);
	assert_string_equal(v[1].name, "web2");
	store_nodes_free(v, cnt);

	/* joined */
	assert_int_equal(store_node_joined(fx->s, id2, "mid-1", "host.example"),
	    0);
	assert_int_equal(store_node_get(fx->s, id2, &g), 0);
	assert_int_equal(g.joined, 1);
	assert_string_equal(g.machine_id, "mid-1");
	assert_string_equal(g.hostname, "host.example");
	store_node_free(&g);

	/* delete */
	assert_int_equal(store_node_delete(fx->s, id1), 0);
	assert_int_equal(store_node_get(fx->s, id1, &g), STORE_NOTFOUND);
	assert_int_equal(store_node_delete(fx->s, id1), STORE_NOTFOUND);
	assert_int_equal(store_node_list(fx->s, &v, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(v[0].id, id2);
	store_nodes_free(v, cnt);
	/* the name and address are free again */
	add_node(fx->s, "web1", "10.0.0.1");
}

static void
test_node_cert(void **state)
{
	struct fx *fx = *state;
	int64_t a = add_node(fx->s, "na", "10.0.0.1");
	int64_t b = add_node(fx->s, "nb", "10.0.0.2");

	/* a node that never joined has no certificate */
	assert_int_equal(store_node_cert_check(fx->s, a, "aa"), STORE_NOTFOUND);
	assert_int_equal(store_node_cert_check(fx->s, a, ""), STORE_NOTFOUND);
	/* joined: its certificate, and no other node's, is current */
	assert_int_equal(store_node_cert_set(fx->s, a, "aa"), 0);
	assert_int_equal(store_node_cert_set(fx->s, b, "bb"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "aa"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "bb"), STORE_NOTFOUND);
	/* renewed: both work until the new one is used, then only it */
	assert_int_equal(store_node_cert_next(fx->s, a, "a2"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "aa"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "a2"), STORE_CERT_NEW);
	assert_int_equal(store_node_cert_check(fx->s, a, "a2"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "aa"), STORE_NOTFOUND);
	/* a renewal the node never got is replaced by the next one */
	assert_int_equal(store_node_cert_next(fx->s, a, "a3"), 0);
	assert_int_equal(store_node_cert_next(fx->s, a, "a4"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "a3"), STORE_NOTFOUND);
	assert_int_equal(store_node_cert_check(fx->s, a, "a2"), 0);
	/* a join again forgets every other */
	assert_int_equal(store_node_cert_set(fx->s, a, "a5"), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "a4"), STORE_NOTFOUND);
	assert_int_equal(store_node_cert_check(fx->s, a, "a2"), STORE_NOTFOUND);
	assert_int_equal(store_node_cert_check(fx->s, a, "a5"), 0);
	/* removed: nothing of it is current */
	assert_int_equal(store_node_delete(fx->s, a), 0);
	assert_int_equal(store_node_cert_check(fx->s, a, "a5"), STORE_NOTFOUND);
	assert_int_equal(store_node_cert_set(fx->s, a, "a6"), STORE_NOTFOUND);
	assert_int_equal(store_node_cert_check(fx->s, b, "bb"), 0);
}

static void
test_node_list_empty(void **state)
{
	struct fx *fx = *state;
	struct node *v = NULL;
	size_t cnt = 99;

	assert_int_equal(store_node_list(fx->s, &v, &cnt), 0);
	assert_int_equal(cnt, 0);
	store_nodes_free(v, cnt);
}

/* An enrollment's steps: written in order, each state with its times and
 * output, reset from a step on, gone with the node; a node's status set
 * as given. */
static void
test_enroll_steps(void **state)
{
	static const char *const names[] = { "connect", "account", "key" };
	struct fx *fx = *state;
	struct node n, g;
	json_t *rows;
	int cnt;

	memset(&n, 0, sizeof(n));
	strcpy(n.name, "e1");
	strcpy(n.addr, "10.0.0.9");
	n.port = 1501;
	n.ssh_port = 22;
	n.weight = 100;
	assert_int_equal(store_node_insert(fx->s, &n), 0);
	assert_int_equal(store_enroll_init(fx->s, n.id, names, 3), 0);
	assert_int_equal(store_enroll_step_set(fx->s, n.id, 0, "done", 10, 20,
	    "connected"), 0);
	assert_int_equal(store_enroll_step_set(fx->s, n.id, 1, "failed", 30,
	    40, "read-only\n(exit status 1)\n"), 0);
	/* a state outside the four is refused by the store */
	assert_int_equal(store_enroll_step_set(fx->s, n.id, 2, "maybe", 0, 0,
	    ""), -1);
	assert_int_equal(store_enroll_steps(fx->s, n.id, &rows), 0);
	assert_int_equal(json_array_size(rows), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 1), "name")), "account");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 1), "state")), "failed");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    rows, 1), "ended")), 40);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 2), "state")), "waiting");
	json_decref(rows);
	assert_int_equal(store_enroll_reset(fx->s, n.id, 1), 0);
	assert_int_equal(store_enroll_steps(fx->s, n.id, &rows), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 0), "state")), "done");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 1), "state")), "waiting");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 1), "output")), "");
	json_decref(rows);
	assert_int_equal(store_node_status_set(fx->s, n.id, "error", "why"),
	    0);
	assert_int_equal(store_node_get(fx->s, n.id, &g), 0);
	assert_string_equal(g.status, "error");
	assert_string_equal(g.status_msg, "why");
	store_node_free(&g);
	assert_int_equal(store_node_status_set(fx->s, n.id + 100, "error",
	    "x"), STORE_NOTFOUND);
	/* a step left running by a master that stopped */
	assert_int_equal(store_node_status_set(fx->s, n.id, "installing", ""),
	    0);
	assert_int_equal(store_enroll_step_set(fx->s, n.id, 1, "running", 50,
	    0, "half"), 0);
	assert_int_equal(store_enroll_interrupted(fx->s, 60, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_int_equal(store_enroll_steps(fx->s, n.id, &rows), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    rows, 1), "state")), "failed");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    rows, 1), "ended")), 60);
	assert_non_null(strstr(json_string_value(json_object_get(
	    json_array_get(rows, 1), "output")), "half\n(the master stopped"));
	json_decref(rows);
	assert_int_equal(store_node_get(fx->s, n.id, &g), 0);
	assert_string_equal(g.status, "error");
	assert_string_equal(g.status_msg, "enrollment step \"account\" failed: "
	    "the master stopped while it ran (cluster.node.enroll.retry runs "
	    "it again)");
	store_node_free(&g);
	assert_int_equal(store_enroll_interrupted(fx->s, 70, &cnt), 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(store_node_unplace(fx->s, n.id), 0);
	assert_int_equal(store_node_delete(fx->s, n.id), 0);
	assert_int_equal(store_enroll_steps(fx->s, n.id, &rows), 0);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
}

static void
test_node_polls(void **state)
{
	struct fx *fx = *state;
	struct node_poll p[2];
	struct node g;
	int64_t a, b;

	a = add_node(fx->s, "pa", "10.1.0.1");
	b = add_node(fx->s, "pb", "10.1.0.2");
	memset(p, 0, sizeof(p));
	p[0].id = a;
	p[0].status = "ready";
	p[0].status_msg = "";
	p[0].last_seen = 5000;
	p[0].misses = 0;
	p[0].stats = "{\"load\":0.5}";
	p[1].id = b;
	p[1].status = "unavailable";
	p[1].status_msg = "connection refused";
	p[1].last_seen = 0;
	p[1].misses = 2;
	p[1].stats = NULL;
	assert_int_equal(store_node_polls(fx->s, p, 2), 0);

	assert_int_equal(store_node_get(fx->s, a, &g), 0);
	assert_string_equal(g.status, "ready");
	assert_int_equal(g.last_seen, 5000);
	assert_int_equal(g.misses, 0);
	assert_non_null(g.stats);
	assert_string_equal(g.stats, "{\"load\":0.5}");
	store_node_free(&g);
	assert_null(g.stats);

	assert_int_equal(store_node_get(fx->s, b, &g), 0);
	assert_string_equal(g.status, "unavailable");
	assert_string_equal(g.status_msg, "connection refused");
	assert_int_equal(g.last_seen, 0);
	assert_int_equal(g.misses, 2);
	assert_null(g.stats);
	store_node_free(&g);

	/* a miss keeps last_seen and the old stats */
	p[0].status = "unavailable";
	p[0].status_msg = "timeout";
	p[0].last_seen = 0;
	p[0].misses = 1;
	p[0].stats = NULL;
	assert_int_equal(store_node_polls(fx->s, p, 1), 0);
	assert_int_equal(store_node_get(fx->s, a, &g), 0);
	assert_string_equal(g.status, "unavailable");
	assert_string_equal(g.status_msg, "timeout");
	assert_int_equal(g.last_seen, 5000);
	assert_int_equal(g.misses, 1);
	assert_string_equal(g.stats, "{\"load\":0.5}");
	store_node_free(&g);

	/* none is fine, and an absent node is no error */
	assert_int_equal(store_node_polls(fx->s, p, 0), 0);
	p[0].id = b + 1000;
	assert_int_equal(store_node_polls(fx->s, p, 1), 0);
}

/* A user's disk usage is the sum of what every node last reported for
 * their name; other names, other nodes' missing stats and a node without
 * any are no error. */
static void
test_user_usage(void **state)
{
	struct fx *fx = *state;
	struct node_poll p[3];
	int64_t v = -1;
	json_t *rows, *r;
	size_t i;

	add_user(fx->s, "alice", "user");
	add_user(fx->s, "bob", "user");
	memset(p, 0, sizeof(p));
	p[0].id = add_node(fx->s, "ua", "10.2.0.1");
	p[1].id = add_node(fx->s, "ub", "10.2.0.2");
	p[2].id = add_node(fx->s, "uc", "10.2.0.3");
	p[0].stats = "{\"usage\":{\"alice\":3145728,\"bob\":1}}";
	p[1].stats = "{\"usage\":{\"alice\":1048577}}";
	p[2].stats = "{\"load\":[0,0,0]}";
	for (i = 0; i < 3; i++) {
		p[i].status = "ready";
		p[i].status_msg = "";
	}
	assert_int_equal(store_node_polls(fx->s, p, 3), 0);
	assert_int_equal(store_user_usage(fx->s, "alice", &v), 0);
	assert_int_equal(v, 3145728 + 1048577);
	assert_int_equal(store_user_usage(fx->s, "bob", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(store_user_usage(fx->s, "carol", &v), 0);
	assert_int_equal(v, 0);
	/* a name is a value, not a path: no other key is reached */
	assert_int_equal(store_user_usage(fx->s, "alice\",\"bob", &v), 0);
	assert_int_equal(v, 0);
	/* the list shows MiB, rounded up */
	assert_int_equal(store_user_list(fx->s, &rows), 0);
	json_array_foreach(rows, i, r) {
		const char *n = json_string_value(json_object_get(r, "name"));

		int64_t want = strcmp(n, "alice") == 0 ? 5 :
		    strcmp(n, "bob") == 0 ? 1 : -1;

		assert_int_equal(json_integer_value(json_object_get(r,
		    "quota_used")), want);
		assert_int_equal(json_integer_value(json_object_get(r,
		    "limit_quota")), 0);
	}
	assert_int_equal(json_array_size(rows), 2);
	json_decref(rows);
}

/* ---- join tokens ---- */

static void
test_tokens(void **state)
{
	struct fx *fx = *state;
	int64_t n1, n2, node;

	n1 = add_node(fx->s, "t1", "10.2.0.1");
	n2 = add_node(fx->s, "t2", "10.2.0.2");

	assert_int_equal(store_token_add(fx->s, "hashA", n1, 2000), 0);
	node = 0;
	assert_int_equal(store_token_take(fx->s, "hashA", 1000, &node), 0);
	assert_int_equal(node, n1);
	assert_int_equal(store_token_take(fx->s, "hashA", 1001, &node),
	    TOKEN_USED);

	assert_int_equal(store_token_take(fx->s, "unknown", 1000, &node),
	    TOKEN_UNKNOWN);
	assert_int_equal(store_token_take(fx->s, "", 1000, &node),
	    TOKEN_UNKNOWN);

	/* expired at the second it expires */
	assert_int_equal(store_token_add(fx->s, "hashB", n2, 1500), 0);
	assert_int_equal(store_token_take(fx->s, "hashB", 1500, &node),
	    TOKEN_EXPIRED);
	assert_int_equal(store_token_take(fx->s, "hashB", 9999, &node),
	    TOKEN_EXPIRED);
	/* and an expired token was not consumed by the attempt */
	assert_int_equal(store_token_take(fx->s, "hashB", 1499, &node), 0);
	assert_int_equal(node, n2);

	/* a new token for the same node replaces the old one */
	assert_int_equal(store_token_add(fx->s, "hashC", n1, 5000), 0);
	assert_int_equal(store_token_add(fx->s, "hashD", n1, 5000), 0);
	assert_int_equal(store_token_take(fx->s, "hashC", 1000, &node),
	    TOKEN_UNKNOWN);
	assert_int_equal(store_token_take(fx->s, "hashA", 1000, &node),
	    TOKEN_UNKNOWN);
	assert_int_equal(store_token_take(fx->s, "hashD", 1000, &node), 0);
	assert_int_equal(node, n1);

	/* deleting the node removes its tokens */
	assert_int_equal(store_token_add(fx->s, "hashE", n2, 5000), 0);
	assert_int_equal(store_node_delete(fx->s, n2), 0);
	assert_int_equal(store_token_take(fx->s, "hashE", 1000, &node),
	    TOKEN_UNKNOWN);
}

/* ---- policy ---- */

/* UIDs: from 2000, one per user, never given twice, also after a delete
 * or when an administrator becomes a user. */
static void
test_uids(void **state)
{
	struct fx *fx = *state;
	struct user a, b, c, d;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "alice");
	strcpy(a.level, "user");
	strcpy(a.pwhash, "x");
	a.active = 1;
	b = a;
	strcpy(b.name, "bob");
	c = a;
	strcpy(c.name, "ops");
	strcpy(c.level, "admin");
	assert_int_equal(store_user_create(fx->s, &a), 0);
	assert_int_equal(a.uid, 2000);
	assert_int_equal(store_user_create(fx->s, &b), 0);
	assert_int_equal(b.uid, 2001);
	assert_int_equal(store_user_create(fx->s, &c), 0);
	assert_int_equal(c.uid, 0);	/* administrators have none */
	assert_int_equal(store_user_create(fx->s, &a), STORE_EXISTS);
	/* the admin becomes a user: the next UID */
	strcpy(c.level, "user");
	assert_int_equal(store_user_set(fx->s, &c, UF_LEVEL, -1, 100), 0);
	assert_int_equal(store_user_get(fx->s, "ops", &d), 0);
	assert_int_equal(d.uid, 2002);
	/* deleted: its UID is not given again */
	assert_int_equal(store_user_delete(fx->s, d.id), 0);
	assert_int_equal(store_user_delete(fx->s, b.id), 0);
	memset(&d, 0, sizeof(d));
	strcpy(d.name, "carol");
	strcpy(d.level, "user");
	strcpy(d.pwhash, "x");
	assert_int_equal(store_user_create(fx->s, &d), 0);
	assert_int_equal(d.uid, 2003);
}

/* w[0] the site (webdomain) and w[1] its alias, of owner on node. */
static void
site_and_alias(struct uentry w[2], const char *site, const char *alias,
    int64_t owner, int64_t node)
{
	memset(w, 0, 2 * sizeof(*w));
	strcpy(w[0].kind, "webdomain");
	strcpy(w[0].name, site);
	strcpy(w[1].kind, "webalias");
	strcpy(w[1].name, alias);
	strcpy(w[1].parent, site);
	w[0].owner = w[1].owner = owner;
	w[0].node = w[1].node = node;
}

/* A change writes only its own fields: two changes made from the same
 * stale read both stay.  An account change raises the version and is owed
 * to every node of the user until each has it; a version that moved on
 * refuses a conditional write; a user being deleted takes no change. */
static void
test_user_set(void **state)
{
	struct fx *fx = *state;
	struct user a, s1, s2, got;
	struct node n;
	struct uentry e;
	json_t *rows;

	memset(&a, 0, sizeof(a));
	strcpy(a.name, "alice");
	strcpy(a.level, "user");
	strcpy(a.pwhash, "old");
	strcpy(a.fullname, "Alice");
	a.active = 1;
	assert_int_equal(store_user_create(fx->s, &a), 0);
	memset(&n, 0, sizeof(n));
	strcpy(n.name, "web1");
	strcpy(n.addr, "127.0.0.2");
	n.port = 1501;
	strcpy(n.roles, "web");
	assert_int_equal(store_node_insert(fx->s, &n), 0);
	memset(&e, 0, sizeof(e));
	strcpy(e.kind, "webdomain");
	strcpy(e.name, "a.example");
	e.owner = a.id;
	e.node = n.id;
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, "web", 0, 100,
	    NULL), 0);
	assert_int_equal(store_uindex_live(fx->s, "webdomain", "a.example"),
	    0);

	s1 = a;
	s2 = a;
	strcpy(s1.pwhash, "new");
	s2.active = 0;
	assert_int_equal(store_user_set(fx->s, &s1, UF_PWHASH, -1, 100), 0);
	assert_int_equal(store_user_set(fx->s, &s2, UF_ACTIVE, -1, 100), 0);
	assert_int_equal(store_user_get(fx->s, "alice", &got), 0);
	assert_string_equal(got.pwhash, "new");
	assert_int_equal(got.active, 0);
	assert_int_equal(got.acct_ver, 1);
	assert_int_equal(s2.acct_ver, 1);
	/* owed to the user's node, once older than asked */
	assert_int_equal(store_acct_owed_list(fx->s, 100, &rows), 0);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
	assert_int_equal(store_acct_owed_list(fx->s, 101, &rows), 0);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
	/* a write on a version that moved on changes nothing */
	s2.active = 1;
	assert_int_equal(store_user_set(fx->s, &s2, UF_ACTIVE, 0, 100),
	    STORE_NOTFOUND);
	assert_int_equal(store_user_set(fx->s, &s2, UF_ACTIVE, 1, 100), 0);
	assert_int_equal(s2.acct_ver, 2);
	/* the node had version 1 only: it still owes 2 */
	assert_int_equal(store_acct_done(fx->s, a.id, n.id, 1), 0);
	assert_int_equal(store_acct_owed_list(fx->s, 101, &rows), 0);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
	assert_int_equal(store_acct_done(fx->s, a.id, n.id, 2), 0);
	assert_int_equal(store_acct_owed_list(fx->s, 101, &rows), 0);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
	/* a row being deleted is unsettled, and dropped only as such */
	{
		const char *nm = "a.example";

		assert_int_equal(store_uindex_mark(fx->s, "webdomain", &nm, 1,
		    "live", "deleting", 100), 0);
		assert_int_equal(store_uindex_unsettled(fx->s, 101, &rows), 0);
		assert_int_equal(json_array_size(rows), 1);
		json_decref(rows);
		assert_int_equal(store_uindex_drop(fx->s, "webdomain", nm,
		    "live"), 0);
		assert_int_equal(store_uindex_get(fx->s, "webdomain", nm, &e),
		    0);
		assert_string_equal(e.state, "deleting");
	}
	/* being deleted: no change, and marked once */
	assert_int_equal(store_user_mark_deleting(fx->s, a.id, 200), 0);
	assert_int_equal(store_user_mark_deleting(fx->s, a.id, 300), 0);
	assert_int_equal(store_user_get(fx->s, "alice", &got), 0);
	assert_int_equal(got.deleting, 200);
	assert_int_equal(got.active, 0);
	assert_int_equal(store_user_set(fx->s, &s1, UF_PWHASH, -1, 100),
	    STORE_NOTFOUND);
	assert_int_equal(store_users_deleting(fx->s, 201, &rows), 0);
	assert_int_equal(json_array_size(rows), 1);
	json_decref(rows);
}

/* The index: one owner per name, limits counted with pending rows, an
 * emaildomain's mailboxes go with it; placements are kept once made. */
static void
test_uindex(void **state)
{
	struct fx *fx = *state;
	struct user a, b;
	struct node n;
	struct uentry e, got;
	const char *names[] = { "example.com" };
	int64_t node;
	int cnt;

	memset(&n, 0, sizeof(n));
	strcpy(n.name, "web1");
	strcpy(n.addr, "127.0.0.2");
	n.port = 1501;
	strcpy(n.roles, "web,mail");
	assert_int_equal(store_node_insert(fx->s, &n), 0);
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "alice");
	strcpy(a.level, "user");
	strcpy(a.pwhash, "x");
	a.active = 1;
	b = a;
	strcpy(b.name, "bob");
	assert_int_equal(store_user_create(fx->s, &a), 0);
	assert_int_equal(store_user_create(fx->s, &b), 0);

	assert_int_equal(store_placement_get(fx->s, a.id, "web", &node),
	    STORE_NOTFOUND);
	memset(&e, 0, sizeof(e));
	strcpy(e.kind, "emaildomain");
	strcpy(e.name, "example.com");
	e.owner = a.id;
	e.node = n.id;
	/* the first object records the placement, in the same transaction;
	 * a reservation for another node of the same role is told it moved */
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, "mail", 1, 100,
	    NULL), 0);
	{
		struct node n2 = n;
		struct uentry e2 = e;

		strcpy(n2.name, "web2");
		strcpy(n2.addr, "127.0.0.3");
		assert_int_equal(store_node_insert(fx->s, &n2), 0);
		strcpy(e2.name, "example.org");
		e2.node = n2.id;
		assert_int_equal(store_uindex_reserve(fx->s, &e2, 1, "mail", 0,
		    100, NULL), STORE_MOVED);
		assert_int_equal(store_uindex_get(fx->s, "emaildomain",
		    "example.org", &got), STORE_NOTFOUND);
	}
	assert_int_equal(store_placement_get(fx->s, a.id, "mail", &node), 0);
	assert_int_equal(node, n.id);
	assert_int_equal(store_uindex_get(fx->s, "emaildomain", "example.com",
	    &got), 0);
	assert_string_equal(got.state, "pending");
	assert_string_equal(got.owner_name, "alice");
	/* taken, for anyone; bob's limit does not matter */
	e.owner = b.id;
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100, NULL),
	    STORE_EXISTS);
	/* alice's limit of 1 counts the pending row */
	e.owner = a.id;
	strcpy(e.name, "example.net");
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 1, 100, NULL),
	    STORE_LIMIT);
	assert_int_equal(store_uindex_live(fx->s, "emaildomain",
	    "example.com"), 0);
	assert_int_equal(store_uindex_get(fx->s, "emaildomain", "example.com",
	    &got), 0);
	assert_string_equal(got.state, "live");
	strcpy(e.kind, "email");
	strcpy(e.name, "info@example.com");
	strcpy(e.parent, "example.com");
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100, NULL), 0);
	assert_int_equal(store_uindex_get(fx->s, "email", "info@example.com",
	    &got), 0);
	assert_string_equal(got.parent, "example.com");
	assert_int_equal(store_uindex_pending_of(fx->s, a.id, &cnt), 0);
	assert_int_equal(cnt, 1);
	/* the pending mailbox is what the reconciler sees */
	{
		json_t *rows;

		assert_int_equal(store_uindex_unsettled(fx->s, 200, &rows), 0);
		assert_int_equal(json_array_size(rows), 1);
		json_decref(rows);
	}
	/* the mail domain goes with its mailboxes */
	assert_int_equal(store_uindex_remove(fx->s, "emaildomain", names, 1),
	    0);
	assert_int_equal(store_uindex_get(fx->s, "email", "info@example.com",
	    &got), STORE_NOTFOUND);
	/* a node holding a placement counts it */
	assert_int_equal(store_node_role_placements(fx->s, n.id, "mail",
	    &cnt), 0);
	assert_int_equal(cnt, 1);
	/* a suspended owner reserves nothing */
	b.active = 0;
	assert_int_equal(store_user_set(fx->s, &b, UF_ACTIVE, -1, 100), 0);
	strcpy(e.kind, "domain");
	strcpy(e.name, "bob.example");
	e.owner = b.id;
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100,
	    NULL), STORE_INACTIVE);
	/* a zone inside or above another owner's is taken; one's own is
	 * not */
	strcpy(e.name, "zone.example");
	e.owner = a.id;
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100,
	    NULL), 0);
	strcpy(e.name, "sub.zone.example");
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100,
	    NULL), 0);
	b.active = 1;
	assert_int_equal(store_user_set(fx->s, &b, UF_ACTIVE, -1, 100), 0);
	e.owner = b.id;
	strcpy(e.name, "deep.sub.zone.example");
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100,
	    NULL), STORE_WITHIN);
	strcpy(e.name, "example");
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100,
	    NULL), STORE_COVERS);
	strcpy(e.name, "otherzone.example");
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, NULL, 0, 100,
	    NULL), 0);
	/* an unreserve of a row that is no longer the one reserved does
	 * nothing */
	assert_int_equal(store_uindex_unreserve(fx->s, "domain",
	    "otherzone.example", b.id, n.id, 99), 0);
	assert_int_equal(store_uindex_get(fx->s, "domain",
	    "otherzone.example", &got), 0);
	assert_int_equal(store_uindex_unreserve(fx->s, "domain",
	    "otherzone.example", b.id, n.id, 100), 0);
	assert_int_equal(store_uindex_get(fx->s, "domain",
	    "otherzone.example", &got), STORE_NOTFOUND);
	/* sites and aliases share one namespace; a reservation is all or
	 * nothing, and says which name was taken */
	{
		struct uentry w[3];
		struct uconflict k;
		const char *site[] = { "a.example" };

		memset(w, 0, sizeof(w));
		site_and_alias(w, "a.example", "www.a.example", a.id, n.id);
		assert_int_equal(store_uindex_reserve(fx->s, w, 2, NULL, 0, 100, &k),
		    0);
		w[2] = w[0];
		strcpy(w[2].name, "b.example");
		w[2].owner = b.id;
		strcpy(w[0].name, "www.a.example");	/* an alias as a site */
		w[1] = w[2];
		assert_int_equal(store_uindex_reserve(fx->s, &w[1], 1, NULL, 0, 100,
		    &k), 0);
		assert_int_equal(store_uindex_reserve(fx->s, w, 1, NULL, 0, 100, &k),
		    STORE_EXISTS);
		assert_int_equal(k.index, 0);
		/* the site goes with its aliases */
		assert_int_equal(store_uindex_remove(fx->s, "webdomain", site,
		    1), 0);
		assert_int_equal(store_uindex_get(fx->s, "webalias",
		    "www.a.example", &got), STORE_NOTFOUND);
		assert_int_equal(store_uindex_reserve(fx->s, w, 1, NULL, 0, 100, &k),
		    0);
	}
}

static void
test_policy(void **state)
{
	struct fx *fx = *state;
	const char *k[] = { "placement", "max_nodes" };
	const char *v[] = { "least", "10" };
	const char *v2[] = { "round-robin" };
	char val[64], small[4];

	assert_int_equal(store_policy_get(fx->s, "placement", val,
	    sizeof(val)), STORE_NOTFOUND);
	assert_int_equal(store_policy_set(fx->s, k, v, 2), 0);
	assert_int_equal(store_policy_get(fx->s, "placement", val,
	    sizeof(val)), 0);
	assert_string_equal(val, "least");
	assert_int_equal(store_policy_get(fx->s, "max_nodes", val,
	    sizeof(val)), 0);
	assert_string_equal(val, "10");
	assert_int_equal(store_policy_set(fx->s, k, v2, 1), 0);
	assert_int_equal(store_policy_get(fx->s, "placement", val,
	    sizeof(val)), 0);
	assert_string_equal(val, "round-robin");
	assert_int_equal(store_policy_get(fx->s, "max_nodes", val,
	    sizeof(val)), 0);
	assert_string_equal(val, "10");
	/* a short buffer gets a NUL-terminated prefix */
	assert_int_equal(store_policy_get(fx->s, "placement", small,
	    sizeof(small)), 0);
	assert_string_equal(small, "rou");
	assert_int_equal(store_policy_set(fx->s, k, v, 0), 0);
}

/* ---- reopening ---- */

/* A reservation of one entry (kind, name) by owner on node: its result,
 * and the conflict in *k. */
static int
reserve1(struct store *s, const char *kind, const char *name,
    int64_t owner, int64_t node, struct uconflict *k)
{
	struct uentry e;

	memset(&e, 0, sizeof(e));
	strcpy(e.kind, kind);
	strcpy(e.name, name);
	e.owner = owner;
	e.node = node;
	return store_uindex_reserve(s, &e, 1, NULL, 0, 100, k);
}

/* Squatting: a name at or under another owner's zone is refused, for
 * every kind but a mailbox, with that zone; a zone at or above another
 * owner's zone, site, alias or mail domain is refused too; one's own
 * names are one's own to nest.  Label boundaries count: "notbob.com" is
 * not under "bob.com". */
static void
test_uindex_zones(void **state)
{
	struct fx *fx = *state;
	struct uconflict k;
	int64_t a, b, n;

	a = add_user(fx->s, "alice", "user");
	b = add_user(fx->s, "bob", "user");
	n = add_node(fx->s, "n1", "10.0.0.1");
	assert_int_equal(reserve1(fx->s, "domain", "bob.com", b, n, &k), 0);

	assert_int_equal(reserve1(fx->s, "webdomain", "shop.bob.com", a, n,
	    &k), STORE_WITHIN);
	assert_string_equal(k.zone, "bob.com");
	assert_int_equal(k.index, 0);
	memset(&k, 0, sizeof(k));
	assert_int_equal(reserve1(fx->s, "webalias", "www.shop.bob.com", a, n,
	    &k), STORE_WITHIN);
	assert_string_equal(k.zone, "bob.com");
	assert_int_equal(reserve1(fx->s, "emaildomain", "bob.com", a, n, &k),
	    STORE_WITHIN);
	assert_string_equal(k.zone, "bob.com");
	assert_int_equal(reserve1(fx->s, "webdomain", "bob.com", a, n, &k),
	    STORE_WITHIN);
	assert_int_equal(reserve1(fx->s, "domain", "a.b.c.bob.com", a, n,
	    &k), STORE_WITHIN);
	assert_string_equal(k.zone, "bob.com");
	/* all or nothing: a site whose alias is bob's refuses the site too */
	{
		struct uentry w[2];

		site_and_alias(w, "alice.org", "alice.bob.com", a, n);
		assert_int_equal(store_uindex_reserve(fx->s, w, 2, NULL, 0,
		    100, &k), STORE_WITHIN);
		assert_int_equal(k.index, 1);
		assert_int_equal(reserve1(fx->s, "webdomain", "alice.org", a,
		    n, &k), 0);
	}
	/* not under it */
	assert_int_equal(reserve1(fx->s, "webdomain", "notbob.com", a, n, &k),
	    0);
	assert_int_equal(reserve1(fx->s, "webdomain", "bob.com.alice.org", a,
	    n, &k), 0);
	/* bob's own */
	assert_int_equal(reserve1(fx->s, "webdomain", "shop.bob.com", b, n,
	    &k), 0);
	assert_int_equal(reserve1(fx->s, "emaildomain", "bob.com", b, n, &k),
	    0);
	assert_int_equal(reserve1(fx->s, "domain", "sub.bob.com", b, n, &k),
	    0);

	/* the converse: alice's site and mail domain come first */
	assert_int_equal(reserve1(fx->s, "webdomain", "shop.carol.org", a, n,
	    &k), 0);
	assert_int_equal(reserve1(fx->s, "emaildomain", "dave.org", a, n, &k),
	    0);
	assert_int_equal(reserve1(fx->s, "domain", "carol.org", b, n, &k),
	    STORE_COVERS);
	assert_int_equal(reserve1(fx->s, "domain", "dave.org", b, n, &k),
	    STORE_COVERS);
	assert_int_equal(reserve1(fx->s, "domain", "com", a, n, &k),
	    STORE_COVERS);
	/* the range ends at the label: "notbob.com" is alice's, and a zone
	 * "tbob.com" does not hold it; alice's own zone above hers is hers */
	assert_int_equal(reserve1(fx->s, "domain", "tbob.com", b, n, &k), 0);
	assert_int_equal(reserve1(fx->s, "domain", "carol.org", a, n, &k), 0);
}

static int
user_version(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1,
	    &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

/* A new store at path in dir, closed, then marked as of schema v. */
static void
store_of_version(const char *dir, const char *path, int v)
{
	char err[256] = "", sql[64], *log;
	struct store *s;
	sqlite3 *db;

	s = open_logged(dir, path, err, sizeof(err), &log);
	free(log);
	assert_non_null(s);
	store_close(s);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A store of schema 3 gets the reversed names of the rows it has: a zone
 * above a name made before the upgrade is refused. */
static void
test_uindex_rname_migrated(void **state)
{
	char dir[] = "/tmp/hf-test-store-XXXXXX", path[128], err[256] = "";
	char *log;
	struct store *s;
	struct uconflict k;
	sqlite3 *db;
	int64_t a, b, n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	s = open_logged(dir, path, err, sizeof(err), &log);
	free(log);
	assert_non_null(s);
	a = add_user(s, "alice", "user");
	b = add_user(s, "bob", "user");
	n = add_node(s, "n1", "10.0.0.1");
	assert_int_equal(reserve1(s, "webdomain", "shop.bob.com", a, n, &k),
	    0);
	store_close(s);
	/* back to schema 3: without migration 8's, 7's, 6's, 5's and 4's */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE preset;"
	    "DROP TABLE enroll_step;"
	    "ALTER TABLE node DROP COLUMN "
	    "cert_serial;"
	    "ALTER TABLE node DROP COLUMN cert_next;"
	    "DROP TABLE acct_sync;"
	    "ALTER TABLE user DROP COLUMN acct_ver;"
	    "ALTER TABLE user DROP COLUMN deleting;"
	    "DROP INDEX uindex_rname;"
	    "ALTER TABLE uindex DROP COLUMN rname;"
	    "PRAGMA user_version = 3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = open_logged(dir, path, err, sizeof(err), &log);
	assert_non_null(s);
	assert_non_null(strstr(log, "schema migrated to version 4"));
	free(log);
	assert_int_equal(reserve1(s, "domain", "bob.com", b, n, &k),
	    STORE_COVERS);
	assert_int_equal(reserve1(s, "domain", "ob.com", b, n, &k), 0);
	store_close(s);
	rm_dir(dir);
}

static void
test_reopen(void **state)
{
	char dir[] = "/tmp/hf-test-store-XXXXXX", path[128], err[256] = "";
	char *log, val[64];
	struct store *s;
	struct user u;
	struct node g;
	const char *k[] = { "placement" }, *v[] = { "least" };
	int64_t nid;
	int ver;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);

	s = open_logged(dir, path, err, sizeof(err), &log);
	assert_non_null(s);
	assert_non_null(strstr(log, "schema migrated to version 1"));
	free(log);
	add_user(s, "root", "admin");
	nid = add_node(s, "keep", "10.9.9.9");
	assert_int_equal(store_policy_set(s, k, v, 1), 0);
	store_close(s);
	ver = user_version(path);
	assert_true(ver >= 1);

	s = open_logged(dir, path, err, sizeof(err), &log);
	assert_non_null(s);
	/* no migration ran the second time */
	assert_null(strstr(log, "migrated"));
	free(log);
	assert_int_equal(user_version(path), ver);
	assert_int_equal(store_user_get(s, "root", &u), 0);
	assert_string_equal(u.level, "admin");
	assert_int_equal(store_node_get(s, nid, &g), 0);
	assert_string_equal(g.name, "keep");
	store_node_free(&g);
	assert_int_equal(store_policy_get(s, "placement", val, sizeof(val)),
	    0);
	assert_string_equal(val, "least");
	store_close(s);
	rm_dir(dir);
}

static void
test_newer_schema_refused(void **state)
{
	char dir[] = "/tmp/hf-test-store-XXXXXX", path[128], err[256] = "";

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	store_of_version(dir, path, 100000);
	assert_null(store_open(path, err, sizeof(err)));
	assert_non_null(strstr(err, "newer"));
	rm_dir(dir);
}

static void
test_open_fails(void **state)
{
	char err[256] = "";

	assert_null(store_open("/nonexistent-dir-hf/x/state.db", err,
	    sizeof(err)));
	assert_true(strlen(err) > 0);
	assert_non_null(strstr(err, "/nonexistent-dir-hf/x/state.db"));
}

/* The read-only store (hostfleet dump) beside the writer: it sees the
 * index rows with their state and the intents, and writes nothing; a
 * missing file is not made, and another schema is refused. */
static void
test_readonly(void **state)
{
	struct fx *fx = *state;
	struct store *ro;
	struct user a, b;
	struct node n;
	struct uentry e;
	json_t *rows;
	int64_t id;
	char err[256] = "", path[160];

	memset(&n, 0, sizeof(n));
	strcpy(n.name, "web1");
	strcpy(n.addr, "127.0.0.2");
	n.port = 1501;
	strcpy(n.roles, "web");
	assert_int_equal(store_node_insert(fx->s, &n), 0);
	memset(&a, 0, sizeof(a));
	strcpy(a.name, "alice");
	strcpy(a.level, "user");
	strcpy(a.pwhash, "x");
	a.active = 1;
	assert_int_equal(store_user_create(fx->s, &a), 0);
	memset(&e, 0, sizeof(e));
	strcpy(e.kind, "webdomain");
	strcpy(e.name, "example.com");
	e.owner = a.id;
	e.node = n.id;
	assert_int_equal(store_uindex_reserve(fx->s, &e, 1, "web", 0, 100,
	    NULL), 0);
	assert_int_equal(store_intent_add(fx->s, "firewall", "[1]", 100, &id),
	    0);

	ro = store_open_readonly(fx->path, err, sizeof(err));
	assert_non_null(ro);
	assert_int_equal(store_uindex_list(ro, &rows), 0);
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 0), "name")), "example.com");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 0), "owner")), "alice");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 0), "state")), "pending");
	json_decref(rows);
	assert_int_equal(store_intent_list(ro, &rows), 0);
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 0), "targets")), "[1]");
	json_decref(rows);
	/* the writer's next change is seen; a change through ro is refused */
	assert_int_equal(store_uindex_live(fx->s, "webdomain", "example.com"),
	    0);
	assert_int_equal(store_uindex_list(ro, &rows), 0);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(rows, 0), "state")), "live");
	json_decref(rows);
	memset(&b, 0, sizeof(b));
	strcpy(b.name, "bob");
	strcpy(b.level, "user");
	strcpy(b.pwhash, "x");
	b.active = 1;
	assert_int_equal(store_user_create(ro, &b), -1);
	assert_int_equal(store_user_get(fx->s, "bob", &b), STORE_NOTFOUND);
	store_close(ro);

	snprintf(path, sizeof(path), "%s/absent.db", fx->dir);
	assert_null(store_open_readonly(path, err, sizeof(err)));
	assert_int_equal(access(path, F_OK), -1);
}

static void
test_readonly_other_schema(void **state)
{
	char dir[] = "/tmp/hf-test-store-XXXXXX", path[128], err[256] = "";

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.db", dir);
	store_of_version(dir, path, 1);
	/* an older schema is not migrated by a reader */
	assert_null(store_open_readonly(path, err, sizeof(err)));
	assert_non_null(strstr(err, "schema 1"));
	assert_int_equal(user_version(path), 1);
	rm_dir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_session_expired_from_other_addr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_failures, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_cert, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_node_list_empty, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_user_usage, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_node_polls, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uindex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uindex_zones, setup,
		    teardown),
		cmocka_unit_test(test_uindex_rname_migrated),
		cmocka_unit_test_setup_teardown(test_user_set, setup,
		    teardown),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test_setup_teardown(test_enroll_steps, setup,
		    teardown),
		cmocka_unit_test(test_open_fails),
		cmocka_unit_test_setup_teardown(test_readonly, setup, teardown),
		cmocka_unit_test(test_readonly_other_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
