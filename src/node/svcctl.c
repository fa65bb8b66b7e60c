/* svcctl.c - the services a node runs for its roles (svcctl.h).
 *
 * One row per service (nginx's ngx_module_t, a table that behaviour
 * reads): its role, its program, its main configuration and pid file under
 * the host root R, the systemd unit, the base configuration the node
 * writes when R has none (direct mode), how its generated files are wired
 * in, and how a reload is confirmed:
 *
 *   nginx    HUP; confirmed when the master has a worker that was not there
 *            before and every old worker is gone or shutting down (new
 *            workers exist only once the new configuration loaded)
 *   php-fpm  USR2; confirmed when every pool's socket accepts
 *   named    rndc reconfig / rndc reload ZONE; confirmed when
 *            `rndc zonestatus` gives each zone's new serial
 *   postfix  `postfix reload`; maps are hash tables that its daemons check
 *            before each connection, so map changes need none
 *   dovecot  HUP; the passwd-file of users is read again when it changes
 */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sbuf.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "backend.h"
#include "node.h"
#include "svcctl.h"

#define START_TIMEOUT_MS	20000
#define RELOAD_TIMEOUT_MS	10000
#define CMD_TIMEOUT_MS		30000
#define MARK			"hostfleet: wired by the node agent; "\
				"removed with the role"

struct unit_def {
	const char	*name;
	const char	*role;
	const char	*binary;
	const char	*conf;		/* main configuration, under R */
	const char	*pid;		/* pid file, under R */
	const char	*sdunit;	/* systemd */
	const char	*comment;	/* comment leader of conf */
	const char	*comm;		/* its main process's name */
};

static const struct unit_def units[U_N] = {
	{ "nginx", "web", "/usr/sbin/nginx", "etc/nginx/nginx.conf",
	  "run/nginx.pid", "nginx", "#", "nginx" },
	{ "php-fpm", "web", "/usr/sbin/php-fpm" PHP_VERSION,
	  "etc/php/" PHP_VERSION "/fpm/php-fpm.conf",
	  "run/php/php" PHP_VERSION "-fpm.pid", "php" PHP_VERSION "-fpm", ";",
	  "php-fpm" PHP_VERSION },
	{ "named", "dns", "/usr/sbin/named", "etc/bind/named.conf",
	  "run/named/named.pid", "named", "//", "named" },
	{ "postfix", "mail", "/usr/sbin/postfix", "etc/postfix/main.cf",
	  "var/spool/postfix/pid/master.pid", "postfix", "#", "master" },
	{ "dovecot", "mail", "/usr/sbin/dovecot", "etc/dovecot/dovecot.conf",
	  "run/dovecot/master.pid", "dovecot", "#", "dovecot" },
};

static const char *const roles_all[] = { "web", "dns", "mail" };

/* The state of the roles' set-up, shared by the threads. */
static pthread_mutex_t	 sc_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 sc_cv = PTHREAD_COND_INITIALIZER;
static char		 sc_roles[64];		/* as last given */
static int		 sc_setup[3];		/* 1 done, -1 failed */
static char		 sc_err[3][512];
static int		 sc_busy;		/* a set-up thread runs */
static int		 sc_again;		/* roles changed meanwhile */
/* reloads made of each unit since the agent started */
static int64_t		 reloads[U_N];
/* one start, stop or reload of a unit at a time */
static pthread_mutex_t	 unit_mtx[U_N] = { PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
    PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER };

const char *
unit_name(enum unit u)
{
	return units[u].name;
}

const char *
unit_role(enum unit u)
{
	return units[u].role;
}

int
unit_by_name(const char *name)
{
	int u;

	for (u = 0; u < U_N; u++)
		if (name && strcmp(units[u].name, name) == 0)
			return u;
	return -1;
}

static int
role_index(const char *role)
{
	size_t i;

	for (i = 0; i < nitems(roles_all); i++)
		if (strcmp(roles_all[i], role) == 0)
			return (int)i;
	return -1;
}

/* R without its trailing '/': "" for the root of the machine. */
static const char *
R(const struct node_agent *a)
{
	return strcmp(a->conf.root, "/") == 0 ? "" : a->conf.root;
}

static void
rpath(const struct node_agent *a, const char *rel, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", R(a), rel);
}

static int
systemd_mode(const struct node_agent *a)
{
	struct stat sb;

	return R(a)[0] == '\0' && stat("/run/systemd/system", &sb) == 0 &&
	    S_ISDIR(sb.st_mode);
}

long
svcctl_web_gid(void)
{
	char buf[1024];
	struct group g, *gp = NULL;

	if (getgrnam_r("www-data", &g, buf, sizeof(buf), &gp) != 0 ||
	    gp == NULL)
		return -1;
	return (long)gp->gr_gid;
}

long
svcctl_group(const char *group)
{
	char buf[1024];
	struct group g, *gp = NULL;

	if (getgrnam_r(group, &g, buf, sizeof(buf), &gp) != 0 || gp == NULL)
		return -1;
	return (long)gp->gr_gid;
}

/* Whether process pid is called name: a pid file a service left behind
 * (Postfix keeps its own) may name a pid the system gave to another. */
static int
is_comm(pid_t pid, const char *name)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, name) == 0;
}

/* The pid the pid file of u names when that process lives, else 0. */
static pid_t
unit_pid(const struct node_agent *a, enum unit u)
{
	char path[PATH_MAX], *s;
	long pid;

	rpath(a, units[u].pid, path, sizeof(path));
	if ((s = file_read(path, 64, NULL)) == NULL)
		return 0;
	pid = strtol(s, NULL, 10);
	free(s);
	if (pid <= 1 || kill((pid_t)pid, 0) == -1 || !is_comm((pid_t)pid,
	    units[u].comm))
		return 0;
	return (pid_t)pid;
}

const char *
svcctl_state(struct node_agent *a, enum unit u)
{
	if (unit_pid(a, u) > 0)
		return "running";
	return access(units[u].binary, X_OK) == 0 ? "stopped" : "absent";
}

/* ---- commands ---- */

static int
run(char *const argv[], char *err, size_t errlen)
{
	char out[1024];
	int rc = run_cmd(argv, CMD_TIMEOUT_MS, out, sizeof(out));

	if (rc != 0) {
		snprintf(err, errlen, "%s: %s", argv[0], out[0] ? out :
		    "failed");
		return -1;
	}
	return 0;
}

/* The arguments that point named's control tool at this node's named. */
static int
rndc_argv(const struct node_agent *a, char **argv, char *key, size_t keylen)
{
	int n = 0;

	argv[n++] = "rndc";
	if (R(a)[0]) {
		rpath(a, "etc/bind/rndc.key", key, keylen);
		argv[n++] = "-k";
		argv[n++] = key;
		argv[n++] = "-s";
		argv[n++] = (char *)(a->conf.services_addr[0] ?
		    a->conf.services_addr : "127.0.0.1");
		argv[n++] = "-p";
		argv[n++] = "953";
	}
	return n;
}

