/*
 * personal.c - each reader's own paperboy: follows and the Following page
 * (and its private Atom feed), mutes, "new since your last visit",
 * collections (with BibTeX, RIS and CSV), citations, recommendations,
 * one's data as JSON, and deleting one's account; in HTML and under /api/.
 */
#include "web_int.h"
#include <ctype.h>
#include <sodium.h>
#include <utf8proc.h>

/* A time in the API: ISO 8601 UTC, or null when there is none. */
static json_t *jtime(pb_time t)
{
	if (!t)
		return json_null();
	char iso[32];
	time_format_iso(t, iso);
	return json_string(iso);
}

/* ---- the reader's preferences and mutes, read once per request --------------------- */

static void load_me(struct req *r)
{
	if (r->me_loaded || !r->signed_in)
		return;
	r->me_loaded = true;
	struct buf err = BUF_INIT;
	if (store_prefs_get(r->s, r->user.id, &r->prefs, &err))
		memset(&r->prefs, 0, sizeof(r->prefs));
	buf_release(&err);
}

static int add_mute(const struct follow *m, void *ctx)
{
	paper_rules_add(&((struct req *)ctx)->mutes, m->kind, m->value);
	return 0;
}

static void load_mutes(struct req *r)
{
	if (r->mutes_loaded || !r->signed_in)
		return;
	r->mutes_loaded = true;
	struct buf err = BUF_INIT;
	store_mute_list(r->s, r->user.id, add_mute, r, &err);
	buf_release(&err);
}

const char *req_muted(struct req *r, const struct paper *p, char why[160])
{
	if (!r->signed_in)
		return NULL;
	load_mutes(r);
	long i = paper_rules_match(&r->mutes, p);
	if (i < 0)
		return NULL;
	snprintf(why, 160, "%s \"%s\"", r->mutes.kind.v[i], r->mutes.value.v[i]);
	return why;
}

bool req_mute_collapse(struct req *r)
{
	load_me(r);
	return r->prefs.mute_collapse;
}

bool req_is_new(struct req *r, const struct paper *p)
{
	if (!r->signed_in)
		return false;
	load_me(r);
	/* read since the last "mark all as read", else since one signed up;
	 * a paper arrives when it is featured (older Hugging Face records
	 * give only the day) */
	pb_time when = p->submitted_at, day;
	if (!when)
		when = p->hf_day[0] && day_parse(p->hf_day, &day) == 0 ? day : p->published;
	pb_time mark = r->prefs.read_mark ? r->prefs.read_mark : r->user.created;
	return mark && when > mark;
}

/* ---- follows and mutes --------------------------------------------------------------- */

static const char *const follow_kinds[] = { "author", "hfuser", "org", "category", "search" };
static const char *const mute_kinds[] = { "word", "author", "category", "org" };

static bool kind_ok(const char *k, const char *const *kinds, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		if (!strcmp(k, kinds[i]))
			return true;
	return false;
}

/* A follow's or mute's value: 1 to 199 bytes of text, trimmed. */
static bool value_ok(const char *v)
{
	if (!v)
		return false;
	size_t n = strlen(v);
	return n > 0 && n < 200 && !str_is_blank(v) && utf8_valid(v, n);
}

/* How long an export and a private feed are kept (seconds): an export
 * changes with its collection and a feed with its reader's follows (their
 * keys do), a feed with the new papers too. */
#define EXPORT_TTL 3600.0
#define FEED_TTL 300.0

/* What one reader may keep: the limits on what a client controls. */
#define MAX_PAIRS 500        /* follows, and mutes, each */
#define MAX_COLLECTIONS 100
#define MAX_ITEMS 2000       /* papers in a collection */
#define MAX_NOTE 2000        /* bytes of a note */

static int count_pair(const struct follow *f, void *ctx)
{
	(void)f;
	(*(size_t *)ctx)++;
	return 0;
}

/* Whether the reader already has as many follows (mutes) as allowed. */
static bool pairs_full(struct req *r, bool mute)
{
	size_t n = 0;
	struct buf err = BUF_INIT;
	if (mute)
		store_mute_list(r->s, r->user.id, count_pair, &n, &err);
	else
		store_follow_list(r->s, r->user.id, count_pair, &n, &err);
	buf_release(&err);
	return n >= MAX_PAIRS;
}

static int count_coll(const struct collection *c, void *ctx)
{
	(void)c;
	(*(size_t *)ctx)++;
	return 0;
}

static bool colls_full(struct req *r)
{
	size_t n = 0;
	struct buf err = BUF_INIT;
	store_collection_list(r->s, r->user.id, true, count_coll, &n, &err);
	buf_release(&err);
	return n >= MAX_COLLECTIONS;
}

/* Puts paper id (with note, NULL: keep) into collection c within the
 * limits: 0, 1 no such paper, 3 the collection is full, 4 the note is too
 * long or not UTF-8, -1 error. */
static int put_item(struct req *r, const struct collection *c, const char *id, const char *note, struct buf *err)
{
	if (note && (strlen(note) > MAX_NOTE || !utf8_valid(note, strlen(note))))
		return 4;
	if (c->items >= MAX_ITEMS) {
		/* full: only what it holds already may change (a note, a move) */
		int64_t in[MAX_COLLECTIONS];
		size_t n = 0;
		bool holds = false;
		if (store_collections_of(r->s, c->user_id, id, in, ARRAY_SIZE(in), &n, err))
			return -1;
		for (size_t i = 0; i < n; i++)
			holds |= in[i] == c->id;
		if (!holds)
			return 3;
	}
	pb_time now = time_now_ms();
	int rc = store_collection_put(r->s, c->id, id, note, now, err);
	if (!rc)
		store_user_touch(r->s, r->user.id, now, err);
	return rc;
}

/* The status and message of put_item's refusals. */
static int put_status(int rc)
{
	return rc < 0 ? 500 : rc == 1 ? 404 : rc == 3 ? 409 : 400;
}

static const char *put_message(int rc)
{
	return rc < 0	  ? "The database failed."
	       : rc == 1 ? "There is no such paper."
	       : rc == 3 ? "The collection is full (2000 papers)."
			 : "A note is up to 2000 bytes of text.";
}

static int saved_item(const struct collection_item *it, void *ctx)
{
	struct req *r = ctx;
	strlist_push(&r->saved, it->paper, strlen(it->paper));
	return 0;
}

/* Where a form goes back to: its own local path, else the page it was on,
 * else def. */
static void back(struct req *r, struct resp *o, const char *def)
{
	const char *b = req_form(r, "back");
	if (!(b && local_path_ok(b))) {
		/* the page of this site the form was on */
		const char *ref = req_header(r, "Referer");
		const char *rest = ref && strstr(ref, "://") ? strchr(strstr(ref, "://") + 3, '/') : NULL;
		b = rest && local_path_ok(rest) && origin_is_ours(r, ref) ? rest : def;
	}
	resp_redirect(o, b);
}

/* The reader's "Saved" collection and what it holds, read once. */
static void load_saved(struct req *r)
{
	if (r->saved_loaded || !r->signed_in)
		return;
	r->saved_loaded = true;
	struct collection c;
	struct buf err = BUF_INIT;
	if (store_collection_find(r->s, r->user.id, "Saved", &c, &err) == 0) {
		r->saved_id = c.id;
		store_collection_items(r->s, c.id, saved_item, r, &err);
	}
	buf_release(&err);
}

