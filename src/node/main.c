/* main.c - `hostfleet node`: the agent on every cluster node. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/httpc.h"

#include "../common/log.h"
#include "../common/tls.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "node.h"
#include "svcctl.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hostfleet node [-nv] [-c config.json] [-s state_dir] "
	    "[-a addr] [-p port] [-r root]\n"
	    "                      [--netns NAME] [--no-nft] "
	    "[--usage-interval SECONDS]\n"
	    "                      [--drift-interval SECONDS]\n"
	    "                      [--services-addr ADDR] [--no-services]\n"
	    "                      [-j master_url token]\n"
	    "       hostfleet node join [-s state_dir] master_url token\n");
	exit(2);
}

static void
conf_defaults(struct node_conf *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy_hf(c->state_dir, "/var/lib/hostfleet/node",
	    sizeof(c->state_dir));
	c->port = 1501;
	c->nft = 1;
	c->usage_interval_s = 300;
	c->drift_interval_s = 60;
	c->services = 1;
	strlcpy_hf(c->root, "/", sizeof(c->root));
}

static int
conf_load(struct node_conf *c, const char *path)
{
	json_error_t jerr;
	json_t *j, *v;
	const char *k;
	char q[VALID_ERR_MAX];

	if ((j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		log_warnx("config \"%s\": line %d: %s", path, jerr.line,
		    jerr.text);
		return -1;
	}
	json_object_foreach(j, k, v) {
		if (strcmp(k, "state_dir") == 0 && json_is_string(v))
			strlcpy_hf(c->state_dir, json_string_value(v),
			    sizeof(c->state_dir));
		else if (strcmp(k, "addr") == 0 && json_is_string(v))
			strlcpy_hf(c->addr, json_string_value(v),
			    sizeof(c->addr));
		else if (strcmp(k, "port") == 0 && json_is_integer(v))
			c->port = (int)json_integer_value(v);
		else if (strcmp(k, "root") == 0 && json_is_string(v))
			strlcpy_hf(c->root, json_string_value(v),
			    sizeof(c->root));
		else if (strcmp(k, "join_url") == 0 && json_is_string(v))
			strlcpy_hf(c->join_url, json_string_value(v),
			    sizeof(c->join_url));
		else if (strcmp(k, "join_token") == 0 && json_is_string(v))
			strlcpy_hf(c->join_token, json_string_value(v),
			    sizeof(c->join_token));
		else if (strcmp(k, "verbose") == 0 && json_is_boolean(v))
			c->verbose = json_is_true(v);
		else if (strcmp(k, "netns") == 0 && json_is_string(v))
			strlcpy_hf(c->netns, json_string_value(v),
			    sizeof(c->netns));
		else if (strcmp(k, "nft") == 0 && json_is_boolean(v))
			c->nft = json_is_true(v);
		else if (strcmp(k, "services") == 0 && json_is_boolean(v))
			c->services = json_is_true(v);
		else if (strcmp(k, "services_addr") == 0 && json_is_string(v))
			strlcpy_hf(c->services_addr, json_string_value(v),
			    sizeof(c->services_addr));
		else if (strcmp(k, "usage_interval_s") == 0 &&
		    json_is_integer(v))
			/* out of int's range is out of 1..86400 too */
			c->usage_interval_s = json_integer_value(v) < 1 ? 0 :
			    json_integer_value(v) > 86400 ? 86401 :
			    (int)json_integer_value(v);
		else if (strcmp(k, "drift_interval_s") == 0 &&
		    json_is_integer(v))
			c->drift_interval_s = json_integer_value(v) < 0 ? -1 :
			    json_integer_value(v) > 86400 ? 86401 :
			    (int)json_integer_value(v);
		else {
			valid_quote(k, q, sizeof(q));
			log_warnx("config \"%s\": unknown key or wrong type: "
			    "\"%s\"", path, q);
			json_decref(j);
			return -1;
		}
	}
	json_decref(j);
	return 0;
}

