/* reconcile.c - the reconciler of user data (DESIGN.md §3.2,
 * docs/internals/userdata.md, "Intent first"), on its own thread.
 *
 * The master writes what a change of user data is meant to be before it
 * asks a node: an index row pending (a create) or deleting (a delete, an
 * alias dropped), the account's new version owed to each node of the user
 * (acct_sync), a user marked being deleted.  When the answer is lost, or
 * a process dies at any step, the intent is still there, and this thread
 * finishes it: every round it asks each answering node, all at once and
 * each call bounded by the node timeout, whether it has what the master
 * says, or makes it so, and then settles the master's row.  A node that
 * does not answer keeps its work for a later round; nothing here holds up
 * the synchronizer (I6). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../common/uvalid.h"
#include "../master.h"

#define UREC_EVERY_MS	2000	/* between rounds */
#define UREC_SLACK_S	5	/* a row younger than the node timeout and
				 * this may still be in flight */
#define UREC_MAX	256	/* calls in one round; the rest wait */

enum ujob {
	J_FORGET,	/* an object created or deleted without an answer:
			 * it goes from the node, then its row */
	J_ALIAS,	/* an alias pending or deleting: the row becomes what
			 * the site on the node says */
	J_ACCOUNT,	/* a node owes the user's account */
	J_USERDEL,	/* a node still holds a user being deleted */
};

struct job {
	enum ujob	 what;
	const json_t	*row;	/* index row (J_FORGET, J_ALIAS) */
	int64_t		 user;
	int64_t		 ver;	/* the account version sent */
};

int
undo_create(struct master *m, const struct node *n, const char *kind,
    const char *name)
{
	struct ucall u;
	int rc;

	memset(&u, 0, sizeof(u));
	u.node = n;
	u.body = json_pack("{s:s,s:s}", "kind", kind, "name", name);
	proxy_run(m, &u, 1, "/v1/ud/forget");
	rc = u.doc != NULL && json_object_get(u.doc, "error") == NULL ? 0 : -1;
	json_decref(u.doc);
	json_decref(u.body);
	return rc;
}

/* The node id if it may be called now (joined, answering), or NULL. */
static const struct node *
answering(const struct node *v, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].id == id)
			return v[i].joined && strcmp(v[i].status,
			    "unavailable") != 0 ? &v[i] : NULL;
	return NULL;
}

