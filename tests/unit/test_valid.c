/* test_valid.c - unit tests of src/common/valid.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/common/valid.h"

/*
 * Every error message: starts with the field name, is one line of printable
 * text (no control characters at all, so no newline), fits VALID_ERR_MAX.
 */
static void
check_err(const char *err, const char *what)
{
	const unsigned char *p;

	assert_true(strlen(err) > 0);
	assert_true(strlen(err) < VALID_ERR_MAX);
	assert_non_null(strstr(err, what));
	assert_int_equal(strncmp(err, what, strlen(what)), 0);
	for (p = (const unsigned char *)err; *p; p++)
		assert_true(*p >= 0x20 && *p != 0x7f);
}

/* Strings every validator refuses whatever its grammar. */
static const char *const hostile[] = {
	"a\nb", "a\rb", "a\"b", "a;b", "a{b}", "a'b", "a<b>", "a`b", "a$b",
	"a\\b", "a b", "a\tb", "\x1b[31m", "\xc3\xa9", "\xff", "a\x7f",
	"$(reboot)", "a|b", "a&b",
};

/* ---- valid_quote ---- */

static void
test_quote_plain(void **state)
{
	char out[256];

	valid_quote("hello world", out, sizeof(out));
	assert_string_equal(out, "hello world");
	valid_quote("", out, sizeof(out));
	assert_string_equal(out, "");
}

static void
test_quote_escapes(void **state)
{
	char out[256];

	valid_quote("a\nb", out, sizeof(out));
	assert_string_equal(out, "a\\x0ab");
	valid_quote("q\"t", out, sizeof(out));
	assert_string_equal(out, "q\\x22t");
	valid_quote("back\\slash", out, sizeof(out));
	assert_string_equal(out, "back\\x5cslash");
	valid_quote("\x01\x7f\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "\\x01\\x7f\\xc3\\xa9");
	valid_quote("\t\r", out, sizeof(out));
	assert_string_equal(out, "\\x09\\x0d");
	/* embedded NUL ends the string */
	valid_quote("ab\0\ncd", out, sizeof(out));
	assert_string_equal(out, "ab");
}

static void
test_quote_cut_at_48(void **state)
{
	char in[200], out[256], want[64];

	memset(in, 'x', 48);
	in[48] = '\0';
	valid_quote(in, out, sizeof(out));
	assert_string_equal(out, in);		/* exactly 48: no "..." */

	memset(in, 'x', 49);
	in[49] = '\0';
	valid_quote(in, out, sizeof(out));
	memset(want, 'x', 48);
	strcpy(want + 48, "...");
	assert_string_equal(out, want);

	memset(in, 'y', 199);
	in[199] = '\0';
	valid_quote(in, out, sizeof(out));
	assert_int_equal(strlen(out), 51);
}

static void
test_quote_never_raw(void **state)
{
	char in[256], out[256];
	const char *p;
	int c;

	/* every byte value once, then garbage */
	for (c = 1; c < 256; c++)
		in[c - 1] = (char)c;
	in[255] = '\0';
	valid_quote(in, out, sizeof(out));
	for (p = out; *p; p++) {
		unsigned char u = (unsigned char)*p;

		assert_true(u >= 0x20 && u < 0x7f);
		assert_true(u != '"');
	}
	/* 48 characters at most, each 4 at most, plus "..." */
	assert_true(strlen(out) <= 48 * 4 + 3);
	assert_non_null(strstr(out, "..."));
}

static void
test_quote_bounded(void **state)
{
	char in[128], out[300];
	size_t outlen, i;

	for (i = 0; i < sizeof(in) - 1; i++)
		in[i] = (i % 3 == 0) ? '\n' : 'a';
	in[sizeof(in) - 1] = '\0';
	for (outlen = 1; outlen < 260; outlen++) {
		memset(out, 0x55, sizeof(out));
		valid_quote(in, out, outlen);
		/* NUL-terminated within outlen, nothing written past it */
		assert_true(strlen(out) < outlen);
		for (i = outlen; i < sizeof(out); i++)
			assert_int_equal((unsigned char)out[i], 0x55);
		/* never half an escape: every backslash starts \xNN */
		for (i = 0; out[i]; i++)
			if (out[i] == '\\') {
				assert_int_equal(out[i + 1], 'x');
				assert_non_null(out[i + 2]);
				assert_non_null(out[i + 3]);
			}
	}
}

/* ---- node names ---- */

static void
test_node_name_good(void **state)
{
	char err[VALID_ERR_MAX], s63[64];

	assert_int_equal(valid_node_name("name", "web1", err), 0);
	assert_int_equal(valid_node_name("name", "a", err), 0);
	assert_int_equal(valid_node_name("name", "0node", err), 0);
	assert_int_equal(valid_node_name("name", "a-b-c", err), 0);
	memset(s63, 'n', 63);
	s63[63] = '\0';
	assert_int_equal(valid_node_name("name", s63, err), 0);
}

static void
test_node_name_bad(void **state)
{
	char err[VALID_ERR_MAX], s64[65];
	size_t i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		memset(err, 0, sizeof(err));
		assert_int_equal(valid_node_name("name", hostile[i], err), -1);
		check_err(err, "name");
	}
	assert_int_equal(valid_node_name("name", "", err), -1);
	check_err(err, "name");
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(valid_node_name("name", "-web", err), -1);
	check_err(err, "name");
	assert_int_equal(valid_node_name("name", "Web1", err), -1);
	assert_int_equal(valid_node_name("name", "web_1", err), -1);
	assert_int_equal(valid_node_name("name", "web.1", err), -1);
	memset(s64, 'n', 64);
	s64[64] = '\0';
	assert_int_equal(valid_node_name("name", s64, err), -1);
	check_err(err, "name");
	assert_non_null(strstr(err, "longer than 63"));

	/* The message quotes the value with the newline escaped. */
	assert_int_equal(valid_node_name("name", "bad\nname", err), -1);
	assert_string_equal(err,
	    "name \"bad\\x0aname\": invalid character \\x0a");
	assert_int_equal(valid_node_name("node", "a\"b", err), -1);
	assert_string_equal(err, "node \"a\\x22b\": invalid character '\"'");
}

