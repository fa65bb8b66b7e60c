/* udata.c - user data on a node (DESIGN.md §3.2).
 *
 * The master forwards one API function per call: POST /v1/ud with
 * {"func", "params", "owner", "account"}.  owner is the user acting (absent
 * for an administrator's listing across users); account is the owner's
 * account, made on this node before their first object.  The answer is
 * the function's reply document (output.h), which the master hands to the
 * caller as it is.
 *
 * Every field is checked again here against the grammars of uvalid.h
 * before anything is stored or rendered (I5).  A change of a service goes:
 * the service's complete new set computed in memory, rendered and checked
 * by the service's own checker and installed (backend.h), and only then
 * written to the store; a refused check leaves files and store as they
 * were.  One change per service at a time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../common/log.h"
#include "../common/output.h"
#include "../common/params.h"
#include "../common/schema.h"
#include "../common/util.h"
#include "../common/uvalid.h"
#include "backend.h"
#include "node.h"
#include "svcctl.h"

enum svc { SVC_WEB, SVC_DNS, SVC_MAIL, SVC_N };

static const char *const svc_role[SVC_N] = { "web", "dns", "mail" };

static pthread_mutex_t svc_mtx[SVC_N] = { PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };
/* accounts change under this one, taken after a service's */
static pthread_mutex_t acct_mtx = PTHREAD_MUTEX_INITIALIZER;

struct call {
	struct node_agent	*a;
	const struct dtype	*t;
	const char		*op;		/* "list", "edit", "delete" */
	const char		*func;		/* names the answer */
	json_t			*params;
	const char		*owner;		/* NULL: any owner (admin) */
	json_t			*account;	/* the owner's, or NULL */
	struct reply		 r;
	int			 changed;	/* commit() changed files */
};

static const char *
P(const struct call *c, const char *key)
{
	return json_string_value(json_object_get(c->params, key));
}

static int
submit(const struct call *c)
{
	const char *s = P(c, "sok");

	return s && *s;
}

static int
bad(struct call *c, const char *field, const char *err)
{
	reply_error(&c->r, "value", field, "%s", err);
	return -1;
}

static int
need(struct call *c, const char *field, const char **v)
{
	*v = P(c, field);
	if (*v == NULL || **v == '\0') {
		reply_error(&c->r, "empty", field, "field \"%s\" is required",
		    field);
		return -1;
	}
	return 0;
}

static json_t *
accounts_map(struct node_agent *a)
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

/* The type of each service's main set (its store kind is the set's). */
static const struct dtype *const svc_type[SVC_N] = { &dt_webdomain,
    &dt_domain, &dt_emaildomain };
#define svc_kind(s)	(svc_type[s]->store)

static const struct backend *const svc_be[SVC_N] = { &backend_web,
    &backend_dns, &backend_mail };

/* The state a service renders from (backend.h): its complete set, the
 * mailboxes too for mail (NULL: not a set, refused), and the accounts of
 * the store.  The caller decrefs. */
static json_t *
svc_state(struct node_agent *a, enum svc s, const json_t *set,
    const json_t *set2)
{
	json_t *o = json_object();

	if (set)
		json_object_set(o, svc_kind(s), (json_t *)set);
	if (s == SVC_MAIL && set2)
		json_object_set(o, dt_email.store, (json_t *)set2);
	json_object_set_new(o, "account", accounts_map(a));
	return o;
}

/* Renders, checks and installs the complete set of a service (the
 * mailboxes in set2), not yet live.  check_tpl NULL: with the node's
 * templates; otherwise with those, checked only, nothing installed.
 * 0 or -1 with err, nothing changed. */
static int
svc_apply(struct node_agent *a, enum svc s, const json_t *set,
    const json_t *set2, const json_t *check_tpl, char *err, size_t errlen)
{
	json_t *want = svc_state(a, s, set, set2);
	struct btx tx;
	int rc;

	btx_init(&tx, a, svc_be[s]);
	if (check_tpl) {
		tx.tpl = check_tpl;
		tx.check_only = 1;
	}
	rc = backend_put(&tx, want, err, errlen);
	btx_release(&tx);
	json_decref(want);
	return rc;
}

static int	 go_live(struct node_agent *, enum svc, char *, size_t);

/*
 * Puts a service into the state of the store plus puts minus dels, then
 * writes the store.  puts: [{kind, parent, item}]; dels: [{kind, name}].
 * 0, or -1 with the error in the reply and nothing changed.
 */
static int
commit(struct call *c, enum svc s, json_t *puts, json_t *dels)
{
	json_t *set = NULL, *set2 = NULL, *v, *w;
	size_t i, j;
	char err[2048];
	const char *delay;
	int rc = -1;

	nstore_ud_list(c->a->st, svc_kind(s), NULL, NULL, &set);
	if (s == SVC_MAIL)
		nstore_ud_list(c->a->st, "mailbox", NULL, NULL, &set2);
	/* the new sets: without what is deleted or replaced, with puts */
	for (j = 0; j < 2; j++) {
		json_t *arr = j == 0 ? set : set2;
		const char *kind = j == 0 ? svc_kind(s) : dt_email.store;

		if (arr == NULL)
			continue;
		for (i = json_array_size(arr); i-- > 0;) {
			const char *nm = json_string_value(json_object_get(
			    json_array_get(arr, i), "name"));
			size_t k;
			int drop = 0;

			json_array_foreach(dels, k, w)
				if (strcmp(json_string_value(json_object_get(w,
				    "kind")), kind) == 0 && strcmp(
				    json_string_value(json_object_get(w,
				    "name")), nm) == 0)
					drop = 1;
			json_array_foreach(puts, k, w)
				if (strcmp(json_string_value(json_object_get(w,
				    "kind")), kind) == 0 && strcmp(
				    json_string_value(json_object_get(
				    json_object_get(w, "item"), "name")), nm) ==
				    0)
					drop = 1;
			if (drop)
				json_array_remove(arr, i);
		}
		json_array_foreach(puts, i, v)
			if (strcmp(json_string_value(json_object_get(v,
			    "kind")), kind) == 0)
				json_array_append(arr, json_object_get(v,
				    "item"));
	}
	if (svc_apply(c->a, s, set, set2, NULL, err, sizeof(err)) == -1) {
		reply_error(&c->r, "check", svc_kind(s), "%s", err);
		goto out;
	}
	/* A fault-injection point for the tests: a node killed here has its
	 * new files and its old store, which udata_restore() reconciles. */
	if ((delay = getenv("HOSTFLEET_TEST_UD_DELAY_MS")) != NULL)
		usleep((useconds_t)atoi(delay) * 1000);
	if (nstore_ud_write(c->a->st, puts, dels) == -1) {
		json_t *o1 = NULL, *o2 = NULL;

		/* the store is the truth: put the files back in line */
		nstore_ud_list(c->a->st, svc_kind(s), NULL, NULL, &o1);
		if (s == SVC_MAIL)
			nstore_ud_list(c->a->st, "mailbox", NULL, NULL, &o2);
		svc_apply(c->a, s, o1, o2, NULL, err, sizeof(err));
		json_decref(o1);
		json_decref(o2);
		reply_error(&c->r, "internal", svc_kind(s), "node store "
		    "unavailable; nothing was changed");
		goto out;
	}
	c->changed = 1;
	rc = 0;
out:
	json_decref(set);
	json_decref(set2);
	return rc;
}

