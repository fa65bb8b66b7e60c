/* store.h - the master's state in SQLite (WAL).  Its implementation,
 * store.c and one store_*.c per area around store_int.h, is the only code
 * of the master that speaks SQL.
 *
 * Every function takes the store's lock for its own duration, so callers on
 * any thread see each call as one transaction.  Returns are 0 on success and
 * -1 on a storage failure (logged) unless a comment says otherwise; strings
 * returned through pointers are malloc'd and the caller frees them. */
#ifndef HF_STORE_H
#define HF_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../common/valid.h"

struct store;

#define STORE_NOTFOUND	1	/* returned where "absent" is not an error */
#define STORE_EXISTS	2	/* a unique name is taken */

#define STORE_LIMIT	3	/* a user's limit is reached */
#define STORE_MOVED	4	/* the user was placed elsewhere meanwhile */
#define STORE_INACTIVE	5	/* the owner is suspended or being deleted */
#define STORE_WITHIN	6	/* a name is, or is under, another's zone */
#define STORE_COVERS	7	/* a zone is, or is above, another's name */
#define STORE_BUSY	8	/* objects of the user are being created */
#define STORE_CERT_NEW	9	/* a node's next certificate, now its current */

/* A user's limits, 0 = none. */
enum {
	LIM_WEBDOMAINS,
	LIM_DOMAINS,
	LIM_EMAILDOMAINS,
	LIM_EMAILS,
	LIM_DISK_MB,
	LIM_N
};

struct user {
	int64_t	 id;
	char	 name[64];
	char	 level[16];	/* "admin" or "user" */
	int	 active;
	char	 pwhash[160];
	char	 fullname[160];
	int64_t	 uid;		/* 0 until the user is of level user */
	int64_t	 lim[LIM_N];
	/* raised by every change of the account (active, fullname): the
	 * nodes are sent it with the account, and keep the newest */
	int64_t	 acct_ver;
	int64_t	 deleting;	/* when a delete was asked (wall s), or 0 */
};

struct node {
	int64_t	 id;
	char	 name[64];
	char	 addr[64];
	int	 port;
	int	 ssh_port;
	char	 roles[ROLES_MAX]; /* canonical "web,dns,mail" subset */
	char	 status[16];
	char	 status_msg[1024];
	int	 maintenance;
	int	 userlocked;
	int	 weight;
	int	 is_local;
	int	 joined;
	char	 machine_id[64];
	char	 hostname[256];
	char	 comment[256];
	int64_t	 created;
	int64_t	 last_seen;	/* wall seconds of the last answer, 0: never */
	int	 misses;
	char	*stats;		/* JSON of the last stats answer, or NULL */
};

struct store	*store_open(const char *path, char *err, size_t errlen);
void		 store_close(struct store *);
/* The first UID given to a user's account (a user's UID is above every one
 * given before, and at least this): the master's uid_min. */
#define STORE_UID_MIN_DEF	2000
#define STORE_UID_MIN_MIN	1000
#define STORE_UID_MIN_MAX	1000000000
void		 store_set_uid_min(struct store *, int64_t uid);
/* Opens an existing store read-only (hostfleet dump); a schema other than
 * this program's is refused, not migrated.  Only the functions that read
 * may be called on it. */
struct store	*store_open_readonly(const char *path, char *err,
		    size_t errlen);

/* Users. store_user_get returns STORE_NOTFOUND when absent. */
int	 store_user_get(struct store *, const char *name, struct user *);
int	 store_user_get_id(struct store *, int64_t id, struct user *);
int	 store_user_add(struct store *, const char *name, const char *level,
	    const char *pwhash, int64_t *idp);
int	 store_user_count(struct store *, const char *level, int *np);

/* Sessions, keyed by the hash of the id handed to the client.
 * store_session_use returns 0 and the user when the session exists, was
 * made from addr and was last used at most idle_s whole seconds ago, and
 * then marks it used now; STORE_NOTFOUND otherwise (an expired session is
 * deleted). */
int	 store_session_add(struct store *, const char *idhash, int64_t user,
	    const char *addr, int64_t now);
int	 store_session_use(struct store *, const char *idhash,
	    const char *addr, int64_t now, int64_t idle_s, struct user *);
int	 store_session_delete(struct store *, const char *idhash);

