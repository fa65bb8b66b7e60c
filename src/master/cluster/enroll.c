/* cluster/enroll.c - adding a node over SSH (DESIGN.md §3.1,
 * docs/internals/enroll.md): the steps, each idempotent, run in order on
 * a thread of their own over one SSH session; each step's state, start,
 * end and output are in the store while it runs.  A failed step leaves
 * the node in error; a retry runs again from it.
 *
 * Nothing from a caller reaches a remote shell as text of a script: the
 * scripts below are constants, run as `sh -c SCRIPT hostfleet-enroll
 * ARG...` with every argument checked by a grammar and single-quoted, and
 * files and secrets (the master's public key, the CA, the repository key,
 * the node's config, the join token) go on the command's standard
 * input. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../../common/valid.h"
#include "../master.h"
#include "../repo.h"
#include "../sshc.h"

#define OUT_CAP		(64 * 1024)	/* a step's output kept: its end */
#define STEP_LIMIT_S	900		/* the longest a command may take */

struct job {
	struct master	*m;
	int64_t		 node;
	struct sshc	*ssh;
	int		 sudo;		/* the session is ispmaster's */
	int		 from;
	int		 idx;		/* the step running */
	int64_t		 started;
	int64_t		 last_save;
	struct node	 n;
};

typedef int	(*step_fn)(struct job *, struct sbuf *out);

static int	st_account(struct job *, struct sbuf *);
static int	st_key(struct job *, struct sbuf *);
static int	st_repository(struct job *, struct sbuf *);
static int	st_install(struct job *, struct sbuf *);
static int	st_config(struct job *, struct sbuf *);
static int	st_join(struct job *, struct sbuf *);
static int	st_start(struct job *, struct sbuf *);
static int	st_sync(struct job *, struct sbuf *);

const char *const enroll_steps[ENROLL_NSTEPS] = {
	"connect", "account", "key", "repository", "install", "config",
	"join", "start", "sync",
};
static const step_fn step_fns[ENROLL_NSTEPS] = {
	NULL, st_account, st_key, st_repository, st_install, st_config,
	st_join, st_start, st_sync,
};

/* ---- the scripts: constants, without a single quote ---- */

/* Whether the machine runs the master: its machine id is $1, the
 * master's (unless the master has none, "unknown"), or a master runs
 * there from the package */
#define MASTER_HERE							\
"{ [ \"$1\" = \"$(cat /etc/machine-id 2>/dev/null)\" ] || "		\
"pgrep -f \"^(/usr/bin/)?hostfleet master\" >/dev/null 2>&1; }"

/* $1 the master's machine id */
static const char SCRIPT_ACCOUNT[] =
"set -e\n"
"if " MASTER_HERE "; then\n"
"	echo \"this machine runs the master: it becomes its local node\"\n"
"fi\n"
"command -v sudo >/dev/null || { echo \"sudo is not installed\"; exit 1; }\n"
"if id -u ispmaster >/dev/null 2>&1; then\n"
"	echo \"user ispmaster exists\"\n"
"else\n"
"	useradd --create-home --shell /bin/sh --comment \"hostfleet master\" "
"ispmaster\n"
"	echo \"user ispmaster created\"\n"
"fi\n"
/* no password, not locked: it logs in with the master's key only */
"usermod -p \"*\" ispmaster\n"
"f=/etc/sudoers.d/hostfleet-ispmaster\n"
"printf \"ispmaster ALL=(ALL:ALL) NOPASSWD: ALL\\n\" >\"$f.new\"\n"
"chmod 0440 \"$f.new\"\n"
"visudo -cqf \"$f.new\"\n"
"mv -f \"$f.new\" \"$f\"\n"
"echo \"ispmaster may use sudo: $f\"\n";

