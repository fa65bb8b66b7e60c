/* httpd.h - the HTTP(S) server of the master's API and of the node agent,
 * on libmicrohttpd.
 *
 * One thread per connection: a handler may block (a fan-out to nodes, a
 * password hash) without holding up other clients.  Parameters from the
 * query string and from form bodies arrive already checked by params.h;
 * other bodies (JSON) arrive raw, capped at max_body.
 *
 * With trust_pem set the server asks for a client certificate.  With peer_cn
 * too it calls the handler only for a peer that tls_peer_check() accepts
 * with peer_cn; every other caller gets 403 and the connection is closed.
 * Without peer_cn a certificate is optional and the handler checks it, with
 * http_req_peer().
 *
 * The server's certificate can be replaced while it runs (httpd_set_cert):
 * every handshake from then on presents the new one. */
#ifndef HF_HTTPD_H
#define HF_HTTPD_H

#include <stddef.h>

#include <jansson.h>

#include "params.h"
#include "sbuf.h"

struct http_req {
	const char	*method;
	const char	*url;
	char		 client_addr[64];
	struct reqparams	 params;
	struct sbuf	 body;
	const char	*content_type;
	/* Set when the body broke a limit; the handler answers the error. */
	char		 body_err[128];
	void		*conn;		/* struct MHD_Connection */
};

/* The extra headers of a response: the panel's security headers and
 * cookies are the most, and its Content-Security-Policy the longest. */
#define HTTP_EXTRA_HDRS		8
#define HTTP_EXTRA_HDR_MAX	320

struct http_resp {
	int		 status;
	char		*body;		/* malloc'd, owned by the server after */
	size_t		 len;
	const char	*ctype;
	/* "Name: value" or ""; a Cache-Control here replaces the default
	 * no-store */
	char		 extra_hdr[HTTP_EXTRA_HDRS][HTTP_EXTRA_HDR_MAX];
};

typedef void	(*http_handler)(struct http_req *, struct http_resp *, void *);

struct httpd_conf {
	const char	*addr;		/* IPv4 or IPv6 literal */
	int		 port;		/* 0 picks one */
	/* > 0: a socket httpd_listen() made, served instead of binding
	 * addr and port (0, as memset leaves it: bind them) */
	int		 listen_fd;
	const char	*cert_pem;	/* NULL serves plain HTTP */
	const char	*key_pem;
	const char	*trust_pem;	/* NULL: no client certificate */
	const char	*peer_cn;
	size_t		 max_body;
	unsigned int	 conn_limit;
	unsigned int	 idle_timeout_s;
	http_handler	 handler;
	void		*arg;
};

struct httpd;

struct httpd	*httpd_start(const struct httpd_conf *, char *err, size_t);
void		 httpd_stop(struct httpd *);
/* A listening TCP socket on addr and port, for httpd_conf.listen_fd: a
 * process binds before it gives up the right to.  The fd, or -1 with err. */
int		 httpd_listen(const char *addr, int port, char *err, size_t);
int		 httpd_port(const struct httpd *);
/* Makes cert_pem and key_pem (PEM strings, copied) the certificate of every
 * new TLS connection; 0, or -1 with err and the old one kept. */
int		 httpd_set_cert(struct httpd *, const char *cert_pem,
		    const char *key_pem, char *err, size_t errlen);
/* The client certificate of the request's connection as tls_peer_cert()
 * checks it: its common name and serial; 0, or -1 with err. */
int		 http_req_peer(const struct http_req *, char *cn, size_t cnlen,
		    char *serial, size_t seriallen, char *err, size_t errlen);
/* Header value of the request, or NULL. */
const char	*http_req_header(const struct http_req *, const char *name);
/* Value of the request's cookie name (libmicrohttpd parses Cookie:), or
 * NULL. */
const char	*http_req_cookie(const struct http_req *, const char *name);

/* Sets a response that takes ownership of body. */
void	 http_resp_set(struct http_resp *, int status, const char *ctype,
	    char *body, size_t len);
/* Sets a response copying a string. */
void	 http_resp_str(struct http_resp *, int status, const char *ctype,
	    const char *s);
/* Sets a JSON response: doc, compact; the caller keeps doc. */
void	 http_resp_json(struct http_resp *, int status, const json_t *doc);
/* Sets the JSON error answer {"error": msg}. */
void	 http_resp_error(struct http_resp *, int status, const char *msg);
/* The request's body as a JSON object (the caller decrefs it), or NULL
 * with the error answered: 413 for a body past the cap, 400 for one that
 * is not a JSON object. */
json_t	*http_req_json(struct http_req *, struct http_resp *);

#endif
