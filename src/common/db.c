/* db.c - see db.h. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

int
db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_warnx("store: %s", msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int
migrate(sqlite3 *db, const char *const *migrations, size_t n, char *err,
    size_t errlen)
{
	sqlite3_stmt *st;
	int version = 0, i;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > (int)n) {
		snprintf(err, errlen, "database schema %d is newer than this "
		    "program (%d)", version, (int)n);
		return -1;
	}
	for (i = version; i < (int)n; i++) {
		char sql[64];

		if (db_exec(db, "BEGIN IMMEDIATE") == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (db_exec(db, migrations[i]) == -1 ||
		    db_exec(db, sql) == -1) {
			db_exec(db, "ROLLBACK");
			snprintf(err, errlen, "schema migration %d failed", i + 1);
			return -1;
		}
		if (db_exec(db, "COMMIT") == -1)
			return -1;
		log_info("store: schema migrated to version %d", i + 1);
	}
	return 0;
}

/* ---- a failing COMMIT, for the tests (db.h) ---- */

static const char	*failfile;	/* HOSTFLEET_TEST_FAIL_COMMIT */
static int		 failarmed;	/* the transaction did the change */

static void
fail_update(void *arg, int op, const char *dbname, const char *table,
    sqlite3_int64 rowid)
{
	char *want, what[128];
	size_t len;

	(void)arg;
	(void)dbname;
	(void)rowid;
	if (failarmed || (want = file_read(failfile, 128, &len)) == NULL)
		return;
	want[strcspn(want, "\n")] = '\0';
	snprintf(what, sizeof(what), "%s %s", op == SQLITE_INSERT ? "insert" :
	    op == SQLITE_UPDATE ? "update" : "delete", table);
	failarmed = strcmp(want, what) == 0;
	free(want);
}

static int
fail_commit(void *arg)
{
	(void)arg;
	if (!failarmed)
		return 0;
	failarmed = 0;
	if (unlink(failfile) == -1)
		return 0;
	log_warnx("store: test: this COMMIT fails");
	return 1;		/* the COMMIT becomes a ROLLBACK */
}

static void
fail_rollback(void *arg)
{
	(void)arg;
	failarmed = 0;
}

sqlite3 *
db_open(const char *path, const char *pragmas, const char *const *migrations,
    size_t n, char *err, size_t errlen)
{
	sqlite3 *db = NULL;

	err[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database \"%s\": %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	if (db_exec(db, "PRAGMA journal_mode=WAL") == -1 ||
	    db_exec(db, "PRAGMA synchronous=NORMAL") == -1 ||
	    (pragmas && db_exec(db, pragmas) == -1) ||
	    migrate(db, migrations, n, err, errlen) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "database \"%s\": cannot "
			    "initialise", path);
		sqlite3_close(db);
		return NULL;
	}
	if ((failfile = getenv("HOSTFLEET_TEST_FAIL_COMMIT")) != NULL) {
		sqlite3_update_hook(db, fail_update, NULL);
		sqlite3_commit_hook(db, fail_commit, NULL);
		sqlite3_rollback_hook(db, fail_rollback, NULL);
	}
	return db;
}

sqlite3 *
db_open_readonly(const char *path, size_t n, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int version = -1;

	err[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "database \"%s\": %s", path,
		    db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	if (version != (int)n) {
		if (version == -1)
			snprintf(err, errlen, "database \"%s\": %s", path,
			    sqlite3_errmsg(db));
		else
			snprintf(err, errlen, "database \"%s\": schema %d, "
			    "this program's is %d", path, version, (int)n);
		sqlite3_close(db);
		return NULL;
	}
	return db;
}
