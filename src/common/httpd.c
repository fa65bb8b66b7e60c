/* httpd.c - see httpd.h. */
#include "httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "tls.h"

/* A certificate the server served: kept until it stops, since a
 * handshake may still be using one that was replaced. */
struct old_keypair {
	struct tls_keypair	*kp;
	struct old_keypair	*next;
};

struct httpd {
	struct MHD_Daemon	*d;
	struct httpd_conf	 conf;
	int			 port;
	pthread_mutex_t		 kp_mtx;
	struct tls_keypair	*kp;		/* under kp_mtx */
	struct old_keypair	*old;		/* under kp_mtx */
};

struct conn_state {
	struct http_req		 req;
	struct MHD_PostProcessor *pp;
	/* the form field being assembled from post processor chunks */
	char			*pkey;
	struct sbuf		 pval;
	int			 refused;
	gnutls_session_t	 corked;	/* see cork() */
};

void
http_resp_set(struct http_resp *r, int status, const char *ctype, char *body,
    size_t len)
{
	free(r->body);
	r->status = status;
	r->ctype = ctype;
	r->body = body;
	r->len = len;
}

void
http_resp_str(struct http_resp *r, int status, const char *ctype,
    const char *s)
{
	http_resp_set(r, status, ctype, xstrdup(s), strlen(s));
}

void
http_resp_json(struct http_resp *r, int status, const json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);

	http_resp_set(r, status, "application/json", s, strlen(s));
}

void
http_resp_error(struct http_resp *r, int status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "error", msg);

	http_resp_json(r, status, j);
	json_decref(j);
}

json_t *
http_req_json(struct http_req *req, struct http_resp *resp)
{
	json_t *j;

	if (req->body_err[0]) {
		http_resp_error(resp, 413, req->body_err);
		return NULL;
	}
	j = json_loadb(sbuf_str(&req->body), req->body.len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		http_resp_error(resp, 400, "expected a JSON object");
		return NULL;
	}
	return j;
}

const char *
http_req_header(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_req_cookie(const struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

static enum MHD_Result
collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	struct http_req *req = cls;

	(void)kind;
	params_add(&req->params, key, klen, val, vlen);
	return MHD_YES;
}

static void
flush_field(struct conn_state *cs)
{
	if (cs->pkey == NULL)
		return;
	params_add(&cs->req.params, cs->pkey, strlen(cs->pkey),
	    sbuf_str(&cs->pval), cs->pval.len);
	free(cs->pkey);
	cs->pkey = NULL;
	sbuf_release(&cs->pval);
}

static enum MHD_Result
post_iter(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *filename, const char *ctype, const char *enc,
    const char *data, uint64_t off, size_t size)
{
	struct conn_state *cs = cls;

	(void)kind; (void)filename; (void)ctype; (void)enc;
	if (cs->pkey == NULL || strcmp(cs->pkey, key) != 0 || off == 0) {
		flush_field(cs);
		cs->pkey = xstrdup(key);
		sbuf_init(&cs->pval, PARAM_VALUE_MAX);
	}
	if (sbuf_add(&cs->pval, data, size) == -1) {
		snprintf(cs->req.body_err, sizeof(cs->req.body_err),
		    "parameter \"%.64s\": value too long", key);
		return MHD_NO;
	}
	return MHD_YES;
}

static void
client_addr(struct MHD_Connection *c, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outlen, "?");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		    (socklen_t)outlen);
}

static enum MHD_Result
queue(struct MHD_Connection *c, struct http_resp *r, int close_conn)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t i;
	int cache = 0;

	if (r->body == NULL) {
		r->body = xstrdup("");
		r->len = 0;
	}
	resp = MHD_create_response_from_buffer(r->len, r->body,
	    MHD_RESPMEM_MUST_FREE);
	r->body = NULL;
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->ctype ? r->ctype : "text/plain");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (i = 0; i < HTTP_EXTRA_HDRS; i++) {
		char name[HTTP_EXTRA_HDR_MAX], *colon;

		if (r->extra_hdr[i][0] == '\0')
			continue;
		strcpy(name, r->extra_hdr[i]);
		if ((colon = strchr(name, ':')) == NULL)
			continue;
		*colon = '\0';
		MHD_add_response_header(resp, name, colon + 2);
		cache |= strcasecmp(name, "Cache-Control") == 0;
	}
	if (!cache)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (close_conn)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * The peer of a TLS connection, checked once per connection: a connection
 * keeps its peer for its whole life, and verifying the chain is the
 * costliest part of a request.  The verdict lives in the connection's
 * socket context, made and freed by notify_conn().
 */
