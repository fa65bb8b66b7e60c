/* ucommit.c - a change of user data on a node, from the new set to the
 * service serving it: the complete set of the service rendered, checked
 * and installed by its backend (backend.h), then the store written
 * (ud_commit); the reload of each service batched by its reloader and
 * confirmed before a call is answered, and the last live state put back
 * when the service does not take it ("making changes live" below); the
 * services rendered again at start, after a drift or a template change. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "../common/log.h"
#include "../common/output.h"
#include "../common/params.h"
#include "../common/schema.h"
#include "../common/util.h"
#include "../common/uvalid.h"
#include "backend.h"
#include "node.h"
#include "svcctl.h"
#include "udata_int.h"

/* The type of each service's main set (its store kind is the set's). */
const struct dtype *const svc_type[SVC_N] = { &dt_webdomain,
    &dt_domain, &dt_emaildomain };
#define svc_kind(s)	(svc_type[s]->store)

static const struct backend *const svc_be[SVC_N] = { &backend_web,
    &backend_dns, &backend_mail };

/* The state a service renders from (backend.h): its complete set, the
 * mailboxes too for mail (NULL: not a set, refused), and the accounts of
 * the store.  The caller decrefs. */
static json_t *
svc_state(struct node_agent *a, enum svc s, const json_t *set,
    const json_t *set2)
{
	json_t *o = json_object();

	if (set)
		json_object_set(o, svc_kind(s), (json_t *)set);
	if (s == SVC_MAIL && set2)
		json_object_set(o, dt_email.store, (json_t *)set2);
	json_object_set_new(o, "account", ud_accounts_map(a));
	return o;
}

/* Renders, checks and installs the complete set of a service (the
 * mailboxes in set2), not yet live.  check_tpl NULL: with the node's
 * templates; otherwise with those, checked only, nothing installed.
 * 0 or -1 with err, nothing changed. */
static int
svc_apply(struct node_agent *a, enum svc s, const json_t *set,
    const json_t *set2, const json_t *check_tpl, char *err, size_t errlen)
{
	json_t *want = svc_state(a, s, set, set2);
	struct btx tx;
	int rc;

	btx_init(&tx, a, svc_be[s]);
	if (check_tpl) {
		tx.tpl = check_tpl;
		tx.check_only = 1;
	}
	rc = backend_put(&tx, want, err, errlen);
	btx_release(&tx);
	json_decref(want);
	return rc;
}

/*
 * Puts a service into the state of the store plus puts minus dels, then
 * writes the store.  puts: [{kind, parent, item}]; dels: [{kind, name}].
 * 0, or -1 with the error in the reply and nothing changed.
 */
int
ud_commit(struct call *c, enum svc s, json_t *puts, json_t *dels)
{
	json_t *set = NULL, *set2 = NULL, *v, *w;
	size_t i, j;
	char err[2048];
	int rc = -1;

	nstore_ud_list(c->a->st, svc_kind(s), NULL, NULL, &set);
	if (s == SVC_MAIL)
		nstore_ud_list(c->a->st, "mailbox", NULL, NULL, &set2);
	/* the new sets: without what is deleted or replaced, with puts */
	for (j = 0; j < 2; j++) {
		json_t *arr = j == 0 ? set : set2;
		const char *kind = j == 0 ? svc_kind(s) : dt_email.store;

		if (arr == NULL)
			continue;
		for (i = json_array_size(arr); i-- > 0;) {
			const char *nm = json_string_value(json_object_get(
			    json_array_get(arr, i), "name"));
			size_t k;
			int drop = 0;

			json_array_foreach(dels, k, w)
				if (strcmp(json_string_value(json_object_get(w,
				    "kind")), kind) == 0 && strcmp(
				    json_string_value(json_object_get(w,
				    "name")), nm) == 0)
					drop = 1;
			json_array_foreach(puts, k, w)
				if (strcmp(json_string_value(json_object_get(w,
				    "kind")), kind) == 0 && strcmp(
				    json_string_value(json_object_get(
				    json_object_get(w, "item"), "name")), nm) ==
				    0)
					drop = 1;
			if (drop)
				json_array_remove(arr, i);
		}
		json_array_foreach(puts, i, v)
			if (strcmp(json_string_value(json_object_get(v,
			    "kind")), kind) == 0)
				json_array_append(arr, json_object_get(v,
				    "item"));
	}
	if (svc_apply(c->a, s, set, set2, NULL, err, sizeof(err)) == -1) {
		reply_error(&c->r, "check", svc_kind(s), "%s", err);
		goto out;
	}
	/* A fault-injection point for the tests: a node killed here has its
	 * new files and its old store, which udata_restore() reconciles. */
	test_pause("HOSTFLEET_TEST_UD_DELAY_MS");
	test_point("ud-installed");
	if (nstore_ud_write(c->a->st, puts, dels) == -1) {
		json_t *o1 = NULL, *o2 = NULL;

		/* the store is the truth: put the files back in line */
		nstore_ud_list(c->a->st, svc_kind(s), NULL, NULL, &o1);
		if (s == SVC_MAIL)
			nstore_ud_list(c->a->st, "mailbox", NULL, NULL, &o2);
		svc_apply(c->a, s, o1, o2, NULL, err, sizeof(err));
		json_decref(o1);
		json_decref(o2);
		reply_error(&c->r, "internal", svc_kind(s), "node store "
		    "unavailable; nothing was changed");
		goto out;
	}
	c->changed = 1;
	rc = 0;
out:
	json_decref(set);
	json_decref(set2);
	return rc;
}

