/* fuzz_output.c - the reply document and its five encoders.
 *
 * The input is a program of operations, each one byte then its strings,
 * each string one length byte then that many bytes (arbitrary, NUL
 * included, which ends the C string):
 *   0 key val   reply_set            4 id level  "auth" member
 *   1           reply_elem           5 t o msg   reply_error
 *   2 key val   elem_set (last item) 6           reply_list
 *   3           reply_ok             7 key val   reply_setf, elem_setf
 * The names "ok", "auth", "elem" and "error" belong to the document's
 * structure (output.h), and "$lang" and "$func" to the json encoders, so a
 * form field by one of those names (or any starting with '$') gets an 'x'
 * in front.  The func is the first string, made valid UTF-8 as the router
 * guarantees (it comes from the function table).
 *
 * Every format is encoded and checked: the JSON ones parse with jansson
 * and have the documented shape and values; the text has exactly one line
 * per field, item, OK, auth or error, and no other control byte; the XML
 * passes a strict scanner (every '<' starts a tag of the expected count,
 * every '&' a known entity, no control bytes) and has as many elements as
 * the document implies.  All of it must be valid UTF-8.  Anything else
 * aborts. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/common/params.h"
#include "../src/common/sbuf.h"
#include "../src/common/output.h"
#include "../src/common/schema.h"

#define XML_HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what, const char *out)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		if (out)
			fprintf(stderr, "output: %s\n", out);
		abort();
	}
}

struct in {
	const uint8_t	*p;
	size_t		 n;
};

static int
take_byte(struct in *in, uint8_t *b)
{
	if (in->n == 0)
		return -1;
	*b = *in->p++;
	in->n--;
	return 0;
}

/* A NUL-terminated copy of the next string, into buf (256 bytes). */
static void
take_str(struct in *in, char *buf)
{
	uint8_t len = 0;

	take_byte(in, &len);
	if (len > in->n)
		len = (uint8_t)in->n;
	memcpy(buf, in->p, len);
	buf[len] = '\0';
	in->p += len;
	in->n -= len;
}

static const char *
form_key(char *k)
{
	static const char *const reserved[] = { "ok", "auth", "elem", "error" };
	size_t i;

	/* and "$lang", "$func": the json encoders' own members */
	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(k, reserved[i]) == 0 || k[0] == '$') {
			memmove(k + 1, k, strlen(k) + 1);
			k[0] = 'x';
		}
	return k;
}

/* ---- XML ---- */

static int
name_char(char c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
}

static int
entity_len(const char *p)
{
	static const char *const ents[] = {
		"&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#9;", "&#10;",
		"&#13;",
	};
	size_t i;

	for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (strncmp(p, ents[i], strlen(ents[i])) == 0)
			return (int)strlen(ents[i]);
	return -1;
}

/* Returns the number of elements of a strictly formed answer, or -1. */
static int
xml_check(const char *s)
{
	static char stack[256][300];
	int depth = 0, count = 0, seen_root = 0, e;
	const char *p = s;

	if (strncmp(p, XML_HEAD, strlen(XML_HEAD)) != 0)
		return -1;
	p += strlen(XML_HEAD);
	while (*p) {
		if (depth == 0 && seen_root)
			return strcmp(p, "\n") == 0 ? count : -1;
		if (*p == '<') {
			char name[300];
			size_t n = 0;
			int close = 0;

			p++;
			if (*p == '/') {
				close = 1;
				p++;
			}
			if (!name_char(*p, 1))
				return -1;
			while (name_char(*p, 0)) {
				if (n + 1 >= sizeof(name))
					return -1;
				name[n++] = *p++;
			}
			name[n] = '\0';
			if (close) {
				if (*p++ != '>' || depth == 0 ||
				    strcmp(stack[depth - 1], name) != 0)
					return -1;
				depth--;
				continue;
			}
			if (depth == 0 && seen_root)
				return -1;
			while (*p == ' ') {
				p++;
				while (*p >= 'a' && *p <= 'z')
					p++;
				if (*p++ != '=' || *p++ != '"')
					return -1;
				while (*p && *p != '"') {
					if (*p == '<' || *p == '>' ||
					    (unsigned char)*p < 0x20 ||
					    *p == 0x7f)
						return -1;
					if (*p == '&') {
						if ((e = entity_len(p)) < 0)
							return -1;
						p += e;
					} else
						p++;
				}
				if (*p++ != '"')
					return -1;
			}
			count++;
			seen_root = 1;
			if (p[0] == '/' && p[1] == '>') {
				p += 2;
				continue;
			}
			if (*p++ != '>' || depth == 256)
				return -1;
			strcpy(stack[depth++], name);
			continue;
		}
		if (depth == 0)
			return -1;
		if (*p == '>' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
		if (*p == '&') {
			if ((e = entity_len(p)) < 0)
				return -1;
			p += e;
			continue;
		}
		p++;
	}
	return -1;
}

/* ---- what the document implies ---- */

static int
is_error(const json_t *doc)
{
	return json_object_get(doc, "error") != NULL;
}

/* The fields of a list item that a list answers: those not empty. */
static size_t
filled(const json_t *e)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach((json_t *)e, k, v)
		n += *json_string_value(v) != '\0';
	return n;
}

