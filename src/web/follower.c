/*
 * follower.c - the search index of a server and its follower (follower.h).
 *
 * Requests search the mapped index at once, each thread with its own
 * cursor, under a read lock; only the follower thread writes the index (a
 * delta segment of what changed since its sequence number, merged now and
 * then) and swaps the new one in under the write lock. It looks twice a
 * second, and at once when a request here wrote papers.
 */
#include "follower.h"
#include <sys/stat.h>

static int fetch_text(void *ctx, const char *id, struct buf *title, struct buf *abstract);


struct thread_state *thread_state(struct web *w, struct buf *err)
{
	struct thread_state *wk = pthread_getspecific(w->state_key);
	if (wk)
		return wk;
	wk = xcalloc(1, sizeof(*wk));
	if (store_open(w->cfg.db_url, 0, &wk->s, err)) {
		free(wk);
		return NULL;
	}
	if (!(wk->cur = search_cursor_new(fetch_text, wk))) {
		buf_setf(err, "the Snowball English stemmer is not available");
		store_close(wk->s);
		free(wk);
		return NULL;
	}
	pthread_setspecific(w->state_key, wk);
	pthread_mutex_lock(&w->states_lock);
	wk->next = w->states;
	w->states = wk;
	w->nstates++;
	pthread_mutex_unlock(&w->states_lock);
	return wk;
}

void thread_states_release(struct web *w)
{
	pthread_mutex_lock(&w->states_lock);
	for (struct thread_state *wk = w->states, *next; wk; wk = next) {
		next = wk->next;
		store_close(wk->s);
		search_cursor_free(wk->cur);
		free(wk);
	}
	w->states = NULL;
	pthread_mutex_unlock(&w->states_lock);
}

static int fetch_text(void *ctx, const char *id, struct buf *title, struct buf *abstract)
{
	return search_store_text(((struct thread_state *)ctx)->s, id, title, abstract);
}

/* What identifies the index's current files (an update renames new files
 * into place: new inodes and times). */
static void index_stamp(struct web *w, char out[128])
{
	struct stat a, b;
	struct buf deltas = BUF_INIT;
	buf_addf(&deltas, "%s.deltas", w->index_path);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	stat(w->index_path, &a);
	stat(deltas.s, &b);
	snprintf(out, 128, "%lu:%ld:%ld.%ld/%lu:%ld:%ld.%ld", (unsigned long)a.st_ino, (long)a.st_size,
		 (long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec, (unsigned long)b.st_ino, (long)b.st_size,
		 (long)b.st_mtim.tv_sec, b.st_mtim.tv_nsec);
	buf_release(&deltas);
}

/* Opens the index's current files and puts them in place of the old. */
void follower_open(struct web *w)
{
	char stamp[128];
	index_stamp(w, stamp);
	struct buf err = BUF_INIT;
	struct search_index *ix = NULL;
	int64_t gen = -1;
	if (search_open(w->index_path, &ix, &err)) {
		if (!w->ix_missing_said)
			fprintf(stderr, "paperboy: serve: search is off until the index is built: %s\n", err.s);
		w->ix_missing_said = true;
		ix = NULL;
	} else {
		/* the hidden papers left out before it is searched */
		struct store *s = NULL;
		buf_reset(&err);
		if (store_open(w->cfg.db_url, 0, &s, &err) || search_hide_stored(ix, s, &gen, &err)) {
			fprintf(stderr, "paperboy: serve: reading the hidden papers: %s\n", err.s);
			gen = -1;
		}
		store_close(s);
	}
	pthread_rwlock_wrlock(&w->ix_lock);
	struct search_index *old = w->ix;
	w->ix = ix;
	pthread_rwlock_unlock(&w->ix_lock);
	search_close(old);
	pthread_mutex_lock(&w->follow_lock);
	memcpy(w->index_stamp, stamp, sizeof(stamp));
	w->ix_seq = ix ? (int64_t)search_index_seq(ix) : -1;
	w->hidden_gen = gen;
	pthread_mutex_unlock(&w->follow_lock);
	buf_release(&err);
}

static int hidden_id(const char *id, void *ctx)
{
	strlist_push(ctx, id, strlen(id));
	return 0;
}

/* A paper hidden or shown again since the index was last told: the
 * hidden papers read (outside the lock), then left out of its searches. */
static void follow_hidden(struct web *w, struct store *s, struct buf *err)
{
	int64_t gen;
	pthread_mutex_lock(&w->follow_lock);
	int64_t had = w->hidden_gen;
	pthread_mutex_unlock(&w->follow_lock);
	if (store_hidden_gen(s, &gen, err) || gen == had)
		return;
	struct strlist ids = STRLIST_INIT;
	if (store_papers_hidden(s, &gen, hidden_id, &ids, err) == 0) {
		pthread_rwlock_wrlock(&w->ix_lock);
		if (w->ix)
			search_index_hide(w->ix, (const char *const *)ids.v, ids.n);
		pthread_rwlock_unlock(&w->ix_lock);
		pthread_mutex_lock(&w->follow_lock);
		w->hidden_gen = gen;
		pthread_mutex_unlock(&w->follow_lock);
	}
	strlist_release(&ids);
}

static void *follower_main(void *arg)
{
	struct web *w = arg;
	pthread_setname_np(pthread_self(), "pb-index");
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	double said = 0, pruned = 0;
	pthread_mutex_lock(&w->follow_lock);
	while (!w->follow_stopping) {
		bool kicked = w->follow_kick;
		w->follow_kick = false;
		pthread_mutex_unlock(&w->follow_lock);
		int64_t seq = -1;
		buf_reset(&err);
		if (!s && store_open(w->cfg.db_url, 0, &s, &err))
			s = NULL;
		if (s && store_seq(s, &seq, &err))
			seq = -1;
		if (seq >= 0) {
			/* another process may have replaced the files */
			char now[128];
			index_stamp(w, now);
			pthread_mutex_lock(&w->follow_lock);
			bool changed = strcmp(now, w->index_stamp) != 0;
			bool behind = w->ix_seq < seq;
			pthread_mutex_unlock(&w->follow_lock);
			if (changed)
				follower_open(w);
			pthread_mutex_lock(&w->follow_lock);
			behind = w->ix_seq < seq;
			pthread_mutex_unlock(&w->follow_lock);
			uint64_t added = 0;
			bool built;
			if (behind && svc_index_catch_up(s, w->index_path, &added, &built, &err) == 0)
				follower_open(w);
			follow_hidden(w, s, &err);
			/* the limits' spent counters, every ten minutes */
			if (mono_seconds() - pruned > 600 && svc_limits_prune(s, &err) == 0)
				pruned = mono_seconds();
		}
		if (err.len && mono_seconds() - said > 60) {
			fprintf(stderr, "paperboy: serve: index follower: %s\n", err.s);
			said = mono_seconds();
		}
		pthread_mutex_lock(&w->follow_lock);
		w->store_seq_seen = seq;
		if (seq >= 0 && w->ix_seq >= seq)
			w->behind_since = 0;
		else if (!w->behind_since)
			w->behind_since = mono_seconds();
		w->follow_passes++;
		pthread_cond_broadcast(&w->follow_done);
		if (!kicked && !w->follow_kick && !w->follow_stopping) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 500000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->follow_wake, &w->follow_lock, &until);
		}
	}
	pthread_mutex_unlock(&w->follow_lock);
	store_close(s);
	buf_release(&err);
	return NULL;
}

