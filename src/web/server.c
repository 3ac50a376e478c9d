/*
 * server.c - the HTTP side of `paperboy serve`: libmicrohttpd's thread pool,
 * the route table, request bodies and limits, the response pipeline
 * (security headers, ETag/304, gzip), the access log and the shutdown.
 *
 * Each worker thread opens its own store connection on first use (SQLite
 * connections are not shared between threads); the search index is one
 * memory map shared by all, behind a mutex.
 */
#include "web_int.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAX_BODY (64 * 1024)
#define MAX_URL 2048

/* The route table: every URL paperboy answers, and what it requires. */
const struct route web_routes[] = {
	{ "GET", "/", h_home, R_CACHE },
	{ "GET", "/papers/date/*", h_day, R_CACHE },
	{ "GET", "/papers/week/*", h_week, R_CACHE },
	{ "GET", "/papers/month/*", h_month, R_CACHE },
	{ "GET", "/papers/trending", h_trending, R_CACHE },
	{ "GET", "/papers/*", h_paper, R_CACHE },
	{ "POST", "/papers/*/vote", h_vote, R_LOGIN | R_CSRF | R_VOTE },
	{ "POST", "/papers/*/fetch", h_fetch, R_LOGIN | R_CSRF },
	/* each reader's own (personal.c) */
	{ "GET", "/me/following", h_following, R_LOGIN },
	{ "GET", "/me/for-you", h_for_you, R_LOGIN },
	{ "POST", "/me/follow", h_follow_post, R_LOGIN | R_CSRF },
	{ "POST", "/me/mute", h_mute_post, R_LOGIN | R_CSRF },
	{ "POST", "/me/prefs", h_prefs_post, R_LOGIN | R_CSRF },
	{ "POST", "/me/read", h_read_post, R_LOGIN | R_CSRF },
	{ "POST", "/me/feed", h_feed_post, R_LOGIN | R_CSRF },
	{ "POST", "/me/save", h_save, R_LOGIN | R_CSRF },
	{ "POST", "/me/collections", h_collection_new, R_LOGIN | R_CSRF },
	{ "GET", "/me/export", h_export, R_LOGIN },
	{ "GET", "/me/delete", h_delete_page, R_LOGIN },
	{ "POST", "/me/delete", h_delete_post, R_LOGIN | R_CSRF },
	{ "GET", "/feeds/following/*", h_feed_following, R_SECRET },
	{ "GET", "/u/*/collections", h_collections, 0 },
	{ "GET", "/c/*", h_collection, 0 },
	{ "POST", "/c/*", h_collection_edit, R_LOGIN | R_CSRF },
	{ "GET", "/c/*/export", h_collection_export, 0 },
	{ "GET", "/api/me/follows", h_api_follows, R_API | R_LOGIN },
	{ "POST", "/api/me/follows", h_api_follows, R_API | R_LOGIN },
	{ "DELETE", "/api/me/follows", h_api_follows, R_API | R_LOGIN },
	{ "GET", "/api/me/mutes", h_api_mutes, R_API | R_LOGIN },
	{ "POST", "/api/me/mutes", h_api_mutes, R_API | R_LOGIN },
	{ "DELETE", "/api/me/mutes", h_api_mutes, R_API | R_LOGIN },
	{ "GET", "/api/me/following", h_api_following, R_API | R_LOGIN },
	{ "GET", "/api/me/recommendations", h_api_recs, R_API | R_LOGIN },
	{ "GET", "/api/me/collections", h_api_collections, R_API | R_LOGIN },
	{ "POST", "/api/me/collections", h_api_collections, R_API | R_LOGIN },
	{ "GET", "/api/me/export", h_export, R_API | R_LOGIN },
	{ "GET", "/api/me/prefs", h_api_prefs, R_API | R_LOGIN },
	{ "PUT", "/api/me/prefs", h_api_prefs, R_API | R_LOGIN },
	{ "POST", "/api/me/feed", h_api_feed, R_API | R_LOGIN },
	{ "DELETE", "/api/me/feed", h_api_feed, R_API | R_LOGIN },
	{ "GET", "/me/collections", h_my_collections, R_LOGIN },
	{ "DELETE", "/api/me", h_delete_post, R_API | R_LOGIN },
	{ "GET", "/api/collections/*", h_api_collection, R_API },
	{ "POST", "/api/collections/*/items", h_api_collection, R_API | R_LOGIN },
	{ "DELETE", "/api/collections/*/items", h_api_collection, R_API | R_LOGIN },
	{ "PATCH", "/api/collections/*", h_api_collection, R_API | R_LOGIN },
	{ "DELETE", "/api/collections/*", h_api_collection, R_API | R_LOGIN },
	{ "GET", "/api/collections/*/export", h_collection_export, R_API },
	{ "POST", "/papers/*/comments", h_comment_add, R_LOGIN | R_CSRF },
	{ "GET", "/papers/*/*", h_paper, R_CACHE | R_OLDID },
	{ "POST", "/papers/*/*/vote", h_vote, R_LOGIN | R_CSRF | R_OLDID | R_VOTE },
	{ "POST", "/papers/*/*/comments", h_comment_add, R_LOGIN | R_CSRF | R_OLDID },
	{ "POST", "/comments/*/edit", h_comment_edit, R_LOGIN | R_CSRF },
	{ "POST", "/comments/*/delete", h_comment_delete, R_LOGIN | R_CSRF },
	{ "GET", "/search", h_search, R_CACHE },
	{ "GET", "/submit", h_submit_form, R_LOGIN },
	{ "POST", "/submit", h_submit, R_LOGIN | R_CSRF },
	{ "GET", "/signup", h_signup_form, 0 },
	{ "POST", "/signup", h_signup, R_CSRF },
	{ "GET", "/signin", h_signin_form, 0 },
	{ "POST", "/signin", h_signin, R_CSRF },
	{ "POST", "/signout", h_signout, R_CSRF },
	{ "GET", "/account/verify", h_verify_form, 0 },
	{ "POST", "/account/verify", h_verify, R_CSRF },
	{ "POST", "/account/verify/send", h_verify_send, R_LOGIN | R_CSRF },
	{ "GET", "/u/*", h_profile, R_CACHE },
	{ "POST", "/settings/tokens", h_token_add, R_LOGIN | R_CSRF },
	{ "POST", "/settings/tokens/*/delete", h_token_del, R_LOGIN | R_CSRF },
	{ "POST", "/admin/papers/*", h_admin_paper, R_LOGIN | R_CSRF | R_ADMIN },
	{ "POST", "/admin/comments/*", h_admin_comment, R_LOGIN | R_CSRF | R_ADMIN },
	{ "POST", "/admin/users/*", h_admin_user, R_LOGIN | R_CSRF | R_ADMIN },
	{ "GET", "/admin/submissions", h_admin_submissions, R_LOGIN | R_ADMIN },
	{ "GET", "/admin/status", h_admin_status, R_LOGIN | R_ADMIN },
	{ "POST", "/admin/submissions/*", h_admin_submission, R_LOGIN | R_CSRF | R_ADMIN },
	{ "GET", "/api/daily_papers", h_api_daily, R_API | R_CACHE },
	{ "GET", "/api/papers/search", h_api_search, R_API | R_CACHE },
	{ "GET", "/api/papers/*", h_api_paper, R_API | R_CACHE },
	{ "GET", "/api/papers/*/*", h_api_paper, R_API | R_CACHE | R_OLDID },
	{ "POST", "/api/papers/*/upvote", h_api_vote, R_API | R_LOGIN },
	{ "DELETE", "/api/papers/*/upvote", h_api_unvote, R_API | R_LOGIN },
	{ "POST", "/api/papers/submit", h_api_submit, R_API | R_LOGIN },
	{ "POST", "/api/papers/*/comment", h_api_comment, R_API | R_LOGIN },
	{ "GET", "/feeds/daily.atom", h_feed_daily, R_CACHE },
	{ "GET", "/feeds/trending.atom", h_feed_trending, R_CACHE },
	{ "GET", "/feeds/search.atom", h_feed_search, R_CACHE },
	{ "GET", "/static/*", h_static, R_CACHE | R_LIGHT },
	{ "GET", "/thumbs/*", h_thumb, R_CACHE | R_LIGHT },
	{ "GET", "/subscribe", h_subscribe_form, 0 },
	{ "POST", "/subscribe", h_subscribe, R_CSRF },
	{ "GET", "/subscribe/confirm", h_confirm_form, 0 },
	{ "POST", "/subscribe/confirm", h_confirm, R_CSRF },
	{ "GET", "/subscription", h_manage, 0 },
	{ "POST", "/subscription", h_manage_update, R_CSRF },
	{ "GET", "/unsubscribe", h_unsubscribe_form, 0 },
	/* RFC 8058 one-click: a POST from the mail provider, without cookies;
	 * the signed token in the URL is the authority (the handler checks it) */
	{ "POST", "/unsubscribe", h_unsubscribe, 0 },
	{ "GET", "/favicon.ico", h_static, R_CACHE | R_LIGHT },
	{ "GET", "/healthz", h_health, R_LIGHT },
	{ "GET", "/metrics", h_metrics, R_LIGHT },
};
const size_t web_nroutes = ARRAY_SIZE(web_routes);

/* ---- the worker threads' own state --------------------------------------
 * Each worker thread of libmicrohttpd has, in the server's structure (a
 * thread-specific key of this server, not a global), its store connection
 * and its search cursor, made on its first request. */

static int fetch_text(void *ctx, const char *id, struct buf *title, struct buf *abstract);

