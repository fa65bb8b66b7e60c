/* main.c - the one hostfleet executable and its subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/call.h"
#include "cli/dump.h"
#include "common/util.h"
#include "demo/demo.h"
#include "master/master.h"
#include "master/repo.h"
#include "node/node.h"

static const struct {
	const char	*name;
	int		(*main)(int, char **);
	const char	*what;
} commands[] = {
	{ "master", master_main, "the panel: API, cluster manager, state" },
	{ "node", node_main, "the agent on every cluster node" },
	{ "call", call_main, "call an API function (like mgrctl)" },
	{ "dump", dump_main, "print what a master's or node's store holds "
	  "(read-only, JSON lines)" },
	{ "demo", demo_main, "a master and three nodes on 127.0.0.1-3" },
	{ "functions", functions_main, "print the API function table" },
	{ "repo", repo_main, "the master's apt repository: add a package, "
	  "show its key" },
};

static int
usage(void)
{
	size_t i;

	fprintf(stderr, "usage: hostfleet COMMAND [args] | --version\n\n"
	    "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(stderr, "  %-10s %s\n", commands[i].name,
		    commands[i].what);
	return 2;
}

int
main(int argc, char **argv)
{
	size_t i;

	util_init_alloc();
	if (argc < 2)
		return usage();
	/* the version of packaging/changelog, the package's too */
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("hostfleet %s\n", HF_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].main(argc - 1, argv + 1);
	return usage();
}
