/* exec.c - running the services' own tools (see backend.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sbuf.h"
#include "../common/util.h"
#include "backend.h"

/* The most output a command may print before it counts as failed: a
 * listing of the live firewall with thousands of rules fits many times. */
#define RUN_OUT_MAX	(64u << 20)

/*
 * Runs argv with its output (both streams) in out, at most RUN_OUT_MAX
 * bytes; *more gets how many bytes past that it printed.  Returns the exit
 * status, or -1 when it could not run or was killed (out then says why).
 */
static int
run(char *const argv[], int timeout_ms, struct sbuf *out, size_t *more)
{
	int fds[2], status = 0;
	pid_t pid;
	int64_t end = mono_ms() + timeout_ms;
	char msg[200];

	*more = 0;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* its own process group: a hung command goes with whatever
		 * it started */
		setpgid(0, 0);
		if (devnull != -1)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);	/* as the child does: whichever runs first */
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		int left = (int)(end - mono_ms());
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			kill(-pid, SIGKILL);
			snprintf(msg, sizeof(msg), "%s: no answer within %d ms, "
			    "killed", argv[0], timeout_ms);
			log_warnx("%s", msg);
			sbuf_reset(out);
			sbuf_adds(out, msg);
			break;
		}
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(fds[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		if (*more || sbuf_add(out, buf, (size_t)n) == -1)
			*more += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}

/*
 * The output as one line for an error answer, in out (outlen bytes): the
 * beginning, or with tail the end, and a mark of what was cut, never cut
 * silently.
 */
static void
one_line(const struct sbuf *all, size_t more, int tail, char *out,
    size_t outlen)
{
	/* room for the longest mark: " [18446744073709551615 bytes cut]" */
	const size_t markmax = 33;
	const char *s = sbuf_str(all);
	size_t n = all->len, keep = n, o;
	char mark[64];

	mark[0] = '\0';
	if (n + 1 > outlen || more) {
		keep = outlen - 1 > markmax ? outlen - 1 - markmax : 0;
		if (keep > n)
			keep = n;
		snprintf(mark, sizeof(mark), tail ? "[%zu bytes cut] " :
		    " [%zu bytes cut]", n - keep + more);
	}
	if (tail)
		snprintf(out, outlen, "%s%s", mark, s + n - keep);
	else
		snprintf(out, outlen, "%.*s%s", (int)keep, s, mark);
	for (o = 0; out[o]; o++)
		if (out[o] == '\n' || out[o] == '\r' || out[o] == '\t')
			out[o] = ' ';
}

static int
run_line(char *const argv[], int timeout_ms, char *out, size_t outlen,
    int tail)
{
	struct sbuf all;
	size_t more;
	int rc;

	sbuf_init(&all, RUN_OUT_MAX);
	rc = run(argv, timeout_ms, &all, &more);
	one_line(&all, more, tail, out, outlen);
	sbuf_release(&all);
	return rc;
}

int
run_cmd(char *const argv[], int timeout_ms, char *out, size_t outlen)
{
	return run_line(argv, timeout_ms, out, outlen, 0);
}

int
run_cmd_tail(char *const argv[], int timeout_ms, char *out, size_t outlen)
{
	return run_line(argv, timeout_ms, out, outlen, 1);
}

int
run_cmd_all(char *const argv[], int timeout_ms, struct sbuf *out)
{
	size_t more;
	int rc;

	sbuf_reset(out);
	rc = run(argv, timeout_ms, out, &more);
	if (more) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%s: more than %zu bytes of "
		    "output", argv[0], out->cap);
		sbuf_reset(out);
		sbuf_adds(out, msg);
		return -1;
	}
	return rc;
}
