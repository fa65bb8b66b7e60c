/* api_sysdata.c - the system data functions, one set for every type of
 * sysdata.h: TYPE (list), TYPE.edit (show, add, change), TYPE.delete.  The
 * function table names the type in each row's data type. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/sysdata.h"
#include "../common/util.h"
#include "master.h"

static const struct dtype *
ctx_type(struct api_ctx *c)
{
	return c->fn->type;
}

static void
item_fields(json_t *obj, const json_t *item)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)item, k, v) {
		if (json_is_integer(v))
			elem_setf(obj, k, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(v));
		else
			elem_set(obj, k, json_string_value(v));
	}
}

void
api_sysdata_list(struct api_ctx *c)
{
	const struct dtype *t = ctx_type(c);
	json_t *items, *it;
	int64_t version;
	size_t i;

	if (store_sys_state(c->m->st, t->name, &version, &items) == -1) {
		reply_error(&c->r, "internal", t->name, "store unavailable");
		return;
	}
	sd_sort(t, items);
	reply_list(&c->r);
	json_array_foreach(items, i, it)
		item_fields(reply_elem(&c->r), it);
	reply_setf(&c->r, "version", "%" PRId64, version);
	json_decref(items);
}

void
api_sysdata_edit(struct api_ctx *c)
{
	const struct dtype *t = ctx_type(c);
	const char *elid = params_get(c->p, "elid");
	json_t *base = NULL, *item, *puts, *dels;
	char field[SD_ERRFIELD_MAX], err[VALID_ERR_MAX];
	enum sd_fail why;
	int64_t id = 0;
	int rc;

	if (!api_is_submit(c)) {
		if (elid == NULL || *elid == '\0') {
			/* the empty form, with the defaults */
			const struct field *f;

			for (f = t->fields; f->name; f++)
				reply_set(&c->r, f->name, f->def ? f->def :
				    "");
			return;
		}
		if (api_elid_id(c, elid, &id) == -1)
			return;
		if ((rc = store_sys_get(c->m->st, t->name, id, &base)) != 0) {
			reply_error(&c->r, rc == STORE_NOTFOUND ? "missing" :
			    "internal", t->name, "%s %s not found", t->name,
			    elid);
			return;
		}
		item_fields(c->r.doc, base);
		json_decref(base);
		return;
	}
	if (elid && *elid && api_elid_id(c, elid, &id) == -1)
		return;
	/* the item changed is read under the type's lock, which the query
	 * holds to its end: a delete or another change in between would be
	 * undone by this one */
	dq_lock(c->m, t);
	if (id && (rc = store_sys_get(c->m->st, t->name, id, &base)) != 0) {
		reply_error(&c->r, rc == STORE_NOTFOUND ? "missing" :
		    "internal", t->name, "%s %s not found", t->name, elid);
		goto out;
	}
	/* checked before an id is taken for it */
	item = sd_item_build(t, base, id ? id : 1, params_lookup, (void *)c->p,
	    field, err, &why);
	json_decref(base);
	if (item == NULL) {
		if (why == SD_FAIL_REQUIRED)
			reply_error(&c->r, "empty", field, "%s", err);
		else
			api_bad(c, field, err);
		goto out;
	}
	if (id == 0) {
		if (store_sys_next_id(c->m->st, t->name, &id) == -1) {
			json_decref(item);
			reply_error(&c->r, "internal", t->name,
			    "store unavailable");
			goto out;
		}
		json_object_set_new(item, "id", json_integer(id));
	}
	puts = json_pack("[o]", item);
	dels = json_array();
	if (dq_run(c, t, puts, dels) == 0) {
		reply_ok(&c->r);
		reply_setf(&c->r, "id", "%" PRId64, id);
	}
	json_decref(puts);
	json_decref(dels);
out:
	dq_unlock(c->m, t);
}

void
api_sysdata_delete(struct api_ctx *c)
{
	const struct dtype *t = ctx_type(c);
	const char *elid;
	char *buf, *items[1024];
	json_t *puts, *dels, *it;
	int64_t id;
	int i, n;

	if ((elid = api_need(c, "elid")) == NULL)
		return;
	if ((n = elid_split(elid, &buf, items, 1024)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 1024 ids joined by "
		    "\", \"");
		return;
	}
	dels = json_array();
	dq_lock(c->m, t);
	for (i = 0; i < n; i++) {
		if (api_elid_id(c, items[i], &id) == -1)
			goto out;
		if (store_sys_get(c->m->st, t->name, id, &it) != 0) {
			reply_error(&c->r, "missing", t->name, "%s %s not "
			    "found; nothing was deleted", t->name, items[i]);
			goto out;
		}
		json_decref(it);
		json_array_append_new(dels, json_integer(id));
	}
	puts = json_array();
	if (dq_run(c, t, puts, dels) == 0)
		reply_ok(&c->r);
	json_decref(puts);
out:
	dq_unlock(c->m, t);
	json_decref(dels);
	free(buf);
}

struct seed_arg {
	const char	*role;
	const char	*package;
};

static const char *
seed_get(void *arg, const char *name)
{
	const struct seed_arg *a = arg;

	if (strcmp(name, "role") == 0)
		return a->role;
	if (strcmp(name, "package") == 0)
		return a->package;
	return NULL;
}

int
sysdata_seed(struct master *m)
{
	const struct dtype *t = sd_type("software");
	const struct sd_sw_default *d;
	char field[SD_ERRFIELD_MAX], err[VALID_ERR_MAX];
	json_t *items = json_array(), *it;
	json_int_t id = 1;
	int seeded, rc;

	for (d = sd_software_defaults; d->package; d++) {
		struct seed_arg a = { d->role, d->package };

		if ((it = sd_item_build(t, NULL, id++, seed_get, &a, field,
		    err, NULL)) == NULL)
			fatalx("software default: %s", err);
		json_array_append_new(items, it);
	}
	rc = store_sys_seed(m->st, t->name, items, &seeded);
	if (rc == 0 && seeded)
		log_info("software: the default list of %zu packages",
		    json_array_size(items));
	json_decref(items);
	return rc;
}
