/* svc_web.c - web domains as nginx server blocks.
 *
 * Files under the host root R:
 *   R/etc/nginx/hostfleet/sites/NAME.conf   one server block per domain
 *   R/etc/nginx/hostfleet/sites.conf        http-level settings and one
 *       include per site; the node wires it into nginx.conf's http {}
 *       (svcctl.c), which must set no server_names_hash_bucket_size of
 *       its own (the file raises it so that 253-byte names fit)
 *   R/etc/php/8.2/fpm/hostfleet/OWNER.conf  the PHP-FPM pool of each
 *       owner of PHP-FPM sites, running as the owner
 *   R/var/www/OWNER/data/HOME               document roots, owned by OWNER
 *   R/var/www/httpd-logs/NAME.{access,error}.log
 *
 * The check is `nginx -t -q -e TMP/error.log -p TMP/ -c TMP/check.conf` on
 * a configuration of our own in a private directory: pid, error log and
 * temp paths all in it, and an http {} block that includes the new file of
 * each changed site and the live file of each unchanged one.  nginx -t
 * does bind() the listen sockets (ngx_open_listening_sockets runs in test
 * mode too); it ignores EADDRINUSE there, so a running nginx or a parallel
 * check does not fail it, but an address the host does not have
 * (EADDRNOTAVAIL) does, as it would for the real server. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/util.h"
#include "../common/valid.h"
#include "../common/log.h"
#include "node.h"
#include "udata_int.h"
#include "backend.h"
#include "render.h"
#include "svc_util.h"
#include "svcctl.h"

#define DEFAULT_PHP	"8.2"
/* the site and owner a check of templates renders besides the real ones */
#define PROBE_SITE	"hostfleet-template-check.invalid"
#define PROBE_OWNER	"hfcheck"
#define MAX_ALIASES	64

/* The account of owner in accounts, or NULL. */
static const json_t *
account_of(const json_t *accounts, const char *owner)
{
	const json_t *a, *v;
	size_t i;

	if (owner == NULL)
		return NULL;
	if (json_is_object(accounts))
		return json_object_get(accounts, owner);
	json_array_foreach(accounts, i, v) {
		a = json_object_get(v, "name");
		if (json_is_string(a) &&
		    strcmp(json_string_value(a), owner) == 0)
			return v;
	}
	return NULL;
}

/* Whether a boolean member is set; absent is def. */
static int
flag(const json_t *o, const char *k, int def)
{
	const json_t *v = json_object_get(o, k);

	return v == NULL ? def : json_is_true(v);
}

/* "MAJOR.MINOR" with one digit each, or "" for the default. */
static int
check_php_version(const char *s, char *err, size_t errlen)
{
	char q[64];

	if (s[0] == '\0' || (s[0] >= '5' && s[0] <= '8' && s[1] == '.' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] == '\0'))
		return 0;
	valid_quote(s, q, sizeof(q));
	snprintf(err, errlen, "php_version \"%s\": not MAJOR.MINOR", q);
	return -1;
}

/* The lines of a template, each after indent, between two comments. */
static int
add_template(struct sbuf *b, const char *slot, const char *body,
    const char *indent, const char *comment)
{
	const char *p, *nl;
	int rc = 0;

	rc |= sbuf_printf(b, "%s%s template %s\n", indent, comment, slot);
	for (p = body; *p; p = *nl ? nl + 1 : nl) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		rc |= sbuf_printf(b, "%s%.*s\n", nl > p ? indent : "",
		    (int)(nl - p), p);
	}
	rc |= sbuf_printf(b, "%s%s end of template %s\n", indent, comment,
	    slot);
	return rc ? -1 : 0;
}

/* The standard FastCGI parameters, inline so that the block needs no
 * fastcgi_params file from /etc/nginx. */