/* stdin: the master's public key line */
static const char SCRIPT_KEY[] =
"set -e\n"
"k=$(cat)\n"
"h=$(getent passwd ispmaster | cut -d: -f6)\n"
"[ -n \"$h\" ] && [ -d \"$h\" ] || { echo \"ispmaster has no home\"; exit 1; }\n"
"install -d -m 0700 -o ispmaster -g ispmaster \"$h/.ssh\"\n"
"f=$h/.ssh/authorized_keys\n"
"touch \"$f\"\n"
"if grep -qxF \"$k\" \"$f\"; then\n"
"	echo \"the master key is in $f already\"\n"
"else\n"
"	printf \"%s\\n\" \"$k\" >>\"$f\"\n"
"	echo \"the master key added to $f\"\n"
"fi\n"
"chown ispmaster:ispmaster \"$f\"\n"
"chmod 0600 \"$f\"\n";

/* $1 path, $2 mode; stdin: the file */
static const char SCRIPT_PUT[] =
"set -e\n"
"umask 022\n"
"mkdir -p \"$(dirname \"$1\")\"\n"
"umask 077\n"
"cat >\"$1.hf-new\"\n"
"chmod \"$2\" \"$1.hf-new\"\n"
"mv -f \"$1.hf-new\" \"$1\"\n"
"echo \"wrote $1 ($(wc -c <\"$1\") bytes)\"\n";

/* $1 the key's fingerprint, $2 the master's URL, $3 its host */
static const char SCRIPT_REPO[] =
"set -e\n"
"k=/etc/apt/keyrings/hostfleet.gpg\n"
"g=$(mktemp -d)\n"
"got=$(gpg --homedir \"$g\" --batch --with-colons --show-keys \"$k.new\" "
"2>/dev/null | sed -n \"s/^fpr:::::::::\\([0-9A-F]*\\):\\$/\\1/p\" | "
"head -n 1)\n"
"rm -rf \"$g\"\n"
"if [ \"$got\" != \"$1\" ]; then\n"
"	echo \"the repository key copied has fingerprint [$got], not the "
"one of the master, $1\"\n"
"	rm -f \"$k.new\"\n"
"	exit 1\n"
"fi\n"
"chmod 0644 \"$k.new\"\n"
"mv -f \"$k.new\" \"$k\"\n"
"echo \"repository key $k: $got\"\n"
"echo \"deb [signed-by=$k] $2/repo hostfleet main\" "
">/etc/apt/sources.list.d/hostfleet.list\n"
"echo \"Acquire::https::$3::CaInfo \\\"/etc/hostfleet/master-ca.pem\\\";\" "
">/etc/apt/apt.conf.d/90hostfleet\n"
"cat /etc/apt/sources.list.d/hostfleet.list /etc/apt/apt.conf.d/90hostfleet\n";

/* apt-get update with options opts, tried again while it fails: the
 * lists' lock has no timeout of its own, and an apt-get of a session cut
 * short (a master killed) may still hold it a while; then hostfleet
 * installed from the master's repository */
#define APT_UPDATE(opts)						\
"n=0\n"								\
"until apt-get -q -o DPkg::Lock::Timeout=300 " opts "update; do\n"	\
"	n=$((n + 1))\n"							\
"	[ $n -lt 150 ] || exit 1\n"					\
"	echo \"apt-get update failed: again in 2 s ($n)\"\n"		\
"	sleep 2\n"							\
"done\n"
#define APT_INSTALL_HOSTFLEET						\
"apt-get -q -y -o DPkg::Lock::Timeout=300 "				\
"-o Dpkg::Options::=--force-confdef "					\
"-o Dpkg::Options::=--force-confold install hostfleet\n"

static const char SCRIPT_INSTALL[] =
"set -e\n"
"export DEBIAN_FRONTEND=noninteractive\n"
APT_UPDATE("")
APT_INSTALL_HOSTFLEET
"hostfleet --version\n";

/* $1 the master's URL; stdin: the join token */
static const char SCRIPT_JOIN[] =
"set -e\n"
"t=$(cat)\n"
"hostfleet node join \"$1\" \"$t\"\n";