struct worker {
	struct store *s;
	struct search_cursor *cur;
	struct worker *next;
};

static struct worker *thread_worker(struct web *w, struct buf *err)
{
	struct worker *wk = pthread_getspecific(w->worker_key);
	if (wk)
		return wk;
	wk = xcalloc(1, sizeof(*wk));
	if (store_open(w->cfg.db_url, 0, &wk->s, err)) {
		free(wk);
		return NULL;
	}
	if (!(wk->cur = search_cursor_new(fetch_text, wk))) {
		buf_setf(err, "the Snowball English stemmer is not available");
		store_close(wk->s);
		free(wk);
		return NULL;
	}
	pthread_setspecific(w->worker_key, wk);
	pthread_mutex_lock(&w->workers_lock);
	wk->next = w->workers;
	w->workers = wk;
	w->nworkers++;
	pthread_mutex_unlock(&w->workers_lock);
	return wk;
}

static void workers_free(struct web *w)
{
	pthread_mutex_lock(&w->workers_lock);
	for (struct worker *wk = w->workers, *next; wk; wk = next) {
		next = wk->next;
		store_close(wk->s);
		search_cursor_free(wk->cur);
		free(wk);
	}
	w->workers = NULL;
	pthread_mutex_unlock(&w->workers_lock);
}

/* ---- request helpers ------------------------------------------------------ */

const char *req_arg(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *req_form(struct req *r, const char *name)
{
	for (size_t i = 0; i < r->form_k.n; i++)
		if (!strcmp(r->form_k.v[i], name))
			return r->form_v.v[i];
	return NULL;
}

void resp_header(struct resp *o, const char *name, const char *value)
{
	struct buf h = BUF_INIT;
	buf_addf(&h, "%s: %s", name, value);
	strlist_push(&o->headers, h.s, h.len);
	buf_release(&h);
}

void resp_redirect(struct resp *o, const char *location)
{
	o->status = 303;
	resp_header(o, "Location", local_path_ok(location) ? location : "/");
	buf_reset(&o->body);
}

void resp_cookie(struct req *r, struct resp *o, const char *name, const char *value, long max_age, bool http_only)
{
	struct buf c = BUF_INIT;
	buf_addf(&c, "%s=%s; Path=/; Max-Age=%ld; SameSite=Lax%s%s", name, value, max_age,
		 http_only ? "; HttpOnly" : "", r->w->cfg.secure_cookies || r->https ? "; Secure" : "");
	resp_header(o, "Set-Cookie", c.s);
	buf_release(&c);
}

void resp_json(struct resp *o, int status, json_t *j)
{
	o->status = status;
	o->ctype = "application/json; charset=utf-8";
	buf_reset(&o->body);
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	buf_adds(&o->body, s ? s : "null");
	free(s);
	json_decref(j);
}

/* The HTTP status of a store failure, by its kind (the one table), and how
 * many seconds a client should wait before it tries again (0: do not). */
static const struct {
	int status, retry_after;
} kind_status[] = {
	[STORE_E_NONE] = { 500, 0 },       [STORE_E_NOTFOUND] = { 404, 0 },  [STORE_E_CONFLICT] = { 409, 0 },
	[STORE_E_REFUSED] = { 400, 0 },    [STORE_E_BUSY] = { 503, 1 },      [STORE_E_UNAVAILABLE] = { 503, 5 },
	[STORE_E_TIMEOUT] = { 503, 2 },    [STORE_E_IO] = { 503, 30 },       [STORE_E_CORRUPT] = { 500, 0 },
	[STORE_E_INTERNAL] = { 500, 0 },
};
_Static_assert(ARRAY_SIZE(kind_status) == STORE_E_INTERNAL + 1, "a status for every kind of store failure");

/* A store failure that passes (busy, unreachable, slow, I/O): the client
 * should come back. */
static bool kind_transient(enum store_errkind k)
{
	return (size_t)k < ARRAY_SIZE(kind_status) && kind_status[k].retry_after > 0;
}

static void resp_store_unavailable(struct req *r, struct resp *o, enum store_errkind k)
{
	strlist_clear(&o->headers);
	resp_error(r, o, 503, "The database is not available right now; try again in a few seconds.");
	char h[48];
	snprintf(h, sizeof(h), "Retry-After: %d", kind_status[k].retry_after);
	strlist_push(&o->headers, h, strlen(h));
	o->no_store = true;
}

void resp_error(struct req *r, struct resp *o, int status, const char *msg)
{
	o->private_ = true;
	/* "the store failed": the status its kind calls for */
	enum store_errkind k = r->s ? store_first_failure(r->s) : STORE_E_NONE;
	if (status == 500 && k != STORE_E_NONE) {
		status = kind_status[k].status;
		if (kind_transient(k)) {
			char h[48];
			snprintf(h, sizeof(h), "Retry-After: %d", kind_status[k].retry_after);
			strlist_push(&o->headers, h, strlen(h));
		}
	}
	if (r->wants_json) {
		resp_json(o, status, json_pack("{s:s}", "error", msg));
		return;
	}
	buf_reset(&o->body);
	page_begin(r, o, status == 404 ? "Not found" : "Error", NULL);
	html(&o->body, "<main class=\"narrow\"><h1>%s</h1><p class=\"notice\">%s</p><p><a href=\"/\">Back to the daily papers</a></p></main>",
	     status == 404 ? "Not found" : status == 403 ? "Not allowed" : status == 429 ? "Slow down" : "Something is wrong",
	     msg);
	page_end(r, o);
	o->status = status;
}

/* ---- the anonymous page cache ------------------------------------------------
 * Pages seen by visitors who are not signed in are the same for all of them
 * (they carry no CSRF token: their forms need a sign-in first), so a
 * rendered page is kept for CACHE_TTL seconds, or until this process
 * changes something (any POST or DELETE bumps the generation). Another
 * process's writes show within the TTL. Keys are the path and the decoded
 * query parameters, each length-prefixed (cache_key_part), so two requests
 * that differ in any byte never share a page. */

#define CACHE_SLOTS 512
#define CACHE_TTL 2.0
#define CACHE_LOCKS 32

struct cached {
	char *key;
	uint64_t gen;
	double at;
	int status;
	const char *ctype;
	long max_age;
	struct buf body, gz;
	char etag[48];
};

struct page_cache {
	struct cached slot[CACHE_SLOTS];
	pthread_mutex_t lock[CACHE_LOCKS]; /* striped by slot */
	uint64_t gen;
};

static struct page_cache *cache_new(void)
{
	struct page_cache *pc = xcalloc(1, sizeof(*pc));
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_init(&pc->lock[i], NULL);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		buf_init(&pc->slot[i].body);
		buf_init(&pc->slot[i].gz);
	}
	return pc;
}

static void cache_free(struct page_cache *pc)
{
	if (!pc)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		free(pc->slot[i].key);
		buf_release(&pc->slot[i].body);
		buf_release(&pc->slot[i].gz);
	}
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_destroy(&pc->lock[i]);
	free(pc);
}

static void cache_key(struct MHD_Connection *c, const char *path, struct buf *key);
struct conn_ctx;
static int pool_push(struct web *w, struct conn_ctx *cx);
static void pool_counts(struct web *w, size_t *queued, size_t *running);

/* ---- the pipeline -------------------------------------------------------- */

/* A request on its way: read on a libmicrohttpd thread, perhaps run on a
 * thread of the request pool (suspended meanwhile), answered back on the
 * libmicrohttpd thread. */
enum cx_state { CX_NEW, CX_QUEUED, CX_DONE };
struct conn_ctx {
	struct req r;
	struct resp o;
	struct MHD_Connection *c;
	const struct route *rt;
	unsigned flags;
	enum cx_state state;
	double t0, queued_at;
	double cpu;      /* the handler's CPU seconds */
	bool too_big;
	struct conn_ctx *next; /* in the pool's queue */
};

/* What the query string holds: its length, how many parameters, and
 * whether any is not text (NUL from %00, or invalid UTF-8). */
struct args_check {
	size_t len, n;
	bool bad;
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				 const char *value, size_t value_size)
{
	(void)kind;
	struct args_check *a = cls;
	a->len += key_size + value_size + 2;
	a->n++;
	if (!utf8_valid(key, key_size) || (value && !utf8_valid(value, value_size)))
		a->bad = true;
	return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
			       const char *value, size_t value_size)
{
	(void)kind;
	struct buf *b = cls;
	cache_key_part(b, key, key_size);
	if (value)
		cache_key_part(b, value, value_size);
	else
		buf_addc(b, '-'); /* "?a" differs from "?a=" */
	return MHD_YES;
}

static void cache_key(struct MHD_Connection *c, const char *path, struct buf *key)
{
	buf_reset(key);
	cache_key_part(key, path, strlen(path));
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, add_arg, key);
}

static bool is_texty(const char *ctype)
{
	return str_has_prefix(ctype, "text/") || strstr(ctype, "json") || strstr(ctype, "xml") ||
	       strstr(ctype, "javascript") || strstr(ctype, "svg");
}

static bool gzip_body(const struct buf *in, struct buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	size_t cap = deflateBound(&z, in->len) + 32;
	char *dst = buf_reserve(out, cap);
	if (!dst) {
		deflateEnd(&z);
		return false;
	}
	z.next_in = (Bytef *)in->s;
	z.avail_in = (uInt)in->len;
	z.next_out = (Bytef *)dst;
	z.avail_out = (uInt)cap;
	int rc = deflate(&z, Z_FINISH);
	out->len += z.total_out;
	out->s[out->len] = '\0';
	deflateEnd(&z);
	return rc == Z_STREAM_END;
}

