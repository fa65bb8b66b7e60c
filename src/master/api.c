/* api.c - the ISPmanager-compatible API at /ispmgr: output format, login,
 * access check and dispatch through the function table. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"
#include "metrics.h"
#include "repo.h"

void
api_bad(struct api_ctx *c, const char *field, const char *msg)
{
	reply_error(&c->r, "value", field, "%s", msg);
}

int
api_elid_id(struct api_ctx *c, const char *s, int64_t *id)
{
	char err[VALID_ERR_MAX];

	if (valid_int("elid", s, 1, INT64_C(1) << 53, id, err) == -1) {
		api_bad(c, "elid", err);
		return -1;
	}
	return 0;
}

const char *
api_need(struct api_ctx *c, const char *field)
{
	const char *v = params_get(c->p, field);

	if (v == NULL || *v == '\0') {
		reply_error(&c->r, "empty", field, "field \"%s\" is required",
		    field);
		return NULL;
	}
	return v;
}

int
api_is_submit(const struct api_ctx *c)
{
	const char *sok = params_get(c->p, "sok");

	return sok != NULL && *sok != '\0';
}

static int
is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0;
}

static enum level
level_of(const struct user *u)
{
	return strcmp(u->level, "admin") == 0 ? LVL_ADMIN : LVL_USER;
}

static void
actor_set(struct actor *a, const struct user *u)
{
	a->id = u->id;
	strlcpy_hf(a->name, u->name, sizeof(a->name));
	a->level = level_of(u);
}

/* A hash to verify against when the account does not exist, so that a
 * wrong name costs as much time as a wrong password. */
static char dummy_hash[160];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
dummy_init(void)
{
	char pw[33];

	rand_hex(pw, 16);
	auth_hash_password(pw, dummy_hash);
}

/* The seconds an address waits after count failures: none for the first
 * login_free_failures, then 1, 2, 4 ... up to 300. */
static int64_t
login_wait(int count, void *arg)
{
	const struct master *m = arg;
	int shift = count - m->conf.login_free_failures;

	if (shift < 0)
		return 0;
	return shift >= 9 ? 300 : (int64_t)1 << shift;
}

/* 1 with the error answered when the login throttle's verdict check
 * (store_login_reserve's, with wait) refuses the login; 0 otherwise. */
static int
throttle_refused(struct api_ctx *c, int check, int64_t wait)
{
	if (check == STORE_LIMIT) {
		metrics_login(ML_THROTTLED);
		reply_error(&c->r, "auth", "throttled", "too many failed "
		    "logins from %s; try again in %lld s",
		    c->http->client_addr, (long long)wait);
	} else if (check != 0)
		reply_error(&c->r, "internal", "auth", "store unavailable");
	return check != 0;
}

/*
 * Checks a name and password from addr, slowing down an address after
 * repeated failures.  An attempt that needs a hash is counted as a failure
 * before the hash runs and cleared when it succeeds, so logins at once
 * from one address are throttled as if they came one by one; the hashes
 * themselves are bounded (auth.c).  Returns 0 and fills u, or -1 with the
 * error in the reply.
 */
static int
password_login(struct api_ctx *c, const char *name, const char *pw,
    struct user *u)
{
	struct master *m = c->m;
	const char *addr = c->http->client_addr;
	int64_t now = wall_s(), wait;
	char q[VALID_ERR_MAX];
	int rc, check;

	rc = store_user_get(m->st, name, u);
	if (rc == -1) {
		reply_error(&c->r, "internal", "auth", "store unavailable");
		return -1;
	}
	/* a throttled address is refused even a password verified lately */
	check = store_login_reserve(m->st, addr, now, login_wait, m, 0, &wait);
	if (check == 0 && rc == 0 && u->active &&
	    auth_cache_hit(name, pw, u->pwhash))
		return 0;
	if (check == 0)
		check = store_login_reserve(m->st, addr, now, login_wait, m, 1,
		    &wait);
	if (throttle_refused(c, check, wait))
		return -1;
	pthread_once(&dummy_once, dummy_init);
	check = auth_check_password(rc == 0 ? u->pwhash : dummy_hash, pw);
	if (check == AUTH_BUSY) {
		metrics_login(ML_BUSY);
		reply_error(&c->r, "auth", "busy", "too many logins are being "
		    "checked at once; try again in a few seconds");
		return -1;
	}
	if (check != 0 || rc != 0 || !u->active) {
		valid_quote(name, q, sizeof(q));
		log_info("auth: failed login for \"%s\" from %s", q, addr);
		metrics_login(ML_FAILED);
		reply_error(&c->r, "auth", "badpassword",
		    "invalid username or password");
		return -1;
	}
	auth_cache_put(name, pw, u->pwhash);
	store_login_ok(m->st, addr);
	return 0;
}

