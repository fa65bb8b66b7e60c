/* api_email.c - email.suspend and email.resume: for each mailbox of elid
 * ("a@x.com, b@x.com"), the change email.edit active=off (or on) makes,
 * run as the caller through email.edit itself. */
#include <stdlib.h>
#include <string.h>

#include "../common/params.h"
#include "../common/util.h"
#include "master.h"

void
api_email_suspend(struct api_ctx *c)
{
	const char *on = strcmp(c->fn->name, "email.resume") == 0 ? "on" :
	    "off";
	const char *elid;
	char *buf = NULL, *items[256];
	struct reqparams p;
	struct reply r;
	int n, i, rc = 0;

	if ((elid = api_need(c, "elid")) == NULL)
		return;
	if ((n = elid_split(elid, &buf, items, 256)) <= 0) {
		free(buf);
		api_bad(c, "elid", "elid: expected 1 to 256 addresses joined "
		    "by \", \"");
		return;
	}
	for (i = 0; i < n && rc == 0; i++) {
		params_init(&p);
		params_add(&p, "sok", 3, "ok", 2);
		params_add(&p, "elid", 4, items[i], strlen(items[i]));
		params_add(&p, "active", 6, on, strlen(on));
		reply_init(&r);
		if ((rc = api_subcall(c, "email.edit", &p, &r)) == -1) {
			/* its error is the answer: it names the mailbox */
			reply_release(&c->r);
			c->r = r;
		} else
			reply_release(&r);
		params_release(&p);
	}
	if (rc == 0)
		reply_ok(&c->r);
	free(buf);
}
