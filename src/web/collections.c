/*
 * collections.c - collections: named, ordered lists of papers with a note
 * each, private or public; their pages (100 papers a page), the "Saved"
 * button, BibTeX/RIS/CSV exports (made once per version and kept), and
 * their API.
 */
#include "handlers.h"
#include "auth.h"
#include "cards.h"
#include "html.h"
#include "json.h"
#include "lists.h"
#include "personal.h"
#include "rcache.h"
#include "reader.h"
#include "respond.h"
#include <limits.h>
#include <sodium.h>

static bool coll_visible(struct req *r, const struct collection *c)
{
	return c->public_ || (r->signed_in && r->user.id == c->user_id);
}

/* The collection the route names ("*" = its number), if the reader may
 * see it (own: if it is the reader's): true, or false after answering (a
 * 404, or the store's failure: never taken for a missing collection). */
static bool route_coll(struct req *r, struct resp *o, struct collection *c, bool own)
{
	long id;
	struct buf err = BUF_INIT;
	int rc = parse_int(r->cap[0], 1, LONG_MAX, &id) ? 1 : store_collection_get(r->s, id, c, &err);
	if (rc < 0) {
		resp_store_failed(r, o, "collections", &err);
	} else if (rc || !coll_visible(r, c) || (own && c->user_id != r->user.id)) {
		resp_error(r, o, 404, r->wants_json ? "no such collection" : own ? "There is no such collection of yours."
											 : "There is no such collection.");
		rc = 1;
	}
	buf_release(&err);
	return rc == 0;
}

/* A script's request (app.js asks for JSON), not a form's. */
static bool wants_json(struct req *r)
{
	const char *accept = req_header(r, "Accept");
	return accept && strstr(accept, "application/json");
}

/* POST /me/save (paper): into the reader's "Saved" collection. */
void h_save(struct req *r, struct resp *o)
{
	const char *pid = req_form(r, "paper");
	char id[PAPER_ID_MAX];
	struct collection c;
	struct svc v = req_svc(r);
	struct buf msg = BUF_INIT;
	enum pb_status st = PB_OK;
	if (!pid || arxiv_id_parse(pid, id, NULL)) {
		resp_error(r, o, 400, "Save which paper?");
	} else if ((st = svc_collection_saved(&v, r->user.id, &c, &msg)) ||
		   (st = svc_collection_put(&v, r->user.id, &c, id, NULL, &msg))) {
		resp_outcome(r, o, st, msg.s);
	} else if (wants_json(r)) {
		resp_json(o, 200, json_pack("{s:s,s:I}", "saved", id, "collection", (json_int_t)c.id));
	} else {
		auth_redirect_back(r, o, "/");
	}
	buf_release(&msg);
}

void h_collection_new(struct req *r, struct resp *o)
{
	struct collection c;
	struct svc v = req_svc(r);
	struct buf msg = BUF_INIT, err = BUF_INIT;
	/* with its first paper, all or nothing: a paper that cannot go in
	 * leaves no empty collection behind */
	const char *paper = req_form(r, "paper");
	char id[PAPER_ID_MAX];
	enum pb_status st = PB_OK;
	if (paper && *paper && arxiv_id_parse(paper, id, NULL)) {
		buf_setf(&msg, "paper: an arXiv id or address.");
		st = PB_INVALID;
	}
	if (!st)
		st = svc_collection_create(&v, r->user.id, req_form(r, "name"), req_form_flag(r, "public"), &c, &msg);
	if (!st && paper && *paper && (st = svc_collection_put(&v, r->user.id, &c, id, req_form(r, "note"), &msg)) &&
	    store_collection_delete(r->s, c.id, r->user.id, &err) < 0) /* the answer is the put's failure */
		fprintf(stderr, "paperboy: collections: an empty collection %lld is left: %s\n", (long long)c.id, err.s);
	if (st) {
		resp_outcome(r, o, st, msg.s);
	} else {
		char loc[64];
		snprintf(loc, sizeof(loc), "/c/%lld", (long long)c.id);
		resp_redirect(o, loc);
	}
	buf_release(&msg);
	buf_release(&err);
}

static bool own_coll(struct req *r, struct resp *o, struct collection *c)
{
	return route_coll(r, o, c, true);
}

