/*
 * store_people.c - accounts, sessions, API tokens, votes, comments and
 * moderation in the SQLite backend.
 *
 * SQLite is the only backend built, so these are implemented here directly;
 * a second backend would move them behind struct store_ops as the paper
 * functions are. Every multi-statement change runs in one transaction, so
 * a vote and the paper's counter never disagree, even across processes.
 */
#include "sqlite_int.h"

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

static void copy_col(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
	const char *t = (const char *)sqlite3_column_text(q, i);
	snprintf(dst, cap, "%s", t ? t : "");
}

/* Steps a statement expected to yield at most one row: 0 row, 1 none, -1. */
static int step_row(struct store_sqlite *s, sqlite3_stmt *q, struct buf *err, const char *what)
{
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		return 0;
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 1 : sq_db_error(s, err, what);
}

/* Runs fn inside BEGIN IMMEDIATE ... COMMIT (or within the caller's
 * transaction when one is open). */
static int in_tx(struct store_sqlite *s, int (*fn)(struct store_sqlite *, void *, struct buf *), void *ctx,
		 struct buf *err)
{
	bool own = sqlite3_get_autocommit(s->db);
	if (own && sq_exec(s, "BEGIN IMMEDIATE", err))
		return -1;
	int rc = fn(s, ctx, err);
	if (own) {
		if (rc < 0 || sq_exec(s, rc == 0 ? "COMMIT" : "ROLLBACK", err)) {
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	return rc;
}

/* 0 when paper id is stored and not hidden, 1 when not, -1 on error. */
static int paper_visible(struct store_sqlite *s, const char *id, struct buf *err)
{
	sqlite3_stmt *q = sq_prep(s, "SELECT hidden FROM papers WHERE id = ?1", err);
	if (!q)
		return -1;
	bind_text(q, 1, id);
	int rc = step_row(s, q, err, "reading a paper");
	if (rc)
		return rc;
	bool hidden = sqlite3_column_int(q, 0) != 0;
	sqlite3_reset(q);
	return hidden ? 1 : 0;
}

/* ---- users -------------------------------------------------------------- */

#define USER_COLS "id, name, email, fullname, pwhash, admin, disabled, created, email_verified"
#define USER_COLS_U "u.id, u.name, u.email, u.fullname, u.pwhash, u.admin, u.disabled, u.created, u.email_verified"

static void row_to_user(sqlite3_stmt *q, int c, struct user *u)
{
	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(q, c);
	copy_col(q, c + 1, u->name, sizeof(u->name));
	copy_col(q, c + 2, u->email, sizeof(u->email));
	copy_col(q, c + 3, u->fullname, sizeof(u->fullname));
	copy_col(q, c + 4, u->pwhash, sizeof(u->pwhash));
	u->admin = sqlite3_column_int(q, c + 5) != 0;
	u->disabled = sqlite3_column_int(q, c + 6) != 0;
	u->created = sqlite3_column_int64(q, c + 7);
	u->email_verified = sqlite3_column_int(q, c + 8) != 0;
}

int store_user_add(struct store *st, struct user *u, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "INSERT INTO users(name, email, fullname, pwhash, admin, disabled, created, email_verified) "
				  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
				  err);
	if (!q)
		return -1;
	if (!u->created)
		u->created = time_now_ms();
	bind_text(q, 1, u->name);
	bind_text(q, 2, u->email);
	bind_text(q, 3, u->fullname);
	bind_text(q, 4, u->pwhash);
	sqlite3_bind_int(q, 5, u->admin);
	sqlite3_bind_int(q, 6, u->disabled);
	sqlite3_bind_int64(q, 7, u->created);
	sqlite3_bind_int(q, 8, u->email_verified);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return 1;
	if (rc != SQLITE_DONE)
		return sq_db_error(s, err, "adding a user");
	u->id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_user_get(struct store *st, int64_t id, const char *name, struct user *u, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = name ? sq_prep(s, "SELECT " USER_COLS " FROM users WHERE name = ?1", err)
			       : sq_prep(s, "SELECT " USER_COLS " FROM users WHERE id = ?1", err);
	if (!q)
		return -1;
	if (name)
		bind_text(q, 1, name);
	else
		sqlite3_bind_int64(q, 1, id);
	int rc = step_row(s, q, err, "reading a user");
	if (rc)
		return rc;
	row_to_user(q, 0, u);
	sqlite3_reset(q);
	return 0;
}

int store_user_find(struct store *st, const char *login, struct user *u, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT " USER_COLS " FROM users WHERE name = ?1 OR email = ?1 "
				  "ORDER BY name = ?1 DESC, email_verified DESC, id LIMIT 1",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, login);
	int rc = step_row(s, q, err, "finding a user");
	if (rc)
		return rc;
	row_to_user(q, 0, u);
	sqlite3_reset(q);
	return 0;
}

struct verify_ctx {
	int64_t user_id;
	const char *email;
};

static int verify_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	struct verify_ctx *v = ctx;
	sqlite3_stmt *q = sq_prep(s, "SELECT id FROM users WHERE email = ?1 AND email_verified = 1", err);
	if (!q)
		return -1;
	bind_text(q, 1, v->email);
	int rc = step_row(s, q, err, "reading verified addresses");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		int64_t owner = sqlite3_column_int64(q, 0);
		sqlite3_reset(q);
		return owner == v->user_id ? 0 : 2;
	}
	if (!(q = sq_prep(s, "UPDATE users SET email_verified = 1 WHERE id = ?1 AND email = ?2", err)))
		return -1;
	sqlite3_bind_int64(q, 1, v->user_id);
	bind_text(q, 2, v->email);
	if (sq_step_done(s, q, err, "verifying an address"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

int store_user_verify_email(struct store *st, int64_t user_id, const char *email, struct buf *err)
{
	struct verify_ctx v = { user_id, email };
	return in_tx(S(st), verify_tx, &v, err);
}

static int user_update_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	const struct user *u = ctx;
	sqlite3_stmt *q = sq_prep(s, "UPDATE users SET fullname = ?2, pwhash = ?3, admin = ?4, disabled = ?5 "
				     "WHERE id = ?1",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, u->id);
	bind_text(q, 2, u->fullname);
	bind_text(q, 3, u->pwhash);
	sqlite3_bind_int(q, 4, u->admin);
	sqlite3_bind_int(q, 5, u->disabled);
	if (sq_step_done(s, q, err, "updating a user"))
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	if (u->disabled) {
		if (!(q = sq_prep(s, "DELETE FROM sessions WHERE user_id = ?1", err)))
			return -1;
		sqlite3_bind_int64(q, 1, u->id);
		return sq_step_done(s, q, err, "ending sessions");
	}
	return 0;
}

int store_user_update(struct store *st, const struct user *u, struct buf *err)
{
	return in_tx(S(st), user_update_tx, (void *)u, err);
}

/* ---- sessions and API tokens --------------------------------------------- */

int store_session_add(struct store *st, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires,
		      struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO sessions(hash, user_id, expires) VALUES(?1, ?2, ?3)", err);
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, user_id);
	sqlite3_bind_int64(q, 3, expires);
	return sq_step_done(s, q, err, "starting a session");
}

