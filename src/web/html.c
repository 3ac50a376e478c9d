/*
 * html.c - writing HTML: a printf whose %s escapes (so escaping is the
 * default and raw HTML must be asked for with %S), the page layout, the
 * paper card, query-word highlighting, inline SVG charts and Markdown.
 */
#include "html.h"
#include "http.h"
#include "respond.h"
#include "thumbfile.h"
#include <cmark.h>
#include <ctype.h>
#include <pthread.h>

void html_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char num[64];
	for (const char *p = fmt; *p; p++) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			buf_adds(b, p);
			break;
		}
		buf_add(b, p, (size_t)(pct - p));
		p = pct + 1;
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (s)
				buf_add_html(b, s, strlen(s));
			break;
		}
		case 'S': {
			const char *s = va_arg(ap, const char *);
			if (s)
				buf_adds(b, s);
			break;
		}
		case 'L': {
			/* a URL attribute: only a web URL or a path of this site;
			 * anything else (javascript:, data:, ...) becomes "#" */
			const char *s = va_arg(ap, const char *);
			if (s && (url_is_web(s) || local_path_ok(s)))
				buf_add_html(b, s, strlen(s));
			else
				buf_addc(b, '#');
			break;
		}
		case 'U': {
			const char *s = va_arg(ap, const char *);
			struct buf t = BUF_INIT;
			buf_add_url(&t, s ? s : "");
			buf_add(b, t.s, t.len); /* url_esc leaves only safe characters */
			buf_release(&t);
			break;
		}
		case 'd':
			snprintf(num, sizeof(num), "%d", va_arg(ap, int));
			buf_adds(b, num);
			break;
		case 'u':
			snprintf(num, sizeof(num), "%u", va_arg(ap, unsigned));
			buf_adds(b, num);
			break;
		case 'z':
			if (p[1] != 'u')
				BUG("html_printf(): bad format %s", fmt);
			p++;
			snprintf(num, sizeof(num), "%zu", va_arg(ap, size_t));
			buf_adds(b, num);
			break;
		case 'l':
			if (p[1] == 'd') {
				p++;
				snprintf(num, sizeof(num), "%ld", va_arg(ap, long));
			} else if (p[1] == 'l' && p[2] == 'd') {
				p += 2;
				snprintf(num, sizeof(num), "%lld", va_arg(ap, long long));
			} else {
				BUG("html_printf(): bad format %s", fmt);
			}
			buf_adds(b, num);
			break;
		case '%':
			buf_addc(b, '%');
			break;
		default:
			BUG("html_printf(): bad format %s", fmt);
		}
	}
	va_end(ap);
}

void html_csrf(struct req *r, struct buf *b)
{
	html_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", r->csrf);
}

/* ---- layout --------------------------------------------------------------- */

void html_page_begin(struct req *r, struct resp *o, const char *title, const char *search_value)
{
	struct buf *b = &o->body;
	html_printf(b,
	     "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	     "<meta name=\"color-scheme\" content=\"light dark\">"
	     "<meta name=\"csrf-token\" content=\"%s\">"
	     "<title>%s · paperboy</title>"
	     "<link rel=\"stylesheet\" href=\"/static/app.css\">"
	     "<link rel=\"icon\" href=\"/static/icon.svg\" type=\"image/svg+xml\">"
	     "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Daily papers\" href=\"/feeds/daily.atom\">"
	     "%S<script src=\"/static/app.js\" defer></script>%S"
	     "</head><body>"
	     "%S<a class=\"skip\" href=\"#main\">Skip to content</a>"
	     "<header class=\"top\"><nav class=\"bar\" aria-label=\"Main\">"
	     "<a class=\"brand\" href=\"/\"><img src=\"/static/icon.svg\" alt=\"\" width=\"22\" height=\"22\"><span class=\"brand-name\"> paperboy</span></a>"
	     "<a href=\"/\">Daily</a><a href=\"/papers/trending\">Trending</a>"
	     "%S<span class=\"grow\"></span>",
	     r->csrf, title,
	     /* math: KaTeX, when its files are there; app.js (after it)
	      * renders the TeX the page holds as text */
	     r->w->katex_dir ? "<link rel=\"stylesheet\" href=\"/static/katex/katex.min.css\">"
			       "<script src=\"/static/katex/katex.min.js\" defer></script>"
			       "<script src=\"/static/katex/contrib/auto-render.min.js\" defer></script>"
			     : "",
	     /* a page that will change soon (a paper being fetched) looks again */
	     r->refresh ? "<meta http-equiv=\"refresh\" content=\"2\">" : "",
	     /* a list of papers: the first Tab leads to them */
	     r->papers_page ? "<a class=\"skip\" href=\"#papers\">Skip to the papers</a>" : "",
	     r->search_page ? "" : "<form class=\"search\" role=\"search\" action=\"/search\" method=\"get\">"
				   "<label class=\"sr\" for=\"q\">Search papers</label>"
				   "<input id=\"q\" name=\"q\" type=\"search\" placeholder=\"Search papers\" "
				   "title=\"Search papers, authors, arXiv ids\">"
				   "</form>");
	(void)search_value;
	/* the reader's links: in the bar on a wide screen, behind one menu
	 * button on a phone (one row, every action reachable) */
	for (int narrow = 0; narrow < 2; narrow++) {
		html_printf(b, narrow ? "<details class=\"menu narrow-only\"><summary aria-label=\"Menu\">☰</summary>"
					"<div class=\"menu-list\">"
				      : "<span class=\"wide-only links\">");
		if (r->signed_in) {
			html_printf(b,
			     "<a href=\"/me/for-you\">For you</a><a href=\"/me/following\">Following</a>"
			     "<a href=\"/submit\" class=\"btn small\">Submit a paper</a>"
			     "<a href=\"/u/%U\">%s</a>"
			     "<form method=\"post\" action=\"/signout\" class=\"inline\">",
			     r->user.name, r->user.name);
			html_csrf(r, b);
			html_printf(b, "<button type=\"submit\" class=\"link\">Sign out</button></form>");
		} else {
			html_printf(b, "<a href=\"/signin\">Sign in</a><a href=\"/signup\" class=\"btn small signup\">Sign up</a>");
		}
		html_printf(b, narrow ? "</div></details>" : "</span>");
	}
	html_printf(b, "</nav></header><div id=\"main\">");
	/* a new account sees its votes at once, but they count in the totals
	 * only when it is old enough: said, or a vote that moves no number
	 * looks broken */
	pb_time left = r->signed_in ? svc_votes_count_in(&r->w->svc, &r->user, time_now_ms()) : 0;
	if (left > 0)
		html_printf(b, "<p class=\"notice new-account\" role=\"status\">Your account is new: your upvotes count in the "
			       "papers' totals in %lld minute%S.</p>",
			    (long long)((left + 59999) / 60000), (left + 59999) / 60000 == 1 ? "" : "s");
}

