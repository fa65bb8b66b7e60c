/* sysdata.h - the system data types (DESIGN.md §2): firewall rules, system
 * cron jobs, mail sender white and black lists, the packages each role
 * needs (software), configuration templates.  Each is identical on every
 * node that matches its criterion and is changed by distributed queries.
 *
 * This file is shared by the master, which checks every item before a query
 * is sent, and by the node agent, which checks every item again before it
 * renders anything.  An item is a JSON object of strings plus an integer
 * "id"; sd_item_build() is the only way an item is made from input, and an
 * item that passed it renders to configuration that cannot be escaped from
 * (no newline, quote, brace or semicolon reaches a file unless the grammar
 * of the field makes it inert there). */
#ifndef HF_SYSDATA_H
#define HF_SYSDATA_H

#include <jansson.h>
#include <stddef.h>

#include "sbuf.h"
#include "schema.h"
#include "valid.h"

/* The size of a field's canonical form, its NUL included. */
#define SD_OUTMAX	FIELD_OUTMAX

/* The system data types are rows of schema.h's struct dtype, with kind
 * DK_SYSTEM and the members priority, path, sortkey, cross and render.
 * SD_NTYPES is how many sd_types[] holds (sysdata.c asserts it), for
 * arrays indexed by sd_type_index(). */
#define SD_NTYPES	6
extern const struct dtype	sd_types[];
extern const size_t		sd_ntypes;	/* SD_NTYPES */

const struct dtype *sd_type(const char *name);
int	 sd_type_index(const struct dtype *);
/* 1 when the type's data belongs on a node with these canonical roles. */
int	 sd_type_matches(const struct dtype *, const char *roles);

typedef field_get_fn sd_get_fn;

/* The size of errfield below: the name of the field that failed. */
#define SD_ERRFIELD_MAX	64

/* Why sd_item_build refused an item. */
enum sd_fail {
	SD_FAIL_INVALID = 1,	/* a value breaks its field's grammar */
	SD_FAIL_REQUIRED,	/* a field without a default has no value */
};

/*
 * Builds a canonical item with id from the input, over base (the item
 * being changed, or NULL for a new one: absent fields take defaults).
 * Returns the new item, or NULL with the failing field in errfield
 * (SD_ERRFIELD_MAX bytes), the message in err and, when why is not NULL,
 * the kind of failure in *why.
 */
json_t	*sd_item_build(const struct dtype *, const json_t *base,
	    json_int_t id, sd_get_fn, void *arg, char *errfield, char *err,
	    enum sd_fail *why);
/* Checks a whole item as received from elsewhere; 0 or -1. */
int	 sd_item_check(const struct dtype *, const json_t *item,
	    char *errfield, char *err);
/* Sorts items (an array) into the order of the rendered file. */
void	 sd_sort(const struct dtype *, json_t *items);
/* Renders the file for the items; 0 or -1. */
int	 sd_render(const struct dtype *, const json_t *items,
	    struct sbuf *out);

/* The field checkers, exposed for the unit tests and fuzzers. */
int	 sd_check_fw_action(const char *, const char *, char *, char *);
int	 sd_check_fw_proto(const char *, const char *, char *, char *);
int	 sd_check_fw_port(const char *, const char *, char *, char *);
int	 sd_check_fw_src(const char *, const char *, char *, char *);
int	 sd_check_fw_comment(const char *, const char *, char *, char *);
int	 sd_check_order(const char *, const char *, char *, char *);
int	 sd_check_cron_minute(const char *, const char *, char *, char *);
int	 sd_check_cron_hour(const char *, const char *, char *, char *);
int	 sd_check_cron_dom(const char *, const char *, char *, char *);
int	 sd_check_cron_month(const char *, const char *, char *, char *);
int	 sd_check_cron_dow(const char *, const char *, char *, char *);
int	 sd_check_cron_command(const char *, const char *, char *, char *);
int	 sd_check_cron_user(const char *, const char *, char *, char *);
int	 sd_check_onoff(const char *, const char *, char *, char *);
int	 sd_check_comment(const char *, const char *, char *, char *);
int	 sd_check_mail_pattern(const char *, const char *, char *, char *);
int	 sd_check_sw_role(const char *, const char *, char *, char *);
int	 sd_check_sw_package(const char *, const char *, char *, char *);

/* software: the packages of each role ("" for every node). */
#define SD_PKG_MAX	100
struct sd_sw_default {
	const char	*role;
	const char	*package;
};
/* The list a new master starts with, ended by a NULL package. */
extern const struct sd_sw_default	sd_software_defaults[];

int	 sd_check_tpl_name(const char *, const char *, char *, char *);
int	 sd_check_tpl_body(const char *, const char *, char *, char *);

/*
 * Templates: admin's lines that the node's renderers put into every file
 * of a kind (docs/operations.md).  An item names its slot and gives a body;
 * the bodies of one slot are joined in id order.  The rendered file is a
 * JSON object {slot: joined bodies}, the set the node renders with.
 */
#define SD_TPL_BODY_MAX	4000		/* one item's body */
#define SD_TPL_SET_MAX	65536		/* a slot's joined bodies */
_Static_assert(SD_TPL_BODY_MAX < SD_OUTMAX, "a body fits a field");

/* The slots, NULL-terminated. */
extern const char *const sd_tpl_slots[];
/* Checks a body (one item's, or a slot's joined) against the grammar of
 * its slot: 0, or -1 with a message for people in err (VALID_ERR_MAX). */
int	 sd_tpl_check(const char *slot, const char *body, char *err);
/* Parses a rendered template file back into a new set {slot: body}, every
 * slot known and every body checked; NULL with err on failure. */
json_t	*sd_tpl_parse(const char *text, char *err);

#endif
