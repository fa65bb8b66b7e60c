/* api_preset.c - presets, ISPmanager's user templates: named limits that
 * user.add and user.edit copy into a user (preset=NAME).  A preset lives
 * on the master only; a change of a preset does not reach the users made
 * from it (their limits are theirs once copied). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/params.h"
#include "../common/util.h"
#include "../common/valid.h"
#include "master.h"

/* The limits of the preset fields into lim (LIM_* order), from a
 * schema_read item; fields absent leave lim as it is. */
static void
limits_of(const json_t *it, int64_t lim[LIM_N])
{
	const char *k;
	json_t *v;
	int i;

	json_object_foreach((json_t *)it, k, v)
		if ((i = user_limit_index(k)) >= 0)
			lim[i] = json_integer_value(v);
}

/* A preset's name given as field, checked; 0 with out, or -1. */
static int
preset_name(struct api_ctx *c, const char *field, const char *v, char *out)
{
	char err[VALID_ERR_MAX];
	const struct field *f = schema_field(&dt_preset, "name");

	if (f->check(field, v, out, err) == -1) {
		api_bad(c, field, err);
		return -1;
	}
	return 0;
}

void
api_preset_list(struct api_ctx *c)
{
	json_t *rows, *r, *v, *e;
	const char *k;
	size_t i;

	if (store_preset_list(c->m->st, &rows) == -1) {
		reply_error(&c->r, "internal", "preset", "store unavailable");
		json_decref(rows);
		return;
	}
	reply_list(&c->r);
	json_array_foreach(rows, i, r) {
		e = reply_elem(&c->r);
		json_object_foreach(r, k, v)
			if (json_is_integer(v))
				elem_setf(e, k, "%lld",
				    (long long)json_integer_value(v));
			else
				elem_set(e, k, json_string_value(v));
	}
	json_decref(rows);
}

/* The form of a preset: its name and limits. */
static void
preset_form(struct api_ctx *c, const char *name, const int64_t lim[LIM_N])
{
	const struct field *f;

	reply_set(&c->r, "name", name);
	for (f = dt_preset.fields; f->name; f++)
		if (user_limit_index(f->name) >= 0)
			reply_setf(&c->r, f->name, "%lld",
			    (long long)lim[user_limit_index(f->name)]);
}

/*
 * preset.edit: elid alone shows a preset; sok=ok without elid creates one
 * (the limits not given are 0, no limit), with elid changes the limits
 * given.
 */
void
api_preset_edit(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid"), *nm;
	char name[FIELD_OUTMAX], field[64], err[VALID_ERR_MAX];
	int64_t lim[LIM_N];
	json_t *it;
	int rc, create = elid == NULL || *elid == '\0';

	memset(lim, 0, sizeof(lim));
	if (create && !api_is_submit(c)) {
		preset_form(c, "", lim);
		return;
	}
	if (create) {
		if ((nm = api_need(c, "name")) == NULL ||
		    preset_name(c, "name", nm, name) == -1)
			return;
	} else {
		if (preset_name(c, "elid", elid, name) == -1)
			return;
		rc = store_preset_get(c->m->st, name, lim);
		if (rc != 0) {
			reply_error(&c->r, rc == STORE_NOTFOUND ? "missing" :
			    "internal", "preset", rc == STORE_NOTFOUND ?
			    "no preset \"%s\"" : "store unavailable", name);
			return;
		}
		if (!api_is_submit(c)) {
			preset_form(c, name, lim);
			return;
		}
	}
	it = json_object();
	if (schema_read(&dt_preset, params_lookup, (void *)c->p, it, field,
	    err) == -1) {
		json_decref(it);
		api_bad(c, field, err);
		return;
	}
	limits_of(it, lim);
	json_decref(it);
	rc = store_preset_put(c->m->st, name, lim, create);
	if (rc == STORE_EXISTS)
		reply_error(&c->r, "exists", "preset", "preset \"%s\" already "
		    "exists", name);
	else if (rc == STORE_NOTFOUND)
		reply_error(&c->r, "missing", "preset", "no preset \"%s\"",
		    name);
	else if (rc != 0)
		reply_error(&c->r, "internal", "preset", "store unavailable");
	else {
		log_info("preset: %s %s \"%s\"", c->who.name, create ?
		    "created" : "changed", name);
		reply_ok(&c->r);
		reply_set(&c->r, "id", name);
	}
}

/* preset.delete: the presets of elid ("a, b"), all or none. */
void
api_preset_delete(struct api_ctx *c)
{
	const char *elid;
	char *buf = NULL, *items[256], (*names)[FIELD_OUTMAX] = NULL;
	const char **ptrs = NULL;
	int n, i, rc;

	if ((elid = api_need(c, "elid")) == NULL)
		return;
	if ((n = elid_split(elid, &buf, items, 256)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 256 names joined by "
		    "\", \"");
		return;
	}
	names = xcalloc((size_t)n, sizeof(*names));
	ptrs = xcalloc((size_t)n, sizeof(*ptrs));
	for (i = 0; i < n; i++) {
		if (preset_name(c, "elid", items[i], names[i]) == -1)
			goto out;
		ptrs[i] = names[i];
	}
	rc = store_preset_delete(c->m->st, ptrs, (size_t)n);
	if (rc == STORE_NOTFOUND)
		reply_error(&c->r, "missing", "preset", "a preset of elid does "
		    "not exist; nothing was deleted");
	else if (rc != 0)
		reply_error(&c->r, "internal", "preset", "store unavailable");
	else
		reply_ok(&c->r);
out:
	free(ptrs);
	free(names);
	free(buf);
}
