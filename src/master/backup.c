/* backup.c - `hostfleet master backup FILE` and `hostfleet master restore
 * FILE` (docs/operations.md, "Backup and restore").
 *
 * A backup is one SQLite file: the master's store, copied with SQLite's
 * online backup API while the master runs (one read transaction: a
 * consistent state, the master's writes going on in its WAL meanwhile),
 * and two tables more, hostfleet_backup (its format and when it was made)
 * and hostfleet_backup_file: every other file and directory of the state
 * dir that a master needs, with its mode (the cluster CA and its key, the
 * API's and the master's certificates and keys, the SSH key and known
 * hosts, the apt repository and its signing key).  It is written to a
 * temporary file of mode 0600 beside FILE and renamed over it once
 * complete and synced.
 *
 * A restore makes a new state dir beside the one named, puts the files
 * back, copies the store out of the backup with the same API, drops the
 * two tables, opens it as the master does (a store of a newer schema is
 * refused, an older one migrated) and only then renames the directory into
 * place: the state dir is whole or absent. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../common/db.h"
#include "../common/log.h"
#include "../common/util.h"
#include "master.h"

#define BACKUP_FORMAT		"1"
#define BACKUP_FILE_MAX		(512u << 20)	/* one file of the state dir */
#define BACKUP_PATH_MAX		512

/* What a state dir holds that is not backed up, at its top: the store
 * (copied apart), what each start makes again, and temporary files. */
static const char *const skipped[] = {
	"master.db", "master.db-wal", "master.db-shm", "master.db-journal",
	"local.key", "api.url", "repo-work", "repo.lock", NULL,
};

struct bwalk {
	sqlite3		*db;
	sqlite3_stmt	*ins;
	char		 rel[BACKUP_PATH_MAX];	/* of the directory walked */
	int		 skipdepth;	/* > 0: inside a skipped directory */
	int		 failed;
	char		 err[256];
};

static int
is_skipped(const char *rel, const char *name)
{
	size_t i;

	if (rel[0] != '\0')
		return 0;
	for (i = 0; skipped[i]; i++)
		if (strcmp(skipped[i], name) == 0)
			return 1;
	return 0;
}

/* Reads the regular file name of dfd whole; NULL with errno. */
static char *
read_at(int dfd, const char *name, size_t *lenp)
{
	int fd;

	if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return NULL;
	return file_read_regular(fd, BACKUP_FILE_MAX, lenp);
}

static void
walk_fn(struct tree_walk *w, int dfd, const char *name, const struct stat *st,
    int what)
{
	struct bwalk *b = w->arg;
	char path[BACKUP_PATH_MAX];
	char *data = NULL;
	size_t len = 0;

	if (b->failed)
		return;
	if (b->skipdepth > 0) {
		if (what == WALK_DIR)
			b->skipdepth++;
		else if (what == WALK_DIR_POST)
			b->skipdepth--;
		return;
	}
	if (what == WALK_DIR_POST) {
		char *slash = strrchr(b->rel, '/');

		if (slash)
			*slash = '\0';
		else
			b->rel[0] = '\0';
		return;
	}
	if (is_skipped(b->rel, name)) {
		if (what == WALK_DIR)
			b->skipdepth = 1;
		return;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", b->rel,
	    b->rel[0] ? "/" : "", name) >= sizeof(path)) {
		b->failed = 1;
		snprintf(b->err, sizeof(b->err), "a path in the state dir is "
		    "too long: \"%s/%s\"", b->rel, name);
		return;
	}
	if (what == WALK_DIR)
		strlcpy_hf(b->rel, path, sizeof(b->rel));
	else if (what == WALK_DEEP || !S_ISREG(st->st_mode))
		return;		/* sockets, links: nothing a master needs */
	else if ((data = read_at(dfd, name, &len)) == NULL) {
		b->failed = 1;
		snprintf(b->err, sizeof(b->err), "\"%s\": %s", path,
		    strerror(errno));
		return;
	}
	sqlite3_bind_text(b->ins, 1, path, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(b->ins, 2, what == WALK_DIR ? "dir" : "file", -1,
	    SQLITE_STATIC);
	sqlite3_bind_int(b->ins, 3, (int)(st->st_mode & 0777));
	if (data)
		sqlite3_bind_blob(b->ins, 4, data, (int)len, free);
	else
		sqlite3_bind_zeroblob(b->ins, 4, 0);
	if (sqlite3_step(b->ins) != SQLITE_DONE) {
		b->failed = 1;
		snprintf(b->err, sizeof(b->err), "\"%s\": %s", path,
		    sqlite3_errmsg(b->db));
	}
	sqlite3_reset(b->ins);
	sqlite3_clear_bindings(b->ins);
}

