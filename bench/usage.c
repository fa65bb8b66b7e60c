/* usage - how fast a node measures a user's home (src/node/usage.c), next
 * to `du -s` on the same tree in the same run.
 *
 *   usage [-d DIRS] [-f FILES] [-r ROUNDS]
 *
 * Builds a home of DIRS directories of FILES files of 4 KiB each (plus a
 * hard link and a symbolic link in every directory), then alternates
 * usage_measure() and `du -s --block-size=1 -P -x` ROUNDS times, the page
 * cache warm for both.  Prints the medians, files per second and the
 * ratio, and checks that the two agree on the bytes (du counts a
 * hard-linked file once too). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../src/common/util.h"
#include "../src/node/node.h"
#include "bench.h"

int
main(int argc, char **argv)
{
	int dirs = 100, files = 100, rounds = 7, i, k, ch, fd;
	char top[] = "/tmp/hf-usage-bench.XXXXXX", path[512], p2[512];
	char buf[4096], cmd[600];
	int64_t *ours, *du, t;
	uint64_t bytes = 0, n = 0;
	unsigned long long dubytes = 0;
	FILE *f;

	while ((ch = getopt(argc, argv, "d:f:r:")) != -1) {
		if (ch == 'd')
			dirs = atoi(optarg);
		else if (ch == 'f')
			files = atoi(optarg);
		else if (ch == 'r')
			rounds = atoi(optarg);
		else {
			fprintf(stderr, "usage: usage [-d DIRS] [-f FILES] "
			    "[-r ROUNDS]\n");
			return 2;
		}
	}
	if (mkdtemp(top) == NULL)
		return 1;
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < dirs; i++) {
		snprintf(path, sizeof(path), "%s/www/site%d/htdocs", top, i);
		if (mkdirs(path, 0755) == -1)
			return 1;
		for (k = 0; k < files; k++) {
			snprintf(path, sizeof(path), "%s/www/site%d/htdocs/"
			    "f%d.html", top, i, k);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd == -1 || write(fd, buf, sizeof(buf)) !=
			    (ssize_t)sizeof(buf))
				return 1;
			close(fd);
		}
		snprintf(path, sizeof(path), "%s/www/site%d/htdocs/f0.html",
		    top, i);
		snprintf(p2, sizeof(p2), "%s/www/site%d/hard", top, i);
		if (link(path, p2) == -1)
			return 1;
		snprintf(p2, sizeof(p2), "%s/www/site%d/soft", top, i);
		if (symlink("/usr", p2) == -1)
			return 1;
	}
	ours = calloc((size_t)rounds, sizeof(*ours));
	du = calloc((size_t)rounds, sizeof(*du));
	snprintf(cmd, sizeof(cmd), "du -s --block-size=1 -P -x %s", top);
	for (i = 0; i < rounds + 1; i++) {
		t = now_us();
		if (usage_measure(top, &bytes, &n) == -1)
			return 1;
		if (i > 0)	/* the first of each warms the cache */
			ours[i - 1] = now_us() - t;
		t = now_us();
		if ((f = popen(cmd, "r")) == NULL ||
		    fscanf(f, "%llu", &dubytes) != 1)
			return 1;
		pclose(f);
		if (i > 0)
			du[i - 1] = now_us() - t;
	}
	qsort(ours, (size_t)rounds, sizeof(*ours), cmp64);
	qsort(du, (size_t)rounds, sizeof(*du), cmp64);
	printf("tree: %d dirs x %d files of 4 KiB, %llu entries, %llu bytes "
	    "(du: %llu, %s)\n", dirs, files, (unsigned long long)n,
	    (unsigned long long)bytes, dubytes, bytes == dubytes ? "same" :
	    "DIFFERENT");
	printf("usage_measure: median %lld us (%.0f entries/s)\n",
	    (long long)ours[rounds / 2], (double)n * 1e6 / (double)(ours[rounds
	    / 2] ? ours[rounds / 2] : 1));
	printf("du -s:         median %lld us\n", (long long)du[rounds / 2]);
	printf("ratio ours/du: %.2f\n", (double)ours[rounds / 2] /
	    (double)(du[rounds / 2] ? du[rounds / 2] : 1));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	free(ours);
	free(du);
	return system(cmd) == 0 && bytes == dubytes ? 0 : 1;
}