/* $1 the agent's port */
static const char SCRIPT_START[] =
"set -e\n"
"if [ -d /run/systemd/system ]; then\n"
"	systemctl enable hostfleet-node.service\n"
"	systemctl restart hostfleet-node.service\n"
"	echo \"systemd: hostfleet-node.service enabled and restarted\"\n"
"	pid=\n"
"else\n"
"	p=/run/hostfleet-node.pid\n"
"	if [ -s \"$p\" ] && kill -0 \"$(cat \"$p\")\" 2>/dev/null; then\n"
"		old=$(cat \"$p\")\n"
"		kill \"$old\"\n"
"		n=0\n"
"		while kill -0 \"$old\" 2>/dev/null && [ $n -lt 300 ]; do\n"
"			sleep 0.1; n=$((n + 1))\n"
"		done\n"
"		echo \"stopped the agent, pid $old\"\n"
"	fi\n"
"	setsid hostfleet node -c /etc/hostfleet/node.json </dev/null "
">>/var/log/hostfleet-node.log 2>&1 &\n"
"	pid=$!\n"
"	echo \"$pid\" >\"$p\"\n"
"	echo \"no systemd: started the agent, pid $pid, log "
"/var/log/hostfleet-node.log\"\n"
"fi\n"
"n=0\n"
"while ! ss -Hltn \"sport = :$1\" | grep -q .; do\n"
"	n=$((n + 1))\n"
"	if [ $n -gt 300 ] || { [ -n \"$pid\" ] && ! kill -0 \"$pid\" "
"2>/dev/null; }; then\n"
"		echo \"the agent does not listen on port $1\"\n"
"		tail -n 20 /var/log/hostfleet-node.log 2>/dev/null || true\n"
"		exit 1\n"
"	fi\n"
"	sleep 0.1\n"
"done\n"
"echo \"the agent listens on port $1\"\n";

/* $1 the master's machine id: a node that is not the master's own
 * machine gets the package of the master's repository, restarts its
 * agent (the package's own script restarts a running unit too, the
 * start step's script then makes sure) and says the version it runs */
static const char SCRIPT_UPGRADE[] =
"set -e\n"
"if " MASTER_HERE "; then\n"
"	echo \"this machine runs the master, which an upgrade of the package "
"restarts: upgrade it there, with apt-get install hostfleet\"\n"
"	exit 3\n"
"fi\n"
"l=/etc/apt/sources.list.d/hostfleet.list\n"
"if [ ! -f \"$l\" ]; then\n"
"	echo \"$l is missing: retry the enrollment from its repository "
"step\"\n"
"	exit 1\n"
"fi\n"
"export DEBIAN_FRONTEND=noninteractive\n"
"echo \"installed: $(dpkg-query -W -f=\\${Version} hostfleet 2>/dev/null)\"\n"
/* the master's repository only: the node's other sources may be slow
 * or unreachable, and their lists stay as they are */
APT_UPDATE("-o Dir::Etc::sourcelist=sources.list.d/hostfleet.list "
    "-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 ")
APT_INSTALL_HOSTFLEET
"echo \"installed now: $(dpkg-query -W -f=\\${Version} hostfleet)\"\n"
"hostfleet --version\n";

/* Undoes an enrollment: the agent stopped and purged, the repository
 * and the node's files gone, then ispmaster (run as it, through sudo:
 * userdel -f, since its session is the one running this).  $1 the
 * master's machine id: on the master's own machine the package stays,
 * since the master runs from it. */
static const char SCRIPT_REMOVE[] =
"set -e\n"
"if [ -d /run/systemd/system ]; then\n"
"	systemctl disable --now hostfleet-node.service 2>/dev/null || true\n"
"	echo \"systemd: hostfleet-node.service stopped and disabled\"\n"
"else\n"
"	p=/run/hostfleet-node.pid\n"
"	if [ -s \"$p\" ] && kill -0 \"$(cat \"$p\")\" 2>/dev/null; then\n"
"		old=$(cat \"$p\")\n"
"		kill \"$old\"\n"
"		n=0\n"
"		while kill -0 \"$old\" 2>/dev/null && [ $n -lt 300 ]; do\n"
"			sleep 0.1; n=$((n + 1))\n"
"		done\n"
"		echo \"stopped the agent, pid $old\"\n"
"	fi\n"
"	rm -f \"$p\"\n"
"fi\n"
"export DEBIAN_FRONTEND=noninteractive\n"
"if " MASTER_HERE "; then\n"
"	echo \"this machine runs the master: the package stays installed\"\n"
"elif dpkg-query -W -f=\"\\${Status}\" hostfleet 2>/dev/null | "
"grep -q \"ok installed\"; then\n"
"	apt-get -q -y purge hostfleet\n"
"fi\n"
"rm -rf /var/lib/hostfleet/node /etc/hostfleet/node.json "
"/etc/hostfleet/master-ca.pem /etc/apt/sources.list.d/hostfleet.list "
"/etc/apt/apt.conf.d/90hostfleet /etc/apt/keyrings/hostfleet.gpg\n"
"echo \"the agent, its state and the repository removed\"\n"
"rm -f /etc/sudoers.d/hostfleet-ispmaster\n"
"userdel -f -r ispmaster 2>/dev/null || userdel -f ispmaster\n"
"echo \"ispmaster and its key removed\"\n";