struct peer_verdict {
	struct httpd	*h;
	int	 checked;
	int	 rc;
	char	 err[160];
};

static void
notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct peer_verdict *v;

	(void)c;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		v = xcalloc(1, sizeof(*v));
		v->h = cls;
		*socket_context = v;
	} else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
	}
}

static struct peer_verdict *
verdict_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* 0 when the peer of c is the one h accepts; -1 with *errp. */
static int
peer_ok(struct httpd *h, struct MHD_Connection *c, const char **errp)
{
	struct peer_verdict *v = verdict_of(c), local;
	const union MHD_ConnectionInfo *ci;

	if (v == NULL) {
		memset(&local, 0, sizeof(local));
		v = &local;
	}
	if (!v->checked) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_GNUTLS_SESSION);
		if (ci == NULL) {
			snprintf(v->err, sizeof(v->err), "no TLS");
			v->rc = -1;
		} else
			v->rc = tls_peer_check(ci->tls_session,
			    h->conf.peer_cn, v->err, sizeof(v->err));
		v->checked = 1;
	}
	if (v->rc == -1) {
		/* the message outlives a local verdict */
		static __thread char err[160];

		strlcpy_hf(err, v->err, sizeof(err));
		*errp = err;
	}
	return v->rc;
}

/*
 * The certificate of every handshake: the current one of the server, which
 * httpd_set_cert() replaces while it runs.  libmicrohttpd gives the session
 * its connection as user pointer, whose socket context (notify_conn) knows
 * the server.
 */
static int
cert_cb(gnutls_session_t s, const gnutls_datum_t *req_ca_dn, int nreqs,
    const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
    gnutls_pcert_st **pcert, unsigned int *pcert_length,
    gnutls_privkey_t *pkey)
{
	struct MHD_Connection *c = gnutls_session_get_ptr(s);
	const union MHD_ConnectionInfo *ci;
	struct peer_verdict *v;
	struct tls_keypair *kp;

	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	if (c == NULL || (ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT)) == NULL ||
	    (v = ci->socket_context) == NULL || v->h == NULL)
		return -1;
	pthread_mutex_lock(&v->h->kp_mtx);
	kp = v->h->kp;
	pthread_mutex_unlock(&v->h->kp_mtx);
	*pcert = &kp->pcert;
	*pcert_length = 1;
	*pkey = kp->key;
	return 0;
}

int
httpd_set_cert(struct httpd *h, const char *cert_pem, const char *key_pem,
    char *err, size_t errlen)
{
	struct tls_keypair *kp;
	struct old_keypair *o;

	if ((kp = tls_keypair_new(cert_pem, key_pem, err, errlen)) == NULL)
		return -1;
	o = xcalloc(1, sizeof(*o));
	pthread_mutex_lock(&h->kp_mtx);
	o->kp = h->kp;
	o->next = h->old;
	h->old = o;
	h->kp = kp;
	pthread_mutex_unlock(&h->kp_mtx);
	return 0;
}

int
http_req_peer(const struct http_req *req, char *cn, size_t cnlen,
    char *serial, size_t seriallen, char *err, size_t errlen)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(req->conn,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL) {
		snprintf(err, errlen, "no TLS");
		return -1;
	}
	return tls_peer_cert(ci->tls_session, cn, cnlen, serial, seriallen,
	    err, errlen);
}

