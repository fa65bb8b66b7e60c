/* svc_mail.c - mail domains and mailboxes as Postfix virtual maps and a
 * Dovecot passwd-file.
 *
 * Files under the host root R (P is R/etc/postfix/hostfleet):
 *   P/vdomains    "DOMAIN OK" per domain of an active owner
 *   P/vmailboxes  "LOCAL@DOMAIN OWNER/data/email/DOMAIN/LOCAL/" per
 *                 mailbox of an active owner (relative to
 *                 virtual_mailbox_base = R/var/www, so that Postfix
 *                 delivers into the Maildir that is Dovecot's home)
 *   P/valiases    forwards, catch-alls ("@DOMAIN target"), and with a
 *                 catch-all the identity line of each mailbox
 *   P/vuids, P/vgids  "@DOMAIN UID" / "@DOMAIN GID" of the owner
 *   P/MAP.db      their postmap hash tables
 *   P/main.cf     the main.cf lines that use them; Postfix has no include,
 *                 so the node sets each with postconf -e (svcctl.c)
 *   R/etc/dovecot/hostfleet/users         passwd-file of active mailboxes
 *   R/etc/dovecot/hostfleet/dovecot.conf  passdb/userdb on it, for
 *                 "!include R/etc/dovecot/hostfleet/dovecot.conf"
 *
 * Checks, all in a private directory TMP that holds a copy of P/main.cf
 * (postmap and postconf read main.cf from their -c directory, and would
 * otherwise read /etc/postfix): `postmap -c TMP hash:NEWFILE` builds the
 * .db of each changed map (any warning, such as a line without a value,
 * fails it); `postconf -c TMP -n` reads the main.cf lines back (a warning,
 * such as an unknown parameter, fails it).  `postfix -c TMP check` is not
 * used: it inspects and repairs the queue directories and file ownership
 * under /var/spool/postfix, which is the running system's.  Dovecot:
 * `doveconf -c TMP/dovecot.conf -n` on a wrapper with base_dir and
 * state_dir in TMP and ssl off that includes the new dovecot.conf; doveconf
 * reads neither /etc/dovecot nor the users file, so the renderer alone
 * answers for that file's lines: every value in it is refused unless it is
 * made only of bytes that cannot end a field (':') or a line. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "../common/util.h"
#include "../common/valid.h"
#include "node.h"
#include "udata_int.h"
#include "backend.h"
#include "render.h"
#include "svc_util.h"
#include "svcctl.h"

#define MAX_FORWARD	64

/* The account of owner (accounts: object name -> account, or array). */
static const json_t *
account_of(const json_t *accounts, const char *owner)
{
	const json_t *v;
	size_t i;

	if (owner == NULL)
		return NULL;
	if (json_is_object(accounts))
		return json_object_get(accounts, owner);
	json_array_foreach(accounts, i, v)
		if (svc_str(v, "name") &&
		    strcmp(svc_str(v, "name"), owner) == 0)
			return v;
	return NULL;
}

/* The account of owner, checked: its name, uid and gid; *active set. */
static const json_t *
owner_account(const json_t *accounts, const char *what, const char *owner,
    int *active, char *err, size_t errlen)
{
	const json_t *a, *act;
	json_int_t uid, gid;

	if (svc_check_user("owner", owner, err, errlen) == -1)
		return NULL;
	if ((a = account_of(accounts, owner)) == NULL || !json_is_object(a)) {
		snprintf(err, errlen, "%s: no account \"%s\"", what, owner);
		return NULL;
	}
	uid = json_integer_value(json_object_get(a, "uid"));
	gid = json_integer_value(json_object_get(a, "gid"));
	if (uid <= 0 || uid > 0xfffffffeLL || gid <= 0 || gid > 0xfffffffeLL) {
		snprintf(err, errlen, "account \"%s\": bad uid or gid", owner);
		return NULL;
	}
	act = json_object_get(a, "active");
	*active = act == NULL || json_is_true(act);
	return a;
}

/* An Argon2id hash in libsodium's string form: "$argon2id$" and then only
 * [A-Za-z0-9$=,+/.-], at most 256 bytes. */
