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

/* Length of the whitespace at s[i..n): 0 when s[i] starts a word. */
static size_t space_at(const char *s, size_t i, size_t n)
{
	unsigned char c = ws_class[(unsigned char)s[i]];
	if (c == 1)
		return 1;
	if (c == 2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)
		return 2;
	return 0;
}

void text_collapse(struct buf *out, const char *s, size_t n)
{
	/* Reserve the worst case once, then copy words without per-byte calls. */
	size_t base = out->len;
	buf_add(out, s, n);
	if (out->overflow || out->len != base + n)
		return;
	char *d = out->s + base;
	size_t w = 0, i = 0;
	while (i < n) {
		size_t sp = space_at(s, i, n);
		if (sp) {
			i += sp;
			continue;
		}
		if (w)
			d[w++] = ' ';
		size_t j = i;
		while (j < n && (!ws_class[(unsigned char)s[j]] || !space_at(s, j, n)))
			j++;
		memmove(d + w, s + i, j - i);
		w += j - i;
		i = j;
	}
	out->len = base + w;
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
