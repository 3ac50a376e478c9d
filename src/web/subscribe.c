/*
 * subscribe.c - the email side of the web service: the subscribe, confirm,
 * manage and unsubscribe pages (links carry signed tokens, see mail.h),
 * RFC 8058 one-click unsubscribe, and the mail thread that delivers the
 * outbox and runs the daily and weekly digests on their schedule.
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
#include <sodium.h>

static void sub_page_begin(struct req *r, struct resp *o, const char *title)
{
	o->private_ = true;
	html_page_begin(r, o, title, NULL);
	html_printf(&o->body, "<main class=\"narrow\"><h1>%s</h1>", title);
}

static void sub_page_end(struct req *r, struct resp *o)
{
	html_printf(&o->body, "</main>");
	html_page_end(r, o);
}

static void notice(struct resp *o, const char *msg, bool error)
{
	html_printf(&o->body, "<p class=\"notice%S\" role=\"%S\">%s</p>", error ? " error" : "", error ? "alert" : "status", msg);
}

static void subscribe_form(struct req *r, struct resp *o, const char *email, const char *period, const char *topics)
{
	struct buf *b = &o->body;
	html_printf(b, "<p>Trending papers in your inbox, daily or weekly, with the papers matching your own topics "
		"(any search: words, <code>author:\"Name\"</code>, <code>cat:cs.CL</code>). We send a confirmation "
		"first; every message has a link to change or cancel.</p><form method=\"post\" action=\"/subscribe\" class=\"stack\">");
	html_csrf(r, b);
	bool weekly = period && !strcmp(period, "weekly");
	html_printf(b,
	     "<label for=\"email\">Email address</label><input id=\"email\" name=\"email\" type=\"email\" required maxlength=\"254\" "
	     "autocomplete=\"email\" value=\"%s\"><fieldset><legend>How often</legend>"
	     "<label><input type=\"radio\" name=\"period\" value=\"daily\"%S> daily (weekdays)</label> "
	     "<label><input type=\"radio\" name=\"period\" value=\"weekly\"%S> weekly</label></fieldset>"
	     "<label for=\"topics\">Topics (optional, one search a line)</label>"
	     "<textarea id=\"topics\" name=\"topics\" rows=\"4\" placeholder=\"diffusion models&#10;author:&quot;Yann LeCun&quot;&#10;cat:cs.CL\">%s</textarea>"
	     "<button class=\"btn\">Subscribe</button></form>",
	     email ? email : "", weekly ? "" : " checked", weekly ? " checked" : "", topics ? topics : "");
}

/* Without an SMTP server nothing can be confirmed: the page says so. */
static bool mail_off(struct req *r, struct resp *o)
{
	if (r->w->cfg.mail.smtp_url)
		return false;
	sub_page_begin(r, o, "Subscribe to the digest");
	notice(o, "This server sends no email (its operator has not set up an SMTP server), so digests cannot be "
		  "subscribed to here. The Atom feeds carry the same papers.",
	       true);
	html_printf(&o->body, "<p><a href=\"/feeds/daily.atom\">Daily papers feed</a> · <a href=\"/feeds/trending.atom\">Trending feed</a></p>");
	sub_page_end(r, o);
	o->status = 503;
	return true;
}

void h_subscribe_form(struct req *r, struct resp *o)
{
	if (mail_off(r, o))
		return;
	const char *email = req_arg(r, "email");
	if ((!email || !*email) && r->signed_in)
		email = r->user.email;
	sub_page_begin(r, o, "Subscribe to the digest");
	subscribe_form(r, o, email, req_arg(r, "period"), NULL);
	sub_page_end(r, o);
}

