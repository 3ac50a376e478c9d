/*
 * migrate.c - copying a whole store into another, either backend into
 * either (store_migrate, `paperboy migrate`).
 *
 * Every table is described once (its columns, their kinds, its key). The
 * source is read inside one snapshot, in pages by key; the target is
 * written in transactions of a page each, then read back: each table's
 * rows are counted and summed into a checksum (an order-free sum of a
 * 64-bit hash of each row's values), and source and target must agree.
 * Identity counters of the target are moved past the copied ids.
 */
#include "sqlx.h"

#define PAGE 1000

struct mcol {
	const char *name;
	char kind; /* 'i' integer, 't' text, 'b' bytes */
};

struct mtable {
	const char *name;
	const struct mcol *cols;
	size_t ncols;
	size_t nkey;       /* the first nkey columns are the key */
	bool identity;     /* its first column is an id the database hands out */
	/* made once (statements are cached by the address of their SQL) */
	char *first_sql, *next_sql, *insert_sql, *clear_sql;
};

#define C(n, k) { #n, k }
static const struct mcol users_c[] = { C(id, 'i'),          C(name, 't'),      C(email, 't'),
				       C(email_verified, 'i'), C(fullname, 't'),  C(pwhash, 't'),
				       C(admin, 'i'),       C(disabled, 'i'),  C(created, 'i'),
				       C(mute_collapse, 'i'), C(read_mark, 'i'), C(active_at, 'i'),
				       C(recs_at, 'i'),     C(feed_hash, 'b') };
static const struct mcol papers_c[] = {
	C(docid, 'i'), C(id, 't'), C(version, 'i'), C(title, 't'), C(abstract, 't'), C(authors, 't'),
	C(categories, 't'), C(published, 'i'), C(updated, 'i'), C(doi, 't'), C(journal_ref, 't'), C(comments, 't'),
	C(license, 't'), C(code_url, 't'), C(code_explicit, 'i'), C(project_page, 't'), C(feed_day, 't'),
	C(hf_day, 't'), C(submitted_at, 'i'), C(submitter, 't'), C(submitter_name, 't'), C(upvotes, 'i'),
	C(num_comments, 'i'), C(github_stars, 'i'), C(ai_summary, 't'), C(ai_keywords, 't'), C(discussion_id, 't'),
	C(sources, 'i'), C(first_seen, 'i'), C(changed_at, 'i'), C(seq, 'i'), C(local_votes, 'i'),
	C(local_comments, 'i'), C(hidden, 'i'), C(organization, 't'), C(media_urls, 't'), C(thumbnail, 't'),
	C(author_participating, 'i'), C(author_users, 't')
};
static const struct mcol kv_c[] = { C(key, 't'), C(value, 't') };
static const struct mcol sessions_c[] = { C(hash, 'b'), C(user_id, 'i'), C(expires, 'i') };
static const struct mcol tokens_c[] = { C(id, 'i'), C(hash, 'b'), C(user_id, 'i'), C(label, 't'), C(created, 'i'),
					C(last_used, 'i') };
static const struct mcol votes_c[] = { C(paper, 't'), C(user_id, 'i'), C(at, 'i'), C(counted, 'i') };
static const struct mcol comments_c[] = { C(id, 'i'),      C(paper, 't'),   C(user_id, 'i'),
					  C(parent, 'i'),  C(body, 't'),    C(created, 'i'),
					  C(edited, 'i'),  C(deleted, 'i'), C(hidden, 'i') };
static const struct mcol subs_c[] = { C(id, 'i'),      C(email, 't'),        C(period, 't'),
				      C(topics, 't'),  C(user_id, 'i'),      C(status, 't'),
				      C(created, 'i'), C(confirmed_at, 'i'), C(failures, 'i'),
				      C(pending_period, 't'), C(pending_topics, 't') };
static const struct mcol outbox_c[] = { C(id, 'i'),         C(sub_id, 'i'),   C(user_id, 'i'), C(kind, 't'),
					C(period_key, 't'), C(message_id, 't'), C(rcpt, 't'),  C(data, 'b'),
					C(state, 't'),      C(attempts, 'i'), C(next_try, 'i'), C(last_error, 't'),
					C(created, 'i'),    C(sent_at, 'i') };
