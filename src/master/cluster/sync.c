/* sync.c - the synchronizer loop (DESIGN.md §3.4).
 *
 * For every node with desync entries that is answering and not in
 * maintenance, the loop takes the entry of highest priority (one data type
 * per node at a time) and pushes the master's full state of that type with
 * its version; the node applies only the difference and acknowledges once
 * the change is in effect.  All nodes are pushed at once.  Success removes
 * the entry unless it was registered again meanwhile; failure retries with
 * exponential backoff, the error kept on the entry for the admin to see. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/log.h"
#include "../../common/sysdata.h"
#include "../../common/util.h"
#include "../master.h"
#include "../metrics.h"

#define BACKOFF_MIN_MS	250
#define BACKOFF_MAX_MS	30000

void
sync_wake(struct master *m)
{
	pthread_mutex_lock(&m->sync_mtx);
	pthread_cond_signal(&m->sync_wake);
	pthread_mutex_unlock(&m->sync_mtx);
}

void
sync_check_drift(struct master *m, const struct node *n, json_t *versions,
    int64_t asked_ms)
{
	size_t i;

	if (n->maintenance || !json_is_object(versions))
		return;
	for (i = 0; i < sd_ntypes; i++) {
		const struct dtype *t = &sd_types[i];
		json_t *rep = json_object_get(versions, t->name);
		int64_t mv, nv;
		int has, intact;
		char reason[200];

		if (!sd_type_matches(t, n->roles) || rep == NULL)
			continue;
		/* a query or push of this type in flight: its result decides */
		if (pthread_mutex_trylock(&m->type_mtx[i]) != 0)
			continue;
		if (__atomic_load_n(&m->type_done_ms[i], __ATOMIC_ACQUIRE) >=
		    asked_ms) {
			pthread_mutex_unlock(&m->type_mtx[i]);
			continue;
		}
		nv = json_integer_value(json_object_get(rep, "version"));
		intact = json_is_true(json_object_get(rep, "intact"));
		if (store_sys_version(m->st, t->name, &mv) == 0 &&
		    store_desync_has(m->st, n->id, t->name, &has) == 0 &&
		    !has && (nv != mv || !intact)) {
			if (nv != mv)
				snprintf(reason, sizeof(reason), "the node "
				    "reports version %" PRId64 ", the master "
				    "has %" PRId64, nv, mv);
			else
				snprintf(reason, sizeof(reason), "a managed "
				    "file was changed on the node");
			log_warnx("node %" PRId64 " \"%s\": %s: %s", n->id,
			    n->name, t->name, reason);
			store_desync_add(m->st, &n->id, 1, t->name, reason,
			    wall_s());
			sync_wake(m);
		}
		pthread_mutex_unlock(&m->type_mtx[i]);
	}
}

struct push {
	int64_t			 node;
	char			 name[64];
	const struct dtype	*t;
	int64_t			 gen;
	int			 attempts;
	int64_t			 version;
	char			*body;
	char			 url[256];
	struct hreq		 req;
};

/* Picks, for each node, its due entry of highest priority.  A node
 * installing (once it has answered a poll) or in error is sent only its
 * software: the other types wait until that is in place. */
static size_t
pick(json_t *rows, struct push *out, size_t max)
{
	json_t *r;
	size_t i, j, n = 0;

	json_array_foreach(rows, i, r) {
		const char *status = json_string_value(json_object_get(r,
		    "status"));
		const struct dtype *t = sd_type(json_string_value(
		    json_object_get(r, "type")));
		int64_t node = json_integer_value(json_object_get(r, "node"));
		int installing = strcmp(status, "installing") == 0;

		if (t == NULL || json_integer_value(json_object_get(r,
		    "maintenance")) || strcmp(status, "unavailable") == 0)
			continue;
		if ((installing || strcmp(status, "error") == 0) &&
		    (strcmp(t->name, "software") != 0 || (installing &&
		    json_integer_value(json_object_get(r, "last_seen")) == 0)))
			continue;
		for (j = 0; j < n; j++)
			if (out[j].node == node)
				break;
		if (j < n) {
			if (t->priority > out[j].t->priority) {
				out[j].t = t;
				out[j].gen = json_integer_value(
				    json_object_get(r, "gen"));
				out[j].attempts = (int)json_integer_value(
				    json_object_get(r, "attempts"));
			}
			continue;
		}
		if (n == max)
			break;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].node = node;
		strlcpy_hf(out[n].name, json_string_value(json_object_get(r,
		    "name")), sizeof(out[n].name));
		out[n].t = t;
		out[n].gen = json_integer_value(json_object_get(r, "gen"));
		out[n].attempts = (int)json_integer_value(json_object_get(r,
		    "attempts"));
		n++;
	}
	return n;
}

