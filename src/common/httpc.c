/* httpc.c - see httpc.h. */
#include "httpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define RESP_MAX_DEFAULT	(16u << 20)

struct batch {
	pthread_mutex_t		*mtx;
	pthread_cond_t		 cond;
	size_t			 pending;
};

struct job {
	struct hreq		*req;
	struct batch		*batch;
	CURL			*easy;
	struct curl_slist	*hdrs;
	int64_t			 start;
	struct job		*next;
};

struct httpc {
	struct httpc_tls	 tls;
	char			*cafile, *certfile, *keyfile;
	CURLM			*multi;
	pthread_t		 thr;
	pthread_mutex_t		 mtx;
	struct job		*queue;		/* submitted, not yet added */
	CURL			*idle[4096];	/* easy handles kept for reuse */
	size_t			 nidle;
	int			 ep;		/* epoll set of curl's sockets */
	int			 evfd;		/* wakes the engine */
	int64_t			 timer_at;	/* curl's deadline (mono ms), -1 */
	int			 stop;
	/* httpc_call(): requests made in the caller's thread, on easy
	 * handles pooled with their open connections, and TLS sessions
	 * shared by every thread */
	CURLSH			*share;
	pthread_mutex_t		 share_mtx[CURL_LOCK_DATA_LAST];
	CURL			*sidle[64];
	size_t			 nsidle;
};

/* Wakes the engine: new requests, or stop. */
static void
kick(struct httpc *c)
{
	uint64_t one = 1;

	if (write(c->evfd, &one, sizeof(one)) < 0)
		return;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
hreq_init(struct hreq *r, const char *url, long timeout_ms)
{
	memset(r, 0, sizeof(*r));
	r->url = url;
	r->timeout_ms = timeout_ms;
	sbuf_init(&r->resp, RESP_MAX_DEFAULT);
}

void
hreq_release(struct hreq *r)
{
	sbuf_release(&r->resp);
}

static size_t
write_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct hreq *r = ud;
	size_t n = size * nmemb;

	if (sbuf_add(&r->resp, p, n) == -1) {
		snprintf(r->err, sizeof(r->err), "answer larger than %zu bytes",
		    r->resp.cap);
		return 0;
	}
	return n;
}

static size_t
header_cb(char *p, size_t size, size_t nmemb, void *ud)
{
	struct hreq *r = ud;
	size_t n = size * nmemb, klen;

	if (r->want_hdr == NULL)
		return n;
	klen = strlen(r->want_hdr);
	if (n > klen + 1 && strncasecmp(p, r->want_hdr, klen) == 0 &&
	    p[klen] == ':') {
		size_t i = klen + 1, o = 0;

		while (i < n && p[i] == ' ')
			i++;
		while (i < n && p[i] != '\r' && p[i] != '\n' &&
		    o < sizeof(r->got_hdr) - 1)
			r->got_hdr[o++] = p[i++];
		r->got_hdr[o] = '\0';
	}
	return n;
}

/* Prepares an easy handle for r; returns the header list to free after. */
static struct curl_slist *
setup_easy(CURL *e, const struct httpc_tls *tls, struct hreq *r)
{
	struct curl_slist *h = NULL;

	r->status = 0;
	r->err[0] = '\0';
	r->got_hdr[0] = '\0';
	if (r->max_resp)
		r->resp.cap = r->max_resp;
	sbuf_reset(&r->resp);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	if (r->pin) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		curl_easy_setopt(e, CURLOPT_PINNEDPUBLICKEY, r->pin);
	} else if (tls && tls->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
		if (tls && tls->cafile) {
			/* only the cluster CA: not also the system's whole
			 * directory of CAs, loaded again for each connection */
			curl_easy_setopt(e, CURLOPT_CAINFO, tls->cafile);
			curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
		}
	}
	if (tls && tls->certfile) {
		curl_easy_setopt(e, CURLOPT_SSLCERT, tls->certfile);
		curl_easy_setopt(e, CURLOPT_SSLKEY, tls->keyfile);
	}
	if (r->body || (r->method && strcmp(r->method, "POST") == 0)) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)r->body_len);
	} else
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	if (r->method && strcmp(r->method, "GET") != 0 &&
	    strcmp(r->method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	else
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
	if (r->ctype) {
		char line[128];

		snprintf(line, sizeof(line), "Content-Type: %s", r->ctype);
		h = curl_slist_append(h, line);
	}
	/* No "Expect: 100-continue" round trip on large bodies. */
	h = curl_slist_append(h, "Expect:");
	if (r->hdr)
		h = curl_slist_append(h, r->hdr);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	return h;
}

static void
finish(CURL *e, struct hreq *r, CURLcode rc, int64_t start)
{
	r->elapsed_ms = mono_ms() - start;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
		return;
	}
	r->status = 0;
	/*
	 * Never sent only when no byte of a request went out: libcurl sends
	 * again, on a new connection, a request whose kept-alive connection
	 * closed before any answer, and the first one may have been done
	 * (a node killed before it answered).  A connect error of that
	 * second connection is then no proof of anything; the size of the
	 * requests issued counts both.
	 */
	{
		long sent = 0;

		curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &sent);
		r->unsent = sent == 0 && (rc == CURLE_COULDNT_CONNECT ||
		    rc == CURLE_COULDNT_RESOLVE_HOST ||
		    rc == CURLE_SSL_CONNECT_ERROR);
	}
	if (r->err[0] == '\0') {
		if (rc == CURLE_OPERATION_TIMEDOUT)
			snprintf(r->err, sizeof(r->err),
			    "no answer within %ld ms", r->timeout_ms);
		else
			snprintf(r->err, sizeof(r->err), "%s",
			    curl_easy_strerror(rc));
	}
}

