/* node.h - the node agent. */
#ifndef HF_NODE_H
#define HF_NODE_H

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "../common/httpd.h"
#include "../common/peerclock.h"
#include "../common/sysdata.h"
#include "store.h"

struct node_conf {
	char	 state_dir[512];
	char	 addr[64];
	int	 port;
	char	 root[512];
	char	 join_url[256];
	char	 join_token[256];
	char	 netns[64];	/* run nft inside this network namespace */
	int	 nft;		/* 0: render and keep files only */
	int	 usage_interval_s; /* between measures of the homes */
	int	 drift_interval_s; /* between drift scans (0: never restore) */
	int	 services;	/* 0: render and check only, run nothing */
	char	 services_addr[64]; /* the services listen there ("": all) */
	int	 verbose;
};
/* A path made of state_dir or root and a file name under it. */
#define NODE_PATH_MAX	700
_Static_assert(NODE_PATH_MAX >= sizeof(((struct node_conf *)0)->state_dir) +
    64 && NODE_PATH_MAX >= sizeof(((struct node_conf *)0)->root) + 64,
    "a state or root path and a name fit");

/* What the node keeps per system data type. */
struct typestate {
	pthread_mutex_t	 mtx;		/* one apply of the type at a time */
	int64_t		 pushes;	/* full-state pushes received */
	int64_t		 applies;	/* changes that touched the files */
	/* the last apply_status() answer, and when it was made; c_gen
	 * counts the applies, so that an answer an apply overtook while it
	 * was being made is not kept */
	pthread_mutex_t	 cmtx;
	uint64_t	 c_gen;
	int64_t		 checked_ms;
	int64_t		 c_version;
	int		 c_intact;
	size_t		 c_items;
};

struct node_agent {
	struct node_conf	 conf;
	int64_t			 node_id;
	char			 name[64];
	char			 machine_id[64];
	struct parent		*parent;	/* parent.c: the channel */
	volatile int		 net_lost;	/* the network process died */
	struct nstore		*st;
	struct typestate	 types[SD_NTYPES];	/* by sd_type_index() */
	int64_t			 started;	/* mono_ms() at start */
	struct peerclock	 mclock;	/* the master's clock */
	/* set once the start-up (user data restored, services set up) is
	 * done, which runs while the node already answers; read with
	 * node_started() */
	int			 started_up;
	pthread_t		 start_thr;
	/* usage.c: bytes in each home, {"NAME": n}, and when measured */
	pthread_t		 usage_thr;
	pthread_mutex_t		 usage_mtx;
	pthread_cond_t		 usage_cv;
	int			 usage_stop;
	json_t			*usage;
	int64_t			 usage_at;
	/* svcctl.h units whose files changed since their last reload */
	unsigned		 svc_dirty;
	/* the templates the services are rendered with, {slot: body}
	 * (sysdata.h); replaced only with every service's lock held */
	json_t			*tpl;
	/* renew.c: the thread renewing the node's certificate */
	pthread_t		 cert_thr;
	pthread_mutex_t		 cert_mtx;
	pthread_cond_t		 cert_cv;
	int			 cert_stop;
};

/* rpc.c: whether the start-up (main.c) is done.  Before, the calls that need
 * the user data restored answer 503 (node_starting()). */
int	 node_started(struct node_agent *);
void	 node_starting(struct node_agent *, struct http_resp *);
/* renew.c: the node's certificate renewed before it expires.
 * cert_recover, at start before the certificate is read, finishes or drops
 * a renewal that a stop cut short; cert_start starts the thread that
 * renews it (after a->rpc is up: its server takes the new one), cert_stop
 * ends it. */
void	 cert_recover(const struct node_conf *);
/* join.c: writes data to state_dir/name by rename, with mode; 0, or -1
 * logged. */
int	 write_state(const struct node_conf *, const char *name,
	    const char *data, mode_t mode);
