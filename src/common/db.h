/* db.h - opening the SQLite stores of the master and of the node: WAL, a
 * busy timeout, the caller's pragmas, and ordered schema migrations
 * (migration i brings PRAGMA user_version from i to i + 1; a released
 * migration is never edited).  Only store files include this. */
#ifndef HF_DB_H
#define HF_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Runs sql; 0, or -1 with the error logged. */
int	 db_exec(sqlite3 *, const char *sql);
/* Opens path and brings its schema up to date; the handle, or NULL with a
 * message in err.  A schema newer than the program is refused.
 *
 * For the tests: when HOSTFLEET_TEST_FAIL_COMMIT names a file holding
 * "OP TABLE" (OP insert, update or delete), the next transaction that does
 * such a change to a row of TABLE fails at its COMMIT, which SQLite then
 * rolls back, and the file is removed: one failure per file written.  The
 * hook is the process's, for its one writing connection. */
sqlite3	*db_open(const char *path, const char *pragmas,
	    const char *const *migrations, size_t n, char *err, size_t errlen);
/* Opens path, which must exist, read-only, to inspect it while its daemon
 * runs (hostfleet dump): the database is never written (SQLite may make
 * its -wal and -shm files to read it), and a schema other than the
 * program's (n migrations) is refused, not migrated.  The handle, or NULL
 * with a message in err. */
sqlite3	*db_open_readonly(const char *path, size_t n, char *err,
	    size_t errlen);

#endif
