/*
 * store.h - the paper store: the whole interface between paperboy and its
 * database. Nothing outside src/store sees SQL or knows the backend. A
 * store is opened by URL: a SQLite file ("PATH", "sqlite:PATH"), or a
 * PostgreSQL server ("postgresql://user@host:port/db"). Both backends fill
 * one table of functions (store_int.h) and pass the same conformance tests
 * (tests/unit/test_store.c).
 *
 * Every function returns 0 on success and -1 on failure with a message in
 * `err` (a caller-owned buf), unless it says otherwise; after a failure,
 * store_errkind() says what kind of failure it was, so callers decide by
 * kind, never by the message. Functions that look something up return 1
 * when it is not there (that is not a failure).
 *
 * Concurrency. One struct store is used by one thread at a time; open one
 * per thread (SQLite: a connection each; PostgreSQL: a connection each,
 * which makes the pool of a process as large as its threads). Any number
 * of processes, on any number of hosts for PostgreSQL, may use one store
 * at once:
 *  - store_begin .. store_commit is all or nothing. Statements inside see
 *    what was committed before each statement ran (PostgreSQL's read
 *    committed; SQLite holds the write lock from store_begin, so it sees
 *    the same). Two transactions changing one row take turns; a deadlock
 *    or lock timeout fails one of them with PB_BUSY (try again).
 *    Functions documented as atomic are one statement or their own
 *    transaction, whatever the callers around them do.
 *  - The write sequence: every batch of paper writes takes the next number
 *    of one counter, holding it until it commits, so writers of papers
 *    take turns and numbers commit in order. store_seq() is therefore a
 *    safe mark: every paper write numbered at or below it is committed, and
 *    a reader that follows the sequence (store_paper_scan_since) never
 *    misses a batch that commits late with a lower number.
 *  - Leases (store_lease_*) give one holder at a time of a named job, with
 *    an expiry the holder renews; compare-and-set on the key/value area
 *    (store_kv_cas) claims one-off runs.
 */
#ifndef PAPERBOY_STORE_H
#define PAPERBOY_STORE_H

#include "../paper/paper.h"

struct store;

/* The schema version this binary writes. */
#define STORE_SCHEMA_VERSION 16

enum store_open_flags {
	STORE_CREATE = 1 << 0, /* create the database if missing (init) */
	STORE_READONLY = 1 << 1,
};

/* What went wrong, by kind (X-macro: the enum and its names). */
/* The kind of the last failure of a call on s (PB_OK after a
 * success). */
enum pb_status store_errkind(const struct store *s);

/* The kind of the first failure on s since store_failures_clear: what a
 * caller that carried on past failures (a page that rendered what it
 * could) reports at its end. */
enum pb_status store_first_failure(const struct store *s);
/* How many rows the statements run on s have changed since it opened
 * (inserted, updated or deleted; a rolled-back one counts too): whether a
 * request wrote anything is whether this moved. */
uint64_t store_writes(const struct store *s);
void store_failures_clear(struct store *s);

/* url with its password (if any) replaced by "***", for messages; malloc'd. */
char *store_url_redact(const char *url);
/* Whether url names a PostgreSQL store (else a SQLite file). */
bool store_url_is_pg(const char *url);

/*
 * Opens the store at url and brings its schema up to date; refuses a
 * schema newer than this binary. Without STORE_CREATE, a missing database
 * is an error. *out is owned by the caller: close it with store_close.
 * On failure, *kind (when non-NULL) says the kind.
 */
int store_open(const char *url, unsigned flags, struct store **out, struct buf *err);
int store_open_kind(const char *url, unsigned flags, struct store **out, enum pb_status *kind, struct buf *err);
void store_close(struct store *s);
/* The schema version found in the database after opening. */
int store_schema_version(struct store *s);
/* "sqlite" or "postgresql". */
const char *store_backend(const struct store *s);

/* Transactions: everything between begin and commit is all-or-nothing. */
int store_begin(struct store *s, struct buf *err);
int store_commit(struct store *s, struct buf *err);
void store_rollback(struct store *s);

enum upsert_result { UPSERT_NEW, UPSERT_UPDATED, UPSERT_UNCHANGED };

/*
 * Merges each of papers[0..n) into the store (paper_merge against what is
 * stored) and writes what changed, under one new write sequence number;
 * results[i] says what happened to papers[i]. Must be called inside
 * store_begin/store_commit. Records with the same id within one batch are
 * applied in order.
 */
int store_upsert_batch(struct store *s, const struct paper *papers, size_t n,
		       enum upsert_result *results, struct buf *err);

/* Loads paper `id` into *p (initialised by the caller). Returns 0 when
 * found, 1 when not found, -1 on error. */
int store_paper_get(struct store *s, const char *id, struct paper *p, struct buf *err);
/* The papers of ids[0..n) (any number) in one round trip per hundred,
 * hidden ones left out unless with_hidden: fn(p, i) for each found, i its
 * index in ids, in the order of ids. */
int store_papers_get(struct store *s, const char *const *ids, size_t n, bool with_hidden,
		     int (*fn)(const struct paper *p, size_t i, void *ctx), void *ctx, struct buf *err);

/* SORT_FEED: the feed's own order, as its pages show it: the newest feed
 * day first, the most upvoted first within a day. */
