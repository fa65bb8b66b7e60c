/* backend_postfix.c - the mail sender access maps: texthash tables that
 * Postfix reads as `check_sender_access texthash:...`; no postmap step is
 * needed.  Every pattern passed sysdata.c's grammar before rendering. */
#include "backend.h"

static int
map_ok(struct node_agent *a, const char *path, char *err, size_t errlen)
{
	(void)a; (void)path; (void)err; (void)errlen;
	return 0;
}

const struct backend backend_postfix_whitelist = {
	"whitelist", map_ok, map_ok, NULL,
};

const struct backend backend_postfix_blacklist = {
	"blacklist", map_ok, map_ok, NULL,
};