/* ---- making changes live (DESIGN.md §2: `ok` means live) ----
 *
 * A change is answered only once its service serves it.  The call's files
 * and store are written under the service's lock as before; then the call
 * joins the service's queue, lets the lock go and waits.  The service's
 * reloader takes the lock, takes every call queued, reloads once for all
 * of them and confirms the result (svcctl.h), so that a burst of changes
 * costs a few reloads.  When the service does not take them, the store and
 * the files go back to the set last made live, the service is reloaded on
 * that, and every call of the batch gets the error. */

static struct liveq {
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	struct waiter	*head;
	int		 kick;		/* a reload without a caller */
	int		 stop;
	int		 running;
	pthread_t	 thr;
	json_t		*snap;		/* {kind: [items]} last made live */
} lq[SVC_N] = {
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0,
	  0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0,
	  0, NULL },
	{ PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, 0, 0,
	  0, NULL },
};

/* The service's sets in the store: {kind: [items]}. */
static json_t *
svc_sets(struct node_agent *a, enum svc s)
{
	json_t *o = json_object(), *items = NULL;

	nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &items);
	json_object_set_new(o, svc_kind(s), items ? items : json_array());
	if (s == SVC_MAIL) {
		items = NULL;
		nstore_ud_list(a->st, "mailbox", NULL, NULL, &items);
		json_object_set_new(o, "mailbox", items ? items : json_array());
	}
	return o;
}

/* Has the backend of s reload what the service's last changes touched
 * and confirm it serves them (backend.h: activate); with svc_mtx[s]
 * held.  0 or -1 with err. */
static int
make_live(struct node_agent *a, enum svc s, const json_t *had,
    const json_t *want, char *err, size_t errlen)
{
	struct btx tx;
	int rc;

	btx_init(&tx, a, svc_be[s]);
	tx.had = had;
	tx.want = want;
	rc = svc_be[s]->activate(&tx, err, errlen);
	btx_release(&tx);
	return rc;
}

/* Puts the store of service s back to the sets of snap, and has the
 * backend put the files and the service back on them (backend.h:
 * rollback; now is the state that failed).  0, or -1 with err when the
 * service does not take them either. */
static int
restore_to(struct node_agent *a, enum svc s, const json_t *snap,
    const json_t *now, char *err, size_t errlen)
{
	json_t *cur = svc_sets(a, s), *puts = json_array(),
	    *dels = json_array(), *items, *it, *was, *set, *set2,
	    *empty = json_array(), *had;
	const char *kind;
	struct btx tx;
	size_t i, j;
	int rc;

	json_object_foreach(cur, kind, items)
		json_array_foreach(items, i, it) {
			const char *n = json_string_value(json_object_get(it,
			    "name"));
			int keep = 0;

			json_array_foreach(json_object_get(snap, kind), j, was)
				if (strcmp(json_string_value(json_object_get(
				    was, "name")), n) == 0)
					keep = json_equal(was, it) ? 2 : 1;
			if (keep != 2)
				json_array_append_new(dels, ud_del_of(kind, n));
		}
	json_object_foreach((json_t *)snap, kind, items)
		json_array_foreach(items, i, it) {
			int same = 0;

			json_array_foreach(json_object_get(cur, kind), j, was)
				if (json_equal(was, it))
					same = 1;
			if (!same)
				json_array_append_new(puts, ud_put_of(kind,
				    strcmp(kind, "mailbox") == 0 ?
				    json_string_value(json_object_get(it,
				    "domain")) : NULL, json_incref(it)));
		}
	if (nstore_ud_write(a->st, puts, dels) == -1)
		log_warnx("user data: the store could not be put back");
	set = json_object_get(snap, svc_kind(s));
	set2 = json_object_get(snap, "mailbox");
	if (set == NULL)
		set = empty;
	if (set2 == NULL)
		set2 = empty;
	had = svc_state(a, s, set, set2);
	btx_init(&tx, a, svc_be[s]);
	tx.had = had;
	tx.want = now;
	rc = svc_be[s]->rollback(&tx, err, errlen);
	btx_release(&tx);
	json_decref(had);
	json_decref(cur);
	json_decref(puts);
	json_decref(dels);
	json_decref(empty);
	return rc;
}

