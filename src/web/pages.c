/*
 * pages.c - the HTML pages: the daily, weekly and monthly feeds, trending,
 * a paper's page with votes and comments, search, submission, and the
 * static files.
 */
#include "handlers.h"
#include "atom.h"
#include "auth.h"
#include "cards.h"
#include "follower.h"
#include "html.h"
#include "http.h"
#include "json.h"
#include "lists.h"
#include "mailer.h"
#include "reader.h"
#include "respond.h"
#include "fetcher.h"
#include "../fetch/fetch.h"
#include "../ingest/ingest.h"
#include <ctype.h>
#include <limits.h>

/* ---- shared logic ---------------------------------------------------------- */

/* The oldest feed day after `after` ("" when none). */
static void next_day(struct req *r, const char *after, char out[16])
{
	struct buf err = BUF_INIT;
	char a[16];
	snprintf(a, sizeof(a), "%s", after);
	if (store_next_day(r->s, a, out, &err))
		out[0] = '\0';
	buf_release(&err);
}

/* The day before `day`, in out; returns out. */
static const char *day_before(const char *day, char out[16])
{
	lists_day_add(day, -1, out);
	return out;
}

/* ---- feeds of papers --------------------------------------------------------- */


/* The papers of a period: sorted, paged; or, with a query, the search
 * engine's matches that fall in the period, best first. */
static int period_papers(struct req *r, struct store_query *q, const char *filter, struct collect *out,
			 bool *more, struct buf *err)
{
	size_t want = q->limit, off = q->offset;
	*more = false;
	if (!filter || str_is_blank(filter)) {
		q->limit = want + 1;
		if (store_paper_list(r->s, q, collect_add, out, err))
			return -1;
		if (out->n > want) {
			*more = true;
			paper_release(&out->v[--out->n]);
		}
		return 0;
	}
	/* the search engine's matches, best first, kept when they fall in the
	 * period: bounded work however long the period */
	size_t cap = 2000;
	struct search_hit *hits = xmalloc(cap * sizeof(*hits));
	if (follower_search_mode(r, filter, SEARCH_HYBRID, hits, &cap, err)) {
		free(hits);
		return -1;
	}
	size_t kept = 0;
	int rc = 0;
	bool done = false, found[100];
	/* read by the hundred: one round trip each */
	for (size_t at = 0; at < cap && !done; at += 100) {
		size_t k = cap - at < 100 ? cap - at : 100;
		struct paper *ps = lists_hit_papers(r, hits + at, k, found, err);
		if (!ps) {
			rc = -1;
			break;
		}
		for (size_t j = 0; j < k && !done; j++) {
			const struct paper *p = &ps[j];
			char day[16];
			if (!found[j])
				continue;
			paper_feed_day(p, day);
			if (strcmp(day, q->day_from) < 0 || strcmp(day, q->day_to) >= 0 ||
			    (q->submitter && (!p->submitter || strcmp(p->submitter, q->submitter))))
				continue;
			if (kept++ < off)
				continue;
			if (out->n == want) {
				*more = true;
				done = true;
				break;
			}
			collect_add(p, out);
		}
		lists_hit_papers_free(ps, k);
	}
	free(hits);
	return rc;
}

struct period {
	const char *kind;  /* "day", "week", "month", "trending" */
	const char *title; /* h1 */
	const char *self;  /* this page's path */
	bool by_code;      /* trending by the GitHub stars gained this week */
	char prev[64], next[64];
	const char *prev_label, *next_label;
	struct store_query q;
	/* the home page: earlier days shown below a thin newest day */
	const struct feed_days *earlier;
	size_t earlier_from;
};

/* Papers and upvotes of the days that have papers (at most a month's). */
struct day_counts {
	struct strlist days;
	int papers[62], upvotes[62];
};

static int count_cb(const char *day, int papers, int upvotes, void *ctx)
{
	struct day_counts *c = ctx;
	if (c->days.n >= 62)
		return 1;
	c->papers[c->days.n] = papers;
	c->upvotes[c->days.n] = upvotes;
	strlist_push(&c->days, day, strlen(day));
	return 0;
}

/* Papers and upvotes per day of the period, every day shown (empty ones
 * as zero), as two bar charts. */
