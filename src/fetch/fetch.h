/*
 * fetch.h - getting papers from the network with libcurl: an arXiv OAI-PMH
 * harvest (ListRecords by set and dates, following resumption tokens, one
 * request every `delay` seconds, 503 Retry-After honoured, resumable), and
 * the Hugging Face daily-papers API for one day. What is downloaded goes
 * through ingest, page by page. And the Hugging Face Hub's models,
 * datasets and Spaces that cite papers (their listings filtered by
 * arxiv:ID), into the store.
 */
#ifndef PAPERBOY_FETCH_H
#define PAPERBOY_FETCH_H

#include "../ingest/ingest.h"

#define FETCH_ARXIV_ENDPOINT "https://oaipmh.arxiv.org/oai"
#define FETCH_ARXIV_API_ENDPOINT "https://export.arxiv.org/api/query"
#define FETCH_HF_ENDPOINT "https://huggingface.co/api/daily_papers"
#define FETCH_HUB "https://huggingface.co"

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
	const char *hub;       /* the Hub for fetch_links; NULL: fetch_hub_base's */
	double hub_delay;      /* seconds between requests to the Hub (default 0.5) */
	bool progress;         /* fetch_links draws a progress line on a terminal */
	bool refresh;          /* fetch_pdf: ask again, conditionally, for papers done */
	double retry_wait;     /* fetch_pdf: seconds before a failed paper is asked again (default 3600), doubling */
	bool (*stop)(void *ctx); /* fetch_links, fetch_pdf stop between papers when it says so (NULL: never) */
	void *stop_ctx;
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

/* ---- the Hub's repositories citing a paper ---------------------------------
 * For each paper, GET HUB/api/models?filter=arxiv:ID&sort=likes&direction=-1
 * &limit=100, then /api/datasets and /api/spaces the same way (the Hub's
 * listings, most liked first). The first 100 of each kind are kept; the
 * count goes on through the Hub's pages (its Link: <...>; rel="next"
 * header) up to 1,000, where it stops: numTotal* is then a lower bound and
 * the kind is named in "capped" (so too when a full first page names no
 * next one). The store keeps one document a paper:
 *   {"linkedModels": [...], "numTotalModels": N, "linkedDatasets": [...],
 *    "numTotalDatasets": N, "linkedSpaces": [...], "numTotalSpaces": N,
 *    "capped": ["models"]}
 * Each repo keeps only the Hub's fields huggingface_hub's ModelInfo,
 * DatasetInfo and SpaceInfo read, each of its type ("id" a repo id, else
 * the repo is left out; "_id", "author", "sha", "modelId", "library_name",
 * "pipeline_tag", "sdk" strings; "private", "disabled" booleans; "gated"
 * false, "auto" or "manual"; "downloads", "likes" counts; "trendingScore" a
 * number; "tags" strings; "createdAt", "lastModified" UTC ISO-8601 with
 * milliseconds and Z); nulls and anything else are dropped. */
#define FETCH_LINKS_KEEP 100
#define FETCH_LINKS_COUNT_MAX 1000
#define FETCH_LINKS_PER_RUN 300                /* papers asked about in one run at most */
#define FETCH_LINKS_STALE_MS (86400 * 1000LL)  /* links older than this are asked again */
#define FETCH_LINKS_STOP_AFTER 5               /* papers failing in a row stop a run */

struct fetch_links_result {
	size_t due, stored, failed; /* papers due, stored, failed (the rest: not asked) */
	bool stopped;               /* the run stopped early (why: the last failure) */
	struct strlist failures;    /* "ID: why" per paper; "why" when the run stopped */
};
void fetch_links_result_release(struct fetch_links_result *r);

/* The Hub's address: o->hub, else the HF endpoint without its
 * "/api/daily_papers", else the endpoint's scheme and host, else FETCH_HUB. */
void fetch_hub_base(const struct fetch_opts *o, struct buf *out);

/*
 * Asks the Hub about the papers featured on days [day_from, day_to] whose
 * links are missing or older than FETCH_LINKS_STALE_MS, at most limit,
 * never asked first (store_links_due), o->hub_delay seconds apart, and
 * stores what it says (store_links_put). A paper whose listing fails (a
 * 5xx, no answer, not a JSON array) is reported in r and asked again next
 * run; the run stops at once when the Hub says 429 (too many requests) or
 * has no such API (any other 4xx), and after FETCH_LINKS_STOP_AFTER
 * failures in a row. No retries here (o->max_retries is not used): the
 * next run is the retry. Returns 0 when every paper due was stored, 1
 * when some were not (r says which and why), -1 when the store failed
 * (err). r is the caller's: release it.
 */
int fetch_links(struct store *s, const struct fetch_opts *o, const char *day_from, const char *day_to, size_t limit,
		struct fetch_links_result *r, struct buf *err);

/* ---- full texts: arXiv's PDFs ----------------------------------------------------
 * GET ENDPOINT/pdf/ID (o->endpoint, default FETCH_PDF_ENDPOINT), o->delay
 * seconds apart (arXiv asks 3), at most FETCH_PDF_MAX bytes; its text read
 * by `paperboy thumb text` in a process of its own under media.h's limits
 * (at most 300 pages and 2 MB of text, 20 s of CPU, 768 MB of address
 * space, 60 s in all); the text and the paper's state stored in one
 * transaction (store_text_put, store_pdf_set), the PDF removed. A paper
 * done is not asked again (a run that stopped goes on where it was),
 * unless o->refresh: then it is asked conditionally (If-None-Match,
 * If-Modified-Since: the validators stored with it), and a 304 changes
 * nothing. A paper that failed (an HTTP error, no answer, not a PDF, a
 * PDF whose text cannot be read in the limits) is reported, and asked
 * again once o->retry_wait seconds have passed, doubling with each
 * failure in a row up to FETCH_PDF_RETRY_MAX_MS. */
#define FETCH_PDF_ENDPOINT "https://arxiv.org"
#define FETCH_PDF_MAX (64u << 20)
#define FETCH_PDF_RETRY_MAX_MS (7 * 86400 * 1000LL)
#define FETCH_PDF_PER_RUN 200 /* papers a --featured run or a sync asks for at most */

struct fetch_pdf_result {
	size_t due, stored, unchanged, skipped, failed; /* skipped: done, or failed and not due yet */
	bool stopped;                                    /* o->stop said so */
	struct strlist failures;                         /* "ID: why" */
	struct strlist notes;                            /* "ID: read 300 of 2000 pages" and the like */
};
void fetch_pdf_result_release(struct fetch_pdf_result *r);

/*
 * The PDFs of ids (when non-NULL), else of the featured papers due
 * (store_pdf_due) on days [day_from, today], at most FETCH_PDF_PER_RUN.
 * Returns 0 when every paper is stored, unchanged or skipped; 1 when some
 * failed (r says which and why); -1 when the store failed (err).
 */
int fetch_pdf(struct store *s, const struct fetch_opts *o, const struct strlist *ids, const char *day_from,
	      struct fetch_pdf_result *r, struct buf *err);

#endif
