/*
 * paper.c - the paper model: lifecycle, arXiv identifiers, code-URL
 * detection, the multi-source merge rule and the HF-shaped serializer.
 */
#include "paper.h"
#include <strings.h>
#include <ctype.h>

void paper_init(struct paper *p)
{
	memset(p, 0, sizeof(*p));
	p->upvotes = p->num_comments = p->github_stars = -1;
}

void paper_release(struct paper *p)
{
	free(p->title);
	free(p->abstract);
	strlist_release(&p->authors);
	strlist_release(&p->categories);
	free(p->doi);
	free(p->journal_ref);
	free(p->comments);
	free(p->license);
	free(p->code_url);
	free(p->project_page);
	free(p->submitter);
	free(p->submitter_name);
	free(p->ai_summary);
	strlist_release(&p->ai_keywords);
	free(p->discussion_id);
	free(p->organization);
	strlist_release(&p->media_urls);
	strlist_release(&p->author_users);
	free(p->thumbnail);
	paper_init(p);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void paper_copy(struct paper *dst, const struct paper *src)
{
	paper_release(dst);
	*dst = *src;
	memset(&dst->authors, 0, sizeof(dst->authors));
	memset(&dst->categories, 0, sizeof(dst->categories));
	memset(&dst->ai_keywords, 0, sizeof(dst->ai_keywords));
	memset(&dst->media_urls, 0, sizeof(dst->media_urls));
	memset(&dst->author_users, 0, sizeof(dst->author_users));
	strlist_copy(&dst->author_users, &src->author_users);
	strlist_copy(&dst->media_urls, &src->media_urls);
	dst->organization = dup_or_null(src->organization);
	dst->thumbnail = dup_or_null(src->thumbnail);
	strlist_copy(&dst->authors, &src->authors);
	strlist_copy(&dst->categories, &src->categories);
	strlist_copy(&dst->ai_keywords, &src->ai_keywords);
	dst->title = dup_or_null(src->title);
	dst->abstract = dup_or_null(src->abstract);
	dst->doi = dup_or_null(src->doi);
	dst->journal_ref = dup_or_null(src->journal_ref);
	dst->comments = dup_or_null(src->comments);
	dst->license = dup_or_null(src->license);
	dst->code_url = dup_or_null(src->code_url);
	dst->project_page = dup_or_null(src->project_page);
	dst->submitter = dup_or_null(src->submitter);
	dst->submitter_name = dup_or_null(src->submitter_name);
	dst->ai_summary = dup_or_null(src->ai_summary);
	dst->discussion_id = dup_or_null(src->discussion_id);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

bool paper_equal(const struct paper *a, const struct paper *b)
{
	return !strcmp(a->id, b->id) && a->version == b->version && str_eq(a->title, b->title) &&
	       str_eq(a->abstract, b->abstract) && strlist_equal(&a->authors, &b->authors) &&
	       strlist_equal(&a->author_users, &b->author_users) &&
	       strlist_equal(&a->categories, &b->categories) && a->published == b->published &&
	       a->updated == b->updated && str_eq(a->doi, b->doi) &&
	       str_eq(a->journal_ref, b->journal_ref) && str_eq(a->comments, b->comments) &&
	       str_eq(a->license, b->license) && str_eq(a->code_url, b->code_url) &&
	       a->code_explicit == b->code_explicit && str_eq(a->project_page, b->project_page) &&
	       !strcmp(a->hf_day, b->hf_day) && a->submitted_at == b->submitted_at &&
	       str_eq(a->submitter, b->submitter) && str_eq(a->submitter_name, b->submitter_name) &&
	       a->upvotes == b->upvotes && a->num_comments == b->num_comments &&
	       a->github_stars == b->github_stars && str_eq(a->ai_summary, b->ai_summary) &&
	       strlist_equal(&a->ai_keywords, &b->ai_keywords) &&
	       str_eq(a->discussion_id, b->discussion_id) && a->sources == b->sources &&
	       str_eq(a->organization, b->organization) && strlist_equal(&a->media_urls, &b->media_urls) &&
	       str_eq(a->thumbnail, b->thumbnail) && a->author_participating == b->author_participating;
}

/* ---- identifiers -------------------------------------------------------- */

static size_t count_digits(const char *s)
{
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* Where the id starts: past a paper's URL (*url set) or a prefix like "arXiv:"; NULL for another URL of those sites. */
static const char *id_start(const char *s, bool *url)
{
	const char *p = s;
	*url = false;
	/* the places a paper is named by its arXiv id: arXiv (abs, pdf, html),
	 * Hugging Face, alphaXiv, the DOI arXiv registers (10.48550/arXiv.ID) */
	static const struct {
		const char *host, *paths[4];
	} sites[] = {
		{ "arxiv.org/", { "abs/", "pdf/", "html/", NULL } },
		{ "huggingface.co/", { "papers/", NULL } },
		{ "hf.co/", { "papers/", NULL } },
		{ "alphaxiv.org/", { "abs/", "overview/", "pdf/", NULL } },
		{ "doi.org/", { "10.48550/arxiv.", NULL } },
	};
	/* the host is the URL's own (after the scheme, and a www. or export.) */
	const char *auth = strstr(s, "://");
	auth = auth && (!strncasecmp(s, "http://", 7) || !strncasecmp(s, "https://", 8)) ? auth + 3 : s;
	if (!strncasecmp(auth, "www.", 4))
		auth += 4;
	else if (!strncasecmp(auth, "export.", 7))
		auth += 7;
	for (size_t k = 0; k < ARRAY_SIZE(sites); k++) {
		size_t hl = strlen(sites[k].host);
		if (strncasecmp(auth, sites[k].host, hl))
			continue;
		const char *after = auth + hl;
		for (int j = 0; sites[k].paths[j]; j++) {
			size_t pl = strlen(sites[k].paths[j]);
			if (!strncasecmp(after, sites[k].paths[j], pl)) {
				*url = true;
				return after + pl;
			}
		}
		return NULL;
	}
	if (!strncasecmp(p, "oai:arXiv.org:", 14))
		p += 14;
	else if (!strncasecmp(p, "arXiv:", 6))
		p += 6;
	else if (!strncasecmp(p, "doi:", 4) && !strncasecmp(p + 4, "10.48550/arxiv.", 15))
		p += 19;
	else if (!strncasecmp(p, "10.48550/arxiv.", 15))
		p += 15;
	return p;
}

/* Copies a new-style id, YYMM.NNNN (2007-14) or YYMM.NNNNN (2015-), into tmp (*n bytes); what follows, or NULL. */
static const char *new_style_id(const char *q, char *tmp, size_t *n)
{
	if (count_digits(q) != 4 || q[4] != '.')
		return NULL;
	int mm = (q[2] - '0') * 10 + (q[3] - '0');
	if (mm < 1 || mm > 12)
		return NULL;
	size_t d = count_digits(q + 5);
	if (d != 4 && d != 5)
		return NULL;
	*n = 5 + d;
	memcpy(tmp, q, *n);
	return q + *n;
}

/* Copies an old-style id (archive[.SC]/YYMMNNN, less the .SC) into tmp (*n bytes); what follows, or NULL. */
static const char *old_style_id(const char *q, char *tmp, size_t *n)
{
	size_t a = 0;
	while (islower((unsigned char)q[a]) || q[a] == '-')
		a++;
	if (a < 2 || a > 16)
		return NULL;
	memcpy(tmp, q, a);
	*n = a;
	q += a;
	if (*q == '.') { /* subject class, e.g. math.GT/0309136: dropped */
		q++;
		size_t c = 0;
		while (isalpha((unsigned char)q[c]))
			c++;
		if (!c || c > 8)
			return NULL;
		q += c;
	}
	if (*q != '/' || count_digits(q + 1) != 7)
		return NULL;
	memcpy(tmp + *n, q, 8);
	*n += 8;
	return q + 8;
}

/* Reads an optional version ("v" and 1 to 4 digits; 0 if none) into v; what follows, or NULL. */
static const char *id_version(const char *q, int *v)
{
	*v = 0;
	if (*q != 'v' && *q != 'V')
		return q;
	size_t d = count_digits(q + 1);
	if (!d || d > 4)
		return NULL;
	for (size_t i = 1; i <= d; i++)
		*v = *v * 10 + (q[i] - '0');
	return q + 1 + d;
}

/* Whether what follows the id is allowed: blanks, or in a URL a query, fragment, path or ".pdf". */
static bool id_tail_ok(const char *q, bool url)
{
	if (!*q)
		return true;
	bool ok = url && (*q == '?' || *q == '#' || *q == '/' || !strcmp(q, ".pdf"));
	const char *t = q;
	while (isspace((unsigned char)*t))
		t++;
	return ok || !*t;
}

int arxiv_id_parse(const char *s, char id[PAPER_ID_MAX], int *version)
{
	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	bool url;
	const char *q = id_start(s, &url);
	if (!q)
		return -1;
	char tmp[PAPER_ID_MAX];
	size_t n = 0;
	q = isdigit((unsigned char)*q) ? new_style_id(q, tmp, &n) : old_style_id(q, tmp, &n);
	if (!q)
		return -1;
	tmp[n] = '\0';
	int v;
	q = id_version(q, &v);
	if (!q || !id_tail_ok(q, url))
		return -1;
	memcpy(id, tmp, n + 1);
	if (version)
		*version = v;
	return 0;
}

/* ---- code repositories -------------------------------------------------- */

static bool seg_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

/* Reads up to `want` path segments after host; returns how many. */
static int read_segments(const char *p, const char *seg[4], size_t len[4], int want)
{
	int k = 0;
	while (k < want) {
		size_t n = 0;
		while (seg_char(p[n]))
			n++;
		while (n && p[n - 1] == '.') /* sentence full stop */
			n--;
		if (!n)
			break;
		seg[k] = p;
		len[k] = n;
		k++;
		p += n;
		if (*p != '/')
			break;
		p++;
	}
	return k;
}

static bool seg_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && !strncasecmp(s, w, n);
}

/* Builds the normalised URL of a repository whose host name ends just
 * before `path` (host index h of the table below); NULL when the path does
 * not name a repository. */
static char *repo_url(const char *host, const char *path)
{
	const char *seg[4];
	size_t len[4];
	bool hf = str_has_prefix(host, "huggingface");
	int k = read_segments(path, seg, len, 3);
	int need = 2;
	if (hf && k >= 1 && (seg_is(seg[0], len[0], "datasets") || seg_is(seg[0], len[0], "spaces")))
		need = 3;
	else if (hf && k >= 1 && (seg_is(seg[0], len[0], "papers") || seg_is(seg[0], len[0], "docs") ||
				  seg_is(seg[0], len[0], "blog") || seg_is(seg[0], len[0], "collections")))
		return NULL;
	if (!hf && k >= 1 && (seg_is(seg[0], len[0], "orgs") || seg_is(seg[0], len[0], "features")))
		return NULL;
	if (k < need)
		return NULL;
	struct buf u = BUF_INIT;
	buf_addf(&u, "https://%s", host);
	for (int i = 0; i < need; i++) {
		size_t l = len[i];
		if (i == need - 1 && l > 4 && !strncasecmp(seg[i] + l - 4, ".git", 4))
			l -= 4;
		buf_addc(&u, '/');
		buf_add(&u, seg[i], l);
	}
	return buf_detach(&u);
}

/* Is text[0..at) ending in `name` (case-insensitive) at a word start? */
static bool ends_with_host(const char *text, const char *at, const char *name)
{
	size_t l = strlen(name);
	if ((size_t)(at - text) < l || strncasecmp(at - l, name, l))
		return false;
	const char *b = at - l;
	return b == text || !(isalnum((unsigned char)b[-1]) || b[-1] == '-');
}

char *code_url_find(const char *text)
{
	if (!text)
		return NULL;
	/* One pass over the dots: every host we know ends in ".com/", ".co/"
	 * or ".org/", which is rare in prose, so memmem does the scanning. */
	const char *p = text;
	size_t n = strlen(text);
	while ((p = memchr(p, '.', n - (size_t)(p - text)))) {
		const char *host = NULL, *path = NULL;
		if (!strncasecmp(p, ".com/", 5)) {
			path = p + 5;
			if (ends_with_host(text, p, "github"))
				host = "github.com";
			else if (ends_with_host(text, p, "gitlab"))
				host = "gitlab.com";
		} else if (!strncasecmp(p, ".co/", 4)) {
			path = p + 4;
			if (ends_with_host(text, p, "huggingface"))
				host = "huggingface.co";
		} else if (!strncasecmp(p, ".org/", 5)) {
			path = p + 5;
			if (ends_with_host(text, p, "bitbucket"))
				host = "bitbucket.org";
		}
		if (host) {
			char *url = repo_url(host, path);
			if (url)
				return url;
		}
		p++;
	}
	return NULL;
}

void paper_finish(struct paper *p)
{
	if (!p->code_url) {
		p->code_url = code_url_find(p->abstract);
		if (!p->code_url)
			p->code_url = code_url_find(p->comments);
		p->code_explicit = false;
	}
}

/* ---- merge -------------------------------------------------------------- */

/* Is `in` a newer arXiv record than `cur`? */
static bool arxiv_newer(const struct paper *cur, const struct paper *in)
{
	if (!(in->sources & SRC_ARXIV_ANY))
		return false;
	if (!(cur->sources & SRC_ARXIV_ANY))
		return true;
	if (in->version && cur->version && in->version != cur->version)
		return in->version > cur->version;
	pb_time a = in->updated ? in->updated : in->published;
	pb_time b = cur->updated ? cur->updated : cur->published;
	return a > b;
}

static pb_time hf_key(const struct paper *p)
{
	pb_time t = p->submitted_at;
	if (!t && p->hf_day[0])
		day_parse(p->hf_day, &t);
	return t;
}

static bool hf_newer(const struct paper *cur, const struct paper *in)
{
	if (!(in->sources & SRC_HF))
		return false;
	if (!(cur->sources & SRC_HF))
		return true;
	return hf_key(in) > hf_key(cur);
}

/* Replaces *dst with src when `replace` and src is set, or when *dst is unset. */
static void take_str(char **dst, const char *src, bool replace)
{
	if (!src || (*dst && !replace) || (*dst && !strcmp(*dst, src)))
		return;
	free(*dst);
	*dst = xstrdup(src);
}

static void take_list(struct strlist *dst, const struct strlist *src, bool replace)
{
	if (!src->n || (dst->n && !replace))
		return;
	strlist_copy(dst, src);
}

static void take_time(pb_time *dst, pb_time src, bool replace)
{
	if (src && (!*dst || replace))
		*dst = src;
}

static void take_max(int *dst, int src)
{
	if (src > *dst)
		*dst = src;
}

void paper_merge(struct paper *cur, const struct paper *in)
{
	bool ax = arxiv_newer(cur, in), hf = hf_newer(cur, in);

	take_str(&cur->title, in->title, ax);
	take_str(&cur->abstract, in->abstract, ax);
	take_list(&cur->authors, &in->authors, ax);
	take_list(&cur->categories, &in->categories, ax);
	take_time(&cur->published, in->published, ax);
	take_time(&cur->updated, in->updated, ax);
	take_str(&cur->doi, in->doi, ax);
	take_str(&cur->journal_ref, in->journal_ref, ax);
	take_str(&cur->comments, in->comments, ax);
	take_str(&cur->license, in->license, ax);
	if (in->version > cur->version)
		cur->version = in->version;

	if (in->code_url) {
		bool replace = !cur->code_url || (in->code_explicit && !cur->code_explicit) ||
			       (in->code_explicit == cur->code_explicit && (in->code_explicit ? hf : ax));
		if (replace) {
			take_str(&cur->code_url, in->code_url, true);
			cur->code_explicit = in->code_explicit;
		}
	}

	if (in->hf_day[0] && (!cur->hf_day[0] || hf))
		memcpy(cur->hf_day, in->hf_day, sizeof(cur->hf_day));
	take_time(&cur->submitted_at, in->submitted_at, hf);
	take_str(&cur->submitter, in->submitter, hf);
	take_str(&cur->submitter_name, in->submitter_name, hf);
	take_str(&cur->ai_summary, in->ai_summary, hf);
	take_list(&cur->ai_keywords, &in->ai_keywords, hf);
	take_str(&cur->discussion_id, in->discussion_id, hf);
	take_str(&cur->project_page, in->project_page, hf);
	take_str(&cur->organization, in->organization, hf);
	take_list(&cur->media_urls, &in->media_urls, hf);
	take_list(&cur->author_users, &in->author_users, hf);
	take_str(&cur->thumbnail, in->thumbnail, hf);
	if (hf)
		cur->author_participating = in->author_participating;
	take_max(&cur->upvotes, in->upvotes);
	take_max(&cur->num_comments, in->num_comments);
	take_max(&cur->github_stars, in->github_stars);

	cur->sources |= in->sources;
}

/* ---- serializer --------------------------------------------------------- */

void paper_feed_day(const struct paper *p, char out[16])
{
	if (p->hf_day[0])
		memcpy(out, p->hf_day, 16);
	else if (p->published)
		time_format_day(p->published, out);
	else
		out[0] = '\0';
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

static void set_time(json_t *o, const char *k, pb_time t)
{
	if (t) {
		char iso[32];
		time_format_iso(t, iso);
		json_object_set_new(o, k, json_string(iso));
	}
}

static json_t *list_json(const struct strlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->v[i]));
	return a;
}

void paper_check_links(struct paper *p, void (*drop)(void *ctx, const char *field, const char *value), void *ctx)
{
	struct {
		char **v;
		const char *name;
	} links[] = { { &p->code_url, "githubRepo" }, { &p->project_page, "projectPage" } };
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		char *v = *links[i].v;
		if (v && !url_is_web(v) && (!strncasecmp(v, "http://", 7) || !strncasecmp(v, "https://", 8))) {
			/* a typo a URL cannot hold: "https://github.com/ owner/repo" */
			char *w = v;
			for (char *r = v; *r; r++)
				if (*r != ' ' && *r != '\t')
					*w++ = *r;
			*w = '\0';
		}
		if (*links[i].v && !url_is_web(*links[i].v)) {
			if (drop)
				drop(ctx, links[i].name, *links[i].v);
			free(*links[i].v);
			*links[i].v = NULL;
			if (links[i].v == &p->code_url)
				p->code_explicit = false;
		}
	}
}