/* One round: push what is due; returns the number of pushes made. */
static size_t
sync_round(struct master *m)
{
	struct policy pol;
	json_t *rows = NULL;
	struct push *p = NULL;
	struct hreq **rp = NULL;
	char *bodies[SD_NTYPES] = { NULL };
	int64_t versions[SD_NTYPES] = { 0 }, now_ms = wall_s() * 1000;
	int loaded[SD_NTYPES] = { 0 };
	size_t n, i, k = 0;

	if (store_desync_list(m->st, now_ms, &rows) == -1 ||
	    json_array_size(rows) == 0) {
		json_decref(rows);
		return 0;
	}
	policy_load(m, &pol);
	n = json_array_size(rows);
	p = xcalloc(n, sizeof(*p));
	rp = xcalloc(n, sizeof(*rp));
	n = pick(rows, p, n);
	for (i = 0; i < n; i++) {
		int idx = sd_type_index(p[i].t);
		struct node nd;

		/* the full state of each type, read once per round; no lock
		 * is held during the push: an entry is removed afterwards only
		 * if no query committed a newer version meanwhile */
		if (!loaded[idx]) {
			json_t *items, *b;

			loaded[idx] = 1;
			if (store_sys_state(m->st, p[i].t->name,
			    &versions[idx], &items) == -1)
				continue;
			sd_sort(p[i].t, items);
			b = json_pack("{s:I,s:o}", "version",
			    (json_int_t)versions[idx], "items", items);
			bodies[idx] = json_dumps(b, JSON_COMPACT);
			json_decref(b);
		}
		if (bodies[idx] == NULL || store_node_get(m->st, p[i].node,
		    &nd) != 0)
			continue;
		snprintf(p[i].url, sizeof(p[i].url), "https://%s%s%s:%d/v1/"
		    "sync/%s?roles=%s", strchr(nd.addr, ':') ? "[" : "",
		    nd.addr, strchr(nd.addr, ':') ? "]" : "", nd.port,
		    p[i].t->name, nd.roles);
		store_node_free(&nd);
		p[i].version = versions[idx];
		hreq_init(&p[i].req, p[i].url, pol.node_timeout_ms);
		p[i].req.body = bodies[idx];
		p[i].req.body_len = strlen(bodies[idx]);
		p[i].req.ctype = "application/json";
		p[i].req.max_resp = 65536;
		rp[k++] = &p[i].req;
	}
	httpc_run(m->nodes, rp, k);
	for (i = 0; i < n; i++) {
		struct hreq *r = &p[i].req;
		const char *sws;
		json_t *a;
		char err[300];

		if (r->url == NULL)
			continue;
		a = json_loadb(sbuf_str(&r->resp), r->resp.len, 0, NULL);
		__atomic_store_n(&m->type_done_ms[sd_type_index(p[i].t)],
		    mono_ms(), __ATOMIC_RELEASE);
		if (r->status == 200 && json_integer_value(json_object_get(a,
		    "version")) == p[i].version) {
			store_desync_done(m->st, p[i].node, p[i].t->name,
			    p[i].gen, p[i].version);
			metrics_sync(p[i].t, 1);
			/* the other types wait for the packages it installs */
			sws = json_string_value(json_object_get(json_object_get(
			    a, "software"), "state"));
			if (sws && strcmp(sws, "installing") == 0) {
				store_node_installing(m->st, p[i].node,
				    "installing the software of its roles");
				log_info("node %" PRId64 " \"%s\": installing "
				    "its software", p[i].node, p[i].name);
			}
			log_info("sync: node %" PRId64 " \"%s\": %s at version "
			    "%" PRId64, p[i].node, p[i].name, p[i].t->name,
			    p[i].version);
		} else {
			int64_t back = BACKOFF_MIN_MS << (p[i].attempts < 8 ?
			    p[i].attempts : 8);

			if (back > BACKOFF_MAX_MS)
				back = BACKOFF_MAX_MS;
			if (r->status == 0)
				snprintf(err, sizeof(err), "%s", r->err);
			else
				snprintf(err, sizeof(err), "HTTP %ld: %s",
				    r->status, json_string_value(
				    json_object_get(a, "error")) ?
				    json_string_value(json_object_get(a,
				    "error")) : "?");
			store_desync_failed(m->st, p[i].node, p[i].t->name,
			    err, wall_s() * 1000 + back);
			metrics_sync(p[i].t, 0);
			log_warnx("sync: node %" PRId64 " \"%s\": %s: %s; "
			    "retry in %lld ms", p[i].node, p[i].name,
			    p[i].t->name, err, (long long)back);
		}
		json_decref(a);
		hreq_release(r);
	}
	for (i = 0; i < nitems(bodies); i++)
		free(bodies[i]);
	free(p);
	free(rp);
	json_decref(rows);
	return k;
}

void *
sync_loop(void *arg)
{
	struct master *m = arg;
	struct timespec ts;
	int64_t purged = 0;

	/* user data is settled by its own thread (reconcile.c): nothing here
	 * waits on a node but the pushes, all at once, each with its
	 * timeout (I6) */
	while (!m->stop) {
		size_t pushed = sync_round(m);

		/* sessions idle past their timeout, failures 15 minutes old */
		if (mono_ms() - purged >= 60000) {
			store_login_purge(m->st, wall_s(), m->conf.session_idle_s);
			actlog_purge(m);
			purged = mono_ms();
		}

		pthread_mutex_lock(&m->sync_mtx);
		if (!m->stop) {
			/* after a round that pushed, look again at once; else
			 * wait to be woken, or for backoffs to come due */
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += (pushed ? 20 : 250) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&m->sync_wake, &m->sync_mtx,
			    &ts);
		}
		pthread_mutex_unlock(&m->sync_mtx);
	}
	return NULL;
}