void follower_start(struct web *w)
{
	if (pthread_create(&w->follower, NULL, follower_main, w) == 0)
		w->follower_on = true;
	else
		fprintf(stderr, "paperboy: serve: cannot start the index follower: the index will not follow the store\n");
}

void follower_stop(struct web *w)
{
	pthread_mutex_lock(&w->follow_lock);
	w->follow_stopping = true;
	pthread_cond_broadcast(&w->follow_wake);
	pthread_mutex_unlock(&w->follow_lock);
	if (w->follower_on)
		pthread_join(w->follower, NULL);
	w->follower_on = false;
}

void follower_kick(void *ctx)
{
	struct web *w = ctx;
	pthread_mutex_lock(&w->follow_lock);
	w->follow_kick = true;
	pthread_cond_broadcast(&w->follow_wake);
	pthread_mutex_unlock(&w->follow_lock);
}

void follower_wait(struct web *w)
{
	/* the follower indexes what this request wrote; wait (a little) for a
	 * pass that began after it */
	pthread_mutex_lock(&w->follow_lock);
	uint64_t want = w->follow_passes + 2;
	w->follow_kick = true;
	pthread_cond_broadcast(&w->follow_wake);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	while (w->follow_passes < want && !w->follow_stopping)
		if (pthread_cond_timedwait(&w->follow_done, &w->follow_lock, &until))
			break;
	pthread_mutex_unlock(&w->follow_lock);
}

int follower_search(struct req *r, const char *q, const struct search_opts *so, struct search_hit *hits, size_t *n,
		   struct search_info *info, struct buf *err)
{
	struct web *w = r->w;
	pthread_rwlock_rdlock(&w->ix_lock);
	int rc;
	if (!w->ix) {
		buf_setf(err, "Search is not available yet: the index is being built.");
		rc = -1;
	} else {
		rc = search_run(w->ix, r->ts->cur, q, so, hits, n, info, err);
	}
	pthread_rwlock_unlock(&w->ix_lock);
	return rc;
}

int follower_search_mode(struct req *r, const char *q, enum search_mode mode, struct search_hit *hits, size_t *n,
	       struct buf *err)
{
	struct search_opts so = { mode, SEARCH_RELEVANCE, false, false };
	return follower_search(r, q, &so, hits, n, NULL, err);
}

int follower_similar(struct req *r, const char *id, struct search_hit *hits, size_t *n)
{
	struct web *w = r->w;
	struct buf err = BUF_INIT;
	pthread_rwlock_rdlock(&w->ix_lock);
	int rc = w->ix ? search_similar_run(w->ix, r->ts->cur, id, SIMILAR_HYBRID, hits, n, &err) : -1;
	pthread_rwlock_unlock(&w->ix_lock);
	buf_release(&err);
	if (rc)
		*n = 0;
	return rc;
}
