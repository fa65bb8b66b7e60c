/* test_sysdata.c - unit tests of src/common/sysdata.c: the field checkers,
 * sd_item_build, sd_item_check, sorting, rendering and the type table.
 *
 * The property that matters most: a value that a checker accepts can never
 * break the line structure (or the quoting) of the file it is rendered
 * into. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/common/params.h"
#include "../../src/common/sbuf.h"
#include "../../src/common/sysdata.h"
#include "../../src/common/valid.h"

typedef int (*checker)(const char *, const char *, char *, char *);

#define OUTSZ	SD_OUTMAX
#define nitems_(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- helpers ---- */

/* An error message: starts with the field name, one line of printable
 * ASCII (unprintable input is escaped), fits VALID_ERR_MAX. */
static void
check_err(const char *err, const char *what)
{
	const unsigned char *p;

	assert_true(strlen(err) > 0);
	assert_true(strlen(err) < VALID_ERR_MAX);
	if (what != NULL)
		assert_int_equal(strncmp(err, what, strlen(what)), 0);
	for (p = (const unsigned char *)err; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			fail_msg("unprintable byte 0x%02x in error \"%s\"", *p,
			    err);
}

/* An accepted value: no control characters, valid UTF-8. */
static void
check_out(const char *out)
{
	const unsigned char *p;

	assert_true(strlen(out) < OUTSZ);
	assert_true(utf8_valid(out, strlen(out)));
	for (p = (const unsigned char *)out; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in output \"%s\"", *p, out);
}

#define OK(fn, in, want)	ok_(fn, #fn, in, want, __LINE__)
#define BAD(fn, in)		bad_(fn, #fn, in, __LINE__)

static void
ok_(checker fn, const char *name, const char *in, const char *want, int line)
{
	char out[OUTSZ], out2[OUTSZ], err[VALID_ERR_MAX];

	memset(out, 'X', sizeof(out));
	err[0] = '\0';
	if (fn("f", in, out, err) != 0)
		fail_msg("line %d: %s refused \"%s\": %s", line, name, in, err);
	if (want != NULL && strcmp(out, want) != 0)
		fail_msg("line %d: %s(\"%s\") gave \"%s\", want \"%s\"", line,
		    name, in, out, want);
	check_out(out);
	/* the canonical form is a fixed point */
	if (fn("f", out, out2, err) != 0 || strcmp(out, out2) != 0)
		fail_msg("line %d: %s: canonical \"%s\" not stable", line, name,
		    out);
}

static void
bad_(checker fn, const char *name, const char *in, int line)
{
	char out[OUTSZ], err[VALID_ERR_MAX];

	out[0] = '\0';
	err[0] = '\0';
	if (fn("f", in, out, err) != -1)
		fail_msg("line %d: %s accepted \"%s\" as \"%s\"", line, name, in,
		    out);
	check_err(err, "f");
}

/* Refuses every hostile decoration of a value it accepts, and shows that
 * what follows a NUL is not seen at all. */
static void
hostile_around(checker fn, const char *name, const char *good)
{
	static const char *const pre[] = {
		"\n", "\r", "\"", "'", "\\", ";", "{", "}", " ", "\t",
		"\xc3\xa9", "\xff", "\x7f", "\x1b",
	};
	static const char *const post[] = {
		"\n", "\r", "\r\n", "\"", "'", "\\", ";", "{", "}", " ", "\t",
		"\xc3\xa9", "\xff", "\xc3", "\x7f", "\nREJECT", "; drop",
	};
	char buf[1200];
	size_t i;

	ok_(fn, name, good, NULL, __LINE__);
	for (i = 0; i < nitems_(pre); i++) {
		snprintf(buf, sizeof(buf), "%s%s", pre[i], good);
		bad_(fn, name, buf, __LINE__);
	}
	for (i = 0; i < nitems_(post); i++) {
		snprintf(buf, sizeof(buf), "%s%s", good, post[i]);
		bad_(fn, name, buf, __LINE__);
	}
	/* in the middle */
	snprintf(buf, sizeof(buf), "%.1s\n%s", good, good + 1);
	bad_(fn, name, buf, __LINE__);
	/* over-long: the value repeated past any limit */
	buf[0] = '\0';
	for (i = 0; strlen(buf) + strlen(good) + 1 < sizeof(buf); i++)
		strcat(buf, good);
	bad_(fn, name, buf, __LINE__);
	/* NUL truncation: a C string ends at the NUL */
	{
		char out[OUTSZ], want[OUTSZ], err[VALID_ERR_MAX];
		size_t n = strlen(good);

		memcpy(buf, good, n);
		memcpy(buf + n, "\0\nevil\"}", 9);
		assert_int_equal(fn("f", good, want, err), 0);
		assert_int_equal(fn("f", buf, out, err), 0);
		assert_string_equal(out, want);
		assert_null(strstr(out, "evil"));
	}
}

#define HOSTILE(fn, good)	hostile_around(fn, #fn, good)

/* A getter over a NULL-terminated list of name, value pairs. */
struct kv {
	const char	*k;
	const char	*v;
};

static const char *
kv_get(void *arg, const char *name)
{
	const struct kv *p;

	for (p = arg; p->k; p++)
		if (strcmp(p->k, name) == 0)
			return p->v;
	return NULL;
}

static json_t *
build(const char *type, const json_t *base, json_int_t id,
    const struct kv *kv)
{
	char ef[64] = "", err[VALID_ERR_MAX] = "";
	json_t *it;

	it = sd_item_build(sd_type(type), base, id, kv_get, (void *)kv, ef,
	    err, NULL);
	if (it == NULL)
		fail_msg("build %s: %s: %s", type, ef, err);
	return it;
}

/* Builds an item that must be refused; returns the error field. */
static const char *
build_bad(const char *type, const json_t *base, const struct kv *kv)
{
	static char ef[64];
	char err[VALID_ERR_MAX] = "";
	json_t *it;

	ef[0] = '\0';
	it = sd_item_build(sd_type(type), base, 1, kv_get, (void *)kv, ef,
	    err, NULL);
	if (it != NULL) {
		char *s = json_dumps(it, JSON_SORT_KEYS);

		fail_msg("build %s accepted %s", type, s);
	}
	check_err(err, NULL);
	assert_true(ef[0] != '\0');
	return ef;
}

/* Sorts and renders items (consumed) of a type; returns the text. */
static char *
render(const char *type, json_t *items)
{
	const struct dtype *t = sd_type(type);
	struct sbuf b;
	char *s;

	sbuf_init(&b, 1 << 20);
	sd_sort(t, items);
	assert_int_equal(sd_render(t, items, &b), 0);
	json_decref(items);
	s = sbuf_detach(&b, NULL);
	assert_non_null(s);
	return s;
}

static size_t
count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* A render: valid UTF-8, no control character but newline and tab. */
static void
check_render(const char *s)
{
	const unsigned char *p;

	assert_true(utf8_valid(s, strlen(s)));
	assert_true(s[0] == '\0' || s[strlen(s) - 1] == '\n');
	for (p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fail_msg("control byte 0x%02x in render", *p);
}

/* ---- firewall field checkers ---- */

static void
test_fw_action(void **state)
{
	OK(sd_check_fw_action, "allow", "allow");
	OK(sd_check_fw_action, "deny", "deny");
	OK(sd_check_fw_action, "reject", "reject");
	BAD(sd_check_fw_action, "");
	BAD(sd_check_fw_action, "Allow");
	BAD(sd_check_fw_action, "DENY");
	BAD(sd_check_fw_action, "accept");
	BAD(sd_check_fw_action, "drop");
	BAD(sd_check_fw_action, "Reject");
	BAD(sd_check_fw_action, "reject with tcp reset");
	BAD(sd_check_fw_action, "allowx");
	HOSTILE(sd_check_fw_action, "allow");
	HOSTILE(sd_check_fw_action, "deny");
	HOSTILE(sd_check_fw_action, "reject");
}

static void
test_fw_proto(void **state)
{
	OK(sd_check_fw_proto, "tcp", "tcp");
	OK(sd_check_fw_proto, "udp", "udp");
	OK(sd_check_fw_proto, "icmp", "icmp");
	OK(sd_check_fw_proto, "all", "all");
	BAD(sd_check_fw_proto, "");
	BAD(sd_check_fw_proto, "TCP");
	BAD(sd_check_fw_proto, "ip");
	BAD(sd_check_fw_proto, "icmpv6");
	BAD(sd_check_fw_proto, "ipv6-icmp");
	BAD(sd_check_fw_proto, "tcp,udp");
	BAD(sd_check_fw_proto, "sctp");
	HOSTILE(sd_check_fw_proto, "tcp");
	HOSTILE(sd_check_fw_proto, "all");
}

static void
test_fw_port(void **state)
{
	OK(sd_check_fw_port, "", "");
	OK(sd_check_fw_port, "22", "22");
	OK(sd_check_fw_port, "1", "1");
	OK(sd_check_fw_port, "65535", "65535");
	OK(sd_check_fw_port, "1000-2000", "1000-2000");
	OK(sd_check_fw_port, "1-65535", "1-65535");
	OK(sd_check_fw_port, "22-23", "22-23");
	BAD(sd_check_fw_port, "0");
	BAD(sd_check_fw_port, "65536");
	BAD(sd_check_fw_port, "99999999999999999999");
	BAD(sd_check_fw_port, "2000-1000");
	BAD(sd_check_fw_port, "22-22");
	BAD(sd_check_fw_port, "22,23");
	BAD(sd_check_fw_port, "-1");
	BAD(sd_check_fw_port, "-");
	BAD(sd_check_fw_port, "1-");
	BAD(sd_check_fw_port, "0-22");
	BAD(sd_check_fw_port, "22-65536");
	BAD(sd_check_fw_port, "1-2-3");
	BAD(sd_check_fw_port, "1--3");
	BAD(sd_check_fw_port, " 22");
	BAD(sd_check_fw_port, "22 ");
	BAD(sd_check_fw_port, "022");
	BAD(sd_check_fw_port, "22-023");
	BAD(sd_check_fw_port, "+22");
	BAD(sd_check_fw_port, "0x16");
	BAD(sd_check_fw_port, "22:23");
	BAD(sd_check_fw_port, "ssh");
	BAD(sd_check_fw_port, "{ 22, 23 }");
	BAD(sd_check_fw_port, "22 counter accept");
	BAD(sd_check_fw_port, "12345678-1");
	BAD(sd_check_fw_port, "1-12345678");
	HOSTILE(sd_check_fw_port, "22");
	HOSTILE(sd_check_fw_port, "1000-2000");
}

static void
test_fw_src(void **state)
{
	OK(sd_check_fw_src, "", "");
	OK(sd_check_fw_src, "192.0.2.1", "192.0.2.1");
	OK(sd_check_fw_src, "10.0.0.0/8", "10.0.0.0/8");
	OK(sd_check_fw_src, "10.1.2.3/32", "10.1.2.3");
	OK(sd_check_fw_src, "0.0.0.0/0", "0.0.0.0/0");
	OK(sd_check_fw_src, "2001:db8::1", "2001:db8::1");
	OK(sd_check_fw_src, "2001:DB8::1", "2001:db8::1");
	OK(sd_check_fw_src, "2001:0db8:0000:0000:0000:0000:0000:0001",
	    "2001:db8::1");
	OK(sd_check_fw_src, "2001:DB8::/32", "2001:db8::/32");
	OK(sd_check_fw_src, "2001:db8::1/128", "2001:db8::1");
	OK(sd_check_fw_src, "::/0", "::/0");
	OK(sd_check_fw_src, "::1", "::1");
	OK(sd_check_fw_src, "::ffff:192.0.2.1", "::ffff:192.0.2.1");
	BAD(sd_check_fw_src, "10.0.0.1/8");
	BAD(sd_check_fw_src, "2001:db8::1/32");
	BAD(sd_check_fw_src, "10.0.0.0/0");
	BAD(sd_check_fw_src, "10.0.0.0/33");
	BAD(sd_check_fw_src, "2001:db8::/129");
	BAD(sd_check_fw_src, "10.0.0.0/");
	BAD(sd_check_fw_src, "10.0.0.0/08");
	BAD(sd_check_fw_src, "10.0.0.0/-1");
	BAD(sd_check_fw_src, "10.0.0.0/+8");
	BAD(sd_check_fw_src, "10.0.0.0/8/8");
	BAD(sd_check_fw_src, "10.0.0.0/255.0.0.0");
	BAD(sd_check_fw_src, "/8");
	BAD(sd_check_fw_src, "10.0.0");
	BAD(sd_check_fw_src, "10.0.0.256");
	BAD(sd_check_fw_src, "010.0.0.1");
	BAD(sd_check_fw_src, "fe80::1%eth0");
	BAD(sd_check_fw_src, "[2001:db8::1]");
	BAD(sd_check_fw_src, "2001:db8:::1");
	BAD(sd_check_fw_src, "localhost");
	BAD(sd_check_fw_src, "10.0.0.0/8 tcp dport 22");
	BAD(sd_check_fw_src, "10.0.0.1,10.0.0.2");
	BAD(sd_check_fw_src, "{ 10.0.0.1 }");
	HOSTILE(sd_check_fw_src, "10.0.0.1");
	HOSTILE(sd_check_fw_src, "10.0.0.0/8");
	HOSTILE(sd_check_fw_src, "2001:db8::/32");
}

static void
test_fw_comment(void **state)
{
	char buf[200];

	OK(sd_check_fw_comment, "", "");
	OK(sd_check_fw_comment, "ssh from the office", "ssh from the office");
	/* inert inside an nft "...": braces, semicolons, quotes ' and # */
	OK(sd_check_fw_comment, "a;b {c} 'd' #e $f @g %h", NULL);
	OK(sd_check_fw_comment, " leading and trailing ", NULL);
	memset(buf, 'x', 100);
	buf[100] = '\0';
	OK(sd_check_fw_comment, buf, buf);
	buf[100] = 'x';
	buf[101] = '\0';
	BAD(sd_check_fw_comment, buf);
	BAD(sd_check_fw_comment, "a\"b");
	BAD(sd_check_fw_comment, "\"; drop; \"");
	BAD(sd_check_fw_comment, "a\\b");
	BAD(sd_check_fw_comment, "a\\");
	BAD(sd_check_fw_comment, "a\nb");
	BAD(sd_check_fw_comment, "a\rb");
	BAD(sd_check_fw_comment, "a\tb");
	BAD(sd_check_fw_comment, "a\x7f");
	BAD(sd_check_fw_comment, "\x1b[31m");
	BAD(sd_check_fw_comment, "caf\xc3\xa9");
	BAD(sd_check_fw_comment, "\xe2\x80\xa8");
	BAD(sd_check_fw_comment, "\xff");
	/* NUL truncation */
	{
		char out[OUTSZ], err[VALID_ERR_MAX];
		static const char v[] = "ok\0\"; drop";

		assert_int_equal(sd_check_fw_comment("f", v, out, err), 0);
		assert_string_equal(out, "ok");
	}
}

static void
test_order(void **state)
{
	OK(sd_check_order, "0", "0");
	OK(sd_check_order, "1000", "1000");
	OK(sd_check_order, "65535", "65535");
	BAD(sd_check_order, "");
	BAD(sd_check_order, "65536");
	BAD(sd_check_order, "-1");
	BAD(sd_check_order, "01");
	BAD(sd_check_order, "00");
	BAD(sd_check_order, "1e3");
	BAD(sd_check_order, "1000000000000000000000");
	HOSTILE(sd_check_order, "10");
}

/* ---- scheduler field checkers ---- */

static void
test_cron_fields_good(void **state)
{
	static const checker all[] = { sd_check_cron_minute,
	    sd_check_cron_hour, sd_check_cron_dom, sd_check_cron_month,
	    sd_check_cron_dow };
	static const char *const good[] = { "*", "*/5", "1,2,3", "1-5",
	    "1-6/2", "1-5,7", "*/2,3", "5", "05" };
	size_t i, j;

	for (i = 0; i < nitems_(all); i++)
		for (j = 0; j < nitems_(good); j++)
			ok_(all[i], "cron field", good[j], good[j], __LINE__);
	OK(sd_check_cron_minute, "1-10/2", "1-10/2");
	OK(sd_check_cron_minute, "0", "0");
	OK(sd_check_cron_minute, "59", "59");
	OK(sd_check_cron_minute, "0-59/15", "0-59/15");
	OK(sd_check_cron_minute, "*/59", "*/59");
	OK(sd_check_cron_hour, "23", "23");
	OK(sd_check_cron_hour, "0", "0");
	OK(sd_check_cron_dom, "31", "31");
	OK(sd_check_cron_dom, "1", "1");
	OK(sd_check_cron_month, "12", "12");
	OK(sd_check_cron_dow, "0", "0");
	OK(sd_check_cron_dow, "7", "7");
	OK(sd_check_cron_dow, "1-5", "1-5");
}

static void
test_cron_fields_bad(void **state)
{
	static const checker all[] = { sd_check_cron_minute,
	    sd_check_cron_hour, sd_check_cron_dom, sd_check_cron_month,
	    sd_check_cron_dow };
	static const char *const bad[] = { "", "*/0", "5/2", ",", "1,,2",
	    ",1", "1,", "a", "1-", "-1", "-", "*/", "/5", "**", "*-5",
	    "1-5/", "1-5/0", "1-5/x", "*/5/2", "1--5", "5-1", "005", "+1",
	    "0x1", "1.5", "1 2", " 1", "1 ", "1\t", "1;2", "jan", "mon",
	    "@reboot", "?", "L", "1#2", "*/-1", "*/999999999999999999999",
	    "1-99999999999999999999", "\xc2\xb9", "1\n* * * * root id",
	    "1\r", "\"1\"", "'1'", "\\1", "{1}" };
	size_t i, j;

	for (i = 0; i < nitems_(all); i++)
		for (j = 0; j < nitems_(bad); j++)
			bad_(all[i], "cron field", bad[j], __LINE__);
	BAD(sd_check_cron_minute, "60");
	BAD(sd_check_cron_minute, "0-60");
	BAD(sd_check_cron_minute, "*/60");
	BAD(sd_check_cron_hour, "24");
	BAD(sd_check_cron_hour, "20-24");
	BAD(sd_check_cron_hour, "*/24");
	BAD(sd_check_cron_dom, "0");
	BAD(sd_check_cron_dom, "0-5");
	BAD(sd_check_cron_dom, "32");
	BAD(sd_check_cron_month, "0");
	BAD(sd_check_cron_month, "13");
	BAD(sd_check_cron_month, "*/13");
	BAD(sd_check_cron_dow, "8");
	BAD(sd_check_cron_dow, "0-8");
	BAD(sd_check_cron_dow, "*/8");
}

static void
test_cron_fields_hostile(void **state)
{
	char buf[100];

	HOSTILE(sd_check_cron_minute, "*/5");
	HOSTILE(sd_check_cron_hour, "1-5");
	HOSTILE(sd_check_cron_dom, "1,15");
	HOSTILE(sd_check_cron_month, "*");
	HOSTILE(sd_check_cron_dow, "1-5/2");
	/* 64 characters is the limit */
	strcpy(buf, "1");
	while (strlen(buf) + 2 <= 64)
		strcat(buf, ",1");
	assert_int_equal(strlen(buf), 63);
	OK(sd_check_cron_minute, buf, buf);
	strcat(buf, "1");
	OK(sd_check_cron_minute, buf, buf);
	strcat(buf, ",1");
	BAD(sd_check_cron_minute, buf);
}

static void
test_cron_command(void **state)
{
	char buf[500];

	OK(sd_check_cron_command, "/usr/local/bin/backup", NULL);
	OK(sd_check_cron_command, "date +%F >> /var/log/x 2>&1", NULL);
	OK(sd_check_cron_command, "echo \"a;b\" | sed 's/{x}/y/' && true", NULL);
	OK(sd_check_cron_command, "echo caf\xc3\xa9 \xe6\x97\xa5", NULL);
	OK(sd_check_cron_command, "echo a\\b", NULL);
	OK(sd_check_cron_command, "echo trailing ", NULL);
	OK(sd_check_cron_command, "#not a comment", NULL);
	OK(sd_check_cron_command, "A=b", NULL);
	BAD(sd_check_cron_command, "");
	BAD(sd_check_cron_command, " echo");
	BAD(sd_check_cron_command, "\techo");
	BAD(sd_check_cron_command, "echo a\nb");
	BAD(sd_check_cron_command, "echo a\n* * * * * root id");
	BAD(sd_check_cron_command, "echo\r");
	BAD(sd_check_cron_command, "echo\ta");
	BAD(sd_check_cron_command, "echo \x1b[2J");
	BAD(sd_check_cron_command, "echo \x7f");
	BAD(sd_check_cron_command, "echo \xff");
	BAD(sd_check_cron_command, "echo \xc3");
	BAD(sd_check_cron_command, "echo \xed\xa0\x80");	/* surrogate */
	BAD(sd_check_cron_command, "echo \xc0\x8a");		/* overlong \n */
	memset(buf, 'x', 400);
	buf[400] = '\0';
	OK(sd_check_cron_command, buf, buf);
	buf[400] = 'x';
	buf[401] = '\0';
	BAD(sd_check_cron_command, buf);
	/* NUL truncation */
	{
		char out[OUTSZ], err[VALID_ERR_MAX];
		static const char v[] = "true\0\n* * * * * root id";

		assert_int_equal(sd_check_cron_command("f", v, out, err), 0);
		assert_string_equal(out, "true");
	}
}

static void
test_cron_user(void **state)
{
	OK(sd_check_cron_user, "root", "root");
	OK(sd_check_cron_user, "www-data", "www-data");
	OK(sd_check_cron_user, "_apt", "_apt");
	OK(sd_check_cron_user, "u1", "u1");
	OK(sd_check_cron_user, "abcdefghijklmnopqrstuvwxyz012345", NULL);
	BAD(sd_check_cron_user, "");
	BAD(sd_check_cron_user, "Root");
	BAD(sd_check_cron_user, "1user");
	BAD(sd_check_cron_user, "-user");
	BAD(sd_check_cron_user, "abcdefghijklmnopqrstuvwxyz0123456");
	BAD(sd_check_cron_user, "a b");
	BAD(sd_check_cron_user, "root id");
	BAD(sd_check_cron_user, "a:b");
	BAD(sd_check_cron_user, "a.b");
	BAD(sd_check_cron_user, "a$");
	HOSTILE(sd_check_cron_user, "root");
	HOSTILE(sd_check_cron_user, "www-data");
}

static void
test_onoff(void **state)
{
	OK(sd_check_onoff, "on", "on");
	OK(sd_check_onoff, "off", "off");
	BAD(sd_check_onoff, "");
	BAD(sd_check_onoff, "On");
	BAD(sd_check_onoff, "OFF");
	BAD(sd_check_onoff, "yes");
	BAD(sd_check_onoff, "1");
	BAD(sd_check_onoff, "true");
	HOSTILE(sd_check_onoff, "on");
	HOSTILE(sd_check_onoff, "off");
}

static void
test_comment(void **state)
{
	char buf[300];

	OK(sd_check_comment, "", "");
	OK(sd_check_comment, "nightly backup; {\"q\"} 'x' \\ %", NULL);
	OK(sd_check_comment, "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", NULL);
	OK(sd_check_comment, "  spaces  ", "  spaces  ");
	memset(buf, 'c', 255);
	buf[255] = '\0';
	OK(sd_check_comment, buf, buf);
	buf[255] = 'c';
	buf[256] = '\0';
	BAD(sd_check_comment, buf);
	BAD(sd_check_comment, "a\nb");
	BAD(sd_check_comment, "a\rb");
	BAD(sd_check_comment, "a\tb");
	BAD(sd_check_comment, "a\x7f");
	BAD(sd_check_comment, "a\x1b");
	BAD(sd_check_comment, "a\xff");
	BAD(sd_check_comment, "a\xe6\x97");
}

/* ---- mail patterns ---- */

static void
test_mail_pattern_good(void **state)
{
	OK(sd_check_mail_pattern, "example.com", "example.com");
	OK(sd_check_mail_pattern, "Example.COM", "example.com");
	OK(sd_check_mail_pattern, "User@Example.COM", "user@example.com");
	OK(sd_check_mail_pattern, "a.b+c@sub.example.org",
	    "a.b+c@sub.example.org");
	OK(sd_check_mail_pattern, "first_last-1@x-y.example", NULL);
	OK(sd_check_mail_pattern, "xn--bcher-kva.example", NULL);
	OK(sd_check_mail_pattern, "a@b.c", "a@b.c");
}

static void
test_mail_pattern_bad(void **state)
{
	char buf[400];

	BAD(sd_check_mail_pattern, "");
	BAD(sd_check_mail_pattern, "@example.com");
	BAD(sd_check_mail_pattern, "user@");
	BAD(sd_check_mail_pattern, "user@localhost");
	BAD(sd_check_mail_pattern, "localhost");
	BAD(sd_check_mail_pattern, ".a@example.com");
	BAD(sd_check_mail_pattern, "a.@example.com");
	BAD(sd_check_mail_pattern, "a..b@example.com");
	BAD(sd_check_mail_pattern, "a@b@example.com");
	BAD(sd_check_mail_pattern, "a@example..com");
	BAD(sd_check_mail_pattern, "a@.example.com");
	BAD(sd_check_mail_pattern, "example.com.");
	BAD(sd_check_mail_pattern, "-example.com");
	BAD(sd_check_mail_pattern, "example-.com");
	BAD(sd_check_mail_pattern, "exa_mple.com");
	BAD(sd_check_mail_pattern, "b\xc3\xbc" "cher.example");
	BAD(sd_check_mail_pattern, "m\xc3\xbc@example.com");
	BAD(sd_check_mail_pattern, "\xff@example.com");
	BAD(sd_check_mail_pattern, "exa mple.com");
	BAD(sd_check_mail_pattern, "example.com;");
	BAD(sd_check_mail_pattern, "example.com\nREJECT");
	BAD(sd_check_mail_pattern, "example.com\tOK");
	BAD(sd_check_mail_pattern, "example.com OK");
	BAD(sd_check_mail_pattern, "#example.com");
	BAD(sd_check_mail_pattern, "\"a b\"@example.com");
	BAD(sd_check_mail_pattern, "a%b@example.com");
	BAD(sd_check_mail_pattern, "a!b@example.com");
	BAD(sd_check_mail_pattern, "<a@example.com>");
	BAD(sd_check_mail_pattern, "/^.*$/");
	BAD(sd_check_mail_pattern, "[192.0.2.1]");
	/* 65 characters before '@' */
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@example.com");
	BAD(sd_check_mail_pattern, buf);
	buf[64] = '@';
	strcpy(buf + 65, "example.com");
	OK(sd_check_mail_pattern, buf, buf);
	/* a label of 64 */
	memset(buf, 'b', 64);
	strcpy(buf + 64, ".example");
	BAD(sd_check_mail_pattern, buf);
	memset(buf, 'b', 399);
	buf[399] = '\0';
	BAD(sd_check_mail_pattern, buf);
	HOSTILE(sd_check_mail_pattern, "example.com");
	HOSTILE(sd_check_mail_pattern, "user@example.com");
}

/* Every checker: random bytes never give an output with a control
 * character, and every message is clean. */
static void
test_checkers_random(void **state)
{
	static const checker all[] = { sd_check_fw_action, sd_check_fw_proto,
	    sd_check_fw_port, sd_check_fw_src, sd_check_fw_comment,
	    sd_check_order, sd_check_cron_minute, sd_check_cron_hour,
	    sd_check_cron_dom, sd_check_cron_month, sd_check_cron_dow,
	    sd_check_cron_command, sd_check_cron_user, sd_check_onoff,
	    sd_check_comment, sd_check_mail_pattern };
	static const char alpha[] = "0123456789-/,*:.@aAzZ \"'\\;{}\n\r\t%#"
	    "\xc3\xa9\xff\x7f";
	unsigned int seed = 12345;
	char in[40], out[OUTSZ], err[VALID_ERR_MAX];
	size_t i, k, n;
	int r;

	for (r = 0; r < 20000; r++) {
		n = (size_t)(rand_r(&seed) % (sizeof(in) - 1));
		for (k = 0; k < n; k++)
			in[k] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
		in[n] = '\0';
		for (i = 0; i < nitems_(all); i++) {
			err[0] = '\0';
			if (all[i]("f", in, out, err) == 0)
				check_out(out);
			else
				check_err(err, "f");
		}
	}
}

/* ---- sd_item_build ---- */

static void
test_build_defaults(void **state)
{
	json_t *it;

	it = build("firewall", NULL, 7, (struct kv[]){ { "action", "allow" },
	    { NULL, NULL } });
	assert_int_equal(json_integer_value(json_object_get(it, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(it, "action")),
	    "allow");
	assert_string_equal(json_string_value(json_object_get(it, "proto")),
	    "all");
	assert_string_equal(json_string_value(json_object_get(it, "port")), "");
	assert_string_equal(json_string_value(json_object_get(it, "src")), "");
	assert_string_equal(json_string_value(json_object_get(it, "comment")),
	    "");
	assert_string_equal(json_string_value(json_object_get(it, "order")),
	    "1000");
	assert_int_equal(json_object_size(it), 7);
	json_decref(it);

	it = build("scheduler", NULL, 1, (struct kv[]){ { "command", "true" },
	    { NULL, NULL } });
	assert_string_equal(json_string_value(json_object_get(it, "minute")),
	    "*");
	assert_string_equal(json_string_value(json_object_get(it, "hour")), "*");
	assert_string_equal(json_string_value(json_object_get(it, "dom")), "*");
	assert_string_equal(json_string_value(json_object_get(it, "month")),
	    "*");
	assert_string_equal(json_string_value(json_object_get(it, "dow")), "*");
	assert_string_equal(json_string_value(json_object_get(it, "user")),
	    "root");
	assert_string_equal(json_string_value(json_object_get(it, "active")),
	    "on");
	assert_string_equal(json_string_value(json_object_get(it, "comment")),
	    "");
	assert_int_equal(json_object_size(it), 10);
	json_decref(it);

	it = build("whitelist", NULL, 1, (struct kv[]){
	    { "pattern", "Example.ORG" }, { NULL, NULL } });
	assert_string_equal(json_string_value(json_object_get(it, "pattern")),
	    "example.org");
	assert_string_equal(json_string_value(json_object_get(it, "comment")),
	    "");
	assert_int_equal(json_object_size(it), 3);
	json_decref(it);

	/* canonical forms are what is stored */
	it = build("firewall", NULL, 2, (struct kv[]){ { "action", "deny" },
	    { "src", "2001:DB8::/32" }, { NULL, NULL } });
	assert_string_equal(json_string_value(json_object_get(it, "src")),
	    "2001:db8::/32");
	json_decref(it);
}

static void
test_build_required(void **state)
{
	char ef[64], err[VALID_ERR_MAX];
	enum sd_fail why;
	static const struct kv none[] = { { NULL, NULL } };

	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "proto", "tcp" }, { "port", "22" }, { NULL, NULL } }), "action");
	assert_string_equal(build_bad("scheduler", NULL, none), "command");
	assert_string_equal(build_bad("whitelist", NULL, none), "pattern");
	assert_string_equal(build_bad("blacklist", NULL, (struct kv[]){
	    { "comment", "x" }, { NULL, NULL } }), "pattern");
	/* the message names the field; the failure says its kind */
	assert_null(sd_item_build(sd_type("scheduler"), NULL, 1, kv_get,
	    (void *)none, ef, err, &why));
	assert_non_null(strstr(err, "command"));
	assert_non_null(strstr(err, "required"));
	assert_int_equal(why, SD_FAIL_REQUIRED);
}

