/* test_output.c - unit tests of src/master/output.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/common/params.h"
#include "../../src/common/sbuf.h"
#include "../../src/common/output.h"

#define XML_HEAD	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

static const enum outfmt all_fmts[] = {
	OUT_XML, OUT_JSON, OUT_SJSON, OUT_JSONDATA, OUT_TEXT,
};

/* Encodes doc and returns the output, which the caller frees. */
static char *
enc(const json_t *doc, const char *func, enum outfmt fmt)
{
	struct sbuf b;
	const char *ctype = NULL;
	char *s;

	sbuf_init(&b, 1 << 20);
	assert_int_equal(output_encode(doc, func, fmt, &b, &ctype), 0);
	assert_non_null(ctype);
	s = sbuf_detach(&b, NULL);
	assert_true(utf8_valid(s, strlen(s)));
	return s;
}

static void
expect(const json_t *doc, const char *func, enum outfmt fmt,
    const char *want)
{
	char *s = enc(doc, func, fmt);

	assert_string_equal(s, want);
	free(s);
}

/* Parses JSON output strictly; the caller json_decref()s. */
static json_t *
parse(const json_t *doc, const char *func, enum outfmt fmt)
{
	json_error_t e;
	char *s = enc(doc, func, fmt);
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &e);

	if (j == NULL)
		fail_msg("output does not parse: %s: %s", e.text, s);
	free(s);
	assert_true(json_is_object(j));
	return j;
}

/* The string at a path of object keys and array indexes ("3"). */
static const char *
at(json_t *j, const char *path)
{
	char buf[256], *p, *tok;

	strcpy(buf, path);
	for (p = buf; (tok = strsep(&p, ".")) != NULL;) {
		if (json_is_array(j))
			j = json_array_get(j, (size_t)atoi(tok));
		else
			j = json_object_get(j, tok);
		if (j == NULL)
			fail_msg("no %s (at %s)", path, tok);
	}
	return json_string_value(j);
}

/*
 * A strict scanner for the XML the encoder writes: the prolog, then
 * properly nested elements with double-quoted attributes, text with only
 * the five entities and numeric character references, no raw '<', '>',
 * '&' or control characters in text or attributes, and one newline after
 * the root.  Returns the number of elements, or -1.
 */
