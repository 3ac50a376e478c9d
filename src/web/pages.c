/*
 * pages.c - the HTML pages: the daily, weekly and monthly feeds, trending,
 * a paper's page with votes and comments, search, submission, and the
 * static files.
 */
#include "web_int.h"
#include "../fetch/fetch.h"
#include "../ingest/ingest.h"
#include <ctype.h>
#include <limits.h>

/* ---- shared logic ---------------------------------------------------------- */

void latest_day(struct req *r, const char *before, char out[16])
{
	struct buf err = BUF_INIT;
	if (store_latest_day(r->s, before, out, &err))
		out[0] = '\0';
	buf_release(&err);
}

static void day_add(const char *day, int delta, char out[16])
{
	pb_time t;
	if (day_parse(day, &t)) {
		out[0] = '\0';
		return;
	}
	time_format_day(t + (pb_time)delta * 86400000, out);
}

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
	day_add(day, -1, out);
	return out;
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

void feed_days(struct req *r, size_t min_days, size_t max_days, int min_papers, struct feed_days *fd)
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

pb_time trending_now(struct req *r, char from[16], char to[16])
{
	/* the newest 7 days of the feed (days that hold papers, however far
	 * apart), widened to up to 30 such days until they hold 20 papers */
	struct feed_days fd;
	feed_days(r, TRENDING_DAYS, TRENDING_MAX_DAYS, TRENDING_MIN, &fd);
	pb_time now = time_now_ms(), end;
	if (!fd.n || day_parse(fd.day[0], &end)) {
		char today[16];
		time_format_day(now, today);
		snprintf(from, 16, "%s", today);
		day_add(today, 1, to);
		return now;
	}
	end += 86400000; /* the end of the newest day */
	snprintf(from, 16, "%s", fd.day[fd.n - 1]);
	day_add(fd.day[0], 1, to);
	return end < now ? end : now;
}

/* The page number of a list (?p=, from 0); -1 after answering 400 when it
 * is not a number up to `max` (deep pages cost the server, and nobody
 * reads them: a search goes to 25 pages of 20, a period to 200 of 30). */
static long page_arg(struct req *r, struct resp *o, long max)
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

json_t *user_json(const char *name, const char *fullname)
{
	char oid[25];
	pb_object_id("user", name, 0, oid);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "_id", oid, "user", name, "name", name, "fullname",
			 fullname && *fullname ? fullname : name, "avatarUrl", "", "type", "user", "isPro", 0);
}

struct svc req_svc(struct req *r)
{
	struct svc v = { &r->w->svc, r->s };
	return v;
}

int svc_http_status(enum svc_status st)
{
	static const int status[] = {
		[SVC_OK] = 200,	       [SVC_ACCEPTED] = 202, [SVC_PENDING] = 202, [SVC_INVALID] = 400,
		[SVC_DENIED] = 403,    [SVC_REFUSED] = 409,  [SVC_CONFLICT] = 409, [SVC_NOTFOUND] = 404,
		[SVC_LIMITED] = 429,   [SVC_BUSY] = 503,     [SVC_FAILED] = 500,
	};
	_Static_assert(sizeof(status) / sizeof(status[0]) == SVC_FAILED + 1, "a status for every decision");
	return (size_t)st < ARRAY_SIZE(status) ? status[st] : 500;
}

void fetch_offer(struct req *r, struct buf *b, const char *id)
{
	if (r->signed_in) {
		html(b, "<form method=\"post\" action=\"/papers/%s/fetch\" class=\"inline\">", id);
		html_csrf(r, b);
		html(b, "<p>%s is not here yet. <button type=\"submit\" class=\"btn small\">Fetch it from arXiv</button></p></form>",
		     id);
	} else {
		html(b, "<p>%s is not here yet. <a href=\"/signin?next=%%2Fpapers%%2F%U\">Sign in</a> to fetch it from arXiv.</p>",
		     id, id);
	}
}

/* POST /papers/ID/fetch: a paper not in the store, asked for from arXiv
 * (signed-in users, under the fetch rule), then its page, which says
 * "fetching" until it is here. Not featured. */
void h_fetch(struct req *r, struct resp *o)
{
	char id[PAPER_ID_MAX];
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "That is not an arXiv id.");
		return;
	}
	struct buf msg = BUF_INIT;
	long wait = 0;
	struct svc v = req_svc(r);
	enum svc_status st = svc_fetch_ask(&v, &r->user, id, &wait, &msg);
	if (st == SVC_OK || st == SVC_ACCEPTED) {
		if (st == SVC_ACCEPTED)
			fetcher_kick(r->w);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s", id);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	} else {
		if (st == SVC_LIMITED)
			resp_retry_after(o, wait);
		resp_error(r, o, svc_http_status(st), msg.s);
	}
	buf_release(&msg);
}

/* ---- moderation of submissions --------------------------------------------- */

struct queue_ctx {
	struct req *r;
	struct buf *b;
	int n;
};

static int queue_row(const struct submission *sub, void *ctx)
{
	struct queue_ctx *q = ctx;
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	store_paper_get(q->r->s, sub->paper, &p, &err);
	char when[32];
	time_format_iso(sub->at, when);
	when[16] = '\0';
	when[10] = ' ';
	html(q->b, "<li><a href=\"/papers/%s\">%s</a> <span class=\"muted\">%s, by <a href=\"/u/%U\">%s</a> on %s</span> ",
	     sub->paper, p.title ? p.title : sub->paper, sub->paper, sub->user, sub->user, when);
	html(q->b, "<form method=\"post\" action=\"/admin/submissions/%lld\" class=\"inline\">", (long long)sub->id);
	html_csrf(q->r, q->b);
	html(q->b, "<button class=\"btn small\" name=\"action\" value=\"approve\">Approve</button> "
		   "<button class=\"btn small danger\" name=\"action\" value=\"reject\">Reject</button></form></li>");
	paper_release(&p);
	buf_release(&err);
	q->n++;
	return 0;
}

