/*
 * sync.c - `serve --sync hf,arxiv`: the instance keeps itself current. A
 * thread fetches Hugging Face's daily papers (today's and yesterday's
 * lists) and the arXiv OAI-PMH increment (since the last harvest) every
 * `sync_every` seconds, with fetch's polite rates, and brings the search
 * index up to date. Each job runs once per cluster: its next time is kept
 * in the store and a lease in the store makes one process run it; its last
 * success and error are kept there too, for the admin status page.
 */
#include "web_int.h"
#include "../fetch/fetch.h"
#include <unistd.h>

#define SYNC_LEASE_MS (2 * 3600 * 1000LL) /* longer than any run; released at its end */

static const char *const job_names[] = { "hf", "arxiv" };

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

/* Runs one job; 0, or -1 with err set. *added: papers new or changed. */
static int run_job(struct web *w, struct store *s, int job, uint64_t *added, struct buf *err)
{
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
	if (*added && search_index_update(s, w->index_path, &indexed, err))
		return -1;
	return 0;
}

/* Whether job is due (its next time in the store has come); claims it for
 * this process with the lease when it is. */
static bool job_claim(struct web *w, struct store *s, int job, const char *me)
{
	char key[64], lease[64];
	snprintf(key, sizeof(key), "sync.%s.next", job_names[job]);
	snprintf(lease, sizeof(lease), "sync.%s", job_names[job]);
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
		     const char *why)
{
	char key[64], lease[64], note[64];
	snprintf(key, sizeof(key), "sync.%s.next", job_names[job]);
	snprintf(lease, sizeof(lease), "sync.%s", job_names[job]);
	pb_time now = time_now_ms();
	if (rc) {
		kv_time(s, job_names[job], "last_error", now, why);
		fprintf(stderr, "paperboy: sync %s: %s\n", job_names[job], why);
	} else {
		snprintf(note, sizeof(note), "%llu papers new or changed", (unsigned long long)added);
		kv_time(s, job_names[job], "last_ok", now, note);
	}
	/* after a failure, try again sooner (but not at once) */
	pb_time every = (pb_time)(w->cfg.sync_every * 1000);
	kv_time(s, job_names[job], "next", now + (rc && every > 600000 ? 600000 : every), NULL);
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
	worker_name(me, sizeof(me), "sync");
	for (;;) {
		if (worker_wait(w, &w->syncer, s ? 1 : 0)) /* the first look at once */
			break;
		if (!s && store_open(w->cfg.db_url, 0, &s, &err)) {
			fprintf(stderr, "paperboy: sync: %s\n", err.s);
			buf_reset(&err);
			s = NULL;
			sleep(5);
			continue;
		}
		for (int job = 0; job < 2; job++) {
			if (!(w->cfg.sync_jobs & (1u << job)) || !job_claim(w, s, job, me))
				continue;
			uint64_t added = 0;
			buf_reset(&err);
			int rc = run_job(w, s, job, &added, &err);
			job_done(w, s, job, me, rc, added, err.s);
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
	worker_start(w, &w->syncer, sync_main, "sync");
}

void sync_stop(struct web *w)
{
	worker_stop(w, &w->syncer);
}

/* ---- the admin status page ---------------------------------------------------- */

static void kv_row(struct req *r, struct buf *b, const char *label, const char *key)
{
	char *v = NULL;
	struct buf err = BUF_INIT;
	int rc = store_kv_get(r->s, key, &v, &err);
	html(b, "<tr><th scope=\"row\">%s</th><td>%s</td></tr>", label, rc == 0 && v ? v : "—");
	free(v);
	buf_release(&err);
}

void h_admin_status(struct req *r, struct resp *o)
{
	o->private_ = true;
	o->no_store = true;
	page_begin(r, o, "Status", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide\"><h1>Status</h1><h2>Sync</h2>");
	if (!r->w->cfg.sync_jobs)
		html(b, "<p class=\"muted\">This server does not sync (start it with <code>--sync hf,arxiv</code>).</p>");
	for (int job = 0; job < 2; job++) {
		char k[64];
		html(b, "<table class=\"status\"><caption>%s%s</caption>", job ? "arXiv OAI-PMH" : "Hugging Face daily papers",
		     r->w->cfg.sync_jobs & (1u << job) ? "" : " (off here)");
		snprintf(k, sizeof(k), "sync.%s.last_ok", job_names[job]);
		kv_row(r, b, "last success", k);
		snprintf(k, sizeof(k), "sync.%s.last_error", job_names[job]);
		kv_row(r, b, "last error", k);
		snprintf(k, sizeof(k), "sync.%s.next", job_names[job]);
		kv_row(r, b, "next run", k);
		html(b, "</table>");
	}
	int64_t counts[4] = { 0 }, seq = 0;
	struct buf err = BUF_INIT;
	store_outbox_counts(r->s, counts, &err);
	store_seq(r->s, &seq, &err);
	html(b, "<h2>Mail</h2><p>%S. Outbox: %lld queued, %lld sending, %lld sent, %lld failed.</p>",
	     r->w->cfg.mail.smtp_url ? "On" : "Off (no SMTP server)", (long long)counts[0], (long long)counts[1],
	     (long long)counts[2], (long long)counts[3]);
	html(b, "<h2>Store</h2><p>Write sequence %lld.</p>", (long long)seq);
	html(b, "<p><a href=\"/admin/submissions\">Submissions waiting for a moderator</a></p></main>");
	page_end(r, o);
	buf_release(&err);
}