static void
test_build_bad_field(void **state)
{
	char ef[64], err[VALID_ERR_MAX];
	enum sd_fail why;
	static const struct kv badutf[] = { { "action", "allow" },
	    { "comment", "\xc3" }, { NULL, NULL } };

	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "allow" }, { "proto", "sctp" }, { NULL, NULL } }),
	    "proto");
	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "allow" }, { "src", "10.0.0.1/8" }, { NULL, NULL } }),
	    "src");
	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "allow" }, { "comment", "a\"b" }, { NULL, NULL } }),
	    "comment");
	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "" }, { NULL, NULL } }), "action");
	assert_string_equal(build_bad("scheduler", NULL, (struct kv[]){
	    { "command", "true" }, { "hour", "24" }, { NULL, NULL } }), "hour");
	assert_string_equal(build_bad("scheduler", NULL, (struct kv[]){
	    { "command", "a\nb" }, { NULL, NULL } }), "command");
	assert_string_equal(build_bad("scheduler", NULL, (struct kv[]){
	    { "command", "true" }, { "active", "yes" }, { NULL, NULL } }),
	    "active");
	assert_string_equal(build_bad("blacklist", NULL, (struct kv[]){
	    { "pattern", "example.com\nREJECT" }, { NULL, NULL } }), "pattern");
	assert_string_equal(build_bad("whitelist", NULL, (struct kv[]){
	    { "pattern", "example.com" }, { "comment", "a\rb" },
	    { NULL, NULL } }), "comment");
	/* invalid UTF-8 is refused with its own message */
	assert_null(sd_item_build(sd_type("firewall"), NULL, 1, kv_get,
	    (void *)badutf, ef, err, &why));
	assert_int_equal(why, SD_FAIL_INVALID);
	assert_string_equal(ef, "comment");
	assert_non_null(strstr(err, "UTF-8"));
	check_err(err, "comment");
}