static void period_charts(struct req *r, struct buf *b, const struct period *pd)
{
	struct day_counts c = { STRLIST_INIT, { 0 }, { 0 } };
	struct buf err = BUF_INIT;
	store_day_counts(r->s, pd->q.day_from, pd->q.day_to, count_cb, &c, &err);
	struct strlist days = STRLIST_INIT;
	int papers[62], upvotes[62];
	char day[16];
	memcpy(day, pd->q.day_from, sizeof(day));
	for (size_t i = 0; i < 62 && strcmp(day, pd->q.day_to) < 0; i++) {
		papers[days.n] = upvotes[days.n] = 0;
		for (size_t j = 0; j < c.days.n; j++)
			if (!strcmp(c.days.v[j], day)) {
				papers[days.n] = c.papers[j];
				upvotes[days.n] = c.upvotes[j];
			}
		strlist_push(&days, day, strlen(day));
		lists_day_add(day, 1, day);
	}
	if (c.days.n) {
		html_printf(b, "<div class=\"charts\">");
		html_svg_bars(b, "Papers per day", (const char *const *)days.v, papers, days.n);
		html_svg_bars(b, "Upvotes per day", (const char *const *)days.v, upvotes, days.n);
		html_printf(b, "</div>");
	}
	strlist_release(&days);
	strlist_release(&c.days);
	buf_release(&err);
}

static void pretty_day(const char *day, char *out, size_t cap);

/* The period's title, its tabs (daily, weekly, monthly, trending), the
 * previous and next periods, and the filter form. */
static void period_head(struct req *r, struct buf *b, const struct period *pd, const char *filter)
{
	html_printf(b, "<main class=\"wide\"><div class=\"period-head\"><h1>%s</h1><nav class=\"tabs\" aria-label=\"Period\">", pd->title);
	char today[16], week[16], month[16];
	lists_latest_day(r, "", today);
	bool stale = lists_feed_stale(today);
	pb_time t;
	if (!today[0] || day_parse(today, &t))
		t = time_now_ms();
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(week, sizeof(week), "%G-W%V", &tm);
	strftime(month, sizeof(month), "%Y-%m", &tm);
	html_printf(b, "<a href=\"/papers/date/%s\"%S>Daily</a><a href=\"/papers/week/%s\"%S>Weekly</a>"
		"<a href=\"/papers/month/%s\"%S>Monthly</a><a href=\"/papers/trending\"%S>Trending</a></nav>",
	     today, !strcmp(pd->kind, "day") ? " aria-current=\"page\"" : "", week,
	     !strcmp(pd->kind, "week") ? " aria-current=\"page\"" : "", month,
	     !strcmp(pd->kind, "month") ? " aria-current=\"page\"" : "",
	     !strcmp(pd->kind, "trending") ? " aria-current=\"page\"" : "");
	cards_layout_switch(r, b);
	html_printf(b, "</div>");
	if (!strcmp(pd->kind, "trending"))
		html_printf(b, "<nav class=\"tabs by\" aria-label=\"Trending by\"><a href=\"/papers/trending\"%S>By upvotes</a>"
			    "<a href=\"/papers/trending?by=code\"%S>By code</a></nav>",
			    pd->by_code ? "" : " aria-current=\"page\"", pd->by_code ? " aria-current=\"page\"" : "");
	if (stale) {
		char pretty[64];
		pretty_day(today, pretty, sizeof(pretty));
		html_printf(b, "<p class=\"notice\" role=\"status\">The feed was last updated on <time datetime=\"%s\">%s</time>; "
			"newer papers appear here once it is updated again.</p>", today, pretty);
	}
	if (pd->prev[0] || pd->next[0]) {
		html_printf(b, "<nav class=\"pager\" aria-label=\"Previous and next\">");
		if (pd->prev[0])
			html_printf(b, "<a rel=\"prev\" href=\"%L\">← %s</a>", pd->prev, pd->prev_label);
		if (pd->next[0])
			html_printf(b, "<a rel=\"next\" href=\"%L\">%s →</a>", pd->next, pd->next_label);
		html_printf(b, "</nav>");
	}
	if (strcmp(pd->kind, "trending")) {
		html_printf(b, "<form class=\"filter\" method=\"get\" action=\"%s\"><label for=\"filter\">Search this %s</label>"
			"<input id=\"filter\" name=\"q\" type=\"search\" placeholder=\"Search this %s\" value=\"%s\">"
			"<button class=\"btn small\">Filter</button></form>",
		     pd->self, pd->kind, pd->kind, filter ? filter : "");
	}
}

