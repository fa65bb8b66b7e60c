/* repo.c - the master's apt repository: key, pool, signed index, and the
 * read-only files of /repo/ (see repo.h).
 *
 * Nothing here writes a format by hand: apt-ftparchive writes Packages and
 * Release, gzip compresses, gpg makes the key and signs, dpkg-deb reads a
 * package's control fields. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/httpd.h"
#include "../common/log.h"
#include "../common/util.h"
#include "repo.h"

/* The largest file the repository holds or serves: a package is a few MB. */
#define REPO_FILE_MAX	(256u << 20)
/* The most a command may print that we read back (gpg's key listing,
 * dpkg-deb's fields). */
#define REPO_OUT_MAX	(64u << 10)
#define REPO_PATH_MAX	1024
/* The most architectures one index lists. */
#define REPO_ARCH_MAX	8
#define REPO_NAME_MAX	128

/* The paths of one state dir. */
struct repo_paths {
	char	 root[REPO_PATH_MAX];	/* S/repo */
	char	 home[REPO_PATH_MAX];	/* S/repo-gnupg */
	char	 work[REPO_PATH_MAX];	/* S/repo-work: temporary files */
	char	 lock[REPO_PATH_MAX];	/* S/repo.lock */
	char	 key[REPO_PATH_MAX];	/* S/repo/hostfleet-archive.gpg */
};

static int
paths_init(struct repo_paths *p, const char *state_dir, char *err,
    size_t errlen)
{
	if ((size_t)snprintf(p->root, sizeof(p->root), "%s/repo", state_dir) >=
	    sizeof(p->root) - 200) {
		snprintf(err, errlen, "state dir \"%s\": path too long",
		    state_dir);
		return -1;
	}
	snprintf(p->home, sizeof(p->home), "%s/repo-gnupg", state_dir);
	snprintf(p->work, sizeof(p->work), "%s/repo-work", state_dir);
	snprintf(p->lock, sizeof(p->lock), "%s/repo.lock", state_dir);
	snprintf(p->key, sizeof(p->key), "%s/hostfleet-archive.gpg", p->root);
	return 0;
}

/*
 * Runs argv in dir (NULL: here) with its standard output into the file
 * out (NULL: discarded) and its standard error into a file of the work
 * dir, whose end goes to err when the command fails.  Returns 0 when it
 * exited 0, else -1 with err.
 */