int store_session_get(struct store *st, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		      struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT " USER_COLS_U " FROM sessions s JOIN users u ON u.id = s.user_id "
				  "WHERE s.hash = ?1 AND s.expires > ?2 AND u.disabled = 0",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	int rc = step_row(s, q, err, "reading a session");
	if (rc)
		return rc;
	row_to_user(q, 0, u);
	sqlite3_reset(q);
	return 0;
}

int store_session_del(struct store *st, const uint8_t hash[TOKEN_HASH_BYTES], struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM sessions WHERE hash = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_BYTES, SQLITE_STATIC);
	return sq_step_done(s, q, err, "ending a session");
}

int store_token_add(struct store *st, int64_t user_id, const uint8_t hash[TOKEN_HASH_BYTES], const char *label,
		    pb_time now, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO api_tokens(hash, user_id, label, created) VALUES(?1, ?2, ?3, ?4)",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, user_id);
	bind_text(q, 3, label);
	sqlite3_bind_int64(q, 4, now);
	return sq_step_done(s, q, err, "adding a token");
}

int store_token_user(struct store *st, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		     struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT t.id, " USER_COLS_U " FROM api_tokens t JOIN users u ON u.id = t.user_id "
				  "WHERE t.hash = ?1 AND u.disabled = 0",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_blob(q, 1, hash, TOKEN_HASH_BYTES, SQLITE_STATIC);
	int rc = step_row(s, q, err, "reading a token");
	if (rc)
		return rc;
	int64_t tid = sqlite3_column_int64(q, 0);
	row_to_user(q, 1, u);
	sqlite3_reset(q);
	if (!(q = sq_prep(s, "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1", err)))
		return -1;
	sqlite3_bind_int64(q, 1, tid);
	sqlite3_bind_int64(q, 2, now);
	return sq_step_done(s, q, err, "noting a token's use");
}

int store_token_list(struct store *st, int64_t user_id, int (*fn)(const struct api_token *, void *), void *ctx,
		     struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT id, label, created, last_used FROM api_tokens WHERE user_id = ?1 "
				     "ORDER BY id",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, user_id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct api_token t = { 0 };
		t.id = sqlite3_column_int64(q, 0);
		copy_col(q, 1, t.label, sizeof(t.label));
		t.created = sqlite3_column_int64(q, 2);
		t.last_used = sqlite3_column_int64(q, 3);
		if (fn(&t, ctx))
			break;
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "listing tokens");
}

int store_token_del(struct store *st, int64_t user_id, int64_t token_id, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM api_tokens WHERE id = ?1 AND user_id = ?2", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, token_id);
	sqlite3_bind_int64(q, 2, user_id);
	if (sq_step_done(s, q, err, "deleting a token"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

/* ---- votes --------------------------------------------------------------- */

struct vote_ctx {
	int64_t user_id;
	const char *paper;
	pb_time now;
	bool *voted;
	int *upvotes;
};

static int vote_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	struct vote_ctx *v = ctx;
	int rc = paper_visible(s, v->paper, err);
	if (rc)
		return rc;
	sqlite3_stmt *q;
	if (!(q = sq_prep(s, "INSERT INTO votes(paper, user_id, at) VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING", err)))
		return -1;
	bind_text(q, 1, v->paper);
	sqlite3_bind_int64(q, 2, v->user_id);
	sqlite3_bind_int64(q, 3, v->now);
	if (sq_step_done(s, q, err, "voting"))
		return -1;
	*v->voted = sqlite3_changes(s->db) == 1;
	if (!*v->voted) {
		if (!(q = sq_prep(s, "DELETE FROM votes WHERE paper = ?1 AND user_id = ?2", err)))
			return -1;
		bind_text(q, 1, v->paper);
		sqlite3_bind_int64(q, 2, v->user_id);
		if (sq_step_done(s, q, err, "taking a vote back"))
			return -1;
	}
	if (!(q = sq_prep(s, "UPDATE papers SET local_votes = local_votes + ?2 WHERE id = ?1 "
			     "RETURNING max(upvotes, 0) + local_votes",
			  err)))
		return -1;
	bind_text(q, 1, v->paper);
	sqlite3_bind_int(q, 2, *v->voted ? 1 : -1);
	if ((rc = step_row(s, q, err, "counting votes")))
		return rc < 0 ? -1 : sq_db_error(s, err, "counting votes");
	*v->upvotes = sqlite3_column_int(q, 0);
	sqlite3_reset(q);
	return 0;
}

int store_vote_toggle(struct store *st, int64_t user_id, const char *paper, pb_time now, bool *voted,
		      int *upvotes, struct buf *err)
{
	struct vote_ctx v = { user_id, paper, now, voted, upvotes };
	return in_tx(S(st), vote_tx, &v, err);
}

int store_vote_get(struct store *st, int64_t user_id, const char *paper, bool *voted, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT 1 FROM votes WHERE paper = ?1 AND user_id = ?2", err);
	if (!q)
		return -1;
	bind_text(q, 1, paper);
	sqlite3_bind_int64(q, 2, user_id);
	int rc = step_row(s, q, err, "reading a vote");
	if (rc < 0)
		return -1;
	*voted = rc == 0;
	sqlite3_reset(q);
	return 0;
}

int store_vote_days(struct store *st, const char *paper, int (*fn)(const char *, int, void *), void *ctx,
		    struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT date(at / 1000, 'unixepoch') AS day, count(*) FROM votes WHERE paper = ?1 "
				  "GROUP BY day ORDER BY day",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, paper);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1), ctx))
			break;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "reading votes");
}

