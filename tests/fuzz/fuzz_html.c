/*
 * fuzz_html.c - libFuzzer target: the HTML writer and what comments go
 * through. Arbitrary bytes as %s, %L and %U arguments of html_printf(), as a
 * query and a text to highlight, and as a Markdown comment; the output
 * must never carry a tag or an attribute the input brought in.
 */
#include "../../src/web/html.h"
#include "../../src/web/http.h"

static void no_markup(const struct buf *b, const char *what)
{
	/* the template's own markup is "<p>", "<a href=...>", "<mark>": any
	 * other '<' came from the input unescaped */
	for (const char *p = b->s; (p = strchr(p, '<')); p++) {
		if (!strncmp(p, "<p ", 3) || !strncmp(p, "</p>", 4) || !strncmp(p, "<a href=\"", 9) ||
		    !strncmp(p, "</a>", 4) || !strncmp(p, "<mark>", 6) || !strncmp(p, "</mark>", 7))
			continue;
		fprintf(stderr, "%s: markup from the input: %.40s\n", what, p);
		abort();
	}
	if (strstr(b->s, "href=\"javascript") || strstr(b->s, "href=\"data"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = xstrndup((const char *)data, size);
	const char *nl = strchr(s, '\n');
	char *query = xstrndup(s, nl ? (size_t)(nl - s) : strlen(s));
	const char *text = nl ? nl + 1 : s;
	struct buf b = BUF_INIT;
	html_printf(&b, "<p title=\"%s\">%s <a href=\"%L\">x</a> <a href=\"/search?q=%U\">y</a></p>", s, s, s, s);
	no_markup(&b, "html");
	if (!utf8_valid(b.s, b.len))
		abort();
	buf_reset(&b);
	html_highlight(&b, text, query);
	no_markup(&b, "highlight");
	/* Markdown: raw HTML never passes, nor script links */
	struct buf m = BUF_INIT;
	html_markdown(&m, s);
	if (strstr(m.s, "<script") || strstr(m.s, "<iframe") || strstr(m.s, "<style") || strstr(m.s, "<svg") ||
	    strstr(m.s, "<object") || strstr(m.s, "=\"javascript:") || strstr(m.s, "=\"vbscript:"))
		abort();
	/* no event handler inside any tag */
	for (const char *p = m.s; (p = strchr(p, '<')); p++) {
		const char *e = strchr(p, '>');
		if (!e)
			break;
		for (const char *a = p; a < e; a++)
			if (*a == ' ' && (a[1] == 'o' || a[1] == 'O') && (a[2] == 'n' || a[2] == 'N'))
				abort();
	}
	buf_release(&m);
	buf_release(&b);
	free(query);
	free(s);
	return 0;
}