/* The home page of a thin day: the days before it too. */
static void earlier_days(struct req *r, struct buf *b, const struct period *pd)
{
	for (size_t d = pd->earlier_from; pd->earlier && d < pd->earlier->n; d++) {
		const char *day = pd->earlier->day[d];
		char pretty[64];
		pretty_day(day, pretty, sizeof(pretty));
		html_printf(b, "<h2 class=\"day-head\"><a href=\"/papers/date/%s\">%s</a> <span class=\"muted\">%d paper%S</span></h2>",
		     day, pretty, pd->earlier->count[d], pd->earlier->count[d] == 1 ? "" : "s");
		struct store_query dq = { .sort = SORT_UPVOTES, .limit = PAGE_SIZE };
		snprintf(dq.day_from, sizeof(dq.day_from), "%s", day);
		lists_day_add(day, 1, dq.day_to);
		struct collect dayp = { 0 };
		struct buf err = BUF_INIT;
		if (store_paper_list(r->s, &dq, collect_add, &dayp, &err) == 0) {
			cards_open(r, b, true, NULL);
			/* ranked like the main list: #1-#3 of that day */
			struct card_opts dco = { .badge = "day" };
			reader_votes_prefetch(r, dayp.v, dayp.n);
			size_t left_out = 0;
			for (size_t i = 0; i < dayp.n; i++) {
				dco.rank = (int)i + 1;
				left_out += !card_write(r, b, &dayp.v[i], &dco);
			}
			html_printf(b, "</div>");
			cards_left_out(r, b, left_out);
		}
		buf_release(&err);
		collect_release(&dayp);
	}
}

/* Newer and older pages of a period. */
static void period_pager(struct buf *b, const struct period *pd, const char *filter, long page, bool more)
{
	if (page == 0 && !more)
		return;
	html_printf(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
	struct buf qs = BUF_INIT;
	if (filter) {
		buf_adds(&qs, "q=");
		buf_add_url(&qs, filter);
		buf_addc(&qs, '&');
	}
	if (page > 0)
		html_printf(b, "<a href=\"%s?%Sp=%ld\">← Newer</a>", pd->self, qs.s, page - 1);
	if (more)
		html_printf(b, "<a href=\"%s?%Sp=%ld\">More →</a>", pd->self, qs.s, page + 1);
	buf_release(&qs);
	html_printf(b, "</nav>");
}

static void period_page(struct req *r, struct resp *o, struct period *pd)
{
	const char *filter = req_arg(r, "q");
	long page = lists_page_arg(r, o, 199);
	if (page < 0)
		return;
	pd->q.limit = PAGE_SIZE;
	pd->q.offset = (size_t)page * PAGE_SIZE;
	struct collect papers = { 0 };
	bool more;
	struct buf err = BUF_INIT;
	if (period_papers(r, &pd->q, filter, &papers, &more, &err)) {
		if (!filter || store_first_failure(r->s) != PB_OK) /* the store's failure, not the filter's words */
			resp_store_failed(r, o, "papers", &err);
		else
			resp_error(r, o, 400, err.s);
		buf_release(&err);
		collect_release(&papers);
		return;
	}
	r->papers_page = true;
	html_page_begin(r, o, pd->title, NULL);
	struct buf *b = &o->body;
	period_head(r, b, pd, filter);
	if (!strcmp(pd->kind, "week") || !strcmp(pd->kind, "month"))
		period_charts(r, b, pd);
	if (!papers.n)
		html_printf(b, "<p class=\"empty\">No papers %s.</p>", filter && *filter ? "match this filter" : "here yet");
	struct card_opts co = { .highlight = filter };
	bool ranked = pd->q.sort == SORT_UPVOTES && page == 0 && (!filter || !*filter) && strcmp(pd->kind, "trending");
	size_t fresh = 0;
	for (size_t i = 0; i < papers.n; i++)
		fresh += reader_is_new(r, &papers.v[i]);
	if (r->signed_in && fresh && reader_prefs(r)->read_mark) {
		/* what is new since the reader last marked everything read (not
		 * on an account that never did, nor when nothing is) */
		html_printf(b, "<form method=\"post\" action=\"/me/read\" class=\"row mark-read\">");
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"back\" value=\"%s\"><span class=\"muted\">%zu new since you last "
			"marked all read</span><button class=\"btn small\">Mark all as read</button></form>",
		     pd->self, fresh);
	}
	cards_open(r, b, true, "papers");
	reader_votes_prefetch(r, papers.v, papers.n);
	size_t left_out = 0;
	for (size_t i = 0; i < papers.n; i++) {
		co.rank = ranked ? (int)i + 1 : 0;
		co.badge = pd->kind;
		left_out += !card_write(r, b, &papers.v[i], &co);
	}
	html_printf(b, "</div>");
	cards_left_out(r, b, left_out);
	if (page == 0)
		earlier_days(r, b, pd);
	period_pager(b, pd, filter, page, more);
	html_printf(b, "</main>");
	html_page_end(r, o);
	collect_release(&papers);
	buf_release(&err);
}

static void pretty_day(const char *day, char *out, size_t cap)
{
	pb_time t;
	if (day_parse(day, &t)) {
		snprintf(out, cap, "%s", day);
		return;
	}
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, cap, "%a %-d %b %Y", &tm);
}

