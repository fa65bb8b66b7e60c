/* apply.c - putting system data into effect on the node through the
 * type's backend (backend.h), transactionally (nginx's ngx_init_cycle):
 * render the whole file, check it with the service's checker, rename it
 * into place, activate it; on failure put the previous file back.  Only the difference is applied: items are compared
 * one by one with the node's store, and a file whose content is already
 * right is not touched, nor its service reloaded.  The store is written
 * last, so a node killed in between reports a file that differs from its
 * store, and is restored by the master. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "backend.h"
#include "node.h"

#define STATUS_CACHE_MS	3000

/* Splits new against old: changed or new items, and ids that went. */
static void
diff(json_t *old, json_t *new, json_t *puts, json_t *dels)
{
	json_t *byid = json_object(), *v;
	size_t i;
	char key[32];

	json_array_foreach(old, i, v) {
		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(v, "id")));
		json_object_set(byid, key, v);
	}
	json_array_foreach(new, i, v) {
		json_t *o;

		snprintf(key, sizeof(key), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(v, "id")));
		o = json_object_get(byid, key);
		if (o == NULL || !json_equal(o, v))
			json_array_append(puts, v);
		json_object_del(byid, key);
	}
	{
		const char *k;

		json_object_foreach(byid, k, v)
			json_array_append_new(dels, json_integer(
			    json_integer_value(json_object_get(v, "id"))));
	}
	json_decref(byid);
}

/* Puts items into effect through the type's backend: rendered, checked,
 * installed and activated; on a failed activation the previous file
 * serves again.  0 or -1 with err. */
static int
install(struct node_agent *a, const struct backend *be, json_t *items,
    char *err, size_t errlen)
{
	struct btx tx;
	char e2[512];
	int rc = -1;

	btx_init(&tx, a, be);
	if (backend_put(&tx, items, err, errlen) == 0) {
		if (be->activate(&tx, err, errlen) == 0)
			rc = 0;
		else
			be->rollback(&tx, e2, sizeof(e2));
	}
	btx_release(&tx);
	return rc;
}

int
apply_set(struct node_agent *a, const struct dtype *t, json_t *items,
    const json_t *tocheck, int64_t version, char *err, size_t errlen)
{
	struct typestate *ts = &a->types[sd_type_index(t)];
	json_t *cur = NULL, *puts = json_array(), *dels = json_array(), *v;
	char live[PATH_MAX], field[SD_ERRFIELD_MAX], verr[VALID_ERR_MAX];
	char *want = NULL;
	char *have = NULL;
	const struct backend *be;
	int64_t curver;
	size_t i;
	int rc = -1;

	/* every item that came in is checked again here: the node trusts no
	 * input (the rest is its own store's, checked when it came) */
	json_array_foreach(tocheck, i, v)
		if (sd_item_check(t, v, field, verr) == -1) {
			snprintf(err, errlen, "%s item %zu: %s", t->name, i,
			    verr);
			goto out;
		}
	if (nstore_state(a->st, t->name, &curver, &cur) == -1) {
		snprintf(err, errlen, "%s: store unavailable", t->name);
		goto out;
	}
	diff(cur, items, puts, dels);
	if ((want = sdfile_text(t->name, items)) == NULL) {
		snprintf(err, errlen, "%s: cannot render", t->name);
		goto out;
	}
	sdfile_live(a, t->name, live, sizeof(live));
	have = file_read(live, 64u << 20, NULL);
	be = backend_for(t->name);
	if (have == NULL || strcmp(have, want) != 0 ||
	    (be->verify && !be->verify(a, items))) {
		pthread_mutex_lock(&ts->cmtx);
		ts->checked_ms = 0;
		ts->c_gen++;
		pthread_mutex_unlock(&ts->cmtx);
		if (install(a, be, items, err, errlen) == -1)
			goto out;
		ts->applies++;
	}
	/* A fault-injection point for the tests of I2: a node killed here
	 * has its new file in place and its old store. */
	test_pause("HOSTFLEET_TEST_APPLY_DELAY_MS");
	if ((json_array_size(puts) || json_array_size(dels) ||
	    curver != version) &&
	    nstore_apply(a->st, t->name, version, puts, dels) == -1) {
		snprintf(err, errlen, "%s: cannot store the new state",
		    t->name);
		goto out;
	}
	/* the next report says what was just applied */
	pthread_mutex_lock(&ts->cmtx);
	ts->checked_ms = 0;
	ts->c_gen++;
	pthread_mutex_unlock(&ts->cmtx);
	log_info("%s: version %" JSON_INTEGER_FORMAT ": %zu changed, %zu "
	    "removed%s", t->name, (json_int_t)version, json_array_size(puts),
	    json_array_size(dels), have && strcmp(have, want) == 0 ?
	    ", file unchanged" : "");
	rc = 0;
out:
	free(want);
	free(have);
	json_decref(cur);
	json_decref(puts);
	json_decref(dels);
	return rc;
}

void
apply_status(struct node_agent *a, const struct dtype *t, int64_t *version,
    int *intact, size_t *nitems)
{
	struct typestate *ts = &a->types[sd_type_index(t)];
	char live[PATH_MAX], *want, *have;
	json_t *items;
	int64_t now = mono_ms();
	uint64_t gen;

	/* The check renders the state and may ask the service (nft list):
	 * its answer is kept a few seconds unless an apply intervenes. */
	pthread_mutex_lock(&ts->cmtx);
	if (ts->checked_ms && now - ts->checked_ms < STATUS_CACHE_MS) {
		*version = ts->c_version;
		*intact = ts->c_intact;
		*nitems = ts->c_items;
		pthread_mutex_unlock(&ts->cmtx);
		return;
	}
	gen = ts->c_gen;
	pthread_mutex_unlock(&ts->cmtx);
	*intact = 0;
	*nitems = 0;
	if (nstore_state(a->st, t->name, version, &items) == -1)
		return;
	*nitems = json_array_size(items);
	sdfile_live(a, t->name, live, sizeof(live));
	want = sdfile_text(t->name, items);
	have = file_read(live, 64u << 20, NULL);
	/* a type never applied has no file and nothing to render but the
	 * header: it is intact */
	if (want && have)
		*intact = strcmp(want, have) == 0;
	else if (want && have == NULL)
		*intact = *version == 0;
	if (*intact && have) {
		const struct backend *be = backend_for(t->name);

		if (be->verify && !be->verify(a, items))
			*intact = 0;
	}
	free(want);
	free(have);
	json_decref(items);
	pthread_mutex_lock(&ts->cmtx);
	if (ts->c_gen != gen) {
		/* an apply came meanwhile: this answer may be older than it,
		 * and is not kept for the next reports */
		pthread_mutex_unlock(&ts->cmtx);
		return;
	}
	ts->checked_ms = now;
	ts->c_version = *version;
	ts->c_intact = *intact;
	ts->c_items = *nitems;
	pthread_mutex_unlock(&ts->cmtx);
}