static const struct mcol sent_c[] = { C(sub_id, 'i'), C(paper, 't') };
static const struct mcol limits_c[] = { C(key, 't'), C(count, 'i'), C(last, 'i'), C(blocked_until, 'i') };
static const struct mcol leases_c[] = { C(name, 't'), C(owner, 't'), C(expires, 'i') };
static const struct mcol follows_c[] = { C(user_id, 'i'), C(kind, 't'), C(value, 't'), C(created, 'i') };
static const struct mcol colls_c[] = { C(id, 'i'), C(user_id, 'i'), C(name, 't'), C(public, 'i'), C(created, 'i'),
				       C(updated, 'i') };
static const struct mcol items_c[] = { C(collection_id, 'i'), C(paper, 't'), C(note, 't'), C(position, 'i'),
				       C(added, 'i') };
static const struct mcol recs_c[] = { C(user_id, 'i'), C(paper, 't'), C(score, 'i') };
static const struct mcol subm_c[] = { C(id, 'i'), C(paper, 't'), C(user_id, 'i'), C(at, 'i'), C(status, 't'),
				      C(decided_by, 'i'), C(decided_at, 'i') };
static const struct mcol fetch_c[] = { C(id, 'i'), C(paper, 't'), C(user_id, 'i'), C(submit, 'i'), C(state, 't'),
				       C(message, 't'), C(attempts, 'i'), C(created, 'i'), C(updated, 'i'),
				       C(next_try, 'i'), C(owner, 't') };
static const struct mcol links_c[] = { C(paper, 't'), C(data, 't'), C(fetched, 'i') };
static const struct mcol text_c[] = { C(paper, 't'), C(data, 'b'), C(bytes, 'i') };
static const struct mcol refs_c[] = { C(paper, 't'), C(ref, 't') };
static const struct mcol pdf_c[] = { C(paper, 't'), C(state, 't'), C(etag, 't'), C(last_modified, 't'),
				     C(attempts, 'i'), C(next_try, 'i'), C(updated, 'i'), C(message, 't') };
static const struct mcol stars_c[] = { C(paper, 't'), C(day, 'i'), C(at, 'i'), C(stars, 'i') };
static const struct mcol resets_c[] = { C(hash, 'b'), C(user_id, 'i'), C(expires, 'i') };
#undef C

#define T(name, cols, nkey, ident) { #name, cols, ARRAY_SIZE(cols), nkey, ident, NULL, NULL, NULL, NULL }
/* in an order that satisfies every reference */
static struct mtable tables[] = {
	T(users, users_c, 1, true),       T(papers, papers_c, 1, true),     T(kv, kv_c, 1, false),
	T(sessions, sessions_c, 1, false), T(api_tokens, tokens_c, 1, true), T(votes, votes_c, 2, false),
	T(comments, comments_c, 1, true), T(subscriptions, subs_c, 1, true), T(outbox, outbox_c, 1, true),
	T(sent_papers, sent_c, 2, false), T(limits, limits_c, 1, false),    T(leases, leases_c, 1, false),
	T(submissions, subm_c, 1, true),  T(follows, follows_c, 3, false), T(mutes, follows_c, 3, false),
	T(collections, colls_c, 1, true), T(collection_items, items_c, 2, false), T(recs, recs_c, 2, false),
	T(fetch_jobs, fetch_c, 1, true),      T(paper_links, links_c, 1, false),
	T(paper_text, text_c, 1, false),      T(paper_refs, refs_c, 2, false),  T(pdf_fetch, pdf_c, 1, false),
	T(paper_stars, stars_c, 2, false),     T(password_resets, resets_c, 1, false),
};
#undef T
_Static_assert(ARRAY_SIZE(tables) <= ARRAY_SIZE(((struct store_migrate_report *)0)->tables),
	       "the report holds every table");

static pthread_once_t sql_once = PTHREAD_ONCE_INIT;

static void make_sql(void)
{
	for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
		struct mtable *m = &tables[t];
		struct buf cols = BUF_INIT, key = BUF_INIT, params = BUF_INIT, b = BUF_INIT;
		for (size_t i = 0; i < m->ncols; i++) {
			buf_addf(&cols, "%s%s", i ? ", " : "", m->cols[i].name);
			buf_addf(&params, "%s$%zu", i ? ", " : "", i + 1);
		}
		for (size_t i = 0; i < m->nkey; i++)
			buf_addf(&key, "%s%s", i ? ", " : "", m->cols[i].name);
		buf_addf(&b, "SELECT %s FROM %s ORDER BY %s LIMIT %d", cols.s, m->name, key.s, PAGE);
		m->first_sql = buf_detach(&b);
		buf_addf(&b, "SELECT %s FROM %s WHERE (%s) > (", cols.s, m->name, key.s);
		for (size_t i = 0; i < m->nkey; i++)
			buf_addf(&b, m->cols[i].kind == 'i' ? "%sCAST($%zu AS BIGINT)" : "%s$%zu", i ? ", " : "", i + 1);
		buf_addf(&b, ") ORDER BY %s LIMIT %d", key.s, PAGE);
		m->next_sql = buf_detach(&b);
		buf_addf(&b, "INSERT INTO %s(%s) VALUES(%s)", m->name, cols.s, params.s);
		m->insert_sql = buf_detach(&b);
		buf_addf(&b, "DELETE FROM %s", m->name);
		m->clear_sql = buf_detach(&b);
		buf_release(&cols);
		buf_release(&key);
		buf_release(&params);
	}
}

