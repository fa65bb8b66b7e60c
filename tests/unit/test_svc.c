/* test_svc.c - unit tests of src/node/svc_web.c, svc_dns.c, svc_mail.c:
 * the renderers' output, their refusal of hostile items, and the backends'
 * render, check and install (backend_put) against a temporary host root with the real checkers (nginx -t,
 * named-checkzone/named-checkconf, postmap/postconf, doveconf).
 *
 * The property that matters most: no item can put a byte into a file that
 * ends its line, its field or its quoting; it is refused or escaped.  The
 * apply tests need root (chown, port 80 for nginx -t) and the services'
 * tools (tools/deps.sh installs them): without them they fail, never
 * skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/common/sbuf.h"
#include "../../src/common/util.h"
#include "../../src/node/backend.h"
#include "../../src/node/node.h"
#include "../../src/node/render.h"
#include "../../src/node/svcctl.h"
#include "../../src/node/svc_util.h"

#define ERRLEN	512
#define HASH	"$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"

/* ---- helpers ---- */

static json_t *
J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test json: %s: %s", e.text, text);
	return j;
}

/* An error for people: one line, printable, not empty. */
static void
check_err(const char *err)
{
	const unsigned char *p;

	assert_true(strlen(err) > 0);
	for (p = (const unsigned char *)err; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			fail_msg("unprintable byte 0x%02x in error \"%s\"", *p,
			    err);
}

static int
has(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL) {
		print_message("missing \"%s\" in:\n%s\n", needle, hay);
		return 0;
	}
	return 1;
}

/* Whether the command can be found on PATH. */
static int
have_tool(const char *name)
{
	char path[512];
	const char *dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin" };
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return 1;
	}
	return 0;
}

/* The backend of role renders, checks and installs want (decref'd here):
 * 0 or -1 with err. */
static int
put(struct node_agent *a, const char *role, json_t *want, char *err,
    size_t errlen)
{
	struct btx tx;
	int rc;

	btx_init(&tx, a, backend_for(role));
	rc = backend_put(&tx, want, err, errlen);
	btx_release(&tx);
	json_decref(want);
	return rc;
}

static int
web_put(struct node_agent *a, json_t *sites, json_t *accts, char *err,
    size_t errlen)
{
	return put(a, "web", json_pack("{s:O,s:O}", "webdomain", sites,
	    "account", accts), err, errlen);
}

static int
dns_put(struct node_agent *a, json_t *zones, char *err, size_t errlen)
{
	return put(a, "dns", json_pack("{s:O}", "zone", zones), err, errlen);
}

static int
mail_put(struct node_agent *a, json_t *doms, json_t *mbs, json_t *accts,
    char *err, size_t errlen)
{
	return put(a, "mail", json_pack("{s:O,s:O,s:O}", "emaildomain", doms,
	    "mailbox", mbs, "account", accts), err, errlen);
}

/* A temporary host root in a node_agent of its own. */
static struct node_agent *
agent_new(void)
{
	struct node_agent *a = calloc(1, sizeof(*a));
	char tmpl[] = "/tmp/test_svc.XXXXXX";

	assert_non_null(a);
	assert_non_null(mkdtemp(tmpl));
	strlcpy_hf(a->conf.root, tmpl, sizeof(a->conf.root));
	return a;
}

static void
agent_free(struct node_agent *a)
{
	(void)rmtree(a->conf.root);
	free(a);
}

static char *
slurp(struct node_agent *a, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", a->conf.root, rel);
	return file_read(p, 1u << 24, NULL);
}

static int
exists(struct node_agent *a, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", a->conf.root, rel);
	return access(p, F_OK) == 0;
}

/* ---- web ---- */

static const char *ACCT = "{\"name\":\"alice\",\"uid\":2001,\"gid\":2001,"
    "\"active\":true,\"home\":\"var/www/alice\"}";

static int
web(const char *site, const char *acct, const char *root, char **out,
    char *err)
{
	json_t *s = J(site), *a = J(acct);
	struct sbuf b;
	int rc;

	sbuf_init(&b, 1u << 20);
	err[0] = '\0';
	rc = render_nginx_site(s, a, root, NULL, &b, err, ERRLEN);
	*out = sbuf_detach(&b, NULL);
	json_decref(s);
	json_decref(a);
	return rc;
}

static void
test_web_render(void **state)
{
	char err[ERRLEN], *o;

	(void)state;
	assert_int_equal(web("{\"name\":\"example.com\",\"owner\":\"alice\","
	    "\"aliases\":[\"www.example.com\",\"*.example.org\"],"
	    "\"home\":\"www/example.com\",\"ipaddr\":\"127.0.0.7\","
	    "\"php_mode\":\"php_fpm\",\"php_version\":\"8.1\","
	    "\"redirect_http\":false,\"log_access\":true,\"log_error\":true}",
	    ACCT, "/srv/r", &o, err), 0);
	assert_true(has(o, "server {\n"));
	assert_true(has(o, "\tlisten 127.0.0.7:80;\n"));
	assert_true(has(o, "\tserver_name example.com www.example.com "
	    "*.example.org;\n"));
	assert_true(has(o, "\troot /srv/r/var/www/alice/data/www/example.com;"
	    "\n"));
	assert_true(has(o, "\taccess_log /srv/r/var/www/httpd-logs/"
	    "example.com.access.log;\n"));
	assert_true(has(o, "\terror_log /srv/r/var/www/httpd-logs/"
	    "example.com.error.log;\n"));
	assert_true(has(o, "location ~ \\.php$ {"));
	assert_true(has(o, "fastcgi_pass unix:/srv/r/run/php/"
	    "php8.1-fpm-alice.sock;"));
	assert_true(has(o, "fastcgi_param SCRIPT_FILENAME "
	    "$document_root$fastcgi_script_name;"));
	assert_null(strstr(o, "return "));
	free(o);
}