int64_t req_saved(struct req *r, const char *id)
{
	load_saved(r);
	for (size_t i = 0; i < r->saved.n; i++)
		if (!strcmp(r->saved.v[i], id))
			return r->saved_id;
	return 0;
}

static void pair_post(struct req *r, struct resp *o, bool mute)
{
	const char *kind = req_form(r, "kind"), *value = req_form(r, "value"), *on = req_form(r, "on");
	if (!(mute ? kind_ok(kind, mute_kinds, ARRAY_SIZE(mute_kinds)) : kind_ok(kind, follow_kinds, ARRAY_SIZE(follow_kinds))) ||
	    !value_ok(value)) {
		resp_error(r, o, 400, mute ? "Mute a word, an author, a category or an organization (kind), with a value."
					   : "Follow an author, a Hugging Face user, an organization, a category or a search (kind), with a value.");
		return;
	}
	bool set = !on || strcmp(on, "0");
	if (set && pairs_full(r, mute)) {
		resp_error(r, o, 409, mute ? "You mute 500 things already; unmute some first."
					   : "You follow 500 things already; unfollow some first.");
		return;
	}
	struct buf err = BUF_INIT;
	int rc = mute ? store_mute_set(r->s, r->user.id, kind, value, set, time_now_ms(), &err)
		      : store_follow_set(r->s, r->user.id, kind, value, set, time_now_ms(), &err);
	if (rc) {
		resp_error(r, o, 500, "The database failed.");
	} else {
		if (!mute)
			store_user_touch(r->s, r->user.id, time_now_ms(), &err);
		back(r, o, "/me/following");
	}
	buf_release(&err);
}

void h_follow_post(struct req *r, struct resp *o)
{
	pair_post(r, o, false);
}

void h_mute_post(struct req *r, struct resp *o)
{
	pair_post(r, o, true);
}

/* A follow button (a small form): on to follow, off to stop. */
void html_follow_button(struct req *r, struct buf *b, const char *kind, const char *value, bool on, const char *back_to)
{
	if (!r->signed_in)
		return;
	html(b, "<form method=\"post\" action=\"/me/follow\" class=\"inline follow\">");
	html_csrf(r, b);
	html(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\"><input type=\"hidden\" name=\"value\" value=\"%s\">"
		"<input type=\"hidden\" name=\"on\" value=\"%s\"><input type=\"hidden\" name=\"back\" value=\"%s\">"
		"<button type=\"submit\" class=\"link\" title=\"%s %s\" aria-label=\"%s %s\">%s</button></form>",
	     kind, value, on ? "1" : "0", back_to, on ? "Follow" : "Stop following", value, on ? "Follow" : "Stop following", value, on ? "+ follow" : "following ✓");
}

/* A mute button: mutes (kind, value) for the reader; unmuting is on
 * /me/following, where mutes are listed. */
void html_mute_button(struct req *r, struct buf *b, const char *kind, const char *label, const char *value,
		      const char *back_to)
{
	if (!r->signed_in)
		return;
	html(b, "<form method=\"post\" action=\"/me/mute\" class=\"inline mute\">");
	html_csrf(r, b);
	html(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\"><input type=\"hidden\" name=\"value\" value=\"%s\">"
		"<input type=\"hidden\" name=\"on\" value=\"1\"><input type=\"hidden\" name=\"back\" value=\"%s\">"
		"<button type=\"submit\" class=\"link\" aria-label=\"Mute %s %s\">%s %s</button></form>",
	     kind, value, back_to, label, value, label, value);
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

bool req_follows(struct req *r, const char *kind, const char *value)
{
	if (!r->signed_in)
		return false;
	if (!r->follows_loaded) {
		r->follows_loaded = true;
		struct follows fs = { 0 };
		struct buf err = BUF_INIT;
		store_follow_list(r->s, r->user.id, collect_follow, &fs, &err);
		for (size_t i = 0; i < fs.n; i++) {
			strlist_push(&r->follow_kind, fs.v[i].kind, strlen(fs.v[i].kind));
			strlist_push(&r->follow_value, fs.v[i].value, strlen(fs.v[i].value));
		}
		free(fs.v);
		buf_release(&err);
	}
	for (size_t i = 0; i < r->follow_kind.n; i++)
		if (!strcmp(r->follow_kind.v[i], kind) && !strcasecmp(r->follow_value.v[i], value))
			return true;
	return false;
}

/* ---- the papers of what a reader follows ----------------------------------------------- */

/* A follow as a search: author:"Name", cat:X, the query; organizations and
 * Hugging Face users are looked for among the recent featured papers. */
static void follow_query(const struct follow *f, struct buf *q)
{
	buf_reset(q);
	if (!strcmp(f->kind, "author"))
		buf_addf(q, "author:\"%s\"", f->value);
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
size_t following_papers(struct req *r, int64_t user_id, size_t limit, struct paper **papers, char ***why)
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
		if (web_search_run(r, q.s, &so, hits, &n, NULL, &err) == 0) {
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
		latest_day(r, "", to);
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
	struct paper *ps = web_hit_papers(r, all, n, found, &err);
	struct dated *d = xcalloc(n ? n : 1, sizeof(*d));
	size_t k = 0;
	char mwhy[160];
	for (size_t i = 0; ps && i < n; i++)
		if (found[i] && follow_holds(&ps[i], m.why.v[i]) && (user_id != r->user.id || !req_muted(r, &ps[i], mwhy)))
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
	web_hit_papers_free(ps, n);
	free(d);
	free(found);
	free(all);
	free(fs.v);
	strlist_clear(&m.ids);
	strlist_clear(&m.why);
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

void h_following(struct req *r, struct resp *o)
{
	page_begin(r, o, "Following", NULL);
	struct buf *b = &o->body, err = BUF_INIT;
	html(b, "<main class=\"wide\"><h1>Following</h1>");
	struct follows fs = { 0 }, ms = { 0 };
	store_follow_list(r->s, r->user.id, list_pair, &fs, &err);
	store_mute_list(r->s, r->user.id, list_pair, &ms, &err);
	html(b, "<section class=\"follows\"><h2>You follow</h2><ul>");
	for (size_t i = 0; i < fs.n; i++) {
		html(b, "<li><span class=\"tag\">%s</span> %s ", fs.v[i].kind, fs.v[i].value);
		html_follow_button(r, b, fs.v[i].kind, fs.v[i].value, false, "/me/following");
		html(b, "</li>");
	}
	if (!fs.n)
		html(b, "<li class=\"muted\">Nothing yet: follow authors on a paper's page, categories from their chips, or a search.</li>");
	html(b, "</ul><form method=\"post\" action=\"/me/follow\" class=\"row\">");
	html_csrf(r, b);
	html(b, "<label for=\"fk\">Follow</label><select id=\"fk\" name=\"kind\"><option value=\"author\">an author</option>"
		"<option value=\"category\">a category</option><option value=\"search\">a search</option>"
		"<option value=\"org\">an organization</option><option value=\"hfuser\">a Hugging Face user</option></select>"
		"<label for=\"fv\" class=\"sr\">Name</label><input id=\"fv\" name=\"value\" required maxlength=\"199\">"
		"<input type=\"hidden\" name=\"back\" value=\"/me/following\"><button class=\"btn small\">Follow</button></form></section>");
	html(b, "<section class=\"mutes\"><h2>Muted</h2><ul>");
	for (size_t i = 0; i < ms.n; i++) {
		html(b, "<li><span class=\"tag\">%s</span> %s <form method=\"post\" action=\"/me/mute\" class=\"inline\">", ms.v[i].kind,
		     ms.v[i].value);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\"><input type=\"hidden\" name=\"value\" value=\"%s\">"
			"<input type=\"hidden\" name=\"on\" value=\"0\"><input type=\"hidden\" name=\"back\" value=\"/me/following\">"
			"<button class=\"link\" aria-label=\"Unmute %s %s\">unmute</button></form></li>",
		     ms.v[i].kind, ms.v[i].value, ms.v[i].kind, ms.v[i].value);
	}
	load_me(r);
	html(b, "</ul><form method=\"post\" action=\"/me/mute\" class=\"row\">");
	html_csrf(r, b);
	html(b, "<label for=\"mk\">Mute</label><select id=\"mk\" name=\"kind\"><option value=\"word\">a word</option>"
		"<option value=\"author\">an author</option><option value=\"category\">a category</option>"
		"<option value=\"org\">an organization</option></select>"
		"<label for=\"mv\" class=\"sr\">What</label><input id=\"mv\" name=\"value\" required maxlength=\"199\">"
		"<input type=\"hidden\" name=\"back\" value=\"/me/following\"><button class=\"btn small\">Mute</button></form>"
		"<form method=\"post\" action=\"/me/prefs\" class=\"row\">");
	html_csrf(r, b);
	html(b, "<label for=\"mc\">Muted papers are</label><select id=\"mc\" name=\"mute_collapse\"><option value=\"0\"%S>left out</option>"
		"<option value=\"1\"%S>shown collapsed, with the reason</option></select><button class=\"btn small\">Save</button></form></section>",
	     r->prefs.mute_collapse ? "" : " selected", r->prefs.mute_collapse ? " selected" : "");
	html(b, "<section class=\"private-feed\"><h2>Your private feed</h2><p>An Atom feed of these papers for your feed reader; "
		"its address is a secret (anyone with it sees what you follow).</p><form method=\"post\" action=\"/me/feed\">");
	html_csrf(r, b);
	html(b, "<button class=\"btn small\">%s</button></form>", r->prefs.has_feed ? "Make a new address (the old one stops)" : "Make the address");
	if (r->prefs.has_feed) {
		html(b, "<form method=\"post\" action=\"/me/feed\" class=\"inline\">");
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"action\" value=\"off\"><button class=\"link danger\">Turn the private feed off"
			"</button></form>");
	}
	html(b, "</section>");
	struct paper *ps;
	char **why;
	size_t n = following_papers(r, r->user.id, 50, &ps, &why);
	html(b, "<h2>Newest papers of what you follow</h2><div class=\"cards\">");
	req_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++) {
		html(b, "<p class=\"why muted\">%s</p>", why[i]);
		html_card(r, b, &ps[i], NULL);
	}
	if (!n)
		html(b, "<p class=\"empty\">No papers yet.</p>");
	html(b, "</div></main>");
	page_end(r, o);
	web_hit_papers_free(ps, n);
	free_why(why, n);
	free(fs.v);
	free(ms.v);
	buf_release(&err);
}