static void day_page(struct req *r, struct resp *o, const char *day, const struct feed_days *earlier)
{
	struct period pd = { .kind = "day", .earlier = earlier, .earlier_from = 1 };
	char title[64], self[64], prev[16], next[16];
	pretty_day(day, title, sizeof(title));
	char h1[96];
	snprintf(h1, sizeof(h1), "Daily papers — %s", title);
	pd.title = h1;
	snprintf(self, sizeof(self), "/papers/date/%s", day);
	pd.self = self;
	lists_latest_day(r, day, prev);
	next_day(r, day, next);
	if (prev[0])
		snprintf(pd.prev, sizeof(pd.prev), "/papers/date/%s", prev);
	if (next[0])
		snprintf(pd.next, sizeof(pd.next), "/papers/date/%s", next);
	pd.prev_label = prev;
	pd.next_label = next;
	snprintf(pd.q.day_from, sizeof(pd.q.day_from), "%s", day);
	lists_day_add(day, 1, pd.q.day_to);
	pd.q.sort = SORT_UPVOTES;
	period_page(r, o, &pd);
}

void h_home(struct req *r, struct resp *o)
{
	/* "today": the newest day of the feed; when it holds fewer than
	 * HOME_MIN papers, the days before it follow (one submission never
	 * makes the whole front page) */
	struct feed_days fd;
	lists_feed_days(r, 1, HOME_MAX_DAYS, HOME_MIN, &fd);
	if (!fd.n) {
		html_page_begin(r, o, "Daily papers", NULL);
		html_printf(&o->body, "<main class=\"narrow\"><h1>No papers yet</h1><p>Load some with <code>paperboy ingest</code> "
			       "or <code>paperboy fetch</code>, or <a href=\"/submit\">submit one</a>.</p></main>");
		html_page_end(r, o);
		return;
	}
	day_page(r, o, fd.day[0], &fd);
}

/* Whether a day (or the first day of a period) is in the future: there is
 * nothing to show there, ever (a day of slack for time zones ahead). */
static bool in_future(const char *day)
{
	pb_time t;
	return !day_parse(day, &t) && t > time_now_ms() + 86400000;
}

void h_day(struct req *r, struct resp *o)
{
	pb_time t;
	if (day_parse(r->cap[0], &t)) {
		resp_error(r, o, 400, "A day looks like 2025-06-02.");
		return;
	}
	if (in_future(r->cap[0])) {
		resp_error(r, o, 404, "That day has not come yet.");
		return;
	}
	day_page(r, o, r->cap[0], NULL);
}

static void iso_week_of(pb_time t, char out[16])
{
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(out, 16, "%G-W%V", &tm);
}

/* A week's or a month's page (pd->kind, the dates set), named by the path's
 * last segment, with links to its neighbours `prev` and `next`. */
static void span_page(struct req *r, struct resp *o, struct period *pd, const char *what, const char *prev,
		      const char *next)
{
	char h1[64], self[64];
	snprintf(h1, sizeof(h1), "%s papers — %s", what, r->cap[0]);
	snprintf(self, sizeof(self), "/papers/%s/%s", pd->kind, r->cap[0]);
	pd->title = h1;
	pd->self = self;
	if (prev[0])
		snprintf(pd->prev, sizeof(pd->prev), "/papers/%s/%s", pd->kind, prev);
	if (next[0])
		snprintf(pd->next, sizeof(pd->next), "/papers/%s/%s", pd->kind, next);
	pd->prev_label = prev;
	pd->next_label = next;
	pd->q.sort = SORT_UPVOTES;
	period_page(r, o, pd);
}

void h_week(struct req *r, struct resp *o)
{
	struct period pd = { .kind = "week" };
	if (week_range(r->cap[0], pd.q.day_from, pd.q.day_to)) {
		resp_error(r, o, 400, "A week looks like 2025-W23.");
		return;
	}
	if (in_future(pd.q.day_from)) {
		resp_error(r, o, 404, "That week has not come yet.");
		return;
	}
	/* the neighbours that hold papers: the week of the newest day before,
	 * and of the oldest day after */
	char pw[16] = "", nw[16] = "", d[16];
	pb_time t;
	lists_latest_day(r, pd.q.day_from, d);
	if (d[0] && !day_parse(d, &t))
		iso_week_of(t, pw);
	next_day(r, day_before(pd.q.day_to, d), d);
	if (d[0] && !day_parse(d, &t))
		iso_week_of(t, nw);
	span_page(r, o, &pd, "Weekly", pw, nw);
}