void html_page_end(struct req *r, struct resp *o)
{
	/* the subscribe box on every page (when this server sends mail): a
	 * GET to /subscribe, which asks for the rest (and carries the CSRF
	 * token), so pages stay cacheable */
	if (r->w->cfg.mail.smtp_url)
		html_printf(&o->body,
	     "</div><section class=\"subscribe-box\" aria-labelledby=\"sub-h\"><h2 id=\"sub-h\">Get trending papers in your email inbox</h2>"
	     "<form method=\"get\" action=\"/subscribe\" class=\"row\"><label for=\"sub-email\" class=\"sr\">Email address</label>"
	     "<input id=\"sub-email\" name=\"email\" type=\"email\" required placeholder=\"you@lab.org\" autocomplete=\"email\">"
	     "<label for=\"sub-period\" class=\"sr\">How often</label><select id=\"sub-period\" name=\"period\">"
	     "<option value=\"daily\">daily</option><option value=\"weekly\">weekly</option></select>"
	     "<button class=\"btn small\">Subscribe</button></form></section>");
	else
		html_printf(&o->body, "</div>");
	html_printf(&o->body,
	     "<footer class=\"foot\"><p>paperboy %s — self-hosted daily papers. "
	     "<a href=\"/feeds/daily.atom\">Atom feed</a> · <a href=\"/feeds/trending.atom\">Trending feed</a> · "
	     "<a href=\"/api/daily_papers\">API</a></p></footer></body></html>\n",
	     PB_VERSION);
}

/* ---- paper cards ---------------------------------------------------------- */

void html_code_label(const char *url, char out[128])
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *slash = strchr(p, '/');
	if (slash && (str_has_prefix(p, "github.com/") || str_has_prefix(p, "gitlab.com/") ||
		      str_has_prefix(p, "huggingface.co/") || str_has_prefix(p, "bitbucket.org/"))) {
		/* a Space's or a dataset's kind is in the link's label already
		 * ("Space: owner/name", not "Space: spaces/owner/name") */
		const char *rest = slash + 1;
		if (str_has_prefix(p, "huggingface.co/") && (str_has_prefix(rest, "spaces/") || str_has_prefix(rest, "datasets/")))
			rest = strchr(rest, '/') + 1;
		snprintf(out, 128, "%s", rest);
	} else
		snprintf(out, 128, "%.*s", slash ? (int)(slash - p) : (int)strlen(p), p);
}

static void vote_button(struct req *r, struct buf *b, const struct paper *p, bool voted)
{
	html_printf(b, "<form class=\"vote\" method=\"post\" action=\"/papers/%s/vote\">", p->id);
	html_csrf(r, b);
	html_printf(b,
	     "<button type=\"submit\" class=\"vote-btn%s\" aria-pressed=\"%s\" aria-label=\"Upvote %s\">"
	     "<span aria-hidden=\"true\">▲</span><span class=\"count\">%d</span></button></form>",
	     voted ? " voted" : "", voted ? "true" : "false", p->title ? p->title : p->id, paper_upvotes(p));
}

void html_card(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co,
	       const struct card_flags *f)
{
	if (f->muted[0]) {
		/* muted: left out, or a line saying so (the reader's choice) */
		if (f->collapse)
			html_printf(b, "<article class=\"card muted-card\"><p class=\"muted\">Muted (%s): <a href=\"/papers/%s\">%s</a></p></article>",
			     f->muted, p->id, p->title ? p->title : p->id);
		return;
	}
	bool fresh = f->fresh;
	html_printf(b, "<article class=\"card%S\" data-paper=\"%s\">", fresh ? " new" : "", p->id);
	vote_button(r, b, p, f->voted);
	html_printf(b, "<div class=\"body\">");
	if (co && co->rank >= 1 && co->rank <= 3 && co->badge && paper_upvotes(p) > 0)
		html_printf(b, "<span class=\"badge rank%d\">#%d paper of the %s</span>", co->rank, co->rank, co->badge);
	if (fresh)
		html_printf(b, "<span class=\"badge new\">New</span>");
	html_printf(b, "<h3 class=\"title\"><a href=\"/papers/%s\">", p->id);
	if (co && co->highlight)
		html_highlight(b, p->title ? p->title : p->id, co->highlight);
	else
		html_printf(b, "%s", p->title ? p->title : p->id);
	html_printf(b, "</a></h3><p class=\"authors\">");
	size_t shown = p->authors.n < 4 ? p->authors.n : 3;
	for (size_t i = 0; i < shown; i++)
		html_printf(b, "%S<a href=\"/search?q=author%%3A%%22%U%%22\">%s</a>", i ? ", " : "", p->authors.v[i], p->authors.v[i]);
	if (p->authors.n > shown)
		html_printf(b, " <span class=\"more\">+%zu</span>", p->authors.n - shown);
	html_printf(b, "</p>");
	if (p->abstract && *p->abstract) {
		html_printf(b, "<details class=\"abstract\"><summary>Abstract</summary><p>");
		if (co && co->highlight)
			html_highlight(b, p->abstract, co->highlight);
		else
			html_printf(b, "%s", p->abstract);
		html_printf(b, "</p></details>");
	}
	if (co && co->snippet)
		html_printf(b, "<p class=\"snippet\" title=\"From the paper's full text\">%S</p>", co->snippet);
	if (p->ai_summary && *p->ai_summary)
		html_printf(b, "<p class=\"tldr\">%s</p>", p->ai_summary);
	if (co && co->stars)
		html_stars_week(b, co->stars);
	char day[16] = "";
	if (p->published)
		time_format_day(p->published, day);
	html_printf(b, "<p class=\"meta\"><span>Published %s</span>", day[0] ? day : "—");
	char org[128], orgname[256];
	paper_org(p, org, orgname);
	if (org[0])
		html_printf(b, "<a class=\"org\" href=\"/orgs/%U\" title=\"%s\">%s</a>", org, org, orgname);
	html_comment_links(b, p);
	html_paper_links(b, p, false);
	if (p->submitter)
		html_printf(b, "<span>submitted by <a href=\"/u/%U\">%s</a></span>", p->submitter, p->submitter);
	int64_t saved = f->saved;
	if (saved) {
		html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline unsave\">", (long long)saved);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"remove\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
			"<button type=\"submit\" class=\"link\" aria-pressed=\"true\" title=\"Remove from your Saved collection (s)\">"
			"Saved ✓</button></form>",
		     p->id);
	} else if (co && co->in_collection) {
		html_printf(b, "<span class=\"in-coll\">In this collection</span>");
	} else if (r->signed_in) {
		html_printf(b, "<form method=\"post\" action=\"/me/save\" class=\"inline save\">");
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><button type=\"submit\" class=\"link\" "
			"aria-pressed=\"false\" title=\"Save to your Saved collection (s)\">Save</button></form>",
		     p->id);
	}
	html_printf(b, "</p>");
	/* arXiv categories (featured papers get them from arXiv's record) */
	if (p->categories.n) {
		html_printf(b, "<p class=\"cats\">");
		for (size_t i = 0; i < p->categories.n && i < 3; i++)
			html_printf(b, "<a class=\"tag cat\" href=\"/search?q=cat%%3A%U\">%s</a>", p->categories.v[i], p->categories.v[i]);
		html_printf(b, "</p>");
	}
	html_printf(b, "</div>");
	if (f->thumb) {
		struct buf t = BUF_INIT;
		thumb_path(p->id, &t);
		if (f->title_card) /* ".png" -> ".card.png" */
			buf_truncate(&t, t.len - 4), buf_adds(&t, ".card.png");
		html_printf(b, "<a class=\"thumb\" href=\"/papers/%s\" tabindex=\"-1\" aria-hidden=\"true\"><img src=\"%L\" alt=\"\" "
			"loading=\"lazy\" width=\"160\"></a>",
		     p->id, t.s);
		buf_release(&t);
	}
	html_printf(b, "</article>");
}