int
enroll_scripts_check(void)
{
	static const char *const scripts[] = { SCRIPT_ACCOUNT, SCRIPT_KEY,
	    SCRIPT_PUT, SCRIPT_REPO, SCRIPT_INSTALL, SCRIPT_JOIN,
	    SCRIPT_START, SCRIPT_UPGRADE, SCRIPT_REMOVE };
	size_t i;

	for (i = 0; i < nitems(scripts); i++)
		if (strchr(scripts[i], '\'') != NULL)
			return -1;
	return 0;
}

/* ---- running them ---- */

/* Saves the running step's output, at most every 300 ms. */
static void
progress(void *arg, const char *out)
{
	struct job *j = arg;
	int64_t now = mono_ms();

	if (j->idx < 0 || now - j->last_save < 300)
		return;
	j->last_save = now;
	store_enroll_step_set(j->m->st, j->node, j->idx, "running",
	    j->started, 0, out);
}

/*
 * Runs script with args (each already checked by its grammar) and in on
 * its standard input, as root (through sudo for ispmaster); its output is
 * appended to out.  0, or -1 when it failed (its status said in out).
 */
static int
remote(struct job *j, const char *script, const char *const *args,
    const void *in, size_t inlen, struct sbuf *out)
{
	struct sbuf cmd;
	char msg[64];
	int rc, i;

	if (strchr(script, '\'') != NULL)
		fatal("enroll: a script with a single quote");
	sbuf_init(&cmd, 64 * 1024);
	if (j->sudo)
		sbuf_adds(&cmd, "sudo -n ");
	sbuf_adds(&cmd, "sh -c ");
	sbuf_adds(&cmd, "'exec 2>&1\n");
	sbuf_adds(&cmd, script);
	sbuf_adds(&cmd, "' hostfleet-enroll");
	for (i = 0; args && args[i]; i++) {
		sbuf_addc(&cmd, ' ');
		sshc_quote(&cmd, args[i]);
	}
	rc = sshc_run(j->ssh, sbuf_str(&cmd), in, inlen, out, STEP_LIMIT_S,
	    &j->m->stop, progress, j);
	sbuf_release(&cmd);
	if (rc == 0)
		return 0;
	if (rc > 0) {
		snprintf(msg, sizeof(msg), "(exit status %d)\n", rc);
		sbuf_adds(out, msg);
	}
	return -1;
}

/* The last line of out that says something (not the exit status remote()
 * adds), without its end of line, into buf. */
static void
last_line(const char *out, char *buf, size_t len)
{
	const char *e = out + strlen(out), *b;

	for (;;) {
		while (e > out && e[-1] == '\n')
			e--;
		for (b = e; b > out && b[-1] != '\n'; b--)
			;
		if (b == out || strncmp(b, "(exit status ", 13) != 0)
			break;
		e = b;
	}
	snprintf(buf, len, "%.*s", (int)(e - b), b);
}

/* Sends data to path with mode on the node. */
static int
put(struct job *j, const char *path, const char *mode, const void *data,
    size_t len, struct sbuf *out)
{
	const char *args[] = { path, mode, NULL };

	return remote(j, SCRIPT_PUT, args, data, len, out);
}

static int
st_account(struct job *j, struct sbuf *out)
{
	const char *args[] = { j->m->machine_id, NULL };

	return remote(j, SCRIPT_ACCOUNT, args, NULL, 0, out);
}

