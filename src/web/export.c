/*
 * export.c - GET /me/export and /api/me/export: everything an account owns
 * (profile, votes, comments, collections with their notes, follows,
 * mutes, subscriptions, tokens' labels, preferences) as one JSON document.
 */
#include "handlers.h"
#include "html.h"
#include "json.h"
#include "personal.h"
#include "reader.h"
#include "respond.h"

static int ex_comment(const struct comment *c, void *ctx)
{
	if (!c->deleted)
		json_array_append_new(ctx, json_pack("{s:I,s:s,s:s,s:o,s:b}", "id", (json_int_t)c->id, "paper", c->paper, "body",
						      c->body ? c->body : "", "created", json_time(c->created), "hidden",
						      c->hidden));
	return 0;
}



static int ex_vote(const struct paper *p, void *ctx)
{
	json_array_append_new(ctx, json_string(p->id));
	return 0;
}

static int ex_token(const struct api_token *t, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s,s:o,s:o}", "label", t->label, "created", json_time(t->created), "lastUsed",
					      json_time(t->last_used)));
	return 0;
}

static int ex_sub(const struct subscription *sub, void *ctx)
{
	json_array_append_new(ctx, json_pack("{s:s,s:s,s:s,s:s}", "email", sub->email, "period", sub->period, "topics",
					      sub->topics ? sub->topics : "", "status", sub->status));
	return 0;
}

/* Everything the reader owns, or NULL (err set) when the store failed to
 * give any part of it (an export that is not whole is never handed over
 * as one: it may be what is kept before the account is deleted). */
static json_t *user_export(struct req *r, struct buf *err)
{
	json_t *j = json_object();
	json_object_set_new(j, "profile",
			    json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "name", r->user.name, "fullname", r->user.fullname, "email",
				      r->user.email, "emailVerified", r->user.email_verified, "admin", r->user.admin,
				      "created", json_time(r->user.created)));
	json_t *votes = json_array(), *follows = json_array(), *mutes = json_array(), *tokens = json_array(),
	       *subs = json_array(), *colls = json_array(), *comments = json_array();
	bool failed = store_user_votes(r->s, r->user.id, 100000, ex_vote, votes, err) < 0;
	failed |= store_follow_list(r->s, r->user.id, json_follow_append, follows, err) < 0;
	failed |= store_mute_list(r->s, r->user.id, json_follow_append, mutes, err) < 0;
	failed |= store_token_list(r->s, r->user.id, ex_token, tokens, err) < 0;
	if (r->user.email_verified)
		failed |= store_sub_list_email(r->s, r->user.email, ex_sub, subs, err) < 0;
	failed |= collections_export(r, colls) < 0;
	failed |= store_user_comments(r->s, r->user.id, ex_comment, comments, err) < 0;
	json_t *prefs = json_prefs(r);
	failed |= store_first_failure(r->s) != PB_OK; /* the preferences' read, say, which tells no one */
	json_object_set_new(j, "votes", votes);
	json_object_set_new(j, "comments", comments);
	json_object_set_new(j, "collections", colls);
	json_object_set_new(j, "follows", follows);
	json_object_set_new(j, "mutes", mutes);
	json_object_set_new(j, "subscriptions", subs);
	json_object_set_new(j, "tokens", tokens);
	json_object_set_new(j, "preferences", prefs);
	if (failed) {
		if (!err->len)
			buf_setf(err, "a part failed");
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* GET /me/export and /api/me/export: everything the account owns, as one JSON document. */
void h_export(struct req *r, struct resp *o)
{
	struct buf err = BUF_INIT;
	json_t *j = user_export(r, &err);
	if (!j)
		resp_store_failed(r, o, "export", &err);
	buf_release(&err);
	if (!j)
		return;
	resp_json(o, 200, j);
	o->private_ = true;
	o->no_store = true;
	if (!r->wants_json)
		resp_header(o, "Content-Disposition", "attachment; filename=\"paperboy-export.json\"");
}
