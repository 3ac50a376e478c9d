/*
 * sql_people.c - the store functions of people and what they do, written
 * once for both backends (sqlx.h): accounts, sessions, API tokens, votes,
 * comments and moderation, submissions, limits, leases, subscriptions and
 * the outbox. Every change of more than one row runs in one transaction
 * (sx_tx), so a vote and the paper's counter never disagree, whatever the
 * number of processes.
 */
#include "sqlx.h"
#include <stddef.h>

/* 0 when paper id is stored and not hidden, 1 when not, -1 on error. */
static int paper_visible(struct store *s, const char *id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT hidden FROM papers WHERE id = $1", err))
		return -1;
	sx_str(&x, 1, id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	bool hidden = sx_cint(&x, 0) != 0;
	sx_reset(&x);
	return hidden ? 1 : 0;
}

/* ---- users ---------------------------------------------------------------- */

#define USER_FIELDS(X)                                                                      \
	X(id, F_I64) X(name, F_CHARS) X(email, F_CHARS) X(fullname, F_CHARS) X(pwhash, F_CHARS) \
	X(admin, F_BOOL) X(disabled, F_BOOL) X(created, F_I64) X(email_verified, F_BOOL)
#define USER_FCOL(n, t) { #n, t, offsetof(struct user, n), sizeof(((struct user *)0)->n) },
static const struct fcol user_cols[] = { USER_FIELDS(USER_FCOL) };
#define USER_NAME(n, t) ", " #n
#define USER_NAMEU(n, t) ", u." #n
/* "id, name, ..." (and with "u." before each) */
#define USER_COLS "0 AS pad" USER_FIELDS(USER_NAME)
#define USER_COLS_U "0 AS pad" USER_FIELDS(USER_NAMEU)

static void row_to_user(struct sx *x, int first, struct user *u)
{
	memset(u, 0, sizeof(*u));
	sx_read(x, first, user_cols, ARRAY_SIZE(user_cols), u);
}

int sql_user_add(struct store *s, struct user *u, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "INSERT INTO users(name, email, fullname, pwhash, admin, disabled, created, email_verified) "
		     "VALUES($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
		     err))
		return -1;
	if (!u->created)
		u->created = time_now_ms();
	sx_str(&x, 1, u->name);
	sx_str(&x, 2, u->email);
	sx_str(&x, 3, u->fullname);
	sx_str(&x, 4, u->pwhash);
	sx_int(&x, 5, u->admin);
	sx_int(&x, 6, u->disabled);
	sx_int(&x, 7, u->created);
	sx_int(&x, 8, u->email_verified);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return sx_taken(s, err);
	if (rc > 0) {
		s->kind = PB_INTERNAL;
		buf_setf(err, "adding a user returned no id");
		return -1;
	}
	u->id = sx_cint(&x, 0);
	sx_reset(&x);
	return 0;
}

int sql_user_get(struct store *s, int64_t id, const char *name, struct user *u, struct buf *err)
{
	struct sx x;
	bool ok = name ? sx_prep(&x, s, "SELECT " USER_COLS " FROM users WHERE lower(name) = lower($1)", err)
		       : sx_prep(&x, s, "SELECT " USER_COLS " FROM users WHERE id = $1", err);
	if (!ok)
		return -1;
	if (name)
		sx_str(&x, 1, name);
	else
		sx_int(&x, 1, id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_user(&x, 1, u);
	sx_reset(&x);
	return 0;
}

int sql_user_find(struct store *s, const char *login, struct user *u, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " USER_COLS " FROM users WHERE lower(name) = lower($1) OR lower(email) = lower($1) "
		     "ORDER BY CASE WHEN lower(name) = lower($1) THEN 0 ELSE 1 END, email_verified DESC, id LIMIT 1",
		     err))
		return -1;
	sx_str(&x, 1, login);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_user(&x, 1, u);
	sx_reset(&x);
	return 0;
}

int sql_user_unverified(struct store *s, size_t limit, int (*fn)(const struct user *, void *), void *ctx,
			struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " USER_COLS " FROM users WHERE email_verified = 0 AND disabled = 0 ORDER BY id LIMIT $1", err))
		return -1;
	sx_int(&x, 1, (int64_t)limit);
	int rc;
	struct user u;
	while ((rc = sx_step(&x, err)) == 1) {
		row_to_user(&x, 1, &u);
		if (fn(&u, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

struct verify_ctx {
	int64_t user_id;
	const char *email;
};

static int verify_tx(struct store *s, void *ctx, struct buf *err)
{
	struct verify_ctx *v = ctx;
	struct sx x;
	if (!sx_prep(&x, s, "SELECT id FROM users WHERE lower(email) = lower($1) AND email_verified = 1", err))
		return -1;
	sx_str(&x, 1, v->email);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		int64_t owner = sx_cint(&x, 0);
		sx_reset(&x);
		return owner == v->user_id ? 0 : 2;
	}
	if (!sx_prep(&x, s, "UPDATE users SET email_verified = 1 WHERE id = $1 AND lower(email) = lower($2)", err))
		return -1;
	sx_int(&x, 1, v->user_id);
	sx_str(&x, 2, v->email);
	rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return sx_taken(s, err) > 0 ? 2 : -1; /* verified elsewhere meanwhile */
	return n ? 0 : 1;
}

int sql_user_verify_email(struct store *s, int64_t user_id, const char *email, struct buf *err)
{
	struct verify_ctx v = { user_id, email };
	return sx_tx(s, verify_tx, &v, err);
}

/* Ends what opens account uid: its sessions and reset links, and with
 * tokens its API tokens too. */
static int end_access(struct store *s, int64_t uid, bool tokens, struct buf *err)
{
	static const char *const end[] = { "DELETE FROM sessions WHERE user_id = $1",
					   "DELETE FROM password_resets WHERE user_id = $1",
					   "DELETE FROM api_tokens WHERE user_id = $1" };
	for (size_t i = 0; i < (tokens ? 3u : 2u); i++) {
		struct sx x;
		if (!sx_prep(&x, s, end[i], err))
			return -1;
		sx_int(&x, 1, uid);
		if (sx_done(&x, err))
			return -1;
	}
	return 0;
}

struct user_flag_set {
	int64_t user_id;
	enum user_flag flag;
	bool on;
};

static int user_flag_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct user_flag_set *f = ctx;
	struct sx x;
	/* one column: a copy of the account read before another change (a
	 * password, the other flag) writes nothing of it back */
	if (!sx_prep(&x, s,
		     f->flag == USER_FLAG_ADMIN ? "UPDATE users SET admin = $2 WHERE id = $1"
						: "UPDATE users SET disabled = $2 WHERE id = $1",
		     err))
		return -1;
	sx_int(&x, 1, f->user_id);
	sx_int(&x, 2, f->on);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (!n)
		return 1;
	return f->flag == USER_FLAG_DISABLED && f->on ? end_access(s, f->user_id, false, err) : 0;
}

int sql_user_flag(struct store *s, int64_t user_id, enum user_flag flag, bool on, struct buf *err)
{
	struct user_flag_set f = { user_id, flag, on };
	return sx_tx(s, user_flag_tx, &f, err);
}

int sql_submitter_known(struct store *s, const char *name, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT 1 FROM papers WHERE lower(submitter) = lower($1) AND submitter IS NOT NULL LIMIT 1",
		     err))
		return -1;
	sx_str(&x, 1, name);
	int rc = sx_row(&x, err);
	if (rc == 0)
		sx_reset(&x);
	return rc;
}

/* ---- sessions and API tokens ------------------------------------------------ */

struct session_add {
	const uint8_t *hash;
	int64_t user_id;
	pb_time expires;
};

static int session_add_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct session_add *a = ctx;
	struct sx x;
	if (!sx_prep(&x, s, "INSERT INTO sessions(hash, user_id, expires) VALUES($1, $2, $3)", err))
		return -1;
	sx_blob(&x, 1, a->hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, a->user_id);
	sx_int(&x, 3, a->expires);
	if (sx_done(&x, err))
		return -1;
	/* the account's newest STORE_SESSIONS_MAX stay: signing in again and
	 * again does not grow the table without end */
	if (!sx_prep(&x, s,
		     "DELETE FROM sessions WHERE user_id = $1 AND hash NOT IN "
		     "(SELECT hash FROM sessions WHERE user_id = $1 ORDER BY expires DESC LIMIT $2)",
		     err))
		return -1;
	sx_int(&x, 1, a->user_id);
	sx_int(&x, 2, STORE_SESSIONS_MAX);
	return sx_done(&x, err);
}