/* The master's key for ispmaster, then a login with it to prove it. */
static int
st_key(struct job *j, struct sbuf *out)
{
	struct sshc_login l = { "ispmaster", NULL, NULL, NULL };
	struct sshc *s;
	enum sshc_fail f;
	char fpr[128], err[600], known[700];
	struct sbuf o2;
	int isnew, rc;

	if (remote(j, SCRIPT_KEY, NULL, j->m->ssh_pub, strlen(j->m->ssh_pub),
	    out) == -1)
		return -1;
	snprintf(known, sizeof(known), "%s/known_hosts", j->m->ssh_dir);
	if ((l.key_pem = sshc_master_key_pem(j->m->ssh_dir)) == NULL) {
		sbuf_adds(out, "the master's key cannot be read\n");
		return -1;
	}
	s = sshc_open(known, j->n.addr, j->n.ssh_port, &l, 10, &f, fpr,
	    &isnew, err, sizeof(err));
	free((char *)l.key_pem);
	if (s == NULL) {
		sbuf_printf(out, "ispmaster cannot log in with the master's "
		    "key: %s\n", err);
		return -1;
	}
	sbuf_init(&o2, 4096);
	rc = sshc_run(s, "sudo -n true", NULL, 0, &o2, 30, &j->m->stop, NULL,
	    NULL);
	sshc_close(s);
	if (rc != 0) {
		sbuf_printf(out, "ispmaster logs in but cannot use sudo: %s\n",
		    sbuf_str(&o2));
		sbuf_release(&o2);
		return -1;
	}
	sbuf_release(&o2);
	sbuf_adds(out, "ispmaster logs in with the master's key and may use "
	    "sudo\n");
	return 0;
}

