/*
 * sql_store.c - every store function, written once in the SQL both
 * backends speak (sqlx.h). A backend's table points at these, and at its
 * own functions only where it must differ (opening, the schema, begin, the
 * bulk paper load).
 */
#include "sqlx.h"
#include <stddef.h>

/* ---- statements ---------------------------------------------------------- */

char *sx_cdup(struct sx *x, int c)
{
	size_t n;
	const char *t = x->s->sql->col_text(x->q, c, &n);
	return t ? xstrndup(t, n) : NULL;
}

void sx_ccopy(struct sx *x, int c, char *dst, size_t cap)
{
	size_t n;
	const char *t = x->s->sql->col_text(x->q, c, &n);
	if (!t)
		n = 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, t ? t : "", n);
	dst[n] = '\0';
}

int sx_done(struct sx *x, struct buf *err)
{
	int rc;
	while ((rc = sx_step(x, err)) == 1)
		;
	sx_reset(x);
	return rc < 0 ? -1 : 0;
}

int sx_row(struct sx *x, struct buf *err)
{
	int rc = sx_step(x, err);
	if (rc == 1)
		return 0;
	sx_reset(x);
	return rc < 0 ? -1 : 1;
}

int sx_tx(struct store *s, int (*fn)(struct store *, void *, struct buf *), void *ctx, struct buf *err)
{
	if (s->sql->in_tx(s))
		return fn(s, ctx, err);
	for (int attempt = 0;; attempt++) {
		int rc = s->ops->begin(s, err);
		if (!rc) {
			rc = fn(s, ctx, err);
			if (rc == 0 && s->ops->commit(s, err))
				rc = -1;
		}
		if (rc) {
			enum pb_status k = s->kind;
			s->ops->rollback(s);
			s->kind = k;
		}
		/* a deadlock or a lock wait that ran out: the whole transaction again */
		if (rc < 0 && s->kind == PB_BUSY && attempt < 4) {
			buf_reset(err);
			s->kind = PB_OK;
			continue;
		}
		return rc;
	}
}

/* ---- records described once ------------------------------------------------ */

void sx_read(struct sx *x, int first, const struct fcol *cols, size_t n, void *dst)
{
	char *base = dst;
	for (size_t i = 0; i < n; i++) {
		const struct fcol *c = &cols[i];
		int col = first + (int)i;
		void *f = base + c->off;
		size_t len;
		const char *t;
		switch (c->type) {
		case F_I64: *(int64_t *)f = sx_cint(x, col); break;
		case F_INT: *(int *)f = (int)sx_cint(x, col); break;
		case F_UINT: *(unsigned *)f = (unsigned)sx_cint(x, col); break;
		case F_BOOL: *(bool *)f = sx_cint(x, col) != 0; break;
		case F_CHARS: sx_ccopy(x, col, f, c->size); break;
		case F_STR: *(char **)f = sx_cdup(x, col); break;
		case F_STRE: *(char **)f = sx_cdup(x, col); if (!*(char **)f) *(char **)f = xstrdup(""); break;
		case F_LIST_NL:
		case F_LIST_SP:
			t = x->s->sql->col_text(x->q, col, &len);
			if (t)
				strlist_split(f, t, len, c->type == F_LIST_NL ? '\n' : ' ');
			break;
		case F_BLOB: {
			const void *b = x->s->sql->col_blob(x->q, col, &len);
			memset(f, 0, c->size);
			if (b)
				memcpy(f, b, len < c->size ? len : c->size);
			break;
		}
		}
	}
}

void sx_bind(struct sx *x, int first, const struct fcol *cols, size_t n, const void *src, struct buf *scratch)
{
	const char *base = src;
	size_t lists = 0;
	for (size_t i = 0; i < n; i++) {
		const struct fcol *c = &cols[i];
		int p = first + (int)i;
		const void *f = base + c->off;
		switch (c->type) {
		case F_I64: sx_int(x, p, *(const int64_t *)f); break;
		case F_INT: sx_int(x, p, *(const int *)f); break;
		case F_UINT: sx_int(x, p, *(const unsigned *)f); break;
		case F_BOOL: sx_int(x, p, *(const bool *)f ? 1 : 0); break;
		case F_CHARS: sx_str(x, p, (const char *)f); break;
		case F_STR:
		case F_STRE: sx_str(x, p, *(char *const *)f); break;
		case F_LIST_NL:
		case F_LIST_SP: {
			struct buf *b = &scratch[lists++];
			buf_reset(b);
			strlist_join(f, c->type == F_LIST_NL ? "\n" : " ", b);
			sx_strn(x, p, b->s, b->len);
			break;
		}
		case F_BLOB: sx_blob(x, p, f, c->size); break;
		}
	}
}

