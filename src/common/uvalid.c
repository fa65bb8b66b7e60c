/* uvalid.c - see uvalid.h. */
#include "uvalid.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

/* the reason part of a message, as fail() of valid.c takes it */
#define WHY_MAX		160

/* labels_check() flags */
#define NAME_UNDERSCORE	0x1	/* labels may hold '_' */
#define NAME_WILDCARD	0x2	/* the leftmost label may be "*" */

#define TXT_MAX		2048
#define CAA_MAX		255

/* The usual message: what "value": why, shared with valid.c. */
#define fail	valid_fail

/* Writes a reason alone (WHY_MAX bytes), for a caller to pass to fail(). */
static int
whyf(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
whyf(char *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, WHY_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

/* The reason for byte c outside a grammar; idn: the grammar is a domain
 * name's, whose non-ASCII form is punycode. */
static int
why_char(char *why, unsigned char c, int idn)
{
	if (c >= 0x80 && idn)
		return whyf(why, "non-ASCII character; use punycode (xn--...)");
	if (c >= 0x80)
		return whyf(why, "non-ASCII byte \\x%02x", c);
	if (c >= 0x20 && c < 0x7f)
		return whyf(why, "invalid character '%c'", c);
	return whyf(why, "invalid character \\x%02x", c);
}

static int
bad_char(char *err, const char *what, const char *s, unsigned char c)
{
	char why[WHY_MAX];

	why_char(why, c, 0);
	return fail(err, what, s, "%s", why);
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

/* ---- punycode (RFC 3492) ---- */

#define PC_BASE		36
#define PC_TMIN		1
#define PC_TMAX		26
#define PC_SKEW		38
#define PC_DAMP		700

/* RFC 3492 6.1: the bias after a delta. */
static uint32_t
pc_adapt(uint32_t delta, uint32_t npoints, int first)
{
	uint32_t k = 0;

	delta = first ? delta / PC_DAMP : delta / 2;
	delta += delta / npoints;
	while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
		delta /= PC_BASE - PC_TMIN;
		k += PC_BASE;
	}
	return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* The value of a punycode digit (lower case), or PC_BASE if c is none. */
static uint32_t
pc_digit(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= '0' && c <= '9')
		return c - '0' + 26;
	return PC_BASE;
}

/* Why a decoded code point (0x80 or more) may not be in a name, or NULL. */
static const char *
cp_refused(uint32_t c)
{
	if (c < 0xa0)
		return "a control character";
	if (c >= 0xd800 && c <= 0xdfff)
		return "a surrogate";
	if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe)
		return "a noncharacter";
	/* what valid_text refuses and what hides in a name shown to
	 * people: soft hyphen, zero width space, LRM/RLM, line and
	 * paragraph separators, bidirectional controls, word joiner and
	 * invisible operators, BOM (ZWNJ and ZWJ are legitimate) */
	if (c == 0xad || c == 0x200b || c == 0x200e || c == 0x200f ||
	    (c >= 0x2028 && c <= 0x202e) || (c >= 0x2060 && c <= 0x2069) ||
	    c == 0xfeff)
		return "an invisible or bidirectional control character";
	return NULL;
}

/*
 * Checks the "xn--" label (n bytes, lower case, already [a-z0-9-]) by
 * decoding it per RFC 3492 6.2, with its overflow checks: it must decode
 * to at least one non-ASCII code point and every decoded code point must
 * be at most U+10FFFF and none of cp_refused().  Returns 0, or -1 with the
 * reason in why.
 */
static int
punycode_check(const char *label, size_t n, char *why)
{
	const char *s = label + 4, *d;
	size_t sn = n - 4, b = 0, in, j;
	uint32_t cp[64], cpn = 0, i = 0, code = 0x80, bias = 72;
	uint32_t oldi, w, k, t, digit;
	const char *no;

	if (sn == 0)
		return whyf(why, "label \"%.*s\": empty punycode", (int)n,
		    label);
	/* the basic code points, before the last delimiter */
	if ((d = memrchr(s, '-', sn)) != NULL) {
		b = (size_t)(d - s);
		for (j = 0; j < b; j++)
			cp[cpn++] = (unsigned char)s[j];
	}
	for (in = b > 0 ? b + 1 : 0; in < sn;) {
		/* a generalized variable-length integer: the delta */
		oldi = i;
		w = 1;
		for (k = PC_BASE;; k += PC_BASE) {
			if (in >= sn)
				return whyf(why, "label \"%.*s\": punycode "
				    "ends inside a number", (int)n, label);
			digit = pc_digit((unsigned char)s[in++]);
			if (digit >= PC_BASE)
				return whyf(why, "label \"%.*s\": '%c' is not "
				    "a punycode digit", (int)n, label,
				    s[in - 1]);
			if (digit > (UINT32_MAX - i) / w)
				return whyf(why, "label \"%.*s\": punycode "
				    "overflows", (int)n, label);
			i += digit * w;
			if (k <= bias)
				t = PC_TMIN;
			else if (k >= bias + PC_TMAX)
				t = PC_TMAX;
			else
				t = k - bias;
			if (digit < t)
				break;
			if (w > UINT32_MAX / (PC_BASE - t))
				return whyf(why, "label \"%.*s\": punycode "
				    "overflows", (int)n, label);
			w *= PC_BASE - t;
		}
		bias = pc_adapt(i - oldi, cpn + 1, oldi == 0);
		if (i / (cpn + 1) > 0x10ffff - code)
			return whyf(why, "label \"%.*s\": punycode decodes "
			    "beyond U+10FFFF", (int)n, label);
		code += i / (cpn + 1);
		i %= cpn + 1;
		if ((no = cp_refused(code)) != NULL)
			return whyf(why, "label \"%.*s\": punycode decodes to "
			    "U+%04X, %s", (int)n, label, (unsigned)code, no);
		/* each code point takes a digit at least: cannot overflow */
		if (cpn >= sizeof(cp) / sizeof(cp[0]))
			return whyf(why, "label \"%.*s\": punycode too long",
			    (int)n, label);
		memmove(cp + i + 1, cp + i, (cpn - i) * sizeof(cp[0]));
		cp[i++] = code;
		cpn++;
	}
	if (cpn == b)
		return whyf(why, "label \"%.*s\": punycode of ASCII only; "
		    "write the name itself", (int)n, label);
	return 0;
}

/* ---- names ---- */

/*
 * Checks the labels of s (n bytes, no trailing dot) and writes them in
 * lower case to out (n + 1 bytes): labels of 1..63 of [a-z0-9-] (and '_'
 * with NAME_UNDERSCORE), not beginning or ending with '-', "xn--" labels
 * well-formed punycode, at most 253 bytes in all; with NAME_WILDCARD the
 * leftmost label may be "*".  Returns the number of labels, or -1 with the
 * reason in why.
 */
static int
labels_check(const char *s, size_t n, int flags, char *out, char *why)
{
	size_t i, start = 0, len;
	int labels = 0;
	const char *label;

	if (n == 0)
		return whyf(why, "empty");
	if (n > 253)
		return whyf(why, "longer than 253 characters");
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? lower((unsigned char)s[i]) : '.';

		if (c != '.') {
			if (!is_ldh(c) &&
			    !(c == '_' && (flags & NAME_UNDERSCORE)) &&
			    !(c == '*' && (flags & NAME_WILDCARD)))
				return why_char(why, (unsigned char)s[i], 1);
			out[i] = (char)c;
			continue;
		}
		label = out + start;
		len = i - start;
		if (len == 0)
			return whyf(why, "empty label");
		if (len > 63)
			return whyf(why, "label longer than 63 characters");
		if (memchr(label, '*', len) != NULL && (start != 0 || len != 1))
			return whyf(why, "'*' only as the whole leftmost "
			    "label");
		if (label[0] == '-' || label[len - 1] == '-')
			return whyf(why, "label \"%.*s\" begins or ends with "
			    "'-'", (int)len, label);
		if (len >= 4 && memcmp(label, "xn--", 4) == 0) {
			if (memchr(label, '_', len) != NULL)
				return whyf(why, "label \"%.*s\": '_' in "
				    "punycode", (int)len, label);
			if (punycode_check(label, len, why) == -1)
				return -1;
		}
		if (i < n)
			out[i] = '.';
		start = i + 1;
		labels++;
	}
	out[n] = '\0';
	return labels;
}