void h_month(struct req *r, struct resp *o)
{
	struct period pd = { .kind = "month" };
	if (month_range(r->cap[0], pd.q.day_from, pd.q.day_to)) {
		resp_error(r, o, 400, "A month looks like 2025-06.");
		return;
	}
	if (in_future(pd.q.day_from)) {
		resp_error(r, o, 404, "That month has not come yet.");
		return;
	}
	/* the neighbours that hold papers */
	char pm[16] = "", nm[16] = "", d[16];
	lists_latest_day(r, pd.q.day_from, d);
	if (d[0])
		snprintf(pm, sizeof(pm), "%.7s", d);
	next_day(r, day_before(pd.q.day_to, d), d);
	if (d[0])
		snprintf(nm, sizeof(nm), "%.7s", d);
	span_page(r, o, &pd, "Monthly", pm, nm);
}

/* Trending by code: the papers whose code gained the most GitHub stars
 * this week, each with the gain and a sparkline of its stars. */
static void trending_code_page(struct req *r, struct resp *o, struct period *pd)
{
	long page = lists_page_arg(r, o, 199);
	if (page < 0)
		return;
	struct code_list l;
	struct buf err = BUF_INIT;
	if (lists_code(r, PAGE_SIZE + 1, (size_t)page * PAGE_SIZE, &l, &err)) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "the database failed");
		lists_code_release(&l);
		buf_release(&err);
		return;
	}
	bool more = l.papers.n > PAGE_SIZE;
	size_t n = more ? PAGE_SIZE : l.papers.n;
	r->papers_page = true;
	html_page_begin(r, o, pd->title, NULL);
	struct buf *b = &o->body;
	period_head(r, b, pd, NULL);
	if (!n)
		html_printf(b, "<p class=\"empty\">No papers with code stars here yet: each sync from Hugging Face records "
			    "their GitHub stars.</p>");
	cards_open(r, b, true, "papers");
	reader_votes_prefetch(r, l.papers.v, n);
	size_t left_out = 0;
	for (size_t i = 0; i < n; i++) {
		struct card_stars cs = { l.gain[i].gained, l.pts[i], l.npts[i] };
		struct card_opts co = { .stars = &cs };
		left_out += !card_write(r, b, &l.papers.v[i], &co);
	}
	html_printf(b, "</div>");
	cards_left_out(r, b, left_out);
	if (page > 0 || more) {
		html_printf(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
		if (page > 0)
			html_printf(b, "<a href=\"/papers/trending?by=code&amp;p=%ld\">← Newer</a>", page - 1);
		if (more)
			html_printf(b, "<a href=\"/papers/trending?by=code&amp;p=%ld\">More →</a>", page + 1);
		html_printf(b, "</nav>");
	}
	html_printf(b, "</main>");
	html_page_end(r, o);
	lists_code_release(&l);
	buf_release(&err);
}

void h_trending(struct req *r, struct resp *o)
{
	struct period pd = { .kind = "trending", .title = "Trending papers", .self = "/papers/trending" };
	int by = lists_by_arg(req_arg(r, "by"));
	if (by < 0) {
		resp_error(r, o, 400, "Trending is by upvotes (by=upvotes) or by code (by=code).");
		return;
	}
	if (by == 1) {
		pd.by_code = true;
		pd.title = "Trending papers by code";
		pd.self = "/papers/trending?by=code";
		trending_code_page(r, o, &pd);
		return;
	}
	pd.q.now = lists_trending_now(r, pd.q.day_from, pd.q.day_to);
	pd.q.sort = SORT_TRENDING;
	period_page(r, o, &pd);
}

/* GET /layout?to=grid|list&next=PATH: the feeds' layout, kept a year in a
 * cookie the server reads (so the first paint is right without a script),
 * then back to next, a path of this site (anything else: "/"). */
void h_layout(struct req *r, struct resp *o)
{
	const char *to = req_arg(r, "to");
	if (!to || (strcmp(to, "grid") && strcmp(to, "list"))) {
		resp_error(r, o, 400, "Choose a layout: to=grid or to=list.");
		return;
	}
	resp_cookie(r, o, "layout", to, 365L * 86400, true);
	resp_redirect(o, req_arg(r, "next"));
}

/* ---- search ------------------------------------------------------------------- */

#define SEARCH_PAGE 20
#define SEARCH_MAX_PAGE 24

static const char syntax_help[] =
	"<details class=\"syntax\"><summary>How to search</summary><dl>"
	"<dt><code>diffusion transformer</code></dt><dd>papers with any of the words, best matches first</dd>"
	"<dt><code>\"in-context learning\"</code></dt><dd>the exact phrase</dd>"
	"<dt><code>+video -audio</code></dt><dd>must contain <em>video</em>, must not contain <em>audio</em></dd>"
	"<dt><code>author:\"Yann LeCun\"</code></dt><dd>papers by an author</dd>"
	"<dt><code>cat:cs.LG</code></dt><dd>an arXiv category</dd>"
	"<dt><code>after:2025-01-01 before:2025-06-01</code></dt><dd>published in a range</dd>"
	"<dt><code>in:body SWE-bench</code>, <code>-in:body</code></dt><dd>in the papers' full text only (where it was "
	"fetched), or leaving it out; otherwise a word in a paper's text counts less than in its title or abstract</dd>"
	"<dt><code>2505.24864</code> or an arXiv URL</dt><dd>that paper first</dd>"
	"</dl><p>Modes: <em>words and meaning</em> (the default: the best word matches, reordered by closeness in meaning), <em>words only</em> (BM25F) or <em>meaning only</em> (semantic).</p></details>";