/* ---- base configurations, written when R has none ---- */

static int
base_nginx(const struct node_agent *a, struct sbuf *b)
{
	const char *r = R(a), *ad = a->conf.services_addr;

	return sbuf_printf(b,
	    "# hostfleet: the nginx of this node, written by the node agent "
	    "because\n# the host root had none; yours to change\n"
	    "user www-data;\nworker_processes 1;\npid %s/run/nginx.pid;\n"
	    "error_log %s/var/log/nginx/error.log;\n"
	    "events {\n\tworker_connections 768;\n}\n"
	    "http {\n"
	    "\tinclude /etc/nginx/mime.types;\n"
	    "\tdefault_type application/octet-stream;\n"
	    "\tsendfile on;\n\tserver_tokens off;\n"
	    "\taccess_log %s/var/log/nginx/access.log;\n"
	    "\tclient_body_temp_path %s/var/lib/nginx/body;\n"
	    "\tproxy_temp_path %s/var/lib/nginx/proxy;\n"
	    "\tfastcgi_temp_path %s/var/lib/nginx/fastcgi;\n"
	    "\tuwsgi_temp_path %s/var/lib/nginx/uwsgi;\n"
	    "\tscgi_temp_path %s/var/lib/nginx/scgi;\n"
	    "\t# a name no site has gets nothing\n"
	    "\tserver {\n\t\tlisten %s%s80 default_server;\n"
	    "\t\treturn 444;\n\t}\n"
	    "}\n", r, r, r, r, r, r, r, r, ad, ad[0] ? ":" : "");
}

static int
base_phpfpm(const struct node_agent *a, struct sbuf *b)
{
	const char *r = R(a);

	return sbuf_printf(b,
	    "; hostfleet: the PHP-FPM of this node, written by the node agent "
	    "because\n; the host root had none; yours to change\n"
	    "[global]\npid = %s/run/php/php" PHP_VERSION "-fpm.pid\n"
	    "error_log = %s/var/log/php" PHP_VERSION "-fpm.log\n"
	    "daemonize = yes\n\n"
	    "; a pool of nobody's, so that the master always has one\n"
	    "[www]\nuser = www-data\ngroup = www-data\n"
	    "listen = %s/run/php/php" PHP_VERSION "-fpm.sock\n"
	    "listen.owner = www-data\nlisten.group = www-data\n"
	    "pm = ondemand\npm.max_children = 2\n\n", r, r, r);
}

static int
base_named(const struct node_agent *a, struct sbuf *b)
{
	const char *r = R(a), *ad = a->conf.services_addr;
	const char *ctl = ad[0] ? ad : "127.0.0.1";

	return sbuf_printf(b,
	    "// hostfleet: the named of this node, written by the node agent "
	    "because\n// the host root had none; yours to change\n"
	    "options {\n\tdirectory \"%s/var/cache/bind\";\n"
	    "\tpid-file \"%s/run/named/named.pid\";\n"
	    "\tsession-keyfile \"%s/run/named/session.key\";\n"
	    "\tmanaged-keys-directory \"%s/var/cache/bind\";\n"
	    "\tlisten-on { %s; };\n\tlisten-on-v6 { %s; };\n"
	    "\trecursion no;\n\tallow-transfer { none; };\n"
	    "\tdnssec-validation no;\n};\n"
	    "include \"%s/etc/bind/rndc.key\";\n"
	    /* rndc on this machine connects from 127.0.0.1 */
	    "controls {\n\tinet %s port 953 allow { 127.0.0.1; %s; } keys { "
	    "\"rndc-key\"; };\n};\n", r, r, r, r, ad[0] ? ad : "any",
	    ad[0] ? "none" : "any", r, ctl, ctl);
}

static int
base_postfix(const struct node_agent *a, struct sbuf *b)
{
	const char *r = R(a), *ad = a->conf.services_addr;
	char host[256];

	sysinfo_hostname(&a->conf, host);
	return sbuf_printf(b,
	    "# hostfleet: the Postfix of this node, written by the node agent "
	    "because\n# the host root had none; yours to change\n"
	    "compatibility_level = 3.6\n"
	    "queue_directory = %s/var/spool/postfix\n"
	    "data_directory = %s/var/lib/postfix\n"
	    "myhostname = %s\nmydestination =\n"
	    /* Postfix takes only addresses an interface has as a whole
	     * (127.0.0.2 is not one): master.cf names the address */
	    "inet_interfaces = all\ninet_protocols = %s\n"
	    "mynetworks = 127.0.0.1/32\nbiff = no\n"
	    "alias_maps =\nalias_database =\n"
	    "local_transport = error:no local delivery on this node\n"
	    "maillog_file_prefixes = /var, /dev/stdout, %s/var/log\n"
	    "maillog_file = %s/var/log/mail.log\n", r, r, host,
	    ad[0] && !strchr(ad, ':') ? "ipv4" : "all", r, r);
}

/* Postfix's services, none chrooted: its queue is under R. */
static int
base_postfix_master(const struct node_agent *a, struct sbuf *b)
{
	const char *ad = a->conf.services_addr;

	if (sbuf_printf(b, "# hostfleet: written by the node agent because "
	    "the host root had none\n"
	    "%s%s%ssmtp inet  n       -       n       -       -       smtpd\n",
	    strchr(ad, ':') ? "[" : "", ad, ad[0] ? (strchr(ad, ':') ? "]:" :
	    ":") : "") == -1)
		return -1;
	return sbuf_adds(b,
	    "pickup    unix  n       -       n       60      1       pickup\n"
	    "cleanup   unix  n       -       n       -       0       cleanup\n"
	    "qmgr      unix  n       -       n       300     1       qmgr\n"
	    "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n"
	    "rewrite   unix  -       -       n       -       -       trivial-rewrite\n"
	    "bounce    unix  -       -       n       -       0       bounce\n"
	    "defer     unix  -       -       n       -       0       bounce\n"
	    "trace     unix  -       -       n       -       0       bounce\n"
	    "verify    unix  -       -       n       -       1       verify\n"
	    "flush     unix  n       -       n       1000?   0       flush\n"
	    "proxymap  unix  -       -       n       -       -       proxymap\n"
	    "proxywrite unix -       -       n       -       1       proxymap\n"
	    "smtp      unix  -       -       n       -       -       smtp\n"
	    "relay     unix  -       -       n       -       -       smtp\n"
	    "showq     unix  n       -       n       -       -       showq\n"
	    "error     unix  -       -       n       -       -       error\n"
	    "retry     unix  -       -       n       -       -       error\n"
	    "discard   unix  -       -       n       -       -       discard\n"
	    "local     unix  -       n       n       -       -       local\n"
	    "virtual   unix  -       n       n       -       -       virtual\n"
	    "lmtp      unix  -       -       n       -       -       lmtp\n"
	    "anvil     unix  -       -       n       -       1       anvil\n"
	    "scache    unix  -       -       n       -       1       scache\n"
	    "postlog   unix-dgram n  -       n       -       1       postlogd\n")
	    == -1 ? -1 : 0;
}

