/*
 * fetch.h - getting papers from the network with libcurl: an arXiv OAI-PMH
 * harvest (ListRecords by set and dates, following resumption tokens, one
 * request every `delay` seconds, 503 Retry-After honoured, resumable), and
 * the Hugging Face daily-papers API for one day. What is downloaded goes
 * through ingest, page by page.
 */
#ifndef PAPERBOY_FETCH_H
#define PAPERBOY_FETCH_H

#include "../ingest/ingest.h"

#define FETCH_ARXIV_ENDPOINT "https://oaipmh.arxiv.org/oai"
#define FETCH_ARXIV_API_ENDPOINT "https://export.arxiv.org/api/query"
#define FETCH_HF_ENDPOINT "https://huggingface.co/api/daily_papers"

/*
 * Where requests may go. Every connection is checked on the address it is
 * about to reach (after DNS, and again after each redirect): public
 * addresses always, loopback, private, link-local, multicast and reserved
 * ones only when allowed here (an operator's own hosts). The host of a
 * request's operator-given endpoint is allowed too.
 */
struct fetch_policy {
	struct cidr *allow;
	size_t n;
};
/* Allows what a comma-separated list names: addresses, CIDR blocks, host
 * names (resolved now) or URLs (their host). what names the option in err. */
int fetch_policy_add(struct fetch_policy *p, const char *list, const char *what, struct buf *err);
void fetch_policy_release(struct fetch_policy *p);

/* Downloads url into the file at path (created, replaced), at most max
 * bytes, following 3 redirects, under policy (NULL: public addresses
 * only). 0, or -1 with "URL: why" in err (the file is removed). */
int fetch_download(const char *url, const char *path, size_t max, const struct fetch_policy *policy,
		   const char *agent, struct buf *err);

struct fetch_opts {
	const struct fetch_policy *policy; /* NULL: public addresses and the endpoint's host */
	const char *endpoint;  /* NULL: the default for the source */
	const char *set;       /* OAI set, e.g. "cs"; NULL for all */
	const char *from, *until; /* "YYYY-MM-DD" or NULL */
	const char *date;      /* HF day; NULL: today (UTC) */
	double delay;          /* seconds between requests (arXiv asks 3) */
	int max_retries;       /* per request, for 503 and transient errors */
	double timeout;        /* seconds per request */
};
void fetch_opts_init(struct fetch_opts *o);

/*
 * Harvests into g (which writes to s); the last resumption token is kept
 * in the store so that an interrupted harvest continues where it stopped.
 * Returns 0, 1 when records were rejected, -1 on failure (err set).
 */
int fetch_arxiv(struct store *s, struct ingest *g, const struct fetch_opts *o, struct buf *err);
int fetch_hf(struct store *s, struct ingest *g, const struct fetch_opts *o, struct buf *err);

/*
 * Fetches the papers with these arXiv ids (comma-separated, at most 100)
 * from the arXiv API (o->endpoint, default FETCH_ARXIV_API_ENDPOINT) and
 * stores them through g. Returns 0, or -1 with err set (an arXiv error
 * feed, an HTTP failure, or nothing found for the ids).
 */
int fetch_arxiv_api_ids(struct ingest *g, const struct fetch_opts *o, const char *ids, struct buf *err);

/*
 * The arXiv API's answer for these ids into body, once (o->max_retries and
 * o->delay are not used: the caller decides when to try again). 0; -1
 * when trying again will not help (err); -2 when it may (arXiv busy or
 * unreachable: err, and *retry_after the seconds it asked for, or -1).
 */
int fetch_arxiv_api_once(const struct fetch_opts *o, const char *ids, struct buf *body, long *retry_after,
			 struct buf *err);

#endif