/* Copies the database src into dst with the online backup API, in one
 * step (one read transaction on src); 0 or -1 with err. */
static int
copy_db(sqlite3 *dst, sqlite3 *src, char *err, size_t errlen)
{
	sqlite3_backup *bk;
	int rc, tries = 0;

	if ((bk = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(err, errlen, "backup: %s", sqlite3_errmsg(dst));
		return -1;
	}
	while ((rc = sqlite3_backup_step(bk, -1)) == SQLITE_OK ||
	    rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (rc != SQLITE_OK && ++tries > 500)
			break;
		if (rc != SQLITE_OK)
			sqlite3_sleep(10);
	}
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "backup: %s", sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static int
fsync_path(const char *path, int dir)
{
	int fd, rc;

	if ((fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) |
	    O_CLOEXEC)) == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/*
 * Writes the backup of the master whose state dir is state to file; 0, or
 * -1 with err (file untouched).
 */
static int
backup_write(const char *state, const char *file, char *err, size_t errlen)
{
	struct tree_walk w;
	struct bwalk b;
	sqlite3 *src = NULL, *dst = NULL;
	char srcpath[600], tmp[1024], dir[1024], made[32];
	int fd, rc = -1;
	time_t now = time(NULL);
	struct tm tm;

	snprintf(srcpath, sizeof(srcpath), "%s/master.db", state);
	if (access(srcpath, R_OK) == -1) {
		snprintf(err, errlen, "\"%s\": %s", srcpath, strerror(errno));
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", file) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "\"%s\": name too long", file);
		return -1;
	}
	if ((fd = mkstemp(tmp)) == -1) {	/* mode 0600 */
		snprintf(err, errlen, "\"%s\": %s", tmp, strerror(errno));
		return -1;
	}
	close(fd);
	memset(&b, 0, sizeof(b));
	if (sqlite3_open_v2(srcpath, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK || sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open \"%s\" or \"%s\"", srcpath,
		    tmp);
		goto out;
	}
	sqlite3_busy_timeout(src, 5000);
	if (copy_db(dst, src, err, errlen) == -1)
		goto out;
	gmtime_r(&now, &tm);
	strftime(made, sizeof(made), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (db_exec(dst, "PRAGMA journal_mode=DELETE") == -1 ||
	    db_exec(dst, "BEGIN;"
	    "CREATE TABLE hostfleet_backup (key TEXT PRIMARY KEY, value TEXT "
	    "  NOT NULL);"
	    "CREATE TABLE hostfleet_backup_file (path TEXT PRIMARY KEY,"
	    "  kind TEXT NOT NULL CHECK (kind IN ('dir','file')),"
	    "  mode INTEGER NOT NULL, data BLOB NOT NULL);"
	    "INSERT INTO hostfleet_backup VALUES ('format', '" BACKUP_FORMAT
	    "')") == -1) {
		snprintf(err, errlen, "\"%s\": %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	{
		char *sql = sqlite3_mprintf("INSERT INTO hostfleet_backup "
		    "VALUES ('made', %Q)", made);

		db_exec(dst, sql);
		sqlite3_free(sql);
	}
	b.db = dst;
	if (sqlite3_prepare_v2(dst, "INSERT INTO hostfleet_backup_file (path, "
	    "kind, mode, data) VALUES (?1, ?2, ?3, ?4)", -1, &b.ins, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(dst));
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.fn = walk_fn;
	w.arg = &b;
	w.max_depth = 32;
	if (tree_walk(state, &w, NULL) == -1 || b.failed || w.incomplete) {
		snprintf(err, errlen, "state dir \"%s\": %s", state, b.err[0] ?
		    b.err : "could not be read whole");
		goto out;
	}
	sqlite3_finalize(b.ins);
	b.ins = NULL;
	if (db_exec(dst, "COMMIT") == -1) {
		snprintf(err, errlen, "\"%s\": %s", tmp, sqlite3_errmsg(dst));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(b.ins);
	sqlite3_close(src);
	if (sqlite3_close(dst) != SQLITE_OK)
		rc = -1;
	strlcpy_hf(dir, file, sizeof(dir));
	if (rc == 0 && (fsync_path(tmp, 0) == -1 || rename(tmp, file) == -1 ||
	    fsync_path(dirname(dir), 1) == -1)) {
		snprintf(err, errlen, "\"%s\": %s", file, strerror(errno));
		rc = -1;
	}
	if (rc == -1)
		unlink(tmp);
	return rc;
}

/* A path of the backup: relative, of components of [A-Za-z0-9._+~=@,-]
 * (gpg's files too: "pubring.kbx~"), none
 * "." or "..", and none of what a backup never holds at the top. */
int
backup_path_ok(const char *p)
{
	const char *c = p, *slash;
	char top[256];
	size_t n;

	if (*p == '\0' || strlen(p) >= BACKUP_PATH_MAX)
		return 0;
	for (;;) {
		slash = strchr(c, '/');
		n = slash ? (size_t)(slash - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 &&
		    c[0] == '.' && c[1] == '.'))
			return 0;
		if (strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
		    "xyz0123456789._+~=@,-") != n)
			return 0;
		if (c == p) {
			if (n >= sizeof(top))
				return 0;
			memcpy(top, c, n);
			top[n] = '\0';
			if (is_skipped("", top))
				return 0;
		}
		if (slash == NULL)
			return 1;
		c = slash + 1;
	}
}

/* Puts the files of the backup src under dir; 0 or -1 with err. */
static int
restore_files(sqlite3 *src, const char *dir, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	char path[BACKUP_PATH_MAX + 600];
	int rc = 0, n = 0;

	if (sqlite3_prepare_v2(src, "SELECT path, kind, mode, data FROM "
	    "hostfleet_backup_file ORDER BY path", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "not a backup of a master: %s",
		    sqlite3_errmsg(src));
		return -1;
	}
	while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		const char *kind = (const char *)sqlite3_column_text(st, 1);
		mode_t mode = (mode_t)sqlite3_column_int(st, 2) & 0777;
		const void *data = sqlite3_column_blob(st, 3);
		size_t len = (size_t)sqlite3_column_bytes(st, 3);
		char *slash;

		if (p == NULL || !backup_path_ok(p)) {
			snprintf(err, errlen, "the backup holds a path that is "
			    "refused: \"%s\"", p ? p : "");
			rc = -1;
			break;
		}
		if (kind == NULL || (strcmp(kind, "dir") != 0 &&
		    strcmp(kind, "file") != 0)) {
			snprintf(err, errlen, "the backup holds \"%s\" of no "
			    "known kind", p);
			rc = -1;
			break;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, p);
		/* the directories above it, as the backup has them or 0700 */
		slash = strrchr(path, '/');
		*slash = '\0';
		if (mkdirs(path, 0700) == -1)
			rc = -1;
		*slash = '/';
		if (rc == 0 && strcmp(kind, "dir") == 0)
			rc = (mkdir(path, mode | 0700) == -1 && errno !=
			    EEXIST) || chmod(path, mode | 0700) == -1 ? -1 : 0;
		else if (rc == 0)
			rc = file_write_atomic(path, data ? data : "", len,
			    mode);
		if (rc == -1)
			snprintf(err, errlen, "\"%s\": %s", path,
			    strerror(errno));
		n++;
	}
	sqlite3_finalize(st);
	if (rc == 0 && n == 0) {
		snprintf(err, errlen, "the backup holds no file of a state dir");
		rc = -1;
	}
	return rc;
}

/*
 * Makes the state dir state from the backup file: state must not exist,
 * or be an empty directory.  0, or -1 with err and state as it was.
 */
static int
restore_write(const char *file, const char *state, char *err, size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_stmt *st;
	struct store *s;
	char tmp[700], dbpath[800], serr[256];
	int rc = -1, fmt_ok = 0;
	DIR *d;

	if ((d = opendir(state)) != NULL) {
		struct dirent *e;
		int empty = 1;

		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				empty = 0;
		closedir(d);
		if (!empty) {
			snprintf(err, errlen, "state dir \"%s\" is not empty: "
			    "a restore makes a new one", state);
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "state dir \"%s\": %s", state,
		    strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(file, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "\"%s\": %s", file, src ?
		    sqlite3_errmsg(src) : "cannot open");
		sqlite3_close(src);
		return -1;
	}
	if (sqlite3_prepare_v2(src, "SELECT value FROM hostfleet_backup WHERE "
	    "key = 'format'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			fmt_ok = strcmp((const char *)sqlite3_column_text(st, 0),
			    BACKUP_FORMAT) == 0;
		sqlite3_finalize(st);
	}
	if (!fmt_ok) {
		snprintf(err, errlen, "\"%s\": not a backup of a master (format "
		    BACKUP_FORMAT ")", file);
		sqlite3_close(src);
		return -1;
	}
	strlcpy_hf(dbpath, state, sizeof(dbpath));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.restore-XXXXXX", state) >=
	    sizeof(tmp) || mkdirs(dirname(dbpath), 0755) == -1 ||
	    mkdtemp(tmp) == NULL) {
		snprintf(err, errlen, "\"%s\": %s", state, strerror(errno));
		sqlite3_close(src);
		return -1;
	}
	if (restore_files(src, tmp, err, errlen) == -1)
		goto out;
	snprintf(dbpath, sizeof(dbpath), "%s/master.db", tmp);
	if (sqlite3_open_v2(dbpath, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "\"%s\": cannot open", dbpath);
		goto out;
	}
	if (copy_db(dst, src, err, errlen) == -1)
		goto out;
	if (db_exec(dst, "DROP TABLE hostfleet_backup_file;"
	    "DROP TABLE hostfleet_backup") == -1 ||
	    db_exec(dst, "VACUUM") == -1 ||
	    db_exec(dst, "PRAGMA journal_mode=WAL") == -1) {
		snprintf(err, errlen, "\"%s\": %s", dbpath,
		    sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "\"%s\": cannot close", dbpath);
		dst = NULL;
		goto out;
	}
	dst = NULL;
	/* opened as the master opens it: a newer schema refused, an older
	 * one migrated */
	if ((s = store_open(dbpath, serr, sizeof(serr))) == NULL) {
		snprintf(err, errlen, "%s", serr);
		goto out;
	}
	store_close(s);
	if (chmod(tmp, 0700) == -1 || (rmdir(state) == -1 &&
	    errno != ENOENT) || rename(tmp, state) == -1) {
		snprintf(err, errlen, "\"%s\": %s", state, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sqlite3_close(dst);
	sqlite3_close(src);
	if (rc == -1)
		rmtree(tmp);
	return rc;
}

/* The state_dir of a master's config file, over *state; 0 or -1. */
static int
conf_state_dir(const char *path, char *state, size_t len)
{
	json_error_t jerr;
	json_t *j, *v;

	if ((j = json_load_file(path, 0, &jerr)) == NULL) {
		log_warnx("config \"%s\": line %d: %s", path, jerr.line,
		    jerr.text);
		return -1;
	}
	if ((v = json_object_get(j, "state_dir")) != NULL &&
	    json_is_string(v))
		strlcpy_hf(state, json_string_value(v), len);
	json_decref(j);
	return 0;
}

int
master_backup_main(int argc, char **argv)
{
	char state[512], err[1024];
	const char *what = argv[0];
	int ch, restore = strcmp(what, "restore") == 0;

	strlcpy_hf(state, "/var/lib/hostfleet/master", sizeof(state));
	log_init("master", 0);
	while ((ch = getopt(argc, argv, "c:s:")) != -1) {
		switch (ch) {
		case 'c':
			if (conf_state_dir(optarg, state, sizeof(state)) == -1)
				return 1;
			break;
		case 's':
			strlcpy_hf(state, optarg, sizeof(state));
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1)
		goto usage;
	/* a backup is the owner's alone; a restore gives each file and
	 * directory its mode, and the parents it makes 0755 */
	umask(restore ? 022 : 077);
	if (restore ? restore_write(argv[optind], state, err,
	    sizeof(err)) == -1 : backup_write(state, argv[optind], err,
	    sizeof(err)) == -1) {
		log_warnx("%s: %s", what, err);
		return 1;
	}
	if (restore)
		printf("restored \"%s\" into %s\n", argv[optind], state);
	else
		printf("backed up %s into \"%s\"\n", state, argv[optind]);
	return 0;
usage:
	fprintf(stderr, "usage: hostfleet master %s [-c config.json] "
	    "[-s state_dir] FILE\n", what);
	return 2;
}