int store_user_votes(struct store *st, int64_t user_id, size_t limit, int (*fn)(const struct paper *, void *),
		     void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT p.docid, " PAPER_SELECT_COLS " FROM votes v JOIN papers p ON p.id = v.paper "
				  "WHERE v.user_id = ?1 AND p.hidden = 0 ORDER BY v.at DESC LIMIT ?2",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_int64(q, 2, (int64_t)limit);
	return sq_each_row(s, q, fn, ctx, err, "listing votes");
}

int store_day_counts(struct store *st, const char *from, const char *to,
		     int (*fn)(const char *, int, int, void *), void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	bool f;
	if (sq_feed_featured(s, &f, err))
		return -1;
	sqlite3_stmt *q = f ? sq_prep(s,
				      "SELECT hf_day, count(*), sum(max(upvotes, 0) + local_votes) FROM papers "
				      "WHERE hf_day >= ?1 AND hf_day < ?2 AND hf_day <> '' AND hidden = 0 GROUP BY hf_day "
				      "ORDER BY hf_day",
				      err)
			    : sq_prep(s,
				      "SELECT feed_day, count(*), sum(max(upvotes, 0) + local_votes) FROM papers "
				      "WHERE feed_day >= ?1 AND feed_day < ?2 AND hidden = 0 GROUP BY feed_day "
				      "ORDER BY feed_day",
				      err);
	if (!q)
		return -1;
	bind_text(q, 1, from);
	bind_text(q, 2, to);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1), sqlite3_column_int(q, 2),
		       ctx))
			break;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "counting papers per day");
}

int store_recent_days(struct store *st, size_t limit, int (*fn)(const char *, int, void *), void *ctx,
		      struct buf *err)
{
	struct store_sqlite *s = S(st);
	bool f;
	if (sq_feed_featured(s, &f, err))
		return -1;
	/* streamed from the day index, newest first: stops after `limit` days */
	sqlite3_stmt *q = f ? sq_prep(s,
				      "SELECT hf_day, count(*) FROM papers WHERE hf_day <> '' AND hidden = 0 "
				      "GROUP BY hf_day ORDER BY hf_day DESC LIMIT ?1",
				      err)
			    : sq_prep(s,
				      "SELECT feed_day, count(*) FROM papers WHERE feed_day <> '' AND hidden = 0 "
				      "GROUP BY feed_day ORDER BY feed_day DESC LIMIT ?1",
				      err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, (int64_t)limit);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1), ctx))
			break;
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "reading the recent days");
}

int store_next_day(struct store *st, const char *after, char out[16], struct buf *err)
{
	struct store_sqlite *s = S(st);
	bool f;
	if (sq_feed_featured(s, &f, err))
		return -1;
	sqlite3_stmt *q = f ? sq_prep(s, "SELECT hf_day FROM papers WHERE hf_day > ?1 AND hf_day <> '' AND hidden = 0 "
					 "ORDER BY hf_day LIMIT 1",
				      err)
			    : sq_prep(s, "SELECT feed_day FROM papers WHERE feed_day > ?1 AND hidden = 0 ORDER BY feed_day LIMIT 1",
				      err);
	if (!q)
		return -1;
	bind_text(q, 1, after);
	out[0] = '\0';
	int rc = step_row(s, q, err, "finding the next day");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		copy_col(q, 0, out, 16);
		sqlite3_reset(q);
	}
	return 0;
}

