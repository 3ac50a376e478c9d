/*
 * http.h - pure pieces of reading a request (fuzzed): route patterns,
 * percent-decoding, urlencoded forms, the local-path check of every
 * redirect, log escaping, trusted proxies' forwarding, page-cache keys.
 */
#ifndef PAPERBOY_WEB_HTTP_H
#define PAPERBOY_WEB_HTTP_H

#include "web_int.h"

/* Whether path matches pattern ("/papers/{*}": each * one non-empty
 * segment of less than 256 bytes, at most 4); the matches go to r->cap. */
bool route_match(const char *pattern, const char *path, struct req *r);
/* Percent-decodes s[0..n) into out ('+' is a space); out may then hold
 * any byte, NUL included (out->len counts them). */
void url_decode(struct buf *out, const char *s, size_t n);
/* Parses an urlencoded body into keys and values. -1 with a message for
 * the user in why when a field holds NUL or invalid UTF-8, or there are
 * more than FORM_MAX_FIELDS. */
int form_parse(const char *body, size_t n, struct strlist *k, struct strlist *v, struct buf *why);
/* The one check of every redirect: a path of this site ("/x", not
 * "//host", "/\host"), without control characters, spaces or backslashes. */
bool local_path_ok(const char *p);
/* Appends s for the access log: control characters, spaces, quotes and
 * backslashes as \xHH, so no request can write a line of its own; "-" for
 * an empty s. */
void log_escape(struct buf *out, const char *s);
/* Whether ip (text) is a loopback address: 127.0.0.0/8, ::1, ::ffff:127.x. */
bool ip_is_loopback(const char *ip);
/* The client an X-Forwarded-For header names behind trusted proxies: ip (the
 * peer, a trusted proxy) becomes the rightmost address not trusted. */
void forwarded_client(const struct cidr *list, size_t n, const char *xff, char ip[64]);
/* Appends one part of a page-cache key, length-prefixed, so different
 * requests never make the same key. */
void cache_key_part(struct buf *key, const char *s, size_t n);

/* What a request's headers say of its framing, counted as they came. */
struct framing {
	int content_lengths;    /* Content-Length headers */
	int transfer_encodings; /* Transfer-Encoding headers */
	bool chunked_only;      /* each of those is "chunked" (any case) */
	int hosts;              /* Host headers */
	bool http11;            /* HTTP/1.1 (not 1.0) */
};
/* NULL when the framing is one a server and a proxy in front of it read
 * alike (RFC 9112 6.3, 3.2), else why (and *status: 400, or 501 for a
 * transfer coding other than chunked). A request so framed is refused and
 * its connection closed: what follows cannot be told from a request of its
 * own (smuggling behind a proxy that reads the other header). */
const char *framing_problem(const struct framing *f, int *status);
/* Whether the raw request target's path (before any '?') holds "%00": it
 * decodes to a NUL, which would cut the path short. */
bool raw_path_has_nul(const char *uri);

#endif