static int
fastcgi_params(struct sbuf *b)
{
	static const char *const p[] = {
		"SCRIPT_FILENAME $document_root$fastcgi_script_name",
		"QUERY_STRING $query_string",
		"REQUEST_METHOD $request_method",
		"CONTENT_TYPE $content_type",
		"CONTENT_LENGTH $content_length",
		"SCRIPT_NAME $fastcgi_script_name",
		"REQUEST_URI $request_uri",
		"DOCUMENT_URI $document_uri",
		"DOCUMENT_ROOT $document_root",
		"SERVER_PROTOCOL $server_protocol",
		"REQUEST_SCHEME $scheme",
		"HTTPS $https if_not_empty",
		"GATEWAY_INTERFACE CGI/1.1",
		"SERVER_SOFTWARE nginx",
		"REMOTE_ADDR $remote_addr",
		"REMOTE_PORT $remote_port",
		"SERVER_ADDR $server_addr",
		"SERVER_PORT $server_port",
		"SERVER_NAME $server_name",
		"REDIRECT_STATUS 200",
	};
	size_t i;
	int rc = 0;

	for (i = 0; i < nitems(p); i++)
		rc |= sbuf_printf(b, "\t\tfastcgi_param %s;\n", p[i]);
	return rc;
}

/*
 * Renders the server block of site for the owner's account into out.
 * Every field is checked here again with grammars that leave nothing
 * nginx would read as syntax (no space, quote, ';', '{', '}', '$', '#' or
 * control byte can pass): names are host names, the home a plain relative
 * path, the address a literal printed back by inet_ntop.  php_cgi talks
 * to "php-cgi -b" (spawn-fcgi) running as the owner on
 * R/run/php/phpVERSION-cgi-OWNER.sock, php_fpm to the owner's FPM pool on
 * R/run/php/phpVERSION-fpm-OWNER.sock.  error_log cannot be "off" in
 * nginx (it would log to a file named off): a site without an error log
 * logs only crit and above to /dev/null.  The nginx_site_extra template
 * (extra) follows the logs in every block, a suspended site's too, each
 * line indented; its grammar (sysdata.h) keeps its braces within it.
 * Returns 0, or -1 with err.
 */
