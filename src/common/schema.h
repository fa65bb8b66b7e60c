/* schema.h - one declaration per data type (DESIGN.md §2, "Schema").
 *
 * A data type is a row: its name, kind and role, and its fields.  A field
 * is a row too: the API's name, the stored key, the grammar (a checker of
 * src/common), the default, flags, a label and help for people.  Everything
 * that deals with a field reads its row: the master's function table (which
 * parameters a function takes; any other is refused by name), the master's
 * and the node's validation, the node's items and answers, the docs' field
 * tables (`hostfleet functions --fields TYPE`) and the `functions` metadata
 * that forms are built from.  Adding a plain field to a type is one line.
 *
 * System data types (sysdata.h) are rows of the same struct, with the
 * members that only they use: how they sort, check across fields, render
 * and where their file lives.
 *
 * Conventions of the checkers: 0, or -1 with a message for people in err
 * (VALID_ERR_MAX bytes) naming the field and quoting the value; out
 * (FIELD_OUTMAX bytes) gets the canonical form, written only on success. */
#ifndef HF_SCHEMA_H
#define HF_SCHEMA_H

#include <jansson.h>
#include <stddef.h>

#include "sbuf.h"
#include "valid.h"

/* The size of a field's canonical form, its NUL included: the longest is
 * a site's 32 aliases of 253 bytes joined by spaces. */
#define FIELD_OUTMAX	8448
_Static_assert(FIELD_OUTMAX > 32 * 254, "32 aliases fit a field");

typedef int	(*field_check_fn)(const char *what, const char *v, char *out,
		    char *err);

enum field_flag {
	F_REQ		= 1 << 0,	/* needed to create */
	F_SECRET	= 1 << 1,	/* never answered; read by its handler */
	F_FIXED		= 1 << 2,	/* given at create, never changed */
	F_UNIQUE	= 1 << 3,	/* unique in the whole cluster */
	F_COL		= 1 << 4,	/* a column of the type's list */
	F_OUT		= 1 << 5,	/* answered, never given (computed) */
	F_LIST		= 1 << 6,	/* stored as an array of strings,
					 * given and answered space-separated */
	F_BOOL		= 1 << 7,	/* stored true/false, given "on"/"off" */
	F_INT		= 1 << 8,	/* stored as an integer */
	F_EMPTY		= 1 << 9,	/* "" is a value; otherwise an empty
					 * parameter is one not given */
	F_INVERT	= 1 << 10,	/* F_BOOL stored as its negation */
	F_SPELLING	= 1 << 11,	/* another name of the field of key
					 * (ISPmanager's, or a short one) */
	F_OWN		= 1 << 12,	/* read by the type's own code, not by
					 * schema_read (it is checked across
					 * fields, or the store has it apart) */
	F_LINES		= 1 << 13,	/* several lines (a form's textarea) */
};

struct field {
	const char	*name;		/* the API's */
	const char	*key;		/* the stored member; NULL: name */
	field_check_fn	 check;		/* NULL: F_OUT, or checked by the
					 * type's own code (F_OWN) */
	/* At create, when not given; NULL: none.  "{name}" stands for the
	 * new object's name.  A default its grammar refuses (a name too
	 * long for "www.{name}") is "" for an F_EMPTY field. */
	const char	*def;
	unsigned	 flags;
	const char	*label;		/* a form's, a column's title */
	const char	*help;		/* the grammar, for people */
	const char	*defdoc;	/* the default for people, when def
					 * does not say it; NULL: from def */
	/* The canonical values a form offers (a select), NULL-terminated;
	 * NULL: free text.  Each passes check unchanged. */
	const char *const *options;
};

enum dkind {
	DK_CLUSTER,		/* cluster management, sessions */
	DK_USER,		/* user data: on one node, proxied */
	DK_SYSTEM,		/* system data: distributed queries */
};

