/* account.c - the OS accounts of the users whose data a node holds:
 * lines of the host root's /etc/passwd and /etc/group and a home under
 * /var/www, with the UID and GID the master gave (one per cluster).
 *
 * Only lines of accounts this node made are ever changed; a name or a UID
 * that the system already uses for someone else is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sbuf.h"
#include "../common/util.h"
#include "../common/uvalid.h"
#include "node.h"

/*
 * Checks an account item from the master: name, uid, gid, fullname,
 * active.  0, or -1 with err.
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

int
account_remove(struct node_agent *a, const char *name, char *err,
    size_t errlen)
{
	char path[1024];

	rootpath(a, "/etc/passwd", path, sizeof(path));
	if (db_set(path, name, -1, NULL, 1, err, errlen) == -1)
		return -1;
	rootpath(a, "/etc/group", path, sizeof(path));
	if (db_set(path, name, -1, NULL, 1, err, errlen) == -1)
		return -1;
	/* name passed valid_username: no '/' and no "..", so this stays in
	 * /var/www */
	snprintf(path, sizeof(path), "%s/var/www/%s", a->conf.root, name);
	if (rmtree(path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
