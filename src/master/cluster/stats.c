/* stats.c - the stats collector (DESIGN.md §3.5): every heartbeat the
 * master asks all joined nodes for their stats at once, over the kept-alive
 * connections of its client engine, and derives each node's status from
 * the answers alone. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "../master.h"

void
stats_wake(struct master *m)
{
	pthread_mutex_lock(&m->wake_mtx);
	m->wake_pending = 1;	/* not lost while a poll is under way */
	pthread_cond_signal(&m->wake);
	pthread_mutex_unlock(&m->wake_mtx);
}

/*
 * A node that answers leaves installing and unavailable: it is syncing
 * while it has desync entries, else ready; error stays until an admin acts.
 */
const char *
node_status_after_answer(const char *cur, int pending)
{
	if (strcmp(cur, "error") == 0)
		return "error";
	return pending ? "syncing" : "ready";
}

/* Checks the answer's shape before it is stored; 0 or -1. */
static int
stats_valid(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL), *u, *v;
	const char *k;
	int ok;

	ok = j && json_is_object(j) && json_is_array(json_object_get(j,
	    "load")) && json_is_object(json_object_get(j, "mem"));
	/* the master sums these: integers of at most a petabyte each */
	if (ok && (u = json_object_get(j, "usage")) != NULL) {
		ok = json_is_object(u);
		json_object_foreach(u, k, v)
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > ((json_int_t)1 << 50))
				ok = 0;
	}
	json_decref(j);
	return ok ? 0 : -1;
}

/* Logs what a node's stats say of its user-data files (the node's
 * "drift", drift.c) when it differs from its last stats: files changed by
 * hand, and files the node restored since. */
static void
log_userdata_drift(const struct node *nd, const json_t *now)
{
	json_t *old = NULL, *was, *d = json_object_get(now, "drift"), *l;
	char *paths;
	json_int_t r0, r1;

	if (!json_is_object(d))
		return;
	if (nd->stats)
		old = json_loads(nd->stats, 0, NULL);
	was = json_object_get(old, "drift");
	l = json_object_get(d, "paths");
	if (json_object_size(l) > 0 && !json_equal(l, json_object_get(was,
	    "paths")) && (paths = json_dumps(l, JSON_COMPACT)) != NULL) {
		log_warnx("node %" PRId64 " \"%s\": user data changed on the "
		    "node: %s", nd->id, nd->name, paths);
		free(paths);
	}
	r0 = json_integer_value(json_object_get(was, "restored"));
	r1 = json_integer_value(json_object_get(d, "restored"));
	if (was && r1 > r0)
		log_info("node %" PRId64 " \"%s\": %" JSON_INTEGER_FORMAT
		    " user-data files restored by the node", nd->id, nd->name,
		    r1 - r0);
	json_decref(old);
}