/* The search page's link with q, mode and sort (and page p, exact). */
static void search_link(struct buf *b, const char *q, const char *mode, int sort, long page, bool exact)
{
	static const char *const sorts[] = { "relevance", "newest", "upvotes" };
	html_printf(b, "/search?q=%U&amp;mode=%s&amp;sort=%s", q, mode, sorts[sort]);
	if (page > 0)
		html_printf(b, "&amp;p=%ld", page);
	if (exact)
		html_printf(b, "&amp;exact=1");
}

/* What a search page was asked for. */
struct search_ask {
	const char *q, *mname;
	enum search_mode mode;
	int sort; /* lists_sort_arg */
	bool exact;
	long page;
};

/* The search form, filled in with what was asked. */
static void search_form(struct buf *b, const struct search_ask *k)
{
	html_printf(b, "<main class=\"wide search-page\"><h1>Search</h1><form class=\"filter\" method=\"get\" action=\"/search\" role=\"search\">"
		"<label for=\"sq\" class=\"sr\">Query</label><input id=\"sq\" name=\"q\" type=\"search\" value=\"%s\">"
		"<label for=\"mode\">Match</label><select id=\"mode\" name=\"mode\">"
		"<option value=\"hybrid\"%S>words and meaning</option><option value=\"bm25\"%S>words only</option><option value=\"semantic\"%S>meaning only</option>"
		"</select><label for=\"sort\">Order</label><select id=\"sort\" name=\"sort\">"
		"<option value=\"relevance\"%S>most relevant</option><option value=\"newest\"%S>newest</option><option value=\"upvotes\"%S>most upvoted</option>"
		"</select><button class=\"btn small\">Search</button></form>%S",
	     k->q ? k->q : "", k->mode == SEARCH_HYBRID ? " selected" : "", k->mode == SEARCH_BM25 ? " selected" : "",
	     k->mode == SEARCH_SEMANTIC ? " selected" : "", k->sort == 0 ? " selected" : "", k->sort == 1 ? " selected" : "",
	     k->sort == 2 ? " selected" : "", syntax_help);
}

/* "Showing results for" a corrected query, or "Did you mean". */
static void search_correction(struct buf *b, const struct search_ask *k, const struct search_info *info)
{
	if (info->corrected) {
		html_printf(b, "<p class=\"notice\">Showing results for <a href=\"");
		search_link(b, info->suggestion, k->mname, k->sort, 0, false);
		html_printf(b, "\"><strong>%s</strong></a>. Search instead for <a href=\"", info->suggestion);
		search_link(b, k->q, k->mname, k->sort, 0, true);
		html_printf(b, "\">%s</a>.</p>", k->q);
	} else if (info->suggestion[0]) {
		html_printf(b, "<p class=\"notice\">Did you mean <a href=\"");
		search_link(b, info->suggestion, k->mname, k->sort, 0, false);
		html_printf(b, "\"><strong>%s</strong></a>?</p>", info->suggestion);
	}
}

/* Where paper p's full text holds the query's words (its snippet), into
 * out; false when the paper has no text or it holds none of them. */
static bool body_snippet(struct req *r, const struct paper *p, const char *mark, struct buf *out)
{
	struct buf text = BUF_INIT, err = BUF_INIT;
	bool got = store_text_get(r->s, p->id, &text, &err) == 0 && html_snippet(out, text.s, text.len, mark);
	buf_release(&text);
	buf_release(&err);
	return got;
}

/* The cards of hits[start, start + SEARCH_PAGE), with a snippet of their
 * full text when the index holds bodies. */
