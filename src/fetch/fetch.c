/*
 * fetch.c - HTTP with libcurl for the arXiv OAI-PMH harvest and the
 * Hugging Face daily-papers API (see fetch.h).
 */
#include "fetch_int.h"
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

void fetch_opts_init(struct fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->delay = 3.0;
	o->max_retries = 5;
	o->timeout = 300;
	o->hub_delay = 0.5;
	o->retry_wait = 3600;
}

/* ---- where requests may go ------------------------------------------------- */

static void add_block(struct fetch_policy *p, int family, const void *addr)
{
	struct cidr c = { 0 };
	c.family = family;
	c.bits = family == AF_INET ? 32 : 128;
	memcpy(c.addr, addr, family == AF_INET ? 4 : 16);
	p->allow = xrealloc(p->allow, (p->n + 1) * sizeof(*p->allow));
	p->allow[p->n++] = c;
}

/* The host of a URL (or the text itself), without port or brackets. */
static void host_of(const char *s, char out[256])
{
	const char *h = strstr(s, "://");
	h = h ? h + 3 : s;
	const char *at = strchr(h, '@'), *slash = h + strcspn(h, "/?#");
	if (at && at < slash)
		h = at + 1;
	size_t n = (size_t)(slash - h);
	if (*h == '[') {
		const char *close = memchr(h, ']', n);
		h++;
		n = close ? (size_t)(close - h) : n - 1;
	} else {
		const char *colon = memchr(h, ':', n);
		if (colon)
			n = (size_t)(colon - h);
	}
	snprintf(out, 256, "%.*s", (int)(n < 255 ? n : 255), h);
}

int fetch_policy_add(struct fetch_policy *p, const char *list, const char *what, struct buf *err)
{
	struct strlist parts = STRLIST_INIT;
	strlist_split(&parts, list, strlen(list), ',');
	int rc = 0;
	for (size_t i = 0; i < parts.n && !rc; i++) {
		const char *item = parts.v[i];
		while (*item == ' ')
			item++;
		if (!*item)
			continue;
		struct cidr *c = NULL;
		size_t nc = 0;
		struct buf e = BUF_INIT;
		if (!strstr(item, "://") && cidr_parse_list(item, what, &c, &nc, &e) == 0) {
			p->allow = xrealloc(p->allow, (p->n + nc) * sizeof(*p->allow));
			memcpy(p->allow + p->n, c, nc * sizeof(*c));
			p->n += nc;
			free(c);
			buf_release(&e);
			continue;
		}
		buf_release(&e);
		char host[256];
		host_of(item, host);
		struct addrinfo hints, *res = NULL;
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		if (!host[0] || getaddrinfo(host, NULL, &hints, &res)) {
			buf_setf(err, "%s: \"%s\" is not an address, a CIDR block or a host name that resolves", what, item);
			rc = -1;
			break;
		}
		for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
			if (ai->ai_family == AF_INET)
				add_block(p, AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr);
			else if (ai->ai_family == AF_INET6)
				add_block(p, AF_INET6, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr);
		}
		freeaddrinfo(res);
	}
	strlist_release(&parts);
	return rc;
}

void fetch_policy_release(struct fetch_policy *p)
{
	free(p->allow);
	p->allow = NULL;
	p->n = 0;
}

