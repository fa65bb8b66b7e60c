/* placement.c - placement (DESIGN.md §2): the node that holds a user's
 * data of a role, chosen the first time the user needs the role. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../common/log.h"
#include "../master.h"

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
