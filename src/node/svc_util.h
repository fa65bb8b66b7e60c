/* svc_util.h - what the three user-data services (svc_web.c, svc_dns.c,
 * svc_mail.c) share: their own strict checks of the fields they place in
 * files (they do not rely on uvalid.c having run), the staged set of files
 * of one apply, and the private directory a checker runs in. */
#ifndef HF_SVC_UTIL_H
#define HF_SVC_UTIL_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- field checks: 0, or -1 with err naming what and quoting s ---- */

/* A host name: 1..253 bytes of [a-z0-9-_] labels of 1..63 joined by '.',
 * no trailing dot, no label starting or ending with '-'; with wild set the
 * leftmost label may be "*".  Safe as a file name and unquoted in nginx,
 * BIND and Postfix files. */
int	 svc_check_host(const char *what, const char *s, int wild, char *err,
	    size_t errlen);
/* An account name: 1..32 of [a-z0-9_-], starting with a letter or '_'. */
int	 svc_check_user(const char *what, const char *s, char *err,
	    size_t errlen);
/* An address LOCAL@HOST: local 1..64 of [a-z0-9._+-] without leading,
 * trailing or doubled '.', host by svc_check_host. */
int	 svc_check_addr(const char *what, const char *s, char *err,
	    size_t errlen);
/* A path relative to a data directory: 1..200 bytes, segments of
 * [A-Za-z0-9._-] separated by single '/', no "." or ".." segment. */
int	 svc_check_relpath(const char *what, const char *s, char *err,
	    size_t errlen);
/* The host root: "" or an absolute path of [A-Za-z0-9._/+-] without a
 * ".." segment, so it can stand unquoted in every generated file. */
int	 svc_check_root(const char *root, char *err, size_t errlen);

/* The template of slot in tpl ({slot: body}, or NULL) in *body (NULL:
 * none); the renderers check it against its grammar again (sysdata.h).
 * 0, or -1 with err. */
int	 svc_tpl(const json_t *tpl, const char *slot, const char **body,
	    char *err, size_t errlen);
/* The string member k of o, or NULL when absent or not a string. */
const char *svc_str(const json_t *o, const char *k);
/* The members of a set given as an array or an object of items, as a new
 * array sorted by their "name" (the caller decrefs); NULL when set is
 * neither. */
json_t	*svc_items(const json_t *set);

/* ---- the files of one apply ---- */

struct svc_file {
	char	*live;		/* where the file lives */
	char	*tmp;		/* the staged file, NULL when unchanged */
	mode_t	 mode;
	int	 with_db;	/* tmp.db goes over live.db too */
};

struct svc_tx {
	struct svc_file	*f;
	size_t		 n;
	size_t		 alloc;
};

void	 svc_tx_init(struct svc_tx *);
/* Stages data for live: when live differs (or force is set) the data is
 * written to ".NAME.new" next to it, which svc_tx_path() then names.
 * Makes the directory.  0 or -1 with err. */
int	 svc_tx_stage(struct svc_tx *, const char *live, const char *data,
	    size_t len, mode_t mode, int force, char *err, size_t errlen);
/* The path a checker should read for live: the staged file, or live. */
const char *svc_tx_path(const struct svc_tx *, const char *live);
/* Whether live was staged with new content. */
int	 svc_tx_changed(const struct svc_tx *, const char *live);
/* Whether any file was staged with new content. */
int	 svc_tx_any(const struct svc_tx *);
/* Marks live's staged file as having a postmap .db to install too. */
void	 svc_tx_with_db(struct svc_tx *, const char *live);
/* Renames every staged file into place, in the order staged.  0 or -1. */
int	 svc_tx_commit(struct svc_tx *, char *err, size_t errlen);
/* Removes what is still staged (after a failed check) and frees. */
void	 svc_tx_release(struct svc_tx *);
/* Removes the files of dir ending in suffix (and their .db with db set)
 * that the transaction does not hold: the items that went.  Dot files are
 * left alone.  How many went, or -1 with err. */
int	 svc_tx_sweep(const struct svc_tx *, const char *dir,
	    const char *suffix, int db, char *err, size_t errlen);

/* ---- checkers ---- */

/* Makes a private directory for a checker's own files under /tmp, path
 * (PATH_MAX bytes) gets its name; rmtree() removes it.  0 or -1 with
 * err. */
int	 svc_tmpdir(char *path, size_t len, char *err, size_t errlen);
/* Runs argv (no shell) and returns its exit status, or -1; out gets its
 * output on one line, cut before the first occurrence of cut (when not
 * NULL and not at the start) and trimmed. */
int	 svc_run(char *const argv[], char *out, size_t outlen,
	    const char *cut);

#endif
