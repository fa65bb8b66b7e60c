/* query.c - the distributed-query engine (DESIGN.md §3.3).
 *
 * A change of system data is committed on the master only when every ready
 * target acknowledged it (I1).  The order of the steps is what makes that
 * hold under failure:
 *   1. targets: the nodes matching the type, not in maintenance;
 *   2. the policy gate: refuse, with nothing changed, unless ready targets
 *      are more than min_ready_percent of the targets;
 *   3. a durable intent naming every target, before anything is sent: a
 *      master that dies after this point marks them all desynchronised at
 *      its next start (§3.6);
 *   4. the change to every ready target at once, each bounded by the node
 *      timeout (I6); a node applies it only on top of the version the
 *      master has (base) and only before the deadline;
 *   5. all acknowledged: commit, new version, desync for the targets that
 *      were not ready, intent removed, all in one transaction;
 *   6. otherwise: no commit; every target that was sent the change is
 *      desynchronised, so the synchronizer restores the master's state.
 * One query or synchronisation per data type runs at a time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/peerclock.h"
#include "../../common/sysdata.h"
#include "../../common/util.h"
#include "../master.h"
#include "../metrics.h"

void
dq_register_all(struct master *m, int64_t node, const char *roles,
    const char *reason)
{
	size_t i;

	for (i = 0; i < sd_ntypes; i++)
		if (sd_type_matches(&sd_types[i], roles))
			store_desync_add(m->st, &node, 1, sd_types[i].name,
			    reason, wall_s());
	sync_wake(m);
}

/* One node's answer to a change: "" when acknowledged with version. */
static void
answer_error(const struct hreq *r, int64_t version, char *out, size_t len)
{
	json_t *j;

	out[0] = '\0';
	if (r->status == 0) {
		snprintf(out, len, "%s", r->err);
		return;
	}
	j = json_loadb(sbuf_str(&r->resp), r->resp.len, 0, NULL);
	if (r->status != 200) {
		const char *e = json_string_value(json_object_get(j, "error"));

		snprintf(out, len, "HTTP %ld: %s", r->status, e ? e : "?");
	} else if (json_integer_value(json_object_get(j, "version")) !=
	    version)
		snprintf(out, len, "acknowledged another version");
	json_decref(j);
}

void
dq_lock(struct master *m, const struct dtype *t)
{
	pthread_mutex_lock(&m->type_mtx[sd_type_index(t)]);
}

void
dq_unlock(struct master *m, const struct dtype *t)
{
	pthread_mutex_unlock(&m->type_mtx[sd_type_index(t)]);
}

