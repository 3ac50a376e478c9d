/*
 * mail.h - subscriptions and email digests: the whole interface of
 * src/mail, used by `paperboy digest` and by `paperboy serve` (its
 * subscribe pages and its scheduler).
 *
 * A digest run renders every due message into the store's outbox first (the
 * message and the papers it carries, in one transaction per batch), then
 * delivers the outbox over SMTP with libcurl, committing a claim before
 * each send and the result after it. Running it again after a crash
 * renders nothing twice and sends only what was not sent; the one message
 * in flight at the moment of the crash is sent again with the same
 * Message-ID (receivers can tell it is the same message).
 */
#ifndef PAPERBOY_MAIL_H
#define PAPERBOY_MAIL_H

#include "../search/search.h"

struct mail_config {
	const char *smtp_url;  /* smtp://[user:pass@]host:port or smtps://...; NULL: no delivery */
	const char *mail_from; /* the sender address */
	const char *base_url;  /* for links in messages */
	double rate;           /* messages per second at most (0: no limit) */
	double timeout;        /* seconds per SMTP exchange */
	int max_attempts;      /* temporary failures before a message is given up */
	int pause_after;       /* permanent failures in a row before a subscription pauses */
	bool dry_run;          /* print what would be sent, change nothing */
	const char *only_email; /* one subscriber only (--to) */
	bool ignore_backoff;   /* an explicit run retries queued messages at once */
	bool progress;         /* the progress line on a terminal */
	long lease_ms;         /* how long the sender's lease holds unrenewed (default 60 s) */
	FILE *out;             /* where --dry-run prints (stdout) */
};
void mail_config_init(struct mail_config *c);

struct mail_stats {
	uint64_t subscribers, rendered, already, empty;
	uint64_t sent, retry_later, failed;
	double render_seconds, send_seconds;
};

/* The key that signs links (kept in the store, made on first use). */
int mail_secret(struct store *s, uint8_t key[32], struct buf *err);

enum mail_token_purpose { TOKEN_CONFIRM = 1, TOKEN_MANAGE = 2, TOKEN_VERIFY = 3 };
/* A link token: the subscription id, the purpose and an expiry, signed
 * (HMAC-SHA-512-256); base64url, at most 96 characters. */
void mail_token(const uint8_t key[32], int64_t sub_id, enum mail_token_purpose purpose, pb_time expires,
		char out[96]);
/* 0 and *sub_id when tok is genuine, of that purpose and not expired; -1. */
int mail_token_check(const uint8_t key[32], const char *tok, enum mail_token_purpose purpose, pb_time now,
		     int64_t *sub_id);

/* Account address verification: a token for user_id that is genuine only
 * while the account's address is `email` (the key is derived from it), so
 * a link mailed to an old address never verifies a new one. */
void mail_verify_token(const uint8_t key[32], int64_t user_id, const char *email, pb_time expires, char out[96]);
/* The user id a verification token names, before it is checked. 0/-1. */
int mail_verify_token_user(const char *tok, int64_t *user_id);
/* 0 when tok is a genuine, unexpired token for that user and address. */
int mail_verify_token_check(const uint8_t key[32], const char *tok, int64_t user_id, const char *email, pb_time now);
/* Queues the message with the verification link to account u's address. */
int mail_verify_account(struct store *s, const struct mail_config *c, const struct user *u, struct buf *err);

/* The message that carries a forgotten password's link (token tok, working
 * for `minutes`) to account u's address: cfg is the mail_config. Fills m
 * (its data malloc'd); 0/-1. The svc_reset_render of svc_password_forgot. */
int mail_reset_message(const struct user *u, const char *tok, int minutes, void *cfg, struct outbox_msg *m);

/* A subscription's period and topics, as every route that sets them takes
 * them: daily or weekly; at most 20 topics (one a line) of at most 200
 * characters, each tidied (spaces collapsed, blank lines dropped) into
 * clean. 0, or 1 with msg saying why (for the user). */
int mail_sub_check(const char *period, const char *topics, struct buf *clean, struct buf *msg);

/*
 * Subscribes `email` (daily or weekly, topics one query a line, user_id 0
 * when not signed in). Unless `owner` (the address's owner is known: an
 * operator's import, or an account that verified this address), nothing
 * changes before the address confirms: a new address gets a pending
 * subscription, an existing one keeps its settings and holds the change,
 * and a confirmation message is queued either way, so the answer in msg is
 * the same for both. With `owner`, the subscription is written and active
 * at once. Never doubled. 0 done (msg says what happened), 1 refused (msg:
 * why, for the user), -1 error.
 */
int mail_subscribe(struct store *s, const struct mail_config *c, const char *email, const char *period,
		   const char *topics, int64_t user_id, bool owner, struct buf *msg);

/*
 * Renders the digests of a period ("daily" or "weekly") for every active
 * subscription into the outbox: the period's trending papers, then each
 * subscriber's topic matches (searches on ix, which may be NULL), never a
 * paper that subscriber was sent before. Then delivers the outbox (unless
 * c->smtp_url is NULL). 0, 1 when another process holds the sender's lease
 * (what was rendered waits for it), or -1 with err set.
 */
int mail_digest(struct store *s, struct search_index *ix, const struct mail_config *c, const char *period,
		struct mail_stats *st, struct buf *err);

/* Delivers the outbox's due messages under the store's "mail.sender"
 * lease (one sender at a time across processes and hosts), renewed while
 * it sends; a sender that loses it stops. 0 (even when some failed: they
 * are recorded), 1 when another process holds the lease (the messages wait
 * for it), -1 with err set. */
int mail_deliver(struct store *s, const struct mail_config *c, struct mail_stats *st, struct buf *err);

/* A paper as a digest shows it: a plain-text item (CRLF lines) and an HTML
 * table row (every field escaped). */
void mail_paper_text(struct buf *t, const struct mail_config *c, const struct paper *p);
void mail_paper_html(struct buf *h, const struct mail_config *c, const struct paper *p);

#endif