int
render_nginx_site(const json_t *site, const json_t *account,
    const char *root, const char *extra, struct sbuf *out, char *err,
    size_t errlen)
{
	const char *name, *owner, *home, *ip, *mode, *ver, *aname;
	char homebuf[300], addr[INET6_ADDRSTRLEN + 2];
	unsigned char bin[16];
	const json_t *aliases, *v;
	json_int_t uid, gid;
	size_t i;
	int active, php, rc = 0;

	if (!json_is_object(site)) {
		snprintf(err, errlen, "web domain: not an object");
		return -1;
	}
	name = svc_str(site, "name");
	if (svc_check_host("web domain", name, 0, err, errlen) == -1 ||
	    svc_check_root(root, err, errlen) == -1)
		return -1;
	owner = svc_str(site, "owner");
	if (svc_check_user("owner", owner, err, errlen) == -1)
		return -1;
	if (!json_is_object(account) || (aname = svc_str(account, "name")) ==
	    NULL || strcmp(aname, owner) != 0) {
		snprintf(err, errlen, "web domain \"%s\": no account \"%s\"",
		    name, owner);
		return -1;
	}
	uid = json_integer_value(json_object_get(account, "uid"));
	gid = json_integer_value(json_object_get(account, "gid"));
	if (uid <= 0 || uid > 0xfffffffeLL || gid <= 0 || gid > 0xfffffffeLL) {
		snprintf(err, errlen, "account \"%s\": bad uid or gid", owner);
		return -1;
	}
	active = flag(account, "active", 1);
	home = svc_str(site, "home");
	if (home == NULL || home[0] == '\0') {
		snprintf(homebuf, sizeof(homebuf), "www/%s", name);
		home = homebuf;
	}
	if (svc_check_relpath("home", home, err, errlen) == -1)
		return -1;
	ip = svc_str(site, "ipaddr");
	addr[0] = '\0';
	if (ip && ip[0]) {
		char txt[INET6_ADDRSTRLEN];

		if (inet_pton(AF_INET, ip, bin) == 1) {
			inet_ntop(AF_INET, bin, addr, sizeof(addr));
		} else if (inet_pton(AF_INET6, ip, bin) == 1) {
			inet_ntop(AF_INET6, bin, txt, sizeof(txt));
			snprintf(addr, sizeof(addr), "[%s]", txt);
		} else {
			char q[64];

			valid_quote(ip, q, sizeof(q));
			snprintf(err, errlen, "ipaddr \"%s\": not an address",
			    q);
			return -1;
		}
	}
	mode = svc_str(site, "php_mode");
	if (mode == NULL || mode[0] == '\0' || strcmp(mode, "none") == 0)
		php = 0;
	else if (strcmp(mode, "php_fpm") == 0)
		php = 1;
	else if (strcmp(mode, "php_cgi") == 0)
		php = 2;
	else {
		char q[64];

		valid_quote(mode, q, sizeof(q));
		snprintf(err, errlen, "php_mode \"%s\": unknown", q);
		return -1;
	}
	ver = svc_str(site, "php_version");
	if (ver == NULL)
		ver = "";
	if (check_php_version(ver, err, errlen) == -1)
		return -1;
	if (ver[0] == '\0')
		ver = DEFAULT_PHP;
	aliases = json_object_get(site, "aliases");
	if (aliases && !json_is_array(aliases)) {
		snprintf(err, errlen, "web domain \"%s\": aliases not an "
		    "array", name);
		return -1;
	}
	if (json_array_size(aliases) > MAX_ALIASES) {
		snprintf(err, errlen, "web domain \"%s\": more than %d "
		    "aliases", name, MAX_ALIASES);
		return -1;
	}
	json_array_foreach(aliases, i, v)
		if (svc_check_host("alias", json_string_value(v), 1, err,
		    errlen) == -1)
			return -1;

	rc |= sbuf_printf(out, "# hostfleet: web domain \"%s\" of \"%s\"; "
	    "generated, do not edit\nserver {\n", name, owner);
	rc |= sbuf_printf(out, "\tlisten %s%s80;\n", addr, addr[0] ? ":" :
	    "");
	rc |= sbuf_printf(out, "\tserver_name %s", name);
	json_array_foreach(aliases, i, v)
		rc |= sbuf_printf(out, " %s", json_string_value(v));
	rc |= sbuf_adds(out, ";\n");
	if (flag(site, "log_access", 1))
		rc |= sbuf_printf(out, "\taccess_log %s/var/www/httpd-logs/"
		    "%s.access.log;\n", root, name);
	else
		rc |= sbuf_adds(out, "\taccess_log off;\n");
	if (flag(site, "log_error", 1))
		rc |= sbuf_printf(out, "\terror_log %s/var/www/httpd-logs/"
		    "%s.error.log;\n", root, name);
	else
		rc |= sbuf_adds(out, "\terror_log /dev/null crit;\n");
	if (extra)
		rc |= add_template(out, "nginx_site_extra", extra, "\t",
		    "#");
	if (!active) {
		/* suspended: no root, nothing served */
		rc |= sbuf_adds(out, "\t# the owner's account is suspended\n"
		    "\treturn 503;\n}\n");
		goto done;
	}
	if (flag(site, "redirect_http", 0)) {
		rc |= sbuf_adds(out, "\treturn 301 https://$host$request_uri;"
		    "\n}\n");
		goto done;
	}
	rc |= sbuf_printf(out, "\troot %s/var/www/%s/data/%s;\n", root, owner,
	    home);
	/* a link the user made serves only what the user owns */
	rc |= sbuf_adds(out, "\tdisable_symlinks if_not_owner "
	    "from=$document_root;\n");
	rc |= sbuf_printf(out, "\tindex %sindex.html index.htm;\n", php ?
	    "index.php " : "");
	if (php) {
		rc |= sbuf_adds(out, "\tlocation ~ \\.php$ {\n"
		    "\t\ttry_files $uri =404;\n");
		rc |= sbuf_printf(out, "\t\tfastcgi_pass unix:%s/run/php/"
		    "php%s-%s-%s.sock;\n", root, ver, php == 1 ? "fpm" : "cgi",
		    owner);
		rc |= fastcgi_params(out);
		rc |= sbuf_adds(out, "\t}\n");
	}
	rc |= sbuf_adds(out, "}\n");
done:
	if (rc != 0) {
		snprintf(err, errlen, "web domain \"%s\": too large", name);
		return -1;
	}
	return 0;
}

/* sites.conf, or the http {} body of the check configuration: the
 * http-level settings and one include per site path. */
