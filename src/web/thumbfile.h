/*
 * thumbfile.h - the thumbnail cache's files: where a paper's thumbnail
 * lives, its address on this site, and which papers have one (a set kept
 * in memory: loaded from the folder once, added to as thumbnails are made,
 * so a card asks no file system).
 */
#ifndef PAPERBOY_WEB_THUMBFILE_H
#define PAPERBOY_WEB_THUMBFILE_H

#include "web_int.h"

/* DIR/ID.EXT (a slash of an old-style id as '_'). */
void thumb_file(const char *dir, const char *id, const char *ext, struct buf *out);
/* Its address on this site: "/thumbs/ID.png". */
void thumb_path(const char *id, struct buf *out);
/* Whether paper id has a thumbnail in w's cache. */
bool thumb_exists(struct web *w, const char *id);
/* Reads which papers have one (at start). */
void thumb_set_load(struct web *w);
/* Notes that paper id has one now. */
void thumb_set_add(struct web *w, const char *id);
void thumb_set_free(struct web *w);

#endif
