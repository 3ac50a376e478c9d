/*
 * pdf.c - `fetch pdf` and serve's sync of full texts (fetch_pdf, fetch.h):
 * arXiv's PDFs downloaded politely and conditionally, their text read in a
 * process of its own under limits (media.h), stored with the paper's state
 * in one transaction; failures kept with the time of the next try.
 */
#include "fetch_int.h"
#include "../media/media.h"
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

void fetch_pdf_result_release(struct fetch_pdf_result *r)
{
	strlist_release(&r->failures);
	strlist_release(&r->notes);
}

/* What one paper came to. */
enum pdf_outcome { PDF_STORED, PDF_UNCHANGED, PDF_SKIPPED, PDF_FAILED, PDF_STORE_FAILED };

struct pdf_run {
	struct store *s;
	struct http h;
	const struct fetch_opts *o;
	struct fetch_pdf_result *r;
	struct buf why, note, text;
};

/* A file of its own in $TMPDIR (or /tmp), its name in path; -1 with err. */
static int temp_file(struct buf *path, const char *what, struct buf *err)
{
	const char *dir = getenv("TMPDIR");
	buf_reset(path);
	buf_addf(path, "%s/pb-%s-XXXXXX", dir && *dir ? dir : "/tmp", what);
	int fd = mkstemp(path->s);
	if (fd < 0) {
		buf_setf(err, "%s: %s", path->s, strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}

/* Reads the text `paperboy thumb text` wrote: its first line into note (when
 * pages were left out), the rest into text. 0, or -1 with why. */
static int read_text(const char *path, struct buf *text, struct buf *note, struct buf *why)
{
	struct buf raw = BUF_INIT;
	raw.max = MEDIA_TEXT_BYTES + 4096;
	int rc = read_file(path, &raw, why);
	int nread = 0, pages = 0, used = 0;
	/* the header is one line: its end found by hand, since "\n" in a
	 * scanf format would take the '\f' of empty first pages with it */
	const char *eol = rc ? NULL : memchr(raw.s, '\n', raw.len);
	if (eol)
		used = (int)(eol - raw.s) + 1;
	if (rc || !eol || sscanf(raw.s, "pages %d of %d", &nread, &pages) != 2) {
		buf_setf(why, "the text reader left no text");
		buf_release(&raw);
		return -1;
	}
	buf_reset(text);
	buf_add(text, raw.s + used, raw.len - (size_t)used);
	buf_reset(note);
	if (nread < pages)
		buf_addf(note, "read %d of %d pages", nread, pages);
	if (text->len >= MEDIA_TEXT_BYTES)
		buf_addf(note, "%stext cut at %u MB", note->len ? ", " : "", MEDIA_TEXT_BYTES >> 20);
	buf_release(&raw);
	return 0;
}

/* The text of the PDF in run->h.body into run->text (run->note). 0, -1 (why). */
static int extract(struct pdf_run *run, struct buf *err)
{
	struct buf in = BUF_INIT, out = BUF_INIT;
	int rc = -1;
	if (temp_file(&in, "pdf", err) == 0 && temp_file(&out, "text", err) == 0) {
		FILE *f = fopen(in.s, "wb");
		bool ok = f && fwrite(run->h.body.s, 1, run->h.body.len, f) == run->h.body.len;
		ok = (f && fclose(f) == 0) && ok;
		if (!ok)
			buf_setf(&run->why, "%s: %s", in.s, strerror(errno));
		else if (media_child("text", in.s, out.s, &run->why) == 0)
			rc = read_text(out.s, &run->text, &run->note, &run->why);
	} else {
		buf_setf(&run->why, "%s", err->s);
		buf_reset(err);
	}
	if (in.len)
		unlink(in.s);
	if (out.len)
		unlink(out.s);
	buf_release(&in);
	buf_release(&out);
	return rc;
}

/* Asks for paper's PDF (conditionally when st has validators and cond).
 * 200: 0; 304: 1; else -1 with why. */
static int download(struct pdf_run *run, const char *paper, const struct pdf_state *st, bool cond)
{
	struct curl_slist *hd = NULL;
	struct buf line = BUF_INIT, url = BUF_INIT;
	if (cond && st->etag[0]) {
		buf_setf(&line, "If-None-Match: %s", st->etag);
		hd = curl_slist_append(hd, line.s);
	}
	if (cond && st->last_modified[0]) {
		buf_setf(&line, "If-Modified-Since: %s", st->last_modified);
		hd = curl_slist_append(hd, line.s);
	}
	const char *base = run->o->endpoint && *run->o->endpoint ? run->o->endpoint : FETCH_PDF_ENDPOINT;
	size_t bn = strlen(base);
	while (bn && base[bn - 1] == '/')
		bn--;
	buf_addf(&url, "%.*s/pdf/%s", (int)bn, base, paper);
	run->h.headers = hd;
	int rc = fetch_http_get(&run->h, url.s, &run->why);
	run->h.headers = NULL;
	curl_slist_free_all(hd);
	if (rc && run->h.status == 304) {
		buf_reset(&run->why);
		rc = 1;
	} else if (rc && run->h.body.overflow) {
		buf_setf(&run->why, "%s: larger than %u MB", url.s, FETCH_PDF_MAX >> 20);
	}
	buf_release(&line);
	buf_release(&url);
	return rc;
}

/* Stores the text and the state "done" in one transaction. */
static int store_done(struct pdf_run *run, struct pdf_state *st, struct buf *err)
{
	snprintf(st->state, sizeof(st->state), "done");
	snprintf(st->etag, sizeof(st->etag), "%s", run->h.etag);
	snprintf(st->last_modified, sizeof(st->last_modified), "%s", run->h.last_modified);
	snprintf(st->message, sizeof(st->message), "%s", run->note.s);
	st->attempts = 0;
	st->next_try = 0;
	if (store_begin(run->s, err))
		return -1;
	if (store_text_put(run->s, st->paper, run->text.s, run->text.len, err) || store_pdf_set(run->s, st, err) ||
	    store_commit(run->s, err)) {
		store_rollback(run->s);
		return -1;
	}
	return 0;
}

/* Notes a failure: asked again after retry_wait, doubled per failure in a row. */
static int store_failed(struct pdf_run *run, struct pdf_state *st, pb_time now, struct buf *err)
{
	snprintf(st->state, sizeof(st->state), "failed");
	snprintf(st->message, sizeof(st->message), "%s", run->why.s);
	st->attempts++;
	double wait = run->o->retry_wait * 1000.0;
	for (int i = 1; i < st->attempts && wait < (double)FETCH_PDF_RETRY_MAX_MS; i++)
		wait *= 2;
	if (wait > (double)FETCH_PDF_RETRY_MAX_MS)
		wait = (double)FETCH_PDF_RETRY_MAX_MS;
	st->next_try = now + (pb_time)wait;
	return store_pdf_set(run->s, st, err);
}

static enum pdf_outcome one_paper(struct pdf_run *run, const char *paper, struct buf *err)
{
	struct pdf_state st;
	pb_time now = time_now_ms();
	int none = store_pdf_get(run->s, paper, &st, err);
	if (none < 0)
		return PDF_STORE_FAILED;
	if (none) {
		memset(&st, 0, sizeof(st));
		snprintf(st.paper, sizeof(st.paper), "%s", paper);
	}
	bool done = !strcmp(st.state, "done");
	if ((done && !run->o->refresh) || (!strcmp(st.state, "failed") && st.next_try > now))
		return PDF_SKIPPED;
	buf_reset(&run->why);
	buf_reset(&run->note);
	struct paper p;
	paper_init(&p);
	int known = store_paper_get(run->s, paper, &p, err);
	paper_release(&p);
	if (known < 0)
		return PDF_STORE_FAILED;
	if (known) {
		buf_setf(&run->why, "not in the store (fetch the paper first)");
		return PDF_FAILED; /* nothing to keep: no paper to keep it with */
	}
	int rc = download(run, paper, &st, done);
	st.updated = now;
	if (rc == 1)
		return store_pdf_set(run->s, &st, err) ? PDF_STORE_FAILED : PDF_UNCHANGED;
	if (rc == 0 && extract(run, err) == 0)
		return store_done(run, &st, err) ? PDF_STORE_FAILED : PDF_STORED;
	if (done) { /* a refresh that failed: the text stays, and so does "done" */
		snprintf(st.message, sizeof(st.message), "%s", run->why.s);
		return store_pdf_set(run->s, &st, err) ? PDF_STORE_FAILED : PDF_FAILED;
	}
	return store_failed(run, &st, now, err) ? PDF_STORE_FAILED : PDF_FAILED;
}

static int due_cb(const char *id, void *ctx)
{
	strlist_push(ctx, id, strlen(id));
	return 0;
}

/* Every paper of ids in turn, r counting; -1 when the store failed. */
static int run_all(struct pdf_run *run, const struct strlist *ids, struct buf *err)
{
	struct fetch_pdf_result *r = run->r;
	struct buf line = BUF_INIT;
	int ret = 0;
	for (size_t i = 0; i < ids->n && !ret; i++) {
		if (run->o->stop && run->o->stop(run->o->stop_ctx)) {
			r->stopped = true;
			break;
		}
		switch (one_paper(run, ids->v[i], err)) {
		case PDF_STORED:
			r->stored++;
			if (run->note.len) {
				buf_setf(&line, "%s: %s", ids->v[i], run->note.s);
				strlist_push(&r->notes, line.s, line.len);
			}
			break;
		case PDF_UNCHANGED: r->unchanged++; break;
		case PDF_SKIPPED: r->skipped++; break;
		case PDF_FAILED:
			r->failed++;
			buf_setf(&line, "%s: %s", ids->v[i], run->why.s);
			strlist_push(&r->failures, line.s, line.len);
			break;
		case PDF_STORE_FAILED: ret = -1; break;
		}
	}
	buf_release(&line);
	return ret;
}

int fetch_pdf(struct store *s, const struct fetch_opts *o, const struct strlist *ids, const char *day_from,
	      struct fetch_pdf_result *r, struct buf *err)
{
	memset(r, 0, sizeof(*r));
	struct strlist due = STRLIST_INIT;
	if (!ids) {
		char today[16];
		time_format_day(time_now_ms(), today);
		if (store_pdf_due(s, day_from ? day_from : "", today, time_now_ms(), FETCH_PDF_PER_RUN, due_cb, &due,
				  err)) {
			strlist_release(&due);
			return -1;
		}
		ids = &due;
	}
	r->due = ids->n;
	struct pdf_run run = { .s = s, .o = o, .r = r, .why = BUF_INIT, .note = BUF_INIT, .text = BUF_INIT };
	int ret = 0;
	const char *endpoint = o->endpoint && *o->endpoint ? o->endpoint : FETCH_PDF_ENDPOINT;
	if (ids->n && fetch_http_init(&run.h, o, endpoint, err) == 0) {
		run.h.body.max = FETCH_PDF_MAX;
		ret = run_all(&run, ids, err);
		fetch_http_release(&run.h);
	} else if (ids->n) {
		ret = -1;
		fetch_http_release(&run.h);
	}
	buf_release(&run.why);
	buf_release(&run.note);
	buf_release(&run.text);
	strlist_release(&due);
	return ret < 0 ? -1 : r->failed ? 1 : 0;
}
