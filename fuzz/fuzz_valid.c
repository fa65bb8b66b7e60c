/* fuzz_valid.c - every validator of valid.h on one NUL-terminated string.
 *
 * The input, with a NUL added (an embedded NUL ends the string, as it does
 * for the callers), goes through every validator.  A value that is accepted
 * must satisfy the grammar, re-checked here by other code; every error
 * message must be one line of printable ASCII that names the field and fits
 * VALID_ERR_MAX; the canonical outputs (IP address, roles) must validate
 * again to themselves.  valid_quote is run with every output size up to 300
 * into an exactly sized heap buffer so that ASan sees any overrun.  Any
 * broken invariant aborts. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/common/params.h"
#include "../src/common/valid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "fuzz_check.h"

static int
no_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS	"0123456789"

static void
fuzz_node_name(const char *s, char *err)
{
	if (valid_node_name("name", s, err) == 0) {
		size_t n = strlen(s);

		check(n >= 1 && n <= 63, "node name length", s);
		check(only(s, LOWER DIGITS "-"), "node name charset", s);
		check(s[0] != '-', "node name starts with '-'", s);
	} else
		check_err(err, "name");
}

static void
fuzz_ip(const char *s, char *err)
{
	char out[64], again[64];
	unsigned char raw[16], raw2[16];
	int af;

	memset(out, 0, sizeof(out));
	if (valid_ip("addr", s, out, err) == 0) {
		check(strlen(s) <= 45, "ip too long", s);
		check(out[0] != '\0', "ip: empty canonical form", s);
		check(only(out, DIGITS "abcdef:."), "ip: canonical charset",
		    out);
		af = strchr(out, ':') ? AF_INET6 : AF_INET;
		check(inet_pton(af, out, raw) == 1, "ip: canonical does not "
		    "parse", out);
		check(inet_pton(af, s, raw2) == 1 && memcmp(raw, raw2,
		    af == AF_INET ? 4 : 16) == 0, "ip: canonical is another "
		    "address", s);
		check(valid_ip("addr", out, again, err) == 0 &&
		    strcmp(out, again) == 0, "ip: canonical not stable", out);
		check(valid_ip("addr", s, NULL, err) == 0, "ip: NULL out", s);
	} else
		check_err(err, "addr");
}

static void
fuzz_int(const char *s, char *err)
{
	static const struct {
		int64_t min, max;
	} ranges[] = {
		{ 1, 65535 }, { 0, INT64_MAX }, { 1, INT64_C(1) << 53 },
		{ 5, 5 }, { 100, 10 },
	};
	char back[32];
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		v = -12345;
		if (valid_int("port", s, ranges[i].min, ranges[i].max, &v,
		    err) == 0) {
			check(v >= ranges[i].min && v <= ranges[i].max,
			    "int out of range", s);
			snprintf(back, sizeof(back), "%lld", (long long)v);
			check(strcmp(back, s) == 0, "int: not the canonical "
			    "decimal of its value", s);
		} else {
			check(v == -12345, "int: out written on failure", s);
			check_err(err, "port");
		}
	}
}

static void
fuzz_bool(const char *s, char *err)
{
	int b = 7;

	if (valid_bool("maintenance", s, &b, err) == 0)
		check((strcmp(s, "on") == 0 && b == 1) ||
		    (strcmp(s, "off") == 0 && b == 0), "bool", s);
	else {
		check(b == 7, "bool: out written on failure", s);
		check_err(err, "maintenance");
	}
}

static void
fuzz_roles(const char *s, char *err)
{
	static const char *const canon[] = {
		"", "web", "dns", "mail", "web,dns", "web,mail", "dns,mail",
		"web,dns,mail",
	};
	char out[32], again[32];
	size_t i;

	if (valid_roles("roles", s, out, err) == 0) {
		for (i = 0; i < sizeof(canon) / sizeof(canon[0]); i++)
			if (strcmp(out, canon[i]) == 0)
				break;
		check(i < sizeof(canon) / sizeof(canon[0]),
		    "roles: output not canonical", out);
		check(only(s, "webdnsmail, "), "roles: input charset", s);
		check(strlen(s) <= 64, "roles: input too long", s);
		check((strstr(out, "web") != NULL) == (strstr(s, "web") !=
		    NULL) && (strstr(out, "dns") != NULL) == (strstr(s,
		    "dns") != NULL) && (strstr(out, "mail") != NULL) ==
		    (strstr(s, "mail") != NULL), "roles: output is not the "
		    "input's set", s);
		check(valid_roles("roles", out, again, err) == 0 &&
		    strcmp(out, again) == 0, "roles: canonical not stable",
		    out);
	} else
		check_err(err, "roles");
}

static void
fuzz_username(const char *s, char *err)
{
	if (valid_username("user", s, err) == 0) {
		size_t n = strlen(s);

		check(n >= 1 && n <= 32, "user name length", s);
		check(only(s, LOWER DIGITS "_-"), "user name charset", s);
		check((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_',
		    "user name start", s);
	} else
		check_err(err, "user");
}

static void
fuzz_password(const char *s, char *err)
{
	if (valid_password("password", s, err) == 0) {
		size_t n = strlen(s);

		check(n >= 8 && n <= 256, "password length", s);
		check(no_controls(s), "password control", s);
		check(utf8_valid(s, n), "password UTF-8", s);
	} else {
		check_err(err, "password");
		/* the password is never echoed (a refused one of 8 bytes
		 * or more holds a byte no message has, or is too long) */
		if (strlen(s) >= 8)
			check(strstr(err, s) == NULL, "password echoed", s);
	}
}

