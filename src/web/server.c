/*
 * server.c - `paperboy serve`: the route table, the dispatcher and the
 * server's start and stop. libmicrohttpd's threads (one a core) read each
 * request and check its URL; cheap routes and cached pages are answered
 * there, every other request is suspended and run on the request pool
 * (pool.h), then answered back on the libmicrohttpd thread (send.h). Each
 * thread has its own store connection and search cursor (follower.h).
 */
#include "web_int.h"
#include "auth.h"
#include "conn.h"
#include "fetcher.h"
#include "follower.h"
#include "handlers.h"
#include "html.h"
#include "http.h"
#include "mailer.h"
#include "metrics.h"
#include "pool.h"
#include "rcache.h"
#include "reader.h"
#include "recs.h"
#include "respond.h"
#include "send.h"
#include "sync.h"
#include "thumbfile.h"
#include "thumbs.h"
#include "../mail/mail.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <microhttpd.h>
#include <signal.h>
#include <sodium.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_BODY (64 * 1024)
#define MAX_URL 16384

/* The route table: every URL paperboy answers, and what it requires. */
const struct route web_routes[] = {
	{ "GET", "/", h_home, R_CACHE },
	{ "GET", "/papers/date/*", h_day, R_CACHE },
	{ "GET", "/papers/week/*", h_week, R_CACHE },
	{ "GET", "/papers/month/*", h_month, R_CACHE },
	{ "GET", "/papers/trending", h_trending, R_CACHE },
	{ "GET", "/layout", h_layout, R_LIGHT },
	{ "GET", "/papers", h_papers_index, R_LIGHT },
	{ "GET", "/papers/*", h_paper, R_CACHE },
	{ "POST", "/papers/*/vote", h_vote, R_LOGIN | R_CSRF | R_VOTE },
	{ "POST", "/papers/*/fetch", h_fetch, R_LOGIN | R_CSRF },
	/* each reader's own (personal.c) */
	{ "GET", "/me/following", h_following, R_LOGIN },
	{ "GET", "/me/for-you", h_for_you, R_LOGIN },
	{ "POST", "/me/follow", h_follow_post, R_LOGIN | R_CSRF | R_OWN },
	{ "POST", "/me/mute", h_mute_post, R_LOGIN | R_CSRF | R_OWN },
	{ "POST", "/me/prefs", h_prefs_post, R_LOGIN | R_CSRF | R_OWN },
	{ "POST", "/me/read", h_read_post, R_LOGIN | R_CSRF | R_OWN },
	{ "POST", "/me/feed", h_feed_post, R_LOGIN | R_CSRF | R_OWN },
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
	{ "POST", "/api/me/follows", h_api_follows, R_API | R_LOGIN | R_OWN },
	{ "DELETE", "/api/me/follows", h_api_follows, R_API | R_LOGIN | R_OWN },
	{ "GET", "/api/me/mutes", h_api_mutes, R_API | R_LOGIN },
	{ "POST", "/api/me/mutes", h_api_mutes, R_API | R_LOGIN | R_OWN },
	{ "DELETE", "/api/me/mutes", h_api_mutes, R_API | R_LOGIN | R_OWN },
	{ "GET", "/api/me/following", h_api_following, R_API | R_LOGIN },
	{ "GET", "/api/me/recommendations", h_api_recs, R_API | R_LOGIN },
	{ "GET", "/api/me/collections", h_api_collections, R_API | R_LOGIN },
	{ "POST", "/api/me/collections", h_api_collections, R_API | R_LOGIN },
	{ "GET", "/api/me/export", h_export, R_API | R_LOGIN },
	{ "GET", "/api/me/prefs", h_api_prefs, R_API | R_LOGIN },
	{ "PUT", "/api/me/prefs", h_api_prefs, R_API | R_LOGIN | R_OWN },
	{ "POST", "/api/me/feed", h_api_feed, R_API | R_LOGIN | R_OWN },
	{ "DELETE", "/api/me/feed", h_api_feed, R_API | R_LOGIN | R_OWN },
	{ "GET", "/me/collections", h_my_collections, R_LOGIN },
	{ "DELETE", "/api/me", h_delete_post, R_API | R_LOGIN },
	{ "GET", "/api/me", h_api_me, R_API | R_LOGIN },
	{ "GET", "/api/whoami-v2", h_api_me, R_API | R_LOGIN },
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
	/* a text too long for a URL (a pasted abstract); reads, changes nothing */
	{ "POST", "/search", h_search, R_READS },
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
	{ "GET", "/account/password", h_password_form, R_LOGIN },
	{ "POST", "/account/password", h_password, R_LOGIN | R_CSRF | R_OWN },
	{ "GET", "/account/forgot", h_forgot_form, 0 },
	{ "POST", "/account/forgot", h_forgot, R_CSRF },
	{ "GET", "/account/reset", h_reset_form, 0 },
	{ "POST", "/account/reset", h_reset, R_CSRF },
	{ "GET", "/u/*", h_profile, R_CACHE },
	{ "GET", "/orgs/*", h_org, R_CACHE },
	{ "POST", "/settings/tokens", h_token_add, R_LOGIN | R_CSRF | R_OWN },
	{ "POST", "/settings/tokens/*/delete", h_token_del, R_LOGIN | R_CSRF | R_OWN },
	{ "POST", "/admin/papers/*", h_admin_paper, R_LOGIN | R_CSRF | R_ADMIN },
	{ "POST", "/admin/comments/*", h_admin_comment, R_LOGIN | R_CSRF | R_ADMIN },
	{ "POST", "/admin/users/*", h_admin_user, R_LOGIN | R_CSRF | R_ADMIN },
	{ "GET", "/admin/submissions", h_admin_submissions, R_LOGIN | R_ADMIN },
	{ "GET", "/admin/status", h_admin_status, R_LOGIN | R_ADMIN },
	{ "POST", "/admin/submissions/*", h_admin_submission, R_LOGIN | R_CSRF | R_ADMIN },
	{ "GET", "/api/daily_papers", h_api_daily, R_API | R_CACHE },
	{ "GET", "/api/papers/search", h_api_search, R_API | R_CACHE },
	{ "POST", "/api/papers/search", h_api_search, R_API | R_READS },
	{ "GET", "/api/papers/*", h_api_paper, R_API | R_CACHE },
	{ "GET", "/api/papers/*/references", h_api_refs, R_API | R_CACHE },
	{ "GET", "/api/papers/*/citations", h_api_refs, R_API | R_CACHE },
	{ "GET", "/api/papers/*/*/references", h_api_refs, R_API | R_CACHE | R_OLDID },
	{ "GET", "/api/papers/*/*/citations", h_api_refs, R_API | R_CACHE | R_OLDID },
	{ "GET", "/api/papers/*/*", h_api_paper, R_API | R_CACHE | R_OLDID },
	{ "POST", "/api/papers/*/upvote", h_api_vote, R_API | R_LOGIN },
	{ "DELETE", "/api/papers/*/upvote", h_api_unvote, R_API | R_LOGIN },
	{ "POST", "/api/papers/submit", h_api_submit, R_API | R_LOGIN },
	{ "POST", "/api/papers/*/comment", h_api_comment, R_API | R_LOGIN },
	{ "GET", "/feeds/daily.atom", h_feed_daily, R_CACHE },
	{ "GET", "/feeds/trending.atom", h_feed_trending, R_CACHE },
	{ "GET", "/feeds/search.atom", h_feed_search, R_CACHE },
	{ "GET", "/static/*", h_static, R_CACHE | R_LIGHT | R_ANON },
	{ "GET", "/static/katex/*", h_katex, R_CACHE | R_LIGHT | R_ANON },
	{ "GET", "/static/katex/*/*", h_katex, R_CACHE | R_LIGHT | R_ANON },
	{ "GET", "/thumbs/*", h_thumb, R_CACHE | R_LIGHT | R_ANON },
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
	{ "GET", "/favicon.ico", h_static, R_CACHE | R_LIGHT | R_NOARGS | R_ANON },
	{ "GET", "/robots.txt", h_robots, R_CACHE | R_LIGHT | R_NOARGS | R_ANON },
	{ "GET", "/sitemap.xml", h_sitemap, R_CACHE | R_NOARGS },
	{ "GET", "/healthz", h_health, R_LIGHT | R_ANON },
	{ "GET", "/metrics", h_metrics, R_LIGHT },
};
const size_t web_nroutes = ARRAY_SIZE(web_routes);

