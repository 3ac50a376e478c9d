/*
 * submit.c - submitting papers to the daily feed (the form; the rules are
 * the service's) and the moderators' queue.
 */
#include "handlers.h"
#include "follower.h"
#include "html.h"
#include "respond.h"
#include "fetcher.h"
#include <limits.h>

/* ---- moderation of submissions --------------------------------------------- */

struct queue_ctx {
	struct req *r;
	struct buf *b;
	int n;
};

static int queue_row(const struct submission *sub, void *ctx)
{
	struct queue_ctx *q = ctx;
	struct paper p;
	paper_init(&p);
	struct buf err = BUF_INIT;
	store_paper_get(q->r->s, sub->paper, &p, &err);
	char when[32];
	time_format_iso(sub->at, when);
	when[16] = '\0';
	when[10] = ' ';
	html_printf(q->b, "<li><a href=\"/papers/%s\">%s</a> <span class=\"muted\">%s, by <a href=\"/u/%U\">%s</a> on %s</span> ",
	     sub->paper, p.title ? p.title : sub->paper, sub->paper, sub->user, sub->user, when);
	html_printf(q->b, "<form method=\"post\" action=\"/admin/submissions/%lld\" class=\"inline\">", (long long)sub->id);
	html_csrf(q->r, q->b);
	html_printf(q->b, "<button class=\"btn small\" name=\"action\" value=\"approve\">Approve</button> "
		   "<button class=\"btn small danger\" name=\"action\" value=\"reject\">Reject</button></form></li>");
	paper_release(&p);
	buf_release(&err);
	q->n++;
	return 0;
}

void h_admin_submissions(struct req *r, struct resp *o)
{
	o->private_ = true;
	html_page_begin(r, o, "Submissions waiting", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide\"><h1>Submissions waiting for a moderator</h1><ul class=\"queue\">");
	struct queue_ctx q = { r, b, 0 };
	struct buf err = BUF_INIT;
	store_submission_list(r->s, "pending", 200, queue_row, &q, &err);
	if (!q.n)
		html_printf(b, "<li class=\"muted\">None.</li>");
	html_printf(b, "</ul></main>");
	html_page_end(r, o);
	buf_release(&err);
}

void h_admin_submission(struct req *r, struct resp *o)
{
	long id;
	const char *action = req_form(r, "action");
	bool approve = action && !strcmp(action, "approve");
	if (parse_int(r->cap[0], 1, LONG_MAX, &id) || !action || (!approve && strcmp(action, "reject"))) {
		resp_error(r, o, 400, "Approve or reject a submission.");
		return;
	}
	struct buf msg = BUF_INIT;
	struct svc v = req_svc(r);
	enum pb_status st = svc_submission_decide(&v, id, approve, &r->user, &msg);
	if (st) {
		resp_outcome(r, o, st, msg.s);
	} else {
		if (approve)
			follower_wait(r->w); /* searchable from the next request on */
		resp_redirect(o, "/admin/submissions");
	}
	buf_release(&msg);
}

/* ---- submit ---------------------------------------------------------------------- */

static void submit_page(struct req *r, struct resp *o, const char *msg, const char *link, const char *value)
{
	html_page_begin(r, o, "Submit a paper", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>Submit a paper</h1><p>Give an arXiv id or URL; the paper joins today's feed with your name on it.");
	if (!r->user.admin) {
		if (r->w->cfg.submit_window_days > 0)
			html_printf(b, " Papers join within %d day%S of their publication on arXiv", r->w->cfg.submit_window_days,
				    r->w->cfg.submit_window_days == 1 ? "" : "s");
		if (r->w->cfg.submit_daily_limit > 0)
			html_printf(b, "%S%d a day per account", r->w->cfg.submit_window_days > 0 ? "; " : " At most ",
			     r->w->cfg.submit_daily_limit);
		html_printf(b, ".%S", r->w->cfg.moderate_submissions ? " A moderator approves each submission." : "");
	}
	html_printf(b, "</p>");
	if (msg) {
		html_printf(b, "<p class=\"notice\" role=\"alert\">%s", msg);
		if (link)
			html_printf(b, " <a href=\"/papers/%s\">Go to the paper</a>.", link);
		html_printf(b, "</p>");
	}
	html_printf(b, "<form method=\"post\" action=\"/submit\" class=\"stack\">");
	html_csrf(r, b);
	html_printf(b, "<label for=\"paper\">arXiv id or URL</label><input id=\"paper\" name=\"paper\" required maxlength=\"200\" "
		"placeholder=\"2505.24864\" value=\"%s\"><button class=\"btn\">Submit</button></form></main>",
	     value ? value : "");
	html_page_end(r, o);
	o->private_ = true;
}

void h_submit_form(struct req *r, struct resp *o)
{
	submit_page(r, o, NULL, NULL, NULL);
}

void h_submit(struct req *r, struct resp *o)
{
	const char *text = req_form(r, "paper");
	char id[PAPER_ID_MAX];
	struct buf msg = BUF_INIT;
	long wait = 0;
	struct svc v = req_svc(r);
	enum pb_status st = svc_submit(&v, &r->user, text, id, &wait, &msg);
	if (st == PB_OK || st == PB_ACCEPTED) {
		/* featured, or on its way: its page says which */
		if (st == PB_ACCEPTED)
			fetcher_kick(r->w);
		else
			follower_wait(r->w);
		struct buf loc = BUF_INIT;
		buf_addf(&loc, "/papers/%s", id);
		resp_redirect(o, loc.s);
		buf_release(&loc);
	} else if (st == PB_PENDING) {
		submit_page(r, o, msg.s, id, NULL);
		o->status = 202;
	} else {
		bool known = st == PB_CONFLICT || st == PB_REFUSED;
		submit_page(r, o, msg.s, known ? id : NULL, text);
		o->status = resp_status(st, NULL);
		if (st == PB_LIMITED)
			resp_retry_after(o, wait ? wait : 3600);
	}
	buf_release(&msg);
}