void html_comment_links(struct buf *b, const struct paper *p)
{
	/* the discussion here, and the one on Hugging Face (imported counts)
	 * apart: each count is what its page shows */
	int nc = paper_comments(p), hf = paper_hf_comments(p);
	html_printf(b, "<a class=\"comments\" href=\"/papers/%s#comments\">%d comment%S</a>", p->id, nc, nc == 1 ? "" : "s");
	if (hf)
		html_printf(b, "<a class=\"comments hf\" href=\"https://huggingface.co/papers/%s#community\" rel=\"noopener\">%d on Hugging Face</a>",
		     p->id, hf);
}

void html_paper_links(struct buf *b, const struct paper *p, bool buttons)
{
	if (url_is_web(p->code_url)) {
		char label[128];
		html_code_label(p->code_url, label);
		enum link_kind k = link_kind_of(p->code_url);
		html_printf(b, "<a class=\"%S link-%S\" href=\"%L\" rel=\"noopener nofollow\">%s: %s</a>", buttons ? "btn small" : "code",
		     k == LINK_CODE ? "code" : k == LINK_MODEL ? "model" : k == LINK_DATASET ? "dataset" : k == LINK_SPACE ? "space" : "page",
		     p->code_url, link_kind_name(k), label);
		if (k == LINK_CODE && p->github_stars > 0)
			html_printf(b, "<span class=\"stars\" title=\"GitHub stars\">★ %d</span>", p->github_stars);
	}
	if (url_is_web(p->project_page))
		html_printf(b, "<a class=\"%S\" href=\"%L\" rel=\"noopener nofollow\">Project page</a>", buttons ? "btn small" : "page",
		     p->project_page);
}

/* ---- a paper's media ------------------------------------------------------ */

enum media_kind { MEDIA_OTHER, MEDIA_IMAGE, MEDIA_VIDEO };

/* What the address's file is, by its extension (before any query). */
static enum media_kind media_kind_of(const char *url)
{
	static const char *const images[] = { "png", "jpg", "jpeg", "gif", "webp", "avif", "apng" };
	static const char *const videos[] = { "mp4", "webm", "mov", "qt", "m4v", "ogv" };
	size_t end = strcspn(url, "?#");
	const char *dot = NULL;
	for (size_t i = 0; i < end; i++)
		if (url[i] == '.')
			dot = url + i + 1;
		else if (url[i] == '/')
			dot = NULL;
	if (!dot || url + end - dot > 4)
		return MEDIA_OTHER;
	char ext[5];
	size_t n = (size_t)(url + end - dot);
	for (size_t i = 0; i < n; i++)
		ext[i] = (char)tolower((unsigned char)dot[i]);
	ext[n] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(images); i++)
		if (!strcmp(ext, images[i]))
			return MEDIA_IMAGE;
	for (size_t i = 0; i < ARRAY_SIZE(videos); i++)
		if (!strcmp(ext, videos[i]))
			return MEDIA_VIDEO;
	return MEDIA_OTHER;
}

/* Whether an https address is on one of hosts (no port, no user: the
 * host as a browser reads it, which the CSP's https://HOST matches). */
static bool media_host_ok(const char *url, const struct strlist *hosts)
{
	const char *h = url + 8;
	size_t n = strcspn(h, "/\\?#");
	for (size_t i = 0; i < hosts->n; i++)
		if (strlen(hosts->v[i]) == n && !strncasecmp(h, hosts->v[i], n))
			return true;
	return false;
}

