/*
 * account.c - who is asking: sign-up, sign-in and sign-out, sessions,
 * bearer API tokens, CSRF checks, the sign-in rate limit, profile pages and
 * the moderation actions.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str). A
 * session cookie holds 256 random bits; the store keeps only their BLAKE2b
 * hash, so a copy of the database opens no sessions. API tokens likewise.
 */
#include "web_int.h"
#include <ctype.h>
#include <sodium.h>

#define SESSION_DAYS 30
#define PASSWORD_MIN 10

void token_new(char out[48])
{
	uint8_t raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 48, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void token_hash(const char *token, uint8_t out[TOKEN_HASH_BYTES])
{
	crypto_generichash(out, TOKEN_HASH_BYTES, (const uint8_t *)token, strlen(token), NULL, 0);
}

void auth_load(struct req *r, bool allow_token)
{
	struct buf err = BUF_INIT;
	const char *auth = allow_token ? req_header(r, "Authorization") : NULL;
	if (auth && str_has_prefix(auth, "Bearer ")) {
		uint8_t h[TOKEN_HASH_BYTES];
		token_hash(auth + 7, h);
		if (store_token_user(r->s, h, time_now_ms(), &r->user, &err) == 0)
			r->signed_in = r->via_token = true;
		sodium_memzero(h, sizeof(h));
	} else {
		const char *ck = req_cookie(r, "pb_session");
		if (ck && strlen(ck) == 43) {
			token_hash(ck, r->session_hash);
			if (store_session_get(r->s, r->session_hash, time_now_ms(), &r->user, &err) == 0)
				r->signed_in = true;
		}
	}
	if (err.len)
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	buf_release(&err);
}

bool csrf_ok(struct req *r)
{
	const char *f = req_form(r, "csrf");
	if (!f)
		f = req_header(r, "X-CSRF-Token");
	return !r->new_csrf && f && strlen(f) == strlen(r->csrf) && sodium_memcmp(f, r->csrf, strlen(f)) == 0;
}

/* ---- limits: counters in the store (shared by every process, kept across
 * restarts, never evicted by other keys), keyed by what they protect ---- */

static const struct limit_rule {
	const char *name;
	int free_n;                /* events before the key is blocked */
	pb_time quiet_ms;          /* the count starts again after this long without one */
	pb_time base_ms, max_ms;   /* the block: doubling per further event, up to max */
} limit_rules[] = {
	/* failed sign-ins of one account (by its id, or the name tried when
	 * there is no such account): 8, then a minute, doubling to an hour */
	[LIMIT_SIGNIN_ACCOUNT] = { "signin.account", 8, 10 * 60000, 60000, 3600000 },
	/* of one address, whatever the names (a lab behind one NAT) */
	[LIMIT_SIGNIN_IP] = { "signin.ip", 50, 10 * 60000, 60000, 3600000 },
	/* subscription requests: each may cost a message */
	[LIMIT_SUBSCRIBE_IP] = { "subscribe.ip", 10, 10 * 60000, 10 * 60000, 3600000 },
	[LIMIT_SUBSCRIBE_ADDRESS] = { "subscribe.address", 3, 3600000, 3600000, 24 * 3600000LL },
	/* verification links asked for again */
	[LIMIT_VERIFY_MAIL] = { "verify.mail", 3, 3600000, 3600000, 24 * 3600000LL },
	/* papers fetched from arXiv on a user's asking: 20 an hour, then a
	 * minute between, doubling */
	[LIMIT_FETCH] = { "fetch.arxiv", 20, 3600000, 60000, 3600000 },
};

static void limit_key(enum limit_kind k, const char *who, char out[320])
{
	snprintf(out, 320, "%s:", limit_rules[k].name);
	size_t n = strlen(out);
	for (const char *p = who; *p && n < 319; p++)
		out[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p); /* one key whatever the case */
	out[n] = '\0';
}

long limit_wait(struct req *r, enum limit_kind k, const char *who)
{
	char key[320];
	limit_key(k, who, key);
	struct store_limit l;
	struct buf err = BUF_INIT;
	long wait = 0;
	pb_time now = time_now_ms();
	if (store_limit_get(r->s, key, &l, &err))
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	else if (l.blocked_until > now)
		wait = (long)((l.blocked_until - now + 999) / 1000);
	buf_release(&err);
	return wait;
}

void limit_count(struct req *r, enum limit_kind k, const char *who)
{
	const struct limit_rule *rule = &limit_rules[k];
	char key[320];
	limit_key(k, who, key);
	struct store_limit l;
	struct buf err = BUF_INIT;
	if (store_limit_hit(r->s, key, time_now_ms(), rule->quiet_ms, rule->free_n, rule->base_ms, rule->max_ms, &l,
			    &err))
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	buf_release(&err);
}

void limit_reset(struct req *r, enum limit_kind k, const char *who)
{
	char key[320];
	limit_key(k, who, key);
	struct buf err = BUF_INIT;
	store_limit_clear(r->s, key, &err);
	buf_release(&err);
}

void resp_retry_after(struct resp *o, long seconds)
{
	char v[32];
	snprintf(v, sizeof(v), "%ld", seconds > 0 ? seconds : 1);
	resp_header(o, "Retry-After", v);
}

/* ---- forms ------------------------------------------------------------------ */

/* 303 to a user's profile page. */
static void to_profile(struct resp *o, const char *name)
{
	struct buf loc = BUF_INIT;
	buf_adds(&loc, "/u/");
	buf_add_url(&loc, name);
	resp_redirect(o, loc.s);
	buf_release(&loc);
}

static const char *safe_next(const char *next)
{
	/* only paths of this site: never an open redirect */
	return local_path_ok(next) ? next : "/";
}

/* The paper a sign-in is for ("vote" in the form or the URL): its id, ""
 * when none or not a paper of this site. */
static void vote_intent(struct req *r, char id[PAPER_ID_MAX], struct paper *p)
{
	const char *v = req_form(r, "vote");
	if (!v)
		v = req_arg(r, "vote");
	id[0] = '\0';
	struct buf err = BUF_INIT;
	if (v && !arxiv_id_parse(v, id, NULL) && (store_paper_get(r->s, id, p, &err) != 0 || p->hidden))
		id[0] = '\0';
	buf_release(&err);
}

/* The vote a sign-in (or sign-up) was for, cast now: the form carried the
 * CSRF token, so it is the user's own act. Never taken back if cast. */
static void cast_intended_vote(struct req *r, const struct user *u)
{
	char id[PAPER_ID_MAX];
	struct paper p;
	paper_init(&p);
	vote_intent(r, id, &p);
	paper_release(&p);
	if (!id[0])
		return;
	struct buf err = BUF_INIT;
	bool voted = false;
	int up;
	if (store_vote_get(r->s, u->id, id, &voted, &err) == 0 && !voted)
		store_vote_toggle(r->s, u->id, id, time_now_ms(), &voted, &up, &err);
	if (err.len)
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	buf_release(&err);
}

static void signup_page(struct req *r, struct resp *o, const char *msg, const char *name, const char *email)
{
	page_begin(r, o, "Sign up", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"narrow\"><h1>Create an account</h1>");
	if (msg)
		html(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html(b, "<form method=\"post\" action=\"/signup\" class=\"stack\">");
	html_csrf(r, b);
	const char *next = req_form(r, "next");
	const char *vote = req_form(r, "vote");
	if (!next)
		next = req_arg(r, "next");
	if (!vote)
		vote = req_arg(r, "vote");
	if (local_path_ok(next))
		html(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
	char vid[PAPER_ID_MAX];
	if (vote && !arxiv_id_parse(vote, vid, NULL))
		html(b, "<input type=\"hidden\" name=\"vote\" value=\"%s\">", vid);
	html(b,
	     "<label for=\"name\">Username</label>"
	     "<input id=\"name\" name=\"name\" required maxlength=\"39\" pattern=\"[A-Za-z0-9][A-Za-z0-9_.\\-]*\" "
	     "autocomplete=\"username\" value=\"%s\">"
	     "<label for=\"email\">Email</label>"
	     "<input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\" autocomplete=\"email\" value=\"%s\">"
	     "<label for=\"password\">Password (at least %d characters)</label>"
	     "<input id=\"password\" name=\"password\" type=\"password\" required minlength=\"%d\" autocomplete=\"new-password\">"
	     "<button type=\"submit\" class=\"btn\">Sign up</button></form>"
	     "<p>Already have an account? <a href=\"/signin\">Sign in</a>.</p></main>",
	     name ? name : "", email ? email : "", PASSWORD_MIN, PASSWORD_MIN);
	page_end(r, o);
	o->private_ = true;
}

void h_signup_form(struct req *r, struct resp *o)
{
	if (r->signed_in) {
		resp_redirect(o, "/");
		return;
	}
	signup_page(r, o, NULL, NULL, NULL);
}

/* A password: 10 to 1,024 characters (not bytes) of UTF-8 text, no NUL
 * (form_parse refuses those before). NULL when fine, else why. */
static const char *password_problem(const char *pw)
{
	if (!utf8_valid(pw, strlen(pw)))
		return "The password must be text (UTF-8, no NUL characters).";
	size_t n = utf8_chars(pw);
	if (n < PASSWORD_MIN)
		return "The password needs at least 10 characters.";
	if (n > 1024)
		return "The password can have at most 1,024 characters.";
	return NULL;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (n < 2 || n >= USER_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			return false;
	return true;
}

/* Creates a user with a hashed password; 0, 1 taken, -1 error (msg). */
static int create_user(struct store *s, const char *name, const char *email, const char *password, bool admin,
		       bool verified, struct user *u, struct buf *msg)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->email, sizeof(u->email), "%s", email);
	snprintf(u->fullname, sizeof(u->fullname), "%s", name);
	u->admin = admin;
	u->email_verified = verified;
	if (crypto_pwhash_str(u->pwhash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		buf_setf(msg, "out of memory while hashing the password");
		return -1;
	}
	return store_user_add(s, u, msg);
}

int web_user_add(const char *db_url, const char *name, const char *email, const char *password, bool admin,
		 struct buf *err)
{
	if (sodium_init() < 0) {
		buf_setf(err, "libsodium failed to initialise");
		return -1;
	}
	if (!valid_name(name)) {
		buf_setf(err, "%s: a username has 2-39 letters, digits, '_', '.' or '-', starting with a letter or digit", name);
		return -1;
	}
	if (!mail_valid_address(email)) {
		buf_setf(err, "%s: not an email address", email);
		return -1;
	}
	const char *why = password_problem(password);
	if (why) {
		buf_setf(err, "%s", why);
		return -1;
	}
	struct store *s;
	if (store_open(db_url, 0, &s, err))
		return -1;
	struct user u;
	/* the operator vouches for the address */
	int rc = create_user(s, name, email, password, admin, true, &u, err);
	if (rc == 1)
		buf_setf(err, "%s: that username is taken, or another account has verified %s", name, email);
	store_close(s);
	sodium_memzero(&u, sizeof(u));
	return rc ? -1 : 0;
}

void send_verification(struct req *r, const struct user *u)
{
	if (!r->w->cfg.mail.smtp_url)
		return;
	struct buf err = BUF_INIT;
	if (mail_verify_account(r->s, &r->w->cfg.mail, u, &err))
		fprintf(stderr, "paperboy: serve: queueing a verification link: %s\n", err.s);
	else
		mailer_kick(r->w);
	buf_release(&err);
}

static void start_session(struct req *r, struct resp *o, int64_t user_id)
{
	char tok[48];
	uint8_t h[TOKEN_HASH_BYTES];
	token_new(tok);
	token_hash(tok, h);
	struct buf err = BUF_INIT;
	if (store_session_add(r->s, h, user_id, time_now_ms() + (pb_time)SESSION_DAYS * 86400000, &err)) {
		resp_error(r, o, 500, "Could not start a session.");
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	} else {
		resp_cookie(r, o, "pb_session", tok, (long)SESSION_DAYS * 86400, true);
	}
	sodium_memzero(tok, sizeof(tok));
	buf_release(&err);
}

void h_signup(struct req *r, struct resp *o)
{
	const char *name = req_form(r, "name"), *email = req_form(r, "email"), *pw = req_form(r, "password");
	if (!name || !email || !pw) {
		signup_page(r, o, "Fill in a username, an email address and a password.", name, email);
		o->status = 400;
		return;
	}
	if (!valid_name(name)) {
		signup_page(r, o, "A username has 2 to 39 letters, digits, '_', '.' or '-', and starts with a letter or digit.",
			    name, email);
		o->status = 400;
		return;
	}
	if (!mail_valid_address(email)) {
		signup_page(r, o, "That is not an email address.", name, email);
		o->status = 400;
		return;
	}
	const char *why = password_problem(pw);
	if (why) {
		signup_page(r, o, why, name, email);
		o->status = 400;
		return;
	}
	struct user u;
	struct buf err = BUF_INIT;
	/* the address counts for nothing until the link mailed there is
	 * followed; several accounts may name it until one verifies it, so
	 * this answer never tells whether it is registered (usernames are
	 * public: profiles carry them) */
	int rc = create_user(r->s, name, email, pw, false, false, &u, &err);
	if (rc == 1) {
		signup_page(r, o, "That username is taken; choose another.", name, email);
		o->status = 409;
	} else if (rc < 0) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "Could not create the account.");
	} else {
		send_verification(r, &u);
		start_session(r, o, u.id);
		cast_intended_vote(r, &u);
		if (o->status == 200)
			resp_redirect(o, safe_next(req_form(r, "next")));
	}
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
}

static void signin_page(struct req *r, struct resp *o, const char *msg, const char *name, const char *next)
{
	page_begin(r, o, "Sign in", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"narrow\"><h1>Sign in</h1>");
	char vote[PAPER_ID_MAX];
	struct paper vp;
	paper_init(&vp);
	vote_intent(r, vote, &vp);
	if (vote[0])
		html(b, "<p class=\"notice\" role=\"status\">Sign in to upvote <strong>%s</strong>; your vote counts as soon as you "
			"are in.</p>",
		     vp.title ? vp.title : vote);
	if (msg)
		html(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html(b, "<form method=\"post\" action=\"/signin\" class=\"stack\">");
	html_csrf(r, b);
	if (vote[0])
		html(b, "<input type=\"hidden\" name=\"vote\" value=\"%s\">", vote);
	paper_release(&vp);
	html(b,
	     "<input type=\"hidden\" name=\"next\" value=\"%s\">"
	     "<label for=\"name\">Username or email</label>"
	     "<input id=\"name\" name=\"name\" required autocomplete=\"username\" value=\"%s\">"
	     "<label for=\"password\">Password</label>"
	     "<input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"current-password\">"
	     "<button type=\"submit\" class=\"btn\">Sign in</button></form>"
	     "<p>New here? <a href=\"/signup?next=%U%S%U\">Create an account</a>.</p></main>",
	     safe_next(next), name ? name : "", safe_next(next), vote[0] ? "&amp;vote=" : "", vote);
	page_end(r, o);
	o->private_ = true;
}

void h_signin_form(struct req *r, struct resp *o)
{
	signin_page(r, o, NULL, NULL, req_arg(r, "next"));
}

static char dummy[crypto_pwhash_STRBYTES];
static void make_dummy(void)
{
	char pw[48];
	token_new(pw);
	if (crypto_pwhash_str(dummy, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy[0] = '\0';
}

/* A hash of an unknown password, so that a sign-in as a user who does not
 * exist takes as long as one with a wrong password. */
static const char *dummy_hash(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, make_dummy);
	return dummy;
}

void h_signin(struct req *r, struct resp *o)
{
	const char *name = req_form(r, "name"), *pw = req_form(r, "password"), *next = req_form(r, "next");
	if (!name || !pw || strlen(name) > 254) {
		signin_page(r, o, "Give your username (or email address) and password.", name, next);
		o->status = 400;
		return;
	}
	struct user u;
	struct buf err = BUF_INIT;
	int rc = store_user_find(r->s, name, &u, &err);
	if (rc < 0)
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	/* the limits count per account (however it was named) and per
	 * address, and are checked before the password */
	char account[64];
	if (rc == 0)
		snprintf(account, sizeof(account), "#%lld", (long long)u.id);
	const char *acct = rc == 0 ? account : name;
	long wait = limit_wait(r, LIMIT_SIGNIN_ACCOUNT, acct), wait_ip = limit_wait(r, LIMIT_SIGNIN_IP, r->ip);
	if (wait_ip > wait)
		wait = wait_ip;
	if (wait) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Too many failed sign-ins; try again in %ld minute%s.", (wait + 59) / 60,
			 (wait + 59) / 60 == 1 ? "" : "s");
		signin_page(r, o, msg, name, next);
		o->status = 429;
		resp_retry_after(o, wait);
		sodium_memzero(&u, sizeof(u));
		buf_release(&err);
		return;
	}
	bool ok = rc == 0 && crypto_pwhash_str_verify(u.pwhash, pw, strlen(pw)) == 0;
	if (!ok) {
		if (rc != 0) /* spend the same time as a real check */
			if (crypto_pwhash_str_verify(dummy_hash(), pw, strlen(pw)) == 0)
				BUG("a random password matched");
		limit_count(r, LIMIT_SIGNIN_ACCOUNT, acct);
		limit_count(r, LIMIT_SIGNIN_IP, r->ip);
		signin_page(r, o, "Wrong username or password.", name, next);
		o->status = 401;
	} else if (u.disabled) {
		/* only someone who knows the password learns this */
		signin_page(r, o, "This account is disabled.", name, next);
		o->status = 401;
	} else {
		limit_reset(r, LIMIT_SIGNIN_ACCOUNT, acct);
		start_session(r, o, u.id);
		cast_intended_vote(r, &u);
		if (o->status == 200)
			resp_redirect(o, safe_next(next));
	}
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
}

void h_signout(struct req *r, struct resp *o)
{
	if (r->signed_in && !r->via_token) {
		struct buf err = BUF_INIT;
		store_session_del(r->s, r->session_hash, &err);
		buf_release(&err);
	}
	resp_cookie(r, o, "pb_session", "", 0, true);
	resp_redirect(o, "/");
}

/* ---- verifying an account's address ----------------------------------------- */

/* The account a verification link names, checked against its current
 * address; 0, or -1 with the page answered. */
static int verify_target(struct req *r, struct resp *o, const char *tok, struct user *u)
{
	int64_t id;
	struct buf err = BUF_INIT;
	int rc = -1;
	if (tok && !mail_verify_token_user(tok, &id) && store_user_get(r->s, id, NULL, u, &err) == 0 &&
	    !mail_verify_token_check(r->w->secret, tok, u->id, u->email, time_now_ms()))
		rc = 0;
	buf_release(&err);
	if (rc) {
		page_begin(r, o, "Verify your address", NULL);
		html(&o->body, "<main class=\"narrow\"><h1>Verify your address</h1><p class=\"notice error\" role=\"alert\">"
			       "This link is not valid or has expired. Ask for a new one on your profile page.</p></main>");
		page_end(r, o);
		o->status = 400;
		o->private_ = true;
	}
	return rc;
}

static const char *tok_param(struct req *r)
{
	const char *t = req_form(r, "t");
	return t ? t : req_arg(r, "t");
}

void h_verify_form(struct req *r, struct resp *o)
{
	struct user u;
	const char *tok = tok_param(r);
	if (verify_target(r, o, tok, &u))
		return;
	o->private_ = true;
	page_begin(r, o, "Verify your address", NULL);
	html(&o->body, "<main class=\"narrow\"><h1>Verify your address</h1><p>Is <strong>%s</strong> the address of the "
		       "account <strong>%s</strong>?</p><form method=\"post\" action=\"/account/verify\">",
	     u.email, u.name);
	html_csrf(r, &o->body);
	html(&o->body, "<input type=\"hidden\" name=\"t\" value=\"%s\"><button class=\"btn\">Yes, verify</button></form></main>",
	     tok);
	page_end(r, o);
	sodium_memzero(&u, sizeof(u));
}

void h_verify(struct req *r, struct resp *o)
{
	struct user u;
	if (verify_target(r, o, tok_param(r), &u))
		return;
	struct buf err = BUF_INIT;
	int rc = store_user_verify_email(r->s, u.id, u.email, &err);
	if (rc == 0) {
		to_profile(o, u.name);
	} else if (rc == 2) {
		/* said only to whoever holds the mailbox */
		page_begin(r, o, "Verify your address", NULL);
		html(&o->body, "<main class=\"narrow\"><h1>Verify your address</h1><p class=\"notice error\" role=\"alert\">"
			       "Another account has verified %s already; an address belongs to one account.</p></main>",
		     u.email);
		page_end(r, o);
		o->status = 409;
		o->private_ = true;
	} else {
		if (rc < 0)
			fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, rc < 0 ? 500 : 400, "The account or its address changed; ask for a new link.");
	}
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
}

