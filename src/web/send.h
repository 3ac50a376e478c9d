/*
 * send.h - the response pipeline: an answer goes out with the security
 * headers, an ETag (304 when it matches), gzip when asked, the cache
 * headers its kind calls for, and a line in the access log; anonymous pages
 * are kept in the page cache and answered from it.
 */
#ifndef PAPERBOY_WEB_SEND_H
#define PAPERBOY_WEB_SEND_H

#include "web_int.h"
#include <microhttpd.h>

/* The anonymous page cache: pages kept --page-cache-ttl seconds, or until
 * this process changes something (page_cache_changed). */
struct page_cache *page_cache_new(void);
void page_cache_free(struct page_cache *pc);
void page_cache_changed(struct page_cache *pc);
/* Its generation now (never 0): taken before a page is made, kept with it. */
uint64_t page_cache_gen(struct page_cache *pc);
/* Sends o for r on c (route flags, started at t0, cpu seconds of work):
 * the headers, the log line, the metrics; keeps an anonymous page. */
enum MHD_Result send_answer(struct MHD_Connection *c, struct web *w, struct req *r, struct resp *o, unsigned flags,
			    double t0, double cpu);
/* Answers r from the page cache when it holds the page; true when it did. */
bool send_cached(struct MHD_Connection *c, struct web *w, struct req *r, unsigned flags, double t0, enum MHD_Result *rc);

#endif