/* Whether got, the $ of a field k in json or bjson, answers want. */
static int
same_value(const char *k, const json_t *got, const char *want, int bools)
{
	if (bools && json_is_boolean(got))
		return schema_is_bool(k) && strcmp(want, json_is_true(got) ?
		    "on" : "off") == 0;
	return json_is_string(got) && strcmp(json_string_value(got), want) ==
	    0;
}

static size_t
want_xml_elements(const json_t *doc)
{
	const char *k;
	json_t *v, *e;
	size_t n = 1, i;

	if (is_error(doc)) {
		/* doc error msg detail, and param and group when set */
		e = json_object_get(doc, "error");
		return 4 + (json_object_get(e, "param") != NULL) +
		    (json_object_get(e, "group") != NULL);
	}
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "elem") == 0) {
			json_array_foreach(v, i, e)
				n += 1 + filled(e);
		} else
			n++;
	}
	return n;
}

static size_t
want_text_lines(const json_t *doc)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	if (is_error(doc))
		return 1;
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "elem") == 0)
			n += json_array_size(v);
		else
			n++;
	}
	return n;
}

static void
check_text(const json_t *doc, const char *s, size_t len)
{
	size_t i, lines = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n')
			lines++;
		else
			check(c >= 0x20 && c != 0x7f, "text: control byte", s);
	}
	check(lines == want_text_lines(doc), "text: line count", s);
	check(len == 0 || s[len - 1] == '\n', "text: last line open", s);
}