static const char *
sget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static int64_t
iget(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* An index row's answer: the node no longer has the object (J_FORGET) or
 * told what its site holds (J_ALIAS); no answer leaves it as it is. */
static void
settle_row(struct master *m, const struct node *n, const struct job *j,
    const struct ucall *u)
{
	const json_t *r = j->row;
	const char *kind = sget(r, "kind"), *name = sget(r, "name");
	const char *state = sget(r, "state"), *etype;
	int pending = strcmp(state, "pending") == 0, has;
	char pad[DOMAIN_MAX + 2], cur[8200];

	if (u->doc == NULL)
		return;
	etype = json_string_value(json_object_get(json_object_get(u->doc,
	    "error"), "type"));
	if (j->what == J_FORGET) {
		if (etype != NULL)
			return;		/* refused: a later round */
		if (pending ? store_uindex_unreserve(m->st, kind, name,
		    iget(r, "owner"), n->id, iget(r, "since")) == 0 :
		    store_uindex_drop(m->st, kind, name, "deleting") == 0)
			log_info("index: settled the unfinished %s of %s "
			    "\"%s\" on node %s", pending ? "create" : "delete",
			    kind, name, n->name);
		return;
	}
	/* an alias: is it on its site? */
	if (etype && strcmp(etype, "missing") != 0 &&
	    strcmp(etype, "access") != 0)
		return;		/* another error: a later round */
	snprintf(pad, sizeof(pad), " %s ", name);
	snprintf(cur, sizeof(cur), " %s ", etype ? "" :
	    sget(u->doc, "aliases"));
	has = strstr(cur, pad) != NULL;
	if (pending && has)
		store_uindex_live(m->st, "webalias", name);
	else if (pending)
		store_uindex_unreserve(m->st, "webalias", name, iget(r, "owner"),
		    n->id, iget(r, "since"));
	else if (has)
		/* the change that dropped it never took */
		store_uindex_mark(m->st, "webalias", &name, 1, "deleting",
		    "live", wall_s());
	else
		store_uindex_drop(m->st, "webalias", name, "deleting");
	log_info("index: settled the %s alias \"%s\" on node %s: %s", state,
	    name, n->name, has ? "live" : "free");
}

/* One round: the work of every answering node, all at once. */
static void
urec_round(struct master *m)
{
	struct policy pol;
	struct node *nodes = NULL;
	struct job *jobs;
	struct ucall *calls;
	json_t *ix = NULL, *owed = NULL, *dels = NULL, *r;
	const struct node *n;
	size_t nn = 0, k = 0, i, j;
	int64_t older, *ids, uid;
	size_t nids;

	policy_load(m, &pol);
	older = wall_s() - pol.node_timeout_ms / 1000 - UREC_SLACK_S;
	if (store_node_list(m->st, &nodes, &nn) == -1)
		return;
	if (store_uindex_unsettled(m->st, older, &ix) == -1 ||
	    store_acct_owed_list(m->st, older, &owed) == -1 ||
	    store_users_deleting(m->st, older, &dels) == -1)
		goto out;
	jobs = xcalloc(UREC_MAX, sizeof(*jobs));
	calls = xcalloc(UREC_MAX, sizeof(*calls));
	json_array_foreach(ix, i, r) {
		if (k == UREC_MAX || (n = answering(nodes, nn, iget(r,
		    "node"))) == NULL)
			continue;
		jobs[k].row = r;
		calls[k].node = n;
		if (strcmp(sget(r, "kind"), "webalias") == 0) {
			jobs[k].what = J_ALIAS;
			calls[k].path = "/v1/ud";
			calls[k].body = proxy_ud_body(&dt_webdomain, "edit",
			    "webdomain.edit", json_pack("{s:s}", "elid",
			    sget(r, "parent")), sget(r, "owner_name"));
		} else {
			jobs[k].what = J_FORGET;
			calls[k].path = "/v1/ud/forget";
			calls[k].body = json_pack("{s:s,s:s}", "kind",
			    sget(r, "kind"), "name", sget(r, "name"));
		}
		k++;
	}
	json_array_foreach(owed, i, r) {
		struct user u;

		if (k == UREC_MAX || (n = answering(nodes, nn, iget(r,
		    "node"))) == NULL || store_user_get_id(m->st, iget(r,
		    "user"), &u) != 0)
			continue;
		jobs[k].what = J_ACCOUNT;
		jobs[k].user = u.id;
		jobs[k].ver = u.acct_ver;
		calls[k].node = n;
		calls[k].path = "/v1/account";
		calls[k].body = json_pack("{s:o}", "account",
		    proxy_account(&u));
		k++;
	}
	json_array_foreach(dels, i, r) {
		uid = iget(r, "id");
		if (store_user_nodes(m->st, uid, &ids, &nids) == -1)
			continue;
		for (j = 0; j < nids && k < UREC_MAX; j++) {
			if ((n = answering(nodes, nn, ids[j])) == NULL)
				continue;
			jobs[k].what = J_USERDEL;
			jobs[k].user = uid;
			calls[k].node = n;
			calls[k].path = "/v1/account/delete";
			calls[k].body = json_pack("{s:s}", "name",
			    sget(r, "name"));
			k++;
		}
		free(ids);
	}
	proxy_run(m, calls, k, "/v1/ud");
	for (i = 0; i < k; i++) {
		const struct ucall *u = &calls[i];
		int ok = u->doc != NULL && json_object_get(u->doc, "error") ==
		    NULL;

		switch (jobs[i].what) {
		case J_FORGET:
		case J_ALIAS:
			settle_row(m, u->node, &jobs[i], u);
			break;
		case J_ACCOUNT:
			if (ok && store_acct_done(m->st, jobs[i].user,
			    u->node->id, jobs[i].ver) == 0)
				log_info("account: node %s has the account of "
				    "user %lld at version %lld", u->node->name,
				    (long long)jobs[i].user,
				    (long long)jobs[i].ver);
			break;
		case J_USERDEL:
			if (ok && store_uindex_remove_user_node(m->st,
			    jobs[i].user, u->node->id) == 0)
				log_info("account: node %s removed the data "
				    "of deleted user %lld", u->node->name,
				    (long long)jobs[i].user);
			break;
		}
		json_decref(calls[i].body);
		json_decref(calls[i].doc);
	}
	/* a user being deleted that no node holds any more goes */
	json_array_foreach(dels, i, r) {
		uid = iget(r, "id");
		if (store_user_nodes(m->st, uid, &ids, &nids) == 0 &&
		    nids == 0 && store_user_delete(m->st, uid) == 0) {
			master_caches_clear(m);
			log_info("user: finished the delete of \"%s\"",
			    sget(r, "name"));
		}
		free(ids);
	}
	free(jobs);
	free(calls);
out:
	json_decref(ix);
	json_decref(owed);
	json_decref(dels);
	store_nodes_free(nodes, nn);
}

void *
ud_reconcile_loop(void *arg)
{
	struct master *m = arg;
	int64_t last = 0;

	while (!m->stop) {
		if (mono_ms() - last >= UREC_EVERY_MS) {
			urec_round(m);
			last = mono_ms();
		}
		usleep(100000);	/* m->stop is seen within this */
	}
	return NULL;
}
