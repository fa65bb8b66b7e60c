/* backend.c - the backends by name, and what drives them (backend.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "backend.h"
#include "node.h"
#include "svcctl.h"

const struct backend *
backend_for(const char *name)
{
	static const struct backend *const all[] = { &backend_nft,
	    &backend_cron, &backend_postfix_whitelist,
	    &backend_postfix_blacklist, &backend_pkg, &backend_templates,
	    &backend_web, &backend_dns, &backend_mail };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

void
btx_init(struct btx *tx, struct node_agent *a, const struct backend *be)
{
	memset(tx, 0, sizeof(*tx));
	tx->a = a;
	tx->be = be;
	tx->tpl = a->tpl;
	svc_tx_init(&tx->files);
}

void
btx_release(struct btx *tx)
{
	if (tx->tmp[0])
		(void)rmtree(tx->tmp);
	tx->tmp[0] = '\0';
	svc_tx_release(&tx->files);
	if (tx->priv && tx->priv_free)
		tx->priv_free(tx->priv);
	tx->priv = NULL;
}

/* Around the render, the check and the install of a role's files: drift.c
 * keeps what a successful one left (a system data type is no role). */
int
backend_put(struct btx *tx, const json_t *want, char *err, size_t errlen)
{
	const struct backend *be = tx->be;
	int rc = -1;

	tx->want = want;
	drift_render_begin(tx->a, be->name);
	if (be->render(tx, want, err, errlen) == 0 &&
	    be->check(tx, err, errlen) == 0 &&
	    (tx->check_only || be->install(tx, err, errlen) == 0))
		rc = 0;
	drift_render_end(tx->a, be->name, rc == 0);
	return rc;
}

int
svc_activate(struct btx *tx, int (*unit_live)(struct btx *, int unit,
    int dirty, char *err, size_t errlen), char *err, size_t errlen)
{
	struct node_agent *a = tx->a;
	unsigned units = tx->be->units, bits;
	char e[900];
	int u, rc = 0;

	if (!a->conf.services)
		return 0;
	/* never waits here: the set-up renders under the service's lock
	 * that the caller holds (the reloader waited before taking it) */
	if (svcctl_ready(a, tx->be->name, 0, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "node \"%s\": %s", a->name, e);
		return -1;
	}
	bits = __atomic_fetch_and(&a->svc_dirty, ~units, __ATOMIC_SEQ_CST) &
	    units;
	for (u = 0; u < U_N && rc == 0; u++) {
		if (!(units & UNIT_BIT(u)))
			continue;
		if (unit_live)
			rc = unit_live(tx, u, (bits & UNIT_BIT(u)) != 0, e,
			    sizeof(e));
		else if (bits & UNIT_BIT(u))
			rc = svcctl_reload(a, (enum unit)u, e, sizeof(e));
		else if (strcmp(svcctl_state(a, (enum unit)u), "running") !=
		    0) {
			snprintf(e, sizeof(e), "%s is not running",
			    unit_name((enum unit)u));
			rc = -1;
		}
		if (rc == -1) {
			/* what was not reloaded still waits for it */
			__atomic_fetch_or(&a->svc_dirty, bits,
			    __ATOMIC_SEQ_CST);
			snprintf(err, errlen, "node \"%s\": %s", a->name, e);
		}
	}
	return rc;
}

/* The files go back even when the service then refuses them: they are
 * the last state it took. */
int
svc_rollback(struct btx *tx, char *err, size_t errlen)
{
	struct btx back;
	char e[1024];
	int rc;

	btx_init(&back, tx->a, tx->be);
	back.tpl = tx->tpl;
	back.had = tx->want;
	if (backend_put(&back, tx->had, e, sizeof(e)) == -1)
		log_warnx("user data: %s files not put back: %s", tx->be->name,
		    e);
	rc = tx->be->activate(&back, err, errlen);
	btx_release(&back);
	return rc;
}
