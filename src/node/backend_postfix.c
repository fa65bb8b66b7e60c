/* backend_postfix.c - the mail sender access maps: texthash tables that
 * Postfix reads as `check_sender_access texthash:...` (smtpd_sender_
 * restrictions, set by the node's wiring); no postmap step is needed, but
 * a texthash table is read when a process starts, so a new one is in
 * effect once Postfix has reloaded.  Every pattern passed sysdata.c's
 * grammar before rendering. */
#include "backend.h"
#include "node.h"
#include "svcctl.h"

static int
map_ok(struct node_agent *a, const char *path, char *err, size_t errlen)
{
	(void)a; (void)path; (void)err; (void)errlen;
	return 0;
}

static int
map_activate(struct node_agent *a, const char *path, char *err,
    size_t errlen)
{
	(void)path;
	if (!a->conf.services)
		return 0;
	if (svcctl_ready(a, "mail", 2000, err, errlen) == -1)
		return -1;
	return svcctl_reload(a, U_POSTFIX, err, errlen);
}

const struct backend backend_postfix_whitelist = {
	"whitelist", map_ok, map_activate, NULL,
};

const struct backend backend_postfix_blacklist = {
	"blacklist", map_ok, map_activate, NULL,
};
