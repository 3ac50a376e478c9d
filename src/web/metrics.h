/*
 * metrics.h - counters of what the server answered (requests by route and
 * status, a histogram of their durations), added with atomics (no lock on
 * the request path), written in Prometheus's text format.
 */
#ifndef PAPERBOY_WEB_METRICS_H
#define PAPERBOY_WEB_METRICS_H

#include "web_int.h"

struct metrics *metrics_new(size_t nroutes);
void metrics_free(struct metrics *m);
/* Counts one answer of route (-1: none matched) with status, in ms. */
void metrics_observe(struct metrics *m, int route, int status, double ms);
/* One more (+1) or one less (-1) request being served now. */
void metrics_busy(struct metrics *m, int delta);
/* The counters in the exposition format, every series labelled node. */
void metrics_write(struct metrics *m, const char *node, struct buf *b);
/* A label value in that format: backslash, quote and newline escaped. */
void metrics_label(struct buf *b, const char *v);

#endif
