/* metrics.c - see metrics.h. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/sbuf.h"
#include "../common/sysdata.h"
#include "../common/util.h"
#include "metrics.h"

/* Histogram buckets, in seconds; one more for +Inf. */
static const double hist_le[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};
#define HIST_NB		(sizeof(hist_le) / sizeof(hist_le[0]))

/* Counts per bucket (not cumulative: a scrape sums them, so that +Inf
 * and _count always agree) and the sum of milliseconds. */
struct hist {
	uint64_t	 b[HIST_NB + 1];
	uint64_t	 sum_ms;
};

/* The rows of the function table that get their own series. */
#define MET_FUNCS	512

static struct {
	struct hist	 api[MET_FUNCS];
	uint64_t	 api_err[MET_FUNCS];
	struct hist	 query[SD_NTYPES];
	uint64_t	 queries[SD_NTYPES][MQ_N];
	struct hist	 proxy;
	uint64_t	 proxy_calls, proxy_failed;
	uint64_t	 pushes[SD_NTYPES], push_failed[SD_NTYPES];
	uint64_t	 login[ML_N];
} met;

static void
add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static uint64_t
get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void
hist_add(struct hist *h, int64_t ms)
{
	size_t i;

	if (ms < 0)
		ms = 0;
	for (i = 0; i < HIST_NB; i++)
		if ((double)ms / 1000.0 <= hist_le[i])
			break;
	add(&h->b[i], 1);
	add(&h->sum_ms, (uint64_t)ms);
}

void
metrics_api(const struct func *fn, int64_t ms, int error)
{
	ptrdiff_t i;

	if (fn == NULL || (i = fn - functab) < 0 || i >= MET_FUNCS)
		return;
	hist_add(&met.api[i], ms);
	if (error)
		add(&met.api_err[i], 1);
}

void
metrics_query(const struct dtype *t, int64_t ms, enum metric_query o)
{
	int i = sd_type_index(t);

	if (i < 0 || i >= SD_NTYPES)
		return;
	hist_add(&met.query[i], ms);
	add(&met.queries[i][o], 1);
}

void
metrics_proxy(int64_t ms, size_t calls, size_t failed)
{
	hist_add(&met.proxy, ms);
	add(&met.proxy_calls, calls);
	add(&met.proxy_failed, failed);
}

void
metrics_sync(const struct dtype *t, int ok)
{
	int i = sd_type_index(t);

	if (i < 0 || i >= SD_NTYPES)
		return;
	add(ok ? &met.pushes[i] : &met.push_failed[i], 1);
}

void
metrics_login(enum metric_login k)
{
	add(&met.login[k], 1);
}

/* ---- the exposition ---- */

static void
head(struct sbuf *b, const char *name, const char *type, const char *help)
{
	sbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label's value, escaped as the format wants (\\, \", \n). */
static void
label(struct sbuf *b, const char *name, const char *v)
{
	sbuf_printf(b, "%s=\"", name);
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			sbuf_addc(b, '\\');
		if (*v == '\n')
			sbuf_adds(b, "\\n");
		else
			sbuf_addc(b, *v);
	}
	sbuf_addc(b, '"');
}

/* One histogram's series, labelled lname=lval (lname NULL: none). */
static void
hist_out(struct sbuf *b, const char *name, const char *lname,
    const char *lval, const struct hist *h)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i <= HIST_NB; i++) {
		cum += get(&h->b[i]);
		sbuf_printf(b, "%s_bucket{", name);
		if (lname) {
			label(b, lname, lval);
			sbuf_addc(b, ',');
		}
		if (i < HIST_NB)
			sbuf_printf(b, "le=\"%g\"} %" PRIu64 "\n", hist_le[i],
			    cum);
		else
			sbuf_printf(b, "le=\"+Inf\"} %" PRIu64 "\n", cum);
	}
	sbuf_printf(b, "%s_sum", name);
	if (lname) {
		sbuf_addc(b, '{');
		label(b, lname, lval);
		sbuf_addc(b, '}');
	}
	sbuf_printf(b, " %.3f\n%s_count", (double)get(&h->sum_ms) / 1000.0,
	    name);
	if (lname) {
		sbuf_addc(b, '{');
		label(b, lname, lval);
		sbuf_addc(b, '}');
	}
	sbuf_printf(b, " %" PRIu64 "\n", cum);
}

static uint64_t
hist_count(const struct hist *h)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i <= HIST_NB; i++)
		n += get(&h->b[i]);
	return n;
}

static const char *const node_statuses[] = {
	"installing", "syncing", "ready", "unavailable", "error", NULL,
};