void h_prefs_post(struct req *r, struct resp *o)
{
	load_me(r);
	const char *mc = req_form(r, "mute_collapse");
	struct user_prefs p = r->prefs;
	if (mc)
		p.mute_collapse = !strcmp(mc, "1");
	struct buf err = BUF_INIT;
	if (store_prefs_set(r->s, r->user.id, &p, &err))
		resp_error(r, o, 500, "The database failed.");
	else
		back(r, o, "/me/following");
	buf_release(&err);
}

void h_read_post(struct req *r, struct resp *o)
{
	load_me(r);
	struct user_prefs p = r->prefs;
	p.read_mark = time_now_ms();
	struct buf err = BUF_INIT;
	if (store_prefs_set(r->s, r->user.id, &p, &err))
		resp_error(r, o, 500, "The database failed.");
	else
		back(r, o, "/");
	buf_release(&err);
}

/* Gives the reader a new private feed address (tok, shown once; the old
 * one stops working), or none (tok NULL). 0 or -1. */
static int feed_renew(struct req *r, char tok[48])
{
	load_me(r);
	struct user_prefs p = r->prefs;
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
	int rc = store_prefs_set(r->s, r->user.id, &p, &err);
	if (!rc)
		r->prefs = p;
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
			back(r, o, "/me/following");
		return;
	}
	if (feed_renew(r, tok)) {
		resp_error(r, o, 500, "The database failed.");
	} else {
		o->private_ = true;
		o->no_store = true;
		page_begin(r, o, "Your private feed", NULL);
		html(&o->body, "<main class=\"narrow\"><h1>Your private feed</h1><p>Give this address to your feed reader; it is "
			       "shown only now:</p><p><code class=\"token feed-url\">%s/feeds/following/%s.atom</code></p>"
			       "<p><a href=\"/me/following\">Back</a></p></main>",
		     r->w->base_url, tok);
		page_end(r, o);
	}
	sodium_memzero(tok, sizeof(tok));
}

/* GET /api/me/prefs; PUT /api/me/prefs {"muteCollapse": bool, "readMark":
 * "now" | ISO time | null}; POST /api/me/feed (a new private feed address,
 * the old one stops); DELETE /api/me/feed (none). */
static json_t *prefs_json(struct req *r)
{
	return json_pack("{s:b,s:o,s:b}", "muteCollapse", r->prefs.mute_collapse, "readMark", jtime(r->prefs.read_mark),
			 "privateFeed", r->prefs.has_feed);
}

