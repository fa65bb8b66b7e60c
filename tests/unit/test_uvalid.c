/* test_uvalid.c - unit tests of src/common/uvalid.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/common/uvalid.h"

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
	assert_int_equal(strncmp(err, what, strlen(what)), 0);
	for (p = (const unsigned char *)err; *p; p++)
		assert_true(*p >= 0x20 && *p < 0x7f);
}

/* Refused, with a message for the field that holds reason. */
static void
refused(int rc, const char *err, const char *what, const char *reason)
{
	assert_int_equal(rc, -1);
	check_err(err, what);
	if (reason != NULL && strstr(err, reason) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err, reason);
}

/* Strings no name, path or mailbox grammar takes. */
static const char *const hostile[] = {
	"a\nb", "a\rb", "a\"b", "a;b", "a{b", "a}b", "a b", "a\tb", "a'b",
	"a`b", "a$b", "a\\b", "a|b", "a&b", "a<b", "\x1b[31m", "\xc3\xa9",
	"\xff", "a\x7f", "$(reboot)", "a/b", "a:b",
};

static char *
repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

/* ---- valid_domain ---- */

static void
test_domain_canonical(void **state)
{
	static const char *const cases[][2] = {
		{ "example.com", "example.com" },
		{ "Example.COM", "example.com" },
		{ "example.com.", "example.com" },
		{ "www.a-b.example.co.uk", "www.a-b.example.co.uk" },
		{ "1.example.com", "1.example.com" },
		{ "example.c0m", "example.c0m" },
		{ "xn--bcher-kva.de", "xn--bcher-kva.de" },
		{ "XN--BCHER-KVA.DE", "xn--bcher-kva.de" },
		{ "xn--e1afmkfd.xn--80akhbyknj4f",
		    "xn--e1afmkfd.xn--80akhbyknj4f" },
		{ "xn--ls8h.la", "xn--ls8h.la" },
		{ "xn--9ca.com", "xn--9ca.com" },
		{ "ab--cd.com", "ab--cd.com" },
	};
	char out[DOMAIN_MAX], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (valid_domain("domain", cases[i][0], out, err) != 0)
			fail_msg("%s: %s", cases[i][0], err);
		assert_string_equal(out, cases[i][1]);
	}
}

static void
test_domain_lengths(void **state)
{
	char out[DOMAIN_MAX], err[VALID_ERR_MAX], s[400], l63[64];
	size_t n;

	/* a label of 63, not of 64 */
	repeat(l63, 'a', 63);
	snprintf(s, sizeof(s), "%s.com", l63);
	assert_int_equal(valid_domain("domain", s, out, err), 0);
	snprintf(s, sizeof(s), "a%s.com", l63);
	refused(valid_domain("domain", s, out, err), err, "domain",
	    "label longer than 63");

	/* 253 in all, and 254 with the trailing dot; not 254 or 255 */
	snprintf(s, sizeof(s), "%s.%s.%s.%s", l63, l63, l63, l63);
	s[253] = '\0';
	s[251] = '.';	/* last label "a" after a dot: 4 labels */
	n = strlen(s);
	assert_int_equal(n, 253);
	assert_int_equal(valid_domain("domain", s, out, err), 0);
	assert_int_equal(strlen(out), 253);
	strcat(s, ".");
	assert_int_equal(valid_domain("domain", s, out, err), 0);
	assert_int_equal(strlen(out), 253);
	s[253] = 'b';
	refused(valid_domain("domain", s, out, err), err, "domain",
	    "longer than 253");
	strcat(s, ".");
	refused(valid_domain("domain", s, out, err), err, "domain",
	    "longer than 253");
	refused(valid_domain("domain", repeat(s, 'a', 399), out, err), err,
	    "domain", "longer than 253");
}

static void
test_domain_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "", "empty" },
		{ ".", "empty" },
		{ "com", "two labels" },
		{ "localhost.", "two labels" },
		{ "a..b", "empty label" },
		{ ".example.com", "empty label" },
		{ "example.com..", "empty label" },
		{ "-a.com", "'-'" },
		{ "a-.com", "'-'" },
		{ "a.-com", "'-'" },
		{ "1.2.3.4", "IP address" },
		{ "example.123", "all digits" },
		{ "a_b.com", "'_'" },
		{ "*.example.com", "'*'" },
		{ "../etc/passwd", NULL },
		{ "exa mple.com", "invalid character ' '" },
		{ "example.com\n", "\\x0a" },
		{ "example.com\r", "\\x0d" },
		{ "exa\"mple.com", "'\"'" },
		{ "example.com;", "';'" },
		{ "example.com{}", "'{'" },
		{ "b\xc3\xbc" "cher.de", "use punycode (xn--...)" },
		{ "\xff.com", "use punycode" },
		{ "example.com\x7f", "\\x7f" },
	};
	char out[DOMAIN_MAX], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(out, "untouched", 10);
		refused(valid_domain("domain", bad[i][0], out, err), err,
		    "domain", bad[i][1]);
		assert_string_equal(out, "untouched");
	}
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char s[64];

		snprintf(s, sizeof(s), "%s.example.com", hostile[i]);
		refused(valid_domain("domain", s, out, err), err, "domain",
		    NULL);
	}
	/* the message of STYLE.md, exactly */
	valid_domain("domain", "exa mple.com", out, err);
	assert_string_equal(err,
	    "domain \"exa mple.com\": invalid character ' '");
}

