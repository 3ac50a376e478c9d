/*
 * hub.c - the Hugging Face Hub's models, datasets and Spaces that cite a
 * paper (fetch.h): the Hub's listings filtered by arxiv:ID, each repo's
 * known fields checked and kept, one document a paper into the store.
 * Only the CLI's fetch and serve's sync thread come here: no request of
 * a reader ever waits on the Hub.
 */
#include "fetch_int.h"
#include <jansson.h>
#include <math.h>

enum hub_kind { HUB_MODELS, HUB_DATASETS, HUB_SPACES, HUB_NKINDS };
static const char *const kind_path[HUB_NKINDS] = { "models", "datasets", "spaces" };
static const char *const kind_list[HUB_NKINDS] = { "linkedModels", "linkedDatasets", "linkedSpaces" };
static const char *const kind_total[HUB_NKINDS] = { "numTotalModels", "numTotalDatasets", "numTotalSpaces" };

/* ---- what a repo keeps ----------------------------------------------------------- */

enum ftype { T_STR, T_BOOL, T_COUNT, T_NUM, T_TAGS, T_TIME, T_GATED };
#define K_M (1u << HUB_MODELS)
#define K_D (1u << HUB_DATASETS)
#define K_S (1u << HUB_SPACES)
#define K_ALL (K_M | K_D | K_S)
/* The Hub's fields huggingface_hub's ModelInfo, DatasetInfo and SpaceInfo
 * read, by kind; "id" is checked apart (a repo without one is left out). */
static const struct {
	const char *name;
	enum ftype type;
	unsigned kinds;
} fields[] = {
	{ "_id", T_STR, K_ALL },          { "modelId", T_STR, K_M },        { "author", T_STR, K_ALL },
	{ "sha", T_STR, K_ALL },          { "createdAt", T_TIME, K_ALL },   { "lastModified", T_TIME, K_ALL },
	{ "private", T_BOOL, K_ALL },     { "disabled", T_BOOL, K_ALL },    { "gated", T_GATED, K_ALL },
	{ "downloads", T_COUNT, K_M | K_D }, { "likes", T_COUNT, K_ALL },   { "library_name", T_STR, K_M },
	{ "pipeline_tag", T_STR, K_M },   { "sdk", T_STR, K_S },            { "tags", T_TAGS, K_ALL },
	{ "trendingScore", T_NUM, K_ALL },
};
#define STR_MAX 256 /* longer strings are dropped, not cut */
#define TAGS_MAX 64

/* A Hub repo id: "name" or "owner/name", each part 1 to 96 of letters,
 * digits, '-', '_', '.', not starting with '.' or '-', no "..". */