static void
test_web_render_defaults(void **state)
{
	char err[ERRLEN], *o;

	(void)state;
	/* no address, default home and PHP version, php-cgi, no logs */
	assert_int_equal(web("{\"name\":\"b.example\",\"owner\":\"alice\","
	    "\"aliases\":[],\"home\":\"\",\"ipaddr\":\"\",\"php_mode\":"
	    "\"php_cgi\",\"php_version\":\"\",\"log_access\":false,"
	    "\"log_error\":false}", ACCT, "", &o, err), 0);
	assert_true(has(o, "\tlisten 80;\n"));
	assert_true(has(o, "\tserver_name b.example;\n"));
	assert_true(has(o, "\troot /var/www/alice/data/www/b.example;\n"));
	assert_true(has(o, "\taccess_log off;\n"));
	assert_true(has(o, "\terror_log /dev/null crit;\n"));
	assert_true(has(o, "fastcgi_pass unix:/run/php/php8.2-cgi-alice.sock;"));
	free(o);
	/* IPv6 in brackets, canonical; no PHP, no location */
	assert_int_equal(web("{\"name\":\"c.example\",\"owner\":\"alice\","
	    "\"ipaddr\":\"2001:DB8:0::1\",\"php_mode\":\"none\"}", ACCT, "",
	    &o, err), 0);
	assert_true(has(o, "\tlisten [2001:db8::1]:80;\n"));
	assert_null(strstr(o, "location"));
	free(o);
}

static void
test_web_render_suspended_redirect(void **state)
{
	char err[ERRLEN], *o;

	(void)state;
	assert_int_equal(web("{\"name\":\"example.com\",\"owner\":\"alice\","
	    "\"php_mode\":\"php_fpm\"}", "{\"name\":\"alice\",\"uid\":2001,"
	    "\"gid\":2001,\"active\":false}", "", &o, err), 0);
	assert_true(has(o, "\treturn 503;\n"));
	assert_null(strstr(o, "root "));
	assert_null(strstr(o, "fastcgi"));
	free(o);
	assert_int_equal(web("{\"name\":\"example.com\",\"owner\":\"alice\","
	    "\"redirect_http\":true}", ACCT, "", &o, err), 0);
	assert_true(has(o, "\treturn 301 https://$host$request_uri;\n"));
	assert_null(strstr(o, "root "));
	free(o);
}

static void
test_web_render_hostile(void **state)
{
	static const char *const sites[] = {
		"{\"name\":\"exa\\nmple.com\",\"owner\":\"alice\"}",
		"{\"name\":\"example.com;\",\"owner\":\"alice\"}",
		"{\"name\":\"example.com }\",\"owner\":\"alice\"}",
		"{\"name\":\"ex\\\"ample.com\",\"owner\":\"alice\"}",
		"{\"name\":\"ex{ample.com\",\"owner\":\"alice\"}",
		"{\"name\":\"../etc\",\"owner\":\"alice\"}",
		"{\"name\":\"a..b\",\"owner\":\"alice\"}",
		"{\"name\":\"ex\\u00e4mple.com\",\"owner\":\"alice\"}",
		"{\"name\":\"$host.com\",\"owner\":\"alice\"}",
		"{\"name\":\"\",\"owner\":\"alice\"}",
		"{\"owner\":\"alice\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"aliases\":[\"a.com; return 200\"]}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"aliases\":[\"a.com\\n}\"]}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"aliases\":\"a.com\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"home\":\"../../etc\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"home\":\"/etc\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"home\":\"www/x;\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"home\":\"www/x y\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"ipaddr\":\"1.2.3.4:80; listen 81\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"ipaddr\":\"1.2.3.4\\n\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"php_mode\":\"php_fpm\",\"php_version\":\"8.2;\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"php_mode\":\"php_fpm\",\"php_version\":\"../8\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"php_mode\":\"evil\"}",
		"{\"name\":\"example.com\",\"owner\":\"bob\"}",
		"{\"name\":\"example.com\",\"owner\":\"alice;\"}",
	};
	char err[ERRLEN], *o, big[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		if (web(sites[i], ACCT, "", &o, err) != -1)
			fail_msg("accepted %s:\n%s", sites[i], o);
		check_err(err);
		free(o);
	}
	/* overlong name: 4 labels of 63 and one more */
	memset(big, 'a', sizeof(big));
	big[300] = '\0';
	for (i = 63; i < 300; i += 64)
		big[i] = '.';
	{
		char site[800];

		snprintf(site, sizeof(site), "{\"name\":\"%s\",\"owner\":"
		    "\"alice\"}", big);
		assert_int_equal(web(site, ACCT, "", &o, err), -1);
		free(o);
	}
	/* the account: a root uid, a different name, a hostile host root */
	assert_int_equal(web("{\"name\":\"e.com\",\"owner\":\"alice\"}",
	    "{\"name\":\"alice\",\"uid\":0,\"gid\":0}", "", &o, err), -1);
	free(o);
	assert_int_equal(web("{\"name\":\"e.com\",\"owner\":\"alice\"}",
	    "{\"name\":\"bob\",\"uid\":5,\"gid\":5}", "", &o, err), -1);
	free(o);
	assert_int_equal(web("{\"name\":\"e.com\",\"owner\":\"alice\"}",
	    ACCT, "/srv/x; include /etc", &o, err), -1);
	free(o);
	assert_int_equal(web("{\"name\":\"e.com\",\"owner\":\"alice\"}",
	    ACCT, "relative", &o, err), -1);
	free(o);
}

