/*
 * pylit.c - a small strict reader of Python literals, for the Hugging Face
 * dumps whose items were written with Python's repr() instead of JSON:
 * dict, list, str (single or double quotes, with Python's escapes), int,
 * float, True, False, None. Anything else (tuples, sets, bytes, calls,
 * expressions, implicit string concatenation) is refused with the offset
 * and the reason. The result is a jansson value.
 */
#include "ingest_int.h"
#include <errno.h>

#define PYLIT_MAX_DEPTH 64

struct pl {
	const char *s, *end, *start;
	struct buf *why;
	int depth;
};

static json_t *fail(struct pl *p, const char *what)
{
	if (!p->why->len)
		buf_setf(p->why, "Python literal, offset %zu: %s", (size_t)(p->s - p->start), what);
	return NULL;
}

static void skip_ws(struct pl *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static int hex_digits(const char *s, int n, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, uint32_t cp)
{
	char o[4];
	if (cp < 0x80) {
		buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xE0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, o, 3);
	} else {
		o[0] = (char)(0xF0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, o, 4);
	}
}

static json_t *string(struct pl *p)
{
	char q = *p->s++;
	struct buf b = BUF_INIT;
	while (p->s < p->end && *p->s != q) {
		char c = *p->s++;
		if (c == '\n') {
			buf_release(&b);
			return fail(p, "a line break inside a string");
		}
		if (c != '\\') {
			buf_addc(&b, c);
			continue;
		}
		if (p->s >= p->end)
			break;
		char e = *p->s++;
		uint32_t cp;
		int n = 0;
		switch (e) {
		case '\\': buf_addc(&b, '\\'); break;
		case '\'': buf_addc(&b, '\''); break;
		case '"': buf_addc(&b, '"'); break;
		case 'n': buf_addc(&b, '\n'); break;
		case 't': buf_addc(&b, '\t'); break;
		case 'r': buf_addc(&b, '\r'); break;
		case 'a': buf_addc(&b, '\a'); break;
		case 'b': buf_addc(&b, '\b'); break;
		case 'f': buf_addc(&b, '\f'); break;
		case 'v': buf_addc(&b, '\v'); break;
		case '0': buf_addc(&b, '\0'); break;
		case '\n': break; /* a continued line */
		case 'x': n = 2; break;
		case 'u': n = 4; break;
		case 'U': n = 8; break;
		default:
			buf_release(&b);
			return fail(p, "an escape Python strings do not have");
		}
		if (n) {
			if (p->end - p->s < n || hex_digits(p->s, n, &cp) || cp > 0x10FFFF ||
			    (cp >= 0xD800 && cp <= 0xDFFF)) {
				buf_release(&b);
				return fail(p, "a bad \\x, \\u or \\U escape");
			}
			p->s += n;
			put_utf8(&b, cp);
		}
	}
	if (p->s >= p->end) {
		buf_release(&b);
		return fail(p, "a string without its closing quote");
	}
	p->s++;
	if (!utf8_valid(b.s, b.len)) {
		buf_release(&b);
		return fail(p, "a string that is not UTF-8 text (or holds a NUL)");
	}
	json_t *j = json_stringn_nocheck(b.s, b.len);
	buf_release(&b);
	return j ? j : fail(p, "a string jansson refused");
}

static json_t *value(struct pl *p);

