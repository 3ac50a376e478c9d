/*
 * thumbs.c - thumbnails on the cards, as on Hugging Face's, served by
 * paperboy itself (so the page's CSP stays 'self'): a background thread
 * fills a cache folder, never a request. For each featured paper, newest
 * days first: Hugging Face's social thumbnail when the record names one
 * (fetched at most once a second), else the first page of its arXiv PDF
 * (fetched at arXiv's rate, one every three seconds) rendered with
 * poppler. Whatever comes from the network is decoded in a child process
 * (`paperboy thumb`, under memory and CPU limits), so a hostile image or
 * PDF cannot take the server down; the result is a PNG at most 480 pixels
 * wide, written under a temporary name and renamed into place. A paper
 * that failed is tried again after a day (ID.fail in the folder).
 */
#include "thumbs.h"
#include "../media/media.h"
#include "bg.h"
#include "handlers.h"
#include "html.h"
#include "respond.h"
#include "thumbfile.h"
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


#define THUMB_MAX_IMAGE (8u << 20)
#define THUMB_MAX_PDF (64u << 20)
#define THUMB_RETRY_MS (24 * 3600 * 1000LL)

void h_thumb(struct req *r, struct resp *o)
{
	const char *name = r->cap[0];
	size_t n = strlen(name);
	char id[PAPER_ID_MAX];
	if (!r->w->thumb_dir || n < 5 || n >= PAPER_ID_MAX || strcmp(name + n - 4, ".png") ||
	    strspn(name, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._-") != n) {
		resp_error(r, o, 404, "No such thumbnail.");
		return;
	}
	snprintf(id, sizeof(id), "%.*s", (int)(n - 4), name);
	struct buf f = BUF_INIT, err = BUF_INIT;
	buf_addf(&f, "%s/%s", r->w->thumb_dir, name);
	buf_init_max(&o->body, THUMB_MAX_IMAGE);
	if (read_file(f.s, &o->body, &err)) {
		buf_reset(&o->body);
		resp_error(r, o, 404, "No such thumbnail.");
	} else {
		o->ctype = "image/png";
		/* long-lived: thumbnails do not change (the ETag says if they do) */
		o->max_age = 2592000;
	}
	buf_release(&f);
	buf_release(&err);
}

/* ---- fetching ---------------------------------------------------------------- */

/* Runs `paperboy thumb KIND IN OUT` and waits for it (media_child). */
static int render(const char *kind, const char *in, const char *out, struct buf *err)
{
	return media_child(kind, in, out, err);
}

struct todo {
	struct strlist ids, thumbs; /* thumbs: the HF URL or "" */
	struct web *w;              /* set: draw the title cards that are missing */
};

/* The paper's title card (ID.card.png) when it has none: drawn here, from
 * text only, so every card has a picture before any download is tried. */
static void title_card(struct web *w, const struct paper *p)
{
	char key[PAPER_ID_MAX + 8];
	snprintf(key, sizeof(key), "%s.card", p->id);
	if (thumb_exists(w, key) || thumb_exists(w, p->id))
		return;
	struct buf f = BUF_INIT, by = BUF_INIT, err = BUF_INIT;
	thumb_file(w->thumb_dir, p->id, ".card.png", &f);
	for (size_t i = 0; i < p->authors.n && i < 6; i++)
		buf_addf(&by, "%s%s", i ? ", " : "", p->authors.v[i]);
	if (p->authors.n > 6)
		buf_addf(&by, " and %zu more", p->authors.n - 6);
	char org[128], orgname[256];
	paper_org(p, org, orgname);
	if (media_title_card(p->title, by.s, orgname, f.s, &err) == 0) {
		thumb_set_add(w, key);
	} else {
		/* said once a run (a missing drawing library fails every card) */
		static _Atomic bool told;
		if (!told) {
			told = true;
			fprintf(stderr, "paperboy: thumbnails: a title card failed: %s\n", err.s);
		}
	}
	buf_release(&f);
	buf_release(&by);
	buf_release(&err);
}

static int todo_cb(const struct paper *p, void *ctx)
{
	struct todo *t = ctx;
	if (t->w) {
		title_card(t->w, p);
		return t->w->bg.stopping;
	}
	strlist_push(&t->ids, p->id, strlen(p->id));
	const char *u = url_is_web(p->thumbnail) ? p->thumbnail : "";
	strlist_push(&t->thumbs, u, strlen(u));
	return 0;
}

struct days_ctx {
	struct strlist days;
};

static int days_cb(const char *day, int papers, void *ctx)
{
	(void)papers;
	struct days_ctx *d = ctx;
	strlist_push(&d->days, day, strlen(day));
	return 0;
}

/* Whether the paper still needs a thumbnail (none, and no recent failure). */
static bool wanted(struct web *w, const char *id)
{
	struct buf f = BUF_INIT;
	thumb_file(w->thumb_dir, id, ".png", &f);
	bool want = access(f.s, F_OK) != 0;
	if (want) {
		struct stat st;
		thumb_file(w->thumb_dir, id, ".fail", &f);
		if (stat(f.s, &st) == 0 && (pb_time)st.st_mtime * 1000 > time_now_ms() - THUMB_RETRY_MS)
			want = false;
	}
	buf_release(&f);
	return want;
}


/* Makes the thumbnail of one paper; 0, or -1 with err set. */
static int make_one(struct web *w, const char *id, const char *hf_url, double *last_hf, double *last_pdf,
		    struct buf *err)
{
	struct buf tmp = BUF_INIT, out = BUF_INIT, fin = BUF_INIT, url = BUF_INIT;
	buf_addf(&tmp, "%s/.dl.%ld", w->thumb_dir, (long)getpid());
	buf_addf(&out, "%s/.png.%ld", w->thumb_dir, (long)getpid());
	thumb_file(w->thumb_dir, id, ".png", &fin);
	int rc;
	if (*hf_url) {
		double wait = *last_hf + 1.0 - mono_seconds();
		if (wait > 0 && bg_wait(&w->bg, &w->thumber, wait)) {
			rc = -1;
			goto out;
		}
		*last_hf = mono_seconds();
		rc = fetch_download(hf_url, tmp.s, THUMB_MAX_IMAGE, &w->fetch_policy, "paperboy/" PB_VERSION " (thumbnails)", err);
		if (!rc)
			rc = render("png", tmp.s, out.s, err);
	} else {
		double wait = *last_pdf + w->cfg.thumb_pdf_delay - mono_seconds();
		if (wait > 0 && bg_wait(&w->bg, &w->thumber, wait)) {
			rc = -1;
			goto out;
		}
		*last_pdf = mono_seconds();
		buf_addf(&url, "%s%s", w->cfg.thumb_pdf_base ? w->cfg.thumb_pdf_base : "https://arxiv.org/pdf/", id);
		rc = fetch_download(url.s, tmp.s, THUMB_MAX_PDF, &w->fetch_policy, "paperboy/" PB_VERSION " (thumbnails)", err);
		if (!rc)
			rc = render("pdf", tmp.s, out.s, err);
	}
	if (!rc && rename(out.s, fin.s)) {
		buf_setf(err, "%s: %s", fin.s, strerror(errno));
		rc = -1;
	}
	if (!rc)
		thumb_set_add(w, id);
	unlink(tmp.s);
	unlink(out.s);
	if (rc && !w->bg.stopping) {
		thumb_file(w->thumb_dir, id, ".fail", &fin);
		FILE *f = fopen(fin.s, "w");
		if (f) {
			fprintf(f, "%s\n", err->s);
			fclose(f);
		}
	}
out:
	buf_release(&tmp);
	buf_release(&out);
	buf_release(&fin);
	buf_release(&url);
	return rc;
}

/* First, quickly, a title card for every paper of these days that has no
 * picture yet; the downloads (slow: one every few seconds) come after. */
static void draw_cards(struct web *w, struct store *s, const struct strlist *days)
{
	for (size_t d = 0; d < days->n && !w->bg.stopping; d++) {
		pb_time t0;
		if (day_parse(days->v[d], &t0))
			continue;
		struct todo t = { STRLIST_INIT, STRLIST_INIT, w };
		struct store_query q = { .sort = SORT_UPVOTES, .limit = 200 };
		snprintf(q.day_from, sizeof(q.day_from), "%s", days->v[d]);
		time_format_day(t0 + 86400000, q.day_to);
		struct buf err = BUF_INIT;
		store_paper_list(s, &q, todo_cb, &t, &err);
		buf_release(&err);
	}
}

static void *thumbs_main(void *arg)
{
	struct web *w = arg;
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	double last_hf = 0, last_pdf = 0;
	size_t made = 0, failed = 0;
	int64_t drawn_seq = -1; /* the store's write sequence when title cards were last drawn */
	while (!bg_wait(&w->bg, &w->thumber, s ? 5 : 0)) {
		if (!s && store_open(w->cfg.db_url, 0, &s, &err)) {
			fprintf(stderr, "paperboy: thumbnails: %s\n", err.s);
			buf_reset(&err);
			s = NULL;
			continue;
		}
		/* the feed's days, newest first; each day's papers */
		struct days_ctx dc = { STRLIST_INIT };
		store_recent_days(s, 400, days_cb, &dc, &err);
		int64_t seq;
		if (store_seq(s, &seq, &err) == 0 && seq != drawn_seq) {
			draw_cards(w, s, &dc.days); /* only when papers were written since */
			drawn_seq = seq;
		}
		bool busy = false;
		for (size_t d = 0; d < dc.days.n && !busy; d++) {
			struct todo t = { STRLIST_INIT, STRLIST_INIT, NULL };
			struct store_query q = { .sort = SORT_UPVOTES, .limit = 200 };
			pb_time t0;
			if (day_parse(dc.days.v[d], &t0))
				continue;
			snprintf(q.day_from, sizeof(q.day_from), "%s", dc.days.v[d]);
			time_format_day(t0 + 86400000, q.day_to);
			store_paper_list(s, &q, todo_cb, &t, &err);
			for (size_t i = 0; i < t.ids.n; i++) {
				if (!wanted(w, t.ids.v[i]))
					continue;
				busy = true;
				buf_reset(&err);
				if (make_one(w, t.ids.v[i], t.thumbs.v[i], &last_hf, &last_pdf, &err) == 0) {
					made++;
				} else if (!w->bg.stopping) {
					if (failed++ < 5 || failed % 100 == 0)
						fprintf(stderr, "paperboy: thumbnail of %s: %s (%zu failed so far)\n", t.ids.v[i],
							err.s, failed);
				}
				if (w->bg.stopping)
					break;
			}
			strlist_release(&t.ids);
			strlist_release(&t.thumbs);
		}
		strlist_release(&dc.days);
		buf_reset(&err);
	}
	(void)made;
	media_fonts_release(); /* the title cards' fonts: nothing left at exit */
	store_close(s);
	buf_release(&err);
	return NULL;
}

void thumbs_start(struct web *w)
{
	if (!w->thumb_dir)
		return;
	if (mkdir(w->thumb_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "paperboy: thumbnails are off: %s: %s\n", w->thumb_dir, strerror(errno));
		free(w->thumb_dir);
		w->thumb_dir = NULL;
		return;
	}
	bg_start(&w->bg, &w->thumber, thumbs_main, w, "thumbnails");
}

void thumbs_stop(struct web *w)
{
	bg_stop(&w->bg, &w->thumber);
}
