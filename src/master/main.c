/* main.c - `hostfleet master`: start-up, configuration and shutdown. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/privsep.h"
#include "../common/suffix.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"
#include "repo.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hostfleet master [-nv] [-c config.json] [-s state_dir] "
	    "[-l listen_addr] [-p port] [--plain-http]\n");
	exit(2);
}

static void
conf_defaults(struct master_conf *c)
{
	memset(c, 0, sizeof(*c));
	strlcpy_hf(c->state_dir, "/var/lib/hostfleet/master",
	    sizeof(c->state_dir));
	strlcpy_hf(c->listen, "0.0.0.0", sizeof(c->listen));
	c->port = 1500;
	c->session_idle_s = 3600;
	c->login_free_failures = 5;
	c->node_cert_lifetime_s = NODE_CERT_LIFETIME_DEF;
	c->uid_min = STORE_UID_MIN_DEF;
}

/*
 * Reads a JSON configuration file over the defaults.  Unknown keys are an
 * error, so that a typo does not silently keep a default.
 */
static int
conf_load(struct master_conf *c, const char *path)
{
	json_error_t jerr;
	json_t *j, *v;
	const char *k;
	char err[VALID_ERR_MAX];

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
		else if (strcmp(k, "listen") == 0 && json_is_string(v))
			strlcpy_hf(c->listen, json_string_value(v),
			    sizeof(c->listen));
		else if (strcmp(k, "port") == 0 && json_is_integer(v))
			c->port = (int)json_integer_value(v);
		else if (strcmp(k, "plain_http") == 0 && json_is_boolean(v))
			c->plain_http = json_is_true(v);
		else if (strcmp(k, "admin_password") == 0 && json_is_string(v))
			strlcpy_hf(c->admin_password, json_string_value(v),
			    sizeof(c->admin_password));
		else if (strcmp(k, "session_idle_s") == 0 && json_is_integer(v))
			c->session_idle_s = json_integer_value(v);
		else if (strcmp(k, "login_free_failures") == 0 &&
		    json_is_integer(v))
			c->login_free_failures = (int)json_integer_value(v);
		else if (strcmp(k, "node_cert_lifetime_s") == 0 &&
		    json_is_integer(v))
			c->node_cert_lifetime_s = json_integer_value(v);
		else if (strcmp(k, "uid_min") == 0 && json_is_integer(v))
			c->uid_min = json_integer_value(v);
		else if (strcmp(k, "verbose") == 0 && json_is_boolean(v))
			c->verbose = json_is_true(v);
		else {
			valid_quote(k, err, sizeof(err));
			log_warnx("config \"%s\": unknown key or wrong type: "
			    "\"%s\"", path, err);
			json_decref(j);
			return -1;
		}
	}
	json_decref(j);
	return 0;
}

/* Checks the whole configuration; 0 or -1 with a message logged. */
static int
conf_check(const struct master_conf *c)
{
	char err[VALID_ERR_MAX];

	if (valid_ip("listen", c->listen, NULL, err) == -1) {
		log_warnx("config: %s", err);
		return -1;
	}
	if (c->port < 1 || c->port > 65535) {
		log_warnx("config: port %d: out of range 1..65535", c->port);
		return -1;
	}
	if (c->plain_http && strncmp(c->listen, "127.", 4) != 0 &&
	    strcmp(c->listen, "::1") != 0) {
		log_warnx("config: plain_http is allowed only on a loopback "
		    "address, not on %s", c->listen);
		return -1;
	}
	if (c->session_idle_s < 1 || c->session_idle_s > 86400 * 30) {
		log_warnx("config: session_idle_s: out of range 1..2592000");
		return -1;
	}
	if (c->admin_password[0] &&
	    valid_password("admin_password", c->admin_password, err) == -1) {
		log_warnx("config: %s", err);
		return -1;
	}
	if (c->login_free_failures < 1 || c->login_free_failures > 1000) {
		log_warnx("config: login_free_failures: out of range 1..1000");
		return -1;
	}
	if (c->node_cert_lifetime_s < NODE_CERT_LIFETIME_MIN ||
	    c->node_cert_lifetime_s > NODE_CERT_LIFETIME_MAX) {
		log_warnx("config: node_cert_lifetime_s: out of range "
		    "%d..%" PRId64, NODE_CERT_LIFETIME_MIN,
		    NODE_CERT_LIFETIME_MAX);
		return -1;
	}
	if (c->uid_min < STORE_UID_MIN_MIN || c->uid_min > STORE_UID_MIN_MAX) {
		log_warnx("config: uid_min: out of range %d..%d",
		    STORE_UID_MIN_MIN, STORE_UID_MIN_MAX);
		return -1;
	}
	return 0;
}

