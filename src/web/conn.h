/*
 * conn.h - what keeps slow or greedy clients from starving the others:
 * connections per address, request deadlines, too many parameters answered
 * from the raw request line (conn.c says how).
 */
#ifndef PAPERBOY_WEB_CONN_H
#define PAPERBOY_WEB_CONN_H

#include "web_int.h"
#include <microhttpd.h>
#include <sys/socket.h>

int conn_guard_start(struct web *w, struct buf *err);
void conn_guard_stop(struct web *w);
/* libmicrohttpd's callbacks, given to it by web_serve: the accept policy
 * (a per-address limit), connection start and end, and the raw request
 * line (too many parameters are answered 414 before MHD parses them). */
enum MHD_Result conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe);
void *conn_uri(void *cls, const char *uri, struct MHD_Connection *c);
/* What conn_uri hands the request handler for a request it answered and
 * closed itself: the handler then runs nothing and ends the connection. */
extern char conn_refused;
/* A request's head is complete (its body, if any, is next). */
void conn_head_done(struct MHD_Connection *c);
/* The request is answered: the next one's head starts now. */
void conn_request_done(struct MHD_Connection *c);

#endif
