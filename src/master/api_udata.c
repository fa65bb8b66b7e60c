/* api_udata.c - user data (DESIGN.md §3.2): web domains, DNS zones and
 * records, mail domains and mailboxes.  The data lives on the node that
 * holds the owner's role; the master checks who may touch what, keeps
 * names unique cluster-wide through its index, places users, and forwards
 * the call.  The node's answer is the function's reply document.
 *
 * Access: a user reaches only objects their own; an object that is not
 * theirs gets the same answer as one that does not exist, so a refusal
 * does not tell whether another user has it.  An administrator reaches
 * everything, and with su= acts as the user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/params.h"
#include "../common/suffix.h"
#include "../common/util.h"
#include "../common/uvalid.h"
#include "master.h"

/* The index of the user's limit named by the type (LIM_*), or -1. */
static int
limit_of(const struct dtype *t)
{
	return t->limit ? user_limit_index(t->limit) : -1;
}

static int
admin_mode(const struct api_ctx *c)
{
	return c->as.level == LVL_ADMIN;
}

/* The parameters a node is given: the fields of the function's type
 * and the form's own (sok, elid, plid); not the credentials, nor owner,
 * which the master resolves. */
static json_t *
node_params(const struct api_ctx *c)
{
	json_t *j = json_object();
	const char *k;
	size_t i;

	for (i = 0; i < c->p->n; i++) {
		k = c->p->v[i].key;
		if (strcmp(k, "sok") == 0 || strcmp(k, "elid") == 0 ||
		    strcmp(k, "plid") == 0 || (strcmp(k, "owner") != 0 &&
		    func_field(c->fn, k)))
			json_object_set_new(j, k, json_string(c->p->v[i].val ?
			    c->p->v[i].val : ""));
	}
	return j;
}

/* The body of this call to a node: params taken, owner NULL for every
 * owner's. */
static json_t *
call_body(const struct api_ctx *c, json_t *params, const char *owner)
{
	return proxy_ud_body(c->fn->type, op_name(c->fn->op), c->fn->name,
	    params, owner);
}

/* The canonical index name of an object from what the caller wrote:
 * a domain, or LOCAL@DOMAIN for a mailbox.  0, or -1 with the error. */
static int
canon_name(struct api_ctx *c, const struct dtype *f, const char *field,
    const char *s, char *out, size_t outlen)
{
	char err[VALID_ERR_MAX], d[DOMAIN_MAX], e[320];

	if (f == &dt_email) {
		if (valid_email(field, s, e, err) == -1) {
			api_bad(c, field, err);
			return -1;
		}
		strlcpy_hf(out, e, outlen);
		return 0;
	}
	if (valid_domain(field, s, d, err) == -1) {
		api_bad(c, field, err);
		return -1;
	}
	strlcpy_hf(out, d, outlen);
	return 0;
}

/*
 * Finds the object (kind, name) for the caller.  0 with e; -1 with the
 * error in the reply: for a user, "access" alike whether the object is
 * another's or absent; for an administrator, "missing".
 */
static int
ud_find(struct api_ctx *c, const char *kind, const char *what,
    const char *name, struct uentry *e)
{
	char q[VALID_ERR_MAX];
	int rc;

	rc = store_uindex_get(c->m->st, kind, name, e);
	if (rc == -1) {
		reply_error(&c->r, "internal", kind, "store unavailable");
		return -1;
	}
	valid_quote(name, q, sizeof(q));
	if (rc == 0 && strcmp(e->state, "live") != 0 &&
	    (admin_mode(c) || e->owner == c->as.id)) {
		/* not made yet, being undone or being deleted: nothing to
		 * act on */
		reply_error(&c->r, "busy", kind, "%s \"%s\" is being %s; try "
		    "again in a few seconds", what, q, strcmp(e->state,
		    "deleting") == 0 ? "deleted" : "created or undone");
		return -1;
	}
	if (admin_mode(c)) {
		if (rc == 0)
			return 0;
		reply_error(&c->r, "missing", kind, "%s \"%s\" not found", what,
		    q);
		return -1;
	}
	if (rc == 0 && e->owner == c->as.id)
		return 0;
	reply_error(&c->r, "access", kind, "%s \"%s\" is not among yours",
	    what, q);
	return -1;
}

static int
node_of(struct api_ctx *c, int64_t id, struct node *n)
{
	if (store_node_get(c->m->st, id, n) != 0) {
		reply_error(&c->r, "internal", "node", "store unavailable");
		return -1;
	}
	return 0;
}

