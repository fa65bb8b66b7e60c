/* fuzz_uvalid.c - every validator of uvalid.h on fields of one input.
 *
 * The input is split at NUL bytes into up to eight fields, read as the
 * arguments of valid_rr: zone, name, type, ttl, value, prio, weight, port
 * (missing ones are "").  Every field goes through every one-string
 * validator; valid_rr runs on the fields as they are and again with the
 * zone "example.com" and each record type, so that the fuzzer reaches
 * accepted records quickly; every field is also parsed as an rkey.
 *
 * What is accepted must satisfy the grammar, re-checked here by other
 * code: no byte below 0x20 or above 0x7e, no '"' but in TXT and CAA
 * values, no ';', '{' or '}' in names, paths, mailboxes or host values;
 * canonical forms validate again to themselves and rr_key of an accepted
 * record parses back to the same record.  An accepted domain is also
 * looked up in the Public Suffix List (suffix.h).  Every refusal leaves
 * out alone and has a one-line printable message naming the field.
 * Outputs are exactly sized heap buffers, so that ASan sees any overrun.
 * Any broken invariant aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/common/suffix.h"
#include "../src/common/uvalid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS	8

#include "fuzz_check.h"

/* Printable ASCII only: no control, no newline, nothing above 0x7e. */
static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* Sets an output buffer to a pattern, to see whether a refusal wrote it. */
static void
poison(char *out, size_t n)
{
	memset(out, 0x5a, n);
}

static int
poisoned(const char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] != 0x5a)
			return 0;
	return 1;
}

#define LOWER	"abcdefghijklmnopqrstuvwxyz"
#define DIGITS	"0123456789"

/* The shape of a canonical domain (or of a name without its dot, with
 * extra the characters its labels may hold besides [a-z0-9-]). */
static void
check_name_shape(const char *s, const char *extra)
{
	char set[64];
	const char *p, *dot;
	size_t n;

	snprintf(set, sizeof(set), LOWER DIGITS "-.%s", extra);
	check(strlen(s) >= 1 && strlen(s) <= 253, "name length", s);
	check(only(s, set), "name charset", s);
	for (p = s;; p = dot + 1) {
		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		check(n >= 1 && n <= 63, "name label length", s);
		check(p[0] != '-' && p[n - 1] != '-', "name label hyphen", s);
		check(memchr(p, '*', n) == NULL || (p == s && n == 1),
		    "name '*' not the leftmost label", s);
		if (dot == NULL)
			break;
	}
}

/* A canonical domain against the Public Suffix List (loaded at the first
 * call): public or not, never "not loaded", the same answer twice, and a
 * refusal's message names the field. */
static void
fuzz_suffix(const char *name, char *err)
{
	static int loaded;
	char lerr[256];
	int rc;

	if (!loaded) {
		check(suffix_load(NULL, lerr, sizeof(lerr)) == 0, "suffix: no "
		    "list (install publicsuffix)", lerr);
		loaded = 1;
	}
	rc = suffix_check("name", name, err);
	check(rc == 0 || rc == SUFFIX_PUBLIC, "suffix: not 0 nor public",
	    name);
	if (rc != 0)
		check_err(err, "name");
	check(suffix_check("name", name, err) == rc, "suffix: answer not "
	    "stable", name);
}

static void
fuzz_domain(const char *s, char *err)
{
	char *out = malloc(DOMAIN_MAX), again[DOMAIN_MAX];

	poison(out, DOMAIN_MAX);
	if (valid_domain("domain", s, out, err) == 0) {
		check_name_shape(out, "");
		check(strchr(out, '.') != NULL, "domain: one label", out);
		check(strlen(out) + 1 >= strlen(s), "domain: dropped more "
		    "than the dot", s);
		check(strncasecmp(out, s, strlen(out)) == 0, "domain: not "
		    "the input folded", s);
		check(valid_domain("domain", out, again, err) == 0 &&
		    strcmp(out, again) == 0, "domain: canonical not stable",
		    out);
		fuzz_suffix(out, err);
	} else {
		check_err(err, "domain");
		check(poisoned(out, DOMAIN_MAX), "domain: out written on "
		    "failure", s);
	}
	free(out);
}

