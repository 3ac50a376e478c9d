/*
 * sqlx.h - private to src/store: the SQL both backends speak, and the small
 * driver table that hides what differs between SQLite and PostgreSQL.
 *
 * The shared code (sql_store.c) writes every query once, with $1..$N
 * placeholders (SQLite reads them as ?1..?N) and the functions both have or
 * are given (greatest, least, lower, coalesce, count(*) FILTER, RETURNING,
 * ON CONFLICT, row values; pb_trending and pb_day are defined in each
 * backend). Booleans are integers 0/1 in both. What differs goes through
 * the driver (placeholders, statement caching, types of results, errors,
 * transactions) or through a backend's own entry in the store table (the
 * bulk paper load: insert-first on SQLite, COPY on PostgreSQL).
 */
#ifndef PAPERBOY_SQLX_H
#define PAPERBOY_SQLX_H

#include "store_int.h"
#include <pthread.h>
#include <stddef.h>

struct sqlx_stmt; /* a backend's prepared statement, its bindings and its current row */

struct sqlx_driver {
	/* A statement for `sql` ($1..$N placeholders; static storage: it is
	 * cached by address), reset and without bindings; NULL with err set
	 * (and s->kind). */
	struct sqlx_stmt *(*prep)(struct store *s, const char *sql, struct buf *err);
	void (*bind_null)(struct sqlx_stmt *q, int i);
	void (*bind_int)(struct sqlx_stmt *q, int i, int64_t v);
	void (*bind_text)(struct sqlx_stmt *q, int i, const char *v, size_t n); /* copied */
	void (*bind_blob)(struct sqlx_stmt *q, int i, const void *v, size_t n); /* copied */
	/* 1 a row is there, 0 no more rows, -1 failed (err, s->kind). */
	int (*step)(struct sqlx_stmt *q, struct buf *err);
	bool (*col_null)(struct sqlx_stmt *q, int c);
	int64_t (*col_int)(struct sqlx_stmt *q, int c);
	double (*col_double)(struct sqlx_stmt *q, int c);
	/* Valid until the next step or reset; NULL for SQL NULL. */
	const char *(*col_text)(struct sqlx_stmt *q, int c, size_t *n);
	const void *(*col_blob)(struct sqlx_stmt *q, int c, size_t *n);
	/* Rows the statement inserted, updated or deleted. */
	int64_t (*changes)(struct sqlx_stmt *q);
	/* Done with it (before the next bindings). */
	void (*reset)(struct sqlx_stmt *q);
	/* Statements without parameters or rows (DDL). */
	int (*exec)(struct store *s, const char *sql, struct buf *err);
	bool (*in_tx)(struct store *s);
	/* Begins a read-only transaction that sees one snapshot throughout. */
	int (*snapshot)(struct store *s, struct buf *err);
	/* Moves the counter that hands out table's ids past the largest there
	 * (after rows were written with their ids). */
	int (*reset_identity)(struct store *s, const char *table, const char *column, struct buf *err);
};

/* A unique key was taken (the statement failed with PB_CONFLICT): 1,
 * and the failure is not recorded; any other failure: -1. */
static inline int sx_taken(struct store *s, struct buf *err)
{
	if (s->kind != PB_CONFLICT)
		return -1;
	s->kind = PB_OK;
	buf_reset(err);
	return 1;
}

/* ---- the prepared statements of a connection (sqlx.c) ---- */

/* Statements by the address of their SQL text (static storage). */
struct sqlx_cache {
	struct sqlx_cache_entry *e;
	size_t cap, used;
};
/* The statement cached for key, or NULL. */
struct sqlx_stmt *sqlx_cache_find(const struct sqlx_cache *c, const char *key);
void sqlx_cache_add(struct sqlx_cache *c, const char *key, struct sqlx_stmt *q);
/* Drops every statement (drop frees one), then the cache. */
void sqlx_cache_release(struct sqlx_cache *c, void (*drop)(struct sqlx_stmt *q));

/* ---- a statement and its store, and the calls the shared code makes ---- */

struct sx {
	struct store *s;
	struct sqlx_stmt *q;
};

