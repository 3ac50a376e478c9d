/*
 * atom.h - Atom feeds of papers.
 */
#ifndef PAPERBOY_WEB_ATOM_H
#define PAPERBOY_WEB_ATOM_H

#include "web_int.h"

/* The feed's head (its title, its self link: self_path and ?q=self_query). */
void atom_begin(struct req *r, struct resp *o, const char *title, const char *self_path, const char *self_query);
/* One paper as an entry. */
void atom_entry(struct req *r, struct buf *b, const struct paper *p);

#endif