static void search_cards(struct req *r, struct resp *o, const struct search_hit *hits, size_t n, size_t start,
			 const char *mark, bool bodies)
{
	struct buf *b = &o->body;
	html_printf(b, "<div class=\"cards\" id=\"papers\" tabindex=\"-1\">");
	struct card_opts co = { .highlight = mark };
	size_t k = n > start ? (n - start < SEARCH_PAGE ? n - start : SEARCH_PAGE) : 0;
	bool found[SEARCH_PAGE];
	struct buf err = BUF_INIT;
	struct paper *ps = lists_hit_papers(r, hits + start, k, found, &err);
	if (!ps && k) { /* the matches are found, their papers could not be read: not "no papers" */
		fprintf(stderr, "paperboy: search: reading the papers of the results: %s\n", err.s);
		html_printf(b, "<p class=\"notice error\" role=\"alert\">The database failed; try again in a moment.</p>");
		o->status = 500; /* (a failure the store says will pass is answered 503 for the whole page) */
	}
	buf_release(&err);
	struct collect shown = { 0 };
	for (size_t i = 0; ps && i < k; i++)
		if (found[i])
			collect_add(&ps[i], &shown);
	reader_votes_prefetch(r, shown.v, shown.n);
	size_t left_out = 0;
	struct buf snippet = BUF_INIT;
	for (size_t i = 0; i < shown.n; i++) {
		struct card_opts one = co;
		buf_reset(&snippet);
		if (bodies && mark && body_snippet(r, &shown.v[i], mark, &snippet))
			one.snippet = snippet.s;
		left_out += !card_write(r, b, &shown.v[i], &one);
	}
	buf_release(&snippet);
	collect_release(&shown);
	lists_hit_papers_free(ps, k);
	html_printf(b, "</div>");
	cards_left_out(r, b, left_out);
}

