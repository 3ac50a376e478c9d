/*
 * json_sources.c - the JSON sources: Hugging Face /api/daily_papers
 * documents (a JSON array of items, or the {"status","data":[...]} wrapper
 * some dumps use) and arXiv metadata snapshot JSON lines.
 *
 * The array is split into elements by a small scanner that tracks strings
 * and nesting, and each element is parsed alone with jansson, so memory
 * stays flat whatever the size of the document.
 */
#include "ingest_int.h"
#include <ctype.h>
#include <yajl/yajl_parse.h>

#define MAX_RECORD_BYTES (16u << 20)

/* ---- helpers ------------------------------------------------------------ */

/* Takes an optional string member; -1 when present but not a string. */
static int opt_str(json_t *o, const char *key, char **out, struct buf *field, const char *path,
		   struct buf *why)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		buf_setf(field, "%s%s", path, key);
		buf_setf(why, "expected a string");
		return -1;
	}
	free(*out);
	*out = text_collapse_dup(json_string_value(v), json_string_length(v));
	return 0;
}

static int opt_int(json_t *o, const char *key, int *out, struct buf *field, const char *path, struct buf *why)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX) {
		buf_setf(field, "%s%s", path, key);
		buf_setf(why, "expected a non-negative integer");
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static int opt_time(json_t *o, const char *key, pb_time *out, struct buf *field, const char *path,
		    struct buf *why)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || time_parse(json_string_value(v), out)) {
		buf_setf(field, "%s%s", path, key);
		buf_setf(why, "expected an ISO-8601 date and time: " TIME_SANE_WHY);
		return -1;
	}
	return 0;
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* ---- Hugging Face items ------------------------------------------------- */

/* The item's "paper" object, or NULL with the reason when there is none. */
static json_t *hf_paper_of(json_t *item, struct buf *field, struct buf *why)
{
	if (!json_is_object(item)) {
		buf_reset(field);
		if (json_is_string(item) && json_string_value(item)[0] == '{')
			buf_setf(why, "expected an object, found a string holding a Python repr() of one (not JSON)");
		else
			buf_setf(why, "expected an object, found %s", type_name(item));
		return NULL;
	}
	json_t *pp = json_object_get(item, "paper");
	if (!json_is_object(pp)) {
		buf_setf(field, "paper");
		buf_setf(why, pp ? "expected an object" : "missing");
		return NULL;
	}
	return pp;
}

/* Takes paper.id, an arXiv identifier (its version too); 0 or -1. */
static int hf_id(json_t *pp, struct paper *p, struct buf *field, struct buf *why)
{
	json_t *id = json_object_get(pp, "id");
	if (!json_is_string(id)) {
		buf_setf(field, "paper.id");
		buf_setf(why, id ? "expected a string" : "missing");
		return -1;
	}
	if (arxiv_id_parse(json_string_value(id), p->id, &p->version)) {
		buf_setf(field, "paper.id");
		buf_setf(why, "not an arXiv identifier: \"%.60s\"", json_string_value(id));
		return -1;
	}
	return 0;
}

/* Takes the title (required) and the abstract, from the paper or else the item; 0 or -1. */
static int hf_title_abstract(json_t *item, json_t *pp, struct paper *p, struct buf *field, struct buf *why)
{
	if (opt_str(pp, "title", &p->title, field, "paper.", why) ||
	    opt_str(pp, "summary", &p->abstract, field, "paper.", why))
		return -1;
	if (!p->title && opt_str(item, "title", &p->title, field, "", why))
		return -1;
	if (!p->abstract && opt_str(item, "summary", &p->abstract, field, "", why))
		return -1;
	if (!p->title) {
		buf_setf(field, "paper.title");
		buf_setf(why, "missing or empty");
		return -1;
	}
	return 0;
}

/* A Hub username: letters, digits, '-', '_' and '.', 1 to 96 of them. */
static bool hub_name_ok(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]) && !strchr("-_.", s[n]))
			return false;
	return n >= 1 && n <= 96;
}

/* Keeps "Name\tuser" when the author claimed the paper on Hugging Face
 * (author.user.user, a Hub username); anything else is ignored. */
