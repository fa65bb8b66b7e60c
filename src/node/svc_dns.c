/* svc_dns.c - DNS zones as BIND master files.
 *
 * Files under the host root R:
 *   R/etc/bind/hostfleet/zones/NAME.db   one master file per zone
 *   R/etc/bind/hostfleet/zones.conf      one zone statement per zone; the
 *       admin's named.conf says: include "R/etc/bind/hostfleet/zones.conf";
 *
 * Checks: `named-checkzone NAME NEWFILE` for each changed zone (its first
 * line of complaint becomes err), then `named-checkconf TMP/named.conf`
 * on a wrapper in a private directory (options { directory TMP; }; and an
 * include of the new zones.conf), which catches a zone given twice.
 * named-checkconf -z is not used: it would load the zone files by their
 * live names, which for the changed zones are not in place yet. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/util.h"
#include "../common/valid.h"
#include "node.h"
#include "udata_int.h"
#include "backend.h"
#include "render.h"
#include "svc_util.h"
#include "svcctl.h"

#define DEFAULT_TTL	3600
#define TXT_MAX		2048
#define MAX_RECORDS	10000

/* An error about zone z. */
static int
zerr(const char *z, char *err, size_t errlen, const char *fmt,
    const char *arg)
{
	char q[64], m[200];

	valid_quote(arg ? arg : "", q, sizeof(q));
	snprintf(m, sizeof(m), fmt, q);
	snprintf(err, errlen, "zone \"%s\": %s", z, m);
	return -1;
}

/* A decimal number in [0, max] at *p, which moves past it. */
static int
number(const char **p, long max, long *out)
{
	const char *s = *p;
	long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	*p = s;
	return 0;
}

/*
 * A host name of the zone written absolute into out ("@" is the apex, a
 * name without the trailing dot is relative to the zone, one with it must
 * lie in the zone when inzone is set).  wild allows a leftmost "*".
 */
static int
absname(const char *zone, const char *s, int wild, int inzone, char *out,
    size_t outlen)
{
	char buf[260];
	size_t n, zl = strlen(zone);
	char e[8];

	if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof(buf))
		return -1;
	if (strcmp(s, "@") == 0) {
		snprintf(out, outlen, "%s.", zone);
		return 0;
	}
	strlcpy_hf(buf, s, sizeof(buf));
	n = strlen(buf);
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	else if (snprintf(buf, sizeof(buf), "%s.%s", s, zone) >=
	    (int)sizeof(buf))
		return -1;
	n = strlen(buf);
	if (svc_check_host("name", buf, wild, e, sizeof(e)) == -1)
		return -1;
	if (inzone && strcmp(buf, zone) != 0 && (n <= zl + 1 ||
	    strcmp(buf + n - zl, zone) != 0 || buf[n - zl - 1] != '.'))
		return -1;
	snprintf(out, outlen, "%s.", buf);
	return 0;
}

/* A name server of "ns": absolute with or without the trailing dot. */
static int
ns_host(const char *zone, const char *h, char *out, size_t outlen)
{
	char buf[260];
	size_t n;

	if (h == NULL || (n = strlen(h)) == 0 || n > 254)
		return -1;
	snprintf(buf, sizeof(buf), "%s%s", h, h[n - 1] == '.' ? "" : ".");
	return absname(zone, buf, 0, 0, out, outlen);
}

/* Whether the absolute name host is the zone's apex. */
static int
is_apex(const char *zone, const char *host)
{
	size_t zl = strlen(zone);

	return strncmp(host, zone, zl) == 0 && strcmp(host + zl, ".") == 0;
}

/* Whether the NS value v (relative or absolute) is one of "ns". */
static int
in_ns(const char *zone, const json_t *ns, const char *v)
{
	char a[260], b[260];
	const json_t *h;
	size_t i;

	if (absname(zone, v, 0, 0, a, sizeof(a)) == -1)
		return 0;
	json_array_foreach(ns, i, h)
		if (ns_host(zone, json_string_value(h), b, sizeof(b)) == 0 &&
		    strcmp(a, b) == 0)
			return 1;
	return 0;
}

/* TXT text as quoted character-strings of at most 255 bytes each, '"' and
 * '\' escaped; only printable ASCII is taken. */
