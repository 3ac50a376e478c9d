/*
 * common.h - the first include of every paperboy source file.
 *
 * Feature macros, attribute macros, the allocation wrappers and the
 * out-of-memory policy (abort with a message: paperboy runs under a
 * supervisor that restarts it), the three error levels (BUG, die, error)
 * and the banned-function list.
 */
#ifndef PAPERBOY_COMMON_H
#define PAPERBOY_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PB_VERSION "0.1.0"

#define PB_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PB_NORETURN __attribute__((noreturn))
#define PB_UNUSED __attribute__((unused))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What became of an operation: one set of kinds from the store up to the
 * HTTP edge (the web maps each to a status and a Retry-After in one table,
 * respond.c). The rules' answers come first, then the store's failures. */
#define PB_STATUSES(X)                                                                               \
	X(OK, "ok")                                                                                  \
	X(ACCEPTED, "accepted")       /* queued: it happens in the background (a fetch) */         \
	X(PENDING, "pending")         /* held for a moderator */                                   \
	X(INVALID, "invalid")         /* the input is not acceptable (the message says why) */    \
	X(DENIED, "denied")           /* a wrong password */                                       \
	X(REFUSED, "refused")         /* a rule says no; not a paperboy database, a newer schema */ \
	X(CONFLICT, "conflict")       /* taken, already done, or a concurrent change */            \
	X(NOTFOUND, "not found")                                                                     \
	X(LIMITED, "limited")         /* too often: try again later */                             \
	X(BUSY, "busy")               /* locked, or too busy right now: try again soon */          \
	X(UNAVAILABLE, "unavailable") /* the database server cannot be reached (it may come back) */ \
	X(TIMEOUT, "timeout")         /* a statement ran past its time */                          \
	X(IO, "I/O error")            /* disk full, a read or write failed */                      \
	X(CORRUPT, "corrupt")                                                                        \
	X(INTERNAL, "internal error") /* a bug: bad SQL, misuse */
enum pb_status {
#define PB_STATUS_ENUM(k, s) PB_##k,
	PB_STATUSES(PB_STATUS_ENUM)
#undef PB_STATUS_ENUM
};
const char *pb_status_name(enum pb_status st);
/* Whether st is a failure of the store or of the server (not a rule's answer). */
static inline bool pb_status_failed(enum pb_status st)
{
	return st >= PB_BUSY;
}

/* Allocation wrappers: never return NULL; abort with a message instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* n bytes at a multiple of align (a power of two); freed with free. */
void *xaligned_alloc(size_t align, size_t n);
/* fn(second) on a thread of its own while fn(first) runs on this one,
 * then both done (one after the other here when no thread can start). */
void run_pair(void *(*fn)(void *), void *first, void *second);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* die(): CLI and start-up only. Prints "paperboy: msg" and exits 1. */
PB_NORETURN void die(const char *fmt, ...) PB_PRINTF(1, 2);
/* BUG(): a broken invariant. Prints file:line and aborts. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
PB_NORETURN void bug_at(const char *file, int line, const char *fmt, ...) PB_PRINTF(3, 4);
/* error(): prints "paperboy: msg" to stderr and returns -1. */
int error(const char *fmt, ...) PB_PRINTF(1, 2);

/* Banned functions: unbounded or locale/global-state traps. */
#ifndef PB_ALLOW_BANNED
#undef strcpy
#define strcpy(d, s) BANNED_use_snprintf_or_buf(d, s)
#undef strcat
#define strcat(d, s) BANNED_use_buf_add(d, s)
#undef sprintf
#define sprintf(...) BANNED_use_snprintf(__VA_ARGS__)
#undef vsprintf
#define vsprintf(...) BANNED_use_vsnprintf(__VA_ARGS__)
#undef strtok
#define strtok(a, b) BANNED_use_strtok_r(a, b)
#undef atoi
#define atoi(s) BANNED_use_strtol(s)
#undef gets
#define gets(s) BANNED_use_fgets(s)
#endif

#endif