int sql_session_add(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires,
		    struct buf *err)
{
	struct session_add a = { hash, user_id, expires };
	return sx_tx(s, session_add_tx, &a, err);
}

int sql_session_get(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		    struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " USER_COLS_U " FROM sessions s JOIN users u ON u.id = s.user_id "
		     "WHERE s.hash = $1 AND s.expires > $2 AND u.disabled = 0",
		     err))
		return -1;
	sx_blob(&x, 1, hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, now);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_user(&x, 1, u);
	sx_reset(&x);
	return 0;
}

int sql_session_del(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM sessions WHERE hash = $1", err))
		return -1;
	sx_blob(&x, 1, hash, TOKEN_HASH_BYTES);
	return sx_done(&x, err);
}

struct token_add {
	int64_t user_id;
	const uint8_t *hash;
	const char *label;
	pb_time now;
};

static int token_add_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct token_add *a = ctx;
	struct sx x;
	/* the account's row first: a second transaction adding a token waits
	 * here until the first commits, then counts its token (under
	 * PostgreSQL's READ COMMITTED each counted the others' rows without
	 * the uncommitted one, and both took the last place) */
	if (!sx_prep(&x, s, "UPDATE users SET admin = admin WHERE id = $1", err))
		return -1;
	sx_int(&x, 1, a->user_id);
	if (sx_done(&x, err))
		return -1;
	if (!sx_prep(&x, s,
		     "INSERT INTO api_tokens(hash, user_id, label, created) SELECT $1, $2, $3, $4 "
		     "WHERE (SELECT count(*) FROM api_tokens WHERE user_id = $2) < $5",
		     err))
		return -1;
	sx_blob(&x, 1, a->hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, a->user_id);
	sx_str(&x, 3, a->label);
	sx_int(&x, 4, a->now);
	sx_int(&x, 5, STORE_TOKENS_MAX);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

int sql_token_add(struct store *s, int64_t user_id, const uint8_t hash[TOKEN_HASH_BYTES], const char *label,
		  pb_time now, struct buf *err)
{
	struct token_add a = { user_id, hash, label, now };
	return sx_tx(s, token_add_tx, &a, err);
}

int sql_token_user(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		   struct buf *err)
{
	/* the user, and the token's use noted, in one statement */
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " USER_COLS_U " FROM api_tokens t JOIN users u ON u.id = t.user_id "
		     "WHERE t.hash = $1 AND u.disabled = 0",
		     err))
		return -1;
	sx_blob(&x, 1, hash, TOKEN_HASH_BYTES);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_user(&x, 1, u);
	sx_reset(&x);
	if (!sx_prep(&x, s,
		     "UPDATE api_tokens SET last_used = CAST($2 AS BIGINT) WHERE hash = $1 AND "
		     "last_used < CAST($2 AS BIGINT) - 60000",
		     err))
		return -1;
	sx_blob(&x, 1, hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, now);
	return sx_done(&x, err);
}

