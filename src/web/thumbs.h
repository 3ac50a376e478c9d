/*
 * thumbs.h - the thumbnail thread of `serve`: fills the cache folder with
 * a small picture of each featured paper (thumbs.c says from where).
 */
#ifndef PAPERBOY_WEB_THUMBS_H
#define PAPERBOY_WEB_THUMBS_H

#include "web_int.h"

void thumbs_start(struct web *w);
void thumbs_stop(struct web *w);

#endif
