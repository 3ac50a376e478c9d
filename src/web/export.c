/*
 * export.c - GET /me/export and /api/me/export: everything an account owns
 * (profile, votes, comments, collections with their notes, follows,
 * mutes, subscriptions, tokens' labels, preferences) as one JSON document.
 */
#include "handlers.h"
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

static void user_comments_json(struct req *r, json_t *arr)
{
	struct buf err = BUF_INIT;
	store_user_comments(r->s, r->user.id, ex_comment, arr, &err);
	buf_release(&err);
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

static json_t *user_export(struct req *r)
{
	struct buf err = BUF_INIT;
	json_t *j = json_object();
	json_object_set_new(j, "profile",
			    json_pack("{s:s,s:s,s:s,s:b,s:b,s:o}", "name", r->user.name, "fullname", r->user.fullname, "email",
				      r->user.email, "emailVerified", r->user.email_verified, "admin", r->user.admin,
				      "created", json_time(r->user.created)));
	json_t *votes = json_array(), *follows = json_array(), *mutes = json_array(), *tokens = json_array(),
	       *subs = json_array(), *colls = json_array(), *comments = json_array();
	store_user_votes(r->s, r->user.id, 100000, ex_vote, votes, &err);
	store_follow_list(r->s, r->user.id, json_follow_append, follows, &err);
	store_mute_list(r->s, r->user.id, json_follow_append, mutes, &err);
	store_token_list(r->s, r->user.id, ex_token, tokens, &err);
	if (r->user.email_verified)
		store_sub_list_email(r->s, r->user.email, ex_sub, subs, &err);
	collections_export(r, colls);
	user_comments_json(r, comments);
	json_object_set_new(j, "votes", votes);
	json_object_set_new(j, "comments", comments);
	json_object_set_new(j, "collections", colls);
	json_object_set_new(j, "follows", follows);
	json_object_set_new(j, "mutes", mutes);
	json_object_set_new(j, "subscriptions", subs);
	json_object_set_new(j, "tokens", tokens);
	json_object_set_new(j, "preferences", json_prefs(r));
	buf_release(&err);
	return j;
}

/* GET /me/export and /api/me/export: everything the account owns, as one JSON document. */
void h_export(struct req *r, struct resp *o)
{
	resp_json(o, 200, user_export(r));
	o->private_ = true;
	o->no_store = true;
	if (!r->wants_json)
		resp_header(o, "Content-Disposition", "attachment; filename=\"paperboy-export.json\"");
}
