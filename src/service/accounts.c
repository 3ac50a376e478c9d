/*
 * accounts.c - making accounts and checking passwords.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str,
 * interactive limits: 64 MiB, a few dozen milliseconds of a core). That
 * cost is what a flood of sign-ups or guesses would turn against the
 * service, so hashing goes through a gate: at most ARGON2_AT_ONCE hashes
 * run at once in a process (the others wait up to ARGON2_WAIT_S, then are
 * told the server is busy), and every password check, wherever it comes
 * from, goes through the same limiter per account and per address. The
 * work one address asks for is limited too, whatever its outcome
 * (LIMIT_PASSWORD_IP), and a sign-up for a taken name is told so before
 * any hashing.
 */
#include "service.h"
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#define ARGON2_WAIT_S 5

static _Atomic unsigned long long password_work; /* hashes and checks done */

unsigned long long svc_password_work(void)
{
	return password_work;
}

static sem_t gate;
static pthread_once_t gate_once = PTHREAD_ONCE_INIT;

/* The limits new hashes are made with: libsodium's interactive ones, or,
 * in the sanitizers' test build only (PAPERBOY_TEST_BUILD: a release build
 * ignores it), its least ones when PAPERBOY_TEST_WEAK_PASSWORDS=1 is in
 * the environment (the integration tests, which make thousands of hashes:
 * at 64 MiB each, a sixth of the test command's time). A check reads the
 * limits from the hash it checks, so either kind verifies; `serve` says
 * so when they are weak. Read once. */
static unsigned long long hash_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
static size_t hash_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
static bool hash_weak;

static void gate_init(void)
{
#ifdef PAPERBOY_TEST_BUILD
	const char *weak = getenv("PAPERBOY_TEST_WEAK_PASSWORDS");
	if (weak && !strcmp(weak, "1")) {
		hash_weak = true;
		hash_ops = crypto_pwhash_OPSLIMIT_MIN;
		hash_mem = crypto_pwhash_MEMLIMIT_MIN;
	}
#endif
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/* half the cores at most: hashing never takes the whole machine */
	unsigned n = ncpu > 3 ? (unsigned)(ncpu / 2) : 1;
	sem_init(&gate, 0, n);
	if (sodium_init() < 0)
		BUG("libsodium failed to initialise");
}

bool svc_password_weak(void)
{
	pthread_once(&gate_once, gate_init);
	return hash_weak;
}

static bool gate_enter(void)
{
	pthread_once(&gate_once, gate_init);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ARGON2_WAIT_S;
	while (sem_timedwait(&gate, &until)) {
		if (errno != EINTR)
			return false;
	}
	return true;
}

static void gate_leave(void)
{
	sem_post(&gate);
}

enum pb_status svc_password_hash(const char *password, char out[128])
{
	if (!gate_enter())
		return PB_BUSY;
	int rc = crypto_pwhash_str(out, password, strlen(password), hash_ops, hash_mem);
	gate_leave();
	password_work++;
	return rc ? PB_BUSY : PB_OK; /* out of memory */
}

/* 0 it matches, 1 it does not, -1 too busy to check. */
static int verify(const char *hash, const char *password)
{
	if (!gate_enter())
		return -1;
	int rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	gate_leave();
	password_work++;
	return rc == 0 ? 0 : 1;
}

static char dummy[crypto_pwhash_STRBYTES];
static void make_dummy(void)
{
	char pw[48];
	uint8_t raw[24];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(pw, sizeof(pw), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	if (crypto_pwhash_str(dummy, pw, strlen(pw), hash_ops, hash_mem) != 0)
		dummy[0] = '\0';
}

/* A hash of an unknown password, so that a check for an account that does
 * not exist takes as long as one with a wrong password. */
static const char *dummy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&gate_once, gate_init);
	pthread_once(&once, make_dummy);
	return dummy;
}

const char *svc_password_problem(const char *pw)
{
	if (!pw || !*pw)
		return "Give a password.";
	if (!utf8_valid(pw, strlen(pw)))
		return "The password must be text (UTF-8, no NUL characters).";
	size_t n = utf8_chars(pw);
	if (n < SVC_PASSWORD_MIN)
		return "The password needs at least 10 characters.";
	if (n > 1024)
		return "The password can have at most 1,024 characters.";
	return NULL;
}

const char *svc_name_problem(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n >= USER_NAME_MAX || !isalnum((unsigned char)s[0]))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			goto bad;
	return NULL;
bad:
	return "A username has 2 to 39 letters, digits, '_', '.' or '-', and starts with a letter or digit.";
}

