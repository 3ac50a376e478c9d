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

/*
 * The text of the PDF at in, into the file out: a first line "pages N of
 * M" (N read of the M the document has), then the pages' text, UTF-8,
 * separated by '\f'. Bounded for a hostile PDF: at most MEDIA_TEXT_PAGES
 * pages and MEDIA_TEXT_BYTES bytes of text (the rest left out, said by
 * N < M or by a text that stops at the cap), under MEDIA_TEXT_CPU seconds
 * of CPU, MEDIA_TEXT_AS bytes of address space (not under AddressSanitizer)
 * and a file size limit; the caller runs it in a process of its own
 * (media_child) and gives it MEDIA_CHILD_WALL seconds. 0, or -1 with err.
 */
#define MEDIA_TEXT_PAGES 300
#define MEDIA_TEXT_BYTES (2u << 20)
#define MEDIA_TEXT_CPU 20
#define MEDIA_TEXT_AS (768u << 20)
#define MEDIA_CHILD_WALL 60
int media_pdf_text(const char *in, const char *out, struct buf *err);

/* Runs `paperboy thumb KIND IN OUT` (this program, a process of its own:
 * the limits above, or a thumbnail's) and waits for it, MEDIA_CHILD_WALL
 * seconds at most (then kills it). 0 when it succeeded, or -1 with err. */
int media_child(const char *kind, const char *in, const char *out, struct buf *err);

/* A picture drawn from the paper's own words when no thumbnail can be had:
 * the title, the authors and the organization on a calm background, a PNG
 * of 480 x 270 at out. Text only: no decoder sees outside data. 0, or -1
 * with err. */
int media_title_card(const char *title, const char *byline, const char *org, const char *out, struct buf *err);
/* Frees the fonts and caches that drawing text keeps (cairo's, fontconfig's):
 * the thread that drew title cards calls it when it ends. */
void media_fonts_release(void);

#endif