/* The reply becomes doc (taken). */
static void
reply_take(struct api_ctx *c, json_t *doc)
{
	json_decref(c->r.doc);
	c->r.doc = doc;
}

/*
 * The disk limit (limit_quota, MiB; 0: none).  A user whose homes take all
 * of it gets no new site, mail domain or mailbox (DNS zones live outside
 * the homes) until they free some; a mailbox's maxsize fits within it, and
 * a new mailbox without one gets the whole limit, so that no mailbox of a
 * limited user is unbounded.  0, or -1 with the error answered.
 */
static int
quota_check(struct api_ctx *c, const struct dtype *f, const struct user *u,
    int creating, json_t *over)
{
	int64_t lim = u->lim[LIM_DISK_MB], used = 0, q, top;
	const char *v = params_get(c->p, "maxsize");
	char err[VALID_ERR_MAX];

	if (lim <= 0 || strcmp(f->role, "dns") == 0)
		return 0;
	if (f == &dt_email) {
		/* the most a mailbox may have (MAILBOX_MAX_MB) bounds it too */
		top = lim < MAILBOX_MAX_MB ? lim : MAILBOX_MAX_MB;
		if (v == NULL || *v == '\0') {
			if (creating)
				json_object_set_new(over, "maxsize",
				    json_sprintf("%lld", (long long)top));
		} else if (valid_int("maxsize", v, 0, MAILBOX_MAX_MB, &q,
		    err) == -1) {
			api_bad(c, "maxsize", err);
			return -1;
		} else if (q == 0 || q > lim) {
			reply_error(&c->r, "limit", "maxsize", "a mailbox of "
			    "user \"%s\" may hold at most %lld MiB, their disk "
			    "limit", u->name, (long long)top);
			return -1;
		}
	}
	if (!creating)
		return 0;
	if (store_user_usage(c->m->st, u->name, &used) == -1) {
		reply_error(&c->r, "internal", f->name, "store unavailable");
		return -1;
	}
	if (used >= lim * 1048576) {
		reply_error(&c->r, "limit", "limit_quota", "user \"%s\" uses "
		    "%lld MiB of their disk limit of %lld MiB; nothing new "
		    "can be made until some is freed", u->name,
		    (long long)((used + 1048575) / 1048576), (long long)lim);
		return -1;
	}
	return 0;
}

/*
 * One call to one node: the function with the caller's parameters (over
 * replaces some), for owner (NULL: every owner), with the owner's account
 * when acct is given.  The node's document becomes the reply.  Returns 0
 * when the node did it, 1 when the node answered an error, -1 when it gave
 * no answer (the error names it), -2 when the call surely never reached
 * it.
 */
static int
forward(struct api_ctx *c, const struct node *n, const char *owner,
    const struct user *acct, json_t *over)
{
	struct ucall u;
	json_t *params = node_params(c);

	if (over)
		json_object_update(params, over);
	memset(&u, 0, sizeof(u));
	u.node = n;
	u.body = call_body(c, params, owner);
	if (acct)
		json_object_set_new(u.body, "account", proxy_account(acct));
	/* a listing or a form changes nothing on the master: the node
	 * encodes it in the caller's format and it goes back as it is */
	if (!api_is_submit(c) && c->fn->handler != api_ud_delete) {
		u.raw = 1;
		json_object_set_new(u.body, "out", json_string(
		    output_format_name(c->fmt)));
	}
	proxy_run(c->m, &u, 1, "/v1/ud");
	json_decref(u.body);
	if (u.rawbody) {
		free(c->raw);
		c->raw = u.rawbody;
		c->rawlen = u.rawlen;
		strlcpy_hf(c->raw_error, u.rawerr, sizeof(c->raw_error));
		return u.rawerr[0] ? 1 : 0;
	}
	if (u.doc == NULL) {
		/* an answer lost after the call was sent leaves the outcome
		 * open: creates are undone (create()), deletes of indexed
		 * objects finished (the reconciler), the rest say so */
		reply_error(&c->r, "node", n->name, "%s; %s", u.err, u.unsent ?
		    "nothing was changed" : c->fn->handler == api_ud_delete &&
		    c->fn->type != &dt_record ? "the delete is finished when "
		    "the node answers" : "repeat the call to be sure of its "
		    "outcome");
		return u.unsent ? -2 : -1;
	}
	reply_take(c, u.doc);
	return reply_is_error(&c->r) ? 1 : 0;
}

