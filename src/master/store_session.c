/* store_session.c - see store.h: sessions and failed logins. */
#include "store_int.h"

#include <sqlite3.h>
#include <string.h>

/* ---- sessions ---- */

int
store_session_add(struct store *s, const char *idhash, int64_t user,
    const char *addr, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "INSERT INTO session (idhash, user, addr, created,"
	    " last_used) VALUES (?1, ?2, ?3, ?4, ?4)")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user);
	sqlite3_bind_text(st, 3, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_session_use(struct store *s, const char *idhash, const char *addr,
    int64_t now, int64_t idle_s, struct user *u)
{
	sqlite3_stmt *st;
	int rc;
	int64_t last;
	char saddr[64];

	lock(s);
	if ((st = prep(s, "SELECT u.id, u.name, u.level, u.active, u.pwhash,"
	    " u.fullname, coalesce(u.uid, 0), u.lim_webdomains, u.lim_domains,"
	    " u.lim_emaildomains, u.lim_emails, u.lim_disk_mb, u.acct_ver,"
	    " u.deleting, s.addr, s.last_used FROM session s JOIN user u ON u.id = s.user"
	    " WHERE s.idhash = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		unprep(s, st);
		unlock(s);
		return rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	}
	user_row(st, u);
	col_text(st, USER_NCOLS, saddr, sizeof(saddr));
	last = sqlite3_column_int64(st, USER_NCOLS + 1);
	unprep(s, st);
	/* idle for more than idle_s whole seconds: never early */
	if (now - last > idle_s) {
		if ((st = prep(s, "DELETE FROM session WHERE idhash = ?1 OR "
		    "last_used < ?2")) != NULL) {
			sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now - idle_s);
			step_done(s, st);
			unprep(s, st);
		}
		unlock(s);
		return STORE_NOTFOUND;
	}
	if (strcmp(saddr, addr) != 0) {
		unlock(s);
		return STORE_NOTFOUND;
	}
	/* the idle timeout counts from the last use, to the second: one
	 * write per session and second at most (the master's session cache
	 * answers the calls within a second) */
	if (now > last &&
	    (st = prep(s, "UPDATE session SET last_used = ?2 WHERE "
	    "idhash = ?1")) != NULL) {
		sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, now);
		step_done(s, st);
		unprep(s, st);
	}
	unlock(s);
	return 0;
}

int
store_session_delete(struct store *s, const char *idhash)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "DELETE FROM session WHERE idhash = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, idhash, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

/* ---- failed logins ---- */

int
store_login_reserve(struct store *s, const char *addr, int64_t now,
    int64_t (*wait_of)(int count, void *arg), void *arg, int reserve,
    int64_t *wait)
{
	sqlite3_stmt *st;
	int64_t last = 0, w;
	int count = 0, rc;

	*wait = 0;
	lock(s);
	if ((st = prep(s, "SELECT count, last FROM login_failure WHERE "
	    "addr = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		count = sqlite3_column_int(st, 0);
		last = sqlite3_column_int64(st, 1);
	}
	unprep(s, st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		unlock(s);
		return -1;
	}
	/* a failure more than 15 minutes after the last one starts over */
	if (last < now - 900)
		count = 0;
	if ((w = wait_of(count, arg)) > 0 && now - last < w) {
		*wait = w - (now - last);
		unlock(s);
		return STORE_LIMIT;
	}
	rc = 0;
	if (reserve) {
		if ((st = prep(s, "INSERT INTO login_failure (addr, count, "
		    "last) VALUES (?1, ?2, ?3) ON CONFLICT (addr) DO UPDATE "
		    "SET count = ?2, last = ?3")) == NULL) {
			unlock(s);
			return -1;
		}
		sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, count + 1);
		sqlite3_bind_int64(st, 3, now);
		rc = step_done(s, st);
		unprep(s, st);
	}
	unlock(s);
	return rc;
}

int
store_login_purge(struct store *s, int64_t now, int64_t idle_s)
{
	sqlite3_stmt *st;
	int rc = 0, i;
	static const char *const sql[] = {
		"DELETE FROM session WHERE last_used < ?1 - ?2",
		"DELETE FROM login_failure WHERE last < ?1 - 900",
	};

	lock(s);
	for (i = 0; i < 2 && rc == 0; i++) {
		if ((st = prep(s, sql[i])) == NULL) {
			rc = -1;
			break;
		}
		sqlite3_bind_int64(st, 1, now);
		sqlite3_bind_int64(st, 2, idle_s);
		rc = step_done(s, st);
		unprep(s, st);
	}
	unlock(s);
	return rc;
}

int
store_session_end_user(struct store *s, int64_t user, const char *keep)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "DELETE FROM session WHERE user = ?1 AND idhash "
	    "IS NOT ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_int64(st, 1, user);
	if (keep)
		sqlite3_bind_text(st, 2, keep, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_login_ok(struct store *s, const char *addr)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "DELETE FROM login_failure WHERE addr = ?1")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	unprep(s, st);
	unlock(s);
	return rc;
}
