/*
 * http.c - the parts of request handling that are pure functions of their
 * input, so they can be tested and fuzzed alone (tests/fuzz/fuzz_http.c):
 * the route matcher, percent-decoding and urlencoded forms, the local-path
 * check every redirect goes through, escaping for the access log, and the
 * page cache's keys.
 */
#include "http.h"
#include <arpa/inet.h>

bool route_match(const char *pattern, const char *path, struct req *r)
{
	int ncap = 0;
	const char *p = pattern, *s = path;
	while (*p) {
		if (*p == '*') {
			const char *e = s;
			while (*e && *e != '/')
				e++;
			if (e == s || ncap >= 4 || (size_t)(e - s) >= sizeof(r->capbuf[0]))
				return false;
			memcpy(r->capbuf[ncap], s, (size_t)(e - s));
			r->capbuf[ncap][e - s] = '\0';
			r->cap[ncap] = r->capbuf[ncap];
			ncap++;
			s = e;
			p++;
		} else if (*p++ != *s++) {
			return false;
		}
	}
	return *s == '\0';
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void url_decode(struct buf *out, const char *s, size_t n)
{
	buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			buf_addc(out, ' ');
		} else if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
			   hexval((unsigned char)s[i + 2]) >= 0) {
			buf_addc(out, (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2])));
			i += 2;
		} else {
			buf_addc(out, s[i]);
		}
	}
}

int form_parse(const char *body, size_t n, struct strlist *k, struct strlist *v, struct buf *why)
{
	const char *s = body, *end = body + n;
	struct buf key = BUF_INIT, val = BUF_INIT;
	int rc = 0;
	size_t fields = 0;
	while (s < end && !rc) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		if (!amp)
			amp = end;
		const char *eq = memchr(s, '=', (size_t)(amp - s));
		if (eq) {
			url_decode(&key, s, (size_t)(eq - s));
			url_decode(&val, eq + 1, (size_t)(amp - eq - 1));
			if (++fields > FORM_MAX_FIELDS) {
				buf_setf(why, "The form has more than %d fields.", FORM_MAX_FIELDS);
				rc = -1;
			} else if (!utf8_valid(key.s, key.len) || !utf8_valid(val.s, val.len)) {
				/* a NUL would cut a value short where C reads it
				 * (a password's "prefix"), invalid UTF-8 would
				 * reach pages and mail: neither is text */
				buf_setf(why, "The form's field \"%s\" holds a NUL character or bytes that are not UTF-8 text.",
					 utf8_valid(key.s, key.len) ? key.s : "?");
				rc = -1;
			} else {
				strlist_push(k, key.s, key.len);
				strlist_push(v, val.s, val.len);
			}
		}
		s = amp + 1;
	}
	buf_release(&key);
	buf_release(&val);
	return rc;
}

bool local_path_ok(const char *p)
{
	/* "/x" but not "//host" or "/\host" (browsers take both as another
	 * site), and nothing a browser strips or rewrites before deciding:
	 * control characters, spaces, backslashes */
	if (!p || p[0] != '/' || p[1] == '/' || p[1] == '\\')
		return false;
	size_t n = 0;
	for (const unsigned char *s = (const unsigned char *)p; *s; s++, n++)
		if (*s <= ' ' || *s == 0x7F || *s == '\\' || n >= 2048)
			return false;
	return true;
}

void log_escape(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s || !*s) {
		buf_addc(out, '-');
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7F || *p == '"' || *p == '\\' || *p == ' ') {
			char e[4] = { '\\', 'x', hex[*p >> 4], hex[*p & 15] };
			buf_add(out, e, 4);
		} else {
			buf_addc(out, (char)*p);
		}
	}
}

void cache_key_part(struct buf *key, const char *s, size_t n)
{
	/* length-prefixed: no byte of s can pass for a separator */
	buf_addf(key, "%zu:", n);
	buf_add(key, s, n);
}

/* ---- trusted proxies --------------------------------------------------------- */

bool ip_is_loopback(const char *ip)
{
	return addr_kind_text(ip) == ADDR_LOOPBACK;
}

void forwarded_client(const struct cidr *list, size_t n, const char *xff, char ip[64])
{
	/* from the right: each hop a trusted proxy added; the first address no
	 * proxy of ours vouches for is the client */
	if (!xff)
		return;
	const char *end = xff + strlen(xff);
	while (end > xff) {
		const char *start = end;
		while (start > xff && start[-1] != ',')
			start--;
		const char *a = start, *b = end;
		while (a < b && (*a == ' ' || *a == '\t'))
			a++;
		while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
			b--;
		char cand[64];
		uint8_t bin[16];
		size_t len = (size_t)(b - a);
		if (!len || len >= sizeof(cand))
			return; /* not an address: stop at what we trust */
		memcpy(cand, a, len);
		cand[len] = '\0';
		if (inet_pton(AF_INET, cand, bin) != 1 && inet_pton(AF_INET6, cand, bin) != 1)
			return;
		snprintf(ip, 64, "%s", cand);
		if (!cidr_match(list, n, cand))
			return;
		end = start > xff ? start - 1 : xff;
	}
}

const char *framing_problem(const struct framing *f, int *status)
{
	*status = 400;
	if (f->content_lengths > 1)
		return "The request has more than one Content-Length.";
	if (f->transfer_encodings && f->content_lengths)
		return "The request has both a Content-Length and a Transfer-Encoding.";
	if (f->transfer_encodings > 1)
		return "The request has more than one Transfer-Encoding.";
	if (f->transfer_encodings && !f->http11)
		return "An HTTP/1.0 request has no Transfer-Encoding.";
	if (f->transfer_encodings && !f->chunked_only) {
		*status = 501;
		return "The only transfer coding taken here is chunked.";
	}
	if (f->http11 && f->hosts != 1)
		return f->hosts ? "The request has more than one Host." : "An HTTP/1.1 request needs a Host header.";
	return NULL;
}

bool raw_path_has_nul(const char *uri)
{
	for (const char *p = uri; *p && *p != '?'; p++)
		if (p[0] == '%' && p[1] == '0' && p[2] == '0')
			return true;
	return false;
}