#define PAPER_FCOL(n, t) { #n, t, offsetof(struct paper, n), sizeof(((struct paper *)0)->n) },
const struct fcol paper_cols[] = { PAPER_COLUMNS(PAPER_FCOL) };
#undef PAPER_FCOL
const size_t paper_ncols = ARRAY_SIZE(paper_cols);
#define PAPER_IS_LIST(n, t) +(t == F_LIST_NL || t == F_LIST_SP)
_Static_assert(0 PAPER_COLUMNS(PAPER_IS_LIST) == PAPER_LISTS, "PAPER_LISTS counts the list columns");
_Static_assert(sizeof((struct buf[])PAPER_SCRATCH_INIT) == PAPER_LISTS * sizeof(struct buf), "one BUF_INIT per list");

static const struct fcol paper_own_cols[] = {
	{ "local_votes", F_INT, offsetof(struct paper, local_votes), 0 },
	{ "local_comments", F_INT, offsetof(struct paper, local_comments), 0 },
	{ "hidden", F_BOOL, offsetof(struct paper, hidden), 0 },
};

void sx_paper(struct sx *x, int first, struct paper *p)
{
	sx_read(x, first, paper_cols, paper_ncols, p);
	sx_read(x, first + (int)paper_ncols, paper_own_cols, ARRAY_SIZE(paper_own_cols), p);
}

static char insert_sql[4096], update_sql[4096];
static pthread_once_t paper_sql_once = PTHREAD_ONCE_INIT;

static void paper_sql_init(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	buf_adds(&a, "INSERT INTO papers(");
	buf_adds(&b, "UPDATE papers SET ");
	for (size_t i = 0; i < paper_ncols; i++) {
		buf_addf(&a, "%s, ", paper_cols[i].name);
		buf_addf(&b, "%s = $%zu, ", paper_cols[i].name, i + 1);
	}
	size_t n = paper_ncols;
	buf_adds(&a, "feed_day, first_seen, changed_at, seq) VALUES(");
	for (size_t i = 1; i <= n + 1; i++)
		buf_addf(&a, "$%zu, ", i);
	buf_addf(&a, "$%zu, $%zu, $%zu) ON CONFLICT(id) DO NOTHING", n + 2, n + 2, n + 3);
	buf_addf(&b, "feed_day = $%zu, changed_at = $%zu, seq = $%zu WHERE docid = $%zu", n + 1, n + 2, n + 3, n + 4);
	if (a.len >= sizeof(insert_sql) || b.len >= sizeof(update_sql))
		BUG("paper statements too long");
	memcpy(insert_sql, a.s, a.len + 1);
	memcpy(update_sql, b.s, b.len + 1);
	buf_release(&a);
	buf_release(&b);
}

const char *sx_paper_insert_sql(void)
{
	pthread_once(&paper_sql_once, paper_sql_init);
	return insert_sql;
}

const char *sx_paper_update_sql(void)
{
	pthread_once(&paper_sql_once, paper_sql_init);
	return update_sql;
}

void sx_bind_paper(struct sx *x, const struct paper *p, pb_time now, int64_t seq, struct buf scratch[PAPER_LISTS])
{
	sx_bind(x, 1, paper_cols, paper_ncols, p, scratch);
	char day[16];
	paper_feed_day(p, day);
	int n = (int)paper_ncols;
	sx_str(x, n + 1, day);
	sx_int(x, n + 2, now);
	sx_int(x, n + 3, seq);
}

int sx_each_paper(struct sx *x, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	struct paper p;
	paper_init(&p);
	int rc;
	while ((rc = sx_step(x, err)) == 1) {
		sx_paper(x, 1, &p);
		int stop = fn(&p, ctx);
		paper_release(&p);
		if (stop)
			break;
	}
	sx_reset(x);
	return rc < 0 ? -1 : 0;
}

/* ---- transactions ------------------------------------------------------------ */

