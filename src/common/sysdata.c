/* sysdata.c - see sysdata.h. */
#include "sysdata.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "util.h"

#define OUTMAX	SD_OUTMAX

#define fail	valid_fail

static int
copy_out(char *out, const char *v)
{
	strlcpy_hf(out, v, OUTMAX);
	return 0;
}

/* ---- firewall ---- */

static const char *const fw_actions[] = { "allow", "deny", "reject", NULL };
static const char *const fw_protos[] = { "tcp", "udp", "icmp", "all", NULL };

int
sd_check_fw_action(const char *what, const char *v, char *out, char *err)
{
	if (valid_enum(what, v, fw_actions, err) == -1)
		return -1;
	return copy_out(out, v);
}

int
sd_check_fw_proto(const char *what, const char *v, char *out, char *err)
{
	if (valid_enum(what, v, fw_protos, err) == -1)
		return -1;
	return copy_out(out, v);
}

/* "" (any), "N" or "N-M" with 1 <= N < M <= 65535. */
int
sd_check_fw_port(const char *what, const char *v, char *out, char *err)
{
	char a[8], b[8], e2[VALID_ERR_MAX];
	const char *dash;
	int64_t lo, hi;

	if (*v == '\0')
		return copy_out(out, "");
	if (strlen(v) > 11)
		return fail(err, what, v, "not a port or port range");
	if ((dash = strchr(v, '-')) == NULL) {
		if (valid_int(what, v, 1, 65535, &lo, err) == -1)
			return -1;
		return copy_out(out, v);
	}
	if (dash - v >= (long)sizeof(a) || strlen(dash + 1) >= sizeof(b))
		return fail(err, what, v, "not a port or port range");
	memcpy(a, v, (size_t)(dash - v));
	a[dash - v] = '\0';
	strlcpy_hf(b, dash + 1, sizeof(b));
	if (valid_int(what, a, 1, 65535, &lo, e2) == -1 ||
	    valid_int(what, b, 1, 65535, &hi, e2) == -1)
		return fail(err, what, v, "a range is two ports 1..65535 "
		    "joined by '-'");
	if (lo >= hi)
		return fail(err, what, v, "the range is empty or reversed");
	return copy_out(out, v);
}

/* "" (any), an address or a network in CIDR form without host bits. */
int
sd_check_fw_src(const char *what, const char *v, char *out, char *err)
{
	unsigned char raw[16];
	char addr[64], canon[64], e2[VALID_ERR_MAX];
	const char *slash;
	int64_t plen = -1;
	int af, bits, i;

	if (*v == '\0')
		return copy_out(out, "");
	if (strlen(v) >= sizeof(addr))
		return fail(err, what, v, "not an address or network");
	strlcpy_hf(addr, v, sizeof(addr));
	if ((slash = strchr(v, '/')) != NULL)
		addr[slash - v] = '\0';
	if (inet_pton(AF_INET, addr, raw) == 1) {
		af = AF_INET;
		bits = 32;
	} else if (inet_pton(AF_INET6, addr, raw) == 1) {
		af = AF_INET6;
		bits = 128;
	} else
		return fail(err, what, v, "not an IPv4 or IPv6 address or "
		    "network");
	if (slash && valid_int(what, slash + 1, 0, bits, &plen, e2) == -1)
		return fail(err, what, v, "prefix length must be 0..%d", bits);
	if (plen >= 0) {
		for (i = 0; i < bits; i++) {
			int set = raw[i / 8] & (0x80 >> (i % 8));

			if (i >= plen && set)
				return fail(err, what, v, "host bits set after "
				    "the /%d prefix", (int)plen);
		}
	}
	inet_ntop(af, raw, canon, sizeof(canon));
	if (plen >= 0 && plen != bits)
		snprintf(out, OUTMAX, "%s/%d", canon, (int)plen);
	else
		copy_out(out, canon);
	return 0;
}

/* Printable ASCII without '"' and '\', at most 100 bytes: it is rendered
 * inside an nft comment "...". */
int
sd_check_fw_comment(const char *what, const char *v, char *out, char *err)
{
	size_t i, n = strlen(v);

	if (n > 100)
		return fail(err, what, v, "longer than 100 characters");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
			return fail(err, what, v, "only printable ASCII "
			    "without '\"' and '\\'");
	}
	return copy_out(out, v);
}

int
sd_check_order(const char *what, const char *v, char *out, char *err)
{
	if (valid_int(what, v, 0, 65535, NULL, err) == -1)
		return -1;
	return copy_out(out, v);
}

static int
fw_cross(const json_t *item, char *errfield, char *err)
{
	const char *proto = json_string_value(json_object_get(item, "proto"));
	const char *port = json_string_value(json_object_get(item, "port"));

	if (port && *port && proto && strcmp(proto, "tcp") != 0 &&
	    strcmp(proto, "udp") != 0) {
		strlcpy_hf(errfield, "port", SD_ERRFIELD_MAX);
		return fail(err, "port", port, "a port needs protocol tcp or "
		    "udp, not %s", proto);
	}
	return 0;
}