int sql_token_list(struct store *s, int64_t user_id, int (*fn)(const struct api_token *, void *), void *ctx,
		   struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT id, label, created, last_used FROM api_tokens WHERE user_id = $1 ORDER BY id", err))
		return -1;
	sx_int(&x, 1, user_id);
	int rc;
	while ((rc = sx_step(&x, err)) == 1) {
		struct api_token t = { 0 };
		t.id = sx_cint(&x, 0);
		sx_ccopy(&x, 1, t.label, sizeof(t.label));
		t.created = sx_cint(&x, 2);
		t.last_used = sx_cint(&x, 3);
		if (fn(&t, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_token_del(struct store *s, int64_t user_id, int64_t token_id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", err))
		return -1;
	sx_int(&x, 1, token_id);
	sx_int(&x, 2, user_id);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

/* ---- votes --------------------------------------------------------------------- */

struct vote_ctx {
	int64_t user_id;
	const char *paper;
	pb_time now;
	int want;    /* 1 cast, 0 take back, -1 the other of what it is */
	bool counts; /* a vote cast now counts at once */
	bool *voted;
	int *upvotes;
};

static int vote_tx(struct store *s, void *ctx, struct buf *err)
{
	struct vote_ctx *v = ctx;
	int rc = paper_visible(s, v->paper, err);
	if (rc)
		return rc;
	struct sx x;
	int delta = 0;
	bool voted = false;
	if (v->want != 0) {
		if (!sx_prep(&x, s, "INSERT INTO votes(paper, user_id, at, counted) VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING",
			     err))
			return -1;
		sx_str(&x, 1, v->paper);
		sx_int(&x, 2, v->user_id);
		sx_int(&x, 3, v->now);
		sx_int(&x, 4, v->counts);
		rc = sx_step(&x, err);
		voted = sx_changes(&x) == 1;
		sx_reset(&x);
		if (rc < 0)
			return -1;
		delta = voted && v->counts;
	}
	if (v->want == 0 || (v->want < 0 && !voted)) {
		/* take it back: out of the total if it was in it */
		if (!sx_prep(&x, s, "DELETE FROM votes WHERE paper = $1 AND user_id = $2 RETURNING counted", err))
			return -1;
		sx_str(&x, 1, v->paper);
		sx_int(&x, 2, v->user_id);
		if ((rc = sx_row(&x, err)) < 0)
			return -1;
		if (rc == 0) {
			delta = sx_cint(&x, 0) ? -1 : 0;
			sx_reset(&x);
		}
		voted = false;
	} else if (v->want > 0) {
		voted = true; /* cast now or before */
	}
	if (!sx_prep(&x, s, "UPDATE papers SET local_votes = greatest(local_votes + $2, 0) WHERE id = $1 "
			    "RETURNING greatest(upvotes, 0) + local_votes",
		     err))
		return -1;
	sx_str(&x, 1, v->paper);
	sx_int(&x, 2, delta);
	if ((rc = sx_row(&x, err)))
		return rc;
	if (v->voted)
		*v->voted = voted;
	*v->upvotes = (int)sx_cint(&x, 0);
	sx_reset(&x);
	return 0;
}

int sql_vote_toggle(struct store *s, int64_t user_id, const char *paper, pb_time now, bool counts, bool *voted,
		    int *upvotes, struct buf *err)
{
	struct vote_ctx v = { user_id, paper, now, -1, counts, voted, upvotes };
	return sx_tx(s, vote_tx, &v, err);
}

int sql_vote_set(struct store *s, int64_t user_id, const char *paper, bool on, pb_time now, bool counts,
		 int *upvotes, struct buf *err)
{
	struct vote_ctx v = { user_id, paper, now, on ? 1 : 0, counts, NULL, upvotes };
	return sx_tx(s, vote_tx, &v, err);
}

static int mature_tx(struct store *s, void *ctx, struct buf *err)
{
	int64_t *io = ctx; /* in: created_before; out: how many */
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE papers SET local_votes = local_votes + w.n FROM (SELECT v.paper, count(*) AS n FROM votes v "
		     "JOIN users u ON u.id = v.user_id WHERE v.counted = 0 AND u.created <= $1 GROUP BY v.paper) w "
		     "WHERE papers.id = w.paper",
		     err))
		return -1;
	sx_int(&x, 1, io[0]);
	if (sx_done(&x, err))
		return -1;
	if (!sx_prep(&x, s,
		     "UPDATE votes SET counted = 1 WHERE counted = 0 AND user_id IN (SELECT id FROM users WHERE created <= $1)",
		     err))
		return -1;
	sx_int(&x, 1, io[0]);
	int rc = sx_step(&x, err);
	io[1] = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_votes_mature(struct store *s, pb_time created_before, int64_t *n, struct buf *err)
{
	int64_t io[2] = { created_before, 0 };
	int rc = sx_tx(s, mature_tx, io, err);
	if (n)
		*n = rc ? 0 : io[1];
	return rc;
}

int sql_vote_get(struct store *s, int64_t user_id, const char *paper, bool *voted, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT 1 FROM votes WHERE paper = $1 AND user_id = $2", err))
		return -1;
	sx_str(&x, 1, paper);
	sx_int(&x, 2, user_id);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*voted = rc == 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

int sql_votes_get(struct store *s, int64_t user_id, const char *const *papers, size_t n, bool *voted,
		  struct buf *err)
{
	static char *sql[101];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	memset(voted, 0, n * sizeof(*voted));
	for (size_t off = 0; off < n; off += 100) {
		size_t k = n - off < 100 ? n - off : 100;
		pthread_mutex_lock(&lock);
		if (!sql[k]) {
			struct buf b = BUF_INIT;
			buf_adds(&b, "SELECT paper FROM votes WHERE user_id = $1 AND paper IN (");
			for (size_t i = 0; i < k; i++)
				buf_addf(&b, "%s$%zu", i ? ", " : "", i + 2);
			buf_adds(&b, ")");
			sql[k] = buf_detach(&b); /* kept: statements are cached by address */
		}
		const char *text = sql[k];
		pthread_mutex_unlock(&lock);
		struct sx x;
		if (!sx_prep(&x, s, text, err))
			return -1;
		sx_int(&x, 1, user_id);
		for (size_t i = 0; i < k; i++)
			sx_str(&x, (int)i + 2, papers[off + i]);
		int rc;
		while ((rc = sx_step(&x, err)) == 1) {
			const char *id = sx_ctext(&x, 0);
			for (size_t i = 0; id && i < k; i++)
				if (!strcmp(papers[off + i], id))
					voted[off + i] = true;
		}
		sx_reset(&x);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int sql_vote_days(struct store *s, const char *paper, int (*fn)(const char *, int, void *), void *ctx,
		  struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT pb_day(at) AS day, count(*) FROM votes WHERE paper = $1 AND counted = 1 GROUP BY day ORDER BY day",
		     err))
		return -1;
	sx_str(&x, 1, paper);
	int rc;
	while ((rc = sx_step(&x, err)) == 1)
		if (fn(sx_ctext(&x, 0), (int)sx_cint(&x, 1), ctx))
			break;
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_user_votes(struct store *s, int64_t user_id, size_t limit, int (*fn)(const struct paper *, void *), void *ctx,
		   struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " PAPER_SELECT_P " FROM votes v JOIN papers p ON p.id = v.paper WHERE v.user_id = $1 AND "
		     "p.hidden = 0 "
		     "ORDER BY v.at DESC LIMIT $2",
		     err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, (int64_t)limit);
	return sx_each_paper(&x, fn, ctx, err);
}

int sql_day_counts(struct store *s, const char *from, const char *to, int (*fn)(const char *, int, int, void *),
		   void *ctx, struct buf *err)
{
	bool f;
	if (sql_feed_featured(s, &f, err))
		return -1;
	struct sx x;
	bool ok = f ? sx_prep(&x, s,
			      "SELECT hf_day, count(*), sum(greatest(upvotes, 0) + local_votes) FROM papers "
			      "WHERE hf_day >= $1 AND hf_day < $2 AND hf_day <> '' AND hidden = 0 GROUP BY hf_day "
			      "ORDER BY hf_day",
			      err)
		    : sx_prep(&x, s,
			      "SELECT feed_day, count(*), sum(greatest(upvotes, 0) + local_votes) FROM papers "
			      "WHERE feed_day >= $1 AND feed_day < $2 AND hidden = 0 GROUP BY feed_day ORDER BY feed_day",
			      err);
	if (!ok)
		return -1;
	sx_str(&x, 1, from);
	sx_str(&x, 2, to);
	int rc;
	while ((rc = sx_step(&x, err)) == 1)
		if (fn(sx_ctext(&x, 0), (int)sx_cint(&x, 1), (int)sx_cint(&x, 2), ctx))
			break;
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_recent_days(struct store *s, size_t limit, int (*fn)(const char *, int, void *), void *ctx, struct buf *err)
{
	bool f;
	if (sql_feed_featured(s, &f, err))
		return -1;
	/* streamed from the day index, newest first: stops after `limit` days */
	struct sx x;
	bool ok = f ? sx_prep(&x, s,
			      "SELECT hf_day, count(*) FROM papers WHERE hf_day <> '' AND hidden = 0 "
			      "GROUP BY hf_day ORDER BY hf_day DESC LIMIT $1",
			      err)
		    : sx_prep(&x, s,
			      "SELECT feed_day, count(*) FROM papers WHERE feed_day <> '' AND hidden = 0 "
			      "GROUP BY feed_day ORDER BY feed_day DESC LIMIT $1",
			      err);
	if (!ok)
		return -1;
	sx_int(&x, 1, (int64_t)limit);
	int rc;
	while ((rc = sx_step(&x, err)) == 1)
		if (fn(sx_ctext(&x, 0), (int)sx_cint(&x, 1), ctx))
			break;
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_next_day(struct store *s, const char *after, char out[16], struct buf *err)
{
	bool f;
	if (sql_feed_featured(s, &f, err))
		return -1;
	struct sx x;
	bool ok = f ? sx_prep(&x, s,
			      "SELECT hf_day FROM papers WHERE hf_day > $1 AND hf_day <> '' AND hidden = 0 "
			      "ORDER BY hf_day LIMIT 1",
			      err)
		    : sx_prep(&x, s, "SELECT feed_day FROM papers WHERE feed_day > $1 AND hidden = 0 ORDER BY feed_day LIMIT 1",
			      err);
	if (!ok)
		return -1;
	sx_str(&x, 1, after);
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

struct paper_hide {
	const char *id;
	bool hidden;
};

static int paper_hide_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct paper_hide *h = ctx;
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE papers SET hidden = $2 WHERE id = $1 AND hidden <> $2", err))
		return -1;
	sx_str(&x, 1, h->id);
	sx_int(&x, 2, h->hidden);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (!n) { /* unknown, or already so */
		if (!sx_prep(&x, s, "SELECT 1 FROM papers WHERE id = $1", err))
			return -1;
		sx_str(&x, 1, h->id);
		rc = sx_row(&x, err);
		if (rc == 0)
			sx_reset(&x);
		return rc;
	}
	if (!sx_prep(&x, s, "UPDATE kv SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE key = 'hidden'", err))
		return -1;
	return sx_done(&x, err);
}

int sql_paper_hide(struct store *s, const char *id, bool hidden, struct buf *err)
{
	struct paper_hide h = { id, hidden };
	return sx_tx(s, paper_hide_tx, &h, err);
}

int sql_hidden_gen(struct store *s, int64_t *gen, struct buf *err)
{
	return sx_kv_int(s, "hidden", gen, err);
}

int sql_papers_hidden(struct store *s, int64_t *gen, int (*fn)(const char *, void *), void *ctx, struct buf *err)
{
	if (sql_hidden_gen(s, gen, err))
		return -1;
	struct sx x;
	if (!sx_prep(&x, s, "SELECT id FROM papers WHERE hidden <> 0 ORDER BY id", err))
		return -1;
	int rc;
	while ((rc = sx_step(&x, err)) > 0) {
		const char *id = sx_ctext(&x, 0);
		if (id && fn(id, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

/* ---- comments ---------------------------------------------------------------------- */

void comment_release(struct comment *c)
{
	free(c->body);
	c->body = NULL;
}

#define COMMENT_COLS "c.id, coalesce(c.parent, 0), c.user_id, c.paper, u.name, c.body, c.created, c.edited, c.deleted, c.hidden"
static const struct fcol comment_cols[] = {
	{ "id", F_I64, offsetof(struct comment, id), 0 },
	{ "parent", F_I64, offsetof(struct comment, parent), 0 },
	{ "user_id", F_I64, offsetof(struct comment, user_id), 0 },
	{ "paper", F_CHARS, offsetof(struct comment, paper), sizeof(((struct comment *)0)->paper) },
	{ "name", F_CHARS, offsetof(struct comment, user), sizeof(((struct comment *)0)->user) },
	{ "body", F_STRE, offsetof(struct comment, body), 0 },
	{ "created", F_I64, offsetof(struct comment, created), 0 },
	{ "edited", F_I64, offsetof(struct comment, edited), 0 },
	{ "deleted", F_BOOL, offsetof(struct comment, deleted), 0 },
	{ "hidden", F_BOOL, offsetof(struct comment, hidden), 0 },
};

static void row_to_comment(struct sx *x, struct comment *c)
{
	memset(c, 0, sizeof(*c));
	sx_read(x, 0, comment_cols, ARRAY_SIZE(comment_cols), c);
}

static int comment_add_tx(struct store *s, void *ctx, struct buf *err)
{
	struct comment *c = ctx;
	int rc = paper_visible(s, c->paper, err);
	if (rc)
		return rc;
	struct sx x;
	if (c->parent) {
		/* one level of replies: the parent is a top-level comment here */
		if (!sx_prep(&x, s, "SELECT 1 FROM comments WHERE id = $1 AND paper = $2 AND parent IS NULL", err))
			return -1;
		sx_int(&x, 1, c->parent);
		sx_str(&x, 2, c->paper);
		if ((rc = sx_row(&x, err)))
			return rc;
		sx_reset(&x);
	}
	if (!sx_prep(&x, s, "INSERT INTO comments(paper, user_id, parent, body, created) VALUES($1, $2, $3, $4, $5) "
			    "RETURNING id",
		     err))
		return -1;
	sx_str(&x, 1, c->paper);
	sx_int(&x, 2, c->user_id);
	if (c->parent)
		sx_int(&x, 3, c->parent);
	else
		sx_null(&x, 3);
	sx_str(&x, 4, c->body);
	sx_int(&x, 5, c->created);
	if (sx_row(&x, err))
		return -1;
	c->id = sx_cint(&x, 0);
	sx_reset(&x);
	if (!sx_prep(&x, s, "UPDATE papers SET local_comments = local_comments + 1 WHERE id = $1", err))
		return -1;
	sx_str(&x, 1, c->paper);
	return sx_done(&x, err);
}

int sql_comment_add(struct store *s, struct comment *c, struct buf *err)
{
	if (!c->created)
		c->created = time_now_ms();
	return sx_tx(s, comment_add_tx, c, err);
}

int sql_comment_get(struct store *s, int64_t id, struct comment *c, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT " COMMENT_COLS " FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = $1",
		     err))
		return -1;
	sx_int(&x, 1, id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_comment(&x, c);
	sx_reset(&x);
	return 0;
}

int sql_comment_edit(struct store *s, int64_t id, const char *body, pb_time now, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE comments SET body = $2, edited = $3 WHERE id = $1 AND deleted = 0", err))
		return -1;
	sx_int(&x, 1, id);
	sx_str(&x, 2, body);
	sx_int(&x, 3, now);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

static int comment_del_tx(struct store *s, void *ctx, struct buf *err)
{
	int64_t id = *(int64_t *)ctx;
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE comments SET body = '', deleted = 1 WHERE id = $1 AND deleted = 0 "
			    "RETURNING paper, hidden",
		     err))
		return -1;
	sx_int(&x, 1, id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	char paper[PAPER_ID_MAX];
	sx_ccopy(&x, 0, paper, sizeof(paper));
	bool was_hidden = sx_cint(&x, 1) != 0;
	sx_reset(&x);
	if (was_hidden) /* not counted since it was hidden */
		return 0;
	if (!sx_prep(&x, s, "UPDATE papers SET local_comments = greatest(local_comments - 1, 0) WHERE id = $1", err))
		return -1;
	sx_str(&x, 1, paper);
	return sx_done(&x, err);
}

int sql_comment_delete(struct store *s, int64_t id, struct buf *err)
{
	return sx_tx(s, comment_del_tx, &id, err);
}

struct hide_ctx {
	int64_t id;
	bool hidden;
};

static int comment_hide_tx(struct store *s, void *ctx, struct buf *err)
{
	struct hide_ctx *h = ctx;
	/* changed only when it was the other way: the count moves once */
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE comments SET hidden = $2 WHERE id = $1 AND hidden <> $2 RETURNING paper, deleted",
		     err))
		return -1;
	sx_int(&x, 1, h->id);
	sx_int(&x, 2, h->hidden);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc > 0) { /* already so, or no such comment */
		if (!sx_prep(&x, s, "SELECT 1 FROM comments WHERE id = $1", err))
			return -1;
		sx_int(&x, 1, h->id);
		rc = sx_row(&x, err);
		if (rc == 0)
			sx_reset(&x);
		return rc;
	}
	char paper[PAPER_ID_MAX];
	sx_ccopy(&x, 0, paper, sizeof(paper));
	bool deleted = sx_cint(&x, 1) != 0;
	sx_reset(&x);
	if (deleted) /* counted out when deleted */
		return 0;
	/* the count is of the comments everyone sees */
	if (!sx_prep(&x, s, "UPDATE papers SET local_comments = greatest(local_comments + $2, 0) WHERE id = $1", err))
		return -1;
	sx_str(&x, 1, paper);
	sx_int(&x, 2, h->hidden ? -1 : 1);
	return sx_done(&x, err);
}

int sql_comment_hide(struct store *s, int64_t id, bool hidden, struct buf *err)
{
	struct hide_ctx h = { id, hidden };
	return sx_tx(s, comment_hide_tx, &h, err);
}

/* Hands each row of x (COMMENT_COLS) to fn until it returns non-zero. 0/-1. */
static int comment_rows(struct sx *x, int (*fn)(const struct comment *, void *), void *ctx, struct buf *err)
{
	int rc;
	struct comment c;
	while ((rc = sx_step(x, err)) == 1) {
		row_to_comment(x, &c);
		int stop = fn(&c, ctx);
		comment_release(&c);
		if (stop)
			break;
	}
	sx_reset(x);
	return rc < 0 ? -1 : 0;
}

int sql_comment_list(struct store *s, const char *paper, int (*fn)(const struct comment *, void *), void *ctx,
		     struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " COMMENT_COLS " FROM comments c JOIN users u ON u.id = c.user_id "
		     "WHERE c.paper = $1 AND (c.deleted = 0 OR EXISTS (SELECT 1 FROM comments r "
		     "WHERE r.parent = c.id AND r.deleted = 0)) ORDER BY coalesce(c.parent, c.id), c.id",
		     err))
		return -1;
	sx_str(&x, 1, paper);
	return comment_rows(&x, fn, ctx, err);
}

int sql_user_comments(struct store *s, int64_t user_id, int (*fn)(const struct comment *, void *), void *ctx,
		      struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " COMMENT_COLS " FROM comments c JOIN users u ON u.id = c.user_id "
		     "WHERE c.user_id = $1 ORDER BY c.created DESC, c.id DESC",
		     err))
		return -1;
	sx_int(&x, 1, user_id);
	return comment_rows(&x, fn, ctx, err);
}

/* ---- submissions ------------------------------------------------------------------ */

int sql_submission_add(struct store *s, const char *paper, int64_t user_id, pb_time at, const char *status,
		       int64_t *id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "INSERT INTO submissions(paper, user_id, at, status) VALUES($1, $2, $3, $4) RETURNING id", err))
		return -1;
	sx_str(&x, 1, paper);
	sx_int(&x, 2, user_id);
	sx_int(&x, 3, at);
	sx_str(&x, 4, status);
	int rc = sx_row(&x, err);
	if (rc)
		return -1;
	if (id)
		*id = sx_cint(&x, 0);
	sx_reset(&x);
	return 0;
}

int sql_submission_count(struct store *s, int64_t user_id, pb_time since, int64_t *n, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT count(*) FROM submissions WHERE user_id = $1 AND at >= $2", err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, since);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*n = rc == 0 ? sx_cint(&x, 0) : 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

static const struct fcol submission_cols[] = {
	{ "id", F_I64, offsetof(struct submission, id), 0 },
	{ "user_id", F_I64, offsetof(struct submission, user_id), 0 },
	{ "paper", F_CHARS, offsetof(struct submission, paper), sizeof(((struct submission *)0)->paper) },
	{ "name", F_CHARS, offsetof(struct submission, user), sizeof(((struct submission *)0)->user) },
	{ "at", F_I64, offsetof(struct submission, at), 0 },
	{ "decided_at", F_I64, offsetof(struct submission, decided_at), 0 },
	{ "status", F_CHARS, offsetof(struct submission, status), sizeof(((struct submission *)0)->status) },
};

static void row_to_submission(struct sx *x, struct submission *sub)
{
	memset(sub, 0, sizeof(*sub));
	sx_read(x, 0, submission_cols, ARRAY_SIZE(submission_cols), sub);
}

int sql_submission_list(struct store *s, const char *status, size_t limit, int (*fn)(const struct submission *, void *),
			void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT s.id, s.user_id, s.paper, u.name, s.at, s.decided_at, s.status FROM submissions s "
		     "JOIN users u ON u.id = s.user_id WHERE s.status = $1 ORDER BY s.at, s.id LIMIT $2",
		     err))
		return -1;
	sx_str(&x, 1, status);
	sx_int(&x, 2, (int64_t)limit);
	int rc;
	struct submission sub;
	while ((rc = sx_step(&x, err)) == 1) {
		row_to_submission(&x, &sub);
		if (fn(&sub, ctx))
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_submission_decide(struct store *s, int64_t id, const char *status, int64_t by, pb_time now,
			  struct submission *sub, struct buf *err)
{
	/* one statement: only a pending submission is decided, once */
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE submissions SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND "
		     "status = 'pending' RETURNING id, user_id, paper, (SELECT name FROM users WHERE users.id = "
		     "submissions.user_id), at, decided_at, status",
		     err))
		return -1;
	sx_int(&x, 1, id);
	sx_str(&x, 2, status);
	sx_int(&x, 3, by);
	sx_int(&x, 4, now);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_submission(&x, sub);
	sx_reset(&x);
	return 0;
}

/* ---- arXiv fetches asked for by users ---------------------------------------------- */

static const struct fcol fetch_cols[] = {
	{ "id", F_I64, offsetof(struct fetch_job, id), 0 },
	{ "user_id", F_I64, offsetof(struct fetch_job, user_id), 0 },
	{ "paper", F_CHARS, offsetof(struct fetch_job, paper), sizeof(((struct fetch_job *)0)->paper) },
	{ "submit", F_BOOL, offsetof(struct fetch_job, submit), 0 },
	{ "state", F_CHARS, offsetof(struct fetch_job, state), sizeof(((struct fetch_job *)0)->state) },
	{ "message", F_CHARS, offsetof(struct fetch_job, message), sizeof(((struct fetch_job *)0)->message) },
	{ "attempts", F_INT, offsetof(struct fetch_job, attempts), 0 },
	{ "created", F_I64, offsetof(struct fetch_job, created), 0 },
	{ "updated", F_I64, offsetof(struct fetch_job, updated), 0 },
	{ "next_try", F_I64, offsetof(struct fetch_job, next_try), 0 },
	{ "owner", F_CHARS, offsetof(struct fetch_job, owner), sizeof(((struct fetch_job *)0)->owner) },
};
#define FETCH_JOB_COLS "id, coalesce(user_id, 0), paper, submit, state, message, attempts, created, updated, next_try, owner"

struct fetch_add_ctx {
	const struct fetch_job *j;
	pb_time now;
	int64_t *id;
	bool *existed;
};

static int fetch_add_tx(struct store *s, void *ctx, struct buf *err)
{
	struct fetch_add_ctx *f = ctx;
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT id FROM fetch_jobs WHERE paper = $1 AND coalesce(user_id, 0) = $2 AND submit = $3 AND "
		     "state IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
		     err))
		return -1;
	sx_str(&x, 1, f->j->paper);
	sx_int(&x, 2, f->j->user_id);
	sx_int(&x, 3, f->j->submit);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*f->existed = rc == 0;
	if (rc == 0) {
		*f->id = sx_cint(&x, 0);
		sx_reset(&x);
		return 0;
	}
	if (!sx_prep(&x, s,
		     "INSERT INTO fetch_jobs(paper, user_id, submit, state, created, updated, next_try) "
		     "VALUES($1, $2, $3, 'queued', $4, $4, 0) RETURNING id",
		     err))
		return -1;
	sx_str(&x, 1, f->j->paper);
	if (f->j->user_id)
		sx_int(&x, 2, f->j->user_id);
	else
		sx_null(&x, 2);
	sx_int(&x, 3, f->j->submit);
	sx_int(&x, 4, f->now);
	if ((rc = sx_row(&x, err)))
		return -1;
	*f->id = sx_cint(&x, 0);
	sx_reset(&x);
	return 0;
}

