/*
 * personal.c - each reader's own paperboy: follows and the Following page
 * (and its private Atom feed), mutes, "new since your last visit",
 * recommendations, preferences, and deleting one's account; in HTML and
 * under /api/ (collections: collections.c; one's data as JSON: export.c).
 */
#include "personal.h"
#include "atom.h"
#include "auth.h"
#include "http.h"
#include "cards.h"
#include "follower.h"
#include "handlers.h"
#include "html.h"
#include "json.h"
#include "lists.h"
#include "rcache.h"
#include "reader.h"
#include "respond.h"
#include <ctype.h>
#include <sodium.h>
#include <utf8proc.h>


/* ---- the reader's preferences and mutes, read once per request --------------------- */

/* ---- follows and mutes --------------------------------------------------------------- */

static void pair_post(struct req *r, struct resp *o, bool mute)
{
	const char *on = req_form(r, "on");
	struct svc v = req_svc(r);
	struct buf msg = BUF_INIT;
	enum pb_status st = svc_pair_set(&v, r->user.id, mute, req_form(r, "kind"), req_form(r, "value"),
					 !on || strcmp(on, "0"), &msg);
	if (st)
		resp_outcome(r, o, st, msg.s);
	else
		auth_redirect_back(r, o, "/me/following");
	buf_release(&msg);
}

void h_follow_post(struct req *r, struct resp *o)
{
	pair_post(r, o, false);
}

void h_mute_post(struct req *r, struct resp *o)
{
	pair_post(r, o, true);
}

struct follows {
	struct follow *v;
	size_t n, cap;
};

static int collect_follow(const struct follow *f, void *ctx)
{
	struct follows *fs = ctx;
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 16;
		fs->v = xrealloc(fs->v, fs->cap * sizeof(*fs->v));
	}
	fs->v[fs->n++] = *f;
	return 0;
}

/* ---- the papers of what a reader follows ----------------------------------------------- */

/* A follow as a search: author:"Name", cat:X, the query; organizations and
 * Hugging Face users are looked for among the recent featured papers. */
static void follow_query(const struct follow *f, struct buf *q)
{
	buf_reset(q);
	char name[512];
	if (!strcmp(f->kind, "author")) {
		follow_author_name(f->value, name, sizeof(name));
		buf_addf(q, "author:\"%s\"", name);
	}
	else if (!strcmp(f->kind, "category"))
		buf_addf(q, "cat:%s", f->value);
	else if (!strcmp(f->kind, "search"))
		buf_adds(q, f->value);
}

struct fmatch {
	struct strlist ids;
	struct strlist why;
};

static void fmatch_add(struct fmatch *m, const char *id, const char *why)
{
	for (size_t i = 0; i < m->ids.n; i++)
		if (!strcmp(m->ids.v[i], id))
			return;
	strlist_push(&m->ids, id, strlen(id));
	strlist_push(&m->why, why, strlen(why));
}

struct org_ctx {
	const struct follows *fs;
	struct fmatch *m;
};

static int org_cb(const struct paper *p, void *ctx)
{
	struct org_ctx *oc = ctx;
	for (size_t i = 0; i < oc->fs->n; i++) {
		const struct follow *f = &oc->fs->v[i];
		char why[240];
		if (!strcmp(f->kind, "org") && paper_matches(p, "org", f->value)) {
			snprintf(why, sizeof(why), "organization %s", f->value);
			fmatch_add(oc->m, p->id, why);
		} else if (!strcmp(f->kind, "hfuser") && paper_matches(p, "hfuser", f->value)) {
			snprintf(why, sizeof(why), "submitted by %s", f->value);
			fmatch_add(oc->m, p->id, why);
		}
	}
	return 0;
}

struct dated {
	struct paper *p;
	const char *why;
};