enum pb_status svc_account_create(struct svc *v, const char *name, const char *email, const char *password,
				   bool admin, bool verified, const char *ip, struct user *u, long *wait,
				   struct buf *msg)
{
	memset(u, 0, sizeof(*u));
	*wait = 0;
	const char *why = svc_name_problem(name);
	if (!why && !email_address_valid(email))
		why = "That is not an email address.";
	if (!why)
		why = svc_password_problem(password);
	if (why) {
		buf_setf(msg, "%s", why);
		return PB_INVALID;
	}
	const char *taken = verified ? "That username is taken, or another account has verified that address."
				     : "That username is taken; choose another.";
	struct buf err = BUF_INIT;
	int found = store_user_get(v->s, 0, name, u, &err);
	memset(u, 0, sizeof(*u));
	if (found < 0) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_reset(&err);
	if (found == 0) { /* told before any hashing (a race is still caught below) */
		buf_setf(msg, "%s", taken);
		buf_release(&err);
		return PB_CONFLICT;
	}
	if (ip && *ip) {
		/* a submitter's name from Hugging Face's feed is theirs, in any
		 * case: its page (/u/NAME) lists their submissions, which an
		 * account signing up under that name would take over (the
		 * operator may still make that account, for its owner) */
		int known = store_submitter_known(v->s, name, &err);
		if (known < 0) {
			enum pb_status failed = svc_store_failed(v, &err, msg);
			buf_release(&err);
			return failed;
		}
		if (known == 0) {
			buf_setf(msg, "That name is a paper submitter's on this site; choose another.");
			buf_release(&err);
			return PB_CONFLICT;
		}
	}
	if (ip && *ip) {
		/* a sign-up from the web: per address, and in all; and the
		 * address's password work */
		long a = svc_limit_wait(v, LIMIT_SIGNUP_IP, ip), b = svc_limit_wait(v, LIMIT_SIGNUP_ALL, "all");
		long c = svc_limit_wait(v, LIMIT_PASSWORD_IP, ip);
		*wait = a > b ? a : b;
		*wait = c > *wait ? c : *wait;
		if (*wait) {
			if (c == *wait && c > a && c > b)
				buf_setf(msg, "Too many passwords were sent from your address lately; try again in %ld minutes.",
					 (*wait + 59) / 60);
			else
				buf_setf(msg, "Too many accounts were made %s lately; try again in %ld minutes.",
					 a >= b ? "from your address" : "on this site", (*wait + 59) / 60);
			buf_release(&err);
			return PB_LIMITED;
		}
	}
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->email, sizeof(u->email), "%s", email);
	snprintf(u->fullname, sizeof(u->fullname), "%s", name);
	u->admin = admin;
	u->email_verified = verified;
	enum pb_status st = svc_password_hash(password, u->pwhash);
	if (ip && *ip && st == PB_OK) /* (the work was done) */
		svc_limit_count(v, LIMIT_PASSWORD_IP, ip);
	if (st != PB_OK) {
		buf_setf(msg, "The server is busy; try again in a few seconds.");
		buf_release(&err);
		return st;
	}
	int rc = store_user_add(v->s, u, &err);
	if (rc < 0) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_release(&err);
	if (rc == 1) {
		buf_setf(msg, "%s", taken);
		return PB_CONFLICT;
	}
	if (ip && *ip) {
		svc_limit_count(v, LIMIT_SIGNUP_IP, ip);
		svc_limit_count(v, LIMIT_SIGNUP_ALL, "all");
	}
	return PB_OK;
}

enum pb_status svc_password_check(struct svc *v, const char *login, struct user *u, const char *password,
				   const char *ip, long *wait)
{
	*wait = 0;
	struct buf err = BUF_INIT;
	int rc = 0;
	if (login) {
		rc = store_user_find(v->s, login, u, &err);
		if (rc < 0) {
			fprintf(stderr, "paperboy: accounts: %s\n", err.s);
			enum pb_status failed = svc_store_failed(v, &err, NULL);
			buf_release(&err);
			return failed;
		}
	}
	buf_release(&err);
	/* the limits count per account (however it was named) and per
	 * address, and are checked before the password */
	char account[64];
	if (rc == 0)
		snprintf(account, sizeof(account), "#%lld", (long long)u->id);
	const char *acct = rc == 0 ? account : login;
	long a = svc_limit_wait(v, LIMIT_SIGNIN_ACCOUNT, acct), b = ip && *ip ? svc_limit_wait(v, LIMIT_SIGNIN_IP, ip) : 0;
	long c = ip && *ip ? svc_limit_wait(v, LIMIT_PASSWORD_IP, ip) : 0;
	*wait = a > b ? a : b;
	*wait = c > *wait ? c : *wait;
	if (*wait)
		return PB_LIMITED;
	int ok = verify(rc == 0 ? u->pwhash : dummy_hash(), password ? password : "");
	if (ip && *ip && ok >= 0) /* (whatever the outcome, when the work was done) */
		svc_limit_count(v, LIMIT_PASSWORD_IP, ip);
	if (ok < 0)
		return PB_BUSY;
	if (ok == 0 && rc != 0)
		BUG("a random password matched");
	if (ok != 0 || rc != 0) {
		svc_limit_count(v, LIMIT_SIGNIN_ACCOUNT, acct);
		if (ip && *ip)
			svc_limit_count(v, LIMIT_SIGNIN_IP, ip);
		return PB_DENIED;
	}
	svc_limit_reset(v, LIMIT_SIGNIN_ACCOUNT, acct);
	return PB_OK;
}

