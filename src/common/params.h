/* params.h - the parameters of one API request.
 *
 * libmicrohttpd decodes the query string and form bodies; this module takes
 * the decoded pairs and enforces the rules every parameter obeys before any
 * handler sees it: a key is 1..64 of [A-Za-z0-9_.-], a value is at most
 * PARAM_VALUE_MAX bytes of valid UTF-8 without NUL or other control bytes
 * except tab, newline and carriage return (which the field validators then
 * refuse wherever they do not belong), and a request has at most
 * PARAM_MAX_COUNT parameters.  A repeated key replaces the earlier value.
 *
 * The struct owns copies of every key and value; params_release() frees
 * them. */
#ifndef HF_PARAMS_H
#define HF_PARAMS_H

#include <stddef.h>

#define PARAM_KEY_MAX		64
#define PARAM_VALUE_MAX		65536
#define PARAM_MAX_COUNT		256

struct param {
	char	*key;
	char	*val;
	size_t	 vlen;
};

struct reqparams {
	struct param	*v;
	size_t		 n;
	size_t		 alloc;
	/* The first rule broken, for the error answer; "" when none. */
	char		 err[160];
	char		 errkey[PARAM_KEY_MAX + 1];
};

void	 params_init(struct reqparams *);
void	 params_release(struct reqparams *);
/* Adds a decoded pair; val may be NULL (a key without '=').  Returns 0, or
 * -1 when the pair breaks a rule, recording the first such error. */
int	 params_add(struct reqparams *, const char *key, size_t klen,
	    const char *val, size_t vlen);
/* The value of key, or NULL. */
const char *params_get(const struct reqparams *, const char *key);
/* params_get for a getter of schema.h (field_get_fn): arg is the struct
 * reqparams. */
const char *params_lookup(void *arg, const char *key);
/* Gives the parameter from (if any) the name to, in place of any
 * parameter of that name. */
void	 params_rename(struct reqparams *, const char *from, const char *to);
/* The value of key, or def when it is absent or empty. */
const char *params_get_def(const struct reqparams *, const char *key,
	    const char *def);

/* 1 when s[0..len) is valid UTF-8 without overlong forms or surrogates. */
int	 utf8_valid(const char *s, size_t len);

/*
 * Splits an ISPmanager elid list ("a, b, c") into at most max items,
 * written as pointers into buf (a private copy of s that the caller frees).
 * Items are split at ", " only, trimmed, and empty ones dropped.  Returns
 * the count, or -1 past max.
 */
int	 elid_split(const char *s, char **buf, char **items, int max);

#endif