static int
render_txt(const char *zone, const char *v, struct sbuf *out, char *err,
    size_t errlen)
{
	size_t len = strlen(v), i;
	int rc = 0;

	/* one pair of surrounding quotes is the caller's quoting */
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	if (len == 0 || len > TXT_MAX)
		return zerr(zone, err, errlen, "TXT \"%s\": empty or longer "
		    "than 2048 bytes", v);
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e)
			return zerr(zone, err, errlen, "TXT \"%s\": not "
			    "printable ASCII", v);
	for (i = 0; i < len; i++) {
		if (i % 255 == 0)
			rc |= sbuf_adds(out, i ? "\" \"" : "\"");
		if (v[i] == '"' || v[i] == '\\')
			rc |= sbuf_addc(out, '\\');
		rc |= sbuf_addc(out, v[i]);
	}
	rc |= sbuf_addc(out, '"');
	return rc ? -1 : 0;
}

/* The value of one record, checked and in canonical presentation. */
static int
render_value(const char *zone, const char *type, const char *v,
    struct sbuf *out, char *err, size_t errlen)
{
	char host[260], txt[INET6_ADDRSTRLEN];
	unsigned char bin[16];
	const char *p = v;
	long a, b, c;

	if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0) {
		int af = type[1] ? AF_INET6 : AF_INET;

		if (inet_pton(af, v, bin) != 1)
			return zerr(zone, err, errlen, "%s: not an address",
			    v);
		inet_ntop(af, bin, txt, sizeof(txt));
		return sbuf_adds(out, txt);
	}
	if (strcmp(type, "CNAME") == 0 || strcmp(type, "NS") == 0) {
		if (absname(zone, v, 0, 0, host, sizeof(host)) == -1)
			return zerr(zone, err, errlen, "%s: not a host name",
			    v);
		return sbuf_adds(out, host);
	}
	if (strcmp(type, "MX") == 0) {
		if (number(&p, 65535, &a) == -1 || *p++ != ' ' ||
		    absname(zone, p, 0, 0, host, sizeof(host)) == -1)
			return zerr(zone, err, errlen, "MX \"%s\": not "
			    "\"PRIO HOST\"", v);
		return sbuf_printf(out, "%ld %s", a, host);
	}
	if (strcmp(type, "SRV") == 0) {
		if (number(&p, 65535, &a) == -1 || *p++ != ' ' ||
		    number(&p, 65535, &b) == -1 || *p++ != ' ' ||
		    number(&p, 65535, &c) == -1 || *p++ != ' ' ||
		    (strcmp(p, ".") != 0 &&
		    absname(zone, p, 0, 0, host, sizeof(host)) == -1))
			return zerr(zone, err, errlen, "SRV \"%s\": not "
			    "\"PRIO WEIGHT PORT TARGET\"", v);
		return sbuf_printf(out, "%ld %ld %ld %s", a, b, c,
		    strcmp(p, ".") == 0 ? "." : host);
	}
	if (strcmp(type, "TXT") == 0)
		return render_txt(zone, v, out, err, errlen);
	if (strcmp(type, "CAA") == 0) {
		char tag[16];
		size_t n = 0, len;
		int rc = 0;

		if (number(&p, 255, &a) == -1 || *p++ != ' ')
			goto badcaa;
		while (*p >= 'a' && *p <= 'z' && n < sizeof(tag) - 1)
			tag[n++] = *p++;
		tag[n] = '\0';
		if ((strcmp(tag, "issue") && strcmp(tag, "issuewild") &&
		    strcmp(tag, "iodef")) || *p++ != ' ')
			goto badcaa;
		len = strlen(p);
		if (len >= 2 && p[0] == '"' && p[len - 1] == '"') {
			p++;
			len -= 2;
		}
		if (len > 255)
			goto badcaa;
		rc |= sbuf_printf(out, "%ld %s \"", a, tag);
		for (n = 0; n < len; n++) {
			if ((unsigned char)p[n] < 0x20 ||
			    (unsigned char)p[n] > 0x7e || p[n] == '"' ||
			    p[n] == '\\')
				goto badcaa;
			rc |= sbuf_addc(out, p[n]);
		}
		rc |= sbuf_addc(out, '"');
		return rc ? -1 : 0;
badcaa:
		return zerr(zone, err, errlen, "CAA \"%s\": not \"FLAGS TAG "
		    "VALUE\"", v);
	}
	return zerr(zone, err, errlen, "record type \"%s\": not supported",
	    type);
}

/* The SOA RNAME of an address: '@' becomes '.', dots of the local part
 * are escaped (RFC 1035 5.1), and the trailing dot is added. */
static int
soa_rname(const char *zone, const char *email, struct sbuf *out, char *err,
    size_t errlen)
{
	const char *at;
	char e[8];
	int rc = 0;

	if (svc_check_addr("email", email, e, sizeof(e)) == -1)
		return zerr(zone, err, errlen, "email \"%s\": not an address",
		    email);
	for (at = email; *at != '@'; at++) {
		if (*at == '.')
			rc |= sbuf_addc(out, '\\');
		rc |= sbuf_addc(out, *at);
	}
	rc |= sbuf_printf(out, ".%s.", at + 1);
	return rc ? -1 : 0;
}