/* Failed logins per client address; store_login_ok forgets them. */
int	 store_login_ok(struct store *, const char *addr);
/*
 * The login throttle of addr, atomically: with count the failures of addr
 * in the last 15 minutes, a login is refused while now - last < wait_of(
 * count); STORE_LIMIT and *wait the seconds left.  Otherwise 0, and with
 * reserve the attempt is counted as a failure before the password is
 * checked (store_login_ok clears the count of a success), so that logins
 * at once from one address cannot pass the throttle together.
 */
int	 store_login_reserve(struct store *, const char *addr, int64_t now,
	    int64_t (*wait_of)(int count, void *arg), void *arg, int reserve,
	    int64_t *wait);
/* Removes the sessions idle for idle_s and the failures of addresses
 * quiet for 15 minutes; 0 or -1. */
int	 store_login_purge(struct store *, int64_t now, int64_t idle_s);
/* Ends every session of user but keep (an idhash, or NULL); 0 or -1. */
int	 store_session_end_user(struct store *, int64_t user,
	    const char *keep);

/* Nodes.  store_node_free releases what a struct node points to. */
void	 store_node_free(struct node *);
void	 store_nodes_free(struct node *, size_t);
int	 store_node_list(struct store *, struct node **, size_t *);
int	 store_node_get(struct store *, int64_t id, struct node *);
/* Inserts n (id is set); STORE_EXISTS when its name or address is taken. */
int	 store_node_insert(struct store *, struct node *);
/* Writes the admin-editable fields of n; STORE_EXISTS as above. */
int	 store_node_update(struct store *, const struct node *);
int	 store_node_delete(struct store *, int64_t id);
/* Forgets every object of users' data on node id and their placements
 * there (a node removed with force=on); 0 or -1. */
int	 store_node_unplace(struct store *, int64_t id);
/* Records a join: machine id, host name, joined, status. */
int	 store_node_joined(struct store *, int64_t id, const char *machine_id,
	    const char *hostname);
/*
 * A node's client certificates, by serial (tls_cert_serial): the current
 * one, and the next one issued by a renewal, which becomes current (and
 * the previous one refused) the first time the node uses it.
 * store_node_cert_set makes serial current and forgets any next one (a
 * join); store_node_cert_next records the next one.  store_node_cert_check
 * answers 0 for the current certificate of node id, STORE_CERT_NEW for its
 * next one (now current), STORE_NOTFOUND for any other or no such node.
 */
int	 store_node_cert_set(struct store *, int64_t id, const char *serial);
int	 store_node_cert_next(struct store *, int64_t id, const char *serial);
int	 store_node_cert_check(struct store *, int64_t id, const char *serial);
/* Records one poll result of many nodes in one transaction. */
struct node_poll {
	int64_t		 id;
	const char	*status;
	const char	*status_msg;
	int64_t		 last_seen;
	int		 misses;
	const char	*stats;		/* NULL keeps the old stats */
};
int	 store_node_polls(struct store *, const struct node_poll *, size_t);
/* A node that answered a software push with an install under way is
 * installing (from ready, syncing or error), with msg. */
int	 store_node_installing(struct store *, int64_t id, const char *msg);
/* Sets a node's status and message as they are (an enrollment's);
 * STORE_NOTFOUND when there is no such node. */
int	 store_node_status_set(struct store *, int64_t id, const char *status,
	    const char *msg);

/* The steps of a node's enrollment over SSH (store_enroll.c).
 * store_enroll_init replaces them with names[0..n), all waiting;
 * store_enroll_step_set records one step's state, start, end (wall ms, 0:
 * not yet) and output; store_enroll_reset makes the steps from index from
 * on waiting again; store_enroll_steps answers them in order as objects
 * {idx, name, state, started, ended, output} (the caller decrefs). */
int	 store_enroll_init(struct store *, int64_t node,
	    const char *const *names, int n);
int	 store_enroll_step_set(struct store *, int64_t node, int idx,
	    const char *state, int64_t started, int64_t ended,
	    const char *output);
int	 store_enroll_reset(struct store *, int64_t node, int from);
int	 store_enroll_steps(struct store *, int64_t node, json_t **rows);
/* At the master's start: every step left running by a master that
 * stopped is failed (ended now_ms, said in its output) and its node in
 * error; *n gets how many nodes. */
