/* udata.c - user data on a node (DESIGN.md §3.2): the dispatch.
 *
 * The master forwards one API function per call: POST /v1/ud with
 * {"type", "op", "func", "params", "owner", "account"}.  type is a user
 * data type of schema.h and op what the function does with it; owner is
 * the user acting (absent for an administrator's listing across users);
 * account is the owner's account, made on this node before their first
 * object.  The answer is the function's reply document (output.h), which
 * the master hands to the caller as it is.
 *
 * Every parameter is a field of the type or a control parameter, and
 * every field is checked again here with the declaration's grammar before
 * anything is stored or rendered (I5).  The field code of each role is
 * beside its backend (svc_web.c, svc_dns.c, svc_mail.c), the commit and
 * the making-live in ucommit.c, the accounts in account.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
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
#include "udata_int.h"

const char *const svc_role[SVC_N] = { "web", "dns", "mail" };

pthread_mutex_t svc_mtx[SVC_N] = { PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };
/* accounts change under this one, taken after a service's */
pthread_mutex_t acct_mtx = PTHREAD_MUTEX_INITIALIZER;

const char *
ud_param(const struct call *c, const char *key)
{
	return json_string_value(json_object_get(c->params, key));
}

int
ud_submit(const struct call *c)
{
	const char *s = ud_param(c, "sok");

	return s && *s;
}

int
ud_bad(struct call *c, const char *field, const char *err)
{
	reply_error(&c->r, "value", field, "%s", err);
	return -1;
}

int
ud_need(struct call *c, const char *field, const char **v)
{
	*v = ud_param(c, field);
	if (*v == NULL || **v == '\0') {
		reply_error(&c->r, "empty", field, "field \"%s\" is required",
		    field);
		return -1;
	}
	return 0;
}

json_t *
ud_put_of(const char *kind, const char *parent, json_t *item)
{
	return json_pack("{s:s,s:s,s:o}", "kind", kind, "parent", parent ?
	    parent : "", "item", item);
}

json_t *
ud_del_of(const char *kind, const char *name)
{
	return json_pack("{s:s,s:s}", "kind", kind, "name", name);
}

/*
 * The item (kind, name) for the caller: 0 with *item; 1 when it is absent
 * and absent_ok; -1 with the error — "access" alike for another's and for
 * an absent object when an owner acts, as on the master.
 */
