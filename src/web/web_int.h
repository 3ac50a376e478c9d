/*
 * web_int.h - private to src/web: the request and response, the route
 * table's types, HTML writing with escaping by default, and the helpers the
 * handler files (pages.c, account.c, api.c, feeds.c) share.
 */
#ifndef PAPERBOY_WEB_INT_H
#define PAPERBOY_WEB_INT_H

#include "web.h"
#include "../fetch/fetch.h"
#include "../search/search.h"
#include "../service/service.h"
#include <microhttpd.h>
#include <pthread.h>
#include <sys/socket.h>

#define PAGE_SIZE 30 /* papers per list page */
#define FORM_MAX_FIELDS 64
#define MAX_PARAMS 100 /* query parameters of one request */

struct conn_guard; /* conn.c */
struct page_cache; /* server.c */
struct pool;       /* server.c */
struct rcache;     /* rcache.c */
struct req;
struct resp;

/* The server: shared by every worker thread. */
/* a background thread of the server */
struct bg_thread {
	pthread_t t;
	pthread_cond_t wake;
	bool on;
};

struct web {
	struct web_config cfg;
	char base_url[256];
	const char *node_id; /* --node-id, or HOST:PORT (set once the port is known) */
	char node_buf[2][160];
	unsigned threads;   /* the worker threads */
	struct cidr *proxies; /* --trusted-proxy */
	size_t nproxies;
	struct metrics *metrics; /* server.c */
	char origin[256]; /* scheme://host[:port] of base_url */
	struct conn_guard *guard;
	struct page_cache *cache;
	struct pool *pool; /* the request pool (server.c) */
	struct rcache *rcache; /* answers that cost to make (rcache.c) */
	unsigned pool_inflight; /* requests given to it and not yet answered */
	/* the search index, read-only, searched by every worker at once (read
	 * lock); swapped in by the follower thread (write lock) */
	pthread_rwlock_t ix_lock;
	struct search_index *ix;
	char *index_path;
	bool ix_missing_said;
	/* the follower (server.c): what it knows, under follow_lock */
	pthread_t follower;
	bool follower_on, follow_kick, follow_stopping;
	pthread_mutex_t follow_lock;
	pthread_cond_t follow_wake, follow_done;
	uint64_t follow_passes;
	char index_stamp[128];  /* the index files' inodes, sizes and times */
	int64_t ix_seq;         /* the write sequence the index holds (-1: none) */
	int64_t store_seq_seen; /* the store's, at the last pass (-1: unreachable) */
	double behind_since;    /* since when the index lags the store (0: it does not) */
	/* the worker threads' stores and cursors (server.c) */
	pthread_key_t worker_key;
	pthread_mutex_t workers_lock;
	struct worker *workers;
	unsigned nworkers;
	uint8_t secret[32]; /* signs links (kept in the store, made on first start) */
	FILE *log;
	pthread_mutex_t log_lock;
	/* the mail thread: delivers the outbox, runs the digests on time */
	pthread_t mailer;
	bool mailer_on, stopping, mail_kicked;
	pthread_mutex_t mail_lock;
	pthread_cond_t mail_wake;
	/* background threads, each woken under mail_lock: sync (sync.c),
	 * thumbnails (thumbs.c, into thumb_dir; NULL: off), the recommender
	 * (recs.c) */
	struct bg_thread syncer, thumber, recommender;
	char *thumb_dir;
	/* where outbound requests may go: public addresses, --fetch-allow and
	 * the operator's own endpoints (the PDF base of thumbnails) */
	struct fetch_policy fetch_policy;
	/* the service's rules and settings (service.h) */
	struct svc_config svc;
	/* the arXiv fetcher: works the queue of fetches users asked for */
	struct bg_thread fetcher;
};

/* Starts fn(w) on a thread of its own (what names it in an error); stop
 * sets w->stopping, wakes it and joins it. */
void worker_start(struct web *w, struct bg_thread *k, void *(*fn)(void *), const char *what);
void worker_stop(struct web *w, struct bg_thread *k);
/* Waits up to seconds (0: not at all) for a wake; true when the server stops. */
bool worker_wait(struct web *w, struct bg_thread *k, double seconds);
/* The name a thread holds its leases by: "host pid what". */
void worker_name(char *me, size_t cap, const char *what);