/* ---- a request on its way -------------------------------------------------
 * Read on a libmicrohttpd thread, perhaps run on a thread of the request
 * pool (suspended meanwhile), answered back on the libmicrohttpd thread. */
enum cx_state { CX_NEW, CX_QUEUED, CX_DONE };
struct conn_ctx {
	struct pool_job job; /* first: the pool hands it back */
	struct req r;
	struct resp o;
	struct MHD_Connection *c;
	const struct route *rt;
	unsigned flags;
	enum cx_state state;
	double t0;
	double cpu; /* the handler's CPU seconds */
	bool too_big;
	const char *misframed; /* why the request's framing is refused (NULL: it is not) */
	int misframed_status;
};

/* The request pool's bounds: POOL_MAX_QUEUE waiting, POOL_MAX_PER_IP of
 * them from one address (503 beyond), and a request that waited
 * POOL_MAX_WAIT seconds is answered 503 without running. */
#define POOL_MAX_QUEUE 1024
#define POOL_MAX_PER_IP 64
#define POOL_MAX_WAIT 30.0

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
	if (local_path_ok(rest) && auth_origin_is_ours(r, ref))
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

/* The store cannot be reached (or failed mid-request, and passes). */
static void store_unavailable(struct req *r, struct resp *o, enum pb_status k)
{
	strlist_release(&o->headers);
	resp_error(r, o, 503, "The database is not available right now; try again in a few seconds.");
	int retry;
	resp_status(k, &retry);
	resp_retry_after(o, retry);
	o->no_store = true;
}