int store_paper_hide(struct store *st, const char *id, bool hidden, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "UPDATE papers SET hidden = ?2 WHERE id = ?1", err);
	if (!q)
		return -1;
	bind_text(q, 1, id);
	sqlite3_bind_int(q, 2, hidden);
	if (sq_step_done(s, q, err, "hiding a paper"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

/* ---- comments ------------------------------------------------------------ */

void comment_release(struct comment *c)
{
	free(c->body);
	c->body = NULL;
}

#define COMMENT_COLS "c.id, c.parent, c.user_id, c.paper, u.name, c.body, c.created, c.edited, c.deleted, c.hidden"

static void row_to_comment(sqlite3_stmt *q, struct comment *c)
{
	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(q, 0);
	c->parent = sqlite3_column_int64(q, 1);
	c->user_id = sqlite3_column_int64(q, 2);
	copy_col(q, 3, c->paper, sizeof(c->paper));
	copy_col(q, 4, c->user, sizeof(c->user));
	c->body = sq_col_str(q, 5);
	if (!c->body)
		c->body = xstrdup("");
	c->created = sqlite3_column_int64(q, 6);
	c->edited = sqlite3_column_int64(q, 7);
	c->deleted = sqlite3_column_int(q, 8) != 0;
	c->hidden = sqlite3_column_int(q, 9) != 0;
}

static int comment_add_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	struct comment *c = ctx;
	int rc = paper_visible(s, c->paper, err);
	if (rc)
		return rc;
	sqlite3_stmt *q;
	if (c->parent) {
		/* one level of replies: the parent is a top-level comment here */
		if (!(q = sq_prep(s, "SELECT 1 FROM comments WHERE id = ?1 AND paper = ?2 AND parent IS NULL", err)))
			return -1;
		sqlite3_bind_int64(q, 1, c->parent);
		bind_text(q, 2, c->paper);
		if ((rc = step_row(s, q, err, "reading a comment")))
			return rc;
		sqlite3_reset(q);
	}
	if (!(q = sq_prep(s, "INSERT INTO comments(paper, user_id, parent, body, created) VALUES(?1, ?2, ?3, ?4, ?5)",
			  err)))
		return -1;
	bind_text(q, 1, c->paper);
	sqlite3_bind_int64(q, 2, c->user_id);
	if (c->parent)
		sqlite3_bind_int64(q, 3, c->parent);
	bind_text(q, 4, c->body);
	sqlite3_bind_int64(q, 5, c->created);
	if (sq_step_done(s, q, err, "adding a comment"))
		return -1;
	c->id = sqlite3_last_insert_rowid(s->db);
	if (!(q = sq_prep(s, "UPDATE papers SET local_comments = local_comments + 1 WHERE id = ?1", err)))
		return -1;
	bind_text(q, 1, c->paper);
	return sq_step_done(s, q, err, "counting comments");
}

int store_comment_add(struct store *st, struct comment *c, struct buf *err)
{
	if (!c->created)
		c->created = time_now_ms();
	return in_tx(S(st), comment_add_tx, c, err);
}

int store_comment_get(struct store *st, int64_t id, struct comment *c, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT " COMMENT_COLS " FROM comments c JOIN users u ON u.id = c.user_id "
				     "WHERE c.id = ?1",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	int rc = step_row(s, q, err, "reading a comment");
	if (rc)
		return rc;
	row_to_comment(q, c);
	sqlite3_reset(q);
	return 0;
}

int store_comment_edit(struct store *st, int64_t id, const char *body, pb_time now, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "UPDATE comments SET body = ?2, edited = ?3 WHERE id = ?1 AND deleted = 0", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, body);
	sqlite3_bind_int64(q, 3, now);
	if (sq_step_done(s, q, err, "editing a comment"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

static int comment_del_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	int64_t id = *(int64_t *)ctx;
	sqlite3_stmt *q = sq_prep(s, "UPDATE comments SET body = '', deleted = 1 WHERE id = ?1 AND deleted = 0 "
				     "RETURNING paper, hidden",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	int rc = step_row(s, q, err, "deleting a comment");
	if (rc)
		return rc;
	char paper[PAPER_ID_MAX];
	copy_col(q, 0, paper, sizeof(paper));
	bool was_hidden = sqlite3_column_int(q, 1) != 0;
	sqlite3_reset(q);
	if (was_hidden) /* not counted since it was hidden */
		return 0;
	if (!(q = sq_prep(s, "UPDATE papers SET local_comments = max(local_comments - 1, 0) WHERE id = ?1", err)))
		return -1;
	bind_text(q, 1, paper);
	return sq_step_done(s, q, err, "counting comments");
}

int store_comment_delete(struct store *st, int64_t id, struct buf *err)
{
	return in_tx(S(st), comment_del_tx, &id, err);
}

struct hide_ctx {
	int64_t id;
	bool hidden;
};

static int comment_hide_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	struct hide_ctx *h = ctx;
	sqlite3_stmt *q = sq_prep(s, "SELECT paper, hidden, deleted FROM comments WHERE id = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, h->id);
	int rc = step_row(s, q, err, "reading a comment");
	if (rc)
		return rc;
	char paper[PAPER_ID_MAX];
	copy_col(q, 0, paper, sizeof(paper));
	bool was = sqlite3_column_int(q, 1) != 0, deleted = sqlite3_column_int(q, 2) != 0;
	sqlite3_reset(q);
	if (was == h->hidden)
		return 0;
	if (!(q = sq_prep(s, "UPDATE comments SET hidden = ?2 WHERE id = ?1", err)))
		return -1;
	sqlite3_bind_int64(q, 1, h->id);
	sqlite3_bind_int(q, 2, h->hidden);
	if (sq_step_done(s, q, err, "hiding a comment"))
		return -1;
	if (deleted) /* counted out when deleted */
		return 0;
	/* the count is of the comments everyone sees */
	if (!(q = sq_prep(s, "UPDATE papers SET local_comments = max(local_comments + ?2, 0) WHERE id = ?1", err)))
		return -1;
	bind_text(q, 1, paper);
	sqlite3_bind_int(q, 2, h->hidden ? -1 : 1);
	return sq_step_done(s, q, err, "counting comments");
}

int store_comment_hide(struct store *st, int64_t id, bool hidden, struct buf *err)
{
	struct hide_ctx h = { id, hidden };
	return in_tx(S(st), comment_hide_tx, &h, err);
}

int store_comment_list(struct store *st, const char *paper, int (*fn)(const struct comment *, void *), void *ctx,
		       struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT " COMMENT_COLS " FROM comments c JOIN users u ON u.id = c.user_id "
				     "WHERE c.paper = ?1 ORDER BY coalesce(c.parent, c.id), c.id",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, paper);
	int rc;
	struct comment c;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row_to_comment(q, &c);
		int stop = fn(&c, ctx);
		comment_release(&c);
		if (stop)
			break;
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "listing comments");
}

/* ---- subscriptions ------------------------------------------------------- */

void subscription_release(struct subscription *sub)
{
	free(sub->topics);
	free(sub->pending_topics);
	sub->topics = sub->pending_topics = NULL;
}

#define SUB_COLS \
	"id, coalesce(user_id, 0), email, period, topics, status, created, confirmed_at, failures, " \
	"coalesce(pending_period, ''), pending_topics"

static void row_to_sub(sqlite3_stmt *q, struct subscription *sub)
{
	memset(sub, 0, sizeof(*sub));
	sub->id = sqlite3_column_int64(q, 0);
	sub->user_id = sqlite3_column_int64(q, 1);
	copy_col(q, 2, sub->email, sizeof(sub->email));
	copy_col(q, 3, sub->period, sizeof(sub->period));
	sub->topics = sq_col_str(q, 4);
	if (!sub->topics)
		sub->topics = xstrdup("");
	copy_col(q, 5, sub->status, sizeof(sub->status));
	sub->created = sqlite3_column_int64(q, 6);
	sub->confirmed_at = sqlite3_column_int64(q, 7);
	sub->failures = sqlite3_column_int(q, 8);
	copy_col(q, 9, sub->pending_period, sizeof(sub->pending_period));
	sub->pending_topics = sq_col_str(q, 10);
}

struct sub_upsert {
	struct subscription *sub;
	bool *created;
	bool propose; /* an existing row only holds the change as pending */
};

static int sub_upsert_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	struct sub_upsert *u = ctx;
	struct subscription *sub = u->sub;
	sqlite3_stmt *q = sq_prep(s, "SELECT id, status FROM subscriptions WHERE email = ?1", err);
	if (!q)
		return -1;
	bind_text(q, 1, sub->email);
	int rc = step_row(s, q, err, "reading a subscription");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sub->id = sqlite3_column_int64(q, 0);
		copy_col(q, 1, sub->status, sizeof(sub->status));
		sqlite3_reset(q);
		*u->created = false;
		if (u->propose) {
			if (!(q = sq_prep(s, "UPDATE subscriptions SET pending_period = ?2, pending_topics = ?3 WHERE id = ?1",
					  err)))
				return -1;
			sqlite3_bind_int64(q, 1, sub->id);
			bind_text(q, 2, sub->period);
			bind_text(q, 3, sub->topics ? sub->topics : "");
			return sq_step_done(s, q, err, "holding a subscription change");
		}
		if (!strcmp(sub->status, "cancelled"))
			snprintf(sub->status, sizeof(sub->status), "pending");
		if (!(q = sq_prep(s, "UPDATE subscriptions SET period = ?2, topics = ?3, status = ?4, "
				     "user_id = coalesce(?5, user_id) WHERE id = ?1",
				  err)))
			return -1;
		sqlite3_bind_int64(q, 1, sub->id);
		bind_text(q, 2, sub->period);
		bind_text(q, 3, sub->topics ? sub->topics : "");
		bind_text(q, 4, sub->status);
		if (sub->user_id)
			sqlite3_bind_int64(q, 5, sub->user_id);
		return sq_step_done(s, q, err, "updating a subscription");
	}
	if (!(q = sq_prep(s, "INSERT INTO subscriptions(email, period, topics, user_id, status, created) "
			     "VALUES(?1, ?2, ?3, ?4, 'pending', ?5)",
			  err)))
		return -1;
	bind_text(q, 1, sub->email);
	bind_text(q, 2, sub->period);
	bind_text(q, 3, sub->topics ? sub->topics : "");
	if (sub->user_id)
		sqlite3_bind_int64(q, 4, sub->user_id);
	sqlite3_bind_int64(q, 5, sub->created ? sub->created : time_now_ms());
	if (sq_step_done(s, q, err, "adding a subscription"))
		return -1;
	sub->id = sqlite3_last_insert_rowid(s->db);
	snprintf(sub->status, sizeof(sub->status), "pending");
	*u->created = true;
	return 0;
}

