/* reconcile.c - the reconciler of the user-data index (DESIGN.md §3.2,
 * docs/internals/userdata.md): a row left pending by a create whose
 * outcome nobody learnt is settled with the node, from the sync loop. */
#include <stdio.h>
#include <string.h>

#include "../../common/log.h"
#include "../../common/uvalid.h"
#include "../master.h"

/* A delete on the node of a pending object whose create got no answer:
 * 0 when the node no longer has it. */
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

/* A pending alias: live if its site on the node has it, gone if not. */
static void
settle_alias(struct master *m, const struct node *n, const json_t *row)
{
	const char *name = json_string_value(json_object_get(row, "name"));
	const char *site = json_string_value(json_object_get(row, "parent"));
	const char *al, *etype;
	struct ucall u;
	char pad[DOMAIN_MAX + 2], have[8200];

	memset(&u, 0, sizeof(u));
	u.node = n;
	u.body = proxy_ud_body(&dt_webdomain, "edit", "webdomain.edit",
	    json_pack("{s:s}", "elid", site), json_string_value(
	    json_object_get(row, "owner_name")));
	proxy_run(m, &u, 1, "/v1/ud");
	json_decref(u.body);
	if (u.doc == NULL)
		return;		/* no answer: the next round */
	al = json_string_value(json_object_get(u.doc, "aliases"));
	etype = json_string_value(json_object_get(json_object_get(u.doc,
	    "error"), "type"));
	snprintf(pad, sizeof(pad), " %s ", name);
	snprintf(have, sizeof(have), " %s ", al ? al : "");
	if (etype == NULL && strstr(have, pad))
		store_uindex_live(m->st, "webalias", name);
	else if (etype == NULL || strcmp(etype, "missing") == 0 ||
	    strcmp(etype, "access") == 0)
		/* the site is gone, or has no such alias */
		store_uindex_unreserve(m->st, "webalias", name,
		    json_integer_value(json_object_get(row, "owner")), n->id,
		    json_integer_value(json_object_get(row, "since")));
	/* another error: the next round */
	json_decref(u.doc);
}

/*
 * The reconciler of the index: a row still pending since before
 * older_than belongs to a create whose caller was never told it succeeded
 * (the node's answer was lost, or the master stopped).  The object is
 * removed from its node, then the row.  A node that does not answer keeps
 * the row for the next round.
 */
void
ud_settle_pending(struct master *m, int64_t older_than)
{
	json_t *rows, *r;
	size_t i;
	struct node n;

	if (store_uindex_pending(m->st, older_than, &rows) == -1) {
		json_decref(rows);
		return;
	}
	json_array_foreach(rows, i, r) {
		const char *kind = json_string_value(json_object_get(r,
		    "kind"));
		const char *name = json_string_value(json_object_get(r,
		    "name"));

		if (store_node_get(m->st, json_integer_value(json_object_get(r,
		    "node")), &n) != 0)
			continue;
		if (strcmp(kind, "webalias") == 0) {
			settle_alias(m, &n, r);
			store_node_free(&n);
			continue;
		}
		if (undo_create(m, &n, kind, name) == 0) {
			store_uindex_unreserve(m->st, kind, name,
			    json_integer_value(json_object_get(r, "owner")),
			    n.id, json_integer_value(json_object_get(r,
			    "since")));
			log_info("index: settled the unfinished create of %s "
			    "\"%s\" on node %s", kind, name, n.name);
		}
		store_node_free(&n);
	}
	json_decref(rows);
}
