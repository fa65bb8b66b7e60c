/* api_useradd.c - user.add, ISPmanager's wizard: a user made with a web
 * domain and a mail domain in one call (webdomain_name, emaildomain_name,
 * preset), all or nothing.  Each part is the function a client would
 * call for it (user.edit, webdomain.edit, emaildomain.edit), run as the
 * caller through the same checks; when one fails, user.delete takes back
 * the user with whatever was made, and the answer says which part
 * failed and why. */
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../common/params.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

/* The parts after the user, in order: the parameter that asks for one,
 * the function that makes it. */
static const struct {
	const char	*param;
	const char	*func;
	const char	*kind;		/* its kind in the user-data index */
} parts[] = {
	{ "webdomain_name", "webdomain.edit", "webdomain" },
	{ "emaildomain_name", "emaildomain.edit", "emaildomain" },
};

int
user_add_check(struct api_ctx *c)
{
	const struct field *f;
	char canon[FIELD_OUTMAX], err[VALID_ERR_MAX];
	struct uentry e;
	const char *v;
	size_t i;

	for (i = 0; i < nitems(parts); i++) {
		if ((v = params_get(c->p, parts[i].param)) == NULL || *v == '\0')
			continue;
		f = schema_field(&dt_user, parts[i].param);
		if (f->check(f->name, v, canon, err) == -1) {
			api_bad(c, f->name, err);
			return -1;
		}
		/* a name taken stops the call before anything is made; one
		 * taken meanwhile is the part's own refusal, undone below */
		if (store_uindex_get(c->m->st, parts[i].kind, canon, &e) ==
		    0) {
			reply_error(&c->r, "exists", parts[i].kind, "%s \"%s\" "
			    "already exists; nothing was made",
			    parts[i].kind, canon);
			reply_error_set(&c->r, "group", parts[i].kind);
			reply_error_set(&c->r, "param", parts[i].param);
			return -1;
		}
	}
	return 0;
}

/* Takes back user u after part failed: its reply r becomes the answer,
 * which says what failed and what became of the rest. */
static void
undo(struct api_ctx *c, const struct user *u, size_t part, struct reply *r)
{
	json_t *err = json_object_get(r->doc, "error");
	const char *type = json_string_value(json_object_get(err, "type"));
	const char *msg = json_string_value(json_object_get(err, "msg"));
	struct reqparams p;
	struct reply d;
	int undone;

	params_init(&p);
	params_add(&p, "elid", 4, u->name, strlen(u->name));
	reply_init(&d);
	undone = api_subcall(c, "user.delete", &p, &d) == 0;
	log_info("user.add: %s of user \"%s\" failed (%s); the user %s",
	    parts[part].func, u->name, msg ? msg : "?", undone ? "was taken "
	    "back" : "is being deleted");
	reply_error(&c->r, type ? type : "internal", parts[part].param,
	    "%s of user \"%s\" failed: %s; %s", parts[part].func, u->name,
	    msg ? msg : "?", undone ? "nothing was kept: the user and what "
	    "was made for them were removed" : "the user and what was made "
	    "for them are being removed");
	reply_error_set(&c->r, "group", parts[part].kind);
	reply_error_set(&c->r, "param", parts[part].param);
	reply_release(&d);
	params_release(&p);
}

int
user_add_make(struct api_ctx *c, const struct user *u)
{
	struct reqparams p;
	struct reply r;
	const char *v;
	size_t i;
	int rc = 0;

	for (i = 0; i < nitems(parts) && rc == 0; i++) {
		if ((v = params_get(c->p, parts[i].param)) == NULL || *v == '\0')
			continue;
		params_init(&p);
		params_add(&p, "sok", 3, "ok", 2);
		params_add(&p, "name", 4, v, strlen(v));
		params_add(&p, "owner", 5, u->name, strlen(u->name));
		reply_init(&r);
		if (api_subcall(c, parts[i].func, &p, &r) == -1) {
			undo(c, u, i, &r);
			rc = -1;
		}
		reply_release(&r);
		params_release(&p);
	}
	return rc;
}