int store_sub_upsert(struct store *st, struct subscription *sub, bool *created, struct buf *err)
{
	struct sub_upsert u = { sub, created, false };
	return in_tx(S(st), sub_upsert_tx, &u, err);
}

int store_sub_propose(struct store *st, struct subscription *sub, bool *created, struct buf *err)
{
	struct sub_upsert u = { sub, created, true };
	return in_tx(S(st), sub_upsert_tx, &u, err);
}

int store_sub_confirm(struct store *st, int64_t id, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "UPDATE subscriptions SET period = coalesce(pending_period, period), "
				  "topics = coalesce(pending_topics, topics), pending_period = NULL, pending_topics = NULL, "
				  "status = 'active', failures = 0, "
				  "confirmed_at = CASE WHEN confirmed_at = 0 THEN ?2 ELSE confirmed_at END WHERE id = ?1",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, time_now_ms());
	if (sq_step_done(s, q, err, "confirming a subscription"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

int store_sub_get(struct store *st, int64_t id, const char *email, struct subscription *sub, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = email ? sq_prep(s, "SELECT " SUB_COLS " FROM subscriptions WHERE email = ?1", err)
				: sq_prep(s, "SELECT " SUB_COLS " FROM subscriptions WHERE id = ?1", err);
	if (!q)
		return -1;
	if (email)
		bind_text(q, 1, email);
	else
		sqlite3_bind_int64(q, 1, id);
	int rc = step_row(s, q, err, "reading a subscription");
	if (rc)
		return rc;
	row_to_sub(q, sub);
	sqlite3_reset(q);
	return 0;
}

int store_sub_set_status(struct store *st, int64_t id, const char *status, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "UPDATE subscriptions SET status = ?2, failures = 0, confirmed_at = "
				  "CASE WHEN ?2 = 'active' AND confirmed_at = 0 THEN ?3 ELSE confirmed_at END WHERE id = ?1",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, status);
	sqlite3_bind_int64(q, 3, time_now_ms());
	if (sq_step_done(s, q, err, "changing a subscription"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

static int each_sub(struct store_sqlite *s, sqlite3_stmt *q, int (*fn)(const struct subscription *, void *),
		    void *ctx, struct buf *err)
{
	int rc;
	struct subscription sub;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row_to_sub(q, &sub);
		int stop = fn(&sub, ctx);
		subscription_release(&sub);
		if (stop)
			break;
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "listing subscriptions");
}

int store_sub_list(struct store *st, const char *period, int (*fn)(const struct subscription *, void *), void *ctx,
		   struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT " SUB_COLS " FROM subscriptions WHERE period = ?1 AND status = 'active' "
				     "ORDER BY id",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, period);
	return each_sub(s, q, fn, ctx, err);
}

int store_sub_list_email(struct store *st, const char *email, int (*fn)(const struct subscription *, void *),
			 void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT " SUB_COLS " FROM subscriptions WHERE email = ?1 ORDER BY id", err);
	if (!q)
		return -1;
	bind_text(q, 1, email);
	return each_sub(s, q, fn, ctx, err);
}

int store_sub_delivery(struct store *st, int64_t id, bool ok, int pause_after, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = ok ? sq_prep(s, "UPDATE subscriptions SET failures = 0 WHERE id = ?1", err)
			     : sq_prep(s,
				       "UPDATE subscriptions SET failures = failures + 1, status = CASE WHEN "
				       "failures + 1 >= ?2 AND status = 'active' THEN 'paused' ELSE status END WHERE id = ?1",
				       err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	if (!ok)
		sqlite3_bind_int(q, 2, pause_after);
	return sq_step_done(s, q, err, "counting a delivery");
}

/* ---- the outbox ---------------------------------------------------------- */

void outbox_msg_release(struct outbox_msg *m)
{
	free(m->data);
	free(m->last_error);
	m->data = m->last_error = NULL;
}

struct outbox_add {
	const struct outbox_msg *m;
	const struct strlist *papers;
};

static int outbox_add_tx(struct store_sqlite *s, void *ctx, struct buf *err)
{
	struct outbox_add *a = ctx;
	const struct outbox_msg *m = a->m;
	sqlite3_stmt *q = sq_prep(s,
				  "INSERT INTO outbox(sub_id, kind, period_key, message_id, rcpt, data, created, user_id) "
				  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(sub_id, period_key) DO NOTHING",
				  err);
	if (!q)
		return -1;
	if (m->sub_id)
		sqlite3_bind_int64(q, 1, m->sub_id);
	if (m->user_id)
		sqlite3_bind_int64(q, 8, m->user_id);
	bind_text(q, 2, m->kind);
	bind_text(q, 3, m->period_key);
	bind_text(q, 4, m->message_id);
	bind_text(q, 5, m->rcpt);
	sqlite3_bind_blob(q, 6, m->data, (int)m->len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, m->created ? m->created : time_now_ms());
	if (sq_step_done(s, q, err, "queueing a message"))
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 1;
	for (size_t i = 0; a->papers && i < a->papers->n; i++) {
		if (!(q = sq_prep(s, "INSERT INTO sent_papers(sub_id, paper) VALUES(?1, ?2) ON CONFLICT DO NOTHING", err)))
			return -1;
		sqlite3_bind_int64(q, 1, m->sub_id);
		bind_text(q, 2, a->papers->v[i]);
		if (sq_step_done(s, q, err, "recording a sent paper"))
			return -1;
	}
	return 0;
}

int store_outbox_add(struct store *st, const struct outbox_msg *m, const struct strlist *papers, struct buf *err)
{
	struct outbox_add a = { m, papers };
	return in_tx(S(st), outbox_add_tx, &a, err);
}

int store_outbox_has(struct store *st, int64_t sub_id, const char *period_key, bool *has, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT 1 FROM outbox WHERE sub_id = ?1 AND period_key = ?2", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sub_id);
	bind_text(q, 2, period_key);
	int rc = step_row(s, q, err, "reading the outbox");
	if (rc < 0)
		return -1;
	*has = rc == 0;
	sqlite3_reset(q);
	return 0;
}

int store_sent_has(struct store *st, int64_t sub_id, const char *paper, bool *has, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT 1 FROM sent_papers WHERE sub_id = ?1 AND paper = ?2", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, sub_id);
	bind_text(q, 2, paper);
	int rc = step_row(s, q, err, "reading sent papers");
	if (rc < 0)
		return -1;
	*has = rc == 0;
	sqlite3_reset(q);
	return 0;
}

int store_outbox_due(struct store *st, pb_time now, int64_t after_id, size_t limit,
		     int (*fn)(const struct outbox_msg *, void *), void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT id, coalesce(sub_id, 0), kind, period_key, message_id, rcpt, data, state, attempts, "
				  "next_try, created, sent_at, last_error, coalesce(user_id, 0) FROM outbox WHERE id > ?3 AND ((state = 'queued' AND "
				  "next_try <= ?1) OR state = 'sending') ORDER BY id LIMIT ?2",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, now);
	sqlite3_bind_int64(q, 2, (int64_t)limit);
	sqlite3_bind_int64(q, 3, after_id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct outbox_msg m;
		memset(&m, 0, sizeof(m));
		m.id = sqlite3_column_int64(q, 0);
		m.sub_id = sqlite3_column_int64(q, 1);
		copy_col(q, 2, m.kind, sizeof(m.kind));
		copy_col(q, 3, m.period_key, sizeof(m.period_key));
		copy_col(q, 4, m.message_id, sizeof(m.message_id));
		copy_col(q, 5, m.rcpt, sizeof(m.rcpt));
		m.len = (size_t)sqlite3_column_bytes(q, 6);
		m.data = xmalloc(m.len + 1);
		if (m.len)
			memcpy(m.data, sqlite3_column_blob(q, 6), m.len);
		m.data[m.len] = '\0';
		copy_col(q, 7, m.state, sizeof(m.state));
		m.attempts = sqlite3_column_int(q, 8);
		m.next_try = sqlite3_column_int64(q, 9);
		m.created = sqlite3_column_int64(q, 10);
		m.sent_at = sqlite3_column_int64(q, 11);
		m.last_error = sq_col_str(q, 12);
		m.user_id = sqlite3_column_int64(q, 13);
		int stop = fn(&m, ctx);
		outbox_msg_release(&m);
		if (stop)
			break;
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "reading the outbox");
}

int store_outbox_claim(struct store *st, int64_t id, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	return sq_step_done(s, q, err, "claiming a message");
}

int store_outbox_settle(struct store *st, int64_t id, const char *state, pb_time next_try, const char *error,
			pb_time now, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "UPDATE outbox SET state = ?2, next_try = ?3, last_error = ?4, "
				  "sent_at = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent_at END WHERE id = ?1",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, state);
	sqlite3_bind_int64(q, 3, next_try);
	if (error)
		bind_text(q, 4, error);
	sqlite3_bind_int64(q, 5, now);
	return sq_step_done(s, q, err, "recording a delivery");
}

int store_outbox_counts(struct store *st, int64_t counts[4], struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s,
				  "SELECT sum(state = 'queued'), sum(state = 'sending'), sum(state = 'sent'), "
				  "sum(state = 'failed') FROM outbox",
				  err);
	if (!q)
		return -1;
	int rc = step_row(s, q, err, "counting the outbox");
	if (rc < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		counts[i] = rc == 0 ? sqlite3_column_int64(q, i) : 0;
	if (rc == 0)
		sqlite3_reset(q);
	return 0;
}

/* ---- limits ---------------------------------------------------------------- */

int store_limit_hit(struct store *st, const char *key, pb_time now, pb_time quiet_ms, int free_n, pb_time base_ms,
		    pb_time max_ms, struct store_limit *out, struct buf *err)
{
	struct store_sqlite *s = S(st);
	/* one statement: atomic whatever the number of processes. The block
	 * doubles per event past free_n: base << min(count - free_n, 30),
	 * capped at max (the shift is bounded so it cannot overflow). */
	sqlite3_stmt *q = sq_prep(s,
				  "INSERT INTO limits(key, count, last, blocked_until) VALUES(?1, 1, ?2, "
				  "  CASE WHEN ?4 <= 1 THEN ?2 + ?5 ELSE 0 END) "
				  "ON CONFLICT(key) DO UPDATE SET "
				  "  count = CASE WHEN ?2 - last > ?3 THEN 1 ELSE count + 1 END, last = ?2, "
				  "  blocked_until = CASE WHEN (CASE WHEN ?2 - last > ?3 THEN 1 ELSE count + 1 END) >= ?4 "
				  "    THEN ?2 + min(?6, ?5 << min((CASE WHEN ?2 - last > ?3 THEN 1 ELSE count + 1 END) - ?4, 30)) "
				  "    ELSE 0 END "
				  "RETURNING count, last, blocked_until",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, key);
	sqlite3_bind_int64(q, 2, now);
	sqlite3_bind_int64(q, 3, quiet_ms);
	sqlite3_bind_int(q, 4, free_n);
	sqlite3_bind_int64(q, 5, base_ms);
	sqlite3_bind_int64(q, 6, max_ms);
	int rc = step_row(s, q, err, "counting an event");
	if (rc)
		return rc < 0 ? -1 : sq_db_error(s, err, "counting an event");
	out->count = sqlite3_column_int64(q, 0);
	out->last = sqlite3_column_int64(q, 1);
	out->blocked_until = sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	return 0;
}

int store_limit_get(struct store *st, const char *key, struct store_limit *out, struct buf *err)
{
	struct store_sqlite *s = S(st);
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *q = sq_prep(s, "SELECT count, last, blocked_until FROM limits WHERE key = ?1", err);
	if (!q)
		return -1;
	bind_text(q, 1, key);
	int rc = step_row(s, q, err, "reading a limit");
	if (rc)
		return rc < 0 ? -1 : 0;
	out->count = sqlite3_column_int64(q, 0);
	out->last = sqlite3_column_int64(q, 1);
	out->blocked_until = sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	return 0;
}

int store_limit_clear(struct store *st, const char *key, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM limits WHERE key = ?1", err);
	if (!q)
		return -1;
	bind_text(q, 1, key);
	return sq_step_done(s, q, err, "clearing a limit");
}

int store_limit_prune(struct store *st, pb_time before, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM limits WHERE last < ?1 AND blocked_until < ?1", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, before);
	return sq_step_done(s, q, err, "pruning limits");
}

/* ---- leases ---------------------------------------------------------------- */

int store_lease_take(struct store *st, const char *name, const char *owner, pb_time now, pb_time ttl_ms,
		     const char *steal, char *holder, struct buf *err)
{
	struct store_sqlite *s = S(st);
	/* one statement: taken only when free, expired, ours, or the named
	 * dead holder's; RETURNING yields a row only when it was written */
	sqlite3_stmt *q = sq_prep(s,
				  "INSERT INTO leases(name, owner, expires) VALUES(?1, ?2, ?3 + ?4) "
				  "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires "
				  "WHERE leases.expires <= ?3 OR leases.owner = ?2 OR leases.owner = ?5 RETURNING owner",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, name);
	bind_text(q, 2, owner);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, ttl_ms);
	if (steal)
		bind_text(q, 5, steal);
	int rc = step_row(s, q, err, "taking a lease");
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sqlite3_reset(q);
		return 0;
	}
	if (holder) {
		pb_time exp;
		if (store_lease_get(st, name, holder, &exp, err) < 0)
			return -1;
	}
	return 1;
}