/* The master's URL and host, checked before they go to a shell. */
static int
master_where(struct job *j, char *host, size_t hostlen, struct sbuf *out)
{
	const char *u = j->m->api_url, *h, *e;

	if (strncmp(u, "https://", 8) != 0 ||
	    u[strspn(u, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.:/[]-")] != '\0') {
		sbuf_printf(out, "the master's URL \"%s\" is not an https:// "
		    "URL a node can use\n", u);
		return -1;
	}
	h = u + 8;
	if (*h == '[') {
		h++;
		e = strchr(h, ']');
	} else
		e = strrchr(h, ':');
	if (e == NULL || (size_t)(e - h) >= hostlen) {
		sbuf_printf(out, "the master's URL \"%s\": no host\n", u);
		return -1;
	}
	memcpy(host, h, (size_t)(e - h));
	host[e - h] = '\0';
	return 0;
}

static int
st_repository(struct job *j, struct sbuf *out)
{
	char fpr[REPO_FPR_LEN], err[512], host[128], path[700];
	char *ca = NULL, *key = NULL;
	size_t calen, keylen;
	const char *args[4];
	int rc = -1;

	if (repo_fingerprint(j->m->conf.state_dir, fpr, err, sizeof(err)) ==
	    -1) {
		sbuf_printf(out, "the master's repository: %s\n", err);
		return -1;
	}
	if (master_where(j, host, sizeof(host), out) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/repo/hostfleet-archive.gpg",
	    j->m->conf.state_dir);
	if ((ca = file_read(j->m->ca_path, 65536, &calen)) == NULL ||
	    (key = file_read(path, 65536, &keylen)) == NULL) {
		sbuf_printf(out, "cannot read the cluster CA or the "
		    "repository key\n");
		goto out;
	}
	if (put(j, "/etc/hostfleet/master-ca.pem", "0644", ca, calen, out) ==
	    -1 || put(j, "/etc/apt/keyrings/hostfleet.gpg.new", "0644", key,
	    keylen, out) == -1)
		goto out;
	args[0] = fpr;
	args[1] = j->m->api_url;
	args[2] = host;
	args[3] = NULL;
	rc = remote(j, SCRIPT_REPO, args, NULL, 0, out);
out:
	free(ca);
	free(key);
	return rc;
}

static int
st_install(struct job *j, struct sbuf *out)
{
	return remote(j, SCRIPT_INSTALL, NULL, NULL, 0, out);
}

/* The node's config: its address and port (the node's row). */
static int
st_config(struct job *j, struct sbuf *out)
{
	json_t *c = json_pack("{s:s,s:i}", "addr", j->n.addr, "port",
	    j->n.port);
	char *s = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	int rc;

	json_decref(c);
	rc = put(j, "/etc/hostfleet/node.json", "0600", s, strlen(s), out);
	if (rc == 0)
		sbuf_printf(out, "%s\n", s);
	free(s);
	return rc;
}

/* A join token made here goes to `hostfleet node join` on stdin. */
static int
st_join(struct job *j, struct sbuf *out)
{
	char token[256];
	const char *args[] = { j->m->api_url, NULL };
	int rc;

	if (join_token_make(j->m, j->node, 600, token, sizeof(token)) == -1) {
		sbuf_adds(out, "cannot make a join token\n");
		return -1;
	}
	rc = remote(j, SCRIPT_JOIN, args, token, strlen(token), out);
	explicit_bzero(token, sizeof(token));
	return rc;
}

static int
st_start(struct job *j, struct sbuf *out)
{
	char port[16];
	const char *args[] = { port, NULL };

	snprintf(port, sizeof(port), "%d", j->n.port);
	return remote(j, SCRIPT_START, args, NULL, 0, out);
}

/* Every synchronizer of the node's roles registered (the templates and
 * the software of its roles among them); the stats then lead it from
 * installing to syncing to ready. */
static int
st_sync(struct job *j, struct sbuf *out)
{
	struct node n;
	size_t i;

	if (store_node_get(j->m->st, j->node, &n) != 0) {
		sbuf_adds(out, "the node is gone\n");
		return -1;
	}
	/* the join registered them; a node that synced them all since is
	 * ready, and registering again would only send it back to syncing */
	if (strcmp(n.status, "ready") == 0)
		sbuf_adds(out, "every synchronizer registered at the join has "
		    "run: the node is ready\n");
	else {
		dq_register_all(j->m, j->node, j->n.roles,
		    "enrolled over SSH");
		sbuf_adds(out, "registered:");
		for (i = 0; i < sd_ntypes; i++)
			if (sd_type_matches(&sd_types[i], j->n.roles))
				sbuf_printf(out, " %s", sd_types[i].name);
		sbuf_adds(out, "\n");
		if (strcmp(n.status, "error") == 0)
			store_node_status_set(j->m->st, j->node, "installing",
			    "");
	}
	store_node_free(&n);
	stats_wake(j->m);
	return 0;
}

/* ---- the job ---- */

static void
job_forget(struct master *m, int64_t node)
{
	int i;

	pthread_mutex_lock(&m->enroll_mtx);
	for (i = 0; i < m->enroll_n; i++)
		if (m->enroll_busy[i] == node) {
			m->enroll_busy[i] = m->enroll_busy[--m->enroll_n];
			break;
		}
	pthread_cond_broadcast(&m->enroll_cond);
	pthread_mutex_unlock(&m->enroll_mtx);
}

static void *
job_run(void *arg)
{
	struct job *j = arg;
	struct sbuf out;
	char msg[1024], line[512];
	int rc = 0;

	for (j->idx = j->from; j->idx < ENROLL_NSTEPS; j->idx++) {
		sbuf_init(&out, OUT_CAP);
		j->started = wall_ms();
		j->last_save = 0;
		store_enroll_step_set(j->m->st, j->node, j->idx, "running",
		    j->started, 0, "");
		log_info("enroll: node %" PRId64 " \"%s\": step %s", j->node,
		    j->n.name, enroll_steps[j->idx]);
		rc = j->m->stop ? -1 : step_fns[j->idx](j, &out);
		store_enroll_step_set(j->m->st, j->node, j->idx, rc == 0 ?
		    "done" : "failed", j->started, wall_ms(), sbuf_str(&out));
		if (rc == -1) {
			last_line(sbuf_str(&out), line, sizeof(line));
			snprintf(msg, sizeof(msg), "enrollment step \"%s\" "
			    "failed: %s (cluster.node.enroll elid=%" PRId64
			    ")", enroll_steps[j->idx], line, j->node);
			store_node_status_set(j->m->st, j->node, "error", msg);
			log_warnx("enroll: node %" PRId64 " \"%s\": %s",
			    j->node, j->n.name, msg);
		}
		sbuf_release(&out);
		if (rc == -1)
			break;
	}
	if (rc == 0)
		log_info("enroll: node %" PRId64 " \"%s\": every step done",
		    j->node, j->n.name);
	sshc_close(j->ssh);
	job_forget(j->m, j->node);
	store_node_free(&j->n);
	free(j);
	return NULL;
}

/* This machine's id (machine-id(5)): 32 hex digits, or "unknown", which
 * no machine's file holds, when it has none. */
static void
machine_id(char *buf, size_t len)
{
	char *s;
	size_t n;

	strlcpy_hf(buf, "unknown", len);
	if ((s = file_read("/etc/machine-id", 64, &n)) == NULL)
		return;
	if (n >= 32 && strspn(s, "0123456789abcdef") == 32 && len > 32 &&
	    (n == 32 || s[32] == '\n')) {
		memcpy(buf, s, 32);
		buf[32] = '\0';
	}
	free(s);
}

int
enroll_init(struct master *m, char *err, size_t errlen)
{
	int n;

	pthread_mutex_init(&m->enroll_mtx, NULL);
	pthread_cond_init(&m->enroll_cond, NULL);
	snprintf(m->ssh_dir, sizeof(m->ssh_dir), "%s/ssh", m->conf.state_dir);
	machine_id(m->machine_id, sizeof(m->machine_id));
	/* a step a stopped master left running is failed, and its node in
	 * error: a retry runs it again */
	if (store_enroll_interrupted(m->st, wall_ms(), &n) == -1) {
		snprintf(err, errlen, "store unavailable");
		return -1;
	}
	if (n > 0)
		log_warnx("enroll: %d enrollment(s) were cut short by a stop; "
		    "their nodes are in error", n);
	return sshc_master_key(m->ssh_dir, m->ssh_pub, sizeof(m->ssh_pub),
	    err, errlen);
}

int
enroll_claim(struct master *m, int64_t node)
{
	int i, rc = 0;

	pthread_mutex_lock(&m->enroll_mtx);
	for (i = 0; i < m->enroll_n; i++)
		if (m->enroll_busy[i] == node)
			rc = -1;
	if (rc == 0 && (m->stop || m->enroll_n == ENROLL_MAX))
		rc = -1;
	if (rc == 0)
		m->enroll_busy[m->enroll_n++] = node;
	pthread_mutex_unlock(&m->enroll_mtx);
	return rc;
}

int
enroll_running(struct master *m, int64_t node)
{
	int i, on = 0;

	pthread_mutex_lock(&m->enroll_mtx);
	for (i = 0; i < m->enroll_n; i++)
		if (m->enroll_busy[i] == node)
			on = 1;
	pthread_mutex_unlock(&m->enroll_mtx);
	return on;
}

void
enroll_release(struct master *m, int64_t node)
{
	job_forget(m, node);
}

struct sshc *
enroll_connect(struct master *m, const char *addr, int port,
    const struct sshc_login *l, enum sshc_fail *f, struct sbuf *out,
    char *err, size_t errlen)
{
	char known[700], fpr[128];
	struct sshc *s;
	int isnew;

	snprintf(known, sizeof(known), "%s/known_hosts", m->ssh_dir);
	s = sshc_open(known, addr, port, l, 10, f, fpr, &isnew, err, errlen);
	if (s)
		sbuf_printf(out, "connected to %s port %d as %s; host key %s "
		    "(%s)\n", addr, port, l->user, fpr, isnew == 2 ?
		    "accepted by hostkey=: it replaced the one recorded" :
		    isnew ? "first seen: recorded" : "as recorded");
	return s;
}

int
enroll_start(struct master *m, int64_t node, struct sshc *ssh, int sudo,
    int from)
{
	struct job *j = xcalloc(1, sizeof(*j));
	pthread_attr_t a;
	pthread_t t;

	j->m = m;
	j->node = node;
	j->ssh = ssh;
	j->sudo = sudo;
	j->from = from;
	if (store_node_get(m->st, node, &j->n) != 0) {
		free(j);
		return -1;
	}
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &a, job_run, j) != 0) {
		pthread_attr_destroy(&a);
		store_node_free(&j->n);
		free(j);
		return -1;
	}
	pthread_attr_destroy(&a);
	return 0;
}

