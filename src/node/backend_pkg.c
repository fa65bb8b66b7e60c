/* backend_pkg.c - the software of the node's roles (the `software` type,
 * DESIGN.md §3.1).  The list comes like every type's, through apply.c: its
 * file (var/lib/hostfleet/software.list) needs no checker and nothing is
 * reloaded.  What the list asks for is put in place here: the packages of
 * the node's roles are looked up with dpkg-query, and the missing ones are
 * installed with apt-get, non-interactively, by a thread of their own, for
 * an install takes minutes and a push must be answered within the master's
 * timeout.  The master follows the install in the node's stats
 * (pkg_report) and keeps the node installing until it is done, or in error
 * when it failed.
 *
 * No package name reaches a shell: every one passed sysdata.c's grammar
 * and goes to dpkg-query and apt-get as one argument of its own.  apt-get
 * waits for dpkg's lock (several agents may share a machine), and its
 * package lists are updated only when it cannot locate a package, then
 * the install is tried once more.  A failed install is not tried again
 * until the list or the roles change, the master pushes the list in full
 * (an administrator's retry), or the agent restarts. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/sbuf.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "backend.h"
#include "node.h"

#define PKG_LOG_MAX		4096	/* the tail of apt's output kept */
#define PKG_INSTALL_MS		(30 * 60 * 1000)
#define PKG_UPDATE_MS		(10 * 60 * 1000)
#define PKG_QUERY_MS		30000
#define PKG_LOCK_TIMEOUT	"DPkg::Lock::Timeout=300"

enum pkg_state {
	PKG_NONE,		/* not looked at since the agent started */
	PKG_INSTALLING,
	PKG_DONE,
	PKG_FAILED,
};

static struct {
	pthread_mutex_t	 kick;		/* one kick at a time */
	pthread_mutex_t	 mtx;		/* the fields below */
	pthread_cond_t	 cv;
	int		 thread;	/* the installing thread runs */
	int		 busy;		/* it works on a list */
	int		 job;		/* a list waits for it */
	enum pkg_state	 state;
	char		 roles[ROLES_MAX]; /* of the last kick */
	int64_t		 version;	/* of the list at the last kick */
	json_t		*want;		/* packages of the roles, sorted */
	json_t		*missing;	/* not installed at the last look */
	char		 step[32];	/* what runs now */
	int64_t		 since;		/* when the install began */
	char		 log[PKG_LOG_MAX];
} pkg = {
	.kick = PTHREAD_MUTEX_INITIALIZER,
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.cv = PTHREAD_COND_INITIALIZER,
};

/* the list is put in place by pkg_kick(), not by an activation */
const struct backend backend_pkg = {
	"software", 0, sdfile_render, sdfile_none, sdfile_install,
	sdfile_none, sdfile_rollback, NULL,
};

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(json_string_value(*(json_t *const *)x),
	    json_string_value(*(json_t *const *)y));
}

/* The packages of the list in the store for roles, sorted, each once;
 * NULL when the store cannot be read.  The caller decrefs. */
static json_t *
pkg_wanted(struct node_agent *a, const char *roles, int64_t *version)
{
	json_t *items, *it, *want, **v;
	size_t i, j, n = 0;

	if (nstore_state(a->st, "software", version, &items) == -1)
		return NULL;
	v = xcalloc(json_array_size(items) + 1, sizeof(*v));
	json_array_foreach(items, i, it)
		if (roles_have(roles, json_string_value(json_object_get(it,
		    "role"))))
			v[n++] = json_object_get(it, "package");
	qsort(v, n, sizeof(*v), cmp_str);
	want = json_array();
	for (i = 0, j = 0; i < n; i++)
		if (i == 0 || cmp_str(&v[i], &v[j]) != 0) {
			json_array_append(want, v[i]);
			j = i;
		}
	free(v);
	json_decref(items);
	return want;
}

/* Whether the output of dpkg-query (below) says that p is installed. */
static int
installed(const char *out, const char *p)
{
	static const char ok[] = "=install ok installed;";
	size_t n = strlen(p);
	const char *s;

	for (s = out; (s = strstr(s, p)) != NULL; s += n)
		if ((s == out || s[-1] == ';' || s[-1] == ' ') &&
		    strncmp(s + n, ok, sizeof(ok) - 1) == 0)
			return 1;
	return 0;
}

/* The packages of want that dpkg does not have installed (all of them when
 * dpkg-query cannot run).  The caller decrefs. */
