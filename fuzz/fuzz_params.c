/* fuzz_params.c - params_add, params_get, utf8_valid and elid_split.
 *
 * The input is a list of pairs: one length byte for the key (the high bit
 * asks for a NULL value), the key, a two-byte little-endian value length
 * (cut to what is left), the value.  Every pair goes to params_add, and the
 * result is checked against a model written here independently: which pairs
 * are accepted, what params_get then returns, and the stored grammar.  Every
 * stored value is split with elid_split and the items checked.  Any broken
 * invariant aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/common/params.h"

#define MAX_PAIRS	(PARAM_MAX_COUNT + 64)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static int
key_ok(const char *k, size_t n)
{
	size_t i;

	if (n == 0 || n > PARAM_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)k[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-'))
			return 0;
	}
	return 1;
}

/* An independent UTF-8 check: decode by the table of RFC 3629 §4. */
static int
model_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c <= 0x7f) {
			i++;
		} else if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= n || (s[i + 1] & 0xc0) != 0x80)
				return 0;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			unsigned char lo = 0x80, hi = 0xbf;

			if (c == 0xe0)
				lo = 0xa0;
			if (c == 0xed)
				hi = 0x9f;
			if (i + 2 >= n || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80)
				return 0;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			unsigned char lo = 0x80, hi = 0xbf;

			if (c == 0xf0)
				lo = 0x90;
			if (c == 0xf4)
				hi = 0x8f;
			if (i + 3 >= n || s[i + 1] < lo || s[i + 1] > hi ||
			    (s[i + 2] & 0xc0) != 0x80 ||
			    (s[i + 3] & 0xc0) != 0x80)
				return 0;
			i += 4;
		} else
			return 0;
	}
	return 1;
}

static int
value_ok(const char *v, size_t n)
{
	size_t i;

	if (n > PARAM_VALUE_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == 0 || c == 0x7f ||
		    (c < 0x20 && c != '\t' && c != '\n' && c != '\r'))
			return 0;
	}
	return model_utf8((const unsigned char *)v, n);
}

struct mpair {
	char	*key;
	char	*val;
	size_t	 vlen;
};

/* The items elid_split should give, found by another route. */
static int
model_split(const char *s, char **items, int max)
{
	const char *p = s;
	int n = 0;

	for (;;) {
		const char *sep = strstr(p, ", ");
		size_t len = sep ? (size_t)(sep - p) : strlen(p);
		const char *b = p, *e = p + len;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b) {
			if (n == max) {
				while (n > 0)
					free(items[--n]);
				return -1;
			}
			items[n++] = strndup(b, (size_t)(e - b));
		}
		if (sep == NULL)
			break;
		p = sep + 2;
	}
	return n;
}

static void
check_split(const char *v)
{
	static const int maxes[] = { 0, 1, 3, 64 };
	char *buf, *items[64], *want[64];
	size_t m;
	int n, wn, i;

	for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
		buf = NULL;
		n = elid_split(v, &buf, items, maxes[m]);
		wn = model_split(v, want, maxes[m]);
		check(n == wn, "elid_split count");
		check(n <= maxes[m], "elid_split past max");
		for (i = 0; i < n; i++) {
			size_t l = strlen(items[i]);

			check(l > 0, "elid_split empty item");
			check(items[i][0] != ' ' && items[i][0] != '\t' &&
			    items[i][l - 1] != ' ' && items[i][l - 1] != '\t',
			    "elid_split item not trimmed");
			check(strstr(items[i], ", ") == NULL,
			    "elid_split item holds the separator");
			check(items[i] >= buf && items[i] < buf + strlen(v) + 1,
			    "elid_split item outside buf");
			check(strcmp(items[i], want[i]) == 0,
			    "elid_split item differs from the model");
		}
		for (i = 0; i < (wn > 0 ? wn : 0); i++)
			free(want[i]);
		free(buf);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mpair model[MAX_PAIRS];
	static const char def[] = "D";
	struct reqparams p;
	size_t off = 0, nm = 0, i, j, added = 0;
	int any_err = 0;

	params_init(&p);
	while (off < size && added < MAX_PAIRS) {
		size_t klen, vlen;
		const char *k, *v;
		int null_val, rc, want;

		null_val = (data[off] & 0x80) != 0;
		klen = data[off++] & 0x7f;
		if (klen > size - off)
			klen = size - off;
		k = (const char *)data + off;
		off += klen;
		vlen = 0;
		if (off < size)
			vlen = data[off++];
		if (off < size)
			vlen |= (size_t)data[off++] << 8;
		if (vlen > size - off)
			vlen = size - off;
		v = (const char *)data + off;
		off += vlen;
		added++;

		check(utf8_valid(v, vlen) == model_utf8(
		    (const unsigned char *)v, vlen), "utf8_valid vs model");

		want = key_ok(k, klen) && (null_val || value_ok(v, vlen));
		if (want) {
			/* a new key past the count is refused */
			for (j = 0; j < nm; j++)
				if (strlen(model[j].key) == klen &&
				    memcmp(model[j].key, k, klen) == 0)
					break;
			if (j == nm && nm >= PARAM_MAX_COUNT)
				want = 0;
		}
		rc = params_add(&p, k, klen, null_val ? NULL : v, vlen);
		check(rc == (want ? 0 : -1), "params_add accepts what the "
		    "model refuses, or the reverse");
		if (rc == -1) {
			any_err = 1;
			continue;
		}
		for (j = 0; j < nm; j++)
			if (strlen(model[j].key) == klen &&
			    memcmp(model[j].key, k, klen) == 0)
				break;
		if (j == nm) {
			model[nm].key = strndup(k, klen);
			nm++;
		} else
			free(model[j].val);
		model[j].vlen = null_val ? 0 : vlen;
		model[j].val = malloc(model[j].vlen + 1);
		memcpy(model[j].val, v, model[j].vlen);
		model[j].val[model[j].vlen] = '\0';
	}

	/* the error: set iff a pair was refused, one printable line */
	check((p.err[0] != '\0') == any_err, "err set iff a pair failed");
	for (i = 0; p.err[i]; i++)
		check((unsigned char)p.err[i] >= 0x20 &&
		    (unsigned char)p.err[i] < 0x7f, "control byte in err");
	for (i = 0; p.errkey[i]; i++)
		check(p.errkey[i] > 0x20 && p.errkey[i] < 0x7f &&
		    p.errkey[i] != '"', "bad byte in errkey");

	/* what is stored */
	check(p.n == nm, "count differs from the model");
	check(p.n <= PARAM_MAX_COUNT, "too many stored");
	for (i = 0; i < p.n; i++) {
		check(key_ok(p.v[i].key, strlen(p.v[i].key)),
		    "stored key breaks the grammar");
		check(strlen(p.v[i].val) == p.v[i].vlen,
		    "stored value holds NUL or has a wrong length");
		check(value_ok(p.v[i].val, p.v[i].vlen),
		    "stored value breaks the rules");
		for (j = 0; j < i; j++)
			check(strcmp(p.v[i].key, p.v[j].key) != 0,
			    "key stored twice");
		check_split(p.v[i].val);
	}
	for (i = 0; i < nm; i++) {
		const char *got = params_get(&p, model[i].key);

		check(got != NULL, "params_get lost a key");
		check(strcmp(got, model[i].val) == 0,
		    "params_get: not the last value");
		check(params_get_def(&p, model[i].key, def) ==
		    (model[i].vlen ? got : def), "params_get_def");
		free(model[i].key);
		free(model[i].val);
	}
	params_release(&p);
	check(p.n == 0 && p.v == NULL, "params_release");
	return 0;
}