void h_api_prefs(struct req *r, struct resp *o)
{
	load_me(r);
	if (!strcmp(r->method, "GET")) {
		resp_json(o, 200, prefs_json(r));
		return;
	}
	json_t *j = json_body(r, o);
	if (!j)
		return;
	struct user_prefs p = r->prefs;
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
		if (store_prefs_set(r->s, r->user.id, &p, &err)) {
			resp_error(r, o, 500, "the database failed");
		} else {
			r->prefs = p;
			resp_json(o, 200, prefs_json(r));
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
	if (store_user_by_feed(r->s, h, &u, &err)) {
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
	web_hit_papers_free(ps, k);
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
size_t recommended_papers(struct req *r, int64_t user_id, size_t limit, struct paper **papers)
{
	struct recs rs = { 0 };
	struct buf err = BUF_INIT;
	store_recs_get(r->s, user_id, limit * 2, collect_rec, &rs, &err);
	bool *found = xcalloc(rs.n ? rs.n : 1, sizeof(*found));
	struct paper *ps = web_hit_papers(r, rs.v, rs.n, found, &err);
	*papers = xcalloc(rs.n ? rs.n : 1, sizeof(**papers));
	size_t k = 0;
	char why[160];
	for (size_t i = 0; ps && i < rs.n && k < limit; i++) {
		if (!found[i] || (user_id == r->user.id && req_muted(r, &ps[i], why)))
			continue;
		paper_init(&(*papers)[k]);
		paper_copy(&(*papers)[k++], &ps[i]);
	}
	web_hit_papers_free(ps, rs.n);
	free(found);
	free(rs.v);
	buf_release(&err);
	return k;
}

void h_for_you(struct req *r, struct resp *o)
{
	page_begin(r, o, "For you", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide\"><h1>For you</h1><p class=\"muted\">Ranked for you from the papers you upvoted, saved and "
		"follow (a linear model of their words and their meaning, remade in the background a minute or so after you "
		"do something).</p><div class=\"cards\">");
	struct paper *ps;
	size_t n = recommended_papers(r, r->user.id, 30, &ps);
	req_votes_prefetch(r, ps, n);
	for (size_t i = 0; i < n; i++)
		html_card(r, b, &ps[i], NULL);
	if (!n)
		html(b, "<p class=\"empty\">Nothing yet: upvote or save a few papers, or follow authors and topics, and "
			"come back in a minute.</p>");
	html(b, "</div></main>");
	page_end(r, o);
	web_hit_papers_free(ps, n);
}

/* ---- collections ------------------------------------------------------------------------ */

static bool coll_visible(struct req *r, const struct collection *c)
{
	return c->public_ || (r->signed_in && r->user.id == c->user_id);
}

/* The collection the route names ("*" = its number), if the reader may see it. */
static int route_coll(struct req *r, struct collection *c)
{
	long id;
	struct buf err = BUF_INIT;
	int rc = parse_int(r->cap[0], 1, LONG_MAX, &id) ? 1 : store_collection_get(r->s, id, c, &err);
	buf_release(&err);
	if (rc == 0 && !coll_visible(r, c))
		rc = 1;
	return rc;
}

static int get_saved(struct req *r, struct collection *c)
{
	struct buf err = BUF_INIT;
	int rc = store_collection_find(r->s, r->user.id, "Saved", c, &err);
	if (rc == 1) {
		memset(c, 0, sizeof(*c));
		c->user_id = r->user.id;
		snprintf(c->name, sizeof(c->name), "Saved");
		rc = store_collection_add(r->s, c, &err);
		if (rc == 1)
			rc = store_collection_find(r->s, r->user.id, "Saved", c, &err);
	}
	buf_release(&err);
	return rc;
}

/* POST /me/save (paper): into the reader's "Saved" collection. */
void h_save(struct req *r, struct resp *o)
{
	const char *pid = req_form(r, "paper");
	char id[PAPER_ID_MAX];
	struct collection c;
	struct buf err = BUF_INIT;
	if (!pid || arxiv_id_parse(pid, id, NULL)) {
		resp_error(r, o, 400, "Save which paper?");
	} else if (get_saved(r, &c)) {
		resp_error(r, o, 500, "The database failed.");
	} else {
		int rc = put_item(r, &c, id, NULL, &err);
		if (rc) {
			resp_error(r, o, put_status(rc), put_message(rc));
		} else {
			const char *accept = req_header(r, "Accept");
			if (accept && strstr(accept, "application/json"))
				resp_json(o, 200, json_pack("{s:s,s:I}", "saved", id, "collection", (json_int_t)c.id));
			else
				back(r, o, "/");
		}
	}
	buf_release(&err);
}

void h_collection_new(struct req *r, struct resp *o)
{
	const char *name = req_form(r, "name"), *pub = req_form(r, "public");
	if (!name || str_is_blank(name) || strlen(name) >= sizeof(((struct collection *)0)->name) ||
	    !utf8_valid(name, strlen(name))) {
		resp_error(r, o, 400, "A collection needs a name (up to 119 bytes).");
		return;
	}
	if (colls_full(r)) {
		resp_error(r, o, 409, "You have 100 collections already; delete one first.");
		return;
	}
	struct collection c = { 0 };
	c.user_id = r->user.id;
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.public_ = pub && !strcmp(pub, "1");
	struct buf err = BUF_INIT;
	int rc = store_collection_add(r->s, &c, &err);
	if (rc) {
		resp_error(r, o, rc < 0 ? 500 : 409, rc < 0 ? "The database failed." : "You have a collection of that name.");
	} else {
		const char *paper = req_form(r, "paper");
		char id[PAPER_ID_MAX];
		if (paper && !arxiv_id_parse(paper, id, NULL))
			put_item(r, &c, id, req_form(r, "note"), &err);
		char loc[64];
		snprintf(loc, sizeof(loc), "/c/%lld", (long long)c.id);
		resp_redirect(o, loc);
	}
	buf_release(&err);
}

static bool own_coll(struct req *r, struct resp *o, struct collection *c)
{
	if (route_coll(r, c) || c->user_id != r->user.id) {
		resp_error(r, o, 404, "There is no such collection of yours.");
		return false;
	}
	return true;
}

void h_collection_edit(struct req *r, struct resp *o)
{
	struct collection c;
	if (!own_coll(r, o, &c))
		return;
	const char *action = req_form(r, "action"), *paper = req_form(r, "paper"), *note = req_form(r, "note");
	char id[PAPER_ID_MAX] = "";
	if (paper && arxiv_id_parse(paper, id, NULL))
		id[0] = '\0';
	struct buf err = BUF_INIT;
	int rc = 0;
	if (!action) {
		rc = 2;
	} else if (!strcmp(action, "add") && id[0]) {
		rc = put_item(r, &c, id, note, &err);
		if (rc >= 3) {
			resp_error(r, o, put_status(rc), put_message(rc));
			buf_release(&err);
			return;
		}
	} else if (!strcmp(action, "remove") && id[0]) {
		rc = store_collection_remove(r->s, c.id, id, &err);
	} else if (!strcmp(action, "move") && id[0]) {
		long to;
		const char *ts = req_form(r, "to");
		rc = !ts || parse_int(ts, 0, 100000, &to) ? 2 : store_collection_move(r->s, c.id, id, to, &err);
	} else if (!strcmp(action, "rename")) {
		const char *name = req_form(r, "name"), *pub = req_form(r, "public");
		if (name && !str_is_blank(name) && strlen(name) < sizeof(c.name) && utf8_valid(name, strlen(name)))
			snprintf(c.name, sizeof(c.name), "%s", name);
		if (pub)
			c.public_ = !strcmp(pub, "1");
		rc = store_collection_update(r->s, &c, &err);
	} else if (!strcmp(action, "delete")) {
		rc = store_collection_delete(r->s, c.id, r->user.id, &err);
		if (!rc) {
			char loc[80 + USER_NAME_MAX];
			snprintf(loc, sizeof(loc), "/u/%s/collections", r->user.name);
			resp_redirect(o, loc);
			buf_release(&err);
			return;
		}
	} else {
		rc = 2;
	}
	if (rc < 0)
		resp_error(r, o, 500, "The database failed.");
	else if (rc == 2)
		resp_error(r, o, 400, "Say what to do: action=add|remove|move|rename|delete, with paper (and note, to).");
	else if (rc == 1)
		resp_error(r, o, 404, "There is no such paper here, or in the collection.");
	else {
		char loc[64];
		snprintf(loc, sizeof(loc), "/c/%lld", (long long)c.id);
		back(r, o, loc);
	}
	buf_release(&err);
}

struct items {
	struct collection_item *v;
	size_t n, cap;
};

static int collect_item(const struct collection_item *it, void *ctx)
{
	struct items *is = ctx;
	if (is->n == is->cap) {
		is->cap = is->cap ? is->cap * 2 : 32;
		is->v = xrealloc(is->v, is->cap * sizeof(*is->v));
	}
	is->v[is->n] = *it;
	is->v[is->n++].note = xstrdup(it->note);
	return 0;
}

static void items_free(struct items *is)
{
	for (size_t i = 0; i < is->n; i++)
		free(is->v[i].note);
	free(is->v);
}

/* The items' papers (in their order), found[i] for each. */
static struct paper *items_papers(struct req *r, const struct items *is, bool *found)
{
	struct search_hit *h = xcalloc(is->n ? is->n : 1, sizeof(*h));
	for (size_t i = 0; i < is->n; i++)
		snprintf(h[i].id, sizeof(h[i].id), "%s", is->v[i].paper);
	struct buf err = BUF_INIT;
	struct paper *ps = web_hit_papers(r, h, is->n, found, &err);
	free(h);
	buf_release(&err);
	return ps;
}

/* A collection is shown and sent COLL_PAGE papers at a time. */
#define COLL_PAGE 100

/* The page of a collection (?p=, from 0); -1 after answering 400. */
static long coll_page_arg(struct req *r, struct resp *o, const struct collection *c)
{
	long p = 0, last = c->items > 0 ? (long)((c->items - 1) / COLL_PAGE) : 0;
	const char *s = req_arg(r, "p");
	if (s && parse_int(s, 0, last, &p)) {
		char msg[96];
		snprintf(msg, sizeof(msg), "The page number (p) goes from 0 to %ld.", last);
		resp_error(r, o, 400, msg);
		return -1;
	}
	return p;
}

void h_collection(struct req *r, struct resp *o)
{
	struct collection c;
	if (route_coll(r, &c)) {
		resp_error(r, o, 404, "There is no such collection.");
		return;
	}
	bool mine = r->signed_in && r->user.id == c.user_id;
	long page = coll_page_arg(r, o, &c);
	if (page < 0)
		return;
	size_t off = (size_t)page * COLL_PAGE;
	struct items is = { 0 };
	struct buf err = BUF_INIT;
	store_collection_page(r->s, c.id, off, COLL_PAGE, collect_item, &is, &err);
	bool *found = xcalloc(is.n ? is.n : 1, sizeof(*found));
	struct paper *ps = items_papers(r, &is, found);
	if (mine)
		o->private_ = true;
	page_begin(r, o, c.name, NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide collection\"><h1>%s</h1><p class=\"muted\">A %s collection by <a href=\"/u/%U\">%s</a>, "
		"%lld paper%S. Export: <a href=\"/c/%lld/export?format=bib\">BibTeX</a> · "
		"<a href=\"/c/%lld/export?format=ris\">RIS</a> · <a href=\"/c/%lld/export?format=csv\">CSV</a></p>",
	     c.name, c.public_ ? "public" : "private", c.user, c.user, (long long)c.items, c.items == 1 ? "" : "s",
	     (long long)c.id, (long long)c.id, (long long)c.id);
	if (mine) {
		html(b, "<form method=\"post\" action=\"/c/%lld\" class=\"row\">", (long long)c.id);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"action\" value=\"rename\"><label for=\"cn\">Name</label>"
			"<input id=\"cn\" name=\"name\" value=\"%s\" maxlength=\"119\"><label for=\"cp\">Visible to</label>"
			"<select id=\"cp\" name=\"public\"><option value=\"0\"%S>you only</option><option value=\"1\"%S>everyone</option>"
			"</select><button class=\"btn small\">Save</button></form>",
		     c.name, c.public_ ? "" : " selected", c.public_ ? " selected" : "");
	}
	html(b, "<ol class=\"coll-items\" start=\"%zu\">", off + 1);
	req_votes_prefetch(r, ps, is.n);
	size_t total = (size_t)c.items;
	for (size_t k = 0; ps && k < is.n; k++) {
		size_t i = off + k; /* its place in the whole collection */
		if (!found[k])
			continue;
		html(b, "<li>");
		html_card(r, b, &ps[k], NULL);
		if (is.v[k].note[0])
			html(b, "<p class=\"note\">%s</p>", is.v[k].note);
		if (mine) {
			html(b, "<div class=\"item-tools\"><form method=\"post\" action=\"/c/%lld\" class=\"row item-edit\">",
			     (long long)c.id);
			html_csrf(r, b);
			html(b, "<input type=\"hidden\" name=\"action\" value=\"add\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
				"<label class=\"sr\" for=\"n%zu\">Note</label><input id=\"n%zu\" name=\"note\" value=\"%s\" "
				"placeholder=\"a note\" maxlength=\"2000\"><button class=\"btn small\">Save note</button></form>",
			     ps[k].id, i, i, is.v[k].note);
			html(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline\">", (long long)c.id);
			html_csrf(r, b);
			html(b, "<input type=\"hidden\" name=\"action\" value=\"move\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
				"<input type=\"hidden\" name=\"to\" value=\"%zu\"><button class=\"link\" aria-label=\"Move up\"%S>↑ up</button></form>",
			     ps[k].id, i ? i - 1 : 0, i ? "" : " disabled");
			html(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline\">", (long long)c.id);
			html_csrf(r, b);
			html(b, "<input type=\"hidden\" name=\"action\" value=\"move\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
				"<input type=\"hidden\" name=\"to\" value=\"%zu\"><button class=\"link\" aria-label=\"Move down\"%S>↓ down</button></form> ",
			     ps[k].id, i + 1 < total ? i + 1 : i, i + 1 < total ? "" : " disabled");
			html(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline\">", (long long)c.id);
			html_csrf(r, b);
			html(b, "<input type=\"hidden\" name=\"action\" value=\"remove\"><input type=\"hidden\" name=\"paper\" "
				"value=\"%s\"><button class=\"link\">remove</button></form></div>",
			     ps[k].id);
		}
		html(b, "</li>");
	}
	html(b, "</ol>");
	if (page > 0 || off + COLL_PAGE < total) {
		html(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
		if (page > 0)
			html(b, "<a rel=\"prev\" href=\"/c/%lld?p=%ld\">← Previous</a>", (long long)c.id, page - 1);
		if (off + COLL_PAGE < total)
			html(b, "<a rel=\"next\" href=\"/c/%lld?p=%ld\">Next →</a>", (long long)c.id, page + 1);
		html(b, "</nav>");
	}
	if (mine) {
		html(b, "<form method=\"post\" action=\"/c/%lld\" class=\"row\">", (long long)c.id);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"action\" value=\"delete\"><button class=\"btn small danger\">Delete this "
			"collection</button></form>");
	}
	html(b, "</main>");
	page_end(r, o);
	web_hit_papers_free(ps, is.n);
	free(found);
	items_free(&is);
	buf_release(&err);
}

struct colls {
	struct collection *v;
	size_t n, cap;
};

static int collect_coll(const struct collection *c, void *ctx)
{
	struct colls *cs = ctx;
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 16;
		cs->v = xrealloc(cs->v, cs->cap * sizeof(*cs->v));
	}
	cs->v[cs->n++] = *c;
	return 0;
}

void h_collections(struct req *r, struct resp *o)
{
	struct user u;
	struct buf err = BUF_INIT;
	if (store_user_get(r->s, 0, r->cap[0], &u, &err)) {
		resp_error(r, o, 404, "There is no such user.");
		buf_release(&err);
		return;
	}
	bool mine = r->signed_in && r->user.id == u.id;
	struct colls cs = { 0 };
	store_collection_list(r->s, u.id, mine, collect_coll, &cs, &err);
	if (mine)
		o->private_ = true;
	page_begin(r, o, "Collections", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"narrow\"><h1>Collections of <a href=\"/u/%U\">%s</a></h1><ul class=\"collections\">", u.name,
	     u.name);
	for (size_t i = 0; i < cs.n; i++)
		html(b, "<li><a href=\"/c/%lld\">%s</a> <span class=\"muted\">%lld papers%S</span></li>", (long long)cs.v[i].id,
		     cs.v[i].name, (long long)cs.v[i].items, cs.v[i].public_ ? "" : " · private");
	if (!cs.n)
		html(b, "<li class=\"muted\">None yet.</li>");
	html(b, "</ul>");
	if (mine) {
		html(b, "<form method=\"post\" action=\"/me/collections\" class=\"row\">");
		html_csrf(r, b);
		html(b, "<label for=\"nn\">New collection</label><input id=\"nn\" name=\"name\" required maxlength=\"119\">"
			"<label for=\"np\">Visible to</label><select id=\"np\" name=\"public\"><option value=\"0\">you only</option>"
			"<option value=\"1\">everyone</option></select><button class=\"btn small\">Make it</button></form>");
	}
	html(b, "</main>");
	page_end(r, o);
	free(cs.v);
	buf_release(&err);
	sodium_memzero(&u, sizeof(u));
}

/* The "add to a collection" form of a paper page (and the Save button). */
void html_collect_form(struct req *r, struct buf *b, const struct paper *p)
{
	if (!r->signed_in)
		return;
	struct colls cs = { 0 };
	struct buf err = BUF_INIT;
	store_collection_list(r->s, r->user.id, true, collect_coll, &cs, &err);
	int64_t in[MAX_COLLECTIONS];
	size_t nin = 0;
	store_collections_of(r->s, r->user.id, p->id, in, ARRAY_SIZE(in), &nin, &err);
	html(b, "<details class=\"collect\"%S><summary>Collections%S</summary>", nin ? " open" : "",
	     nin ? " (this paper is in some of yours)" : "");
	bool has_saved = false;
	for (size_t i = 0; i < cs.n; i++) {
		bool here = false;
		for (size_t k = 0; k < nin && !here; k++)
			here = in[k] == cs.v[i].id;
		has_saved |= !strcmp(cs.v[i].name, "Saved");
		html(b, "<form method=\"post\" action=\"/c/%lld\" class=\"row\">", (long long)cs.v[i].id);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><input type=\"hidden\" name=\"back\" value=\"/papers/%s\">",
		     p->id, p->id);
		if (here)
			html(b, "<input type=\"hidden\" name=\"action\" value=\"remove\"><a href=\"/c/%lld\">%s</a> ✓ "
				"<button class=\"link danger\">Remove from %s</button></form>",
			     (long long)cs.v[i].id, cs.v[i].name, cs.v[i].name);
		else
			html(b, "<input type=\"hidden\" name=\"action\" value=\"add\"><input name=\"note\" placeholder=\"a note (optional)\" "
				"maxlength=\"2000\" aria-label=\"Note for %s\"><button class=\"btn small\">Add to %s</button></form>",
			     cs.v[i].name, cs.v[i].name);
	}
	if (!has_saved) {
		html(b, "<form method=\"post\" action=\"/me/save\" class=\"row save\">");
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><input type=\"hidden\" name=\"back\" value=\"/papers/%s\">"
			"<button class=\"btn small\">Save</button></form>",
		     p->id, p->id);
	}
	html(b, "<form method=\"post\" action=\"/me/collections\" class=\"row\">");
	html_csrf(r, b);
	html(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><input name=\"name\" placeholder=\"a new collection\" required "
		"maxlength=\"119\" aria-label=\"New collection\"><button class=\"btn small\">Make it and add</button></form></details>",
	     p->id);
	free(cs.v);
	buf_release(&err);
}