static void
test_node_name_embedded_nul(void **state)
{
	char err[VALID_ERR_MAX];
	const char s[] = "web1\0; rm -rf /";

	/* A C string ends at NUL: what follows is not seen (the params layer
	 * refuses NUL in values, so it never reaches here). */
	assert_int_equal(valid_node_name("name", s, err), 0);
	assert_int_equal(valid_node_name("name", "\0web", err), -1);
	assert_non_null(strstr(err, "empty"));
}

/* ---- IP addresses ---- */

static void
test_ip_good(void **state)
{
	char err[VALID_ERR_MAX], out[64];

	assert_int_equal(valid_ip("addr", "192.168.1.10", out, err), 0);
	assert_string_equal(out, "192.168.1.10");
	assert_int_equal(valid_ip("addr", "0.0.0.0", out, err), 0);
	assert_string_equal(out, "0.0.0.0");
	assert_int_equal(valid_ip("addr", "255.255.255.255", out, err), 0);
	assert_int_equal(valid_ip("addr", "::1", out, err), 0);
	assert_string_equal(out, "::1");
	assert_int_equal(valid_ip("addr", "::", out, err), 0);
	assert_string_equal(out, "::");
	/* out may be NULL */
	assert_int_equal(valid_ip("addr", "127.0.0.1", NULL, err), 0);
}

static void
test_ip_canonical_v6(void **state)
{
	char err[VALID_ERR_MAX], out[64];

	assert_int_equal(valid_ip("addr", "2001:DB8::0:1", out, err), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(valid_ip("addr",
	    "2001:0db8:0000:0000:0000:0000:0000:0001", out, err), 0);
	assert_string_equal(out, "2001:db8::1");
	assert_int_equal(valid_ip("addr", "FE80:0:0:0:0:0:0:1", out, err), 0);
	assert_string_equal(out, "fe80::1");
	assert_int_equal(valid_ip("addr", "0:0:0:0:0:0:0:1", out, err), 0);
	assert_string_equal(out, "::1");
	assert_int_equal(valid_ip("addr", "2001:db8:0:0:1:0:0:1", out, err),
	    0);
	assert_string_equal(out, "2001:db8::1:0:0:1");
	/* The longest form accepted: 45 characters. */
	assert_int_equal(valid_ip("addr",
	    "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", out, err), 0);
}

static void
test_ip_bad(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4",
		"1.2.3.4\n", "1.2.3.4/24", "localhost", "fe80::1%eth0",
		"1:2:3:4:5:6:7:8:9", "::g", "[::1]", "1.2.3.-4", "0x7f.0.0.1",
		"1.2.3.4;", "1..2.3", "\xc3\xa9", "::1\"",
		"2001:0db8:0000:0000:0000:0000:0000:00001",
	};
	char err[VALID_ERR_MAX], out[64], big[100];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(out, "untouched");
		assert_int_equal(valid_ip("addr", bad[i], out, err), -1);
		check_err(err, "addr");
		assert_non_null(strstr(err, "not an IP address"));
		assert_string_equal(out, "untouched");
	}
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(valid_ip("addr", hostile[i], NULL, err), -1);
		check_err(err, "addr");
	}
	/* over-long (zeros padding would still parse as nothing valid) */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(valid_ip("addr", big, out, err), -1);
	check_err(err, "addr");
	/* an embedded NUL ends the string */
	assert_int_equal(valid_ip("addr", "10.0.0.1\0junk", out, err), 0);
	assert_string_equal(out, "10.0.0.1");
}