static int by_date_desc(const void *a, const void *b)
{
	const struct dated *x = a, *y = b;
	pb_time tx = x->p->submitted_at ? x->p->submitted_at : x->p->published;
	pb_time ty = y->p->submitted_at ? y->p->submitted_at : y->p->published;
	return tx < ty ? 1 : tx > ty ? -1 : strcmp(x->p->id, y->p->id);
}

/* Whether a paper found by the search of a follow (why: "author NAME")
 * is the follow's: the index matches an author's words, not the whole name
 * (author:"Ziwei Liu" finds Ziwei Chai with a Liu). */
static bool follow_holds(const struct paper *p, const char *why)
{
	if (str_has_prefix(why, "author "))
		return paper_matches(p, "author", why + 7);
	if (str_has_prefix(why, "category "))
		return paper_matches(p, "category", why + 9);
	return true;
}

/* The newest papers of what user follows (at most limit): papers[] (owned,
 * free with web_hit_papers_free) with why[] (what matched); n. */
static size_t following_papers(struct req *r, int64_t user_id, size_t limit, struct paper **papers, char ***why)
{
	struct follows fs = { 0 };
	struct buf err = BUF_INIT, q = BUF_INIT;
	store_follow_list(r->s, user_id, collect_follow, &fs, &err);
	struct fmatch m = { STRLIST_INIT, STRLIST_INIT };
	struct search_hit hits[60];
	for (size_t i = 0; i < fs.n; i++) {
		follow_query(&fs.v[i], &q);
		if (!q.len)
			continue;
		size_t n = ARRAY_SIZE(hits);
		struct search_opts so = { SEARCH_BM25, SEARCH_NEWEST, false, false };
		if (follower_search(r, q.s, &so, hits, &n, NULL, &err) == 0) {
			char wy[240];
			snprintf(wy, sizeof(wy), "%s %s", fs.v[i].kind, fs.v[i].value);
			for (size_t k = 0; k < n; k++)
				fmatch_add(&m, hits[k].id, wy);
		}
		buf_reset(&err);
	}
	/* organizations and submitters: the last 30 days of the feed */
	bool scan = false;
	for (size_t i = 0; i < fs.n; i++)
		scan |= !strcmp(fs.v[i].kind, "org") || !strcmp(fs.v[i].kind, "hfuser");
	if (scan) {
		char to[16], from[16];
		lists_latest_day(r, "", to);
		if (to[0]) {
			pb_time t;
			day_parse(to, &t);
			time_format_day(t - 30LL * 86400000, from);
			time_format_day(t + 86400000, to);
			struct store_query sq = { .sort = SORT_PUBLISHED, .limit = 5000 };
			snprintf(sq.day_from, sizeof(sq.day_from), "%s", from);
			snprintf(sq.day_to, sizeof(sq.day_to), "%s", to);
			struct org_ctx oc = { &fs, &m };
			store_paper_list(r->s, &sq, org_cb, &oc, &err);
		}
	}
	/* read, sort newest first, cut */
	size_t n = m.ids.n;
	struct search_hit *all = xcalloc(n ? n : 1, sizeof(*all));
	for (size_t i = 0; i < n; i++)
		snprintf(all[i].id, sizeof(all[i].id), "%s", m.ids.v[i]);
	bool *found = xcalloc(n ? n : 1, sizeof(*found));
	struct paper *ps = lists_hit_papers(r, all, n, found, &err);
	struct dated *d = xcalloc(n ? n : 1, sizeof(*d));
	size_t k = 0;
	char mwhy[160];
	for (size_t i = 0; ps && i < n; i++)
		if (found[i] && follow_holds(&ps[i], m.why.v[i]) && (user_id != r->user.id || !reader_muted(r, &ps[i], mwhy)))
			d[k++] = (struct dated){ &ps[i], m.why.v[i] };
	qsort(d, k, sizeof(*d), by_date_desc);
	if (k > limit)
		k = limit;
	*papers = xcalloc(k ? k : 1, sizeof(**papers));
	*why = xcalloc(k ? k : 1, sizeof(**why));
	for (size_t i = 0; i < k; i++) {
		paper_init(&(*papers)[i]);
		paper_copy(&(*papers)[i], d[i].p);
		(*why)[i] = xstrdup(d[i].why);
	}
	lists_hit_papers_free(ps, n);
	free(d);
	free(found);
	free(all);
	free(fs.v);
	strlist_release(&m.ids);
	strlist_release(&m.why);
	buf_release(&q);
	buf_release(&err);
	return k;
}