/* ---- citations ---------------------------------------------------------------------------- */

/* GET /papers/ID.bib */
void h_paper_bib(struct req *r, struct resp *o)
{
	char raw[PAPER_ID_MAX], id[PAPER_ID_MAX];
	snprintf(raw, sizeof(raw), "%.*s", (int)strlen(r->cap[0]) - 4, r->cap[0]);
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = arxiv_id_parse(raw, id, NULL) ? 1 : store_paper_get(r->s, id, &p, &err);
	if (rc || p.hidden) {
		resp_error(r, o, 404, "There is no such paper here.");
	} else {
		o->ctype = "application/x-bibtex; charset=utf-8";
		cite_bibtex(&p, NULL, &o->body);
	}
	paper_release(&p);
	buf_release(&err);
}

/* GET /c/ID/export?format=bib|ris|csv */
void h_collection_export(struct req *r, struct resp *o)
{
	struct collection c;
	if (route_coll(r, &c)) {
		resp_error(r, o, 404, "There is no such collection.");
		return;
	}
	const char *f = req_arg(r, "format");
	int fmt = !f || !strcmp(f, "bib") ? 0 : !strcmp(f, "ris") ? 1 : !strcmp(f, "csv") ? 2 : -1;
	if (fmt < 0) {
		resp_error(r, o, 400, "format must be bib, ris or csv.");
		return;
	}
	/* made once per version of the collection (its `updated` moves with
	 * every change), then kept: an export of 2,000 papers is work */
	char key[96];
	snprintf(key, sizeof(key), "export:%lld:%lld:%lld:%d", (long long)c.id, (long long)c.updated,
		 (long long)c.items, fmt);
	if (rcache_get(r->w->rcache, key, o))
		return;
	struct items is = { 0 };
	struct buf err = BUF_INIT;
	store_collection_items(r->s, c.id, collect_item, &is, &err);
	bool *found = xcalloc(is.n ? is.n : 1, sizeof(*found));
	struct paper *ps = items_papers(r, &is, found);
	static const char *const types[] = { "application/x-bibtex; charset=utf-8", "application/x-research-info-systems; charset=utf-8",
					     "text/csv; charset=utf-8" };
	static const char *const exts[] = { "bib", "ris", "csv" };
	o->ctype = types[fmt];
	if (!c.public_)
		o->private_ = true;
	char disp[96];
	snprintf(disp, sizeof(disp), "attachment; filename=\"collection-%lld.%s\"", (long long)c.id, exts[fmt]);
	resp_header(o, "Content-Disposition", disp);
	if (fmt == 2)
		cite_csv_header(&o->body);
	for (size_t i = 0; ps && i < is.n; i++) {
		if (!found[i])
			continue;
		if (fmt == 0) {
			cite_bibtex(&ps[i], is.v[i].note, &o->body);
			buf_addc(&o->body, '\n');
		} else if (fmt == 1) {
			cite_ris(&ps[i], is.v[i].note, &o->body);
		} else {
			cite_csv(&ps[i], is.v[i].note, &o->body);
		}
	}
	if (ps && !store_first_failure(r->s))
		rcache_put(r->w->rcache, key, EXPORT_TTL, o);
	web_hit_papers_free(ps, is.n);
	free(found);
	items_free(&is);
	buf_release(&err);
}

