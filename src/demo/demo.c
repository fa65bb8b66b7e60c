/* demo.c - `hostfleet demo`: a master and three nodes on 127.0.0.1-3 under
 * one directory, ready to click through.  Ctrl-C stops what it started. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cli/call.h"
#include "../common/log.h"
#include "../common/util.h"
#include "demo.h"
#include "../node/backend.h"
#include "../node/svcctl.h"

#define NNODES	3

static const struct {
	const char	*name;
	const char	*addr;
	const char	*roles;
	const char	*is_local;
} demo_nodes[NNODES] = {
	{ "node1", "127.0.0.1", "web,dns,mail", "on" },
	{ "node2", "127.0.0.2", "web,mail", "off" },
	{ "node3", "127.0.0.3", "web,dns", "off" },
};

static pid_t children[NNODES + 1];
static int nchildren;

static pid_t
spawn(const char *self, char *const argv[], const char *logpath)
{
	pid_t pid = fork();
	int fd;

	if (pid == -1)
		fatal("fork");
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if ((fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600)) !=
		    -1) {
			dup2(fd, 2);
			close(fd);
		}
		execv(self, argv);
		_exit(127);
	}
	children[nchildren++] = pid;
	return pid;
}

static char	 roots[NNODES][600];	/* the nodes' host roots */
static int	 addrs_added[NNODES];	/* loopback addresses the demo added */

static void
stop_all(void)
{
	int i;

	for (i = 0; i < nchildren; i++)
		kill(children[i], SIGTERM);
	for (i = 0; i < nchildren; i++)
		waitpid(children[i], NULL, 0);
	nchildren = 0;
	/* the services the nodes started outlive them, as on a machine of
	 * their own: the demo stops them too */
	for (i = 0; i < NNODES; i++)
		if (roots[i][0])
			svcctl_stop_root(roots[i]);
	for (i = 0; i < NNODES; i++)
		if (addrs_added[i]) {
			char a[40], out[256];
			char *av[] = { "ip", "addr", "del", a, "dev", "lo", NULL };

			snprintf(a, sizeof(a), "%s/32", demo_nodes[i].addr);
			run_cmd(av, 5000, out, sizeof(out));
		}
}

/* named listens only on the addresses interfaces have: 127.0.0.2 and
 * 127.0.0.3 go on lo for the demo's time. */
static void
add_loopback(int i)
{
	char a[40], out[256];
	char *show[] = { "ip", "-4", "addr", "show", "dev", "lo", NULL };
	char *av[] = { "ip", "addr", "add", a, "dev", "lo", NULL };
	char want[48];

	if (strcmp(demo_nodes[i].addr, "127.0.0.1") == 0)
		return;
	snprintf(want, sizeof(want), "inet %s/32", demo_nodes[i].addr);
	if (run_cmd(show, 5000, out, sizeof(out)) == 0 && strstr(out, want))
		return;
	snprintf(a, sizeof(a), "%s/32", demo_nodes[i].addr);
	addrs_added[i] = run_cmd(av, 5000, out, sizeof(out)) == 0;
}

/* Waits until the master answers; 0 or -1 after the bound. */
static int
wait_master(const char *state, struct call_target *t)
{
	struct sbuf ans;
	char errtype[CALL_ERRTYPE_MAX];
	int i;

	for (i = 0; i < 300; i++) {
		if (call_target_from_state(t, state) == 0 &&
		    call_api(t, "whoami", "JSONdata", NULL, 0, &ans,
		    errtype) == 0) {
			sbuf_release(&ans);
			return 0;
		}
		usleep(100000);
	}
	return -1;
}