/* Runs the route of a request whose checks of the URL passed: the state
 * of this thread, who asks, the body, the route's requirements, the
 * handler. Into cx->o. On a libmicrohttpd thread or one of the pool's. */
static void run_route(struct web *w, struct conn_ctx *cx)
{
	struct req *r = &cx->r;
	struct resp *o = &cx->o;
	unsigned flags = cx->flags;
	const char *method = !strcmp(r->method, "HEAD") ? "GET" : r->method;
	bool writes = strcmp(method, "GET") != 0 && !(flags & R_READS);
	struct buf err = BUF_INIT;
	double cpu0 = thread_cpu();
	if (!(r->ts = thread_state(w, &err))) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		store_unavailable(r, o, PB_UNAVAILABLE);
		buf_release(&err);
		return;
	}
	r->s = r->ts->s;
	store_failures_clear(r->s);
	uint64_t written = store_writes(r->s);
	enum pb_status who = flags & R_ANON ? PB_OK : auth_load(r, flags & R_API);
	const char *ctype = req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (who != PB_OK) {
		resp_outcome(r, o, who, r->wants_json ? "the database failed" : "The database failed.");
	} else if (r->body.len && ctype && str_has_prefix(ctype, "application/x-www-form-urlencoded") &&
		   form_parse(r->body.s, r->body.len, &r->form_k, &r->form_v, &err)) {
		resp_error(r, o, 400, err.s);
	} else if ((flags & R_LOGIN) && !r->signed_in && (flags & R_VOTE)) {
		vote_signin(r, o);
	} else if ((flags & R_LOGIN) && !r->signed_in) {
		need_signin(r, o, method);
	} else if ((flags & R_ADMIN) && !r->user.admin) {
		resp_error(r, o, 403, "Only an administrator may do that.");
	} else if (writes && !r->via_token && (flags & (R_CSRF | R_API)) && (!auth_csrf_ok(r) || !auth_same_origin(r))) {
		/* a write on the strength of a cookie: the page's CSRF token
		 * and this site's origin, for forms and API calls alike
		 * (bearer tokens are not sent by browsers on their own) */
		resp_error(r, o, 403, "The form is missing its security token or it is stale; reload the page and try again.");
	} else {
		metrics_busy(w->metrics, 1);
		cx->rt->fn(r, o);
		metrics_busy(w->metrics, -1);
	}
	/* a page that rendered past a passing store failure (the server
	 * went away mid-request) is not served as if whole */
	enum pb_status k = store_first_failure(r->s);
	int retry = 0;
	if (k != PB_OK)
		resp_status(k, &retry);
	if (retry && o->status < 500) {
		fprintf(stderr, "paperboy: serve: %s %s: the store is %s\n", r->method, r->path, pb_status_name(k));
		store_unavailable(r, o, k);
	}
	/* only a request that changed rows can have changed what the
	 * anonymous pages show: a refused POST (no token, signed out, a
	 * sign-out without a session) leaves the cache to everyone else, and
	 * so does a change to what its reader alone sees (an account toggling
	 * a follow in a loop would otherwise have every visitor's page made
	 * again) */
	if (writes && !(flags & R_OWN) && store_writes(r->s) != written)
		page_cache_changed(w->cache);
	cx->cpu += thread_cpu() - cpu0;
	buf_release(&err);
}