/* ---- metrics (the Prometheus text format at /metrics) ------------------------
 * Requests by route and status, a histogram of their durations, counted
 * with atomic adds (no lock on the request path). */

static const int metric_statuses[] = { 200, 201, 202, 204, 301, 302, 303, 304, 400, 401, 403, 404,
				       405, 409, 410, 413, 414, 415, 429, 500, 503 };
#define NSTATUS (ARRAY_SIZE(metric_statuses) + 1) /* + "other" */
static const double metric_buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
					 0.1, 0.25, 0.5, 1, 2.5, 5 };
#define NBUCKETS (ARRAY_SIZE(metric_buckets) + 1) /* + Inf */

struct metrics {
	uint64_t *requests; /* [route + 1][NSTATUS]: route -1 (none) first */
	uint64_t buckets[NBUCKETS];
	uint64_t count, sum_us;
	uint64_t busy; /* requests being served now */
};

static struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->requests = xcalloc((web_nroutes + 1) * NSTATUS, sizeof(*m->requests));
	return m;
}

static void metrics_free(struct metrics *m)
{
	if (m)
		free(m->requests);
	free(m);
}

static void metrics_observe(struct web *w, const struct req *r, int status, double ms)
{
	struct metrics *m = w->metrics;
	size_t si = NSTATUS - 1;
	for (size_t i = 0; i < ARRAY_SIZE(metric_statuses); i++)
		if (metric_statuses[i] == status)
			si = i;
	size_t ri = r->route >= 0 && (size_t)r->route < web_nroutes ? (size_t)r->route + 1 : 0;
	__atomic_add_fetch(&m->requests[ri * NSTATUS + si], 1, __ATOMIC_RELAXED);
	double sec = ms / 1000;
	size_t b = 0;
	while (b < ARRAY_SIZE(metric_buckets) && sec > metric_buckets[b])
		b++;
	__atomic_add_fetch(&m->buckets[b], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->count, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&m->sum_us, (uint64_t)(ms * 1000), __ATOMIC_RELAXED);
}

/* A label value in the exposition format: backslash, quote and newline escaped. */
static void label_value(struct buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_addc(b, '\\');
		if (*v == '\n')
			buf_adds(b, "\\n");
		else
			buf_addc(b, *v);
	}
}

/* Whether the client may see how this process is doing (/metrics,
 * /healthz's detail): a client on this host, or one with the metrics token. */
static bool req_operator(struct req *r)
{
	if (r->peer_local)
		return true;
	const char *tok = r->w->cfg.metrics_token, *auth = req_header(r, "Authorization");
	if (!tok || !auth || !str_has_prefix(auth, "Bearer "))
		return false;
	size_t n = strlen(tok);
	return strlen(auth + 7) == n && sodium_memcmp(auth + 7, tok, n) == 0;
}

void h_metrics(struct req *r, struct resp *o)
{
	struct web *w = r->w;
	if (!req_operator(r)) {
		resp_error(r, o, 404, "There is no such page.");
		return;
	}
	struct metrics *m = w->metrics;
	struct buf *b = &o->body, node = BUF_INIT;
	label_value(&node, __atomic_load_n(&w->node_id, __ATOMIC_ACQUIRE));
	o->ctype = "text/plain; version=0.0.4; charset=utf-8";
	o->no_store = true;
	buf_addf(b, "# HELP paperboy_info This paperboy process.\n# TYPE paperboy_info gauge\n"
		    "paperboy_info{node=\"%s\",version=\"%s\",store=\"%s\"} 1\n",
		 node.s, PB_VERSION, store_backend(r->s));
	buf_addf(b, "# HELP paperboy_http_requests_total Requests answered, by route and status.\n"
		    "# TYPE paperboy_http_requests_total counter\n");
	for (size_t ri = 0; ri <= web_nroutes; ri++) {
		for (size_t si = 0; si < NSTATUS; si++) {
			uint64_t v = __atomic_load_n(&m->requests[ri * NSTATUS + si], __ATOMIC_RELAXED);
			if (!v)
				continue;
			struct buf route = BUF_INIT;
			if (ri)
				buf_addf(&route, "%s %s", web_routes[ri - 1].method, web_routes[ri - 1].pattern);
			else
				buf_adds(&route, "none");
			struct buf rl = BUF_INIT;
			label_value(&rl, route.s);
			char st[8];
			if (si < ARRAY_SIZE(metric_statuses))
				snprintf(st, sizeof(st), "%d", metric_statuses[si]);
			else
				snprintf(st, sizeof(st), "other");
			buf_addf(b, "paperboy_http_requests_total{node=\"%s\",route=\"%s\",status=\"%s\"} %llu\n", node.s,
				 rl.s, st, (unsigned long long)v);
			buf_release(&route);
			buf_release(&rl);
		}
	}
	buf_addf(b, "# HELP paperboy_http_request_duration_seconds Time to answer a request.\n"
		    "# TYPE paperboy_http_request_duration_seconds histogram\n");
	uint64_t cum = 0;
	for (size_t i = 0; i < NBUCKETS; i++) {
		cum += __atomic_load_n(&m->buckets[i], __ATOMIC_RELAXED);
		if (i < ARRAY_SIZE(metric_buckets))
			buf_addf(b, "paperboy_http_request_duration_seconds_bucket{node=\"%s\",le=\"%g\"} %llu\n", node.s,
				 metric_buckets[i], (unsigned long long)cum);
		else
			buf_addf(b, "paperboy_http_request_duration_seconds_bucket{node=\"%s\",le=\"+Inf\"} %llu\n", node.s,
				 (unsigned long long)cum);
	}
	buf_addf(b, "paperboy_http_request_duration_seconds_sum{node=\"%s\"} %.6f\n", node.s,
		 (double)__atomic_load_n(&m->sum_us, __ATOMIC_RELAXED) / 1e6);
	buf_addf(b, "paperboy_http_request_duration_seconds_count{node=\"%s\"} %llu\n", node.s,
		 (unsigned long long)__atomic_load_n(&m->count, __ATOMIC_RELAXED));
	/* the index against the store */
	pthread_mutex_lock(&w->follow_lock);
	int64_t ix_seq = w->ix_seq, st_seq = w->store_seq_seen;
	double behind = w->behind_since ? mono_seconds() - w->behind_since : 0;
	pthread_mutex_unlock(&w->follow_lock);
	buf_addf(b, "# HELP paperboy_index_sequence The store's write sequence number the index holds (-1: no index).\n"
		    "# TYPE paperboy_index_sequence gauge\npaperboy_index_sequence{node=\"%s\"} %lld\n",
		 node.s, (long long)ix_seq);
	buf_addf(b, "# HELP paperboy_store_sequence The store's write sequence number (-1: unreachable).\n"
		    "# TYPE paperboy_store_sequence gauge\npaperboy_store_sequence{node=\"%s\"} %lld\n",
		 node.s, (long long)st_seq);
	buf_addf(b, "# HELP paperboy_index_lag_seconds How long the index has been behind the store (0: current).\n"
		    "# TYPE paperboy_index_lag_seconds gauge\npaperboy_index_lag_seconds{node=\"%s\"} %.3f\n",
		 node.s, behind);
	/* the outbox */
	int64_t counts[4];
	struct buf err = BUF_INIT;
	if (store_outbox_counts(r->s, counts, &err) == 0) {
		static const char *const states[] = { "queued", "sending", "sent", "failed" };
		buf_addf(b, "# HELP paperboy_outbox_messages Messages in the outbox, by state.\n"
			    "# TYPE paperboy_outbox_messages gauge\n");
		for (int i = 0; i < 4; i++)
			buf_addf(b, "paperboy_outbox_messages{node=\"%s\",state=\"%s\"} %lld\n", node.s, states[i],
				 (long long)counts[i]);
	}
	buf_release(&err);
	/* the database connections: one per worker thread that has served */
	pthread_mutex_lock(&w->workers_lock);
	unsigned open = w->nworkers;
	pthread_mutex_unlock(&w->workers_lock);
	buf_addf(b, "# HELP paperboy_store_connections Database connections of the worker threads.\n"
		    "# TYPE paperboy_store_connections gauge\n"
		    "paperboy_store_connections{node=\"%s\",state=\"open\"} %u\n"
		    "paperboy_store_connections{node=\"%s\",state=\"busy\"} %llu\n"
		    "paperboy_store_connections{node=\"%s\",state=\"max\"} %u\n",
		 node.s, open, node.s, (unsigned long long)__atomic_load_n(&m->busy, __ATOMIC_RELAXED), node.s,
		 w->threads);
	size_t queued, running;
	pool_counts(w, &queued, &running);
	buf_addf(b, "# HELP paperboy_request_pool Requests given to the request threads: waiting and running.\n"
		    "# TYPE paperboy_request_pool gauge\n"
		    "paperboy_request_pool{node=\"%s\",state=\"waiting\"} %zu\n"
		    "paperboy_request_pool{node=\"%s\",state=\"running\"} %zu\n",
		 node.s, queued, node.s, running);
	buf_release(&node);
}

/* /healthz: whether a balancer should send requests here. 503 when the
 * store cannot be reached, or search cannot answer (no index, or one more
 * than 30 s behind the store). */
