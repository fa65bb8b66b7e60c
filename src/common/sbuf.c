/* sbuf.c - see sbuf.h. */
#include "sbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
sbuf_init(struct sbuf *b, size_t cap)
{
	b->buf = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void
sbuf_release(struct sbuf *b)
{
	free(b->buf);
	sbuf_init(b, b->cap);
}

void
sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->buf)
		b->buf[0] = '\0';
}

/* Makes room for n more bytes and the NUL; returns 0, or -1 past the cap. */
static int
sbuf_grow(struct sbuf *b, size_t n)
{
	size_t need, nalloc;

	if (n > b->cap || b->len + n > b->cap)
		return -1;
	need = b->len + n + 1;
	if (need <= b->alloc)
		return 0;
	nalloc = b->alloc ? b->alloc : 64;
	while (nalloc < need)
		nalloc *= 2;
	if (nalloc > b->cap + 1)
		nalloc = b->cap + 1;
	b->buf = xrealloc(b->buf, nalloc);
	b->alloc = nalloc;
	return 0;
}

int
sbuf_add(struct sbuf *b, const void *p, size_t n)
{
	if (sbuf_grow(b, n) == -1)
		return -1;
	if (n)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return 0;
}

int
sbuf_adds(struct sbuf *b, const char *s)
{
	return sbuf_add(b, s, strlen(s));
}

int
sbuf_addc(struct sbuf *b, char c)
{
	return sbuf_add(b, &c, 1);
}

int
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sbuf_grow(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *
sbuf_detach(struct sbuf *b, size_t *lenp)
{
	char *p = b->buf;

	if (p == NULL)
		p = xcalloc(1, 1);
	if (lenp)
		*lenp = b->len;
	sbuf_init(b, b->cap);
	return p;
}

void
sbuf_attach(struct sbuf *b, char *buf, size_t len, size_t alloc)
{
	free(b->buf);
	b->buf = buf;
	b->len = len;
	b->alloc = alloc;
	if (b->cap < len)
		b->cap = len;
}

const char *
sbuf_str(const struct sbuf *b)
{
	return b->buf ? b->buf : "";
}