static int
elem_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	const char *p = json_string_value(json_object_get(x, "name"));
	const char *q = json_string_value(json_object_get(y, "name"));

	return strcmp(p ? p : "", q ? q : "");
}

/*
 * An administrator's listing across users: one parallel read of every
 * node of the role, merged and ordered by name.
 */
static void
list_all(struct api_ctx *c, const struct dtype *f)
{
	struct node *v = NULL;
	struct ucall *calls;
	size_t n, i, k = 0, j, ne = 0;
	json_t *params = node_params(c), *all, **es = NULL, *e;
	char errs[1200];
	size_t eo = 0;

	errs[0] = '\0';
	if (store_node_list(c->m->st, &v, &n) == -1) {
		reply_error(&c->r, "internal", f->name, "store unavailable");
		json_decref(params);
		return;
	}
	calls = xcalloc(n + 1, sizeof(*calls));
	for (i = 0; i < n; i++) {
		if (!v[i].joined || !roles_have(v[i].roles, f->role))
			continue;
		calls[k].node = &v[i];
		calls[k].body = call_body(c, json_incref(params), NULL);
		k++;
	}
	proxy_run(c->m, calls, k, "/v1/ud");
	all = json_array();
	for (i = 0; i < k; i++) {
		json_t *d = calls[i].doc;

		if (d == NULL || json_object_get(d, "error")) {
			const char *msg = d ? json_string_value(json_object_get(
			    json_object_get(d, "error"), "msg")) :
			    calls[i].err;

			if (eo < sizeof(errs))
				eo += (size_t)snprintf(errs + eo,
				    sizeof(errs) - eo, "%s%s", eo ? "; " : "",
				    msg ? msg : "?");
		} else
			json_array_extend(all, json_object_get(d, "elem"));
	}
	if (eo) {
		reply_error(&c->r, "node", f->name, "%s", errs);
		goto out;
	}
	/* ordered by name, across nodes */
	ne = json_array_size(all);
	if (ne > 0)
		es = xcalloc(ne, sizeof(*es));
	json_array_foreach(all, j, e)
		es[j] = e;
	if (ne > 0)
		qsort(es, ne, sizeof(*es), elem_cmp);
	reply_list(&c->r);
	for (j = 0; j < ne; j++)
		json_array_append(json_object_get(c->r.doc, "elem"), es[j]);
out:
	free(es);
	json_decref(all);
	for (i = 0; i < k; i++) {
		json_decref(calls[i].body);
		json_decref(calls[i].doc);
	}
	free(calls);
	json_decref(params);
	store_nodes_free(v, n);
}

/* The zone a record function names (plid, or elid for the listing). */
static int
record_zone(struct api_ctx *c, const char *field, struct uentry *e)
{
	char zone[DOMAIN_MAX], err[VALID_ERR_MAX];
	const char *z;

	if ((z = api_need(c, field)) == NULL)
		return -1;
	if (valid_domain(field, z, zone, err) == -1) {
		api_bad(c, field, err);
		return -1;
	}
	return ud_find(c, "domain", "DNS domain", zone, e);
}

/* Forwards to the node of an object the caller may reach; returns as
 * forward(). */
static int
forward_to(struct api_ctx *c, const struct uentry *e, json_t *over)
{
	struct node n;
	struct user u;
	int rc = -1;

	if (node_of(c, e->node, &n) == -1)
		return -1;
	if (store_user_get_id(c->m->st, e->owner, &u) != 0)
		reply_error(&c->r, "internal", "user", "store unavailable");
	else
		rc = forward(c, &n, u.name, &u, over);
	store_node_free(&n);
	return rc;
}

/* A record function: to the node of the zone that field names, with the
 * zone as plid. */
static void
record_forward(struct api_ctx *c, const char *field)
{
	struct uentry e;
	json_t *over;

	if (record_zone(c, field, &e) == -1)
		return;
	over = json_pack("{s:s}", "plid", e.name);
	forward_to(c, &e, over);
	json_decref(over);
}

void
api_ud_list(struct api_ctx *c)
{
	const struct dtype *f = c->fn->type;
	struct node n;
	int64_t nid;
	char key[64];

	if (f == &dt_record) {
		/* domain.record: the zone is elid (ISPmanager) or plid */
		const char *el = params_get(c->p, "elid");

		record_forward(c, el && *el ? "elid" : "plid");
		return;
	}
	if (admin_mode(c)) {
		list_all(c, f);
		return;
	}
	/* the route of a user's listing is read on every call: cached */
	snprintf(key, sizeof(key), "%lld %s", (long long)c->as.id, f->role);
	if (mcache_get(c->m->routes, key, &n, sizeof(n)) == -1) {
		uint64_t gen = mcache_gen(c->m->routes);

		if (store_placement_get(c->m->st, c->as.id, f->role, &nid) !=
		    0) {
			reply_list(&c->r);	/* never placed: nothing here */
			return;
		}
		if (node_of(c, nid, &n) == -1)
			return;
		store_node_free(&n);
		mcache_put(c->m->routes, key, &n, sizeof(n), 1000, gen);
	}
	forward(c, &n, c->as.name, NULL, NULL);
}