void h_collection_edit(struct req *r, struct resp *o)
{
	struct collection c;
	if (!own_coll(r, o, &c))
		return;
	const char *action = req_form(r, "action"), *paper = req_form(r, "paper"), *note = req_form(r, "note");
	char id[PAPER_ID_MAX] = "";
	if (paper && arxiv_id_parse(paper, id, NULL))
		id[0] = '\0';
	struct buf err = BUF_INIT;
	struct svc v = req_svc(r);
	enum pb_status st = PB_OK;
	int rc = 0;
	if (!action) {
		rc = 2;
	} else if (!strcmp(action, "add") && id[0]) {
		st = svc_collection_put(&v, r->user.id, &c, id, note, &err);
	} else if (!strcmp(action, "remove") && id[0]) {
		rc = store_collection_remove(r->s, c.id, id, &err);
	} else if (!strcmp(action, "move") && id[0]) {
		long to;
		const char *ts = req_form(r, "to");
		/* a place in the list, as the API takes it (0 .. the cap) */
		rc = !ts || parse_int(ts, 0, SVC_ITEMS_MAX, &to) ? 2 : store_collection_move(r->s, c.id, id, to, &err);
	} else if (!strcmp(action, "rename")) {
		const char *pub = req_form(r, "public");
		st = svc_collection_change(&v, &c, req_form(r, "name"), pub ? !strcmp(pub, "1") : -1, &err);
	} else if (!strcmp(action, "delete")) {
		rc = store_collection_delete(r->s, c.id, r->user.id, &err);
		if (!rc) {
			char loc[80 + USER_NAME_MAX];
			snprintf(loc, sizeof(loc), "/u/%s/collections", r->user.name);
			resp_redirect(o, loc);
			buf_release(&err);
			return;
		}
	} else {
		rc = 2;
	}
	if (st)
		resp_outcome(r, o, st, err.s);
	else if (rc < 0)
		resp_store_failed(r, o, "collections", &err);
	else if (rc == 2)
		resp_error(r, o, 400, "Say what to do: action=add|remove|move|rename|delete, with paper (and note, to).");
	else if (rc == 1)
		resp_error(r, o, 404, "There is no such paper here, or in the collection.");
	else if (wants_json(r))
		resp_json(o, 200, json_pack("{s:s,s:I}", "action", action, "collection", (json_int_t)c.id));
	else {
		char loc[64];
		snprintf(loc, sizeof(loc), "/c/%lld", (long long)c.id);
		auth_redirect_back(r, o, loc);
	}
	buf_release(&err);
}

struct items {
	struct collection_item *v;
	size_t n, cap;
};

static int collect_item(const struct collection_item *it, void *ctx)
{
	struct items *is = ctx;
	if (is->n == is->cap) {
		is->cap = is->cap ? is->cap * 2 : 32;
		is->v = xrealloc(is->v, is->cap * sizeof(*is->v));
	}
	is->v[is->n] = *it;
	is->v[is->n++].note = xstrdup(it->note);
	return 0;
}

static void items_release(struct items *is)
{
	for (size_t i = 0; i < is->n; i++)
		free(is->v[i].note);
	free(is->v);
}

/* The items' papers (in their order), found[i] for each. */
static struct paper *items_papers(struct req *r, const struct items *is, bool *found)
{
	struct search_hit *h = xcalloc(is->n ? is->n : 1, sizeof(*h));
	for (size_t i = 0; i < is->n; i++)
		snprintf(h[i].id, sizeof(h[i].id), "%s", is->v[i].paper);
	struct buf err = BUF_INIT;
	struct paper *ps = lists_hit_papers(r, h, is->n, found, &err);
	free(h);
	buf_release(&err);
	return ps;
}

/* The page of a collection (?p=, from 0); -1 after answering 400. */
static long coll_page_arg(struct req *r, struct resp *o, const struct collection *c)
{
	return lists_page_arg(r, o, c->items > 0 ? (long)((c->items - 1) / COLL_PAGE) : 0);
}

