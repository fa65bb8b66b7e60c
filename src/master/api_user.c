/* api_user.c - users: user, user.edit, user.delete, user.suspend,
 * user.resume, user.placement.
 *
 * The master owns the account (name, full name, level, password, UID,
 * limits).  Every node holding some of a user's data has the user's OS
 * account.  A change of the account is written on the master first, with
 * a new account version, then pushed to all of those nodes at once; when
 * one fails it is taken back on the master (unless changed again since)
 * and the answer names the nodes that failed.  Whatever a node missed,
 * through a lost answer or a process killed at any step, the reconciler
 * (cluster/reconcile.c) sends it the master's row until it has it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/params.h"
#include "../common/util.h"
#include "../common/uvalid.h"
#include "master.h"

static const struct {
	const char	*param;
	int		 lim;
} limits[] = {
	{ "limit_webdomains", LIM_WEBDOMAINS },
	{ "limit_domains", LIM_DOMAINS },
	{ "limit_emaildomains", LIM_EMAILDOMAINS },
	{ "limit_emails", LIM_EMAILS },
	{ "limit_quota", LIM_DISK_MB },
};

int
user_limit_index(const char *param)
{
	size_t i;

	for (i = 0; i < nitems(limits); i++)
		if (strcmp(limits[i].param, param) == 0)
			return limits[i].lim;
	return -1;
}

/* Names that accounts of the system have on Debian: a user by such a name
 * would be refused by every node (account.c), so the name is refused at
 * once. */
