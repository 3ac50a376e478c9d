/*
 * fetch.c - HTTP with libcurl for the arXiv OAI-PMH harvest and the
 * Hugging Face daily-papers API (see fetch.h).
 */
#include "fetch.h"
#include <curl/curl.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>

void fetch_opts_init(struct fetch_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->delay = 3.0;
	o->max_retries = 5;
	o->timeout = 300;
}

struct http {
	CURL *curl;
	double last_request; /* monotonic seconds, 0 = none yet */
	const struct fetch_opts *o;
	struct buf body;
	long retry_after;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct buf *b = ctx;
	buf_add(b, p, size * n);
	return b->overflow ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct http *h = ctx;
	size_t len = size * n;
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

/* GETs url into h->body, honouring the request spacing and retrying 503
 * (after Retry-After) and transient network errors. 0 on HTTP 200. */
static int http_get(struct http *h, const char *url, struct buf *err)
{
	for (int attempt = 0;; attempt++) {
		if (h->last_request > 0)
			sleep_seconds(h->o->delay - (mono_seconds() - h->last_request));
		h->last_request = mono_seconds();
		buf_reset(&h->body);
		h->retry_after = -1;
		curl_easy_setopt(h->curl, CURLOPT_URL, url);
		CURLcode rc = curl_easy_perform(h->curl);
		long status = 0;
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
		bool transient = rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
				 rc == CURLE_RECV_ERROR || rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE;
		if (rc == CURLE_OK && status == 200)
			return 0;
		bool retry = (rc == CURLE_OK && (status == 503 || status == 429)) || transient;
		if (!retry || attempt >= h->o->max_retries) {
			if (rc != CURLE_OK)
				buf_setf(err, "%s: %s", url, curl_easy_strerror(rc));
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

static int http_init(struct http *h, const struct fetch_opts *o, struct buf *err)
{
	memset(h, 0, sizeof(*h));
	h->o = o;
	buf_init(&h->body);
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
	return 0;
}

static void http_release(struct http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	buf_release(&h->body);
	curl_global_cleanup();
}

static void add_param(struct http *h, struct buf *url, const char *name, const char *value)
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
	if (http_init(&h, o, err)) {
		http_release(&h);
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
		add_param(&h, &url, "verb", "ListRecords");
		if (token) {
			add_param(&h, &url, "resumptionToken", token);
		} else {
			add_param(&h, &url, "metadataPrefix", "arXivRaw");
			add_param(&h, &url, "set", o->set);
			add_param(&h, &url, "from", o->from);
			add_param(&h, &url, "until", o->until);
		}
		if (http_get(&h, url.s, err)) {
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
	http_release(&h);
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
	if (http_init(&h, o, err)) {
		http_release(&h);
		return -1;
	}
	struct buf url = BUF_INIT;
	buf_adds(&url, o->endpoint ? o->endpoint : FETCH_HF_ENDPOINT);
	add_param(&h, &url, "date", date);
	int ret = 0;
	if (http_get(&h, url.s, err)) {
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
	http_release(&h);
	return ret;
}

int fetch_arxiv_api_ids(struct ingest *g, const struct fetch_opts *o, const char *ids, struct buf *err)
{
	struct http h;
	if (http_init(&h, o, err)) {
		http_release(&h);
		return -1;
	}
	struct buf url = BUF_INIT;
	buf_adds(&url, o->endpoint ? o->endpoint : FETCH_ARXIV_API_ENDPOINT);
	add_param(&h, &url, "id_list", ids);
	add_param(&h, &url, "max_results", "100");
	int ret = -1;
	if (!http_get(&h, url.s, err)) {
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
	http_release(&h);
	return ret;
}