static void free_why(char **why, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(why[i]);
	free(why);
}

static int list_pair(const struct follow *f, void *ctx)
{
	struct follows *fs = ctx;
	return collect_follow(f, fs);
}

/* One follow on the Following page: an author is a person (the Hugging
 * Face user who claims their papers) or a name, and namesakes' papers come
 * with a name. */
static void follow_row(struct buf *b, const struct follow *f)
{
	html_printf(b, "<li><span class=\"tag\">%s</span> ", f->kind);
	if (strcmp(f->kind, "author")) {
		html_printf(b, "%s ", f->value);
		return;
	}
	char name[512];
	const char *user = follow_author_name(f->value, name, sizeof(name));
	if (user)
		html_printf(b, "%s <a href=\"/u/%U\">@%s</a> <span class=\"muted\">(the papers they claimed on Hugging Face)</span> ",
			    name, user, user);
	else
		html_printf(b, "%s <span class=\"muted by-name\">(by name only: papers of namesakes are included)</span> ", name);
}

void h_following(struct req *r, struct resp *o)
{
	html_page_begin(r, o, "Following", NULL);
	struct buf *b = &o->body, err = BUF_INIT;
	html_printf(b, "<main class=\"wide\"><h1>Following</h1>");
	struct follows fs = { 0 }, ms = { 0 };
	store_follow_list(r->s, r->user.id, list_pair, &fs, &err);
	store_mute_list(r->s, r->user.id, list_pair, &ms, &err);
	html_printf(b, "<section class=\"follows\"><h2>You follow</h2><ul>");
	for (size_t i = 0; i < fs.n; i++) {
		follow_row(b, &fs.v[i]);
		html_follow_button(r, b, fs.v[i].kind, fs.v[i].value, false, "/me/following");
		html_printf(b, "</li>");
	}
	if (!fs.n)
		html_printf(b, "<li class=\"muted\">Nothing yet: follow authors on a paper's page, categories from their chips, or a search.</li>");
	html_printf(b, "</ul><form method=\"post\" action=\"/me/follow\" class=\"row\">");
	html_csrf(r, b);
	html_printf(b, "<label for=\"fk\">Follow</label><select id=\"fk\" name=\"kind\"><option value=\"author\">an author</option>"
		"<option value=\"category\">a category</option><option value=\"search\">a search</option>"
		"<option value=\"org\">an organization</option><option value=\"hfuser\">a Hugging Face user</option></select>"
		"<label for=\"fv\" class=\"sr\">Name</label><input id=\"fv\" name=\"value\" required maxlength=\"199\">"
		"<input type=\"hidden\" name=\"back\" value=\"/me/following\"><button class=\"btn small\">Follow</button></form></section>");
	html_printf(b, "<section class=\"mutes\"><h2>Muted</h2><ul>");
	for (size_t i = 0; i < ms.n; i++) {
		html_printf(b, "<li><span class=\"tag\">%s</span> %s <form method=\"post\" action=\"/me/mute\" class=\"inline\">", ms.v[i].kind,
		     ms.v[i].value);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\"><input type=\"hidden\" name=\"value\" value=\"%s\">"
			"<input type=\"hidden\" name=\"on\" value=\"0\"><input type=\"hidden\" name=\"back\" value=\"/me/following\">"
			"<button class=\"link\" aria-label=\"Unmute %s %s\">unmute</button></form></li>",
		     ms.v[i].kind, ms.v[i].value, ms.v[i].kind, ms.v[i].value);
	}
	html_printf(b, "</ul><form method=\"post\" action=\"/me/mute\" class=\"row\">");
	html_csrf(r, b);
	html_printf(b, "<label for=\"mk\">Mute</label><select id=\"mk\" name=\"kind\"><option value=\"word\">a word</option>"
		"<option value=\"author\">an author</option><option value=\"category\">a category</option>"
		"<option value=\"org\">an organization</option></select>"
		"<label for=\"mv\" class=\"sr\">What</label><input id=\"mv\" name=\"value\" required maxlength=\"199\">"
		"<input type=\"hidden\" name=\"back\" value=\"/me/following\"><button class=\"btn small\">Mute</button></form>"
		"<form method=\"post\" action=\"/me/prefs\" class=\"row\">");
	html_csrf(r, b);
	html_printf(b, "<label for=\"mc\">Muted papers are</label><select id=\"mc\" name=\"mute_collapse\"><option value=\"0\"%S>left out</option>"
		"<option value=\"1\"%S>shown collapsed, with the reason</option></select><button class=\"btn small\">Save</button></form></section>",
	     reader_prefs(r)->mute_collapse ? "" : " selected", reader_prefs(r)->mute_collapse ? " selected" : "");
	html_printf(b, "<section class=\"private-feed\"><h2>Your private feed</h2><p>An Atom feed of these papers for your feed reader; "
		"its address is a secret (anyone with it sees what you follow).</p><form method=\"post\" action=\"/me/feed\">");
	html_csrf(r, b);
	html_printf(b, "<button class=\"btn small\">%s</button></form>", reader_prefs(r)->has_feed ? "Make a new address (the old one stops)" : "Make the address");
	if (reader_prefs(r)->has_feed) {
		html_printf(b, "<form method=\"post\" action=\"/me/feed\" class=\"inline\">");
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"off\"><button class=\"link danger\">Turn the private feed off"
			"</button></form>");
	}
	html_printf(b, "</section>");
	struct paper *ps;
	char **why;
	size_t n = following_papers(r, r->user.id, 50, &ps, &why);
	html_printf(b, "<h2>Newest papers of what you follow</h2><div class=\"cards\">");
	reader_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++) {
		html_printf(b, "<p class=\"why muted\">%s</p>", why[i]);
		card_write(r, b, &ps[i], NULL);
	}
	if (!n)
		html_printf(b, "<p class=\"empty\">No papers yet.</p>");
	html_printf(b, "</div></main>");
	html_page_end(r, o);
	lists_hit_papers_free(ps, n);
	free_why(why, n);
	free(fs.v);
	free(ms.v);
	buf_release(&err);
}

