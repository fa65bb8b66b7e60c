/* store_policy.c - see store.h: the cluster policy as key/value text. */
#include "store_int.h"

#include <sqlite3.h>
#include <stddef.h>

/* ---- policy ---- */

int
store_policy_get(struct store *s, const char *key, char *val, size_t vlen)
{
	sqlite3_stmt *st;
	int rc;

	lock(s);
	if ((st = prep(s, "SELECT value FROM policy WHERE key = ?1")) ==
	    NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		col_text(st, 0, val, vlen);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_policy_set(struct store *s, const char *const *keys,
    const char *const *vals, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (tx_begin(s) == -1)
		return -1;
	if ((st = prep(s, "INSERT INTO policy (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value")) ==
	    NULL) {
		exec(s, "ROLLBACK");
		unlock(s);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, vals[i], -1, SQLITE_STATIC);
		rc = step_done(s, st);
		sqlite3_reset(st);
	}
	unprep(s, st);
	rc = tx_end(s, rc);
	return rc == 0 ? 0 : -1;
}
