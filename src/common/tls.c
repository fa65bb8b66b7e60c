/* tls.c - see tls.h. */
#include "tls.h"

#include <errno.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <arpa/inet.h>

#include "util.h"

struct tls_ca {
	gnutls_x509_crt_t	 crt;
	gnutls_x509_privkey_t	 key;
	char			*pem;
};

#define TERR(...)	snprintf(err, errlen, __VA_ARGS__)

static int
key_generate(gnutls_x509_privkey_t *key)
{
	if (gnutls_x509_privkey_init(key) < 0)
		return -1;
	if (gnutls_x509_privkey_generate(*key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0) {
		gnutls_x509_privkey_deinit(*key);
		return -1;
	}
	return 0;
}

static char *
export_pem(int (*fn)(void *, gnutls_x509_crt_fmt_t, gnutls_datum_t *),
    void *obj)
{
	gnutls_datum_t d = { NULL, 0 };
	char *s;

	if (fn(obj, GNUTLS_X509_FMT_PEM, &d) < 0)
		return NULL;
	s = xmalloc(d.size + 1);
	memcpy(s, d.data, d.size);
	s[d.size] = '\0';
	gnutls_free(d.data);
	return s;
}

static int
crt_export2(void *c, gnutls_x509_crt_fmt_t f, gnutls_datum_t *d)
{
	return gnutls_x509_crt_export2(c, f, d);
}

static int
key_export2(void *k, gnutls_x509_crt_fmt_t f, gnutls_datum_t *d)
{
	return gnutls_x509_privkey_export2(k, f, d);
}

static int
crq_export2(void *q, gnutls_x509_crt_fmt_t f, gnutls_datum_t *d)
{
	return gnutls_x509_crq_export2(q, f, d);
}

static void
set_serial(gnutls_x509_crt_t crt)
{
	unsigned char serial[16];

	randombytes_buf(serial, sizeof(serial));
	serial[0] &= 0x7f;	/* positive */
	gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
}

static int
ca_create(const char *certpath, const char *keypath, char *err, size_t errlen)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	char *kpem = NULL, *cpem = NULL, cn[64], id[9];
	time_t now = time(NULL);
	int rc = -1;

	if (key_generate(&key) == -1) {
		TERR("cannot generate the CA key");
		return -1;
	}
	gnutls_x509_crt_init(&crt);
	rand_hex(id, 4);
	snprintf(cn, sizeof(cn), "hostfleet cluster CA %s", id);
	gnutls_x509_crt_set_version(crt, 3);
	set_serial(crt);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	    strlen(cn));
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + 20L * 365 * 86400);
	gnutls_x509_crt_set_basic_constraints(crt, 1, 0);
	gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_KEY_CERT_SIGN |
	    GNUTLS_KEY_CRL_SIGN);
	gnutls_x509_crt_set_key(crt, key);
	{
		unsigned char kid[64];
		size_t kidlen = sizeof(kid);

		if (gnutls_x509_crt_get_key_id(crt, 0, kid, &kidlen) >= 0)
			gnutls_x509_crt_set_subject_key_id(crt, kid, kidlen);
	}
	if (gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0) {
		TERR("cannot sign the CA certificate");
		goto out;
	}
	kpem = export_pem(key_export2, key);
	cpem = export_pem(crt_export2, crt);
	if (kpem == NULL || cpem == NULL) {
		TERR("cannot export the CA");
		goto out;
	}
	if (file_write_atomic(keypath, kpem, strlen(kpem), 0600) == -1 ||
	    file_write_atomic(certpath, cpem, strlen(cpem), 0644) == -1) {
		TERR("cannot write the CA: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (kpem)
		sodium_memzero(kpem, strlen(kpem));
	free(kpem);
	free(cpem);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

struct tls_ca *
tls_ca_open(const char *dir, char *err, size_t errlen)
{
	char certpath[PATH_MAX], keypath[PATH_MAX];
	struct tls_ca *ca;
	gnutls_datum_t d;
	char *kpem;
	struct stat st;

	snprintf(certpath, sizeof(certpath), "%s/ca.pem", dir);
	snprintf(keypath, sizeof(keypath), "%s/ca.key", dir);
	if (stat(keypath, &st) == -1 &&
	    ca_create(certpath, keypath, err, errlen) == -1)
		return NULL;
	ca = xcalloc(1, sizeof(*ca));
	if ((ca->pem = file_read(certpath, 65536, NULL)) == NULL ||
	    (kpem = file_read(keypath, 65536, NULL)) == NULL) {
		TERR("cannot read the CA in \"%s\": %s", dir, strerror(errno));
		tls_ca_free(ca);
		return NULL;
	}
	gnutls_x509_crt_init(&ca->crt);
	gnutls_x509_privkey_init(&ca->key);
	d.data = (unsigned char *)ca->pem;
	d.size = (unsigned)strlen(ca->pem);
	if (gnutls_x509_crt_import(ca->crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		TERR("\"%s\": bad CA certificate", certpath);
		goto fail;
	}
	d.data = (unsigned char *)kpem;
	d.size = (unsigned)strlen(kpem);
	if (gnutls_x509_privkey_import(ca->key, &d, GNUTLS_X509_FMT_PEM) < 0) {
		TERR("\"%s\": bad CA key", keypath);
		goto fail;
	}
	sodium_memzero(kpem, strlen(kpem));
	free(kpem);
	return ca;
fail:
	free(kpem);
	tls_ca_free(ca);
	return NULL;
}

void
tls_ca_free(struct tls_ca *ca)
{
	if (ca == NULL)
		return;
	if (ca->crt)
		gnutls_x509_crt_deinit(ca->crt);
	if (ca->key)
		gnutls_x509_privkey_deinit(ca->key);
	free(ca->pem);
	free(ca);
}

const char *
tls_ca_pem(const struct tls_ca *ca)
{
	return ca->pem;
}

int
tls_ca_issue(struct tls_ca *ca, const char *cn, const char *const *ips,
    const char *const *dns, int usage, int64_t lifetime_s,
    const char *csr_pem, char **cert_pem, char **key_pem, char *err,
    size_t errlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crq_t crq = NULL;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	time_t now = time(NULL);
	int rc = -1;

	*cert_pem = NULL;
	if (lifetime_s < 1) {
		TERR("certificate lifetime %lld s: not positive",
		    (long long)lifetime_s);
		return -1;
	}
	gnutls_x509_crt_init(&crt);
	gnutls_x509_crt_set_version(crt, 3);
	if (csr_pem) {
		gnutls_x509_crq_init(&crq);
		d.data = (unsigned char *)csr_pem;
		d.size = (unsigned)strlen(csr_pem);
		if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM) < 0 ||
		    gnutls_x509_crq_verify(crq, 0) < 0) {
			TERR("certificate request: not a valid signed request");
			goto out;
		}
		/* Only the public key is taken from the request. */
		{
			gnutls_pubkey_t pk;

			gnutls_pubkey_init(&pk);
			if (gnutls_pubkey_import_x509_crq(pk, crq, 0) < 0 ||
			    gnutls_x509_crt_set_pubkey(crt, pk) < 0) {
				gnutls_pubkey_deinit(pk);
				TERR("certificate request: unusable public key");
				goto out;
			}
			gnutls_pubkey_deinit(pk);
		}
	} else {
		if (key_generate(&key) == -1) {
			TERR("cannot generate a key");
			goto out;
		}
		gnutls_x509_crt_set_key(crt, key);
	}
	set_serial(crt);
	gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	    strlen(cn));
	gnutls_x509_crt_set_activation_time(crt, now - 3600);
	gnutls_x509_crt_set_expiration_time(crt, now + (time_t)lifetime_s);
	gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
	gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE |
	    GNUTLS_KEY_KEY_ENCIPHERMENT);
	if (usage & TLS_USAGE_SERVER)
		gnutls_x509_crt_set_key_purpose_oid(crt,
		    GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (usage & TLS_USAGE_CLIENT)
		gnutls_x509_crt_set_key_purpose_oid(crt,
		    GNUTLS_KP_TLS_WWW_CLIENT, 0);
	for (; ips && *ips; ips++) {
		unsigned char raw[16];
		int len = 0;

		if (inet_pton(AF_INET, *ips, raw) == 1)
			len = 4;
		else if (inet_pton(AF_INET6, *ips, raw) == 1)
			len = 16;
		if (len == 0) {
			TERR("address \"%s\": not an IP address", *ips);
			goto out;
		}
		gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS,
		    raw, (unsigned)len, GNUTLS_FSAN_APPEND);
	}
	for (; dns && *dns; dns++)
		gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME,
		    *dns, (unsigned)strlen(*dns), GNUTLS_FSAN_APPEND);
	{
		unsigned char kid[64];
		size_t kidlen = sizeof(kid);

		if (gnutls_x509_crt_get_subject_key_id(ca->crt, kid, &kidlen,
		    NULL) >= 0)
			gnutls_x509_crt_set_authority_key_id(crt, kid, kidlen);
	}
	if (gnutls_x509_crt_sign2(crt, ca->crt, ca->key, GNUTLS_DIG_SHA256,
	    0) < 0) {
		TERR("cannot sign the certificate for \"%s\"", cn);
		goto out;
	}
	if ((*cert_pem = export_pem(crt_export2, crt)) == NULL)
		goto out;
	if (key) {
		if ((*key_pem = export_pem(key_export2, key)) == NULL) {
			free(*cert_pem);
			*cert_pem = NULL;
			goto out;
		}
	}
	rc = 0;