static void
poll_once(struct master *m, const struct policy *pol)
{
	struct node *v;
	struct hreq *reqs, **rp;
	struct node_poll *polls;
	char (*urls)[256];
	char (*msgs)[256];
	size_t n, i, k = 0;
	int64_t now, asked;

	if (store_node_list(m->st, &v, &n) == -1 || n == 0) {
		if (n == 0)
			free(v);
		return;
	}
	reqs = calloc(n, sizeof(*reqs));
	rp = calloc(n, sizeof(*rp));
	polls = calloc(n, sizeof(*polls));
	urls = calloc(n, sizeof(*urls));
	msgs = calloc(n, sizeof(*msgs));
	if (!reqs || !rp || !polls || !urls || !msgs)
		fatal("calloc");
	for (i = 0; i < n; i++) {
		if (!v[i].joined)
			continue;
		snprintf(urls[k], sizeof(urls[k]), "https://%s%s%s:%d/v1/stats"
		    "?roles=%s", strchr(v[i].addr, ':') ? "[" : "", v[i].addr,
		    strchr(v[i].addr, ':') ? "]" : "", v[i].port, v[i].roles);
		hreq_init(&reqs[k], urls[k], pol->node_timeout_ms);
		reqs[k].max_resp = 1u << 20;
		reqs[k].ud = &v[i];
		rp[k] = &reqs[k];
		k++;
	}
	asked = mono_ms();
	httpc_run(m->nodes, rp, k);
	now = wall_s();
	for (i = 0; i < k; i++) {
		struct hreq *r = &reqs[i];
		struct node *nd = r->ud;
		struct node_poll *p = &polls[i];

		p->id = nd->id;
		if (r->status == 200 && stats_valid(sbuf_str(&r->resp),
		    r->resp.len) == 0) {
			int pending = 0;

			store_desync_count(m->st, nd->id, &pending);
			p->status = node_status_after_answer(nd->status,
			    pending > 0);
			p->status_msg = strcmp(p->status, "error") == 0 ?
			    nd->status_msg : "";
			p->last_seen = now;
			p->misses = 0;
			p->stats = sbuf_str(&r->resp);
			{
				json_t *j = json_loadb(sbuf_str(&r->resp),
				    r->resp.len, 0, NULL);

				sync_check_drift(m, nd, json_object_get(j,
				    "versions"), asked);
				log_userdata_drift(nd, j);
				json_decref(j);
			}
			if (strcmp(nd->status, p->status) != 0)
				log_info("node %" PRId64 " \"%s\": %s -> %s",
				    nd->id, nd->name, nd->status, p->status);
			continue;
		}
		log_debug("stats: node %" PRId64 " failed after %lld ms",
		    nd->id, (long long)r->elapsed_ms);
		if (r->status)
			snprintf(msgs[i], sizeof(msgs[i]), "stats: HTTP %ld",
			    r->status);
		else
			snprintf(msgs[i], sizeof(msgs[i]), "stats: %s", r->err);
		p->misses = nd->misses + 1;
		p->status = nd->status;
		p->status_msg = msgs[i];
		if (p->misses >= pol->heartbeat_misses &&
		    strcmp(nd->status, "unavailable") != 0 &&
		    strcmp(nd->status, "error") != 0) {
			p->status = "unavailable";
			log_warnx("node %" PRId64 " \"%s\": unavailable after "
			    "%d missed polls: %s", nd->id, nd->name, p->misses,
			    msgs[i]);
		}
	}
	if (k)
		store_node_polls(m->st, polls, k);
	for (i = 0; i < k; i++)
		hreq_release(&reqs[i]);
	free(reqs);
	free(rp);
	free(polls);
	free(urls);
	free(msgs);
	store_nodes_free(v, n);
}

void *
stats_loop(void *arg)
{
	struct master *m = arg;
	struct policy pol;
	struct timespec ts;
	int64_t next;

	while (!m->stop) {
		policy_load(m, &pol);
		next = mono_ms() + pol.heartbeat_interval_ms;
		poll_once(m, &pol);
		/* wake-ups (joins, hellos, policy changes) poll at most every
		 * 100 ms, however many come */
		if (pol.heartbeat_interval_ms > 100) {
			pthread_mutex_lock(&m->wake_mtx);
			if (m->wake_pending && !m->stop) {
				pthread_mutex_unlock(&m->wake_mtx);
				usleep(100000);
			} else
				pthread_mutex_unlock(&m->wake_mtx);
		}
		pthread_mutex_lock(&m->wake_mtx);
		while (!m->stop && !m->wake_pending && mono_ms() < next) {
			int64_t left = next - mono_ms();

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += left / 1000;
			ts.tv_nsec += (left % 1000) * 1000000;
			if (ts.tv_nsec >= 1000000000) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&m->wake, &m->wake_mtx, &ts);
		}
		m->wake_pending = 0;
		pthread_mutex_unlock(&m->wake_mtx);
	}
	return NULL;
}
