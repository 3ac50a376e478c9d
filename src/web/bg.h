/*
 * bg.h - the background threads of a server (sync, thumbnails, the
 * recommender, the arXiv fetcher, the mailer): started and stopped
 * together, each asleep until its time comes or something wakes it.
 */
#ifndef PAPERBOY_WEB_BG_H
#define PAPERBOY_WEB_BG_H

#include "../util/util.h"
#include <pthread.h>

/* What the threads of one server share: a lock and whether it stops. */
struct bg {
	pthread_mutex_t lock;
	bool stopping;
};
/* One thread. */
struct bg_thread {
	pthread_t t;
	pthread_cond_t wake;
	bool on, kicked;
};
void bg_init(struct bg *b);
void bg_release(struct bg *b);
/* Starts fn(arg) on a thread of its own (`what` names it in an error). */
void bg_start(struct bg *b, struct bg_thread *k, void *(*fn)(void *), void *arg, const char *what);
/* Tells every thread to stop, wakes k and waits for it. */
void bg_stop(struct bg *b, struct bg_thread *k);
/* Sleeps up to seconds (0: not at all), or until bg_kick; true when the
 * server stops. A kick that came while the thread was busy is not lost. */
bool bg_wait(struct bg *b, struct bg_thread *k, double seconds);
/* Wakes k now (something was queued for it). */
void bg_kick(struct bg *b, struct bg_thread *k);
/* The name a thread holds its leases by: "host pid what". */
void bg_name(char *me, size_t cap, const char *what);

#endif