int sql_fetch_add(struct store *s, const struct fetch_job *j, pb_time now, int64_t *id, bool *existed,
		  struct buf *err)
{
	bool e = false;
	int64_t dummy;
	struct fetch_add_ctx f = { j, now, id ? id : &dummy, existed ? existed : &e };
	return sx_tx(s, fetch_add_tx, &f, err);
}

int sql_fetch_claim(struct store *s, const char *owner, pb_time now, pb_time lease_ms, struct fetch_job *j,
		    struct buf *err)
{
	/* one statement; the state is checked again on the row itself, so of
	 * two processes that chose the same job, one gets it */
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE fetch_jobs SET state = 'running', owner = $1, next_try = CAST($2 AS BIGINT) + CAST($3 AS BIGINT), "
		     "updated = CAST($2 AS BIGINT), attempts = attempts + 1 WHERE id = (SELECT id FROM fetch_jobs WHERE "
		     "state IN ('queued', 'running') AND next_try <= CAST($2 AS BIGINT) ORDER BY id LIMIT 1) AND "
		     "state IN ('queued', 'running') AND next_try <= CAST($2 AS BIGINT) "
		     "RETURNING " FETCH_JOB_COLS,
		     err))
		return -1;
	sx_str(&x, 1, owner);
	sx_int(&x, 2, now);
	sx_int(&x, 3, lease_ms);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	memset(j, 0, sizeof(*j));
	sx_read(&x, 0, fetch_cols, ARRAY_SIZE(fetch_cols), j);
	sx_reset(&x);
	return 0;
}