/*
 * A login with a single sign-on key (sso.c): counted as a failure first,
 * as a password's, so that keys cannot be guessed faster than passwords.
 * 0 and u, or -1 with the error in the reply.
 */
static int
key_login(struct api_ctx *c, const char *name, const char *key,
    struct user *u)
{
	const char *addr = c->http->client_addr;
	char q[VALID_ERR_MAX];
	int64_t wait;
	int check;

	check = store_login_reserve(c->m->st, addr, wall_s(), login_wait,
	    c->m, 1, &wait);
	if (throttle_refused(c, check, wait))
		return -1;
	if (sso_key_take(name, key) == -1 || store_user_get(c->m->st, name,
	    u) != 0 || !u->active) {
		valid_quote(name, q, sizeof(q));
		log_info("auth: failed key login for \"%s\" from %s", q, addr);
		metrics_login(ML_FAILED);
		reply_error(&c->r, "auth", "badkey", "invalid, used or expired "
		    "key");
		return -1;
	}
	store_login_ok(c->m->st, addr);
	return 0;
}

void
api_auth(struct api_ctx *c)
{
	struct user u;
	const char *name, *pw, *key;
	char id[65], idhash[65];

	if ((name = api_need(c, "username")) == NULL)
		return;
	if ((key = params_get(c->p, "key")) != NULL && *key) {
		if (key_login(c, name, key, &u) == -1)
			return;
	} else if ((pw = api_need(c, "password")) == NULL ||
	    password_login(c, name, pw, &u) == -1)
		return;
	rand_hex(id, 32);
	secret_hash(id, idhash);
	if (store_session_add(c->m->st, idhash, u.id, c->http->client_addr,
	    wall_s()) != 0) {
		reply_error(&c->r, "internal", "auth", "cannot store session");
		return;
	}
	if (panel_login(c, id, u.level))
		return;
	json_object_set_new(c->r.doc, "auth", json_pack("{s:s,s:s}", "id", id,
	    "level", u.level));
	auth_cookie_set(c, id);
}

/* Ends the session the call came in on (authenticate), whichever way it
 * came, and clears that way's cookie. */
void
api_logout(struct api_ctx *c)
{
	if (c->sid_hash[0]) {
		store_session_delete(c->m->st, c->sid_hash);
		mcache_clear(c->m->sessions);
	}
	if (c->sid_from == SID_PANEL)
		panel_logout(c);
	else
		auth_cookie_set(c, NULL);
	reply_ok(&c->r);
}

void
api_whoami(struct api_ctx *c)
{
	reply_set(&c->r, "name", c->who.name);
	reply_set(&c->r, "level", level_name(c->who.level));
	reply_set(&c->r, "as", c->as.name);
	reply_set(&c->r, "as_level", level_name(c->as.level));
}

/* The input-type of a field in a form. */
static const char *
field_input(const struct field *f)
{
	if (f->flags & F_OUT)
		return "output";
	if (f->flags & F_SECRET)
		return "password";
	if (f->flags & F_BOOL)
		return "checkbox";
	if (f->options)
		return "select";
	if (f->flags & F_LINES)
		return "textarea";
	return "text";
}

/* The values a select offers, space-separated ("" stands for empty). */
static void
options(const struct field *f, json_t *e)
{
	struct sbuf b;
	size_t i;

	sbuf_init(&b, 1u << 12);
	for (i = 0; f->options && f->options[i]; i++)
		sbuf_printf(&b, "%s%s", i ? " " : "", f->options[i][0] ?
		    f->options[i] : "\"\"");
	elem_set(e, "options", sbuf_str(&b));
	sbuf_release(&b);
}

/*
 * Without elid, every function the caller may call (as the user they act
 * as, with su=); with elid=FUNCTION, that function's form, as ISPmanager's
 * metadata describes one: a list of its fields with their labels, help,
 * input type, default, options and flags.
 */