out:
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (crq)
		gnutls_x509_crq_deinit(crq);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
tls_make_csr(const char *cn, char **key_pem, char **csr_pem, char *err,
    size_t errlen)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crq_t crq;
	int rc = -1;

	*key_pem = *csr_pem = NULL;
	if (key_generate(&key) == -1) {
		TERR("cannot generate a key");
		return -1;
	}
	gnutls_x509_crq_init(&crq);
	gnutls_x509_crq_set_version(crq, 1);
	gnutls_x509_crq_set_dn_by_oid(crq, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	    strlen(cn));
	gnutls_x509_crq_set_key(crq, key);
	if (gnutls_x509_crq_sign2(crq, key, GNUTLS_DIG_SHA256, 0) < 0) {
		TERR("cannot sign the certificate request");
		goto out;
	}
	*key_pem = export_pem(key_export2, key);
	*csr_pem = export_pem(crq_export2, crq);
	if (*key_pem == NULL || *csr_pem == NULL) {
		free(*key_pem);
		free(*csr_pem);
		*key_pem = *csr_pem = NULL;
		TERR("cannot export the certificate request");
		goto out;
	}
	rc = 0;
out:
	gnutls_x509_crq_deinit(crq);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

static int
crt_from_pem(const char *pem, gnutls_x509_crt_t *crt)
{
	gnutls_datum_t d;

	d.data = (unsigned char *)pem;
	d.size = (unsigned)strlen(pem);
	gnutls_x509_crt_init(crt);
	if (gnutls_x509_crt_import(*crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(*crt);
		return -1;
	}
	return 0;
}

int
tls_spki_pin(const char *cert_pem, char *out, size_t outlen)
{
	gnutls_x509_crt_t crt;
	gnutls_pubkey_t pk;
	gnutls_datum_t der = { NULL, 0 };
	unsigned char h[32];
	char b64[64];
	int rc = -1;

	if (crt_from_pem(cert_pem, &crt) == -1)
		return -1;
	gnutls_pubkey_init(&pk);
	if (gnutls_pubkey_import_x509(pk, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &der) < 0)
		goto out;
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, h) < 0)
		goto out;
	sodium_bin2base64(b64, sizeof(b64), h, sizeof(h),
	    sodium_base64_VARIANT_ORIGINAL);
	if ((size_t)snprintf(out, outlen, "sha256//%s", b64) >= outlen)
		goto out;
	rc = 0;
