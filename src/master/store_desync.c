/* store_desync.c - see store.h: desync entries, the (node, type) pairs
 * the synchronizer must push. */
#include "store_int.h"

#include <sqlite3.h>
#include <stddef.h>

#include <jansson.h>

/* Registers (node, type) inside an open transaction; 0 or -1. */
int
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

	if (tx_begin(s) == -1)
		return -1;
	for (i = 0; i < n && rc == 0; i++)
		rc = desync_add_locked(s, nodes[i], type, reason, now);
	rc = tx_end(s, rc);
	return rc;
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

	if (tx_begin(s) == -1)
		return -1;
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
	rc = tx_end(s, rc);
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
store_desync_due_now(struct store *s, int64_t node)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "UPDATE desync SET next_try = 0 WHERE node = ?1 "
	    "AND next_try > 0")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, node);
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