static void hf_author_user(json_t *a, const char *name, struct paper *p)
{
	json_t *u = json_object_get(json_object_get(a, "user"), "user");
	const char *user = json_string_value(u);
	if (!user || !*name || !hub_name_ok(user))
		return;
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s\t%s", name, user);
	strlist_push(&p->author_users, b.s, b.len);
	buf_release(&b);
}

/* Takes paper.authors, an optional array of {"name": string}; 0 or -1. */
static int hf_authors(json_t *pp, struct paper *p, struct buf *field, struct buf *why)
{
	json_t *authors = json_object_get(pp, "authors");
	if (authors && !json_is_array(authors)) {
		buf_setf(field, "paper.authors");
		buf_setf(why, "expected an array");
		return -1;
	}
	for (size_t i = 0; authors && i < json_array_size(authors); i++) {
		json_t *a = json_array_get(authors, i);
		json_t *name = json_is_object(a) ? json_object_get(a, "name") : NULL;
		if (!json_is_string(name)) {
			buf_setf(field, "paper.authors[%zu].name", i);
			buf_setf(why, "expected a string");
			return -1;
		}
		strlist_push_text(&p->authors, json_string_value(name), json_string_length(name));
		hf_author_user(a, p->authors.v[p->authors.n - 1], p);
	}
	return 0;
}

/* Takes the optional dates, counts and links, checked in this order; 0 or -1. */
static int hf_dates_counts_links(json_t *item, json_t *pp, struct paper *p, struct buf *field, struct buf *why)
{
	char *repo = NULL;
	int rc = opt_time(pp, "publishedAt", &p->published, field, "paper.", why) ||
		 opt_time(pp, "submittedOnDailyAt", &p->submitted_at, field, "paper.", why) ||
		 opt_int(pp, "upvotes", &p->upvotes, field, "paper.", why) ||
		 opt_int(pp, "githubStars", &p->github_stars, field, "paper.", why) ||
		 opt_int(item, "numComments", &p->num_comments, field, "", why) ||
		 opt_str(pp, "githubRepo", &repo, field, "paper.", why) ||
		 opt_str(pp, "projectPage", &p->project_page, field, "paper.", why) ||
		 opt_str(pp, "ai_summary", &p->ai_summary, field, "paper.", why) ||
		 opt_str(pp, "discussionId", &p->discussion_id, field, "paper.", why);
	if (rc) {
		free(repo);
		return -1;
	}
	if (repo) {
		p->code_url = repo;
		p->code_explicit = true;
	}
	return 0;
}

/* Takes paper.ai_keywords, an optional array of strings; 0 or -1. */
static int hf_keywords(json_t *pp, struct paper *p, struct buf *field, struct buf *why)
{
	json_t *kw = json_object_get(pp, "ai_keywords");
	if (!kw || json_is_null(kw))
		return 0;
	if (!json_is_array(kw)) {
		buf_setf(field, "paper.ai_keywords");
		buf_setf(why, "expected an array of strings");
		return -1;
	}
	for (size_t i = 0; i < json_array_size(kw); i++) {
		json_t *k = json_array_get(kw, i);
		if (!json_is_string(k)) {
			buf_setf(field, "paper.ai_keywords[%zu]", i);
			buf_setf(why, "expected a string");
			return -1;
		}
		strlist_push_text(&p->ai_keywords, json_string_value(k), json_string_length(k));
	}
	return 0;
}

