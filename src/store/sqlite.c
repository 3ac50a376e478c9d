/*
 * sqlite.c - the SQLite backend: the SQL driver of the shared code
 * (sqlx.h) over one sqlite3 connection, the schema and its migrations.
 *
 * WAL journal, foreign keys on, prepared statements only (no SQL is ever
 * built from data). The schema version lives in PRAGMA user_version and
 * the file is marked with PRAGMA application_id. A transaction takes the
 * write lock at its start (BEGIN IMMEDIATE), so two writers never deadlock
 * and what a transaction reads stays true until it commits. The shared SQL
 * says $N; SQLite reads ?N (the text is translated once, when prepared).
 */
#include "sqlx.h"
#include <math.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#define APP_ID 0x50425059 /* "PBPY" */

/* Schema migrations: migrations[i] takes the database to version i + 1. */
static const char *const migrations[] = {
	/* 1: papers and a key/value area */
	"CREATE TABLE papers("
	"  docid INTEGER PRIMARY KEY,"
	"  id TEXT NOT NULL UNIQUE,"
	"  version INTEGER NOT NULL DEFAULT 0,"
	"  title TEXT, abstract TEXT,"
	"  authors TEXT NOT NULL DEFAULT '',"
	"  categories TEXT NOT NULL DEFAULT '',"
	"  published INTEGER NOT NULL DEFAULT 0,"
	"  updated INTEGER NOT NULL DEFAULT 0,"
	"  doi TEXT, journal_ref TEXT, comments TEXT, license TEXT,"
	"  code_url TEXT, code_explicit INTEGER NOT NULL DEFAULT 0, project_page TEXT,"
	"  feed_day TEXT NOT NULL DEFAULT '',"
	"  hf_day TEXT NOT NULL DEFAULT '',"
	"  submitted_at INTEGER NOT NULL DEFAULT 0,"
	"  submitter TEXT, submitter_name TEXT,"
	"  upvotes INTEGER NOT NULL DEFAULT -1,"
	"  num_comments INTEGER NOT NULL DEFAULT -1,"
	"  github_stars INTEGER NOT NULL DEFAULT -1,"
	"  ai_summary TEXT, ai_keywords TEXT NOT NULL DEFAULT '', discussion_id TEXT,"
	"  sources INTEGER NOT NULL DEFAULT 0,"
	"  first_seen INTEGER NOT NULL, changed_at INTEGER NOT NULL);"
	"CREATE INDEX papers_feed ON papers(feed_day, published);"
	"CREATE TABLE kv(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
	/* 2: a write sequence number per paper, for incremental indexing */
	"ALTER TABLE papers ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX papers_seq ON papers(seq);",
	/* 3: people and what they do: accounts, sessions, API tokens, votes,
	 * comments, moderation */
	"ALTER TABLE papers ADD COLUMN local_votes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE papers ADD COLUMN local_comments INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE papers ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX papers_submitter ON papers(submitter) WHERE submitter IS NOT NULL;"
	"CREATE TABLE users("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  fullname TEXT NOT NULL DEFAULT '',"
	"  pwhash TEXT NOT NULL,"
	"  admin INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE sessions("
	"  hash BLOB PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  expires INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE api_tokens("
	"  id INTEGER PRIMARY KEY,"
	"  hash BLOB NOT NULL UNIQUE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  label TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE votes("
	"  paper TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  at INTEGER NOT NULL,"
	"  PRIMARY KEY(paper, user_id)) WITHOUT ROWID;"
	"CREATE INDEX votes_user ON votes(user_id, at);"
	"CREATE TABLE comments("
	"  id INTEGER PRIMARY KEY,"
	"  paper TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL REFERENCES users(id),"
	"  parent INTEGER REFERENCES comments(id),"
	"  body TEXT NOT NULL,"
	"  created INTEGER NOT NULL,"
	"  edited INTEGER NOT NULL DEFAULT 0,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  hidden INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX comments_paper ON comments(paper, id);"
	"CREATE INDEX comments_user ON comments(user_id);",
	/* 4: subscriptions, the outbox of email, and what went to whom */
	"CREATE TABLE subscriptions("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  period TEXT NOT NULL CHECK(period IN ('daily', 'weekly')),"
	"  topics TEXT NOT NULL DEFAULT '',"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  status TEXT NOT NULL DEFAULT 'pending',"
	"  created INTEGER NOT NULL,"
	"  confirmed_at INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX subscriptions_period ON subscriptions(period, status);"
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY,"
	"  sub_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  period_key TEXT NOT NULL,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  rcpt TEXT NOT NULL,"
	"  data BLOB NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  created INTEGER NOT NULL,"
	"  sent_at INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(sub_id, period_key));"
	"CREATE INDEX outbox_due ON outbox(state, next_try);"
	"CREATE TABLE sent_papers("
	"  sub_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,"
	"  paper TEXT NOT NULL,"
	"  PRIMARY KEY(sub_id, paper)) WITHOUT ROWID;",
	/* 5: hardening. An account's email counts once verified (unique among
	 * verified addresses only, so a sign-up never tells that an address
	 * is registered); mail to accounts in the outbox; changes to a
	 * subscription wait for its address; rate limits and leases shared by
	 * every process. Tables are rebuilt with foreign keys off (migrate). */
	"CREATE TABLE users_v5("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  email TEXT NOT NULL COLLATE NOCASE,"
	"  email_verified INTEGER NOT NULL DEFAULT 0,"
	"  fullname TEXT NOT NULL DEFAULT '',"
	"  pwhash TEXT NOT NULL,"
	"  admin INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL);"
	"INSERT INTO users_v5(id, name, email, fullname, pwhash, admin, disabled, created) "
	"  SELECT id, name, email, fullname, pwhash, admin, disabled, created FROM users;"
	"DROP TABLE users;"
	"ALTER TABLE users_v5 RENAME TO users;"
	"CREATE INDEX users_email ON users(email);"
	"CREATE UNIQUE INDEX users_verified_email ON users(email) WHERE email_verified = 1;"
	"CREATE TABLE outbox_v5("
	"  id INTEGER PRIMARY KEY,"
	"  sub_id INTEGER REFERENCES subscriptions(id) ON DELETE CASCADE,"
	"  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL,"
	"  period_key TEXT NOT NULL,"
	"  message_id TEXT NOT NULL UNIQUE,"
	"  rcpt TEXT NOT NULL,"
	"  data BLOB NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued',"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  created INTEGER NOT NULL,"
	"  sent_at INTEGER NOT NULL DEFAULT 0,"
	"  UNIQUE(sub_id, period_key));"
	"INSERT INTO outbox_v5(id, sub_id, kind, period_key, message_id, rcpt, data, state, attempts, next_try, "
	"  last_error, created, sent_at) SELECT id, sub_id, kind, period_key, message_id, rcpt, data, state, "
	"  attempts, next_try, last_error, created, sent_at FROM outbox;"
	"DROP TABLE outbox;"
	"ALTER TABLE outbox_v5 RENAME TO outbox;"
	"CREATE INDEX outbox_due ON outbox(state, next_try);"
	"ALTER TABLE subscriptions ADD COLUMN pending_period TEXT;"
	"ALTER TABLE subscriptions ADD COLUMN pending_topics TEXT;"
	"CREATE TABLE limits(key TEXT PRIMARY KEY, count INTEGER NOT NULL, last INTEGER NOT NULL,"
	"  blocked_until INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"CREATE TABLE leases(name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires INTEGER NOT NULL) WITHOUT ROWID;",
	/* 6: the daily feed is the featured papers (found through their own
	 * index); what Hugging Face's records carry beyond v1 (organization,
	 * media, thumbnail); submissions with their moderation state */
	"CREATE INDEX papers_featured ON papers(hf_day, published) WHERE hf_day <> '';"
	"ALTER TABLE papers ADD COLUMN organization TEXT;"
	"ALTER TABLE papers ADD COLUMN media_urls TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE papers ADD COLUMN thumbnail TEXT;"
	"ALTER TABLE papers ADD COLUMN author_participating INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE submissions("
	"  id INTEGER PRIMARY KEY,"
	"  paper TEXT NOT NULL,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  at INTEGER NOT NULL,"
	"  status TEXT NOT NULL CHECK(status IN ('featured', 'pending', 'rejected')),"
	"  decided_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  decided_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX submissions_user ON submissions(user_id, at);"
	"CREATE INDEX submissions_status ON submissions(status, at);",
	/* 7: one SQL for both backends. Names and addresses are compared as
	 * lower(x) = lower($1), found through indexes on those expressions;
	 * the write sequence's counter always exists (writers lock its row) */
	"CREATE INDEX users_lower_name ON users(lower(name));"
	"CREATE INDEX users_lower_email ON users(lower(email));"
	"CREATE INDEX subscriptions_lower_email ON subscriptions(lower(email));"
	"INSERT OR IGNORE INTO kv(key, value) SELECT 'seq', CAST(coalesce(max(seq), 0) AS TEXT) FROM papers;",
	/* 8: each reader's own: preferences and marks, follows, mutes,
	 * collections, recommendations */
	"ALTER TABLE users ADD COLUMN mute_collapse INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN read_mark INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN active_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN recs_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE users ADD COLUMN feed_hash BLOB;"
	"CREATE UNIQUE INDEX users_feed ON users(feed_hash) WHERE feed_hash IS NOT NULL;"
	"CREATE TABLE follows(user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
	"  value TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(user_id, kind, value)) WITHOUT ROWID;"
	"CREATE TABLE mutes(user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
	"  value TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(user_id, kind, value)) WITHOUT ROWID;"
	"CREATE TABLE collections(id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, public INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX collections_name ON collections(user_id, lower(name));"
	"CREATE TABLE collection_items(collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
	"  paper TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL DEFAULT 0,"
	"  added INTEGER NOT NULL, PRIMARY KEY(collection_id, paper)) WITHOUT ROWID;"
	"CREATE TABLE recs(user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, paper TEXT NOT NULL,"
	"  score INTEGER NOT NULL, PRIMARY KEY(user_id, paper)) WITHOUT ROWID;",
	/* 9: bounded costs. Votes of young accounts wait to count; arXiv
	 * fetches asked for by users go through a queue */
	"ALTER TABLE votes ADD COLUMN counted INTEGER NOT NULL DEFAULT 1;"
	"CREATE INDEX votes_waiting ON votes(user_id) WHERE counted = 0;"
	"CREATE TABLE fetch_jobs(id INTEGER PRIMARY KEY, paper TEXT NOT NULL,"
	"  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE, submit INTEGER NOT NULL DEFAULT 0,"
	"  state TEXT NOT NULL DEFAULT 'queued', message TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL, updated INTEGER NOT NULL, next_try INTEGER NOT NULL DEFAULT 0,"
	"  owner TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX fetch_jobs_due ON fetch_jobs(state, next_try);"
	"CREATE INDEX fetch_jobs_paper ON fetch_jobs(paper, id);"
	"CREATE INDEX fetch_jobs_user ON fetch_jobs(user_id, created);"
	"CREATE INDEX collection_items_order ON collection_items(collection_id, position, added);",
	/* 10: who claimed a paper among its authors on Hugging Face; the
	 * Hub's models, datasets and Spaces that cite a paper */
	"ALTER TABLE papers ADD COLUMN author_users TEXT NOT NULL DEFAULT '';"
	"CREATE TABLE paper_links(paper TEXT PRIMARY KEY, data TEXT NOT NULL, fetched INTEGER NOT NULL) WITHOUT ROWID;",
	/* 11: full texts from the PDFs (zlib), the arXiv ids they name, and
	 * where each paper's PDF fetch stands */
	"CREATE TABLE paper_text(paper TEXT PRIMARY KEY, data BLOB NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE paper_refs(paper TEXT NOT NULL, ref TEXT NOT NULL, PRIMARY KEY(paper, ref)) WITHOUT ROWID;"
	"CREATE INDEX paper_refs_ref ON paper_refs(ref, paper);"
	"CREATE TABLE pdf_fetch(paper TEXT PRIMARY KEY, state TEXT NOT NULL, etag TEXT NOT NULL DEFAULT '',"
	"  last_modified TEXT NOT NULL DEFAULT '', attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_try INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,"
	"  message TEXT NOT NULL DEFAULT '') WITHOUT ROWID;",
	/* 12: each paper's GitHub stars over time, a point a day at most
	 * (day: the UTC day of `at`, in days since 1970) */
	"CREATE TABLE paper_stars(paper TEXT NOT NULL, day INTEGER NOT NULL, at INTEGER NOT NULL,"
	"  stars INTEGER NOT NULL, PRIMARY KEY(paper, day)) WITHOUT ROWID;",
	/* 13: a submitter's name looked up whatever its case (a sign-up may
	 * not take it); an account's sessions and tokens found without a scan
	 * (a new session ends the oldest beyond a bound, tokens are counted) */
	"CREATE INDEX papers_lower_submitter ON papers(lower(submitter)) WHERE submitter IS NOT NULL;"
	"CREATE INDEX sessions_user ON sessions(user_id, expires);"
	"CREATE INDEX api_tokens_user ON api_tokens(user_id);",
	/* 14: forgotten passwords' links, by the hash of their token (user_id
	 * 0: a request that matched no account) */
	"CREATE TABLE password_resets(hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL, expires INTEGER NOT NULL)"
	"  WITHOUT ROWID;"
	"CREATE INDEX password_resets_user ON password_resets(user_id);",
	/* 15: the hidden papers, found without a scan (a server's index leaves
	 * them out of its searches), and a number that moves when one is
	 * hidden or shown again */
	"CREATE INDEX papers_hidden ON papers(id) WHERE hidden <> 0;"
	"INSERT OR IGNORE INTO kv(key, value) VALUES('hidden', '0');",
	/* 16: an account's number is never given again (AUTOINCREMENT: not
	 * the largest number plus one), so nothing kept under a deleted
	 * account's number (a limit's counter) passes to a later account, as
	 * on PostgreSQL, whose identity never goes back. The table is rebuilt
	 * (foreign keys off, checked before the commit). */
	"CREATE TABLE users_v16("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  email TEXT NOT NULL COLLATE NOCASE,"
	"  email_verified INTEGER NOT NULL DEFAULT 0,"
	"  fullname TEXT NOT NULL DEFAULT '',"
	"  pwhash TEXT NOT NULL,"
	"  admin INTEGER NOT NULL DEFAULT 0,"
	"  disabled INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  mute_collapse INTEGER NOT NULL DEFAULT 0,"
	"  read_mark INTEGER NOT NULL DEFAULT 0,"
	"  active_at INTEGER NOT NULL DEFAULT 0,"
	"  recs_at INTEGER NOT NULL DEFAULT 0,"
	"  feed_hash BLOB);"
	"INSERT INTO users_v16(id, name, email, email_verified, fullname, pwhash, admin, disabled, created,"
	"  mute_collapse, read_mark, active_at, recs_at, feed_hash)"
	"  SELECT id, name, email, email_verified, fullname, pwhash, admin, disabled, created,"
	"  mute_collapse, read_mark, active_at, recs_at, feed_hash FROM users;"
	"DROP TABLE users;"
	"ALTER TABLE users_v16 RENAME TO users;"
	"CREATE INDEX users_email ON users(email);"
	"CREATE UNIQUE INDEX users_verified_email ON users(email) WHERE email_verified = 1;"
	"CREATE INDEX users_lower_name ON users(lower(name));"
	"CREATE INDEX users_lower_email ON users(lower(email));"
	"CREATE UNIQUE INDEX users_feed ON users(feed_hash) WHERE feed_hash IS NOT NULL;",
};
_Static_assert(ARRAY_SIZE(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

/* ---- the connection and its statements -------------------------------------- */

struct sqlx_stmt {
	struct sq *owner;
	sqlite3_stmt *q;
	const char *key; /* the shared SQL's address */
};

struct sq {
	struct store base;
	sqlite3 *db;
	char *path;
	struct sqlx_cache stmts; /* prepared statements (sqlx.c) */
};

static inline struct sq *SQ(struct store *s)
{
	return (struct sq *)s;
}

static enum pb_status kind_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE: return PB_OK;
	case SQLITE_CONSTRAINT:
		return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? PB_CONFLICT
											    : PB_REFUSED;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return PB_BUSY;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY: return PB_IO;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: return PB_CORRUPT;
	case SQLITE_INTERRUPT: return PB_TIMEOUT;
	default: return PB_INTERNAL;
	}
}

