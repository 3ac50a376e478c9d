/*
 * addresses.c - the addresses Hugging Face's papers pages answer besides
 * the pages themselves: /papers (to the front page, or to the period its
 * ?date=, ?week= or ?month= names), /robots.txt and /sitemap.xml.
 */
#include "handlers.h"
#include "html.h"
#include "lists.h"
#include "respond.h"

/* A sitemap holds at most 50,000 URLs (sitemaps.org); the days and the
 * newest papers are bounded below that, so one costs a bounded read. */
#define SITEMAP_DAYS 5000
#define SITEMAP_PAPERS 20000

static void xml_esc(struct buf *b, const char *s)
{
	buf_add_html(b, s, strlen(s)); /* the five XML entities */
}

/* 302 Found to a local path. */
static void found(struct resp *o, const char *location)
{
	resp_redirect(o, location);
	o->status = 302;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

void h_papers_index(struct req *r, struct resp *o)
{
	const char *date = req_arg(r, "date"), *week = req_arg(r, "week"), *month = req_arg(r, "month");
	char first[16], last[16], to[64];
	pb_time t;
	if (date) {
		if (day_parse(date, &t)) {
			resp_error(r, o, 400, "A day looks like 2025-06-02.");
			return;
		}
		snprintf(to, sizeof(to), "/papers/date/%s", date);
	} else if (week) {
		if (strlen(week) != 8 || !digits(week, 4) || week[4] != '-' || week[5] != 'W' || !digits(week + 6, 2) ||
		    week_range(week, first, last)) {
			resp_error(r, o, 400, "A week looks like 2025-W23.");
			return;
		}
		snprintf(to, sizeof(to), "/papers/week/%s", week);
	} else if (month) {
		if (strlen(month) != 7 || !digits(month, 4) || month[4] != '-' || !digits(month + 5, 2) ||
		    month_range(month, first, last)) {
			resp_error(r, o, 400, "A month looks like 2025-06.");
			return;
		}
		snprintf(to, sizeof(to), "/papers/month/%s", month);
	} else {
		snprintf(to, sizeof(to), "/");
	}
	found(o, to);
}

void h_robots(struct req *r, struct resp *o)
{
	o->ctype = "text/plain; charset=utf-8";
	o->max_age = 3600;
	buf_addf(&o->body, "User-agent: *\nDisallow: /me/\nDisallow: /admin/\nDisallow: /api/me\n"
			   "Disallow: /feeds/following/\nDisallow: /signin\nDisallow: /signup\nDisallow: /submit\nDisallow: /layout\n\n"
			   "Sitemap: %s/sitemap.xml\n",
		 r->w->base_url);
}

struct sitemap {
	struct req *r;
	struct buf *b;
	size_t n;
};

static void url_entry(struct sitemap *sm, const char *path, const char *lastmod)
{
	buf_addf(sm->b, "<url><loc>");
	xml_esc(sm->b, sm->r->w->base_url);
	xml_esc(sm->b, path);
	buf_addf(sm->b, "</loc>");
	if (lastmod && lastmod[0])
		buf_addf(sm->b, "<lastmod>%s</lastmod>", lastmod);
	buf_addf(sm->b, "</url>\n");
	sm->n++;
}

static int day_entry(const char *day, int papers, void *ctx)
{
	(void)papers;
	char path[64];
	snprintf(path, sizeof(path), "/papers/date/%s", day);
	url_entry(ctx, path, day);
	return 0;
}

static int paper_entry(const struct paper *p, void *ctx)
{
	char path[PAPER_ID_MAX + 16], lastmod[16] = "";
	snprintf(path, sizeof(path), "/papers/%s", p->id);
	if (p->updated > 0)
		time_format_day(p->updated, lastmod);
	else
		snprintf(lastmod, sizeof(lastmod), "%s", p->hf_day);
	url_entry(ctx, path, lastmod);
	return 0;
}

void h_sitemap(struct req *r, struct resp *o)
{
	struct sitemap sm = { r, &o->body, 0 };
	char newest[16], tomorrow[16];
	lists_latest_day(r, "", newest);
	o->ctype = "application/xml; charset=utf-8";
	buf_addf(sm.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
	url_entry(&sm, "/", newest);
	url_entry(&sm, "/papers/trending", newest);
	struct buf err = BUF_INIT;
	if (store_recent_days(r->s, SITEMAP_DAYS, day_entry, &sm, &err))
		fprintf(stderr, "paperboy: serve: sitemap: %s\n", err.s);
	if (newest[0]) {
		struct store_query q;
		memset(&q, 0, sizeof(q));
		snprintf(q.day_from, sizeof(q.day_from), "0000-01-01");
		lists_day_add(newest, 1, tomorrow);
		snprintf(q.day_to, sizeof(q.day_to), "%s", tomorrow);
		q.sort = SORT_PUBLISHED;
		q.limit = SITEMAP_PAPERS;
		buf_reset(&err);
		if (store_paper_list(r->s, &q, paper_entry, &sm, &err))
			fprintf(stderr, "paperboy: serve: sitemap: %s\n", err.s);
	}
	buf_addf(sm.b, "</urlset>\n");
	buf_release(&err);
}
