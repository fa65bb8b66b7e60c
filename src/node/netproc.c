/* netproc.c - the node agent's network process.
 *
 * The privileged parent forks it once it has loaded the node's TLS
 * credentials.  It binds the agent's port, gives up everything else and
 * serves the master's HTTPS requests: each one, after httpd.c has checked
 * the master's client certificate, becomes one IMSG_REQUEST to the parent
 * (imsg.h), and the parent's IMSG_RESPONSE becomes the HTTP answer.  It
 * writes no file, runs no program, and holds only its standard streams,
 * the channel and its sockets:
 *   - user PRIV_USER_NET (privsep.h), no supplementary groups;
 *   - root changed to STATE_DIR/empty, an empty directory owned by root;
 *   - no_new_privs, and a seccomp filter that fails execve and execveat;
 *   - killed with its parent (PR_SET_PDEATHSIG), and it exits when the
 *     channel ends;
 *   - stdin and stdout on /dev/null, stderr the parent's (the log).
 * It leaves with _exit(): LeakSanitizer needs /proc, which is not in its
 * root; the sanitizers' other checks run as everywhere. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "../common/httpd.h"
#include "../common/log.h"
#include "../common/privsep.h"
#include "../common/tls.h"
#include "../common/util.h"
#include "imsg.h"
#include "node.h"

/* A request of this process waiting for its answer. */
struct waiter {
	uint64_t	 id;
	int		 done;
	char		*payload;	/* the IMSG_RESPONSE, NULL: refused */
	size_t		 len;
	pthread_cond_t	 cv;
	struct waiter	*next;
};

static struct imsgbuf	 net_ib;
static pthread_mutex_t	 net_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct waiter	*net_waiting;
static uint64_t		 net_next_id;

/*
 * Sends one message of type with payload a then b and waits for the
 * answer with its id; *payload (the caller frees it) gets the answer's
 * payload.  A channel that breaks ends the process: the parent is gone.
 */
static void
net_call(uint32_t type, const void *a, size_t alen, const void *b,
    size_t blen, char **payload, size_t *len)
{
	struct waiter w;

	memset(&w, 0, sizeof(w));
	pthread_cond_init(&w.cv, NULL);
	pthread_mutex_lock(&net_mtx);
	w.id = ++net_next_id;
	w.next = net_waiting;
	net_waiting = &w;
	pthread_mutex_unlock(&net_mtx);
	if (imsg_compose(&net_ib, type, w.id, a, alen, b, blen) == -1) {
		log_warn("privsep: channel to the parent");
		_exit(1);
	}
	pthread_mutex_lock(&net_mtx);
	while (!w.done)
		pthread_cond_wait(&w.cv, &net_mtx);
	pthread_mutex_unlock(&net_mtx);
	pthread_cond_destroy(&w.cv);
	*payload = w.payload;
	*len = w.len;
}

/* The server, once it runs: a renewed certificate goes to it. */
static struct httpd	*net_httpd;

/* A renewed certificate and its key from the parent (IMSG_CERT). */
static void
net_cert(const char *payload, size_t len)
{
	struct imsg_cert ic;
	struct httpd *h = __atomic_load_n(&net_httpd, __ATOMIC_ACQUIRE);
	char *cert, *key, err[256];

	if (len < sizeof(ic)) {
		log_warnx("privsep: short certificate message");
		return;
	}
	memcpy(&ic, payload, sizeof(ic));
	if ((size_t)ic.cert_len + ic.key_len != len - sizeof(ic)) {
		log_warnx("privsep: malformed certificate message");
		return;
	}
	cert = xstrndup(payload + sizeof(ic), ic.cert_len);
	key = xstrndup(payload + sizeof(ic) + ic.cert_len, ic.key_len);
	if (h == NULL)
		log_warnx("privsep: a certificate before the server runs");
	else if (httpd_set_cert(h, cert, key, err, sizeof(err)) == -1)
		log_warnx("certificate renewal: the agent keeps serving the "
		    "old certificate: %s", err);
	explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
}