enum store_sort { SORT_PUBLISHED, SORT_UPVOTES, SORT_TRENDING, SORT_FEED };

/* Papers whose feed day lies in [day_from, day_to); both "YYYY-MM-DD".
 * Hidden papers are never listed. submitter: only the papers this user
 * submitted (NULL: all); organization: only the featured papers of this
 * Hugging Face organization (its "name"; NULL: all). now: the reference
 * time of SORT_TRENDING (0: the clock). */
struct store_query {
	char day_from[16], day_to[16];
	enum store_sort sort;
	size_t limit, offset;
	const char *submitter;
	const char *organization;
	pb_time now;
};

/* The trending score of a paper with `votes` featured at `featured`, seen
 * at `now` (documented in the README). */
double store_trending_score(int votes, pb_time featured, pb_time now);

/* Calls fn for each paper of the query in order; stops early when fn
 * returns non-zero. The paper passed to fn is only valid during the call. */
int store_paper_list(struct store *s, const struct store_query *q,
		     int (*fn)(const struct paper *p, void *ctx), void *ctx, struct buf *err);

/* Calls fn for every paper, in the order they were first stored; stops
 * early when fn returns non-zero. The paper is only valid during the call.
 * Read in pages: fn may call the store. */
int store_paper_scan(struct store *s, int (*fn)(const struct paper *p, void *ctx), void *ctx,
		     struct buf *err);
/* The papers written after sequence number `seq` (and at or before the
 * safe mark, store_seq), in the order they were written. */
int store_paper_scan_since(struct store *s, int64_t seq, int (*fn)(const struct paper *p, void *ctx), void *ctx,
			   struct buf *err);
/* The safe mark of the write sequence (0: nothing written yet). */
int store_seq(struct store *s, int64_t *seq, struct buf *err);

/* The daily feed: in a store that holds featured papers (Daily-Papers days:
 * imported from Hugging Face, submitted or approved here), those papers by
 * the day they were featured; in a store of arXiv papers only, every paper
 * by its arXiv day. Hidden papers are never on it. The list, day and count
 * functions below all follow this rule. */

/* The newest feed day before `before` ("" = no bound) holding visible
 * papers; out is "" when there is none. */
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
/* Compare and set, atomic: sets key to `value` only when it holds
 * `expected` (NULL: when it is absent). 0 set, 1 it held something else. */
int store_kv_cas(struct store *s, const char *key, const char *expected, const char *value, struct buf *err);

/* ---- the Hub's repositories citing a paper ---------------------------------
 * What `fetch hf` and serve's sync learn from the Hugging Face Hub: the
 * models, datasets and Spaces that cite a paper, as one JSON document
 * (its shape is fetch.h's, the store keeps it as given) and when it was
 * fetched. A paper never asked about has none. */
/* Writes paper's document and the time it was fetched (replacing any). */
int store_links_put(struct store *s, const char *paper, const char *json, pb_time fetched, struct buf *err);
/* Appends paper's document to json and sets *fetched. 0, 1 when there is
 * none (never fetched), -1. */
int store_links_get(struct store *s, const char *paper, struct buf *json, pb_time *fetched, struct buf *err);
/* The visible papers featured on days [day_from, day_to] ("YYYY-MM-DD")
 * whose document is missing or was fetched before stale_before, at most
 * limit: those never fetched first, then the longest ago, newer days first
 * among equals; fn(id) for each (all are read first: fn may use the
 * store), stopping when it returns non-zero. */
int store_links_due(struct store *s, const char *day_from, const char *day_to, pb_time stale_before, size_t limit,
		    int (*fn)(const char *paper, void *ctx), void *ctx, struct buf *err);

/* ---- full texts, their references, and the PDF fetch's state -------------------
 * What `fetch pdf` and serve's sync take from a paper's PDF: its text
 * (kept compressed with zlib: the text of an arXiv paper is mostly words,
 * a quarter of its size compressed), and the arXiv identifiers the text
 * names (paper_refs_find: raw ids, without versions, the paper's own left
 * out). References are joined with the papers at read time, so a paper
 * that arrives later is found among the references of one stored before. */
#define STORE_TEXT_MAX (4u << 20) /* a text longer than this is refused */
/* A paper's full text: UTF-8, its pages separated by '\f' (page 1 first).
 * Storing it moves the paper's write sequence number like an update of the
 * paper does, so the search index's update re-indexes it; and replaces the
 * paper's references with those its text names, in the same transaction.
 * A paper not in the store is refused (PB_NOTFOUND). 0, or -1 (err set). */
int store_text_put(struct store *s, const char *paper, const char *text, size_t len, struct buf *err);
/* 0 found (the text, decompressed, into out), 1 none, -1 error. */
int store_text_get(struct store *s, const char *paper, struct buf *out, struct buf *err);
/* The ids of the papers that have text, sorted ascending: fn per id (stop on non-zero). */
int store_text_ids(struct store *s, int (*fn)(const char *paper, void *ctx), void *ctx, struct buf *err);

/* The visible papers in the store that paper's text names (citations
 * false: its references) or whose text names paper (citations true: it is
 * cited by them), newest first, from offset, at most limit (at most 200);
 * fn per paper, stopping on non-zero. */