void h_verify_send(struct req *r, struct resp *o)
{
	char who[32];
	snprintf(who, sizeof(who), "#%lld", (long long)r->user.id);
	long wait = limit_wait(r, LIMIT_VERIFY_MAIL, who);
	if (!r->w->cfg.mail.smtp_url) {
		resp_error(r, o, 503, "This server sends no email (no SMTP server is set up); an administrator can verify "
				      "your address with 'paperboy user verify'.");
	} else if (r->user.email_verified) {
		to_profile(o, r->user.name);
	} else if (wait) {
		resp_error(r, o, 429, "A link was sent a moment ago; look for it in your inbox, or try again later.");
		resp_retry_after(o, wait);
	} else {
		limit_count(r, LIMIT_VERIFY_MAIL, who);
		send_verification(r, &r->user);
		to_profile(o, r->user.name);
	}
}

/* ---- profile --------------------------------------------------------------- */

struct list_ctx {
	struct req *r;
	struct buf *b;
	int n;
};

static int card_cb(const struct paper *p, void *ctx)
{
	struct list_ctx *l = ctx;
	html_card(l->r, l->b, p, NULL);
	l->n++;
	return 0;
}

static int token_row(const struct api_token *t, void *ctx)
{
	struct list_ctx *l = ctx;
	char made[16], used[16] = "never";
	time_format_day(t->created, made);
	if (t->last_used)
		time_format_day(t->last_used, used);
	html(l->b, "<li><strong>%s</strong> <span class=\"muted\">made %s, last used %s</span> "
		   "<form method=\"post\" action=\"/settings/tokens/%lld/delete\" class=\"inline\">",
	     t->label, made, used, (long long)t->id);
	html_csrf(l->r, l->b);
	html(l->b, "<button type=\"submit\" class=\"link danger\">Delete</button></form></li>");
	l->n++;
	return 0;
}

