/* test_imsg.c - unit tests of src/node/imsg.c: the calls of the protocol,
 * the grammar the privileged parent holds the network process to, and the
 * framing of the channel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/common/sysdata.h"
#include "../../src/node/imsg.h"

static void
test_call_of(void **state)
{
	int dt;

	(void)state;
	assert_int_equal(rpc_call_of("GET", "/v1/stats", &dt), RPC_STATS);
	assert_int_equal(dt, -1);
	assert_int_equal(rpc_call_of("POST", "/v1/stats", &dt), -1);
	assert_int_equal(rpc_call_of("DELETE", "/v1/stats", &dt), -1);
	assert_int_equal(rpc_call_of("POST", "/v1/sys/firewall", &dt),
	    RPC_SYS);
	assert_int_equal(dt, sd_type_index(sd_type("firewall")));
	assert_int_equal(rpc_call_of("POST", "/v1/sync/software", &dt),
	    RPC_SYNC);
	assert_int_equal(dt, sd_type_index(sd_type("software")));
	assert_int_equal(rpc_call_of("POST", "/v1/sys/nosuch", &dt), 0);
	assert_int_equal(rpc_call_of("POST", "/v1/sys/", &dt), 0);
	assert_int_equal(rpc_call_of("GET", "/v1/services", &dt),
	    RPC_SERVICES);
	assert_int_equal(rpc_call_of("POST", "/v1/services", &dt),
	    RPC_SERVICES);
	assert_int_equal(rpc_call_of("POST", "/v1/services/restart", &dt),
	    RPC_SERVICES_RESTART);
	assert_int_equal(rpc_call_of("POST", "/v1/ud", &dt), RPC_UD);
	assert_int_equal(rpc_call_of("GET", "/v1/ud", &dt), -1);
	assert_int_equal(rpc_call_of("POST", "/v1/ud/forget", &dt),
	    RPC_UD_FORGET);
	assert_int_equal(rpc_call_of("POST", "/v1/account/delete", &dt),
	    RPC_ACCOUNT_DELETE);
	assert_int_equal(rpc_call_of("POST", "/v1/udx", &dt), 0);
	assert_int_equal(rpc_call_of("GET", "/v1/stats/", &dt), 0);
	assert_int_equal(rpc_call_of("GET", "/", &dt), 0);
}

static void
test_call_path(void **state)
{
	char p[64];

	(void)state;
	rpc_call_path(RPC_SYNC, sd_type_index(sd_type("scheduler")), p,
	    sizeof(p));
	assert_string_equal(p, "/v1/sync/scheduler");
	rpc_call_path(RPC_ACCOUNT, -1, p, sizeof(p));
	assert_string_equal(p, "/v1/account");
}

/* A request message: hdr and payload (freed by the caller). */
static char *
mkreq(struct imsg_hdr *h, const struct imsg_request *r, const char *body)
{
	size_t blen = body ? strlen(body) : 0;
	char *p = malloc(sizeof(*r) + blen + 1);
	struct imsg_request rr = *r;

	rr.body_len = (uint32_t)blen;
	memcpy(p, &rr, sizeof(rr));
	if (blen)
		memcpy(p + sizeof(rr), body, blen);
	p[sizeof(rr) + blen] = '\0';
	memset(h, 0, sizeof(*h));
	h->type = IMSG_REQUEST;
	h->len = (uint32_t)(sizeof(rr) + blen);
	return p;
}

static int
check(const struct imsg_request *r, const char *body)
{
	struct imsg_hdr h;
	char err[256], *p = mkreq(&h, r, body);
	int rc = imsg_request_check(&h, p, err, sizeof(err));

	if (rc == -1)
		assert_true(strlen(err) > 0);
	free(p);
	return rc;
}

static struct imsg_request
good_sync(void)
{
	struct imsg_request r;

	memset(&r, 0, sizeof(r));
	r.call = RPC_SYNC;
	r.method = RPC_POST;
	r.dtype = (int16_t)sd_type_index(sd_type("firewall"));
	r.has_roles = 1;
	strcpy(r.roles, "web,dns");
	strcpy(r.peer, "127.0.0.1");
	return r;
}

static void
test_check_good(void **state)
{
	struct imsg_request r = good_sync();

	(void)state;
	assert_int_equal(check(&r, "{\"version\":1,\"items\":[]}"), 0);
	memset(&r, 0, sizeof(r));
	r.call = RPC_STATS;
	r.method = RPC_GET;
	r.dtype = -1;
	assert_int_equal(check(&r, NULL), 0);
	r.has_roles = 1;
	strcpy(r.roles, "");
	assert_int_equal(check(&r, NULL), 0);
}