/* Sends what cx holds and forgets it. */
static enum MHD_Result answer(struct web *w, struct MHD_Connection *c, struct conn_ctx *cx)
{
	enum MHD_Result rc = send_answer(c, w, &cx->r, &cx->o, cx->flags, cx->t0, cx->cpu);
	resp_release(&cx->o);
	if (cx->state == CX_QUEUED)
		__atomic_sub_fetch(&w->pool_inflight, 1, __ATOMIC_RELEASE);
	cx->state = CX_DONE;
	return rc;
}

/* The route of r (NULL: none; *path_known: another method's). */
static const struct route *find_route(struct req *r, bool *path_known)
{
	const char *method = !strcmp(r->method, "HEAD") ? "GET" : r->method;
	*path_known = false;
	for (size_t i = 0; i < web_nroutes; i++) {
		if (!route_match(web_routes[i].pattern, r->path, r))
			continue;
		*path_known = true;
		if (!strcmp(web_routes[i].method, method))
			return &web_routes[i];
	}
	return NULL;
}

/* Adds one query parameter to a URL being rebuilt, percent-encoded. */
static enum MHD_Result add_query_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				     const char *value, size_t value_size)
{
	(void)kind;
	struct buf *b = cls;
	buf_addf(b, "%c", strchr(b->s, '?') ? '&' : '?');
	for (int part = 0; part < 2; part++) {
		const char *s = part ? value : key;
		size_t n = part ? value_size : key_size;
		if (part && !value)
			break;
		if (part)
			buf_addf(b, "=");
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];
			if (isalnum(ch) || strchr("-._~", ch))
				buf_addf(b, "%c", ch);
			else
				buf_addf(b, "%%%02X", ch);
		}
	}
	return MHD_YES;
}

/* A GET of a path with a trailing slash (but "/"): 301 to the path without
 * it, the query kept, as Hugging Face does; /papers/ is /papers. Whether
 * it answered. */
