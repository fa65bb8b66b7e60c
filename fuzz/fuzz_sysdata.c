/* fuzz_sysdata.c - libFuzzer harness for src/common/sysdata.c.
 *
 * Input: the first byte chooses the type (sd_types[(b & 0x0f) % sd_ntypes];
 * bit 0x10 builds over a base item, as a change does); the rest is split at 0x00
 * bytes into the values of the type's fields, in order (a value of exactly
 * "\x01" means "absent"; fields past the last value are absent).
 *
 * When sd_item_build accepts, the item must pass sd_item_check, and the
 * rendered file (the item and two copies with other ids) must be valid
 * UTF-8 with exactly the expected number of lines: no accepted value can
 * inject a line, a quote or a field.  Every field checker is also fed the
 * whole input as a C string: an accepted value is clean and canonical (a
 * fixed point), an error message is one line of printable ASCII.
 *
 * Any violation abort()s.  FUZZ_SYSDATA_VERBOSE=1 in the environment prints
 * what each input built (to check a seed corpus).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/common/params.h"
#include "../src/common/sbuf.h"
#include "../src/common/sysdata.h"
#include "../src/common/valid.h"

#define MAXF	16
#define OUTSZ	SD_OUTMAX

static int	verbose = -1;

static void die(const char *fmt, ...) __attribute__((noreturn,
    format(printf, 1, 2)));

static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

struct input {
	const struct dtype	*t;
	const char		*v[MAXF];
};

static const char *
get(void *arg, const char *name)
{
	struct input *in = arg;
	int i;

	for (i = 0; i < MAXF && in->t->fields[i].name; i++)
		if (strcmp(in->t->fields[i].name, name) == 0)
			return in->v[i];
	return NULL;
}

/* Printable ASCII only (what every error message must be). */
static int
printable_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* No control character (C0 or DEL) but those in allow. */
static int
no_ctl(const char *s, const char *allow)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c < 0x20 || c == 0x7f) && strchr(allow, c) == NULL)
			return 0;
	}
	return 1;
}

static size_t
count_char(const char *s, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += s[i] == c;
	return k;
}

static const char *
sval(const json_t *it, const char *k)
{
	const char *v = json_string_value(json_object_get(it, k));

	if (v == NULL)
		die("item without string field %s", k);
	return v;
}

/* ---- the field checkers on the raw input ---- */

typedef int (*checker)(const char *, const char *, char *, char *);

static const struct {
	const char	*name;
	checker		 fn;
} checkers[] = {
	{ "fw_action", sd_check_fw_action },
	{ "fw_proto", sd_check_fw_proto },
	{ "fw_port", sd_check_fw_port },
	{ "fw_src", sd_check_fw_src },
	{ "fw_comment", sd_check_fw_comment },
	{ "order", sd_check_order },
	{ "cron_minute", sd_check_cron_minute },
	{ "cron_hour", sd_check_cron_hour },
	{ "cron_dom", sd_check_cron_dom },
	{ "cron_month", sd_check_cron_month },
	{ "cron_dow", sd_check_cron_dow },
	{ "cron_command", sd_check_cron_command },
	{ "cron_user", sd_check_cron_user },
	{ "onoff", sd_check_onoff },
	{ "comment", sd_check_comment },
	{ "mail_pattern", sd_check_mail_pattern },
	{ "tpl_name", sd_check_tpl_name },
	{ "tpl_body", sd_check_tpl_body },
};

static void
fuzz_checkers(const char *s)
{
	char out[OUTSZ], out2[OUTSZ], err[VALID_ERR_MAX];
	size_t i;

	for (i = 0; i < sizeof(checkers) / sizeof(checkers[0]); i++) {
		memset(out, 0, sizeof(out));
		err[0] = '\0';
		if (checkers[i].fn("field", s, out, err) == 0) {
			if (memchr(out, '\0', sizeof(out)) == NULL)
				die("%s: output not terminated", checkers[i].name);
			/* a template's body is lines */
			if (!no_ctl(out, strcmp(checkers[i].name,
			    "tpl_body") == 0 ? "\n\t" : "") ||
			    !utf8_valid(out, strlen(out)))
				die("%s: accepted output with a control byte "
				    "or bad UTF-8", checkers[i].name);
			err[0] = '\0';
			if (checkers[i].fn("field", out, out2, err) != 0)
				die("%s: canonical \"%s\" refused: %s",
				    checkers[i].name, out, err);
			if (strcmp(out, out2) != 0)
				die("%s: canonical \"%s\" not stable: \"%s\"",
				    checkers[i].name, out, out2);
		} else {
			size_t n = strnlen(err, sizeof(err));

			if (n == 0 || n >= sizeof(err))
				die("%s: empty or unterminated error",
				    checkers[i].name);
			if (!printable_ascii(err))
				die("%s: error with a raw control or non-ASCII "
				    "byte: %s", checkers[i].name, err);
			if (strncmp(err, "field", 5) != 0)
				die("%s: error not naming the field: %s",
				    checkers[i].name, err);
		}
	}
}

