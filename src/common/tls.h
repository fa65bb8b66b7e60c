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

#include <gnutls/gnutls.h>
#include <stddef.h>

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
 * Issues a certificate for cn, valid days, with the given IP addresses and
 * DNS names as subject alternative names (either list may be NULL, and is
 * NULL-terminated).  With csr_pem the public key comes from that request,
 * whose signature is checked, and *key_pem is left alone; without it a new
 * key is made and returned in *key_pem.
 */
int	 tls_ca_issue(struct tls_ca *, const char *cn, const char *const *ips,
	    const char *const *dns, int usage, int days, const char *csr_pem,
	    char **cert_pem, char **key_pem, char *err, size_t errlen);

/* Makes a new key and a CSR for cn. */
int	 tls_make_csr(const char *cn, char **key_pem, char **csr_pem,
	    char *err, size_t errlen);

/* Writes "sha256//BASE64" of the certificate's public key, as libcurl's
 * CURLOPT_PINNEDPUBLICKEY takes it; out must hold 64 bytes. */
int	 tls_spki_pin(const char *cert_pem, char *out, size_t outlen);

/* Reads the common name of a PEM certificate into out. */
int	 tls_cert_cn(const char *cert_pem, char *out, size_t outlen);

/*
 * Checks the peer of an established server-side session: it presented a
 * certificate, the chain verifies against the session's trust list (the
 * pinned cluster CA), the certificate allows client authentication, and its
 * common name is want_cn.
 */
int	 tls_peer_check(gnutls_session_t, const char *want_cn, char *err,
	    size_t errlen);

#endif
