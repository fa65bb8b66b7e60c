/* test_actlog.c - the action log's parameters without secrets, and which
 * calls are changes (src/master/actlog.c). */
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
#include "../../src/master/master.h"

static void
add(struct reqparams *p, const char *k, const char *v)
{
	assert_int_equal(params_add(p, k, strlen(k), v, strlen(v)), 0);
}

/* The logged value of key in the parameters of func, or NULL. */
static char *
logged(const char *func, struct reqparams *p, const char *key)
{
	char *s = actlog_params(functab_find(func), p), *v = NULL;
	json_t *j = json_loads(s, 0, NULL), *x;

	assert_non_null(j);
	if ((x = json_object_get(j, key)) != NULL)
		v = strdup(json_string_value(x));
	json_decref(j);
	free(s);
	return v;
}

static void
test_secrets(void **state)
{
	struct reqparams p;
	char *big, *v;
	size_t i;

	(void)state;
	params_init(&p);
	add(&p, "func", "user.edit");
	add(&p, "authinfo", "admin:pw-in-authinfo");
	add(&p, "auth", "0123abcd");
	add(&p, "sok", "ok");
	add(&p, "name", "bob");
	add(&p, "passwd", "pw-1-secret");
	add(&p, "confirm", "pw-1-secret");
	add(&p, "pasword", "pw-2-typo");
	add(&p, "token", "tok");
	big = malloc(3000);
	/* "é" is two bytes: the cut must not fall between them */
	for (i = 0; i + 2 < 3000; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);
	big[i] = '\0';
	add(&p, "fullname", big);
	free(big);

	assert_null(logged("user.edit", &p, "authinfo"));
	assert_null(logged("user.edit", &p, "auth"));
	assert_null(logged("user.edit", &p, "func"));
	v = logged("user.edit", &p, "sok");
	assert_string_equal(v, "ok");
	free(v);
	v = logged("user.edit", &p, "name");
	assert_string_equal(v, "bob");
	free(v);
	v = logged("user.edit", &p, "passwd");
	assert_string_equal(v, "(secret)");
	free(v);
	v = logged("user.edit", &p, "confirm");
	assert_string_equal(v, "(secret)");
	free(v);
	v = logged("user.edit", &p, "token");
	assert_string_equal(v, "(secret)");
	free(v);
	v = logged("user.edit", &p, "pasword");
	assert_string_equal(v, "(not a parameter: withheld)");
	free(v);
	v = logged("user.edit", &p, "fullname");
	assert_non_null(v);
	assert_non_null(strstr(v, "... (2998 bytes)"));
	assert_true(strlen(v) < 1100);
	free(v);
	/* nothing of a secret in the whole text */
	{
		char *s = actlog_params(functab_find("user.edit"), &p);

		assert_null(strstr(s, "pw-"));
		assert_null(strstr(s, "0123abcd"));
		free(s);
	}
	params_release(&p);

	/* a field the schema marks secret, whatever its name */
	params_init(&p);
	add(&p, "ssh_key", "-----BEGIN KEY-----");
	add(&p, "name", "web1");
	v = logged("cluster.node.enroll", &p, "ssh_key");
	assert_string_equal(v, "(secret)");
	free(v);
	params_release(&p);
}

static int
is_change(const char *func, const char *sok)
{
	struct api_ctx c;
	struct reqparams p;
	int rc;

	memset(&c, 0, sizeof(c));
	params_init(&p);
	if (sok)
		add(&p, "sok", sok);
	c.p = &p;
	c.fn = functab_find(func);
	assert_non_null(c.fn);
	rc = actlog_is_change(&c);
	params_release(&p);
	return rc;
}

static void
test_changes(void **state)
{
	(void)state;
	assert_false(is_change("user", NULL));
	assert_false(is_change("user.edit", NULL));
	assert_false(is_change("user.edit", ""));
	assert_true(is_change("user.edit", "ok"));
	assert_true(is_change("user.delete", NULL));
	assert_true(is_change("user.suspend", NULL));
	assert_true(is_change("cluster.node.token", NULL));
	assert_false(is_change("auth", NULL));
	assert_false(is_change("whoami", NULL));
	assert_false(is_change("functions", NULL));
	assert_false(is_change("user.placement", NULL));
	assert_false(is_change("actionlog", NULL));
	assert_true(is_change("firewall.delete", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
