/*
 * util.h - small libraries every part uses: the growable string (buf),
 * string lists, text normalisation, JSON string escaping, time parsing and
 * formatting, and the terminal progress line.
 *
 * Nothing here knows about papers, SQL, HTTP or mail.
 *
 * Lifecycle verbs mean one thing everywhere in paperboy: x_init and
 * x_release for a struct the caller holds (release frees what it points
 * to, not the struct), x_new and x_free for an object on the heap (free
 * frees it too), x_open and x_close for a handle on a file or a server.
 */
#ifndef PAPERBOY_UTIL_H
#define PAPERBOY_UTIL_H

#include "../common.h"
#include <time.h>

/* ---- buf: the one growable string type ----------------------------------
 * Never NULL after buf_init (s points at "" until something is added),
 * always NUL-terminated. No cap unless the caller sets one (`max`, or
 * buf_init_max): a buffer filled from what a client or a file controls
 * gets one. An append that would pass the cap adds nothing, returns -1 and
 * sets `overflow` for good (every later append fails too), so a cut buffer
 * is never mistaken for a whole one: its owner checks `overflow` (or the
 * return values) before using it. */
struct buf {
	char *s;
	size_t len, cap, max;
	bool overflow;
};
#define BUF_DEFAULT_MAX (SIZE_MAX >> 1)
#define BUF_INIT { buf_empty_, 0, 0, BUF_DEFAULT_MAX, false }
extern char buf_empty_[1];

