/*
 * sync.c - `serve --sync hf,arxiv`: the instance keeps itself current. A
 * thread fetches Hugging Face's daily papers (today's and yesterday's
 * lists), then the Hub's models, datasets and Spaces citing the papers of
 * the feed's newest 14 days (those not asked about in a day, at most 300 a
 * run), the arXiv OAI-PMH increment (since the last harvest), and the
 * full texts of the featured papers of those 14 days (their PDFs), every
 * `sync_every` seconds, with fetch's polite rates, and brings the search
 * index up to date. Each job runs once per cluster: its next time is kept
 * in the store and a lease in the store makes one process run it; its last
 * success and error are kept there too, for the admin status page.
 */
#include "sync.h"
#include "follower.h"
#include "../fetch/fetch.h"
#include <unistd.h>

#define SYNC_LEASE_MS (2 * 3600 * 1000LL) /* longer than any run; released at its end */

const char *const sync_job_names[SYNC_JOBS] = { "hf", "arxiv", "pdf" };

static void kv_time(struct store *s, const char *job, const char *what, pb_time t, const char *text)
{
	char key[64], iso[32];
	snprintf(key, sizeof(key), "sync.%s.%s", job, what);
	time_format_iso(t, iso);
	struct buf v = BUF_INIT, err = BUF_INIT;
	buf_addf(&v, "%s%s%s", iso, text ? " " : "", text ? text : "");
	if (store_kv_set(s, key, v.s, &err))
		fprintf(stderr, "paperboy: sync: %s\n", err.s);
	buf_release(&v);
	buf_release(&err);
}

#define SYNC_LINKS_DAYS 14

static bool sync_stopping(void *ctx)
{
	struct bg *b = ctx;
	pthread_mutex_lock(&b->lock);
	bool stopping = b->stopping;
	pthread_mutex_unlock(&b->lock);
	return stopping;
}

/* The Hub is asked for at most this long a run, well inside the job's
 * lease (a slow Hub must not let another process start the same job). */
#define SYNC_LINKS_BUDGET_MS (30 * 60 * 1000LL)

struct links_stop {
	struct bg *bg;
	pb_time until;
};

static bool links_stopping(void *ctx)
{
	struct links_stop *ls = ctx;
	return sync_stopping(ls->bg) || time_now_ms() > ls->until;
}

/* The feed's newest SYNC_LINKS_DAYS days, [first, newest]: 1, or 0 when
 * the feed is empty, or -1 with err set (the store failed). */
static int feed_window(struct store *s, char first[16], char newest[16], struct buf *err)
{
	pb_time t;
	if (store_latest_day(s, NULL, newest, err))
		return -1;
	if (!newest[0] || day_parse(newest, &t))
		return 0;
	time_format_day(t - (SYNC_LINKS_DAYS - 1) * 86400000LL, first);
	return 1;
}

/* Fetch options for a run that stops with the server or after
 * SYNC_LINKS_BUDGET_MS (ls: its state, kept by the caller). */
static void budget_opts(struct web *w, struct fetch_opts *fo, struct links_stop *ls)
{
	fetch_opts_init(fo);
	fo->policy = &w->fetch_policy;
	*ls = (struct links_stop){ &w->bg, time_now_ms() + SYNC_LINKS_BUDGET_MS };
	fo->stop = links_stopping;
	fo->stop_ctx = ls;
}

/* The Hub's repos citing the feed's newest papers; what became of them
 * into note. A failure here fails no job: the papers are asked again next
 * turn, and each failure is logged. */
