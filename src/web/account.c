/*
 * account.c - who is asking: sign-up, sign-in and sign-out, sessions,
 * bearer API tokens, CSRF checks, the sign-in rate limit, profile pages and
 * the moderation actions.
 *
 * Passwords are hashed with Argon2id (libsodium's crypto_pwhash_str). A
 * session cookie holds 256 random bits; the store keeps only their BLAKE2b
 * hash, so a copy of the database opens no sessions. API tokens likewise.
 */
#include "handlers.h"
#include "atom.h"
#include "auth.h"
#include "cards.h"
#include "follower.h"
#include "html.h"
#include "http.h"
#include "json.h"
#include "lists.h"
#include "mailer.h"
#include "reader.h"
#include "respond.h"
#include "fetcher.h"
#include <ctype.h>
#include <sodium.h>

#define PASSWORD_MIN SVC_PASSWORD_MIN


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
	bool voted = false;
	int up;
	struct svc v = req_svc(r);
	/* the sign-in stands either way; the page it leads to shows whether
	 * the vote is cast */
	enum pb_status st = svc_vote(&v, u, id, 1, &voted, &up);
	if (st != PB_OK)
		fprintf(stderr, "paperboy: serve: the vote asked for at sign-in (%s) was not cast: %s\n", id,
			pb_status_name(st));
}

