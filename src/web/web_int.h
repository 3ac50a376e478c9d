/*
 * web_int.h - private to src/web: the types every floor of the web room
 * shares, and nothing else. The server (struct web: one per `serve`), a
 * request being answered (struct req) and its answer (struct resp), and
 * the route table's types. Each file of src/web has a header of its own
 * that is its interface, from the bottom floor up:
 *
 *   bottom  http.h (pure request pieces), conn.h (connection limits),
 *           respond.h (a request's inputs, an answer's parts), auth.h (who
 *           asks: sessions, tokens, CSRF), bg.h (background threads),
 *           pool.h (the request pool), metrics.h, send.h (the response
 *           pipeline, the page cache, the access log), rcache.h,
 *           follower.h (the search index and its follower), lists.h (the
 *           feed's days, hits to papers), reader.h (the reader's state,
 *           read once per request)
 *   middle  html.h (pages and cards from data), json.h (the API's shapes),
 *           atom.h (feeds): they render what they are given and call no
 *           handler
 *   top     handlers.h (every route's handler) and the background jobs
 *           (sync.h, thumbs.h, recs.h, fetcher.h, mailer.h); server.c (the
 *           route table, the dispatcher, web_serve) over all of them
 */
#ifndef PAPERBOY_WEB_INT_H
#define PAPERBOY_WEB_INT_H

#include "web.h"
#include "../fetch/fetch.h"
#include "../search/search.h"
#include "../service/service.h"
#include "bg.h"
#include <pthread.h>

#define PAGE_SIZE 30 /* papers per list page */
#define FORM_MAX_FIELDS 64
#define MAX_PARAMS 100 /* query parameters of one request */

struct conn_guard;  /* conn.c */
struct page_cache;  /* send.c */
struct pool;        /* pool.c */
struct rcache;      /* rcache.c */
struct metrics;     /* metrics.c */
struct thread_state; /* follower.c */
struct thumb_set;   /* thumbfile.c */
struct reader;      /* reader.c */

/* The server: shared by every thread of one `serve`. */
struct web {
	struct web_config cfg;
	char base_url[256];
	const char *node_id; /* --node-id, or HOST:PORT (set once the port is known) */
	char node_buf[2][160];
	unsigned threads;      /* request threads and libmicrohttpd's */
	struct cidr *proxies;  /* --trusted-proxy */
	size_t nproxies;
	char origin[256];      /* scheme://host[:port] of base_url */
	struct metrics *metrics;
	struct conn_guard *guard;
	struct page_cache *cache;
	struct pool *pool;
	unsigned pool_inflight; /* requests given to the pool and not yet answered */
	bool stopping;          /* set once at SIGTERM (atomics): no new connection is taken */
	struct rcache *rcache;  /* answers that cost to make */
	/* the search index, read-only, searched by every thread at once (read
	 * lock); swapped in by the follower thread (write lock) */
	pthread_rwlock_t ix_lock;
	struct search_index *ix;
	char *index_path;
	bool ix_missing_said;
	/* the follower: what it knows, under follow_lock */
	pthread_t follower;
	bool follower_on, follow_kick, follow_stopping;
	pthread_mutex_t follow_lock;
	pthread_cond_t follow_wake, follow_done;
	uint64_t follow_passes;
	char index_stamp[128];  /* the index files' inodes, sizes and times */
	int64_t ix_seq;         /* the write sequence the index holds (-1: none) */
	int64_t hidden_gen;     /* the store's hidden generation the index leaves out (-1: none yet) */
	int64_t store_seq_seen; /* the store's, at the last pass (-1: unreachable) */
	double behind_since;    /* since when the index lags the store (0: it does not) */
	/* each thread's store and cursor, made on its first request */
	pthread_key_t state_key;
	pthread_mutex_t states_lock;
	struct thread_state *states;
	unsigned nstates;
	uint8_t secret[32]; /* signs links (kept in the store, made on first start) */
	FILE *log;
	pthread_mutex_t log_lock;
	/* the background threads: the mailer, sync, thumbnails (into
	 * thumb_dir; NULL: off), the recommender, the arXiv fetcher */
	struct bg bg;
	struct bg_thread mailer, syncer, thumber, recommender, fetcher;
	char *thumb_dir;
	char *katex_dir; /* KaTeX's files (NULL: none, and no math rendering) */
	struct strlist media_hosts; /* a paper's media are embedded from these (https) */
	char *csp;                  /* every answer's Content-Security-Policy (it names them) */
	struct thumb_set *thumb_set; /* which papers have one (thumbfile.h) */
	/* where outbound requests may go: public addresses, --fetch-allow and
	 * the operator's own endpoints (the PDF base of thumbnails) */
	struct fetch_policy fetch_policy;
	/* the service's rules and settings (service.h) */
	struct svc_config svc;
};

