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
map_activate(struct btx *tx, char *err, size_t errlen)
{
	struct node_agent *a = tx->a;

	if (!a->conf.services)
		return 0;
	if (svcctl_ready(a, "mail", 2000, err, errlen) == -1)
		return -1;
	return svcctl_reload(a, U_POSTFIX, err, errlen);
}

const struct backend backend_postfix_whitelist = {
	"whitelist", 0, sdfile_render, sdfile_none, sdfile_install,
	map_activate, sdfile_rollback, NULL,
};

const struct backend backend_postfix_blacklist = {
	"blacklist", 0, sdfile_render, sdfile_none, sdfile_install,
	map_activate, sdfile_rollback, NULL,
};