static bool repo_id_ok(const char *s)
{
	int parts = 0;
	while (*s) {
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
		if (n == 0 || n > 96 || *s == '.' || *s == '-' || ++parts > 2)
			return false;
		for (size_t i = 0; i + 1 < n; i++)
			if (s[i] == '.' && s[i + 1] == '.')
				return false;
		s += n;
		if (*s == '/' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return parts > 0;
}

static json_t *keep_string(json_t *v)
{
	return json_is_string(v) && json_string_length(v) <= STR_MAX ? json_incref(v) : NULL;
}

/* The value kept for a field of type t, a new reference, or NULL to drop it. */
static json_t *keep_value(enum ftype t, json_t *v)
{
	pb_time when;
	char iso[32];
	switch (t) {
	case T_STR:
		return keep_string(v);
	case T_BOOL:
		return json_is_boolean(v) ? json_incref(v) : NULL;
	case T_COUNT:
		return json_is_integer(v) && json_integer_value(v) >= 0 ? json_incref(v) : NULL;
	case T_NUM:
		return json_is_integer(v) || (json_is_real(v) && isfinite(json_real_value(v))) ? json_incref(v) : NULL;
	case T_GATED:
		if (json_is_false(v))
			return json_incref(v);
		if (json_is_string(v) && (!strcmp(json_string_value(v), "auto") || !strcmp(json_string_value(v), "manual")))
			return json_incref(v);
		return NULL;
	case T_TIME:
		if (!json_is_string(v) || time_parse(json_string_value(v), &when) || !time_sane(when))
			return NULL;
		time_format_iso(when, iso);
		return json_string(iso);
	case T_TAGS: {
		if (!json_is_array(v))
			return NULL;
		json_t *tags = json_array(), *tag;
		size_t i;
		json_array_foreach(v, i, tag) {
			if (json_array_size(tags) >= TAGS_MAX)
				break;
			json_t *t2 = keep_string(tag);
			if (t2)
				json_array_append_new(tags, t2);
		}
		return tags;
	}
	}
	return NULL;
}

/* The repo as kept (a new object), or NULL when it has no repo id. */
static json_t *repo_keep(enum hub_kind k, json_t *in)
{
	json_t *id = json_object_get(in, "id");
	if (!json_is_string(id) || !repo_id_ok(json_string_value(id)))
		return NULL;
	json_t *out = json_object();
	json_object_set(out, "id", id);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *v = json_object_get(in, fields[i].name);
		json_t *kept = v && (fields[i].kinds & (1u << k)) ? keep_value(fields[i].type, v) : NULL;
		if (kept)
			json_object_set_new(out, fields[i].name, kept);
	}
	return out;
}

/* ---- asking the Hub ----------------------------------------------------------------- */

enum ask { ASK_OK = 0, ASK_FAILED = -1, ASK_STOP = -2 };

/* What a failed request means for the run: the Hub busy, refusing or
 * without this API stops it; anything else fails the paper alone. */
static enum ask failed_request(const struct http *h)
{
	if (h->guard.refused[0] || (h->status >= 400 && h->status < 500))
		return ASK_STOP;
	return ASK_FAILED;
}

/* The answer as a JSON array (a new reference), or NULL with why set. */
static json_t *answer_array(const struct http *h, const char *url, struct buf *why)
{
	json_error_t je;
	json_t *a = json_loadb(h->body.s, h->body.len, 0, &je);
	if (!json_is_array(a)) {
		buf_setf(why, "%s: not a JSON array (%s)", url, a ? "another value" : je.text);
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Counts the pages after the first (the Hub's rel="next" links, on the
 * Hub only) while the count is below FETCH_LINKS_COUNT_MAX. */
static enum ask count_rest(struct http *h, const char *hub, size_t *total, bool *capped, struct buf *why)
{
	struct buf next = BUF_INIT;
	enum ask rc = ASK_OK;
	size_t hn = strlen(hub);
	while (h->next.len && *total < FETCH_LINKS_COUNT_MAX) {
		if (strncmp(h->next.s, hub, hn) || h->next.s[hn] != '/')
			break; /* elsewhere: counted as far as the Hub's own pages went */
		buf_reset(&next);
		buf_add(&next, h->next.s, h->next.len);
		if (fetch_http_get(h, next.s, why)) {
			rc = failed_request(h);
			break;
		}
		json_t *page = answer_array(h, next.s, why);
		if (!page) {
			rc = ASK_FAILED;
			break;
		}
		*total += json_array_size(page);
		json_decref(page);
	}
	*capped = rc == ASK_OK && h->next.len > 0;
	if (*total > FETCH_LINKS_COUNT_MAX)
		*total = FETCH_LINKS_COUNT_MAX;
	buf_release(&next);
	return rc;
}

/* One kind's listing for paper id into doc: the first page kept, the rest
 * counted. */
static enum ask ask_kind(struct http *h, const char *hub, enum hub_kind k, const char *id, json_t *doc,
			 json_t *capped, struct buf *why)
{
	struct buf url = BUF_INIT, filter = BUF_INIT;
	buf_addf(&url, "%s/api/%s", hub, kind_path[k]);
	buf_addf(&filter, "arxiv:%s", id);
	fetch_add_param(h, &url, "filter", filter.s);
	fetch_add_param(h, &url, "sort", "likes");
	fetch_add_param(h, &url, "direction", "-1");
	fetch_add_param(h, &url, "limit", "100");
	enum ask rc = ASK_OK;
	json_t *page = NULL;
	if (fetch_http_get(h, url.s, why))
		rc = failed_request(h);
	else if (!(page = answer_array(h, url.s, why)))
		rc = ASK_FAILED;
	if (rc == ASK_OK) {
		json_t *list = json_array(), *item;
		size_t i;
		json_array_foreach(page, i, item) {
			json_t *kept = json_array_size(list) < FETCH_LINKS_KEEP ? repo_keep(k, item) : NULL;
			if (kept)
				json_array_append_new(list, kept);
		}
		size_t total = json_array_size(page);
		bool more = false, linked = h->next.len > 0;
		rc = count_rest(h, hub, &total, &more, why);
		if (!linked && total >= FETCH_LINKS_KEEP)
			more = true; /* a full page and no link to the next: at least that many */
		json_object_set_new(doc, kind_list[k], list);
		json_object_set_new(doc, kind_total[k], json_integer((json_int_t)total));
		if (more)
			json_array_append_new(capped, json_string(kind_path[k]));
	}
	json_decref(page);
	buf_release(&url);
	buf_release(&filter);
	return rc;
}

/* Everything the Hub says of paper id, as the stored document (*out,
 * malloc'd) when every kind was answered. */
static enum ask ask_paper(struct http *h, const char *hub, const char *id, char **out, struct buf *why)
{
	json_t *doc = json_object(), *capped = json_array();
	enum ask rc = ASK_OK;
	for (int k = 0; k < HUB_NKINDS && rc == ASK_OK; k++)
		rc = ask_kind(h, hub, (enum hub_kind)k, id, doc, capped, why);
	if (json_array_size(capped))
		json_object_set(doc, "capped", capped);
	*out = rc == ASK_OK ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(capped);
	json_decref(doc);
	return rc;
}

/* ---- a run ------------------------------------------------------------------------- */

void fetch_links_result_release(struct fetch_links_result *r)
{
	strlist_release(&r->failures);
}

void fetch_hub_base(const struct fetch_opts *o, struct buf *out)
{
	static const char tail[] = "/api/daily_papers";
	const char *e = o->endpoint;
	buf_reset(out);
	if (o->hub && *o->hub) {
		buf_adds(out, o->hub);
	} else if (!e || !*e) {
		buf_adds(out, FETCH_HUB);
	} else {
		size_t n = strlen(e), tn = sizeof(tail) - 1;
		if (n >= tn && !strcmp(e + n - tn, tail)) {
			buf_add(out, e, n - tn);
		} else {
			const char *h = strstr(e, "://");
			const char *end = h ? h + 3 + strcspn(h + 3, "/?#") : e + n;
			buf_add(out, e, (size_t)(end - e));
		}
	}
	while (out->len && out->s[out->len - 1] == '/')
		out->s[--out->len] = '\0';
}

static int due_cb(const char *id, void *ctx)
{
	strlist_push(ctx, id, strlen(id));
	return 0;
}

/* Asks about each paper of ids, stores the answers; -1 when the store failed. */
static int ask_all(struct store *s, struct http *h, const char *hub, const struct strlist *ids,
		   const struct fetch_opts *o, struct fetch_links_result *r, struct buf *err)
{
	struct progress pr;
	progress_init(&pr, "linked repos", 0);
	pr.on = pr.on && o->progress;
	struct buf why = BUF_INIT, line = BUF_INIT;
	int row = 0, ret = 0;
	for (size_t i = 0; i < ids->n; i++) {
		if (o->stop && o->stop(o->stop_ctx)) {
			r->stopped = true;
			break;
		}
		char *doc = NULL;
		buf_reset(&why);
		enum ask rc = ask_paper(h, hub, ids->v[i], &doc, &why);
		if (rc == ASK_OK) {
			row = 0;
			int put = store_links_put(s, ids->v[i], doc, time_now_ms(), err);
			free(doc);
			if (put) {
				ret = -1;
				break;
			}
			r->stored++;
		} else {
			r->failed++;
			buf_setf(&line, "%s: %s", ids->v[i], why.s);
			strlist_push(&r->failures, line.s, line.len);
			if (rc == ASK_STOP || ++row >= FETCH_LINKS_STOP_AFTER) {
				r->stopped = true;
				buf_setf(&line, "%s: the other %zu papers are left for the next run",
					 rc == ASK_STOP ? "the Hub refused or has no such API"
							: "the Hub failed for several papers in a row",
					 ids->n - i - 1);
				strlist_push(&r->failures, line.s, line.len);
				break;
			}
		}
		progress_count(&pr, i + 1, ids->n, "papers");
	}
	progress_done(&pr);
	buf_release(&why);
	buf_release(&line);
	return ret;
}

int fetch_links(struct store *s, const struct fetch_opts *o, const char *day_from, const char *day_to, size_t limit,
		struct fetch_links_result *r, struct buf *err)
{
	memset(r, 0, sizeof(*r));
	struct strlist ids = STRLIST_INIT;
	if (store_links_due(s, day_from, day_to, time_now_ms() - FETCH_LINKS_STALE_MS, limit, due_cb, &ids, err)) {
		strlist_release(&ids);
		return -1;
	}
	r->due = ids.n;
	int ret = 0;
	if (ids.n) {
		struct fetch_opts ho = *o;
		ho.delay = o->hub_delay;
		ho.max_retries = 0; /* the next run is the retry */
		if (ho.timeout > 60)
			ho.timeout = 60;
		struct buf hub = BUF_INIT;
		fetch_hub_base(o, &hub);
		struct http h;
		if (fetch_http_init(&h, &ho, hub.s, err)) {
			ret = -1;
		} else {
			h.body.max = 32u << 20;
			ret = ask_all(s, &h, hub.s, &ids, o, r, err);
		}
		fetch_http_release(&h);
		buf_release(&hub);
	}
	strlist_release(&ids);
	return ret < 0 ? -1 : r->stored == r->due ? 0 : 1;
}
