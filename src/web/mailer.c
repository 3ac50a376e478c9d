/*
 * mailer.c - the mail thread of `serve`: delivers the outbox (confirmations,
 * verification links, retries) as soon as something is queued, and runs
 * the daily and weekly digests on time, once per cluster (compare and set
 * in the store).
 */
#include "mailer.h"
#include "../mail/mail.h"
#include <time.h>

void mailer_kick(struct web *w)
{
	bg_kick(&w->bg, &w->mailer); /* seen even when the thread is busy sending */
}

/* Claims today's run of a digest for this process (several processes, on
 * several hosts, may share the store): compare and set, so exactly one of
 * them moves the key from what it was to `value`. */
static bool claim(struct store *s, const char *key, const char *value)
{
	struct buf err = BUF_INIT;
	char *cur = NULL;
	bool mine = false;
	int rc = store_kv_get(s, key, &cur, &err);
	if (rc >= 0 && (!cur || strcmp(cur, value)))
		mine = store_kv_cas(s, key, cur, value, &err) == 0;
	free(cur);
	if (err.len)
		fprintf(stderr, "paperboy: mail: %s\n", err.s);
	buf_release(&err);
	return mine;
}

static void run_digest(struct web *w, struct store *s, const char *period)
{
	struct buf err = BUF_INIT;
	struct search_index *ix = NULL;
	int64_t gen;
	if (search_open(w->index_path, &ix, &err) || search_hide_stored(ix, s, &gen, &err)) {
		search_close(ix); /* (NULL when it did not open) */
		ix = NULL;
	}
	buf_reset(&err);
	struct mail_stats st = { 0 };
	struct mail_config mc = w->cfg.mail;
	if (mail_digest(s, ix, &mc, period, &st, &err) < 0)
		fprintf(stderr, "paperboy: mail: %s digest: %s\n", period, err.s);
	fprintf(stderr, "paperboy: mail: %s digest: %llu rendered, %llu sent, %llu to retry, %llu failed\n", period,
		(unsigned long long)st.rendered, (unsigned long long)st.sent, (unsigned long long)st.retry_later,
		(unsigned long long)st.failed);
	if (ix)
		search_close(ix);
	buf_release(&err);
}

static void *mailer_main(void *arg)
{
	struct web *w = arg;
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	if (store_open(w->cfg.db_url, 0, &s, &err)) {
		fprintf(stderr, "paperboy: mail: %s\n", err.s);
		buf_release(&err);
		return NULL;
	}
	for (bool first = true;; first = false) {
		if (bg_wait(&w->bg, &w->mailer, first ? 0 : 20))
			break;
		/* the outbox first: confirmations, retries */
		struct mail_stats st = { 0 };
		buf_reset(&err);
		struct mail_config mc = w->cfg.mail;
		if (mail_deliver(s, &mc, &st, &err) < 0)
			fprintf(stderr, "paperboy: mail: %s\n", err.s);
		/* then the schedule, in local time (--timezone) */
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		if (w->cfg.digest_minute < 0 || tm.tm_hour * 60 + tm.tm_min < w->cfg.digest_minute)
			continue;
		char today[16];
		strftime(today, sizeof(today), "%Y-%m-%d", &tm);
		bool weekend = tm.tm_wday == 0 || tm.tm_wday == 6;
		if ((!weekend || w->cfg.digest_weekends) && claim(s, "digest.daily.last", today))
			run_digest(w, s, "daily");
		if (tm.tm_wday == w->cfg.weekly_wday && claim(s, "digest.weekly.last", today))
			run_digest(w, s, "weekly");
	}
	store_close(s);
	buf_release(&err);
	return NULL;
}

void mailer_start(struct web *w)
{
	if (!w->cfg.mail.smtp_url) {
		fprintf(stderr, "paperboy: mail is off (no --smtp URL): subscriptions are kept, nothing is sent\n");
		return;
	}
	bg_start(&w->bg, &w->mailer, mailer_main, w, "the mailer");
}

void mailer_stop(struct web *w)
{
	bg_stop(&w->bg, &w->mailer);
}