json_t *paper_to_json(const struct paper *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(p->id));
	set_str(o, "title", p->title ? p->title : "");
	set_str(o, "summary", p->abstract ? p->abstract : "");
	json_t *authors = json_array();
	char oid[25];
	for (size_t i = 0; i < p->authors.n; i++) {
		pb_object_id("author", p->id, i, oid);
		json_t *a = json_pack("{s:s,s:s,s:b}", "_id", oid, "name", p->authors.v[i], "hidden", 0);
		const char *user = paper_author_user(p, p->authors.v[i]);
		if (user) {
			pb_object_id("user", user, 0, oid);
			json_object_set_new(a, "user", json_pack("{s:s,s:s,s:s,s:s,s:s,s:b}", "_id", oid, "user", user,
								  "fullname", p->authors.v[i], "avatarUrl", "", "type",
								  "user", "isPro", 0));
			json_object_set_new(a, "status", json_string("claimed_verified"));
		}
		json_array_append_new(authors, a);
	}
	json_object_set_new(o, "authors", authors);
	set_time(o, "publishedAt", p->published);
	json_object_set_new(o, "upvotes", json_integer(paper_upvotes(p)));
	/* links only when they are web URLs, whatever was stored before */
	const char *code = url_is_web(p->code_url) ? p->code_url : NULL;
	enum link_kind kind = code ? link_kind_of(code) : LINK_PAGE;
	/* Hugging Face's githubRepo names code repositories only; a model,
	 * dataset or Space link goes by its kind */
	if (code && kind == LINK_CODE)
		set_str(o, "githubRepo", code);
	set_str(o, "codeUrl", code);
	if (code && kind != LINK_CODE)
		set_str(o, kind == LINK_MODEL ? "modelUrl" : kind == LINK_DATASET ? "datasetUrl" : kind == LINK_SPACE ? "spaceUrl" : "linkUrl", code);
	if (p->github_stars >= 0)
		json_object_set_new(o, "githubStars", json_integer(p->github_stars));
	set_str(o, "projectPage", url_is_web(p->project_page) ? p->project_page : NULL);
	set_str(o, "ai_summary", p->ai_summary);
	if (p->ai_keywords.n)
		json_object_set_new(o, "ai_keywords", list_json(&p->ai_keywords));
	set_time(o, "submittedOnDailyAt", p->submitted_at);
	if (p->submitter) {
		pb_object_id("user", p->submitter, 0, oid);
		json_t *u = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "_id", oid, "user", p->submitter, "name",
				      p->submitter, "fullname",
				      p->submitter_name ? p->submitter_name : p->submitter, "avatarUrl", "",
				      "type", "user", "isPro", 0);
		json_object_set_new(o, "submittedOnDailyBy", u);
	}
	if (p->discussion_id) {
		set_str(o, "discussionId", p->discussion_id);
	} else {
		pb_object_id("discussion", p->id, 0, oid);
		set_str(o, "discussionId", oid);
	}
	json_object_set_new(o, "numComments", json_integer(paper_comments(p)));
	if (paper_hf_comments(p))
		json_object_set_new(o, "hfNumComments", json_integer(paper_hf_comments(p)));
	if (p->organization) {
		json_t *org = json_loads(p->organization, 0, NULL);
		if (json_is_object(org))
			json_object_set_new(o, "organization", org);
		else
			json_decref(org);
	}
	if (p->media_urls.n) {
		json_t *m = json_array();
		for (size_t i = 0; i < p->media_urls.n; i++)
			if (url_is_web(p->media_urls.v[i]))
				json_array_append_new(m, json_string(p->media_urls.v[i]));
		json_object_set_new(o, "mediaUrls", m);
	}
	/* paperboy's arXiv fields */
	if (p->version)
		json_object_set_new(o, "version", json_integer(p->version));
	set_time(o, "updatedAt", p->updated);
	if (p->categories.n)
		json_object_set_new(o, "categories", list_json(&p->categories));
	set_str(o, "doi", p->doi);
	set_str(o, "journalRef", p->journal_ref);
	set_str(o, "arxivComments", p->comments); /* "comments" is the discussion's */
	set_str(o, "license", p->license);
	if (p->hf_day[0])
		set_str(o, "dailyDate", p->hf_day);
	return o;
}