/* A new password's hash into h, as the address ip's password work allows
 * (PB_LIMITED, *wait; counted when done); msg says why not. */
static enum pb_status hash_new(struct svc *v, const char *pw, const char *ip, char h[128], long *wait,
			       struct buf *msg)
{
	if (ip && *ip && (*wait = svc_limit_wait(v, LIMIT_PASSWORD_IP, ip))) {
		buf_setf(msg, "Too many passwords were sent from your address lately; try again in %ld minutes.",
			 (*wait + 59) / 60);
		return PB_LIMITED;
	}
	enum pb_status st = svc_password_hash(pw, h);
	if (ip && *ip && st == PB_OK) /* (the work was done) */
		svc_limit_count(v, LIMIT_PASSWORD_IP, ip);
	if (st != PB_OK)
		buf_setf(msg, "The server is busy; try again in a few seconds.");
	return st;
}

enum pb_status svc_password_set(struct svc *v, struct user *u, const char *pw, const char *ip, long *wait,
				 struct buf *msg)
{
	*wait = 0;
	const char *why = svc_password_problem(pw);
	if (why) {
		buf_setf(msg, "%s", why);
		return PB_INVALID;
	}
	char h[sizeof(u->pwhash)];
	enum pb_status st = hash_new(v, pw, ip, h, wait, msg);
	if (st != PB_OK)
		return st;
	struct buf err = BUF_INIT;
	/* only over the hash this request started from: a change that raced
	 * another (or an administrator's) is refused, never undone */
	int rc = store_user_set_password(v->s, u->id, u->pwhash, h, &err);
	if (rc == 0)
		memcpy(u->pwhash, h, sizeof(u->pwhash));
	sodium_memzero(h, sizeof(h));
	if (rc < 0) {
		enum pb_status failed = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return failed;
	}
	buf_release(&err);
	if (rc == 1) {
		buf_setf(msg, "The password was changed meanwhile; sign in again.");
		return PB_CONFLICT;
	}
	return PB_OK;
}

enum pb_status svc_account_delete(struct svc *v, const struct user *u, struct buf *msg)
{
	/* The counters under the account's number stay (a number is never
	 * given again, and names nobody); the one under its address goes,
	 * first: the store's deletion is last, and wipes what was deleted
	 * (on SQLite, its write-ahead log too) */
	if (u->email[0]) {
		svc_limit_reset(v, LIMIT_SUBSCRIBE_ADDRESS, u->email);
		/* best effort (the prune forgets the key within the hour): its
		 * failure must not make the deletion's answer a 503 */
		store_failures_clear(v->s);
	}
	struct buf err = BUF_INIT;
	if (store_user_delete(v->s, u->id, &err) < 0) { /* (1: gone already, a second click: done too) */
		enum pb_status st = svc_store_failed_log(v, "accounts: deleting an account", &err, msg);
		buf_release(&err);
		return st;
	}
	buf_release(&err);
	return PB_OK;
}

enum pb_status svc_password_change(struct svc *v, struct user *u, const char *current, const char *pw,
				    const char *ip, long *wait, struct buf *msg)
{
	*wait = 0;
	const char *why = svc_password_problem(pw);
	if (why) {
		buf_setf(msg, "%s", why);
		return PB_INVALID;
	}
	enum pb_status st = svc_password_check(v, NULL, u, current ? current : "", ip, wait);
	if (st == PB_DENIED)
		buf_setf(msg, "That is not your current password.");
	else if (st == PB_LIMITED)
		buf_setf(msg, "Too many password attempts; try again in %ld minutes.", (*wait + 59) / 60);
	else if (st != PB_OK)
		buf_setf(msg, "The server is busy; try again in a few seconds.");
	return st == PB_OK ? svc_password_set(v, u, pw, ip, wait, msg) : st;
}

/* A reset token's hash; -1 when tok cannot be one (its alphabet, its
 * length). */
