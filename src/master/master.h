/* master.h - the master process: its configuration, its shared state, and
 * the context every API function is called with. */
#ifndef HF_MASTER_H
#define HF_MASTER_H

#include <pthread.h>
#include <stdint.h>

#include "../common/httpc.h"
#include "../common/httpd.h"
#include "../common/tls.h"
#include "../common/output.h"
#include "../common/schema.h"
#include "../common/sysdata.h"
#include "store.h"

struct master_conf {
	char	 state_dir[512];
	char	 listen[64];
	int	 port;
	int	 plain_http;		/* loopback only */
	char	 admin_password[257];	/* "" generates one */
	int64_t	 session_idle_s;
	int	 login_free_failures;	/* failures before slowing down */
	int64_t	 node_cert_lifetime_s;	/* of the nodes' certificates */
	int64_t	 uid_min;		/* the first UID of users' accounts */
	int	 verbose;
};

/* The range of node_cert_lifetime_s: ten seconds (tests) to ten years. */
#define NODE_CERT_LIFETIME_MIN	10
#define NODE_CERT_LIFETIME_MAX	(3650 * INT64_C(86400))
#define NODE_CERT_LIFETIME_DEF	(30 * INT64_C(86400))

struct master {
	struct master_conf	 conf;
	struct store		*st;
	struct tls_ca		*ca;
	struct httpc		*nodes;	/* calls to node agents */
	struct httpd		*api;
	char			 api_url[128];
	char			 api_pin[64];	/* of the API certificate */
	char			 local_key_hash[65];
	char			 cert_path[600], key_path[600], ca_path[600];
	pthread_t		 stats_thr;
	pthread_t		 sync_thr;
	pthread_t		 urec_thr;	/* the user-data reconciler */
	/* One distributed query or synchronisation per data type at a time;
	 * indexed by sd_type_index(). */
	pthread_mutex_t		 type_mtx[SD_NTYPES];
	/* when each type last ended a query (mono ms): a node report made
	 * before that is stale for drift detection */
	int64_t			 type_done_ms[SD_NTYPES];
	pthread_mutex_t		 sync_mtx;
	pthread_cond_t		 sync_wake;
	struct mcache		*sessions;	/* session -> user */
	struct mcache		*routes;	/* (user, role) -> node */
	pthread_mutex_t		 wake_mtx;
	pthread_cond_t		 wake;
	int			 wake_pending;	/* under wake_mtx */
	volatile int		 stop;
	/* enrollment over SSH (cluster/enroll.c): the master's key and
	 * known hosts in ssh_dir, and the nodes with a job running */
	char			 ssh_dir[600];
	char			 ssh_pub[512];
	char			 machine_id[33];	/* this machine's, or "" */
	pthread_mutex_t		 enroll_mtx;
	pthread_cond_t		 enroll_cond;
	int64_t			 enroll_busy[64];
	int			 enroll_n;	/* under enroll_mtx */
};
#define ENROLL_MAX	64

/* cache.c: short-lived caches of hot reads (sessions, routes). */
struct mcache;
struct mcache	*mcache_new(void);
void		 mcache_free(struct mcache *);
/* 0 and val filled when key has a live entry of exactly len bytes. */
int		 mcache_get(struct mcache *, const char *key, void *val,
		    size_t len);
/* The generation to read before the store: a put with an older one (the
 * cache was cleared since) is dropped. */
uint64_t	 mcache_gen(struct mcache *);
void		 mcache_put(struct mcache *, const char *key, const void *val,
		    size_t len, int64_t ttl_ms, uint64_t gen);
void		 mcache_clear(struct mcache *);
/* Forgets every cached session and route: after a change of users,
 * placements or nodes. */
void		 master_caches_clear(struct master *);

/* Levels, ordered. */
enum level {
	LVL_PUBLIC,		/* no login: auth itself */
	LVL_USER,
	LVL_ADMIN,
};

/* What a function does with its data type. */
enum op {
	OP_LIST,		/* answers the type's items */
	OP_EDIT,		/* a form: shows, creates or changes; takes
				 * every field of the type */
	OP_DELETE,		/* removes the items of elid */
	OP_ACTION,		/* anything else; takes the fields it names */
};

struct api_ctx;
typedef void	(*api_handler)(struct api_ctx *);

