/* rpc.c - the node agent's side of the master <-> node protocol (/v1/...).
 * httpd.c has already refused every caller that is not this cluster's
 * master. */
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "node.h"
#include "svcctl.h"

static void
rpc_version(struct http_resp *resp, int64_t version)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "{\"version\":%lld}", (long long)version);
	http_resp_str(resp, 200, "application/json", buf);
}

/*
 * The answer to an applied change or push: its version, and for the
 * software how the install of its packages goes, once the list is handed
 * over for roles (NULL: the last ones given).  retry: a full push, which
 * starts a failed install again.
 */
static void
rpc_applied(struct node_agent *a, const struct dtype *t, const char *roles,
    int retry, int64_t version, struct http_resp *resp)
{
	json_t *j;

	if (strcmp(t->name, "software") != 0) {
		rpc_version(resp, version);
		return;
	}
	pkg_kick(a, roles, retry);
	j = json_pack("{s:I,s:o}", "version", (json_int_t)version, "software",
	    pkg_state_json());
	http_resp_json(resp, 200, j);
	json_decref(j);
}

/*
 * POST /v1/sys/TYPE: one change of a distributed query,
 * {"base", "version", "deadline_ms", "puts": [items], "deletes": [ids]}.
 * Applied only on top of base, and only before the deadline: a request
 * that waited in a stalled node past the master's timeout was already
 * counted as failed there and must not take effect.
 */
static void
rpc_change(struct node_agent *a, const struct dtype *t, const char *roles,
    struct http_req *req, struct http_resp *resp)
{
	struct typestate *ts = &a->types[sd_type_index(t)];
	json_t *b, *cur = NULL, *puts, *dels, *v, *next;
	json_int_t base, version, mclk, sent, deadline;
	int64_t curver, mnow;
	char err[1024];
	size_t i, j;

	if ((b = http_req_json(req, resp)) == NULL)
		return;
	if (json_unpack(b, "{s:I,s:I,s:I,s:I,s:I,s:o,s:o}", "base", &base,
	    "version", &version, "clock", &mclk, "sent_ms", &sent,
	    "deadline_ms", &deadline, "puts", &puts, "deletes", &dels) != 0 ||
	    !json_is_array(puts) || !json_is_array(dels)) {
		http_resp_error(resp, 400, "expected base, version, clock, "
		    "sent_ms, deadline_ms, puts and deletes");
		json_decref(b);
		return;
	}
	peerclock_sample(&a->mclock, mclk, sent, mono_ms());
	pthread_mutex_lock(&ts->mtx);
	/* the deadline is on the master's clock, as the node reckons it */
	if (peerclock_now(&a->mclock, mclk, mono_ms(), &mnow) == -1) {
		http_resp_error(resp, 409, "the change comes from a master "
		    "that has restarted since");
		goto out;
	}
	if (mnow > deadline) {
		snprintf(err, sizeof(err), "the change arrived %lld ms after "
		    "its deadline", (long long)(mnow - deadline));
		log_warn("%s version %lld refused: %s", t->name,
		    (long long)version, err);
		http_resp_error(resp, 409, err);
		goto out;
	}
	if (nstore_state(a->st, t->name, &curver, &cur) == -1) {
		http_resp_error(resp, 500, "store unavailable");
		goto out;
	}
	if (curver != base) {
		snprintf(err, sizeof(err), "version mismatch: the node has "
		    "%s version %lld, the change is for %lld", t->name,
		    (long long)curver, (long long)base);
		http_resp_error(resp, 409, err);
		goto out;
	}
	/* the new set: the current items with puts replacing or adding,
	 * deletes removed */
	next = json_array();
	json_array_foreach(cur, i, v) {
		json_int_t id = json_integer_value(json_object_get(v, "id"));
		json_t *w;
		int drop = 0;

		json_array_foreach(dels, j, w)
			if (json_integer_value(w) == id)
				drop = 1;
		json_array_foreach(puts, j, w)
			if (json_integer_value(json_object_get(w, "id")) == id)
				drop = 1;
		if (!drop)
			json_array_append(next, v);
	}
	json_array_extend(next, puts);
	if (apply_set(a, t, next, puts, version, err, sizeof(err)) == -1)
		http_resp_error(resp, 422, err);
	else
		rpc_applied(a, t, roles, 0, version, resp);
	json_decref(next);
out:
	pthread_mutex_unlock(&ts->mtx);
	json_decref(cur);
	json_decref(b);
}

/* POST /v1/sync/TYPE: the master's full state, {"version", "items"}. */
static void
rpc_sync(struct node_agent *a, const struct dtype *t, const char *roles,
    struct http_req *req, struct http_resp *resp)
{
	struct typestate *ts = &a->types[sd_type_index(t)];
	json_t *b, *items;
	json_int_t version;
	char err[1024];