int
demo_main(int argc, char **argv)
{
	char self[1024], dir[512], mstate[600], path[700], pw[64];
	char nstate[NNODES][600], nroot[NNODES][600], logp[700], port[16];
	struct call_target t;
	sigset_t set;
	ssize_t n;
	int i, sig, base_port = 1500;
	char *s;

	log_init("demo", 0);
	strlcpy_hf(dir, "var/demo", sizeof(dir));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			strlcpy_hf(dir, argv[++i], sizeof(dir));
		else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			base_port = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: hostfleet demo [--dir DIR] "
			    "[--port MASTER_PORT]\n");
			return 2;
		}
	}
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink");
	self[n] = '\0';
	/* every path the demo hands on is absolute: the nodes' files name
	 * them, whatever directory a command is typed from */
	if (dir[0] != '/') {
		char cwd[400], rel[512];

		if (getcwd(cwd, sizeof(cwd)) == NULL)
			fatal("getcwd");
		strlcpy_hf(rel, dir[0] == '.' && dir[1] == '/' ? dir + 2 : dir,
		    sizeof(rel));
		snprintf(dir, sizeof(dir), "%s/%s", cwd, rel);
	}
	/* the services run as their own users: they must reach the roots */
	if (mkdirs(dir, 0755) == -1 || chmod(dir, 0755) == -1)
		fatal("mkdir \"%s\"", dir);
	snprintf(mstate, sizeof(mstate), "%s/master", dir);
	if (mkdirs(mstate, 0700) == -1)
		fatal("mkdir \"%s\"", mstate);

	/* The demo keeps its admin password so that a restart shows it. */
	snprintf(path, sizeof(path), "%s/admin.password", dir);
	if ((s = file_read(path, 63, NULL)) != NULL) {
		s[strcspn(s, "\r\n")] = '\0';
		strlcpy_hf(pw, s, sizeof(pw));
		free(s);
	} else {
		rand_hex(pw, 8);
		file_write_atomic(path, pw, strlen(pw), 0600);
	}
	setenv("HOSTFLEET_ADMIN_PASSWORD", pw, 1);

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);

	snprintf(port, sizeof(port), "%d", base_port);
	snprintf(logp, sizeof(logp), "%s/master.log", dir);
	{
		char *av[] = { "hostfleet", "master", "-s", mstate, "-l",
		    "127.0.0.1", "-p", port, NULL };

		spawn(self, av, logp);
	}
	if (wait_master(mstate, &t) == -1) {
		fprintf(stderr, "demo: the master did not start; see %s\n",
		    logp);
		stop_all();
		return 1;
	}
	for (i = 0; i < NNODES; i++) {
		char nport[16], name[32], addr[32], roles[64], local[32];
		char portarg[32];
		char *args[] = { name, addr, roles, local, portarg, "sok=ok" };
		const char *token = NULL;
		struct sbuf ans;
		json_t *j = NULL;
		char errtype[CALL_ERRTYPE_MAX];

		snprintf(nstate[i], sizeof(nstate[i]), "%s/%s/state", dir,
		    demo_nodes[i].name);
		snprintf(nroot[i], sizeof(nroot[i]), "%s/%s/root", dir,
		    demo_nodes[i].name);
		mkdirs(nstate[i], 0700);
		mkdirs(nroot[i], 0755);
		{
			char nd[600];

			snprintf(nd, sizeof(nd), "%s/%s", dir,
			    demo_nodes[i].name);
			chmod(nd, 0755);
		}
		strlcpy_hf(roots[i], nroot[i], sizeof(roots[i]));
		add_loopback(i);
		snprintf(nport, sizeof(nport), "%d", base_port + 1);
		snprintf(portarg, sizeof(portarg), "port=%d", base_port + 1);
		snprintf(logp, sizeof(logp), "%s/%s.log", dir,
		    demo_nodes[i].name);
		snprintf(path, sizeof(path), "%s/identity.json", nstate[i]);
		if (access(path, F_OK) != 0) {
			snprintf(name, sizeof(name), "name=%s",
			    demo_nodes[i].name);
			snprintf(addr, sizeof(addr), "addr=%s",
			    demo_nodes[i].addr);
			snprintf(roles, sizeof(roles), "roles=%s",
			    demo_nodes[i].roles);
			snprintf(local, sizeof(local), "is_local=%s",
			    demo_nodes[i].is_local);
			if (call_api(&t, "cluster.node.edit", "JSONdata", args,
			    6, &ans, errtype) != 0 ||
			    (j = json_loads(sbuf_str(&ans), 0, NULL)) == NULL ||
			    (token = json_string_value(json_object_get(j,
			    "token"))) == NULL) {
				fprintf(stderr, "demo: cannot add %s: %s\n",
				    demo_nodes[i].name, errtype);
				stop_all();
				return 1;
			}
			sbuf_release(&ans);
		}
		{
			/* each node's firewall lives in a network namespace
			 * of its own, so the demo never touches the host's */
			char ns[32], nsarg[48], out[256];
			char *ip[] = { "ip", "netns", "add", ns, NULL };
			char *av[20];
			int k = 0, st;

			snprintf(ns, sizeof(ns), "hostfleet-demo-%d", i + 1);
			st = run_cmd(ip, 5000, out, sizeof(out));
			if (st != 0 && strstr(out, "File exists") == NULL)
				snprintf(nsarg, sizeof(nsarg), "--no-nft");
			else
				snprintf(nsarg, sizeof(nsarg), "--netns=%s", ns);
			av[k++] = "hostfleet";
			av[k++] = "node";
			av[k++] = "-s";
			av[k++] = nstate[i];
			av[k++] = "-a";
			av[k++] = (char *)demo_nodes[i].addr;
			av[k++] = "-p";
			av[k++] = nport;
			av[k++] = "-r";
			av[k++] = nroot[i];
			av[k++] = "--services-addr";
			av[k++] = (char *)demo_nodes[i].addr;
			av[k++] = nsarg;
			if (token) {
				av[k++] = "-j";
				av[k++] = t.url;
				av[k++] = (char *)token;
			}
			av[k] = NULL;
			spawn(self, av, logp);
		}
		json_decref(j);
	}
	printf("\nhostfleet demo is running: a master and %d nodes under %s\n"
	    "  panel:    %s/ (the certificate is the demo's own CA's, "
	    "ca.pem in master/)\n"
	    "  API:      %s/ispmgr\n"
	    "  login:    admin / %s\n"
	    "  nodes:    node1 127.0.0.1 (web, dns, mail), node2 127.0.0.2 "
	    "(web, mail),\n"
	    "            node3 127.0.0.3 (web, dns); each runs its own nginx, "
	    "named, Postfix\n"
	    "            and Dovecot on its address\n"
	    "  try:      hostfleet call -s %s cluster.node\n"
	    "            (README.md, \"The demo\", walks through a site, a "
	    "record and a mailbox)\n"
	    "Ctrl-C stops everything.\n\n", NNODES, dir, t.url, t.url, pw,
	    mstate);
	fflush(stdout);
	for (;;) {
		sigwait(&set, &sig);
		if (sig == SIGCHLD) {
			pid_t p;
			int st;

			while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
				for (i = 0; i < nchildren; i++)
					if (children[i] == p)
						children[i] = children[--nchildren];
				fprintf(stderr, "demo: process %d exited "
				    "(status %d); stopping; logs in %s\n",
				    (int)p, WEXITSTATUS(st), dir);
				sig = SIGTERM;
			}
			if (sig != SIGTERM)
				continue;
		}
		break;
	}
	printf("demo: stopping\n");
	stop_all();
	return 0;
}