void h_health(struct req *r, struct resp *o)
{
	struct web *w = r->w;
	int64_t seq = 0;
	struct buf err = BUF_INIT;
	bool store_ok = store_seq(r->s, &seq, &err) == 0;
	pthread_mutex_lock(&w->follow_lock);
	int64_t ix_seq = w->ix_seq;
	double behind = w->behind_since ? mono_seconds() - w->behind_since : 0;
	pthread_mutex_unlock(&w->follow_lock);
	bool index_ok = ix_seq >= 0 && behind <= 30;
	o->no_store = true;
	o->private_ = true;
	if (!req_operator(r)) {
		/* anyone may ask whether this node serves; the detail is the operator's */
		resp_json(o, store_ok && index_ok ? 200 : 503,
			  json_pack("{s:s}", "status", store_ok && index_ok ? "ok" : "unavailable"));
		buf_release(&err);
		return;
	}
	resp_json(o, store_ok && index_ok ? 200 : 503,
		  json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:f}}", "status", store_ok && index_ok ? "ok" : "unavailable",
			    "node", __atomic_load_n(&w->node_id, __ATOMIC_ACQUIRE), "store", store_ok ? "ok" : store_errkind_name(store_errkind(r->s)),
			    "index", "sequence", (json_int_t)ix_seq, "storeSequence", (json_int_t)seq, "lagSeconds",
			    behind));
	buf_release(&err);
}

/* The path for the access log: a route whose path holds a secret (a
 * private feed's address) is written as its pattern, the secret left out. */
static void log_path(struct buf *line, const struct req *r)
{
	if (r->route >= 0 && (web_routes[r->route].flags & R_SECRET)) {
		for (const char *p = web_routes[r->route].pattern; *p; p++)
			if (*p == '*')
				buf_adds(line, "[secret]");
			else
				buf_addc(line, *p);
		return;
	}
	log_escape(line, r->path);
}

static void log_request(struct web *w, struct req *r, int status, size_t bytes, double ms, double cpu_ms)
{
	metrics_observe(w, r, status, ms);
	if (!w->log)
		return;
	/* the path without its query string: links in mail carry tokens there,
	 * and neither cookies nor the Authorization header are ever logged */
	char when[32];
	time_format_iso(time_now_ms(), when);
	/* every field escaped: no request writes a line of its own */
	struct buf line = BUF_INIT;
	buf_addf(&line, "%s ", when);
	log_escape(&line, __atomic_load_n(&w->node_id, __ATOMIC_ACQUIRE));
	buf_addc(&line, ' ');
	log_escape(&line, r->ip);
	buf_addc(&line, ' ');
	log_escape(&line, r->signed_in ? r->user.name : "-");
	buf_adds(&line, " \"");
	log_escape(&line, r->method);
	buf_addc(&line, ' ');
	log_path(&line, r);
	buf_addf(&line, "\" %d %zu %.2fms cpu=%.2fms\n", status, bytes, ms, cpu_ms);
	pthread_mutex_lock(&w->log_lock);
	fputs(line.s, w->log);
	fflush(w->log);
	pthread_mutex_unlock(&w->log_lock);
	buf_release(&line);
}

static bool sets_cookie(const struct resp *o)
{
	for (size_t i = 0; i < o->headers.n; i++)
		if (!strncasecmp(o->headers.v[i], "Set-Cookie:", 11))
			return true;
	return false;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct web *w, struct req *r, struct resp *o,
				 unsigned flags, double t0, struct cached *from, double cpu)
{
	if (o->body.overflow) {
		/* a cut page is never served as if whole (nor cached) */
		fprintf(stderr, "paperboy: serve: %s %s: the response passed its size limit\n", r->method, r->path);
		buf_release(&o->body);
		strlist_clear(&o->headers);
		o->status = 500;
		o->ctype = "text/plain; charset=utf-8";
		o->private_ = true;
		buf_adds(&o->body, "The page is too large to be served.\n");
	}
	const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	char etag[48] = "";
	if (from) {
		memcpy(etag, from->etag, sizeof(etag));
		if (inm && strstr(inm, etag)) {
			o->status = 304;
			buf_init(&o->body); /* the cached body is borrowed: never written */
		}
	} else if ((flags & R_CACHE) && o->status == 200) {
		uint8_t h[12];
		crypto_generichash(h, sizeof(h), (const uint8_t *)o->body.s, o->body.len, NULL, 0);
		char hex[25];
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(etag, sizeof(etag), "\"%s\"", hex);
		if (inm && strstr(inm, etag)) {
			o->status = 304;
			buf_reset(&o->body);
		}
	}
	struct buf gz = BUF_INIT;
	const struct buf *out = &o->body;
	const char *ae = req_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool gzipped = false;
	if (from && o->status != 304 && from->gz.len && ae && strstr(ae, "gzip")) {
		out = &from->gz;
		gzipped = true;
	} else if (o->status != 304 && o->body.len >= 512 && ae && strstr(ae, "gzip") && o->ctype && is_texty(o->ctype) &&
		   gzip_body(&o->body, &gz)) {
		out = &gz;
		gzipped = true;
	}
	/* HEAD: the body is handed over too, so Content-Length is GET's;
	 * libmicrohttpd sends the headers only */
	struct MHD_Response *m = MHD_create_response_from_buffer(out->len, out->s, MHD_RESPMEM_MUST_COPY);
	if (o->ctype)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, o->ctype);
	if (gzipped)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(m, MHD_HTTP_HEADER_VARY, "Accept-Encoding, Cookie");
	if (etag[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_ETAG, etag);
	bool cookie = r->new_csrf || sets_cookie(o);
	if (o->no_store || cookie)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-store");
	else if (o->private_ || r->signed_in)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "private, no-cache");
	else if (o->max_age > 0 || str_has_prefix(r->path, "/static/")) {
		char cc[64];
		snprintf(cc, sizeof(cc), "public, max-age=%ld", o->max_age > 0 ? o->max_age : 86400L);
		MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
	} else
		MHD_add_response_header(m, MHD_HTTP_HEADER_CACHE_CONTROL, "public, no-cache");
	MHD_add_response_header(m, "Content-Security-Policy",
				"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
				"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(m, "Referrer-Policy", "strict-origin-when-cross-origin");
	MHD_add_response_header(m, "X-Frame-Options", "DENY");
	if (r->w->cfg.secure_cookies)
		MHD_add_response_header(m, "Strict-Transport-Security", "max-age=31536000");
	if (r->new_csrf) {
		struct buf ck = BUF_INIT;
		buf_addf(&ck, "pb_csrf=%s; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly%s", r->csrf,
			 r->w->cfg.secure_cookies || r->https ? "; Secure" : "");
		MHD_add_response_header(m, MHD_HTTP_HEADER_SET_COOKIE, ck.s);
		buf_release(&ck);
	}
	for (size_t i = 0; i < o->headers.n; i++) {
		char *h = o->headers.v[i], *colon = strchr(h, ':');
		if (!colon)
			continue;
		*colon = '\0';
		MHD_add_response_header(m, h, colon + 2);
		*colon = ':';
	}
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)o->status, m);
	MHD_destroy_response(m);
	log_request(w, r, o->status, out->len, (mono_seconds() - t0) * 1000, cpu * 1000);
	/* keep an anonymous page, with its ETag and gzipped form, for the next visitor */
	if ((flags & R_CACHE) && !from && o->status == 200 && !r->signed_in && !o->private_ && !o->no_store &&
	    !o->headers.n && !cookie && !strcmp(r->method, "GET") && !r->csrf[0]) {
		struct page_cache *pc = w->cache;
		struct buf key = BUF_INIT;
		cache_key(c, r->path, &key);
		size_t slot = hash_bytes(key.s, key.len) % CACHE_SLOTS;
		struct cached *e = &pc->slot[slot];
		pthread_mutex_lock(&pc->lock[slot % CACHE_LOCKS]);
		free(e->key);
		e->key = buf_detach(&key);
		e->gen = __atomic_load_n(&pc->gen, __ATOMIC_RELAXED);
		e->at = mono_seconds();
		e->status = o->status;
		e->ctype = o->ctype;
		e->max_age = o->max_age;
		buf_reset(&e->body);
		buf_add(&e->body, o->body.s, o->body.len);
		buf_reset(&e->gz);
		if (o->body.len >= 512 && o->ctype && is_texty(o->ctype))
			gzip_body(&o->body, &e->gz);
		memcpy(e->etag, etag, sizeof(etag));
		pthread_mutex_unlock(&pc->lock[slot % CACHE_LOCKS]);
		buf_release(&key);
	}
	buf_release(&gz);
	return rc;
}

/* Answers from the cache when it holds this page; true when it did. */
static bool from_cache(struct MHD_Connection *c, struct web *w, struct req *r, unsigned flags, double t0,
		       enum MHD_Result *rc)
{
	struct page_cache *pc = w->cache;
	struct buf key = BUF_INIT;
	cache_key(c, r->path, &key);
	size_t slot = hash_bytes(key.s, key.len) % CACHE_SLOTS;
	struct cached *e = &pc->slot[slot];
	bool hit = false;
	pthread_mutex_lock(&pc->lock[slot % CACHE_LOCKS]);
	if (e->key && !strcmp(e->key, key.s) && e->gen == __atomic_load_n(&pc->gen, __ATOMIC_RELAXED) &&
	    mono_seconds() - e->at < CACHE_TTL) {
		struct resp o;
		memset(&o, 0, sizeof(o));
		o.status = e->status;
		o.ctype = e->ctype;
		o.max_age = e->max_age;
		o.body = e->body; /* borrowed: send_resp copies it */
		*rc = send_resp(c, w, r, &o, flags, t0, e, 0);
		hit = true;
	}
	pthread_mutex_unlock(&pc->lock[slot % CACHE_LOCKS]);
	buf_release(&key);
	return hit;
}

