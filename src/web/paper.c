/*
 * paper.c - a paper's pages: the paper (votes and their history, the
 * discussion, similar papers, its links), its Markdown and BibTeX, votes,
 * comments, fetching a paper not here from arXiv, and the moderators'
 * actions on papers and comments.
 */
#include "handlers.h"
#include "cards.h"
#include "follower.h"
#include "html.h"
#include "lists.h"
#include "reader.h"
#include "respond.h"
#include "fetcher.h"
#include "auth.h"
#include "http.h"
#include "json.h"
#include <ctype.h>
#include <limits.h>

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
	enum pb_status st = svc_fetch_ask(&v, &r->user, id, &wait, &msg);
	if (st == PB_OK || st == PB_ACCEPTED) {
		if (st == PB_ACCEPTED)
			fetcher_kick(r->w);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s", id);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	} else {
		if (st == PB_LIMITED)
			resp_retry_after(o, wait);
		resp_error(r, o, resp_status(st, NULL), msg.s);
	}
	buf_release(&msg);
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
	if (!r->signed_in || c->deleted)
		return;
	bool mine = r->user.id == c->user_id;
	if (mine) {
		html_printf(b, "<details class=\"edit\"><summary>Edit</summary><form method=\"post\" action=\"/comments/%lld/edit\" class=\"stack\">",
		     (long long)c->id);
		html_csrf(r, b);
		html_printf(b, "<label class=\"sr\" for=\"e%lld\">Edit your comment</label><textarea id=\"e%lld\" name=\"body\" rows=\"4\" required maxlength=\"10000\">%s</textarea>"
			"<button class=\"btn small\">Save</button></form></details>",
		     (long long)c->id, (long long)c->id, c->body);
	}
	if (mine || r->user.admin) {
		html_printf(b, "<form method=\"post\" action=\"/comments/%lld/delete\" class=\"inline\" "
			    "data-confirm=\"Delete this comment? This cannot be undone.\">",
			    (long long)c->id);
		html_csrf(r, b);
		html_printf(b, "<button class=\"link danger\">Delete</button></form>");
	}
	if (r->user.admin) {
		html_printf(b, " <span class=\"muted\" aria-hidden=\"true\">·</span> ");
		html_printf(b, "<form method=\"post\" action=\"/admin/comments/%lld\" class=\"inline\">", (long long)c->id);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"hidden\" value=\"%s\"><button class=\"link\">%s</button></form>",
		     c->hidden ? "0" : "1", c->hidden ? "Show" : "Hide");
	}
}

static void reply_form(struct comments_ctx *cc, int64_t parent)
{
	struct req *r = cc->r;
	struct buf *b = cc->b;
	if (!r->signed_in)
		return;
	html_printf(b, "<details class=\"reply\"><summary>Reply</summary><form method=\"post\" action=\"/papers/%s/comments\" class=\"stack\">",
	     cc->p->id);
	html_csrf(r, b);
	html_printf(b, "<input type=\"hidden\" name=\"parent\" value=\"%lld\"><label class=\"sr\" for=\"r%lld\">Your reply</label>"
		"<textarea id=\"r%lld\" name=\"body\" rows=\"3\" required maxlength=\"10000\"></textarea>"
		"<button class=\"btn small\">Reply</button></form></details>",
	     (long long)parent, (long long)parent, (long long)parent);
}

/* Comments render as a list of threads: each top-level comment, its
 * replies, and a reply form. */
struct thread_ctx {
	struct comments_ctx cc;
	int64_t thread;
	bool thread_deleted; /* no replies to a deleted comment */
	int count;	     /* the comments shown with their text */
};

