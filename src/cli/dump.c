/* dump.c - see dump.h.  The store is opened read-only through the store's
 * own functions: no SQL here. */
#include "dump.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../master/store.h"
#include "../node/store.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hostfleet dump [-s state_dir] WHAT\n"
	    "  a master's state dir (master.db):\n"
	    "    nodes        every node, its last stats parsed\n"
	    "    uindex       the user-data index: kind, name, owner, node, "
	    "parent, state\n"
	    "    intents      distributed queries in flight\n"
	    "  a node's state dir (node.db):\n"
	    "    items TYPE   the system data of TYPE the node has applied\n"
	    "    udata KIND   its user data of KIND (account, webdomain, zone,\n"
	    "                 emaildomain, mailbox), by name\n");
	exit(2);
}

/* Prints v compactly on one line and decrefs it; 0 or -1. */
static int
put_line(json_t *v)
{
	int rc = json_dumpf(v, stdout, JSON_COMPACT) == 0 &&
	    fputc('\n', stdout) != EOF ? 0 : -1;

	json_decref(v);
	return rc;
}

/* Prints every element of the array rows, one a line, and decrefs it. */
static int
put_rows(json_t *rows)
{
	json_t *v;
	size_t i;
	int rc = 0;

	json_array_foreach(rows, i, v)
		if (rc == 0)
			rc = put_line(json_incref(v));
	json_decref(rows);
	return rc;
}

static json_t *
node_json(const struct node *n)
{
	json_t *stats = n->stats ? json_loads(n->stats, 0, NULL) : NULL;

	return json_pack("{sI ss ss si ss ss ss si si si sI sI si so}",
	    "id", (json_int_t)n->id, "name", n->name, "addr", n->addr,
	    "port", n->port, "roles", n->roles, "status", n->status,
	    "status_msg", n->status_msg, "maintenance", n->maintenance,
	    "weight", n->weight, "joined", n->joined,
	    "created", (json_int_t)n->created,
	    "last_seen", (json_int_t)n->last_seen, "misses", n->misses,
	    "stats", stats ? stats : json_null());
}

static int
dump_master(const char *path, const char *what)
{
	struct store *st;
	struct node *nodes;
	json_t *rows;
	size_t i, n;
	char err[512];
	int rc = -1;

	if (strcmp(what, "nodes") != 0 && strcmp(what, "uindex") != 0 &&
	    strcmp(what, "intents") != 0)
		usage();
	if ((st = store_open_readonly(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hostfleet dump: %s\n", err);
		return 1;
	}
	if (strcmp(what, "nodes") == 0) {
		if (store_node_list(st, &nodes, &n) == 0) {
			rc = 0;
			for (i = 0; i < n && rc == 0; i++)
				rc = put_line(node_json(&nodes[i]));
			store_nodes_free(nodes, n);
		}
	} else if (strcmp(what, "uindex") == 0) {
		if (store_uindex_list(st, &rows) == 0)
			rc = put_rows(rows);
		else
			json_decref(rows);
	} else {
		if (store_intent_list(st, &rows) == 0)
			rc = put_rows(rows);
		else
			json_decref(rows);
	}
	store_close(st);
	return rc == 0 ? 0 : 1;
}

static int
dump_node(const char *path, const char *what, const char *type)
{
	struct nstore *st;
	json_t *items;
	int64_t version;
	char err[512];
	int rc = -1;

	if ((strcmp(what, "items") != 0 && strcmp(what, "udata") != 0) ||
	    type == NULL)
		usage();
	if ((st = nstore_open_readonly(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "hostfleet dump: %s\n", err);
		return 1;
	}
	if (strcmp(what, "udata") == 0 ?
	    nstore_ud_list(st, type, NULL, NULL, &items) == 0 :
	    nstore_state(st, type, &version, &items) == 0)
		rc = put_rows(items);
	else
		json_decref(items);
	nstore_close(st);
	return rc == 0 ? 0 : 1;
}

int
dump_main(int argc, char **argv)
{
	const char *state = getenv("HOSTFLEET_STATE");
	char path[600];
	int ch;

	log_init("dump", 0);
	if (state == NULL)
		state = "/var/lib/hostfleet/master";
	while ((ch = getopt(argc, argv, "+s:")) != -1) {
		switch (ch) {
		case 's': state = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc || argc - optind > 2)
		usage();
	snprintf(path, sizeof(path), "%s/master.db", state);
	if (access(path, F_OK) == 0) {
		if (argc - optind != 1)
			usage();
		return dump_master(path, argv[optind]);
	}
	snprintf(path, sizeof(path), "%s/node.db", state);
	if (access(path, F_OK) == 0)
		return dump_node(path, argv[optind], argv[optind + 1]);
	fprintf(stderr, "hostfleet dump: no master.db or node.db in \"%s\"\n",
	    state);
	return 1;
}