static void resp_init(struct resp *o)
{
	memset(o, 0, sizeof(*o));
	o->status = 200;
	o->ctype = "text/html; charset=utf-8";
	buf_init_max(&o->body, 64u << 20);
}

static void resp_release(struct resp *o)
{
	buf_release(&o->body);
	strlist_clear(&o->headers);
}

static void client_ip(struct MHD_Connection *c, char out[64])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(out, 64, "-");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

bool origin_is_ours(struct req *r, const char *url)
{
	if (!url)
		return false;
	size_t n = strlen(r->w->origin);
	if (!strncmp(url, r->w->origin, n) && (url[n] == '\0' || url[n] == '/'))
		return true;
	/* the address the browser used, when it differs from base_url */
	const char *host = req_header(r, MHD_HTTP_HEADER_HOST);
	for (int i = 0; host && i < 2; i++) {
		char mine[320];
		snprintf(mine, sizeof(mine), "%s://%s", i ? "https" : "http", host);
		n = strlen(mine);
		if (!strncmp(url, mine, n) && (url[n] == '\0' || url[n] == '/'))
			return true;
	}
	return false;
}

/* Whether a state-changing request comes from a page of this site: its
 * Origin (or, without one, its Referer) names this site, or neither is
 * sent (a script, not a browser); Sec-Fetch-Site, when sent, says so. */
static bool same_origin(struct req *r)
{
	const char *sfs = req_header(r, "Sec-Fetch-Site");
	if (sfs && strcmp(sfs, "same-origin") && strcmp(sfs, "none"))
		return false;
	const char *origin = req_header(r, "Origin");
	const char *src = origin ? origin : req_header(r, "Referer");
	return !src || origin_is_ours(r, src);
}

/* The CPU time of the calling thread, in seconds. */
static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A signed-out vote: say why, sign in, and the vote is cast on the way back. */
static void vote_signin(struct req *r, struct resp *o)
{
	struct buf loc = BUF_INIT;
	const char *ref = req_header(r, "Referer");
	const char *rest = ref && strstr(ref, "://") ? strchr(strstr(ref, "://") + 3, '/') : NULL;
	buf_adds(&loc, "/signin?next=");
	if (local_path_ok(rest) && origin_is_ours(r, ref))
		buf_add_url(&loc, rest);
	else
		buf_addf(&loc, "%%2Fpapers%%2F%s", r->cap[0]);
	buf_adds(&loc, "&vote=");
	buf_add_url(&loc, r->cap[0]);
	const char *accept = req_header(r, "Accept");
	if (accept && strstr(accept, "application/json")) {
		r->wants_json = true;
		resp_json(o, 401, json_pack("{s:s,s:s}", "error", "sign in to upvote", "signin", loc.s));
	} else {
		resp_redirect(o, loc.s);
	}
	buf_release(&loc);
}

/* A route that needs a sign-in, asked for signed out. */
static void need_signin(struct req *r, struct resp *o, const char *method)
{
	if (r->wants_json) {
		resp_error(r, o, 401, "sign in first: send 'Authorization: Bearer TOKEN' (make a token on your profile page)");
	} else if (!strcmp(method, "GET")) {
		struct buf loc = BUF_INIT;
		buf_adds(&loc, "/signin?next=");
		buf_add_url(&loc, r->path);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	} else {
		resp_error(r, o, 403, "Sign in first.");
	}
}

/* Runs the route of a request whose checks of the URL passed: the worker
 * state of this thread, who asks, the body, the route's requirements, the
 * handler. Into cx->o. On a libmicrohttpd thread or one of the pool's. */
static void run_route(struct web *w, struct conn_ctx *cx)
{
	struct req *r = &cx->r;
	struct resp *o = &cx->o;
	const struct route *rt = cx->rt;
	unsigned flags = cx->flags;
	const char *method = !strcmp(r->method, "HEAD") ? "GET" : r->method;
	bool writes = strcmp(method, "GET") != 0;
	struct buf err = BUF_INIT;
	double cpu0 = thread_cpu();
	if (!(r->wk = thread_worker(w, &err))) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_store_unavailable(r, o, STORE_E_UNAVAILABLE);
		buf_release(&err);
		return;
	}
	r->s = r->wk->s;
	store_failures_clear(r->s);
	auth_load(r, flags & R_API);
	const char *ctype = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (r->body.len && ctype && str_has_prefix(ctype, "application/x-www-form-urlencoded") &&
	    form_parse(r->body.s, r->body.len, &r->form_k, &r->form_v, &err)) {
		resp_error(r, o, 400, err.s);
	} else if ((flags & R_LOGIN) && !r->signed_in && (flags & R_VOTE)) {
		vote_signin(r, o);
	} else if ((flags & R_LOGIN) && !r->signed_in) {
		need_signin(r, o, method);
	} else if ((flags & R_ADMIN) && !r->user.admin) {
		resp_error(r, o, 403, "Only an administrator may do that.");
	} else if (writes && !r->via_token && (flags & (R_CSRF | R_API)) && (!csrf_ok(r) || !same_origin(r))) {
		/* a write on the strength of a cookie: the page's CSRF token
		 * and this site's origin, for forms and API calls alike
		 * (bearer tokens are not sent by browsers on their own) */
		resp_error(r, o, 403, "The form is missing its security token or it is stale; reload the page and try again.");
	} else {
		__atomic_add_fetch(&w->metrics->busy, 1, __ATOMIC_RELAXED);
		rt->fn(r, o);
		__atomic_sub_fetch(&w->metrics->busy, 1, __ATOMIC_RELAXED);
	}
	/* a page that rendered past a passing store failure (the server
	 * went away mid-request) is not served as if whole */
	enum store_errkind k = store_first_failure(r->s);
	if (kind_transient(k) && o->status < 500) {
		fprintf(stderr, "paperboy: serve: %s %s: the store is %s\n", r->method, r->path, store_errkind_name(k));
		resp_store_unavailable(r, o, k);
	}
	if (writes)
		__atomic_add_fetch(&w->cache->gen, 1, __ATOMIC_RELAXED);
	cx->cpu += thread_cpu() - cpu0;
	buf_release(&err);
}

/* Sends what cx holds and forgets it. */
static enum MHD_Result answer(struct web *w, struct MHD_Connection *c, struct conn_ctx *cx)
{
	enum MHD_Result rc = send_resp(c, w, &cx->r, &cx->o, cx->flags, cx->t0, NULL, cx->cpu);
	resp_release(&cx->o);
	if (cx->state == CX_QUEUED)
		__atomic_sub_fetch(&w->pool_inflight, 1, __ATOMIC_RELEASE);
	cx->state = CX_DONE;
	return rc;
}

static enum MHD_Result dispatch(struct web *w, struct MHD_Connection *c, struct conn_ctx *cx)
{
	struct req *r = &cx->r;
	if (cx->state == CX_QUEUED) /* back from the pool */
		return answer(w, c, cx);
	struct resp *o = &cx->o;
	resp_init(o);
	const struct route *rt = NULL;
	bool path_known = false;
	const char *method = !strcmp(r->method, "HEAD") ? "GET" : r->method;
	for (size_t i = 0; i < web_nroutes; i++) {
		if (!route_match(web_routes[i].pattern, r->path, r))
			continue;
		path_known = true;
		if (!strcmp(web_routes[i].method, method)) {
			rt = &web_routes[i];
			break;
		}
	}
	r->route = rt ? (int)(rt - web_routes) : -1;
	unsigned flags = rt ? rt->flags : 0;
	cx->rt = rt;
	cx->flags = flags;
	if (flags & R_OLDID) {
		char id[sizeof(r->capbuf[0])];
		snprintf(id, sizeof(id), "%s/%s", r->cap[0], r->cap[1]);
		memcpy(r->capbuf[0], id, sizeof(id));
		r->cap[1] = r->cap[2];
		r->cap[2] = r->cap[3];
	}
	r->wants_json = (flags & R_API) || str_has_prefix(r->path, "/api/");
	bool writes = strcmp(method, "GET") != 0;
	client_ip(c, r->ip);
	r->peer_local = ip_is_loopback(r->ip);
	if (w->nproxies && cidr_match(w->proxies, w->nproxies, r->ip)) {
		/* the balancer: the client is who it says */
		forwarded_client(w->proxies, w->nproxies, req_header(r, "X-Forwarded-For"), r->ip);
		const char *proto = req_header(r, "X-Forwarded-Proto");
		r->https = proto && !strcasecmp(proto, "https");
		r->peer_local = r->peer_local && ip_is_loopback(r->ip);
	}
	struct args_check args = { strlen(r->path), 0, false };
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, check_arg, &args);
	r->nparams = args.n;
	/* the visitor's CSRF token: a random value in an HttpOnly cookie that
	 * every form repeats (double submit; SameSite=Lax on top) */
	bool anon = rt && (flags & R_CACHE) && !writes && !req_cookie(r, "pb_session") &&
		    !req_header(r, "Authorization") && !args.bad && args.len <= MAX_URL;
	const char *ck = req_cookie(r, "pb_csrf");
	if (anon) {
		r->csrf[0] = '\0'; /* the same page for every anonymous visitor */
		enum MHD_Result rc;
		if (from_cache(c, w, r, flags, cx->t0, &rc)) {
			resp_release(o);
			cx->state = CX_DONE;
			return rc;
		}
	} else if (ck && strlen(ck) == 43 && strspn(ck, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43) {
		snprintf(r->csrf, sizeof(r->csrf), "%s", ck);
	} else {
		token_new(r->csrf);
		r->new_csrf = true;
	}
	if (cx->too_big) {
		resp_error(r, o, 413, "The request body is too large (64 KiB at most).");
	} else if (args.len > MAX_URL) {
		resp_error(r, o, 414, "The URL is too long.");
	} else if (args.n > MAX_PARAMS) {
		resp_error(r, o, 414, "The URL has too many query parameters.");
	} else if (args.bad) {
		resp_error(r, o, 400, "The URL holds a NUL character or bytes that are not UTF-8 text.");
	} else if (!rt) {
		if (path_known)
			resp_error(r, o, 405, "That method is not allowed here.");
		else
			resp_error(r, o, 404, "There is no such page.");
	} else if ((flags & R_LIGHT) || !w->pool) {
		run_route(w, cx);
	} else {
		/* the work goes to the pool; this thread goes on serving others */
		int pushed = pool_push(w, cx);
		if (pushed == 0) {
			MHD_suspend_connection(c);
			return MHD_YES;
		}
		resp_error(r, o, 503, pushed == 1 ? "The server is busy; try again in a few seconds."
						  : "You have many requests waiting; try again in a few seconds.");
		resp_retry_after(o, 2);
		o->no_store = true;
	}
	return answer(w, c, cx);
}