/*
 * A name with at least two labels of which the last is not all digits, as
 * domains and absolute host names are (lower case, n bytes without the
 * trailing dot) in out.  Returns 0, or -1 with the reason in why.
 */
static int
domain_shape(const char *out, int labels, char *why)
{
	const char *last;

	if (labels < 2)
		return whyf(why, "needs at least two labels (like "
		    "example.com)");
	last = strrchr(out, '.') + 1;
	if (last[strspn(last, "0123456789")] == '\0')
		return whyf(why, "the last label is all digits");
	return 0;
}

int
valid_domain(const char *what, const char *s, char out[DOMAIN_MAX],
    char *err)
{
	char buf[DOMAIN_MAX], why[WHY_MAX], tmp[VALID_ERR_MAX];
	size_t n = strlen(s);
	int labels;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n > 253)
		return fail(err, what, s, "longer than 253 characters");
	if (valid_ip(what, s, NULL, tmp) == 0)
		return fail(err, what, s, "an IP address, not a domain name");
	if ((labels = labels_check(s, n, 0, buf, why)) == -1 ||
	    domain_shape(buf, labels, why) == -1)
		return fail(err, what, s, "%s", why);
	memcpy(out, buf, n + 1);
	return 0;
}

/*
 * The lists: items separated by spaces and/or commas, each canonicalised
 * by check (into 320 bytes at most) and given once, at most max of them,
 * joined by one space into out (outlen bytes), written only on success.
 * Returns 0 or -1 with a message in err.
 */
