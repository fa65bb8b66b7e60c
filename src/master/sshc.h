/* sshc.h - the master's SSH client (libssh), for enrolling nodes
 * (docs/internals/enroll.md).
 *
 * A session is connected and authenticated by sshc_open and ended by
 * sshc_close, which frees it.  Host keys are trusted on first use: an
 * unknown key is written to the known-hosts file only once the login
 * took, a known one must match, and a changed one is refused.  No
 * password or private key given to sshc_open is kept. */
#ifndef HF_SSHC_H
#define HF_SSHC_H

#include <stddef.h>

#include "../common/sbuf.h"

struct sshc;

/* Why sshc_open failed. */
enum sshc_fail {
	SSHC_OK,
	SSHC_CONNECT,		/* no SSH server reached */
	SSHC_HOSTKEY,		/* the host key is not the recorded one */
	SSHC_AUTH,		/* the password or key was refused */
	SSHC_ERROR,		/* anything else */
};

struct sshc_login {
	const char	*user;
	const char	*password;	/* or NULL */
	const char	*key_pem;	/* an OpenSSH private key, or NULL */
	const char	*hostkey;	/* a changed host key's fingerprint to
					 * accept in place of the recorded
					 * one, or NULL */
};

/*
 * Connects to addr:port (timeout_s for the connection and each read),
 * checks the host key against known_hosts and logs in.  The session, or
 * NULL with *fail and a message for people in err.  fpr gets the host
 * key's SHA256 fingerprint and *isnew whether it was recorded now.
 */
struct sshc	*sshc_open(const char *known_hosts, const char *addr, int port,
		    const struct sshc_login *, int timeout_s,
		    enum sshc_fail *fail, char fpr[128], int *isnew, char *err,
		    size_t errlen);
void		 sshc_close(struct sshc *);
/*
 * Removes the lines of host addr, port from the known hosts file path
 * (libssh writes `addr` for port 22, `[addr]:port` otherwise, unhashed),
 * through a new file renamed over it.  0, or -1 with err.
 */
int		 sshc_known_forget(const char *path, const char *addr,
		    int port, char *err, size_t errlen);

/* Called with the output so far while a command runs. */
typedef void	(*sshc_progress_fn)(void *arg, const char *out);

/*
 * Runs cmd in a channel of its own, sends in (inlen bytes, may be 0) on
 * its standard input and then its end, and appends what it writes
 * (standard output and error) to out, keeping the last cap bytes.  Gives
 * up after limit_s seconds, or when *stop becomes set.  Returns its exit
 * status (0-255), or -1 with the reason appended to out.
 */
int		 sshc_run(struct sshc *, const char *cmd, const void *in,
		    size_t inlen, struct sbuf *out, int limit_s,
		    volatile int *stop, sshc_progress_fn, void *arg);

/*
 * The master's own key, an ed25519 pair made once in dir (id_ed25519,
 * mode 0600): pub gets its public line ("ssh-ed25519 BASE64 comment").
 * 0, or -1 with err.
 */
int		 sshc_master_key(const char *dir, char *pub, size_t publen,
		    char *err, size_t errlen);
/* The master's private key as OpenSSH PEM (the caller frees), or NULL. */
char		*sshc_master_key_pem(const char *dir);

/* Single-quotes s for a POSIX shell into b; 0 or -1 (cap). */
int		 sshc_quote(struct sbuf *b, const char *s);

#endif
