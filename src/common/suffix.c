/* suffix.c - see suffix.h: the Public Suffix List, through libpsl. */
#include <stddef.h>
#include <stdio.h>

#include <libpsl.h>

#include "suffix.h"
#include "valid.h"

/* The list, or NULL; psl_latest() may hand back libpsl's static built-in
 * list, which psl_free() leaves alone. */
static psl_ctx_t *list;

int
suffix_load(const char *path, char *err, size_t errlen)
{
	psl_ctx_t *l;

	suffix_free();
	l = path ? psl_load_file(path) : psl_latest(NULL);
	if (l == NULL) {
		snprintf(err, errlen, "cannot load the Public Suffix List "
		    "from \"%s\"", path ? path : psl_dist_filename());
		return -1;
	}
	if (!psl_is_public_suffix(l, "co.uk") ||
	    psl_is_public_suffix(l, "example.co.uk")) {
		snprintf(err, errlen, "the Public Suffix List from \"%s\" "
		    "is empty or not one", path ? path : psl_dist_filename());
		psl_free(l);
		return -1;
	}
	list = l;
	return 0;
}

void
suffix_free(void)
{
	psl_free(list);
	list = NULL;
}

int
suffix_check(const char *what, const char *name, char *err)
{
	if (list == NULL) {
		valid_fail(err, what, name, "the Public Suffix List is not "
		    "loaded (see the master's log), so no name is accepted");
		return SUFFIX_UNLOADED;
	}
	if (psl_is_public_suffix(list, name)) {
		valid_fail(err, what, name, "a public suffix, under which "
		    "anyone may register names of their own");
		return SUFFIX_PUBLIC;
	}
	return 0;
}