int store_refs_list(struct store *s, const char *paper, bool citations, size_t offset, size_t limit,
		    int (*fn)(const struct paper *p, void *ctx), void *ctx, struct buf *err);
/* How many of those there are, each way (NULL: not wanted). */
int store_refs_count(struct store *s, const char *paper, int64_t *refs, int64_t *cites, struct buf *err);

/* Where a paper's PDF stands: "done" (its text is stored; etag and
 * last_modified are the answer's validators, for a conditional request
 * later) or "failed" (message says why; asked again after next_try, each
 * failure in a row, attempts, doubling the wait). */
struct pdf_state {
	char paper[PAPER_ID_MAX];
	char state[12];
	char etag[256], last_modified[64];
	int attempts;
	pb_time next_try, updated;
	char message[256];
};
/* 0 found, 1 never tried, -1. */
int store_pdf_get(struct store *s, const char *paper, struct pdf_state *st, struct buf *err);
/* Writes st (replacing the paper's). */
int store_pdf_set(struct store *s, const struct pdf_state *st, struct buf *err);
/* The visible papers featured on days [day_from, day_to] whose PDF was
 * never tried, or failed and is due again at now; never tried first, then
 * newer days first; at most limit; fn per id (all read first: fn may use
 * the store), stopping on non-zero. */
int store_pdf_due(struct store *s, const char *day_from, const char *day_to, pb_time now, size_t limit,
		  int (*fn)(const char *paper, void *ctx), void *ctx, struct buf *err);

/* ---- GitHub stars over time ---------------------------------------------
 * What the sources say of a paper's GitHub stars (Hugging Face's
 * githubStars), each time they say it: a point (time, stars) a day at
 * most, for the last STARS_KEEP_DAYS days before a paper's newest point.
 * The papers table keeps the highest count seen; the history keeps what
 * was seen, drops included. */
#define STARS_KEEP_DAYS 90
/* "Gained this week": the stars at the newest point at or before `now`
 * less the stars at the newest point at or before now - STARS_WINDOW_MS
 * (the first point when the history is younger than that). */
#define STARS_WINDOW_MS (7 * 86400000LL)
struct star_point {
	pb_time at;
	int stars;
};
/* Records the stars of each of papers[0..n) that carries a count
 * (github_stars >= 0), seen at `at`: a paper's first point of a UTC day
 * is added; a later one of that day replaces it when the count differs
 * (nothing is written when it does not); points older than
 * STARS_KEEP_DAYS before the paper's newest go. Inside or outside a
 * transaction. */
int store_stars_record(struct store *s, const struct paper *papers, size_t n, pb_time at, struct buf *err);
/* A paper's points at or before `until` (0: all), oldest first: fn for
 * each (read first: fn may use the store). 0/-1 (no points: fn never
 * called). */
int store_stars_history(struct store *s, const char *paper, pb_time until,
			int (*fn)(const struct star_point *pt, void *ctx), void *ctx, struct buf *err);
/* What a paper's history says at a time: its stars then and what they
 * gained in the STARS_WINDOW_MS before. */
struct star_gain {
	int stars, gained;
	pb_time now; /* the reference time used */
};
/* The visible papers with a history, by the stars gained in the window
 * before `now` (the newest point of any paper when that is earlier: a
 * store of old observations still ranks its last week), most first, then
 * by their stars, then newest id; from offset, at most limit (0: all).
 * fn(p, gain) for each, in order (read first: fn may use the store);
 * stops when it returns non-zero. */
int store_stars_trending(struct store *s, pb_time now, size_t limit, size_t offset,
			 int (*fn)(const struct paper *p, const struct star_gain *g, void *ctx), void *ctx,
			 struct buf *err);

/* ---- people and what they do (the web service) --------------------------
 * Accounts, sessions and API tokens (stored only as SHA-256-sized hashes
 * of the secrets), votes, comments and moderation. Functions returning
 * 0/1/-1 use 1 for "not found" (or "taken" for store_user_add). */

#define USER_NAME_MAX 40
struct user {
	int64_t id;
	char name[USER_NAME_MAX];
	char email[256];
	bool email_verified; /* the owner followed a link mailed there */
	char fullname[128];
	char pwhash[128]; /* libsodium's Argon2id string */
	bool admin, disabled;
	pb_time created;
};
#define TOKEN_HASH_BYTES 32

/* Creates u (sets u->id); 1 when the name is taken (names are unique
 * whatever their case). Email addresses are not unique until verified: u's
 * email_verified is written as given, and 1 is returned when it is set and
 * another account has verified that address. */
int store_user_add(struct store *s, struct user *u, struct buf *err);
/* By name (any case) when name is non-NULL, else by id. 0/1/-1. */
int store_user_get(struct store *s, int64_t id, const char *name, struct user *u, struct buf *err);
/* The account a sign-in names: by name, or by email address (both ignoring
 * case); of several accounts with one unverified address, the one that
 * verified it, else the oldest. 0/1/-1. */
int store_user_find(struct store *s, const char *login, struct user *u, struct buf *err);
/* Whether name (any case) submitted a paper that is stored: 0 it did, 1
 * not, -1. */