/* The owner of a new object: the caller, or for an administrator the
 * user named by owner=.  0 with u, or -1 with the error. */
static int
new_owner(struct api_ctx *c, struct user *u)
{
	const char *o = params_get(c->p, "owner");
	char err[VALID_ERR_MAX];

	if (!admin_mode(c)) {
		if (o && *o && strcmp(o, c->as.name) != 0) {
			reply_error(&c->r, "access", "owner", "you may create "
			    "objects only for yourself");
			return -1;
		}
		o = c->as.name;
	} else if (o == NULL || *o == '\0') {
		reply_error(&c->r, "empty", "owner", "field \"owner\" is "
		    "required: the user the object is for (or act as them "
		    "with su=)");
		return -1;
	}
	if (valid_username("owner", o, err) == -1) {
		api_bad(c, "owner", err);
		return -1;
	}
	if (store_user_get(c->m->st, o, u) != 0 || strcmp(u->level,
	    "user") != 0) {
		reply_error(&c->r, "missing", "owner", "user \"%s\" not found "
		    "or not of level user", o);
		return -1;
	}
	if (!u->active) {
		reply_error(&c->r, "access", "owner", "user \"%s\" is "
		    "suspended", o);
		return -1;
	}
	return 0;
}

/*
 * The aliases a web domain call gives, canonical and space-separated in
 * out; a new site without aliases= gets the field's default.
 * 0, 1 when the call says nothing of aliases, or -1 with the error.
 */
static int
aliases_of(struct api_ctx *c, const char *site, int creating, char *out,
    size_t outlen)
{
	const char *al = params_get(c->p, "aliases");
	char err[VALID_ERR_MAX];

	out[0] = '\0';
	if (al == NULL) {
		const struct field *f = schema_field(&dt_webdomain, "aliases");
		json_t *it;
		char buf[FIELD_OUTMAX];

		if (!creating)
			return 1;
		/* the declaration's default, as the node makes it */
		it = json_object();
		if (field_default(f, site, it, err) == 0) {
			field_format(f, it, buf);
			strlcpy_hf(out, buf, outlen);
		}
		json_decref(it);
		return 0;
	}
	{
		const struct field *f = schema_field(&dt_webdomain, "aliases");
		char buf[FIELD_OUTMAX];

		if (f->check(f->name, al, buf, err) == -1) {
			api_bad(c, "aliases", err);
			return -1;
		}
		strlcpy_hf(out, buf, outlen);
	}
	return 0;
}

/* Entries of kind webalias for the names of list (space-separated) not
 * in skip, appended to v from *n. */
static void
alias_entries(const char *list, const json_t *skip, const struct uentry *site,
    struct uentry *v, size_t *n, size_t max)
{
	char *dup = xstrdup(list), *tok, *save = NULL;
	const json_t *r;
	size_t i;

	for (tok = strtok_r(dup, " ", &save); tok && *n < max;
	    tok = strtok_r(NULL, " ", &save)) {
		int seen = 0;

		json_array_foreach(skip, i, r)
			if (strcmp(json_string_value(json_object_get(r,
			    "name")), tok) == 0)
				seen = 1;
		if (seen)
			continue;
		memset(&v[*n], 0, sizeof(v[*n]));
		strlcpy_hf(v[*n].kind, "webalias", sizeof(v[*n].kind));
		strlcpy_hf(v[*n].name, tok, sizeof(v[*n].name));
		strlcpy_hf(v[*n].parent, site->name, sizeof(v[*n].parent));
		v[*n].owner = site->owner;
		v[*n].node = site->node;
		(*n)++;
	}
	free(dup);
}

/*
 * The answer to a reservation refused (rc STORE_EXISTS, STORE_WITHIN or
 * STORE_COVERS) for v[k]'s name.  Each says no more than "exists" would
 * for a name the caller could ask about: never the other user, and for a
 * zone above others' names not which names they are.
 */