out:
	gnutls_free(der.data);
	gnutls_pubkey_deinit(pk);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

static int
crt_cn(gnutls_x509_crt_t crt, char *out, size_t outlen)
{
	size_t len = outlen;

	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, out, &len) < 0)
		return -1;
	return 0;
}

static int
crt_serial(gnutls_x509_crt_t crt, char *out, size_t outlen)
{
	unsigned char raw[64];
	size_t len = sizeof(raw), i;

	if (gnutls_x509_crt_get_serial(crt, raw, &len) < 0 || len == 0 ||
	    2 * len + 1 > outlen)
		return -1;
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* One text field of a PEM certificate, read by fn. */
static int
pem_field(const char *cert_pem, int (*fn)(gnutls_x509_crt_t, char *,
    size_t), char *out, size_t outlen)
{
	gnutls_x509_crt_t crt;
	int rc;

	if (crt_from_pem(cert_pem, &crt) == -1)
		return -1;
	rc = fn(crt, out, outlen);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
tls_cert_cn(const char *cert_pem, char *out, size_t outlen)
{
	return pem_field(cert_pem, crt_cn, out, outlen);
}

int
tls_cert_serial(const char *cert_pem, char *out, size_t outlen)
{
	return pem_field(cert_pem, crt_serial, out, outlen);
}

int
tls_cert_times(const char *cert_pem, time_t *not_before, time_t *not_after)
{
	gnutls_x509_crt_t crt;
	int rc = 0;

	if (crt_from_pem(cert_pem, &crt) == -1)
		return -1;
	*not_before = gnutls_x509_crt_get_activation_time(crt);
	*not_after = gnutls_x509_crt_get_expiration_time(crt);
	if (*not_before == (time_t)-1 || *not_after == (time_t)-1)
		rc = -1;
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
tls_peer_cert(gnutls_session_t s, char *cn, size_t cnlen, char *serial,
    size_t seriallen, char *err, size_t errlen)
{
	const gnutls_datum_t *list;
	gnutls_x509_crt_t crt;
	unsigned int n = 0, status = 0;
	char oid[128];
	size_t oidlen;
	int i, client_ok = 0, rc = -1;

	if (gnutls_certificate_type_get(s) != GNUTLS_CRT_X509 ||
	    (list = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0) {
		TERR("no client certificate");
		return -1;
	}
	if (gnutls_certificate_verify_peers2(s, &status) < 0) {
		TERR("client certificate not issued by this cluster's CA");
		return -1;
	}
	if (status & GNUTLS_CERT_EXPIRED) {
		TERR("client certificate expired");
		return -1;
	}
	if (status & GNUTLS_CERT_NOT_ACTIVATED) {
		TERR("client certificate not valid yet");
		return -1;
	}
	if (status != 0) {
		TERR("client certificate not issued by this cluster's CA");
		return -1;
	}
	gnutls_x509_crt_init(&crt);
	if (gnutls_x509_crt_import(crt, &list[0], GNUTLS_X509_FMT_DER) < 0) {
		TERR("unreadable client certificate");
		goto out;
	}
	for (i = 0;; i++) {
		oidlen = sizeof(oid);
		if (gnutls_x509_crt_get_key_purpose_oid(crt, (unsigned)i, oid,
		    &oidlen, NULL) < 0)
			break;
		if (strcmp(oid, GNUTLS_KP_TLS_WWW_CLIENT) == 0)
			client_ok = 1;
	}
	if (!client_ok) {
		TERR("certificate not meant for client authentication");
		goto out;
	}
	if ((cn && crt_cn(crt, cn, cnlen) == -1) ||
	    (serial && crt_serial(crt, serial, seriallen) == -1)) {
		TERR("unreadable client certificate");
		goto out;
	}
	rc = 0;
out:
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
tls_peer_check(gnutls_session_t s, const char *want_cn, char *err,
    size_t errlen)
{
	char cn[256];

	if (tls_peer_cert(s, cn, sizeof(cn), NULL, 0, err, errlen) == -1)
		return -1;
	if (strcmp(cn, want_cn) != 0) {
		TERR("client certificate is not the master's");
		return -1;
	}
	return 0;
}

struct tls_keypair *
tls_keypair_new(const char *cert_pem, const char *key_pem, char *err,
    size_t errlen)
{
	struct tls_keypair *kp;
	gnutls_datum_t c, k;
	gnutls_pubkey_t pub;
	unsigned char id1[64], id2[64];
	size_t l1 = sizeof(id1), l2 = sizeof(id2);
	int rc;

	kp = xcalloc(1, sizeof(*kp));
	c.data = (unsigned char *)cert_pem;
	c.size = (unsigned)strlen(cert_pem);
	k.data = (unsigned char *)key_pem;
	k.size = (unsigned)strlen(key_pem);
	if (gnutls_pcert_import_x509_raw(&kp->pcert, &c, GNUTLS_X509_FMT_PEM,
	    0) < 0) {
		free(kp);
		TERR("unreadable certificate");
		return NULL;
	}
	if (gnutls_privkey_init(&kp->key) < 0 ||
	    gnutls_privkey_import_x509_raw(kp->key, &k, GNUTLS_X509_FMT_PEM,
	    NULL, 0) < 0) {
		TERR("unreadable key");
		goto fail;
	}
	/* the key is the certificate's: their public keys have one id */
	gnutls_pubkey_init(&pub);
	rc = gnutls_pubkey_import_privkey(pub, kp->key, 0, 0) < 0 ||
	    gnutls_pubkey_get_key_id(pub, 0, id1, &l1) < 0 ||
	    gnutls_pubkey_get_key_id(kp->pcert.pubkey, 0, id2, &l2) < 0 ||
	    l1 != l2 || memcmp(id1, id2, l1) != 0 ? -1 : 0;
	gnutls_pubkey_deinit(pub);
	if (rc < 0) {
		TERR("the key is not the certificate's");
		goto fail;
	}
	return kp;
fail:
	tls_keypair_free(kp);
	return NULL;
}

void
tls_keypair_free(struct tls_keypair *kp)
{
	if (kp == NULL)
		return;
	gnutls_pcert_deinit(&kp->pcert);
	if (kp->key)
		gnutls_privkey_deinit(kp->key);
	free(kp);
}
