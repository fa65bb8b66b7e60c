/* svc_util.c - see svc_util.h. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/sysdata.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "backend.h"
#include "svc_util.h"

#define CHECK_TIMEOUT_MS	30000

/* An error about field what with value s, quoted safely. */
static int
bad(const char *what, const char *s, const char *why, char *err,
    size_t errlen)
{
	char q[64];

	valid_quote(s ? s : "", q, sizeof(q));
	snprintf(err, errlen, "%s \"%s\": %s", what, q, why);
	return -1;
}

int
svc_check_host(const char *what, const char *s, int wild, char *err,
    size_t errlen)
{
	size_t len, lab = 0, i;

	if (s == NULL || (len = strlen(s)) == 0)
		return bad(what, s, "empty", err, errlen);
	if (len > 253)
		return bad(what, s, "too long", err, errlen);
	if (wild && s[0] == '*' && (s[1] == '.' || s[1] == '\0')) {
		if (s[1] == '\0')
			return 0;
		s += 2;
		len -= 2;
	}
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (lab == 0)
				return bad(what, s, "empty label", err, errlen);
			if (lab > 63)
				return bad(what, s, "label too long", err,
				    errlen);
			if (s[i - 1] == '-')
				return bad(what, s, "label ends with '-'",
				    err, errlen);
			lab = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			return bad(what, s, "invalid character", err, errlen);
		if (lab == 0 && c == '-')
			return bad(what, s, "label starts with '-'", err,
			    errlen);
		lab++;
	}
	return 0;
}

int
svc_check_user(const char *what, const char *s, char *err, size_t errlen)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return bad(what, s, "empty", err, errlen);
	if (strlen(s) > 32)
		return bad(what, s, "too long", err, errlen);
	if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return bad(what, s, "must start with a letter or '_'", err,
		    errlen);
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return bad(what, s, "invalid character", err, errlen);
	return 0;
}

int
svc_check_addr(const char *what, const char *s, char *err, size_t errlen)
{
	const char *at;
	size_t i, n;

	if (s == NULL || (at = strchr(s, '@')) == NULL)
		return bad(what, s, "not an address", err, errlen);
	n = (size_t)(at - s);
	if (n == 0 || n > 64)
		return bad(what, s, "bad local part length", err, errlen);
	if (s[0] == '.' || s[n - 1] == '.')
		return bad(what, s, "local part starts or ends with '.'", err,
		    errlen);
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '+' || c == '-'))
			return bad(what, s, "invalid character", err, errlen);
		if (c == '.' && s[i + 1] == '.')
			return bad(what, s, "\"..\" in the local part", err,
			    errlen);
	}
	return svc_check_host(what, at + 1, 0, err, errlen);
}

int
svc_check_relpath(const char *what, const char *s, char *err,
    size_t errlen)
{
	size_t i, seg = 0, len;

	if (s == NULL || (len = strlen(s)) == 0 || len > 200)
		return bad(what, s, "empty or too long", err, errlen);
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '/' || c == '\0') {
			if (seg == 0)
				return bad(what, s, "empty segment", err,
				    errlen);
			if ((seg == 1 && s[i - 1] == '.') ||
			    (seg == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return bad(what, s, "\".\" or \"..\" segment",
				    err, errlen);
			seg = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-'))
			return bad(what, s, "invalid character", err, errlen);
		seg++;
	}
	return 0;
}

int
svc_check_root(const char *root, char *err, size_t errlen)
{
	size_t i;

	if (root == NULL)
		return bad("host root", root, "missing", err, errlen);
	if (root[0] == '\0')
		return 0;
	if (root[0] != '/' || strlen(root) > 400)
		return bad("host root", root, "not an absolute path", err,
		    errlen);
	for (i = 0; root[i]; i++) {
		char c = root[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		    c == '-' || c == '+' || c == '/'))
			return bad("host root", root, "invalid character",
			    err, errlen);
	}
	if (strstr(root, "/../") || strcmp(root + strlen(root) -
	    (strlen(root) >= 3 ? 3 : 0), "/..") == 0)
		return bad("host root", root, "\"..\" segment", err, errlen);
	return 0;
}

