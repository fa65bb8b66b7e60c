/* output.c - see output.h. */
#include "output.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "schema.h"
#include "util.h"

void
reply_init(struct reply *r)
{
	r->doc = json_object();
}

void
reply_release(struct reply *r)
{
	json_decref(r->doc);
	r->doc = NULL;
}

int
reply_is_error(const struct reply *r)
{
	return json_object_get(r->doc, "error") != NULL;
}

/* A jansson string of s, with invalid UTF-8 replaced by '?'. */
/* 1 for a value "" (a list leaves its field out). */
static int
is_empty(const json_t *v)
{
	const char *s = json_string_value(v);

	return s != NULL && *s == '\0';
}

static json_t *
jstr(const char *s)
{
	json_t *j;
	char *copy;
	size_t i, n;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	copy = xstrdup(s);
	for (i = 0; i < n; i++)
		if ((unsigned char)copy[i] >= 0x80)
			copy[i] = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

void
reply_error(struct reply *r, const char *type, const char *object,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(r->doc);
	r->doc = json_pack("{s:{s:o,s:o,s:o}}", "error", "type", jstr(type),
	    "object", jstr(object), "msg", jstr(msg));
	/* the parameter at fault, as ISPmanager names it */
	if (strcmp(type, "value") == 0 || strcmp(type, "empty") == 0 ||
	    strcmp(type, "param") == 0)
		reply_error_set(r, "param", object);
	/* a name taken: the field that names it */
	else if (strcmp(type, "exists") == 0)
		reply_error_set(r, "param", strcmp(object, "aliases") == 0 ?
		    "aliases" : "name");
}

void
reply_error_set(struct reply *r, const char *key, const char *val)
{
	json_t *e = json_object_get(r->doc, "error");

	if (e != NULL)
		json_object_set_new(e, key, jstr(val));
}

void
reply_finish(struct reply *r, const char *group, int form, const char *elid)
{
	json_t *e = json_object_get(r->doc, "error");

	if (e != NULL) {
		if (json_object_get(e, "group") == NULL && group)
			reply_error_set(r, "group", group);
		if (json_object_get(e, "param") == NULL)
			reply_error_set(r, "param", "");
		return;
	}
	if (form && json_object_get(r->doc, "elem") == NULL &&
	    json_object_get(r->doc, "ok") == NULL &&
	    json_object_get(r->doc, "auth") == NULL &&
	    json_object_get(r->doc, "elid") == NULL)
		reply_set(r, "elid", elid ? elid : "");
}

void
reply_ok(struct reply *r)
{
	json_object_set_new(r->doc, "ok", json_true());
}

void
reply_set(struct reply *r, const char *key, const char *val)
{
	json_object_set_new(r->doc, key, jstr(val));
}

void
reply_setf(struct reply *r, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	reply_set(r, key, buf);
}

void
reply_list(struct reply *r)
{
	if (json_object_get(r->doc, "elem") == NULL)
		json_object_set_new(r->doc, "elem", json_array());
}

json_t *
reply_elem(struct reply *r)
{
	json_t *e = json_object();

	reply_list(r);
	json_array_append_new(json_object_get(r->doc, "elem"), e);
	return e;
}

void
elem_set(json_t *elem, const char *key, const char *val)
{
	json_object_set_new(elem, key, jstr(val));
}

void
elem_setf(json_t *elem, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	elem_set(elem, key, buf);
}

static const struct {
	const char	*name;
	enum outfmt	 fmt;
} formats[] = {
	{ "xml", OUT_XML },
	{ "json", OUT_JSON },
	{ "sjson", OUT_SJSON },
	{ "bjson", OUT_BJSON },
	{ "JSONdata", OUT_JSONDATA },
	{ "text", OUT_TEXT },
};

int
output_format(const char *s, enum outfmt *fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0) {
			*fmt = formats[i].fmt;
			return 0;
		}
	return -1;
}

const char *
output_format_name(enum outfmt fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fmt == fmt)
			return formats[i].name;
	return "xml";
}

