/*
 * cite.c - a paper as a citation: BibTeX, RIS and CSV (paper.h). Used by
 * the paper page's Cite button, /papers/ID.bib and the exports of
 * collections, from the web and anywhere else.
 *
 * Two kinds of text go in. Text from arXiv (titles, authors, journal
 * references) is LaTeX already and keeps its commands (tex_arxiv); text a
 * user wrote (a collection's notes) is plain, and every character TeX
 * would act on is escaped (tex_plain): a note can never run a command.
 */
#include "paper.h"
#include <ctype.h>
#include <utf8proc.h>

/* One character as text in LaTeX: what TeX acts on escaped (BibTeX counts
 * every brace, \{ too, so braces become words). */
static void tex_char(struct buf *b, unsigned char c)
{
	switch (c) {
	case '\\': buf_adds(b, "\\textbackslash{}"); break;
	case '{': buf_adds(b, "\\textbraceleft{}"); break;
	case '}': buf_adds(b, "\\textbraceright{}"); break;
	case '&': buf_adds(b, "\\&"); break;
	case '%': buf_adds(b, "\\%"); break;
	case '$': buf_adds(b, "\\$"); break;
	case '#': buf_adds(b, "\\#"); break;
	case '_': buf_adds(b, "\\_"); break;
	case '^': buf_adds(b, "\\^{}"); break;
	case '~': buf_adds(b, "\\~{}"); break;
	default: buf_addc(b, (char)c);
	}
}

/* Text for a BibTeX field, escaped for LaTeX: text from arXiv is LaTeX
 * already (C. Bal\'azs, $\alpha$, {\em x}), text from elsewhere is
 * plain (Fast & 100% _exact_). So: a backslash command (\'a, \&, \em)
 * stays; the math between pairs of $ stays when every $ has its pair;
 * braces stay when they balance (grouping), else become \textbraceleft{}
 * and \textbraceright{} (BibTeX counts every brace: the entry must parse);
 * & % # _ ^ ~ and lone backslashes are escaped; control characters become
 * spaces. */
static void tex_arxiv(struct buf *b, const char *s)
{
	if (!s)
		return;
	size_t dollars = 0;
	long depth = 0;
	bool balanced = true;
	for (const char *q = s; *q; q++) {
		/* BibTeX counts every brace, \{ too */
		depth += (*q == '{') - (*q == '}');
		balanced &= depth >= 0;
		if (*q == '\\' && q[1] && q[1] != '{' && q[1] != '}')
			q++; /* \$ is escaped already */
		else
			dollars += *q == '$';
	}
	balanced &= depth == 0;
	bool keep_math = dollars % 2 == 0 && balanced, in_math = false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\\' && !balanced && (s[1] == '{' || s[1] == '}'))
			continue; /* the brace that follows comes out as a word */
		if (c == '\\' && s[1] && (isalpha((unsigned char)s[1]) || strchr("'`^\"~=.&%$#_{} ", s[1]))) {
			/* a command: \name, or \ and one sign */
			buf_addc(b, '\\');
			s++;
			if (isalpha((unsigned char)*s))
				while (isalpha((unsigned char)s[1]))
					buf_addc(b, *s++);
			buf_addc(b, *s);
			continue;
		}
		if (keep_math && c == '$') {
			in_math = !in_math;
			buf_addc(b, '$');
			continue;
		}
		if (c < 0x20) {
			buf_addc(b, ' ');
			continue;
		}
		if (in_math) {
			buf_addc(b, (char)c);
			continue;
		}
		if ((c == '{' || c == '}') && balanced)
			buf_addc(b, (char)c); /* grouping */
		else
			tex_char(b, c);
	}
}

void cite_tex_plain(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '@')
			buf_adds(b, "{@}"); /* never a new BibTeX entry */
		else
			tex_char(b, c < 0x20 || c == 0x7f ? ' ' : c);
	}
}

/* The ASCII letters and digits of s, accents stripped (Balázs: Balazs). */
static void key_part(struct buf *b, const char *s, size_t n, bool lower)
{
	utf8proc_uint8_t *plain = NULL;
	if (utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &plain,
			 UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK) < 0)
		plain = NULL;
	for (const unsigned char *q = plain ? plain : (const unsigned char *)""; *q; q++)
		if (isalnum(*q) && *q < 0x80)
			buf_addc(b, lower ? (char)tolower(*q) : (char)*q);
	free(plain);
}

/* "Lovelace2025engines": the first author's family name, the year, the first
 * title word (letters and digits only). */
static void bib_key(const struct paper *p, struct buf *b)
{
	const char *a = p->authors.n ? p->authors.v[0] : "anon";
	const char *last = strrchr(a, ' ');
	last = last ? last + 1 : a;
	key_part(b, last, strlen(last), false);
	if (p->published) {
		int y, m, d;
		time_civil(p->published, &y, &m, &d);
		buf_addf(b, "%04d", y);
	} else {
		buf_adds(b, "0000");
	}
	/* the first word of the title with a letter or digit */
	const char *t = p->title ? p->title : "";
	while (*t) {
		size_t n = strcspn(t, " \t-:,.;!?()[]{}$\\/\"'");
		size_t before = b->len;
		key_part(b, t, n, true);
		if (b->len > before)
			break;
		t += n + (t[n] != '\0');
	}
}