int sql_fetch_finish(struct store *s, int64_t id, const char *owner, const char *state, const char *message,
		     pb_time next_try, pb_time now, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE fetch_jobs SET state = $3, message = $4, next_try = $5, updated = $6, owner = '' "
		     "WHERE id = $1 AND owner = $2 AND state = 'running'",
		     err))
		return -1;
	sx_int(&x, 1, id);
	sx_str(&x, 2, owner);
	sx_str(&x, 3, state);
	sx_str(&x, 4, message ? message : "");
	sx_int(&x, 5, next_try);
	sx_int(&x, 6, now);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

int sql_fetch_get(struct store *s, const char *paper, int64_t user_id, struct fetch_job *j, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " FETCH_JOB_COLS " FROM fetch_jobs WHERE paper = $1 AND (CAST($2 AS BIGINT) = 0 OR user_id = CAST($2 AS BIGINT)) "
		     "ORDER BY id DESC LIMIT 1",
		     err))
		return -1;
	sx_str(&x, 1, paper);
	sx_int(&x, 2, user_id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	memset(j, 0, sizeof(*j));
	sx_read(&x, 0, fetch_cols, ARRAY_SIZE(fetch_cols), j);
	sx_reset(&x);
	return 0;
}

int sql_fetch_count(struct store *s, int64_t user_id, pb_time since, int64_t *n, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT count(*) FROM fetch_jobs WHERE user_id = $1 AND submit = 1 AND created >= $2 AND state <> 'done'",
		     err))
		return -1;
	sx_int(&x, 1, user_id);
	sx_int(&x, 2, since);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*n = rc == 0 ? sx_cint(&x, 0) : 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

/* ---- limits ----------------------------------------------------------------------- */

int sql_limit_hit(struct store *s, const char *key, pb_time now, pb_time quiet_ms, int free_n, pb_time base_ms,
		  pb_time max_ms, struct store_limit *out, struct buf *err)
{
	/* one statement: atomic whatever the number of processes. The count
	 * starts again after a quiet spell; the block doubles per event past
	 * free_n: base << least(count - free_n, 30), capped at max */
	struct sx x;
	if (!sx_prep(&x, s,
		     "INSERT INTO limits(key, count, last, blocked_until) VALUES($1, 1, CAST($2 AS BIGINT), "
		     "  CASE WHEN CAST($4 AS BIGINT) <= 1 THEN CAST($2 AS BIGINT) + CAST($5 AS BIGINT) ELSE 0 END) "
		     "ON CONFLICT(key) DO UPDATE SET "
		     "  count = CASE WHEN CAST($2 AS BIGINT) - limits.last > CAST($3 AS BIGINT) THEN 1 "
		     "    ELSE limits.count + 1 END, "
		     "  last = CAST($2 AS BIGINT), "
		     "  blocked_until = CASE WHEN (CASE WHEN CAST($2 AS BIGINT) - limits.last > CAST($3 AS BIGINT) THEN 1 "
		     "      ELSE limits.count + 1 END) >= CAST($4 AS BIGINT) "
		     "    THEN CAST($2 AS BIGINT) + least(CAST($6 AS BIGINT), CAST($5 AS BIGINT) << CAST(least("
		     "      (CASE WHEN CAST($2 AS BIGINT) - limits.last > CAST($3 AS BIGINT) THEN 1 ELSE limits.count + 1 END) "
		     "      - CAST($4 AS BIGINT), 30) AS INTEGER)) "
		     "    ELSE 0 END "
		     "RETURNING count, last, blocked_until",
		     err))
		return -1;
	sx_str(&x, 1, key);
	sx_int(&x, 2, now);
	sx_int(&x, 3, quiet_ms);
	sx_int(&x, 4, free_n);
	sx_int(&x, 5, base_ms);
	sx_int(&x, 6, max_ms);
	int rc = sx_row(&x, err);
	if (rc) {
		if (rc > 0) {
			s->kind = PB_INTERNAL;
			buf_setf(err, "counting an event returned nothing");
		}
		return -1;
	}
	out->count = sx_cint(&x, 0);
	out->last = sx_cint(&x, 1);
	out->blocked_until = sx_cint(&x, 2);
	sx_reset(&x);
	return 0;
}

