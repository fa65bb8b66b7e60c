/* renew.c - the node's certificate renewed before it expires.
 *
 * A node's certificate lives node_cert_lifetime_s (the master's setting).
 * At two thirds of the life it had when the node got it (node.pem's
 * modification time), a thread makes a new key and CSR and sends the CSR to
 * the master's POST /v1/node/renew, authenticated by the current
 * certificate.  The new key and certificate replace the old ones by rename,
 * the agent's server presents the new certificate from its next handshake
 * on, and a GET /v1/node/cert with it tells the master the node has it:
 * the master refuses the old one from then on.  A failed attempt is tried
 * again later, more often as the end comes near; an expired certificate
 * cannot be renewed, and the node must join again with a token.
 *
 * A renewal writes node.key.new and node.pem.new, then renames the key and
 * then the certificate into place; cert_recover() at the next start
 * finishes one that a stop cut short, or drops it when the certificate was
 * not written yet. */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../common/httpc.h"
#include "../common/log.h"
#include "../common/tls.h"
#include "../common/util.h"
#include "node.h"

/* t as "YYYY-MM-DD HH:MM:SS UTC" in buf. */
static const char *
utc(time_t t, char buf[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

static void
state_path(const struct node_conf *c, const char *name, char *out,
    size_t outlen)
{
	snprintf(out, outlen, "%s/%s", c->state_dir, name);
}

void
cert_recover(const struct node_conf *c)
{
	char key[NODE_PATH_MAX], keynew[NODE_PATH_MAX];
	char pem[NODE_PATH_MAX], pemnew[NODE_PATH_MAX];
	struct stat st;

	state_path(c, "node.key", key, sizeof(key));
	state_path(c, "node.key.new", keynew, sizeof(keynew));
	state_path(c, "node.pem", pem, sizeof(pem));
	state_path(c, "node.pem.new", pemnew, sizeof(pemnew));
	if (stat(pemnew, &st) == 0) {
		/* both new files were written: the key, if still there, then
		 * the certificate go into place */
		if (stat(keynew, &st) == 0 && rename(keynew, key) == -1)
			log_warn("\"%s\"", keynew);
		else if (rename(pemnew, pem) == -1)
			log_warn("\"%s\"", pemnew);
		else
			log_info("finished the renewal of the node certificate "
			    "that a stop cut short");
	} else if (unlink(keynew) == 0)
		log_info("dropped a renewal of the node certificate that a "
		    "stop cut short");
}

/* What a call to the master needs: its URL and key pin (identity.json). */
struct master_ref {
	char	 url[300];
	char	 pin[80];
};

static int
master_ref(const struct node_conf *c, struct master_ref *mr)
{
	char path[NODE_PATH_MAX];
	const char *url, *pin;
	json_t *j;
	int rc = -1;

	state_path(c, "identity.json", path, sizeof(path));
	if ((j = json_load_file(path, 0, NULL)) == NULL)
		return -1;
	if (json_unpack(j, "{s:s,s:s}", "master", &url, "master_pin",
	    &pin) == 0 && strncmp(url, "https://", 8) == 0) {
		strlcpy_hf(mr->url, url, sizeof(mr->url));
		strlcpy_hf(mr->pin, pin, sizeof(mr->pin));
		rc = 0;
	}
	json_decref(j);
	return rc;
}

/*
 * One call to the master with the node's certificate files, checking the
 * master by its key pin; 0 with the answer in r (the caller releases it),
 * -1 with a message in err.  A refusal is -1 too, with the master's reason.
 */
static int
master_call(const struct node_conf *c, const struct master_ref *mr,
    const char *path, const char *body, struct hreq *r, char *err,
    size_t errlen)
{
	char url[400], cert[NODE_PATH_MAX], key[NODE_PATH_MAX];
	struct httpc_tls tls;
	json_t *j;
	const char *e;

	snprintf(url, sizeof(url), "%s%s", mr->url, path);
	state_path(c, "node.pem", cert, sizeof(cert));
	state_path(c, "node.key", key, sizeof(key));
	memset(&tls, 0, sizeof(tls));
	tls.certfile = cert;
	tls.keyfile = key;
	hreq_init(r, url, 5000);
	r->pin = mr->pin;
	if (body) {
		r->body = body;
		r->body_len = strlen(body);
		r->ctype = "application/json";
	}
	if (httpc_do(&tls, r) == -1) {
		snprintf(err, errlen, "%s: %s", mr->url, r->err);
		return -1;
	}
	if (r->status == 200)
		return 0;
	j = json_loadb(sbuf_str(&r->resp), r->resp.len, 0, NULL);
	e = j ? json_string_value(json_object_get(j, "error")) : NULL;
	snprintf(err, errlen, "refused by the master (HTTP %ld): %s",
	    r->status, e ? e : "?");
	json_decref(j);
	return -1;
}

/* Tells the master the node has the certificate of serial: its first use
 * makes it current there.  0 or -1 with err. */
static int
confirm(const struct node_conf *c, const struct master_ref *mr,
    const char *serial, char *err, size_t errlen)
{
	struct hreq r;
	json_t *j = NULL;
	const char *got;
	int rc = -1;

	if (master_call(c, mr, "/v1/node/cert", NULL, &r, err, errlen) == 0) {
		j = json_loadb(sbuf_str(&r.resp), r.resp.len, 0, NULL);
		got = j ? json_string_value(json_object_get(j, "serial")) :
		    NULL;
		if (got && strcmp(got, serial) == 0)
			rc = 0;
		else
			snprintf(err, errlen, "the master sees another "
			    "certificate: %s", got ? got : "?");
	}
	json_decref(j);
	hreq_release(&r);
	return rc;
}

static int
renew_once(struct node_agent *a, const struct master_ref *mr)
{
	const struct node_conf *c = &a->conf;
	char err[512], serial[TLS_SERIAL_MAX];
	char key[NODE_PATH_MAX], keynew[NODE_PATH_MAX];
	char pem[NODE_PATH_MAX], pemnew[NODE_PATH_MAX];
	char *kpem = NULL, *csr = NULL, *body = NULL, when[32];
	const char *cert;
	json_t *req, *ans = NULL;
	struct hreq r;
	time_t nb, na;
	int rc = -1;

	if (tls_make_csr("hostfleet-node", &kpem, &csr, err, sizeof(err)) ==
	    -1) {
		log_warnx("certificate renewal: %s", err);
		return -1;
	}
	req = json_pack("{s:s}", "csr", csr);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (master_call(c, mr, "/v1/node/renew", body, &r, err,
	    sizeof(err)) == -1) {
		log_warnx("certificate renewal: %s", err);
		goto out;
	}
	ans = json_loadb(sbuf_str(&r.resp), r.resp.len, 0, NULL);
	if (ans == NULL || json_unpack(ans, "{s:s}", "cert", &cert) != 0 ||
	    tls_cert_serial(cert, serial, sizeof(serial)) == -1 ||
	    tls_cert_times(cert, &nb, &na) == -1) {
		log_warnx("certificate renewal: malformed answer from the "
		    "master");
		goto out;
	}
	state_path(c, "node.key", key, sizeof(key));
	state_path(c, "node.key.new", keynew, sizeof(keynew));
	state_path(c, "node.pem", pem, sizeof(pem));
	state_path(c, "node.pem.new", pemnew, sizeof(pemnew));
	if (write_state(c, "node.key.new", kpem, 0600) == -1 ||
	    write_state(c, "node.pem.new", cert, 0644) == -1)
		goto out;
	if (rename(keynew, key) == -1 || rename(pemnew, pem) == -1) {
		log_warn("certificate renewal: cannot put the new files in "
		    "place in \"%s\"", c->state_dir);
		goto out;
	}
	/* the network process serves it (privsep.md) */
	if (parent_send_cert(a, cert, kpem) == -1)
		log_warn("certificate renewal: the agent keeps serving the "
		    "old certificate: the network process");
	log_info("renewed the node certificate: serial %s, valid until %s",
	    serial, utc(na, when));
	if (confirm(c, mr, serial, err, sizeof(err)) == -1)
		/* the master keeps accepting the old one meanwhile, and
		 * the next call with this one confirms it */
		log_warnx("certificate renewal: not confirmed yet: %s", err);
	rc = 0;
out:
	hreq_release(&r);
	if (kpem)
		sodium_memzero(kpem, strlen(kpem));
	free(kpem);
	free(csr);
	free(body);
	json_decref(ans);
	return rc;
}

/*
 * When to renew the certificate of cert_path: at two thirds of the life it
 * had when the node got it; 0 with *at and *not_after, -1 when it cannot be
 * read.
 */
static int
renew_time(const char *cert_path, time_t *at, time_t *not_after)
{
	struct stat st;
	char *pem;
	time_t nb, got;
	int rc;

	if ((pem = file_read(cert_path, 65536, NULL)) == NULL)
		return -1;
	rc = tls_cert_times(pem, &nb, not_after);
	free(pem);
	if (rc == -1 || stat(cert_path, &st) == -1)
		return -1;
	got = st.st_mtime < nb ? nb : st.st_mtime;
	*at = got >= *not_after ? got : got + (*not_after - got) * 2 / 3;
	return 0;
}

/* Waits until t (wall clock) or the stop; 1 when stopped. */
static int
wait_until(struct node_agent *a, time_t t)
{
	struct timespec ts;
	int stop;

	/* the wall clock: a certificate's end is a date */
	ts.tv_sec = t;
	ts.tv_nsec = 0;
	pthread_mutex_lock(&a->cert_mtx);
	while (!a->cert_stop && time(NULL) < t)
		if (pthread_cond_timedwait(&a->cert_cv, &a->cert_mtx, &ts) ==
		    ETIMEDOUT)
			break;
	stop = a->cert_stop;
	pthread_mutex_unlock(&a->cert_mtx);
	return stop;
}

static void *
cert_loop(void *arg)
{
	struct node_agent *a = arg;
	struct master_ref mr;
	char path[NODE_PATH_MAX], err[512], *pem, when[32];
	char serial[TLS_SERIAL_MAX];
	time_t at, na, now, left;
	int failures = 0;

	if (master_ref(&a->conf, &mr) == -1) {
		log_warnx("certificate renewal: no master in identity.json; "
		    "the node certificate will not be renewed");
		return NULL;
	}
	state_path(&a->conf, "node.pem", path, sizeof(path));
	/* a renewal whose confirmation a stop cut short is confirmed now;
	 * a node the master refuses says so at once */
	if ((pem = file_read(path, 65536, NULL)) != NULL &&
	    tls_cert_serial(pem, serial, sizeof(serial)) == 0 &&
	    confirm(&a->conf, &mr, serial, err, sizeof(err)) == -1)
		log_warnx("node certificate %s: %s", serial, err);
	free(pem);
	for (;;) {
		if (renew_time(path, &at, &na) == -1) {
			log_warnx("certificate renewal: cannot read \"%s\"",
			    path);
			return NULL;
		}
		now = time(NULL);
		if (na <= now) {
			log_warnx("the node certificate expired at %s and "
			    "cannot be renewed with it: join the cluster "
			    "again with a new token (hostfleet node join "
			    "MASTER TOKEN)", utc(na, when));
			return NULL;
		}
		if (failures > 0) {
			/* again in a tenth of what is left, 1 s to 60 s */
			left = (na - now) / 10;
			at = now + (left < 1 ? 1 : left > 60 ? 60 : left);
		}
		if (wait_until(a, at))
			return NULL;
		if (renew_once(a, &mr) == 0)
			failures = 0;
		else
			failures++;
	}
}

void
cert_start(struct node_agent *a)
{
	pthread_mutex_init(&a->cert_mtx, NULL);
	pthread_cond_init(&a->cert_cv, NULL);
	if (pthread_create(&a->cert_thr, NULL, cert_loop, a) != 0)
		fatal("pthread_create");
}

void
cert_stop(struct node_agent *a)
{
	pthread_mutex_lock(&a->cert_mtx);
	a->cert_stop = 1;
	pthread_cond_signal(&a->cert_cv);
	pthread_mutex_unlock(&a->cert_mtx);
	pthread_join(a->cert_thr, NULL);
}