/* The nodes: status, last-seen age, desync entries, the services each
 * reported.  0 or -1 (the store failed). */
static int
nodes_out(struct master *m, struct sbuf *b)
{
	struct node *v = NULL;
	size_t n, i, k;
	int64_t now = wall_s();

	if (store_node_list(m->st, &v, &n) == -1)
		return -1;
	head(b, "hostfleet_node_status", "gauge", "The node's status: 1 for "
	    "the one it has, 0 for the others.");
	for (i = 0; i < n; i++)
		for (k = 0; node_statuses[k]; k++) {
			sbuf_adds(b, "hostfleet_node_status{");
			label(b, "node", v[i].name);
			sbuf_addc(b, ',');
			label(b, "status", node_statuses[k]);
			sbuf_printf(b, "} %d\n", strcmp(v[i].status,
			    node_statuses[k]) == 0);
		}
	head(b, "hostfleet_node_maintenance", "gauge", "1 when the node is in "
	    "maintenance.");
	for (i = 0; i < n; i++) {
		sbuf_adds(b, "hostfleet_node_maintenance{");
		label(b, "node", v[i].name);
		sbuf_printf(b, "} %d\n", v[i].maintenance != 0);
	}
	head(b, "hostfleet_node_last_seen_age_seconds", "gauge", "Seconds "
	    "since the node last answered a poll (absent: never).");
	for (i = 0; i < n; i++) {
		if (v[i].last_seen <= 0)
			continue;
		sbuf_adds(b, "hostfleet_node_last_seen_age_seconds{");
		label(b, "node", v[i].name);
		sbuf_printf(b, "} %" PRId64 "\n", now > v[i].last_seen ?
		    now - v[i].last_seen : 0);
	}
	head(b, "hostfleet_node_desync_entries", "gauge", "The node's desync "
	    "entries: data types it must be sent again.");
	for (i = 0; i < n; i++) {
		int cnt = 0;

		store_desync_count(m->st, v[i].id, &cnt);
		sbuf_adds(b, "hostfleet_node_desync_entries{");
		label(b, "node", v[i].name);
		sbuf_printf(b, "} %d\n", cnt);
	}
	head(b, "hostfleet_node_service_up", "gauge", "1 when the service of "
	    "the node's roles runs, in the node's last report.");
	for (k = 0; k < 2; k++) {
		if (k == 1)
			head(b, "hostfleet_node_service_state", "gauge", "The "
			    "state of the service in the node's last report "
			    "(1 for the one it has).");
		for (i = 0; i < n; i++) {
			json_t *s, *st;
			const char *name;

			if (v[i].stats == NULL || (s = json_loads(v[i].stats,
			    0, NULL)) == NULL)
				continue;
			json_object_foreach(json_object_get(s, "services"),
			    name, st) {
				const char *state = json_string_value(st);

				sbuf_adds(b, k == 0 ?
				    "hostfleet_node_service_up{" :
				    "hostfleet_node_service_state{");
				label(b, "node", v[i].name);
				sbuf_addc(b, ',');
				label(b, "service", name);
				if (k == 1) {
					sbuf_addc(b, ',');
					label(b, "state", state);
					sbuf_adds(b, "} 1\n");
				} else
					sbuf_printf(b, "} %d\n", state &&
					    strcmp(state, "running") == 0);
			}
			json_decref(s);
		}
	}
	store_nodes_free(v, n);
	return 0;
}

static const char *const query_outcomes[MQ_N] = {
	"committed", "failed", "refused",
};