static bool policy_allows(const struct fetch_policy *p, const struct sockaddr *sa)
{
	if (!p)
		return false;
	if (sa->sa_family == AF_INET)
		return cidr_match_bytes(p->allow, p->n, AF_INET,
					(const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr);
	if (sa->sa_family == AF_INET6)
		return cidr_match_bytes(p->allow, p->n, AF_INET6,
					((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr);
	return false;
}

/* libcurl's socket opener: every connection, redirects included, passes here. */
static curl_socket_t guard_open(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)purpose;
	struct guard *g = clientp;
	const struct sockaddr *sa = &a->addr;
	if (addr_kind_of(sa) != ADDR_PUBLIC && !policy_allows(g->policy, sa) && !policy_allows(&g->endpoint, sa)) {
		char text[64] = "";
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, text, sizeof(text));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, text, sizeof(text));
		snprintf(g->refused, sizeof(g->refused), "%s", text[0] ? text : "?");
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* Puts the guard on a transfer; endpoint (may be NULL) is allowed too. */
static void guard_init(struct guard *g, CURL *c, const struct fetch_policy *p, const char *endpoint)
{
	memset(g, 0, sizeof(*g));
	g->policy = p;
	if (endpoint) {
		struct buf e = BUF_INIT;
		fetch_policy_add(&g->endpoint, endpoint, "endpoint", &e); /* unresolvable: the transfer says so */
		buf_release(&e);
	}
	curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, guard_open);
	curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, g);
}

/* The message of a failed transfer: the guard's refusal when it refused. */
static void guard_error(const struct guard *g, const char *url, CURLcode rc, const char *ebuf, struct buf *err)
{
	if (g->refused[0])
		buf_setf(err, "%s: refused: %s is an internal address (an operator may allow it with --fetch-allow)", url,
			 g->refused);
	else
		buf_setf(err, "%s: %s", url, ebuf && ebuf[0] ? ebuf : curl_easy_strerror(rc));
}

static void guard_release(struct guard *g)
{
	fetch_policy_release(&g->endpoint);
}

struct dl {
	FILE *f;
	size_t n, max;
};

static size_t dl_write(char *p, size_t size, size_t nmemb, void *ctx)
{
	struct dl *d = ctx;
	size_t len = size * nmemb;
	if (d->n + len > d->max)
		return 0;
	d->n += len;
	return fwrite(p, 1, len, d->f);
}

int fetch_download(const char *url, const char *path, size_t max, const struct fetch_policy *policy,
		   const char *agent, struct buf *err)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		buf_setf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	CURL *c = curl_easy_init();
	if (!c) {
		fclose(f);
		unlink(path);
		buf_setf(err, "cannot start libcurl");
		return -1;
	}
	struct dl d = { f, 0, max };
	struct guard g;
	guard_init(&g, c, policy, NULL);
	char ebuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, dl_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, agent ? agent : "paperboy/" PB_VERSION);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	bool ok = fclose(f) == 0 && rc == CURLE_OK && code == 200;
	if (!ok) {
		if (rc == CURLE_WRITE_ERROR && d.n + 1 > max)
			buf_setf(err, "%s: larger than %zu bytes", url, max);
		else if (rc != CURLE_OK)
			guard_error(&g, url, rc, ebuf, err);
		else
			buf_setf(err, "%s: HTTP %ld", url, code);
		unlink(path);
	}
	guard_release(&g);
	return ok ? 0 : -1;
}

/* ---- the sources' APIs ------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	buf_add(b, p, size * n);
	return b->overflow ? 0 : size * n;
}

/* The URL of rel="next" in a Link header's value p[0..n) (RFC 8288:
 * "<url>; rel=\"next\", <url>; rel=\"prev\""), into out. */
static void link_next(const char *p, size_t n, struct buf *out)
{
	const char *end = p + n;
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		const char *gt = lt ? memchr(lt, '>', (size_t)(end - lt)) : NULL;
		if (!gt)
			return;
		const char *params = gt + 1, *stop = params;
		while (stop < end && *stop != ',' && *stop != '<')
			stop++;
		size_t pn = (size_t)(stop - params);
		bool next = memmem(params, pn, "rel=\"next\"", 10) || memmem(params, pn, "rel=next", 8);
		if (next && gt - lt - 1 < 4096) {
			buf_reset(out);
			buf_add(out, lt + 1, (size_t)(gt - lt - 1));
			return;
		}
		p = stop;
	}
}

/* A header's value p[0..n) without the blanks around it, into out[cap]
 * ("" when it does not fit). */