/*
 * Renders zone into a BIND master file.  The SOA names the first of "ns"
 * as the primary, the zone's "email" as contact and "serial" as serial,
 * with refresh 3h, retry 1h, expire 14d and negative TTL 1h; one NS record
 * per "ns" follows, then every record with its name absolute.  Values are
 * parsed and printed again (addresses by inet_ntop, names checked
 * label by label, TXT quoted and split), so nothing of the item can
 * start a new record, a comment or a directive.  0 or -1 with err.
 */
int
render_zone(const json_t *zone, struct sbuf *out, char *err, size_t errlen)
{
	const char *name, *owner;
	char host[260];
	const json_t *ns, *recs, *r, *sv;
	json_int_t serial;
	size_t i;
	int rc = 0;

	if (!json_is_object(zone)) {
		snprintf(err, errlen, "zone: not an object");
		return -1;
	}
	name = svc_str(zone, "name");
	if (svc_check_host("zone", name, 0, err, errlen) == -1)
		return -1;
	owner = svc_str(zone, "owner");
	if (owner && svc_check_user("owner", owner, err, errlen) == -1)
		return -1;
	sv = json_object_get(zone, "serial");
	serial = json_integer_value(sv);
	if (!json_is_integer(sv) || serial < 1 || serial > 4294967295LL) {
		snprintf(err, errlen, "zone \"%s\": serial not in "
		    "1..4294967295", name);
		return -1;
	}
	ns = json_object_get(zone, "ns");
	if (!json_is_array(ns) || json_array_size(ns) == 0 ||
	    json_array_size(ns) > 16) {
		snprintf(err, errlen, "zone \"%s\": ns needs 1..16 host names",
		    name);
		return -1;
	}
	recs = json_object_get(zone, "records");
	if (recs && (!json_is_array(recs) || json_array_size(recs) >
	    MAX_RECORDS)) {
		snprintf(err, errlen, "zone \"%s\": records not an array of at "
		    "most %d", name, MAX_RECORDS);
		return -1;
	}
	json_array_foreach(ns, i, r)
		if (ns_host(name, json_string_value(r), host,
		    sizeof(host)) == -1)
			return zerr(name, err, errlen, "ns \"%s\": not a host "
			    "name", json_string_value(r));

	rc |= sbuf_printf(out, "; hostfleet: zone \"%s\"%s%s%s; generated, "
	    "do not edit\n$ORIGIN %s.\n$TTL %d\n", name, owner ? " of \"" :
	    "", owner ? owner : "", owner ? "\"" : "", name, DEFAULT_TTL);
	ns_host(name, json_string_value(json_array_get(ns, 0)), host,
	    sizeof(host));
	rc |= sbuf_printf(out, "%s.\t%d\tIN\tSOA\t%s ", name, DEFAULT_TTL,
	    host);
	if (soa_rname(name, svc_str(zone, "email"), out, err, errlen) == -1)
		return -1;
	rc |= sbuf_printf(out, " ( %" JSON_INTEGER_FORMAT
	    " 10800 3600 1209600 3600 )\n", serial);
	json_array_foreach(ns, i, r) {
		ns_host(name, json_string_value(r), host, sizeof(host));
		rc |= sbuf_printf(out, "%s.\t%d\tIN\tNS\t%s\n", name,
		    DEFAULT_TTL, host);
	}
	json_array_foreach(recs, i, r) {
		const char *rn = svc_str(r, "name"), *type = svc_str(r, "type");
		const char *val = svc_str(r, "value");
		const json_t *tv = json_object_get(r, "ttl");
		json_int_t ttl = DEFAULT_TTL;
		char tu[8];
		size_t k;

		if (!json_is_object(r) || type == NULL || val == NULL ||
		    strlen(type) >= sizeof(tu))
			return zerr(name, err, errlen, "record %s: needs name, "
			    "type and value", "");
		for (k = 0; type[k]; k++)
			tu[k] = (type[k] >= 'a' && type[k] <= 'z') ?
			    type[k] - 32 : type[k];
		tu[k] = '\0';
		if (absname(name, rn, 1, 1, host, sizeof(host)) == -1)
			return zerr(name, err, errlen, "record name \"%s\": "
			    "not in the zone", rn);
		if (json_is_integer(tv) && json_integer_value(tv) != 0)
			ttl = json_integer_value(tv);
		else if (tv && !json_is_null(tv) && !json_is_integer(tv))
			return zerr(name, err, errlen, "record \"%s\": ttl not "
			    "a number", rn);
		if (ttl < 1 || ttl > 604800)
			return zerr(name, err, errlen, "record \"%s\": ttl not "
			    "in 1..604800", rn);
		/* the NS of the apex come from "ns": not twice */
		if (strcmp(tu, "NS") == 0 && is_apex(name, host) &&
		    in_ns(name, ns, val))
			continue;
		if (strcmp(tu, "CNAME") == 0 && is_apex(name, host))
			return zerr(name, err, errlen, "CNAME \"%s\" at the "
			    "apex", rn);
		rc |= sbuf_printf(out, "%s\t%" JSON_INTEGER_FORMAT "\tIN\t%s\t",
		    host, ttl, tu);
		if (render_value(name, tu, val, out, err, errlen) == -1)
			return -1;
		rc |= sbuf_addc(out, '\n');
	}
	if (rc != 0) {
		snprintf(err, errlen, "zone \"%s\": too large", name);
		return -1;
	}
	return 0;
}

