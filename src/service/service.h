/*
 * service.h - the rules of the service, written once below the web and the
 * CLI: who may do what, how often, and what happens then. Pages, the JSON
 * API and commands parse their input, call these, and render the answer;
 * no rule lives in a handler, so no twin route can skip one.
 *
 *  - limits: counters in the store, shared by every process (sign-in
 *    failures, sign-ups, subscriptions, arXiv fetches);
 *  - accounts: creating one (validation, Argon2id through a gate that
 *    bounds the CPU hashing may take), checking a password (every check
 *    goes through the same limiter: sign-in, account deletion);
 *  - votes: an account younger than the vote age votes at once, but its
 *    vote counts only when the account is old enough;
 *  - submissions and arXiv fetches: one rule for every route that may
 *    reach arXiv (a limit per user, a queue worked off the request
 *    threads, the submission window and daily limit);
 *  - moderation: hiding papers and comments, disabling accounts.
 *
 * Every function takes a struct svc: the configuration and the store of the
 * calling thread.
 */
#ifndef PAPERBOY_SERVICE_H
#define PAPERBOY_SERVICE_H

#include "../fetch/fetch.h"
#include "../search/search.h"
#include "../store/store.h"

/* What a rule decided: an enum pb_status (common.h), the same kinds the
 * store reports; a failure of the store comes back as the store's kind. */

struct svc_config {
	/* submissions */
	int submit_window_days;  /* a paper joins the feed within this many days of its arXiv publication (0: any) */
	int submit_daily_limit;  /* submissions asked for per account per 24 hours, fetched or not (0: none) */
	bool moderate_submissions;
	/* arXiv fetches asked for by users */
	const char *arxiv_api;                     /* NULL: arXiv's */
	const struct fetch_policy *fetch_policy;   /* NULL: public addresses and the endpoint */
	int fetch_hourly_limit;  /* per account (0: the default, 20) */
	/* votes: an account younger than this votes, but its vote counts
	 * when it is this old (0: at once) */
	pb_time vote_age_ms;
	/* sign-ups per address and per hour, and in all per hour (0: no limit) */
	int signups_per_ip, signups_per_hour;
	/* password hashes and checks asked for from one address in a spell
	 * (0: no limit) */
	int passwords_per_ip;
	/* papers were written: the search index should follow (may be NULL) */
	void (*written)(void *ctx);
	void *written_ctx;
};

struct svc {
	const struct svc_config *cfg;
	struct store *s;
};

/* After a store call failed: the kind of its failure as the answer (busy,
 * unavailable, ...: never PB_OK); when msg is not NULL, it says only that
 * the database failed (a client may read it) and the store's message err
 * goes to the log. */
enum pb_status svc_store_failed(struct svc *v, const struct buf *err, struct buf *msg);
/* The same for a rule whose msg a client reads: the store's words go to
 * the log (after `what`, the work that failed), msg says only that the
 * database failed. */
enum pb_status svc_store_failed_log(struct svc *v, const char *what, const struct buf *err, struct buf *msg);

/* ---- limits (limits.c) ---------------------------------------------------------- */
enum svc_limit {
	LIMIT_SIGNIN_ACCOUNT, /* failed password checks of one account */
	LIMIT_SIGNIN_IP,      /* ... from one address */
	LIMIT_SUBSCRIBE_IP,
	LIMIT_SUBSCRIBE_ADDRESS,
	LIMIT_VERIFY_MAIL,
	LIMIT_FETCH,          /* arXiv fetches asked for by one account */
	LIMIT_SIGNUP_IP,      /* accounts made from one address */
	LIMIT_SIGNUP_ALL,     /* accounts made, in all */
	LIMIT_COMMENT,        /* comments written by one account */
	LIMIT_PASSWORD_IP,    /* password hashes and checks asked for from one address */
	LIMIT_RESET_IP,       /* forgotten-password requests from one address */
	LIMIT_RESET_ACCOUNT,  /* reset links mailed to one account */
};
/* Seconds `who` must wait before trying again; 0: go ahead. */
long svc_limit_wait(struct svc *v, enum svc_limit k, const char *who);
/* Counts one more event of `who`. */
void svc_limit_count(struct svc *v, enum svc_limit k, const char *who);
void svc_limit_reset(struct svc *v, enum svc_limit k, const char *who);
/* Forgets the counters that would start again anyway (no event for
 * longer than any rule's quiet spell, no block in force): the table keeps
 * only what is counting, and no address or name past its use. 0/-1. */