static void close_thread(struct thread_ctx *t)
{
	if (t->thread) {
		html_printf(t->cc.b, "</ol>");
		if (!t->thread_deleted)
			reply_form(&t->cc, t->thread);
		html_printf(t->cc.b, "</li>");
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
	html_printf(b, "<li class=\"comment\" id=\"c%lld\"><p class=\"who\">", (long long)c->id);
	/* a deleted comment (a deleted account's are all) names no one */
	if (c->deleted)
		html_printf(b, "<span class=\"muted\">[deleted]</span>");
	else
		html_printf(b, "<a href=\"/u/%U\">%s</a>", c->user, c->user);
	html_printf(b, " <time datetime=\"%s\">%s</time>%S</p>", when, when,
		    c->edited && !c->deleted ? " <span class=\"muted\">(edited)</span>" : "");
	if (c->deleted) {
		html_printf(b, "<p class=\"muted\">[deleted]</p>");
	} else if (c->hidden && !(r->signed_in && r->user.admin)) {
		html_printf(b, "<p class=\"muted\">[hidden by a moderator]</p>");
	} else {
		html_printf(b, "<div class=\"md\">");
		html_markdown(b, c->body);
		html_printf(b, "</div>");
	}
	comment_forms(&t->cc, c);
	if (!c->parent) {
		html_printf(b, "<ol class=\"replies\">");
		t->thread = c->id;
		t->thread_deleted = c->deleted;
	} else {
		html_printf(b, "</li>");
	}
	if (!c->deleted && (!c->hidden || (r->signed_in && r->user.admin)))
		t->count++;
	return 0;
}

static void paper_comments_html(struct req *r, struct buf *b, const struct paper *p)
{
	int hf = paper_hf_comments(p);
	/* the heading counts what the list below shows, so the list comes first */
	struct buf list = BUF_INIT;
	struct thread_ctx t = { { r, &list, p }, 0, false, 0 };
	struct buf err = BUF_INIT;
	store_comment_list(r->s, p->id, thread_cb, &t, &err);
	close_thread(&t);
	html_printf(b, "<section id=\"comments\"><h2>Discussion <span class=\"muted\">%d comment%S</span></h2>", t.count,
	     t.count == 1 ? "" : "s");
	if (hf)
		html_printf(b, "<p class=\"muted\"><a href=\"https://huggingface.co/papers/%s#community\" rel=\"noopener\">%d comment%S "
			"on Hugging Face →</a></p>",
		     p->id, hf, hf == 1 ? "" : "s");
	html_printf(b, "<ol class=\"threads\">");
	buf_add(b, list.s, list.len);
	html_printf(b, "</ol>");
	if (!list.len)
		html_printf(b, "<p class=\"muted\">No comments here yet.</p>");
	if (r->signed_in) {
		html_printf(b, "<form method=\"post\" action=\"/papers/%s/comments\" class=\"stack\">", p->id);
		html_csrf(r, b);
		html_printf(b, "<label for=\"body\">Add a comment (Markdown)</label><textarea id=\"body\" name=\"body\" rows=\"4\" required maxlength=\"10000\"></textarea>"
			"<button class=\"btn\">Comment</button></form>");
	} else {
		html_printf(b, "<p><a href=\"/signin?next=/papers/%U\">Sign in</a> to comment.</p>", p->id);
	}
	html_printf(b, "</section>");
	buf_release(&list);
	buf_release(&err);
}

static void h_paper_md(struct req *r, struct resp *o);
static void h_paper_bib(struct req *r, struct resp *o);

/* A paper not here: being fetched (the page looks again by itself), or the
 * offer to fetch it from arXiv. */
static void missing_paper(struct req *r, struct resp *o, const char *id)
{
	o->private_ = true;
	struct fetch_job j;
	struct svc v = req_svc(r);
	bool job = svc_fetch_status(&v, NULL, id, &j) == 0;
	bool waiting = job && (!strcmp(j.state, "queued") || !strcmp(j.state, "running"));
	r->refresh = waiting;
	html_page_begin(r, o, waiting ? "Fetching from arXiv" : "Not found", NULL);
	if (waiting) {
		html_printf(&o->body, "<main class=\"narrow\"><h1>Fetching %s from arXiv…</h1><p class=\"notice\" role=\"status\">"
			       "It appears here in a few seconds%S; this page looks again by itself.</p>",
		     id, j.submit ? ", then joins the feed if the submission rules allow" : "");
		if (j.message[0] && j.attempts > 0)
			html_printf(&o->body, "<p class=\"muted\">%s</p>", j.message);
	} else {
		html_printf(&o->body, "<main class=\"narrow\"><h1>Not found</h1>");
		if (job && !strcmp(j.state, "failed"))
			html_printf(&o->body, "<p class=\"notice error\" role=\"alert\">Could not get %s from arXiv: %s</p>", id,
			     j.message);
		else if (job && !strcmp(j.state, "refused"))
			html_printf(&o->body, "<p class=\"notice error\" role=\"alert\">%s was not submitted: %s</p>", id, j.message);
		html_fetch_offer(r, &o->body, id);
	}
	html_printf(&o->body, "<p><a href=\"https://arxiv.org/abs/%s\">%s on arXiv</a></p></main>", id, id);
	html_page_end(r, o);
	o->status = waiting ? 202 : 404;
}

/* Authors shown inline with a follow (and a mute) button; a longer list's
 * others are in a compact list that opens. */
#define AUTHORS_INLINE 8
#define MUTES_INLINE 3

/* One author: their name (a search), the Hugging Face user who claimed
 * the paper when there is one, and a follow button (the person when
 * known, else the name). */
static void paper_author(struct req *r, struct buf *b, const struct paper *p, size_t i, const char *here)
{
	const char *name = p->authors.v[i];
	html_printf(b, "<a href=\"/search?q=author%%3A%%22%U%%22\">%s</a>", name, name);
	const char *user = paper_author_user(p, name);
	if (user)
		html_printf(b, " <a class=\"claimed\" href=\"/u/%U\" title=\"claimed on Hugging Face by %s\">@%s</a>", user,
			    user, user);
	char value[600];
	paper_author_follow(p, name, value, sizeof(value));
	html_follow_button(r, b, "author", value, !reader_follows(r, "author", value), here);
}

/* The vote button, the title and the authors (each with a follow button). */
static void paper_title(struct req *r, struct buf *b, const struct paper *p, const char *here)
{
	bool voted = false;
	struct buf err = BUF_INIT;
	if (r->signed_in)
		store_vote_get(r->s, r->user.id, p->id, &voted, &err);
	buf_release(&err);
	html_printf(b, "<div class=\"paper-head\"><form class=\"vote big\" method=\"post\" action=\"/papers/%s/vote\">", p->id);
	html_csrf(r, b);
	html_printf(b, "<button type=\"submit\" class=\"vote-btn%s\" aria-pressed=\"%s\" aria-label=\"Upvote\"><span aria-hidden=\"true\">▲</span>"
		"<span class=\"count\">%d</span></button></form>",
	     voted ? " voted" : "", voted ? "true" : "false", paper_upvotes(p));
	/* divs, not paragraphs: they hold forms (a form closes an open p) */
	html_printf(b, "<div><h1>%s</h1><div class=\"authors\">", p->title ? p->title : p->id);
	size_t inline_n = p->authors.n > AUTHORS_INLINE + 2 ? AUTHORS_INLINE : p->authors.n;
	for (size_t i = 0; i < inline_n; i++) {
		html_printf(b, "%S", i ? ", " : "");
		paper_author(r, b, p, i, here);
	}
	/* the rest, each with its follow button, in a list that opens */
	if (inline_n < p->authors.n) {
		html_printf(b, "<details class=\"more-authors\"><summary>and %zu more author%S</summary><ul class=\"compact\">",
			    p->authors.n - inline_n, p->authors.n - inline_n == 1 ? "" : "s");
		for (size_t i = inline_n; i < p->authors.n; i++) {
			html_printf(b, "<li>");
			paper_author(r, b, p, i, here);
			html_printf(b, "</li>");
		}
		html_printf(b, "</ul></details>");
	}
	html_printf(b, "</div></div></div>");
}

/* The mute buttons of a paper: every category and organization, the first
 * authors, then every other author in a list that opens. */
static void paper_mutes(struct req *r, struct buf *b, const struct paper *p, const char *org, const char *here)
{
	html_printf(b, "</div><div class=\"meta mutes\"><span>Not for you? Mute</span>");
	for (size_t i = 0; i < p->categories.n; i++)
		html_mute_button(r, b, "category", "category", p->categories.v[i], here);
	if (org[0])
		html_mute_button(r, b, "org", "organization", org, here);
	size_t inline_n = p->authors.n > MUTES_INLINE + 2 ? MUTES_INLINE : p->authors.n;
	for (size_t i = 0; i < inline_n; i++)
		html_mute_button(r, b, "author", "author", p->authors.v[i], here);
	if (inline_n < p->authors.n) {
		html_printf(b, "<details class=\"more-mutes\"><summary>another author (%zu more)</summary><ul class=\"compact\">",
			    p->authors.n - inline_n);
		for (size_t i = inline_n; i < p->authors.n; i++) {
			html_printf(b, "<li>");
			html_mute_button(r, b, "author", "author", p->authors.v[i], here);
			html_printf(b, "</li>");
		}
		html_printf(b, "</ul></details>");
	}
}

/* Dates, submitter, organization and categories (with follow buttons),
 * then the reader's mute buttons. */
static void paper_meta(struct req *r, struct buf *b, const struct paper *p, const char *here)
{
	html_printf(b, "<div class=\"meta\">");
	char day[16];
	if (p->published) {
		time_format_day(p->published, day);
		html_printf(b, "<span>Published on arXiv %s</span>", day);
	}
	if (p->hf_day[0])
		html_printf(b, "<a href=\"/papers/date/%s\">Featured %s</a>", p->hf_day, p->hf_day);
	if (p->submitter) {
		html_printf(b, "<span>submitted by <a href=\"/u/%U\">%s</a></span>", p->submitter, p->submitter);
		html_follow_button(r, b, "hfuser", p->submitter, !reader_follows(r, "hfuser", p->submitter), here);
	}
	char org[128], orgname[256];
	paper_org(p, org, orgname);
	if (org[0]) {
		html_printf(b, "<a class=\"org\" href=\"/orgs/%U\" title=\"%s\">%s</a>", org, org, orgname);
		html_follow_button(r, b, "org", org, !reader_follows(r, "org", org), here);
	}
	for (size_t i = 0; i < p->categories.n; i++) {
		html_printf(b, "<a class=\"tag\" href=\"/search?q=cat:%U\">%s</a>", p->categories.v[i], p->categories.v[i]);
		html_follow_button(r, b, "category", p->categories.v[i], !reader_follows(r, "category", p->categories.v[i]), here);
	}
	if (r->signed_in && (p->categories.n || org[0] || p->authors.n)) {
		/* not for this reader: leave papers like it out of every list */
		paper_mutes(r, b, p, org, here);
	}
	html_printf(b, "</div>");
}

/* Links (arXiv, PDF, code, Markdown, JSON), the citation, and the form
 * that saves the paper to a collection. */
static void paper_links(struct req *r, struct buf *b, const struct paper *p)
{
	html_printf(b, "<p class=\"links\"><a class=\"btn small\" href=\"https://arxiv.org/abs/%s\">arXiv page</a>"
		"<a class=\"btn small\" href=\"https://arxiv.org/pdf/%s\">PDF</a>",
	     p->id, p->id);
	html_paper_links(b, p, true);
	html_printf(b, "<a href=\"/papers/%s.md\">Markdown</a><a href=\"/api/papers/%s\">JSON</a></p>", p->id, p->id);
	/* cite: the BibTeX entry, shown and downloadable */
	struct buf bib = BUF_INIT;
	cite_bibtex(p, NULL, &bib);
	html_printf(b, "<details class=\"cite\"><summary class=\"btn small\">Cite</summary><pre>%s</pre>"
		"<p><a href=\"/papers/%s.bib\" download>BibTeX file</a></p></details>",
	     bib.s, p->id);
	buf_release(&bib);
	html_collect_form(r, b, p);
}

/* The summary, the abstract, keywords and arXiv's own notes. */
static void paper_text(struct buf *b, const struct paper *p)
{
	if (p->ai_summary)
		html_printf(b, "<p class=\"summary\"><strong>Summary:</strong> %s</p>", p->ai_summary);
	html_printf(b, "<h2>Abstract</h2><p class=\"abstract-full\">%s</p>", p->abstract ? p->abstract : "No abstract known.");
	if (p->ai_keywords.n) {
		html_printf(b, "<p class=\"keywords\">");
		for (size_t i = 0; i < p->ai_keywords.n; i++)
			html_printf(b, "<a class=\"tag\" href=\"/search?q=%%22%U%%22\">%s</a>", p->ai_keywords.v[i], p->ai_keywords.v[i]);
		html_printf(b, "</p>");
	}
	if (p->comments)
		html_printf(b, "<p class=\"muted\">arXiv comments: %s</p>", p->comments);
	if (p->doi)
		html_printf(b, "<p class=\"muted\">DOI: <a href=\"https://doi.org/%s\">%s</a></p>", p->doi, p->doi);
	if (p->journal_ref)
		html_printf(b, "<p class=\"muted\">Journal: %s</p>", p->journal_ref);
}

/* Upvotes over time: the imported baseline on the featured day, then each
 * day's local votes added. */
static void vote_chart(struct req *r, struct buf *b, const struct paper *p)
{
	struct vote_series vs = { STRLIST_INIT, { 0 }, p->upvotes > 0 ? p->upvotes : 0 };
	if (p->hf_day[0] && vs.total > 0) {
		vs.values[0] = vs.total;
		strlist_push(&vs.days, p->hf_day, strlen(p->hf_day));
	}
	struct buf err = BUF_INIT;
	store_vote_days(r->s, p->id, vote_day_cb, &vs, &err);
	buf_release(&err);
	if (p->local_votes > 0 && vs.days.n)
		html_svg_line(b, "Upvotes over time", (const char *const *)vs.days.v, vs.values, vs.days.n);
	strlist_release(&vs.days);
}

/* ---- the Hub's repositories citing the paper ------------------------------------------- */

static const struct hub_section {
	const char *list, *total, *kind, *title, *path, *one;
} hub_sections[] = {
	{ "linkedModels", "numTotalModels", "models", "Models", "", "model" },
	{ "linkedDatasets", "numTotalDatasets", "datasets", "Datasets", "datasets/", "dataset" },
	{ "linkedSpaces", "numTotalSpaces", "spaces", "Spaces", "spaces/", "Space" },
};
#define HUB_SHOWN 10 /* the rest behind "Show N more" */

/* n with thousands separators ("12,345"). */
static void group_digits(json_int_t n, char out[32])
{
	char d[24];
	int len = snprintf(d, sizeof(d), "%lld", (long long)(n < 0 ? 0 : n)), o = 0;
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = '\0';
}

/* A Hub repo id as a path: "name" or "owner/name" of [A-Za-z0-9._-]
 * (what fetch_links keeps; checked again: it becomes a link). */
static bool hub_id_ok(const char *id)
{
	size_t n = strlen(id);
	return n && n < 200 && strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") == n &&
	       id[0] != '/' && id[0] != '.' && !strstr(id, "..") && !strstr(id, "//");
}

/* One repo: its link, what it is, when updated, downloads and likes. */
static void hub_repo(struct buf *b, const struct hub_section *sec, json_t *repo)
{
	const char *id = json_string_value(json_object_get(repo, "id"));
	if (!id || !hub_id_ok(id))
		return;
	html_printf(b, "<li><a href=\"https://huggingface.co/%S%s\" rel=\"noopener nofollow\">%s</a> <span class=\"muted\">",
		    sec->path, id, id);
	const char *sep = "";
	const char *what = json_string_value(json_object_get(repo, "pipeline_tag"));
	if (!what)
		what = json_string_value(json_object_get(repo, "sdk"));
	if (what) {
		html_printf(b, "%s", what);
		sep = " · ";
	}
	const char *updated = json_string_value(json_object_get(repo, "lastModified"));
	if (updated && strlen(updated) >= 10) {
		char day[11];
		snprintf(day, sizeof(day), "%s", updated);
		html_printf(b, "%supdated %s", sep, day);
		sep = " · ";
	}
	char n[32];
	json_t *v = json_object_get(repo, "downloads");
	if (json_is_integer(v)) {
		group_digits(json_integer_value(v), n);
		html_printf(b, "%s<span title=\"downloads\">↓ %s</span>", sep, n);
		sep = " · ";
	}
	v = json_object_get(repo, "likes");
	if (json_is_integer(v)) {
		group_digits(json_integer_value(v), n);
		html_printf(b, "%s<span title=\"likes\">♥ %s</span>", sep, n);
	}
	html_printf(b, "</span></li>");
}

static void hub_section_html(struct buf *b, const struct hub_section *sec, json_t *doc, const char *paper)
{
	json_t *list = json_object_get(doc, sec->list), *total = json_object_get(doc, sec->total);
	if (!json_is_array(list) || !json_is_integer(total))
		return;
	bool capped = false;
	json_t *c, *cap = json_object_get(doc, "capped");
	size_t i;
	json_array_foreach(cap, i, c)
		capped = capped || (json_is_string(c) && !strcmp(json_string_value(c), sec->kind));
	char n[32];
	group_digits(json_integer_value(total), n);
	html_printf(b, "<section class=\"hub-repos\"><h2>%s citing this paper (%s%S)</h2>", sec->title, n, capped ? "+" : "");
	size_t count = json_array_size(list);
	if (!count)
		html_printf(b, "<p class=\"muted\">No %s on Hugging Face cites it yet.</p>", sec->one);
	else
		html_printf(b, "<ul>");
	json_t *repo;
	json_array_foreach(list, i, repo) {
		if (i == HUB_SHOWN)
			html_printf(b, "</ul><details class=\"hub-more\"><summary>Show %zu more</summary><ul>", count - HUB_SHOWN);
		hub_repo(b, sec, repo);
	}
	if (count)
		html_printf(b, "</ul>%S", count > HUB_SHOWN ? "</details>" : "");
	if (capped || json_integer_value(total) > (json_int_t)count)
		html_printf(b, "<p><a href=\"https://huggingface.co/papers/%s\" rel=\"noopener\">All %s%S on Hugging Face</a></p>",
			    paper, n, capped ? "+" : "");
	html_printf(b, "</section>");
}

/* The sections, once the Hub was asked about the paper (by fetch hf or the
 * sync; never from here): nothing before. */
static void hub_repos(struct req *r, struct buf *b, const struct paper *p)
{
	struct buf doc = BUF_INIT, err = BUF_INIT;
	pb_time fetched = 0;
	if (store_links_get(r->s, p->id, &doc, &fetched, &err) == 0) {
		json_t *d = json_loadb(doc.s, doc.len, 0, NULL);
		if (json_is_object(d)) {
			for (size_t i = 0; i < ARRAY_SIZE(hub_sections); i++)
				hub_section_html(b, &hub_sections[i], d, p->id);
			char day[16];
			time_format_day(fetched, day);
			html_printf(b, "<p class=\"muted hub-note\">From the Hugging Face Hub, as of %s.</p>", day);
		}
		json_decref(d);
	}
	buf_release(&doc);
	buf_release(&err);
}

#define REFS_SHOWN 20

static int ref_item(const struct paper *p, void *ctx)
{
	html_printf(ctx, "<li><a href=\"/papers/%s\">%s</a></li>", p->id, p->title ? p->title : p->id);
	return 0;
}

/* "References here (N)" or "Cited by here (N)": the papers in this store
 * that the paper's full text names, or whose texts name it (fetch pdf),
 * the first REFS_SHOWN of them, the rest through the API. */
static void refs_section(struct req *r, struct buf *b, const struct paper *p, bool cites, int64_t n)
{
	html_printf(b, "<section class=\"refs\"><h2>%S here (%lld)</h2><ul>", cites ? "Cited by" : "References",
		    (long long)n);
	struct buf err = BUF_INIT;
	if (store_refs_list(r->s, p->id, cites, 0, REFS_SHOWN, ref_item, b, &err))
		html_printf(b, "<li class=\"muted\">Could not be read.</li>");
	buf_release(&err);
	html_printf(b, "</ul>");
	if (n > REFS_SHOWN)
		html_printf(b, "<p><a href=\"/api/papers/%s/%S?limit=100\">All %lld (JSON)</a></p>", p->id,
			    cites ? "citations" : "references", (long long)n);
	html_printf(b, "</section>");
}

/* Both, when either has a paper. */
static void paper_refs(struct req *r, struct buf *b, const struct paper *p)
{
	int64_t nrefs = 0, ncites = 0;
	struct buf err = BUF_INIT;
	int rc = store_refs_count(r->s, p->id, &nrefs, &ncites, &err);
	buf_release(&err);
	if (rc || (!nrefs && !ncites))
		return;
	refs_section(r, b, p, false, nrefs);
	refs_section(r, b, p, true, ncites);
}

/* Up to six similar papers the reader has not muted. */
static void similar_papers(struct req *r, struct buf *b, const struct paper *p)
{
	html_printf(b, "<aside class=\"similar\"><h2>Similar papers</h2>");
	struct search_hit hits[16];
	size_t n = 16;
	follower_similar(r, p->id, hits, &n);
	html_printf(b, "<ul>");
	size_t shown = 0;
	bool found[16];
	char why[160];
	struct buf err = BUF_INIT;
	struct paper *sim = lists_hit_papers(r, hits, n, found, &err);
	buf_release(&err);
	for (size_t i = 0; sim && i < n && shown < 6; i++) {
		if (!strcmp(hits[i].id, p->id) || !found[i] || reader_muted(r, &sim[i], why))
			continue;
		html_printf(b, "<li><a href=\"/papers/%s\">%s</a></li>", sim[i].id, sim[i].title ? sim[i].title : sim[i].id);
		shown++;
	}
	lists_hit_papers_free(sim, n);
	if (!shown)
		html_printf(b, "<li class=\"muted\">None found.</li>");
	html_printf(b, "</ul></aside>");
}

static void render_paper(struct req *r, struct resp *o, const char *id)
{
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(r->s, id, &p, &err);
	if (rc == 1) {
		/* a fetch that finished between this read and the job's (one
		 * transaction stores both): the job says done, the paper is
		 * there now. Without this the page said "Not found" and stopped
		 * looking (seen under a loaded CI run). */
		struct fetch_job j;
		struct svc v = req_svc(r);
		if (svc_fetch_status(&v, NULL, id, &j) == 0 && !strcmp(j.state, "done"))
			rc = store_paper_get(r->s, id, &p, &err);
	}
	buf_release(&err);
	if (rc == 1) {
		missing_paper(r, o, id);
	} else if (rc || (p.hidden && !(r->signed_in && r->user.admin))) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such paper here.");
	} else {
		html_page_begin(r, o, p.title ? p.title : p.id, NULL);
		struct buf *b = &o->body;
		html_printf(b, "<main class=\"paper\"><article>");
		if (p.hidden)
			html_printf(b, "<p class=\"notice\">Hidden by a moderator.</p>");
		char here[PAPER_ID_MAX + 16];
		snprintf(here, sizeof(here), "/papers/%s", p.id);
		paper_title(r, b, &p, here);
		paper_meta(r, b, &p, here);
		paper_links(r, b, &p);
		paper_text(b, &p);
		html_media(b, &p, &r->w->media_hosts);
		vote_chart(r, b, &p);
		if (r->signed_in && r->user.admin) {
			html_printf(b, "<form method=\"post\" action=\"/admin/papers/%s\" class=\"inline\">", p.id);
			html_csrf(r, b);
			html_printf(b, "<input type=\"hidden\" name=\"hidden\" value=\"%s\"><button class=\"btn small danger\">%s</button></form>",
			     p.hidden ? "0" : "1", p.hidden ? "Show this paper again" : "Hide this paper");
		}
		paper_comments_html(r, b, &p);
		html_printf(b, "</article><div class=\"side\">");
		hub_repos(r, b, &p);
		paper_refs(r, b, &p);
		similar_papers(r, b, &p);
		html_printf(b, "</div></main>");
		html_page_end(r, o);
	}
	paper_release(&p);
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
	enum pb_status st = svc_vote(&v, &r->user, r->cap[0], -1, &voted, &upvotes);
	const char *accept = req_header(r, "Accept");
	bool js = accept && strstr(accept, "application/json");
	if (st != PB_OK) {
		if (js)
			r->wants_json = true;
		resp_error(r, o, resp_status(st, NULL), st == PB_NOTFOUND ? "There is no such paper." : "The database failed.");
	} else if (js) {
		resp_json(o, 200, json_pack("{s:b,s:i}", "voted", voted, "upvotes", upvotes));
	} else {
		char def[PAPER_ID_MAX + 16];
		snprintf(def, sizeof(def), "/papers/%s", r->cap[0]);
		auth_redirect_back(r, o, def);
	}
	buf_release(&err);
}

