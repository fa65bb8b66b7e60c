/* store_int.h - what the files of the master's store share, and no other
 * file includes: the store itself and the helpers through which every
 * area of it runs its SQL.
 *
 * The store is one file per area (store_user.c, store_session.c,
 * store_node.c, store_policy.c, store_sysdata.c, store_desync.c,
 * store_query.c, store_placement.c, store_uindex.c) around store.c; they
 * are the only files of the master that speak SQL, and the rest of the
 * master calls the functions of store.h. */
#ifndef HF_STORE_INT_H
#define HF_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/util.h"
#include "store.h"

/* Prepared statements are kept for the next call of the same SQL: every
 * API request runs a few, and compiling them again each time was a good
 * part of a proxied call's cost. */
#define STMT_CACHE	96

struct store {
	sqlite3		*db;
	pthread_mutex_t	 mtx;
	int64_t		 uid_min;	/* the first UID of users' accounts */
	struct {
		char		*sql;
		sqlite3_stmt	*st;
		int		 busy;
	}		 cache[STMT_CACHE];
};

/* store.c: the helpers.  exec() to rows_json() are called with the store's
 * lock held (lock()); query_do() and the query_*() take it themselves. */
int	 exec(struct store *, const char *sql);
/* 0 when COMMIT took; else rolled back, and rc, or -1 when rc was 0. */
int	 commit_or_rollback(struct store *, int rc);
/* A statement for sql, from the cache when it holds an idle one; handed
 * back with unprep(). */
sqlite3_stmt *prep(struct store *, const char *sql);
void	 unprep(struct store *, sqlite3_stmt *);
void	 lock(struct store *);
void	 unlock(struct store *);
/* A write transaction: tx_begin takes the lock and opens it (0, or -1
 * with neither held); tx_end commits when rc is 0, else rolls back, and
 * lets the lock go, returning as commit_or_rollback(). */
int	 tx_begin(struct store *);
int	 tx_end(struct store *, int rc);
void	 col_text(sqlite3_stmt *, int i, char *out, size_t outlen);
/* Runs a statement that returns no row; 0, STORE_EXISTS or -1. */
int	 step_done(struct store *, sqlite3_stmt *);
/* One statement that returns no row, under the lock: ?1 and ?2 integers,
 * ?3 and ?4 texts (NULL: unbound); 0, STORE_NOTFOUND when notfound is set
 * and no row changed, STORE_EXISTS or -1. */
int	 query_do(struct store *, const char *sql, int64_t a, int64_t b,
	    const char *t3, const char *t4, int notfound);
/* Every row of st as a JSON object named by the columns; hands st back. */
json_t	*rows_json(struct store *, sqlite3_stmt *st, int *rcp);
/* The rows of sql, under the lock, with ?1 an integer and ?2 a text
 * (either may be unused); *rows is always set (the caller decrefs). */
int	 query_rows(struct store *, const char *sql, int64_t a,
	    const char *b, json_t **rows);
/* The one integer answer of sql with the same parameters; STORE_NOTFOUND
 * when there is no row. */
int	 query_int(struct store *, const char *sql, int64_t a, const char *b,
	    int64_t *out);
/* A count of query_int()'s form into *n; 0 or -1. */
int	 query_count(struct store *, const char *sql, int64_t a,
	    const char *b, int *n);

/* store_user.c: a user is read as the USER_NCOLS columns USER_COLS. */
#define USER_COLS	"id, name, level, active, pwhash, fullname, " \
	"coalesce(uid, 0), lim_webdomains, lim_domains, lim_emaildomains, " \
	"lim_emails, lim_disk_mb, acct_ver, deleting"
#define USER_NCOLS	14
void	 user_row(sqlite3_stmt *, struct user *);

/* store_desync.c: registers (node, type) inside an open transaction; 0 or
 * -1. */
int	 desync_add_locked(struct store *, int64_t node, const char *type,
	    const char *reason, int64_t now);

#endif