/* ---- the request pool ------------------------------------------------------
 * Requests that do real work (a page to render, a search, a write) run on
 * the threads of this pool, while libmicrohttpd's threads only read
 * requests, answer from the page cache and send: a client that asks for
 * expensive things can keep the pool busy, never the threads that answer
 * /healthz, /metrics, the static files and cached pages. The queue is
 * bounded (POOL_MAX_QUEUE waiting, POOL_MAX_PER_IP of them from one
 * address: 503 beyond), and a request that waited POOL_MAX_WAIT seconds is
 * answered 503 without running. */
#define POOL_MAX_QUEUE 1024
#define POOL_MAX_PER_IP 64
#define POOL_MAX_WAIT 30.0

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv, idle;
	struct conn_ctx *head, *tail;
	size_t queued, running;
	bool stopping;
	pthread_t *t;
	unsigned nthreads;
};

/* How many queued requests come from ip (locked). */
static size_t queued_from(struct pool *p, const char *ip)
{
	size_t n = 0;
	for (struct conn_ctx *q = p->head; q; q = q->next)
		n += !strcmp(q->r.ip, ip);
	return n;
}

/* 0 queued, 1 the queue is full, 2 this address has too many waiting. */
static int pool_push(struct web *w, struct conn_ctx *cx)
{
	struct pool *p = w->pool;
	pthread_mutex_lock(&p->mu);
	int rc = 0;
	if (p->stopping || p->queued >= POOL_MAX_QUEUE)
		rc = 1;
	else if (p->queued >= POOL_MAX_PER_IP && queued_from(p, cx->r.ip) >= POOL_MAX_PER_IP)
		rc = 2;
	if (!rc) {
		cx->state = CX_QUEUED;
		__atomic_add_fetch(&w->pool_inflight, 1, __ATOMIC_RELEASE);
		cx->queued_at = mono_seconds();
		cx->next = NULL;
		if (p->tail)
			p->tail->next = cx;
		else
			p->head = cx;
		p->tail = cx;
		p->queued++;
		pthread_cond_signal(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static void *pool_main(void *arg)
{
	struct web *w = arg;
	struct pool *p = w->pool;
	pthread_setname_np(pthread_self(), "pb-request");
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head)
			break; /* stopping, and nothing left */
		struct conn_ctx *cx = p->head;
		p->head = cx->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);
		if (mono_seconds() - cx->queued_at > POOL_MAX_WAIT) {
			resp_error(&cx->r, &cx->o, 503, "The server is busy; try again in a few seconds.");
			resp_retry_after(&cx->o, 5);
			cx->o.no_store = true;
		} else {
			run_route(w, cx);
		}
		/* back to libmicrohttpd, which sends the answer: cx is its own
		 * from here on */
		MHD_resume_connection(cx->c);
		pthread_mutex_lock(&p->mu);
		p->running--;
		if (!p->head && !p->running)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static void pool_start(struct web *w, unsigned n)
{
	struct pool *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->t = xcalloc(n, sizeof(*p->t));
	w->pool = p;
	for (unsigned i = 0; i < n; i++) {
		if (pthread_create(&p->t[i], NULL, pool_main, w))
			break;
		p->nthreads++;
	}
	if (!p->nthreads) {
		fprintf(stderr, "paperboy: serve: cannot start the request threads: requests run where they are read\n");
		free(p->t);
		free(p);
		w->pool = NULL;
	}
}

/* Runs what is queued, then stops the threads. */
static void pool_stop(struct web *w)
{
	struct pool *p = w->pool;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->nthreads; i++)
		pthread_join(p->t[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	pthread_cond_destroy(&p->idle);
	free(p->t);
	free(p);
	w->pool = NULL;
}

/* Requests waiting or running in the pool (for /metrics). */
static void pool_counts(struct web *w, size_t *queued, size_t *running)
{
	*queued = *running = 0;
	struct pool *p = w->pool;
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	*queued = p->queued;
	*running = p->running;
	pthread_mutex_unlock(&p->mu);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct web *w = cls;
	struct conn_ctx *cx = *con_cls;
	if (!cx) {
		conn_head_done(c);
		cx = xcalloc(1, sizeof(*cx));
		cx->t0 = mono_seconds();
		cx->r.w = w;
		cx->r.conn = c;
		cx->c = c;
		cx->r.method = method;
		cx->r.path = url;
		buf_init_max(&cx->r.body, MAX_BODY);
		*con_cls = cx;
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		long n;
		if (cl && (parse_int(cl, 0, LONG_MAX, &n) || n > MAX_BODY)) {
			cx->too_big = true;
			return dispatch(w, c, cx); /* answer now, do not read the body */
		}
		return MHD_YES;
	}
	if (*upload_size) {
		if (buf_add(&cx->r.body, upload, *upload_size))
			cx->too_big = true;
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(w, c, cx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)toe;
	conn_request_done(c);
	struct conn_ctx *cx = *con_cls;
	if (!cx)
		return;
	if (cx->state == CX_QUEUED) { /* run, but the client went before the answer */
		resp_release(&cx->o);
		__atomic_sub_fetch(&cx->r.w->pool_inflight, 1, __ATOMIC_RELEASE);
	}
	buf_release(&cx->r.body);
	strlist_clear(&cx->r.form_k);
	strlist_clear(&cx->r.vote_known);
	strlist_clear(&cx->r.vote_yes);
	paper_rules_clear(&cx->r.mutes);
	strlist_clear(&cx->r.follow_kind);
	strlist_clear(&cx->r.saved);
	strlist_clear(&cx->r.follow_value);
	strlist_clear(&cx->r.form_v);
	sodium_memzero(&cx->r.user, sizeof(cx->r.user));
	free(cx);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("paperboy: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- search: a read-only index, a follower that keeps it current --------
 * Requests search the mapped index at once, each thread with its own
 * cursor, under a read lock; only the follower thread writes the index (a
 * delta segment of what changed since its sequence number, merged now and
 * then) and swaps the new one in under the write lock. It looks twice a
 * second, and at once when a request here wrote papers. */

static int fetch_text(void *ctx, const char *id, struct buf *title, struct buf *abstract)
{
	struct worker *wk = ctx;
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	int rc = store_paper_get(wk->s, id, &p, &err);
	if (rc == 0) {
		buf_adds(title, p.title ? p.title : "");
		buf_adds(abstract, p.abstract ? p.abstract : "");
	}
	paper_release(&p);
	buf_release(&err);
	return rc;
}

/* What identifies the index's current files (an update renames new files
 * into place: new inodes and times). */
static void index_stamp(struct web *w, char out[128])
{
	struct stat a, b;
	struct buf deltas = BUF_INIT;
	buf_addf(&deltas, "%s.deltas", w->index_path);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	stat(w->index_path, &a);
	stat(deltas.s, &b);
	snprintf(out, 128, "%lu:%ld:%ld.%ld/%lu:%ld:%ld.%ld", (unsigned long)a.st_ino, (long)a.st_size,
		 (long)a.st_mtim.tv_sec, a.st_mtim.tv_nsec, (unsigned long)b.st_ino, (long)b.st_size,
		 (long)b.st_mtim.tv_sec, b.st_mtim.tv_nsec);
	buf_release(&deltas);
}

/* Opens the index's current files and puts them in place of the old. */
static void open_index(struct web *w)
{
	char stamp[128];
	index_stamp(w, stamp);
	struct buf err = BUF_INIT;
	struct search_index *ix = NULL;
	if (search_open(w->index_path, &ix, &err)) {
		if (!w->ix_missing_said)
			fprintf(stderr, "paperboy: serve: search is off until the index is built: %s\n", err.s);
		w->ix_missing_said = true;
		ix = NULL;
	}
	pthread_rwlock_wrlock(&w->ix_lock);
	struct search_index *old = w->ix;
	w->ix = ix;
	pthread_rwlock_unlock(&w->ix_lock);
	search_close(old);
	pthread_mutex_lock(&w->follow_lock);
	memcpy(w->index_stamp, stamp, sizeof(stamp));
	w->ix_seq = ix ? (int64_t)search_index_seq(ix) : -1;
	pthread_mutex_unlock(&w->follow_lock);
	buf_release(&err);
}

static void *follower_main(void *arg)
{
	struct web *w = arg;
	pthread_setname_np(pthread_self(), "pb-index");
	struct store *s = NULL;
	struct buf err = BUF_INIT;
	double said = 0;
	pthread_mutex_lock(&w->follow_lock);
	while (!w->follow_stopping) {
		bool kicked = w->follow_kick;
		w->follow_kick = false;
		pthread_mutex_unlock(&w->follow_lock);
		int64_t seq = -1;
		buf_reset(&err);
		if (!s && store_open(w->cfg.db_url, 0, &s, &err))
			s = NULL;
		if (s && store_seq(s, &seq, &err))
			seq = -1;
		if (seq >= 0) {
			/* another process may have replaced the files */
			char now[128];
			index_stamp(w, now);
			pthread_mutex_lock(&w->follow_lock);
			bool changed = strcmp(now, w->index_stamp) != 0;
			bool behind = w->ix_seq < seq;
			pthread_mutex_unlock(&w->follow_lock);
			if (changed)
				open_index(w);
			pthread_mutex_lock(&w->follow_lock);
			behind = w->ix_seq < seq;
			pthread_mutex_unlock(&w->follow_lock);
			uint64_t added = 0;
			if (behind && search_index_update(s, w->index_path, &added, &err) == 0)
				open_index(w);
		}
		if (err.len && mono_seconds() - said > 60) {
			fprintf(stderr, "paperboy: serve: index follower: %s\n", err.s);
			said = mono_seconds();
		}
		pthread_mutex_lock(&w->follow_lock);
		w->store_seq_seen = seq;
		if (seq >= 0 && w->ix_seq >= seq)
			w->behind_since = 0;
		else if (!w->behind_since)
			w->behind_since = mono_seconds();
		w->follow_passes++;
		pthread_cond_broadcast(&w->follow_done);
		if (!kicked && !w->follow_kick && !w->follow_stopping) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 500000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&w->follow_wake, &w->follow_lock, &until);
		}
	}
	pthread_mutex_unlock(&w->follow_lock);
	store_close(s);
	buf_release(&err);
	return NULL;
}

static void follower_start(struct web *w)
{
	if (pthread_create(&w->follower, NULL, follower_main, w) == 0)
		w->follower_on = true;
	else
		fprintf(stderr, "paperboy: serve: cannot start the index follower: the index will not follow the store\n");
}

static void follower_stop(struct web *w)
{
	pthread_mutex_lock(&w->follow_lock);
	w->follow_stopping = true;
	pthread_cond_broadcast(&w->follow_wake);
	pthread_mutex_unlock(&w->follow_lock);
	if (w->follower_on)
		pthread_join(w->follower, NULL);
	w->follower_on = false;
}

/* Papers were written here: the follower looks now (the service's hook). */
static void index_kick(void *ctx)
{
	struct web *w = ctx;
	pthread_mutex_lock(&w->follow_lock);
	w->follow_kick = true;
	pthread_cond_broadcast(&w->follow_wake);
	pthread_mutex_unlock(&w->follow_lock);
}

void web_index_refresh(struct req *r)
{
	/* the follower indexes what this request wrote; wait (a little) for a
	 * pass that began after it */
	struct web *w = r->w;
	pthread_mutex_lock(&w->follow_lock);
	uint64_t want = w->follow_passes + 2;
	w->follow_kick = true;
	pthread_cond_broadcast(&w->follow_wake);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	while (w->follow_passes < want && !w->follow_stopping)
		if (pthread_cond_timedwait(&w->follow_done, &w->follow_lock, &until))
			break;
	pthread_mutex_unlock(&w->follow_lock);
}

struct hit_papers {
	struct paper *ps;
	bool *found;
};

static int hit_paper(const struct paper *p, size_t i, void *ctx)
{
	struct hit_papers *h = ctx;
	paper_copy(&h->ps[i], p);
	h->found[i] = true;
	return 0;
}

struct paper *web_hit_papers(struct req *r, const struct search_hit *hits, size_t n, bool *found, struct buf *err)
{
	struct paper *ps = xcalloc(n ? n : 1, sizeof(*ps));
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		paper_init(&ps[i]);
		found[i] = false;
		ids[i] = hits[i].id;
	}
	struct hit_papers h = { ps, found };
	int rc = store_papers_get(r->s, ids, n, false, hit_paper, &h, err);
	free(ids);
	if (rc) {
		web_hit_papers_free(ps, n);
		return NULL;
	}
	return ps;
}

void web_hit_papers_free(struct paper *ps, size_t n)
{
	if (!ps)
		return;
	for (size_t i = 0; i < n; i++)
		paper_release(&ps[i]);
	free(ps);
}

int collect_cb(const struct paper *p, void *ctx)
{
	struct collect *c = ctx;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	paper_init(&c->v[c->n]);
	paper_copy(&c->v[c->n], p);
	c->n++;
	return 0;
}

void collect_free(struct collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		paper_release(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void req_votes_prefetch(struct req *r, const struct paper *ps, size_t n)
{
	if (!r->signed_in || !n)
		return;
	const char **ids = xcalloc(n, sizeof(*ids));
	bool *voted = xcalloc(n, sizeof(*voted));
	for (size_t i = 0; i < n; i++)
		ids[i] = ps[i].id;
	struct buf err = BUF_INIT;
	if (store_votes_get(r->s, r->user.id, ids, n, voted, &err) == 0) {
		for (size_t i = 0; i < n; i++) {
			strlist_push(&r->vote_known, ids[i], strlen(ids[i]));
			if (voted[i])
				strlist_push(&r->vote_yes, ids[i], strlen(ids[i]));
		}
	}
	buf_release(&err);
	free(ids);
	free(voted);
}

int web_search_run(struct req *r, const char *q, const struct search_opts *so, struct search_hit *hits, size_t *n,
		   struct search_info *info, struct buf *err)
{
	struct web *w = r->w;
	pthread_rwlock_rdlock(&w->ix_lock);
	int rc;
	if (!w->ix) {
		buf_setf(err, "Search is not available yet: the index is being built.");
		rc = -1;
	} else {
		rc = search_run(w->ix, r->wk->cur, q, so, hits, n, info, err);
	}
	pthread_rwlock_unlock(&w->ix_lock);
	return rc;
}

int web_search(struct req *r, const char *q, enum search_mode mode, struct search_hit *hits, size_t *n,
	       struct buf *err)
{
	struct search_opts so = { mode, SEARCH_RELEVANCE, false, false };
	return web_search_run(r, q, &so, hits, n, NULL, err);
}

/* Reorders hits by their papers' upvotes (relevance breaks ties). */
struct hit_votes {
	int *votes;
};

static int hit_vote(const struct paper *p, size_t i, void *ctx)
{
	((struct hit_votes *)ctx)->votes[i] = paper_upvotes(p);
	return 0;
}

void web_sort_hits_by_votes(struct req *r, struct search_hit *hits, size_t n)
{
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	struct hit_votes hv = { xcalloc(n ? n : 1, sizeof(int)) };
	for (size_t i = 0; i < n; i++) {
		ids[i] = hits[i].id;
		hv.votes[i] = -1;
	}
	struct buf err = BUF_INIT;
	store_papers_get(r->s, ids, n, false, hit_vote, &hv, &err);
	for (size_t i = 1; i < n; i++) {
		struct search_hit h = hits[i];
		int v = hv.votes[i];
		size_t j = i;
		for (; j > 0 && hv.votes[j - 1] < v; j--) {
			hits[j] = hits[j - 1];
			hv.votes[j] = hv.votes[j - 1];
		}
		hits[j] = h;
		hv.votes[j] = v;
	}
	free(ids);
	free(hv.votes);
	buf_release(&err);
}

int web_similar(struct req *r, const char *id, struct search_hit *hits, size_t *n)
{
	struct web *w = r->w;
	struct buf err = BUF_INIT;
	pthread_rwlock_rdlock(&w->ix_lock);
	int rc = w->ix ? search_similar_run(w->ix, r->wk->cur, id, SIMILAR_HYBRID, hits, n, &err) : -1;
	pthread_rwlock_unlock(&w->ix_lock);
	buf_release(&err);
	if (rc)
		*n = 0;
	return rc;
}

/* ---- start and stop ------------------------------------------------------ */

int web_serve(const struct web_config *cfg, struct buf *err)
{
	if (sodium_init() < 0) {
		buf_setf(err, "libsodium failed to initialise");
		return -1;
	}
	struct web *w = xcalloc(1, sizeof(*w));
	w->cfg = *cfg;
	if (!w->cfg.listen)
		w->cfg.listen = "127.0.0.1";
	if (w->cfg.head_timeout <= 0)
		w->cfg.head_timeout = 10;
	if (w->cfg.body_timeout <= 0)
		w->cfg.body_timeout = 30;
	if (!w->cfg.max_per_ip)
		w->cfg.max_per_ip = 64;
	if (cfg->trusted_proxy && *cfg->trusted_proxy &&
	    cidr_parse_list(cfg->trusted_proxy, "--trusted-proxy", &w->proxies, &w->nproxies, err)) {
		free(w);
		return -1;
	}
	if ((cfg->fetch_allow && fetch_policy_add(&w->fetch_policy, cfg->fetch_allow, "--fetch-allow", err)) ||
	    (cfg->thumb_pdf_base && fetch_policy_add(&w->fetch_policy, cfg->thumb_pdf_base, "--thumb-pdf-base", err))) {
		fetch_policy_release(&w->fetch_policy);
		free(w->proxies);
		free(w);
		return -1;
	}
	/* the service's rules */
	w->svc.submit_window_days = cfg->submit_window_days;
	w->svc.submit_daily_limit = cfg->submit_daily_limit;
	w->svc.moderate_submissions = cfg->moderate_submissions;
	w->svc.arxiv_api = cfg->arxiv_api;
	w->svc.fetch_policy = &w->fetch_policy;
	w->svc.vote_age_ms = (pb_time)(cfg->vote_age * 1000);
	w->svc.signups_per_ip = cfg->signups_per_ip;
	w->svc.signups_per_hour = cfg->signups_per_hour;
	w->svc.written = index_kick;
	w->svc.written_ctx = w;
	w->cache = cache_new();
	w->rcache = rcache_new();
	w->metrics = metrics_new();
	pthread_rwlock_init(&w->ix_lock, NULL);
	pthread_mutex_init(&w->follow_lock, NULL);
	pthread_cond_init(&w->follow_wake, NULL);
	pthread_cond_init(&w->follow_done, NULL);
	pthread_mutex_init(&w->workers_lock, NULL);
	pthread_key_create(&w->worker_key, NULL);
	pthread_mutex_init(&w->log_lock, NULL);
	pthread_mutex_init(&w->mail_lock, NULL);
	pthread_cond_init(&w->mail_wake, NULL);
	struct buf ip = BUF_INIT;
	search_index_path(cfg->db_url, &ip);
	w->index_path = buf_detach(&ip);
	int ret = -1;
	struct MHD_Daemon *d = NULL;
	struct store *s = NULL;
	if (store_open(cfg->db_url, 0, &s, err) || mail_secret(s, w->secret, err))
		goto out;
	store_close(s);
	s = NULL;
	/* the index as it is; the follower brings it up to date with what was
	 * written while we were down (or builds it) while we serve */
	open_index(w);
	follower_start(w);
	if (!cfg->access_log || !strcmp(cfg->access_log, "-"))
		w->log = stderr;
	else if (strcmp(cfg->access_log, "off") && !(w->log = fopen(cfg->access_log, "a"))) {
		buf_setf(err, "%s: cannot open the access log: %s", cfg->access_log, strerror(errno));
		goto out;
	}
	struct sockaddr_in6 a6;
	struct sockaddr_in a4;
	memset(&a6, 0, sizeof(a6));
	memset(&a4, 0, sizeof(a4));
	const struct sockaddr *sa;
	unsigned mflags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	if (inet_pton(AF_INET, w->cfg.listen, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)cfg->port);
		sa = (const struct sockaddr *)&a4;
	} else if (inet_pton(AF_INET6, w->cfg.listen, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)cfg->port);
		sa = (const struct sockaddr *)&a6;
		mflags |= MHD_USE_IPv6;
	} else {
		buf_setf(err, "--listen %s: not an IPv4 or IPv6 address", w->cfg.listen);
		goto out;
	}
	/* as many connections as the process can hold, less what the store,
	 * the index and the logs need */
	struct rlimit rl;
	unsigned max_conns = w->cfg.max_connections ? w->cfg.max_connections : 10000;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)max_conns + 256)
			max_conns = rl.rlim_cur > 512 ? (unsigned)rl.rlim_cur - 256 : 256;
	}
	if (conn_guard_start(w, err))
		goto out;
	/* the request pool does the work (--threads); libmicrohttpd's threads,
	 * one a core, read, answer what is cheap and send */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cfg->threads;
	if (!threads)
		threads = ncpu > 2 ? (unsigned)ncpu * 2 : 4;
	unsigned io_threads = ncpu > 2 ? (unsigned)ncpu : 2;
	w->threads = threads + io_threads;
	pool_start(w, threads);
	/* the node's name: given, or host and port (the port once bound) */
	char host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	if (cfg->node_id && *cfg->node_id)
		snprintf(w->node_buf[0], sizeof(w->node_buf[0]), "%s", cfg->node_id);
	else
		snprintf(w->node_buf[0], sizeof(w->node_buf[0]), "%s:%u", host, cfg->port);
	w->node_id = w->node_buf[0];
	/* signals go to the main thread only (blocked before the pool starts) */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	d = MHD_start_daemon(mflags, (uint16_t)cfg->port, conn_accept, w, on_request, w,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
			     MHD_OPTION_SOCK_ADDR, sa,
			     MHD_OPTION_THREAD_POOL_SIZE, io_threads,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
			     MHD_OPTION_CONNECTION_LIMIT, max_conns,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
			     MHD_OPTION_NOTIFY_CONNECTION, conn_notify, w,
			     MHD_OPTION_URI_LOG_CALLBACK, conn_uri, w,
			     MHD_OPTION_END);
	if (!d) {
		buf_setf(err, "cannot listen on %s port %u: %s", w->cfg.listen, cfg->port, strerror(errno));
		goto out;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = di ? di->port : cfg->port;
	if (!(cfg->node_id && *cfg->node_id) && port != cfg->port) {
		snprintf(w->node_buf[1], sizeof(w->node_buf[1]), "%s:%u", host, port);
		__atomic_store_n(&w->node_id, (const char *)w->node_buf[1], __ATOMIC_RELEASE);
	}
	if (cfg->base_url && *cfg->base_url)
		snprintf(w->base_url, sizeof(w->base_url), "%s", cfg->base_url);
	else
		snprintf(w->base_url, sizeof(w->base_url), "http://%s:%u", w->cfg.listen, port);
	size_t bl = strlen(w->base_url);
	while (bl && w->base_url[bl - 1] == '/')
		w->base_url[--bl] = '\0';
	/* the origin: scheme and authority of the base URL */
	const char *auth = strstr(w->base_url, "://");
	size_t ol = auth ? (size_t)(auth + 3 - w->base_url) + strcspn(auth + 3, "/") : bl;
	snprintf(w->origin, sizeof(w->origin), "%.*s", (int)ol, w->base_url);
	if (str_has_prefix(w->base_url, "https://"))
		w->cfg.secure_cookies = true;
	fprintf(stderr, "paperboy: serving %s on %s port %u (%u threads, %u connections, %u per address)\n", w->base_url,
		w->cfg.listen, port, threads, max_conns, w->cfg.max_per_ip);
	if (cfg->port_file) {
		FILE *f = fopen(cfg->port_file, "w");
		if (f) {
			fprintf(f, "%u\n", port);
			fclose(f);
		}
	}
	w->cfg.mail.base_url = w->base_url;
	if (w->cfg.sync_every <= 0)
		w->cfg.sync_every = 3600;
	if (!w->cfg.thumb_dir) {
		struct buf td = BUF_INIT;
		search_index_path(cfg->db_url, &td); /* beside the index */
		if (td.len > 7 && !strcmp(td.s + td.len - 7, ".search"))
			buf_truncate(&td, td.len - 7);
		buf_adds(&td, ".thumbs");
		w->thumb_dir = buf_detach(&td);
	} else if (strcmp(w->cfg.thumb_dir, "off")) {
		w->thumb_dir = xstrdup(w->cfg.thumb_dir);
	}
	if (w->cfg.thumb_pdf_delay <= 0)
		w->cfg.thumb_pdf_delay = 3;
	mailer_start(w);
	sync_start(w);
	thumbs_start(w);
	recs_start(w);
	fetcher_start(w);
	int sig = 0;
	while (sigwait(&sigs, &sig) != 0)
		;
	fprintf(stderr, "paperboy: %s: finishing requests in flight and stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	MHD_quiesce_daemon(d);
	/* the pool runs what waits; libmicrohttpd sends those answers */
	pool_stop(w);
	for (int i = 0; i < 500 && __atomic_load_n(&w->pool_inflight, __ATOMIC_ACQUIRE) > 0; i++)
		usleep(10000);
	MHD_stop_daemon(d);
	d = NULL;
	sync_stop(w);
	thumbs_stop(w);
	recs_stop(w);
	fetcher_stop(w);
	mailer_stop(w);
	ret = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	pool_stop(w);
	store_close(s);
	follower_stop(w);
	workers_free(w);
	pthread_key_delete(w->worker_key);
	search_close(w->ix);
	conn_guard_stop(w);
	cache_free(w->cache);
	rcache_free(w->rcache);
	metrics_free(w->metrics);
	free(w->proxies);
	if (w->log && w->log != stderr)
		fclose(w->log);
	free(w->index_path);
	free(w->thumb_dir);
	fetch_policy_release(&w->fetch_policy);
	sodium_memzero(w->secret, sizeof(w->secret));
	free(w);
	curl_global_cleanup();
	return ret;
}

/* ---- background threads ------------------------------------------------------------------------ */

void worker_start(struct web *w, struct bg_thread *k, void *(*fn)(void *), const char *what)
{
	pthread_cond_init(&k->wake, NULL);
	if (pthread_create(&k->t, NULL, fn, w) == 0) {
		k->on = true;
	} else {
		fprintf(stderr, "paperboy: cannot start the thread of %s\n", what);
		pthread_cond_destroy(&k->wake);
	}
}

void worker_stop(struct web *w, struct bg_thread *k)
{
	if (!k->on)
		return;
	pthread_mutex_lock(&w->mail_lock);
	w->stopping = true;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&w->mail_lock);
	pthread_join(k->t, NULL);
	pthread_cond_destroy(&k->wake);
	k->on = false;
}

bool worker_wait(struct web *w, struct bg_thread *k, double seconds)
{
	pthread_mutex_lock(&w->mail_lock);
	if (!w->stopping && seconds > 0) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += (time_t)seconds;
		until.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&k->wake, &w->mail_lock, &until);
	}
	bool stop = w->stopping;
	pthread_mutex_unlock(&w->mail_lock);
	return stop;
}

void worker_name(char *me, size_t cap, const char *what)
{
	char host[64] = "";
	gethostname(host, sizeof(host) - 1);
	snprintf(me, cap, "%s %ld %s", host, (long)getpid(), what);
}
