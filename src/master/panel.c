/* panel.c - the web panel: its embedded files at / with strict headers,
 * and the cookie session its scripts call the API with.
 *
 * The panel is plain ES modules (src/master/panel/) that call /ispmgr
 * like any client.  It logs in with func=auth and PANEL_LOGIN_HEADER,
 * which a form of another site cannot send; the session id then lives
 * only in an HttpOnly cookie, and every call made with that cookie must
 * carry the session's CSRF token in PANEL_CSRF_HEADER.  The token is a
 * keyed hash of the session id: nothing more is stored, the master's
 * session table is the API's, and the login throttle is the API's. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/log.h"
#include "../common/util.h"
#include "master.h"
#include "panel.h"

/* Scripts, styles, images and calls from the master itself only; no
 * inline script or style, no frame, no form to elsewhere. */
#define PANEL_CSP	"Content-Security-Policy: default-src 'none'; " \
	"script-src 'self'; style-src 'self'; img-src 'self' data:; " \
	"connect-src 'self'; form-action 'self'; base-uri 'none'; " \
	"frame-ancestors 'none'"
_Static_assert(sizeof(PANEL_CSP) <= HTTP_EXTRA_HDR_MAX, "CSP fits");

#define PANEL_TOKEN_KEY	"hostfleet panel csrf token, v1.."
_Static_assert(sizeof(PANEL_TOKEN_KEY) - 1 == crypto_generichash_KEYBYTES,
    "a key of BLAKE2b's size");

/* Adds "Name: value" to the first free extra header of resp. */
static void
resp_header(char hdr[][HTTP_EXTRA_HDR_MAX], size_t n, const char *fmt,
    const char *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hdr[i][0] == '\0') {
			snprintf(hdr[i], HTTP_EXTRA_HDR_MAX, fmt, v);
			return;
		}
	log_warnx("panel: no room for header \"%s\"", fmt);
}

static void
security_headers(struct http_resp *resp)
{
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "%s", PANEL_CSP);
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "%s",
	    "Referrer-Policy: no-referrer");
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "%s",
	    "X-Frame-Options: DENY");
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "%s",
	    "Cross-Origin-Opener-Policy: same-origin");
}

const struct panel_asset *
panel_asset_find(const char *path)
{
	const struct panel_asset *a;

	for (a = panel_assets; a->path; a++)
		if (strcmp(a->path, path) == 0)
			return a;
	return NULL;
}

/* 1 when the client takes gzip: a coding "gzip" in Accept-Encoding that
 * is not given q=0. */
static int
takes_gzip(const struct http_req *req)
{
	const char *ae = http_req_header(req, "Accept-Encoding");
	const char *p;

	if (ae == NULL || (p = strstr(ae, "gzip")) == NULL)
		return 0;
	p += 4;
	while (*p == ' ')
		p++;
	return strncmp(p, ";q=0", 4) != 0 || p[4] == '.';
}

int
panel_serve(struct master *m, struct http_req *req, struct http_resp *resp)
{
	const struct panel_asset *a;
	const char *path, *inm;
	char *body;
	int gz;

	(void)m;
	if (strcmp(req->url, "/") == 0)
		path = "/index.html";
	else if (strncmp(req->url, "/panel/", 7) == 0)
		path = req->url + 6;
	else
		return 0;
	security_headers(resp);
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "Allow: %s",
		    "GET, HEAD");
		http_resp_str(resp, 405, "text/plain", "method not allowed\n");
		return 1;
	}
	if (strcmp(path, "/index.html") == 0 && req->url[1] != '\0')
		a = NULL;	/* the page is at / only */
	else
		a = panel_asset_find(path);
	if (a == NULL) {
		http_resp_str(resp, 404, "text/plain", "not found\n");
		return 1;
	}
	/* the files change only with the executable: a client asks again
	 * each time and gets 304 while its copy has the same tag */
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "ETag: %s", a->etag);
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "Cache-Control: %s",
	    "no-cache");
	resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS, "Vary: %s",
	    "Accept-Encoding");
	inm = http_req_header(req, "If-None-Match");
	if (inm && strcmp(inm, a->etag) == 0) {
		http_resp_set(resp, 304, a->ctype, NULL, 0);
		return 1;
	}
	gz = a->gz != NULL && takes_gzip(req);
	if (gz)
		resp_header(resp->extra_hdr, HTTP_EXTRA_HDRS,
		    "Content-Encoding: %s", "gzip");
	body = xmalloc(gz ? a->gzlen : a->len);
	memcpy(body, gz ? a->gz : a->data, gz ? a->gzlen : a->len);
	http_resp_set(resp, 200, a->ctype, body, gz ? a->gzlen : a->len);
	return 1;
}

/* The CSRF token of session id sid, in hex. */
static void
csrf_token(const char *sid, char out[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), (const unsigned char *)sid,
	    strlen(sid), (const unsigned char *)PANEL_TOKEN_KEY,
	    crypto_generichash_KEYBYTES);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

int
panel_session(struct api_ctx *c, const char **sid)
{
	const char *id = http_req_cookie(c->http, PANEL_COOKIE);
	const char *tok = http_req_header(c->http, PANEL_CSRF_HEADER);
	char want[65];

	if (id == NULL || *id == '\0')
		return 1;
	csrf_token(id, want);
	if (tok == NULL || strlen(tok) != 64 ||
	    sodium_memcmp(tok, want, 64) != 0) {
		log_info("panel: a call from %s with the panel's cookie and "
		    "%s CSRF token refused", c->http->client_addr,
		    tok ? "a wrong" : "no");
		reply_error(&c->r, "auth", "csrf", "the request carries the "
		    "panel's session but not its CSRF token: nothing was "
		    "done; reload the panel");
		return -1;
	}
	*sid = id;
	return 0;
}

int
panel_login(struct api_ctx *c, const char *sid, const char *level)
{
	char tok[65];

	if (http_req_header(c->http, PANEL_LOGIN_HEADER) == NULL)
		return 0;
	csrf_token(sid, tok);
	resp_header(c->hdr, API_HDRS, "Set-Cookie: " PANEL_COOKIE "=%s; "
	    "Path=/; Secure; HttpOnly; SameSite=Strict", sid);
	resp_header(c->hdr, API_HDRS, "Set-Cookie: " PANEL_CSRF_COOKIE "=%s; "
	    "Path=/; Secure; SameSite=Strict", tok);
	/* the panel's scripts never see the session id */
	json_object_set_new(c->r.doc, "auth", json_pack("{s:s,s:s}", "id",
	    "cookie", "level", level));
	reply_set(&c->r, "csrf", tok);
	return 1;
}

void
panel_logout(struct api_ctx *c)
{
	resp_header(c->hdr, API_HDRS, "Set-Cookie: %s", PANEL_COOKIE "=; "
	    "Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
	resp_header(c->hdr, API_HDRS, "Set-Cookie: %s", PANEL_CSRF_COOKIE
	    "=; Path=/; Max-Age=0; Secure; SameSite=Strict");
}
