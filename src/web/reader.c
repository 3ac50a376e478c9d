/*
 * reader.c - the signed-in reader's state, read once per request (reader.h).
 */
#include "reader.h"
#include "respond.h"
#include "thumbfile.h"
#include <strings.h>

struct reader {
	bool me_loaded, mutes_loaded, follows_loaded, saved_loaded;
	struct user_prefs prefs;
	struct paper_rules mutes;
	struct strlist follow_kind, follow_value;
	int64_t saved_id; /* the "Saved" collection (0: none yet) */
	struct strlist saved; /* and its papers */
	struct strlist vote_known, vote_yes; /* the papers asked about, those voted for */
};

static struct reader *rd_of(struct req *r)
{
	if (!r->reader)
		r->reader = xcalloc(1, sizeof(*r->reader));
	return r->reader;
}

void reader_free(struct reader *rd)
{
	if (!rd)
		return;
	paper_rules_release(&rd->mutes);
	strlist_release(&rd->follow_kind);
	strlist_release(&rd->follow_value);
	strlist_release(&rd->saved);
	strlist_release(&rd->vote_known);
	strlist_release(&rd->vote_yes);
	free(rd);
}

const struct user_prefs *reader_prefs(struct req *r)
{
	struct reader *rd = rd_of(r);
	if (!rd->me_loaded && r->signed_in) {
		rd->me_loaded = true;
		struct buf err = BUF_INIT;
		if (store_prefs_get(r->s, r->user.id, &rd->prefs, &err))
			memset(&rd->prefs, 0, sizeof(rd->prefs));
		buf_release(&err);
	}
	return &rd->prefs;
}

void reader_prefs_set(struct req *r, const struct user_prefs *p)
{
	struct reader *rd = rd_of(r);
	rd->prefs = *p;
	rd->me_loaded = true;
}

static int add_mute(const struct follow *m, void *ctx)
{
	paper_rules_add(ctx, m->kind, m->value);
	return 0;
}

const char *reader_muted(struct req *r, const struct paper *p, char why[160])
{
	if (!r->signed_in)
		return NULL;
	struct reader *rd = rd_of(r);
	if (!rd->mutes_loaded) {
		rd->mutes_loaded = true;
		struct buf err = BUF_INIT;
		store_mute_list(r->s, r->user.id, add_mute, &rd->mutes, &err);
		buf_release(&err);
	}
	long i = paper_rules_match(&rd->mutes, p);
	if (i < 0)
		return NULL;
	snprintf(why, 160, "%s \"%s\"", rd->mutes.kind.v[i], rd->mutes.value.v[i]);
	return why;
}

bool reader_mute_collapse(struct req *r)
{
	const char *m = req_arg(r, "muted");
	return r->signed_in && (reader_prefs(r)->mute_collapse || (m && !strcmp(m, "show")));
}

bool reader_is_new(struct req *r, const struct paper *p)
{
	if (!r->signed_in)
		return false;
	const struct user_prefs *pr = reader_prefs(r);
	/* read since the last "mark all as read", else since one signed up;
	 * a paper arrives when it is featured (older Hugging Face records
	 * give only the day) */
	pb_time when = p->submitted_at, day;
	if (!when)
		when = p->hf_day[0] && day_parse(p->hf_day, &day) == 0 ? day : p->published;
	pb_time mark = pr->read_mark ? pr->read_mark : r->user.created;
	return mark && when > mark;
}

static int add_follow(const struct follow *f, void *ctx)
{
	struct reader *rd = ctx;
	strlist_push(&rd->follow_kind, f->kind, strlen(f->kind));
	strlist_push(&rd->follow_value, f->value, strlen(f->value));
	return 0;
}

bool reader_follows(struct req *r, const char *kind, const char *value)
{
	if (!r->signed_in)
		return false;
	struct reader *rd = rd_of(r);
	if (!rd->follows_loaded) {
		rd->follows_loaded = true;
		struct buf err = BUF_INIT;
		store_follow_list(r->s, r->user.id, add_follow, rd, &err);
		buf_release(&err);
	}
	for (size_t i = 0; i < rd->follow_kind.n; i++)
		if (!strcmp(rd->follow_kind.v[i], kind) && !strcasecmp(rd->follow_value.v[i], value))
			return true;
	return false;
}

static int saved_item(const struct collection_item *it, void *ctx)
{
	strlist_push(ctx, it->paper, strlen(it->paper));
	return 0;
}

int64_t reader_saved(struct req *r, const char *id)
{
	if (!r->signed_in)
		return 0;
	struct reader *rd = rd_of(r);
	if (!rd->saved_loaded) {
		rd->saved_loaded = true;
		struct collection c;
		struct buf err = BUF_INIT;
		if (store_collection_find(r->s, r->user.id, "Saved", &c, &err) == 0) {
			rd->saved_id = c.id;
			store_collection_items(r->s, c.id, saved_item, &rd->saved, &err);
		}
		buf_release(&err);
	}
	for (size_t i = 0; i < rd->saved.n; i++)
		if (!strcmp(rd->saved.v[i], id))
			return rd->saved_id;
	return 0;
}

void reader_votes_prefetch(struct req *r, const struct paper *ps, size_t n)
{
	if (!r->signed_in || !n)
		return;
	struct reader *rd = rd_of(r);
	const char **ids = xcalloc(n, sizeof(*ids));
	bool *voted = xcalloc(n, sizeof(*voted));
	for (size_t i = 0; i < n; i++)
		ids[i] = ps[i].id;
	struct buf err = BUF_INIT;
	if (store_votes_get(r->s, r->user.id, ids, n, voted, &err) == 0) {
		for (size_t i = 0; i < n; i++) {
			strlist_push(&rd->vote_known, ids[i], strlen(ids[i]));
			if (voted[i])
				strlist_push(&rd->vote_yes, ids[i], strlen(ids[i]));
		}
	}
	buf_release(&err);
	free(ids);
	free(voted);
}

bool reader_voted(struct req *r, const char *id)
{
	if (!r->signed_in)
		return false;
	struct reader *rd = rd_of(r);
	bool known = false, voted = false;
	for (size_t i = 0; !known && i < rd->vote_known.n; i++)
		known = !strcmp(rd->vote_known.v[i], id);
	for (size_t i = 0; known && !voted && i < rd->vote_yes.n; i++)
		voted = !strcmp(rd->vote_yes.v[i], id);
	if (!known) {
		struct buf err = BUF_INIT;
		store_vote_get(r->s, r->user.id, id, &voted, &err);
		buf_release(&err);
		strlist_push(&rd->vote_known, id, strlen(id));
		if (voted)
			strlist_push(&rd->vote_yes, id, strlen(id));
	}
	return voted;
}

void reader_card(struct req *r, const struct paper *p, struct card_flags *f)
{
	memset(f, 0, sizeof(*f));
	if (reader_muted(r, p, f->muted))
		f->collapse = reader_mute_collapse(r);
	f->fresh = reader_is_new(r, p);
	f->voted = reader_voted(r, p->id);
	f->saved = reader_saved(r, p->id);
	f->thumb = thumb_exists(r->w, p->id);
	if (!f->thumb) {
		char key[PAPER_ID_MAX + 8];
		snprintf(key, sizeof(key), "%s.card", p->id);
		f->thumb = f->title_card = thumb_exists(r->w, key);
	}
}