/*
 * libmicrohttpd hands the headers and the body of a response to GnuTLS in
 * two calls, so each becomes a TLS record of its own: two sends here and
 * two wakeups and four reads at the peer.  A small answer's records are
 * corked instead, and flushed as one when the request completes
 * (completed_cb), in the connection's own thread.
 */
#define CORK_MAX	12288		/* bytes of body; the record is 16K */

static void
cork(struct MHD_Connection *c, struct conn_state *cs, size_t len)
{
	const union MHD_ConnectionInfo *ci;

	if (len > CORK_MAX || (ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_GNUTLS_SESSION)) == NULL ||
	    ci->tls_session == NULL)
		return;
	cs->corked = ci->tls_session;
	gnutls_record_cork(cs->corked);
}

/* Sends what cork() held, waiting for the socket at most the connection
 * timeout (a peer that takes nothing meanwhile loses the answer), then
 * pushes it: libmicrohttpd left the socket corked (TCP_CORK) after what it
 * took for its last send, and setting TCP_NODELAY sends corked data at
 * once instead of after the kernel's 200 ms. */
static void
uncork(struct httpd *h, struct MHD_Connection *c, gnutls_session_t s)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c,
	    MHD_CONNECTION_INFO_CONNECTION_FD);
	struct pollfd p;
	int rc, one = 1;

	if (ci == NULL)
		return;
	while ((rc = gnutls_record_uncork(s, 0)) == GNUTLS_E_AGAIN ||
	    rc == GNUTLS_E_INTERRUPTED) {
		p.fd = ci->connect_fd;
		p.events = POLLOUT;
		if (poll(&p, 1, (int)(h->conf.idle_timeout_s ?
		    h->conf.idle_timeout_s : 120) * 1000) <= 0)
			return;
	}
	setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_size, void **con_cls)
{
	struct httpd *h = cls;
	struct conn_state *cs = *con_cls;
	struct http_resp resp;
	enum MHD_Result ret;
	const char *ct;

	(void)version;
	if (cs == NULL) {
		cs = xcalloc(1, sizeof(*cs));
		*con_cls = cs;
		cs->req.method = method;
		cs->req.url = url;
		cs->req.conn = c;
		params_init(&cs->req.params);
		sbuf_init(&cs->req.body, h->conf.max_body);
		client_addr(c, cs->req.client_addr,
		    sizeof(cs->req.client_addr));
		const char *perr;

		if (h->conf.trust_pem && h->conf.peer_cn &&
		    peer_ok(h, c, &perr) == -1) {
			log_warnx("refused %s %s from %s: %s", method, url,
			    cs->req.client_addr, perr);
			cs->refused = 1;
		}
		ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_TYPE);
		cs->req.content_type = ct;
		if (!cs->refused && ct != NULL &&
		    (strncasecmp(ct, MHD_HTTP_POST_ENCODING_FORM_URLENCODED,
		    strlen(MHD_HTTP_POST_ENCODING_FORM_URLENCODED)) == 0 ||
		    strncasecmp(ct, MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA,
		    strlen(MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA)) == 0))
			cs->pp = MHD_create_post_processor(c, 16384,
			    post_iter, cs);
		return MHD_YES;
	}
	if (*upload_size != 0) {
		if (!cs->refused && cs->req.body_err[0] == '\0') {
			if (cs->pp) {
				if (MHD_post_process(cs->pp, upload_data,
				    *upload_size) == MHD_NO &&
				    cs->req.body_err[0] == '\0')
					snprintf(cs->req.body_err,
					    sizeof(cs->req.body_err),
					    "malformed form body");
			} else if (sbuf_add(&cs->req.body, upload_data,
			    *upload_size) == -1)
				snprintf(cs->req.body_err,
				    sizeof(cs->req.body_err),
				    "request body too large");
		}
		*upload_size = 0;
		return MHD_YES;
	}

	memset(&resp, 0, sizeof(resp));
	if (cs->refused) {
		http_resp_str(&resp, 403, "application/json",
		    "{\"error\":\"client certificate refused\"}");
		return queue(c, &resp, 1);
	}
	flush_field(cs);
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, collect_arg,
	    &cs->req);
	resp.status = 200;
	h->conf.handler(&cs->req, &resp, h->conf.arg);
	cork(c, cs, resp.len);
	ret = queue(c, &resp, 0);
	free(resp.body);
	return ret;
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)toe;
	if (cs == NULL)
		return;
	if (cs->corked)
		uncork(cls, c, cs->corked);
	if (cs->pp)
		MHD_destroy_post_processor(cs->pp);
	free(cs->pkey);
	sbuf_release(&cs->pval);
	params_release(&cs->req.params);
	sbuf_release(&cs->req.body);
	free(cs);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	log_debug("http: %s", buf);
}