static void header_value(const char *p, size_t n, char *out, size_t cap)
{
	while (n && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n && (p[n - 1] == '\r' || p[n - 1] == '\n' || p[n - 1] == ' '))
		n--;
	if (n >= cap)
		n = 0;
	memcpy(out, p, n);
	out[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http *h = ctx;
	size_t len = size * n;
	if (len > 5 && !strncmp(p, "HTTP/", 5)) {
		buf_reset(&h->next); /* a new answer (after a redirect): its own links */
		h->etag[0] = h->last_modified[0] = '\0';
	} else if (len > 5 && !strncasecmp(p, "Link:", 5)) {
		link_next(p + 5, len - 5, &h->next);
	} else if (len > 5 && !strncasecmp(p, "ETag:", 5)) {
		header_value(p + 5, len - 5, h->etag, sizeof(h->etag));
	} else if (len > 14 && !strncasecmp(p, "Last-Modified:", 14)) {
		header_value(p + 14, len - 14, h->last_modified, sizeof(h->last_modified));
	}
	if (len > 12 && !strncasecmp(p, "Retry-After:", 12)) {
		char tmp[64];
		size_t l = len - 12 < sizeof(tmp) - 1 ? len - 12 : sizeof(tmp) - 1;
		memcpy(tmp, p + 12, l);
		tmp[l] = '\0';
		char *s = tmp;
		while (*s == ' ')
			s++;
		char *end = s;
		while (*end >= '0' && *end <= '9')
			end++;
		*end = '\0';
		long v;
		if (!parse_int(s, 0, 86400, &v))
			h->retry_after = v;
	}
	return len;
}

static void sleep_seconds(double s)
{
	if (s <= 0)
		return;
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int fetch_http_get(struct http *h, const char *url, struct buf *err)
{
	for (int attempt = 0;; attempt++) {
		if (h->last_request > 0)
			sleep_seconds(h->o->delay - (mono_seconds() - h->last_request));
		buf_reset(&h->body);
		buf_reset(&h->next);
		h->retry_after = -1;
		curl_easy_setopt(h->curl, CURLOPT_URL, url);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
		CURLcode rc = curl_easy_perform(h->curl);
		h->last_request = mono_seconds(); /* the spacing counts from the end of the answer */
		long status = 0;
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
		h->status = status;
		bool transient = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
				 rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
		if (rc == CURLE_OK && status == 200)
			return 0;
		bool retry = (rc == CURLE_OK && (status == 503 || status == 429)) || transient;
		if (h->guard.refused[0])
			retry = false;
		if (!retry || attempt >= h->o->max_retries) {
			if (rc != CURLE_OK)
				guard_error(&h->guard, url, rc, NULL, err);
			else
				buf_setf(err, "%s: HTTP %ld%s", url, status,
					 attempt >= h->o->max_retries && retry ? " (gave up after retries)" : "");
			return -1;
		}
		double wait = h->retry_after >= 0 ? (double)h->retry_after : h->o->delay * (1 << (attempt < 6 ? attempt : 6));
		if (wait > 600)
			wait = 600;
		if (isatty(2))
			fprintf(stderr, "paperboy: fetch: %s: %s, retrying in %.0f s\n", url,
				rc == CURLE_OK ? "HTTP 503" : curl_easy_strerror(rc), wait);
		sleep_seconds(wait);
		h->last_request = 0;
	}
}

int fetch_http_init(struct http *h, const struct fetch_opts *o, const char *endpoint, struct buf *err)
{
	memset(h, 0, sizeof(*h));
	h->o = o;
	buf_init(&h->body);
	buf_init(&h->next);
	h->body.max = 512u << 20;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	h->curl = curl_easy_init();
	if (!h->curl) {
		buf_setf(err, "cannot start libcurl");
		return -1;
	}
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "paperboy/" PB_VERSION);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h->curl, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, (long)o->timeout);
	curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	guard_init(&h->guard, h->curl, o->policy, endpoint);
	return 0;
}

void fetch_http_release(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	guard_release(&h->guard);
	buf_release(&h->body);
	buf_release(&h->next);
	curl_global_cleanup();
}

