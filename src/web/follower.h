/*
 * follower.h - the search index of a server: one memory map every thread
 * searches at once (a read lock), kept current by the follower thread (a
 * delta segment of what the store wrote since the index's sequence number,
 * swapped in under the write lock); and each thread's own state (its store
 * connection and search cursor), made on its first request.
 */
#ifndef PAPERBOY_WEB_FOLLOWER_H
#define PAPERBOY_WEB_FOLLOWER_H

#include "web_int.h"

struct thread_state {
	struct store *s;
	struct search_cursor *cur;
	struct thread_state *next;
};
/* The calling thread's state (made now the first time); NULL with err. */
struct thread_state *thread_state(struct web *w, struct buf *err);
/* Closes every thread's state (at the end). */
void thread_states_release(struct web *w);

/* Opens the index's current files (or notes that there is none). */
void follower_open(struct web *w);
void follower_start(struct web *w);
void follower_stop(struct web *w);
/* Papers were written here: the follower looks now (the service's hook). */
void follower_kick(void *w);
/* The same, waiting (5 s at most) until a pass that began after it is done. */
void follower_wait(struct web *w);

/* Searches the shared index with this thread's cursor; -1 with a message
 * for the user in err (no index yet, a bad query). */
int follower_search(struct req *r, const char *q, const struct search_opts *so, struct search_hit *hits, size_t *n,
		    struct search_info *info, struct buf *err);
/* The same with the default options of mode. */
int follower_search_mode(struct req *r, const char *q, enum search_mode mode, struct search_hit *hits, size_t *n,
			 struct buf *err);
/* Papers similar to id; -1 (and *n 0) when there are none to say. */
int follower_similar(struct req *r, const char *id, struct search_hit *hits, size_t *n);

#endif