const char *
svc_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int
svc_tpl(const json_t *tpl, const char *slot, const char **body, char *err,
    size_t errlen)
{
	char e[VALID_ERR_MAX];

	*body = tpl ? json_string_value(json_object_get(tpl, slot)) : NULL;
	if (*body && sd_tpl_check(slot, *body, e) == -1) {
		snprintf(err, errlen, "template %s", e);
		*body = NULL;
		return -1;
	}
	return 0;
}

static int
byname(const void *a, const void *b)
{
	const char *x = svc_str(*(json_t *const *)a, "name");
	const char *y = svc_str(*(json_t *const *)b, "name");

	return strcmp(x ? x : "", y ? y : "");
}

json_t *
svc_items(const json_t *set)
{
	json_t **v, *out, *it;
	const char *k;
	size_t i, n = 0;

	if (json_is_array(set))
		n = json_array_size(set);
	else if (json_is_object(set))
		n = json_object_size(set);
	else
		return NULL;
	v = xcalloc(n + 1, sizeof(*v));
	n = 0;
	if (json_is_array(set)) {
		json_array_foreach(set, i, it)
			v[n++] = it;
	} else {
		json_object_foreach((json_t *)set, k, it)
			v[n++] = it;
	}
	qsort(v, n, sizeof(*v), byname);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

void
svc_tx_init(struct svc_tx *tx)
{
	tx->f = NULL;
	tx->n = tx->alloc = 0;
}

static struct svc_file *
tx_find(const struct svc_tx *tx, const char *live)
{
	size_t i;

	for (i = 0; i < tx->n; i++)
		if (strcmp(tx->f[i].live, live) == 0)
			return &tx->f[i];
	return NULL;
}

/*
 * The staged name of live is ".BASE.new" in the same directory: a dot file
 * that no "*.conf" glob and no sweep picks up, and on the same file system
 * so that the rename is atomic.  Callers serialise the applies of one
 * service, so the fixed name is theirs alone.
 */
int
svc_tx_stage(struct svc_tx *tx, const char *live, const char *data,
    size_t len, mode_t mode, int force, char *err, size_t errlen)
{
	char dir[PATH_MAX], tmp[PATH_MAX], *slash, *have;
	const char *base;
	size_t hlen;
	struct svc_file *f;

	if (tx_find(tx, live) != NULL) {
		snprintf(err, errlen, "file \"%s\" rendered twice", live);
		return -1;
	}
	if (strlcpy_hf(dir, live, sizeof(dir)) >= sizeof(dir) ||
	    (slash = strrchr(dir, '/')) == NULL) {
		snprintf(err, errlen, "bad path \"%s\"", live);
		return -1;
	}
	*slash = '\0';
	base = slash + 1;
	if (mkdirs(dir[0] ? dir : "/", 0755) == -1) {
		snprintf(err, errlen, "cannot make \"%s\": %s", dir,
		    strerror(errno));
		return -1;
	}
	if (tx->n == tx->alloc) {
		size_t na = tx->alloc ? tx->alloc * 2 : 16;

		tx->f = xrealloc(tx->f, na * sizeof(*tx->f));
		tx->alloc = na;
	}
	f = &tx->f[tx->n];
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->live = xstrdup(live);
	tx->n++;
	have = file_read(live, 64u << 20, &hlen);
	if (!force && have != NULL && hlen == len &&
	    memcmp(have, data, len) == 0) {
		free(have);
		return 0;
	}
	free(have);
	snprintf(tmp, sizeof(tmp), "%s/.%s.new", dir, base);
	f->tmp = xstrdup(tmp);
	/* no fsync: the store is the truth and the next apply rewrites */
	if (file_write_atomic2(tmp, data, len, mode, 0) == -1) {
		snprintf(err, errlen, "cannot write \"%s\": %s", tmp,
		    strerror(errno));
		free(f->tmp);
		f->tmp = NULL;
		return -1;
	}
	return 0;
}

const char *
svc_tx_path(const struct svc_tx *tx, const char *live)
{
	struct svc_file *f = tx_find(tx, live);

	return f && f->tmp ? f->tmp : live;
}

int
svc_tx_any(const struct svc_tx *tx)
{
	size_t i;

	for (i = 0; i < tx->n; i++)
		if (tx->f[i].tmp)
			return 1;
	return 0;
}

int
svc_tx_changed(const struct svc_tx *tx, const char *live)
{
	struct svc_file *f = tx_find(tx, live);

	return f && f->tmp;
}

void
svc_tx_with_db(struct svc_tx *tx, const char *live)
{
	struct svc_file *f = tx_find(tx, live);

	if (f)
		f->with_db = 1;
}

int
svc_tx_commit(struct svc_tx *tx, char *err, size_t errlen)
{
	char a[PATH_MAX], b[PATH_MAX];
	size_t i;

	for (i = 0; i < tx->n; i++) {
		struct svc_file *f = &tx->f[i];

		if (f->tmp == NULL)
			continue;
		/* the .db first: Postfix reads only the .db */
		if (f->with_db) {
			snprintf(a, sizeof(a), "%s.db", f->tmp);
			snprintf(b, sizeof(b), "%s.db", f->live);
			if (rename(a, b) == -1) {
				snprintf(err, errlen, "cannot install \"%s\": "
				    "%s", b, strerror(errno));
				return -1;
			}
		}
		if (rename(f->tmp, f->live) == -1) {
			snprintf(err, errlen, "cannot install \"%s\": %s",
			    f->live, strerror(errno));
			return -1;
		}
		free(f->tmp);
		f->tmp = NULL;
	}
	return 0;
}

void
svc_tx_release(struct svc_tx *tx)
{
	char a[PATH_MAX];
	size_t i;

	for (i = 0; i < tx->n; i++) {
		if (tx->f[i].tmp) {
			unlink(tx->f[i].tmp);
			snprintf(a, sizeof(a), "%s.db", tx->f[i].tmp);
			unlink(a);
		}
		free(tx->f[i].tmp);
		free(tx->f[i].live);
	}
	free(tx->f);
	svc_tx_init(tx);
}

int
svc_tx_sweep(const struct svc_tx *tx, const char *dir, const char *suffix,
    int db, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t sl = strlen(suffix);
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.' || nl <= sl ||
		    strcmp(de->d_name + nl - sl, suffix) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (tx_find(tx, path) != NULL)
			continue;
		if (unlink(path) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "cannot remove \"%s\": %s", path,
			    strerror(errno));
			rc = -1;
		} else if (rc != -1)
			rc++;
		if (db) {
			snprintf(path, sizeof(path), "%s/%s.db", dir,
			    de->d_name);
			unlink(path);
		}
	}
	closedir(d);
	return rc;
}

int
svc_tmpdir(char *path, size_t len, char *err, size_t errlen)
{
	const char *t = getenv("TMPDIR");

	if (t == NULL || t[0] != '/')
		t = "/tmp";
	snprintf(path, len, "%s/hostfleet-check.XXXXXX", t);
	if (mkdtemp(path) == NULL) {
		snprintf(err, errlen, "cannot make a check directory in "
		    "\"%s\": %s", t, strerror(errno));
		return -1;
	}
	return 0;
}

int
svc_run(char *const argv[], char *out, size_t outlen, const char *cut)
{
	char *p;
	size_t n;
	int rc;

	rc = run_cmd(argv, CHECK_TIMEOUT_MS, out, outlen);
	if (cut && out[0] && (p = strstr(out + 1, cut)) != NULL)
		*p = '\0';
	n = strlen(out);
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\n'))
		out[--n] = '\0';
	return rc;
}