void
api_functions(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	const struct func *f;
	const struct field *fd;
	char q[VALID_ERR_MAX];
	json_t *e;

	if (elid && *elid) {
		if ((f = functab_find(elid)) == NULL || f->level >
		    c->as.level) {
			valid_quote(elid, q, sizeof(q));
			reply_error(&c->r, "missing", "elid", "no function "
			    "\"%s\"", q);
			return;
		}
		reply_set(&c->r, "name", f->name);
		reply_set(&c->r, "datatype", f->type->name);
		reply_set(&c->r, "kind", dkind_name(f->type->kind));
		reply_set(&c->r, "role", f->type->role);
		reply_set(&c->r, "level", level_name(f->level));
		reply_set(&c->r, "op", op_name(f->op));
		reply_set(&c->r, "summary", f->summary);
		reply_set(&c->r, "what", f->type->what);
		reply_list(&c->r);
		for (fd = f->type->fields; fd->name; fd++) {
			int given = func_field(f, fd->name) != NULL;

			/* a listing shows its columns; a form its fields */
			if (!given && !(f->op == OP_LIST && (fd->flags & F_COL))
			    && !(f->op == OP_EDIT && (fd->flags & F_OUT)))
				continue;
			e = reply_elem(&c->r);
			elem_set(e, "name", fd->name);
			elem_set(e, "label", fd->label);
			elem_set(e, "help", fd->help);
			elem_set(e, "input", field_input(fd));
			elem_set(e, "default", fd->def && !strstr(fd->def,
			    "{name}") ? fd->def : "");
			elem_set(e, "required", fd->flags & F_REQ ? "on" :
			    "off");
			elem_set(e, "fixed", fd->flags & F_FIXED ? "on" :
			    "off");
			elem_set(e, "unique", fd->flags & F_UNIQUE ? "on" :
			    "off");
			elem_set(e, "list", fd->flags & F_LIST ? "on" : "off");
			elem_set(e, "column", fd->flags & F_COL ? "on" : "off");
			elem_set(e, "param", given ? "on" : "off");
			elem_set(e, "spelling_of", fd->flags & F_SPELLING ?
			    field_key(fd) : "");
			options(fd, e);
		}
		return;
	}
	reply_list(&c->r);
	for (f = functab; f->name; f++) {
		struct sbuf b;

		if (f->level > c->as.level)
			continue;
		e = reply_elem(&c->r);
		elem_set(e, "name", f->name);
		elem_set(e, "datatype", f->type->name);
		elem_set(e, "kind", dkind_name(f->type->kind));
		elem_set(e, "role", f->type->role);
		elem_set(e, "level", level_name(f->level));
		elem_set(e, "op", op_name(f->op));
		elem_set(e, "summary", f->summary);
		sbuf_init(&b, 1u << 16);
		for (fd = f->type->fields; fd->name; fd++)
			if (func_field(f, fd->name))
				sbuf_printf(&b, "%s%s", b.len ? "," : "",
				    fd->name);
		elem_set(e, "params", sbuf_str(&b));
		sbuf_release(&b);
	}
}

/*
 * Every parameter is a control parameter or a field the function takes;
 * 0, or -1 with a "param" error naming the first other one.
 */
static int
params_known(struct api_ctx *c)
{
	char q[VALID_ERR_MAX];
	const char *k;
	size_t i;

	for (i = 0; i < c->p->n; i++) {
		k = c->p->v[i].key;
		if (schema_is_control(k) || func_field(c->fn, k))
			continue;
		valid_quote(k, q, sizeof(q));
		reply_error(&c->r, "param", k, "function \"%s\" has no "
		    "parameter \"%s\"; its parameters are in `functions "
		    "elid=%s`", c->fn->name, q, c->fn->name);
		return -1;
	}
	return 0;
}

/*
 * Gives every parameter that is another spelling of a field (ISPmanager's
 * and DNSmanager's names: site_name, sdtype, addr, domain, wght ...) the
 * field's own name, unless the call gives that too: past this point a
 * call reads one name only, whichever its client spoke.
 */