void h_admin_submissions(struct req *r, struct resp *o)
{
	o->private_ = true;
	page_begin(r, o, "Submissions waiting", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide\"><h1>Submissions waiting for a moderator</h1><ul class=\"queue\">");
	struct queue_ctx q = { r, b, 0 };
	struct buf err = BUF_INIT;
	store_submission_list(r->s, "pending", 200, queue_row, &q, &err);
	if (!q.n)
		html(b, "<li class=\"muted\">None.</li>");
	html(b, "</ul></main>");
	page_end(r, o);
	buf_release(&err);
}

/* Features an approved submission, in its submitter's name. */
static enum svc_status feature_for(struct req *r, const struct submission *sub, struct buf *msg)
{
	struct user by;
	memset(&by, 0, sizeof(by));
	by.id = sub->user_id;
	snprintf(by.name, sizeof(by.name), "%s", sub->user);
	snprintf(by.fullname, sizeof(by.fullname), "%s", sub->user);
	struct svc v = req_svc(r);
	enum svc_status st = svc_feature(&v, &by, sub->paper, msg);
	web_index_refresh(r);
	return st;
}

void h_admin_submission(struct req *r, struct resp *o)
{
	long id;
	const char *action = req_form(r, "action");
	bool approve = action && !strcmp(action, "approve");
	if (parse_int(r->cap[0], 1, LONG_MAX, &id) || !action || (!approve && strcmp(action, "reject"))) {
		resp_error(r, o, 400, "Approve or reject a submission.");
		return;
	}
	struct submission sub;
	struct buf err = BUF_INIT, msg = BUF_INIT;
	int rc = store_submission_decide(r->s, id, approve ? "featured" : "rejected", r->user.id, time_now_ms(), &sub,
					 &err);
	if (rc) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such waiting submission.");
	} else if (approve && feature_for(r, &sub, &msg) != SVC_OK) {
		resp_error(r, o, 500, msg.s);
	} else {
		resp_redirect(o, "/admin/submissions");
	}
	buf_release(&err);
	buf_release(&msg);
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
		if (store_paper_list(r->s, q, collect_cb, out, err))
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
	if (web_search(r, filter, SEARCH_HYBRID, hits, &cap, err)) {
		free(hits);
		return -1;
	}
	size_t kept = 0;
	int rc = 0;
	bool done = false, found[100];
	/* read by the hundred: one round trip each */
	for (size_t at = 0; at < cap && !done; at += 100) {
		size_t k = cap - at < 100 ? cap - at : 100;
		struct paper *ps = web_hit_papers(r, hits + at, k, found, err);
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
			collect_cb(p, out);
		}
		web_hit_papers_free(ps, k);
	}
	free(hits);
	return rc;
}

struct period {
	const char *kind;  /* "day", "week", "month", "trending" */
	const char *title; /* h1 */
	const char *self;  /* this page's path */
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
		day_add(day, 1, day);
	}
	if (c.days.n) {
		html(b, "<div class=\"charts\">");
		svg_bars(b, "Papers per day", (const char *const *)days.v, papers, days.n);
		svg_bars(b, "Upvotes per day", (const char *const *)days.v, upvotes, days.n);
		html(b, "</div>");
	}
	strlist_clear(&days);
	strlist_clear(&c.days);
	buf_release(&err);
}

static void pretty_day(const char *day, char *out, size_t cap);

