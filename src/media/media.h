/*
 * media.h - pictures from the network made safe to serve: a thumbnail
 * (PNG, at most 480 pixels wide) from a PNG or the first page of a PDF.
 * The decoders see data from the network, so the caller runs this in a
 * process of its own under memory and CPU limits (`paperboy thumb`,
 * started by the web's thumbnail thread).
 */
#ifndef PAPERBOY_MEDIA_H
#define PAPERBOY_MEDIA_H

#include "../util/util.h"

/* Renders in (kind "png" or "pdf") into the PNG out. 0, or -1 with err. */
int media_thumb_render(const char *kind, const char *in, const char *out, struct buf *err);

/* A picture drawn from the paper's own words when no thumbnail can be had:
 * the title, the authors and the organization on a calm background, a PNG
 * of 480 x 270 at out. Text only: no decoder sees outside data. 0, or -1
 * with err. */
int media_title_card(const char *title, const char *byline, const char *org, const char *out, struct buf *err);
/* Frees the fonts and caches that drawing text keeps (cairo's, fontconfig's):
 * the thread that drew title cards calls it when it ends. */
void media_fonts_release(void);

#endif