void html_media(struct buf *b, const struct paper *p, const struct strlist *hosts)
{
	struct buf links = BUF_INIT;
	size_t shown = 0, pictures = 0, videos = 0;
	for (size_t i = 0; i < p->media_urls.n; i++) {
		const char *u = p->media_urls.v[i];
		if (strncasecmp(u, "https://", 8) || !url_is_web(u))
			continue; /* https only */
		if (!shown++)
			html_printf(b, "<section class=\"media\" aria-labelledby=\"media-h\"><h2 id=\"media-h\">Media</h2>");
		enum media_kind k = media_host_ok(u, hosts) ? media_kind_of(u) : MEDIA_OTHER;
		if (k == MEDIA_IMAGE) {
			pictures++;
			html_printf(b, "<img src=\"%L\" alt=\"Picture %zu of the paper\" loading=\"lazy\" referrerpolicy=\"no-referrer\">",
			     u, pictures);
		} else if (k == MEDIA_VIDEO) {
			videos++;
			html_printf(b, "<video controls preload=\"none\" src=\"%L\" aria-label=\"Video %zu of the paper\">"
				"<a href=\"%L\" rel=\"noopener noreferrer nofollow\">Video %zu</a></video>",
			     u, videos, u, videos);
		} else
			html_printf(&links, "<li><a href=\"%L\" rel=\"noopener noreferrer nofollow\">%s</a></li>", u, u);
	}
	if (links.len)
		html_printf(b, "<ul class=\"media-links\">%S</ul>", links.s);
	if (shown)
		html_printf(b, "</section>");
	buf_release(&links);
}

/* ---- highlighting --------------------------------------------------------- */

struct term_set {
	struct strlist terms;
};

static void add_term(void *ctx, const char *t, size_t n, unsigned pos, unsigned flags)
{
	(void)pos;
	(void)flags;
	strlist_push(&((struct term_set *)ctx)->terms, t, n);
}

struct hit_ctx {
	const struct term_set *q;
	bool hit;
	size_t which; /* the term hit */
};

static void check_term(void *ctx, const char *t, size_t n, unsigned pos, unsigned flags)
{
	(void)pos;
	(void)flags;
	struct hit_ctx *h = ctx;
	for (size_t i = 0; i < h->q->terms.n && !h->hit; i++)
		if (strlen(h->q->terms.v[i]) == n && !memcmp(h->q->terms.v[i], t, n)) {
			h->hit = true;
			h->which = i;
		}
}

/* 1 for an ASCII letter, 2 a digit, 0 anything else. */
static inline int ascii_class(unsigned char c)
{
	return (unsigned)((c | 32) - 'a') < 26 ? 1 : (unsigned)(c - '0') < 10 ? 2 : 0;
}

/* Whether the word s[0..n) may hold one of the query's terms: every term
 * begins with the lower-cased first two letters of a word or of a part of
 * it (after punctuation, or where letters turn into digits), so a word
 * that has no such start is not worth tokenizing (most of a card's
 * words). Anything beyond ASCII is tokenized. */
static bool may_hit(const char *s, size_t n, const struct term_set *q, const bool first[128])
{
	int prev = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80)
			return true;
		int k = ascii_class(c);
		bool start = k && k != prev; /* of a word or a part of it */
		prev = k;
		unsigned char lc = k == 1 ? (unsigned char)(c | 32) : c;
		if (!start || !first[lc])
			continue;
		unsigned char next = i + 1 < n ? (unsigned char)s[i + 1] : 0;
		next = ascii_class(next) == 1 ? (unsigned char)(next | 32) : next;
		for (size_t t = 0; t < q->terms.n; t++) {
			const char *w = q->terms.v[t];
			if ((unsigned char)w[0] == lc && (!w[1] || (unsigned char)w[1] == next))
				return true;
		}
	}
	return false;
}

/*
 * A worker thread's highlighting state, freed when the thread ends: its
 * tokenizer, the terms of the last query it marked, and the words of that
 * query's texts it has looked at with what they hit: a page marks twenty
 * titles and abstracts for one query, and their words repeat.
 */
#define HL_MEMO 4096             /* words remembered (half full at most) */
#define HL_MEMO_BYTES (1u << 20) /* and their bytes */

struct hl_word {
	uint32_t hash, off, len;
	int hit; /* the term + 1, or 0 */
};

struct hl_state {
	struct tokenizer *tk;
	bool have; /* terms of `query` */
	struct buf query;
	struct term_set q;
	bool first[128];
	struct hl_word memo[HL_MEMO];
	size_t used;
	struct buf bytes;
};

static __thread struct hl_state *hl;
static pthread_key_t hl_key;
static pthread_once_t hl_once = PTHREAD_ONCE_INIT;
static bool hl_key_ok;

static void hl_free(void *p)
{
	struct hl_state *st = p;
	tokenizer_free(st->tk);
	buf_release(&st->query);
	strlist_release(&st->q.terms);
	buf_release(&st->bytes);
	free(st);
}

static void hl_key_make(void)
{
	/* without a key the state lives as long as the process */
	hl_key_ok = pthread_key_create(&hl_key, hl_free) == 0;
}

static void memo_clear(struct hl_state *st)
{
	memset(st->memo, 0, sizeof(st->memo));
	st->used = 0;
	buf_reset(&st->bytes);
}

/* The word's remembered hit, or -1. */
static int memo_get(const struct hl_state *st, const char *w, size_t n, uint32_t h)
{
	for (size_t i = h & (HL_MEMO - 1); st->memo[i].hash; i = (i + 1) & (HL_MEMO - 1)) {
		const struct hl_word *m = &st->memo[i];
		if (m->hash == h && m->len == n && !memcmp(st->bytes.s + m->off, w, n))
			return m->hit;
	}
	return -1;
}

static void memo_put(struct hl_state *st, const char *w, size_t n, uint32_t h, int hit)
{
	if (st->used >= HL_MEMO / 2 || st->bytes.len + n > HL_MEMO_BYTES)
		memo_clear(st);
	size_t i = h & (HL_MEMO - 1);
	while (st->memo[i].hash)
		i = (i + 1) & (HL_MEMO - 1);
	st->memo[i] = (struct hl_word){ h, (uint32_t)st->bytes.len, (uint32_t)n, hit };
	buf_add(&st->bytes, w, n);
	st->used++;
}

/* The thread's state with the query's terms and their first letters (all
 * of them when a term is not ASCII); NULL without a stemmer (out of
 * memory). */