static void period_page(struct req *r, struct resp *o, struct period *pd)
{
	const char *filter = req_arg(r, "q");
	long page = page_arg(r, o, 199);
	if (page < 0)
		return;
	pd->q.limit = PAGE_SIZE;
	pd->q.offset = (size_t)page * PAGE_SIZE;
	struct collect papers = { 0 };
	bool more;
	struct buf err = BUF_INIT;
	if (period_papers(r, &pd->q, filter, &papers, &more, &err)) {
		resp_error(r, o, filter ? 400 : 500, err.s);
		buf_release(&err);
		collect_free(&papers);
		return;
	}
	r->papers_page = true;
	page_begin(r, o, pd->title, NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide\"><div class=\"period-head\"><h1>%s</h1><nav class=\"tabs\" aria-label=\"Period\">", pd->title);
	char today[16], week[16], month[16];
	latest_day(r, "", today);
	pb_time t;
	if (!today[0] || day_parse(today, &t))
		t = time_now_ms();
	time_t secs = (time_t)(t / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(week, sizeof(week), "%G-W%V", &tm);
	strftime(month, sizeof(month), "%Y-%m", &tm);
	html(b, "<a href=\"/papers/date/%s\"%S>Daily</a><a href=\"/papers/week/%s\"%S>Weekly</a>"
		"<a href=\"/papers/month/%s\"%S>Monthly</a><a href=\"/papers/trending\"%S>Trending</a></nav></div>",
	     today, !strcmp(pd->kind, "day") ? " aria-current=\"page\"" : "", week,
	     !strcmp(pd->kind, "week") ? " aria-current=\"page\"" : "", month,
	     !strcmp(pd->kind, "month") ? " aria-current=\"page\"" : "",
	     !strcmp(pd->kind, "trending") ? " aria-current=\"page\"" : "");
	if (pd->prev[0] || pd->next[0]) {
		html(b, "<nav class=\"pager\" aria-label=\"Previous and next\">");
		if (pd->prev[0])
			html(b, "<a rel=\"prev\" href=\"%L\">← %s</a>", pd->prev, pd->prev_label);
		if (pd->next[0])
			html(b, "<a rel=\"next\" href=\"%L\">%s →</a>", pd->next, pd->next_label);
		html(b, "</nav>");
	}
	if (strcmp(pd->kind, "trending")) {
		html(b, "<form class=\"filter\" method=\"get\" action=\"%s\"><label for=\"filter\">Search this %s</label>"
			"<input id=\"filter\" name=\"q\" type=\"search\" placeholder=\"Search this %s\" value=\"%s\">"
			"<button class=\"btn small\">Filter</button></form>",
		     pd->self, pd->kind, pd->kind, filter ? filter : "");
	}
	if (!strcmp(pd->kind, "week") || !strcmp(pd->kind, "month"))
		period_charts(r, b, pd);
	if (!papers.n)
		html(b, "<p class=\"empty\">No papers %s.</p>", filter && *filter ? "match this filter" : "here yet");
	struct card_opts co = { 0, NULL, filter };
	bool ranked = pd->q.sort == SORT_UPVOTES && page == 0 && (!filter || !*filter) && strcmp(pd->kind, "trending");
	size_t fresh = 0;
	for (size_t i = 0; i < papers.n; i++)
		fresh += req_is_new(r, &papers.v[i]);
	if (r->signed_in) {
		/* what is new since the reader last marked everything read */
		html(b, "<form method=\"post\" action=\"/me/read\" class=\"row mark-read\">");
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"back\" value=\"%s\"><span class=\"muted\">%zu new since you last "
			"marked all read</span><button class=\"btn small\">Mark all as read</button></form>",
		     pd->self, fresh);
	}
	html(b, "<div class=\"cards\" id=\"papers\" tabindex=\"-1\">");
	req_votes_prefetch(r, papers.v, papers.n);
	for (size_t i = 0; i < papers.n; i++) {
		co.rank = ranked ? (int)i + 1 : 0;
		co.badge = pd->kind;
		html_card(r, b, &papers.v[i], &co);
	}
	html(b, "</div>");
	/* the home page of a thin day: the days before it too */
	for (size_t d = pd->earlier_from; pd->earlier && page == 0 && d < pd->earlier->n; d++) {
		const char *day = pd->earlier->day[d];
		char pretty[64];
		pretty_day(day, pretty, sizeof(pretty));
		html(b, "<h2 class=\"day-head\"><a href=\"/papers/date/%s\">%s</a> <span class=\"muted\">%d paper%S</span></h2>",
		     day, pretty, pd->earlier->count[d], pd->earlier->count[d] == 1 ? "" : "s");
		struct store_query dq = { .sort = SORT_UPVOTES, .limit = PAGE_SIZE };
		snprintf(dq.day_from, sizeof(dq.day_from), "%s", day);
		day_add(day, 1, dq.day_to);
		struct collect dayp = { 0 };
		if (store_paper_list(r->s, &dq, collect_cb, &dayp, &err) == 0) {
			html(b, "<div class=\"cards\">");
			struct card_opts dco = { 0, NULL, NULL };
			req_votes_prefetch(r, dayp.v, dayp.n);
			for (size_t i = 0; i < dayp.n; i++)
				html_card(r, b, &dayp.v[i], &dco);
			html(b, "</div>");
		}
		collect_free(&dayp);
	}
	if (page > 0 || more) {
		html(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
		struct buf qs = BUF_INIT;
		if (filter) {
			buf_adds(&qs, "q=");
			buf_add_url(&qs, filter);
			buf_addc(&qs, '&');
		}
		if (page > 0)
			html(b, "<a href=\"%s?%Sp=%ld\">← Newer</a>", pd->self, qs.s, page - 1);
		if (more)
			html(b, "<a href=\"%s?%Sp=%ld\">More →</a>", pd->self, qs.s, page + 1);
		buf_release(&qs);
		html(b, "</nav>");
	}
	html(b, "</main>");
	page_end(r, o);
	collect_free(&papers);
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
	latest_day(r, day, prev);
	next_day(r, day, next);
	if (prev[0])
		snprintf(pd.prev, sizeof(pd.prev), "/papers/date/%s", prev);
	if (next[0])
		snprintf(pd.next, sizeof(pd.next), "/papers/date/%s", next);
	pd.prev_label = prev;
	pd.next_label = next;
	snprintf(pd.q.day_from, sizeof(pd.q.day_from), "%s", day);
	day_add(day, 1, pd.q.day_to);
	pd.q.sort = SORT_UPVOTES;
	period_page(r, o, &pd);
}

void h_home(struct req *r, struct resp *o)
{
	/* "today": the newest day of the feed; when it holds fewer than
	 * HOME_MIN papers, the days before it follow (one submission never
	 * makes the whole front page) */
	struct feed_days fd;
	feed_days(r, 1, HOME_MAX_DAYS, HOME_MIN, &fd);
	if (!fd.n) {
		page_begin(r, o, "Daily papers", NULL);
		html(&o->body, "<main class=\"narrow\"><h1>No papers yet</h1><p>Load some with <code>paperboy ingest</code> "
			       "or <code>paperboy fetch</code>, or <a href=\"/submit\">submit one</a>.</p></main>");
		page_end(r, o);
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
	latest_day(r, pd.q.day_from, d);
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
	latest_day(r, pd.q.day_from, d);
	if (d[0])
		snprintf(pm, sizeof(pm), "%.7s", d);
	next_day(r, day_before(pd.q.day_to, d), d);
	if (d[0])
		snprintf(nm, sizeof(nm), "%.7s", d);
	span_page(r, o, &pd, "Monthly", pm, nm);
}

void h_trending(struct req *r, struct resp *o)
{
	struct period pd = { .kind = "trending", .title = "Trending papers", .self = "/papers/trending" };
	pd.q.now = trending_now(r, pd.q.day_from, pd.q.day_to);
	pd.q.sort = SORT_TRENDING;
	period_page(r, o, &pd);
}

/* ---- a paper ------------------------------------------------------------------- */

struct vote_series {
	struct strlist days;
	int values[400];
	int total;
};

static int vote_day_cb(const char *day, int votes, void *ctx)
{
	struct vote_series *v = ctx;
	if (v->days.n >= 400)
		return 1;
	v->total += votes;
	v->values[v->days.n] = v->total;
	strlist_push(&v->days, day, strlen(day));
	return 0;
}

struct comments_ctx {
	struct req *r;
	struct buf *b;
	const struct paper *p;
};

static void comment_forms(struct comments_ctx *cc, const struct comment *c)
{
	struct req *r = cc->r;
	struct buf *b = cc->b;
	if (!r->signed_in)
		return;
	bool mine = r->user.id == c->user_id && !c->deleted;
	if (mine) {
		html(b, "<details class=\"edit\"><summary>Edit</summary><form method=\"post\" action=\"/comments/%lld/edit\" class=\"stack\">",
		     (long long)c->id);
		html_csrf(r, b);
		html(b, "<label class=\"sr\" for=\"e%lld\">Edit your comment</label><textarea id=\"e%lld\" name=\"body\" rows=\"4\" required maxlength=\"10000\">%s</textarea>"
			"<button class=\"btn small\">Save</button></form></details>",
		     (long long)c->id, (long long)c->id, c->body);
	}
	if (mine || r->user.admin) {
		html(b, "<form method=\"post\" action=\"/comments/%lld/delete\" class=\"inline\">", (long long)c->id);
		html_csrf(r, b);
		html(b, "<button class=\"link danger\">Delete</button></form>");
	}
	if (r->user.admin) {
		html(b, "<form method=\"post\" action=\"/admin/comments/%lld\" class=\"inline\">", (long long)c->id);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"hidden\" value=\"%s\"><button class=\"link\">%s</button></form>",
		     c->hidden ? "0" : "1", c->hidden ? "Show" : "Hide");
	}
}

static void reply_form(struct comments_ctx *cc, int64_t parent)
{
	struct req *r = cc->r;
	struct buf *b = cc->b;
	if (!r->signed_in)
		return;
	html(b, "<details class=\"reply\"><summary>Reply</summary><form method=\"post\" action=\"/papers/%s/comments\" class=\"stack\">",
	     cc->p->id);
	html_csrf(r, b);
	html(b, "<input type=\"hidden\" name=\"parent\" value=\"%lld\"><label class=\"sr\" for=\"r%lld\">Your reply</label>"
		"<textarea id=\"r%lld\" name=\"body\" rows=\"3\" required maxlength=\"10000\"></textarea>"
		"<button class=\"btn small\">Reply</button></form></details>",
	     (long long)parent, (long long)parent, (long long)parent);
}

/* Comments render as a list of threads: each top-level comment, its
 * replies, and a reply form. */
struct thread_ctx {
	struct comments_ctx cc;
	int64_t thread;
	int count;
};

static void close_thread(struct thread_ctx *t)
{
	if (t->thread) {
		html(t->cc.b, "</ol>");
		reply_form(&t->cc, t->thread);
		html(t->cc.b, "</li>");
		t->thread = 0;
	}
}

static int thread_cb(const struct comment *c, void *ctx)
{
	struct thread_ctx *t = ctx;
	struct req *r = t->cc.r;
	struct buf *b = t->cc.b;
	if (!c->parent)
		close_thread(t);
	char when[32];
	time_format_iso(c->created, when);
	when[16] = '\0';
	when[10] = ' ';
	html(b, "<%S class=\"comment\" id=\"c%lld\"><p class=\"who\"><a href=\"/u/%U\">%s</a> <time datetime=\"%s\">%s</time>%S</p>",
	     c->parent ? "li" : "li", (long long)c->id, c->user, c->user, when, when, c->edited ? " <span class=\"muted\">(edited)</span>" : "");
	if (c->deleted) {
		html(b, "<p class=\"muted\">[deleted]</p>");
	} else if (c->hidden && !(r->signed_in && r->user.admin)) {
		html(b, "<p class=\"muted\">[hidden by a moderator]</p>");
	} else {
		html(b, "<div class=\"md\">");
		markdown_html(b, c->body);
		html(b, "</div>");
	}
	comment_forms(&t->cc, c);
	if (!c->parent) {
		html(b, "<ol class=\"replies\">");
		t->thread = c->id;
	} else {
		html(b, "</li>");
	}
	t->count++;
	return 0;
}

static void paper_comments_html(struct req *r, struct buf *b, const struct paper *p)
{
	int nc = paper_comments(p), hf = paper_hf_comments(p);
	html(b, "<section id=\"comments\"><h2>Discussion <span class=\"muted\">%d comment%S</span></h2>", nc,
	     nc == 1 ? "" : "s");
	if (hf)
		html(b, "<p class=\"muted\"><a href=\"https://huggingface.co/papers/%s#community\" rel=\"noopener\">%d comment%S "
			"on Hugging Face →</a></p>",
		     p->id, hf, hf == 1 ? "" : "s");
	html(b, "<ol class=\"threads\">");
	struct thread_ctx t = { { r, b, p }, 0, 0 };
	struct buf err = BUF_INIT;
	store_comment_list(r->s, p->id, thread_cb, &t, &err);
	close_thread(&t);
	html(b, "</ol>");
	if (!t.count)
		html(b, "<p class=\"muted\">No comments here yet.</p>");
	if (r->signed_in) {
		html(b, "<form method=\"post\" action=\"/papers/%s/comments\" class=\"stack\">", p->id);
		html_csrf(r, b);
		html(b, "<label for=\"body\">Add a comment (Markdown)</label><textarea id=\"body\" name=\"body\" rows=\"4\" required maxlength=\"10000\"></textarea>"
			"<button class=\"btn\">Comment</button></form>");
	} else {
		html(b, "<p><a href=\"/signin?next=/papers/%U\">Sign in</a> to comment.</p>", p->id);
	}
	html(b, "</section>");
	buf_release(&err);
}

static void render_paper(struct req *r, struct resp *o, const char *id)
{
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(r->s, id, &p, &err);
	if (rc == 1) {
		/* not here: being fetched (the page looks again), or the offer
		 * to fetch it from arXiv */
		o->private_ = true;
		struct fetch_job j;
		struct svc v = req_svc(r);
		bool job = svc_fetch_status(&v, NULL, id, &j) == 0;
		bool waiting = job && (!strcmp(j.state, "queued") || !strcmp(j.state, "running"));
		r->refresh = waiting;
		page_begin(r, o, waiting ? "Fetching from arXiv" : "Not found", NULL);
		if (waiting) {
			html(&o->body, "<main class=\"narrow\"><h1>Fetching %s from arXiv…</h1><p class=\"notice\" role=\"status\">"
				       "It appears here in a few seconds%S; this page looks again by itself.</p>",
			     id, j.submit ? ", then joins the feed if the submission rules allow" : "");
			if (j.message[0] && j.attempts > 0)
				html(&o->body, "<p class=\"muted\">%s</p>", j.message);
		} else {
			html(&o->body, "<main class=\"narrow\"><h1>Not found</h1>");
			if (job && !strcmp(j.state, "failed"))
				html(&o->body, "<p class=\"notice error\" role=\"alert\">Could not get %s from arXiv: %s</p>", id,
				     j.message);
			else if (job && !strcmp(j.state, "refused"))
				html(&o->body, "<p class=\"notice error\" role=\"alert\">%s was not submitted: %s</p>", id, j.message);
			fetch_offer(r, &o->body, id);
		}
		html(&o->body, "<p><a href=\"https://arxiv.org/abs/%s\">%s on arXiv</a></p></main>", id, id);
		page_end(r, o);
		o->status = waiting ? 202 : 404;
		paper_release(&p);
		buf_release(&err);
		return;
	}
	if (rc || (p.hidden && !(r->signed_in && r->user.admin))) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such paper here.");
		paper_release(&p);
		buf_release(&err);
		return;
	}
	page_begin(r, o, p.title ? p.title : p.id, NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"paper\"><article>");
	if (p.hidden)
		html(b, "<p class=\"notice\">Hidden by a moderator.</p>");
	html(b, "<div class=\"paper-head\">");
	{
		bool voted = false;
		if (r->signed_in)
			store_vote_get(r->s, r->user.id, p.id, &voted, &err);
		html(b, "<form class=\"vote big\" method=\"post\" action=\"/papers/%s/vote\">", p.id);
		html_csrf(r, b);
		html(b, "<button type=\"submit\" class=\"vote-btn%s\" aria-pressed=\"%s\" aria-label=\"Upvote\"><span aria-hidden=\"true\">▲</span>"
			"<span class=\"count\">%d</span></button></form>",
		     voted ? " voted" : "", voted ? "true" : "false", paper_upvotes(&p));
	}
	/* divs, not paragraphs: they hold forms (a form closes an open p) */
	html(b, "<div><h1>%s</h1><div class=\"authors\">", p.title ? p.title : p.id);
	struct buf here = BUF_INIT;
	buf_addf(&here, "/papers/%s", p.id);
	for (size_t i = 0; i < p.authors.n; i++) {
		html(b, "%S<a href=\"/search?q=author%%3A%%22%U%%22\">%s</a>", i ? ", " : "", p.authors.v[i], p.authors.v[i]);
		/* follow the first authors from here (every author on search) */
		if (i < 8)
			html_follow_button(r, b, "author", p.authors.v[i], !req_follows(r, "author", p.authors.v[i]), here.s);
	}
	html(b, "</div></div></div><div class=\"meta\">");
	char day[16];
	if (p.published) {
		time_format_day(p.published, day);
		html(b, "<span>Published on arXiv %s</span>", day);
	}
	if (p.hf_day[0])
		html(b, "<a href=\"/papers/date/%s\">Featured %s</a>", p.hf_day, p.hf_day);
	if (p.submitter) {
		html(b, "<span>submitted by <a href=\"/u/%U\">%s</a></span>", p.submitter, p.submitter);
		html_follow_button(r, b, "hfuser", p.submitter, !req_follows(r, "hfuser", p.submitter), here.s);
	}
	char org[128], orgname[256];
	paper_org(&p, org, orgname);
	if (org[0]) {
		html(b, "<span class=\"org\" title=\"%s\">%s</span>", org, orgname);
		html_follow_button(r, b, "org", org, !req_follows(r, "org", org), here.s);
	}
	for (size_t i = 0; i < p.categories.n; i++) {
		html(b, "<a class=\"tag\" href=\"/search?q=cat:%U\">%s</a>", p.categories.v[i], p.categories.v[i]);
		html_follow_button(r, b, "category", p.categories.v[i], !req_follows(r, "category", p.categories.v[i]), here.s);
	}
	if (r->signed_in && (p.categories.n || org[0] || p.authors.n)) {
		/* not for this reader: leave papers like it out of every list */
		html(b, "</div><div class=\"meta mutes\"><span>Not for you? Mute</span>");
		for (size_t i = 0; i < p.categories.n && i < 3; i++)
			html_mute_button(r, b, "category", "category", p.categories.v[i], here.s);
		if (org[0])
			html_mute_button(r, b, "org", "organization", org, here.s);
		for (size_t i = 0; i < p.authors.n && i < 3; i++)
			html_mute_button(r, b, "author", "author", p.authors.v[i], here.s);
	}
	html(b, "</div><p class=\"links\"><a class=\"btn small\" href=\"https://arxiv.org/abs/%s\">arXiv page</a>"
		"<a class=\"btn small\" href=\"https://arxiv.org/pdf/%s\">PDF</a>",
	     p.id, p.id);
	paper_links(b, &p, true);
	html(b, "<a href=\"/papers/%s.md\">Markdown</a><a href=\"/api/papers/%s\">JSON</a></p>", p.id, p.id);
	/* cite: the BibTeX entry, shown and downloadable */
	struct buf bib = BUF_INIT;
	cite_bibtex(&p, NULL, &bib);
	html(b, "<details class=\"cite\"><summary class=\"btn small\">Cite</summary><pre>%s</pre>"
		"<p><a href=\"/papers/%s.bib\" download>BibTeX file</a></p></details>",
	     bib.s, p.id);
	buf_release(&bib);
	html_collect_form(r, b, &p);
	buf_release(&here);
	if (p.ai_summary)
		html(b, "<p class=\"summary\"><strong>Summary:</strong> %s</p>", p.ai_summary);
	html(b, "<h2>Abstract</h2><p class=\"abstract-full\">%s</p>", p.abstract ? p.abstract : "No abstract known.");
	if (p.ai_keywords.n) {
		html(b, "<p class=\"keywords\">");
		for (size_t i = 0; i < p.ai_keywords.n; i++)
			html(b, "<a class=\"tag\" href=\"/search?q=%%22%U%%22\">%s</a>", p.ai_keywords.v[i], p.ai_keywords.v[i]);
		html(b, "</p>");
	}
	if (p.comments)
		html(b, "<p class=\"muted\">arXiv comments: %s</p>", p.comments);
	if (p.doi)
		html(b, "<p class=\"muted\">DOI: <a href=\"https://doi.org/%s\">%s</a></p>", p.doi, p.doi);
	if (p.journal_ref)
		html(b, "<p class=\"muted\">Journal: %s</p>", p.journal_ref);
	/* upvotes over time: the imported baseline on the featured day, then
	 * each day's local votes added */
	struct vote_series vs = { STRLIST_INIT, { 0 }, p.upvotes > 0 ? p.upvotes : 0 };
	if (p.hf_day[0] && vs.total > 0) {
		vs.values[0] = vs.total;
		strlist_push(&vs.days, p.hf_day, strlen(p.hf_day));
	}
	store_vote_days(r->s, p.id, vote_day_cb, &vs, &err);
	if (p.local_votes > 0 && vs.days.n)
		svg_line(b, "Upvotes over time", (const char *const *)vs.days.v, vs.values, vs.days.n);
	strlist_clear(&vs.days);
	if (r->signed_in && r->user.admin) {
		html(b, "<form method=\"post\" action=\"/admin/papers/%s\" class=\"inline\">", p.id);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"hidden\" value=\"%s\"><button class=\"btn small danger\">%s</button></form>",
		     p.hidden ? "0" : "1", p.hidden ? "Show this paper again" : "Hide this paper");
	}
	paper_comments_html(r, b, &p);
	html(b, "</article><aside class=\"similar\"><h2>Similar papers</h2>");
	struct search_hit hits[16];
	size_t n = 16;
	web_similar(r, p.id, hits, &n);
	html(b, "<ul>");
	size_t shown = 0;
	bool found[16];
	char why[160];
	struct paper *sim = web_hit_papers(r, hits, n, found, &err);
	for (size_t i = 0; sim && i < n && shown < 6; i++) {
		if (!strcmp(hits[i].id, p.id) || !found[i] || req_muted(r, &sim[i], why))
			continue;
		html(b, "<li><a href=\"/papers/%s\">%s</a></li>", sim[i].id, sim[i].title ? sim[i].title : sim[i].id);
		shown++;
	}
	web_hit_papers_free(sim, n);
	if (!shown)
		html(b, "<li class=\"muted\">None found.</li>");
	html(b, "</ul></aside></main>");
	page_end(r, o);
	paper_release(&p);
	buf_release(&err);
}

