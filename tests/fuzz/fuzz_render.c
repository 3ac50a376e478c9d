/*
 * fuzz_render.c - libFuzzer target: every record that ingest accepts
 * renders everywhere without a crash or a sanitizer report (issue 18):
 * BibTeX, RIS and CSV (with the input as a reader's note), the API's JSON,
 * Atom, the HTML card and the digest's text and HTML. The input is a
 * document in any source format; its first 8 bytes also become a date
 * (published, submitted, updated), since a store can hold any number
 * there. Checked: each BibTeX entry's braces balance (an entry BibTeX can
 * parse), a note never brings a TeX command, and the HTML never carries a
 * tag from the record.
 */
#include "../../src/web/atom.h"
#include "../../src/web/html.h"
#include "../../src/web/json.h"
#include "../../src/mail/mail.h"

struct ctx {
	const uint8_t *data;
	size_t size;
	const char *note;
	struct web *w;
};

static void balanced_or_die(const char *s, const char *what)
{
	long depth = 0;
	for (; *s; s++) {
		depth += (*s == '{') - (*s == '}');
		if (depth < 0)
			break;
	}
	if (depth != 0) {
		fprintf(stderr, "%s: braces do not balance\n", what);
		abort();
	}
}

static void render_all(struct ctx *x, const struct paper *p)
{
	struct buf b = BUF_INIT;
	/* citations, the note as a reader wrote it */
	cite_bibtex(p, x->note, &b);
	balanced_or_die(b.s, "bibtex");
	const char *annote = strstr(b.s, "annote = {");
	if (annote && (strstr(annote, "\\write") || strstr(annote, "\\input") || strstr(annote, "\\immediate")))
		abort();
	buf_reset(&b);
	cite_ris(p, x->note, &b);
	cite_csv(p, x->note, &b);
	buf_reset(&b);
	/* the API */
	json_t *j = paper_to_json(p);
	char *js = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!js)
		abort();
	free(js);
	json_decref(j);
	/* the HTML card and Atom, as an anonymous visitor sees them */
	struct req r;
	memset(&r, 0, sizeof(r));
	r.w = x->w;
	r.route = -1;
	struct card_opts co = { .rank = 1, .badge = "day", .highlight = x->note };
	struct card_flags fl;
	memset(&fl, 0, sizeof(fl));
	fl.voted = fl.fresh = fl.thumb = true;
	fl.saved = 7;
	html_card(&r, &b, p, &co, &fl);
	if (!utf8_valid(b.s, b.len))
		abort();
	if (strstr(b.s, "<script") || strstr(b.s, "<iframe") || strstr(b.s, "=\"javascript:") || strstr(b.s, "=\"data:"))
		abort();
	buf_reset(&b);
	atom_entry(&r, &b, p);
	json_t *env = json_list_paper(&r, p);
	json_decref(env);
	/* the digest */
	struct mail_config mc;
	mail_config_init(&mc);
	mc.base_url = "http://paperboy.test";
	buf_reset(&b);
	mail_paper_text(&b, &mc, p); /* plain text: anything goes */
	buf_reset(&b);
	mail_paper_html(&b, &mc, p);
	if (strstr(b.s, "<script"))
		abort();
	buf_release(&b);
}

static int on_paper(struct paper *p, void *arg)
{
	struct ctx *x = arg;
	render_all(x, p);
	/* and with whatever date a store could hold */
	if (x->size >= 8) {
		int64_t t;
		memcpy(&t, x->data, sizeof(t));
		p->published = p->updated = p->submitted_at = t;
		render_all(x, p);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct web w;
	static bool init;
	if (!init) {
		snprintf(w.base_url, sizeof(w.base_url), "http://paperboy.test");
		init = true;
	}
	char *note = xstrndup((const char *)data, size < 400 ? size : 400);
	struct ctx x = { data, size, note, &w };
	static const enum ingest_format fmts[] = { INGEST_AUTO, INGEST_HF, INGEST_JSONL };
	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		struct buf err = BUF_INIT;
		ingest_parse("fuzz", (const char *)data, size, fmts[i], "2025-06-02", on_paper, &x, NULL, NULL, &err);
		buf_release(&err);
	}
	free(note);
	return 0;
}