static struct hl_state *query_terms(const char *query)
{
	if (!hl) {
		pthread_once(&hl_once, hl_key_make);
		struct tokenizer *tk = tokenizer_new();
		if (!tk)
			return NULL;
		hl = xcalloc(1, sizeof(*hl));
		hl->tk = tk;
		buf_init(&hl->query);
		buf_init(&hl->bytes);
		if (hl_key_ok)
			pthread_setspecific(hl_key, hl);
	}
	struct hl_state *st = hl;
	if (st->have && !strcmp(st->query.s, query))
		return st;
	st->have = true;
	buf_reset(&st->query);
	buf_adds(&st->query, query);
	strlist_release(&st->q.terms);
	memo_clear(st);
	/* the query's words, without its operators' names (nor in:body) */
	struct buf plain = BUF_INIT;
	for (const char *s = query; *s;) {
		const char *e = s;
		while (*e && !isspace((unsigned char)*e))
			e++;
		const char *colon = memchr(s, ':', (size_t)(e - s));
		const char *w = s;
		if (colon && colon - s < 8)
			w = colon + 1;
		if (*s != '-' && strncasecmp(s, "in:", 3))
			buf_add(&plain, w, (size_t)(e - w)), buf_addc(&plain, ' ');
		while (*e && isspace((unsigned char)*e))
			e++;
		s = e;
	}
	tokenize(st->tk, plain.s, plain.len, true, add_term, &st->q);
	buf_release(&plain);
	memset(st->first, 0, sizeof(st->first));
	for (size_t i = 0; i < st->q.terms.n; i++) {
		bool ascii = true;
		for (const char *t = st->q.terms.v[i]; *t; t++)
			ascii &= (unsigned char)*t < 0x80;
		if (ascii)
			st->first[(unsigned char)st->q.terms.v[i][0]] = true;
		else
			memset(st->first, 1, sizeof(st->first));
	}
	return st;
}

/* The query term (+ 1) that the word s[0..e) holds, or 0; the mark's
 * bounds (the word without the punctuation around it) in *ms, *me. */
static int word_hit(struct hl_state *st, const char *s, const char *e, const char **ms, const char **me)
{
	size_t n = (size_t)(e - s);
	if (!st->q.terms.n || !may_hit(s, n, &st->q, st->first))
		return 0;
	uint32_t h = hash_bytes(s, n) | 1; /* 0: an empty slot */
	int hit = memo_get(st, s, n, h);
	if (hit < 0) {
		struct hit_ctx c = { &st->q, false, 0 };
		tokenize(st->tk, s, n, true, check_term, &c);
		hit = c.hit ? 1 + (int)c.which : 0;
		memo_put(st, s, n, h, hit);
	}
	if (!hit)
		return 0;
	*ms = s;
	*me = e;
	while (*ms < *me && ispunct((unsigned char)**ms))
		(*ms)++;
	while (*me > *ms && ispunct((unsigned char)(*me)[-1]))
		(*me)--;
	return hit;
}

#define MATH_MAX 4096    /* a display or \\(..\\) span's most bytes: a longer one is not math */
#define MATH_INLINE 1024 /* a $..$ span's */

/* Where the closing delimiters of the three fixed kinds ($$, \\], \\)) are
 * next found, so that each is looked for once along a text (a text of
 * openings without their closings costs one pass, not one a opening). */
struct math_scan {
	const char *s;
	size_t n;
	size_t next[3]; /* the next closing at or past where it was looked for; n: none */
	size_t from[3]; /* where it was looked for from (SIZE_MAX: not yet) */
	size_t blank, blank_from; /* the same for the next blank line */
};

static void math_scan_init(struct math_scan *m, const char *s, size_t n)
{
	m->s = s;
	m->n = n;
	for (int k = 0; k < 3; k++)
		m->from[k] = SIZE_MAX;
	m->blank_from = SIZE_MAX;
}

/* Whether s[k] starts a blank line's end: a paragraph break, which no
 * math span crosses (as Markdown and the page's script see paragraphs). */
static bool blank_line_at(const char *s, size_t k, size_t n)
{
	if (s[k] != '\n')
		return false;
	for (size_t j = k + 1; j < n; j++) {
		if (s[j] == '\n')
			return true;
		if (s[j] != ' ' && s[j] != '\t' && s[j] != '\r')
			return false;
	}
	return false;
}

/* Where the next blank line at or past from starts (n: none). */
static size_t next_blank(struct math_scan *m, size_t from)
{
	if (m->blank_from == SIZE_MAX || m->blank < from) {
		size_t k = from;
		while (k < m->n && !blank_line_at(m->s, k, m->n))
			k++;
		m->blank = k;
		m->blank_from = from;
	}
	return m->blank;
}

/* The end of the math span that starts at s[i] (past its closing
 * delimiter), or 0 when none starts there: the spans the page's script
 * renders (app.js's dollars() and auto-render), $$..$$, \\[..\\], \\(..\\),
 * and $..$ whose opening $ is followed by a non-space and whose closing $
 * follows a non-space and is not followed by a digit ("from $5 to $10"
 * stays prose; a $ that cannot close is passed, as dollars() passes it).
 * No span crosses a blank line or is longer than MATH_MAX (MATH_INLINE
 * for $..$); m keeps the fixed kinds' closings found, so a pass over a
 * text costs about its length whatever it holds. */
static size_t math_end(struct math_scan *m, size_t i)
{
	const char *s = m->s;
	size_t n = m->n;
	int kind = -1;
	if (s[i] == '$' && i + 1 < n && s[i + 1] == '$')
		kind = 0;
	else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '[')
		kind = 1;
	else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '(')
		kind = 2;
	if (kind >= 0) {
		static const char close[3][2] = { { '$', '$' }, { '\\', ']' }, { '\\', ')' } };
		size_t from = i + 2;
		if (m->from[kind] == SIZE_MAX || m->next[kind] < from) {
			size_t k = from;
			while (k + 1 < n && !(s[k] == close[kind][0] && s[k + 1] == close[kind][1]))
				k++;
			m->next[kind] = k + 1 < n ? k : n;
			m->from[kind] = from;
		}
		size_t k = m->next[kind];
		if (k >= n || k - i > MATH_MAX || next_blank(m, from) < k) /* (a blank line between: no span) */
			return 0;
		return k + 2;
	}
	if (s[i] != '$' || i + 1 >= n || isspace((unsigned char)s[i + 1]))
		return 0;
	size_t stop = n - i > MATH_INLINE ? i + MATH_INLINE : n;
	for (size_t k = i + 2; k < stop; k++) {
		if (s[k] == '\\') {
			k++;
			continue;
		}
		if (blank_line_at(s, k, stop))
			return 0;
		if (s[k] == '$' && !isspace((unsigned char)s[k - 1]) && !(k + 1 < n && isdigit((unsigned char)s[k + 1])))
			return k + 1;
	}
	return 0;
}