/*
 * Makes the store's state of service s live, with svc_mtx[s] held: on
 * success it becomes the state to come back to; on failure the store and
 * the files go back to that state and the service is reloaded on it.
 * 0, or -1 with err.
 */
static int
sets_empty(const json_t *sets)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)sets, k, v)
		if (json_array_size(v) > 0)
			return 0;
	return 1;
}

int
go_live(struct node_agent *a, enum svc s, char *err, size_t errlen)
{
	json_t *now = svc_sets(a, s), *had;
	char e2[1024];
	int rc = 0;

	had = lq[s].snap ? json_incref(lq[s].snap) : json_object();
	if (sets_empty(had) && sets_empty(now) && !(a->svc_dirty &
	    svc_be[s]->units)) {
		/* the service has nothing of ours here, before or after */
		json_decref(had);
		json_decref(now);
		return 0;
	}
	if (make_live(a, s, had, now, err, errlen) == 0) {
		json_decref(lq[s].snap);
		lq[s].snap = json_incref(now);
	} else {
		log_warnx("user data: %s; the %s changes are undone", err,
		    svc_kind(s));
		if (restore_to(a, s, had, now, e2, sizeof(e2)) == -1)
			log_warnx("user data: the previous %s state is not "
			    "live either: %s", svc_kind(s), e2);
		rc = -1;
	}
	json_decref(had);
	json_decref(now);
	return rc;
}

static void *
reloader_main(void *arg)
{
	struct node_agent *a = ((void **)arg)[0];
	enum svc s = (enum svc)(intptr_t)((void **)arg)[1];
	struct liveq *q = &lq[s];
	struct waiter *batch, *w;
	char err[1024];
	int rc, kick;

	free(arg);
	for (;;) {
		pthread_mutex_lock(&q->mtx);
		while (q->head == NULL && !q->kick && !q->stop)
			pthread_cond_wait(&q->cv, &q->mtx);
		if (q->stop && q->head == NULL) {
			pthread_mutex_unlock(&q->mtx);
			return NULL;
		}
		pthread_mutex_unlock(&q->mtx);
		/* a role still being set up: wait for it here, without the
		 * service's lock, which the set-up takes */
		if (a->conf.services)
			svcctl_ready(a, svc_role[s], 30000, err, sizeof(err));
		pthread_mutex_lock(&svc_mtx[s]);
		pthread_mutex_lock(&q->mtx);
		batch = q->head;
		kick = q->kick;
		q->head = NULL;
		q->kick = 0;
		pthread_mutex_unlock(&q->mtx);
		err[0] = '\0';
		rc = batch || kick ? go_live(a, s, err, sizeof(err)) : 0;
		pthread_mutex_unlock(&svc_mtx[s]);
		pthread_mutex_lock(&q->mtx);
		for (w = batch; w; w = w->next) {
			w->rc = rc;
			strlcpy_hf(w->err, err, sizeof(w->err));
			w->done = 1;
		}
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mtx);
	}
}

/* With svc_mtx[s] held: queues w for the next reload of s. */
void
live_enqueue(enum svc s, struct waiter *w)
{
	memset(w, 0, sizeof(*w));
	pthread_mutex_lock(&lq[s].mtx);
	w->next = lq[s].head;
	lq[s].head = w;
	pthread_cond_broadcast(&lq[s].cv);
	pthread_mutex_unlock(&lq[s].mtx);
}

/* Without svc_mtx[s]: waits for w's reload.  0 or -1 with w->err. */
int
live_wait(enum svc s, struct waiter *w)
{
	pthread_mutex_lock(&lq[s].mtx);
	while (!w->done)
		pthread_cond_wait(&lq[s].cv, &lq[s].mtx);
	pthread_mutex_unlock(&lq[s].mtx);
	return w->rc;
}

