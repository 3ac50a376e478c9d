/*
 * cards.h - papers as cards for this request's reader: the reader's flags
 * read (votes at once for a list), then each card rendered.
 */
#ifndef PAPERBOY_WEB_CARDS_H
#define PAPERBOY_WEB_CARDS_H

#include "html.h"

void cards_write(struct req *r, struct buf *b, const struct paper *ps, size_t n, const struct card_opts *co);
void card_write(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co);

#endif