/*
 * The nft verdict of an action: "deny" drops silently (the peer times out),
 * "reject" answers at once: a TCP reset for tcp (the peer's connect fails
 * with "connection refused"), otherwise nft's default reject, an ICMP(v6)
 * port unreachable, which a TCP connect also reports as refused.  nft
 * refuses "with tcp reset" on a rule that may match anything but tcp.
 */
static const char *
fw_verdict(const char *action, const char *proto)
{
	if (strcmp(action, "allow") == 0)
		return "accept";
	if (strcmp(action, "reject") == 0)
		return strcmp(proto, "tcp") == 0 ? "reject with tcp reset" :
		    "reject";
	return "drop";
}

/* One nft rule per item, first match wins; the comment carries the id. */
static int
fw_render(const json_t *items, struct sbuf *out)
{
	const json_t *it;
	size_t i;
	int rc = 0;

	rc |= sbuf_adds(out, "# hostfleet: managed file; changes made here "
	    "are reported and undone\n"
	    "table inet hostfleet\n"
	    "delete table inet hostfleet\n"
	    "table inet hostfleet {\n"
	    "\tchain input {\n"
	    "\t\ttype filter hook input priority 0; policy accept;\n");
	json_array_foreach(items, i, it) {
		const char *action = json_string_value(json_object_get(it,
		    "action"));
		const char *proto = json_string_value(json_object_get(it,
		    "proto"));
		const char *port = json_string_value(json_object_get(it,
		    "port"));
		const char *src = json_string_value(json_object_get(it, "src"));
		const char *comment = json_string_value(json_object_get(it,
		    "comment"));

		rc |= sbuf_adds(out, "\t\t");
		if (src && *src)
			rc |= sbuf_printf(out, "%s saddr %s ",
			    strchr(src, ':') ? "ip6" : "ip", src);
		if (strcmp(proto, "icmp") == 0)
			rc |= sbuf_adds(out, "meta l4proto { icmp, ipv6-icmp } ");
		else if (strcmp(proto, "tcp") == 0 || strcmp(proto, "udp") == 0) {
			if (port && *port)
				rc |= sbuf_printf(out, "%s dport %s ", proto,
				    port);
			else
				rc |= sbuf_printf(out, "meta l4proto %s ",
				    proto);
		}
		rc |= sbuf_printf(out, "counter %s comment \"hf-%" JSON_INTEGER_FORMAT
		    "%s%s\"\n", fw_verdict(action, proto),
		    json_integer_value(json_object_get(it, "id")),
		    comment && *comment ? ": " : "", comment ? comment : "");
	}
	rc |= sbuf_adds(out, "\t}\n}\n");
	return rc ? -1 : 0;
}

