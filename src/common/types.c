/* types.c - the declarations of the user-data and cluster data types
 * (schema.h); the system data types are in sysdata.c.  The master and the
 * node both read these rows. */
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "sysdata.h"
#include "util.h"
#include "uvalid.h"

/* ---- the grammars, as field checkers ---- */

/* A checker whose canonical form is the value as given. */
#define SAME(name, call)						\
static int								\
name(const char *what, const char *v, char *out, char *err)		\
{									\
	if (call == -1)							\
		return -1;						\
	return out_is(out, v);						\
}
/* A checker of one of the words given. */
#define WORDS(name, ...)						\
static const char *const name##_words[] = { __VA_ARGS__, NULL };	\
SAME(name, valid_enum(what, v, name##_words, err))

static int
out_is(char *out, const char *v)
{
	strlcpy_hf(out, v, FIELD_OUTMAX);
	return 0;
}

static int
ck_domain(const char *what, const char *v, char *out, char *err)
{
	char d[DOMAIN_MAX];

	if (valid_domain(what, v, d, err) == -1)
		return -1;
	return out_is(out, d);
}

static int
ck_aliases(const char *what, const char *v, char *out, char *err)
{
	return valid_domain_list(what, v, 32, out, FIELD_OUTMAX, err);
}

/* Up to 8 name servers, kept absolute with the dot. */
static int
ck_ns(const char *what, const char *v, char *out, char *err)
{
	char buf[8 * 256], *tok, *save = NULL;
	size_t o = 0;

	if (valid_domain_list(what, v, 8, buf, sizeof(buf), err) == -1)
		return -1;
	out[0] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ",
	    &save))
		o += (size_t)snprintf(out + o, FIELD_OUTMAX - o, "%s%s.",
		    o ? " " : "", tok);
	return 0;
}

static int
ck_relpath(const char *what, const char *v, char *out, char *err)
{
	char p[201];

	if (valid_relpath(what, v, p, err) == -1)
		return -1;
	return out_is(out, p);
}

/* An address, or "" for none. */
static int
ck_ip_or_empty(const char *what, const char *v, char *out, char *err)
{
	char ip[64];

	if (*v == '\0')
		return out_is(out, "");
	if (valid_ip(what, v, ip, err) == -1)
		return -1;
	return out_is(out, ip);
}

static int
ck_ip(const char *what, const char *v, char *out, char *err)
{
	char ip[64];

	if (valid_ip(what, v, ip, err) == -1)
		return -1;
	return out_is(out, ip);
}

/* The canonical modes; valid_php_mode() takes ISPmanager's names too. */
static const char *const php_modes[] = { "none", "php_fpm", "php_cgi", NULL };

static int
ck_php_mode(const char *what, const char *v, char *out, char *err)
{
	char m[16];

	if (valid_php_mode(what, v, m, err) == -1)
		return -1;
	return out_is(out, m);
}

static int
ck_php_version(const char *what, const char *v, char *out, char *err)
{
	char ver[8];

	if (*v == '\0')
		return out_is(out, "");
	if (valid_php_version(what, v, ver, err) == -1)
		return -1;
	return out_is(out, ver);
}

/* "on" or "off", written so. */
static int
ck_bool(const char *what, const char *v, char *out, char *err)
{
	int b;

	if (valid_bool(what, v, &b, err) == -1)
		return -1;
	return out_is(out, b ? "on" : "off");
}

static int
ck_email(const char *what, const char *v, char *out, char *err)
{
	char e[320];

	if (valid_email(what, v, e, err) == -1)
		return -1;
	return out_is(out, e);
}

static int
ck_forward(const char *what, const char *v, char *out, char *err)
{
	if (*v == '\0')
		return out_is(out, "");
	return valid_email_list(what, v, 16, out, FIELD_OUTMAX, err);
}

static int
ck_mailbox(const char *what, const char *v, char *out, char *err)
{
	char m[65];

	if (valid_mailbox(what, v, m, err) == -1)
		return -1;
	return out_is(out, m);
}

/* "reject" ("error" is ISPmanager's word for it), or an address unknown
 * recipients are forwarded to. */
static int
ck_defaction(const char *what, const char *v, char *out, char *err)
{
	char e[320];

	if (strcmp(v, "reject") == 0 || strcmp(v, "error") == 0)
		return out_is(out, "reject");
	if (valid_email(what, v, e, err) == -1) {
		snprintf(err, VALID_ERR_MAX, "%s: \"reject\" or an address to "
		    "forward unknown recipients to", what);
		return -1;
	}
	return out_is(out, e);
}

SAME(ck_maxsize, valid_int(what, v, 0, MAILBOX_MAX_MB, NULL, err))
SAME(ck_password, valid_password(what, v, err))

/* Checked against passwd by its handler. */
static int
ck_any(const char *what, const char *v, char *out, char *err)
{
	(void)what;
	(void)err;
	return out_is(out, v);
}

SAME(ck_username, valid_username(what, v, err))
SAME(ck_fullname, valid_fullname(what, v, err))

WORDS(ck_level, "user", "admin")