int store_lease_renew(struct store *st, const char *name, const char *owner, pb_time now, pb_time ttl_ms,
		      struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "UPDATE leases SET expires = ?3 + ?4 WHERE name = ?1 AND owner = ?2", err);
	if (!q)
		return -1;
	bind_text(q, 1, name);
	bind_text(q, 2, owner);
	sqlite3_bind_int64(q, 3, now);
	sqlite3_bind_int64(q, 4, ttl_ms);
	if (sq_step_done(s, q, err, "renewing a lease"))
		return -1;
	return sqlite3_changes(s->db) ? 0 : 1;
}

int store_lease_release(struct store *st, const char *name, const char *owner, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "DELETE FROM leases WHERE name = ?1 AND owner = ?2", err);
	if (!q)
		return -1;
	bind_text(q, 1, name);
	bind_text(q, 2, owner);
	return sq_step_done(s, q, err, "releasing a lease");
}

int store_lease_get(struct store *st, const char *name, char holder[128], pb_time *expires, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT owner, expires FROM leases WHERE name = ?1", err);
	if (!q)
		return -1;
	bind_text(q, 1, name);
	holder[0] = '\0';
	*expires = 0;
	int rc = step_row(s, q, err, "reading a lease");
	if (rc)
		return rc;
	copy_col(q, 0, holder, 128);
	*expires = sqlite3_column_int64(q, 1);
	sqlite3_reset(q);
	return 0;
}