void h_profile(struct req *r, struct resp *o)
{
	struct user u;
	struct buf err = BUF_INIT;
	int rc = store_user_get(r->s, 0, r->cap[0], &u, &err);
	if (rc) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such user.");
		buf_release(&err);
		return;
	}
	bool self = r->signed_in && r->user.id == u.id;
	o->private_ = self || r->signed_in;
	page_begin(r, o, u.name, NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"wide\"><h1>%s</h1>", u.name);
	if (u.disabled)
		html(b, "<p class=\"notice\">This account is disabled.</p>");
	if (r->signed_in && r->user.admin && !self) {
		html(b, "<form method=\"post\" action=\"/admin/users/%s\" class=\"inline\">", u.name);
		html_csrf(r, b);
		html(b, "<input type=\"hidden\" name=\"disabled\" value=\"%s\"><button class=\"btn small danger\">%s</button></form>",
		     u.disabled ? "0" : "1", u.disabled ? "Enable user" : "Disable user");
	}
	if (self) {
		html(b, "<section><h2>Email address</h2><p><strong>%s</strong> ", u.email);
		if (u.email_verified) {
			html(b, "<span class=\"tag\">verified</span></p>");
		} else {
			html(b, "<span class=\"tag warn\">not verified</span></p><p class=\"muted\">Until you follow the link we mailed "
				"there, the address counts for nothing here: its email digests are not shown on this page.</p>");
			if (r->w->cfg.mail.smtp_url) {
				html(b, "<form method=\"post\" action=\"/account/verify/send\" class=\"inline\">");
				html_csrf(r, b);
				html(b, "<button class=\"btn small\">Send the link again</button></form>");
			}
		}
		html(b, "</section>");
		html(b, "<section><h2>API tokens</h2><p>Use a token as <code>Authorization: Bearer TOKEN</code> to upvote, submit and comment through the API.</p>");
		const char *fresh = req_cookie(r, "pb_newtoken");
		if (fresh && strlen(fresh) < 64) {
			html(b, "<p class=\"notice\" role=\"status\">Your new token (shown once): <code class=\"token\">%s</code></p>", fresh);
			resp_cookie(r, o, "pb_newtoken", "", 0, true);
			o->no_store = true;
		}
		html(b, "<ul class=\"tokens\">");
		struct list_ctx l = { r, b, 0 };
		store_token_list(r->s, u.id, token_row, &l, &err);
		if (!l.n)
			html(b, "<li class=\"muted\">No tokens yet.</li>");
		html(b, "</ul><form method=\"post\" action=\"/settings/tokens\" class=\"row\">");
		html_csrf(r, b);
		html(b, "<label for=\"label\">Name</label><input id=\"label\" name=\"label\" required maxlength=\"60\" placeholder=\"my script\">"
			"<button type=\"submit\" class=\"btn small\">Make a token</button></form></section>");
	}
	html(b, "<p><a href=\"/u/%U/collections\">Collections</a>", u.name);
	if (self)
		html(b, " · <a href=\"/me/following\">Following and muted</a> · <a href=\"/me/export\">Download your data "
			"(JSON)</a> · <a href=\"/me/delete\">Delete your account</a>");
	html(b, "</p><section><h2>Submitted papers</h2>");
	struct store_query q = { .day_from = "0000-00-00", .day_to = "9999-99-99", .limit = 100, .submitter = u.name };
	struct list_ctx l = { r, b, 0 };
	struct collect got = { 0 };
	store_paper_list(r->s, &q, collect_cb, &got, &err);
	req_votes_prefetch(r, got.v, got.n);
	for (size_t i = 0; i < got.n; i++)
		card_cb(&got.v[i], &l);
	collect_free(&got);
	if (!l.n)
		html(b, "<p class=\"muted\">None yet.</p>");
	html(b, "</section>");
	if (self && u.email_verified)
		profile_subscriptions(r, b);
	html(b, "<section><h2>Upvoted papers</h2>");
	l.n = 0;
	store_user_votes(r->s, u.id, 100, collect_cb, &got, &err);
	req_votes_prefetch(r, got.v, got.n);
	for (size_t i = 0; i < got.n; i++)
		card_cb(&got.v[i], &l);
	collect_free(&got);
	if (!l.n)
		html(b, "<p class=\"muted\">None yet.</p>");
	html(b, "</section></main>");
	page_end(r, o);
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
}

