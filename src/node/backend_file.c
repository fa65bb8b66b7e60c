/* backend_file.c - the steps every system data type shares (backend.h):
 * its one file rendered by sd_render(), written next to the live one as
 * LIVE.new, renamed into place, and on a failed activation the previous
 * content put back and activated again (nginx's ngx_init_cycle). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/sbuf.h"
#include "../common/util.h"
#include "backend.h"
#include "node.h"

/* What render leaves for the check, the install and the rollback. */
struct sdfile {
	char	 live[PATH_MAX];
	char	 tmp[PATH_MAX + 16];
	int	 staged;	/* tmp is there */
	char	*old;		/* the file install replaced, or NULL */
};

static void
sdfile_free(void *p)
{
	struct sdfile *f = p;

	if (f->staged)
		unlink(f->tmp);
	free(f->old);
	free(f);
}

char *
sdfile_text(const char *type, json_t *items)
{
	struct sbuf b;

	sbuf_init(&b, 64u << 20);
	sd_sort(sd_type(type), items);
	if (sd_render(sd_type(type), items, &b) == -1) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_detach(&b, NULL);
}

void
sdfile_live(struct node_agent *a, const char *type, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", a->conf.root, sd_type(type)->path);
}

const char *
sdfile_staged(const struct btx *tx)
{
	return ((const struct sdfile *)tx->priv)->tmp;
}

const char *
sdfile_path(const struct btx *tx)
{
	return ((const struct sdfile *)tx->priv)->live;
}

int
sdfile_render(struct btx *tx, const json_t *want, char *err, size_t errlen)
{
	const char *type = tx->be->name;
	struct sdfile *f;
	char dir[PATH_MAX], *slash, *text;
	int rc = -1;

	if ((text = sdfile_text(type, (json_t *)want)) == NULL) {
		snprintf(err, errlen, "%s: cannot render", type);
		return -1;
	}
	f = xcalloc(1, sizeof(*f));
	tx->priv = f;
	tx->priv_free = sdfile_free;
	sdfile_live(tx->a, type, f->live, sizeof(f->live));
	strlcpy_hf(dir, f->live, sizeof(dir));
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (mkdirs(dir, 0755) == -1) {
		snprintf(err, errlen, "%s: cannot make \"%s\": %s", type,
		    dir, strerror(errno));
		goto out;
	}
	snprintf(f->tmp, sizeof(f->tmp), "%s.new", f->live);
	/* no fsync: the store is the truth, and a file a crash left old is
	 * reported by the next stats poll and pushed again */
	if (file_write_atomic2(f->tmp, text, strlen(text), 0644, 0) == -1) {
		snprintf(err, errlen, "%s: cannot write \"%s\": %s", type,
		    f->tmp, strerror(errno));
		goto out;
	}
	f->staged = 1;
	rc = 0;
out:
	free(text);
	return rc;
}

int
sdfile_install(struct btx *tx, char *err, size_t errlen)
{
	struct sdfile *f = tx->priv;

	f->old = file_read(f->live, 64u << 20, NULL);
	if (rename(f->tmp, f->live) == -1) {
		snprintf(err, errlen, "%s: cannot install \"%s\": %s",
		    tx->be->name, f->live, strerror(errno));
		return -1;
	}
	f->staged = 0;
	return 0;
}

/* The last good file serves again (a type that had none has none). */
int
sdfile_rollback(struct btx *tx, char *err, size_t errlen)
{
	struct sdfile *f = tx->priv;

	if (f->old == NULL) {
		unlink(f->live);
		return 0;
	}
	file_write_atomic2(f->live, f->old, strlen(f->old), 0644, 0);
	return tx->be->activate(tx, err, errlen);
}

int
sdfile_none(struct btx *tx, char *err, size_t errlen)
{
	(void)tx; (void)err; (void)errlen;
	return 0;
}