/* named-checkconf on a wrapper that includes zones (the new zones.conf). */
static int
checkconf(const char *tmp, const char *zones, char *err, size_t errlen)
{
	char conf[PATH_MAX], body[PATH_MAX * 2 + 64], out[1024];
	char *argv[3];

	snprintf(conf, sizeof(conf), "%s/named.conf", tmp);
	snprintf(body, sizeof(body), "options {\n\tdirectory \"%s\";\n};\n"
	    "include \"%s\";\n", tmp, zones);
	if (file_write_atomic2(conf, body, strlen(body), 0600, 0) == -1) {
		snprintf(err, errlen, "cannot write \"%s\": %s", conf,
		    strerror(errno));
		return -1;
	}
	argv[0] = "named-checkconf";
	argv[1] = conf;
	argv[2] = NULL;
	if (svc_run(argv, out, sizeof(out), NULL) != 0) {
		snprintf(err, errlen, "named-checkconf: %s", out[0] ? out :
		    "failed");
		return -1;
	}
	return 0;
}

/* What a render of the zones leaves for the check and the install. */
struct dns_tx {
	json_t	*items;		/* the zones, sorted: the first files staged */
	char	 dir[PATH_MAX];
	char	 conf[PATH_MAX];
};

static void
dns_tx_free(void *p)
{
	struct dns_tx *d = p;

	json_decref(d->items);
	free(d);
}

/*
 * Renders the zones of want ("zone", an array or an object of zone items)
 * into zone files and zones.conf and stages what changed.  0 or -1 with
 * err.
 */
static int
dns_render(struct btx *tx, const json_t *want, char *err, size_t errlen)
{
	const char *root = tx->a->conf.root;
	char live[PATH_MAX];
	struct dns_tx *d;
	json_t *z;
	struct sbuf b, zc;
	size_t i;
	int rc = -1;

	sbuf_init(&zc, 16u << 20);
	d = xcalloc(1, sizeof(*d));
	tx->priv = d;
	tx->priv_free = dns_tx_free;
	if (svc_check_root(root, err, errlen) == -1)
		goto out;
	if ((d->items = svc_items(json_object_get(want, "zone"))) == NULL) {
		snprintf(err, errlen, "zones: not a set");
		goto out;
	}
	snprintf(d->dir, sizeof(d->dir), "%s/etc/bind/hostfleet/zones", root);
	if (sbuf_adds(&zc, "// hostfleet: included from named.conf; "
	    "generated, do not edit\n") == -1)
		goto out;
	json_array_foreach(d->items, i, z) {
		const char *name = svc_str(z, "name");

		sbuf_init(&b, 32u << 20);
		if (render_zone(z, &b, err, errlen) == -1) {
			sbuf_release(&b);
			goto out;
		}
		snprintf(live, sizeof(live), "%s/%s.db", d->dir, name);
		if (svc_tx_stage(&tx->files, live, sbuf_str(&b), b.len, 0644,
		    0, err, errlen) == -1) {
			/* "rendered twice": the same zone given twice */
			sbuf_release(&b);
			goto out;
		}
		sbuf_release(&b);
		if (sbuf_printf(&zc, "zone \"%s\" { type master; file "
		    "\"%s\"; };\n", name, live) == -1) {
			snprintf(err, errlen, "zones.conf: too large");
			goto out;
		}
	}
	snprintf(d->conf, sizeof(d->conf), "%s/etc/bind/hostfleet/zones.conf",
	    root);
	if (svc_tx_stage(&tx->files, d->conf, sbuf_str(&zc), zc.len, 0644, 0,
	    err, errlen) == -1)
		goto out;
	rc = 0;
out:
	sbuf_release(&zc);
	return rc;
}

