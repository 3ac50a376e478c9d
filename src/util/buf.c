/* buf.c - the growable string and the string list (see util.h). */
#include "util.h"

char buf_empty_[1];

void buf_init(struct buf *b)
{
	struct buf z = BUF_INIT;
	*b = z;
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

void buf_add(struct buf *b, const void *p, size_t n)
{
	if (!n || !grow(b, n))
		return;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	if (!grow(b, 1))
		return;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	char small[256];
	int n = vsnprintf(small, sizeof(small), fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		buf_add(b, small, (size_t)n);
		return;
	}
	if (!grow(b, (size_t)n))
		return;
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
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

void strlist_clear(struct strlist *l)
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
	strlist_clear(dst);
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

void buf_add_html(struct buf *b, const char *s, size_t n)
{
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		const char *rep;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, s + start, i - start);
		buf_adds(b, rep);
		start = i + 1;
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
