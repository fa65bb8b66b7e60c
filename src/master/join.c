/* join.c - one-time join tokens and POST /v1/join.
 *
 * A token is "ID.SECRET.PIN": the node's id, 16 random bytes in hex, and
 * the SHA-256 of the master API certificate's public key (base64url), so
 * that the joining node can check it talks to this master before it trusts
 * anything it is sent.  The master keeps only the hash of "ID.SECRET"; a
 * token works once and until it expires.  The node sends a CSR and gets
 * back its certificate (nodecert.c) and the cluster CA to pin. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

/* Makes a token for node valid ttl seconds; 0 or -1. */
int
join_token_make(struct master *m, int64_t node, int64_t ttl, char *out,
    size_t outlen)
{
	unsigned char pin[64];
	char secret[33], idsec[64], hash[65], pin64[64];
	size_t pinlen;

	/* api_pin is "sha256//" + standard base64; the token carries it as
	 * base64url so that it survives a shell and a URL unquoted. */
	if (sodium_base642bin(pin, sizeof(pin), m->api_pin + 8,
	    strlen(m->api_pin + 8), NULL, &pinlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	sodium_bin2base64(pin64, sizeof(pin64), pin, pinlen,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	rand_hex(secret, 16);
	snprintf(idsec, sizeof(idsec), "%" PRId64 ".%s", node, secret);
	secret_hash(idsec, hash);
	if (store_token_add(m->st, hash, node, wall_s() + ttl) != 0)
		return -1;
	if ((size_t)snprintf(out, outlen, "%s.%s", idsec, pin64) >= outlen)
		return -1;
	return 0;
}

void
join_serve(struct master *m, struct http_req *req, struct http_resp *resp)
{
	json_t *body, *ans;
	const char *token, *csr, *machine_id, *hostname;
	char idsec[64], hash[65], err[VALID_ERR_MAX], serial[TLS_SERIAL_MAX];
	char *cert = NULL;
	const char *dot1, *dot2;
	int64_t id, tokid;
	struct node n;
	int rc;

	if (req->body_err[0]) {
		http_resp_error(resp, 400, req->body_err);
		return;
	}
	body = json_loadb(sbuf_str(&req->body), req->body.len, 0, NULL);
	if (body == NULL || json_unpack(body, "{s:s,s:s,s:s,s:s}", "token",
	    &token, "csr", &csr, "machine_id", &machine_id, "hostname",
	    &hostname) != 0) {
		json_decref(body);
		http_resp_error(resp, 400, "expected a JSON object with token, csr, "
		    "machine_id and hostname");
		return;
	}
	/* ID.SECRET[.PIN] */
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot1 == NULL || (size_t)(dot1 - token) > 16 ||
	    (dot2 ? (size_t)(dot2 - dot1 - 1) : strlen(dot1 + 1)) != 32) {
		http_resp_error(resp, 403, "malformed join token");
		goto out;
	}
	snprintf(idsec, sizeof(idsec), "%.*s", dot2 ? (int)(dot2 - token) :
	    (int)strlen(token), token);
	{
		char idpart[17];

		snprintf(idpart, sizeof(idpart), "%.*s", (int)(dot1 - token),
		    token);
		if (valid_int("token", idpart, 1, INT64_C(1) << 53, &id,
		    err) == -1 || valid_hex("token", idsec + (dot1 - token) + 1,
		    32, err) == -1) {
			http_resp_error(resp, 403, "malformed join token");
			goto out;
		}
	}
	if (valid_text("machine_id", machine_id, 63, err) == -1 ||
	    valid_hostname("hostname", hostname, err) == -1) {
		http_resp_error(resp, 400, err);
		goto out;
	}
	secret_hash(idsec, hash);
	rc = store_token_take(m->st, hash, wall_s(), &tokid);
	if (rc != 0 || tokid != id) {
		const char *why = rc == TOKEN_USED ? "join token already used" :
		    rc == TOKEN_EXPIRED ? "join token expired" :
		    "unknown join token";

		log_warnx("join: refused from %s: %s", req->client_addr, why);
		http_resp_error(resp, 403, why);
		goto out;
	}
	if (store_node_get(m->st, id, &n) != 0) {
		http_resp_error(resp, 403, "the node of this token was removed");
		goto out;
	}
	if (nodecert_issue(m, id, n.addr, csr, &cert, serial, err,
	    sizeof(err)) == -1) {
		store_node_free(&n);
		http_resp_error(resp, 400, err);
		goto out;
	}
	/* this certificate is the node's only one: any it had before (a
	 * node that joins again) is refused from now on */
	store_node_cert_set(m->st, id, serial);
	store_node_joined(m->st, id, machine_id, hostname);
	dq_register_all(m, id, n.roles, "joined the cluster");
	log_info("join: node %" PRId64 " \"%s\" at %s joined from %s", id,
	    n.name, n.addr, req->client_addr);
	ans = json_pack("{s:I,s:s,s:s,s:i,s:s,s:s,s:s}", "node_id",
	    (json_int_t)id, "name", n.name, "addr", n.addr, "port", n.port,
	    "roles", n.roles, "ca", tls_ca_pem(m->ca), "cert", cert);
	http_resp_json(resp, 200, ans);
	json_decref(ans);
	store_node_free(&n);
	stats_wake(m);
out:
	free(cert);
	json_decref(body);
}