void h_paper(struct req *r, struct resp *o)
{
	size_t n = strlen(r->cap[0]);
	if (n > 3 && !strcmp(r->cap[0] + n - 3, ".md")) {
		h_paper_md(r, o);
		return;
	}
	if (n > 4 && !strcmp(r->cap[0] + n - 4, ".bib")) {
		h_paper_bib(r, o);
		return;
	}
	char id[PAPER_ID_MAX];
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "That is not an arXiv id.");
		return;
	}
	render_paper(r, o, id);
}

/* POST /papers/ID/vote: toggles; answers JSON to the page's script, else
 * goes back where the form was. */
void h_vote(struct req *r, struct resp *o)
{
	bool voted;
	int upvotes;
	struct buf err = BUF_INIT;
	struct svc v = req_svc(r);
	enum svc_status st = svc_vote(&v, &r->user, r->cap[0], -1, &voted, &upvotes);
	const char *accept = req_header(r, "Accept");
	bool js = accept && strstr(accept, "application/json");
	if (st != SVC_OK) {
		if (js)
			r->wants_json = true;
		resp_error(r, o, svc_http_status(st), st == SVC_NOTFOUND ? "There is no such paper." : "The database failed.");
	} else if (js) {
		resp_json(o, 200, json_pack("{s:b,s:i}", "voted", voted, "upvotes", upvotes));
	} else {
		/* back where the form was: its "back" field, else the page
		 * that sent it, else the paper; only ever a path of this site */
		const char *back = req_form(r, "back");
		const char *ref = req_header(r, "Referer");
		const char *rest = ref && strstr(ref, "://") ? strchr(strstr(ref, "://") + 3, '/') : NULL;
		struct buf loc = BUF_INIT;
		if (local_path_ok(back))
			buf_adds(&loc, back);
		else if (local_path_ok(rest) && origin_is_ours(r, ref))
			buf_adds(&loc, rest);
		else
			buf_addf(&loc, "/papers/%s", r->cap[0]);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	}
	buf_release(&err);
}