/* ---- your data ------------------------------------------------------------------------------ */

static int ex_comment(const struct comment *c, void *ctx)
{
	if (!c->deleted)
		json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:o,s:b}", "id", (json_int_t)c->id, "paper", c->paper, "body",
						      c->body ? c->body : "", "created", jtime(c->created), "hidden",
						      c->hidden));
	return 0;
}

static void user_comments_json(struct req *r, json_t *arr)
{
	struct buf err = BUF_INIT;
	store_user_comments(r->s, r->user.id, ex_comment, arr, &err);
	buf_release(&err);
}

static int ex_follow(const struct follow *f, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:o}", "kind", f->kind, "value", f->value, "created", jtime(f->created)));
	return 0;
}

static int ex_vote(const struct paper *p, void *ctx)
{
	json_array_append_new(ctx, json_string(p->id));
	return 0;
}

static int ex_token(const struct api_token *t, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s,s:o,s:o}", "label", t->label, "created", jtime(t->created), "lastUsed",
					      jtime(t->last_used)));
	return 0;
}

static int ex_sub(const struct subscription *sub, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:s,s:s}", "email", sub->email, "period", sub->period, "topics",
					      sub->topics ? sub->topics : "", "status", sub->status));
	return 0;
}

json_t *user_export(struct req *r)
{
	struct buf err = BUF_INIT;
	json_t *j = json_object();
	json_object_set_new(j, "profile",
			    json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "name", r->user.name, "fullname", r->user.fullname, "email",
				      r->user.email, "emailVerified", r->user.email_verified, "admin", r->user.admin,
				      "created", jtime(r->user.created)));
	json_t *votes = json_array(), *follows = json_array(), *mutes = json_array(), *tokens = json_array(),
	       *subs = json_array(), *colls = json_array(), *comments = json_array();
	store_user_votes(r->s, r->user.id, 100000, ex_vote, votes, &err);
	store_follow_list(r->s, r->user.id, ex_follow, follows, &err);
	store_mute_list(r->s, r->user.id, ex_follow, mutes, &err);
	store_token_list(r->s, r->user.id, ex_token, tokens, &err);
	if (r->user.email_verified)
		store_sub_list_email(r->s, r->user.email, ex_sub, subs, &err);
	struct colls cs = { 0 };
	store_collection_list(r->s, r->user.id, true, collect_coll, &cs, &err);
	for (size_t i = 0; i < cs.n; i++) {
		struct items is = { 0 };
		store_collection_items(r->s, cs.v[i].id, collect_item, &is, &err);
		json_t *items = json_array();
		for (size_t k = 0; k < is.n; k++)
			json_array_append_new(items, json_pack("{s:s,s:s,s:o}", "paper", is.v[k].paper, "note", is.v[k].note,
							      "added", jtime(is.v[k].added)));
		json_array_append_new(colls, json_pack("{s:I,s:s,s:b,s:o}", "id", (json_int_t)cs.v[i].id, "name", cs.v[i].name,
						      "public", cs.v[i].public_, "items", items));
		items_free(&is);
	}
	free(cs.v);
	user_comments_json(r, comments);
	load_me(r);
	json_object_set_new(j, "votes", votes);
	json_object_set_new(j, "comments", comments);
	json_object_set_new(j, "collections", colls);
	json_object_set_new(j, "follows", follows);
	json_object_set_new(j, "mutes", mutes);
	json_object_set_new(j, "subscriptions", subs);
	json_object_set_new(j, "tokens", tokens);
	json_object_set_new(j, "preferences", prefs_json(r));
	buf_release(&err);
	return j;
}

