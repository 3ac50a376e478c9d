/*
 * json.c - the API's shapes (json.h): a paper in Hugging Face's envelope,
 * a user, and reading a request's JSON body.
 */
#include "json.h"
#include "html.h"
#include "reader.h"
#include "respond.h"
#include "thumbfile.h"

void json_set_time(json_t *o, const char *key, pb_time t)
{
	char iso[32];
	time_format_iso(t, iso);
	json_object_set_new(o, key, json_string(iso));
}

json_t *json_paper(struct req *r, const struct paper *p)
{
	json_t *paper = paper_to_json(p);
	json_t *e = json_object();
	json_object_set_new(e, "paper", paper);
	/* the envelope's publishedAt is when the paper was featured */
	json_set_time(e, "publishedAt", p->submitted_at ? p->submitted_at : p->published);
	json_object_set_new(e, "title", json_string(p->title ? p->title : p->id));
	json_object_set_new(e, "summary", json_string(p->abstract ? p->abstract : ""));
	/* the thumbnail: ours when cached, else where Hugging Face keeps it */
	struct buf thumb = BUF_INIT;
	if (thumb_exists(r->w, p->id)) {
		buf_adds(&thumb, r->w->base_url);
		struct buf t = BUF_INIT;
		thumb_path(p->id, &t);
		buf_add(&thumb, t.s, t.len);
		buf_release(&t);
	} else if (url_is_web(p->thumbnail)) {
		buf_adds(&thumb, p->thumbnail);
	}
	json_object_set_new(e, "thumbnail", json_string(thumb.s));
	buf_release(&thumb);
	json_object_set_new(e, "numComments", json_integer(paper_comments(p)));
	if (p->submitter)
		json_object_set_new(e, "submittedBy", json_user(p->submitter, p->submitter_name));
	json_object_set_new(e, "isAuthorParticipating", json_boolean(p->author_participating));
	/* clients read these on the envelope too */
	static const char *const copy[] = { "githubRepo", "projectPage", "githubStars", "ai_summary", "ai_keywords",
					    "organization", "mediaUrls" };
	for (size_t i = 0; i < ARRAY_SIZE(copy); i++) {
		json_t *v = json_object_get(paper, copy[i]);
		if (v)
			json_object_set(e, copy[i], v);
	}
	return e;
}

/* The envelope of p for a list, or NULL when the reader muted it: muted
 * papers leave the lists of the API, or with ?muted=show stay, saying why. */
json_t *json_list_paper(struct req *r, const struct paper *p)
{
	char why[160];
	if (!reader_muted(r, p, why)) {
		json_t *e = json_paper(r, p);
		if (reader_is_new(r, p))
			json_object_set_new(e, "isNew", json_true());
		return e;
	}
	const char *m = req_arg(r, "muted");
	if (!m || strcmp(m, "show"))
		return NULL;
	json_t *e = json_paper(r, p);
	json_object_set_new(e, "muted", json_string(why));
	return e;
}

json_t *json_body(struct req *r, struct resp *o)
{
	json_error_t je;
	json_t *j = json_loadb(r->body.s, r->body.len, 0, &je);
	if (!j || !json_is_object(j)) {
		char msg[256];
		snprintf(msg, sizeof(msg), "the body must be a JSON object (line %d, column %d: %s)", je.line, je.column,
			 j ? "not an object" : je.text);
		resp_error(r, o, 400, msg);
		json_decref(j);
		return NULL;
	}
	return j;
}
json_t *json_user(const char *name, const char *fullname)
{
	char oid[25];
	pb_object_id("user", name, 0, oid);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b}", "_id", oid, "user", name, "name", name, "fullname",
			 fullname && *fullname ? fullname : name, "avatarUrl", "", "type", "user", "isPro", 0);
}

json_t *json_time(pb_time t)
{
	if (!t)
		return json_null();
	char iso[32];
	time_format_iso(t, iso);
	return json_string(iso);
}

json_t *json_prefs(struct req *r)
{
	const struct user_prefs *p = reader_prefs(r);
	return json_pack("{s:b,s:o,s:b}", "muteCollapse", p->mute_collapse, "readMark", json_time(p->read_mark),
			 "privateFeed", p->has_feed);
}

int json_follow_append(const struct follow *f, void *arr)
{
	json_array_append_new(arr, json_pack("{s:s,s:s,s:o}", "kind", f->kind, "value", f->value, "created", json_time(f->created)));
	return 0;
}
