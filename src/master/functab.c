/* functab.c - the function table: one row per API function, pointing at
 * its data type (schema.h) and an operation.  The router, the access
 * check, the parameters a function takes (its type's fields), the
 * "functions" metadata and docs/api.md's index and field tables are all
 * read from these rows. */
#include <stdio.h>
#include <string.h>

#include "../common/sbuf.h"
#include "../common/sysdata.h"
#include "master.h"

/* The fields an OP_ACTION (or a listing with parameters) takes. */
#define F(...)	(const char *const[]){ __VA_ARGS__, NULL }

const struct func functab[] = {
	{ "auth", &dt_session, OP_ACTION, LVL_PUBLIC, api_auth,
	  "log in; answers a session id to pass as auth=",
	  "", F("username", "password", "key") },
	{ "session.newkey", &dt_session, OP_ACTION, LVL_ADMIN,
	  api_session_newkey,
	  "make a single sign-on key for a user: func=auth&username=NAME&"
	  "key=KEY then logs them in once, within 120 seconds; without key= "
	  "a new one is made and answered",
	  "", F("username", "key") },
	{ "logout", &dt_session, OP_ACTION, LVL_USER, api_logout,
	  "end the session the call came in on (auth=, or the panel's or "
	  "ISPmanager's session cookie)",
	  "auth", NULL },
	{ "whoami", &dt_session, OP_ACTION, LVL_USER, api_whoami,
	  "the caller's name and level, and whom they act as",
	  "", NULL },
	{ "functions", &dt_session, OP_ACTION, LVL_USER, api_functions,
	  "every function with its data type, kind, role and level",
	  "elid (a function: its fields)", NULL },
	{ "cluster.node", &dt_node, OP_LIST, LVL_ADMIN, api_node_list,
	  "list the cluster's nodes with status and flags",
	  "", NULL },
	{ "cluster.node.edit", &dt_node, OP_EDIT, LVL_ADMIN, api_node_edit,
	  "show (elid), add (sok=ok) or change (sok=ok&elid=) a node; adding "
	  "answers a one-time join token",
	  "elid (node id)", NULL },
	{ "cluster.node.delete", &dt_node, OP_DELETE, LVL_ADMIN,
	  api_node_delete,
	  "remove nodes from the cluster",
	  "elid (node ids)", NULL },
	{ "cluster.node.token", &dt_node, OP_ACTION, LVL_ADMIN, api_node_token,
	  "issue a new one-time join token for a node (the old one dies)",
	  "elid (node id)", F("token_ttl") },
	{ "cluster.node.service", &dt_service, OP_LIST, LVL_ADMIN,
	  api_node_service,
	  "the services of a node's roles (nginx, php-fpm, "
	  "named, postfix, dovecot) with their state",
	  "elid (node id)", NULL },
	{ "cluster.node.service.restart", &dt_service, OP_ACTION, LVL_ADMIN,
	  api_node_service_restart,
	  "stop and start one service of a node",
	  "elid (node id)", F("name") },
	{ "cluster.node.retry", &dt_node, OP_ACTION, LVL_ADMIN, api_node_retry,
	  "start the failed step of nodes again: their "
	  "software is pushed in full and what is missing installed",
	  "elid (node ids)", NULL },
	{ "cluster.node.enroll", &dt_enroll, OP_EDIT, LVL_ADMIN, api_enroll,
	  "add a node over SSH (sok=ok): the master logs in as root with "
	  "the password or key, checks the host key (trusted on first use) "
	  "and runs the enrollment's steps; with elid, the steps of a "
	  "node's enrollment with their state, times and output",
	  "elid (node id)", NULL },
	{ "cluster.node.enroll.retry", &dt_enroll, OP_ACTION, LVL_ADMIN,
	  api_enroll_retry,
	  "run a node's enrollment again from its failed step: as "
	  "ispmaster with the master's key once that step was done, else "
	  "as root with the password or key given again",
	  "elid (node id)", F("password", "ssh_key", "hostkey") },
	{ "cluster.node.upgrade", &dt_enroll, OP_ACTION, LVL_ADMIN,
	  api_node_upgrade,
	  "upgrade hostfleet on a node added over SSH from the master's "
	  "repository (apt-get install hostfleet, as ispmaster through "
	  "sudo) and restart its agent; ok once the node reports the new "
	  "version and is ready; refused for the master's own machine",
	  "elid (node id)", NULL },
	{ "cluster.node.remove", &dt_enroll, OP_ACTION, LVL_ADMIN,
	  api_node_remove,
	  "remove a node added over SSH: its agent stopped and "
	  "uninstalled, ispmaster and the master's key removed from it, "
	  "then the node removed from the cluster (its certificate refused, "
	  "its desync entries dropped); refused while it holds users' data "
	  "unless force=on",
	  "elid (node id)", F("force") },
	{ "cluster.policy", &dt_policy, OP_EDIT, LVL_ADMIN, api_policy,
	  "show or (sok=ok) change the cluster policy",
	  "", NULL },
	{ "sysinfo_stat", &dt_node, OP_LIST, LVL_ADMIN, api_sysinfo_stat,
	  "each node's status, load, memory, disk, services and applied "
	  "versions",
	  "elid (one node)", NULL },
	{ "cluster.desync", &dt_desync, OP_LIST, LVL_ADMIN, api_desync_list,
	  "what each node must be sent again: node, type, "
	  "reason, since, attempts, last error",
	  "", NULL },
	{ "cluster.desync.resync", &dt_desync, OP_ACTION, LVL_ADMIN,
	  api_desync_resync,
	  "force a full resync of nodes: every data type "
	  "of theirs is pushed again",
	  "elid (node ids)", NULL },
	{ "cluster.query", &dt_query, OP_LIST, LVL_ADMIN, api_query_log,
	  "the distributed-query log, newest first: function, parameters, "
	  "caller, targets, each node's result",
	  "elid (query id)", F("limit") },
	{ "actionlog", &dt_actionlog, OP_LIST, LVL_ADMIN, api_actionlog,
	  "the action log, newest first: every change made through the API, "
	  "who made it, from which address, its parameters without secrets, "
	  "its outcome and each node's result",
	  "elid (entry id)", F("limit", "user", "function", "addr", "outcome",
	  "since", "until") },
	{ "firewall", &sd_types[1], OP_LIST, LVL_ADMIN, api_sysdata_list,
	  "firewall rules of every node, in order",
	  "", NULL },
	{ "firewall.edit", &sd_types[1], OP_EDIT, LVL_ADMIN, api_sysdata_edit,
	  "show, add or change a firewall rule on every node",
	  "elid", NULL },
	{ "firewall.delete", &sd_types[1], OP_DELETE, LVL_ADMIN,
	  api_sysdata_delete,
	  "remove firewall rules from every node",
	  "elid", NULL },
	{ "scheduler", &sd_types[2], OP_LIST, LVL_ADMIN, api_sysdata_list,
	  "system cron jobs of every node",
	  "", NULL },
	{ "scheduler.edit", &sd_types[2], OP_EDIT, LVL_ADMIN, api_sysdata_edit,
	  "show, add or change a system cron job",
	  "elid", NULL },
	{ "scheduler.delete", &sd_types[2], OP_DELETE, LVL_ADMIN,
	  api_sysdata_delete,
	  "remove system cron jobs",
	  "elid", NULL },
	{ "whitelist", &sd_types[3], OP_LIST, LVL_ADMIN, api_sysdata_list,
	  "mail senders always accepted, on every mail node",
	  "", NULL },
	{ "whitelist.edit", &sd_types[3], OP_EDIT, LVL_ADMIN, api_sysdata_edit,
	  "show, add or change a whitelisted sender",
	  "elid", NULL },
	{ "whitelist.delete", &sd_types[3], OP_DELETE, LVL_ADMIN,
	  api_sysdata_delete,
	  "remove whitelisted senders",
	  "elid", NULL },
	{ "blacklist", &sd_types[4], OP_LIST, LVL_ADMIN, api_sysdata_list,
	  "mail senders always refused, on every mail node",
	  "", NULL },
	{ "blacklist.edit", &sd_types[4], OP_EDIT, LVL_ADMIN, api_sysdata_edit,
	  "show, add or change a blacklisted sender",
	  "elid", NULL },
	{ "blacklist.delete", &sd_types[4], OP_DELETE, LVL_ADMIN,
	  api_sysdata_delete,
	  "remove blacklisted senders",
	  "elid", NULL },
	{ "software", &sd_types[0], OP_LIST, LVL_ADMIN, api_sysdata_list,
	  "the packages each role needs; every node installs those of its "
	  "roles",
	  "", NULL },
	{ "software.edit", &sd_types[0], OP_EDIT, LVL_ADMIN, api_sysdata_edit,
	  "show, add or change a package of a role",
	  "elid", NULL },
	{ "software.delete", &sd_types[0], OP_DELETE, LVL_ADMIN,
	  api_sysdata_delete,
	  "remove packages from the lists (nothing is "
	  "uninstalled)",
	  "elid", NULL },
	{ "templates", &sd_types[5], OP_LIST, LVL_ADMIN, api_sysdata_list,
	  "configuration templates the nodes render into "
	  "every site, PHP pool and Dovecot configuration",
	  "", NULL },
	{ "templates.edit", &sd_types[5], OP_EDIT, LVL_ADMIN, api_sysdata_edit,
	  "show, add or change a template; every node "
	  "renders its services again and their checkers must take it",
	  "elid", NULL },
	{ "templates.delete", &sd_types[5], OP_DELETE, LVL_ADMIN,
	  api_sysdata_delete,
	  "remove templates from every node",
	  "elid", NULL },
	{ "user", &dt_user, OP_LIST, LVL_ADMIN, api_user_list,
	  "every user with level, state, UID, disk used and limit, and "
	  "counts of their objects",
	  "", NULL },
	{ "user.edit", &dt_user, OP_EDIT, LVL_ADMIN, api_user_edit,
	  "show (elid), create (sok=ok) or change (sok=ok&elid=) a user; a "
	  "change of full name or state reaches every node with their data",
	  "elid", NULL },
	{ "user.add", &dt_user, OP_EDIT, LVL_ADMIN, api_user_add,
	  "create (sok=ok) a user, with web domain webdomain_name and mail "
	  "domain emaildomain_name made for them and the limits of preset, "
	  "all or nothing: when a part fails, the user and what was made "
	  "are removed and the error names the part (group, param)",
	  "", NULL },
	{ "user.delete", &dt_user, OP_DELETE, LVL_ADMIN, api_user_delete,
	  "delete users with all their data on every node",
	  "elid", NULL },
	{ "user.suspend", &dt_user, OP_ACTION, LVL_ADMIN, api_user_suspend,
	  "suspend users: their sites answer 503 and their mail stops on "
	  "every node",
	  "elid", NULL },
	{ "user.resume", &dt_user, OP_ACTION, LVL_ADMIN, api_user_suspend,
	  "resume suspended users",
	  "elid", NULL },
	{ "preset", &dt_preset, OP_LIST, LVL_ADMIN, api_preset_list,
	  "presets (user templates): named limits that user.add and "
	  "user.edit copy into a user with preset=NAME",
	  "", NULL },
	{ "preset.edit", &dt_preset, OP_EDIT, LVL_ADMIN, api_preset_edit,
	  "show (elid), create (sok=ok) or change (sok=ok&elid=) a preset; "
	  "the users made from it keep their limits",
	  "elid", NULL },
	{ "preset.delete", &dt_preset, OP_DELETE, LVL_ADMIN,
	  api_preset_delete,
	  "delete presets",
	  "elid", NULL },
	{ "user.placement", &dt_user, OP_ACTION, LVL_USER, api_user_placement,
	  "the node holding each role of a user's data",
	  "elid (admin: any user)", NULL },
	{ "user.usage", &dt_user, OP_ACTION, LVL_USER, api_user_usage,
	  "the caller's objects and disk against their limits",
	  "elid (admin: any user)", NULL },
	{ "webdomain", &dt_webdomain, OP_LIST, LVL_USER, api_ud_list,
	  "web sites: the caller's, or every user's for an administrator",
	  "", NULL },
	{ "webdomain.edit", &dt_webdomain, OP_EDIT, LVL_USER, api_ud_edit,
	  "show, create or change a web site (nginx server "
	  "block on the user's web node)",
	  "elid", NULL },
	{ "webdomain.delete", &dt_webdomain, OP_DELETE, LVL_USER, api_ud_delete,
	  "delete web sites",
	  "elid", NULL },
	/* ISPmanager 6 calls web domains sites: the same objects, the same
	 * code, its field names as spellings (site_name ...) */
	{ "site", &dt_webdomain, OP_LIST, LVL_USER, api_ud_list,
	  "ISPmanager 6's name of `webdomain`",
	  "", NULL },
	{ "site.edit", &dt_webdomain, OP_EDIT, LVL_USER, api_ud_edit,
	  "ISPmanager 6's name of `webdomain.edit`",
	  "elid", NULL },
	{ "site.delete", &dt_webdomain, OP_DELETE, LVL_USER, api_ud_delete,
	  "ISPmanager 6's name of `webdomain.delete`",
	  "elid", NULL },
	{ "domain", &dt_domain, OP_LIST, LVL_USER, api_ud_list,
	  "DNS zones",
	  "", NULL },
	{ "domain.edit", &dt_domain, OP_EDIT, LVL_USER, api_ud_edit,
	  "show, create or change a DNS zone",
	  "elid", NULL },
	{ "domain.delete", &dt_domain, OP_DELETE, LVL_USER, api_ud_delete,
	  "delete DNS zones with their records",
	  "elid", NULL },
	{ "domain.record", &dt_record, OP_LIST, LVL_USER, api_ud_list,
	  "the records of a zone, each with its rkey",
	  "elid or plid (zone)", NULL },
	{ "domain.record.edit", &dt_record, OP_EDIT, LVL_USER, api_ud_edit,
	  "show, add or change a DNS record",
	  "plid (zone), elid (rkey)", NULL },
	{ "domain.record.delete", &dt_record, OP_DELETE, LVL_USER,
	  api_ud_delete,
	  "delete DNS records by rkey",
	  "plid (zone), elid (rkeys)", NULL },
	/* DNSmanager's record functions: the same code, its field names as
	 * spellings (sdtype, addr, prio, wght), its list with key and id */
	{ "domain.sublist", &dt_record, OP_LIST, LVL_USER, api_ud_list,
	  "DNSmanager's name of `domain.record`: each record also with "
	  "`key` (its rkey), `id`, `sdtype`, `addr`, `prio`, `wght`, `port`",
	  "elid or plid (zone)", NULL },
	{ "domain.sublist.edit", &dt_record, OP_EDIT, LVL_USER, api_ud_edit,
	  "DNSmanager's name of `domain.record.edit`",
	  "plid (zone), elid (key)", NULL },
	{ "domain.sublist.delete", &dt_record, OP_DELETE, LVL_USER,
	  api_ud_delete,
	  "DNSmanager's name of `domain.record.delete`",
	  "plid (zone), elid (keys)", NULL },
	{ "emaildomain", &dt_emaildomain, OP_LIST, LVL_USER, api_ud_list,
	  "mail domains",
	  "", NULL },
	{ "emaildomain.edit", &dt_emaildomain, OP_EDIT, LVL_USER, api_ud_edit,
	  "show, create or change a mail domain",
	  "elid", NULL },
	{ "emaildomain.delete", &dt_emaildomain, OP_DELETE, LVL_USER,
	  api_ud_delete,
	  "delete mail domains with their mailboxes",
	  "elid", NULL },
	{ "email", &dt_email, OP_LIST, LVL_USER, api_ud_list,
	  "mailboxes",
	  "plid (mail domain)", NULL },
	{ "email.edit", &dt_email, OP_EDIT, LVL_USER, api_ud_edit,
	  "show, create or change a mailbox",
	  "elid", NULL },
	{ "email.delete", &dt_email, OP_DELETE, LVL_USER, api_ud_delete,
	  "delete mailboxes",
	  "elid", NULL },
	{ "email.suspend", &dt_email, OP_ACTION, LVL_USER, api_email_suspend,
	  "suspend mailboxes (email.edit active=off): no mail, no login; "
	  "their mail is kept",
	  "elid (addresses)", NULL },
	{ "email.resume", &dt_email, OP_ACTION, LVL_USER, api_email_suspend,
	  "resume suspended mailboxes (email.edit active=on)",
	  "elid (addresses)", NULL },
	{ NULL, NULL, OP_LIST, LVL_PUBLIC, NULL, NULL, NULL, NULL },
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
op_name(enum op o)
{
	switch (o) {
	case OP_LIST: return "list";
	case OP_EDIT: return "edit";
	case OP_DELETE: return "delete";
	case OP_ACTION: return "action";
	}
	return "?";
}

const struct field *
func_field(const struct func *f, const char *param)
{
	const struct field *fd = schema_field(f->type, param);
	size_t i;

	if (fd == NULL)
		return NULL;
	if (f->fields) {
		for (i = 0; f->fields[i]; i++)
			if (strcmp(f->fields[i], param) == 0)
				return fd;
		return NULL;
	}
	return f->op == OP_EDIT && !(fd->flags & F_OUT) ? fd : NULL;
}

/* The parameters column of the index: the control parameters the row
 * reads, then the fields it takes. */
static void
params_doc(const struct func *f, struct sbuf *b)
{
	const struct field *fd;

	sbuf_adds(b, f->args);
	for (fd = f->type->fields; fd->name; fd++)
		if (func_field(f, fd->name))
			sbuf_printf(b, "%s%s", b->len ? ", " : "",
			    fd->name);
	if (b->len == 0)
		sbuf_adds(b, "-");
}

/*
 * `hostfleet functions`: the table as the Markdown of docs/api.md's index;
 * `hostfleet functions --fields TYPE`: the field table of a data type.
 */
int
functions_main(int argc, char **argv)
{
	const struct func *f;
	const struct dtype *t;
	struct sbuf b;

	sbuf_init(&b, 1u << 20);
	if (argc == 3 && strcmp(argv[1], "--fields") == 0) {
		if ((t = schema_type(argv[2])) == NULL) {
			fprintf(stderr, "hostfleet functions: no data type "
			    "\"%s\"\n", argv[2]);
			return 2;
		}
		schema_doc_fields(t, &b);
		fputs(sbuf_str(&b), stdout);
		sbuf_release(&b);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: hostfleet functions [--fields TYPE]\n");
		return 2;
	}
	printf("| function | data type | kind | role | level | parameters "
	    "| what it does |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (f = functab; f->name; f++) {
		sbuf_reset(&b);
		params_doc(f, &b);
		printf("| `%s` | %s | %s | %s | %s | %s | %s |\n", f->name,
		    f->type->name, dkind_name(f->type->kind),
		    f->type->role[0] ? f->type->role : "-",
		    level_name(f->level), sbuf_str(&b), f->summary);
	}
	sbuf_release(&b);
	return 0;
}