int svc_limits_prune(struct store *s, struct buf *err);

/* ---- accounts (accounts.c) --------------------------------------------------------- */
#define SVC_PASSWORD_MIN 10
/* NULL when name is a valid username, else why. */
const char *svc_name_problem(const char *name);
/* NULL when pw is an acceptable password, else why. */
const char *svc_password_problem(const char *pw);
/* Creates an account after checking name, address and password (msg says
 * what is wrong: PB_INVALID; PB_CONFLICT for a taken name or a verified
 * address); from an address ip ("" for the operator) the sign-up limits
 * apply (PB_LIMITED, *wait). Fills *u. */
enum pb_status svc_account_create(struct svc *v, const char *name, const char *email, const char *password,
				   bool admin, bool verified, const char *ip, struct user *u, long *wait,
				   struct buf *msg);
/* Argon2 hashes and checks done by this process since it started. */
unsigned long long svc_password_work(void);
/* Checks a password through the one limiter (per account, per address):
 * the account is u when known (a signed-in user), else the one `login`
 * names. PB_OK (*u filled when login was given), PB_DENIED (a wrong
 * password, or no such account), PB_LIMITED (*wait seconds), PB_BUSY. A
 * disabled account is the caller's to refuse. */
enum pb_status svc_password_check(struct svc *v, const char *login, struct user *u, const char *password,
				   const char *ip, long *wait);
/* Sets u's password to pw, checked as a sign-up's (msg says why not:
 * PB_INVALID), over the hash u holds (PB_CONFLICT when it changed
 * meanwhile). From an address ip (the operator: "") the hash counts in
 * that address's password work (PB_LIMITED, *wait). Every session of the
 * account ends: the caller starts one for the browser that asked.
 * u->pwhash is the new hash after. */
enum pb_status svc_password_set(struct svc *v, struct user *u, const char *pw, const char *ip, long *wait,
				 struct buf *msg);
/* A signed-in user's change: the current password checked (PB_DENIED,
 * through the sign-in limiter), then svc_password_set. msg says why not. */
enum pb_status svc_password_change(struct svc *v, struct user *u, const char *current, const char *pw,
				    const char *ip, long *wait, struct buf *msg);
/* Deletes u's account (the store's user_delete: its votes, sessions,
 * tokens, subscriptions and the rest; its comments stay as [deleted]) and
 * the counter kept under its address. The password is the caller's to
 * check first. PB_OK, or the store's failure (msg says it). */
enum pb_status svc_account_delete(struct svc *v, const struct user *u, struct buf *msg);

/* Forgotten passwords. A link's token is random and kept only as its hash,
 * for SVC_RESET_MINUTES; using it sets the password and ends the account's
 * sessions and API tokens, in one transaction (it works once). */
#define SVC_RESET_MINUTES 60
struct outbox_msg;
/* Builds the message that carries tok to u (the mail module's); 0/-1. */
typedef int (*svc_reset_render)(const struct user *u, const char *tok, int minutes, void *ctx, struct outbox_msg *m);
/* A request for a link to the account `login` names (a username or an
 * address). It goes only to an enabled account's verified address, three
 * an hour at most: PB_OK when one was queued, PB_NOTFOUND when not, which
 * the caller answers alike (whether an account exists is never told, and
 * both do the same writes). PB_LIMITED (*wait) when the address ip asked
 * too often. */
enum pb_status svc_password_forgot(struct svc *v, const char *login, const char *ip, svc_reset_render render,
				    void *ctx, long *wait);
/* The account a link's token opens (the form's page): PB_OK and *u, or
 * PB_NOTFOUND (not valid, used, expired, or the account disabled). */
enum pb_status svc_password_reset_target(struct svc *v, const char *tok, struct user *u);
/* Uses a link: pw checked (PB_INVALID), the token valid (PB_NOTFOUND, no
 * password work done), the address's password work (PB_LIMITED). *u the
 * account after. msg says why not. */
enum pb_status svc_password_reset(struct svc *v, const char *tok, const char *pw, const char *ip, struct user *u,
				   long *wait, struct buf *msg);
