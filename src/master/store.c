/* store.c - see store.h.  The only file of the master that speaks SQL. */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../common/db.h"
#include "../common/log.h"
#include "../common/util.h"

/* Prepared statements are kept for the next call of the same SQL: every
 * API request runs a few, and compiling them again each time was a good
 * part of a proxied call's cost. */
#define STMT_CACHE	96

struct store {
	sqlite3		*db;
	pthread_mutex_t	 mtx;
	struct {
		char		*sql;
		sqlite3_stmt	*st;
		int		 busy;
	}		 cache[STMT_CACHE];
};

/*
 * Ordered schema migrations: migration i brings user_version from i to
 * i + 1.  A released migration is never edited; a change is a new one.
 */
static const char *migrations[] = {
	/* 1: accounts, sessions, nodes, join tokens, policy */
	"CREATE TABLE user ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  level TEXT NOT NULL CHECK (level IN ('admin','user')),"
	"  active INTEGER NOT NULL DEFAULT 1,"
	"  pwhash TEXT NOT NULL,"
	"  created INTEGER NOT NULL DEFAULT (strftime('%s','now')));"
	"CREATE TABLE session ("
	"  idhash TEXT PRIMARY KEY,"
	"  user INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
	"  addr TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL);"
	"CREATE TABLE login_failure ("
	"  addr TEXT PRIMARY KEY,"
	"  count INTEGER NOT NULL,"
	"  last INTEGER NOT NULL);"
	"CREATE TABLE node ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  addr TEXT NOT NULL UNIQUE,"
	"  port INTEGER NOT NULL,"
	"  ssh_port INTEGER NOT NULL DEFAULT 22,"
	"  roles TEXT NOT NULL DEFAULT '',"
	"  status TEXT NOT NULL DEFAULT 'installing',"
	"  status_msg TEXT NOT NULL DEFAULT '',"
	"  maintenance INTEGER NOT NULL DEFAULT 0,"
	"  userlocked INTEGER NOT NULL DEFAULT 0,"
	"  weight INTEGER NOT NULL DEFAULT 100,"
	"  is_local INTEGER NOT NULL DEFAULT 0,"
	"  joined INTEGER NOT NULL DEFAULT 0,"
	"  machine_id TEXT NOT NULL DEFAULT '',"
	"  hostname TEXT NOT NULL DEFAULT '',"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL DEFAULT (strftime('%s','now')),"
	"  last_seen INTEGER NOT NULL DEFAULT 0,"
	"  misses INTEGER NOT NULL DEFAULT 0,"
	"  stats TEXT);"
	"CREATE TABLE join_token ("
	"  hash TEXT PRIMARY KEY,"
	"  node INTEGER NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	"  expires INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE policy ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",

	/* 2: system data, intents, desync entries, the query log */
	"CREATE TABLE sys_version ("
	"  type TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL,"
	"  next_id INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE sys_item ("
	"  type TEXT NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  data TEXT NOT NULL,"
	"  PRIMARY KEY (type, id));"
	"CREATE TABLE intent ("
	"  id INTEGER PRIMARY KEY,"
	"  type TEXT NOT NULL,"
	"  targets TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE desync ("
	"  node INTEGER NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  reason TEXT NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  gen INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (node, type));"
	"CREATE TABLE query_log ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  func TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  caller TEXT NOT NULL,"
	"  params TEXT NOT NULL,"
	"  targets TEXT NOT NULL,"
	"  results TEXT NOT NULL,"
	"  outcome TEXT NOT NULL);",

	/* 3: users' details and limits, placement, the user-data index */
	"ALTER TABLE user ADD COLUMN fullname TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE user ADD COLUMN uid INTEGER;"
	"ALTER TABLE user ADD COLUMN lim_webdomains INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE user ADD COLUMN lim_domains INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE user ADD COLUMN lim_emaildomains INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE user ADD COLUMN lim_emails INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE user ADD COLUMN lim_disk_mb INTEGER NOT NULL DEFAULT 0;"
	"CREATE UNIQUE INDEX user_uid ON user(uid);"
	"CREATE TABLE placement ("
	"  user INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL,"
	"  node INTEGER NOT NULL REFERENCES node(id),"
	"  PRIMARY KEY (user, role));"
	"CREATE TABLE uindex ("
	"  kind TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  owner INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
	"  node INTEGER NOT NULL REFERENCES node(id),"
	"  parent TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL CHECK (state IN ('pending','live')),"
	"  since INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, name));"
	"CREATE INDEX uindex_owner ON uindex(owner, kind);",
};

static int
exec(struct store *s, const char *sql)
{
	return db_exec(s->db, sql);
}

/* 0 when COMMIT took; else rolled back and -1. */
static int
commit_or_rollback(struct store *s, int rc)
{
	if (rc == 0 && exec(s, "COMMIT") == 0)
		return 0;
	exec(s, "ROLLBACK");
	return rc == 0 ? -1 : rc;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	if ((s->db = db_open(path, "PRAGMA foreign_keys=ON", migrations,
	    nitems(migrations), err, errlen)) == NULL) {
		store_close(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(s->cache[i].st);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mtx);
	free(s);
}

/* A statement for sql, from the cache when it holds an idle one; the
 * caller hands it back with unprep().  Called under the store's lock. */
static sqlite3_stmt *
prep(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int i, slot = -1;

	for (i = 0; i < STMT_CACHE; i++) {
		if (s->cache[i].sql == NULL) {
			if (slot == -1)
				slot = i;
			continue;
		}
		if (!s->cache[i].busy && strcmp(s->cache[i].sql, sql) == 0) {
			s->cache[i].busy = 1;
			return s->cache[i].st;
		}
	}
	if (sqlite3_prepare_v3(s->db, sql, -1, slot >= 0 ?
	    SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
		log_warnx("store: prepare: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	if (slot >= 0) {
		s->cache[slot].sql = xstrdup(sql);
		s->cache[slot].st = st;
		s->cache[slot].busy = 1;
	}
	return st;
}

/* Hands back a statement of prep(): reset for the next call when it is
 * a cached one, finalized otherwise. */
static void
unprep(struct store *s, sqlite3_stmt *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < STMT_CACHE; i++)
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			s->cache[i].busy = 0;
			return;
		}
	sqlite3_finalize(st);
}

static void
lock(struct store *s)
{
	pthread_mutex_lock(&s->mtx);
}

static void
unlock(struct store *s)
{
	pthread_mutex_unlock(&s->mtx);
}

static void
col_text(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	strlcpy_hf(out, t ? (const char *)t : "", outlen);
}

/* Runs a statement that returns no row; 0, STORE_EXISTS or -1. */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc == SQLITE_CONSTRAINT) {
		int x = sqlite3_extended_errcode(s->db);

		if (x == SQLITE_CONSTRAINT_UNIQUE ||
		    x == SQLITE_CONSTRAINT_PRIMARYKEY)
			return STORE_EXISTS;
	}
	log_warnx("store: %s", sqlite3_errmsg(s->db));
	return -1;
}