static void
test_build_merge(void **state)
{
	json_t *base, *it, *want;

	base = build("firewall", NULL, 5, (struct kv[]){ { "action", "allow" },
	    { "proto", "tcp" }, { "port", "22" }, { "src", "10.0.0.0/8" },
	    { "comment", "ssh" }, { "order", "10" }, { NULL, NULL } });
	/* only the given field changes */
	it = build("firewall", base, 5, (struct kv[]){ { "port", "2222" },
	    { NULL, NULL } });
	want = json_deep_copy(base);
	json_object_set_new(want, "port", json_string("2222"));
	assert_true(json_equal(it, want));
	json_decref(it);
	json_decref(want);
	/* "" is a value, not an absence */
	it = build("firewall", base, 5, (struct kv[]){ { "comment", "" },
	    { "src", "" }, { NULL, NULL } });
	assert_string_equal(json_string_value(json_object_get(it, "comment")),
	    "");
	assert_string_equal(json_string_value(json_object_get(it, "src")), "");
	assert_string_equal(json_string_value(json_object_get(it, "port")),
	    "22");
	json_decref(it);
	/* nothing given: the same item */
	it = build("firewall", base, 5, (struct kv[]){ { NULL, NULL } });
	assert_true(json_equal(it, base));
	json_decref(it);
	/* the base does not make a bad new value good */
	assert_string_equal(build_bad("firewall", base, (struct kv[]){
	    { "port", "0" }, { NULL, NULL } }), "port");
	/* the id given wins over the base's */
	it = build("firewall", base, 9, (struct kv[]){ { NULL, NULL } });
	assert_int_equal(json_integer_value(json_object_get(it, "id")), 9);
	json_decref(it);
	/* base unchanged */
	assert_string_equal(json_string_value(json_object_get(base, "port")),
	    "22");
	json_decref(base);

	base = build("scheduler", NULL, 3, (struct kv[]){ { "command", "true" },
	    { "minute", "5" }, { "user", "www-data" }, { NULL, NULL } });
	it = build("scheduler", base, 3, (struct kv[]){ { "active", "off" },
	    { NULL, NULL } });
	assert_string_equal(json_string_value(json_object_get(it, "active")),
	    "off");
	assert_string_equal(json_string_value(json_object_get(it, "minute")),
	    "5");
	assert_string_equal(json_string_value(json_object_get(it, "user")),
	    "www-data");
	assert_string_equal(json_string_value(json_object_get(it, "command")),
	    "true");
	json_decref(it);
	json_decref(base);
}

