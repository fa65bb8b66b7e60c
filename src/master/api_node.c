/* api_node.c - the node registry: cluster.node, cluster.node.edit,
 * cluster.node.delete, cluster.node.token, and sysinfo_stat. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

#define ONOFF(x)	((x) ? "on" : "off")

const char *
node_version(const struct node *n)
{
	static __thread char v[64];
	char e[VALID_ERR_MAX];
	json_t *s;

	v[0] = '\0';
	if (n->stats && (s = json_loads(n->stats, 0, NULL)) != NULL) {
		const char *x = json_string_value(json_object_get(s,
		    "version"));

		if (x && valid_text("version", x, sizeof(v) - 1, e) == 0)
			strlcpy_hf(v, x, sizeof(v));
		json_decref(s);
	}
	return v;
}

/* Writes a node's fields into obj: a list item or the form itself. */
static void
node_fields(json_t *obj, const struct node *n)
{
	elem_setf(obj, "id", "%" PRId64, n->id);
	elem_set(obj, "name", n->name);
	elem_set(obj, "addr", n->addr);
	elem_setf(obj, "port", "%d", n->port);
	elem_setf(obj, "ssh_port", "%d", n->ssh_port);
	elem_set(obj, "roles", n->roles);
	elem_set(obj, "status", n->status);
	elem_set(obj, "status_msg", n->status_msg);
	elem_set(obj, "maintenance", ONOFF(n->maintenance));
	elem_set(obj, "userlocked", ONOFF(n->userlocked));
	elem_setf(obj, "weight", "%d", n->weight);
	elem_set(obj, "is_local", ONOFF(n->is_local));
	elem_set(obj, "joined", ONOFF(n->joined));
	elem_set(obj, "machine_id", n->machine_id);
	elem_set(obj, "hostname", n->hostname);
	elem_set(obj, "comment", n->comment);
	elem_setf(obj, "last_seen", "%" PRId64, n->last_seen);
	elem_setf(obj, "misses", "%d", n->misses);
	elem_set(obj, "version", node_version(n));
}

void
api_node_list(struct api_ctx *c)
{
	struct node *v;
	size_t n, i;

	if (store_node_list(c->m->st, &v, &n) == -1) {
		reply_error(&c->r, "internal", "node", "store unavailable");
		return;
	}
	reply_list(&c->r);
	for (i = 0; i < n; i++)
		node_fields(reply_elem(&c->r), &v[i]);
	store_nodes_free(v, n);
}

/*
 * Applies every node field present in the request to n, read through
 * dt_node's declarations (types.c): every field is checked before any is
 * applied.  Returns 0, or -1 with the error in the reply and n unchanged.
 */
int
node_params_apply(struct api_ctx *c, const struct dtype *t, struct node *n)
{
	char err[VALID_ERR_MAX], field[64];
	json_t *it = json_object(), *x;
	const char *k, *v;
	int rc = -1;

	if (schema_read(t, params_lookup, (void *)c->p, it, field, err) ==
	    -1) {
		api_bad(c, field, err);
		goto out;
	}
	if ((x = json_object_get(it, "addr")) != NULL && n->joined &&
	    strcmp(json_string_value(x), n->addr) != 0) {
		api_bad(c, "addr", "the address of a joined node is in its "
		    "certificate; remove the node and join it again");
		goto out;
	}
	json_object_foreach(it, k, x) {
		v = json_string_value(x);
		if (strcmp(k, "name") == 0)
			strlcpy_hf(n->name, v, sizeof(n->name));
		else if (strcmp(k, "addr") == 0)
			strlcpy_hf(n->addr, v, sizeof(n->addr));
		else if (strcmp(k, "roles") == 0)
			strlcpy_hf(n->roles, v, sizeof(n->roles));
		else if (strcmp(k, "comment") == 0)
			strlcpy_hf(n->comment, v, sizeof(n->comment));
		else if (strcmp(k, "port") == 0)
			n->port = (int)json_integer_value(x);
		else if (strcmp(k, "ssh_port") == 0)
			n->ssh_port = (int)json_integer_value(x);
		else if (strcmp(k, "weight") == 0)
			n->weight = (int)json_integer_value(x);
		else if (strcmp(k, "maintenance") == 0)
			n->maintenance = json_is_true(x);
		else if (strcmp(k, "userlocked") == 0)
			n->userlocked = json_is_true(x);
		else if (strcmp(k, "is_local") == 0)
			n->is_local = json_is_true(x);
	}
	rc = 0;
out:
	json_decref(it);
	return rc;
}