void fetch_add_param(struct http *h, struct buf *url, const char *name, const char *value)
{
	if (!value)
		return;
	char *e = curl_easy_escape(h->curl, value, 0);
	buf_addf(url, "%c%s=%s", strchr(url->s, '?') ? '&' : '?', name, e);
	curl_free(e);
}

static int check_day(const char *what, const char *v, struct buf *err)
{
	if (v && day_parse(v, NULL)) {
		buf_setf(err, "%s: expected YYYY-MM-DD, got \"%s\"", what, v);
		return -1;
	}
	return 0;
}

int fetch_arxiv(struct store *s, struct ingest *g, const struct fetch_opts *o, struct buf *err)
{
	if (check_day("--from", o->from, err) || check_day("--until", o->until, err))
		return -1;
	const char *endpoint = o->endpoint ? o->endpoint : FETCH_ARXIV_ENDPOINT;
	struct http h;
	if (fetch_http_init(&h, o, o->endpoint, err)) {
		fetch_http_release(&h);
		return -1;
	}
	struct buf key = BUF_INIT, url = BUF_INIT, name = BUF_INIT;
	buf_addf(&key, "oai-harvest|%s|%s|%s|%s", endpoint, o->set ? o->set : "", o->from ? o->from : "",
		 o->until ? o->until : "");
	char *token = NULL;
	int ret = 0, page = 0;
	if (store_kv_get(s, key.s, &token, err) < 0) {
		ret = -1;
		goto out;
	}
	if (token)
		fprintf(stderr, "paperboy: fetch: resuming the interrupted harvest at token %s\n", token);
	for (;;) {
		buf_reset(&url);
		buf_adds(&url, endpoint);
		fetch_add_param(&h, &url, "verb", "ListRecords");
		if (token) {
			fetch_add_param(&h, &url, "resumptionToken", token);
		} else {
			fetch_add_param(&h, &url, "metadataPrefix", "arXivRaw");
			fetch_add_param(&h, &url, "set", o->set);
			fetch_add_param(&h, &url, "from", o->from);
			fetch_add_param(&h, &url, "until", o->until);
		}
		if (fetch_http_get(&h, url.s, err)) {
			ret = -1;
			break;
		}
		page++;
		buf_setf(&name, "%s (page %d)", url.s, page);
		struct ingest_doc doc;
		int rc = ingest_memory(g, name.s, h.body.s, h.body.len, INGEST_OAI, NULL, &doc);
		if (rc < 0 || (rc > 0 && doc.oai_error[0] == '\0' && ingest_get_totals(g)->files_failed)) {
			/* the page itself failed (or the store): keep the token, stop */
			buf_setf(err, "page %d could not be ingested; run the same command again to resume", page);
			ingest_doc_release(&doc);
			ret = -1;
			break;
		}
		if (doc.oai_error[0] && strcmp(doc.oai_error, "noRecordsMatch")) {
			buf_setf(err, "OAI-PMH error %s: %s", doc.oai_error, doc.error_text ? doc.error_text : "");
			if (!strcmp(doc.oai_error, "badResumptionToken")) {
				struct buf e2 = BUF_INIT;
				if (!store_kv_set(s, key.s, NULL, &e2))
					buf_adds(err, " (the remembered token was dropped: the next run starts again)");
				buf_release(&e2);
			}
			ingest_doc_release(&doc);
			ret = -1;
			break;
		}
		if (rc > 0)
			ret = 1;
		free(token);
		token = doc.resumption_token && *doc.resumption_token ? xstrdup(doc.resumption_token) : NULL;
		ingest_doc_release(&doc);
		if (store_kv_set(s, key.s, token, err)) {
			ret = -1;
			break;
		}
		if (!token)
			break;
	}
out:
	free(token);
	buf_release(&key);
	buf_release(&url);
	buf_release(&name);
	fetch_http_release(&h);
	return ret;
}