/* Keeps a named organization (of the paper or the item) as compact JSON of its four strings. */
static void hf_organization(json_t *item, json_t *pp, struct paper *p)
{
	json_t *org = json_object_get(pp, "organization");
	if (!json_is_object(org))
		org = json_object_get(item, "organization");
	if (!json_is_object(org) || !json_is_string(json_object_get(org, "name")))
		return;
	json_t *keep = json_object();
	static const char *const keys[] = { "_id", "name", "fullname", "avatar" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(org, keys[i]);
		if (json_is_string(v)) {
			char *t = text_collapse_dup(json_string_value(v), json_string_length(v));
			if (t)
				json_object_set_new(keep, keys[i], json_string(t));
			free(t);
		}
	}
	p->organization = json_dumps(keep, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(keep);
}

/* Takes the media: mediaUrls of the paper or the item (16 at most), else a lone mediaUrl. */
static void hf_media(json_t *item, json_t *pp, struct paper *p)
{
	json_t *media = json_object_get(pp, "mediaUrls");
	if (!json_is_array(media))
		media = json_object_get(item, "mediaUrls");
	for (size_t i = 0; json_is_array(media) && i < json_array_size(media) && i < 16; i++) {
		json_t *m = json_array_get(media, i);
		if (json_is_string(m) && url_is_web(json_string_value(m)))
			strlist_push(&p->media_urls, json_string_value(m), json_string_length(m));
	}
	json_t *one = json_object_get(item, "mediaUrl");
	if (!p->media_urls.n && json_is_string(one) && url_is_web(json_string_value(one)))
		strlist_push(&p->media_urls, json_string_value(one), json_string_length(one));
}

/* Takes the submitter: paper.submittedOnDailyBy, else the item's submittedBy; 0 or -1. */
static int hf_submitter(json_t *item, json_t *pp, struct paper *p, struct buf *field, struct buf *why)
{
	json_t *by = json_object_get(pp, "submittedOnDailyBy");
	const char *ukey = "user";
	if (!json_is_object(by)) {
		by = json_object_get(item, "submittedBy");
		ukey = "name";
	}
	if (json_is_object(by)) {
		if (opt_str(by, ukey, &p->submitter, field, "submittedBy.", why) ||
		    opt_str(by, "fullname", &p->submitter_name, field, "submittedBy.", why))
			return -1;
	}
	return 0;
}

/* Sets the featured day: submitted, else the document's, else the item's date; 0 or -1. */
static int hf_featured_day(json_t *item, const char *hf_day, struct paper *p, struct buf *field, struct buf *why)
{
	pb_time env = 0;
	if (opt_time(item, "publishedAt", &env, field, "", why))
		return -1;
	if (p->submitted_at)
		time_format_day(p->submitted_at, p->hf_day);
	else if (hf_day)
		snprintf(p->hf_day, sizeof(p->hf_day), "%s", hf_day);
	else if (env)
		time_format_day(env, p->hf_day);
	return 0;
}

int hf_item_to_paper(json_t *item, const char *hf_day, struct paper *p, struct buf *field, struct buf *why)
{
	json_t *pp = hf_paper_of(item, field, why);
	if (!pp || hf_id(pp, p, field, why) || hf_title_abstract(item, pp, p, field, why) ||
	    hf_authors(pp, p, field, why) || hf_dates_counts_links(item, pp, p, field, why) ||
	    hf_keywords(pp, p, field, why))
		return -1;
	hf_organization(item, pp, p);
	hf_media(item, pp, p);
	p->author_participating = json_is_true(json_object_get(item, "isAuthorParticipating"));
	json_t *thumb = json_object_get(item, "thumbnail");
	if (json_is_string(thumb) && url_is_web(json_string_value(thumb)))
		p->thumbnail = xstrdup(json_string_value(thumb));
	if (hf_submitter(item, pp, p, field, why) || hf_featured_day(item, hf_day, p, field, why))
		return -1;
	p->sources = SRC_HF;
	paper_finish(p);
	return 0;
}

/* Converts and delivers one element; returns 0 or -2 when the sink stops.
 * An element that is a string holding a Python repr() of an item (some
 * dumps were written so) is read with the strict literal reader. */
static int deliver_hf(struct sink *k, json_t *item, uint64_t recno)
{
	struct paper p;
	paper_init(&p);
	struct buf field = BUF_INIT, why = BUF_INIT;
	int rc = 0;
	json_t *lit = NULL;
	if (json_is_string(item)) {
		const char *s = json_string_value(item);
		size_t n = json_string_length(item);
		while (n && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
			s++, n--;
		if (n && *s == '{') {
			struct buf pwhy = BUF_INIT;
			if (!(lit = pylit_parse(s, n, &pwhy))) {
				buf_setf(&why, "a string that is not a Python repr() of an item either (%s)", pwhy.s);
				k->reject(k, recno, NULL, why.s);
				buf_release(&pwhy);
				buf_release(&why);
				buf_release(&field);
				return 0;
			}
			buf_release(&pwhy);
			item = lit;
		}
	}
	if (hf_item_to_paper(item, k->hf_day, &p, &field, &why)) {
		k->reject(k, recno, field.s, why.s);
		paper_release(&p);
	} else if (k->record(k, &p)) {
		rc = -2;
	}
	json_decref(lit);
	buf_release(&field);
	buf_release(&why);
	return rc;
}

static int deliver_hf_text(struct sink *k, const char *s, size_t n, uint64_t recno)
{
	json_error_t je;
	json_t *item = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!item) {
		char why[256];
		snprintf(why, sizeof(why), "invalid JSON: %s", je.text);
		k->reject(k, recno, NULL, why);
		return 0;
	}
	int rc = deliver_hf(k, item, recno);
	json_decref(item);
	return rc;
}

/* A whole-document object: {"status","data":[...]} or a single item. */
static int hf_object(struct source *src, struct sink *k, struct buf *err)
{
	struct buf doc = BUF_INIT;
	doc.max = 256u << 20;
	char tmp[65536];
	size_t n;
	while ((n = source_read(src, tmp, sizeof(tmp))) > 0)
		buf_add(&doc, tmp, n);
	if (doc.overflow) {
		buf_setf(err, "JSON object larger than 256 MiB");
		buf_release(&doc);
		return -1;
	}
	json_error_t je;
	json_t *o = json_loadb(doc.s, doc.len, 0, &je);
	buf_release(&doc);
	if (!o) {
		buf_setf(err, "line %d: invalid JSON: %s", je.line, je.text);
		return -1;
	}
	int rc = 0;
	json_t *data = json_object_get(o, "data");
	if (json_is_array(data)) {
		for (size_t i = 0; i < json_array_size(data) && !rc; i++)
			rc = deliver_hf(k, json_array_get(data, i), i + 1);
	} else if (json_object_get(o, "paper")) {
		rc = deliver_hf(k, o, 1);
	} else {
		buf_setf(err, "a JSON object with neither \"data\" nor \"paper\": not a daily-papers document");
		rc = -1;
	}
	json_decref(o);
	return rc;
}

/* The index of the first byte in the peek window past blanks and a BOM (peek_len if none). */
static size_t hf_first_byte(const struct source *src)
{
	size_t i = src->peek_pos;
	while (i < src->peek_len && strchr(" \t\r\n", src->peek[i]))
		i++;
	if (i + 3 <= src->peek_len && !memcmp(src->peek + i, "\xEF\xBB\xBF", 3))
		i += 3;
	while (i < src->peek_len && strchr(" \t\r\n", src->peek[i]))
		i++;
	return i;
}

/* Where the scanner of a daily-papers array is: before, inside or after it. */
enum hf_where { HF_BEFORE, HF_IN_ARRAY, HF_AFTER };

/* The state of the scanner that splits the array into elements. */
struct hf_scan {
	enum hf_where where;
	int depth; /* nesting inside the current element */
	bool in_str, esc, in_elem, scalar, need_comma;
	struct buf elem;
	uint64_t recno, line;
	size_t start; /* start of the element bytes within the chunk */
};

/* Scans a byte before or after the array, where only blanks (and before it a BOM) may be; 0 or -1. */
static int hf_scan_outside(struct hf_scan *sc, char c, struct buf *err)
{
	if (sc->where == HF_BEFORE) {
		if (c == '[')
			sc->where = HF_IN_ARRAY;
		else if (!strchr(" \t\r\n\xEF\xBB\xBF", c)) {
			buf_setf(err, "line %llu: expected '['", (unsigned long long)sc->line);
			return -1;
		}
		return 0;
	}
	if (!strchr(" \t\r\n", c)) {
		buf_setf(err, "line %llu: unexpected content after the array", (unsigned long long)sc->line);
		return -1;
	}
	return 0;
}

/* Scans a byte between elements: a blank, a comma, the ']' or the next element's first (at j); 0 or -1. */
static int hf_scan_between(struct hf_scan *sc, char c, size_t j, struct buf *err)
{
	if (strchr(" \t\r\n", c))
		return 0;
	if (c == ',' && sc->need_comma) {
		sc->need_comma = false;
		return 0;
	}
	if (c == ']') {
		sc->where = HF_AFTER;
		return 0;
	}
	if (sc->need_comma) {
		buf_setf(err, "line %llu: expected ',' or ']' after record %llu", (unsigned long long)sc->line,
			 (unsigned long long)sc->recno);
		return -1;
	}
	sc->in_elem = true;
	sc->recno++;
	sc->start = j;
	buf_reset(&sc->elem);
	sc->depth = 0;
	sc->scalar = c != '{' && c != '[' && c != '"';
	if (c == '"')
		sc->in_str = true;
	else if (!sc->scalar)
		sc->depth = 1;
	return 0;
}

/* Delivers a scalar ended by chunk[*j], stepping *j back to scan it again; 0 or -2 (sink stop). */
static int hf_scalar_end(struct hf_scan *sc, struct sink *k, const char *chunk, size_t *j)
{
	buf_add(&sc->elem, chunk + sc->start, *j - sc->start);
	sc->start = *j;
	sc->in_elem = false;
	int rc = deliver_hf_text(k, sc->elem.s, sc->elem.len, sc->recno);
	sc->need_comma = true;
	if (chunk[*j] == '\n')
		sc->line--; /* counted again when seen again */
	(*j)--;
	return rc;
}

/* Scans the byte chunk[*j] inside an element and delivers the element when it ends; 0 or -2. */
static int hf_scan_elem(struct hf_scan *sc, struct sink *k, const char *chunk, size_t *j)
{
	char c = chunk[*j];
	bool done = false;
	if (sc->in_str) {
		if (sc->esc)
			sc->esc = false;
		else if (c == '\\')
			sc->esc = true;
		else if (c == '"') {
			sc->in_str = false;
			if (sc->depth == 0)
				done = true;
		}
	} else if (sc->scalar) {
		if (c == ',' || c == ']' || strchr(" \t\r\n", c))
			return hf_scalar_end(sc, k, chunk, j);
	} else if (c == '"') {
		sc->in_str = true;
	} else if (c == '{' || c == '[') {
		sc->depth++;
	} else if (c == '}' || c == ']') {
		if (--sc->depth == 0)
			done = true;
	}
	if (!done)
		return 0;
	buf_add(&sc->elem, chunk + sc->start, *j + 1 - sc->start);
	sc->in_elem = false;
	sc->need_comma = true;
	if (sc->elem.overflow) {
		k->reject(k, sc->recno, NULL, "record larger than 16 MiB");
		return 0;
	}
	return deliver_hf_text(k, sc->elem.s, sc->elem.len, sc->recno);
}

int parse_hf(struct source *src, struct sink *k, struct buf *err)
{
	size_t i = hf_first_byte(src);
	if (i < src->peek_len && src->peek[i] == '{')
		return hf_object(src, k, err);
	if (i >= src->peek_len || src->peek[i] != '[') {
		buf_setf(err, "expected a JSON array of daily-papers items");
		return -1;
	}

	struct hf_scan sc = { .where = HF_BEFORE, .line = 1 };
	buf_init_max(&sc.elem, MAX_RECORD_BYTES);
	char chunk[65536];
	size_t n;
	int rc = 0;
	while (!rc && (n = source_read(src, chunk, sizeof(chunk))) > 0) {
		sc.start = 0;
		for (size_t j = 0; j < n && !rc; j++) {
			if (chunk[j] == '\n')
				sc.line++;
			if (sc.where != HF_IN_ARRAY)
				rc = hf_scan_outside(&sc, chunk[j], err);
			else if (!sc.in_elem)
				rc = hf_scan_between(&sc, chunk[j], j, err);
			else
				rc = hf_scan_elem(&sc, k, chunk, &j);
		}
		if (!rc && sc.in_elem)
			buf_add(&sc.elem, chunk + sc.start, n - sc.start);
	}
	buf_release(&sc.elem);
	if (!rc && sc.where != HF_AFTER) {
		buf_setf(err, "unexpected end of input inside the array (after record %llu)",
			 (unsigned long long)sc.recno);
		rc = -1;
	}
	return rc;
}

/* ---- the arXiv snapshot (Kaggle JSON lines) ----------------------------- */

/*
 * Snapshot lines are parsed with yajl's event interface straight into the
 * paper: no document tree, no per-value allocation. (jansson builds a tree
 * and parses about 100 MB/s here; yajl events run at about 800 MB/s.)
 */
enum snap_key {
	K_OTHER, K_ID, K_TITLE, K_ABSTRACT, K_AUTHORS, K_COMMENTS, K_JREF, K_DOI, K_LICENSE,
	K_CATEGORIES, K_UPDATE_DATE, K_VERSIONS, K_AUTHORS_PARSED
};

struct snap {
	struct paper *p;
	int depth;           /* 1 inside the record object */
	enum snap_key key;   /* current key at depth 1 */
	char sub_key[16];    /* current key inside a version object */
	size_t index;        /* position inside the array being read */
	int part;            /* position inside one authors_parsed entry */
	struct buf last, first, suffix, authors_str;
	char id_raw[64];
	bool bad;
	struct buf *field, *why;
	bool has_parsed;
};

static int snap_fail(struct snap *s, const char *why, const char *field_fmt, size_t idx)
{
	if (!s->bad) {
		s->bad = true;
		buf_setf(s->field, field_fmt, idx);
		buf_setf(s->why, "%s", why);
	}
	return 0; /* stop parsing */
}

static const char *snap_key_name(enum snap_key k)
{
	static const char *names[] = { "", "id", "title", "abstract", "authors", "comments", "journal-ref", "doi",
				       "license", "categories", "update_date", "versions", "authors_parsed" };
	return names[k];
}

static int snap_string(void *ctx, const unsigned char *v, size_t n)
{
	struct snap *s = ctx;
	struct paper *p = s->p;
	const char *str = (const char *)v;
	if (s->depth == 1) {
		switch (s->key) {
		case K_ID:
			if (n >= sizeof(s->id_raw) || (memcpy(s->id_raw, str, n), s->id_raw[n] = '\0',
						       arxiv_id_parse(s->id_raw, p->id, &p->version)))
				return snap_fail(s, "not an arXiv identifier", "id", 0);
			break;
		case K_TITLE: free(p->title); p->title = text_collapse_dup(str, n); break;
		case K_ABSTRACT: free(p->abstract); p->abstract = text_collapse_dup(str, n); break;
		case K_COMMENTS: free(p->comments); p->comments = text_collapse_dup(str, n); break;
		case K_JREF: free(p->journal_ref); p->journal_ref = text_collapse_dup(str, n); break;
		case K_DOI: free(p->doi); p->doi = text_collapse_dup(str, n); break;
		case K_LICENSE: free(p->license); p->license = text_collapse_dup(str, n); break;
		case K_AUTHORS: buf_reset(&s->authors_str); buf_add(&s->authors_str, str, n); break;
		case K_CATEGORIES:
			strlist_release(&p->categories);
			strlist_split(&p->categories, str, n, ' ');
			break;
		case K_UPDATE_DATE: {
			char tmp[40];
			pb_time t;
			if (n < sizeof(tmp)) {
				memcpy(tmp, str, n);
				tmp[n] = '\0';
				if (!time_parse(tmp, &t) && !p->updated)
					p->updated = t;
			}
			break;
		}
		case K_VERSIONS:
		case K_AUTHORS_PARSED:
			return snap_fail(s, "expected an array", snap_key_name(s->key), 0);
		default: break;
		}
		return 1;
	}
	if (s->key == K_VERSIONS && s->depth == 3) {
		if (!strcmp(s->sub_key, "version")) {
			long num;
			char tmp[16];
			if (n > 1 && n < sizeof(tmp) && (str[0] == 'v' || str[0] == 'V')) {
				memcpy(tmp, str + 1, n - 1);
				tmp[n - 1] = '\0';
				if (!parse_int(tmp, 1, 9999, &num) && num > p->version)
					p->version = (int)num;
			}
		} else if (!strcmp(s->sub_key, "created")) {
			char tmp[64];
			pb_time t;
			if (n >= sizeof(tmp) || (memcpy(tmp, str, n), tmp[n] = '\0', time_parse(tmp, &t)))
				return snap_fail(s, "expected a date such as \"Mon, 2 Apr 2007 19:18:42 GMT\": " TIME_SANE_WHY,
						 "versions[%zu].created", s->index);
			if (!p->published || t < p->published)
				p->published = t;
			if (t > p->updated)
				p->updated = t;
		}
		return 1;
	}
	if (s->key == K_AUTHORS_PARSED && s->depth == 3) {
		struct buf *dst = s->part == 0 ? &s->last : s->part == 1 ? &s->first : s->part == 2 ? &s->suffix : NULL;
		if (dst)
			buf_add(dst, str, n);
		s->part++;
		return 1;
	}
	return 1;
}

static int snap_null(void *ctx)
{
	struct snap *s = ctx;
	if (s->key == K_AUTHORS_PARSED && s->depth == 3)
		s->part++;
	return 1;
}

static int snap_scalar_other(struct snap *s)
{
	if (s->depth == 1 && s->key != K_OTHER)
		return snap_fail(s, s->key == K_VERSIONS || s->key == K_AUTHORS_PARSED ? "expected an array"
											: "expected a string",
				 snap_key_name(s->key), 0);
	if (s->key == K_AUTHORS_PARSED && s->depth == 3)
		s->part++;
	return 1;
}

static int snap_bool(void *ctx, int b)
{
	(void)b;
	return snap_scalar_other(ctx);
}

static int snap_number(void *ctx, const char *v, size_t n)
{
	(void)v;
	(void)n;
	return snap_scalar_other(ctx);
}

static int snap_map_key(void *ctx, const unsigned char *k, size_t n)
{
	struct snap *s = ctx;
	if (s->depth == 1) {
		static const struct { const char *name; enum snap_key key; } keys[] = {
			{ "id", K_ID }, { "title", K_TITLE }, { "abstract", K_ABSTRACT }, { "authors", K_AUTHORS },
			{ "comments", K_COMMENTS }, { "journal-ref", K_JREF }, { "doi", K_DOI },
			{ "license", K_LICENSE }, { "categories", K_CATEGORIES }, { "update_date", K_UPDATE_DATE },
			{ "versions", K_VERSIONS }, { "authors_parsed", K_AUTHORS_PARSED },
		};
		s->key = K_OTHER;
		for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
			if (strlen(keys[i].name) == n && !memcmp(keys[i].name, k, n)) {
				s->key = keys[i].key;
				break;
			}
	} else if (s->depth == 3 && s->key == K_VERSIONS) {
		size_t l = n < sizeof(s->sub_key) - 1 ? n : sizeof(s->sub_key) - 1;
		memcpy(s->sub_key, k, l);
		s->sub_key[l] = '\0';
	}
	return 1;
}

static int snap_start_map(void *ctx)
{
	struct snap *s = ctx;
	s->depth++;
	if (s->depth == 2 && s->key != K_OTHER)
		return snap_fail(s, s->key == K_VERSIONS || s->key == K_AUTHORS_PARSED ? "expected an array"
											: "expected a string",
				 snap_key_name(s->key), 0);
	if (s->depth == 3 && s->key == K_AUTHORS_PARSED)
		return snap_fail(s, "expected an array [last, first, suffix]", "authors_parsed[%zu]", s->index);
	if (s->depth == 3 && s->key == K_VERSIONS)
		s->sub_key[0] = '\0';
	return 1;
}

static int snap_end_container(void *ctx)
{
	struct snap *s = ctx;
	if (s->depth == 3 && s->key == K_AUTHORS_PARSED) {
		struct buf name = BUF_INIT;
		if (s->first.len)
			buf_addf(&name, "%s ", s->first.s);
		buf_add(&name, s->last.s, s->last.len);
		if (s->suffix.len)
			buf_addf(&name, " %s", s->suffix.s);
		strlist_push_text(&s->p->authors, name.s, name.len);
		buf_release(&name);
		s->has_parsed = true;
	}
	if (s->depth == 3)
		s->index++;
	s->depth--;
	if (s->depth == 1)
		s->key = K_OTHER;
	return 1;
}

static int snap_start_array(void *ctx)
{
	struct snap *s = ctx;
	s->depth++;
	if (s->depth == 2) {
		if (s->key != K_VERSIONS && s->key != K_AUTHORS_PARSED && s->key != K_OTHER)
			return snap_fail(s, "expected a string", snap_key_name(s->key), 0);
		s->index = 0;
	}
	if (s->depth == 3 && s->key == K_AUTHORS_PARSED) {
		buf_reset(&s->last);
		buf_reset(&s->first);
		buf_reset(&s->suffix);
		s->part = 0;
	}
	if (s->depth == 3 && s->key == K_VERSIONS)
		return snap_fail(s, "expected an object {version, created}", "versions[%zu]", s->index);
	return 1;
}

static const yajl_callbacks snap_callbacks = {
	.yajl_null = snap_null,
	.yajl_boolean = snap_bool,
	.yajl_number = snap_number,
	.yajl_string = snap_string,
	.yajl_start_map = snap_start_map,
	.yajl_map_key = snap_map_key,
	.yajl_end_map = snap_end_container,
	.yajl_start_array = snap_start_array,
	.yajl_end_array = snap_end_container,
};

int snapshot_line_to_paper(const char *line, size_t len, struct paper *p, struct buf *field, struct buf *why)
{
	struct snap s = { .p = p, .field = field, .why = why };
	buf_init(&s.last);
	buf_init(&s.first);
	buf_init(&s.suffix);
	buf_init(&s.authors_str);
	buf_reset(field);
	buf_reset(why);
	yajl_handle h = yajl_alloc(&snap_callbacks, NULL, &s);
	yajl_status st = yajl_parse(h, (const unsigned char *)line, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	int rc = 0;
	if (s.bad) {
		rc = -1;
	} else if (st != yajl_status_ok) {
		unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)line, len);
		buf_setf(why, "invalid JSON: %s", (const char *)msg);
		while (why->len && (why->s[why->len - 1] == '\n' || why->s[why->len - 1] == ' '))
			buf_truncate(why, why->len - 1);
		yajl_free_error(h, msg);
		rc = -1;
	} else if (!p->id[0]) {
		buf_setf(field, "id");
		buf_setf(why, "missing");
		rc = -1;
	} else if (!p->title) {
		buf_setf(field, "title");
		buf_setf(why, "missing or empty");
		rc = -1;
	}
	if (!rc && !s.has_parsed)
		authors_split(&p->authors, s.authors_str.s);
	if (!rc) {
		p->sources = SRC_ARXIV_SNAP;
		paper_finish(p);
	}
	yajl_free(h);
	buf_release(&s.last);
	buf_release(&s.first);
	buf_release(&s.suffix);
	buf_release(&s.authors_str);
	return rc;
}

