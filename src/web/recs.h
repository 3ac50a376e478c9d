/*
 * recs.h - the recommender thread of `serve`: remakes the "for you" lists
 * that are due, once per cluster.
 */
#ifndef PAPERBOY_WEB_RECS_H
#define PAPERBOY_WEB_RECS_H

#include "web_int.h"

void recs_start(struct web *w);
void recs_stop(struct web *w);

#endif
