/* backend_nft.c - the firewall: hostfleet's own table "inet hostfleet",
 * checked with `nft -c -f` and loaded with `nft -f` in one transaction (the
 * file deletes and re-creates the table atomically: no moment without
 * rules).  With a network namespace configured, both run inside it. */
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "node.h"

static int
nft(struct node_agent *a, const char *flag, const char *path, char *err,
    size_t errlen)
{
	char out[1024];
	char *argv[10];
	int n = 0, rc;

	if (!a->conf.nft)
		return 0;
	if (a->conf.netns[0]) {
		argv[n++] = "ip";
		argv[n++] = "netns";
		argv[n++] = "exec";
		argv[n++] = a->conf.netns;
	}
	argv[n++] = "nft";
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
nft_check(struct node_agent *a, const char *path, char *err, size_t errlen)
{
	return nft(a, "-c", path, err, errlen);
}

static int
nft_activate(struct node_agent *a, const char *path, char *err,
    size_t errlen)
{
	return nft(a, NULL, path, err, errlen);
}

const struct backend backend_nft = {
	"firewall", nft_check, nft_activate,
};
