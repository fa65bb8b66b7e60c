/* imsg.c - see imsg.h. */
#include "imsg.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../common/sysdata.h"
#include "../common/util.h"

/* The protocol's calls: one row each, read by both processes. */
static const struct {
	enum rpc_call	 call;
	const char	*path;
	int		 prefix;	/* a type name follows the path */
	unsigned	 methods;	/* 1 << enum rpc_method */
} calls[] = {
	{ RPC_STATS, "/v1/stats", 0, 1 << RPC_GET },
	{ RPC_SYS, "/v1/sys/", 1, 1 << RPC_POST },
	{ RPC_SYNC, "/v1/sync/", 1, 1 << RPC_POST },
	{ RPC_SERVICES, "/v1/services", 0, 1 << RPC_GET | 1 << RPC_POST },
	{ RPC_SERVICES_RESTART, "/v1/services/restart", 0, 1 << RPC_POST },
	{ RPC_UD, "/v1/ud", 0, 1 << RPC_POST },
	{ RPC_UD_FORGET, "/v1/ud/forget", 0, 1 << RPC_POST },
	{ RPC_ACCOUNT, "/v1/account", 0, 1 << RPC_POST },
	{ RPC_ACCOUNT_DELETE, "/v1/account/delete", 0, 1 << RPC_POST },
};
_Static_assert(sizeof(calls) / sizeof(calls[0]) == RPC_NCALLS - 1,
    "one row per call");

void
imsg_init(struct imsgbuf *ib, int fd)
{
	ib->fd = fd;
	pthread_mutex_init(&ib->wmtx, NULL);
}

