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
/* Opens an existing store read-only (hostfleet dump); a schema other
 * than this program's is refused.  Only the functions that read may be
 * called on it. */
struct nstore	*nstore_open_readonly(const char *path, char *err,
		    size_t errlen);
/* The version and the items (ordered by id) of a type. */
int		 nstore_state(struct nstore *, const char *type,
		    int64_t *version, json_t **items);
/* In one transaction: upserts puts, deletes the ids, sets the version. */
int		 nstore_apply(struct nstore *, const char *type,
		    int64_t version, const json_t *puts, const json_t *dels);

/* User data: items (JSON objects) by kind and name, with their owner and
 * parent.  nstore_ud_list gives those of owner and parent (NULL: any) in
 * name order; nstore_ud_get returns 1 when there is none. */
int		 nstore_ud_list(struct nstore *, const char *kind,
		    const char *owner, const char *parent, json_t **items);
int		 nstore_ud_get(struct nstore *, const char *kind,
		    const char *name, json_t **item);
/* In one transaction: deletes dels ([{kind, name}]) then writes puts
 * ([{kind, parent, item}]; the item's name and owner — an account is its
 * own owner). */
int		 nstore_ud_write(struct nstore *, const json_t *puts,
		    const json_t *dels);

#endif
