/* proxy.c - the master's calls to the user-data side of node agents
 * (DESIGN.md §3.2).
 *
 * A user-data call is one POST of JSON to the node holding the data; the
 * node answers with the reply document of the function, which the master
 * encodes in the caller's format without touching its content.  Calls to
 * several nodes run at once, each bounded by the node timeout (I6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "master.h"
#include "metrics.h"

void
proxy_run(struct master *m, struct ucall *calls, size_t n, const char *path)
{
	struct policy pol;
	struct hreq *reqs, **rp;
	char (*urls)[256];
	char **bodies;
	size_t i, nfail = 0;
	int64_t t0 = mono_ms();

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
		node_url(calls[i].node, calls[i].path ? calls[i].path : path,
		    urls[i], sizeof(urls[i]));
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
		nfail += u->err[0] != '\0';
		hreq_release(&reqs[i]);
		free(bodies[i]);
	}
	metrics_proxy(mono_ms() - t0, n, nfail);
	free(bodies);
	free(urls);
	free(rp);
	free(reqs);
}

json_t *
proxy_account(const struct user *u)
{
	return json_pack("{s:s,s:I,s:I,s:s,s:b,s:I}", "name", u->name, "uid",
	    (json_int_t)u->uid, "gid", (json_int_t)u->uid, "fullname",
	    u->fullname, "active", u->active, "ver", (json_int_t)u->acct_ver);
}

/* The body of a call to a node's /v1/ud: the type, the operation, the
 * function (which names the answer), params (taken), and the owner. */
json_t *
proxy_ud_body(const struct dtype *t, const char *op, const char *func,
    json_t *params, const char *owner)
{
	return json_pack("{s:s,s:s,s:s,s:o,s:s?}", "type", t->name, "op", op,
	    "func", func, "params", params, "owner", owner);
}
