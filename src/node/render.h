/* render.h - the pure renderers of the user-data backends (backend_web,
 * backend_dns, backend_mail in svc_web.c, svc_dns.c, svc_mail.c), for
 * them and for the unit tests and the fuzzers.
 *
 * Items are the JSON objects the node keeps (docs/internals/userdata.md
 * gives their members); every field has already passed uvalid.h/valid.h,
 * and the renderers still escape or refuse anything that could break out of
 * its place in a file.  root is the host root ("" for /).  Each returns 0,
 * or -1 with err when the item cannot be rendered safely. */
#ifndef HF_RENDER_H
#define HF_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "../common/sbuf.h"

/* A site of the owner's account; extra, when not NULL, the
 * nginx_site_extra template.  A site whose owner's account has "active":
 * false answers 503. */
int	 render_nginx_site(const json_t *site, const json_t *account,
	    const char *root, const char *extra, struct sbuf *out, char *err,
	    size_t errlen);
int	 render_zone(const json_t *zone, struct sbuf *out, char *err,
	    size_t errlen);
/* The four mail files: Postfix virtual_mailbox_domains,
 * virtual_mailbox_maps and virtual_alias_maps sources, and Dovecot's
 * passwd-file of users; a suspended owner's mailboxes are left out.
 * accounts: an object name -> account item. */
int	 render_mail(const json_t *domains, const json_t *mailboxes,
	    const json_t *accounts, const char *root, struct sbuf *vdomains,
	    struct sbuf *vmailboxes, struct sbuf *valiases,
	    struct sbuf *dovecot_users, char *err, size_t errlen);

#endif