SAME(ck_limit, valid_int(what, v, 0, 1000000000, NULL, err))
SAME(ck_node_name, valid_node_name(what, v, err))
SAME(ck_port, valid_int(what, v, 1, 65535, NULL, err))

static int
ck_roles(const char *what, const char *v, char *out, char *err)
{
	char r[32];

	if (valid_roles(what, v, r, err) == -1)
		return -1;
	return out_is(out, r);
}

SAME(ck_weight, valid_int(what, v, 1, 1000, NULL, err))
SAME(ck_comment, valid_text(what, v, 255, err))
SAME(ck_ttl_s, valid_int(what, v, 1, 604800, NULL, err))

/* The policy's fields and the query log's limit. */
SAME(ck_ready_percent, valid_int(what, v, 0, 99, NULL, err))
SAME(ck_node_timeout, valid_int(what, v, 50, 600000, NULL, err))
SAME(ck_heartbeat, valid_int(what, v, 100, 3600000, NULL, err))
SAME(ck_misses, valid_int(what, v, 1, 1000, NULL, err))
SAME(ck_query_limit, valid_int(what, v, 1, 10000, NULL, err))
SAME(ck_retention_days, valid_int(what, v, 1, 3650, NULL, err))
SAME(ck_time_s, valid_int(what, v, 0, INT64_C(1) << 40, NULL, err))
SAME(ck_ip_any, valid_ip(what, v, NULL, err))
WORDS(ck_outcome, "ok", "error")

/* A scrape token: 16-256 of [A-Za-z0-9._~+/=-] (what a bearer token may
 * hold, RFC 6750), or "" for none.  Like a password, never echoed. */
static int
ck_metrics_token(const char *what, const char *v, char *out, char *err)
{
	size_t n = strlen(v);

	if (n != 0 && (n < 16 || n > 256 || v[strspn(v, "abcdefghijklmnopq"
	    "rstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~+/=-")] != '\0')) {
		snprintf(err, VALID_ERR_MAX, "%s: 16-256 of A-Z a-z 0-9 and "
		    "._~+/=- (or empty: none)", what);
		return -1;
	}
	return out_is(out, v);
}

