/* actlog.c - the action log (docs/operations.md, "Action log"): every
 * change made through the API, with who made it, from which address, the
 * function, its parameters without secrets, the outcome and, for a
 * distributed query, each node's result.  Kept in the store for the
 * policy's actionlog_days, listed by `actionlog`, and sent to syslog. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "../common/log.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

/* A value longer than this is logged cut, with its length. */
#define ACTLOG_VALUE_MAX	1024

/* The actions that change nothing (the other actions, every delete and
 * every form submitted with sok do).  A login is not a change: failures
 * are counted in /metrics and logged by api.c. */
static const char *const read_actions[] = {
	"auth", "logout", "whoami", "functions", "user.placement", NULL,
};

/* Parameters that are secrets whatever the schema says of them, and the
 * credentials of the call itself, which are not logged at all. */
static const char *const secret_params[] = {
	"passwd", "password", "confirm", "key", "token", "secret", "ssh_key",
	"metrics_token", "admin_password", NULL,
};
static const char *const credential_params[] = {
	"auth", "authinfo", "func", "out", NULL,
};

static int
in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

void
actlog_init(void)
{
	openlog("hostfleet", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int
actlog_is_change(const struct api_ctx *c)
{
	if (c->fn == NULL)
		return 0;
	switch (c->fn->op) {
	case OP_LIST:
		return 0;
	case OP_EDIT: {
		const char *sok = params_get(c->p, "sok");

		return sok != NULL && *sok != '\0';
	}
	case OP_DELETE:
		return 1;
	case OP_ACTION:
		return !in_list(read_actions, c->fn->name);
	}
	return 1;
}

char *
actlog_params(const struct func *fn, const struct reqparams *p)
{
	json_t *j = json_object();
	size_t i, n;
	char *s;

	for (i = 0; i < p->n; i++) {
		const char *k = p->v[i].key, *v = p->v[i].val;
		const struct field *f = fn ? func_field(fn, k) : NULL;
		char cut[ACTLOG_VALUE_MAX + 32];

		if (in_list(credential_params, k))
			continue;
		if (in_list(secret_params, k) || (f && (f->flags & F_SECRET)))
			v = "(secret)";
		else if (f == NULL && !schema_is_control(k))
			/* refused by name (api.c): what it holds is unknown,
			 * a mistyped password perhaps */
			v = "(not a parameter: withheld)";
		else if ((n = strlen(v)) > ACTLOG_VALUE_MAX) {
			size_t m = ACTLOG_VALUE_MAX;

			/* cut on a character's first byte: still UTF-8 */
			while (m > 0 && ((unsigned char)v[m] & 0xc0) == 0x80)
				m--;
			snprintf(cut, sizeof(cut), "%.*s... (%zu bytes)",
			    (int)m, v, n);
			v = cut;
		}
		json_object_set_new(j, k, json_string(v));
	}
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

void
actlog_record(struct api_ctx *c)
{
	struct actlog_rec a;
	json_t *e = json_object_get(c->r.doc, "error");
	char error[600], *params, *results = NULL;
	int64_t id = 0;

	if (!actlog_is_change(c))
		return;
	error[0] = '\0';
	if (reply_is_error(&c->r)) {
		const char *type = json_string_value(json_object_get(e,
		    "type"));
		const char *msg = json_string_value(json_object_get(e, "msg"));

		snprintf(error, sizeof(error), "%s: %s", type ? type : "?",
		    msg ? msg : "");
	} else if (c->raw && c->raw_error[0])
		snprintf(error, sizeof(error), "%s", c->raw_error);
	params = actlog_params(c->fn, c->p);
	if (c->node_results)
		results = json_dumps(c->node_results, JSON_COMPACT |
		    JSON_PRESERVE_ORDER);
	a.user = c->who.name;
	a.as = c->as.name;
	a.addr = c->http->client_addr;
	a.func = c->fn->name;
	a.params = params ? params : "{}";
	a.outcome = error[0] ? "error" : "ok";
	a.error = error;
	a.results = results ? results : "";
	if (store_actlog_add(c->m->st, &a, wall_s(), &id) == -1)
		log_warnx("action log: cannot store the entry of %s by %s",
		    a.func, a.user[0] ? a.user : "-");
	syslog(LOG_INFO, "action %" PRId64 ": %s%s%s from %s: %s %s: %s%s%s",
	    id, a.user[0] ? a.user : "-", strcmp(a.as, a.user) ? " as " : "",
	    strcmp(a.as, a.user) ? a.as : "", a.addr, a.func, a.params,
	    a.outcome, error[0] ? ": " : "", error);
	if (results)
		syslog(LOG_INFO, "action %" PRId64 ": nodes %s", id, results);
	free(params);
	free(results);
}

void
actlog_purge(struct master *m)
{
	struct policy pol;

	policy_load(m, &pol);
	store_actlog_purge(m->st, wall_s() - (int64_t)pol.actionlog_days *
	    86400);
}

/* actionlog: the newest entries first, with the filters given (each
 * checked by its grammar before this runs). */
void
api_actionlog(struct api_ctx *c)
{
	struct actlog_filter f;
	char err[VALID_ERR_MAX];
	const char *v;
	json_t *rows, *r, *x;
	const char *k;
	size_t i;

	memset(&f, 0, sizeof(f));
	if ((v = params_get(c->p, "elid")) != NULL && *v &&
	    valid_int("elid", v, 1, INT64_C(1) << 53, &f.id, err) == -1) {
		reply_error(&c->r, "value", "elid", "%s", err);
		return;
	}
	f.user = params_get(c->p, "user");
	f.func = params_get(c->p, "function");
	f.addr = params_get(c->p, "addr");
	f.outcome = params_get(c->p, "outcome");
	if ((v = params_get(c->p, "since")) != NULL && *v)
		f.since = strtoll(v, NULL, 10);
	if ((v = params_get(c->p, "until")) != NULL && *v)
		f.until = strtoll(v, NULL, 10);
	f.limit = (v = params_get(c->p, "limit")) != NULL && *v ?
	    atoi(v) : 100;
	if (store_actlog_list(c->m->st, &f, &rows) == -1) {
		json_decref(rows);
		reply_error(&c->r, "internal", "actionlog", "store "
		    "unavailable");
		return;
	}
	reply_list(&c->r);
	json_array_foreach(rows, i, r) {
		json_t *e = reply_elem(&c->r);

		json_object_foreach(r, k, x) {
			if (json_is_integer(x))
				elem_setf(e, k, "%" JSON_INTEGER_FORMAT,
				    json_integer_value(x));
			else
				elem_set(e, k, json_string_value(x));
		}
	}
	json_decref(rows);
}