void h_collection(struct req *r, struct resp *o)
{
	struct collection c;
	if (!route_coll(r, o, &c, false))
		return;
	bool mine = r->signed_in && r->user.id == c.user_id;
	long page = coll_page_arg(r, o, &c);
	if (page < 0)
		return;
	size_t off = (size_t)page * COLL_PAGE;
	struct items is = { 0 };
	struct buf err = BUF_INIT;
	store_collection_page(r->s, c.id, off, COLL_PAGE, collect_item, &is, &err);
	bool *found = xcalloc(is.n ? is.n : 1, sizeof(*found));
	struct paper *ps = items_papers(r, &is, found);
	if (mine)
		o->private_ = true;
	html_page_begin(r, o, c.name, NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"wide collection\"><h1>%s</h1><p class=\"muted\">A %s collection by <a href=\"/u/%U\">%s</a>, "
		"%lld paper%S. Export: <a href=\"/c/%lld/export?format=bib\">BibTeX</a> · "
		"<a href=\"/c/%lld/export?format=ris\">RIS</a> · <a href=\"/c/%lld/export?format=csv\">CSV</a></p>",
	     c.name, c.public_ ? "public" : "private", c.user, c.user, (long long)c.items, c.items == 1 ? "" : "s",
	     (long long)c.id, (long long)c.id, (long long)c.id);
	if (mine) {
		html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"row\">", (long long)c.id);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"rename\"><label for=\"cn\">Name</label>"
			"<input id=\"cn\" name=\"name\" value=\"%s\" maxlength=\"119\"><label for=\"cp\">Visible to</label>"
			"<select id=\"cp\" name=\"public\"><option value=\"0\"%S>you only</option><option value=\"1\"%S>everyone</option>"
			"</select><button class=\"btn small\">Save</button></form>",
		     c.name, c.public_ ? "" : " selected", c.public_ ? " selected" : "");
	}
	html_printf(b, "<ol class=\"coll-items\" start=\"%zu\">", off + 1);
	reader_votes_prefetch(r, ps, is.n);
	size_t total = (size_t)c.items;
	struct card_opts co = { .in_collection = mine };
	for (size_t k = 0; ps && k < is.n; k++) {
		size_t i = off + k; /* its place in the whole collection */
		if (!found[k])
			continue;
		html_printf(b, "<li>");
		card_write(r, b, &ps[k], &co);
		if (is.v[k].note[0])
			html_printf(b, "<p class=\"note\">%s</p>", is.v[k].note);
		if (mine) {
			html_printf(b, "<div class=\"item-tools\"><form method=\"post\" action=\"/c/%lld\" class=\"row item-edit\">",
			     (long long)c.id);
			html_csrf(r, b);
			html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"add\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
				"<label class=\"sr\" for=\"n%zu\">Note</label><input id=\"n%zu\" name=\"note\" value=\"%s\" "
				"placeholder=\"a note\" maxlength=\"2000\"><button class=\"btn small\">Save note</button></form>",
			     ps[k].id, i, i, is.v[k].note);
			html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline\">", (long long)c.id);
			html_csrf(r, b);
			html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"move\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
				"<input type=\"hidden\" name=\"to\" value=\"%zu\"><button class=\"link\" aria-label=\"Move up\"%S>↑ up</button></form>",
			     ps[k].id, i ? i - 1 : 0, i ? "" : " disabled");
			html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline\">", (long long)c.id);
			html_csrf(r, b);
			html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"move\"><input type=\"hidden\" name=\"paper\" value=\"%s\">"
				"<input type=\"hidden\" name=\"to\" value=\"%zu\"><button class=\"link\" aria-label=\"Move down\"%S>↓ down</button></form> ",
			     ps[k].id, i + 1 < total ? i + 1 : i, i + 1 < total ? "" : " disabled");
			html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"inline\">", (long long)c.id);
			html_csrf(r, b);
			html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"remove\"><input type=\"hidden\" name=\"paper\" "
				"value=\"%s\"><button class=\"link\">remove</button></form></div>",
			     ps[k].id);
		}
		html_printf(b, "</li>");
	}
	html_printf(b, "</ol>");
	if (page > 0 || off + COLL_PAGE < total) {
		html_printf(b, "<nav class=\"pager pages\" aria-label=\"Pages\">");
		if (page > 0)
			html_printf(b, "<a rel=\"prev\" href=\"/c/%lld?p=%ld\">← Previous</a>", (long long)c.id, page - 1);
		if (off + COLL_PAGE < total)
			html_printf(b, "<a rel=\"next\" href=\"/c/%lld?p=%ld\">Next →</a>", (long long)c.id, page + 1);
		html_printf(b, "</nav>");
	}
	if (mine) {
		html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"row\">", (long long)c.id);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"delete\"><button class=\"btn small danger\">Delete this "
			"collection</button></form>");
	}
	html_printf(b, "</main>");
	html_page_end(r, o);
	lists_hit_papers_free(ps, is.n);
	free(found);
	items_release(&is);
	buf_release(&err);
}