static int
list_check(const char *what, const char *s, size_t max,
    int (*check)(const char *, const char *, char *, char *), char *out,
    size_t outlen, char *err)
{
	char tok[400], item[400], *buf, *p;
	const char *q = s;
	size_t len, o = 0, count = 0;

	if (outlen == 0)
		return fail(err, what, s, "no room for the list");
	buf = xmalloc(outlen);
	buf[0] = '\0';
	while (*q) {
		if (*q == ' ' || *q == ',') {
			q++;
			continue;
		}
		len = strcspn(q, " ,");
		/* a longer item is refused as too long all the same */
		memcpy(tok, q, len < sizeof(tok) ? len : sizeof(tok) - 1);
		tok[len < sizeof(tok) ? len : sizeof(tok) - 1] = '\0';
		q += len;
		if (check(what, tok, item, err) == -1)
			goto bad;
		len = strlen(item);
		for (p = buf; *p != '\0'; p += *p == ' ') {
			if (strncmp(p, item, len) == 0 &&
			    (p[len] == ' ' || p[len] == '\0')) {
				fail(err, what, s, "\"%s\" given twice", item);
				goto bad;
			}
			p += strcspn(p, " ");
		}
		if (++count > max) {
			fail(err, what, s, "more than %zu items", max);
			goto bad;
		}
		if (o + (o > 0) + len + 1 > outlen) {
			fail(err, what, s, "list longer than %zu bytes",
			    outlen - 1);
			goto bad;
		}
		if (o > 0)
			buf[o++] = ' ';
		memcpy(buf + o, item, len + 1);
		o += len;
	}
	memcpy(out, buf, o + 1);
	free(buf);
	return 0;
bad:
	free(buf);
	return -1;
}

int
valid_domain_list(const char *what, const char *s, size_t max, char *out,
    size_t outlen, char *err)
{
	return list_check(what, s, max, valid_domain, out, outlen, err);
}

/* ---- DNS records ---- */

static const char *const rr_types[] = {
	"A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", NULL,
};

/*
 * A name of zone z (canonical, without the dot): "@" is the apex; with a
 * trailing dot it is absolute, and when inzone it must be z or end in ".z",
 * otherwise it needs the shape of a domain; without, it is relative to z.
 * Refuses an IP address.  Writes the absolute name with its trailing dot
 * to out (DOMAIN_MAX + 1 bytes).  Returns 0, or -1 with the reason in why.
 */
