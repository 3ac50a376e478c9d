/*
 * recs.c - the recommender thread of `serve`: remakes the "for you" list of
 * each reader whose votes, saves or follows changed since it was made
 * (store_users_due_recs), in the background, once per cluster (a lease in
 * the store). What a reader liked: the papers they upvoted, the papers in
 * their collections, and the newest papers of what they follow (so that
 * follows alone are enough to start); the candidates: the featured papers
 * of the last 30 days of the feed. The ranking is search_recommend's.
 */
#include "recs.h"
#include "follower.h"
#include "lists.h"
#include <unistd.h>

#define RECS_LEASE_MS (5 * 60 * 1000LL)
#define RECS_KEEP 100
#define RECS_WINDOW_DAYS 30
#define RECS_STALE_MS (20 * 3600 * 1000LL)
#define RECS_ACTIVE_MS (60 * 86400 * 1000LL)

struct idlist {
	struct strlist ids;
	double *weight;
	size_t cap;
};

static void idl_add(struct idlist *l, const char *id, double weight)
{
	for (size_t i = 0; i < l->ids.n; i++)
		if (!strcmp(l->ids.v[i], id)) {
			if (weight > l->weight[i])
				l->weight[i] = weight;
			return;
		}
	if (l->ids.n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->weight = xrealloc(l->weight, l->cap * sizeof(double));
	}
	l->weight[l->ids.n] = weight;
	strlist_push(&l->ids, id, strlen(id));
}

static void idl_release(struct idlist *l)
{
	strlist_release(&l->ids);
	free(l->weight);
}

static int liked_vote(const struct paper *p, void *ctx)
{
	idl_add(ctx, p->id, 1.0);
	return 0;
}

struct coll_ids {
	int64_t *v;
	size_t n, cap;
};

static int coll_id(const struct collection *c, void *ctx)
{
	struct coll_ids *ci = ctx;
	if (ci->n == ci->cap) {
		ci->cap = ci->cap ? ci->cap * 2 : 8;
		ci->v = xrealloc(ci->v, ci->cap * sizeof(*ci->v));
	}
	ci->v[ci->n++] = c->id;
	return 0;
}

static int liked_item(const struct collection_item *it, void *ctx)
{
	idl_add(ctx, it->paper, 1.0);
	return 0;
}

struct follow_ctx {
	struct web *w;
	struct store *s;
	struct search_cursor *cur;
	struct idlist *liked, *boosted;
	const struct follow *f;
	bool bad;
	/* organizations and Hugging Face users: looked for among the candidates */
	struct strlist scan_kind, scan_value;
};

/* A paper the search of a follow found, when it is the follow's (the
 * index matches an author's words, not the whole name). */
static int follow_paper(const struct paper *p, size_t i, void *ctx)
{
	(void)i;
	struct follow_ctx *fc = ctx;
	if (!strcmp(fc->f->kind, "search") || paper_matches(p, fc->f->kind, fc->f->value)) {
		idl_add(fc->liked, p->id, 0.5);
		idl_add(fc->boosted, p->id, 1.0);
	}
	return 0;
}

static int liked_follow(const struct follow *f, void *ctx)
{
	struct follow_ctx *fc = ctx;
	fc->f = f;
	if (!strcmp(f->kind, "org") || !strcmp(f->kind, "hfuser")) {
		strlist_push(&fc->scan_kind, f->kind, strlen(f->kind));
		strlist_push(&fc->scan_value, f->value, strlen(f->value));
		return 0;
	}
	struct buf q = BUF_INIT, err = BUF_INIT;
	char name[512];
	if (!strcmp(f->kind, "author")) {
		follow_author_name(f->value, name, sizeof(name));
		buf_addf(&q, "author:\"%s\"", name);
	}
	else if (!strcmp(f->kind, "category"))
		buf_addf(&q, "cat:%s", f->value);
	else if (!strcmp(f->kind, "search"))
		buf_adds(&q, f->value);
	if (q.len && fc->w->ix) {
		struct search_hit hits[20];
		size_t n = ARRAY_SIZE(hits);
		struct search_opts so = { SEARCH_BM25, SEARCH_NEWEST, false, false };
		if (search_run(fc->w->ix, fc->cur, q.s, &so, hits, &n, NULL, &err) == 0) {
			const char *ids[ARRAY_SIZE(hits)];
			for (size_t i = 0; i < n; i++)
				ids[i] = hits[i].id;
			fc->bad |= store_papers_get(fc->s, ids, n, false, follow_paper, fc, &err) < 0;
		}
	}
	buf_release(&q);
	buf_release(&err);
	return 0;
}

struct texts {
	char **text;
	bool *found;
};