/* Reads identity.json written at join; 0, or -1 when not joined. */
static int
load_identity(struct node_agent *a)
{
	char path[NODE_PATH_MAX];
	json_t *j;
	const char *name, *addr;
	json_int_t id, port;

	snprintf(path, sizeof(path), "%s/identity.json", a->conf.state_dir);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return -1;
	if (json_unpack(j, "{s:I,s:s,s:s,s:I}", "node_id", &id, "name", &name,
	    "addr", &addr, "port", &port) != 0) {
		json_decref(j);
		return -1;
	}
	a->node_id = id;
	strlcpy_hf(a->name, name, sizeof(a->name));
	if (a->conf.addr[0] == '\0')
		strlcpy_hf(a->conf.addr, addr, sizeof(a->conf.addr));
	if (a->conf.port == 0)
		a->conf.port = (int)port;
	json_decref(j);
	return 0;
}

/* The node's TLS credentials, for the network process: its certificate,
 * key and the cluster CA, as PEM strings the caller frees.  0, or -1. */
static int
read_files(const struct node_conf *c, char **cert, char **key, char **ca)
{
	char path[NODE_PATH_MAX];

	snprintf(path, sizeof(path), "%s/node.pem", c->state_dir);
	*cert = file_read(path, 65536, NULL);
	snprintf(path, sizeof(path), "%s/node.key", c->state_dir);
	*key = file_read(path, 65536, NULL);
	snprintf(path, sizeof(path), "%s/ca.pem", c->state_dir);
	*ca = file_read(path, 65536, NULL);
	return *cert && *key && *ca ? 0 : -1;
}

/*
 * The start-up that runs the services' programs: the node already
 * answers, so that a checker that hangs (killed at its timeout) delays
 * only the user data, never the master's view of the node.  Until it is
 * done, the calls that need the user data answer 503.
 */
static void *
start_main(void *arg)
{
	struct node_agent *a = arg;

	int failed;

	/* files a crash left between a render and its store commit */
	failed = udata_restore(a);
	udata_start(a);
	svcctl_init(a);
	drift_start(a);
	__atomic_store_n(&a->started_up, 1, __ATOMIC_RELEASE);
	if (failed)
		log_warnx("node: started; the files of %d service%s were not "
		    "restored (said above)", failed, failed > 1 ? "s" : "");
	else
		log_info("node: started");
	return NULL;
}

/*
 * Joins in a child process: the TLS client and its trust store are loaded
 * there and go away with it, so the long-lived agent stays small.
 */
static int
join_in_child(struct node_conf *c)
{
	pid_t pid;
	int st;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		_exit(node_join(c, c->join_url, c->join_token) == 0 ? 0 : 1);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/*
 * Tells the master this node has just started, so that it polls it now
 * rather than at its next heartbeat: a node that comes back converges at
 * once.  Best effort.  It runs in a grandchild forked before any thread
 * exists (so that forking is safe, and the TLS client and its memory stay
 * out of the agent), which waits until the agent listens.
 */
static void
hello_spawn(const struct node_agent *a)
{
	char path[NODE_PATH_MAX], url[300], body[64], pin[80];
	const char *master = NULL, *mpin = NULL;
	json_t *j;
	pid_t pid;
	int i;

	snprintf(path, sizeof(path), "%s/identity.json", a->conf.state_dir);
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return;
	if (json_unpack(j, "{s:s,s:s}", "master", &master, "master_pin",
	    &mpin) != 0 || strncmp(master, "https://", 8) != 0) {
		json_decref(j);
		return;
	}
	snprintf(url, sizeof(url), "%s/v1/hello", master);
	snprintf(pin, sizeof(pin), "%s", mpin);
	json_decref(j);
	snprintf(body, sizeof(body), "{\"node_id\":%lld}",
	    (long long)a->node_id);
	if ((pid = fork()) != 0) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return;
	}
	if (fork() != 0)
		_exit(0);
	{
		sigset_t none;

		/* killable, and never older than 15 s whatever happens */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		alarm(15);
	}
	for (i = 0; i < 100; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd, ok;

		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, a->conf.addr,
		    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
			ss.ss_family = AF_INET;
			((struct sockaddr_in *)&ss)->sin_port =
			    htons((uint16_t)a->conf.port);
			sl = sizeof(struct sockaddr_in);
		} else if (inet_pton(AF_INET6, a->conf.addr,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
			ss.ss_family = AF_INET6;
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons((uint16_t)a->conf.port);
			sl = sizeof(struct sockaddr_in6);
		} else
			_exit(0);
		if ((fd = socket(ss.ss_family, SOCK_STREAM, 0)) == -1)
			_exit(0);
		ok = connect(fd, (struct sockaddr *)&ss, sl) == 0;
		close(fd);
		if (ok)
			break;
		usleep(50000);
	}
	{
		struct httpc_tls tls;
		struct hreq r;

		memset(&tls, 0, sizeof(tls));
		hreq_init(&r, url, 3000);
		r.body = body;
		r.body_len = strlen(body);
		r.ctype = "application/json";
		/* the key pin of the join: the master's API certificate need
		 * not name the address the node was given */
		r.pin = pin;
		httpc_do(&tls, &r);
		_exit(0);
	}
}

