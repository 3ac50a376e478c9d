/*
 * api.c - the JSON API in the shapes of Hugging Face's papers API (so that
 * huggingface_hub with HF_ENDPOINT pointed here works unchanged), the
 * Markdown view of a paper, and the Atom feeds.
 */
#include "web_int.h"
#include <limits.h>

/* ---- envelopes ------------------------------------------------------------- */

static void set_iso(json_t *o, const char *key, pb_time t)
{
	char iso[32];
	time_format_iso(t, iso);
	json_object_set_new(o, key, json_string(iso));
}

json_t *paper_envelope(struct req *r, const struct paper *p)
{
	json_t *paper = paper_to_json(p);
	json_t *e = json_object();
	json_object_set_new(e, "paper", paper);
	/* the envelope's publishedAt is when the paper was featured */
	set_iso(e, "publishedAt", p->submitted_at ? p->submitted_at : p->published);
	json_object_set_new(e, "title", json_string(p->title ? p->title : p->id));
	json_object_set_new(e, "summary", json_string(p->abstract ? p->abstract : ""));
	/* the thumbnail: ours when cached, else where Hugging Face keeps it */
	struct buf thumb = BUF_INIT;
	if (thumb_exists(r->w, p->id)) {
		buf_adds(&thumb, r->w->base_url);
		struct buf t = BUF_INIT;
		thumb_path(p->id, &t);
		buf_add(&thumb, t.s, t.len);
		buf_release(&t);
	} else if (url_is_web(p->thumbnail)) {
		buf_adds(&thumb, p->thumbnail);
	}
	json_object_set_new(e, "thumbnail", json_string(thumb.s));
	buf_release(&thumb);
	json_object_set_new(e, "numComments", json_integer(paper_comments(p)));
	if (p->submitter)
		json_object_set_new(e, "submittedBy", user_json(p->submitter, p->submitter_name));
	json_object_set_new(e, "isAuthorParticipating", json_boolean(p->author_participating));
	/* clients read these on the envelope too */
	static const char *const copy[] = { "githubRepo", "projectPage", "githubStars", "ai_summary", "ai_keywords",
					    "organization", "mediaUrls" };
	for (size_t i = 0; i < ARRAY_SIZE(copy); i++) {
		json_t *v = json_object_get(paper, copy[i]);
		if (v)
			json_object_set(e, copy[i], v);
	}
	return e;
}

/* A request and the JSON array or text being filled. */
struct out_ctx {
	struct req *r;
	json_t *arr;
	json_t *last_top; /* comments: the thread replies go to */
	struct buf *b;
};

/* The envelope of p for a list, or NULL when the reader muted it: muted
 * papers leave the lists of the API, or with ?muted=show stay, saying why. */
json_t *list_envelope(struct req *r, const struct paper *p)
{
	char why[160];
	if (!req_muted(r, p, why)) {
		json_t *e = paper_envelope(r, p);
		if (req_is_new(r, p))
			json_object_set_new(e, "isNew", json_true());
		return e;
	}
	const char *m = req_arg(r, "muted");
	if (!m || strcmp(m, "show"))
		return NULL;
	json_t *e = paper_envelope(r, p);
	json_object_set_new(e, "muted", json_string(why));
	return e;
}

static int envelope_cb(const struct paper *p, void *ctx)
{
	struct out_ctx *c = ctx;
	json_t *e = list_envelope(c->r, p);
	if (e)
		json_array_append_new(c->arr, e);
	return 0;
}

/* ---- GET /api/daily_papers -------------------------------------------------- */