static void
test_domain_punycode(void **state)
{
	static const char *const bad[][2] = {
		{ "xn--.com", NULL },			/* empty */
		{ "xn--abc-.com", NULL },		/* ASCII only */
		{ "xn--a.com", "U+0080" },		/* a C1 control */
		{ "xn--a-ba.com", "control" },
		{ "xn--abc-9.com", "ends inside a number" },
		{ "xn--9999999.com", "ends inside a number" },
		{ "xn--99999999999.com", "overflows" },
		{ "xn--dn32h.com", "beyond U+10FFFF" },
		{ "xn--ib9b.com", "surrogate" },	/* U+D800 */
		{ "xn--1n7c.com", "noncharacter" },	/* U+FFFF */
		{ "xn--zug.com", "invisible" },		/* U+200B */
		{ "xn--zvg.com", "bidirectional" },	/* U+202E */
		{ "xn---9ca.com", "not a punycode digit" },
		{ "xn--a_b-9ca.com", "'_'" },
	};
	char out[DOMAIN_MAX], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_domain("domain", bad[i][0], out, err), err,
		    "domain", bad[i][1]);
	/* not only the first label */
	refused(valid_domain("domain", "www.xn--a.com", out, err), err,
	    "domain", "punycode");
	/* "xn-" is no prefix: an ordinary label */
	assert_int_equal(valid_domain("domain", "xn-a.com", out, err), 0);
}

/* ---- valid_domain_list ---- */

static void
test_domain_list(void **state)
{
	char out[300], err[VALID_ERR_MAX];

	assert_int_equal(valid_domain_list("aliases", "a.com, B.com  c.com,",
	    5, out, sizeof(out), err), 0);
	assert_string_equal(out, "a.com b.com c.com");
	assert_int_equal(valid_domain_list("aliases", "", 5, out, sizeof(out),
	    err), 0);
	assert_string_equal(out, "");
	assert_int_equal(valid_domain_list("aliases", " ,, ", 5, out,
	    sizeof(out), err), 0);
	assert_string_equal(out, "");

	memcpy(out, "untouched", 10);
	refused(valid_domain_list("aliases", "a.com A.COM.", 5, out,
	    sizeof(out), err), err, "aliases", "given twice");
	refused(valid_domain_list("aliases", "a.com b.com c.com", 2, out,
	    sizeof(out), err), err, "aliases", "more than 2");
	refused(valid_domain_list("aliases", "a.com b..com", 5, out,
	    sizeof(out), err), err, "aliases \"b..com\"", "empty label");
	refused(valid_domain_list("aliases", "a.com;b.com", 5, out,
	    sizeof(out), err), err, "aliases", "';'");
	refused(valid_domain_list("aliases", "a.com\nb.com", 5, out,
	    sizeof(out), err), err, "aliases", NULL);
	refused(valid_domain_list("aliases", "aaaa.com bbbb.com", 5, out, 12,
	    err), err, "aliases", "longer than");
	assert_string_equal(out, "untouched");
	/* just fits */
	assert_int_equal(valid_domain_list("aliases", "aaaa.com b.com", 5,
	    out, 15, err), 0);
	assert_string_equal(out, "aaaa.com b.com");
}

/* ---- valid_rr ---- */

struct rr_case {
	const char	*name, *type, *ttl, *value, *prio, *weight, *port;
	const char	*want_name, *want_type, *want_value;
	int		 want_ttl;
};