static void
fuzz_text(const char *s, char *err)
{
	static const size_t maxes[] = { 0, 1, 63, 255, 4096 };
	size_t i;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
		if (valid_text("comment", s, maxes[i], err) == 0) {
			check(strlen(s) <= maxes[i], "text length", s);
			check(no_controls(s), "text control", s);
			check(utf8_valid(s, strlen(s)), "text UTF-8", s);
		} else
			check_err(err, "comment");
	}
}

static void
fuzz_enum(const char *s, char *err)
{
	static const char *const words[] = {
		"least", "round-robin", "a\"b", "", NULL,
	};
	size_t i;
	int in = 0;

	for (i = 0; words[i]; i++)
		in |= strcmp(s, words[i]) == 0;
	if (valid_enum("placement", s, words, err) == 0)
		check(in, "enum accepted an unknown word", s);
	else {
		check(!in, "enum refused a word of the list", s);
		check_err(err, "placement");
	}
}

static void
fuzz_hostname(const char *s, char *err)
{
	const char *p, *dot;
	size_t n;

	if (valid_hostname("hostname", s, err) == 0) {
		check(strlen(s) >= 1 && strlen(s) <= 253, "hostname length",
		    s);
		check(only(s, LOWER UPPER DIGITS "-."), "hostname charset",
		    s);
		for (p = s;; p = dot + 1) {
			dot = strchr(p, '.');
			n = dot ? (size_t)(dot - p) : strlen(p);
			check(n >= 1 && n <= 63, "hostname label length", s);
			check(p[0] != '-' && p[n - 1] != '-',
			    "hostname label hyphen", s);
			if (dot == NULL)
				break;
		}
	} else
		check_err(err, "hostname");
}

static void
fuzz_hex(const char *s, char *err)
{
	static const size_t lens[] = { 0, 16, 32, 64 };
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		if (valid_hex("token", s, lens[i], err) == 0) {
			check(strlen(s) == lens[i], "hex length", s);
			check(only(s, DIGITS "abcdef"), "hex charset", s);
		} else
			check_err(err, "token");
	}
}

static void
fuzz_quote(const char *s)
{
	size_t outlen, i, n;
	char *out;

	for (outlen = 1; outlen <= 300; outlen += (outlen < 64 ? 1 : 37)) {
		out = malloc(outlen);
		valid_quote(s, out, outlen);
		n = strlen(out);	/* ASan: must be terminated inside */
		check(n < outlen, "quote: past outlen", s);
		check(n <= 48 * 4 + 3, "quote: too long", s);
		for (i = 0; i < n; i++) {
			unsigned char c = (unsigned char)out[i];

			check(c >= 0x20 && c < 0x7f && c != '"',
			    "quote: raw byte", s);
			if (c == '\\')
				check(out[i + 1] == 'x', "quote: bare "
				    "backslash", s);
		}
		free(out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *err;

	if (size > 100000)
		return 0;
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	/* exactly VALID_ERR_MAX, so that ASan sees a longer message */
	err = malloc(VALID_ERR_MAX);
	err[0] = '\0';

	fuzz_quote(s);
	fuzz_node_name(s, err);
	fuzz_ip(s, err);
	fuzz_int(s, err);
	fuzz_bool(s, err);
	fuzz_roles(s, err);
	fuzz_username(s, err);
	fuzz_password(s, err);
	fuzz_text(s, err);
	fuzz_enum(s, err);
	fuzz_hostname(s, err);
	fuzz_hex(s, err);

	free(err);
	free(s);
	return 0;
}
