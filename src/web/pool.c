/*
 * pool.c - the request pool (pool.h). Requests that do real work (a page
 * to render, a search, a write) run on these threads, while
 * libmicrohttpd's threads only read requests, answer from the page cache
 * and send: a client that asks for expensive things can keep the pool
 * busy, never the threads that answer /healthz, /metrics, the static files
 * and cached pages.
 */
#include "pool.h"
#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

/* How much lower than the answering threads the pool's threads run: when
 * the cores are saturated by costly requests, the scheduler still gives
 * libmicrohttpd's threads (/healthz, the cache, the static files) the
 * core as soon as they wake (nice 5 weighs a third of nice 0; 10 cost
 * a tenth of the page throughput when the load came from the same host). */
#define POOL_NICE 5

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pool_job *head, *tail;
	size_t queued, running, max_queue, max_per_from;
	double max_wait;
	bool stopping;
	pthread_t *t;
	unsigned nthreads;
	void (*run)(void *ctx, struct pool_job *j);
	void (*expire)(void *ctx, struct pool_job *j);
	void *ctx;
};

/* How many queued jobs come from `from` (locked). */
static size_t queued_from(struct pool *p, const char *from)
{
	size_t n = 0;
	for (struct pool_job *q = p->head; q; q = q->next)
		n += !strcmp(q->from, from);
	return n;
}

int pool_push(struct pool *p, struct pool_job *j)
{
	pthread_mutex_lock(&p->mu);
	int rc = 0;
	if (p->stopping || p->queued >= p->max_queue)
		rc = 1;
	else if (p->queued >= p->max_per_from && queued_from(p, j->from) >= p->max_per_from)
		rc = 2;
	if (!rc) {
		j->queued_at = mono_seconds();
		j->next = NULL;
		if (p->tail)
			p->tail->next = j;
		else
			p->head = j;
		p->tail = j;
		p->queued++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void *pool_main(void *arg)
{
	struct pool *p = arg;
	pthread_setname_np(pthread_self(), "pb-request");
	/* best effort, this thread only (Linux's nice is per thread) */
	errno = 0;
	int now = getpriority(PRIO_PROCESS, (id_t)gettid());
	if (!errno)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), now + POOL_NICE > 19 ? 19 : now + POOL_NICE);
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head)
			break; /* stopping, and nothing left */
		struct pool_job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);
		if (mono_seconds() - j->queued_at > p->max_wait)
			p->expire(p->ctx, j);
		else
			p->run(p->ctx, j);
		/* j is the caller's from here on */
		pthread_mutex_lock(&p->mu);
		p->running--;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct pool *pool_new(unsigned nthreads, size_t max_queue, size_t max_per_from, double max_wait,
		      void (*run)(void *ctx, struct pool_job *j), void (*expire)(void *ctx, struct pool_job *j), void *ctx)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->max_queue = max_queue;
	p->max_per_from = max_per_from;
	p->max_wait = max_wait;
	p->run = run;
	p->expire = expire;
	p->ctx = ctx;
	p->t = xcalloc(nthreads, sizeof(*p->t));
	for (unsigned i = 0; i < nthreads; i++) {
		if (pthread_create(&p->t[i], NULL, pool_main, p))
			break;
		p->nthreads++;
	}
	if (!p->nthreads) {
		pool_free(p);
		return NULL;
	}
	return p;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->t[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->t);
	free(p);
}

void pool_counts(struct pool *p, size_t *queued, size_t *running)
{
	*queued = *running = 0;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	*queued = p->queued;
	*running = p->running;
	pthread_mutex_unlock(&p->mu);
}
