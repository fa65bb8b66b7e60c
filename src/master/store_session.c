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
	    " u.lim_emaildomains, u.lim_emails, u.lim_disk_mb,"
	    " s.addr, s.last_used FROM session s JOIN user u ON u.id = s.user"
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
	if (now - last >= idle_s) {
		if ((st = prep(s, "DELETE FROM session WHERE idhash = ?1 OR "
		    "last_used <= ?2")) != NULL) {
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
	/* Writing last_used on every call would make every read a write;
	 * a granularity of a few seconds is enough for a one-hour timeout. */
	if (now - last >= 5 &&
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
store_login_failures(struct store *s, const char *addr, int *count,
    int64_t *last)
{
	sqlite3_stmt *st;
	int rc;

	*count = 0;
	*last = 0;
	lock(s);
	if ((st = prep(s, "SELECT count, last FROM login_failure WHERE "
	    "addr = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*count = sqlite3_column_int(st, 0);
		*last = sqlite3_column_int64(st, 1);
	}
	unprep(s, st);
	unlock(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_login_failed(struct store *s, const char *addr, int64_t now)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	/* A failure more than 15 minutes after the last one starts over. */
	if ((st = prep(s, "INSERT INTO login_failure (addr, count, last) "
	    "VALUES (?1, 1, ?2) ON CONFLICT (addr) DO UPDATE SET "
	    "count = CASE WHEN last < ?2 - 900 THEN 1 ELSE count + 1 END,"
	    " last = ?2")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
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
