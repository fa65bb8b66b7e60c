/* drift.c - drift of user-data files: a site's, zone's or map's file
 * changed, removed or added by hand on the node is found, reported in the
 * node's stats and put back from the store.
 *
 * The node knows what it rendered: after every render of a service that
 * succeeded (backend_put() calls drift_render_begin/end around a backend's
 * render, check and install, with the service's lock held) the files of that service as the render left
 * them are hashed into the service's manifest, {"PATH": "HASH"} with PATH
 * relative to the host root.  Nothing is rendered a second time to compare,
 * so the comparison is with exactly what the apply wrote.
 *
 * A scan hashes the same files again (BLAKE2b, crypto_generichash) and
 * compares: a changed file, a missing one, and in the node's own
 * directories a file the apply would sweep (a stray NAME.conf among the
 * sites, NAME.db among the zones) are drift.  Only what a render puts back
 * is watched, so a restore always ends the drift it was made for: the
 * postmap .db tables are watched for being there, not for their bytes
 * (postmap rebuilds them only with their source).
 *
 * A scan runs without the service's lock: it is discarded when a render
 * began or ended while it ran (a generation count).  The drift thread
 * scans every drift_interval_s and has udata_repair() render a drifted
 * service again and make it live; the stats scan on demand, at most once
 * a second per service.  With drift_interval_s 0 drift is reported and
 * never restored. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../common/log.h"
#include "../common/util.h"
#include "node.h"
#include "svcctl.h"

enum dsvc { D_WEB, D_DNS, D_MAIL, D_N };

static const char *const d_role[D_N] = { "web", "dns", "mail" };

/* What a service's renders leave under the host root. */
enum wkind {
	W_FILE,		/* a file, by its content */
	W_DIR,		/* every NAME+suffix in a directory (swept by the
			 * apply when it has no item), by content */
	W_EXISTS,	/* a file that must be there */
};

static const struct watch {
	enum dsvc	 svc;
	enum wkind	 kind;
	const char	*path;
	const char	*suffix;
} watches[] = {
	/* svc_web.c */
	{ D_WEB, W_DIR, "etc/nginx/hostfleet/sites", ".conf" },
	{ D_WEB, W_FILE, "etc/nginx/hostfleet/sites.conf", NULL },
	{ D_WEB, W_DIR, "etc/php/" PHP_VERSION "/fpm/hostfleet", ".conf" },
	/* svc_dns.c */
	{ D_DNS, W_DIR, "etc/bind/hostfleet/zones", ".db" },
	{ D_DNS, W_FILE, "etc/bind/hostfleet/zones.conf", NULL },
	/* svc_mail.c */
	{ D_MAIL, W_FILE, "etc/postfix/hostfleet/vdomains", NULL },
	{ D_MAIL, W_FILE, "etc/postfix/hostfleet/vmailboxes", NULL },
	{ D_MAIL, W_FILE, "etc/postfix/hostfleet/valiases", NULL },
	{ D_MAIL, W_FILE, "etc/postfix/hostfleet/vuids", NULL },
	{ D_MAIL, W_FILE, "etc/postfix/hostfleet/vgids", NULL },
	{ D_MAIL, W_EXISTS, "etc/postfix/hostfleet/vdomains.db", NULL },
	{ D_MAIL, W_EXISTS, "etc/postfix/hostfleet/vmailboxes.db", NULL },
	{ D_MAIL, W_EXISTS, "etc/postfix/hostfleet/valiases.db", NULL },
	{ D_MAIL, W_EXISTS, "etc/postfix/hostfleet/vuids.db", NULL },
	{ D_MAIL, W_EXISTS, "etc/postfix/hostfleet/vgids.db", NULL },
	{ D_MAIL, W_FILE, "etc/postfix/hostfleet/main.cf", NULL },
	{ D_MAIL, W_FILE, "etc/dovecot/hostfleet/users", NULL },
	{ D_MAIL, W_FILE, "etc/dovecot/hostfleet/dovecot.conf", NULL },
};