int paper_upvotes(const struct paper *p)
{
	return (p->upvotes > 0 ? p->upvotes : 0) + p->local_votes;
}

int paper_comments(const struct paper *p)
{
	return p->local_comments > 0 ? p->local_comments : 0;
}

int paper_hf_comments(const struct paper *p)
{
	return p->num_comments > 0 ? p->num_comments : 0;
}

void paper_org(const struct paper *p, char name[128], char fullname[256])
{
	name[0] = fullname[0] = '\0';
	if (!p->organization)
		return;
	json_t *o = json_loads(p->organization, 0, NULL);
	const char *n = json_string_value(json_object_get(o, "name"));
	const char *f = json_string_value(json_object_get(o, "fullname"));
	snprintf(name, 128, "%s", n ? n : "");
	snprintf(fullname, 256, "%s", f && *f ? f : n ? n : "");
	json_decref(o);
}

/* Whether the whole word (or phrase) w appears in text, ignoring case and
 * a plural's -s or -es. */
static bool has_word(const char *text, const char *w)
{
	size_t n = strlen(w);
	if (!text || !n)
		return false;
	for (const char *p = text; *p; p++) {
		if (strncasecmp(p, w, n))
			continue;
		bool start = p == text || !isalnum((unsigned char)p[-1]);
		const char *e = p + n;
		if (tolower((unsigned char)*e) == 's')
			e += isalnum((unsigned char)e[1]) ? 0 : 1;
		else if (tolower((unsigned char)*e) == 'e' && tolower((unsigned char)e[1]) == 's')
			e += isalnum((unsigned char)e[2]) ? 0 : 2;
		bool end = !isalnum((unsigned char)*e);
		if (start && end)
			return true;
	}
	return false;
}