struct colls {
	struct collection *v;
	size_t n, cap;
};

static int collect_coll(const struct collection *c, void *ctx)
{
	struct colls *cs = ctx;
	if (cs->n == cs->cap) {
		cs->cap = cs->cap ? cs->cap * 2 : 16;
		cs->v = xrealloc(cs->v, cs->cap * sizeof(*cs->v));
	}
	cs->v[cs->n++] = *c;
	return 0;
}

void h_collections(struct req *r, struct resp *o)
{
	struct user u;
	struct buf err = BUF_INIT;
	if (store_user_get(r->s, 0, r->cap[0], &u, &err)) {
		resp_error(r, o, 404, "There is no such user.");
		buf_release(&err);
		return;
	}
	bool mine = r->signed_in && r->user.id == u.id;
	struct colls cs = { 0 };
	store_collection_list(r->s, u.id, mine, collect_coll, &cs, &err);
	if (mine)
		o->private_ = true;
	html_page_begin(r, o, "Collections", NULL);
	struct buf *b = &o->body;
	html_printf(b, "<main class=\"narrow\"><h1>Collections of <a href=\"/u/%U\">%s</a></h1><ul class=\"collections\">", u.name,
	     u.name);
	for (size_t i = 0; i < cs.n; i++)
		html_printf(b, "<li><a href=\"/c/%lld\">%s</a> <span class=\"muted\">%lld paper%S%S</span></li>", (long long)cs.v[i].id,
		     cs.v[i].name, (long long)cs.v[i].items, cs.v[i].items == 1 ? "" : "s", cs.v[i].public_ ? "" : " · private");
	if (!cs.n)
		html_printf(b, "<li class=\"muted\">None yet.</li>");
	html_printf(b, "</ul>");
	if (mine) {
		html_printf(b, "<form method=\"post\" action=\"/me/collections\" class=\"row\">");
		html_csrf(r, b);
		html_printf(b, "<label for=\"nn\">New collection</label><input id=\"nn\" name=\"name\" required maxlength=\"119\">"
			"<label for=\"np\">Visible to</label><select id=\"np\" name=\"public\"><option value=\"0\">you only</option>"
			"<option value=\"1\">everyone</option></select><button class=\"btn small\">Make it</button></form>");
	}
	html_printf(b, "</main>");
	html_page_end(r, o);
	free(cs.v);
	buf_release(&err);
	sodium_memzero(&u, sizeof(u));
}

/* The "add to a collection" form of a paper page (and the Save button). */
void html_collect_form(struct req *r, struct buf *b, const struct paper *p)
{
	if (!r->signed_in)
		return;
	struct colls cs = { 0 };
	struct buf err = BUF_INIT;
	store_collection_list(r->s, r->user.id, true, collect_coll, &cs, &err);
	int64_t in[SVC_COLLECTIONS_MAX + 1]; /* and "Saved" */
	size_t nin = 0;
	store_collections_of(r->s, r->user.id, p->id, in, ARRAY_SIZE(in), &nin, &err);
	html_printf(b, "<details class=\"collect\"%S><summary>Collections%S</summary>", nin ? " open" : "",
	     nin ? " (this paper is in some of yours)" : "");
	bool has_saved = false;
	for (size_t i = 0; i < cs.n; i++) {
		bool here = false;
		for (size_t k = 0; k < nin && !here; k++)
			here = in[k] == cs.v[i].id;
		has_saved |= !strcmp(cs.v[i].name, "Saved");
		html_printf(b, "<form method=\"post\" action=\"/c/%lld\" class=\"row\">", (long long)cs.v[i].id);
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><input type=\"hidden\" name=\"back\" value=\"/papers/%s\">",
		     p->id, p->id);
		if (here)
			html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"remove\"><a href=\"/c/%lld\">%s</a> ✓ "
				"<button class=\"link danger\">Remove from %s</button></form>",
			     (long long)cs.v[i].id, cs.v[i].name, cs.v[i].name);
		else
			html_printf(b, "<input type=\"hidden\" name=\"action\" value=\"add\"><input name=\"note\" placeholder=\"a note (optional)\" "
				"maxlength=\"2000\" aria-label=\"Note for %s\"><button class=\"btn small\">Add to %s</button></form>",
			     cs.v[i].name, cs.v[i].name);
	}
	if (!has_saved) {
		html_printf(b, "<form method=\"post\" action=\"/me/save\" class=\"row save\">");
		html_csrf(r, b);
		html_printf(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><input type=\"hidden\" name=\"back\" value=\"/papers/%s\">"
			"<button class=\"btn small\">Save</button></form>",
		     p->id, p->id);
	}
	html_printf(b, "<form method=\"post\" action=\"/me/collections\" class=\"row\">");
	html_csrf(r, b);
	html_printf(b, "<input type=\"hidden\" name=\"paper\" value=\"%s\"><input name=\"name\" placeholder=\"a new collection\" required "
		"maxlength=\"119\" aria-label=\"New collection\"><button class=\"btn small\">Make it and add</button></form></details>",
	     p->id);
	free(cs.v);
	buf_release(&err);
}