static int
base_dovecot(const struct node_agent *a, struct sbuf *b)
{
	const char *r = R(a), *ad = a->conf.services_addr;

	return sbuf_printf(b,
	    "# hostfleet: the Dovecot of this node, written by the node agent "
	    "because\n# the host root had none; yours to change\n"
	    "base_dir = %s/run/dovecot\nstate_dir = %s/var/lib/dovecot\n"
	    "log_path = %s/var/log/dovecot.log\n"
	    "listen = %s\nprotocols = imap lmtp\n"
	    "ssl = no\ndisable_plaintext_auth = no\n"
	    "auth_mechanisms = plain login\nfirst_valid_uid = 1000\n"
	    "service imap-login {\n  inet_listener imaps {\n    port = 0\n"
	    "  }\n}\n",
	    r, r, r, ad[0] ? ad : "*, ::");
}

/* Writes the base configuration of u when R has none, with the
 * directories it names.  0 or -1. */
static int
ensure_base(struct node_agent *a, enum unit u, char *err, size_t errlen)
{
	static const char *const dirs[U_N][6] = {
		{ "run", "var/log/nginx", "var/lib/nginx", NULL },
		{ "run/php", "var/log", NULL },
		{ "run/named", "var/cache/bind", "var/log", NULL },
		{ "var/spool/postfix", "var/lib/postfix", "var/log", NULL },
		{ "run/dovecot", "var/lib/dovecot", "var/log", NULL },
	};
	char path[PATH_MAX];
	struct sbuf b;
	struct stat sb;
	size_t i;
	int rc = 0;

	for (i = 0; dirs[u][i]; i++) {
		rpath(a, dirs[u][i], path, sizeof(path));
		if (mkdirs(path, 0755) == -1) {
			snprintf(err, errlen, "%s: cannot make \"%s\": %s",
			    units[u].name, path, strerror(errno));
			return -1;
		}
	}
	if (u == U_NAMED) {
		long g = svcctl_group("bind");
		char key[PATH_MAX];

		/* named, as bind, writes its pid, session key and cache */
		for (i = 0; i < 2; i++) {
			rpath(a, dirs[u][i], path, sizeof(path));
			if (g != -1 && (chown(path, 0, (gid_t)g) == -1 ||
			    chmod(path, 0775) == -1)) {
				snprintf(err, errlen, "%s: %s", path,
				    strerror(errno));
				return -1;
			}
		}
		rpath(a, "etc/bind/rndc.key", key, sizeof(key));
		if (R(a)[0] && stat(key, &sb) == -1) {
			char *argv[] = { "rndc-confgen", "-a", "-c", key, NULL };

			rpath(a, "etc/bind", path, sizeof(path));
			if (mkdirs(path, 0755) == -1 || run(argv, err,
			    errlen) == -1)
				return -1;
			if (g != -1 && (chown(key, 0, (gid_t)g) == -1 ||
			    chmod(key, 0640) == -1)) {
				snprintf(err, errlen, "%s: %s", key,
				    strerror(errno));
				return -1;
			}
		}
	}
	if (u == U_POSTFIX) {
		char buf[1024];
		struct passwd pw, *pp = NULL;

		/* Postfix keeps its lock and caches there, as postfix */
		rpath(a, "var/lib/postfix", path, sizeof(path));
		if (getpwnam_r("postfix", &pw, buf, sizeof(buf), &pp) == 0 &&
		    pp != NULL && chown(path, pp->pw_uid, pp->pw_gid) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	rpath(a, units[u].conf, path, sizeof(path));
	if (stat(path, &sb) == 0)
		return 0;
	sbuf_init(&b, 1u << 16);
	switch (u) {
	case U_NGINX:
		rc = base_nginx(a, &b);
		break;
	case U_PHPFPM:
		rc = base_phpfpm(a, &b);
		break;
	case U_NAMED:
		rc = base_named(a, &b);
		break;
	case U_POSTFIX:
		rc = base_postfix(a, &b);
		break;
	default:
		rc = base_dovecot(a, &b);
		break;
	}
	if (rc != -1) {
		char dir[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", path);
		*strrchr(dir, '/') = '\0';
		rc = mkdirs(dir, 0755) == -1 || file_write_atomic(path,
		    sbuf_str(&b), b.len, 0644) == -1 ? -1 : 0;
	}
	if (rc == 0 && u == U_POSTFIX) {
		rpath(a, "etc/postfix/master.cf", path, sizeof(path));
		sbuf_reset(&b);
		if (stat(path, &sb) == -1 && (base_postfix_master(a, &b) ==
		    -1 || file_write_atomic(path, sbuf_str(&b), b.len,
		    0644) == -1))
			rc = -1;
	}
	sbuf_release(&b);
	if (rc == -1)
		snprintf(err, errlen, "%s: cannot write \"%s\": %s",
		    units[u].name, path, strerror(errno));
	else
		log_info("%s: wrote the base configuration \"%s\"",
		    units[u].name, path);
	return rc;
}

/* ---- wiring: one marked line in the main configuration ---- */

/*
 * Makes the file at path hold line after the marker line (comment leader
 * c), inserted after the first line that starts the block named by after
 * (for nginx "http"), or appended.  want 0 removes the pair.  Idempotent:
 * a file already right is not written.  0 or -1.
 */
static int
wire_line(const char *path, const char *c, const char *line,
    const char *after, int want, int *changed, char *err, size_t errlen)
{
	char mark[256], *s, *p, *nl;
	struct sbuf out;
	size_t len, ml;
	int placed = 0, rc;
	struct stat sb;

	*changed = 0;
	if ((s = file_read(path, 1u << 22, &len)) == NULL) {
		if (!want && errno == ENOENT)
			return 0;	/* nothing to undo */
		snprintf(err, errlen, "cannot read \"%s\": %s", path,
		    strerror(errno));
		return -1;
	}
	snprintf(mark, sizeof(mark), "%s %s", c, MARK);
	ml = strlen(mark);
	sbuf_init(&out, 1u << 23);
	for (p = s; *p; p = nl) {
		size_t n;

		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		n = (size_t)(nl - p);
		if (n >= ml && strncmp(p, mark, ml) == 0) {
			/* ours: the marker and the line after it */
			p = nl;
			nl = strchr(p, '\n');
			nl = nl ? nl + 1 : p + strlen(p);
			continue;
		}
		sbuf_add(&out, p, n);
		if (n > 0 && p[n - 1] != '\n')
			sbuf_addc(&out, '\n');
		if (want && after && !placed) {
			const char *q = p;

			while (*q == ' ' || *q == '\t')
				q++;
			if (strncmp(q, after, strlen(after)) == 0) {
				q += strlen(after);
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '{') {
					sbuf_printf(&out, "%s\n%s\n", mark,
					    line);
					placed = 1;
				}
			}
		}
	}
	if (want && !placed) {
		if (after) {
			snprintf(err, errlen, "\"%s\" has no %s {} block",
			    path, after);
			free(s);
			sbuf_release(&out);
			return -1;
		}
		sbuf_printf(&out, "%s\n%s\n", mark, line);
	}
	*changed = len != out.len || memcmp(s, sbuf_str(&out), len) != 0;
	rc = 0;
	if (*changed) {
		mode_t mode = stat(path, &sb) == 0 ? sb.st_mode & 07777 : 0644;

		rc = file_write_atomic(path, sbuf_str(&out), out.len, mode);
		if (rc == -1)
			snprintf(err, errlen, "cannot write \"%s\": %s", path,
			    strerror(errno));
		else
			log_info("%s \"%s\" in \"%s\"", want ? "wired" :
			    "unwired", line, path);
	}
	free(s);
	sbuf_release(&out);
	return rc;
}

/* The value main.cf text sets for key, its continuation lines joined by
 * one space, into out; 1, or 0 when it sets none. */
static int
maincf_value(const char *text, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key), o = 0;
	const char *p = text, *q;
	int found = 0;

	out[0] = '\0';
	for (; *p; p = *q ? q + 1 : q) {
		q = p + strcspn(p, "\n");
		if (*p == ' ' || *p == '\t') {
			/* a continuation of the setting found last */
			if (found && o + 1 < len) {
				while (p < q && (*p == ' ' || *p == '\t'))
					p++;
				o += (size_t)snprintf(out + o, len - o, " %.*s",
				    (int)(q - p), p);
			}
			continue;
		}
		if (found)
			break;
		if (strncmp(p, key, kl) != 0)
			continue;
		p += kl;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		if (p == q || *p != '=')
			continue;
		p++;
		while (p < q && (*p == ' ' || *p == '\t'))
			p++;
		o = (size_t)snprintf(out, len, "%.*s", (int)(q - p), p);
		found = 1;
	}
	/* the last setting of a key wins: look further for another */
	if (found && *p) {
		char later[PATH_MAX * 2];

		if (maincf_value(p, key, later, sizeof(later)))
			snprintf(out, len, "%s", later);
	}
	while (o > 0 && o < len && (out[o - 1] == ' ' || out[o - 1] == '\t'))
		out[--o] = '\0';
	return found;
}

/* The main.cf settings a mail node's Postfix takes from the node: every
 * line of R/etc/postfix/hostfleet/main.cf (svc_mail.c), set with postconf
 * -e.  The values they replace are kept in R/etc/postfix/hostfleet/
 * wired.json and put back when the role goes (postconf -X for a setting
 * main.cf did not have). */
static int
wire_postfix(struct node_agent *a, int want, int *changed, char *err,
    size_t errlen)
{
	char dir[PATH_MAX], frag[PATH_MAX], saved[PATH_MAX], mcf[PATH_MAX];
	char arg[PATH_MAX * 2], cur[PATH_MAX * 2];
	char *s = NULL, *main = NULL, *p, *nl;
	char *av[] = { "postconf", "-c", dir, "-e", arg, NULL };
	json_t *old = NULL, *v;
	const char *k;
	int rc = -1;

	rpath(a, "etc/postfix", dir, sizeof(dir));
	rpath(a, "etc/postfix/main.cf", mcf, sizeof(mcf));
	rpath(a, "etc/postfix/hostfleet/main.cf", frag, sizeof(frag));
	rpath(a, "etc/postfix/hostfleet/wired.json", saved, sizeof(saved));
	old = json_load_file(saved, 0, NULL);
	if (!json_is_object(old)) {
		json_decref(old);
		old = NULL;
	}
	if (!want) {
		if (old == NULL)
			return 0;
		json_object_foreach(old, k, v) {
			if (json_is_string(v)) {
				snprintf(arg, sizeof(arg), "%s=%s", k,
				    json_string_value(v));
				av[3] = "-e";
			} else {
				snprintf(arg, sizeof(arg), "%s", k);
				av[3] = "-X";
			}
			if (run(av, err, errlen) == -1)
				goto out;
		}
		unlink(saved);
		*changed = 1;
		rc = 0;
		goto out;
	}
	if ((s = file_read(frag, 1u << 16, NULL)) == NULL ||
	    (main = file_read(mcf, 1u << 22, NULL)) == NULL) {
		snprintf(err, errlen, "cannot read \"%s\": %s", s ? mcf : frag,
		    strerror(errno));
		goto out;
	}
	if (old == NULL)
		old = json_object();
	for (p = s; *p; p = nl) {
		char *eq, key[128];
		const char *val;
		int has;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		else
			nl = p + strlen(p);
		if (*p == '#' || (eq = strstr(p, " = ")) == NULL)
			continue;
		snprintf(key, sizeof(key), "%.*s", (int)(eq - p), p);
		val = eq + 3;
		has = maincf_value(main, key, cur, sizeof(cur));
		/* the value it had before us, kept the first time only */
		if (json_object_get(old, key) == NULL)
			json_object_set_new(old, key, has ? json_string(cur) :
			    json_null());
		if (has && strcmp(cur, val) == 0)
			continue;	/* already so */
		snprintf(arg, sizeof(arg), "%s=%s", key, val);
		av[3] = "-e";
		if (run(av, err, errlen) == -1)
			goto out;
		*changed = 1;
	}
	/* Postfix's tools wait until main.cf is a second old: every
	 * postconf of the start that follows would */
	if (*changed)
		file_date_back(mcf);
	if (json_dump_file(old, saved, JSON_COMPACT) == -1) {
		snprintf(err, errlen, "cannot write \"%s\"", saved);
		goto out;
	}
	rc = 0;
out:
	free(s);
	free(main);
	json_decref(old);
	return rc;
}

/* The line that includes the node's files in u's main configuration. */
static int
wire_unit(struct node_agent *a, enum unit u, int want, int *changed,
    char *err, size_t errlen)
{
	char path[PATH_MAX], line[PATH_MAX + 64], f[PATH_MAX];
	const char *after = NULL;

	*changed = 0;
	rpath(a, units[u].conf, path, sizeof(path));
	switch (u) {
	case U_NGINX:
		rpath(a, "etc/nginx/hostfleet/sites.conf", f, sizeof(f));
		snprintf(line, sizeof(line), "\tinclude %s;", f);
		after = "http";
		break;
	case U_PHPFPM:
		rpath(a, "etc/php/" PHP_VERSION "/fpm/hostfleet", f, sizeof(f));
		mkdirs(f, 0755);
		snprintf(line, sizeof(line), "include = %s/*.conf", f);
		break;
	case U_NAMED:
		rpath(a, "etc/bind/hostfleet/zones.conf", f, sizeof(f));
		snprintf(line, sizeof(line), "include \"%s\";", f);
		break;
	case U_POSTFIX:
		return wire_postfix(a, want, changed, err, errlen);
	default:
		rpath(a, "etc/dovecot/hostfleet/dovecot.conf", f, sizeof(f));
		snprintf(line, sizeof(line), "!include %s", f);
		break;
	}
	return wire_line(path, units[u].comment, line, after, want, changed,
	    err, errlen);
}

/* ---- start, stop ---- */

/*
 * Runs a daemon's start command: in its own session, with the default
 * signal mask and dispositions (the agent blocks SIGTERM for its own
 * sigwait, and a daemon would inherit that), its output in R/var/log/
 * hostfleet-NAME.log rather than a pipe that the daemon it leaves behind
 * would hold open.  Waits for the command itself, not for the daemon.
 * 0, or -1 with the command's last words in err.
 */
static int
start_cmd(struct node_agent *a, enum unit u, char *const argv[], char *err,
    size_t errlen)
{
	char logp[PATH_MAX], *s;
	int64_t end = mono_ms() + START_TIMEOUT_MS;
	int status = 0, fd;
	pid_t pid, w;

	snprintf(logp, sizeof(logp), "%s/var/log/hostfleet-%s.log", R(a),
	    units[u].name);
	if ((fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		snprintf(err, errlen, "%s: %s", logp, strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		int nul = open("/dev/null", O_RDONLY);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setsid();
		if (nul != -1)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fd);
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && mono_ms() < end)
		usleep(10000);
	if (w == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		snprintf(err, errlen, "%s: no answer within %d s", argv[0],
		    START_TIMEOUT_MS / 1000);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if ((s = file_read(logp, 1u << 16, NULL)) != NULL) {
		size_t n = strlen(s), i;

		while (n > 0 && s[n - 1] == '\n')
			s[--n] = '\0';
		for (i = 0; i < n; i++)
			if (s[i] == '\n')
				s[i] = ' ';
		snprintf(err, errlen, "%s: %s", argv[0], n > 400 ? s + n -
		    400 : s);
		free(s);
	} else
		snprintf(err, errlen, "%s: failed", argv[0]);
	return -1;
}

static int
wait_pid(struct node_agent *a, enum unit u, int up, int ms)
{
	int64_t end = mono_ms() + ms;

	while (mono_ms() < end) {
		if ((unit_pid(a, u) > 0) == up)
			return 0;
		usleep(20000);
	}
	return -1;
}

static int
unit_start(struct node_agent *a, enum unit u, char *err, size_t errlen)
{
	char conf[PATH_MAX], dir[PATH_MAX], extra[PATH_MAX];
	char *argv[12];
	int n = 0;

	if (unit_pid(a, u) > 0)
		return 0;
	if (systemd_mode(a)) {
		argv[n++] = "systemctl";
		argv[n++] = "start";
		argv[n++] = (char *)units[u].sdunit;
		argv[n] = NULL;
	} else {
		rpath(a, units[u].conf, conf, sizeof(conf));
		switch (u) {
		case U_NGINX:
			rpath(a, "var/log/nginx/error.log", extra,
			    sizeof(extra));
			argv[n++] = "nginx";
			argv[n++] = "-e";
			argv[n++] = extra;
			argv[n++] = "-c";
			argv[n++] = conf;
			break;
		case U_PHPFPM:
			argv[n++] = "php-fpm" PHP_VERSION;
			argv[n++] = "--fpm-config";
			argv[n++] = conf;
			break;
		case U_NAMED:
			rpath(a, "var/log/named.log", extra, sizeof(extra));
			argv[n++] = "named";
			argv[n++] = "-c";
			argv[n++] = conf;
			argv[n++] = "-u";
			argv[n++] = "bind";
			/* what it says before its logging is set up */
			argv[n++] = "-L";
			argv[n++] = extra;
			break;
		case U_POSTFIX:
			rpath(a, "etc/postfix", dir, sizeof(dir));
			argv[n++] = "postfix";
			argv[n++] = "-c";
			argv[n++] = dir;
			argv[n++] = "start";
			break;
		default:
			argv[n++] = "dovecot";
			argv[n++] = "-c";
			argv[n++] = conf;
			break;
		}
		argv[n] = NULL;
	}
	if (start_cmd(a, u, argv, err, errlen) == -1)
		return -1;
	if (wait_pid(a, u, 1, START_TIMEOUT_MS) == -1) {
		snprintf(err, errlen, "%s did not start within %d s",
		    units[u].name, START_TIMEOUT_MS / 1000);
		return -1;
	}
	log_info("%s: started", units[u].name);
	return 0;
}

static int
unit_stop(struct node_agent *a, enum unit u, char *err, size_t errlen)
{
	pid_t pid;

	if (systemd_mode(a)) {
		char *argv[] = { "systemctl", "stop", (char *)units[u].sdunit,
		    NULL };

		return run(argv, err, errlen);
	}
	if ((pid = unit_pid(a, u)) == 0)
		return 0;
	kill(pid, SIGTERM);
	if (wait_pid(a, u, 0, START_TIMEOUT_MS) == -1) {
		kill(pid, SIGKILL);
		if (wait_pid(a, u, 0, 2000) == -1) {
			snprintf(err, errlen, "%s (pid %ld) did not stop",
			    units[u].name, (long)pid);
			return -1;
		}
	}
	log_info("%s: stopped", units[u].name);
	return 0;
}

int
svcctl_restart(struct node_agent *a, enum unit u, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&unit_mtx[u]);
	if (systemd_mode(a)) {
		char *argv[] = { "systemctl", "restart",
		    (char *)units[u].sdunit, NULL };

		rc = run(argv, err, errlen);
	} else
		rc = unit_stop(a, u, err, errlen) == -1 ? -1 :
		    unit_start(a, u, err, errlen);
	pthread_mutex_unlock(&unit_mtx[u]);
	return rc;
}

/* ---- reload and its confirmation ---- */

/* The children of pid, at most max, into kids; how many. */
static size_t
children_of(pid_t pid, pid_t *kids, size_t max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		char path[64], buf[512], *p;
		long ppid;
		int fd;
		ssize_t r;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* pid (comm) state ppid: comm may hold spaces */
		if ((p = strrchr(buf, ')')) == NULL)
			continue;
		if (sscanf(p + 1, " %*c %ld", &ppid) == 1 && ppid == pid)
			kids[n++] = (pid_t)atol(e->d_name);
	}
	closedir(d);
	return n;
}

/* Whether pid is gone or is an nginx worker that stopped accepting. */
static int
worker_retired(pid_t pid)
{
	char path[64], buf[256];
	ssize_t r;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 1;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return 1;
	buf[r] = '\0';
	return strstr(buf, "shutting down") != NULL;
}

static int
in_set(pid_t p, const pid_t *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == p)
			return 1;
	return 0;
}

