/* sbuf.h - growable byte buffer with a hard cap (curl dynbuf).
 *
 * The buffer owns its bytes; sbuf_detach() hands them to the caller, who
 * frees them with free().  Every append fails with -1 once the cap would be
 * passed, and the buffer is then left as it was.  The content is always
 * NUL-terminated. */
#ifndef HF_SBUF_H
#define HF_SBUF_H

#include <stddef.h>

struct sbuf {
	char	*buf;
	size_t	 len;
	size_t	 alloc;
	size_t	 cap;
};

void	 sbuf_init(struct sbuf *, size_t cap);
void	 sbuf_release(struct sbuf *);
void	 sbuf_reset(struct sbuf *);
int	 sbuf_add(struct sbuf *, const void *, size_t);
int	 sbuf_adds(struct sbuf *, const char *);
int	 sbuf_addc(struct sbuf *, char);
int	 sbuf_printf(struct sbuf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
char	*sbuf_detach(struct sbuf *, size_t *lenp);
/* The buffer takes buf (malloc'd, alloc bytes, len of them content and
 * buf[len] a NUL) and frees its own. */
void	 sbuf_attach(struct sbuf *, char *buf, size_t len, size_t alloc);
const char *sbuf_str(const struct sbuf *);

#endif