int store_submitter_known(struct store *s, const char *name, struct buf *err);
/* Marks user_id's address verified when it still is `email`. 0, 1 when
 * the user or that address is gone, 2 when another account verified the
 * address first, -1. */
int store_user_verify_email(struct store *s, int64_t user_id, const char *email, struct buf *err);
/* Accounts (not disabled) whose address is not verified, oldest first, at
 * most limit: what an operator may verify when no mail is sent. 0/-1. */
int store_user_unverified(struct store *s, size_t limit, int (*fn)(const struct user *u, void *ctx), void *ctx,
			  struct buf *err);
/* One of an account's flags, as store_user_flag sets it. */
enum user_flag { USER_FLAG_ADMIN, USER_FLAG_DISABLED };
/* Sets flag of user_id to on and writes no other column (a copy of the
 * account read before another change writes nothing of it back).
 * Disabling an account ends its sessions and reset links. 0/1/-1. */
int store_user_flag(struct store *s, int64_t user_id, enum user_flag flag, bool on, struct buf *err);

struct outbox_msg;
/* Sets user_id's password hash to new_hash when it is still old_hash (a
 * change that raced another is refused, not undone), ending the account's
 * sessions. 0, 1 when the hash or the user changed meanwhile, -1. */
int store_user_set_password(struct store *s, int64_t user_id, const char *old_hash, const char *new_hash,
			    struct buf *err);

/* Forgotten passwords: a reset link's token is kept as its hash (a copy of
 * the store makes no working link). Records hash for user_id until
 * `expires` and queues m (the message that carries the link) in one
 * transaction; expired tokens go. With user_id 0 and m NULL it records a
 * token that works for no one: a request that matched no account costs
 * what one that matched does. 0/-1. */
int store_reset_add(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires,
		    pb_time now, const struct outbox_msg *m, struct buf *err);
/* The enabled account an unexpired reset token is for. 0/1/-1. */
int store_reset_get(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		    struct buf *err);
/* Uses a reset token, in one transaction: when it is recorded, unexpired
 * and for an enabled account, that account's password hash becomes
 * pwhash, and its sessions, its API tokens and every reset token of it
 * end (a reset is a recovery: whatever someone else set up goes). *u the
 * account. 0, 1 when the token is not (or no longer) valid, -1. */
int store_reset_use(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, const char *pwhash,
		    struct user *u, struct buf *err);

/* A session of user_id; the user's oldest beyond STORE_SESSIONS_MAX end. */
#define STORE_SESSIONS_MAX 32
int store_session_add(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires,
		      struct buf *err);
/* The enabled user of an unexpired session. 0/1/-1. */
int store_session_get(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		      struct buf *err);
int store_session_del(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], struct buf *err);

struct api_token {
	int64_t id;
	char label[64];
	pb_time created, last_used;
};
/* A token of user_id: 0, 1 when the user has STORE_TOKENS_MAX already, -1. */
#define STORE_TOKENS_MAX 20
int store_token_add(struct store *s, int64_t user_id, const uint8_t hash[TOKEN_HASH_BYTES], const char *label,
		    pb_time now, struct buf *err);
/* The enabled user owning a token (and notes its use). 0/1/-1. */
int store_token_user(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u,
		     struct buf *err);
int store_token_list(struct store *s, int64_t user_id, int (*fn)(const struct api_token *t, void *ctx), void *ctx,
		     struct buf *err);
/* 0, 1 when the user has no such token, -1. */
int store_token_del(struct store *s, int64_t user_id, int64_t token_id, struct buf *err);

/* Votes. A vote that `counts` adds to the paper's total at once; one that
 * does not (cast by an account younger than the service's vote age) is
 * kept, shown to its voter, and counted by store_votes_mature once the
 * account is old enough; taken back, it never counted. */
/* Casts user's vote for paper, or takes it back when already cast, in one
 * transaction: *voted is the new state and *upvotes the paper's new total
 * (imported + counted local votes). 0, 1 for an unknown or hidden paper, -1. */
int store_vote_toggle(struct store *s, int64_t user_id, const char *paper, pb_time now, bool counts, bool *voted,
		      int *upvotes, struct buf *err);
/* Sets user's vote for paper to `on` (idempotent), in one transaction;
 * *upvotes the paper's total after it. 0, 1 unknown or hidden paper, -1. */
int store_vote_set(struct store *s, int64_t user_id, const char *paper, bool on, pb_time now, bool counts,
		   int *upvotes, struct buf *err);
/* Counts the waiting votes of the accounts created at or before
 * `created_before`, atomically; *n how many began to count. */
int store_votes_mature(struct store *s, pb_time created_before, int64_t *n, struct buf *err);
int store_vote_get(struct store *s, int64_t user_id, const char *paper, bool *voted, struct buf *err);
/* Which of papers[0..n) user voted for: voted[i] (one round trip per
 * hundred). */
int store_votes_get(struct store *s, int64_t user_id, const char *const *papers, size_t n, bool *voted,
		    struct buf *err);
/* A paper's local votes per day ("YYYY-MM-DD"), oldest first. */
int store_vote_days(struct store *s, const char *paper, int (*fn)(const char *day, int votes, void *ctx),
		    void *ctx, struct buf *err);