int sql_limit_get(struct store *s, const char *key, struct store_limit *out, struct buf *err)
{
	memset(out, 0, sizeof(*out));
	struct sx x;
	if (!sx_prep(&x, s, "SELECT count, last, blocked_until FROM limits WHERE key = $1", err))
		return -1;
	sx_str(&x, 1, key);
	int rc = sx_row(&x, err);
	if (rc)
		return rc < 0 ? -1 : 0;
	out->count = sx_cint(&x, 0);
	out->last = sx_cint(&x, 1);
	out->blocked_until = sx_cint(&x, 2);
	sx_reset(&x);
	return 0;
}

int sql_limit_clear(struct store *s, const char *key, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM limits WHERE key = $1", err))
		return -1;
	sx_str(&x, 1, key);
	return sx_done(&x, err);
}

int sql_limit_prune(struct store *s, pb_time before, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM limits WHERE last < $1 AND blocked_until < $1", err))
		return -1;
	sx_int(&x, 1, before);
	return sx_done(&x, err);
}

/* ---- leases ---------------------------------------------------------------------- */

int sql_lease_take(struct store *s, const char *name, const char *owner, pb_time now, pb_time ttl_ms,
		   const char *steal, char *holder, struct buf *err)
{
	/* one statement: taken only when free, expired, ours, or the named
	 * dead holder's; RETURNING yields a row only when it was written */
	struct sx x;
	if (!sx_prep(&x, s,
		     "INSERT INTO leases(name, owner, expires) VALUES($1, $2, CAST($3 AS BIGINT) + $4) "
		     "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires "
		     "WHERE leases.expires <= $3 OR leases.owner = $2 OR leases.owner = $5 RETURNING owner",
		     err))
		return -1;
	sx_str(&x, 1, name);
	sx_str(&x, 2, owner);
	sx_int(&x, 3, now);
	sx_int(&x, 4, ttl_ms);
	sx_str(&x, 5, steal ? steal : "");
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sx_reset(&x);
		return 0;
	}
	if (holder) {
		pb_time exp;
		if (sql_lease_get(s, name, holder, &exp, err) < 0)
			return -1;
	}
	return 1;
}

int sql_lease_renew(struct store *s, const char *name, const char *owner, pb_time now, pb_time ttl_ms,
		    struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE leases SET expires = CAST($3 AS BIGINT) + $4 WHERE name = $1 AND owner = $2", err))
		return -1;
	sx_str(&x, 1, name);
	sx_str(&x, 2, owner);
	sx_int(&x, 3, now);
	sx_int(&x, 4, ttl_ms);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

int sql_lease_release(struct store *s, const char *name, const char *owner, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM leases WHERE name = $1 AND owner = $2", err))
		return -1;
	sx_str(&x, 1, name);
	sx_str(&x, 2, owner);
	return sx_done(&x, err);
}

int sql_lease_get(struct store *s, const char *name, char holder[128], pb_time *expires, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT owner, expires FROM leases WHERE name = $1", err))
		return -1;
	sx_str(&x, 1, name);
	holder[0] = '\0';
	*expires = 0;
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	sx_ccopy(&x, 0, holder, 128);
	*expires = sx_cint(&x, 1);
	sx_reset(&x);
	return 0;
}

/* ---- subscriptions ------------------------------------------------------------------ */

void subscription_release(struct subscription *sub)
{
	free(sub->topics);
	free(sub->pending_topics);
	sub->topics = sub->pending_topics = NULL;
}

#define SUB_COLS                                                                                 \
	"id, coalesce(user_id, 0), email, period, topics, status, created, confirmed_at, failures, " \
	"coalesce(pending_period, ''), pending_topics"
static const struct fcol sub_cols[] = {
	{ "id", F_I64, offsetof(struct subscription, id), 0 },
	{ "user_id", F_I64, offsetof(struct subscription, user_id), 0 },
	{ "email", F_CHARS, offsetof(struct subscription, email), sizeof(((struct subscription *)0)->email) },
	{ "period", F_CHARS, offsetof(struct subscription, period), sizeof(((struct subscription *)0)->period) },
	{ "topics", F_STRE, offsetof(struct subscription, topics), 0 },
	{ "status", F_CHARS, offsetof(struct subscription, status), sizeof(((struct subscription *)0)->status) },
	{ "created", F_I64, offsetof(struct subscription, created), 0 },
	{ "confirmed_at", F_I64, offsetof(struct subscription, confirmed_at), 0 },
	{ "failures", F_INT, offsetof(struct subscription, failures), 0 },
	{ "pending_period", F_CHARS, offsetof(struct subscription, pending_period),
	  sizeof(((struct subscription *)0)->pending_period) },
	{ "pending_topics", F_STR, offsetof(struct subscription, pending_topics), 0 },
};

static void row_to_sub(struct sx *x, struct subscription *sub)
{
	memset(sub, 0, sizeof(*sub));
	sx_read(x, 0, sub_cols, ARRAY_SIZE(sub_cols), sub);
}

struct sub_upsert {
	struct subscription *sub;
	bool *created;
	bool propose; /* an existing row only holds the change as pending */
};

static int sub_upsert_tx(struct store *s, void *ctx, struct buf *err)
{
	struct sub_upsert *u = ctx;
	struct subscription *sub = u->sub;
	struct sx x;
	if (!sx_prep(&x, s, "SELECT id, status FROM subscriptions WHERE lower(email) = lower($1)", err))
		return -1;
	sx_str(&x, 1, sub->email);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		sub->id = sx_cint(&x, 0);
		sx_ccopy(&x, 1, sub->status, sizeof(sub->status));
		sx_reset(&x);
		*u->created = false;
		if (u->propose) {
			if (!sx_prep(&x, s, "UPDATE subscriptions SET pending_period = $2, pending_topics = $3 WHERE id = $1",
				     err))
				return -1;
			sx_int(&x, 1, sub->id);
			sx_str(&x, 2, sub->period);
			sx_str(&x, 3, sub->topics ? sub->topics : "");
			return sx_done(&x, err);
		}
		if (!strcmp(sub->status, "cancelled"))
			snprintf(sub->status, sizeof(sub->status), "pending");
		if (!sx_prep(&x, s, "UPDATE subscriptions SET period = $2, topics = $3, status = $4, "
				    "user_id = coalesce($5, user_id) WHERE id = $1",
			     err))
			return -1;
		sx_int(&x, 1, sub->id);
		sx_str(&x, 2, sub->period);
		sx_str(&x, 3, sub->topics ? sub->topics : "");
		sx_str(&x, 4, sub->status);
		if (sub->user_id)
			sx_int(&x, 5, sub->user_id);
		else
			sx_null(&x, 5);
		return sx_done(&x, err);
	}
	if (!sx_prep(&x, s, "INSERT INTO subscriptions(email, period, topics, user_id, status, created) "
			    "VALUES($1, $2, $3, $4, 'pending', $5) RETURNING id",
		     err))
		return -1;
	sx_str(&x, 1, sub->email);
	sx_str(&x, 2, sub->period);
	sx_str(&x, 3, sub->topics ? sub->topics : "");
	if (sub->user_id)
		sx_int(&x, 4, sub->user_id);
	else
		sx_null(&x, 4);
	sx_int(&x, 5, sub->created ? sub->created : time_now_ms());
	if (sx_row(&x, err))
		return -1;
	sub->id = sx_cint(&x, 0);
	sx_reset(&x);
	snprintf(sub->status, sizeof(sub->status), "pending");
	*u->created = true;
	return 0;
}

static int sub_write(struct store *s, struct subscription *sub, bool *created, bool propose, struct buf *err)
{
	struct sub_upsert u = { sub, created, propose };
	int rc = sx_tx(s, sub_upsert_tx, &u, err);
	if (rc < 0 && s->kind == PB_CONFLICT) {
		/* another process added the address meanwhile: it is there now */
		buf_reset(err);
		s->kind = PB_OK;
		rc = sx_tx(s, sub_upsert_tx, &u, err);
	}
	return rc;
}

int sql_sub_upsert(struct store *s, struct subscription *sub, bool *created, struct buf *err)
{
	return sub_write(s, sub, created, false, err);
}

int sql_sub_propose(struct store *s, struct subscription *sub, bool *created, struct buf *err)
{
	return sub_write(s, sub, created, true, err);
}

