/*
 * store_sqlite.c - the SQLite backend of the paper store.
 *
 * WAL journal, foreign keys on, prepared statements only (no SQL is ever
 * built from data). The schema version lives in PRAGMA user_version and
 * the file is marked with PRAGMA application_id. Lists of strings (authors,
 * AI keywords) are stored one per line; categories space-separated.
 */
#include "sqlite_int.h"
#include <math.h>
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
};

#define PAPER_COLS                                                                              \
	"id, version, title, abstract, authors, categories, published, updated, doi, journal_ref, " \
	"comments, license, code_url, code_explicit, project_page, hf_day, submitted_at, "         \
	"submitter, submitter_name, upvotes, num_comments, github_stars, ai_summary, ai_keywords, " \
	"discussion_id, sources"
/* written beside PAPER_COLS, as parameters 31.. */
#define PAPER_COLS_V6 "organization, media_urls, thumbnail, author_participating"

enum stmt_id {
	ST_GET,
	ST_INSERT,
	ST_UPDATE,
	ST_LIST_PUBLISHED,
	ST_LIST_UPVOTES,
	ST_LIST_TRENDING,
	ST_LIST_PUBLISHED_SUB,
	ST_LIST_UPVOTES_SUB,
	ST_LIST_TRENDING_SUB,
	ST_SCAN,
	ST_SCAN_SINCE,
	ST_SEQ,
	ST_LATEST,
	ST_LATEST_BEFORE,
	ST_LIST_PUBLISHED_F,
	ST_LIST_UPVOTES_F,
	ST_LIST_TRENDING_F,
	ST_LATEST_F,
	ST_LATEST_BEFORE_F,
	ST_FEATURED,
	ST_KV_GET,
	ST_KV_SET,
	ST_KV_DEL,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST__COUNT
};