/* Argon2id, at most a few at a time in this process (the rest wait a
 * little, then PB_BUSY). */
enum pb_status svc_password_hash(const char *password, char out[128]);
/* Whether new hashes are made with test-only weak limits
 * (PAPERBOY_TEST_WEAK_PASSWORDS=1: the integration tests). */
bool svc_password_weak(void);

/* ---- votes (votes.c) ------------------------------------------------------------------ */
/* Sets (on) or takes back u's vote for paper (any form of its id: a
 * version, arXiv's prefixes); want < 0 toggles. *voted the state after,
 * *upvotes the paper's total. PB_NOTFOUND for an unknown or hidden paper. */
enum pb_status svc_vote(struct svc *v, const struct user *u, const char *paper, int want, bool *voted,
			 int *upvotes);
/* Milliseconds until u's votes count in the papers' totals (0: they do):
 * the vote age's one rule, for svc_vote and for telling the account. */
pb_time svc_votes_count_in(const struct svc_config *cfg, const struct user *u, pb_time now);
/* Counts the votes whose accounts came of age; *n how many. */
int svc_votes_mature(struct svc *v, int64_t *n, struct buf *err);

/* ---- papers (papers.c) ------------------------------------------------------------ */
/* Orders hits by their papers' upvotes (relevance breaks ties). */
void svc_sort_by_votes(struct svc *v, struct search_hit *hits, size_t n);
/* After papers were written: brings the search index at index_path up to
 * date with the store (builds it when there is none: *built); *added the
 * papers it took. 0, or -1 with err (the index is as it was). */
int svc_index_catch_up(struct store *s, const char *index_path, uint64_t *added, bool *built, struct buf *err);

/* ---- what each reader keeps: follows, mutes, collections (library.c) ---------------- */
#define SVC_PAIRS_MAX 500       /* follows, and mutes, each */
#define SVC_COLLECTIONS_MAX 100 /* "Saved", made on first use, may be one more */
#define SVC_ITEMS_MAX 2000      /* papers in a collection */
#define SVC_NOTE_MAX 2000       /* bytes of a note */
/* Whether kind is one of follows' (author, hfuser, org, category,
 * search) or mutes' (word, author, category, org). */
bool svc_pair_kind_ok(bool mute, const char *kind);
/* Adds (on) or removes a follow (mute) of the user's, idempotently:
 * PB_OK, PB_INVALID (the kind, or a value not of 1 to 199 bytes),
 * PB_REFUSED (SVC_PAIRS_MAX already), or the store's failure. msg says
 * why not. */
enum pb_status svc_pair_set(struct svc *v, int64_t user_id, bool mute, const char *kind, const char *value, bool on,
			    struct buf *msg);
/* Whether name may name a collection (1 to 119 bytes of text). */
bool svc_collection_name_ok(const char *name);
/* A new collection of the user's (*c filled): PB_OK, PB_INVALID (the
 * name), PB_CONFLICT (one of that name), PB_REFUSED (the cap). */
enum pb_status svc_collection_create(struct svc *v, int64_t user_id, const char *name, bool public_,
				     struct collection *c, struct buf *msg);
/* The user's "Saved" collection, made on first use. */
enum pb_status svc_collection_saved(struct svc *v, int64_t user_id, struct collection *c, struct buf *msg);
/* Renames c (name, NULL: keep) and sets who sees it (public_ 0 or 1, -1:
 * keep): PB_OK, PB_INVALID, PB_CONFLICT (a name taken). */
enum pb_status svc_collection_change(struct svc *v, struct collection *c, const char *name, int public_,
				     struct buf *msg);
/* Puts paper into c (at the end) or sets its note there (NULL: keep), for
 * the user who owns c: PB_OK, PB_INVALID (the note), PB_NOTFOUND (no such
 * paper), PB_REFUSED (c holds SVC_ITEMS_MAX others). */
enum pb_status svc_collection_put(struct svc *v, int64_t user_id, const struct collection *c, const char *paper,
				  const char *note, struct buf *msg);

/* ---- comments (comments.c) -------------------------------------------------------- */
#define SVC_COMMENT_MAX 10000
/* Adds c (paper, parent, body set) by u, under the rule: PB_OK (c->id
 * set), PB_INVALID, PB_NOTFOUND (no such paper or parent), PB_LIMITED
 * (*wait). msg says why. */