/* Runs one statement that returns no row, with ?1 and ?2 integers and
 * ?3, ?4 texts (NULL: unbound): 0, STORE_NOTFOUND when notfound is set
 * and no row changed, STORE_EXISTS or -1. */
static int
query_do(struct store *s, const char *sql, int64_t a, int64_t b,
    const char *t3, const char *t4, int notfound)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, sql)) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	if (t3)
		sqlite3_bind_text(st, 3, t3, -1, SQLITE_STATIC);
	if (t4)
		sqlite3_bind_text(st, 4, t4, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	if (rc == 0 && notfound && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	unprep(s, st);
	unlock(s);
	return rc;
}

/* ---- users ---- */

static void
user_row(sqlite3_stmt *st, struct user *u)
{
	u->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, u->name, sizeof(u->name));
	col_text(st, 2, u->level, sizeof(u->level));
	u->active = sqlite3_column_int(st, 3);
	col_text(st, 4, u->pwhash, sizeof(u->pwhash));
	col_text(st, 5, u->fullname, sizeof(u->fullname));
	u->uid = sqlite3_column_int64(st, 6);
	u->lim[LIM_WEBDOMAINS] = sqlite3_column_int64(st, 7);
	u->lim[LIM_DOMAINS] = sqlite3_column_int64(st, 8);
	u->lim[LIM_EMAILDOMAINS] = sqlite3_column_int64(st, 9);
	u->lim[LIM_EMAILS] = sqlite3_column_int64(st, 10);
	u->lim[LIM_DISK_MB] = sqlite3_column_int64(st, 11);
}

#define USER_COLS	"id, name, level, active, pwhash, fullname, " \
	"coalesce(uid, 0), lim_webdomains, lim_domains, lim_emaildomains, " \
	"lim_emails, lim_disk_mb"
#define USER_NCOLS	12

static int
user_get(struct store *s, const char *where, const char *name, int64_t id,
    struct user *u)
{
	char sql[512];
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " USER_COLS " FROM user WHERE %s",
	    where);
	lock(s);
	if ((st = prep(s, sql)) == NULL) {
		unlock(s);
		return -1;
	}
	if (name)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		user_row(st, u);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_user_get(struct store *s, const char *name, struct user *u)
{
	return user_get(s, "name = ?1", name, 0, u);
}

int
store_user_get_id(struct store *s, int64_t id, struct user *u)
{
	return user_get(s, "id = ?1", NULL, id, u);
}

int
store_user_add(struct store *s, const char *name, const char *level,
    const char *pwhash, int64_t *idp)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "INSERT INTO user (name, level, pwhash) "
	    "VALUES (?1, ?2, ?3)")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pwhash, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	if (rc == 0 && idp)
		*idp = sqlite3_last_insert_rowid(s->db);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_user_count(struct store *s, const char *level, int *np)
{
	sqlite3_stmt *st;
	int rc = -1;

	lock(s);
	if ((st = prep(s, "SELECT count(*) FROM user WHERE level = ?1")) !=
	    NULL) {
		sqlite3_bind_text(st, 1, level, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*np = sqlite3_column_int(st, 0);
			rc = 0;
		}
		unprep(s, st);
	}
	unlock(s);
	return rc;
}

/* ---- sessions ---- */