static const char *comment_body(struct req *r, struct resp *o)
{
	const char *body = req_form(r, "body");
	if (!body || str_is_blank(body) || strlen(body) > 10000) {
		resp_error(r, o, 400, "A comment needs some text (at most 10,000 characters).");
		return NULL;
	}
	return body;
}

void h_comment_add(struct req *r, struct resp *o)
{
	const char *body = comment_body(r, o);
	if (!body)
		return;
	struct comment c = { 0 };
	char id[PAPER_ID_MAX];
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "There is no such paper.");
		return;
	}
	snprintf(c.paper, sizeof(c.paper), "%s", id);
	c.user_id = r->user.id;
	c.body = (char *)body;
	long parent = 0;
	const char *ps = req_form(r, "parent");
	if (ps && *ps && strcmp(ps, "0") && parse_int(ps, 1, LONG_MAX, &parent)) {
		resp_error(r, o, 400, "Bad parent comment.");
		return;
	}
	c.parent = parent;
	struct buf err = BUF_INIT;
	long wait = 0;
	struct svc v = req_svc(r);
	enum svc_status st = svc_comment_add(&v, &r->user, &c, &wait, &err);
	if (st != SVC_OK) {
		if (st == SVC_LIMITED)
			resp_retry_after(o, wait);
		resp_error(r, o, svc_http_status(st), st == SVC_FAILED ? "The database failed." : err.s);
	} else {
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s#c%lld", c.paper, (long long)c.id);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	}
	buf_release(&err);
}

