/*
 * comments.c - the rule for writing comments, for the page's form and the
 * API alike: a text of 1 to 10,000 characters, on a paper that is here,
 * as a reply to a top-level comment of the same paper at most, and at most
 * COMMENT limit's count per account in a quiet spell (a paper's page shows
 * its whole discussion: a flood of comments would make every visitor pay).
 */
#include "service.h"

enum pb_status svc_comment_add(struct svc *v, const struct user *u, struct comment *c, long *wait, struct buf *msg)
{
	*wait = 0;
	if (!c->body || str_is_blank(c->body) || strlen(c->body) > SVC_COMMENT_MAX) {
		buf_setf(msg, "A comment needs some text (at most 10,000 characters).");
		return PB_INVALID;
	}
	char who[32];
	snprintf(who, sizeof(who), "%lld", (long long)u->id);
	if (!u->admin && (*wait = svc_limit_wait(v, LIMIT_COMMENT, who)) > 0) {
		buf_setf(msg, "You have written many comments lately; try again in %ld minute%s.", (*wait + 59) / 60,
			 (*wait + 59) / 60 == 1 ? "" : "s");
		return PB_LIMITED;
	}
	c->user_id = u->id;
	snprintf(c->user, sizeof(c->user), "%s", u->name);
	struct buf err = BUF_INIT;
	int rc = store_comment_add(v->s, c, &err);
	enum pb_status st = rc < 0 ? svc_store_failed(v, &err, msg) : PB_NOTFOUND;
	if (rc > 0)
		buf_setf(msg, "There is no such paper or comment to reply to.");
	buf_release(&err);
	if (rc)
		return st;
	if (!u->admin)
		svc_limit_count(v, LIMIT_COMMENT, who);
	return PB_OK;
}