void h_api_daily(struct req *r, struct resp *o)
{
	const char *date = req_arg(r, "date"), *week = req_arg(r, "week"), *month = req_arg(r, "month");
	const char *sort = req_arg(r, "sort"), *ps = req_arg(r, "p"), *ls = req_arg(r, "limit");
	const char *submitter = req_arg(r, "submitter");
	struct store_query q = { .day_from = "0000-00-00", .day_to = "9999-99-99", .sort = SORT_PUBLISHED };
	long page = 0, limit = 50;
	if (ps && parse_int(ps, 0, 1000, &page)) {
		resp_error(r, o, 400, "p must be a page number from 0 to 1000");
		return;
	}
	if (ls && parse_int(ls, 1, 100, &limit)) {
		resp_error(r, o, 400, "limit must be between 1 and 100");
		return;
	}
	if ((date != NULL) + (week != NULL) + (month != NULL) > 1) {
		resp_error(r, o, 400, "give one of date, week and month");
		return;
	}
	pb_time t;
	if (date) {
		if (day_parse(date, &t) || strlen(date) != 10) {
			resp_error(r, o, 400, "date must look like 2025-06-02");
			return;
		}
		snprintf(q.day_from, sizeof(q.day_from), "%s", date);
		time_format_day(t + 86400000, q.day_to);
	} else if (week && week_range(week, q.day_from, q.day_to)) {
		resp_error(r, o, 400, "week must look like 2025-W23");
		return;
	} else if (month && month_range(month, q.day_from, q.day_to)) {
		resp_error(r, o, 400, "month must look like 2025-06");
		return;
	}
	if (sort && !strcmp(sort, "trending")) {
		q.sort = SORT_TRENDING;
		char from[16], to[16];
		q.now = trending_now(r, from, to);
		if (!date && !week && !month) {
			memcpy(q.day_from, from, sizeof(from));
			memcpy(q.day_to, to, sizeof(to));
		}
	} else if (sort && strcmp(sort, "publishedAt")) {
		resp_error(r, o, 400, "sort must be publishedAt or trending");
		return;
	}
	q.submitter = submitter && *submitter ? submitter : NULL;
	if (!date && !week && !month && !q.submitter && q.sort != SORT_TRENDING) {
		/* no period: the home page's papers (the newest day, and the
		 * days before it when it is thin) */
		struct feed_days fd;
		feed_days(r, 1, HOME_MAX_DAYS, HOME_MIN, &fd);
		if (fd.n && !day_parse(fd.day[0], &t)) {
			snprintf(q.day_from, sizeof(q.day_from), "%s", fd.day[fd.n - 1]);
			time_format_day(t + 86400000, q.day_to);
		}
	}
	q.limit = (size_t)limit;
	q.offset = (size_t)page * (size_t)limit;
	json_t *arr = json_array();
	struct out_ctx c = { r, arr, NULL, NULL };
	struct buf err = BUF_INIT;
	if (store_paper_list(r->s, &q, envelope_cb, &c, &err)) {
		json_decref(arr);
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "the database failed");
	} else {
		resp_json(o, 200, arr);
	}
	buf_release(&err);
}

/* ---- GET /api/papers/search -------------------------------------------------- */

void h_api_search(struct req *r, struct resp *o)
{
	const char *q = req_arg(r, "q"), *ls = req_arg(r, "limit");
	long limit = 50;
	if (!q || str_is_blank(q)) {
		resp_error(r, o, 400, "q is required");
		return;
	}
	if (ls && parse_int(ls, 1, 120, &limit)) {
		resp_error(r, o, 400, "limit must be between 1 and 120");
		return;
	}
	int sort = sort_arg(req_arg(r, "sort"));
	if (sort < 0) {
		resp_error(r, o, 400, "sort must be relevance, newest or upvotes");
		return;
	}
	const char *ex = req_arg(r, "exact"), *meta = req_arg(r, "meta");
	/* by upvotes: the best 300 matches of every word, by their votes */
	size_t cap = sort == 2 ? 300 : (size_t)limit;
	struct search_hit *hits = xcalloc(cap, sizeof(*hits));
	size_t n = cap;
	struct buf err = BUF_INIT;
	struct search_opts so = { SEARCH_HYBRID, sort == 1 ? SEARCH_NEWEST : SEARCH_RELEVANCE, !(ex && !strcmp(ex, "1")),
				  sort == 2 };
	struct search_info info;
	if (web_search_run(r, q, &so, hits, &n, &info, &err)) {
		resp_error(r, o, 400, err.s);
		buf_release(&err);
		free(hits);
		return;
	}
	if (sort == 2)
		web_sort_hits_by_votes(r, hits, n);
	if (n > (size_t)limit)
		n = (size_t)limit;
	bool *found = xcalloc(n ? n : 1, sizeof(*found));
	struct paper *ps = web_hit_papers(r, hits, n, found, &err);
	if (!ps) {
		resp_error(r, o, 500, "the database failed");
		buf_release(&err);
		free(found);
		free(hits);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = found[i] ? list_envelope(r, &ps[i]) : NULL;
		if (e)
			json_array_append_new(arr, e);
	}
	web_hit_papers_free(ps, n);
	/* Hugging Face's shape is the array; what more there is to know comes
	 * in headers, or around it with ?meta=1 */
	char total[32];
	snprintf(total, sizeof(total), "%llu", (unsigned long long)info.total);
	resp_header(o, "X-Total-Count", total);
	resp_header(o, "X-Total-Count-Exact", info.exact ? "true" : "false");
	if (info.suggestion[0]) {
		struct buf enc = BUF_INIT;
		buf_add_url(&enc, info.suggestion);
		resp_header(o, info.corrected ? "X-Search-Corrected" : "X-Search-Suggestion", enc.s);
		buf_release(&enc);
	}
	if (meta && !strcmp(meta, "1"))
		resp_json(o, 200, json_pack("{s:o,s:I,s:b,s:s?,s:b}", "results", arr, "total", (json_int_t)info.total,
					    "totalExact", info.exact, "suggestion", info.suggestion[0] ? info.suggestion : NULL,
					    "corrected", info.corrected));
	else
		resp_json(o, 200, arr);
	free(found);
	free(hits);
	buf_release(&err);
}