void h_prefs_post(struct req *r, struct resp *o)
{
	const char *mc = req_form(r, "mute_collapse");
	struct user_prefs p = *reader_prefs(r);
	if (mc)
		p.mute_collapse = !strcmp(mc, "1");
	struct buf err = BUF_INIT;
	if (store_prefs_set(r->s, r->user.id, &p, mc ? PREFS_MUTE_COLLAPSE : 0, &err))
		resp_error(r, o, 500, "The database failed.");
	else
		auth_redirect_back(r, o, "/me/following");
	buf_release(&err);
}

void h_read_post(struct req *r, struct resp *o)
{
	struct user_prefs p = *reader_prefs(r);
	p.read_mark = time_now_ms();
	struct buf err = BUF_INIT;
	if (store_prefs_set(r->s, r->user.id, &p, PREFS_READ_MARK, &err))
		resp_error(r, o, 500, "The database failed.");
	else
		auth_redirect_back(r, o, "/");
	buf_release(&err);
}

/* Gives the reader a new private feed address (tok, shown once; the old
 * one stops working), or none (tok NULL). 0 or -1. */
static int feed_renew(struct req *r, char tok[48])
{
	struct user_prefs p = *reader_prefs(r);
	memset(p.feed_hash, 0, sizeof(p.feed_hash));
	p.has_feed = tok != NULL;
	if (tok) {
		uint8_t raw[32];
		randombytes_buf(raw, sizeof(raw));
		sodium_bin2base64(tok, 48, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(raw, sizeof(raw));
		crypto_generichash(p.feed_hash, sizeof(p.feed_hash), (const uint8_t *)tok, strlen(tok), NULL, 0);
	}
	struct buf err = BUF_INIT;
	int rc = store_prefs_set(r->s, r->user.id, &p, PREFS_FEED, &err);
	if (!rc)
		reader_prefs_set(r, &p);
	buf_release(&err);
	return rc;
}

/* POST /me/feed: a new secret address for the private feed (shown once);
 * action=off: none. */
void h_feed_post(struct req *r, struct resp *o)
{
	const char *action = req_form(r, "action");
	char tok[48];
	if (action && !strcmp(action, "off")) {
		if (feed_renew(r, NULL))
			resp_error(r, o, 500, "The database failed.");
		else
			auth_redirect_back(r, o, "/me/following");
		return;
	}
	if (feed_renew(r, tok)) {
		resp_error(r, o, 500, "The database failed.");
	} else {
		o->private_ = true;
		o->no_store = true;
		html_page_begin(r, o, "Your private feed", NULL);
		html_printf(&o->body, "<main class=\"narrow\"><h1>Your private feed</h1><p>Give this address to your feed reader; it is "
			       "shown only now:</p><p><code class=\"token feed-url\">%s/feeds/following/%s.atom</code></p>"
			       "<p><a href=\"/me/following\">Back</a></p></main>",
		     r->w->base_url, tok);
		html_page_end(r, o);
	}
	sodium_memzero(tok, sizeof(tok));
}

/* GET /api/me/prefs; PUT /api/me/prefs {"muteCollapse": bool, "readMark":
 * "now" | ISO time | null}; POST /api/me/feed (a new private feed address,
 * the old one stops); DELETE /api/me/feed (none). */
void h_api_prefs(struct req *r, struct resp *o)
{
	if (!strcmp(r->method, "GET")) {
		resp_json(o, 200, json_prefs(r));
		return;
	}
	json_t *j = json_body(r, o);
	if (!j)
		return;
	struct user_prefs p = *reader_prefs(r);
	json_t *mc = json_object_get(j, "muteCollapse"), *rm = json_object_get(j, "readMark");
	const char *rms = json_string_value(rm);
	pb_time t = 0;
	if ((mc && !json_is_boolean(mc)) || (rm && !json_is_null(rm) && !(rms && (!strcmp(rms, "now") || !time_parse(rms, &t))))) {
		resp_error(r, o, 400, "muteCollapse must be true or false; readMark \"now\", an ISO time or null");
	} else {
		if (mc)
			p.mute_collapse = json_is_true(mc);
		if (rm)
			p.read_mark = json_is_null(rm) ? 0 : !strcmp(rms, "now") ? time_now_ms() : t;
		struct buf err = BUF_INIT;
		unsigned fields = (mc ? PREFS_MUTE_COLLAPSE : 0) | (rm ? PREFS_READ_MARK : 0);
		if (store_prefs_set(r->s, r->user.id, &p, fields, &err)) {
			resp_error(r, o, 500, "the database failed");
		} else {
			reader_prefs_set(r, &p);
			resp_json(o, 200, json_prefs(r));
		}
		buf_release(&err);
	}
	json_decref(j);
}

void h_api_feed(struct req *r, struct resp *o)
{
	bool on = !strcmp(r->method, "POST");
	char tok[48];
	if (feed_renew(r, on ? tok : NULL)) {
		resp_error(r, o, 500, "the database failed");
		return;
	}
	o->no_store = true;
	if (on) {
		struct buf url = BUF_INIT;
		buf_addf(&url, "%s/feeds/following/%s.atom", r->w->base_url, tok);
		resp_json(o, 201, json_pack("{s:s}", "url", url.s));
		buf_release(&url);
		sodium_memzero(tok, sizeof(tok));
	} else {
		resp_json(o, 200, json_pack("{s:b}", "privateFeed", 0));
	}
}

/* GET /feeds/following/TOKEN.atom */
void h_feed_following(struct req *r, struct resp *o)
{
	char tok[64];
	size_t n = strlen(r->cap[0]);
	if (n < 6 || n >= sizeof(tok) + 5 || strcmp(r->cap[0] + n - 5, ".atom")) {
		resp_error(r, o, 404, "There is no such feed.");
		return;
	}
	snprintf(tok, sizeof(tok), "%.*s", (int)(n - 5), r->cap[0]);
	uint8_t h[TOKEN_HASH_BYTES];
	crypto_generichash(h, sizeof(h), (const uint8_t *)tok, strlen(tok), NULL, 0);
	struct user u;
	struct buf err = BUF_INIT;
	int got = store_user_by_feed(r->s, h, &u, &err);
	if (got) {
		if (got < 0)
			resp_store_failed(r, o, "feeds", &err);
		else
			resp_error(r, o, 404, "There is no such feed.");
		buf_release(&err);
		return;
	}
	/* kept a while per reader: feed readers come back often, and a reader
	 * may follow 500 searches */
	char key[64];
	struct user_prefs up;
	if (store_prefs_get(r->s, u.id, &up, &err))
		memset(&up, 0, sizeof(up));
	snprintf(key, sizeof(key), "feed:%lld:%lld", (long long)u.id, (long long)up.active_at);
	if (rcache_get(r->w->rcache, key, o)) {
		buf_release(&err);
		sodium_memzero(&u, sizeof(u));
		return;
	}
	struct paper *ps;
	char **why;
	size_t k = following_papers(r, u.id, 50, &ps, &why);
	o->private_ = true;
	struct buf title = BUF_INIT;
	buf_addf(&title, "paperboy: followed by %s", u.name);
	atom_begin(r, o, title.s, "/me/following", NULL);
	for (size_t i = 0; i < k; i++)
		atom_entry(r, &o->body, &ps[i]);
	buf_adds(&o->body, "</feed>\n");
	if (!store_first_failure(r->s))
		rcache_put(r->w->rcache, key, FEED_TTL, o);
	lists_hit_papers_free(ps, k);
	free_why(why, k);
	buf_release(&title);
	buf_release(&err);
	sodium_memzero(&u, sizeof(u));
}

/* ---- recommendations ----------------------------------------------------------------- */

struct recs {
	struct search_hit *v;
	size_t n, cap;
};

static int collect_rec(const char *paper, double score, void *ctx)
{
	struct recs *rs = ctx;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 32;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	snprintf(rs->v[rs->n].id, sizeof(rs->v[rs->n].id), "%s", paper);
	rs->v[rs->n++].score = score;
	return 0;
}

/* The reader's recommendations, read and filtered (mutes); n. */
static size_t recommended_papers(struct req *r, int64_t user_id, size_t limit, struct paper **papers)
{
	struct recs rs = { 0 };
	struct buf err = BUF_INIT;
	store_recs_get(r->s, user_id, limit * 2, collect_rec, &rs, &err);
	bool *found = xcalloc(rs.n ? rs.n : 1, sizeof(*found));
	struct paper *ps = lists_hit_papers(r, rs.v, rs.n, found, &err);
	*papers = xcalloc(rs.n ? rs.n : 1, sizeof(**papers));
	size_t k = 0;
	char why[160];
	for (size_t i = 0; ps && i < rs.n && k < limit; i++) {
		if (!found[i] || (user_id == r->user.id && reader_muted(r, &ps[i], why)))
			continue;
		paper_init(&(*papers)[k]);
		paper_copy(&(*papers)[k++], &ps[i]);
	}
	lists_hit_papers_free(ps, rs.n);
	free(found);
	free(rs.v);
	buf_release(&err);
	return k;
}

void h_for_you(struct req *r, struct resp *o)
{
	html_page_begin(r, o, "For you", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide\"><h1>For you</h1><p class=\"muted\">Ranked for you from the papers you upvoted, saved and "
		"follow (a linear model of their words and their meaning, remade in the background a minute or so after you "
		"do something).</p><div class=\"cards\">");
	struct paper *ps;
	size_t n = recommended_papers(r, r->user.id, 30, &ps);
	reader_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++)
		card_write(r, b, &ps[i], NULL);
	if (!n)
		html_printf(b, "<p class=\"empty\">Nothing yet: upvote or save a few papers, or follow authors and topics, and "
			"come back in a minute.</p>");
	html_printf(b, "</div></main>");
	html_page_end(r, o);
	lists_hit_papers_free(ps, n);
}