/* A job of no step for node n, on a session as ispmaster with the
 * master's key; 0, or -1 with err. */
static int
job_ispmaster(struct master *m, const struct node *n, struct job *j,
    struct sbuf *out, char *err, size_t errlen)
{
	struct sshc_login l = { "ispmaster", NULL, NULL, NULL };
	enum sshc_fail f;
	char e[1024];

	if ((l.key_pem = sshc_master_key_pem(m->ssh_dir)) == NULL) {
		snprintf(err, errlen, "the master's key cannot be read");
		return -1;
	}
	memset(j, 0, sizeof(*j));
	j->m = m;
	j->node = n->id;
	j->sudo = 1;
	j->idx = -1;
	j->ssh = enroll_connect(m, n->addr, n->ssh_port, &l, &f, out, e,
	    sizeof(e));
	explicit_bzero((char *)l.key_pem, strlen(l.key_pem));
	free((char *)l.key_pem);
	if (j->ssh == NULL) {
		snprintf(err, errlen, "node \"%s\": no way in as ispmaster "
		    "with the master's key (a node added over SSH has one): "
		    "%s", n->name, e);
		return -1;
	}
	return 0;
}

int
enroll_remove(struct master *m, const struct node *n, struct sbuf *out,
    char *err, size_t errlen)
{
	const char *args[] = { m->machine_id, NULL };
	struct job j;
	int rc;

	if (job_ispmaster(m, n, &j, out, err, errlen) == -1)
		return -1;
	rc = remote(&j, SCRIPT_REMOVE, args, NULL, 0, out);
	sshc_close(j.ssh);
	if (rc == -1)
		snprintf(err, errlen, "removing the agent from node \"%s\" "
		    "failed: %s", n->name, sbuf_str(out));
	return rc;
}