/* ---- GET /api/papers/ID ------------------------------------------------------ */

static json_t *comment_json(struct req *r, const struct comment *c)
{
	json_t *j = json_object();
	char cid[25];
	pb_object_id("comment", c->paper, (size_t)c->id, cid);
	json_object_set_new(j, "id", json_string(cid));
	json_object_set_new(j, "number", json_integer(c->id));
	json_object_set_new(j, "author", user_json(c->user, c->user));
	set_iso(j, "createdAt", c->created);
	json_object_set_new(j, "type", json_string("comment"));
	json_t *data = json_object();
	json_object_set_new(data, "edited", json_boolean(c->edited != 0));
	json_object_set_new(data, "hidden", json_boolean(c->hidden || c->deleted));
	json_t *latest = json_object();
	bool show = !c->deleted && !c->hidden;
	json_object_set_new(latest, "raw", json_string(show ? c->body : ""));
	struct buf h = BUF_INIT;
	if (show)
		markdown_html(&h, c->body);
	json_object_set_new(latest, "html", json_string(h.s));
	buf_release(&h);
	set_iso(latest, "updatedAt", c->edited ? c->edited : c->created);
	json_object_set_new(data, "latest", latest);
	json_object_set_new(j, "data", data);
	json_object_set_new(j, "replies", json_array());
	(void)r;
	return j;
}

static int comments_cb(const struct comment *c, void *ctx)
{
	struct out_ctx *cc = ctx;
	if (c->parent && (c->deleted || c->hidden))
		return 0; /* a reply nobody sees; top-level ones keep the thread's shape */
	json_t *j = comment_json(cc->r, c);
	if (c->parent && cc->last_top) {
		json_array_append_new(json_object_get(cc->last_top, "replies"), j);
	} else {
		json_array_append_new(cc->arr, j);
		cc->last_top = j;
	}
	return 0;
}

void h_api_paper(struct req *r, struct resp *o)
{
	char id[PAPER_ID_MAX];
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "not an arXiv id");
		return;
	}
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(r->s, id, &p, &err);
	struct fetch_job fj;
	struct svc v = req_svc(r);
	if (rc == 1 && svc_fetch_status(&v, NULL, id, &fj) == 0) {
		/* not here (yet): what became of its fetch */
		o->private_ = true;
		resp_json(o, 404, json_pack("{s:s,s:{s:s,s:s}}", "error", "paper not found", "fetch", "state", fj.state,
					    "message", fj.message));
	} else if (rc || p.hidden) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "paper not found");
	} else {
		json_t *j = paper_to_json(&p);
		const char *field = req_arg(r, "field");
		if (field && !strcmp(field, "comments")) {
			json_t *arr = json_array();
			struct out_ctx cc = { r, arr, NULL, NULL };
			store_comment_list(r->s, p.id, comments_cb, &cc, &err);
			json_object_set_new(j, "comments", arr);
		}
		resp_json(o, 200, j);
	}
	paper_release(&p);
	buf_release(&err);
}

/* ---- writes with a bearer token ------------------------------------------------ */