static const struct rr_case good_rr[] = {
	{ "@", "A", "", "192.0.2.1", NULL, NULL, NULL,
	    "example.com.", "A", "192.0.2.1", 3600 },
	{ "www", "a", "300", "192.0.2.1", "", "", "",
	    "www.example.com.", "A", "192.0.2.1", 300 },
	{ "*", "A", "604800", "192.0.2.1", NULL, NULL, NULL,
	    "*.example.com.", "A", "192.0.2.1", 604800 },
	{ "WWW.Example.COM.", "A", "1", "192.0.2.1", NULL, NULL, NULL,
	    "www.example.com.", "A", "192.0.2.1", 1 },
	{ "example.com.", "AAAA", NULL, "2001:DB8:0:0::1", NULL, NULL, NULL,
	    "example.com.", "AAAA", "2001:db8::1", 3600 },
	{ "*.dev", "aaaa", "", "::1", NULL, NULL, NULL,
	    "*.dev.example.com.", "AAAA", "::1", 3600 },
	{ "www", "CNAME", "", "@", NULL, NULL, NULL,
	    "www.example.com.", "CNAME", "example.com.", 3600 },
	{ "blog", "cname", "", "Host.Other.NET.", NULL, NULL, NULL,
	    "blog.example.com.", "CNAME", "host.other.net.", 3600 },
	{ "_acme-challenge.www", "CNAME", "", "x._acme.dcv.net.", NULL, NULL,
	    NULL, "_acme-challenge.www.example.com.", "CNAME",
	    "x._acme.dcv.net.", 3600 },
	{ "ftp", "CNAME", "", "www", NULL, NULL, NULL,
	    "ftp.example.com.", "CNAME", "www.example.com.", 3600 },
	{ "@", "MX", "", "10 mx", NULL, NULL, NULL,
	    "example.com.", "MX", "10 mx.example.com.", 3600 },
	{ "@", "MX", "", "mx.other.net.", "20", NULL, NULL,
	    "example.com.", "MX", "20 mx.other.net.", 3600 },
	{ "@", "MX", "", "mx", NULL, NULL, NULL,
	    "example.com.", "MX", "10 mx.example.com.", 3600 },
	{ "@", "MX", "", "0 mx", "0", NULL, NULL,
	    "example.com.", "MX", "0 mx.example.com.", 3600 },
	{ "@", "TXT", "", "\"v=spf1 mx -all\"", NULL, NULL, NULL,
	    "example.com.", "TXT", "v=spf1 mx -all", 3600 },
	{ "_dmarc", "TXT", "", "v=DMARC1; p=reject", NULL, NULL, NULL,
	    "_dmarc.example.com.", "TXT", "v=DMARC1; p=reject", 3600 },
	{ "_acme-challenge.www.example.com.", "TXT", "60", "abc123", NULL,
	    NULL, NULL, "_acme-challenge.www.example.com.", "TXT", "abc123",
	    60 },
	{ "t", "TXT", "", "\"\"abc\"\"", NULL, NULL, NULL,
	    "t.example.com.", "TXT", "\"abc\"", 3600 },
	{ "t", "TXT", "", "\"", NULL, NULL, NULL,
	    "t.example.com.", "TXT", "\"", 3600 },
	{ "t", "TXT", "", " a {b} \\c ", NULL, NULL, NULL,
	    "t.example.com.", "TXT", " a {b} \\c ", 3600 },
	{ "sub", "NS", "", "ns1.other.net.", NULL, NULL, NULL,
	    "sub.example.com.", "NS", "ns1.other.net.", 3600 },
	{ "sub", "ns", "", "ns1.sub", NULL, NULL, NULL,
	    "sub.example.com.", "NS", "ns1.sub.example.com.", 3600 },
	{ "_sip._tcp", "SRV", "", "10 5 5060 sip", NULL, NULL, NULL,
	    "_sip._tcp.example.com.", "SRV", "10 5 5060 sip.example.com.",
	    3600 },
	{ "_sip._tcp", "srv", "", "sip.other.net.", "1", "2", "65535",
	    "_sip._tcp.example.com.", "SRV", "1 2 65535 sip.other.net.",
	    3600 },
	{ "_x._udp", "SRV", "", "0 0 0 @", "0", "", NULL,
	    "_x._udp.example.com.", "SRV", "0 0 0 example.com.", 3600 },
	{ "@", "CAA", "", "0 issue letsencrypt.org", NULL, NULL, NULL,
	    "example.com.", "CAA", "0 issue \"letsencrypt.org\"", 3600 },
	{ "@", "caa", "", "128 ISSUEWILD \";\"", NULL, NULL, NULL,
	    "example.com.", "CAA", "128 issuewild \";\"", 3600 },
	{ "@", "CAA", "", "0 iodef \"mailto:sec@example.com\"", NULL, NULL,
	    NULL, "example.com.", "CAA", "0 iodef \"mailto:sec@example.com\"",
	    3600 },
	{ "@", "CAA", "", "0 issue \"\"", NULL, NULL, NULL,
	    "example.com.", "CAA", "0 issue \"\"", 3600 },
	{ "@", "CAA", "", "0 issue ca.example; account=1", NULL, NULL, NULL,
	    "example.com.", "CAA", "0 issue \"ca.example; account=1\"", 3600 },
};

static void
test_rr_good(void **state)
{
	char err[VALID_ERR_MAX];
	struct rr r;
	size_t i;

	for (i = 0; i < sizeof(good_rr) / sizeof(good_rr[0]); i++) {
		const struct rr_case *c = &good_rr[i];

		memset(&r, 0x55, sizeof(r));
		if (valid_rr("Example.COM.", c->name, c->type, c->ttl,
		    c->value, c->prio, c->weight, c->port, &r, err) != 0)
			fail_msg("case %zu (%s %s %s): %s", i, c->name,
			    c->type, c->value, err);
		assert_string_equal(r.name, c->want_name);
		assert_string_equal(r.type, c->want_type);
		assert_string_equal(r.value, c->want_value);
		assert_int_equal(r.ttl, c->want_ttl);
	}
}

/* rkey round trip for every good record: the same record comes back. */
static void
test_rr_key_roundtrip(void **state)
{
	char err[VALID_ERR_MAX], key[2400], want[2400];
	struct rr r, back;
	size_t i;

	for (i = 0; i < sizeof(good_rr) / sizeof(good_rr[0]); i++) {
		const struct rr_case *c = &good_rr[i];

		assert_int_equal(valid_rr("example.com", c->name, c->type,
		    c->ttl, c->value, c->prio, c->weight, c->port, &r, err), 0);
		assert_int_equal(rr_key(&r, key, sizeof(key)), 0);
		snprintf(want, sizeof(want), "%s %s  %s", c->want_name,
		    c->want_type, c->want_value);
		assert_string_equal(key, want);
		memset(&back, 0x55, sizeof(back));
		if (rr_parse_key("example.com", key, &back, err) != 0)
			fail_msg("%s: %s", key, err);
		assert_string_equal(back.name, r.name);
		assert_string_equal(back.type, r.type);
		assert_string_equal(back.value, r.value);
		assert_int_equal(back.ttl, 0);
		/* zone given in any spelling */
		assert_int_equal(rr_parse_key("EXAMPLE.com.", key, &back,
		    err), 0);
	}
}

