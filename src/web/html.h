/*
 * html.h - HTML from data, escaped by default: the page around every page,
 * a paper's card (from the reader's flags, computed before), links,
 * highlights, charts, Markdown comments, the error page. Renders what it
 * is given; reads no store and calls no handler.
 */
#ifndef PAPERBOY_WEB_HTML_H
#define PAPERBOY_WEB_HTML_H

#include "web_int.h"
#include "reader.h"

/* printf into HTML: %s is escaped, %S is trusted raw HTML, %L a link from
 * data (http(s) or a local path, else nothing), %d %u %ld %lld %zu %% as
 * usual, %U escapes for a URL component (then HTML). */
void html_printf(struct buf *b, const char *fmt, ...);
void html_page_begin(struct req *r, struct resp *o, const char *title, const char *search_value);
void html_page_end(struct req *r, struct resp *o);
/* A hidden CSRF field for a form. */
void html_csrf(struct req *r, struct buf *b);
/* The error answer of any route: an HTML page, or {"error": msg} on API
 * routes; a 500 after a store failure becomes the status its kind calls
 * for (with Retry-After when it passes). */
void resp_error(struct req *r, struct resp *o, int status, const char *msg);
/* A rule's refusal (st, never PB_OK), with msg, or a failure (a fixed
 * message: the store's is the log's): the status resp_status gives st (a
 * failure of the store's with its Retry-After). */
void resp_outcome(struct req *r, struct resp *o, enum pb_status st, const char *msg);
/* After a store call failed (its message err): the failure answered, the
 * store's words in the log after `what`, never taken for "not found". */
void resp_store_failed(struct req *r, struct resp *o, const char *what, const struct buf *err);

/* A paper's GitHub stars on a card of trending by code: what they gained
 * this week and their history (a sparkline). */
struct card_stars {
	int gained;
	const struct star_point *pts;
	size_t n;
};
/* "+N ★ this week" and the history as a small inline SVG line. */
void html_stars_week(struct buf *b, const struct card_stars *cs);

struct card_opts {
	int rank;              /* 1..3 gets a badge, 0 none */
	const char *badge;     /* "day", "week", "month" */
	const char *highlight; /* a query whose words get <mark> */
	bool in_collection;    /* on the reader's own collection's page */
	const char *snippet;   /* HTML: where the paper's full text matched (html_snippet) */
	const struct card_stars *stars; /* trending by code (NULL: not shown) */
};
/* A paper's card as the reader sees it (f: reader_card's). */
void html_card(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co,
	       const struct card_flags *f);
/* "N comments" (here) and "M on Hugging Face" (imported) as links. */
void html_comment_links(struct buf *b, const struct paper *p);
/* The paper's code, model, dataset, Space and project links, labelled by
 * kind (GitHub stars beside code); as buttons on the paper page. */
void html_paper_links(struct buf *b, const struct paper *p, bool buttons);
/* A paper's media (mediaUrls) in a "Media" section: images and GIFs as
 * lazy pictures, videos as players that load nothing before they are
 * played, from https addresses of `hosts` (the CSP lets those in); other
 * https addresses as links; anything else left out. Nothing when nothing
 * is left. */
void html_media(struct buf *b, const struct paper *p, const struct strlist *hosts);
/* Title or abstract with the words of `query` marked. */
void html_highlight(struct buf *b, const char *text, const char *query);
/* The place in a paper's full text (pages split at '\f') that holds the
 * most of the query's words, with them marked and its page number ("p. N
 * …text…", at most about 280 bytes of the first MB); false (nothing
 * written) when the text holds none of them. */
bool html_snippet(struct buf *b, const char *text, size_t len, const char *query);
/* "owner/repo" of a code URL, or the host. */
void html_code_label(const char *url, char out[128]);
/* Bars of values per label (day), as inline SVG; and a line. */
void html_svg_bars(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n);
void html_svg_line(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n);
/* Markdown to safe HTML (cmark, no raw HTML, no javascript: links). */
void html_markdown(struct buf *b, const char *md);
/* A follow button (on: follow, off: stop) and a mute button, for the
 * signed-in reader; they go back to back_to. */
void html_follow_button(struct req *r, struct buf *b, const char *kind, const char *value, bool on, const char *back_to);
void html_mute_button(struct req *r, struct buf *b, const char *kind, const char *label, const char *value,
		      const char *back_to);
/* A paper that is not here: the offer to fetch it from arXiv (a form for a
 * signed-in reader), or to sign in first. */
void html_fetch_offer(struct req *r, struct buf *b, const char *id);

#endif
