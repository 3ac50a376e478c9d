/*
 * send.c - the response pipeline (send.h): security headers, ETag/304, gzip,
 * the cache headers each kind of answer calls for, the access log, and the
 * anonymous page cache.
 *
 * Pages seen by visitors who are not signed in are the same for all of them
 * (they carry no CSRF token: their forms need a sign-in first), so a
 * rendered page is kept for --page-cache-ttl seconds (2), or until this
 * process changes something (a write that changed rows, unless only its
 * reader sees the change (R_OWN), bumps the generation; a
 * page is kept under the generation of when its making began, so one made
 * across a write is not answered again).
 * Another process's writes show within the TTL. Keys are the layout the
 * visitor chose (grid or list), the path and the decoded query parameters,
 * each length-prefixed (cache_key_part), so two requests that differ in
 * any byte never share a page.
 */
#include "send.h"
#include "http.h"
#include "metrics.h"
#include "respond.h"
#include <sodium.h>
#include <strings.h>
#include <zlib.h>

#define CACHE_SLOTS 512
#define CACHE_LOCKS 32

/* A kept page's bytes, shared by the cache and the answers being sent
 * from them (libmicrohttpd sends them without a copy and lets go of them
 * when the answer is gone): freed by the last holder. */
struct kept {
	int refs;
	struct buf body, gz;
};

static struct kept *kept_hold(struct kept *k)
{
	__atomic_add_fetch(&k->refs, 1, __ATOMIC_RELAXED);
	return k;
}

static void kept_release(void *p)
{
	struct kept *k = p;
	if (k && __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		buf_release(&k->body);
		buf_release(&k->gz);
		free(k);
	}
}

struct cached {
	char *key;
	uint64_t gen;
	double at;
	double refreshing; /* when a request began to make it again (0: none) */
	int status;
	const char *ctype;
	long max_age;
	struct kept *page; /* NULL: none yet */
	char etag[48];
};

/* How long after one request began to make a page again the others are
 * answered the kept one (a render that takes longer lets another try),
 * and how long past its time a page is answered at most. */
#define STALE_SECONDS 1.0
#define STALE_MAX 3.0

struct page_cache {
	struct cached slot[CACHE_SLOTS];
	pthread_mutex_t lock[CACHE_LOCKS]; /* striped by slot */
	uint64_t gen;
};

struct page_cache *page_cache_new(void)
{
	struct page_cache *pc = xcalloc(1, sizeof(*pc));
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_init(&pc->lock[i], NULL);
	return pc;
}

void page_cache_free(struct page_cache *pc)
{
	if (!pc)
		return;
	for (int i = 0; i < CACHE_SLOTS; i++) {
		free(pc->slot[i].key);
		kept_release(pc->slot[i].page);
	}
	for (int i = 0; i < CACHE_LOCKS; i++)
		pthread_mutex_destroy(&pc->lock[i]);
	free(pc);
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

static void cache_key(struct MHD_Connection *c, struct req *r, unsigned flags, struct buf *key)
{
	buf_reset(key);
	/* the layout the visitor chose (a cookie) shapes the feeds' pages */
	cache_key_part(key, req_layout_list(r) ? "list" : "grid", 4);
	cache_key_part(key, r->path, strlen(r->path));
	if (!(flags & R_NOARGS))
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
	metrics_observe(w->metrics, r->route, status, ms);
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

/* The ETag of a cacheable answer, and 304 when the client has it. */
static void etag_of(struct req *r, struct resp *o, unsigned flags, const struct cached *from, char etag[48])
{
	const char *inm = req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH);
	etag[0] = '\0';
	if (from) {
		memcpy(etag, from->etag, 48);
		if (inm && strstr(inm, etag)) {
			o->status = 304;
			buf_init(&o->body); /* the cached body is borrowed: never written */
		}
	} else if ((flags & R_CACHE) && o->status == 200) {
		uint8_t h[12];
		crypto_generichash(h, sizeof(h), (const uint8_t *)o->body.s, o->body.len, NULL, 0);
		char hex[25];
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		snprintf(etag, 48, "\"%s\"", hex);
		if (inm && strstr(inm, etag)) {
			o->status = 304;
			buf_reset(&o->body);
		}
	}
}

/* Every answer's headers: type, encoding, caching by its kind, the
 * security headers, the CSRF cookie, and the handler's own. */
static void add_headers(struct MHD_Response *m, struct req *r, struct resp *o, const char *etag, bool gzipped,
			bool cookie)
{
	if (o->ctype)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, o->ctype);
	if (gzipped)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	MHD_add_response_header(m, MHD_HTTP_HEADER_VARY, "Accept-Encoding, Cookie");
	if (etag[0])
		MHD_add_response_header(m, MHD_HTTP_HEADER_ETAG, etag);
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
	MHD_add_response_header(m, "Content-Security-Policy", r->w->csp);
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
}

