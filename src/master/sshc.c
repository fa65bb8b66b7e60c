/* sshc.c - see sshc.h: libssh sessions, host keys trusted on first use,
 * commands with their input and output, the master's key. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>

#include "../common/log.h"
#include "../common/util.h"
#include "sshc.h"

struct sshc {
	ssh_session	 s;
};

/* The SHA256 fingerprint of the server's key into fpr; 0 or -1. */
static int
server_fpr(ssh_session s, char fpr[128])
{
	ssh_key k = NULL;
	unsigned char *h = NULL;
	size_t hl;
	char *f;

	fpr[0] = '\0';
	if (ssh_get_server_publickey(s, &k) != SSH_OK)
		return -1;
	if (ssh_get_publickey_hash(k, SSH_PUBLICKEY_HASH_SHA256, &h, &hl) !=
	    0) {
		ssh_key_free(k);
		return -1;
	}
	if ((f = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, h,
	    hl)) != NULL) {
		snprintf(fpr, 128, "%s", f);
		ssh_string_free_char(f);
	}
	ssh_clean_pubkey_hash(&h);
	ssh_key_free(k);
	return fpr[0] ? 0 : -1;
}

/* Logs in with the password or the key; SSHC_OK or SSHC_AUTH/ERROR. */
static enum sshc_fail
login(ssh_session s, const struct sshc_login *l, char *err, size_t errlen)
{
	ssh_key key = NULL;
	int rc;

	if (l->key_pem) {
		if (ssh_pki_import_privkey_base64(l->key_pem, NULL, NULL, NULL,
		    &key) != SSH_OK) {
			snprintf(err, errlen, "the private key cannot be read "
			    "(an OpenSSH or PEM private key without a "
			    "passphrase is needed)");
			return SSHC_AUTH;
		}
		rc = ssh_userauth_publickey(s, NULL, key);
		ssh_key_free(key);
	} else if (l->password)
		rc = ssh_userauth_password(s, NULL, l->password);
	else {
		snprintf(err, errlen, "no password and no key");
		return SSHC_AUTH;
	}
	if (rc == SSH_AUTH_SUCCESS)
		return SSHC_OK;
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL) {
		snprintf(err, errlen, "the %s of \"%s\" was refused",
		    l->key_pem ? "key" : "password", l->user);
		return SSHC_AUTH;
	}
	snprintf(err, errlen, "login as \"%s\": %s", l->user,
	    ssh_get_error(s));
	return SSHC_ERROR;
}

static pthread_mutex_t known_mtx = PTHREAD_MUTEX_INITIALIZER;