static int
rr_host(const char *z, const char *s, int flags, int inzone, char *out,
    char *why)
{
	char buf[DOMAIN_MAX], tmp[VALID_ERR_MAX];
	size_t n = strlen(s), zn = strlen(z);
	int labels;

	if (strcmp(s, "@") == 0) {
		snprintf(out, DOMAIN_MAX + 1, "%s.", z);
		return 0;
	}
	if (valid_ip("", s, NULL, tmp) == 0)
		return whyf(why, "an IP address; give a host name");
	if (n > 0 && s[n - 1] == '.') {
		n--;
		if (n > 253)
			return whyf(why, "longer than 253 characters");
		if ((labels = labels_check(s, n, flags, buf, why)) == -1)
			return -1;
		if (inzone) {
			if (strcmp(buf, z) != 0 && !(n > zn &&
			    buf[n - zn - 1] == '.' &&
			    strcmp(buf + n - zn, z) == 0))
				return whyf(why, "not in zone %s", z);
		} else if (domain_shape(buf, labels, why) == -1)
			return -1;
		snprintf(out, DOMAIN_MAX + 1, "%s.", buf);
		return 0;
	}
	if (n > 253)
		return whyf(why, "longer than 253 characters");
	if (labels_check(s, n, flags, buf, why) == -1)
		return -1;
	if (n + 1 + zn > 253)
		return whyf(why, "longer than 253 characters with the zone");
	snprintf(out, DOMAIN_MAX + 1, "%s.%s.", buf, z);
	return 0;
}

/*
 * Splits buf in place at spaces into at most max fields, the last taking
 * the rest.  Returns the number of fields, or -1 when one is empty (a
 * space at either end or two in a row).
 */
static int
split(char *buf, char **f, int max)
{
	char *p = buf;
	int nf = 0, i;

	for (;;) {
		f[nf++] = p;
		if (nf == max || (p = strchr(p, ' ')) == NULL)
			break;
		*p++ = '\0';
	}
	for (i = 0; i < nf; i++)
		if (*f[i] == '\0')
			return -1;
	return nf;
}

/*
 * A number of a record's value: the field of value (NULL if the value has
 * none) or the parameter pname (NULL or "" when not given), which must
 * agree when both are given; dflt when neither is, or an error if dflt is
 * negative.  0..max.  Returns 0 or -1 with a message in err.
 */
static int
rr_num(const char *name, const char *pname, const char *field,
    const char *param, const char *value, int64_t max, int64_t dflt,
    int64_t *out, char *err)
{
	char tmp[VALID_ERR_MAX];
	int64_t v = dflt, pv;

	if (field != NULL && valid_int(name, field, 0, max, &v, tmp) == -1)
		return fail(err, "value", value, "%s", tmp);
	if (param != NULL && *param != '\0') {
		if (valid_int(pname, param, 0, max, &pv, err) == -1)
			return -1;
		if (field != NULL && pv != v)
			return fail(err, pname, param, "differs from the %s "
			    "in the value", name);
		v = pv;
	}
	if (v < 0)
		return fail(err, pname, param ? param : "", "missing; give "
		    "it, or the whole record in the value");
	*out = v;
	return 0;
}