int	 store_enroll_interrupted(struct store *, int64_t now_ms, int *n);

/* Join tokens, stored as hashes.  store_token_take marks the token used
 * and returns 0 with its node, or one of the TOKEN_* codes. */
#define TOKEN_UNKNOWN	1
#define TOKEN_USED	2
#define TOKEN_EXPIRED	3
int	 store_token_add(struct store *, const char *hash, int64_t node,
	    int64_t expires);
int	 store_token_take(struct store *, const char *hash, int64_t now,
	    int64_t *node);

/* Presets: named limits, in the order of LIM_*.  store_preset_get and a
 * change (create 0) answer STORE_NOTFOUND for no such preset, a create
 * STORE_EXISTS for a name taken; store_preset_delete deletes all of names
 * or, when one is missing (STORE_NOTFOUND), none. */
int	 store_preset_list(struct store *, json_t **rows);
int	 store_preset_get(struct store *, const char *name,
	    int64_t lim[LIM_N]);
int	 store_preset_put(struct store *, const char *name,
	    const int64_t lim[LIM_N], int create);
int	 store_preset_delete(struct store *, const char *const *names,
	    size_t n);

/* Policy, as key/value text. store_policy_get returns STORE_NOTFOUND. */
int	 store_policy_get(struct store *, const char *key, char *val,
	    size_t vlen);
/* Sets n pairs in one transaction. */
int	 store_policy_set(struct store *, const char *const *keys,
	    const char *const *vals, size_t n);

/* System data.  Items are JSON objects (sysdata.h); the caller decrefs
 * what it is handed. */
#include <jansson.h>

int	 store_sys_state(struct store *, const char *type, int64_t *version,
	    json_t **items);
int	 store_sys_version(struct store *, const char *type, int64_t *version);
int	 store_sys_get(struct store *, const char *type, int64_t id,
	    json_t **item);
/* Reserves a new item id of the type. */
int	 store_sys_next_id(struct store *, const char *type, int64_t *id);
/* A type the master has never had (no version, no item) gets items (ids
 * 1..n, in order) at version 1; *seeded says whether it did. */
int	 store_sys_seed(struct store *, const char *type, const json_t *items,
	    int *seeded);

/* Intents: the durable record of a distributed query in flight. */
int	 store_intent_add(struct store *, const char *type,
	    const char *targets_json, int64_t now, int64_t *id);
/* At start: every intent left marks its targets desynchronised and is
 * removed; *count says how many there were. */
int	 store_intent_recover(struct store *, int64_t now, int *count);
/* The intents left: [{id, type, targets (JSON text), created}], by id. */
int	 store_intent_list(struct store *, json_t **rows);

/* The end of a distributed query, in one transaction: with new_version > 0
 * the puts and deletes are committed and the type's version set; the
 * desync entries are registered; the intent is removed; the query logged. */
struct query_rec {
	const char	*func;
	const char	*type;
	const char	*caller;
	const char	*params;	/* JSON */
	const char	*targets;	/* JSON */
	const char	*results;	/* JSON */
	const char	*outcome;
};
int	 store_query_finish(struct store *, const struct query_rec *,
	    int64_t intent, const json_t *puts, const json_t *deletes,
	    int64_t new_version, const int64_t *desync, size_t ndesync,
	    const char *reason, int64_t now);
/* The newest limit queries, or the one with id (id > 0). */
int	 store_query_log(struct store *, int64_t id, int limit, json_t **rows);

/* The action log (store_actlog.c): one entry per change made through the
 * API.  Every member is a string, "" when there is nothing to say. */
struct actlog_rec {
	const char	*user;		/* who logged in */
	const char	*as;		/* whom they acted as */
	const char	*addr;
	const char	*func;
	const char	*params;	/* JSON, without secrets */
	const char	*outcome;	/* "ok" or "error" */
	const char	*error;
	const char	*results;	/* JSON of each node's result, or "" */
};
int	 store_actlog_add(struct store *, const struct actlog_rec *,
	    int64_t now, int64_t *id);
/* What store_actlog_list answers: the entry id (id > 0), or the newest
 * limit entries matching every filter given (NULL or 0: any). */