static int
render_sites_conf(struct sbuf *b, const char *const *paths, size_t n)
{
	size_t i;
	int rc = 0;

	rc |= sbuf_adds(b, "# hostfleet: included from the http {} block of "
	    "nginx.conf; generated, do not edit\n"
	    "server_names_hash_bucket_size 256;\n");
	for (i = 0; i < n; i++)
		rc |= sbuf_printf(b, "include %s;\n", paths[i]);
	return rc ? -1 : 0;
}

/*
 * Makes R/var/www/OWNER/data/HOME, each directory from OWNER down owned by
 * uid, OWNER and data 02750 with the web server's group (www-data) so
 * that nginx enters them and no other user does, the others 0755 and
 * uid:gid when made.  It walks with
 * openat(O_NOFOLLOW) from R/var/www, which root owns, so that a symbolic
 * link the user put in their tree never sends the mkdir or the chown
 * elsewhere.  0 or -1 with err.
 */
static int
make_docroot(const char *root, const char *owner, const char *home,
    uid_t uid, gid_t gid, char *err, size_t errlen)
{
	char base[PATH_MAX], rel[PATH_MAX], *comp, *save = NULL;
	int fd, nfd, depth = 0;
	long webgid = svcctl_web_gid();

	snprintf(base, sizeof(base), "%s/var/www", root);
	if (mkdirs(base, 0755) == -1 || (fd = open(base, O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot make \"%s\": %s", base,
		    strerror(errno));
		return -1;
	}
	snprintf(rel, sizeof(rel), "%s/data/%s", owner, home);
	for (comp = strtok_r(rel, "/", &save); comp;
	    comp = strtok_r(NULL, "/", &save), depth++) {
		/* the home and data: the user's, entered by the web server's
		 * group and by no other user */
		mode_t m = depth < 2 ? 02750 : 0755;
		gid_t g = depth < 2 && webgid != -1 ? (gid_t)webgid : gid;
		int made = mkdirat(fd, comp, m & 0777) == 0;

		if (!made && errno != EEXIST)
			goto fail;
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd == -1)
			goto fail;
		close(fd);
		fd = nfd;
		if (fchown(fd, uid, g) == -1 || ((made || depth < 2) &&
		    fchmod(fd, m) == -1))
			goto fail;
	}
	close(fd);
	return 0;
fail:
	snprintf(err, errlen, "cannot make the document root \"%s/var/www/"
	    "%s/data/%s\": %s", root, owner, home, strerror(errno));
	close(fd);
	return -1;
}

/*
 * The PHP-FPM pool of an owner with PHP sites: the owner's uid and gid (by
 * number: the account may be only in the host root's passwd), its socket
 * R/run/php/phpV-fpm-OWNER.sock that only the web server may use, started
 * on demand, and PHP kept to the owner's home and /tmp; the php_pool_extra
 * template (extra) after that, which may not set any of those.
 */
static int
render_pool(const char *root, const char *owner, json_int_t uid,
    json_int_t gid, const char *extra, struct sbuf *b)
{
	int rc;

	rc = sbuf_printf(b, "; hostfleet: the PHP-FPM pool of \"%s\"; "
	    "generated, do not edit\n[%s]\nuser = %" JSON_INTEGER_FORMAT "\n"
	    "group = %" JSON_INTEGER_FORMAT "\n"
	    "listen = %s/run/php/php" PHP_VERSION "-fpm-%s.sock\n"
	    "listen.owner = www-data\nlisten.group = www-data\n"
	    "listen.mode = 0660\n"
	    "pm = ondemand\npm.max_children = 8\n"
	    "pm.process_idle_timeout = 30s\nchdir = /\n"
	    "php_admin_value[open_basedir] = %s/var/www/%s/:/tmp/\n",
	    owner, owner, uid, gid, root, owner, root, owner) == -1 ? -1 : 0;
	if (rc == 0 && extra)
		rc = add_template(b, "php_pool_extra", extra, "", ";");
	return rc;
}

/* Stages the pools of the owners of PHP-FPM sites whose accounts are
 * active into dir; their staged paths go to paths (n at most).  How many,
 * or -1 with err. */