static int
check_pwhash(const char *mb, const char *h, char *err, size_t errlen)
{
	size_t i;

	if (h == NULL || strncmp(h, "$argon2id$", 10) != 0 ||
	    strlen(h) > 256)
		goto bad;
	for (i = 0; h[i]; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		    (h[i] >= 'A' && h[i] <= 'Z') ||
		    (h[i] >= '0' && h[i] <= '9') || strchr("$=,+/.-", h[i])))
			goto bad;
	return 0;
bad:
	snprintf(err, errlen, "mailbox \"%s\": pwhash is not an Argon2id "
	    "hash", mb);
	return -1;
}

/* The domain item called name in the sorted array doms, or NULL. */
static const json_t *
domain_of(const json_t *doms, const char *name)
{
	const json_t *d;
	size_t i;

	json_array_foreach(doms, i, d)
		if (strcmp(svc_str(d, "name"), name) == 0)
			return d;
	return NULL;
}

/*
 * Renders the four mail files (see render.h) from the domains and mailboxes
 * (arrays or objects of items) with the owners' accounts.  Every name,
 * address, hash and path is checked by a grammar without white space,
 * ':', ',', '#' or control bytes, so no value can add a map entry, a
 * passwd-file field or a line; anything else is refused, never written.
 * Suspended owners' domains and mailboxes are left out.  0 or -1 with err.
 */
int
render_mail(const json_t *domains, const json_t *mailboxes,
    const json_t *accounts, const char *root, struct sbuf *vdomains,
    struct sbuf *vmailboxes, struct sbuf *valiases,
    struct sbuf *dovecot_users, char *err, size_t errlen)
{
	json_t *doms = NULL, *mbs = NULL, *seen = json_object();
	const json_t *d, *m, *acct, *v;
	size_t i, j;
	int rc = -1, w = 0, active;