_Static_assert(ST__COUNT <= 40, "struct store_sqlite.st is too small");
static const char *const stmt_sql[ST__COUNT] = {
	[ST_GET] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE id = ?1",
	[ST_INSERT] = "INSERT INTO papers(" PAPER_COLS ", feed_day, first_seen, changed_at, seq, " PAPER_COLS_V6
		      ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
		      "?23,?24,?25,?26,?27,?28,?28,?30,?31,?32,?33,?34) ON CONFLICT(id) DO NOTHING",
	[ST_UPDATE] = "UPDATE papers SET id=?1, version=?2, title=?3, abstract=?4, authors=?5, "
		      "categories=?6, published=?7, updated=?8, doi=?9, journal_ref=?10, comments=?11, "
		      "license=?12, code_url=?13, code_explicit=?14, project_page=?15, hf_day=?16, "
		      "submitted_at=?17, submitter=?18, submitter_name=?19, upvotes=?20, "
		      "num_comments=?21, github_stars=?22, ai_summary=?23, ai_keywords=?24, "
		      "discussion_id=?25, sources=?26, feed_day=?27, changed_at=?28, seq=?30, organization=?31, "
		      "media_urls=?32, thumbnail=?33, author_participating=?34 WHERE docid=?29",
	[ST_LIST_PUBLISHED] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE feed_day >= ?1 AND "
			      "feed_day < ?2 AND hidden = 0 AND (?5 IS NULL OR submitter = ?5) "
			      "ORDER BY published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LIST_UPVOTES] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE feed_day >= ?1 AND "
			    "feed_day < ?2 AND hidden = 0 AND (?5 IS NULL OR submitter = ?5) "
			    "ORDER BY max(upvotes, 0) + local_votes DESC, published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LIST_TRENDING] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE feed_day >= ?1 AND "
			     "feed_day < ?2 AND hidden = 0 AND (?5 IS NULL OR submitter = ?5) "
			     "ORDER BY pb_trending(max(upvotes, 0) + local_votes, "
			     "CASE WHEN submitted_at > 0 THEN submitted_at ELSE published END, ?6) DESC, "
			     "published DESC, id DESC LIMIT ?3 OFFSET ?4",
	/* the same, for one submitter: found through papers_submitter */
	[ST_LIST_PUBLISHED_SUB] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE submitter = ?5 AND "
				  "feed_day >= ?1 AND feed_day < ?2 AND hidden = 0 "
				  "ORDER BY published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LIST_UPVOTES_SUB] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE submitter = ?5 AND "
				"feed_day >= ?1 AND feed_day < ?2 AND hidden = 0 "
				"ORDER BY max(upvotes, 0) + local_votes DESC, published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LIST_TRENDING_SUB] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE submitter = ?5 AND "
				 "feed_day >= ?1 AND feed_day < ?2 AND hidden = 0 "
				 "ORDER BY pb_trending(max(upvotes, 0) + local_votes, "
				 "CASE WHEN submitted_at > 0 THEN submitted_at ELSE published END, ?6) DESC, "
				 "published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_SCAN] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers ORDER BY docid",
	[ST_SCAN_SINCE] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE seq > ?1 ORDER BY seq, docid",
	[ST_SEQ] = "SELECT CAST(value AS INTEGER) FROM kv WHERE key = 'seq'",
	/* the feed: in a store with featured papers (hf_day), those alone, by
	 * the day they were featured (the _F statements, on papers_featured);
	 * in a store of arXiv papers only, every paper by its arXiv day */
	[ST_LATEST] = "SELECT feed_day FROM papers WHERE feed_day <> '' AND hidden = 0 ORDER BY feed_day DESC LIMIT 1",
	[ST_LATEST_BEFORE] = "SELECT feed_day FROM papers WHERE feed_day < ?1 AND hidden = 0 ORDER BY feed_day DESC LIMIT 1",
	[ST_LIST_PUBLISHED_F] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE hf_day >= ?1 AND "
				"hf_day < ?2 AND hf_day <> '' AND hidden = 0 "
				"ORDER BY published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LIST_UPVOTES_F] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE hf_day >= ?1 AND "
			      "hf_day < ?2 AND hf_day <> '' AND hidden = 0 "
			      "ORDER BY max(upvotes, 0) + local_votes DESC, published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LIST_TRENDING_F] = "SELECT docid, " PAPER_SELECT_COLS " FROM papers WHERE hf_day >= ?1 AND "
			       "hf_day < ?2 AND hf_day <> '' AND hidden = 0 "
			       "ORDER BY pb_trending(max(upvotes, 0) + local_votes, "
			       "CASE WHEN submitted_at > 0 THEN submitted_at ELSE published END, ?6) DESC, "
			       "published DESC, id DESC LIMIT ?3 OFFSET ?4",
	[ST_LATEST_F] = "SELECT hf_day FROM papers WHERE hf_day <> '' AND hidden = 0 ORDER BY hf_day DESC LIMIT 1",
	[ST_LATEST_BEFORE_F] = ("SELECT hf_day FROM papers WHERE hf_day < ?1 AND hf_day <> '' AND hidden = 0 "
				"ORDER BY hf_day DESC LIMIT 1"),
	[ST_FEATURED] = "SELECT EXISTS(SELECT 1 FROM papers WHERE hf_day <> '')",
	[ST_KV_GET] = "SELECT value FROM kv WHERE key = ?1",
	[ST_KV_SET] = "INSERT INTO kv(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[ST_KV_DEL] = "DELETE FROM kv WHERE key = ?1",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};




int sq_db_error(struct store_sqlite *s, struct buf *err, const char *what)
{
	buf_setf(err, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
	return -1;
}

static sqlite3_stmt *stmt(struct store_sqlite *s, enum stmt_id id, struct buf *err)
{
	if (!s->st[id]) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->st[id], NULL) !=
		    SQLITE_OK) {
			sq_db_error(s, err, "preparing a statement");
			return NULL;
		}
	}
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

sqlite3_stmt *sq_prep(struct store_sqlite *s, const char *sql, struct buf *err)
{
	size_t h = ((uintptr_t)sql >> 3) % SQ_STMT_CACHE;
	for (size_t i = 0; i < SQ_STMT_CACHE; i++, h = (h + 1) % SQ_STMT_CACHE) {
		if (s->cache_sql[h] == sql) {
			sqlite3_reset(s->cache_st[h]);
			sqlite3_clear_bindings(s->cache_st[h]);
			return s->cache_st[h];
		}
		if (!s->cache_sql[h])
			break;
	}
	sqlite3_stmt *q;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) != SQLITE_OK) {
		sq_db_error(s, err, "preparing a statement");
		return NULL;
	}
	if (!s->cache_sql[h]) {
		s->cache_sql[h] = sql;
		s->cache_st[h] = q;
	} else {
		BUG("statement cache full: raise SQ_STMT_CACHE");
	}
	return q;
}