static void
test_rr_key_example(void **state)
{
	char err[VALID_ERR_MAX], key[2400];
	struct rr r;

	assert_int_equal(valid_rr("example.com", "_acme-challenge.www", "TXT",
	    "", "abc123", NULL, NULL, NULL, &r, err), 0);
	assert_int_equal(rr_key(&r, key, sizeof(key)), 0);
	assert_string_equal(key,
	    "_acme-challenge.www.example.com. TXT  abc123");
	/* too small a buffer */
	assert_int_equal(rr_key(&r, key, 10), -1);
	assert_int_equal(rr_key(&r, key, strlen(
	    "_acme-challenge.www.example.com. TXT  abc123")), -1);
	assert_int_equal(rr_key(&r, key, strlen(
	    "_acme-challenge.www.example.com. TXT  abc123") + 1), 0);
}

static void
test_rr_names(void **state)
{
	static const char *const bad[][2] = {
		{ "", "empty" },
		{ "www.other.com.", "not in zone" },
		{ "evilexample.com.", "not in zone" },
		{ "example.com.evil.", "not in zone" },
		{ "com.", "not in zone" },
		{ "a..b", "empty label" },
		{ "www.", "not in zone" },
		{ ".", "empty" },
		{ "a.*", "'*'" },
		{ "*a", "'*'" },
		{ "**", "'*'" },
		{ "-x", "'-'" },
		{ "@.www", "'@'" },
		{ "../x", NULL },
		{ "1.2.3.4", "IP address" },
		{ "w\xc3\xbc", "punycode" },
		{ "xn--a", "U+0080" },
	};
	char err[VALID_ERR_MAX], s[400], l63[64];
	struct rr r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_rr("example.com", bad[i][0], "TXT", "", "x",
		    NULL, NULL, NULL, &r, err), err, "name", bad[i][1]);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		refused(valid_rr("example.com", hostile[i], "TXT", "", "x",
		    NULL, NULL, NULL, &r, err), err, "name", NULL);
	/* '_' in the name of a host */
	refused(valid_rr("example.com", "_x", "A", "", "192.0.2.1", NULL,
	    NULL, NULL, &r, err), err, "name", "host name");
	refused(valid_rr("example.com", "a_b.x", "MX", "", "mx", NULL,
	    NULL, NULL, &r, err), err, "name", "host name");
	/* labels of 64, and names too long once the zone is added */
	repeat(l63, 'a', 63);
	snprintf(s, sizeof(s), "a%s", l63);
	refused(valid_rr("example.com", s, "TXT", "", "x", NULL, NULL, NULL,
	    &r, err), err, "name", "label longer than 63");
	snprintf(s, sizeof(s), "%s.%s.%s.%s", l63, l63, l63, l63);
	s[241] = '\0';		/* 241 + ".example.com" = 253 */
	assert_int_equal(valid_rr("example.com", s, "TXT", "", "x", NULL,
	    NULL, NULL, &r, err), 0);
	assert_int_equal(strlen(r.name), 254);
	s[241] = 'a';
	s[242] = '\0';
	refused(valid_rr("example.com", s, "TXT", "", "x", NULL, NULL, NULL,
	    &r, err), err, "name", "with the zone");
	repeat(s, 'a', 300);
	refused(valid_rr("example.com", s, "TXT", "", "x", NULL, NULL, NULL,
	    &r, err), err, "name", "longer than 253");
}

static void
test_rr_cname(void **state)
{
	char err[VALID_ERR_MAX];
	struct rr r;

	refused(valid_rr("example.com", "@", "CNAME", "", "other.net.", NULL,
	    NULL, NULL, &r, err), err, "name", "apex");
	refused(valid_rr("example.com", "Example.Com.", "cname", "",
	    "other.net.", NULL, NULL, NULL, &r, err), err, "name", "apex");
	refused(valid_rr("example.com", "www", "CNAME", "", "192.0.2.1",
	    NULL, NULL, NULL, &r, err), err, "value", "IP address");
	refused(valid_rr("example.com", "www", "CNAME", "", "localhost.",
	    NULL, NULL, NULL, &r, err), err, "value", "two labels");
	refused(valid_rr("example.com", "www", "CNAME", "", "*.other.net.",
	    NULL, NULL, NULL, &r, err), err, "value", "'*'");
	refused(valid_rr("example.com", "www", "CNAME", "", "a b", NULL,
	    NULL, NULL, &r, err), err, "value", "' '");
	refused(valid_rr("example.com", "www", "CNAME", "", "", NULL, NULL,
	    NULL, &r, err), err, "value", "empty");
	refused(valid_rr("example.com", "www", "NS", "", "_ns.other.net.",
	    NULL, NULL, NULL, &r, err), err, "value", "'_'");
}

