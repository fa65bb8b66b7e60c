/* nodecert.c - the nodes' certificates: issued at join and renewed by the
 * node over its mutual-TLS channel, each node's current one recorded by
 * serial so that any other is refused (docs/internals/cluster.md, "Node
 * certificates").
 *
 *   GET  /v1/node/cert    {"node_id", "serial"} of the caller's certificate
 *   POST /v1/node/renew   {"csr"} -> {"cert", "ca"}, a new certificate
 *
 * Both need a client certificate of this cluster's CA, still valid, with
 * CN node-ID, that is the current one of node ID (or its next one, which
 * becomes current there and then). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

int
nodecert_issue(struct master *m, int64_t id, const char *addr,
    const char *csr, char **cert, char serial[TLS_SERIAL_MAX], char *err,
    size_t errlen)
{
	const char *ips[] = { addr, NULL };
	char cn[32], *key = NULL;

	snprintf(cn, sizeof(cn), "node-%" PRId64, id);
	/* a server certificate for the master's calls, and a client one
	 * for the node's own calls here */
	if (tls_ca_issue(m->ca, cn, ips, NULL, TLS_USAGE_SERVER |
	    TLS_USAGE_CLIENT, m->conf.node_cert_lifetime_s, csr, cert, &key,
	    err, errlen) == -1)
		return -1;
	free(key);	/* none: the key is the CSR's */
	if (tls_cert_serial(*cert, serial, TLS_SERIAL_MAX) == -1) {
		snprintf(err, errlen, "cannot read the new certificate");
		free(*cert);
		*cert = NULL;
		return -1;
	}
	return 0;
}

/* The node the request's client certificate is the current certificate
 * of: 0 with *id, or -1 with 403 answered and the refusal logged. */
static int
node_peer(struct master *m, struct http_req *req, struct http_resp *resp,
    int64_t *id, char serial[TLS_SERIAL_MAX])
{
	char cn[64], err[200], msg[300];
	int rc;

	if (http_req_peer(req, cn, sizeof(cn), serial, TLS_SERIAL_MAX, err,
	    sizeof(err)) == -1)
		goto refused;
	if (strncmp(cn, "node-", 5) != 0 || valid_int("cn", cn + 5, 1,
	    INT64_C(1) << 53, id, err) == -1) {
		snprintf(err, sizeof(err), "client certificate is not a "
		    "node's");
		goto refused;
	}
	rc = store_node_cert_check(m->st, *id, serial);
	if (rc == STORE_CERT_NEW) {
		log_info("node %" PRId64 " uses its new certificate %s: the "
		    "previous one is refused from now on", *id, serial);
		return 0;
	}
	if (rc == 0)
		return 0;
	if (rc == -1) {
		http_resp_error(resp, 500, "store unavailable");
		return -1;
	}
	snprintf(err, sizeof(err), "certificate %s is not the current one of "
	    "an existing node %" PRId64, serial, *id);
refused:
	log_warnx("refused %s %s from %s: %s", req->method, req->url,
	    req->client_addr, err);
	snprintf(msg, sizeof(msg), "client certificate refused: %s", err);
	http_resp_error(resp, 403, msg);
	return -1;
}

static void
renew(struct master *m, int64_t id, struct http_req *req,
    struct http_resp *resp)
{
	json_t *b, *ans;
	const char *csr;
	char err[256], serial[TLS_SERIAL_MAX];
	char *cert = NULL;
	struct node n;

	if ((b = http_req_json(req, resp)) == NULL)
		return;
	if (json_unpack(b, "{s:s}", "csr", &csr) != 0) {
		http_resp_error(resp, 400, "expected a JSON object with csr");
		json_decref(b);
		return;
	}
	if (store_node_get(m->st, id, &n) != 0) {
		http_resp_error(resp, 403, "no such node");
		json_decref(b);
		return;
	}
	if (nodecert_issue(m, id, n.addr, csr, &cert, serial, err,
	    sizeof(err)) == -1) {
		http_resp_error(resp, 400, err);
		goto out;
	}
	if (store_node_cert_next(m->st, id, serial) != 0) {
		http_resp_error(resp, 500, "store unavailable");
		goto out;
	}
	log_info("node %" PRId64 " \"%s\": renewed its certificate: %s, "
	    "valid %" PRId64 " s", id, n.name, serial,
	    m->conf.node_cert_lifetime_s);
	ans = json_pack("{s:s,s:s}", "cert", cert, "ca", tls_ca_pem(m->ca));
	http_resp_json(resp, 200, ans);
	json_decref(ans);
out:
	store_node_free(&n);
	free(cert);
	json_decref(b);
}

void
nodecert_serve(struct master *m, struct http_req *req,
    struct http_resp *resp)
{
	char serial[TLS_SERIAL_MAX];
	int64_t id;

	if (strcmp(req->url, "/v1/node/cert") == 0 &&
	    strcmp(req->method, "GET") == 0) {
		json_t *j;

		if (node_peer(m, req, resp, &id, serial) == -1)
			return;
		j = json_pack("{s:I,s:s}", "node_id", (json_int_t)id, "serial",
		    serial);
		http_resp_json(resp, 200, j);
		json_decref(j);
	} else if (strcmp(req->url, "/v1/node/renew") == 0 &&
	    strcmp(req->method, "POST") == 0) {
		if (node_peer(m, req, resp, &id, serial) == -1)
			return;
		renew(m, id, req, resp);
	} else
		http_resp_str(resp, 404, "text/plain", "not found\n");
}