void buf_init(struct buf *b);
/* buf_init with a cap of `max` bytes. */
void buf_init_max(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Returns the string and leaves b empty; the caller owns it (free()). */
char *buf_detach(struct buf *b);
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addc(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) PB_PRINTF(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setf(struct buf *b, const char *fmt, ...) PB_PRINTF(2, 3);
void buf_truncate(struct buf *b, size_t len);
/* Makes room for n more bytes and returns where they go (the caller then
 * sets b->len and the NUL), or NULL when that would pass max. */
char *buf_reserve(struct buf *b, size_t n);
/* Appends s[0..n) as a JSON string literal with quotes. */
void buf_add_json_str(struct buf *b, const char *s, size_t n);
/* Appends s[0..n) with & < > " ' as entities (HTML and XML text and
 * attribute values). What XML 1.0 forbids never passes: C0 controls but
 * tab, LF and CR, and U+FFFE/U+FFFF are dropped; a byte that is not part
 * of valid UTF-8 becomes U+FFFD. */
void buf_add_html(struct buf *b, const char *s, size_t n);
/* Appends s percent-encoded for a URL component (RFC 3986 unreserved
 * characters kept). */
void buf_add_url(struct buf *b, const char *s);

/* ---- UTF-8 --------------------------------------------------------------- */
/* Whether s[0..n) is valid UTF-8 (no overlongs, no surrogates) without NUL. */
bool utf8_valid(const char *s, size_t n);
/* The number of code points of a valid UTF-8 string. */
size_t utf8_chars(const char *s);

/* ---- strlist: an owned list of strings ---------------------------------- */
struct strlist {
	char **v;
	size_t n, cap;
};
#define STRLIST_INIT { NULL, 0, 0 }
void strlist_push(struct strlist *l, const char *s, size_t n);
void strlist_release(struct strlist *l);
bool strlist_equal(const struct strlist *a, const struct strlist *b);
void strlist_copy(struct strlist *dst, const struct strlist *src);
/* Joins with `sep` into out (appends). */
void strlist_join(const struct strlist *l, const char *sep, struct buf *out);
/* Pushes s[0..n) with its whitespace collapsed (text_collapse), unless
 * nothing is left of it. */
void strlist_push_text(struct strlist *l, const char *s, size_t n);
/* Splits s[0..n) at every `sep` byte, dropping empty parts. */
void strlist_split(struct strlist *l, const char *s, size_t n, char sep);

/* ---- text --------------------------------------------------------------- */
/* Appends s[0..n) with every run of ASCII whitespace (arXiv's hard line
 * breaks and indentation), control characters (C0 and DEL: they have no
 * place in a title or an abstract, and XML forbids most of them) and
 * U+00A0 replaced by one space, leading and trailing whitespace removed.
 * Other bytes, LaTeX included, are kept as written. */
void text_collapse(struct buf *out, const char *s, size_t n);
/* A malloc'd collapsed copy, or NULL when the result is empty. */
char *text_collapse_dup(const char *s, size_t n);
bool str_is_blank(const char *s);
/* Whether s is an absolute http:// or https:// URL (any case) with a host
 * and no whitespace or control characters: the only links paperboy takes
 * from data and writes into pages, feeds and mail (never javascript:,
 * data:, vbscript: ...). */
bool url_is_web(const char *s);
bool str_has_prefix(const char *s, const char *prefix);
/* A plausible single email address (no display name, no spaces). */
bool email_address_valid(const char *s);
/* Case-insensitive ASCII substring search within s[0..n). */
const char *memcasemem(const char *s, size_t n, const char *needle);
/* Parses a whole decimal integer in [lo, hi]; returns 0 or -1. */
int parse_int(const char *s, long lo, long hi, long *out);

/* ---- network addresses (net.c) ------------------------------------------- */
struct sockaddr;
enum addr_kind {
	ADDR_PUBLIC,   /* on the internet */
	ADDR_LOOPBACK, /* this host: 127/8, ::1 (and IPv4-mapped) */
	ADDR_INTERNAL, /* private, link-local, shared, multicast, reserved, unspecified */
};
/* What a socket address is (IPv4, IPv6; any other family is internal). */
enum addr_kind addr_kind_of(const struct sockaddr *sa);
/* The same for an address as text; text that is not one is internal. */
enum addr_kind addr_kind_text(const char *ip);
/* Address blocks (trusted proxies, allowed fetch hosts). */
struct cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	int bits;
};
/* "10.0.0.0/8, 127.0.0.1, ::1/128" into *out[*n] (malloc'd); -1 with err
 * naming the bad one, prefixed by what (the option). */
int cidr_parse_list(const char *text, const char *what, struct cidr **out, size_t *n, struct buf *err);
bool cidr_match(const struct cidr *list, size_t n, const char *ip);
/* The same for an address in bytes (4 for AF_INET, 16 for AF_INET6). */
bool cidr_match_bytes(const struct cidr *list, size_t n, int family, const uint8_t *a);

/* ---- time: milliseconds since the Unix epoch, UTC ------------------------
 * 0 means "unknown" everywhere in paperboy (no paper predates 1970). */
typedef int64_t pb_time;
/* Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff](Z|+hh:mm|-hh:mm)" and
 * RFC 2822 "Mon, 2 Apr 2007 19:18:42 GMT", with an offset within +-14:00,
 * for an instant that time_sane accepts. Returns 0 on success. */
int time_parse(const char *s, pb_time *out);
#define TIME_SANE_FIRST_YEAR 1900
/* Whether t lies from 1900 to the end of next year: what a date in the
 * sources may be (anything else is a broken or hostile record). */
bool time_sane(pb_time t);
/* What a date field must be, for messages. */
#define TIME_SANE_WHY "a date from 1900 to next year, its offset within +-14:00"
/* The UTC calendar day of t; any value is safe (clamped to years 0-9999). */
void time_civil(pb_time t, int *y, int *m, int *d);
/* Formats as "2025-06-02T03:18:21.654Z" into out (at least 25 bytes);
 * any value is safe: the year is clamped to 0000-9999. */
void time_format_iso(pb_time t, char out[32]);
/* Formats the UTC date as "YYYY-MM-DD" into out (at least 11 bytes); any
 * value is safe, as above. */
void time_format_day(pb_time t, char out[16]);
/* Validates "YYYY-MM-DD"; returns 0 and the day's start, or -1. */
int day_parse(const char *s, pb_time *start);
/* "YYYY-Www" (ISO week) → [start, end) days as "YYYY-MM-DD". 0 or -1. */
int week_range(const char *s, char first[16], char last_excl[16]);
/* "YYYY-MM" → [start, end) days as "YYYY-MM-DD". 0 or -1. */
int month_range(const char *s, char first[16], char last_excl[16]);
pb_time time_now_ms(void);
double mono_seconds(void);

/* ---- progress: one line on a terminal, silent elsewhere ----------------- */
struct progress {
	bool on;          /* stderr is a terminal */
	double start, last;
	uint64_t total_bytes; /* 0 when unknown (stdin) */
	const char *what;
};
void progress_init(struct progress *p, const char *what, uint64_t total_bytes);
/* No progress line in this process, even on a terminal (set once at start). */
void progress_off(void);
/* Redraws at most 5 times a second. */
void progress_update(struct progress *p, uint64_t records, uint64_t bytes);
/* "what: done/total unit  ETA m:ss", redrawn the same way. */
void progress_count(struct progress *p, uint64_t done, uint64_t total, const char *unit);
void progress_done(struct progress *p);

/* Maps a whole file read-only; *size is its length. Files shorter than
 * min_size are refused. 0, or -1 with "PATH: why" in err (ENOENT kept in
 * errno). Unmap with munmap(map, size). */
int map_file(const char *path, size_t min_size, const void **map, size_t *size, struct buf *err);

/* FNV-1a of s[0..n), never 0 (0 marks empty hash-table slots). */
static inline uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h | 1;
}

/* Reads a whole file (path "-" is stdin) into out, at most out's cap (1 GiB
 * when out has none); returns 0 or -1 with err set. */
int read_file(const char *path, struct buf *out, struct buf *err);

#endif