void h_subscribe(struct req *r, struct resp *o)
{
	if (mail_off(r, o))
		return;
	const char *email = req_form(r, "email"), *period = req_form(r, "period"), *topics = req_form(r, "topics");
	/* every request counts, from the address and to the mailbox:
	 * confirmations cost mail */
	long wait = req_limit_wait(r, LIMIT_SUBSCRIBE_IP, r->ip);
	if (!wait && email && *email)
		wait = req_limit_wait(r, LIMIT_SUBSCRIBE_ADDRESS, email);
	if (wait) {
		sub_page_begin(r, o, "Subscribe to the digest");
		notice(o, "Too many subscription requests lately; try again later.", true);
		sub_page_end(r, o);
		o->status = 429;
		resp_retry_after(o, wait);
		return;
	}
	req_limit_count(r, LIMIT_SUBSCRIBE_IP, r->ip);
	if (email && email_address_valid(email))
		req_limit_count(r, LIMIT_SUBSCRIBE_ADDRESS, email);
	/* a signed-in account that verified this very address owns it */
	bool owner = r->signed_in && r->user.email_verified && email && !strcasecmp(email, r->user.email);
	struct buf msg = BUF_INIT;
	int rc = mail_subscribe(r->s, &r->w->cfg.mail, email ? email : "", period ? period : "daily", topics,
				r->signed_in ? r->user.id : 0, owner, &msg);
	sub_page_begin(r, o, rc ? "Subscribe to the digest" : owner ? "Subscribed" : "Check your inbox");
	notice(o, rc < 0 ? "Something went wrong; please try again." : msg.s, rc != 0);
	if (rc) {
		subscribe_form(r, o, email, period, topics);
		o->status = rc < 0 ? 500 : 400;
		if (rc < 0)
			fprintf(stderr, "paperboy: serve: subscribe: %s\n", msg.s);
	} else {
		mailer_kick(r->w);
	}
	sub_page_end(r, o);
	buf_release(&msg);
}

/* The subscription a link's token names: 0 with *sub, or -1 after
 * answering (the link is not valid: 400; the store failed: its failure). */
static int token_sub(struct req *r, struct resp *o, const char *tok, enum mail_token_purpose purpose,
		     struct subscription *sub, const char *title)
{
	int64_t id;
	struct buf err = BUF_INIT;
	int got = 1;
	if (tok && !mail_token_check(r->w->secret, tok, purpose, time_now_ms(), &id) &&
	    (got = store_sub_get(r->s, id, NULL, sub, &err)) < 0) {
		/* a server's failure, not the link's (a mail provider's one-click
		 * unsubscribe takes a 4xx for a final answer) */
		resp_store_failed(r, o, "subscriptions", &err);
		buf_release(&err);
		return -1;
	}
	if (got) {
		sub_page_begin(r, o, title);
		notice(o,
		       purpose == TOKEN_CONFIRM ? "This confirmation link is not valid or has expired; subscribe again to get a new one."
						: "This link is not valid.",
		       true);
		html_printf(&o->body, "<p><a href=\"/subscribe\">Subscribe</a></p>");
		sub_page_end(r, o);
		o->status = 400;
		buf_release(&err);
		return -1;
	}
	buf_release(&err);
	return 0;
}

static const char *tok_arg(struct req *r)
{
	const char *t = req_form(r, "t");
	return t ? t : req_arg(r, "t");
}

void h_confirm_form(struct req *r, struct resp *o)
{
	struct subscription sub;
	const char *tok = tok_arg(r);
	if (token_sub(r, o, tok, TOKEN_CONFIRM, &sub, "Confirm your subscription"))
		return;
	sub_page_begin(r, o, "Confirm your subscription");
	/* what confirming does: the change held for the address, if any */
	bool change = sub.pending_period[0] != '\0';
	const char *topics = change ? (sub.pending_topics ? sub.pending_topics : "") : sub.topics;
	html_printf(&o->body, "<p>Send the <strong>%s</strong> digest to <strong>%s</strong>%S%s%S?</p>"
		       "<form method=\"post\" action=\"/subscribe/confirm\">",
	     change ? sub.pending_period : sub.period, sub.email, topics[0] ? ", with the topics <em>" : "", topics,
	     topics[0] ? "</em>" : "");
	html_csrf(r, &o->body);
	html_printf(&o->body, "<input type=\"hidden\" name=\"t\" value=\"%s\"><button class=\"btn\">Yes, confirm</button></form>", tok);
	sub_page_end(r, o);
	subscription_release(&sub);
}