static void
test_ip_leading_zeros_v4(void **state)
{
	char err[VALID_ERR_MAX], out[64];

	/* "010" would be octal to inet_aton: refuse rather than guess. */
	assert_int_equal(valid_ip("addr", "010.0.0.1", out, err), -1);
	check_err(err, "addr");
}

/* ---- integers ---- */

static void
test_int_good(void **state)
{
	char err[VALID_ERR_MAX];
	int64_t v = -1;

	assert_int_equal(valid_int("port", "0", 0, 10, &v, err), 0);
	assert_int_equal(v, 0);
	assert_int_equal(valid_int("port", "443", 1, 65535, &v, err), 0);
	assert_int_equal(v, 443);
	assert_int_equal(valid_int("port", "1", 1, 65535, &v, err), 0);
	assert_int_equal(v, 1);
	assert_int_equal(valid_int("port", "65535", 1, 65535, &v, err), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(valid_int("n", "999999999999999999", 0, INT64_MAX,
	    &v, err), 0);
	assert_true(v == INT64_C(999999999999999999));
	assert_int_equal(valid_int("port", "80", 1, 65535, NULL, err), 0);
}

static void
test_int_bad(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1.0", "1,000",
		"１", "1\n", "\n1", "one",
	};
	char err[VALID_ERR_MAX];
	int64_t v;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 12345;
		assert_int_equal(valid_int("weight", bad[i], 0, 1000, &v, err),
		    -1);
		check_err(err, "weight");
		assert_int_equal(v, 12345);
	}
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(valid_int("weight", hostile[i], 0, 1000, &v,
		    err), -1);
		check_err(err, "weight");
	}
}

static void
test_int_leading_zero_and_range(void **state)
{
	char err[VALID_ERR_MAX];
	int64_t v = 7;

	assert_int_equal(valid_int("port", "080", 1, 65535, &v, err), -1);
	check_err(err, "port");
	assert_non_null(strstr(err, "leading zero"));
	assert_int_equal(valid_int("port", "00", 0, 65535, &v, err), -1);
	assert_non_null(strstr(err, "leading zero"));

	assert_int_equal(valid_int("port", "0", 1, 65535, &v, err), -1);
	check_err(err, "port");
	assert_non_null(strstr(err, "out of range 1..65535"));
	assert_int_equal(valid_int("port", "65536", 1, 65535, &v, err), -1);
	assert_non_null(strstr(err, "out of range 1..65535"));
	/* too many digits to be a number we take, and no overflow */
	assert_int_equal(valid_int("port", "99999999999999999999999", 1,
	    65535, &v, err), -1);
	check_err(err, "port");
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(valid_int("n", "9223372036854775808", 0, INT64_MAX,
	    &v, err), -1);
	assert_int_equal(v, 7);
	assert_int_equal(valid_int("port", "65535\0" "9", 1, 65535, &v, err),
	    0);
	assert_int_equal(v, 65535);
}

/* ---- booleans ---- */

static void
test_bool(void **state)
{
	static const char *const bad[] = {
		"", "On", "ON", "OFF", "yes", "no", "1", "0", "true", "on ",
		" on", "on\n", "of", "onn",
	};
	char err[VALID_ERR_MAX];
	int b = 5;
	size_t i;

	assert_int_equal(valid_bool("maintenance", "on", &b, err), 0);
	assert_int_equal(b, 1);
	assert_int_equal(valid_bool("maintenance", "off", &b, err), 0);
	assert_int_equal(b, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = 5;
		assert_int_equal(valid_bool("maintenance", bad[i], &b, err),
		    -1);
		check_err(err, "maintenance");
		assert_non_null(strstr(err, "\"on\" or \"off\""));
		assert_int_equal(b, 5);
	}
}