static int text_of(const struct paper *p, size_t i, void *ctx)
{
	struct texts *t = ctx;
	struct buf b = BUF_INIT;
	buf_addf(&b, "%s\n%s", p->title ? p->title : "", p->abstract ? p->abstract : "");
	t->text[i] = buf_detach(&b);
	t->found[i] = true;
	return 0;
}

static int read_texts(struct store *s, const struct strlist *ids, struct texts *t)
{
	t->text = xcalloc(ids->n ? ids->n : 1, sizeof(char *));
	t->found = xcalloc(ids->n ? ids->n : 1, sizeof(bool));
	struct buf err = BUF_INIT;
	int rc = store_papers_get(s, (const char *const *)ids->v, ids->n, false, text_of, t, &err);
	buf_release(&err);
	return rc < 0 ? -1 : 0;
}

static void texts_release(struct texts *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t->text[i]);
	free(t->text);
	free(t->found);
}

struct cand_ctx {
	struct idlist *cand;
	struct paper_rules mutes;
	struct follow_ctx *fc;
};

static int add_mute(const struct follow *m, void *ctx)
{
	paper_rules_add(&((struct cand_ctx *)ctx)->mutes, m->kind, m->value);
	return 0;
}

/* A candidate, unless the reader muted it. */
static int candidate(const struct paper *p, void *ctx)
{
	struct cand_ctx *cc = ctx;
	if (paper_rules_match(&cc->mutes, p) >= 0)
		return 0;
	idl_add(cc->cand, p->id, 0);
	for (size_t i = 0; i < cc->fc->scan_kind.n; i++)
		if (paper_matches(p, cc->fc->scan_kind.v[i], cc->fc->scan_value.v[i])) {
			idl_add(cc->fc->liked, p->id, 0.5);
			idl_add(cc->fc->boosted, p->id, 1.0);
		}
	return 0;
}

struct ranked {
	const char *id;
	double score;
};

static int by_score(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	return x->score < y->score ? 1 : x->score > y->score ? -1 : strcmp(x->id, y->id);
}

/* Remakes user's recommendations (the index read-locked by the caller). */
static int recommend_user(struct web *w, struct store *s, struct search_cursor *cur, int64_t user_id, struct buf *err)
{
	struct idlist liked = { STRLIST_INIT, NULL, 0 }, boosted = { STRLIST_INIT, NULL, 0 },
		      cand = { STRLIST_INIT, NULL, 0 };
	/* a read that fails leaves the old recommendations as they were */
	bool bad = store_user_votes(s, user_id, 300, liked_vote, &liked, err) < 0;
	struct coll_ids ci = { 0 };
	bad |= store_collection_list(s, user_id, true, coll_id, &ci, err) < 0;
	for (size_t i = 0; i < ci.n && !bad; i++)
		bad |= store_collection_items(s, ci.v[i], liked_item, &liked, err) < 0;
	free(ci.v);
	struct follow_ctx fc = { w, s, cur, &liked, &boosted, NULL, false, STRLIST_INIT, STRLIST_INIT };
	bad |= store_follow_list(s, user_id, liked_follow, &fc, err) < 0 || fc.bad;
	/* the candidates: the featured papers of the feed's last 30 days */
	char last[16] = "";
	bad |= store_latest_day(s, "", last, err) < 0;
	struct cand_ctx cc = { &cand, { STRLIST_INIT, STRLIST_INIT }, &fc };
	bad |= store_mute_list(s, user_id, add_mute, &cc, err) < 0;
	if (last[0]) {
		pb_time t;
		day_parse(last, &t);
		struct store_query q = { .sort = SORT_PUBLISHED, .limit = 5000 };
		time_format_day(t - (pb_time)RECS_WINDOW_DAYS * 86400000, q.day_from);
		time_format_day(t + 86400000, q.day_to);
		bad |= store_paper_list(s, &q, candidate, &cc, err) < 0;
	}
	paper_rules_release(&cc.mutes);
	strlist_release(&fc.scan_kind);
	strlist_release(&fc.scan_value);
	/* what was liked is not recommended */
	struct idlist c2 = { STRLIST_INIT, NULL, 0 };
	for (size_t i = 0; i < cand.ids.n; i++) {
		bool seen = false;
		for (size_t k = 0; k < liked.ids.n && !seen; k++)
			seen = liked.weight[k] >= 1.0 && !strcmp(liked.ids.v[k], cand.ids.v[i]);
		if (!seen)
			idl_add(&c2, cand.ids.v[i], 0);
	}
	struct texts lt, ct;
	bad |= read_texts(s, &liked.ids, &lt) < 0;
	bad |= read_texts(s, &c2.ids, &ct) < 0;
	struct search_liked *sl = xcalloc(liked.ids.n ? liked.ids.n : 1, sizeof(*sl));
	size_t nl = 0;
	for (size_t i = 0; i < liked.ids.n; i++)
		if (lt.found[i])
			sl[nl++] = (struct search_liked){ liked.ids.v[i], lt.text[i], liked.weight[i] };
	struct search_candidate *sc = xcalloc(c2.ids.n ? c2.ids.n : 1, sizeof(*sc));
	size_t nc = 0;
	for (size_t i = 0; i < c2.ids.n; i++) {
		if (!ct.found[i])
			continue;
		double boost = 0;
		for (size_t k = 0; k < boosted.ids.n && !boost; k++)
			if (!strcmp(boosted.ids.v[k], c2.ids.v[i]))
				boost = 1.0; /* what one follows comes first */
		sc[nc++] = (struct search_candidate){ c2.ids.v[i], ct.text[i], boost };
	}
	double *scores = xcalloc(nc ? nc : 1, sizeof(double));
	int rc = bad ? -1 : 0;
	size_t keep = 0;
	struct ranked *rk = xcalloc(nc ? nc : 1, sizeof(*rk));
	if (nl && nc && w->ix)
		rc = search_recommend(w->ix, cur, REC_BLEND, sl, nl, sc, nc, scores, err);
	if (!rc && nl) {
		for (size_t i = 0; i < nc; i++)
			rk[i] = (struct ranked){ sc[i].id, scores[i] };
		qsort(rk, nc, sizeof(*rk), by_score);
		keep = nc < RECS_KEEP ? nc : RECS_KEEP;
	}
	const char **ids = xcalloc(keep ? keep : 1, sizeof(char *));
	double *sv = xcalloc(keep ? keep : 1, sizeof(double));
	for (size_t i = 0; i < keep; i++) {
		ids[i] = rk[i].id;
		sv[i] = rk[i].score;
	}
	if (!rc)
		rc = store_recs_set(s, user_id, ids, sv, keep, time_now_ms(), err);
	free(ids);
	free(sv);
	free(rk);
	free(scores);
	free(sl);
	free(sc);
	texts_release(&lt, liked.ids.n);
	texts_release(&ct, c2.ids.n);
	idl_release(&liked);
	idl_release(&boosted);
	idl_release(&cand);
	idl_release(&c2);
	return rc;
}