static void
test_web_apply(void **state)
{
	struct node_agent *a;
	json_t *sites, *accts, *s2, *bad;
	char err[ERRLEN], *before, *beforeconf, *after, *afterconf;
	struct stat st;

	(void)state;
	if (geteuid() != 0 || !have_tool("nginx"))
		fail_msg("needs root and the service's checker; tools/deps.sh installs it");
	a = agent_new();
	accts = J("{\"alice\":{\"name\":\"alice\",\"uid\":2001,\"gid\":2002,"
	    "\"active\":true},\"bob\":{\"name\":\"bob\",\"uid\":2003,"
	    "\"gid\":2003,\"active\":false}}");
	sites = J("[{\"name\":\"a.test\",\"owner\":\"alice\",\"ipaddr\":"
	    "\"127.0.0.7\",\"aliases\":[\"www.a.test\"],\"php_mode\":"
	    "\"php_fpm\",\"log_access\":true,\"log_error\":true},"
	    "{\"name\":\"b.test\",\"owner\":\"bob\",\"ipaddr\":\"127.0.0.8\"},"
	    "{\"name\":\"c.test\",\"owner\":\"alice\",\"ipaddr\":\"127.0.0.7\","
	    "\"home\":\"sites/c\",\"redirect_http\":true}]");
	if (web_put(a, sites, accts, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	assert_true(exists(a, "etc/nginx/hostfleet/sites/a.test.conf"));
	assert_true(exists(a, "etc/nginx/hostfleet/sites/b.test.conf"));
	assert_true(exists(a, "etc/nginx/hostfleet/sites/c.test.conf"));
	assert_false(exists(a, "etc/nginx/hostfleet/sites/.a.test.conf.new"));
	afterconf = slurp(a, "etc/nginx/hostfleet/sites.conf");
	assert_non_null(afterconf);
	assert_true(has(afterconf, "/etc/nginx/hostfleet/sites/a.test.conf;"));
	free(afterconf);
	/* document roots owned by the owner; none for the suspended one */
	{
		char p[1024];

		snprintf(p, sizeof(p), "%s/var/www/alice/data/www/a.test",
		    a->conf.root);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_uid, 2001);
		assert_int_equal(st.st_gid, 2002);
		snprintf(p, sizeof(p), "%s/var/www/alice/data", a->conf.root);
		assert_int_equal(stat(p, &st), 0);
		assert_int_equal(st.st_uid, 2001);
		/* entered by the web server's group, by no other user; new
		 * files keep that group */
		assert_int_equal(st.st_mode & 07777, 02750);
		if (svcctl_web_gid() != -1)
			assert_int_equal(st.st_gid, svcctl_web_gid());
		snprintf(p, sizeof(p), "%s/var/www/alice/data/sites/c",
		    a->conf.root);
		assert_int_equal(stat(p, &st), 0);
		assert_false(exists(a, "var/www/bob"));
	}

	/* b goes: its file is removed */
	s2 = json_array();
	json_array_append(s2, json_array_get(sites, 0));
	json_array_append(s2, json_array_get(sites, 2));
	if (web_put(a, s2, accts, err, sizeof(err)) != 0)
		fail_msg("apply 2: %s", err);
	assert_false(exists(a, "etc/nginx/hostfleet/sites/b.test.conf"));
	assert_true(exists(a, "etc/nginx/hostfleet/sites/a.test.conf"));

	/* nginx -t refuses an address the host does not have (TEST-NET-2;
	 * no site may listen on the wildcard, or nginx binds only that):
	 * nothing changes, and the error is nginx's */
	before = slurp(a, "etc/nginx/hostfleet/sites/a.test.conf");
	beforeconf = slurp(a, "etc/nginx/hostfleet/sites.conf");
	bad = json_deep_copy(s2);
	json_object_set_new(json_array_get(bad, 0), "ipaddr",
	    json_string("198.51.100.77"));
	json_array_append_new(bad, J("{\"name\":\"d.test\",\"owner\":"
	    "\"alice\",\"ipaddr\":\"127.0.0.9\"}"));
	err[0] = '\0';
	assert_int_equal(web_put(a, bad, accts, err,
	    sizeof(err)), -1);
	check_err(err);
	assert_true(has(err, "bind() to 198.51.100.77:80 failed"));
	assert_null(strstr(err, "test failed"));
	after = slurp(a, "etc/nginx/hostfleet/sites/a.test.conf");
	afterconf = slurp(a, "etc/nginx/hostfleet/sites.conf");
	assert_string_equal(before, after);
	assert_string_equal(beforeconf, afterconf);
	assert_false(exists(a, "etc/nginx/hostfleet/sites/d.test.conf"));
	assert_false(exists(a, "var/www/alice/data/www/d.test"));
	assert_false(exists(a, "etc/nginx/hostfleet/sites/.a.test.conf.new"));
	free(before);
	free(after);
	free(beforeconf);
	free(afterconf);

	/* a hostile item stops the whole apply before anything is written */
	json_array_append_new(s2, J("{\"name\":\"e.test\\n}\",\"owner\":"
	    "\"alice\"}"));
	assert_int_equal(web_put(a, s2, accts, err,
	    sizeof(err)), -1);
	check_err(err);

	json_decref(bad);
	json_decref(s2);
	json_decref(sites);
	json_decref(accts);
	agent_free(a);
}

/* ---- dns ---- */

static const char *ZONE = "{\"name\":\"example.com\",\"owner\":\"alice\","
    "\"ns\":[\"ns1.example.com.\",\"ns2.example.net\"],\"ip\":\"192.0.2.1\","
    "\"email\":\"host.master@example.com\",\"serial\":2024061502,"
    "\"records\":[";

static int
zone(const char *records, char **out, char *err)
{
	char text[16384];
	json_t *z;
	struct sbuf b;
	int rc;

	snprintf(text, sizeof(text), "%s%s]}", ZONE, records);
	z = J(text);
	sbuf_init(&b, 1u << 20);
	err[0] = '\0';
	rc = render_zone(z, &b, err, ERRLEN);
	*out = sbuf_detach(&b, NULL);
	json_decref(z);
	return rc;
}

static void
test_zone_render(void **state)
{
	char err[ERRLEN], *o;

	(void)state;
	if (zone("{\"name\":\"example.com.\",\"type\":\"NS\",\"ttl\":3600,"
	    "\"value\":\"ns1.example.com.\"},"
	    "{\"name\":\"ns1.example.com.\",\"type\":\"A\",\"ttl\":0,"
	    "\"value\":\"192.0.2.1\"},"
	    "{\"name\":\"@\",\"type\":\"aaaa\",\"ttl\":300,"
	    "\"value\":\"2001:DB8:0::1\"},"
	    "{\"name\":\"www\",\"type\":\"CNAME\",\"ttl\":3600,"
	    "\"value\":\"example.com.\"},"
	    "{\"name\":\"example.com.\",\"type\":\"MX\",\"ttl\":3600,"
	    "\"value\":\"10 mail\"},"
	    "{\"name\":\"*.example.com.\",\"type\":\"A\",\"ttl\":3600,"
	    "\"value\":\"192.0.2.2\"},"
	    "{\"name\":\"_sip._tcp.example.com.\",\"type\":\"SRV\",\"ttl\":60,"
	    "\"value\":\"10 5 5060 sip.example.com.\"},"
	    "{\"name\":\"example.com.\",\"type\":\"CAA\",\"ttl\":3600,"
	    "\"value\":\"0 issue \\\"letsencrypt.org\\\"\"},"
	    "{\"name\":\"t.example.com.\",\"type\":\"TXT\",\"ttl\":3600,"
	    "\"value\":\"v=spf1 \\\"q\\\" back\\\\slash\"}", &o, err) != 0)
		fail_msg("render: %s", err);
	assert_true(has(o, "$ORIGIN example.com.\n$TTL 3600\n"));
	/* SOA: first ns, dots of the local part escaped, the serial */
	assert_true(has(o, "example.com.\t3600\tIN\tSOA\tns1.example.com. "
	    "host\\.master.example.com. ( 2024061502 10800 3600 1209600 3600 )"
	    "\n"));
	assert_true(has(o, "example.com.\t3600\tIN\tNS\tns1.example.com.\n"));
	assert_true(has(o, "example.com.\t3600\tIN\tNS\tns2.example.net.\n"));
	/* the NS record equal to an "ns" is not there twice */
	assert_null(strstr(strstr(o, "IN\tNS\tns1.example.com.") + 1,
	    "IN\tNS\tns1.example.com."));
	assert_true(has(o, "ns1.example.com.\t3600\tIN\tA\t192.0.2.1\n"));
	assert_true(has(o, "example.com.\t300\tIN\tAAAA\t2001:db8::1\n"));
	assert_true(has(o, "www.example.com.\t3600\tIN\tCNAME\texample.com.\n"));
	assert_true(has(o, "example.com.\t3600\tIN\tMX\t10 "
	    "mail.example.com.\n"));
	assert_true(has(o, "*.example.com.\t3600\tIN\tA\t192.0.2.2\n"));
	assert_true(has(o, "_sip._tcp.example.com.\t60\tIN\tSRV\t10 5 5060 "
	    "sip.example.com.\n"));
	assert_true(has(o, "example.com.\t3600\tIN\tCAA\t0 issue "
	    "\"letsencrypt.org\"\n"));
	assert_true(has(o, "t.example.com.\t3600\tIN\tTXT\t\"v=spf1 \\\"q\\\" "
	    "back\\\\slash\"\n"));
	free(o);
}

static void
test_zone_txt_split(void **state)
{
	char err[ERRLEN], *o, rec[4096], txt[700], *p, *line;
	size_t i, n;

	(void)state;
	/* 600 bytes with quotes at the 255 border: 255 + 255 + 90 */
	for (i = 0; i < 600; i++)
		txt[i] = "abcdefghij"[i % 10];
	txt[600] = '\0';
	txt[254] = '"';
	snprintf(rec, sizeof(rec), "{\"name\":\"@\",\"type\":\"TXT\","
	    "\"ttl\":3600,\"value\":\"%.254s\\\"%s\"}", txt, txt + 255);
	if (zone(rec, &o, err) != 0)
		fail_msg("render: %s", err);
	line = strstr(o, "IN\tTXT\t");
	assert_non_null(line);
	line += 7;
	*strchr(line, '\n') = '\0';
	/* three character-strings, each at most 255 bytes unescaped */
	for (n = 0, p = line; *p; n++) {
		size_t len = 0;

		assert_int_equal(*p, '"');
		for (p++; *p != '"'; p++, len++)
			if (*p == '\\')
				p++;
		assert_true(len <= 255);
		if (n < 2)
			assert_int_equal(len, 255);
		p++;
		if (*p == ' ')
			p++;
	}
	assert_int_equal(n, 3);
	/* the quote at byte 254 is escaped and closes the first string */
	assert_non_null(strstr(line, "\\\"\" \""));
	free(o);
	/* 2048 passes, 2049 does not */
	{
		char big[2100];

		memset(big, 'x', 2049);
		big[2048] = '\0';
		snprintf(rec, sizeof(rec), "{\"name\":\"@\",\"type\":\"TXT\","
		    "\"value\":\"%s\"}", big);
		assert_int_equal(zone(rec, &o, err), 0);
		free(o);
		big[2048] = 'x';
		big[2049] = '\0';
		snprintf(rec, sizeof(rec), "{\"name\":\"@\",\"type\":\"TXT\","
		    "\"value\":\"%s\"}", big);
		assert_int_equal(zone(rec, &o, err), -1);
		free(o);
	}
}

static void
test_zone_hostile(void **state)
{
	static const char *const recs[] = {
		"{\"name\":\"www\\nevil\",\"type\":\"A\",\"value\":\"1.2.3.4\"}",
		"{\"name\":\"www\",\"type\":\"A\",\"value\":\"1.2.3.4\\n@ IN NS "
		    "evil.\"}",
		"{\"name\":\"www\",\"type\":\"A\",\"value\":\"1.2.3.4 ; x\"}",
		"{\"name\":\"evil.org.\",\"type\":\"A\",\"value\":\"1.2.3.4\"}",
		"{\"name\":\"xexample.com.\",\"type\":\"A\",\"value\":"
		    "\"1.2.3.4\"}",
		"{\"name\":\"w(w\",\"type\":\"A\",\"value\":\"1.2.3.4\"}",
		"{\"name\":\"$INCLUDE\",\"type\":\"A\",\"value\":\"1.2.3.4\"}",
		"{\"name\":\"www\",\"type\":\"AAAA\",\"value\":\"1.2.3.4\"}",
		"{\"name\":\"www\",\"type\":\"CNAME\",\"value\":\"a b\"}",
		"{\"name\":\"www\",\"type\":\"CNAME\",\"value\":\"a;b\"}",
		"{\"name\":\"@\",\"type\":\"CNAME\",\"value\":\"a.example.net.\"}",
		"{\"name\":\"@\",\"type\":\"MX\",\"value\":\"10 mx\\nevil\"}",
		"{\"name\":\"@\",\"type\":\"MX\",\"value\":\"99999 mx\"}",
		"{\"name\":\"@\",\"type\":\"MX\",\"value\":\"mx.example.com.\"}",
		"{\"name\":\"@\",\"type\":\"SRV\",\"value\":\"1 2 x host\"}",
		"{\"name\":\"@\",\"type\":\"TXT\",\"value\":\"a\\nb\"}",
		"{\"name\":\"@\",\"type\":\"TXT\",\"value\":\"caf\\u00e9\"}",
		"{\"name\":\"@\",\"type\":\"TXT\",\"value\":\"\"}",
		"{\"name\":\"@\",\"type\":\"TXT\",\"value\":\"tab\\there\"}",
		"{\"name\":\"@\",\"type\":\"CAA\",\"value\":\"0 issue "
		    "\\\"a\\\"b\\\"\"}",
		"{\"name\":\"@\",\"type\":\"CAA\",\"value\":\"0 evil x\"}",
		"{\"name\":\"@\",\"type\":\"CAA\",\"value\":\"300 issue x\"}",
		"{\"name\":\"@\",\"type\":\"PTR\",\"value\":\"x.\"}",
		"{\"name\":\"@\",\"type\":\"A\",\"ttl\":9999999,\"value\":"
		    "\"1.2.3.4\"}",
		"{\"name\":\"@\",\"type\":\"A\",\"ttl\":\"3600\\n\",\"value\":"
		    "\"1.2.3.4\"}",
		"{\"name\":\"@\",\"type\":\"A\"}",
	};
	static const char *const zones[] = {
		"{\"name\":\"ex;ample.com\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a@x.com\",\"serial\":1}",
		"{\"name\":\"example.com\\n\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a@x.com\",\"serial\":1}",
		"{\"name\":\"example.com\",\"ns\":[],"
		    "\"email\":\"a@x.com\",\"serial\":1}",
		"{\"name\":\"example.com\",\"ns\":[\"ns1 evil\"],"
		    "\"email\":\"a@x.com\",\"serial\":1}",
		"{\"name\":\"example.com\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a b@x.com\",\"serial\":1}",
		"{\"name\":\"example.com\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a(@x.com\",\"serial\":1}",
		"{\"name\":\"example.com\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a@x.com\",\"serial\":0}",
		"{\"name\":\"example.com\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a@x.com\",\"serial\":4294967296}",
		"{\"name\":\"example.com\",\"ns\":[\"ns1.x.com\"],"
		    "\"email\":\"a@x.com\",\"serial\":\"1\"}",
	};
	char err[ERRLEN], *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		if (zone(recs[i], &o, err) != -1)
			fail_msg("accepted %s:\n%s", recs[i], o);
		check_err(err);
		free(o);
	}
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		json_t *z = J(zones[i]);
		struct sbuf b;

		sbuf_init(&b, 1u << 20);
		if (render_zone(z, &b, err, sizeof(err)) != -1)
			fail_msg("accepted %s:\n%s", zones[i], sbuf_str(&b));
		check_err(err);
		sbuf_release(&b);
		json_decref(z);
	}
}

