/* api_enroll.c - cluster.node.enroll and cluster.node.enroll.retry:
 * adding a node over SSH (cluster/enroll.c does the steps). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "master.h"
#include "sshc.h"

/* The error an SSH failure answers: nothing was changed anywhere. */
static void
ssh_error(struct api_ctx *c, enum sshc_fail f, const char *err)
{
	reply_error(&c->r, f == SSHC_AUTH ? "auth" : f == SSHC_HOSTKEY ?
	    "hostkey" : f == SSHC_CONNECT ? "unreachable" : "ssh", "ssh",
	    "%s", err);
}

/* The steps of node id's enrollment, as a list. */
static void
steps_list(struct api_ctx *c, int64_t id)
{
	json_t *rows, *r;
	size_t i;

	if (store_enroll_steps(c->m->st, id, &rows) == -1) {
		json_decref(rows);
		reply_error(&c->r, "internal", "enroll", "store unavailable");
		return;
	}
	if (json_array_size(rows) == 0) {
		json_decref(rows);
		reply_error(&c->r, "missing", "enroll", "node %" PRId64 " was "
		    "not enrolled over SSH", id);
		return;
	}
	reply_list(&c->r);
	json_array_foreach(rows, i, r) {
		json_t *e = reply_elem(&c->r);
		json_int_t s = json_integer_value(json_object_get(r, "started"));
		json_int_t d = json_integer_value(json_object_get(r, "ended"));

		elem_setf(e, "id", "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(r, "idx")));
		elem_set(e, "name", json_string_value(json_object_get(r,
		    "name")));
		elem_set(e, "state", json_string_value(json_object_get(r,
		    "state")));
		elem_setf(e, "started", "%" JSON_INTEGER_FORMAT, s);
		elem_setf(e, "ended", "%" JSON_INTEGER_FORMAT, d);
		elem_setf(e, "duration_ms", "%" JSON_INTEGER_FORMAT,
		    s && d ? d - s : s ? wall_ms() - s : 0);
		elem_set(e, "output", json_string_value(json_object_get(r,
		    "output")));
	}
	json_decref(rows);
}

/* root's login from password= or ssh_key= (exactly one); 0 or -1. */
static int
root_login(struct api_ctx *c, struct sshc_login *l, int need)
{
	const char *pw = params_get(c->p, "password");
	const char *key = params_get(c->p, "ssh_key");
	const char *hk = params_get(c->p, "hostkey");

	l->user = "root";
	l->hostkey = hk && *hk ? hk : NULL;
	l->password = pw && *pw ? pw : NULL;
	l->key_pem = key && *key ? key : NULL;
	if (l->password && l->key_pem) {
		api_bad(c, "ssh_key", "give the password or the key, not both");
		return -1;
	}
	if (need && l->password == NULL && l->key_pem == NULL) {
		reply_error(&c->r, "empty", "password", "field \"password\" "
		    "(or \"ssh_key\") is required: root's login to the node");
		return -1;
	}
	return 0;
}

static int
node_taken(struct api_ctx *c, const struct node *n)
{
	struct node *v;
	size_t cnt, i;
	int taken = 0;

	if (store_node_list(c->m->st, &v, &cnt) == -1)
		return 0;
	for (i = 0; i < cnt; i++)
		if (strcmp(v[i].name, n->name) == 0 ||
		    strcmp(v[i].addr, n->addr) == 0)
			taken = 1;
	store_nodes_free(v, cnt);
	if (taken)
		reply_error(&c->r, "exists", "node", "a node named \"%s\" or "
		    "with address %s exists already", n->name, n->addr);
	return taken;
}

/* cluster.node.enroll: elid shows the steps; sok=ok adds a node. */
void
api_enroll(struct api_ctx *c)
{
	const char *elid = params_get(c->p, "elid");
	char err[1024];
	struct sshc_login l;
	struct sshc *s;
	struct sbuf out;
	enum sshc_fail f;
	struct node n;
	int64_t id, t0;
	int rc;

	if (elid && *elid) {
		if (api_elid_id(c, elid, &id) == -1)
			return;
		if (api_is_submit(c)) {
			reply_error(&c->r, "value", "elid", "an enrollment is "
			    "not changed: cluster.node.enroll.retry runs it "
			    "again");
			return;
		}
		steps_list(c, id);
		return;
	}
	if (!api_is_submit(c)) {
		reply_error(&c->r, "empty", "elid", "elid (a node id) shows "
		    "its enrollment; sok=ok adds a node");
		return;
	}
	if (api_need(c, "name") == NULL || api_need(c, "addr") == NULL)
		return;
	memset(&n, 0, sizeof(n));
	node_defaults(&n);
	if (node_params_apply(c, &dt_enroll, &n) == -1 ||
	    root_login(c, &l, 1) == -1 || node_taken(c, &n))
		return;
	/* connected and logged in before anything is recorded: a wrong
	 * password, an unreachable address or a changed host key leave no
	 * node */
	sbuf_init(&out, 4096);
	t0 = wall_ms();
	s = enroll_connect(c->m, n.addr, n.ssh_port, &l, &f, &out, err,
	    sizeof(err));
	if (s == NULL) {
		log_warnx("enroll: \"%s\" at %s port %d: %s", n.name, n.addr,
		    n.ssh_port, err);
		ssh_error(c, f, err);
		sbuf_release(&out);
		return;
	}
	strlcpy_hf(n.status, "installing", sizeof(n.status));
	rc = store_node_insert(c->m->st, &n);
	if (rc != 0) {
		sshc_close(s);
		sbuf_release(&out);
		if (rc == STORE_EXISTS)
			node_taken(c, &n);
		else
			reply_error(&c->r, "internal", "node",
			    "store unavailable");
		return;
	}
	if (store_enroll_init(c->m->st, n.id, enroll_steps, ENROLL_NSTEPS) ==
	    -1 || store_enroll_step_set(c->m->st, n.id, 0, "done", t0,
	    wall_ms(), sbuf_str(&out)) == -1 ||
	    store_node_status_set(c->m->st, n.id, "installing",
	    "enrolling over SSH") != 0 || enroll_claim(c->m, n.id) == -1 ||
	    enroll_start(c->m, n.id, s, 0, 1) == -1) {
		sshc_close(s);
		sbuf_release(&out);
		store_node_delete(c->m->st, n.id);
		reply_error(&c->r, "internal", "node", "cannot start the "
		    "enrollment");
		return;
	}
	sbuf_release(&out);
	log_info("node %" PRId64 " \"%s\" at %s: enrollment over SSH started "
	    "by %s", n.id, n.name, n.addr, c->who.name);
	reply_ok(&c->r);
	reply_setf(&c->r, "id", "%" PRId64, n.id);
}

/* cluster.node.enroll.retry elid=NODE [password= | ssh_key=] */
void
api_enroll_retry(struct api_ctx *c)
{
	const char *elid;
	json_t *rows, *r;
	char err[1024];
	struct sshc_login l;
	struct sshc *s = NULL;
	struct sbuf out;
	enum sshc_fail f;
	struct node n;
	int64_t id, t0;
	size_t i;
	int from = -1, keydone = 0, sudo;
	char *pem = NULL;

	if ((elid = api_need(c, "elid")) == NULL ||
	    api_elid_id(c, elid, &id) == -1 || root_login(c, &l, 0) == -1)
		return;
	if (store_node_get(c->m->st, id, &n) != 0) {
		reply_error(&c->r, "missing", "node", "node %s not found", elid);
		return;
	}
	if (store_enroll_steps(c->m->st, id, &rows) == -1 ||
	    json_array_size(rows) == 0) {
		json_decref(rows);
		store_node_free(&n);
		reply_error(&c->r, "missing", "enroll", "node %s was not "
		    "enrolled over SSH", elid);
		return;
	}
	json_array_foreach(rows, i, r) {
		const char *st = json_string_value(json_object_get(r,
		    "state"));
		const char *nm = json_string_value(json_object_get(r, "name"));

		if (from == -1 && strcmp(st, "done") != 0)
			from = (int)i;
		if (strcmp(nm, "key") == 0 && strcmp(st, "done") == 0)
			keydone = 1;
	}
	json_decref(rows);
	if (from <= 0) {
		reply_error(&c->r, "value", "elid", "the enrollment of node %s "
		    "is complete", elid);
		goto out;
	}
	if (enroll_claim(c->m, id) == -1) {
		reply_error(&c->r, "busy", "enroll", "the enrollment of node "
		    "%s is running", elid);
		goto out;
	}
	/* the password is never stored: once ispmaster has the master's
	 * key it is the way in, else root's login is asked again */
	sudo = keydone && l.password == NULL && l.key_pem == NULL;
	if (sudo) {
		l.user = "ispmaster";
		l.key_pem = pem = sshc_master_key_pem(c->m->ssh_dir);
	} else if (l.password == NULL && l.key_pem == NULL) {
		enroll_release(c->m, id);
		reply_error(&c->r, "empty", "password", "ispmaster is not set "
		    "up on node %s yet: give root's password (or ssh_key) "
		    "again", elid);
		goto out;
	}
	sbuf_init(&out, 4096);
	t0 = wall_ms();
	s = enroll_connect(c->m, n.addr, n.ssh_port, &l, &f, &out, err,
	    sizeof(err));
	if (pem) {
		explicit_bzero(pem, strlen(pem));
		free(pem);
	}
	if (s == NULL) {
		enroll_release(c->m, id);
		sbuf_release(&out);
		ssh_error(c, f, err);
		goto out;
	}
	if (store_enroll_step_set(c->m->st, id, 0, "done", t0, wall_ms(),
	    sbuf_str(&out)) == -1 || store_enroll_reset(c->m->st, id, from) ==
	    -1 || store_node_status_set(c->m->st, id, "installing",
	    "enrolling over SSH (retry)") != 0 ||
	    enroll_start(c->m, id, s, sudo, from) == -1) {
		sshc_close(s);
		enroll_release(c->m, id);
		sbuf_release(&out);
		reply_error(&c->r, "internal", "node", "cannot start the "
		    "enrollment");
		goto out;
	}
	sbuf_release(&out);
	log_info("node %" PRId64 " \"%s\": enrollment retried from step %s by "
	    "%s", id, n.name, enroll_steps[from], c->who.name);
	reply_ok(&c->r);
	reply_setf(&c->r, "id", "%" PRId64, id);
	reply_set(&c->r, "from", enroll_steps[from]);
out:
	store_node_free(&n);
}

/* The node elid names, into n; 0, or -1 with the error in the reply. */
static int
elid_node(struct api_ctx *c, int64_t *id, struct node *n)
{
	const char *elid;

	if ((elid = api_need(c, "elid")) == NULL ||
	    api_elid_id(c, elid, id) == -1)
		return -1;
	if (store_node_get(c->m->st, *id, n) != 0) {
		reply_error(&c->r, "missing", "node", "node %s not found", elid);
		return -1;
	}
	return 0;
}

/* cluster.node.remove elid=NODE [force=on] */
void
api_node_remove(struct api_ctx *c)
{
	const char *elid, *force = params_get(c->p, "force");
	char err[2048];
	struct sbuf out;
	struct node n;
	int64_t id;
	int held = 0, forced = force && strcmp(force, "on") == 0;

	if (elid_node(c, &id, &n) == -1)
		return;
	elid = params_get(c->p, "elid");
	if (store_node_placements(c->m->st, id, &held) == 0 && held > 0 &&
	    !forced) {
		reply_error(&c->r, "value", "node", "node \"%s\" holds the data "
		    "of %d user role(s); force=on removes it with them", n.name,
		    held);
		goto out;
	}
	if (enroll_claim(c->m, id) == -1) {
		reply_error(&c->r, "busy", "enroll", "the enrollment of node "
		    "%s is running", elid);
		goto out;
	}
	sbuf_init(&out, 64 * 1024);
	if (enroll_remove(c->m, &n, &out, err, sizeof(err)) == -1) {
		enroll_release(c->m, id);
		sbuf_release(&out);
		reply_error(&c->r, "node", "node", "%s", err);
		goto out;
	}
	sbuf_release(&out);
	master_caches_clear(c->m);
	/* the row goes with its serials (its certificate is refused from
	 * now on), its desync entries, steps and placements' index */
	if (forced && held > 0 && store_node_unplace(c->m->st, id) == -1) {
		enroll_release(c->m, id);
		reply_error(&c->r, "internal", "node", "store unavailable");
		goto out;
	}
	if (store_node_delete(c->m->st, id) == -1) {
		enroll_release(c->m, id);
		reply_error(&c->r, "internal", "node", "store unavailable");
		goto out;
	}
	enroll_release(c->m, id);
	log_info("node %" PRId64 " \"%s\" at %s uninstalled and removed by %s%s",
	    id, n.name, n.addr, c->who.name, held ? " (forced: it held "
	    "users' data)" : "");
	reply_ok(&c->r);
out:
	store_node_free(&n);
}

#define UPGRADE_WAIT_MS	60000	/* for the agent's report of its version */

/*
 * cluster.node.upgrade elid=NODE: hostfleet upgraded on a node added over
 * SSH, from the master's repository, its agent restarted; ok once the
 * node reports that it runs the version installed and is ready again.
 */
void
api_node_upgrade(struct api_ctx *c)
{
	const char *elid;
	char err[2048], version[64], before[64];
	struct sbuf out;
	struct node n, now;
	int64_t id, end;
	int live = 0;

	if (elid_node(c, &id, &n) == -1)
		return;
	elid = params_get(c->p, "elid");
	strlcpy_hf(before, node_version(&n), sizeof(before));
	if (enroll_claim(c->m, id) == -1) {
		reply_error(&c->r, "busy", "enroll", "the enrollment or "
		    "upgrade of node %s is running", elid);
		goto out;
	}
	sbuf_init(&out, 64 * 1024);
	if (enroll_upgrade(c->m, &n, &out, version, sizeof(version), err,
	    sizeof(err)) == -1) {
		enroll_release(c->m, id);
		log_warnx("node %" PRId64 " \"%s\": %s", id, n.name, err);
		sbuf_release(&out);
		reply_error(&c->r, "node", "node", "%s", err);
		goto out;
	}
	sbuf_release(&out);
	/* ok means it runs: its next report says the version */
	end = mono_ms() + UPGRADE_WAIT_MS;
	while (!live && !c->m->stop && mono_ms() < end) {
		stats_wake(c->m);
		usleep(200 * 1000);
		if (store_node_get(c->m->st, id, &now) != 0)
			break;
		live = strcmp(node_version(&now), version) == 0 &&
		    strcmp(now.status, "ready") == 0;
		store_node_free(&now);
	}
	enroll_release(c->m, id);
	if (!live) {
		reply_error(&c->r, "node", "node", "node \"%s\": hostfleet %s "
		    "is installed, but the agent has not reported it ready "
		    "within %d s", n.name, version, UPGRADE_WAIT_MS / 1000);
		goto out;
	}
	log_info("node %" PRId64 " \"%s\": hostfleet upgraded from %s to %s "
	    "by %s", id, n.name, before[0] ? before : "(unknown)", version,
	    c->who.name);
	reply_ok(&c->r);
	reply_setf(&c->r, "id", "%" PRId64, id);
	reply_set(&c->r, "version", version);
	reply_set(&c->r, "previous", before);
out:
	store_node_free(&n);
}