/* Runs a statement that returns no rows. */
int sq_step_done(struct store_sqlite *s, sqlite3_stmt *q, struct buf *err, const char *what)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return sq_db_error(s, err, what);
	return 0;
}

int sq_exec(struct store_sqlite *s, const char *sql, struct buf *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		buf_setf(err, "%s: %s", s->path, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int pragma_int(struct store_sqlite *s, const char *sql, int *out, struct buf *err)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return sq_db_error(s, err, "reading the database header");
	int rc = sqlite3_step(q);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(q, 0) : 0;
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_error(s, err, "reading the database header");
	return 0;
}

static int migrate(struct store_sqlite *s, bool create, struct buf *err)
{
	int version, app;
	if (pragma_int(s, "PRAGMA user_version", &version, err) ||
	    pragma_int(s, "PRAGMA application_id", &app, err))
		return -1;
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
		buf_setf(err, tables ? "%s: not a paperboy database"
				     : "%s: database is not initialised (run 'paperboy init')",
			 s->path);
		return -1;
	}
	s->base.schema_version = version;
	if (version == STORE_SCHEMA_VERSION)
		return 0;
	/* Tables are rebuilt by copying (SQLite cannot drop a constraint), so
	 * foreign keys are off meanwhile (a no-op inside a transaction) and
	 * checked before the commit. */
	if (sq_exec(s, "PRAGMA foreign_keys = OFF", err) || sq_exec(s, "BEGIN IMMEDIATE", err))
		return -1;
	/* Re-read inside the write lock: another process may have migrated. */
	if (pragma_int(s, "PRAGMA user_version", &version, err))
		goto fail;
	for (int v = version; v < STORE_SCHEMA_VERSION; v++)
		if (sq_exec(s, migrations[v], err))
			goto fail;
	int bad_refs;
	if (pragma_int(s, "SELECT count(*) FROM pragma_foreign_key_check", &bad_refs, err))
		goto fail;
	if (bad_refs) {
		buf_setf(err, "%s: upgrading the schema would leave %d broken references; nothing was changed", s->path,
			 bad_refs);
		goto fail;
	}
	struct buf sql = BUF_INIT;
	buf_addf(&sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;", STORE_SCHEMA_VERSION, APP_ID);
	int rc = sq_exec(s, sql.s, err);
	buf_release(&sql);
	if (rc || sq_exec(s, "COMMIT", err))
		goto fail;
	s->base.schema_version = STORE_SCHEMA_VERSION;
	return sq_exec(s, "PRAGMA foreign_keys = ON", err);
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_exec(s->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	return -1;
}

/* ---- rows <-> papers ---------------------------------------------------- */

char *sq_col_str(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);
	return t ? xstrndup((const char *)t, (size_t)sqlite3_column_bytes(q, i)) : NULL;
}

static void col_list(sqlite3_stmt *q, int i, char sep, struct strlist *l)
{
	const char *t = (const char *)sqlite3_column_text(q, i);
	if (t)
		strlist_split(l, t, (size_t)sqlite3_column_bytes(q, i), sep);
}

/* Reads PAPER_COLS starting at column `c` into p (initialised). */
void sq_row_to_paper(sqlite3_stmt *q, int c, struct paper *p)
{
	const char *id = (const char *)sqlite3_column_text(q, c);
	snprintf(p->id, sizeof(p->id), "%s", id ? id : "");
	p->version = sqlite3_column_int(q, c + 1);
	p->title = sq_col_str(q, c + 2);
	p->abstract = sq_col_str(q, c + 3);
	col_list(q, c + 4, '\n', &p->authors);
	col_list(q, c + 5, ' ', &p->categories);
	p->published = sqlite3_column_int64(q, c + 6);
	p->updated = sqlite3_column_int64(q, c + 7);
	p->doi = sq_col_str(q, c + 8);
	p->journal_ref = sq_col_str(q, c + 9);
	p->comments = sq_col_str(q, c + 10);
	p->license = sq_col_str(q, c + 11);
	p->code_url = sq_col_str(q, c + 12);
	p->code_explicit = sqlite3_column_int(q, c + 13) != 0;
	p->project_page = sq_col_str(q, c + 14);
	const char *day = (const char *)sqlite3_column_text(q, c + 15);
	snprintf(p->hf_day, sizeof(p->hf_day), "%s", day ? day : "");
	p->submitted_at = sqlite3_column_int64(q, c + 16);
	p->submitter = sq_col_str(q, c + 17);
	p->submitter_name = sq_col_str(q, c + 18);
	p->upvotes = sqlite3_column_int(q, c + 19);
	p->num_comments = sqlite3_column_int(q, c + 20);
	p->github_stars = sqlite3_column_int(q, c + 21);
	p->ai_summary = sq_col_str(q, c + 22);
	col_list(q, c + 23, '\n', &p->ai_keywords);
	p->discussion_id = sq_col_str(q, c + 24);
	p->sources = (unsigned)sqlite3_column_int(q, c + 25);
	p->local_votes = sqlite3_column_int(q, c + 26);
	p->local_comments = sqlite3_column_int(q, c + 27);
	p->hidden = sqlite3_column_int(q, c + 28) != 0;
	p->organization = sq_col_str(q, c + 29);
	col_list(q, c + 30, '\n', &p->media_urls);
	p->thumbnail = sq_col_str(q, c + 31);
	p->author_participating = sqlite3_column_int(q, c + 32) != 0;
}

static void bind_str(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Binds p to parameters 1..28 of ST_INSERT / ST_UPDATE. The tmp bufs must
 * outlive the step. */
static void bind_paper(struct store_sqlite *s, sqlite3_stmt *q, const struct paper *p, pb_time now)
{
	buf_reset(&s->tmp1);
	buf_reset(&s->tmp2);
	buf_reset(&s->tmp3);
	strlist_join(&p->authors, "\n", &s->tmp1);
	strlist_join(&p->categories, " ", &s->tmp2);
	strlist_join(&p->ai_keywords, "\n", &s->tmp3);
	char day[16];
	paper_feed_day(p, day);
	sqlite3_bind_text(q, 1, p->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, p->version);
	bind_str(q, 3, p->title);
	bind_str(q, 4, p->abstract);
	sqlite3_bind_text(q, 5, s->tmp1.s, (int)s->tmp1.len, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, s->tmp2.s, (int)s->tmp2.len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, p->published);
	sqlite3_bind_int64(q, 8, p->updated);
	bind_str(q, 9, p->doi);
	bind_str(q, 10, p->journal_ref);
	bind_str(q, 11, p->comments);
	bind_str(q, 12, p->license);
	bind_str(q, 13, p->code_url);
	sqlite3_bind_int(q, 14, p->code_explicit);
	bind_str(q, 15, p->project_page);
	sqlite3_bind_text(q, 16, p->hf_day, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 17, p->submitted_at);
	bind_str(q, 18, p->submitter);
	bind_str(q, 19, p->submitter_name);
	sqlite3_bind_int(q, 20, p->upvotes);
	sqlite3_bind_int(q, 21, p->num_comments);
	sqlite3_bind_int(q, 22, p->github_stars);
	bind_str(q, 23, p->ai_summary);
	sqlite3_bind_text(q, 24, s->tmp3.s, (int)s->tmp3.len, SQLITE_STATIC);
	bind_str(q, 25, p->discussion_id);
	sqlite3_bind_int(q, 26, (int)p->sources);
	sqlite3_bind_text(q, 27, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 28, now);
	bind_str(q, 31, p->organization);
	buf_reset(&s->tmp4);
	strlist_join(&p->media_urls, "\n", &s->tmp4);
	sqlite3_bind_text(q, 32, s->tmp4.s, (int)s->tmp4.len, SQLITE_STATIC);
	bind_str(q, 33, p->thumbnail);
	sqlite3_bind_int(q, 34, p->author_participating);
}

/* ---- operations --------------------------------------------------------- */

static int sq_begin(struct store *st, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = stmt(s, ST_BEGIN, err);
	return q ? sq_step_done(s, q, err, "beginning a transaction") : -1;
}

static int sq_commit(struct store *st, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = stmt(s, ST_COMMIT, err);
	return q ? sq_step_done(s, q, err, "committing") : -1;
}

static void sq_rollback(struct store *st)
{
	struct store_sqlite *s = S(st);
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Looks up id: 0 found (into *p, *docid), 1 absent, -1 error. */
static int get_row(struct store_sqlite *s, const char *id, struct paper *p, int64_t *docid, struct buf *err)
{
	sqlite3_stmt *q = stmt(s, ST_GET, err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		if (docid)
			*docid = sqlite3_column_int64(q, 0);
		sq_row_to_paper(q, 1, p);
		sqlite3_reset(q);
		return 0;
	}
	sqlite3_reset(q);
	if (rc == SQLITE_DONE)
		return 1;
	return sq_db_error(s, err, "reading a paper");
}

static int sq_kv_set(struct store *st, const char *key, const char *value, struct buf *err);

/* Runs a statement that yields one integer (0 when it yields no row). */
static int query_int64(struct store_sqlite *s, enum stmt_id id, int64_t *out, struct buf *err, const char *what)
{
	sqlite3_stmt *q = stmt(s, id, err);
	if (!q)
		return -1;
	int rc = sqlite3_step(q);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, what);
}

static int sq_seq(struct store *st, int64_t *seq, struct buf *err)
{
	return query_int64(S(st), ST_SEQ, seq, err, "reading the write sequence");
}

/*
 * Each paper is first offered as a new row (INSERT ... ON CONFLICT DO
 * NOTHING: one index probe, no read, no copy, for the common case of a
 * fresh paper); when the id exists, the stored paper is read, merged and
 * written back only if the merge changed it.
 */
static int sq_upsert_batch(struct store *st, const struct paper *papers, size_t n,
			   enum upsert_result *results, struct buf *err)
{
	struct store_sqlite *s = S(st);
	pb_time now = time_now_ms();
	/* this batch's sequence number: one more than the last, stored in the
	 * same transaction as the rows */
	int64_t seq;
	if (sq_seq(st, &seq, err))
		return -1;
	seq++;
	bool changed = false;
	struct paper cur, before;
	paper_init(&cur);
	paper_init(&before);
	int ret = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		const struct paper *in = &papers[i];
		sqlite3_stmt *q = stmt(s, ST_INSERT, err);
		if (!q) {
			ret = -1;
			break;
		}
		bind_paper(s, q, in, now);
		sqlite3_bind_int64(q, 30, seq);
		if (sq_step_done(s, q, err, "inserting a paper")) {
			ret = -1;
			break;
		}
		if (sqlite3_changes(s->db) == 1) {
			results[i] = UPSERT_NEW;
			changed = true;
			continue;
		}
		int64_t docid = 0;
		paper_release(&cur);
		int found = get_row(s, in->id, &cur, &docid, err);
		if (found) {
			if (found == 1)
				buf_setf(err, "%s: paper %s vanished during an upsert", s->path, in->id);
			ret = -1;
			break;
		}
		paper_copy(&before, &cur);
		paper_merge(&cur, in);
		if (paper_equal(&before, &cur)) {
			results[i] = UPSERT_UNCHANGED;
			continue;
		}
		if (!(q = stmt(s, ST_UPDATE, err))) {
			ret = -1;
			break;
		}
		bind_paper(s, q, &cur, now);
		sqlite3_bind_int64(q, 29, docid);
		sqlite3_bind_int64(q, 30, seq);
		results[i] = UPSERT_UPDATED;
		changed = true;
		if (sq_step_done(s, q, err, "updating a paper"))
			ret = -1;
	}
	paper_release(&cur);
	paper_release(&before);
	if (!ret && changed) {
		char seqtxt[32];
		snprintf(seqtxt, sizeof(seqtxt), "%lld", (long long)seq);
		ret = sq_kv_set(st, "seq", seqtxt, err);
	}
	return ret;
}

static int sq_paper_get(struct store *st, const char *id, struct paper *p, struct buf *err)
{
	return get_row(S(st), id, p, NULL, err);
}

int sq_each_row(struct store_sqlite *s, sqlite3_stmt *q, int (*fn)(const struct paper *, void *), void *ctx,
		    struct buf *err, const char *what);

static int sq_paper_list(struct store *st, const struct store_query *qq,
			 int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	enum stmt_id id = qq->sort == SORT_UPVOTES ? ST_LIST_UPVOTES
			  : qq->sort == SORT_TRENDING ? ST_LIST_TRENDING : ST_LIST_PUBLISHED;
	bool featured = false;
	if (!qq->submitter && sq_feed_featured(s, &featured, err))
		return -1;
	if (qq->submitter)
		id = id == ST_LIST_UPVOTES ? ST_LIST_UPVOTES_SUB : id == ST_LIST_TRENDING ? ST_LIST_TRENDING_SUB
										  : ST_LIST_PUBLISHED_SUB;
	else if (featured)
		id = id == ST_LIST_UPVOTES ? ST_LIST_UPVOTES_F : id == ST_LIST_TRENDING ? ST_LIST_TRENDING_F
										: ST_LIST_PUBLISHED_F;
	sqlite3_stmt *q = stmt(s, id, err);
	if (!q)
		return -1;
	if (qq->submitter)
		sqlite3_bind_text(q, 5, qq->submitter, -1, SQLITE_STATIC);
	if (id == ST_LIST_TRENDING || id == ST_LIST_TRENDING_SUB || id == ST_LIST_TRENDING_F)
		sqlite3_bind_int64(q, 6, qq->now ? qq->now : time_now_ms());
	sqlite3_bind_text(q, 1, qq->day_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, qq->day_to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, qq->limit ? (int64_t)qq->limit : -1);
	sqlite3_bind_int64(q, 4, (int64_t)qq->offset);
	return sq_each_row(s, q, fn, ctx, err, "listing papers");
}

/* Runs a statement whose rows are papers (from column 1) through fn. */
int sq_each_row(struct store_sqlite *s, sqlite3_stmt *q, int (*fn)(const struct paper *, void *), void *ctx,
		    struct buf *err, const char *what)
{
	struct paper p;
	paper_init(&p);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		sq_row_to_paper(q, 1, &p);
		int stop = fn(&p, ctx);
		paper_release(&p);
		if (stop)
			break;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_error(s, err, what);
	return 0;
}

static int sq_paper_scan(struct store *st, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = stmt(s, ST_SCAN, err);
	return q ? sq_each_row(s, q, fn, ctx, err, "reading papers") : -1;
}

static int sq_paper_scan_since(struct store *st, int64_t seq, int (*fn)(const struct paper *, void *), void *ctx,
			       struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = stmt(s, ST_SCAN_SINCE, err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, seq);
	return sq_each_row(s, q, fn, ctx, err, "reading changed papers");
}

int sq_feed_featured(struct store_sqlite *s, bool *featured, struct buf *err)
{
	int64_t v;
	if (query_int64(s, ST_FEATURED, &v, err, "reading the feed"))
		return -1;
	*featured = v != 0;
	return 0;
}

static int sq_latest_day(struct store *st, const char *before, char out[16], struct buf *err)
{
	struct store_sqlite *s = S(st);
	bool f;
	if (sq_feed_featured(s, &f, err))
		return -1;
	sqlite3_stmt *q = stmt(s, *before ? (f ? ST_LATEST_BEFORE_F : ST_LATEST_BEFORE) : (f ? ST_LATEST_F : ST_LATEST), err);
	if (!q)
		return -1;
	if (*before)
		sqlite3_bind_text(q, 1, before, -1, SQLITE_STATIC);
	out[0] = '\0';
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW && sqlite3_column_text(q, 0))
		snprintf(out, 16, "%s", (const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_db_error(s, err, "finding the latest day");
	return 0;
}

static int sq_stats(struct store *st, struct store_stats *o, struct buf *err)
{
	struct store_sqlite *s = S(st);
	static const char sql[] =
		"SELECT count(*), sum(hf_day != ''), sum(code_url IS NOT NULL), "
		"sum(abstract IS NOT NULL AND abstract != ''), sum(sources & 1 != 0), "
		"sum(sources & 2 != 0), sum(sources & 4 != 0), sum(sources & 8 != 0), "
		"min(nullif(feed_day, '')), max(feed_day) FROM papers";
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return sq_db_error(s, err, "computing statistics");
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		o->papers = sqlite3_column_int64(q, 0);
		o->featured = sqlite3_column_int64(q, 1);
		o->with_code = sqlite3_column_int64(q, 2);
		o->with_abstract = sqlite3_column_int64(q, 3);
		for (int i = 0; i < 4; i++)
			o->by_source[i] = sqlite3_column_int64(q, 4 + i);
		const char *a = (const char *)sqlite3_column_text(q, 8);
		const char *b = (const char *)sqlite3_column_text(q, 9);
		snprintf(o->first_day, sizeof(o->first_day), "%s", a ? a : "");
		snprintf(o->last_day, sizeof(o->last_day), "%s", b ? b : "");
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return sq_db_error(s, err, "computing statistics");
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

static int sq_kv_get(struct store *st, const char *key, char **value, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = stmt(s, ST_KV_GET, err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q);
	*value = rc == SQLITE_ROW ? sq_col_str(q, 0) : NULL;
	sqlite3_reset(q);
	if (rc == SQLITE_ROW)
		return 0;
	return rc == SQLITE_DONE ? 1 : sq_db_error(s, err, "reading state");
}

static int sq_kv_set(struct store *st, const char *key, const char *value, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = stmt(s, value ? ST_KV_SET : ST_KV_DEL, err);
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (value)
		sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	return sq_step_done(s, q, err, "writing state");
}

static void sq_close(struct store *st)
{
	struct store_sqlite *s = S(st);
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(s->st[i]);
	for (int i = 0; i < SQ_STMT_CACHE; i++)
		sqlite3_finalize(s->cache_st[i]);
	sqlite3_close(s->db);
	buf_release(&s->tmp1);
	buf_release(&s->tmp2);
	buf_release(&s->tmp3);
	buf_release(&s->tmp4);
	free(s->path);
	free(s);
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.upsert_batch = sq_upsert_batch,
	.paper_get = sq_paper_get,
	.paper_list = sq_paper_list,
	.paper_scan = sq_paper_scan,
	.paper_scan_since = sq_paper_scan_since,
	.seq = sq_seq,
	.latest_day = sq_latest_day,
	.stats = sq_stats,
	.kv_get = sq_kv_get,
	.kv_set = sq_kv_set,
	.close = sq_close,
};

/*
 * The trending score, in the spirit of Hacker News's gravity formula:
 *
 *     score = votes / (age_hours + 2) ^ 1.5
 *
 * where votes are imported Hugging Face upvotes plus local ones and the age
 * runs from the moment the paper was featured (its submission to the daily
 * feed, else its arXiv date) to `now`. A paper needs ever more votes to stay
 * on top as it ages; gravity 1.5 (HN uses 1.8) keeps a strong paper up for
 * a few days, which suits a daily feed better than a news page.
 */
double store_trending_score(int votes, pb_time featured, pb_time now)
{
	double age_h = (double)(now - featured) / 3600000.0;
	if (age_h < 0)
		age_h = 0;
	return (double)votes / pow(age_h + 2.0, 1.5);
}

static void sql_trending(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_double(cx, store_trending_score(sqlite3_value_int(argv[0]), sqlite3_value_int64(argv[1]),
						      sqlite3_value_int64(argv[2])));
}

int store_sqlite_open(const char *path, unsigned flags, struct store **out, struct buf *err)
{
	bool create = flags & STORE_CREATE;
	if (!create && access(path, F_OK)) {
		buf_setf(err, "%s: no database here (run 'paperboy init' first)", path);
		return -1;
	}
	struct store_sqlite *s = xcalloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	s->path = xstrdup(path);
	buf_init(&s->tmp1);
	buf_init(&s->tmp2);
	buf_init(&s->tmp3);
	buf_init(&s->tmp4);
	/* NOMUTEX: a store is used by one thread at a time (ingest hands it
	 * to its writer thread and back through a mutex), so SQLite's own
	 * per-call locking is not needed. */
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, oflags, NULL) != SQLITE_OK) {
		sq_db_error(s, err, "cannot open");
		sq_close(&s->base);
		return -1;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_create_function(s->db, "pb_trending", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_trending,
				NULL, NULL);
	sqlite3_busy_timeout(s->db, 10000);
	if ((create && sq_exec(s, "PRAGMA page_size = 16384;", err)) ||
	    sq_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
		    "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
		 err) ||
	    migrate(s, create, err)) {
		sq_close(&s->base);
		return -1;
	}
	*out = &s->base;
	return 0;
}