/* named-checkzone on each changed zone, named-checkconf on the list. */
static int
dns_check(struct btx *tx, char *err, size_t errlen)
{
	struct dns_tx *d = tx->priv;
	struct svc_tx *f = &tx->files;
	char out[1024];
	size_t i;

	for (i = 0; i < json_array_size(d->items); i++) {
		char *argv[4];
		const char *name = svc_str(json_array_get(d->items, i), "name");

		if (!svc_tx_changed(f, f->f[i].live))
			continue;
		argv[0] = "named-checkzone";
		argv[1] = (char *)name;
		argv[2] = (char *)svc_tx_path(f, f->f[i].live);
		argv[3] = NULL;
		if (svc_run(argv, out, sizeof(out), " zone ") != 0) {
			snprintf(err, errlen, "named-checkzone \"%s\": %s",
			    name, out[0] ? out : "failed");
			return -1;
		}
	}
	if (svc_tmpdir(tx->tmp, sizeof(tx->tmp), err, errlen) == -1 ||
	    checkconf(tx->tmp, svc_tx_path(f, d->conf), err, errlen) == -1)
		return -1;
	return 0;
}

/* Renames into place and removes the files of zones that went. */
static int
dns_install(struct btx *tx, char *err, size_t errlen)
{
	struct dns_tx *d = tx->priv;
	int changed, swept;

	changed = svc_tx_any(&tx->files);
	if (svc_tx_commit(&tx->files, err, errlen) == -1 ||
	    (swept = svc_tx_sweep(&tx->files, d->dir, ".db", 0, err,
	    errlen)) == -1)
		return -1;
	/* named serves what changed once told (dns_activate) */
	if (changed || swept > 0)
		__atomic_fetch_or(&tx->a->svc_dirty, UNIT_BIT(U_NAMED),
		    __ATOMIC_SEQ_CST);
	return 0;
}

/* {zone: serial} of a state. */
static json_t *
zone_serials(const json_t *state)
{
	json_t *o = json_object(), *z;
	size_t i;

	json_array_foreach(json_object_get(state, "zone"), i, z)
		json_object_set(o, json_string_value(json_object_get(z,
		    "name")), json_object_get(z, "serial"));
	return o;
}

/* The zones that changed are confirmed one by one; files rendered again
 * with no change of the zones (a node's start, a repair) take one
 * reload. */
static int
named_live(struct btx *tx, int unit, int dirty, char *err, size_t errlen)
{
	json_t *h = zone_serials(tx->had), *w = zone_serials(tx->want);
	int rc = 0;

	(void)unit;
	if (!json_equal(h, w))
		rc = svcctl_named_sync(tx->a, h, w, err, errlen);
	else if (dirty)
		rc = svcctl_reload(tx->a, U_NAMED, err, errlen);
	json_decref(h);
	json_decref(w);
	return rc;
}

static int
dns_activate(struct btx *tx, char *err, size_t errlen)
{
	return svc_activate(tx, named_live, err, errlen);
}

const struct backend backend_dns = {
	"dns", UNIT_BIT(U_NAMED), dns_render, dns_check, dns_install,
	dns_activate, svc_rollback, NULL,
};

/* ---- DNS zones and records: the field code of the dns role (udata_int.h) ---- */

/* ---- DNS zones and records ---- */

