/* store.h - the node's own SQLite (WAL): the system data it has applied and
 * their versions.  store.c is the only file of the node that speaks SQL.
 * Returns 0 or -1; json handed out is the caller's to decref. */
#ifndef HF_NODE_STORE_H
#define HF_NODE_STORE_H

#include <jansson.h>
#include <stdint.h>

struct nstore;

struct nstore	*nstore_open(const char *path, char *err, size_t errlen);
void		 nstore_close(struct nstore *);
/* The version and the items (ordered by id) of a type. */
int		 nstore_state(struct nstore *, const char *type,
		    int64_t *version, json_t **items);
/* In one transaction: upserts puts, deletes the ids, sets the version. */
int		 nstore_apply(struct nstore *, const char *type,
		    int64_t version, const json_t *puts, const json_t *dels);

#endif