struct dtype {
	const char		*name;		/* "webdomain" */
	enum dkind		 kind;
	const char		*role;		/* "" = every node, or a role */
	const char		*what;		/* for people: "web domain" */
	const struct field	*fields;	/* ended by a NULL name */
	/* user data */
	const char		*store;		/* the node's store kind */
	const char		*parent;	/* the parameter naming the
						 * parent object, or NULL */
	const char		*limit;		/* the user's limit_* field */
	/* system data (sysdata.h) */
	int			 priority;	/* higher syncs first */
	const char		*path;		/* the file under the host root */
	const char		*sortkey;	/* field ordering the list */
	/* Checks what involves several fields; 0 or -1.  May be NULL. */
	int			(*cross)(const json_t *item, char *errfield,
				    char *err);
	/* Renders the whole file from items (sorted); 0 or -1. */
	int			(*render)(const json_t *items,
				    struct sbuf *out);
};

/* The user-data and cluster types (the system ones are sd_types[]). */
extern const struct dtype	dt_webdomain, dt_domain, dt_record,
				dt_emaildomain, dt_email, dt_user, dt_node,
				dt_service, dt_policy, dt_session, dt_desync,
				dt_query, dt_enroll, dt_preset;

/* Every type, user data, cluster and system, NULL-terminated. */
extern const struct dtype *const schema_types[];

const struct dtype	*schema_type(const char *name);
const char		*dkind_name(enum dkind);
/* The field of t named name (an API name, spellings included), or NULL. */
const struct field	*schema_field(const struct dtype *,
			    const char *name);
/* The field that sp is another name of (the one of the same key that is
 * no spelling), or NULL: sp is no spelling, or one that says the opposite
 * (F_INVERT), which cannot stand for it. */
const struct field	*schema_canonical(const struct dtype *,
			    const struct field *sp);
/* 1 when some type declares a boolean field (F_BOOL) called name: out=bjson
 * answers its "on" and "off" as true and false. */
int			 schema_is_bool(const char *name);
/* The member a field is stored under. */
const char		*field_key(const struct field *);
/* The parameters every function takes besides its fields: the session,
 * the output format, the form's control (ISPmanager's func, out, sok,
 * elid, plid, su, lang and the like).  NULL-terminated. */
extern const char *const schema_control[];
int	 schema_is_control(const char *param);

/* Field getter: the value of name in the input, or NULL when absent. */
typedef const char *(*field_get_fn)(void *arg, const char *name);

/*
 * Checks one given value against its field and stores its canonical form
 * in item under its key, typed by the flags.  0, or -1 with err.
 */
int	 field_put(const struct field *, const char *v, json_t *item,
	    char *err);
/* The default of one field into item, as schema_defaults(); 0, or -1 with
 * err.  A field without a default leaves item as it is. */
int	 field_default(const struct field *, const char *name, json_t *item,
	    char *err);
/*
 * The defaults of t's fields into item, for an object named name (NULL:
 * no "{name}" default).  0, or -1 with the failing field in errfield (64
 * bytes) and err.
 */
int	 schema_defaults(const struct dtype *, const char *name, json_t *item,
	    char *errfield, char *err);
/*
 * Reads every field of t that the input gives into item (F_OUT, F_SECRET,
 * F_FIXED and F_OWN fields are left to their handler).  0, or -1 with the
 * failing field in errfield (64 bytes) and err.
 */
int	 schema_read(const struct dtype *, field_get_fn, void *arg,
	    json_t *item, char *errfield, char *err);
/*
 * Checks every parameter the input gives that has a field of t with a
 * grammar, without storing: the master's check before it routes a call.
 * 0, or -1 as schema_read.
 */
int	 schema_check(const struct dtype *, field_get_fn, void *arg,
	    char *errfield, char *err);
/* One field of item answered as a string of the API into buf (FIELD_OUTMAX
 * bytes): a list space-separated, a boolean "on"/"off". */
void	 field_format(const struct field *, const json_t *item, char *buf);

/* The docs' field table of t (Markdown). */
void	 schema_doc_fields(const struct dtype *, struct sbuf *out);

#endif