/* One row of the function table (functab.c). */
struct func {
	const char		*name;
	const struct dtype	*type;
	enum op			 op;
	enum level		 level;
	api_handler		 handler;
	const char		*summary;
	const char		*args;	/* the control parameters it reads,
					 * for people: "elid (node ids)" */
	/* the names of the type's fields it takes; NULL: every field for
	 * OP_EDIT, none otherwise */
	const char *const	*fields;
};

/* The caller, once authenticated. */
struct actor {
	int64_t		 id;
	char		 name[64];
	enum level	 level;
};

/* The headers a call may add to its answer: the panel's cookies. */
#define API_HDRS	4
_Static_assert(API_HDRS + 2 <= HTTP_EXTRA_HDRS,
    "room for X-Hostfleet-Error and the session cookie's Set-Cookie");

struct api_ctx {
	struct master		*m;
	struct http_req		*http;
	const struct reqparams	*p;
	const struct func	*fn;
	struct actor		 who;	/* who logged in */
	struct actor		 as;	/* whom they act as (su=) */
	struct reply		 r;
	enum outfmt		 fmt;	/* the caller's out= */
	/* an answer already encoded in fmt by a node, sent as it is
	 * instead of r (a proxied listing or form) */
	char			*raw;
	size_t			 rawlen;
	char			 raw_error[32];	/* its error type, or "" */
	/* a distributed query's result on each node, for the action log
	 * (name -> "ok" or the error); the context owns it */
	json_t			*node_results;
	/* headers of the answer besides the API's ("Name: value" or "") */
	char			 hdr[API_HDRS][HTTP_EXTRA_HDR_MAX];
	/* the session cookie of the path called (auth.c): its name, and a
	 * Set-Cookie header the answer carries, or "" */
	const char		*cookie;
	char			 set_cookie[160];
	/* the session the call came in on (authenticate): the hash of its
	 * id, or "", and where the id was */
	char			 sid_hash[65];
	enum { SID_NONE, SID_PARAM, SID_PANEL, SID_COOKIE } sid_from;
};

extern const struct func	functab[];
const struct func	*functab_find(const char *name);
const char		*level_name(enum level);
const char		*op_name(enum op);
/* The field of the row's type that the function takes as param, or NULL
 * (a control parameter, or one it does not take). */
const struct field	*func_field(const struct func *, const char *param);
int			 functions_main(int argc, char **argv);

/* panel.c: the web panel (panel.h).  panel_serve answers the panel's
 * files and returns 1, or returns 0 for a URL not the panel's.
 * panel_session: 0 with *sid the session of the panel's cookie (valid
 * while the request lasts), 1 when the call has no such cookie, -1 with
 * an "auth" error when the call has it without its CSRF token.
 * panel_login, after a login with session id sid: when the panel logged
 * in, sets its cookies, answers the CSRF token instead of the id and
 * returns 1; otherwise 0.  panel_logout clears the panel's cookies (the
 * session itself is ended by api_logout). */
int	 panel_serve(struct master *, struct http_req *, struct http_resp *);
int	 panel_session(struct api_ctx *, const char **sid);
int	 panel_login(struct api_ctx *, const char *sid, const char *level);
void	 panel_logout(struct api_ctx *);

/* api.c */
void	 api_serve(struct http_req *, struct http_resp *, void *master);
/* Records a parameter error in the reply: type "value" naming the field. */
void	 api_bad(struct api_ctx *, const char *field, const char *msg);
/* Returns the parameter, or records an "empty" error and returns NULL. */
const char *api_need(struct api_ctx *, const char *field);
/* Checks every field the call gives against its grammar (schema.h), the
 * master's check before a call goes anywhere; 0, or -1 with a "value"
 * error naming the field. */
int	 api_check_fields(struct api_ctx *);
/*
 * Runs the function fname as the caller of c (who, as), with parameters p
 * (folded as a client's), its answer into r (reply_init'ed): a function
 * made of others runs each through the same checks and handler as a
 * client's call.  0, or -1 when it answered an error.
 */
int	 api_subcall(struct api_ctx *, const char *fname,
	    struct reqparams *p, struct reply *r);
/* 1 when this call is a change (sok set to anything but ""). */
int	 api_is_submit(const struct api_ctx *);
/* Reads s, one item of elid, as a numeric id (1..2^53) into *id; 0, or
 * -1 with the error in the reply. */
int	 api_elid_id(struct api_ctx *, const char *s, int64_t *id);

