/*
 * api.c - the JSON API in the shapes of Hugging Face's papers API (so that
 * huggingface_hub with HF_ENDPOINT pointed here works unchanged), the
 * Markdown view of a paper, and the Atom feeds.
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
#include <limits.h>

/* ---- envelopes ------------------------------------------------------------- */

/* A request and the JSON array or text being filled. */
struct out_ctx {
	struct req *r;
	json_t *arr;
	json_t *last_top; /* comments: the thread replies go to */
	struct buf *b;
};

static int envelope_cb(const struct paper *p, void *ctx)
{
	struct out_ctx *c = ctx;
	json_t *e = json_list_paper(c->r, p);
	if (e)
		json_array_append_new(c->arr, e);
	return 0;
}

/* ---- GET /api/daily_papers -------------------------------------------------- */

/* One paper of trending by code: the envelope with githubStarsGained and
 * githubStarsHistory ([{"at", "stars"}], oldest first); NULL when muted. */
static json_t *code_item(struct req *r, const struct code_list *l, size_t i)
{
	json_t *e = json_list_paper(r, &l->papers.v[i]);
	if (!e)
		return NULL;
	json_t *h = json_array();
	for (size_t k = 0; k < l->npts[i]; k++)
		json_array_append_new(h, json_pack("{s:o,s:i}", "at", json_time(l->pts[i][k].at), "stars",
						   l->pts[i][k].stars));
	json_object_set_new(e, "githubStarsGained", json_integer(l->gain[i].gained));
	json_object_set_new(e, "githubStarsHistory", h);
	return e;
}

/* ?by=code (with sort=trending): the papers by the GitHub stars their code
 * gained this week, paged by p and limit. false when the request is not
 * one (no by, or by=upvotes: the usual answer follows). */
static bool api_daily_by_code(struct req *r, struct resp *o)
{
	const char *sort = req_arg(r, "sort"), *ps = req_arg(r, "p"), *ls = req_arg(r, "limit");
	int by = lists_by_arg(req_arg(r, "by"));
	if (by == 0 && (!req_arg(r, "by") || (sort && !strcmp(sort, "trending"))))
		return false;
	long page = 0, limit = 50;
	if (by < 0 || !sort || strcmp(sort, "trending")) {
		resp_error(r, o, 400, "by goes with sort=trending: by=upvotes or by=code");
	} else if ((ps && parse_int(ps, 0, 1000, &page)) || (ls && parse_int(ls, 1, 100, &limit))) {
		resp_error(r, o, 400, "p must be a page number from 0 to 1000, limit between 1 and 100");
	} else {
		struct code_list l;
		struct buf err = BUF_INIT;
		if (lists_code(r, (size_t)limit, (size_t)page * (size_t)limit, &l, &err)) {
			fprintf(stderr, "paperboy: serve: %s\n", err.s);
			resp_error(r, o, 500, "the database failed");
		} else {
			json_t *arr = json_array();
			for (size_t i = 0; i < l.papers.n; i++) {
				json_t *e = code_item(r, &l, i);
				if (e)
					json_array_append_new(arr, e);
			}
			resp_json(o, 200, arr);
		}
		lists_code_release(&l);
		buf_release(&err);
	}
	return true;
}