static bool slash_redirect(struct MHD_Connection *c, struct req *r, struct resp *o)
{
	size_t n = strlen(r->path);
	if (n < 2 || r->path[n - 1] != '/' || (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")))
		return false;
	while (n > 1 && r->path[n - 1] == '/')
		n--;
	struct buf to = BUF_INIT;
	buf_addf(&to, "%.*s", (int)n, r->path);
	if (!strcmp(to.s, "/papers")) {
		h_papers_index(r, o);
	} else {
		MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, add_query_arg, &to);
		resp_redirect(o, to.s);
		o->status = 301;
	}
	buf_release(&to);
	return true;
}

/* Who the client is: its address (the one a trusted balancer names), https. */
static void find_client(struct web *w, struct MHD_Connection *c, struct req *r)
{
	client_ip(c, r->ip);
	r->peer_local = ip_is_loopback(r->ip);
	if (w->nproxies && cidr_match(w->proxies, w->nproxies, r->ip)) {
		/* the balancer: the client is who it says */
		forwarded_client(w->proxies, w->nproxies, req_header(r, "X-Forwarded-For"), r->ip);
		const char *proto = req_header(r, "X-Forwarded-Proto");
		r->https = proto && !strcasecmp(proto, "https");
		r->peer_local = r->peer_local && ip_is_loopback(r->ip);
	}
}

/* The visitor's CSRF token: a random value in an HttpOnly cookie that every
 * form repeats (double submit; SameSite=Lax on top); none for an anonymous
 * cacheable page (the same page for every anonymous visitor). */
static void find_csrf(struct req *r, bool anon)
{
	const char *ck = req_cookie(r, "pb_csrf");
	if (anon)
		r->csrf[0] = '\0';
	else if (ck && strlen(ck) == 43 && strspn(ck, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43)
		snprintf(r->csrf, sizeof(r->csrf), "%s", ck);
	else {
		auth_token_new(r->csrf);
		r->new_csrf = true;
	}
}

/* Gives cx to the pool (the connection waits, suspended); after an answer
 * of its own when the pool is full. */
static enum MHD_Result to_pool(struct web *w, struct MHD_Connection *c, struct conn_ctx *cx)
{
	cx->job.from = cx->r.ip;
	cx->state = CX_QUEUED;
	__atomic_add_fetch(&w->pool_inflight, 1, __ATOMIC_RELEASE);
	int pushed = pool_push(w->pool, &cx->job);
	if (pushed == 0) {
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	resp_error(&cx->r, &cx->o, 503, pushed == 1 ? "The server is busy; try again in a few seconds."
						     : "You have many requests waiting; try again in a few seconds.");
	resp_retry_after(&cx->o, 2);
	cx->o.no_store = true;
	return answer(w, c, cx);
}

static enum MHD_Result dispatch(struct web *w, struct MHD_Connection *c, struct conn_ctx *cx)
{
	struct req *r = &cx->r;
	if (cx->state == CX_QUEUED) /* back from the pool */
		return answer(w, c, cx);
	struct resp *o = &cx->o;
	resp_init(o);
	bool path_known;
	const struct route *rt = find_route(r, &path_known);
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
	find_client(w, c, r);
	struct args_check args = { strlen(r->path), 0, false };
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, check_arg, &args);
	r->nparams = args.n;
	bool anon = rt && (flags & R_CACHE) && !strcmp(rt->method, "GET") && !req_cookie(r, "pb_session") &&
		    !req_header(r, "Authorization") && !args.bad && args.len <= MAX_URL && !cx->misframed;
	find_csrf(r, anon);
	enum MHD_Result rc;
	if (anon && send_cached(c, w, r, flags, cx->t0, &rc)) {
		resp_release(o);
		cx->state = CX_DONE;
		return rc;
	}
	if (cx->misframed) {
		resp_error(r, o, cx->misframed_status, cx->misframed);
		strlist_push_text(&o->headers, "Connection: close", strlen("Connection: close"));
	} else if (cx->too_big)
		resp_error(r, o, 413, "The request body is too large (64 KiB at most).");
	else if (args.len > MAX_URL)
		resp_error(r, o, 414, "The URL is too long.");
	else if (args.n > MAX_PARAMS)
		resp_error(r, o, 414, "The URL has too many query parameters.");
	else if (args.bad)
		resp_error(r, o, 400, "The URL holds a NUL character or bytes that are not UTF-8 text.");
	else if (slash_redirect(c, r, o))
		;
	else if (!rt)
		resp_error(r, o, path_known ? 405 : 404, path_known ? "That method is not allowed here." : "There is no such page.");
	else if (!(flags & R_LIGHT) && w->pool)
		return to_pool(w, c, cx); /* the work goes to the pool; this thread serves others */
	else
		run_route(w, cx);
	return answer(w, c, cx);
}

/* The pool's callbacks: run a request, or say it waited too long; then
 * back to libmicrohttpd, which sends the answer (cx is its own from here). */
static void pool_run(void *ctx, struct pool_job *j)
{
	struct conn_ctx *cx = (struct conn_ctx *)j;
	run_route(ctx, cx);
	MHD_resume_connection(cx->c);
}

static void pool_expire(void *ctx, struct pool_job *j)
{
	(void)ctx;
	struct conn_ctx *cx = (struct conn_ctx *)j;
	resp_error(&cx->r, &cx->o, 503, "The server is busy; try again in a few seconds.");
	resp_retry_after(&cx->o, 5);
	cx->o.no_store = true;
	MHD_resume_connection(cx->c);
}

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
				     const char *value, size_t value_size)
{
	(void)kind;
	(void)key_size;
	(void)value_size;
	struct framing *f = cls;
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		f->content_lengths++;
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		f->transfer_encodings++;
		f->chunked_only &= value && !strcasecmp(value, "chunked");
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_HOST)) {
		f->hosts++;
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct web *w = cls;
	if (*con_cls == &conn_refused) /* answered already (conn_uri): nothing runs */
		return MHD_NO;
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
		struct framing f = { .chunked_only = true, .http11 = version && !strcmp(version, MHD_HTTP_VERSION_1_1) };
		MHD_get_connection_values_n(c, MHD_HEADER_KIND, count_framing, &f);
		if ((cx->misframed = framing_problem(&f, &cx->misframed_status)))
			return dispatch(w, c, cx); /* answer now, read no body, and close */
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
	if (!cx || *con_cls == &conn_refused)
		return;
	if (cx->state == CX_QUEUED) { /* run, but the client went before the answer */
		resp_release(&cx->o);
		__atomic_sub_fetch(&cx->r.w->pool_inflight, 1, __ATOMIC_RELEASE);
	}
	buf_release(&cx->r.body);
	strlist_release(&cx->r.form_k);
	strlist_release(&cx->r.form_v);
	reader_free(cx->r.reader);
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

/* ---- start and stop ------------------------------------------------------ */

/* The hosts a paper's media are shown from (--media-hosts: names, comma
 * separated; "off": none) and the CSP that lets them in, for images and
 * for audio and video; -1 with err set for a name that is not a host. */
static int media_policy(struct web *w, const char *hosts, struct buf *err)
{
	if (!hosts)
		hosts = "cdn-uploads.huggingface.co,cdn-thumbnails.huggingface.co";
	if (strcmp(hosts, "off"))
		strlist_split(&w->media_hosts, hosts, strlen(hosts), ',');
	struct buf src = BUF_INIT;
	for (size_t i = 0; i < w->media_hosts.n; i++) {
		const char *h = w->media_hosts.v[i];
		size_t n = strlen(h);
		if (!n || n > 253 || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n ||
		    h[0] == '.' || h[0] == '-') {
			buf_addf(err, "--media-hosts: \"%s\" is not a host name (give names, comma separated, or off)", h);
			buf_release(&src);
			return -1;
		}
		buf_addf(&src, " https://%s", h);
	}
	struct buf csp = BUF_INIT;
	buf_addf(&csp, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:%s; ", src.s);
	if (src.len)
		buf_addf(&csp, "media-src 'self'%s; ", src.s);
	buf_adds(&csp, "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	w->csp = buf_detach(&csp);
	buf_release(&src);
	return 0;
}

/* The server's state from the configuration; NULL with err. */
static struct web *web_new(const struct web_config *cfg, struct buf *err)
{
	struct web *w = xcalloc(1, sizeof(*w));
	w->cfg = *cfg;
	if (!w->cfg.listen)
		w->cfg.listen = "127.0.0.1";
	if (w->cfg.head_timeout <= 0)
		w->cfg.head_timeout = 10;
	if (w->cfg.page_cache_ttl < 0)
		w->cfg.page_cache_ttl = 0;
	if (w->cfg.body_timeout <= 0)
		w->cfg.body_timeout = 30;
	if (!w->cfg.max_per_ip)
		w->cfg.max_per_ip = 64;
	if (w->cfg.sync_every <= 0)
		w->cfg.sync_every = 3600;
	if (w->cfg.thumb_pdf_delay <= 0)
		w->cfg.thumb_pdf_delay = 3;
	if ((cfg->trusted_proxy && *cfg->trusted_proxy &&
	     cidr_parse_list(cfg->trusted_proxy, "--trusted-proxy", &w->proxies, &w->nproxies, err)) ||
	    (cfg->fetch_allow && fetch_policy_add(&w->fetch_policy, cfg->fetch_allow, "--fetch-allow", err)) ||
	    (cfg->thumb_pdf_base && fetch_policy_add(&w->fetch_policy, cfg->thumb_pdf_base, "--thumb-pdf-base", err)) ||
	    media_policy(w, cfg->media_hosts, err)) {
		fetch_policy_release(&w->fetch_policy);
		strlist_release(&w->media_hosts);
		free(w->csp);
		free(w->proxies);
		free(w);
		return NULL;
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
	w->svc.passwords_per_ip = cfg->passwords_per_ip;
	w->svc.written = follower_kick;
	w->svc.written_ctx = w;
	w->cache = page_cache_new();
	w->rcache = rcache_new();
	w->metrics = metrics_new(web_nroutes);
	pthread_rwlock_init(&w->ix_lock, NULL);
	pthread_mutex_init(&w->follow_lock, NULL);
	pthread_cond_init(&w->follow_wake, NULL);
	pthread_cond_init(&w->follow_done, NULL);
	pthread_mutex_init(&w->states_lock, NULL);
	pthread_key_create(&w->state_key, NULL);
	pthread_mutex_init(&w->log_lock, NULL);
	bg_init(&w->bg);
	struct buf ip = BUF_INIT;
	if (cfg->index_path)
		buf_adds(&ip, cfg->index_path);
	else
		search_index_path(cfg->db_url, &ip);
	w->index_path = buf_detach(&ip);
	/* thumbnails: a cache folder beside the index, unless given or off */
	if (!w->cfg.thumb_dir) {
		struct buf td = BUF_INIT;
		buf_adds(&td, w->index_path);
		if (td.len > 7 && !strcmp(td.s + td.len - 7, ".search"))
			buf_truncate(&td, td.len - 7);
		buf_adds(&td, ".thumbs");
		w->thumb_dir = buf_detach(&td);
	} else if (strcmp(w->cfg.thumb_dir, "off")) {
		w->thumb_dir = xstrdup(w->cfg.thumb_dir);
	}
	/* math: KaTeX's files, when they are there */
	const char *kd = w->cfg.katex_dir ? w->cfg.katex_dir : PAPERBOY_DEFAULT_KATEX;
	if (strcmp(kd, "off")) {
		struct buf kf = BUF_INIT;
		buf_addf(&kf, "%s/katex.min.js", kd);
		if (!access(kf.s, R_OK))
			w->katex_dir = xstrdup(kd);
		else if (w->cfg.katex_dir)
			fprintf(stderr, "paperboy: math rendering is off: %s: no katex.min.js there\n", kd);
		buf_release(&kf);
	}
	return w;
}

static void web_free(struct web *w)
{
	thread_states_release(w);
	pthread_key_delete(w->state_key);
	search_close(w->ix);
	page_cache_free(w->cache);
	rcache_free(w->rcache);
	metrics_free(w->metrics);
	thumb_set_free(w);
	bg_release(&w->bg);
	free(w->proxies);
	if (w->log && w->log != stderr)
		fclose(w->log);
	free(w->index_path);
	free(w->thumb_dir);
	free(w->katex_dir);
	strlist_release(&w->media_hosts);
	free(w->csp);
	fetch_policy_release(&w->fetch_policy);
	sodium_memzero(w->secret, sizeof(w->secret));
	free(w);
}

/* The address to listen on, from --listen and --port. */
static int listen_addr(struct web *w, struct sockaddr_storage *ss, unsigned *mflags, struct buf *err)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, w->cfg.listen, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)w->cfg.port);
	} else if (inet_pton(AF_INET6, w->cfg.listen, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)w->cfg.port);
		*mflags |= MHD_USE_IPv6;
	} else {
		buf_setf(err, "--listen %s: not an IPv4 or IPv6 address", w->cfg.listen);
		return -1;
	}
	return 0;
}

