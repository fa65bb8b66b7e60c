/* store_query.c - see store.h: the intents of distributed queries, their
 * end in one transaction, and the query log. */
#include "store_int.h"

#include <sqlite3.h>

#include <jansson.h>

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
	if (tx_begin(s) == -1)
		return -1;
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
	rc = tx_end(s, rc);
	return rc;
}

int
store_intent_list(struct store *s, json_t **rows)
{
	return query_rows(s, "SELECT id, type, targets, created FROM intent "
	    "WHERE ?1 = ?1 ORDER BY id", 0, NULL, rows);
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

	if (tx_begin(s) == -1)
		return -1;
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
	rc = tx_end(s, rc);
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