static void sync_links(struct web *w, struct store *s, struct buf *note)
{
	char newest[16], first[16];
	struct buf err = BUF_INIT;
	if (feed_window(s, first, newest, &err) <= 0) {
		buf_release(&err);
		return;
	}
	struct fetch_opts fo;
	struct links_stop ls;
	budget_opts(w, &fo, &ls);
	fo.endpoint = w->cfg.sync_hf_endpoint;
	fo.hub_delay = w->cfg.hub_delay;
	struct fetch_links_result r;
	int rc = fetch_links(s, &fo, first, newest, FETCH_LINKS_PER_RUN, &r, &err);
	for (size_t i = 0; i < r.failures.n; i++)
		fprintf(stderr, "paperboy: sync hf: linked repos: %s\n", r.failures.v[i]);
	if (rc < 0)
		fprintf(stderr, "paperboy: sync hf: linked repos: %s\n", err.s);
	else if (r.due)
		buf_addf(note, "; the Hub's repos citing %zu papers stored (%zu failed)", r.stored, r.failed);
	fetch_links_result_release(&r);
	buf_release(&err);
}

/* The full texts of the feed's newest featured papers that have none
 * (FETCH_PDF_PER_RUN a run at most, within the links' time budget); what
 * became of them into note. A paper that fails is logged and asked again
 * later (fetch_pdf's backoff); only the store failing fails the job. */
static int sync_pdf(struct web *w, struct store *s, struct buf *note, struct buf *err)
{
	char newest[16], first[16];
	int in = feed_window(s, first, newest, err);
	if (in <= 0)
		return in;
	struct fetch_opts fo;
	struct links_stop ls;
	budget_opts(w, &fo, &ls);
	fo.endpoint = w->cfg.sync_pdf_endpoint;
	fo.delay = w->cfg.pdf_delay;
	fo.max_retries = 2;
	fo.timeout = 120;
	struct fetch_pdf_result r;
	int rc = fetch_pdf(s, &fo, NULL, first, &r, err);
	for (size_t i = 0; i < r.failures.n; i++)
		fprintf(stderr, "paperboy: sync pdf: %s\n", r.failures.v[i]);
	if (rc >= 0)
		buf_addf(note, "; %zu full texts stored (%zu failed)", r.stored, r.failed);
	uint64_t indexed;
	bool built;
	if (rc >= 0 && r.stored && svc_index_catch_up(s, w->index_path, &indexed, &built, err))
		rc = -1;
	fetch_pdf_result_release(&r);
	return rc < 0 ? -1 : 0;
}

/* Runs one job; 0, or -1 with err set. *added: papers new or changed. */
static int run_job(struct web *w, struct store *s, int job, uint64_t *added, struct buf *note, struct buf *err)
{
	if (job == 2)
		return sync_pdf(w, s, note, err);
	struct ingest_opts io = { .progress = false };
	struct ingest *g = ingest_new(s, &io);
	struct fetch_opts fo;
	fetch_opts_init(&fo);
	fo.policy = &w->fetch_policy;
	int rc = 0;
	if (job == 0) {
		/* today's list grows through the day; yesterday's may have
		 * changed after its last fetch */
		fo.endpoint = w->cfg.sync_hf_endpoint;
		fo.delay = 1;
		char day[16];
		pb_time now = time_now_ms();
		for (int back = 1; back >= 0 && rc >= 0; back--) {
			time_format_day(now - back * 86400000LL, day);
			fo.date = day;
			rc = fetch_hf(s, g, &fo, err);
		}
	} else {
		/* OAI-PMH datestamps are days: from the day of the last
		 * harvest (again: harvesting is idempotent) to today */
		fo.endpoint = w->cfg.sync_oai_endpoint;
		fo.set = w->cfg.sync_oai_set;
		char from[16], until[16];
		char *last = NULL;
		struct buf e2 = BUF_INIT;
		if (store_kv_get(s, "sync.arxiv.from", &last, &e2) == 0 && last && !day_parse(last, NULL))
			snprintf(from, sizeof(from), "%s", last);
		else
			time_format_day(time_now_ms() - 86400000LL, from);
		free(last);
		buf_release(&e2);
		time_format_day(time_now_ms(), until);
		fo.from = from;
		fo.until = until;
		rc = fetch_arxiv(s, g, &fo, err);
		if (rc >= 0 && store_kv_set(s, "sync.arxiv.from", until, err))
			rc = -1;
	}
	const struct ingest_totals *t = ingest_get_totals(g);
	*added = t->added + t->updated;
	ingest_free(g);
	if (rc < 0)
		return -1;
	uint64_t indexed;
	bool built;
	if (*added && svc_index_catch_up(s, w->index_path, &indexed, &built, err))
		return -1;
	if (job == 0)
		sync_links(w, s, note);
	return 0;
}

