/*
 * fetch_int.h - private to src/fetch: the HTTP client the sources share
 * (fetch.c) and the Hub's listings use (hub.c): one libcurl handle, its
 * connections checked by the fetch policy, o->delay seconds from the end
 * of one answer to the next request.
 */
#ifndef PAPERBOY_FETCH_INT_H
#define PAPERBOY_FETCH_INT_H

#include "fetch.h"
#include <curl/curl.h>

/* One transfer's check of its connections. */
struct guard {
	const struct fetch_policy *policy;
	struct fetch_policy endpoint; /* the operator's endpoint's host */
	char refused[64];             /* the address refused, "" when none */
};

struct http {
	CURL *curl;
	struct guard guard;
	double last_request; /* monotonic seconds the last answer ended, 0 = none yet */
	const struct fetch_opts *o;
	struct buf body;
	long retry_after;
	long status;    /* of the last answer; 0 when none came */
	struct buf next; /* the last answer's Link: <URL>; rel="next", "" when none */
	struct curl_slist *headers; /* extra request headers (the caller's; NULL: none) */
	char etag[256], last_modified[64]; /* the last answer's validators, "" when none */
};

/* A client for requests under o (o->delay apart, o->max_retries, o->policy
 * and endpoint's host allowed). 0, or -1 with err set; release it either
 * way. */
int fetch_http_init(struct http *h, const struct fetch_opts *o, const char *endpoint, struct buf *err);
void fetch_http_release(struct http *h);
/* GETs url into h->body, honouring the request spacing and retrying 503
 * and 429 (after Retry-After) and transient network errors up to
 * o->max_retries. 0 on HTTP 200; -1 with "URL: why" in err (h->status says
 * the last status, 0 for no answer; h->guard.refused a refused address). */
int fetch_http_get(struct http *h, const char *url, struct buf *err);
/* Appends "?name=value" or "&name=value", the value escaped; nothing for NULL. */
void fetch_add_param(struct http *h, struct buf *url, const char *name, const char *value);

#endif
