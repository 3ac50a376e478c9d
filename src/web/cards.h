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

#endif