int sql_begin(struct store *s, struct buf *err)
{
	return s->sql->exec(s, "BEGIN", err);
}

int sql_commit(struct store *s, struct buf *err)
{
	return s->sql->exec(s, "COMMIT", err);
}

/* ---- the write sequence ------------------------------------------------------- */

int sql_next_seq(struct store *s, int64_t *seq, struct buf *err)
{
	/* the counter's row stays locked to this transaction until it ends:
	 * paper writers take turns, and numbers commit in order */
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE kv SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'seq' "
			    "RETURNING CAST(value AS BIGINT)",
		     err))
		return -1;
	int rc = sx_row(&x, err);
	if (rc) {
		if (rc > 0) {
			buf_setf(err, "the write sequence is missing from the store");
			s->kind = PB_CORRUPT;
		}
		return -1;
	}
	*seq = sx_cint(&x, 0);
	sx_reset(&x);
	return 0;
}

int sx_kv_int(struct store *s, const char *key, int64_t *out, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT CAST(value AS BIGINT) FROM kv WHERE key = $1", err))
		return -1;
	sx_str(&x, 1, key);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*out = rc == 0 ? sx_cint(&x, 0) : 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

int sql_seq(struct store *s, int64_t *seq, struct buf *err)
{
	return sx_kv_int(s, "seq", seq, err);
}

/* ---- papers ------------------------------------------------------------------ */

static int get_row(struct store *s, const char *id, struct paper *p, int64_t *docid, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT " PAPER_SELECT " FROM papers WHERE id = $1", err))
		return -1;
	sx_str(&x, 1, id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	if (docid)
		*docid = sx_cint(&x, 0);
	sx_paper(&x, 1, p);
	sx_reset(&x);
	return 0;
}

int sql_paper_get(struct store *s, const char *id, struct paper *p, struct buf *err)
{
	return get_row(s, id, p, NULL, err);
}

int sql_upsert_one(struct store *s, const struct paper *in, pb_time now, int64_t seq, enum upsert_result *res,
		   struct paper *cur, struct paper *before, struct buf scratch[PAPER_LISTS], struct buf *err)
{
	/* offered as a new row first: one index probe for the common case */
	struct sx x;
	if (!sx_prep(&x, s, sx_paper_insert_sql(), err))
		return -1;
	sx_bind_paper(&x, in, now, seq, scratch);
	int rc = sx_step(&x, err);
	int64_t changed = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (changed == 1) {
		*res = UPSERT_NEW;
		return 0;
	}
	int64_t docid = 0;
	paper_release(cur);
	int found = get_row(s, in->id, cur, &docid, err);
	if (found) {
		if (found == 1) {
			buf_setf(err, "paper %s vanished during an upsert", in->id);
			s->kind = PB_CONFLICT;
		}
		return -1;
	}
	paper_copy(before, cur);
	paper_merge(cur, in);
	if (paper_equal(before, cur)) {
		*res = UPSERT_UNCHANGED;
		return 0;
	}
	if (!sx_prep(&x, s, sx_paper_update_sql(), err))
		return -1;
	sx_bind_paper(&x, cur, now, seq, scratch);
	sx_int(&x, (int)paper_ncols + 4, docid);
	*res = UPSERT_UPDATED;
	return sx_done(&x, err);
}

int sql_upsert_batch(struct store *s, const struct paper *papers, size_t n, enum upsert_result *results,
		     struct buf *err)
{
	int64_t seq;
	if (!n)
		return 0;
	if (sql_next_seq(s, &seq, err))
		return -1;
	pb_time now = time_now_ms();
	struct paper cur, before;
	paper_init(&cur);
	paper_init(&before);
	struct buf scratch[PAPER_LISTS] = PAPER_SCRATCH_INIT;
	int ret = 0;
	for (size_t i = 0; i < n && !ret; i++)
		ret = sql_upsert_one(s, &papers[i], now, seq, &results[i], &cur, &before, scratch, err);
	paper_release(&cur);
	paper_release(&before);
	for (int i = 0; i < PAPER_LISTS; i++)
		buf_release(&scratch[i]);
	return ret;
}

/* ids[0..n) in one statement per chunk of IDS_CHUNK: "IN ($1, ..., $k)". The
 * statement texts are made once per chunk size (static: cached by address). */
#define IDS_CHUNK 100
static char *in_sql[IDS_CHUNK + 1];
static pthread_mutex_t in_sql_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *papers_in_sql(size_t k)
{
	pthread_mutex_lock(&in_sql_lock);
	if (!in_sql[k]) {
		struct buf b = BUF_INIT;
		buf_adds(&b, "SELECT " PAPER_SELECT " FROM papers WHERE id IN (");
		for (size_t i = 0; i < k; i++)
			buf_addf(&b, "%s$%zu", i ? ", " : "", i + 1);
		buf_adds(&b, ")");
		in_sql[k] = buf_detach(&b); /* kept for the life of the process */
	}
	const char *sql = in_sql[k];
	pthread_mutex_unlock(&in_sql_lock);
	return sql;
}

int sql_papers_get(struct store *s, const char *const *ids, size_t n, bool with_hidden,
		   int (*fn)(const struct paper *, size_t, void *), void *ctx, struct buf *err)
{
	/* fetched by chunk, then handed out in the order of ids */
	for (size_t off = 0; off < n; off += IDS_CHUNK) {
		size_t k = n - off < IDS_CHUNK ? n - off : IDS_CHUNK;
		struct sx x;
		if (!sx_prep(&x, s, papers_in_sql(k), err))
			return -1;
		for (size_t i = 0; i < k; i++)
			sx_str(&x, (int)i + 1, ids[off + i]);
		struct paper *got = xcalloc(k, sizeof(*got));
		bool *have = xcalloc(k, sizeof(*have));
		struct paper p;
		paper_init(&p);
		int rc;
		while ((rc = sx_step(&x, err)) == 1) {
			sx_paper(&x, 1, &p);
			for (size_t i = 0; i < k; i++) {
				if (!have[i] && !strcmp(ids[off + i], p.id)) {
					paper_init(&got[i]);
					paper_copy(&got[i], &p);
					have[i] = true;
				}
			}
			paper_release(&p);
		}
		sx_reset(&x);
		int stop = 0;
		for (size_t i = 0; i < k; i++) {
			if (have[i] && !stop && rc >= 0 && (with_hidden || !got[i].hidden))
				stop = fn(&got[i], off + i, ctx);
			if (have[i])
				paper_release(&got[i]);
		}
		free(got);
		free(have);
		if (rc < 0)
			return -1;
		if (stop)
			break;
	}
	return 0;
}

int sql_feed_featured(struct store *s, bool *featured, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT 1 FROM papers WHERE hf_day <> '' LIMIT 1", err))
		return -1;
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*featured = rc == 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

/* The list statements: [sort][featured | all | one submitter]. Parameters:
 * $1 from, $2 to, $3 limit, $4 offset, then the submitter, then trending's
 * reference time (PostgreSQL wants every parameter used). */
#define LIST_ORDER_PUBLISHED "ORDER BY published DESC, id DESC LIMIT $3 OFFSET $4"
#define LIST_ORDER_UPVOTES "ORDER BY greatest(upvotes, 0) + local_votes DESC, published DESC, id DESC LIMIT $3 OFFSET $4"
#define LIST_ORDER_TRENDING(now)                                                                         \
	"ORDER BY pb_trending(greatest(upvotes, 0) + local_votes, "                                     \
	"CASE WHEN submitted_at > 0 THEN submitted_at ELSE published END, CAST(" now " AS BIGINT)) DESC, " \
	"published DESC, id DESC LIMIT $3 OFFSET $4"
#define LIST_FEATURED "SELECT " PAPER_SELECT " FROM papers WHERE hf_day >= $1 AND hf_day < $2 AND hf_day <> '' AND hidden = 0 "
#define LIST_ALL "SELECT " PAPER_SELECT " FROM papers WHERE feed_day >= $1 AND feed_day < $2 AND hidden = 0 "
/* one submitter's (found through papers_submitter) */
#define LIST_SUB                                                                                          \
	"SELECT " PAPER_SELECT " FROM papers WHERE submitter = $5 AND feed_day >= $1 AND feed_day < $2 AND " \
	"hidden = 0 "
/* one organization's: its compact JSON holds "name":"ORG" ($5, a LIKE
 * pattern); only featured papers carry one, so the feed days bound it */
#define LIST_ORG                                                                                             \
	"SELECT " PAPER_SELECT " FROM papers WHERE organization LIKE $5 ESCAPE '!' AND hf_day >= $1 AND " \
	"hf_day < $2 AND hf_day <> '' AND hidden = 0 "
#define LIST_ORDER_FEED \
	"ORDER BY feed_day DESC, greatest(upvotes, 0) + local_votes DESC, published DESC, id DESC LIMIT $3 OFFSET $4"
static const char *const list_sql[4][4] = {
	{ LIST_FEATURED LIST_ORDER_PUBLISHED, LIST_ALL LIST_ORDER_PUBLISHED, LIST_SUB LIST_ORDER_PUBLISHED,
	  LIST_ORG LIST_ORDER_PUBLISHED },
	{ LIST_FEATURED LIST_ORDER_UPVOTES, LIST_ALL LIST_ORDER_UPVOTES, LIST_SUB LIST_ORDER_UPVOTES,
	  LIST_ORG LIST_ORDER_UPVOTES },
	{ LIST_FEATURED LIST_ORDER_TRENDING("$5"), LIST_ALL LIST_ORDER_TRENDING("$5"),
	  LIST_SUB LIST_ORDER_TRENDING("$6"), LIST_ORG LIST_ORDER_TRENDING("$6") },
	{ LIST_FEATURED LIST_ORDER_FEED, LIST_ALL LIST_ORDER_FEED, LIST_SUB LIST_ORDER_FEED, LIST_ORG LIST_ORDER_FEED },
};

/* The LIKE pattern of an organization's name in the papers' JSON. */
static void org_pattern(const char *org, struct buf *out)
{
	buf_adds(out, "%\"name\":\"");
	for (const char *c = org; *c; c++) {
		if (*c == '%' || *c == '_' || *c == '!')
			buf_addc(out, '!');
		buf_addc(out, *c);
	}
	buf_adds(out, "\"%");
}
#define NO_LIMIT ((int64_t)1 << 62)

int sql_paper_list(struct store *s, const struct store_query *qq, int (*fn)(const struct paper *, void *), void *ctx,
		   struct buf *err)
{
	bool featured = false;
	if (!qq->submitter && !qq->organization && sql_feed_featured(s, &featured, err))
		return -1;
	int sort = qq->sort == SORT_UPVOTES ? 1 : qq->sort == SORT_TRENDING ? 2 : qq->sort == SORT_FEED ? 3 : 0;
	int which = qq->submitter ? 2 : qq->organization ? 3 : featured ? 0 : 1;
	struct sx x;
	if (!sx_prep(&x, s, list_sql[sort][which], err))
		return -1;
	sx_str(&x, 1, qq->day_from);
	sx_str(&x, 2, qq->day_to);
	sx_int(&x, 3, qq->limit ? (int64_t)qq->limit : NO_LIMIT);
	sx_int(&x, 4, (int64_t)qq->offset);
	struct buf pat = BUF_INIT;
	if (qq->submitter) {
		sx_str(&x, 5, qq->submitter);
	} else if (qq->organization) {
		org_pattern(qq->organization, &pat);
		sx_str(&x, 5, pat.s);
	}
	buf_release(&pat); /* (bound values are copied) */
	if (sort == 2)
		sx_int(&x, which >= 2 ? 6 : 5, qq->now ? qq->now : time_now_ms());
	return sx_each_paper(&x, fn, ctx, err);
}

/* Papers in pages of SCAN_PAGE by a key (docid, or seq then docid): fn may
 * call the store between pages, and a PostgreSQL result never holds more
 * than a page. */
#define SCAN_PAGE 1000

struct scan_page {
	int (*fn)(const struct paper *, void *);
	void *ctx;
	int64_t last_docid, last_seq;
	size_t n;
	int stop;
};

static int scan_paper(struct sx *x, struct scan_page *sp, struct buf *err)
{
	struct paper p;
	paper_init(&p);
	int rc;
	sp->n = 0;
	while ((rc = sx_step(x, err)) == 1) {
		sx_paper(x, 1, &p);
		sp->last_docid = sx_cint(x, 0);
		sp->last_seq = sx_cint(x, 1 + (int)paper_ncols + (int)ARRAY_SIZE(paper_own_cols));
		sp->n++;
		if (!sp->stop)
			sp->stop = sp->fn(&p, sp->ctx);
		paper_release(&p);
	}
	sx_reset(x);
	return rc < 0 ? -1 : 0;
}

int sql_paper_scan(struct store *s, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	struct scan_page sp = { fn, ctx, 0, 0, 0, 0 };
	do {
		struct sx x;
		if (!sx_prep(&x, s, "SELECT " PAPER_SELECT ", seq FROM papers WHERE docid > $1 ORDER BY docid LIMIT $2",
			     err))
			return -1;
		sx_int(&x, 1, sp.last_docid);
		sx_int(&x, 2, SCAN_PAGE);
		if (scan_paper(&x, &sp, err))
			return -1;
	} while (sp.n == SCAN_PAGE && !sp.stop);
	return 0;
}

int sql_paper_scan_since(struct store *s, int64_t seq, int (*fn)(const struct paper *, void *), void *ctx,
			 struct buf *err)
{
	/* up to the safe mark, read first: what commits later is for next time */
	int64_t safe;
	if (sql_seq(s, &safe, err))
		return -1;
	/* the key starts after every paper of number seq */
	struct scan_page sp = { fn, ctx, INT64_MAX, seq, 0, 0 };
	do {
		struct sx x;
		if (!sx_prep(&x, s,
			     "SELECT " PAPER_SELECT ", seq FROM papers WHERE (seq, docid) > (CAST($1 AS BIGINT), "
			     "CAST($2 AS BIGINT)) AND seq <= CAST($3 AS BIGINT) ORDER BY seq, docid LIMIT $4",
			     err))
			return -1;
		sx_int(&x, 1, sp.last_seq);
		sx_int(&x, 2, sp.last_docid);
		sx_int(&x, 3, safe);
		sx_int(&x, 4, SCAN_PAGE);
		if (scan_paper(&x, &sp, err))
			return -1;
	} while (sp.n == SCAN_PAGE && !sp.stop);
	return 0;
}

int sql_latest_day(struct store *s, const char *before, char out[16], struct buf *err)
{
	bool f;
	if (sql_feed_featured(s, &f, err))
		return -1;
	bool bound = before && *before;
	static const char *const sql[2][2] = {
		{ "SELECT feed_day FROM papers WHERE feed_day <> '' AND hidden = 0 ORDER BY feed_day DESC LIMIT 1",
		  "SELECT feed_day FROM papers WHERE feed_day < $1 AND feed_day <> '' AND hidden = 0 "
		  "ORDER BY feed_day DESC LIMIT 1" },
		{ "SELECT hf_day FROM papers WHERE hf_day <> '' AND hidden = 0 ORDER BY hf_day DESC LIMIT 1",
		  "SELECT hf_day FROM papers WHERE hf_day < $1 AND hf_day <> '' AND hidden = 0 "
		  "ORDER BY hf_day DESC LIMIT 1" },
	};
	struct sx x;
	if (!sx_prep(&x, s, sql[f][bound], err))
		return -1;
	if (bound)
		sx_str(&x, 1, before);
	out[0] = '\0';
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sx_ccopy(&x, 0, out, 16);
		sx_reset(&x);
	}
	return 0;
}

int sql_stats(struct store *s, struct store_stats *o, struct buf *err)
{
	int sv = s->schema_version;
	memset(o, 0, sizeof(*o));
	o->schema_version = sv;
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT count(*), count(*) FILTER (WHERE hf_day <> ''), count(*) FILTER (WHERE code_url IS NOT NULL), "
		     "count(*) FILTER (WHERE abstract IS NOT NULL AND abstract <> ''), "
		     "count(*) FILTER (WHERE sources % 2 = 1), count(*) FILTER (WHERE sources / 2 % 2 = 1), "
		     "count(*) FILTER (WHERE sources / 4 % 2 = 1), count(*) FILTER (WHERE sources / 8 % 2 = 1), "
		     "min(nullif(feed_day, '')), max(feed_day) FROM papers",
		     err))
		return -1;
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		o->papers = sx_cint(&x, 0);
		o->featured = sx_cint(&x, 1);
		o->with_code = sx_cint(&x, 2);
		o->with_abstract = sx_cint(&x, 3);
		for (int i = 0; i < 4; i++)
			o->by_source[i] = sx_cint(&x, 4 + i);
		sx_ccopy(&x, 8, o->first_day, sizeof(o->first_day));
		sx_ccopy(&x, 9, o->last_day, sizeof(o->last_day));
		sx_reset(&x);
	}
	return 0;
}