static void
test_rr_a_aaaa(void **state)
{
	char err[VALID_ERR_MAX];
	struct rr r;

	refused(valid_rr("example.com", "@", "A", "", "2001:db8::1", NULL,
	    NULL, NULL, &r, err), err, "value", "not an IPv4");
	refused(valid_rr("example.com", "@", "AAAA", "", "192.0.2.1", NULL,
	    NULL, NULL, &r, err), err, "value", "not an IPv6");
	refused(valid_rr("example.com", "@", "A", "", "192.0.2.1\n", NULL,
	    NULL, NULL, &r, err), err, "value", NULL);
	refused(valid_rr("example.com", "@", "A", "", "192.0.2.01", NULL,
	    NULL, NULL, &r, err), err, "value", NULL);
	refused(valid_rr("example.com", "@", "A", "", "", NULL, NULL, NULL,
	    &r, err), err, "value", NULL);
}

static void
test_rr_mx(void **state)
{
	char err[VALID_ERR_MAX];
	struct rr r;

	refused(valid_rr("example.com", "@", "MX", "", "10 mx", "20", NULL,
	    NULL, &r, err), err, "prio", "differs");
	assert_int_equal(valid_rr("example.com", "@", "MX", "", "10 mx", "10",
	    NULL, NULL, &r, err), 0);
	refused(valid_rr("example.com", "@", "MX", "", "65536 mx", NULL,
	    NULL, NULL, &r, err), err, "value", "out of range");
	refused(valid_rr("example.com", "@", "MX", "", "mx", "-1", NULL,
	    NULL, &r, err), err, "prio", NULL);
	refused(valid_rr("example.com", "@", "MX", "", "010 mx", NULL, NULL,
	    NULL, &r, err), err, "value", "leading zero");
	refused(valid_rr("example.com", "@", "MX", "", "10  mx", NULL, NULL,
	    NULL, &r, err), err, "value", NULL);
	refused(valid_rr("example.com", "@", "MX", "", "10 mx ", NULL, NULL,
	    NULL, &r, err), err, "value", NULL);
	refused(valid_rr("example.com", "@", "MX", "", " mx", NULL, NULL,
	    NULL, &r, err), err, "value", "empty field");
	refused(valid_rr("example.com", "@", "MX", "", "10 192.0.2.1", NULL,
	    NULL, NULL, &r, err), err, "value", "IP address");
	refused(valid_rr("example.com", "@", "MX", "", "10 mx_1", NULL, NULL,
	    NULL, &r, err), err, "value", "'_'");
	refused(valid_rr("example.com", "@", "MX", "", "10 mx;", NULL, NULL,
	    NULL, &r, err), err, "value", "';'");
}

static void
test_rr_txt(void **state)
{
	char err[VALID_ERR_MAX], big[2060];
	struct rr r;

	repeat(big, 'x', 2048);
	assert_int_equal(valid_rr("example.com", "@", "TXT", "", big, NULL,
	    NULL, NULL, &r, err), 0);
	assert_int_equal(strlen(r.value), 2048);
	/* 2048 inside quotes, too */
	big[0] = '"';
	strcpy(big + 1, r.value);
	strcat(big, "\"");
	assert_int_equal(valid_rr("example.com", "@", "TXT", "", big, NULL,
	    NULL, NULL, &r, err), 0);
	assert_int_equal(strlen(r.value), 2048);
	refused(valid_rr("example.com", "@", "TXT", "", repeat(big, 'x',
	    2049), NULL, NULL, NULL, &r, err), err, "value",
	    "longer than 2048");
	refused(valid_rr("example.com", "@", "TXT", "", "", NULL, NULL, NULL,
	    &r, err), err, "value", "empty");
	refused(valid_rr("example.com", "@", "TXT", "", "\"\"", NULL, NULL,
	    NULL, &r, err), err, "value", "empty");
	refused(valid_rr("example.com", "@", "TXT", "", "a\nb", NULL, NULL,
	    NULL, &r, err), err, "value", "\\x0a");
	refused(valid_rr("example.com", "@", "TXT", "", "\"a\r\"", NULL, NULL,
	    NULL, &r, err), err, "value", "\\x0d");
	refused(valid_rr("example.com", "@", "TXT", "", "a\tb", NULL, NULL,
	    NULL, &r, err), err, "value", "\\x09");
	refused(valid_rr("example.com", "@", "TXT", "", "caf\xc3\xa9", NULL,
	    NULL, NULL, &r, err), err, "value", "non-ASCII");
	refused(valid_rr("example.com", "@", "TXT", "", "\xff", NULL, NULL,
	    NULL, &r, err), err, "value", "non-ASCII");
	refused(valid_rr("example.com", "@", "TXT", "", "a\x7f", NULL, NULL,
	    NULL, &r, err), err, "value", "\\x7f");
}

static void
test_rr_srv(void **state)
{
	char err[VALID_ERR_MAX];
	struct rr r;

	refused(valid_rr("example.com", "_sip._tcp", "SRV", "",
	    "10 5 65536 sip", NULL, NULL, NULL, &r, err), err, "value",
	    "port \"65536\": out of range");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "", "sip", "1",
	    "2", "65536", &r, err), err, "port", "out of range");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "", "sip", "1",
	    "2", NULL, &r, err), err, "port", "missing");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "", "sip", NULL,
	    NULL, NULL, &r, err), err, "prio", "missing");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "", "5060 sip",
	    NULL, NULL, NULL, &r, err), err, "value", "PRIO WEIGHT PORT");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "",
	    "10 5 5060 sip", NULL, "6", NULL, &r, err), err, "weight",
	    "differs");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "",
	    "10 5 5060 _sip.x", NULL, NULL, NULL, &r, err), err, "value",
	    "'_'");
	refused(valid_rr("example.com", "_sip._tcp", "SRV", "",
	    "10 5 x sip", NULL, NULL, NULL, &r, err), err, "value",
	    "not a whole number");
}