	if (svc_check_root(root, err, errlen) == -1)
		goto out;
	if ((doms = svc_items(domains)) == NULL ||
	    (mbs = svc_items(mailboxes)) == NULL) {
		snprintf(err, errlen, "mail: domains or mailboxes not a set");
		goto out;
	}
	w |= sbuf_adds(vdomains, "# hostfleet: virtual_mailbox_domains; "
	    "generated, do not edit\n");
	w |= sbuf_adds(vmailboxes, "# hostfleet: virtual_mailbox_maps; "
	    "generated, do not edit\n");
	w |= sbuf_adds(valiases, "# hostfleet: virtual_alias_maps; "
	    "generated, do not edit\n");
	json_array_foreach(doms, i, d) {
		const char *name = svc_str(d, "name"), *def;

		if (!json_is_object(d) || svc_check_host("mail domain", name,
		    0, err, errlen) == -1)
			goto out;
		if (json_object_get(seen, name)) {
			snprintf(err, errlen, "mail domain \"%s\" given twice",
			    name);
			goto out;
		}
		json_object_set_new(seen, name, json_true());
		if (owner_account(accounts, name, svc_str(d, "owner"),
		    &active, err, errlen) == NULL)
			goto out;
		def = svc_str(d, "defaction");
		if (def && def[0] && strcmp(def, "reject") != 0 &&
		    svc_check_addr("defaction", def, err, errlen) == -1)
			goto out;
		if (!active)
			continue;
		w |= sbuf_printf(vdomains, "%s OK\n", name);
		if (def && def[0] && strcmp(def, "reject") != 0)
			w |= sbuf_printf(valiases, "@%s %s\n", name, def);
	}
	json_array_foreach(mbs, i, m) {
		const char *name = svc_str(m, "name"), *dom, *owner, *at;
		const json_t *fwd, *q, *dd;
		json_int_t quota = 0;
		char local[80];

		if (!json_is_object(m) || svc_check_addr("mailbox", name, err,
		    errlen) == -1)
			goto out;
		if (json_object_get(seen, name)) {
			snprintf(err, errlen, "mailbox \"%s\" given twice",
			    name);
			goto out;
		}
		json_object_set_new(seen, name, json_true());
		at = strchr(name, '@');
		snprintf(local, sizeof(local), "%.*s", (int)(at - name), name);
		dom = svc_str(m, "domain");
		if (dom == NULL)
			dom = at + 1;
		if (strcmp(dom, at + 1) != 0 ||
		    (dd = domain_of(doms, dom)) == NULL) {
			snprintf(err, errlen, "mailbox \"%s\": no mail domain "
			    "\"%s\"", name, at + 1);
			goto out;
		}
		owner = svc_str(m, "owner");
		if ((acct = owner_account(accounts, name, owner, &active, err,
		    errlen)) == NULL)
			goto out;
		if (strcmp(owner, svc_str(dd, "owner")) != 0) {
			snprintf(err, errlen, "mailbox \"%s\": owner \"%s\" is "
			    "not the domain's", name, owner);
			goto out;
		}
		if (check_pwhash(name, svc_str(m, "pwhash"), err, errlen) == -1)
			goto out;
		q = json_object_get(m, "quota_mb");
		if (q && !json_is_null(q)) {
			quota = json_integer_value(q);
			if (!json_is_integer(q) || quota < 0 ||
			    quota > 100000000) {
				snprintf(err, errlen, "mailbox \"%s\": bad "
				    "quota_mb", name);
				goto out;
			}
		}
		fwd = json_object_get(m, "forward");
		if (fwd && (!json_is_array(fwd) ||
		    json_array_size(fwd) > MAX_FORWARD)) {
			snprintf(err, errlen, "mailbox \"%s\": forward not a "
			    "list of at most %d", name, MAX_FORWARD);
			goto out;
		}
		json_array_foreach(fwd, j, v)
			if (svc_check_addr("forward", json_string_value(v),
			    err, errlen) == -1)
				goto out;
		/* a suspended owner's, or a mailbox suspended itself */
		if (!active || json_is_false(json_object_get(m, "active")))
			continue;
		w |= sbuf_printf(vmailboxes, "%s %s/data/email/%s/%s/\n", name,
		    owner, dom, local);
		if (json_array_size(fwd) > 0) {
			w |= sbuf_printf(valiases, "%s ", name);
			json_array_foreach(fwd, j, v)
				w |= sbuf_printf(valiases, "%s%s", j ? ", " :
				    "", json_string_value(v));
			if (json_is_true(json_object_get(m, "keep_copy")))
				w |= sbuf_printf(valiases, ", %s", name);
			w |= sbuf_addc(valiases, '\n');
		} else {
			const char *def = svc_str(dd, "defaction");

			/* a catch-all would take the mailbox's mail too */
			if (def && def[0] && strcmp(def, "reject") != 0)
				w |= sbuf_printf(valiases, "%s %s\n", name,
				    name);
		}
		w |= sbuf_printf(dovecot_users, "%s:{ARGON2ID}%s:%"
		    JSON_INTEGER_FORMAT ":%" JSON_INTEGER_FORMAT
		    "::%s/var/www/%s/data/email/%s/%s::", name,
		    svc_str(m, "pwhash"),
		    json_integer_value(json_object_get(acct, "uid")),
		    json_integer_value(json_object_get(acct, "gid")), root,
		    owner, dom, local);
		if (quota > 0)
			w |= sbuf_printf(dovecot_users,
			    "userdb_quota_rule=*:storage=%" JSON_INTEGER_FORMAT
			    "M", quota);
		w |= sbuf_addc(dovecot_users, '\n');
	}
	if (w != 0) {
		snprintf(err, errlen, "mail: too large");
		goto out;
	}
	rc = 0;
out:
	json_decref(doms);
	json_decref(mbs);
	json_decref(seen);
	return rc;
}

/* vuids and vgids: "@DOMAIN ID" of each active owner's domain. */
static int
render_ids(const json_t *domains, const json_t *accounts, struct sbuf *uids,
    struct sbuf *gids)
{
	json_t *doms = svc_items(domains);
	const json_t *d, *a;
	size_t i;
	int w = 0;

	if (doms == NULL)
		return -1;
	w |= sbuf_adds(uids, "# hostfleet: virtual_uid_maps; generated, do "
	    "not edit\n");
	w |= sbuf_adds(gids, "# hostfleet: virtual_gid_maps; generated, do "
	    "not edit\n");
	json_array_foreach(doms, i, d) {
		/* render_mail() has checked every member */
		a = account_of(accounts, svc_str(d, "owner"));
		if (json_is_false(json_object_get(a, "active")))
			continue;
		w |= sbuf_printf(uids, "@%s %" JSON_INTEGER_FORMAT "\n",
		    svc_str(d, "name"), json_integer_value(json_object_get(a,
		    "uid")));
		w |= sbuf_printf(gids, "@%s %" JSON_INTEGER_FORMAT "\n",
		    svc_str(d, "name"), json_integer_value(json_object_get(a,
		    "gid")));
	}
	json_decref(doms);
	return w ? -1 : 0;
}