/* Keeps an anonymous page, with its ETag and gzipped form, for the next visitor. */
static void keep_page(struct MHD_Connection *c, struct web *w, struct req *r, unsigned flags, const struct resp *o,
		      const char *etag)
{
	struct page_cache *pc = w->cache;
	if (r->cache_gen != page_cache_gen(pc))
		return; /* a write came while it was made: it would never be answered (and would push out one that is) */
	struct buf key = BUF_INIT;
	cache_key(c, r, flags, &key);
	size_t slot = hash_bytes(key.s, key.len) % CACHE_SLOTS;
	struct cached *e = &pc->slot[slot];
	/* the bytes and their gzipped form made before the slot is taken */
	struct kept *page = xcalloc(1, sizeof(*page));
	page->refs = 1;
	buf_init(&page->body);
	buf_init(&page->gz);
	buf_add(&page->body, o->body.s, o->body.len);
	if (o->body.len >= 512 && o->ctype && is_texty(o->ctype))
		gzip_body(&o->body, &page->gz);
	pthread_mutex_lock(&pc->lock[slot % CACHE_LOCKS]);
	struct kept *old = e->page;
	e->page = page;
	free(e->key);
	e->key = buf_detach(&key);
	e->gen = r->cache_gen; /* as new as when its making began */
	e->at = mono_seconds();
	e->refreshing = 0;
	e->status = o->status;
	e->ctype = o->ctype;
	e->max_age = o->max_age;
	memcpy(e->etag, etag, sizeof(e->etag));
	pthread_mutex_unlock(&pc->lock[slot % CACHE_LOCKS]);
	kept_release(old);
	buf_release(&key);
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct web *w, struct req *r, struct resp *o,
				 unsigned flags, double t0, const struct cached *from, double cpu)
{
	if (o->body.overflow) {
		/* a cut page is never served as if whole (nor cached) */
		fprintf(stderr, "paperboy: serve: %s %s: the response passed its size limit\n", r->method, r->path);
		buf_release(&o->body);
		strlist_release(&o->headers);
		o->status = 500;
		o->ctype = "text/plain; charset=utf-8";
		o->private_ = true;
		buf_adds(&o->body, "The page is too large to be served.\n");
	}
	char etag[48];
	etag_of(r, o, flags, from, etag);
	struct buf gz = BUF_INIT;
	const struct buf *out = &o->body;
	const char *ae = req_header(r, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	bool gzipped = false;
	if (from && o->status != 304 && from->page->gz.len && ae && strstr(ae, "gzip")) {
		out = &from->page->gz;
		gzipped = true;
	} else if (o->status != 304 && o->body.len >= 512 && ae && strstr(ae, "gzip") && o->ctype && is_texty(o->ctype) &&
		   gzip_body(&o->body, &gz)) {
		out = &gz;
		gzipped = true;
	}
	/* HEAD: the body is handed over too, so Content-Length is GET's;
	 * libmicrohttpd sends the headers only */
	struct MHD_Response *m;
	if (from && out->len && (out == &from->page->gz || out->s == from->page->body.s))
		m = MHD_create_response_from_buffer_with_free_callback_cls(out->len, out->s, kept_release,
									 kept_hold(from->page));
	else
		m = MHD_create_response_from_buffer(out->len, out->s, MHD_RESPMEM_MUST_COPY);
	bool cookie = r->new_csrf || sets_cookie(o);
	add_headers(m, r, o, etag, gzipped, cookie);
	enum MHD_Result rc = MHD_queue_response(c, (unsigned)o->status, m);
	MHD_destroy_response(m);
	log_request(w, r, o->status, out->len, (mono_seconds() - t0) * 1000, cpu * 1000);
	if ((flags & R_CACHE) && !from && o->status == 200 && !r->signed_in && !o->private_ && !o->no_store &&
	    !o->headers.n && !cookie && !strcmp(r->method, "GET") && !r->csrf[0])
		keep_page(c, w, r, flags, o, etag);
	buf_release(&gz);
	return rc;
}

enum MHD_Result send_answer(struct MHD_Connection *c, struct web *w, struct req *r, struct resp *o, unsigned flags,
			    double t0, double cpu)
{
	return send_resp(c, w, r, o, flags, t0, NULL, cpu);
}

bool send_cached(struct MHD_Connection *c, struct web *w, struct req *r, unsigned flags, double t0, enum MHD_Result *rc)
{
	struct page_cache *pc = w->cache;
	/* before anything is read for the page: a write whose change this
	 * request may miss moves the generation past it */
	r->cache_gen = page_cache_gen(pc);
	struct buf key = BUF_INIT;
	cache_key(c, r, flags, &key);
	size_t slot = hash_bytes(key.s, key.len) % CACHE_SLOTS;
	struct cached *e = &pc->slot[slot];
	bool hit = false;
	struct cached held;
	pthread_mutex_lock(&pc->lock[slot % CACHE_LOCKS]);
	double now = mono_seconds(), ttl = w->cfg.page_cache_ttl;
	if (ttl > 0 && e->key && e->page && !strcmp(e->key, key.s) &&
	    e->gen == r->cache_gen) {
		/* Past its time, one request makes the page again while the
		 * others are answered the kept one (STALE_SECONDS, and never
		 * past STALE_MAX): not every visitor of that moment renders it
		 * (nothing this process wrote is missed: a write empties the
		 * cache). */
		if (now - e->at < ttl)
			hit = true;
		else if (e->refreshing > 0 && now - e->refreshing < STALE_SECONDS && now - e->at < ttl + STALE_MAX)
			hit = true;
		else if (!strcmp(r->method, "GET") && !req_header(r, MHD_HTTP_HEADER_IF_NONE_MATCH))
			e->refreshing = now; /* this one makes it (a HEAD or a 304 keeps no page) */
	}
	if (hit) {
		held = *e; /* the page held: the slot may take another meanwhile */
		held.key = NULL;
		kept_hold(held.page);
	}
	pthread_mutex_unlock(&pc->lock[slot % CACHE_LOCKS]);
	buf_release(&key);
	if (hit) {
		struct resp o;
		memset(&o, 0, sizeof(o));
		o.status = held.status;
		o.ctype = held.ctype;
		o.max_age = held.max_age;
		o.body = held.page->body; /* borrowed: never written, sent without a copy */
		*rc = send_resp(c, w, r, &o, flags, t0, &held, 0);
		kept_release(held.page);
	}
	return hit;
}

/* A write committed (the store's rows changed): pages made from before
 * it are not answered again. */
void page_cache_changed(struct page_cache *pc)
{
	__atomic_add_fetch(&pc->gen, 1, __ATOMIC_RELEASE);
}

uint64_t page_cache_gen(struct page_cache *pc)
{
	return __atomic_load_n(&pc->gen, __ATOMIC_ACQUIRE) + 1;
}