/* A function's name: 1-64 of [a-z0-9_.]. */
static int
ck_funcname(const char *what, const char *v, char *out, char *err)
{
	size_t n = strlen(v);

	if (n < 1 || n > 64 || v[strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_.")] != '\0')
		return valid_fail(err, what, v, "1-64 of a-z 0-9 _ .");
	return out_is(out, v);
}

WORDS(ck_placement, "lowest_score")

/* ---- user data ---- */

#define DOMAIN_HELP "a domain: 2–127 labels of `a-z 0-9 -` (upper case " \
	"folded), each 1–63 long and not starting or ending with `-`, 253 " \
	"bytes at most, one trailing dot dropped, the last label not all " \
	"digits; `xn--` labels only as valid punycode; other non-ASCII is " \
	"refused (send punycode); fixed once created"
#define OWNER_HELP "the user the object is for: an administrator names " \
	"them (or acts as them with `su=`); a user may name only themselves"
#define ONOFF "`on` or `off`"

static const struct field webdomain_fields[] = {
	{ "name", NULL, ck_domain, NULL, F_REQ | F_FIXED | F_UNIQUE | F_COL,
	  "Domain name", DOMAIN_HELP, NULL, NULL },
	{ "owner", NULL, ck_username, NULL, F_FIXED | F_COL, "Owner",
	  OWNER_HELP, "the caller", NULL },
	{ "aliases", NULL, ck_aliases, "www.{name}", F_LIST | F_EMPTY |
	  F_UNIQUE | F_COL, "Aliases", "up to 32 domains separated by spaces "
	  "or commas, each once; none may be the name or an alias of another "
	  "site anywhere in the cluster (the master reserves them with the "
	  "site; aliases dropped by a change are free again)",
	  "`www.NAME` when `aliases` is not given at all", NULL },
	{ "home", NULL, ck_relpath, "www/{name}", 0, "Home directory",
	  "the document root, relative to the owner's `data/` directory: "
	  "1–200 bytes, segments of `A-Z a-z 0-9 . _ -` joined by single `/`, "
	  "no `.` or `..` segment", NULL, NULL },
	{ "docroot", NULL, NULL, NULL, F_OUT, "Document root",
	  "the document root's absolute path on the node: the host root "
	  "followed by `/var/www/OWNER/data/HOME`", NULL, NULL },
	{ "ipaddr", NULL, ck_ip_or_empty, "", F_EMPTY | F_COL, "IP address",
	  "an IPv4 or IPv6 address the node has, or empty for every address",
	  NULL, NULL },
	{ "php_mode", NULL, ck_php_mode, "none", F_COL, "PHP mode",
	  "`none`, `php_fpm` or `php_cgi` (ISPmanager's `php_mode_none`, "
	  "`php_mode_fcgi_nginxfpm`, `php_mode_cgi` are taken too)", NULL,
	  php_modes },
	{ "php_version", NULL, ck_php_version, "", F_EMPTY, "PHP version",
	  "`MAJOR.MINOR`, major 5–8; empty means 8.2", NULL, NULL },
	{ "redirect_http", NULL, ck_bool, "off", F_BOOL, "Redirect to HTTPS",
	  "`on`: every request is answered `301` to `https://` the same host "
	  "and URI", NULL, NULL },
	{ "log_access", NULL, ck_bool, "on", F_BOOL, "Access log", ONOFF,
	  NULL, NULL },
	{ "log_error", NULL, ck_bool, "on", F_BOOL, "Error log", ONOFF, NULL,
	  NULL },
	/* ISPmanager 6's names (site.edit) */
	{ "site_name", "name", ck_domain, NULL, F_FIXED | F_SPELLING,
	  "Domain name", "ISPmanager 6's name of `name`", NULL, NULL },
	{ "site_owner", "owner", ck_username, NULL, F_FIXED | F_SPELLING,
	  "Owner", "ISPmanager 6's name of `owner`", NULL, NULL },
	{ "site_aliases", "aliases", ck_aliases, NULL, F_LIST | F_EMPTY |
	  F_SPELLING, "Aliases", "ISPmanager 6's name of `aliases`", NULL,
	  NULL },
	{ "site_home", "home", ck_relpath, NULL, F_SPELLING, "Home directory",
	  "ISPmanager 6's name of `home`", NULL, NULL },
	{ "site_ipaddrs", "ipaddr", ck_ip_or_empty, NULL, F_EMPTY |
	  F_SPELLING, "IP address", "ISPmanager 6's name of `ipaddr`", NULL,
	  NULL },
	{ "site_php_mode", "php_mode", ck_php_mode, NULL, F_SPELLING,
	  "PHP mode", "ISPmanager 6's name of `php_mode`", NULL, php_modes },
	{ "id", NULL, NULL, NULL, F_OUT, "Id", "the site's `elid`: its name, "
	  "as ISPmanager's lists give it", NULL, NULL },
	{ "active", NULL, NULL, NULL, F_OUT | F_BOOL | F_COL, "Active",
	  "`off` while the owner is suspended (the site answers 503)", NULL,
	  NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_webdomain = {
	.name = "webdomain", .kind = DK_USER, .role = "web",
	.what = "web domain", .fields = webdomain_fields,
	.store = "webdomain", .limit = "limit_webdomains",
};

static const struct field domain_fields[] = {
	{ "name", NULL, ck_domain, NULL, F_REQ | F_FIXED | F_UNIQUE | F_COL,
	  "Domain name", "a domain, as for `webdomain`; fixed once created",
	  NULL, NULL },
	{ "owner", NULL, ck_username, NULL, F_FIXED | F_COL, "Owner",
	  OWNER_HELP, "the caller", NULL },
	{ "ns", NULL, ck_ns, "ns1.{name} ns2.{name}", F_LIST | F_COL,
	  "Name servers", "up to 8 host names separated by spaces or commas; "
	  "kept absolute, with the dot", "`ns1.NAME. ns2.NAME.`", NULL },
	{ "ip", NULL, ck_ip_or_empty, "", F_EMPTY, "IP address",
	  "an IPv4 or IPv6 address, or empty; used when the zone is created "
	  "(below)", NULL, NULL },
	{ "email", NULL, ck_email, "admin@{name}", 0, "Administrator's "
	  "email", "the SOA contact, an address `local@domain`", NULL, NULL },
	{ "serial", NULL, NULL, NULL, F_OUT | F_INT | F_COL, "Serial",
	  "the SOA serial, `YYYYMMDDNN`, raised by every change", NULL, NULL },
	{ "records", NULL, NULL, NULL, F_OUT | F_COL, "Records",
	  "how many records the zone has", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_domain = {
	.name = "domain", .kind = DK_USER, .role = "dns", .what = "DNS domain",
	.fields = domain_fields, .store = "zone", .limit = "limit_domains",
};

/* Checked together by valid_rr() (uvalid.h): F_OWN. */
static const struct field record_fields[] = {
	{ "rkey", NULL, NULL, NULL, F_OUT | F_COL, "Key",
	  "the record's key, `NAME. TYPE  VALUE`: `elid` of a change or a "
	  "delete", NULL, NULL },
	{ "name", NULL, NULL, NULL, F_REQ | F_OWN | F_COL, "Name",
	  "`@` (the apex), a name relative to the zone (`www`, "
	  "`_acme-challenge.www`) or absolute with the trailing dot inside "
	  "the zone (`_acme-challenge.www.example.com.`); labels as for a "
	  "domain but they may hold `_` and the leftmost may be `*`; the "
	  "names of A, AAAA and MX records may not hold `_`", NULL, NULL },
	{ "rtype", NULL, NULL, NULL, F_REQ | F_OWN | F_COL, "Type",
	  "`A`, `AAAA`, `CNAME`, `MX`, `TXT`, `NS`, `SRV` or `CAA`, in any "
	  "case", NULL, NULL },
	{ "ttl", NULL, NULL, "3600", F_OWN | F_INT | F_COL, "TTL",
	  "1–604800", NULL, NULL },
	{ "value", NULL, NULL, NULL, F_REQ | F_OWN | F_COL, "Value",
	  "by type, below; for an A record ISPmanager's `ip` is taken when "
	  "`value` is empty", NULL, NULL },
	{ "ip", "value", NULL, NULL, F_OWN | F_SPELLING, "Address",
	  "ISPmanager's name of an A or AAAA record's `value`", NULL, NULL },
	{ "priority", NULL, NULL, NULL, F_OWN, "Priority",
	  "0–65535: MX's priority, SRV's fields; when the value holds them "
	  "too they must agree", "MX priority 10", NULL },
	{ "prio", "priority", NULL, NULL, F_OWN | F_SPELLING, "Priority",
	  "another name of `priority`", NULL, NULL },
	{ "weight", NULL, NULL, NULL, F_OWN, "Weight", "0–65535, SRV's",
	  NULL, NULL },
	/* DNSmanager's names (domain.sublist.edit) and ISPmanager's target */
	{ "sdtype", "rtype", NULL, NULL, F_OWN | F_SPELLING, "Type",
	  "DNSmanager's name of `rtype`", NULL, NULL },
	{ "addr", "value", NULL, NULL, F_OWN | F_SPELLING, "Value",
	  "DNSmanager's name of `value`", NULL, NULL },
	{ "domain", "value", NULL, NULL, F_OWN | F_SPELLING, "Target",
	  "ISPmanager's name of the target of a CNAME, MX or NS record (made "
	  "absolute in the zone without a final dot, as `value`)", NULL,
	  NULL },
	{ "wght", "weight", NULL, NULL, F_OWN | F_SPELLING, "Weight",
	  "DNSmanager's name of `weight`", NULL, NULL },
	{ "port", NULL, NULL, NULL, F_OWN, "Port", "0–65535, SRV's", NULL,
	  NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_record = {
	.name = "domain.record", .kind = DK_USER, .role = "dns",
	.what = "DNS record", .fields = record_fields, .parent = "plid",
};

static const struct field emaildomain_fields[] = {
	{ "name", NULL, ck_domain, NULL, F_REQ | F_FIXED | F_UNIQUE | F_COL,
	  "Domain name", "a domain, as for `webdomain`; fixed once created",
	  NULL, NULL },
	{ "owner", NULL, ck_username, NULL, F_FIXED | F_COL, "Owner",
	  OWNER_HELP, "the caller", NULL },
	{ "defaction", NULL, ck_defaction, "reject", F_COL, "Unknown "
	  "recipients", "what mail to an unknown local part gets: `reject` "
	  "(`error` is taken as `reject`), or an address it is forwarded to "
	  "(a catch-all)", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_emaildomain = {
	.name = "emaildomain", .kind = DK_USER, .role = "mail",
	.what = "mail domain", .fields = emaildomain_fields,
	.store = "emaildomain", .limit = "limit_emaildomains",
};

static const struct field email_fields[] = {
	{ "name", NULL, ck_mailbox, NULL, F_REQ | F_FIXED | F_UNIQUE | F_COL,
	  "Mailbox", "the local part: 1–64 of `a-z 0-9 . _ + -` (upper case "
	  "folded), not starting or ending with `.`, no `..`, not starting "
	  "with `-`; fixed once created; a listing answers the whole "
	  "address", NULL, NULL },
	{ "domainname", "domain", ck_domain, NULL, F_REQ | F_FIXED | F_COL,
	  "Mail domain", "a mail domain of the owner (or give it as `plid`)",
	  NULL, NULL },
	{ "owner", NULL, ck_username, NULL, F_FIXED | F_COL, "Owner",
	  OWNER_HELP "; an administrator gives the mail domain's owner",
	  "the caller", NULL },
	{ "passwd", "pwhash", ck_password, NULL, F_SECRET, "Password",
	  "8–256 bytes of UTF-8 without control characters; kept as an "
	  "Argon2id hash", "required when creating", NULL },
	{ "password", "pwhash", ck_password, NULL, F_SECRET | F_SPELLING,
	  "Password", "another name of `passwd`", NULL, NULL },
	{ "confirm", NULL, ck_any, NULL, F_SECRET, "Confirm password",
	  "when given, must equal `passwd`", "-", NULL },
	{ "maxsize", "quota_mb", ck_maxsize, "0", F_INT | F_COL, "Size limit "
	  "(MiB)", "0–1048576 MiB, written as Dovecot's `userdb_quota_rule`; "
	  "0 is none; for an owner with a `limit_quota`, 1 to that limit",
	  "0, or the owner's `limit_quota` (at most 1048576)", NULL },
	{ "forward", NULL, ck_forward, "", F_LIST | F_EMPTY, "Forward to",
	  "up to 16 addresses separated by spaces or commas; empty for none",
	  "none", NULL },
	{ "keep_copy", NULL, ck_bool, "on", F_BOOL, "Keep a copy",
	  "with `forward`: `on` also delivers to the mailbox", NULL, NULL },
	{ "dontsave", "keep_copy", ck_bool, NULL, F_BOOL | F_INVERT |
	  F_SPELLING, "Do not keep a copy", "ISPmanager's name of "
	  "`keep_copy`, which says the opposite", NULL, NULL },
	{ "active", NULL, ck_bool, "on", F_BOOL | F_COL, "Active",
	  "`off`: the mailbox is suspended (`email.suspend`): it takes no "
	  "mail (unknown to Postfix, so refused, or taken by the domain's "
	  "catch-all) and no login; its mail is kept", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_email = {
	.name = "email", .kind = DK_USER, .role = "mail", .what = "mailbox",
	.fields = email_fields, .store = "mailbox", .parent = "plid",
	.limit = "limit_emails",
};

/* ---- cluster data ---- */

#define LIMIT_HELP "0–1000000000, the most objects of the kind the user " \
	"may have; 0 is no limit"
#define PRESET_HELP "1–64 of `A-Z a-z 0-9 _ . -`; fixed once created"

/* A preset's name (no space nor comma: it goes in elid lists). */
static int
ck_preset_name(const char *what, const char *v, char *out, char *err)
{
	size_t n = strlen(v);

	if (n < 1 || n > 64 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-") != n) {
		snprintf(err, VALID_ERR_MAX, "%s: 1 to 64 of A-Z a-z 0-9 _ . -",
		    what);
		return -1;
	}
	return out_is(out, v);
}

static const struct field user_fields[] = {
	{ "name", NULL, ck_username, NULL, F_REQ | F_FIXED | F_UNIQUE | F_COL,
	  "Name", "1–32 of `a-z 0-9 _ -`, starting with a letter or `_`; not "
	  "the name of a system account (`root`, `www-data`, `postfix`, ...) "
	  "nor of what `/var/www` holds besides the homes (`html`, "
	  "`httpd-logs`); fixed once created", NULL, NULL },
	{ "passwd", NULL, ck_password, NULL, F_SECRET, "Password",
	  "8–256 bytes of UTF-8 without control characters",
	  "required when creating", NULL },
	{ "password", "passwd", ck_password, NULL, F_SECRET | F_SPELLING,
	  "Password", "another name of `passwd`", NULL, NULL },
	{ "confirm", NULL, ck_any, NULL, F_SECRET, "Confirm password",
	  "when given, must equal `passwd`", "-", NULL },
	{ "fullname", NULL, ck_fullname, "", F_EMPTY | F_COL, "Full name",
	  "up to 128 bytes of UTF-8 without control characters, `:` or `,` "
	  "(it goes into the passwd GECOS field)", NULL, NULL },
	{ "level", NULL, ck_level, "user", F_COL, "Level", "`user` or "
	  "`admin`; fixed while the user has a placement, and for the caller",
	  NULL, ck_level_words },
	{ "active", NULL, ck_bool, "on", F_BOOL | F_COL, "Active", ONOFF,
	  NULL, NULL },
	{ "limit_webdomains", NULL, ck_limit, "0", F_INT, "Web domains",
	  LIMIT_HELP, NULL, NULL },
	{ "limit_domains", NULL, ck_limit, "0", F_INT, "DNS domains",
	  LIMIT_HELP, NULL, NULL },
	{ "limit_emaildomains", NULL, ck_limit, "0", F_INT, "Mail domains",
	  LIMIT_HELP, NULL, NULL },
	{ "limit_emails", NULL, ck_limit, "0", F_INT, "Mailboxes", LIMIT_HELP,
	  NULL, NULL },
	{ "limit_quota", NULL, ck_limit, "0", F_INT | F_COL, "Disk (MiB)",
	  "0–1000000000, the disk (MiB) the user's homes may take on all "
	  "their nodes together; 0 is no limit", NULL, NULL },
	{ "preset", NULL, ck_preset_name, NULL, F_OWN, "Preset",
	  "a preset's name: its limits are copied into the user's, and the "
	  "`limit_*` given in the same call win over them", "none", NULL },
	{ "webdomain_name", NULL, ck_domain, NULL, F_OWN, "Web domain",
	  "`user.add`: a web domain made for the new user", "none", NULL },
	{ "emaildomain_name", NULL, ck_domain, NULL, F_OWN, "Mail domain",
	  "`user.add`: a mail domain made for the new user", "none", NULL },
	{ "quota_total", NULL, NULL, NULL, F_OUT, "Disk (MiB)",
	  "ISPmanager's name of `limit_quota`, in lists", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_user = {
	.name = "user", .kind = DK_USER, .role = "", .what = "user",
	.fields = user_fields,
};

static const struct field preset_fields[] = {
	{ "name", NULL, ck_preset_name, NULL, F_REQ | F_FIXED | F_UNIQUE |
	  F_COL, "Name", PRESET_HELP, NULL, NULL },
	{ "limit_webdomains", NULL, ck_limit, "0", F_INT | F_COL,
	  "Web domains", LIMIT_HELP, NULL, NULL },
	{ "limit_domains", NULL, ck_limit, "0", F_INT | F_COL, "DNS domains",
	  LIMIT_HELP, NULL, NULL },
	{ "limit_emaildomains", NULL, ck_limit, "0", F_INT | F_COL,
	  "Mail domains", LIMIT_HELP, NULL, NULL },
	{ "limit_emails", NULL, ck_limit, "0", F_INT | F_COL, "Mailboxes",
	  LIMIT_HELP, NULL, NULL },
	{ "limit_quota", NULL, ck_limit, "0", F_INT | F_COL, "Disk (MiB)",
	  "0–1000000000, as a user's `limit_quota`", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_preset = {
	.name = "preset", .kind = DK_CLUSTER, .role = "", .what = "preset",
	.fields = preset_fields,
};

static const struct field node_fields[] = {
	{ "name", NULL, ck_node_name, NULL, F_REQ | F_UNIQUE | F_COL, "Name",
	  "1–63 of `a-z 0-9 -`, not starting with `-`", NULL, NULL },
	{ "addr", NULL, ck_ip, NULL, F_REQ | F_UNIQUE | F_COL, "Address",
	  "an IPv4 or IPv6 address; fixed once the node has joined (it is in "
	  "the node's certificate)", NULL, NULL },
	{ "port", NULL, ck_port, "1501", F_INT, "Agent port",
	  "1–65535, the agent's port", NULL, NULL },
	{ "ssh_port", NULL, ck_port, "22", F_INT, "SSH port", "1–65535",
	  NULL, NULL },
	{ "roles", NULL, ck_roles, "", F_EMPTY | F_COL, "Roles", "any of "
	  "`web`, `dns`, `mail`, separated by commas or spaces, each once",
	  "none", NULL },
	{ "weight", NULL, ck_weight, "100", F_INT | F_COL, "Weight",
	  "1–1000", NULL, NULL },
	{ "maintenance", NULL, ck_bool, "off", F_BOOL | F_COL, "Maintenance",
	  ONOFF, NULL, NULL },
	{ "userlocked", NULL, ck_bool, "off", F_BOOL | F_COL, "No new users",
	  ONOFF, NULL, NULL },
	{ "is_local", NULL, ck_bool, "off", F_BOOL, "Local node", ONOFF,
	  NULL, NULL },
	{ "comment", NULL, ck_comment, "", F_EMPTY, "Comment", "up to 255 "
	  "bytes of UTF-8 without control characters", NULL, NULL },
	{ "token_ttl", NULL, ck_ttl_s, NULL, 0, "Join token lifetime (s)",
	  "seconds a new join token lives, 1–604800",
	  "policy `join_token_ttl_s`", NULL },
	{ "status", NULL, NULL, NULL, F_OUT | F_COL, "Status",
	  "`installing`, `syncing`, `ready`, `unavailable` or `error`, from "
	  "the stats and synchronizer results alone", NULL, NULL },
	{ "version", NULL, NULL, NULL, F_OUT | F_COL, "Version",
	  "the hostfleet version the node runs, from its last report", NULL,
	  NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_node = {
	.name = "node", .kind = DK_CLUSTER, .role = "", .what = "node",
	.fields = node_fields,
};

/* A root password for one SSH login: 1–1024 bytes, no control
 * character (it is never stored). */
static int
ck_ssh_password(const char *what, const char *v, char *out, char *err)
{
	const unsigned char *p;

	if (*v == '\0' || strlen(v) > 1024) {
		snprintf(err, VALID_ERR_MAX, "%s: 1 to 1024 bytes", what);
		return -1;
	}
	for (p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, VALID_ERR_MAX, "%s: holds a control "
			    "character", what);
			return -1;
		}
	return out_is(out, "");
}

/* An SSH host key's fingerprint as OpenSSH and libssh print it:
 * `SHA256:` and the 43 characters of its base64, without padding. */
static int
ck_hostkey(const char *what, const char *v, char *out, char *err)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
	    "rstuvwxyz0123456789+/";

	if (strncmp(v, "SHA256:", 7) != 0 || strlen(v + 7) != 43 ||
	    strspn(v + 7, b64) != 43) {
		snprintf(err, VALID_ERR_MAX, "%s: `SHA256:` and 43 characters "
		    "of base64, as the refusal of a changed host key names it",
		    what);
		return -1;
	}
	return out_is(out, v);
}

/* A private key in PEM (OpenSSH's or PKCS#8), up to 16 KiB; libssh reads
 * it when it logs in. */
static int
ck_ssh_key(const char *what, const char *v, char *out, char *err)
{
	const unsigned char *p;

	if (strlen(v) > 16384 || strncmp(v, "-----BEGIN ", 11) != 0 ||
	    strstr(v, "PRIVATE KEY-----") == NULL) {
		snprintf(err, VALID_ERR_MAX, "%s: not a private key in PEM "
		    "(-----BEGIN OPENSSH PRIVATE KEY-----) of up to 16 KiB",
		    what);
		return -1;
	}
	for (p = (const unsigned char *)v; *p; p++)
		if ((*p < 0x20 && *p != '\n' && *p != '\r') || *p >= 0x7f) {
			snprintf(err, VALID_ERR_MAX, "%s: a byte that PEM has "
			    "not", what);
			return -1;
		}
	return out_is(out, "");
}

/* Adding a node over SSH: the node's fields, the root login (used for
 * that session only) and, answered, each step. */
static const struct field enroll_fields[] = {
	{ "name", NULL, ck_node_name, NULL, F_REQ | F_COL, "Name",
	  "1–63 of `a-z 0-9 -`, not starting with `-`", NULL, NULL },
	{ "addr", NULL, ck_ip, NULL, F_REQ, "Address",
	  "an IPv4 or IPv6 address the master reaches over SSH", NULL, NULL },
	{ "ssh_port", NULL, ck_port, "22", F_INT, "SSH port", "1–65535",
	  NULL, NULL },
	{ "port", NULL, ck_port, "1501", F_INT, "Agent port",
	  "1–65535, the agent's port", NULL, NULL },
	{ "roles", NULL, ck_roles, "", F_EMPTY, "Roles", "any of "
	  "`web`, `dns`, `mail`, separated by commas or spaces, each once",
	  "none", NULL },
	{ "weight", NULL, ck_weight, "100", F_INT, "Weight",
	  "1–1000", NULL, NULL },
	{ "comment", NULL, ck_comment, "", F_EMPTY, "Comment", "up to 255 "
	  "bytes of UTF-8 without control characters", NULL, NULL },
	{ "password", NULL, ck_ssh_password, NULL, F_SECRET, "Root password",
	  "root's SSH password, 1–1024 bytes without control characters; "
	  "used for this session only, never stored", NULL, NULL },
	{ "ssh_key", NULL, ck_ssh_key, NULL, F_SECRET | F_LINES,
	  "Root private key", "instead of the password: a private key of "
	  "root's without a passphrase, in PEM; never stored", NULL, NULL },
	{ "hostkey", NULL, ck_hostkey, NULL, 0, "Accept host key",
	  "the fingerprint (`SHA256:...`) of a host key to accept in place "
	  "of the one recorded for the address, as for a reinstalled "
	  "machine: the refusal of a changed key names it", NULL, NULL },
	{ "force", NULL, ck_bool, NULL, F_BOOL, "Force", "`on` or `off` "
	  "(`cluster.node.remove`): `on` removes a node that holds users' "
	  "data, which is lost with it", "`off`", NULL },
	{ "state", NULL, NULL, NULL, F_OUT | F_COL, "State",
	  "a step's state: `waiting`, `running`, `done` or `failed`", NULL,
	  NULL },
	{ "started", NULL, NULL, NULL, F_OUT | F_COL, "Started",
	  "when the step started, ms since the epoch (0: not yet)", NULL,
	  NULL },
	{ "ended", NULL, NULL, NULL, F_OUT | F_COL, "Ended",
	  "when it ended, ms since the epoch (0: not yet)", NULL, NULL },
	{ "output", NULL, NULL, NULL, F_OUT | F_LINES, "Output",
	  "what the step printed (its last 64 KiB), also while it runs",
	  NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_enroll = {
	.name = "enroll", .kind = DK_CLUSTER, .role = "",
	.what = "enrollment", .fields = enroll_fields,
};

WORDS(ck_service, "nginx", "php-fpm", "named", "postfix", "dovecot")

static const struct field service_fields[] = {
	{ "name", NULL, ck_service, NULL, F_REQ | F_COL, "Service",
	  "`nginx`, `php-fpm`, `named`, `postfix` or `dovecot`", NULL,
	  ck_service_words },
	{ "role", NULL, NULL, NULL, F_OUT | F_COL, "Role",
	  "the role the service serves", NULL, NULL },
	{ "state", NULL, NULL, NULL, F_OUT | F_COL, "State",
	  "`running`, `stopped` or `failed`", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_service = {
	.name = "service", .kind = DK_CLUSTER, .role = "",
	.what = "service", .fields = service_fields,
};

static const struct field policy_fields[] = {
	{ "min_ready_percent", NULL, ck_ready_percent, "50", F_INT,
	  "Ready nodes needed (%)", "0–99: a distributed query runs only "
	  "when ready targets / targets × 100 is greater", NULL, NULL },
	{ "placement", NULL, ck_placement, "lowest_score", 0, "Placement",
	  "`lowest_score`: a user's node is the one with the lowest users / "
	  "weight / free resource", NULL, ck_placement_words },
	{ "node_timeout_ms", NULL, ck_node_timeout, "5000", F_INT,
	  "Node timeout (ms)", "50–600000: how long the master waits for one "
	  "node", NULL, NULL },
	{ "heartbeat_interval_ms", NULL, ck_heartbeat, "5000", F_INT,
	  "Heartbeat (ms)", "100–3600000: how often every node is polled",
	  NULL, NULL },
	{ "heartbeat_misses", NULL, ck_misses, "3", F_INT, "Missed "
	  "heartbeats", "1–1000: missed polls before `unavailable`", NULL,
	  NULL },
	{ "join_token_ttl_s", NULL, ck_ttl_s, "3600", F_INT, "Join token "
	  "lifetime (s)", "1–604800: the default life of a join token", NULL,
	  NULL },
	{ "actionlog_days", NULL, ck_retention_days, "90", F_INT,
	  "Action log kept (days)", "1–3650: entries of the action log older "
	  "than this are removed", NULL, NULL },
	{ "metrics_token", NULL, ck_metrics_token, NULL, F_SECRET | F_EMPTY,
	  "Metrics scrape token", "16–256 of `A-Z a-z 0-9 ._~+/=-`: the "
	  "bearer token that reads `/metrics`; kept as its hash, never "
	  "answered; empty: none", "none", NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_policy = {
	.name = "policy", .kind = DK_CLUSTER, .role = "", .what = "policy",
	.fields = policy_fields,
};

/* A single sign-on key: 16–128 of A-Z a-z 0-9 . _ - */
static int
ck_sso_key(const char *what, const char *v, char *out, char *err)
{
	size_t n = strlen(v);

	if (n < 16 || n > 128 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
		snprintf(err, VALID_ERR_MAX, "%s: 16 to 128 of A-Z a-z 0-9 . "
		    "_ -", what);
		return -1;
	}
	return out_is(out, v);
}

static const struct field session_fields[] = {
	{ "username", NULL, ck_any, NULL, F_REQ, "User name",
	  "the account's name", NULL, NULL },
	{ "password", NULL, ck_any, NULL, F_SECRET, "Password",
	  "the account's password (or `key`)", NULL, NULL },
	{ "key", NULL, ck_sso_key, NULL, F_SECRET, "Key",
	  "a single sign-on key made by `session.newkey`: 16–128 of `A-Z a-z "
	  "0-9 . _ -`, good for one login within 120 seconds", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_session = {
	.name = "session", .kind = DK_CLUSTER, .role = "", .what = "session",
	.fields = session_fields,
};

static const struct field desync_fields[] = {
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_desync = {
	.name = "desync", .kind = DK_CLUSTER, .role = "",
	.what = "desync entry", .fields = desync_fields,
};

static const struct field query_fields[] = {
	{ "limit", NULL, ck_query_limit, "100", F_INT, "How many",
	  "1–10000, the newest first", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_query = {
	.name = "query", .kind = DK_CLUSTER, .role = "",
	.what = "distributed query", .fields = query_fields,
};

static const struct field actionlog_fields[] = {
	{ "limit", NULL, ck_query_limit, "100", F_INT, "How many",
	  "1–10000, the newest first", NULL, NULL },
	{ "user", NULL, ck_username, NULL, F_COL, "User",
	  "who logged in (a filter: exactly this account)", NULL, NULL },
	{ "function", NULL, ck_funcname, NULL, F_COL, "Function",
	  "the function called (a filter: exactly this one)", NULL, NULL },
	{ "addr", NULL, ck_ip_any, NULL, F_COL, "Address",
	  "the caller's address (a filter: exactly this one)", NULL, NULL },
	{ "outcome", NULL, ck_outcome, NULL, F_COL, "Outcome",
	  "`ok` or `error` (a filter)", NULL, ck_outcome_words },
	{ "since", NULL, ck_time_s, NULL, F_INT, "Since",
	  "a filter: entries at or after this time (seconds since the "
	  "epoch)", NULL, NULL },
	{ "until", NULL, ck_time_s, NULL, F_INT, "Until",
	  "a filter: entries before this time (seconds since the epoch)",
	  NULL, NULL },
	{ "time", NULL, NULL, NULL, F_OUT | F_COL, "Time",
	  "when the call ended, seconds since the epoch", NULL, NULL },
	{ "as", NULL, NULL, NULL, F_OUT | F_COL, "As",
	  "whom the caller acted as (`su=`)", NULL, NULL },
	{ "params", NULL, NULL, NULL, F_OUT | F_COL, "Parameters",
	  "the call's parameters as a JSON object, secrets replaced by "
	  "`(secret)`", NULL, NULL },
	{ "error", NULL, NULL, NULL, F_OUT | F_COL, "Error",
	  "the error's type and message, `\"\"` when `ok`", NULL, NULL },
	{ "results", NULL, NULL, NULL, F_OUT | F_COL, "Node results",
	  "a distributed query's result on each node (JSON: name → `ok` or "
	  "the error), `\"\"` for other calls", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

const struct dtype dt_actionlog = {
	.name = "actionlog", .kind = DK_CLUSTER, .role = "",
	.what = "action log entry", .fields = actionlog_fields,
};

const struct dtype *const schema_types[] = {
	&dt_session, &dt_node, &dt_service, &dt_policy, &dt_desync, &dt_query,
	&sd_types[0], &sd_types[1], &sd_types[2], &sd_types[3], &sd_types[4],
	&sd_types[5], &dt_user, &dt_webdomain, &dt_domain, &dt_record,
	&dt_emaildomain, &dt_email,
	/* then, in the order they came: the fuzz corpora choose a type by
	 * its index */
	&dt_enroll, &dt_preset, &dt_actionlog, NULL,
};
_Static_assert(SD_NTYPES == 6, "every system data type is in schema_types");