/* ---- json, sjson and bjson: ISPmanager's {"$": value} shape ---- */

/*
 * A field's value in the $ shape: a string, or with bools (bjson) a true
 * or false for "on" and "off" of a field that the schema declares boolean
 * (a name that happens to be "on" stays a string).
 */
static json_t *
dollar(const char *key, json_t *v, int bools)
{
	const char *sv = json_string_value(v);

	if (bools && sv && (strcmp(sv, "on") == 0 || strcmp(sv, "off") == 0) &&
	    schema_is_bool(key))
		return json_pack("{s:b}", "$", strcmp(sv, "on") == 0);
	return json_pack("{s:O}", "$", v);
}

/* The members of an error that go as elements besides msg and detail. */
static void
error_extra(json_t *out, const json_t *err, int dollar_shape)
{
	static const char *const extra[] = { "param", "group", NULL };
	json_t *v;
	size_t i;

	for (i = 0; extra[i]; i++)
		if ((v = json_object_get(err, extra[i])) != NULL)
			json_object_set_new(out, extra[i], dollar_shape ?
			    json_pack("{s:O}", "$", v) : json_incref(v));
}

static json_t *
to_dollar_doc(const json_t *doc, const char *func, int bools)
{
	json_t *out = json_object(), *v, *e, *err;
	const char *k;
	size_t i;

	json_object_set_new(out, "$lang", json_string("en"));
	json_object_set_new(out, "$func", jstr(func));
	if ((err = json_object_get(doc, "error")) != NULL) {
		json_t *m = json_object_get(err, "msg"), *eo;

		eo = json_pack("{s:O,s:O,s:s,s:{s:O},s:{s:O}}",
		    "$type", json_object_get(err, "type"),
		    "$object", json_object_get(err, "object"),
		    "$lang", "en", "msg", "$", m, "detail", "$", m);
		error_extra(eo, err, 1);
		json_object_set_new(out, "error", eo);
		return json_pack("{s:o}", "doc", out);
	}
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "ok") == 0) {
			json_object_set_new(out, "ok", bools ? json_true() :
			    json_object());
		} else if (strcmp(k, "auth") == 0) {
			json_object_set_new(out, "auth", json_pack(
			    "{s:O,s:O,s:O}",
			    "$id", json_object_get(v, "id"),
			    "$level", json_object_get(v, "level"),
			    "$", json_object_get(v, "id")));
		} else if (strcmp(k, "elem") == 0) {
			json_t *arr = json_array();

			json_array_foreach(v, i, e) {
				json_t *o = json_object(), *fv;
				const char *fk;

				/* an empty field of a list is left out, as
				 * ISPmanager does */
				json_object_foreach(e, fk, fv)
					if (!is_empty(fv))
						json_object_set_new(o, fk,
						    dollar(fk, fv, bools));
				json_array_append_new(arr, o);
			}
			json_object_set_new(out, "elem", arr);
		} else
			json_object_set_new(out, k, dollar(k, v, bools));
	}
	return json_pack("{s:o}", "doc", out);
}

/* ---- JSONdata: plain strings, no wrapper ---- */

static json_t *
to_plain_doc(const json_t *doc)
{
	json_t *out = json_object(), *v;
	const char *k;

	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "ok") == 0)
			json_object_set_new(out, "ok", json_string(""));
		else if (strcmp(k, "auth") == 0)
			json_object_set(out, "auth", json_object_get(v, "id"));
		else
			json_object_set(out, k, v);
	}
	return out;
}

static int
encode_json(json_t *j, struct sbuf *out)
{
	char *s;
	int rc;

	if (j == NULL)
		return -1;
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (s == NULL)
		return -1;
	rc = sbuf_adds(out, s);
	free(s);
	return rc;
}

/* ---- xml ---- */

/* Escapes s for XML text and attribute values.  Characters that XML 1.0
 * cannot carry at all become U+FFFD. */