/* ---- build, check, render ---- */

/* A valid item to build over; firewall has a port so a change of proto
 * alone must trip the cross-field rule. */
static json_t *
base_item(const struct dtype *t)
{
	static const char *const fw[] = { "allow", "tcp", "22", "10.0.0.0/8",
	    "base", "10" };
	static const char *const cron[] = { "5", "1", "2", "3", "4", "true",
	    "nobody", "on", "base" };
	static const char *const list[] = { "base@example.com", "base" };
	static const char *const sw[] = { "web", "nginx-light" };
	static const char *const tpl[] = { "nginx_site_extra",
	    "add_header X-Base yes;" };
	struct input in;
	const char *const *v;
	char ef[64], err[VALID_ERR_MAX];
	json_t *b;
	int i;

	memset(&in, 0, sizeof(in));
	in.t = t;
	v = strcmp(t->name, "firewall") == 0 ? fw :
	    strcmp(t->name, "scheduler") == 0 ? cron :
	    strcmp(t->name, "software") == 0 ? sw :
	    strcmp(t->name, "templates") == 0 ? tpl : list;
	for (i = 0; i < MAXF && t->fields[i].name; i++)
		in.v[i] = v[i];
	if ((b = sd_item_build(t, NULL, 77, get, &in, ef, err, NULL)) ==
	    NULL)
		die("base item refused: %s: %s", ef, err);
	return b;
}

/* The part of a rule line before end matches tcp packets only. */
static int
tcp_before(const char *line, const char *end)
{
	const char *const m[] = { "\ttcp dport ", " tcp dport ",
	    " meta l4proto tcp ", NULL };
	const char *p;
	int i;

	for (i = 0; m[i]; i++)
		if ((p = strstr(line, m[i])) != NULL && p < end)
			return 1;
	return 0;
}

static void
check_firewall(const char *s, size_t nrules)
{
	char *copy = strdup(s), *line, *save = NULL;
	size_t rules = 0, lineno = 0;

	if (copy == NULL)
		abort();
	for (line = strtok_r(copy, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), lineno++) {
		const char *q, *r;

		if (lineno < 6 || strcmp(line, "\t}") == 0 ||
		    strcmp(line, "}") == 0)
			continue;
		rules++;
		if (strncmp(line, "\t\t", 2) != 0 || line[2] == '\t' ||
		    line[2] == ' ')
			die("firewall: odd rule line: %s", line);
		if (count_char(line, strlen(line), '"') != 2)
			die("firewall: rule line without exactly two '\"': %s",
			    line);
		if ((q = strstr(line, " comment \"hf-")) == NULL ||
		    line[strlen(line) - 1] != '"')
			die("firewall: rule line not ending in its comment: %s",
			    line);
		/* nft takes comments up to 128 characters */
		if (strlen(q) - strlen(" comment \"\"") > 128)
			die("firewall: comment longer than nft allows: %s",
			    line);
		if (strchr(line, ';') && strchr(line, ';') < q)
			die("firewall: ';' outside the comment: %s", line);
		/* nft takes a TCP reset only on a rule that matches tcp */
		if ((r = strstr(line, " reject with tcp reset ")) != NULL &&
		    r < q && !tcp_before(line, r))
			die("firewall: tcp reset on a rule not only tcp: %s",
			    line);
	}
	if (rules != nrules)
		die("firewall: %zu rule lines, want %zu", rules, nrules);
	free(copy);
}