/* Fills ss with addr (an IPv4 or IPv6 literal) and port; its length, or 0
 * with err when addr is not an IP address. */
static socklen_t
listen_addr(const char *addr, int port, struct sockaddr_storage *ss,
    char *err, size_t errlen)
{
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr,
	    &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		return sizeof(struct sockaddr_in);
	}
	if (inet_pton(AF_INET6, addr,
	    &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		return sizeof(struct sockaddr_in6);
	}
	snprintf(err, errlen, "listen address \"%s\": not an IP address", addr);
	return 0;
}

int
httpd_listen(const char *addr, int port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if ((sl = listen_addr(addr, port, &ss, err, errlen)) == 0)
		return -1;
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, SOMAXCONN) == -1) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s", addr,
		    port, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

struct httpd *
httpd_start(const struct httpd_conf *conf, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct httpd *h;
	unsigned int flags;
	const union MHD_DaemonInfo *di;
	struct MHD_OptionItem opts[16];
	int n = 0;

	if (listen_addr(conf->addr, conf->port, &ss, err, errlen) == 0)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->conf = *conf;
	pthread_mutex_init(&h->kp_mtx, NULL);
	if (conf->cert_pem && (h->kp = tls_keypair_new(conf->cert_pem,
	    conf->key_pem, err, errlen)) == NULL) {
		pthread_mutex_destroy(&h->kp_mtx);
		free(h);
		return NULL;
	}
	/* h->kp is the certificate from now on */
	h->conf.cert_pem = h->conf.key_pem = NULL;
	/* poll(), not select(): a master talking to a thousand nodes has
	 * descriptors past FD_SETSIZE */
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
	    MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (conf->cert_pem)
		flags |= MHD_USE_TLS;

#define OPT(o, v, p)	opts[n++] = (struct MHD_OptionItem){ (o), (v), (p) }
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL);
	if (conf->listen_fd > 0)
		OPT(MHD_OPTION_LISTEN_SOCKET, conf->listen_fd, NULL);
	else
		OPT(MHD_OPTION_SOCK_ADDR, 0, &ss);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, h);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)notify_conn, h);
	OPT(MHD_OPTION_CONNECTION_LIMIT,
	    conf->conn_limit ? conf->conn_limit : 1024, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT,
	    conf->idle_timeout_s ? conf->idle_timeout_s : 120, NULL);
	OPT(MHD_OPTION_THREAD_STACK_SIZE, 256 * 1024, NULL);
	if (conf->cert_pem) {
		OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)cert_cb);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0,
		    (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2");
		if (conf->trust_pem)
			OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0,
			    (void *)conf->trust_pem);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT

	h->d = MHD_start_daemon(flags, (uint16_t)conf->port, NULL, NULL,
	    access_cb, h, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (h->d == NULL) {
		snprintf(err, errlen, "cannot listen on %s port %d: %s",
		    conf->addr, conf->port, strerror(errno));
		tls_keypair_free(h->kp);
		pthread_mutex_destroy(&h->kp_mtx);
		free(h);
		return NULL;
	}
	di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : conf->port;
	return h;
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	MHD_stop_daemon(h->d);
	while (h->old) {
		struct old_keypair *o = h->old;

		h->old = o->next;
		tls_keypair_free(o->kp);
		free(o);
	}
	tls_keypair_free(h->kp);
	pthread_mutex_destroy(&h->kp_mtx);
	free(h);
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}
