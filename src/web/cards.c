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

void cards_write(struct req *r, struct buf *b, const struct paper *ps, size_t n, const struct card_opts *co)
{
	reader_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++)
		card_write(r, b, &ps[i], co);
}