int
httpc_do(const struct httpc_tls *tls, struct hreq *r)
{
	struct curl_slist *h;
	CURLcode rc;
	CURL *e;
	int64_t start = mono_ms();

	pthread_once(&curl_once, curl_init_once);
	if ((e = curl_easy_init()) == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	h = setup_easy(e, tls, r);
	rc = curl_easy_perform(e);
	finish(e, r, rc, start);
	curl_slist_free_all(h);
	curl_easy_cleanup(e);
	return r->status ? 0 : -1;
}

/* curl tells which sockets to watch: kept in the engine's epoll set. */
static int
sock_cb(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
	struct httpc *c = arg;
	struct epoll_event ev;

	(void)e; (void)sockp;
	memset(&ev, 0, sizeof(ev));
	ev.data.fd = fd;
	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(c->ep, EPOLL_CTL_DEL, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev.events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(c->ep, EPOLL_CTL_MOD, fd, &ev) == -1)
		epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev);
	return 0;
}

static int
timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct httpc *c = arg;

	(void)multi;
	c->timer_at = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	return 0;
}

/* Hands finished requests back to their batches. */
static void
reap(struct httpc *c)
{
	struct job *j;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&j);
		finish(j->easy, j->req, m->data.result, j->start);
		curl_multi_remove_handle(c->multi, j->easy);
		curl_slist_free_all(j->hdrs);
		pthread_mutex_lock(&c->mtx);
		if (c->nidle < nitems(c->idle)) {
			curl_easy_reset(j->easy);
			c->idle[c->nidle++] = j->easy;
		} else
			curl_easy_cleanup(j->easy);
		pthread_mutex_unlock(&c->mtx);
		pthread_mutex_lock(j->batch->mtx);
		if (--j->batch->pending == 0)
			pthread_cond_signal(&j->batch->cond);
		pthread_mutex_unlock(j->batch->mtx);
		free(j);
	}
}

/*
 * The engine: curl's socket interface on epoll, so that each event costs
 * only the transfer it concerns, however many nodes are in flight.  New
 * requests arrive through an eventfd.
 */
static void *
engine(void *arg)
{
	struct httpc *c = arg;
	struct epoll_event evs[256];
	struct job *j, *next;
	int running, n, i;

	for (;;) {
		int64_t t = c->timer_at < 0 ? 1000 : c->timer_at - mono_ms();

		if (t < 0)
			t = 0;
		if (t > 1000)
			t = 1000;
		n = epoll_wait(c->ep, evs, (int)nitems(evs), (int)t);
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd, mask = 0;

			if (fd == c->evfd) {
				uint64_t v;

				if (read(c->evfd, &v, sizeof(v)) < 0)
					continue;
				continue;
			}
			if (evs[i].events & EPOLLIN)
				mask |= CURL_CSELECT_IN;
			if (evs[i].events & EPOLLOUT)
				mask |= CURL_CSELECT_OUT;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				mask |= CURL_CSELECT_ERR;
			curl_multi_socket_action(c->multi, fd, mask, &running);
		}
		pthread_mutex_lock(&c->mtx);
		if (c->stop) {
			pthread_mutex_unlock(&c->mtx);
			break;
		}
		j = c->queue;
		c->queue = NULL;
		pthread_mutex_unlock(&c->mtx);
		for (; j; j = next) {
			next = j->next;
			j->start = mono_ms();
			curl_easy_setopt(j->easy, CURLOPT_PRIVATE, j);
			curl_multi_add_handle(c->multi, j->easy);
		}
		/* curl's timer: timeouts, and the start of new transfers; by
		 * its deadline, so that busy sockets never starve it */
		if (c->timer_at >= 0 && mono_ms() >= c->timer_at) {
			c->timer_at = -1;
			curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0,
			    &running);
		}
		reap(c);
	}
	return NULL;
}

static void
share_lock(CURL *e, curl_lock_data d, curl_lock_access a, void *arg)
{
	struct httpc *c = arg;

	(void)e;
	(void)a;
	pthread_mutex_lock(&c->share_mtx[d]);
}