static int64_t
next_serial(int64_t old)
{
	time_t t = time(NULL);
	struct tm tm;
	int64_t base;

	gmtime_r(&t, &tm);
	base = ((int64_t)(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	    tm.tm_mday) * 100;
	return old + 1 > base ? old + 1 : base;
}

static json_t *
rr_json(const struct rr *r)
{
	return json_pack("{s:s,s:s,s:i,s:s}", "name", r->name, "type",
	    r->type, "ttl", r->ttl, "value", r->value);
}

/* Adds a record to a zone's list unless the same is there. */
static void
rr_add(json_t *records, const char *zone, const char *name,
    const char *type, const char *value, const char *prio)
{
	struct rr r;
	char err[VALID_ERR_MAX];

	if (valid_rr(zone, name, type, "", value, prio, NULL, NULL, &r, err) ==
	    0)
		json_array_append_new(records, rr_json(&r));
}

static int
zone_read(struct call *c, json_t *z, int creating)
{
	const char *v, *zone = json_string_value(json_object_get(z, "name"));
	char buf[DOMAIN_MAX + 8];

	if (ud_read_fields(c, z) == -1)
		return -1;
	if (creating) {
		json_t *recs = json_object_get(z, "records"), *x;
		size_t i;

		json_array_foreach(json_object_get(z, "ns"), i, x)
			rr_add(recs, zone, "@", "NS", json_string_value(x),
			    NULL);
		v = json_string_value(json_object_get(z, "ip"));
		/* a name server inside the zone needs its address there */
		json_array_foreach(json_object_get(z, "ns"), i, x) {
			const char *ns = json_string_value(x);
			size_t nl = strlen(ns), zl = strlen(zone);

			if (nl < zl + 2 || strncmp(ns + nl - zl - 1, zone, zl) !=
			    0 || ns[nl - zl - 2] != '.')
				continue;
			if (v == NULL || *v == '\0') {
				reply_error(&c->r, "empty", "ip", "name server "
				    "\"%s\" is inside the zone: give its "
				    "address in ip, or other name servers in ns",
				    ns);
				return -1;
			}
			rr_add(recs, zone, ns, strchr(v, ':') ? "AAAA" : "A",
			    v, NULL);
		}
		if (v && *v) {
			const char *t = strchr(v, ':') ? "AAAA" : "A";

			rr_add(recs, zone, "@", t, v, NULL);
			rr_add(recs, zone, "www", t, v, NULL);
			rr_add(recs, zone, "mail", t, v, NULL);
			snprintf(buf, sizeof(buf), "mail.%s.", zone);
			rr_add(recs, zone, "@", "MX", buf, "10");
		}
	}
	json_object_set_new(z, "serial", json_integer(next_serial(
	    json_integer_value(json_object_get(z, "serial")))));
	return 0;
}

void
zone_edit(struct call *c)
{
	char n[DOMAIN_MAX];
	json_t *z, *puts;
	int how;

	how = ud_edit_begin(c, n, &z);
	if (how == EDIT_DONE)
		return;
	if (how == EDIT_CREATE) {
		if ((z = ud_new_item(c, n)) == NULL)
			return;
		json_object_set_new(z, "serial", json_integer(0));
		json_object_set_new(z, "records", json_array());
	}
	if (zone_read(c, z, how == EDIT_CREATE) == -1 ||
	    ud_ensure_account(c) == -1) {
		json_decref(z);
		return;
	}
	puts = json_pack("[o]", ud_put_of(c->t->store, NULL, z));
	if (ud_commit(c, SVC_DNS, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}

/* The zone of a record call (plid), the caller's. */
static int
rec_zone(struct call *c, json_t **z)
{
	const char *plid;
	char n[DOMAIN_MAX], err[VALID_ERR_MAX];

	if (ud_need(c, "plid", &plid) == -1)
		return -1;
	if (valid_domain("plid", plid, n, err) == -1)
		return ud_bad(c, "plid", err);
	return ud_find(c, dt_domain.store, dt_domain.what, n, z);
}

/* A stored record as a struct rr. */
static void
rr_of(const json_t *r, struct rr *x)
{
	memset(x, 0, sizeof(*x));
	strlcpy_hf(x->name, json_string_value(json_object_get(r, "name")),
	    sizeof(x->name));
	strlcpy_hf(x->type, json_string_value(json_object_get(r, "type")),
	    sizeof(x->type));
	strlcpy_hf(x->value, json_string_value(json_object_get(r, "value")),
	    sizeof(x->value));
	x->ttl = (int)json_integer_value(json_object_get(r, "ttl"));
}

/* DNSmanager's fields of a record besides ours: key and id (the rkey),
 * sdtype, and the value split as its form has it (addr the address, text
 * or target; prio, wght, port those of MX and SRV). */
static void
rec_dnsmgr(json_t *e, const struct rr *x, const char *key)
{
	char buf[sizeof(x->value)], *f[4], *p = buf;
	int nf = 0, want;

	elem_set(e, "key", key);
	elem_set(e, "id", key);
	elem_set(e, "sdtype", x->type);
	elem_set(e, "type", x->type);
	want = strcmp(x->type, "MX") == 0 ? 2 : strcmp(x->type, "SRV") == 0 ?
	    4 : 1;
	strlcpy_hf(buf, x->value, sizeof(buf));
	while (nf < want - 1 && (f[nf] = strsep(&p, " ")) != NULL)
		nf++;
	if (p == NULL) {		/* not of the shape: the whole value */
		elem_set(e, "addr", x->value);
		return;
	}
	elem_set(e, "addr", p);
	if (nf >= 1)
		elem_set(e, "prio", f[0]);
	if (nf == 3) {
		elem_set(e, "wght", f[1]);
		elem_set(e, "port", f[2]);
	}
}

static void
rec_fields(json_t *e, const json_t *r, int dnsmgr)
{
	struct rr x;
	char key[2400];

	rr_of(r, &x);
	rr_key(&x, key, sizeof(key));
	elem_set(e, "rkey", key);
	elem_set(e, "name", x.name);
	elem_set(e, "rtype", x.type);
	elem_set(e, "value", x.value);
	elem_setf(e, "ttl", "%d", x.ttl);
	if (dnsmgr)
		rec_dnsmgr(e, &x, key);
}

/* 1 when the call is one of DNSmanager's names (domain.sublist...). */
static int
is_dnsmgr(const struct call *c)
{
	return strncmp(c->func, "domain.sublist", 14) == 0;
}

void
rec_list(struct call *c)
{
	json_t *z, *r;
	size_t i;

	if (rec_zone(c, &z) == -1)
		return;
	reply_list(&c->r);
	json_array_foreach(json_object_get(z, "records"), i, r)
		rec_fields(reply_elem(&c->r), r, is_dnsmgr(c));
	json_decref(z);
}

/* The index of record want in zone z, or -1. */
static long
rec_index(const json_t *z, const struct rr *want)
{
	struct rr x;
	json_t *r;
	size_t i;

	json_array_foreach(json_object_get(z, "records"), i, r) {
		rr_of(r, &x);
		if (strcmp(x.name, want->name) == 0 &&
		    strcmp(x.type, want->type) == 0 &&
		    strcmp(x.value, want->value) == 0)
			return (long)i;
	}
	return -1;
}

/* The index of the record of zone z that name, type and value (as a
 * client types them) make, or -1. */
static long
rec_index_of(const json_t *z, const char *name, const char *type,
    const char *value)
{
	const char *zn = json_string_value(json_object_get(z, "name"));
	char err[VALID_ERR_MAX];
	struct rr want;

	if (valid_rr(zn, name, type, "", value, NULL, NULL, NULL, &want,
	    err) == -1)
		return -1;
	return rec_index(z, &want);
}

/*
 * The index of the record with rkey key in zone z, or -1 (also when key
 * is not an rkey of the zone at all).  Besides the canonical form, a key
 * as clients type it is found: a name relative to the zone, with or
 * without a final dot ("www. A  1.2.3.4", "_acme-challenge TXT  v"), one
 * space or two before the value, and a target written absolute without
 * its final dot ("@ MX  10 mail.example.com" for mail.example.com.),
 * which the canonical reading makes relative and is tried second.
 */
static long
rec_find(const json_t *z, const char *key)
{
	char err[VALID_ERR_MAX], name[DOMAIN_MAX + 2], type[16];
	char value[TXT_MAX + 300];
	struct rr want;
	const char *sp, *tp, *v;
	size_t n;
	long at;

	if (rr_parse_key(json_string_value(json_object_get(z, "name")), key,
	    &want, err) == 0)
		return rec_index(z, &want);
	if ((sp = strchr(key, ' ')) == NULL || sp == key ||
	    (size_t)(sp - key) >= sizeof(name))
		return -1;
	memcpy(name, key, (size_t)(sp - key));
	name[sp - key] = '\0';
	for (tp = sp; *tp == ' '; tp++)
		;
	if ((sp = strchr(tp, ' ')) == NULL || (size_t)(sp - tp) >=
	    sizeof(type))
		return -1;
	memcpy(type, tp, (size_t)(sp - tp));
	type[sp - tp] = '\0';
	for (v = sp; *v == ' '; v++)
		;
	if ((n = strlen(v)) == 0 || n + 2 > sizeof(value))
		return -1;
	memcpy(value, v, n + 1);
	if ((at = rec_index_of(z, name, type, value)) >= 0)
		return at;
	/* "www." meant relative: not in the zone as absolute */
	n = strlen(name);
	if (n > 1 && name[n - 1] == '.') {
		name[n - 1] = '\0';
		if ((at = rec_index_of(z, name, type, value)) >= 0)
			return at;
		name[n - 1] = '.';
	}
	/* a target meant absolute, written without its dot */
	n = strlen(value);
	if (value[n - 1] != '.' && (strcasecmp(type, "CNAME") == 0 ||
	    strcasecmp(type, "NS") == 0 || strcasecmp(type, "MX") == 0 ||
	    strcasecmp(type, "SRV") == 0)) {
		memcpy(value + n, ".", 2);
		if ((at = rec_index_of(z, name, type, value)) < 0 &&
		    name[strlen(name) - 1] == '.') {
			name[strlen(name) - 1] = '\0';
			at = rec_index_of(z, name, type, value);
		}
		return at;
	}
	return -1;
}

/* Whether adding r to z breaks the CNAME rule: a name with a CNAME has
 * no other record. */
static int
cname_clash(const json_t *z, const struct rr *r)
{
	json_t *o;
	size_t i;

	json_array_foreach(json_object_get(z, "records"), i, o) {
		if (strcmp(json_string_value(json_object_get(o, "name")),
		    r->name) != 0)
			continue;
		if (strcmp(r->type, "CNAME") == 0 || strcmp(json_string_value(
		    json_object_get(o, "type")), "CNAME") == 0)
			return 1;
	}
	return 0;
}

void
rec_edit(struct call *c)
{
	const char *elid = ud_param(c, "elid"), *zn, *value, *rtype, *name;
	char err[VALID_ERR_MAX], key[2400];
	json_t *z, *puts;
	struct rr r;
	long at = -1;

	if (rec_zone(c, &z) == -1)
		return;
	zn = json_string_value(json_object_get(z, "name"));
	if (elid && *elid) {
		if ((at = rec_find(z, elid)) < 0) {
			reply_error(&c->r, "missing", "domain.record", "no "
			    "record \"%.200s\" in zone \"%s\"", elid, zn);
			goto out;
		}
		if (!ud_submit(c)) {
			rec_fields(c->r.doc, json_array_get(json_object_get(z,
			    "records"), (size_t)at), is_dnsmgr(c));
			goto out;
		}
	} else if (!ud_submit(c))
		goto out;
	if (ud_need(c, "name", &name) == -1 || ud_need(c, "rtype", &rtype) == -1)
		goto out;
	/* ISPmanager sends an A record's address as ip */
	value = ud_param(c, "value");
	if ((value == NULL || *value == '\0') && ud_param(c, "ip"))
		value = ud_param(c, "ip");
	if (valid_rr(zn, name, rtype, ud_param(c, "ttl") ? ud_param(c, "ttl") : "",
	    value ? value : "", ud_param(c, "priority") ? ud_param(c, "priority") :
	    ud_param(c, "prio"), ud_param(c, "weight"), ud_param(c, "port"), &r, err) == -1) {
		ud_bad(c, "value", err);
		goto out;
	}
	if (at >= 0)
		json_array_remove(json_object_get(z, "records"), (size_t)at);
	rr_key(&r, key, sizeof(key));
	if (rec_index(z, &r) >= 0) {
		reply_error(&c->r, "exists", "domain.record", "record "
		    "\"%.200s\" already exists", key);
		goto out;
	}
	if (cname_clash(z, &r)) {
		reply_error(&c->r, "value", "rtype", "\"%s\" would have a "
		    "CNAME and other records", r.name);
		goto out;
	}
	json_array_append_new(json_object_get(z, "records"), rr_json(&r));
	json_object_set_new(z, "serial", json_integer(next_serial(
	    json_integer_value(json_object_get(z, "serial")))));
	puts = json_pack("[o]", ud_put_of(dt_domain.store, NULL, json_incref(z)));
	if (ud_commit(c, SVC_DNS, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", key);
	}
	json_decref(puts);
out:
	json_decref(z);
}

void
rec_delete(struct call *c)
{
	const char *elid, *zn;
	char *buf = NULL, *items[1024];
	json_t *z, *puts;
	long at;
	int k, i;

	if (rec_zone(c, &z) == -1)
		return;
	zn = json_string_value(json_object_get(z, "name"));
	if (ud_need(c, "elid", &elid) == -1)
		goto out;
	/* a TXT value may hold ", ": try the whole elid as one rkey first */
	if ((at = rec_find(z, elid)) >= 0)
		json_array_remove(json_object_get(z, "records"), (size_t)at);
	else {
		if ((k = elid_split(elid, &buf, items, 1024)) <= 0) {
			ud_bad(c, "elid", "elid: expected rkeys joined by \", \"");
			goto out;
		}
		for (i = 0; i < k; i++) {
			if ((at = rec_find(z, items[i])) < 0) {
				reply_error(&c->r, "missing", "domain.record",
				    "no record \"%.200s\" in zone \"%s\"; "
				    "nothing was deleted", items[i], zn);
				goto out;
			}
			json_array_remove(json_object_get(z, "records"),
			    (size_t)at);
		}
	}
	json_object_set_new(z, "serial", json_integer(next_serial(
	    json_integer_value(json_object_get(z, "serial")))));
	puts = json_pack("[o]", ud_put_of(dt_domain.store, NULL, json_incref(z)));
	if (ud_commit(c, SVC_DNS, puts, NULL) == 0)
		reply_ok(&c->r);
	json_decref(puts);
out:
	free(buf);
	json_decref(z);
}
