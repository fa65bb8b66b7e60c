/* test_tls.c - unit tests of src/common/tls.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/common/tls.h"

struct fx {
	char		 dir[64];
	struct tls_ca	*ca;
};

static void
rm_ca_dir(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/ca.key", dir);
	unlink(p);
	rmdir(dir);
}

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[256] = "";

	strcpy(fx->dir, "/tmp/hf-test-tls-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	if ((fx->ca = tls_ca_open(fx->dir, err, sizeof(err))) == NULL) {
		print_error("tls_ca_open: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	tls_ca_free(fx->ca);
	rm_ca_dir(fx->dir);
	free(fx);
	return 0;
}

static gnutls_x509_crt_t
crt(const char *pem)
{
	gnutls_x509_crt_t c;
	gnutls_datum_t d;

	assert_non_null(pem);
	d.data = (unsigned char *)pem;
	d.size = (unsigned)strlen(pem);
	assert_int_equal(gnutls_x509_crt_init(&c), 0);
	assert_int_equal(gnutls_x509_crt_import(c, &d, GNUTLS_X509_FMT_PEM),
	    0);
	return c;
}

/* Asserts that cert_pem is signed by the CA. */
static void
assert_signed_by(const char *cert_pem, const char *ca_pem)
{
	gnutls_x509_crt_t c = crt(cert_pem), ca = crt(ca_pem);
	unsigned int status = 99;

	assert_int_equal(gnutls_x509_crt_verify(c, &ca, 1, 0, &status), 0);
	assert_int_equal(status, 0);
	gnutls_x509_crt_deinit(c);
	gnutls_x509_crt_deinit(ca);
}

/* The key id of a certificate and of a private key, to match them. */
static void
crt_key_id(const char *pem, unsigned char *id, size_t *len)
{
	gnutls_x509_crt_t c = crt(pem);

	assert_true(gnutls_x509_crt_get_key_id(c, 0, id, len) >= 0);
	gnutls_x509_crt_deinit(c);
}

static void
key_key_id(const char *pem, unsigned char *id, size_t *len)
{
	gnutls_x509_privkey_t k;
	gnutls_datum_t d;

	d.data = (unsigned char *)pem;
	d.size = (unsigned)strlen(pem);
	assert_int_equal(gnutls_x509_privkey_init(&k), 0);
	assert_int_equal(gnutls_x509_privkey_import(k, &d,
	    GNUTLS_X509_FMT_PEM), 0);
	assert_true(gnutls_x509_privkey_get_key_id(k, 0, id, len) >= 0);
	gnutls_x509_privkey_deinit(k);
}

static int
has_purpose(const char *pem, const char *oid)
{
	gnutls_x509_crt_t c = crt(pem);
	char buf[128];
	size_t len;
	int i, found = 0;

	for (i = 0;; i++) {
		len = sizeof(buf);
		if (gnutls_x509_crt_get_key_purpose_oid(c, (unsigned)i, buf,
		    &len, NULL) < 0)
			break;
		if (strcmp(buf, oid) == 0)
			found = 1;
	}
	gnutls_x509_crt_deinit(c);
	return found;
}

/* Whether the certificate has a SAN of the type equal to data. */
static int
has_san(const char *pem, int type, const void *data, size_t dlen)
{
	gnutls_x509_crt_t c = crt(pem);
	unsigned char buf[512];
	size_t len;
	int i, t, found = 0;

	for (i = 0;; i++) {
		len = sizeof(buf);
		t = gnutls_x509_crt_get_subject_alt_name(c, (unsigned)i, buf,
		    &len, NULL);
		if (t < 0)
			break;
		if (t == type && len == dlen && memcmp(buf, data, dlen) == 0)
			found = 1;
	}
	gnutls_x509_crt_deinit(c);
	return found;
}

static int
san_count(const char *pem)
{
	gnutls_x509_crt_t c = crt(pem);
	unsigned char buf[512];
	size_t len;
	int i;

	for (i = 0;; i++) {
		len = sizeof(buf);
		if (gnutls_x509_crt_get_subject_alt_name(c, (unsigned)i, buf,
		    &len, NULL) < 0)
			break;
	}
	gnutls_x509_crt_deinit(c);
	return i;
}

