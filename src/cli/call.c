/* call.c - see call.h. */
#include "call.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/httpc.h"
#include "../common/log.h"
#include "../common/util.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: hostfleet call [-k] [-o xml|json|sjson|bjson|JSONdata|text] "
	    "[-s state_dir]\n"
	    "                      [-u url] [-a name:password] [-C cafile] "
	    "FUNC [param=value ...]\n");
	exit(2);
}

int
call_target_from_state(struct call_target *t, const char *dir)
{
	char path[600], *s;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/api.url", dir);
	if ((s = file_read(path, 255, NULL)) == NULL)
		return -1;
	s[strcspn(s, "\r\n")] = '\0';
	strlcpy_hf(t->url, s, sizeof(t->url));
	free(s);
	snprintf(t->cafile, sizeof(t->cafile), "%s/ca.pem", dir);
	snprintf(path, sizeof(path), "%s/local.key", dir);
	if ((s = file_read(path, 127, NULL)) != NULL) {
		s[strcspn(s, "\r\n")] = '\0';
		strlcpy_hf(t->key, s, sizeof(t->key));
		free(s);
	}
	return 0;
}

/* Appends "&key=value" escaped; a bare "key" means an empty value. */
static int
add_pair(struct sbuf *b, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char *k, *v;
	int rc;

	k = curl_easy_escape(NULL, kv, eq ? (int)(eq - kv) : (int)strlen(kv));
	v = curl_easy_escape(NULL, eq ? eq + 1 : "", 0);
	rc = sbuf_printf(b, "%s%s=%s", b->len ? "&" : "", k, v);
	curl_free(k);
	curl_free(v);
	return rc;
}

int
call_api(const struct call_target *t, const char *func, const char *out,
    char **args, int n, struct sbuf *answer, char *errtype)
{
	struct httpc_tls tls;
	struct sbuf body;
	struct hreq r;
	char url[300], hdr[160], kv[400];
	int i, rc;

	sbuf_init(&body, 8u << 20);
	snprintf(kv, sizeof(kv), "func=%s", func);
	add_pair(&body, kv);
	snprintf(kv, sizeof(kv), "out=%s", out);
	add_pair(&body, kv);
	if (t->authinfo[0]) {
		snprintf(kv, sizeof(kv), "authinfo=%s", t->authinfo);
		add_pair(&body, kv);
	}
	for (i = 0; i < n; i++)
		if (add_pair(&body, args[i]) == -1) {
			sbuf_release(&body);
			return -1;
		}
	snprintf(url, sizeof(url), "%s/ispmgr", t->url);
	hreq_init(&r, url, 120000);
	r.body = sbuf_str(&body);
	r.body_len = body.len;
	r.ctype = "application/x-www-form-urlencoded";
	r.want_hdr = "X-Hostfleet-Error";
	if (t->key[0] && !t->authinfo[0]) {
		snprintf(hdr, sizeof(hdr), "X-Hostfleet-Key: %s", t->key);
		r.hdr = hdr;
	}
	memset(&tls, 0, sizeof(tls));
	tls.cafile = t->cafile[0] ? t->cafile : NULL;
	tls.insecure = t->insecure;
	if (httpc_do(&tls, &r) == -1) {
		snprintf(errtype, CALL_ERRTYPE_MAX, "%s", r.err);
		hreq_release(&r);
		sbuf_release(&body);
		return -1;
	}
	snprintf(errtype, CALL_ERRTYPE_MAX, "%s", r.got_hdr);
	rc = r.got_hdr[0] ? 1 : 0;
	*answer = r.resp;
	sbuf_release(&body);
	return rc;
}

int
call_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "state", required_argument, NULL, 's' },
		{ "url", required_argument, NULL, 'u' },
		{ "authinfo", required_argument, NULL, 'a' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure", no_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	struct call_target t;
	struct sbuf ans;
	const char *out = "text", *state = getenv("HOSTFLEET_STATE");
	const char *url = getenv("HOSTFLEET_URL");
	const char *ai = getenv("HOSTFLEET_AUTHINFO");
	const char *ca = NULL;
	char errtype[CALL_ERRTYPE_MAX];
	int ch, rc;

	memset(&t, 0, sizeof(t));
	log_init("call", 0);
	if (state == NULL)
		state = "/var/lib/hostfleet/master";
	while ((ch = getopt_long(argc, argv, "+o:s:u:a:C:k", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'o': out = optarg; break;
		case 's': state = optarg; break;
		case 'u': url = optarg; break;
		case 'a': ai = optarg; break;
		case 'C': ca = optarg; break;
		case 'k': t.insecure = 1; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	{
		int insecure = t.insecure;

		if (call_target_from_state(&t, state) == -1 && url == NULL) {
			fprintf(stderr, "hostfleet call: no master in \"%s\"; "
			    "give -s STATE_DIR or -u URL\n", state);
			return 2;
		}
		t.insecure = insecure;
	}
	if (url) {
		strlcpy_hf(t.url, url, sizeof(t.url));
		t.key[0] = '\0';
	}
	if (ca)
		strlcpy_hf(t.cafile, ca, sizeof(t.cafile));
	if (ai)
		strlcpy_hf(t.authinfo, ai, sizeof(t.authinfo));
	rc = call_api(&t, argv[optind], out, argv + optind + 1,
	    argc - optind - 1, &ans, errtype);
	if (rc == -1) {
		fprintf(stderr, "hostfleet call: %s: %s\n", t.url, errtype);
		return 2;
	}
	fwrite(sbuf_str(&ans), 1, ans.len, stdout);
	if (ans.len && sbuf_str(&ans)[ans.len - 1] != '\n')
		fputc('\n', stdout);
	sbuf_release(&ans);
	return rc;
}