static json_t *
put_of(const char *kind, const char *parent, json_t *item)
{
	return json_pack("{s:s,s:s,s:o}", "kind", kind, "parent", parent ?
	    parent : "", "item", item);
}

static json_t *
del_of(const char *kind, const char *name)
{
	return json_pack("{s:s,s:s}", "kind", kind, "name", name);
}

/*
 * The owner's account from the call, made on this node if it is new or
 * different.  0, or -1 with the error.
 */
static int
ensure_account(struct call *c)
{
	json_t *cur = NULL, *puts;
	char err[512];
	int rc = 0;

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
	if (cur == NULL || !json_equal(json_object_get(cur, "uid"),
	    json_object_get(c->account, "uid")) || !json_equal(
	    json_object_get(cur, "fullname"), json_object_get(c->account,
	    "fullname"))) {
		if (account_apply(c->a, c->account, cur != NULL, err,
		    sizeof(err)) == -1) {
			reply_error(&c->r, "account", c->owner, "%s", err);
			rc = -1;
		} else {
			json_t *it = json_deep_copy(c->account);

			if (cur)	/* the state is changed by its own call */
				json_object_set(it, "active",
				    json_object_get(cur, "active"));
			puts = json_pack("[o]", put_of("account", NULL, it));
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

/*
 * The item (kind, name) for the caller: 0 with *item; 1 when it is absent
 * and absent_ok; -1 with the error — "access" alike for another's and for
 * an absent object when an owner acts, as on the master.
 */
static int
lookup(struct call *c, const char *kind, const char *what, const char *name,
    json_t **item, int absent_ok)
{
	char q[VALID_ERR_MAX];
	const char *o;

	if (nstore_ud_get(c->a->st, kind, name, item) == 1 && absent_ok)
		return 1;
	o = *item ? json_string_value(json_object_get(*item, "owner")) : NULL;
	if (*item && (c->owner == NULL || (o && strcmp(o, c->owner) == 0)))
		return 0;
	json_decref(*item);
	*item = NULL;
	valid_quote(name, q, sizeof(q));
	if (c->owner == NULL)
		reply_error(&c->r, "missing", kind, "%s \"%s\" not found", what,
		    q);
	else
		reply_error(&c->r, "access", kind, "%s \"%s\" is not among "
		    "yours", what, q);
	return -1;
}

static int
find(struct call *c, const char *kind, const char *what, const char *name,
    json_t **item)
{
	return lookup(c, kind, what, name, item, 0);
}

static const char *
param_of(void *arg, const char *name)
{
	return P(arg, name);
}

/* Reads the fields of c's type that the call gives over item (schema.h);
 * 0 or -1 with the error answered. */
static int
read_fields(struct call *c, json_t *item)
{
	char field[64], err[VALID_ERR_MAX];

	if (schema_read(c->t, param_of, c, item, field, err) == -1)
		return bad(c, field, err);
	return 0;
}

/* A new item of c's type named n for the caller, with the defaults of
 * its fields; NULL with the error answered. */
static json_t *
new_item(struct call *c, const char *n)
{
	char field[64], err[VALID_ERR_MAX];
	json_t *it = json_pack("{s:s,s:s}", "name", n, "owner", c->owner);

	if (schema_defaults(c->t, n, it, field, err) == -1) {
		json_decref(it);
		bad(c, field, err);
		return NULL;
	}
	return it;
}

/* A field that is answered, never given: computed from the item. */
static void
computed(struct call *c, const struct field *f, const json_t *it,
    char *buf)
{
	buf[0] = '\0';
	if (strcmp(f->name, "docroot") == 0) {
		const char *owner = json_string_value(json_object_get(it,
		    "owner"));
		const char *home = json_string_value(json_object_get(it,
		    "home"));

		snprintf(buf, FIELD_OUTMAX, "%s/var/www/%s/data/%s",
		    c->a->conf.root, owner ? owner : "", home ? home : "");
	} else if (strcmp(f->name, "records") == 0)
		snprintf(buf, FIELD_OUTMAX, "%zu", json_array_size(
		    json_object_get(it, "records")));
	else
		field_format(f, it, buf);
}

/* The answer of an item: every field of its type but the secret ones
 * and other spellings, by its API name. */
static void
item_answer(struct call *c, json_t *e, const json_t *it)
{
	const struct field *f;
	char buf[FIELD_OUTMAX];

	for (f = c->t->fields; f->name; f++) {
		if (f->flags & (F_SECRET | F_SPELLING))
			continue;
		if (f->flags & F_OUT)
			computed(c, f, it, buf);
		else
			field_format(f, it, buf);
		elem_set(e, f->name, buf);
	}
}

/* ---- web domains ---- */

/* A name of another object on this node that a site's aliases or name
 * may not take. */
static int
site_names_free(struct call *c, const json_t *s)
{
	json_t *all, *o, *v;
	size_t i, j, k;
	const char *me = json_string_value(json_object_get(s, "name"));

	nstore_ud_list(c->a->st, "webdomain", NULL, NULL, &all);
	json_array_foreach(all, i, o) {
		const char *on = json_string_value(json_object_get(o, "name"));

		if (strcmp(on, me) == 0)
			continue;
		json_array_foreach(json_object_get(o, "aliases"), k, v)
			if (strcmp(json_string_value(v), me) == 0) {
				reply_error(&c->r, "exists", "name", "\"%s\" is "
				    "already an alias of web domain \"%s\"", me,
				    on);
				json_decref(all);
				return -1;
			}
		json_array_foreach(json_object_get(s, "aliases"), j, v) {
			json_t *w;

			if (strcmp(json_string_value(v), on) == 0)
				goto taken;
			json_array_foreach(json_object_get(o, "aliases"), k, w)
				if (json_equal(v, w))
					goto taken;
		}
		continue;
taken:
		reply_error(&c->r, "exists", "aliases", "alias \"%s\" is "
		    "already served by web domain \"%s\"",
		    json_string_value(v), on);
		json_decref(all);
		return -1;
	}
	json_decref(all);
	return 0;
}

/* The caller's items of c's type (an administrator's: everyone's). */
static void
item_list(struct call *c)
{
	json_t *items, *s;
	size_t i;

	nstore_ud_list(c->a->st, c->t->store, c->owner, NULL, &items);
	reply_list(&c->r);
	json_array_foreach(items, i, s)
		item_answer(c, reply_elem(&c->r), s);
	json_decref(items);
}

/*
 * The start of the *.edit call of an object named by a domain (a site, a
 * zone, a mail domain).  With elid: the caller's object, and for a form
 * without sok its fields answered.  Without elid, after sok: a create, the
 * name checked and free on this node.  Returns EDIT_CHANGE with *item,
 * EDIT_CREATE with n, or EDIT_DONE when the call is answered.
 */
enum { EDIT_DONE, EDIT_CHANGE, EDIT_CREATE };

static int
edit_begin(struct call *c, char n[DOMAIN_MAX], json_t **item)
{
	const char *kind = c->t->store, *what = c->t->what;
	const char *elid = P(c, "elid"), *name;
	char err[VALID_ERR_MAX];

	*item = NULL;
	if (elid && *elid) {
		if (valid_domain("elid", elid, n, err) == -1) {
			bad(c, "elid", err);
			return EDIT_DONE;
		}
		if (find(c, kind, what, n, item) == -1)
			return EDIT_DONE;
		if (!submit(c)) {
			item_answer(c, c->r.doc, *item);
			json_decref(*item);
			*item = NULL;
			return EDIT_DONE;
		}
		return EDIT_CHANGE;
	}
	if (!submit(c) || need(c, "name", &name) == -1)
		return EDIT_DONE;
	if (c->owner == NULL) {
		reply_error(&c->r, "empty", "owner", "no owner");
		return EDIT_DONE;
	}
	if (valid_domain("name", name, n, err) == -1) {
		bad(c, "name", err);
		return EDIT_DONE;
	}
	if (nstore_ud_get(c->a->st, kind, n, item) == 0) {
		json_decref(*item);
		*item = NULL;
		reply_error(&c->r, "exists", c->t->name, "%s \"%s\" already "
		    "exists", what, n);
		return EDIT_DONE;
	}
	return EDIT_CREATE;
}

static void
web_edit(struct call *c)
{
	char n[DOMAIN_MAX];
	json_t *s, *puts;
	int how;

	how = edit_begin(c, n, &s);
	if (how == EDIT_DONE)
		return;
	if (how == EDIT_CREATE && (s = new_item(c, n)) == NULL)
		return;
	if (read_fields(c, s) == -1 || site_names_free(c, s) == -1 ||
	    ensure_account(c) == -1) {
		json_decref(s);
		return;
	}
	puts = json_pack("[o]", put_of(c->t->store, NULL, s));
	if (commit(c, SVC_WEB, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}

/* ---- deletes ---- */

/* Appends the delete of (kind, name) to dels, with what lives under it:
 * a mail domain's mailboxes. */
static void
dels_add(struct node_agent *a, const char *kind, const char *name,
    json_t *dels)
{
	json_t *boxes, *b;
	size_t j;

	json_array_append_new(dels, del_of(kind, name));
	if (strcmp(kind, "emaildomain") != 0)
		return;
	nstore_ud_list(a->st, "mailbox", NULL, name, &boxes);
	json_array_foreach(boxes, j, b)
		json_array_append_new(dels, del_of("mailbox",
		    json_string_value(json_object_get(b, "name"))));
	json_decref(boxes);
}

/*
 * The names of elid (", "-joined) as canonical names of kind, each the
 * caller's; 0 with dels appended, or -1.  For an emaildomain its mailboxes
 * go too.
 */
static int
dels_of(struct call *c, const char *kind, const char *what, json_t *dels)
{
	const char *elid;
	char *buf = NULL, *items[1024], n[320], err[VALID_ERR_MAX];
	json_t *it;
	int k, i, rc;

	if (need(c, "elid", &elid) == -1)
		return -1;
	if ((k = elid_split(elid, &buf, items, 1024)) <= 0) {
		free(buf);
		return bad(c, "elid", "elid: expected 1 to 1024 names joined "
		    "by \", \"");
	}
	for (i = 0; i < k; i++) {
		if ((strcmp(kind, "mailbox") == 0 ? valid_email("elid",
		    items[i], n, err) : valid_domain("elid", items[i], n, err))
		    == -1) {
			bad(c, "elid", err);
			break;
		}
		/* an object already gone is deleted: a delete repeated
		 * after its answer was lost finishes */
		if ((rc = lookup(c, kind, what, n, &it, 1)) == 1)
			continue;
		if (rc == -1)
			break;
		json_decref(it);
		dels_add(c->a, kind, n, dels);
	}
	free(buf);
	return i == k ? 0 : -1;
}

static void
generic_delete(struct call *c, enum svc s, const char *kind,
    const char *what)
{
	json_t *dels = json_array(), *puts = json_array();

	if (dels_of(c, kind, what, dels) == 0 &&
	    commit(c, s, puts, dels) == 0)
		reply_ok(&c->r);
	json_decref(dels);
	json_decref(puts);
}

/* ---- DNS zones and records ---- */

static int64_t
next_serial(int64_t old)
{
	time_t t = time(NULL);
	struct tm tm;
	int64_t base;

	gmtime_r(&t, &tm);
	base = ((int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday) * 100;
	return old + 1 > base ? old + 1 : base;
}

static json_t *
rr_json(const struct rr *r)
{
	return json_pack("{s:s,s:s,s:i,s:s}", "name", r->name, "type",
	    r->type, "ttl", r->ttl, "value", r->value);
}

/* Adds a record to a zone's list unless the same is there. */
static void
rr_add(json_t *records, const char *zone, const char *name,
    const char *type, const char *value, const char *prio)
{
	struct rr r;
	char err[VALID_ERR_MAX];

	if (valid_rr(zone, name, type, "", value, prio, NULL, NULL, &r, err) ==
	    0)
		json_array_append_new(records, rr_json(&r));
}

static int
zone_read(struct call *c, json_t *z, int creating)
{
	const char *v, *zone = json_string_value(json_object_get(z, "name"));
	char buf[DOMAIN_MAX + 8];

	if (read_fields(c, z) == -1)
		return -1;
	if (creating) {
		json_t *recs = json_object_get(z, "records"), *x;
		size_t i;

		json_array_foreach(json_object_get(z, "ns"), i, x)
			rr_add(recs, zone, "@", "NS", json_string_value(x),
			    NULL);
		v = json_string_value(json_object_get(z, "ip"));
		/* a name server inside the zone needs its address there */
		json_array_foreach(json_object_get(z, "ns"), i, x) {
			const char *ns = json_string_value(x);
			size_t nl = strlen(ns), zl = strlen(zone);

			if (nl < zl + 2 || strncmp(ns + nl - zl - 1, zone, zl) !=
			    0 || ns[nl - zl - 2] != '.')
				continue;
			if (v == NULL || *v == '\0') {
				reply_error(&c->r, "empty", "ip", "name server "
				    "\"%s\" is inside the zone: give its "
				    "address in ip, or other name servers in ns",
				    ns);
				return -1;
			}
			rr_add(recs, zone, ns, strchr(v, ':') ? "AAAA" : "A",
			    v, NULL);
		}
		if (v && *v) {
			const char *t = strchr(v, ':') ? "AAAA" : "A";

			rr_add(recs, zone, "@", t, v, NULL);
			rr_add(recs, zone, "www", t, v, NULL);
			rr_add(recs, zone, "mail", t, v, NULL);
			snprintf(buf, sizeof(buf), "mail.%s.", zone);
			rr_add(recs, zone, "@", "MX", buf, "10");
		}
	}
	json_object_set_new(z, "serial", json_integer(next_serial(
	    json_integer_value(json_object_get(z, "serial")))));
	return 0;
}

static void
zone_edit(struct call *c)
{
	char n[DOMAIN_MAX];
	json_t *z, *puts;
	int how;

	how = edit_begin(c, n, &z);
	if (how == EDIT_DONE)
		return;
	if (how == EDIT_CREATE) {
		if ((z = new_item(c, n)) == NULL)
			return;
		json_object_set_new(z, "serial", json_integer(0));
		json_object_set_new(z, "records", json_array());
	}
	if (zone_read(c, z, how == EDIT_CREATE) == -1 ||
	    ensure_account(c) == -1) {
		json_decref(z);
		return;
	}
	puts = json_pack("[o]", put_of(c->t->store, NULL, z));
	if (commit(c, SVC_DNS, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}

/* The zone of a record call (plid), the caller's. */
static int
rec_zone(struct call *c, json_t **z)
{
	const char *plid;
	char n[DOMAIN_MAX], err[VALID_ERR_MAX];

	if (need(c, "plid", &plid) == -1)
		return -1;
	if (valid_domain("plid", plid, n, err) == -1)
		return bad(c, "plid", err);
	return find(c, dt_domain.store, dt_domain.what, n, z);
}

/* A stored record as a struct rr. */
static void
rr_of(const json_t *r, struct rr *x)
{
	memset(x, 0, sizeof(*x));
	strlcpy_hf(x->name, json_string_value(json_object_get(r, "name")),
	    sizeof(x->name));
	strlcpy_hf(x->type, json_string_value(json_object_get(r, "type")),
	    sizeof(x->type));
	strlcpy_hf(x->value, json_string_value(json_object_get(r, "value")),
	    sizeof(x->value));
	x->ttl = (int)json_integer_value(json_object_get(r, "ttl"));
}

static void
rec_fields(json_t *e, const json_t *r)
{
	struct rr x;
	char key[2400];

	rr_of(r, &x);
	rr_key(&x, key, sizeof(key));
	elem_set(e, "rkey", key);
	elem_set(e, "name", x.name);
	elem_set(e, "rtype", x.type);
	elem_set(e, "value", x.value);
	elem_setf(e, "ttl", "%d", x.ttl);
}

static void
rec_list(struct call *c)
{
	json_t *z, *r;
	size_t i;

	if (rec_zone(c, &z) == -1)
		return;
	reply_list(&c->r);
	json_array_foreach(json_object_get(z, "records"), i, r)
		rec_fields(reply_elem(&c->r), r);
	json_decref(z);
}

/* The index of record want in zone z, or -1. */
static long
rec_index(const json_t *z, const struct rr *want)
{
	struct rr x;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(z, "records"), i, r) {
		rr_of(r, &x);
		if (strcmp(x.name, want->name) == 0 &&
		    strcmp(x.type, want->type) == 0 &&
		    strcmp(x.value, want->value) == 0)
			return (long)i;
	}
	return -1;
}

/* The index of the record with rkey key in zone z, or -1 (also when key
 * is not an rkey of the zone at all). */
static long
rec_find(const json_t *z, const char *key)
{
	char err[VALID_ERR_MAX];
	struct rr want;

	if (rr_parse_key(json_string_value(json_object_get(z, "name")), key,
	    &want, err) == -1)
		return -1;
	return rec_index(z, &want);
}

/* Whether adding r to z breaks the CNAME rule: a name with a CNAME has
 * no other record. */
static int
cname_clash(const json_t *z, const struct rr *r)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(z, "records"), i, o) {
		if (strcmp(json_string_value(json_object_get(o, "name")),
		    r->name) != 0)
			continue;
		if (strcmp(r->type, "CNAME") == 0 || strcmp(json_string_value(
		    json_object_get(o, "type")), "CNAME") == 0)
			return 1;
	}
	return 0;
}

static void
rec_edit(struct call *c)
{
	const char *elid = P(c, "elid"), *zn, *value, *rtype, *name;
	char err[VALID_ERR_MAX], key[2400];
	json_t *z, *puts;
	struct rr r;
	long at = -1;

	if (rec_zone(c, &z) == -1)
		return;
	zn = json_string_value(json_object_get(z, "name"));
	if (elid && *elid) {
		if ((at = rec_find(z, elid)) < 0) {
			reply_error(&c->r, "missing", "domain.record", "no "
			    "record \"%.200s\" in zone \"%s\"", elid, zn);
			goto out;
		}
		if (!submit(c)) {
			rec_fields(c->r.doc, json_array_get(json_object_get(z,
			    "records"), (size_t)at));
			goto out;
		}
	} else if (!submit(c))
		goto out;
	if (need(c, "name", &name) == -1 || need(c, "rtype", &rtype) == -1)
		goto out;
	/* ISPmanager sends an A record's address as ip */
	value = P(c, "value");
	if ((value == NULL || *value == '\0') && P(c, "ip"))
		value = P(c, "ip");
	if (valid_rr(zn, name, rtype, P(c, "ttl") ? P(c, "ttl") : "",
	    value ? value : "", P(c, "priority") ? P(c, "priority") :
	    P(c, "prio"), P(c, "weight"), P(c, "port"), &r, err) == -1) {
		bad(c, "value", err);
		goto out;
	}
	if (at >= 0)
		json_array_remove(json_object_get(z, "records"), (size_t)at);
	rr_key(&r, key, sizeof(key));
	if (rec_index(z, &r) >= 0) {
		reply_error(&c->r, "exists", "domain.record", "record "
		    "\"%.200s\" already exists", key);
		goto out;
	}
	if (cname_clash(z, &r)) {
		reply_error(&c->r, "value", "rtype", "\"%s\" would have a "
		    "CNAME and other records", r.name);
		goto out;
	}
	json_array_append_new(json_object_get(z, "records"), rr_json(&r));
	json_object_set_new(z, "serial", json_integer(next_serial(
	    json_integer_value(json_object_get(z, "serial")))));
	puts = json_pack("[o]", put_of(dt_domain.store, NULL, json_incref(z)));
	if (commit(c, SVC_DNS, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", key);
	}
	json_decref(puts);
out:
	json_decref(z);
}

static void
rec_delete(struct call *c)
{
	const char *elid, *zn;
	char *buf = NULL, *items[1024];
	json_t *z, *puts;
	long at;
	int k, i;

	if (rec_zone(c, &z) == -1)
		return;
	zn = json_string_value(json_object_get(z, "name"));
	if (need(c, "elid", &elid) == -1)
		goto out;
	/* a TXT value may hold ", ": try the whole elid as one rkey first */
	if ((at = rec_find(z, elid)) >= 0)
		json_array_remove(json_object_get(z, "records"), (size_t)at);
	else {
		if ((k = elid_split(elid, &buf, items, 1024)) <= 0) {
			bad(c, "elid", "elid: expected rkeys joined by \", \"");
			goto out;
		}
		for (i = 0; i < k; i++) {
			if ((at = rec_find(z, items[i])) < 0) {
				reply_error(&c->r, "missing", "domain.record",
				    "no record \"%.200s\" in zone \"%s\"; "
				    "nothing was deleted", items[i], zn);
				goto out;
			}
			json_array_remove(json_object_get(z, "records"),
			    (size_t)at);
		}
	}
	json_object_set_new(z, "serial", json_integer(next_serial(
	    json_integer_value(json_object_get(z, "serial")))));
	puts = json_pack("[o]", put_of(dt_domain.store, NULL, json_incref(z)));
	if (commit(c, SVC_DNS, puts, NULL) == 0)
		reply_ok(&c->r);
	json_decref(puts);
out:
	free(buf);
	json_decref(z);
}

/* ---- mail ---- */

static void
maildom_edit(struct call *c)
{
	char n[DOMAIN_MAX];
	json_t *d, *puts;
	int how;

	how = edit_begin(c, n, &d);
	if (how == EDIT_DONE)
		return;
	if (how == EDIT_CREATE && (d = new_item(c, n)) == NULL)
		return;
	if (read_fields(c, d) == -1 || ensure_account(c) == -1) {
		json_decref(d);
		return;
	}
	puts = json_pack("[o]", put_of(c->t->store, NULL, d));
	if (commit(c, SVC_MAIL, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}

static void
box_list(struct call *c)
{
	json_t *items, *b;
	size_t i;
	const char *dom = P(c, "plid");
	char n[DOMAIN_MAX], err[VALID_ERR_MAX];

	if (dom && *dom && valid_domain("plid", dom, n, err) == -1) {
		bad(c, "plid", err);
		return;
	}
	nstore_ud_list(c->a->st, c->t->store, c->owner, dom && *dom ? n :
	    NULL, &items);
	reply_list(&c->r);
	json_array_foreach(items, i, b)
		item_answer(c, reply_elem(&c->r), b);
	json_decref(items);
}

static int
box_read(struct call *c, json_t *b, int creating)
{
	const char *v;
	char err[VALID_ERR_MAX];
	char pw[crypto_pwhash_STRBYTES];

	v = P(c, "passwd");
	if (v == NULL || *v == '\0')
		v = P(c, "password");
	if (v && *v) {
		const char *cf = P(c, "confirm");

		if (valid_password("passwd", v, err) == -1)
			return bad(c, "passwd", err);
		if (cf && *cf && strcmp(cf, v) != 0)
			return bad(c, "confirm", "confirm: the passwords "
			    "differ");
		if (crypto_pwhash_str(pw, v, strlen(v),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE / 4) != 0) {
			reply_error(&c->r, "internal", "passwd", "out of "
			    "memory hashing the password");
			return -1;
		}
		json_object_set_new(b, "pwhash", json_string(pw));
	} else if (creating) {
		reply_error(&c->r, "empty", "passwd", "field \"passwd\" is "
		    "required");
		return -1;
	}
	return read_fields(c, b);
}

static void
box_edit(struct call *c)
{
	const char *elid = P(c, "elid"), *name, *dom;
	char n[320], err[VALID_ERR_MAX], full[400];
	json_t *b = NULL, *d = NULL, *puts;

	if (elid && *elid) {
		if (valid_email("elid", elid, n, err) == -1) {
			bad(c, "elid", err);
			return;
		}
		if (find(c, c->t->store, c->t->what, n, &b) == -1)
			return;
		if (!submit(c)) {
			item_answer(c, c->r.doc, b);
			json_decref(b);
			return;
		}
		if (box_read(c, b, 0) == -1) {
			json_decref(b);
			return;
		}
	} else {
		if (!submit(c) || need(c, "name", &name) == -1 ||
		    need(c, "domainname", &dom) == -1)
			return;
		if (c->owner == NULL) {
			reply_error(&c->r, "empty", "owner", "no owner");
			return;
		}
		snprintf(full, sizeof(full), "%s@%s", name, dom);
		if (valid_email("name", full, n, err) == -1) {
			bad(c, "name", err);
			return;
		}
		if (find(c, dt_emaildomain.store, dt_emaildomain.what,
		    strchr(n, '@') + 1, &d) == -1)
			return;
		json_decref(d);
		if (nstore_ud_get(c->a->st, c->t->store, n, &b) == 0) {
			json_decref(b);
			reply_error(&c->r, "exists", c->t->name, "%s \"%s\" "
			    "already exists", c->t->what, n);
			return;
		}
		if ((b = new_item(c, n)) == NULL)
			return;
		json_object_set_new(b, "domain", json_string(strchr(n, '@') +
		    1));
		json_object_set_new(b, "pwhash", json_string(""));
		if (box_read(c, b, 1) == -1) {
			json_decref(b);
			return;
		}
	}
	if (ensure_account(c) == -1) {
		json_decref(b);
		return;
	}
	puts = json_pack("[o]", put_of(c->t->store, json_string_value(
	    json_object_get(b, "domain")), b));
	if (commit(c, SVC_MAIL, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}

/* ---- dispatch ---- */

static void
ud_delete(struct call *c)
{
	size_t s;

	for (s = 0; s < SVC_N; s++)
		if (strcmp(svc_role[s], c->t->role) == 0)
			break;
	generic_delete(c, (enum svc)s, c->t->store, c->t->what);
}

/* The operations of each user-data type (schema.h), by its row. */
static const struct uops {
	const struct dtype	*t;
	void			(*list)(struct call *);
	void			(*edit)(struct call *);
	void			(*del)(struct call *);
} uops[] = {
	{ &dt_webdomain, item_list, web_edit, ud_delete },
	{ &dt_domain, item_list, zone_edit, ud_delete },
	{ &dt_record, rec_list, rec_edit, rec_delete },
	{ &dt_emaildomain, item_list, maildom_edit, ud_delete },
	{ &dt_email, box_list, box_edit, ud_delete },
};

/* ---- making changes live (DESIGN.md §2: `ok` means live) ----
 *
 * A change is answered only once its service serves it.  The call's files
 * and store are written under the service's lock as before; then the call
 * joins the service's queue, lets the lock go and waits.  The service's
 * reloader takes the lock, takes every call queued, reloads once for all
 * of them and confirms the result (svcctl.h), so that a burst of changes
 * costs a few reloads.  When the service does not take them, the store and
 * the files go back to the set last made live, the service is reloaded on
 * that, and every call of the batch gets the error. */

struct waiter {
	struct waiter	*next;
	int		 done;
	int		 rc;
	char		 err[1024];
};

static struct liveq {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct waiter	*head;
	int		 kick;		/* a reload without a caller */
	int		 stop;
	int		 running;
	pthread_t	 thr;
	json_t		*snap;		/* {kind: [items]} last made live */
} lq[SVC_N] = {
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0,
	  0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0,
	  0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0,
	  0, NULL },
};

/* The service's sets in the store: {kind: [items]}. */
static json_t *
svc_sets(struct node_agent *a, enum svc s)
{
	json_t *o = json_object(), *items = NULL;

	nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &items);
	json_object_set_new(o, svc_kind(s), items ? items : json_array());
	if (s == SVC_MAIL) {
		items = NULL;
		nstore_ud_list(a->st, "mailbox", NULL, NULL, &items);
		json_object_set_new(o, "mailbox", items ? items : json_array());
	}
	return o;
}

/* Has the backend of s reload what the service's last changes touched
 * and confirm it serves them (backend.h: activate); with svc_mtx[s]
 * held.  0 or -1 with err. */
static int
make_live(struct node_agent *a, enum svc s, const json_t *had,
    const json_t *want, char *err, size_t errlen)
{
	struct btx tx;
	int rc;

	btx_init(&tx, a, svc_be[s]);
	tx.had = had;
	tx.want = want;
	rc = svc_be[s]->activate(&tx, err, errlen);
	btx_release(&tx);
	return rc;
}

/* Puts the store of service s back to the sets of snap, and has the
 * backend put the files and the service back on them (backend.h:
 * rollback; now is the state that failed).  0, or -1 with err when the
 * service does not take them either. */
static int
restore_to(struct node_agent *a, enum svc s, const json_t *snap,
    const json_t *now, char *err, size_t errlen)
{
	json_t *cur = svc_sets(a, s), *puts = json_array(),
	    *dels = json_array(), *items, *it, *was, *set, *set2,
	    *empty = json_array(), *had;
	const char *kind;
	struct btx tx;
	size_t i, j;
	int rc;

	json_object_foreach(cur, kind, items)
		json_array_foreach(items, i, it) {
			const char *n = json_string_value(json_object_get(it,
			    "name"));
			int keep = 0;

			json_array_foreach(json_object_get(snap, kind), j, was)
				if (strcmp(json_string_value(json_object_get(
				    was, "name")), n) == 0)
					keep = json_equal(was, it) ? 2 : 1;
			if (keep != 2)
				json_array_append_new(dels, del_of(kind, n));
		}
	json_object_foreach((json_t *)snap, kind, items)
		json_array_foreach(items, i, it) {
			int same = 0;

			json_array_foreach(json_object_get(cur, kind), j, was)
				if (json_equal(was, it))
					same = 1;
			if (!same)
				json_array_append_new(puts, put_of(kind,
				    strcmp(kind, "mailbox") == 0 ?
				    json_string_value(json_object_get(it,
				    "domain")) : NULL, json_incref(it)));
		}
	if (nstore_ud_write(a->st, puts, dels) == -1)
		log_warnx("user data: the store could not be put back");
	set = json_object_get(snap, svc_kind(s));
	set2 = json_object_get(snap, "mailbox");
	if (set == NULL)
		set = empty;
	if (set2 == NULL)
		set2 = empty;
	had = svc_state(a, s, set, set2);
	btx_init(&tx, a, svc_be[s]);
	tx.had = had;
	tx.want = now;
	rc = svc_be[s]->rollback(&tx, err, errlen);
	btx_release(&tx);
	json_decref(had);
	json_decref(cur);
	json_decref(puts);
	json_decref(dels);
	json_decref(empty);
	return rc;
}

/*
 * Makes the store's state of service s live, with svc_mtx[s] held: on
 * success it becomes the state to come back to; on failure the store and
 * the files go back to that state and the service is reloaded on it.
 * 0, or -1 with err.
 */
static int
sets_empty(const json_t *sets)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)sets, k, v)
		if (json_array_size(v) > 0)
			return 0;
	return 1;
}

static int
go_live(struct node_agent *a, enum svc s, char *err, size_t errlen)
{
	json_t *now = svc_sets(a, s), *had;
	char e2[1024];
	int rc = 0;

	had = lq[s].snap ? json_incref(lq[s].snap) : json_object();
	if (sets_empty(had) && sets_empty(now) && !(a->svc_dirty &
	    svc_be[s]->units)) {
		/* the service has nothing of ours here, before or after */
		json_decref(had);
		json_decref(now);
		return 0;
	}
	if (make_live(a, s, had, now, err, errlen) == 0) {
		json_decref(lq[s].snap);
		lq[s].snap = json_incref(now);
	} else {
		log_warnx("user data: %s; the %s changes are undone", err,
		    svc_kind(s));
		if (restore_to(a, s, had, now, e2, sizeof(e2)) == -1)
			log_warnx("user data: the previous %s state is not "
			    "live either: %s", svc_kind(s), e2);
		rc = -1;
	}
	json_decref(had);
	json_decref(now);
	return rc;
}

static void *
reloader_main(void *arg)
{
	struct node_agent *a = ((void **)arg)[0];
	enum svc s = (enum svc)(intptr_t)((void **)arg)[1];
	struct liveq *q = &lq[s];
	struct waiter *batch, *w;
	char err[1024];
	int rc, kick;

	free(arg);
	for (;;) {
		pthread_mutex_lock(&q->mtx);
		while (q->head == NULL && !q->kick && !q->stop)
			pthread_cond_wait(&q->cv, &q->mtx);
		if (q->stop && q->head == NULL) {
			pthread_mutex_unlock(&q->mtx);
			return NULL;
		}
		pthread_mutex_unlock(&q->mtx);
		/* a role still being set up: wait for it here, without the
		 * service's lock, which the set-up takes */
		if (a->conf.services)
			svcctl_ready(a, svc_role[s], 30000, err, sizeof(err));
		pthread_mutex_lock(&svc_mtx[s]);
		pthread_mutex_lock(&q->mtx);
		batch = q->head;
		kick = q->kick;
		q->head = NULL;
		q->kick = 0;
		pthread_mutex_unlock(&q->mtx);
		err[0] = '\0';
		rc = batch || kick ? go_live(a, s, err, sizeof(err)) : 0;
		pthread_mutex_unlock(&svc_mtx[s]);
		pthread_mutex_lock(&q->mtx);
		for (w = batch; w; w = w->next) {
			w->rc = rc;
			strlcpy_hf(w->err, err, sizeof(w->err));
			w->done = 1;
		}
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mtx);
	}
}

/* With svc_mtx[s] held: queues w for the next reload of s. */
static void
live_enqueue(enum svc s, struct waiter *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_lock(&lq[s].mtx);
	w->next = lq[s].head;
	lq[s].head = w;
	pthread_cond_broadcast(&lq[s].cv);
	pthread_mutex_unlock(&lq[s].mtx);
}

/* Without svc_mtx[s]: waits for w's reload.  0 or -1 with w->err. */
static int
live_wait(enum svc s, struct waiter *w)
{
	pthread_mutex_lock(&lq[s].mtx);
	while (!w->done)
		pthread_cond_wait(&lq[s].cv, &lq[s].mtx);
	pthread_mutex_unlock(&lq[s].mtx);
	return w->rc;
}

void
udata_start(struct node_agent *a)
{
	int s;

	for (s = 0; s < SVC_N; s++) {
		void **arg = xmalloc(2 * sizeof(*arg));
		json_t *items = NULL;

		pthread_mutex_lock(&svc_mtx[s]);
		/* the store, as udata_restore() rendered it: the services
		 * reload what that changed (its files are dirty) */
		lq[s].snap = svc_sets(a, (enum svc)s);
		nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &items);
		lq[s].kick = json_array_size(items) > 0;
		json_decref(items);
		pthread_mutex_unlock(&svc_mtx[s]);
		arg[0] = a;
		arg[1] = (void *)(intptr_t)s;
		if (pthread_create(&lq[s].thr, NULL, reloader_main, arg) == 0)
			lq[s].running = 1;
		else
			free(arg);
	}
}

void
udata_stop(struct node_agent *a)
{
	int s;

	(void)a;
	for (s = 0; s < SVC_N; s++) {
		if (!lq[s].running)
			continue;
		pthread_mutex_lock(&lq[s].mtx);
		lq[s].stop = 1;
		pthread_cond_broadcast(&lq[s].cv);
		pthread_mutex_unlock(&lq[s].mtx);
		pthread_join(lq[s].thr, NULL);
		lq[s].running = 0;
		json_decref(lq[s].snap);
		lq[s].snap = NULL;
	}
}

int
udata_prepare(struct node_agent *a, const char *role, char *err,
    size_t errlen)
{
	json_t *s1 = NULL, *s2 = NULL;
	int s, rc;

	for (s = 0; s < SVC_N; s++)
		if (strcmp(svc_role[s], role) == 0)
			break;
	if (s == SVC_N)
		return 0;
	pthread_mutex_lock(&svc_mtx[s]);
	nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &s1);
	if (s == SVC_MAIL)
		nstore_ud_list(a->st, "mailbox", NULL, NULL, &s2);
	if (s1 == NULL)
		s1 = json_array();
	if (s == SVC_MAIL && s2 == NULL)
		s2 = json_array();
	rc = svc_apply(a, (enum svc)s, s1, s2, NULL, err, errlen);
	pthread_mutex_unlock(&svc_mtx[s]);
	json_decref(s1);
	json_decref(s2);
	return rc;
}

/* Marks in had (a snapshot to make live from) what a restore of drifted
 * DNS files must load again: a zone whose file drifted gets a serial no
 * zone has, so named reloads it; a drifted zones.conf leaves only those
 * zones in had, so named reads its configuration again. */
static void
drifted_zones(json_t *had, const json_t *drifted)
{
	static const char pfx[] = "etc/bind/hostfleet/zones/";
	json_t *zones = json_object_get(had, "zone"), *p, *z, *keep;
	size_t i, j, n;
	int conf = 0;

	keep = json_array();
	json_array_foreach(drifted, i, p) {
		const char *path = json_string_value(p);

		if (strcmp(path, "etc/bind/hostfleet/zones.conf") == 0)
			conf = 1;
		if (strncmp(path, pfx, sizeof(pfx) - 1) != 0 ||
		    (n = strlen(path + sizeof(pfx) - 1)) <= 3)
			continue;
		json_array_foreach(zones, j, z) {
			const char *nm = json_string_value(json_object_get(z,
			    "name"));

			if (strlen(nm) == n - 3 && strncmp(nm, path +
			    sizeof(pfx) - 1, n - 3) == 0) {
				json_object_set_new(z, "serial",
				    json_integer(-1));
				json_array_append(keep, z);
			}
		}
	}
	if (conf)
		json_object_set(had, "zone", keep);
	json_decref(keep);
}

int
udata_repair(struct node_agent *a, const char *role, json_t **fixed,
    char *err, size_t errlen)
{
	json_t *drifted, *sets = NULL, *had = NULL;
	int s, rc = 0;

	if (fixed)
		*fixed = NULL;
	for (s = 0; s < SVC_N; s++)
		if (strcmp(svc_role[s], role) == 0)
			break;
	if (s == SVC_N)
		return 0;
	pthread_mutex_lock(&svc_mtx[s]);
	/* again under the lock: a change may have rendered meanwhile */
	drifted = drift_scan_locked(a, role);
	if (json_array_size(drifted) == 0)
		goto out;
	sets = svc_sets(a, (enum svc)s);
	if (svc_apply(a, (enum svc)s, json_object_get(sets, svc_kind(s)),
	    json_object_get(sets, "mailbox"), NULL, err, errlen) == -1) {
		rc = -1;
		goto out;
	}
	/* the store did not change: what serves is made the store's again,
	 * and nothing is undone when that fails */
	had = lq[s].snap ? json_deep_copy(lq[s].snap) : json_object();
	if (s == SVC_DNS)
		drifted_zones(had, drifted);
	if (make_live(a, (enum svc)s, had, sets, err, errlen) == -1) {
		rc = -1;
		goto out;
	}
	json_decref(lq[s].snap);
	lq[s].snap = json_incref(sets);
	if (fixed)
		*fixed = json_incref(drifted);
out:
	pthread_mutex_unlock(&svc_mtx[s]);
	json_decref(drifted);
	json_decref(sets);
	json_decref(had);
	return rc;
}

/* Every parameter of the call is a control parameter or, for an edit, a
 * field of the type; 0, or -1 with the error answered. */
static int
params_known(struct call *c)
{
	const struct field *f;
	const char *key;
	json_t *v;

	json_object_foreach(c->params, key, v) {
		if (schema_is_control(key))
			continue;
		f = schema_field(c->t, key);
		if (f == NULL || (f->flags & F_OUT) || strcmp(c->op, "edit") !=
		    0) {
			reply_error(&c->r, "param", key, "%s has no parameter "
			    "\"%.64s\"", c->func, key);
			return -1;
		}
	}
	return 0;
}

static void
ud_call(struct node_agent *a, json_t *b, struct http_resp *resp)
{
	struct call c;
	const char *key, *out;
	void (*fn)(struct call *);
	enum outfmt fmt;
	enum svc s;
	json_t *v;
	size_t i;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.t = schema_type(json_string_value(json_object_get(b, "type")) ?
	    json_string_value(json_object_get(b, "type")) : "");
	c.op = json_string_value(json_object_get(b, "op"));
	c.func = json_string_value(json_object_get(b, "func"));
	c.params = json_object_get(b, "params");
	c.owner = json_string_value(json_object_get(b, "owner"));
	c.account = json_object_get(b, "account");
	if (json_is_null(c.account))
		c.account = NULL;
	if (c.t == NULL || c.t->kind != DK_USER || c.op == NULL ||
	    c.func == NULL || !json_is_object(c.params)) {
		http_resp_error(resp, 400, "expected a user-data type, op, func "
		    "and params");
		return;
	}
	/* every parameter is a string, as it came to the master */
	json_object_foreach(c.params, key, v)
		if (!json_is_string(v)) {
			http_resp_error(resp, 400, "parameters are strings");
			return;
		}
	if (c.owner) {
		char err[VALID_ERR_MAX];

		if (valid_username("owner", c.owner, err) == -1) {
			http_resp_error(resp, 400, err);
			return;
		}
	}
	reply_init(&c.r);
	for (i = 0; i < nitems(uops); i++)
		if (uops[i].t == c.t)
			break;
	fn = i == nitems(uops) ? NULL : strcmp(c.op, "list") == 0 ?
	    uops[i].list : strcmp(c.op, "edit") == 0 ? uops[i].edit :
	    strcmp(c.op, "delete") == 0 ? uops[i].del : NULL;
	for (s = 0; s < SVC_N; s++)
		if (strcmp(svc_role[s], c.t->role) == 0)
			break;
	if (fn == NULL || s == SVC_N)
		reply_error(&c.r, "func", "func", "no operation \"%s\" of "
		    "\"%s\" here", c.op, c.t->name);
	else if (params_known(&c) == 0) {
		struct waiter w;

		pthread_mutex_lock(&svc_mtx[s]);
		fn(&c);
		if (c.changed)
			live_enqueue(s, &w);
		pthread_mutex_unlock(&svc_mtx[s]);
		if (c.changed && live_wait(s, &w) == -1) {
			reply_release(&c.r);
			reply_init(&c.r);
			reply_error(&c.r, "service", svc_role[s], "%s", w.err);
		}
	}
	out = json_string_value(json_object_get(b, "out"));
	if (out && output_format(out, &fmt) == 0) {
		/* encoded here in the caller's format: the master sends it
		 * on as it is */
		struct sbuf sb;
		const char *ctype;
		size_t len;

		sbuf_init(&sb, 64u << 20);
		if (output_encode(c.r.doc, c.func, fmt, &sb, &ctype) == -1) {
			sbuf_release(&sb);
			http_resp_error(resp, 500, "answer too large");
		} else {
			char *enc = sbuf_detach(&sb, &len);

			http_resp_set(resp, 200, ctype, enc, len);
			if (reply_is_error(&c.r))
				snprintf(resp->extra_hdr[0],
				    sizeof(resp->extra_hdr[0]),
				    "X-Hostfleet-Error: %s", json_string_value(
				    json_object_get(json_object_get(c.r.doc,
				    "error"), "type")));
		}
	} else
		http_resp_json(resp, 200, c.r.doc);
	reply_release(&c.r);
}

/* The store kind and service of a user-data type named kind, or NULL. */
static const char *
store_kind(const char *kind, enum svc *s)
{
	const struct dtype *t = kind ? schema_type(kind) : NULL;

	if (t == NULL || t->kind != DK_USER || t->store == NULL)
		return NULL;
	for (*s = 0; *s < SVC_N; (*s)++)
		if (strcmp(svc_role[*s], t->role) == 0)
			return t->store;
	return NULL;
}

/* POST /v1/ud/forget {kind, name}: the object goes if it is here. */
static void
ud_forget(struct node_agent *a, json_t *b, struct http_resp *resp)
{
	struct call c;
	enum svc s;
	const char *kind = store_kind(json_string_value(json_object_get(b,
	    "kind")), &s);
	const char *name = json_string_value(json_object_get(b, "name"));
	json_t *it = NULL, *dels, *puts;

	if (kind == NULL || name == NULL) {
		http_resp_error(resp, 400, "expected kind and name");
		return;
	}
	memset(&c, 0, sizeof(c));
	c.a = a;
	reply_init(&c.r);
	pthread_mutex_lock(&svc_mtx[s]);
	if (nstore_ud_get(a->st, kind, name, &it) == 0) {
		dels = json_array();
		dels_add(a, kind, name, dels);
		puts = json_array();
		if (commit(&c, s, puts, dels) == 0) {
			char err[1024];

			if (go_live(a, s, err, sizeof(err)) == 0)
				reply_ok(&c.r);
			else
				reply_error(&c.r, "service", svc_role[s], "%s",
				    err);
		}
		json_decref(puts);
		json_decref(dels);
	} else
		reply_ok(&c.r);
	pthread_mutex_unlock(&svc_mtx[s]);
	json_decref(it);
	http_resp_json(resp, 200, c.r.doc);
	reply_release(&c.r);
}

/* Whether a service has anything on this node: items in the store, or
 * files of its own (left to sweep). */
static int
svc_in_use(struct node_agent *a, enum svc s, const json_t *set)
{
	static const char *const dirs[SVC_N] = { "/etc/nginx/hostfleet",
	    "/etc/bind/hostfleet", "/etc/postfix/hostfleet" };
	char path[1024];
	struct stat sb;

	if (json_array_size(set) > 0)
		return 1;
	snprintf(path, sizeof(path), "%s%s", a->conf.root, dirs[s]);
	return stat(path, &sb) == 0;
}

/* Renders again a service from the store, if it is in use here;
 * check_tpl as for svc_apply(). */
static int
rerender_how(struct node_agent *a, enum svc s, const json_t *check_tpl,
    char *err, size_t errlen)
{
	json_t *s1 = NULL, *s2 = NULL;
	int rc = 0;

	nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &s1);
	if (s == SVC_MAIL)
		nstore_ud_list(a->st, "mailbox", NULL, NULL, &s2);
	if (svc_in_use(a, s, s1))
		rc = svc_apply(a, s, s1, s2, check_tpl, err, errlen);
	json_decref(s1);
	json_decref(s2);
	return rc;
}

static int
rerender(struct node_agent *a, enum svc s, char *err, size_t errlen)
{
	return rerender_how(a, s, NULL, err, errlen);
}

/* Renders the services whose output depends on accounts (web and
 * mail). */
static int
rerender_accounts(struct node_agent *a, char *err, size_t errlen)
{
	if (rerender(a, SVC_WEB, err, errlen) == -1)
		return -1;
	return rerender(a, SVC_MAIL, err, errlen);
}

/* POST /v1/account {account}: the account as the master has it, with
 * its state: a suspended owner's sites and mail stop. */
static void
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
	else if (account_apply(a, acct, 1, err, sizeof(err)) == -1)
		reply_error(&r, "account", "account", "%s", err);
	else {
		puts = json_pack("[o]", put_of("account", NULL,
		    json_deep_copy(acct)));
		if (nstore_ud_write(a->st, puts, NULL) == -1)
			reply_error(&r, "internal", "account", "node store "
			    "unavailable");
		else if (rerender_accounts(a, err, sizeof(err)) == -1 ||
		    go_live(a, SVC_WEB, err, sizeof(err)) == -1 ||
		    go_live(a, SVC_MAIL, err, sizeof(err)) == -1) {
			/* back to what it was */
			json_array_set_new(puts, 0, put_of("account", NULL,
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
static void
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
			json_array_append_new(dels[svcs[i]], del_of(kinds[i],
			    json_string_value(json_object_get(x, "name"))));
		json_decref(items);
	}
	for (s = 0; s < SVC_N && rc == 0; s++)
		if (json_array_size(dels[s]) > 0) {
			rc = commit(&c, (enum svc)s, puts, dels[s]);
			if (rc == 0 && go_live(a, (enum svc)s, err,
			    sizeof(err)) == -1) {
				reply_error(&c.r, "service", svc_role[s], "%s",
				    err);
				rc = -1;
			}
		}
	if (rc == 0) {
		json_t *d = json_pack("[o]", del_of("account", name)), *cur;

		pthread_mutex_lock(&acct_mtx);
		/* only an account this node made is removed */
		if (nstore_ud_get(a->st, "account", name, &cur) != 0)
			reply_ok(&c.r);
		else if (account_remove(a, name, err, sizeof(err)) == -1)
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

void
udata_serve(struct node_agent *a, struct http_req *req,
    struct http_resp *resp)
{
	json_t *b;

	if (strcmp(req->method, "POST") != 0) {
		http_resp_error(resp, 405, "POST only");
		return;
	}
	if ((b = http_req_json(req, resp)) == NULL)
		return;
	if (strcmp(req->url, "/v1/ud") == 0)
		ud_call(a, b, resp);
	else if (strcmp(req->url, "/v1/ud/forget") == 0)
		ud_forget(a, b, resp);
	else if (strcmp(req->url, "/v1/account") == 0)
		account_set(a, b, resp);
	else if (strcmp(req->url, "/v1/account/delete") == 0)
		account_delete(a, b, resp);
	else
		http_resp_error(resp, 404, "no such call");
	json_decref(b);
}

void
udata_restore(struct node_agent *a)
{
	json_t *s1 = NULL;
	char err[1024];
	int i;

	nstore_ud_list(a->st, "account", NULL, NULL, &s1);
	if (json_array_size(s1) == 0) {
		json_decref(s1);
		return;		/* no user data on this node */
	}
	json_decref(s1);
	for (i = 0; i < SVC_N; i++)
		if (rerender(a, (enum svc)i, err, sizeof(err)) == -1)
			log_warnx("user data: %s files not restored: %s",
			    svc_kind(i), err);
}

/* The services templates go into (sysdata.h's slots). */
static const enum svc tpl_svcs[] = { SVC_WEB, SVC_MAIL };

int
udata_tpl_check(struct node_agent *a, const json_t *tpl, char *err,
    size_t errlen)
{
	char e[1024];
	size_t i;
	int s, rc = 0;

	for (s = 0; s < SVC_N; s++)
		pthread_mutex_lock(&svc_mtx[s]);
	for (i = 0; i < nitems(tpl_svcs) && rc == 0; i++)
		if ((rc = rerender_how(a, tpl_svcs[i], tpl, e,
		    sizeof(e))) == -1)
			snprintf(err, errlen, "templates: %s", e);
	for (s = SVC_N - 1; s >= 0; s--)
		pthread_mutex_unlock(&svc_mtx[s]);
	return rc;
}

int
udata_tpl_set(struct node_agent *a, json_t *tpl, char *err, size_t errlen)
{
	char e[1024];
	json_t *old;
	size_t i;
	int s, rc = 0;

	for (s = 0; s < SVC_N; s++)
		pthread_mutex_lock(&svc_mtx[s]);
	old = a->tpl;
	a->tpl = json_incref(tpl);
	json_decref(old);
	for (i = 0; i < nitems(tpl_svcs) && rc == 0; i++)
		if ((rc = rerender(a, tpl_svcs[i], e, sizeof(e))) == -1)
			snprintf(err, errlen, "templates: %s", e);
	for (i = 0; i < nitems(tpl_svcs) && rc == 0; i++)
		rc = go_live(a, tpl_svcs[i], err, errlen);
	for (s = SVC_N - 1; s >= 0; s--)
		pthread_mutex_unlock(&svc_mtx[s]);
	return rc;
}