static void
counters_out(struct sbuf *b)
{
	size_t i, k, nf;

	for (nf = 0; functab[nf].name && nf < MET_FUNCS; nf++)
		;
	head(b, "hostfleet_api_request_duration_seconds", "histogram", "API "
	    "calls by function and how long they took.");
	for (i = 0; i < nf; i++)
		if (hist_count(&met.api[i]))
			hist_out(b, "hostfleet_api_request_duration_seconds",
			    "function", functab[i].name, &met.api[i]);
	head(b, "hostfleet_api_errors_total", "counter", "API calls answered "
	    "with an error, by function.");
	for (i = 0; i < nf; i++)
		if (hist_count(&met.api[i])) {
			sbuf_adds(b, "hostfleet_api_errors_total{");
			label(b, "function", functab[i].name);
			sbuf_printf(b, "} %" PRIu64 "\n", get(&met.api_err[i]));
		}
	head(b, "hostfleet_query_duration_seconds", "histogram", "Distributed "
	    "queries by system data type and how long they took.");
	for (i = 0; i < sd_ntypes; i++)
		hist_out(b, "hostfleet_query_duration_seconds", "type",
		    sd_types[i].name, &met.query[i]);
	head(b, "hostfleet_queries_total", "counter", "Distributed queries by "
	    "type and outcome.");
	for (i = 0; i < sd_ntypes; i++)
		for (k = 0; k < MQ_N; k++) {
			sbuf_adds(b, "hostfleet_queries_total{");
			label(b, "type", sd_types[i].name);
			sbuf_addc(b, ',');
			label(b, "outcome", query_outcomes[k]);
			sbuf_printf(b, "} %" PRIu64 "\n",
			    get(&met.queries[i][k]));
		}
	head(b, "hostfleet_proxy_duration_seconds", "histogram", "Calls to "
	    "the nodes holding users' data, each batch run at once, and how "
	    "long they took.");
	hist_out(b, "hostfleet_proxy_duration_seconds", NULL, NULL,
	    &met.proxy);
	head(b, "hostfleet_proxy_calls_total", "counter", "Calls to the nodes "
	    "holding users' data.");
	sbuf_printf(b, "hostfleet_proxy_calls_total %" PRIu64 "\n",
	    get(&met.proxy_calls));
	head(b, "hostfleet_proxy_failures_total", "counter", "Calls to the "
	    "nodes holding users' data that got no answer.");
	sbuf_printf(b, "hostfleet_proxy_failures_total %" PRIu64 "\n",
	    get(&met.proxy_failed));
	for (k = 0; k < 2; k++) {
		const char *name = k ? "hostfleet_sync_failures_total" :
		    "hostfleet_sync_pushes_total";

		head(b, name, "counter", k ? "Pushes of the synchronizer "
		    "that a node did not acknowledge, by type." : "Pushes of "
		    "the synchronizer a node acknowledged, by type.");
		for (i = 0; i < sd_ntypes; i++) {
			sbuf_printf(b, "%s{", name);
			label(b, "type", sd_types[i].name);
			sbuf_printf(b, "} %" PRIu64 "\n", get(k ?
			    &met.push_failed[i] : &met.pushes[i]));
		}
	}
	head(b, "hostfleet_login_failures_total", "counter", "Logins refused "
	    "for a wrong name, password or scrape token.");
	sbuf_printf(b, "hostfleet_login_failures_total %" PRIu64 "\n",
	    get(&met.login[ML_FAILED]));
	head(b, "hostfleet_login_throttled_total", "counter", "Logins refused "
	    "because their address failed too often.");
	sbuf_printf(b, "hostfleet_login_throttled_total %" PRIu64 "\n",
	    get(&met.login[ML_THROTTLED]));
	head(b, "hostfleet_login_busy_total", "counter", "Logins refused "
	    "because too many passwords were being checked at once.");
	sbuf_printf(b, "hostfleet_login_busy_total %" PRIu64 "\n",
	    get(&met.login[ML_BUSY]));
}

int
metrics_token_ok(struct master *m, struct http_req *req)
{
	const char *h = http_req_header(req, "Authorization");
	char want[80], got[65];

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	if (store_policy_get(m->st, "metrics_token", want, sizeof(want)) !=
	    0 || strlen(want) != 64) {
		metrics_login(ML_FAILED);
		return 0;
	}
	secret_hash(h, got);
	if (sodium_memcmp(got, want, 64) != 0) {
		metrics_login(ML_FAILED);
		log_info("metrics: wrong scrape token from %s",
		    req->client_addr);
		return 0;
	}
	return 1;
}

void
metrics_serve(struct master *m, struct http_req *req, struct http_resp *resp,
    int refused)
{
	struct sbuf b;
	size_t len;
	char *body;

	if (strcmp(req->method, "GET") != 0) {
		http_resp_str(resp, 405, "text/plain", "GET only\n");
		return;
	}
	if (refused == 401) {
		snprintf(resp->extra_hdr[0], sizeof(resp->extra_hdr[0]),
		    "WWW-Authenticate: Bearer realm=\"hostfleet\"");
		http_resp_str(resp, 401, "text/plain", "the scrape token "
		    "(Authorization: Bearer) or an administrator's auth= or "
		    "authinfo= is needed\n");
		return;
	}
	if (refused) {
		http_resp_str(resp, 403, "text/plain", "only an administrator "
		    "may read the metrics\n");
		return;
	}
	sbuf_init(&b, 16u << 20);
	if (nodes_out(m, &b) == -1) {
		sbuf_release(&b);
		http_resp_str(resp, 500, "text/plain", "store unavailable\n");
		return;
	}
	counters_out(&b);
	body = sbuf_detach(&b, &len);
	http_resp_set(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
	    body, len);
}