/* Thumbnails (thumbs.c). */
void thumbs_start(struct web *w);
void thumbs_stop(struct web *w);
/* Whether paper id has a thumbnail in the cache. */
bool thumb_exists(struct web *w, const char *id);
/* Its path on this site: "/thumbs/ID.png". */
void thumb_path(const char *id, struct buf *out);
void h_thumb(struct req *r, struct resp *o);

/* The sync thread (sync.c): fetches what cfg.sync_jobs names on schedule. */
void sync_start(struct web *w);
void sync_stop(struct web *w);

/* The recommender thread (recs.c): remakes the "for you" lists that are due. */
void recs_start(struct web *w);
void recs_stop(struct web *w);

/* The mail thread (subscribe.c). */
void mailer_start(struct web *w);
void mailer_stop(struct web *w);
/* Wakes it to send what was just queued (a confirmation). */
void mailer_kick(struct web *w);

/* Answers kept by key for ttl seconds (rcache.c): a collection's export, a
 * private feed. rcache_get copies the answer into o (true when there). */
struct rcache *rcache_new(void);
void rcache_free(struct rcache *c);
bool rcache_get(struct rcache *c, const char *key, struct resp *o);
void rcache_put(struct rcache *c, const char *key, double ttl, const struct resp *o);

/* The arXiv fetcher (fetcher.c): works the queue of papers users asked
 * for, and counts the votes of accounts that came of age. */
void fetcher_start(struct web *w);
void fetcher_stop(struct web *w);
/* Wakes it: a job was just queued. */
void fetcher_kick(struct web *w);

struct req {
	struct web *w;
	void *conn; /* struct MHD_Connection */
	const char *method, *path;
	size_t nparams;
	struct store *s; /* this worker thread's store */
	struct worker *wk; /* and the rest of its state (server.c) */
	int route;         /* index into web_routes, -1: none matched */
	bool https;        /* the client came over https (X-Forwarded-Proto from a trusted proxy) */
	struct buf body; /* the request body (bounded) */
	struct strlist form_k, form_v; /* parsed urlencoded body */
	const char *cap[4];            /* what the route's "*" segments matched */
	char capbuf[4][256];
	struct user user;
	bool signed_in, via_token;
	uint8_t session_hash[TOKEN_HASH_BYTES];
	char csrf[48];          /* the visitor's CSRF token */
	bool new_csrf;          /* set the CSRF cookie in the response */
	bool wants_json;        /* API route: errors as JSON */
	bool search_page;       /* the search page: no second search box in the header */
	bool papers_page;       /* a list of papers (id="papers"): a skip link to it comes first */
	bool refresh;           /* the page reloads itself (what it waits for comes soon) */
	char ip[64];
	bool peer_local; /* the client is on this host (loopback, not forwarded for another) */
	/* the signed-in user's votes on the papers of this page, read at once
	 * (req_votes_prefetch): vote_known lists the papers asked about,
	 * vote_yes those voted for */
	struct strlist vote_known, vote_yes;
	/* the reader's preferences, mutes and follows, read once when needed
	 * (personal.c) */
	bool me_loaded, mutes_loaded, follows_loaded, saved_loaded;
	int64_t saved_id;    /* the reader's "Saved" collection (0: none yet) */
	struct strlist saved; /* and its papers */
	struct user_prefs prefs;
	struct paper_rules mutes;
	struct strlist follow_kind, follow_value;
};

struct resp {
	int status;
	const char *ctype;
	struct buf body;
	struct strlist headers; /* "Name: value" */
	bool private_;          /* depends on who asks: never shared caches */
	long max_age;           /* seconds any cache may keep it (0: revalidate) */
	bool no_store;
};

