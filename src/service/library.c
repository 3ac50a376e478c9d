/*
 * library.c - what each reader keeps, under one set of rules for the pages,
 * the API and the CLI: follows and mutes (a kind of the lists below and a
 * value of 1 to 199 bytes, SVC_PAIRS_MAX of each), collections (a name of
 * 1 to 119 bytes, SVC_COLLECTIONS_MAX of them; "Saved", made on first
 * use, may be one more) and their papers (SVC_ITEMS_MAX in one, a note of
 * SVC_NOTE_MAX bytes). The store holds the caps when requests race.
 */
#include "service.h"

static const char *const follow_kinds[] = { "author", "hfuser", "org", "category", "search" };
static const char *const mute_kinds[] = { "word", "author", "category", "org" };

bool svc_pair_kind_ok(bool mute, const char *kind)
{
	const char *const *kinds = mute ? mute_kinds : follow_kinds;
	size_t n = mute ? ARRAY_SIZE(mute_kinds) : ARRAY_SIZE(follow_kinds);
	for (size_t i = 0; kind && i < n; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

/* 1 to 199 bytes of UTF-8 text, not all blank */
static bool value_ok(const char *v)
{
	size_t n = v ? strlen(v) : 0;
	return n > 0 && n < sizeof(((struct follow *)0)->value) && !str_is_blank(v) && utf8_valid(v, n);
}

enum pb_status svc_pair_set(struct svc *v, int64_t user_id, bool mute, const char *kind, const char *value, bool on,
			    struct buf *msg)
{
	if (!svc_pair_kind_ok(mute, kind) || !value_ok(value)) {
		buf_setf(msg, mute ? "Mute a word, an author, a category or an organization, with a value of 1 to 199 bytes."
				   : "Follow an author, a Hugging Face user, an organization, a category or a search, with a "
				     "value of 1 to 199 bytes.");
		return PB_INVALID;
	}
	struct buf err = BUF_INIT;
	pb_time now = time_now_ms();
	int rc = mute ? store_mute_set(v->s, user_id, kind, value, on, now, SVC_PAIRS_MAX, &err)
		      : store_follow_set(v->s, user_id, kind, value, on, now, SVC_PAIRS_MAX, &err);
	enum pb_status st = PB_OK;
	if (rc < 0) {
		st = svc_store_failed_log(v, "follows", &err, msg);
	} else if (rc > 0) {
		buf_setf(msg, "You %s %d things already; %s some first.", mute ? "mute" : "follow", SVC_PAIRS_MAX,
			 mute ? "unmute" : "unfollow");
		st = PB_REFUSED;
	} else if (!mute) {
		store_user_touch(v->s, user_id, now, &err); /* the recommendations' cue; best effort */
	}
	buf_release(&err);
	return st;
}

bool svc_collection_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	return n > 0 && n < sizeof(((struct collection *)0)->name) && !str_is_blank(name) && utf8_valid(name, n);
}

enum pb_status svc_collection_create(struct svc *v, int64_t user_id, const char *name, bool public_,
				     struct collection *c, struct buf *msg)
{
	if (!svc_collection_name_ok(name)) {
		buf_setf(msg, "A collection needs a name (up to 119 bytes).");
		return PB_INVALID;
	}
	memset(c, 0, sizeof(*c));
	c->user_id = user_id;
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->public_ = public_;
	struct buf err = BUF_INIT;
	int rc = store_collection_add(v->s, c, SVC_COLLECTIONS_MAX, &err);
	/* (a store's failure may be of the kinds the rules answer: the
	 * messages go by what the store said, not by the kind) */
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "collections", &err, msg) : rc == 1 ? PB_CONFLICT
							   : rc ? PB_REFUSED : PB_OK;
	if (rc == 1)
		buf_setf(msg, "You have a collection of that name.");
	else if (rc > 1)
		buf_setf(msg, "You have %d collections already; delete one first.", SVC_COLLECTIONS_MAX);
	buf_release(&err);
	return st;
}

enum pb_status svc_collection_saved(struct svc *v, int64_t user_id, struct collection *c, struct buf *msg)
{
	struct buf err = BUF_INIT;
	int rc = store_collection_find(v->s, user_id, "Saved", c, &err);
	if (rc == 1) {
		memset(c, 0, sizeof(*c));
		c->user_id = user_id;
		snprintf(c->name, sizeof(c->name), "Saved");
		/* one more than the others may number */
		rc = store_collection_add(v->s, c, SVC_COLLECTIONS_MAX + 1, &err);
		if (rc == 1) /* made meanwhile by a racing click */
			rc = store_collection_find(v->s, user_id, "Saved", c, &err);
	}
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "collections", &err, msg) : rc ? PB_REFUSED : PB_OK;
	if (rc > 0)
		buf_setf(msg, "You have %d collections already; delete one first.", SVC_COLLECTIONS_MAX);
	buf_release(&err);
	return st;
}

enum pb_status svc_collection_change(struct svc *v, struct collection *c, const char *name, int public_,
				     struct buf *msg)
{
	if (name && !svc_collection_name_ok(name)) {
		buf_setf(msg, "A collection needs a name (up to 119 bytes).");
		return PB_INVALID;
	}
	if (name)
		snprintf(c->name, sizeof(c->name), "%s", name);
	if (public_ >= 0)
		c->public_ = public_;
	struct buf err = BUF_INIT;
	int rc = store_collection_update(v->s, c, (name ? COLL_NAME : 0) | (public_ >= 0 ? COLL_PUBLIC : 0), &err);
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "collections", &err, msg) : rc ? PB_CONFLICT : PB_OK;
	if (rc > 0)
		buf_setf(msg, "You have a collection of that name.");
	buf_release(&err);
	return st;
}

enum pb_status svc_collection_put(struct svc *v, int64_t user_id, const struct collection *c, const char *paper,
				  const char *note, struct buf *msg)
{
	if (note && (strlen(note) > SVC_NOTE_MAX || !utf8_valid(note, strlen(note)))) {
		buf_setf(msg, "A note is up to %d bytes of text.", SVC_NOTE_MAX);
		return PB_INVALID;
	}
	struct buf err = BUF_INIT;
	pb_time now = time_now_ms();
	int rc = store_collection_put(v->s, c->id, paper, note, now, SVC_ITEMS_MAX, &err);
	enum pb_status st = rc < 0 ? svc_store_failed_log(v, "collections", &err, msg) : rc == 1 ? PB_NOTFOUND
							   : rc ? PB_REFUSED : PB_OK;
	if (rc == 1)
		buf_setf(msg, "There is no such paper.");
	else if (rc > 1)
		buf_setf(msg, "The collection is full (%d papers).", SVC_ITEMS_MAX);
	else if (rc == 0)
		store_user_touch(v->s, user_id, now, &err); /* the recommendations' cue; best effort */
	buf_release(&err);
	return st;
}
