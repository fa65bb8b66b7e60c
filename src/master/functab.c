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
	{ "cluster.node.service", "node", KIND_NONE, "", LVL_ADMIN,
	  api_node_service, "the services of a node's roles (nginx, php-fpm, "
	  "named, postfix, dovecot) with their state", "elid" },
	{ "cluster.node.service.restart", "node", KIND_NONE, "", LVL_ADMIN,
	  api_node_service_restart, "stop and start one service of a node",
	  "elid, name" },
	{ "cluster.node.retry", "node", KIND_NONE, "", LVL_ADMIN,
	  api_node_retry, "start the failed step of nodes again: their "
	  "software is pushed in full and what is missing installed",
	  "elid (node ids)" },
	{ "cluster.policy", "policy", KIND_NONE, "", LVL_ADMIN, api_policy,
	  "show or (sok=ok) change the cluster policy",
	  "min_ready_percent, placement, node_timeout_ms, "
	  "heartbeat_interval_ms, heartbeat_misses, join_token_ttl_s" },
	{ "sysinfo_stat", "node", KIND_NONE, "", LVL_ADMIN, api_sysinfo_stat,
	  "each node's status, load, memory, disk, services and applied "
	  "versions", "elid (one node)" },
	{ "cluster.desync", "desync", KIND_NONE, "", LVL_ADMIN,
	  api_desync_list, "what each node must be sent again: node, type, "
	  "reason, since, attempts, last error", "" },
	{ "cluster.desync.resync", "desync", KIND_NONE, "", LVL_ADMIN,
	  api_desync_resync, "force a full resync of nodes: every data type "
	  "of theirs is pushed again", "elid (node ids)" },
	{ "cluster.query", "query", KIND_NONE, "", LVL_ADMIN, api_query_log,
	  "the distributed-query log, newest first: function, parameters, "
	  "caller, targets, each node's result", "elid, limit" },
	{ "firewall", "firewall", KIND_SYSTEM, "", LVL_ADMIN, api_sysdata_list,
	  "firewall rules of every node, in order", "" },
	{ "firewall.edit", "firewall", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_edit, "show, add or change a firewall rule on every node",
	  "elid, action, proto, port, src, comment, order" },
	{ "firewall.delete", "firewall", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_delete, "remove firewall rules from every node", "elid" },
	{ "scheduler", "scheduler", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_list, "system cron jobs of every node", "" },
	{ "scheduler.edit", "scheduler", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_edit, "show, add or change a system cron job",
	  "elid, minute, hour, dom, month, dow, command, user, active, "
	  "comment" },
	{ "scheduler.delete", "scheduler", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_delete, "remove system cron jobs", "elid" },
	{ "whitelist", "whitelist", KIND_SYSTEM, "mail", LVL_ADMIN,
	  api_sysdata_list, "mail senders always accepted, on every mail node",
	  "" },
	{ "whitelist.edit", "whitelist", KIND_SYSTEM, "mail", LVL_ADMIN,
	  api_sysdata_edit, "show, add or change a whitelisted sender",
	  "elid, pattern, comment" },
	{ "whitelist.delete", "whitelist", KIND_SYSTEM, "mail", LVL_ADMIN,
	  api_sysdata_delete, "remove whitelisted senders", "elid" },
	{ "blacklist", "blacklist", KIND_SYSTEM, "mail", LVL_ADMIN,
	  api_sysdata_list, "mail senders always refused, on every mail node",
	  "" },
	{ "blacklist.edit", "blacklist", KIND_SYSTEM, "mail", LVL_ADMIN,
	  api_sysdata_edit, "show, add or change a blacklisted sender",
	  "elid, pattern, comment" },
	{ "blacklist.delete", "blacklist", KIND_SYSTEM, "mail", LVL_ADMIN,
	  api_sysdata_delete, "remove blacklisted senders", "elid" },
	{ "software", "software", KIND_SYSTEM, "", LVL_ADMIN, api_sysdata_list,
	  "the packages each role needs; every node installs those of its "
	  "roles", "" },
	{ "software.edit", "software", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_edit, "show, add or change a package of a role",
	  "elid, role, package" },
	{ "software.delete", "software", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_delete, "remove packages from the lists (nothing is "
	  "uninstalled)", "elid" },
	{ "templates", "templates", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_list, "configuration templates the nodes render into "
	  "every site, PHP pool and Dovecot configuration", "" },
	{ "templates.edit", "templates", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_edit, "show, add or change a template; every node "
	  "renders its services again and their checkers must take it",
	  "elid, name, body" },
	{ "templates.delete", "templates", KIND_SYSTEM, "", LVL_ADMIN,
	  api_sysdata_delete, "remove templates from every node", "elid" },
	{ "user", "user", KIND_USER, "", LVL_ADMIN, api_user_list,
	  "every user with level, state, UID, disk used and limit, and "
	  "counts of their objects",
	  "" },
	{ "user.edit", "user", KIND_USER, "", LVL_ADMIN, api_user_edit,
	  "show (elid), create (sok=ok) or change (sok=ok&elid=) a user; a "
	  "change of full name or state reaches every node with their data",
	  "elid, name, fullname, passwd, confirm, level, active, "
	  "limit_webdomains, limit_domains, limit_emaildomains, limit_emails, "
	  "limit_quota" },
	{ "user.delete", "user", KIND_USER, "", LVL_ADMIN, api_user_delete,
	  "delete users with all their data on every node", "elid" },
	{ "user.suspend", "user", KIND_USER, "", LVL_ADMIN, api_user_suspend,
	  "suspend users: their sites answer 503 and their mail stops on "
	  "every node", "elid" },
	{ "user.resume", "user", KIND_USER, "", LVL_ADMIN, api_user_suspend,
	  "resume suspended users", "elid" },
	{ "user.placement", "user", KIND_USER, "", LVL_USER,
	  api_user_placement, "the node holding each role of a user's data",
	  "elid (admin: any user)" },
	{ "webdomain", "webdomain", KIND_USER, "web", LVL_USER, api_ud_list,
	  "web sites: the caller's, or every user's for an administrator",
	  "" },
	{ "webdomain.edit", "webdomain", KIND_USER, "web", LVL_USER,
	  api_ud_edit, "show, create or change a web site (nginx server "
	  "block on the user's web node)",
	  "elid, name, owner, aliases, home, ipaddr, php_mode, php_version, "
	  "redirect_http, log_access, log_error" },
	{ "webdomain.delete", "webdomain", KIND_USER, "web", LVL_USER,
	  api_ud_delete, "delete web sites", "elid" },
	{ "domain", "domain", KIND_USER, "dns", LVL_USER, api_ud_list,
	  "DNS zones", "" },
	{ "domain.edit", "domain", KIND_USER, "dns", LVL_USER, api_ud_edit,
	  "show, create or change a DNS zone", "elid, name, owner, ns, ip, "
	  "email" },
	{ "domain.delete", "domain", KIND_USER, "dns", LVL_USER,
	  api_ud_delete, "delete DNS zones with their records", "elid" },
	{ "domain.record", "domain", KIND_USER, "dns", LVL_USER, api_ud_list,
	  "the records of a zone, each with its rkey", "elid or plid (zone)" },
	{ "domain.record.edit", "domain", KIND_USER, "dns", LVL_USER,
	  api_ud_edit, "show, add or change a DNS record",
	  "plid, elid (rkey), name, rtype, ttl, value, ip, priority, weight, "
	  "port" },
	{ "domain.record.delete", "domain", KIND_USER, "dns", LVL_USER,
	  api_ud_delete, "delete DNS records by rkey", "plid, elid" },
	{ "emaildomain", "emaildomain", KIND_USER, "mail", LVL_USER,
	  api_ud_list, "mail domains", "" },
	{ "emaildomain.edit", "emaildomain", KIND_USER, "mail", LVL_USER,
	  api_ud_edit, "show, create or change a mail domain",
	  "elid, name, owner, defaction" },
	{ "emaildomain.delete", "emaildomain", KIND_USER, "mail", LVL_USER,
	  api_ud_delete, "delete mail domains with their mailboxes", "elid" },
	{ "email", "email", KIND_USER, "mail", LVL_USER, api_ud_list,
	  "mailboxes", "plid (mail domain)" },
	{ "email.edit", "email", KIND_USER, "mail", LVL_USER, api_ud_edit,
	  "show, create or change a mailbox",
	  "elid, name, domainname, passwd, confirm, maxsize, forward, "
	  "keep_copy" },
	{ "email.delete", "email", KIND_USER, "mail", LVL_USER, api_ud_delete,
	  "delete mailboxes", "elid" },
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
