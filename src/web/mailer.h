/*
 * mailer.h - the mail thread of `serve`: delivers the outbox, runs the
 * digests on time.
 */
#ifndef PAPERBOY_WEB_MAILER_H
#define PAPERBOY_WEB_MAILER_H

#include "web_int.h"

void mailer_start(struct web *w);
void mailer_stop(struct web *w);
/* Wakes it to send what was just queued (a confirmation). */
void mailer_kick(struct web *w);

#endif
