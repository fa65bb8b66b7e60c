/* proxyload - the client of bench/proxy: one request, sent again and again
 * with libcurl, over kept-alive connections.
 *
 *   proxyload [-n N] [-c CONC] [-t SECONDS] [-d BODY] [-H HEADER]
 *             [--cacert F] [--cert F] [--key F] URL
 *
 * First N requests one after another on one connection, each timed
 * (after 50 untimed ones to warm the connections); then CONC connections
 * at once for SECONDS, counting answers.  Prints one line:
 *   p50_us P50 p99_us P99 rps RPS errors E
 * A request counts as an error unless it answers HTTP 200 with a body
 * that holds no "error". */
#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

struct conn {
	CURL	*e;
	char	 buf[1 << 16];
	size_t	 len;
};

static const char *url, *body, *hdr, *cacert, *cert, *key;
static struct curl_slist *hdrs;

static size_t
on_data(char *p, size_t sz, size_t n, void *ud)
{
	struct conn *c = ud;
	size_t k = sz * n, room = sizeof(c->buf) - 1 - c->len;

	memcpy(c->buf + c->len, p, k < room ? k : room);
	c->len += k < room ? k : room;
	c->buf[c->len] = '\0';
	return k;
}

static void
conn_init(struct conn *c)
{
	c->e = curl_easy_init();
	curl_easy_setopt(c->e, CURLOPT_URL, url);
	curl_easy_setopt(c->e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c->e, CURLOPT_TIMEOUT_MS, 30000L);
	if (body) {
		curl_easy_setopt(c->e, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->e, CURLOPT_POSTFIELDSIZE,
		    (long)strlen(body));
	}
	if (hdrs)
		curl_easy_setopt(c->e, CURLOPT_HTTPHEADER, hdrs);
	if (cacert)
		curl_easy_setopt(c->e, CURLOPT_CAINFO, cacert);
	if (cert)
		curl_easy_setopt(c->e, CURLOPT_SSLCERT, cert);
	if (key)
		curl_easy_setopt(c->e, CURLOPT_SSLKEY, key);
}

static int
answer_ok(struct conn *c)
{
	long code = 0;

	curl_easy_getinfo(c->e, CURLINFO_RESPONSE_CODE, &code);
	return code == 200 && strstr(c->buf, "\"error\"") == NULL;
}

int
main(int argc, char **argv)
{
	int n = 2000, conc = 8, secs = 5, i, errors = 0, running;
	int64_t *lat, t0, end, done = 0;
	struct conn one, *cs;
	CURLM *m;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conc = atoi(argv[++i]);
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			secs = atoi(argv[++i]);
		else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			body = argv[++i];
		else if (strcmp(argv[i], "-H") == 0 && i + 1 < argc)
			hdr = argv[++i];
		else if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
			cacert = argv[++i];
		else if (strcmp(argv[i], "--cert") == 0 && i + 1 < argc)
			cert = argv[++i];
		else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc)
			key = argv[++i];
		else
			url = argv[i];
	}
	if (url == NULL || n < 1 || conc < 1) {
		fprintf(stderr, "usage: proxyload [-n N] [-c CONC] [-t SECONDS] "
		    "[-d BODY] [-H HEADER] [--cacert F] [--cert F] [--key F] "
		    "URL\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (hdr)
		hdrs = curl_slist_append(NULL, hdr);
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL ||
	    (cs = calloc((size_t)conc, sizeof(*cs))) == NULL)
		return 1;

	/* latency: one connection, one request at a time */
	conn_init(&one);
	for (i = -50; i < n; i++) {
		one.len = 0;
		t0 = now_us();
		if (curl_easy_perform(one.e) != CURLE_OK || !answer_ok(&one)) {
			if (errors++ == 0)
				fprintf(stderr, "proxyload: %.300s\n", one.buf);
		}
		if (i >= 0)
			lat[i] = now_us() - t0;
	}
	curl_easy_cleanup(one.e);
	qsort(lat, (size_t)n, sizeof(*lat), cmp64);

	/* throughput: conc connections at once */
	m = curl_multi_init();
	for (i = 0; i < conc; i++) {
		conn_init(&cs[i]);
		curl_easy_setopt(cs[i].e, CURLOPT_PRIVATE, &cs[i]);
		curl_multi_add_handle(m, cs[i].e);
	}
	t0 = now_us();
	end = t0 + (int64_t)secs * 1000000;
	do {
		CURLMsg *msg;
		int left;

		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct conn *c;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&c);
			if (msg->data.result != CURLE_OK || !answer_ok(c))
				errors++;
			done++;
			curl_multi_remove_handle(m, c->e);
			if (now_us() < end) {
				c->len = 0;
				curl_multi_add_handle(m, c->e);
			}
		}
		curl_multi_poll(m, NULL, 0, 100, NULL);
	} while (running > 0 || now_us() < end);
	printf("p50_us %lld p99_us %lld rps %.0f errors %d\n",
	    (long long)lat[(n - 1) / 2], (long long)lat[(n - 1) * 99 / 100],
	    (double)done * 1e6 / (double)(now_us() - t0), errors);
	for (i = 0; i < conc; i++)
		curl_easy_cleanup(cs[i].e);
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	free(cs);
	free(lat);
	curl_global_cleanup();
	return 0;
}
