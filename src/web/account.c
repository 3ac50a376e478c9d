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

/* ---- rate limit: at most 8 failed sign-ins per account and 50 per client
 * address (a lab behind one NAT) in 10 minutes ---------------------------- */

#define RATE_SLOTS 4096
#define RATE_WINDOW_MS (10 * 60 * 1000)
static struct {
	uint32_t key;
	int fails;
	pb_time since;
} rate[RATE_SLOTS];
static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t rate_slot(const char *key, uint32_t *h)
{
	*h = hash_bytes(key, strlen(key));
	return *h % RATE_SLOTS;
}

bool rate_ok(const char *key)
{
	uint32_t h;
	size_t i = rate_slot(key, &h);
	pthread_mutex_lock(&rate_lock);
	int max = str_has_prefix(key, "ip:") ? 50 : 8;
	bool ok = rate[i].key != h || rate[i].fails < max || time_now_ms() - rate[i].since > RATE_WINDOW_MS;
	pthread_mutex_unlock(&rate_lock);
	return ok;
}

void rate_fail(const char *key)
{
	uint32_t h;
	size_t i = rate_slot(key, &h);
	pb_time now = time_now_ms();
	pthread_mutex_lock(&rate_lock);
	if (rate[i].key != h || now - rate[i].since > RATE_WINDOW_MS) {
		rate[i].key = h;
		rate[i].fails = 0;
		rate[i].since = now;
	}
	rate[i].fails++;
	pthread_mutex_unlock(&rate_lock);
}

void rate_reset(const char *key)
{
	uint32_t h;
	size_t i = rate_slot(key, &h);
	pthread_mutex_lock(&rate_lock);
	if (rate[i].key == h)
		rate[i].fails = 0;
	pthread_mutex_unlock(&rate_lock);
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
	/* only local paths: never an open redirect */
	return next && next[0] == '/' && next[1] != '/' && next[1] != '\\' && !strpbrk(next, "\r\n") ? next : "/";
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
		       struct user *u, struct buf *msg)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->email, sizeof(u->email), "%s", email);
	snprintf(u->fullname, sizeof(u->fullname), "%s", name);
	u->admin = admin;
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
	if (strlen(password) < PASSWORD_MIN) {
		buf_setf(err, "the password needs at least %d characters", PASSWORD_MIN);
		return -1;
	}
	struct store *s;
	if (store_open(db_url, 0, &s, err))
		return -1;
	struct user u;
	int rc = create_user(s, name, email, password, admin, &u, err);
	if (rc == 1)
		buf_setf(err, "%s: that username or email is taken", name);
	store_close(s);
	sodium_memzero(&u, sizeof(u));
	return rc ? -1 : 0;
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
	if (strlen(pw) < PASSWORD_MIN) {
		signup_page(r, o, "The password needs at least 10 characters.", name, email);
		o->status = 400;
		return;
	}
	struct user u;
	struct buf err = BUF_INIT;
	int rc = create_user(r->s, name, email, pw, false, &u, &err);
	if (rc == 1) {
		signup_page(r, o, "That username or email address is already registered.", name, email);
		o->status = 409;
	} else if (rc < 0) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "Could not create the account.");
	} else {
		start_session(r, o, u.id);
		if (o->status == 200)
			resp_redirect(o, "/");
	}
	sodium_memzero(&u, sizeof(u));
	buf_release(&err);
}

static void signin_page(struct req *r, struct resp *o, const char *msg, const char *name, const char *next)
{
	page_begin(r, o, "Sign in", NULL);
	struct buf *b = &o->body;
	html(b, "<main class=\"narrow\"><h1>Sign in</h1>");
	if (msg)
		html(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html(b, "<form method=\"post\" action=\"/signin\" class=\"stack\">");
	html_csrf(r, b);
	html(b,
	     "<input type=\"hidden\" name=\"next\" value=\"%s\">"
	     "<label for=\"name\">Username or email</label>"
	     "<input id=\"name\" name=\"name\" required autocomplete=\"username\" value=\"%s\">"
	     "<label for=\"password\">Password</label>"
	     "<input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"current-password\">"
	     "<button type=\"submit\" class=\"btn\">Sign in</button></form>"
	     "<p>New here? <a href=\"/signup\">Create an account</a>.</p></main>",
	     safe_next(next), name ? name : "");
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
	if (!name || !pw) {
		signin_page(r, o, "Give your username and password.", name, next);
		o->status = 400;
		return;
	}
	char key_ip[96], key_user[96];
	snprintf(key_ip, sizeof(key_ip), "ip:%s", r->ip);
	snprintf(key_user, sizeof(key_user), "user:%s", name);
	if (!rate_ok(key_ip) || !rate_ok(key_user)) {
		signin_page(r, o, "Too many failed sign-ins; wait ten minutes and try again.", name, next);
		o->status = 429;
		resp_header(o, "Retry-After", "600");
		return;
	}
	struct user u;
	struct buf err = BUF_INIT;
	int rc = store_user_get(r->s, 0, name, &u, &err);
	bool ok = rc == 0 && !u.disabled && crypto_pwhash_str_verify(u.pwhash, pw, strlen(pw)) == 0;
	if (rc < 0)
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
	if (!ok) {
		if (rc != 0) /* spend the same time as a real check */
			if (crypto_pwhash_str_verify(dummy_hash(), pw, strlen(pw)) == 0)
				BUG("a random password matched");
		rate_fail(key_ip);
		rate_fail(key_user);
		signin_page(r, o, rc == 0 && u.disabled ? "This account is disabled." : "Wrong username or password.",
			    name, next);
		o->status = 401;
	} else {
		rate_reset(key_user);
		start_session(r, o, u.id);
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
	html(b, "<section><h2>Submitted papers</h2>");
	struct store_query q = { .day_from = "0000-00-00", .day_to = "9999-99-99", .limit = 100, .submitter = u.name };
	struct list_ctx l = { r, b, 0 };
	store_paper_list(r->s, &q, card_cb, &l, &err);
	if (!l.n)
		html(b, "<p class=\"muted\">None yet.</p>");
	html(b, "</section>");
	if (self)
		profile_subscriptions(r, b);
	html(b, "<section><h2>Upvoted papers</h2>");
	l.n = 0;
	store_user_votes(r->s, u.id, 100, card_cb, &l, &err);
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