enum route_flags {
	R_LOGIN = 1 << 0, /* must be signed in (a session or, for API routes, a token) */
	R_CSRF = 1 << 1,  /* a state change: the form's CSRF token must match */
	R_CACHE = 1 << 2, /* ETag and 304 */
	R_API = 1 << 3,   /* JSON errors; bearer tokens accepted */
	R_ADMIN = 1 << 4, /* admins only */
	R_OLDID = 1 << 5, /* the first two "*" are one old-style arXiv id (hep-th/9901001) */
	R_LIGHT = 1 << 6, /* cheap and bounded: answered where it is read, never queued (the
			   * request pool, server.c) behind expensive requests */
	R_VOTE = 1 << 7,  /* a vote: signed out, it is cast after the sign-in */
	R_SECRET = 1 << 8, /* the path holds a secret: the access log shows the route instead */
};

typedef void (*handler_fn)(struct req *r, struct resp *o);

struct route {
	const char *method;
	const char *pattern; /* "/papers/{*}": each * matches one non-empty segment */
	handler_fn fn;
	unsigned flags;
};

/* The route table (server.c). */
extern const struct route web_routes[];
extern const size_t web_nroutes;

/* ---- pure request pieces (http.c; fuzzed) ---- */
/* Whether path matches pattern ("/papers/{*}": each * one non-empty
 * segment of less than 256 bytes, at most 4); the matches go to r->cap. */
bool route_match(const char *pattern, const char *path, struct req *r);
/* Percent-decodes s[0..n) into out ('+' is a space); out may then hold
 * any byte, NUL included (out->len counts them). */
void url_decode(struct buf *out, const char *s, size_t n);
/* Parses an urlencoded body into keys and values. -1 with a message for
 * the user in why when a field holds NUL or invalid UTF-8, or there are
 * more than FORM_MAX_FIELDS. */
int form_parse(const char *body, size_t n, struct strlist *k, struct strlist *v, struct buf *why);
/* The one check of every redirect: a path of this site ("/x", not
 * "//host", "/\host"), without control characters, spaces or backslashes. */
bool local_path_ok(const char *p);
/* Appends s for the access log: control characters, spaces, quotes and
 * backslashes as \xHH, so no request can write a line of its own; "-" for
 * an empty s. */
void log_escape(struct buf *out, const char *s);
/* Whether ip (text) is a loopback address: 127.0.0.0/8, ::1, ::ffff:127.x. */
bool ip_is_loopback(const char *ip);
/* The client an X-Forwarded-For header names behind trusted proxies: ip (the
 * peer, a trusted proxy) becomes the rightmost address not trusted. */
void forwarded_client(const struct cidr *list, size_t n, const char *xff, char ip[64]);
/* Appends one part of a page-cache key, length-prefixed, so different
 * requests never make the same key. */
void cache_key_part(struct buf *key, const char *s, size_t n);

/* ---- connections (conn.c): per-address limits and request deadlines ---- */
int conn_guard_start(struct web *w, struct buf *err);
void conn_guard_stop(struct web *w);
/* libmicrohttpd's callbacks, given to it by web_serve: the accept policy
 * (a per-address limit), connection start and end, and the raw request
 * line (too many parameters are answered 414 before MHD parses them). */
enum MHD_Result conn_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe);
void *conn_uri(void *cls, const char *uri, struct MHD_Connection *c);
/* A request's head is complete (its body, if any, is next). */
void conn_head_done(struct MHD_Connection *c);
/* The request is answered: the next one's head starts now. */
void conn_request_done(struct MHD_Connection *c);

/* ---- request helpers (server.c) ---- */
const char *req_arg(struct req *r, const char *name);    /* query string, NULL when absent */
const char *req_form(struct req *r, const char *name);   /* urlencoded body, NULL when absent */
const char *req_header(struct req *r, const char *name);
const char *req_cookie(struct req *r, const char *name);
void resp_header(struct resp *o, const char *name, const char *value);
/* Whether url (an Origin or a Referer) is of this site. */
bool origin_is_ours(struct req *r, const char *url);
/* 303 See Other to a path of this site (local_path_ok); anything else
 * goes to "/". */