int
enroll_upgrade(struct master *m, const struct node *n, struct sbuf *out,
    char *version, size_t vlen, char *err, size_t errlen)
{
	const char *args[] = { m->machine_id, NULL };
	const char *pargs[2];
	char line[512], port[16], e[VALID_ERR_MAX];
	struct job j;
	int rc;

	if (job_ispmaster(m, n, &j, out, err, errlen) == -1)
		return -1;
	rc = remote(&j, SCRIPT_UPGRADE, args, NULL, 0, out);
	if (rc == 0) {
		/* its last line: hostfleet --version */
		last_line(sbuf_str(out), line, sizeof(line));
		if (strncmp(line, "hostfleet ", 10) != 0 || valid_text(
		    "version", line + 10, vlen - 1, e) != 0) {
			snprintf(err, errlen, "node \"%s\": the upgraded "
			    "hostfleet says \"%s\", not its version", n->name,
			    line);
			sshc_close(j.ssh);
			return -1;
		}
		strlcpy_hf(version, line + 10, vlen);
		snprintf(port, sizeof(port), "%d", n->port);
		pargs[0] = port;
		pargs[1] = NULL;
		if ((rc = remote(&j, SCRIPT_START, pargs, NULL, 0, out)) ==
		    -1) {
			last_line(sbuf_str(out), line, sizeof(line));
			snprintf(err, errlen, "node \"%s\": hostfleet %s "
			    "installed, but its agent did not start again: "
			    "%s", n->name, version, line);
		}
	} else {
		last_line(sbuf_str(out), line, sizeof(line));
		snprintf(err, errlen, "upgrading hostfleet on node \"%s\" "
		    "failed: %s", n->name, line);
	}
	sshc_close(j.ssh);
	return rc;
}

void
enroll_stop(struct master *m)
{
	pthread_mutex_lock(&m->enroll_mtx);
	while (m->enroll_n > 0)
		pthread_cond_wait(&m->enroll_cond, &m->enroll_mtx);
	pthread_mutex_unlock(&m->enroll_mtx);
}