const char *paper_author_user(const struct paper *p, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < p->author_users.n; i++) {
		const char *e = p->author_users.v[i];
		if (!strncasecmp(e, name, n) && e[n] == '\t')
			return e + n + 1;
	}
	return NULL;
}

void paper_author_follow(const struct paper *p, const char *name, char *out, size_t n)
{
	const char *user = paper_author_user(p, name);
	if (user)
		snprintf(out, n, "%s @%s", name, user);
	else
		snprintf(out, n, "%s", name);
}

const char *follow_author_name(const char *value, char *out, size_t n)
{
	const char *at = strstr(value, " @");
	while (at && strstr(at + 2, " @"))
		at = strstr(at + 2, " @");
	size_t len = at && at[2] ? (size_t)(at - value) : strlen(value);
	snprintf(out, n, "%.*s", (int)len, value);
	return at && at[2] ? at + 2 : NULL;
}

/* Whether the author "Name @user" (or "Name") is among p's. */
static bool has_author(const struct paper *p, const char *value)
{
	char name[512];
	const char *user = follow_author_name(value, name, sizeof(name));
	if (user) {
		for (size_t i = 0; i < p->author_users.n; i++) {
			const char *tab = strchr(p->author_users.v[i], '\t');
			if (tab && !strcasecmp(tab + 1, user))
				return true;
		}
		return false;
	}
	for (size_t i = 0; i < p->authors.n; i++)
		if (!strcasecmp(p->authors.v[i], name))
			return true;
	return false;
}