static void
test_dns_apply(void **state)
{
	struct node_agent *a;
	json_t *zones, *bad, *one;
	char err[ERRLEN], *b1, *b2, *bc, *x1, *x2, *xc;

	(void)state;
	if (!have_tool("named-checkzone") || !have_tool("named-checkconf"))
		fail_msg("needs root and the service's checker; tools/deps.sh installs it");
	a = agent_new();
	zones = J("[{\"name\":\"example.com\",\"owner\":\"alice\","
	    "\"ns\":[\"ns1.example.com\"],\"email\":\"hostmaster@example.com\","
	    "\"serial\":2024061500,\"records\":[{\"name\":\"ns1\",\"type\":"
	    "\"A\",\"ttl\":3600,\"value\":\"192.0.2.1\"},{\"name\":\"@\","
	    "\"type\":\"TXT\",\"ttl\":3600,\"value\":\"hello \\\"world\\\"\"}]},"
	    "{\"name\":\"example.org\",\"owner\":\"alice\",\"ns\":"
	    "[\"ns1.example.com\"],\"email\":\"a@example.org\",\"serial\":7,"
	    "\"records\":[]}]");
	if (dns_put(a, zones, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	assert_true(exists(a, "etc/bind/hostfleet/zones/example.com.db"));
	assert_true(exists(a, "etc/bind/hostfleet/zones/example.org.db"));
	bc = slurp(a, "etc/bind/hostfleet/zones.conf");
	assert_true(has(bc, "zone \"example.com\" { type master; file \""));
	assert_true(has(bc, "/etc/bind/hostfleet/zones/example.org.db\"; };"));
	free(bc);

	/* example.org goes */
	one = json_array();
	json_array_append(one, json_array_get(zones, 0));
	if (dns_put(a, one, err, sizeof(err)) != 0)
		fail_msg("apply 2: %s", err);
	assert_false(exists(a, "etc/bind/hostfleet/zones/example.org.db"));

	/* an in-zone name server without an address: named-checkzone says
	 * no, and nothing changes */
	b1 = slurp(a, "etc/bind/hostfleet/zones/example.com.db");
	bc = slurp(a, "etc/bind/hostfleet/zones.conf");
	bad = json_deep_copy(one);
	json_object_set_new(json_array_get(bad, 0), "records", json_array());
	json_object_set_new(json_array_get(bad, 0), "serial",
	    json_integer(2024061501));
	json_array_append_new(bad, J("{\"name\":\"example.net\",\"ns\":"
	    "[\"ns1.example.com\"],\"email\":\"a@example.net\",\"serial\":1}"));
	assert_int_equal(dns_put(a, bad, err, sizeof(err)), -1);
	check_err(err);
	assert_true(has(err, "named-checkzone \"example.com\""));
	x1 = slurp(a, "etc/bind/hostfleet/zones/example.com.db");
	xc = slurp(a, "etc/bind/hostfleet/zones.conf");
	assert_string_equal(b1, x1);
	assert_string_equal(bc, xc);
	assert_false(exists(a, "etc/bind/hostfleet/zones/example.net.db"));
	assert_false(exists(a, "etc/bind/hostfleet/zones/"
	    ".example.com.db.new"));
	/* the same zone twice is refused too */
	json_array_append(one, json_array_get(zones, 0));
	assert_int_equal(dns_put(a, one, err, sizeof(err)), -1);
	check_err(err);
	x2 = slurp(a, "etc/bind/hostfleet/zones.conf");
	assert_string_equal(bc, x2);
	b2 = NULL;
	free(b1);
	free(b2);
	free(bc);
	free(x1);
	free(x2);
	free(xc);
	json_decref(bad);
	json_decref(one);
	json_decref(zones);
	agent_free(a);
}

/* ---- mail ---- */

static const char *MACCTS = "{\"alice\":{\"name\":\"alice\",\"uid\":2001,"
    "\"gid\":2002,\"active\":true},\"bob\":{\"name\":\"bob\",\"uid\":2003,"
    "\"gid\":2003,\"active\":false}}";

static int
mail(const char *doms, const char *mbs, const char *accts, char *out[4],
    char *err)
{
	json_t *d = J(doms), *m = J(mbs), *a = J(accts);
	struct sbuf b[4];
	size_t i;
	int rc;

	for (i = 0; i < 4; i++)
		sbuf_init(&b[i], 1u << 20);
	err[0] = '\0';
	rc = render_mail(d, m, a, "/srv/r", &b[0], &b[1], &b[2], &b[3], err,
	    ERRLEN);
	for (i = 0; i < 4; i++)
		out[i] = sbuf_detach(&b[i], NULL);
	json_decref(d);
	json_decref(m);
	json_decref(a);
	return rc;
}

static void
mail_free(char *out[4])
{
	size_t i;

	for (i = 0; i < 4; i++)
		free(out[i]);
}

static const char *MDOMS = "[{\"name\":\"example.com\",\"owner\":\"alice\","
    "\"defaction\":\"reject\"},{\"name\":\"example.org\",\"owner\":\"alice\","
    "\"defaction\":\"postmaster@example.com\"},{\"name\":\"bob.net\","
    "\"owner\":\"bob\",\"defaction\":\"reject\"}]";

static void
test_mail_render(void **state)
{
	char err[ERRLEN], *o[4];

	(void)state;
	if (mail(MDOMS, "[{\"name\":\"info@example.com\",\"domain\":"
	    "\"example.com\",\"owner\":\"alice\",\"pwhash\":\"" HASH "\","
	    "\"quota_mb\":100,\"forward\":[],\"keep_copy\":false},"
	    "{\"name\":\"sales@example.com\",\"domain\":\"example.com\","
	    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\",\"quota_mb\":0,"
	    "\"forward\":[\"a@x.net\",\"b@y.net\"],\"keep_copy\":true},"
	    "{\"name\":\"fw@example.com\",\"domain\":\"example.com\","
	    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\","
	    "\"forward\":[\"a@x.net\"],\"keep_copy\":false},"
	    "{\"name\":\"me@example.org\",\"domain\":\"example.org\","
	    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"},"
	    "{\"name\":\"b@bob.net\",\"domain\":\"bob.net\",\"owner\":\"bob\","
	    "\"pwhash\":\"" HASH "\"}]", MACCTS, o, err) != 0)
		fail_msg("render: %s", err);
	assert_true(has(o[0], "\nexample.com OK\n"));
	assert_true(has(o[0], "\nexample.org OK\n"));
	assert_null(strstr(o[0], "bob.net"));
	assert_true(has(o[1], "\ninfo@example.com alice/data/email/example.com/"
	    "info/\n"));
	assert_null(strstr(o[1], "bob.net"));
	assert_true(has(o[2], "\nsales@example.com a@x.net, b@y.net, "
	    "sales@example.com\n"));
	assert_true(has(o[2], "\nfw@example.com a@x.net\n"));
	assert_true(has(o[2], "\n@example.org postmaster@example.com\n"));
	/* with the catch-all a mailbox keeps its own mail */
	assert_true(has(o[2], "\nme@example.org me@example.org\n"));
	assert_null(strstr(o[2], "info@example.com"));
	assert_true(has(o[3], "info@example.com:{ARGON2ID}" HASH ":2001:2002::"
	    "/srv/r/var/www/alice/data/email/example.com/info::"
	    "userdb_quota_rule=*:storage=100M\n"));
	assert_true(has(o[3], "sales@example.com:{ARGON2ID}" HASH ":2001:2002::"
	    "/srv/r/var/www/alice/data/email/example.com/sales::\n"));
	assert_null(strstr(o[3], "bob"));
	mail_free(o);
}

static void
test_mail_hostile(void **state)
{
	static const char *const mbs[] = {
		"[{\"name\":\"a:b@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a\\n@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a b@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a..b@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"../a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"\\u00e9@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"$argon2id$x:0:0::/\"}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"$argon2id$x\\nroot:x\"}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"{PLAIN}secret\"}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\","
		    "\"forward\":[\"x@y.com\\n@example.com evil@z.com\"]}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\","
		    "\"forward\":[\"x@y.com, evil@z.com\"]}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\","
		    "\"quota_mb\":-1}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\","
		    "\"quota_mb\":\"1:x\"}]",
		/* not in a domain of the set, or of another owner */
		"[{\"name\":\"a@nowhere.com\",\"domain\":\"nowhere.com\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.org\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a@bob.net\",\"domain\":\"bob.net\","
		    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]",
		"[{\"name\":\"a@example.com\",\"domain\":\"example.com\","
		    "\"owner\":\"carol\",\"pwhash\":\"" HASH "\"}]",
	};
	static const char *const doms[] = {
		"[{\"name\":\"exa\\nmple.com\",\"owner\":\"alice\"}]",
		"[{\"name\":\"example.com:\",\"owner\":\"alice\"}]",
		"[{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"defaction\":\"a@b.com, c@d.com\"}]",
		"[{\"name\":\"example.com\",\"owner\":\"alice\","
		    "\"defaction\":\"a@b.com\\nx@y.com\"}]",
		"[{\"name\":\"example.com\",\"owner\":\"nobody\"}]",
		"[{\"name\":\"example.com\",\"owner\":\"alice\"},"
		    "{\"name\":\"example.com\",\"owner\":\"alice\"}]",
	};
	char err[ERRLEN], *o[4];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(mbs) / sizeof(mbs[0]); i++) {
		if (mail(MDOMS, mbs[i], MACCTS, o, err) != -1)
			fail_msg("accepted %s:\n%s", mbs[i], o[3]);
		check_err(err);
		mail_free(o);
	}
	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
		if (mail(doms[i], "[]", MACCTS, o, err) != -1)
			fail_msg("accepted %s:\n%s", doms[i], o[0]);
		check_err(err);
		mail_free(o);
	}
}

