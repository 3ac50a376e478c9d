/*
 * rcache.h - answers kept by key for ttl seconds: a collection's export
 * (keyed by the collection's version), a private feed (by its reader's
 * activity). Bounded in entries and bytes.
 */
#ifndef PAPERBOY_WEB_RCACHE_H
#define PAPERBOY_WEB_RCACHE_H

#include "web_int.h"

struct rcache *rcache_new(void);
void rcache_free(struct rcache *c);
/* Copies the kept answer for key into o; true when there was one. */
bool rcache_get(struct rcache *c, const char *key, struct resp *o);
/* Keeps o (a 200) under key for ttl seconds. */
void rcache_put(struct rcache *c, const char *key, double ttl, const struct resp *o);

#endif