json_t *json_body(struct req *r, struct resp *o)
{
	json_error_t je;
	json_t *j = json_loadb(r->body.s, r->body.len, 0, &je);
	if (!j || !json_is_object(j)) {
		char msg[256];
		snprintf(msg, sizeof(msg), "the body must be a JSON object (line %d, column %d: %s)", je.line, je.column,
			 j ? "not an object" : je.text);
		resp_error(r, o, 400, msg);
		json_decref(j);
		return NULL;
	}
	return j;
}

static void api_vote(struct req *r, struct resp *o, bool want)
{
	char id[PAPER_ID_MAX];
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "not an arXiv id");
		return;
	}
	bool voted = false;
	int upvotes = 0;
	struct svc v = req_svc(r);
	enum svc_status st = svc_vote(&v, &r->user, id, want ? 1 : 0, &voted, &upvotes);
	if (st != SVC_OK)
		resp_error(r, o, svc_http_status(st), st == SVC_NOTFOUND ? "paper not found" : "the database failed");
	else
		resp_json(o, 200, json_pack("{s:s,s:b,s:i}", "id", id, "upvoted", voted, "upvotes", upvotes));
}

void h_api_vote(struct req *r, struct resp *o)
{
	api_vote(r, o, true);
}

void h_api_unvote(struct req *r, struct resp *o)
{
	api_vote(r, o, false);
}

void h_api_submit(struct req *r, struct resp *o)
{
	json_t *j = json_body(r, o);
	if (!j)
		return;
	const char *text = json_string_value(json_object_get(j, "paperId"));
	if (!text)
		text = json_string_value(json_object_get(j, "id"));
	char id[PAPER_ID_MAX];
	struct buf msg = BUF_INIT;
	long wait = 0;
	struct svc v = req_svc(r);
	enum svc_status st = svc_submit(&v, &r->user, text, id, &wait, &msg);
	if (st == SVC_PENDING) {
		resp_json(o, 202, json_pack("{s:s,s:s,s:s}", "id", id, "status", "pending", "message", msg.s));
	} else if (st == SVC_ACCEPTED) {
		/* being fetched from arXiv: GET /api/papers/ID says when it is here */
		fetcher_kick(r->w);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/api/papers/%s", id);
		resp_header(o, "Location", loc.s);
		resp_json(o, 202, json_pack("{s:s,s:s,s:s}", "id", id, "status", "fetching", "message", msg.s));
		buf_release(&loc);
	} else if (st == SVC_OK) {
		web_index_refresh(r);
		struct paper p;
		paper_init(&p);
		struct buf err = BUF_INIT;
		store_paper_get(r->s, id, &p, &err);
		resp_json(o, 201, paper_envelope(r, &p));
		paper_release(&p);
		buf_release(&err);
	} else {
		if (st == SVC_LIMITED)
			resp_retry_after(o, wait ? wait : 3600);
		resp_error(r, o, svc_http_status(st), msg.s);
	}
	buf_release(&msg);
	json_decref(j);
}

void h_api_comment(struct req *r, struct resp *o)
{
	json_t *j = json_body(r, o);
	if (!j)
		return;
	const char *body = json_string_value(json_object_get(j, "comment"));
	json_int_t parent = json_integer_value(json_object_get(j, "parentId"));
	struct comment c = { 0 };
	if (!body || str_is_blank(body) || strlen(body) > SVC_COMMENT_MAX) {
		resp_error(r, o, 400, "comment: a string of 1 to 10,000 characters is required");
	} else if (arxiv_id_parse(r->cap[0], c.paper, NULL)) {
		resp_error(r, o, 404, "not an arXiv id");
	} else {
		c.body = (char *)body;
		c.parent = parent > 0 ? (int64_t)parent : 0;
		struct buf msg = BUF_INIT;
		long wait = 0;
		struct svc v = req_svc(r);
		enum svc_status st = svc_comment_add(&v, &r->user, &c, &wait, &msg);
		if (st == SVC_OK) {
			resp_json(o, 201, json_pack("{s:o}", "comment", comment_json(r, &c)));
		} else {
			if (st == SVC_LIMITED)
				resp_retry_after(o, wait);
			resp_error(r, o, svc_http_status(st), st == SVC_NOTFOUND ? "paper or parent comment not found"
							      : st == SVC_FAILED ? "the database failed" : msg.s);
		}
		buf_release(&msg);
	}
	json_decref(j);
}

/* ---- GET /papers/ID.md ------------------------------------------------------------ */

