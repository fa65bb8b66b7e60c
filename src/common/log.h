/* log.h - logging in the manner of OpenBSD log.c.
 *
 * log_warn appends strerror(errno), log_warnx does not; log_debug prints
 * only when log_init() was given verbose > 0.  fatal() and fatalx() are for
 * start-up failures, broken invariants and running out of memory (util.h's
 * x-allocators) only, never for bad input. */
#ifndef HF_LOG_H
#define HF_LOG_H

#include <stdarg.h>

void log_init(const char *progname, int verbose);
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