int
sshc_known_forget(const char *path, const char *addr, int port, char *err,
    size_t errlen)
{
	char name[128], tmp[700], *line = NULL;
	const char *h, *c, *e;
	size_t cap = 0, n;
	FILE *in, *out;
	int fd, drop;

	if (port == 22)
		snprintf(name, sizeof(name), "%s", addr);
	else
		snprintf(name, sizeof(name), "[%s]:%d", addr, port);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	if ((in = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1 ||
	    (out = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		fclose(in);
		return -1;
	}
	while (getline(&line, &cap, in) != -1) {
		/* the first field: hosts separated by commas */
		drop = 0;
		e = line + strcspn(line, " \t\n");
		for (h = line; h < e; h += n + 1) {
			c = memchr(h, ',', (size_t)(e - h));
			n = (size_t)((c ? c : e) - h);
			if (n == strlen(name) && memcmp(h, name, n) == 0)
				drop = 1;
		}
		if (!drop)
			fputs(line, out);
	}
	free(line);
	fclose(in);
	if (fflush(out) != 0 || fsync(fileno(out)) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(out);
		unlink(tmp);
		return -1;
	}
	fclose(out);
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

struct sshc *
sshc_open(const char *known_hosts, const char *addr, int port,
    const struct sshc_login *l, int timeout_s, enum sshc_fail *fail,
    char fpr[128], int *isnew, char *err, size_t errlen)
{
	ssh_session s;
	struct sshc *c;
	long t = timeout_s;
	int no = 0, known, rc = 0;

	*isnew = 0;
	fpr[0] = '\0';
	*fail = SSHC_ERROR;
	if ((s = ssh_new()) == NULL) {
		snprintf(err, errlen, "ssh_new failed");
		return NULL;
	}
	/* nothing of the master's user (~/.ssh, its config, an agent) */
	if (ssh_options_set(s, SSH_OPTIONS_HOST, addr) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, l->user) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, known_hosts) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, known_hosts) !=
	    0 ||
	    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) != 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &t) != 0) {
		snprintf(err, errlen, "ssh options: %s", ssh_get_error(s));
		ssh_free(s);
		return NULL;
	}
	if (ssh_connect(s) != SSH_OK) {
		snprintf(err, errlen, "cannot connect to %s port %d: %s", addr,
		    port, ssh_get_error(s));
		*fail = SSHC_CONNECT;
		ssh_free(s);
		return NULL;
	}
	server_fpr(s, fpr);
	known = ssh_session_is_known_server(s);
	switch (known) {
	case SSH_KNOWN_HOSTS_OK:
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER:
		/* the admin saw the new key and accepts it */
		if (l->hostkey && fpr[0] && strcmp(l->hostkey, fpr) == 0) {
			*isnew = 2;
			break;
		}
		snprintf(err, errlen, "the host key of %s port %d changed: it "
		    "is now %s, not the one recorded at its first enrollment "
		    "in %s; if the machine was reinstalled, add it again with "
		    "hostkey=%s", addr, port, fpr, known_hosts, fpr);
		*fail = SSHC_HOSTKEY;
		goto bad;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		/* a key the admin named is the only one taken */
		if (l->hostkey && strcmp(l->hostkey, fpr) != 0) {
			snprintf(err, errlen, "the host key of %s port %d is "
			    "%s, not the hostkey= given", addr, port, fpr);
			*fail = SSHC_HOSTKEY;
			goto bad;
		}
		*isnew = 1;
		break;
	default:
		snprintf(err, errlen, "the known hosts %s cannot be read: %s",
		    known_hosts, ssh_get_error(s));
		goto bad;
	}
	if ((*fail = login(s, l, err, errlen)) != SSHC_OK)
		goto bad;
	/* trust on first use: recorded once the login took; an accepted
	 * new key replaces the old one.  Enrollments run at once: one
	 * writer of the file at a time, or a rewrite could drop a line
	 * appended meanwhile */
	if (*isnew) {
		pthread_mutex_lock(&known_mtx);
		if (*isnew == 2 && sshc_known_forget(known_hosts, addr, port,
		    err, errlen) == -1)
			rc = -1;
		else if (ssh_session_update_known_hosts(s) != SSH_OK) {
			snprintf(err, errlen, "cannot record the host key in "
			    "%s: %s", known_hosts, ssh_get_error(s));
			rc = -1;
		}
		pthread_mutex_unlock(&known_mtx);
		if (rc == -1) {
			*fail = SSHC_ERROR;
			goto bad;
		}
	}
	c = xcalloc(1, sizeof(*c));
	c->s = s;
	return c;
bad:
	ssh_disconnect(s);
	ssh_free(s);
	return NULL;
}

void
sshc_close(struct sshc *c)
{
	if (c == NULL)
		return;
	ssh_disconnect(c->s);
	ssh_free(c->s);
	free(c);
}

/* Appends len bytes to out, keeping its last cap bytes. */
static void
out_add(struct sbuf *out, const char *p, size_t len)
{
	size_t keep;

	if (sbuf_add(out, p, len) == 0)
		return;
	if (len >= out->cap / 2) {
		p += len - out->cap / 2;
		len = out->cap / 2;
	}
	keep = out->cap / 2 < out->len ? out->cap / 2 : out->len;
	memmove(out->buf, out->buf + out->len - keep, keep);
	out->len = keep;
	out->buf[keep] = '\0';
	sbuf_add(out, p, len);
}