static void signup_page(struct req *r, struct resp *o, const char *msg, const char *name, const char *email)
{
	html_page_begin(r, o, "Sign up", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>Create an account</h1>");
	if (msg)
		html_printf(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html_printf(b, "<form method=\"post\" action=\"/signup\" class=\"stack\">");
	html_csrf(r, b);
	const char *next = req_form(r, "next");
	const char *vote = req_form(r, "vote");
	if (!next)
		next = req_arg(r, "next");
	if (!vote)
		vote = req_arg(r, "vote");
	if (local_path_ok(next))
		html_printf(b, "<input type=\"hidden\" name=\"next\" value=\"%s\">", next);
	char vid[PAPER_ID_MAX];
	if (vote && !arxiv_id_parse(vote, vid, NULL))
		html_printf(b, "<input type=\"hidden\" name=\"vote\" value=\"%s\">", vid);
	html_printf(b,
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
	html_page_end(r, o);
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

int send_verification(struct req *r, const struct user *u, struct buf *err)
{
	if (!r->w->cfg.mail.smtp_url)
		return 0;
	int rc = mail_verify_account(r->s, &r->w->cfg.mail, u, err);
	if (!rc)
		mailer_kick(r->w);
	return rc;
}

void h_signup(struct req *r, struct resp *o)
{
	const char *name = req_form(r, "name"), *email = req_form(r, "email"), *pw = req_form(r, "password");
	if (!name || !email || !pw) {
		signup_page(r, o, "Fill in a username, an email address and a password.", name, email);
		o->status = 400;
		return;
	}
	struct user u;
	struct buf msg = BUF_INIT;
	long wait = 0;
	/* the address counts for nothing until the link mailed there is
	 * followed; several accounts may name it until one verifies it, so
	 * this answer never tells whether it is registered (usernames are
	 * public: profiles carry them) */
	struct svc v = req_svc(r);
	enum pb_status st = svc_account_create(&v, name, email, pw, false, false, r->ip, &u, &wait, &msg);
	if (st == PB_OK) {
		/* the account is made: a link that could not be queued is asked
		 * for again from the profile page */
		struct buf err = BUF_INIT;
		if (send_verification(r, &u, &err))
			fprintf(stderr, "paperboy: serve: queueing a verification link: %s\n", err.s);
		buf_release(&err);
		if (auth_start_session(r, o, u.id)) {
			resp_error(r, o, 500, "Could not start a session.");
		} else {
			cast_intended_vote(r, &u);
			resp_redirect(o, safe_next(req_form(r, "next")));
		}
	} else if (pb_status_failed(st) && st != PB_BUSY) { /* (busy: the page says to try again) */
		fprintf(stderr, "paperboy: serve: %s\n", msg.s);
		resp_error(r, o, 500, "Could not create the account.");
	} else {
		signup_page(r, o, msg.s, name, email);
		o->status = resp_status(st, NULL);
		if (st == PB_LIMITED || st == PB_BUSY)
			resp_retry_after(o, st == PB_BUSY ? 2 : wait);
	}
	sodium_memzero(&u, sizeof(u));
	buf_release(&msg);
}

static void signin_page(struct req *r, struct resp *o, const char *msg, const char *name, const char *next)
{
	html_page_begin(r, o, "Sign in", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>Sign in</h1>");
	char vote[PAPER_ID_MAX];
	struct paper vp;
	paper_init(&vp);
	vote_intent(r, vote, &vp);
	if (vote[0])
		html_printf(b, "<p class=\"notice\" role=\"status\">Sign in to upvote <strong>%s</strong>; your vote is cast as soon as you "
			"are in%S.</p>",
		     vp.title ? vp.title : vote,
		     r->w->svc.vote_age_ms > 0 ? " (a new account's votes count in the totals once it is old enough)" : "");
	if (msg)
		html_printf(b, "<p class=\"notice error\" role=\"alert\">%s</p>", msg);
	html_printf(b, "<form method=\"post\" action=\"/signin\" class=\"stack\">");
	html_csrf(r, b);
	if (vote[0])
		html_printf(b, "<input type=\"hidden\" name=\"vote\" value=\"%s\">", vote);
	paper_release(&vp);
	html_printf(b,
	     "<input type=\"hidden\" name=\"next\" value=\"%s\">"
	     "<label for=\"name\">Username or email</label>"
	     "<input id=\"name\" name=\"name\" required autocomplete=\"username\" value=\"%s\">"
	     "<label for=\"password\">Password</label>"
	     "<input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"current-password\">"
	     "<button type=\"submit\" class=\"btn\">Sign in</button></form>"
	     "<p><a href=\"/account/forgot\">Forgot your password?</a></p>"
	     "<p>New here? <a href=\"/signup?next=%U%S%U\">Create an account</a>.</p></main>",
	     safe_next(next), name ? name : "", safe_next(next), vote[0] ? "&amp;vote=" : "", vote);
	html_page_end(r, o);
	o->private_ = true;
}

void h_signin_form(struct req *r, struct resp *o)
{
	signin_page(r, o, NULL, NULL, req_arg(r, "next"));
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
	memset(&u, 0, sizeof(u));
	long wait = 0;
	struct svc v = req_svc(r);
	enum pb_status st = svc_password_check(&v, name, &u, pw, r->ip, &wait);
	if (st == PB_LIMITED) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Too many sign-in attempts from here or for this account; try again in %ld minute%s.",
			 (wait + 59) / 60, (wait + 59) / 60 == 1 ? "" : "s");
		signin_page(r, o, msg, name, next);
		o->status = 429;
		resp_retry_after(o, wait);
	} else if (st == PB_BUSY || pb_status_failed(st)) {
		signin_page(r, o, "The server is busy; try again in a few seconds.", name, next);
		o->status = 503;
		resp_retry_after(o, 2);
	} else if (st != PB_OK) {
		signin_page(r, o, "Wrong username or password.", name, next);
		o->status = 401;
	} else if (u.disabled) {
		/* only someone who knows the password learns this */
		signin_page(r, o, "This account is disabled.", name, next);
		o->status = 401;
	} else if (auth_start_session(r, o, u.id)) {
		resp_error(r, o, 500, "Could not start a session.");
	} else {
		cast_intended_vote(r, &u);
		resp_redirect(o, safe_next(next));
	}
	sodium_memzero(&u, sizeof(u));
}

void h_signout(struct req *r, struct resp *o)
{
	struct buf err = BUF_INIT;
	int rc = r->signed_in && !r->via_token ? store_session_del(r->s, r->session_hash, &err) : 0;
	if (rc < 0) { /* the session still opens the account: never told it was ended */
		resp_store_failed(r, o, "sign-out", &err);
	} else {
		resp_cookie(r, o, "pb_session", "", 0, true);
		resp_redirect(o, "/");
	}
	buf_release(&err);
}

/* ---- verifying an account's address ----------------------------------------- */

/* The account a verification link names, checked against its current
 * address; 0, or -1 with the page answered. */
static int verify_target(struct req *r, struct resp *o, const char *tok, struct user *u)
{
	int64_t id;
	struct buf err = BUF_INIT;
	int rc = -1, got = 1;
	if (tok && !mail_verify_token_user(tok, &id) && (got = store_user_get(r->s, id, NULL, u, &err)) == 0 &&
	    !mail_verify_token_check(r->w->secret, tok, u->id, u->email, time_now_ms()))
		rc = 0;
	if (got < 0)
		resp_store_failed(r, o, "verification", &err);
	buf_release(&err);
	if (rc && got >= 0) {
		html_page_begin(r, o, "Verify your address", NULL);
		html_printf(&o->body, "<main class=\"narrow\"><h1>Verify your address</h1><p class=\"notice error\" role=\"alert\">"
			       "This link is not valid or has expired. Ask for a new one on your profile page.</p></main>");
		html_page_end(r, o);
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
	html_page_begin(r, o, "Verify your address", NULL);
	html_printf(&o->body, "<main class=\"narrow\"><h1>Verify your address</h1><p>Is <strong>%s</strong> the address of the "
		       "account <strong>%s</strong>?</p><form method=\"post\" action=\"/account/verify\">",
	     u.email, u.name);
	html_csrf(r, &o->body);
	html_printf(&o->body, "<input type=\"hidden\" name=\"t\" value=\"%s\"><button class=\"btn\">Yes, verify</button></form></main>",
	     tok);
	html_page_end(r, o);
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
		html_page_begin(r, o, "Verify your address", NULL);
		html_printf(&o->body, "<main class=\"narrow\"><h1>Verify your address</h1><p class=\"notice error\" role=\"alert\">"
			       "Another account has verified %s already; an address belongs to one account.</p></main>",
		     u.email);
		html_page_end(r, o);
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
	long wait = req_limit_wait(r, LIMIT_VERIFY_MAIL, who);
	if (!r->w->cfg.mail.smtp_url) {
		resp_error(r, o, 503, "This server sends no email (no SMTP server is set up); an administrator can verify "
				      "your address with 'paperboy user verify'.");
	} else if (r->user.email_verified) {
		to_profile(o, r->user.name);
	} else if (wait) {
		resp_error(r, o, 429, "A link was sent a moment ago; look for it in your inbox, or try again later.");
		resp_retry_after(o, wait);
	} else {
		struct buf err = BUF_INIT;
		if (send_verification(r, &r->user, &err)) { /* nothing queued: never told it is on its way */
			resp_store_failed(r, o, "queueing a verification link", &err);
		} else {
			req_limit_count(r, LIMIT_VERIFY_MAIL, who); /* a link sent counts, not a try */
			to_profile(o, r->user.name);
		}
		buf_release(&err);
	}
}

/* ---- passwords: changed, forgotten, reset ---------------------------------- */

/* The form that sets a new password: with the current one (signed in), or
 * with a reset link's token. */
static void password_page(struct req *r, struct resp *o, const char *msg, const char *tok, int status)
{
	html_page_begin(r, o, tok ? "Choose a new password" : "Change your password", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>%S</h1>", tok ? "Choose a new password" : "Change your password");
	if (msg)
		html_printf(b, "<p class=\"notice%S\" role=\"%S\">%s</p>", status < 400 ? "" : " error",
			    status < 400 ? "status" : "alert", msg);
	html_printf(b, "<form method=\"post\" action=\"%S\" class=\"stack\">", tok ? "/account/reset" : "/account/password");
	html_csrf(r, b);
	if (tok)
		html_printf(b, "<input type=\"hidden\" name=\"t\" value=\"%s\">"
			    "<input type=\"hidden\" name=\"name\" autocomplete=\"username\" value=\"\">", tok);
	else
		html_printf(b, "<input type=\"hidden\" name=\"name\" autocomplete=\"username\" value=\"%s\">"
			    "<label for=\"current\">Current password</label>"
			    "<input id=\"current\" name=\"current\" type=\"password\" required autocomplete=\"current-password\">",
			    r->user.name);
	html_printf(b, "<label for=\"password\">New password (at least %d characters)</label>"
		    "<input id=\"password\" name=\"password\" type=\"password\" required minlength=\"%d\" autocomplete=\"new-password\">"
		    "<button type=\"submit\" class=\"btn\">Set the password</button></form><p class=\"muted\">%S</p></main>",
		    PASSWORD_MIN, PASSWORD_MIN,
		    tok ? "A new password signs the account out everywhere and deletes its API tokens."
			: "A new password signs the account out everywhere else. API tokens keep working; delete them on "
			  "your profile page.");
	html_page_end(r, o);
	o->status = status;
	o->private_ = true;
	o->no_store = true;
}

/* After a new password: the store ended every session; this browser gets
 * a new one. */
static void password_done(struct req *r, struct resp *o, const struct user *u)
{
	if (auth_start_session(r, o, u->id))
		resp_error(r, o, 500, "The password is set, but a session could not be started: sign in.");
	else
		resp_redirect(o, "/account/password?changed=1");
}

static void password_failed(struct req *r, struct resp *o, enum pb_status st, const struct buf *msg, long wait,
			    const char *tok)
{
	if (pb_status_failed(st) && st != PB_BUSY) {
		fprintf(stderr, "paperboy: serve: %s\n", msg->s);
		resp_error(r, o, 500, "Could not set the password.");
		return;
	}
	/* a wrong current password: as a wrong one at sign-in */
	password_page(r, o, msg->s, tok, st == PB_DENIED ? 401 : resp_status(st, NULL));
	if (st == PB_LIMITED || st == PB_BUSY)
		resp_retry_after(o, st == PB_BUSY ? 2 : wait);
}

void h_password_form(struct req *r, struct resp *o)
{
	password_page(r, o, req_arg(r, "changed") ? "Your password is changed; every other session is signed out." : NULL,
		      NULL, 200);
}

void h_password(struct req *r, struct resp *o)
{
	struct svc v = req_svc(r);
	struct user u = r->user;
	long wait = 0;
	struct buf msg = BUF_INIT;
	enum pb_status st =
		svc_password_change(&v, &u, req_form(r, "current"), req_form(r, "password"), r->ip, &wait, &msg);
	if (st == PB_OK)
		password_done(r, o, &u);
	else
		password_failed(r, o, st, &msg, wait, NULL);
	sodium_memzero(&u, sizeof(u));
	buf_release(&msg);
}

static void forgot_page(struct req *r, struct resp *o, const char *msg, bool error, const char *login)
{
	html_page_begin(r, o, "Forgot your password?", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>Forgot your password?</h1>");
	if (msg)
		html_printf(b, "<p class=\"notice%S\" role=\"%S\">%s</p>", error ? " error" : "", error ? "alert" : "status", msg);
	if (!r->w->cfg.mail.smtp_url) {
		html_printf(b, "<p>This server sends no email, so no reset link can be mailed. Ask its administrator to set "
			       "a new password for you (<code>paperboy user password NAME</code>).</p></main>");
	} else {
		html_printf(b, "<p>Give your username or your verified email address; we mail a link that lets you "
			       "choose a new password (it works once, for %d minutes).</p>"
			       "<form method=\"post\" action=\"/account/forgot\" class=\"stack\">",
			    SVC_RESET_MINUTES);
		html_csrf(r, b);
		html_printf(b, "<label for=\"name\">Username or email</label>"
			       "<input id=\"name\" name=\"name\" required maxlength=\"254\" autocomplete=\"username\" value=\"%s\">"
			       "<button type=\"submit\" class=\"btn\">Mail me a link</button></form></main>",
			    login ? login : "");
	}
	html_page_end(r, o);
	o->private_ = true;
}

void h_forgot_form(struct req *r, struct resp *o)
{
	forgot_page(r, o, NULL, false, NULL);
	if (!r->w->cfg.mail.smtp_url)
		o->status = 503;
}

void h_forgot(struct req *r, struct resp *o)
{
	if (!r->w->cfg.mail.smtp_url) {
		forgot_page(r, o, NULL, false, NULL);
		o->status = 503;
		return;
	}
	const char *login = req_form(r, "name");
	struct svc v = req_svc(r);
	long wait = 0;
	enum pb_status st = svc_password_forgot(&v, login, r->ip, mail_reset_message, &r->w->cfg.mail, &wait);
	if (st == PB_LIMITED) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Too many requests from your address; try again in %ld minutes.", (wait + 59) / 60);
		forgot_page(r, o, msg, true, login);
		o->status = 429;
		resp_retry_after(o, wait);
	} else if (st != PB_OK && st != PB_NOTFOUND) {
		forgot_page(r, o, "The server is busy; try again in a few seconds.", true, login);
		o->status = 503;
		resp_retry_after(o, 2);
	} else {
		if (st == PB_OK)
			mailer_kick(r->w);
		/* the same answer whether or not an account matched */
		forgot_page(r, o, "If an account with that name or verified address exists, a link is on its way to its "
				  "address. Look in your inbox (and your spam folder).", false, NULL);
	}
}

/* The page for a link that opens nothing. */
static void reset_refused(struct req *r, struct resp *o)
{
	html_page_begin(r, o, "Choose a new password", NULL);
	html_printf(&o->body, "<main class=\"narrow\"><h1>Choose a new password</h1><p class=\"notice error\" role=\"alert\">"
		       "This link is not valid, was used already, or has expired. "
		       "<a href=\"/account/forgot\">Ask for a new one</a>.</p></main>");
	html_page_end(r, o);
	o->status = 400;
	o->private_ = true;
}

void h_reset_form(struct req *r, struct resp *o)
{
	struct user u;
	struct svc v = req_svc(r);
	const char *tok = tok_param(r);
	enum pb_status st = svc_password_reset_target(&v, tok, &u);
	if (st == PB_OK)
		password_page(r, o, NULL, tok, 200);
	else if (st == PB_NOTFOUND)
		reset_refused(r, o);
	else
		resp_error(r, o, resp_status(st, NULL), "The server is busy; try again in a few seconds.");
	sodium_memzero(&u, sizeof(u));
}

void h_reset(struct req *r, struct resp *o)
{
	struct user u;
	memset(&u, 0, sizeof(u));
	struct svc v = req_svc(r);
	const char *tok = tok_param(r);
	long wait = 0;
	struct buf msg = BUF_INIT;
	enum pb_status st = svc_password_reset(&v, tok, req_form(r, "password"), r->ip, &u, &wait, &msg);
	if (st == PB_OK)
		password_done(r, o, &u);
	else if (st == PB_NOTFOUND)
		reset_refused(r, o);
	else
		password_failed(r, o, st, &msg, wait, tok);
	sodium_memzero(&u, sizeof(u));
	buf_release(&msg);
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
	card_write(l->r, l->b, p, NULL);
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
	html_printf(l->b, "<li><strong>%s</strong> <span class=\"muted\">made %s, last used %s</span> "
		   "<form method=\"post\" action=\"/settings/tokens/%lld/delete\" class=\"inline\" "
		   "data-confirm=\"Delete this token? Scripts that use it stop working.\">",
	     t->label, made, used, (long long)t->id);
	html_csrf(l->r, l->b);
	html_printf(l->b, "<button type=\"submit\" class=\"link danger\">Delete</button></form></li>");
	l->n++;
	return 0;
}

void h_profile(struct req *r, struct resp *o)
{
	struct user u;
	struct buf err = BUF_INIT;
	int rc = store_user_get(r->s, 0, r->cap[0], &u, &err);
	if (rc == 1 && (rc = people_submitter_page(r, o, r->cap[0])) == 0) {
		buf_release(&err); /* a submitter on Hugging Face, not an account here */
		return;
	}
	if (rc) {
		resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "The database failed." : "There is no such user.");
		buf_release(&err);
		return;
	}
	bool self = r->signed_in && r->user.id == u.id;
	o->private_ = self || r->signed_in;
	html_page_begin(r, o, u.name, NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide\"><h1>%s</h1>", u.name);
	if (u.disabled)
		html_printf(b, "<p class=\"notice\">This account is disabled.</p>");
	if (r->signed_in && r->user.admin && !self) {
		html_printf(b, "<form method=\"post\" action=\"/admin/users/%s\" class=\"inline\">", u.name);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"disabled\" value=\"%s\"><button class=\"btn small danger\">%s</button></form>",
		     u.disabled ? "0" : "1", u.disabled ? "Enable user" : "Disable user");
	}
	if (self) {
		html_printf(b, "<section><h2>Email address</h2><p><strong>%s</strong> ", u.email);
		if (u.email_verified) {
			html_printf(b, "<span class=\"tag\">verified</span></p>");
		} else {
			html_printf(b, "<span class=\"tag warn\">not verified</span></p>");
			if (!r->w->cfg.mail.smtp_url)
				/* nothing was mailed: who can verify it instead */
				html_printf(b, "<p class=\"muted\">This server sends no email, so no link was mailed. Until the operator "
					"verifies your account (<code>paperboy user verify %s</code>), the address counts for nothing "
					"here: its email digests are not shown on this page.</p>", u.name);
			else
				html_printf(b, "<p class=\"muted\">Until you follow the link we mailed there, the address counts for "
					"nothing here: its email digests are not shown on this page.</p>");
			if (r->w->cfg.mail.smtp_url) {
				html_printf(b, "<form method=\"post\" action=\"/account/verify/send\" class=\"inline\">");
				html_csrf(r, b);
				html_printf(b, "<button class=\"btn small\">Send the link again</button></form>");
			}
		}
		html_printf(b, "</section>");
		html_printf(b, "<section><h2>Password</h2><p><a href=\"/account/password\">Change your password</a></p></section>");
		html_printf(b, "<section><h2>API tokens</h2><p>Use a token as <code>Authorization: Bearer TOKEN</code> to upvote, submit and comment through the API.</p>");
		const char *fresh = req_cookie(r, "pb_newtoken");
		if (fresh && strlen(fresh) < 64) {
			html_printf(b, "<p class=\"notice\" role=\"status\">Your new token (shown once): <code class=\"token\">%s</code></p>", fresh);
			resp_cookie(r, o, "pb_newtoken", "", 0, true);
			o->no_store = true;
		}
		html_printf(b, "<ul class=\"tokens\">");
		struct list_ctx l = { r, b, 0 };
		store_token_list(r->s, u.id, token_row, &l, &err);
		if (!l.n)
			html_printf(b, "<li class=\"muted\">No tokens yet.</li>");
		html_printf(b, "</ul><form method=\"post\" action=\"/settings/tokens\" class=\"row\">");
		html_csrf(r, b);
		html_printf(b, "<label for=\"label\">Name</label><input id=\"label\" name=\"label\" required maxlength=\"60\" placeholder=\"my script\">"
			"<button type=\"submit\" class=\"btn small\">Make a token</button></form></section>");
	}
	html_printf(b, "<p><a href=\"/u/%U/collections\">Collections</a>", u.name);
	if (self)
		html_printf(b, " · <a href=\"/me/following\">Following and muted</a> · <a href=\"/me/export\">Download your data "
			"(JSON)</a> · <a href=\"/me/delete\">Delete your account</a>");
	html_printf(b, "</p><section><h2>Submitted papers</h2>");
	struct store_query q = { .day_from = "0000-00-00", .day_to = "9999-99-99", .limit = 100, .submitter = u.name };
	struct list_ctx l = { r, b, 0 };
	struct collect got = { 0 };
	store_paper_list(r->s, &q, collect_add, &got, &err);
	reader_votes_prefetch(r, got.v, got.n);
	for (size_t i = 0; i < got.n; i++)
		card_cb(&got.v[i], &l);
	collect_release(&got);
	if (!l.n)
		html_printf(b, "<p class=\"muted\">None yet.</p>");
	html_printf(b, "</section>");
	if (self && u.email_verified)
		profile_subscriptions(r, b);
	html_printf(b, "<section><h2>Upvoted papers</h2>");
	l.n = 0;
	store_user_votes(r->s, u.id, 100, collect_add, &got, &err);
	reader_votes_prefetch(r, got.v, got.n);
	for (size_t i = 0; i < got.n; i++)
		card_cb(&got.v[i], &l);
	collect_release(&got);
	if (!l.n)
		html_printf(b, "<p class=\"muted\">None yet.</p>");
	html_printf(b, "</section></main>");
	html_page_end(r, o);
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
	auth_token_new(tok);
	snprintf(full, sizeof(full), "pb_%s", tok);
	uint8_t h[TOKEN_HASH_BYTES];
	auth_token_hash(full, h);
	struct buf err = BUF_INIT;
	int rc = store_token_add(r->s, r->user.id, h, label, time_now_ms(), &err);
	if (rc < 0) {
		fprintf(stderr, "paperboy: serve: %s\n", err.s);
		resp_error(r, o, 500, "Could not make the token.");
	} else if (rc == 1) {
		char msg[96];
		snprintf(msg, sizeof(msg), "An account keeps %d API tokens at most; delete one first.", STORE_TOKENS_MAX);
		resp_error(r, o, 409, msg);
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
	struct buf msg = BUF_INIT;
	struct svc v = req_svc(r);
	enum pb_status st = parse_int(r->cap[0], 1, LONG_MAX, &id) ? PB_NOTFOUND : svc_token_delete(&v, &r->user, id, &msg);
	if (st)
		resp_outcome(r, o, st, msg.len ? msg.s : "There is no such token.");
	else
		to_profile(o, r->user.name);
	buf_release(&msg);
}

/* ---- moderation ------------------------------------------------------------ */


void h_admin_user(struct req *r, struct resp *o)
{
	struct user u;
	struct buf msg = BUF_INIT;
	struct svc v = req_svc(r);
	enum pb_status st = svc_account_flag(&v, &r->user, r->cap[0], USER_FLAG_DISABLED, req_form_flag(r, "disabled"),
					     &u, &msg);
	if (st)
		resp_outcome(r, o, st, msg.s);
	else
		to_profile(o, u.name);
	sodium_memzero(&u, sizeof(u));
	buf_release(&msg);
}