static void
test_build_cross(void **state)
{
	json_t *base, *it;

	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "allow" }, { "proto", "icmp" }, { "port", "22" },
	    { NULL, NULL } }), "port");
	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "allow" }, { "proto", "all" }, { "port", "22" },
	    { NULL, NULL } }), "port");
	/* proto defaults to all: a port alone is refused */
	assert_string_equal(build_bad("firewall", NULL, (struct kv[]){
	    { "action", "allow" }, { "port", "1000-2000" }, { NULL, NULL } }),
	    "port");
	it = build("firewall", NULL, 1, (struct kv[]){ { "action", "allow" },
	    { "proto", "udp" }, { "port", "53" }, { NULL, NULL } });
	json_decref(it);
	it = build("firewall", NULL, 1, (struct kv[]){ { "action", "allow" },
	    { "proto", "icmp" }, { "port", "" }, { NULL, NULL } });
	json_decref(it);

	/* through a merge: changing only proto of a rule with a port */
	base = build("firewall", NULL, 4, (struct kv[]){ { "action", "allow" },
	    { "proto", "tcp" }, { "port", "22" }, { NULL, NULL } });
	assert_string_equal(build_bad("firewall", base, (struct kv[]){
	    { "proto", "icmp" }, { NULL, NULL } }), "port");
	assert_string_equal(build_bad("firewall", base, (struct kv[]){
	    { "proto", "all" }, { NULL, NULL } }), "port");
	it = build("firewall", base, 4, (struct kv[]){ { "proto", "icmp" },
	    { "port", "" }, { NULL, NULL } });
	assert_string_equal(json_string_value(json_object_get(it, "proto")),
	    "icmp");
	json_decref(it);
	json_decref(base);
}