static void
spellings_fold(struct api_ctx *c, struct reqparams *p)
{
	const struct field *fd, *canon;
	const char *v;
	size_t i;

	for (i = 0; i < p->n; i++) {
		if ((fd = func_field(c->fn, p->v[i].key)) == NULL ||
		    (canon = schema_canonical(c->fn->type, fd)) == NULL ||
		    func_field(c->fn, canon->name) == NULL)
			continue;
		/* a field given empty is one not given: the spelling counts */
		if ((v = params_get(p, canon->name)) != NULL && *v)
			continue;
		params_rename(p, p->v[i].key, canon->name);
		i = (size_t)-1;		/* the list moved: from its start */
	}
}

int
api_check_fields(struct api_ctx *c)
{
	char field[64], err[VALID_ERR_MAX];

	/* every parameter given is one the function takes (params_known):
	 * the type's grammars are the function's */
	if (schema_check(c->fn->type, params_lookup, (void *)c->p, field,
	    err) == -1) {
		api_bad(c, field, err);
		return -1;
	}
	return 0;
}

/*
 * Establishes who calls: a session (auth=), a one-shot authinfo=name:pw,
 * or the local key of `hostfleet call` from loopback.  Returns 0, or -1
 * with an "auth" error in the reply.
 */
static int
authenticate(struct api_ctx *c)
{
	struct master *m = c->m;
	const char *sid, *ai, *key;
	struct user u;
	char h[65];
	int from;

	/* without auth= or authinfo=, the web panel's cookie with its CSRF
	 * token (panel.c), or else ISPmanager's session cookie (auth.c) */
	sid = params_get(c->p, "auth");
	from = SID_PARAM;
	if ((sid == NULL || *sid == '\0') && params_get(c->p, "authinfo") ==
	    NULL) {
		if (panel_session(c, &sid) == -1)
			return -1;
		from = SID_PANEL;
		if (sid == NULL || *sid == '\0') {
			sid = auth_cookie_get(c);
			from = SID_COOKIE;
		}
	}
	if (sid != NULL && *sid) {
		char ck[160];
		uint64_t gen;

		secret_hash(sid, h);
		/* a session seen in the last second needs no store read; its
		 * last use is written at most every few seconds anyway */
		snprintf(ck, sizeof(ck), "%s %s", h, c->http->client_addr);
		if (mcache_get(m->sessions, ck, &u, sizeof(u)) == 0) {
			actor_set(&c->who, &u);
			strlcpy_hf(c->sid_hash, h, sizeof(c->sid_hash));
			c->sid_from = from;
			return 0;
		}
		gen = mcache_gen(m->sessions);
		if (store_session_use(m->st, h, c->http->client_addr, wall_s(),
		    m->conf.session_idle_s, &u) == 0 && u.active)
			mcache_put(m->sessions, ck, &u, sizeof(u), 1000, gen);
		else {
			reply_error(&c->r, "auth", "session",
			    "session unknown, expired or bound to another "
			    "address; log in again");
			return -1;
		}
		actor_set(&c->who, &u);
		strlcpy_hf(c->sid_hash, h, sizeof(c->sid_hash));
		c->sid_from = from;
		return 0;
	}
	if ((ai = params_get(c->p, "authinfo")) != NULL && *ai) {
		const char *colon = strchr(ai, ':');
		char name[128];

		if (colon == NULL || (size_t)(colon - ai) >= sizeof(name)) {
			reply_error(&c->r, "auth", "authinfo",
			    "authinfo must be name:password");
			return -1;
		}
		memcpy(name, ai, (size_t)(colon - ai));
		name[colon - ai] = '\0';
		if (password_login(c, name, colon + 1, &u) == -1)
			return -1;
		actor_set(&c->who, &u);
		return 0;
	}
	key = http_req_header(c->http, "X-Hostfleet-Key");
	if (key && is_loopback(c->http->client_addr)) {
		secret_hash(key, h);
		if (sodium_memcmp(h, m->local_key_hash, 64) == 0 &&
		    store_user_get(m->st, "admin", &u) == 0) {
			actor_set(&c->who, &u);
			return 0;
		}
		reply_error(&c->r, "auth", "key", "wrong local key");
		return -1;
	}
	reply_error(&c->r, "auth", "session", "log in first: pass auth= or "
	    "authinfo=");
	return -1;
}