/* A new node's numbers: the defaults of dt_node's fields (types.c). */
void
node_defaults(struct node *n)
{
	n->port = atoi(schema_field(&dt_node, "port")->def);
	n->ssh_port = atoi(schema_field(&dt_node, "ssh_port")->def);
	n->weight = atoi(schema_field(&dt_node, "weight")->def);
}

/* The token lifetime: token_ttl= or the policy's. */
static int
token_ttl(struct api_ctx *c, int64_t *ttl)
{
	char err[VALID_ERR_MAX];
	struct policy pol;
	const char *v = params_get(c->p, "token_ttl");

	if (v && *v) {
		if (valid_int("token_ttl", v, 1, 604800, ttl, err) == -1) {
			api_bad(c, "token_ttl", err);
			return -1;
		}
		return 0;
	}
	policy_load(c->m, &pol);
	*ttl = pol.join_token_ttl_s;
	return 0;
}

static void
answer_token(struct api_ctx *c, int64_t id, int64_t ttl)
{
	char token[256];

	if (join_token_make(c->m, id, ttl, token, sizeof(token)) == -1) {
		reply_error(&c->r, "internal", "token", "cannot issue a token");
		return;
	}
	reply_ok(&c->r);
	reply_setf(&c->r, "id", "%" PRId64, id);
	reply_set(&c->r, "token", token);
	reply_setf(&c->r, "token_expires", "%" PRId64, wall_s() + ttl);
	reply_set(&c->r, "master", c->m->api_url);
}

static void
exists_error(struct api_ctx *c, const struct node *n)
{
	reply_error(&c->r, "exists", "node", "a node named \"%s\" or with "
	    "address %s exists already", n->name, n->addr);
}

/* A role that users' data lives under can't be taken from its node: the
 * data would be out of reach.  0, or -1 with the error. */
static int
roles_keep_data(struct api_ctx *c, const struct node *n,
    const char *oldroles)
{
	static const char *const roles[] = { "web", "dns", "mail" };
	size_t i;
	int held;

	for (i = 0; i < 3; i++) {
		if (!roles_have(oldroles, roles[i]) ||
		    roles_have(n->roles, roles[i]))
			continue;
		if (store_node_role_placements(c->m->st, n->id, roles[i],
		    &held) == 0 && held > 0) {
			reply_error(&c->r, "value", "roles", "node \"%s\" holds "
			    "the %s data of %d user(s); the role can't be taken "
			    "away while it does", n->name, roles[i], held);
			return -1;
		}
	}
	return 0;
}

void
api_node_edit(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	struct node n;
	int64_t id, ttl;
	int rc;

	if (elid && *elid) {
		if (api_elid_id(c, elid, &id) == -1)
			return;
		if ((rc = store_node_get(c->m->st, id, &n)) != 0) {
			if (rc == STORE_NOTFOUND)
				reply_error(&c->r, "missing", "node",
				    "node %s not found", elid);
			else
				reply_error(&c->r, "internal", "node",
				    "store unavailable");
			return;
		}
		if (!api_is_submit(c)) {
			node_fields(c->r.doc, &n);
			store_node_free(&n);
			return;
		}
		char oldroles[ROLES_MAX];
		int wasmaint = n.maintenance;

		strlcpy_hf(oldroles, n.roles, sizeof(oldroles));
		if (node_params_apply(c, &dt_node, &n) == 0 &&
		    roles_keep_data(c, &n, oldroles) == 0) {
			rc = store_node_update(c->m->st, &n);
			master_caches_clear(c->m);
			/* a node that leaves maintenance or gains roles gets
			 * the master's state of every type it now holds */
			if (rc == 0 && n.joined &&
			    (strcmp(oldroles, n.roles) != 0 ||
			    (wasmaint && !n.maintenance)))
				dq_register_all(c->m, n.id, n.roles,
				    "roles or maintenance changed");
			if (rc == STORE_EXISTS)
				exists_error(c, &n);
			else if (rc != 0)
				reply_error(&c->r, "internal", "node",
				    "store unavailable");
			else {
				log_info("node %" PRId64 " \"%s\" changed by %s",
				    n.id, n.name, c->who.name);
				reply_ok(&c->r);
				reply_setf(&c->r, "id", "%" PRId64, n.id);
			}
		}
		store_node_free(&n);
		return;
	}
	if (!api_is_submit(c)) {
		/* The empty form of a new node, with its defaults. */
		memset(&n, 0, sizeof(n));
		node_defaults(&n);
		strlcpy_hf(n.status, "installing", sizeof(n.status));
		node_fields(c->r.doc, &n);
		return;
	}
	if (api_need(c, "name") == NULL || api_need(c, "addr") == NULL)
		return;
	memset(&n, 0, sizeof(n));
	node_defaults(&n);
	if (node_params_apply(c, &dt_node, &n) == -1 || token_ttl(c, &ttl) == -1)
		return;
	rc = store_node_insert(c->m->st, &n);
	if (rc == STORE_EXISTS) {
		exists_error(c, &n);
		return;
	}
	if (rc != 0) {
		reply_error(&c->r, "internal", "node", "store unavailable");
		return;
	}
	log_info("node %" PRId64 " \"%s\" at %s added by %s", n.id, n.name,
	    n.addr, c->who.name);
	answer_token(c, n.id, ttl);
}