/* The papers a user upvoted, newest vote first. */
int store_user_votes(struct store *s, int64_t user_id, size_t limit, int (*fn)(const struct paper *p, void *ctx),
		     void *ctx, struct buf *err);
/* Papers and upvotes per feed day in [from, to). */
int store_day_counts(struct store *s, const char *from, const char *to,
		     int (*fn)(const char *day, int papers, int upvotes, void *ctx), void *ctx, struct buf *err);
/* The oldest feed day after `after` holding visible papers; "" when none. */
int store_next_day(struct store *s, const char *after, char out[16], struct buf *err);
/* The newest `limit` feed days that hold visible papers, newest first,
 * with their number of papers. */
int store_recent_days(struct store *s, size_t limit, int (*fn)(const char *day, int papers, void *ctx), void *ctx,
		      struct buf *err);
/* Hides a paper from every list and page (or shows it again). 0/1/-1. */
int store_paper_hide(struct store *s, const char *id, bool hidden, struct buf *err);
/* The hidden papers' ids (searches leave them out), fn for each; *gen a
 * number that changes whenever a paper is hidden or shown again. */
int store_papers_hidden(struct store *s, int64_t *gen, int (*fn)(const char *id, void *ctx), void *ctx,
			struct buf *err);
/* Only that number (cheap: read on every pass of a server's index). */
int store_hidden_gen(struct store *s, int64_t *gen, struct buf *err);

struct comment {
	int64_t id, parent, user_id; /* parent 0: top level */
	char paper[PAPER_ID_MAX];
	char user[USER_NAME_MAX];
	char *body; /* Markdown, owned; "" once deleted */
	pb_time created, edited;
	bool deleted, hidden;
};
void comment_release(struct comment *c);
/* Adds c (sets c->id and c->created when 0). 1 when the paper is unknown or
 * the parent is not a top-level comment of the same paper. */
int store_comment_add(struct store *s, struct comment *c, struct buf *err);
int store_comment_get(struct store *s, int64_t id, struct comment *c, struct buf *err);
int store_comment_edit(struct store *s, int64_t id, const char *body, pb_time now, struct buf *err);
/* A paper's local_comments counts its comments everyone sees: not deleted,
 * not hidden; these functions keep it so. */
/* Deletes the text (the thread keeps its shape). */
int store_comment_delete(struct store *s, int64_t id, struct buf *err);
int store_comment_hide(struct store *s, int64_t id, bool hidden, struct buf *err);
/* A user's comments, newest first (their own data, for export). */
int store_user_comments(struct store *s, int64_t user_id, int (*fn)(const struct comment *c, void *ctx), void *ctx,
			struct buf *err);
/* A paper's comments: each top-level comment followed by its replies; a
 * deleted comment only while it has replies that are not. */
int store_comment_list(struct store *s, const char *paper, int (*fn)(const struct comment *c, void *ctx),
		       void *ctx, struct buf *err);

/* ---- submissions: every paper a user gives for the daily feed, featured
 * at once or held for a moderator ("pending"), and the decision. */
struct submission {
	int64_t id, user_id;
	char paper[PAPER_ID_MAX];
	char user[USER_NAME_MAX];
	pb_time at, decided_at;
	char status[12]; /* "featured", "pending", "rejected" */
};
int store_submission_add(struct store *s, const char *paper, int64_t user_id, pb_time at, const char *status,
			 int64_t *id, struct buf *err);
/* How many submissions user_id made since `since`. */
int store_submission_count(struct store *s, int64_t user_id, pb_time since, int64_t *n, struct buf *err);
/* Submissions of a status, oldest first, at most limit. */
int store_submission_list(struct store *s, const char *status, size_t limit,
			  int (*fn)(const struct submission *sub, void *ctx), void *ctx, struct buf *err);
/* Decides a pending submission ("featured" or "rejected"), atomically;
 * *sub is what it was. 0, 1 when there is no such pending submission, -1. */
int store_submission_decide(struct store *s, int64_t id, const char *status, int64_t by, pb_time now,
			    struct submission *sub, struct buf *err);

/* ---- fetches from arXiv asked for by users: a queue every process shares.
 * A job is "queued", then "running" (claimed by an owner until next_try,
 * its lease; an expired lease makes it claimable again), then "done",
 * "failed" (message says why) or "refused" (a rule said no; message). */
struct fetch_job {
	int64_t id, user_id;
	char paper[PAPER_ID_MAX];
	bool submit;       /* feature the paper once it is here (a submission) */
	char state[12];
	char message[512];
	int attempts;
	pb_time created, updated, next_try;
	char owner[128];
};
/* Queues a job for j->paper by j->user_id (submit as j->submit); when that
 * user already has one waiting or running for the paper, that one is kept:
 * *id is the job's, *existed says which. */
int store_fetch_add(struct store *s, const struct fetch_job *j, pb_time now, int64_t *id, bool *existed,
		    struct buf *err);
/* Claims the oldest job due at `now` (queued, or running with an expired
 * lease) for owner until now + lease_ms, atomically (one owner whatever the
 * number of processes). 0 claimed (*j), 1 none due, -1. */
int store_fetch_claim(struct store *s, const char *owner, pb_time now, pb_time lease_ms, struct fetch_job *j,
		      struct buf *err);