static int due(int64_t id, void *ctx)
{
	struct idlist *l = ctx;
	char s[24];
	snprintf(s, sizeof(s), "%lld", (long long)id);
	idl_add(l, s, 0);
	return 0;
}

static void *recs_main(void *arg)
{
	struct web *w = arg;
	struct store *s = NULL;
	struct search_cursor *cur = NULL;
	struct buf err = BUF_INIT;
	char me[192];
	bg_name(me, sizeof(me), "recs");
	for (;;) {
		if (bg_wait(&w->bg, &w->recommender, 2))
			break;
		buf_reset(&err);
		if (!s && store_open(w->cfg.db_url, 0, &s, &err)) {
			s = NULL;
			continue;
		}
		if (!cur && !(cur = search_cursor_new(NULL, NULL)))
			continue;
		struct idlist users = { STRLIST_INIT, NULL, 0 };
		/* made again after activity, and once a day for a reader active in
		 * the last 60 days (the candidates change every day) */
		pb_time now = time_now_ms();
		if (store_users_due_recs(s, now - RECS_STALE_MS, now - RECS_ACTIVE_MS, 10, due, &users, &err) ||
		    !users.ids.n) {
			idl_release(&users);
			continue;
		}
		/* one process of the cluster at a time */
		if (store_lease_take(s, "recs", me, time_now_ms(), RECS_LEASE_MS, NULL, NULL, &err) == 0) {
			for (size_t i = 0; i < users.ids.n; i++) {
				long uid = strtol(users.ids.v[i], NULL, 10);
				pthread_rwlock_rdlock(&w->ix_lock);
				if (recommend_user(w, s, cur, uid, &err))
					fprintf(stderr, "paperboy: recommendations for user %ld: %s\n", uid, err.s);
				pthread_rwlock_unlock(&w->ix_lock);
				buf_reset(&err);
			}
			store_lease_release(s, "recs", me, &err);
		}
		idl_release(&users);
	}
	search_cursor_free(cur);
	store_close(s);
	buf_release(&err);
	return NULL;
}

void recs_start(struct web *w)
{
	bg_start(&w->bg, &w->recommender, recs_main, w, "the recommender");
}

void recs_stop(struct web *w)
{
	bg_stop(&w->bg, &w->recommender);
}