/* An export's Content-Disposition, named after the collection: its letters,
 * digits, '-' and '_', each run of anything else one '-' ("Reading list"
 * gives "Reading-list.bib"); "collection-ID" when nothing is left. */
static void export_disposition(const struct collection *c, const char *ext, char *out, size_t size)
{
	char name[sizeof(c->name)];
	size_t n = 0;
	for (const char *p = c->name; *p && n + 1 < sizeof(name); p++) {
		unsigned char ch = (unsigned char)*p;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')
			name[n++] = (char)ch;
		else if (n && name[n - 1] != '-')
			name[n++] = '-';
	}
	while (n && name[n - 1] == '-')
		n--;
	name[n] = '\0';
	if (n)
		snprintf(out, size, "attachment; filename=\"%s.%s\"", name, ext);
	else
		snprintf(out, size, "attachment; filename=\"collection-%lld.%s\"", (long long)c->id, ext);
}

/* GET /c/ID/export?format=bib|ris|csv */
void h_collection_export(struct req *r, struct resp *o)
{
	struct collection c;
	if (!route_coll(r, o, &c, false))
		return;
	const char *f = req_arg(r, "format");
	int fmt = !f || !strcmp(f, "bib") ? 0 : !strcmp(f, "ris") ? 1 : !strcmp(f, "csv") ? 2 : -1;
	if (fmt < 0) {
		resp_error(r, o, 400, "format must be bib, ris or csv.");
		return;
	}
	/* made once per version of the collection (its `updated` moves with
	 * every change), then kept: an export of 2,000 papers is work */
	char key[96];
	snprintf(key, sizeof(key), "export:%lld:%lld:%lld:%d", (long long)c.id, (long long)c.updated,
		 (long long)c.items, fmt);
	if (rcache_get(r->w->rcache, key, o))
		return;
	struct items is = { 0 };
	struct buf err = BUF_INIT;
	store_collection_items(r->s, c.id, collect_item, &is, &err);
	bool *found = xcalloc(is.n ? is.n : 1, sizeof(*found));
	struct paper *ps = items_papers(r, &is, found);
	static const char *const types[] = { "application/x-bibtex; charset=utf-8", "application/x-research-info-systems; charset=utf-8",
					     "text/csv; charset=utf-8" };
	static const char *const exts[] = { "bib", "ris", "csv" };
	o->ctype = types[fmt];
	if (!c.public_)
		o->private_ = true;
	char disp[192];
	export_disposition(&c, exts[fmt], disp, sizeof(disp));
	resp_header(o, "Content-Disposition", disp);
	if (fmt == 2)
		cite_csv_header(&o->body);
	for (size_t i = 0; ps && i < is.n; i++) {
		if (!found[i])
			continue;
		if (fmt == 0) {
			cite_bibtex(&ps[i], is.v[i].note, &o->body);
			buf_addc(&o->body, '\n');
		} else if (fmt == 1) {
			cite_ris(&ps[i], is.v[i].note, &o->body);
		} else {
			cite_csv(&ps[i], is.v[i].note, &o->body);
		}
	}
	if (ps && !store_first_failure(r->s))
		rcache_put(r->w->rcache, key, EXPORT_TTL, o);
	lists_hit_papers_free(ps, is.n);
	free(found);
	items_release(&is);
	buf_release(&err);
}

static json_t *coll_json(const struct collection *c)
{
	return json_pack("{s:I,s:s,s:s,s:b,s:I,s:o,s:o}", "id", (json_int_t)c->id, "name", c->name, "owner", c->user,
			 "public", c->public_, "papers", (json_int_t)c->items, "created", json_time(c->created), "updated",
			 json_time(c->updated));
}