void	 cert_start(struct node_agent *);
void	 cert_stop(struct node_agent *);

/* apply.c */
/* Makes items (the full set) of type t at version the node's state: only
 * what differs is written, checked and activated.  The items of tocheck
 * (those that came from the network) are checked against their grammar
 * first.  0 or -1 with err. */
int	 apply_set(struct node_agent *, const struct dtype *, json_t *items,
	    const json_t *tocheck, int64_t version, char *err, size_t errlen);
/* The node's version of t and whether its file is what it should be. */
void	 apply_status(struct node_agent *, const struct dtype *,
	    int64_t *version, int *intact, size_t *nitems);

/* backend_pkg.c: the packages of the node's roles (the software type).
 * pkg_kick makes them those of the list in the store for roles (canonical;
 * NULL: the last ones given): it looks them up at once and has the
 * missing ones installed in the background; a failed install is tried
 * again only with retry, or when the list or the roles change. */
void	 pkg_kick(struct node_agent *, const char *roles, int retry);
/* How it goes: {"state": "installing"|"done"|"failed", "version",
 * "missing": [...], "step", "log", "since"}; the caller decrefs.
 * pkg_report looks again first when roles are not those it has. */
json_t	*pkg_state_json(void);
json_t	*pkg_report(struct node_agent *, const char *roles);

/* account.c: the OS accounts of the users whose data the node holds.
 * Each returns 0, or -1 with err. */
int	 account_check(const json_t *acct, char *err, size_t errlen);
/* Writes the passwd and group lines and makes the home directory.  ours:
 * the node made this account before; otherwise a name the system already
 * has is refused, never taken over. */
int	 account_apply(struct node_agent *, const json_t *acct, int ours,
	    char *err, size_t errlen);
/* Removes the account: its lines and crontab, then every process of uid
 * (killed until none is left), then the home directory with everything in
 * it, walked with tree_walk() so nothing outside it goes; only for an
 * account the node made. */
int	 account_remove(struct node_agent *, const char *name, uid_t uid,
	    char *err, size_t errlen);

/* udata.c: POST /v1/ud (one user-data function), /v1/ud/forget,
 * /v1/account and /v1/account/delete. */
void	 udata_serve(struct node_agent *, struct http_req *,
	    struct http_resp *);
/* Renders every service from the store, at start: files left by a crash
 * between a render and its store commit are put back in line.  Returns
 * how many services failed (each logged). */
int	 udata_restore(struct node_agent *);
/* Renders a role's services from the store, even with no data, so that
 * the files the services' wiring names exist.  0 or -1 with err. */
int	 udata_prepare(struct node_agent *, const char *role, char *err,
	    size_t errlen);
/* Checks the services in use with the templates tpl ({slot: body}),
 * installing nothing: their files rendered and put to their checkers in
 * private names.  0, or -1 with err. */
int	 udata_tpl_check(struct node_agent *, const json_t *tpl, char *err,
	    size_t errlen);
/* Makes tpl the node's templates: the services in use are rendered again
 * from the store with it and made live.  On failure some may be, others
 * not: the caller sets the previous templates the same way.  0, or -1
 * with err. */
int	 udata_tpl_set(struct node_agent *, json_t *tpl, char *err,
	    size_t errlen);
/* Starts the threads that reload each service after changes. */
void	 udata_start(struct node_agent *);
void	 udata_stop(struct node_agent *);

/* Renders service role ("web", "dns", "mail") again from the store when
 * its files drifted (drift.c) and makes it live, under the service's lock;
 * DNS zones whose files drifted are reloaded in named.  fixed, when not
 * NULL, gets the drifted paths relative to the host root (a new array;
 * NULL when there were none).  0, or -1 with err. */
int	 udata_repair(struct node_agent *, const char *role, json_t **fixed,
	    char *err, size_t errlen);