static int
stage_pools(const json_t *items, const json_t *accounts, const char *root,
    const char *extra, const char *dir, struct svc_tx *tx,
    const char **paths, size_t max, char *err, size_t errlen)
{
	json_t *owners = json_object(), *site;
	const char *owner;
	json_t *v;
	size_t i, n = 0;
	char live[PATH_MAX];
	struct sbuf b;

	json_array_foreach(items, i, site) {
		const char *mode = svc_str(site, "php_mode");
		const json_t *acct;

		owner = svc_str(site, "owner");
		acct = account_of(accounts, owner);
		if (mode && strcmp(mode, "php_fpm") == 0 && flag(acct,
		    "active", 1))
			json_object_set(owners, owner, (json_t *)acct);
	}
	json_object_foreach(owners, owner, v) {
		if (n == max)
			break;
		sbuf_init(&b, 1u << 16);
		snprintf(live, sizeof(live), "%s/%s.conf", dir, owner);
		if (render_pool(root, owner, json_integer_value(
		    json_object_get(v, "uid")), json_integer_value(
		    json_object_get(v, "gid")), extra, &b) == -1 ||
		    svc_tx_stage(tx, live, sbuf_str(&b), b.len, 0644, 0, err,
		    errlen) == -1) {
			if (err[0] == '\0')
				snprintf(err, errlen, "pool \"%s\": too large",
				    owner);
			sbuf_release(&b);
			json_decref(owners);
			return -1;
		}
		sbuf_release(&b);
		/* the transaction's own copy of the name outlives live */
		paths[n++] = svc_tx_path(tx, tx->f[tx->n - 1].live);
	}
	json_decref(owners);
	return (int)n;
}

/* Writes b (rc: whether building it failed) to tmp/name, named in conf
 * (PATH_MAX bytes), and releases b.  0 or -1 with err. */
static int
write_check_conf(const char *tmp, const char *name, struct sbuf *b, int rc,
    char *conf, char *err, size_t errlen)
{
	snprintf(conf, PATH_MAX, "%s/%s", tmp, name);
	if (rc != 0 || file_write_atomic2(conf, sbuf_str(b), b->len, 0600,
	    0) == -1) {
		snprintf(err, errlen, "cannot write \"%s\"", conf);
		rc = -1;
	}
	sbuf_release(b);
	return rc ? -1 : 0;
}

/* `php-fpm -t` on a configuration in tmp that includes the pools. */
static int
phpfpm_check(const char *tmp, const char *const *paths, size_t n,
    char *err, size_t errlen)
{
	char conf[PATH_MAX], out[1024];
	char *argv[5];
	struct sbuf b;
	size_t i;
	int rc = 0;

	if (n == 0 || access("/usr/sbin/php-fpm" PHP_VERSION, X_OK) == -1)
		return 0;
	sbuf_init(&b, 16u << 20);
	rc |= sbuf_printf(&b, "[global]\npid = %s/fpm.pid\n"
	    "error_log = %s/fpm.log\n", tmp, tmp);
	for (i = 0; i < n; i++)
		rc |= sbuf_printf(&b, "include = %s\n", paths[i]);
	if (write_check_conf(tmp, "php-fpm.conf", &b, rc, conf, err,
	    errlen) == -1)
		return -1;
	argv[0] = "php-fpm" PHP_VERSION;
	argv[1] = "-t";
	argv[2] = "-y";
	argv[3] = conf;
	argv[4] = NULL;
	if (svc_run(argv, out, sizeof(out), NULL) != 0) {
		snprintf(err, errlen, "php-fpm -t: %s", out[0] ? out :
		    "failed");
		return -1;
	}
	return 0;
}

