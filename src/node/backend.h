/* backend.h - how a node puts one data type into effect, behind one small
 * interface chosen by the type's name (OpenSMTPD's queue_backend).
 *
 * apply.c renders the file of a type (sysdata.h), writes it next to the
 * live one, asks the backend to check it with the service's own checker,
 * renames it into place and asks the backend to activate it; if activation
 * fails the previous file is put back and activated again.  Both calls
 * return 0, or -1 with a message for people in err. */
#ifndef HF_BACKEND_H
#define HF_BACKEND_H

#include <jansson.h>
#include <stddef.h>

struct node_agent;

struct backend {
	const char	*type;
	int		(*check)(struct node_agent *, const char *path,
			    char *err, size_t errlen);
	int		(*activate)(struct node_agent *, const char *path,
			    char *err, size_t errlen);
	/* Whether the running service has exactly these items in effect:
	 * 1 yes, 0 no.  NULL when the file is all there is to check. */
	int		(*verify)(struct node_agent *, const json_t *items);
};

const struct backend	*backend_for(const char *type);

extern const struct backend	backend_nft;
extern const struct backend	backend_cron;
extern const struct backend	backend_postfix_whitelist;
extern const struct backend	backend_postfix_blacklist;
extern const struct backend	backend_pkg;
extern const struct backend	backend_templates;

/* exec.c: runs argv (no shell) with a time limit, its output (both
 * streams, at most outlen-1 bytes) in out.  Returns the exit status, or -1
 * when it could not run or was killed. */
int	 run_cmd(char *const argv[], int timeout_ms, char *out, size_t outlen);
/* The same, keeping the end of the output instead of its beginning. */
int	 run_cmd_tail(char *const argv[], int timeout_ms, char *out,
	    size_t outlen);

#endif