static void
check_scheduler(const char *s, const json_t *items)
{
	static const char *const tf[] = { "minute", "hour", "dom", "month",
	    "dow", "user" };
	char *copy = strdup(s), *line, *save = NULL;
	size_t lineno = 0, i;
	const json_t *it = NULL;
	size_t next = 0;

	if (copy == NULL)
		abort();
	for (line = strtok_r(copy, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), lineno++) {
		char *p = line;

		if (lineno < 3)
			continue;
		if ((lineno - 3) % 2 == 0) {
			/* the comment line of the next active job */
			do
				it = json_array_get(items, next++);
			while (it && strcmp(sval(it, "active"), "on") != 0);
			if (it == NULL)
				die("scheduler: more jobs than active items");
			if (strncmp(line, "# hf-", 5) != 0)
				die("scheduler: bad comment line: %s", line);
			continue;
		}
		/* the five time fields and the user, each one word */
		for (i = 0; i < 6; i++) {
			const char *want = sval(it, tf[i]);
			size_t n = strlen(want);

			if (strncmp(p, want, n) != 0 || p[n] != ' ')
				die("scheduler: field %s not in place: %s",
				    tf[i], line);
			p += n + 1;
		}
		if (*p == '\0' || *p == ' ' || *p == '\t')
			die("scheduler: command empty or blank-led: %s", line);
	}
	free(copy);
}

static void
check_list(const char *s, const char *action)
{
	char *copy = strdup(s), *line, *save = NULL;
	size_t lineno = 0;

	if (copy == NULL)
		abort();
	for (line = strtok_r(copy, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), lineno++) {
		char *tab;

		if (lineno == 0)
			continue;
		if ((tab = strchr(line, '\t')) == NULL || tab == line ||
		    strcmp(tab + 1, action) != 0 || line[0] == '#' ||
		    strpbrk(line, " ;,") != NULL)
			die("list: bad line: %s", line);
	}
	free(copy);
}

/* "ROLE PACKAGE" lines, one per item: two words of the grammars. */
static void
check_software(const char *s, size_t nitems)
{
	char *copy = strdup(s), *line, *save = NULL;
	size_t lineno = 0;

	if (copy == NULL)
		abort();
	for (line = strtok_r(copy, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save), lineno++) {
		char *sp, out[OUTSZ], err[VALID_ERR_MAX];

		if (lineno == 0)
			continue;
		if ((sp = strchr(line, ' ')) == NULL)
			die("software: bad line: %s", line);
		*sp = '\0';
		if ((strcmp(line, "*") != 0 && sd_check_sw_role("role", line,
		    out, err) != 0) ||
		    sd_check_sw_package("package", sp + 1, out, err) != 0)
			die("software: bad line: %s %s", line, sp + 1);
	}
	if (lineno != nitems + 1)
		die("software: %zu lines for %zu items", lineno, nitems);
	free(copy);
}

/* The file parses back to the one slot's bodies joined in id order. */
static void
check_templates(const char *s, const json_t *items)
{
	char err[VALID_ERR_MAX];
	const json_t *it;
	json_t *set = sd_tpl_parse(s, err);
	const char *slot = sval(json_array_get(items, 0), "name");
	struct sbuf want;
	size_t i;

	if (set == NULL)
		die("templates: the rendered file does not parse: %s", err);
	sbuf_init(&want, 1 << 20);
	json_array_foreach(items, i, it)
		sbuf_printf(&want, "%s%s", i ? "\n" : "", sval(it, "body"));
	if (json_object_size(set) != 1 || strcmp(json_string_value(
	    json_object_get(set, slot)) ? json_string_value(json_object_get(
	    set, slot)) : "", sbuf_str(&want)) != 0)
		die("templates: the file does not give the bodies back: %s", s);
	sbuf_release(&want);
	json_decref(set);
}

