/* schema.c - see schema.h. */
#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "util.h"

const char *const schema_control[] = {
	"func", "out", "auth", "authinfo", "sok", "elid", "plid", "su", "lang",
	"sfrom", "clicked_button", "checkcookie", "progressid", "p_num",
	"p_cnt", "p_sort", "p_order", "operafake", NULL,
};

int
schema_is_control(const char *param)
{
	size_t i;

	for (i = 0; schema_control[i]; i++)
		if (strcmp(schema_control[i], param) == 0)
			return 1;
	return 0;
}

const struct dtype *
schema_type(const char *name)
{
	size_t i;

	for (i = 0; schema_types[i]; i++)
		if (strcmp(schema_types[i]->name, name) == 0)
			return schema_types[i];
	return NULL;
}

const char *
dkind_name(enum dkind k)
{
	switch (k) {
	case DK_CLUSTER: return "cluster";
	case DK_USER: return "user data";
	case DK_SYSTEM: return "system data";
	}
	return "?";
}

const struct field *
schema_field(const struct dtype *t, const char *name)
{
	const struct field *f;

	for (f = t->fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const struct field *
schema_canonical(const struct dtype *t, const struct field *sp)
{
	const struct field *f;

	if (!(sp->flags & F_SPELLING) || (sp->flags & F_INVERT))
		return NULL;
	for (f = t->fields; f->name; f++)
		if (!(f->flags & F_SPELLING) && strcmp(field_key(f),
		    field_key(sp)) == 0)
			return f;
	return NULL;
}

int
schema_is_bool(const char *name)
{
	const struct field *f;
	size_t i;

	for (i = 0; schema_types[i]; i++)
		for (f = schema_types[i]->fields; f->name; f++)
			if ((f->flags & F_BOOL) && strcmp(f->name, name) == 0)
				return 1;
	return 0;
}

const char *
field_key(const struct field *f)
{
	return f->key ? f->key : f->name;
}

static json_t *
split_words(const char *s)
{
	json_t *a = json_array();
	char *dup = xstrdup(s), *tok, *save = NULL;

	for (tok = strtok_r(dup, " ", &save); tok; tok = strtok_r(NULL, " ",
	    &save))
		json_array_append_new(a, json_string(tok));
	free(dup);
	return a;
}

int
field_put(const struct field *f, const char *v, json_t *item, char *err)
{
	char canon[FIELD_OUTMAX];
	json_t *j;

	if (!utf8_valid(v, strlen(v))) {
		snprintf(err, VALID_ERR_MAX, "%s: not valid UTF-8", f->name);
		return -1;
	}
	if (f->check == NULL || f->check(f->name, v, canon, err) == -1) {
		if (f->check == NULL)
			snprintf(err, VALID_ERR_MAX, "%s: not a parameter",
			    f->name);
		return -1;
	}
	if (f->flags & F_LIST)
		j = split_words(canon);
	else if (f->flags & F_BOOL)
		j = json_boolean((strcmp(canon, "on") == 0) ^
		    !!(f->flags & F_INVERT));
	else if (f->flags & F_INT)
		j = json_integer(strtoll(canon, NULL, 10));
	else
		j = json_string(canon);
	json_object_set_new(item, field_key(f), j);
	return 0;
}

/* def with "{name}" replaced by name, into out (FIELD_OUTMAX). */
static void
expand(const char *def, const char *name, char *out)
{
	const char *p;
	size_t o = 0;

	for (p = def; *p && o + 1 < FIELD_OUTMAX; p++) {
		if (strncmp(p, "{name}", 6) == 0 && name) {
			o += (size_t)snprintf(out + o, FIELD_OUTMAX - o, "%s",
			    name);
			if (o >= FIELD_OUTMAX)
				o = FIELD_OUTMAX - 1;
			p += 5;
		} else
			out[o++] = *p;
	}
	out[o] = '\0';
}

int
field_default(const struct field *f, const char *name, json_t *item,
    char *err)
{
	char v[FIELD_OUTMAX];

	if (f->def == NULL || (f->flags & (F_OUT | F_SPELLING)) ||
	    f->check == NULL)
		return 0;
	expand(f->def, name, v);
	if (field_put(f, v, item, err) == 0)
		return 0;
	if ((f->flags & F_EMPTY) && field_put(f, "", item, err) == 0)
		return 0;
	return -1;
}

int
schema_defaults(const struct dtype *t, const char *name, json_t *item,
    char *errfield, char *err)
{
	const struct field *f;

	for (f = t->fields; f->name; f++)
		if (field_default(f, name, item, err) == -1) {
			strlcpy_hf(errfield, f->name, 64);
			return -1;
		}
	return 0;
}

/* Whether schema_read and schema_check take f from the input as given. */
static int
readable(const struct field *f, const char *v)
{
	if (v == NULL || f->check == NULL)
		return 0;
	/* an empty parameter is one not given, unless "" is a value */
	return *v != '\0' || (f->flags & F_EMPTY);
}

int
schema_read(const struct dtype *t, field_get_fn get, void *arg,
    json_t *item, char *errfield, char *err)
{
	const struct field *f;

	for (f = t->fields; f->name; f++) {
		if (f->flags & (F_OUT | F_SECRET | F_FIXED | F_OWN))
			continue;
		if (!readable(f, get(arg, f->name)))
			continue;
		if (field_put(f, get(arg, f->name), item, err) == -1) {
			strlcpy_hf(errfield, f->name, 64);
			return -1;
		}
	}
	return 0;
}

int
schema_check(const struct dtype *t, field_get_fn get, void *arg,
    char *errfield, char *err)
{
	const struct field *f;
	json_t *scratch = json_object();
	int rc = 0;

	for (f = t->fields; f->name && rc == 0; f++) {
		if (!readable(f, get(arg, f->name)) || (f->flags & F_OUT))
			continue;
		if (field_put(f, get(arg, f->name), scratch, err) == -1) {
			strlcpy_hf(errfield, f->name, 64);
			rc = -1;
		}
	}
	json_decref(scratch);
	return rc;
}

void
field_format(const struct field *f, const json_t *item, char *buf)
{
	const json_t *v = json_object_get(item, field_key(f)), *w;
	size_t i, o = 0;

	buf[0] = '\0';
	if (json_is_array(v)) {
		json_array_foreach(v, i, w)
			if (o < FIELD_OUTMAX)
				o += (size_t)snprintf(buf + o, FIELD_OUTMAX - o,
				    "%s%s", i ? " " : "", json_string_value(w));
	} else if (json_is_boolean(v))
		strlcpy_hf(buf, json_is_true(v) ^ !!(f->flags & F_INVERT) ?
		    "on" : "off", FIELD_OUTMAX);
	else if (json_is_integer(v))
		snprintf(buf, FIELD_OUTMAX, "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_string(v))
		strlcpy_hf(buf, json_string_value(v), FIELD_OUTMAX);
}

/* The default column of the docs' field tables. */
static void
doc_default(const struct field *f, struct sbuf *out)
{
	const char *p;

	if (f->defdoc)
		sbuf_adds(out, f->defdoc);
	else if (f->flags & F_REQ)
		sbuf_adds(out, "required");
	else if (f->def == NULL)
		sbuf_adds(out, "-");
	else if (*f->def == '\0')
		sbuf_adds(out, "empty");
	else {
		sbuf_adds(out, "`");
		for (p = f->def; *p; p++)
			if (strncmp(p, "{name}", 6) == 0) {
				sbuf_adds(out, "NAME");
				p += 5;
			} else
				sbuf_printf(out, "%c", *p);
		sbuf_adds(out, "`");
	}
}

void
schema_doc_fields(const struct dtype *t, struct sbuf *out)
{
	const struct field *f;

	sbuf_adds(out, "| field | grammar | default |\n|---|---|---|\n");
	for (f = t->fields; f->name; f++) {
		if (f->flags & F_OUT) {
			sbuf_printf(out, "| `%s` | %s | answered, not given "
			    "|\n", f->name, f->help);
			continue;
		}
		sbuf_printf(out, "| `%s` | %s | ", f->name, f->help);
		doc_default(f, out);
		sbuf_adds(out, " |\n");
	}
}
