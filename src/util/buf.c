/* buf.c - the growable string and the string list (see util.h). */
#include "util.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

char buf_empty_[1];

void buf_init(struct buf *b)
{
	struct buf z = BUF_INIT;
	*b = z;
}

void buf_init_max(struct buf *b, size_t max)
{
	buf_init(b);
	b->max = max;
}

void buf_release(struct buf *b)
{
	if (b->cap)
		free(b->s);
	size_t max = b->max;
	buf_init(b);
	b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = false;
	if (b->cap)
		b->s[0] = '\0';
}

char *buf_detach(struct buf *b)
{
	char *s = b->cap ? b->s : xstrdup("");
	size_t max = b->max;
	buf_init(b);
	b->max = max;
	return s;
}

/* Makes room for n more bytes plus the NUL; false when that passes max. */
static bool grow(struct buf *b, size_t n)
{
	if (b->overflow || n > b->max || b->len + n > b->max) {
		b->overflow = true;
		return false;
	}
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (b->cap) {
		b->s = xrealloc(b->s, cap);
	} else {
		b->s = xmalloc(cap);
		b->s[0] = '\0';
	}
	b->cap = cap;
	return true;
}

char *buf_reserve(struct buf *b, size_t n)
{
	if (!grow(b, n))
		return NULL;
	return b->s + b->len;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return b->overflow ? -1 : 0;
	if (!grow(b, n))
		return -1;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addc(struct buf *b, char c)
{
	if (!grow(b, 1))
		return -1;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
	return 0;
}

int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	if (!grow(b, (size_t)n))
		return -1;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void buf_setf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	buf_reset(b);
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->s[len] = '\0';
	}
}

void buf_add_json_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	buf_addc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_add(b, "\\\"", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		default: {
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
			buf_add(b, e, 6);
		}
		}
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

void strlist_push(struct strlist *l, const char *s, size_t n)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
	}
	l->v[l->n++] = xstrndup(s, n);
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

bool strlist_equal(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]))
			return false;
	return true;
}

void strlist_copy(struct strlist *dst, const struct strlist *src)
{
	strlist_release(dst);
	for (size_t i = 0; i < src->n; i++)
		strlist_push(dst, src->v[i], strlen(src->v[i]));
}

void strlist_join(const struct strlist *l, const char *sep, struct buf *out)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			buf_adds(out, sep);
		buf_adds(out, l->v[i]);
	}
}

void strlist_split(struct strlist *l, const char *s, size_t n, char sep)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == sep) {
			if (i > start)
				strlist_push(l, s + start, i - start);
			start = i + 1;
		}
	}
}

/* The length of the valid UTF-8 sequence at s[0..n) (1-4), 0 when the
 * bytes there are not one; *cp is its code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		if (u[i] && u[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = u[i] ? utf8_seq(u + i, n - i, &cp) : 0;
		if (!k)
			return false;
		i += k;
	}
	return true;
}

size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* The number of bytes from s[0] (at most 16, n left) that
 * buf_add_html writes as they are: printable ASCII but for & < > " '.
 * Sixteen at a time where SSE2 is (a card's text is mostly plain). */
static inline size_t html_plain_run(const unsigned char *s, size_t n)
{
#if defined(__SSE2__)
	if (n >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
		/* signed: below 0x20 or 0x80 and above */
		__m128i bad = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7F)));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('&')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('<')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
		bad = _mm_or_si128(bad, _mm_cmpeq_epi8(v, _mm_set1_epi8('\'')));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		return m ? (size_t)__builtin_ctz(m) : 16;
	}
#endif
	(void)s;
	(void)n;
	return 0;
}

void buf_add_html(struct buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t start = 0;
	for (size_t i = 0; i < n;) {
		size_t plain = html_plain_run(u + i, n - i);
		if (plain) {
			i += plain;
			continue;
		}
		unsigned char c = u[i];
		const char *rep;
		size_t skip = 1;
		if (c >= 0x80) {
			uint32_t cp;
			size_t k = utf8_seq(u + i, n - i, &cp);
			if (k && cp != 0xFFFE && cp != 0xFFFF) {
				i += k;
				continue;
			}
			rep = k ? "" : "\xEF\xBF\xBD"; /* U+FFFE/FFFF dropped, bad bytes as U+FFFD */
			skip = k ? k : 1;
		} else {
			switch (c) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&#39;"; break;
			case '\t': case '\n': case '\r': i++; continue;
			default:
				if (c >= 0x20 && c != 0x7F) {
					i++;
					continue;
				}
				rep = ""; /* a control character XML forbids */
			}
		}
		buf_add(b, s + start, i - start);
		buf_adds(b, rep);
		i += skip;
		start = i;
	}
	buf_add(b, s + start, n - start);
}

void buf_add_url(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			buf_addc(b, (char)c);
		} else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}
