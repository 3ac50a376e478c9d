/*
 * sql_stars.c - each paper's GitHub stars over time (store.h: "GitHub
 * stars over time"), in the SQL both backends speak: the points recorded
 * as the sources give counts, a paper's history, and the papers ranked by
 * the stars they gained in the last week. What "gained" means is written
 * here once (STARS_GAINED_SQL); the page, the API, the feed and the CLI
 * all read it through store_stars_trending.
 */
#include "sqlx.h"

#define DAY_MS 86400000LL

/* A paper's point of day $2: added, or replaced by a later one of another
 * count (the same count again writes nothing). */
#define STARS_PUT_SQL                                                                                           \
	"INSERT INTO paper_stars(paper, day, at, stars) VALUES($1, $2, $3, $4) ON CONFLICT(paper, day) DO UPDATE " \
	"SET at = excluded.at, stars = excluded.stars "                                                        \
	"WHERE paper_stars.stars <> excluded.stars AND excluded.at >= paper_stars.at"
/* The points more than STARS_KEEP_DAYS before the paper's newest ($2). */
#define STARS_PRUNE_SQL                                                                                          \
	"DELETE FROM paper_stars WHERE paper = $1 AND day < (SELECT max(d.day) FROM paper_stars d WHERE d.paper = $1) " \
	"- CAST($2 AS BIGINT)"

static int64_t day_of(pb_time at)
{
	return at >= 0 ? at / DAY_MS : (at - DAY_MS + 1) / DAY_MS;
}

static int record_one(struct store *s, const struct paper *p, pb_time at, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, STARS_PUT_SQL, err))
		return -1;
	sx_str(&x, 1, p->id);
	sx_int(&x, 2, day_of(at));
	sx_int(&x, 3, at);
	sx_int(&x, 4, p->github_stars);
	int rc = sx_step(&x, err);
	int64_t changed = rc >= 0 ? sx_changes(&x) : 0;
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (!changed)
		return 0;
	if (!sx_prep(&x, s, STARS_PRUNE_SQL, err))
		return -1;
	sx_str(&x, 1, p->id);
	sx_int(&x, 2, STARS_KEEP_DAYS);
	return sx_done(&x, err);
}

struct record_ctx {
	const struct paper *papers;
	size_t n;
	pb_time at;
};

static int record_tx(struct store *s, void *ctx, struct buf *err)
{
	struct record_ctx *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (c->papers[i].github_stars >= 0 && record_one(s, &c->papers[i], c->at, err))
			return -1;
	return 0;
}

int sql_stars_record(struct store *s, const struct paper *papers, size_t n, pb_time at, struct buf *err)
{
	size_t with = 0;
	for (size_t i = 0; i < n; i++)
		with += papers[i].github_stars >= 0;
	if (!with)
		return 0;
	struct record_ctx c = { papers, n, at };
	return sx_tx(s, record_tx, &c, err);
}

int sql_stars_history(struct store *s, const char *paper, pb_time until,
		      int (*fn)(const struct star_point *, void *), void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT at, stars FROM paper_stars WHERE paper = $1 AND at <= $2 ORDER BY at", err))
		return -1;
	sx_str(&x, 1, paper);
	sx_int(&x, 2, until ? until : INT64_MAX);
	struct star_point *pts = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sx_step(&x, err)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			pts = xrealloc(pts, cap * sizeof(*pts));
		}
		pts[n].at = sx_cint(&x, 0);
		pts[n++].stars = (int)sx_cint(&x, 1);
	}
	sx_reset(&x);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (fn(&pts[i], ctx))
			break;
	free(pts);
	return rc < 0 ? -1 : 0;
}

/* The reference time: now, or the newest point of any paper when that is
 * earlier. 0 when there are no points at or before now. */
static int stars_now(struct store *s, pb_time now, pb_time *out, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT max(at) FROM paper_stars WHERE at <= $1", err))
		return -1;
	sx_int(&x, 1, now);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*out = 0;
	if (rc == 0) {
		if (!sx_cnull(&x, 0))
			*out = sx_cint(&x, 0);
		sx_reset(&x);
	}
	return 0;
}

/* The rule, once: c is a paper's newest point at or before $1 (now); what
 * it gained is its stars less those of the newest point at or before $4
 * (now - the window), else of the first point. */
#define STARS_GAINED_SQL                                                                                       \
	"c.stars - coalesce((SELECT b.stars FROM paper_stars b WHERE b.paper = c.paper AND b.at <= $4 "         \
	"ORDER BY b.at DESC LIMIT 1), (SELECT f.stars FROM paper_stars f WHERE f.paper = c.paper ORDER BY f.at " \
	"LIMIT 1))"
#define STARS_TRENDING_SQL                                                                                    \
	"SELECT " PAPER_SELECT_P ", c.stars, " STARS_GAINED_SQL " AS gained FROM paper_stars c "                \
	"JOIN papers p ON p.id = c.paper WHERE p.hidden = 0 AND c.at = (SELECT max(m.at) FROM paper_stars m "   \
	"WHERE m.paper = c.paper AND m.at <= $1) ORDER BY gained DESC, c.stars DESC, p.id DESC LIMIT $2 OFFSET $3"

struct gained {
	struct paper p;
	struct star_gain g;
};

int sql_stars_trending(struct store *s, pb_time now, size_t limit, size_t offset,
		       int (*fn)(const struct paper *, const struct star_gain *, void *), void *ctx, struct buf *err)
{
	pb_time ref;
	if (stars_now(s, now ? now : time_now_ms(), &ref, err))
		return -1;
	if (!ref)
		return 0;
	struct sx x;
	if (!sx_prep(&x, s, STARS_TRENDING_SQL, err))
		return -1;
	sx_int(&x, 1, ref);
	sx_int(&x, 2, limit ? (int64_t)limit : INT64_MAX / 2);
	sx_int(&x, 3, (int64_t)offset);
	sx_int(&x, 4, ref - STARS_WINDOW_MS);
	struct gained *v = NULL;
	size_t n = 0, cap = 0;
	int rc;
	int col = 1 + (int)paper_ncols + 3; /* after the paper and its own three */
	while ((rc = sx_step(&x, err)) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			v = xrealloc(v, cap * sizeof(*v));
		}
		paper_init(&v[n].p);
		sx_paper(&x, 1, &v[n].p);
		v[n].g = (struct star_gain){ (int)sx_cint(&x, col), (int)sx_cint(&x, col + 1), ref };
		n++;
	}
	sx_reset(&x);
	int stop = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && !stop)
			stop = fn(&v[i].p, &v[i].g, ctx);
		paper_release(&v[i].p);
	}
	free(v);
	return rc < 0 ? -1 : 0;
}
