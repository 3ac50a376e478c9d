/*
 * cards.c - papers as cards for this request's reader (cards.h).
 */
#include "cards.h"

void card_write(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co)
{
	struct card_flags f;
	reader_card(r, p, &f);
	html_card(r, b, p, co, &f);
}

void cards_write(struct req *r, struct buf *b, const struct paper *ps, size_t n, const struct card_opts *co)
{
	reader_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++)
		card_write(r, b, &ps[i], co);
}
