/* call.h - `hostfleet call`, the command line client of the API (like
 * ISPmanager's mgrctl), and the same call for other programs (demo). */
#ifndef HF_CALL_H
#define HF_CALL_H

#include "../common/sbuf.h"

struct call_target {
	char	 url[256];	/* https://host:port, without /ispmgr */
	char	 cafile[600];
	char	 key[128];	/* the local key, or "" */
	char	 authinfo[300];	/* name:password, or "" */
	int	 insecure;
};

/* Sets t from a master's state dir (api.url, ca.pem, local.key); every
 * other field is cleared. */
int	 call_target_from_state(struct call_target *, const char *state_dir);
/* The size of call_api's errtype. */
#define CALL_ERRTYPE_MAX	64

/*
 * Calls func with n "key=value" arguments in format out.  Returns 0 with
 * the answer in *answer (caller releases), 1 when the answer is an API
 * error (its type in errtype, CALL_ERRTYPE_MAX bytes), -1 when no answer
 * came.
 */
int	 call_api(const struct call_target *, const char *func,
	    const char *out, char **args, int n, struct sbuf *answer,
	    char *errtype);

int	 call_main(int argc, char **argv);

#endif
