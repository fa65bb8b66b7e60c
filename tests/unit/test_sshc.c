/* test_sshc.c - unit tests of the master's SSH helpers (src/master/
 * sshc.c) and of the enrollment's scripts (src/master/cluster/enroll.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/common/util.h"
#include "../../src/master/master.h"
#include "../../src/master/sshc.h"

/* What sh makes of a quoted word: run through sh -c printf. */
static void
roundtrip(const char *s)
{
	struct sbuf b, cmd;
	FILE *p;
	char got[256];
	size_t n;

	sbuf_init(&b, 4096);
	assert_int_equal(sshc_quote(&b, s), 0);
	sbuf_init(&cmd, 8192);
	sbuf_adds(&cmd, "printf %s ");
	sbuf_adds(&cmd, sbuf_str(&b));
	p = popen(sbuf_str(&cmd), "r");
	assert_non_null(p);
	n = fread(got, 1, sizeof(got) - 1, p);
	got[n] = '\0';
	pclose(p);
	assert_string_equal(got, s);
	sbuf_release(&b);
	sbuf_release(&cmd);
}

static void
test_quote(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b, 64);
	assert_int_equal(sshc_quote(&b, "it's"), 0);
	assert_string_equal(sbuf_str(&b), "'it'\\''s'");
	sbuf_release(&b);
	roundtrip("");
	roundtrip("plain");
	roundtrip("it's; rm -rf / $(id) `id` \"x\" \\ *");
	roundtrip("''''");
	roundtrip("a\nb");
}

/* The master's key: made once, 0600, the same at the next call. */
static void
test_master_key(void **state)
{
	char dir[] = "/tmp/hf-sshc.XXXXXX", sub[64], pub1[512], pub2[512];
	char err[256], path[128];
	struct stat st;
	char *pem;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/ssh", dir);
	assert_int_equal(sshc_master_key(sub, pub1, sizeof(pub1), err,
	    sizeof(err)), 0);
	assert_int_equal(strncmp(pub1, "ssh-ed25519 AAAA", 16), 0);
	assert_non_null(strstr(pub1, " hostfleet-master@"));
	snprintf(path, sizeof(path), "%s/id_ed25519", sub);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(sshc_master_key(sub, pub2, sizeof(pub2), err,
	    sizeof(err)), 0);
	assert_string_equal(pub1, pub2);
	pem = sshc_master_key_pem(sub);
	assert_non_null(pem);
	assert_non_null(strstr(pem, "BEGIN OPENSSH PRIVATE KEY"));
	free(pem);
	unlink(path);
	snprintf(path, sizeof(path), "%s/id_ed25519.pub", sub);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}

/* A connection to a port where nothing listens fails as unreachable,
 * and records nothing. */
static void
test_unreachable(void **state)
{
	struct sshc_login l = { "root", "x", NULL, NULL };
	enum sshc_fail f;
	char fpr[128], err[512];
	int isnew;

	(void)state;
	assert_null(sshc_open("/nonexistent/known_hosts", "127.0.0.1", 1, &l,
	    5, &f, fpr, &isnew, err, sizeof(err)));
	assert_int_equal(f, SSHC_CONNECT);
	assert_non_null(strstr(err, "cannot connect to 127.0.0.1 port 1"));
}

/* The grammars of root's login: never stored, but checked. */
static void
test_login_grammar(void **state)
{
	const struct field *pw = schema_field(&dt_enroll, "password");
	const struct field *key = schema_field(&dt_enroll, "ssh_key");
	char out[FIELD_OUTMAX], err[VALID_ERR_MAX], big[2048];

	(void)state;
	assert_non_null(pw);
	assert_non_null(key);
	assert_true(pw->flags & F_SECRET);
	assert_true(key->flags & F_SECRET);
	assert_int_equal(pw->check("password", "x", out, err), 0);
	assert_int_equal(pw->check("password", "root pass 1 'q' $x", out, err),
	    0);
	assert_int_equal(pw->check("password", "", out, err), -1);
	assert_int_equal(pw->check("password", "a\nb", out, err), -1);
	assert_string_equal(err, "password: holds a control character");
	memset(big, 'a', 1025);
	big[1025] = '\0';
	assert_int_equal(pw->check("password", big, out, err), -1);
	assert_int_equal(key->check("ssh_key", "-----BEGIN OPENSSH PRIVATE "
	    "KEY-----\nb3Blbg==\n-----END OPENSSH PRIVATE KEY-----\n", out,
	    err), 0);
	assert_int_equal(key->check("ssh_key", "ssh-ed25519 AAAA", out, err),
	    -1);
	assert_int_equal(strncmp(err, "ssh_key: ", 9), 0);
	assert_int_equal(key->check("ssh_key", "-----BEGIN PRIVATE KEY-----\n"
	    "\x01\n", out, err), -1);
}

static void
test_steps(void **state)
{
	(void)state;
	assert_string_equal(enroll_steps[0], "connect");
	assert_string_equal(enroll_steps[ENROLL_NSTEPS - 1], "sync");
	assert_int_equal(enroll_scripts_check(), 0);
}

/* The lines of one host go, the others' stay, a host among others of a
 * line included. */
static void
test_known_forget(void **state)
{
	char dir[] = "/tmp/test_sshc.XXXXXX", path[64], err[256], *got;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/known_hosts", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("10.0.0.1 ssh-ed25519 AAAA1\n"
	    "10.0.0.10 ssh-ed25519 AAAA2\n"
	    "[10.0.0.1]:2222 ssh-ed25519 AAAA3\n"
	    "host,10.0.0.1 ecdsa-sha2-nistp256 AAAA4\n"
	    "10.0.0.2 ssh-ed25519 AAAA5", f);
	fclose(f);
	assert_int_equal(sshc_known_forget(path, "10.0.0.1", 22, err,
	    sizeof(err)), 0);
	assert_non_null(got = file_read(path, 4096, NULL));
	assert_string_equal(got, "10.0.0.10 ssh-ed25519 AAAA2\n"
	    "[10.0.0.1]:2222 ssh-ed25519 AAAA3\n"
	    "10.0.0.2 ssh-ed25519 AAAA5");
	free(got);
	assert_int_equal(sshc_known_forget(path, "10.0.0.1", 2222, err,
	    sizeof(err)), 0);
	assert_non_null(got = file_read(path, 4096, NULL));
	assert_string_equal(got, "10.0.0.10 ssh-ed25519 AAAA2\n"
	    "10.0.0.2 ssh-ed25519 AAAA5");
	free(got);
	unlink(path);
	assert_int_equal(sshc_known_forget(path, "10.0.0.1", 22, err,
	    sizeof(err)), -1);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_master_key),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_login_grammar),
		cmocka_unit_test(test_steps),
		cmocka_unit_test(test_known_forget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