/* ---- roles ---- */

static void
test_roles_canonical(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "web", "web" },
		{ "mail web", "web,mail" },
		{ "dns,web", "web,dns" },
		{ "mail, dns ,web", "web,dns,mail" },
		{ "mail,dns,web", "web,dns,mail" },
		{ "  dns  ", "dns" },
		{ ",,mail,,", "mail" },
		{ "", "" },
	};
	char err[VALID_ERR_MAX], out[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'X', sizeof(out));
		assert_int_equal(valid_roles("roles", cases[i].in, out, err),
		    0);
		assert_string_equal(out, cases[i].out);
	}
}

static void
test_roles_bad(void **state)
{
	static const char *const bad[] = {
		"ftp", "Web", "WEB", "web,ftp", "webdns", "we", "web;dns",
		"web\ndns", "web\tdns", "web\n", "web|dns", "mail.", "*",
		"web,\"dns\"", "{web}",
	};
	char err[VALID_ERR_MAX], out[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(valid_roles("roles", bad[i], out, err), -1);
		check_err(err, "roles");
		assert_non_null(strstr(err, "unknown role"));
	}
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(valid_roles("roles", hostile[i], out, err),
		    -1);
		check_err(err, "roles");
	}
}

static void
test_roles_have(void **state)
{
	(void)state;
	assert_true(roles_have("web,mail", "mail"));
	assert_true(roles_have("web,dns,mail", "dns"));
	assert_true(roles_have("web", ""));
	assert_true(roles_have("", ""));
	assert_false(roles_have("web,mailx", "mail"));
	assert_false(roles_have("xweb", "web"));
	assert_false(roles_have("", "web"));
}

static void
test_roles_duplicate(void **state)
{
	char err[VALID_ERR_MAX], out[32];

	assert_int_equal(valid_roles("roles", "web web", out, err), -1);
	check_err(err, "roles");
	assert_non_null(strstr(err, "role \"web\" given twice"));
	assert_int_equal(valid_roles("roles", "dns,mail,dns", out, err), -1);
	assert_non_null(strstr(err, "role \"dns\" given twice"));
}

static void
test_roles_too_long(void **state)
{
	char err[VALID_ERR_MAX], out[32], in[80];

	/* 65 bytes of separators around one role */
	memset(in, ' ', 65);
	memcpy(in + 30, "web", 3);
	in[65] = '\0';
	assert_int_equal(valid_roles("roles", in, out, err), -1);
	check_err(err, "roles");
	assert_non_null(strstr(err, "too long"));
	in[64] = '\0';
	assert_int_equal(valid_roles("roles", in, out, err), 0);
	assert_string_equal(out, "web");
}

/* ---- user names ---- */

static void
test_username(void **state)
{
	static const char *const good[] = {
		"root", "_svc", "a", "_", "a1-b_c", "www-data",
	};
	static const char *const bad[] = {
		"", "1abc", "-a", "Root", "a.b", "a@b", "ä", "a/b",
	};
	char err[VALID_ERR_MAX], s[40];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(valid_username("user", good[i], err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(valid_username("user", bad[i], err), -1);
		check_err(err, "user");
	}
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(valid_username("user", hostile[i], err), -1);
		check_err(err, "user");
	}
	memset(s, 'u', 32);
	s[32] = '\0';
	assert_int_equal(valid_username("user", s, err), 0);
	s[32] = 'u';
	s[33] = '\0';
	assert_int_equal(valid_username("user", s, err), -1);
	assert_non_null(strstr(err, "longer than 32"));
}

/* ---- passwords ---- */

static void
test_password(void **state)
{
	char err[VALID_ERR_MAX], s[300];

	assert_int_equal(valid_password("password", "12345678", err), 0);
	assert_int_equal(valid_password("password", "p\xc3\xa4ssw\xc3\xb6rd",
	    err), 0);
	assert_int_equal(valid_password("password", "with space & \"q\"",
	    err), 0);

	assert_int_equal(valid_password("password", "1234567", err), -1);
	check_err(err, "password");
	assert_non_null(strstr(err, "shorter than 8"));
	assert_null(strstr(err, "1234567"));

	assert_int_equal(valid_password("password", "secret\nline", err), -1);
	check_err(err, "password");
	assert_null(strstr(err, "secret"));
	assert_int_equal(valid_password("password", "secret\tpass", err), -1);
	assert_int_equal(valid_password("password", "secretpa\xff", err), -1);
	check_err(err, "password");
	assert_null(strstr(err, "secretpa"));
	assert_int_equal(valid_password("password", "secret\xed\xa0\x80pw",
	    err), -1);

	memset(s, 'p', 256);
	s[256] = '\0';
	assert_int_equal(valid_password("password", s, err), 0);
	s[256] = 'p';
	s[257] = '\0';
	assert_int_equal(valid_password("password", s, err), -1);
	check_err(err, "password");
	assert_null(strstr(err, "pppppppp"));
}