static const struct field fw_fields[] = {
	{ "action", NULL, sd_check_fw_action, NULL, F_REQ | F_COL, "Action",
	  "`allow`, `deny` (dropped silently: the client waits until it "
	  "times out) or `reject` (refused at once: a TCP reset for `tcp`, an "
	  "ICMP port unreachable otherwise; a TCP client sees \"connection "
	  "refused\")", NULL, fw_actions },
	{ "proto", NULL, sd_check_fw_proto, "all", F_COL, "Protocol",
	  "`tcp`, `udp`, `icmp` (v4 and v6) or `all`", NULL, fw_protos },
	{ "port", NULL, sd_check_fw_port, "", F_EMPTY | F_COL, "Port",
	  "a port 1–65535 or a range `N-M` (N < M); only with `tcp` or `udp`",
	  "any", NULL },
	{ "src", NULL, sd_check_fw_src, "", F_EMPTY | F_COL, "Source",
	  "an IPv4 or IPv6 address or network in CIDR form, without host "
	  "bits; written canonically", "any", NULL },
	{ "comment", NULL, sd_check_fw_comment, "", F_EMPTY | F_COL,
	  "Comment", "up to 100 printable ASCII characters but `\"` and `\\`",
	  NULL, NULL },
	{ "order", NULL, sd_check_order, "1000", F_COL, "Order",
	  "0–65535, lower first", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

/* ---- scheduler ---- */

/* One cron field: a list of *, * / S, N, N-M, N-M / S within [min, max]. */
static int
cron_field(const char *what, const char *v, int min, int max, char *out,
    char *err)
{
	char buf[72], *item, *save = NULL, *p;
	size_t n = strlen(v);

	if (n == 0)
		return fail(err, what, v, "empty");
	if (n > 64)
		return fail(err, what, v, "longer than 64 characters");
	strlcpy_hf(buf, v, sizeof(buf));
	if (buf[0] == ',' || buf[n - 1] == ',' || strstr(buf, ",,"))
		return fail(err, what, v, "empty list item");
	for (p = buf; (item = strtok_r(p, ",", &save)) != NULL; p = NULL) {
		char *slash = strchr(item, '/'), *dash;
		long lo, hi, step;
		char *end;

		if (slash) {
			*slash++ = '\0';
			step = strtol(slash, &end, 10);
			if (*slash < '0' || *slash > '9' || *end != '\0' ||
			    step < 1 || step > max)
				return fail(err, what, v, "bad step");
		}
		if (strcmp(item, "*") == 0)
			continue;
		dash = strchr(item, '-');
		if (dash)
			*dash++ = '\0';
		if (*item < '0' || *item > '9')
			return fail(err, what, v, "expected *, a number or a "
			    "range");
		lo = strtol(item, &end, 10);
		if (*end != '\0' || strlen(item) > 2)
			return fail(err, what, v, "expected *, a number or a "
			    "range");
		hi = lo;
		if (dash) {
			if (*dash < '0' || *dash > '9')
				return fail(err, what, v, "bad range");
			hi = strtol(dash, &end, 10);
			if (*end != '\0' || strlen(dash) > 2)
				return fail(err, what, v, "bad range");
		} else if (slash)
			return fail(err, what, v, "a step needs * or a range");
		if (lo < min || hi > max || lo > hi)
			return fail(err, what, v, "out of range %d..%d", min,
			    max);
	}
	return copy_out(out, v);
}

int
sd_check_cron_minute(const char *w, const char *v, char *o, char *e)
{
	return cron_field(w, v, 0, 59, o, e);
}

int
sd_check_cron_hour(const char *w, const char *v, char *o, char *e)
{
	return cron_field(w, v, 0, 23, o, e);
}

int
sd_check_cron_dom(const char *w, const char *v, char *o, char *e)
{
	return cron_field(w, v, 1, 31, o, e);
}

int
sd_check_cron_month(const char *w, const char *v, char *o, char *e)
{
	return cron_field(w, v, 1, 12, o, e);
}

int
sd_check_cron_dow(const char *w, const char *v, char *o, char *e)
{
	return cron_field(w, v, 0, 7, o, e);
}

/* One line of UTF-8 without control characters; '%' (a newline to cron)
 * is escaped when rendered. */
int
sd_check_cron_command(const char *what, const char *v, char *out, char *err)
{
	if (*v == '\0')
		return fail(err, what, v, "empty");
	if (valid_text(what, v, 400, err) == -1)
		return -1;
	if (*v == ' ' || *v == '\t')
		return fail(err, what, v, "starts with a blank");
	/* cron reads "\%" as a literal '%' and the render escapes every '%',
	 * so a backslash of the command's own before '%' would pair with the
	 * render's and end the command there */
	if (strstr(v, "\\%") != NULL)
		return fail(err, what, v, "a backslash before '%%' cannot be "
		    "written in a cron line; every '%%' is passed literally");
	return copy_out(out, v);
}

int
sd_check_cron_user(const char *what, const char *v, char *out, char *err)
{
	if (valid_username(what, v, err) == -1)
		return -1;
	return copy_out(out, v);
}

int
sd_check_onoff(const char *what, const char *v, char *out, char *err)
{
	int b;

	if (valid_bool(what, v, &b, err) == -1)
		return -1;
	return copy_out(out, v);
}

int
sd_check_comment(const char *what, const char *v, char *out, char *err)
{
	if (valid_text(what, v, 255, err) == -1)
		return -1;
	return copy_out(out, v);
}

static int
cron_render(const json_t *items, struct sbuf *out)
{
	const json_t *it;
	size_t i;
	int rc = 0;

	rc |= sbuf_adds(out, "# hostfleet: managed file; changes made here "
	    "are reported and undone\n"
	    "SHELL=/bin/sh\n"
	    "PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n");
	json_array_foreach(items, i, it) {
		const char *cmd = json_string_value(json_object_get(it,
		    "command"));
		const char *comment = json_string_value(json_object_get(it,
		    "comment"));

		if (strcmp(json_string_value(json_object_get(it, "active")),
		    "on") != 0)
			continue;
		rc |= sbuf_printf(out, "# hf-%" JSON_INTEGER_FORMAT "%s%s\n",
		    json_integer_value(json_object_get(it, "id")),
		    comment && *comment ? ": " : "", comment ? comment : "");
		rc |= sbuf_printf(out, "%s %s %s %s %s %s ",
		    json_string_value(json_object_get(it, "minute")),
		    json_string_value(json_object_get(it, "hour")),
		    json_string_value(json_object_get(it, "dom")),
		    json_string_value(json_object_get(it, "month")),
		    json_string_value(json_object_get(it, "dow")),
		    json_string_value(json_object_get(it, "user")));
		for (; *cmd; cmd++) {
			if (*cmd == '%')
				rc |= sbuf_addc(out, '\\');
			rc |= sbuf_addc(out, *cmd);
		}
		rc |= sbuf_addc(out, '\n');
	}
	return rc ? -1 : 0;
}

#define CRON_HELP "`*`, `*/S`, `N`, `N-M`, `N-M/S` and lists of them, " \
	"within "
static const struct field cron_fields[] = {
	{ "minute", NULL, sd_check_cron_minute, "*", F_COL, "Minute",
	  CRON_HELP "0–59", NULL, NULL },
	{ "hour", NULL, sd_check_cron_hour, "*", F_COL, "Hour",
	  CRON_HELP "0–23", NULL, NULL },
	{ "dom", NULL, sd_check_cron_dom, "*", F_COL, "Day of month",
	  CRON_HELP "1–31", NULL, NULL },
	{ "month", NULL, sd_check_cron_month, "*", F_COL, "Month",
	  CRON_HELP "1–12", NULL, NULL },
	{ "dow", NULL, sd_check_cron_dow, "*", F_COL, "Day of week",
	  CRON_HELP "0–7 (0 and 7: Sunday)", NULL, NULL },
	{ "command", NULL, sd_check_cron_command, NULL, F_REQ | F_COL,
	  "Command", "one line of UTF-8, up to 400 bytes, no control "
	  "characters, not starting with a blank; `%` is passed literally "
	  "(escaped for cron), a `\\` before `%` is refused", NULL, NULL },
	{ "user", NULL, sd_check_cron_user, "root", F_COL, "User",
	  "an account name", NULL, NULL },
	{ "active", NULL, sd_check_onoff, "on", F_COL, "Active",
	  "`on` or `off` (an inactive job is kept but not rendered)", NULL,
	  NULL },
	{ "comment", NULL, sd_check_comment, "", F_EMPTY | F_COL, "Comment",
	  "up to 255 bytes, one line", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

/* ---- mail sender lists ---- */

/* "example.com" (a domain and its mail) or "user@example.com"; ASCII
 * (IDN in punycode), written in lower case. */
int
sd_check_mail_pattern(const char *what, const char *v, char *out, char *err)
{
	char buf[320], e2[VALID_ERR_MAX];
	const char *at, *dom;
	size_t i, n = strlen(v);

	if (n == 0)
		return fail(err, what, v, "empty");
	if (n >= sizeof(buf))
		return fail(err, what, v, "longer than 319 characters");
	for (i = 0; i < n; i++)
		buf[i] = (v[i] >= 'A' && v[i] <= 'Z') ? (char)(v[i] + 32) : v[i];
	buf[n] = '\0';
	if ((at = strchr(buf, '@')) != NULL) {
		size_t llen = (size_t)(at - buf);

		if (llen == 0 || llen > 64)
			return fail(err, what, v, "the part before '@' must "
			    "be 1 to 64 characters");
		if (buf[0] == '.' || at[-1] == '.' || strstr(buf, ".."))
			return fail(err, what, v, "misplaced '.' before '@'");
		for (i = 0; i < llen; i++) {
			char c = buf[i];

			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			    c == '.' || c == '_' || c == '+' || c == '-'))
				return fail(err, what, v, "invalid character "
				    "before '@'; allowed: a-z 0-9 . _ + -");
		}
		dom = at + 1;
	} else
		dom = buf;
	if (valid_hostname(what, dom, e2) == -1 || strchr(dom, '.') == NULL)
		return fail(err, what, v, "not a domain name (use punycode for "
		    "international names)");
	return copy_out(out, buf);
}

static int
list_render(const json_t *items, struct sbuf *out, const char *action)
{
	const json_t *it;
	size_t i;
	int rc = 0;

	rc |= sbuf_adds(out, "# hostfleet: managed file; changes made here "
	    "are reported and undone\n");
	json_array_foreach(items, i, it)
		rc |= sbuf_printf(out, "%s\t%s\n",
		    json_string_value(json_object_get(it, "pattern")), action);
	return rc ? -1 : 0;
}

static int
white_render(const json_t *items, struct sbuf *out)
{
	return list_render(items, out, "OK");
}

static int
black_render(const json_t *items, struct sbuf *out)
{
	return list_render(items, out, "REJECT");
}

static const struct field list_fields[] = {
	{ "pattern", NULL, sd_check_mail_pattern, NULL, F_REQ | F_COL,
	  "Sender", "a domain (`example.com`, IDN in punycode) or an address "
	  "`local@example.com` (`a-z 0-9 . _ + -` before `@`); written in "
	  "lower case", NULL, NULL },
	{ "comment", NULL, sd_check_comment, "", F_EMPTY | F_COL, "Comment",
	  "up to 255 bytes, one line", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

/* ---- software ---- */

static const char *const sw_roles[] = { "", "web", "dns", "mail", NULL };

/* "" (every node), or one role. */
int
sd_check_sw_role(const char *what, const char *v, char *out, char *err)
{
	if (*v && strcmp(v, "web") != 0 && strcmp(v, "dns") != 0 &&
	    strcmp(v, "mail") != 0)
		return fail(err, what, v, "web, dns, mail, or empty for every "
		    "node");
	return copy_out(out, v);
}

/* A Debian package name (Policy 5.6.1): [a-z0-9][a-z0-9+.-]+, here at most
 * SD_PKG_MAX bytes.  It is passed to dpkg-query and apt-get as one
 * argument, never through a shell; it cannot start with '-', so it is
 * never taken for an option. */
int
sd_check_sw_package(const char *what, const char *v, char *out, char *err)
{
	size_t i, n = strlen(v);

	if (n < 2)
		return fail(err, what, v, "a package name has at least 2 "
		    "characters");
	if (n > SD_PKG_MAX)
		return fail(err, what, v, "longer than %d characters",
		    SD_PKG_MAX);
	for (i = 0; i < n; i++) {
		char c = v[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			continue;
		if (i > 0 && (c == '+' || c == '.' || c == '-'))
			continue;
		return fail(err, what, v, "a Debian package name: a-z 0-9, "
		    "then a-z 0-9 + . -");
	}
	return copy_out(out, v);
}

/* The list as the node keeps it: "ROLE PACKAGE" lines, '*' for every
 * role.  What is installed is the node's report, not this file. */
static int
sw_render(const json_t *items, struct sbuf *out)
{
	const json_t *it;
	size_t i;
	int rc = 0;

	rc |= sbuf_adds(out, "# hostfleet: managed file; the packages this "
	    "cluster's nodes install, by role\n");
	json_array_foreach(items, i, it) {
		const char *role = json_string_value(json_object_get(it,
		    "role"));

		rc |= sbuf_printf(out, "%s %s\n", *role ? role : "*",
		    json_string_value(json_object_get(it, "package")));
	}
	return rc ? -1 : 0;
}

static const struct field sw_fields[] = {
	{ "role", NULL, sd_check_sw_role, "", F_EMPTY | F_COL, "Role",
	  "`web`, `dns`, `mail`, or empty for every node", NULL, sw_roles },
	{ "package", NULL, sd_check_sw_package, NULL, F_REQ | F_COL,
	  "Package", "a Debian package name: 2–100 of `a-z 0-9 + . -`, "
	  "starting with `a-z 0-9` (no version, no architecture)", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

/* What a new master starts with: the packages tools/deps.sh installs for
 * the services each role runs, so that nothing is downloaded on a machine
 * prepared by it. */
const struct sd_sw_default sd_software_defaults[] = {
	{ "", "nftables" },
	{ "", "cron" },
	{ "web", "nginx-light" },
	{ "web", "php-fpm" },
	{ "dns", "bind9" },
	{ "dns", "bind9-utils" },
	{ "mail", "postfix" },
	{ "mail", "dovecot-core" },
	{ "mail", "dovecot-imapd" },
	{ "mail", "dovecot-lmtpd" },
	{ NULL, NULL },
};

/* ---- templates ---- */

const char *const sd_tpl_slots[] = { "nginx_site_extra", "php_pool_extra",
    "dovecot_extra", NULL };

int
sd_check_tpl_name(const char *what, const char *v, char *out, char *err)
{
	if (valid_enum(what, v, sd_tpl_slots, err) == -1)
		return -1;
	return copy_out(out, v);
}

/*
 * Lines of printable ASCII and tabs, 1..SD_TPL_BODY_MAX bytes.  Canonical:
 * a CR before a LF dropped (a form posted from a browser), blanks and
 * newlines at the end dropped.  What the lines may say is the slot's
 * (sd_tpl_check, run by the type's cross check).
 */
int
sd_check_tpl_body(const char *what, const char *v, char *out, char *err)
{
	size_t i, n = 0;

	if (strlen(v) > SD_TPL_BODY_MAX)
		return fail(err, what, v, "longer than %d bytes",
		    SD_TPL_BODY_MAX);
	for (i = 0; v[i]; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\r' && v[i + 1] == '\n')
			continue;
		if ((c < 0x20 && c != '\t' && c != '\n') || c >= 0x7f)
			return fail(err, what, v, "only printable ASCII, tabs "
			    "and newlines (byte 0x%02x)", c);
		out[n++] = (char)c;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t' ||
	    out[n - 1] == '\n'))
		n--;
	out[n] = '\0';
	if (n == 0)
		return fail(err, what, v, "empty");
	return 0;
}

/* The first word of s (up to a blank, ';', '{', '=' or the end) in w. */
static void
first_word(const char *s, char *w, size_t len)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	while (*s && !strchr(" \t;{=\n", *s) && n + 1 < len)
		w[n++] = *s++;
	w[n] = '\0';
}

/* Whether w is one of the NULL-terminated words, or starts with one that
 * ends in '*'. */
static int
word_in(const char *w, const char *const *words)
{
	for (; *words; words++) {
		size_t n = strlen(*words);

		if (n && (*words)[n - 1] == '*' ? strncmp(w, *words, n - 1) ==
		    0 : strcmp(w, *words) == 0)
			return 1;
	}
	return 0;
}

/*
 * A block of nginx or Dovecot configuration as their tokenizers read it:
 * '#' starts a comment, quotes (with '\' escapes) hold anything, every '{'
 * is closed within the body and no '}' closes a block of ours; with semi
 * set every statement ends with ';' or a block.  A statement may not start
 * with one of the words of deny.
 */
static int
tpl_block(const char *slot, const char *b, int semi,
    const char *const *deny, char *err)
{
	char word[64];
	int depth = 0, pending = 0;
	const char *p;

	for (p = b; *p; p++) {
		if (*p == '#') {
			while (p[1] && p[1] != '\n')
				p++;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			char q = *p;

			for (p++; *p && *p != q; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p == '\0')
				return fail(err, slot, b, "unterminated quote");
			pending = 1;
			continue;
		}
		if (*p == ' ' || *p == '\t' || (*p == '\n' && semi))
			continue;
		if (*p == '{' || *p == ';' || *p == '}' || *p == '\n') {
			if (*p == '{')
				depth++;
			else if (*p == '}' && --depth < 0)
				return fail(err, slot, b, "a '}' would close a "
				    "block that is not the template's");
			if (*p == ';' && !semi)
				return fail(err, slot, b, "';' has no place "
				    "here");
			pending = 0;
			continue;
		}
		if (!pending) {
			first_word(p, word, sizeof(word));
			if (word_in(word, deny))
				return fail(err, slot, b, "\"%s\" is set by "
				    "hostfleet or reads other files", word);
		}
		if (*p == '\\' && p[1])
			p++;
		pending = 1;
	}
	if (depth != 0)
		return fail(err, slot, b, "a '{' is not closed");
	if (pending && semi)
		return fail(err, slot, b, "the last directive does not end "
		    "with ';'");
	return 0;
}

/* PHP-FPM pool lines: "key = value", comments (';'; PHP reads no '#')
 * and blank lines; no section, no setting the pool's isolation rests
 * on. */
static int
tpl_pool(const char *slot, const char *b, char *err)
{
	static const char *const deny[] = { "user", "group", "listen",
	    "listen.*", "chroot", "chdir", "prefix", "include",
	    "php_admin_value[open_basedir]", "php_value[open_basedir]",
	    "php_admin_value[disable_functions]", NULL };
	const char *p = b, *nl, *k;
	char key[64];

	for (; *p; p = *nl ? nl + 1 : nl) {
		size_t kl;

		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		while (p < nl && (*p == ' ' || *p == '\t'))
			p++;
		if (p == nl || *p == ';')
			continue;
		for (k = p; k < nl && ((*k >= 'a' && *k <= 'z') ||
		    (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
		    strchr("_.[]-", *k)); k++)
			;
		kl = (size_t)(k - p);
		if (kl == 0 || kl >= sizeof(key) || *p == '[')
			return fail(err, slot, b, "a line is not \"key = "
			    "value\"");
		memcpy(key, p, kl);
		key[kl] = '\0';
		while (k < nl && (*k == ' ' || *k == '\t'))
			k++;
		if (k == nl || *k != '=')
			return fail(err, slot, b, "\"%s\" is not followed by "
			    "'='", key);
		if (word_in(key, deny))
			return fail(err, slot, b, "\"%s\" is set by hostfleet",
			    key);
	}
	return 0;
}

int
sd_tpl_check(const char *slot, const char *body, char *err)
{
	static const char *const nginx_deny[] = { "include", "listen",
	    "server_name", "server", "root", "load_module", NULL };
	static const char *const dovecot_deny[] = { "!*", "passdb",
	    "userdb", "base_dir", "state_dir", NULL };
	const char *p;

	if (strlen(body) > SD_TPL_SET_MAX)
		return fail(err, slot, body, "longer than %d bytes",
		    SD_TPL_SET_MAX);
	for (p = body; *p; p++)
		if (((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n') ||
		    (unsigned char)*p >= 0x7f)
			return fail(err, slot, body, "only printable ASCII, "
			    "tabs and newlines");
	if (strcmp(slot, "nginx_site_extra") == 0)
		return tpl_block(slot, body, 1, nginx_deny, err);
	if (strcmp(slot, "dovecot_extra") == 0)
		return tpl_block(slot, body, 0, dovecot_deny, err);
	if (strcmp(slot, "php_pool_extra") == 0)
		return tpl_pool(slot, body, err);
	return fail(err, "template", slot, "no such slot");
}

static int
tpl_cross(const json_t *item, char *errfield, char *err)
{
	if (sd_tpl_check(json_string_value(json_object_get(item, "name")),
	    json_string_value(json_object_get(item, "body")), err) == -1) {
		strlcpy_hf(errfield, "body", SD_ERRFIELD_MAX);
		return -1;
	}
	return 0;
}

/* The set {slot: bodies joined by a newline, in id order} as JSON. */
static int
tpl_render(const json_t *items, struct sbuf *out)
{
	json_t *set = json_object(), *it;
	char *s;
	size_t i;
	int rc = 0;

	json_array_foreach(items, i, it) {
		const char *slot = json_string_value(json_object_get(it,
		    "name"));
		const char *body = json_string_value(json_object_get(it,
		    "body"));
		json_t *had = json_object_get(set, slot);

		if (had == NULL)
			json_object_set_new(set, slot, json_string(body));
		else {
			struct sbuf j;

			sbuf_init(&j, SD_TPL_SET_MAX + SD_TPL_BODY_MAX + 2);
			rc |= sbuf_printf(&j, "%s\n%s", json_string_value(had),
			    body);
			if (rc == 0)
				json_object_set_new(set, slot,
				    json_string(sbuf_str(&j)));
			sbuf_release(&j);
		}
	}
	s = json_dumps(set, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(set);
	if (s == NULL)
		return -1;
	rc |= sbuf_adds(out, s);
	rc |= sbuf_addc(out, '\n');
	free(s);
	return rc ? -1 : 0;
}

json_t *
sd_tpl_parse(const char *text, char *err)
{
	json_t *set = json_loads(text, JSON_REJECT_DUPLICATES, NULL), *v;
	const char *k;
	size_t i;

	if (!json_is_object(set)) {
		json_decref(set);
		snprintf(err, VALID_ERR_MAX, "templates: not a JSON object");
		return NULL;
	}
	json_object_foreach(set, k, v) {
		for (i = 0; sd_tpl_slots[i]; i++)
			if (strcmp(sd_tpl_slots[i], k) == 0)
				break;
		if (sd_tpl_slots[i] == NULL || !json_is_string(v)) {
			fail(err, "template", k, "no such slot, or not a "
			    "string");
			json_decref(set);
			return NULL;
		}
		if (sd_tpl_check(k, json_string_value(v), err) == -1) {
			json_decref(set);
			return NULL;
		}
	}
	return set;
}

static const struct field tpl_fields[] = {
	{ "name", NULL, sd_check_tpl_name, NULL, F_REQ | F_COL, "Slot",
	  "`nginx_site_extra`, `php_pool_extra` or `dovecot_extra`", NULL,
	  sd_tpl_slots },
	{ "body", NULL, sd_check_tpl_body, NULL, F_REQ | F_LINES, "Lines",
	  "1–4000 bytes of printable ASCII, tabs and newlines (a CR before a "
	  "newline is dropped, blanks at the end too), and the slot's "
	  "grammar", NULL, NULL },
	{ NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL },
};

/* ---- the types ---- */

const struct dtype sd_types[] = {
	{ .name = "software", .kind = DK_SYSTEM, .role = "",
	  .what = "package", .fields = sw_fields, .priority = 50,
	  .path = "var/lib/hostfleet/software.list", .render = sw_render },
	{ .name = "firewall", .kind = DK_SYSTEM, .role = "",
	  .what = "firewall rule", .fields = fw_fields, .priority = 40,
	  .path = "etc/nftables.d/hostfleet.nft", .sortkey = "order",
	  .cross = fw_cross, .render = fw_render },
	{ .name = "scheduler", .kind = DK_SYSTEM, .role = "",
	  .what = "cron job", .fields = cron_fields, .priority = 30,
	  .path = "etc/cron.d/hostfleet", .render = cron_render },
	{ .name = "whitelist", .kind = DK_SYSTEM, .role = "mail",
	  .what = "whitelisted sender", .fields = list_fields,
	  .priority = 20, .path = "etc/postfix/hostfleet_sender_whitelist",
	  .render = white_render },
	{ .name = "blacklist", .kind = DK_SYSTEM, .role = "mail",
	  .what = "blacklisted sender", .fields = list_fields,
	  .priority = 10, .path = "etc/postfix/hostfleet_sender_blacklist",
	  .render = black_render },
	{ .name = "templates", .kind = DK_SYSTEM, .role = "",
	  .what = "template", .fields = tpl_fields, .priority = 5,
	  .path = "etc/hostfleet/templates.json", .cross = tpl_cross,
	  .render = tpl_render },
};
const size_t sd_ntypes = sizeof(sd_types) / sizeof(sd_types[0]);
_Static_assert(sizeof(sd_types) / sizeof(sd_types[0]) == SD_NTYPES,
    "SD_NTYPES counts sd_types[]");

const struct dtype *
sd_type(const char *name)
{
	size_t i;

	for (i = 0; i < sd_ntypes; i++)
		if (strcmp(sd_types[i].name, name) == 0)
			return &sd_types[i];
	return NULL;
}

int
sd_type_index(const struct dtype *t)
{
	return (int)(t - sd_types);
}

int
sd_type_matches(const struct dtype *t, const char *roles)
{
	return roles_have(roles, t->role);
}

json_t *
sd_item_build(const struct dtype *t, const json_t *base, json_int_t id,
    sd_get_fn get, void *arg, char *errfield, char *err, enum sd_fail *why)
{
	const struct field *f;
	char canon[OUTMAX];
	json_t *item;

	if (why)
		*why = SD_FAIL_INVALID;
	item = json_pack("{s:I}", "id", id);
	for (f = t->fields; f->name; f++) {
		const char *v = get(arg, f->name);

		if (v == NULL && base)
			v = json_string_value(json_object_get(base, f->name));
		if (v == NULL && !(f->flags & F_REQ))
			v = f->def;
		if (v == NULL) {
			strlcpy_hf(errfield, f->name, SD_ERRFIELD_MAX);
			snprintf(err, VALID_ERR_MAX, "field \"%s\" is required",
			    f->name);
			if (why)
				*why = SD_FAIL_REQUIRED;
			json_decref(item);
			return NULL;
		}
		if (!utf8_valid(v, strlen(v)) ||
		    f->check(f->name, v, canon, err) == -1) {
			if (!utf8_valid(v, strlen(v)))
				snprintf(err, VALID_ERR_MAX, "%s: not valid "
				    "UTF-8", f->name);
			strlcpy_hf(errfield, f->name, SD_ERRFIELD_MAX);
			json_decref(item);
			return NULL;
		}
		json_object_set_new(item, f->name, json_string(canon));
	}
	if (t->cross && t->cross(item, errfield, err) == -1) {
		json_decref(item);
		return NULL;
	}
	return item;
}

static const char *
json_get(void *arg, const char *name)
{
	json_t *v = json_object_get(arg, name);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

int
sd_item_check(const struct dtype *t, const json_t *item, char *errfield,
    char *err)
{
	const struct field *f;
	json_t *id, *again;
	const char *k;
	json_t *v;
	size_t nf = 0;

	id = json_object_get(item, "id");
	if (!json_is_object(item) || !json_is_integer(id) ||
	    json_integer_value(id) < 1) {
		strlcpy_hf(errfield, "id", SD_ERRFIELD_MAX);
		snprintf(err, VALID_ERR_MAX, "item without a positive id");
		return -1;
	}
	for (f = t->fields; f->name; f++)
		nf++;
	/* exactly the fields of the type and the id, every one canonical */
	json_object_foreach((json_t *)item, k, v) {
		if (strcmp(k, "id") == 0)
			continue;
		for (f = t->fields; f->name; f++)
			if (strcmp(f->name, k) == 0)
				break;
		if (f->name == NULL || !json_is_string(v)) {
			strlcpy_hf(errfield, "item", SD_ERRFIELD_MAX);
			snprintf(err, VALID_ERR_MAX, "unexpected field in a %s "
			    "item", t->name);
			return -1;
		}
	}
	if (json_object_size(item) != nf + 1) {
		strlcpy_hf(errfield, "item", SD_ERRFIELD_MAX);
		snprintf(err, VALID_ERR_MAX, "a %s item lacks fields", t->name);
		return -1;
	}
	again = sd_item_build(t, NULL, json_integer_value(id), json_get,
	    (void *)item, errfield, err, NULL);
	if (again == NULL)
		return -1;
	if (!json_equal(again, (json_t *)item)) {
		json_decref(again);
		strlcpy_hf(errfield, "item", SD_ERRFIELD_MAX);
		snprintf(err, VALID_ERR_MAX, "%s item not in canonical form",
		    t->name);
		return -1;
	}
	json_decref(again);
	return 0;
}

static const char *sort_key;

static int
cmp_items(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	json_int_t ix, iy;

	if (sort_key) {
		long ox = atol(json_string_value(json_object_get(x, sort_key)));
		long oy = atol(json_string_value(json_object_get(y, sort_key)));

		if (ox != oy)
			return ox < oy ? -1 : 1;
	}
	ix = json_integer_value(json_object_get(x, "id"));
	iy = json_integer_value(json_object_get(y, "id"));
	return ix < iy ? -1 : ix > iy;
}

void
sd_sort(const struct dtype *t, json_t *items)
{
	static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
	size_t i, n = json_array_size(items);
	json_t **v;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(items, i));
	pthread_mutex_lock(&mtx);
	sort_key = t->sortkey;
	qsort(v, n, sizeof(*v), cmp_items);
	pthread_mutex_unlock(&mtx);
	json_array_clear(items);
	for (i = 0; i < n; i++)
		json_array_append_new(items, v[i]);
	free(v);
}

int
sd_render(const struct dtype *t, const json_t *items, struct sbuf *out)
{
	return t->render(items, out);
}