/* Prepares sql into x; false with err set. */
static inline bool sx_prep(struct sx *x, struct store *s, const char *sql, struct buf *err)
{
	x->s = s;
	x->q = s->sql->prep(s, sql, err);
	return x->q != NULL;
}

static inline void sx_int(struct sx *x, int i, int64_t v)
{
	x->s->sql->bind_int(x->q, i, v);
}

/* Binds a string, or NULL as SQL NULL. */
static inline void sx_str(struct sx *x, int i, const char *v)
{
	if (v)
		x->s->sql->bind_text(x->q, i, v, strlen(v));
	else
		x->s->sql->bind_null(x->q, i);
}

static inline void sx_strn(struct sx *x, int i, const char *v, size_t n)
{
	x->s->sql->bind_text(x->q, i, v, n);
}

static inline void sx_null(struct sx *x, int i)
{
	x->s->sql->bind_null(x->q, i);
}

static inline void sx_blob(struct sx *x, int i, const void *v, size_t n)
{
	x->s->sql->bind_blob(x->q, i, v, n);
}

static inline int sx_step(struct sx *x, struct buf *err)
{
	return x->s->sql->step(x->q, err);
}

static inline void sx_reset(struct sx *x)
{
	x->s->sql->reset(x->q);
}

static inline int64_t sx_cint(struct sx *x, int c)
{
	return x->s->sql->col_int(x->q, c);
}

static inline bool sx_cnull(struct sx *x, int c)
{
	return x->s->sql->col_null(x->q, c);
}

static inline const char *sx_ctext(struct sx *x, int c)
{
	size_t n;
	return x->s->sql->col_text(x->q, c, &n);
}

static inline int64_t sx_changes(struct sx *x)
{
	return x->s->sql->changes(x->q);
}

/* A malloc'd copy of a text column, or NULL. */
char *sx_cdup(struct sx *x, int c);
/* Copies a text column into dst[cap] ("" for NULL). */
void sx_ccopy(struct sx *x, int c, char *dst, size_t cap);
/* Runs a statement that yields no rows to its end. 0/-1. */
int sx_done(struct sx *x, struct buf *err);
/* Steps a statement expected to yield at most one row: 0 a row is there
 * (read it, then sx_reset), 1 none, -1 failed. */
int sx_row(struct sx *x, struct buf *err);
/* A counter kept in kv (its text read as a number; 0 when the key is not
 * there). 0/-1. */
int sx_kv_int(struct store *s, const char *key, int64_t *out, struct buf *err);
/* Runs fn inside a transaction of its own (or inside the caller's when one
 * is open), retried a few times when the store says PB_BUSY. fn
 * returns 0 (commit), > 0 (roll back, returned as is) or -1. */
int sx_tx(struct store *s, int (*fn)(struct store *s, void *ctx, struct buf *err), void *ctx, struct buf *err);

/* ---- records described once: columns, types, where they go in a struct ---- */

enum fcol_type {
	F_I64,    /* int64_t */
	F_INT,    /* int */
	F_UINT,   /* unsigned */
	F_BOOL,   /* bool (0/1 in SQL) */
	F_CHARS,  /* char[size], "" for NULL */
	F_STR,    /* char *, malloc'd, NULL for NULL */
	F_STRE,   /* char *, malloc'd, "" for NULL */
	F_LIST_NL, /* struct strlist, one item a line */
	F_LIST_SP, /* struct strlist, space-separated */
	F_BLOB,   /* uint8_t[size] */
};
struct fcol {
	const char *name;
	enum fcol_type type;
	size_t off, size;
};
/* Reads columns first.. of the current row into the struct at dst. */
void sx_read(struct sx *x, int first, const struct fcol *cols, size_t n, void *dst);
/* Binds the struct's fields to parameters first.. (lists joined into the
 * scratch bufs, which must outlive the step: one per list column). */
void sx_bind(struct sx *x, int first, const struct fcol *cols, size_t n, const void *src, struct buf *scratch);

/* The columns of a paper the sources write (struct paper's fields of the
 * same names), in order, and the store's own after them when read. */
