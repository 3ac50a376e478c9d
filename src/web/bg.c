/*
 * bg.c - the background threads of a server (bg.h).
 */
#include "bg.h"
#include <unistd.h>

void bg_init(struct bg *b)
{
	pthread_mutex_init(&b->lock, NULL);
	b->stopping = false;
}

void bg_release(struct bg *b)
{
	pthread_mutex_destroy(&b->lock);
}

void bg_start(struct bg *b, struct bg_thread *k, void *(*fn)(void *), void *arg, const char *what)
{
	(void)b;
	pthread_cond_init(&k->wake, NULL);
	k->kicked = false;
	if (pthread_create(&k->t, NULL, fn, arg) == 0) {
		k->on = true;
	} else {
		fprintf(stderr, "paperboy: cannot start the thread of %s\n", what);
		pthread_cond_destroy(&k->wake);
	}
}

void bg_stop(struct bg *b, struct bg_thread *k)
{
	pthread_mutex_lock(&b->lock);
	b->stopping = true;
	if (k->on)
		pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&b->lock);
	if (!k->on)
		return;
	pthread_join(k->t, NULL);
	pthread_cond_destroy(&k->wake);
	k->on = false;
}

bool bg_wait(struct bg *b, struct bg_thread *k, double seconds)
{
	pthread_mutex_lock(&b->lock);
	if (!b->stopping && seconds > 0 && !k->kicked) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)seconds;
		until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&k->wake, &b->lock, &until);
	}
	k->kicked = false;
	bool stop = b->stopping;
	pthread_mutex_unlock(&b->lock);
	return stop;
}

void bg_kick(struct bg *b, struct bg_thread *k)
{
	pthread_mutex_lock(&b->lock);
	k->kicked = true;
	if (k->on)
		pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&b->lock);
}

void bg_name(char *me, size_t cap, const char *what)
{
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	snprintf(me, cap, "%s %ld %s", host, (long)getpid(), what);
}
