/* repo.h - the master's apt repository (DESIGN.md §3.1): the hostfleet
 * packages its nodes install and upgrade from, signed with a key of the
 * master's own, served read-only under https://MASTER:1500/repo/.
 *
 * Under the master's state dir S:
 *   S/repo/                       what /repo/ serves, and nothing else
 *     hostfleet-archive.gpg       the public key (binary), for signed-by=
 *     pool/main/P/PKG/PKG_VER_ARCH.deb
 *     dists/hostfleet/InRelease, Release, Release.gpg
 *     dists/hostfleet/main/binary-ARCH/Packages, Packages.gz
 *   S/repo-gnupg/                 the signing key (GnuPG home, 0700)
 *   S/repo.lock                   one writer at a time (flock)
 *
 * The index is made by apt-ftparchive and signed by gpg; both run as
 * commands.  A new index is built beside the served one and swapped in
 * with one rename, so a reader sees the old index or the new one. */
#ifndef HF_REPO_H
#define HF_REPO_H

#include <stddef.h>

struct http_resp;

/* The suite and codename: "deb [signed-by=KEY] URL/repo hostfleet main" */
#define REPO_SUITE	"hostfleet"
/* An OpenPGP v4 fingerprint in hex, and its NUL. */
#define REPO_FPR_LEN	41

/*
 * Makes the signing key and an empty signed index when the state dir has
 * none (the master calls it at every start); fpr gets the key's
 * fingerprint.  Takes the repository's lock.  0, or -1 with err.
 */
int	 repo_init(const char *state_dir, char fpr[REPO_FPR_LEN], char *err,
	    size_t errlen);
/* The fingerprint of the repository's key, which an enrolling node pins;
 * 0, or -1 with err (no key yet). */
int	 repo_fingerprint(const char *state_dir, char fpr[REPO_FPR_LEN],
	    char *err, size_t errlen);
/*
 * Publishes the .deb files debs[0..n-1]: each is copied into the pool
 * (a file of the same name must be the same bytes) and the index is
 * rebuilt and signed.  0, or -1 with err and the served index unchanged.
 */
int	 repo_add(const char *state_dir, char *const *debs, int n, char *err,
	    size_t errlen);
/* Answers GET path (what follows /repo/) with a file of S/repo: 404 for
 * anything else, links and dot files included. */
void	 repo_serve(const char *state_dir, const char *method,
	    const char *path, struct http_resp *);

/* `hostfleet repo add|key|init [-s state_dir] ...` */
int	 repo_main(int argc, char **argv);

#endif