/* Hands each answer to the request waiting for it. */
static void *
net_reader(void *arg)
{
	struct imsg_hdr h;
	struct waiter **wp;
	char *payload;
	int rc;

	(void)arg;
	while ((rc = imsg_read(&net_ib, &h, &payload)) == 1) {
		if (h.type == IMSG_CERT) {
			net_cert(payload, h.len);
			free(payload);
			continue;
		}
		if (h.type != IMSG_RESPONSE) {
			log_warnx("privsep: message of type %u from the "
			    "parent", h.type);
			_exit(1);
		}
		pthread_mutex_lock(&net_mtx);
		for (wp = &net_waiting; *wp && (*wp)->id != h.id;
		    wp = &(*wp)->next)
			;
		if (*wp == NULL) {
			log_warnx("privsep: answer %llu to no request",
			    (unsigned long long)h.id);
			_exit(1);
		}
		(*wp)->payload = payload;
		(*wp)->len = h.len;
		(*wp)->done = 1;
		pthread_cond_signal(&(*wp)->cv);
		*wp = (*wp)->next;
		pthread_mutex_unlock(&net_mtx);
	}
	/* the parent is gone, or stops: so does this process */
	if (rc == -1)
		log_warn("privsep: channel to the parent");
	_exit(rc == 0 ? 0 : 1);
}

/*
 * Turns an IMSG_RESPONSE into the HTTP answer; a malformed one is a 500.
 * Takes payload.
 */
static void
net_answer(char *payload, size_t len, struct http_resp *resp)
{
	struct imsg_response r;

	if (len < sizeof(r)) {
		free(payload);
		http_resp_error(resp, 500, "malformed answer of the parent");
		return;
	}
	memcpy(&r, payload, sizeof(r));
	if (r.body_len != len - sizeof(r) || r.status < 100 ||
	    r.status > 599 || memchr(r.ctype, '\0', sizeof(r.ctype)) == NULL) {
		free(payload);
		http_resp_error(resp, 500, "malformed answer of the parent");
		return;
	}
	memmove(payload, payload + sizeof(r), (size_t)r.body_len + 1);
	http_resp_set(resp, r.status, strcmp(r.ctype, "application/json") ==
	    0 ? "application/json" : "text/plain", payload, r.body_len);
}

/* httpd's handler: the request, checked for its form, to the parent. */
static void
net_forward(struct http_req *req, struct http_resp *resp, void *arg)
{
	struct imsg_request r;
	const char *roles;
	char err[VALID_ERR_MAX], *payload;
	size_t len;
	int call, dtype;

	(void)arg;
	memset(&r, 0, sizeof(r));
	if ((call = rpc_call_of(req->method, req->url, &dtype)) == 0) {
		http_resp_error(resp, 404, "no such call");
		return;
	}
	if (call == -1) {
		http_resp_error(resp, 405, "method not allowed");
		return;
	}
	if (req->params.err[0]) {
		http_resp_error(resp, 400, req->params.err);
		return;
	}
	if (req->body_err[0]) {
		http_resp_error(resp, 413, req->body_err);
		return;
	}
	if ((roles = params_get(&req->params, "roles")) != NULL) {
		if (valid_roles("roles", roles, r.roles, err) == -1) {
			http_resp_error(resp, 400, err);
			return;
		}
		r.has_roles = 1;
	}
	/* a poll's stamp of the master's clock (peerclock.h) */
	if (call == RPC_STATS && params_get(&req->params, "clock") != NULL) {
		int64_t ck, sent;

		if (valid_int("clock", params_get(&req->params, "clock"), 1,
		    INT64_MAX, &ck, err) == -1 || valid_int("sent_ms",
		    params_get_def(&req->params, "sent_ms", ""), 0, INT64_MAX,
		    &sent, err) == -1) {
			http_resp_error(resp, 400, err);
			return;
		}
		r.clock = ck;
		r.sent_ms = sent;
	}
	r.call = (uint16_t)call;
	r.method = strcmp(req->method, "GET") == 0 ? RPC_GET : RPC_POST;
	r.dtype = (int16_t)dtype;
	strlcpy_hf(r.peer, req->client_addr, sizeof(r.peer));
	r.body_len = (uint32_t)req->body.len;
	net_call(IMSG_REQUEST, &r, sizeof(r), req->body.buf, req->body.len,
	    &payload, &len);
	net_answer(payload, len, resp);
}