static void
share_unlock(CURL *e, curl_lock_data d, void *arg)
{
	struct httpc *c = arg;

	(void)e;
	pthread_mutex_unlock(&c->share_mtx[d]);
}

struct httpc *
httpc_new(const struct httpc_tls *tls)
{
	struct httpc *c;

	pthread_once(&curl_once, curl_init_once);
	c = xcalloc(1, sizeof(*c));
	c->cafile = tls->cafile ? xstrdup(tls->cafile) : NULL;
	c->certfile = tls->certfile ? xstrdup(tls->certfile) : NULL;
	c->keyfile = tls->keyfile ? xstrdup(tls->keyfile) : NULL;
	c->tls.cafile = c->cafile;
	c->tls.certfile = c->certfile;
	c->tls.keyfile = c->keyfile;
	c->tls.insecure = tls->insecure;
	pthread_mutex_init(&c->mtx, NULL);
	c->multi = curl_multi_init();
	curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, 4096L);
	c->timer_at = -1;
	if ((c->ep = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (c->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1)
		fatal("epoll");
	{
		struct epoll_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = c->evfd;
		epoll_ctl(c->ep, EPOLL_CTL_ADD, c->evfd, &ev);
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	{
		int i;

		for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
			pthread_mutex_init(&c->share_mtx[i], NULL);
		c->share = curl_share_init();
		curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
		curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
		curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
		/* TLS sessions only: libcurl's shared connection cache is
		 * not safe across threads (curl KNOWN_BUGS); connections
		 * stay with the pooled easy handles instead */
		curl_share_setopt(c->share, CURLSHOPT_SHARE,
		    CURL_LOCK_DATA_SSL_SESSION);
	}
	if (pthread_create(&c->thr, NULL, engine, c) != 0)
		fatal("pthread_create");
	return c;
}

int
httpc_call(struct httpc *c, struct hreq *r)
{
	struct curl_slist *h;
	CURLcode rc;
	CURL *e = NULL;
	int64_t start = mono_ms();

	pthread_mutex_lock(&c->mtx);
	if (c->nsidle > 0)
		e = c->sidle[--c->nsidle];
	pthread_mutex_unlock(&c->mtx);
	if (e == NULL && (e = curl_easy_init()) == NULL) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	h = setup_easy(e, &c->tls, r);
	curl_easy_setopt(e, CURLOPT_SHARE, c->share);
	/* a pooled handle keeps its connections to several nodes */
	curl_easy_setopt(e, CURLOPT_MAXCONNECTS, 16L);
	rc = curl_easy_perform(e);
	finish(e, r, rc, start);
	curl_slist_free_all(h);
	curl_easy_reset(e);
	pthread_mutex_lock(&c->mtx);
	if (c->nsidle < nitems(c->sidle))
		c->sidle[c->nsidle++] = e;
	else
		curl_easy_cleanup(e);
	pthread_mutex_unlock(&c->mtx);
	return r->status ? 0 : -1;
}

void
httpc_free(struct httpc *c)
{
	size_t i;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mtx);
	c->stop = 1;
	pthread_mutex_unlock(&c->mtx);
	kick(c);
	pthread_join(c->thr, NULL);
	for (i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	for (i = 0; i < c->nsidle; i++)
		curl_easy_cleanup(c->sidle[i]);
	curl_share_cleanup(c->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_mtx[i]);
	curl_multi_cleanup(c->multi);
	close(c->ep);
	close(c->evfd);
	pthread_mutex_destroy(&c->mtx);
	free(c->cafile);
	free(c->certfile);
	free(c->keyfile);
	free(c);
}

void
httpc_run(struct httpc *c, struct hreq **reqs, size_t n)
{
	pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
	struct batch b;
	struct job *j, *head = NULL, *tail = NULL;
	size_t i;

	if (n == 0)
		return;
	b.mtx = &mtx;
	pthread_cond_init(&b.cond, NULL);
	b.pending = n;
	for (i = 0; i < n; i++) {
		j = xcalloc(1, sizeof(*j));
		j->req = reqs[i];
		j->batch = &b;
		pthread_mutex_lock(&c->mtx);
		j->easy = c->nidle ? c->idle[--c->nidle] : curl_easy_init();
		pthread_mutex_unlock(&c->mtx);
		if (j->easy == NULL)
			fatal("curl_easy_init");
		j->hdrs = setup_easy(j->easy, &c->tls, reqs[i]);
		if (tail)
			tail->next = j;
		else
			head = j;
		tail = j;
	}
	pthread_mutex_lock(&c->mtx);
	tail->next = c->queue;
	c->queue = head;
	pthread_mutex_unlock(&c->mtx);
	kick(c);

	pthread_mutex_lock(&mtx);
	while (b.pending > 0)
		pthread_cond_wait(&b.cond, &mtx);
	pthread_mutex_unlock(&mtx);
	pthread_cond_destroy(&b.cond);
}
