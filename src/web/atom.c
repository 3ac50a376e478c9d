/*
 * atom.c - Atom feeds (atom.h). Entry ids are tag URIs of the paper id
 * alone ("tag:paperboy,2025:paper/ID"), so a reader never sees a paper twice
 * however the feed is reached, and entries keep their place when the base
 * URL changes.
 */
#include "atom.h"
#include "html.h"

static void xml_esc(struct buf *b, const char *s)
{
	buf_add_html(b, s, strlen(s)); /* the five XML entities */
}

void atom_entry(struct req *r, struct buf *b, const struct paper *p)
{
	char updated[32], published[32];
	pb_time feat = p->submitted_at ? p->submitted_at : p->published;
	time_format_iso(feat ? feat : 1, updated);
	time_format_iso(p->published ? p->published : 1, published);
	buf_adds(b, "<entry><id>tag:paperboy,2025:paper/");
	xml_esc(b, p->id);
	buf_adds(b, "</id><title>");
	xml_esc(b, p->title ? p->title : p->id);
	buf_addf(b, "</title><updated>%s</updated><published>%s</published><link rel=\"alternate\" type=\"text/html\" href=\"",
		 updated, published);
	xml_esc(b, r->w->base_url);
	buf_adds(b, "/papers/");
	xml_esc(b, p->id);
	buf_adds(b, "\"/>");
	for (size_t i = 0; i < p->authors.n; i++) {
		buf_adds(b, "<author><name>");
		xml_esc(b, p->authors.v[i]);
		buf_adds(b, "</name></author>");
	}
	if (!p->authors.n)
		buf_adds(b, "<author><name>unknown</name></author>");
	buf_adds(b, "<link rel=\"related\" type=\"application/pdf\" title=\"PDF\" href=\"https://arxiv.org/pdf/");
	xml_esc(b, p->id);
	buf_adds(b, "\"/>");
	if (url_is_web(p->code_url)) {
		buf_adds(b, "<link rel=\"related\" title=\"");
		xml_esc(b, link_kind_name(link_kind_of(p->code_url)));
		buf_adds(b, "\" href=\"");
		xml_esc(b, p->code_url);
		buf_adds(b, "\"/>");
	}
	buf_adds(b, "<summary type=\"text\">");
	xml_esc(b, p->abstract ? p->abstract : "");
	buf_adds(b, "</summary>");
	/* the content: the AI summary, the abstract, the upvotes and the links,
	 * as a reader shows them (escaped HTML) */
	struct buf h = BUF_INIT;
	if (p->ai_summary && *p->ai_summary)
		html_printf(&h, "<p><strong>Summary:</strong> %s</p>", p->ai_summary);
	html_printf(&h, "<p>%s</p><p>▲ %d upvote%S · <a href=\"%s/papers/%s\">Paper page</a> · <a href=\"https://arxiv.org/pdf/%s\">PDF</a>",
	     p->abstract ? p->abstract : "", paper_upvotes(p), paper_upvotes(p) == 1 ? "" : "s", r->w->base_url, p->id, p->id);
	if (url_is_web(p->code_url))
		html_printf(&h, " · <a href=\"%L\">%s</a>", p->code_url, link_kind_name(link_kind_of(p->code_url)));
	if (url_is_web(p->project_page))
		html_printf(&h, " · <a href=\"%L\">Project page</a>", p->project_page);
	html_printf(&h, "</p>");
	buf_adds(b, "<content type=\"html\">");
	xml_esc(b, h.s);
	buf_adds(b, "</content></entry>\n");
	buf_release(&h);
}

void atom_begin(struct req *r, struct resp *o, const char *title, const char *self_path, const char *self_query)
{
	struct buf *b = &o->body;
	o->ctype = "application/atom+xml; charset=utf-8";
	char now[32];
	time_format_iso(time_now_ms(), now);
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>");
	xml_esc(b, title);
	buf_adds(b, "</title><id>");
	struct buf self = BUF_INIT;
	buf_addf(&self, "%s%s", r->w->base_url, self_path);
	if (self_query) {
		buf_adds(&self, "?q=");
		buf_add_url(&self, self_query);
	}
	xml_esc(b, self.s);
	buf_addf(b, "</id><updated>%s</updated><link rel=\"self\" type=\"application/atom+xml\" href=\"", now);
	xml_esc(b, self.s);
	buf_adds(b, "\"/><link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_esc(b, r->w->base_url);
	buf_adds(b, "/\"/><generator>paperboy</generator>\n");
	buf_release(&self);
}
