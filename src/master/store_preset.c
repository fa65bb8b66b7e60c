/* store_preset.c - see store.h: presets, named sets of a user's limits. */
#include "store_int.h"

#include <sqlite3.h>
#include <stddef.h>

int
store_preset_list(struct store *s, json_t **rows)
{
	return query_rows(s, "SELECT name, "
	    "lim_webdomains AS limit_webdomains, "
	    "lim_domains AS limit_domains, "
	    "lim_emaildomains AS limit_emaildomains, "
	    "lim_emails AS limit_emails, "
	    "lim_disk_mb AS limit_quota "
	    "FROM preset WHERE ?1 = ?1 ORDER BY name", 0, NULL, rows);
}

int
store_preset_get(struct store *s, const char *name, int64_t lim[LIM_N])
{
	sqlite3_stmt *st;
	int rc, i;

	lock(s);
	if ((st = prep(s, "SELECT lim_webdomains, lim_domains, "
	    "lim_emaildomains, lim_emails, lim_disk_mb FROM preset "
	    "WHERE name = ?1")) == NULL) {
		unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (i = 0; i < LIM_N; i++)
			lim[i] = sqlite3_column_int64(st, i);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? STORE_NOTFOUND : -1;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_preset_put(struct store *s, const char *name, const int64_t lim[LIM_N],
    int create)
{
	sqlite3_stmt *st;
	int rc, i;

	_Static_assert(LIM_N == 5, "a preset has every limit");
	lock(s);
	if ((st = prep(s, create ? "INSERT INTO preset (lim_webdomains, "
	    "lim_domains, lim_emaildomains, lim_emails, lim_disk_mb, name) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)" : "UPDATE preset SET "
	    "lim_webdomains = ?1, lim_domains = ?2, lim_emaildomains = ?3, "
	    "lim_emails = ?4, lim_disk_mb = ?5 WHERE name = ?6")) == NULL) {
		unlock(s);
		return -1;
	}
	for (i = 0; i < LIM_N; i++)
		sqlite3_bind_int64(st, i + 1, lim[i]);
	sqlite3_bind_text(st, 6, name, -1, SQLITE_STATIC);
	rc = step_done(s, st);
	if (rc == 0 && !create && sqlite3_changes(s->db) == 0)
		rc = STORE_NOTFOUND;
	unprep(s, st);
	unlock(s);
	return rc;
}

int
store_preset_delete(struct store *s, const char *const *names, size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc = 0;

	if (tx_begin(s) == -1)
		return -1;
	if ((st = prep(s, "DELETE FROM preset WHERE name = ?1")) == NULL)
		return tx_end(s, -1);
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		rc = step_done(s, st);
		if (rc == 0 && sqlite3_changes(s->db) == 0)
			rc = STORE_NOTFOUND;
		sqlite3_reset(st);
	}
	unprep(s, st);
	return tx_end(s, rc);
}