/* ---- a row's values, their hash --------------------------------------------- */

struct mval {
	bool null;
	int64_t i;
	char *p; /* text or bytes, owned */
	size_t n;
};

static void read_row(struct sx *x, const struct mtable *m, struct mval *v)
{
	for (size_t c = 0; c < m->ncols; c++) {
		free(v[c].p);
		memset(&v[c], 0, sizeof(v[c]));
		v[c].null = sx_cnull(x, (int)c);
		if (v[c].null)
			continue;
		if (m->cols[c].kind == 'i') {
			v[c].i = sx_cint(x, (int)c);
		} else {
			size_t n;
			const void *p = m->cols[c].kind == 'b' ? x->s->sql->col_blob(x->q, (int)c, &n)
							       : x->s->sql->col_text(x->q, (int)c, &n);
			v[c].p = xmalloc(n + 1);
			if (n)
				memcpy(v[c].p, p, n);
			v[c].p[n] = '\0';
			v[c].n = n;
		}
	}
}

static void bind_val(struct sx *x, int i, char kind, const struct mval *v)
{
	if (v->null)
		sx_null(x, i);
	else if (kind == 'i')
		sx_int(x, i, v->i);
	else if (kind == 'b')
		sx_blob(x, i, v->p, v->n);
	else
		sx_strn(x, i, v->p, v->n);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

static uint64_t row_hash(const struct mtable *m, const struct mval *v)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t c = 0; c < m->ncols; c++) {
		unsigned char tag = v[c].null ? 0 : 1;
		h = fnv(h, &tag, 1);
		if (v[c].null)
			continue;
		if (m->cols[c].kind == 'i') {
			int64_t i = v[c].i;
			h = fnv(h, &i, sizeof(i));
		} else {
			uint64_t n = v[c].n;
			h = fnv(h, &n, sizeof(n));
			h = fnv(h, v[c].p, v[c].n);
		}
	}
	/* spread: a sum of these is the table's checksum */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

/* ---- reading a table in pages ---------------------------------------------------- */

/* Calls fn for every row of m in s, in pages by key. */
static int each_row(struct store *s, const struct mtable *m, int (*fn)(struct mval *v, void *ctx), void *ctx,
		    struct buf *err)
{
	struct mval *v = xcalloc(m->ncols, sizeof(*v));
	struct mval *key = xcalloc(m->nkey, sizeof(*key));
	bool first = true;
	int ret = 0;
	for (;;) {
		struct sx x;
		if (!sx_prep(&x, s, first ? m->first_sql : m->next_sql, err)) {
			ret = -1;
			break;
		}
		for (size_t k = 0; !first && k < m->nkey; k++)
			bind_val(&x, (int)k + 1, m->cols[k].kind, &key[k]);
		size_t n = 0;
		int rc;
		while ((rc = sx_step(&x, err)) == 1) {
			read_row(&x, m, v);
			n++;
			if ((ret = fn(v, ctx)))
				break;
		}
		sx_reset(&x);
		if (rc < 0)
			ret = -1;
		if (ret || n < PAGE)
			break;
		/* the last row's key: where the next page starts */
		for (size_t k = 0; k < m->nkey; k++) {
			free(key[k].p);
			key[k] = v[k];
			if (v[k].p) {
				key[k].p = xmalloc(v[k].n + 1);
				memcpy(key[k].p, v[k].p, v[k].n + 1);
			}
		}
		first = false;
	}
	for (size_t c = 0; c < m->ncols; c++)
		free(v[c].p);
	for (size_t k = 0; k < m->nkey; k++)
		free(key[k].p);
	free(v);
	free(key);
	return ret;
}

