/* nodes.c - what is read off a node's record: the URL of its agent and
 * its roles. */
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

int
roles_have(const char *roles, const char *role)
{
	size_t n = strlen(role);
	const char *p = roles;

	while ((p = strstr(p, role)) != NULL) {
		if ((p == roles || p[-1] == ',') && (p[n] == ',' ||
		    p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}
