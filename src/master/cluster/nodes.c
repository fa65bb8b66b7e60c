/* nodes.c - what is read off a node's record: the URL of its agent (its
 * roles are read with valid.h's roles_have()). */
#include <stdio.h>
#include <string.h>

#include "../master.h"

void
node_url(const struct node *n, const char *path, char *out, size_t len)
{
	int v6 = strchr(n->addr, ':') != NULL;

	snprintf(out, len, "https://%s%s%s:%d%s", v6 ? "[" : "", n->addr,
	    v6 ? "]" : "", n->port, path);
}