void h_paper_md(struct req *r, struct resp *o)
{
	char raw[PAPER_ID_MAX], id[PAPER_ID_MAX];
	snprintf(raw, sizeof(raw), "%.*s", (int)strlen(r->cap[0]) - 3, r->cap[0]);
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = arxiv_id_parse(raw, id, NULL) ? 1 : store_paper_get(r->s, id, &p, &err);
	if (rc || p.hidden) {
		resp_error(r, o, 404, "There is no such paper here.");
	} else {
		struct buf *b = &o->body;
		o->ctype = "text/markdown; charset=utf-8";
		buf_addf(b, "# %s\n\n", p.title ? p.title : p.id);
		if (p.authors.n) {
			buf_adds(b, "**Authors:** ");
			strlist_join(&p.authors, ", ", b);
			buf_adds(b, "\n\n");
		}
		char day[16] = "";
		if (p.published)
			time_format_day(p.published, day);
		buf_addf(b, "**arXiv:** [%s](https://arxiv.org/abs/%s) · **Published:** %s · **Upvotes:** %d\n\n", p.id, p.id,
			 day[0] ? day : "unknown", paper_upvotes(&p));
		if (url_is_web(p.code_url))
			buf_addf(b, "**Code:** %s\n\n", p.code_url);
		if (url_is_web(p.project_page))
			buf_addf(b, "**Project page:** %s\n\n", p.project_page);
		if (p.ai_summary)
			buf_addf(b, "**Summary:** %s\n\n", p.ai_summary);
		buf_addf(b, "## Abstract\n\n%s\n", p.abstract ? p.abstract : "");
	}
	paper_release(&p);
	buf_release(&err);
}

/* ---- Atom feeds ----------------------------------------------------------------------
 * Entry ids are tag URIs of the paper id alone ("tag:paperboy,2025:paper/ID"),
 * so a reader never sees a paper twice however the feed is reached, and
 * entries keep their place when the base URL changes. */

static void xml_esc(struct buf *b, const char *s)
{
	buf_add_html(b, s, strlen(s)); /* the five XML entities */
}

void atom_entry(struct req *r, struct buf *b, const struct paper *p)
{
	char updated[32], published[32];
	pb_time feat = p->submitted_at ? p->submitted_at : p->published;
	time_format_iso(feat ? feat : 1, updated);
	time_format_iso(p->published ? p->published : 1, published);
	buf_adds(b, "<entry><id>tag:paperboy,2025:paper/");
	xml_esc(b, p->id);
	buf_adds(b, "</id><title>");
	xml_esc(b, p->title ? p->title : p->id);
	buf_addf(b, "</title><updated>%s</updated><published>%s</published><link rel=\"alternate\" type=\"text/html\" href=\"",
		 updated, published);
	xml_esc(b, r->w->base_url);
	buf_adds(b, "/papers/");
	xml_esc(b, p->id);
	buf_adds(b, "\"/>");
	for (size_t i = 0; i < p->authors.n; i++) {
		buf_adds(b, "<author><name>");
		xml_esc(b, p->authors.v[i]);
		buf_adds(b, "</name></author>");
	}
	if (!p->authors.n)
		buf_adds(b, "<author><name>unknown</name></author>");
	buf_adds(b, "<link rel=\"related\" type=\"application/pdf\" title=\"PDF\" href=\"https://arxiv.org/pdf/");
	xml_esc(b, p->id);
	buf_adds(b, "\"/>");
	if (url_is_web(p->code_url)) {
		buf_adds(b, "<link rel=\"related\" title=\"");
		xml_esc(b, link_kind_name(link_kind_of(p->code_url)));
		buf_adds(b, "\" href=\"");
		xml_esc(b, p->code_url);
		buf_adds(b, "\"/>");
	}
	buf_adds(b, "<summary type=\"text\">");
	xml_esc(b, p->abstract ? p->abstract : "");
	buf_adds(b, "</summary>");
	/* the content: the AI summary, the abstract, the upvotes and the links,
	 * as a reader shows them (escaped HTML) */
	struct buf h = BUF_INIT;
	if (p->ai_summary && *p->ai_summary)
		html(&h, "<p><strong>Summary:</strong> %s</p>", p->ai_summary);
	html(&h, "<p>%s</p><p>▲ %d upvote%S · <a href=\"%s/papers/%s\">Paper page</a> · <a href=\"https://arxiv.org/pdf/%s\">PDF</a>",
	     p->abstract ? p->abstract : "", paper_upvotes(p), paper_upvotes(p) == 1 ? "" : "s", r->w->base_url, p->id, p->id);
	if (url_is_web(p->code_url))
		html(&h, " · <a href=\"%L\">%s</a>", p->code_url, link_kind_name(link_kind_of(p->code_url)));
	if (url_is_web(p->project_page))
		html(&h, " · <a href=\"%L\">Project page</a>", p->project_page);
	html(&h, "</p>");
	buf_adds(b, "<content type=\"html\">");
	xml_esc(b, h.s);
	buf_adds(b, "</content></entry>\n");
	buf_release(&h);
}

