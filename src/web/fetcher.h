/*
 * fetcher.h - the arXiv fetcher of `serve`: works the queue of papers
 * users asked for, and counts the votes of accounts that came of age.
 */
#ifndef PAPERBOY_WEB_FETCHER_H
#define PAPERBOY_WEB_FETCHER_H

#include "web_int.h"

void fetcher_start(struct web *w);
void fetcher_stop(struct web *w);
/* Wakes it: a job was just queued. */
void fetcher_kick(struct web *w);

#endif