void h_confirm(struct req *r, struct resp *o)
{
	struct subscription sub;
	if (token_sub(r, o, tok_arg(r), TOKEN_CONFIRM, &sub, "Confirm your subscription"))
		return;
	struct buf err = BUF_INIT;
	bool ok = store_sub_confirm(r->s, sub.id, &err) == 0;
	subscription_release(&sub);
	if (ok)
		ok = store_sub_get(r->s, sub.id, NULL, &sub, &err) == 0;
	sub_page_begin(r, o, ok ? "Subscribed" : "Confirm your subscription");
	if (ok) {
		html_printf(&o->body, "<p class=\"notice\" role=\"status\">Done: %s will get the %s digest.</p>", sub.email, sub.period);
		char tok[96];
		mail_token(r->w->secret, sub.id, TOKEN_MANAGE, time_now_ms() + 3650LL * 86400000, tok);
		html_printf(&o->body, "<p><a href=\"/subscription?t=%s\">Manage the subscription</a></p>", tok);
	} else {
		notice(o, "Something went wrong; please try again.", true);
		o->status = 500;
	}
	sub_page_end(r, o);
	subscription_release(&sub);
	buf_release(&err);
}

void h_manage(struct req *r, struct resp *o)
{
	struct subscription sub;
	const char *tok = tok_arg(r);
	if (token_sub(r, o, tok, TOKEN_MANAGE, &sub, "Your subscription"))
		return;
	sub_page_begin(r, o, "Your subscription");
	struct buf *b = &o->body;
	html_printf(b, "<p><strong>%s</strong>: %s digest, <strong class=\"status\">%s</strong>.</p>", sub.email, sub.period,
	     sub.status);
	if (!strcmp(sub.status, "paused"))
		notice(o, "Delivery to this address failed repeatedly, so the digest is paused. Resume it once the mailbox works again.", true);
	html_printf(b, "<form method=\"post\" action=\"/subscription\" class=\"stack\">");
	html_csrf(r, b);
	bool weekly = !strcmp(sub.period, "weekly");
	html_printf(b,
	     "<input type=\"hidden\" name=\"t\" value=\"%s\"><fieldset><legend>How often</legend>"
	     "<label><input type=\"radio\" name=\"period\" value=\"daily\"%S> daily</label> "
	     "<label><input type=\"radio\" name=\"period\" value=\"weekly\"%S> weekly</label></fieldset>"
	     "<label for=\"topics\">Topics (one search a line)</label><textarea id=\"topics\" name=\"topics\" rows=\"4\">%s</textarea>"
	     "<button class=\"btn\" name=\"action\" value=\"save\">Save</button>",
	     tok, weekly ? "" : " checked", weekly ? " checked" : "", sub.topics);
	if (strcmp(sub.status, "active"))
		html_printf(b, "<button class=\"btn\" name=\"action\" value=\"resume\">Resume the digest</button>");
	html_printf(b, "</form>");
	if (strcmp(sub.status, "cancelled")) {
		html_printf(b, "<form method=\"post\" action=\"/unsubscribe?t=%s\">", tok);
		html_csrf(r, b);
		html_printf(b, "<button class=\"btn danger\">Unsubscribe</button></form>");
	}
	sub_page_end(r, o);
	subscription_release(&sub);
}

void h_manage_update(struct req *r, struct resp *o)
{
	struct subscription sub;
	const char *tok = tok_arg(r);
	if (token_sub(r, o, tok, TOKEN_MANAGE, &sub, "Your subscription"))
		return;
	const char *action = req_form(r, "action");
	struct buf err = BUF_INIT, clean = BUF_INIT, why = BUF_INIT;
	int rc = 0;
	if (action && !strcmp(action, "resume")) {
		/* following a link mailed to the address proves it is theirs */
		rc = store_sub_set_status(r->s, sub.id, "active", &err);
	} else if (mail_sub_check(req_form(r, "period"), req_form(r, "topics"), &clean, &why)) {
		rc = 1; /* the subscribe form's rules, the same function */
	} else {
		struct subscription upd;
		memset(&upd, 0, sizeof(upd));
		snprintf(upd.email, sizeof(upd.email), "%s", sub.email);
		snprintf(upd.period, sizeof(upd.period), "%s", req_form(r, "period"));
		upd.topics = clean.s ? clean.s : (char *)"";
		bool created;
		rc = store_sub_upsert(r->s, &upd, &created, &err);
	}
	subscription_release(&sub);
	if (rc < 0) {
		resp_store_failed(r, o, "subscriptions", &err);
	} else if (rc) {
		sub_page_begin(r, o, "Your subscription");
		notice(o, why.len ? why.s : "That subscription is not there any more.", true);
		sub_page_end(r, o);
		o->status = 400;
	} else {
		struct buf loc = BUF_INIT;
		buf_adds(&loc, "/subscription?t=");
		buf_add_url(&loc, tok);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	}
	buf_release(&err);
	buf_release(&clean);
	buf_release(&why);
}