extern const struct fcol paper_cols[];
extern const size_t paper_ncols;
/* ", id, version, ..." (PAPER_COLS_N of them) */
#define PAPER_COLUMNS(X)                                                                                  \
	X(id, F_CHARS) X(version, F_INT) X(title, F_STR) X(abstract, F_STR) X(authors, F_LIST_NL)         \
	X(categories, F_LIST_SP) X(published, F_I64) X(updated, F_I64) X(doi, F_STR) X(journal_ref, F_STR) \
	X(comments, F_STR) X(license, F_STR) X(code_url, F_STR) X(code_explicit, F_BOOL)                  \
	X(project_page, F_STR) X(hf_day, F_CHARS) X(submitted_at, F_I64) X(submitter, F_STR)              \
	X(submitter_name, F_STR) X(upvotes, F_INT) X(num_comments, F_INT) X(github_stars, F_INT)          \
	X(ai_summary, F_STR) X(ai_keywords, F_LIST_NL) X(discussion_id, F_STR) X(sources, F_UINT)         \
	X(organization, F_STR) X(media_urls, F_LIST_NL) X(thumbnail, F_STR) X(author_participating, F_BOOL) \
	X(author_users, F_LIST_NL)
/* How many of them are lists (the scratch bufs sx_bind_paper needs). */
#define PAPER_LISTS 5
/* Their initial value (one BUF_INIT each: a buf is not all zeros). */
#define PAPER_SCRATCH_INIT { BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT }
#define PAPER_COL_NAME(n, t) ", " #n
#define PAPER_COL_LIST PAPER_COLUMNS(PAPER_COL_NAME)
/* What a paper-returning statement selects: docid, the columns, then the
 * store's own (local votes and comments, hidden). Read with sx_paper. */
#define PAPER_SELECT "docid" PAPER_COL_LIST ", local_votes, local_comments, hidden"
/* The same, of a table named p in a join. */
#define PAPER_COL_NAME_P(n, t) ", p." #n
#define PAPER_SELECT_P "p.docid" PAPER_COLUMNS(PAPER_COL_NAME_P) ", p.local_votes, p.local_comments, p.hidden"
void sx_paper(struct sx *x, int first, struct paper *p);
/* Statements of the bulk load, made from the description once:
 * INSERT (the columns, feed_day, first_seen, changed_at, seq: $1..$N+3,
 * nothing on conflict) and UPDATE (the same, WHERE docid = $N+4). */
const char *sx_paper_insert_sql(void);
const char *sx_paper_update_sql(void);
/* Binds p (and its feed day, now, seq) to the insert/update statement. */
void sx_bind_paper(struct sx *x, const struct paper *p, pb_time now, int64_t seq, struct buf scratch[PAPER_LISTS]);

/* Runs a paper-returning statement through fn (papers from column 1). */
int sx_each_paper(struct sx *x, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err);
/* Runs a statement of paper ids (column 0) through fn, all read first (fn
 * may use the store), stopping when fn returns non-zero; 0 or -1. */
int sx_each_id(struct sx *x, int (*fn)(const char *, void *), void *ctx, struct buf *err);

/* The shared implementation of every store function (sql_store.c); a
 * backend's table names these, and its own where it differs. */
#define SQL_STORE_DECL(ret, name, params, args) ret sql_##name params;
STORE_OPS(SQL_STORE_DECL)
#undef SQL_STORE_DECL
/* The write sequence: takes the next number, holding the counter until the
 * transaction ends (writers of papers take turns, so numbers commit in
 * order). Inside a transaction. */
int sql_next_seq(struct store *s, int64_t *seq, struct buf *err);
/* One paper merged into the store (insert first, else read, merge, write
 * back if changed), under sequence number seq. */
int sql_upsert_one(struct store *s, const struct paper *in, pb_time now, int64_t seq, enum upsert_result *res,
		   struct paper *cur, struct paper *before, struct buf scratch[PAPER_LISTS], struct buf *err);
/* Whether the daily feed is the featured papers (see store.h). */
int sql_feed_featured(struct store *s, bool *featured, struct buf *err);

/* The trending score in SQL: both backends define pb_trending(votes,
 * featured, now) as store_trending_score, and pb_day(ms) as the UTC day. */

#endif