void
api_node_token(struct api_ctx *c)
{
	const char *elid;
	struct node n;
	int64_t id, ttl;
	int rc;

	if ((elid = api_need(c, "elid")) == NULL ||
	    api_elid_id(c, elid, &id) == -1 || token_ttl(c, &ttl) == -1)
		return;
	if ((rc = store_node_get(c->m->st, id, &n)) != 0) {
		reply_error(&c->r, rc == STORE_NOTFOUND ? "missing" :
		    "internal", "node", "node %s not found", elid);
		return;
	}
	store_node_free(&n);
	answer_token(c, id, ttl);
}

/*
 * The nodes an elid list of up to 256 ids names, every one of them
 * existing; with check, a node that fails it is refused too.  Their ids go
 * to ids; how many, or -1 with the error answered.
 */
static int
nodes_of_elid(struct api_ctx *c, int64_t ids[256],
    int (*check)(struct api_ctx *, const struct node *))
{
	const char *elid;
	char *buf, *items[256];
	struct node n;
	int i, cnt;

	if ((elid = api_need(c, "elid")) == NULL)
		return -1;
	if ((cnt = elid_split(elid, &buf, items, 256)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 256 node ids joined "
		    "by \", \"");
		return -1;
	}
	for (i = 0; i < cnt; i++) {
		if (api_elid_id(c, items[i], &ids[i]) == -1)
			goto fail;
		if (store_node_get(c->m->st, ids[i], &n) != 0) {
			reply_error(&c->r, "missing", "node",
			    "node %s not found", items[i]);
			goto fail;
		}
		if (check && check(c, &n) == -1) {
			store_node_free(&n);
			goto fail;
		}
		store_node_free(&n);
	}
	free(buf);
	return cnt;
fail:
	free(buf);
	return -1;
}

/* A node that holds users' data, or whose enrollment over SSH runs,
 * cannot be removed. */
static int
node_removable(struct api_ctx *c, const struct node *n)
{
	int held;

	if (enroll_running(c->m, n->id)) {
		reply_error(&c->r, "busy", "node", "the enrollment of node "
		    "\"%s\" is running", n->name);
		return -1;
	}

	if (store_node_placements(c->m->st, n->id, &held) == 0 && held > 0) {
		reply_error(&c->r, "value", "node", "node \"%s\" holds the "
		    "data of %d user role(s); it can't be removed while it "
		    "does", n->name, held);
		return -1;
	}
	return 0;
}

void
api_node_delete(struct api_ctx *c)
{
	int64_t ids[256];
	int i, cnt;

	/* all must exist and be removable before any is removed */
	if ((cnt = nodes_of_elid(c, ids, node_removable)) == -1)
		return;
	for (i = 0; i < cnt; i++) {
		master_caches_clear(c->m);
		if (store_node_delete(c->m->st, ids[i]) == -1) {
			reply_error(&c->r, "internal", "node",
			    "store unavailable");
			return;
		}
		log_info("node %" PRId64 " removed by %s", ids[i],
		    c->who.name);
	}
	reply_ok(&c->r);
}