static void
taken_error(struct api_ctx *c, const struct dtype *f, const struct uentry *v,
    const struct uconflict *k, int rc)
{
	const struct uentry *e = &v[k->index];
	int alias = strcmp(e->kind, "webalias") == 0;
	const char *obj = alias ? "aliases" : f->name;
	const char *what = alias ? "alias" : f->what;
	char q[VALID_ERR_MAX], z[VALID_ERR_MAX];

	valid_quote(e->name, q, sizeof(q));
	if (rc == STORE_WITHIN) {
		valid_quote(k->zone, z, sizeof(z));
		if (strcmp(e->name, k->zone) == 0)
			reply_error(&c->r, "exists", obj, "%s \"%s\" is a DNS "
			    "domain of another user", what, q);
		else
			reply_error(&c->r, "exists", obj, "%s \"%s\" is under "
			    "DNS domain \"%s\" of another user", what, q, z);
	} else if (rc == STORE_COVERS)
		reply_error(&c->r, "exists", obj, "%s \"%s\" would hold a "
		    "name of another user: that name or one under it is "
		    "theirs", what, q);
	else if (alias)
		reply_error(&c->r, "exists", obj, "\"%s\" is already "
		    "the name or an alias of a web domain", q);
	else
		reply_error(&c->r, "exists", obj, "%s \"%s\" already "
		    "exists", what, q);
}

/*
 * The names a call would give one user that are public suffixes
 * (suffix.h): name, and the aliases of a site (space-separated, may be
 * NULL).  0, or -1 with the error answered: "public_suffix", or
 * "internal" when no list is loaded and nothing can be told.
 */
static int
suffix_refuse(struct api_ctx *c, const char *field, const char *name,
    const char *aliases)
{
	char err[VALID_ERR_MAX], *dup, *tok, *save = NULL;
	int rc = 0;

	if ((rc = suffix_check(field, name, err)) == 0 && aliases) {
		field = "aliases";
		dup = xstrdup(aliases);
		for (tok = strtok_r(dup, " ", &save); tok && rc == 0;
		    tok = strtok_r(NULL, " ", &save))
			rc = suffix_check(field, tok, err);
		free(dup);
	}
	if (rc == SUFFIX_UNLOADED)
		reply_error(&c->r, "internal", field, "%s", err);
	else if (rc == SUFFIX_PUBLIC)
		reply_error(&c->r, "public_suffix", field, "%s", err);
	return rc == 0 ? 0 : -1;
}

/*
 * Creates an indexed object: name checked and reserved cluster-wide
 * (pending), the owner placed, the call forwarded with the owner's
 * account; the row becomes live, or goes when the node refused.
 */