/*
 * HOSTFLEET_TEST_PRIVSEP=1 (tests only): once serving, this process puts
 * messages outside the grammar to the parent, and tries to run a program,
 * and logs what became of each (tests/e2e/0045-privsep.sh).
 */
static void
net_selftest(void)
{
	struct imsg_request r;
	char *payload, *argv[] = { "/bin/true", NULL };
	size_t len;
	int i;

	for (i = 0; i < 4; i++) {
		memset(&r, 0, sizeof(r));
		r.method = RPC_POST;
		r.dtype = -1;
		switch (i) {
		case 0:		/* a type the grammar does not have */
			net_call(99, "x", 1, NULL, 0, &payload, &len);
			break;
		case 1:		/* a call the grammar does not have */
			r.call = 77;
			net_call(IMSG_REQUEST, &r, sizeof(r), NULL, 0,
			    &payload, &len);
			break;
		case 2:		/* a body that is not JSON */
			r.call = RPC_SYNC;
			r.dtype = 0;
			r.body_len = 8;
			net_call(IMSG_REQUEST, &r, sizeof(r), "not json", 8,
			    &payload, &len);
			break;
		default:	/* roles that are not canonical */
			r.call = RPC_STATS;
			r.method = RPC_GET;
			r.has_roles = 1;
			strlcpy_hf(r.roles, "root", sizeof(r.roles));
			net_call(IMSG_REQUEST, &r, sizeof(r), NULL, 0,
			    &payload, &len);
			break;
		}
		log_info("privsep test: message %d answered %d", i,
		    len >= sizeof(struct imsg_response) ?
		    ((struct imsg_response *)payload)->status : -1);
		free(payload);
	}
	execv(argv[0], argv);
	log_warn("privsep test: execv \"%s\"", argv[0]);
}

/* Makes STATE_DIR/empty, the root of this process: a directory of root's
 * that nobody else may write, and empty.  0 or -1. */
static int
empty_dir(const struct node_conf *c, char *path, size_t pathlen)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int n = 0;

	snprintf(path, pathlen, "%s/empty", c->state_dir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		log_warn("\"%s\"", path);
		return -1;
	}
	if (lstat(path, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & 022) != 0 ||
	    (d = opendir(path)) == NULL) {
		log_warnx("\"%s\": not a directory of root's that only root "
		    "may write", path);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	if (n > 0) {
		log_warnx("\"%s\": not empty", path);
		return -1;
	}
	return 0;
}

/* Closes every descriptor but stderr (the log), chan and lfd; stdin and
 * stdout become /dev/null. */
static void
close_others(int chan, int lfd)
{
	struct dirent *de;
	DIR *d;
	int fd;

	if ((fd = open("/dev/null", O_RDWR)) == -1 || dup2(fd, 0) == -1 ||
	    dup2(fd, 1) == -1)
		fatal("/dev/null");
	if (fd > 2)
		close(fd);
	if ((d = opendir("/proc/self/fd")) == NULL)
		fatal("/proc/self/fd");
	while ((de = readdir(d)) != NULL) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd <= 2 || fd == chan ||
		    fd == lfd || fd == dirfd(d))
			continue;
		close(fd);
	}
	closedir(d);
}

/* Binds the agent's port; a network process of a killed agent may hold
 * it still, for as long as it takes to die of its parent's death. */
