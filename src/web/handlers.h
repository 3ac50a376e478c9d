/*
 * handlers.h - the top floor: every route's handler (the route table in
 * server.c names them), and the few pieces handlers of different files
 * share. A handler reads its request (respond.h, auth.h), asks the service
 * and the store, and renders (html.h, cards.h, json.h, atom.h); nothing
 * below calls one.
 */
#ifndef PAPERBOY_WEB_HANDLERS_H
#define PAPERBOY_WEB_HANDLERS_H

#include "web_int.h"

/* lists (pages.c) */
void h_home(struct req *r, struct resp *o);
void h_day(struct req *r, struct resp *o);
void h_week(struct req *r, struct resp *o);
void h_month(struct req *r, struct resp *o);
void h_trending(struct req *r, struct resp *o);
void h_layout(struct req *r, struct resp *o);
void h_search(struct req *r, struct resp *o);
void h_static(struct req *r, struct resp *o);
void h_katex(struct req *r, struct resp *o);
/* addresses (addresses.c) */
void h_papers_index(struct req *r, struct resp *o);
void h_robots(struct req *r, struct resp *o);
void h_sitemap(struct req *r, struct resp *o);
/* a paper (paper.c) */
void h_paper(struct req *r, struct resp *o);
void h_vote(struct req *r, struct resp *o);
void h_fetch(struct req *r, struct resp *o);
void h_comment_add(struct req *r, struct resp *o);
void h_comment_edit(struct req *r, struct resp *o);
void h_comment_delete(struct req *r, struct resp *o);
void h_admin_paper(struct req *r, struct resp *o);
void h_admin_comment(struct req *r, struct resp *o);
/* submissions (submit.c) */
void h_submit_form(struct req *r, struct resp *o);
void h_submit(struct req *r, struct resp *o);
void h_admin_submissions(struct req *r, struct resp *o);
void h_admin_submission(struct req *r, struct resp *o);
/* accounts (account.c) */
void h_signup_form(struct req *r, struct resp *o);
void h_signup(struct req *r, struct resp *o);
void h_signin_form(struct req *r, struct resp *o);
void h_signin(struct req *r, struct resp *o);
void h_signout(struct req *r, struct resp *o);
void h_verify_form(struct req *r, struct resp *o);
void h_verify(struct req *r, struct resp *o);
void h_verify_send(struct req *r, struct resp *o);
void h_password_form(struct req *r, struct resp *o);
void h_password(struct req *r, struct resp *o);
void h_forgot_form(struct req *r, struct resp *o);
void h_forgot(struct req *r, struct resp *o);
void h_reset_form(struct req *r, struct resp *o);
void h_reset(struct req *r, struct resp *o);
void h_profile(struct req *r, struct resp *o);
void h_token_add(struct req *r, struct resp *o);
void h_token_del(struct req *r, struct resp *o);
void h_admin_user(struct req *r, struct resp *o);
void h_admin_status(struct req *r, struct resp *o);
/* the API (api.c) */
void h_api_daily(struct req *r, struct resp *o);
void h_api_search(struct req *r, struct resp *o);
void h_api_paper(struct req *r, struct resp *o);
/* GET /api/papers/ID/references and /api/papers/ID/citations */
void h_api_refs(struct req *r, struct resp *o);
void h_api_vote(struct req *r, struct resp *o);
void h_api_unvote(struct req *r, struct resp *o);
void h_api_submit(struct req *r, struct resp *o);
void h_api_comment(struct req *r, struct resp *o);
void h_feed_daily(struct req *r, struct resp *o);
void h_feed_trending(struct req *r, struct resp *o);
void h_feed_search(struct req *r, struct resp *o);
/* subscriptions (subscribe.c) */
void h_subscribe_form(struct req *r, struct resp *o);
void h_subscribe(struct req *r, struct resp *o);
void h_confirm_form(struct req *r, struct resp *o);
void h_confirm(struct req *r, struct resp *o);
void h_manage(struct req *r, struct resp *o);
void h_manage_update(struct req *r, struct resp *o);
void h_unsubscribe_form(struct req *r, struct resp *o);
void h_unsubscribe(struct req *r, struct resp *o);
/* The profile's "Email digests" section. */
void profile_subscriptions(struct req *r, struct buf *b);
/* Queues the verification link of u's address (when mail is on): 0, or
 * -1 with err (nothing queued). */
int send_verification(struct req *r, const struct user *u, struct buf *err);
/* each reader's own (personal.c) */
void h_follow_post(struct req *r, struct resp *o);
void h_mute_post(struct req *r, struct resp *o);
void h_following(struct req *r, struct resp *o);
void h_prefs_post(struct req *r, struct resp *o);
void h_read_post(struct req *r, struct resp *o);
void h_feed_post(struct req *r, struct resp *o);
void h_feed_following(struct req *r, struct resp *o);
void h_for_you(struct req *r, struct resp *o);
void h_export(struct req *r, struct resp *o);
void h_delete_page(struct req *r, struct resp *o);
void h_delete_post(struct req *r, struct resp *o);
void h_api_me(struct req *r, struct resp *o);
void h_api_follows(struct req *r, struct resp *o);
void h_api_mutes(struct req *r, struct resp *o);
void h_api_following(struct req *r, struct resp *o);
void h_api_recs(struct req *r, struct resp *o);
void h_api_prefs(struct req *r, struct resp *o);
void h_api_feed(struct req *r, struct resp *o);
/* collections (collections.c) */
void h_save(struct req *r, struct resp *o);
void h_collection_new(struct req *r, struct resp *o);
void h_collection_edit(struct req *r, struct resp *o);
void h_collection(struct req *r, struct resp *o);
void h_collections(struct req *r, struct resp *o);
void h_my_collections(struct req *r, struct resp *o);
void h_collection_export(struct req *r, struct resp *o);
void h_api_collections(struct req *r, struct resp *o);
void h_api_collection(struct req *r, struct resp *o);
/* The "add to a collection" form of a paper page (and the Save button). */
void html_collect_form(struct req *r, struct buf *b, const struct paper *p);
/* operators (ops.c), thumbnails (thumbs.c) */
void h_metrics(struct req *r, struct resp *o);
void h_health(struct req *r, struct resp *o);
void h_thumb(struct req *r, struct resp *o);
/* people and organizations (people.c) */
void h_org(struct req *r, struct resp *o);
/* The page of a Hugging Face submitter who has no account here: 0, 1 when
 * nobody by that name submitted anything (nothing answered), -1. */
int people_submitter_page(struct req *r, struct resp *o, const char *name);

#endif