/* cluster.node.retry: the software of each node is pushed in full, which
 * starts a failed install again; the node is installing, then syncs the
 * rest and is ready. */
void
api_node_retry(struct api_ctx *c)
{
	int64_t ids[256];
	int i, cnt;

	if ((cnt = nodes_of_elid(c, ids, NULL)) == -1)
		return;
	if (store_desync_add(c->m->st, ids, (size_t)cnt, "software",
	    "retry asked by an administrator", wall_s()) == -1) {
		reply_error(&c->r, "internal", "node", "store unavailable");
		return;
	}
	for (i = 0; i < cnt; i++)
		log_info("node %" PRId64 ": retry asked by %s", ids[i],
		    c->who.name);
	sync_wake(c->m);
	reply_ok(&c->r);
}

/* Formats an object of scalars as "k:v k:v" for one list field. */
static void
flat_pairs(json_t *e, const char *field, json_t *obj)
{
	char buf[1024];
	const char *k;
	json_t *v;
	size_t o = 0;

	buf[0] = '\0';
	json_object_foreach(obj, k, v) {
		char val[128];

		if (json_is_string(v))
			snprintf(val, sizeof(val), "%s", json_string_value(v));
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else
			continue;
		if (o < sizeof(buf))
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
			    "%s%s:%s", o ? " " : "", k, val);
	}
	elem_set(e, field, buf);
}

static void
stat_elem(json_t *e, const struct node *n)
{
	json_t *s, *load, *mem, *disk;

	elem_setf(e, "id", "%" PRId64, n->id);
	elem_set(e, "name", n->name);
	elem_set(e, "addr", n->addr);
	elem_set(e, "roles", n->roles);
	elem_set(e, "status", n->status);
	elem_set(e, "status_msg", n->status_msg);
	elem_setf(e, "last_seen", "%" PRId64, n->last_seen);
	elem_setf(e, "misses", "%d", n->misses);
	if (n->stats == NULL || (s = json_loads(n->stats, 0, NULL)) == NULL)
		return;
	if ((load = json_object_get(s, "load")) != NULL) {
		elem_setf(e, "load1", "%.2f",
		    json_number_value(json_array_get(load, 0)));
		elem_setf(e, "load5", "%.2f",
		    json_number_value(json_array_get(load, 1)));
		elem_setf(e, "load15", "%.2f",
		    json_number_value(json_array_get(load, 2)));
	}
	if ((mem = json_object_get(s, "mem")) != NULL) {
		elem_setf(e, "mem_total", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(mem, "total")));
		elem_setf(e, "mem_available", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(mem, "available")));
	}
	if ((disk = json_object_get(s, "disk")) != NULL) {
		elem_setf(e, "disk_total", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(disk, "total")));
		elem_setf(e, "disk_free", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(disk, "free")));
	}
	elem_setf(e, "uptime", "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(s, "uptime")));
	elem_set(e, "hostname",
	    json_string_value(json_object_get(s, "hostname")));
	flat_pairs(e, "services", json_object_get(s, "services"));
	{
		json_t *sw = json_object_get(s, "software"), *p;
		const char *st = json_string_value(json_object_get(sw,
		    "state"));
		const char *log = json_string_value(json_object_get(sw,
		    "log"));
		char miss[1024];
		size_t i, o = 0;

		miss[0] = '\0';
		/* a list too long for the field ends where it is cut */
		json_array_foreach(json_object_get(sw, "missing"), i, p)
			if (o < sizeof(miss))
				o += (size_t)snprintf(miss + o, sizeof(miss) - o,
				    "%s%s", o ? " " : "", json_string_value(p));
		elem_set(e, "software", st ? st : "");
		elem_set(e, "software_missing", miss);
		elem_set(e, "software_log", log ? log : "");
	}
	flat_pairs(e, "versions", json_object_get(s, "versions"));
	{
		/* user-data files changed by hand: "web:PATH dns:PATH" */
		json_t *d = json_object_get(s, "drift"), *l, *p;
		char buf[2048];
		const char *k;
		size_t i, o = 0;

		buf[0] = '\0';
		json_object_foreach(json_object_get(d, "paths"), k, l)
			json_array_foreach(l, i, p)
				if (o < sizeof(buf))
					o += (size_t)snprintf(buf + o,
					    sizeof(buf) - o, "%s%s:%s", o ?
					    " " : "", k, json_string_value(p));
		elem_set(e, "drift", buf);
		elem_setf(e, "drift_files", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(d, "files")));
		elem_setf(e, "drift_restored", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(d, "restored")));
	}
	{
		json_t *u = json_object_get(s, "usage"), *b;
		json_int_t sum = 0;
		const char *k;

		json_object_foreach(u, k, b)
			sum += json_integer_value(b);
		elem_setf(e, "homes", "%zu", json_object_size(u));
		elem_setf(e, "homes_bytes", "%" JSON_INTEGER_FORMAT, sum);
		elem_setf(e, "usage_at", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(s, "usage_at")));
	}
	json_decref(s);
}