static int
net_listen(const struct node_conf *c)
{
	char err[256];
	int i, fd;

	for (i = 0; i < 50; i++) {
		if ((fd = httpd_listen(c->addr, c->port, err, sizeof(err))) !=
		    -1 || errno != EADDRINUSE)
			break;
		usleep(100000);
	}
	if (fd == -1)
		log_warnx("%s", err);
	return fd;
}

/* The network process: never returns. */
static void __attribute__((noreturn))
net_main(const struct node_conf *c, pid_t ppid, int chan, char *cert,
    char *key, char *ca)
{
	struct httpd_conf hc;
	struct imsg_ready rd;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char root[NODE_PATH_MAX], err[256];
	pthread_t rt;
	sigset_t set;
	uid_t uid;
	gid_t gid;
	int lfd, sig;

	prctl(PR_SET_NAME, "hostfleet-net");
	log_init("node-net", c->verbose);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0) {
		log_warnx("the node agent starts as root: its network process "
		    "gives root up, its parent writes the services' files");
		_exit(1);
	}
	if ((lfd = net_listen(c)) == -1 || empty_dir(c, root,
	    sizeof(root)) == -1)
		_exit(1);
	if (priv_user(PRIV_USER_NET, &uid, &gid, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	close_others(chan, lfd);
	if (priv_drop(uid, gid, root, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	/* the credentials' change cleared it: set after */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != ppid)
		_exit(0);
	if (priv_noexec(err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		_exit(1);
	}
	imsg_init(&net_ib, chan);
	if (pthread_create(&rt, NULL, net_reader, NULL) != 0)
		fatalx("pthread_create");
	memset(&hc, 0, sizeof(hc));
	hc.addr = c->addr;
	hc.port = c->port;
	hc.listen_fd = lfd;
	hc.cert_pem = cert;
	hc.key_pem = key;
	hc.trust_pem = ca;
	hc.peer_cn = TLS_MASTER_CN;
	hc.max_body = IMSG_BODY_MAX;
	hc.conn_limit = 64;
	hc.handler = net_forward;
	memset(&rd, 0, sizeof(rd));
	if (getsockname(lfd, (struct sockaddr *)&ss, &sl) == 0)
		rd.port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port);
	/* ready before any request: the parent takes it as the first
	 * message; a failure to serve after it ends the channel */
	if (imsg_compose(&net_ib, IMSG_READY, 0, &rd, sizeof(rd), NULL, 0) ==
	    -1)
		_exit(1);
	{
		struct httpd *h;

		if ((h = httpd_start(&hc, err, sizeof(err))) == NULL) {
			log_warnx("%s", err);
			_exit(1);
		}
		__atomic_store_n(&net_httpd, h, __ATOMIC_RELEASE);
	}
	explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
	free(ca);
	if (getenv("HOSTFLEET_TEST_PRIVSEP") != NULL)
		net_selftest();
	sigwait(&set, &sig);
	_exit(0);
}

pid_t
netproc_start(const struct node_conf *c, char *cert, char *key, char *ca,
    int *fd, int *port)
{
	struct imsgbuf ib;
	struct imsg_hdr h;
	struct imsg_ready rd;
	char *payload;
	pid_t pid, ppid = getpid();
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("socketpair");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("fork");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		net_main(c, ppid, sv[1], cert, key, ca);
	}
	close(sv[1]);
	/* the first message says it listens; none means it could not */
	imsg_init(&ib, sv[0]);
	if (imsg_read(&ib, &h, &payload) != 1 || h.type != IMSG_READY ||
	    h.len != sizeof(rd)) {
		if (payload)
			free(payload);
		log_warnx("the network process did not start");
		close(sv[0]);
		netproc_stop(pid);
		return -1;
	}
	memcpy(&rd, payload, sizeof(rd));
	free(payload);
	pthread_mutex_destroy(&ib.wmtx);
	*fd = sv[0];
	*port = rd.port;
	return pid;
}

void
netproc_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
		;
}
