/* httpc.h - HTTPS client with mutual TLS, on libcurl.
 *
 * An httpc is one engine thread driving one curl multi handle: requests from
 * any thread are added to it at once and run in parallel, and connections
 * stay open in the multi handle's pool to be reused by the next request to
 * the same node.  Every request is bounded by its own timeout, so one slow
 * node never delays the answer of another (invariant I6).
 *
 * httpc_do() runs a single request on its own easy handle, for programs
 * that make one call (the command line client, a node joining). */
#ifndef HF_HTTPC_H
#define HF_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

struct httpc_tls {
	const char	*cafile;	/* trust only this CA; NULL: system */
	const char	*certfile;	/* client certificate, or NULL */
	const char	*keyfile;
	int		 insecure;	/* no peer check at all (tests only) */
};

struct hreq {
	/* set by the caller */
	const char	*url;
	const char	*method;	/* NULL: GET, or POST with a body */
	const char	*body;
	size_t		 body_len;
	const char	*ctype;
	const char	*pin;		/* "sha256//..." instead of the CA */
	const char	*hdr;		/* one extra "Name: value" header */
	long		 timeout_ms;
	size_t		 max_resp;	/* 0: 16 MiB */
	const char	*want_hdr;	/* an answer header to keep */
	void		*ud;
	/* filled in */
	long		 status;	/* 0 when no HTTP answer came */
	struct sbuf	 resp;		/* caller releases */
	char		 err[256];	/* transport error, "" if none */
	int		 unsent;	/* the request surely never reached
					 * the server (no connection) */
	char		 got_hdr[128];	/* value of want_hdr, "" if none */
	int64_t		 elapsed_ms;
	/* private to httpc */
	void		*priv;
};

struct httpc;

struct httpc	*httpc_new(const struct httpc_tls *);
void		 httpc_free(struct httpc *);
/* Runs the n requests at once and returns when every one has an answer or
 * has failed.  Safe to call from several threads. */
void		 httpc_run(struct httpc *, struct hreq **reqs, size_t n);
/* Runs one request in the calling thread, on an easy handle (and the
 * connections it keeps open) from a pool of c: no hand-over to the engine,
 * for a single call on a path where latency counts (the master's proxy).
 * 0 when an HTTP answer came. */
int		 httpc_call(struct httpc *, struct hreq *);
/* Runs one request on a fresh handle; returns 0 when an HTTP answer came. */
int		 httpc_do(const struct httpc_tls *, struct hreq *);

void		 hreq_init(struct hreq *, const char *url, long timeout_ms);
void		 hreq_release(struct hreq *);

#endif