/* Sets err to "PATH: what: sqlite's message" and the store's kind; -1. */
static int fail(struct sq *s, struct buf *err, const char *what)
{
	int rc = sqlite3_extended_errcode(s->db);
	s->base.kind = kind_of(rc);
	if (s->base.kind == PB_OK)
		s->base.kind = PB_INTERNAL;
	buf_setf(err, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

/* The shared SQL with $N read as ?N. */
static char *translate(const char *sql)
{
	char *t = xstrdup(sql);
	for (char *p = t; *p; p++)
		if (*p == '$' && p[1] >= '0' && p[1] <= '9')
			*p = '?';
	return t;
}

static struct sqlx_stmt *sq_prep(struct store *st, const char *sql, struct buf *err)
{
	struct sq *s = SQ(st);
	struct sqlx_stmt *had = sqlx_cache_find(&s->stmts, sql);
	if (had) {
		sqlite3_reset(had->q);
		sqlite3_clear_bindings(had->q);
		return had;
	}
	char *text = translate(sql);
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v3(s->db, text, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL);
	free(text);
	if (rc != SQLITE_OK) {
		fail(s, err, "preparing a statement");
		s->base.kind = PB_INTERNAL;
		return NULL;
	}
	struct sqlx_stmt *x = xmalloc(sizeof(*x));
	*x = (struct sqlx_stmt){ s, q, sql };
	sqlx_cache_add(&s->stmts, sql, x);
	return x;
}

static void sq_bind_null(struct sqlx_stmt *q, int i)
{
	sqlite3_bind_null(q->q, i);
}

static void sq_bind_int(struct sqlx_stmt *q, int i, int64_t v)
{
	sqlite3_bind_int64(q->q, i, v);
}

static void sq_bind_text(struct sqlx_stmt *q, int i, const char *v, size_t n)
{
	sqlite3_bind_text64(q->q, i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8);
}

static void sq_bind_blob(struct sqlx_stmt *q, int i, const void *v, size_t n)
{
	sqlite3_bind_blob64(q->q, i, v, n, SQLITE_TRANSIENT);
}

static int sq_step(struct sqlx_stmt *q, struct buf *err)
{
	int rc = sqlite3_step(q->q);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		if (!sqlite3_stmt_readonly(q->q))
			q->owner->base.writes += (uint64_t)sqlite3_changes64(q->owner->db);
		return 0;
	}
	fail(q->owner, err, "running a statement");
	sqlite3_reset(q->q);
	return -1;
}

static bool sq_col_null(struct sqlx_stmt *q, int c)
{
	return sqlite3_column_type(q->q, c) == SQLITE_NULL;
}

static int64_t sq_col_int(struct sqlx_stmt *q, int c)
{
	return sqlite3_column_int64(q->q, c);
}

static double sq_col_double(struct sqlx_stmt *q, int c)
{
	return sqlite3_column_double(q->q, c);
}

static const char *sq_col_text(struct sqlx_stmt *q, int c, size_t *n)
{
	const char *t = (const char *)sqlite3_column_text(q->q, c);
	*n = t ? (size_t)sqlite3_column_bytes(q->q, c) : 0;
	return t;
}

static const void *sq_col_blob(struct sqlx_stmt *q, int c, size_t *n)
{
	const void *b = sqlite3_column_blob(q->q, c);
	*n = b ? (size_t)sqlite3_column_bytes(q->q, c) : 0;
	return b;
}

static int64_t sq_changes(struct sqlx_stmt *q)
{
	return sqlite3_changes64(q->owner->db);
}

static void sq_reset(struct sqlx_stmt *q)
{
	sqlite3_reset(q->q);
	sqlite3_clear_bindings(q->q);
}

static int sq_exec(struct store *st, const char *sql, struct buf *err)
{
	struct sq *s = SQ(st);
	char *msg = NULL;
	int64_t before = sqlite3_total_changes64(s->db);
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
	s->base.writes += (uint64_t)(sqlite3_total_changes64(s->db) - before);
	if (rc != SQLITE_OK) {
		s->base.kind = kind_of(sqlite3_extended_errcode(s->db));
		if (s->base.kind == PB_OK)
			s->base.kind = PB_INTERNAL;
		buf_setf(err, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static bool sq_in_tx(struct store *st)
{
	return !sqlite3_get_autocommit(SQ(st)->db);
}

static int sq_snapshot(struct store *st, struct buf *err)
{
	/* WAL: a read transaction sees the database as of its first read */
	return sq_exec(st, "BEGIN DEFERRED", err);
}

static int sq_reset_identity(struct store *st, const char *table, const char *column, struct buf *err)
{
	/* an INTEGER PRIMARY KEY goes on from the largest there by itself */
	(void)st;
	(void)table;
	(void)column;
	(void)err;
	return 0;
}

static const struct sqlx_driver sqlite_driver = {
	.prep = sq_prep,
	.bind_null = sq_bind_null,
	.bind_int = sq_bind_int,
	.bind_text = sq_bind_text,
	.bind_blob = sq_bind_blob,
	.step = sq_step,
	.col_null = sq_col_null,
	.col_int = sq_col_int,
	.col_double = sq_col_double,
	.col_text = sq_col_text,
	.col_blob = sq_col_blob,
	.changes = sq_changes,
	.reset = sq_reset,
	.exec = sq_exec,
	.in_tx = sq_in_tx,
	.snapshot = sq_snapshot,
	.reset_identity = sq_reset_identity,
};

/* ---- what differs from the shared code --------------------------------------- */

static int sq_begin(struct store *st, struct buf *err)
{
	/* the write lock now: what this transaction reads stays true */
	return sq_exec(st, "BEGIN IMMEDIATE", err);
}

static void sq_rollback(struct store *st)
{
	struct sq *s = SQ(st);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_stats(struct store *st, struct store_stats *o, struct buf *err)
{
	struct sq *s = SQ(st);
	if (sql_stats(st, o, err))
		return -1;
	struct stat sb;
	if (!stat(s->path, &sb))
		o->db_bytes = sb.st_size;
	struct buf wal = BUF_INIT;
	buf_addf(&wal, "%s-wal", s->path);
	if (!stat(wal.s, &sb))
		o->db_bytes += sb.st_size;
	buf_release(&wal);
	return 0;
}

static void drop_stmt(struct sqlx_stmt *x)
{
	sqlite3_finalize(x->q);
	free(x);
}

static void sq_close(struct store *st)
{
	struct sq *s = SQ(st);
	sqlx_cache_release(&s->stmts, drop_stmt);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

/* A scan of every paper reads the file once, front to back: through
 * read(), not the memory map, so that it does not hold up to 2 GB of the
 * file as its own (resident) pages while an index is built. */
#define MMAP_ON "PRAGMA mmap_size = 2147418112;"
#define BUSY_MS 10000 /* how long a statement waits for another connection's lock */

/* The scan's result rc, the map turned back on after it (err kept for
 * the scan's own failure). */
static int mmap_back(struct store *st, int rc, struct buf *err)
{
	struct buf e2 = BUF_INIT;
	if (sq_exec(st, MMAP_ON, rc ? &e2 : err))
		rc = -1;
	buf_release(&e2);
	return rc;
}

static int sq_paper_scan(struct store *st, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	if (sq_exec(st, "PRAGMA mmap_size = 0;", err))
		return -1;
	return mmap_back(st, sql_paper_scan(st, fn, ctx, err), err);
}

static int sq_paper_scan_since(struct store *st, int64_t seq, int (*fn)(const struct paper *, void *), void *ctx,
			       struct buf *err)
{
	if (sq_exec(st, "PRAGMA mmap_size = 0;", err))
		return -1;
	return mmap_back(st, sql_paper_scan_since(st, seq, fn, ctx, err), err);
}

/* What is deleted is not left to read back: secure_delete (set at open)
 * writes zeroes over it, and the write-ahead log, which still holds the
 * pages as they were before, is copied into the file and emptied. Only
 * when no transaction is open, and without waiting: a reader holding the
 * log (an index build's scan) would keep the request waiting, so then
 * the log is emptied by a later deletion or checkpoint instead. */
static int sq_user_delete(struct store *st, int64_t user_id, struct buf *err)
{
	int rc = sql_user_delete(st, user_id, err);
	sqlite3 *db = SQ(st)->db;
	if (rc == 0 && sqlite3_get_autocommit(db)) {
		sqlite3_busy_timeout(db, 0);
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_busy_timeout(db, BUSY_MS);
	}
	return rc;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const struct store_ops sqlite_ops = {
	.name = "sqlite",
#define SQ_SHARED(ret, name, params, args) .name = sql_##name,
	STORE_OPS(SQ_SHARED)
#undef SQ_SHARED
	/* its own, where it differs (designated initializers: the last wins) */
	.begin = sq_begin,
	.paper_scan = sq_paper_scan,
	.paper_scan_since = sq_paper_scan_since,
	.stats = sq_stats,
	.user_delete = sq_user_delete,
	.rollback = sq_rollback,
	.close = sq_close,
};
#pragma GCC diagnostic pop

/* ---- functions the shared SQL calls ---------------------------------------- */

/*
 * The trending score, in the spirit of Hacker News's gravity formula:
 *
 *     score = votes / (age_hours + 2) ^ 1.5
 *
 * where votes are imported Hugging Face upvotes plus local ones and the age
 * runs from the moment the paper was featured (its submission to the daily
 * feed, else its arXiv date) to `now`. A paper needs ever more votes to stay
 * on top as it ages; gravity 1.5 (HN uses 1.8) keeps a strong paper up for
 * a few days, which suits a daily feed better than a news page. PostgreSQL
 * computes the same in SQL (pg.c).
 */
double store_trending_score(int votes, pb_time featured, pb_time now)
{
	double age_h = (double)(now - featured) / 3600000.0;
	if (age_h < 0)
		age_h = 0;
	return (double)votes / pow(age_h + 2.0, 1.5);
}

static void fn_trending(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_double(cx, store_trending_score(sqlite3_value_int(argv[0]), sqlite3_value_int64(argv[1]),
						      sqlite3_value_int64(argv[2])));
}

static void fn_day(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	char day[16];
	time_t t = (time_t)(sqlite3_value_int64(argv[0]) / 1000);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		sqlite3_result_null(cx);
		return;
	}
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	sqlite3_result_text(cx, day, -1, SQLITE_TRANSIENT);
}

/* greatest/least of two (PostgreSQL's names; NULL when either is). */
static void fn_minmax(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	bool greatest = sqlite3_user_data(cx) != NULL;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(cx);
		return;
	}
	int64_t a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]);
	sqlite3_result_int64(cx, greatest ? (a > b ? a : b) : (a < b ? a : b));
}

/* ---- opening and the schema ------------------------------------------------- */

static int pragma_int(struct sq *s, const char *sql, int *out, struct buf *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return fail(s, err, "reading the database header");
	int rc = sqlite3_step(q);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, err, "reading the database header");
	return 0;
}

static int migrate(struct sq *s, bool create, struct buf *err)
{
	int version, app;
	if (pragma_int(s, "PRAGMA user_version", &version, err) ||
	    pragma_int(s, "PRAGMA application_id", &app, err))
		return -1;
	s->base.kind = PB_REFUSED;
	if (app && app != APP_ID) {
		buf_setf(err, "%s: not a paperboy database (application_id %#x)", s->path, (unsigned)app);
		return -1;
	}
	if (version > STORE_SCHEMA_VERSION) {
		buf_setf(err,
			 "%s: database schema version %d is newer than this paperboy understands (%d); "
			 "upgrade paperboy",
			 s->path, version, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (version == 0 && !create) {
		int tables;
		if (pragma_int(s, "SELECT count(*) FROM sqlite_master", &tables, err))
			return -1;
		s->base.kind = PB_REFUSED;
		buf_setf(err, tables ? "%s: not a paperboy database"
				     : "%s: database is not initialised (run 'paperboy init')",
			 s->path);
		return -1;
	}
	s->base.kind = PB_OK;
	s->base.schema_version = version;
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	/* Tables are rebuilt by copying (SQLite cannot drop a constraint), so
	 * foreign keys are off meanwhile (a no-op inside a transaction) and
	 * checked before the commit. */
	if (sq_exec(&s->base, "PRAGMA foreign_keys = OFF", err) || sq_exec(&s->base, "BEGIN IMMEDIATE", err))
		return -1;
	/* Re-read inside the write lock: another process may have migrated. */
	if (pragma_int(s, "PRAGMA user_version", &version, err))
		goto fail;
	for (int v = version; v < STORE_SCHEMA_VERSION; v++)
		if (sq_exec(&s->base, migrations[v], err))
			goto fail;
	int bad_refs;
	if (pragma_int(s, "SELECT count(*) FROM pragma_foreign_key_check", &bad_refs, err))
		goto fail;
	if (bad_refs) {
		s->base.kind = PB_CORRUPT;
		buf_setf(err, "%s: upgrading the schema would leave %d broken references; nothing was changed", s->path,
			 bad_refs);
		goto fail;
	}
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;", STORE_SCHEMA_VERSION, APP_ID);
	int rc = sq_exec(&s->base, sql.s, err);
	buf_release(&sql);
	if (rc || sq_exec(&s->base, "COMMIT", err))
		goto fail;
	s->base.schema_version = STORE_SCHEMA_VERSION;
	return sq_exec(&s->base, "PRAGMA foreign_keys = ON", err);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return -1;
}

int store_sqlite_open(const char *path, unsigned flags, struct store **out, enum pb_status *kind,
		      struct buf *err)
{
	bool create = flags & STORE_CREATE;
	*kind = PB_OK;
	if (!create && access(path, F_OK)) {
		*kind = PB_NOTFOUND;
		buf_setf(err, "%s: no database here (run 'paperboy init' first)", path);
		return -1;
	}
	struct sq *s = xcalloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	s->base.sql = &sqlite_driver;
	s->path = xstrdup(path);
	/* NOMUTEX: a store is used by one thread at a time (store.h) */
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		fail(s, err, "cannot open");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	static int greatest_tag;
	if (sqlite3_create_function(s->db, "pb_trending", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_trending,
				    NULL, NULL) ||
	    sqlite3_create_function(s->db, "pb_day", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_day, NULL,
				    NULL) ||
	    sqlite3_create_function(s->db, "greatest", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, &greatest_tag,
				    fn_minmax, NULL, NULL) ||
	    sqlite3_create_function(s->db, "least", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_minmax, NULL,
				    NULL)) {
		fail(s, err, "defining functions");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_MS);
	/* Reads through a memory map of the file (up to 2 GB, the most
	 * Debian's SQLite maps): a page already in the operating system's
	 * cache costs no read() and no copy. At 3M papers the 20 papers of a
	 * search page were 15% of its time in pread(). Writes still go
	 * through write(), so what a commit makes durable is unchanged; the
	 * file must not be shrunk under a running server (VACUUM: stop it
	 * first), or reading a page past its end would be SIGBUS. */
	if ((create && sq_exec(&s->base, "PRAGMA page_size = 16384;", err)) ||
	    sq_exec(&s->base,
		    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
		    "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON; " MMAP_ON,
		    err) ||
	    migrate(s, create, err))
		goto fail;
	*out = &s->base;
	return 0;
fail:
	*kind = s->base.kind ? s->base.kind : PB_IO;
	sq_close(&s->base);
	return -1;
}