void h_token_add(struct req *r, struct resp *o)
{
	const char *label = req_form(r, "label");
	if (!label || str_is_blank(label) || strlen(label) > 60) {
		resp_error(r, o, 400, "Give the token a name of at most 60 characters.");
		return;
	}
	char tok[48], full[64];
	token_new(tok);
	snprintf(full, sizeof(full), "pb_%s", tok);
	uint8_t h[TOKEN_HASH_BYTES];
	token_hash(full, h);
	struct buf err = BUF_INIT;
	if (store_token_add(r->s, r->user.id, h, label, time_now_ms(), &err)) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "Could not make the token.");
	} else {
		/* shown once on the next page, from a short-lived HttpOnly cookie */
		resp_cookie(r, o, "pb_newtoken", full, 120, true);
		to_profile(o, r->user.name);
	}
	sodium_memzero(tok, sizeof(tok));
	sodium_memzero(full, sizeof(full));
	buf_release(&err);
}

void h_token_del(struct req *r, struct resp *o)
{
	long id;
	struct buf err = BUF_INIT;
	if (parse_int(r->cap[0], 1, LONG_MAX, &id) || store_token_del(r->s, r->user.id, id, &err)) {
		resp_error(r, o, 404, "There is no such token.");
	} else {
		to_profile(o, r->user.name);
	}
	buf_release(&err);
}

