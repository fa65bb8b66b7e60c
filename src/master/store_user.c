/* store_user.c - see store.h: users, their limits and their usage. */
#include "store_int.h"

#include <sqlite3.h>
#include <stdio.h>

#include <jansson.h>

/* ---- users ---- */

void
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
	u->acct_ver = sqlite3_column_int64(st, 12);
	u->deleting = sqlite3_column_int64(st, 13);
}

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

	if (tx_begin(s) == -1)
		return -1;
	/* UIDs are never taken twice: the next one is above the highest ever
	 * given, which sys_version keeps under the name "uid". */
	if ((st = prep(s, "INSERT INTO user (name, level, active, pwhash, "
	    "fullname, lim_webdomains, lim_domains, lim_emaildomains, "
	    "lim_emails, lim_disk_mb, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, CASE WHEN ?2 = 'user' THEN max(?12, "
	    "coalesce((SELECT max(uid) + 1 FROM user), ?12), "
	    "coalesce((SELECT version FROM sys_version WHERE type = 'uid'), "
	    "0)) END)")) == NULL) {
		exec(s, "ROLLBACK");
		unlock(s);
		return -1;
	}
	bind_user(st, u);
	sqlite3_bind_int64(st, 12, s->uid_min);
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
	rc = tx_end(s, rc);
	return rc;
}

/* The SET of store_user_set for the fields of mask, ?3 on; "" for none. */
static void
user_set_sql(unsigned mask, char *sql, size_t len)
{
	size_t o;

	o = (size_t)snprintf(sql, len, "UPDATE user SET id = id");
	if (mask & UF_LEVEL)
		o += (size_t)snprintf(sql + o, len - o, ", level = ?3, "
		    "uid = CASE WHEN uid IS NULL AND ?3 = 'user' THEN "
		    "max(?12, coalesce((SELECT max(uid) + 1 FROM user), "
		    "?12), coalesce((SELECT version FROM sys_version WHERE "
		    "type = 'uid'), 0)) ELSE uid END");
	if (mask & UF_ACTIVE)
		o += (size_t)snprintf(sql + o, len - o, ", active = ?4");
	if (mask & UF_PWHASH)
		o += (size_t)snprintf(sql + o, len - o, ", pwhash = ?5");
	if (mask & UF_FULLNAME)
		o += (size_t)snprintf(sql + o, len - o, ", fullname = ?6");
	if (mask & UF_LIMITS)
		o += (size_t)snprintf(sql + o, len - o, ", lim_webdomains = ?7, "
		    "lim_domains = ?8, lim_emaildomains = ?9, "
		    "lim_emails = ?10, lim_disk_mb = ?11");
	if (mask & (UF_ACTIVE | UF_FULLNAME))
		o += (size_t)snprintf(sql + o, len - o, ", acct_ver = "
		    "acct_ver + 1");
	snprintf(sql + o, len - o, " WHERE id = ?1 AND deleting = 0 AND "
	    "(?2 < 0 OR acct_ver = ?2)");
}

int
store_user_set(struct store *s, struct user *u, unsigned mask,
    int64_t if_ver, int64_t now)
{
	sqlite3_stmt *st;
	char sql[1024];
	int rc, i;

	user_set_sql(mask, sql, sizeof(sql));
	if (tx_begin(s) == -1)
		return -1;
	if ((st = prep(s, sql)) == NULL)
		rc = -1;
	else {
		sqlite3_bind_int64(st, 1, u->id);
		sqlite3_bind_int64(st, 2, if_ver);
		if (mask & UF_LEVEL) {
			sqlite3_bind_text(st, 3, u->level, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 12, s->uid_min);
		}
		if (mask & UF_ACTIVE)
			sqlite3_bind_int(st, 4, u->active);
		if (mask & UF_PWHASH)
			sqlite3_bind_text(st, 5, u->pwhash, -1, SQLITE_STATIC);
		if (mask & UF_FULLNAME)
			sqlite3_bind_text(st, 6, u->fullname, -1,
			    SQLITE_STATIC);
		if (mask & UF_LIMITS)
			for (i = 0; i < LIM_N; i++)
				sqlite3_bind_int64(st, 7 + i, u->lim[i]);
		rc = step_done(s, st);
		if (rc == 0 && sqlite3_changes(s->db) == 0)
			rc = STORE_NOTFOUND;
		unprep(s, st);
	}
	/* a UID given here is never given again either */
	if (rc == 0 && (mask & UF_LEVEL) && (st = prep(s, "INSERT INTO "
	    "sys_version (type, version) SELECT 'uid', coalesce(max(uid) + 1, "
	    "0) FROM user WHERE 1 ON CONFLICT (type) DO UPDATE SET version = "
	    "max(version, excluded.version)")) != NULL) {
		rc = step_done(s, st);
		unprep(s, st);
	}
	/* the account's new version, owed to every node of the user */
	if (rc == 0 && (mask & (UF_ACTIVE | UF_FULLNAME))) {
		if ((st = prep(s, "SELECT acct_ver FROM user WHERE id = ?1")) ==
		    NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, u->id);
			if (sqlite3_step(st) == SQLITE_ROW)
				u->acct_ver = sqlite3_column_int64(st, 0);
			else
				rc = -1;
			unprep(s, st);
		}
		if (rc == 0 && (st = prep(s, "INSERT INTO acct_sync (user, "
		    "node, ver, since) SELECT DISTINCT ?1, node, ?2, ?3 FROM "
		    "placement WHERE user = ?1 ON CONFLICT (user, node) DO "
		    "UPDATE SET ver = excluded.ver, since = excluded.since")) ==
		    NULL)
			rc = -1;
		else if (rc == 0) {
			sqlite3_bind_int64(st, 1, u->id);
			sqlite3_bind_int64(st, 2, u->acct_ver);
			sqlite3_bind_int64(st, 3, now);
			rc = step_done(s, st);
			unprep(s, st);
		}
	}
	rc = tx_end(s, rc);
	return rc;
}

