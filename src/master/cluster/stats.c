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
#include "../../common/peerclock.h"
#include "../../common/sysdata.h"
#include "../../common/util.h"
#include "../../common/valid.h"
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
 * A node that answers leaves unavailable.  Its software decides first: a
 * failed install is an error, an install under way is installing, and a
 * node installing or in error stays so until it reports its software done
 * at the master's version of the list.  Then it is syncing while it has
 * desync entries, else ready.
 */
const char *
node_status_after_answer(const char *cur, int pending, const char *sw,
    int sw_current)
{
	int held = strcmp(cur, "installing") == 0 || strcmp(cur, "error") == 0;

	if (sw == NULL)
		return held ? cur : pending ? "syncing" : "ready";
	if (strcmp(sw, "failed") == 0)
		return "error";
	if (strcmp(sw, "installing") == 0)
		return "installing";
	if (held && *sw && !sw_current)
		return "installing";
	return pending ? "syncing" : "ready";
}

/* The software part of a report: its state ("" without one), or NULL when
 * the report was asked for before the last software push or query ended
 * (the node may have a newer list by now); *current when the node's list
 * is at the master's version. */
static const char *
software_state(struct master *m, json_t *rep, int64_t asked, int *current)
{
	const struct dtype *t = sd_type("software");
	json_t *sw = json_object_get(rep, "software");
	int64_t mv;

	*current = 0;
	if (sw == NULL)
		return "";
	if (__atomic_load_n(&m->type_done_ms[sd_type_index(t)],
	    __ATOMIC_ACQUIRE) >= asked)
		return NULL;
	if (store_sys_version(m->st, t->name, &mv) == 0)
		*current = json_integer_value(json_object_get(sw, "version")) ==
		    mv;
	return json_string_value(json_object_get(sw, "state"));
}

/* What status_msg says of a node installing or in error, from its report;
 * one line. */
static void
software_msg(json_t *rep, const char *status, char *out, size_t len)
{
	json_t *sw = json_object_get(rep, "software"), *v;
	const char *log = json_string_value(json_object_get(sw, "log"));
	size_t i, o, n;

	if (strcmp(status, "error") == 0) {
		/* the tail of apt's output: where it says what went wrong */
		n = log ? strlen(log) : 0;
		o = (size_t)snprintf(out, len, "software: the install failed: ");
		if (n > len - o - 1) {
			log += n - (len - o - 1);
			while (((unsigned char)*log & 0xc0) == 0x80)
				log++;		/* not inside a character */
		}
		snprintf(out + o, len - o, "%s", log ? log : "");
		return;
	}
	if (json_array_size(json_object_get(sw, "missing")) == 0) {
		snprintf(out, len, "waiting for the software list");
		return;
	}
	o = (size_t)snprintf(out, len, "installing:");
	json_array_foreach(json_object_get(sw, "missing"), i, v)
		if (o < len)
			o += (size_t)snprintf(out + o, len - o, " %s",
			    json_string_value(v));
}

/* Checks the answer's shape before it is stored; 0 or -1. */
static int
stats_valid(const char *body, size_t len)
{
	json_t *j = json_loadb(body, len, 0, NULL), *u, *v;
	const char *k;
	size_t i;
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
	/* the software report: a state, a version, package names, a log */
	if (ok && (u = json_object_get(j, "software")) != NULL) {
		const char *st = json_string_value(json_object_get(u, "state"));

		ok = json_is_object(u) && st && (strcmp(st, "installing") == 0 ||
		    strcmp(st, "done") == 0 || strcmp(st, "failed") == 0) &&
		    json_is_integer(json_object_get(u, "version")) &&
		    json_is_string(json_object_get(u, "log")) &&
		    json_is_array(json_object_get(u, "missing"));
		json_array_foreach(json_object_get(u, "missing"), i, v) {
			char e[VALID_ERR_MAX], c[512];

			if (!json_is_string(v) || sd_check_sw_package("package",
			    json_string_value(v), c, e) == -1)
				ok = 0;
		}
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
	char (*urls)[320];
	char (*msgs)[1024];
	size_t n, i, k = 0;
	int64_t now, asked;

	if (store_node_list(m->st, &v, &n) == -1 || n == 0) {
		if (n == 0)
			free(v);
		return;
	}
	reqs = xcalloc(n, sizeof(*reqs));
	rp = xcalloc(n, sizeof(*rp));
	polls = xcalloc(n, sizeof(*polls));
	urls = xcalloc(n, sizeof(*urls));
	msgs = xcalloc(n, sizeof(*msgs));
	for (i = 0; i < n; i++) {
		if (!v[i].joined)
			continue;
		/* the master's clock rides on every poll (peerclock.h) */
		snprintf(urls[k], sizeof(urls[k]), "https://%s%s%s:%d/v1/stats"
		    "?roles=%s&clock=%lld&sent_ms=%lld", strchr(v[i].addr, ':') ?
		    "[" : "", v[i].addr, strchr(v[i].addr, ':') ? "]" : "",
		    v[i].port, v[i].roles, (long long)peerclock_self(),
		    (long long)mono_ms());
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
			json_t *j = json_loadb(sbuf_str(&r->resp), r->resp.len,
			    0, NULL);
			const char *sw;
			int pending = 0, current;

			store_desync_count(m->st, nd->id, &pending);
			sw = software_state(m, j, asked, &current);
			p->status = node_status_after_answer(nd->status,
			    pending > 0, sw, current);
			if (sw == NULL && strcmp(p->status, nd->status) == 0)
				p->status_msg = nd->status_msg;
			else if (strcmp(p->status, "installing") == 0 ||
			    strcmp(p->status, "error") == 0) {
				software_msg(j, p->status, msgs[i],
				    sizeof(msgs[i]));
				p->status_msg = msgs[i];
			} else
				p->status_msg = "";
			/* a role's service that does not run: the node takes
			 * no change of its data until it runs again */
			if (strcmp(p->status, "ready") == 0 ||
			    strcmp(p->status, "syncing") == 0) {
				const char *sk;
				json_t *sv;

				json_object_foreach(json_object_get(j,
				    "services"), sk, sv)
					if (json_is_string(sv) && strcmp(
					    json_string_value(sv), "stopped") ==
					    0 && strcmp(sk, "cron") != 0 &&
					    strcmp(sk, "nftables") != 0) {
						snprintf(msgs[i], sizeof(msgs[i]),
						    "%s is not running", sk);
						p->status_msg = msgs[i];
						break;
					}
			}
			/* back from an outage, or started anew since the last
			 * poll: what it missed is sent at once, not when the
			 * backoff of its failed attempts would have said */
			if (nd->misses > 0 || strcmp(nd->status,
			    "unavailable") == 0 || json_integer_value(
			    json_object_get(j, "agent_uptime")) < now -
			    nd->last_seen) {
				store_desync_due_now(m->st, nd->id);
				sync_wake(m);
			}
			p->last_seen = now;
			p->misses = 0;
			p->stats = sbuf_str(&r->resp);
			sync_check_drift(m, nd, json_object_get(j, "versions"),
			    asked);
			log_userdata_drift(nd, j);
			json_decref(j);
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
			deadline_in(next - mono_ms(), &ts);
			pthread_cond_timedwait(&m->wake, &m->wake_mtx, &ts);
		}
		m->wake_pending = 0;
		pthread_mutex_unlock(&m->wake_mtx);
	}
	return NULL;
}
