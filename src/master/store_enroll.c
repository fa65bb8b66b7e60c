/* store_enroll.c - see store.h: the steps of a node's enrollment over
 * SSH (docs/internals/enroll.md). */
#include "store_int.h"

#include <sqlite3.h>
#include <stddef.h>

#include <jansson.h>

int
store_enroll_init(struct store *s, int64_t node, const char *const *names,
    int n)
{
	sqlite3_stmt *st;
	int i, rc = 0;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	if ((st = prep(s, "DELETE FROM enroll_step WHERE node = ?1")) ==
	    NULL)
		rc = -1;
	else {
		sqlite3_bind_int64(st, 1, node);
		rc = step_done(s, st);
		unprep(s, st);
	}
	for (i = 0; i < n && rc == 0; i++) {
		if ((st = prep(s, "INSERT INTO enroll_step (node, idx, name, "
		    "state) VALUES (?1, ?2, ?3, 'waiting')")) == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, node);
		sqlite3_bind_int(st, 2, i);
		sqlite3_bind_text(st, 3, names[i], -1, SQLITE_STATIC);
		rc = step_done(s, st);
		unprep(s, st);
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}

int
store_enroll_step_set(struct store *s, int64_t node, int idx,
    const char *state, int64_t started, int64_t ended, const char *output)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "UPDATE enroll_step SET state = ?3, started = ?4, "
	    "ended = ?5, output = ?6 WHERE node = ?1 AND idx = ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, node);
	sqlite3_bind_int(st, 2, idx);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, started);
	sqlite3_bind_int64(st, 5, ended);
	sqlite3_bind_text(st, 6, output, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc == 0 ? 0 : -1;
}

int
store_enroll_reset(struct store *s, int64_t node, int from)
{
	return query_do(s, "UPDATE enroll_step SET state = 'waiting', "
	    "started = 0, ended = 0, output = '' WHERE node = ?1 AND "
	    "idx >= ?2", node, from, NULL, NULL, 0);
}

int
store_enroll_steps(struct store *s, int64_t node, json_t **rows)
{
	return query_rows(s, "SELECT idx, name, state, started, ended, output "
	    "FROM enroll_step WHERE node = ?1 ORDER BY idx", node, NULL, rows);
}

int
store_node_status_set(struct store *s, int64_t id, const char *status,
    const char *msg)
{
	return query_do(s, "UPDATE node SET status = ?3, status_msg = ?4 "
	    "WHERE id = ?1", id, 0, status, msg, 1);
}

int
store_enroll_interrupted(struct store *s, int64_t now_ms, int *n)
{
	int rc;

	*n = 0;
	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	rc = exec(s, "UPDATE node SET status = 'error', status_msg = "
	    "'enrollment step \"' || (SELECT name FROM enroll_step e WHERE "
	    "e.node = node.id AND e.state = 'running') || '\" failed: the "
	    "master stopped while it ran (cluster.node.enroll.retry runs it "
	    "again)' WHERE id IN (SELECT node FROM enroll_step WHERE state = "
	    "'running')");
	if (rc == 0)
		*n = sqlite3_changes(s->db);
	if (rc == 0) {
		sqlite3_stmt *st;

		if ((st = prep(s, "UPDATE enroll_step SET state = 'failed', "
		    "ended = ?1, output = output || '\n(the master stopped "
		    "while this step ran)\n' WHERE state = 'running'")) ==
		    NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, now_ms);
			rc = step_done(s, st) == 0 ? 0 : -1;
			unprep(s, st);
		}
	}
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
}