struct copy_ctx {
	const struct mtable *m;
	struct store *to;
	struct buf *err;
	int64_t rows, in_tx;
	uint64_t sum;
	struct progress *prog;
	int64_t *total;
};

static int copy_row(struct mval *v, void *ctx)
{
	struct copy_ctx *c = ctx;
	if (!c->in_tx && store_begin(c->to, c->err))
		return -1;
	struct sx x;
	if (!sx_prep(&x, c->to, c->m->insert_sql, c->err))
		return -1;
	for (size_t i = 0; i < c->m->ncols; i++)
		bind_val(&x, (int)i + 1, c->m->cols[i].kind, &v[i]);
	if (sx_done(&x, c->err))
		return -1;
	c->rows++;
	c->sum += row_hash(c->m, v);
	++*c->total;
	if (++c->in_tx == PAGE) {
		c->in_tx = 0;
		if (store_commit(c->to, c->err))
			return -1;
		progress_update(c->prog, (uint64_t)*c->total, 0);
	}
	return 0;
}

struct sum_ctx {
	const struct mtable *m;
	int64_t rows;
	uint64_t sum;
};

static int sum_row(struct mval *v, void *ctx)
{
	struct sum_ctx *c = ctx;
	c->rows++;
	c->sum += row_hash(c->m, v);
	return 0;
}

static int count_rows(struct store *s, const char *sql, int64_t *n, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, sql, err))
		return -1;
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*n = rc == 0 ? sx_cint(&x, 0) : 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

int store_migrate(struct store *from, struct store *to, bool replace, bool progress,
		  struct store_migrate_report *rep, struct buf *err)
{
	pthread_once(&sql_once, make_sql);
	memset(rep, 0, sizeof(*rep));
	double t0 = mono_seconds();
	int64_t papers, users;
	if (count_rows(to, "SELECT count(*) FROM papers", &papers, err) ||
	    count_rows(to, "SELECT count(*) FROM users", &users, err))
		return -1;
	if ((papers || users) && !replace) {
		to->kind = PB_REFUSED;
		buf_setf(err,
			 "the target already holds %lld papers and %lld accounts; nothing was copied "
			 "(--replace empties it first)",
			 (long long)papers, (long long)users);
		return -1;
	}
	/* empties the target (references first), in one transaction */
	if (store_begin(to, err))
		return -1;
	for (size_t t = ARRAY_SIZE(tables); t-- > 0;) {
		if (to->sql->exec(to, tables[t].clear_sql, err)) {
			store_rollback(to);
			return -1;
		}
	}
	if (store_commit(to, err))
		return -1;
	/* one snapshot of the source for the whole copy */
	if (from->sql->snapshot(from, err))
		return -1;
	struct progress prog;
	progress_init(&prog, "migrate", 0);
	if (!progress)
		prog.on = false;
	int64_t total = 0;
	int ret = 0;
	for (size_t t = 0; t < ARRAY_SIZE(tables) && !ret; t++) {
		const struct mtable *m = &tables[t];
		struct copy_ctx c = { m, to, err, 0, 0, 0, &prog, &total };
		ret = each_row(from, m, copy_row, &c, err);
		if (!ret && c.in_tx && store_commit(to, err))
			ret = -1;
		if (ret) {
			store_rollback(to);
			buf_addf(err, " (copying %s; the target holds what was copied before: run again with --replace)",
				 m->name);
			break;
		}
		if (m->identity && to->sql->reset_identity(to, m->name, m->cols[0].name, err)) {
			ret = -1;
			break;
		}
		/* read back */
		struct sum_ctx sc = { m, 0, 0 };
		if (each_row(to, m, sum_row, &sc, err)) {
			ret = -1;
			break;
		}
		snprintf(rep->tables[t].table, sizeof(rep->tables[t].table), "%s", m->name);
		rep->tables[t].rows = c.rows;
		rep->tables[t].checksum = c.sum;
		rep->ntables = t + 1;
		if (sc.rows != c.rows || sc.sum != c.sum) {
			to->kind = PB_CORRUPT;
			buf_setf(err, "%s: the copy does not match: %lld rows (checksum %016llx) read back of %lld (%016llx)",
				 m->name, (long long)sc.rows, (unsigned long long)sc.sum, (long long)c.rows,
				 (unsigned long long)c.sum);
			ret = -1;
		}
	}
	from->ops->rollback(from); /* the snapshot: nothing was written */
	progress_done(&prog);
	rep->seconds = mono_seconds() - t0;
	return ret;
}
