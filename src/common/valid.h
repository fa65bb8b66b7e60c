/* valid.h - strict grammars for every field that can reach a store, a
 * certificate or a configuration file.
 *
 * Each validator returns 0 when s is acceptable and -1 otherwise, with a
 * message for people in err (git style: lower case, the value quoted with
 * anything unprintable escaped, no full stop).  what names the field in the
 * message. */
#ifndef HF_VALID_H
#define HF_VALID_H

#include <stddef.h>
#include <stdint.h>

#define VALID_ERR_MAX	256

/* Writes s for an error message: at most 48 characters, printable ASCII
 * kept, everything else as \xNN, and "..." when cut. */
void	 valid_quote(const char *s, char *out, size_t outlen);

/* Formats the usual message in err: what "value": why.  Returns -1, for
 * the validators of other files to share the form. */
int	 valid_fail(char *err, const char *what, const char *s,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Node name: 1..63 of [a-z0-9-], starting with a letter or digit. */
int	 valid_node_name(const char *what, const char *s, char *err);
/* An IPv4 or IPv6 address literal, written in canonical form to out
 * (64 bytes) when out is not NULL. */
int	 valid_ip(const char *what, const char *s, char *out, char *err);
/* A decimal integer without sign or leading zeros in [min, max]. */
int	 valid_int(const char *what, const char *s, int64_t min, int64_t max,
	    int64_t *out, char *err);
/* "on" or "off" (ISPmanager's booleans); *out is 1 or 0. */
int	 valid_bool(const char *what, const char *s, int *out, char *err);
/* Roles: a list of web, dns, mail separated by commas and/or spaces, each
 * once; written to out (ROLES_MAX bytes) in canonical order "web,dns,mail". */
#define ROLES_MAX	32
_Static_assert(sizeof("web,dns,mail") <= ROLES_MAX, "every role fits");
int	 valid_roles(const char *what, const char *s, char *out, char *err);
/* 1 when canonical roles ("web,mail") hold role, else 0; the role "" is
 * every node's. */
int	 roles_have(const char *roles, const char *role);
/* Account name: 1..32 of [a-z0-9_-], starting with a letter or '_'. */
int	 valid_username(const char *what, const char *s, char *err);
/* Password: 8..256 bytes of UTF-8 without control characters. */
int	 valid_password(const char *what, const char *s, char *err);
/* Free text: at most max bytes of UTF-8 without control characters. */
int	 valid_text(const char *what, const char *s, size_t max, char *err);
/* One of the words of a NULL-terminated list. */
int	 valid_enum(const char *what, const char *s, const char *const *words,
	    char *err);
/* A host name (RFC 1123 labels) of at most 253 bytes, ASCII only. */
int	 valid_hostname(const char *what, const char *s, char *err);
/* Hex string of exactly len digits. */
int	 valid_hex(const char *what, const char *s, size_t len, char *err);

#endif
