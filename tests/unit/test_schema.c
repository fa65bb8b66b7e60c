/* test_schema.c - unit tests of src/common/schema.c and the declarations
 * of src/common/types.c and sysdata.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/common/schema.h"
#include "../../src/common/sysdata.h"

/* Every declaration is well formed: names unique in a type, a spelling
 * names a field of the type, a field that is given has a grammar unless
 * its type checks it itself, and every default passes its grammar. */
static void
test_declarations(void **state)
{
	const struct dtype *t;
	const struct field *f, *g;
	char out[FIELD_OUTMAX], err[VALID_ERR_MAX], field[64];
	size_t i, n = 0;

	(void)state;
	for (i = 0; (t = schema_types[i]) != NULL; i++, n++) {
		json_t *it = json_object();

		assert_ptr_equal(schema_type(t->name), t);
		assert_non_null(t->what);
		assert_non_null(t->role);
		for (f = t->fields; f->name; f++) {
			assert_non_null(f->label);
			assert_non_null(f->help);
			for (g = f + 1; g->name; g++)
				if (strcmp(f->name, g->name) == 0)
					fail_msg("%s: field %s twice", t->name,
					    f->name);
			if (f->flags & F_SPELLING) {
				/* it spells a field stored under its key */
				for (g = t->fields; g->name; g++)
					if (!(g->flags & F_SPELLING) &&
					    strcmp(field_key(g), f->key) == 0)
						break;
				assert_non_null(g->name);
			}
			if (!(f->flags & (F_OUT | F_OWN)))
				assert_non_null(f->check);
			for (size_t k = 0; f->options && f->options[k]; k++) {
				/* what a form offers is taken as it is */
				assert_int_equal(f->check(f->name,
				    f->options[k], out, err), 0);
				assert_string_equal(out, f->options[k]);
			}
			if (f->def && f->check && !strstr(f->def, "{name}") &&
			    !(f->flags & F_SPELLING))
				assert_int_equal(f->check(f->name, f->def, out,
				    err), 0);
		}
		if (t->kind == DK_USER && t->store)
			assert_int_equal(schema_defaults(t, "example.com", it,
			    field, err), 0);
		json_decref(it);
	}
	assert_int_equal(n, 20);
	for (i = 0; i < sd_ntypes; i++)
		assert_ptr_equal(schema_type(sd_types[i].name), &sd_types[i]);
	assert_null(schema_type("nope"));
}

static const char *
get(void *arg, const char *name)
{
	const char *const *kv = arg;

	for (; kv[0]; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

/* A new site's defaults are written once, in the declaration. */
static void
test_defaults(void **state)
{
	char err[VALID_ERR_MAX], field[64], buf[FIELD_OUTMAX], longname[300];
	json_t *it = json_object();

	(void)state;
	assert_int_equal(schema_defaults(&dt_webdomain, "a.example.com", it,
	    field, err), 0);
	field_format(schema_field(&dt_webdomain, "aliases"), it, buf);
	assert_string_equal(buf, "www.a.example.com");
	assert_string_equal(json_string_value(json_object_get(it, "home")),
	    "www/a.example.com");
	assert_true(json_is_false(json_object_get(it, "redirect_http")));
	assert_true(json_is_true(json_object_get(it, "log_access")));
	assert_string_equal(json_string_value(json_object_get(it,
	    "php_mode")), "none");
	assert_null(json_object_get(it, "docroot"));
	json_decref(it);

	/* www.NAME past 253 bytes is no alias; www/NAME past 200 bytes is
	 * no home, which the caller must then give */
	memset(longname, 0, sizeof(longname));
	for (size_t i = 0; i < 4; i++)
		strcat(longname, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.");
	strcat(longname, "com");
	it = json_object();
	assert_int_equal(schema_defaults(&dt_webdomain, longname, it, field,
	    err), -1);
	assert_string_equal(field, "home");
	assert_int_equal(json_array_size(json_object_get(it, "aliases")), 0);
	json_decref(it);

	it = json_object();
	assert_int_equal(schema_defaults(&dt_domain, "z.example", it, field,
	    err), 0);
	field_format(schema_field(&dt_domain, "ns"), it, buf);
	assert_string_equal(buf, "ns1.z.example. ns2.z.example.");
	assert_string_equal(json_string_value(json_object_get(it, "email")),
	    "admin@z.example");
	json_decref(it);
}

/* What a call gives is read through the grammar into stored types. */
static void
test_read(void **state)
{
	char err[VALID_ERR_MAX], field[64];
	const char *in1[] = { "php_mode", "php_mode_fcgi_nginxfpm", "home", "",
	    "ipaddr", "", "redirect_http", "on", "aliases", "B.example.com, "
	    "c.example.com", "unknown", "x", NULL };
	const char *in2[] = { "php_version", "9.9", NULL };
	const char *in3[] = { "keep_copy", "on", "dontsave", "on", "maxsize",
	    "512", "forward", "a@b.example c@d.example", NULL };
	json_t *it = json_pack("{s:s,s:s}", "home", "www/x", "ipaddr",
	    "192.0.2.1");

	(void)state;
	assert_int_equal(schema_read(&dt_webdomain, get, (void *)in1, it,
	    field, err), 0);
	assert_string_equal(json_string_value(json_object_get(it,
	    "php_mode")), "php_fpm");
	/* an empty home is one not given; an empty ipaddr is a value */
	assert_string_equal(json_string_value(json_object_get(it, "home")),
	    "www/x");
	assert_string_equal(json_string_value(json_object_get(it, "ipaddr")),
	    "");
	assert_true(json_is_true(json_object_get(it, "redirect_http")));
	assert_int_equal(json_array_size(json_object_get(it, "aliases")), 2);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(it, "aliases"), 0)), "b.example.com");
	assert_null(json_object_get(it, "unknown"));

	assert_int_equal(schema_read(&dt_webdomain, get, (void *)in2, it,
	    field, err), -1);
	assert_string_equal(field, "php_version");
	assert_non_null(strstr(err, "php_version"));
	assert_int_equal(schema_check(&dt_webdomain, get, (void *)in2, field,
	    err), -1);
	assert_string_equal(field, "php_version");
	json_decref(it);

	it = json_object();
	assert_int_equal(schema_read(&dt_email, get, (void *)in3, it, field,
	    err), 0);
	/* ISPmanager's dontsave says the opposite of keep_copy */
	assert_true(json_is_false(json_object_get(it, "keep_copy")));
	assert_int_equal(json_integer_value(json_object_get(it, "quota_mb")),
	    512);
	assert_int_equal(json_array_size(json_object_get(it, "forward")), 2);
	json_decref(it);
}

static void
test_docs(void **state)
{
	struct sbuf b;
	const struct field *f;
	size_t rows = 0;
	const char *p;

	(void)state;
	sbuf_init(&b, 1u << 20);
	schema_doc_fields(&dt_email, &b);
	for (p = sbuf_str(&b); (p = strstr(p, "\n| `")) != NULL; p++)
		rows++;
	for (f = dt_email.fields; f->name; f++)
		assert_non_null(strstr(sbuf_str(&b), f->name));
	assert_int_equal(rows, 11);
	assert_non_null(strstr(sbuf_str(&b), "| `passwd` |"));
	sbuf_release(&b);
	assert_true(schema_is_control("elid"));
	assert_true(schema_is_control("sok"));
	assert_false(schema_is_control("php_mode"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_declarations),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_docs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
