/*
 * store.h - the paper store: the whole interface between paperboy and its
 * database. Nothing outside src/store sees SQL. A store is opened by URL;
 * backends implement struct store_ops (store_int.h). SQLite is built in;
 * postgresql:// URLs are reserved for the PostgreSQL backend.
 *
 * Every function returns 0 on success and -1 on failure with a message in
 * `err` (a caller-owned buf), unless it says otherwise.
 */
#ifndef PAPERBOY_STORE_H
#define PAPERBOY_STORE_H

#include "../paper/paper.h"

struct store;

/* The schema version this binary writes. */
#define STORE_SCHEMA_VERSION 2

enum store_open_flags {
	STORE_CREATE = 1 << 0, /* create the database if missing (init) */
	STORE_READONLY = 1 << 1,
};

/*
 * Opens the database at url ("PATH", "sqlite:PATH" or "postgresql://...")
 * and brings its schema up to date; refuses a schema newer than this binary.
 * Without STORE_CREATE, a missing database is an error. *out is owned by
 * the caller: close it with store_close.
 */
int store_open(const char *url, unsigned flags, struct store **out, struct buf *err);
void store_close(struct store *s);
/* The schema version found in the database after opening. */
int store_schema_version(struct store *s);

/* Transactions: everything between begin and commit is all-or-nothing. */
int store_begin(struct store *s, struct buf *err);
int store_commit(struct store *s, struct buf *err);
void store_rollback(struct store *s);

enum upsert_result { UPSERT_NEW, UPSERT_UPDATED, UPSERT_UNCHANGED };

/*
 * Merges each of papers[0..n) into the store (paper_merge against what is
 * stored) and writes what changed; results[i] says what happened to
 * papers[i]. Must be called inside store_begin/store_commit. Records with
 * the same id within one batch are applied in order.
 */
int store_upsert_batch(struct store *s, const struct paper *papers, size_t n,
		       enum upsert_result *results, struct buf *err);

/* Loads paper `id` into *p (initialised by the caller). Returns 0 when
 * found, 1 when not found, -1 on error. */
int store_paper_get(struct store *s, const char *id, struct paper *p, struct buf *err);

enum store_sort { SORT_PUBLISHED, SORT_UPVOTES };

/* Papers whose feed day (the Daily-Papers day, else the arXiv day) lies in
 * [day_from, day_to); both "YYYY-MM-DD". */
struct store_query {
	char day_from[16], day_to[16];
	enum store_sort sort;
	size_t limit, offset;
};

/* Calls fn for each paper of the query in order; stops early when fn
 * returns non-zero. The paper passed to fn is only valid during the call. */
int store_paper_list(struct store *s, const struct store_query *q,
		     int (*fn)(const struct paper *p, void *ctx), void *ctx, struct buf *err);

/* Calls fn for every paper, in the order they were first stored; stops
 * early when fn returns non-zero. The paper is only valid during the call. */
int store_paper_scan(struct store *s, int (*fn)(const struct paper *p, void *ctx), void *ctx,
		     struct buf *err);
/* Every write gets a sequence number, growing with each batch: the papers
 * written after `seq`, in the order they were written (for the search
 * index's incremental updates). */
int store_paper_scan_since(struct store *s, int64_t seq, int (*fn)(const struct paper *p, void *ctx), void *ctx,
			   struct buf *err);
/* The sequence number of the latest write (0: none). */
int store_seq(struct store *s, int64_t *seq, struct buf *err);

/* The newest feed day at or before `before` ("" = no bound) holding papers;
 * out is "" when the store is empty. */
int store_latest_day(struct store *s, const char *before, char out[16], struct buf *err);

struct store_stats {
	int64_t papers, featured, with_code, with_abstract;
	int64_t by_source[4]; /* HF, arXiv API, OAI-PMH, snapshot */
	char first_day[16], last_day[16];
	int64_t db_bytes;
	int schema_version;
};
int store_stats(struct store *s, struct store_stats *st, struct buf *err);

/* A small key/value area for state such as harvest resumption tokens.
 * store_kv_get returns 0 and a malloc'd *value, 1 when absent, -1 on error;
 * store_kv_set with value NULL deletes. */
int store_kv_get(struct store *s, const char *key, char **value, struct buf *err);
int store_kv_set(struct store *s, const char *key, const char *value, struct buf *err);

#endif