struct actlog_filter {
	int64_t		 id;
	const char	*user, *func, *addr, *outcome;
	int64_t		 since, until;
	int		 limit;
};
int	 store_actlog_list(struct store *, const struct actlog_filter *,
	    json_t **rows);
/* Removes the entries older than before (wall s); 0 or -1. */
int	 store_actlog_purge(struct store *, int64_t before);

/* Desync entries: (node, type) that must be pushed the master's state.
 * Registering one makes a ready node syncing; removing the last makes a
 * syncing node ready. */
int	 store_desync_add(struct store *, const int64_t *nodes, size_t n,
	    const char *type, const char *reason, int64_t now);
/* Entries due by due_before (0: all), with their node's status and
 * last_seen. */
int	 store_desync_list(struct store *, int64_t due_before, json_t **rows);
/* Removes the entry if it is still generation gen and the type is still at
 * version (the one pushed). */
int	 store_desync_done(struct store *, int64_t node, const char *type,
	    int64_t gen, int64_t version);
int	 store_desync_failed(struct store *, int64_t node, const char *type,
	    const char *error, int64_t next_try);
/* The entries of node are due at once, their backoff cut short: the node
 * came back (it answers again, or it started anew); 0 or -1. */
int	 store_desync_due_now(struct store *, int64_t node);
int	 store_desync_count(struct store *, int64_t node, int *n);
int	 store_desync_has(struct store *, int64_t node, const char *type,
	    int *has);

/* ---- users (more) ---- */

/* Inserts u (name, level, active, pwhash, fullname, lim); a user of level
 * "user" gets the next free UID (from 2000 up).  Sets u->id and u->uid.
 * STORE_EXISTS when the name is taken. */
int	 store_user_create(struct store *, struct user *);
/* The fields store_user_set writes. */
#define UF_LEVEL	0x01	/* and a UID if it becomes a user */
#define UF_ACTIVE	0x02
#define UF_PWHASH	0x04
#define UF_FULLNAME	0x08
#define UF_LIMITS	0x10	/* lim[] */
/*
 * Writes the fields of mask of u->id, and only those, in one transaction
 * (UPDATE ... SET field = ?): a field another call changes meanwhile is
 * kept.  A change of the account (UF_ACTIVE, UF_FULLNAME) raises its
 * version, sets u->acct_ver to the new one and records that every node
 * holding the user's data owes it (store_acct_owed_list).  With
 * if_ver >= 0 the write is made only while the account version is still
 * if_ver.  STORE_NOTFOUND when nothing was written: no such user, a user
 * being deleted, or a version that moved on.
 */
int	 store_user_set(struct store *, struct user *u, unsigned mask,
	    int64_t if_ver, int64_t now);
/* The node owes the user's current account (a create may have made it
 * there from an older read). */
int	 store_acct_owed(struct store *, int64_t user, int64_t node,
	    int64_t now);
/* The node has the account at version ver or newer: it owes nothing
 * older. */
int	 store_acct_done(struct store *, int64_t user, int64_t node,
	    int64_t ver);
/* What nodes owe since before older, for users not being deleted:
 * [{user, node, ver}]. */
int	 store_acct_owed_list(struct store *, int64_t older, json_t **rows);
/* Marks the user as being deleted (inactive, no new object) at now; 0
 * also when they were already, STORE_BUSY when objects of theirs are
 * being created, STORE_NOTFOUND. */
int	 store_user_mark_deleting(struct store *, int64_t id, int64_t now);
/* The users being deleted since before older: [{id, name}]. */
int	 store_users_deleting(struct store *, int64_t older, json_t **rows);
/* Removes the user with their sessions, placements and index rows. */
int	 store_user_delete(struct store *, int64_t id);
/* Every user as JSON objects, by name: name, fullname, level, active
 * ("on"/"off"), uid and their counts of objects (the fields of the API's
 * user list). */
int	 store_user_list(struct store *, json_t **rows);
/* The row of store_user_list of the user named name (none when there is
 * no such user). */
int	 store_user_row(struct store *, const char *name, json_t **rows);
/* The bytes the user's homes take on all nodes, as last measured. */
int	 store_user_usage(struct store *, const char *name, int64_t *bytes);

/* ---- placement: (user, role) -> node ---- */

/* STORE_NOTFOUND when the user has no node for the role. */
int	 store_placement_get(struct store *, int64_t user, const char *role,
	    int64_t *node);