void resp_redirect(struct resp *o, const char *location);
void resp_cookie(struct req *r, struct resp *o, const char *name, const char *value, long max_age, bool http_only);
/* An error page (HTML) or {"error": msg} for API routes. */
void resp_error(struct req *r, struct resp *o, int status, const char *msg);
void resp_json(struct resp *o, int status, json_t *j); /* steals j */

/* ---- HTML (html.c) ---- */
/* printf into HTML: %s is escaped, %S is trusted raw HTML, %d %u %ld %lld
 * %zu %% as usual, %U escapes for a URL component (then HTML). */
void html(struct buf *b, const char *fmt, ...);
void page_begin(struct req *r, struct resp *o, const char *title, const char *search_value);
void page_end(struct req *r, struct resp *o);
/* A hidden CSRF field for a form. */
void html_csrf(struct req *r, struct buf *b);
struct card_opts {
	int rank;          /* 1..3 gets a badge, 0 none */
	const char *badge; /* "day", "week", "month" */
	const char *highlight; /* a query whose words get <mark> */
};
void html_card(struct req *r, struct buf *b, const struct paper *p, const struct card_opts *co);
/* "N comments" (here) and "M on Hugging Face" (imported) as links. */
void comment_links(struct buf *b, const struct paper *p);
/* The paper's code, model, dataset, Space and project links, labelled by
 * kind (GitHub stars beside code); as buttons on the paper page. */
void paper_links(struct buf *b, const struct paper *p, bool buttons);
/* Title or abstract with the words of `query` marked. */
void html_highlight(struct buf *b, const char *text, const char *query);
/* "owner/repo" of a code URL, or the host. */
void code_label(const char *url, char out[128]);
/* Bars of values per label (day), as inline SVG. */
void svg_bars(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n);
void svg_line(struct buf *b, const char *title, const char *const *labels, const int *values, size_t n);
/* Markdown to safe HTML (cmark, no raw HTML, no javascript: links). */
void markdown_html(struct buf *b, const char *md);

/* ---- shared logic ---- */
/* Runs a search on the shared index (locked); fills hits; -1 with err. */
int web_search(struct req *r, const char *q, enum search_mode mode, struct search_hit *hits, size_t *n,
	       struct buf *err);
int web_similar(struct req *r, const char *id, struct search_hit *hits, size_t *n);
/* The same with options (sort, spelling) and what they found (info). */
int web_search_run(struct req *r, const char *q, const struct search_opts *so, struct search_hit *hits, size_t *n,
		   struct search_info *info, struct buf *err);
void web_sort_hits_by_votes(struct req *r, struct search_hit *hits, size_t n);
/* The order a request asks for (?sort=relevance|newest|upvotes): 0 relevance,
 * 1 newest, 2 upvotes; -1 for anything else. */
int sort_arg(const char *s);
/* The visible papers of hits[0..n), read in one round trip per hundred:
 * an array of n papers (free with web_hit_papers_free) where found[i]
 * says whether hits[i]'s is there; NULL when the store failed (err). */
struct paper *web_hit_papers(struct req *r, const struct search_hit *hits, size_t n, bool *found, struct buf *err);
void web_hit_papers_free(struct paper *ps, size_t n);
/* Papers gathered from a store callback (copies). */
struct collect {
	struct paper *v;
	size_t n, cap;
};
int collect_cb(const struct paper *p, void *ctx);
void collect_free(struct collect *c);
/* Reads the signed-in user's votes on ps[0..n) at once, for the vote
 * buttons of their cards. */
void req_votes_prefetch(struct req *r, const struct paper *ps, size_t n);
/* Brings the index up to date after a write (submission). */
void web_index_refresh(struct req *r);
/* The newest day with papers at or before `day`; "" when none. */
void latest_day(struct req *r, const char *before, char out[16]);
/* Days of the feed that hold visible papers, newest first: at least
 * min_days of them (when there are), then more while they hold fewer than
 * min_papers, up to max_days. Days, not calendar days: an instance whose
 * newest papers are weeks old still has them, and one lonely new day
 * never hides the days before it. */