/* ---- key/value ---------------------------------------------------------------- */

int sql_kv_get(struct store *s, const char *key, char **value, struct buf *err)
{
	struct sx x;
	*value = NULL;
	if (!sx_prep(&x, s, "SELECT value FROM kv WHERE key = $1", err))
		return -1;
	sx_str(&x, 1, key);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	*value = sx_cdup(&x, 0);
	sx_reset(&x);
	return 0;
}

int sql_kv_set(struct store *s, const char *key, const char *value, struct buf *err)
{
	struct sx x;
	if (value) {
		if (!sx_prep(&x, s,
			     "INSERT INTO kv(key, value) VALUES($1, $2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
			     err))
			return -1;
		sx_str(&x, 2, value);
	} else if (!sx_prep(&x, s, "DELETE FROM kv WHERE key = $1", err)) {
		return -1;
	}
	sx_str(&x, 1, key);
	return sx_done(&x, err);
}

int sql_kv_cas(struct store *s, const char *key, const char *expected, const char *value, struct buf *err)
{
	struct sx x;
	if (!expected) {
		if (!sx_prep(&x, s, "INSERT INTO kv(key, value) VALUES($1, $2) ON CONFLICT(key) DO NOTHING", err))
			return -1;
		sx_str(&x, 1, key);
		sx_str(&x, 2, value);
	} else if (value) {
		if (!sx_prep(&x, s, "UPDATE kv SET value = $3 WHERE key = $1 AND value = $2", err))
			return -1;
		sx_str(&x, 1, key);
		sx_str(&x, 2, expected);
		sx_str(&x, 3, value);
	} else {
		if (!sx_prep(&x, s, "DELETE FROM kv WHERE key = $1 AND value = $2", err))
			return -1;
		sx_str(&x, 1, key);
		sx_str(&x, 2, expected);
	}
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n == 1 ? 0 : 1;
}

