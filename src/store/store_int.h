/*
 * store_int.h - private to src/store: the backend table (SQLite's VFS
 * idea). Every function of store.h but open goes through it; store.c only
 * dispatches. The list is written once (STORE_OPS) and makes both the
 * table's members and store.c's dispatchers.
 */
#ifndef PAPERBOY_STORE_INT_H
#define PAPERBOY_STORE_INT_H

#include "store.h"

struct sqlx_driver;

/* X(return type, name, (parameters), (arguments)); every one takes the
 * store first and is called as store_NAME. */
#define STORE_OPS(X)                                                                                              \
	X(int, begin, (struct store * s, struct buf * err), (s, err))                                             \
	X(int, commit, (struct store * s, struct buf * err), (s, err))                                            \
	X(int, upsert_batch,                                                                                      \
	  (struct store * s, const struct paper *papers, size_t n, enum upsert_result *results, struct buf *err), \
	  (s, papers, n, results, err))                                                                           \
	X(int, paper_get, (struct store * s, const char *id, struct paper *p, struct buf *err), (s, id, p, err)) \
	X(int, papers_get,                                                                                        \
	  (struct store * s, const char *const *ids, size_t n, bool with_hidden,                                 \
	   int (*fn)(const struct paper *, size_t, void *), void *ctx, struct buf *err),                          \
	  (s, ids, n, with_hidden, fn, ctx, err))                                                                 \
	X(int, paper_list,                                                                                        \
	  (struct store * s, const struct store_query *q, int (*fn)(const struct paper *, void *), void *ctx,     \
	   struct buf *err),                                                                                      \
	  (s, q, fn, ctx, err))                                                                                   \
	X(int, paper_scan, (struct store * s, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err), \
	  (s, fn, ctx, err))                                                                                      \
	X(int, paper_scan_since,                                                                                  \
	  (struct store * s, int64_t seq, int (*fn)(const struct paper *, void *), void *ctx, struct buf *err),   \
	  (s, seq, fn, ctx, err))                                                                                 \
	X(int, seq, (struct store * s, int64_t * seq, struct buf * err), (s, seq, err))                           \
	X(int, latest_day, (struct store * s, const char *before, char out[16], struct buf *err),                 \
	  (s, before, out, err))                                                                                  \
	X(int, stats, (struct store * s, struct store_stats * st, struct buf * err), (s, st, err))                \
	X(int, kv_get, (struct store * s, const char *key, char **value, struct buf *err), (s, key, value, err)) \
	X(int, kv_set, (struct store * s, const char *key, const char *value, struct buf *err),                  \
	  (s, key, value, err))                                                                                   \
	X(int, kv_cas,                                                                                            \
	  (struct store * s, const char *key, const char *expected, const char *value, struct buf *err),         \
	  (s, key, expected, value, err))                                                                         \
	X(int, links_put, (struct store * s, const char *paper, const char *json, pb_time fetched, struct buf *err), \
	  (s, paper, json, fetched, err))                                                                         \
	X(int, links_get, (struct store * s, const char *paper, struct buf *json, pb_time *fetched, struct buf *err), \
	  (s, paper, json, fetched, err))                                                                         \
	X(int, links_due,                                                                                         \
	  (struct store * s, const char *day_from, const char *day_to, pb_time stale_before, size_t limit,       \
	   int (*fn)(const char *, void *), void *ctx, struct buf *err),                                          \
	  (s, day_from, day_to, stale_before, limit, fn, ctx, err))                                               \
	X(int, text_put, (struct store * s, const char *paper, const char *text, size_t len, struct buf *err),   \
	  (s, paper, text, len, err))                                                                             \
	X(int, text_get, (struct store * s, const char *paper, struct buf *out, struct buf *err), (s, paper, out, err)) \
	X(int, text_ids, (struct store * s, int (*fn)(const char *, void *), void *ctx, struct buf *err),       \
	  (s, fn, ctx, err))                                                                                      \
	X(int, refs_list,                                                                                         \
	  (struct store * s, const char *paper, bool citations, size_t offset, size_t limit,                     \
	   int (*fn)(const struct paper *, void *), void *ctx, struct buf *err),                                  \
	  (s, paper, citations, offset, limit, fn, ctx, err))                                                     \
	X(int, refs_count, (struct store * s, const char *paper, int64_t *refs, int64_t *cites, struct buf *err), \
	  (s, paper, refs, cites, err))                                                                           \
	X(int, pdf_get, (struct store * s, const char *paper, struct pdf_state *st, struct buf *err), (s, paper, st, err)) \
	X(int, pdf_set, (struct store * s, const struct pdf_state *st, struct buf *err), (s, st, err))           \
	X(int, pdf_due,                                                                                           \
	  (struct store * s, const char *day_from, const char *day_to, pb_time now, size_t limit,                 \
	   int (*fn)(const char *, void *), void *ctx, struct buf *err),                                          \
	  (s, day_from, day_to, now, limit, fn, ctx, err))                                                        \
	X(int, stars_record,                                                                                      \
	  (struct store * s, const struct paper *papers, size_t n, pb_time at, struct buf *err),                \
	  (s, papers, n, at, err))                                                                                \
	X(int, stars_history,                                                                                     \
	  (struct store * s, const char *paper, pb_time until, int (*fn)(const struct star_point *, void *),    \
	   void *ctx, struct buf *err),                                                                           \
	  (s, paper, until, fn, ctx, err))                                                                        \
	X(int, stars_trending,                                                                                    \
	  (struct store * s, pb_time now, size_t limit, size_t offset,                                            \
	   int (*fn)(const struct paper *, const struct star_gain *, void *), void *ctx, struct buf *err),        \
	  (s, now, limit, offset, fn, ctx, err))                                                                  \
	X(int, user_add, (struct store * s, struct user * u, struct buf * err), (s, u, err))                      \
	X(int, user_get, (struct store * s, int64_t id, const char *name, struct user *u, struct buf *err),      \
	  (s, id, name, u, err))                                                                                  \
	X(int, user_find, (struct store * s, const char *login, struct user *u, struct buf *err),                 \
	  (s, login, u, err))                                                                                     \
	X(int, submitter_known, (struct store * s, const char *name, struct buf *err), (s, name, err))           \
	X(int, user_verify_email, (struct store * s, int64_t user_id, const char *email, struct buf *err),        \
	  (s, user_id, email, err))                                                                               \
	X(int, user_flag, (struct store * s, int64_t user_id, enum user_flag flag, bool on, struct buf *err),    \
	  (s, user_id, flag, on, err))                                                                            \
	X(int, papers_hidden,                                                                                     \
	  (struct store * s, int64_t *gen, int (*fn)(const char *, void *), void *ctx, struct buf *err),         \
	  (s, gen, fn, ctx, err))                                                                                 \
	X(int, hidden_gen, (struct store * s, int64_t *gen, struct buf *err), (s, gen, err))                     \
	X(int, user_set_password,                                                                                 \
	  (struct store * s, int64_t user_id, const char *old_hash, const char *new_hash, struct buf *err),      \
	  (s, user_id, old_hash, new_hash, err))                                                                  \
	X(int, reset_add,                                                                                         \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires, pb_time now, \
	   const struct outbox_msg *m, struct buf *err),                                                          \
	  (s, hash, user_id, expires, now, m, err))                                                               \
	X(int, reset_get,                                                                                         \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u, struct buf *err), \
	  (s, hash, now, u, err))                                                                                 \
	X(int, reset_use,                                                                                         \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, const char *pwhash,              \
	   struct user *u, struct buf *err),                                                                      \
	  (s, hash, now, pwhash, u, err))                                                                         \
	X(int, user_unverified,                                                                                   \
	  (struct store * s, size_t limit, int (*fn)(const struct user *, void *), void *ctx, struct buf *err),  \
	  (s, limit, fn, ctx, err))                                                                               \
	X(int, session_add,                                                                                       \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], int64_t user_id, pb_time expires,             \
	   struct buf *err),                                                                                      \
	  (s, hash, user_id, expires, err))                                                                       \
	X(int, session_get,                                                                                       \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u, struct buf *err), \
	  (s, hash, now, u, err))                                                                                 \
	X(int, session_del, (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], struct buf *err),           \
	  (s, hash, err))                                                                                         \
	X(int, token_add,                                                                                         \
	  (struct store * s, int64_t user_id, const uint8_t hash[TOKEN_HASH_BYTES], const char *label,           \
	   pb_time now, struct buf *err),                                                                         \
	  (s, user_id, hash, label, now, err))                                                                    \
	X(int, token_user,                                                                                        \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], pb_time now, struct user *u, struct buf *err), \
	  (s, hash, now, u, err))                                                                                 \
	X(int, token_list,                                                                                        \
	  (struct store * s, int64_t user_id, int (*fn)(const struct api_token *, void *), void *ctx,            \
	   struct buf *err),                                                                                      \
	  (s, user_id, fn, ctx, err))                                                                             \
	X(int, token_del, (struct store * s, int64_t user_id, int64_t token_id, struct buf *err),                 \
	  (s, user_id, token_id, err))                                                                            \
	X(int, vote_toggle,                                                                                       \
	  (struct store * s, int64_t user_id, const char *paper, pb_time now, bool counts, bool *voted,           \
	   int *upvotes, struct buf *err),                                                                        \
	  (s, user_id, paper, now, counts, voted, upvotes, err))                                                  \
	X(int, vote_set,                                                                                          \
	  (struct store * s, int64_t user_id, const char *paper, bool on, pb_time now, bool counts, int *upvotes, \
	   struct buf *err),                                                                                      \
	  (s, user_id, paper, on, now, counts, upvotes, err))                                                     \
	X(int, votes_mature, (struct store * s, pb_time created_before, int64_t *n, struct buf *err),             \
	  (s, created_before, n, err))                                                                            \
	X(int, fetch_add,                                                                                         \
	  (struct store * s, const struct fetch_job *j, pb_time now, int64_t *id, bool *existed, struct buf *err), \
	  (s, j, now, id, existed, err))                                                                          \
	X(int, fetch_claim,                                                                                       \
	  (struct store * s, const char *owner, pb_time now, pb_time lease_ms, struct fetch_job *j,              \
	   struct buf *err),                                                                                      \
	  (s, owner, now, lease_ms, j, err))                                                                      \
	X(int, fetch_finish,                                                                                      \
	  (struct store * s, int64_t id, const char *owner, const char *state, const char *message,              \
	   pb_time next_try, pb_time now, struct buf *err),                                                       \
	  (s, id, owner, state, message, next_try, now, err))                                                     \
	X(int, fetch_get,                                                                                         \
	  (struct store * s, const char *paper, int64_t user_id, struct fetch_job *j, struct buf *err),          \
	  (s, paper, user_id, j, err))                                                                            \
	X(int, fetch_count, (struct store * s, int64_t user_id, pb_time since, int64_t *n, struct buf *err),     \
	  (s, user_id, since, n, err))                                                                            \
	X(int, vote_get, (struct store * s, int64_t user_id, const char *paper, bool *voted, struct buf *err),   \
	  (s, user_id, paper, voted, err))                                                                        \
	X(int, votes_get,                                                                                         \
	  (struct store * s, int64_t user_id, const char *const *papers, size_t n, bool *voted, struct buf *err), \
	  (s, user_id, papers, n, voted, err))                                                                    \
	X(int, vote_days,                                                                                         \
	  (struct store * s, const char *paper, int (*fn)(const char *, int, void *), void *ctx, struct buf *err), \
	  (s, paper, fn, ctx, err))                                                                               \
	X(int, user_votes,                                                                                        \
	  (struct store * s, int64_t user_id, size_t limit, int (*fn)(const struct paper *, void *), void *ctx,  \
	   struct buf *err),                                                                                      \
	  (s, user_id, limit, fn, ctx, err))                                                                      \
	X(int, day_counts,                                                                                        \
	  (struct store * s, const char *from, const char *to, int (*fn)(const char *, int, int, void *),         \
	   void *ctx, struct buf *err),                                                                           \
	  (s, from, to, fn, ctx, err))                                                                            \
	X(int, next_day, (struct store * s, const char *after, char out[16], struct buf *err), (s, after, out, err)) \
	X(int, recent_days,                                                                                       \
	  (struct store * s, size_t limit, int (*fn)(const char *, int, void *), void *ctx, struct buf *err),    \
	  (s, limit, fn, ctx, err))                                                                               \
	X(int, paper_hide, (struct store * s, const char *id, bool hidden, struct buf *err), (s, id, hidden, err)) \
	X(int, comment_add, (struct store * s, struct comment * c, struct buf * err), (s, c, err))               \
	X(int, comment_get, (struct store * s, int64_t id, struct comment *c, struct buf *err), (s, id, c, err)) \
	X(int, comment_edit, (struct store * s, int64_t id, const char *body, pb_time now, struct buf *err),      \
	  (s, id, body, now, err))                                                                                \
	X(int, comment_delete, (struct store * s, int64_t id, struct buf *err), (s, id, err))                    \
	X(int, comment_hide, (struct store * s, int64_t id, bool hidden, struct buf *err), (s, id, hidden, err)) \
	X(int, comment_list,                                                                                      \
	  (struct store * s, const char *paper, int (*fn)(const struct comment *, void *), void *ctx,            \
	   struct buf *err),                                                                                      \
	  (s, paper, fn, ctx, err))                                                                               \
	X(int, submission_add,                                                                                    \
	  (struct store * s, const char *paper, int64_t user_id, pb_time at, const char *status, int64_t *id,    \
	   struct buf *err),                                                                                      \
	  (s, paper, user_id, at, status, id, err))                                                               \
	X(int, submission_count, (struct store * s, int64_t user_id, pb_time since, int64_t *n, struct buf *err), \
	  (s, user_id, since, n, err))                                                                            \
	X(int, submission_list,                                                                                   \
	  (struct store * s, const char *status, size_t limit, int (*fn)(const struct submission *, void *),     \
	   void *ctx, struct buf *err),                                                                           \
	  (s, status, limit, fn, ctx, err))                                                                       \
	X(int, submission_decide,                                                                                 \
	  (struct store * s, int64_t id, const char *status, int64_t by, pb_time now, struct submission *sub,    \
	   struct buf *err),                                                                                      \
	  (s, id, status, by, now, sub, err))                                                                     \
	X(int, limit_hit,                                                                                         \
	  (struct store * s, const char *key, pb_time now, pb_time quiet_ms, int free_n, pb_time base_ms,        \
	   pb_time max_ms, struct store_limit *out, struct buf *err),                                             \
	  (s, key, now, quiet_ms, free_n, base_ms, max_ms, out, err))                                             \
	X(int, limit_get, (struct store * s, const char *key, struct store_limit *out, struct buf *err),          \
	  (s, key, out, err))                                                                                     \
	X(int, limit_clear, (struct store * s, const char *key, struct buf *err), (s, key, err))                  \
	X(int, limit_prune, (struct store * s, pb_time before, struct buf *err), (s, before, err))                \
	X(int, lease_take,                                                                                        \
	  (struct store * s, const char *name, const char *owner, pb_time now, pb_time ttl_ms, const char *steal, \
	   char *holder, struct buf *err),                                                                        \
	  (s, name, owner, now, ttl_ms, steal, holder, err))                                                      \
	X(int, lease_renew,                                                                                       \
	  (struct store * s, const char *name, const char *owner, pb_time now, pb_time ttl_ms, struct buf *err), \
	  (s, name, owner, now, ttl_ms, err))                                                                     \
	X(int, lease_release, (struct store * s, const char *name, const char *owner, struct buf *err),           \
	  (s, name, owner, err))                                                                                  \
	X(int, lease_get, (struct store * s, const char *name, char holder[128], pb_time *expires, struct buf *err), \
	  (s, name, holder, expires, err))                                                                        \
	X(int, sub_upsert, (struct store * s, struct subscription * sub, bool *created, struct buf *err),         \
	  (s, sub, created, err))                                                                                 \
	X(int, sub_propose, (struct store * s, struct subscription * sub, bool *created, struct buf *err),        \
	  (s, sub, created, err))                                                                                 \
	X(int, sub_confirm, (struct store * s, int64_t id, struct buf *err), (s, id, err))                       \
	X(int, sub_get,                                                                                           \
	  (struct store * s, int64_t id, const char *email, struct subscription *sub, struct buf *err),          \
	  (s, id, email, sub, err))                                                                               \
	X(int, sub_set_status, (struct store * s, int64_t id, const char *status, struct buf *err),              \
	  (s, id, status, err))                                                                                   \
	X(int, sub_list,                                                                                          \
	  (struct store * s, const char *period, int (*fn)(const struct subscription *, void *), void *ctx,      \
	   struct buf *err),                                                                                      \
	  (s, period, fn, ctx, err))                                                                              \
	X(int, sub_list_email,                                                                                    \
	  (struct store * s, const char *email, int (*fn)(const struct subscription *, void *), void *ctx,       \
	   struct buf *err),                                                                                      \
	  (s, email, fn, ctx, err))                                                                               \
	X(int, sub_delivery, (struct store * s, int64_t id, bool ok, int pause_after, struct buf *err),           \
	  (s, id, ok, pause_after, err))                                                                          \
	X(int, outbox_add,                                                                                        \
	  (struct store * s, const struct outbox_msg *m, const struct strlist *papers, struct buf *err),         \
	  (s, m, papers, err))                                                                                    \
	X(int, outbox_has, (struct store * s, int64_t sub_id, const char *period_key, bool *has, struct buf *err), \
	  (s, sub_id, period_key, has, err))                                                                      \
	X(int, sent_has, (struct store * s, int64_t sub_id, const char *paper, bool *has, struct buf *err),      \
	  (s, sub_id, paper, has, err))                                                                           \
	X(int, outbox_due,                                                                                        \
	  (struct store * s, pb_time now, int64_t after_id, size_t limit,                                         \
	   int (*fn)(const struct outbox_msg *, void *), void *ctx, struct buf *err),                             \
	  (s, now, after_id, limit, fn, ctx, err))                                                                \
	X(int, outbox_claim, (struct store * s, int64_t id, struct buf *err), (s, id, err))                      \
	X(int, outbox_settle,                                                                                     \
	  (struct store * s, int64_t id, const char *state, pb_time next_try, const char *error, pb_time now,   \
	   struct buf *err),                                                                                      \
	  (s, id, state, next_try, error, now, err))                                                              \
	X(int, outbox_counts, (struct store * s, int64_t counts[4], struct buf *err), (s, counts, err))           \
	X(int, follow_set,                                                                                        \
	  (struct store * s, int64_t user_id, const char *kind, const char *value, bool on, pb_time now, size_t max,         \
	   struct buf *err),                                                                                      \
	  (s, user_id, kind, value, on, now, max, err))                                                                \
	X(int, follow_list,                                                                                       \
	  (struct store * s, int64_t user_id, int (*fn)(const struct follow *, void *), void *ctx, struct buf *err), \
	  (s, user_id, fn, ctx, err))                                                                             \
	X(int, mute_set,                                                                                          \
	  (struct store * s, int64_t user_id, const char *kind, const char *value, bool on, pb_time now, size_t max,         \
	   struct buf *err),                                                                                      \
	  (s, user_id, kind, value, on, now, max, err))                                                                \
	X(int, mute_list,                                                                                         \
	  (struct store * s, int64_t user_id, int (*fn)(const struct follow *, void *), void *ctx, struct buf *err), \
	  (s, user_id, fn, ctx, err))                                                                             \
	X(int, prefs_get, (struct store * s, int64_t user_id, struct user_prefs * p, struct buf * err),          \
	  (s, user_id, p, err))                                                                                   \
	X(int, prefs_set,                                                                                         \
	  (struct store * s, int64_t user_id, const struct user_prefs *p, unsigned fields, struct buf *err),     \
	  (s, user_id, p, fields, err))                                                                                 \
	X(int, user_touch, (struct store * s, int64_t user_id, pb_time now, struct buf *err), (s, user_id, now, err)) \
	X(int, user_by_feed,                                                                                      \
	  (struct store * s, const uint8_t hash[TOKEN_HASH_BYTES], struct user *u, struct buf *err), (s, hash, u, err)) \
	X(int, users_due_recs,                                                                                    \
	  (struct store * s, pb_time stale_before, pb_time active_since, size_t limit, int (*fn)(int64_t, void *), \
	   void *ctx, struct buf *err),                                                                           \
	  (s, stale_before, active_since, limit, fn, ctx, err))                                                   \
	X(int, collection_add, (struct store * s, struct collection * c, size_t max, struct buf * err),          \
	  (s, c, max, err))                                                                                       \
	X(int, collection_update, (struct store * s, const struct collection *c, unsigned fields, struct buf *err), \
	  (s, c, fields, err))                                                                                    \
	X(int, collection_delete, (struct store * s, int64_t id, int64_t user_id, struct buf *err),              \
	  (s, id, user_id, err))                                                                                  \
	X(int, collection_get, (struct store * s, int64_t id, struct collection *c, struct buf *err), (s, id, c, err)) \
	X(int, collection_find,                                                                                   \
	  (struct store * s, int64_t user_id, const char *name, struct collection *c, struct buf *err),          \
	  (s, user_id, name, c, err))                                                                             \
	X(int, collection_list,                                                                                   \
	  (struct store * s, int64_t user_id, bool with_private, int (*fn)(const struct collection *, void *),   \
	   void *ctx, struct buf *err),                                                                           \
	  (s, user_id, with_private, fn, ctx, err))                                                               \
	X(int, collection_put,                                                                                    \
	  (struct store * s, int64_t coll_id, const char *paper, const char *note, pb_time now, size_t max,      \
	   struct buf *err),                                                                                      \
	  (s, coll_id, paper, note, now, max, err))                                                                    \
	X(int, collection_remove, (struct store * s, int64_t coll_id, const char *paper, struct buf *err),       \
	  (s, coll_id, paper, err))                                                                               \
	X(int, collection_move, (struct store * s, int64_t coll_id, const char *paper, int64_t to, struct buf *err), \
	  (s, coll_id, paper, to, err))                                                                           \
	X(int, collection_items,                                                                                  \
	  (struct store * s, int64_t coll_id, int (*fn)(const struct collection_item *, void *), void *ctx,      \
	   struct buf *err),                                                                                      \
	  (s, coll_id, fn, ctx, err))                                                                             \
	X(int, collection_page,                                                                                   \
	  (struct store * s, int64_t coll_id, size_t offset, size_t limit,                                        \
	   int (*fn)(const struct collection_item *, void *), void *ctx, struct buf *err),                        \
	  (s, coll_id, offset, limit, fn, ctx, err))                                                              \
	X(int, collections_of,                                                                                    \
	  (struct store * s, int64_t user_id, const char *paper, int64_t *out, size_t cap, size_t *n,            \
	   struct buf *err),                                                                                      \
	  (s, user_id, paper, out, cap, n, err))                                                                  \
	X(int, recs_set,                                                                                          \
	  (struct store * s, int64_t user_id, const char *const *papers, const double *scores, size_t n,         \
	   pb_time now, struct buf *err),                                                                         \
	  (s, user_id, papers, scores, n, now, err))                                                              \
	X(int, recs_get,                                                                                          \
	  (struct store * s, int64_t user_id, size_t limit, int (*fn)(const char *, double, void *), void *ctx,  \
	   struct buf *err),                                                                                      \
	  (s, user_id, limit, fn, ctx, err))                                                                      \
	X(int, user_delete, (struct store * s, int64_t user_id, struct buf *err), (s, user_id, err))              \
	X(int, user_comments,                                                                                     \
	  (struct store * s, int64_t user_id, int (*fn)(const struct comment *, void *), void *ctx, struct buf *err), \
	  (s, user_id, fn, ctx, err))

struct store_ops {
	const char *name; /* "sqlite", "postgresql" */
#define STORE_OP_MEMBER(ret, name, params, args) ret(*name) params;
	STORE_OPS(STORE_OP_MEMBER)
#undef STORE_OP_MEMBER
	void (*rollback)(struct store *s);
	void (*close)(struct store *s);
};

/* Every backend's struct begins with this. */
struct store {
	const struct store_ops *ops;
	const struct sqlx_driver *sql; /* the SQL driver of the shared code */
	int schema_version;
	enum pb_status kind; /* of the last failure */
	enum pb_status first; /* of the first since store_failures_clear */
	uint64_t writes; /* rows its statements changed (store_writes) */
};

/* The backends' openers; *kind says why one failed. */
int store_sqlite_open(const char *path, unsigned flags, struct store **out, enum pb_status *kind,
		      struct buf *err);
int store_pg_open(const char *url, unsigned flags, struct store **out, enum pb_status *kind, struct buf *err);

#endif