int
sshc_run(struct sshc *c, const char *cmd, const void *in, size_t inlen,
    struct sbuf *out, int limit_s, volatile int *stop, sshc_progress_fn fn,
    void *arg)
{
	ssh_channel ch;
	char buf[4096];
	int64_t end = mono_ms() + (int64_t)limit_s * 1000;
	int n, st, i, rc = -1;

	if ((ch = ssh_channel_new(c->s)) == NULL ||
	    ssh_channel_open_session(ch) != SSH_OK ||
	    ssh_channel_request_exec(ch, cmd) != SSH_OK) {
		snprintf(buf, sizeof(buf), "\n(ssh: cannot run a command: "
		    "%s)\n", ssh_get_error(c->s));
		out_add(out, buf, strlen(buf));
		if (ch)
			ssh_channel_free(ch);
		return -1;
	}
	if (inlen > 0 && ssh_channel_write(ch, in, (uint32_t)inlen) !=
	    (int)inlen) {
		snprintf(buf, sizeof(buf), "\n(ssh: cannot send the input: "
		    "%s)\n", ssh_get_error(c->s));
		out_add(out, buf, strlen(buf));
		goto done;
	}
	ssh_channel_send_eof(ch);
	for (;;) {
		int got = 0;

		for (i = 0; i < 2; i++) {
			n = ssh_channel_read_timeout(ch, buf, sizeof(buf), i,
			    i == 0 ? 200 : 0);
			if (n == SSH_ERROR) {
				snprintf(buf, sizeof(buf), "\n(ssh: %s)\n",
				    ssh_get_error(c->s));
				out_add(out, buf, strlen(buf));
				goto done;
			}
			if (n > 0) {
				out_add(out, buf, (size_t)n);
				got = 1;
			}
		}
		if (got && fn)
			fn(arg, sbuf_str(out));
		if (!got && ssh_channel_is_eof(ch))
			break;
		if (stop && *stop) {
			out_add(out, "\n(stopped: the master is stopping)\n",
			    35);
			goto done;
		}
		if (mono_ms() > end) {
			snprintf(buf, sizeof(buf), "\n(gave up after %d s)\n",
			    limit_s);
			out_add(out, buf, strlen(buf));
			goto done;
		}
	}
	/* the exit status follows the end of the output */
	for (i = 0; i < 100; i++) {
		if ((st = ssh_channel_get_exit_status(ch)) != -1)
			break;
		ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, 100);
	}
	if (st == -1) {
		out_add(out, "\n(ssh: no exit status)\n", 23);
		goto done;
	}
	rc = st;
done:
	ssh_channel_close(ch);
	ssh_channel_free(ch);
	return rc;
}

int
sshc_master_key(const char *dir, char *pub, size_t publen, char *err,
    size_t errlen)
{
	char path[600], tmp[620], host[256];
	ssh_key key = NULL;
	char *b64 = NULL;
	int rc = -1;

	snprintf(path, sizeof(path), "%s/id_ed25519", dir);
	if (mkdirs(dir, 0700) == -1) {
		snprintf(err, errlen, "\"%s\": %s", dir, strerror(errno));
		return -1;
	}
	if (access(path, F_OK) == 0) {
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) !=
		    SSH_OK) {
			snprintf(err, errlen, "\"%s\": not a private key",
			    path);
			return -1;
		}
	} else {
		mode_t old;

		if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
			snprintf(err, errlen, "cannot make an ed25519 key");
			return -1;
		}
		snprintf(tmp, sizeof(tmp), "%s.new", path);
		old = umask(077);
		rc = ssh_pki_export_privkey_file(key, NULL, NULL, NULL, tmp);
		umask(old);
		if (rc != SSH_OK || rename(tmp, path) == -1) {
			snprintf(err, errlen, "\"%s\": cannot write the key",
			    path);
			unlink(tmp);
			ssh_key_free(key);
			return -1;
		}
		log_info("ssh: made the master's key %s", path);
	}
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK) {
		snprintf(err, errlen, "cannot export the public key");
		goto out;
	}
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "master");
	host[sizeof(host) - 1] = '\0';
	host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZ0123456789.-")] = '\0';
	if ((size_t)snprintf(pub, publen, "ssh-ed25519 %s hostfleet-master@%s",
	    b64, host) >= publen) {
		snprintf(err, errlen, "public key too long");
		goto out;
	}
	/* for people: the key to allow on a node by hand */
	snprintf(path, sizeof(path), "%s/id_ed25519.pub", dir);
	snprintf(tmp, sizeof(tmp), "%s\n", pub);
	if (file_write_atomic(path, tmp, strlen(tmp), 0644) == -1) {
		snprintf(err, errlen, "\"%s\": %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return rc;
}

char *
sshc_master_key_pem(const char *dir)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/id_ed25519", dir);
	return file_read(path, 16384, NULL);
}

int
sshc_quote(struct sbuf *b, const char *s)
{
	int rc = sbuf_addc(b, '\'');

	for (; *s && rc == 0; s++)
		rc = *s == '\'' ? sbuf_adds(b, "'\\''") : sbuf_addc(b, *s);
	return rc == 0 ? sbuf_addc(b, '\'') : -1;
}