void h_api_collections(struct req *r, struct resp *o)
{
	struct buf err = BUF_INIT;
	if (!strcmp(r->method, "GET")) {
		struct colls cs = { 0 };
		store_collection_list(r->s, r->user.id, true, collect_coll, &cs, &err);
		json_t *arr = json_array();
		for (size_t i = 0; i < cs.n; i++)
			json_array_append_new(arr, coll_json(&cs.v[i]));
		free(cs.v);
		resp_json(o, 200, arr);
		buf_release(&err);
		return;
	}
	json_t *j = json_body(r, o);
	if (!j)
		return;
	struct collection c;
	struct svc v = req_svc(r);
	struct buf msg = BUF_INIT;
	enum pb_status st = svc_collection_create(&v, r->user.id, json_string_value(json_object_get(j, "name")),
						  json_is_true(json_object_get(j, "public")), &c, &msg);
	if (st)
		resp_outcome(r, o, st, msg.s);
	else if (store_collection_get(r->s, c.id, &c, &err) == 0)
		resp_json(o, 201, coll_json(&c));
	else
		resp_error(r, o, 500, "the database failed");
	json_decref(j);
	buf_release(&msg);
	buf_release(&err);
}

/* GET /api/collections/ID: a page of COLL_PAGE papers (?p=), with the total. */
static void api_collection_get(struct req *r, struct resp *o, const struct collection *c)
{
	long page = coll_page_arg(r, o, c);
	if (page < 0)
		return;
	struct buf err = BUF_INIT;
	struct items is = { 0 };
	store_collection_page(r->s, c->id, (size_t)page * COLL_PAGE, COLL_PAGE, collect_item, &is, &err);
	buf_release(&err);
	bool *found = xcalloc(is.n ? is.n : 1, sizeof(*found));
	struct paper *ps = items_papers(r, &is, found);
	json_t *j = coll_json(c), *arr = json_array();
	json_object_set_new(j, "total", json_integer(c->items));
	json_object_set_new(j, "page", json_integer(page));
	json_object_set_new(j, "pageSize", json_integer(COLL_PAGE));
	if ((page + 1) * COLL_PAGE < c->items) {
		char next[64];
		snprintf(next, sizeof(next), "/api/collections/%lld?p=%ld", (long long)c->id, page + 1);
		json_object_set_new(j, "next", json_string(next));
	}
	for (size_t i = 0; ps && i < is.n; i++) {
		if (!found[i])
			continue;
		json_t *e = json_paper(r, &ps[i]);
		json_object_set_new(e, "note", json_string(is.v[i].note));
		json_array_append_new(arr, e);
	}
	json_object_set_new(j, "items", arr);
	resp_json(o, 200, j);
	lists_hit_papers_free(ps, is.n);
	free(found);
	items_release(&is);
}

/* PATCH /api/collections/ID {"name": ..., "public": bool}: either or both. */
static void api_collection_patch(struct req *r, struct resp *o, struct collection *c)
{
	json_t *j = json_body(r, o);
	if (!j)
		return;
	json_t *name = json_object_get(j, "name"), *pub = json_object_get(j, "public");
	if ((name && !json_is_string(name)) || (pub && !json_is_boolean(pub))) {
		resp_error(r, o, 400, "name must be a text of 1 to 119 bytes, public true or false");
	} else {
		struct svc v = req_svc(r);
		struct buf msg = BUF_INIT, err = BUF_INIT;
		enum pb_status st = svc_collection_change(&v, c, json_string_value(name), pub ? json_is_true(pub) : -1, &msg);
		if (st)
			resp_outcome(r, o, st, msg.s);
		else if (store_collection_get(r->s, c->id, c, &err) == 0)
			resp_json(o, 200, coll_json(c));
		else
			resp_error(r, o, 500, "the database failed");
		buf_release(&msg);
		buf_release(&err);
	}
	json_decref(j);
}

/* POST /api/collections/ID/items {"paper": ID, "note": text, "position":
 * 0-based}: adds, or changes the note, or moves. */