/* ---- moderation ------------------------------------------------------------ */

static bool form_flag(struct req *r, const char *name)
{
	const char *v = req_form(r, name);
	return v && !strcmp(v, "1");
}

void h_admin_paper(struct req *r, struct resp *o)
{
	struct buf err = BUF_INIT;
	int rc = store_paper_hide(r->s, r->cap[0], form_flag(r, "hidden"), &err);
	if (rc)
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such paper.");
	else
		resp_redirect(o, "/");
	buf_release(&err);
}

void h_admin_comment(struct req *r, struct resp *o)
{
	long id;
	struct buf err = BUF_INIT;
	struct comment c = { 0 };
	if (parse_int(r->cap[0], 1, LONG_MAX, &id) || store_comment_get(r->s, id, &c, &err) ||
	    store_comment_hide(r->s, id, form_flag(r, "hidden"), &err)) {
		resp_error(r, o, 404, "There is no such comment.");
	} else {
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s#comments", c.paper);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	}
	comment_release(&c);
	buf_release(&err);
}

void h_admin_user(struct req *r, struct resp *o)
{
	struct user u;
	struct buf err = BUF_INIT;
	if (store_user_get(r->s, 0, r->cap[0], &u, &err)) {
		resp_error(r, o, 404, "There is no such user.");
	} else if (u.id == r->user.id) {
		resp_error(r, o, 400, "You cannot disable yourself.");
	} else {
		u.disabled = form_flag(r, "disabled");
		if (store_user_update(r->s, &u, &err)) {
			resp_error(r, o, 500, "The database failed.");
		} else {
			to_profile(o, u.name);
		}
	}
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
}