/* Runs a check; its output with "warning" or "fatal" in it is a failure
 * too, since postmap and postconf warn and still exit 0. */
static int
check(char *const argv[], int strict, char *err, size_t errlen)
{
	char out[1024];
	int rc;

	rc = svc_run(argv, out, sizeof(out), NULL);
	if (rc != 0 || (strict && (strstr(out, "warning") ||
	    strstr(out, "fatal")))) {
		snprintf(err, errlen, "%s: %s", argv[0], out[0] ? out :
		    "failed");
		return -1;
	}
	return 0;
}

static const char *const maps[] = { "vdomains", "vmailboxes", "valiases",
    "vuids", "vgids" };

/* What a render of the mail leaves for the check and the install. */
struct mail_tx {
	struct sbuf	 maincf;	/* the main.cf lines */
	char		 pdir[PATH_MAX];
	char		 ddir[PATH_MAX];
	char		 ucf[PATH_MAX];	/* the users file */
};

static void
mail_tx_free(void *p)
{
	struct mail_tx *m = p;

	sbuf_release(&m->maincf);
	free(m);
}

/*
 * Renders the domains and mailboxes of want ("emaildomain" and "mailbox",
 * arrays or objects of items) with the owners' accounts (want's
 * "account") into the Postfix maps and main.cf lines and the Dovecot
 * users and settings, and stages what changed.  A map whose .db is
 * missing is staged even when its source is unchanged.  0 or -1 with err.
 */
