/*
 * comments.c - the rules of comments, for the page's form and the API
 * alike: a text of 1 to 10,000 characters, on a paper that is here, as a
 * reply to a top-level comment of the same paper at most, and at most
 * COMMENT limit's count per account in a quiet spell (a paper's page shows
 * its whole discussion: a flood of comments would make every visitor pay).
 * Its author edits a comment; its author or an administrator deletes it.
 */
#include "service.h"

static bool body_ok(const char *body, struct buf *msg)
{
	if (body && !str_is_blank(body) && strlen(body) <= SVC_COMMENT_MAX)
		return true;
	buf_setf(msg, "A comment needs some text (at most 10,000 characters).");
	return false;
}

enum pb_status svc_comment_add(struct svc *v, const struct user *u, struct comment *c, long *wait, struct buf *msg)
{
	*wait = 0;
	if (!body_ok(c->body, msg))
		return PB_INVALID;
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
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "comments", &err, msg) : PB_NOTFOUND;
	if (rc > 0)
		buf_setf(msg, "There is no such paper or comment to reply to.");
	buf_release(&err);
	if (rc)
		return st;
	if (!u->admin)
		svc_limit_count(v, LIMIT_COMMENT, who);
	return PB_OK;
}

/* Comment id into *c, if u may change it (an administrator may delete). */
static enum pb_status may_change(struct svc *v, const struct user *u, int64_t id, bool admin_ok, struct comment *c,
				 struct buf *msg)
{
	memset(c, 0, sizeof(*c));
	struct buf err = BUF_INIT;
	int rc = store_comment_get(v->s, id, c, &err);
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "comments", &err, msg) : rc ? PB_NOTFOUND : PB_OK;
	buf_release(&err);
	if (st == PB_NOTFOUND)
		buf_setf(msg, "There is no such comment.");
	if (st == PB_OK && c->user_id != u->id && !(admin_ok && u->admin)) {
		buf_setf(msg, "That is not your comment.");
		st = PB_DENIED;
	}
	return st;
}

enum pb_status svc_comment_edit(struct svc *v, const struct user *u, int64_t id, const char *body, struct comment *c,
				struct buf *msg)
{
	memset(c, 0, sizeof(*c));
	if (!body_ok(body, msg))
		return PB_INVALID;
	enum pb_status st = may_change(v, u, id, false, c, msg);
	if (st)
		return st;
	struct buf err = BUF_INIT;
	int rc = store_comment_edit(v->s, id, body, time_now_ms(), &err);
	if (rc < 0) {
		st = svc_store_failed_log(v, "comments", &err, msg);
	} else if (rc) {
		buf_setf(msg, "That comment was deleted.");
		st = PB_CONFLICT;
	}
	buf_release(&err);
	return st;
}

enum pb_status svc_comment_delete(struct svc *v, const struct user *u, int64_t id, struct comment *c, struct buf *msg)
{
	enum pb_status st = may_change(v, u, id, true, c, msg);
	if (st)
		return st;
	struct buf err = BUF_INIT;
	/* 1: deleted already (a second click), which is done */
	if (store_comment_delete(v->s, id, &err) < 0)
		st = svc_store_failed_log(v, "comments", &err, msg);
	buf_release(&err);
	return st;
}