/* Settles a claimed job: state "done", "failed", "refused", or "queued"
 * again (tried after next_try). 0, 1 when owner no longer holds it, -1. */
int store_fetch_finish(struct store *s, int64_t id, const char *owner, const char *state, const char *message,
		       pb_time next_try, pb_time now, struct buf *err);
/* The newest job for paper (of user_id, or anyone's when 0). 0/1/-1. */
int store_fetch_get(struct store *s, const char *paper, int64_t user_id, struct fetch_job *j, struct buf *err);
/* How many submissions (jobs with submit) user_id asked for since `since`
 * that did not end in a submission: waiting, running, failed or refused. */
int store_fetch_count(struct store *s, int64_t user_id, pb_time since, int64_t *n, struct buf *err);

/* ---- limits: counters of events per key (failed sign-ins, subscriptions)
 * that outlive the process and are shared by every process on the store.
 * A key's count grows with each event and starts again after `quiet_ms`
 * without one; from the `free_n`-th event on, the key is blocked for
 * base_ms, doubling with every further event, up to max_ms. */
struct store_limit {
	int64_t count;
	pb_time last, blocked_until;
};
/* Counts an event against key at `now`, atomically; *out is the state after it. */
int store_limit_hit(struct store *s, const char *key, pb_time now, pb_time quiet_ms, int free_n, pb_time base_ms,
		    pb_time max_ms, struct store_limit *out, struct buf *err);
/* The state of key (zeroes when it has none). */
int store_limit_get(struct store *s, const char *key, struct store_limit *out, struct buf *err);
int store_limit_clear(struct store *s, const char *key, struct buf *err);
/* Forgets keys neither blocked nor touched since `before`. */
int store_limit_prune(struct store *s, pb_time before, struct buf *err);

/* ---- leases: one holder at a time of a named job across processes and
 * hosts (the mail sender, a scheduled run). A lease is held until `expires`
 * and must be renewed before then; a holder that cannot renew has lost it
 * and must stop. Owners are strings that name a process ("host pid"). */
/* Takes the lease when it is free, expired, already owner's, or held by
 * `steal` (non-NULL: a holder known to be dead), atomically. 0 taken, 1
 * held by another (its owner in holder[128] when non-NULL), -1. */
int store_lease_take(struct store *s, const char *name, const char *owner, pb_time now, pb_time ttl_ms,
		     const char *steal, char *holder, struct buf *err);
/* Extends owner's lease to now + ttl_ms. 0, 1 when owner no longer holds it. */
int store_lease_renew(struct store *s, const char *name, const char *owner, pb_time now, pb_time ttl_ms,
		      struct buf *err);
int store_lease_release(struct store *s, const char *name, const char *owner, struct buf *err);
/* The holder and expiry of a lease. 0, 1 when nobody holds it, -1. */
int store_lease_get(struct store *s, const char *name, char holder[128], pb_time *expires, struct buf *err);

/* ---- subscriptions and the outbox (email digests) -------------------------
 * One subscription per address. The outbox holds every message rendered,
 * once per (subscription, period key): a digest is rendered and recorded
 * with the papers it carries in one transaction, then claimed ("sending")
 * and settled ("sent", back to "queued" with a later try, or "failed") in
 * transactions of their own around the SMTP exchange. */

struct subscription {
	int64_t id, user_id;
	char email[256];
	char period[8];  /* "daily" or "weekly" */
	char *topics;    /* owned; one search query a line; "" for none */
	char status[12]; /* "pending", "active", "paused", "cancelled" */
	pb_time created, confirmed_at;
	int failures;    /* permanent failures in a row */
	/* a change asked for and waiting for the address's confirmation
	 * (pending_period "" when none) */
	char pending_period[8];
	char *pending_topics; /* owned or NULL */
};
void subscription_release(struct subscription *sub);
/* Adds the subscription for sub->email, or updates the period and topics of
 * the one there (a cancelled one starts again as pending). Sets sub->id and
 * sub->status; *created says which. For changes the address's owner made
 * (a signed link, the operator); others go through store_sub_propose. */
int store_sub_upsert(struct store *s, struct subscription *sub, bool *created, struct buf *err);
/* A change asked for by someone who has not shown they own the address: a
 * new address gets a pending subscription; an existing one keeps its
 * settings and status and holds sub's period and topics as a pending change
 * until store_sub_confirm. Sets sub->id and sub->status; *created. */
int store_sub_propose(struct store *s, struct subscription *sub, bool *created, struct buf *err);
/* The address's owner confirmed: the pending change (if any) applies and
 * the subscription is active. 0/1/-1. */
int store_sub_confirm(struct store *s, int64_t id, struct buf *err);
/* By id, or by email (any case) when email is non-NULL. 0/1/-1. */
int store_sub_get(struct store *s, int64_t id, const char *email, struct subscription *sub, struct buf *err);
int store_sub_set_status(struct store *s, int64_t id, const char *status, struct buf *err);
/* Active subscriptions of a period ("daily"/"weekly"), by id. */
int store_sub_list(struct store *s, const char *period, int (*fn)(const struct subscription *sub, void *ctx),
		   void *ctx, struct buf *err);