void
api_sysinfo_stat(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	struct node *v;
	size_t n, i;
	int64_t id = 0;

	if (elid && *elid && api_elid_id(c, elid, &id) == -1)
		return;
	if (store_node_list(c->m->st, &v, &n) == -1) {
		reply_error(&c->r, "internal", "node", "store unavailable");
		return;
	}
	reply_list(&c->r);
	for (i = 0; i < n; i++)
		if (id == 0 || v[i].id == id)
			stat_elem(reply_elem(&c->r), &v[i]);
	store_nodes_free(v, n);
}

/* One call to a node's /v1/services...; the node's document, or NULL with
 * the error answered. */
static json_t *
node_services_call(struct api_ctx *c, const char *path, json_t *body,
    long timeout_ms)
{
	const char *elid = params_get(c->p, "elid");
	struct node nd;
	struct ucall u;
	int64_t id;

	if (elid == NULL || *elid == '\0') {
		reply_error(&c->r, "empty", "elid", "field \"elid\" is required");
		return NULL;
	}
	if (api_elid_id(c, elid, &id) == -1)
		return NULL;
	if (store_node_get(c->m->st, id, &nd) != 0) {
		reply_error(&c->r, "missing", "node", "no such node");
		return NULL;
	}
	memset(&u, 0, sizeof(u));
	u.node = &nd;
	u.body = body;
	u.timeout_ms = timeout_ms;
	proxy_run(c->m, &u, 1, path);
	store_node_free(&nd);
	if (u.doc == NULL) {
		reply_error(&c->r, "node", "node", "%s", u.err);
		return NULL;
	}
	return u.doc;
}

/* cluster.node.service elid=NODE: the services of the node's roles, with
 * their state, as the node sees them now. */
void
api_node_service(struct api_ctx *c)
{
	json_t *body = json_object(), *doc, *v;
	const char *k;

	doc = node_services_call(c, "/v1/services", body, 0);
	json_decref(body);
	if (doc == NULL)
		return;
	reply_list(&c->r);
	json_object_foreach(doc, k, v) {
		json_t *e = reply_elem(&c->r);

		elem_set(e, "name", k);
		elem_set(e, "role", json_string_value(json_object_get(v,
		    "role")));
		elem_set(e, "state", json_string_value(json_object_get(v,
		    "state")));
		elem_setf(e, "pid", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(v, "pid")));
		elem_set(e, "setup", json_string_value(json_object_get(v,
		    "setup")));
		elem_setf(e, "reloads", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(v, "reloads")));
	}
	json_decref(doc);
}

/* cluster.node.service.restart elid=NODE name=SERVICE */
void
api_node_service_restart(struct api_ctx *c)
{
	const char *name = params_get(c->p, "name");
	json_t *body, *doc;

	if (name == NULL || *name == '\0') {
		reply_error(&c->r, "empty", "name", "field \"name\" is required");
		return;
	}
	body = json_pack("{s:s}", "name", name);
	/* a start takes seconds: Postfix checks its whole queue first */
	doc = node_services_call(c, "/v1/services/restart", body, 60000);
	json_decref(body);
	if (doc == NULL)
		return;
	json_decref(doc);
	log_info("node service %s restarted by %s", name, c->who.name);
	reply_ok(&c->r);
}