/* The CAA value "FLAGS TAG VALUE" of buf (a copy of value), canonical. */
static int
rr_caa(char *buf, const char *value, struct rr *r, char *err)
{
	static const char *const tags[] = { "issue", "issuewild", "iodef",
	    NULL };
	char tmp[VALID_ERR_MAX], *f[3], *v, *p;
	int64_t flags;
	size_t i, n;

	for (p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return bad_char(err, "value", value, (unsigned char)*p);
	if (split(buf, f, 3) != 3)
		return fail(err, "value", value, "not \"FLAGS TAG VALUE\"");
	if (valid_int("flags", f[0], 0, 255, &flags, tmp) == -1)
		return fail(err, "value", value, "%s", tmp);
	for (p = f[1]; *p; p++)
		*p = (char)lower((unsigned char)*p);
	for (i = 0; tags[i]; i++)
		if (strcmp(f[1], tags[i]) == 0)
			break;
	if (tags[i] == NULL)
		return fail(err, "value", value, "the tag must be issue, "
		    "issuewild or iodef");
	v = f[2];
	n = strlen(v);
	if (v[0] == '"') {
		if (n < 2 || v[n - 1] != '"')
			return fail(err, "value", value, "unbalanced '\"'");
		v[--n] = '\0';
		v++;
		n--;
	}
	if (strchr(v, '"') != NULL)
		return fail(err, "value", value, "'\"' inside the CAA value");
	if (n > CAA_MAX)
		return fail(err, "value", value, "CAA value longer than %d "
		    "bytes", CAA_MAX);
	if (strcmp(f[1], "iodef") == 0 && strncmp(v, "mailto:", 7) != 0 &&
	    strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0)
		return fail(err, "value", value, "iodef must be a mailto:, "
		    "http:// or https:// URL");
	snprintf(r->value, sizeof(r->value), "%d %s \"%s\"", (int)flags,
	    f[1], v);
	return 0;
}

/*
 * The value of record r (name and type set) of zone z, canonical into
 * r->value.  raw: a TXT value is taken as it is (an rkey's), not stripped
 * of quotes.  Returns 0 or -1 with a message in err.
 */
static int
rr_value(const char *z, struct rr *r, const char *value, const char *prio,
    const char *weight, const char *port, int raw, char *err)
{
	char buf[TXT_MAX + 3], ip[64], host[DOMAIN_MAX + 1], why[WHY_MAX];
	char *f[4];
	int64_t p, w, pt;
	size_t i, n = strlen(value);
	int nf;

	if (n > TXT_MAX + 2)
		return fail(err, "value", value, "longer than %d bytes",
		    TXT_MAX);
	memcpy(buf, value, n + 1);
	if (strcmp(r->type, "A") == 0 || strcmp(r->type, "AAAA") == 0) {
		if (valid_ip("value", value, ip, err) == -1)
			return -1;
		if ((strchr(ip, ':') != NULL) != (r->type[1] == 'A'))
			return fail(err, "value", value, "not an IPv%c "
			    "address", r->type[1] == 'A' ? '6' : '4');
		strcpy(r->value, ip);
	} else if (strcmp(r->type, "CNAME") == 0 ||
	    strcmp(r->type, "NS") == 0) {
		if (rr_host(z, value, r->type[0] == 'C' ? NAME_UNDERSCORE : 0,
		    0, r->value, why) == -1)
			return fail(err, "value", value, "%s", why);
	} else if (strcmp(r->type, "MX") == 0) {
		if ((nf = split(buf, f, 2)) == -1)
			return fail(err, "value", value, "empty field");
		if (rr_num("priority", "prio", nf == 2 ? f[0] : NULL, prio,
		    value, 65535, 10, &p, err) == -1)
			return -1;
		if (rr_host(z, f[nf - 1], 0, 0, host, why) == -1)
			return fail(err, "value", value, "%s", why);
		snprintf(r->value, sizeof(r->value), "%d %s", (int)p, host);
	} else if (strcmp(r->type, "SRV") == 0) {
		if ((nf = split(buf, f, 4)) == -1)
			return fail(err, "value", value, "empty field");
		if (nf != 1 && nf != 4)
			return fail(err, "value", value, "not \"PRIO WEIGHT "
			    "PORT TARGET\" or TARGET");
		if (rr_num("priority", "prio", nf == 4 ? f[0] : NULL, prio,
		    value, 65535, -1, &p, err) == -1 ||
		    rr_num("weight", "weight", nf == 4 ? f[1] : NULL, weight,
		    value, 65535, -1, &w, err) == -1 ||
		    rr_num("port", "port", nf == 4 ? f[2] : NULL, port,
		    value, 65535, -1, &pt, err) == -1)
			return -1;
		if (rr_host(z, f[nf - 1], 0, 0, host, why) == -1)
			return fail(err, "value", value, "%s", why);
		snprintf(r->value, sizeof(r->value), "%d %d %d %s", (int)p,
		    (int)w, (int)pt, host);
	} else if (strcmp(r->type, "TXT") == 0) {
		const char *t = value;

		if (!raw && n >= 2 && value[0] == '"' && value[n - 1] == '"') {
			t = value + 1;
			n -= 2;
		}
		if (n == 0)
			return fail(err, "value", value, "empty");
		if (n > TXT_MAX)
			return fail(err, "value", value, "longer than %d "
			    "bytes", TXT_MAX);
		for (i = 0; i < n; i++)
			if ((unsigned char)t[i] < 0x20 ||
			    (unsigned char)t[i] >= 0x7f)
				return bad_char(err, "value", value,
				    (unsigned char)t[i]);
		memcpy(r->value, t, n);
		r->value[n] = '\0';
	} else
		return rr_caa(buf, value, r, err);
	return 0;
}

/*
 * valid_rr() and rr_parse_key() (raw: TXT as it is).  Returns 0 or -1 with
 * a message in err; *out written only on success.
 */
static int
rr_check(const char *zone, const char *name, const char *rtype,
    const char *ttl, const char *value, const char *prio,
    const char *weight, const char *port, int raw, struct rr *out,
    char *err)
{
	struct rr r;
	char z[DOMAIN_MAX], why[WHY_MAX];
	int64_t t;
	size_t i, zn;
	int flags = NAME_WILDCARD | NAME_UNDERSCORE;

	memset(&r, 0, sizeof(r));
	if (valid_domain("zone", zone, z, err) == -1)
		return -1;
	for (i = 0; rr_types[i]; i++)
		if (strcasecmp(rtype, rr_types[i]) == 0)
			break;
	if (rr_types[i] == NULL)
		return fail(err, "type", rtype, "must be one of A, AAAA, "
		    "CNAME, MX, TXT, NS, SRV, CAA");
	strcpy(r.type, rr_types[i]);
	if (ttl == NULL || *ttl == '\0')
		r.ttl = 3600;
	else if (valid_int("ttl", ttl, 1, 604800, &t, err) == -1)
		return -1;
	else
		r.ttl = (int)t;
	/* named-checkzone's check-names: the owners of these are hosts */
	if (strcmp(r.type, "A") == 0 || strcmp(r.type, "AAAA") == 0 ||
	    strcmp(r.type, "MX") == 0) {
		flags &= ~NAME_UNDERSCORE;
		if (strchr(name, '_') != NULL)
			return fail(err, "name", name, "'_' in the name of "
			    "an %s record, which must be a host name",
			    r.type);
	}
	if (rr_host(z, name, flags, 1, r.name, why) == -1)
		return fail(err, "name", name, "%s", why);
	zn = strlen(z);
	if (strcmp(r.type, "CNAME") == 0 && strlen(r.name) == zn + 1)
		return fail(err, "name", name, "a CNAME cannot be at the "
		    "zone's apex");
	if (rr_value(z, &r, value ? value : "", prio, weight, port, raw,
	    err) == -1)
		return -1;
	*out = r;
	return 0;
}

int
valid_rr(const char *zone, const char *name, const char *rtype,
    const char *ttl, const char *value, const char *prio,
    const char *weight, const char *port, struct rr *out, char *err)
{
	return rr_check(zone, name, rtype, ttl, value, prio, weight, port, 0,
	    out, err);
}

int
rr_key(const struct rr *r, char *out, size_t outlen)
{
	int n;

	n = snprintf(out, outlen, "%s %s  %s", r->name, r->type, r->value);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

int
rr_parse_key(const char *zone, const char *key, struct rr *out, char *err)
{
	struct rr r;
	char name[DOMAIN_MAX + 1], type[8], tmp[VALID_ERR_MAX];
	const char *sp, *tp, *value;
	size_t i, n = strlen(key);

	if (n > sizeof(r.name) + sizeof(r.type) + sizeof(r.value))
		return fail(err, "elid", key, "too long for a record key");
	for (i = 0; i < n; i++)
		if ((unsigned char)key[i] < 0x20 ||
		    (unsigned char)key[i] >= 0x7f)
			return bad_char(err, "elid", key,
			    (unsigned char)key[i]);
	if ((sp = strchr(key, ' ')) == NULL || sp == key || sp[-1] != '.' ||
	    (size_t)(sp - key) >= sizeof(name) ||
	    (tp = strchr(sp + 1, ' ')) == NULL || tp == sp + 1 ||
	    (size_t)(tp - sp - 1) >= sizeof(type) || tp[1] != ' ')
		return fail(err, "elid", key, "not a record key "
		    "\"NAME. TYPE  VALUE\"");
	memcpy(name, key, (size_t)(sp - key));
	name[sp - key] = '\0';
	memcpy(type, sp + 1, (size_t)(tp - sp - 1));
	type[tp - sp - 1] = '\0';
	value = tp + 2;
	if (rr_check(zone, name, type, "", value, NULL, NULL, NULL, 1, &r,
	    tmp) == -1)
		return fail(err, "elid", key, "%s", tmp);
	/* one record, one key: only the form rr_key() writes */
	if (strcmp(r.name, name) != 0 || strcmp(r.type, type) != 0 ||
	    strcmp(r.value, value) != 0)
		return fail(err, "elid", key, "not in canonical form; the "
		    "record is \"%s %s  %s\"", r.name, r.type, r.value);
	r.ttl = 0;
	*out = r;
	return 0;
}

/* ---- mail ---- */

int
valid_mailbox(const char *what, const char *s, char out[65], char *err)
{
	char buf[65];
	size_t i, n = strlen(s);

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 64)
		return fail(err, what, s, "longer than 64 characters");
	for (i = 0; i < n; i++) {
		unsigned char c = lower((unsigned char)s[i]);

		if (!is_ldh(c) && c != '.' && c != '_' && c != '+')
			return bad_char(err, what, s, (unsigned char)s[i]);
		buf[i] = (char)c;
	}
	buf[n] = '\0';
	if (buf[0] == '.' || buf[n - 1] == '.')
		return fail(err, what, s, "begins or ends with '.'");
	if (strstr(buf, "..") != NULL)
		return fail(err, what, s, "two dots in a row");
	if (buf[0] == '-')
		return fail(err, what, s, "begins with '-'");
	memcpy(out, buf, n + 1);
	return 0;
}

int
valid_email(const char *what, const char *s, char out[320], char *err)
{
	char local[320], lp[65], dom[DOMAIN_MAX], tmp[VALID_ERR_MAX];
	const char *at;
	size_t n = strlen(s);

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 319)
		return fail(err, what, s, "longer than 319 characters");
	if ((at = strchr(s, '@')) == NULL)
		return fail(err, what, s, "no '@'");
	if (strchr(at + 1, '@') != NULL)
		return fail(err, what, s, "more than one '@'");
	memcpy(local, s, (size_t)(at - s));
	local[at - s] = '\0';
	if (valid_mailbox("local part", local, lp, tmp) == -1 ||
	    valid_domain("domain", at + 1, dom, tmp) == -1)
		return fail(err, what, s, "%s", tmp);
	snprintf(out, 320, "%s@%s", lp, dom);
	return 0;
}

