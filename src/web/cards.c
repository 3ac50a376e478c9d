/*
 * cards.c - papers as cards for this request's reader (cards.h).
 */
#include "cards.h"
#include "reader.h"
#include "respond.h"

bool card_write(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co)
{
	struct card_flags f;
	reader_card(r, p, &f);
	html_card(r, b, p, co, &f);
	return !f.muted[0] || f.collapse;
}

void cards_left_out(struct req *r, struct buf *b, size_t n)
{
	if (!n)
		return;
	struct buf show = BUF_INIT;
	req_url_with(r, "muted", "show", &show);
	html_printf(b, "<p class=\"muted mutes-note\" role=\"status\">%zu paper%S left out by your mutes · <a href=\"%s\">show "
		"them</a> · <a href=\"/me/following#mutes\">your mutes</a></p>",
	     n, n == 1 ? "" : "s", show.s);
	buf_release(&show);
}

void cards_open(struct req *r, struct buf *b, bool grid, const char *id)
{
	html_printf(b, "<div class=\"cards %S\"", grid && !req_layout_list(r) ? "grid" : "list");
	if (id)
		html_printf(b, " id=\"%s\" tabindex=\"-1\"", id);
	html_printf(b, ">");
}

void cards_layout_switch(struct req *r, struct buf *b)
{
	struct buf here = BUF_INIT;
	req_url_with(r, NULL, NULL, &here);
	bool list = req_layout_list(r);
	html_printf(b, "<nav class=\"layout\" aria-label=\"Layout\">"
		"<a href=\"/layout?to=grid&amp;next=%U\" rel=\"nofollow\"%S>Grid</a>"
		"<a href=\"/layout?to=list&amp;next=%U\" rel=\"nofollow\"%S>List</a></nav>",
	     here.s, list ? "" : " aria-current=\"true\"", here.s, list ? " aria-current=\"true\"" : "");
	buf_release(&here);
}

void cards_write(struct req *r, struct buf *b, const struct paper *ps, size_t n, const struct card_opts *co)
{
	reader_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++)
		card_write(r, b, &ps[i], co);
}