static void
test_mail_apply(void **state)
{
	struct node_agent *a;
	json_t *doms, *mbs, *accts, *mbs2;
	char err[ERRLEN], p[1024], *b[4], *x[4];
	static const char *const files[] = { "etc/postfix/hostfleet/vdomains",
	    "etc/postfix/hostfleet/vmailboxes", "etc/postfix/hostfleet/valiases",
	    "etc/dovecot/hostfleet/users" };
	size_t i;

	(void)state;
	if (!have_tool("postmap") || !have_tool("postconf") ||
	    !have_tool("doveconf"))
		fail_msg("needs root and the service's checker; tools/deps.sh installs it");
	a = agent_new();
	doms = J(MDOMS);
	accts = J(MACCTS);
	mbs = J("[{\"name\":\"info@example.com\",\"domain\":\"example.com\","
	    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\",\"quota_mb\":10},"
	    "{\"name\":\"me@example.org\",\"domain\":\"example.org\","
	    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\",\"forward\":"
	    "[\"x@y.net\"],\"keep_copy\":true}]");
	if (mail_put(a, doms, mbs, accts, err, sizeof(err)) != 0)
		fail_msg("apply: %s", err);
	for (i = 0; i < 4; i++)
		assert_true(exists(a, files[i]));
	assert_true(exists(a, "etc/postfix/hostfleet/vdomains.db"));
	assert_true(exists(a, "etc/postfix/hostfleet/valiases.db"));
	assert_true(exists(a, "etc/postfix/hostfleet/vuids.db"));
	assert_true(exists(a, "etc/postfix/hostfleet/main.cf"));
	assert_true(exists(a, "etc/dovecot/hostfleet/dovecot.conf"));
	assert_false(exists(a, "etc/postfix/hostfleet/.vdomains.new"));
	{
		struct stat st;

		snprintf(p, sizeof(p), "%s/etc/dovecot/hostfleet/users",
		    a->conf.root);
		assert_int_equal(stat(p, &st), 0);
		/* password hashes: root's, read by Dovecot's auth (group) */
		assert_int_equal(st.st_mode & 0777,
		    svcctl_group("dovecot") != -1 ? 0640 : 0600);
		assert_int_equal(st.st_uid, 0);
	}
	/* a .db that went is rebuilt though its source did not change */
	snprintf(p, sizeof(p), "%s/etc/postfix/hostfleet/vgids.db",
	    a->conf.root);
	assert_int_equal(unlink(p), 0);
	if (mail_put(a, doms, mbs, accts, err, sizeof(err)) != 0)
		fail_msg("apply 2: %s", err);
	assert_int_equal(access(p, F_OK), 0);

	/* postmap cannot build the new valiases.db (a directory stands
	 * where it would write): nothing live changes */
	for (i = 0; i < 4; i++)
		b[i] = slurp(a, files[i]);
	snprintf(p, sizeof(p), "%s/etc/postfix/hostfleet/.valiases.new.db",
	    a->conf.root);
	assert_int_equal(mkdir(p, 0700), 0);
	mbs2 = J("[{\"name\":\"info@example.com\",\"domain\":\"example.com\","
	    "\"owner\":\"alice\",\"pwhash\":\"" HASH "\",\"forward\":"
	    "[\"z@y.net\"]},{\"name\":\"new@example.com\",\"domain\":"
	    "\"example.com\",\"owner\":\"alice\",\"pwhash\":\"" HASH "\"}]");
	assert_int_equal(mail_put(a, doms, mbs2, accts, err,
	    sizeof(err)), -1);
	check_err(err);
	assert_true(has(err, "postmap"));
	for (i = 0; i < 4; i++) {
		x[i] = slurp(a, files[i]);
		assert_string_equal(b[i], x[i]);
		free(x[i]);
	}
	assert_false(exists(a, "etc/postfix/hostfleet/.vmailboxes.new"));
	rmdir(p);
	/* and once it can, the change goes through */
	if (mail_put(a, doms, mbs2, accts, err, sizeof(err)) != 0)
		fail_msg("apply 3: %s", err);
	x[0] = slurp(a, "etc/postfix/hostfleet/vmailboxes");
	assert_true(has(x[0], "new@example.com"));
	free(x[0]);
	for (i = 0; i < 4; i++)
		free(b[i]);
	json_decref(mbs2);
	json_decref(mbs);
	json_decref(doms);
	json_decref(accts);
	agent_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_web_render),
		cmocka_unit_test(test_web_render_defaults),
		cmocka_unit_test(test_web_render_suspended_redirect),
		cmocka_unit_test(test_web_render_hostile),
		cmocka_unit_test(test_web_apply),
		cmocka_unit_test(test_zone_render),
		cmocka_unit_test(test_zone_txt_split),
		cmocka_unit_test(test_zone_hostile),
		cmocka_unit_test(test_dns_apply),
		cmocka_unit_test(test_mail_render),
		cmocka_unit_test(test_mail_hostile),
		cmocka_unit_test(test_mail_apply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