static int
join_cmd(int argc, char **argv)
{
	struct node_conf c;
	int ch;

	conf_defaults(&c);
	log_init("node", 0);
	while ((ch = getopt(argc, argv, "s:")) != -1) {
		if (ch == 's')
			strlcpy_hf(c.state_dir, optarg, sizeof(c.state_dir));
		else
			usage();
	}
	if (argc - optind != 2)
		usage();
	return node_join(&c, argv[optind], argv[optind + 1]) == 0 ? 0 : 1;
}

int
node_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "join", required_argument, NULL, 'j' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "netns", required_argument, NULL, 'N' },
		{ "no-nft", no_argument, NULL, 'F' },
		{ "usage-interval", required_argument, NULL, 'U' },
		{ "drift-interval", required_argument, NULL, 'D' },
		{ "services-addr", required_argument, NULL, 'B' },
		{ "no-services", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct node_agent a;
	char *cert, *key, *ca, *cfg = NULL, err[256];
	sigset_t set;
	pid_t netpid;
	int ch, sig, check = 0, port_given = 0, chan, port;

	if (argc > 1 && strcmp(argv[1], "join") == 0)
		return join_cmd(argc - 1, argv + 1);
	memset(&a, 0, sizeof(a));
	peerclock_init(&a.mclock);
	conf_defaults(&a.conf);
	for (ch = 1; ch < argc - 1; ch++)
		if (strcmp(argv[ch], "-c") == 0 ||
		    strcmp(argv[ch], "--config") == 0)
			cfg = argv[ch + 1];
	if (cfg && conf_load(&a.conf, cfg) == -1)
		return 1;
	while ((ch = getopt_long(argc, argv, "c:s:a:p:r:j:nv", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			break;
		case 's':
			strlcpy_hf(a.conf.state_dir, optarg,
			    sizeof(a.conf.state_dir));
			break;
		case 'a':
			strlcpy_hf(a.conf.addr, optarg, sizeof(a.conf.addr));
			break;
		case 'p':
			a.conf.port = atoi(optarg);
			port_given = 1;
			break;
		case 'r':
			strlcpy_hf(a.conf.root, optarg, sizeof(a.conf.root));
			break;
		case 'j':
			strlcpy_hf(a.conf.join_url, optarg,
			    sizeof(a.conf.join_url));
			if (optind >= argc)
				usage();
			strlcpy_hf(a.conf.join_token, argv[optind++],
			    sizeof(a.conf.join_token));
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			a.conf.verbose = 1;
			break;
		case 'N':
			strlcpy_hf(a.conf.netns, optarg, sizeof(a.conf.netns));
			break;
		case 'F':
			a.conf.nft = 0;
			break;
		case 'B':
			strlcpy_hf(a.conf.services_addr, optarg,
			    sizeof(a.conf.services_addr));
			break;
		case 'S':
			a.conf.services = 0;
			break;
		case 'D': {
			int64_t x;

			if (valid_int("--drift-interval", optarg, 0, 86400, &x,
			    err) == -1) {
				log_warnx("%s", err);
				return 1;
			}
			a.conf.drift_interval_s = (int)x;
			break;
		}
		case 'U': {
			int64_t x;

			if (valid_int("--usage-interval", optarg, 1, 86400, &x,
			    err) == -1) {
				log_warnx("%s", err);
				return 1;
			}
			a.conf.usage_interval_s = (int)x;
			break;
		}
		default:
			usage();
		}
	}
	(void)port_given;
	if (a.conf.netns[0] && valid_node_name("netns", a.conf.netns, err) ==
	    -1) {
		log_warnx("config: %s", err);
		return 1;
	}
	log_init("node", a.conf.verbose);
	if (a.conf.addr[0] && valid_ip("addr", a.conf.addr, NULL, err) == -1) {
		log_warnx("config: %s", err);
		return 1;
	}
	if (a.conf.services_addr[0] && valid_ip("services_addr",
	    a.conf.services_addr, NULL, err) == -1) {
		log_warnx("config: %s", err);
		return 1;
	}
	if (a.conf.port < 1 || a.conf.port > 65535) {
		log_warnx("config: port %d: out of range 1..65535",
		    a.conf.port);
		return 1;
	}
	if (a.conf.usage_interval_s < 1 || a.conf.usage_interval_s > 86400) {
		log_warnx("config: usage_interval_s: out of range 1..86400");
		return 1;
	}
	if (a.conf.drift_interval_s < 0 || a.conf.drift_interval_s > 86400) {
		log_warnx("config: drift_interval_s: out of range 0..86400");
		return 1;
	}
	if (check) {
		json_t *j = json_pack("{s:s,s:s,s:i,s:s,s:s,s:b,s:i,s:i,s:b,"
		    "s:s}",
		    "state_dir", a.conf.state_dir, "addr", a.conf.addr, "port",
		    a.conf.port, "root", a.conf.root, "netns", a.conf.netns,
		    "nft", a.conf.nft, "usage_interval_s",
		    a.conf.usage_interval_s, "drift_interval_s",
		    a.conf.drift_interval_s, "services", a.conf.services,
		    "services_addr", a.conf.services_addr);

		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(j);
		return 0;
	}
	if (load_identity(&a) == -1) {
		if (a.conf.join_url[0] == '\0') {
			log_warnx("not joined to a cluster: run `hostfleet node "
			    "join MASTER TOKEN` or give join_url and "
			    "join_token");
			return 1;
		}
		if (join_in_child(&a.conf) == -1 || load_identity(&a) == -1)
			return 1;
	}
	cert_recover(&a.conf);
	if (read_files(&a.conf, &cert, &key, &ca) == -1) {
		log_warn("cannot read the node's certificate in \"%s\"",
		    a.conf.state_dir);
		free(cert);
		free(key);
		free(ca);
		return 1;
	}
	if (mkdirs(a.conf.root, 0755) == -1) {
		log_warn("host root \"%s\"", a.conf.root);
		free(cert);
		free(key);
		free(ca);
		return 1;
	}
	/* the root stands in the services' files: absolute, and the same
	 * whatever directory the node was started from */
	{
		char abs[PATH_MAX];

		if (realpath(a.conf.root, abs) == NULL ||
		    strlen(abs) >= sizeof(a.conf.root)) {
			log_warn("host root \"%s\"", a.conf.root);
			free(cert);
			free(key);
			free(ca);
			return 1;
		}
		strlcpy_hf(a.conf.root, abs, sizeof(a.conf.root));
	}
	/* the network process: forked before any thread, and before the
	 * store is open, so that it inherits neither; the credentials go
	 * with it and leave this process */
	netpid = netproc_start(&a.conf, cert, key, ca, &chan, &port);
	explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
	free(ca);
	if (netpid == -1)
		return 1;
	sysinfo_machine_id(&a.conf, a.machine_id);
	a.started = mono_ms();
	{
		char path[NODE_PATH_MAX];
		size_t i;

		snprintf(path, sizeof(path), "%s/node.db", a.conf.state_dir);
		if ((a.st = nstore_open(path, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			netproc_stop(netpid);
			close(chan);
			return 1;
		}
		for (i = 0; i < nitems(a.types); i++) {
			pthread_mutex_init(&a.types[i].mtx, NULL);
			pthread_mutex_init(&a.types[i].cmtx, NULL);
		}
	}
	tpl_load(&a);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	hello_spawn(&a);
	usage_start(&a);
	parent_start(&a, chan);
	log_info("node %lld \"%s\" listening on %s port %d, root %s, "
	    "network process %ld", (long long)a.node_id, a.name, a.conf.addr,
	    port, a.conf.root, (long)netpid);
	if (pthread_create(&a.start_thr, NULL, start_main, &a) != 0)
		fatal("pthread_create");
	cert_start(&a);

	sigwait(&set, &sig);
	log_info("node: stopping on signal %d", sig);
	cert_stop(&a);
	parent_stop(&a, netpid);
	pthread_join(a.start_thr, NULL);
	svcctl_stop_all(&a);
	drift_stop(&a);
	udata_stop(&a);
	usage_stop(&a);
	nstore_close(a.st);
	json_decref(a.tpl);
	return a.net_lost ? 1 : 0;
}