static int
mail_render(struct btx *tx, const json_t *want, char *err, size_t errlen)
{
	const char *root = tx->a->conf.root, *dextra;
	const json_t *domains = json_object_get(want, "emaildomain");
	const json_t *mailboxes = json_object_get(want, "mailbox");
	const json_t *accounts = json_object_get(want, "account");
	char live[PATH_MAX], path[PATH_MAX];
	struct sbuf b[5], users, dcf;
	struct mail_tx *m;
	size_t i;
	int rc = -1, w = 0;

	for (i = 0; i < nitems(b); i++)
		sbuf_init(&b[i], 64u << 20);
	sbuf_init(&users, 64u << 20);
	sbuf_init(&dcf, 1u << 16);
	m = xcalloc(1, sizeof(*m));
	sbuf_init(&m->maincf, 1u << 16);
	tx->priv = m;
	tx->priv_free = mail_tx_free;
	if (svc_check_root(root, err, errlen) == -1 ||
	    svc_tpl(tx->tpl, "dovecot_extra", &dextra, err, errlen) == -1)
		goto out;
	if (render_mail(domains, mailboxes, accounts, root, &b[0], &b[1],
	    &b[2], &users, err, errlen) == -1)
		goto out;
	if (render_ids(domains, accounts, &b[3], &b[4]) == -1) {
		snprintf(err, errlen, "mail: cannot render the id maps");
		goto out;
	}
	snprintf(m->pdir, sizeof(m->pdir), "%s/etc/postfix/hostfleet", root);
	snprintf(m->ddir, sizeof(m->ddir), "%s/etc/dovecot/hostfleet", root);
	snprintf(m->ucf, sizeof(m->ucf), "%s/users", m->ddir);
	w |= sbuf_printf(&m->maincf, "# hostfleet: the lines main.cf needs "
	    "for the virtual mail of this node; generated, do not edit\n"
	    "virtual_mailbox_domains = hash:%s/vdomains\n"
	    "virtual_mailbox_maps = hash:%s/vmailboxes\n"
	    "virtual_alias_maps = hash:%s/valiases\n"
	    "virtual_mailbox_base = %s/var/www\n"
	    "virtual_uid_maps = hash:%s/vuids\n"
	    "virtual_gid_maps = hash:%s/vgids\n"
	    "virtual_minimum_uid = 1000\n"
	    /* delivered by Dovecot, which keeps each mailbox's quota */
	    "virtual_transport = lmtp:unix:private/dovecot-lmtp\n"
	    "smtpd_sender_restrictions = check_sender_access texthash:"
	    "%s/etc/postfix/hostfleet_sender_whitelist, check_sender_access "
	    "texthash:%s/etc/postfix/hostfleet_sender_blacklist\n",
	    m->pdir, m->pdir, m->pdir, root, m->pdir, m->pdir, root, root);
	w |= sbuf_printf(&dcf, "# hostfleet: \"!include\" this from "
	    "dovecot.conf; generated, do not edit\n"
	    "mail_location = maildir:~\n"
	    "passdb {\n  driver = passwd-file\n"
	    "  args = scheme=ARGON2ID username_format=%%u %s\n}\n"
	    "userdb {\n  driver = passwd-file\n"
	    "  args = username_format=%%u %s\n}\n"
	    /* each mailbox's maxsize (userdb_quota_rule) enforced */
	    "mail_plugins = $mail_plugins quota\n"
	    "plugin {\n  quota = count:User quota\n  quota_vsizes = yes\n}\n"
	    "protocol lmtp {\n  mail_plugins = $mail_plugins quota\n}\n"
	    /* Postfix hands mail over in its queue directory */
	    "service lmtp {\n  unix_listener %s/var/spool/postfix/private/"
	    "dovecot-lmtp {\n    user = postfix\n    group = postfix\n"
	    "    mode = 0600\n  }\n}\n",
	    m->ucf, m->ucf, root);
	if (dextra)
		w |= sbuf_printf(&dcf, "# template dovecot_extra\n%s\n"
		    "# end of template dovecot_extra\n", dextra);
	if (w != 0) {
		snprintf(err, errlen, "mail: too large");
		goto out;
	}
	for (i = 0; i < nitems(maps); i++) {
		snprintf(live, sizeof(live), "%s/%s", m->pdir, maps[i]);
		snprintf(path, sizeof(path), "%s.db", live);
		if (svc_tx_stage(&tx->files, live, sbuf_str(&b[i]), b[i].len,
		    0644, access(path, F_OK) == -1, err, errlen) == -1)
			goto out;
		svc_tx_with_db(&tx->files, live);
	}
	snprintf(live, sizeof(live), "%s/main.cf", m->pdir);
	if (svc_tx_stage(&tx->files, live, sbuf_str(&m->maincf),
	    m->maincf.len, 0644, 0, err, errlen) == -1)
		goto out;
	/* the users file holds password hashes: dovecot reads it as root */
	if (svc_tx_stage(&tx->files, m->ucf, sbuf_str(&users), users.len,
	    0600, 0, err, errlen) == -1)
		goto out;
	snprintf(live, sizeof(live), "%s/dovecot.conf", m->ddir);
	if (svc_tx_stage(&tx->files, live, sbuf_str(&dcf), dcf.len, 0644, 0,
	    err, errlen) == -1)
		goto out;
	rc = 0;
out:
	for (i = 0; i < nitems(b); i++)
		sbuf_release(&b[i]);
	sbuf_release(&users);
	sbuf_release(&dcf);
	return rc;
}

/*
 * Builds and checks the .db of each changed map with postmap, checks the
 * main.cf lines with postconf and the Dovecot part with doveconf (see the
 * top of the file).
 */