static void
render_check(const struct dtype *t, json_t *item)
{
	static const json_int_t ids[] = { 42, INT64_C(9223372036854775807) };
	json_t *items = json_array();
	char ef[64], err[VALID_ERR_MAX];
	struct sbuf b;
	size_t i, n, want, active = 0;
	const char *s;

	json_array_append(items, item);
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		json_t *c = json_deep_copy(item);

		json_object_set_new(c, "id", json_integer(ids[i]));
		if (sd_item_check(t, c, ef, err) != 0)
			die("%s: copy with id %lld refused: %s: %s", t->name,
			    (long long)ids[i], ef, err);
		json_array_append_new(items, c);
	}
	n = json_array_size(items);
	sd_sort(t, items);
	if (json_array_size(items) != n)
		die("%s: sort lost items", t->name);
	sbuf_init(&b, 1 << 20);
	if (sd_render(t, items, &b) != 0)
		die("%s: render failed", t->name);
	s = sbuf_str(&b);
	if (strlen(s) != b.len)
		die("%s: NUL inside the rendered file", t->name);
	if (!utf8_valid(s, b.len))
		die("%s: rendered file is not valid UTF-8", t->name);
	if (!no_ctl(s, "\n\t"))
		die("%s: control byte in the rendered file", t->name);
	if (b.len == 0 || s[b.len - 1] != '\n')
		die("%s: rendered file does not end in a newline", t->name);
	if (strstr(s, "\n\n") != NULL)
		die("%s: empty line in the rendered file", t->name);

	if (strcmp(t->name, "firewall") == 0)
		want = 6 + n + 2;
	else if (strcmp(t->name, "scheduler") == 0) {
		for (i = 0; i < n; i++)
			active += strcmp(sval(json_array_get(items, i),
			    "active"), "on") == 0;
		want = 3 + 2 * active;
	} else if (strcmp(t->name, "templates") == 0)
		want = 3;	/* "{", the one slot's joined bodies, "}" */
	else
		want = 1 + n;
	if (count_char(s, b.len, '\n') != want)
		die("%s: %zu lines, want %zu:\n%s", t->name,
		    count_char(s, b.len, '\n'), want, s);

	if (strcmp(t->name, "firewall") == 0)
		check_firewall(s, n);
	else if (strcmp(t->name, "scheduler") == 0)
		check_scheduler(s, items);
	else if (strcmp(t->name, "software") == 0)
		check_software(s, n);
	else if (strcmp(t->name, "templates") == 0)
		check_templates(s, items);
	else
		check_list(s, strcmp(t->name, "whitelist") == 0 ? "OK" :
		    "REJECT");
	sbuf_release(&b);
	json_decref(items);
}

static void
fuzz_build(const uint8_t *data, size_t size)
{
	const struct dtype *t = &sd_types[(data[0] & 0x0f) % sd_ntypes];
	char *buf, *p, *end, ef[64], err[VALID_ERR_MAX];
	json_t *base = NULL, *item;
	struct input in;
	int nf, i;

	memset(&in, 0, sizeof(in));
	in.t = t;
	for (nf = 0; t->fields[nf].name; nf++)
		;
	if (nf > MAXF)
		die("%s: too many fields", t->name);
	if ((buf = malloc(size)) == NULL)
		return;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	end = buf + size - 1;
	if (size > 1) {
		for (p = buf, i = 0; i < nf; i++) {
			size_t n = strlen(p);

			in.v[i] = strcmp(p, "\x01") == 0 ? NULL : p;
			if (p + n >= end)
				break;
			p += n + 1;
		}
	}
	if (data[0] & 0x10)
		base = base_item(t);

	ef[0] = err[0] = '\0';
	item = sd_item_build(t, base, 1, get, &in, ef, err, NULL);
	if (verbose) {
		char *d = item ? json_dumps(item, JSON_SORT_KEYS) : NULL;

		fprintf(stderr, "%s%s: %s%s%s%s\n", t->name, base ? " (over "
		    "a base)" : "", d ? d : "refused: ", d ? "" : ef,
		    d ? "" : ": ", d ? "" : err);
		free(d);
	}
	if (item == NULL) {
		size_t n = strnlen(err, sizeof(err));

		if (ef[0] == '\0' || strnlen(ef, 64) >= 64)
			die("%s: refused without an error field", t->name);
		if (n == 0 || n >= sizeof(err) || !printable_ascii(err))
			die("%s: bad error message: %s", t->name, err);
	} else {
		const struct field *f;

		if (sd_item_check(t, item, ef, err) != 0)
			die("%s: built item refused by sd_item_check: %s: %s",
			    t->name, ef, err);
		/* absent fields come from the base, else the default */
		for (f = t->fields, i = 0; f->name; f++, i++) {
			const char *want;

			if (in.v[i] != NULL)
				continue;
			want = base ? sval(base, f->name) : f->def;
			if (want == NULL || strcmp(sval(item, f->name), want))
				die("%s: absent field %s is \"%s\", want "
				    "\"%s\"", t->name, f->name,
				    sval(item, f->name), want ? want : "(null)");
		}
		render_check(t, item);
		json_decref(item);
	}
	json_decref(base);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (verbose == -1)
		verbose = getenv("FUZZ_SYSDATA_VERBOSE") != NULL;
	if (size == 0 || size > 4096)
		return 0;
	fuzz_build(data, size);

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_checkers(s);		/* the whole input */
	fuzz_checkers(s + 1);		/* without the type byte */
	free(s);
	return 0;
}