static void
test_rr_caa(void **state)
{
	static const char *const bad[][2] = {
		{ "0 tbs x", "issue, issuewild or iodef" },
		{ "0 contactemail a@b.c", "issue, issuewild or iodef" },
		{ "256 issue x", "out of range" },
		{ "-1 issue x", NULL },
		{ "0 issue \"a\"b\"", "'\"' inside" },
		{ "0 issue a\"b", "'\"' inside" },
		{ "0 issue \"abc", "unbalanced" },
		{ "0 issue", "FLAGS TAG VALUE" },
		{ "0 issue ", "FLAGS TAG VALUE" },
		{ "issue x", NULL },
		{ "0 iodef x", "mailto:" },
		{ "0 issue a\nb", "\\x0a" },
		{ "0 issue \xc3\xa9", "non-ASCII" },
	};
	char err[VALID_ERR_MAX], big[300], v[320];
	struct rr r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_rr("example.com", "@", "CAA", "", bad[i][0],
		    NULL, NULL, NULL, &r, err), err, "value", bad[i][1]);
	snprintf(v, sizeof(v), "0 issue %s", repeat(big, 'a', 255));
	assert_int_equal(valid_rr("example.com", "@", "CAA", "", v, NULL,
	    NULL, NULL, &r, err), 0);
	snprintf(v, sizeof(v), "0 issue %s", repeat(big, 'a', 256));
	refused(valid_rr("example.com", "@", "CAA", "", v, NULL, NULL, NULL,
	    &r, err), err, "value", "longer than 255");
}

static void
test_rr_type_ttl_zone(void **state)
{
	static const char *const types[] = { "PTR", "SOA", "", "A;", "A ",
	    "AAAAA", "TXT\n", "ANY" };
	static const char *const ttls[] = { "0", "604801", "01", "-1", "1h",
	    " 60", "99999999999999999999" };
	char err[VALID_ERR_MAX];
	struct rr r;
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		refused(valid_rr("example.com", "@", types[i], "", "x", NULL,
		    NULL, NULL, &r, err), err, "type", "must be one of");
	for (i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++)
		refused(valid_rr("example.com", "@", "TXT", ttls[i], "x",
		    NULL, NULL, NULL, &r, err), err, "ttl", NULL);
	refused(valid_rr("com", "@", "TXT", "", "x", NULL, NULL, NULL, &r,
	    err), err, "zone", NULL);
	refused(valid_rr("exa;mple.com", "@", "TXT", "", "x", NULL, NULL,
	    NULL, &r, err), err, "zone", NULL);
	/* nothing written on failure */
	memset(&r, 0x55, sizeof(r));
	refused(valid_rr("example.com", "@", "TXT", "", "", NULL, NULL, NULL,
	    &r, err), err, "value", NULL);
	assert_int_equal((unsigned char)r.name[0], 0x55);
	assert_int_equal((unsigned char)r.value[0], 0x55);
}

static void
test_rr_parse_key_bad(void **state)
{
	static const char *const bad[][2] = {
		{ "", "NAME. TYPE  VALUE" },
		{ "example.com.", "NAME. TYPE  VALUE" },
		{ "example.com. A", "NAME. TYPE  VALUE" },
		{ "example.com. A 192.0.2.1", "NAME. TYPE  VALUE" },
		{ "example.com.  A  192.0.2.1", "NAME. TYPE  VALUE" },
		{ " example.com. A  192.0.2.1", "NAME. TYPE  VALUE" },
		{ "example.com A  192.0.2.1", "NAME. TYPE  VALUE" },
		{ "@ A  192.0.2.1", "NAME. TYPE  VALUE" },
		{ "example.com. A   192.0.2.1", NULL },
		{ "example.com. A  192.0.2.1 ", NULL },
		{ "example.com. a  192.0.2.1", "canonical" },
		{ "Example.com. A  192.0.2.1", "canonical" },
		{ "example.com. AAAA  2001:DB8::1", "canonical" },
		{ "example.com. MX  10 mx", "canonical" },
		{ "example.com. MX  mx.example.com.", "canonical" },
		{ "example.com. CAA  0 issue x", "canonical" },
		{ "www.other.com. A  192.0.2.1", "not in zone" },
		{ "example.com. CNAME  other.net.", "apex" },
		{ "example.com. PTR  x.", "must be one of" },
		{ "example.com. TXT  a\nb", "\\x0a" },
		{ "example.com. TXT  a\xc3\xa9", "\\xc3" },
		{ "example.com. SRV  1 2 65536 x.example.com.",
		    "out of range" },
		{ "example.com. A  192.0.2.1\nexample.com. A  192.0.2.2",
		    "\\x0a" },
	};
	char err[VALID_ERR_MAX], big[2600];
	struct rr r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&r, 0x55, sizeof(r));
		refused(rr_parse_key("example.com", bad[i][0], &r, err), err,
		    "elid", bad[i][1]);
		assert_int_equal((unsigned char)r.name[0], 0x55);
	}
	/* a key of another zone */
	refused(rr_parse_key("example.org", "example.com. A  192.0.2.1", &r,
	    err), err, "elid", "not in zone");
	/* far too long */
	memcpy(big, "example.com. TXT  ", 18);
	repeat(big + 18, 'x', 2500);
	refused(rr_parse_key("example.com", big, &r, err), err, "elid",
	    "too long");
	big[18 + 2049] = '\0';
	refused(rr_parse_key("example.com", big, &r, err), err, "elid",
	    "longer than 2048");
}