/* An error leads back to the paper's discussion, where the text was. */
static void comment_back(struct req *r, struct resp *o)
{
	char id[PAPER_ID_MAX];
	if (r->cap[0] && !arxiv_id_parse(r->cap[0], id, NULL)) {
		snprintf(o->back, sizeof(o->back), "/papers/%s#comments", id);
		o->back_label = "Back to the paper";
	}
}

/* 303 to comment c on its paper's page. */
static void redirect_to_comment(struct resp *o, const struct comment *c)
{
	char loc[PAPER_ID_MAX + 48];
	snprintf(loc, sizeof(loc), "/papers/%s#c%lld", c->paper, (long long)c->id);
	resp_redirect(o, loc);
}

void h_comment_add(struct req *r, struct resp *o)
{
	comment_back(r, o);
	struct comment c = { 0 };
	char id[PAPER_ID_MAX];
	if (arxiv_id_parse(r->cap[0], id, NULL)) {
		resp_error(r, o, 404, "There is no such paper.");
		return;
	}
	snprintf(c.paper, sizeof(c.paper), "%s", id);
	c.user_id = r->user.id;
	c.body = (char *)req_form(r, "body");
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
	enum pb_status st = svc_comment_add(&v, &r->user, &c, &wait, &err);
	if (st != PB_OK) {
		if (st == PB_LIMITED)
			resp_retry_after(o, wait);
		resp_error(r, o, resp_status(st, NULL), pb_status_failed(st) ? "The database failed." : err.s);
	} else {
		redirect_to_comment(o, &c);
	}
	buf_release(&err);
}

