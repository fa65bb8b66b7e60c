/* store.c - see store.h: the store opened and closed, its schema, and the
 * helpers every area of it runs its SQL through (store_int.h). */
#include "store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../common/db.h"
#include "../common/log.h"
#include "../common/util.h"

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

	/* 4: the index's names reversed (rname), so that the names under a
	 * zone are one range of an index: "shop.bob.com" is "moc.bob.pohs",
	 * and every name under "bob.com" begins with "moc.bob." */
	"ALTER TABLE uindex ADD COLUMN rname TEXT NOT NULL DEFAULT '';"
	"UPDATE uindex SET rname = (WITH RECURSIVE r(i, s) AS ("
	"  SELECT length(name), '' UNION ALL"
	"  SELECT i - 1, s || substr(name, i, 1) FROM r WHERE i > 0)"
	"  SELECT s FROM r WHERE i = 0);"
	"CREATE INDEX uindex_rname ON uindex(rname);",

	/* 5: user data that settles: the account's version, a user being
	 * deleted, the nodes an account change has still to reach, and index
	 * rows being deleted */
	"ALTER TABLE user ADD COLUMN acct_ver INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE user ADD COLUMN deleting INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE acct_sync ("
	"  user INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
	"  node INTEGER NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	"  ver INTEGER NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  PRIMARY KEY (user, node));"
	"CREATE TABLE uindex_5 ("
	"  kind TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  owner INTEGER NOT NULL REFERENCES user(id) ON DELETE CASCADE,"
	"  node INTEGER NOT NULL REFERENCES node(id),"
	"  parent TEXT NOT NULL DEFAULT '',"
	"  state TEXT NOT NULL CHECK (state IN ('pending','live','deleting')),"
	"  since INTEGER NOT NULL,"
	"  rname TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (kind, name));"
	"INSERT INTO uindex_5 SELECT kind, name, owner, node, parent, state, "
	"  since, rname FROM uindex;"
	"DROP TABLE uindex;"
	"ALTER TABLE uindex_5 RENAME TO uindex;"
	"CREATE INDEX uindex_owner ON uindex(owner, kind);"
	"CREATE INDEX uindex_rname ON uindex(rname);",

	/* 6: the serials of each node's client certificates: the current
	 * one, and the next one a renewal issued (docs/internals/cluster.md,
	 * "Node certificates") */
	"ALTER TABLE node ADD COLUMN cert_serial TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE node ADD COLUMN cert_next TEXT NOT NULL "
	"  DEFAULT '';",

	/* 7: the steps of a node's enrollment over SSH, each with its state,
	 * its start and end (wall ms) and its output (docs/internals/
	 * enroll.md); they go with the node */
	"CREATE TABLE enroll_step ("
	"  node INTEGER NOT NULL REFERENCES node(id) ON DELETE CASCADE,"
	"  idx INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('waiting','running','done',"
	"    'failed')),"
	"  started INTEGER NOT NULL DEFAULT 0,"
	"  ended INTEGER NOT NULL DEFAULT 0,"
	"  output TEXT NOT NULL DEFAULT '',"
	"  PRIMARY KEY (node, idx));",

	/* 8: presets, ISPmanager's user templates: limits that user.add and
	 * user.edit copy into a user */
	"CREATE TABLE preset ("
	"  name TEXT PRIMARY KEY,"
	"  lim_webdomains INTEGER NOT NULL DEFAULT 0,"
	"  lim_domains INTEGER NOT NULL DEFAULT 0,"
	"  lim_emaildomains INTEGER NOT NULL DEFAULT 0,"
	"  lim_emails INTEGER NOT NULL DEFAULT 0,"
	"  lim_disk_mb INTEGER NOT NULL DEFAULT 0);",
};

int
exec(struct store *s, const char *sql)
{
	return db_exec(s->db, sql);
}

/* 0 when COMMIT took; else rolled back and -1. */
int
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
	s->uid_min = STORE_UID_MIN_DEF;
	if ((s->db = db_open(path, "PRAGMA foreign_keys=ON", migrations,
	    nitems(migrations), err, errlen)) == NULL) {
		store_close(s);
		return NULL;
	}
	return s;
}

void
store_set_uid_min(struct store *s, int64_t uid)
{
	s->uid_min = uid;
}

struct store *
store_open_readonly(const char *path, char *err, size_t errlen)
{
	struct store *s;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	if ((s->db = db_open_readonly(path, nitems(migrations), err,
	    errlen)) == NULL) {
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
sqlite3_stmt *
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
void
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

void
lock(struct store *s)
{
	pthread_mutex_lock(&s->mtx);
}

void
unlock(struct store *s)
{
	pthread_mutex_unlock(&s->mtx);
}

int
tx_begin(struct store *s)
{
	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == 0)
		return 0;
	unlock(s);
	return -1;
}

int
tx_end(struct store *s, int rc)
{
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

void
col_text(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	strlcpy_hf(out, t ? (const char *)t : "", outlen);
}

/* Runs a statement that returns no row; 0, STORE_EXISTS or -1. */
int
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
int
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

/* ---- rows as JSON ---- */

/* Every row of st as an object named by the columns: integers as numbers,
 * the rest as strings.  Finalizes st. */
json_t *
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
int
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
int
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
int
query_count(struct store *s, const char *sql, int64_t a, const char *b,
    int *n)
{
	int64_t v = 0;
	int rc = query_int(s, sql, a, b, &v);

	*n = (int)v;
	return rc == 0 ? 0 : -1;
}
