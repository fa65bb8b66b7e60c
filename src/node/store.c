/* store.c - see store.h. */
#include "store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/db.h"
#include "../common/log.h"
#include "../common/util.h"

struct nstore {
	sqlite3		*db;
	pthread_mutex_t	 mtx;
};

static const char *const migrations[] = {
	"CREATE TABLE version ("
	"  type TEXT PRIMARY KEY,"
	"  version INTEGER NOT NULL);"
	"CREATE TABLE item ("
	"  type TEXT NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  data TEXT NOT NULL,"
	"  PRIMARY KEY (type, id));",

	/* 2: user data */
	"CREATE TABLE udata ("
	"  kind TEXT NOT NULL,"
	"  name TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  parent TEXT NOT NULL DEFAULT '',"
	"  data TEXT NOT NULL,"
	"  PRIMARY KEY (kind, name));"
	"CREATE INDEX udata_owner ON udata(kind, owner);",
};

static int
exec(struct nstore *s, const char *sql)
{
	return db_exec(s->db, sql);
}

/* Ends the transaction: COMMIT when rc is 0, which may fail too (then
 * SQLite rolled it back); the result, 0 only when it is written. */
static int
commit_or_rollback(struct nstore *s, int rc)
{
	if (rc == 0 && exec(s, "COMMIT") == 0)
		return 0;
	if (sqlite3_get_autocommit(s->db) == 0)
		exec(s, "ROLLBACK");
	return -1;
}

struct nstore *
nstore_open(const char *path, char *err, size_t errlen)
{
	struct nstore *s;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	if ((s->db = db_open(path, "PRAGMA cache_size=-256", migrations,
	    sizeof(migrations) / sizeof(migrations[0]), err, errlen)) ==
	    NULL) {
		nstore_close(s);
		return NULL;
	}
	return s;
}

struct nstore *
nstore_open_readonly(const char *path, char *err, size_t errlen)
{
	struct nstore *s;

	s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mtx, NULL);
	if ((s->db = db_open_readonly(path, sizeof(migrations) /
	    sizeof(migrations[0]), err, errlen)) == NULL) {
		nstore_close(s);
		return NULL;
	}
	return s;
}

void
nstore_close(struct nstore *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->mtx);
	free(s);
}

/* Appends the JSON of column 0 of every row of st to items and finalizes
 * st; 0, or -1 when a step failed. */
static int
items_of(sqlite3_stmt *st, json_t *items)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *j = json_loads((const char *)sqlite3_column_text(st, 0),
		    0, NULL);

		if (j)
			json_array_append_new(items, j);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