static json_t *
pkg_missing(const json_t *want)
{
	size_t i, n = json_array_size(want);
	json_t *missing = json_array(), *v;
	struct sbuf out;
	char **argv;

	if (n == 0)
		return missing;
	/* dpkg-query, two options, the n packages and the NULL */
	argv = xcalloc(n + 4, sizeof(*argv));
	sbuf_init(&out, 16u << 20);
	argv[0] = "dpkg-query";
	argv[1] = "--showformat=${Package}=${Status};";
	argv[2] = "-W";
	json_array_foreach(want, i, v)
		argv[3 + i] = (char *)json_string_value(v);
	/* exit status 1 when some package is unknown: the output decides */
	if (run_cmd_all(argv, PKG_QUERY_MS, &out) < 0)
		sbuf_reset(&out);
	json_array_foreach(want, i, v)
		if (!installed(sbuf_str(&out), json_string_value(v)))
			json_array_append(missing, v);
	free(argv);
	sbuf_release(&out);
	return missing;
}

/* apt's output as it can be shown anywhere: printable ASCII. */
static void
printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = ' ';
}

static void
set_step(const char *step)
{
	pthread_mutex_lock(&pkg.mtx);
	strlcpy_hf(pkg.step, step, sizeof(pkg.step));
	pthread_mutex_unlock(&pkg.mtx);
}

/*
 * Runs apt-get with args (NULL-terminated, at most 16 before the
 * packages) and the packages of pkgs, in the C locale, never asking
 * anything.  Its exit status, or -1; the tail of its output in log.
 */
static int
apt(const char *const *args, const json_t *pkgs, int timeout_ms, char *log,
    size_t loglen)
{
	static const char *const pre[] = { "env", "LC_ALL=C",
	    "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q", "-o",
	    PKG_LOCK_TIMEOUT };
	size_t npre = sizeof(pre) / sizeof(pre[0]), na, i, k = 0;
	const json_t *v;
	char **argv;
	int rc;

	for (na = 0; args[na]; na++)
		;
	argv = xcalloc(npre + na + json_array_size(pkgs) + 1, sizeof(*argv));
	for (i = 0; i < npre; i++)
		argv[k++] = (char *)pre[i];
	for (i = 0; i < na; i++)
		argv[k++] = (char *)args[i];
	json_array_foreach(pkgs, i, v)
		argv[k++] = (char *)json_string_value(v);
	rc = run_cmd_tail(argv, timeout_ms, log, loglen);
	printable(log);
	free(argv);
	return rc;
}

/* Installs pkgs; 0 or -1 with apt's output in log. */
static int
pkg_install(const json_t *pkgs, char *log, size_t loglen)
{
	static const char *const install[] = { "install", "-y",
	    "--no-install-recommends", "-o",
	    "Dpkg::Options::=--force-confdef", "-o",
	    "Dpkg::Options::=--force-confold", NULL };
	static const char *const update[] = { "update", NULL };
	char ulog[PKG_LOG_MAX];
	int rc;

	set_step("apt-get install");
	if ((rc = apt(install, pkgs, PKG_INSTALL_MS, log, loglen)) == 0)
		return 0;
	/* apt's lists may be older than the package: update them, once */
	if (strstr(log, "Unable to locate package") == NULL)
		return -1;
	log_info("software: apt-get cannot locate a package; updating its "
	    "lists");
	set_step("apt-get update");
	if (apt(update, NULL, PKG_UPDATE_MS, ulog, sizeof(ulog)) != 0) {
		snprintf(log, loglen, "apt-get update: %s", ulog);
		printable(log);
		return -1;
	}
	set_step("apt-get install");
	return apt(install, pkgs, PKG_INSTALL_MS, log, loglen) == 0 ? 0 : -1;
}

/* The installing thread: takes each list handed over, installs what is
 * missing of it, and says how that went unless a newer list came. */