/* ---- deleting one's account --------------------------------------------------------------- */

static void delete_page(struct req *r, struct resp *o, const char *msg)
{
	o->private_ = true;
	html_page_begin(r, o, "Delete your account", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>Delete your account</h1>");
	if (msg)
		html_printf(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html_printf(b, "<p>This removes your account for good: your votes leave "
		"the counts; your comments are deleted (their replies stay, under \"deleted user\"); your collections, follows, "
		"mutes, tokens, sessions and the subscriptions you made go. The papers you submitted stay on the feed, without "
		"your name. <a href=\"/me/export\">Download your data</a> first if you want it.</p>"
		"<form method=\"post\" action=\"/me/delete\">");
	html_csrf(r, b);
	html_printf(b, "<label for=\"dp\">Your password</label><input id=\"dp\" name=\"password\" type=\"password\" required "
		"autocomplete=\"current-password\"><button class=\"btn danger\">Delete my account</button></form></main>");
	html_page_end(r, o);
}

void h_delete_page(struct req *r, struct resp *o)
{
	delete_page(r, o, NULL);
}

/* The account's password, checked through the one limiter (as sign-in):
 * PB_OK, PB_DENIED, PB_LIMITED (*wait) or PB_BUSY. */
static enum pb_status password_check(struct req *r, const char *pw, long *wait)
{
	struct svc v = req_svc(r);
	struct user u = r->user;
	enum pb_status st = pw ? svc_password_check(&v, NULL, &u, pw, r->ip, wait) : PB_DENIED;
	sodium_memzero(&u, sizeof(u));
	return st;
}

/* Who a request is signed in as, in the shape of Hugging Face's
 * /api/whoami-v2 (a user, with no organisations and nothing to pay), and
 * how it was signed in. */
void h_api_me(struct req *r, struct resp *o)
{
	const struct user *u = &r->user;
	char oid[25];
	pb_object_id("user", u->name, 0, oid);
	json_t *auth = r->via_token ? json_pack("{s:s,s:{s:s}}", "type", "access_token", "accessToken", "role", "write")
				    : json_pack("{s:s}", "type", "session");
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:b,s:b,s:n,s:s,s:[],s:b,s:o,s:o}", "type", "user", "id", oid, "name",
			      u->name, "fullname", u->fullname[0] ? u->fullname : u->name, "email", u->email, "emailVerified",
			      u->email_verified, "isPro", 0, "canPay", 0, "periodEnd", "avatarUrl", "", "orgs", "isAdmin",
			      u->admin, "createdAt", json_time(u->created), "auth", auth);
	o->no_store = true;
	o->private_ = true;
	resp_json(o, 200, j);
}

