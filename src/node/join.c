/* join.c - `hostfleet node join MASTER TOKEN`: the node makes its key and
 * a CSR, checks the master by the key pin inside the token, and stores the
 * certificate and CA it is sent.  The key never leaves the node. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/httpc.h"
#include "../common/log.h"
#include "../common/tls.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "node.h"

/* Turns the token's base64url pin into curl's "sha256//BASE64"; 0 or -1. */
static int
token_pin(const char *token, char *pin, size_t pinlen)
{
	const char *p = strchr(token, '.');
	unsigned char raw[64];
	char b64[64];
	size_t rawlen;

	if (p == NULL || (p = strchr(p + 1, '.')) == NULL)
		return -1;
	p++;
	if (sodium_base642bin(raw, sizeof(raw), p, strlen(p), NULL, &rawlen,
	    NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    rawlen != 32)
		return -1;
	sodium_bin2base64(b64, sizeof(b64), raw, rawlen,
	    sodium_base64_VARIANT_ORIGINAL);
	return (size_t)snprintf(pin, pinlen, "sha256//%s", b64) < pinlen ?
	    0 : -1;
}

int
write_state(const struct node_conf *c, const char *name, const char *data,
    mode_t mode)
{
	char path[NODE_PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", c->state_dir, name);
	if (file_write_atomic(path, data, strlen(data), mode) == -1) {
		log_warn("\"%s\"", path);
		return -1;
	}
	return 0;
}

int
node_join(struct node_conf *c, const char *url, const char *token)
{
	char pin[80], full[300], err[256], mid[64], host[256];
	char *key = NULL, *csr = NULL, *body = NULL, *ident = NULL;
	json_t *req = NULL, *ans = NULL;
	const char *ca, *cert, *addr, *name;
	json_int_t id = 0, port = 0;
	struct httpc_tls tls;
	struct hreq r;
	int rc = -1;

	if (strncmp(url, "https://", 8) != 0) {
		log_warnx("join: master URL \"%.100s\" must be https://", url);
		return -1;
	}
	if (token_pin(token, pin, sizeof(pin)) == -1) {
		log_warnx("join: malformed token");
		return -1;
	}
	if (mkdirs(c->state_dir, 0700) == -1) {
		log_warn("state dir \"%s\"", c->state_dir);
		return -1;
	}
	if (tls_make_csr("hostfleet-node", &key, &csr, err, sizeof(err)) ==
	    -1) {
		log_warnx("join: %s", err);
		return -1;
	}
	sysinfo_machine_id(c, mid);
	sysinfo_hostname(c, host);
	req = json_pack("{s:s,s:s,s:s,s:s}", "token", token, "csr", csr,
	    "machine_id", mid, "hostname", host);
	body = json_dumps(req, JSON_COMPACT);
	snprintf(full, sizeof(full), "%s/v1/join", url);
	hreq_init(&r, full, 30000);
	r.body = body;
	r.body_len = strlen(body);
	r.ctype = "application/json";
	r.pin = pin;
	memset(&tls, 0, sizeof(tls));
	if (httpc_do(&tls, &r) == -1) {
		log_warnx("join: %s: %s", url, r.err);
		goto out;
	}
	ans = json_loadb(sbuf_str(&r.resp), r.resp.len, 0, NULL);
	if (r.status != 200) {
		const char *e = ans ? json_string_value(json_object_get(ans,
		    "error")) : NULL;

		log_warnx("join: refused by the master: %s", e ? e : "?");
		goto out;
	}
	if (ans == NULL || json_unpack(ans, "{s:I,s:s,s:s,s:I,s:s,s:s}",
	    "node_id", &id, "name", &name, "addr", &addr, "port", &port,
	    "ca", &ca, "cert", &cert) != 0) {
		log_warnx("join: malformed answer from the master");
		goto out;
	}
	{
		json_t *ij = json_pack("{s:I,s:s,s:s,s:I,s:s,s:s}", "node_id",
		    id, "name", name, "addr", addr, "port", port, "master",
		    url, "master_pin", pin);

		ident = json_dumps(ij, JSON_INDENT(2));
		json_decref(ij);
	}
	if (write_state(c, "node.key", key, 0600) == -1 ||
	    write_state(c, "node.pem", cert, 0644) == -1 ||
	    write_state(c, "ca.pem", ca, 0644) == -1 ||
	    write_state(c, "identity.json", ident, 0644) == -1)
		goto out;
	log_info("joined the cluster at %s as node %lld \"%s\" (%s)", url,
	    (long long)id, name, addr);
	rc = 0;
out:
	hreq_release(&r);
	if (key)
		sodium_memzero(key, strlen(key));
	free(key);
	free(csr);
	free(body);
	free(ident);
	json_decref(req);
	json_decref(ans);
	return rc;
}