int sql_sub_confirm(struct store *s, int64_t id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE subscriptions SET period = coalesce(pending_period, period), "
		     "topics = coalesce(pending_topics, topics), pending_period = NULL, pending_topics = NULL, "
		     "status = 'active', failures = 0, "
		     "confirmed_at = CASE WHEN confirmed_at = 0 THEN $2 ELSE confirmed_at END WHERE id = $1",
		     err))
		return -1;
	sx_int(&x, 1, id);
	sx_int(&x, 2, time_now_ms());
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

int sql_sub_get(struct store *s, int64_t id, const char *email, struct subscription *sub, struct buf *err)
{
	struct sx x;
	bool ok = email ? sx_prep(&x, s, "SELECT " SUB_COLS " FROM subscriptions WHERE lower(email) = lower($1)", err)
			: sx_prep(&x, s, "SELECT " SUB_COLS " FROM subscriptions WHERE id = $1", err);
	if (!ok)
		return -1;
	if (email)
		sx_str(&x, 1, email);
	else
		sx_int(&x, 1, id);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_sub(&x, sub);
	sx_reset(&x);
	return 0;
}

int sql_sub_set_status(struct store *s, int64_t id, const char *status, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE subscriptions SET status = $2, failures = 0, confirmed_at = "
		     "CASE WHEN $2 = 'active' AND confirmed_at = 0 THEN $3 ELSE confirmed_at END WHERE id = $1",
		     err))
		return -1;
	sx_int(&x, 1, id);
	sx_str(&x, 2, status);
	sx_int(&x, 3, time_now_ms());
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	return rc < 0 ? -1 : n ? 0 : 1;
}

static int each_sub(struct sx *x, int (*fn)(const struct subscription *, void *), void *ctx, struct buf *err)
{
	int rc;
	struct subscription sub;
	while ((rc = sx_step(x, err)) == 1) {
		row_to_sub(x, &sub);
		int stop = fn(&sub, ctx);
		subscription_release(&sub);
		if (stop)
			break;
	}
	sx_reset(x);
	return rc < 0 ? -1 : 0;
}

int sql_sub_list(struct store *s, const char *period, int (*fn)(const struct subscription *, void *), void *ctx,
		 struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT " SUB_COLS " FROM subscriptions WHERE period = $1 AND status = 'active' ORDER BY id",
		     err))
		return -1;
	sx_str(&x, 1, period);
	return each_sub(&x, fn, ctx, err);
}

int sql_sub_list_email(struct store *s, const char *email, int (*fn)(const struct subscription *, void *), void *ctx,
		       struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT " SUB_COLS " FROM subscriptions WHERE lower(email) = lower($1) ORDER BY id", err))
		return -1;
	sx_str(&x, 1, email);
	return each_sub(&x, fn, ctx, err);
}

int sql_sub_delivery(struct store *s, int64_t id, bool ok, int pause_after, struct buf *err)
{
	struct sx x;
	bool prepped = ok ? sx_prep(&x, s, "UPDATE subscriptions SET failures = 0 WHERE id = $1", err)
			  : sx_prep(&x, s,
				    "UPDATE subscriptions SET failures = failures + 1, status = CASE WHEN "
				    "failures + 1 >= $2 AND status = 'active' THEN 'paused' ELSE status END WHERE id = $1",
				    err);
	if (!prepped)
		return -1;
	sx_int(&x, 1, id);
	if (!ok)
		sx_int(&x, 2, pause_after);
	return sx_done(&x, err);
}

/* ---- the outbox ----------------------------------------------------------------------- */

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

static int outbox_add_tx(struct store *s, void *ctx, struct buf *err)
{
	struct outbox_add *a = ctx;
	const struct outbox_msg *m = a->m;
	struct sx x;
	if (!sx_prep(&x, s,
		     "INSERT INTO outbox(sub_id, kind, period_key, message_id, rcpt, data, created, user_id) "
		     "VALUES($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT(sub_id, period_key) DO NOTHING",
		     err))
		return -1;
	if (m->sub_id)
		sx_int(&x, 1, m->sub_id);
	else
		sx_null(&x, 1);
	sx_str(&x, 2, m->kind);
	sx_str(&x, 3, m->period_key);
	sx_str(&x, 4, m->message_id);
	sx_str(&x, 5, m->rcpt);
	sx_blob(&x, 6, m->data, m->len);
	sx_int(&x, 7, m->created ? m->created : time_now_ms());
	if (m->user_id)
		sx_int(&x, 8, m->user_id);
	else
		sx_null(&x, 8);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (n == 0)
		return 1;
	for (size_t i = 0; a->papers && i < a->papers->n; i++) {
		if (!sx_prep(&x, s, "INSERT INTO sent_papers(sub_id, paper) VALUES($1, $2) ON CONFLICT DO NOTHING", err))
			return -1;
		sx_int(&x, 1, m->sub_id);
		sx_str(&x, 2, a->papers->v[i]);
		if (sx_done(&x, err))
			return -1;
	}
	return 0;
}

/* ---- passwords: a change, and forgotten ones ----------------------------------- */

struct set_password {
	int64_t id;
	const char *old_hash, *new_hash;
};

static int set_password_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct set_password *a = ctx;
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE users SET pwhash = $3 WHERE id = $1 AND pwhash = $2", err))
		return -1;
	sx_int(&x, 1, a->id);
	sx_str(&x, 2, a->old_hash);
	sx_str(&x, 3, a->new_hash);
	int rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (!n)
		return 1;
	/* whoever knew the old password is signed out, and links asked for
	 * before no longer work */
	return end_access(s, a->id, false, err);
}

int sql_user_set_password(struct store *s, int64_t user_id, const char *old_hash, const char *new_hash,
			  struct buf *err)
{
	struct set_password a = { user_id, old_hash, new_hash };
	return sx_tx(s, set_password_tx, &a, err);
}

struct reset_add {
	const uint8_t *hash;
	int64_t user_id;
	pb_time expires, now;
	const struct outbox_msg *m;
};

static int reset_add_tx(struct store *s, void *ctx, struct buf *err)
{
	const struct reset_add *a = ctx;
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM password_resets WHERE expires < $1", err))
		return -1;
	sx_int(&x, 1, a->now);
	if (sx_done(&x, err))
		return -1;
	if (!sx_prep(&x, s, "INSERT INTO password_resets(hash, user_id, expires) VALUES($1, $2, $3)", err))
		return -1;
	sx_blob(&x, 1, a->hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, a->user_id);
	sx_int(&x, 3, a->expires);
	if (sx_done(&x, err))
		return -1;
	if (!a->m)
		return 0;
	struct outbox_add oa = { a->m, NULL };
	return outbox_add_tx(s, &oa, err) < 0 ? -1 : 0;
}

int sql_reset_add(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires,
		  pb_time now, const struct outbox_msg *m, struct buf *err)
{
	struct reset_add a = { hash, user_id, expires, now, m };
	return sx_tx(s, reset_add_tx, &a, err);
}

int sql_reset_get(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		  struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT " USER_COLS_U " FROM password_resets r JOIN users u ON u.id = r.user_id "
		     "WHERE r.hash = $1 AND r.expires >= $2 AND u.disabled = 0",
		     err))
		return -1;
	sx_blob(&x, 1, hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, now);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_user(&x, 1, u);
	sx_reset(&x);
	return 0;
}

struct reset_use {
	const uint8_t *hash;
	pb_time now;
	const char *pwhash;
	struct user *u;
};

static int reset_use_tx(struct store *s, void *ctx, struct buf *err)
{
	struct reset_use *a = ctx;
	/* the token is taken first: of two transactions that carry it, the
	 * second waits on the first's delete and then finds nothing (under
	 * PostgreSQL's READ COMMITTED too) */
	struct sx x;
	if (!sx_prep(&x, s, "DELETE FROM password_resets WHERE hash = $1 AND expires >= $2 RETURNING user_id", err))
		return -1;
	sx_blob(&x, 1, a->hash, TOKEN_HASH_BYTES);
	sx_int(&x, 2, a->now);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	int64_t uid = sx_cint(&x, 0);
	sx_reset(&x);
	if (!sx_prep(&x, s, "UPDATE users SET pwhash = $2 WHERE id = $1 AND disabled = 0", err))
		return -1;
	sx_int(&x, 1, uid);
	sx_str(&x, 2, a->pwhash);
	rc = sx_step(&x, err);
	int64_t n = sx_changes(&x);
	sx_reset(&x);
	if (rc < 0)
		return -1;
	if (!n)
		return 1; /* no such account, or disabled: rolled back */
	/* the other links, and whatever else opened the account, end */
	if (end_access(s, uid, true, err))
		return -1;
	return sql_user_get(s, uid, NULL, a->u, err) < 0 ? -1 : 0;
}