nstore_state(struct nstore *s, const char *type, int64_t *version,
    json_t **items)
{
	sqlite3_stmt *st;
	int rc = -1;

	*version = 0;
	*items = json_array();
	pthread_mutex_lock(&s->mtx);
	if (sqlite3_prepare_v2(s->db, "SELECT version FROM version WHERE "
	    "type = ?1", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT data FROM item WHERE type = ?1 "
	    "ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	rc = items_of(st, *items);
out:
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

int
nstore_apply(struct nstore *s, const char *type, int64_t version,
    const json_t *puts, const json_t *dels)
{
	sqlite3_stmt *st = NULL;
	const json_t *v;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&s->mtx);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		pthread_mutex_unlock(&s->mtx);
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO item (type, id, data) "
	    "VALUES (?1, ?2, ?3) ON CONFLICT (type, id) DO UPDATE SET "
	    "data = excluded.data", -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	json_array_foreach(puts, i, v) {
		if (rc != 0)
			break;
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, json_integer_value(
		    json_object_get(v, "id")));
		sqlite3_bind_text(st, 3, json_dumps(v, JSON_COMPACT |
		    JSON_PRESERVE_ORDER), -1, free);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0 && sqlite3_prepare_v2(s->db, "DELETE FROM item WHERE "
	    "type = ?1 AND id = ?2", -1, &st, NULL) != SQLITE_OK)
		rc = -1;
	json_array_foreach(dels, i, v) {
		if (rc != 0)
			break;
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, json_integer_value(v));
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == 0 && sqlite3_prepare_v2(s->db, "INSERT INTO version (type, "
	    "version) VALUES (?1, ?2) ON CONFLICT (type) DO UPDATE SET "
	    "version = excluded.version", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, version);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
	} else if (rc == 0)
		rc = -1;
	sqlite3_finalize(st);
	if (rc != 0)
		log_warnx("store: %s", sqlite3_errmsg(s->db));
	rc = commit_or_rollback(s, rc);
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

/* ---- user data ---- */

int
nstore_ud_list(struct nstore *s, const char *kind, const char *owner,
    const char *parent, json_t **items)
{
	sqlite3_stmt *st;
	int rc = -1;

	*items = json_array();
	pthread_mutex_lock(&s->mtx);
	if (sqlite3_prepare_v2(s->db, "SELECT data FROM udata WHERE kind = ?1 "
	    "AND (?2 IS NULL OR owner = ?2) AND (?3 IS NULL OR parent = ?3) "
	    "ORDER BY name", -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (owner)
		sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
	if (parent)
		sqlite3_bind_text(st, 3, parent, -1, SQLITE_STATIC);
	rc = items_of(st, *items);
out:
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

int
nstore_ud_get(struct nstore *s, const char *kind, const char *name,
    json_t **item)
{
	sqlite3_stmt *st;
	int rc = -1;

	*item = NULL;
	pthread_mutex_lock(&s->mtx);
	if (sqlite3_prepare_v2(s->db, "SELECT data FROM udata WHERE kind = ?1 "
	    "AND name = ?2", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*item = json_loads((const char *)sqlite3_column_text(st,
			    0), 0, NULL);
			rc = *item ? 0 : -1;
		} else
			rc = rc == SQLITE_DONE ? 1 : -1;
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&s->mtx);
	return rc;
}

int
nstore_ud_write(struct nstore *s, const json_t *puts, const json_t *dels)
{
	sqlite3_stmt *st = NULL, *sd = NULL;
	const json_t *v;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&s->mtx);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		pthread_mutex_unlock(&s->mtx);
		return -1;
	}
	if (sqlite3_prepare_v2(s->db, "INSERT INTO udata (kind, name, owner, "
	    "parent, data) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, "
	    "name) DO UPDATE SET owner = excluded.owner, parent = "
	    "excluded.parent, data = excluded.data", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(s->db, "DELETE FROM udata WHERE "
	    "kind = ?1 AND name = ?2", -1, &sd, NULL) != SQLITE_OK)
		rc = -1;
	json_array_foreach(dels, i, v) {
		if (rc != 0)
			break;
		sqlite3_bind_text(sd, 1, json_string_value(json_object_get(v,
		    "kind")), -1, SQLITE_STATIC);
		sqlite3_bind_text(sd, 2, json_string_value(json_object_get(v,
		    "name")), -1, SQLITE_STATIC);
		rc = sqlite3_step(sd) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(sd);
	}
	json_array_foreach(puts, i, v) {
		const json_t *it = json_object_get(v, "item");
		const char *parent = json_string_value(json_object_get(v,
		    "parent"));

		if (rc != 0)
			break;
		sqlite3_bind_text(st, 1, json_string_value(json_object_get(v,
		    "kind")), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, json_string_value(json_object_get(it,
		    "name")), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, json_string_value(json_object_get(it,
		    "owner")) ? json_string_value(json_object_get(it, "owner")) :
		    json_string_value(json_object_get(it, "name")), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, parent ? parent : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 5, json_dumps(it, JSON_COMPACT |
		    JSON_PRESERVE_ORDER), -1, free);
		rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(st);
	}
	if (rc != 0)
		log_warnx("store: %s", sqlite3_errmsg(s->db));
	sqlite3_finalize(st);
	sqlite3_finalize(sd);
	rc = commit_or_rollback(s, rc);
	pthread_mutex_unlock(&s->mtx);
	return rc;
}