static void
fuzz_list(const char *s, char *err, int email)
{
	static const size_t maxes[] = { 0, 1, 3, 50 };
	static const size_t lens[] = { 1, 20, 600 };
	char *out, *copy, *tok, *save, item[400], *seen[64];
	size_t i, j, k, n;

	for (i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++)
	for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
		out = malloc(lens[j]);
		poison(out, lens[j]);
		if ((email ? valid_email_list("forward", s, maxes[i], out,
		    lens[j], err) : valid_domain_list("aliases", s, maxes[i],
		    out, lens[j], err)) == 0) {
			check(strlen(out) < lens[j], "list: past outlen", s);
			copy = strdup(out);
			n = 0;
			for (tok = strtok_r(copy, " ", &save); tok;
			    tok = strtok_r(NULL, " ", &save)) {
				check((email ? valid_email("forward", tok,
				    item, err) : valid_domain("aliases", tok,
				    item, err)) == 0 && strcmp(tok, item) ==
				    0, "list: item not canonical", tok);
				for (k = 0; k < n && k < 64; k++)
					check(strcmp(seen[k], tok) != 0,
					    "list: item twice", out);
				if (n < 64)
					seen[n] = tok;
				n++;
			}
			free(copy);
			check(n <= maxes[i], "list: more than max", s);
			check(out[0] != ' ' && strstr(out, "  ") == NULL &&
			    (out[0] == '\0' || out[strlen(out) - 1] != ' '),
			    "list: not joined by one space", out);
		} else {
			check_err(err, email ? "forward" : "aliases");
			check(poisoned(out, lens[j]), "list: out written on "
			    "failure", s);
		}
		free(out);
	}
}

static void
fuzz_mailbox(const char *s, char *err)
{
	char *out = malloc(65), again[65];

	poison(out, 65);
	if (valid_mailbox("name", s, out, err) == 0) {
		size_t n = strlen(out);

		check(n >= 1 && n <= 64, "mailbox length", s);
		check(only(out, LOWER DIGITS "._+-"), "mailbox charset", out);
		check(out[0] != '.' && out[n - 1] != '.' && out[0] != '-',
		    "mailbox ends", out);
		check(strstr(out, "..") == NULL, "mailbox \"..\"", out);
		check(strcasecmp(out, s) == 0, "mailbox: not the input", s);
		check(valid_mailbox("name", out, again, err) == 0 &&
		    strcmp(out, again) == 0, "mailbox: not stable", out);
	} else {
		check_err(err, "name");
		check(poisoned(out, 65), "mailbox: out written on failure", s);
	}
	free(out);
}

static void
fuzz_email(const char *s, char *err)
{
	char *out = malloc(320), again[320], local[320], dom[DOMAIN_MAX];
	char *at;

	poison(out, 320);
	if (valid_email("email", s, out, err) == 0) {
		check(strlen(out) <= 319 && printable(out), "email bytes",
		    out);
		at = strchr(out, '@');
		check(at != NULL && strchr(at + 1, '@') == NULL, "email '@'",
		    out);
		memcpy(local, out, (size_t)(at - out));
		local[at - out] = '\0';
		check(valid_mailbox("l", local, local, err) == 0,
		    "email: local part", out);
		check(valid_domain("d", at + 1, dom, err) == 0 &&
		    strcmp(dom, at + 1) == 0, "email: domain", out);
		check(valid_email("email", out, again, err) == 0 &&
		    strcmp(out, again) == 0, "email: not stable", out);
	} else {
		check_err(err, "email");
		check(poisoned(out, 320), "email: out written on failure", s);
	}
	free(out);
}

static void
fuzz_relpath(const char *s, char *err)
{
	char *out = malloc(201);
	const char *p;

	poison(out, 201);
	if (valid_relpath("home", s, out, err) == 0) {
		size_t n = strlen(out);

		check(strcmp(out, s) == 0, "relpath: not the input", s);
		check(n >= 1 && n <= 200, "relpath length", s);
		check(only(out, LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ" DIGITS
		    "._-/"), "relpath charset", s);
		check(out[0] != '/' && out[n - 1] != '/' &&
		    strstr(out, "//") == NULL, "relpath slashes", s);
		for (p = out; p; p = strchr(p, '/') ? strchr(p, '/') + 1 :
		    NULL)
			check(strncmp(p, "./", 2) != 0 && strcmp(p, ".") != 0 &&
			    strncmp(p, "../", 3) != 0 && strcmp(p, "..") != 0,
			    "relpath dot segment", s);
	} else {
		check_err(err, "home");
		check(poisoned(out, 201), "relpath: out written on failure",
		    s);
	}
	free(out);
}