/* GET /me/export and /api/me/export: everything the account owns, as one JSON document. */
void h_export(struct req *r, struct resp *o)
{
	resp_json(o, 200, user_export(r));
	o->private_ = true;
	o->no_store = true;
	if (!r->wants_json)
		resp_header(o, "Content-Disposition", "attachment; filename=\"paperboy-export.json\"");
}

/* ---- deleting one's account --------------------------------------------------------------- */

static void delete_page(struct req *r, struct resp *o, const char *msg)
{
	o->private_ = true;
	page_begin(r, o, "Delete your account", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"narrow\"><h1>Delete your account</h1>");
	if (msg)
		html(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html(b, "<p>This removes your account for good: your votes leave "
		"the counts; your comments are deleted (their replies stay, under \"deleted user\"); your collections, follows, "
		"mutes, tokens, sessions and the subscriptions you made go. The papers you submitted stay on the feed, without "
		"your name. <a href=\"/me/export\">Download your data</a> first if you want it.</p>"
		"<form method=\"post\" action=\"/me/delete\">");
	html_csrf(r, b);
	html(b, "<label for=\"dp\">Your password</label><input id=\"dp\" name=\"password\" type=\"password\" required "
		"autocomplete=\"current-password\"><button class=\"btn danger\">Delete my account</button></form></main>");
	page_end(r, o);
}

void h_delete_page(struct req *r, struct resp *o)
{
	delete_page(r, o, NULL);
}

/* The account's password, checked through the one limiter (as sign-in):
 * SVC_OK, SVC_DENIED, SVC_LIMITED (*wait) or SVC_BUSY. */
static enum svc_status password_check(struct req *r, const char *pw, long *wait)
{
	struct svc v = req_svc(r);
	struct user u = r->user;
	enum svc_status st = pw ? svc_password_check(&v, NULL, &u, pw, r->ip, wait) : SVC_DENIED;
	sodium_memzero(&u, sizeof(u));
	return st;
}

void h_delete_post(struct req *r, struct resp *o)
{
	const char *pw = req_form(r, "password");
	long wait = 0;
	enum svc_status st;
	if (r->wants_json) {
		json_t *j = json_body(r, o);
		if (!j)
			return;
		st = password_check(r, json_string_value(json_object_get(j, "password")), &wait);
		json_decref(j);
	} else {
		st = password_check(r, pw, &wait);
	}
	if (st != SVC_OK) {
		if (st == SVC_LIMITED || st == SVC_BUSY)
			resp_retry_after(o, st == SVC_BUSY ? 2 : wait);
		if (r->wants_json) {
			resp_error(r, o, svc_http_status(st),
				   st == SVC_LIMITED ? "too many wrong passwords; try again later"
				   : st == SVC_DENIED ? "give the account's password: {\"password\": \"...\"}"
						      : "the server is busy; try again in a few seconds");
		} else {
			/* the form again, as sign-in answers a wrong password */
			delete_page(r, o, st == SVC_LIMITED ? "Too many wrong passwords; try again later."
					  : st == SVC_DENIED ? "That is not your password."
							     : "The server is busy; try again in a few seconds.");
			o->status = st == SVC_DENIED ? 401 : svc_http_status(st);
		}
		return;
	}
	struct buf err = BUF_INIT;
	int rc = store_user_delete(r->s, r->user.id, &err);
	if (rc) {
		resp_error(r, o, 500, "The database failed.");
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
			store_mute_list(r->s, r->user.id, ex_follow, arr, &err);
		else
			store_follow_list(r->s, r->user.id, ex_follow, arr, &err);
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
	if (!(mute ? kind_ok(kind, mute_kinds, ARRAY_SIZE(mute_kinds)) : kind_ok(kind, follow_kinds, ARRAY_SIZE(follow_kinds))) ||
	    !value_ok(value)) {
		resp_error(r, o, 400, mute ? "kind must be word, author, category or org; value a text"
					   : "kind must be author, hfuser, org, category or search; value a text");
	} else {
		int rc = on && pairs_full(r, mute) ? 2
			 : mute ? store_mute_set(r->s, r->user.id, kind, value, on, time_now_ms(), &err)
				: store_follow_set(r->s, r->user.id, kind, value, on, time_now_ms(), &err);
		if (rc == 2) {
			resp_error(r, o, 409, mute ? "at most 500 mutes" : "at most 500 follows");
		} else if (rc) {
			resp_error(r, o, 500, "the database failed");
		} else {
			if (!mute)
				store_user_touch(r->s, r->user.id, time_now_ms(), &err);
			resp_json(o, on ? 201 : 200, json_pack("{s:s,s:s,s:b}", "kind", kind, "value", value, on ? "added" : "removed", 1));
		}
	}
	json_decref(j);
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
		json_t *e = list_envelope(r, &ps[i]);
		if (!e)
			continue;
		json_object_set_new(e, "because", json_string(why[i]));
		json_array_append_new(arr, e);
	}
	web_hit_papers_free(ps, n);
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
		json_t *e = list_envelope(r, &ps[i]);
		if (e)
			json_array_append_new(arr, e);
	}
	web_hit_papers_free(ps, n);
	resp_json(o, 200, arr);
}