static void
create(struct api_ctx *c, const struct dtype *f)
{
	struct uentry e, pe, v[33];
	struct user u;
	struct node n;
	char name[320], err[400], q[VALID_ERR_MAX], aliases[8192];
	const char *nm;
	json_t *over = NULL;
	struct uconflict k;
	size_t nv = 1, i;
	int64_t since = 0;
	int rc = -1, have_node = 0, fresh = 0, attempt;

	memset(&e, 0, sizeof(e));
	aliases[0] = '\0';
	if (new_owner(c, &u) == -1 || api_check_fields(c) == -1)
		return;
	if ((nm = api_need(c, "name")) == NULL)
		return;
	if (f == &dt_email) {
		const char *dom = params_get(c->p, "domainname");
		char full[400];

		if (dom == NULL || *dom == '\0')
			dom = params_get(c->p, "plid");
		if (dom == NULL || *dom == '\0') {
			reply_error(&c->r, "empty", "domainname", "field "
			    "\"domainname\" is required");
			return;
		}
		snprintf(full, sizeof(full), "%s@%s", nm, dom);
		if (canon_name(c, f, "name", full, name, sizeof(name)) == -1)
			return;
		/* the mailbox goes where its mail domain is */
		if (ud_find(c, "emaildomain", "mail domain", strchr(name,
		    '@') + 1, &pe) == -1)
			return;
		if (pe.owner != u.id) {
			reply_error(&c->r, "access", "domainname", "mail "
			    "domain \"%s\" is not the owner's", pe.name);
			return;
		}
		strlcpy_hf(e.parent, pe.name, sizeof(e.parent));
		/* the node takes the local part in name */
		over = json_pack("{s:s%,s:s}", "name", name,
		    (size_t)(strchr(name, '@') - name), "domainname", pe.name);
		if (quota_check(c, f, &u, 1, over) == -1)
			goto out;
	} else {
		if (canon_name(c, f, "name", nm, name, sizeof(name)) == -1)
			return;
		over = json_pack("{s:s}", "name", name);
		if (quota_check(c, f, &u, 1, over) == -1)
			goto out;
		/* a site's aliases are web names too: reserved with it, and
		 * given to the node as the master has them */
		if (f == &dt_webdomain) {
			if (aliases_of(c, name, 1, aliases, sizeof(aliases)) ==
			    -1)
				goto out;
			json_object_set_new(over, "aliases",
			    json_string(aliases));
		}
		/* no one user holds a name under which anyone may register */
		if (suffix_refuse(c, "name", name, aliases) == -1)
			goto out;
	}
	/* the node of the owner's role, and the name reserved there; when
	 * a create of the same owner placed them elsewhere meanwhile, again
	 * with that node */
	for (attempt = 0;; attempt++) {
		if (have_node)
			store_node_free(&n);
		have_node = 0;
		if (place_user(c->m, u.id, f->role, &n, &fresh, err,
		    sizeof(err)) == -1) {
			reply_error(&c->r, "placement", f->name, "%s", err);
			goto out;
		}
		have_node = 1;
		if (strcmp(n.status, "unavailable") == 0) {
			reply_error(&c->r, "node", n.name, "node \"%s\" (%s), "
			    "which holds the %s data of user \"%s\", is "
			    "unavailable; nothing was changed", n.name, n.addr,
			    f->role, u.name);
			goto out;
		}
		strlcpy_hf(e.kind, f->name, sizeof(e.kind));
		strlcpy_hf(e.name, name, sizeof(e.name));
		e.owner = u.id;
		e.node = n.id;
		v[0] = e;
		nv = 1;
		alias_entries(aliases, NULL, &e, v, &nv, nitems(v));
		since = wall_s();
		rc = store_uindex_reserve(c->m->st, v, nv, f->role,
		    limit_of(f) >= 0 ? u.lim[limit_of(f)] : 0, since, &k);
		if (rc != STORE_MOVED || attempt == 2)
			break;
	}
	valid_quote(name, q, sizeof(q));
	if (rc == 0 && fresh) {
		master_caches_clear(c->m);
		log_info("placement: user \"%s\" gets %s on node %s", u.name,
		    f->role, n.name);
	}
	if (rc == STORE_EXISTS || rc == STORE_WITHIN || rc == STORE_COVERS) {
		taken_error(c, f, v, &k, rc);
		goto out;
	}
	if (rc == STORE_LIMIT) {
		reply_error(&c->r, "limit", f->name, "user \"%s\" has reached "
		    "the limit of %lld %ss", u.name,
		    (long long)u.lim[limit_of(f)],
		    f->what);
		goto out;
	}
	if (rc == STORE_INACTIVE) {
		reply_error(&c->r, "access", "owner", "user \"%s\" is "
		    "suspended or being deleted", u.name);
		goto out;
	}
	if (rc != 0) {
		reply_error(&c->r, "internal", f->name, "store unavailable");
		goto out;
	}
	rc = forward(c, &n, u.name, &u, over);
	if (rc == 0) {
		struct user now;

		for (i = 0; i < nv && rc == 0; i++)
			if (store_uindex_live(c->m->st, v[i].kind,
			    v[i].name) != 0)
				rc = -1;
		if (rc == -1) {
			/* the caller is not told ok for what the master
			 * does not know: undone, or left pending for the
			 * reconciler, which undoes it */
			if (undo_create(c->m, &n, f->name, name) == 0)
				store_uindex_unreserve(c->m->st, f->name, name,
				    u.id, n.id, since);
			reply_error(&c->r, "internal", f->name, "node \"%s\" "
			    "made the %s \"%s\" (service %s), but the master "
			    "could not record it: store unavailable; it is "
			    "undone", n.name, f->what, q, f->role);
			goto out;
		}
		/* the account went with the owner as read before the call:
		 * if it changed since, the node owes the new one */
		if (store_user_get_id(c->m->st, u.id, &now) == 0 &&
		    now.acct_ver != u.acct_ver)
			store_acct_owed(c->m->st, u.id, n.id, wall_s());
	} else if (rc == 1 || rc == -2)
		store_uindex_unreserve(c->m->st, f->name, name, u.id, n.id,
		    since);
	else {
		/* if the node does not answer the undo either, the row
		 * stays pending and the reconciler settles it */
		if (undo_create(c->m, &n, f->name, name) == 0)
			store_uindex_unreserve(c->m->st, f->name, name, u.id,
			    n.id, since);
		reply_error(&c->r, "node", n.name, "node \"%s\" (%s) gave no "
		    "answer in time; the %s \"%s\" was not created (if the "
		    "node made it late, it is removed there)", n.name, n.addr,
		    f->what, q);
	}
out:
	json_decref(over);
	if (have_node)
		store_node_free(&n);
}

