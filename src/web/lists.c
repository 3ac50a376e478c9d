/*
 * lists.c - what the lists of papers share (lists.h): search hits turned
 * into papers, the feed's days and the trending window, the order a
 * request asks for.
 */
#include "lists.h"
#include "html.h"
#include "respond.h"

struct hit_papers {
	struct paper *ps;
	bool *found;
};

static int hit_paper(const struct paper *p, size_t i, void *ctx)
{
	struct hit_papers *h = ctx;
	paper_copy(&h->ps[i], p);
	h->found[i] = true;
	return 0;
}

struct paper *lists_hit_papers(struct req *r, const struct search_hit *hits, size_t n, bool *found, struct buf *err)
{
	struct paper *ps = xcalloc(n ? n : 1, sizeof(*ps));
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		paper_init(&ps[i]);
		found[i] = false;
		ids[i] = hits[i].id;
	}
	struct hit_papers h = { ps, found };
	int rc = store_papers_get(r->s, ids, n, false, hit_paper, &h, err);
	free(ids);
	if (rc) {
		lists_hit_papers_free(ps, n);
		return NULL;
	}
	return ps;
}

void lists_hit_papers_free(struct paper *ps, size_t n)
{
	if (!ps)
		return;
	for (size_t i = 0; i < n; i++)
		paper_release(&ps[i]);
	free(ps);
}

int collect_add(const struct paper *p, void *ctx)
{
	struct collect *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	paper_init(&c->v[c->n]);
	paper_copy(&c->v[c->n], p);
	c->n++;
	return 0;
}

void collect_release(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		paper_release(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void lists_day_add(const char *day, int delta, char out[16])
{
	pb_time t;
	if (day_parse(day, &t)) {
		out[0] = '\0';
		return;
	}
	time_format_day(t + (pb_time)delta * 86400000, out);
}

struct recent {
	struct feed_days *fd;
	size_t min_days, max_days;
	int min_papers;
};

static int recent_cb(const char *day, int papers, void *ctx)
{
	struct recent *rc = ctx;
	struct feed_days *fd = rc->fd;
	if (fd->n >= rc->max_days || (fd->n >= rc->min_days && fd->papers >= rc->min_papers))
		return 1;
	snprintf(fd->day[fd->n], sizeof(fd->day[0]), "%s", day);
	fd->count[fd->n++] = papers;
	fd->papers += papers;
	return 0;
}

void lists_latest_day(struct req *r, const char *before, char out[16])
{
	struct buf err = BUF_INIT;
	if (store_latest_day(r->s, before, out, &err))
		out[0] = '\0';
	buf_release(&err);
}

bool lists_feed_stale(const char *newest)
{
	pb_time t, today;
	char d[16];
	time_format_day(time_now_ms(), d);
	if (!newest || !newest[0] || day_parse(newest, &t) || day_parse(d, &today))
		return false;
	return today - t > (pb_time)FEED_STALE_DAYS * 86400000;
}

void lists_feed_days(struct req *r, size_t min_days, size_t max_days, int min_papers, struct feed_days *fd)
{
	memset(fd, 0, sizeof(*fd));
	if (max_days > ARRAY_SIZE(fd->day))
		max_days = ARRAY_SIZE(fd->day);
	struct recent rc = { fd, min_days, max_days, min_papers };
	struct buf err = BUF_INIT;
	if (store_recent_days(r->s, max_days, recent_cb, &rc, &err))
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	buf_release(&err);
}

pb_time lists_trending_now(struct req *r, char from[16], char to[16])
{
	/* the newest 7 days of the feed (days that hold papers, however far
	 * apart), widened to up to 30 such days until they hold 20 papers */
	struct feed_days fd;
	lists_feed_days(r, TRENDING_DAYS, TRENDING_MAX_DAYS, TRENDING_MIN, &fd);
	pb_time now = time_now_ms(), end;
	if (!fd.n || day_parse(fd.day[0], &end)) {
		char today[16];
		time_format_day(now, today);
		snprintf(from, 16, "%s", today);
		lists_day_add(today, 1, to);
		return now;
	}
	end += 86400000; /* the end of the newest day */
	snprintf(from, 16, "%s", fd.day[fd.n - 1]);
	lists_day_add(fd.day[0], 1, to);
	return end < now ? end : now;
}

long lists_page_arg(struct req *r, struct resp *o, long max)
{
	long p = 0;
	const char *s = req_arg(r, "p");
	if (s && parse_int(s, 0, max, &p)) {
		char msg[96];
		snprintf(msg, sizeof(msg), "The page number (p) goes from 0 to %ld.", max);
		resp_error(r, o, 400, msg);
		return -1;
	}
	return p;
}

int lists_sort_arg(const char *s)
{
	if (!s || !*s || !strcmp(s, "relevance"))
		return 0;
	return !strcmp(s, "newest") ? 1 : !strcmp(s, "upvotes") ? 2 : -1;
}

static int code_add(const struct paper *p, const struct star_gain *g, void *ctx)
{
	struct code_list *l = ctx;
	size_t i = l->papers.n;
	collect_add(p, &l->papers);
	if (l->papers.cap > l->cap) {
		/* the side arrays grow with the papers' */
		l->cap = l->papers.cap;
		l->gain = xrealloc(l->gain, l->cap * sizeof(*l->gain));
		l->pts = xrealloc(l->pts, l->cap * sizeof(*l->pts));
		l->npts = xrealloc(l->npts, l->cap * sizeof(*l->npts));
	}
	l->gain[i] = *g;
	l->pts[i] = NULL;
	l->npts[i] = 0;
	l->papers.v[i].github_stars = g->stars;
	return 0;
}

struct points {
	struct star_point *v;
	size_t n, cap;
};

static int point_add(const struct star_point *pt, void *ctx)
{
	struct points *ps = ctx;
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->v = xrealloc(ps->v, ps->cap * sizeof(*ps->v));
	}
	ps->v[ps->n++] = *pt;
	return 0;
}

int lists_code(struct req *r, size_t limit, size_t offset, struct code_list *out, struct buf *err)
{
	memset(out, 0, sizeof(*out));
	if (store_stars_trending(r->s, 0, limit, offset, code_add, out, err))
		return -1;
	for (size_t i = 0; i < out->papers.n; i++) {
		struct points ps = { 0 };
		int rc = store_stars_history(r->s, out->papers.v[i].id, out->gain[i].now, point_add, &ps, err);
		out->pts[i] = ps.v;
		out->npts[i] = ps.n;
		if (rc)
			return -1;
	}
	return 0;
}

void lists_code_release(struct code_list *l)
{
	for (size_t i = 0; i < l->papers.n; i++)
		free(l->pts[i]);
	collect_release(&l->papers);
	free(l->gain);
	free(l->pts);
	free(l->npts);
	memset(l, 0, sizeof(*l));
}

int lists_by_arg(const char *by)
{
	if (!by || !strcmp(by, "upvotes"))
		return 0;
	return !strcmp(by, "code") ? 1 : -1;
}