/* drift.c: user-data files changed by hand on the node, found by
 * comparing them with what the last render left (docs/operations.md) */
#define DRIFT_REPORT_MAX	8	/* paths per service in the stats */
/* Around every render of a service (backend_put), with its lock held;
 * ok: the render succeeded and its files are the ones to keep. */
void	 drift_render_begin(struct node_agent *, const char *role);
void	 drift_render_end(struct node_agent *, const char *role, int ok);
/* With the service's lock held: the paths of role that differ from its
 * last render, relative to the host root, sorted (a new array; empty:
 * none), or NULL when the service was never rendered here. */
json_t	*drift_scan_locked(struct node_agent *, const char *role);
/* The thread that restores drifted services every drift_interval_s (none
 * when it is 0). */
void	 drift_start(struct node_agent *);
void	 drift_stop(struct node_agent *);
/* The "drift" member of the stats: {"files": n, "paths": {"web": [...]},
 * "restored": n, "last_restored": [{service, path, at}], "restore": bool}
 * (a new object). */
json_t	*drift_json(struct node_agent *);

/* usage.c: the disk each user's home takes on the node */
#define USAGE_MAX_DEPTH	256		/* directories below the home */
#define USAGE_MAX_LINKS	1000000		/* hard-linked files remembered */
/* Bytes in the tree under dir (blocks allocated), never following a
 * symbolic link or leaving its file system, a hard-linked file once;
 * files, when not NULL, gets how many files and links there are.  0 when
 * the walk saw everything, 1 when it did not (bytes counts what it saw),
 * -1 with errno when dir is not a directory to walk (ENOTDIR for a link). */
int	 usage_measure(const char *dir, uint64_t *bytes, uint64_t *files);
/* The measuring thread: every usage_interval_s, every account's home. */
void	 usage_start(struct node_agent *);
void	 usage_stop(struct node_agent *);
/* The last figures (a reference to drop; never changed), and when they
 * were taken (0: not yet). */
json_t	*usage_json(struct node_agent *, int64_t *at);

/* backend_tpl.c: reads the templates installed under the host root into
 * a->tpl, at start (none when there is no file or it is not valid). */
void	 tpl_load(struct node_agent *);

/* join.c */
int	 node_join(struct node_conf *, const char *url, const char *token);
/* sysinfo.c: the answer of GET /v1/stats; the caller frees it. */
char	*sysinfo_json(struct node_agent *, const char *roles);
/* Reads or makes the machine id under the host root or the state dir. */
void	 sysinfo_machine_id(const struct node_conf *, char out[64]);
void	 sysinfo_hostname(const struct node_conf *, char out[256]);
/* rpc.c: a request of the master, checked by parent.c (imsg.h) */
void	 rpc_serve(struct http_req *, struct http_resp *, void *agent);

/* netproc.c: the unprivileged network process (privsep.h).
 * netproc_start forks it with the node's TLS credentials (PEM strings the
 * parent still frees) and waits until it listens: its pid, with *fd the
 * parent's end of the channel and *port the port, or -1 (logged).  Call
 * it before any thread exists. */
pid_t	 netproc_start(const struct node_conf *, char *cert, char *key,
	    char *ca, int *fd, int *port);
/* Stops it and waits for it. */
void	 netproc_stop(pid_t);

/* parent.c: the privileged end of the channel.  parent_start serves the
 * requests that come over fd (it takes fd); parent_stop stops the network
 * process net, waits for the requests in hand and closes the channel.
 * The agent gets SIGTERM, and net_lost set, when the channel ends
 * otherwise. */
void	 parent_start(struct node_agent *, int fd);
/* Hands a renewed certificate and its key to the network process, whose
 * server takes them for its next handshakes.  0, or -1. */
int	 parent_send_cert(struct node_agent *, const char *cert,
	    const char *key);
void	 parent_stop(struct node_agent *, pid_t net);

int	 node_main(int argc, char **argv);

#endif
