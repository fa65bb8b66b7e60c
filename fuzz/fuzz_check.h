/* fuzz_check.h - the invariant checks the validators' harnesses share:
 * a broken one aborts with the value, for libFuzzer to keep the input. */
#ifndef HF_FUZZ_CHECK_H
#define HF_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/common/valid.h"

static void
check(int ok, const char *what, const char *s)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		if (s)
			fprintf(stderr, "value: %s\n", s);
		abort();
	}
}

/* The message of a refusal: one printable line beginning with the field. */
static void
check_err(const char *err, const char *what)
{
	size_t i, n = strlen(err);

	check(n > 0, "empty error message", what);
	check(n < VALID_ERR_MAX, "error message too long", err);
	check(strncmp(err, what, strlen(what)) == 0,
	    "error message does not name the field", err);
	for (i = 0; i < n; i++)
		check((unsigned char)err[i] >= 0x20 &&
		    (unsigned char)err[i] < 0x7f,
		    "raw control or non-ASCII byte in error message", err);
}

static inline int
only(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

#endif
