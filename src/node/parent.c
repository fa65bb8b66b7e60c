/* parent.c - the privileged parent's end of the channel to the network
 * process (imsg.h).  One reader thread takes the requests; each one that
 * keeps to the grammar is handled by rpc_serve() in a worker thread of
 * its own, so that a long apply never holds up a poll of the stats, and
 * its answer goes back tagged with the request's id.  A message outside
 * the grammar is logged and refused with a 400, and the agent serves on. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "imsg.h"
#include "node.h"

/* Requests handled at once: the network process has at most 64
 * connections (node main.c), each with one request at a time. */
#define PARENT_INFLIGHT_MAX	128

struct parent {
	struct node_agent	*a;
	struct imsgbuf		 ib;
	pthread_t		 reader;
	pthread_mutex_t		 mtx;
	pthread_cond_t		 idle;
	int			 inflight;
	int			 stopping;
};

struct job {
	struct parent	*p;
	uint64_t	 id;
	char		*payload;	/* the checked IMSG_REQUEST */
	size_t		 len;
};

/* Answers request id; a failure means the network process is gone, which
 * the reader sees too. */
static void
respond(struct parent *p, uint64_t id, int status, const char *ctype,
    const char *body, size_t len)
{
	struct imsg_response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	strlcpy_hf(r.ctype, ctype ? ctype : "text/plain", sizeof(r.ctype));
	r.body_len = (uint32_t)len;
	if (imsg_compose(&p->ib, IMSG_RESPONSE, id, &r, sizeof(r), body,
	    len) == -1)
		log_warn("privsep: cannot answer request %llu",
		    (unsigned long long)id);
}

/* Handles one checked request as the HTTP request it stands for. */
static void *
job_run(void *arg)
{
	struct job *jb = arg;
	struct parent *p = jb->p;
	struct imsg_request r;
	struct http_req req;
	struct http_resp resp;
	char url[128];

	memcpy(&r, jb->payload, sizeof(r));
	memset(&req, 0, sizeof(req));
	req.method = rpc_call_method(r.method);
	rpc_call_path(r.call, r.dtype, url, sizeof(url));
	req.url = url;
	strlcpy_hf(req.client_addr, r.peer, sizeof(req.client_addr));
	req.content_type = "application/json";
	params_init(&req.params);
	if (r.has_roles)
		params_add(&req.params, "roles", 5, r.roles, strlen(r.roles));
	if (r.clock > 0) {
		char v[24];

		snprintf(v, sizeof(v), "%lld", (long long)r.clock);
		params_add(&req.params, "clock", 5, v, strlen(v));
		snprintf(v, sizeof(v), "%lld", (long long)r.sent_ms);
		params_add(&req.params, "sent_ms", 7, v, strlen(v));
	}
	/* the body moves to the front of the payload, which becomes it */
	memmove(jb->payload, jb->payload + sizeof(r), (size_t)r.body_len + 1);
	sbuf_init(&req.body, IMSG_BODY_MAX);
	sbuf_attach(&req.body, jb->payload, r.body_len, jb->len + 1);
	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	rpc_serve(&req, &resp, p->a);
	respond(p, jb->id, resp.status, resp.ctype, resp.body, resp.len);
	free(resp.body);
	params_release(&req.params);
	sbuf_release(&req.body);
	free(jb);
	pthread_mutex_lock(&p->mtx);
	if (--p->inflight == 0)
		pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

/* Refuses a message outside the grammar: logged, answered 400. */
static void
refuse(struct parent *p, const struct imsg_hdr *h, const char *why)
{
	char body[400];
	json_t *j;
	char *s;

	log_warnx("privsep: refused message %llu from the network process: "
	    "%s", (unsigned long long)h->id, why);
	snprintf(body, sizeof(body), "refused by the node's privileged "
	    "process: %s", why);
	j = json_pack("{s:s}", "error", body);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	respond(p, h->id, 400, "application/json", s, strlen(s));
	free(s);
}

static void *
reader_run(void *arg)
{
	struct parent *p = arg;
	struct imsg_hdr h;
	char *payload, err[256];
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* rpc_serve() runs the same handlers httpd's threads ran */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	while ((rc = imsg_read(&p->ib, &h, &payload)) == 1) {
		struct job *jb;

		if (imsg_request_check(&h, payload, err, sizeof(err)) == -1) {
			refuse(p, &h, err);
			free(payload);
			continue;
		}
		pthread_mutex_lock(&p->mtx);
		if (p->inflight >= PARENT_INFLIGHT_MAX) {
			pthread_mutex_unlock(&p->mtx);
			refuse(p, &h, "too many requests at once");
			free(payload);
			continue;
		}
		p->inflight++;
		pthread_mutex_unlock(&p->mtx);
		jb = xcalloc(1, sizeof(*jb));
		jb->p = p;
		jb->id = h.id;
		jb->payload = payload;
		jb->len = h.len;
		if (pthread_create(&t, &attr, job_run, jb) != 0)
			fatalx("pthread_create");
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_lock(&p->mtx);
	if (!p->stopping) {
		/* a broken channel, or the network process is gone: the
		 * agent stops rather than run deaf (its supervisor starts
		 * it again) */
		if (rc == -1)
			log_warn("privsep: channel to the network process");
		else
			log_warnx("privsep: the network process is gone");
		p->a->net_lost = 1;
		kill(getpid(), SIGTERM);
	}
	pthread_mutex_unlock(&p->mtx);
	return NULL;
}

void
parent_start(struct node_agent *a, int fd)
{
	struct parent *p = xcalloc(1, sizeof(*p));

	p->a = a;
	imsg_init(&p->ib, fd);
	pthread_mutex_init(&p->mtx, NULL);
	pthread_cond_init(&p->idle, NULL);
	a->parent = p;
	if (pthread_create(&p->reader, NULL, reader_run, p) != 0)
		fatalx("pthread_create");
}

void
parent_stop(struct node_agent *a, pid_t net)
{
	struct parent *p = a->parent;

	if (p == NULL) {
		netproc_stop(net);
		return;
	}
	pthread_mutex_lock(&p->mtx);
	p->stopping = 1;
	pthread_mutex_unlock(&p->mtx);
	netproc_stop(net);
	/* wakes the reader */
	shutdown(p->ib.fd, SHUT_RDWR);
	pthread_join(p->reader, NULL);
	pthread_mutex_lock(&p->mtx);
	while (p->inflight > 0)
		pthread_cond_wait(&p->idle, &p->mtx);
	pthread_mutex_unlock(&p->mtx);
	close(p->ib.fd);
	free(p);
	a->parent = NULL;
}

int
parent_send_cert(struct node_agent *a, const char *cert, const char *key)
{
	struct parent *p = a->parent;
	struct imsg_cert ic;
	size_t cl = strlen(cert), kl = strlen(key);
	char *buf;
	int rc;

	if (p == NULL)
		return -1;
	ic.cert_len = (uint32_t)cl;
	ic.key_len = (uint32_t)kl;
	buf = xmalloc(cl + kl);
	memcpy(buf, cert, cl);
	memcpy(buf + cl, key, kl);
	rc = imsg_compose(&p->ib, IMSG_CERT, 0, &ic, sizeof(ic), buf,
	    cl + kl);
	explicit_bzero(buf, cl + kl);
	free(buf);
	return rc;
}