int fetch_hf(struct store *s, struct ingest *g, const struct fetch_opts *o, struct buf *err)
{
	(void)s;
	char today[16];
	const char *date = o->date;
	if (!date) {
		time_format_day(time_now_ms(), today);
		date = today;
	}
	if (check_day("--date", date, err))
		return -1;
	struct http h;
	if (fetch_http_init(&h, o, o->endpoint, err)) {
		fetch_http_release(&h);
		return -1;
	}
	struct buf url = BUF_INIT;
	buf_adds(&url, o->endpoint ? o->endpoint : FETCH_HF_ENDPOINT);
	fetch_add_param(&h, &url, "date", date);
	int ret = 0;
	if (fetch_http_get(&h, url.s, err)) {
		ret = -1;
	} else {
		int rc = ingest_memory(g, url.s, h.body.s, h.body.len, INGEST_HF, date, NULL);
		if (rc < 0) {
			buf_setf(err, "%s: could not be stored", url.s);
			ret = -1;
		} else if (rc > 0 && ingest_get_totals(g)->files_failed) {
			buf_setf(err, "%s: the response is not a daily-papers document", url.s);
			ret = -1;
		} else {
			ret = rc;
		}
	}
	buf_release(&url);
	fetch_http_release(&h);
	return ret;
}

/* The arXiv API's address for these ids. */
static void api_url(struct http *h, const struct fetch_opts *o, const char *ids, struct buf *url)
{
	buf_adds(url, o->endpoint ? o->endpoint : FETCH_ARXIV_API_ENDPOINT);
	fetch_add_param(h, url, "id_list", ids);
	fetch_add_param(h, url, "max_results", "100");
}

int fetch_arxiv_api_ids(struct ingest *g, const struct fetch_opts *o, const char *ids, struct buf *err)
{
	struct http h;
	if (fetch_http_init(&h, o, o->endpoint, err)) {
		fetch_http_release(&h);
		return -1;
	}
	struct buf url = BUF_INIT;
	api_url(&h, o, ids, &url);
	int ret = -1;
	if (!fetch_http_get(&h, url.s, err)) {
		uint64_t before = ingest_get_totals(g)->records;
		struct ingest_doc doc = { 0 };
		int rc = ingest_memory(g, url.s, h.body.s, h.body.len, INGEST_ATOM, NULL, &doc);
		if (doc.error_text)
			buf_setf(err, "arXiv: %s", doc.error_text);
		else if (rc != 0)
			buf_setf(err, "%s: the response is not an arXiv Atom feed", url.s);
		else if (ingest_get_totals(g)->records == before)
			buf_setf(err, "arXiv has no paper %s", ids);
		else
			ret = 0;
		ingest_doc_release(&doc);
	}
	buf_release(&url);
	fetch_http_release(&h);
	return ret;
}

int fetch_arxiv_api_once(const struct fetch_opts *o, const char *ids, struct buf *body, long *retry_after,
			 struct buf *err)
{
	*retry_after = -1;
	struct http h;
	if (fetch_http_init(&h, o, o->endpoint, err)) {
		fetch_http_release(&h);
		return -1;
	}
	struct buf url = BUF_INIT;
	api_url(&h, o, ids, &url);
	h.retry_after = -1;
	curl_easy_setopt(h.curl, CURLOPT_URL, url.s);
	CURLcode rc = curl_easy_perform(h.curl);
	long status = 0;
	curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &status);
	int ret = 0;
	if (rc == CURLE_OK && status == 200) {
		buf_add(body, h.body.s, h.body.len);
	} else if (rc != CURLE_OK) {
		guard_error(&h.guard, url.s, rc, NULL, err);
		ret = h.guard.refused[0] ? -1 : -2;
	} else {
		buf_setf(err, "%s: HTTP %ld", url.s, status);
		ret = status == 503 || status == 429 || status >= 500 ? -2 : -1;
		*retry_after = h.retry_after;
	}
	buf_release(&url);
	fetch_http_release(&h);
	return ret;
}
