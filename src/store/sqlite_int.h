/* sqlite_int.h - private to the SQLite backend's files (store_sqlite.c:
 * papers; store_people.c: users, sessions, votes, comments). */
#ifndef PAPERBOY_SQLITE_INT_H
#define PAPERBOY_SQLITE_INT_H

#include "store_int.h"
#include <sqlite3.h>

#define SQ_STMT_CACHE 128

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	char *path;
	sqlite3_stmt *st[40]; /* store_sqlite.c's own statements */
	struct buf tmp1, tmp2, tmp3, tmp4;
	/* statements prepared by sq_prep, keyed by the address of their SQL */
	const char *cache_sql[SQ_STMT_CACHE];
	sqlite3_stmt *cache_st[SQ_STMT_CACHE];
};

static inline struct store_sqlite *S(struct store *s)
{
	return (struct store_sqlite *)s;
}

/* Sets err to "PATH: what: sqlite's message"; returns -1. */
int sq_db_error(struct store_sqlite *s, struct buf *err, const char *what);
/* Runs a statement that returns no rows, then resets it. */
int sq_step_done(struct store_sqlite *s, sqlite3_stmt *q, struct buf *err, const char *what);
int sq_exec(struct store_sqlite *s, const char *sql, struct buf *err);
/* A prepared, reset, unbound statement for `sql`, which must be a string
 * literal (it is cached by address); NULL with err set on failure. */
sqlite3_stmt *sq_prep(struct store_sqlite *s, const char *sql, struct buf *err);
char *sq_col_str(sqlite3_stmt *q, int i);
/* The columns every paper-returning statement selects, after a docid. */
#define PAPER_SELECT_COLS                                                                          \
	"id, version, title, abstract, authors, categories, published, updated, doi, journal_ref, " \
	"comments, license, code_url, code_explicit, project_page, hf_day, submitted_at, "         \
	"submitter, submitter_name, upvotes, num_comments, github_stars, ai_summary, ai_keywords, " \
	"discussion_id, sources, local_votes, local_comments, hidden, organization, media_urls, thumbnail, " \
	"author_participating"
void sq_row_to_paper(sqlite3_stmt *q, int c, struct paper *p);
/* Whether the daily feed is the featured papers (the store holds some) or,
 * in a store of arXiv papers only, every paper by its arXiv day. */
int sq_feed_featured(struct store_sqlite *s, bool *featured, struct buf *err);
int sq_each_row(struct store_sqlite *s, sqlite3_stmt *q, int (*fn)(const struct paper *, void *), void *ctx,
		struct buf *err, const char *what);

#endif