#define FEED_DAYS_MAX 31
struct feed_days {
	char day[FEED_DAYS_MAX][16];
	int count[FEED_DAYS_MAX];
	size_t n;
	int papers;
};
void feed_days(struct req *r, size_t min_days, size_t max_days, int min_papers, struct feed_days *fd);
/* The home page: the newest day, and the days before it while they hold
 * fewer than HOME_MIN papers (a week of days at most); the default of
 * /api/daily_papers too. */
#define HOME_MIN 10
#define HOME_MAX_DAYS 7
/* Trending: the newest TRENDING_DAYS days of the feed, widened up to
 * TRENDING_MAX_DAYS until they hold TRENDING_MIN papers. */
#define TRENDING_DAYS 7
#define TRENDING_MAX_DAYS 30
#define TRENDING_MIN 20
/* The window [from, to) of trending and its reference time: the end of the
 * newest day of the feed (the clock, if earlier), so an archive loaded from
 * dumps still has a trending list. */
pb_time trending_now(struct req *r, char from[16], char to[16]);
/* The paper as an API envelope item. */
json_t *paper_envelope(struct req *r, const struct paper *p);
/* The same for a list: NULL when the reader muted p (?muted=show: kept, with "muted": why). */
json_t *list_envelope(struct req *r, const struct paper *p);
json_t *user_json(const char *name, const char *fullname);

/* ---- each reader's own (personal.c) ---- */
json_t *json_body(struct req *r, struct resp *o);
void atom_entry(struct req *r, struct buf *b, const struct paper *p);
void atom_begin(struct req *r, struct resp *o, const char *title, const char *self_path, const char *self_query);
/* Why the signed-in reader muted p ("word \"x\"" into why), or NULL. */
const char *req_muted(struct req *r, const struct paper *p, char why[160]);
bool req_mute_collapse(struct req *r);
/* Whether p was featured after the reader marked everything read. */
bool req_is_new(struct req *r, const struct paper *p);
bool req_follows(struct req *r, const char *kind, const char *value);
/* The reader's "Saved" collection when it holds paper id, else 0. */
int64_t req_saved(struct req *r, const char *id);
void html_follow_button(struct req *r, struct buf *b, const char *kind, const char *value, bool on, const char *back_to);
void html_mute_button(struct req *r, struct buf *b, const char *kind, const char *label, const char *value,
		      const char *back_to);
void html_collect_form(struct req *r, struct buf *b, const struct paper *p);
json_t *user_export(struct req *r);
/* The newest papers of what user follows, with why each; the papers and
 * reasons are the caller's (web_hit_papers_free, free each why). */
size_t following_papers(struct req *r, int64_t user_id, size_t limit, struct paper **papers, char ***why);
size_t recommended_papers(struct req *r, int64_t user_id, size_t limit, struct paper **papers);
void h_follow_post(struct req *r, struct resp *o);
void h_mute_post(struct req *r, struct resp *o);
void h_following(struct req *r, struct resp *o);
void h_prefs_post(struct req *r, struct resp *o);
void h_read_post(struct req *r, struct resp *o);
void h_feed_post(struct req *r, struct resp *o);
void h_feed_following(struct req *r, struct resp *o);
void h_for_you(struct req *r, struct resp *o);
void h_save(struct req *r, struct resp *o);
void h_collection_new(struct req *r, struct resp *o);
void h_collection_edit(struct req *r, struct resp *o);
void h_collection(struct req *r, struct resp *o);
void h_collections(struct req *r, struct resp *o);
void h_collection_export(struct req *r, struct resp *o);
void h_paper_bib(struct req *r, struct resp *o);
void h_export(struct req *r, struct resp *o);
void h_delete_page(struct req *r, struct resp *o);
void h_delete_post(struct req *r, struct resp *o);
void h_api_follows(struct req *r, struct resp *o);
void h_api_mutes(struct req *r, struct resp *o);
void h_api_following(struct req *r, struct resp *o);
void h_api_recs(struct req *r, struct resp *o);
void h_api_collections(struct req *r, struct resp *o);
void h_api_collection(struct req *r, struct resp *o);
void h_api_prefs(struct req *r, struct resp *o);
void h_api_feed(struct req *r, struct resp *o);
void h_my_collections(struct req *r, struct resp *o);

