/*
 * sql_personal.c - what each reader makes of the service, written once for
 * both backends (sqlx.h): follows and mutes, preferences and marks,
 * collections, recommendations.
 */
#include "sqlx.h"
#include <stddef.h>

/* ---- follows and mutes ---------------------------------------------------------- */

/* The user's row, locked until the transaction ends: a second transaction
 * counting what the user has waits here until the first commits, then
 * counts its row (under PostgreSQL's READ COMMITTED each would count the
 * others' rows without the uncommitted one, and both take the last place;
 * SQLite's writers take turns anyway). */
static int lock_user(struct store *s, int64_t user_id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE users SET admin = admin WHERE id = $1", err))
		return -1;
	sx_int(&x, 1, user_id);
	return sx_done(&x, err);
}

struct pair_ctx {
	const char *ins, *has, *del; /* literals: the statements are cached by address */
	int64_t user_id;
	const char *kind, *value;
	bool on;
	pb_time now;
	size_t max;
};

static int pair_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct pair_ctx *p = ctx;
	struct sx x;
	if (!p->on) {
		if (!sx_prep(&x, s, p->del, err))
			return -1;
		sx_int(&x, 1, p->user_id);
		sx_str(&x, 2, p->kind);
		sx_str(&x, 3, p->value);
		return sx_done(&x, err);
	}
	if (p->max && lock_user(s, p->user_id, err))
		return -1;
	if (!sx_prep(&x, s, p->ins, err))
		return -1;
	sx_int(&x, 1, p->user_id);
	sx_str(&x, 2, p->kind);
	sx_str(&x, 3, p->value);
	sx_int(&x, 4, p->now);
	sx_int(&x, 5, p->max ? (int64_t)p->max : INT64_MAX);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (n)
		return 0;
	/* nothing added: the pair was there already (done), or the cap */
	if (!sx_prep(&x, s, p->has, err))
		return -1;
	sx_int(&x, 1, p->user_id);
	sx_str(&x, 2, p->kind);
	sx_str(&x, 3, p->value);
	rc = sx_row(&x, err);
	if (rc == 0)
		sx_reset(&x);
	return rc < 0 ? -1 : rc == 0 ? 0 : 1;
}