static int
xml_esc(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = 0;

	for (; *p && rc == 0; p++) {
		switch (*p) {
		case '&': rc = sbuf_adds(out, "&amp;"); break;
		case '<': rc = sbuf_adds(out, "&lt;"); break;
		case '>': rc = sbuf_adds(out, "&gt;"); break;
		case '"': rc = sbuf_adds(out, "&quot;"); break;
		case '\'': rc = sbuf_adds(out, "&apos;"); break;
		case '\t': case '\n': case '\r':
			rc = sbuf_printf(out, "&#%d;", *p);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				rc = sbuf_adds(out, "\xef\xbf\xbd");
			} else if (p[0] == 0xef && p[1] == 0xbf &&
			    (p[2] == 0xbe || p[2] == 0xbf)) {
				/* U+FFFE and U+FFFF are not XML characters */
				rc = sbuf_adds(out, "\xef\xbf\xbd");
				p += 2;
			} else
				rc = sbuf_addc(out, (char)*p);
		}
	}
	return rc;
}

/* Writes a field name as an XML name: names are the program's own, but
 * anything outside [A-Za-z0-9_.-] still becomes '_' so that no name can
 * break the markup. */
static int
xml_name(struct sbuf *out, const char *k)
{
	int rc = 0;

	if (*k == '\0' || (*k >= '0' && *k <= '9') || *k == '-' || *k == '.')
		rc |= sbuf_addc(out, '_');
	for (; *k; k++) {
		char c = *k;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			c = '_';
		rc |= sbuf_addc(out, c);
	}
	return rc;
}

static int
xml_field(struct sbuf *out, const char *k, const json_t *v)
{
	int rc = 0;

	rc |= sbuf_addc(out, '<');
	rc |= xml_name(out, k);
	rc |= sbuf_addc(out, '>');
	rc |= xml_esc(out, json_string_value(v));
	rc |= sbuf_adds(out, "</");
	rc |= xml_name(out, k);
	rc |= sbuf_addc(out, '>');
	return rc;
}

static int
encode_xml(const json_t *doc, const char *func, struct sbuf *out)
{
	json_t *v, *e, *err;
	const char *k;
	size_t i;
	int rc = 0;

	rc |= sbuf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<doc lang=\"en\" func=\"");
	rc |= xml_esc(out, func);
	rc |= sbuf_adds(out, "\">");
	if ((err = json_object_get(doc, "error")) != NULL) {
		const char *msg = json_string_value(json_object_get(err, "msg"));

		rc |= sbuf_adds(out, "<error type=\"");
		rc |= xml_esc(out, json_string_value(json_object_get(err,
		    "type")));
		rc |= sbuf_adds(out, "\" object=\"");
		rc |= xml_esc(out, json_string_value(json_object_get(err,
		    "object")));
		rc |= sbuf_adds(out, "\" lang=\"en\"><msg>");
		rc |= xml_esc(out, msg);
		rc |= sbuf_adds(out, "</msg><detail>");
		rc |= xml_esc(out, msg);
		rc |= sbuf_adds(out, "</detail>");
		if ((v = json_object_get(err, "param")) != NULL)
			rc |= xml_field(out, "param", v);
		if ((v = json_object_get(err, "group")) != NULL)
			rc |= xml_field(out, "group", v);
		rc |= sbuf_adds(out, "</error></doc>\n");
		return rc ? -1 : 0;
	}
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "ok") == 0) {
			rc |= sbuf_adds(out, "<ok/>");
		} else if (strcmp(k, "auth") == 0) {
			const char *id = json_string_value(
			    json_object_get(v, "id"));

			rc |= sbuf_adds(out, "<auth id=\"");
			rc |= xml_esc(out, id);
			rc |= sbuf_adds(out, "\" level=\"");
			rc |= xml_esc(out, json_string_value(
			    json_object_get(v, "level")));
			rc |= sbuf_adds(out, "\">");
			rc |= xml_esc(out, id);
			rc |= sbuf_adds(out, "</auth>");
		} else if (strcmp(k, "elem") == 0) {
			json_array_foreach(v, i, e) {
				const char *fk;
				json_t *fv;

				rc |= sbuf_adds(out, "<elem>");
				json_object_foreach(e, fk, fv)
					if (!is_empty(fv))
						rc |= xml_field(out, fk, fv);
				rc |= sbuf_adds(out, "</elem>");
			}
		} else
			rc |= xml_field(out, k, v);
	}
	rc |= sbuf_adds(out, "</doc>\n");
	return rc ? -1 : 0;
}