void
udata_start(struct node_agent *a)
{
	int s;

	for (s = 0; s < SVC_N; s++) {
		void **arg = xmalloc(2 * sizeof(*arg));
		json_t *items = NULL;

		pthread_mutex_lock(&svc_mtx[s]);
		/* the store, as udata_restore() rendered it: the services
		 * reload what that changed (its files are dirty) */
		lq[s].snap = svc_sets(a, (enum svc)s);
		nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &items);
		lq[s].kick = json_array_size(items) > 0;
		json_decref(items);
		pthread_mutex_unlock(&svc_mtx[s]);
		arg[0] = a;
		arg[1] = (void *)(intptr_t)s;
		if (pthread_create(&lq[s].thr, NULL, reloader_main, arg) == 0)
			lq[s].running = 1;
		else
			free(arg);
	}
}

void
udata_stop(struct node_agent *a)
{
	int s;

	(void)a;
	for (s = 0; s < SVC_N; s++) {
		if (!lq[s].running)
			continue;
		pthread_mutex_lock(&lq[s].mtx);
		lq[s].stop = 1;
		pthread_cond_broadcast(&lq[s].cv);
		pthread_mutex_unlock(&lq[s].mtx);
		pthread_join(lq[s].thr, NULL);
		lq[s].running = 0;
		json_decref(lq[s].snap);
		lq[s].snap = NULL;
	}
}

int
udata_prepare(struct node_agent *a, const char *role, char *err,
    size_t errlen)
{
	json_t *s1 = NULL, *s2 = NULL;
	int s, rc;

	if ((s = svc_of_role(role)) == SVC_N)
		return 0;
	pthread_mutex_lock(&svc_mtx[s]);
	nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &s1);
	if (s == SVC_MAIL)
		nstore_ud_list(a->st, "mailbox", NULL, NULL, &s2);
	if (s1 == NULL)
		s1 = json_array();
	if (s == SVC_MAIL && s2 == NULL)
		s2 = json_array();
	rc = svc_apply(a, (enum svc)s, s1, s2, NULL, err, errlen);
	pthread_mutex_unlock(&svc_mtx[s]);
	json_decref(s1);
	json_decref(s2);
	return rc;
}

/* Marks in had (a snapshot to make live from) what a restore of drifted
 * DNS files must load again: a zone whose file drifted gets a serial no
 * zone has, so named reloads it; a drifted zones.conf leaves only those
 * zones in had, so named reads its configuration again. */
static void
drifted_zones(json_t *had, const json_t *drifted)
{
	static const char pfx[] = "etc/bind/hostfleet/zones/";
	json_t *zones = json_object_get(had, "zone"), *p, *z, *keep;
	size_t i, j, n;
	int conf = 0;

	keep = json_array();
	json_array_foreach(drifted, i, p) {
		const char *path = json_string_value(p);

		if (strcmp(path, "etc/bind/hostfleet/zones.conf") == 0)
			conf = 1;
		if (strncmp(path, pfx, sizeof(pfx) - 1) != 0 ||
		    (n = strlen(path + sizeof(pfx) - 1)) <= 3)
			continue;
		json_array_foreach(zones, j, z) {
			const char *nm = json_string_value(json_object_get(z,
			    "name"));

			if (strlen(nm) == n - 3 && strncmp(nm, path +
			    sizeof(pfx) - 1, n - 3) == 0) {
				json_object_set_new(z, "serial",
				    json_integer(-1));
				json_array_append(keep, z);
			}
		}
	}
	if (conf)
		json_object_set(had, "zone", keep);
	json_decref(keep);
}

int
udata_repair(struct node_agent *a, const char *role, json_t **fixed,
    char *err, size_t errlen)
{
	json_t *drifted, *sets = NULL, *had = NULL;
	int s, rc = 0;

	if (fixed)
		*fixed = NULL;
	if ((s = svc_of_role(role)) == SVC_N)
		return 0;
	pthread_mutex_lock(&svc_mtx[s]);
	/* again under the lock: a change may have rendered meanwhile */
	drifted = drift_scan_locked(a, role);
	if (json_array_size(drifted) == 0)
		goto out;
	sets = svc_sets(a, (enum svc)s);
	if (svc_apply(a, (enum svc)s, json_object_get(sets, svc_kind(s)),
	    json_object_get(sets, "mailbox"), NULL, err, errlen) == -1) {
		rc = -1;
		goto out;
	}
	/* the store did not change: what serves is made the store's again,
	 * and nothing is undone when that fails */
	had = lq[s].snap ? json_deep_copy(lq[s].snap) : json_object();
	if (s == SVC_DNS)
		drifted_zones(had, drifted);
	if (make_live(a, (enum svc)s, had, sets, err, errlen) == -1) {
		rc = -1;
		goto out;
	}
	json_decref(lq[s].snap);
	lq[s].snap = json_incref(sets);
	if (fixed)
		*fixed = json_incref(drifted);
out:
	pthread_mutex_unlock(&svc_mtx[s]);
	json_decref(drifted);
	json_decref(sets);
	json_decref(had);
	return rc;
}

