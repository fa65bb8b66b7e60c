/* test_panel.c - unit tests of the web panel's embedded files
 * (tools/embed.py into panel_assets[], src/master/panel.h): each with its
 * type and tag, the page without inline script or style, and every module
 * the page loads embedded and preloaded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/master/panel.h"

/* The page's text, NUL-terminated (the caller frees). */
static char *
page(void)
{
	const struct panel_asset *a = panel_asset_find("/index.html");
	char *s;

	assert_non_null(a);
	s = malloc(a->len + 1);
	memcpy(s, a->data, a->len);
	s[a->len] = '\0';
	return s;
}

static void
test_rows(void **state)
{
	const struct panel_asset *a, *b;
	size_t i, n = 0;

	(void)state;
	for (a = panel_assets; a->path; a++, n++) {
		assert_int_equal(a->path[0], '/');
		assert_null(strstr(a->path, ".."));
		assert_true(strlen(a->ctype) > 0);
		/* a strong tag: a quoted hash */
		assert_int_equal(strlen(a->etag), 34);
		assert_int_equal(a->etag[0], '"');
		assert_int_equal(a->etag[33], '"');
		for (i = 1; i < 33; i++)
			assert_true(isxdigit((unsigned char)a->etag[i]));
		if (a->gz) {
			assert_true(a->gzlen < a->len);
			/* gzip's magic */
			assert_int_equal(a->gz[0], 0x1f);
			assert_int_equal(a->gz[1], 0x8b);
		}
		for (b = panel_assets; b < a; b++) {
			assert_string_not_equal(a->path, b->path);
			if (a->len != b->len || memcmp(a->data, b->data,
			    a->len) != 0)
				assert_string_not_equal(a->etag, b->etag);
		}
		if (strstr(a->path, ".js"))
			assert_string_equal(a->ctype,
			    "text/javascript; charset=utf-8");
	}
	assert_true(n >= 10);
	assert_string_equal(panel_asset_find("/index.html")->ctype,
	    "text/html; charset=utf-8");
	assert_non_null(panel_asset_find("/app.js"));
	assert_non_null(panel_asset_find("/i18n/en.js"));
	assert_non_null(panel_asset_find("/i18n/ru.js"));
}

/* The page runs no script of its own and has no style attribute or
 * handler: the Content-Security-Policy forbids them. */
static void
test_no_inline(void **state)
{
	char *s = page(), *p;

	(void)state;
	for (p = s; (p = strstr(p, "<script")) != NULL; p++)
		assert_int_equal(strncmp(p, "<script type=\"module\" src=\"/"
		    "panel/", 34), 0);
	assert_null(strstr(s, "style="));
	assert_null(strstr(s, "javascript:"));
	for (p = s; (p = strstr(p, " on")) != NULL; p++) {
		char *q = p + 3;

		while (islower((unsigned char)*q))
			q++;
		assert_true(*q != '=');
	}
	free(s);
}

/* Every module the page names is embedded, and every module embedded is
 * named by the page (preloaded, so that imports do not load one after
 * another). */
static void
test_modules(void **state)
{
	const struct panel_asset *a;
	char *s = page(), want[300];
	const char *p;

	(void)state;
	for (p = s; (p = strstr(p, "\"/panel/")) != NULL; p++) {
		size_t n = strcspn(p + 7, "\"");

		snprintf(want, sizeof(want), "%.*s", (int)n, p + 7);
		if (panel_asset_find(want) == NULL)
			fail_msg("the page names \"%s\", which is not embedded",
			    want);
	}
	for (a = panel_assets; a->path; a++) {
		size_t l = strlen(a->path);

		if (l < 3 || strcmp(a->path + l - 3, ".js") != 0)
			continue;
		snprintf(want, sizeof(want), "\"/panel%s\"", a->path);
		if (strstr(s, want) == NULL)
			fail_msg("the module %s is not named by the page",
			    a->path);
	}
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_no_inline),
		cmocka_unit_test(test_modules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