static json_t *coll_json(const struct collection *c)
{
	return json_pack("{s:I,s:s,s:s,s:b,s:I,s:o,s:o}", "id", (json_int_t)c->id, "name", c->name, "owner", c->user,
			 "public", c->public_, "papers", (json_int_t)c->items, "created", jtime(c->created), "updated",
			 jtime(c->updated));
}

void h_api_collections(struct req *r, struct resp *o)
{
	struct buf err = BUF_INIT;
	if (!strcmp(r->method, "GET")) {
		struct colls cs = { 0 };
		store_collection_list(r->s, r->user.id, true, collect_coll, &cs, &err);
		json_t *arr = json_array();
		for (size_t i = 0; i < cs.n; i++)
			json_array_append_new(arr, coll_json(&cs.v[i]));
		free(cs.v);
		resp_json(o, 200, arr);
		buf_release(&err);
		return;
	}
	json_t *j = json_body(r, o);
	if (!j)
		return;
	const char *name = json_string_value(json_object_get(j, "name"));
	struct collection c = { 0 };
	c.user_id = r->user.id;
	c.public_ = json_is_true(json_object_get(j, "public"));
	if (!name || str_is_blank(name) || strlen(name) >= sizeof(c.name) || !utf8_valid(name, strlen(name))) {
		resp_error(r, o, 400, "name must be a text of 1 to 119 bytes");
	} else if (colls_full(r)) {
		resp_error(r, o, 409, "you have 100 collections already");
	} else {
		snprintf(c.name, sizeof(c.name), "%s", name);
		int rc = store_collection_add(r->s, &c, &err);
		if (rc)
			resp_error(r, o, rc < 0 ? 500 : 409, rc < 0 ? "the database failed" : "you have a collection of that name");
		else if (store_collection_get(r->s, c.id, &c, &err) == 0)
			resp_json(o, 201, coll_json(&c));
		else
			resp_error(r, o, 500, "the database failed");
	}
	json_decref(j);
	buf_release(&err);
}

/* GET /api/collections/ID, POST .../items {paper, note}, DELETE .../items?paper= */
void h_api_collection(struct req *r, struct resp *o)
{
	struct collection c;
	if (route_coll(r, &c)) {
		resp_error(r, o, 404, "no such collection");
		return;
	}
	struct buf err = BUF_INIT;
	size_t pl = strlen(r->path);
	bool items_route = pl > 6 && !strcmp(r->path + pl - 6, "/items");
	if (!strcmp(r->method, "GET") && !items_route) {
		/* a page of COLL_PAGE papers (?p=), with the total */
		long page = coll_page_arg(r, o, &c);
		if (page < 0) {
			buf_release(&err);
			return;
		}
		struct items is = { 0 };
		store_collection_page(r->s, c.id, (size_t)page * COLL_PAGE, COLL_PAGE, collect_item, &is, &err);
		bool *found = xcalloc(is.n ? is.n : 1, sizeof(*found));
		struct paper *ps = items_papers(r, &is, found);
		json_t *j = coll_json(&c), *arr = json_array();
		json_object_set_new(j, "total", json_integer(c.items));
		json_object_set_new(j, "page", json_integer(page));
		json_object_set_new(j, "pageSize", json_integer(COLL_PAGE));
		if ((page + 1) * COLL_PAGE < c.items) {
			char next[64];
			snprintf(next, sizeof(next), "/api/collections/%lld?p=%ld", (long long)c.id, page + 1);
			json_object_set_new(j, "next", json_string(next));
		}
		for (size_t i = 0; ps && i < is.n; i++) {
			if (!found[i])
				continue;
			json_t *e = paper_envelope(r, &ps[i]);
			json_object_set_new(e, "note", json_string(is.v[i].note));
			json_array_append_new(arr, e);
		}
		json_object_set_new(j, "items", arr);
		resp_json(o, 200, j);
		web_hit_papers_free(ps, is.n);
		free(found);
		items_free(&is);
	} else if (!r->signed_in || c.user_id != r->user.id) {
		resp_error(r, o, 404, "no such collection of yours");
	} else if (!items_route && !strcmp(r->method, "PATCH")) {
		/* {"name": ..., "public": bool}: either or both */
		json_t *j = json_body(r, o);
		if (j) {
			json_t *name = json_object_get(j, "name"), *pub = json_object_get(j, "public");
			const char *ns = json_string_value(name);
			if ((name && (!ns || str_is_blank(ns) || strlen(ns) >= sizeof(c.name) || !utf8_valid(ns, strlen(ns)))) ||
			    (pub && !json_is_boolean(pub))) {
				resp_error(r, o, 400, "name must be a text of 1 to 119 bytes, public true or false");
			} else {
				if (ns)
					snprintf(c.name, sizeof(c.name), "%s", ns);
				if (pub)
					c.public_ = json_is_true(pub);
				int rc = store_collection_update(r->s, &c, &err);
				if (rc == 0 && store_collection_get(r->s, c.id, &c, &err) == 0)
					resp_json(o, 200, coll_json(&c));
				else
					resp_error(r, o, rc > 0 ? 409 : 500, rc > 0 ? "you have a collection of that name" : "the database failed");
			}
			json_decref(j);
		}
	} else if (!items_route && !strcmp(r->method, "DELETE")) {
		int rc = store_collection_delete(r->s, c.id, r->user.id, &err);
		if (rc)
			resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "no such collection of yours");
		else
			resp_json(o, 200, json_pack("{s:I}", "deleted", (json_int_t)c.id));
	} else if (!strcmp(r->method, "POST")) {
		/* {"paper": ID, "note": text, "position": 0-based}: adds, or
		 * changes the note, or moves */
		json_t *j = json_body(r, o);
		if (j) {
			const char *paper = json_string_value(json_object_get(j, "paper"));
			json_t *jn = json_object_get(j, "note"), *jp = json_object_get(j, "position");
			const char *note = json_string_value(jn);
			char id[PAPER_ID_MAX];
			if (!paper || arxiv_id_parse(paper, id, NULL)) {
				resp_error(r, o, 400, "paper must be an arXiv id");
			} else if ((jn && !json_is_string(jn)) ||
				   (jp && (!json_is_integer(jp) || json_integer_value(jp) < 0 || json_integer_value(jp) > MAX_ITEMS))) {
				resp_error(r, o, 400, "note must be a text, position a number from 0");
			} else {
				int rc = put_item(r, &c, id, note, &err);
				if (!rc && jp)
					rc = store_collection_move(r->s, c.id, id, (long)json_integer_value(jp), &err);
				if (rc)
					resp_error(r, o, put_status(rc), put_message(rc));
				else
					resp_json(o, 201, json_pack("{s:s,s:I}", "added", id, "collection", (json_int_t)c.id));
			}
			json_decref(j);
		}
	} else {
		const char *paper = req_arg(r, "paper");
		char id[PAPER_ID_MAX];
		int rc = !paper || arxiv_id_parse(paper, id, NULL) ? 1 : store_collection_remove(r->s, c.id, id, &err);
		if (rc)
			resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "no such paper in the collection");
		else
			resp_json(o, 200, json_pack("{s:s}", "removed", id));
	}
	buf_release(&err);
}

/* GET /me/collections: one's own, on one's profile. */
void h_my_collections(struct req *r, struct resp *o)
{
	struct buf loc = BUF_INIT;
	buf_adds(&loc, "/u/");
	buf_add_url(&loc, r->user.name);
	buf_adds(&loc, "/collections");
	resp_redirect(o, loc.s);
	buf_release(&loc);
}