/* handlers, one file per family */
void	 api_auth(struct api_ctx *);
void	 api_whoami(struct api_ctx *);
void	 api_logout(struct api_ctx *);
void	 api_node_list(struct api_ctx *);
void	 api_node_edit(struct api_ctx *);
void	 api_node_delete(struct api_ctx *);
void	 api_node_token(struct api_ctx *);
void	 api_node_retry(struct api_ctx *);
void	 api_policy(struct api_ctx *);
void	 api_sysinfo_stat(struct api_ctx *);
void	 api_node_service(struct api_ctx *);
void	 api_node_service_restart(struct api_ctx *);
void	 api_functions(struct api_ctx *);

/* auth.c: Argon2id, at most a few hashes at once (each takes 64 MiB).
 * auth_hash_password hashes pw into out (crypto_pwhash_STRBYTES fits in
 * 160); 0, or -1 when it failed or no hash slot came free in time.
 * auth_check_password: 0 when pw matches hash, -1 when not, AUTH_BUSY when
 * no slot came free in time. */
#define AUTH_BUSY	(-2)
int	 auth_hash_password(const char *pw, char out[160]);
int	 auth_check_password(const char *hash, const char *pw);
/* The session cookie of c's path: the session id it carries, or NULL;
 * auth_cookie_set makes the answer set it to id (NULL: clear it). */
const char *auth_cookie_get(const struct api_ctx *);
void	 auth_cookie_set(struct api_ctx *, const char *id);
/* sso.c: single sign-on keys.  sso_key_take: 0 when key is a live key of
 * name, which it ends; -1 otherwise. */
void	 api_session_newkey(struct api_ctx *);
int	 sso_key_take(const char *name, const char *key);
int	 auth_cache_hit(const char *name, const char *pw, const char *pwhash);
void	 auth_cache_put(const char *name, const char *pw, const char *pwhash);

/* join.c: POST /v1/join from a node with a token */
void	 join_serve(struct master *, struct http_req *, struct http_resp *);
/* Makes a token for node valid ttl seconds into out; 0 or -1. */
int	 join_token_make(struct master *, int64_t node, int64_t ttl, char *out,
	    size_t outlen);

/* nodecert.c: GET /v1/node/cert and POST /v1/node/renew from a node with
 * its client certificate (docs/internals/cluster.md, "Node certificates") */
void	 nodecert_serve(struct master *, struct http_req *, struct http_resp *);
/* Issues the certificate of node id at addr for csr: *cert (the caller
 * frees) and its serial; 0, or -1 with err. */
int	 nodecert_issue(struct master *, int64_t id, const char *addr,
	    const char *csr, char **cert, char serial[TLS_SERIAL_MAX],
	    char *err, size_t errlen);

/* cluster/policy.c */
struct policy {
	int	 min_ready_percent;
	char	 placement[32];
	int	 node_timeout_ms;
	int	 heartbeat_interval_ms;
	int	 heartbeat_misses;
	int	 join_token_ttl_s;
	int	 actionlog_days;
};
void	 policy_load(struct master *, struct policy *);
/* Validates and stores every policy field present in p; 0 or -1 with the
 * error in r. */
int	 policy_update(struct master *, const struct reqparams *p,
	    struct reply *r);
void	 policy_show(struct master *, struct reply *);

/* cluster/stats.c */
void	*stats_loop(void *master);
void	 stats_wake(struct master *);
/* The status a node has after an answer, from its current one, whether
 * it has desync entries, and its software report: sw "installing", "done"
 * or "failed", "" for a report without one, NULL for one too old to tell;
 * sw_current when its list is at the master's version. */
const char *node_status_after_answer(const char *cur, int pending,
	    const char *sw, int sw_current);

/* cluster/query.c: the distributed-query engine (DESIGN.md §3.3).  Runs
 * the puts (items) and deletes (ids) of one type on every target; 0 when
 * committed, -1 with the error in the reply.  The caller holds the type's
 * lock (dq_lock) from before it read what the change is computed from
 * until dq_run returns, so that no other change of the type comes in
 * between. */
void	 dq_lock(struct master *, const struct dtype *);
void	 dq_unlock(struct master *, const struct dtype *);
struct dtype;
int	 dq_run(struct api_ctx *, const struct dtype *, json_t *puts,
	    json_t *deletes);
/* Registers every type matching roles for node, with reason. */
void	 dq_register_all(struct master *, int64_t node, const char *roles,
	    const char *reason);

