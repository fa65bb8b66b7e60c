/* suffix.h - the Public Suffix List (publicsuffix.org, through libpsl):
 * names under which anyone may register a name of their own ("com",
 * "co.uk", "github.io").  A panel that let a user claim one as a zone,
 * a site or a mail domain would let them block every other user's names
 * under it (they are all "under another's zone"), so the master refuses
 * them when they are created.
 *
 * The list is loaded once, at start, before any thread reads it; after
 * that it is only read, from any thread. */
#ifndef HF_SUFFIX_H
#define HF_SUFFIX_H

/* Loads the list: from path (a .dat or .dafsa file) when given, else the
 * newer of libpsl's built-in list and Debian's `publicsuffix` package
 * (/usr/share/publicsuffix).  A list that does not know "co.uk" is no
 * list (libpsl built without one answers only its implicit "*" rule) and
 * is refused.  Returns 0, or -1 with a message in err (errlen bytes);
 * then no list is loaded and suffix_check() answers SUFFIX_UNLOADED. */
int	 suffix_load(const char *path, char *err, size_t errlen);
/* Forgets the list loaded. */
void	 suffix_free(void);

#define SUFFIX_PUBLIC	(-1)	/* the name is a public suffix */
#define SUFFIX_UNLOADED	(-2)	/* no list: nothing can be told */

/* Whether name (a canonical valid_domain) may be held by one user: 0 when
 * it is not a public suffix; SUFFIX_PUBLIC or SUFFIX_UNLOADED with a
 * message for people in err (VALID_ERR_MAX bytes) naming what. */
int	 suffix_check(const char *what, const char *name, char *err);

#endif