/* As many connections as the process can hold, less what the store, the
 * index and the logs need. */
static unsigned max_connections(struct web *w)
{
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
	return max_conns;
}

/* The node's name (given, or host and port), the base URL and its origin,
 * at start, and again once the port is bound. */
static void name_node(struct web *w, unsigned port, int slot)
{
	char host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	if (w->cfg.node_id && *w->cfg.node_id)
		snprintf(w->node_buf[slot], sizeof(w->node_buf[slot]), "%s", w->cfg.node_id);
	else
		snprintf(w->node_buf[slot], sizeof(w->node_buf[slot]), "%s:%u", host, port);
	__atomic_store_n(&w->node_id, (const char *)w->node_buf[slot], __ATOMIC_RELEASE);
	if (w->cfg.base_url && *w->cfg.base_url)
		snprintf(w->base_url, sizeof(w->base_url), "%s", w->cfg.base_url);
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
	w->cfg.mail.base_url = w->base_url;
}

/* libmicrohttpd with its threads (one a core) and the request pool
 * (--threads); NULL with err. */
static struct MHD_Daemon *start_http(struct web *w, unsigned *port, struct buf *err)
{
	unsigned mflags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
	struct sockaddr_storage ss;
	if (listen_addr(w, &ss, &mflags, err))
		return NULL;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = w->cfg.threads ? w->cfg.threads : ncpu > 2 ? (unsigned)ncpu * 2 : 4;
	unsigned io_threads = ncpu > 2 ? (unsigned)ncpu : 2, max_conns = max_connections(w);
	w->threads = threads + io_threads;
	w->pool = pool_new(threads, POOL_MAX_QUEUE, POOL_MAX_PER_IP, POOL_MAX_WAIT, pool_run, pool_expire, w);
	if (!w->pool)
		fprintf(stderr, "paperboy: serve: cannot start the request threads: requests run where they are read\n");
	struct MHD_Daemon *d = MHD_start_daemon(
		mflags, (uint16_t)w->cfg.port, conn_accept, w, on_request, w, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, w,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, io_threads,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, max_conns,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_NOTIFY_CONNECTION, conn_notify, w,
		MHD_OPTION_URI_LOG_CALLBACK, conn_uri, w, MHD_OPTION_END);
	if (!d) {
		buf_setf(err, "cannot listen on %s port %u: %s", w->cfg.listen, w->cfg.port, strerror(errno));
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = di ? di->port : w->cfg.port;
	fprintf(stderr, "paperboy: serving on %s port %u (%u request threads, %u connection threads, %u connections, "
			"%u per address)\n",
		w->cfg.listen, *port, threads, io_threads, max_conns, w->cfg.max_per_ip);
	if (svc_password_weak())
		fprintf(stderr, "paperboy: PAPERBOY_TEST_WEAK_PASSWORDS=1: new passwords are hashed with test-only weak "
				"limits; never serve real accounts so\n");
	return d;
}

/* Stops taking connections, lets the pool finish what waits and
 * libmicrohttpd send those answers, then stops it. New connections are
 * refused by the accept policy rather than by MHD_quiesce_daemon: with a
 * pool of epoll threads, quiescing races a thread that takes the listening
 * socket out of its epoll set itself, and libmicrohttpd then aborts the
 * process ("Failed to remove listen FD from epoll set", seen once in a run of
 * the tests). */
static void stop_http(struct web *w, struct MHD_Daemon *d)
{
	__atomic_store_n(&w->stopping, true, __ATOMIC_RELEASE);
	pool_free(w->pool);
	w->pool = NULL;
	for (int i = 0; i < 500 && __atomic_load_n(&w->pool_inflight, __ATOMIC_ACQUIRE) > 0; i++)
		usleep(10000);
	MHD_stop_daemon(d);
}

/* The bound port, written under another name and renamed over path, so
 * that whoever waits for the file never reads it half written. */
static void write_port_file(const char *path, unsigned port)
{
	if (!path)
		return;
	struct buf tmp;
	buf_init(&tmp);
	buf_setf(&tmp, "%s.%ld.tmp", path, (long)getpid());
	FILE *f = fopen(tmp.s, "w");
	if (f) {
		fprintf(f, "%u\n", port);
		if (fclose(f) == 0)
			rename(tmp.s, path);
		else
			unlink(tmp.s);
	}
	buf_release(&tmp);
}

int web_serve(const struct web_config *cfg, struct buf *err)
{
	/* SIGTERM and SIGINT go to the main thread only, once it waits for
	 * them: blocked here, before the first thread starts (each inherits
	 * the mask), so one that comes while the server starts waits for it to
	 * be up, then stops it as any other does */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (sodium_init() < 0) {
		buf_setf(err, "libsodium failed to initialise");
		return -1;
	}
	struct web *w = web_new(cfg, err);
	if (!w)
		return -1;
	int ret = -1;
	struct MHD_Daemon *d = NULL;
	struct store *s = NULL;
	bool guarded = false;
	if (store_open(cfg->db_url, 0, &s, err) || mail_secret(s, w->secret, err))
		goto out;
	store_close(s);
	s = NULL;
	if (!cfg->access_log || !strcmp(cfg->access_log, "-"))
		w->log = stderr;
	else if (strcmp(cfg->access_log, "off") && !(w->log = fopen(cfg->access_log, "a"))) {
		buf_setf(err, "%s: cannot open the access log: %s", cfg->access_log, strerror(errno));
		goto out;
	}
	/* the index as it is; the follower brings it up to date with what was
	 * written while we were down (or builds it) while we serve */
	follower_open(w);
	follower_start(w);
	if (conn_guard_start(w, err))
		goto out;
	guarded = true;
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	name_node(w, cfg->port, 0);
	unsigned port;
	if (!(d = start_http(w, &port, err)))
		goto out;
	name_node(w, port, 1); /* (the port once bound: another buffer, read by threads already) */
	fprintf(stderr, "paperboy: serving %s\n", w->base_url);
	write_port_file(cfg->port_file, port);
	thumb_set_load(w);
	mailer_start(w);
	sync_start(w);
	thumbs_start(w);
	recs_start(w);
	fetcher_start(w);
	int sig = 0;
	while (sigwait(&sigs, &sig) != 0)
		;
	fprintf(stderr, "paperboy: %s: finishing requests in flight and stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	stop_http(w, d);
	d = NULL;
	sync_stop(w);
	thumbs_stop(w);
	recs_stop(w);
	fetcher_stop(w);
	mailer_stop(w);
	ret = 0;
out:
	if (ret) /* start-up failed: ^C may end the waits below (a follower's build) */
		pthread_sigmask(SIG_UNBLOCK, &sigs, NULL);
	if (d)
		stop_http(w, d);
	pool_free(w->pool);
	store_close(s);
	follower_stop(w);
	if (guarded)
		conn_guard_stop(w);
	web_free(w);
	curl_global_cleanup();
	return ret;
}