/* ---- mail ---- */

static void
test_mailbox(void **state)
{
	static const char *const good[][2] = {
		{ "info", "info" },
		{ "Info", "info" },
		{ "a.b+c_d-e", "a.b+c_d-e" },
		{ "0", "0" },
		{ "_x", "_x" },
	};
	static const char *const bad[][2] = {
		{ "", "empty" },
		{ ".a", "'.'" },
		{ "a.", "'.'" },
		{ ".", "'.'" },
		{ "a..b", "two dots" },
		{ "a@b", "'@'" },
		{ "-a", "'-'" },
		{ "caf\xc3\xa9", "non-ASCII" },
	};
	char out[65], err[VALID_ERR_MAX], s[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(valid_mailbox("name", good[i][0], out, err),
		    0);
		assert_string_equal(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_mailbox("name", bad[i][0], out, err), err,
		    "name", bad[i][1]);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		refused(valid_mailbox("name", hostile[i], out, err), err,
		    "name", NULL);
	assert_int_equal(valid_mailbox("name", repeat(s, 'a', 64), out, err),
	    0);
	assert_int_equal(strlen(out), 64);
	refused(valid_mailbox("name", repeat(s, 'a', 65), out, err), err,
	    "name", "longer than 64");
}

static void
test_email(void **state)
{
	static const char *const bad[][2] = {
		{ "", "empty" },
		{ "info", "no '@'" },
		{ "a@@example.com", "more than one" },
		{ "a@b@example.com", "more than one" },
		{ "@example.com", "local part" },
		{ "a@", "domain" },
		{ "a@localhost", "two labels" },
		{ "a..b@example.com", "two dots" },
		{ ".a@example.com", "local part" },
		{ "a@exa mple.com", "' '" },
		{ "a@example.com\n", "\\x0a" },
		{ "a@b\xc3\xbc" "cher.de", "punycode" },
		{ "\"a\"@example.com", "'\"'" },
		{ "a@example.com;rm", "';'" },
		{ "a@[192.0.2.1]", NULL },
	};
	char out[320], err[VALID_ERR_MAX], s[400];
	size_t i;

	assert_int_equal(valid_email("email", "Info@Example.COM", out, err),
	    0);
	assert_string_equal(out, "info@example.com");
	assert_int_equal(valid_email("email", "a.b+tag@xn--bcher-kva.de.", out,
	    err), 0);
	assert_string_equal(out, "a.b+tag@xn--bcher-kva.de");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_email("email", bad[i][0], out, err), err, "email",
		    bad[i][1]);
	repeat(s, 'a', 330);
	s[64] = '@';
	refused(valid_email("email", s, out, err), err, "email",
	    "longer than 319");
}

static void
test_email_list(void **state)
{
	char out[200], err[VALID_ERR_MAX];

	assert_int_equal(valid_email_list("forward",
	    "A@example.com, b@example.org,c@example.net", 3, out, sizeof(out),
	    err), 0);
	assert_string_equal(out, "a@example.com b@example.org c@example.net");
	assert_int_equal(valid_email_list("forward", "", 3, out, sizeof(out),
	    err), 0);
	assert_string_equal(out, "");
	refused(valid_email_list("forward", "a@example.com A@EXAMPLE.COM", 3,
	    out, sizeof(out), err), err, "forward", "given twice");
	refused(valid_email_list("forward", "a@x.com b@x.com c@x.com d@x.com",
	    3, out, sizeof(out), err), err, "forward", "more than 3");
	refused(valid_email_list("forward", "a@x.com b@@x.com", 3, out,
	    sizeof(out), err), err, "forward \"b@@x.com\"", NULL);
	refused(valid_email_list("forward", "a@x.com\nb@x.com", 3, out,
	    sizeof(out), err), err, "forward", NULL);
	/* an address that is the prefix of another is not a duplicate */
	assert_int_equal(valid_email_list("forward", "ab@x.com b@x.com", 3,
	    out, sizeof(out), err), 0);
	assert_int_equal(valid_email_list("forward", "a@x.com a@x.co", 3,
	    out, sizeof(out), err), 0);
}

/* ---- web ---- */