void h_api_daily(struct req *r, struct resp *o)
{
	const char *date = req_arg(r, "date"), *week = req_arg(r, "week"), *month = req_arg(r, "month");
	const char *sort = req_arg(r, "sort"), *ps = req_arg(r, "p"), *ls = req_arg(r, "limit");
	const char *submitter = req_arg(r, "submitter"), *org = req_arg(r, "organization");
	if (api_daily_by_code(r, o))
		return;
	/* in the feed's order, as the pages show it (sort=publishedAt: by arXiv date) */
	struct store_query q = { .day_from = "0000-00-00", .day_to = "9999-99-99", .sort = SORT_FEED };
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
		q.now = lists_trending_now(r, from, to);
		if (!date && !week && !month) {
			memcpy(q.day_from, from, sizeof(from));
			memcpy(q.day_to, to, sizeof(to));
		}
	} else if (sort && !strcmp(sort, "publishedAt")) {
		q.sort = SORT_PUBLISHED;
	} else if (!sort && (date || week || month)) {
		q.sort = SORT_UPVOTES; /* a period's page: the most upvoted first */
	} else if (sort) {
		resp_error(r, o, 400, "sort must be publishedAt or trending");
		return;
	}
	q.submitter = submitter && *submitter ? submitter : NULL;
	q.organization = !q.submitter && org && *org && strlen(org) <= 96 ? org : NULL;
	if (!date && !week && !month && !q.submitter && !q.organization && q.sort != SORT_TRENDING) {
		/* no period: the home page's papers (the newest day, and the
		 * days before it when it is thin) */
		struct feed_days fd;
		lists_feed_days(r, 1, HOME_MAX_DAYS, HOME_MIN, &fd);
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

/* ---- GET /api/papers/ID/references, /api/papers/ID/citations -------------------- */

/* The papers here that paper's text names (references), or whose texts
 * name it (citations), newest first, in the daily-papers envelope; ?p=
 * and ?limit= (1-100, default 50) page them, X-Total-Count counts them. */
void h_api_refs(struct req *r, struct resp *o)
{
	char id[PAPER_ID_MAX];
	size_t plen = strlen(r->path);
	bool cites = plen > 10 && !strcmp(r->path + plen - 10, "/citations");
	const char *ps = req_arg(r, "p"), *ls = req_arg(r, "limit");
	long page = 0, limit = 50;
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "not an arXiv id");
		return;
	}
	if ((ps && parse_int(ps, 0, 1000, &page)) || (ls && parse_int(ls, 1, 100, &limit))) {
		resp_error(r, o, 400, "p must be a page number from 0 to 1000, limit between 1 and 100");
		return;
	}
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(r->s, id, &p, &err);
	int64_t nrefs = 0, ncites = 0;
	json_t *arr = json_array();
	struct out_ctx c = { r, arr, NULL, NULL };
	if (rc || p.hidden) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "paper not found");
	} else if (store_refs_count(r->s, id, &nrefs, &ncites, &err) ||
		   store_refs_list(r->s, id, cites, (size_t)(page * limit), (size_t)limit, envelope_cb, &c, &err)) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "the database failed");
	} else {
		char total[32];
		snprintf(total, sizeof(total), "%lld", (long long)(cites ? ncites : nrefs));
		resp_header(o, "X-Total-Count", total);
		resp_json(o, 200, json_incref(arr));
	}
	json_decref(arr);
	paper_release(&p);
	buf_release(&err);
}

/* ---- GET /api/papers/search -------------------------------------------------- */

/* A search's parameters: the query string's, or, for a text too long for
 * a URL, a POST's body (a JSON object, or a form). */
struct search_args {
	json_t *body;
	char num[6][24];
};