static int
reserved_name(const char *name)
{
	static const char *const names[] = { "root", "daemon", "bin", "sys",
	    "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy",
	    "www-data", "backup", "list", "irc", "gnats", "nobody", "sshd",
	    "messagebus", "postfix", "dovecot", "dovenull", "bind", "named",
	    "nginx", "mysql", "postgres", "redis", "ftp", "vmail", "admin",
	    "ispmaster", "hostfleet", "operator", "adm", "tty", "disk",
	    "kmem", "dialout", "cdrom", "floppy", "audio", "video", "staff",
	    "users", "nogroup", "shadow", "utmp", "crontab", "ssh",
	    /* what /var/www holds besides the homes */
	    "html", "httpd-logs", NULL };
	size_t i;

	if (name[0] == '_' || strncmp(name, "systemd-", 8) == 0)
		return 1;
	for (i = 0; names[i]; i++)
		if (strcmp(names[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Sends body to path on every node holding some of u's data, at once.
 * Returns 0 when all took it; -1 with the nodes' errors in err.  took[i]
 * (for the nodes of *nodesp) is 1 when the node did it, 2 when it gave no
 * answer (it may have), 0 when it refused or was never reached.
 */
static int
push_nodes(struct master *m, const struct user *u, const char *path,
    json_t *body, struct node **nodesp, size_t *np, int **tookp, char *err,
    size_t errlen)
{
	int64_t *ids = NULL;
	size_t n = 0, i, eo = 0;
	struct node *v;
	struct ucall *calls;
	int *took, rc = 0;

	err[0] = '\0';
	*nodesp = NULL;
	*np = 0;
	*tookp = NULL;
	if (store_user_nodes(m->st, u->id, &ids, &n) == -1) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	v = xcalloc(n + 1, sizeof(*v));
	calls = xcalloc(n + 1, sizeof(*calls));
	took = xcalloc(n + 1, sizeof(*took));
	for (i = 0; i < n; i++) {
		if (store_node_get(m->st, ids[i], &v[i]) != 0) {
			snprintf(err, errlen, "store unavailable");
			rc = -1;
			n = i;
			goto out;
		}
		calls[i].node = &v[i];
		calls[i].body = body;
	}
	proxy_run(m, calls, n, path);
	for (i = 0; i < n; i++) {
		const char *e = calls[i].err;

		if (calls[i].doc && json_object_get(calls[i].doc, "error"))
			e = json_string_value(json_object_get(json_object_get(
			    calls[i].doc, "error"), "msg"));
		else if (calls[i].doc)
			e = NULL;
		/* 1: done; 2: no answer, so maybe done; 0: refused, or
		 * never reached the node */
		took[i] = e == NULL ? 1 : calls[i].doc == NULL &&
		    !calls[i].unsent ? 2 : 0;
		if (e) {
			rc = -1;
			if (eo < errlen)
				eo += (size_t)snprintf(err + eo, errlen - eo,
				    "%snode \"%s\": %s", eo ? "; " : "",
				    v[i].name, e);
		}
		json_decref(calls[i].doc);
	}
out:
	free(calls);
	free(ids);
	*nodesp = v;
	*np = n;
	*tookp = took;
	return rc;
}

/*
 * Sends the master's account of user, as it is now, to every node holding
 * some of their data, at once; a node that took it owes that version no
 * more.  0, or -1 with the nodes' errors in err (what they missed is the
 * reconciler's).
 */
static int
account_push(struct master *m, int64_t user, char *err, size_t errlen)
{
	struct user cur;
	struct node *v;
	json_t *body;
	size_t n, i;
	int *took, rc;

	if (store_user_get_id(m->st, user, &cur) != 0) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	body = json_pack("{s:o}", "account", proxy_account(&cur));
	rc = push_nodes(m, &cur, "/v1/account", body, &v, &n, &took, err,
	    errlen);
	json_decref(body);
	for (i = 0; i < n; i++)
		if (took[i] == 1 && store_acct_done(m->st, user, v[i].id,
		    cur.acct_ver) == -1)
			rc = -1;
	store_nodes_free(v, n);
	free(took);
	return rc;
}

/*
 * Makes the fields of mask (UF_ACTIVE, UF_FULLNAME) of the account of u
 * what u says: first in the master's row, which is the intent the nodes
 * converge to (docs/internals/userdata.md), then on every node of the
 * user at once.  When a node fails, the master's fields go back to prev's
 * unless another change came meanwhile, and that is sent too; a node
 * that misses either is brought in line by the reconciler.  0, or -1 with
 * the error in the reply.
 */
static int
account_change(struct api_ctx *c, const struct user *prev, struct user *u,
    unsigned mask)
{
	struct user back;
	char err[1600], e2[1600];
	int rc;

	if ((rc = store_user_set(c->m->st, u, mask, -1, wall_s())) != 0) {
		if (rc == STORE_NOTFOUND)
			reply_error(&c->r, "missing", "user", "user \"%s\" is "
			    "being deleted", u->name);
		else
			reply_error(&c->r, "internal", "user", "store "
			    "unavailable");
		return -1;
	}
	master_caches_clear(c->m);
	test_point("account-push");
	rc = account_push(c->m, u->id, err, sizeof(err));
	test_point("account-pushed");
	if (rc == 0)
		return 0;
	back = *prev;
	back.id = u->id;
	if (store_user_set(c->m->st, &back, mask, u->acct_ver, wall_s()) ==
	    0) {
		master_caches_clear(c->m);
		account_push(c->m, u->id, e2, sizeof(e2));
	}
	reply_error(&c->r, "node", "user", "user \"%s\" was not changed: %s",
	    u->name, err);
	return -1;
}

/* The fields of u that differ from prev, as UF_* bits. */
static unsigned
user_changes(const struct user *prev, const struct user *u)
{
	unsigned mask = 0;

	if (strcmp(prev->level, u->level) != 0)
		mask |= UF_LEVEL;
	if (prev->active != u->active)
		mask |= UF_ACTIVE;
	if (strcmp(prev->pwhash, u->pwhash) != 0)
		mask |= UF_PWHASH;
	if (strcmp(prev->fullname, u->fullname) != 0)
		mask |= UF_FULLNAME;
	if (memcmp(prev->lim, u->lim, sizeof(u->lim)) != 0)
		mask |= UF_LIMITS;
	return mask;
}

static void
user_fields(struct api_ctx *c, const struct user *u)
{
	size_t i;

	reply_set(&c->r, "name", u->name);
	reply_set(&c->r, "fullname", u->fullname);
	reply_set(&c->r, "level", u->level);
	reply_set(&c->r, "active", u->active ? "on" : "off");
	reply_setf(&c->r, "uid", "%lld", (long long)u->uid);
	for (i = 0; i < nitems(limits); i++)
		reply_setf(&c->r, limits[i].param, "%lld",
		    (long long)u->lim[limits[i].lim]);
	reply_setf(&c->r, "quota_total", "%lld",
	    (long long)u->lim[LIM_DISK_MB]);
}

/* A list answer of store rows: one element a row, every column a field
 * (the store names the columns as the list's fields). */
static void
reply_rows(struct api_ctx *c, json_t *rows)
{
	const char *k;
	json_t *r, *v, *e;
	size_t i;

	reply_list(&c->r);
	json_array_foreach(rows, i, r) {
		e = reply_elem(&c->r);
		json_object_foreach(r, k, v) {
			if (json_is_integer(v))
				elem_setf(e, k, "%lld",
				    (long long)json_integer_value(v));
			else
				elem_set(e, k, json_string_value(v));
		}
	}
}

void
api_user_list(struct api_ctx *c)
{
	json_t *rows;

	if (store_user_list(c->m->st, &rows) == -1)
		reply_error(&c->r, "internal", "user", "store unavailable");
	else
		reply_rows(c, rows);
	json_decref(rows);
}

/* Copies the limits of the preset the call names (preset=) into u; 0, or
 * -1 with the error. */
static int
preset_apply(struct api_ctx *c, struct user *u)
{
	const struct field *f = schema_field(&dt_preset, "name");
	const char *v = params_get(c->p, "preset");
	char name[FIELD_OUTMAX], err[VALID_ERR_MAX];
	int rc;

	if (v == NULL || *v == '\0')
		return 0;
	if (f->check("preset", v, name, err) == -1) {
		api_bad(c, "preset", err);
		return -1;
	}
	rc = store_preset_get(c->m->st, name, u->lim);
	if (rc == STORE_NOTFOUND)
		reply_error(&c->r, "missing", "preset", "no preset \"%s\"",
		    name);
	else if (rc != 0)
		reply_error(&c->r, "internal", "preset", "store unavailable");
	return rc == 0 ? 0 : -1;
}

/* Reads the fields present in the request into u through dt_user's
 * declarations (types.c); 0 or -1 with the error. */
static int
user_read(struct api_ctx *c, struct user *u, int creating)
{
	const char *v, *k;
	char err[VALID_ERR_MAX], field[64];
	json_t *it = json_object(), *x;
	int lim;

	if (schema_read(&dt_user, params_lookup, (void *)c->p, it, field, err) ==
	    -1) {
		json_decref(it);
		api_bad(c, field, err);
		return -1;
	}
	/* a preset's limits first: the limit_* of the call win */
	if (preset_apply(c, u) == -1) {
		json_decref(it);
		return -1;
	}
	json_object_foreach(it, k, x) {
		if (strcmp(k, "fullname") == 0)
			strlcpy_hf(u->fullname, json_string_value(x),
			    sizeof(u->fullname));
		else if (strcmp(k, "level") == 0)
			strlcpy_hf(u->level, json_string_value(x),
			    sizeof(u->level));
		else if (strcmp(k, "active") == 0)
			u->active = json_is_true(x);
		else if ((lim = user_limit_index(k)) >= 0)
			u->lim[lim] = json_integer_value(x);
	}
	json_decref(it);
	v = params_get(c->p, "passwd");
	if (v == NULL || *v == '\0')
		v = params_get(c->p, "password");
	if (v && *v) {
		const char *cf = params_get(c->p, "confirm");

		if (valid_password("passwd", v, err) == -1) {
			api_bad(c, "passwd", err);
			return -1;
		}
		if (cf && *cf && strcmp(cf, v) != 0) {
			api_bad(c, "confirm", "confirm: the passwords differ");
			return -1;
		}
		if (auth_hash_password(v, u->pwhash) == -1) {
			reply_error(&c->r, "internal", "passwd", "cannot hash "
			    "the password");
			return -1;
		}
	} else if (creating) {
		reply_error(&c->r, "empty", "passwd", "field \"passwd\" is "
		    "required");
		return -1;
	}
	return 0;
}

/* Finds the user named by elid (or by name); 0, or -1 with "missing". */
static int
user_named(struct api_ctx *c, const char *name, struct user *u)
{
	char err[VALID_ERR_MAX];

	if (valid_username("elid", name, err) == -1) {
		api_bad(c, "elid", err);
		return -1;
	}
	if (store_user_get(c->m->st, name, u) != 0) {
		reply_error(&c->r, "missing", "user", "user \"%s\" not found",
		    name);
		return -1;
	}
	return 0;
}

void
api_user_edit(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid"), *name;
	struct user u, prev;
	char err[VALID_ERR_MAX];
	int rc, nplaced = 0;
	unsigned mask;

	memset(&u, 0, sizeof(u));
	if (elid == NULL || *elid == '\0') {
		if (!api_is_submit(c)) {
			/* the empty form */
			strlcpy_hf(u.level, "user", sizeof(u.level));
			u.active = 1;
			user_fields(c, &u);
			return;
		}
		if ((name = api_need(c, "name")) == NULL)
			return;
		if (valid_username("name", name, err) == -1) {
			api_bad(c, "name", err);
			return;
		}
		if (reserved_name(name)) {
			api_bad(c, "name", "name: the name of a system account");
			return;
		}
		strlcpy_hf(u.name, name, sizeof(u.name));
		strlcpy_hf(u.level, "user", sizeof(u.level));
		u.active = 1;
		if (user_read(c, &u, 1) == -1)
			return;
		if (user_add_check(c) == -1)
			return;
		rc = store_user_create(c->m->st, &u);
		if (rc == STORE_EXISTS)
			reply_error(&c->r, "exists", "user", "user \"%s\" "
			    "already exists", u.name);
		else if (rc != 0)
			reply_error(&c->r, "internal", "user", "store "
			    "unavailable");
		else {
			log_info("user: %s created %s (uid %lld)", c->who.name,
			    u.name, (long long)u.uid);
			if (user_add_make(c, &u) == -1)
				return;
			reply_ok(&c->r);
			reply_set(&c->r, "id", u.name);
		}
		return;
	}
	if (params_get(c->p, "webdomain_name") ||
	    params_get(c->p, "emaildomain_name")) {
		reply_error(&c->r, "value", params_get(c->p,
		    "webdomain_name") ? "webdomain_name" : "emaildomain_name",
		    "a web or mail domain is made with a user only when the "
		    "user is created; for an existing user call "
		    "webdomain.edit or emaildomain.edit");
		return;
	}
	if (user_named(c, elid, &u) == -1)
		return;
	if (!api_is_submit(c)) {
		user_fields(c, &u);
		return;
	}
	prev = u;
	if (user_read(c, &u, 0) == -1)
		return;
	if (strcmp(prev.level, u.level) != 0) {
		json_t *pl = NULL;

		store_placement_list(c->m->st, u.id, &pl);
		nplaced = (int)json_array_size(pl);
		json_decref(pl);
		if (nplaced > 0 || strcmp(u.name, c->who.name) == 0) {
			reply_error(&c->r, "value", "level", "the level of "
			    "\"%s\" can't change: %s", u.name, nplaced ?
			    "the user has data on nodes" : "it is yours");
			return;
		}
	}
	if (strcmp(u.name, c->who.name) == 0 && !u.active) {
		reply_error(&c->r, "value", "active", "you can't suspend "
		    "yourself");
		return;
	}
	/* only the fields this call changes are written: a change of
	 * another field by another call meanwhile stays */
	mask = user_changes(&prev, &u);
	if ((mask & (UF_ACTIVE | UF_FULLNAME)) && account_change(c, &prev, &u,
	    mask & (UF_ACTIVE | UF_FULLNAME)) == -1)
		return;
	mask &= ~(unsigned)(UF_ACTIVE | UF_FULLNAME);
	if (mask && (rc = store_user_set(c->m->st, &u, mask, -1, wall_s())) !=
	    0) {
		if (rc == STORE_NOTFOUND)
			reply_error(&c->r, "missing", "user", "user \"%s\" is "
			    "being deleted", u.name);
		else
			reply_error(&c->r, "internal", "user", "store "
			    "unavailable");
		return;
	}
	/* a new password ends the user's sessions, but the one that set it
	 * (whichever way it came: auth=, the panel's or ISPmanager's
	 * cookie) */
	if (mask & UF_PWHASH) {
		if (store_session_end_user(c->m->st, u.id, c->sid_hash[0] ?
		    c->sid_hash : NULL) == -1)
			log_warnx("user \"%s\": their other sessions could "
			    "not be ended", u.name);
	}
	master_caches_clear(c->m);
	reply_ok(&c->r);
	reply_set(&c->r, "id", u.name);
}

/* user.add: user.edit's create, with the parts user_add_make makes. */
void
api_user_add(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");

	if (elid && *elid) {
		reply_error(&c->r, "value", "elid", "user.add makes a new user; "
		    "change one with user.edit");
		return;
	}
	api_user_edit(c);
}

/* The users of elid; each must exist and not be the caller. */
static int
users_of(struct api_ctx *c, struct user **out, int *np)
{
	const char *elid;
	char *buf = NULL, *items[256];
	struct user *v;
	int n, i;

	if ((elid = api_need(c, "elid")) == NULL)
		return -1;
	if ((n = elid_split(elid, &buf, items, 256)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 256 names joined by "
		    "\", \"");
		return -1;
	}
	v = xcalloc((size_t)n, sizeof(*v));
	for (i = 0; i < n; i++) {
		if (user_named(c, items[i], &v[i]) == -1)
			goto fail;
		if (strcmp(v[i].name, c->who.name) == 0) {
			reply_error(&c->r, "value", "elid", "you can't do that "
			    "to yourself");
			goto fail;
		}
	}
	free(buf);
	*out = v;
	*np = n;
	return 0;
fail:
	free(buf);
	free(v);
	return -1;
}

void
api_user_suspend(struct api_ctx *c)
{
	int active = strcmp(c->fn->name, "user.resume") == 0;
	struct user *v, next;
	int n, i;

	if (users_of(c, &v, &n) == -1)
		return;
	for (i = 0; i < n; i++) {
		/* pushed even when the master has that state already: it
		 * repairs a node left behind */
		next = v[i];
		next.active = active;
		if (account_change(c, &v[i], &next, UF_ACTIVE) == -1)
			break;
		log_info("user: %s %s %s", c->who.name, active ? "resumed" :
		    "suspended", next.name);
	}
	if (i == n)
		reply_ok(&c->r);
	free(v);
}

/*
 * Asks every node holding some of u's data to remove it and u's account;
 * the index forgets what each node removed, and the user goes when no
 * node is left.  0, or -1 with the nodes' errors in err.
 */
static int
user_delete_push(struct master *m, const struct user *u, char *err,
    size_t errlen)
{
	struct node *nodes;
	size_t nn, k;
	int *took, rc;
	json_t *body;

	body = json_pack("{s:s}", "name", u->name);
	test_point("user-delete-push");
	rc = push_nodes(m, u, "/v1/account/delete", body, &nodes, &nn, &took,
	    err, errlen);
	json_decref(body);
	test_point("user-delete-pushed");
	for (k = 0; k < nn; k++)
		if (took[k] == 1 && store_uindex_remove_user_node(m->st, u->id,
		    nodes[k].id) == -1) {
			snprintf(err, errlen, "store unavailable");
			rc = -1;
		}
	master_caches_clear(m);
	store_nodes_free(nodes, nn);
	free(took);
	if (rc == 0 && store_user_delete(m->st, u->id) == -1) {
		snprintf(err, errlen, "store unavailable");
		rc = -1;
	}
	return rc;
}

/*
 * A delete is an intent that is never taken back: the user is marked
 * being deleted (inactive, no new object) before any node is asked, and
 * what a node did not confirm is finished by the reconciler.
 */
void
api_user_delete(struct api_ctx *c)
{
	struct user *v;
	int n, i, rc;
	char err[1600];

	if (users_of(c, &v, &n) == -1)
		return;
	for (i = 0; i < n; i++) {
		rc = store_user_mark_deleting(c->m->st, v[i].id, wall_s());
		if (rc == STORE_BUSY) {
			reply_error(&c->r, "busy", "user", "user \"%s\" has "
			    "object(s) being created; try again in a few "
			    "seconds", v[i].name);
			break;
		}
		if (rc != 0) {
			reply_error(&c->r, "internal", "user", "store "
			    "unavailable");
			break;
		}
		master_caches_clear(c->m);
		if (user_delete_push(c->m, &v[i], err, sizeof(err)) == -1) {
			reply_error(&c->r, "node", "user", "user \"%s\" is "
			    "being deleted but not yet everywhere: %s; the "
			    "rest is done when the node answers", v[i].name,
			    err);
			break;
		}
		log_info("user: %s deleted %s", c->who.name, v[i].name);
	}
	if (i == n)
		reply_ok(&c->r);
	free(v);
}

void
api_user_placement(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	struct user u;
	json_t *rows;

	if (c->as.level != LVL_ADMIN || elid == NULL || *elid == '\0') {
		if (elid && *elid && strcmp(elid, c->as.name) != 0) {
			reply_error(&c->r, "access", "user", "you may see only "
			    "your own placement");
			return;
		}
		elid = c->as.name;
	}
	if (user_named(c, elid, &u) == -1)
		return;
	if (store_placement_list(c->m->st, u.id, &rows) == -1)
		reply_error(&c->r, "internal", "user", "store unavailable");
	else
		reply_rows(c, rows);
	json_decref(rows);
}

/*
 * What the user (the caller, or for an admin the user of elid or su=)
 * has of each kind and of disk, beside their limits (0: none): a form of
 * name, webdomains, limit_webdomains, ..., quota_used, limit_quota.
 */
void
api_user_usage(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	struct user u;
	json_t *rows, *row, *v;
	const char *k;

	if (elid && *elid && strcmp(elid, c->as.name) != 0 &&
	    c->as.level != LVL_ADMIN) {
		reply_error(&c->r, "access", "user", "you may see only your "
		    "own usage");
		return;
	}
	if (user_named(c, elid && *elid ? elid : c->as.name, &u) == -1)
		return;
	if (store_user_row(c->m->st, u.name, &rows) == -1 ||
	    (row = json_array_get(rows, 0)) == NULL) {
		json_decref(rows);
		reply_error(&c->r, "internal", "user", "store unavailable");
		return;
	}
	json_object_foreach(row, k, v)
		if (json_is_string(v))
			reply_set(&c->r, k, json_string_value(v));
		else if (json_is_integer(v))
			reply_setf(&c->r, k, "%lld",
			    (long long)json_integer_value(v));
	json_decref(rows);
}
