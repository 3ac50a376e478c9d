/*
 * web.h - `paperboy serve`: the web pages, the JSON API (wire-compatible
 * with Hugging Face's papers API) and the Atom feeds, over libmicrohttpd.
 * The whole interface of src/web.
 */
#ifndef PAPERBOY_WEB_H
#define PAPERBOY_WEB_H

#include "../mail/mail.h"

struct web_config {
	const char *db_url;      /* the store */
	const char *index_path;  /* the search index (NULL: the one beside the store, search_index_path) */
	const char *listen;      /* address to bind, default "127.0.0.1" */
	unsigned port;           /* default 8080; 0 picks a free port */
	const char *base_url;    /* public URL for feeds and mail links; default http://HOST:PORT */
	unsigned threads;        /* worker threads (default: 2 x CPUs, at least 4) */
	const char *access_log;  /* file, "-" for stderr (default), "off" */
	const char *arxiv_api;   /* arXiv API endpoint for /submit (default: arXiv's) */
	bool secure_cookies;     /* mark cookies Secure (on automatically for an https base URL) */
	const char *port_file;   /* when set, the bound port is written there once listening */
	const char *node_id;     /* this process in logs and metrics (default HOST:PORT) */
	const char *trusted_proxy; /* CIDR blocks whose X-Forwarded-For/-Proto are believed (NULL: none) */
	/* /metrics and the detail of /healthz: for clients on this host, or
	 * those that send "Authorization: Bearer METRICS_TOKEN" (NULL: none) */
	const char *metrics_token;
	/* hosts on internal addresses (loopback, private) that outbound
	 * requests may reach: addresses, CIDR blocks or host names, comma
	 * separated (NULL: none but the operator's own endpoints) */
	const char *fetch_allow;
	/* thumbnails: a cache folder (NULL: DB.thumbs beside a SQLite file;
	 * "off": none), where PDFs come from and how often */
	const char *thumb_dir;
	/* KaTeX (katex.min.js, katex.min.css, contrib/auto-render.min.js,
	 * the fonts), served under /static/katex/ for math in titles,
	 * abstracts and comments (NULL: the one scripts/setup.sh fetched;
	 * "off" or a folder without katex.min.js: no math rendering) */
	const char *katex_dir;
	/* the hosts a paper's media (images, GIFs, videos: mediaUrls) are
	 * shown from, over https, comma separated; the CSP lets them in
	 * (NULL: Hugging Face's CDNs; "off": none, the media are links) */
	const char *media_hosts;
	const char *thumb_pdf_base; /* default https://arxiv.org/pdf/ */
	double thumb_pdf_delay;     /* seconds between PDF downloads (default 3) */
	/* limits on what clients control */
	double head_timeout;     /* seconds to send a request's line and headers (default 10) */
	double page_cache_ttl;   /* seconds an anonymous page is kept (2; 0: not at all) */
	double body_timeout;     /* seconds to send its body after them (default 30) */
	unsigned max_connections; /* open at once (default 10,000, below the file limit) */
	unsigned max_per_ip;     /* open at once from one address (default 64) */
	/* submissions */
	int submit_window_days;  /* a paper joins the feed within this many days of its arXiv publication (0: any) */
	int submit_daily_limit;  /* submissions per account per 24 hours (0: no limit) */
	bool moderate_submissions; /* they wait for an administrator's approval */
	double arxiv_delay;      /* seconds between requests to the arXiv API for users' fetches (default 3) */
	/* votes of accounts younger than this count when they are this old
	 * (seconds; default 3600; 0: at once) */
	double vote_age;
	/* sign-ups per address per hour, and in all per hour (0: no limit;
	 * defaults 5 and 100) */
	int signups_per_ip, signups_per_hour;
	/* password hashes and checks from one address in a spell of two
	 * minutes apart at most (0: no limit; default 20) */
	int passwords_per_ip;
	/* keeping current: bit 0 Hugging Face's daily papers, bit 1 the arXiv
	 * OAI-PMH increment, every sync_every seconds, once per cluster */
	unsigned sync_jobs;
	double sync_every;               /* default 3600 */
	const char *sync_hf_endpoint;    /* NULL: Hugging Face's */
	const char *sync_oai_endpoint;   /* NULL: arXiv's */
	const char *sync_oai_set;        /* e.g. "cs"; NULL: every set */
	double hub_delay;                /* seconds between the sync's requests to the Hub (default 0.5) */
	/* bit 2: the full texts of the featured papers of the feed's newest
	 * 14 days that have none (fetch_pdf) */
	const char *sync_pdf_endpoint;   /* NULL: arXiv's */
	double pdf_delay;                /* seconds between PDF downloads (default 3, as arXiv asks) */
	/* email: the digest scheduler runs when mail.smtp_url is set */
	struct mail_config mail;
	int digest_minute;       /* local time of day of the digests, minutes (default 8:00; < 0: none) */
	bool digest_weekends;    /* daily digests on Saturdays and Sundays too */
	int weekly_wday;         /* day of the weekly digest, 0 = Sunday (default 1, Monday) */
};

/* Runs the server until SIGTERM or SIGINT; 0 after a clean shutdown, -1
 * with err set when it cannot start. */
int web_serve(const struct web_config *cfg, struct buf *err);

#endif
