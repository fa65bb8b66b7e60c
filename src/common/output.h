/* output.h - the answer of an API function and its encoders.
 *
 * A handler builds one neutral document (a jansson object) by these rules:
 *   - a plain member is a form field, its value a string;
 *   - "elem" is the list: an array of objects whose members are strings;
 *   - "ok" (true) marks success after sok=ok;
 *   - "auth" is {"id": ..., "level": ...} after a login;
 *   - "error" is {"type", "object", "msg"} and nothing else is sent.
 * The encoders turn it into what ISPmanager clients parse: out=json and
 * out=sjson ({"doc": {"name": {"$": "v"}}}), out=JSONdata (plain strings),
 * out=xml (the default) and out=text (mgrctl's key=value lines).
 *
 * The reply owns its document; reply_release() frees it. */
#ifndef HF_OUTPUT_H
#define HF_OUTPUT_H

#include <jansson.h>

#include "sbuf.h"

enum outfmt {
	OUT_XML,
	OUT_JSON,
	OUT_SJSON,
	OUT_BJSON,
	OUT_JSONDATA,
	OUT_TEXT,
};

struct reply {
	json_t	*doc;
};

void	 reply_init(struct reply *);
void	 reply_release(struct reply *);
int	 reply_is_error(const struct reply *);
/* Replaces the document with an error. */
void	 reply_error(struct reply *, const char *type, const char *object,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets a member of the error (ISPmanager's "param", "group"); no-op
 * without one.  reply_error sets param to object for the types value,
 * empty and param. */
void	 reply_error_set(struct reply *, const char *key, const char *val);
/*
 * What every answer carries, done last before encoding: an error gets
 * group (the data type it concerns) unless it has one, and param ("" when
 * none); with form set (the answer of a *.edit), a form that is not a
 * list, ok or login gets elid ("" for a new object's).
 */
void	 reply_finish(struct reply *, const char *group, int form,
	    const char *elid);
void	 reply_ok(struct reply *);
/* Sets a form field; a value that is not valid UTF-8 is replaced. */
void	 reply_set(struct reply *, const char *key, const char *val);
void	 reply_setf(struct reply *, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Appends an empty list item and returns it (borrowed). */
json_t	*reply_elem(struct reply *);
/* Makes sure "elem" exists, for an empty list. */
void	 reply_list(struct reply *);
void	 elem_set(json_t *elem, const char *key, const char *val);
void	 elem_setf(json_t *elem, const char *key, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Reads an out= value; returns -1 for an unknown one. */
int	 output_format(const char *s, enum outfmt *);
const char *output_format_name(enum outfmt);
/* The Content-Type of fmt. */
const char *output_ctype(enum outfmt);
/* Encodes doc for func in fmt into out; sets *ctype.  Returns 0, or -1 when
 * the encoding would pass out's cap. */
int	 output_encode(const json_t *doc, const char *func, enum outfmt fmt,
	    struct sbuf *out, const char **ctype);

#endif
