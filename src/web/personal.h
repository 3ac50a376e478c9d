/*
 * personal.h - what each reader's own pages share (personal.c,
 * collections.c): the limits on what one reader may keep, and small helpers.
 */
#ifndef PAPERBOY_WEB_PERSONAL_H
#define PAPERBOY_WEB_PERSONAL_H

#include "web_int.h"

/* What one reader may keep: the limits on what a client controls. */
#define MAX_PAIRS 500        /* follows, and mutes, each */
#define MAX_COLLECTIONS 100
#define MAX_ITEMS 2000       /* papers in a collection */
#define MAX_NOTE 2000        /* bytes of a note */
/* A collection is shown and sent COLL_PAGE papers at a time. */
#define COLL_PAGE 100
/* How long an export and a private feed are kept (seconds): an export
 * changes with its collection and a feed with its reader's follows (their
 * keys do), a feed with the new papers too. */
#define EXPORT_TTL 3600.0
#define FEED_TTL 300.0

/* The reader's collections with their items, for the export of their data. */
void collections_export(struct req *r, json_t *out);

#endif