/* ---- text: mgrctl's key=value lines ---- */

/* Escapes backslash and control characters so that one value never spans
 * two lines. */
static int
text_esc(struct sbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	int rc = 0;

	for (; *p && rc == 0; p++) {
		switch (*p) {
		case '\\': rc = sbuf_adds(out, "\\\\"); break;
		case '\n': rc = sbuf_adds(out, "\\n"); break;
		case '\r': rc = sbuf_adds(out, "\\r"); break;
		case '\t': rc = sbuf_adds(out, "\\t"); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				rc = sbuf_printf(out, "\\x%02x", *p);
			else
				rc = sbuf_addc(out, (char)*p);
		}
	}
	return rc;
}

static int
encode_text(const json_t *doc, struct sbuf *out)
{
	json_t *v, *e, *err;
	const char *k;
	size_t i;
	int rc = 0;

	if ((err = json_object_get(doc, "error")) != NULL) {
		rc |= sbuf_adds(out, "ERROR ");
		rc |= text_esc(out, json_string_value(json_object_get(err,
		    "type")));
		rc |= sbuf_addc(out, '(');
		rc |= text_esc(out, json_string_value(json_object_get(err,
		    "object")));
		rc |= sbuf_adds(out, "): ");
		rc |= text_esc(out, json_string_value(json_object_get(err,
		    "msg")));
		rc |= sbuf_addc(out, '\n');
		return rc ? -1 : 0;
	}
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "ok") == 0) {
			rc |= sbuf_adds(out, "OK\n");
		} else if (strcmp(k, "auth") == 0) {
			rc |= sbuf_adds(out, "auth=");
			rc |= text_esc(out, json_string_value(
			    json_object_get(v, "id")));
			rc |= sbuf_addc(out, '\n');
		} else if (strcmp(k, "elem") == 0) {
			json_array_foreach(v, i, e) {
				const char *fk;
				json_t *fv;
				int first = 1;

				json_object_foreach(e, fk, fv) {
					if (!first)
						rc |= sbuf_addc(out, ' ');
					rc |= text_esc(out, fk);
					rc |= sbuf_addc(out, '=');
					rc |= text_esc(out,
					    json_string_value(fv));
					first = 0;
				}
				rc |= sbuf_addc(out, '\n');
			}
		} else {
			rc |= text_esc(out, k);
			rc |= sbuf_addc(out, '=');
			rc |= text_esc(out, json_string_value(v));
			rc |= sbuf_addc(out, '\n');
		}
	}
	return rc ? -1 : 0;
}

const char *
output_ctype(enum outfmt fmt)
{
	switch (fmt) {
	case OUT_JSON:
	case OUT_SJSON:
	case OUT_BJSON:
	case OUT_JSONDATA:
		return "application/json";
	case OUT_TEXT:
		return "text/plain; charset=utf-8";
	case OUT_XML:
	default:
		return "text/xml; charset=utf-8";
	}
}

int
output_encode(const json_t *doc, const char *func, enum outfmt fmt,
    struct sbuf *out, const char **ctype)
{
	*ctype = output_ctype(fmt);
	switch (fmt) {
	case OUT_JSON:
	case OUT_SJSON:
		return encode_json(to_dollar_doc(doc, func, 0), out);
	case OUT_BJSON:
		return encode_json(to_dollar_doc(doc, func, 1), out);
	case OUT_JSONDATA:
		return encode_json(to_plain_doc(doc), out);
	case OUT_TEXT:
		return encode_text(doc, out);
	case OUT_XML:
	default:
		return encode_xml(doc, func, out);
	}
}