/* ---- submissions ------------------------------------------------------------- */

int store_submission_add(struct store *st, const char *paper, int64_t user_id, pb_time at, const char *status,
			 int64_t *id, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "INSERT INTO submissions(paper, user_id, at, status) VALUES(?1, ?2, ?3, ?4)", err);
	if (!q)
		return -1;
	bind_text(q, 1, paper);
	sqlite3_bind_int64(q, 2, user_id);
	sqlite3_bind_int64(q, 3, at);
	bind_text(q, 4, status);
	if (sq_step_done(s, q, err, "recording a submission"))
		return -1;
	if (id)
		*id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int store_submission_count(struct store *st, int64_t user_id, pb_time since, int64_t *n, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT count(*) FROM submissions WHERE user_id = ?1 AND at >= ?2", err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_int64(q, 2, since);
	int rc = step_row(s, q, err, "counting submissions");
	if (rc < 0)
		return -1;
	*n = rc == 0 ? sqlite3_column_int64(q, 0) : 0;
	if (rc == 0)
		sqlite3_reset(q);
	return 0;
}

#define SUBMISSION_COLS "s.id, s.user_id, s.paper, u.name, s.at, s.decided_at, s.status"

static void row_to_submission(sqlite3_stmt *q, struct submission *sub)
{
	memset(sub, 0, sizeof(*sub));
	sub->id = sqlite3_column_int64(q, 0);
	sub->user_id = sqlite3_column_int64(q, 1);
	copy_col(q, 2, sub->paper, sizeof(sub->paper));
	copy_col(q, 3, sub->user, sizeof(sub->user));
	sub->at = sqlite3_column_int64(q, 4);
	sub->decided_at = sqlite3_column_int64(q, 5);
	copy_col(q, 6, sub->status, sizeof(sub->status));
}