/* The user's placements: [{role, node (its name), node_id, addr}]. */
int	 store_placement_list(struct store *, int64_t user, json_t **rows);
/* How many users each node holds for role: {"NODEID": count}. */
int	 store_placement_counts(struct store *, const char *role,
	    json_t **counts);
/* The distinct nodes holding some of the user's data. */
int	 store_user_nodes(struct store *, int64_t user, int64_t **nodes,
	    size_t *n);
/* How many users' data of role a node holds. */
int	 store_node_role_placements(struct store *, int64_t node,
	    const char *role, int *n);
/* How many placements a node has (a node holding data can't be removed). */
int	 store_node_placements(struct store *, int64_t node, int *n);

/* ---- the user-data index: (kind, name) -> owner, node ---- */

struct uentry {
	char	 kind[16];	/* webdomain, webalias, domain, emaildomain,
				 * email */
	char	 name[320];
	int64_t	 owner;
	char	 owner_name[64];
	int64_t	 node;
	char	 parent[256];	/* an email's mail domain, an alias's site */
	char	 state[12];	/* pending, live, deleting */
	int64_t	 since;
};

int	 store_uindex_get(struct store *, const char *kind, const char *name,
	    struct uentry *);
/* What store_uindex_reserve() refused. */
struct uconflict {
	size_t	 index;		/* the entry of e refused */
	char	 zone[320];	/* STORE_WITHIN: the other owner's zone */
};
/* Inserts the n entries as pending, all or none, in one transaction
 * that also checks: the owner is active (else STORE_INACTIVE); no name is
 * taken by anyone (sites and their aliases share one namespace) (else
 * STORE_EXISTS); no name other than a mailbox is, or is under, a DNS zone
 * of another owner (else STORE_WITHIN, that zone in conflict->zone); a
 * DNS zone is not, and is not above, another owner's zone, site, alias or
 * mail domain (else STORE_COVERS); the owner has fewer than limit rows of
 * e[0]'s kind (limit 0: none) (else STORE_LIMIT); with role, the owner's
 * placement for it is e[0].node, recorded now if there is none (else
 * STORE_MOVED).  A name refused has its index in conflict->index (conflict
 * may be NULL).  Zones above and below are found through the index, by the
 * name's parent suffixes and by the range of the reversed names under
 * it: no scan of the table. */
int	 store_uindex_reserve(struct store *, const struct uentry *e, size_t n,
	    const char *role, int64_t limit, int64_t now,
	    struct uconflict *conflict);
/* Removes a pending row (and what lives under it) only if it is still
 * the one reserved: same owner, node and time. */
int	 store_uindex_unreserve(struct store *, const char *kind,
	    const char *name, int64_t owner, int64_t node, int64_t since);
/* The rows of kind under parent: [{name, state}]. */
int	 store_uindex_children(struct store *, const char *kind,
	    const char *parent, json_t **rows);
int	 store_uindex_live(struct store *, const char *kind, const char *name);
/* Removes the rows, with what lives under them: an emaildomain's emails,
 * a webdomain's aliases (kind webalias). */
int	 store_uindex_remove(struct store *, const char *kind,
	    const char *const *names, size_t n);
/* Removes every row of the user on node. */
int	 store_uindex_remove_user_node(struct store *, int64_t user,
	    int64_t node);
/* Rows pending or being deleted since before older, of owners not being
 * deleted: [{kind, name, owner, owner_name, node, parent, state,
 * since}]. */
int	 store_uindex_unsettled(struct store *, int64_t older, json_t **rows);
/* The rows of kind among names that are in state from go to state to,
 * since now; all or none. */
int	 store_uindex_mark(struct store *, const char *kind,
	    const char *const *names, size_t n, const char *from,
	    const char *to, int64_t now);
/* Removes the row of (kind, name), with what lives under it, if it is in
 * state. */
int	 store_uindex_drop(struct store *, const char *kind, const char *name,
	    const char *state);
/* How many of the user's rows are pending. */
int	 store_uindex_pending_of(struct store *, int64_t user, int *n);
/* Every row: [{kind, name, owner (the user's name), node (id), parent,
 * state, since}], by kind and name. */
int	 store_uindex_list(struct store *, json_t **rows);

#endif