bool paper_matches(const struct paper *p, const char *kind, const char *value)
{
	if (!value || !*value)
		return false;
	if (!strcmp(kind, "word"))
		return has_word(p->title, value) || has_word(p->abstract, value);
	if (!strcmp(kind, "author"))
		return has_author(p, value);
	const struct strlist *l = !strcmp(kind, "category") ? &p->categories : NULL;
	if (l) {
		for (size_t i = 0; i < l->n; i++)
			if (!strcasecmp(l->v[i], value))
				return true;
		return false;
	}
	if (!strcmp(kind, "hfuser"))
		return p->submitter && !strcasecmp(p->submitter, value);
	if (!strcmp(kind, "org")) {
		char name[128], full[256];
		paper_org(p, name, full);
		return name[0] && (!strcasecmp(name, value) || !strcasecmp(full, value));
	}
	return false;
}

enum link_kind link_kind_of(const char *url)
{
	const char *h = url ? strstr(url, "://") : NULL;
	h = h ? h + 3 : url ? url : "";
	if (str_has_prefix(h, "www."))
		h += 4;
	if (str_has_prefix(h, "huggingface.co/") || str_has_prefix(h, "hf.co/")) {
		const char *path = strchr(h, '/') + 1;
		if (str_has_prefix(path, "datasets/"))
			return LINK_DATASET;
		if (str_has_prefix(path, "spaces/"))
			return LINK_SPACE;
		if (str_has_prefix(path, "papers/") || str_has_prefix(path, "blog/") || str_has_prefix(path, "docs/") ||
		    str_has_prefix(path, "collections/") || !strchr(path, '/'))
			return LINK_PAGE;
		return LINK_MODEL; /* huggingface.co/OWNER/NAME */
	}
	if (str_has_prefix(h, "github.com/") || str_has_prefix(h, "gitlab.com/") || str_has_prefix(h, "bitbucket.org/") ||
	    str_has_prefix(h, "codeberg.org/") || str_has_prefix(h, "gitee.com/"))
		return LINK_CODE;
	return LINK_PAGE;
}

