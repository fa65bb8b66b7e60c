/* valid.c - see valid.h. */
#include "valid.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"

void
valid_quote(const char *s, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n = 0;

	if (outlen == 0)
		return;
	for (; *p && n < 48; p++, n++) {
		if (o + 5 >= outlen)
			break;
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    *p);
	}
	if (*p && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

#include <stdarg.h>

#define fail	valid_fail

int
valid_fail(char *err, const char *what, const char *s, const char *fmt, ...)
{
	char q[256], why[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	valid_quote(s, q, sizeof(q));
	snprintf(err, VALID_ERR_MAX, "%s \"%s\": %s", what, q, why);
	return -1;
}

/* Describes the first character of s outside the allowed set. */
static int
bad_char(char *err, const char *what, const char *s, unsigned char c)
{
	if (c >= 0x20 && c < 0x7f)
		return fail(err, what, s, "invalid character '%c'", c);
	return fail(err, what, s, "invalid character \\x%02x", c);
}

int
valid_node_name(const char *what, const char *s, char *err)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 63)
		return fail(err, what, s, "longer than 63 characters");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c == '-' && i > 0))
			continue;
		return bad_char(err, what, s, c);
	}
	return 0;
}

int
valid_ip(const char *what, const char *s, char *out, char *err)
{
	unsigned char raw[16];
	char buf[64];

	if (strlen(s) > 45)
		return fail(err, what, s, "not an IP address");
	if (inet_pton(AF_INET, s, raw) == 1) {
		inet_ntop(AF_INET, raw, buf, sizeof(buf));
	} else if (inet_pton(AF_INET6, s, raw) == 1) {
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0,
		    0, 0, 0, 0xff, 0xff };

		/* one host, one spelling: write it as IPv4 */
		if (memcmp(raw, mapped, 12) == 0)
			return fail(err, what, s, "an IPv4-mapped address; "
			    "write the IPv4 address");
		inet_ntop(AF_INET6, raw, buf, sizeof(buf));
	} else
		return fail(err, what, s, "not an IP address");
	if (out)
		strcpy(out, buf);
	return 0;
}

int
valid_int(const char *what, const char *s, int64_t min, int64_t max,
    int64_t *out, char *err)
{
	int64_t v = 0;
	size_t i, n = strlen(s);

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 18)
		return fail(err, what, s, "out of range %lld..%lld",
		    (long long)min, (long long)max);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(err, what, s, "not a whole number");
		v = v * 10 + (s[i] - '0');
	}
	if (n > 1 && s[0] == '0')
		return fail(err, what, s, "leading zero");
	if (v < min || v > max)
		return fail(err, what, s, "out of range %lld..%lld",
		    (long long)min, (long long)max);
	if (out)
		*out = v;
	return 0;
}

int
valid_bool(const char *what, const char *s, int *out, char *err)
{
	if (strcmp(s, "on") == 0) {
		*out = 1;
		return 0;
	}
	if (strcmp(s, "off") == 0) {
		*out = 0;
		return 0;
	}
	return fail(err, what, s, "must be \"on\" or \"off\"");
}

static const char *const role_names[] = { "web", "dns", "mail" };

int
valid_roles(const char *what, const char *s, char *out, char *err)
{
	int seen[3] = { 0, 0, 0 };
	const char *p = s;
	size_t i, o = 0;

	if (strlen(s) > 64)
		return fail(err, what, s, "too long");
	while (*p) {
		size_t len;
		int found = -1;

		if (*p == ',' || *p == ' ') {
			p++;
			continue;
		}
		len = strcspn(p, ", ");
		for (i = 0; i < 3; i++)
			if (strlen(role_names[i]) == len &&
			    strncmp(p, role_names[i], len) == 0)
				found = (int)i;
		if (found < 0)
			return fail(err, what, s, "unknown role; the roles are "
			    "web, dns and mail");
		if (seen[found])
			return fail(err, what, s, "role \"%s\" given twice",
			    role_names[found]);
		seen[found] = 1;
		p += len;
	}
	out[0] = '\0';
	for (i = 0; i < 3; i++) {
		if (!seen[i])
			continue;
		o += (size_t)snprintf(out + o, ROLES_MAX - o, "%s%s",
		    o ? "," : "", role_names[i]);
	}
	return 0;
}

