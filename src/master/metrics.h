/* metrics.h - counters of the master's work, and /metrics: them and the
 * cluster's state in Prometheus' text exposition format
 * (docs/operations.md, "Metrics").
 *
 * The counters are atomics: any thread adds to them without a lock, and
 * a scrape reads them while they move.  The nodes' state is read from
 * the store at each scrape. */
#ifndef HF_METRICS_H
#define HF_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "master.h"

enum metric_login {
	ML_FAILED,		/* a wrong name, password or scrape token */
	ML_THROTTLED,		/* refused: too many failures from there */
	ML_BUSY,		/* refused: too many hashes at once */
	ML_N
};

enum metric_query {
	MQ_COMMITTED,
	MQ_FAILED,		/* sent, not acknowledged by every node */
	MQ_REFUSED,		/* sent nowhere (the policy gate, the store) */
	MQ_N
};

/* An API call of fn (NULL: no function) that took ms, an error or not. */
void	 metrics_api(const struct func *fn, int64_t ms, int error);
/* A distributed query of type t that took ms and ended so. */
void	 metrics_query(const struct dtype *t, int64_t ms, enum metric_query);
/* A batch of calls to nodes' user-data side, run at once in ms; failed
 * of them had no answer. */
void	 metrics_proxy(int64_t ms, size_t calls, size_t failed);
/* A push of the synchronizer of type t, acknowledged (ok) or not. */
void	 metrics_sync(const struct dtype *t, int ok);
void	 metrics_login(enum metric_login);
/* 1 when req carries the scrape token of the policy (Authorization:
 * Bearer); a wrong one is counted as a failed login. */
int	 metrics_token_ok(struct master *, struct http_req *);
/* GET /metrics, once api.c has checked the caller: refused is 0, or the
 * HTTP status that refuses (401: no credentials, 403: not an admin). */
void	 metrics_serve(struct master *, struct http_req *, struct http_resp *,
	    int refused);

#endif