/* Whether a service has anything on this node: items in the store, or
 * files of its own (left to sweep). */
static int
svc_in_use(struct node_agent *a, enum svc s, const json_t *set)
{
	static const char *const dirs[SVC_N] = { "/etc/nginx/hostfleet",
	    "/etc/bind/hostfleet", "/etc/postfix/hostfleet" };
	char path[1024];
	struct stat sb;

	if (json_array_size(set) > 0)
		return 1;
	snprintf(path, sizeof(path), "%s%s", a->conf.root, dirs[s]);
	return stat(path, &sb) == 0;
}

/* Renders again a service from the store, if it is in use here;
 * check_tpl as for svc_apply(). */
static int
rerender_how(struct node_agent *a, enum svc s, const json_t *check_tpl,
    char *err, size_t errlen)
{
	json_t *s1 = NULL, *s2 = NULL;
	int rc = 0;

	nstore_ud_list(a->st, svc_kind(s), NULL, NULL, &s1);
	if (s == SVC_MAIL)
		nstore_ud_list(a->st, "mailbox", NULL, NULL, &s2);
	if (svc_in_use(a, s, s1))
		rc = svc_apply(a, s, s1, s2, check_tpl, err, errlen);
	json_decref(s1);
	json_decref(s2);
	return rc;
}

static int
rerender(struct node_agent *a, enum svc s, char *err, size_t errlen)
{
	return rerender_how(a, s, NULL, err, errlen);
}

/* Renders the services whose output depends on accounts (web and
 * mail). */
int
rerender_accounts(struct node_agent *a, char *err, size_t errlen)
{
	if (rerender(a, SVC_WEB, err, errlen) == -1)
		return -1;
	return rerender(a, SVC_MAIL, err, errlen);
}

int
udata_restore(struct node_agent *a)
{
	json_t *s1 = NULL;
	char err[1024];
	int i, failed = 0;

	nstore_ud_list(a->st, "account", NULL, NULL, &s1);
	if (json_array_size(s1) == 0) {
		json_decref(s1);
		return 0;	/* no user data on this node */
	}
	json_decref(s1);
	for (i = 0; i < SVC_N; i++)
		if (rerender(a, (enum svc)i, err, sizeof(err)) == -1) {
			log_warnx("user data: %s files not restored: %s",
			    svc_kind(i), err);
			failed++;
		}
	return failed;
}

/* The services templates go into (sysdata.h's slots). */
static const enum svc tpl_svcs[] = { SVC_WEB, SVC_MAIL };

int
udata_tpl_check(struct node_agent *a, const json_t *tpl, char *err,
    size_t errlen)
{
	char e[1024];
	size_t i;
	int s, rc = 0;

	for (s = 0; s < SVC_N; s++)
		pthread_mutex_lock(&svc_mtx[s]);
	for (i = 0; i < nitems(tpl_svcs) && rc == 0; i++)
		if ((rc = rerender_how(a, tpl_svcs[i], tpl, e,
		    sizeof(e))) == -1)
			snprintf(err, errlen, "templates: %s", e);
	for (s = SVC_N - 1; s >= 0; s--)
		pthread_mutex_unlock(&svc_mtx[s]);
	return rc;
}

int
udata_tpl_set(struct node_agent *a, json_t *tpl, char *err, size_t errlen)
{
	char e[1024];
	json_t *old;
	size_t i;
	int s, rc = 0;

	for (s = 0; s < SVC_N; s++)
		pthread_mutex_lock(&svc_mtx[s]);
	old = a->tpl;
	a->tpl = json_incref(tpl);
	json_decref(old);
	for (i = 0; i < nitems(tpl_svcs) && rc == 0; i++)
		if ((rc = rerender(a, tpl_svcs[i], e, sizeof(e))) == -1)
			snprintf(err, errlen, "templates: %s", e);
	for (i = 0; i < nitems(tpl_svcs) && rc == 0; i++)
		rc = go_live(a, tpl_svcs[i], err, errlen);
	for (s = SVC_N - 1; s >= 0; s--)
		pthread_mutex_unlock(&svc_mtx[s]);
	return rc;
}