/* POST /comments/ID/edit and /comments/ID/delete: the rules are the
 * service's (the author edits; the author or an administrator deletes). */
static void comment_change(struct req *r, struct resp *o, bool delete)
{
	long id;
	struct comment c = { 0 };
	struct buf msg = BUF_INIT;
	struct svc v = req_svc(r);
	enum pb_status st = parse_int(r->cap[0], 1, LONG_MAX, &id) ? PB_NOTFOUND
			    : delete ? svc_comment_delete(&v, &r->user, id, &c, &msg)
				     : svc_comment_edit(&v, &r->user, id, req_form(r, "body"), &c, &msg);
	if (st == PB_NOTFOUND && !msg.len)
		buf_setf(&msg, "There is no such comment.");
	if (st) {
		resp_outcome(r, o, st, msg.s);
	} else if (delete) {
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s#comments", c.paper);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	} else {
		redirect_to_comment(o, &c);
	}
	comment_release(&c);
	buf_release(&msg);
}

void h_comment_edit(struct req *r, struct resp *o)
{
	comment_change(r, o, false);
}

void h_comment_delete(struct req *r, struct resp *o)
{
	comment_change(r, o, true);
}


/* The paper a static address names (/papers/ID.md: the ID before the
 * suffix of `strip` characters): 0 with *p, or 1 after answering (a 404,
 * or the store's failure). */