/* ---- free text ---- */

static void
test_text(void **state)
{
	char err[VALID_ERR_MAX], s[300];
	int c;

	assert_int_equal(valid_text("comment", "", 10, err), 0);
	assert_int_equal(valid_text("comment", "rack 4, \"top\" <shelf>; {x}",
	    255, err), 0);
	assert_int_equal(valid_text("comment", "\xe2\x82\xac 5", 10, err), 0);
	assert_int_equal(valid_text("comment", "0123456789", 10, err), 0);
	assert_int_equal(valid_text("comment", "0123456789a", 10, err), -1);
	check_err(err, "comment");
	assert_non_null(strstr(err, "longer than 10 bytes"));
	/* max counts bytes, not characters */
	assert_int_equal(valid_text("comment", "\xe2\x82\xac\xe2\x82\xac", 5,
	    err), -1);
	/* C1 controls, line/paragraph separators, bidirectional overrides */
	assert_int_equal(valid_text("comment", "a\xc2\x85" "b", 255, err), -1);
	check_err(err, "comment");
	assert_int_equal(valid_text("comment", "a\xc2\x9b" "b", 255, err), -1);
	assert_int_equal(valid_text("comment", "a\xe2\x80\xa8" "b", 255, err),
	    -1);
	assert_int_equal(valid_text("comment", "a\xe2\x80\xa9" "b", 255, err),
	    -1);
	assert_int_equal(valid_text("comment", "a\xe2\x80\xae" "b", 255, err),
	    -1);
	assert_int_equal(valid_text("comment", "a\xe2\x81\xa6" "b", 255, err),
	    -1);
	assert_int_equal(valid_text("comment", "\xc2\xa0\xe2\x80\x94", 255,
	    err), 0);	/* no-break space, em dash: fine */

	for (c = 1; c < 0x20; c++) {
		snprintf(s, sizeof(s), "a%cb", c);
		assert_int_equal(valid_text("comment", s, 255, err), -1);
		check_err(err, "comment");
		assert_non_null(strstr(err, "invalid character"));
	}
	assert_int_equal(valid_text("comment", "a\x7f", 255, err), -1);
	check_err(err, "comment");

	assert_int_equal(valid_text("comment", "bad \xff utf8", 255, err),
	    -1);
	check_err(err, "comment");
	assert_non_null(strstr(err, "not valid UTF-8"));
	assert_int_equal(valid_text("comment", "\xc0\xaf", 255, err), -1);
	assert_int_equal(valid_text("comment", "\xed\xa0\x80", 255, err), -1);

	/* a long hostile value gives a bounded one-line message */
	memset(s, '\n', 299);
	s[299] = '\0';
	assert_int_equal(valid_text("comment", s, 1000, err), -1);
	check_err(err, "comment");

	/* an embedded NUL ends the value */
	assert_int_equal(valid_text("comment", "ok\0\n", 255, err), 0);
}

/* ---- enums ---- */

static void
test_enum(void **state)
{
	static const char *const words[] = { "least", "round-robin", NULL };
	char err[VALID_ERR_MAX];
	size_t i;

	assert_int_equal(valid_enum("placement", "least", words, err), 0);
	assert_int_equal(valid_enum("placement", "round-robin", words, err),
	    0);
	assert_int_equal(valid_enum("placement", "Least", words, err), -1);
	check_err(err, "placement");
	assert_non_null(strstr(err, "must be one of least, round-robin"));
	assert_int_equal(valid_enum("placement", "", words, err), -1);
	assert_int_equal(valid_enum("placement", "least ", words, err), -1);
	assert_int_equal(valid_enum("placement", "leas", words, err), -1);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(valid_enum("placement", hostile[i], words,
		    err), -1);
		check_err(err, "placement");
	}
}

/* ---- host names ---- */