static void
fuzz_php(const char *s, char *err)
{
	char *mode = malloc(16), *ver = malloc(8);

	poison(mode, 16);
	if (valid_php_mode("php_mode", s, mode, err) == 0)
		check(strcmp(mode, "none") == 0 ||
		    strcmp(mode, "php_fpm") == 0 ||
		    strcmp(mode, "php_cgi") == 0, "php mode", s);
	else {
		check_err(err, "php_mode");
		check(poisoned(mode, 16), "php mode: out written", s);
	}
	poison(ver, 8);
	if (valid_php_version("php_version", s, ver, err) == 0)
		check(strlen(ver) == 3 && ver[0] >= '5' && ver[0] <= '8' &&
		    ver[1] == '.' && ver[2] >= '0' && ver[2] <= '9' &&
		    strcmp(ver, s) == 0, "php version", s);
	else {
		check_err(err, "php_version");
		check(poisoned(ver, 8), "php version: out written", s);
	}
	free(mode);
	free(ver);
}

static void
fuzz_fullname(const char *s, char *err)
{
	const unsigned char *p;

	if (valid_fullname("fullname", s, err) == 0) {
		check(strlen(s) <= 128, "fullname length", s);
		check(strpbrk(s, ":,") == NULL, "fullname ':' or ','", s);
		for (p = (const unsigned char *)s; *p; p++)
			check(*p >= 0x20 && *p != 0x7f, "fullname control", s);
	} else
		check_err(err, "fullname");
}

/* The first message word of a valid_rr refusal. */
static void
check_rr_err(const char *err)
{
	static const char *const fields[] = { "zone", "name", "type", "ttl",
	    "value", "prio", "weight", "port", NULL };
	size_t i;

	for (i = 0; fields[i]; i++)
		if (strncmp(err, fields[i], strlen(fields[i])) == 0 &&
		    err[strlen(fields[i])] == ' ')
			break;
	check(fields[i] != NULL, "rr error names no field", err);
	check_err(err, fields[i]);
}

/* Everything an accepted record must be, and its key's round trip. */
static void
check_rr(const char *zone, const char *ttl, const struct rr *r, char *err)
{
	char z[DOMAIN_MAX], key[sizeof(r->name) + sizeof(r->type) +
	    sizeof(r->value) + 4], name[DOMAIN_MAX + 1], *kp;
	struct rr back, again;
	size_t n, zn, vn;
	int txt, caa, host;

	check(valid_domain("zone", zone, z, err) == 0, "rr: zone invalid",
	    zone);
	zn = strlen(z);
	n = strlen(r->name);
	check(n >= 2 && r->name[n - 1] == '.', "rr: name not absolute",
	    r->name);
	memcpy(name, r->name, n - 1);
	name[n - 1] = '\0';
	check_name_shape(name, "_*");
	check(strcmp(name, z) == 0 || (n - 1 > zn &&
	    name[n - 2 - zn] == '.' && strcmp(name + n - 1 - zn, z) == 0),
	    "rr: name not in zone", r->name);
	check(strcmp(r->type, "A") == 0 || strcmp(r->type, "AAAA") == 0 ||
	    strcmp(r->type, "CNAME") == 0 || strcmp(r->type, "MX") == 0 ||
	    strcmp(r->type, "TXT") == 0 || strcmp(r->type, "NS") == 0 ||
	    strcmp(r->type, "SRV") == 0 || strcmp(r->type, "CAA") == 0,
	    "rr: type", r->type);
	check(r->ttl >= 1 && r->ttl <= 604800, "rr: ttl", r->name);
	if (strcmp(r->type, "CNAME") == 0)
		check(strcmp(name, z) != 0, "rr: CNAME at the apex", r->name);
	if (strcmp(r->type, "A") == 0 || strcmp(r->type, "AAAA") == 0 ||
	    strcmp(r->type, "MX") == 0)
		check(strchr(r->name, '_') == NULL, "rr: '_' in a host's name",
		    r->name);

	vn = strlen(r->value);
	txt = strcmp(r->type, "TXT") == 0;
	caa = strcmp(r->type, "CAA") == 0;
	host = !txt && !caa;
	check(printable(r->value), "rr: value not printable ASCII",
	    r->value);
	check(vn >= 1 && vn <= 2048, "rr: value length", r->value);
	if (host)
		check(strpbrk(r->value, "\";{}\\()") == NULL,
		    "rr: quote, ';', brace in a host value", r->value);
	if (caa) {
		const char *q = strchr(r->value, '"');

		check(q != NULL && r->value[vn - 1] == '"' &&
		    q != r->value + vn - 1 && strchr(q + 1, '"') ==
		    r->value + vn - 1, "rr: CAA quotes", r->value);
	}
	if (strcmp(r->type, "CNAME") == 0 || strcmp(r->type, "NS") == 0)
		check(r->value[vn - 1] == '.' && only(r->value, LOWER DIGITS
		    "-._"), "rr: host value", r->value);
	if (strcmp(r->type, "MX") == 0 || strcmp(r->type, "SRV") == 0)
		check(r->value[vn - 1] == '.' && only(r->value, LOWER DIGITS
		    "-. "), "rr: MX/SRV value", r->value);

	/* the key parses back to the same record */
	check(rr_key(r, key, sizeof(key)) == 0, "rr_key failed", r->name);
	check(strchr(key, '\n') == NULL && printable(key), "rr: key bytes",
	    key);
	kp = strstr(key, "  ");
	check(kp != NULL && strncmp(key, r->name, n) == 0 && key[n] == ' ',
	    "rr: key form", key);
	memset(&back, 0x5a, sizeof(back));
	if (rr_parse_key(zone, key, &back, err) != 0) {
		fprintf(stderr, "%s\n", err);
		check(0, "rr: key does not parse back", key);
	}
	check(strcmp(back.name, r->name) == 0 &&
	    strcmp(back.type, r->type) == 0 &&
	    strcmp(back.value, r->value) == 0 && back.ttl == 0,
	    "rr: key parses to another record", key);
	/* a key too small for the record is refused */
	check(rr_key(r, key, strlen(key)) == -1, "rr_key: short buffer", key);

	/* the canonical fields validate again to themselves (a TXT value in
	 * quotes would lose them again) */
	if (!(txt && vn >= 2 && r->value[0] == '"' && r->value[vn - 1] ==
	    '"')) {
		if (valid_rr(zone, r->name, r->type, ttl, r->value, NULL, NULL,
		    NULL, &again, err) != 0) {
			fprintf(stderr, "%s\n", err);
			check(0, "rr: canonical refused", r->value);
		}
		check(strcmp(again.name, r->name) == 0 &&
		    strcmp(again.value, r->value) == 0 &&
		    again.ttl == r->ttl, "rr: canonical not stable", r->value);
	}
}