int
roles_have(const char *roles, const char *role)
{
	const char *p;
	size_t n = strlen(role);

	if (n == 0)
		return 1;
	for (p = roles; (p = strstr(p, role)) != NULL; p += n)
		if ((p == roles || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

int
valid_username(const char *what, const char *s, char *err)
{
	size_t i, n = strlen(s);

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 32)
		return fail(err, what, s, "longer than 32 characters");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || c == '_' ||
		    (i > 0 && ((c >= '0' && c <= '9') || c == '-')))
			continue;
		return bad_char(err, what, s, c);
	}
	return 0;
}

int
valid_text(const char *what, const char *s, size_t max, char *err)
{
	size_t i, n = strlen(s);

	if (n > max)
		return fail(err, what, s, "longer than %zu bytes", max);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return bad_char(err, what, s, c);
	}
	if (!utf8_valid(s, n))
		return fail(err, what, s, "not valid UTF-8");
	/* C1 controls (U+0080..U+009F), the line and paragraph separators
	 * (U+2028, U+2029) and the bidirectional overrides (U+202A..U+202E,
	 * U+2066..U+2069) break lines or hide text in terminals and logs */
	for (i = 0; i + 1 < n; i++) {
		unsigned char c = (unsigned char)s[i], d = (unsigned char)s[i + 1];

		if (c == 0xc2 && d >= 0x80 && d <= 0x9f)
			return fail(err, what, s, "control character U+%04X",
			    d);
		if (c == 0xe2 && i + 2 < n) {
			unsigned char e = (unsigned char)s[i + 2];

			if ((d == 0x80 && e >= 0xa8 && e <= 0xae) ||
			    (d == 0x81 && e >= 0xa6 && e <= 0xa9))
				return fail(err, what, s, "invisible or "
				    "line-breaking character U+%04X",
				    0x2000 | ((d & 0x3f) << 6) | (e & 0x3f));
		}
	}
	return 0;
}

int
valid_password(const char *what, const char *s, char *err)
{
	size_t n = strlen(s);

	/* The password itself is never echoed. */
	if (n < 8) {
		snprintf(err, VALID_ERR_MAX, "%s: shorter than 8 characters",
		    what);
		return -1;
	}
	if (valid_text(what, s, 256, err) == -1) {
		snprintf(err, VALID_ERR_MAX, "%s: longer than 256 bytes, or "
		    "holds a control character or invalid UTF-8", what);
		return -1;
	}
	return 0;
}

int
valid_enum(const char *what, const char *s, const char *const *words,
    char *err)
{
	char list[160];
	size_t o = 0;
	int i;

	for (i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 0;
	list[0] = '\0';
	for (i = 0; words[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
		    i ? ", " : "", words[i]);
	return fail(err, what, s, "must be one of %s", list);
}

int
valid_hostname(const char *what, const char *s, char *err)
{
	size_t i, n = strlen(s), label = 0;

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 253)
		return fail(err, what, s, "longer than 253 characters");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return fail(err, what, s, "empty label or "
				    "label ending in '-'");
			label = 0;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && label > 0)) {
			if (++label > 63)
				return fail(err, what, s, "label longer than "
				    "63 characters");
			continue;
		}
		return bad_char(err, what, s, c);
	}
	if (label == 0 || s[n - 1] == '-')
		return fail(err, what, s, "empty label or label ending in '-'");
	return 0;
}

int
valid_hex(const char *what, const char *s, size_t len, char *err)
{
	size_t i, n = strlen(s);

	if (n != len)
		return fail(err, what, s, "must be %zu hex digits", len);
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return bad_char(err, what, s, (unsigned char)s[i]);
	return 0;
}