int store_submission_list(struct store *st, const char *status, size_t limit,
			  int (*fn)(const struct submission *, void *), void *ctx, struct buf *err)
{
	struct store_sqlite *s = S(st);
	sqlite3_stmt *q = sq_prep(s, "SELECT " SUBMISSION_COLS " FROM submissions s JOIN users u ON u.id = s.user_id "
				     "WHERE s.status = ?1 ORDER BY s.at, s.id LIMIT ?2",
				  err);
	if (!q)
		return -1;
	bind_text(q, 1, status);
	sqlite3_bind_int64(q, 2, (int64_t)limit);
	int rc;
	struct submission sub;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		row_to_submission(q, &sub);
		if (fn(&sub, ctx))
			break;
	}
	sqlite3_reset(q);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sq_db_error(s, err, "listing submissions");
}

int store_submission_decide(struct store *st, int64_t id, const char *status, int64_t by, pb_time now,
			    struct submission *sub, struct buf *err)
{
	struct store_sqlite *s = S(st);
	/* one statement: only a pending submission is decided, once */
	sqlite3_stmt *q = sq_prep(s, "UPDATE submissions SET status = ?2, decided_by = ?3, decided_at = ?4 "
				     "WHERE id = ?1 AND status = 'pending' RETURNING id, user_id, paper, "
				     "(SELECT name FROM users WHERE id = user_id), at, decided_at, status",
				  err);
	if (!q)
		return -1;
	sqlite3_bind_int64(q, 1, id);
	bind_text(q, 2, status);
	sqlite3_bind_int64(q, 3, by);
	sqlite3_bind_int64(q, 4, now);
	int rc = step_row(s, q, err, "deciding a submission");
	if (rc)
		return rc;
	row_to_submission(q, sub);
	sqlite3_reset(q);
	return 0;
}
