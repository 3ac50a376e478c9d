/*
 * moderation.c - what an administrator on the pages and the operator at
 * the command line do to what others wrote: hide a paper or a comment (or
 * show it again), disable an account or make it an administrator. Each
 * writes only what it changes, so two changes made at once both stay; a
 * store that fails is told as such, never as "no such thing".
 */
#include "service.h"

enum pb_status svc_paper_hide(struct svc *v, const char *id_text, bool hidden, struct buf *msg)
{
	char id[PAPER_ID_MAX]; /* any form of the id (a version, a prefix, an address) */
	if (!id_text || arxiv_id_parse(id_text, id, NULL)) {
		buf_setf(msg, "There is no such paper.");
		return PB_NOTFOUND;
	}
	struct buf err = BUF_INIT;
	int rc = store_paper_hide(v->s, id, hidden, &err);
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "moderation", &err, msg) : rc ? PB_NOTFOUND : PB_OK;
	if (rc > 0)
		buf_setf(msg, "There is no such paper.");
	buf_release(&err);
	return st;
}

enum pb_status svc_comment_hide(struct svc *v, int64_t id, bool hidden, struct comment *c, struct buf *msg)
{
	memset(c, 0, sizeof(*c));
	struct buf err = BUF_INIT;
	int rc = store_comment_get(v->s, id, c, &err);
	if (!rc)
		rc = store_comment_hide(v->s, id, hidden, &err);
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "moderation", &err, msg) : rc ? PB_NOTFOUND : PB_OK;
	if (rc > 0)
		buf_setf(msg, "There is no such comment.");
	buf_release(&err);
	return st;
}

enum pb_status svc_account_flag(struct svc *v, const struct user *actor, const char *name, enum user_flag flag,
				bool on, struct user *u, struct buf *msg)
{
	memset(u, 0, sizeof(*u));
	struct buf err = BUF_INIT;
	int rc = store_user_get(v->s, 0, name, u, &err);
	enum pb_status st = PB_OK;
	if (rc) {
		st = rc < 0 ? svc_store_failed_log(v, "moderation", &err, msg) : PB_NOTFOUND;
		if (rc > 0)
			buf_setf(msg, "There is no such user.");
	} else if (actor && actor->id == u->id && (flag == USER_FLAG_DISABLED ? on : !on)) {
		/* the last administrator could lock everyone out */
		buf_setf(msg, flag == USER_FLAG_DISABLED ? "You cannot disable yourself."
							 : "You cannot take your own administrator's role.");
		st = PB_INVALID;
	} else if ((rc = store_user_flag(v->s, u->id, flag, on, &err))) {
		st = rc < 0 ? svc_store_failed_log(v, "moderation", &err, msg) : PB_NOTFOUND;
		if (rc > 0)
			buf_setf(msg, "There is no such user.");
	} else if (flag == USER_FLAG_ADMIN) {
		u->admin = on;
	} else {
		u->disabled = on;
	}
	buf_release(&err);
	return st;
}

enum pb_status svc_token_delete(struct svc *v, const struct user *u, int64_t token_id, struct buf *msg)
{
	struct buf err = BUF_INIT;
	int rc = store_token_del(v->s, u->id, token_id, &err);
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "tokens", &err, msg) : rc ? PB_NOTFOUND : PB_OK;
	if (rc > 0)
		buf_setf(msg, "There is no such token.");
	buf_release(&err);
	return st;
}