void h_delete_post(struct req *r, struct resp *o)
{
	const char *pw = req_form(r, "password");
	long wait = 0;
	enum pb_status st;
	if (r->wants_json) {
		json_t *j = json_body(r, o);
		if (!j)
			return;
		st = password_check(r, json_string_value(json_object_get(j, "password")), &wait);
		json_decref(j);
	} else {
		st = password_check(r, pw, &wait);
	}
	if (st != PB_OK) {
		if (st == PB_LIMITED || st == PB_BUSY)
			resp_retry_after(o, st == PB_BUSY ? 2 : wait);
		if (r->wants_json) {
			resp_error(r, o, resp_status(st, NULL),
				   st == PB_LIMITED ? "too many password attempts; try again later"
				   : st == PB_DENIED ? "give the account's password: {\"password\": \"...\"}"
						      : "the server is busy; try again in a few seconds");
		} else {
			/* the form again, as sign-in answers a wrong password */
			delete_page(r, o, st == PB_LIMITED ? "Too many password attempts; try again later."
					  : st == PB_DENIED ? "That is not your password."
							     : "The server is busy; try again in a few seconds.");
			o->status = st == PB_DENIED ? 401 : resp_status(st, NULL);
		}
		return;
	}
	struct svc v = req_svc(r);
	struct buf err = BUF_INIT;
	st = svc_account_delete(&v, &r->user, &err);
	if (st != PB_OK) {
		int retry = 0, code = resp_status(st, &retry);
		if (retry)
			resp_retry_after(o, retry);
		resp_error(r, o, code, retry ? "The server is busy; try again in a few seconds." : "The database failed.");
	} else if (r->wants_json) {
		resp_json(o, 200, json_pack("{s:b}", "deleted", 1));
	} else {
		resp_cookie(r, o, "pb_session", "", 0, true);
		resp_redirect(o, "/");
	}
	buf_release(&err);
}

