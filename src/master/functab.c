/* functab.c - the function table: one row per API function.  The router,
 * the access check, the "functions" listing and docs/api.md's index are all
 * read from these rows. */
#include <string.h>

#include "master.h"

const struct func functab[] = {
	{ "auth", "session", KIND_NONE, "", LVL_PUBLIC, api_auth,
	  "log in; answers a session id to pass as auth=",
	  "username, password" },
	{ "logout", "session", KIND_NONE, "", LVL_USER, api_logout,
	  "end the session given in auth=", "auth" },
	{ "whoami", "session", KIND_NONE, "", LVL_USER, api_whoami,
	  "the caller's name and level, and whom they act as", "" },
	{ "functions", "session", KIND_NONE, "", LVL_USER, api_functions,
	  "every function with its data type, kind, role and level", "" },
	{ "cluster.node", "node", KIND_NONE, "", LVL_ADMIN, api_node_list,
	  "list the cluster's nodes with status and flags", "" },
	{ "cluster.node.edit", "node", KIND_NONE, "", LVL_ADMIN, api_node_edit,
	  "show (elid), add (sok=ok) or change (sok=ok&elid=) a node; adding "
	  "answers a one-time join token",
	  "elid, name, addr, port, ssh_port, roles, weight, maintenance, "
	  "userlocked, is_local, comment, token_ttl" },
	{ "cluster.node.delete", "node", KIND_NONE, "", LVL_ADMIN,
	  api_node_delete, "remove nodes from the cluster", "elid" },
	{ "cluster.node.token", "node", KIND_NONE, "", LVL_ADMIN, api_node_token,
	  "issue a new one-time join token for a node (the old one dies)",
	  "elid, token_ttl" },
	{ "cluster.policy", "policy", KIND_NONE, "", LVL_ADMIN, api_policy,
	  "show or (sok=ok) change the cluster policy",
	  "min_ready_percent, placement, node_timeout_ms, "
	  "heartbeat_interval_ms, heartbeat_misses, join_token_ttl_s" },
	{ "sysinfo_stat", "node", KIND_NONE, "", LVL_ADMIN, api_sysinfo_stat,
	  "each node's status, load, memory, disk, services and applied "
	  "versions", "elid (one node)" },
	{ NULL, NULL, KIND_NONE, NULL, LVL_PUBLIC, NULL, NULL, NULL },
};

const struct func *
functab_find(const char *name)
{
	const struct func *f;

	for (f = functab; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const char *
level_name(enum level l)
{
	switch (l) {
	case LVL_PUBLIC: return "public";
	case LVL_USER: return "user";
	case LVL_ADMIN: return "admin";
	}
	return "?";
}

const char *
kind_name(enum kind k)
{
	switch (k) {
	case KIND_NONE: return "cluster";
	case KIND_USER: return "user data";
	case KIND_SYSTEM: return "system data";
	}
	return "?";
}

/* `hostfleet functions`: the table as the Markdown of docs/api.md. */
#include <stdio.h>

int	functions_main(int, char **);

int
functions_main(int argc, char **argv)
{
	const struct func *f;

	(void)argc;
	(void)argv;
	printf("| function | data type | kind | role | level | parameters "
	    "| what it does |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (f = functab; f->name; f++)
		printf("| `%s` | %s | %s | %s | %s | %s | %s |\n", f->name,
		    f->datatype, kind_name(f->kind), f->role[0] ? f->role : "-",
		    level_name(f->level), f->params[0] ? f->params : "-",
		    f->summary);
	return 0;
}