/* ---- sd_item_check ---- */

static void
check_refused(const char *type, json_t *it, const char *field)
{
	char ef[64] = "", err[VALID_ERR_MAX] = "";

	if (sd_item_check(sd_type(type), it, ef, err) != -1) {
		char *s = json_dumps(it, JSON_SORT_KEYS);

		fail_msg("sd_item_check accepted %s", s);
	}
	check_err(err, NULL);
	if (field)
		assert_string_equal(ef, field);
	json_decref(it);
}

static void
test_check_accepts_built(void **state)
{
	char ef[64], err[VALID_ERR_MAX];
	json_t *it;

	it = build("firewall", NULL, 1, (struct kv[]){ { "action", "deny" },
	    { "proto", "tcp" }, { "port", "1000-2000" },
	    { "src", "2001:DB8::/32" }, { "comment", "x; {y}" },
	    { NULL, NULL } });
	assert_int_equal(sd_item_check(sd_type("firewall"), it, ef, err), 0);
	json_decref(it);
	it = build("scheduler", NULL, 99, (struct kv[]){
	    { "command", "date +%F \"$x\"" }, { "minute", "*/5" },
	    { "dow", "1-5" }, { "active", "off" }, { NULL, NULL } });
	assert_int_equal(sd_item_check(sd_type("scheduler"), it, ef, err), 0);
	json_decref(it);
	it = build("whitelist", NULL, 3, (struct kv[]){
	    { "pattern", "User@Example.COM" }, { NULL, NULL } });
	assert_int_equal(sd_item_check(sd_type("whitelist"), it, ef, err), 0);
	assert_int_equal(sd_item_check(sd_type("blacklist"), it, ef, err), 0);
	/* a whitelist item is not a firewall item */
	assert_int_equal(sd_item_check(sd_type("firewall"), it, ef, err), -1);
	json_decref(it);
}

static json_t *
fw_item(void)
{
	return build("firewall", NULL, 3, (struct kv[]){ { "action", "allow" },
	    { "proto", "tcp" }, { "port", "22" }, { "src", "2001:db8::1" },
	    { NULL, NULL } });
}

static void
test_check_refuses(void **state)
{
	json_t *it;

	it = fw_item();
	json_object_set_new(it, "extra", json_string(""));
	check_refused("firewall", it, "item");

	it = fw_item();
	json_object_del(it, "comment");
	check_refused("firewall", it, "item");

	/* a missing field replaced by an extra one: same size */
	it = fw_item();
	json_object_del(it, "comment");
	json_object_set_new(it, "Comment", json_string(""));
	check_refused("firewall", it, "item");

	it = fw_item();
	json_object_set_new(it, "port", json_integer(22));
	check_refused("firewall", it, "item");

	it = fw_item();
	json_object_set_new(it, "comment", json_null());
	check_refused("firewall", it, "item");

	it = fw_item();
	json_object_set_new(it, "order", json_integer(1000));
	check_refused("firewall", it, "item");

	it = fw_item();
	json_object_set_new(it, "id", json_integer(0));
	check_refused("firewall", it, "id");

	it = fw_item();
	json_object_set_new(it, "id", json_integer(-5));
	check_refused("firewall", it, "id");

	it = fw_item();
	json_object_set_new(it, "id", json_string("3"));
	check_refused("firewall", it, "id");

	it = fw_item();
	json_object_set_new(it, "id", json_real(3.0));
	check_refused("firewall", it, "id");

	it = fw_item();
	json_object_del(it, "id");
	check_refused("firewall", it, "id");

	check_refused("firewall", json_array(), "id");
	check_refused("firewall", json_string("x"), "id");

	/* non-canonical values */
	it = fw_item();
	json_object_set_new(it, "src", json_string("2001:DB8::1"));
	check_refused("firewall", it, "item");

	it = fw_item();
	json_object_set_new(it, "src", json_string("2001:db8::1/128"));
	check_refused("firewall", it, "item");

	it = build("whitelist", NULL, 1, (struct kv[]){
	    { "pattern", "example.com" }, { NULL, NULL } });
	json_object_set_new(it, "pattern", json_string("Example.com"));
	check_refused("whitelist", it, "item");

	/* bad values, with the field named */
	it = fw_item();
	json_object_set_new(it, "comment", json_string("a\nb"));
	check_refused("firewall", it, "comment");

	it = fw_item();
	json_object_set_new(it, "action", json_string("accept"));
	check_refused("firewall", it, "action");

	it = build("scheduler", NULL, 1, (struct kv[]){ { "command", "true" },
	    { NULL, NULL } });
	json_object_set_new(it, "command",
	    json_string("true\n* * * * * root id"));
	check_refused("scheduler", it, "command");

	it = build("blacklist", NULL, 1, (struct kv[]){
	    { "pattern", "example.com" }, { NULL, NULL } });
	json_object_set_new(it, "pattern", json_string("example.com\tOK"));
	check_refused("blacklist", it, "pattern");

	/* a string with a NUL inside: the C view would look fine */
	it = fw_item();
	json_object_set_new(it, "comment", json_stringn("ok\0\"\n}", 6));
	check_refused("firewall", it, NULL);

	it = build("scheduler", NULL, 1, (struct kv[]){ { "command", "true" },
	    { NULL, NULL } });
	json_object_set_new(it, "command", json_stringn("true\0\nx", 7));
	check_refused("scheduler", it, NULL);

	/* the cross-field rule holds for received items too */
	it = fw_item();
	json_object_set_new(it, "proto", json_string("icmp"));
	check_refused("firewall", it, "port");
}

/* ---- sorting and rendering ---- */

