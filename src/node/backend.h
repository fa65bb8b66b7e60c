/* backend.h - how a node puts data into effect, behind one small interface
 * chosen by name (OpenSMTPD's queue_backend): a system data type of
 * sysdata.h ("firewall", "scheduler", ...; apply.c drives them) or a role
 * whose user data the node serves ("web", "dns", "mail"; udata.c drives
 * them).
 *
 * One change goes through the operations in order, on one struct btx:
 *   render    the wanted state into staged files next to the live ones;
 *   check     the staged files with the service's own checker;
 *   install   the staged files renamed into place, those of items that
 *             went removed;
 *   activate  the service reloaded on what is installed, and confirmed to
 *             serve it;
 *   rollback  after a failed activation: the last good state put back
 *             into place and activated again.
 * A failed render or check changes no live file; btx_release() removes
 * what is still staged.  User data is installed by each call and
 * activated once for a batch of calls (udata.c), so activate and rollback
 * get the states of the batch in tx->had and tx->want rather than what one
 * render staged.  Each operation returns 0, or -1 with a message for
 * people in err. */
#ifndef HF_BACKEND_H
#define HF_BACKEND_H

#include <jansson.h>
#include <limits.h>
#include <stddef.h>

#include "../common/sysdata.h"
#include "svc_util.h"

struct node_agent;
struct btx;

struct backend {
	const char	*name;
	unsigned	 units;	/* user data: the svcctl.h units it reloads */
	int	(*render)(struct btx *, const json_t *want, char *err,
		    size_t errlen);
	int	(*check)(struct btx *, char *err, size_t errlen);
	int	(*install)(struct btx *, char *err, size_t errlen);
	int	(*activate)(struct btx *, char *err, size_t errlen);
	int	(*rollback)(struct btx *, char *err, size_t errlen);
	/* Whether the running service has exactly these items in effect:
	 * 1 yes, 0 no.  NULL when the files are all there is to check. */
	int	(*verify)(struct node_agent *, const json_t *items);
};

/*
 * One change of one backend.  The states are what render takes: for a
 * system data type the array of its items; for user data the object
 * {KIND: [items], "account": {NAME: account}} (docs/internals/
 * userdata.md).  tx->had and tx->want are the caller's, never freed here.
 */
struct btx {
	struct node_agent	*a;
	const struct backend	*be;
	const json_t		*tpl;	/* templates {slot: body}, or NULL */
	int			 check_only; /* render and check only */
	const json_t		*had;	/* the state last made live */
	const json_t		*want;	/* the state being made live */
	struct svc_tx		 files;	/* what render staged */
	char			 tmp[PATH_MAX]; /* the checkers' directory */
	void			*priv;	/* the backend's, between its steps */
	void			(*priv_free)(void *);
};

/* The backend called name, or NULL. */
const struct backend	*backend_for(const char *name);

/* A change of be on the node's templates (a->tpl). */
void	 btx_init(struct btx *, struct node_agent *, const struct backend *);
/* Removes what is still staged and the checkers' directory. */
void	 btx_release(struct btx *);
/* Render, check and, unless tx->check_only, install want: the files say
 * exactly want, or on failure nothing live changed.  Not activated.
 * 0, or -1 with err. */
int	 backend_put(struct btx *, const json_t *want, char *err,
	    size_t errlen);

/* ---- shared steps ---- */

/* backend_file.c: a system data type is one file, R/TYPE-PATH
 * (sysdata.h), rendered by sd_render(); the last good file is its
 * previous content. */
/* The file of type's items (sorted here), or NULL; the caller frees. */
char	*sdfile_text(const char *type, json_t *items);
/* The live path of a type's file. */
void	 sdfile_live(struct node_agent *, const char *type, char *out,
	    size_t len);
/* After render: the staged file (to check) and the live one. */
const char *sdfile_staged(const struct btx *);
const char *sdfile_path(const struct btx *);
int	 sdfile_render(struct btx *, const json_t *want, char *err,
	    size_t errlen);
int	 sdfile_install(struct btx *, char *err, size_t errlen);
int	 sdfile_rollback(struct btx *, char *err, size_t errlen);
/* For a type with no checker, or nothing to reload. */
int	 sdfile_none(struct btx *, char *err, size_t errlen);

/* backend.c: the user-data services */
/* Reloads the backend's units whose files changed since their last
 * reload and confirms the others run; unit_live, when not NULL, does it
 * for each unit instead (dirty: its files changed).  tx->had, tx->want:
 * the states before and after. */
int	 svc_activate(struct btx *, int (*unit_live)(struct btx *, int unit,
	    int dirty, char *err, size_t errlen), char *err, size_t errlen);
/* Renders and installs tx->had again and activates it (from tx->want). */
int	 svc_rollback(struct btx *, char *err, size_t errlen);

extern const struct backend	backend_nft;
extern const struct backend	backend_cron;
extern const struct backend	backend_postfix_whitelist;
extern const struct backend	backend_postfix_blacklist;
extern const struct backend	backend_pkg;
extern const struct backend	backend_templates;
extern const struct backend	backend_web;
extern const struct backend	backend_dns;
extern const struct backend	backend_mail;

/* exec.c: runs argv (no shell) with a time limit, its output (both
 * streams) as one line in out: what does not fit is cut with a mark that
 * says how much, never silently.  Returns the exit status, or -1
 * when it could not run or was killed. */
int	 run_cmd(char *const argv[], int timeout_ms, char *out, size_t outlen);
/* The same, keeping the end of the output instead of its beginning. */
int	 run_cmd_tail(char *const argv[], int timeout_ms, char *out,
	    size_t outlen);
/* The whole output in out (its cap bounds it), as the command printed it:
 * for reading a listing.  The exit status, or -1 when the command could
 * not run, was killed, or printed more than the cap (out then says so). */
struct sbuf;
int	 run_cmd_all(char *const argv[], int timeout_ms, struct sbuf *out);

#endif