int sql_reset_use(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, const char *pwhash,
		  struct user *u, struct buf *err)
{
	struct reset_use a = { hash, now, pwhash, u };
	return sx_tx(s, reset_use_tx, &a, err);
}

int sql_outbox_add(struct store *s, const struct outbox_msg *m, const struct strlist *papers, struct buf *err)
{
	struct outbox_add a = { m, papers };
	return sx_tx(s, outbox_add_tx, &a, err);
}

int sql_outbox_has(struct store *s, int64_t sub_id, const char *period_key, bool *has, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT 1 FROM outbox WHERE sub_id = $1 AND period_key = $2", err))
		return -1;
	sx_int(&x, 1, sub_id);
	sx_str(&x, 2, period_key);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*has = rc == 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

int sql_sent_has(struct store *s, int64_t sub_id, const char *paper, bool *has, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT 1 FROM sent_papers WHERE sub_id = $1 AND paper = $2", err))
		return -1;
	sx_int(&x, 1, sub_id);
	sx_str(&x, 2, paper);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	*has = rc == 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

int sql_outbox_due(struct store *s, pb_time now, int64_t after_id, size_t limit,
		   int (*fn)(const struct outbox_msg *, void *), void *ctx, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT id, coalesce(sub_id, 0), kind, period_key, message_id, rcpt, data, state, attempts, "
		     "next_try, created, sent_at, last_error, coalesce(user_id, 0) FROM outbox WHERE id > $3 AND "
		     "((state = 'queued' AND next_try <= $1) OR state = 'sending') ORDER BY id LIMIT $2",
		     err))
		return -1;
	sx_int(&x, 1, now);
	sx_int(&x, 2, (int64_t)limit);
	sx_int(&x, 3, after_id);
	int rc;
	while ((rc = sx_step(&x, err)) == 1) {
		struct outbox_msg m;
		memset(&m, 0, sizeof(m));
		m.id = sx_cint(&x, 0);
		m.sub_id = sx_cint(&x, 1);
		sx_ccopy(&x, 2, m.kind, sizeof(m.kind));
		sx_ccopy(&x, 3, m.period_key, sizeof(m.period_key));
		sx_ccopy(&x, 4, m.message_id, sizeof(m.message_id));
		sx_ccopy(&x, 5, m.rcpt, sizeof(m.rcpt));
		size_t len = 0;
		const void *data = s->sql->col_blob(x.q, 6, &len);
		m.len = len;
		m.data = xmalloc(m.len + 1);
		if (m.len)
			memcpy(m.data, data, m.len);
		m.data[m.len] = '\0';
		sx_ccopy(&x, 7, m.state, sizeof(m.state));
		m.attempts = (int)sx_cint(&x, 8);
		m.next_try = sx_cint(&x, 9);
		m.created = sx_cint(&x, 10);
		m.sent_at = sx_cint(&x, 11);
		m.last_error = sx_cdup(&x, 12);
		m.user_id = sx_cint(&x, 13);
		int stop = fn(&m, ctx);
		outbox_msg_release(&m);
		if (stop)
			break;
	}
	sx_reset(&x);
	return rc < 0 ? -1 : 0;
}

int sql_outbox_claim(struct store *s, int64_t id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = $1", err))
		return -1;
	sx_int(&x, 1, id);
	return sx_done(&x, err);
}

int sql_outbox_settle(struct store *s, int64_t id, const char *state, pb_time next_try, const char *error,
		      pb_time now, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "UPDATE outbox SET state = $2, next_try = $3, last_error = $4, "
		     "sent_at = CASE WHEN $2 = 'sent' THEN $5 ELSE sent_at END, "
		     /* a reset link is kept no longer than it is needed: whoever
		      * reads the store must not find one that works */
		     "data = CASE WHEN kind = 'reset' AND $2 <> 'queued' THEN substr(data, 1, 0) ELSE data END "
		     "WHERE id = $1",
		     err))
		return -1;
	sx_int(&x, 1, id);
	sx_str(&x, 2, state);
	sx_int(&x, 3, next_try);
	sx_str(&x, 4, error);
	sx_int(&x, 5, now);
	return sx_done(&x, err);
}

int sql_outbox_counts(struct store *s, int64_t counts[4], struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s,
		     "SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'sending'), "
		     "count(*) FILTER (WHERE state = 'sent'), count(*) FILTER (WHERE state = 'failed') FROM outbox",
		     err))
		return -1;
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	for (int i = 0; i < 4; i++)
		counts[i] = rc == 0 ? sx_cint(&x, i) : 0;
	if (rc == 0)
		sx_reset(&x);
	return 0;
}

/* ---- private feeds and deleting an account -------------------------------------- */

int sql_user_by_feed(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], struct user *u, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT " USER_COLS " FROM users WHERE feed_hash = $1 AND disabled = 0", err))
		return -1;
	sx_blob(&x, 1, hash, TOKEN_HASH_BYTES);
	int rc = sx_row(&x, err);
	if (rc)
		return rc;
	row_to_user(&x, 1, u);
	sx_reset(&x);
	return 0;
}

/* The account deleted users' comments are kept under (made once). */
#define DELETED_USER "[deleted]"

static int deleted_user(struct store *s, int64_t *id, struct buf *err)
{
	struct sx x;
	if (!sx_prep(&x, s, "SELECT id FROM users WHERE name = $1", err))
		return -1;
	sx_str(&x, 1, DELETED_USER);
	int rc = sx_row(&x, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		*id = sx_cint(&x, 0);
		sx_reset(&x);
		return 0;
	}
	if (!sx_prep(&x, s,
		     "INSERT INTO users(name, email, fullname, pwhash, admin, disabled, created, email_verified) "
		     "VALUES($1, '', 'deleted user', '!', 0, 1, $2, 0) RETURNING id",
		     err))
		return -1;
	sx_str(&x, 1, DELETED_USER);
	sx_int(&x, 2, time_now_ms());
	if ((rc = sx_row(&x, err)))
		return -1;
	*id = sx_cint(&x, 0);
	sx_reset(&x);
	return 0;
}

static int user_delete_tx(struct store *s, void *ctx, struct buf *err)
{
	int64_t uid = *(int64_t *)ctx;
	struct user u;
	int rc = sql_user_get(s, uid, NULL, &u, err);
	if (rc)
		return rc;
	int64_t dead;
	if (deleted_user(s, &dead, err))
		return -1;
	static const char *const steps[] = {
		/* its votes leave the counts */
		"UPDATE papers SET local_votes = greatest(local_votes - 1, 0) WHERE id IN "
		"(SELECT paper FROM votes WHERE user_id = $1 AND counted = 1)",
		"DELETE FROM votes WHERE user_id = $1",
		/* its visible comments leave the counts, and are deleted */
		"UPDATE papers SET local_comments = greatest(local_comments - (SELECT count(*) FROM comments c WHERE "
		"c.paper = papers.id AND c.user_id = $1 AND c.deleted = 0 AND c.hidden = 0), 0) WHERE id IN "
		"(SELECT paper FROM comments WHERE user_id = $1)",
		"UPDATE comments SET user_id = $2, deleted = 1, body = '' WHERE user_id = $1",
		/* the papers it submitted stay, without its name */
		"UPDATE papers SET submitter = NULL, submitter_name = NULL WHERE submitter IN "
		"(SELECT name FROM users WHERE id = $1)",
		"DELETE FROM subscriptions WHERE user_id = $1",
		/* its reset links (by number: a later account may get it again) */
		"DELETE FROM password_resets WHERE user_id = $1",
		/* and the rest goes with the row (sessions, tokens, follows, mutes,
		 * collections, recommendations, submissions, mail to it) */
		"DELETE FROM users WHERE id = $1 AND id <> $2",
	};
	for (size_t i = 0; i < ARRAY_SIZE(steps); i++) {
		struct sx x;
		if (!sx_prep(&x, s, steps[i], err))
			return -1;
		sx_int(&x, 1, uid);
		if (strstr(steps[i], "$2"))
			sx_int(&x, 2, dead);
		if (sx_done(&x, err))
			return -1;
	}
	return 0;
}

int sql_user_delete(struct store *s, int64_t user_id, struct buf *err)
{
	return sx_tx(s, user_delete_tx, &user_id, err);
}
