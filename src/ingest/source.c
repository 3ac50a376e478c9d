/*
 * source.c - what every parser reads through and shares: the input
 * stream (a FILE or a memory block, with a peek window for format
 * detection), and author lists split from one string.
 */
#include "ingest_int.h"

size_t source_read(struct source *src, void *out, size_t n)
{
	size_t got = 0;
	if (src->peek_pos < src->peek_len) {
		got = src->peek_len - src->peek_pos;
		if (got > n)
			got = n;
		memcpy(out, src->peek + src->peek_pos, got);
		src->peek_pos += got;
	} else if (src->mem) {
		got = src->mem_len - src->mem_pos;
		if (got > n)
			got = n;
		memcpy(out, src->mem + src->mem_pos, got);
		src->mem_pos += got;
	} else if (src->f) {
		got = fread(out, 1, n, src->f);
		if (!got && ferror(src->f))
			src->read_error = true;
	}
	src->bytes += got;
	return got;
}

void source_release(struct source *src)
{
	free(src->peek);
	src->peek = NULL;
	src->peek_len = src->peek_pos = 0;
}

void source_peek(struct source *src, size_t n)
{
	src->peek = xmalloc(n);
	src->peek_len = 0;
	while (src->peek_len < n) {
		size_t got;
		if (src->mem) {
			got = src->mem_len - src->mem_pos;
			if (got > n - src->peek_len)
				got = n - src->peek_len;
			memcpy(src->peek + src->peek_len, src->mem + src->mem_pos, got);
			src->mem_pos += got;
		} else {
			got = fread(src->peek + src->peek_len, 1, n - src->peek_len, src->f);
		}
		if (!got)
			break;
		src->peek_len += got;
	}
	src->peek_pos = 0;
}

/* ---- author lists ---------------------------------------------------------- */

void authors_split(struct strlist *out, const char *s)
{
	if (!s)
		return;
	struct buf norm = BUF_INIT, part = BUF_INIT;
	text_collapse(&norm, s, strlen(s));
	const char *p = norm.s;
	int paren = 0;
	size_t start = 0, n = norm.len, i = 0;
	while (i <= n) {
		size_t skip = 0;
		bool cut = i == n;
		if (!cut && p[i] == '(')
			paren++;
		else if (!cut && p[i] == ')' && paren)
			paren--;
		else if (!cut && !paren && p[i] == ',')
			cut = true, skip = 1;
		else if (!cut && !paren && !strncmp(p + i, " and ", 5))
			cut = true, skip = 5;
		if (!cut) {
			i++;
			continue;
		}
		buf_reset(&part);
		text_collapse(&part, p + start, i - start);
		const char *name = part.s;
		if (str_has_prefix(name, "and "))
			name += 4;
		if (*name)
			strlist_push(out, name, strlen(name));
		if (i == n)
			break;
		i += skip;
		start = i;
	}
	buf_release(&norm);
	buf_release(&part);
}