/* The math spans of text[0..n) in order, into *spans (pairs: start, end),
 * one pass left to right. */
static size_t math_spans(const char *text, size_t n, size_t **spans)
{
	struct math_scan m;
	math_scan_init(&m, text, n);
	size_t cnt = 0, cap = 0;
	*spans = NULL;
	for (size_t k = 0; k < n; k++) {
		size_t e = (text[k] == '$' || text[k] == '\\') ? math_end(&m, k) : 0;
		if (!e)
			continue;
		if (cnt == cap) {
			cap = cap ? 2 * cap : 8;
			*spans = xrealloc(*spans, 2 * cap * sizeof(**spans));
		}
		(*spans)[2 * cnt] = k;
		(*spans)[2 * cnt + 1] = e;
		cnt++;
		k = e - 1;
	}
	return cnt;
}

void html_highlight(struct buf *b, const char *text, const char *query)
{
	struct hl_state *st = query_terms(query);
	if (!st) { /* no stemmer (out of memory): no marks */
		buf_add_html(b, text, strlen(text));
		return;
	}
	/* the text goes out in runs: from the end of the last mark to the
	 * next marked word; no word that touches a math span is marked (a
	 * mark inside TeX breaks the formula the page's script renders) */
	size_t *spans, nspans = math_spans(text, strlen(text), &spans), sp = 0;
	const char *s = text, *run = text;
	while (*s) {
		const char *e = s, *ms, *me;
		while (*e && !isspace((unsigned char)*e))
			e++;
		size_t ws = (size_t)(s - text), we = (size_t)(e - text);
		while (sp < nspans && spans[2 * sp + 1] <= ws)
			sp++;
		bool in_math = sp < nspans && spans[2 * sp] < we;
		if (!in_math && word_hit(st, s, e, &ms, &me)) {
			buf_add_html(b, run, (size_t)(ms - run));
			buf_adds(b, "<mark>");
			buf_add_html(b, ms, (size_t)(me - ms));
			buf_adds(b, "</mark>");
			run = me;
		}
		while (*e && isspace((unsigned char)*e))
			e++;
		s = e;
	}
	buf_add_html(b, run, strlen(run));
	free(spans);
}

/* ---- snippets of the full text ---------------------------------------------- */

#define SNIPPET_BYTES 280    /* a snippet's length, about */
#define SNIPPET_BEFORE 60    /* of it before its first mark */
#define SNIPPET_SCAN (256 << 10) /* bytes of a text looked at */
#define SNIPPET_WORD 32      /* bytes looked through for a word's end */
#define SNIPPET_HITS 4096    /* marked words looked at */

struct text_hit {
	const char *s, *e; /* the mark */
	unsigned page;
	int term;
};

/* The best window of the hits: the most distinct terms within
 * SNIPPET_BYTES - SNIPPET_BEFORE of its first hit, on one page. */
static size_t best_window(const struct text_hit *h, size_t n)
{
	size_t best = 0;
	int best_terms = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t seen = 0;
		int terms = 0;
		for (size_t j = i; j < n && h[j].page == h[i].page && h[j].s - h[i].s < SNIPPET_BYTES - SNIPPET_BEFORE; j++)
			if (!(seen & (1ull << (h[j].term & 63)))) {
				seen |= 1ull << (h[j].term & 63);
				terms++;
			}
		if (terms > best_terms) {
			best_terms = terms;
			best = i;
		}
	}
	return best;
}

/* Writes the window around hit h[w] (text: the whole; pages split at '\f'). */
static void write_window(struct buf *b, const char *text, size_t len, const struct text_hit *h, size_t n, size_t w)
{
	const char *end = text + len, *s = h[w].s;
	const char *page_start = s, *page_end = s;
	while (page_start > text && page_start[-1] != '\f')
		page_start--;
	while (page_end < end && *page_end != '\f')
		page_end++;
	/* offsets, not pointers outside the text; a whole word at each end,
	 * looked for SNIPPET_WORD bytes at most (a text without spaces is cut
	 * at a character's start) */
	const char *from = (size_t)(s - page_start) > SNIPPET_BEFORE ? s - SNIPPET_BEFORE : page_start;
	for (int k = 0; k < SNIPPET_WORD && from > page_start && !isspace((unsigned char)from[-1]); k++)
		from--;
	while (from < s && ((unsigned char)*from & 0xC0) == 0x80)
		from++;
	const char *to = (size_t)(page_end - from) > SNIPPET_BYTES ? from + SNIPPET_BYTES : page_end;
	for (int k = 0; k < SNIPPET_WORD && to < page_end && !isspace((unsigned char)*to); k++)
		to++;
	while (to < page_end && to > from && ((unsigned char)*to & 0xC0) == 0x80)
		to--;
	html_printf(b, "<span class=\"page\">p. %u</span> %S", h[w].page, from > page_start ? "…" : "");
	const char *run = from;
	for (size_t i = w; i < n && h[i].e <= to; i++) {
		buf_add_html(b, run, (size_t)(h[i].s - run));
		buf_adds(b, "<mark>");
		buf_add_html(b, h[i].s, (size_t)(h[i].e - h[i].s));
		buf_adds(b, "</mark>");
		run = h[i].e;
	}
	buf_add_html(b, run, (size_t)(to - run));
	if (to < page_end)
		buf_adds(b, "…");
}

bool html_snippet(struct buf *b, const char *text, size_t len, const char *query)
{
	struct hl_state *st = query_terms(query);
	if (!st)
		return false;
	size_t scan = len < SNIPPET_SCAN ? len : SNIPPET_SCAN, n = 0;
	struct text_hit *h = xmalloc(SNIPPET_HITS * sizeof(*h));
	unsigned page = 1;
	const char *s = text, *end = text + scan;
	while (s < end && n < SNIPPET_HITS) {
		while (s < end && isspace((unsigned char)*s))
			page += *s++ == '\f';
		const char *e = s, *ms, *me;
		while (e < end && !isspace((unsigned char)*e))
			e++;
		int t = e > s ? word_hit(st, s, e, &ms, &me) : 0;
		if (t)
			h[n++] = (struct text_hit){ ms, me, page, t };
		s = e;
	}
	if (n)
		write_window(b, text, scan, h, n, best_window(h, n));
	free(h);
	return n > 0;
}