#define DRIFT_HEX	(crypto_generichash_BYTES * 2 + 1)
#define DRIFT_RESTORED_KEPT	8	/* restorations the stats list */
#define DRIFT_SCAN_MIN_MS	1000	/* between two scans for the stats */

static struct dstate {
	json_t		*want;	/* manifest of the last render, NULL: none */
	unsigned	 gen;	/* changes when a render begins or ends */
	int		 busy;	/* renders under way */
	json_t		*found;	/* drifted paths of the last scan */
	int64_t		 scanned_ms;
} ds[D_N];

static pthread_mutex_t d_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t d_cv = PTHREAD_COND_INITIALIZER;
static int d_stop, d_running;
static pthread_t d_thr;
static int64_t d_restored;		/* files restored since start */
static json_t *d_last;			/* the last restorations */

static int
svc_of(const char *role)
{
	int s;

	for (s = 0; s < D_N; s++)
		if (strcmp(d_role[s], role) == 0)
			return s;
	return -1;
}

/* The hash of the file at path in hex, or -1 when it cannot be read. */
static int
hash_file(const char *path, char out[DRIFT_HEX])
{
	unsigned char h[crypto_generichash_BYTES], buf[65536];
	crypto_generichash_state st;
	ssize_t n;
	int fd;

	if (sodium_init() == -1 ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return -1;
	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crypto_generichash_update(&st, buf, (size_t)n);
	close(fd);
	if (n == -1)
		return -1;
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(out, DRIFT_HEX, h, sizeof(h));
	return 0;
}

/* Adds rel with its hash (or "present" for W_EXISTS) to m when the file
 * is there; an unreadable file counts as changed. */
static void
add_file(json_t *m, const char *root, const char *rel, enum wkind kind)
{
	char path[PATH_MAX], hex[DRIFT_HEX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (lstat(path, &sb) == -1)
		return;
	if (kind == W_EXISTS)
		json_object_set_new(m, rel, json_string("present"));
	else if (!S_ISDIR(sb.st_mode) && hash_file(path, hex) == 0)
		json_object_set_new(m, rel, json_string(hex));
	else
		json_object_set_new(m, rel, json_string("unreadable"));
}

/* The files of service s under root as they are now: a new manifest. */
static json_t *
scan_files(const char *root, enum dsvc s)
{
	char dir[PATH_MAX], rel[PATH_MAX];
	json_t *m = json_object();
	struct dirent *de;
	size_t i, sl, nl;
	DIR *d;

	if (strcmp(root, "/") == 0)
		root = "";
	for (i = 0; i < nitems(watches); i++) {
		const struct watch *w = &watches[i];

		if (w->svc != s)
			continue;
		if (w->kind != W_DIR) {
			add_file(m, root, w->path, w->kind);
			continue;
		}
		snprintf(dir, sizeof(dir), "%s/%s", root, w->path);
		if ((d = opendir(dir)) == NULL)
			continue;
		sl = strlen(w->suffix);
		/* the names svc_tx_sweep() considers */
		while ((de = readdir(d)) != NULL) {
			nl = strlen(de->d_name);
			if (de->d_name[0] == '.' || nl <= sl ||
			    strcmp(de->d_name + nl - sl, w->suffix) != 0)
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", w->path,
			    de->d_name);
			add_file(m, root, rel, W_FILE);
		}
		closedir(d);
	}
	return m;
}

/* The paths where have differs from want, sorted: a new array. */
static json_t *
manifest_diff(const json_t *want, const json_t *have)
{
	json_t *out = json_array(), *v, *sorted;
	const char *k;
	size_t i;

	json_object_foreach((json_t *)want, k, v)
		if (!json_equal(v, json_object_get(have, k)))
			json_array_append_new(out, json_string(k));
	json_object_foreach((json_t *)have, k, v)
		if (json_object_get(want, k) == NULL)
			json_array_append_new(out, json_string(k));
	/* jansson keeps insertion order: sort for a stable report */
	sorted = json_array();
	while (json_array_size(out) > 0) {
		size_t best = 0;

		json_array_foreach(out, i, v)
			if (strcmp(json_string_value(v), json_string_value(
			    json_array_get(out, best))) < 0)
				best = i;
		json_array_append(sorted, json_array_get(out, best));
		json_array_remove(out, best);
	}
	json_decref(out);
	return sorted;
}

void
drift_render_begin(struct node_agent *a, const char *role)
{
	int s = svc_of(role);

	(void)a;
	if (s == -1)
		return;
	pthread_mutex_lock(&d_mtx);
	ds[s].busy++;
	ds[s].gen++;
	pthread_mutex_unlock(&d_mtx);
}

void
drift_render_end(struct node_agent *a, const char *role, int ok)
{
	int s = svc_of(role);
	json_t *m = NULL;

	if (s == -1)
		return;
	/* the files are the render's: nothing else writes them while the
	 * service's lock is held */
	if (ok)
		m = scan_files(a->conf.root, (enum dsvc)s);
	pthread_mutex_lock(&d_mtx);
	if (ok) {
		json_decref(ds[s].want);
		ds[s].want = m;
		json_decref(ds[s].found);
		ds[s].found = json_array();
	}
	/* a failed render keeps the manifest: whatever it left that
	 * differs is drift, and its restore renders the store again */
	ds[s].busy--;
	ds[s].gen++;
	pthread_mutex_unlock(&d_mtx);
}

/*
 * Scans service s and keeps the result as the service's drift.  Without
 * the service's lock the scan is discarded when a render ran meanwhile.
 * The drifted paths (a new array; empty: none), or NULL when the service
 * was never rendered or a render got in the way.
 */
static json_t *
scan(struct node_agent *a, enum dsvc s)
{
	json_t *want, *have, *diff;
	unsigned gen;

	pthread_mutex_lock(&d_mtx);
	if (ds[s].want == NULL || ds[s].busy) {
		pthread_mutex_unlock(&d_mtx);
		return NULL;
	}
	want = json_incref(ds[s].want);	/* replaced, never changed */
	gen = ds[s].gen;
	pthread_mutex_unlock(&d_mtx);
	have = scan_files(a->conf.root, s);
	diff = manifest_diff(want, have);
	json_decref(want);
	json_decref(have);
	pthread_mutex_lock(&d_mtx);
	if (gen != ds[s].gen) {
		pthread_mutex_unlock(&d_mtx);
		json_decref(diff);
		return NULL;
	}
	json_decref(ds[s].found);
	ds[s].found = json_incref(diff);
	ds[s].scanned_ms = mono_ms();
	pthread_mutex_unlock(&d_mtx);
	return diff;
}

json_t *
drift_scan_locked(struct node_agent *a, const char *role)
{
	int s = svc_of(role);

	return s == -1 ? NULL : scan(a, (enum dsvc)s);
}

/* Keeps the restoration of path (relative to the root) of role. */
static void
note_restored(const char *role, const char *path)
{
	pthread_mutex_lock(&d_mtx);
	d_restored++;
	if (d_last == NULL)
		d_last = json_array();
	json_array_append_new(d_last, json_pack("{s:s,s:s,s:I}", "service",
	    role, "path", path, "at", (json_int_t)wall_s()));
	while (json_array_size(d_last) > DRIFT_RESTORED_KEPT)
		json_array_remove(d_last, 0);
	pthread_mutex_unlock(&d_mtx);
}

/* One round of the thread: every drifted service restored.  failed keeps
 * the last error of each service so that a restore that keeps failing is
 * logged once. */
static void
round_once(struct node_agent *a, char failed[D_N][256])
{
	json_t *diff, *fixed, *p;
	char err[1024];
	size_t i;
	int s;

	for (s = 0; s < D_N; s++) {
		if ((diff = scan(a, (enum dsvc)s)) == NULL)
			continue;
		if (json_array_size(diff) == 0) {
			json_decref(diff);
			continue;
		}
		json_decref(diff);
		fixed = NULL;
		err[0] = '\0';
		if (udata_repair(a, d_role[s], &fixed, err, sizeof(err)) ==
		    -1) {
			if (strcmp(failed[s], err) != 0)
				log_warnx("user data: %s files changed on the "
				    "node not restored: %s", d_role[s], err);
			strlcpy_hf(failed[s], err, sizeof(failed[s]));
		} else
			failed[s][0] = '\0';
		json_array_foreach(fixed, i, p) {
			if (failed[s][0] == '\0') {
				log_warnx("user data: %s file \"%s%s%s\" was "
				    "changed on the node; restored",
				    d_role[s], a->conf.root, strcmp(
				    a->conf.root, "/") == 0 ? "" : "/",
				    json_string_value(p));
				note_restored(d_role[s], json_string_value(p));
			}
		}
		json_decref(fixed);
		json_decref(scan(a, (enum dsvc)s));
	}
}

static void *
drift_main(void *arg)
{
	struct node_agent *a = arg;
	char failed[D_N][256];
	struct timespec ts;

	memset(failed, 0, sizeof(failed));
	pthread_mutex_lock(&d_mtx);
	while (!d_stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += a->conf.drift_interval_s;
		pthread_cond_timedwait(&d_cv, &d_mtx, &ts);
		if (d_stop)
			break;
		pthread_mutex_unlock(&d_mtx);
		round_once(a, failed);
		pthread_mutex_lock(&d_mtx);
	}
	pthread_mutex_unlock(&d_mtx);
	return NULL;
}

void
drift_start(struct node_agent *a)
{
	if (a->conf.drift_interval_s < 1)
		return;		/* reported, never restored */
	d_stop = 0;
	if (pthread_create(&d_thr, NULL, drift_main, a) == 0)
		d_running = 1;
	else
		log_warnx("drift: cannot start the thread");
}

void
drift_stop(struct node_agent *a)
{
	int s;

	(void)a;
	if (d_running) {
		pthread_mutex_lock(&d_mtx);
		d_stop = 1;
		pthread_cond_broadcast(&d_cv);
		pthread_mutex_unlock(&d_mtx);
		pthread_join(d_thr, NULL);
		d_running = 0;
	}
	pthread_mutex_lock(&d_mtx);
	for (s = 0; s < D_N; s++) {
		json_decref(ds[s].want);
		json_decref(ds[s].found);
		ds[s].want = ds[s].found = NULL;
	}
	json_decref(d_last);
	d_last = NULL;
	pthread_mutex_unlock(&d_mtx);
}

json_t *
drift_json(struct node_agent *a)
{
	json_t *o = json_object(), *paths = json_object(), *v;
	int64_t files = 0;
	size_t i;
	int s;

	for (s = 0; s < D_N; s++) {
		int stale;

		pthread_mutex_lock(&d_mtx);
		stale = ds[s].want && mono_ms() - ds[s].scanned_ms >=
		    DRIFT_SCAN_MIN_MS;
		pthread_mutex_unlock(&d_mtx);
		if (stale)
			json_decref(scan(a, (enum dsvc)s));
		pthread_mutex_lock(&d_mtx);
		if (json_array_size(ds[s].found) > 0) {
			json_t *l = json_array();

			files += (int64_t)json_array_size(ds[s].found);
			json_array_foreach(ds[s].found, i, v)
				if (i < DRIFT_REPORT_MAX)
					json_array_append(l, v);
			json_object_set_new(paths, d_role[s], l);
		}
		pthread_mutex_unlock(&d_mtx);
	}
	pthread_mutex_lock(&d_mtx);
	json_object_set_new(o, "files", json_integer(files));
	json_object_set_new(o, "paths", paths);
	json_object_set_new(o, "restored", json_integer(d_restored));
	json_object_set_new(o, "last_restored", d_last ? json_deep_copy(
	    d_last) : json_array());
	json_object_set_new(o, "restore", json_boolean(
	    a->conf.drift_interval_s > 0));
	pthread_mutex_unlock(&d_mtx);
	return o;
}