static int
mail_check(struct btx *tx, char *err, size_t errlen)
{
	struct mail_tx *m = tx->priv;
	const char *tmp = tx->tmp;
	char live[PATH_MAX], path[PATH_MAX], arg[PATH_MAX + 8];
	struct sbuf wrap;
	size_t i;
	int rc = -1, w = 0;

	sbuf_init(&wrap, 1u << 16);
	if (svc_tmpdir(tx->tmp, sizeof(tx->tmp), err, errlen) == -1)
		goto out;
	/* with a host name of its own, or every postmap and postconf waits
	 * on a name lookup of this machine's */
	snprintf(path, sizeof(path), "%s/main.cf", tmp);
	if (sbuf_adds(&wrap, "myhostname = check.invalid\n"
	    "mydomain = invalid\n") == -1 || sbuf_add(&wrap,
	    sbuf_str(&m->maincf), m->maincf.len) == -1 ||
	    file_write_atomic2(path, sbuf_str(&wrap), wrap.len, 0644, 0) == -1)
		goto fail_write;
	sbuf_reset(&wrap);
	/* Postfix's tools wait until a main.cf is a second old (an edit
	 * may still be under way): the check's own files are dated back */
	file_date_back(path);
	/* an empty master.cf, or postconf warns that it has none */
	snprintf(path, sizeof(path), "%s/master.cf", tmp);
	if (file_write_atomic2(path, "", 0, 0644, 0) == -1)
		goto fail_write;
	file_date_back(path);
	for (i = 0; i < nitems(maps); i++) {
		char *argv[5];

		snprintf(live, sizeof(live), "%s/%s", m->pdir, maps[i]);
		if (!svc_tx_changed(&tx->files, live))
			continue;
		snprintf(arg, sizeof(arg), "hash:%s", svc_tx_path(&tx->files,
		    live));
		argv[0] = "postmap";
		argv[1] = "-c";
		argv[2] = (char *)tmp;
		argv[3] = arg;
		argv[4] = NULL;
		if (check(argv, 1, err, errlen) == -1)
			goto out;
	}
	{
		char *argv[] = { "postconf", "-c", (char *)tmp, "-n", NULL };

		if (check(argv, 1, err, errlen) == -1)
			goto out;
	}
	snprintf(live, sizeof(live), "%s/dovecot.conf", m->ddir);
	w |= sbuf_printf(&wrap, "base_dir = %s/run\nstate_dir = %s/state\n"
	    "ssl = no\n!include %s\n", tmp, tmp, svc_tx_path(&tx->files,
	    live));
	snprintf(path, sizeof(path), "%s/dovecot.conf", tmp);
	if (w != 0 || file_write_atomic2(path, sbuf_str(&wrap), wrap.len,
	    0644, 0) == -1)
		goto fail_write;
	{
		char *argv[] = { "doveconf", "-c", path, "-n", NULL };

		if (check(argv, 0, err, errlen) == -1)
			goto out;
	}
	rc = 0;
	goto out;
fail_write:
	snprintf(err, errlen, "cannot write \"%s\": %s", path,
	    strerror(errno));
out:
	sbuf_release(&wrap);
	return rc;
}

/* Renames everything into place; Postfix and Dovecot are marked for the
 * reload of what they read. */
static int
mail_install(struct btx *tx, char *err, size_t errlen)
{
	struct mail_tx *m = tx->priv;
	char live[PATH_MAX];
	int changed, dchanged;
	long g;

	changed = svc_tx_any(&tx->files);
	snprintf(live, sizeof(live), "%s/dovecot.conf", m->ddir);
	dchanged = svc_tx_changed(&tx->files, live);
	if (svc_tx_commit(&tx->files, err, errlen) == -1)
		return -1;
	/* Dovecot's auth reads the users file as the dovecot group */
	if ((g = svcctl_group("dovecot")) != -1 && chown(m->ucf, 0,
	    (gid_t)g) == 0)
		chmod(m->ucf, 0640);
	/* Postfix's long-lived daemons keep the maps they opened: a change
	 * is in effect once it reloaded */
	if (changed)
		__atomic_fetch_or(&tx->a->svc_dirty, UNIT_BIT(U_POSTFIX),
		    __ATOMIC_SEQ_CST);
	/* Dovecot reads the users file on each login, its settings only
	 * when it starts or reloads */
	if (dchanged)
		__atomic_fetch_or(&tx->a->svc_dirty, UNIT_BIT(U_DOVECOT),
		    __ATOMIC_SEQ_CST);
	return 0;
}

static int
mail_activate(struct btx *tx, char *err, size_t errlen)
{
	return svc_activate(tx, NULL, err, errlen);
}

const struct backend backend_mail = {
	"mail", UNIT_BIT(U_POSTFIX) | UNIT_BIT(U_DOVECOT), mail_render,
	mail_check, mail_install, mail_activate, svc_rollback, NULL,
};

/* ---- mail domains and mailboxes: the field code of the mail role (udata_int.h) ---- */

/* ---- mail ---- */