/* Runs nginx -t on check.conf in the private directory tmp. */
static int
nginx_check(const char *tmp, const char *const *paths, size_t n, char *err,
    size_t errlen)
{
	char conf[PATH_MAX], elog[PATH_MAX], prefix[PATH_MAX], out[1024];
	char *argv[12];
	struct sbuf b;
	int rc = 0;

	sbuf_init(&b, 16u << 20);
	rc |= sbuf_printf(&b, "pid %s/nginx.pid;\nerror_log %s/error.log;\n"
	    "events {\n}\nhttp {\n", tmp, tmp);
	rc |= sbuf_printf(&b, "client_body_temp_path %s/client_body;\n"
	    "proxy_temp_path %s/proxy;\nfastcgi_temp_path %s/fastcgi;\n"
	    "uwsgi_temp_path %s/uwsgi;\nscgi_temp_path %s/scgi;\n",
	    tmp, tmp, tmp, tmp, tmp);
	rc |= render_sites_conf(&b, paths, n);
	rc |= sbuf_adds(&b, "}\n");
	if (write_check_conf(tmp, "check.conf", &b, rc, conf, err,
	    errlen) == -1)
		return -1;
	snprintf(elog, sizeof(elog), "%s/error.log", tmp);
	snprintf(prefix, sizeof(prefix), "%s/", tmp);
	argv[0] = "nginx";
	argv[1] = "-t";
	argv[2] = "-q";
	argv[3] = "-e";
	argv[4] = elog;
	argv[5] = "-p";
	argv[6] = prefix;
	argv[7] = "-c";
	argv[8] = conf;
	argv[9] = NULL;
	if (svc_run(argv, out, sizeof(out), " nginx: configuration file") !=
	    0) {
		snprintf(err, errlen, "%s", out[0] ? out : "nginx -t failed");
		return -1;
	}
	return 0;
}

/* What a render of the sites leaves for the check and the install. */
struct web_tx {
	json_t		*items;		/* the sites as rendered */
	json_t		*probe_acct;	/* the accounts with the probe's */
	const json_t	*accounts;
	struct svc_tx	 pools;		/* the PHP-FPM pools */
	const char	**paths;	/* each site's file to check */
	const char	**pooled;	/* each pool's file to check */
	size_t		 n;
	int		 npools;
	char		 dir[PATH_MAX];
	char		 pooldir[PATH_MAX];
};

static void
web_tx_free(void *p)
{
	struct web_tx *w = p;

	json_decref(w->items);
	json_decref(w->probe_acct);
	svc_tx_release(&w->pools);
	free(w->paths);
	free(w->pooled);
	free(w);
}

/*
 * Renders the sites of want ("webdomain", an array or an object of web
 * domain items) each with its owner's account (want's "account") and
 * stages the files that changed: the server blocks, sites.conf and the
 * pools.  With tx->check_only a PHP-FPM site of its own is added, so
 * that the templates are checked on a node with no site, or none with
 * PHP.  0 or -1 with err.
 */
