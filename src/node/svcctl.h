/* svcctl.h - the services a node runs for its roles: nginx and PHP-FPM
 * (web), named (dns), Postfix and Dovecot (mail).
 *
 * A node with a role owns that role's services (DESIGN.md §2): it wires
 * its generated files into each service's main configuration (one marked
 * line, or for Postfix `postconf -e` with the previous values kept), starts
 * the service when it is not running, reloads it after every change and
 * confirms that the change is in effect before the change is answered.
 *
 * Two ways to drive a service, chosen once at start:
 *   systemd  the host root is "/" and systemd runs: systemctl start,
 *            reload and restart of the Debian units;
 *   direct   otherwise: the node runs the daemon itself with the main
 *            configuration under its host root R (written by the node
 *            when R has none, bound to the node's service address), and
 *            signals it through the pid file under R.  Several nodes can
 *            so run side by side on one machine, each with its own
 *            instances.
 * Either way the pid file under R tells whether the service runs, and the
 * confirmation of a reload is the same (svcctl.c). */
#ifndef HF_SVCCTL_H
#define HF_SVCCTL_H

#include <stddef.h>

#include <jansson.h>

struct node_agent;

enum unit { U_NGINX, U_PHPFPM, U_NAMED, U_POSTFIX, U_DOVECOT, U_N };

#define UNIT_BIT(u)	(1u << (u))

/* The PHP version the node runs pools for. */
#define PHP_VERSION	"8.2"

const char	*unit_name(enum unit);
const char	*unit_role(enum unit);
/* The unit called name, or -1. */
int		 unit_by_name(const char *name);

/* Reads the roles the node had (state dir) and sets its services up, at
 * start. */
void	 svcctl_init(struct node_agent *);
/* The roles as the master gave them ("web,dns"): a new role's services are
 * wired and started, a dropped role's unwired, in the background. */
void	 svcctl_roles(struct node_agent *, const char *roles);
/* Waits until the services of role are set up (at most timeout_ms);
 * 0, or -1 with err. */
int	 svcctl_ready(struct node_agent *, const char *role, int timeout_ms,
	    char *err, size_t errlen);
void	 svcctl_stop_all(struct node_agent *);
/* Stops every service running with its pid file under root (a node's
 * host root of its own), waiting a bounded time. */
void	 svcctl_stop_root(const char *root);

/* "running", "stopped" (installed, not running) or "absent". */
const char *svcctl_state(struct node_agent *, enum unit);
/* {"nginx": {"role", "state", "pid", "setup"}, ...} for the node's
 * roles. */
json_t	*svcctl_list(struct node_agent *);

/* Reloads u and waits until the new configuration serves.  An error when
 * the service is not running or did not take the change.  0 or -1. */
int	 svcctl_reload(struct node_agent *, enum unit, char *err,
	    size_t errlen);
/* DNS: makes named serve zones as in want ({"NAME": serial}) where they
 * differ from had (zones in had and not in want go): reconfig for zones
 * that came or went, a reload of each changed zone, then waits until
 * named answers every zone with its serial.  0 or -1. */
int	 svcctl_named_sync(struct node_agent *, const json_t *had,
	    const json_t *want, char *err, size_t errlen);
/* Stops u when it runs, then starts it.  0 or -1. */
int	 svcctl_restart(struct node_agent *, enum unit, char *err,
	    size_t errlen);

/* The group of the web server's workers (www-data), or -1. */
long	 svcctl_web_gid(void);
/* The id of a group of the machine, or -1. */
long	 svcctl_group(const char *);

#endif