static int
xml_check(const char *s)
{
	char stack[64][128];
	int depth = 0, count = 0, seen_root = 0;
	const char *p = s;

	if (strncmp(p, XML_HEAD, strlen(XML_HEAD)) != 0)
		return -1;
	p += strlen(XML_HEAD);
	while (*p) {
		if (depth == 0 && seen_root)
			return strcmp(p, "\n") == 0 ? count : -1;
		if (*p == '<') {
			char name[128];
			size_t n = 0;
			int close = 0;

			p++;
			if (*p == '/') {
				close = 1;
				p++;
			}
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || *p == '_'))
				return -1;
			while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
			    *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			    *p == '_' || *p == '.' || *p == '-') {
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
				while ((*p >= 'a' && *p <= 'z'))
					p++;
				if (*p++ != '=' || *p++ != '"')
					return -1;
				while (*p && *p != '"') {
					if (*p == '<' || *p == '>' ||
					    (unsigned char)*p < 0x20)
						return -1;
					if (*p == '&') {
						const char *e = strchr(p, ';');

						if (e == NULL || e - p > 8)
							return -1;
						p = e;
					}
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
			if (*p++ != '>' || depth == 64)
				return -1;
			strcpy(stack[depth++], name);
			continue;
		}
		if (depth == 0)
			return -1;
		if (*p == '>' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
		if (*p == '&') {
			static const char *const ents[] = {
				"&amp;", "&lt;", "&gt;", "&quot;", "&apos;",
				"&#9;", "&#10;", "&#13;",
			};
			size_t i;

			for (i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
				if (strncmp(p, ents[i], strlen(ents[i])) == 0)
					break;
			if (i == sizeof(ents) / sizeof(ents[0]))
				return -1;
			p += strlen(ents[i]);
			continue;
		}
		p++;
	}
	return -1;
}

/* ---- formats ---- */

static void
test_output_format(void **state)
{
	static const struct {
		const char *name;
		enum outfmt fmt;
	} good[] = {
		{ "xml", OUT_XML }, { "json", OUT_JSON }, { "sjson", OUT_SJSON },
		{ "JSONdata", OUT_JSONDATA }, { "text", OUT_TEXT },
	};
	static const char *const bad[] = {
		"", "XML", "Json", "JSON", "jsondata", "JSONDATA", "xml ",
		" xml", "html", "txt", "xml\n", "sjso", "devel",
	};
	enum outfmt f;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		f = (enum outfmt)-1;
		assert_int_equal(output_format(good[i].name, &f), 0);
		assert_int_equal(f, good[i].fmt);
		assert_string_equal(output_format_name(f), good[i].name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f = OUT_TEXT;
		assert_int_equal(output_format(bad[i], &f), -1);
		assert_int_equal(f, OUT_TEXT);
	}
	assert_string_equal(output_format_name((enum outfmt)99), "xml");
}

static void
test_ctypes(void **state)
{
	struct reply r;
	struct sbuf b;
	const char *ct;

	reply_init(&r);
	sbuf_init(&b, 4096);
	assert_int_equal(output_encode(r.doc, "f", OUT_XML, &b, &ct), 0);
	assert_string_equal(ct, "text/xml; charset=utf-8");
	assert_int_equal(output_encode(r.doc, "f", OUT_JSON, &b, &ct), 0);
	assert_string_equal(ct, "application/json");
	assert_int_equal(output_encode(r.doc, "f", OUT_SJSON, &b, &ct), 0);
	assert_string_equal(ct, "application/json");
	assert_int_equal(output_encode(r.doc, "f", OUT_JSONDATA, &b, &ct), 0);
	assert_string_equal(ct, "application/json");
	assert_int_equal(output_encode(r.doc, "f", OUT_TEXT, &b, &ct), 0);
	assert_string_equal(ct, "text/plain; charset=utf-8");
	sbuf_release(&b);
	reply_release(&r);
	assert_null(r.doc);
}

/* ---- exact documents ---- */

static void
test_form_exact(void **state)
{
	struct reply r;

	reply_init(&r);
	reply_set(&r, "name", "web1");
	reply_set(&r, "addr", "10.0.0.1");
	assert_false(reply_is_error(&r));
	expect(r.doc, "node.edit", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node.edit\"><name>web1</name>"
	    "<addr>10.0.0.1</addr></doc>\n");
	expect(r.doc, "node.edit", OUT_JSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"node.edit\",\"name\":{\"$\":\"web1\"},"
	    "\"addr\":{\"$\":\"10.0.0.1\"}}}");
	expect(r.doc, "node.edit", OUT_SJSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"node.edit\",\"name\":{\"$\":\"web1\"},"
	    "\"addr\":{\"$\":\"10.0.0.1\"}}}");
	expect(r.doc, "node.edit", OUT_JSONDATA,
	    "{\"name\":\"web1\",\"addr\":\"10.0.0.1\"}");
	expect(r.doc, "node.edit", OUT_TEXT, "name=web1\naddr=10.0.0.1\n");
	reply_release(&r);
}

static void
test_form_replace_and_setf(void **state)
{
	struct reply r;

	reply_init(&r);
	reply_set(&r, "n", "old");
	reply_setf(&r, "n", "%d-%s", 7, "x");
	reply_set(&r, "empty", "");
	reply_set(&r, "null", NULL);
	expect(r.doc, "f", OUT_TEXT, "n=7-x\nempty=\nnull=\n");
	expect(r.doc, "f", OUT_JSONDATA,
	    "{\"n\":\"7-x\",\"empty\":\"\",\"null\":\"\"}");
	reply_release(&r);
}

static void
test_elem_exact(void **state)
{
	struct reply r;
	json_t *e;

	reply_init(&r);
	e = reply_elem(&r);
	elem_set(e, "id", "1");
	elem_set(e, "name", "web1");
	e = reply_elem(&r);
	elem_setf(e, "id", "%d", 2);
	elem_set(e, "name", "db");
	expect(r.doc, "node", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node\"><elem><id>1</id><name>web1</name>"
	    "</elem><elem><id>2</id><name>db</name></elem></doc>\n");
	expect(r.doc, "node", OUT_JSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"node\",\"elem\":[{\"id\":{\"$\":\"1\"},"
	    "\"name\":{\"$\":\"web1\"}},{\"id\":{\"$\":\"2\"},"
	    "\"name\":{\"$\":\"db\"}}]}}");
	expect(r.doc, "node", OUT_SJSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"node\",\"elem\":[{\"id\":{\"$\":\"1\"},"
	    "\"name\":{\"$\":\"web1\"}},{\"id\":{\"$\":\"2\"},"
	    "\"name\":{\"$\":\"db\"}}]}}");
	expect(r.doc, "node", OUT_JSONDATA, "{\"elem\":[{\"id\":\"1\","
	    "\"name\":\"web1\"},{\"id\":\"2\",\"name\":\"db\"}]}");
	expect(r.doc, "node", OUT_TEXT, "id=1 name=web1\nid=2 name=db\n");
	reply_release(&r);
}

static void
test_elem_empty_list(void **state)
{
	struct reply r;
	json_t *j;

	reply_init(&r);
	reply_list(&r);
	reply_list(&r);		/* twice is the same */
	expect(r.doc, "node", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node\"></doc>\n");
	expect(r.doc, "node", OUT_JSON,
	    "{\"doc\":{\"$lang\":\"en\",\"$func\":\"node\",\"elem\":[]}}");
	expect(r.doc, "node", OUT_SJSON,
	    "{\"doc\":{\"$lang\":\"en\",\"$func\":\"node\",\"elem\":[]}}");
	expect(r.doc, "node", OUT_JSONDATA, "{\"elem\":[]}");
	expect(r.doc, "node", OUT_TEXT, "");
	j = parse(r.doc, "node", OUT_JSON);
	assert_true(json_is_array(json_object_get(json_object_get(j, "doc"),
	    "elem")));
	assert_int_equal(json_array_size(json_object_get(json_object_get(j,
	    "doc"), "elem")), 0);
	json_decref(j);
	/* an empty item is one empty line, and an empty <elem> */
	reply_elem(&r);
	expect(r.doc, "node", OUT_TEXT, "\n");
	expect(r.doc, "node", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node\"><elem></elem></doc>\n");
	expect(r.doc, "node", OUT_JSONDATA, "{\"elem\":[{}]}");
	reply_release(&r);
}

static void
test_ok_exact(void **state)
{
	struct reply r;

	reply_init(&r);
	reply_ok(&r);
	expect(r.doc, "node.edit", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node.edit\"><ok/></doc>\n");
	expect(r.doc, "node.edit", OUT_JSON,
	    "{\"doc\":{\"$lang\":\"en\",\"$func\":\"node.edit\",\"ok\":{}}}");
	expect(r.doc, "node.edit", OUT_SJSON,
	    "{\"doc\":{\"$lang\":\"en\",\"$func\":\"node.edit\",\"ok\":{}}}");
	expect(r.doc, "node.edit", OUT_JSONDATA, "{\"ok\":\"\"}");
	expect(r.doc, "node.edit", OUT_TEXT, "OK\n");
	/* ok with a field, as node.token answers */
	reply_setf(&r, "id", "%d", 3);
	expect(r.doc, "node.token", OUT_TEXT, "OK\nid=3\n");
	expect(r.doc, "node.token", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node.token\"><ok/><id>3</id></doc>\n");
	reply_release(&r);
}

static void
set_auth(struct reply *r, const char *id, const char *level)
{
	json_object_set_new(r->doc, "auth", json_pack("{s:s,s:s}", "id", id,
	    "level", level));
}

static void
test_auth_exact(void **state)
{
	struct reply r;

	reply_init(&r);
	set_auth(&r, "0123abcd", "admin");
	expect(r.doc, "auth", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"auth\"><auth id=\"0123abcd\" "
	    "level=\"admin\">0123abcd</auth></doc>\n");
	expect(r.doc, "auth", OUT_JSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"auth\",\"auth\":{\"$id\":\"0123abcd\","
	    "\"$level\":\"admin\",\"$\":\"0123abcd\"}}}");
	expect(r.doc, "auth", OUT_SJSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"auth\",\"auth\":{\"$id\":\"0123abcd\","
	    "\"$level\":\"admin\",\"$\":\"0123abcd\"}}}");
	expect(r.doc, "auth", OUT_JSONDATA, "{\"auth\":\"0123abcd\"}");
	expect(r.doc, "auth", OUT_TEXT, "auth=0123abcd\n");
	reply_release(&r);
}

static void
test_error_exact(void **state)
{
	struct reply r;

	reply_init(&r);
	reply_set(&r, "name", "dropped");
	reply_ok(&r);
	reply_error(&r, "value", "weight", "weight \"%s\": out of range", "0");
	reply_finish(&r, "node", 1, "3");
	assert_true(reply_is_error(&r));
	expect(r.doc, "node.edit", OUT_XML, XML_HEAD
	    "<doc lang=\"en\" func=\"node.edit\"><error type=\"value\" "
	    "object=\"weight\" lang=\"en\"><msg>weight &quot;0&quot;: out of "
	    "range</msg><detail>weight &quot;0&quot;: out of range</detail>"
	    "<param>weight</param><group>node</group></error></doc>\n");
	expect(r.doc, "node.edit", OUT_JSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"node.edit\",\"error\":{\"$type\":\"value\","
	    "\"$object\":\"weight\",\"$lang\":\"en\",\"msg\":{\"$\":"
	    "\"weight \\\"0\\\": out of range\"},\"detail\":{\"$\":"
	    "\"weight \\\"0\\\": out of range\"},\"param\":{\"$\":\"weight\"},"
	    "\"group\":{\"$\":\"node\"}}}}");
	expect(r.doc, "node.edit", OUT_SJSON, "{\"doc\":{\"$lang\":\"en\","
	    "\"$func\":\"node.edit\",\"error\":{\"$type\":\"value\","
	    "\"$object\":\"weight\",\"$lang\":\"en\",\"msg\":{\"$\":"
	    "\"weight \\\"0\\\": out of range\"},\"detail\":{\"$\":"
	    "\"weight \\\"0\\\": out of range\"},\"param\":{\"$\":\"weight\"},"
	    "\"group\":{\"$\":\"node\"}}}}");
	expect(r.doc, "node.edit", OUT_JSONDATA, "{\"error\":{\"type\":"
	    "\"value\",\"object\":\"weight\",\"msg\":"
	    "\"weight \\\"0\\\": out of range\",\"param\":\"weight\","
	    "\"group\":\"node\"}}");
	expect(r.doc, "node.edit", OUT_TEXT,
	    "ERROR value(weight): weight \"0\": out of range\n");
	reply_release(&r);

	/* a name taken: param names its field; group stays as set */
	reply_init(&r);
	reply_error(&r, "exists", "webdomain", "exists");
	reply_error_set(&r, "group", "webdomain");
	reply_finish(&r, "other", 0, NULL);
	expect(r.doc, "f", OUT_JSONDATA, "{\"error\":{\"type\":\"exists\","
	    "\"object\":\"webdomain\",\"msg\":\"exists\",\"param\":\"name\","
	    "\"group\":\"webdomain\"}}");
	reply_release(&r);
}

/* Lists leave empty fields out (xml, json); a form gets its elid; bjson
 * answers booleans of boolean fields as true and false. */
static void
test_shapes_compat(void **state)
{
	struct reply r;
	json_t *e;

	reply_init(&r);
	e = reply_elem(&r);
	elem_set(e, "name", "on");
	elem_set(e, "aliases", "");
	elem_set(e, "active", "off");
	expect(r.doc, "f", OUT_XML, XML_HEAD "<doc lang=\"en\" func=\"f\">"
	    "<elem><name>on</name><active>off</active></elem></doc>\n");
	expect(r.doc, "f", OUT_JSON, "{\"doc\":{\"$lang\":\"en\",\"$func\":"
	    "\"f\",\"elem\":[{\"name\":{\"$\":\"on\"},\"active\":{\"$\":"
	    "\"off\"}}]}}");
	expect(r.doc, "f", OUT_BJSON, "{\"doc\":{\"$lang\":\"en\",\"$func\":"
	    "\"f\",\"elem\":[{\"name\":{\"$\":\"on\"},\"active\":{\"$\":"
	    "false}}]}}");
	/* JSONdata is plain data: it keeps them */
	expect(r.doc, "f", OUT_JSONDATA, "{\"elem\":[{\"name\":\"on\","
	    "\"aliases\":\"\",\"active\":\"off\"}]}");
	reply_release(&r);

	reply_init(&r);
	reply_set(&r, "name", "example.com");
	reply_set(&r, "ipaddr", "");
	reply_finish(&r, "webdomain", 1, "example.com");
	expect(r.doc, "f", OUT_XML, XML_HEAD "<doc lang=\"en\" func=\"f\">"
	    "<name>example.com</name><ipaddr></ipaddr><elid>example.com</elid>"
	    "</doc>\n");
	reply_release(&r);

	reply_init(&r);
	reply_ok(&r);
	reply_finish(&r, "webdomain", 1, "example.com");
	expect(r.doc, "f", OUT_BJSON, "{\"doc\":{\"$lang\":\"en\",\"$func\":"
	    "\"f\",\"ok\":true}}");
	reply_release(&r);
}

static void
test_error_msg_long_is_cut(void **state)
{
	struct reply r;
	char big[3000];
	json_t *j;

	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	reply_init(&r);
	reply_error(&r, "internal", "x", "%s", big);
	j = parse(r.doc, "f", OUT_JSONDATA);
	assert_int_equal(strlen(at(j, "error.msg")), 1023);
	json_decref(j);
	reply_release(&r);
}

/* ---- shapes through jansson ---- */

static void
test_json_shapes(void **state)
{
	struct reply r;
	json_t *j, *e;
	enum outfmt f;
	int k;

	reply_init(&r);
	e = reply_elem(&r);
	elem_set(e, "name", "a\"b\\c\n");
	e = reply_elem(&r);
	elem_set(e, "name", "second");
	reply_set(&r, "total", "2");
	for (k = 0; k < 2; k++) {
		f = k ? OUT_SJSON : OUT_JSON;
		j = parse(r.doc, "node", f);
		assert_string_equal(at(j, "doc.elem.0.name.$"), "a\"b\\c\n");
		assert_string_equal(at(j, "doc.elem.1.name.$"), "second");
		assert_string_equal(at(j, "doc.total.$"), "2");
		assert_string_equal(at(j, "doc.$func"), "node");
		assert_string_equal(at(j, "doc.$lang"), "en");
		assert_int_equal(json_object_size(j), 1);
		json_decref(j);
	}
	j = parse(r.doc, "node", OUT_JSONDATA);
	assert_string_equal(at(j, "elem.0.name"), "a\"b\\c\n");
	assert_string_equal(at(j, "elem.1.name"), "second");
	assert_string_equal(at(j, "total"), "2");
	assert_null(json_object_get(j, "doc"));
	json_decref(j);
	reply_release(&r);

	reply_init(&r);
	reply_ok(&r);
	j = parse(r.doc, "f", OUT_JSON);
	assert_true(json_is_object(json_object_get(json_object_get(j, "doc"),
	    "ok")));
	json_decref(j);
	reply_release(&r);

	reply_init(&r);
	set_auth(&r, "sess", "user");
	j = parse(r.doc, "auth", OUT_SJSON);
	assert_string_equal(at(j, "doc.auth.$id"), "sess");
	assert_string_equal(at(j, "doc.auth.$level"), "user");
	json_decref(j);
	j = parse(r.doc, "auth", OUT_JSONDATA);
	assert_string_equal(at(j, "auth"), "sess");
	json_decref(j);
	reply_release(&r);

	reply_init(&r);
	reply_error(&r, "exists", "name", "node \"%s\" exists", "w<1>");
	for (k = 0; k < 2; k++) {
		j = parse(r.doc, "f", k ? OUT_SJSON : OUT_JSON);
		assert_string_equal(at(j, "doc.error.$type"), "exists");
		assert_string_equal(at(j, "doc.error.$object"), "name");
		assert_string_equal(at(j, "doc.error.msg.$"),
		    "node \"w<1>\" exists");
		assert_string_equal(at(j, "doc.error.detail.$"),
		    "node \"w<1>\" exists");
		json_decref(j);
	}
	j = parse(r.doc, "f", OUT_JSONDATA);
	assert_string_equal(at(j, "error.type"), "exists");
	assert_string_equal(at(j, "error.object"), "name");
	assert_string_equal(at(j, "error.msg"), "node \"w<1>\" exists");
	json_decref(j);
	reply_release(&r);
}

/* ---- XML escaping ---- */

static void
test_xml_escapes_value(void **state)
{
	struct reply r;
	json_t *e;
	char *s;

	reply_init(&r);
	reply_set(&r, "v", "a&b<c>d\"e'f");
	expect(r.doc, "f", OUT_XML, XML_HEAD "<doc lang=\"en\" func=\"f\">"
	    "<v>a&amp;b&lt;c&gt;d&quot;e&apos;f</v></doc>\n");
	reply_release(&r);

	reply_init(&r);
	reply_set(&r, "v", "\t\n\r|\x01|\x1f|\x7f|");
	expect(r.doc, "f", OUT_XML, XML_HEAD "<doc lang=\"en\" func=\"f\">"
	    "<v>&#9;&#10;&#13;|\xef\xbf\xbd|\xef\xbf\xbd|\xef\xbf\xbd|</v>"
	    "</doc>\n");
	reply_release(&r);

	/* markup injection in a value, an elem value, the func and the
	 * error attributes */
	reply_init(&r);
	reply_set(&r, "v", "</v><admin>1</admin><v>");
	e = reply_elem(&r);
	elem_set(e, "x", "]]><!--");
	s = enc(r.doc, "f\"><evil a=\"", OUT_XML);
	assert_int_equal(xml_check(s), 4);	/* doc v elem x */
	assert_null(strstr(s, "<admin>"));
	assert_non_null(strstr(s, "func=\"f&quot;&gt;&lt;evil a=&quot;\""));
	free(s);
	reply_release(&r);

	reply_init(&r);
	reply_error(&r, "t\"<", "o'>&", "m</msg>");
	s = enc(r.doc, "f", OUT_XML);
	assert_int_equal(xml_check(s), 4);	/* doc error msg detail */
	assert_non_null(strstr(s, "<error type=\"t&quot;&lt;\" "
	    "object=\"o&apos;&gt;&amp;\" lang=\"en\"><msg>m&lt;/msg&gt;</msg>"));
	free(s);
	reply_release(&r);

	reply_init(&r);
	set_auth(&r, "i\"d<", "a&b");
	s = enc(r.doc, "auth", OUT_XML);
	assert_int_equal(xml_check(s), 2);
	assert_non_null(strstr(s, "<auth id=\"i&quot;d&lt;\" "
	    "level=\"a&amp;b\">i&quot;d&lt;</auth>"));
	free(s);
	reply_release(&r);
}

static void
test_xml_odd_field_names(void **state)
{
	struct reply r;
	json_t *e;
	char *s;

	reply_init(&r);
	reply_set(&r, "a b<c>", "1");
	reply_set(&r, "1abc", "2");
	reply_set(&r, "", "3");
	reply_set(&r, "x\"y='z'", "4");
	reply_set(&r, "-lead", "5");
	reply_set(&r, ".dot", "6");
	reply_set(&r, "caf\xc3\xa9", "7");
	reply_set(&r, "x/>&amp;", "8");
	reply_set(&r, "ok.name_1-x", "9");
	e = reply_elem(&r);
	elem_set(e, "</elem>", "10");
	elem_set(e, "a\nb", "11");
	s = enc(r.doc, "f", OUT_XML);
	assert_int_equal(xml_check(s), 1 + 9 + 1 + 2);
	assert_non_null(strstr(s, "<a_b_c_>1</a_b_c_>"));
	assert_non_null(strstr(s, "<_1abc>2</_1abc>"));
	assert_non_null(strstr(s, "<_>3</_>"));
	assert_non_null(strstr(s, "<x_y__z_>4</x_y__z_>"));
	assert_non_null(strstr(s, "<_-lead>5</_-lead>"));
	assert_non_null(strstr(s, "<_.dot>6</_.dot>"));
	assert_non_null(strstr(s, "<caf__>7</caf__>"));
	assert_non_null(strstr(s, "<x___amp_>8</x___amp_>"));
	assert_non_null(strstr(s, "<ok.name_1-x>9</ok.name_1-x>"));
	assert_non_null(strstr(s, "<elem><__elem_>10</__elem_>"
	    "<a_b>11</a_b></elem>"));
	free(s);
	reply_release(&r);
}

static void
test_xml_nonchars(void **state)
{
	struct reply r;
	char *s;

	/*
	 * U+FFFE and U+FFFF are valid UTF-8 (they pass params_add and
	 * reply_set) but are not XML 1.0 characters: they become U+FFFD.
	 */
	reply_init(&r);
	reply_set(&r, "v", "a\xef\xbf\xbe" "b\xef\xbf\xbf" "c");
	s = enc(r.doc, "f", OUT_XML);
	assert_null(strstr(s, "\xef\xbf\xbe"));
	assert_null(strstr(s, "\xef\xbf\xbf"));
	free(s);
	reply_release(&r);
}

/* ---- text ---- */

/* Counts '\n' in s. */
static int
lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void
test_text_one_line_per_value(void **state)
{
	struct reply r;
	json_t *e;
	char *s;

	reply_init(&r);
	reply_set(&r, "k", "a\nb=c");
	expect(r.doc, "f", OUT_TEXT, "k=a\\nb=c\n");
	reply_set(&r, "k", "x\r\ny\tz\\n\x01\x7f");
	expect(r.doc, "f", OUT_TEXT, "k=x\\r\\ny\\tz\\\\n\\x01\\x7f\n");
	reply_release(&r);

	reply_init(&r);
	reply_set(&r, "a\nb", "1\n2");
	reply_set(&r, "c", "\n\n\n");
	e = reply_elem(&r);
	elem_set(e, "n\nm", "v\nw");
	elem_set(e, "z", "q\r");
	e = reply_elem(&r);
	elem_set(e, "z", "\n");
	s = enc(r.doc, "f", OUT_TEXT);
	assert_int_equal(lines(s), 4);
	assert_string_equal(s, "a\\nb=1\\n2\nc=\\n\\n\\n\n"
	    "n\\nm=v\\nw z=q\\r\nz=\\n\n");
	free(s);
	reply_release(&r);

	reply_init(&r);
	reply_error(&r, "value", "o\nbj", "line1\nline2\r\n");
	expect(r.doc, "f", OUT_TEXT,
	    "ERROR value(o\\nbj): line1\\nline2\\r\\n\n");
	reply_release(&r);

	reply_init(&r);
	set_auth(&r, "a\nb", "admin");
	expect(r.doc, "f", OUT_TEXT, "auth=a\\nb\n");
	reply_release(&r);
}

/* ---- invalid UTF-8 ---- */

static void
test_invalid_utf8_replaced(void **state)
{
	struct reply r;
	json_t *e, *j;
	size_t i;
	int k;

	reply_init(&r);
	reply_set(&r, "v", "caf\xe9");
	reply_set(&r, "w", "\xc0\xaf|\xed\xa0\x80");
	reply_setf(&r, "x", "%s", "\xff\xfe");
	reply_set(&r, "ok8", "caf\xc3\xa9");	/* valid: kept */
	e = reply_elem(&r);
	elem_set(e, "n", "a\x80z");
	elem_setf(e, "m", "%s", "\xf8");
	for (i = 0; i < sizeof(all_fmts) / sizeof(all_fmts[0]); i++) {
		char *s = enc(r.doc, "f", all_fmts[i]);	/* checks UTF-8 */

		free(s);
	}
	j = parse(r.doc, "f", OUT_JSONDATA);
	assert_string_equal(at(j, "v"), "caf?");
	assert_string_equal(at(j, "w"), "??|???");
	assert_string_equal(at(j, "x"), "??");
	assert_string_equal(at(j, "ok8"), "caf\xc3\xa9");
	assert_string_equal(at(j, "elem.0.n"), "a?z");
	assert_string_equal(at(j, "elem.0.m"), "?");
	json_decref(j);
	expect(r.doc, "f", OUT_TEXT,
	    "v=caf?\nw=??|???\nx=??\nok8=caf\xc3\xa9\nn=a?z m=?\n");
	reply_release(&r);

	reply_init(&r);
	reply_error(&r, "t\xff", "o\xff", "m\xff");
	for (k = 0; k < 5; k++) {
		char *s = enc(r.doc, "f", all_fmts[k]);

		free(s);
	}
	j = parse(r.doc, "f", OUT_JSONDATA);
	assert_string_equal(at(j, "error.type"), "t?");
	assert_string_equal(at(j, "error.object"), "o?");
	assert_string_equal(at(j, "error.msg"), "m?");
	json_decref(j);
	reply_release(&r);
}

/* ---- caps ---- */

static void
test_cap(void **state)
{
	struct reply r;
	struct sbuf b;
	const char *ct;
	char big[600];
	size_t i;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	reply_init(&r);
	reply_set(&r, "v", big);
	for (i = 0; i < sizeof(all_fmts) / sizeof(all_fmts[0]); i++) {
		sbuf_init(&b, 256);
		assert_int_equal(output_encode(r.doc, "f", all_fmts[i], &b,
		    &ct), -1);
		assert_true(b.len <= 256);
		sbuf_release(&b);
		sbuf_init(&b, 4096);
		assert_int_equal(output_encode(r.doc, "f", all_fmts[i], &b,
		    &ct), 0);
		sbuf_release(&b);
	}
	reply_release(&r);
}

/* ---- every kind, every format, structurally ---- */

static void
test_all_formats_parse(void **state)
{
	struct reply r;
	json_t *e, *j;
	size_t i;
	char *s;

	reply_init(&r);
	reply_set(&r, "a", "<&>\"'\n\t");
	e = reply_elem(&r);
	elem_set(e, "b", "]]>");
	reply_ok(&r);
	set_auth(&r, "id", "user");
	for (i = 0; i < sizeof(all_fmts) / sizeof(all_fmts[0]); i++) {
		s = enc(r.doc, "f", all_fmts[i]);
		switch (all_fmts[i]) {
		case OUT_XML:
			/* doc a elem b ok auth */
			assert_int_equal(xml_check(s), 6);
			break;
		case OUT_TEXT:
			/* a, one item, OK, auth */
			assert_int_equal(lines(s), 4);
			break;
		default:
			j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
			assert_non_null(j);
			json_decref(j);
		}
		free(s);
	}
	reply_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_format),
		cmocka_unit_test(test_ctypes),
		cmocka_unit_test(test_form_exact),
		cmocka_unit_test(test_form_replace_and_setf),
		cmocka_unit_test(test_elem_exact),
		cmocka_unit_test(test_elem_empty_list),
		cmocka_unit_test(test_ok_exact),
		cmocka_unit_test(test_auth_exact),
		cmocka_unit_test(test_error_exact),
		cmocka_unit_test(test_shapes_compat),
		cmocka_unit_test(test_error_msg_long_is_cut),
		cmocka_unit_test(test_json_shapes),
		cmocka_unit_test(test_xml_escapes_value),
		cmocka_unit_test(test_xml_odd_field_names),
		cmocka_unit_test(test_xml_nonchars),
		cmocka_unit_test(test_text_one_line_per_value),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_all_formats_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