enum pb_status svc_comment_add(struct svc *v, const struct user *u, struct comment *c, long *wait, struct buf *msg);
/* Sets the text of comment id, u's own: PB_OK (*c the comment as it was:
 * its paper, for the answer), PB_INVALID (the text), PB_NOTFOUND (no such
 * comment), PB_CONFLICT (deleted), PB_DENIED (another's), or the store's
 * failure. msg says why not; *c is the caller's to release. */
enum pb_status svc_comment_edit(struct svc *v, const struct user *u, int64_t id, const char *body, struct comment *c,
				struct buf *msg);
/* Deletes the text of comment id (its thread keeps its shape): its
 * author's, or any for an administrator. As svc_comment_edit answers (a
 * comment deleted already: PB_OK). */
enum pb_status svc_comment_delete(struct svc *v, const struct user *u, int64_t id, struct comment *c, struct buf *msg);

/* ---- moderation (moderation.c) ------------------------------------------------------ */
/* An administrator's (or, at the command line, the operator's): the paper
 * id_text names (any form of its id) hidden from every list, page and
 * search, or shown again. PB_OK, PB_NOTFOUND, or the store's failure; msg
 * says why not. */
enum pb_status svc_paper_hide(struct svc *v, const char *id_text, bool hidden, struct buf *msg);
/* The same for comment id (its thread keeps its place: "[hidden by a
 * moderator]"); *c the comment (its paper: the way back), to release. */
enum pb_status svc_comment_hide(struct svc *v, int64_t id, bool hidden, struct comment *c, struct buf *msg);
/* Sets flag of account name to on (disabling it ends its sessions), for
 * actor (NULL: the operator), who may neither disable themselves nor take
 * their own administrator's role (PB_INVALID: the last administrator
 * would lock everyone out). Only that flag is written. *u the account
 * after; PB_NOTFOUND, or the store's failure. */
enum pb_status svc_account_flag(struct svc *v, const struct user *actor, const char *name, enum user_flag flag,
				bool on, struct user *u, struct buf *msg);
/* Deletes u's API token token_id: PB_OK, PB_NOTFOUND (not u's), or the
 * store's failure. */
enum pb_status svc_token_delete(struct svc *v, const struct user *u, int64_t token_id, struct buf *msg);

/* ---- submissions and arXiv fetches (submit.c) -------------------------------------- */
/* Asks for paper id from arXiv for u (not featured): PB_OK when it is
 * here already, PB_ACCEPTED when queued (or already waiting), PB_LIMITED
 * (*wait), PB_REFUSED. */
enum pb_status svc_fetch_ask(struct svc *v, const struct user *u, const char *id, long *wait, struct buf *msg);
/* Submits the paper id_text names (an arXiv id or URL) for u to the
 * daily feed, under the submission rules (administrators bypass the
 * window, the daily limit and moderation): PB_OK featured, PB_PENDING
 * held for a moderator, PB_ACCEPTED being fetched from arXiv (it is
 * submitted when it arrives), else refused with msg. id is filled when
 * the text named a paper. */
enum pb_status svc_submit(struct svc *v, const struct user *u, const char *id_text, char id[PAPER_ID_MAX],
			   long *wait, struct buf *msg);
/* Puts paper id on today's feed, submitted by u (moderation decided). */
enum pb_status svc_feature(struct svc *v, const struct user *u, const char *id, struct buf *msg);
/* A moderator's decision on waiting submission id, and (approve) its paper
 * on today's feed in its submitter's name, in one transaction: a failure
 * leaves it waiting. PB_OK, PB_NOTFOUND (none waiting), or the store's
 * failure; msg says why not. */
enum pb_status svc_submission_decide(struct svc *v, int64_t id, bool approve, const struct user *by,
				    struct buf *msg);
/* What became of the newest fetch of paper id (of u, or anyone's when
 * NULL): 0 with *j, 1 none. */
int svc_fetch_status(struct svc *v, const struct user *u, const char *id, struct fetch_job *j);
/* Works one job of the queue as owner: fetches from arXiv, stores, then
 * submits when asked. 0 a job was worked, 1 none was due, -1 the store
 * failed (err). Never sleeps: a busy arXiv puts the job back for later. */
int svc_fetch_work(struct svc *v, const char *owner, struct buf *err);

#endif
