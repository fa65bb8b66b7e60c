/* tls.h - the cluster's certificates, with GnuTLS.
 *
 * The master holds the cluster CA (ca.pem, ca.key in its state dir).  It
 * issues its own API server certificate, its client certificate for calls
 * to nodes (CN "hostfleet-master"), and one server certificate per node,
 * signed from a CSR the node sends at join, so that a node's key never
 * leaves the node.
 *
 * Every function returning char * hands a malloc'd PEM string to the caller.
 * Functions return 0 on success and -1 on failure with a message in err. */
#ifndef HF_TLS_H
#define HF_TLS_H

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TLS_MASTER_CN	"hostfleet-master"

enum tls_usage {
	TLS_USAGE_SERVER = 1,
	TLS_USAGE_CLIENT = 2,
};

struct tls_ca;

/* Creates dir/ca.pem and dir/ca.key unless they exist, then loads them. */
struct tls_ca	*tls_ca_open(const char *dir, char *err, size_t errlen);
void		 tls_ca_free(struct tls_ca *);
const char	*tls_ca_pem(const struct tls_ca *);

/*
 * Issues a certificate for cn, valid lifetime_s seconds from now (its
 * start is set an hour back, for clocks a little behind), with the given IP
 * addresses and DNS names as subject alternative names (either list may be
 * NULL, and is NULL-terminated).  With csr_pem the public key comes from that request,
 * whose signature is checked, and *key_pem is left alone; without it a new
 * key is made and returned in *key_pem.
 */
int	 tls_ca_issue(struct tls_ca *, const char *cn, const char *const *ips,
	    const char *const *dns, int usage, int64_t lifetime_s,
	    const char *csr_pem, char **cert_pem, char **key_pem, char *err,
	    size_t errlen);

/* Makes a new key and a CSR for cn. */
int	 tls_make_csr(const char *cn, char **key_pem, char **csr_pem,
	    char *err, size_t errlen);

/* Writes "sha256//BASE64" of the certificate's public key, as libcurl's
 * CURLOPT_PINNEDPUBLICKEY takes it; out must hold 64 bytes. */
int	 tls_spki_pin(const char *cert_pem, char *out, size_t outlen);

/* Reads the common name of a PEM certificate into out. */
int	 tls_cert_cn(const char *cert_pem, char *out, size_t outlen);

/* The serial number of a PEM certificate in lower-case hex, every byte
 * the certificate carries; out must hold TLS_SERIAL_MAX (20 bytes). */
#define TLS_SERIAL_MAX	41
int	 tls_cert_serial(const char *cert_pem, char *out, size_t outlen);

/* When a PEM certificate starts and ends to be valid. */
int	 tls_cert_times(const char *cert_pem, time_t *not_before,
	    time_t *not_after);

/*
 * Checks the peer of an established server-side session: it presented a
 * certificate, the chain verifies against the session's trust list (the
 * pinned cluster CA) and the certificate is within its validity, and it
 * allows client authentication.  Its common name goes to cn and its serial
 * (as tls_cert_serial) to serial; either may be NULL.
 */
int	 tls_peer_cert(gnutls_session_t, char *cn, size_t cnlen, char *serial,
	    size_t seriallen, char *err, size_t errlen);

/* tls_peer_cert, and the common name is want_cn. */
int	 tls_peer_check(gnutls_session_t, const char *want_cn, char *err,
	    size_t errlen);

/*
 * A server's certificate and key, loaded for a GnuTLS certificate retrieve
 * function (gnutls_certificate_set_retrieve_function2): what a server
 * whose certificate is replaced while it runs hands to each handshake.
 */
struct tls_keypair {
	gnutls_pcert_st		 pcert;
	gnutls_privkey_t	 key;
};

/* Loads a PEM certificate and its PEM key; NULL with err when either is
 * unreadable or the key is not the certificate's. */
struct tls_keypair	*tls_keypair_new(const char *cert_pem,
			    const char *key_pem, char *err, size_t errlen);
void			 tls_keypair_free(struct tls_keypair *);

#endif