static int pair_list(struct store *s, const char *sql, int64_t user_id, int (*fn)(const struct follow *, void *),
		     void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, sql, err))
		return -1;
	sx_int(&x, 1, user_id);
	int rc;
	struct follow f;
	while ((rc = sx_step(&x, err)) == 1) {
		memset(&f, 0, sizeof(f));
		sx_ccopy(&x, 0, f.kind, sizeof(f.kind));
		sx_ccopy(&x, 1, f.value, sizeof(f.value));
		f.created = sx_cint(&x, 2);
		if (fn(&f, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_follow_set(struct store *s, int64_t user_id, const char *kind, const char *value, bool on, pb_time now,
		   size_t max, struct buf *err)
{
	struct pair_ctx p = {
		"INSERT INTO follows(user_id, kind, value, created) SELECT $1, $2, $3, $4 "
		"WHERE (SELECT count(*) FROM follows WHERE user_id = $1) < $5 ON CONFLICT DO NOTHING",
		"SELECT 1 FROM follows WHERE user_id = $1 AND kind = $2 AND value = $3",
		"DELETE FROM follows WHERE user_id = $1 AND kind = $2 AND value = $3",
		user_id, kind, value, on, now, max,
	};
	return sx_tx(s, pair_tx, &p, err);
}

int sql_follow_list(struct store *s, int64_t user_id, int (*fn)(const struct follow *, void *), void *ctx,
		    struct buf *err)
{
	return pair_list(s, "SELECT kind, value, created FROM follows WHERE user_id = $1 ORDER BY kind, value", user_id,
			 fn, ctx, err);
}

int sql_mute_set(struct store *s, int64_t user_id, const char *kind, const char *value, bool on, pb_time now,
		 size_t max, struct buf *err)
{
	struct pair_ctx p = {
		"INSERT INTO mutes(user_id, kind, value, created) SELECT $1, $2, $3, $4 "
		"WHERE (SELECT count(*) FROM mutes WHERE user_id = $1) < $5 ON CONFLICT DO NOTHING",
		"SELECT 1 FROM mutes WHERE user_id = $1 AND kind = $2 AND value = $3",
		"DELETE FROM mutes WHERE user_id = $1 AND kind = $2 AND value = $3",
		user_id, kind, value, on, now, max,
	};
	return sx_tx(s, pair_tx, &p, err);
}

int sql_mute_list(struct store *s, int64_t user_id, int (*fn)(const struct follow *, void *), void *ctx,
		  struct buf *err)
{
	return pair_list(s, "SELECT kind, value, created FROM mutes WHERE user_id = $1 ORDER BY kind, value", user_id,
			 fn, ctx, err);
}

/* ---- preferences and marks ------------------------------------------------------- */

int sql_prefs_get(struct store *s, int64_t user_id, struct user_prefs *p, struct buf *err)
{
	memset(p, 0, sizeof(*p));
	struct sx x;
	if (!sx_prep(&x, s, "SELECT mute_collapse, read_mark, active_at, recs_at, feed_hash FROM users WHERE id = $1",
		     err))
		return -1;
	sx_int(&x, 1, user_id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	p->mute_collapse = sx_cint(&x, 0) != 0;
	p->read_mark = sx_cint(&x, 1);
	p->active_at = sx_cint(&x, 2);
	p->recs_at = sx_cint(&x, 3);
	size_t n;
	const void *h = s->sql->col_blob(x.q, 4, &n);
	if (h && n == TOKEN_HASH_BYTES) {
		p->has_feed = true;
		memcpy(p->feed_hash, h, n);
	}
	sx_reset(&x);
	return 0;
}

/* One statement, each column written only when asked for: what another
 * request wrote to the others meanwhile stays. */
int sql_prefs_set(struct store *s, int64_t user_id, const struct user_prefs *p, unsigned fields, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE users SET mute_collapse = CASE WHEN $5 = 1 THEN $2 ELSE mute_collapse END, "
		     "read_mark = CASE WHEN $6 = 1 THEN $3 ELSE read_mark END, "
		     "feed_hash = CASE WHEN $7 = 1 THEN $4 ELSE feed_hash END WHERE id = $1",
		     err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, p->mute_collapse);
	sx_int(&x, 3, p->read_mark);
	if (p->has_feed)
		sx_blob(&x, 4, p->feed_hash, TOKEN_HASH_BYTES);
	else
		sx_null(&x, 4);
	sx_int(&x, 5, (fields & PREFS_MUTE_COLLAPSE) != 0);
	sx_int(&x, 6, (fields & PREFS_READ_MARK) != 0);
	sx_int(&x, 7, (fields & PREFS_FEED) != 0);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

int sql_user_touch(struct store *s, int64_t user_id, pb_time now, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE users SET active_at = greatest(active_at, $2) WHERE id = $1", err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, now);
	return sx_done(&x, err);
}

int sql_users_due_recs(struct store *s, pb_time stale_before, pb_time active_since, size_t limit,
		       int (*fn)(int64_t, void *), void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT id FROM users WHERE disabled = 0 AND (active_at > recs_at OR (recs_at < $2 AND active_at > $3)) "
		     "ORDER BY CASE WHEN active_at > recs_at THEN 0 ELSE 1 END, active_at LIMIT $1",
		     err))
		return -1;
	sx_int(&x, 1, (int64_t)limit);
	sx_int(&x, 2, stale_before);
	sx_int(&x, 3, active_since);
	int rc;
	struct buf ids = BUF_INIT;
	int64_t *v = NULL;
	size_t n = 0;
	/* read first: fn works on the store */
	while ((rc = sx_step(&x, err)) == 1) {
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = sx_cint(&x, 0);
	}
	sx_reset(&x);
	for (size_t i = 0; rc >= 0 && i < n; i++)
		if (fn(v[i], ctx))
			break;
	free(v);
	buf_release(&ids);
	return rc < 0 ? -1 : 0;
}

/* ---- collections -------------------------------------------------------------------- */

#define COLL_SELECT                                                                                             \
	"SELECT c.id, c.user_id, c.name, u.name, c.public, c.created, c.updated, "                               \
	"(SELECT count(*) FROM collection_items i WHERE i.collection_id = c.id) FROM collections c JOIN users u " \
	"ON u.id = c.user_id "

static void row_to_coll(struct sx *x, struct collection *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sx_cint(x, 0);
	c->user_id = sx_cint(x, 1);
	sx_ccopy(x, 2, c->name, sizeof(c->name));
	sx_ccopy(x, 3, c->user, sizeof(c->user));
	c->public_ = sx_cint(x, 4) != 0;
	c->created = sx_cint(x, 5);
	c->updated = sx_cint(x, 6);
	c->items = sx_cint(x, 7);
}

static int one_coll(struct sx *x, struct collection *c, struct buf *err)
{
	int rc = sx_row(x, err);
	if (rc)
		return rc;
	row_to_coll(x, c);
	sx_reset(x);
	return 0;
}

struct coll_add {
	struct collection *c;
	size_t max;
};

static int coll_add_tx(struct store *s, void *ctx, struct buf *err)
{
	struct coll_add *a = ctx;
	struct collection *c = a->c;
	struct sx x;
	if (a->max && lock_user(s, c->user_id, err))
		return -1;
	if (!sx_prep(&x, s,
		     "INSERT INTO collections(user_id, name, public, created, updated) SELECT $1, $2, $3, $4, $4 "
		     "WHERE (SELECT count(*) FROM collections WHERE user_id = $1) < $5 RETURNING id",
		     err))
		return -1;
	sx_int(&x, 1, c->user_id);
	sx_str(&x, 2, c->name);
	sx_int(&x, 3, c->public_);
	sx_int(&x, 4, c->created);
	sx_int(&x, 5, a->max ? (int64_t)a->max : INT64_MAX);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return sx_taken(s, err);
	if (rc > 0)
		return 2; /* the cap */
	c->id = sx_cint(&x, 0);
	c->updated = c->created;
	sx_reset(&x);
	return 0;
}

int sql_collection_add(struct store *s, struct collection *c, size_t max, struct buf *err)
{
	if (!c->created)
		c->created = time_now_ms();
	struct coll_add a = { c, max };
	return sx_tx(s, coll_add_tx, &a, err);
}

int sql_collection_update(struct store *s, const struct collection *c, unsigned fields, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE collections SET name = CASE WHEN $6 = 1 THEN $3 ELSE name END, "
		     "public = CASE WHEN $7 = 1 THEN $4 ELSE public END, updated = $5 WHERE id = $1 AND user_id = $2",
		     err))
		return -1;
	sx_int(&x, 1, c->id);
	sx_int(&x, 2, c->user_id);
	sx_str(&x, 3, c->name);
	sx_int(&x, 4, c->public_);
	sx_int(&x, 5, time_now_ms());
	sx_int(&x, 6, (fields & COLL_NAME) != 0);
	sx_int(&x, 7, (fields & COLL_PUBLIC) != 0);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return sx_taken(s, err);
	return n ? 0 : 1;
}