static int
run(const struct repo_paths *p, const char *dir, char *const argv[],
    const char *out, char *err, size_t errlen)
{
	char errpath[REPO_PATH_MAX], *msg, *nl;
	sigset_t none;
	pid_t pid;
	int status, efd;
	size_t len;

	snprintf(errpath, sizeof(errpath), "%s/stderr.XXXXXX", p->work);
	if ((efd = mkstemp(errpath)) == -1) {
		snprintf(err, errlen, "\"%s\": %s", errpath, strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(efd);
		unlink(errpath);
		return -1;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = out ? open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644) :
		    open("/dev/null", O_WRONLY);

		/* the master waits for its signals in sigwait() with them
		 * blocked; a command must not inherit that */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (in == -1 || o == -1 || (dir && chdir(dir) == -1))
			_exit(126);
		dup2(in, 0);
		dup2(o, 1);
		dup2(efd, 2);
		setenv("LC_ALL", "C", 1);
		execvp(argv[0], argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(efd);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	if (status != 0) {
		msg = file_read(errpath, REPO_OUT_MAX, &len);
		/* the last line says why */
		while (msg && len > 0 && isspace((unsigned char)msg[len - 1]))
			msg[--len] = '\0';
		nl = msg ? strrchr(msg, '\n') : NULL;
		snprintf(err, errlen, "%s: %s", argv[0], msg && *msg ?
		    (nl ? nl + 1 : msg) : WIFEXITED(status) ?
		    "failed" : "killed");
		free(msg);
	}
	unlink(errpath);
	return status == 0 ? 0 : -1;
}

/* Runs argv and reads what it printed into *outp (the caller frees it);
 * 0 or -1 with err. */
static int
run_read(const struct repo_paths *p, char *const argv[], char **outp,
    char *err, size_t errlen)
{
	char path[REPO_PATH_MAX];
	int fd, rc;

	*outp = NULL;
	snprintf(path, sizeof(path), "%s/out.XXXXXX", p->work);
	if ((fd = mkstemp(path)) == -1) {
		snprintf(err, errlen, "\"%s\": %s", path, strerror(errno));
		return -1;
	}
	close(fd);
	rc = run(p, NULL, argv, path, err, errlen);
	if (rc == 0 && (*outp = file_read(path, REPO_OUT_MAX, NULL)) == NULL) {
		snprintf(err, errlen, "\"%s\": %s", path, strerror(errno));
		rc = -1;
	}
	unlink(path);
	return rc;
}

/* The gpg-agent that gpg started for the key lives on otherwise. */
static void
agent_stop(const struct repo_paths *p)
{
	char e[64];
	char *argv[] = { "gpgconf", "--homedir", (char *)p->home, "--kill",
	    "gpg-agent", NULL };

	run(p, NULL, argv, NULL, e, sizeof(e));
}

/* Takes the repository's lock; the descriptor to unlock(), or -1. */
static int
lock_take(const struct repo_paths *p, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1 ||
	    flock(fd, LOCK_EX) == -1) {
		snprintf(err, errlen, "\"%s\": %s", p->lock, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

static void
lock_release(const struct repo_paths *p, int fd)
{
	agent_stop(p);
	close(fd);
}

static int
dirs_make(const struct repo_paths *p, char *err, size_t errlen)
{
	if (mkdirs(p->root, 0755) == -1 || mkdirs(p->home, 0700) == -1 ||
	    mkdirs(p->work, 0700) == -1) {
		snprintf(err, errlen, "repository dirs under \"%s\": %s",
		    p->root, strerror(errno));
		return -1;
	}
	/* gpg refuses a home that others may read */
	chmod(p->home, 0700);
	return 0;
}

/* The fingerprint on the first "fpr" line of gpg's --with-colons listing;
 * 0 or -1. */
static int
colons_fpr(const char *listing, char fpr[REPO_FPR_LEN])
{
	const char *l = strstr(listing, "\nfpr:");
	const char *f;
	size_t n;
	int i;

	if (strncmp(listing, "fpr:", 4) == 0)
		l = listing;
	else if (l)
		l++;
	if (l == NULL)
		return -1;
	/* fpr:::::::::FINGERPRINT: (the tenth field) */
	for (f = l, i = 0; i < 9 && f; i++)
		if ((f = strchr(f, ':')) != NULL)
			f++;
	if (f == NULL || (n = strcspn(f, ":")) != REPO_FPR_LEN - 1)
		return -1;
	memcpy(fpr, f, n);
	fpr[n] = '\0';
	for (i = 0; fpr[i]; i++)
		if (!isxdigit((unsigned char)fpr[i]))
			return -1;
	return 0;
}

/* The fingerprint of the secret key in the GnuPG home; 0, or -1 (none). */
static int
secret_fpr(const struct repo_paths *p, char fpr[REPO_FPR_LEN], char *err,
    size_t errlen)
{
	char *out;
	char *argv[] = { "gpg", "--batch", "--homedir", (char *)p->home,
	    "--with-colons", "--list-secret-keys", NULL };
	int rc;

	if (run_read(p, argv, &out, err, errlen) == -1)
		return -1;
	rc = colons_fpr(out, fpr);
	if (rc == -1)
		snprintf(err, errlen, "no repository key in \"%s\"", p->home);
	free(out);
	return rc;
}

/* A new key, its public half exported for signed-by=; 0 or -1. */
static int
key_make(const struct repo_paths *p, char fpr[REPO_FPR_LEN], char *err,
    size_t errlen)
{
	char host[64] = "", uid[160], tmp[REPO_PATH_MAX];
	char *gen[] = { "gpg", "--batch", "--homedir", (char *)p->home,
	    "--pinentry-mode", "loopback", "--passphrase", "",
	    "--quick-gen-key", uid, "ed25519", "sign", "never", NULL };
	char *exp[] = { "gpg", "--batch", "--homedir", (char *)p->home,
	    "--export", fpr, NULL };

	gethostname(host, sizeof(host) - 1);
	snprintf(uid, sizeof(uid), "hostfleet repository of %s",
	    host[0] ? host : "the master");
	if (secret_fpr(p, fpr, err, errlen) == -1) {
		if (run(p, NULL, gen, NULL, err, errlen) == -1 ||
		    secret_fpr(p, fpr, err, errlen) == -1)
			return -1;
		log_info("repo: made the repository key %s", fpr);
	}
	if (access(p->key, F_OK) == 0)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", p->key);
	if (run(p, NULL, exp, tmp, err, errlen) == -1 ||
	    rename(tmp, p->key) == -1) {
		if (!*err)
			snprintf(err, errlen, "\"%s\": %s", p->key,
			    strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int
repo_fingerprint(const char *state_dir, char fpr[REPO_FPR_LEN], char *err,
    size_t errlen)
{
	struct repo_paths p;
	char *out;
	int rc;
	char *argv[] = { "gpg", "--batch", "--homedir", p.home,
	    "--with-colons", "--show-keys", p.key, NULL };

	if (paths_init(&p, state_dir, err, errlen) == -1)
		return -1;
	if (access(p.key, R_OK) == -1) {
		snprintf(err, errlen, "no repository key: \"%s\": %s", p.key,
		    strerror(errno));
		return -1;
	}
	if (dirs_make(&p, err, errlen) == -1 ||
	    run_read(&p, argv, &out, err, errlen) == -1)
		return -1;
	if ((rc = colons_fpr(out, fpr)) == -1)
		snprintf(err, errlen, "\"%s\": no key in it", p.key);
	free(out);
	return rc;
}

/* Debian's grammar of package names, versions and architectures, which
 * also keeps the pool's file names plain. */
static int
deb_word(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !isalnum((unsigned char)s[0]))
		return -1;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) &&
		    !isupper((unsigned char)*s) && strchr(extra, *s) == NULL)
			return -1;
	return 0;
}

/* Collects the architectures of the pool's files (PKG_VER_ARCH.deb) and
 * the machine's own into archs, space-separated. */
static void
pool_archs(const struct repo_paths *p, const char *own, char *archs,
    size_t len)
{
	char dir[REPO_PATH_MAX], sub[REPO_PATH_MAX * 2];
	const char *u, *dot;
	DIR *d1, *d2, *d3;
	struct dirent *e1, *e2, *e3;
	char a[REPO_NAME_MAX + 3];
	int n = 1;

	snprintf(archs, len, "%s", own);
	snprintf(dir, sizeof(dir), "%s/pool/main", p->root);
	if ((d1 = opendir(dir)) == NULL)
		return;
	while ((e1 = readdir(d1)) != NULL) {
		if (e1->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e1->d_name);
		if ((d2 = opendir(sub)) == NULL)
			continue;
		while ((e2 = readdir(d2)) != NULL) {
			char sub2[REPO_PATH_MAX * 3];

			if (e2->d_name[0] == '.')
				continue;
			snprintf(sub2, sizeof(sub2), "%s/%s", sub, e2->d_name);
			if ((d3 = opendir(sub2)) == NULL)
				continue;
			while ((e3 = readdir(d3)) != NULL) {
				if ((u = strrchr(e3->d_name, '_')) == NULL ||
				    (dot = strstr(u, ".deb")) == NULL ||
				    dot[4] != '\0' || dot - u - 1 <= 0 ||
				    dot - u - 1 > REPO_NAME_MAX)
					continue;
				snprintf(a, sizeof(a), " %.*s ",
				    (int)(dot - u - 1), u + 1);
				if (strcmp(a, " all ") == 0 ||
				    n >= REPO_ARCH_MAX)
					continue;
				{
					char have[512];

					snprintf(have, sizeof(have), " %s ",
					    archs);
					if (strstr(have, a))
						continue;
				}
				strncat(archs, a, len - strlen(archs) - 1);
				archs[strlen(archs) - 1] = '\0';
				n++;
			}
			closedir(d3);
		}
		closedir(d2);
	}
	closedir(d1);
}

/* The machine's dpkg architecture (amd64); 0 or -1. */
static int
own_arch(const struct repo_paths *p, char arch[REPO_NAME_MAX], char *err,
    size_t errlen)
{
	char *out;
	char *argv[] = { "dpkg", "--print-architecture", NULL };

	if (run_read(p, argv, &out, err, errlen) == -1)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	if (deb_word(out, "-", REPO_NAME_MAX - 1) == -1) {
		snprintf(err, errlen, "dpkg: unexpected architecture");
		free(out);
		return -1;
	}
	strlcpy_hf(arch, out, REPO_NAME_MAX);
	free(out);
	return 0;
}

/*
 * Builds the whole index of the pool in a new directory beside the served
 * one, signs it with fpr and swaps it in with one rename.  0 or -1 with
 * the served index unchanged.
 */
static int
index_build(const struct repo_paths *p, const char *fpr, char *err,
    size_t errlen)
{
	char own[REPO_NAME_MAX], archs[512], w[REPO_PATH_MAX];
	char dist[REPO_PATH_MAX + 32], bin[REPO_PATH_MAX * 2];
	char pk[REPO_PATH_MAX * 3], pkgz[REPO_PATH_MAX * 3];
	char rel[REPO_PATH_MAX * 2], inrel[REPO_PATH_MAX * 2];
	char relgpg[REPO_PATH_MAX * 2], tmprel[REPO_PATH_MAX * 2];
	char served[REPO_PATH_MAX + 16], built[REPO_PATH_MAX + 16];
	char o_arch[600], *a, *save = NULL;
	int rc = -1;

	if (own_arch(p, own, err, errlen) == -1)
		return -1;
	pool_archs(p, own, archs, sizeof(archs));
	snprintf(w, sizeof(w), "%s/index.XXXXXX", p->work);
	if (mkdtemp(w) == NULL) {
		snprintf(err, errlen, "\"%s\": %s", w, strerror(errno));
		return -1;
	}
	chmod(w, 0755);
	snprintf(dist, sizeof(dist), "%s/dists/%s", w, REPO_SUITE);
	{
		char list[512];

		strlcpy_hf(list, archs, sizeof(list));
		for (a = strtok_r(list, " ", &save); a;
		    a = strtok_r(NULL, " ", &save)) {
			char *pkgs[] = { "apt-ftparchive", "--arch", a,
			    "packages", "pool", NULL };
			char *gz[] = { "gzip", "-9nc", pk, NULL };

			snprintf(bin, sizeof(bin), "%s/main/binary-%s", dist,
			    a);
			snprintf(pk, sizeof(pk), "%s/Packages", bin);
			snprintf(pkgz, sizeof(pkgz), "%s/Packages.gz", bin);
			if (mkdirs(bin, 0755) == -1) {
				snprintf(err, errlen, "\"%s\": %s", bin,
				    strerror(errno));
				goto out;
			}
			/* an empty pool is an empty index, not an error */
			mkdirs(p->root, 0755);
			{
				char pool[REPO_PATH_MAX + 8];

				snprintf(pool, sizeof(pool), "%s/pool",
				    p->root);
				mkdir(pool, 0755);
			}
			if (run(p, p->root, pkgs, pk, err, errlen) == -1 ||
			    run(p, NULL, gz, pkgz, err, errlen) == -1)
				goto out;
		}
	}
	snprintf(o_arch, sizeof(o_arch),
	    "APT::FTPArchive::Release::Architectures=%s", archs);
	snprintf(tmprel, sizeof(tmprel), "%s/Release", w);
	snprintf(rel, sizeof(rel), "%s/Release", dist);
	snprintf(inrel, sizeof(inrel), "%s/InRelease", dist);
	snprintf(relgpg, sizeof(relgpg), "%s/Release.gpg", dist);
	{
		char *release[] = { "apt-ftparchive",
		    "-o", "APT::FTPArchive::Release::Origin=hostfleet",
		    "-o", "APT::FTPArchive::Release::Label=hostfleet",
		    "-o", "APT::FTPArchive::Release::Suite=" REPO_SUITE,
		    "-o", "APT::FTPArchive::Release::Codename=" REPO_SUITE,
		    "-o", "APT::FTPArchive::Release::Components=main",
		    "-o", o_arch,
		    "-o", "APT::FTPArchive::Release::Description=the "
		    "packages of a hostfleet cluster, from its master",
		    "release", dist, NULL };
		char *clear[] = { "gpg", "--batch", "--yes", "--homedir",
		    (char *)p->home, "--pinentry-mode", "loopback",
		    "--passphrase", "", "--local-user", (char *)fpr,
		    "--digest-algo", "SHA512", "--output", inrel,
		    "--clearsign", rel, NULL };
		char *detach[] = { "gpg", "--batch", "--yes", "--homedir",
		    (char *)p->home, "--pinentry-mode", "loopback",
		    "--passphrase", "", "--local-user", (char *)fpr,
		    "--digest-algo", "SHA512", "--output", relgpg,
		    "--armor", "--detach-sign", rel, NULL };

		/* written outside the directory it lists, then moved in */
		if (run(p, NULL, release, tmprel, err, errlen) == -1)
			goto out;
		if (rename(tmprel, rel) == -1) {
			snprintf(err, errlen, "\"%s\": %s", rel,
			    strerror(errno));
			goto out;
		}
		if (run(p, NULL, clear, NULL, err, errlen) == -1 ||
		    run(p, NULL, detach, NULL, err, errlen) == -1)
			goto out;
	}
	snprintf(served, sizeof(served), "%s/dists", p->root);
	snprintf(built, sizeof(built), "%s/dists", w);
	if (access(served, F_OK) == 0) {
		if (renameat2(AT_FDCWD, built, AT_FDCWD, served,
		    RENAME_EXCHANGE) == -1) {
			snprintf(err, errlen, "\"%s\": %s", served,
			    strerror(errno));
			goto out;
		}
	} else if (rename(built, served) == -1) {
		snprintf(err, errlen, "\"%s\": %s", served, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	rmtree(w);
	return rc;
}

int
repo_init(const char *state_dir, char fpr[REPO_FPR_LEN], char *err,
    size_t errlen)
{
	struct repo_paths p;
	char inrel[REPO_PATH_MAX + 64];
	int lk, rc = 0;

	*err = '\0';
	if (paths_init(&p, state_dir, err, errlen) == -1 ||
	    dirs_make(&p, err, errlen) == -1 ||
	    (lk = lock_take(&p, err, errlen)) == -1)
		return -1;
	snprintf(inrel, sizeof(inrel), "%s/dists/%s/InRelease", p.root,
	    REPO_SUITE);
	if (key_make(&p, fpr, err, errlen) == -1 ||
	    (access(inrel, F_OK) == -1 &&
	    index_build(&p, fpr, err, errlen) == -1))
		rc = -1;
	lock_release(&p, lk);
	return rc;
}

/* The control fields of a .deb; 0 or -1 with err. */
static int
deb_fields(const struct repo_paths *p, const char *deb, char *pkg,
    char *ver, char *arch, char *err, size_t errlen)
{
	char *argv[] = { "dpkg-deb", "--field", (char *)deb, "Package",
	    "Version", "Architecture", NULL };
	char *out, *line, *save = NULL;
	int got = 0;

	if (run_read(p, argv, &out, err, errlen) == -1)
		return -1;
	for (line = strtok_r(out, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "Package: ", 9) == 0 && !(got & 1)) {
			strlcpy_hf(pkg, line + 9, REPO_NAME_MAX);
			got |= 1;
		} else if (strncmp(line, "Version: ", 9) == 0 && !(got & 2)) {
			strlcpy_hf(ver, line + 9, REPO_NAME_MAX);
			got |= 2;
		} else if (strncmp(line, "Architecture: ", 14) == 0 &&
		    !(got & 4)) {
			strlcpy_hf(arch, line + 14, REPO_NAME_MAX);
			got |= 4;
		}
	}
	free(out);
	if (got != 7 || deb_word(pkg, "+-.", 100) == -1 ||
	    deb_word(ver, "+-.~:", 100) == -1 ||
	    deb_word(arch, "-", 32) == -1) {
		snprintf(err, errlen, "\"%s\": not a package with a plain "
		    "Package, Version and Architecture", deb);
		return -1;
	}
	return 0;
}

/* 1 when the two files hold the same bytes, 0 when not, -1 on error. */
static int
same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = file_read(a, REPO_FILE_MAX, &la);
	char *y = file_read(b, REPO_FILE_MAX, &lb);
	int rc = x && y ? la == lb && memcmp(x, y, la) == 0 : -1;

	free(x);
	free(y);
	return rc;
}

/* Copies deb into the pool; 0 or -1 with err. */
static int
pool_put(const struct repo_paths *p, const char *deb, char *err,
    size_t errlen)
{
	char pkg[REPO_NAME_MAX], ver[REPO_NAME_MAX], arch[REPO_NAME_MAX];
	char dir[REPO_PATH_MAX + 256], dest[REPO_PATH_MAX + 512];
	const char *v;
	char *data;
	size_t len;
	int same;

	if (deb_fields(p, deb, pkg, ver, arch, err, errlen) == -1)
		return -1;
	/* the file name drops an epoch, as Debian's archive does */
	v = strchr(ver, ':') ? strchr(ver, ':') + 1 : ver;
	snprintf(dir, sizeof(dir), "%s/pool/main/%c/%s", p->root, pkg[0], pkg);
	snprintf(dest, sizeof(dest), "%s/%s_%s_%s.deb", dir, pkg, v, arch);
	if (access(dest, F_OK) == 0) {
		if ((same = same_file(deb, dest)) == 1)
			return 0;
		snprintf(err, errlen, same == 0 ? "\"%s\": the pool has "
		    "another package of that name, version and architecture; "
		    "give the new one a new version" : "\"%s\": cannot "
		    "compare with the pool's", deb);
		return -1;
	}
	if ((data = file_read(deb, REPO_FILE_MAX, &len)) == NULL) {
		snprintf(err, errlen, "\"%s\": %s", deb, strerror(errno));
		return -1;
	}
	if (mkdirs(dir, 0755) == -1 ||
	    file_write_atomic(dest, data, len, 0644) == -1) {
		snprintf(err, errlen, "\"%s\": %s", dest, strerror(errno));
		free(data);
		return -1;
	}
	free(data);
	log_info("repo: added %s %s (%s)", pkg, ver, arch);
	return 0;
}

int
repo_add(const char *state_dir, char *const *debs, int n, char *err,
    size_t errlen)
{
	struct repo_paths p;
	char fpr[REPO_FPR_LEN];
	int i, lk, rc = 0;

	*err = '\0';
	if (paths_init(&p, state_dir, err, errlen) == -1 ||
	    dirs_make(&p, err, errlen) == -1 ||
	    (lk = lock_take(&p, err, errlen)) == -1)
		return -1;
	if (key_make(&p, fpr, err, errlen) == -1)
		rc = -1;
	for (i = 0; rc == 0 && i < n; i++)
		rc = pool_put(&p, debs[i], err, errlen);
	if (rc == 0)
		rc = index_build(&p, fpr, err, errlen);
	lock_release(&p, lk);
	return rc;
}

/* A path under /repo/ that may be served: words of [A-Za-z0-9._+~-]
 * between single slashes, none starting with a dot. */
static int
path_ok(const char *path)
{
	const char *s;
	size_t n = strlen(path);

	if (n == 0 || n > 255 || path[0] == '/')
		return 0;
	for (s = path; *s; s++) {
		if ((s == path || s[-1] == '/') && (*s == '.' || *s == '/'))
			return 0;
		if (!isalnum((unsigned char)*s) && strchr("._+~-/", *s) == NULL)
			return 0;
	}
	return path[n - 1] != '/';
}

static const char *
ctype_of(const char *path)
{
	static const struct {
		const char	*suffix;
		const char	*ctype;
	} types[] = {
		{ ".deb", "application/vnd.debian.binary-package" },
		{ ".gz", "application/gzip" },
		{ "Release.gpg", "application/pgp-signature" },
		{ ".gpg", "application/pgp-keys" },
	};
	size_t i, n = strlen(path), k;

	for (i = 0; i < nitems(types); i++) {
		k = strlen(types[i].suffix);
		if (n >= k && strcmp(path + n - k, types[i].suffix) == 0)
			return types[i].ctype;
	}
	return "text/plain; charset=utf-8";
}

/*
 * Opens S/repo/path one directory at a time, following no link, and reads
 * it when it is a regular file.  Returns the contents (the caller frees
 * them), or NULL.
 */
static char *
file_under(const char *root, const char *path, size_t *lenp)
{
	char comp[256];
	const char *s = path, *slash;
	int dfd, fd;

	if ((dfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return NULL;
	while ((slash = strchr(s, '/')) != NULL) {
		snprintf(comp, sizeof(comp), "%.*s", (int)(slash - s), s);
		fd = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(dfd);
		if ((dfd = fd) == -1)
			return NULL;
		s = slash + 1;
	}
	fd = openat(dfd, s, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dfd);
	if (fd == -1)
		return NULL;
	return file_read_regular(fd, REPO_FILE_MAX, lenp);
}

void
repo_serve(const char *state_dir, const char *method, const char *path,
    struct http_resp *resp)
{
	char root[REPO_PATH_MAX], *data;
	size_t len;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		http_resp_str(resp, 405, "text/plain", "read-only\n");
		return;
	}
	snprintf(root, sizeof(root), "%s/repo", state_dir);
	if (!path_ok(path) || (data = file_under(root, path, &len)) == NULL) {
		http_resp_str(resp, 404, "text/plain", "not found\n");
		return;
	}
	http_resp_set(resp, 200, ctype_of(path), data, len);
}

static void
repo_usage(void)
{
	fprintf(stderr,
	    "usage: hostfleet repo [-s state_dir] init\n"
	    "       hostfleet repo [-s state_dir] key\n"
	    "       hostfleet repo [-s state_dir] add FILE.deb ...\n");
	exit(2);
}

/*
 * Run by root on a state dir that belongs to the master's user, the
 * command becomes that user, so that every file it makes is the master's
 * to read and change.  0 or -1.
 */
static int
become_owner(const char *state_dir)
{
	struct stat st;

	if (geteuid() != 0 || stat(state_dir, &st) == -1 || st.st_uid == 0)
		return 0;
	if (setgroups(0, NULL) == -1 || setgid(st.st_gid) == -1 ||
	    setuid(st.st_uid) == -1) {
		log_warn("cannot become the owner of \"%s\"", state_dir);
		return -1;
	}
	return 0;
}

/*
 * repo add: opens the files as the caller, then becomes the state dir's
 * owner and publishes them through /dev/fd, so that root may publish a
 * package from a directory the master's user cannot enter.  0 or -1 with
 * err.
 */
static int
add_files(const char *state, int n, char **files, char *err, size_t errlen)
{
	char **paths = xcalloc((size_t)n, sizeof(*paths));
	int *fds = xcalloc((size_t)n, sizeof(*fds));
	int i, rc = -1;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	for (i = 0; i < n; i++) {
		/* not close-on-exec: dpkg-deb reads it too */
		if ((fds[i] = open(files[i], O_RDONLY)) == -1) {
			snprintf(err, errlen, "\"%s\": %s", files[i],
			    strerror(errno));
			goto out;
		}
		paths[i] = xmalloc(32);
		snprintf(paths[i], 32, "/dev/fd/%d", fds[i]);
	}
	if (become_owner(state) == -1) {
		snprintf(err, errlen, "cannot become the owner of \"%s\"",
		    state);
		goto out;
	}
	rc = repo_add(state, paths, n, err, errlen);
out:
	for (i = 0; i < n; i++) {
		if (fds[i] != -1)
			close(fds[i]);
		free(paths[i]);
	}
	free(paths);
	free(fds);
	return rc;
}

int
repo_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *state = "/var/lib/hostfleet/master", *cmd;
	char fpr[REPO_FPR_LEN], err[512];
	int ch;

	while ((ch = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (ch == 's')
			state = optarg;
		else
			repo_usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		repo_usage();
	cmd = argv[0];
	log_init("repo", 0);
	/* add opens its files first, as the caller */
	if (strcmp(cmd, "add") != 0 && become_owner(state) == -1)
		return 1;
	if (strcmp(cmd, "init") == 0 && argc == 1) {
		if (repo_init(state, fpr, err, sizeof(err)) == -1)
			goto fail;
	} else if (strcmp(cmd, "add") == 0 && argc > 1) {
		if (add_files(state, argc - 1, argv + 1, err, sizeof(err)) ==
		    -1)
			goto fail;
	} else if (strcmp(cmd, "key") != 0 || argc != 1)
		repo_usage();
	if (repo_fingerprint(state, fpr, err, sizeof(err)) == -1)
		goto fail;
	printf("fingerprint=%s\nkey=%s/repo/hostfleet-archive.gpg\n", fpr,
	    state);
	return 0;
fail:
	fprintf(stderr, "hostfleet repo: %s\n", err);
	return 1;
}