static void
test_hostname(void **state)
{
	static const char *const good[] = {
		"a", "example.com", "EXAMPLE.Com", "a-b.c-d.e", "1.2.3.4",
		"xn--bcher-kva.example", "0a.b",
	};
	static const char *const bad[] = {
		"", "a..b", ".a", "a.", "-a", "a-", "a-.b", "a.-b", "a_b",
		"\xc3\xa9.com", "a b", "a/b", "a:80", "*.example.com",
	};
	char err[VALID_ERR_MAX], s[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(valid_hostname("hostname", good[i], err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(valid_hostname("hostname", bad[i], err), -1);
		check_err(err, "hostname");
	}
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(valid_hostname("hostname", hostile[i], err),
		    -1);
		check_err(err, "hostname");
	}
	/* label of 63 ok, 64 not */
	memset(s, 'l', 63);
	strcpy(s + 63, ".com");
	assert_int_equal(valid_hostname("hostname", s, err), 0);
	memset(s, 'l', 64);
	strcpy(s + 64, ".com");
	assert_int_equal(valid_hostname("hostname", s, err), -1);
	assert_non_null(strstr(err, "label longer than 63"));
	/* 253 in all ok, 254 not: labels of 62 and dots */
	for (i = 0; i < 253; i++)
		s[i] = (i % 63 == 62) ? '.' : 'h';
	s[253] = '\0';
	assert_int_equal(valid_hostname("hostname", s, err), 0);
	s[253] = 'h';
	s[254] = '\0';
	assert_int_equal(valid_hostname("hostname", s, err), -1);
	check_err(err, "hostname");
	assert_non_null(strstr(err, "longer than 253"));
}

/* ---- hex ---- */

static void
test_hex(void **state)
{
	char err[VALID_ERR_MAX];

	assert_int_equal(valid_hex("token", "0123456789abcdef", 16, err), 0);
	assert_int_equal(valid_hex("token", "", 0, err), 0);
	assert_int_equal(valid_hex("token", "0123456789ABCDEF", 16, err), -1);
	check_err(err, "token");
	assert_int_equal(valid_hex("token", "0123456789abcdeg", 16, err), -1);
	check_err(err, "token");
	assert_int_equal(valid_hex("token", "0123456789abcde", 16, err), -1);
	check_err(err, "token");
	assert_non_null(strstr(err, "must be 16 hex digits"));
	assert_int_equal(valid_hex("token", "0123456789abcdef0", 16, err), -1);
	assert_int_equal(valid_hex("token", "0123456789abcde\n", 16, err), -1);
	check_err(err, "token");
	assert_int_equal(valid_hex("token", "0123456789abcd\"\\", 16, err), -1);
	check_err(err, "token");
}

/* ---- messages ---- */

static void
test_err_quotes_hostile_value(void **state)
{
	char err[VALID_ERR_MAX], big[2000];

	/* a long value full of newlines, quotes and non-ASCII */
	memset(big, '"', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '\n';
	big[11] = (char)0xff;
	assert_int_equal(valid_node_name("a_rather_long_field_name", big, err),
	    -1);
	check_err(err, "a_rather_long_field_name");
	/* the value is quoted once, inside the only two raw quotes */
	assert_non_null(strstr(err, "\\x22\\x22"));
	assert_non_null(strstr(err, "\\x0a\\xff"));
	assert_non_null(strstr(err, "..."));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_plain),
		cmocka_unit_test(test_quote_escapes),
		cmocka_unit_test(test_quote_cut_at_48),
		cmocka_unit_test(test_quote_never_raw),
		cmocka_unit_test(test_quote_bounded),
		cmocka_unit_test(test_node_name_good),
		cmocka_unit_test(test_node_name_bad),
		cmocka_unit_test(test_node_name_embedded_nul),
		cmocka_unit_test(test_ip_good),
		cmocka_unit_test(test_ip_canonical_v6),
		cmocka_unit_test(test_ip_bad),
		cmocka_unit_test(test_ip_leading_zeros_v4),
		cmocka_unit_test(test_int_good),
		cmocka_unit_test(test_int_bad),
		cmocka_unit_test(test_int_leading_zero_and_range),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_roles_canonical),
		cmocka_unit_test(test_roles_bad),
		cmocka_unit_test(test_roles_duplicate),
		cmocka_unit_test(test_roles_have),
		cmocka_unit_test(test_roles_too_long),
		cmocka_unit_test(test_username),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_err_quotes_hostile_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