/* Runs sql with the integers ?1, ?2, ?3; 0 or -1. */
static int
do3(struct store *s, const char *sql, int64_t a, int64_t b, int64_t c)
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
	sqlite3_bind_int64(st, 3, c);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_acct_owed(struct store *s, int64_t user, int64_t node, int64_t now)
{
	return do3(s, "INSERT INTO acct_sync (user, node, ver, since) "
	    "SELECT id, ?2, acct_ver, ?3 FROM user WHERE id = ?1 ON CONFLICT "
	    "(user, node) DO UPDATE SET ver = excluded.ver, since = "
	    "excluded.since", user, node, now);
}

int
store_acct_done(struct store *s, int64_t user, int64_t node, int64_t ver)
{
	return do3(s, "DELETE FROM acct_sync WHERE user = ?1 AND node = ?2 "
	    "AND ver <= ?3", user, node, ver);
}

int
store_acct_owed_list(struct store *s, int64_t older, json_t **rows)
{
	return query_rows(s, "SELECT a.user, a.node, a.ver FROM acct_sync a "
	    "JOIN user u ON u.id = a.user WHERE a.since < ?1 AND "
	    "u.deleting = 0 ORDER BY a.since", older, NULL, rows);
}

int
store_user_mark_deleting(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt *st;
	int rc = 0, deleting = 0, pending = 0;

	if (tx_begin(s) == -1)
		return -1;
	if ((st = prep(s, "SELECT deleting, (SELECT count(*) FROM uindex "
	    "WHERE owner = ?1 AND state = 'pending') FROM user WHERE "
	    "id = ?1")) == NULL)
		rc = -1;
	else {
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			deleting = sqlite3_column_int64(st, 0) != 0;
			pending = sqlite3_column_int(st, 1);
		} else
			rc = STORE_NOTFOUND;
		unprep(s, st);
	}
	/* no create of theirs may be in flight when the nodes are asked */
	if (rc == 0 && !deleting && pending > 0)
		rc = STORE_BUSY;
	if (rc == 0 && !deleting) {
		if ((st = prep(s, "UPDATE user SET deleting = ?2, active = 0, "
		    "acct_ver = acct_ver + 1 WHERE id = ?1")) == NULL)
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, now > 0 ? now : 1);
			rc = step_done(s, st);
			unprep(s, st);
		}
	}
	rc = tx_end(s, rc);
	return rc;
}

int
store_users_deleting(struct store *s, int64_t older, json_t **rows)
{
	return query_rows(s, "SELECT id, name FROM user WHERE deleting > 0 "
	    "AND deleting < ?1 ORDER BY id", older, NULL, rows);
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

/* Every user with their usage and counts; ?2, when bound, names one. */
#define USER_ROWS "SELECT u.name, u.fullname, u.level, " \
	    "CASE u.active WHEN 0 THEN 'off' ELSE 'on' END AS active, " \
	    "coalesce(u.uid, 0) AS uid, " \
	    "(coalesce(us.bytes, 0) + 1048575) / 1048576 AS quota_used, " \
	    "u.lim_disk_mb AS limit_quota, " \
	    /* ISPmanager's name of the disk limit, and the other limits, \
	     * as billing modules read them */ \
	    "u.lim_disk_mb AS quota_total, " \
	    "u.lim_webdomains AS limit_webdomains, " \
	    "u.lim_domains AS limit_domains, " \
	    "u.lim_emaildomains AS limit_emaildomains, " \
	    "u.lim_emails AS limit_emails, " \
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND " \
	    "x.kind = 'webdomain') AS webdomains, " \
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND " \
	    "x.kind = 'domain') AS domains, " \
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND " \
	    "x.kind = 'emaildomain') AS emaildomains, " \
	    "(SELECT count(*) FROM uindex x WHERE x.owner = u.id AND " \
	    "x.kind = 'email') AS emails " \
	    "FROM user u LEFT JOIN " USAGE_BY_NAME " us ON us.name = u.name " \
	    "WHERE ?1 = ?1 AND (?2 IS NULL OR u.name = ?2) ORDER BY u.name"

int
store_user_list(struct store *s, json_t **rows)
{
	return query_rows(s, USER_ROWS, 0, NULL, rows);
}

int
store_user_row(struct store *s, const char *name, json_t **rows)
{
	return query_rows(s, USER_ROWS, 0, name, rows);
}
