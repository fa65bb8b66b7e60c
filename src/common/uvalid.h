/* uvalid.h - strict grammars for the fields of user data: web domains, DNS
 * zones and records, mail domains and mailboxes.  The master checks them
 * before it routes a call; the node checks them again before anything is
 * stored or rendered (invariant I5).
 *
 * Same conventions as valid.h: 0, or -1 with a message for people in err
 * (VALID_ERR_MAX bytes) naming the field `what` and quoting the value.
 * Every "out" is written only on success and is the canonical form. */
#ifndef HF_UVALID_H
#define HF_UVALID_H

#include <stddef.h>
#include <stdint.h>

#include "valid.h"

#define DOMAIN_MAX	254	/* 253 and the NUL */
#define MAILBOX_MAX_MB	1048576	/* the largest maxsize of a mailbox */

/* A domain name: 2..127 labels of [a-z0-9-] (upper case folded), each
 * 1..63, not starting or ending with '-', "xn--" labels only as well-formed
 * punycode (RFC 3492, decoded with its overflow checks: at least one
 * non-ASCII code point, none above U+10FFFF, a surrogate, a C1 control, a
 * noncharacter, or an invisible or bidirectional control such as U+200B or
 * U+202E), at most 253 in all, one optional trailing dot (dropped), the
 * last label not all digits (so no IP address).
 * Non-ASCII input is refused with a message asking for punycode. */
int	 valid_domain(const char *what, const char *s, char out[DOMAIN_MAX],
	    char *err);
/* A space- and/or comma-separated list of at most max domains, each once;
 * out (outlen bytes) gets them joined by one space, in the given order
 * ("" for an empty list). */
int	 valid_domain_list(const char *what, const char *s, size_t max,
	    char *out, size_t outlen, char *err);

/* One DNS resource record of zone (a valid_domain).  name is "@", a name
 * relative to the zone ("www", "_acme-challenge.www") or absolute with a
 * trailing dot inside the zone ("_acme-challenge.www.example.com.", "not
 * in zone" otherwise); labels as valid_domain's but they may hold '_' and
 * the leftmost may be "*".  The names of A, AAAA and MX records are host
 * names: no '_' (named-checkzone's check-names refuses them).  rtype is
 * one of A, AAAA, CNAME, MX, TXT, NS, SRV, CAA in any case.  ttl is "" or
 * NULL (3600) or 1..604800.  value by type:
 *   A, AAAA  an address of that family (canonical form);
 *   CNAME, NS  a host name: "@" (the apex), relative to the zone or
 *            absolute (then with two labels at least, the last not all
 *            digits), never an IP address; a CNAME's may hold '_', an NS's
 *            may not;
 *   MX       "PRIO HOST", or HOST with priority in prio (default 10);
 *   TXT      1..2048 bytes of printable ASCII (0x20..0x7e); one pair of
 *            surrounding double quotes is removed;
 *   SRV      "PRIO WEIGHT PORT TARGET", or TARGET with prio, weight and
 *            port given;
 *   CAA      "FLAGS TAG VALUE" with flags 0..255, tag issue, issuewild or
 *            iodef (any case), value quoted or not, 0..255 bytes of
 *            printable ASCII without '"' (empty only quoted: ""); iodef's
 *            begins with mailto:, http:// or https://.
 * The fields of a value are separated by one space.  MX and SRV hosts are
 * host names as for NS.  PRIO, WEIGHT and PORT are 0..65535; prio, weight,
 * port may be NULL or "", and when a value holds a number they give too,
 * the two must agree; other types ignore them.
 * A CNAME may not be at the zone's apex.
 * Messages name the parameter at fault: zone, name, type, ttl, value, prio,
 * weight or port. */
struct rr {
	char	 name[DOMAIN_MAX + 1];	/* absolute, with the trailing dot */
	char	 type[8];		/* upper case */
	int	 ttl;
	char	 value[2100];	/* canonical presentation, see below */
};
int	 valid_rr(const char *zone, const char *name, const char *rtype,
	    const char *ttl, const char *value, const char *prio,
	    const char *weight, const char *port, struct rr *out, char *err);
/* The canonical value, the one in rkeys: A/AAAA the address; CNAME, NS
 * absolute with the dot; MX "10 mx.example.com."; TXT the text as given,
 * without quotes; SRV "10 5 443 host.example.com."; CAA
 * "0 issue \"letsencrypt.org\"". */

/* The rkey of a record: "NAME. TYPE  VALUE" (two spaces), what
 * domain.record lists and domain.record.delete takes as elid.  Returns 0,
 * or -1 when it does not fit in outlen bytes. */
int	 rr_key(const struct rr *, char *out, size_t outlen);
/* Parses an rkey back; the record's zone must be zone.  Only the form
 * rr_key writes is accepted (one record, one key): out gets the record's
 * name, type and value; the TTL is no part of the key, out->ttl is 0.
 * Messages name the field "elid". */
int	 rr_parse_key(const char *zone, const char *key, struct rr *out,
	    char *err);

/* The local part of a mailbox: 1..64 of [a-z0-9._+-] (upper case folded),
 * not starting or ending with '.', no "..", not starting with '-' (it
 * would read as an option wherever the address is an argument).
 * out: 65 bytes. */
int	 valid_mailbox(const char *what, const char *s, char out[65],
	    char *err);
/* LOCAL@DOMAIN by the two rules above; out: 320 bytes. */
int	 valid_email(const char *what, const char *s, char out[320],
	    char *err);
/* A list of at most max addresses separated by spaces and/or commas;
 * out gets them joined by one space. */
int	 valid_email_list(const char *what, const char *s, size_t max,
	    char *out, size_t outlen, char *err);

/* A path relative to the user's data directory ("www/example.com"): 1..200
 * bytes, segments of [A-Za-z0-9._-] separated by single '/', no segment
 * "." or "..", no leading or trailing '/'.  out: 201 bytes. */
int	 valid_relpath(const char *what, const char *s, char out[201],
	    char *err);

/* PHP mode: "none", "php_fpm" or "php_cgi"; ISPmanager's spellings
 * php_mode_none, php_mode_fcgi_nginxfpm, php_mode_cgi are accepted.
 * out: 16 bytes. */
int	 valid_php_mode(const char *what, const char *s, char out[16],
	    char *err);
/* PHP version "MAJOR.MINOR", major 5..8, minor 0..9.  out: 8 bytes. */
int	 valid_php_version(const char *what, const char *s, char out[8],
	    char *err);

/* A person's full name, for the passwd GECOS field: valid_text of at most
 * 128 bytes without ':' or ','. */
int	 valid_fullname(const char *what, const char *s, char *err);

#endif
