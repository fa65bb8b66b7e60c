/* fuzz_schema.c - schema_read, schema_check, field_put and field_format
 * over every data type's declarations.
 *
 * The input: one byte choosing the type (schema_types[]), then pairs of a
 * byte choosing the field (by its index in the type, so every field and
 * spelling is reached), a length byte and the value (cut at a NUL or at
 * the end).  A later pair for a field replaces an earlier one.  Checked:
 *   - schema_read and schema_check agree: what schema_read refuses,
 *     schema_check refuses too, at the same field or at one that only
 *     schema_check reads (an F_FIXED name, say), with a message for
 *     people that begins with the field;
 *   - what schema_read stored is canonical: every field it read, answered
 *     by field_format and read again, stores exactly the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/common/schema.h"
#include "fuzz_check.h"

#define MAX_PAIRS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const struct dtype	*t;
	const char		*name[MAX_PAIRS];
	char			 val[MAX_PAIRS][256];
	size_t			 n;
};

static const char *
get(void *arg, const char *name)
{
	struct input *in = arg;
	size_t i;

	for (i = in->n; i-- > 0;)
		if (strcmp(in->name[i], name) == 0)
			return in->val[i];
	return NULL;
}

/* Whether schema_read takes f from an input. */
static int
read_by_schema(const struct field *f)
{
	return f->check && !(f->flags & (F_OUT | F_SECRET | F_FIXED | F_OWN));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct input in;
	char field[64], field2[64], err[VALID_ERR_MAX], err2[VALID_ERR_MAX];
	char buf[FIELD_OUTMAX];
	const struct field *f;
	size_t ntypes, nfields, p = 1;
	json_t *item, *again;
	int rc, rc2;

	for (ntypes = 0; schema_types[ntypes]; ntypes++)
		;
	if (size < 1)
		return 0;
	in.t = schema_types[data[0] % ntypes];
	for (nfields = 0; in.t->fields[nfields].name; nfields++)
		;
	if (nfields == 0)
		return 0;
	in.n = 0;
	while (p + 2 <= size && in.n < MAX_PAIRS) {
		size_t len = data[p + 1], k;

		in.name[in.n] = in.t->fields[data[p] % nfields].name;
		p += 2;
		if (len > size - p)
			len = size - p;
		for (k = 0; k < len && data[p + k] != 0; k++)
			in.val[in.n][k] = (char)data[p + k];
		in.val[in.n][k] = '\0';
		p += len;
		in.n++;
	}

	item = json_object();
	field[0] = field2[0] = '\0';
	rc = schema_read(in.t, get, &in, item, field, err);
	rc2 = schema_check(in.t, get, &in, field2, err2);
	if (rc == -1) {
		check(schema_field(in.t, field) != NULL, "refusal names no "
		    "field of the type", field);
		check_err(err, field);
	}
	/* schema_check also reads the fields schema_read leaves to their
	 * handlers: it may refuse where schema_read took the input, or one
	 * of those fields first; of the fields both read, the same */
	if (rc == -1) {
		check(rc2 == -1, "schema_check took what schema_read refused",
		    field);
		check(!read_by_schema(schema_field(in.t, field2)) ||
		    strcmp(field, field2) == 0, "schema_check refused another "
		    "field", field2);
	}
	if (rc2 == -1)
		check(schema_field(in.t, field2) != NULL, "schema_check's "
		    "refusal names no field of the type", field2);
	if (rc == 0) {
		for (f = in.t->fields; f->name; f++) {
			if (!read_by_schema(f) || get(&in, f->name) == NULL ||
			    json_object_get(item, field_key(f)) == NULL)
				continue;
			field_format(f, item, buf);
			again = json_object();
			check(field_put(f, buf, again, err) == 0, "an answered "
			    "value is refused when given back", buf);
			check(json_equal(json_object_get(item, field_key(f)),
			    json_object_get(again, field_key(f))), "a value "
			    "read twice is not the same", buf);
			json_decref(again);
		}
	}
	json_decref(item);
	return 0;
}