static void
conf_print(const struct master_conf *c)
{
	json_t *j = json_pack("{s:s,s:s,s:i,s:b,s:I,s:i,s:I,s:I,s:b}",
	    "state_dir", c->state_dir, "listen", c->listen, "port", c->port,
	    "plain_http", c->plain_http, "session_idle_s",
	    (json_int_t)c->session_idle_s, "login_free_failures",
	    c->login_free_failures, "node_cert_lifetime_s",
	    (json_int_t)c->node_cert_lifetime_s, "uid_min",
	    (json_int_t)c->uid_min, "verbose", c->verbose);

	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', stdout);
	json_decref(j);
}

/* Issues cert/key files signed by the CA unless they exist. */
static int
ensure_cert(struct master *m, const char *base, const char *cn,
    const char *const *ips, const char *const *dns, int usage)
{
	char cpath[600], kpath[600], err[256];
	char *cert = NULL, *key = NULL;
	struct stat st;

	snprintf(cpath, sizeof(cpath), "%s/%s.pem", m->conf.state_dir, base);
	snprintf(kpath, sizeof(kpath), "%s/%s.key", m->conf.state_dir, base);
	if (stat(cpath, &st) == 0 && stat(kpath, &st) == 0)
		return 0;
	if (tls_ca_issue(m->ca, cn, ips, dns, usage, 3650L * 86400, NULL,
	    &cert, &key, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (file_write_atomic(kpath, key, strlen(key), 0600) == -1 ||
	    file_write_atomic(cpath, cert, strlen(cert), 0644) == -1) {
		log_warn("cannot write \"%s\"", cpath);
		free(cert);
		free(key);
		return -1;
	}
	free(cert);
	free(key);
	return 0;
}

/* Creates the admin account at first start. */
static int
ensure_admin(struct master *m)
{
	char pw[257], hash[160];
	int n;

	if (store_user_count(m->st, "admin", &n) == -1)
		return -1;
	if (n > 0)
		return 0;
	if (m->conf.admin_password[0])
		strlcpy_hf(pw, m->conf.admin_password, sizeof(pw));
	else
		rand_hex(pw, 12);
	if (auth_hash_password(pw, hash) == -1 ||
	    store_user_add(m->st, "admin", "admin", hash, NULL) != 0)
		return -1;
	if (!m->conf.admin_password[0]) {
		printf("hostfleet: created account \"admin\" with password "
		    "%s (shown once)\n", pw);
		fflush(stdout);
	}
	log_info("created the admin account");
	return 0;
}

/*
 * Started as root, the master becomes its own system user,
 * PRIV_USER_MASTER (privsep.h), before it opens anything: its state dir,
 * made if need be, is given to that user with everything in it (files a
 * tool run as root left there too), and root cannot be taken back.  The
 * port must then be one an unprivileged process may bind (1500 is).
 * 0, or -1 (logged).
 */
static int
master_drop(const struct master_conf *c)
{
	char err[256];
	uid_t uid;
	gid_t gid;

	if (priv_user(PRIV_USER_MASTER, &uid, &gid, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	/* parents others may pass through, the state dir the user's alone */
	if (mkdirs(c->state_dir, 0755) == -1 || chmod(c->state_dir, 0700) ==
	    -1) {
		log_warn("state dir \"%s\"", c->state_dir);
		return -1;
	}
	if (priv_chown_tree(c->state_dir, uid, gid, err, sizeof(err)) == -1 ||
	    priv_drop(uid, gid, NULL, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (access(c->state_dir, R_OK | W_OK | X_OK) == -1) {
		log_warn("state dir \"%s\" as user \"%s\"", c->state_dir,
		    PRIV_USER_MASTER);
		return -1;
	}
	log_info("master: running as user \"%s\" (uid %ld)",
	    PRIV_USER_MASTER, (long)uid);
	return 0;
}

static int
master_start(struct master *m)
{
	struct httpd_conf hc;
	struct httpc_tls tls;
	char path[600], err[256], key[65], *cert_pem, *key_pem;
	const char *url_host;
	const char *ips[4] = { NULL, NULL, NULL, NULL };
	const char *dns[] = { "localhost", NULL };
	int ni = 0;

	if (mkdirs(m->conf.state_dir, 0700) == -1) {
		log_warn("state dir \"%s\"", m->conf.state_dir);
		return -1;
	}
	if ((m->ca = tls_ca_open(m->conf.state_dir, err, sizeof(err))) ==
	    NULL) {
		log_warnx("%s", err);
		return -1;
	}
	ips[ni++] = "127.0.0.1";
	if (strcmp(m->conf.listen, "0.0.0.0") != 0 &&
	    strcmp(m->conf.listen, "127.0.0.1") != 0 &&
	    strcmp(m->conf.listen, "::") != 0)
		ips[ni++] = m->conf.listen;
	if (ensure_cert(m, "api", "hostfleet-api", ips, dns,
	    TLS_USAGE_SERVER) == -1 ||
	    ensure_cert(m, "master", TLS_MASTER_CN, NULL, NULL,
	    TLS_USAGE_CLIENT) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/master.db", m->conf.state_dir);
	if ((m->st = store_open(path, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	store_set_uid_min(m->st, m->conf.uid_min);
	if (ensure_admin(m) == -1) {
		log_warnx("cannot create the admin account");
		return -1;
	}
	if (sysdata_seed(m) == -1) {
		log_warnx("cannot write the default software list");
		return -1;
	}
	/* without the list no new zone, site or mail domain can be told
	 * from a public suffix: the master runs, and refuses them
	 * (suffix_check) until it is restarted with one */
	if (suffix_load(NULL, err, sizeof(err)) == -1)
		log_warnx("%s: no DNS domain, web domain, alias or mail domain "
		    "can be created", err);

	/* the apt repository of the nodes' package (§3.1): its key made at
	 * the first start; without gpg or apt-ftparchive the master runs
	 * and serves no repository */
	{
		char fpr[REPO_FPR_LEN];

		if (repo_init(m->conf.state_dir, fpr, err, sizeof(err)) == -1)
			log_warnx("repo: %s: no apt repository served", err);
		else
			log_info("repo: apt repository key %s", fpr);
	}

	/* the SSH key nodes are enrolled with (made once) and the host
	 * keys seen */
	if (enroll_init(m, err, sizeof(err)) == -1) {
		log_warnx("ssh: %s", err);
		return -1;
	}

	/* The key of `hostfleet call` on this machine, new at every start. */
	rand_hex(key, 32);
	secret_hash(key, m->local_key_hash);
	snprintf(path, sizeof(path), "%s/local.key", m->conf.state_dir);
	if (file_write_atomic(path, key, strlen(key), 0600) == -1) {
		log_warn("\"%s\"", path);
		return -1;
	}

	snprintf(m->ca_path, sizeof(m->ca_path), "%s/ca.pem",
	    m->conf.state_dir);
	snprintf(m->cert_path, sizeof(m->cert_path), "%s/master.pem",
	    m->conf.state_dir);
	snprintf(m->key_path, sizeof(m->key_path), "%s/master.key",
	    m->conf.state_dir);
	memset(&tls, 0, sizeof(tls));
	tls.cafile = m->ca_path;
	tls.certfile = m->cert_path;
	tls.keyfile = m->key_path;
	m->nodes = httpc_new(&tls);
	m->sessions = mcache_new();
	m->routes = mcache_new();

	{
		int n;
		size_t i;

		/*
		 * Everything the API's handlers use is ready before it
		 * serves: the locks, and the state after a stop (§3.6: a
		 * query the master died in marks its targets, and no caller
		 * sees the state from before that).
		 */
		test_pause("HOSTFLEET_TEST_RECOVER_DELAY_MS");
		if (store_intent_recover(m->st, wall_s(), &n) == -1)
			return -1;
		if (n > 0)
			log_warnx("recovered %d distributed queries left by a "
			    "stop; their targets will be synchronised", n);
		for (i = 0; i < nitems(m->type_mtx); i++)
			pthread_mutex_init(&m->type_mtx[i], NULL);
	}
	pthread_mutex_init(&m->wake_mtx, NULL);
	pthread_cond_init(&m->wake, NULL);
	pthread_mutex_init(&m->sync_mtx, NULL);
	pthread_cond_init(&m->sync_wake, NULL);
	snprintf(path, sizeof(path), "%s/api.pem", m->conf.state_dir);
	cert_pem = file_read(path, 65536, NULL);
	snprintf(path, sizeof(path), "%s/api.key", m->conf.state_dir);
	key_pem = file_read(path, 65536, NULL);
	if (cert_pem == NULL || key_pem == NULL ||
	    tls_spki_pin(cert_pem, m->api_pin, sizeof(m->api_pin)) == -1) {
		log_warnx("cannot read the API certificate");
		free(cert_pem);
		free(key_pem);
		return -1;
	}
	memset(&hc, 0, sizeof(hc));
	hc.addr = m->conf.listen;
	hc.port = m->conf.port;
	if (!m->conf.plain_http) {
		hc.cert_pem = cert_pem;
		hc.key_pem = key_pem;
		/* a node's client certificate, optional: nodecert.c checks
		 * it on the calls that need one */
		hc.trust_pem = tls_ca_pem(m->ca);
	}
	hc.max_body = 4u << 20;
	hc.handler = api_serve;
	hc.arg = m;
	m->api = httpd_start(&hc, err, sizeof(err));
	free(cert_pem);
	free(key_pem);
	if (m->api == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	url_host = strcmp(m->conf.listen, "0.0.0.0") == 0 ? "127.0.0.1" :
	    strcmp(m->conf.listen, "::") == 0 ? "::1" : m->conf.listen;
	snprintf(m->api_url, sizeof(m->api_url), "%s://%s%s%s:%d",
	    m->conf.plain_http ? "http" : "https",
	    strchr(url_host, ':') ? "[" : "", url_host,
	    strchr(url_host, ':') ? "]" : "", httpd_port(m->api));
	snprintf(path, sizeof(path), "%s/api.url", m->conf.state_dir);
	if (file_write_atomic(path, m->api_url, strlen(m->api_url), 0644) ==
	    -1) {
		log_warn("\"%s\"", path);
		return -1;
	}
	if (pthread_create(&m->stats_thr, NULL, stats_loop, m) != 0 ||
	    pthread_create(&m->sync_thr, NULL, sync_loop, m) != 0 ||
	    pthread_create(&m->urec_thr, NULL, ud_reconcile_loop, m) != 0)
		fatal("pthread_create");
	log_info("master: API at %s/ispmgr, state in %s", m->api_url,
	    m->conf.state_dir);
	return 0;
}

static void
master_stop(struct master *m)
{
	httpd_stop(m->api);
	m->stop = 1;
	stats_wake(m);
	sync_wake(m);
	pthread_join(m->stats_thr, NULL);
	pthread_join(m->sync_thr, NULL);
	pthread_join(m->urec_thr, NULL);
	enroll_stop(m);
	httpc_free(m->nodes);
	mcache_free(m->sessions);
	mcache_free(m->routes);
	store_close(m->st);
	tls_ca_free(m->ca);
	suffix_free();
}

int
master_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "plain-http", no_argument, NULL, 'P' },
		{ "check", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct master m;
	sigset_t set;
	int ch, sig, check = 0;
	char *cfg = NULL;
	const char *envpw;

	memset(&m, 0, sizeof(m));
	conf_defaults(&m.conf);
	/* The config file first, then the flags over it. */
	for (ch = 1; ch < argc - 1; ch++)
		if (strcmp(argv[ch], "-c") == 0 ||
		    strcmp(argv[ch], "--config") == 0)
			cfg = argv[ch + 1];
	if (cfg && conf_load(&m.conf, cfg) == -1)
		return 1;
	while ((ch = getopt_long(argc, argv, "c:s:l:p:nv", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			break;
		case 's':
			strlcpy_hf(m.conf.state_dir, optarg,
			    sizeof(m.conf.state_dir));
			break;
		case 'l':
			strlcpy_hf(m.conf.listen, optarg,
			    sizeof(m.conf.listen));
			break;
		case 'p':
			m.conf.port = atoi(optarg);
			break;
		case 'P':
			m.conf.plain_http = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			m.conf.verbose = 1;
			break;
		default:
			usage();
		}
	}
	if ((envpw = getenv("HOSTFLEET_ADMIN_PASSWORD")) != NULL &&
	    m.conf.admin_password[0] == '\0')
		strlcpy_hf(m.conf.admin_password, envpw,
		    sizeof(m.conf.admin_password));
	log_init("master", m.conf.verbose);
	if (conf_check(&m.conf) == -1)
		return 1;
	if (check) {
		conf_print(&m.conf);
		return 0;
	}
	if (geteuid() == 0 && master_drop(&m.conf) == -1)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (master_start(&m) == -1)
		return 1;
	sigwait(&set, &sig);
	log_info("master: stopping on signal %d", sig);
	master_stop(&m);
	return 0;
}
