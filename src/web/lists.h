/*
 * lists.h - what the lists of papers share, pages and API alike: the days
 * of the feed and the trending window, the order a request asks for, and
 * search hits turned into papers.
 */
#ifndef PAPERBOY_WEB_LISTS_H
#define PAPERBOY_WEB_LISTS_H

#include "web_int.h"

/* The visible papers of hits[0..n), read in one round trip per hundred:
 * an array of n papers (free with lists_hit_papers_free) where found[i]
 * says whether hits[i]'s is there; NULL when the store failed (err). */
struct paper *lists_hit_papers(struct req *r, const struct search_hit *hits, size_t n, bool *found, struct buf *err);
void lists_hit_papers_free(struct paper *ps, size_t n);

/* Papers gathered from a store callback (copies). */
struct collect {
	struct paper *v;
	size_t n, cap;
};
int collect_add(const struct paper *p, void *ctx); /* a store callback */
void collect_release(struct collect *c);

/* The page number of a list (?p=, from 0); -1 after answering 400 when it
 * is not a number up to `max` (deep pages cost the server, and nobody
 * reads them: a search goes to 25 pages of 20, a period to 200 of 30). */
long lists_page_arg(struct req *r, struct resp *o, long max);

/* The order a request asks for (?sort=relevance|newest|upvotes): 0
 * relevance, 1 newest, 2 upvotes; -1 for anything else. */
int lists_sort_arg(const char *s);


/* day ("YYYY-MM-DD") plus delta days, in out ("" for a bad day). */
void lists_day_add(const char *day, int delta, char out[16]);
/* The newest day with papers at or before `before` ("" = no bound); ""
 * when none. */
void lists_latest_day(struct req *r, const char *before, char out[16]);
/* Whether the feed's newest day (from lists_latest_day) is more than
 * FEED_STALE_DAYS days older than today (UTC): the feed stopped coming.
 * An empty feed is not stale. */
#define FEED_STALE_DAYS 2
bool lists_feed_stale(const char *newest);

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
void lists_feed_days(struct req *r, size_t min_days, size_t max_days, int min_papers, struct feed_days *fd);
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
pb_time lists_trending_now(struct req *r, char from[16], char to[16]);

/* Trending by code: a page of the papers ranked by the GitHub stars they
 * gained in the last week (the store's rule, store_stars_trending), each
 * with its gain and its history up to the rule's reference time. A
 * paper's githubStars here is its history's count now (the paper keeps
 * the highest ever seen). */
struct code_list {
	struct collect papers;
	struct star_gain *gain;   /* gain[i] of papers.v[i] */
	struct star_point **pts;  /* pts[i][0..npts[i]): its history, oldest first */
	size_t *npts;
	size_t cap;               /* of the three above */
};
int lists_code(struct req *r, size_t limit, size_t offset, struct code_list *out, struct buf *err);
void lists_code_release(struct code_list *l);
/* ?by= of trending: 0 upvotes (absent too), 1 code, -1 anything else. */
int lists_by_arg(const char *by);

#endif