static const char *search_arg(struct req *r, struct search_args *a, const char *name, int slot)
{
	if (strcmp(r->method, "POST"))
		return req_arg(r, name);
	if (!a->body)
		return req_form(r, name);
	json_t *v = json_object_get(a->body, name);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		snprintf(a->num[slot], sizeof(a->num[slot]), "%lld", (long long)json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(a->num[slot], sizeof(a->num[slot]), "%d", json_is_true(v));
	else
		return NULL;
	return a->num[slot];
}

void h_api_search(struct req *r, struct resp *o)
{
	struct search_args sa = { 0 };
	const char *ct = req_header(r, "Content-Type");
	if (!strcmp(r->method, "POST") && ct && strstr(ct, "json") && !(sa.body = json_body(r, o)))
		return;
	const char *q = search_arg(r, &sa, "q", 0), *ls = search_arg(r, &sa, "limit", 1);
	long limit = 50;
	int sort = lists_sort_arg(search_arg(r, &sa, "sort", 2));
	enum search_mode mode = SEARCH_HYBRID;
	const char *ex = search_arg(r, &sa, "exact", 3), *meta = search_arg(r, &sa, "meta", 4);
	const char *bad = !q || str_is_blank(q)			  ? "q is required"
			  : ls && parse_int(ls, 1, 120, &limit)	  ? "limit must be between 1 and 120"
			  : sort < 0				  ? "sort must be relevance, newest or upvotes"
			  : search_mode_parse(search_arg(r, &sa, "mode", 5), &mode) ? "mode must be hybrid, bm25 or semantic"
								  : NULL;
	if (bad) {
		resp_error(r, o, 400, bad);
		json_decref(sa.body);
		return;
	}
	/* by upvotes: the best 300 matches of every word, by their votes */
	size_t cap = sort == 2 ? 300 : (size_t)limit;
	struct search_hit *hits = xcalloc(cap, sizeof(*hits));
	size_t n = cap;
	struct buf err = BUF_INIT;
	struct search_opts so = { mode, sort == 1 ? SEARCH_NEWEST : SEARCH_RELEVANCE, !(ex && !strcmp(ex, "1")),
				  sort == 2 };
	struct search_info info;
	if (follower_search(r, q, &so, hits, &n, &info, &err)) {
		resp_error(r, o, 400, err.s);
		buf_release(&err);
		free(hits);
		json_decref(sa.body);
		return;
	}
	if (sort == 2)
		{
			struct svc v = req_svc(r);
			svc_sort_by_votes(&v, hits, n);
		}
	if (n > (size_t)limit)
		n = (size_t)limit;
	bool *found = xcalloc(n ? n : 1, sizeof(*found));
	struct paper *ps = lists_hit_papers(r, hits, n, found, &err);
	if (!ps) {
		resp_error(r, o, 500, "the database failed");
		buf_release(&err);
		free(found);
		free(hits);
		json_decref(sa.body);
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = found[i] ? json_list_paper(r, &ps[i]) : NULL;
		if (e)
			json_array_append_new(arr, e);
	}
	lists_hit_papers_free(ps, n);
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
	json_decref(sa.body);
}

/* ---- GET /api/papers/ID ------------------------------------------------------ */

static json_t *comment_json(struct req *r, const struct comment *c)
{
	json_t *j = json_object();
	char cid[25];
	pb_object_id("comment", c->paper, (size_t)c->id, cid);
	json_object_set_new(j, "id", json_string(cid));
	json_object_set_new(j, "number", json_integer(c->id));
	json_object_set_new(j, "author", json_user(c->user, c->user));
	json_set_time(j, "createdAt", c->created);
	json_object_set_new(j, "type", json_string("comment"));
	json_t *data = json_object();
	json_object_set_new(data, "edited", json_boolean(c->edited != 0));
	json_object_set_new(data, "hidden", json_boolean(c->hidden || c->deleted));
	json_t *latest = json_object();
	bool show = !c->deleted && !c->hidden;
	json_object_set_new(latest, "raw", json_string(show ? c->body : ""));
	struct buf h = BUF_INIT;
	if (show)
		html_markdown(&h, c->body);
	json_object_set_new(latest, "html", json_string(h.s));
	buf_release(&h);
	json_set_time(latest, "updatedAt", c->edited ? c->edited : c->created);
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

/* The Hub's models, datasets and Spaces citing the paper, in Hugging
 * Face's fields, once they were fetched (fetch_links; never asked here). */
static void add_linked_repos(struct req *r, json_t *j, const char *id)
{
	static const char *const keys[] = { "linkedModels",   "numTotalModels", "linkedDatasets",
					    "numTotalDatasets", "linkedSpaces",   "numTotalSpaces" };
	struct buf doc = BUF_INIT, err = BUF_INIT;
	pb_time fetched;
	if (store_links_get(r->s, id, &doc, &fetched, &err) == 0) {
		json_t *d = json_loadb(doc.s, doc.len, 0, NULL);
		for (size_t i = 0; d && i < ARRAY_SIZE(keys); i++) {
			json_t *v = json_object_get(d, keys[i]);
			if (v)
				json_object_set(j, keys[i], v);
		}
		json_decref(d);
	}
	buf_release(&doc);
	buf_release(&err);
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
		add_linked_repos(r, j, p.id);
		/* the papers here its text names, and those here naming it */
		int64_t nrefs = 0, ncites = 0;
		if (store_refs_count(r->s, p.id, &nrefs, &ncites, &err) == 0) {
			json_object_set_new(j, "numReferences", json_integer(nrefs));
			json_object_set_new(j, "numCitations", json_integer(ncites));
		}
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
	enum pb_status st = svc_vote(&v, &r->user, id, want ? 1 : 0, &voted, &upvotes);
	if (st != PB_OK)
		resp_error(r, o, resp_status(st, NULL), st == PB_NOTFOUND ? "paper not found" : "the database failed");
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
	enum pb_status st = svc_submit(&v, &r->user, text, id, &wait, &msg);
	if (st == PB_PENDING) {
		resp_json(o, 202, json_pack("{s:s,s:s,s:s}", "id", id, "status", "pending", "message", msg.s));
	} else if (st == PB_ACCEPTED) {
		/* being fetched from arXiv: GET /api/papers/ID says when it is here */
		fetcher_kick(r->w);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/api/papers/%s", id);
		resp_header(o, "Location", loc.s);
		resp_json(o, 202, json_pack("{s:s,s:s,s:s}", "id", id, "status", "fetching", "message", msg.s));
		buf_release(&loc);
	} else if (st == PB_OK) {
		follower_wait(r->w);
		struct paper p;
		paper_init(&p);
		struct buf err = BUF_INIT;
		store_paper_get(r->s, id, &p, &err);
		resp_json(o, 201, json_paper(r, &p));
		paper_release(&p);
		buf_release(&err);
	} else {
		if (st == PB_LIMITED)
			resp_retry_after(o, wait ? wait : 3600);
		resp_error(r, o, resp_status(st, NULL), msg.s);
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
	json_t *pj = json_object_get(j, "parentId");
	json_int_t parent = json_integer_value(pj);
	struct comment c = { 0 };
	if (!body || str_is_blank(body) || strlen(body) > SVC_COMMENT_MAX) {
		resp_error(r, o, 400, "comment: a string of 1 to 10,000 characters is required");
	} else if (pj && !json_is_null(pj) && !(json_is_integer(pj) && parent >= 0)) {
		/* as the page's form: a reply names its parent by number (0 or
		 * null: none), never taken for a new thread */
		resp_error(r, o, 400, "parentId: a comment's number, or null");
	} else if (arxiv_id_parse(r->cap[0], c.paper, NULL)) {
		resp_error(r, o, 404, "not an arXiv id");
	} else {
		c.body = (char *)body;
		c.parent = parent > 0 ? (int64_t)parent : 0;
		struct buf msg = BUF_INIT;
		long wait = 0;
		struct svc v = req_svc(r);
		enum pb_status st = svc_comment_add(&v, &r->user, &c, &wait, &msg);
		if (st == PB_OK) {
			resp_json(o, 201, json_pack("{s:o}", "comment", comment_json(r, &c)));
		} else {
			if (st == PB_LIMITED)
				resp_retry_after(o, wait);
			resp_error(r, o, resp_status(st, NULL), st == PB_NOTFOUND ? "paper or parent comment not found"
							      : pb_status_failed(st) ? "the database failed" : msg.s);
		}
		buf_release(&msg);
	}
	json_decref(j);
}

/* ---- GET /papers/ID.md ------------------------------------------------------------ */

/* ---- Atom feeds ----------------------------------------------------------------------
 * Entry ids are tag URIs of the paper id alone ("tag:paperboy,2025:paper/ID"),
 * so a reader never sees a paper twice however the feed is reached, and
 * entries keep their place when the base URL changes. */

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
	lists_feed_days(r, 7, 7, 0, &fd);
	struct store_query q = { .day_to = "9999-99-99", .sort = SORT_FEED, .limit = 200 };
	if (fd.n)
		snprintf(q.day_from, sizeof(q.day_from), "%s", fd.day[fd.n - 1]);
	feed_list(r, o, "paperboy: daily papers", "/feeds/daily.atom", &q);
}

/* Trending by code: the 50 papers whose code gained the most stars this
 * week, in that order. */
static void feed_by_code(struct req *r, struct resp *o)
{
	atom_begin(r, o, "paperboy: trending papers by code", "/feeds/trending.atom?by=code", NULL);
	struct code_list l;
	struct buf err = BUF_INIT;
	if (lists_code(r, 50, 0, &l, &err) == 0)
		for (size_t i = 0; i < l.papers.n; i++)
			atom_entry(r, &o->body, &l.papers.v[i]);
	else
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	lists_code_release(&l);
	buf_adds(&o->body, "</feed>\n");
	buf_release(&err);
}

void h_feed_trending(struct req *r, struct resp *o)
{
	int by = lists_by_arg(req_arg(r, "by"));
	if (by < 0) {
		resp_error(r, o, 400, "Trending is by upvotes (by=upvotes) or by code (by=code).");
		return;
	}
	if (by == 1) {
		feed_by_code(r, o);
		return;
	}
	struct store_query q = { .sort = SORT_TRENDING, .limit = 50 };
	q.now = lists_trending_now(r, q.day_from, q.day_to);
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
	if (follower_search(r, q, &so, hits, &n, NULL, &err)) {
		resp_error(r, o, 400, err.s);
		buf_release(&err);
		return;
	}
	struct buf title = BUF_INIT;
	buf_addf(&title, "paperboy: %s", q);
	atom_begin(r, o, title.s, "/feeds/search.atom", q);
	bool found[50];
	struct paper *ps = lists_hit_papers(r, hits, n, found, &err);
	for (size_t i = 0; ps && i < n; i++)
		if (found[i])
			atom_entry(r, &o->body, &ps[i]);
	lists_hit_papers_free(ps, n);
	buf_adds(&o->body, "</feed>\n");
	buf_release(&title);
	buf_release(&err);
}