/* The last line of nginx's error log, for an error answer. */
static void
nginx_last_error(struct node_agent *a, char *out, size_t len)
{
	char path[PATH_MAX], *s, *p;
	size_t n;

	out[0] = '\0';
	rpath(a, "var/log/nginx/error.log", path, sizeof(path));
	if ((s = file_read(path, 1u << 24, &n)) == NULL)
		return;
	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	p = strrchr(s, '\n');
	snprintf(out, len, ": %s", p ? p + 1 : s);
	free(s);
}

static int
reload_nginx(struct node_agent *a, pid_t master, char *err, size_t errlen)
{
	pid_t old[256], cur[256];
	size_t nold, ncur, i;
	int64_t end = mono_ms() + RELOAD_TIMEOUT_MS;

	nold = children_of(master, old, nitems(old));
	if (systemd_mode(a)) {
		char *argv[] = { "systemctl", "reload", "nginx", NULL };

		if (run(argv, err, errlen) == -1)
			return -1;
	} else if (kill(master, SIGHUP) == -1) {
		snprintf(err, errlen, "nginx: %s", strerror(errno));
		return -1;
	}
	while (mono_ms() < end) {
		int fresh = 0, stale = 0;

		usleep(5000);
		if (kill(master, 0) == -1) {
			snprintf(err, errlen, "nginx stopped while reloading");
			return -1;
		}
		ncur = children_of(master, cur, nitems(cur));
		for (i = 0; i < ncur; i++)
			if (!in_set(cur[i], old, nold))
				fresh = 1;
		for (i = 0; i < nold; i++)
			if (!worker_retired(old[i]))
				stale = 1;
		if (fresh && !stale)
			return 0;
	}
	{
		char last[512];

		nginx_last_error(a, last, sizeof(last));
		snprintf(err, errlen, "nginx did not take the new "
		    "configuration within %d s%s", RELOAD_TIMEOUT_MS / 1000,
		    last);
	}
	return -1;
}

