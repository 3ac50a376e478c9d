/*
 * respond.h - a request's inputs and the parts of its answer, without any
 * HTML: query, form, headers and cookies; headers, redirects (local paths
 * only), cookies and JSON of the answer; the HTTP status of what the store
 * and the service decided (the one table of each); the service and its
 * limits on this request's store.
 */
#ifndef PAPERBOY_WEB_RESPOND_H
#define PAPERBOY_WEB_RESPOND_H

#include "web_int.h"

const char *req_arg(struct req *r, const char *name);  /* query string, NULL when absent */
const char *req_form(struct req *r, const char *name); /* urlencoded body, NULL when absent */
const char *req_header(struct req *r, const char *name);
/* This request's path and query with the argument name set to value (the
 * arguments URL-encoded again), in out; value NULL: without that argument
 * (name NULL too: the request's own). */
void req_url_with(struct req *r, const char *name, const char *value, struct buf *out);
const char *req_cookie(struct req *r, const char *name);
/* The layout of the feeds the visitor chose (the "layout" cookie, set by
 * /layout): true for a list, false for the grid of cards (the default). */
bool req_layout_list(struct req *r);
/* Whether the form's field is "1". */
bool req_form_flag(struct req *r, const char *name);

/* An answer: 200, HTML, an empty body of at most 64 MiB. */
void resp_init(struct resp *o);
void resp_release(struct resp *o);
void resp_header(struct resp *o, const char *name, const char *value);
/* 303 See Other to a path of this site (local_path_ok); anything else
 * goes to "/". */
void resp_redirect(struct resp *o, const char *location);
void resp_cookie(struct req *r, struct resp *o, const char *name, const char *value, long max_age, bool http_only);
void resp_json(struct resp *o, int status, json_t *j); /* steals j */
void resp_retry_after(struct resp *o, long seconds);
/* The HTTP status an outcome calls for (a rule's answer or a store
 * failure: one table), and the seconds a client should wait before trying
 * again (0: do not; retry_after may be NULL). */
int resp_status(enum pb_status st, int *retry_after);

/* The service on this request's store. */
struct svc req_svc(struct req *r);
/* The service's limits, on this request's store. */
long req_limit_wait(struct req *r, enum svc_limit k, const char *who);
void req_limit_count(struct req *r, enum svc_limit k, const char *who);

#endif
