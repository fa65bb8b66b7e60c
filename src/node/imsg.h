/* imsg.h - the messages between the node agent's two processes, in the
 * manner of OpenSMTPD's imsg.
 *
 * The network process (netproc.c, unprivileged) turns every request of the
 * master into one IMSG_REQUEST; the privileged parent (parent.c) checks it
 * against the grammar below, does the work and answers with one
 * IMSG_RESPONSE carrying the same id.  The channel is a SOCK_STREAM
 * socketpair: a message is an imsg_hdr and len bytes of payload.  A stream
 * and not SOCK_SEQPACKET, because a full-state push may be far larger than
 * a socket buffer; each side writes a whole message under a lock, so that
 * messages of concurrent requests never interleave.
 *
 * The grammar, which imsg_request_check() enforces in the parent:
 *   IMSG_READY     net -> parent, once at start: struct imsg_ready
 *   IMSG_REQUEST   net -> parent: struct imsg_request, then body_len
 *                  bytes of body; call a known rpc_call with one of its
 *                  methods, dtype a system data type index exactly for
 *                  the calls that name one, roles canonical, the
 *                  master's clock stamp (clock, sent_ms) both 0 or both
 *                  set and only on a poll (RPC_STATS), the body
 *                  empty for GET and a JSON object for POST
 *   IMSG_RESPONSE  parent -> net: struct imsg_response, then body_len
 *                  bytes of body
 *   IMSG_CERT      parent -> net, after a renewal (renew.c): struct
 *                  imsg_cert, then the new certificate and key (PEM),
 *                  which the server takes for its next handshakes
 * Anything else is refused with an IMSG_RESPONSE 400 and logged; a header
 * whose length passes IMSG_MAX_PAYLOAD ends the channel (it cannot be
 * skipped safely), and with it the agent. */
#ifndef HF_IMSG_H
#define HF_IMSG_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/valid.h"

enum imsg_type {
	IMSG_READY = 1,
	IMSG_REQUEST,
	IMSG_RESPONSE,
	IMSG_CERT,
};

struct imsg_hdr {
	uint32_t	 type;		/* enum imsg_type */
	uint32_t	 len;		/* bytes of payload after the header */
	uint64_t	 id;		/* the request a response answers */
};

/* The calls of the master <-> node protocol (rpc.c, udata.c). */
enum rpc_call {
	RPC_STATS = 1,
	RPC_SYS,		/* /v1/sys/TYPE */
	RPC_SYNC,		/* /v1/sync/TYPE */
	RPC_SERVICES,
	RPC_SERVICES_RESTART,
	RPC_UD,
	RPC_UD_FORGET,
	RPC_ACCOUNT,
	RPC_ACCOUNT_DELETE,
	RPC_NCALLS
};

enum rpc_method {
	RPC_GET = 1,
	RPC_POST = 2,
};

#define IMSG_PEER_MAX	64
#define IMSG_CTYPE_MAX	48
/* The body of a request: httpd's cap on the node's requests. */
#define IMSG_BODY_MAX	(64u << 20)
#define IMSG_MAX_PAYLOAD	(IMSG_BODY_MAX + 4096)

struct imsg_ready {
	int32_t		 port;		/* the port the node listens on */
};

struct imsg_request {
	uint16_t	 call;		/* enum rpc_call */
	uint16_t	 method;	/* enum rpc_method */
	int16_t		 dtype;		/* sd_types[] index, -1 for none */
	uint16_t	 has_roles;	/* the master said ?roles= */
	char		 roles[ROLES_MAX];	/* NUL-terminated */
	char		 peer[IMSG_PEER_MAX];	/* client address, for logs */
	int64_t		 clock;		/* the master's ?clock= (peerclock.h),
					 * 0 for none */
	int64_t		 sent_ms;	/* and its ?sent_ms= */
	uint32_t	 body_len;
};
_Static_assert(sizeof(struct imsg_request) + IMSG_BODY_MAX <=
    IMSG_MAX_PAYLOAD, "the largest request fits a message");

struct imsg_response {
	int32_t		 status;	/* HTTP status */
	char		 ctype[IMSG_CTYPE_MAX];	/* NUL-terminated */
	uint32_t	 body_len;
};

struct imsg_cert {
	uint32_t	 cert_len;
	uint32_t	 key_len;
};

/* One end of the channel: writes are whole messages under wmtx. */
struct imsgbuf {
	int		 fd;
	pthread_mutex_t	 wmtx;
};

void	 imsg_init(struct imsgbuf *, int fd);
/* Writes one message: hdr's type and id, the payload made of a (alen
 * bytes) then b (blen bytes).  0, or -1 with errno. */
int	 imsg_compose(struct imsgbuf *, uint32_t type, uint64_t id,
	    const void *a, size_t alen, const void *b, size_t blen);
/* Reads one message; *payload (malloc'd, the caller frees it, NUL-
 * terminated past len) holds hdr->len bytes.  Called by one reader at a
 * time.  1, 0 at the end of the channel, or -1 (errno; EMSGSIZE for a
 * length past IMSG_MAX_PAYLOAD). */
int	 imsg_read(struct imsgbuf *, struct imsg_hdr *, char **payload);

/* The call of an HTTP method and path of the protocol: the rpc_call, with
 * *dtype the type index for /v1/sys/ and /v1/sync/ (else -1); 0 for a
 * path the protocol does not have, -1 for a method the call does not take. */
int	 rpc_call_of(const char *method, const char *url, int *dtype);
/* The canonical method and path of a checked call, for the handlers. */
const char *rpc_call_method(enum rpc_method);
void	 rpc_call_path(enum rpc_call, int dtype, char *out, size_t outlen);

/* Checks a request message against the grammar: 0, or -1 with err. */
int	 imsg_request_check(const struct imsg_hdr *, const char *payload,
	    char *err, size_t errlen);

#endif
