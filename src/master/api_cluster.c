/* api_cluster.c - cluster.desync, cluster.desync.resync, cluster.query,
 * cluster.policy: what is out of sync, forcing a full resync, the query
 * log, and the cluster policy. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

void
api_desync_list(struct api_ctx *c)
{
	json_t *rows, *r;
	size_t i;

	if (store_desync_list(c->m->st, 0, &rows) == -1) {
		reply_error(&c->r, "internal", "desync", "store unavailable");
		return;
	}
	reply_list(&c->r);
	json_array_foreach(rows, i, r) {
		json_t *e = reply_elem(&c->r);
		int64_t next = json_integer_value(json_object_get(r,
		    "next_try"));

		elem_setf(e, "node", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(r, "node")));
		elem_set(e, "name", json_string_value(json_object_get(r,
		    "name")));
		elem_set(e, "type", json_string_value(json_object_get(r,
		    "type")));
		elem_set(e, "reason", json_string_value(json_object_get(r,
		    "reason")));
		elem_setf(e, "since", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(r, "since")));
		elem_setf(e, "attempts", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(r, "attempts")));
		elem_set(e, "last_error", json_string_value(json_object_get(r,
		    "last_error")));
		elem_setf(e, "next_try", "%" PRId64, next / 1000);
		elem_set(e, "node_status", json_string_value(json_object_get(r,
		    "status")));
	}
	json_decref(rows);
}

void
api_desync_resync(struct api_ctx *c)
{
	const char *elid;
	char *buf, *items[256];
	int64_t ids[256];
	struct node n;
	int i, cnt;

	if ((elid = api_need(c, "elid")) == NULL)
		return;
	if ((cnt = elid_split(elid, &buf, items, 256)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 256 node ids");
		return;
	}
	for (i = 0; i < cnt; i++) {
		if (api_elid_id(c, items[i], &ids[i]) == -1)
			goto out;
		if (store_node_get(c->m->st, ids[i], &n) != 0) {
			reply_error(&c->r, "missing", "node", "node %s not "
			    "found", items[i]);
			goto out;
		}
		store_node_free(&n);
	}
	for (i = 0; i < cnt; i++) {
		if (store_node_get(c->m->st, ids[i], &n) != 0)
			continue;
		dq_register_all(c->m, ids[i], n.roles, "full resync asked by "
		    "an administrator");
		store_node_free(&n);
	}
	reply_ok(&c->r);
out:
	free(buf);
}

void
api_query_log(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	const char *limit = params_get(c->p, "limit");
	char err[VALID_ERR_MAX];
	int64_t id = 0, lim = 100;
	json_t *rows, *r;
	size_t i;

	if (elid && *elid && api_elid_id(c, elid, &id) == -1)
		return;
	if (limit && *limit && valid_int("limit", limit, 1, 10000, &lim,
	    err) == -1) {
		api_bad(c, "limit", err);
		return;
	}
	if (store_query_log(c->m->st, id, (int)lim, &rows) == -1) {
		reply_error(&c->r, "internal", "query", "store unavailable");
		return;
	}
	reply_list(&c->r);
	json_array_foreach(rows, i, r) {
		json_t *e = reply_elem(&c->r), *v;
		const char *k;

		json_object_foreach(r, k, v)
			elem_set(e, k, json_string_value(v));
	}
	json_decref(rows);
}

void
api_policy(struct api_ctx *c)
{
	if (api_is_submit(c)) {
		if (policy_update(c->m, c->p, &c->r) == -1)
			return;
		stats_wake(c->m);
		reply_ok(&c->r);
		return;
	}
	policy_show(c->m, &c->r);
}
