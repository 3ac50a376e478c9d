/* text.c - whitespace collapsing and small string helpers (see util.h). */
#include "util.h"
#include <errno.h>
#include <strings.h>

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Byte classes for text_collapse: 1 ASCII whitespace or a control
 * character (C0, DEL), 2 the first byte of U+00A0 (0xC2 0xA0), 0 anything
 * else. */
static const unsigned char ws_class[256] = {
	[0x00 ... 0x20] = 1, [0x7F] = 1, [0xC2] = 2,
};

#ifdef __SSE2__
#include <emmintrin.h>

/* Bit i is set when byte i of p[0..16) needs care: a control character
 * (below 0x20: \t \n \r and the rest; DEL), the first byte of U+00A0, or
 * a space right after a space (`prev` is the byte before p). Prose has one
 * every ~80 bytes (the line breaks), so most 16-byte blocks are copied as
 * they are. */
static unsigned special16(const char *p, unsigned char prev)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ctl = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v),
				   _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
	__m128i nb = _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xC2));
	__m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
	__m128i pv = _mm_or_si128(_mm_slli_si128(v, 1), _mm_cvtsi32_si128(prev));
	__m128i dsp = _mm_and_si128(sp, _mm_cmpeq_epi8(pv, _mm_set1_epi8(' ')));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(ctl, nb), dsp));
}
#endif

/* Length of the whitespace (ASCII or U+00A0) at s[i], 0 if none. */
static size_t space_len(const char *s, size_t i, size_t n)
{
	unsigned k = ws_class[(unsigned char)s[i]];
	if (k == 1)
		return 1;
	if (k == 2 && i + 1 < n && (unsigned char)s[i + 1] == 0xA0)
		return 2;
	return 0;
}

void text_collapse(struct buf *out, const char *s, size_t n)
{
	/* The output is never longer than the input: reserve that once. Only
	 * ' ' is ever written for whitespace, so "the last byte written is a
	 * space" tells whether a run has already been replaced. */
	char *d = buf_reserve(out, n);
	if (!d)
		return;
	size_t r = 0, w = 0;
	while (r < n) {
#ifdef __SSE2__
		if (r + 16 <= n) {
			unsigned m = special16(s + r, r ? (unsigned char)s[r - 1] : ' ');
			if (!m) {
				memcpy(d + w, s + r, 16);
				w += 16;
				r += 16;
				continue;
			}
			unsigned k = (unsigned)__builtin_ctz(m);
			memcpy(d + w, s + r, k);
			w += k;
			r += k;
		}
#endif
		size_t sp = space_len(s, r, n);
		if (!sp) {
			d[w++] = s[r++];
			continue;
		}
		while (r < n && (sp = space_len(s, r, n)))
			r += sp;
		if (w && d[w - 1] != ' ' && r < n)
			d[w++] = ' ';
	}
	if (w && d[w - 1] == ' ')
		w--;
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

bool url_is_web(const char *s)
{
	if (!s)
		return false;
	const char *rest;
	if (!strncasecmp(s, "http://", 7))
		rest = s + 7;
	else if (!strncasecmp(s, "https://", 8))
		rest = s + 8;
	else
		return false;
	if (!*rest || *rest == '/' || *rest == '\\')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == 0x7F)
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

bool email_address_valid(const char *s)
{
	size_t n = strlen(s);
	const char *at = strchr(s, '@');
	if (n < 3 || n > 254 || !at || at == s || at - s > 64 || strchr(at + 1, '@') || !strchr(at + 1, '.'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 127 || strchr("<>()[]\\,;:\"", *p))
			return false;
	const char *dot = strrchr(at, '.');
	return dot[1] != '\0' && at[1] != '.' && !strstr(at, "..") && s[n - 1] != '.';
}