static void
fuzz_rr(char **f, char *err)
{
	static const char *const types[] = { "A", "AAAA", "CNAME", "MX",
	    "TXT", "NS", "SRV", "caa" };
	struct rr *r = malloc(sizeof(*r));
	size_t i;

	poison((char *)r, sizeof(*r));
	if (valid_rr(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], r,
	    err) == 0)
		check_rr(f[0], f[3], r, err);
	else {
		check_rr_err(err);
		check(poisoned((char *)r, sizeof(*r)), "rr: out written on "
		    "failure", f[1]);
	}
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		poison((char *)r, sizeof(*r));
		if (valid_rr("example.com", f[1], types[i], f[3], f[4],
		    f[5], f[6], f[7], r, err) == 0)
			check_rr("example.com", f[3], r, err);
		else {
			check_rr_err(err);
			check(poisoned((char *)r, sizeof(*r)), "rr: out "
			    "written on failure", f[1]);
		}
	}
	free(r);
}

static void
fuzz_key(const char *zone, const char *s, char *err)
{
	struct rr *r = malloc(sizeof(*r));
	char key[2400];

	poison((char *)r, sizeof(*r));
	if (rr_parse_key(zone, s, r, err) == 0) {
		/* exactly what rr_key writes */
		check(rr_key(r, key, sizeof(key)) == 0 && strcmp(key, s) == 0,
		    "rr_parse_key accepted a non-canonical key", s);
		check(r->ttl == 0, "rr_parse_key: ttl", s);
		r->ttl = 3600;
		check_rr(zone, "", r, err);
	} else {
		check_err(err, "elid");
		check(poisoned((char *)r, sizeof(*r)), "rr_parse_key: out "
		    "written on failure", s);
	}
	free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *err, *f[NFIELDS];
	size_t i, nf = 0, start = 0;

	if (size > 20000)
		return 0;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (i = 0; i <= size && nf < NFIELDS; i++)
		if (i == size || buf[i] == '\0') {
			f[nf++] = buf + start;
			start = i + 1;
		}
	for (; nf < NFIELDS; nf++)
		f[nf] = buf + size;	/* "" */
	/* exactly VALID_ERR_MAX, so that ASan sees a longer message */
	err = malloc(VALID_ERR_MAX);
	err[0] = '\0';

	for (i = 0; i < NFIELDS; i++) {
		if (i > 0 && strcmp(f[i], f[i - 1]) == 0)
			continue;
		fuzz_domain(f[i], err);
		fuzz_mailbox(f[i], err);
		fuzz_email(f[i], err);
		fuzz_relpath(f[i], err);
		fuzz_php(f[i], err);
		fuzz_fullname(f[i], err);
		fuzz_key("example.com", f[i], err);
		if (i < 2) {
			fuzz_list(f[i], err, 0);
			fuzz_list(f[i], err, 1);
		}
	}
	fuzz_key(f[0], f[1], err);
	fuzz_rr(f, err);

	free(err);
	free(buf);
	return 0;
}