/* Applies su=: an admin may act as any user. */
static int
switch_user(struct api_ctx *c)
{
	const char *su = params_get(c->p, "su");
	char err[VALID_ERR_MAX];
	struct user u;

	c->as = c->who;
	if (su == NULL || *su == '\0')
		return 0;
	if (c->who.level != LVL_ADMIN) {
		reply_error(&c->r, "access", "su", "only an administrator may "
		    "act as another user");
		return -1;
	}
	if (valid_username("su", su, err) == -1) {
		api_bad(c, "su", err);
		return -1;
	}
	if (store_user_get(c->m->st, su, &u) != 0) {
		reply_error(&c->r, "missing", "user", "user \"%s\" not found",
		    su);
		return -1;
	}
	actor_set(&c->as, &u);
	return 0;
}

static void
dispatch(struct api_ctx *c, const char **funcname)
{
	const char *fname;
	char q[VALID_ERR_MAX];

	if (c->http->body_err[0]) {
		reply_error(&c->r, "value", "body", "%s", c->http->body_err);
		return;
	}
	if (c->p->err[0]) {
		reply_error(&c->r, "value", c->p->errkey, "%s", c->p->err);
		return;
	}
	if ((fname = api_need(c, "func")) == NULL)
		return;
	if ((c->fn = functab_find(fname)) == NULL) {
		valid_quote(fname, q, sizeof(q));
		reply_error(&c->r, "func", "func", "unknown function \"%s\"",
		    q);
		return;
	}
	*funcname = c->fn->name;
	if (c->fn->level > LVL_PUBLIC) {
		if (authenticate(c) == -1 || switch_user(c) == -1)
			return;
		if (c->fn->level > c->who.level) {
			reply_error(&c->r, "access", c->fn->name,
			    "function \"%s\" needs the %s level", c->fn->name,
			    level_name(c->fn->level));
			return;
		}
	}
	/* user data is checked once the object is known to be the caller's
	 * (api_udata.c): a refusal tells nothing of another's object */
	if (params_known(c) == -1)
		return;
	/* the request's own parameters, which c->p reads */
	spellings_fold(c, &c->http->params);
	if ((c->fn->type->kind != DK_USER &&
	    api_check_fields(c) == -1))
		return;
	c->fn->handler(c);
}

int
api_subcall(struct api_ctx *c, const char *fname, struct reqparams *p,
    struct reply *r)
{
	struct api_ctx s = *c;

	s.fn = functab_find(fname);
	s.p = p;
	s.r = *r;
	s.raw = NULL;
	if (s.fn == NULL)
		reply_error(&s.r, "internal", fname, "no function \"%s\"",
		    fname);
	else if (s.fn->level > c->who.level)
		reply_error(&s.r, "access", fname, "function \"%s\" needs the "
		    "%s level", fname, level_name(s.fn->level));
	else if (params_known(&s) == 0) {
		spellings_fold(&s, p);
		if (s.fn->type->kind == DK_USER || api_check_fields(&s) == 0)
			s.fn->handler(&s);
	}
	free(s.raw);	/* a change answers no encoded listing */
	*r = s.r;
	return reply_is_error(r) ? -1 : 0;
}

