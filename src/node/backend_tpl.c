/* backend_tpl.c - configuration templates (sysdata.h): the admin's lines
 * that the user-data renderers put into every file of a slot.  The type's
 * file, R/etc/hostfleet/templates.json, is the set {slot: body} the node
 * renders with; nothing reads it but the node.
 *
 * The check renders every service in use on this node with the new set and
 * puts the result to the services' own checkers (nginx -t, php-fpm -t,
 * doveconf) without installing anything, so a template a checker refuses
 * is refused by the distributed query (I1) with nothing changed.  The
 * activation renders the services again from the store with the new set,
 * installs and reloads them; when that fails, the rollback puts the
 * previous file back and activates it again, which renders the previous
 * set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/util.h"
#include "backend.h"
#include "node.h"

/* The set in the file at path; NULL with err. */
static json_t *
tpl_read(const char *path, char *err, size_t errlen)
{
	char e[VALID_ERR_MAX], *text;
	json_t *set;

	if ((text = file_read(path, 2u << 20, NULL)) == NULL) {
		snprintf(err, errlen, "templates: cannot read \"%s\"", path);
		return NULL;
	}
	set = sd_tpl_parse(text, e);
	free(text);
	if (set == NULL)
		snprintf(err, errlen, "%s", e);
	return set;
}

static int
tpl_check(struct btx *tx, char *err, size_t errlen)
{
	json_t *set;
	int rc;

	if ((set = tpl_read(sdfile_staged(tx), err, errlen)) == NULL)
		return -1;
	rc = udata_tpl_check(tx->a, set, err, errlen);
	json_decref(set);
	return rc;
}

static int
tpl_activate(struct btx *tx, char *err, size_t errlen)
{
	json_t *set;
	int rc;

	if ((set = tpl_read(sdfile_path(tx), err, errlen)) == NULL)
		return -1;
	rc = udata_tpl_set(tx->a, set, err, errlen);
	json_decref(set);
	return rc;
}

void
tpl_load(struct node_agent *a)
{
	char path[PATH_MAX], err[1024];
	const struct dtype *t = sd_type("templates");

	snprintf(path, sizeof(path), "%s/%s", a->conf.root, t->path);
	json_decref(a->tpl);
	a->tpl = NULL;
	if (access(path, F_OK) == -1)
		return;
	if ((a->tpl = tpl_read(path, err, sizeof(err))) == NULL)
		log_warnx("%s; rendering without templates until the master "
		    "sends them again", err);
}

const struct backend backend_templates = {
	"templates", 0, sdfile_render, tpl_check, sdfile_install,
	tpl_activate, sdfile_rollback, NULL,
};
