/*
 * cards.h - papers as cards for this request's reader: the reader's flags
 * read (votes at once for a list), then each card rendered.
 */
#ifndef PAPERBOY_WEB_CARDS_H
#define PAPERBOY_WEB_CARDS_H

#include "html.h"

void cards_write(struct req *r, struct buf *b, const struct paper *ps, size_t n, const struct card_opts *co);
/* Writes p's card; false when the reader's mutes left it out. */
bool card_write(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co);
/* "N papers left out by your mutes · show them" (nothing when n is 0). */
void cards_left_out(struct req *r, struct buf *b, size_t n);
/* Opens a list of cards (the caller closes the div): a grid of cards, as
 * on Hugging Face, unless the reader chose a list (req_layout_list) or
 * grid is false; id (NULL: none) names it for the skip link. */
void cards_open(struct req *r, struct buf *b, bool grid, const char *id);
/* The Grid / List switch: two links to /layout that come back to this
 * page (no script needed; the choice is a cookie the server reads). */
void cards_layout_switch(struct req *r, struct buf *b);

#endif