	if ((b = http_req_json(req, resp)) == NULL)
		return;
	if (json_unpack(b, "{s:I,s:o}", "version", &version, "items",
	    &items) != 0 || !json_is_array(items)) {
		http_resp_error(resp, 400, "expected version and items");
		json_decref(b);
		return;
	}
	pthread_mutex_lock(&ts->mtx);
	ts->pushes++;
	if (apply_set(a, t, items, items, version, err, sizeof(err)) == -1)
		http_resp_error(resp, 422, err);
	else
		rpc_applied(a, t, roles, 1, version, resp);
	pthread_mutex_unlock(&ts->mtx);
	json_decref(b);
	/* a full state can be large: give its memory back to the system */
	malloc_trim(0);
}

/* POST /v1/services/restart {"name"}: one of the node's role services
 * stopped and started again; answers {"ok": true} or {"error"}. */
static void
rpc_restart(struct node_agent *a, struct http_req *req,
    struct http_resp *resp)
{
	json_t *b, *list;
	char err[1024];
	int u;

	if ((b = http_req_json(req, resp)) == NULL)
		return;
	u = unit_by_name(json_string_value(json_object_get(b, "name")));
	json_decref(b);
	list = svcctl_list(a);
	if (u < 0 || json_object_get(list, unit_name((enum unit)u)) == NULL) {
		json_decref(list);
		http_resp_error(resp, 404, "no such service of this node's roles");
		return;
	}
	json_decref(list);
	if (svcctl_restart(a, (enum unit)u, err, sizeof(err)) == -1) {
		http_resp_error(resp, 500, err);
		return;
	}
	http_resp_str(resp, 200, "application/json", "{\"ok\":true}");
}

int
node_started(struct node_agent *a)
{
	return __atomic_load_n(&a->started_up, __ATOMIC_ACQUIRE);
}

void
node_starting(struct node_agent *a, struct http_resp *resp)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "node %s is starting: its services' "
	    "files are being restored", a->name);
	http_resp_error(resp, 503, msg);
}

/* A poll's stamp of the master's clock (peerclock.h). */
static void
rpc_clock(struct node_agent *a, struct http_req *req)
{
	const char *c = params_get(&req->params, "clock");
	const char *t = params_get(&req->params, "sent_ms");
	int64_t mclk, sent;
	char err[VALID_ERR_MAX];

	if (c == NULL || t == NULL ||
	    valid_int("clock", c, 1, INT64_MAX, &mclk, err) == -1 ||
	    valid_int("sent_ms", t, 0, INT64_MAX, &sent, err) == -1)
		return;
	peerclock_sample(&a->mclock, mclk, sent, mono_ms());
}

void
rpc_serve(struct http_req *req, struct http_resp *resp, void *arg)
{
	struct node_agent *a = arg;
	char roles[ROLES_MAX], err[VALID_ERR_MAX];
	char *s;

	if (strcmp(req->url, "/v1/stats") == 0 &&
	    strcmp(req->method, "GET") == 0) {
		const char *r = params_get_def(&req->params, "roles", "");

		if (req->params.err[0]) {
			http_resp_error(resp, 400, req->params.err);
			return;
		}
		if (valid_roles("roles", r, roles, err) == -1) {
			http_resp_error(resp, 400, err);
			return;
		}
		/* the master says the roles with every poll */
		if (params_get(&req->params, "roles") != NULL &&
		    node_started(a))
			svcctl_roles(a, roles);
		rpc_clock(a, req);
		if ((s = sysinfo_json(a, roles)) == NULL) {
			http_resp_error(resp, 500, "out of memory");
			return;
		}
		http_resp_set(resp, 200, "application/json", s, strlen(s));
		return;
	}
	if (strcmp(req->method, "POST") == 0 &&
	    (strncmp(req->url, "/v1/sys/", 8) == 0 ||
	    strncmp(req->url, "/v1/sync/", 9) == 0)) {
		int full = strncmp(req->url, "/v1/sync/", 9) == 0;
		const struct dtype *t = sd_type(req->url + (full ? 9 : 8));
		/* the node's roles as the master has them */
		const char *r = params_get(&req->params, "roles");

		if (t == NULL) {
			http_resp_error(resp, 404, "no such data type");
			return;
		}
		/* the templates render the user data: not before it is
		 * restored */
		if (strcmp(t->name, "templates") == 0 &&
		    !node_started(a)) {
			node_starting(a, resp);
			return;
		}
		if (req->params.err[0]) {
			http_resp_error(resp, 400, req->params.err);
			return;
		}
		if (r && valid_roles("roles", r, roles, err) == -1) {
			http_resp_error(resp, 400, err);
			return;
		}
		if (full)
			rpc_sync(a, t, r ? roles : NULL, req, resp);
		else
			rpc_change(a, t, r ? roles : NULL, req, resp);
		return;
	}
	if (strcmp(req->url, "/v1/services") == 0) {
		json_t *j = svcctl_list(a);

		http_resp_json(resp, 200, j);
		json_decref(j);
		return;
	}
	if (strcmp(req->url, "/v1/services/restart") == 0 &&
	    strcmp(req->method, "POST") == 0) {
		rpc_restart(a, req, resp);
		return;
	}
	if (strncmp(req->url, "/v1/ud", 6) == 0 ||
	    strncmp(req->url, "/v1/account", 11) == 0) {
		udata_serve(a, req, resp);
		return;
	}
	http_resp_error(resp, 404, "no such call");
}