int
imsg_compose(struct imsgbuf *ib, uint32_t type, uint64_t id, const void *a,
    size_t alen, const void *b, size_t blen)
{
	struct imsg_hdr h;
	struct iovec iov[3];
	struct msghdr mh;
	ssize_t n;
	int i = 0, rc = 0;

	if (alen + blen > IMSG_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = (uint32_t)(alen + blen);
	h.id = id;
	iov[0] = (struct iovec){ &h, sizeof(h) };
	iov[1] = (struct iovec){ (void *)a, alen };
	iov[2] = (struct iovec){ (void *)b, blen };
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	pthread_mutex_lock(&ib->wmtx);
	while (i < 3) {
		if (iov[i].iov_len == 0) {
			i++;
			continue;
		}
		mh.msg_iov = iov + i;
		mh.msg_iovlen = (size_t)(3 - i);
		if ((n = sendmsg(ib->fd, &mh, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
			break;
		}
		/* a short write: move past what went */
		while (i < 3 && (size_t)n >= iov[i].iov_len) {
			n -= (ssize_t)iov[i].iov_len;
			iov[i++].iov_len = 0;
		}
		if (i < 3) {
			iov[i].iov_base = (char *)iov[i].iov_base + n;
			iov[i].iov_len -= (size_t)n;
		}
	}
	pthread_mutex_unlock(&ib->wmtx);
	return rc;
}

/* Reads exactly len bytes: 1, 0 at the end of the channel, -1. */
static int
read_full(int fd, void *buf, size_t len)
{
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		if ((n = read(fd, (char *)buf + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			if (off == 0)
				return 0;
			errno = EPIPE;	/* cut inside a message */
			return -1;
		}
		off += (size_t)n;
	}
	return 1;
}

int
imsg_read(struct imsgbuf *ib, struct imsg_hdr *h, char **payload)
{
	int rc;

	*payload = NULL;
	if ((rc = read_full(ib->fd, h, sizeof(*h))) != 1)
		return rc;
	if (h->len > IMSG_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	*payload = xmalloc((size_t)h->len + 1);
	if ((rc = read_full(ib->fd, *payload, h->len)) != 1) {
		free(*payload);
		*payload = NULL;
		if (rc == 0)
			errno = EPIPE;
		return -1;
	}
	(*payload)[h->len] = '\0';
	return 1;
}

int
rpc_call_of(const char *method, const char *url, int *dtype)
{
	const struct dtype *t;
	size_t i, n;
	int m;

	*dtype = -1;
	m = strcmp(method, "GET") == 0 ? RPC_GET :
	    strcmp(method, "POST") == 0 ? RPC_POST : 0;
	for (i = 0; i < nitems(calls); i++) {
		n = strlen(calls[i].path);
		if (calls[i].prefix ? strncmp(url, calls[i].path, n) != 0 :
		    strcmp(url, calls[i].path) != 0)
			continue;
		if (calls[i].prefix) {
			if ((t = sd_type(url + n)) == NULL)
				return 0;
			*dtype = sd_type_index(t);
		}
		return m != 0 && (calls[i].methods & (1u << m)) ? (int)calls[i].call :
		    -1;
	}
	return 0;
}

const char *
rpc_call_method(enum rpc_method m)
{
	return m == RPC_GET ? "GET" : "POST";
}

void
rpc_call_path(enum rpc_call c, int dtype, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < nitems(calls); i++)
		if (calls[i].call == c)
			snprintf(out, outlen, "%s%s", calls[i].path,
			    calls[i].prefix ? sd_types[dtype].name : "");
}

/* 1 when s holds a NUL within len bytes. */
static int
terminated(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

int
imsg_request_check(const struct imsg_hdr *h, const char *payload, char *err,
    size_t errlen)
{
	struct imsg_request r;
	char canon[ROLES_MAX], verr[VALID_ERR_MAX];
	json_t *j;
	size_t i;

	if (h->type != IMSG_REQUEST) {
		snprintf(err, errlen, "unknown message type %u", h->type);
		return -1;
	}
	if (h->len < sizeof(r)) {
		snprintf(err, errlen, "request of %u bytes: shorter than its "
		    "header", h->len);
		return -1;
	}
	memcpy(&r, payload, sizeof(r));
	if (r.body_len != h->len - sizeof(r) || r.body_len > IMSG_BODY_MAX) {
		snprintf(err, errlen, "request body of %u bytes in a message "
		    "of %u", r.body_len, h->len);
		return -1;
	}
	for (i = 0; i < nitems(calls); i++)
		if (calls[i].call == r.call)
			break;
	if (i == nitems(calls)) {
		snprintf(err, errlen, "unknown call %u", r.call);
		return -1;
	}
	if ((r.method != RPC_GET && r.method != RPC_POST) ||
	    (calls[i].methods & (1u << r.method)) == 0) {
		snprintf(err, errlen, "call %s: method %u not allowed",
		    calls[i].path, r.method);
		return -1;
	}
	if (calls[i].prefix ? r.dtype < 0 || (size_t)r.dtype >= sd_ntypes :
	    r.dtype != -1) {
		snprintf(err, errlen, "call %s: data type %d", calls[i].path,
		    r.dtype);
		return -1;
	}
	if (r.clock < 0 || r.sent_ms < 0 || (r.clock == 0 && r.sent_ms) ||
	    (r.clock && r.call != RPC_STATS)) {
		snprintf(err, errlen, "call %u: malformed clock stamp",
		    (unsigned)r.call);
		return -1;
	}
	if (!terminated(r.roles, sizeof(r.roles)) ||
	    !terminated(r.peer, sizeof(r.peer)) || r.has_roles > 1 ||
	    (!r.has_roles && r.roles[0] != '\0') ||
	    (r.has_roles && (valid_roles("roles", r.roles, canon, verr) == -1 ||
	    strcmp(canon, r.roles) != 0))) {
		snprintf(err, errlen, "call %s: malformed roles or peer",
		    calls[i].path);
		return -1;
	}
	if (r.method == RPC_GET) {
		if (r.body_len != 0) {
			snprintf(err, errlen, "call %s: a GET with a body",
			    calls[i].path);
			return -1;
		}
		return 0;
	}
	j = json_loadb(payload + sizeof(r), r.body_len, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		snprintf(err, errlen, "call %s: the body is not a JSON object",
		    calls[i].path);
		return -1;
	}
	json_decref(j);
	return 0;
}