void cite_bibtex(const struct paper *p, const char *note, struct buf *b)
{
	bool article = p->journal_ref && *p->journal_ref;
	buf_addf(b, "@%s{", article ? "article" : "misc");
	bib_key(p, b);
	buf_adds(b, ",\n  title = {{");
	tex_arxiv(b, p->title ? p->title : p->id);
	buf_adds(b, "}},\n  author = {");
	for (size_t i = 0; i < p->authors.n; i++) {
		if (i)
			buf_adds(b, " and ");
		tex_arxiv(b, p->authors.v[i]);
	}
	buf_adds(b, "},\n");
	if (article) {
		buf_adds(b, "  journal = {");
		tex_arxiv(b, p->journal_ref);
		buf_adds(b, "},\n");
	}
	static const char *const months[] = { "jan", "feb", "mar", "apr", "may", "jun",
					      "jul", "aug", "sep", "oct", "nov", "dec" };
	if (p->published) {
		int y, m, d;
		time_civil(p->published, &y, &m, &d); /* m is 1 to 12 whatever the value */
		buf_addf(b, "  year = {%04d},\n  month = %s,\n", y, months[m - 1]);
	}
	buf_addf(b, "  eprint = {%s},\n  archivePrefix = {arXiv},\n", p->id);
	if (p->categories.n) {
		buf_adds(b, "  primaryClass = {");
		tex_arxiv(b, p->categories.v[0]);
		buf_adds(b, "},\n");
	}
	if (p->doi && *p->doi) {
		buf_adds(b, "  doi = {");
		tex_arxiv(b, p->doi);
		buf_adds(b, "},\n");
	}
	buf_addf(b, "  url = {https://arxiv.org/abs/%s}", p->id);
	if (note && *note) {
		buf_adds(b, ",\n  annote = {");
		cite_tex_plain(b, note);
		buf_adds(b, "}");
	}
	buf_adds(b, "\n}\n");
}

static void ris_field(struct buf *b, const char *tag, const char *v)
{
	buf_addf(b, "%s  - ", tag);
	for (; v && *v; v++) {
		unsigned char c = (unsigned char)*v;
		buf_addc(b, c < 0x20 || c == 0x7f ? ' ' : (char)c); /* one line: no field of its own */
	}
	buf_addc(b, '\n');
}

void cite_ris(const struct paper *p, const char *note, struct buf *b)
{
	ris_field(b, "TY", p->journal_ref && *p->journal_ref ? "JOUR" : "UNPB");
	ris_field(b, "TI", p->title ? p->title : p->id);
	for (size_t i = 0; i < p->authors.n; i++)
		ris_field(b, "AU", p->authors.v[i]);
	if (p->published) {
		int y, m, d;
		time_civil(p->published, &y, &m, &d);
		char py[8], da[16];
		snprintf(py, sizeof(py), "%04d", y);
		ris_field(b, "PY", py);
		snprintf(da, sizeof(da), "%04d/%02d/%02d", y, m, d);
		ris_field(b, "DA", da);
	}
	for (size_t i = 0; i < p->categories.n; i++)
		ris_field(b, "KW", p->categories.v[i]);
	char an[64];
	snprintf(an, sizeof(an), "arXiv:%s", p->id);
	ris_field(b, "AN", an);
	if (p->journal_ref && *p->journal_ref)
		ris_field(b, "JO", p->journal_ref);
	if (p->doi && *p->doi)
		ris_field(b, "DO", p->doi);
	char url[96];
	snprintf(url, sizeof(url), "https://arxiv.org/abs/%s", p->id);
	ris_field(b, "UR", url);
	ris_field(b, "AB", p->abstract ? p->abstract : "");
	if (note && *note)
		ris_field(b, "N1", note);
	ris_field(b, "ER", "");
}

/* One CSV field: quoted, quotes doubled, line breaks as spaces; what a
 * spreadsheet would take for a formula (=, +, -, @, a tab or a return
 * first, once line breaks are spaces and leading spaces skipped) is text. */
static void csv_field(struct buf *b, const char *v, bool last)
{
	buf_addc(b, '"');
	const char *q = v ? v : "";
	while (*q == ' ' || *q == '\n' || *q == '\r')
		q++;
	if (*q == '=' || *q == '+' || *q == '-' || *q == '@' || *q == '\t')
		buf_addc(b, '\'');
	for (; v && *v; v++) {
		if (*v == '"')
			buf_addc(b, '"');
		buf_addc(b, *v == '\n' || *v == '\r' ? ' ' : *v);
	}
	buf_adds(b, last ? "\"\r\n" : "\",");
}

void cite_csv_header(struct buf *b)
{
	buf_adds(b, "\"id\",\"title\",\"authors\",\"published\",\"url\",\"note\"\r\n");
}

void cite_csv(const struct paper *p, const char *note, struct buf *b)
{
	struct buf a = BUF_INIT;
	strlist_join(&p->authors, "; ", &a);
	char day[16] = "", url[96];
	if (p->published)
		time_format_day(p->published, day);
	snprintf(url, sizeof(url), "https://arxiv.org/abs/%s", p->id);
	csv_field(b, p->id, false);
	csv_field(b, p->title, false);
	csv_field(b, a.s ? a.s : "", false);
	csv_field(b, day, false);
	csv_field(b, url, false);
	csv_field(b, note, true);
	buf_release(&a);
}