/* ---- the Hub's repositories citing a paper -------------------------------------- */

int sql_links_put(struct store *s, const char *paper, const char *json, pb_time fetched, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "INSERT INTO paper_links(paper, data, fetched) VALUES($1, $2, $3) ON CONFLICT(paper) DO UPDATE "
		     "SET data = excluded.data, fetched = excluded.fetched",
		     err))
		return -1;
	sx_str(&x, 1, paper);
	sx_str(&x, 2, json);
	sx_int(&x, 3, fetched);
	return sx_done(&x, err);
}

int sql_links_get(struct store *s, const char *paper, struct buf *json, pb_time *fetched, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT data, fetched FROM paper_links WHERE paper = $1", err))
		return -1;
	sx_str(&x, 1, paper);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	const char *d = sx_ctext(&x, 0);
	buf_adds(json, d ? d : "");
	*fetched = sx_cint(&x, 1);
	sx_reset(&x);
	return 0;
}

int sql_links_due(struct store *s, const char *day_from, const char *day_to, pb_time stale_before, size_t limit,
		  int (*fn)(const char *, void *), void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT p.id FROM papers p LEFT JOIN paper_links l ON l.paper = p.id WHERE p.hf_day >= $1 AND "
		     "p.hf_day <= $2 AND p.hf_day <> '' AND p.hidden = 0 AND (l.fetched IS NULL OR l.fetched < $3) "
		     "ORDER BY coalesce(l.fetched, 0), p.hf_day DESC, p.id LIMIT $4",
		     err))
		return -1;
	sx_str(&x, 1, day_from);
	sx_str(&x, 2, day_to);
	sx_int(&x, 3, stale_before);
	sx_int(&x, 4, (int64_t)limit);
	return sx_each_id(&x, fn, ctx, err);
}

int sx_each_id(struct sx *x, int (*fn)(const char *, void *), void *ctx, struct buf *err)
{
	struct strlist ids = STRLIST_INIT;
	int rc;
	while ((rc = sx_step(x, err)) == 1) {
		const char *id = sx_ctext(x, 0);
		if (id)
			strlist_push(&ids, id, strlen(id));
	}
	sx_reset(x);
	for (size_t i = 0; rc == 0 && i < ids.n; i++)
		if (fn(ids.v[i], ctx))
			break;
	strlist_release(&ids);
	return rc < 0 ? -1 : 0;
}