static void
assert_pin_format(const char *pin)
{
	size_t i;

	assert_int_equal(strncmp(pin, "sha256//", 8), 0);
	assert_int_equal(strlen(pin), 8 + 44);
	for (i = 8; i < 8 + 43; i++)
		assert_true((pin[i] >= 'A' && pin[i] <= 'Z') ||
		    (pin[i] >= 'a' && pin[i] <= 'z') ||
		    (pin[i] >= '0' && pin[i] <= '9') || pin[i] == '+' ||
		    pin[i] == '/');
	assert_int_equal(pin[8 + 43], '=');
}

/* ---- the CA ---- */

static void
test_ca_create_and_reload(void **state)
{
	char dir[] = "/tmp/hf-test-tls-XXXXXX", p[256], err[256] = "";
	char cn[128], *pem1;
	struct tls_ca *ca;
	struct stat st;
	gnutls_x509_crt_t c;
	unsigned int ca_flag = 0;

	assert_non_null(mkdtemp(dir));
	ca = tls_ca_open(dir, err, sizeof(err));
	assert_non_null(ca);
	snprintf(p, sizeof(p), "%s/ca.key", dir);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	assert_int_equal(stat(p, &st), 0);

	pem1 = strdup(tls_ca_pem(ca));
	assert_int_equal(strncmp(pem1, "-----BEGIN CERTIFICATE-----", 27), 0);
	assert_int_equal(tls_cert_cn(pem1, cn, sizeof(cn)), 0);
	assert_int_equal(strncmp(cn, "hostfleet cluster CA ", 21), 0);
	assert_int_equal(strlen(cn), 21 + 8);
	c = crt(pem1);
	assert_true(gnutls_x509_crt_get_basic_constraints(c, NULL, &ca_flag,
	    NULL) >= 0);
	assert_int_equal(ca_flag, 1);
	gnutls_x509_crt_deinit(c);
	assert_signed_by(pem1, pem1);
	tls_ca_free(ca);

	/* opened again: the same CA, not a new one */
	ca = tls_ca_open(dir, err, sizeof(err));
	assert_non_null(ca);
	assert_string_equal(tls_ca_pem(ca), pem1);
	tls_ca_free(ca);
	free(pem1);
	rm_ca_dir(dir);
}

static void
test_ca_open_fails(void **state)
{
	char dir[] = "/tmp/hf-test-tls-XXXXXX", p[256], err[256] = "";
	struct tls_ca *ca;
	FILE *f;

	assert_null(tls_ca_open("/nonexistent-hf-dir/x", err, sizeof(err)));
	assert_true(strlen(err) > 0);

	/* a key that is not a key */
	assert_non_null(mkdtemp(dir));
	ca = tls_ca_open(dir, err, sizeof(err));
	assert_non_null(ca);
	tls_ca_free(ca);
	snprintf(p, sizeof(p), "%s/ca.key", dir);
	f = fopen(p, "w");
	fputs("-----BEGIN PRIVATE KEY-----\ngarbage\n"
	    "-----END PRIVATE KEY-----\n", f);
	fclose(f);
	err[0] = '\0';
	assert_null(tls_ca_open(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "bad CA key"));
	rm_ca_dir(dir);
}

/* ---- issuing ---- */