/* cluster/sync.c: the synchronizer loop (DESIGN.md §3.4). */
void	*sync_loop(void *master);
void	 sync_wake(struct master *);
/* Compares what a node reports of each type with the master's state and
 * registers drift; asked_ms is when the report was asked for (mono ms),
 * and a type that ended a query since is left to that query. */
void	 sync_check_drift(struct master *, const struct node *,
	    json_t *versions, int64_t asked_ms);

/* cluster/placement.c: the node holding role for user, or the one the
 * user would be placed on (DESIGN.md §2; *fresh set): a placement is
 * recorded only with the reservation of the user's first object there
 * (store_uindex_reserve).  0 with out (store_node_free it), or -1 with
 * err. */
int	 place_user(struct master *, int64_t user, const char *role,
	    struct node *out, int *fresh, char *err, size_t errlen);

/* cluster/reconcile.c: the reconciler of user data, on its own thread
 * (docs/internals/userdata.md): settles index rows left pending or
 * deleting, sends accounts to the nodes that owe them, finishes the
 * deletes of users. */
void	*ud_reconcile_loop(void *master);
/* A delete on the node of an object (and what lives under it): 0 when the
 * node no longer has it. */
int	 undo_create(struct master *, const struct node *n, const char *kind,
	    const char *name);

void	 api_sysdata_list(struct api_ctx *);
void	 api_sysdata_edit(struct api_ctx *);
void	 api_sysdata_delete(struct api_ctx *);
/* At start: the software list of a master that never had one (the
 * defaults of sysdata.h); 0 or -1. */
int	 sysdata_seed(struct master *);
void	 api_desync_list(struct api_ctx *);
void	 api_desync_resync(struct api_ctx *);
void	 api_query_log(struct api_ctx *);

/* cluster/enroll.c: adding a node over SSH (docs/internals/enroll.md).
 * The steps, in order; enroll_steps[0] is the connection, made by the
 * API call itself. */
#define ENROLL_NSTEPS	9
extern const char *const	 enroll_steps[ENROLL_NSTEPS];
struct sshc;
struct sshc_login;
enum sshc_fail;
/* The master's SSH key (made once) and the job table; 0 or -1 with err. */
int	 enroll_init(struct master *, char *err, size_t errlen);
/* Marks node's enrollment as running; 0, or -1 when one runs already
 * (or the master is stopping).  enroll_release undoes it when no job was
 * started. */
int	 enroll_claim(struct master *, int64_t node);
void	 enroll_release(struct master *, int64_t node);
/* 1 while node's enrollment (or removal) runs. */
int	 enroll_running(struct master *, int64_t node);
/* A session with addr:port as l says, its host key checked and recorded
 * on first use; what it did appended to out.  NULL with *f and err. */
struct sshc *enroll_connect(struct master *, const char *addr, int port,
	    const struct sshc_login *l, enum sshc_fail *f, struct sbuf *out,
	    char *err, size_t errlen);
/* Runs the steps from index from on a thread of its own, on ssh (which it
 * takes and closes), through sudo when sudo is set; node must be claimed.
 * 0, or -1 (nothing started: the caller still owns ssh). */
int	 enroll_start(struct master *, int64_t node, struct sshc *ssh,
	    int sudo, int from);
/* Removes what the enrollment put on node n, as ispmaster with the
 * master's key: the agent stopped and purged, its state, the repository,
 * ispmaster and its key; out gets the output.  0, or -1 with err. */
int	 enroll_remove(struct master *, const struct node *n,
	    struct sbuf *out, char *err, size_t errlen);
void	 api_node_remove(struct api_ctx *);
/* 0 when no script of the steps holds a single quote (they are quoted
 * whole for sh -c); -1 otherwise. */
/*
 * Upgrades hostfleet on node n, added over SSH, from the master's
 * repository and restarts its agent; the version installed in version.
 * Refused for the master's own machine (the package's upgrade restarts
 * the master).  0, or -1 with err.
 */
int	 enroll_upgrade(struct master *, const struct node *n,
	    struct sbuf *out, char *version, size_t vlen, char *err,
	    size_t errlen);
int	 enroll_scripts_check(void);
/* Waits for every job to end (m->stop is set: each ends at its next
 * read). */
void	 enroll_stop(struct master *);
void	 api_enroll(struct api_ctx *);
void	 api_enroll_retry(struct api_ctx *);
void	 api_node_upgrade(struct api_ctx *);
/* The hostfleet version node n runs, from its last report ("" before one
 * came); in a static buffer of the calling thread. */