/* ---- charts --------------------------------------------------------------- */

static void svg_chart(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n,
		      bool line)
{
	if (!n)
		return;
	int max = 1;
	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	const int W = 600, H = 140, pad = 22;
	double bw = (double)(W - 2 * pad) / (double)n;
	html_printf(b, "<figure class=\"chart\"><svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\"><title>%s</title>", W,
	     H + 20, title, title);
	html_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis\"/>", pad, H, W - pad, H);
	struct buf pts = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		int h = (int)((double)values[i] * (H - pad) / max);
		int x = pad + (int)(bw * (double)i);
		if (line) {
			buf_addf(&pts, "%d,%d ", x + (int)(bw / 2), H - h);
		} else {
			/* a day's bar leads to the day (a column the full height,
			 * so short bars are easy to hit) */
			bool day = !day_parse(labels[i], NULL) && values[i] > 0;
			if (day)
				html_printf(b, "<a href=\"/papers/date/%s\"><rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"transparent\"/>",
				     labels[i], x + 1, bw > 3 ? (int)bw - 2 : 1, H);
			html_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" class=\"bar\"><title>%s: %d</title></rect>", x + 1,
			     H - h, bw > 3 ? (int)bw - 2 : 1, h, labels[i], values[i]);
			if (day)
				html_printf(b, "</a>");
		}
		if (n <= 12 || i % (n / 6 + 1) == 0)
			html_printf(b, "<text x=\"%d\" y=\"%d\" class=\"lbl\">%s</text>", x, H + 14, labels[i] + (strlen(labels[i]) > 5 ? 5 : 0));
	}
	if (line) {
		html_printf(b, "<polyline points=\"%s\" class=\"line\"/>", pts.s);
		for (size_t i = 0; i < n; i++) {
			int h = (int)((double)values[i] * (H - pad) / max);
			html_printf(b, "<circle cx=\"%d\" cy=\"%d\" r=\"3\" class=\"dot\"><title>%s: %d</title></circle>",
			     pad + (int)(bw * (double)i) + (int)(bw / 2), H - h, labels[i], values[i]);
		}
	}
	buf_release(&pts);
	html_printf(b, "<text x=\"%d\" y=\"12\" class=\"lbl\">%d</text></svg><figcaption>%s</figcaption></figure>", pad, max, title);
}

void html_svg_bars(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n)
{
	svg_chart(b, title, labels, values, n, false);
}

void html_svg_line(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n)
{
	svg_chart(b, title, labels, values, n, true);
}

void html_stars_week(struct buf *b, const struct card_stars *cs)
{
	/* a minus sign, not a hyphen, for a loss */
	html_printf(b, "<p class=\"stars-week\"><span class=\"gained%S\">%S%d ★ this week</span>",
		    cs->gained < 0 ? " lost" : "", cs->gained < 0 ? "−" : "+", cs->gained < 0 ? -cs->gained : cs->gained);
	if (!cs->n) {
		html_printf(b, "</p>");
		return;
	}
	/* x by time, y from the fewest stars (bottom) to the most (top) */
	const int W = 120, H = 24, pad = 2;
	const struct star_point *first = &cs->pts[0], *last = &cs->pts[cs->n - 1];
	int lo = first->stars, hi = first->stars;
	for (size_t i = 0; i < cs->n; i++) {
		lo = cs->pts[i].stars < lo ? cs->pts[i].stars : lo;
		hi = cs->pts[i].stars > hi ? cs->pts[i].stars : hi;
	}
	double span_t = (double)(last->at - first->at), span_s = (double)(hi - lo);
	char from[16], to[16];
	time_format_day(first->at, from);
	time_format_day(last->at, to);
	struct buf label = BUF_INIT, pts = BUF_INIT;
	buf_addf(&label, "GitHub stars: %d on %s, %d on %s", first->stars, from, last->stars, to);
	int x = 0, y = 0;
	for (size_t i = 0; i < cs->n; i++) {
		x = span_t > 0 ? pad + (int)((double)(cs->pts[i].at - first->at) * (W - 2 * pad) / span_t) : W - pad;
		y = span_s > 0 ? H - pad - (int)((double)(cs->pts[i].stars - lo) * (H - 2 * pad) / span_s) : H / 2;
		buf_addf(&pts, "%s%d,%d", i ? " " : "", x, y);
	}
	html_printf(b, "<svg class=\"spark\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">"
		    "<title>%s</title><polyline points=\"%s\" fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\"/>"
		    "<circle cx=\"%d\" cy=\"%d\" r=\"2\" fill=\"currentColor\"/></svg></p>",
		    W, H, W, H, label.s, label.s, pts.s, x, y);
	buf_release(&label);
	buf_release(&pts);
}

/* ---- Markdown ------------------------------------------------------------- */

/* The length of the run of c at s[i..n). */
static size_t run_of(const char *s, size_t i, size_t n, char c)
{
	size_t k = i;
	while (k < n && s[k] == c)
		k++;
	return k - i;
}

/* md with each math span outside code (a fenced block, a `code span`)
 * replaced by a mark that Markdown leaves alone ("\x02" n "\x03"), the
 * spans in spans: Markdown would otherwise read TeX ("\{" as an escaped
 * brace, "a*b*c" as emphasis, "\\" as one backslash). */