void
maildom_edit(struct call *c)
{
	char n[DOMAIN_MAX];
	json_t *d, *puts;
	int how;

	how = ud_edit_begin(c, n, &d);
	if (how == EDIT_DONE)
		return;
	if (how == EDIT_CREATE && (d = ud_new_item(c, n)) == NULL)
		return;
	if (ud_read_fields(c, d) == -1 || ud_ensure_account(c) == -1) {
		json_decref(d);
		return;
	}
	puts = json_pack("[o]", ud_put_of(c->t->store, NULL, d));
	if (ud_commit(c, SVC_MAIL, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}

void
box_list(struct call *c)
{
	json_t *items, *b;
	size_t i;
	const char *dom = ud_param(c, "plid");
	char n[DOMAIN_MAX], err[VALID_ERR_MAX];

	if (dom && *dom && valid_domain("plid", dom, n, err) == -1) {
		ud_bad(c, "plid", err);
		return;
	}
	nstore_ud_list(c->a->st, c->t->store, c->owner, dom && *dom ? n :
	    NULL, &items);
	reply_list(&c->r);
	json_array_foreach(items, i, b)
		ud_item_answer(c, reply_elem(&c->r), b);
	json_decref(items);
}

static int
box_read(struct call *c, json_t *b, int creating)
{
	const char *v;
	char err[VALID_ERR_MAX];
	char pw[crypto_pwhash_STRBYTES];

	v = ud_param(c, "passwd");
	if (v == NULL || *v == '\0')
		v = ud_param(c, "password");
	if (v && *v) {
		const char *cf = ud_param(c, "confirm");

		if (valid_password("passwd", v, err) == -1)
			return ud_bad(c, "passwd", err);
		if (cf && *cf && strcmp(cf, v) != 0)
			return ud_bad(c, "confirm", "confirm: the passwords "
			    "differ");
		if (crypto_pwhash_str(pw, v, strlen(v),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE / 4) != 0) {
			reply_error(&c->r, "internal", "passwd", "out of "
			    "memory hashing the password");
			return -1;
		}
		json_object_set_new(b, "pwhash", json_string(pw));
	} else if (creating) {
		reply_error(&c->r, "empty", "passwd", "field \"passwd\" is "
		    "required");
		return -1;
	}
	return ud_read_fields(c, b);
}

void
box_edit(struct call *c)
{
	const char *elid = ud_param(c, "elid"), *name, *dom;
	char n[320], err[VALID_ERR_MAX], full[400];
	json_t *b = NULL, *d = NULL, *puts;

	if (elid && *elid) {
		if (valid_email("elid", elid, n, err) == -1) {
			ud_bad(c, "elid", err);
			return;
		}
		if (ud_find(c, c->t->store, c->t->what, n, &b) == -1)
			return;
		if (!ud_submit(c)) {
			ud_item_answer(c, c->r.doc, b);
			json_decref(b);
			return;
		}
		if (box_read(c, b, 0) == -1) {
			json_decref(b);
			return;
		}
	} else {
		if (!ud_submit(c) || ud_need(c, "name", &name) == -1 ||
		    ud_need(c, "domainname", &dom) == -1)
			return;
		if (c->owner == NULL) {
			reply_error(&c->r, "empty", "owner", "no owner");
			return;
		}
		snprintf(full, sizeof(full), "%s@%s", name, dom);
		if (valid_email("name", full, n, err) == -1) {
			ud_bad(c, "name", err);
			return;
		}
		if (ud_find(c, dt_emaildomain.store, dt_emaildomain.what,
		    strchr(n, '@') + 1, &d) == -1)
			return;
		json_decref(d);
		if (nstore_ud_get(c->a->st, c->t->store, n, &b) == 0) {
			json_decref(b);
			reply_error(&c->r, "exists", c->t->name, "%s \"%s\" "
			    "already exists", c->t->what, n);
			return;
		}
		if ((b = ud_new_item(c, n)) == NULL)
			return;
		json_object_set_new(b, "domain", json_string(strchr(n, '@') +
		    1));
		json_object_set_new(b, "pwhash", json_string(""));
		if (box_read(c, b, 1) == -1) {
			json_decref(b);
			return;
		}
	}
	if (ud_ensure_account(c) == -1) {
		json_decref(b);
		return;
	}
	puts = json_pack("[o]", ud_put_of(c->t->store, json_string_value(
	    json_object_get(b, "domain")), b));
	if (ud_commit(c, SVC_MAIL, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}