static int static_paper(struct req *r, struct resp *o, int strip, struct paper *p)
{
	char raw[PAPER_ID_MAX], id[PAPER_ID_MAX];
	snprintf(raw, sizeof(raw), "%.*s", (int)strlen(r->cap[0]) - strip, r->cap[0]);
	struct buf err = BUF_INIT;
	int rc = arxiv_id_parse(raw, id, NULL) ? 1 : store_paper_get(r->s, id, p, &err);
	if (rc < 0)
		resp_store_failed(r, o, "papers", &err);
	else if (rc || p->hidden)
		resp_error(r, o, 404, "There is no such paper here.");
	buf_release(&err);
	return rc || p->hidden;
}

/* GET /papers/ID.md */
static void h_paper_md(struct req *r, struct resp *o)
{
	struct paper p;
	paper_init(&p);
	if (!static_paper(r, o, 3, &p)) {
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
}

/* GET /papers/ID.bib */
static void h_paper_bib(struct req *r, struct resp *o)
{
	struct paper p;
	paper_init(&p);
	if (!static_paper(r, o, 4, &p)) {
		o->ctype = "application/x-bibtex; charset=utf-8";
		cite_bibtex(&p, NULL, &o->body);
	}
	paper_release(&p);
}

void h_admin_paper(struct req *r, struct resp *o)
{
	struct buf msg = BUF_INIT;
	struct svc v = req_svc(r);
	enum pb_status st = svc_paper_hide(&v, r->cap[0], req_form_flag(r, "hidden"), &msg);
	if (st) {
		resp_outcome(r, o, st, msg.s);
	} else {
		follower_wait(r->w); /* searches leave it out (or in) from the next request on */
		resp_redirect(o, "/");
	}
	buf_release(&msg);
}

void h_admin_comment(struct req *r, struct resp *o)
{
	long id;
	struct buf msg = BUF_INIT;
	struct comment c = { 0 };
	struct svc v = req_svc(r);
	enum pb_status st = parse_int(r->cap[0], 1, LONG_MAX, &id) ? PB_NOTFOUND
			    : svc_comment_hide(&v, id, req_form_flag(r, "hidden"), &c, &msg);
	if (st) {
		resp_outcome(r, o, st, msg.len ? msg.s : "There is no such comment.");
	} else {
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s#comments", c.paper);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	}
	comment_release(&c);
	buf_release(&msg);
}