int
store_session_add(struct store *s, const char *idhash, int64_t user,
    const char *addr, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "INSERT INTO session (idhash, user, addr, created,"
	    " last_used) VALUES (?1, ?2, ?3, ?4, ?4)")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user);
	sqlite3_bind_text(st, 3, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_session_use(struct store *s, const char *idhash, const char *addr,
    int64_t now, int64_t idle_s, struct user *u)
{
	sqlite3_stmt *st;
	int rc;
	int64_t last;
	char saddr[64];

	lock(s);
	if ((st = prep(s, "SELECT u.id, u.name, u.level, u.active, u.pwhash,"
	    " u.fullname, coalesce(u.uid, 0), u.lim_webdomains, u.lim_domains,"
	    " u.lim_emaildomains, u.lim_emails, u.lim_disk_mb,"
	    " s.addr, s.last_used FROM session s JOIN user u ON u.id = s.user"
	    " WHERE s.idhash = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		unprep(s, st);
		unlock(s);
		return rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	}
	user_row(st, u);
	col_text(st, USER_NCOLS, saddr, sizeof(saddr));
	last = sqlite3_column_int64(st, USER_NCOLS + 1);
	unprep(s, st);
	if (now - last >= idle_s) {
		if ((st = prep(s, "DELETE FROM session WHERE idhash = ?1 OR "
		    "last_used <= ?2")) != NULL) {
			sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now - idle_s);
			step_done(s, st);
			unprep(s, st);
		}
		unlock(s);
		return STORE_NOTFOUND;
	}
	if (strcmp(saddr, addr) != 0) {
		unlock(s);
		return STORE_NOTFOUND;
	}
	/* Writing last_used on every call would make every read a write;
	 * a granularity of a few seconds is enough for a one-hour timeout. */
	if (now - last >= 5 &&
	    (st = prep(s, "UPDATE session SET last_used = ?2 WHERE "
	    "idhash = ?1")) != NULL) {
		sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		step_done(s, st);
		unprep(s, st);
	}
	unlock(s);
	return 0;
}

int
store_session_delete(struct store *s, const char *idhash)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "DELETE FROM session WHERE idhash = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

/* ---- failed logins ---- */

int
store_login_failures(struct store *s, const char *addr, int *count,
    int64_t *last)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	*last = 0;
	lock(s);
	if ((st = prep(s, "SELECT count, last FROM login_failure WHERE "
	    "addr = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	unprep(s, st);
	unlock(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_login_failed(struct store *s, const char *addr, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	/* A failure more than 15 minutes after the last one starts over. */
	if ((st = prep(s, "INSERT INTO login_failure (addr, count, last) "
	    "VALUES (?1, 1, ?2) ON CONFLICT (addr) DO UPDATE SET "
	    "count = CASE WHEN last < ?2 - 900 THEN 1 ELSE count + 1 END,"
	    " last = ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_login_ok(struct store *s, const char *addr)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "DELETE FROM login_failure WHERE addr = ?1")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

/* ---- nodes ---- */

#define NODE_COLS	"id, name, addr, port, ssh_port, roles, status, " \
	"status_msg, maintenance, userlocked, weight, is_local, joined, " \
	"machine_id, hostname, comment, created, last_seen, misses, stats"

static void
node_row(sqlite3_stmt *st, struct node *n)
{
	const unsigned char *stats;

	memset(n, 0, sizeof(*n));
	n->id = sqlite3_column_int64(st, 0);
	col_text(st, 1, n->name, sizeof(n->name));
	col_text(st, 2, n->addr, sizeof(n->addr));
	n->port = sqlite3_column_int(st, 3);
	n->ssh_port = sqlite3_column_int(st, 4);
	col_text(st, 5, n->roles, sizeof(n->roles));
	col_text(st, 6, n->status, sizeof(n->status));
	col_text(st, 7, n->status_msg, sizeof(n->status_msg));
	n->maintenance = sqlite3_column_int(st, 8);
	n->userlocked = sqlite3_column_int(st, 9);
	n->weight = sqlite3_column_int(st, 10);
	n->is_local = sqlite3_column_int(st, 11);
	n->joined = sqlite3_column_int(st, 12);
	col_text(st, 13, n->machine_id, sizeof(n->machine_id));
	col_text(st, 14, n->hostname, sizeof(n->hostname));
	col_text(st, 15, n->comment, sizeof(n->comment));
	n->created = sqlite3_column_int64(st, 16);
	n->last_seen = sqlite3_column_int64(st, 17);
	n->misses = sqlite3_column_int(st, 18);
	stats = sqlite3_column_text(st, 19);
	n->stats = stats ? xstrdup((const char *)stats) : NULL;
}

void
store_node_free(struct node *n)
{
	free(n->stats);
	n->stats = NULL;
}

void
store_nodes_free(struct node *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_node_free(&v[i]);
	free(v);
}

int
store_node_list(struct store *s, struct node **out, size_t *np)
{
	struct node *v = NULL;
	size_t n = 0, alloc = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*np = 0;
	lock(s);
	if ((st = prep(s, "SELECT " NODE_COLS " FROM node ORDER BY id")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xrealloc(v, alloc * sizeof(*v));
		}
		node_row(st, &v[n++]);
	}
	unprep(s, st);
	unlock(s);
	if (rc != SQLITE_DONE) {
		store_nodes_free(v, n);
		return -1;
	}
	*out = v;
	*np = n;
	return 0;
}

int
store_node_get(struct store *s, int64_t id, struct node *n)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "SELECT " NODE_COLS " FROM node WHERE id = ?1")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		node_row(st, n);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

static void
bind_node_fields(sqlite3_stmt *st, const struct node *n)
{
	sqlite3_bind_text(st, 1, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->addr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, n->port);
	sqlite3_bind_int(st, 4, n->ssh_port);
	sqlite3_bind_text(st, 5, n->roles, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, n->maintenance);
	sqlite3_bind_int(st, 7, n->userlocked);
	sqlite3_bind_int(st, 8, n->weight);
	sqlite3_bind_int(st, 9, n->is_local);
	sqlite3_bind_text(st, 10, n->comment, -1, SQLITE_STATIC);
}

int
store_node_insert(struct store *s, struct node *n)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "INSERT INTO node (name, addr, port, ssh_port, "
	    "roles, maintenance, userlocked, weight, is_local, comment) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")) == NULL) {
		unlock(s);
		return -1;
	}
	bind_node_fields(st, n);
	rc = step_done(s, st);
	if (rc == 0)
		n->id = sqlite3_last_insert_rowid(s->db);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_node_update(struct store *s, const struct node *n)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "UPDATE node SET name = ?1, addr = ?2, port = ?3, "
	    "ssh_port = ?4, roles = ?5, maintenance = ?6, userlocked = ?7, "
	    "weight = ?8, is_local = ?9, comment = ?10 WHERE id = ?11")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	bind_node_fields(st, n);
	sqlite3_bind_int64(st, 11, n->id);
	rc = step_done(s, st);
	if (rc == 0 && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_node_delete(struct store *s, int64_t id)
{
	return query_do(s, "DELETE FROM node WHERE id = ?1", id, 0, NULL,
	    NULL, 1);
}

int
store_node_joined(struct store *s, int64_t id, const char *machine_id,
    const char *hostname)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "UPDATE node SET joined = 1, machine_id = ?2, "
	    "hostname = ?3, status = 'installing', status_msg = "
	    "'joined, waiting for its first report', misses = 0 "
	    "WHERE id = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, machine_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, hostname, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_node_polls(struct store *s, const struct node_poll *p, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	/* A node that answers with entries left to synchronise is syncing,
	 * not ready, even if one was registered since the caller looked. */
	if ((st = prep(s, "UPDATE node SET status = CASE WHEN ?2 = 'ready' AND "
	    "EXISTS (SELECT 1 FROM desync WHERE node = ?1) THEN 'syncing' "
	    "ELSE ?2 END, status_msg = ?3, "
	    "last_seen = CASE WHEN ?4 > 0 THEN ?4 ELSE last_seen END, "
	    "misses = ?5, stats = coalesce(?6, stats) WHERE id = ?1")) ==
	    NULL) {
		exec(s, "ROLLBACK");
		unlock(s);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_int64(st, 1, p[i].id);
		sqlite3_bind_text(st, 2, p[i].status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p[i].status_msg, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, p[i].last_seen);
		sqlite3_bind_int(st, 5, p[i].misses);
		if (p[i].stats)
			sqlite3_bind_text(st, 6, p[i].stats, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		rc = step_done(s, st);
		sqlite3_reset(st);
	}
	unprep(s, st);
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

int
store_node_installing(struct store *s, int64_t id, const char *msg)
{
	return query_do(s, "UPDATE node SET status = 'installing', "
	    "status_msg = ?3 WHERE id = ?1 AND status IN ('ready', 'syncing', "
	    "'error')", id, 0, msg, NULL, 0);
}

/* ---- join tokens ---- */

int
store_token_add(struct store *s, const char *hash, int64_t node,
    int64_t expires)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	/* A new token replaces every unused one of the node. */
	if ((st = prep(s, "DELETE FROM join_token WHERE node = ?1")) != NULL) {
		sqlite3_bind_int64(st, 1, node);
		step_done(s, st);
		unprep(s, st);
	}
	if ((st = prep(s, "INSERT INTO join_token (hash, node, expires) "
	    "VALUES (?1, ?2, ?3)")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, node);
	sqlite3_bind_int64(st, 3, expires);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_token_take(struct store *s, const char *hash, int64_t now,
    int64_t *node)
{
	sqlite3_stmt *st;
	int rc, used;
	int64_t expires;

	lock(s);
	if ((st = prep(s, "SELECT node, expires, used FROM join_token WHERE "
	    "hash = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		unprep(s, st);
		unlock(s);
		return rc == SQLITE_DONE ? TOKEN_UNKNOWN : -1;
	}
	*node = sqlite3_column_int64(st, 0);
	expires = sqlite3_column_int64(st, 1);
	used = sqlite3_column_int(st, 2);
	unprep(s, st);
	if (used) {
		unlock(s);
		return TOKEN_USED;
	}
	if (now >= expires) {
		unlock(s);
		return TOKEN_EXPIRED;
	}
	if ((st = prep(s, "UPDATE join_token SET used = ?2 WHERE hash = ?1 "
	    "AND used = 0")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	rc = step_done(s, st);
	if (rc == 0 && sqlite3_changes(s->db) != 1)
		rc = TOKEN_USED;
	unprep(s, st);
	unlock(s);
	return rc;
}

/* ---- policy ---- */

int
store_policy_get(struct store *s, const char *key, char *val, size_t vlen)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "SELECT value FROM policy WHERE key = ?1")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, val, vlen);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_policy_set(struct store *s, const char *const *keys,
    const char *const *vals, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if ((st = prep(s, "INSERT INTO policy (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value")) ==
	    NULL) {
		exec(s, "ROLLBACK");
		unlock(s);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, vals[i], -1, SQLITE_STATIC);
		rc = step_done(s, st);
		sqlite3_reset(st);
	}
	unprep(s, st);
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

/* ---- system data ---- */

int
store_sys_state(struct store *s, const char *type, int64_t *version,
    json_t **items)
{
	sqlite3_stmt *st;
	int rc;

	*version = 0;
	*items = json_array();
	lock(s);
	if ((st = prep(s, "SELECT version FROM sys_version WHERE type = ?1")) ==
	    NULL)
		goto fail;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	unprep(s, st);
	if ((st = prep(s, "SELECT data FROM sys_item WHERE type = ?1 "
	    "ORDER BY id")) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *j = json_loads((const char *)sqlite3_column_text(st, 0),
		    0, NULL);

		if (j)
			json_array_append_new(*items, j);
	}
	unprep(s, st);
	unlock(s);
	return rc == SQLITE_DONE ? 0 : -1;
fail:
	unlock(s);
	json_decref(*items);
	*items = NULL;
	return -1;
}

int
store_sys_version(struct store *s, const char *type, int64_t *version)
{
	sqlite3_stmt *st;

	*version = 0;
	lock(s);
	if ((st = prep(s, "SELECT version FROM sys_version WHERE type = ?1")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	unprep(s, st);
	unlock(s);
	return 0;
}

int
store_sys_get(struct store *s, const char *type, int64_t id, json_t **item)
{
	sqlite3_stmt *st;
	int rc;

	*item = NULL;
	lock(s);
	if ((st = prep(s, "SELECT data FROM sys_item WHERE type = ?1 AND "
	    "id = ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*item = json_loads((const char *)sqlite3_column_text(st, 0), 0,
		    NULL);
		rc = *item ? 0 : -1;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_sys_next_id(struct store *s, const char *type, int64_t *id)
{
	sqlite3_stmt *st;
	int rc = -1;

	lock(s);
	if ((st = prep(s, "INSERT INTO sys_version (type, version, next_id) "
	    "VALUES (?1, 0, 2) ON CONFLICT (type) DO UPDATE SET "
	    "next_id = next_id + 1 RETURNING next_id - 1")) != NULL) {
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*id = sqlite3_column_int64(st, 0);
			rc = 0;
		}
		unprep(s, st);
	}
	unlock(s);
	return rc;
}

int
store_sys_seed(struct store *s, const char *type, const json_t *items,
    int *seeded)
{
	sqlite3_stmt *st;
	const json_t *v;
	size_t i;
	int rc = 0, had = 1;

	*seeded = 0;
	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if ((st = prep(s, "SELECT EXISTS (SELECT 1 FROM sys_version WHERE "
	    "type = ?1) OR EXISTS (SELECT 1 FROM sys_item WHERE type = ?1)")) ==
	    NULL)
		rc = -1;
	else {
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			had = sqlite3_column_int(st, 0);
		else
			rc = -1;
		unprep(s, st);
	}
	if (rc == 0 && !had) {
		if ((st = prep(s, "INSERT INTO sys_item (type, id, data) "
		    "VALUES (?1, ?2, ?3)")) == NULL)
			rc = -1;
		json_array_foreach(items, i, v) {
			if (rc != 0)
				break;
			sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, json_integer_value(
			    json_object_get(v, "id")));
			sqlite3_bind_text(st, 3, json_dumps(v, JSON_COMPACT |
			    JSON_PRESERVE_ORDER), -1, free);
			rc = step_done(s, st);
			sqlite3_reset(st);
		}
		if (st)
			unprep(s, st);
		if (rc == 0 && (st = prep(s, "INSERT INTO sys_version (type, "
		    "version, next_id) VALUES (?1, 1, ?2)")) != NULL) {
			sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, (int64_t)json_array_size(items)
			    + 1);
			rc = step_done(s, st);
			unprep(s, st);
		} else if (rc == 0)
			rc = -1;
		*seeded = rc == 0;
	}
	rc = commit_or_rollback(s, rc);
	if (rc != 0)
		*seeded = 0;
	unlock(s);
	return rc == 0 ? 0 : -1;
}

/* Registers (node, type) inside an open transaction; 0 or -1. */
static int
desync_add_locked(struct store *s, int64_t node, const char *type,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, "INSERT INTO desync (node, type, reason, since) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (node, type) DO UPDATE SET "
	    "reason = excluded.reason, gen = gen + 1, next_try = 0")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = step_done(s, st);
	unprep(s, st);
	if (rc != 0)
		return -1;
	/* a ready node with something to synchronise is syncing */
	if ((st = prep(s, "UPDATE node SET status = 'syncing' WHERE id = ?1 "
	    "AND status = 'ready'")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, node);
	rc = step_done(s, st);
	unprep(s, st);
	return rc == 0 ? 0 : -1;
}

int
store_desync_add(struct store *s, const int64_t *nodes, size_t n,
    const char *type, const char *reason, int64_t now)
{
	size_t i;
	int rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++)
		rc = desync_add_locked(s, nodes[i], type, reason, now);
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

int
store_intent_add(struct store *s, const char *type, const char *targets,
    int64_t now, int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "INSERT INTO intent (type, targets, created) "
	    "VALUES (?1, ?2, ?3)")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, targets, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	rc = step_done(s, st);
	*id = sqlite3_last_insert_rowid(s->db);
	unprep(s, st);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

int
store_intent_recover(struct store *s, int64_t now, int *count)
{
	sqlite3_stmt *st, *del;
	int rc = 0;

	*count = 0;
	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if ((st = prep(s, "SELECT id, type, targets FROM intent")) == NULL) {
		exec(s, "ROLLBACK");
		unlock(s);
		return -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 1);
		json_t *t = json_loads((const char *)sqlite3_column_text(st, 2),
		    0, NULL), *v;
		size_t i;

		json_array_foreach(t, i, v)
			if (rc == 0)
				rc = desync_add_locked(s, json_integer_value(v),
				    type, "the master stopped during a "
				    "distributed query", now);
		json_decref(t);
		(*count)++;
	}
	unprep(s, st);
	if (rc == 0 && (del = prep(s, "DELETE FROM intent")) != NULL) {
		rc = step_done(s, del);
		unprep(s, del);
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

/* Inside a transaction: logs one query. */
static int
log_locked(struct store *s, const struct query_rec *q, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, "INSERT INTO query_log (time, func, type, caller, "
	    "params, targets, results, outcome) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8)")) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, q->func, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, q->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, q->caller, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, q->params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, q->targets, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, q->results, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, q->outcome, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	/* keep the last 10,000 queries */
	if (rc == 0 && (st = prep(s, "DELETE FROM query_log WHERE id <= "
	    "(SELECT max(id) FROM query_log) - 10000")) != NULL) {
		rc = step_done(s, st);
		unprep(s, st);
	}
	return rc == 0 ? 0 : -1;
}

int
store_query_finish(struct store *s, const struct query_rec *q,
    int64_t intent, const json_t *puts, const json_t *deletes,
    int64_t new_version, const int64_t *desync, size_t ndesync,
    const char *reason, int64_t now)
{
	sqlite3_stmt *st;
	size_t i;
	json_t *v;
	int rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if (new_version > 0) {
		if ((st = prep(s, "INSERT INTO sys_item (type, id, data) VALUES "
		    "(?1, ?2, ?3) ON CONFLICT (type, id) DO UPDATE SET "
		    "data = excluded.data")) == NULL)
			rc = -1;
		json_array_foreach(puts, i, v) {
			char *d;

			if (rc != 0)
				break;
			d = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
			sqlite3_bind_text(st, 1, q->type, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2,
			    json_integer_value(json_object_get(v, "id")));
			sqlite3_bind_text(st, 3, d, -1, free);
			rc = step_done(s, st);
			sqlite3_reset(st);
		}
		unprep(s, st);
		if (rc == 0 && (st = prep(s, "DELETE FROM sys_item WHERE "
		    "type = ?1 AND id = ?2")) != NULL) {
			json_array_foreach(deletes, i, v) {
				if (rc != 0)
					break;
				sqlite3_bind_text(st, 1, q->type, -1,
				    SQLITE_STATIC);
				sqlite3_bind_int64(st, 2, json_integer_value(v));
				rc = step_done(s, st);
				sqlite3_reset(st);
			}
			unprep(s, st);
		}
		if (rc == 0 && (st = prep(s, "INSERT INTO sys_version (type, "
		    "version) VALUES (?1, ?2) ON CONFLICT (type) DO UPDATE SET "
		    "version = excluded.version")) != NULL) {
			sqlite3_bind_text(st, 1, q->type, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, new_version);
			rc = step_done(s, st);
			unprep(s, st);
		}
	}
	for (i = 0; i < ndesync && rc == 0; i++)
		rc = desync_add_locked(s, desync[i], q->type, reason, now);
	if (rc == 0 && (st = prep(s, "DELETE FROM intent WHERE id = ?1")) !=
	    NULL) {
		sqlite3_bind_int64(st, 1, intent);
		rc = step_done(s, st);
		unprep(s, st);
	}
	if (rc == 0)
		rc = log_locked(s, q, now);
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

int
store_query_log(struct store *s, int64_t id, int limit, json_t **rows)
{
	sqlite3_stmt *st;

	*rows = json_array();
	lock(s);
	if ((st = prep(s, "SELECT id, time, func, type, caller, params, "
	    "targets, results, outcome FROM query_log WHERE ?1 = 0 OR id = ?1 "
	    "ORDER BY id DESC LIMIT ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, limit);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_t *r = json_object();
		int i;
		static const char *const cols[] = { "id", "time", "func",
		    "type", "caller", "params", "targets", "results",
		    "outcome" };

		for (i = 0; i < 9; i++)
			json_object_set_new(r, cols[i], json_string(
			    (const char *)sqlite3_column_text(st, i)));
		json_array_append_new(*rows, r);
	}
	unprep(s, st);
	unlock(s);
	return 0;
}

int
store_desync_list(struct store *s, int64_t due_before, json_t **rows)
{
	sqlite3_stmt *st;

	*rows = json_array();
	lock(s);
	if ((st = prep(s, "SELECT d.node, n.name, d.type, d.reason, d.since, "
	    "d.attempts, d.last_error, d.next_try, d.gen, n.status, "
	    "n.maintenance, n.last_seen FROM desync d JOIN node n ON "
	    "n.id = d.node "
	    "WHERE ?1 = 0 OR d.next_try <= ?1 ORDER BY d.node, d.type")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, due_before);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(*rows, json_pack(
		    "{s:I,s:s,s:s,s:s,s:I,s:i,s:s,s:I,s:I,s:s,s:i,s:I}",
		    "node", (json_int_t)sqlite3_column_int64(st, 0),
		    "name", (const char *)sqlite3_column_text(st, 1),
		    "type", (const char *)sqlite3_column_text(st, 2),
		    "reason", (const char *)sqlite3_column_text(st, 3),
		    "since", (json_int_t)sqlite3_column_int64(st, 4),
		    "attempts", sqlite3_column_int(st, 5),
		    "last_error", (const char *)sqlite3_column_text(st, 6),
		    "next_try", (json_int_t)sqlite3_column_int64(st, 7),
		    "gen", (json_int_t)sqlite3_column_int64(st, 8),
		    "status", (const char *)sqlite3_column_text(st, 9),
		    "maintenance", sqlite3_column_int(st, 10),
		    "last_seen", (json_int_t)sqlite3_column_int64(st, 11)));
	unprep(s, st);
	unlock(s);
	return 0;
}

int
store_desync_done(struct store *s, int64_t node, const char *type,
    int64_t gen, int64_t version)
{
	sqlite3_stmt *st;
	int rc = -1;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	/* Only the entry that was synchronised: one registered meanwhile
	 * (gen moved on) stays, and so does one whose type got a newer
	 * version while the push was on its way. */
	if ((st = prep(s, "DELETE FROM desync WHERE node = ?1 AND type = ?2 "
	    "AND gen = ?3 AND (SELECT coalesce(max(version), 0) FROM "
	    "sys_version WHERE type = ?2) = ?4")) != NULL) {
		sqlite3_bind_int64(st, 1, node);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, gen);
		sqlite3_bind_int64(st, 4, version);
		rc = step_done(s, st);
		unprep(s, st);
	}
	if (rc == 0 && (st = prep(s, "UPDATE node SET status = 'ready', "
	    "status_msg = '' WHERE id = ?1 AND status = 'syncing' AND NOT "
	    "EXISTS (SELECT 1 FROM desync WHERE node = ?1)")) != NULL) {
		sqlite3_bind_int64(st, 1, node);
		rc = step_done(s, st);
		unprep(s, st);
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

int
store_desync_failed(struct store *s, int64_t node, const char *type,
    const char *error, int64_t next_try)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "UPDATE desync SET attempts = attempts + 1, "
	    "last_error = ?3, next_try = ?4 WHERE node = ?1 AND type = ?2")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, next_try);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_desync_count(struct store *s, int64_t node, int *n)
{
	sqlite3_stmt *st;
	int rc = -1;

	*n = 0;
	lock(s);
	if ((st = prep(s, "SELECT count(*) FROM desync WHERE node = ?1")) !=
	    NULL) {
		sqlite3_bind_int64(st, 1, node);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*n = sqlite3_column_int(st, 0);
			rc = 0;
		}
		unprep(s, st);
	}
	unlock(s);
	return rc;
}

int
store_desync_has(struct store *s, int64_t node, const char *type, int *has)
{
	sqlite3_stmt *st;
	int rc = -1;

	*has = 0;
	lock(s);
	if ((st = prep(s, "SELECT 1 FROM desync WHERE node = ?1 AND "
	    "type = ?2")) != NULL) {
		sqlite3_bind_int64(st, 1, node);
		sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
		*has = sqlite3_step(st) == SQLITE_ROW;
		unprep(s, st);
		rc = 0;
	}
	unlock(s);
	return rc;
}

/* ---- rows as JSON ---- */

/* Every row of st as an object named by the columns: integers as numbers,
 * the rest as strings.  Finalizes st. */
static json_t *
rows_json(struct store *s, sqlite3_stmt *st, int *rcp)
{
	json_t *rows = json_array();
	int i, rc, n = sqlite3_column_count(st);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *r = json_object();

		for (i = 0; i < n; i++) {
			const char *name = sqlite3_column_name(st, i);

			if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
				json_object_set_new(r, name, json_integer(
				    sqlite3_column_int64(st, i)));
			else if (sqlite3_column_type(st, i) == SQLITE_NULL)
				json_object_set_new(r, name, json_string(""));
			else
				json_object_set_new(r, name, json_string(
				    (const char *)sqlite3_column_text(st, i)));
		}
		json_array_append_new(rows, r);
	}
	/* a step that failed is not the end of the rows */
	*rcp = rc == SQLITE_DONE ? 0 : -1;
	if (*rcp == -1)
		log_warnx("store: %s", sqlite3_errmsg(s->db));
	unprep(s, st);
	return rows;
}

/* Runs sql with one integer and one text parameter (either may be unused)
 * and answers its rows. */
static int
query_rows(struct store *s, const char *sql, int64_t a, const char *b,
    json_t **rows)
{
	sqlite3_stmt *st;
	int rc;

	*rows = NULL;
	lock(s);
	if ((st = prep(s, sql)) == NULL) {
		unlock(s);
		*rows = json_array();
		return -1;
	}
	sqlite3_bind_int64(st, 1, a);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	*rows = rows_json(s, st, &rc);
	unlock(s);
	return rc;
}

/* One integer answer of sql with the same parameters. */
static int
query_int(struct store *s, const char *sql, int64_t a, const char *b,
    int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, sql)) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, a);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

/* A count of query_int()'s form into *n; 0 or -1. */
static int
query_count(struct store *s, const char *sql, int64_t a, const char *b,
    int *n)
{
	int64_t v = 0;
	int rc = query_int(s, sql, a, b, &v);

	*n = (int)v;
	return rc == 0 ? 0 : -1;
}

/* ---- users (more) ---- */

static void
bind_user(sqlite3_stmt *st, const struct user *u)
{
	int i;

	sqlite3_bind_text(st, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->level, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, u->active);
	sqlite3_bind_text(st, 4, u->pwhash, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, u->fullname, -1, SQLITE_STATIC);
	for (i = 0; i < LIM_N; i++)
		sqlite3_bind_int64(st, 6 + i, u->lim[i]);
	sqlite3_bind_int64(st, 6 + LIM_N, u->id);
}

int
store_user_create(struct store *s, struct user *u)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	/* UIDs are never taken twice: the next one is above the highest ever
	 * given, which sys_version keeps under the name "uid". */
	if ((st = prep(s, "INSERT INTO user (name, level, active, pwhash, "
	    "fullname, lim_webdomains, lim_domains, lim_emaildomains, "
	    "lim_emails, lim_disk_mb, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, CASE WHEN ?2 = 'user' THEN max(2000, "
	    "coalesce((SELECT max(uid) + 1 FROM user), 2000), "
	    "coalesce((SELECT version FROM sys_version WHERE type = 'uid'), "
	    "0)) END)")) == NULL) {
		exec(s, "ROLLBACK");
		unlock(s);
		return -1;
	}
	bind_user(st, u);
	rc = step_done(s, st);
	unprep(s, st);
	if (rc == 0) {
		u->id = sqlite3_last_insert_rowid(s->db);
		if ((st = prep(s, "SELECT coalesce(uid, 0) FROM user WHERE "
		    "id = ?1")) != NULL) {
			sqlite3_bind_int64(st, 1, u->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				u->uid = sqlite3_column_int64(st, 0);
			unprep(s, st);
		}
		if (u->uid > 0 && (st = prep(s, "INSERT INTO sys_version "
		    "(type, version) VALUES ('uid', ?1) ON CONFLICT (type) DO "
		    "UPDATE SET version = ?1")) != NULL) {
			sqlite3_bind_int64(st, 1, u->uid + 1);
			rc = step_done(s, st);
			unprep(s, st);
		}
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

int
store_user_update(struct store *s, const struct user *u)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "UPDATE user SET level = ?2, active = ?3, "
	    "pwhash = ?4, fullname = ?5, lim_webdomains = ?6, "
	    "lim_domains = ?7, lim_emaildomains = ?8, lim_emails = ?9, "
	    "lim_disk_mb = ?10, uid = CASE WHEN uid IS NULL AND ?2 = 'user' "
	    "THEN max(2000, coalesce((SELECT max(uid) + 1 FROM user), 2000), "
	    "coalesce((SELECT version FROM sys_version WHERE type = 'uid'), "
	    "0)) ELSE uid END WHERE id = ?11 AND ?1 = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	bind_user(st, u);
	rc = step_done(s, st);
	unprep(s, st);
	/* a UID given here is never given again either */
	if (rc == 0 && (st = prep(s, "INSERT INTO sys_version (type, version) "
	    "SELECT 'uid', coalesce(max(uid) + 1, 0) FROM user WHERE 1 "
	    "ON CONFLICT (type) DO UPDATE SET version = max(version, "
	    "excluded.version)")) != NULL) {
		rc = step_done(s, st);
		unprep(s, st);
	}
	unlock(s);
	return rc;
}

int
store_user_delete(struct store *s, int64_t id)
{
	return query_do(s, "DELETE FROM user WHERE id = ?1", id, 0, NULL,
	    NULL, 1);
}

/* The bytes users' homes take, summed over the last stats of every node
 * (usage.c on the node): rows (name, bytes), parsed once per node. */
#define USAGE_BY_NAME "(SELECT j.key AS name, sum(j.value) AS bytes " \
	"FROM node n, json_each(n.stats, '$.usage') j GROUP BY j.key)"

int
store_user_usage(struct store *s, const char *name, int64_t *bytes)
{
	return query_int(s, "SELECT coalesce(sum(j.value), 0) FROM node n, "
	    "json_each(n.stats, '$.usage') j WHERE j.key = ?2 AND ?1 = ?1",
	    0, name, bytes);
}

int
store_user_list(struct store *s, json_t **rows)
{
	return query_rows(s, "SELECT u.name, u.fullname, u.level, "
	    "CASE u.active WHEN 0 THEN 'off' ELSE 'on' END AS active, "
	    "coalesce(u.uid, 0) AS uid, "
	    "(coalesce(us.bytes, 0) + 1048575) / 1048576 AS quota_used, "
	    "u.lim_disk_mb AS limit_quota, "
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND "
	    "x.kind = 'webdomain') AS webdomains, "
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND "
	    "x.kind = 'domain') AS domains, "
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND "
	    "x.kind = 'emaildomain') AS emaildomains, "
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND "
	    "x.kind = 'email') AS emails "
	    "FROM user u LEFT JOIN " USAGE_BY_NAME " us ON us.name = u.name "
	    "WHERE ?1 = ?1 ORDER BY u.name", 0, NULL, rows);
}

/* ---- placement ---- */

int
store_placement_get(struct store *s, int64_t user, const char *role,
    int64_t *node)
{
	return query_int(s, "SELECT node FROM placement WHERE user = ?1 AND "
	    "role = ?2", user, role, node);
}

int
store_placement_list(struct store *s, int64_t user, json_t **rows)
{
	return query_rows(s, "SELECT p.role, n.name AS node, p.node AS "
	    "node_id, n.addr FROM placement p JOIN node n ON n.id = p.node WHERE "
	    "p.user = ?1 ORDER BY CASE p.role WHEN 'web' THEN 1 WHEN 'dns' "
	    "THEN 2 ELSE 3 END", user, NULL, rows);
}

int
store_placement_counts(struct store *s, const char *role, json_t **counts)
{
	json_t *rows, *r;
	size_t i;
	char key[32];

	if (query_rows(s, "SELECT node, count(*) AS n FROM placement WHERE "
	    "?1 = ?1 AND role = ?2 GROUP BY node", 0, role, &rows) == -1) {
		json_decref(rows);
		return -1;
	}
	*counts = json_object();
	json_array_foreach(rows, i, r) {
		snprintf(key, sizeof(key), "%lld", (long long)
		    json_integer_value(json_object_get(r, "node")));
		json_object_set(*counts, key, json_object_get(r, "n"));
	}
	json_decref(rows);
	return 0;
}

int
store_user_nodes(struct store *s, int64_t user, int64_t **nodes, size_t *n)
{
	json_t *rows, *r;
	size_t i;

	*nodes = NULL;
	*n = 0;
	if (query_rows(s, "SELECT DISTINCT node FROM placement WHERE "
	    "user = ?1 ORDER BY node", user, NULL, &rows) == -1) {
		json_decref(rows);
		return -1;
	}
	if (json_array_size(rows) > 0)
		*nodes = xcalloc(json_array_size(rows), sizeof(**nodes));
	json_array_foreach(rows, i, r)
		(*nodes)[(*n)++] = json_integer_value(json_object_get(r,
		    "node"));
	json_decref(rows);
	return 0;
}

int
store_node_role_placements(struct store *s, int64_t node, const char *role,
    int *n)
{
	return query_count(s, "SELECT count(*) FROM placement WHERE "
	    "node = ?1 AND role = ?2", node, role, n);
}

int
store_node_placements(struct store *s, int64_t node, int *n)
{
	return query_count(s, "SELECT count(*) FROM placement WHERE "
	    "node = ?1", node, NULL, n);
}

/* ---- the user-data index ---- */

int
store_uindex_get(struct store *s, const char *kind, const char *name,
    struct uentry *e)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "SELECT x.kind, x.name, x.owner, u.name, x.node, "
	    "x.parent, x.state, x.since FROM uindex x JOIN user u ON "
	    "u.id = x.owner WHERE x.kind = ?1 AND x.name = ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(e, 0, sizeof(*e));
		col_text(st, 0, e->kind, sizeof(e->kind));
		col_text(st, 1, e->name, sizeof(e->name));
		e->owner = sqlite3_column_int64(st, 2);
		col_text(st, 3, e->owner_name, sizeof(e->owner_name));
		e->node = sqlite3_column_int64(st, 4);
		col_text(st, 5, e->parent, sizeof(e->parent));
		col_text(st, 6, e->state, sizeof(e->state));
		e->since = sqlite3_column_int64(st, 7);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

/* Whether name is taken in the web namespace of sites and aliases, or
 * under kind otherwise.  Called under the lock; -1 on failure. */
static int
name_taken(struct store *s, const char *kind, const char *name,
    int64_t owner)
{
	int web = strcmp(kind, "webdomain") == 0 ||
	    strcmp(kind, "webalias") == 0;
	sqlite3_stmt *st;
	int rc;

	/* a zone inside or above another owner's zone would answer for
	 * names of theirs: taken too */
	if ((st = prep(s, "SELECT 1 FROM uindex WHERE (name = ?2 AND "
	    "(kind = ?1 OR (?3 AND kind IN ('webdomain', 'webalias')))) OR "
	    "(?1 = 'domain' AND kind = 'domain' AND owner != ?4 AND "
	    "(name LIKE '%.' || ?2 OR ?2 LIKE '%.' || name))")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, web);
	sqlite3_bind_int64(st, 4, owner);
	rc = sqlite3_step(st);
	unprep(s, st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int
store_uindex_reserve(struct store *s, const struct uentry *e, size_t n,
    const char *role, int64_t limit, int64_t now, size_t *conflict)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0, t;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if (n > 0) {
		if ((st = prep(s, "SELECT active FROM user WHERE id = ?1")) ==
		    NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, e[0].owner);
			if (sqlite3_step(st) != SQLITE_ROW ||
			    sqlite3_column_int(st, 0) == 0)
				rc = STORE_INACTIVE;
			unprep(s, st);
		}
	}
	if (rc == 0 && role && n > 0) {
		/* the placement and the first object, together */
		if ((st = prep(s, "INSERT INTO placement (user, role, node) "
		    "VALUES (?1, ?2, ?3) ON CONFLICT (user, role) DO "
		    "NOTHING")) == NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, e[0].owner);
			sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, e[0].node);
			rc = step_done(s, st);
			unprep(s, st);
		}
		if (rc == 0 && (st = prep(s, "SELECT node FROM placement "
		    "WHERE user = ?1 AND role = ?2")) != NULL) {
			sqlite3_bind_int64(st, 1, e[0].owner);
			sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_ROW)
				rc = -1;
			else if (sqlite3_column_int64(st, 0) != e[0].node)
				rc = STORE_MOVED;
			unprep(s, st);
		}
	}
	if (rc == 0 && limit > 0 && n > 0) {
		if ((st = prep(s, "SELECT count(*) FROM uindex WHERE "
		    "owner = ?1 AND kind = ?2")) == NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, e[0].owner);
			sqlite3_bind_text(st, 2, e[0].kind, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_ROW)
				rc = -1;
			else if (sqlite3_column_int64(st, 0) >= limit)
				rc = STORE_LIMIT;
			unprep(s, st);
		}
	}
	for (i = 0; rc == 0 && i < n; i++) {
		if ((t = name_taken(s, e[i].kind, e[i].name, e[i].owner)) !=
		    0) {
			rc = t == 1 ? STORE_EXISTS : -1;
			if (conflict)
				*conflict = i;
			break;
		}
		if ((st = prep(s, "INSERT INTO uindex (kind, name, owner, node, "
		    "parent, state, since) VALUES (?1, ?2, ?3, ?4, ?5, "
		    "'pending', ?6)")) == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_text(st, 1, e[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, e[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, e[i].owner);
		sqlite3_bind_int64(st, 4, e[i].node);
		sqlite3_bind_text(st, 5, e[i].parent, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		rc = step_done(s, st);
		unprep(s, st);
		/* the same name twice in one reservation */
		if (rc == STORE_EXISTS && conflict)
			*conflict = i;
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

int
store_uindex_unreserve(struct store *s, const char *kind, const char *name,
    int64_t owner, int64_t node, int64_t since)
{
	sqlite3_stmt *st;
	int rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if ((st = prep(s, "DELETE FROM uindex WHERE ((kind = ?1 AND name = ?2)"
	    " OR (kind = CASE ?1 WHEN 'emaildomain' THEN 'email' WHEN "
	    "'webdomain' THEN 'webalias' END AND parent = ?2)) AND owner = ?3 "
	    "AND node = ?4 AND since = ?5 AND state = 'pending'")) == NULL)
		rc = -1;
	else {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, owner);
		sqlite3_bind_int64(st, 4, node);
		sqlite3_bind_int64(st, 5, since);
		rc = step_done(s, st);
		unprep(s, st);
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

int
store_uindex_children(struct store *s, const char *kind,
    const char *parent, json_t **rows)
{
	sqlite3_stmt *st;
	int rc;

	*rows = json_array();
	lock(s);
	if ((st = prep(s, "SELECT name, state FROM uindex WHERE kind = ?1 "
	    "AND parent = ?2 ORDER BY name")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, parent, -1, SQLITE_STATIC);
	json_decref(*rows);
	*rows = rows_json(s, st, &rc);
	unlock(s);
	return rc;
}

int
store_uindex_live(struct store *s, const char *kind, const char *name)
{
	return query_do(s, "UPDATE uindex SET state = 'live' WHERE kind = ?3 "
	    "AND name = ?4", 0, 0, kind, name, 0);
}

int
store_uindex_remove(struct store *s, const char *kind,
    const char *const *names, size_t n)
{
	sqlite3_stmt *st, *sc;
	size_t i;
	int rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	st = prep(s, "DELETE FROM uindex WHERE kind = ?1 AND name = ?2");
	/* what lives under it: a mail domain's mailboxes, a site's
	 * aliases */
	sc = prep(s, "DELETE FROM uindex WHERE kind = CASE ?1 WHEN "
	    "'emaildomain' THEN 'email' ELSE 'webalias' END AND parent = ?2");
	if (st == NULL || sc == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		rc = step_done(s, st);
		if (rc == 0 && (strcmp(kind, "emaildomain") == 0 ||
		    strcmp(kind, "webdomain") == 0)) {
			sqlite3_reset(sc);
			sqlite3_bind_text(sc, 1, kind, -1, SQLITE_STATIC);
			sqlite3_bind_text(sc, 2, names[i], -1, SQLITE_STATIC);
			rc = step_done(s, sc);
		}
	}
	unprep(s, st);
	unprep(s, sc);
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

int
store_uindex_remove_user_node(struct store *s, int64_t user, int64_t node)
{
	if (query_do(s, "DELETE FROM uindex WHERE owner = ?1 AND node = ?2",
	    user, node, NULL, NULL, 0) != 0)
		return -1;
	return query_do(s, "DELETE FROM placement WHERE user = ?1 AND "
	    "node = ?2", user, node, NULL, NULL, 0);
}

int
store_uindex_pending(struct store *s, int64_t older, json_t **rows)
{
	return query_rows(s, "SELECT x.kind, x.name, x.owner, u.name AS "
	    "owner_name, x.node, x.parent, x.since FROM uindex x JOIN user u ON "
	    "u.id = x.owner WHERE x.state = 'pending' AND x.since < ?1 "
	    "ORDER BY x.since", older, NULL, rows);
}

int
store_uindex_pending_of(struct store *s, int64_t user, int *n)
{
	return query_count(s, "SELECT count(*) FROM uindex WHERE owner = ?1 "
	    "AND state = 'pending'", user, NULL, n);
}