void atom_begin(struct req *r, struct resp *o, const char *title, const char *self_path, const char *self_query)
{
	struct buf *b = &o->body;
	o->ctype = "application/atom+xml; charset=utf-8";
	char now[32];
	time_format_iso(time_now_ms(), now);
	buf_adds(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>");
	xml_esc(b, title);
	buf_adds(b, "</title><id>");
	struct buf self = BUF_INIT;
	buf_addf(&self, "%s%s", r->w->base_url, self_path);
	if (self_query) {
		buf_adds(&self, "?q=");
		buf_add_url(&self, self_query);
	}
	xml_esc(b, self.s);
	buf_addf(b, "</id><updated>%s</updated><link rel=\"self\" type=\"application/atom+xml\" href=\"", now);
	xml_esc(b, self.s);
	buf_adds(b, "\"/><link rel=\"alternate\" type=\"text/html\" href=\"");
	xml_esc(b, r->w->base_url);
	buf_adds(b, "/\"/><generator>paperboy</generator>\n");
	buf_release(&self);
}

static int atom_cb(const struct paper *p, void *ctx)
{
	struct out_ctx *c = ctx;
	atom_entry(c->r, c->b, p);
	return 0;
}

static void feed_list(struct req *r, struct resp *o, const char *title, const char *path, struct store_query *q)
{
	atom_begin(r, o, title, path, NULL);
	struct out_ctx c = { r, NULL, NULL, &o->body };
	struct buf err = BUF_INIT;
	store_paper_list(r->s, q, atom_cb, &c, &err);
	buf_adds(&o->body, "</feed>\n");
	buf_release(&err);
}

void h_feed_daily(struct req *r, struct resp *o)
{
	/* the newest 7 days of the feed, newest first: a reader polling daily
	 * sees each paper once */
	struct feed_days fd;
	feed_days(r, 7, 7, 0, &fd);
	struct store_query q = { .day_to = "9999-99-99", .sort = SORT_PUBLISHED, .limit = 200 };
	if (fd.n)
		snprintf(q.day_from, sizeof(q.day_from), "%s", fd.day[fd.n - 1]);
	feed_list(r, o, "paperboy: daily papers", "/feeds/daily.atom", &q);
}

void h_feed_trending(struct req *r, struct resp *o)
{
	struct store_query q = { .sort = SORT_TRENDING, .limit = 50 };
	q.now = trending_now(r, q.day_from, q.day_to);
	feed_list(r, o, "paperboy: trending papers", "/feeds/trending.atom", &q);
}

void h_feed_search(struct req *r, struct resp *o)
{
	const char *q = req_arg(r, "q");
	if (!q || str_is_blank(q)) {
		resp_error(r, o, 400, "A search feed needs ?q=QUERY.");
		return;
	}
	/* a followed search is for news: its newest matches first */
	struct search_hit hits[50];
	size_t n = 50;
	struct buf err = BUF_INIT;
	struct search_opts so = { SEARCH_BM25, SEARCH_NEWEST, false, false };
	if (web_search_run(r, q, &so, hits, &n, NULL, &err)) {
		resp_error(r, o, 400, err.s);
		buf_release(&err);
		return;
	}
	struct buf title = BUF_INIT;
	buf_addf(&title, "paperboy: %s", q);
	atom_begin(r, o, title.s, "/feeds/search.atom", q);
	bool found[50];
	struct paper *ps = web_hit_papers(r, hits, n, found, &err);
	for (size_t i = 0; ps && i < n; i++)
		if (found[i])
			atom_entry(r, &o->body, &ps[i]);
	web_hit_papers_free(ps, n);
	buf_adds(&o->body, "</feed>\n");
	buf_release(&title);
	buf_release(&err);
}