static int
web_render(struct btx *tx, const json_t *want, char *err, size_t errlen)
{
	struct node_agent *a = tx->a;
	const char *root = a->conf.root, *extra, *pextra;
	const json_t *accounts = json_object_get(want, "account");
	char live[PATH_MAX], conf[PATH_MAX];
	const char **livep = NULL;
	json_t *site, *seen = json_object();
	struct web_tx *w;
	struct sbuf b;
	size_t i;
	int rc = -1;

	w = xcalloc(1, sizeof(*w));
	svc_tx_init(&w->pools);
	tx->priv = w;
	tx->priv_free = web_tx_free;
	if (svc_check_root(root, err, errlen) == -1 ||
	    svc_tpl(tx->tpl, "nginx_site_extra", &extra, err, errlen) == -1 ||
	    svc_tpl(tx->tpl, "php_pool_extra", &pextra, err, errlen) == -1)
		goto out;
	if ((w->items = svc_items(json_object_get(want, "webdomain"))) ==
	    NULL) {
		snprintf(err, errlen, "web domains: not a set");
		goto out;
	}
	if (tx->check_only) {
		w->probe_acct = json_is_object(accounts) ? json_copy((json_t *)
		    accounts) : json_object();
		json_object_set_new(w->probe_acct, PROBE_OWNER, json_pack(
		    "{s:s,s:i,s:i}", "name", PROBE_OWNER, "uid", 65534, "gid",
		    65534));
		json_array_foreach(accounts, i, site)
			json_object_set(w->probe_acct, svc_str(site, "name"),
			    site);
		accounts = w->probe_acct;
		json_array_append_new(w->items, json_pack(
		    "{s:s,s:s,s:s,s:b,s:b}", "name", PROBE_SITE, "owner",
		    PROBE_OWNER, "php_mode", "php_fpm", "log_access", 0,
		    "log_error", 0));
	}
	w->accounts = accounts;
	/* a site without an address of its own listens on the node's
	 * services address, when the node has one */
	json_array_foreach(w->items, i, site) {
		const char *ip = svc_str(site, "ipaddr");

		if (a->conf.services_addr[0] && (ip == NULL || ip[0] == '\0')) {
			json_t *c = json_copy(site);

			json_object_set_new(c, "ipaddr", json_string(
			    a->conf.services_addr));
			json_array_set_new(w->items, i, c);
		}
	}
	w->n = json_array_size(w->items);
	w->paths = xcalloc(w->n + 1, sizeof(*w->paths));
	livep = xcalloc(w->n + 1, sizeof(*livep));
	w->pooled = xcalloc(w->n + 1, sizeof(*w->pooled));
	snprintf(w->dir, sizeof(w->dir), "%s/etc/nginx/hostfleet/sites", root);
	snprintf(live, sizeof(live), "%s/var/www/httpd-logs", root);
	if (mkdirs(w->dir, 0755) == -1 || mkdirs(live, 0755) == -1) {
		snprintf(err, errlen, "cannot make \"%s\": %s", w->dir,
		    strerror(errno));
		goto out;
	}
	json_array_foreach(w->items, i, site) {
		const char *name = svc_str(site, "name"), *owner;
		const json_t *acct;

		owner = svc_str(site, "owner");
		acct = account_of(accounts, owner);
		sbuf_init(&b, 1u << 20);
		if (render_nginx_site(site, acct, root, extra, &b, err,
		    errlen) == -1) {
			sbuf_release(&b);
			goto out;
		}
		if (json_object_get(seen, name)) {
			snprintf(err, errlen, "web domain \"%s\" given twice",
			    name);
			sbuf_release(&b);
			goto out;
		}
		json_object_set_new(seen, name, json_true());
		snprintf(live, sizeof(live), "%s/%s.conf", w->dir, name);
		if (svc_tx_stage(&tx->files, live, sbuf_str(&b), b.len, 0644,
		    0, err, errlen) == -1) {
			sbuf_release(&b);
			goto out;
		}
		sbuf_release(&b);
	}
	for (i = 0; i < tx->files.n; i++) {
		w->paths[i] = svc_tx_path(&tx->files, tx->files.f[i].live);
		livep[i] = tx->files.f[i].live;
	}
	sbuf_init(&b, 16u << 20);
	if (render_sites_conf(&b, livep, w->n) == -1) {
		snprintf(err, errlen, "sites.conf: too large");
		sbuf_release(&b);
		goto out;
	}
	snprintf(conf, sizeof(conf), "%s/etc/nginx/hostfleet/sites.conf",
	    root);
	if (svc_tx_stage(&tx->files, conf, sbuf_str(&b), b.len, 0644, 0, err,
	    errlen) == -1) {
		sbuf_release(&b);
		goto out;
	}
	sbuf_release(&b);
	snprintf(w->pooldir, sizeof(w->pooldir), "%s/etc/php/" PHP_VERSION
	    "/fpm/hostfleet", root);
	if ((w->npools = stage_pools(w->items, accounts, root, pextra,
	    w->pooldir, &w->pools, w->pooled, w->n, err, errlen)) == -1)
		goto out;
	rc = 0;
out:
	free(livep);
	json_decref(seen);
	return rc;
}

/* nginx -t on the sites as staged, php-fpm -t on the pools.  nginx -t
 * opens (and so creates) the log files in R/var/www/httpd-logs, made by
 * the render. */
static int
web_check(struct btx *tx, char *err, size_t errlen)
{
	struct web_tx *w = tx->priv;

	if (svc_tmpdir(tx->tmp, sizeof(tx->tmp), err, errlen) == -1)
		return -1;
	if (nginx_check(tx->tmp, w->paths, w->n, err, errlen) == -1 ||
	    phpfpm_check(tx->tmp, w->pooled, (size_t)w->npools, err,
	    errlen) == -1)
		return -1;
	return 0;
}

/* Makes the document roots of active owners, then renames the files into
 * place and removes those of sites that went. */