static void
serve_ispmgr(struct master *m, struct http_req *req, struct http_resp *resp,
    const char *cookie)
{
	struct api_ctx c;
	struct sbuf out;
	const char *ctype, *outname, *funcname = "";
	enum outfmt fmt = OUT_XML;
	int64_t t0 = mono_ms();

	memset(&c, 0, sizeof(c));
	c.m = m;
	c.http = req;
	c.p = &req->params;
	c.cookie = cookie;
	reply_init(&c.r);
	outname = params_get(c.p, "out");
	if (outname && *outname && output_format(outname, &fmt) == -1) {
		char q[VALID_ERR_MAX];

		valid_quote(outname, q, sizeof(q));
		reply_error(&c.r, "value", "out", "unknown output format "
		    "\"%s\"; the formats are xml, json, sjson, bjson, JSONdata "
		    "and text", q);
	} else {
		c.fmt = fmt;
		dispatch(&c, &funcname);
	}
	metrics_api(c.fn, mono_ms() - t0, reply_is_error(&c.r) ||
	    c.raw_error[0]);
	actlog_record(&c);
	json_decref(c.node_results);

	if (c.fn)
		reply_finish(&c.r, c.fn->type->name, c.fn->op == OP_EDIT &&
		    !api_is_submit(&c), params_get(c.p, "elid"));
	else
		reply_finish(&c.r, "", 0, NULL);
	sbuf_init(&out, 64u << 20);
	for (size_t i = 0; i < API_HDRS; i++)
		memcpy(resp->extra_hdr[1 + i], c.hdr[i], sizeof(c.hdr[i]));
	if (c.raw) {
		/* a node's answer, already in the caller's format */
		http_resp_set(resp, 200, output_ctype(fmt), c.raw, c.rawlen);
		c.raw = NULL;
		if (c.raw_error[0])
			snprintf(resp->extra_hdr[0], sizeof(resp->extra_hdr[0]),
			    "X-Hostfleet-Error: %s", c.raw_error);
	} else if (output_encode(c.r.doc, funcname, fmt, &out, &ctype) ==
	    -1) {
		sbuf_release(&out);
		http_resp_str(resp, 500, "text/plain", "answer too large\n");
	} else {
		size_t len;
		char *body = sbuf_detach(&out, &len);

		http_resp_set(resp, 200, ctype, body, len);
	}
	if (reply_is_error(&c.r)) {
		json_t *e = json_object_get(c.r.doc, "error");

		snprintf(resp->extra_hdr[0], sizeof(resp->extra_hdr[0]),
		    "X-Hostfleet-Error: %s",
		    json_string_value(json_object_get(e, "type")));
	}
	if (c.set_cookie[0])
		strlcpy_hf(resp->extra_hdr[1 + API_HDRS], c.set_cookie,
		    sizeof(resp->extra_hdr[1 + API_HDRS]));
	log_debug("api %s %s by %s: %s in %lld ms", req->client_addr,
	    funcname, c.who.name[0] ? c.who.name : "-",
	    reply_is_error(&c.r) || c.raw_error[0] ? "error" : "ok",
	    (long long)(mono_ms() - t0));
	reply_release(&c.r);
}

/* /metrics: for the scrape token, or an administrator's credentials. */
static void
serve_metrics(struct master *m, struct http_req *req, struct http_resp *resp)
{
	struct api_ctx c;
	int refused = 0;

	if (!metrics_token_ok(m, req)) {
		memset(&c, 0, sizeof(c));
		c.m = m;
		c.http = req;
		c.p = &req->params;
		c.cookie = "ispmgrses5";	/* the panel's session */
		reply_init(&c.r);
		refused = authenticate(&c) == -1 ? 401 :
		    c.who.level != LVL_ADMIN ? 403 : 0;
		reply_release(&c.r);
	}
	metrics_serve(m, req, resp, refused);
}

void
api_serve(struct http_req *req, struct http_resp *resp, void *arg)
{
	struct master *m = arg;

	/* ISPmanager's path, its older one, and DNSmanager's: one API, each
	 * path with its own session cookie */
	if (strcmp(req->url, "/ispmgr") == 0 ||
	    strcmp(req->url, "/manager/ispmgr") == 0)
		serve_ispmgr(m, req, resp, "ispmgrses5");
	else if (strcmp(req->url, "/dnsmgr") == 0)
		serve_ispmgr(m, req, resp, "dnsmgrses5");
	else if (strcmp(req->url, "/v1/join") == 0 &&
	    strcmp(req->method, "POST") == 0)
		join_serve(m, req, resp);
	else if (strcmp(req->url, "/metrics") == 0)
		serve_metrics(m, req, resp);
	else if (strncmp(req->url, "/v1/node/", 9) == 0)
		nodecert_serve(m, req, resp);
	else if (strcmp(req->url, "/v1/hello") == 0 &&
	    strcmp(req->method, "POST") == 0) {
		/* a node that just started: poll now.  It changes nothing but
		 * the moment of the next poll, which the loop spaces anyway. */
		stats_wake(m);
		http_resp_str(resp, 200, "application/json", "{}");
	} else if (strncmp(req->url, "/repo/", 6) == 0)
		/* the apt repository: public, read-only files (repo.c) */
		repo_serve(m->conf.state_dir, req->method, req->url + 6, resp);
	else if (panel_serve(m, req, resp) == 0)
		http_resp_str(resp, 404, "text/plain", "not found\n");
}