/* Previous and next pages; the feed of the search, and its follow button. */
static void search_footer(struct req *r, struct buf *b, const struct search_ask *k, size_t n, const char *shown_q)
{
	size_t start = (size_t)k->page * SEARCH_PAGE;
	if (k->page > 0 || n > start + SEARCH_PAGE) {
		html_printf(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
		if (k->page > 0) {
			html_printf(b, "<a rel=\"prev\" href=\"");
			search_link(b, k->q, k->mname, k->sort, k->page - 1, k->exact);
			html_printf(b, "\">← Previous</a>");
		}
		if (n > start + SEARCH_PAGE) {
			html_printf(b, "<a rel=\"next\" href=\"");
			search_link(b, k->q, k->mname, k->sort, k->page + 1, k->exact);
			html_printf(b, "\">Next →</a>");
		}
		html_printf(b, "</nav>");
	}
	html_printf(b, "<p class=\"muted\"><a href=\"/feeds/search.atom?q=%U\">Follow this search as a feed</a> "
		"(the newest matches first)", shown_q);
	if (r->signed_in && strlen(shown_q) < 199) {
		struct buf here = BUF_INIT;
		buf_adds(&here, "/search?q=");
		buf_add_url(&here, shown_q);
		html_printf(b, " or ");
		html_follow_button(r, b, "search", shown_q, !reader_follows(r, "search", shown_q), here.s);
		buf_release(&here);
	}
	html_printf(b, "</p>");
}

/* The hits of a query, below the form. */
static void search_results(struct req *r, struct resp *o, const struct search_ask *k)
{
	struct buf *b = &o->body;
	/* by upvotes: the best 300 matches of every word, by their votes */
	size_t cap = k->sort == 2 ? 300 : (size_t)(k->page + 1) * SEARCH_PAGE + 1;
	struct search_hit *hits = xmalloc(cap * sizeof(*hits));
	size_t n = cap;
	struct buf err = BUF_INIT;
	struct search_opts so = { k->mode, k->sort == 1 ? SEARCH_NEWEST : SEARCH_RELEVANCE, !k->exact, k->sort == 2 };
	struct search_info info;
	if (follower_search(r, k->q, &so, hits, &n, &info, &err)) {
		html_printf(b, "<p class=\"notice error\" role=\"alert\">%s</p>", err.s);
		o->status = 400;
	} else {
		if (k->sort == 2) {
			struct svc v = req_svc(r);
			svc_sort_by_votes(&v, hits, n);
		}
		size_t start = (size_t)k->page * SEARCH_PAGE;
		const char *shown_q = info.corrected ? info.suggestion : k->q;
		search_correction(b, k, &info);
		if (n > 0) {
			char count[32];
			snprintf(count, sizeof(count), "%llu", (unsigned long long)info.total);
			html_printf(b, "<p class=\"muted result-count\">%S%s paper%S</p>", info.exact ? "" : "About ", count,
			     info.total == 1 ? "" : "s");
			/* (the votes order a bounded pool: said, so that a reader
			 * does not take it for the most upvoted of them all) */
			if (k->sort == 2 && info.total > n)
				html_printf(b, "<p class=\"muted\">Ordered by votes: the %zu best matches, most upvoted first.</p>", n);
		}
		char id[PAPER_ID_MAX];
		if (n <= start && !arxiv_id_parse(k->q, id, NULL) && k->page == 0)
			html_fetch_offer(r, b, id);
		else if (n <= start)
			html_printf(b, "<p class=\"empty\">No papers match.</p>");
		search_cards(r, o, hits, n, start, k->mode == SEARCH_SEMANTIC ? NULL : shown_q, info.bodies > 0);
		search_footer(r, b, k, n, shown_q);
	}
	free(hits);
	buf_release(&err);
}

/* The search page's parameter: the query string's, or a POSTed form's (a
 * text too long for a URL). */
static const char *search_param(struct req *r, const char *name)
{
	return strcmp(r->method, "POST") ? req_arg(r, name) : req_form(r, name);
}

void h_search(struct req *r, struct resp *o)
{
	struct search_ask k = { .q = search_param(r, "q"), .mode = SEARCH_HYBRID };
	if (search_mode_parse(search_param(r, "mode"), &k.mode)) {
		resp_error(r, o, 400, "mode must be hybrid, bm25 or semantic.");
		return;
	}
	k.mname = search_mode_name(k.mode);
	k.sort = lists_sort_arg(search_param(r, "sort"));
	if (k.sort < 0) {
		resp_error(r, o, 400, "sort must be relevance, newest or upvotes.");
		return;
	}
	const char *ex = search_param(r, "exact");
	k.exact = ex && !strcmp(ex, "1");
	k.page = lists_page_arg(r, o, SEARCH_MAX_PAGE);
	if (k.page < 0)
		return;
	r->search_page = true;
	r->papers_page = k.q && *k.q;
	html_page_begin(r, o, k.q && *k.q ? k.q : "Search", k.q);
	search_form(&o->body, &k);
	if (k.q && !str_is_blank(k.q))
		search_results(r, o, &k);
	html_printf(&o->body, "</main>");
	html_page_end(r, o);
}

/* ---- static files and health ---------------------------------------------------- */

extern const unsigned char web_static_app_css[];
extern const size_t web_static_app_css_len;
extern const unsigned char web_static_app_js[];
extern const size_t web_static_app_js_len;

void h_static(struct req *r, struct resp *o)
{
	const char *name = r->cap[0] ? r->cap[0] : "icon.svg"; /* /favicon.ico */
	if (!strcmp(name, "app.css")) {
		o->ctype = "text/css; charset=utf-8";
		buf_add(&o->body, web_static_app_css, web_static_app_css_len);
	} else if (!strcmp(name, "app.js")) {
		o->ctype = "text/javascript; charset=utf-8";
		buf_add(&o->body, web_static_app_js, web_static_app_js_len);
	} else if (!strcmp(name, "icon.svg")) {
		o->ctype = "image/svg+xml";
		buf_adds(&o->body, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 32 32\">"
				   "<rect width=\"32\" height=\"32\" rx=\"7\" fill=\"#2563eb\"/>"
				   "<path d=\"M8 9h16M8 14h16M8 19h10M8 24h12\" stroke=\"#fff\" stroke-width=\"2.5\" "
				   "stroke-linecap=\"round\"/></svg>\n");
	} else {
		resp_error(r, o, 404, "No such file.");
	}
}

/* KaTeX's files, from --katex-dir: katex.min.js, katex.min.css,
 * contrib/auto-render.min.js and fonts/NAME.woff2, nothing else. */
void h_katex(struct req *r, struct resp *o)
{
	const char *dir = r->cap[1] ? r->cap[0] : NULL, *name = r->cap[1] ? r->cap[1] : r->cap[0];
	size_t n = strlen(name);
	const char *ctype = NULL;
	if (!dir && !strcmp(name, "katex.min.js"))
		ctype = "text/javascript; charset=utf-8";
	else if (!dir && !strcmp(name, "katex.min.css"))
		ctype = "text/css; charset=utf-8";
	else if (dir && !strcmp(dir, "contrib") && !strcmp(name, "auto-render.min.js"))
		ctype = "text/javascript; charset=utf-8";
	else if (dir && !strcmp(dir, "fonts") && n > 6 && n < 64 && !strcmp(name + n - 6, ".woff2") &&
		 strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n - 6)
		ctype = "font/woff2";
	struct buf f = BUF_INIT, err = BUF_INIT;
	if (ctype && r->w->katex_dir)
		buf_addf(&f, "%s/%s%s%s", r->w->katex_dir, dir ? dir : "", dir ? "/" : "", name);
	buf_init_max(&o->body, 4u << 20);
	if (!f.len || read_file(f.s, &o->body, &err)) {
		buf_reset(&o->body);
		resp_error(r, o, 404, "No such file.");
	} else {
		o->ctype = ctype;
		/* long-lived: a KaTeX version's files do not change (the ETag says if they do) */
		o->max_age = 2592000;
	}
	buf_release(&f);
	buf_release(&err);
}