/* A request being answered. */
struct req {
	struct web *w;
	void *conn; /* struct MHD_Connection */
	const char *method, *path;
	size_t nparams;
	struct store *s;           /* this thread's store */
	struct thread_state *ts;   /* and the rest of its state (follower.h) */
	int route;                 /* index into web_routes, -1: none matched */
	bool https;                /* the client came over https (X-Forwarded-Proto from a trusted proxy) */
	struct buf body;           /* the request body (bounded) */
	struct strlist form_k, form_v; /* parsed urlencoded body */
	const char *cap[4];        /* what the route's "*" segments matched */
	char capbuf[4][256];
	struct user user;
	bool signed_in, via_token;
	uint8_t session_hash[TOKEN_HASH_BYTES];
	char csrf[48];           /* the visitor's CSRF token */
	bool new_csrf;           /* set the CSRF cookie in the response */
	bool wants_json;         /* API route: errors as JSON */
	bool search_page;        /* the search page: no second search box in the header */
	bool papers_page;        /* a list of papers (id="papers"): a skip link to it comes first */
	bool refresh;            /* the page reloads itself (what it waits for comes soon) */
	char ip[64];
	bool peer_local;         /* the client is on this host (loopback, not forwarded for another) */
	struct reader *reader;   /* the signed-in reader's state, read once when needed (reader.h) */
	/* the page cache's generation when the request came (send.h): its
	 * page, kept, is only as new as that; 0: not to be kept */
	uint64_t cache_gen;
};

/* Its answer. */
struct resp {
	int status;
	const char *ctype;
	struct buf body;
	struct strlist headers; /* "Name: value" */
	bool private_;          /* depends on who asks: never shared caches */
	long max_age;           /* seconds any cache may keep it (0: revalidate) */
	bool no_store;
	/* where an error page leads back to (a path of this site; "": the
	 * daily papers) and what the link says */
	char back[128];
	const char *back_label;
};

enum route_flags {
	R_LOGIN = 1 << 0, /* must be signed in (a session or, for API routes, a token) */
	R_CSRF = 1 << 1,  /* a state change: the form's CSRF token must match */
	R_CACHE = 1 << 2, /* ETag and 304 */
	R_API = 1 << 3,   /* JSON errors; bearer tokens accepted */
	R_ADMIN = 1 << 4, /* admins only */
	R_OLDID = 1 << 5, /* the first two "*" are one old-style arXiv id (hep-th/9901001) */
	R_LIGHT = 1 << 6, /* cheap and bounded: answered where it is read, never queued (the
			   * request pool) behind expensive requests */
	R_VOTE = 1 << 7,  /* a vote: signed out, it is cast after the sign-in */
	R_SECRET = 1 << 8, /* the path holds a secret: the access log shows the route instead */
	R_READS = 1 << 9,  /* a POST that changes nothing (a search too long for a URL): no CSRF check */
	R_NOARGS = 1 << 10, /* reads no parameters: a query string is not part of its page's cache key
			     * (a random one would otherwise make the page again) */
	R_OWN = 1 << 11,    /* writes only what its reader alone sees (follows, mutes, preferences,
			     * tokens): the anonymous pages stay kept */
	R_ANON = 1 << 12,   /* the same for everyone (a static file, the health check): the
			     * session is not read (no query for each file a page loads, and a
			     * failing read does not fail them) */
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

#endif
