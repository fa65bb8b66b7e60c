/* rpc.c - the node agent's side of the master <-> node protocol (/v1/...).
 * httpd.c has already refused every caller that is not this cluster's
 * master. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/valid.h"
#include "node.h"

static void
rpc_error(struct http_resp *resp, int status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	http_resp_set(resp, status, "application/json", s, strlen(s));
}

void
rpc_serve(struct http_req *req, struct http_resp *resp, void *arg)
{
	struct node_agent *a = arg;
	char roles[32], err[VALID_ERR_MAX];
	char *s;

	if (strcmp(req->url, "/v1/stats") == 0 &&
	    strcmp(req->method, "GET") == 0) {
		const char *r = params_get_def(&req->params, "roles", "");

		if (req->params.err[0]) {
			rpc_error(resp, 400, req->params.err);
			return;
		}
		if (valid_roles("roles", r, roles, err) == -1) {
			rpc_error(resp, 400, err);
			return;
		}
		if ((s = sysinfo_json(a, roles)) == NULL) {
			rpc_error(resp, 500, "out of memory");
			return;
		}
		http_resp_set(resp, 200, "application/json", s, strlen(s));
		return;
	}
	rpc_error(resp, 404, "no such call");
}