/*
 * A change of a site: new aliases are reserved (pending) and dropped ones
 * marked deleting before the node is asked; once it did it, the new ones
 * are live and the dropped ones free.  An answer lost leaves both to the
 * reconciler, which makes each row what the site on the node says: a name
 * may stay reserved a while too long, never for nothing nor twice.
 */
static void
site_change(struct api_ctx *c, const struct dtype *f, const struct uentry *e,
    json_t *over)
{
	char aliases[8192], padded[8200];
	struct uentry v[32];
	json_t *cur = NULL, *r;
	const char *drop[64];
	struct uconflict k;
	size_t nv = 0, nd = 0, i;
	int64_t since;
	int rc;

	if ((rc = aliases_of(c, e->name, 0, aliases, sizeof(aliases))) == -1)
		return;
	if (rc == 1) {		/* aliases unchanged */
		forward_to(c, e, over);
		return;
	}
	json_object_set_new(over, "aliases", json_string(aliases));
	if (store_uindex_children(c->m->st, "webalias", e->name, &cur) ==
	    -1) {
		reply_error(&c->r, "internal", f->name, "store unavailable");
		goto out;
	}
	alias_entries(aliases, cur, e, v, &nv, nitems(v));
	/* the new aliases only: one made before the check stays */
	for (i = 0; i < nv; i++)
		if (suffix_refuse(c, "aliases", v[i].name, NULL) == -1)
			goto out;
	/* the aliases no longer in the list */
	snprintf(padded, sizeof(padded), " %s ", aliases);
	json_array_foreach(cur, i, r) {
		const char *a = json_string_value(json_object_get(r, "name"));
		char pad[DOMAIN_MAX + 2];

		snprintf(pad, sizeof(pad), " %s ", a);
		if (strstr(padded, pad) == NULL) {
			if (nd == nitems(drop)) {
				reply_error(&c->r, "value", "aliases", "at "
				    "most %zu aliases can go in one change",
				    nitems(drop));
				goto out;
			}
			drop[nd++] = a;
		}
	}
	since = wall_s();
	if (nv > 0 && (rc = store_uindex_reserve(c->m->st, v, nv, NULL, 0,
	    since, &k)) != 0) {
		if (rc == STORE_EXISTS || rc == STORE_WITHIN ||
		    rc == STORE_COVERS)
			taken_error(c, f, v, &k, rc);
		else if (rc == STORE_INACTIVE)
			reply_error(&c->r, "access", "owner", "the owner is "
			    "suspended or being deleted");
		else
			reply_error(&c->r, "internal", f->name, "store "
			    "unavailable");
		goto out;
	}
	/* the aliases that go are being deleted from now: an answer lost
	 * leaves them to the reconciler, which asks the site on the node */
	if (nd > 0 && store_uindex_mark(c->m->st, "webalias", drop, nd,
	    "live", "deleting", since) != 0) {
		for (i = 0; i < nv; i++)
			store_uindex_unreserve(c->m->st, "webalias", v[i].name,
			    e->owner, e->node, since);
		reply_error(&c->r, "internal", f->name, "store unavailable");
		goto out;
	}
	test_point("alias-push");
	rc = forward_to(c, e, over);
	test_point("alias-pushed");
	if (rc == 0) {
		int bad = 0;

		for (i = 0; i < nv; i++)
			if (store_uindex_live(c->m->st, "webalias",
			    v[i].name) != 0)
				bad = 1;
		for (i = 0; i < nd; i++)
			if (store_uindex_drop(c->m->st, "webalias", drop[i],
			    "deleting") != 0)
				bad = 1;
		if (bad) {
			struct node n;

			/* the rows left unsettled are the reconciler's: it
			 * makes them what the site on the node says */
			if (store_node_get(c->m->st, e->node, &n) == 0) {
				reply_error(&c->r, "internal", f->name, "node "
				    "\"%s\" changed the aliases of \"%s\" "
				    "(service web), but the master could not "
				    "record it: store unavailable", n.name,
				    e->name);
				store_node_free(&n);
			} else
				reply_error(&c->r, "internal", f->name, "store "
				    "unavailable");
		}
	} else if (rc == 1 || rc == -2) {
		for (i = 0; i < nv; i++)
			store_uindex_unreserve(c->m->st, "webalias", v[i].name,
			    e->owner, e->node, since);
		store_uindex_mark(c->m->st, "webalias", drop, nd, "deleting",
		    "live", since);
	}
out:
	json_decref(cur);
}