static const char *
str_at(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void
check_dollar(const json_t *doc, const char *func, const char *s, int bools)
{
	json_t *j, *d, *v, *e, *oe, *fv;
	json_error_t err;
	const char *k, *fk;
	size_t i;

	j = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	check(j != NULL, "json: does not parse", s);
	check(json_object_size(j) == 1, "json: more than doc", s);
	d = json_object_get(j, "doc");
	check(json_is_object(d), "json: no doc", s);
	check(str_at(d, "$lang") && strcmp(str_at(d, "$lang"), "en") == 0,
	    "json: $lang", s);
	check(str_at(d, "$func") && strcmp(str_at(d, "$func"), func) == 0,
	    "json: $func", s);
	if (is_error(doc)) {
		json_t *de = json_object_get(d, "error");
		json_t *se = json_object_get(doc, "error");

		check(json_object_size(d) == 3, "json: error and more", s);
		check(strcmp(str_at(de, "$type"), str_at(se, "type")) == 0 &&
		    strcmp(str_at(de, "$object"), str_at(se, "object")) == 0 &&
		    strcmp(str_at(json_object_get(de, "msg"), "$"),
		    str_at(se, "msg")) == 0, "json: error values", s);
		json_decref(j);
		return;
	}
	json_object_foreach((json_t *)doc, k, v) {
		json_t *got = json_object_get(d, k);

		check(got != NULL, "json: member lost", s);
		if (strcmp(k, "ok") == 0) {
			check(bools ? json_is_true(got) : json_is_object(got),
			    "json: ok", s);
		} else if (strcmp(k, "auth") == 0) {
			check(strcmp(str_at(got, "$id"), str_at(v, "id")) == 0,
			    "json: auth $id", s);
		} else if (strcmp(k, "elem") == 0) {
			check(json_array_size(got) == json_array_size(v),
			    "json: elem count", s);
			json_array_foreach(v, i, e) {
				oe = json_array_get(got, i);
				check(json_object_size(oe) == filled(e),
				    "json: item size", s);
				json_object_foreach(e, fk, fv)
					check(*json_string_value(fv) == '\0' ||
					    same_value(fk, json_object_get(
					    json_object_get(oe, fk), "$"),
					    json_string_value(fv), bools),
					    "json: item value", s);
			}
		} else
			check(same_value(k, json_object_get(got, "$"),
			    json_string_value(v), bools), "json: field value",
			    s);
	}
	json_decref(j);
}

static void
check_plain(const json_t *doc, const char *s)
{
	json_t *j, *want, *v;
	json_error_t err;
	const char *k;

	j = json_loads(s, JSON_REJECT_DUPLICATES, &err);
	check(j != NULL, "JSONdata: does not parse", s);
	/* the document itself, with ok as "" and auth as its id */
	want = json_deep_copy(doc);
	json_object_foreach((json_t *)doc, k, v) {
		if (strcmp(k, "ok") == 0)
			json_object_set_new(want, "ok", json_string(""));
		else if (strcmp(k, "auth") == 0)
			json_object_set(want, "auth", json_object_get(v, "id"));
	}
	check(json_equal(j, want), "JSONdata: not the document", s);
	json_decref(want);
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum outfmt fmts[] = {
		OUT_XML, OUT_JSON, OUT_SJSON, OUT_BJSON, OUT_JSONDATA, OUT_TEXT,
	};
	struct in in = { data, size };
	struct reply r;
	json_t *elem = NULL;
	char func[300], a[300], b[300], c[300];
	uint8_t op;
	size_t i, ops = 0;

	take_str(&in, func);
	if (!utf8_valid(func, strlen(func)))
		strcpy(func, "fuzz");
	reply_init(&r);
	while (take_byte(&in, &op) == 0 && ops++ < 200) {
		switch (op % 8) {
		case 0:
			take_str(&in, a);
			take_str(&in, b);
			if (!is_error(r.doc))
				reply_set(&r, form_key(a), b);
			break;
		case 1:
			if (!is_error(r.doc))
				elem = reply_elem(&r);
			break;
		case 2:
			take_str(&in, a);
			take_str(&in, b);
			if (is_error(r.doc))
				break;
			if (elem == NULL)
				elem = reply_elem(&r);
			elem_set(elem, a, b);
			break;
		case 3:
			if (!is_error(r.doc))
				reply_ok(&r);
			break;
		case 4:
			take_str(&in, a);
			take_str(&in, b);
			if (is_error(r.doc))
				break;
			/* as the login handler does; jansson refuses invalid
			 * UTF-8 here, and then there is no auth */
			json_object_set_new(r.doc, "auth", json_pack(
			    "{s:s,s:s}", "id", a, "level", b));
			break;
		case 5:
			take_str(&in, a);
			take_str(&in, b);
			take_str(&in, c);
			reply_error(&r, a, b, "%s", c);
			elem = NULL;
			break;
		case 6:
			/* what every answer gets last: group and param of an
			 * error, the elid of a form */
			if (op & 8) {
				take_str(&in, a);
				take_str(&in, b);
				reply_finish(&r, a, op & 16, b);
			} else if (!is_error(r.doc))
				reply_list(&r);
			break;
		case 7:
			take_str(&in, a);
			take_str(&in, b);
			if (is_error(r.doc))
				break;
			if (elem && (op & 8))
				elem_setf(elem, a, "%s|%s", b, a);
			else
				reply_setf(&r, form_key(a), "<%s>", b);
			break;
		}
	}
	check(r.doc != NULL, "no document", NULL);

	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		struct sbuf out;
		const char *ctype = NULL;
		char *s;
		size_t len;
		int n;

		sbuf_init(&out, 1 << 24);
		check(output_encode(r.doc, func, fmts[i], &out, &ctype) == 0,
		    "encode failed", NULL);
		check(ctype != NULL, "no content type", NULL);
		s = sbuf_detach(&out, &len);
		check(strlen(s) == len, "NUL in output", s);
		check(utf8_valid(s, len), "output not UTF-8", s);
		switch (fmts[i]) {
		case OUT_XML:
			n = xml_check(s);
			check(n >= 0, "xml: not strictly formed", s);
			check((size_t)n == want_xml_elements(r.doc),
			    "xml: element count", s);
			break;
		case OUT_JSON:
		case OUT_SJSON:
			check_dollar(r.doc, func, s, 0);
			break;
		case OUT_BJSON:
			check_dollar(r.doc, func, s, 1);
			break;
		case OUT_JSONDATA:
			check_plain(r.doc, s);
			break;
		case OUT_TEXT:
			check_text(r.doc, s, len);
			break;
		}
		free(s);

		/* a cap too small fails cleanly */
		sbuf_init(&out, 16);
		check(output_encode(r.doc, func, fmts[i], &out, &ctype) == -1 ||
		    out.len <= 16, "cap passed", NULL);
		sbuf_release(&out);
	}
	reply_release(&r);
	return 0;
}