/* The subscriptions of an address (a signed-in user's own). */
int store_sub_list_email(struct store *s, const char *email, int (*fn)(const struct subscription *sub, void *ctx),
			 void *ctx, struct buf *err);
/* Counts a delivery's outcome: ok resets the failures, a permanent failure
 * adds one and pauses the subscription at pause_after. */
int store_sub_delivery(struct store *s, int64_t id, bool ok, int pause_after, struct buf *err);

struct outbox_msg {
	int64_t id, sub_id;   /* sub_id 0: a message to an account (user_id) */
	int64_t user_id;
	char kind[12];        /* "confirm", "digest", "verify" or "reset" (its data is emptied once settled) */
	char period_key[48];  /* "daily:2025-06-02", "weekly:2025-W23", "confirm:..." */
	char message_id[192]; /* without angle brackets */
	char rcpt[256];
	char *data;           /* the whole RFC 5322 message, owned */
	size_t len;
	char state[12];       /* "queued", "sending", "sent", "failed" */
	int attempts;
	pb_time next_try, created, sent_at;
	char *last_error;     /* owned or NULL */
};
void outbox_msg_release(struct outbox_msg *m);
/* Records a rendered message and the papers it carries (never to be sent to
 * that subscription again), in one transaction. 0, 1 when the subscription
 * already has a message for that period key, -1. */
int store_outbox_add(struct store *s, const struct outbox_msg *m, const struct strlist *papers, struct buf *err);
int store_outbox_has(struct store *s, int64_t sub_id, const char *period_key, bool *has, struct buf *err);
/* Whether paper went to subscription sub_id in an earlier message. */
int store_sent_has(struct store *s, int64_t sub_id, const char *paper, bool *has, struct buf *err);
/* Messages to deliver now: queued ones due by `now`, and those left
 * "sending" by a sender that died; with ids above after_id (a run's
 * cursor: each message is tried once per run), oldest first, at most
 * `limit`. */
int store_outbox_due(struct store *s, pb_time now, int64_t after_id, size_t limit,
		     int (*fn)(const struct outbox_msg *m, void *ctx), void *ctx, struct buf *err);
/* The claim before a send: state "sending", one more attempt. */
int store_outbox_claim(struct store *s, int64_t id, struct buf *err);
/* The result after it: "sent", "queued" (retry at next_try) or "failed". */
int store_outbox_settle(struct store *s, int64_t id, const char *state, pb_time next_try, const char *error,
			pb_time now, struct buf *err);
/* Counts of messages by state (queued, sending, sent, failed). */
int store_outbox_counts(struct store *s, int64_t counts[4], struct buf *err);

/* ---- what each reader makes of the service: follows, mutes, collections,
 * recommendations, preferences -------------------------------------------
 * Follows and mutes are (kind, value) pairs per user. Kinds of follows:
 * "author" (a name), "hfuser" (a Hugging Face user), "org", "category"
 * (cs.CL), "search" (a query); of mutes: "word", "author", "category". */
struct follow {
	char kind[12];
	char value[200];
	pb_time created;
};
/* Adds (on) or removes a follow or mute, idempotently. A pair the user
 * lacks is not added when it has `max` (0: no cap) already: 1. The cap
 * holds when requests race (the account's row is locked while counting).
 * 0, 1, -1. */
int store_follow_set(struct store *s, int64_t user_id, const char *kind, const char *value, bool on, pb_time now,
		     size_t max, struct buf *err);
int store_follow_list(struct store *s, int64_t user_id, int (*fn)(const struct follow *f, void *ctx), void *ctx,
		      struct buf *err);
int store_mute_set(struct store *s, int64_t user_id, const char *kind, const char *value, bool on, pb_time now,
		   size_t max, struct buf *err);
int store_mute_list(struct store *s, int64_t user_id, int (*fn)(const struct follow *m, void *ctx), void *ctx,
		    struct buf *err);

/* A user's preferences and marks. */
struct user_prefs {
	bool mute_collapse;   /* muted papers shown collapsed with the reason (else left out) */
	pb_time read_mark;    /* papers featured before this are read ("mark all as read") */
	pb_time active_at;    /* the last vote, save or follow (the recommender's cue) */
	pb_time recs_at;      /* when the recommendations were last made (0: never) */
	bool has_feed;        /* a private feed token is set */
	uint8_t feed_hash[TOKEN_HASH_BYTES];
};
int store_prefs_get(struct store *s, int64_t user_id, struct user_prefs *p, struct buf *err);
/* Which preferences store_prefs_set writes: the others keep what they
 * hold in the database, so that two requests changing two of them at
 * once both stay made. */
enum { PREFS_MUTE_COLLAPSE = 1, PREFS_READ_MARK = 2, PREFS_FEED = 4 /* has_feed and feed_hash */ };
/* Writes the fields of p that `fields` names (recs_at and active_at are
 * written by store_user_touch and store_recs_set). 0/1/-1. */
int store_prefs_set(struct store *s, int64_t user_id, const struct user_prefs *p, unsigned fields, struct buf *err);
/* Notes activity that should refresh the user's recommendations. */
int store_user_touch(struct store *s, int64_t user_id, pb_time now, struct buf *err);
/* The enabled user whose private feed token hashes to hash. 0/1/-1. */
int store_user_by_feed(struct store *s, const uint8_t hash[TOKEN_HASH_BYTES], struct user *u, struct buf *err);
/* Users whose recommendations are due, at most limit: first those whose
 * activity is newer than them (longest waiting first), then those whose
 * recommendations were made before stale_before and who were active since
 * active_since (new papers arrive every day). */
