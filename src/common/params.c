/* params.c - see params.h. */
#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void
params_init(struct reqparams *p)
{
	memset(p, 0, sizeof(*p));
}

void
params_release(struct reqparams *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].val);
	}
	free(p->v);
	params_init(p);
}

int
utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n, k;
	unsigned int cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

static int
perr(struct reqparams *p, const char *key, size_t klen, const char *msg)
{
	size_t i, o = 0;

	if (p->err[0] == '\0') {
		/* Keep only printable ASCII of the key for the message. */
		for (i = 0; i < klen && o < PARAM_KEY_MAX; i++)
			if (key[i] > 0x20 && key[i] < 0x7f && key[i] != '"')
				p->errkey[o++] = key[i];
		p->errkey[o] = '\0';
		snprintf(p->err, sizeof(p->err), "parameter \"%s\": %s",
		    p->errkey, msg);
	}
	return -1;
}

int
params_add(struct reqparams *p, const char *key, size_t klen, const char *val,
    size_t vlen)
{
	char *k, *v;
	size_t i;

	if (val == NULL) {
		val = "";
		vlen = 0;
	}
	if (klen == 0 || klen > PARAM_KEY_MAX)
		return perr(p, key, klen, "invalid name");
	for (i = 0; i < klen; i++) {
		char c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (c >= 'A' && c <= 'Z') || c == '_' || c == '.' ||
		    c == '-'))
			return perr(p, key, klen, "invalid name");
	}
	if (vlen > PARAM_VALUE_MAX)
		return perr(p, key, klen, "value too long");
	for (i = 0; i < vlen; i++) {
		unsigned char c = (unsigned char)val[i];

		if (c == 0)
			return perr(p, key, klen, "NUL byte in value");
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			return perr(p, key, klen, "control character in value");
	}
	if (!utf8_valid(val, vlen))
		return perr(p, key, klen, "value is not valid UTF-8");

	k = xstrndup(key, klen);
	v = xmalloc(vlen + 1);
	memcpy(v, val, vlen);
	v[vlen] = '\0';
	for (i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].key, k) == 0) {
			free(k);
			free(p->v[i].val);
			p->v[i].val = v;
			p->v[i].vlen = vlen;
			return 0;
		}
	}
	if (p->n >= PARAM_MAX_COUNT) {
		free(k);
		free(v);
		return perr(p, key, klen, "too many parameters");
	}
	if (p->n == p->alloc) {
		size_t na = p->alloc ? p->alloc * 2 : 16;

		p->v = xrealloc(p->v, na * sizeof(*p->v));
		p->alloc = na;
	}
	p->v[p->n].key = k;
	p->v[p->n].val = v;
	p->v[p->n].vlen = vlen;
	p->n++;
	return 0;
}

const char *
params_get(const struct reqparams *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0)
			return p->v[i].val;
	return NULL;
}

void
params_rename(struct reqparams *p, const char *from, const char *to)
{
	size_t i, f;

	for (f = 0; f < p->n; f++)
		if (strcmp(p->v[f].key, from) == 0)
			break;
	if (f == p->n || strcmp(from, to) == 0)
		return;
	for (i = 0; i < p->n; i++)
		if (strcmp(p->v[i].key, to) == 0) {
			free(p->v[i].key);
			free(p->v[i].val);
			memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) *
			    sizeof(*p->v));
			p->n--;
			if (i < f)
				f--;
			break;
		}
	free(p->v[f].key);
	p->v[f].key = xstrdup(to);
}

const char *
params_get_def(const struct reqparams *p, const char *key, const char *def)
{
	const char *v = params_get(p, key);

	return (v && *v) ? v : def;
}

int
elid_split(const char *s, char **buf, char **items, int max)
{
	char *p, *next;
	int n = 0;

	*buf = xstrdup(s);
	/* ISPmanager joins with ", " exactly: a bare comma may be part of an
	 * item, as in a TXT record's value. */
	for (p = *buf; p != NULL; p = next) {
		char *e;

		if ((next = strstr(p, ", ")) != NULL) {
			*next = '\0';
			next += 2;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		e = p + strlen(p);
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*p == '\0')
			continue;
		if (n == max)
			return -1;
		items[n++] = p;
	}
	return n;
}

const char *
params_lookup(void *arg, const char *key)
{
	return params_get(arg, key);
}
