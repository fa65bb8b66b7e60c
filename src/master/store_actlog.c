/* store_actlog.c - see store.h: the action log. */
#include "store_int.h"

#include <sqlite3.h>

#include <jansson.h>

int
store_actlog_add(struct store *s, const struct actlog_rec *a, int64_t now,
    int64_t *id)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "INSERT INTO action_log (time, user, as_user, addr, "
	    "func, params, outcome, error, results) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9)")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_text(st, 2, a->user, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->as, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, a->addr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->func, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->params, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, a->outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->results, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	*id = sqlite3_last_insert_rowid(s->db);
	unprep(s, st);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

static void
bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v && *v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

int
store_actlog_list(struct store *s, const struct actlog_filter *f,
    json_t **rows)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "SELECT id, time, user, as_user AS \"as\", addr, "
	    "func AS function, params, outcome, error, results "
	    "FROM action_log WHERE (?1 = 0 OR id = ?1) "
	    "AND (?2 IS NULL OR user = ?2) AND (?3 IS NULL OR func = ?3) "
	    "AND (?4 IS NULL OR addr = ?4) AND (?5 IS NULL OR outcome = ?5) "
	    "AND time >= ?6 AND (?7 = 0 OR time < ?7) "
	    "ORDER BY id DESC LIMIT ?8")) == NULL) {
		unlock(s);
		*rows = json_array();
		return -1;
	}
	sqlite3_bind_int64(st, 1, f->id);
	bind_opt(st, 2, f->user);
	bind_opt(st, 3, f->func);
	bind_opt(st, 4, f->addr);
	bind_opt(st, 5, f->outcome);
	sqlite3_bind_int64(st, 6, f->since);
	sqlite3_bind_int64(st, 7, f->until);
	sqlite3_bind_int(st, 8, f->limit > 0 ? f->limit : 100);
	*rows = rows_json(s, st, &rc);
	unlock(s);
	return rc;
}

int
store_actlog_purge(struct store *s, int64_t before)
{
	return query_do(s, "DELETE FROM action_log WHERE time < ?1 AND "
	    "?2 = ?2", before, 0, NULL, NULL, 0);
}
