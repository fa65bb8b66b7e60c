/* svc.h - the user-data services of a node: nginx server blocks, BIND zone
 * files, Postfix virtual maps and Dovecot users, rendered from the node's
 * store into files under the node's host root (conf.root).
 *
 * Items are the JSON objects the node keeps (docs/internals/userdata.md
 * gives their members); every field has already passed uvalid.h/valid.h,
 * and the renderers still escape or refuse anything that could break out of
 * its place in a file.
 *
 * Each svc_*_apply() takes the complete wanted set of its service and makes
 * the files say exactly that: it renders every file, writes only those that
 * differ to temporary names, checks the result with the service's own
 * checker (nginx -t, named-checkzone, postmap and postfix/postconf,
 * doveconf), then renames them into place and removes the files of items
 * that are gone.  When a check fails nothing is renamed or removed and the
 * live files stay as they were.  Returns 0, or -1 with a message for people
 * in err.  Callers serialise the calls of one service.
 *
 * How an apply renders is given by a struct svc_how (NULL: no templates,
 * install): tpl is the template set {slot: body} of sysdata.h, whose lines
 * go into every file of their slot; with check_only set, the files are
 * staged and checked as usual and then dropped, nothing is installed,
 * made or swept (the templates backend checks a new set so). */
#ifndef HF_SVC_H
#define HF_SVC_H

#include <jansson.h>
#include <stddef.h>

#include "../common/sbuf.h"

struct node_agent;

struct svc_how {
	const json_t	*tpl;		/* {slot: body}, or NULL */
	int		 check_only;
};

/* The template of slot in how in *body (NULL: none); the renderers check
 * it against its grammar again (sysdata.h).  0, or -1 with err. */
int	 svc_tpl(const struct svc_how *, const char *slot, const char **body,
	    char *err, size_t errlen);

/* accounts: an object name -> account item; a site or mailbox whose
 * owner's account has "active": false is rendered stopped (a site answers
 * 503, a suspended owner's mailboxes neither receive nor log in). */
int	 svc_web_apply(struct node_agent *, const json_t *sites,
	    const json_t *accounts, const struct svc_how *, char *err,
	    size_t errlen);
int	 svc_dns_apply(struct node_agent *, const json_t *zones,
	    char *err, size_t errlen);
int	 svc_mail_apply(struct node_agent *, const json_t *domains,
	    const json_t *mailboxes, const json_t *accounts,
	    const struct svc_how *, char *err, size_t errlen);

/* The pure renderers, for the unit tests and the fuzzers.  root is the
 * host root ("" for /); extra, when not NULL, the nginx_site_extra
 * template.  Each returns 0, or -1 with err when the item cannot be
 * rendered safely. */
int	 render_nginx_site(const json_t *site, const json_t *account,
	    const char *root, const char *extra, struct sbuf *out, char *err,
	    size_t errlen);
int	 render_zone(const json_t *zone, struct sbuf *out, char *err,
	    size_t errlen);
/* The four mail files: Postfix virtual_mailbox_domains,
 * virtual_mailbox_maps and virtual_alias_maps sources, and Dovecot's
 * passwd-file of users. */
int	 render_mail(const json_t *domains, const json_t *mailboxes,
	    const json_t *accounts, const char *root, struct sbuf *vdomains,
	    struct sbuf *vmailboxes, struct sbuf *valiases,
	    struct sbuf *dovecot_users, char *err, size_t errlen);

#endif