/* Whether a unix socket accepts. */
static int
sock_accepts(const char *path)
{
	struct sockaddr_un sa;
	int fd, ok;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return 0;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* After a USR2 PHP-FPM starts again with every pool: each pool file
 * R/etc/php/V/fpm/hostfleet/USER.conf has its socket accepting. */
static int
phpfpm_pools_up(struct node_agent *a)
{
	char dir[PATH_MAX], sock[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int ok = 1;

	rpath(a, "etc/php/" PHP_VERSION "/fpm/hostfleet", dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return 1;
	while (ok && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);

		if (e->d_name[0] == '.' || n < 6 || strcmp(e->d_name + n - 5,
		    ".conf") != 0)
			continue;
		snprintf(sock, sizeof(sock), "%s/run/php/php" PHP_VERSION
		    "-fpm-%.*s.sock", R(a), (int)(n - 5), e->d_name);
		ok = sock_accepts(sock);
	}
	closedir(d);
	return ok;
}

static int
reload_phpfpm(struct node_agent *a, pid_t master, char *err, size_t errlen)
{
	int64_t end = mono_ms() + RELOAD_TIMEOUT_MS;

	if (systemd_mode(a)) {
		char *argv[] = { "systemctl", "reload", (char *)
		    units[U_PHPFPM].sdunit, NULL };

		if (run(argv, err, errlen) == -1)
			return -1;
	} else if (kill(master, SIGUSR2) == -1) {
		snprintf(err, errlen, "php-fpm: %s", strerror(errno));
		return -1;
	}
	/* the master execs itself again: give it the time to close the old
	 * sockets before looking for the new ones */
	usleep(50000);
	while (mono_ms() < end) {
		if (unit_pid(a, U_PHPFPM) > 0 && phpfpm_pools_up(a))
			return 0;
		usleep(10000);
	}
	snprintf(err, errlen, "php-fpm did not open every pool's socket "
	    "within %d s", RELOAD_TIMEOUT_MS / 1000);
	return -1;
}

int
svcctl_reload(struct node_agent *a, enum unit u, char *err, size_t errlen)
{
	pid_t pid;
	int rc = 0;

	if (!a->conf.services)
		return 0;
	pthread_mutex_lock(&unit_mtx[u]);
	if ((pid = unit_pid(a, u)) == 0) {
		snprintf(err, errlen, "%s is not running", units[u].name);
		rc = -1;
		goto out;
	}
	switch (u) {
	case U_NGINX:
		rc = reload_nginx(a, pid, err, errlen);
		break;
	case U_PHPFPM:
		rc = reload_phpfpm(a, pid, err, errlen);
		break;
	case U_NAMED: {
		char *argv[12], key[PATH_MAX];
		int n = rndc_argv(a, argv, key, sizeof(key));

		/* the configuration, and every zone whose file changed */
		argv[n++] = "reload";
		argv[n] = NULL;
		rc = run(argv, err, errlen);
		break;
	}
	case U_POSTFIX: {
		char dir[PATH_MAX];
		char *argv[] = { "postfix", "-c", dir, "reload", NULL };

		rpath(a, "etc/postfix", dir, sizeof(dir));
		rc = run(argv, err, errlen);
		break;
	}
	default:
		if (kill(pid, SIGHUP) == -1) {
			snprintf(err, errlen, "dovecot: %s", strerror(errno));
			rc = -1;
		}
		break;
	}
out:
	if (rc == 0)
		reloads[u]++;
	pthread_mutex_unlock(&unit_mtx[u]);
	return rc;
}

/* named's serial of zone, or -1 when it does not serve it, -2 when it
 * could not be asked. */
static long long
zone_serial(struct node_agent *a, const char *zone)
{
	char *argv[14], key[PATH_MAX], out[4096], *p;
	int n = rndc_argv(a, argv, key, sizeof(key)), rc;

	argv[n++] = "zonestatus";
	argv[n++] = (char *)zone;
	argv[n] = NULL;
	rc = run_cmd(argv, CMD_TIMEOUT_MS, out, sizeof(out));
	if (rc != 0)
		return strstr(out, "not found") ? -1 : -2;
	if ((p = strstr(out, "serial: ")) == NULL)
		return -1;
	return strtoll(p + 8, NULL, 10);
}

int
svcctl_named_sync(struct node_agent *a, const json_t *had,
    const json_t *want, char *err, size_t errlen)
{
	char *argv[14], key[PATH_MAX];
	const char *z;
	json_t *v, *pending = json_object();
	int n, rc = -1, reconf = 0;
	int64_t end = mono_ms() + RELOAD_TIMEOUT_MS;

	if (!a->conf.services) {
		json_decref(pending);
		return 0;
	}
	pthread_mutex_lock(&unit_mtx[U_NAMED]);
	if (unit_pid(a, U_NAMED) == 0) {
		snprintf(err, errlen, "named is not running");
		goto out;
	}
	json_object_foreach((json_t *)want, z, v) {
		json_t *o = json_object_get(had, z);

		if (o == NULL)
			reconf = 1;
		if (o == NULL || !json_equal(o, v))
			json_object_set(pending, z, v);
	}
	json_object_foreach((json_t *)had, z, v)
		if (json_object_get(want, z) == NULL) {
			reconf = 1;
			json_object_set_new(pending, z, json_integer(-1));
		}
	if (json_object_size(pending) == 0) {
		rc = 0;
		goto out;
	}
	if (reconf) {
		n = rndc_argv(a, argv, key, sizeof(key));
		argv[n++] = "reconfig";
		argv[n] = NULL;
		if (run(argv, err, errlen) == -1)
			goto out;
		reloads[U_NAMED]++;
	}
	json_object_foreach(pending, z, v) {
		if (json_integer_value(v) < 0 || json_object_get(had, z) ==
		    NULL)
			continue;	/* reconfig loads and drops those */
		n = rndc_argv(a, argv, key, sizeof(key));
		argv[n++] = "reload";
		argv[n++] = (char *)z;
		argv[n] = NULL;
		if (run(argv, err, errlen) == -1)
			goto out;
		reloads[U_NAMED]++;
	}
	/* named loads zones in the background: wait for each serial */
	for (;;) {
		const char *bad = NULL;
		long long got = 0;
		void *tmp;

		json_object_foreach_safe(pending, tmp, z, v) {
			got = zone_serial(a, z);
			if (got == (long long)json_integer_value(v) ||
			    (json_integer_value(v) < 0 && got == -1))
				json_object_del(pending, z);
			else if (bad == NULL)
				bad = z;
		}
		if (json_object_size(pending) == 0) {
			rc = 0;
			break;
		}
		if (mono_ms() >= end) {
			snprintf(err, errlen, "named does not serve zone "
			    "\"%s\" as written (serial %lld) within %d s", bad,
			    got, RELOAD_TIMEOUT_MS / 1000);
			break;
		}
		usleep(10000);
	}
out:
	pthread_mutex_unlock(&unit_mtx[U_NAMED]);
	json_decref(pending);
	return rc;
}

/* ---- roles ---- */

/* The units of role set up: base, wiring, started, and reloaded when the
 * wiring changed.  0 or -1. */
static int
setup_role(struct node_agent *a, const char *role, int want, char *err,
    size_t errlen)
{
	int u, changed;

	for (u = 0; u < U_N; u++) {
		if (strcmp(units[u].role, role) != 0)
			continue;
		if (access(units[u].binary, X_OK) == -1) {
			if (!want)
				continue;
			snprintf(err, errlen, "%s is not installed (%s)",
			    units[u].name, units[u].binary);
			return -1;
		}
		if (!want && unit_pid(a, (enum unit)u) == 0) {
			char p[PATH_MAX];
			struct stat sb;

			rpath(a, units[u].conf, p, sizeof(p));
			if (stat(p, &sb) == -1)
				continue;	/* never set up here */
		}
		pthread_mutex_lock(&unit_mtx[u]);
		if (want && !systemd_mode(a) && ensure_base(a, (enum unit)u,
		    err, errlen) == -1) {
			pthread_mutex_unlock(&unit_mtx[u]);
			return -1;
		}
		if (wire_unit(a, (enum unit)u, want, &changed, err, errlen) ==
		    -1) {
			pthread_mutex_unlock(&unit_mtx[u]);
			return -1;
		}
		if (!want) {
			/* a service the node ran for itself stops with the
			 * role; the machine's own stays, without our line */
			if (R(a)[0] && unit_stop(a, (enum unit)u, err,
			    errlen) == -1) {
				pthread_mutex_unlock(&unit_mtx[u]);
				return -1;
			}
			pthread_mutex_unlock(&unit_mtx[u]);
			if (!R(a)[0] && changed && unit_pid(a, (enum unit)u))
				svcctl_reload(a, (enum unit)u, err, errlen);
			continue;
		}
		if (unit_pid(a, (enum unit)u) == 0) {
			int rc = unit_start(a, (enum unit)u, err, errlen);

			pthread_mutex_unlock(&unit_mtx[u]);
			if (rc == -1)
				return -1;
			continue;
		}
		pthread_mutex_unlock(&unit_mtx[u]);
		if (changed && svcctl_reload(a, (enum unit)u, err, errlen) ==
		    -1)
			return -1;
	}
	return 0;
}

/* Files a role's wiring needs before the service starts: the node's own
 * generated files, made empty when there are none yet. */
static int
ensure_files(struct node_agent *a, const char *role, char *err,
    size_t errlen)
{
	static const struct {
		const char	*role, *path, *data;
	} f[] = {
		{ "web", "etc/nginx/hostfleet/sites.conf",
		  "# hostfleet: no site yet\n" },
		{ "dns", "etc/bind/hostfleet/zones.conf",
		  "// hostfleet: no zone yet\n" },
	};
	char path[PATH_MAX], dir[PATH_MAX];
	struct stat sb;
	size_t i;

	/* the sender lists Postfix's restrictions name, as the system data
	 * renders them while it has no item */
	if (strcmp(role, "mail") == 0) {
		static const char *const lists[] = { "whitelist",
		    "blacklist" };

		for (i = 0; i < nitems(lists); i++) {
			const struct dtype *t = sd_type(lists[i]);
			json_t *none = json_array();
			struct sbuf b;

			rpath(a, t->path, path, sizeof(path));
			snprintf(dir, sizeof(dir), "%s", path);
			*strrchr(dir, '/') = '\0';
			mkdirs(dir, 0755);
			sbuf_init(&b, 1u << 16);
			if (stat(path, &sb) == -1 && (sd_render(t, none, &b) ==
			    -1 || file_write_atomic(path, sbuf_str(&b), b.len,
			    0644) == -1)) {
				snprintf(err, errlen, "cannot write \"%s\"",
				    path);
				sbuf_release(&b);
				json_decref(none);
				return -1;
			}
			sbuf_release(&b);
			json_decref(none);
		}
	}

	for (i = 0; i < nitems(f); i++) {
		if (strcmp(f[i].role, role) != 0)
			continue;
		rpath(a, f[i].path, path, sizeof(path));
		if (stat(path, &sb) == 0)
			continue;
		snprintf(dir, sizeof(dir), "%s", path);
		*strrchr(dir, '/') = '\0';
		if (mkdirs(dir, 0755) == -1 || file_write_atomic(path,
		    f[i].data, strlen(f[i].data), 0644) == -1) {
			snprintf(err, errlen, "cannot write \"%s\": %s", path,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void
save_roles(struct node_agent *a, const char *roles)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/roles", a->conf.state_dir);
	file_write_atomic(path, roles, strlen(roles), 0644);
}

/* Sets up the roles of sc_roles until they stop changing. */
static void *
setup_main(void *arg)
{
	struct node_agent *a = arg;
	char roles[64], err[1024];
	size_t i;

	pthread_mutex_lock(&sc_mtx);
	do {
		sc_again = 0;
		strlcpy_hf(roles, sc_roles, sizeof(roles));
		pthread_mutex_unlock(&sc_mtx);
		for (i = 0; i < nitems(roles_all); i++) {
			int want = roles_have(roles, roles_all[i]), rc;

			err[0] = '\0';
			if (want)
				rc = a->conf.services ? udata_prepare(a,
				    roles_all[i], err, sizeof(err)) : 0;
			else
				rc = 0;
			if (rc == 0 && want)
				rc = ensure_files(a, roles_all[i], err,
				    sizeof(err));
			if (rc == 0 && a->conf.services)
				rc = setup_role(a, roles_all[i], want, err,
				    sizeof(err));
			if (rc == -1)
				log_warnx("role %s: %s", roles_all[i], err);
			pthread_mutex_lock(&sc_mtx);
			sc_setup[i] = !want ? 0 : rc == 0 ? 1 : -1;
			strlcpy_hf(sc_err[i], err, sizeof(sc_err[i]));
			pthread_cond_broadcast(&sc_cv);
			pthread_mutex_unlock(&sc_mtx);
		}
		save_roles(a, roles);
		pthread_mutex_lock(&sc_mtx);
	} while (sc_again);
	sc_busy = 0;
	pthread_cond_broadcast(&sc_cv);
	pthread_mutex_unlock(&sc_mtx);
	return NULL;
}

void
svcctl_roles(struct node_agent *a, const char *roles)
{
	pthread_t t;
	pthread_attr_t at;

	pthread_mutex_lock(&sc_mtx);
	if (strcmp(roles, sc_roles) == 0 && !sc_again) {
		int i, failed = 0;

		/* the same roles: only a failed set-up is tried again */
		for (i = 0; i < (int)nitems(roles_all); i++)
			if (sc_setup[i] == -1)
				failed = 1;
		if (!failed || sc_busy) {
			pthread_mutex_unlock(&sc_mtx);
			return;
		}
	}
	strlcpy_hf(sc_roles, roles, sizeof(sc_roles));
	if (sc_busy) {
		sc_again = 1;
		pthread_mutex_unlock(&sc_mtx);
		return;
	}
	sc_busy = 1;
	pthread_mutex_unlock(&sc_mtx);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, setup_main, a) != 0) {
		pthread_mutex_lock(&sc_mtx);
		sc_busy = 0;
		pthread_mutex_unlock(&sc_mtx);
	}
	pthread_attr_destroy(&at);
}

void
svcctl_init(struct node_agent *a)
{
	char path[PATH_MAX], *s, *p;
	struct stat sb;

	/* the services run as their own users (www-data, bind, postfix,
	 * dovecot): every directory down to the host root must let them by */
	strlcpy_hf(path, a->conf.root, sizeof(path));
	while (a->conf.services && path[0]) {
		if (stat(path, &sb) == 0 && !(sb.st_mode & S_IXOTH))
			log_warnx("\"%s\" (mode %03o) cannot be passed by the "
			    "services' users; they will fail to read the node's "
			    "files", path, (unsigned)(sb.st_mode & 0777));
		if ((p = strrchr(path, '/')) == NULL)
			break;
		*p = '\0';
	}

	snprintf(path, sizeof(path), "%s/roles", a->conf.state_dir);
	if ((s = file_read(path, 64, NULL)) == NULL)
		return;
	s[strcspn(s, "\n")] = '\0';
	svcctl_roles(a, s);
	free(s);
}

int
svcctl_ready(struct node_agent *a, const char *role, int timeout_ms,
    char *err, size_t errlen)
{
	int i = role_index(role), rc;
	int64_t end = mono_ms() + timeout_ms;

	(void)a;
	if (i < 0)
		return 0;
	pthread_mutex_lock(&sc_mtx);
	while ((sc_busy || sc_setup[i] == 0) && mono_ms() < end) {
		struct timespec ts;

		deadline_in(end - mono_ms(), &ts);
		pthread_cond_timedwait(&sc_cv, &sc_mtx, &ts);
	}
	rc = sc_setup[i] == 1 ? 0 : -1;
	if (rc == -1)
		snprintf(err, errlen, "the %s services are not set up%s%s",
		    role, sc_err[i][0] ? ": " : "", sc_err[i]);
	pthread_mutex_unlock(&sc_mtx);
	return rc;
}

json_t *
svcctl_list(struct node_agent *a)
{
	json_t *o = json_object();
	char roles[64];
	int u;

	pthread_mutex_lock(&sc_mtx);
	strlcpy_hf(roles, sc_roles, sizeof(roles));
	pthread_mutex_unlock(&sc_mtx);
	for (u = 0; u < U_N; u++) {
		int i = role_index(units[u].role);
		const char *setup;

		if (!roles_have(roles, units[u].role))
			continue;
		pthread_mutex_lock(&sc_mtx);
		setup = sc_setup[i] == 1 ? "done" : sc_setup[i] == -1 ?
		    sc_err[i] : "pending";
		json_object_set_new(o, units[u].name, json_pack(
		    "{s:s,s:s,s:I,s:s,s:I}", "role", units[u].role, "state",
		    svcctl_state(a, (enum unit)u), "pid", (json_int_t)
		    unit_pid(a, (enum unit)u), "setup", setup, "reloads",
		    (json_int_t)reloads[u]));
		pthread_mutex_unlock(&sc_mtx);
	}
	return o;
}

void
svcctl_stop_all(struct node_agent *a)
{
	/* wait for a set-up under way: it uses the agent */
	pthread_mutex_lock(&sc_mtx);
	while (sc_busy)
		pthread_cond_wait(&sc_cv, &sc_mtx);
	pthread_mutex_unlock(&sc_mtx);
	(void)a;
}

void
svcctl_stop_root(const char *root)
{
	pid_t pids[U_N];
	int u, left;
	int64_t end = mono_ms() + START_TIMEOUT_MS;

	for (u = 0; u < U_N; u++) {
		char path[PATH_MAX], *s;
		long pid;

		pids[u] = 0;
		snprintf(path, sizeof(path), "%s/%s", root, units[u].pid);
		if ((s = file_read(path, 64, NULL)) == NULL)
			continue;
		pid = strtol(s, NULL, 10);
		free(s);
		if (pid > 1 && is_comm((pid_t)pid, units[u].comm) &&
		    kill((pid_t)pid, SIGTERM) == 0)
			pids[u] = (pid_t)pid;
	}
	do {
		left = 0;
		for (u = 0; u < U_N; u++)
			if (pids[u] && kill(pids[u], 0) == 0)
				left = 1;
		if (left)
			usleep(50000);
	} while (left && mono_ms() < end);
}
