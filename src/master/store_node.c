/* store_node.c - see store.h: nodes and their join tokens. */
#include "store_int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

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

/* One statement of ?1 = id inside an open transaction; 0 or -1. */
static int
query_do_locked(struct store *s, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = step_done(s, st);
	unprep(s, st);
	return rc == 0 ? 0 : -1;
}

int
store_node_delete(struct store *s, int64_t id)
{
	return query_do(s, "DELETE FROM node WHERE id = ?1", id, 0, NULL,
	    NULL, 1);
}

int
store_node_unplace(struct store *s, int64_t id)
{
	int rc;

	lock(s);
	if (exec(s, "BEGIN IMMEDIATE") == -1) {
		unlock(s);
		return -1;
	}
	rc = query_do_locked(s, "DELETE FROM uindex WHERE node = ?1", id);
	if (rc == 0)
		rc = query_do_locked(s, "DELETE FROM placement WHERE node = ?1",
		    id);
	rc = commit_or_rollback(s, rc);
	unlock(s);
	return rc;
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
store_node_cert_set(struct store *s, int64_t id, const char *serial)
{
	return query_do(s, "UPDATE node SET cert_serial = ?3, cert_next = '' "
	    "WHERE id = ?1", id, 0, serial, NULL, 1);
}

int
store_node_cert_next(struct store *s, int64_t id, const char *serial)
{
	return query_do(s, "UPDATE node SET cert_next = ?3 WHERE id = ?1", id,
	    0, serial, NULL, 1);
}

int
store_node_cert_check(struct store *s, int64_t id, const char *serial)
{
	int64_t one;
	int rc;

	if (serial[0] == '\0')
		return STORE_NOTFOUND;
	/* the current one, read only: what nearly every call is */
	rc = query_int(s, "SELECT 1 FROM node WHERE id = ?1 AND "
	    "cert_serial = ?2", id, serial, &one);
	if (rc != STORE_NOTFOUND)
		return rc;
	rc = query_do(s, "UPDATE node SET cert_serial = cert_next, "
	    "cert_next = '' WHERE id = ?1 AND cert_next = ?3", id, 0, serial,
	    NULL, 1);
	return rc == 0 ? STORE_CERT_NEW : rc == STORE_NOTFOUND ?
	    STORE_NOTFOUND : -1;
}

int
store_node_polls(struct store *s, const struct node_poll *p, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (tx_begin(s) == -1)
		return -1;
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
	rc = tx_end(s, rc);
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