int
dq_run(struct api_ctx *c, const struct dtype *t, json_t *puts,
    json_t *deletes)
{
	struct master *m = c->m;
	struct policy pol;
	struct node *v = NULL;
	struct hreq *reqs = NULL, **rp = NULL;
	size_t n, i, nt = 0, nready = 0, k = 0, nfail = 0;
	int64_t *ndesync = NULL, version, intent;
	json_t *targets = json_array(), *results = json_object();
	char (*urls)[256] = NULL, *body = NULL, *tjson = NULL, *rjson = NULL;
	char *pjson = actlog_params(c->fn, c->p), errs[2048];
	size_t nd = 0, eo = 0;
	struct query_rec q;
	int rc = -1, idx = sd_type_index(t);
	int64_t t0 = mono_ms();

	errs[0] = '\0';
	policy_load(m, &pol);
	if (store_node_list(m->st, &v, &n) == -1 ||
	    store_sys_version(m->st, t->name, &version) == -1) {
		reply_error(&c->r, "internal", t->name, "store unavailable");
		goto out;
	}
	/* 1. targets */
	ndesync = xcalloc(n + 1, sizeof(*ndesync));
	reqs = xcalloc(n + 1, sizeof(*reqs));
	rp = xcalloc(n + 1, sizeof(*rp));
	urls = xcalloc(n + 1, sizeof(*urls));
	for (i = 0; i < n; i++) {
		if (v[i].maintenance || !sd_type_matches(t, v[i].roles))
			continue;
		nt++;
		json_array_append_new(targets, json_integer(v[i].id));
		if (strcmp(v[i].status, "ready") == 0)
			nready++;
	}
	/* 2. the policy gate */
	if (nt > 0 && nready * 100 <= (size_t)pol.min_ready_percent * nt) {
		reply_error(&c->r, "policy", t->name, "only %zu of %zu target "
		    "nodes are ready (%zu%%); the policy needs more than %d%%; "
		    "nothing was changed", nready, nt, nready * 100 / nt,
		    pol.min_ready_percent);
		goto out;
	}
	/* 3. the durable intent */
	tjson = json_dumps(targets, JSON_COMPACT);
	if (store_intent_add(m->st, t->name, tjson, wall_s(), &intent) == -1) {
		reply_error(&c->r, "internal", t->name, "store unavailable");
		goto out;
	}
	/* 4. the change to every ready target at once */
	{
		/* the deadline on the master's own clock (peerclock.h):
		 * when it stops waiting, no later (it starts waiting after
		 * this), so that a node never applies what the master has
		 * already counted as failed; no grace for clocks is needed */
		int64_t sent = mono_ms();
		json_t *b = json_pack("{s:I,s:I,s:I,s:I,s:I,s:O,s:O}", "base",
		    (json_int_t)version, "version", (json_int_t)(version + 1),
		    "clock", (json_int_t)peerclock_self(), "sent_ms",
		    (json_int_t)sent, "deadline_ms", (json_int_t)(sent +
		    pol.node_timeout_ms), "puts", puts, "deletes", deletes);

		body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
	}
	for (i = 0; i < n; i++) {
		char path[96];

		if (v[i].maintenance || !sd_type_matches(t, v[i].roles))
			continue;
		if (strcmp(v[i].status, "ready") != 0) {
			ndesync[nd++] = v[i].id;
			json_object_set_new(results, v[i].name,
			    json_sprintf("not sent: %s", v[i].status));
			continue;
		}
		snprintf(path, sizeof(path), "/v1/sys/%s?roles=%s", t->name,
		    v[i].roles);
		node_url(&v[i], path, urls[k], sizeof(urls[k]));
		hreq_init(&reqs[k], urls[k], pol.node_timeout_ms);
		reqs[k].body = body;
		reqs[k].body_len = strlen(body);
		reqs[k].ctype = "application/json";
		reqs[k].max_resp = 65536;
		reqs[k].ud = &v[i];
		rp[k] = &reqs[k];
		k++;
	}
	httpc_run(m->nodes, rp, k);
	for (i = 0; i < k; i++) {
		const struct node *nd_ = reqs[i].ud;
		char e[300];

		answer_error(&reqs[i], version + 1, e, sizeof(e));
		json_object_set_new(results, nd_->name, json_string(e[0] ? e :
		    "ok"));
		if (e[0]) {
			nfail++;
			if (eo < sizeof(errs))
				eo += (size_t)snprintf(errs + eo,
				    sizeof(errs) - eo, "%s%s: %s",
				    eo ? "; " : "", nd_->name, e);
		}
	}
	/* A fault-injection point for the tests of §3.6: the master can be
	 * killed here, after the intent and the fan-out, before the commit. */
	test_pause("HOSTFLEET_TEST_COMMIT_DELAY_MS");

	rjson = json_dumps(results, JSON_COMPACT | JSON_PRESERVE_ORDER);
	q.func = c->fn->name;
	q.type = t->name;
	q.caller = c->who.name;
	q.params = pjson;
	q.targets = tjson;
	q.results = rjson;
	if (nfail == 0) {
		/* 5. commit */
		q.outcome = "committed";
		if (store_query_finish(m->st, &q, intent, puts, deletes,
		    version + 1, ndesync, nd, "missed a distributed query",
		    wall_s()) == -1) {
			reply_error(&c->r, "internal", t->name, "store "
			    "unavailable; the change will be undone on the "
			    "nodes");
			goto out;
		}
		log_info("query %s by %s: committed %s version %" PRId64
		    " on %zu nodes, %zu to synchronise", c->fn->name,
		    c->who.name, t->name, version + 1, k, nd);
		rc = 0;
	} else {
		/* 6. no commit; restore every target that was sent it */
		nd = 0;
		for (i = 0; i < k; i++)
			ndesync[nd++] = ((const struct node *)reqs[i].ud)->id;
		q.outcome = "failed";
		store_query_finish(m->st, &q, intent, NULL, NULL, 0, ndesync,
		    nd, "a distributed query failed; restoring the master's "
		    "state", wall_s());
		log_warnx("query %s by %s: failed on %zu of %zu nodes: %s",
		    c->fn->name, c->who.name, nfail, k, errs);
		reply_error(&c->r, "cluster", t->name, "the change failed on "
		    "%zu of %zu nodes and was not made: %s", nfail, k, errs);
	}
	__atomic_store_n(&m->type_done_ms[idx], mono_ms(), __ATOMIC_RELEASE);
	sync_wake(m);
	/* each node's result, for the action log */
	json_decref(c->node_results);
	c->node_results = json_incref(results);
out:
	metrics_query(t, mono_ms() - t0, rc == 0 ? MQ_COMMITTED : k > 0 ?
	    MQ_FAILED : MQ_REFUSED);
	for (i = 0; i < k; i++)
		hreq_release(&reqs[i]);
	if (v)
		store_nodes_free(v, n);
	free(ndesync);
	free(reqs);
	free(rp);
	free(urls);
	free(body);
	free(tjson);
	free(rjson);
	free(pjson);
	json_decref(targets);
	json_decref(results);
	return rc;
}
