/* store_sysdata.c - see store.h: system data, its items and versions. */
#include "store_int.h"

#include <sqlite3.h>

#include <jansson.h>

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
	if (tx_begin(s) == -1)
		return -1;
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
