/* backend_nft.c - the firewall: hostfleet's own table "inet hostfleet",
 * checked with `nft -c -f` and loaded with `nft -f` in one transaction (the
 * file deletes and re-creates the table atomically: no moment without
 * rules).  With a network namespace configured, both run inside it. */
#include <stdio.h>
#include <string.h>

#include "../common/sbuf.h"
#include "backend.h"
#include "node.h"

/* Starts argv with the command that runs nft, in the node's network
 * namespace when it has one; returns how many words it wrote (at most 5). */
static int
nft_argv(struct node_agent *a, char **argv)
{
	int n = 0;

	if (a->conf.netns[0]) {
		argv[n++] = "ip";
		argv[n++] = "netns";
		argv[n++] = "exec";
		argv[n++] = a->conf.netns;
	}
	argv[n++] = "nft";
	return n;
}

static int
nft(struct node_agent *a, const char *flag, const char *path, char *err,
    size_t errlen)
{
	char out[1024];
	char *argv[10];
	int n, rc;

	if (!a->conf.nft)
		return 0;
	n = nft_argv(a, argv);
	if (flag)
		argv[n++] = (char *)flag;
	argv[n++] = "-f";
	argv[n++] = (char *)path;
	argv[n] = NULL;
	rc = run_cmd(argv, 30000, out, sizeof(out));
	if (rc != 0) {
		snprintf(err, errlen, "nft%s%s: %s", flag ? " " : "",
		    flag ? flag : "", out[0] ? out : "failed");
		return -1;
	}
	return 0;
}

static int
nft_check(struct btx *tx, char *err, size_t errlen)
{
	return nft(tx->a, "-c", sdfile_staged(tx), err, errlen);
}

static int
nft_activate(struct btx *tx, char *err, size_t errlen)
{
	return nft(tx->a, NULL, sdfile_path(tx), err, errlen);
}

/*
 * The live table must hold one rule per item, each named by its "hf-ID"
 * comment: a table flushed by hand, a rule deleted, or a namespace or host
 * that came back empty after a restart are all seen here.
 */
static int
nft_verify(struct node_agent *a, const json_t *items)
{
	char *argv[10], tag[32];
	const char *p;
	const json_t *it;
	struct sbuf out;
	size_t i, found = 0;
	int n, rc = 0;

	if (!a->conf.nft)
		return 1;
	n = nft_argv(a, argv);
	argv[n++] = "list";
	argv[n++] = "table";
	argv[n++] = "inet";
	argv[n++] = "hostfleet";
	argv[n] = NULL;
	/* the whole listing: one cut short would count as drift forever */
	sbuf_init(&out, 64u << 20);
	if (run_cmd_all(argv, 10000, &out) != 0)
		goto out;
	for (p = sbuf_str(&out); (p = strstr(p, "comment \"hf-")) != NULL;
	    p++)
		found++;
	if (found != json_array_size(items))
		goto out;
	json_array_foreach(items, i, it) {
		snprintf(tag, sizeof(tag), "comment \"hf-%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(it, "id")));
		for (p = sbuf_str(&out); (p = strstr(p, tag)) != NULL; p++) {
			char c = p[strlen(tag)];

			if (c == '"' || c == ':')
				break;
		}
		if (p == NULL)
			goto out;
	}
	rc = 1;
out:
	sbuf_release(&out);
	return rc;
}

const struct backend backend_nft = {
	"firewall", 0, sdfile_render, nft_check, sdfile_install,
	nft_activate, sdfile_rollback, nft_verify,
};