static void
test_issue_without_csr(void **state)
{
	struct fx *fx = *state;
	const char *ips[] = { "10.0.0.5", "2001:db8::5", NULL };
	const char *dns[] = { "node1.example", NULL };
	char *cert = NULL, *key = NULL, err[256] = "", cn[64];
	unsigned char id1[64], id2[64], raw[16];
	size_t l1 = sizeof(id1), l2 = sizeof(id2);
	gnutls_x509_crt_t c;
	time_t exp;

	assert_int_equal(tls_ca_issue(fx->ca, "node1", ips, dns,
	    TLS_USAGE_SERVER, 30 * 86400, NULL, &cert, &key, err, sizeof(err)), 0);
	assert_non_null(cert);
	assert_non_null(key);
	assert_non_null(strstr(key, "PRIVATE KEY-----"));
	assert_int_equal(tls_cert_cn(cert, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "node1");
	assert_signed_by(cert, tls_ca_pem(fx->ca));

	/* the key returned is the certificate's */
	crt_key_id(cert, id1, &l1);
	key_key_id(key, id2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(id1, id2, l1);

	/* subject alternative names */
	inet_pton(AF_INET, "10.0.0.5", raw);
	assert_true(has_san(cert, GNUTLS_SAN_IPADDRESS, raw, 4));
	inet_pton(AF_INET6, "2001:db8::5", raw);
	assert_true(has_san(cert, GNUTLS_SAN_IPADDRESS, raw, 16));
	assert_true(has_san(cert, GNUTLS_SAN_DNSNAME, "node1.example", 13));
	assert_int_equal(san_count(cert), 3);

	/* usage and lifetime */
	assert_true(has_purpose(cert, GNUTLS_KP_TLS_WWW_SERVER));
	assert_false(has_purpose(cert, GNUTLS_KP_TLS_WWW_CLIENT));
	c = crt(cert);
	exp = gnutls_x509_crt_get_expiration_time(c);
	assert_true(exp > time(NULL) + 29 * 86400);
	assert_true(exp <= time(NULL) + 30 * 86400 + 60);
	gnutls_x509_crt_deinit(c);
	free(cert);
	free(key);
}

static void
test_issue_client_no_sans(void **state)
{
	struct fx *fx = *state;
	char *cert = NULL, *key = NULL, err[256] = "", cn[64];

	assert_int_equal(tls_ca_issue(fx->ca, TLS_MASTER_CN, NULL, NULL,
	    TLS_USAGE_CLIENT, 365 * 86400, NULL, &cert, &key, err, sizeof(err)), 0);
	assert_int_equal(tls_cert_cn(cert, cn, sizeof(cn)), 0);
	assert_string_equal(cn, TLS_MASTER_CN);
	assert_true(has_purpose(cert, GNUTLS_KP_TLS_WWW_CLIENT));
	assert_false(has_purpose(cert, GNUTLS_KP_TLS_WWW_SERVER));
	assert_int_equal(san_count(cert), 0);
	assert_signed_by(cert, tls_ca_pem(fx->ca));
	free(cert);
	free(key);
}

static void
test_issue_with_csr(void **state)
{
	struct fx *fx = *state;
	const char *ips[] = { "192.0.2.20", NULL };
	char *nkey = NULL, *csr = NULL, *cert = NULL, *cert2 = NULL;
	char *key = (char *)"sentinel", err[256] = "", cn[64];
	char pin1[64], pin2[64];
	unsigned char id1[64], id2[64];
	size_t l1 = sizeof(id1), l2 = sizeof(id2);

	assert_int_equal(tls_make_csr("requested-name", &nkey, &csr, err,
	    sizeof(err)), 0);
	assert_non_null(nkey);
	assert_non_null(csr);
	assert_non_null(strstr(csr, "CERTIFICATE REQUEST-----"));

	assert_int_equal(tls_ca_issue(fx->ca, "node2", ips, NULL,
	    TLS_USAGE_SERVER | TLS_USAGE_CLIENT, 10 * 86400, csr, &cert, &key, err,
	    sizeof(err)), 0);
	/* key_pem is left alone with a CSR */
	assert_string_equal(key, "sentinel");
	assert_signed_by(cert, tls_ca_pem(fx->ca));
	/* the common name is the master's choice, not the request's */
	assert_int_equal(tls_cert_cn(cert, cn, sizeof(cn)), 0);
	assert_string_equal(cn, "node2");
	assert_true(has_purpose(cert, GNUTLS_KP_TLS_WWW_SERVER));
	assert_true(has_purpose(cert, GNUTLS_KP_TLS_WWW_CLIENT));

	/* the public key is the node's */
	crt_key_id(cert, id1, &l1);
	key_key_id(nkey, id2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(id1, id2, l1);

	/* same key, same pin */
	assert_int_equal(tls_ca_issue(fx->ca, "node2", ips, NULL,
	    TLS_USAGE_SERVER, 10 * 86400, csr, &cert2, &key, err, sizeof(err)), 0);
	assert_int_equal(tls_spki_pin(cert, pin1, sizeof(pin1)), 0);
	assert_int_equal(tls_spki_pin(cert2, pin2, sizeof(pin2)), 0);
	assert_pin_format(pin1);
	assert_string_equal(pin1, pin2);
	assert_string_not_equal(cert, cert2);	/* fresh serial */
	free(cert);
	free(cert2);
	free(nkey);
	free(csr);
}

static void
test_bad_csr_refused(void **state)
{
	struct fx *fx = *state;
	char *nkey, *csr, *cert = (char *)"x", *key = NULL, err[256];
	char *end, *p;

	err[0] = '\0';
	assert_int_equal(tls_ca_issue(fx->ca, "n", NULL, NULL,
	    TLS_USAGE_SERVER, 10 * 86400, "not a certificate request", &cert, &key,
	    err, sizeof(err)), -1);
	assert_null(cert);
	assert_null(key);
	assert_non_null(strstr(err, "certificate request"));

	/* a real request whose signature was tampered with */
	assert_int_equal(tls_make_csr("n", &nkey, &csr, err, sizeof(err)), 0);
	end = strstr(csr, "\n-----END");
	assert_non_null(end);
	p = end - 20;
	*p = *p == 'A' ? 'B' : 'A';
	err[0] = '\0';
	cert = (char *)"x";
	assert_int_equal(tls_ca_issue(fx->ca, "n", NULL, NULL,
	    TLS_USAGE_SERVER, 10 * 86400, csr, &cert, &key, err, sizeof(err)), -1);
	assert_null(cert);
	assert_non_null(strstr(err, "certificate request"));

	/* a certificate is not a request */
	err[0] = '\0';
	assert_int_equal(tls_ca_issue(fx->ca, "n", NULL, NULL,
	    TLS_USAGE_SERVER, 10 * 86400, tls_ca_pem(fx->ca), &cert, &key, err,
	    sizeof(err)), -1);
	assert_null(cert);
	assert_true(strlen(err) > 0);
	free(nkey);
	free(csr);
}

static void
test_bad_ip_san_refused(void **state)
{
	struct fx *fx = *state;
	static const char *const bad[] = {
		"not-an-ip", "", "10.0.0.1/24", "10.0.0", "::1%lo",
		"host.example", "10.0.0.256",
	};
	char *cert, *key = NULL, err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *ips[] = { "10.0.0.1", bad[i], NULL };

		cert = (char *)"x";
		err[0] = '\0';
		assert_int_equal(tls_ca_issue(fx->ca, "n", ips, NULL,
		    TLS_USAGE_SERVER, 10 * 86400, NULL, &cert, &key, err,
		    sizeof(err)), -1);
		assert_null(cert);
		assert_non_null(strstr(err, "not an IP address"));
		assert_non_null(strstr(err, bad[i]));
	}
}

/* ---- pins and names ---- */

static void
test_spki_pin(void **state)
{
	struct fx *fx = *state;
	char *c1, *k1, *c2, *k2, err[256], pin1[64], pin2[64], small[20];

	assert_int_equal(tls_ca_issue(fx->ca, "a", NULL, NULL,
	    TLS_USAGE_SERVER, 86400, NULL, &c1, &k1, err, sizeof(err)), 0);
	assert_int_equal(tls_ca_issue(fx->ca, "a", NULL, NULL,
	    TLS_USAGE_SERVER, 86400, NULL, &c2, &k2, err, sizeof(err)), 0);
	assert_int_equal(tls_spki_pin(c1, pin1, sizeof(pin1)), 0);
	assert_int_equal(tls_spki_pin(c2, pin2, sizeof(pin2)), 0);
	assert_pin_format(pin1);
	assert_pin_format(pin2);
	/* two keys, two pins; the same certificate, the same pin */
	assert_string_not_equal(pin1, pin2);
	assert_int_equal(tls_spki_pin(c1, pin2, sizeof(pin2)), 0);
	assert_string_equal(pin1, pin2);
	/* the CA has a pin too */
	assert_int_equal(tls_spki_pin(tls_ca_pem(fx->ca), pin2, sizeof(pin2)),
	    0);
	assert_pin_format(pin2);
	/* too small a buffer, or no certificate */
	assert_int_equal(tls_spki_pin(c1, small, sizeof(small)), -1);
	assert_int_equal(tls_spki_pin("garbage", pin1, sizeof(pin1)), -1);
	assert_int_equal(tls_spki_pin("", pin1, sizeof(pin1)), -1);
	assert_int_equal(tls_spki_pin(k1, pin1, sizeof(pin1)), -1);
	free(c1);
	free(k1);
	free(c2);
	free(k2);
}

static void
test_cert_cn(void **state)
{
	struct fx *fx = *state;
	char *c, *k, err[256], cn[64], tiny[3];
	char longcn[60];

	memset(longcn, 'c', sizeof(longcn) - 1);
	longcn[sizeof(longcn) - 1] = '\0';
	assert_int_equal(tls_ca_issue(fx->ca, longcn, NULL, NULL,
	    TLS_USAGE_SERVER, 86400, NULL, &c, &k, err, sizeof(err)), 0);
	assert_int_equal(tls_cert_cn(c, cn, sizeof(cn)), 0);
	assert_string_equal(cn, longcn);
	assert_int_equal(tls_cert_cn(c, tiny, sizeof(tiny)), -1);
	assert_int_equal(tls_cert_cn("garbage", cn, sizeof(cn)), -1);
	free(c);
	free(k);
}

static void
test_make_csr(void **state)
{
	char *k1, *c1, *k2, *c2, err[256];

	assert_int_equal(tls_make_csr("x", &k1, &c1, err, sizeof(err)), 0);
	assert_int_equal(tls_make_csr("x", &k2, &c2, err, sizeof(err)), 0);
	/* fresh keys each time */
	assert_string_not_equal(k1, k2);
	assert_string_not_equal(c1, c2);
	assert_non_null(strstr(c1, "CERTIFICATE REQUEST-----"));
	assert_non_null(strstr(k1, "PRIVATE KEY-----"));
	free(k1);
	free(c1);
	free(k2);
	free(c2);
}

/* ---- lifetimes and serials ---- */

static void
test_lifetime_seconds(void **state)
{
	struct fx *fx = *state;
	char *cert = NULL, *key = NULL, err[256] = "";
	time_t nb, na, now = time(NULL);

	/* a short life, in seconds: what node certificates have in tests */
	assert_int_equal(tls_ca_issue(fx->ca, "node-1", NULL, NULL,
	    TLS_USAGE_SERVER | TLS_USAGE_CLIENT, 90, NULL, &cert, &key, err,
	    sizeof(err)), 0);
	assert_int_equal(tls_cert_times(cert, &nb, &na), 0);
	assert_true(na >= now + 90 && na <= time(NULL) + 90);
	assert_true(nb <= now);
	assert_true(has_purpose(cert, GNUTLS_KP_TLS_WWW_SERVER));
	assert_true(has_purpose(cert, GNUTLS_KP_TLS_WWW_CLIENT));
	free(cert);
	free(key);

	/* none at all is refused */
	cert = key = NULL;
	assert_int_equal(tls_ca_issue(fx->ca, "node-1", NULL, NULL,
	    TLS_USAGE_SERVER, 0, NULL, &cert, &key, err, sizeof(err)), -1);
	assert_null(cert);
	assert_non_null(strstr(err, "lifetime"));
	assert_int_equal(tls_cert_times("garbage", &nb, &na), -1);
}

static void
test_cert_serial(void **state)
{
	struct fx *fx = *state;
	char *c1, *k1, *c2, *k2, err[256], s1[TLS_SERIAL_MAX];
	char s2[TLS_SERIAL_MAX], hex[TLS_SERIAL_MAX], small[10];
	unsigned char raw[64];
	size_t len = sizeof(raw), i;
	gnutls_x509_crt_t c;

	assert_int_equal(tls_ca_issue(fx->ca, "a", NULL, NULL,
	    TLS_USAGE_CLIENT, 60, NULL, &c1, &k1, err, sizeof(err)), 0);
	assert_int_equal(tls_ca_issue(fx->ca, "a", NULL, NULL,
	    TLS_USAGE_CLIENT, 60, NULL, &c2, &k2, err, sizeof(err)), 0);
	assert_int_equal(tls_cert_serial(c1, s1, sizeof(s1)), 0);
	assert_int_equal(tls_cert_serial(c2, s2, sizeof(s2)), 0);
	/* 16 random bytes, one serial per certificate */
	assert_int_equal(strlen(s1), 32);
	assert_int_equal(strspn(s1, "0123456789abcdef"), 32);
	assert_string_not_equal(s1, s2);
	/* what the certificate carries, byte for byte */
	c = crt(c1);
	assert_true(gnutls_x509_crt_get_serial(c, raw, &len) >= 0);
	gnutls_x509_crt_deinit(c);
	for (i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	assert_string_equal(s1, hex);
	/* too small a buffer, or no certificate */
	assert_int_equal(tls_cert_serial(c1, small, sizeof(small)), -1);
	assert_int_equal(tls_cert_serial("garbage", s1, sizeof(s1)), -1);
	assert_int_equal(tls_cert_serial(k1, s1, sizeof(s1)), -1);
	free(c1);
	free(k1);
	free(c2);
	free(k2);
}

static void
test_keypair(void **state)
{
	struct fx *fx = *state;
	char *c1, *k1, *c2, *k2, err[256];
	struct tls_keypair *kp;

	assert_int_equal(tls_ca_issue(fx->ca, "a", NULL, NULL,
	    TLS_USAGE_SERVER, 60, NULL, &c1, &k1, err, sizeof(err)), 0);
	assert_int_equal(tls_ca_issue(fx->ca, "b", NULL, NULL,
	    TLS_USAGE_SERVER, 60, NULL, &c2, &k2, err, sizeof(err)), 0);
	kp = tls_keypair_new(c1, k1, err, sizeof(err));
	assert_non_null(kp);
	assert_non_null(kp->key);
	tls_keypair_free(kp);
	/* a key that is not the certificate's */
	err[0] = '\0';
	assert_null(tls_keypair_new(c1, k2, err, sizeof(err)));
	assert_non_null(strstr(err, "not the certificate's"));
	assert_null(tls_keypair_new("garbage", k1, err, sizeof(err)));
	assert_null(tls_keypair_new(c1, "garbage", err, sizeof(err)));
	tls_keypair_free(NULL);
	free(c1);
	free(k1);
	free(c2);
	free(k2);
}

/* ---- the peer of a session ---- */

/* A TLS handshake over a socket pair: a server with srv (its certificate,
 * through a retrieve function as httpd.c serves it) trusting the CA and
 * asking for a client certificate, and a client presenting cli (or none). */
struct hs {
	int			 fd;
	const char		*cert, *key;	/* the client's, or NULL */
	int			 rc;
};

static struct tls_keypair *hs_server_kp;

static int
hs_retrieve(gnutls_session_t s, const gnutls_datum_t *dn, int ndn,
    const gnutls_pk_algorithm_t *algos, int nalgos, gnutls_pcert_st **pcert,
    unsigned int *npcert, gnutls_privkey_t *key)
{
	(void)s; (void)dn; (void)ndn; (void)algos; (void)nalgos;
	*pcert = &hs_server_kp->pcert;
	*npcert = 1;
	*key = hs_server_kp->key;
	return 0;
}

static void *
hs_client(void *arg)
{
	struct hs *h = arg;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	gnutls_datum_t c, k;

	gnutls_certificate_allocate_credentials(&cred);
	if (h->cert) {
		c.data = (unsigned char *)h->cert;
		c.size = (unsigned)strlen(h->cert);
		k.data = (unsigned char *)h->key;
		k.size = (unsigned)strlen(h->key);
		gnutls_certificate_set_x509_key_mem(cred, &c, &k,
		    GNUTLS_X509_FMT_PEM);
	}
	gnutls_init(&s, GNUTLS_CLIENT);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_transport_set_int(s, h->fd);
	do
		h->rc = gnutls_handshake(s);
	while (h->rc < 0 && !gnutls_error_is_fatal(h->rc));
	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	return NULL;
}

/* Runs the handshake and tls_peer_cert() on the server's side; its return
 * value, with cn, serial and err filled. */
static int
peer_of(struct fx *fx, const char *cert, const char *key, char *cn,
    char *serial, char *err)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	gnutls_datum_t ca;
	struct hs h;
	pthread_t t;
	int sv[2], rc;
	char *scert, *skey, e[256];

	assert_int_equal(tls_ca_issue(fx->ca, "server", NULL, NULL,
	    TLS_USAGE_SERVER, 600, NULL, &scert, &skey, e, sizeof(e)), 0);
	hs_server_kp = tls_keypair_new(scert, skey, e, sizeof(e));
	assert_non_null(hs_server_kp);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	gnutls_certificate_allocate_credentials(&cred);
	ca.data = (unsigned char *)tls_ca_pem(fx->ca);
	ca.size = (unsigned)strlen(tls_ca_pem(fx->ca));
	assert_true(gnutls_certificate_set_x509_trust_mem(cred, &ca,
	    GNUTLS_X509_FMT_PEM) > 0);
	gnutls_certificate_set_retrieve_function2(cred, hs_retrieve);
	gnutls_init(&s, GNUTLS_SERVER);
	gnutls_set_default_priority(s);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
	gnutls_transport_set_int(s, sv[0]);
	memset(&h, 0, sizeof(h));
	h.fd = sv[1];
	h.cert = cert;
	h.key = key;
	assert_int_equal(pthread_create(&t, NULL, hs_client, &h), 0);
	do
		rc = gnutls_handshake(s);
	while (rc < 0 && !gnutls_error_is_fatal(rc));
	assert_int_equal(rc, 0);
	err[0] = '\0';
	rc = tls_peer_cert(s, cn, 64, serial, TLS_SERIAL_MAX, err, 256);
	if (rc == 0 && strcmp(cn, "node-7") == 0)
		/* and the check of a name it does not have */
		assert_int_equal(tls_peer_check(s, TLS_MASTER_CN, e,
		    sizeof(e)), -1);
	gnutls_bye(s, GNUTLS_SHUT_WR);
	pthread_join(t, NULL);
	assert_int_equal(h.rc, 0);
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(sv[0]);
	close(sv[1]);
	tls_keypair_free(hs_server_kp);
	free(scert);
	free(skey);
	return rc;
}

static void
test_peer_cert(void **state)
{
	struct fx *fx = *state;
	char *c, *k, *sc, *sk, *xc, *xk, err[256], cn[64];
	char serial[TLS_SERIAL_MAX], want[TLS_SERIAL_MAX];

	/* a node's certificate: its name and serial */
	assert_int_equal(tls_ca_issue(fx->ca, "node-7", NULL, NULL,
	    TLS_USAGE_SERVER | TLS_USAGE_CLIENT, 600, NULL, &c, &k, err,
	    sizeof(err)), 0);
	assert_int_equal(peer_of(fx, c, k, cn, serial, err), 0);
	assert_string_equal(cn, "node-7");
	assert_int_equal(tls_cert_serial(c, want, sizeof(want)), 0);
	assert_string_equal(serial, want);

	/* no certificate at all */
	assert_int_equal(peer_of(fx, NULL, NULL, cn, serial, err), -1);
	assert_non_null(strstr(err, "no client certificate"));

	/* a server-only certificate */
	assert_int_equal(tls_ca_issue(fx->ca, "node-8", NULL, NULL,
	    TLS_USAGE_SERVER, 600, NULL, &sc, &sk, err, sizeof(err)), 0);
	assert_int_equal(peer_of(fx, sc, sk, cn, serial, err), -1);
	assert_non_null(strstr(err, "client authentication"));

	/* an expired one */
	assert_int_equal(tls_ca_issue(fx->ca, "node-9", NULL, NULL,
	    TLS_USAGE_CLIENT, 1, NULL, &xc, &xk, err, sizeof(err)), 0);
	sleep(2);	/* past its end, not a timed assertion */
	assert_int_equal(peer_of(fx, xc, xk, cn, serial, err), -1);
	assert_non_null(strstr(err, "expired"));
	free(c);
	free(k);
	free(sc);
	free(sk);
	free(xc);
	free(xk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_create_and_reload),
		cmocka_unit_test(test_ca_open_fails),
		cmocka_unit_test(test_make_csr),
		cmocka_unit_test_setup_teardown(test_issue_without_csr, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_issue_client_no_sans,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_with_csr, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_csr_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bad_ip_san_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spki_pin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_cn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime_seconds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cert_serial, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keypair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_cert, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