static void
test_render_firewall(void **state)
{
	json_t *items = json_array();
	char *s;

	json_array_append_new(items, build("firewall", NULL, 3, (struct kv[]){
	    { "action", "allow" }, { "proto", "tcp" }, { "port", "22" },
	    { "src", "10.0.0.0/8" }, { "comment", "ssh" }, { "order", "10" },
	    { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 1, (struct kv[]){
	    { "action", "deny" }, { "order", "20" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 5, (struct kv[]){
	    { "action", "deny" }, { "proto", "tcp" }, { "comment", "rest" },
	    { "order", "100" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 2, (struct kv[]){
	    { "action", "allow" }, { "proto", "icmp" }, { "comment", "ping" },
	    { "order", "10" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 4, (struct kv[]){
	    { "action", "allow" }, { "proto", "udp" }, { "port", "1000-2000" },
	    { "src", "2001:DB8::/32" }, { "order", "5" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 6, (struct kv[]){
	    { "action", "allow" }, { "src", "192.0.2.7" }, { "order", "0" },
	    { "comment", "a;b {c} #d" }, { NULL, NULL } }));
	/* reject: a TCP reset only where nft knows the packet is tcp */
	json_array_append_new(items, build("firewall", NULL, 7, (struct kv[]){
	    { "action", "reject" }, { "proto", "tcp" }, { "port", "25" },
	    { "order", "200" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 8, (struct kv[]){
	    { "action", "reject" }, { "proto", "tcp" }, { "src", "::1" },
	    { "order", "200" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 9, (struct kv[]){
	    { "action", "reject" }, { "proto", "udp" }, { "port", "53" },
	    { "order", "200" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 10, (struct kv[]){
	    { "action", "reject" }, { "proto", "icmp" }, { "order", "200" },
	    { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 11, (struct kv[]){
	    { "action", "reject" }, { "src", "198.51.100.0/24" },
	    { "order", "200" }, { NULL, NULL } }));
	s = render("firewall", items);
	assert_string_equal(s,
	    "# hostfleet: managed file; changes made here are reported and "
	    "undone\n"
	    "table inet hostfleet\n"
	    "delete table inet hostfleet\n"
	    "table inet hostfleet {\n"
	    "\tchain input {\n"
	    "\t\ttype filter hook input priority 0; policy accept;\n"
	    "\t\tip saddr 192.0.2.7 counter accept comment \"hf-6: a;b {c} "
	    "#d\"\n"
	    "\t\tip6 saddr 2001:db8::/32 udp dport 1000-2000 counter accept "
	    "comment \"hf-4\"\n"
	    "\t\tmeta l4proto { icmp, ipv6-icmp } counter accept comment "
	    "\"hf-2: ping\"\n"
	    "\t\tip saddr 10.0.0.0/8 tcp dport 22 counter accept comment "
	    "\"hf-3: ssh\"\n"
	    "\t\tcounter drop comment \"hf-1\"\n"
	    "\t\tmeta l4proto tcp counter drop comment \"hf-5: rest\"\n"
	    "\t\ttcp dport 25 counter reject with tcp reset comment "
	    "\"hf-7\"\n"
	    "\t\tip6 saddr ::1 meta l4proto tcp counter reject with tcp reset "
	    "comment \"hf-8\"\n"
	    "\t\tudp dport 53 counter reject comment \"hf-9\"\n"
	    "\t\tmeta l4proto { icmp, ipv6-icmp } counter reject comment "
	    "\"hf-10\"\n"
	    "\t\tip saddr 198.51.100.0/24 counter reject comment \"hf-11\"\n"
	    "\t}\n"
	    "}\n");
	check_render(s);
	free(s);

	/* no rules */
	s = render("firewall", json_array());
	assert_int_equal(count_char(s, '\n'), 8);
	assert_non_null(strstr(s, "policy accept;\n\t}\n}\n"));
	free(s);
}

static void
test_render_scheduler(void **state)
{
	json_t *items = json_array();
	char *s;

	json_array_append_new(items, build("scheduler", NULL, 3, (struct kv[]){
	    { "command", "date +%F >> /tmp/d 100%" }, { "minute", "*/5" },
	    { "user", "www-data" }, { NULL, NULL } }));
	json_array_append_new(items, build("scheduler", NULL, 2, (struct kv[]){
	    { "command", "/bin/never" }, { "active", "off" },
	    { "comment", "disabled" }, { NULL, NULL } }));
	json_array_append_new(items, build("scheduler", NULL, 1, (struct kv[]){
	    { "command", "/usr/local/bin/backup --all" }, { "minute", "30" },
	    { "hour", "2" }, { "dow", "1-5" }, { "comment", "backup" },
	    { NULL, NULL } }));
	s = render("scheduler", items);
	assert_string_equal(s,
	    "# hostfleet: managed file; changes made here are reported and "
	    "undone\n"
	    "SHELL=/bin/sh\n"
	    "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n"
	    "# hf-1: backup\n"
	    "30 2 * * 1-5 root /usr/local/bin/backup --all\n"
	    "# hf-3\n"
	    "*/5 * * * * www-data date +\\%F >> /tmp/d 100\\%\n");
	check_render(s);
	assert_null(strstr(s, "never"));
	assert_null(strstr(s, "disabled"));
	free(s);

	/* all inactive: only the header */
	items = json_array();
	json_array_append_new(items, build("scheduler", NULL, 1, (struct kv[]){
	    { "command", "true" }, { "active", "off" }, { NULL, NULL } }));
	s = render("scheduler", items);
	assert_int_equal(count_char(s, '\n'), 3);
	free(s);
}

static void
test_render_lists(void **state)
{
	json_t *items;
	char *s;

	items = json_array();
	json_array_append_new(items, build("whitelist", NULL, 2, (struct kv[]){
	    { "pattern", "User@Example.COM" }, { "comment", "boss" },
	    { NULL, NULL } }));
	json_array_append_new(items, build("whitelist", NULL, 1, (struct kv[]){
	    { "pattern", "example.org" }, { NULL, NULL } }));
	s = render("whitelist", items);
	assert_string_equal(s,
	    "# hostfleet: managed file; changes made here are reported and "
	    "undone\n"
	    "example.org\tOK\n"
	    "user@example.com\tOK\n");
	check_render(s);
	free(s);

	items = json_array();
	json_array_append_new(items, build("blacklist", NULL, 1, (struct kv[]){
	    { "pattern", "spam.example" }, { "comment", "not rendered" },
	    { NULL, NULL } }));
	s = render("blacklist", items);
	assert_string_equal(s,
	    "# hostfleet: managed file; changes made here are reported and "
	    "undone\n"
	    "spam.example\tREJECT\n");
	free(s);

	s = render("blacklist", json_array());
	assert_int_equal(count_char(s, '\n'), 1);
	free(s);
}

/* Accepted values that look dangerous: each is rendered alone (with the
 * other fields at their defaults) and the line count must not move. */
struct hostile_ok {
	const char	*type;
	const char	*field;
	const char	*value;
};

static const struct hostile_ok accepted[] = {
	{ "firewall", "comment", "a;b" },
	{ "firewall", "comment", "} } table ip x { chain y {" },
	{ "firewall", "comment", "'single' #hash $var @set" },
	{ "firewall", "comment", "  " },
	{ "firewall", "comment", "%s%n%x" },
	{ "firewall", "comment",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" },
	{ "firewall", "src", "::ffff:10.0.0.1" },
	{ "firewall", "src", "0.0.0.0/0" },
	{ "firewall", "src", "::/0" },
	{ "firewall", "order", "65535" },
	{ "scheduler", "command", "echo \"a\" 'b' ; { c; } \\ %% \\ %" },
	{ "scheduler", "command", "%" },
	{ "scheduler", "command", "#" },
	{ "scheduler", "command", "echo \\" },
	{ "scheduler", "command", "A=b" },
	{ "scheduler", "command", "echo $(id) `id` > /dev/null 2>&1 &" },
	{ "scheduler", "command", "echo caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac" },
	{ "scheduler", "comment", "a\\" },
	{ "scheduler", "comment", "%%%" },
	{ "scheduler", "minute", "0-59/59" },
	{ "scheduler", "dow", "0,7" },
	{ "scheduler", "user", "_" },
	{ "whitelist", "pattern", "a+b_c-d.e@x-1.example" },
	{ "whitelist", "comment", "x\\y \"z\"" },
	{ "blacklist", "pattern", "xn--bcher-kva.example" },
};

static void
test_render_no_injection(void **state)
{
	size_t i, j;

	for (i = 0; i < nitems_(accepted); i++) {
		const struct hostile_ok *h = &accepted[i];
		struct kv kv[3] = { { h->field, h->value }, { NULL, NULL },
		    { NULL, NULL } };
		json_t *items = json_array();
		size_t want, nitem = 3;
		char *s;

		if (strcmp(h->type, "firewall") == 0 &&
		    strcmp(h->field, "action") != 0)
			kv[1] = (struct kv){ "action", "allow" };
		else if (strcmp(h->type, "scheduler") == 0 &&
		    strcmp(h->field, "command") != 0)
			kv[1] = (struct kv){ "command", "true" };
		else if (strcmp(h->type, "scheduler") != 0 &&
		    strcmp(h->type, "firewall") != 0 &&
		    strcmp(h->field, "pattern") != 0)
			kv[1] = (struct kv){ "pattern", "example.com" };
		for (j = 0; j < nitem; j++)
			json_array_append_new(items, build(h->type, NULL,
			    (json_int_t)(j * 1000 + 1), kv));
		s = render(h->type, items);
		check_render(s);
		if (strcmp(h->type, "firewall") == 0)
			want = 6 + nitem + 2;
		else if (strcmp(h->type, "scheduler") == 0)
			want = 3 + 2 * nitem;
		else
			want = 1 + nitem;
		if (count_char(s, '\n') != want)
			fail_msg("%s.%s \"%s\": %zu lines, want %zu:\n%s",
			    h->type, h->field, h->value, count_char(s, '\n'),
			    want, s);
		if (strcmp(h->type, "firewall") == 0) {
			/* each rule line holds exactly one quoted string */
			char *line, *save = NULL;
			size_t rules = 0;

			for (line = strtok_r(s, "\n", &save); line;
			    line = strtok_r(NULL, "\n", &save)) {
				if (strncmp(line, "\t\t", 2) != 0 ||
				    strncmp(line, "\t\ttype ", 7) == 0)
					continue;
				rules++;
				assert_int_equal(count_char(line, '"'), 2);
				assert_non_null(strstr(line, " comment \"hf-"));
				assert_int_equal(line[strlen(line) - 1], '"');
			}
			assert_int_equal(rules, nitem);
		}
		free(s);
	}
}

/*
 * What cron (Vixie cron, cronie) makes of the command part of a line
 * (do_command.c): a '\' escapes the next byte; "\%" gives '%', "\x" stays
 * "\x"; the first unescaped '%' ends the command, the rest goes to stdin.
 */
static void
cron_parse(const char *line, char *cmd, char *in)
{
	int escaped = 0;

	for (; *line; line++) {
		if (escaped) {
			if (*line == '%')
				cmd[-1] = '%';
			else
				*cmd++ = *line;
			escaped = 0;
			continue;
		}
		*cmd++ = *line;
		if (*line == '\\') {
			escaped = 1;
			continue;
		}
		if (*line == '%') {
			cmd--;
			line++;
			break;
		}
	}
	*cmd = '\0';
	strcpy(in, line);
}

/* The command cron runs for a job with this command. */
static void
cron_runs(const char *command, char *cmd, char *in)
{
	json_t *items = json_array();
	char *s, *last, *p;
	int k;

	json_array_append_new(items, build("scheduler", NULL, 1, (struct kv[]){
	    { "command", command }, { NULL, NULL } }));
	s = render("scheduler", items);
	s[strlen(s) - 1] = '\0';
	last = strrchr(s, '\n') + 1;
	/* skip the five time fields and the user */
	for (p = last, k = 0; k < 6; k++)
		p = strchr(p, ' ') + 1;
	cron_parse(p, cmd, in);
	free(s);
}

static void
test_render_cron_percent(void **state)
{
	static const char *const cmds[] = { "date +%F", "printf '%s\\n' x",
	    "%", "%%", "a%b%c", "echo 100% done", "echo a\\b %",
	    "echo \\\\ %x", "echo \\" };
	char cmd[1000], in[1000];
	size_t i;

	for (i = 0; i < nitems_(cmds); i++) {
		cron_runs(cmds[i], cmd, in);
		assert_string_equal(cmd, cmds[i]);
		assert_string_equal(in, "");
	}
}

/*
 * A '\' right before a '%' in a command would pair with the '\' that
 * cron_render adds, so cron would see a bare '%': "date +\%F" (as people
 * copy it from crontabs) would run "date +\\" with "F" on stdin.  Such
 * commands are refused; any accepted one runs exactly as stored.
 */
static void
test_render_cron_backslash_percent(void **state)
{
	static const char *const cmds[] = { "date +\\%F", "echo a\\%b",
	    "echo \\\\\\%" };
	char cmd[1000], in[1000], ef[64], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < nitems_(cmds); i++) {
		struct kv kv[] = { { "command", cmds[i] }, { NULL, NULL } };
		json_t *it;

		it = sd_item_build(sd_type("scheduler"), NULL, 1, kv_get, kv,
		    ef, err, NULL);
		if (it == NULL)
			continue;	/* refused: fine */
		json_decref(it);
		cron_runs(cmds[i], cmd, in);
		if (strcmp(cmd, cmds[i]) != 0 || in[0] != '\0') {
			print_message("command \"%s\" runs as \"%s\" with "
			    "stdin \"%s\"\n", cmds[i], cmd, in);
			fail();
		}
	}
}

/* Runs nft -c on text; the exit status of the shell. */
static int
nft_check(const char *bin, const char *text, int verbose)
{
	char path[] = "/tmp/hf-test-sysdata-XXXXXX", cmd[256];
	FILE *f;
	int fd, rc;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s -c -f %s%s", bin, path,
	    verbose ? "" : " >/dev/null 2>&1");
	rc = system(cmd);
	unlink(path);
	return rc;
}

/* The firewall file is checked by nft itself when it can be. */
static void
test_render_firewall_nft(void **state)
{
	static const char *const nft[] = { "/usr/sbin/nft", "/sbin/nft",
	    NULL };
	const char *bin = NULL;
	json_t *items = json_array();
	size_t i;
	char *s;
	int rc;

	for (i = 0; nft[i]; i++)
		if (access(nft[i], X_OK) == 0)
			bin = nft[i];
	if (bin == NULL || nft_check(bin, "table inet hf_probe {\n"
	    "\tchain c {\n\t\tcounter accept comment \"x\"\n\t}\n}\n",
	    0) != 0) {
		print_message("nft -c not usable here (tools/deps.sh "
		    "installs nftables)\n");
		json_decref(items);
		fail();
	}
	json_array_append_new(items, build("firewall", NULL, 1, (struct kv[]){
	    { "action", "allow" }, { "proto", "tcp" }, { "port", "22" },
	    { "src", "10.0.0.0/8" }, { "comment", "a;b {c} #d $e 'f' @g" },
	    { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 2, (struct kv[]){
	    { "action", "deny" }, { "proto", "udp" }, { "port", "1-65535" },
	    { "src", "2001:DB8::/32" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 3, (struct kv[]){
	    { "action", "allow" }, { "proto", "icmp" },
	    { "src", "::ffff:192.0.2.1" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 4, (struct kv[]){
	    { "action", "deny" }, { "proto", "udp" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 5, (struct kv[]){
	    { "action", "allow" }, { "src", "0.0.0.0/0" }, { NULL, NULL } }));
	/* reject with every protocol, with and without a port or source */
	json_array_append_new(items, build("firewall", NULL, 6, (struct kv[]){
	    { "action", "reject" }, { "proto", "tcp" }, { "port", "25" },
	    { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 7, (struct kv[]){
	    { "action", "reject" }, { "proto", "tcp" }, { "src", "2001:db8::1" },
	    { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 8, (struct kv[]){
	    { "action", "reject" }, { "proto", "udp" }, { "port", "53" },
	    { "src", "192.0.2.0/24" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 9, (struct kv[]){
	    { "action", "reject" }, { "proto", "udp" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 10, (struct kv[]){
	    { "action", "reject" }, { "proto", "icmp" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 11, (struct kv[]){
	    { "action", "reject" }, { "src", "::/0" }, { NULL, NULL } }));
	json_array_append_new(items, build("firewall", NULL, 12, (struct kv[]){
	    { "action", "reject" }, { NULL, NULL } }));
	/* the longest comment nft gets: 124 of its 128 characters */
	json_array_append_new(items, build("firewall",
	    NULL, INT64_C(9223372036854775807), (struct kv[]){
	    { "action", "deny" }, { "comment",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789" }, { NULL, NULL } }));
	s = render("firewall", items);
	rc = nft_check(bin, s, 0);
	if (rc != 0) {
		print_message("%s", s);
		(void)nft_check(bin, s, 1);
	}
	free(s);
	assert_int_equal(rc, 0);
}

/* ---- the type table ---- */

static void
test_software(void **state)
{
	const struct dtype *t = sd_type("software");
	const struct sd_sw_default *d;
	char buf[200], out[OUTSZ], err[VALID_ERR_MAX];

	OK(sd_check_sw_role, "", "");
	OK(sd_check_sw_role, "web", "web");
	OK(sd_check_sw_role, "mail", "mail");
	BAD(sd_check_sw_role, "Web");
	BAD(sd_check_sw_role, "db");
	BAD(sd_check_sw_role, "web,dns");
	BAD(sd_check_sw_role, " web");
	OK(sd_check_sw_package, "nginx-light", "nginx-light");
	OK(sd_check_sw_package, "libstdc++6", "libstdc++6");
	OK(sd_check_sw_package, "php8.2-fpm", "php8.2-fpm");
	OK(sd_check_sw_package, "0ad", "0ad");
	BAD(sd_check_sw_package, "");
	BAD(sd_check_sw_package, "a");
	BAD(sd_check_sw_package, "-oAPT::Get=x");	/* never an option */
	BAD(sd_check_sw_package, "+a");
	BAD(sd_check_sw_package, ".a");
	BAD(sd_check_sw_package, "Nginx");
	BAD(sd_check_sw_package, "nginx light");
	BAD(sd_check_sw_package, "nginx;reboot");
	BAD(sd_check_sw_package, "nginx\nx");
	BAD(sd_check_sw_package, "nginx$(id)");
	BAD(sd_check_sw_package, "nginx:amd64");
	BAD(sd_check_sw_package, "nginx=1.2");
	BAD(sd_check_sw_package, "nginx_1");
	BAD(sd_check_sw_package, "caf\xc3\xa9");
	memset(buf, 'a', SD_PKG_MAX);
	buf[SD_PKG_MAX] = '\0';
	OK(sd_check_sw_package, buf, buf);
	buf[SD_PKG_MAX] = 'a';
	buf[SD_PKG_MAX + 1] = '\0';
	BAD(sd_check_sw_package, buf);

	/* every node takes the list; the highest priority */
	assert_non_null(t);
	assert_true(sd_type_matches(t, ""));
	assert_true(sd_type_matches(t, "dns"));
	assert_true(t->priority > sd_type("firewall")->priority);
	/* the defaults pass their own grammar, and every role has some */
	for (d = sd_software_defaults; d->package; d++) {
		assert_int_equal(sd_check_sw_role("role", d->role, out, err), 0);
		assert_int_equal(sd_check_sw_package("package", d->package, out,
		    err), 0);
	}
	assert_true(d - sd_software_defaults >= 4);
}

static void
test_render_software(void **state)
{
	const struct dtype *t = sd_type("software");
	json_t *items = json_pack("[{s:I,s:s,s:s},{s:I,s:s,s:s}]",
	    "id", (json_int_t)2, "role", "web", "package", "nginx-light",
	    "id", (json_int_t)1, "role", "", "package", "cron");
	struct sbuf b;

	sbuf_init(&b, 1 << 16);
	sd_sort(t, items);
	assert_int_equal(sd_render(t, items, &b), 0);
	assert_string_equal(strchr(sbuf_str(&b), '\n') + 1,
	    "* cron\nweb nginx-light\n");
	sbuf_release(&b);
	json_decref(items);
}

static void
test_types(void **state)
{
	const struct dtype *t;
	size_t i;

	assert_int_equal(sd_ntypes, 6);
	for (i = 0; i < sd_ntypes; i++) {
		const struct field *f;

		t = sd_type(sd_types[i].name);
		assert_ptr_equal(t, &sd_types[i]);
		assert_int_equal(sd_type_index(t), (int)i);
		assert_non_null(t->render);
		assert_null(strstr(t->path, ".."));
		assert_true(t->path[0] != '/');
		for (f = t->fields; f->name; f++) {
			char out[OUTSZ], err[VALID_ERR_MAX];

			assert_non_null(f->check);
			/* every default passes its own check unchanged */
			if (f->def) {
				assert_int_equal(f->check(f->name, f->def, out,
				    err), 0);
				assert_string_equal(out, f->def);
			}
		}
		if (i > 0)
			assert_true(sd_types[i - 1].priority > t->priority);
	}
	/* the software first: the other types need its packages */
	assert_string_equal(sd_types[0].name, "software");
	assert_string_equal(sd_types[1].name, "firewall");
	assert_null(sd_type("nope"));
	assert_null(sd_type(""));
	assert_null(sd_type("Firewall"));
	assert_null(sd_type("firewall "));
	assert_null(sd_type("mail"));
	assert_int_equal(sd_type_index(sd_type("blacklist")), 4);
	assert_int_equal(sd_type_index(sd_type("scheduler")), 2);
	/* Debian's cron reads a file of cron.d only if its name is letters,
	 * digits, '_' and '-' (run-parts' names): no dot, no suffix */
	t = sd_type("scheduler");
	assert_int_equal(strncmp(t->path, "etc/cron.d/", 11), 0);
	assert_true(t->path[11] != '\0');
	assert_int_equal(strspn(t->path + 11, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"), strlen(t->path + 11));
}

static void
test_type_matches(void **state)
{
	const struct dtype *fw = sd_type("firewall");
	const struct dtype *cron = sd_type("scheduler");
	const struct dtype *wl = sd_type("whitelist");
	const struct dtype *bl = sd_type("blacklist");

	assert_true(sd_type_matches(fw, ""));
	assert_true(sd_type_matches(fw, "web"));
	assert_true(sd_type_matches(cron, "web,dns,mail"));
	assert_true(sd_type_matches(wl, "mail"));
	assert_true(sd_type_matches(wl, "web,mail"));
	assert_true(sd_type_matches(wl, "dns,mail"));
	assert_true(sd_type_matches(wl, "web,dns,mail"));
	assert_true(sd_type_matches(bl, "web,dns,mail"));
	assert_false(sd_type_matches(wl, ""));
	assert_false(sd_type_matches(wl, "web"));
	assert_false(sd_type_matches(wl, "web,dns"));
	assert_false(sd_type_matches(bl, "dns"));
	/* not canonical, but a word must match whole */
	assert_false(sd_type_matches(wl, "mailx"));
	assert_false(sd_type_matches(wl, "xmail"));
	assert_false(sd_type_matches(wl, "web,mailx"));
	assert_true(sd_type_matches(wl, "mailx,mail"));
}

/* ---- templates ---- */

static void
test_tpl_body(void **state)
{
	char out[OUTSZ], err[VALID_ERR_MAX], big[SD_TPL_BODY_MAX + 2];

	(void)state;
	assert_int_equal(sd_check_tpl_body("body", "a;\r\nb;\n\n  ", out,
	    err), 0);
	assert_string_equal(out, "a;\nb;");
	assert_int_equal(sd_check_tpl_body("body", out, out, err), 0);
	assert_string_equal(out, "a;\nb;");
	assert_int_equal(sd_check_tpl_body("body", "\tx = 1", out, err), 0);
	assert_int_equal(sd_check_tpl_body("body", "", out, err), -1);
	assert_int_equal(sd_check_tpl_body("body", " \n", out, err), -1);
	assert_int_equal(sd_check_tpl_body("body", "a\rb;", out, err), -1);
	assert_int_equal(sd_check_tpl_body("body", "a\x01;", out, err), -1);
	assert_int_equal(sd_check_tpl_body("body", "caf\xc3\xa9;", out, err),
	    -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(sd_check_tpl_body("body", big, out, err), -1);
	big[SD_TPL_BODY_MAX] = '\0';
	assert_int_equal(sd_check_tpl_body("body", big, out, err), 0);
	assert_int_equal(sd_check_tpl_name("name", "nginx_site_extra", out,
	    err), 0);
	assert_int_equal(sd_check_tpl_name("name", "nginx", out, err), -1);
}

static void
test_tpl_slots(void **state)
{
	static const struct {
		const char	*slot, *body;
		int		 ok;
	} c[] = {
		{ "nginx_site_extra", "add_header X-A yes;", 1 },
		{ "nginx_site_extra", "add_header X-A yes;\ngzip on;", 1 },
		{ "nginx_site_extra", "location /x {\n\treturn 404;\n}", 1 },
		{ "nginx_site_extra", "add_header X \"a } b;\";", 1 },
		{ "nginx_site_extra", "# only a comment }", 1 },
		{ "nginx_site_extra", "add_header;", 1 },	/* nginx -t's */
		{ "nginx_site_extra", "}", 0 },
		{ "nginx_site_extra", "} server { listen 80;", 0 },
		{ "nginx_site_extra", "location / {", 0 },
		{ "nginx_site_extra", "add_header X y", 0 },
		{ "nginx_site_extra", "add_header X \"y;", 0 },
		{ "nginx_site_extra", "include /etc/passwd;", 0 },
		{ "nginx_site_extra", "listen 8080;", 0 },
		{ "nginx_site_extra", "root /;", 0 },
		{ "nginx_site_extra", "gzip on; server_name x;", 0 },
		{ "php_pool_extra", "php_admin_value[memory_limit] = 64M", 1 },
		{ "php_pool_extra", "; a comment\n\npm.max_children = 4", 1 },
		{ "php_pool_extra", "user = root", 0 },
		{ "php_pool_extra", "listen.mode = 0666", 0 },
		{ "php_pool_extra", "php_admin_value[open_basedir] = /", 0 },
		{ "php_pool_extra", "[www]", 0 },
		{ "php_pool_extra", "# hash comment", 0 },
		{ "php_pool_extra", "no equals sign", 0 },
		{ "dovecot_extra", "mail_max_userip_connections = 20", 1 },
		{ "dovecot_extra", "protocol imap {\n  mail_max_userip_"
		  "connections = 5\n}", 1 },
		{ "dovecot_extra", "!include /etc/shadow", 0 },
		{ "dovecot_extra", "passdb {\n driver = static\n}", 0 },
		{ "dovecot_extra", "}", 0 },
		{ "dovecot_extra", "a = b;", 0 },
		{ "no_such_slot", "x;", 0 },
	};
	char err[VALID_ERR_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		err[0] = '\0';
		if ((sd_tpl_check(c[i].slot, c[i].body, err) == 0) != c[i].ok)
			fail_msg("%s \"%s\": %s", c[i].slot, c[i].body,
			    c[i].ok ? err : "accepted");
	}
}

static const char *
tpl_get(void *arg, const char *name)
{
	const char *const *kv = arg;

	for (; *kv; kv += 2)
		if (strcmp(kv[0], name) == 0)
			return kv[1];
	return NULL;
}

static void
test_tpl_render_parse(void **state)
{
	const struct dtype *t = sd_type("templates");
	const char *a[] = { "name", "nginx_site_extra", "body", "gzip on;",
	    NULL };
	const char *b[] = { "name", "nginx_site_extra", "body",
	    "add_header X y;", NULL };
	const char *c[] = { "name", "php_pool_extra", "body", "user = root",
	    NULL };
	char ef[64], err[VALID_ERR_MAX];
	json_t *items = json_array(), *set, *it;
	struct sbuf out;

	(void)state;
	assert_non_null(t);
	assert_string_equal(t->role, "");
	json_array_append_new(items, sd_item_build(t, NULL, 2, tpl_get, b, ef,
	    err, NULL));
	json_array_append_new(items, sd_item_build(t, NULL, 1, tpl_get, a, ef,
	    err, NULL));
	assert_null(sd_item_build(t, NULL, 3, tpl_get, c, ef, err, NULL));
	assert_string_equal(ef, "body");
	it = json_array_get(items, 0);
	assert_int_equal(sd_item_check(t, it, ef, err), 0);
	sd_sort(t, items);
	sbuf_init(&out, 1u << 20);
	assert_int_equal(sd_render(t, items, &out), 0);
	set = sd_tpl_parse(sbuf_str(&out), err);
	assert_non_null(set);
	/* joined in id order */
	assert_string_equal(json_string_value(json_object_get(set,
	    "nginx_site_extra")), "gzip on;\nadd_header X y;");
	json_decref(set);
	sbuf_release(&out);
	/* an empty set renders as {} and parses back */
	json_array_clear(items);
	sbuf_init(&out, 1u << 20);
	assert_int_equal(sd_render(t, items, &out), 0);
	set = sd_tpl_parse(sbuf_str(&out), err);
	assert_non_null(set);
	assert_int_equal(json_object_size(set), 0);
	json_decref(set);
	sbuf_release(&out);
	/* a hand-edited file is refused */
	assert_null(sd_tpl_parse("{\"nginx_site_extra\": \"}\"}", err));
	assert_null(sd_tpl_parse("{\"other\": \"x;\"}", err));
	assert_null(sd_tpl_parse("[]", err));
	assert_null(sd_tpl_parse("{\"nginx_site_extra\": 1}", err));
	json_decref(items);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fw_action),
		cmocka_unit_test(test_fw_proto),
		cmocka_unit_test(test_fw_port),
		cmocka_unit_test(test_fw_src),
		cmocka_unit_test(test_fw_comment),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_cron_fields_good),
		cmocka_unit_test(test_cron_fields_bad),
		cmocka_unit_test(test_cron_fields_hostile),
		cmocka_unit_test(test_cron_command),
		cmocka_unit_test(test_cron_user),
		cmocka_unit_test(test_onoff),
		cmocka_unit_test(test_comment),
		cmocka_unit_test(test_mail_pattern_good),
		cmocka_unit_test(test_mail_pattern_bad),
		cmocka_unit_test(test_checkers_random),
		cmocka_unit_test(test_build_defaults),
		cmocka_unit_test(test_build_required),
		cmocka_unit_test(test_build_bad_field),
		cmocka_unit_test(test_build_merge),
		cmocka_unit_test(test_build_cross),
		cmocka_unit_test(test_check_accepts_built),
		cmocka_unit_test(test_check_refuses),
		cmocka_unit_test(test_render_firewall),
		cmocka_unit_test(test_render_scheduler),
		cmocka_unit_test(test_render_lists),
		cmocka_unit_test(test_render_no_injection),
		cmocka_unit_test(test_render_cron_percent),
		cmocka_unit_test(test_render_cron_backslash_percent),
		cmocka_unit_test(test_render_firewall_nft),
		cmocka_unit_test(test_software),
		cmocka_unit_test(test_render_software),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_type_matches),
		cmocka_unit_test(test_tpl_body),
		cmocka_unit_test(test_tpl_slots),
		cmocka_unit_test(test_tpl_render_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
