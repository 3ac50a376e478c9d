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

/* Allocation wrappers: never return NULL; abort with a message instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
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