static int reset_hash(const char *tok, uint8_t hash[TOKEN_HASH_BYTES])
{
	size_t n = tok ? strlen(tok) : 0;
	if (n < 40 || n > 64 ||
	    strspn(tok, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != n)
		return -1;
	crypto_generichash(hash, TOKEN_HASH_BYTES, (const uint8_t *)tok, n, NULL, 0);
	return 0;
}

enum pb_status svc_password_forgot(struct svc *v, const char *login, const char *ip, svc_reset_render render,
				    void *ctx, long *wait)
{
	*wait = 0;
	if (ip && *ip) {
		if ((*wait = svc_limit_wait(v, LIMIT_RESET_IP, ip)))
			return PB_LIMITED;
		svc_limit_count(v, LIMIT_RESET_IP, ip);
	}
	struct user u;
	memset(&u, 0, sizeof(u));
	struct buf err = BUF_INIT;
	int rc = login && *login && strlen(login) <= 254 ? store_user_find(v->s, login, &u, &err) : 1;
	if (rc < 0) {
		enum pb_status failed = svc_store_failed(v, &err, NULL);
		fprintf(stderr, "paperboy: accounts: %s\n", err.s);
		buf_release(&err);
		return failed;
	}
	char account[64];
	snprintf(account, sizeof(account), "#%lld", rc == 0 ? (long long)u.id : 0LL);
	/* a link goes only to an enabled account's verified address, three
	 * an hour at most */
	long blocked = svc_limit_wait(v, LIMIT_RESET_ACCOUNT, account); /* (asked whatever the account) */
	bool send = rc == 0 && !u.disabled && u.email_verified && u.email[0] && !blocked;
	if (!send)
		snprintf(account, sizeof(account), "#0");
	/* the same writes whether or not a link goes ("#0" and a token for
	 * no one): how long the answer takes tells nothing either */
	svc_limit_count(v, LIMIT_RESET_ACCOUNT, account);
	char tok[48];
	uint8_t raw[32], hash[TOKEN_HASH_BYTES];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(tok, sizeof(tok), raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	reset_hash(tok, hash);
	pb_time now = time_now_ms();
	struct outbox_msg m;
	memset(&m, 0, sizeof(m));
	if (send && render(&u, tok, SVC_RESET_MINUTES, ctx, &m))
		send = false;
	rc = store_reset_add(v->s, hash, send ? u.id : 0, send ? now + (pb_time)SVC_RESET_MINUTES * 60000 : now, now,
			     send ? &m : NULL, &err);
	if (m.data)
		sodium_memzero(m.data, m.len);
	outbox_msg_release(&m);
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(raw, sizeof(raw));
	sodium_memzero(&u, sizeof(u));
	enum pb_status st = rc < 0 ? svc_store_failed(v, &err, NULL) : send ? PB_OK : PB_NOTFOUND;
	if (rc < 0)
		fprintf(stderr, "paperboy: accounts: %s\n", err.s);
	buf_release(&err);
	return st;
}

enum pb_status svc_password_reset_target(struct svc *v, const char *tok, struct user *u)
{
	uint8_t hash[TOKEN_HASH_BYTES];
	if (reset_hash(tok, hash))
		return PB_NOTFOUND;
	struct buf err = BUF_INIT;
	int rc = store_reset_get(v->s, hash, time_now_ms(), u, &err);
	enum pb_status st = rc < 0 ? svc_store_failed(v, &err, NULL) : rc ? PB_NOTFOUND : PB_OK;
	buf_release(&err);
	return st;
}

enum pb_status svc_password_reset(struct svc *v, const char *tok, const char *pw, const char *ip, struct user *u,
				   long *wait, struct buf *msg)
{
	*wait = 0;
	const char *why = svc_password_problem(pw);
	if (why) {
		buf_setf(msg, "%s", why);
		return PB_INVALID;
	}
	/* no password work for a link that opens nothing */
	enum pb_status st = svc_password_reset_target(v, tok, u);
	if (st != PB_OK) {
		buf_setf(msg, "This link is not valid, was used already, or has expired.");
		return st;
	}
	char h[sizeof(u->pwhash)];
	if ((st = hash_new(v, pw, ip, h, wait, msg)) != PB_OK)
		return st;
	uint8_t hash[TOKEN_HASH_BYTES];
	reset_hash(tok, hash);
	struct buf err = BUF_INIT;
	/* the token is taken, the password set and the account's sessions
	 * and API tokens ended in one transaction: a link works once */
	int rc = store_reset_use(v->s, hash, time_now_ms(), h, u, &err);
	sodium_memzero(h, sizeof(h));
	if (rc < 0) {
		st = svc_store_failed(v, &err, msg);
		buf_release(&err);
		return st;
	}
	buf_release(&err);
	if (rc == 1) {
		buf_setf(msg, "This link is not valid, was used already, or has expired.");
		return PB_NOTFOUND;
	}
	return PB_OK;
}