const char *node_version(const struct node *n);
/* api_node.c: applies the node fields of t present in the request to n;
 * 0, or -1 with the error in the reply. */
int	 node_params_apply(struct api_ctx *, const struct dtype *t,
	    struct node *n);
/* A new node's numbers: the defaults of dt_node's fields. */
void	 node_defaults(struct node *);

/* cluster/nodes.c: a node's URL for path ("/v1/..."). */
void	 node_url(const struct node *, const char *path, char *out,
	    size_t len);

/* proxy.c: calls to the user-data side of nodes. */
struct ucall {
	const struct node	*node;		/* in */
	const char		*path;		/* in: NULL: proxy_run's */
	json_t			*body;		/* in, the caller's */
	long			 timeout_ms;	/* 0: the policy's */
	json_t			*doc;		/* out: the node's document,
						 * the caller decrefs */
	char			 err[400];	/* out: why there is no doc */
	int			 unsent;	/* out: the call surely never
						 * reached the node */
	int			 raw;		/* in: the body asks for an
						 * encoded answer: no doc, but */
	char			*rawbody;	/* out: it (caller frees) */
	size_t			 rawlen;
	char			 rawerr[32];	/* out: its error type, "" */
};
/* Runs the calls at once, POSTing each body to its path or else path. */
void	 proxy_run(struct master *, struct ucall *, size_t n,
	    const char *path);
/* The body of a call to a node's /v1/ud: type t, operation op ("list",
 * "edit", "delete"), the function's name (which names the answer),
 * params (taken) and owner (NULL: every owner). */
json_t	*proxy_ud_body(const struct dtype *t, const char *op,
	    const char *func, json_t *params, const char *owner);
/* The account item of a user for nodes, with its version (a node keeps
 * the newest it was sent); the caller decrefs. */
json_t	*proxy_account(const struct user *);

/* api_preset.c: presets (user.edit's preset= reads them). */
void	 api_preset_list(struct api_ctx *);
void	 api_preset_edit(struct api_ctx *);
void	 api_preset_delete(struct api_ctx *);

/* api_useradd.c: the parts of user.add (api_user.c): user_add_check
 * refuses (-1, error answered) the domains a new user's call names when
 * they are bad or taken, user_add_make makes them for the new user u or
 * takes u back (-1). */
void	 api_user_add(struct api_ctx *);
int	 user_add_check(struct api_ctx *);
int	 user_add_make(struct api_ctx *, const struct user *u);

/* api_user.c, api_udata.c */
void	 api_user_list(struct api_ctx *);
void	 api_user_edit(struct api_ctx *);
void	 api_user_delete(struct api_ctx *);
void	 api_user_suspend(struct api_ctx *);
void	 api_user_placement(struct api_ctx *);
void	 api_user_usage(struct api_ctx *);
/* The LIM_* of a user's limit_* field, or -1. */
int	 user_limit_index(const char *param);
void	 api_ud_list(struct api_ctx *);
void	 api_ud_edit(struct api_ctx *);
void	 api_ud_delete(struct api_ctx *);
/* email.suspend and email.resume: email.edit active= of each elid. */
void	 api_email_suspend(struct api_ctx *);

/* actlog.c: the action log.  actlog_init opens syslog; actlog_record logs
 * the call of c when it is a change (actlog_is_change); actlog_params is
 * the JSON of the parameters p of fn without secrets (the caller frees);
 * actlog_purge removes what the policy no longer keeps. */
void	 actlog_init(void);
int	 actlog_is_change(const struct api_ctx *);
char	*actlog_params(const struct func *, const struct reqparams *);
void	 actlog_record(struct api_ctx *);
void	 actlog_purge(struct master *);
void	 api_actionlog(struct api_ctx *);

/* master main */
int	 master_main(int argc, char **argv);
/* backup.c: `hostfleet master backup|restore [-c conf] [-s dir] FILE`,
 * argv[0] the subcommand. */
int	 master_backup_main(int argc, char **argv);
/* 1 when p may be a file of a state dir in a backup: relative, of
 * components of [A-Za-z0-9._+~=@,-], none "." or "..", and none of what a
 * backup never holds (the store, local.key ...). */
int	 backup_path_ok(const char *p);
/* functab.c: `hostfleet functions`, the table as docs/api.md's Markdown */
int	 functions_main(int argc, char **argv);

#endif