static void *
pkg_worker(void *arg)
{
	(void)arg;
	for (;;) {
		char log[PKG_LOG_MAX];
		json_t *want, *missing, *after;
		int rc = 0;

		pthread_mutex_lock(&pkg.mtx);
		while (!pkg.job)
			pthread_cond_wait(&pkg.cv, &pkg.mtx);
		pkg.job = 0;
		pkg.busy = 1;
		want = json_incref(pkg.want);
		pthread_mutex_unlock(&pkg.mtx);

		log[0] = '\0';
		missing = pkg_missing(want);
		if (json_array_size(missing) > 0) {
			pthread_mutex_lock(&pkg.mtx);
			json_decref(pkg.missing);
			pkg.missing = json_incref(missing);
			pkg.since = wall_s();
			pthread_mutex_unlock(&pkg.mtx);
			log_info("software: installing %zu package(s)",
			    json_array_size(missing));
			rc = pkg_install(missing, log, sizeof(log));
		}
		after = pkg_missing(want);
		if (rc == 0 && json_array_size(after) > 0)
			snprintf(log, sizeof(log), "apt-get succeeded but %zu "
			    "package(s) are still not installed",
			    json_array_size(after));

		pthread_mutex_lock(&pkg.mtx);
		json_decref(pkg.missing);
		pkg.missing = json_incref(after);
		strlcpy_hf(pkg.log, log, sizeof(pkg.log));
		pkg.step[0] = '\0';
		if (!pkg.job) {
			/* a newer list would have its own outcome */
			pkg.busy = 0;
			pkg.state = json_array_size(after) ? PKG_FAILED :
			    PKG_DONE;
			if (pkg.state == PKG_FAILED)
				log_warnx("software: the install failed: %s",
				    log);
			else if (json_array_size(missing))
				log_info("software: installed");
		}
		pthread_mutex_unlock(&pkg.mtx);
		json_decref(want);
		json_decref(missing);
		json_decref(after);
	}
	return NULL;
}

/* Hands want to the installing thread, starting it the first time.  Under
 * pkg.mtx. */
static void
hand_over(void)
{
	pthread_t t;

	pkg.state = PKG_INSTALLING;
	pkg.job = 1;
	if (!pkg.thread) {
		if (pthread_create(&t, NULL, pkg_worker, NULL) != 0) {
			pkg.job = 0;
			pkg.state = PKG_FAILED;
			snprintf(pkg.log, sizeof(pkg.log), "cannot start the "
			    "installing thread");
			return;
		}
		pthread_detach(t);
		pkg.thread = 1;
	}
	pthread_cond_signal(&pkg.cv);
}

void
pkg_kick(struct node_agent *a, const char *roles, int retry)
{
	char r[32];
	json_t *want, *missing;
	int64_t version;

	pthread_mutex_lock(&pkg.kick);
	pthread_mutex_lock(&pkg.mtx);
	if (roles)
		strlcpy_hf(pkg.roles, roles, sizeof(pkg.roles));
	strlcpy_hf(r, pkg.roles, sizeof(r));
	pthread_mutex_unlock(&pkg.mtx);

	want = pkg_wanted(a, r, &version);
	pthread_mutex_lock(&pkg.mtx);
	if (want == NULL) {
		pkg.state = PKG_FAILED;
		snprintf(pkg.log, sizeof(pkg.log), "the node's store cannot "
		    "be read");
		goto out;
	}
	pkg.version = version;
	if (pkg.busy || pkg.job) {
		/* the thread takes the newest list when it is through */
		json_decref(pkg.want);
		pkg.want = json_incref(want);
		hand_over();
		goto out;
	}
	if (!retry && pkg.state == PKG_FAILED && json_equal(want, pkg.want))
		goto out;	/* until an administrator retries */
	pthread_mutex_unlock(&pkg.mtx);

	/* dpkg-query only reads dpkg's status: quick, and no lock */
	missing = pkg_missing(want);

	pthread_mutex_lock(&pkg.mtx);
	json_decref(pkg.want);
	pkg.want = json_incref(want);
	json_decref(pkg.missing);
	pkg.missing = missing;
	if (json_array_size(missing) == 0) {
		pkg.state = PKG_DONE;
		pkg.log[0] = '\0';
	} else
		hand_over();
out:
	pthread_mutex_unlock(&pkg.mtx);
	pthread_mutex_unlock(&pkg.kick);
	json_decref(want);
}

json_t *
pkg_state_json(void)
{
	static const char *const names[] = { "installing", "installing",
	    "done", "failed" };
	json_t *j;

	pthread_mutex_lock(&pkg.mtx);
	j = json_pack("{s:s,s:I,s:o,s:s,s:s,s:I}",
	    "state", names[pkg.state],
	    "version", (json_int_t)pkg.version,
	    "missing", pkg.missing ? json_incref(pkg.missing) : json_array(),
	    "step", pkg.step,
	    "log", pkg.log,
	    "since", (json_int_t)(pkg.state == PKG_INSTALLING ? pkg.since : 0));
	pthread_mutex_unlock(&pkg.mtx);
	return j;
}

json_t *
pkg_report(struct node_agent *a, const char *roles)
{
	int look;

	pthread_mutex_lock(&pkg.mtx);
	look = pkg.state == PKG_NONE || strcmp(pkg.roles, roles) != 0;
	pthread_mutex_unlock(&pkg.mtx);
	if (look)
		pkg_kick(a, roles, 0);
	return pkg_state_json();
}