int parse_jsonl(struct source *src, struct sink *k, struct buf *err)
{
	(void)err;
	struct buf line = BUF_INIT;
	line.max = MAX_RECORD_BYTES;
	char chunk[65536];
	size_t n;
	uint64_t recno = 0;
	int rc = 0;
	struct buf field = BUF_INIT, why = BUF_INIT;
	bool eof = false;
	struct paper p;
	paper_init(&p);
	while (!rc && !eof) {
		n = source_read(src, chunk, sizeof(chunk));
		eof = n == 0;
		size_t start = 0;
		for (size_t j = start; j <= n && !rc; j++) {
			if (j < n) {
				const char *nl = memchr(chunk + j, '\n', n - j);
				if (!nl) {
					buf_add(&line, chunk + start, n - start);
					break;
				}
				j = (size_t)(nl - chunk);
			} else if (!eof) {
				break;
			}
			buf_add(&line, chunk + start, j - start);
			start = j + 1;
			if (eof && !line.len)
				break;
			recno++;
			char *s = line.s;
			size_t len = line.len;
			while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
				len--;
			if (line.overflow) {
				k->reject(k, recno, NULL, "line longer than 16 MiB");
			} else if (len) {
				if (snapshot_line_to_paper(s, len, &p, &field, &why)) {
					k->reject(k, recno, field.s, why.s);
					paper_release(&p);
				} else if (k->record(k, &p)) {
					rc = -2;
				}
			}
			buf_reset(&line);
		}
	}
	paper_release(&p);
	buf_release(&line);
	buf_release(&field);
	buf_release(&why);
	return rc;
}