static json_t *container(struct pl *p, char close)
{
	bool dict = close == '}';
	json_t *j = dict ? json_object() : json_array();
	p->s++;
	if (++p->depth > PYLIT_MAX_DEPTH) {
		json_decref(j);
		return fail(p, "nested too deep");
	}
	skip_ws(p);
	while (p->s < p->end && *p->s != close) {
		json_t *k = NULL;
		if (dict) {
			skip_ws(p);
			if (p->s >= p->end || (*p->s != '\'' && *p->s != '"')) {
				json_decref(j);
				return fail(p, "a dict key that is not a string");
			}
			if (!(k = string(p))) {
				json_decref(j);
				return NULL;
			}
			skip_ws(p);
			if (p->s >= p->end || *p->s != ':') {
				json_decref(k);
				json_decref(j);
				return fail(p, "a dict key without ':'");
			}
			p->s++;
		}
		json_t *v = value(p);
		if (!v) {
			json_decref(k);
			json_decref(j);
			return NULL;
		}
		if (dict) {
			json_object_setn_new_nocheck(j, json_string_value(k), json_string_length(k), v);
			json_decref(k);
		} else {
			json_array_append_new(j, v);
		}
		skip_ws(p);
		if (p->s < p->end && *p->s == ',') {
			p->s++;
			skip_ws(p);
		} else if (p->s < p->end && *p->s != close) {
			json_decref(j);
			return fail(p, dict ? "expected ',' or '}'" : "expected ',' or ']'");
		}
	}
	if (p->s >= p->end) {
		json_decref(j);
		return fail(p, dict ? "a dict without its '}'" : "a list without its ']'");
	}
	p->s++;
	p->depth--;
	return j;
}

static json_t *number(struct pl *p)
{
	const char *b = p->s;
	if (*p->s == '-' || *p->s == '+')
		p->s++;
	bool real = false;
	while (p->s < p->end && ((*p->s >= '0' && *p->s <= '9') || *p->s == '.' || *p->s == 'e' || *p->s == 'E' ||
				 ((*p->s == '-' || *p->s == '+') && (p->s[-1] == 'e' || p->s[-1] == 'E')))) {
		if (*p->s == '.' || *p->s == 'e' || *p->s == 'E')
			real = true;
		p->s++;
	}
	char tmp[64];
	size_t n = (size_t)(p->s - b);
	if (!n || n >= sizeof(tmp))
		return fail(p, "not a number");
	memcpy(tmp, b, n);
	tmp[n] = '\0';
	char *end;
	if (real) {
		double d = strtod(tmp, &end);
		if (*end)
			return fail(p, "not a number");
		return json_real(d);
	}
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (*end || errno)
		return fail(p, "not an integer (or out of range)");
	return json_integer(v);
}

static bool word(struct pl *p, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(p->end - p->s) < n || memcmp(p->s, w, n))
		return false;
	const char *after = p->s + n;
	if (after < p->end && ((*after >= 'a' && *after <= 'z') || (*after >= 'A' && *after <= 'Z') ||
			       (*after >= '0' && *after <= '9') || *after == '_'))
		return false;
	p->s = after;
	return true;
}

static json_t *value(struct pl *p)
{
	skip_ws(p);
	if (p->s >= p->end)
		return fail(p, "a value is missing");
	char c = *p->s;
	json_t *j;
	if (c == '{')
		j = container(p, '}');
	else if (c == '[')
		j = container(p, ']');
	else if (c == '\'' || c == '"')
		j = string(p);
	else if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.')
		j = number(p);
	else if (word(p, "True"))
		j = json_true();
	else if (word(p, "False"))
		j = json_false();
	else if (word(p, "None"))
		j = json_null();
	else
		return fail(p, "not a literal Python value (dict, list, str, int, float, True, False or None)");
	if (j) {
		/* "a" "b" is a concatenation, not a literal value */
		skip_ws(p);
		if (p->s < p->end && (*p->s == '\'' || *p->s == '"')) {
			json_decref(j);
			return fail(p, "two strings side by side");
		}
	}
	return j;
}

json_t *pylit_parse(const char *s, size_t n, struct buf *why)
{
	struct pl p = { s, s + n, s, why, 0 };
	buf_reset(why);
	json_t *j = value(&p);
	if (!j)
		return NULL;
	skip_ws(&p);
	if (p.s != p.end) {
		json_decref(j);
		return fail(&p, "something after the value");
	}
	return j;
}