static void
test_check_bad(void **state)
{
	struct imsg_request r;

	(void)state;
	r = good_sync();
	r.call = 77;
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	r.call = 0;
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	r.method = RPC_GET;	/* sync takes POST only */
	assert_int_equal(check(&r, NULL), -1);
	r = good_sync();
	r.method = 9;
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	r.dtype = -1;		/* sync names a type */
	assert_int_equal(check(&r, "{}"), -1);
	r.dtype = (int16_t)sd_ntypes;
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	r.call = RPC_UD;	/* ud names none */
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	strcpy(r.roles, "dns,web");	/* valid, not canonical */
	assert_int_equal(check(&r, "{}"), -1);
	strcpy(r.roles, "root");
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	r.has_roles = 0;	/* roles without the flag */
	assert_int_equal(check(&r, "{}"), -1);
	r.has_roles = 2;
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	memset(r.peer, 'a', sizeof(r.peer));	/* not terminated */
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	memset(r.roles, 'w', sizeof(r.roles));
	assert_int_equal(check(&r, "{}"), -1);
	r = good_sync();
	assert_int_equal(check(&r, "not json"), -1);
	assert_int_equal(check(&r, "[1]"), -1);
	assert_int_equal(check(&r, NULL), -1);
	memset(&r, 0, sizeof(r));
	r.call = RPC_STATS;
	r.method = RPC_GET;
	r.dtype = -1;
	assert_int_equal(check(&r, "{}"), -1);	/* a GET with a body */
}

static void
test_check_framing(void **state)
{
	struct imsg_request r = good_sync();
	struct imsg_hdr h;
	char err[256], *p;

	(void)state;
	p = mkreq(&h, &r, "{}");
	h.type = 99;
	assert_int_equal(imsg_request_check(&h, p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown message type 99"));
	h.type = IMSG_RESPONSE;
	assert_int_equal(imsg_request_check(&h, p, err, sizeof(err)), -1);
	h.type = IMSG_REQUEST;
	h.len = sizeof(r) - 1;	/* shorter than its header */
	assert_int_equal(imsg_request_check(&h, p, err, sizeof(err)), -1);
	h.len = sizeof(r) + 1;	/* body_len says 2 */
	assert_int_equal(imsg_request_check(&h, p, err, sizeof(err)), -1);
	free(p);
}

static void
test_channel(void **state)
{
	struct imsgbuf a, b;
	struct imsg_hdr h;
	char *p;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	imsg_init(&a, sv[0]);
	imsg_init(&b, sv[1]);
	assert_int_equal(imsg_compose(&a, IMSG_REQUEST, 42, "ab", 2, "cde",
	    3), 0);
	assert_int_equal(imsg_compose(&a, IMSG_READY, 7, NULL, 0, NULL, 0), 0);
	assert_int_equal(imsg_read(&b, &h, &p), 1);
	assert_int_equal(h.type, IMSG_REQUEST);
	assert_int_equal(h.id, 42);
	assert_int_equal(h.len, 5);
	assert_string_equal(p, "abcde");
	free(p);
	assert_int_equal(imsg_read(&b, &h, &p), 1);
	assert_int_equal(h.type, IMSG_READY);
	assert_int_equal(h.len, 0);
	free(p);
	/* a length past the cap ends the channel */
	memset(&h, 0, sizeof(h));
	h.type = IMSG_REQUEST;
	h.len = IMSG_MAX_PAYLOAD + 1;
	assert_int_equal(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(imsg_read(&b, &h, &p), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_null(p);
	/* a message cut short, then the end */
	h.len = 10;
	assert_int_equal(write(sv[0], &h, sizeof(h)), (ssize_t)sizeof(h));
	assert_int_equal(write(sv[0], "abc", 3), 3);
	close(sv[0]);
	assert_int_equal(imsg_read(&b, &h, &p), -1);
	assert_int_equal(imsg_read(&b, &h, &p), 0);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_call_of),
		cmocka_unit_test(test_call_path),
		cmocka_unit_test(test_check_good),
		cmocka_unit_test(test_check_bad),
		cmocka_unit_test(test_check_framing),
		cmocka_unit_test(test_channel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