/* ---- the API ---------------------------------------------------------------------------------- */

static void api_pairs(struct req *r, struct resp *o, bool mute)
{
	struct buf err = BUF_INIT;
	if (!strcmp(r->method, "GET")) {
		json_t *arr = json_array();
		if (mute)
			store_mute_list(r->s, r->user.id, json_follow_append, arr, &err);
		else
			store_follow_list(r->s, r->user.id, json_follow_append, arr, &err);
		resp_json(o, 200, arr);
		buf_release(&err);
		return;
	}
	const char *kind, *value;
	json_t *j = NULL;
	bool on = !strcmp(r->method, "POST");
	if (on) {
		if (!(j = json_body(r, o)))
			return;
		kind = json_string_value(json_object_get(j, "kind"));
		value = json_string_value(json_object_get(j, "value"));
	} else {
		kind = req_arg(r, "kind");
		value = req_arg(r, "value");
	}
	struct svc v = req_svc(r);
	struct buf msg = BUF_INIT;
	enum pb_status st = svc_pair_set(&v, r->user.id, mute, kind, value, on, &msg);
	if (st)
		resp_outcome(r, o, st, msg.s);
	else
		resp_json(o, on ? 201 : 200, json_pack("{s:s,s:s,s:b}", "kind", kind, "value", value, on ? "added" : "removed", 1));
	json_decref(j);
	buf_release(&msg);
	buf_release(&err);
}

void h_api_follows(struct req *r, struct resp *o)
{
	api_pairs(r, o, false);
}

void h_api_mutes(struct req *r, struct resp *o)
{
	api_pairs(r, o, true);
}

void h_api_following(struct req *r, struct resp *o)
{
	struct paper *ps;
	char **why;
	size_t n = following_papers(r, r->user.id, 50, &ps, &why);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_list_paper(r, &ps[i]);
		if (!e)
			continue;
		json_object_set_new(e, "because", json_string(why[i]));
		json_array_append_new(arr, e);
	}
	lists_hit_papers_free(ps, n);
	free_why(why, n);
	resp_json(o, 200, arr);
}

void h_api_recs(struct req *r, struct resp *o)
{
	struct paper *ps;
	const char *ls = req_arg(r, "limit");
	long limit = 30;
	if (ls && parse_int(ls, 1, 100, &limit)) {
		resp_error(r, o, 400, "limit must be between 1 and 100");
		return;
	}
	size_t n = recommended_papers(r, r->user.id, (size_t)limit, &ps);
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_list_paper(r, &ps[i]);
		if (e)
			json_array_append_new(arr, e);
	}
	lists_hit_papers_free(ps, n);
	resp_json(o, 200, arr);
}