int store_users_due_recs(struct store *s, pb_time stale_before, pb_time active_since, size_t limit,
			 int (*fn)(int64_t user_id, void *ctx), void *ctx, struct buf *err);

/* Collections: named, ordered lists of papers with a note each. */
struct collection {
	int64_t id, user_id;
	char name[120];
	char user[USER_NAME_MAX];
	bool public_;
	int64_t items;
	pb_time created, updated;
};
struct collection_item {
	char paper[PAPER_ID_MAX];
	char *note; /* owned; "" for none */
	int64_t position;
	pb_time added;
};
/* Creates one (sets c->id); 1 when the user has one of that name, 2 when
 * it has `max` collections already (0: no cap; it holds when requests
 * race). */
int store_collection_add(struct store *s, struct collection *c, size_t max, struct buf *err);
/* What store_collection_update writes of c: the others keep what is
 * stored (a rename and a change of who sees it, made at once, both stay). */
enum { COLL_NAME = 1, COLL_PUBLIC = 2 };
/* Renames / changes visibility of the user's collection. 0/1 (its name
 * is taken, or no such collection of the user's)/-1. */
int store_collection_update(struct store *s, const struct collection *c, unsigned fields, struct buf *err);
int store_collection_delete(struct store *s, int64_t id, int64_t user_id, struct buf *err);
int store_collection_get(struct store *s, int64_t id, struct collection *c, struct buf *err);
/* By owner and name (any case). 0/1/-1. */
int store_collection_find(struct store *s, int64_t user_id, const char *name, struct collection *c,
			  struct buf *err);
/* A user's collections (public ones only unless with_private), by name. */
int store_collection_list(struct store *s, int64_t user_id, bool with_private,
			  int (*fn)(const struct collection *c, void *ctx), void *ctx, struct buf *err);
/* Adds paper to the collection (at the end) or sets its note (NULL: keep);
 * 1 for an unknown paper or collection, 2 when the paper is not in it and
 * it holds `max` papers already (0: no cap; it holds when requests race,
 * and so does each paper's own position). */
int store_collection_put(struct store *s, int64_t coll_id, const char *paper, const char *note, pb_time now,
			 size_t max, struct buf *err);
int store_collection_remove(struct store *s, int64_t coll_id, const char *paper, struct buf *err);
/* Moves an item to position `to` (0 first), shifting the others. 0/1/-1. */
int store_collection_move(struct store *s, int64_t coll_id, const char *paper, int64_t to, struct buf *err);
/* The items in their order. */
int store_collection_items(struct store *s, int64_t coll_id, int (*fn)(const struct collection_item *it, void *ctx),
			   void *ctx, struct buf *err);
/* The items from offset, at most limit of them (0: all). Every change to
 * the items (put, remove, move) moves the collection's `updated`. */
int store_collection_page(struct store *s, int64_t coll_id, size_t offset, size_t limit,
			  int (*fn)(const struct collection_item *it, void *ctx), void *ctx, struct buf *err);
/* The user's collections that hold paper (ids into out, at most cap). */
int store_collections_of(struct store *s, int64_t user_id, const char *paper, int64_t *out, size_t cap, size_t *n,
			 struct buf *err);

/* Recommendations: the scored papers made for a user in the background;
 * set replaces them all (and marks when); for a user no longer there it
 * does nothing (0). */
int store_recs_set(struct store *s, int64_t user_id, const char *const *papers, const double *scores, size_t n,
		   pb_time now, struct buf *err);
int store_recs_get(struct store *s, int64_t user_id, size_t limit,
		   int (*fn)(const char *paper, double score, void *ctx), void *ctx, struct buf *err);

/* Deletes an account: its votes leave the counts, its comments are
 * deleted (the threads keep their shape, by "deleted user"), its sessions,
 * tokens, follows, mutes, collections, recommendations, submissions'
 * credit and the subscriptions it made go; the papers it submitted stay
 * featured without its name. Atomic. 0/1/-1. */
int store_user_delete(struct store *s, int64_t user_id, struct buf *err);

/* ---- copying a whole store ---------------------------------------------------
 * `paperboy migrate`: every table of `from` (papers, accounts, sessions,
 * tokens, votes, comments, submissions, subscriptions, the outbox and what
 * it sent, limits, leases, the key/value area with the write sequence)
 * into `to`, either backend into either, read from one snapshot of `from`
 * and written in batches; then verified: each table's rows are read back
 * from `to`, and their count and checksum (a sum of a hash of every row)
 * must agree. Refuses a `to` that holds papers or accounts unless
 * `replace` (which empties it first). Shows a progress line when
 * `progress` and stderr is a terminal. */
struct store_migrate_report {
	struct {
		char table[32];
		int64_t rows;
		uint64_t checksum;
	} tables[32];
	size_t ntables;
	double seconds;
};
int store_migrate(struct store *from, struct store *to, bool replace, bool progress,
		  struct store_migrate_report *rep, struct buf *err);

#endif