/* Whether job is due (its next time in the store has come); claims it for
 * this process with the lease when it is. */
static bool job_claim(struct web *w, struct store *s, int job, const char *me)
{
	char key[64], lease[64];
	snprintf(key, sizeof(key), "sync.%s.next", sync_job_names[job]);
	snprintf(lease, sizeof(lease), "sync.%s", sync_job_names[job]);
	struct buf err = BUF_INIT;
	char *next = NULL;
	pb_time now = time_now_ms(), when = 0;
	bool mine = false;
	if (store_kv_get(s, key, &next, &err) == 0 && next)
		time_parse(next, &when);
	free(next);
	if (when <= now && store_lease_take(s, lease, me, now, SYNC_LEASE_MS, NULL, NULL, &err) == 0) {
		/* read again under the lease: another process may have just run it */
		next = NULL;
		when = 0;
		if (store_kv_get(s, key, &next, &err) == 0 && next)
			time_parse(next, &when);
		free(next);
		if (when <= now)
			mine = true;
		else
			store_lease_release(s, lease, me, &err);
	}
	(void)w;
	if (err.len)
		fprintf(stderr, "paperboy: sync: %s\n", err.s);
	buf_release(&err);
	return mine;
}

static void job_done(struct web *w, struct store *s, int job, const char *me, int rc, uint64_t added,
		     const char *more, const char *why)
{
	char key[64], lease[64], note[192];
	snprintf(key, sizeof(key), "sync.%s.next", sync_job_names[job]);
	snprintf(lease, sizeof(lease), "sync.%s", sync_job_names[job]);
	pb_time now = time_now_ms();
	if (rc) {
		kv_time(s, sync_job_names[job], "last_error", now, why);
		fprintf(stderr, "paperboy: sync %s: %s\n", sync_job_names[job], why);
	} else {
		snprintf(note, sizeof(note), "%llu papers new or changed%s", (unsigned long long)added, more);
		kv_time(s, sync_job_names[job], "last_ok", now, note);
	}
	/* after a failure, try again sooner (but not at once) */
	pb_time every = (pb_time)(w->cfg.sync_every * 1000);
	kv_time(s, sync_job_names[job], "next", now + (rc && every > 600000 ? 600000 : every), NULL);
	struct buf err = BUF_INIT;
	store_lease_release(s, lease, me, &err);
	buf_release(&err);
}

static void *sync_main(void *arg)
{
	struct web *w = arg;
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	char me[192];
	bg_name(me, sizeof(me), "sync");
	for (;;) {
		if (bg_wait(&w->bg, &w->syncer, s ? 1 : 0)) /* the first look at once */
			break;
		if (!s && store_open(w->cfg.db_url, 0, &s, &err)) {
			fprintf(stderr, "paperboy: sync: %s\n", err.s);
			buf_reset(&err);
			s = NULL;
			sleep(5);
			continue;
		}
		for (int job = 0; job < SYNC_JOBS; job++) {
			if (!(w->cfg.sync_jobs & (1u << job)) || !job_claim(w, s, job, me))
				continue;
			uint64_t added = 0;
			buf_reset(&err);
			struct buf note = BUF_INIT;
			int rc = run_job(w, s, job, &added, &note, &err);
			job_done(w, s, job, me, rc, added, note.s, err.s);
			buf_release(&note);
		}
	}
	store_close(s);
	buf_release(&err);
	return NULL;
}

void sync_start(struct web *w)
{
	if (!w->cfg.sync_jobs)
		return;
	bg_start(&w->bg, &w->syncer, sync_main, w, "sync");
}

void sync_stop(struct web *w)
{
	bg_stop(&w->bg, &w->syncer);
}
