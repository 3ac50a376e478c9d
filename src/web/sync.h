/*
 * sync.h - the sync thread of `serve`: fetches what --sync names (Hugging
 * Face's daily papers, the arXiv OAI-PMH increment) on schedule, once per
 * cluster.
 */
#ifndef PAPERBOY_WEB_SYNC_H
#define PAPERBOY_WEB_SYNC_H

#include "web_int.h"

/* The jobs' names, in the store's keys ("sync.NAME.last_ok"): bit 0, 1, 2. */
#define SYNC_JOBS 3
extern const char *const sync_job_names[SYNC_JOBS];
void sync_start(struct web *w);
void sync_stop(struct web *w);

#endif
