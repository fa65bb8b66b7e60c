/* store_uindex.c - see store.h: the user-data index, (kind, name) ->
 * owner, node. */
#include "store_int.h"

#include <sqlite3.h>
#include <stddef.h>
#include <string.h>

#include <jansson.h>

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

/* name's characters in reverse order into out (outlen bytes): the key
 * of the rname column (migration 4 in store.c). */
static void
reversed(const char *name, char *out, size_t outlen)
{
	size_t n = strlen(name), i;

	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = name[n - 1 - i];
	out[n] = '\0';
}

/*
 * Whether the entry may be reserved by its owner, called under the lock:
 * 0; STORE_EXISTS when its name is taken (in the web namespace of sites
 * and aliases, or under its kind otherwise); STORE_WITHIN when a name
 * other than a mailbox is, or is under, another owner's zone (that zone in
 * zone, zonelen bytes); STORE_COVERS when a zone is, or is above, a name
 * of another owner's; -1 on failure.
 */
static int
name_check(struct store *s, const struct uentry *e, char *zone,
    size_t zonelen)
{
	int web = strcmp(e->kind, "webdomain") == 0 ||
	    strcmp(e->kind, "webalias") == 0;
	char rname[sizeof(e->name)];
	sqlite3_stmt *st;
	int rc;

	if ((st = prep(s, "SELECT 1 FROM uindex WHERE name = ?2 AND "
	    "(kind = ?1 OR (?3 AND kind IN ('webdomain', 'webalias')))")) ==
	    NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, web);
	rc = sqlite3_step(st);
	unprep(s, st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? STORE_EXISTS : -1;
	/* a mailbox is in a mail domain of its owner's, checked when that
	 * was made */
	if (strcmp(e->kind, "email") == 0)
		return 0;

	/* the zones above: one lookup of the primary key per suffix of the
	 * name ("a.b.example", "b.example", "example"), the name included */
	if ((st = prep(s, "WITH RECURSIVE up(n) AS (SELECT ?1 UNION ALL "
	    "SELECT substr(n, instr(n, '.') + 1) FROM up WHERE "
	    "instr(n, '.') > 0) SELECT name FROM uindex WHERE kind = 'domain' "
	    "AND name IN up AND owner != ?2 ORDER BY length(name) "
	    "LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->owner);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, zone, zonelen);
	unprep(s, st);
	if (rc != SQLITE_DONE)
		return rc == SQLITE_ROW ? STORE_WITHIN : -1;
	if (strcmp(e->kind, "domain") != 0)
		return 0;

	/* the names a new zone would answer for: its own, and those whose
	 * reversed form begins with its reversed form and a dot, one range
	 * of uindex_rname ('/' follows '.') */
	reversed(e->name, rname, sizeof(rname));
	if ((st = prep(s, "SELECT 1 FROM uindex WHERE (rname = ?1 OR "
	    "(rname > ?1 || '.' AND rname < ?1 || '/')) AND owner != ?2 AND "
	    "kind != 'email' LIMIT 1")) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, rname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, e->owner);
	rc = sqlite3_step(st);
	unprep(s, st);
	return rc == SQLITE_ROW ? STORE_COVERS : rc == SQLITE_DONE ? 0 : -1;
}

int
store_uindex_reserve(struct store *s, const struct uentry *e, size_t n,
    const char *role, int64_t limit, int64_t now,
    struct uconflict *conflict)
{
	struct uconflict dummy;
	sqlite3_stmt *st;
	char rname[sizeof(e->name)];
	size_t i;
	int rc = 0;

	if (conflict == NULL)
		conflict = &dummy;
	memset(conflict, 0, sizeof(*conflict));

	if (tx_begin(s) == -1)
		return -1;
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
		if ((rc = name_check(s, &e[i], conflict->zone,
		    sizeof(conflict->zone))) != 0) {
			conflict->index = i;
			break;
		}
		if ((st = prep(s, "INSERT INTO uindex (kind, name, owner, node, "
		    "parent, state, since, rname) VALUES (?1, ?2, ?3, ?4, ?5, "
		    "'pending', ?6, ?7)")) == NULL) {
			rc = -1;
			break;
		}
		reversed(e[i].name, rname, sizeof(rname));
		sqlite3_bind_text(st, 1, e[i].kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, e[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, e[i].owner);
		sqlite3_bind_int64(st, 4, e[i].node);
		sqlite3_bind_text(st, 5, e[i].parent, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		sqlite3_bind_text(st, 7, rname, -1, SQLITE_STATIC);
		rc = step_done(s, st);
		unprep(s, st);
		/* the same name twice in one reservation */
		if (rc == STORE_EXISTS)
			conflict->index = i;
	}
	rc = tx_end(s, rc);
	return rc;
}

int
store_uindex_unreserve(struct store *s, const char *kind, const char *name,
    int64_t owner, int64_t node, int64_t since)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (tx_begin(s) == -1)
		return -1;
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
	rc = tx_end(s, rc);
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

	if (tx_begin(s) == -1)
		return -1;
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
	rc = tx_end(s, rc);
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
store_uindex_unsettled(struct store *s, int64_t older, json_t **rows)
{
	return query_rows(s, "SELECT x.kind, x.name, x.owner, u.name AS "
	    "owner_name, x.node, x.parent, x.state, x.since FROM uindex x "
	    "JOIN user u ON u.id = x.owner WHERE x.state IN ('pending', "
	    "'deleting') AND x.since < ?1 AND u.deleting = 0 ORDER BY x.since",
	    older, NULL, rows);
}

int
store_uindex_mark(struct store *s, const char *kind,
    const char *const *names, size_t n, const char *from, const char *to,
    int64_t now)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (tx_begin(s) == -1)
		return -1;
	if ((st = prep(s, "UPDATE uindex SET state = ?4, since = ?5 WHERE "
	    "kind = ?1 AND name = ?2 AND state = ?3")) == NULL)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, names[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, to, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		rc = step_done(s, st);
	}
	unprep(s, st);
	rc = tx_end(s, rc);
	return rc;
}

int
store_uindex_drop(struct store *s, const char *kind, const char *name,
    const char *state)
{
	sqlite3_stmt *st;
	int rc = 0, found = 0;

	if (tx_begin(s) == -1)
		return -1;
	if ((st = prep(s, "DELETE FROM uindex WHERE kind = ?1 AND name = ?2 "
	    "AND state = ?3")) == NULL)
		rc = -1;
	else {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
		rc = step_done(s, st);
		found = sqlite3_changes(s->db) > 0;
		unprep(s, st);
	}
	/* what lived under it went with it on the node */
	if (rc == 0 && found && (st = prep(s, "DELETE FROM uindex WHERE "
	    "kind = CASE ?1 WHEN 'emaildomain' THEN 'email' WHEN 'webdomain' "
	    "THEN 'webalias' END AND parent = ?2")) != NULL) {
		sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		rc = step_done(s, st);
		unprep(s, st);
	}
	rc = tx_end(s, rc);
	return rc;
}

int
store_uindex_pending_of(struct store *s, int64_t user, int *n)
{
	return query_count(s, "SELECT count(*) FROM uindex WHERE owner = ?1 "
	    "AND state = 'pending'", user, NULL, n);
}

int
store_uindex_list(struct store *s, json_t **rows)
{
	return query_rows(s, "SELECT x.kind, x.name, u.name AS owner, x.node, "
	    "x.parent, x.state, x.since FROM uindex x JOIN user u ON "
	    "u.id = x.owner WHERE ?1 = ?1 ORDER BY x.kind, x.name", 0, NULL,
	    rows);
}