int sql_collection_delete(struct store *s, int64_t id, int64_t user_id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM collections WHERE id = $1 AND user_id = $2", err))
		return -1;
	sx_int(&x, 1, id);
	sx_int(&x, 2, user_id);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

int sql_collection_get(struct store *s, int64_t id, struct collection *c, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, COLL_SELECT "WHERE c.id = $1", err))
		return -1;
	sx_int(&x, 1, id);
	return one_coll(&x, c, err);
}

int sql_collection_find(struct store *s, int64_t user_id, const char *name, struct collection *c, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, COLL_SELECT "WHERE c.user_id = $1 AND lower(c.name) = lower($2)", err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_str(&x, 2, name);
	return one_coll(&x, c, err);
}

int sql_collection_list(struct store *s, int64_t user_id, bool with_private, int (*fn)(const struct collection *, void *),
			void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, COLL_SELECT "WHERE c.user_id = $1 AND (c.public = 1 OR $2 = 1) ORDER BY lower(c.name)", err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, with_private);
	int rc;
	struct collection c;
	while ((rc = sx_step(&x, err)) == 1) {
		row_to_coll(&x, &c);
		if (fn(&c, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

struct put_ctx {
	int64_t coll;
	const char *paper, *note;
	pb_time now;
	size_t max;
};

/* A collection changed: its `updated` (what caches of its exports key on).
 * Its row is locked from here to the transaction's end, so a racing put or
 * move waits, then counts this one's paper and position. 0, 1 (no such
 * collection), -1. */
static int touch_coll(struct store *s, int64_t coll_id, pb_time now, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE collections SET updated = greatest(updated + 1, $2) WHERE id = $1", err))
		return -1;
	sx_int(&x, 1, coll_id);
	sx_int(&x, 2, now);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

static int put_tx(struct store *s, void *ctx, struct buf *err)
{
	struct put_ctx *p = ctx;
	struct sx x;
	int rc = touch_coll(s, p->coll, p->now, err);
	if (rc)
		return rc;
	/* the paper must exist; the collection's count, and whether it holds it */
	if (!sx_prep(&x, s,
		     "SELECT (SELECT count(*) FROM papers WHERE id = $2), "
		     "(SELECT count(*) FROM collection_items WHERE collection_id = $1), "
		     "(SELECT count(*) FROM collection_items WHERE collection_id = $1 AND paper = $2)",
		     err))
		return -1;
	sx_int(&x, 1, p->coll);
	sx_str(&x, 2, p->paper);
	rc = sx_row(&x, err);
	if (rc)
		return rc < 0 ? -1 : 1;
	bool paper = sx_cint(&x, 0) > 0, holds = sx_cint(&x, 2) > 0;
	int64_t items = sx_cint(&x, 1);
	sx_reset(&x);
	if (!paper)
		return 1;
	if (p->max && !holds && items >= (int64_t)p->max)
		return 2;
	if (!sx_prep(&x, s,
		     "INSERT INTO collection_items(collection_id, paper, note, position, added) VALUES($1, $2, coalesce($3, ''), "
		     "(SELECT coalesce(max(position), -1) + 1 FROM collection_items WHERE collection_id = $1), $4) "
		     "ON CONFLICT(collection_id, paper) DO UPDATE SET note = coalesce($3, collection_items.note)",
		     err))
		return -1;
	sx_int(&x, 1, p->coll);
	sx_str(&x, 2, p->paper);
	sx_str(&x, 3, p->note);
	sx_int(&x, 4, p->now);
	return sx_done(&x, err);
}

int sql_collection_put(struct store *s, int64_t coll_id, const char *paper, const char *note, pb_time now,
		       size_t max, struct buf *err)
{
	struct put_ctx p = { coll_id, paper, note, now, max };
	return sx_tx(s, put_tx, &p, err);
}

struct remove_ctx {
	int64_t coll;
	const char *paper;
};

static int remove_tx(struct store *s, void *ctx, struct buf *err)
{
	struct remove_ctx *m = ctx;
	struct sx x;
	int rc = touch_coll(s, m->coll, time_now_ms(), err); /* first, as put and move do */
	if (rc)
		return rc;
	if (!sx_prep(&x, s, "DELETE FROM collection_items WHERE collection_id = $1 AND paper = $2", err))
		return -1;
	sx_int(&x, 1, m->coll);
	sx_str(&x, 2, m->paper);
	rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1; /* nothing removed: rolled back, untouched */
}

int sql_collection_remove(struct store *s, int64_t coll_id, const char *paper, struct buf *err)
{
	struct remove_ctx m = { coll_id, paper };
	return sx_tx(s, remove_tx, &m, err);
}

struct move_ctx {
	int64_t coll;
	const char *paper;
	int64_t to;
};

static int move_tx(struct store *s, void *ctx, struct buf *err)
{
	struct move_ctx *m = ctx;
	struct sx x;
	int rc = touch_coll(s, m->coll, time_now_ms(), err);
	if (rc)
		return rc;
	if (!sx_prep(&x, s, "SELECT paper FROM collection_items WHERE collection_id = $1 ORDER BY position, added", err))
		return -1;
	sx_int(&x, 1, m->coll);
	struct strlist order = STRLIST_INIT;
	long at = -1;
	while ((rc = sx_step(&x, err)) == 1) {
		const char *p = sx_ctext(&x, 0);
		if (p && !strcmp(p, m->paper))
			at = (long)order.n;
		else
			strlist_push(&order, p ? p : "", p ? strlen(p) : 0);
	}
	sx_reset(&x);
	if (rc < 0 || at < 0) {
		strlist_release(&order);
		return rc < 0 ? -1 : 1;
	}
	size_t to = m->to < 0 ? 0 : (size_t)m->to > order.n ? order.n : (size_t)m->to;
	/* renumber: the others in their order, the moved one at `to` */
	int ret = 0;
	for (size_t i = 0, pos = 0; i <= order.n && !ret; i++) {
		const char *paper = NULL;
		if (i == to)
			paper = m->paper;
		for (int k = 0; k < 2 && !ret; k++) {
			const char *pp = k == 0 ? paper : i < order.n ? order.v[i] : NULL;
			if (!pp)
				continue;
			if (!sx_prep(&x, s, "UPDATE collection_items SET position = $3 WHERE collection_id = $1 AND paper = $2",
				     err)) {
				ret = -1;
				break;
			}
			sx_int(&x, 1, m->coll);
			sx_str(&x, 2, pp);
			sx_int(&x, 3, (int64_t)pos++);
			ret = sx_done(&x, err);
		}
	}
	strlist_release(&order);
	return ret;
}

int sql_collection_move(struct store *s, int64_t coll_id, const char *paper, int64_t to, struct buf *err)
{
	struct move_ctx m = { coll_id, paper, to };
	return sx_tx(s, move_tx, &m, err);
}

int sql_collection_items(struct store *s, int64_t coll_id, int (*fn)(const struct collection_item *, void *), void *ctx,
			 struct buf *err)
{
	return sql_collection_page(s, coll_id, 0, 0, fn, ctx, err);
}

int sql_collection_page(struct store *s, int64_t coll_id, size_t offset, size_t limit,
			int (*fn)(const struct collection_item *, void *), void *ctx, struct buf *err)
{
	struct sx x;
	/* the page's papers from the order's index alone (notes are big: only
	 * the page's are read) */
	if (!sx_prep(&x, s,
		     "SELECT paper, note, position, added FROM collection_items WHERE collection_id = $1 AND paper IN "
		     "(SELECT paper FROM collection_items WHERE collection_id = $1 ORDER BY position, added LIMIT $2 OFFSET $3) "
		     "ORDER BY position, added",
		     err))
		return -1;
	sx_int(&x, 1, coll_id);
	sx_int(&x, 2, limit ? (int64_t)limit : INT64_MAX);
	sx_int(&x, 3, (int64_t)offset);
	int rc;
	struct collection_item it;
	while ((rc = sx_step(&x, err)) == 1) {
		memset(&it, 0, sizeof(it));
		sx_ccopy(&x, 0, it.paper, sizeof(it.paper));
		it.note = sx_cdup(&x, 1);
		if (!it.note)
			it.note = xstrdup("");
		it.position = sx_cint(&x, 2);
		it.added = sx_cint(&x, 3);
		int stop = fn(&it, ctx);
		free(it.note);
		if (stop)
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_collections_of(struct store *s, int64_t user_id, const char *paper, int64_t *out, size_t cap, size_t *n,
		       struct buf *err)
{
	struct sx x;
	*n = 0;
	if (!sx_prep(&x, s,
		     "SELECT c.id FROM collections c JOIN collection_items i ON i.collection_id = c.id "
		     "WHERE c.user_id = $1 AND i.paper = $2 ORDER BY c.id",
		     err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_str(&x, 2, paper);
	int rc;
	while ((rc = sx_step(&x, err)) == 1)
		if (*n < cap)
			out[(*n)++] = sx_cint(&x, 0);
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

/* ---- recommendations ----------------------------------------------------------------- */

struct recs_ctx {
	int64_t user;
	const char *const *papers;
	const double *scores;
	size_t n;
	pb_time now;
};

static int recs_tx(struct store *s, void *ctx, struct buf *err)
{
	struct recs_ctx *r = ctx;
	struct sx x;
	/* a user deleted while their recommendations were made: nothing to keep */
	if (!sx_prep(&x, s, "UPDATE users SET recs_at = $2 WHERE id = $1", err))
		return -1;
	sx_int(&x, 1, r->user);
	sx_int(&x, 2, r->now);
	int rc = sx_step(&x, err);
	int64_t changed = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (!changed)
		return 0;
	if (!sx_prep(&x, s, "DELETE FROM recs WHERE user_id = $1", err))
		return -1;
	sx_int(&x, 1, r->user);
	if (sx_done(&x, err))
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		if (!sx_prep(&x, s, "INSERT INTO recs(user_id, paper, score) VALUES($1, $2, $3) ON CONFLICT DO NOTHING", err))
			return -1;
		sx_int(&x, 1, r->user);
		sx_str(&x, 2, r->papers[i]);
		/* scores as micro-units: one integer column on both backends */
		sx_int(&x, 3, (int64_t)(r->scores[i] * 1e6));
		if (sx_done(&x, err))
			return -1;
	}
	return 0;
}

int sql_recs_set(struct store *s, int64_t user_id, const char *const *papers, const double *scores, size_t n,
		 pb_time now, struct buf *err)
{
	struct recs_ctx r = { user_id, papers, scores, n, now };
	return sx_tx(s, recs_tx, &r, err);
}

int sql_recs_get(struct store *s, int64_t user_id, size_t limit, int (*fn)(const char *, double, void *), void *ctx,
		 struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT paper, score FROM recs WHERE user_id = $1 ORDER BY score DESC, paper LIMIT $2", err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, (int64_t)limit);
	int rc;
	while ((rc = sx_step(&x, err)) == 1) {
		const char *p = sx_ctext(&x, 0);
		if (p && fn(p, (double)sx_cint(&x, 1) / 1e6, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}
