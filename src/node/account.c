/* account.c - the OS accounts of the users whose data a node holds:
 * lines of the host root's /etc/passwd and /etc/group and a home under
 * /var/www, with the UID and GID the master gave (one per cluster).
 *
 * Only lines of accounts this node made are ever changed; a name or a UID
 * that the system already uses for someone else is refused. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sbuf.h"
#include "../common/util.h"
#include "../common/uvalid.h"
#include "node.h"
#include "udata_int.h"

/*
 * Checks an account item from the master: name, uid, gid, fullname,
 * active, and ver (the master's account version, raised by every change
 * of the account; absent from a master before it).  0, or -1 with err.
 */
int
account_check(const json_t *acct, char *err, size_t errlen)
{
	const char *name = json_string_value(json_object_get(acct, "name"));
	const char *full = json_string_value(json_object_get(acct,
	    "fullname"));
	json_int_t uid = json_integer_value(json_object_get(acct, "uid"));
	json_int_t gid = json_integer_value(json_object_get(acct, "gid"));
	char e[VALID_ERR_MAX];

	if (name == NULL || valid_username("account", name, e) == -1) {
		snprintf(err, errlen, "%s", name ? e : "account: no name");
		return -1;
	}
	if (full == NULL || valid_fullname("fullname", full, e) == -1) {
		snprintf(err, errlen, "%s", full ? e : "account: no full name");
		return -1;
	}
	if (uid < 1000 || uid > 2000000000 || gid < 1000 || gid > 2000000000) {
		snprintf(err, errlen, "account \"%s\": uid and gid must be in "
		    "1000..2000000000", name);
		return -1;
	}
	if (!json_is_boolean(json_object_get(acct, "active"))) {
		snprintf(err, errlen, "account \"%s\": no active flag", name);
		return -1;
	}
	if (json_object_get(acct, "ver") != NULL &&
	    (!json_is_integer(json_object_get(acct, "ver")) ||
	    json_integer_value(json_object_get(acct, "ver")) < 0)) {
		snprintf(err, errlen, "account \"%s\": a bad version", name);
		return -1;
	}
	return 0;
}

/*
 * Rewrites one colon-separated database (passwd or group) of the host
 * root: the line of name becomes line (NULL: removed).  A line of another
 * name with the same id (the third field) is a conflict, and so is a line
 * of the same name unless ours says the account is this node's own.
 * 0 or -1 with err.
 */
static int
db_set(const char *path, const char *name, long id, const char *line,
    int ours, char *err, size_t errlen)
{
	char *old, *p, *nl;
	struct sbuf out;
	size_t nlen = strlen(name), len;
	int rc = 0;

	if ((old = file_read(path, 16u << 20, &len)) == NULL) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		old = xstrdup("");
	}
	sbuf_init(&out, 32u << 20);
	for (p = old; *p; p = nl) {
		size_t l;

		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		l = (size_t)(nl - p);
		if (strncmp(p, name, nlen) == 0 && p[nlen] == ':') {
			if (ours)
				continue;	/* replaced below */
			snprintf(err, errlen, "%s: \"%s\" is an account of "
			    "the system, not one this node made", path, name);
			rc = -1;
			break;
		}
		if (line) {
			/* the third field is the id in both files */
			const char *f = p;
			int k;

			for (k = 0; k < 2 && f && f < nl; k++)
				f = memchr(f, ':', (size_t)(nl - f)) ?
				    (char *)memchr(f, ':', (size_t)(nl - f)) +
				    1 : NULL;
			if (f && f < nl && strtol(f, NULL, 10) == id) {
				snprintf(err, errlen, "%s: id %ld already "
				    "belongs to another account", path, id);
				rc = -1;
				break;
			}
		}
		sbuf_add(&out, p, l);
		if (l > 0 && p[l - 1] != '\n')
			sbuf_addc(&out, '\n');
	}
	if (rc == 0 && line)
		sbuf_printf(&out, "%s\n", line);
	if (rc == 0 && file_write_atomic(path, sbuf_str(&out), out.len, 0644)
	    == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	sbuf_release(&out);
	free(old);
	return rc;
}

static void
rootpath(const struct node_agent *a, const char *rel, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "%s%s", a->conf.root, rel);
}