static void
test_relpath(void **state)
{
	static const char *const good[] = { "www/example.com", "a", "A-b_c.d",
	    "www/Example.com/public_html", ".well-known", "a/..b/c.." };
	static const char *const bad[][2] = {
		{ "", "empty" },
		{ "../x", "\"..\"" },
		{ "..", "\"..\"" },
		{ ".", "\".\"" },
		{ "a/../b", "\"..\"" },
		{ "a/./b", "\".\"" },
		{ "a/..", "\"..\"" },
		{ "/abs", "begins with '/'" },
		{ "/", "begins with '/'" },
		{ "a//b", "empty segment" },
		{ "a/", "ends with '/'" },
		{ "~/x", "'~'" },
		{ "a\\b", "'\\'" },
		{ "a b", "' '" },
		{ "a\nb", "\\x0a" },
		{ "a;b", "';'" },
		{ "a{b}", "'{'" },
		{ "a\"b", "'\"'" },
		{ "caf\xc3\xa9", "non-ASCII" },
	};
	char out[201], err[VALID_ERR_MAX], s[300];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(valid_relpath("home", good[i], out, err), 0);
		assert_string_equal(out, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(out, "untouched", 10);
		refused(valid_relpath("home", bad[i][0], out, err), err, "home",
		    bad[i][1]);
		assert_string_equal(out, "untouched");
	}
	assert_int_equal(valid_relpath("home", repeat(s, 'a', 200), out, err),
	    0);
	refused(valid_relpath("home", repeat(s, 'a', 201), out, err), err,
	    "home", "longer than 200");
}

static void
test_php_mode(void **state)
{
	static const char *const good[][2] = {
		{ "none", "none" },
		{ "php_fpm", "php_fpm" },
		{ "php_cgi", "php_cgi" },
		{ "php_mode_none", "none" },
		{ "php_mode_fcgi_nginxfpm", "php_fpm" },
		{ "php_mode_cgi", "php_cgi" },
	};
	static const char *const bad[] = { "", "NONE", "php_mode_mod",
	    "php_fpm\n", " none", "php", "php_mode_fcgi_apache",
	    "php_fpm;" };
	char out[16], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(valid_php_mode("php_mode", good[i][0], out,
		    err), 0);
		assert_string_equal(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_php_mode("php_mode", bad[i], out, err), err,
		    "php_mode", "none, php_fpm or php_cgi");
}

static void
test_php_version(void **state)
{
	static const char *const good[] = { "5.0", "5.6", "7.4", "8.2",
	    "8.9" };
	static const char *const bad[][2] = {
		{ "4.4", "out of range 5..8" },
		{ "9.0", "out of range 5..8" },
		{ "0.1", "out of range" },
		{ "8", "MAJOR.MINOR" },
		{ "", "MAJOR.MINOR" },
		{ "8.10", "MAJOR.MINOR" },
		{ "08.1", "MAJOR.MINOR" },
		{ "8.x", "MAJOR.MINOR" },
		{ "8,2", "MAJOR.MINOR" },
		{ "8.2\n", "MAJOR.MINOR" },
		{ "-8.2", "MAJOR.MINOR" },
		{ "../", "MAJOR.MINOR" },
	};
	char out[8], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(valid_php_version("php_version", good[i], out,
		    err), 0);
		assert_string_equal(out, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused(valid_php_version("php_version", bad[i][0], out, err),
		    err, "php_version", bad[i][1]);
}

static void
test_fullname(void **state)
{
	char err[VALID_ERR_MAX], s[200];

	assert_int_equal(valid_fullname("fullname", "Jane Doe", err), 0);
	assert_int_equal(valid_fullname("fullname", "J\xc3\xb6rg O'Neil",
	    err), 0);
	assert_int_equal(valid_fullname("fullname", "", err), 0);
	assert_int_equal(valid_fullname("fullname", repeat(s, 'a', 128), err),
	    0);
	refused(valid_fullname("fullname", repeat(s, 'a', 129), err), err,
	    "fullname", "longer than 128");
	refused(valid_fullname("fullname", "a:b", err), err, "fullname",
	    "':'");
	refused(valid_fullname("fullname", "Doe, Jane", err), err, "fullname",
	    "','");
	refused(valid_fullname("fullname", "a\nb", err), err, "fullname",
	    NULL);
	refused(valid_fullname("fullname", "a\xff", err), err, "fullname",
	    "UTF-8");
	refused(valid_fullname("fullname", "a\xe2\x80\xae", err), err,
	    "fullname", "U+202E");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_canonical),
		cmocka_unit_test(test_domain_lengths),
		cmocka_unit_test(test_domain_bad),
		cmocka_unit_test(test_domain_punycode),
		cmocka_unit_test(test_domain_list),
		cmocka_unit_test(test_rr_good),
		cmocka_unit_test(test_rr_key_roundtrip),
		cmocka_unit_test(test_rr_key_example),
		cmocka_unit_test(test_rr_names),
		cmocka_unit_test(test_rr_cname),
		cmocka_unit_test(test_rr_a_aaaa),
		cmocka_unit_test(test_rr_mx),
		cmocka_unit_test(test_rr_txt),
		cmocka_unit_test(test_rr_srv),
		cmocka_unit_test(test_rr_caa),
		cmocka_unit_test(test_rr_type_ttl_zone),
		cmocka_unit_test(test_rr_parse_key_bad),
		cmocka_unit_test(test_mailbox),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_email_list),
		cmocka_unit_test(test_relpath),
		cmocka_unit_test(test_php_mode),
		cmocka_unit_test(test_php_version),
		cmocka_unit_test(test_fullname),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
