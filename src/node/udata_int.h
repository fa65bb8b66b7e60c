/* udata_int.h - what the parts of the node's user data share: the call
 * being served (udata.c dispatches it), the per-service field code beside
 * each backend (svc_web.c, svc_dns.c, svc_mail.c), the commit and
 * making-live of ucommit.c and the accounts of account.c.  Private to
 * src/node. */
#ifndef HF_UDATA_INT_H
#define HF_UDATA_INT_H

#include <pthread.h>
#include <jansson.h>

#include "../common/output.h"
#include "../common/schema.h"
#include "../common/uvalid.h"
#include "node.h"


enum svc { SVC_WEB, SVC_DNS, SVC_MAIL, SVC_N };

extern const char *const	 svc_role[SVC_N];
extern pthread_mutex_t		 svc_mtx[SVC_N];
/* accounts change under this one, taken after a service's */
extern pthread_mutex_t		 acct_mtx;
/* The type of each service's main set (its store kind is the set's). */
extern const struct dtype *const svc_type[SVC_N];
#define svc_kind(s)	(svc_type[s]->store)

struct call {
	struct node_agent	*a;
	const struct dtype	*t;
	const char		*op;		/* "list", "edit", "delete" */
	const char		*func;		/* names the answer */
	json_t			*params;
	const char		*owner;		/* NULL: any owner (admin) */
	json_t			*account;	/* the owner's, or NULL */
	struct reply		 r;
	int			 changed;	/* ud_commit() changed files */
};

/*
 * The start of the *.edit call of an object named by a domain (a site, a
 * zone, a mail domain).  With elid: the caller's object, and for a form
 * without sok its fields answered.  Without elid, after sok: a create, the
 * name checked and free on this node.  Returns EDIT_CHANGE with *item,
 * EDIT_CREATE with n, or EDIT_DONE when the call is answered.
 */
enum { EDIT_DONE, EDIT_CHANGE, EDIT_CREATE };

struct waiter {
	struct waiter	*next;
	int		 done;
	int		 rc;
	char		 err[1024];
};

/* udata.c */
const char *ud_param(const struct call *c, const char *key);
int	 ud_submit(const struct call *c);
int	 ud_bad(struct call *c, const char *field, const char *err);
int	 ud_need(struct call *c, const char *field, const char **v);
json_t *ud_put_of(const char *kind, const char *parent, json_t *item);
json_t *ud_del_of(const char *kind, const char *name);
int	 ud_find(struct call *c, const char *kind, const char *what,
	    const char *name, json_t **item);
int	 ud_read_fields(struct call *c, json_t *item);
json_t *ud_new_item(struct call *c, const char *n);
void	 ud_item_answer(struct call *c, json_t *e, const json_t *it);
int	 ud_edit_begin(struct call *c, char n[DOMAIN_MAX], json_t **item);

/* The service of a role ("web": SVC_WEB), or SVC_N for none. */
enum svc svc_of_role(const char *role);

/* ucommit.c */
int	 ud_commit(struct call *c, enum svc s, json_t *puts, json_t *dels);
int	 go_live(struct node_agent *a, enum svc s, char *err, size_t errlen);
void	 live_enqueue(enum svc s, struct waiter *w);
int	 live_wait(enum svc s, struct waiter *w);
int	 rerender_accounts(struct node_agent *a, char *err, size_t errlen);

/* account.c */
json_t *ud_accounts_map(struct node_agent *a);
int	 ud_ensure_account(struct call *c);
void	 account_set(struct node_agent *a, json_t *b,
	    struct http_resp *resp);
void	 account_delete(struct node_agent *a, json_t *b,
	    struct http_resp *resp);

/* svc_web.c */
void	 web_edit(struct call *c);

/* svc_dns.c */
void	 zone_edit(struct call *c);
void	 rec_list(struct call *c);
void	 rec_edit(struct call *c);
void	 rec_delete(struct call *c);

/* svc_mail.c */
void	 maildom_edit(struct call *c);
void	 box_list(struct call *c);
void	 box_edit(struct call *c);

#endif