static int
ud_lookup(struct call *c, const char *kind, const char *what, const char *name,
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

int
ud_find(struct call *c, const char *kind, const char *what, const char *name,
    json_t **item)
{
	return ud_lookup(c, kind, what, name, item, 0);
}

static const char *
param_of(void *arg, const char *name)
{
	return ud_param(arg, name);
}

/* Reads the fields of c's type that the call gives over item (schema.h);
 * 0 or -1 with the error answered. */
int
ud_read_fields(struct call *c, json_t *item)
{
	char field[64], err[VALID_ERR_MAX];

	if (schema_read(c->t, param_of, c, item, field, err) == -1)
		return ud_bad(c, field, err);
	return 0;
}

/* A new item of c's type named n for the caller, with the defaults of
 * its fields; NULL with the error answered. */
json_t *
ud_new_item(struct call *c, const char *n)
{
	char field[64], err[VALID_ERR_MAX];
	json_t *it = json_pack("{s:s,s:s}", "name", n, "owner", c->owner);

	if (schema_defaults(c->t, n, it, field, err) == -1) {
		json_decref(it);
		ud_bad(c, field, err);
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
	else if (strcmp(f->name, "id") == 0)
		field_format(schema_field(c->t, "name"), it, buf);
	else if (strcmp(f->name, "active") == 0 && (f->flags & F_OUT)) {
		/* a site is active while its owner's account is */
		const char *owner = json_string_value(json_object_get(it,
		    "owner"));
		json_t *acct = NULL, *v;
		int on = 1;

		if (owner && nstore_ud_get(c->a->st, "account", owner,
		    &acct) == 0) {
			v = json_object_get(acct, "active");
			on = v == NULL || json_is_true(v);
			json_decref(acct);
		}
		strlcpy_hf(buf, on ? "on" : "off", FIELD_OUTMAX);
	}
	else
		field_format(f, it, buf);
}

/* The answer of an item: every field of its type but the secret ones
 * and other spellings, by its API name. */
void
ud_item_answer(struct call *c, json_t *e, const json_t *it)
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

/* The caller's items of c's type (an administrator's: everyone's). */
static void
ud_item_list(struct call *c)
{
	json_t *items, *s;
	size_t i;

	nstore_ud_list(c->a->st, c->t->store, c->owner, NULL, &items);
	reply_list(&c->r);
	json_array_foreach(items, i, s)
		ud_item_answer(c, reply_elem(&c->r), s);
	json_decref(items);
}

int
ud_edit_begin(struct call *c, char n[DOMAIN_MAX], json_t **item)
{
	const char *kind = c->t->store, *what = c->t->what;
	const char *elid = ud_param(c, "elid"), *name;
	char err[VALID_ERR_MAX];

	*item = NULL;
	if (elid && *elid) {
		if (valid_domain("elid", elid, n, err) == -1) {
			ud_bad(c, "elid", err);
			return EDIT_DONE;
		}
		if (ud_find(c, kind, what, n, item) == -1)
			return EDIT_DONE;
		if (!ud_submit(c)) {
			ud_item_answer(c, c->r.doc, *item);
			json_decref(*item);
			*item = NULL;
			return EDIT_DONE;
		}
		return EDIT_CHANGE;
	}
	if (!ud_submit(c) || ud_need(c, "name", &name) == -1)
		return EDIT_DONE;
	if (c->owner == NULL) {
		reply_error(&c->r, "empty", "owner", "no owner");
		return EDIT_DONE;
	}
	if (valid_domain("name", name, n, err) == -1) {
		ud_bad(c, "name", err);
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

/* ---- deletes ---- */

/* Appends the delete of (kind, name) to dels, with what lives under it:
 * a mail domain's mailboxes. */
static void
dels_add(struct node_agent *a, const char *kind, const char *name,
    json_t *dels)
{
	json_t *boxes, *b;
	size_t j;

	json_array_append_new(dels, ud_del_of(kind, name));
	if (strcmp(kind, "emaildomain") != 0)
		return;
	nstore_ud_list(a->st, "mailbox", NULL, name, &boxes);
	json_array_foreach(boxes, j, b)
		json_array_append_new(dels, ud_del_of("mailbox",
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

	if (ud_need(c, "elid", &elid) == -1)
		return -1;
	if ((k = elid_split(elid, &buf, items, 1024)) <= 0) {
		free(buf);
		return ud_bad(c, "elid", "elid: expected 1 to 1024 names "
		    "joined by \", \"");
	}
	for (i = 0; i < k; i++) {
		if ((strcmp(kind, "mailbox") == 0 ? valid_email("elid",
		    items[i], n, err) : valid_domain("elid", items[i], n, err))
		    == -1) {
			ud_bad(c, "elid", err);
			break;
		}
		/* an object already gone is deleted: a delete repeated
		 * after its answer was lost finishes */
		if ((rc = ud_lookup(c, kind, what, n, &it, 1)) == 1)
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
	    ud_commit(c, s, puts, dels) == 0)
		reply_ok(&c->r);
	json_decref(dels);
	json_decref(puts);
}

/* ---- dispatch ---- */

enum svc
svc_of_role(const char *role)
{
	enum svc s;

	for (s = 0; s < SVC_N; s++)
		if (strcmp(svc_role[s], role) == 0)
			break;
	return s;
}

static void
ud_delete(struct call *c)
{
	generic_delete(c, svc_of_role(c->t->role), c->t->store, c->t->what);
}

/* The operations of each user-data type (schema.h), by its row. */
static const struct uops {
	const struct dtype	*t;
	void			(*list)(struct call *);
	void			(*edit)(struct call *);
	void			(*del)(struct call *);
} uops[] = {
	{ &dt_webdomain, ud_item_list, web_edit, ud_delete },
	{ &dt_domain, ud_item_list, zone_edit, ud_delete },
	{ &dt_record, rec_list, rec_edit, rec_delete },
	{ &dt_emaildomain, ud_item_list, maildom_edit, ud_delete },
	{ &dt_email, box_list, box_edit, ud_delete },
};

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
		http_resp_error(resp, 400, "expected a user-data type, op, "
		    "func and params");
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
	s = svc_of_role(c.t->role);
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
	reply_finish(&c.r, c.t->name, strcmp(c.op, "edit") == 0 &&
	    !ud_submit(&c), json_string_value(json_object_get(c.params,
	    "elid")));
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

	if (t == NULL || t->kind != DK_USER || t->store == NULL ||
	    (*s = svc_of_role(t->role)) == SVC_N)
		return NULL;
	return t->store;
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
		if (ud_commit(&c, s, puts, dels) == 0) {
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

void
udata_serve(struct node_agent *a, struct http_req *req,
    struct http_resp *resp)
{
	json_t *b;

	if (strcmp(req->method, "POST") != 0) {
		http_resp_error(resp, 405, "POST only");
		return;
	}
	if (!node_started(a)) {
		node_starting(a, resp);
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