static void hide_math(const char *md, struct buf *out, struct strlist *spans)
{
	size_t n = strlen(md);
	struct math_scan m;
	math_scan_init(&m, md, n);
	bool line_start = true;
	for (size_t i = 0; i < n;) {
		char c = md[i];
		if (c == '\x02' || c == '\x03') { /* (the marks' own bytes: never from the text) */
			i++;
			continue;
		}
		if (c == ']' && i + 1 < n && md[i + 1] == '(') {
			/* a link's target, as it is: no math in an address */
			const char *close = memchr(md + i, ')', n - i);
			size_t to = close ? (size_t)(close - md) + 1 : i + 2;
			buf_add(out, md + i, to - i);
			i = to;
			line_start = false;
			continue;
		}
		if (line_start && (c == '`' || c == '~') && run_of(md, i, n, c) >= 3) {
			/* a fenced block: to its closing fence, as it is */
			size_t fence = run_of(md, i, n, c), k = i + fence;
			for (;;) {
				const char *nl = memchr(md + k, '\n', n - k);
				k = nl ? (size_t)(nl - md) + 1 : n;
				if (k >= n || run_of(md, k, n, c) >= fence) {
					k = k < n ? k + run_of(md, k, n, c) : n;
					break;
				}
			}
			buf_add(out, md + i, k - i);
			i = k;
			line_start = false;
			continue;
		}
		if (c == '`') { /* a code span: to the same run of backticks */
			size_t len = run_of(md, i, n, '`'), k = i + len, end = 0;
			while (k < n && !end) {
				if (md[k] == '`') {
					size_t r = run_of(md, k, n, '`');
					if (r == len)
						end = k + r;
					k += r;
				} else {
					k++;
				}
			}
			size_t to = end ? end : i + len;
			buf_add(out, md + i, to - i);
			i = to;
			line_start = false;
			continue;
		}
		size_t end = (c == '$' || c == '\\') ? math_end(&m, i) : 0;
		if (end) {
			strlist_push(spans, md + i, end - i);
			buf_addf(out, "\x02%zu\x03", spans->n - 1);
			i = end;
			line_start = false;
			continue;
		}
		if (c == '\\' && i + 1 < n) { /* an escaped character stays escaped */
			buf_add(out, md + i, 2);
			i += 2;
			line_start = false;
			continue;
		}
		buf_addc(out, c);
		line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
		i++;
	}
}

void html_markdown(struct buf *b, const char *md)
{
	struct buf hidden = BUF_INIT;
	struct strlist spans = STRLIST_INIT;
	hide_math(md, &hidden, &spans);
	/* CMARK_OPT_DEFAULT is safe in cmark 0.30: raw HTML is replaced by a
	 * comment and javascript:/vbscript:/file:/data: links are dropped */
	char *out = cmark_markdown_to_html(hidden.s ? hidden.s : "", hidden.len, CMARK_OPT_DEFAULT | CMARK_OPT_SMART);
	if (out) {
		/* the math back, as text (escaped): the page's script renders it */
		for (const char *p = out; *p; p++) {
			char *e;
			unsigned long k;
			if (*p == '\x02' && (k = strtoul(p + 1, &e, 10), *e == '\x03') && e > p + 1 && k < spans.n) {
				html_printf(b, "%s", spans.v[k]);
				p = e;
			} else {
				buf_addc(b, *p);
			}
		}
		free(out);
	}
	strlist_release(&spans);
	buf_release(&hidden);
}

void resp_error(struct req *r, struct resp *o, int status, const char *msg)
{
	o->private_ = true;
	/* "the store failed": the status its kind calls for */
	enum pb_status k = r->s ? store_first_failure(r->s) : PB_OK;
	if (status == 500 && k != PB_OK) {
		int retry;
		status = resp_status(k, &retry);
		if (retry)
			resp_retry_after(o, retry);
	}
	if (r->wants_json) {
		resp_json(o, status, json_pack("{s:s}", "error", msg));
		return;
	}
	buf_reset(&o->body);
	html_page_begin(r, o, status == 404 ? "Not found" : "Error", NULL);
	bool back = o->back[0] && local_path_ok(o->back);
	html_printf(&o->body, "<main class=\"narrow\"><h1>%s</h1><p class=\"notice\">%s</p><p><a href=\"%s\">%s</a></p></main>",
	     status == 404 ? "Not found" : status == 403 ? "Not allowed" : status == 429 ? "Slow down" : "Something is wrong",
	     msg, back ? o->back : "/", back && o->back_label ? o->back_label : "Back to the daily papers");
	html_page_end(r, o);
	o->status = status;
}

void resp_outcome(struct req *r, struct resp *o, enum pb_status st, const char *msg)
{
	int retry = 0, status = resp_status(st, &retry);
	if (pb_status_failed(st)) /* the store's words are the log's, not the client's */
		msg = r->wants_json ? "the database failed" : "The database failed.";
	if (pb_status_failed(st) && r->s && store_first_failure(r->s) != PB_OK)
		status = 500; /* resp_error takes the store's kind and its wait */
	else if (retry)
		resp_retry_after(o, retry);
	resp_error(r, o, status, msg);
}

void resp_store_failed(struct req *r, struct resp *o, const char *what, const struct buf *err)
{
	struct svc v = req_svc(r);
	struct buf msg = BUF_INIT;
	enum pb_status st = svc_store_failed_log(&v, what, err, &msg);
	resp_outcome(r, o, st, msg.s);
	buf_release(&msg);
}

/* A follow button (a small form): on to follow, off to stop. */
void html_follow_button(struct req *r, struct buf *b, const char *kind, const char *value, bool on, const char *back_to)
{
	if (!r->signed_in)
		return;
	html_printf(b, "<form method=\"post\" action=\"/me/follow\" class=\"inline follow\">");
	html_csrf(r, b);
	html_printf(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\"><input type=\"hidden\" name=\"value\" value=\"%s\">"
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
	html_printf(b, "<form method=\"post\" action=\"/me/mute\" class=\"inline mute\">");
	html_csrf(r, b);
	html_printf(b, "<input type=\"hidden\" name=\"kind\" value=\"%s\"><input type=\"hidden\" name=\"value\" value=\"%s\">"
		"<input type=\"hidden\" name=\"on\" value=\"1\"><input type=\"hidden\" name=\"back\" value=\"%s\">"
		"<button type=\"submit\" class=\"link\" aria-label=\"Mute %s %s\">%s %s</button></form>",
	     kind, value, back_to, label, value, label, value);
}

/* A paper that is not here: the offer to fetch it from arXiv (signed in), or to sign in. */
void html_fetch_offer(struct req *r, struct buf *b, const char *id)
{
	if (r->signed_in) {
		html_printf(b, "<form method=\"post\" action=\"/papers/%s/fetch\" class=\"inline\">", id);
		html_csrf(r, b);
		html_printf(b, "<p>%s is not here yet. <button type=\"submit\" class=\"btn small\">Fetch it from arXiv</button></p></form>",
		     id);
	} else {
		html_printf(b, "<p>%s is not here yet. <a href=\"/signin?next=%%2Fpapers%%2F%U\">Sign in</a> to fetch it from arXiv.</p>",
		     id, id);
	}
}