void
api_ud_edit(struct api_ctx *c)
{
	const struct dtype *f = c->fn->type;
	const char *elid = params_get(c->p, "elid");
	char name[320];
	struct uentry e;
	json_t *over;

	if (f == &dt_record) {
		/* domain.record.edit: everything happens in the zone */
		record_forward(c, "plid");
		return;
	}
	if (elid == NULL || *elid == '\0') {
		if (!api_is_submit(c)) {
			/* the empty form of a new object */
			reply_set(&c->r, "name", "");
			return;
		}
		create(c, f);
		return;
	}
	if (canon_name(c, f, "elid", elid, name, sizeof(name)) == -1 ||
	    ud_find(c, f->name, f->what, name, &e) == -1 ||
	    api_check_fields(c) == -1)
		return;
	over = json_pack("{s:s}", "elid", name);
	if (f == &dt_email && api_is_submit(c)) {
		struct user u;

		if (store_user_get_id(c->m->st, e.owner, &u) != 0) {
			reply_error(&c->r, "internal", f->name, "store "
			    "unavailable");
			json_decref(over);
			return;
		}
		if (quota_check(c, f, &u, 0, over) == -1) {
			json_decref(over);
			return;
		}
	}
	if (f == &dt_webdomain && api_is_submit(c))
		site_change(c, f, &e, over);
	else
		forward_to(c, &e, over);
	json_decref(over);
}

void
api_ud_delete(struct api_ctx *c)
{
	const struct dtype *f = c->fn->type;
	const char *elid;
	char *buf = NULL, *items[1024], (*names)[320] = NULL;
	struct uentry e, first;
	int n, i, rc;
	json_t *over = NULL;
	const char **ptrs = NULL;

	if (f == &dt_record) {
		/* domain.record.delete: rkeys of one zone, on its node */
		record_forward(c, "plid");
		return;
	}
	if ((elid = api_need(c, "elid")) == NULL)
		return;
	if ((n = elid_split(elid, &buf, items, 1024)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 1024 names joined by "
		    "\", \"");
		return;
	}
	names = xcalloc((size_t)n, sizeof(*names));
	ptrs = xcalloc((size_t)n, sizeof(*ptrs));
	/* every name must be the caller's before anything is deleted, and
	 * all on one node: a user's data of a role has one home (I3) */
	for (i = 0; i < n; i++) {
		if (canon_name(c, f, "elid", items[i], names[i],
		    sizeof(names[i])) == -1 ||
		    ud_find(c, f->name, f->what, names[i], &e) == -1)
			goto out;
		ptrs[i] = names[i];
		if (i == 0)
			first = e;
		else if (e.node != first.node || e.owner != first.owner) {
			reply_error(&c->r, "value", "elid", "delete the "
			    "objects of one user at a time");
			goto out;
		}
	}
	{
		struct sbuf sb;

		sbuf_init(&sb, 1u << 20);
		for (i = 0; i < n; i++)
			sbuf_printf(&sb, "%s%s", i ? ", " : "", names[i]);
		over = json_pack("{s:s}", "elid", sbuf_str(&sb));
		sbuf_release(&sb);
	}
	/* the intent first: rows being deleted keep their names reserved
	 * until the node confirmed, here or to the reconciler */
	if (store_uindex_mark(c->m->st, f->name, ptrs, (size_t)n, "live",
	    "deleting", wall_s()) != 0) {
		reply_error(&c->r, "internal", f->name, "store unavailable");
		goto out;
	}
	test_point("ud-delete-push");
	rc = forward_to(c, &first, over);
	test_point("ud-delete-pushed");
	if (rc == 0) {
		/* done on the node; a row left is the reconciler's, which
		 * asks the node again (a no-op there) */
		for (i = 0; i < n; i++)
			store_uindex_drop(c->m->st, f->name, ptrs[i],
			    "deleting");
	} else if (rc == 1 || rc == -2)
		/* refused, or never sent: nothing was deleted */
		store_uindex_mark(c->m->st, f->name, ptrs, (size_t)n,
		    "deleting", "live", wall_s());
out:
	json_decref(over);
	free(ptrs);
	free(names);
	free(buf);
}
