/* proxy.c - the master's calls to the user-data side of node agents
 * (DESIGN.md §3.2), and placement (§2).
 *
 * A user-data call is one POST of JSON to the node holding the data; the
 * node answers with the reply document of the function, which the master
 * encodes in the caller's format without touching its content.  Calls to
 * several nodes run at once, each bounded by the node timeout (I6). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

void
proxy_run(struct master *m, struct ucall *calls, size_t n, const char *path)
{
	struct policy pol;
	struct hreq *reqs, **rp;
	char (*urls)[256];
	char **bodies;
	size_t i;

	if (n == 0)
		return;
	policy_load(m, &pol);
	reqs = xcalloc(n, sizeof(*reqs));
	rp = xcalloc(n, sizeof(*rp));
	urls = xcalloc(n, sizeof(*urls));
	bodies = xcalloc(n, sizeof(*bodies));
	for (i = 0; i < n; i++) {
		calls[i].doc = NULL;
		calls[i].err[0] = '\0';
		node_url(calls[i].node, path, urls[i], sizeof(urls[i]));
		bodies[i] = json_dumps(calls[i].body, JSON_COMPACT);
		hreq_init(&reqs[i], urls[i], calls[i].timeout_ms > 0 ?
		    calls[i].timeout_ms : pol.node_timeout_ms);
		reqs[i].body = bodies[i];
		reqs[i].body_len = strlen(bodies[i]);
		reqs[i].ctype = "application/json";
		if (calls[i].raw)
			reqs[i].want_hdr = "X-Hostfleet-Error";
		rp[i] = &reqs[i];
	}
	/* one call: made in this thread, without the engine's hand-over */
	if (n == 1)
		httpc_call(m->nodes, rp[0]);
	else
		httpc_run(m->nodes, rp, n);
	for (i = 0; i < n; i++) {
		struct ucall *u = &calls[i];
		const struct node *nd = u->node;
		json_t *doc = NULL;

		u->unsent = reqs[i].unsent;
		if (u->raw && reqs[i].status == 200) {
			/* the node's answer in the caller's format, as it is */
			u->rawbody = sbuf_detach(&reqs[i].resp, &u->rawlen);
			strlcpy_hf(u->rawerr, reqs[i].got_hdr,
			    sizeof(u->rawerr));
		} else if (reqs[i].status == 0)
			snprintf(u->err, sizeof(u->err), "node \"%s\" (%s) is "
			    "not reachable: %s", nd->name, nd->addr,
			    reqs[i].err);
		else if ((doc = json_loadb(sbuf_str(&reqs[i].resp),
		    reqs[i].resp.len, 0, NULL)) == NULL ||
		    !json_is_object(doc))
			snprintf(u->err, sizeof(u->err), "node \"%s\" (%s) "
			    "answered HTTP %ld without a document", nd->name,
			    nd->addr, reqs[i].status);
		else if (reqs[i].status != 200) {
			const char *e = json_string_value(json_object_get(doc,
			    "error"));

			snprintf(u->err, sizeof(u->err), "node \"%s\" (%s) "
			    "answered HTTP %ld: %s", nd->name, nd->addr,
			    reqs[i].status, e ? e : "?");
		} else {
			u->doc = doc;
			doc = NULL;
		}
		json_decref(doc);
		hreq_release(&reqs[i]);
		free(bodies[i]);
	}
	free(bodies);
	free(urls);
	free(rp);
	free(reqs);
}

json_t *
proxy_account(const struct user *u)
{
	return json_pack("{s:s,s:I,s:I,s:s,s:b}", "name", u->name, "uid",
	    (json_int_t)u->uid, "gid", (json_int_t)u->uid, "fullname",
	    u->fullname, "active", u->active);
}

/* The share of a node's resources still free, from its last stats: the
 * smaller of free disk and available memory, at least 1 %. */
static double
free_resource(const struct node *n)
{
	json_t *s;
	double disk = 1, mem = 1, t;

	if (n->stats == NULL || (s = json_loads(n->stats, 0, NULL)) == NULL)
		return 0.5;
	if ((t = (double)json_integer_value(json_object_get(json_object_get(s,
	    "disk"), "total"))) > 0)
		disk = (double)json_integer_value(json_object_get(
		    json_object_get(s, "disk"), "free")) / t;
	if ((t = (double)json_integer_value(json_object_get(json_object_get(s,
	    "mem"), "total"))) > 0)
		mem = (double)json_integer_value(json_object_get(
		    json_object_get(s, "mem"), "available")) / t;
	json_decref(s);
	t = disk < mem ? disk : mem;
	return t < 0.01 ? 0.01 : t;
}

int
place_user(struct master *m, int64_t user, const char *role,
    struct node *out, int *fresh, char *err, size_t errlen)
{
	struct node *v = NULL;
	size_t n, i, best = (size_t)-1;
	double score, best_score = INFINITY;
	int64_t node;
	json_t *counts = NULL;
	int rc = -1;

	if (fresh)
		*fresh = 0;
	if (store_placement_get(m->st, user, role, &node) == 0)
		goto found;
	if (store_node_list(m->st, &v, &n) == -1 ||
	    store_placement_counts(m->st, role, &counts) == -1) {
		snprintf(err, errlen, "store unavailable");
		goto out;
	}
	for (i = 0; i < n; i++) {
		char key[32];

		if (strcmp(v[i].status, "ready") != 0 || v[i].maintenance ||
		    v[i].userlocked || !roles_have(v[i].roles, role))
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)v[i].id);
		score = (double)json_integer_value(json_object_get(counts,
		    key)) / (v[i].weight > 0 ? v[i].weight : 1) /
		    free_resource(&v[i]);
		if (score < best_score) {
			best_score = score;
			best = i;
		}
	}
	if (best == (size_t)-1) {
		snprintf(err, errlen, "no node can take the %s data of this "
		    "user: none with the %s role is ready, outside maintenance "
		    "and open to new users", role, role);
		goto out;
	}
	/* chosen, not recorded: the reservation of the first object
	 * records it in the same transaction (store_uindex_reserve) */
	node = v[best].id;
	if (fresh)
		*fresh = 1;
	log_debug("placement: user %lld would get %s on node %s (score %.3g)",
	    (long long)user, role, v[best].name, best_score);
found:
	if (store_node_get(m->st, node, out) != 0) {
		snprintf(err, errlen, "store unavailable");
		goto out;
	}
	rc = 0;
out:
	json_decref(counts);
	store_nodes_free(v, v ? n : 0);
	return rc;
}