static int
web_install(struct btx *tx, char *err, size_t errlen)
{
	struct web_tx *w = tx->priv;
	const char *root = tx->a->conf.root;
	json_t *site;
	size_t i;
	int swept, pswept = 0, wchg, pchg;

	/* the document roots, once nginx has taken the set: a refused set
	 * leaves no trace, and a root that cannot be made changes no file */
	json_array_foreach(w->items, i, site) {
		const json_t *acct = account_of(w->accounts, svc_str(site,
		    "owner"));
		const char *home = svc_str(site, "home");
		char hb[300];

		if (!flag(acct, "active", 1))
			continue;
		if (home == NULL || home[0] == '\0') {
			snprintf(hb, sizeof(hb), "www/%s", svc_str(site,
			    "name"));
			home = hb;
		}
		if (make_docroot(root, svc_str(site, "owner"), home,
		    (uid_t)json_integer_value(json_object_get(acct, "uid")),
		    (gid_t)json_integer_value(json_object_get(acct, "gid")),
		    err, errlen) == -1)
			return -1;
	}
	wchg = svc_tx_any(&tx->files);
	pchg = svc_tx_any(&w->pools);
	/* the pools first: a site's socket exists before nginx uses it */
	if (svc_tx_commit(&w->pools, err, errlen) == -1 ||
	    svc_tx_commit(&tx->files, err, errlen) == -1)
		return -1;
	if ((swept = svc_tx_sweep(&tx->files, w->dir, ".conf", 0, err,
	    errlen)) == -1 || (pswept = svc_tx_sweep(&w->pools, w->pooldir,
	    ".conf", 0, err, errlen)) == -1)
		return -1;
	if (wchg || swept > 0)
		__atomic_fetch_or(&tx->a->svc_dirty, UNIT_BIT(U_NGINX),
		    __ATOMIC_SEQ_CST);
	if (pchg || pswept > 0)
		__atomic_fetch_or(&tx->a->svc_dirty, UNIT_BIT(U_PHPFPM),
		    __ATOMIC_SEQ_CST);
	return 0;
}

static int
web_activate(struct btx *tx, char *err, size_t errlen)
{
	return svc_activate(tx, NULL, err, errlen);
}

const struct backend backend_web = {
	"web", UNIT_BIT(U_NGINX) | UNIT_BIT(U_PHPFPM), web_render, web_check,
	web_install, web_activate, svc_rollback, NULL,
};

/* ---- web domains: the field code of the web role (udata_int.h) ---- */

/* ---- web domains ---- */

/* A name of another object on this node that a site's aliases or name
 * may not take. */
static int
site_names_free(struct call *c, const json_t *s)
{
	json_t *all, *o, *v;
	size_t i, j, k;
	const char *me = json_string_value(json_object_get(s, "name"));

	nstore_ud_list(c->a->st, "webdomain", NULL, NULL, &all);
	json_array_foreach(all, i, o) {
		const char *on = json_string_value(json_object_get(o, "name"));

		if (strcmp(on, me) == 0)
			continue;
		json_array_foreach(json_object_get(o, "aliases"), k, v)
			if (strcmp(json_string_value(v), me) == 0) {
				reply_error(&c->r, "exists", "name", "\"%s\" is "
				    "already an alias of web domain \"%s\"", me,
				    on);
				json_decref(all);
				return -1;
			}
		json_array_foreach(json_object_get(s, "aliases"), j, v) {
			json_t *w;

			if (strcmp(json_string_value(v), on) == 0)
				goto taken;
			json_array_foreach(json_object_get(o, "aliases"), k, w)
				if (json_equal(v, w))
					goto taken;
		}
		continue;
taken:
		reply_error(&c->r, "exists", "aliases", "alias \"%s\" is "
		    "already served by web domain \"%s\"",
		    json_string_value(v), on);
		json_decref(all);
		return -1;
	}
	json_decref(all);
	return 0;
}

void
web_edit(struct call *c)
{
	char n[DOMAIN_MAX];
	json_t *s, *puts;
	int how;

	how = ud_edit_begin(c, n, &s);
	if (how == EDIT_DONE)
		return;
	if (how == EDIT_CREATE && (s = ud_new_item(c, n)) == NULL)
		return;
	if (ud_read_fields(c, s) == -1 || site_names_free(c, s) == -1 ||
	    ud_ensure_account(c) == -1) {
		json_decref(s);
		return;
	}
	puts = json_pack("[o]", ud_put_of(c->t->store, NULL, s));
	if (ud_commit(c, SVC_WEB, puts, NULL) == 0) {
		reply_ok(&c->r);
		reply_set(&c->r, "id", n);
	}
	json_decref(puts);
}