void h_unsubscribe_form(struct req *r, struct resp *o)
{
	struct subscription sub;
	const char *tok = tok_arg(r);
	if (token_sub(r, o, tok, TOKEN_MANAGE, &sub, "Unsubscribe"))
		return;
	sub_page_begin(r, o, "Unsubscribe");
	html_printf(&o->body, "<p>Stop sending the %s digest to <strong>%s</strong>?</p><form method=\"post\" action=\"/unsubscribe?t=%s\">",
	     sub.period, sub.email, tok);
	html_csrf(r, &o->body);
	html_printf(&o->body, "<button class=\"btn danger\">Unsubscribe</button></form>");
	sub_page_end(r, o);
	subscription_release(&sub);
}

/* POST /unsubscribe?t=TOKEN: from our own page (with its CSRF token) or from
 * a mail provider's one-click button (body "List-Unsubscribe=One-Click",
 * RFC 8058, no cookies). Either way the signed token names the subscription
 * and only cancelling is possible. */
void h_unsubscribe(struct req *r, struct resp *o)
{
	const char *oneclick = req_form(r, "List-Unsubscribe");
	if (!(oneclick && !strcmp(oneclick, "One-Click")) && !auth_csrf_ok(r)) {
		resp_error(r, o, 403, "The form is missing its security token; use the link in the message again.");
		return;
	}
	struct subscription sub;
	if (token_sub(r, o, req_arg(r, "t"), TOKEN_MANAGE, &sub, "Unsubscribe"))
		return;
	struct buf err = BUF_INIT;
	int rc = store_sub_set_status(r->s, sub.id, "cancelled", &err);
	sub_page_begin(r, o, rc ? "Unsubscribe" : "Unsubscribed");
	if (rc) {
		notice(o, "Something went wrong; please try again.", true);
		o->status = 500;
	} else {
		html_printf(&o->body, "<p class=\"notice\" role=\"status\">%s will get no more digests.</p>", sub.email);
	}
	sub_page_end(r, o);
	subscription_release(&sub);
	buf_release(&err);
}

struct prof_ctx {
	struct req *r;
	struct buf *b;
	int n;
};

static int prof_sub(const struct subscription *sub, void *ctx)
{
	struct prof_ctx *p = ctx;
	char tok[96];
	mail_token(p->r->w->secret, sub->id, TOKEN_MANAGE, time_now_ms() + 3650LL * 86400000, tok);
	html_printf(p->b, "<li>%s digest to %s: <strong>%s</strong>%S%s — <a href=\"/subscription?t=%s\">manage</a></li>", sub->period,
	     sub->email, sub->status, sub->topics[0] ? "; topics: " : "", sub->topics, tok);
	p->n++;
	return 0;
}

void profile_subscriptions(struct req *r, struct buf *b)
{
	html_printf(b, "<section><h2>Email digests</h2><ul class=\"subs\">");
	struct prof_ctx p = { r, b, 0 };
	struct buf err = BUF_INIT;
	store_sub_list_email(r->s, r->user.email, prof_sub, &p, &err);
	buf_release(&err);
	if (!p.n)
		html_printf(b, "<li class=\"muted\">None. <a href=\"/subscribe\">Subscribe</a></li>");
	html_printf(b, "</ul></section>");
}
