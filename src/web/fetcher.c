/*
 * fetcher.c - the thread of `serve` that works the queue of papers users
 * asked for from arXiv (service/submit.c): off the request threads, one
 * request to arXiv at a time, --arxiv-delay seconds apart (arXiv asks for
 * 3), woken when a request queues a job. It also counts, now and then, the
 * votes of accounts that came of age (service/votes.c).
 */
#include "fetcher.h"

#define MATURE_EVERY_S 30.0

static void *fetcher_main(void *arg)
{
	struct web *w = arg;
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	char me[192];
	bg_name(me, sizeof(me), "arxiv-fetch");
	double delay = w->cfg.arxiv_delay > 0 ? w->cfg.arxiv_delay : 3.0, last = 0, matured = 0, said = 0;
	double pause = 0;
	for (;;) {
		if (bg_wait(&w->bg, &w->fetcher, pause))
			break;
		pause = 1.0;
		buf_reset(&err);
		if (!s && store_open(w->cfg.db_url, 0, &s, &err)) {
			if (mono_seconds() - said > 60) {
				fprintf(stderr, "paperboy: arXiv fetches: %s\n", err.s);
				said = mono_seconds();
			}
			s = NULL;
			pause = 5;
			continue;
		}
		struct svc v = { &w->svc, s };
		/* a tenth of the vote age, at most MATURE_EVERY_S: votes count soon
		 * after their accounts come of age */
		double every = (double)w->svc.vote_age_ms / 10000.0;
		if (every > MATURE_EVERY_S)
			every = MATURE_EVERY_S;
		if (mono_seconds() - matured > every) {
			int64_t n = 0;
			if (svc_votes_mature(&v, &n, &err))
				fprintf(stderr, "paperboy: votes: %s\n", err.s);
			matured = mono_seconds();
			buf_reset(&err);
		}
		/* politeness first: the time since the last request to arXiv */
		double wait = last + delay - mono_seconds();
		if (wait > 0) {
			pause = wait;
			continue;
		}
		int rc = svc_fetch_work(&v, me, &err);
		if (rc == 1 && every < pause)
			pause = every < 0.2 ? 0.2 : every;
		if (rc < 0 && mono_seconds() - said > 60) {
			fprintf(stderr, "paperboy: arXiv fetches: %s\n", err.s);
			said = mono_seconds();
		}
		if (rc == 0) {
			last = mono_seconds();
			pause = delay; /* more may be waiting */
		}
	}
	store_close(s);
	buf_release(&err);
	return NULL;
}

void fetcher_start(struct web *w)
{
	bg_start(&w->bg, &w->fetcher, fetcher_main, w, "the arXiv fetcher");
}

void fetcher_stop(struct web *w)
{
	bg_stop(&w->bg, &w->fetcher);
}

void fetcher_kick(struct web *w)
{
	bg_kick(&w->bg, &w->fetcher);
}