const char *link_kind_name(enum link_kind k)
{
	static const char *const names[] = { "Code", "Model", "Dataset", "Space", "Project page" };
	return names[k];
}

void pb_object_id(const char *a, const char *b, size_t i, char out[25])
{
	/* two independent 32-bit hashes and the index: stable, not secret */
	struct buf t = BUF_INIT;
	buf_addf(&t, "%s\x1f%s\x1f%zu", a, b, i);
	uint32_t h1 = hash_bytes(t.s, t.len);
	buf_addc(&t, '#');
	uint32_t h2 = hash_bytes(t.s, t.len);
	buf_addc(&t, '#');
	uint32_t h3 = hash_bytes(t.s, t.len);
	buf_release(&t);
	snprintf(out, 25, "%08x%08x%08x", h1, h2, h3);
}

void paper_rules_add(struct paper_rules *r, const char *kind, const char *value)
{
	strlist_push(&r->kind, kind, strlen(kind));
	strlist_push(&r->value, value, strlen(value));
}

long paper_rules_match(const struct paper_rules *r, const struct paper *p)
{
	for (size_t i = 0; i < r->kind.n; i++)
		if (paper_matches(p, r->kind.v[i], r->value.v[i]))
			return (long)i;
	return -1;
}

void paper_rules_release(struct paper_rules *r)
{
	strlist_release(&r->kind);
	strlist_release(&r->value);
}