/* Loads comment cap[0] and checks the signed-in user may change it. */
static int own_comment(struct req *r, struct resp *o, struct comment *c, bool admin_ok)
{
	long id;
	struct buf err = BUF_INIT;
	int rc = parse_int(r->cap[0], 1, LONG_MAX, &id) ? 1 : store_comment_get(r->s, id, c, &err);
	buf_release(&err);
	if (rc) {
		resp_error(r, o, rc < 0 ? 500 : 404, "There is no such comment.");
		return -1;
	}
	if (c->user_id != r->user.id && !(admin_ok && r->user.admin)) {
		resp_error(r, o, 403, "That is not your comment.");
		return -1;
	}
	return 0;
}

void h_comment_edit(struct req *r, struct resp *o)
{
	struct comment c = { 0 };
	const char *body = comment_body(r, o);
	if (body && !own_comment(r, o, &c, false)) {
		struct buf err = BUF_INIT;
		if (store_comment_edit(r->s, c.id, body, time_now_ms(), &err)) {
			resp_error(r, o, 409, "That comment was deleted.");
		} else {
			struct buf loc = BUF_INIT;
			buf_addf(&loc, "/papers/%s#c%lld", c.paper, (long long)c.id);
			resp_redirect(o, loc.s);
			buf_release(&loc);
		}
		buf_release(&err);
	}
	comment_release(&c);
}