static void api_collection_put(struct req *r, struct resp *o, const struct collection *c)
{
	json_t *j = json_body(r, o);
	if (!j)
		return;
	const char *paper = json_string_value(json_object_get(j, "paper"));
	json_t *jn = json_object_get(j, "note"), *jp = json_object_get(j, "position");
	const char *note = json_string_value(jn);
	char id[PAPER_ID_MAX];
	if (!paper || arxiv_id_parse(paper, id, NULL)) {
		resp_error(r, o, 400, "paper must be an arXiv id");
	} else if ((jn && !json_is_string(jn)) ||
		   (jp && (!json_is_integer(jp) || json_integer_value(jp) < 0 || json_integer_value(jp) > SVC_ITEMS_MAX))) {
		resp_error(r, o, 400, "note must be a text, position a number from 0");
	} else {
		struct svc v = req_svc(r);
		struct buf msg = BUF_INIT, err = BUF_INIT;
		enum pb_status st = svc_collection_put(&v, r->user.id, c, id, note, &msg);
		int rc = !st && jp ? store_collection_move(r->s, c->id, id, (long)json_integer_value(jp), &err) : 0;
		if (st)
			resp_outcome(r, o, st, msg.s);
		else if (rc)
			resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "no such paper in the collection");
		else
			resp_json(o, 201, json_pack("{s:s,s:I}", "added", id, "collection", (json_int_t)c->id));
		buf_release(&msg);
		buf_release(&err);
	}
	json_decref(j);
}

/* GET /api/collections/ID, PATCH and DELETE it; POST .../items {paper,
 * note}, DELETE .../items?paper= */
void h_api_collection(struct req *r, struct resp *o)
{
	struct collection c;
	if (!route_coll(r, o, &c, false))
		return;
	struct buf err = BUF_INIT;
	size_t pl = strlen(r->path);
	bool items_route = pl > 6 && !strcmp(r->path + pl - 6, "/items");
	if (!strcmp(r->method, "GET") && !items_route) {
		api_collection_get(r, o, &c);
	} else if (!r->signed_in || c.user_id != r->user.id) {
		resp_error(r, o, 404, "no such collection of yours");
	} else if (!items_route && !strcmp(r->method, "PATCH")) {
		api_collection_patch(r, o, &c);
	} else if (!items_route && !strcmp(r->method, "DELETE")) {
		int rc = store_collection_delete(r->s, c.id, r->user.id, &err);
		if (rc)
			resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "no such collection of yours");
		else
			resp_json(o, 200, json_pack("{s:I}", "deleted", (json_int_t)c.id));
	} else if (!strcmp(r->method, "POST")) {
		api_collection_put(r, o, &c);
	} else {
		const char *paper = req_arg(r, "paper");
		char id[PAPER_ID_MAX];
		int rc = !paper || arxiv_id_parse(paper, id, NULL) ? 1 : store_collection_remove(r->s, c.id, id, &err);
		if (rc)
			resp_error(r, o, rc < 0 ? 500 : 404, rc < 0 ? "the database failed" : "no such paper in the collection");
		else
			resp_json(o, 200, json_pack("{s:s}", "removed", id));
	}
	buf_release(&err);
}

/* GET /me/collections: one's own, on one's profile. */
void h_my_collections(struct req *r, struct resp *o)
{
	struct buf loc = BUF_INIT;
	buf_adds(&loc, "/u/");
	buf_add_url(&loc, r->user.name);
	buf_adds(&loc, "/collections");
	resp_redirect(o, loc.s);
	buf_release(&loc);
}

int collections_export(struct req *r, json_t *out)
{
	struct buf err = BUF_INIT;
	struct colls cs = { 0 };
	int rc = store_collection_list(r->s, r->user.id, true, collect_coll, &cs, &err) < 0 ? -1 : 0;
	for (size_t i = 0; i < cs.n; i++) {
		struct items is = { 0 };
		if (store_collection_items(r->s, cs.v[i].id, collect_item, &is, &err) < 0)
			rc = -1;
		json_t *items = json_array();
		for (size_t k = 0; k < is.n; k++)
			json_array_append_new(items, json_pack("{s:s,s:s,s:o}", "paper", is.v[k].paper, "note", is.v[k].note,
							      "added", json_time(is.v[k].added)));
		json_array_append_new(out, json_pack("{s:I,s:s,s:b,s:o}", "id", (json_int_t)cs.v[i].id, "name", cs.v[i].name,
						      "public", cs.v[i].public_, "items", items));
		items_release(&is);
	}
	free(cs.v);
	if (rc)
		fprintf(stderr, "paperboy: export: %s\n", err.s);
	buf_release(&err);
	return rc;
}
