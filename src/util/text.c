/* text.c - whitespace collapsing and small string helpers (see util.h). */
#include "util.h"
#include <errno.h>

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Byte classes for text_collapse: 1 ASCII whitespace, 2 the first byte of
 * U+00A0 (0xC2 0xA0), 0 anything else. */
static const unsigned char ws_class[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1, [0xC2] = 2,
};

void text_collapse(struct buf *out, const char *s, size_t n)
{
	/* One pass into space reserved once, without a branch per byte on the
	 * common path (whitespace comes every few bytes in prose, so a branch
	 * on it is mispredicted often). The output is never longer than the
	 * input, so the writes at d[w] and d[w + 1] stay inside it. */
	char *d = buf_reserve(out, n);
	if (!d)
		return;
	size_t w = 0;
	unsigned pending = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		unsigned k = ws_class[c];
		if (__builtin_expect(k == 2, 0)) {
			if (i + 1 < n && (unsigned char)s[i + 1] == 0xA0) {
				pending = w > 0;
				i++;
				continue;
			}
			k = 0;
		}
		d[w] = ' ';
		w += pending & (k ^ 1);
		d[w] = (char)c;
		w += k ^ 1;
		pending = (pending & k) | (k & (w > 0));
	}
	out->len += w;
	out->s[out->len] = '\0';
}

char *text_collapse_dup(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	text_collapse(&b, s, n);
	if (!b.len) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

bool str_is_blank(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (!is_space((unsigned char)*s))
			return false;
	return true;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

const char *memcasemem(const char *s, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (!m)
		return s;
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m) {
			unsigned char a = (unsigned char)s[i + k], b = (unsigned char)needle[k];
			if (a >= 'A' && a <= 'Z')
				a = (unsigned char)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (unsigned char)(b + 32);
			if (a != b)
				break;
			k++;
		}
		if (k == m)
			return s + i;
	}
	return NULL;
}

int parse_int(const char *s, long lo, long hi, long *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

void strlist_push_text(struct strlist *l, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	text_collapse(&b, s, n);
	if (b.len)
		strlist_push(l, b.s, b.len);
	buf_release(&b);
}