int
account_apply(struct node_agent *a, const json_t *acct, int ours, char *err,
    size_t errlen)
{
	const char *name = json_string_value(json_object_get(acct, "name"));
	const char *full = json_string_value(json_object_get(acct,
	    "fullname"));
	long uid = (long)json_integer_value(json_object_get(acct, "uid"));
	long gid = (long)json_integer_value(json_object_get(acct, "gid"));
	char path[1024], line[512], dir[1024];

	rootpath(a, "/etc", dir, sizeof(dir));
	if (mkdirs(dir, 0755) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* passwd first: a name the system has is refused there before the
	 * group is touched */
	rootpath(a, "/etc/passwd", path, sizeof(path));
	snprintf(line, sizeof(line), "%s:x:%ld:%ld:%s:/var/www/%s:"
	    "/usr/sbin/nologin", name, uid, gid, full, name);
	if (db_set(path, name, uid, line, ours, err, errlen) == -1)
		return -1;
	/* the web server reads the user's files through the group */
	rootpath(a, "/etc/group", path, sizeof(path));
	snprintf(line, sizeof(line), "%s:x:%ld:www-data", name, gid);
	if (db_set(path, name, gid, line, ours, err, errlen) == -1) {
		char e2[256];

		/* a new account leaves no half behind */
		if (!ours) {
			rootpath(a, "/etc/passwd", path, sizeof(path));
			db_set(path, name, -1, NULL, 1, e2, sizeof(e2));
		}
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/var/www", a->conf.root);
	if (mkdirs(dir, 0755) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* the home and its data directory, the user's own */
	snprintf(dir, sizeof(dir), "%s/var/www/%s/data", a->conf.root, name);
	if (mkdirs(dir, 0750) == -1 || lchown(dir, (uid_t)uid, (gid_t)gid) ==
	    -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/var/www/%s", a->conf.root, name);
	if (lchown(dir, (uid_t)uid, (gid_t)gid) == -1 ||
	    chmod(dir, 0750) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Whether a process with uid as its real or saved UID is alive: one that
 * uid_kill() reaches (a root daemon that takes the UID as its effective
 * one for a while is root's, and not reached), a zombie not counted (it
 * runs nothing, and only its parent can take it away).  1 or 0, or -1
 * with errno when /proc cannot be read.
 */
static int
uid_alive(uid_t uid)
{
	struct dirent *de;
	unsigned long id[3];
	char path[64], *st, *p;
	DIR *d;
	int n = 0;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while (n == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", de->d_name);
		if ((st = file_read(path, 1u << 16, NULL)) == NULL)
			continue;	/* gone meanwhile */
		p = strstr(st, "\nState:\t");
		if (p && p[8] != 'Z' && p[8] != 'X' && (p = strstr(st,
		    "\nUid:\t")) != NULL && sscanf(p + 6, "%lu %lu %lu",
		    &id[0], &id[1], &id[2]) == 3)
			n = id[0] == (unsigned long)uid ||
			    id[2] == (unsigned long)uid;
		free(st);
	}
	closedir(d);
	return n;
}

/*
 * One SIGKILL to every process of uid: a child takes uid as its real,
 * effective and saved UID and calls kill(-1), which reaches exactly the
 * processes it may signal, those whose real or saved UID is uid, and none
 * of another user (a process forking meanwhile either is reached or has
 * its fork fail).  0 or -1.
 */
static int
uid_kill(uid_t uid)
{
	pid_t pid;
	int status;

	if (uid < 1000) {	/* never root's, nor the system's */
		errno = EPERM;
		return -1;
	}
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (setresuid(uid, uid, uid) == -1 || getuid() != uid ||
		    geteuid() != uid)
			_exit(2);
		/* the privileges must be gone (no SECBIT_NO_SETUID_FIXUP),
		 * or kill(-1) would reach every process */
		if (setuid(0) == 0)
			_exit(3);
		if (kill(-1, SIGKILL) == -1 && errno != ESRCH)
			_exit(1);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* How many kill rounds, 10 ms apart, processes of an account have to die
 * in: a process killed is gone in microseconds, unless the system is
 * stuck or something keeps starting new ones as the account. */
#define KILL_ROUNDS	500

/*
 * Stops every process of uid on this machine: SIGKILL until none is left
 * alive.  0, or -1 with err.
 */
static int
account_kill(uid_t uid, char *err, size_t errlen)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int round, n;

	for (round = 0; round < KILL_ROUNDS; round++) {
		if (uid_kill(uid) == -1) {
			snprintf(err, errlen, "cannot kill the processes of "
			    "uid %lu: %s", (unsigned long)uid,
			    strerror(errno));
			return -1;
		}
		if ((n = uid_alive(uid)) == -1) {
			snprintf(err, errlen, "/proc: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	snprintf(err, errlen, "the processes of uid %lu do not end",
	    (unsigned long)uid);
	return -1;
}

int
account_remove(struct node_agent *a, const char *name, uid_t uid, char *err,
    size_t errlen)
{
	char path[1024];

	/* first nothing new starts as the account: its lines go (cron and
	 * the rest look the name up) and its crontab; the services of its
	 * data went before this was called */
	rootpath(a, "/etc/passwd", path, sizeof(path));
	if (db_set(path, name, -1, NULL, 1, err, errlen) == -1)
		return -1;
	rootpath(a, "/etc/group", path, sizeof(path));
	if (db_set(path, name, -1, NULL, 1, err, errlen) == -1)
		return -1;
	/* name passed valid_username: no '/' and no "..", so these stay in
	 * their directories */
	snprintf(path, sizeof(path), "%s/var/spool/cron/crontabs/%s",
	    a->conf.root, name);
	if (unlink(path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* then what runs as it stops, so nothing changes the home while it
	 * is removed; the removal trusts nothing in it all the same */
	if (account_kill(uid, err, errlen) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/var/www/%s", a->conf.root, name);
	if (rmtree(path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- accounts of user data (udata_int.h) ---- */

json_t *
ud_accounts_map(struct node_agent *a)
{
	json_t *items, *map = json_object(), *it;
	size_t i;

	nstore_ud_list(a->st, "account", NULL, NULL, &items);
	json_array_foreach(items, i, it)
		json_object_set(map, json_string_value(json_object_get(it,
		    "name")), it);
	json_decref(items);
	return map;
}

/*
 * The owner's account from the call, made on this node if it is new or
 * different.  0, or -1 with the error.
 */
int
ud_ensure_account(struct call *c)
{
	json_t *cur = NULL, *puts;
	char err[512];
	int rc = 0, older;

	if (c->account == NULL)
		return 0;
	if (account_check(c->account, err, sizeof(err)) == -1 ||
	    c->owner == NULL || strcmp(c->owner, json_string_value(
	    json_object_get(c->account, "name"))) != 0) {
		reply_error(&c->r, "value", "account", "%s", err);
		return -1;
	}
	pthread_mutex_lock(&acct_mtx);
	nstore_ud_get(c->a->st, "account", c->owner, &cur);
	/* an account read by the master before the one here was sent (a
	 * create that crossed a change) changes nothing */
	older = cur != NULL && json_integer_value(json_object_get(c->account,
	    "ver")) < json_integer_value(json_object_get(cur, "ver"));
	if (!older && (cur == NULL || !json_equal(json_object_get(cur, "uid"),
	    json_object_get(c->account, "uid")) || !json_equal(
	    json_object_get(cur, "fullname"), json_object_get(c->account,
	    "fullname")))) {
		if (account_apply(c->a, c->account, cur != NULL, err,
		    sizeof(err)) == -1) {
			reply_error(&c->r, "account", c->owner, "%s", err);
			rc = -1;
		} else {
			json_t *it = json_deep_copy(c->account);

			/* the state is changed by its own call, which also
			 * brings the version */
			if (cur) {
				json_object_set(it, "active",
				    json_object_get(cur, "active"));
				if (json_object_get(cur, "ver"))
					json_object_set(it, "ver",
					    json_object_get(cur, "ver"));
				else
					json_object_del(it, "ver");
			}
			puts = json_pack("[o]", ud_put_of("account", NULL, it));
			rc = nstore_ud_write(c->a->st, puts, NULL);
			json_decref(puts);
			if (rc == -1)
				reply_error(&c->r, "internal", "account",
				    "node store unavailable");
		}
	}
	pthread_mutex_unlock(&acct_mtx);
	json_decref(cur);
	return rc;
}

/* POST /v1/account {account}: the account as the master has it, with
 * its state: a suspended owner's sites and mail stop.  An account older
 * than the one here (a lower ver: calls that crossed) changes nothing and
 * is answered ok, the master's newer one being here already. */
void
account_set(struct node_agent *a, json_t *b, struct http_resp *resp)
{
	struct reply r;
	json_t *acct = json_object_get(b, "account"), *cur = NULL, *puts;
	char err[2048];
	int i;

	reply_init(&r);
	if (account_check(acct, err, sizeof(err)) == -1) {
		reply_error(&r, "value", "account", "%s", err);
		goto out;
	}
	for (i = 0; i < SVC_N; i++)
		pthread_mutex_lock(&svc_mtx[i]);
	pthread_mutex_lock(&acct_mtx);
	nstore_ud_get(a->st, "account", json_string_value(json_object_get(
	    acct, "name")), &cur);
	if (cur == NULL)
		reply_ok(&r);	/* no data of theirs here: nothing to do */
	else if (json_equal(cur, acct))
		reply_ok(&r);
	else if (json_integer_value(json_object_get(acct, "ver")) <
	    json_integer_value(json_object_get(cur, "ver")))
		reply_ok(&r);
	else if (account_apply(a, acct, 1, err, sizeof(err)) == -1)
		reply_error(&r, "account", "account", "%s", err);
	else {
		test_point("account-applied");
		puts = json_pack("[o]", ud_put_of("account", NULL,
		    json_deep_copy(acct)));
		if (nstore_ud_write(a->st, puts, NULL) == -1)
			reply_error(&r, "internal", "account", "node store "
			    "unavailable");
		else if (rerender_accounts(a, err, sizeof(err)) == -1 ||
		    go_live(a, SVC_WEB, err, sizeof(err)) == -1 ||
		    go_live(a, SVC_MAIL, err, sizeof(err)) == -1) {
			/* back to what it was */
			json_array_set_new(puts, 0, ud_put_of("account", NULL,
			    json_incref(cur)));
			nstore_ud_write(a->st, puts, NULL);
			account_apply(a, cur, 1, err + 1024, 1024);
			if (rerender_accounts(a, err + 1024, 1024) == 0) {
				go_live(a, SVC_WEB, err + 1024, 1024);
				go_live(a, SVC_MAIL, err + 1024, 1024);
			}
			reply_error(&r, "check", "account", "%s", err);
		} else
			reply_ok(&r);
		json_decref(puts);
	}
	pthread_mutex_unlock(&acct_mtx);
	for (i = SVC_N - 1; i >= 0; i--)
		pthread_mutex_unlock(&svc_mtx[i]);
out:
	json_decref(cur);
	http_resp_json(resp, 200, r.doc);
	reply_release(&r);
}

/* POST /v1/account/delete {name}: the user's data, services and account
 * go from this node. */
void
account_delete(struct node_agent *a, json_t *b, struct http_resp *resp)
{
	struct call c;
	const char *name = json_string_value(json_object_get(b, "name"));
	static const char *const kinds[] = { "webdomain", "zone",
	    "emaildomain", "mailbox" };
	static const enum svc svcs[] = { SVC_WEB, SVC_DNS, SVC_MAIL,
	    SVC_MAIL };
	char err[1024];
	json_t *dels[SVC_N], *items, *x, *puts = json_array();
	size_t i, j;
	int s, rc = 0;

	memset(&c, 0, sizeof(c));
	c.a = a;
	reply_init(&c.r);
	if (name == NULL || valid_username("name", name, err) == -1) {
		reply_error(&c.r, "value", "name", "%s", name ? err :
		    "no name");
		goto out;
	}
	for (s = 0; s < SVC_N; s++) {
		pthread_mutex_lock(&svc_mtx[s]);
		dels[s] = json_array();
	}
	for (i = 0; i < nitems(kinds); i++) {
		nstore_ud_list(a->st, kinds[i], name, NULL, &items);
		json_array_foreach(items, j, x)
			json_array_append_new(dels[svcs[i]], ud_del_of(kinds[i],
			    json_string_value(json_object_get(x, "name"))));
		json_decref(items);
	}
	for (s = 0; s < SVC_N && rc == 0; s++)
		if (json_array_size(dels[s]) > 0) {
			rc = ud_commit(&c, (enum svc)s, puts, dels[s]);
			if (rc == 0 && go_live(a, (enum svc)s, err,
			    sizeof(err)) == -1) {
				reply_error(&c.r, "service", svc_role[s], "%s",
				    err);
				rc = -1;
			}
		}
	if (rc == 0) {
		json_t *d = json_pack("[o]", ud_del_of("account", name)), *cur;

		pthread_mutex_lock(&acct_mtx);
		/* only an account this node made is removed */
		if (nstore_ud_get(a->st, "account", name, &cur) != 0)
			reply_ok(&c.r);
		else if (account_remove(a, name, (uid_t)json_integer_value(
		    json_object_get(cur, "uid")), err, sizeof(err)) == -1)
			reply_error(&c.r, "account", "account", "%s", err);
		else if (nstore_ud_write(a->st, NULL, d) == -1)
			reply_error(&c.r, "internal", "account", "node store "
			    "unavailable");
		else
			reply_ok(&c.r);
		json_decref(d);
		json_decref(cur);
		pthread_mutex_unlock(&acct_mtx);
	}
	for (s = SVC_N - 1; s >= 0; s--) {
		json_decref(dels[s]);
		pthread_mutex_unlock(&svc_mtx[s]);
	}
out:
	json_decref(puts);
	http_resp_json(resp, 200, c.r.doc);
	reply_release(&c.r);
}
