/*
 * pool.h - the request pool: threads that run queued jobs (the requests
 * that do real work), with a bounded queue. Knows nothing of HTTP: a job
 * is a struct pool_job embedded in the caller's own, run by the caller's
 * function.
 */
#ifndef PAPERBOY_WEB_POOL_H
#define PAPERBOY_WEB_POOL_H

#include "../util/util.h"

struct pool_job {
	struct pool_job *next;
	double queued_at; /* monotonic seconds */
	const char *from; /* who asked (the client's address): a share of the queue each */
};

struct pool;
/* A pool of nthreads threads that call run(ctx, job) for each job, or
 * expire(ctx, job) for one that waited more than max_wait seconds; the
 * queue holds max_queue jobs, max_per_from of one `from`. NULL when no
 * thread could start (the caller runs jobs itself). Free with pool_free. */
struct pool *pool_new(unsigned nthreads, size_t max_queue, size_t max_per_from, double max_wait,
		      void (*run)(void *ctx, struct pool_job *j), void (*expire)(void *ctx, struct pool_job *j), void *ctx);
/* Queues job: 0, 1 the queue is full (or stopping), 2 its `from` has
 * max_per_from waiting. */
int pool_push(struct pool *p, struct pool_job *j);
/* Jobs waiting and running now. */
void pool_counts(struct pool *p, size_t *queued, size_t *running);
/* Runs what is queued, then stops the threads and frees p (NULL: nothing). */
void pool_free(struct pool *p);

#endif
