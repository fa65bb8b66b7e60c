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

#include "../common/util.h"
#include "backend.h"

/* Adds n bytes of output to out (o bytes so far): what fits, or with tail
 * the last outlen-1 bytes of all there was. */
static void
keep_output(char *out, size_t outlen, size_t *o, const char *buf, size_t n,
    int tail)
{
	size_t room = outlen - 1 - *o;

	if (n > room && tail) {
		size_t drop = n - room;

		if (drop >= *o) {
			buf += drop - *o;
			n -= drop - *o;
			*o = 0;
		} else {
			memmove(out, out + drop, *o - drop);
			*o -= drop;
		}
		room = outlen - 1 - *o;
	}
	if (n > room)
		n = room;
	memcpy(out + *o, buf, n);
	*o += n;
	out[*o] = '\0';
}

static int
run(char *const argv[], int timeout_ms, char *out, size_t outlen, int tail)
{
	int fds[2], status = 0;
	size_t o = 0;
	pid_t pid;
	int64_t end = mono_ms() + timeout_ms;

	out[0] = '\0';
	if (pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull != -1)
			dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		int left = (int)(end - mono_ms());
		char buf[512];
		ssize_t n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			snprintf(out, outlen, "%s: no answer within %d ms",
			    argv[0], timeout_ms);
			break;
		}
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = read(fds[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		keep_output(out, outlen, &o, buf, (size_t)n, tail);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	/* one line for the error answers */
	for (o = 0; out[o]; o++)
		if (out[o] == '\n' || out[o] == '\r' || out[o] == '\t')
			out[o] = ' ';
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return -1;
}

int
run_cmd(char *const argv[], int timeout_ms, char *out, size_t outlen)
{
	return run(argv, timeout_ms, out, outlen, 0);
}

int
run_cmd_tail(char *const argv[], int timeout_ms, char *out, size_t outlen)
{
	return run(argv, timeout_ms, out, outlen, 1);
}