/* ---- auth (account.c) ---- */
/* Reads the session cookie or bearer token into r->user. */
void auth_load(struct req *r, bool allow_token);
bool csrf_ok(struct req *r);
/* The service's limits (service/limits.c) on this request's store. */
long limit_wait(struct req *r, enum svc_limit k, const char *who);
void limit_count(struct req *r, enum svc_limit k, const char *who);
void resp_retry_after(struct resp *o, long seconds);
/* The service on this request's store. */
struct svc req_svc(struct req *r);
/* The HTTP status of what a rule decided (the one table). */
int svc_http_status(enum svc_status st);
/* Queues the verification link of u's address (when mail is on). */
void send_verification(struct req *r, const struct user *u);
/* Hash of a secret token (session or API) as stored. */
void token_hash(const char *token, uint8_t out[TOKEN_HASH_BYTES]);
/* 43-character base64url of 32 random bytes. */
void token_new(char out[48]);

/* ---- handlers ---- */
void h_home(struct req *r, struct resp *o);
void h_fetch(struct req *r, struct resp *o);
/* The offer to fetch paper id from arXiv (a form, or a sign-in link). */
void fetch_offer(struct req *r, struct buf *b, const char *id);
void h_metrics(struct req *r, struct resp *o);
void h_day(struct req *r, struct resp *o);
void h_week(struct req *r, struct resp *o);
void h_month(struct req *r, struct resp *o);
void h_trending(struct req *r, struct resp *o);
void h_paper(struct req *r, struct resp *o);
void h_paper_md(struct req *r, struct resp *o);
void h_vote(struct req *r, struct resp *o);
void h_comment_add(struct req *r, struct resp *o);
void h_comment_edit(struct req *r, struct resp *o);
void h_comment_delete(struct req *r, struct resp *o);
void h_search(struct req *r, struct resp *o);
void h_submit_form(struct req *r, struct resp *o);
void h_submit(struct req *r, struct resp *o);
void h_signup_form(struct req *r, struct resp *o);
void h_signup(struct req *r, struct resp *o);
void h_signin_form(struct req *r, struct resp *o);
void h_signin(struct req *r, struct resp *o);
void h_signout(struct req *r, struct resp *o);
void h_verify_form(struct req *r, struct resp *o);
void h_verify(struct req *r, struct resp *o);
void h_verify_send(struct req *r, struct resp *o);
void h_profile(struct req *r, struct resp *o);
void h_token_add(struct req *r, struct resp *o);
void h_token_del(struct req *r, struct resp *o);
void h_admin_paper(struct req *r, struct resp *o);
void h_admin_comment(struct req *r, struct resp *o);
void h_admin_user(struct req *r, struct resp *o);
void h_admin_submissions(struct req *r, struct resp *o);
void h_admin_status(struct req *r, struct resp *o);
void h_admin_submission(struct req *r, struct resp *o);
void h_api_daily(struct req *r, struct resp *o);
void h_api_search(struct req *r, struct resp *o);
void h_api_paper(struct req *r, struct resp *o);
void h_api_vote(struct req *r, struct resp *o);
void h_api_unvote(struct req *r, struct resp *o);
void h_api_submit(struct req *r, struct resp *o);
void h_api_comment(struct req *r, struct resp *o);
void h_feed_daily(struct req *r, struct resp *o);
void h_feed_trending(struct req *r, struct resp *o);
void h_feed_search(struct req *r, struct resp *o);
void h_static(struct req *r, struct resp *o);
void h_subscribe_form(struct req *r, struct resp *o);
void h_subscribe(struct req *r, struct resp *o);
void h_confirm_form(struct req *r, struct resp *o);
void h_confirm(struct req *r, struct resp *o);
void h_manage(struct req *r, struct resp *o);
void h_manage_update(struct req *r, struct resp *o);
void h_unsubscribe_form(struct req *r, struct resp *o);
void h_unsubscribe(struct req *r, struct resp *o);
/* The profile's "Email digests" section. */
void profile_subscriptions(struct req *r, struct buf *b);
void h_health(struct req *r, struct resp *o);

#endif