void h_comment_delete(struct req *r, struct resp *o)
{
	struct comment c = { 0 };
	if (!own_comment(r, o, &c, true)) {
		struct buf err = BUF_INIT;
		store_comment_delete(r->s, c.id, &err);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s#comments", c.paper);
		resp_redirect(o, loc.s);
		buf_release(&loc);
		buf_release(&err);
	}
	comment_release(&c);
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
	"<dt><code>2505.24864</code> or an arXiv URL</dt><dd>that paper first</dd>"
	"</dl><p>Modes: <em>words and meaning</em> (the default: the best word matches, reordered by closeness in meaning), <em>words only</em> (BM25F) or <em>meaning only</em> (semantic).</p></details>";

int sort_arg(const char *s)
{
	if (!s || !*s || !strcmp(s, "relevance"))
		return 0;
	return !strcmp(s, "newest") ? 1 : !strcmp(s, "upvotes") ? 2 : -1;
}

/* The search page's link with q, mode and sort (and page p, exact). */
static void search_link(struct buf *b, const char *q, const char *mode, int sort, long page, bool exact)
{
	static const char *const sorts[] = { "relevance", "newest", "upvotes" };
	html(b, "/search?q=%U&amp;mode=%s&amp;sort=%s", q, mode, sorts[sort]);
	if (page > 0)
		html(b, "&amp;p=%ld", page);
	if (exact)
		html(b, "&amp;exact=1");
}

void h_search(struct req *r, struct resp *o)
{
	const char *q = req_arg(r, "q");
	const char *ms = req_arg(r, "mode");
	enum search_mode mode = SEARCH_HYBRID;
	if (ms && !strcmp(ms, "semantic"))
		mode = SEARCH_SEMANTIC;
	else if (ms && !strcmp(ms, "bm25"))
		mode = SEARCH_BM25;
	const char *mname = mode == SEARCH_SEMANTIC ? "semantic" : mode == SEARCH_BM25 ? "bm25" : "hybrid";
	int sort = sort_arg(req_arg(r, "sort"));
	if (sort < 0) {
		resp_error(r, o, 400, "sort must be relevance, newest or upvotes.");
		return;
	}
	const char *ex = req_arg(r, "exact");
	bool exact = ex && !strcmp(ex, "1");
	long page = page_arg(r, o, SEARCH_MAX_PAGE);
	if (page < 0)
		return;
	r->search_page = true;
	r->papers_page = q && *q;
	page_begin(r, o, q && *q ? q : "Search", q);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide search-page\"><h1>Search</h1><form class=\"filter\" method=\"get\" action=\"/search\" role=\"search\">"
		"<label for=\"sq\" class=\"sr\">Query</label><input id=\"sq\" name=\"q\" type=\"search\" value=\"%s\">"
		"<label for=\"mode\">Match</label><select id=\"mode\" name=\"mode\">"
		"<option value=\"hybrid\"%S>words and meaning</option><option value=\"bm25\"%S>words only</option><option value=\"semantic\"%S>meaning only</option>"
		"</select><label for=\"sort\">Order</label><select id=\"sort\" name=\"sort\">"
		"<option value=\"relevance\"%S>most relevant</option><option value=\"newest\"%S>newest</option><option value=\"upvotes\"%S>most upvoted</option>"
		"</select><button class=\"btn small\">Search</button></form>%S",
	     q ? q : "", mode == SEARCH_HYBRID ? " selected" : "", mode == SEARCH_BM25 ? " selected" : "",
	     mode == SEARCH_SEMANTIC ? " selected" : "", sort == 0 ? " selected" : "", sort == 1 ? " selected" : "",
	     sort == 2 ? " selected" : "", syntax_help);
	if (q && !str_is_blank(q)) {
		/* by upvotes: the best 300 matches of every word, by their votes */
		size_t cap = sort == 2 ? 300 : (size_t)(page + 1) * SEARCH_PAGE + 1;
		struct search_hit *hits = xmalloc(cap * sizeof(*hits));
		size_t n = cap;
		struct buf err = BUF_INIT;
		struct search_opts so = { mode, sort == 1 ? SEARCH_NEWEST : SEARCH_RELEVANCE, !exact, sort == 2 };
		struct search_info info;
		if (web_search_run(r, q, &so, hits, &n, &info, &err)) {
			html(b, "<p class=\"notice error\" role=\"alert\">%s</p>", err.s);
			o->status = 400;
		} else {
			if (sort == 2)
				web_sort_hits_by_votes(r, hits, n);
			size_t start = (size_t)page * SEARCH_PAGE;
			const char *shown_q = info.corrected ? info.suggestion : q;
			if (info.corrected) {
				html(b, "<p class=\"notice\">Showing results for <a href=\"");
				search_link(b, info.suggestion, mname, sort, 0, false);
				html(b, "\"><strong>%s</strong></a>. Search instead for <a href=\"", info.suggestion);
				search_link(b, q, mname, sort, 0, true);
				html(b, "\">%s</a>.</p>", q);
			} else if (info.suggestion[0]) {
				html(b, "<p class=\"notice\">Did you mean <a href=\"");
				search_link(b, info.suggestion, mname, sort, 0, false);
				html(b, "\"><strong>%s</strong></a>?</p>", info.suggestion);
			}
			if (n > 0) {
				char count[32];
				snprintf(count, sizeof(count), "%llu", (unsigned long long)info.total);
				html(b, "<p class=\"muted result-count\">%S%s paper%S</p>", info.exact ? "" : "About ", count,
				     info.total == 1 ? "" : "s");
			}
			char id[PAPER_ID_MAX];
			if (n <= start && !arxiv_id_parse(q, id, NULL) && page == 0)
				fetch_offer(r, b, id);
			else if (n <= start)
				html(b, "<p class=\"empty\">No papers match.</p>");
			html(b, "<div class=\"cards\" id=\"papers\" tabindex=\"-1\">");
			struct card_opts co = { 0, NULL, mode == SEARCH_SEMANTIC ? NULL : shown_q };
			size_t k = n > start ? (n - start < SEARCH_PAGE ? n - start : SEARCH_PAGE) : 0;
			bool found[SEARCH_PAGE];
			struct paper *ps = web_hit_papers(r, hits + start, k, found, &err);
			struct collect shown = { 0 };
			for (size_t i = 0; ps && i < k; i++)
				if (found[i])
					collect_cb(&ps[i], &shown);
			req_votes_prefetch(r, shown.v, shown.n);
			for (size_t i = 0; i < shown.n; i++)
				html_card(r, b, &shown.v[i], &co);
			collect_free(&shown);
			web_hit_papers_free(ps, k);
			html(b, "</div>");
			if (page > 0 || n > start + SEARCH_PAGE) {
				html(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
				if (page > 0) {
					html(b, "<a rel=\"prev\" href=\"");
					search_link(b, q, mname, sort, page - 1, exact);
					html(b, "\">← Previous</a>");
				}
				if (n > start + SEARCH_PAGE) {
					html(b, "<a rel=\"next\" href=\"");
					search_link(b, q, mname, sort, page + 1, exact);
					html(b, "\">Next →</a>");
				}
				html(b, "</nav>");
			}
			html(b, "<p class=\"muted\"><a href=\"/feeds/search.atom?q=%U\">Follow this search as a feed</a> "
				"(the newest matches first)", shown_q);
			if (r->signed_in && strlen(shown_q) < 199) {
				struct buf here = BUF_INIT;
				buf_adds(&here, "/search?q=");
				buf_add_url(&here, shown_q);
				html(b, " or ");
				html_follow_button(r, b, "search", shown_q, !req_follows(r, "search", shown_q), here.s);
				buf_release(&here);
			}
			html(b, "</p>");
		}
		free(hits);
		buf_release(&err);
	}
	html(b, "</main>");
	page_end(r, o);
}

/* ---- submit ---------------------------------------------------------------------- */

static void submit_page(struct req *r, struct resp *o, const char *msg, const char *link, const char *value)
{
	page_begin(r, o, "Submit a paper", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"narrow\"><h1>Submit a paper</h1><p>Give an arXiv id or URL; the paper joins today's feed with your name on it.");
	if (!r->user.admin) {
		if (r->w->cfg.submit_window_days > 0)
			html(b, " Papers join within %d days of their publication on arXiv", r->w->cfg.submit_window_days);
		if (r->w->cfg.submit_daily_limit > 0)
			html(b, "%S%d a day per account", r->w->cfg.submit_window_days > 0 ? "; " : " At most ",
			     r->w->cfg.submit_daily_limit);
		html(b, ".%S", r->w->cfg.moderate_submissions ? " A moderator approves each submission." : "");
	}
	html(b, "</p>");
	if (msg) {
		html(b, "<p class=\"notice\" role=\"alert\">%s", msg);
		if (link)
			html(b, " <a href=\"/papers/%s\">Go to the paper</a>.", link);
		html(b, "</p>");
	}
	html(b, "<form method=\"post\" action=\"/submit\" class=\"stack\">");
	html_csrf(r, b);
	html(b, "<label for=\"paper\">arXiv id or URL</label><input id=\"paper\" name=\"paper\" required maxlength=\"200\" "
		"placeholder=\"2505.24864\" value=\"%s\"><button class=\"btn\">Submit</button></form></main>",
	     value ? value : "");
	page_end(r, o);
	o->private_ = true;
}

void h_submit_form(struct req *r, struct resp *o)
{
	submit_page(r, o, NULL, NULL, NULL);
}

void h_submit(struct req *r, struct resp *o)
{
	const char *text = req_form(r, "paper");
	char id[PAPER_ID_MAX];
	struct buf msg = BUF_INIT;
	long wait = 0;
	struct svc v = req_svc(r);
	enum svc_status st = svc_submit(&v, &r->user, text, id, &wait, &msg);
	if (st == SVC_OK || st == SVC_ACCEPTED) {
		/* featured, or on its way: its page says which */
		if (st == SVC_ACCEPTED)
			fetcher_kick(r->w);
		else
			web_index_refresh(r);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s", id);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	} else if (st == SVC_PENDING) {
		submit_page(r, o, msg.s, id, NULL);
		o->status = 202;
	} else {
		bool known = st == SVC_CONFLICT || st == SVC_REFUSED;
		submit_page(r, o, msg.s, known ? id : NULL, text);
		o->status = svc_http_status(st);
		if (st == SVC_LIMITED)
			resp_retry_after(o, wait ? wait : 3600);
	}
	buf_release(&msg);
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