int
valid_email_list(const char *what, const char *s, size_t max, char *out,
    size_t outlen, char *err)
{
	return list_check(what, s, max, valid_email, out, outlen, err);
}

/* ---- web ---- */

int
valid_relpath(const char *what, const char *s, char out[201], char *err)
{
	const char *seg;
	size_t i, n = strlen(s), len;

	if (n == 0)
		return fail(err, what, s, "empty");
	if (n > 200)
		return fail(err, what, s, "longer than 200 characters");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c >= 'A' && c <= 'Z') && !is_ldh(c) && c != '.' &&
		    c != '_' && c != '/')
			return bad_char(err, what, s, c);
	}
	if (s[0] == '/')
		return fail(err, what, s, "begins with '/'; give the path "
		    "relative to the data directory");
	if (s[n - 1] == '/')
		return fail(err, what, s, "ends with '/'");
	for (seg = s; *seg; seg += len + (seg[len] == '/')) {
		len = strcspn(seg, "/");
		if (len == 0)
			return fail(err, what, s, "empty segment (\"//\")");
		if ((len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return fail(err, what, s, "segment \".\" or \"..\"");
	}
	memcpy(out, s, n + 1);
	return 0;
}

int
valid_php_mode(const char *what, const char *s, char out[16], char *err)
{
	static const struct {
		const char	*in, *out;
	} modes[] = {
		{ "none", "none" },
		{ "php_fpm", "php_fpm" },
		{ "php_cgi", "php_cgi" },
		{ "php_mode_none", "none" },
		{ "php_mode_fcgi_nginxfpm", "php_fpm" },
		{ "php_mode_cgi", "php_cgi" },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(s, modes[i].in) == 0) {
			strcpy(out, modes[i].out);
			return 0;
		}
	return fail(err, what, s, "must be none, php_fpm or php_cgi");
}

int
valid_php_version(const char *what, const char *s, char out[8], char *err)
{
	if (strlen(s) != 3 || s[1] != '.' || s[0] < '0' || s[0] > '9' ||
	    s[2] < '0' || s[2] > '9')
		return fail(err, what, s, "not MAJOR.MINOR (like 8.2)");
	if (s[0] < '5' || s[0] > '8')
		return fail(err, what, s, "major version out of range 5..8");
	memcpy(out, s, 4);
	return 0;
}

int
valid_fullname(const char *what, const char *s, char *err)
{
	const char *p;

	if (valid_text(what, s, 128, err) == -1)
		return -1;
	if ((p = strpbrk(s, ":,")) != NULL)
		return bad_char(err, what, s, (unsigned char)*p);
	return 0;
}
