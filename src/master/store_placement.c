/* store_placement.c - see store.h: placements, (user, role) -> node. */
#include "store_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

/* ---- placement ---- */

int
store_placement_get(struct store *s, int64_t user, const char *role,
    int64_t *node)
{
	return query_int(s, "SELECT node FROM placement WHERE user = ?1 AND "
	    "role = ?2", user, role, node);
}

int
store_placement_list(struct store *s, int64_t user, json_t **rows)
{
	return query_rows(s, "SELECT p.role, n.name AS node, p.node AS "
	    "node_id, n.addr FROM placement p JOIN node n ON n.id = p.node WHERE "
	    "p.user = ?1 ORDER BY CASE p.role WHEN 'web' THEN 1 WHEN 'dns' "
	    "THEN 2 ELSE 3 END", user, NULL, rows);
}

int
store_placement_counts(struct store *s, const char *role, json_t **counts)
{
	json_t *rows, *r;
	size_t i;
	char key[32];

	if (query_rows(s, "SELECT node, count(*) AS n FROM placement WHERE "
	    "?1 = ?1 AND role = ?2 GROUP BY node", 0, role, &rows) == -1) {
		json_decref(rows);
		return -1;
	}
	*counts = json_object();
	json_array_foreach(rows, i, r) {
		snprintf(key, sizeof(key), "%lld", (long long)
		    json_integer_value(json_object_get(r, "node")));
		json_object_set(*counts, key, json_object_get(r, "n"));
	}
	json_decref(rows);
	return 0;
}

int
store_user_nodes(struct store *s, int64_t user, int64_t **nodes, size_t *n)
{
	json_t *rows, *r;
	size_t i;

	*nodes = NULL;
	*n = 0;
	if (query_rows(s, "SELECT DISTINCT node FROM placement WHERE "
	    "user = ?1 ORDER BY node", user, NULL, &rows) == -1) {
		json_decref(rows);
		return -1;
	}
	if (json_array_size(rows) > 0)
		*nodes = xcalloc(json_array_size(rows), sizeof(**nodes));
	json_array_foreach(rows, i, r)
		(*nodes)[(*n)++] = json_integer_value(json_object_get(r,
		    "node"));
	json_decref(rows);
	return 0;
}

int
store_node_role_placements(struct store *s, int64_t node, const char *role,
    int *n)
{
	return query_count(s, "SELECT count(*) FROM placement WHERE "
	    "node = ?1 AND role = ?2", node, role, n);
}

int
store_node_placements(struct store *s, int64_t node, int *n)
{
	return query_count(s, "SELECT count(*) FROM placement WHERE "
	    "node = ?1", node, NULL, n);
}
