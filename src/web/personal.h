/*
 * personal.h - what each reader's own pages share (personal.c,
 * collections.c): small helpers (the rules of what a reader keeps are
 * the service's: service/library.c).
 */
#ifndef PAPERBOY_WEB_PERSONAL_H
#define PAPERBOY_WEB_PERSONAL_H

#include "web_int.h"

/* A collection is shown and sent COLL_PAGE papers at a time. */
#define COLL_PAGE 100
/* How long an export and a private feed are kept (seconds): an export
 * changes with its collection and a feed with its reader's follows (their
 * keys do), a feed with the new papers too. */
#define EXPORT_TTL 3600.0
#define FEED_TTL 300.0

/* The reader's collections with their papers and notes, for the export
 * of their data, into out: 0, or -1 when the store failed (out is then
 * not whole). */
int collections_export(struct req *r, json_t *out);

#endif
